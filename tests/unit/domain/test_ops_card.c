/* tests/unit/domain/test_ops_card.c
 * Goal: issuing a card (lty_ops_card_issue) mints a new Luhn number from the card sequence,
 * valid for the programme's days, audited, and refuses a missing or closed member, a member at
 * LTY_CARDS_PER_MEMBER_MAX cards and a spent sequence without changing anything; the till's
 * look-up (lty_ops_card_lookup) shows any status with the member's balances; the usable rule
 * (lty_ops_card_usable) maps each status and the expiry date to its refusal.
 * Method: a temporary store per test (domain_fixture.c); a digest of the whole store before and
 * after every refusal; the ledger verifier after each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static int issue(uint64_t member_id, lty_card_t *card_out)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn,
                  lty_ops_card_issue(txn, &operator_actor, &programme, NOW, member_id, card_out));
}

static int lookup(const char *card_no, int64_t now_ms, lty_ops_card_view_t *view_out)
{
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_card_lookup(txn, card_no, now_ms, view_out);
    lty_store_txn_abort(txn);
    return err;
}

static void issue_refused(uint64_t member_id, int err)
{
    store_digest_t before = store_digest();
    lty_card_t card;
    assert_int_equal(issue(member_id, &card), err);
    assert_unchanged(&before);
}

static void test_card_issue_mints_luhn_numbers_and_lookup_shows_the_member(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t first;
    lty_card_t second;
    member_with_card("+8613800138001", &member_id, &first);
    card_issue(member_id, &second);
    assert_int_equal(lty_card_no_check(first.card_no, strlen(first.card_no)), 0);
    assert_int_equal(strncmp(first.card_no, "88", 2), 0);
    assert_string_not_equal(first.card_no, second.card_no);
    assert_true(first.expires_ms == NOW + 1095 * DAY);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    lty_ops_card_view_t view;
    assert_int_equal(lty_ops_card_lookup(txn, first.card_no, NOW, &view), 0);
    assert_int_equal(view.member_id, member_id);
    assert_string_equal(view.name, "王芳");
    assert_int_equal(view.card_status, LTY_CARD_ACTIVE);
    assert_false(view.expired);
    assert_int_equal(view.points, 0);
    assert_int_equal(lty_ops_card_lookup(txn, "4111111111111111", NOW, &view),
                     LTY_E_CARD_NOT_FOUND);
    assert_int_equal(lty_ops_card_lookup(txn, "4111111111111112", NOW, &view),
                     LTY_E_INVALID_CARD_NO);
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_int_equal(member_view.cards_count, 2);
    assert_int_equal(lty_ops_member_get(txn, 99, &member_view), LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
    txn = write_begin();
    lty_card_t none;
    assert_int_equal(lty_ops_card_issue(txn, &operator_actor, &programme, NOW, 99, &none),
                     LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
    assert_sound();
}

static void test_card_issue_stores_the_card_and_its_audit(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    programme.card_valid_days = 30;
    lty_card_t card;
    assert_int_equal(issue(member_id, &card), 0);
    assert_int_equal(card.member_id, member_id);
    assert_int_equal(card.status, LTY_CARD_ACTIVE);
    assert_true(card.issued_ms == NOW && card.status_ms == NOW);
    assert_true(card.expires_ms == NOW + 30 * DAY);
    assert_string_equal(card.replaced_by, "");
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_int_equal(member_view.cards_count, 1);
    assert_memory_equal(&member_view.cards[0], &card, sizeof(card));
    lty_store_txn_abort(txn);
    assert_string_equal(last_audit_of(member_id)->action, "card.issue");
    assert_non_null(strstr(last_audit_of(member_id)->detail, card.card_no));
    assert_sound();
}

static void test_card_issue_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    issue_refused(0, LTY_E_MEMBER_NOT_FOUND);
    issue_refused(member_id + 1, LTY_E_MEMBER_NOT_FOUND);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    issue_refused(member_id, LTY_E_ACCOUNT_CLOSED);
}

static void test_card_issue_cards_per_member_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_card_t card;
    for (int index = 0; index < LTY_CARDS_PER_MEMBER_MAX; index++) {
        assert_int_equal(issue(member_id, &card), 0);
    }
    issue_refused(member_id, LTY_E_INVALID_FIELD);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_int_equal(member_view.cards_count, LTY_CARDS_PER_MEMBER_MAX);
    lty_store_txn_abort(txn);
}

static void sequence_set(uint64_t next)
{
    uint8_t bytes[8];
    lty_record_u64_encode(next, bytes);
    lty_key_t key;
    lty_key_text(&key, LTY_META_CARD_SEQUENCE);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                                   (lty_bytes_t){.data = bytes, .size = sizeof(bytes)}),
                     0);
    assert_int_equal(finish(txn, 0), 0);
}

static void test_card_issue_last_number_of_the_sequence_then_spent(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    /* Prefix "88": 16 digits = prefix, 13 sequence digits, check digit. */
    uint64_t space = 1;
    for (size_t digit = 0; digit < LTY_CARD_NO_MINTED_DIGITS - 1 - 2; digit++) space *= 10;
    sequence_set(space - 1);
    lty_card_t card;
    assert_int_equal(issue(member_id, &card), 0);
    assert_int_equal(lty_card_no_check(card.card_no, strlen(card.card_no)), 0);
    issue_refused(member_id, LTY_E_INVALID_FIELD);
    assert_sound();
}

