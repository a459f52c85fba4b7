/* tests/unit/domain/test_rules.c
 * Goal: earning rules earn what docs/programme.md says, on integers with its one rounding:
 * exclusions, multipliers (raising and lowering), fixed bonuses, additive and best-of stacking,
 * caps per member (campaign and day), the programme's per-sale maximum, time windows across
 * midnight, validity across a month end, weekdays, tiers, stores, the part paid with points, and
 * the programme's time zone; and a malformed rule is refused naming its field.
 * Method: one table of baskets x rules -> points and the receipt's explanation ("rule:points",
 * "c" when capped), each row evaluated through lty_rules_select and lty_rules_evaluate exactly
 * as a sale does; a table of malformed rules -> the field named; render/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "lty/lty_clock.h"
#include "rules.h"

#include <cmocka.h>

#define RULES_PER_CASE 4
#define LINES_PER_CASE 4

typedef struct line_s {
    const char *category;
    int64_t amount_cents;
} line_t;

typedef struct rule_case_s {
    const char *name;
    const char *rules[RULES_PER_CASE];    /* rule_id = index + 1 */
    line_t lines[LINES_PER_CASE];
    const char *when;                     /* UTC "YYYY-MM-DDTHH:MM"; NULL: 2026-03-10T04:00 */
    int32_t offset_minutes;               /* the programme's zone; 0 here means +08:00 */
    int rounding;                         /* lty_earn_rounding_t */
    int64_t per_sale_max;                 /* 0: the demo's (no cut below the hard limit) */
    uint32_t tier;
    const char *store;                    /* NULL: S001 */
    int64_t eligible_cents;               /* -1: the whole basket */
    lty_rules_usage_t usage[RULES_PER_CASE];
    int64_t points_expected;
    const char *applied_expected;         /* "2:-20,1:10" in order applied; "c" = capped */
} rule_case_t;

#define UTC_ZONE 1 /* offset_minutes meaning +00:00 (0 is taken by the default) */

