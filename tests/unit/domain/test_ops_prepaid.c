/* tests/unit/domain/test_ops_prepaid.c
 * Goal: a top-up (lty_ops_topup), at a till (the card scanned) or by an operator (the member
 * named, with a reason and an audit record), posts one TOPUP entry (member-prepaid +, cash-in or
 * bank-card-in -) and refuses, changing nothing: a wrong tender, an amount outside
 * 1..LTY_PREPAID_CENTS_PER_TXN_MAX, a missing or oversized reason, the programme's single top-up
 * maximum (topup_limit) and balance maximum (prepaid_balance_limit) at max + 1, each card and
 * member state. The tender side of a sale (ops_prepaid.c, through lty_ops_sale) pays from
 * prepaid, refuses tenders that do not add up (tender_mismatch) and more prepaid than the
 * balance (insufficient_funds).
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

static int topup_with(const lty_actor_t *actor, const lty_ops_topup_t *request,
                      lty_ops_balances_t *result_out)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn,
                  lty_ops_topup(txn, actor, &programme, NOW, request, result_out, &diag));
}

static void topup_refused(const lty_actor_t *actor, const lty_ops_topup_t *request, int err,
                          const char *field)
{
    store_digest_t before = store_digest();
    lty_ops_balances_t result;
    assert_int_equal(topup_with(actor, request, &result), err);
    if (field != NULL) assert_string_equal(diag.field, field);
    assert_unchanged(&before);
}

static void sale_tendered_refused(int err)
{
    store_digest_t before = store_digest();
    lty_ops_sale_result_t result;
    assert_int_equal(sale_submit(NOW, &result), err);
    assert_unchanged(&before);
}

/* ---- Top-ups ---------------------------------------------------------------------------- */

static void test_topup_at_a_till_posts_cash_or_bank_card_in(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    uint64_t audits = count_of(LTY_DB_AUDIT);
    lty_ops_balances_t result;
    assert_int_equal(topup(card.card_no, 10000, NOW, &result), 0);
    assert_int_equal(result.member_id, member_id);
    assert_int_equal(result.prepaid_cents, 10000);
    assert_int_equal(result.points_balance, 0);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_TOPUP);
    assert_string_equal(entry.principal, "till:S001/T01");
    assert_string_equal(entry.store, "S001");
    assert_string_equal(entry.till, "T01");
    assert_string_equal(entry.reference, "cash");
    assert_int_equal(entry.postings_count, 2);
    assert_int_equal(entry.postings[0].account_kind, LTY_ACCOUNT_MEMBER_PREPAID);
    assert_int_equal(entry.postings[0].amount, 10000);
    assert_int_equal(entry.postings[1].account_kind, LTY_ACCOUNT_CASH_IN);
    assert_int_equal(entry.postings[1].amount, -10000);
    lty_ops_topup_t request = {.amount_cents = 2500, .tender = LTY_TENDER_BANK_CARD};
    strcpy(request.card_no, card.card_no);
    assert_int_equal(topup_with(&till_actor, &request, &result), 0);
    assert_int_equal(result.prepaid_cents, 12500);
    entry_get(result.entry_id, &entry);
    assert_string_equal(entry.reference, "bank_card");
    assert_int_equal(entry.postings[1].account_kind, LTY_ACCOUNT_BANK_CARD_IN);
    assert_int_equal(count_of(LTY_DB_AUDIT), audits); /* a till's top-up is in the journal only */
    assert_int_equal(prepaid_of(member_id), 12500);
    assert_sound();
}

static void test_topup_by_an_operator_needs_a_reason_and_is_audited(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_ops_topup_t request = {.member_id = member_id, .amount_cents = 3000,
                               .tender = LTY_TENDER_CASH};
    strcpy(request.reason, "refund of a complaint");
    lty_ops_balances_t result;
    assert_int_equal(topup_with(&operator_actor, &request, &result), 0);
    assert_int_equal(result.prepaid_cents, 3000);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_string_equal(entry.reference, "refund of a complaint");
    assert_string_equal(entry.principal, "operator:alice");
    assert_string_equal(entry.store, "");
    assert_string_equal(last_audit_of(member_id)->action, "prepaid.topup");
    assert_string_equal(last_audit_of(member_id)->detail, "+3000 cents: refund of a complaint");
    request.reason[0] = '\0';
    topup_refused(&operator_actor, &request, LTY_E_INVALID_FIELD, "/reason");
    memset(request.reason, 'r', sizeof(request.reason)); /* LTY_REASON_BYTES_MAX + 1 */
    topup_refused(&operator_actor, &request, LTY_E_INVALID_FIELD, "/reason");
    request.reason[LTY_REASON_BYTES_MAX] = '\0';
    assert_int_equal(topup_with(&operator_actor, &request, &result), 0);
    request.member_id = member_id + 1;
    topup_refused(&operator_actor, &request, LTY_E_MEMBER_NOT_FOUND, NULL);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    request.member_id = member_id;
    topup_refused(&operator_actor, &request, LTY_E_ACCOUNT_CLOSED, NULL);
}

