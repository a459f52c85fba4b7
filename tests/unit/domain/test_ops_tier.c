/* tests/unit/domain/test_ops_tier.c
 * Goal: tiers keep docs/tiers.md: the qualifying value is the rolling 12 UTC months of eligible
 * spend (lty_ops_tier_status shows it, the next tier and what is missing); a sale that reaches a
 * higher threshold upgrades at once and earns at the old rate, the next one at the new rate;
 * returns take spend back out of the sale's month without changing the tier; a review
 * (lty_ops_tier_review) only lowers tiers, with the grace rule; every change is in the history
 * (lty_ops_tier_history, newest first, at most LTY_TIER_HISTORY_MAX) and the audit.
 * Method: a temporary store per test (domain_fixture.c) with the demo tiers (Silver 10,000.00,
 * Gold 50,000.00, Platinum 200,000.00; 1x, 1.25x, 1.5x, 2x; grace 90 days) or a programme of
 * eight close tiers for the history limit; the ledger verifier after each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

#define SILVER_CENTS INT64_C(1000000)

static lty_ops_tier_history_t history;

static lty_ops_tier_status_t status_at(uint64_t member_id, int64_t now_ms)
{
    lty_ops_tier_status_t status;
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_tier_status(txn, &programme, now_ms, member_id, &status), 0);
    lty_store_txn_abort(txn);
    return status;
}

static lty_ops_tier_review_t review_at(int64_t now_ms)
{
    lty_ops_tier_review_t review;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_tier_review(txn, &operator_actor, &programme, now_ms, &review)), 0);
    return review;
}

static void history_of(uint64_t member_id)
{
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_tier_history(txn, member_id, &history), 0);
    lty_store_txn_abort(txn);
}

static void test_tier_status_of_a_new_member_and_a_missing_one(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_ops_tier_status_t status = status_at(member_id, NOW);
    assert_int_equal(status.tier, 0);
    assert_int_equal(status.qualifying, 0);
    assert_true(status.has_next);
    assert_int_equal(status.next_tier, 1);
    assert_int_equal(status.next_needed, SILVER_CENTS);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_tier_status(txn, &programme, NOW, member_id + 1, &status),
                     LTY_E_MEMBER_NOT_FOUND);
    assert_int_equal(lty_ops_tier_history(txn, member_id + 1, &history), LTY_E_MEMBER_NOT_FOUND);
    assert_int_equal(lty_ops_tier_history(txn, member_id, &history), 0);
    assert_int_equal(history.changes_count, 0);
    lty_store_txn_abort(txn);
}

static void test_tier_upgrade_at_once_earning_the_old_rate_then_the_new(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 600000, 0, NOW, &sold), 0);
    assert_false(sold.tier_upgraded);
    lty_ops_tier_status_t status = status_at(member_id, NOW);
    assert_int_equal(status.qualifying, 600000);
    assert_int_equal(status.next_needed, 400000);
    assert_int_equal(sale(card.card_no, "R2", 400000, 0, NOW, &sold), 0); /* the threshold */
    assert_true(sold.tier_upgraded);
    assert_int_equal(sold.tier, 1);
    assert_int_equal(sold.points_earned, 4000); /* at the old rate */
    assert_int_equal(sale(card.card_no, "R3", 10000, 0, NOW, &sold), 0);
    assert_false(sold.tier_upgraded);
    assert_int_equal(sold.tier, 1);
    assert_int_equal(sold.points_earned, 125); /* 1.25x */
    history_of(member_id);
    assert_int_equal(history.changes_count, 1);
    assert_int_equal(history.changes[0].tier_from, 0);
    assert_int_equal(history.changes[0].tier_to, 1);
    assert_int_equal(history.changes[0].reason, LTY_TIER_REASON_SALE);
    assert_int_equal(history.changes[0].qualifying, SILVER_CENTS);
    const lty_audit_t *audit = last_audit_of(member_id);
    assert_string_equal(audit->action, "tier.upgrade");
    assert_string_equal(audit->old_value, "Member");
    assert_string_equal(audit->new_value, "Silver");
    /* Two thresholds at once: straight to Platinum; the part paid with points does not count. */
    assert_int_equal(sale(card.card_no, "R4", 19000000 + 4125, 4125, NOW, &sold), 0);
    assert_int_equal(sold.tier, 3);
    assert_int_equal(status_at(member_id, NOW).qualifying, 20010000);
    assert_false(status_at(member_id, NOW).has_next); /* the top tier */
    /* A programme that shrank: the member reads as its top tier. */
    programme.tiers_count = 2;
    assert_int_equal(status_at(member_id, NOW).tier, 1);
    assert_sound();
}

static void test_tier_qualifying_is_a_rolling_twelve_months(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 300000, 0, NOW, &sold), 0);              /* May */
    assert_int_equal(sale(card.card_no, "R2", 200000, 0, NOW + 40 * DAY, &sold), 0); /* July */
    assert_int_equal(status_at(member_id, NOW + 330 * DAY).qualifying, 500000); /* April */
    assert_int_equal(status_at(member_id, NOW + 365 * DAY).qualifying, 200000); /* May */
    assert_int_equal(status_at(member_id, NOW + 430 * DAY).qualifying, 0);      /* August */
}

