/* tests/unit/domain/test_ops_member_status.c
 * Goal: what the member portal reads (ops_member_status.c) agrees with the journal:
 * lty_ops_member_status sums points earned, redeemed, expired, bonus and adjusted net of
 * returns and voids, counts purchases not wholly returned with their net value, and shows the
 * next LTY_POINTS_EXPIRING_SHOWN expiry days (lots of one UTC day summed);
 * lty_ops_entry_member_delta is one member's change in an entry; lty_ops_member_journal pages
 * newest first through a kind and date filter, at most LTY_JOURNAL_SCAN_MAX entries scanned per
 * page; lty_ops_balance_history gives the balance per bucket of whole days, at most
 * LTY_BALANCE_HISTORY_POINTS_MAX points.
 * Method: a temporary store per test (domain_fixture.c); activity made by the domain
 * operations, then read back; the ledger verifier after each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_ops_member_status_t status;
static lty_ops_journal_page_t page;
static lty_ops_balance_history_t history;

static int status_at(uint64_t member_id, int64_t now_ms)
{
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_member_status(txn, &programme, now_ms, member_id, &status);
    lty_store_txn_abort(txn);
    return err;
}

static int journal(uint64_t member_id, const lty_ops_journal_filter_t *filter, uint64_t before,
                   size_t limit)
{
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_member_journal(txn, member_id, filter, before, limit, &page);
    lty_store_txn_abort(txn);
    return err;
}

static int balance_history(uint64_t member_id, int64_t from_ms, int64_t to_ms)
{
    lty_ops_balance_history_query_t query = {.from_ms = from_ms, .to_ms = to_ms};
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_balance_history(txn, member_id, &query, &history);
    lty_store_txn_abort(txn);
    return err;
}

static int give_back_all(uint64_t sale_id)
{
    static lty_ops_return_t request;
    static lty_ops_return_result_t result;
    memset(&request, 0, sizeof(request));
    request.sale_id = sale_id;
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_return(txn, &till_actor, &programme, NOW + DAY, &request, &result,
                                      NULL));
}

static void test_member_status_sums_the_journal_net_of_returns(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_adjust_t bonus = {.member_id = member_id, .points = 300, .bonus = true};
    strcpy(bonus.reason, "welcome");
    lty_ops_adjust_result_t adjusted;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_adjust(txn, &operator_actor, &programme, NOW, &bonus,
                                                &adjusted, NULL)),
                     0);
    assert_int_equal(adjust(member_id, -20, NOW, &adjusted), 0);
    lty_ops_sale_result_t kept, returned;
    assert_int_equal(sale(card.card_no, "R1", 5000, 100, NOW + DAY, &kept), 0); /* +49 -100 */
    assert_int_equal(sale(card.card_no, "R2", 2000, 0, NOW + DAY, &returned), 0); /* +20 */
    assert_int_equal(give_back_all(returned.sale_id), 0);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 777, NOW, &balances), 0);
    assert_int_equal(status_at(member_id, NOW + DAY), 0);
    assert_int_equal(status.member_id, member_id);
    assert_string_equal(status.member.name, "王芳");
    assert_int_equal(status.points, 300 - 20 + 49 - 100);
    assert_int_equal(status.prepaid_cents, 777);
    assert_int_equal(status.points_bonus, 300);
    assert_int_equal(status.points_adjusted, -20);
    assert_int_equal(status.points_earned, 49 + 20 - 20);
    assert_int_equal(status.points_redeemed, 100);
    assert_int_equal(status.points_expired, 0);
    assert_int_equal(status.points_pending, 0);
    assert_int_equal(status.purchases_count, 1); /* the returned sale does not count */
    assert_int_equal(status.purchases_cents, 5000);
    assert_int_equal(status.entries_count, 6);
    assert_int_equal(status.tier.tier, 0);
    assert_int_equal(status.tier.qualifying, 4900);
    assert_int_equal(status_at(member_id + 1, NOW), LTY_E_MEMBER_NOT_FOUND);
    /* A close forfeits what is left: counted as expired. */
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW + DAY, &closed), 0);
    assert_int_equal(status_at(member_id, NOW + DAY), 0);
    assert_int_equal(status.points_expired, 229);
    assert_int_equal(status.points, 0);
    assert_sound();
}