static const rule_case_t cases[] = {
    {.name = "no rules: floor(35.55)", .lines = {{"dairy", 3555}}, .points_expected = 35,
     .applied_expected = ""},
    {.name = "rounding nearest: 35.50 -> 36", .lines = {{"dairy", 3550}},
     .rounding = LTY_EARN_ROUND_NEAREST, .points_expected = 36, .applied_expected = ""},
    {.name = "rounding nearest: 35.49 -> 35", .lines = {{"dairy", 3549}},
     .rounding = LTY_EARN_ROUND_NEAREST, .points_expected = 35, .applied_expected = ""},
    {.name = "rounding up: 35.01 -> 36", .lines = {{"dairy", 3501}}, .rounding = LTY_EARN_ROUND_UP,
     .points_expected = 36, .applied_expected = ""},
    {.name = "one rounding for the sale, not per line: 1.50 + 1.50 -> 3",
     .rules = {"{\"name\":\"x\",\"match\":{\"categories\":[\"none\"]},"
               "\"effect\":{\"exclude\":true}}"},
     .lines = {{"dairy", 150}, {"dairy", 150}}, .points_expected = 3, .applied_expected = ""},
    {.name = "exclusion takes the tobacco line out",
     .rules = {"{\"name\":\"No tobacco\",\"match\":{\"categories\":[\"tobacco\"]},"
               "\"effect\":{\"exclude\":true}}"},
     .lines = {{"detergent", 1000}, {"tobacco", 2000}, {"dairy", 555}}, .points_expected = 15,
     .applied_expected = "1:-20"},
    {.name = "double detergent and no tobacco: exclusions apply first",
     .rules = {"{\"name\":\"Double\",\"match\":{\"categories\":[\"detergent\"]},"
               "\"effect\":{\"multiplier_percent\":200}}",
               "{\"name\":\"No tobacco\",\"match\":{\"categories\":[\"tobacco\"]},"
               "\"effect\":{\"exclude\":true}}"},
     .lines = {{"detergent", 1000}, {"tobacco", 2000}, {"dairy", 555}}, .points_expected = 25,
     .applied_expected = "2:-20,1:10"},
    {.name = "an excluded line is not multiplied",
     .rules = {"{\"name\":\"Double\",\"match\":{\"categories\":[\"detergent\"]},"
               "\"effect\":{\"multiplier_percent\":200}}",
               "{\"name\":\"Out\",\"match\":{\"categories\":[\"detergent\"]},"
               "\"effect\":{\"exclude\":true}}"},
     .lines = {{"detergent", 1000}}, .points_expected = 0, .applied_expected = "2:-10"},
    {.name = "additive multipliers add their extras: 100+100+50",
     .rules = {"{\"name\":\"a\",\"match\":{\"categories\":[\"detergent\"]},"
               "\"effect\":{\"multiplier_percent\":200}}",
               "{\"name\":\"b\",\"effect\":{\"multiplier_percent\":150}}"},
     .lines = {{"detergent", 1000}}, .points_expected = 25, .applied_expected = "1:10,2:5"},
    {.name = "best-of multipliers: only the best",
     .rules = {"{\"name\":\"a\",\"effect\":{\"multiplier_percent\":200},\"stacking\":\"best_of\"}",
               "{\"name\":\"b\",\"effect\":{\"multiplier_percent\":300},\"stacking\":\"best_of\"}"},
     .lines = {{"dairy", 1000}}, .points_expected = 30, .applied_expected = "2:20"},
    {.name = "best-of and additive: the best plus every additive",
     .rules = {"{\"name\":\"a\",\"effect\":{\"multiplier_percent\":200},\"stacking\":\"best_of\"}",
               "{\"name\":\"b\",\"effect\":{\"multiplier_percent\":300},\"stacking\":\"best_of\"}",
               "{\"name\":\"c\",\"effect\":{\"multiplier_percent\":150}}"},
     .lines = {{"dairy", 1000}}, .points_expected = 35, .applied_expected = "2:20,3:5"},
    {.name = "bonus below the minimum basket: nothing",
     .rules = {"{\"name\":\"b\",\"match\":{\"min_basket_cents\":10000},"
               "\"effect\":{\"bonus_points\":50}}"},
     .lines = {{"dairy", 9999}}, .points_expected = 99, .applied_expected = ""},
    {.name = "bonus at the minimum basket",
     .rules = {"{\"name\":\"b\",\"match\":{\"min_basket_cents\":10000},"
               "\"effect\":{\"bonus_points\":50}}"},
     .lines = {{"dairy", 10000}}, .points_expected = 150, .applied_expected = "1:50"},
    {.name = "best-of bonuses: the largest, plus the additive one",
     .rules = {"{\"name\":\"a\",\"effect\":{\"bonus_points\":30},\"stacking\":\"best_of\"}",
               "{\"name\":\"b\",\"effect\":{\"bonus_points\":50},\"stacking\":\"best_of\"}",
               "{\"name\":\"c\",\"effect\":{\"bonus_points\":10}}"},
     .lines = {{"dairy", 1000}}, .points_expected = 70, .applied_expected = "2:50,3:10"},
    {.name = "campaign cap: 3 of 5 used, the rule adds 2",
     .rules = {"{\"name\":\"d\",\"effect\":{\"multiplier_percent\":200},\"cap_points\":5}"},
     .lines = {{"dairy", 1000}}, .usage = {{.campaign_points = 3}}, .points_expected = 12,
     .applied_expected = "1:2c"},
    {.name = "daily cap reached: the rule adds nothing today",
     .rules = {"{\"name\":\"d\",\"effect\":{\"multiplier_percent\":200},"
               "\"cap_points_per_day\":10}"},
     .lines = {{"dairy", 1000}}, .usage = {{.campaign_points = 500, .day_points = 10}},
     .points_expected = 10, .applied_expected = "1:0c"},
    {.name = "points_per_sale_max cuts the base", .lines = {{"dairy", 60000}},
     .per_sale_max = 500, .points_expected = 500, .applied_expected = "0:-100c"},
    {.name = "points_per_sale_max caps a rule",
     .rules = {"{\"name\":\"d\",\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 40000}}, .per_sale_max = 500, .points_expected = 500,
     .applied_expected = "1:100c"},
    {.name = "window 22:00-02:00 holds at 23:30",
     .rules = {"{\"name\":\"night\",\"match\":{\"time_from\":\"22:00\",\"time_to\":\"02:00\"},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-03-10T15:30", .points_expected = 20,
     .applied_expected = "1:10"},
    {.name = "window 22:00-02:00 holds at 01:59",
     .rules = {"{\"name\":\"night\",\"match\":{\"time_from\":\"22:00\",\"time_to\":\"02:00\"},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-03-10T17:59", .points_expected = 20,
     .applied_expected = "1:10"},
    {.name = "window 22:00-02:00 is over at 02:00",
     .rules = {"{\"name\":\"night\",\"match\":{\"time_from\":\"22:00\",\"time_to\":\"02:00\"},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-03-10T18:00", .points_expected = 10,
     .applied_expected = ""},
    {.name = "window 22:00-02:00 has not begun at 21:59",
     .rules = {"{\"name\":\"night\",\"match\":{\"time_from\":\"22:00\",\"time_to\":\"02:00\"},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-03-10T13:59", .points_expected = 10,
     .applied_expected = ""},
    {.name = "time zone: 16:30Z on 31 January is 1 February in +08:00",
     .rules = {"{\"name\":\"feb\",\"match\":{\"valid_from\":\"2026-02-01\"},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-01-31T16:30", .points_expected = 20,
     .applied_expected = "1:10"},
    {.name = "time zone: the same instant is still January in +00:00",
     .rules = {"{\"name\":\"feb\",\"match\":{\"valid_from\":\"2026-02-01\"},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-01-31T16:30", .offset_minutes = UTC_ZONE,
     .points_expected = 10, .applied_expected = ""},
    {.name = "validity across the month end: 31 January 23:59 local",
     .rules = {"{\"name\":\"m\",\"match\":{\"valid_from\":\"2026-01-31\","
               "\"valid_to\":\"2026-02-01\"},\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-01-31T15:59", .points_expected = 20,
     .applied_expected = "1:10"},
    {.name = "validity across the month end: 1 February 23:59 local",
     .rules = {"{\"name\":\"m\",\"match\":{\"valid_from\":\"2026-01-31\","
               "\"valid_to\":\"2026-02-01\"},\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-02-01T15:59", .points_expected = 20,
     .applied_expected = "1:10"},
    {.name = "validity across the month end: over on 2 February 00:00 local",
     .rules = {"{\"name\":\"m\",\"match\":{\"valid_from\":\"2026-01-31\","
               "\"valid_to\":\"2026-02-01\"},\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-02-01T16:00", .points_expected = 10,
     .applied_expected = ""},
    {.name = "Tuesdays: 2026-03-10 is one",
     .rules = {"{\"name\":\"tue\",\"match\":{\"days_of_week\":[2]},"
               "\"effect\":{\"multiplier_percent\":300}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-03-10T04:00", .points_expected = 30,
     .applied_expected = "1:20"},
    {.name = "Tuesdays: 17:00Z on the 10th is Wednesday 01:00 in +08:00",
     .rules = {"{\"name\":\"tue\",\"match\":{\"days_of_week\":[2]},"
               "\"effect\":{\"multiplier_percent\":300}}"},
     .lines = {{"dairy", 1000}}, .when = "2026-03-10T17:00", .points_expected = 10,
     .applied_expected = ""},
    {.name = "triple points for Gold: a Gold member (1.5x tier) on a Tuesday",
     .rules = {"{\"name\":\"gold tue\",\"match\":{\"tiers\":[\"Gold\"],\"days_of_week\":[2]},"
               "\"effect\":{\"multiplier_percent\":300}}"},
     .lines = {{"dairy", 1000}}, .tier = 2, .points_expected = 45, .applied_expected = "1:30"},
    {.name = "triple points for Gold: not for a Member",
     .rules = {"{\"name\":\"gold tue\",\"match\":{\"tiers\":[\"Gold\"],\"days_of_week\":[2]},"
               "\"effect\":{\"multiplier_percent\":300}}"},
     .lines = {{"dairy", 1000}}, .tier = 0, .points_expected = 10, .applied_expected = ""},
    {.name = "the tier floors after the one rounding: 10.50 at 1.25x doubled",
     .rules = {"{\"name\":\"d\",\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1050}}, .tier = 1, .points_expected = 26, .applied_expected = "1:14"},
    {.name = "store list: not at S001",
     .rules = {"{\"name\":\"s\",\"match\":{\"stores\":[\"S002\"]},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .points_expected = 10, .applied_expected = ""},
    {.name = "store list: at S002",
     .rules = {"{\"name\":\"s\",\"match\":{\"stores\":[\"S002\"]},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .store = "S002", .points_expected = 20,
     .applied_expected = "1:10"},
    {.name = "the part paid with points earns nothing, spread over the lines",
     .rules = {"{\"name\":\"d\",\"match\":{\"categories\":[\"detergent\"]},"
               "\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"detergent", 1000}, {"dairy", 1000}}, .eligible_cents = 1000,
     .points_expected = 15, .applied_expected = "1:5"},
    {.name = "a prefix pattern: baby*",
     .rules = {"{\"name\":\"b\",\"match\":{\"categories\":[\"baby*\"]},"
               "\"effect\":{\"exclude\":true}}"},
     .lines = {{"baby_food", 1000}, {"babywipes", 500}, {"Baby", 1000}}, .points_expected = 10,
     .applied_expected = "1:-15"},
    {.name = "a lowering multiplier goes before a raising one",
     .rules = {"{\"name\":\"up\",\"match\":{\"categories\":[\"y\"]},"
               "\"effect\":{\"multiplier_percent\":200}}",
               "{\"name\":\"down\",\"match\":{\"categories\":[\"x\"]},"
               "\"effect\":{\"multiplier_percent\":50}}"},
     .lines = {{"x", 1000}, {"y", 1000}}, .points_expected = 25, .applied_expected = "2:-5,1:10"},
    {.name = "everything excluded, a bonus still comes",
     .rules = {"{\"name\":\"out\",\"match\":{\"categories\":[\"tobacco\"]},"
               "\"effect\":{\"exclude\":true}}",
               "{\"name\":\"thanks\",\"effect\":{\"bonus_points\":20}}"},
     .lines = {{"tobacco", 1000}}, .points_expected = 20, .applied_expected = "1:-10,2:20"},
    {.name = "a paused rule does not apply",
     .rules = {"{\"name\":\"p\",\"status\":\"paused\",\"effect\":{\"multiplier_percent\":200}}"},
     .lines = {{"dairy", 1000}}, .points_expected = 10, .applied_expected = ""},
};

static int64_t instant_of(const char *when)
{
    int64_t days = 0;
    char date[LTY_CAL_DATE_BYTES + 1];
    int minute = 0;
    memcpy(date, when, LTY_CAL_DATE_BYTES);
    date[LTY_CAL_DATE_BYTES] = '\0';
    assert_true(lty_cal_date_parse(date, &days));
    assert_true(lty_cal_time_parse(when + LTY_CAL_DATE_BYTES + 1, &minute));
    return days * LTY_MS_PER_DAY + (int64_t)minute * LTY_CAL_MS_PER_MINUTE;
}

static void applied_format(const lty_rules_outcome_t *outcome, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t index = 0; index < outcome->applied_count; index++) {
        const lty_rules_applied_t *applied = &outcome->applied[index];
        used += (size_t)snprintf(out + used, out_size - used, "%s%llu:%lld%s",
                                 index > 0 ? "," : "", (unsigned long long)applied->rule_id,
                                 (long long)applied->points, applied->capped ? "c" : "");
        assert_true(used < out_size);
    }
}

static void case_run(const rule_case_t *row)
{
    static lty_rule_t rules[RULES_PER_CASE];
    lty_programme_t programme;
    lty_programme_demo(&programme);
    if (row->offset_minutes == UTC_ZONE) programme.utc_offset_minutes = 0;
    programme.earn_rounding = row->rounding;
    if (row->per_sale_max > 0) programme.points_per_sale_max = row->per_sale_max;
    size_t rules_count = 0;
    for (; rules_count < RULES_PER_CASE && row->rules[rules_count] != NULL; rules_count++) {
        lty_rule_t *rule = &rules[rules_count];
        memset(rule, 0, sizeof(*rule));
        rule->rule_id = rules_count + 1;
        rule->status = LTY_RULE_ACTIVE;
        lty_diag_t diag;
        int err = lty_rule_parse_text(row->rules[rules_count], strlen(row->rules[rules_count]),
                                      rule, &diag);
        if (err != 0) print_error("%s: rule %zu: %s %s\n", row->name, rules_count, diag.field,
                                  diag.detail);
        assert_int_equal(err, 0);
    }
    lty_sale_line_t lines[LINES_PER_CASE];
    memset(lines, 0, sizeof(lines));
    size_t lines_count = 0;
    int64_t total = 0;
    for (; lines_count < LINES_PER_CASE && row->lines[lines_count].category != NULL;
         lines_count++) {
        snprintf(lines[lines_count].sku, sizeof(lines[lines_count].sku), "SKU%zu", lines_count);
        snprintf(lines[lines_count].category, sizeof(lines[lines_count].category), "%s",
                 row->lines[lines_count].category);
        lines[lines_count].qty = 1;
        lines[lines_count].amount_cents = row->lines[lines_count].amount_cents;
        total += lines[lines_count].amount_cents;
    }
    lty_rules_sale_t sale = {.lines = lines,
                             .lines_count = lines_count,
                             .total_cents = total,
                             .eligible_cents =
                                 row->eligible_cents > 0 ? row->eligible_cents : total,
                             .store = row->store != NULL ? row->store : "S001",
                             .tier = row->tier,
                             .now_ms = instant_of(row->when != NULL ? row->when
                                                                    : "2026-03-10T04:00")};
    const lty_rule_t *selected[LTY_RULES_APPLIED_MAX];
    lty_rules_usage_t usage[LTY_RULES_APPLIED_MAX];
    size_t count = lty_rules_select(&programme, rules, rules_count, &sale, selected);
    for (size_t index = 0; index < count; index++) {
        usage[index] = row->usage[selected[index]->rule_id - 1];
    }
    lty_rules_outcome_t outcome;
    assert_int_equal(lty_rules_evaluate(&programme, selected, usage, count, &sale, &outcome), 0);
    char applied[256];
    applied_format(&outcome, applied, sizeof(applied));
    if (outcome.points_earned != row->points_expected ||
        strcmp(applied, row->applied_expected) != 0) {
        print_error("%s: earned %lld [%s], expected %lld [%s]\n", row->name,
                    (long long)outcome.points_earned, applied, (long long)row->points_expected,
                    row->applied_expected);
    }
    assert_int_equal(outcome.points_earned, row->points_expected);
    assert_string_equal(applied, row->applied_expected);
    /* The explanation adds up: base + every rule's points = what is earned. */
    int64_t sum = outcome.points_base;
    for (size_t index = 0; index < outcome.applied_count; index++) {
        sum += outcome.applied[index].points;
    }
    assert_int_equal(sum, outcome.points_earned);
}

static void test_rules_baskets_earn_the_table(void **state)
{
    (void)state;
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        case_run(&cases[index]);
    }
}

/* ---- Malformed rules ----------------------------------------------------------------------- */

static const struct {
    const char *json;
    const char *field;
} malformed[] = {
    {"{\"name\":\"x\",\"match\":{\"categories\":[\"a*b\"]},\"effect\":{\"exclude\":true}}",
     "/match/categories/0"},
    {"{\"name\":\"x\",\"match\":{\"categories\":[\"ok\",\"*\"]},\"effect\":{\"exclude\":true}}",
     "/match/categories/1"},
    {"{\"name\":\"x\",\"match\":{\"categories\":[\" lead\"]},\"effect\":{\"exclude\":true}}",
     "/match/categories/0"},
    {"{\"name\":\"x\",\"effect\":{\"multiplier_percent\":0}}", "/effect/multiplier_percent"},
    {"{\"name\":\"x\",\"effect\":{\"multiplier_percent\":-5}}", "/effect/multiplier_percent"},
    {"{\"name\":\"x\",\"effect\":{\"multiplier_percent\":10001}}", "/effect/multiplier_percent"},
    {"{\"name\":\"x\",\"match\":{\"time_from\":\"10:00\",\"time_to\":\"10:00\"},"
     "\"effect\":{\"bonus_points\":5}}",
     "/match/time_to"},
    {"{\"name\":\"x\",\"match\":{\"time_from\":\"10:00\"},\"effect\":{\"bonus_points\":5}}",
     "/match/time_to"},
    {"{\"name\":\"x\",\"match\":{\"time_from\":\"25:00\",\"time_to\":\"10:00\"},"
     "\"effect\":{\"bonus_points\":5}}",
     "/match/time_from"},
    {"{\"name\":\"x\",\"match\":{\"valid_from\":\"2026-02-01\",\"valid_to\":\"2026-01-31\"},"
     "\"effect\":{\"bonus_points\":5}}",
     "/match/valid_to"},
    {"{\"name\":\"x\",\"match\":{\"valid_from\":\"2026-02-30\"},\"effect\":{\"bonus_points\":5}}",
     "/match/valid_from"},
    {"{\"name\":\"x\",\"match\":{\"days_of_week\":[0]},\"effect\":{\"bonus_points\":5}}",
     "/match/days_of_week"},
    {"{\"name\":\"x\",\"effect\":{\"exclude\":true,\"bonus_points\":5}}", "/effect"},
    {"{\"name\":\"x\",\"effect\":{}}", "/effect"},
    {"{\"name\":\"x\",\"effect\":{\"exclude\":false}}", "/effect/exclude"},
    {"{\"name\":\"x\",\"effect\":{\"bonus_points\":5},\"stacking\":\"max\"}", "/stacking"},
    {"{\"name\":\"x\",\"effect\":{\"exclude\":true},\"cap_points\":5}", "/cap_points"},
    {"{\"name\":\"x\",\"effect\":{\"bonus_points\":5},\"status\":\"ended\"}", "/status"},
    {"{\"effect\":{\"bonus_points\":5}}", "/name"},
    {"{\"name\":\"x\",\"effect\":{\"bonus_points\":5},\"colour\":1}", "/colour"},
    {"{\"name\":\"x\",\"match\":{\"skus\":[\"\"]},\"effect\":{\"bonus_points\":5}}",
     "/match/skus/0"},
};

static void test_rule_malformed_is_refused_naming_the_field(void **state)
{
    (void)state;
    for (size_t index = 0; index < sizeof(malformed) / sizeof(malformed[0]); index++) {
        lty_rule_t rule;
        memset(&rule, 0, sizeof(rule));
        lty_diag_t diag;
        lty_diag_clear(&diag);
        int err = lty_rule_parse_text(malformed[index].json, strlen(malformed[index].json), &rule,
                                      &diag);
        if (err != LTY_E_INVALID_FIELD || strcmp(diag.field, malformed[index].field) != 0) {
            print_error("%s: err %d field %s (%s)\n", malformed[index].json, err, diag.field,
                        diag.detail);
        }
        assert_int_equal(err, LTY_E_INVALID_FIELD);
        assert_string_equal(diag.field, malformed[index].field);
    }
}

static void test_rule_renders_and_parses_back_the_same(void **state)
{
    (void)state;
    static const char *const json =
        "{\"name\":\"Everything\",\"match\":{\"skus\":[\"A\",\"B\"],\"categories\":[\"baby*\"],"
        "\"stores\":[\"S001\"],\"tiers\":[\"Gold\"],\"days_of_week\":[2,6],\"time_from\":\"22:00\","
        "\"time_to\":\"02:00\",\"valid_from\":\"2026-01-31\",\"valid_to\":\"2026-02-01\","
        "\"min_basket_cents\":100},\"effect\":{\"multiplier_percent\":300},"
        "\"stacking\":\"best_of\",\"cap_points\":500,\"cap_points_per_day\":50}";
    static lty_rule_t first, second;
    memset(&first, 0, sizeof(first));
    memset(&second, 0, sizeof(second));
    assert_int_equal(lty_rule_parse_text(json, strlen(json), &first, NULL), 0);
    lty_buf_t out;
    lty_buf_init(&out, LTY_RULE_JSON_BYTES_MAX);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &out);
    lty_jw_object_begin(&writer);
    lty_rule_definition_render(&first, &writer);
    lty_jw_object_end(&writer);
    assert_int_equal(lty_buf_error(&out), 0);
    assert_int_equal(lty_rule_parse_text(out.data, out.size, &second, NULL), 0);
    assert_memory_equal(&first, &second, sizeof(first));
    assert_int_equal(first.days_mask, (1u << 1) | (1u << 5));
    assert_int_equal(first.time_from, 22 * 60);
    lty_buf_deinit(&out);
}

static void test_rules_select_at_most_the_limit_by_rule_id(void **state)
{
    (void)state;
    static lty_rule_t rules[LTY_RULES_APPLIED_MAX + 4];
    lty_programme_t programme;
    lty_programme_demo(&programme);
    static const char *const json = "{\"name\":\"b\",\"effect\":{\"bonus_points\":1}}";
    for (size_t index = 0; index < sizeof(rules) / sizeof(rules[0]); index++) {
        memset(&rules[index], 0, sizeof(rules[index]));
        rules[index].rule_id = index * 10 + 1;
        rules[index].status = LTY_RULE_ACTIVE;
        assert_int_equal(lty_rule_parse_text(json, strlen(json), &rules[index], NULL), 0);
    }
    lty_sale_line_t line = {.sku = "A", .category = "c", .qty = 1, .amount_cents = 100};
    lty_rules_sale_t sale = {.lines = &line, .lines_count = 1, .total_cents = 100,
                             .eligible_cents = 100, .store = "S001", .now_ms = 0};
    const lty_rule_t *selected[LTY_RULES_APPLIED_MAX];
    assert_int_equal(lty_rules_select(&programme, rules, sizeof(rules) / sizeof(rules[0]), &sale,
                                      selected),
                     LTY_RULES_APPLIED_MAX);
    assert_int_equal(selected[LTY_RULES_APPLIED_MAX - 1]->rule_id,
                     (LTY_RULES_APPLIED_MAX - 1) * 10 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_baskets_earn_the_table),
        cmocka_unit_test(test_rule_malformed_is_refused_naming_the_field),
        cmocka_unit_test(test_rule_renders_and_parses_back_the_same),
        cmocka_unit_test(test_rules_select_at_most_the_limit_by_rule_id),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
