/* tests/unit/domain/test_analytics.c
 * Goal: the pure analytics rules (domain/analytics.c) hold on hand-built figures: quintile
 * scores with ties sharing the score of their first place, the named segments with every rule at
 * and just past its bounds, lifecycle stages at exactly their thresholds, churn risk from the
 * member's own median interval (one-purchase members, too few purchase days, the factor's bound),
 * the Pareto cut with ties broken by the lower member id and shares rounded down, a sale's net
 * value once returns cancel it, and the settings' JSON (defaults, ranges, strictness).
 * Method: tables of cases; no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analytics.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"

#include <cmocka.h>

static lty_analytics_settings_t settings;

static int setup(void **state)
{
    (void)state;
    lty_analytics_settings_demo(&settings);
    return 0;
}

/* ---- Scores --------------------------------------------------------------------------------- */

typedef struct score_case_s {
    const char *name;
    bool lower_is_better;
    size_t count;
    int64_t values[12];
    uint8_t scores[12];
} score_case_t;

static void test_scores_table(void **state)
{
    (void)state;
    static const score_case_t cases[] = {
        {"one member scores 1", false, 1, {7}, {1}},
        {"five distinct values: 1..5", false, 5, {10, 20, 30, 40, 50}, {1, 2, 3, 4, 5}},
        {"five distinct, lower better", true, 5, {10, 20, 30, 40, 50}, {5, 4, 3, 2, 1}},
        {"all tied: all 1", false, 4, {3, 3, 3, 3}, {1, 1, 1, 1}},
        {"ten values: two per score", false, 10, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
         {1, 1, 2, 2, 3, 3, 4, 4, 5, 5}},
        /* ties take the score of the tie's first place: 0 worse -> 1; 6 worse of 10 -> 4 */
        {"a tie across a quintile bound", false, 10, {1, 1, 1, 1, 1, 1, 2, 2, 3, 4},
         {1, 1, 1, 1, 1, 1, 4, 4, 5, 5}},
        {"input order does not matter", false, 5, {50, 10, 40, 20, 30}, {5, 1, 4, 2, 3}},
        {"zero frequency members tie at the bottom", false, 6, {0, 0, 0, 1, 2, 3},
         {1, 1, 1, 3, 4, 5}},
        {"recency ties (same day)", true, 4, {5, 5, 1, 9}, {2, 2, 4, 1}},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        const score_case_t *c = &cases[index];
        lty_analytics_rank_t scratch[12];
        uint8_t scores[12] = {0};
        lty_analytics_scores(c->values, c->count, c->lower_is_better, scratch, scores);
        for (size_t member = 0; member < c->count; member++) {
            if (scores[member] != c->scores[member]) {
                fail_msg("%s: member %zu scored %u, expected %u", c->name, member,
                         scores[member], c->scores[member]);
            }
        }
    }
}

static void test_scores_of_nobody_is_nothing(void **state)
{
    (void)state;
    lty_analytics_scores(NULL, 0, false, NULL, NULL);
}

/* ---- Segments ------------------------------------------------------------------------------- */

static void test_segments_at_their_bounds(void **state)
{
    (void)state;
    static const struct {
        uint8_t r, f, m;
        lty_rfm_segment_t segment;
    } cases[] = {
        {5, 5, 5, LTY_RFM_CHAMPIONS},  {4, 4, 4, LTY_RFM_CHAMPIONS},
        {4, 4, 3, LTY_RFM_LOYAL},      {3, 3, 1, LTY_RFM_LOYAL},
        {3, 5, 5, LTY_RFM_LOYAL},      {4, 1, 5, LTY_RFM_NEW},
        {5, 1, 1, LTY_RFM_NEW},        {4, 2, 5, LTY_RFM_POTENTIAL},
        {3, 1, 1, LTY_RFM_POTENTIAL},  {3, 2, 5, LTY_RFM_POTENTIAL},
        {2, 3, 1, LTY_RFM_AT_RISK},    {1, 5, 5, LTY_RFM_AT_RISK},
        {2, 2, 5, LTY_RFM_HIBERNATING}, {2, 1, 1, LTY_RFM_HIBERNATING},
        {1, 2, 5, LTY_RFM_LOST},       {1, 1, 1, LTY_RFM_LOST},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        lty_rfm_segment_t segment = lty_analytics_segment(&settings, cases[index].r,
                                                          cases[index].f, cases[index].m);
        if (segment != cases[index].segment) {
            fail_msg("r%u f%u m%u: %s, expected %s", cases[index].r, cases[index].f,
                     cases[index].m, lty_analytics_segment_name(segment),
                     lty_analytics_segment_name(cases[index].segment));
        }
    }
}