static void test_member_status_shows_the_next_expiry_days_summed_per_day(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_ops_adjust_result_t adjusted;
    /* Lots expire 730 days after their entry: two the same day, then three more days. */
    assert_int_equal(adjust(member_id, 10, NOW, &adjusted), 0);
    assert_int_equal(adjust(member_id, 20, NOW + 1000, &adjusted), 0);
    assert_int_equal(adjust(member_id, 30, NOW + DAY, &adjusted), 0);
    assert_int_equal(adjust(member_id, 40, NOW + 2 * DAY, &adjusted), 0);
    assert_int_equal(adjust(member_id, 50, NOW + 3 * DAY, &adjusted), 0);
    assert_int_equal(status_at(member_id, NOW + 3 * DAY), 0);
    assert_int_equal(status.expiring_count, LTY_POINTS_EXPIRING_SHOWN);
    int64_t first = NOW + programme.points_lot_days * DAY;
    lty_cal_local_t last_day; /* the last day they may be spent, in the programme's zone */
    lty_cal_local(first - 1, programme.utc_offset_minutes, &last_day);
    assert_true(status.expiring[0].day == last_day.day);
    assert_true(status.expiring[0].expires_ms == first);
    assert_int_equal(status.expiring[0].points, 30);
    assert_int_equal(status.expiring[1].points, 30);
    assert_int_equal(status.expiring[2].points, 40);
    /* Spent lots and lots already expired by date are not shown. */
    assert_int_equal(adjust(member_id, -30, NOW + 3 * DAY, &adjusted), 0);
    assert_int_equal(status_at(member_id, first + DAY), 0);
    assert_int_equal(status.expiring[0].points, 40); /* day 1 spent, day 2 expired */
    assert_int_equal(status.expiring_count, 2);
    assert_sound();
}

static void test_entry_member_delta_counts_one_members_postings(void **state)
{
    (void)state;
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.postings_count = 4;
    entry.postings[0] = (lty_posting_t){LTY_ACCOUNT_MEMBER_POINTS, LTY_ASSET_POINTS, 7, -40};
    entry.postings[1] = (lty_posting_t){LTY_ACCOUNT_POINTS_REDEEMED, LTY_ASSET_POINTS, 0, 40};
    entry.postings[2] = (lty_posting_t){LTY_ACCOUNT_MEMBER_POINTS, LTY_ASSET_POINTS, 7, 29};
    entry.postings[3] = (lty_posting_t){LTY_ACCOUNT_MEMBER_POINTS, LTY_ASSET_POINTS, 8, 5};
    assert_int_equal(lty_ops_entry_member_delta(&entry, 7, LTY_ACCOUNT_MEMBER_POINTS), -11);
    assert_int_equal(lty_ops_entry_member_delta(&entry, 8, LTY_ACCOUNT_MEMBER_POINTS), 5);
    assert_int_equal(lty_ops_entry_member_delta(&entry, 7, LTY_ACCOUNT_MEMBER_PREPAID), 0);
    expect_assert_failure(lty_ops_entry_member_delta(&entry, 7, LTY_ACCOUNT_POINTS_ISSUED));
}

static void test_member_journal_filters_by_kind_and_date_with_a_cursor(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_adjust_result_t adjusted;
    lty_ops_sale_result_t sold;
    lty_ops_balances_t balances;
    for (int day = 0; day < 3; day++) {
        char receipt[8];
        snprintf(receipt, sizeof(receipt), "R%d", day);
        assert_int_equal(adjust(member_id, 5, NOW + day * DAY, &adjusted), 0);
        assert_int_equal(sale(card.card_no, receipt, 1000, 0, NOW + day * DAY, &sold), 0);
        assert_int_equal(topup(card.card_no, 100, NOW + day * DAY, &balances), 0);
    }
    lty_ops_journal_filter_t every = {0};
    assert_int_equal(journal(member_id, &every, 0, LTY_JOURNAL_PAGE_MAX), 0);
    assert_int_equal(page.entries_count, 9);
    assert_int_equal(page.entries[0].kind, LTY_ENTRY_TOPUP);
    assert_int_equal(page.next_after, 0);
    lty_ops_journal_filter_t sales = {.kinds_mask = 1u << LTY_ENTRY_SALE};
    assert_int_equal(journal(member_id, &sales, 0, 2), 0);
    assert_int_equal(page.entries_count, 2);
    assert_string_equal(page.entries[0].reference, "R2");
    assert_string_equal(page.entries[1].reference, "R1");
    assert_int_equal(journal(member_id, &sales, page.next_after, 2), 0);
    assert_int_equal(page.entries_count, 1);
    assert_string_equal(page.entries[0].reference, "R0");
    assert_int_equal(page.next_after, 0);
    lty_ops_journal_filter_t day_one = {.from_ms = NOW + DAY, .to_ms = NOW + 2 * DAY};
    assert_int_equal(journal(member_id, &day_one, 0, 10), 0);
    assert_int_equal(page.entries_count, 3);
    assert_true(page.entries[2].created_ms == NOW + DAY);
    assert_int_equal(journal(member_id, &every, 0, 0), LTY_E_INVALID_FIELD);
    assert_int_equal(journal(member_id, &every, 0, LTY_JOURNAL_PAGE_MAX + 1), LTY_E_INVALID_FIELD);
    assert_int_equal(journal(member_id + 1, &every, 0, 10), 0); /* no such member: no entries */
    assert_int_equal(page.entries_count, 0);
    assert_sound();
}

