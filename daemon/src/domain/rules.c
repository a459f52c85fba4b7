/* SPDX-License-Identifier: MIT */
/* Earning rules, pure (rules.h): the strict JSON form of a rule, which rules a sale meets, and
 * the integer evaluation that turns lines, weights, the tier and the caps into points and a
 * receipt's explanation.
 *
 * Why weights in percent per line: every effect on a line is a change of its weight (exclusion:
 * to 0; a multiplier: by multiplier - 100), so the whole sale is one sum S of integers and is
 * rounded once. Crediting each rule with points(S after) - points(S before), in a fixed order,
 * makes the explanation add up to the total without a second rounding. Lowering rules go first
 * so the per-sale maximum and the caps, which only lower what rules add, see a settled base.
 *
 * Not here: loading rules, reading or writing cap usage (ops_sale.c, ops_rules.c). */
#include "rules.h"
#include "calendar.h"
#include "ledger.h"
#include "lty/lty_assert.h"

#include <stdio.h>
#include <string.h>

/* ---- Parsing --------------------------------------------------------------------------- */

/* A category pattern: printable, no surrounding spaces, '*' only as the last byte of a longer
 * pattern (a prefix match). Bytes >= 0x80 are allowed: categories may be Chinese words. */
static bool category_pattern_ok(const char *pattern)
{
    size_t size = strlen(pattern);
    if (size == 0 || pattern[0] == ' ' || pattern[size - 1] == ' ') return false;
    for (size_t index = 0; index < size; index++) {
        unsigned char c = (unsigned char)pattern[index];
        if (c < 0x20 || c == 0x7f) return false;
        if (c == '*' && (index + 1 != size || size == 1)) return false;
    }
    return true;
}

/* A list of strings into items[count_max][item_size]; each checked by ok (may be NULL). */
static int strings_parse(const lty_json_node_t *object, const char *path, const char *key,
                         size_t count_max, size_t size_max, char *items, size_t item_size,
                         uint32_t *count_out, bool (*ok)(const char *), lty_diag_t *diag)
{
    const lty_json_node_t *array = NULL;
    size_t count = 0;
    int err = lty_json_get_array(object, path, key, false, count_max, &array, &count, diag);
    for (size_t index = 0; err == 0 && index < count; index++) {
        char *item = items + index * item_size;
        const char *text = lty_json_node_string(lty_json_item(array, index));
        char field[LTY_DIAG_FIELD_SIZE];
        snprintf(field, sizeof(field), "%s/%s/%zu", path, key, index);
        if (text == NULL || strlen(text) == 0 || strlen(text) > size_max ||
            (ok != NULL && !ok(text))) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                                "%s: 1 to %zu bytes%s", key, size_max,
                                ok != NULL ? ", a name or a prefix ending in '*'" : "");
        }
        memcpy(item, text, strlen(text) + 1);
    }
    *count_out = (uint32_t)count;
    return err;
}

static int days_parse(const lty_json_node_t *match, lty_rule_t *rule, lty_diag_t *diag)
{
    const lty_json_node_t *array = NULL;
    size_t count = 0;
    int err = lty_json_get_array(match, "/match", "days_of_week", false, 7, &array, &count, diag);
    rule->days_mask = 0;
    for (size_t index = 0; err == 0 && index < count; index++) {
        int64_t day = 0;
        if (!lty_json_node_int(lty_json_item(array, index), &day) || day < 1 || day > 7) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/days_of_week",
                                "days_of_week are ISO weekdays 1 (Monday) to 7 (Sunday)");
        }
        rule->days_mask = (uint8_t)(rule->days_mask | (1u << (day - 1)));
    }
    return err;
}