static void test_segment_names_round_trip(void **state)
{
    (void)state;
    for (unsigned int index = 0; index < LTY_RFM_SEGMENTS_COUNT; index++) {
        assert_int_equal(lty_analytics_segment_parse(lty_analytics_segment_name(index)), index);
    }
    for (unsigned int index = 0; index < LTY_STAGES_COUNT; index++) {
        assert_int_equal(lty_analytics_stage_parse(lty_analytics_stage_name(index)), index);
    }
    assert_int_equal(lty_analytics_segment_parse("vip"), -1);
    assert_null(lty_analytics_stage_name(LTY_STAGES_COUNT));
}

static void test_segment_scores_out_of_range_are_a_bug(void **state)
{
    (void)state;
    expect_assert_failure(lty_analytics_segment(&settings, 0, 3, 3));
    expect_assert_failure(lty_analytics_segment(&settings, 3, 6, 3));
}

/* ---- Stages --------------------------------------------------------------------------------- */

static void test_stages_at_their_thresholds(void **state)
{
    (void)state;
    /* Day 1000; thresholds new 30, active 90, lapsing 180. */
    static const struct {
        const char *name;
        lty_analytics_life_t life;
        lty_stage_t stage;
    } cases[] = {
        {"enrolled 29 days ago, no purchase", {971, -1, -1}, LTY_STAGE_NEW},
        {"enrolled 29 days ago, bought today", {971, -1, 1000}, LTY_STAGE_NEW},
        {"enrolled 30 days ago, never bought", {970, -1, -1}, LTY_STAGE_LAPSED},
        {"enrolled 30 days ago, bought 90 days ago?", {970, -1, 970}, LTY_STAGE_ACTIVE},
        {"last purchase 90 days ago", {0, -1, 910}, LTY_STAGE_ACTIVE},
        {"last purchase 91 days ago", {0, -1, 909}, LTY_STAGE_LAPSING},
        {"last purchase 180 days ago", {0, -1, 820}, LTY_STAGE_LAPSING},
        {"last purchase 181 days ago", {0, -1, 819}, LTY_STAGE_LAPSED},
        {"closed today", {0, 1000, 999}, LTY_STAGE_CLOSED},
        {"closed tomorrow: not yet", {0, 1001, 999}, LTY_STAGE_ACTIVE},
        {"closed while new", {990, 995, -1}, LTY_STAGE_CLOSED},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        lty_stage_t stage = lty_analytics_stage(&settings, &cases[index].life, 1000);
        if (stage != cases[index].stage) {
            fail_msg("%s: %s, expected %s", cases[index].name, lty_analytics_stage_name(stage),
                     lty_analytics_stage_name(cases[index].stage));
        }
    }
}

/* ---- Churn ---------------------------------------------------------------------------------- */

static void test_median_interval_is_the_lower_median(void **state)
{
    (void)state;
    static const uint32_t two[] = {10, 13};
    static const uint32_t four[] = {10, 11, 20, 24};        /* gaps 1, 9, 4 -> 4 */
    static const uint32_t five[] = {1, 3, 9, 10, 30};       /* gaps 2, 6, 1, 20 -> 2 (lower) */
    assert_int_equal(lty_analytics_median_interval(two, 2), 3);
    assert_int_equal(lty_analytics_median_interval(four, 4), 4);
    assert_int_equal(lty_analytics_median_interval(five, 5), 2);
    expect_assert_failure(lty_analytics_median_interval(two, 1));
}

static void test_churn_table(void **state)
{
    (void)state;
    static const uint32_t one[] = {100};
    static const uint32_t two[] = {100, 110};
    static const uint32_t three[] = {100, 110, 120};   /* median 10: risk beyond 30 days */
    int64_t risk = -1, median = -1;
    assert_false(lty_analytics_churn(&settings, one, 1, 500, &risk, &median));
    assert_false(lty_analytics_churn(&settings, two, 2, 500, &risk, &median));
    assert_false(lty_analytics_churn(&settings, three, 3, 150, &risk, &median)); /* exactly 3x */
    assert_int_equal(median, 10);
    assert_int_equal(risk, 300);
    assert_true(lty_analytics_churn(&settings, three, 3, 151, &risk, &median));
    assert_int_equal(risk, 310);
    assert_false(lty_analytics_churn(&settings, three, 3, 120, &risk, &median)); /* bought today */
    assert_int_equal(risk, 0);
    lty_analytics_settings_t strict = settings;
    strict.churn_purchase_days_min = 4;
    assert_false(lty_analytics_churn(&strict, three, 3, 400, &risk, &median));
    strict.churn_factor_percent = 150; /* 1.5 x 10 days */
    strict.churn_purchase_days_min = 3;
    assert_true(lty_analytics_churn(&strict, three, 3, 136, &risk, &median));
}