static void test_topup_amount_tender_and_card_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_topup_t request = {.amount_cents = 100, .tender = LTY_TENDER_PREPAID};
    strcpy(request.card_no, card.card_no);
    topup_refused(&till_actor, &request, LTY_E_INVALID_FIELD, "/tender");
    request.tender = 0;
    topup_refused(&till_actor, &request, LTY_E_INVALID_FIELD, "/tender");
    request.tender = LTY_TENDER_CASH;
    request.amount_cents = 0;
    topup_refused(&till_actor, &request, LTY_E_INVALID_FIELD, "/amount_cents");
    request.amount_cents = -100;
    topup_refused(&till_actor, &request, LTY_E_INVALID_FIELD, "/amount_cents");
    request.amount_cents = LTY_PREPAID_CENTS_PER_TXN_MAX + 1;
    topup_refused(&till_actor, &request, LTY_E_INVALID_FIELD, "/amount_cents");
    request.amount_cents = 100;
    strcpy(request.card_no, "4111111111111112");
    topup_refused(&till_actor, &request, LTY_E_INVALID_CARD_NO, NULL);
    strcpy(request.card_no, "4111111111111111");
    topup_refused(&till_actor, &request, LTY_E_CARD_NOT_FOUND, NULL);
    strcpy(request.card_no, card.card_no);
    card_status_set(&card, LTY_CARD_LOST);
    topup_refused(&till_actor, &request, LTY_E_CARD_LOST, NULL);
    card_status_set(&card, LTY_CARD_ACTIVE);
    lty_ops_balances_t result;
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin(); /* expired by date */
    assert_int_equal(finish(txn, lty_ops_topup(txn, &till_actor, &programme, card.expires_ms,
                                               &request, &result, NULL)),
                     LTY_E_CARD_EXPIRED);
    static lty_ops_card_batch_t batch;
    txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_card_batch(txn, &operator_actor, &programme, NOW, 1, &batch)), 0);
    strcpy(request.card_no, batch.cards[0]);
    topup_refused(&till_actor, &request, LTY_E_CARD_NOT_ACTIVATED, NULL);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    strcpy(request.card_no, card.card_no);
    topup_refused(&till_actor, &request, LTY_E_ACCOUNT_CLOSED, NULL);
}

static void test_topup_programme_limits_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_topup_t request = {.amount_cents = programme.topup_cents_max + 1,
                               .tender = LTY_TENDER_CASH};
    strcpy(request.card_no, card.card_no);
    topup_refused(&till_actor, &request, LTY_E_TOPUP_LIMIT, "/amount_cents");
    lty_ops_balances_t result;
    assert_int_equal(topup(card.card_no, programme.topup_cents_max, NOW, &result), 0);
    assert_int_equal(topup(card.card_no, programme.topup_cents_max, NOW, &result), 0);
    int64_t left = programme.prepaid_balance_cents_max - result.prepaid_cents;
    request.amount_cents = left + 1;
    topup_refused(&till_actor, &request, LTY_E_PREPAID_BALANCE_LIMIT, "/amount_cents");
    assert_int_equal(topup(card.card_no, left, NOW, &result), 0); /* the balance at its max */
    assert_int_equal(result.prepaid_cents, programme.prepaid_balance_cents_max);
    request.amount_cents = 1;
    topup_refused(&till_actor, &request, LTY_E_PREPAID_BALANCE_LIMIT, NULL);
    assert_sound();
}