static void test_tier_review_lowers_only_after_the_window_and_the_grace(void **state)
{
    (void)state;
    uint64_t member_id = 0, closed_id = 0;
    lty_card_t card, closed_card;
    member_with_card("+8613800138001", &member_id, &card);
    member_with_card("+8613800138002", &closed_id, &closed_card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", SILVER_CENTS, 0, NOW, &sold), 0);
    assert_int_equal(sale(closed_card.card_no, "R2", SILVER_CENTS, 0, NOW, &sold), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(closed_id, NOW, &closed), 0);
    lty_ops_tier_review_t review = review_at(NOW + 30 * DAY);
    assert_int_equal(review.members_reviewed, 1); /* the closed member is not visited */
    assert_int_equal(review.members_downgraded, 0);
    review = review_at(NOW + 365 * DAY); /* out of the window, still within the grace */
    assert_int_equal(review.members_downgraded, 0);
    assert_int_equal(status_at(member_id, NOW + 365 * DAY).tier, 1);
    review = review_at(NOW + 460 * DAY); /* out of both */
    assert_int_equal(review.members_reviewed, 1);
    assert_int_equal(review.members_downgraded, 1);
    assert_int_equal(status_at(member_id, NOW + 460 * DAY).tier, 0);
    history_of(member_id);
    assert_int_equal(history.changes_count, 2);
    assert_int_equal(history.changes[0].reason, LTY_TIER_REASON_REVIEW);
    assert_int_equal(history.changes[0].tier_to, 0);
    assert_int_equal(history.changes[1].reason, LTY_TIER_REASON_SALE);
    assert_string_equal(last_audit_of(member_id)->action, "tier.downgrade");
    store_digest_t before = store_digest(); /* nothing left to lower: nothing changes */
    review = review_at(NOW + 500 * DAY);
    assert_int_equal(review.members_reviewed, 0);
    assert_unchanged(&before);
}

static void test_tier_spend_given_back_leaves_the_tier_until_the_review(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t first, second;
    assert_int_equal(sale(card.card_no, "R1", SILVER_CENTS, 0, NOW, &first), 0);
    assert_int_equal(sale(card.card_no, "R2", 200000, 0, NOW + 40 * DAY, &second), 0);
    static lty_ops_return_t request;
    static lty_ops_return_result_t returned;
    memset(&request, 0, sizeof(request));
    request.sale_id = first.sale_id; /* returned in July: May's bucket loses it */
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_return(txn, &till_actor, &programme, NOW + 40 * DAY,
                                                &request, &returned, NULL)),
                     0);
    lty_ops_tier_status_t status = status_at(member_id, NOW + 40 * DAY);
    assert_int_equal(status.qualifying, 200000);
    assert_int_equal(status.tier, 1); /* kept until the review */
    lty_ops_tier_review_t review = review_at(NOW + 41 * DAY); /* no grace for undone spend */
    assert_int_equal(review.members_downgraded, 1);
    assert_int_equal(status_at(member_id, NOW + 41 * DAY).tier, 0);
    assert_sound();
}

static void test_tier_history_shows_the_newest_max_changes(void **state)
{
    (void)state;
    /* Eight tiers 1.00 apart, no grace: seven upgrades and one downgrade per cycle. */
    programme.tiers_count = LTY_TIERS_MAX;
    for (uint32_t tier = 0; tier < LTY_TIERS_MAX; tier++) {
        snprintf(programme.tiers[tier].name, sizeof(programme.tiers[tier].name), "T%u", tier);
        programme.tiers[tier].threshold = 100 * (int64_t)tier;
        programme.tiers[tier].earn_percent = 100;
    }
    programme.tier_grace_days = 0;
    programme.card_valid_days = LTY_PROGRAMME_DAYS_MAX;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    int changes = 0;
    int64_t now_ms = NOW;
    for (int cycle = 0; changes <= LTY_TIER_HISTORY_MAX; cycle++) {
        for (uint32_t tier = 1; tier < LTY_TIERS_MAX; tier++) {
            char receipt[16];
            snprintf(receipt, sizeof(receipt), "C%dT%u", cycle, tier);
            lty_ops_sale_result_t sold;
            assert_int_equal(sale(card.card_no, receipt, 100, 0, now_ms, &sold), 0);
            assert_true(sold.tier_upgraded);
            changes++;
        }
        now_ms += 400 * DAY;
        assert_int_equal(review_at(now_ms).members_downgraded, 1);
        changes++;
    }
    history_of(member_id);
    assert_int_equal(history.changes_count, LTY_TIER_HISTORY_MAX);
    assert_int_equal(history.changes[0].reason, LTY_TIER_REASON_REVIEW); /* the newest */
    assert_int_equal(history.changes[1].tier_to, LTY_TIERS_MAX - 1);
    assert_true(history.changes[0].changed_ms == now_ms);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_tier_status_of_a_new_member_and_a_missing_one),
        DOMAIN_TEST(test_tier_upgrade_at_once_earning_the_old_rate_then_the_new),
        DOMAIN_TEST(test_tier_qualifying_is_a_rolling_twelve_months),
        DOMAIN_TEST(test_tier_review_lowers_only_after_the_window_and_the_grace),
        DOMAIN_TEST(test_tier_spend_given_back_leaves_the_tier_until_the_review),
        DOMAIN_TEST(test_tier_history_shows_the_newest_max_changes),
    };
    return cmocka_run_group_tests_name("ops_tier", tests, NULL, NULL);
}