static int window_parse(const lty_json_node_t *match, lty_rule_t *rule, lty_diag_t *diag)
{
    char from[LTY_CAL_TIME_BYTES + 2] = "", to[LTY_CAL_TIME_BYTES + 2] = "";
    bool from_given = false, to_given = false;
    int err = lty_json_get_string(match, "/match", "time_from", false, 1, sizeof(from) - 1, from,
                                  sizeof(from), &from_given, diag);
    if (err == 0) err = lty_json_get_string(match, "/match", "time_to", false, 1, sizeof(to) - 1,
                                            to, sizeof(to), &to_given, diag);
    if (err != 0) return err;
    rule->time_from = -1;
    rule->time_to = -1;
    if (from_given != to_given) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, from_given ? "/match/time_to"
                                                                   : "/match/time_from",
                            "a time window needs both time_from and time_to (HH:MM)");
    }
    if (!from_given) return 0;
    if (!lty_cal_time_parse(from, &rule->time_from)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/time_from", "time is HH:MM");
    }
    if (!lty_cal_time_parse(to, &rule->time_to)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/time_to", "time is HH:MM");
    }
    if (rule->time_to == rule->time_from) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/time_to",
                            "the window ends where it starts (for all day, omit the window)");
    }
    return 0;
}

static int validity_parse(const lty_json_node_t *match, lty_rule_t *rule, lty_diag_t *diag)
{
    char text[LTY_CAL_DATE_BYTES + 2] = "";
    bool given = false;
    rule->valid_from_day = LTY_RULE_DAY_OPEN_MIN;
    rule->valid_to_day = LTY_RULE_DAY_OPEN_MAX;
    int err = lty_json_get_string(match, "/match", "valid_from", false, 1, sizeof(text) - 1, text,
                                  sizeof(text), &given, diag);
    if (err == 0 && given && !lty_cal_date_parse(text, &rule->valid_from_day)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/valid_from", "date is YYYY-MM-DD");
    }
    given = false;
    if (err == 0) err = lty_json_get_string(match, "/match", "valid_to", false, 1,
                                            sizeof(text) - 1, text, sizeof(text), &given, diag);
    if (err == 0 && given && !lty_cal_date_parse(text, &rule->valid_to_day)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/valid_to", "date is YYYY-MM-DD");
    }
    if (err == 0 && rule->valid_to_day < rule->valid_from_day) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/match/valid_to",
                            "valid_to is before valid_from");
    }
    return err;
}

static int match_parse(const lty_json_node_t *root, lty_rule_t *rule, lty_diag_t *diag)
{
    static const char *const keys[] = {"skus",     "categories", "stores",     "tiers",
                                       "days_of_week", "time_from", "time_to", "valid_from",
                                       "valid_to", "min_basket_cents", NULL};
    const lty_json_node_t *match = NULL;
    int err = lty_json_get_object(root, "", "match", false, &match, diag);
    rule->time_from = rule->time_to = -1;
    rule->valid_from_day = LTY_RULE_DAY_OPEN_MIN;
    rule->valid_to_day = LTY_RULE_DAY_OPEN_MAX;
    if (err != 0 || match == NULL) return err;
    err = lty_json_keys_check(match, "/match", keys, diag);
    if (err == 0) err = strings_parse(match, "/match", "skus", LTY_RULE_SKUS_MAX,
                                      LTY_SKU_BYTES_MAX, &rule->skus[0][0], sizeof(rule->skus[0]),
                                      &rule->skus_count, NULL, diag);
    if (err == 0) err = strings_parse(match, "/match", "categories", LTY_RULE_CATEGORIES_MAX,
                                      LTY_CATEGORY_BYTES_MAX, &rule->categories[0][0],
                                      sizeof(rule->categories[0]), &rule->categories_count,
                                      category_pattern_ok, diag);
    if (err == 0) err = strings_parse(match, "/match", "stores", LTY_RULE_STORES_MAX,
                                      LTY_STORE_ID_BYTES_MAX, &rule->stores[0][0],
                                      sizeof(rule->stores[0]), &rule->stores_count, NULL, diag);
    if (err == 0) err = strings_parse(match, "/match", "tiers", LTY_TIERS_MAX,
                                      LTY_TIER_NAME_BYTES_MAX, &rule->tiers[0][0],
                                      sizeof(rule->tiers[0]), &rule->tiers_count, NULL, diag);
    if (err == 0) err = days_parse(match, rule, diag);
    if (err == 0) err = window_parse(match, rule, diag);
    if (err == 0) err = validity_parse(match, rule, diag);
    if (err == 0) err = lty_json_get_int(match, "/match", "min_basket_cents", false, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &rule->min_basket_cents, NULL,
                                         diag);
    return err;
}