static void test_topup_ledger_limits_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    prepaid_to_ledger_max(card.card_no); /* top-ups of LTY_PREPAID_CENTS_PER_TXN_MAX: the max */
    assert_int_equal(prepaid_of(member_id), LTY_PREPAID_BALANCE_CENTS_MAX);
    lty_ops_topup_t request = {.amount_cents = 1, .tender = LTY_TENDER_BANK_CARD};
    strcpy(request.card_no, card.card_no);
    topup_refused(&till_actor, &request, LTY_E_PREPAID_BALANCE_LIMIT, NULL);
    assert_sound();
}

/* ---- The tender side of a sale ---------------------------------------------------------- */

static void test_sale_paid_from_prepaid_posts_to_the_float(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 5000, NOW, &balances), 0);
    lty_ops_sale_result_t result;
    assert_int_equal(sale(card.card_no, "R0", 10000, 0, NOW, &result), 0); /* 100 points */
    /* 30.00 basket, 20 points off (0.20): 29.80 left, 10.00 cash and 19.80 prepaid. */
    sale_request_fill(card.card_no, "R1", 3000, 20);
    sale_request.tenders_count = 2;
    sale_request.tenders[0] = (lty_sale_tender_t){.type = LTY_TENDER_CASH, .amount_cents = 1000};
    sale_request.tenders[1] = (lty_sale_tender_t){.type = LTY_TENDER_PREPAID,
                                                  .amount_cents = 1980};
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.prepaid_cents, 5000 - 1980);
    lty_journal_entry_t entry;
    entry_get(result.sale_id, &entry);
    assert_int_equal(entry.postings_count, 6); /* redeem, earn, prepaid pairs */
    assert_int_equal(entry.postings[4].account_kind, LTY_ACCOUNT_MEMBER_PREPAID);
    assert_int_equal(entry.postings[4].amount, -1980);
    assert_int_equal(entry.postings[5].account_kind, LTY_ACCOUNT_PREPAID_FLOAT);
    assert_int_equal(entry.postings[5].amount, 1980);
    static lty_sale_t record;
    sale_record_get(result.sale_id, &record);
    assert_int_equal(record.tenders_count, 2);
    assert_int_equal(record.tenders[1].type, LTY_TENDER_PREPAID);
    assert_int_equal(record.tenders[1].amount_cents, 1980);
    /* The whole balance, exactly. */
    sale_request_fill(card.card_no, "R2", 3020, 0);
    sale_request.tenders_count = 1;
    sale_request.tenders[0] = (lty_sale_tender_t){.type = LTY_TENDER_PREPAID,
                                                  .amount_cents = 3020};
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.prepaid_cents, 0);
    assert_int_equal(prepaid_of(member_id), 0);
    assert_sound();
}

static void test_sale_tenders_that_do_not_add_up_or_exceed_prepaid_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 1000, NOW, &balances), 0);
    sale_request_fill(card.card_no, "R1", 2000, 0);
    sale_request.tenders_count = 2;
    sale_request.tenders[0] = (lty_sale_tender_t){.type = LTY_TENDER_CASH, .amount_cents = 1000};
    sale_request.tenders[1] = (lty_sale_tender_t){.type = LTY_TENDER_PREPAID,
                                                  .amount_cents = 999};
    sale_tendered_refused(LTY_E_TENDER_MISMATCH); /* one short */
    sale_request.tenders[1].amount_cents = 1001;
    sale_tendered_refused(LTY_E_TENDER_MISMATCH); /* one over */
    sale_request.tenders[0].amount_cents = 999;
    sale_tendered_refused(LTY_E_INSUFFICIENT_FUNDS); /* adds up, but prepaid is 10.00 */
    sale_request.tenders[0].amount_cents = 1000;
    sale_request.tenders[1].amount_cents = 1000;
    lty_ops_sale_result_t result;
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.prepaid_cents, 0);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_topup_at_a_till_posts_cash_or_bank_card_in),
        DOMAIN_TEST(test_topup_by_an_operator_needs_a_reason_and_is_audited),
        DOMAIN_TEST(test_topup_amount_tender_and_card_refusals_change_nothing),
        DOMAIN_TEST(test_topup_programme_limits_at_max_and_over),
        DOMAIN_TEST(test_topup_ledger_limits_at_max_and_over),
        DOMAIN_TEST(test_sale_paid_from_prepaid_posts_to_the_float),
        DOMAIN_TEST(test_sale_tenders_that_do_not_add_up_or_exceed_prepaid_change_nothing),
    };
    return cmocka_run_group_tests_name("ops_prepaid", tests, NULL, NULL);
}
