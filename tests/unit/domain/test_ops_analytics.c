/* tests/unit/domain/test_ops_analytics.c
 * Goal: the reports over the store (ops_analytics.c, ops_analytics_health.c, ops_segment.c)
 * read the purchase days as docs/analytics.md says, on hand-built histories: a member whose
 * returns cancel their only purchase is not scored nor counted in Pareto; a partial return nets
 * out of the purchase; closed members count in Pareto but not in RFM or churn; one purchase day
 * is never a churn risk; lifecycle months and flows; health's points and liability by month;
 * segment filters (category bought and kept, consent, stage, spend).
 * Method: a temporary store per test (domain_fixture.c); sales at chosen times through the ops;
 * the reports over the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "ops_analytics.h"
#include "domain_fixture.h"

#include <cmocka.h>

static uint64_t ids[5];
static lty_card_t cards[5];
static void give_back(uint64_t sale_id, const char *sku, uint32_t qty, int64_t now_ms)
{
    assert_int_equal(sale_give_back(&till_actor, sale_id, sku, qty, now_ms), 0);
}

/* Five members, each with a card; member 0 has an sms consent. Histories (days from NOW):
 *   0: 3000 on day 0, 1000 on day 10 of which one unit of the second line (500) comes back
 *   1: 2000 on day 5, returned whole: no purchase left
 *   2: 4000 on day 20: one purchase
 *   3: 100 on days 0, 10 and 20: median interval 10
 *   4: 9000 on day 1, then the account is closed on day 21 */
static void histories(void)
{
    for (size_t index = 0; index < 5; index++) {
        char phone[20];
        snprintf(phone, sizeof(phone), "+861380013800%zu", index);
        member_with_card(phone, &ids[index], &cards[index]);
    }
    lty_ops_member_patch_t patch = {.member_id = ids[0], .fields = LTY_MEMBER_FIELD_CONSENT,
                                    .consent_mask = LTY_CONSENT_SMS,
                                    .values = {.consent_flags = LTY_CONSENT_SMS}};
    size_t changed = 0;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_update(txn, &operator_actor, NOW, &patch, &changed,
                                                       NULL)),
                     0);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(cards[0].card_no, "A1", 3000, 0, NOW, &sold), 0);
    assert_int_equal(sale(cards[0].card_no, "A2", 1000, 0, NOW + 10 * DAY, &sold), 0);
    give_back(sold.sale_id, "6909876543210", 1, NOW + 11 * DAY); /* 500 of 3 units: 166 */
    assert_int_equal(sale(cards[1].card_no, "B1", 2000, 0, NOW + 5 * DAY, &sold), 0);
    give_back(sold.sale_id, NULL, 0, NOW + 6 * DAY);
    assert_int_equal(sale(cards[2].card_no, "C1", 4000, 0, NOW + 20 * DAY, &sold), 0);
    for (int64_t day = 0; day <= 20; day += 10) {
        char receipt[16];
        snprintf(receipt, sizeof(receipt), "D%lld", (long long)day);
        assert_int_equal(sale(cards[3].card_no, receipt, 100, 0, NOW + day * DAY, &sold), 0);
    }
    assert_int_equal(sale(cards[4].card_no, "E1", 9000, 0, NOW + DAY, &sold), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(ids[4], NOW + 21 * DAY, &closed), 0);
    assert_sound();
}

static int64_t today_plus(int64_t days)
{
    return lty_clock_day(NOW) + days;
}

