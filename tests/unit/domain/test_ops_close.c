/* tests/unit/domain/test_ops_close.c
 * Goal: closing an account (lty_ops_member_close) keeps docs/api.md "Account close": one CLOSE
 * entry, always (prepaid paid out to cash-out, points, even a negative balance, forfeited to
 * breakage), every card blocked (a replaced card stays replaced), personal data erased on
 * request with its indexes, an audit record; it refuses a reason outside 1..
 * LTY_REASON_BYTES_MAX, an unknown payout or store, a missing or closed member without
 * changing anything; afterwards every use of the member answers account_closed.
 * Method: a temporary store per test (domain_fixture.c); a digest of the whole store before and
 * after every refusal; the ledger verifier (a closed member holds nothing) after each test. */
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

static lty_diag_t diag;

static void close_request(lty_ops_close_t *request, uint64_t member_id)
{
    memset(request, 0, sizeof(*request));
    request->member_id = member_id;
    strcpy(request->reason, "moved away");
    strcpy(request->payout, "bank_transfer");
}

static int close_with(const lty_ops_close_t *request, lty_ops_close_result_t *result_out)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_member_close(txn, &operator_actor, NOW + DAY, request, result_out,
                                            &diag));
}

static void close_refused(const lty_ops_close_t *request, int err, const char *field)
{
    store_digest_t before = store_digest();
    lty_ops_close_result_t result;
    assert_int_equal(close_with(request, &result), err);
    if (field != NULL) assert_string_equal(diag.field, field);
    assert_unchanged(&before);
}

static void test_member_close_pays_out_forfeits_and_blocks_every_card(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card, second, old_card, fresh;
    member_with_card("+8613800138001", &member_id, &card);
    card_issue(member_id, &second);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_card_replace(txn, &operator_actor, &programme, NOW,
                                                      second.card_no, &old_card, &fresh)),
                     0);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 321, NOW, &adjusted), 0);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 4500, NOW, &balances), 0);
    lty_ops_close_t request;
    close_request(&request, member_id);
    strcpy(request.store, "S002");
    lty_ops_close_result_t result;
    assert_int_equal(close_with(&request, &result), 0);
    assert_int_equal(result.prepaid_paid_out_cents, 4500);
    assert_int_equal(result.points_forfeited, 321);
    assert_int_equal(result.cards_blocked, 3);
    assert_false(result.erased);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_CLOSE);
    assert_int_equal(entry.member_id, member_id);
    assert_string_equal(entry.principal, "operator:alice");
    assert_string_equal(entry.store, "S002");
    assert_string_equal(entry.reference, "bank_transfer: moved away");
    assert_int_equal(entry.postings_count, 4);
    assert_int_equal(entry.postings[0].account_kind, LTY_ACCOUNT_MEMBER_PREPAID);
    assert_int_equal(entry.postings[0].amount, -4500);
    assert_int_equal(entry.postings[1].account_kind, LTY_ACCOUNT_CASH_OUT);
    assert_int_equal(entry.postings[2].account_kind, LTY_ACCOUNT_MEMBER_POINTS);
    assert_int_equal(entry.postings[2].amount, -321);
    assert_int_equal(entry.postings[3].account_kind, LTY_ACCOUNT_POINTS_EXPIRED);
    txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(member_view.member.status, LTY_MEMBER_CLOSED);
    assert_true(member_view.member.closed_ms == NOW + DAY);
    assert_string_equal(member_view.member.name, "王芳"); /* not erased */
    assert_int_equal(member_view.points, 0);
    assert_int_equal(member_view.prepaid_cents, 0);
    for (size_t index = 0; index < member_view.cards_count; index++) {
        const lty_card_t *held = &member_view.cards[index];
        bool replaced = strcmp(held->card_no, second.card_no) == 0;
        assert_int_equal(held->status, replaced ? LTY_CARD_REPLACED : LTY_CARD_CLOSED);
    }
    assert_string_equal(last_audit_of(member_id)->action, "member.close");
    assert_string_equal(last_audit_of(member_id)->detail,
                        "paid out 4500 by bank_transfer, forfeited 321: moved away");
    assert_sound();
}

static void test_member_close_with_nothing_or_a_debt_still_writes_its_entry(void **state)
{
    (void)state;
    uint64_t empty_id = 0;
    assert_int_equal(member_create("李伟", "+8613800138002", &empty_id), 0);
    lty_ops_close_result_t result;
    assert_int_equal(member_close(empty_id, NOW, &result), 0);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_CLOSE);
    assert_int_equal(entry.postings_count, 0);
    assert_int_equal(result.cards_blocked, 0);
    /* A debt left by a return is written off to breakage too. */
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t earned, spent;
    assert_int_equal(sale(card.card_no, "R1", 10000, 0, NOW, &earned), 0);
    assert_int_equal(sale(card.card_no, "R2", 100, 100, NOW, &spent), 0);
    static lty_ops_return_t request;
    static lty_ops_return_result_t returned;
    memset(&request, 0, sizeof(request));
    request.sale_id = earned.sale_id;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_return(txn, &till_actor, &programme, NOW, &request,
                                                &returned, NULL)),
                     0);
    assert_int_equal(points_of(member_id), -100);
    assert_int_equal(member_close(member_id, NOW, &result), 0);
    assert_int_equal(result.points_forfeited, -100);
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.postings_count, 2);
    assert_int_equal(entry.postings[0].amount, 100);
    assert_int_equal(entry.postings[1].account_kind, LTY_ACCOUNT_POINTS_EXPIRED);
    assert_int_equal(points_of(member_id), 0);
    assert_sound();
}