/* ---- Pareto --------------------------------------------------------------------------------- */

static void test_pareto_ties_at_the_cut_go_to_the_lower_member_id(void **state)
{
    (void)state;
    /* Five members, the 2nd and 3rd best tied at 300; top 40% = 2 members: 500 and member 3 of
     * the tied pair (the lower id). */
    lty_analytics_sales_t items[] = {{9, 300}, {3, 300}, {5, 500}, {7, 100}, {8, 100}};
    lty_analytics_pareto_t pareto;
    lty_analytics_pareto(items, 5, 40, &pareto);
    assert_int_equal(pareto.members, 5);
    assert_int_equal(pareto.top_members, 2);
    assert_int_equal(pareto.sales_cents, 1300);
    assert_int_equal(pareto.top_sales_cents, 800);
    assert_int_equal(pareto.last_top_member_id, 3);
    assert_int_equal(pareto.top_share_bp, 6153); /* 8000000 / 1300 = 6153.8: rounded down */
    assert_int_equal(pareto.curve[0].members, 1);  /* ceil(0.5) */
    assert_int_equal(pareto.curve[0].share_bp, 3846);
    assert_int_equal(pareto.curve[9].members, 5);
    assert_int_equal(pareto.curve[9].share_bp, 10000);
}

static void test_pareto_counts_and_ceilings(void **state)
{
    (void)state;
    lty_analytics_pareto_t pareto;
    lty_analytics_pareto(NULL, 0, 20, &pareto);
    assert_int_equal(pareto.members, 0);
    assert_int_equal(pareto.top_members, 0);
    assert_int_equal(pareto.top_share_bp, 0);
    assert_int_equal(pareto.curve[9].share_bp, 0);
    lty_analytics_sales_t one[] = {{42, 1}};
    lty_analytics_pareto(one, 1, 1, &pareto);
    assert_int_equal(pareto.top_members, 1); /* ceil(0.01) */
    assert_int_equal(pareto.top_share_bp, 10000);
    lty_analytics_sales_t items[21];
    for (size_t index = 0; index < 21; index++)
        items[index] = (lty_analytics_sales_t){index + 1, 10};
    lty_analytics_pareto(items, 21, 20, &pareto);
    assert_int_equal(pareto.top_members, 5); /* ceil(4.2) */
    assert_int_equal(pareto.top_share_bp, 2380); /* 50 of 210 */
    assert_int_equal(pareto.last_top_member_id, 5);
    expect_assert_failure(lty_analytics_pareto(items, 21, 0, &pareto));
    assert_int_equal(lty_analytics_share_bp(1, 3), 3333);
    assert_int_equal(
        lty_analytics_share_bp(INT64_C(4000000000000000000), INT64_C(4000000000000000000)), 10000);
}

/* ---- Sales and the calendar ------------------------------------------------------------------ */

static void test_sale_net_value_after_returns(void **state)
{
    (void)state;
    static lty_sale_t sale;
    memset(&sale, 0, sizeof(sale));
    sale.status = LTY_SALE_COMPLETED;
    sale.total_cents = 3000;
    sale.lines_count = 2;
    sale.lines[0] = (lty_sale_line_t){"A", "dairy", 1, 0, 1500};
    sale.lines[1] = (lty_sale_line_t){"B", "", 3, 0, 1500};
    assert_int_equal(lty_analytics_sale_net_cents(&sale), 3000);
    sale.lines[1].qty_returned = 1;
    sale.status = LTY_SALE_PARTLY_RETURNED;
    assert_int_equal(lty_analytics_sale_net_cents(&sale), 2500);
    assert_true(lty_analytics_sale_counts(&sale));
    sale.lines[0].qty_returned = 1;
    sale.lines[1].qty_returned = 3;
    sale.status = LTY_SALE_RETURNED; /* the returns cancel the purchase */
    assert_int_equal(lty_analytics_sale_net_cents(&sale), 0);
    assert_false(lty_analytics_sale_counts(&sale));
    sale.status = LTY_SALE_VOIDED;
    assert_false(lty_analytics_sale_counts(&sale));
}

static void test_months_and_their_first_days(void **state)
{
    (void)state;
    assert_int_equal(lty_analytics_month_first_day(0), 0);        /* 1970-01-01 */
    assert_int_equal(lty_analytics_month_first_day(2), 59);       /* 1970-03-01 */
    assert_int_equal(lty_analytics_month_first_day(12 * 30 + 1), 10988); /* 2000-02-01 */
    assert_int_equal(lty_analytics_month_of_day(10988 + 28), 12 * 30 + 1); /* 2000-02-29 */
    assert_int_equal(lty_analytics_month_of_day(10988 + 29), 12 * 30 + 2); /* 2000-03-01 */
}

