/* tests/unit/domain/test_ops_journal.c
 * Goal: a member's journal page (lty_ops_journal_page) lists only that member's entries, newest
 * first, with a cursor (next_after) that walks every entry exactly once; the limit is
 * 1..LTY_JOURNAL_PAGE_MAX (a page of the max, one entry more on the next); a missing member is
 * named. The plumbing every write shares (ops_journal.c: posting, lots) is verified through the
 * ledger verifier after each case.
 * Method: a temporary store per test (domain_fixture.c); entries made by adjustments. */
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

static lty_ops_journal_page_t page;

static void test_journal_pages_newest_first_with_cursor(void **state)
{
    (void)state;
    uint64_t member_id = 0, other_id = 0;
    lty_card_t card;
    member_pair(&member_id, &card, &other_id);
    lty_ops_adjust_result_t result;
    for (int index = 1; index <= 5; index++) {
        assert_int_equal(adjust(member_id, index, NOW, &result), 0);
        assert_int_equal(adjust(other_id, index, NOW, &result), 0);
    }
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_journal_page(txn, member_id, 0, 2, &page), 0);
    assert_int_equal(page.entries_count, 2);
    assert_int_equal(page.entries[0].entry_id, 9);
    assert_int_equal(page.entries[1].entry_id, 7);
    assert_int_equal(page.entries[0].postings[0].amount, 5);
    assert_string_equal(page.entries[0].reference, "test");
    assert_int_equal(page.next_after, 7);
    assert_int_equal(lty_ops_journal_page(txn, member_id, page.next_after, 2, &page), 0);
    assert_int_equal(page.entries[0].entry_id, 5);
    assert_int_equal(page.entries[1].entry_id, 3);
    assert_int_equal(lty_ops_journal_page(txn, member_id, page.next_after, 2, &page), 0);
    assert_int_equal(page.entries_count, 1);
    assert_int_equal(page.entries[0].entry_id, 1);
    assert_int_equal(page.next_after, 0);
    assert_int_equal(lty_ops_journal_page(txn, other_id, 0, LTY_JOURNAL_PAGE_MAX, &page), 0);
    assert_int_equal(page.entries_count, 5);
    assert_int_equal(page.entries[0].entry_id, 10);
    assert_int_equal(page.next_after, 0);
    assert_int_equal(lty_ops_journal_page(txn, other_id, 0, LTY_JOURNAL_PAGE_MAX + 1, &page),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty_ops_journal_page(txn, other_id, 0, 0, &page), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_ops_journal_page(txn, 77, 0, 10, &page), LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
    assert_sound();
}

static void test_journal_page_of_the_max_then_one_more_and_of_no_entry(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_journal_page(txn, member_id, 0, LTY_JOURNAL_PAGE_MAX, &page), 0);
    assert_int_equal(page.entries_count, 0); /* a member with no entry: an empty page */
    assert_int_equal(page.next_after, 0);
    lty_store_txn_abort(txn);
    adjust_many(member_id, LTY_JOURNAL_PAGE_MAX + 1, 0);
    txn = read_begin();
    assert_int_equal(lty_ops_journal_page(txn, member_id, 0, LTY_JOURNAL_PAGE_MAX, &page), 0);
    assert_int_equal(page.entries_count, LTY_JOURNAL_PAGE_MAX);
    assert_int_equal(page.entries[0].entry_id, LTY_JOURNAL_PAGE_MAX + 1);
    assert_int_equal(page.entries[LTY_JOURNAL_PAGE_MAX - 1].entry_id, 2);
    assert_int_equal(page.next_after, 2);
    assert_int_equal(
        lty_ops_journal_page(txn, member_id, page.next_after, LTY_JOURNAL_PAGE_MAX, &page), 0);
    assert_int_equal(page.entries_count, 1);
    assert_int_equal(page.entries[0].entry_id, 1);
    assert_int_equal(page.next_after, 0);
    /* after = the oldest entry: nothing older. */
    assert_int_equal(lty_ops_journal_page(txn, member_id, 1, 1, &page), 0);
    assert_int_equal(page.entries_count, 0);
    lty_store_txn_abort(txn);
    assert_sound();
}

static void test_journal_page_shows_every_kind_of_the_members_entries(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 5000, NOW, &balances), 0);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 2000, 0, NOW, &sold), 0);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 7, NOW, &adjusted), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    lty_store_txn_t *txn = read_begin(); /* a closed member's journal stays readable */
    assert_int_equal(lty_ops_journal_page(txn, member_id, 0, 10, &page), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(page.entries_count, 4);
    assert_int_equal(page.entries[0].kind, LTY_ENTRY_CLOSE);
    assert_int_equal(page.entries[1].kind, LTY_ENTRY_ADJUST);
    assert_int_equal(page.entries[2].kind, LTY_ENTRY_SALE);
    assert_int_equal(page.entries[3].kind, LTY_ENTRY_TOPUP);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_journal_pages_newest_first_with_cursor),
        DOMAIN_TEST(test_journal_page_of_the_max_then_one_more_and_of_no_entry),
        DOMAIN_TEST(test_journal_page_shows_every_kind_of_the_members_entries),
    };
    return cmocka_run_group_tests_name("ops_journal", tests, NULL, NULL);
}