static void test_member_close_erases_personal_data_and_frees_the_phone(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_ops_member_new_t member_new = {.name = "Wang Fang", .phone = "+8613800138001",
                                       .email = "w@example.com", .birthday = "1990-01-01"};
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_create(txn, &operator_actor, NOW, &member_new,
                                                       &member_id, NULL)),
                     0);
    lty_ops_close_t request;
    close_request(&request, member_id);
    request.erase_personal_data = true;
    lty_ops_close_result_t result;
    assert_int_equal(close_with(&request, &result), 0);
    assert_true(result.erased);
    txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    static lty_ops_member_page_t page;
    assert_int_equal(lty_ops_member_search(txn, LTY_OPS_SEARCH_NAME, "wang", 0, 10, &page), 0);
    assert_int_equal(page.members_count, 0);
    lty_store_txn_abort(txn);
    assert_string_equal(member_view.member.name, "");
    assert_string_equal(member_view.member.phone, "");
    assert_string_equal(member_view.member.email, "");
    assert_string_equal(member_view.member.birthday, "");
    assert_int_equal(count_of(LTY_DB_MEMBERS_BY_PHONE), 0);
    uint64_t again = 0; /* the number may enrol someone else */
    assert_int_equal(member_create("Li Wei", "+8613800138001", &again), 0);
    assert_int_equal(again, member_id + 1);
    assert_sound();
}

static void test_member_close_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_close_t request;
    close_request(&request, member_id);
    request.reason[0] = '\0';
    close_refused(&request, LTY_E_INVALID_FIELD, "/reason");
    memset(request.reason, 'r', sizeof(request.reason)); /* LTY_REASON_BYTES_MAX + 1 */
    close_refused(&request, LTY_E_INVALID_FIELD, "/reason");
    request.reason[LTY_REASON_BYTES_MAX] = '\0';
    strcpy(request.payout, "cheque");
    close_refused(&request, LTY_E_INVALID_FIELD, "/payout");
    strcpy(request.payout, "cash");
    strcpy(request.store, "S999");
    close_refused(&request, LTY_E_STORE_NOT_FOUND, "/store");
    request.store[0] = '\0';
    request.member_id = member_id + 1;
    close_refused(&request, LTY_E_MEMBER_NOT_FOUND, NULL);
    request.member_id = member_id;
    lty_ops_close_result_t result;
    assert_int_equal(close_with(&request, &result), 0); /* the reason at its max */
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(strlen(entry.reference), strlen("cash: ") + 200); /* the reason's head */
    close_refused(&request, LTY_E_ACCOUNT_CLOSED, NULL);
}

static void test_member_closed_refuses_every_use_with_account_closed(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &sold), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    store_digest_t before = store_digest();
    lty_store_txn_t *txn = read_begin();
    lty_ops_card_view_t view;
    assert_int_equal(lty_ops_card_lookup(txn, card.card_no, NOW, &view), LTY_E_ACCOUNT_CLOSED);
    lty_store_txn_abort(txn);
    assert_int_equal(sale(card.card_no, "R2", 1000, 0, NOW, &sold), LTY_E_ACCOUNT_CLOSED);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 100, NOW, &balances), LTY_E_ACCOUNT_CLOSED);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 5, NOW, &adjusted), LTY_E_ACCOUNT_CLOSED);
    lty_card_t fresh;
    txn = write_begin();
    assert_int_equal(lty_ops_card_issue(txn, &operator_actor, &programme, NOW, member_id, &fresh),
                     LTY_E_ACCOUNT_CLOSED);
    lty_store_txn_abort(txn);
    static lty_ops_return_t request;
    static lty_ops_return_result_t returned;
    memset(&request, 0, sizeof(request));
    request.sale_id = sold.sale_id;
    txn = write_begin();
    assert_int_equal(
        lty_ops_return(txn, &till_actor, &programme, NOW, &request, &returned, NULL),
        LTY_E_ACCOUNT_CLOSED);
    assert_int_equal(lty_ops_void(txn, &till_actor, &programme, NOW, sold.sale_id, &returned, NULL),
                     LTY_E_ACCOUNT_CLOSED);
    lty_store_txn_abort(txn);
    assert_int_equal(member_close(member_id, NOW, &closed), LTY_E_ACCOUNT_CLOSED);
    assert_unchanged(&before);
    txn = read_begin(); /* the operator may still read the member and its journal */
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    static lty_ops_journal_page_t page;
    assert_int_equal(lty_ops_journal_page(txn, member_id, 0, 10, &page), 0);
    assert_int_equal(page.entries_count, 2);
    lty_store_txn_abort(txn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_member_close_pays_out_forfeits_and_blocks_every_card),
        DOMAIN_TEST(test_member_close_with_nothing_or_a_debt_still_writes_its_entry),
        DOMAIN_TEST(test_member_close_erases_personal_data_and_frees_the_phone),
        DOMAIN_TEST(test_member_close_refusals_change_nothing),
        DOMAIN_TEST(test_member_closed_refuses_every_use_with_account_closed),
    };
    return cmocka_run_group_tests_name("ops_close", tests, NULL, NULL);
}