static int effect_parse(const lty_json_node_t *root, lty_rule_t *rule, lty_diag_t *diag)
{
    static const char *const keys[] = {"exclude", "multiplier_percent", "bonus_points", NULL};
    const lty_json_node_t *effect = NULL;
    int err = lty_json_get_object(root, "", "effect", true, &effect, diag);
    if (err == 0) err = lty_json_keys_check(effect, "/effect", keys, diag);
    bool exclude = false, exclude_given = false, multiply_given = false, bonus_given = false;
    if (err == 0) err = lty_json_get_bool(effect, "/effect", "exclude", false, &exclude,
                                          &exclude_given, diag);
    if (err == 0 && exclude_given && !exclude) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/effect/exclude",
                            "exclude is true or absent");
    }
    if (err == 0) err = lty_json_get_int(effect, "/effect", "multiplier_percent", false, 1,
                                         LTY_RULE_MULTIPLIER_PERCENT_MAX,
                                         &rule->multiplier_percent, &multiply_given, diag);
    if (err == 0) err = lty_json_get_int(effect, "/effect", "bonus_points", false, 1,
                                         LTY_POINTS_PER_TXN_MAX, &rule->bonus_points,
                                         &bonus_given, diag);
    if (err != 0) return err;
    if ((int)exclude_given + (int)multiply_given + (int)bonus_given != 1) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/effect",
                            "an effect is exactly one of exclude, multiplier_percent (1..%d) "
                            "and bonus_points",
                            LTY_RULE_MULTIPLIER_PERCENT_MAX);
    }
    rule->effect = exclude_given    ? LTY_RULE_EXCLUDE
                   : multiply_given ? LTY_RULE_MULTIPLY
                                    : LTY_RULE_BONUS;
    return 0;
}

static int limits_parse(const lty_json_node_t *root, lty_rule_t *rule, lty_diag_t *diag)
{
    char stacking[16] = "";
    bool given = false;
    int err = lty_json_get_string(root, "", "stacking", false, 1, sizeof(stacking) - 1, stacking,
                                  sizeof(stacking), &given, diag);
    rule->stacking = LTY_RULE_ADDITIVE;
    if (err == 0 && given && strcmp(stacking, "best_of") == 0) rule->stacking = LTY_RULE_BEST_OF;
    if (err == 0 && given && strcmp(stacking, "additive") != 0 &&
        strcmp(stacking, "best_of") != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/stacking",
                            "stacking is additive or best_of");
    }
    if (err == 0) err = lty_json_get_int(root, "", "cap_points", false, 0, LTY_POINTS_BALANCE_MAX,
                                         &rule->cap_points, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "cap_points_per_day", false, 0,
                                         LTY_POINTS_BALANCE_MAX, &rule->cap_points_per_day, NULL,
                                         diag);
    return err;
}

int lty_rule_parse(const lty_json_node_t *root, lty_rule_t *rule_out, lty_diag_t *diag)
{
    LTY_ASSERT(root != NULL && rule_out != NULL);
    static const char *const keys[] = {"name",       "match",      "effect", "stacking",
                                       "cap_points", "cap_points_per_day", "status", NULL};
    static _Thread_local lty_rule_t rule;
    memset(&rule, 0, sizeof(rule));
    int err = lty_json_expect_object(root, "", diag);
    if (err == 0) err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", true, 1, LTY_RULE_NAME_BYTES_MAX,
                                            rule.name, sizeof(rule.name), NULL, diag);
    if (err == 0) err = match_parse(root, &rule, diag);
    if (err == 0) err = effect_parse(root, &rule, diag);
    if (err == 0) err = limits_parse(root, &rule, diag);
    char status[16] = "";
    bool status_given = false;
    if (err == 0) err = lty_json_get_string(root, "", "status", false, 1, sizeof(status) - 1,
                                            status, sizeof(status), &status_given, diag);
    if (err == 0 && status_given && strcmp(status, "active") != 0 &&
        strcmp(status, "paused") != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status",
                            "a rule starts active or paused");
    }
    if (err != 0) return err;
    if (rule.effect == LTY_RULE_EXCLUDE && (rule.cap_points != 0 || rule.cap_points_per_day != 0)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/cap_points",
                            "an exclusion adds nothing, so it has no cap");
    }
    /* The life fields belong to the record envelope: keep the caller's. */
    rule.rule_id = rule_out->rule_id;
    rule.status = !status_given                ? rule_out->status
                  : strcmp(status, "paused") == 0 ? LTY_RULE_PAUSED
                                                  : LTY_RULE_ACTIVE;
    rule.created_ms = rule_out->created_ms;
    rule.updated_ms = rule_out->updated_ms;
    *rule_out = rule;
    return 0;
}

