/* tests/unit/domain/test_ops_adjust.c
 * Goal: an operator's adjustment or bonus (lty_ops_adjust) posts one balanced entry against
 * points-adjusted, credits a lot expiring after the programme's lot days or debits lots
 * soonest-expiring first, audits it, and refuses (points 0 or beyond +-LTY_POINTS_PER_TXN_MAX, a
 * negative bonus, a reason of 0 or LTY_REASON_BYTES_MAX + 1 bytes, a missing or closed member,
 * a balance that would go below zero or above LTY_POINTS_BALANCE_MAX) without changing anything.
 * Method: a temporary store per test (domain_fixture.c); a digest of the whole store before and
 * after every refusal; the ledger verifier after each test. */
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

static int adjust_with(const lty_ops_adjust_t *request, lty_ops_adjust_result_t *result_out)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_adjust(txn, &operator_actor, &programme, NOW, request, result_out,
                                      &diag));
}

static void adjust_refused(const lty_ops_adjust_t *request, int err)
{
    store_digest_t before = store_digest();
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust_with(request, &result), err);
    assert_unchanged(&before);
}

static void test_adjust_credits_lots_and_debits_soonest_first(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust(member_id, 100, NOW + 10 * DAY, &result), 0); /* expires later */
    assert_int_equal(adjust(member_id, 50, NOW, &result), 0);             /* expires sooner */
    assert_int_equal(result.points_balance, 150);
    assert_int_equal(adjust(member_id, -60, NOW, &result), 0);
    assert_int_equal(result.points_balance, 90);
    /* The sooner lot (50) is empty, the later one holds 90. */
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    lty_key_t key;
    lty_key_lot(&key, member_id, NOW + 730 * DAY, 2);
    lty_bytes_t value;
    lty_lot_t lot;
    assert_int_equal(lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value), 0);
    assert_int_equal(lty_record_lot_decode(value, &lot), 0);
    assert_int_equal(lot.points_remaining, 0);
    lty_store_txn_abort(txn);
    assert_int_equal(adjust(member_id, -91, NOW, &result), LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(points_of(member_id), 90);
    assert_int_equal(adjust(member_id, -90, NOW, &result), 0);
    assert_int_equal(result.points_balance, 0);
    assert_int_equal(adjust(member_id, 0, NOW, &result), LTY_E_INVALID_FIELD);
    assert_int_equal(adjust(member_id, LTY_POINTS_PER_TXN_MAX, NOW, &result), 0);
    assert_int_equal(adjust(member_id, LTY_POINTS_PER_TXN_MAX + 1, NOW, &result),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(adjust(999, 5, NOW, &result), LTY_E_MEMBER_NOT_FOUND);
    assert_sound();
}

static void test_adjust_and_bonus_post_an_entry_a_lot_and_an_audit(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_ops_adjust_t request = {.member_id = member_id, .points = 300, .bonus = true};
    strcpy(request.reason, "birthday");
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust_with(&request, &result), 0);
    assert_int_equal(result.points_balance, 300);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_BONUS);
    assert_int_equal(entry.member_id, member_id);
    assert_string_equal(entry.principal, "operator:alice");
    assert_string_equal(entry.reference, "birthday");
    assert_string_equal(entry.store, "");
    assert_int_equal(entry.postings_count, 2);
    assert_int_equal(entry.postings[0].account_kind, LTY_ACCOUNT_MEMBER_POINTS);
    assert_int_equal(entry.postings[0].amount, 300);
    assert_int_equal(entry.postings[1].account_kind, LTY_ACCOUNT_POINTS_ADJUSTED);
    assert_int_equal(entry.postings[1].amount, -300);
    lty_store_txn_t *txn = read_begin();
    lty_key_t key;
    lty_key_lot(&key, member_id, NOW + programme.points_lot_days * DAY, result.entry_id);
    lty_bytes_t value;
    assert_int_equal(lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value), 0);
    lty_store_txn_abort(txn);
    assert_string_equal(last_audit_of(member_id)->action, "bonus");
    assert_string_equal(last_audit_of(member_id)->detail, "+300 points: birthday");
    request.bonus = false;
    request.points = -120;
    strcpy(request.reason, "correction");
    assert_int_equal(adjust_with(&request, &result), 0);
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_ADJUST);
    assert_string_equal(last_audit_of(member_id)->action, "adjust");
    assert_string_equal(last_audit_of(member_id)->detail, "-120 points: correction");
    assert_int_equal(points_of(member_id), 180);
    assert_sound();
}

static void test_adjust_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    uint64_t closed_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    assert_int_equal(member_create("李伟", "+8613800138002", &closed_id), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(closed_id, NOW, &closed), 0);
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust(member_id, 40, NOW, &result), 0);
    lty_ops_adjust_t request = {.member_id = member_id, .points = 10};
    strcpy(request.reason, "x");
    request.points = 0;
    adjust_refused(&request, LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/points");
    request.points = -LTY_POINTS_PER_TXN_MAX - 1;
    adjust_refused(&request, LTY_E_INVALID_FIELD);
    request.points = -5;
    request.bonus = true;
    adjust_refused(&request, LTY_E_INVALID_FIELD); /* a bonus is positive */
    request.bonus = false;
    request.points = -41;
    adjust_refused(&request, LTY_E_INSUFFICIENT_POINTS);
    request.points = 10;
    request.reason[0] = '\0';
    adjust_refused(&request, LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/reason");
    memset(request.reason, 'r', sizeof(request.reason)); /* LTY_REASON_BYTES_MAX + 1 */
    adjust_refused(&request, LTY_E_INVALID_FIELD);
    request.reason[LTY_REASON_BYTES_MAX] = '\0'; /* the max is taken */
    assert_int_equal(adjust_with(&request, &result), 0);
    request.member_id = 0;
    adjust_refused(&request, LTY_E_MEMBER_NOT_FOUND);
    request.member_id = closed_id;
    adjust_refused(&request, LTY_E_ACCOUNT_CLOSED);
    /* A debit of the whole per-transaction maximum. */
    request.member_id = member_id;
    request.points = LTY_POINTS_PER_TXN_MAX;
    assert_int_equal(adjust_with(&request, &result), 0);
    request.points = -LTY_POINTS_PER_TXN_MAX;
    assert_int_equal(adjust_with(&request, &result), 0);
    assert_int_equal(result.points_balance, 50);
    assert_sound();
}

static void test_adjust_points_balance_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    points_grant(member_id, LTY_POINTS_BALANCE_MAX - 3);
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust(member_id, 3, NOW, &result), 0);
    assert_int_equal(result.points_balance, LTY_POINTS_BALANCE_MAX);
    lty_ops_adjust_t request = {.member_id = member_id, .points = 1};
    strcpy(request.reason, "one more");
    adjust_refused(&request, LTY_E_POINTS_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_adjust_credits_lots_and_debits_soonest_first),
        DOMAIN_TEST(test_adjust_and_bonus_post_an_entry_a_lot_and_an_audit),
        DOMAIN_TEST(test_adjust_refusals_change_nothing),
        DOMAIN_TEST(test_adjust_points_balance_at_max_and_over),
    };
    return cmocka_run_group_tests_name("ops_adjust", tests, NULL, NULL);
}