static void test_rfm_nets_returns_and_leaves_out_closed_members(void **state)
{
    (void)state;
    histories();
    lty_analytics_rfm_t rfm;
    assert_int_equal(lty_ops_analytics_rfm(store, &programme.analytics, today_plus(30), 365, &rfm),
                     0);
    assert_int_equal(rfm.members_scored, 3);           /* 0, 2, 3 */
    assert_int_equal(rfm.members_without_purchase, 1); /* 1: its returns cancel its purchase */
    const lty_analytics_rfm_member_t *row = lty_ops_analytics_rfm_find(&rfm, ids[0]);
    assert_non_null(row);
    assert_int_equal(row->frequency, 2);
    assert_int_equal(row->monetary_cents, 3000 + 1000 - 166);
    assert_int_equal(row->recency_days, 20);
    assert_null(lty_ops_analytics_rfm_find(&rfm, ids[1]));
    assert_null(lty_ops_analytics_rfm_find(&rfm, ids[4])); /* closed */
    row = lty_ops_analytics_rfm_find(&rfm, ids[3]);
    assert_int_equal(row->frequency, 3);
    assert_int_equal(row->recency_days, 10);
    lty_ops_analytics_rfm_free(&rfm);
    lty_ops_analytics_rfm_free(&rfm); /* idempotent */
}

static void test_pareto_counts_closed_members_and_nets_returns(void **state)
{
    (void)state;
    histories();
    lty_analytics_pareto_query_t query = {.from_day = today_plus(0), .to_day = today_plus(30),
                                          .top_percent = 20};
    lty_analytics_pareto_t pareto;
    assert_int_equal(lty_ops_analytics_pareto(store, &query, &pareto), 0);
    assert_int_equal(pareto.members, 4); /* 0, 2, 3, 4: not 1 */
    assert_int_equal(pareto.sales_cents, 3834 + 4000 + 300 + 9000);
    assert_int_equal(pareto.top_members, 1); /* ceil(0.8) */
    assert_int_equal(pareto.top_sales_cents, 9000);
    assert_int_equal(pareto.last_top_member_id, ids[4]);
    query.to_day = today_plus(9); /* member 0's second purchase and 2's are outside */
    assert_int_equal(lty_ops_analytics_pareto(store, &query, &pareto), 0);
    assert_int_equal(pareto.sales_cents, 3000 + 100 + 9000);
    snprintf(query.store, sizeof(query.store), "S002");
    assert_int_equal(lty_ops_analytics_pareto(store, &query, &pareto), 0);
    assert_int_equal(pareto.members, 0);
}

static void test_churn_needs_three_purchase_days(void **state)
{
    (void)state;
    histories();
    lty_analytics_churn_t *churn = test_malloc(sizeof(*churn));
    assert_int_equal(lty_ops_analytics_churn(store, &programme.analytics, today_plus(50), 10,
                                             churn), 0);
    assert_int_equal(churn->members_checked, 1); /* member 3 only */
    assert_int_equal(churn->members_at_risk, 0); /* a gap of 30 = 3 x 10: not beyond */
    assert_int_equal(lty_ops_analytics_churn(store, &programme.analytics, today_plus(51), 10,
                                             churn), 0);
    assert_int_equal(churn->members_at_risk, 1);
    assert_int_equal(churn->rows[0].member_id, ids[3]);
    assert_int_equal(churn->rows[0].median_interval_days, 10);
    assert_int_equal(churn->rows[0].risk_percent, 310);
    test_free(churn);
}

static void test_lifecycle_months_and_flows(void **state)
{
    (void)state;
    histories();
    lty_analytics_lifecycle_t *lifecycle = test_malloc(sizeof(*lifecycle));
    int64_t as_of = today_plus(200);
    assert_int_equal(lty_ops_analytics_lifecycle(store, &programme.analytics, as_of, 12,
                                                 lifecycle), 0);
    /* At day 200: member 4 closed; 0, 2, 3 last bought 180-200 days ago: lapsing (<= 180) or
     * lapsed; 1 never bought (its purchase returned): lapsed. */
    assert_int_equal(lifecycle->stages[LTY_STAGE_CLOSED], 1);
    assert_int_equal(lifecycle->stages[LTY_STAGE_LAPSING], 2); /* 2 (day 20), 3 (day 20) */
    assert_int_equal(lifecycle->stages[LTY_STAGE_LAPSED], 2);  /* 0 (day 10), 1 */
    uint64_t enrolled = 0, total = 0;
    for (size_t index = 0; index < lifecycle->months_count; index++) {
        enrolled += lifecycle->months[index].flows[LTY_ANALYTICS_FLOW_NONE][LTY_STAGE_NEW];
    }
    for (size_t stage = 0; stage < LTY_STAGES_COUNT; stage++) total += lifecycle->stages[stage];
    assert_int_equal(enrolled, 5); /* every member enrolled in the period, as new */
    assert_int_equal(total, 5);
    assert_int_equal(lifecycle->months[lifecycle->months_count - 1].end_day, as_of);
    test_free(lifecycle);
}