int lty_rule_parse_text(const char *json, size_t size, lty_rule_t *rule_out, lty_diag_t *diag)
{
    LTY_ASSERT(json != NULL && rule_out != NULL);
    if (size > LTY_RULE_JSON_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "a rule is at most %d bytes",
                            LTY_RULE_JSON_BYTES_MAX);
    }
    lty_json_doc_t *doc = NULL;
    int err = lty_json_parse(json, size, LTY_JSON_DEPTH_MAX, &doc, diag);
    if (err == 0) err = lty_rule_parse(lty_json_doc_root(doc), rule_out, diag);
    lty_json_doc_free(doc);
    return err;
}

/* ---- Rendering ------------------------------------------------------------------------- */

static void strings_render(lty_json_writer_t *writer, const char *key, const char *items,
                           size_t item_size, uint32_t count)
{
    if (count == 0) return;
    lty_jw_key(writer, key);
    lty_jw_array_begin(writer);
    for (uint32_t index = 0; index < count; index++) {
        lty_jw_string(writer, items + index * item_size);
    }
    lty_jw_array_end(writer);
}

static void match_render(const lty_rule_t *rule, lty_json_writer_t *writer)
{
    lty_jw_key(writer, "match");
    lty_jw_object_begin(writer);
    strings_render(writer, "skus", &rule->skus[0][0], sizeof(rule->skus[0]), rule->skus_count);
    strings_render(writer, "categories", &rule->categories[0][0], sizeof(rule->categories[0]),
                   rule->categories_count);
    strings_render(writer, "stores", &rule->stores[0][0], sizeof(rule->stores[0]),
                   rule->stores_count);
    strings_render(writer, "tiers", &rule->tiers[0][0], sizeof(rule->tiers[0]), rule->tiers_count);
    if (rule->days_mask != 0) {
        lty_jw_key(writer, "days_of_week");
        lty_jw_array_begin(writer);
        for (int day = 1; day <= 7; day++) {
            if (rule->days_mask & (1u << (day - 1))) lty_jw_int(writer, day);
        }
        lty_jw_array_end(writer);
    }
    char text[LTY_CAL_DATE_BYTES + 1];
    if (rule->time_from >= 0) {
        lty_cal_time_format(rule->time_from, text);
        lty_jw_kv_string(writer, "time_from", text);
        lty_cal_time_format(rule->time_to, text);
        lty_jw_kv_string(writer, "time_to", text);
    }
    if (rule->valid_from_day != LTY_RULE_DAY_OPEN_MIN) {
        lty_cal_date_format(rule->valid_from_day, text);
        lty_jw_kv_string(writer, "valid_from", text);
    }
    if (rule->valid_to_day != LTY_RULE_DAY_OPEN_MAX) {
        lty_cal_date_format(rule->valid_to_day, text);
        lty_jw_kv_string(writer, "valid_to", text);
    }
    if (rule->min_basket_cents > 0) {
        lty_jw_kv_int(writer, "min_basket_cents", rule->min_basket_cents);
    }
    lty_jw_object_end(writer);
}

void lty_rule_definition_render(const lty_rule_t *rule, lty_json_writer_t *writer)
{
    LTY_ASSERT(rule != NULL && writer != NULL);
    LTY_ASSERT(rule->effect >= LTY_RULE_EXCLUDE && rule->effect <= LTY_RULE_BONUS);
    lty_jw_kv_string(writer, "name", rule->name);
    match_render(rule, writer);
    lty_jw_key(writer, "effect");
    lty_jw_object_begin(writer);
    if (rule->effect == LTY_RULE_EXCLUDE) lty_jw_kv_bool(writer, "exclude", true);
    if (rule->effect == LTY_RULE_MULTIPLY) {
        lty_jw_kv_int(writer, "multiplier_percent", rule->multiplier_percent);
    }
    if (rule->effect == LTY_RULE_BONUS) lty_jw_kv_int(writer, "bonus_points", rule->bonus_points);
    lty_jw_object_end(writer);
    lty_jw_kv_string(writer, "stacking",
                     rule->stacking == LTY_RULE_BEST_OF ? "best_of" : "additive");
    lty_jw_kv_int(writer, "cap_points", rule->cap_points);
    lty_jw_kv_int(writer, "cap_points_per_day", rule->cap_points_per_day);
}