static void test_member_journal_scans_at_most_its_max_per_page(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 100, NOW, &balances), 0); /* the one match, oldest */
    adjust_many(member_id, LTY_JOURNAL_SCAN_MAX, 0); /* entries the filter skips */
    lty_ops_journal_filter_t topups = {.kinds_mask = 1u << LTY_ENTRY_TOPUP};
    assert_int_equal(journal(member_id, &topups, 0, 10), 0);
    assert_int_equal(page.entries_count, 0); /* a sparse filter: an empty page, a cursor */
    assert_int_equal(page.next_after, balances.entry_id + 1);
    assert_int_equal(journal(member_id, &topups, page.next_after, 10), 0);
    assert_int_equal(page.entries_count, 1);
    assert_int_equal(page.entries[0].entry_id, balances.entry_id);
    assert_int_equal(page.next_after, 0);
}

static void test_balance_history_per_day_within_its_point_max(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 100, NOW - DAY, &adjusted), 0); /* before the period */
    assert_int_equal(adjust(member_id, 10, NOW + 1000, &adjusted), 0);
    assert_int_equal(adjust(member_id, 20, NOW + 2000, &adjusted), 0); /* the same day */
    assert_int_equal(adjust(member_id, -5, NOW + 2 * DAY, &adjusted), 0);
    assert_int_equal(adjust(member_id, 7, NOW + 9 * DAY, &adjusted), 0); /* after it */
    assert_int_equal(balance_history(member_id, NOW, NOW + 5 * DAY), 0);
    assert_true(history.bucket_ms == DAY);
    assert_int_equal(history.balance_start, 100);
    assert_int_equal(history.balance_end, 132);
    assert_int_equal(history.points_count, 2);
    assert_true(history.points[0].at_ms == NOW);
    assert_int_equal(history.points[0].balance, 130);
    assert_true(history.points[1].at_ms == NOW + 2 * DAY);
    assert_int_equal(history.points[1].balance, 125);
    /* LTY_BALANCE_HISTORY_POINTS_MAX days fit in one-day buckets; one day more takes two. */
    assert_int_equal(balance_history(member_id, NOW, NOW + LTY_BALANCE_HISTORY_POINTS_MAX * DAY),
                     0);
    assert_true(history.bucket_ms == DAY);
    assert_int_equal(
        balance_history(member_id, NOW, NOW + (LTY_BALANCE_HISTORY_POINTS_MAX + 1) * DAY), 0);
    assert_true(history.bucket_ms == 2 * DAY);
    assert_int_equal(history.points_count, 3);
    assert_true(history.points[2].at_ms == NOW + 8 * DAY); /* days 8 and 9 */
    assert_int_equal(history.points[2].balance, 132);
    assert_int_equal(balance_history(member_id, NOW, NOW), LTY_E_INVALID_FIELD);
    assert_int_equal(balance_history(member_id + 1, NOW, NOW + DAY), LTY_E_MEMBER_NOT_FOUND);
}

static void test_balance_history_at_its_point_max(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    adjust_many(member_id, LTY_BALANCE_HISTORY_POINTS_MAX, DAY); /* a change every day */
    assert_int_equal(balance_history(member_id, NOW, NOW + LTY_BALANCE_HISTORY_POINTS_MAX * DAY),
                     0);
    assert_int_equal(history.points_count, LTY_BALANCE_HISTORY_POINTS_MAX);
    assert_int_equal(history.points[LTY_BALANCE_HISTORY_POINTS_MAX - 1].balance,
                     LTY_BALANCE_HISTORY_POINTS_MAX);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_member_status_sums_the_journal_net_of_returns),
        DOMAIN_TEST(test_member_status_shows_the_next_expiry_days_summed_per_day),
        cmocka_unit_test(test_entry_member_delta_counts_one_members_postings),
        DOMAIN_TEST(test_member_journal_filters_by_kind_and_date_with_a_cursor),
        DOMAIN_TEST(test_member_journal_scans_at_most_its_max_per_page),
        DOMAIN_TEST(test_balance_history_per_day_within_its_point_max),
        DOMAIN_TEST(test_balance_history_at_its_point_max),
    };
    return cmocka_run_group_tests_name("ops_member_status", tests, NULL, NULL);
}