static void test_card_lookup_shows_balances_status_and_expiry(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 321, NOW, &adjusted), 0);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 4500, NOW, &balances), 0);
    lty_ops_card_view_t view;
    assert_int_equal(lookup(card.card_no, NOW, &view), 0);
    assert_string_equal(view.card_no, card.card_no);
    assert_int_equal(view.points, 321);
    assert_int_equal(view.prepaid_cents, 4500);
    assert_int_equal(lookup(card.card_no, card.expires_ms - 1, &view), 0);
    assert_true(view.expires_ms == card.expires_ms);
    assert_false(view.expired);
    /* The card outlives the points' lot (730 days): points past their expiry are not shown. */
    assert_int_equal(view.points, 0);
    assert_int_equal(view.prepaid_cents, 4500);
    assert_int_equal(lookup(card.card_no, card.expires_ms, &view), 0); /* a look-up never refuses */
    assert_true(view.expired);
    card_status_set(&card, LTY_CARD_LOST); /* a lost card is shown, with its status */
    assert_int_equal(lookup(card.card_no, NOW, &view), 0);
    assert_int_equal(view.card_status, LTY_CARD_LOST);
    assert_int_equal(view.points, 321);
    /* An unassigned card names no member. */
    static lty_ops_card_batch_t batch;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_card_batch(txn, &operator_actor, &programme, NOW, 1, &batch)), 0);
    assert_int_equal(lookup(batch.cards[0], NOW, &view), 0);
    assert_int_equal(view.card_status, LTY_CARD_UNASSIGNED);
    assert_int_equal(view.member_id, 0);
    assert_string_equal(view.name, "");
    /* A closed member's card answers account_closed. */
    card_status_set(&card, LTY_CARD_ACTIVE);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    assert_int_equal(lookup(card.card_no, NOW, &view), LTY_E_ACCOUNT_CLOSED);
    assert_int_equal(lookup("12345678901", NOW, &view), LTY_E_INVALID_CARD_NO); /* 11 digits */
    assert_sound();
}

static void test_card_usable_by_status_and_date(void **state)
{
    (void)state;
    assert_int_equal(lty_ops_card_usable(LTY_CARD_ACTIVE, NOW + 1, NOW), 0);
    assert_int_equal(lty_ops_card_usable(LTY_CARD_ACTIVE, NOW, NOW), LTY_E_CARD_EXPIRED);
    assert_int_equal(lty_ops_card_usable(LTY_CARD_LOST, NOW + DAY, NOW), LTY_E_CARD_LOST);
    assert_int_equal(lty_ops_card_usable(LTY_CARD_REPLACED, NOW + DAY, NOW), LTY_E_CARD_REPLACED);
    assert_int_equal(lty_ops_card_usable(LTY_CARD_EXPIRED, NOW + DAY, NOW), LTY_E_CARD_EXPIRED);
    assert_int_equal(lty_ops_card_usable(LTY_CARD_CLOSED, NOW + DAY, NOW), LTY_E_CARD_CLOSED);
    assert_int_equal(lty_ops_card_usable(LTY_CARD_UNASSIGNED, NOW + DAY, NOW),
                     LTY_E_CARD_NOT_ACTIVATED);
    assert_int_equal(lty_ops_card_usable(99, NOW + DAY, NOW), LTY_E_CARD_NOT_ACTIVATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_card_issue_mints_luhn_numbers_and_lookup_shows_the_member),
        DOMAIN_TEST(test_card_issue_stores_the_card_and_its_audit),
        DOMAIN_TEST(test_card_issue_refusals_change_nothing),
        DOMAIN_TEST(test_card_issue_cards_per_member_at_max_and_over),
        DOMAIN_TEST(test_card_issue_last_number_of_the_sequence_then_spent),
        DOMAIN_TEST(test_card_lookup_shows_balances_status_and_expiry),
        cmocka_unit_test(test_card_usable_by_status_and_date),
    };
    return cmocka_run_group_tests_name("ops_card", tests, NULL, NULL);
}