const char *lty_rule_status_name(unsigned int status)
{
    switch (status) {
    case LTY_RULE_ACTIVE: return "active";
    case LTY_RULE_PAUSED: return "paused";
    case LTY_RULE_ENDED: return "ended";
    default: return "unknown";
    }
}

/* ---- Matching -------------------------------------------------------------------------- */

int64_t lty_rules_day(const lty_programme_t *programme, int64_t now_ms)
{
    LTY_ASSERT(programme != NULL);
    lty_cal_local_t local;
    lty_cal_local(now_ms, programme->utc_offset_minutes, &local);
    return local.day;
}

static bool category_matches(const char *pattern, const char *category)
{
    size_t size = strlen(pattern);
    if (size > 0 && pattern[size - 1] == '*') return strncmp(pattern, category, size - 1) == 0;
    return strcmp(pattern, category) == 0;
}

static bool line_matches(const lty_rule_t *rule, const lty_sale_line_t *line)
{
    if (rule->skus_count == 0 && rule->categories_count == 0) return true;
    for (uint32_t index = 0; index < rule->skus_count; index++) {
        if (strcmp(rule->skus[index], line->sku) == 0) return true;
    }
    for (uint32_t index = 0; index < rule->categories_count; index++) {
        if (line->category[0] != '\0' &&
            category_matches(rule->categories[index], line->category)) {
            return true;
        }
    }
    return false;
}

/* A window crossing midnight (22:00-02:00) holds from its start to midnight and from midnight
 * to its end, on the local day of the sale (docs/programme.md). */
static bool window_holds(const lty_rule_t *rule, int minute)
{
    if (rule->time_from < 0) return true;
    if (rule->time_from < rule->time_to) return minute >= rule->time_from && minute < rule->time_to;
    return minute >= rule->time_from || minute < rule->time_to;
}

static bool listed(const char *items, size_t item_size, uint32_t count, const char *value)
{
    if (count == 0) return true;
    for (uint32_t index = 0; index < count; index++) {
        if (strcmp(items + index * item_size, value) == 0) return true;
    }
    return false;
}

static bool sale_matches(const lty_programme_t *programme, const lty_rule_t *rule,
                         const lty_rules_sale_t *sale, const lty_cal_local_t *local)
{
    if (rule->status != LTY_RULE_ACTIVE) return false;
    if (local->day < rule->valid_from_day || local->day > rule->valid_to_day) return false;
    if (rule->days_mask != 0 && !(rule->days_mask & (1u << (local->weekday - 1)))) return false;
    if (!window_holds(rule, local->minute)) return false;
    if (sale->total_cents < rule->min_basket_cents) return false;
    if (!listed(&rule->stores[0][0], sizeof(rule->stores[0]), rule->stores_count, sale->store)) {
        return false;
    }
    uint32_t tier = sale->tier < programme->tiers_count ? sale->tier : programme->tiers_count - 1;
    if (!listed(&rule->tiers[0][0], sizeof(rule->tiers[0]), rule->tiers_count,
                programme->tiers[tier].name)) {
        return false;
    }
    for (size_t index = 0; index < sale->lines_count; index++) {
        if (line_matches(rule, &sale->lines[index])) return true;
    }
    return false;
}

size_t lty_rules_select(const lty_programme_t *programme, const lty_rule_t *rules,
                        size_t rules_count, const lty_rules_sale_t *sale,
                        const lty_rule_t **selected_out)
{
    LTY_ASSERT(programme != NULL && sale != NULL && selected_out != NULL);
    LTY_ASSERT(rules != NULL || rules_count == 0);
    lty_cal_local_t local;
    lty_cal_local(sale->now_ms, programme->utc_offset_minutes, &local);
    size_t selected = 0;
    for (size_t index = 0; index < rules_count && selected < LTY_RULES_APPLIED_MAX; index++) {
        LTY_ASSERT(index == 0 || rules[index].rule_id > rules[index - 1].rule_id);
        if (sale_matches(programme, &rules[index], sale, &local)) {
            selected_out[selected++] = &rules[index];
        }
    }
    return selected;
}