static void test_health_points_and_liability_by_month(void **state)
{
    (void)state;
    histories();
    lty_analytics_health_t *health = test_malloc(sizeof(*health));
    assert_int_equal(lty_ops_analytics_health(store, &programme, today_plus(30), 3, health), 0);
    int64_t issued = 0, expired = 0;
    for (size_t month = 0; month < health->months_count; month++) {
        issued += health->points[month].issued;
        expired += health->points[month].expired;
    }
    /* Earned 30 + 10 - 1 (the returned unit) + 20 - 20 + 40 + 1 + 1 + 1 + 90 = 172; member 4's
     * 90 forfeited on close. */
    assert_int_equal(issued, 172);
    assert_int_equal(expired, 90);
    int64_t liability = 0;
    for (size_t index = 0; index < 5; index++) liability += points_of(ids[index]);
    assert_int_equal(health->points[health->months_count - 1].liability_points, liability);
    assert_int_equal(health->tiers[0], 4); /* open members, all at the base tier */
    uint64_t active = 0;
    for (size_t index = 0; index < health->stores_count; index++) {
        for (size_t month = 0; month < health->months_count; month++) {
            active += health->stores[index].active[month];
        }
    }
    assert_true(active >= 4);
    test_free(health);
}

static void test_segment_filters(void **state)
{
    (void)state;
    histories();
    uint64_t *members = NULL;
    size_t count = 0;
    lty_segment_filter_t filter = {.category_days = 30};
    snprintf(filter.category, sizeof(filter.category), "dairy");
    assert_int_equal(lty_ops_segment_members(store, &programme.analytics, &filter, today_plus(25),
                                             &members, &count), 0);
    assert_int_equal(count, 3); /* 0, 2, 3 kept a dairy line; 1 returned it; 4 is closed */
    lty_free(members);
    filter = (lty_segment_filter_t){.consent_mask = LTY_CONSENT_SMS};
    assert_int_equal(lty_ops_segment_members(store, &programme.analytics, &filter, today_plus(25),
                                             &members, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(members[0], ids[0]);
    lty_free(members);
    filter = (lty_segment_filter_t){.spend_given = 1, .spend_min_cents = 3000,
                                    .spend_max_cents = 5000};
    assert_int_equal(lty_ops_segment_members(store, &programme.analytics, &filter, today_plus(25),
                                             &members, &count), 0);
    assert_int_equal(count, 2); /* 0 (3834) and 2 (4000) */
    lty_free(members);
    filter = (lty_segment_filter_t){.stage_mask = 1u << LTY_STAGE_CLOSED};
    assert_int_equal(lty_ops_segment_members(store, &programme.analytics, &filter, today_plus(25),
                                             &members, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(members[0], ids[4]);
    lty_free(members);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_rfm_nets_returns_and_leaves_out_closed_members),
        DOMAIN_TEST(test_pareto_counts_closed_members_and_nets_returns),
        DOMAIN_TEST(test_churn_needs_three_purchase_days),
        DOMAIN_TEST(test_lifecycle_months_and_flows),
        DOMAIN_TEST(test_health_points_and_liability_by_month),
        DOMAIN_TEST(test_segment_filters),
    };
    return cmocka_run_group_tests_name("ops_analytics", tests, NULL, NULL);
}