/* ---- Settings ------------------------------------------------------------------------------- */

static int settings_parse(const char *json, lty_analytics_settings_t *out, lty_diag_t *diag)
{
    lty_json_doc_t *doc = NULL;
    assert_int_equal(lty_json_parse(json, strlen(json), LTY_JSON_DEPTH_MAX, &doc, diag), 0);
    lty_analytics_settings_demo(out);
    int err = lty_analytics_settings_parse(lty_json_doc_root(doc), out, diag);
    lty_json_doc_free(doc);
    return err;
}

static void test_settings_parse_and_render_round_trip(void **state)
{
    (void)state;
    lty_analytics_settings_t parsed;
    lty_diag_t diag;
    assert_int_equal(settings_parse("{\"rfm_window_days\":180,\"segments\":{\"new\":{\"r\":[5,5],"
                                    "\"f\":[1,2]}},\"churn_factor_percent\":250}",
                                    &parsed, &diag),
                     0);
    assert_int_equal(parsed.rfm_window_days, 180);
    assert_int_equal(parsed.rules[LTY_RFM_NEW].r_min, 5);
    assert_int_equal(parsed.rules[LTY_RFM_NEW].f_max, 2);
    assert_int_equal(parsed.rules[LTY_RFM_NEW].m_min, 1); /* absent: kept */
    assert_int_equal(parsed.churn_factor_percent, 250);
    lty_buf_t buf;
    lty_buf_init(&buf, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &buf);
    lty_analytics_settings_render(&parsed, &writer);
    lty_analytics_settings_t again;
    char text[4096];
    memcpy(text, buf.data, buf.size);
    text[buf.size] = '\0';
    lty_buf_deinit(&buf);
    assert_int_equal(settings_parse(text, &again, &diag), 0);
    assert_memory_equal(&again, &parsed, sizeof(parsed));
}

static void test_settings_refusals_name_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *field;
    } cases[] = {
        {"{\"rfm_window_days\":0}", "/analytics/rfm_window_days"},
        {"{\"rfm_window_days\":36501}", "/analytics/rfm_window_days"},
        {"{\"churn_factor_percent\":99}", "/analytics/churn_factor_percent"},
        {"{\"churn_purchase_days_min\":2}", "/analytics/churn_purchase_days_min"},
        {"{\"stage_active_days\":200}", "/analytics/stage_lapsing_days"},
        {"{\"segments\":{\"lost\":{}}}", "/analytics/segments"},
        {"{\"segments\":{\"loyal\":{\"r\":[4,3]}}}", "/analytics/segments/loyal"},
        {"{\"segments\":{\"loyal\":{\"r\":[0,3]}}}", "/analytics/segments/loyal"},
        {"{\"segments\":{\"loyal\":{\"q\":[1,3]}}}", "/analytics/segments/loyal"},
        {"{\"colour\":1}", "/analytics"},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        lty_analytics_settings_t parsed;
        lty_diag_t diag;
        lty_diag_clear(&diag);
        int err = settings_parse(cases[index].json, &parsed, &diag);
        if (err == 0 || strstr(diag.field, cases[index].field) == NULL) {
            fail_msg("%s: err %d field \"%s\", expected \"%s\"", cases[index].json, err,
                     diag.field, cases[index].field);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_scores_table, setup),
        cmocka_unit_test_setup(test_scores_of_nobody_is_nothing, setup),
        cmocka_unit_test_setup(test_segments_at_their_bounds, setup),
        cmocka_unit_test_setup(test_segment_names_round_trip, setup),
        cmocka_unit_test_setup(test_segment_scores_out_of_range_are_a_bug, setup),
        cmocka_unit_test_setup(test_stages_at_their_thresholds, setup),
        cmocka_unit_test_setup(test_median_interval_is_the_lower_median, setup),
        cmocka_unit_test_setup(test_churn_table, setup),
        cmocka_unit_test_setup(test_pareto_ties_at_the_cut_go_to_the_lower_member_id, setup),
        cmocka_unit_test_setup(test_pareto_counts_and_ceilings, setup),
        cmocka_unit_test_setup(test_sale_net_value_after_returns, setup),
        cmocka_unit_test_setup(test_months_and_their_first_days, setup),
        cmocka_unit_test_setup(test_settings_parse_and_render_round_trip, setup),
        cmocka_unit_test_setup(test_settings_refusals_name_the_field, setup),
    };
    return cmocka_run_group_tests_name("analytics", tests, NULL, NULL);
}