/* ---- Evaluation ------------------------------------------------------------------------ */

/* What the evaluation tracks per selected rule. */
typedef struct rule_work_s {
    int64_t contribution;        /* sum of eligible_cents * weight change over its lines */
    int64_t bonus;               /* BONUS: what it adds (0 when a better best-of bonus won) */
} rule_work_t;

/* points(S): the one rounding of the programme rate, then the tier's floor. */
static int64_t points_of(const lty_programme_t *programme, uint32_t tier, int64_t weighted)
{
    LTY_ASSERT(weighted >= 0);
    int64_t rate = lty_ledger_round_div(weighted, 100 * programme->earn_cents_per_point,
                                        programme->earn_rounding);
    if (tier >= programme->tiers_count) tier = programme->tiers_count - 1;
    return rate * programme->tiers[tier].earn_percent / 100; /* <= 10^16 * 10^3 / 100 */
}

/* The eligible part of each line: the eligible amount split over the lines by their amounts,
 * cumulatively floored so the parts add up to it exactly. */
static int64_t line_eligible(const lty_rules_sale_t *sale, size_t index, int64_t *prefix)
{
    int64_t before = sale->total_cents == 0 ? 0
                                            : lty_ledger_pro_rata(sale->eligible_cents, *prefix,
                                                                  sale->total_cents);
    *prefix += sale->lines[index].amount_cents;
    int64_t after = sale->total_cents == 0 ? 0
                                           : lty_ledger_pro_rata(sale->eligible_cents, *prefix,
                                                                 sale->total_cents);
    return after - before;
}

/* One line: which rules change its weight and by how much (percent points), lowering changes
 * first and never below a weight of 0. */
static void line_weigh(const lty_rule_t *const *selected, size_t count,
                       const lty_sale_line_t *line, int64_t eligible, rule_work_t *work)
{
    int64_t delta[LTY_RULES_APPLIED_MAX] = {0};
    size_t best = SIZE_MAX;
    for (size_t index = 0; index < count; index++) {
        const lty_rule_t *rule = selected[index];
        if (!line_matches(rule, line)) continue;
        if (rule->effect == LTY_RULE_EXCLUDE) { /* the first exclusion takes the whole line */
            memset(delta, 0, sizeof(delta));
            delta[index] = -100;
            best = SIZE_MAX;
            break;
        }
        if (rule->effect != LTY_RULE_MULTIPLY) continue;
        if (rule->stacking == LTY_RULE_ADDITIVE) {
            delta[index] = rule->multiplier_percent - 100;
        } else if (best == SIZE_MAX ||
                   rule->multiplier_percent > selected[best]->multiplier_percent) {
            best = index;
        }
    }
    if (best != SIZE_MAX) delta[best] = selected[best]->multiplier_percent - 100;
    int64_t weight = 100;
    for (int pass = 0; pass < 2; pass++) { /* lowering changes first, then raising ones */
        for (size_t index = 0; index < count; index++) {
            if ((pass == 0) != (delta[index] < 0) || delta[index] == 0) continue;
            int64_t change = delta[index] < -weight ? -weight : delta[index];
            weight += change;
            work[index].contribution += eligible * change; /* <= 10^10 * 10^4 per line */
        }
    }
}

/* Fixed bonuses: additive ones all apply; of the best-of ones only the largest. */
static void bonuses_weigh(const lty_rule_t *const *selected, size_t count, rule_work_t *work)
{
    size_t best = SIZE_MAX;
    for (size_t index = 0; index < count; index++) {
        const lty_rule_t *rule = selected[index];
        if (rule->effect != LTY_RULE_BONUS) continue;
        if (rule->stacking == LTY_RULE_ADDITIVE) {
            work[index].bonus = rule->bonus_points;
        } else if (best == SIZE_MAX || rule->bonus_points > selected[best]->bonus_points) {
            best = index;
        }
    }
    if (best != SIZE_MAX) work[best].bonus = selected[best]->bonus_points;
}

static int64_t cap_room(const lty_rule_t *rule, const lty_rules_usage_t *usage)
{
    int64_t room = INT64_MAX;
    if (rule->cap_points > 0) room = rule->cap_points - usage->campaign_points;
    if (rule->cap_points_per_day > 0) {
        int64_t day_room = rule->cap_points_per_day - usage->day_points;
        room = day_room < room ? day_room : room;
    }
    return room > 0 ? room : 0;
}

static void applied_add(lty_rules_outcome_t *outcome, const lty_rule_t *rule, int64_t points,
                        bool capped)
{
    if (points == 0 && !capped) return;
    LTY_ASSERT(outcome->applied_count <= LTY_RULES_APPLIED_MAX);
    lty_rules_applied_t *applied = &outcome->applied[outcome->applied_count++];
    memset(applied, 0, sizeof(*applied));
    applied->rule_id = rule != NULL ? rule->rule_id : 0;
    snprintf(applied->name, sizeof(applied->name), "%s",
             rule != NULL ? rule->name : LTY_RULE_PER_SALE_MAX_NAME);
    applied->points = points;
    applied->capped = capped;
}

/* The phases of evaluation, in order: lowering changes (exclusions, then multipliers that
 * lower), raising multipliers, fixed bonuses. */
enum { PHASE_EXCLUDE, PHASE_LOWER, PHASE_RAISE, PHASE_BONUS, PHASES_COUNT };

static int rule_phase(const lty_rule_t *rule, const rule_work_t *work)
{
    if (rule->effect == LTY_RULE_EXCLUDE) return PHASE_EXCLUDE;
    if (rule->effect == LTY_RULE_BONUS) return PHASE_BONUS;
    return work->contribution < 0 ? PHASE_LOWER : PHASE_RAISE;
}

int lty_rules_evaluate(const lty_programme_t *programme, const lty_rule_t *const *selected,
                       const lty_rules_usage_t *usage, size_t selected_count,
                       const lty_rules_sale_t *sale, lty_rules_outcome_t *outcome_out)
{
    LTY_ASSERT(programme != NULL && sale != NULL && outcome_out != NULL);
    LTY_ASSERT(selected_count <= LTY_RULES_APPLIED_MAX);
    LTY_ASSERT(selected_count == 0 || (selected != NULL && usage != NULL));
    LTY_ASSERT(sale->eligible_cents >= 0 && sale->eligible_cents <= sale->total_cents);
    rule_work_t work[LTY_RULES_APPLIED_MAX];
    memset(work, 0, sizeof(work));
    int64_t prefix = 0;
    for (size_t line = 0; line < sale->lines_count; line++) {
        int64_t eligible = line_eligible(sale, line, &prefix);
        line_weigh(selected, selected_count, &sale->lines[line], eligible, work);
    }
    bonuses_weigh(selected, selected_count, work);
    memset(outcome_out, 0, sizeof(*outcome_out));
    outcome_out->day = lty_rules_day(programme, sale->now_ms);
    int64_t weighted = sale->eligible_cents * 100;
    int64_t before = points_of(programme, sale->tier, weighted);
    if (before > LTY_POINTS_PER_TXN_MAX) return LTY_E_POINTS_LIMIT;
    outcome_out->points_base = before;
    int64_t running = before;
    int64_t max = programme->points_per_sale_max;
    for (int phase = 0; phase < PHASES_COUNT; phase++) {
        if (phase == PHASE_RAISE && running > max) { /* the base alone is above the maximum */
            applied_add(outcome_out, NULL, max - running, true);
            running = max;
        }
        for (size_t index = 0; index < selected_count; index++) {
            const lty_rule_t *rule = selected[index];
            if (rule_phase(rule, &work[index]) != phase) continue;
            int64_t raw = work[index].bonus;
            if (phase != PHASE_BONUS) {
                weighted += work[index].contribution;
                LTY_ASSERT(weighted >= 0);
                int64_t after = points_of(programme, sale->tier, weighted);
                raw = after - before;
                before = after;
            }
            int64_t points = raw;
            if (raw > 0) { /* only what a rule adds is capped */
                int64_t room = cap_room(rule, &usage[index]);
                int64_t sale_room = max - running > 0 ? max - running : 0;
                points = raw < room ? raw : room;
                points = points < sale_room ? points : sale_room;
            }
            running += points;
            applied_add(outcome_out, rule, points, points != raw);
        }
    }
    LTY_ASSERT(running >= 0 && running <= LTY_POINTS_PER_TXN_MAX);
    outcome_out->points_earned = running;
    return 0;
}
