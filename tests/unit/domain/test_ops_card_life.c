/* tests/unit/domain/test_ops_card_life.c
 * Goal: a card's life after issue keeps its documented rules: printed batches
 * (lty_ops_card_batch, 1..LTY_CARD_BATCH_MAX unassigned numbers from the sequence), activation at
 * the first scan (lty_ops_card_activate: link to the phone's member or enrol one), lost
 * (lty_ops_card_lost: at once, again changes nothing), replace (lty_ops_card_replace: a new
 * number, the old one blocked for ever, balances stay), extend (lty_ops_card_extend: 1..
 * LTY_PROGRAMME_DAYS_MAX days from the later of now and the expiry) and extension on activity;
 * every refusal changes nothing.
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

static lty_ops_card_batch_t batch;
static lty_diag_t diag;

static int batch_mint(size_t count)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_card_batch(txn, &operator_actor, &programme, NOW, count, &batch));
}

static int activate(const char *card_no, const char *phone, const char *name, lty_card_t *card_out,
                    bool *created_out)
{
    lty_ops_card_activate_t request;
    memset(&request, 0, sizeof(request));
    snprintf(request.card_no, sizeof(request.card_no), "%s", card_no);
    snprintf(request.phone, sizeof(request.phone), "%s", phone);
    /* memcpy, not snprintf: a name of LTY_NAME_BYTES_MAX + 1 bytes fills the field unterminated */
    size_t name_size = strlen(name);
    memcpy(request.name, name, name_size < sizeof(request.name) ? name_size : sizeof(request.name));
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_card_activate(txn, &till_actor, &programme, NOW + DAY, &request,
                                             card_out, created_out, &diag));
}

static int lost(const char *card_no, const char *reason, lty_card_t *card_out)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_card_lost(txn, &operator_actor, NOW + DAY, card_no, reason,
                                         card_out));
}

static int replace(const char *card_no, lty_card_t *old_out, lty_card_t *new_out)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_card_replace(txn, &operator_actor, &programme, NOW + DAY, card_no,
                                            old_out, new_out));
}

static int extend(const char *card_no, int64_t now_ms, int64_t days, lty_card_t *card_out)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn,
                  lty_ops_card_extend(txn, &operator_actor, now_ms, card_no, days, card_out));
}

/* The member's newest audit record is action, from old_value to new_value. */
static void assert_last_change(uint64_t member_id, const char *action, const char *old_value,
                               const char *new_value)
{
    const lty_audit_t *audit = last_audit_of(member_id);
    assert_string_equal(audit->action, action);
    assert_string_equal(audit->old_value, old_value);
    assert_string_equal(audit->new_value, new_value);
}

/* A fresh member's card in status (for the card-state refusals of lost, replace and extend). */
static void card_of_status(uint8_t status, lty_card_t *card_out)
{
    static unsigned int phones = 0;
    char phone[LTY_PHONE_BYTES_MAX + 1];
    snprintf(phone, sizeof(phone), "+86137%08u", ++phones % 100000000u);
    uint64_t member_id = 0;
    member_with_card(phone, &member_id, card_out);
    lty_card_t old_card, fresh; /* a replaced card names its successor: really replace it */
    if (status == LTY_CARD_REPLACED) {
        assert_int_equal(replace(card_out->card_no, &old_card, &fresh), 0);
        *card_out = old_card;
    } else {
        card_status_set(card_out, status);
    }
}

/* ---- Batches ---------------------------------------------------------------------------- */

static void test_card_batch_mints_unassigned_numbers_at_max_and_over(void **state)
{
    (void)state;
    assert_int_equal(batch_mint(3), 0);
    assert_int_equal(batch.cards_count, 3);
    lty_store_txn_t *txn = read_begin();
    for (size_t index = 0; index < 3; index++) {
        assert_int_equal(lty_card_no_check(batch.cards[index], strlen(batch.cards[index])), 0);
        lty_ops_card_view_t view;
        assert_int_equal(lty_ops_card_lookup(txn, batch.cards[index], NOW, &view), 0);
        assert_int_equal(view.card_status, LTY_CARD_UNASSIGNED);
        assert_int_equal(view.member_id, 0);
    }
    lty_store_txn_abort(txn);
    assert_string_not_equal(batch.cards[0], batch.cards[1]);
    assert_int_equal(count_of(LTY_DB_CARDS), 3);
    store_digest_t before = store_digest();
    assert_int_equal(batch_mint(0), LTY_E_INVALID_FIELD);
    assert_int_equal(batch_mint(LTY_CARD_BATCH_MAX + 1), LTY_E_INVALID_FIELD);
    assert_unchanged(&before);
    char first[LTY_CARD_NO_SIZE];
    memcpy(first, batch.cards[0], sizeof(first));
    assert_int_equal(batch_mint(LTY_CARD_BATCH_MAX), 0);
    assert_int_equal(batch.cards_count, LTY_CARD_BATCH_MAX);
    assert_int_equal(count_of(LTY_DB_CARDS), 3 + LTY_CARD_BATCH_MAX);
    for (size_t index = 0; index < LTY_CARD_BATCH_MAX; index++) {
        assert_string_not_equal(batch.cards[index], first); /* the sequence moved on */
    }
    assert_int_equal(count_of(LTY_DB_AUDIT), 3 + 2); /* setup's 3, one per batch */
    assert_sound();
}

/* ---- Activation ------------------------------------------------------------------------- */

static void test_card_activate_links_the_phone_member_or_enrols_one(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t main_card;
    member_with_card("+8613800138001", &member_id, &main_card);
    assert_int_equal(batch_mint(2), 0);
    lty_card_t card;
    bool created = true;
    assert_int_equal(activate(batch.cards[0], "+8613800138001", "", &card, &created), 0);
    assert_false(created);
    assert_int_equal(card.member_id, member_id);
    assert_int_equal(card.status, LTY_CARD_ACTIVE);
    assert_true(card.expires_ms == NOW + DAY + programme.card_valid_days * DAY);
    assert_last_change(member_id, "card.activate", "unassigned", "active");
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_int_equal(member_view.cards_count, 2);
    lty_store_txn_abort(txn);
    assert_int_equal(activate(batch.cards[1], "+8613800138002", "李伟", &card, &created), 0);
    assert_true(created);
    assert_int_equal(card.member_id, member_id + 1);
    assert_int_equal(count_of(LTY_DB_MEMBERS), 2);
    lty_ops_sale_result_t sold; /* usable at once */
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW + DAY, &sold), 0);
    assert_int_equal(sold.member_id, member_id + 1);
    assert_sound();
}

static void activate_refused(const char *card_no, const char *phone, const char *name, int err)
{
    store_digest_t before = store_digest();
    lty_card_t card;
    bool created = false;
    assert_int_equal(activate(card_no, phone, name, &card, &created), err);
    assert_unchanged(&before);
}

static void test_card_activate_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t active;
    member_with_card("+8613800138001", &member_id, &active);
    assert_int_equal(batch_mint(1), 0);
    const char *fresh = batch.cards[0];
    activate_refused("4111111111111112", "+8613800138001", "", LTY_E_INVALID_CARD_NO);
    activate_refused(fresh, "+86138", "", LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/phone");
    activate_refused("4111111111111111", "+8613800138001", "", LTY_E_CARD_NOT_FOUND);
    activate_refused(active.card_no, "+8613800138001", "", LTY_E_CARD_ALREADY_ACTIVE);
    card_status_set(&active, LTY_CARD_LOST);
    activate_refused(active.card_no, "+8613800138001", "", LTY_E_CARD_ALREADY_ACTIVE);
    activate_refused(fresh, "+8613800138002", "", LTY_E_INVALID_FIELD); /* enrol needs a name */
    assert_string_equal(diag.field, "/name");
    char name[LTY_NAME_BYTES_MAX + 2];
    memset(name, 'n', sizeof(name));
    name[LTY_NAME_BYTES_MAX + 1] = '\0';
    activate_refused(fresh, "+8613800138002", name, LTY_E_INVALID_FIELD); /* name max + 1 */
    /* The phone's member holds LTY_CARDS_PER_MEMBER_MAX cards already. */
    for (int index = 1; index < LTY_CARDS_PER_MEMBER_MAX; index++) {
        lty_card_t more;
        card_issue(member_id, &more);
    }
    activate_refused(fresh, "+8613800138001", "", LTY_E_INVALID_FIELD);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    activate_refused(fresh, "+8613800138001", "", LTY_E_ACCOUNT_CLOSED);
    name[LTY_NAME_BYTES_MAX] = '\0'; /* a name at the max enrols */
    lty_card_t card;
    bool created = false;
    assert_int_equal(activate(fresh, "+8613800138002", name, &card, &created), 0);
    assert_true(created);
    assert_sound();
}

/* ---- Lost ------------------------------------------------------------------------------- */

static void test_card_lost_freezes_at_once_and_again_changes_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_card_t reported;
    assert_int_equal(lost(card.card_no, "stolen", &reported), 0);
    assert_int_equal(reported.status, LTY_CARD_LOST);
    assert_true(reported.status_ms == NOW + DAY);
    assert_last_change(member_id, "card.lost", "active", "stolen");
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW + DAY, &sold), LTY_E_CARD_LOST);
    store_digest_t before = store_digest();
    assert_int_equal(lost(card.card_no, "again", &reported), 0);
    assert_int_equal(reported.status, LTY_CARD_LOST);
    assert_unchanged(&before);
    /* A card expired by status may be reported lost too; no reason reads "lost". */
    lty_card_t expired;
    card_issue(member_id, &expired);
    card_status_set(&expired, LTY_CARD_EXPIRED);
    assert_int_equal(lost(expired.card_no, "", &reported), 0);
    assert_last_change(member_id, "card.lost", "expired", "lost");
    assert_sound();
}

static void test_card_lost_replace_extend_refusals_by_status_change_nothing(void **state)
{
    (void)state;
    static const struct {
        uint8_t status;
        int lost_err;
        int replace_err;
        int extend_err;
    } cases[] = {
        {LTY_CARD_REPLACED, LTY_E_CARD_REPLACED, LTY_E_CARD_REPLACED, LTY_E_CARD_REPLACED},
        {LTY_CARD_CLOSED, LTY_E_CARD_CLOSED, LTY_E_CARD_CLOSED, LTY_E_CARD_CLOSED},
        {LTY_CARD_LOST, 0, 0, LTY_E_CARD_LOST},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        lty_card_t card;
        card_of_status(cases[index].status, &card);
        store_digest_t before = store_digest();
        lty_card_t out, fresh;
        if (cases[index].lost_err != 0) {
            assert_int_equal(lost(card.card_no, "x", &out), cases[index].lost_err);
            assert_int_equal(replace(card.card_no, &out, &fresh), cases[index].replace_err);
        }
        assert_int_equal(extend(card.card_no, NOW, 10, &out), cases[index].extend_err);
        assert_unchanged(&before);
    }
    assert_int_equal(batch_mint(1), 0); /* unassigned */
    store_digest_t before = store_digest();
    lty_card_t out, fresh;
    assert_int_equal(lost(batch.cards[0], "x", &out), LTY_E_CARD_NOT_ACTIVATED);
    assert_int_equal(replace(batch.cards[0], &out, &fresh), LTY_E_CARD_NOT_ACTIVATED);
    assert_int_equal(extend(batch.cards[0], NOW, 10, &out), LTY_E_CARD_NOT_ACTIVATED);
    assert_int_equal(lost("4111111111111111", "x", &out), LTY_E_CARD_NOT_FOUND);
    assert_int_equal(replace("4111111111111111", &out, &fresh), LTY_E_CARD_NOT_FOUND);
    assert_int_equal(extend("4111111111111111", NOW, 10, &out), LTY_E_CARD_NOT_FOUND);
    assert_int_equal(lost("4111111111111112", "x", &out), LTY_E_INVALID_CARD_NO);
    assert_int_equal(replace("4111111111111112", &out, &fresh), LTY_E_INVALID_CARD_NO);
    assert_int_equal(extend("4111111111111112", NOW, 10, &out), LTY_E_INVALID_CARD_NO);
    assert_unchanged(&before);
}

/* ---- Replace ---------------------------------------------------------------------------- */

static void test_card_replace_blocks_the_old_number_for_ever_and_keeps_balances(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 5000, 0, NOW, &sold), 0);
    lty_card_t reported, old_card, fresh;
    assert_int_equal(lost(card.card_no, "lost on the bus", &reported), 0);
    assert_int_equal(replace(card.card_no, &old_card, &fresh), 0);
    assert_int_equal(old_card.status, LTY_CARD_REPLACED);
    assert_string_equal(old_card.replaced_by, fresh.card_no);
    assert_int_equal(fresh.status, LTY_CARD_ACTIVE);
    assert_int_equal(fresh.member_id, member_id);
    assert_string_not_equal(fresh.card_no, card.card_no);
    assert_last_change(member_id, "card.replace", card.card_no, fresh.card_no);
    lty_ops_card_view_t view;
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_card_lookup(txn, fresh.card_no, NOW + DAY, &view), 0);
    assert_int_equal(view.points, 50);
    lty_store_txn_abort(txn);
    assert_int_equal(sale(card.card_no, "R2", 1000, 0, NOW + DAY, &sold), LTY_E_CARD_REPLACED);
    assert_int_equal(sale(fresh.card_no, "R2", 1000, 0, NOW + DAY, &sold), 0);
    assert_int_equal(sold.points_balance, 60);
    store_digest_t before = store_digest(); /* blocked for ever: every action refuses */
    assert_int_equal(replace(card.card_no, &old_card, &fresh), LTY_E_CARD_REPLACED);
    assert_int_equal(lost(card.card_no, "", &reported), LTY_E_CARD_REPLACED);
    assert_int_equal(extend(card.card_no, NOW, 1, &reported), LTY_E_CARD_REPLACED);
    assert_unchanged(&before);
}

static void test_card_replace_of_a_member_at_the_card_limit_is_refused(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_card_t old_card, fresh;
    for (int index = 2; index < LTY_CARDS_PER_MEMBER_MAX; index++) card_issue(member_id, &fresh);
    assert_int_equal(replace(card.card_no, &old_card, &fresh), 0); /* the 16th card */
    store_digest_t before = store_digest();
    assert_int_equal(replace(fresh.card_no, &old_card, &fresh), LTY_E_INVALID_FIELD);
    assert_unchanged(&before);
}

/* ---- Extend ----------------------------------------------------------------------------- */

static void test_card_extend_days_at_max_and_over_from_the_later_date(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    store_digest_t before = store_digest();
    lty_card_t extended;
    assert_int_equal(extend(card.card_no, NOW, 0, &extended), LTY_E_INVALID_FIELD);
    assert_int_equal(extend(card.card_no, NOW, LTY_PROGRAMME_DAYS_MAX + 1, &extended),
                     LTY_E_INVALID_FIELD);
    assert_unchanged(&before);
    assert_int_equal(extend(card.card_no, NOW, 10, &extended), 0); /* from the expiry */
    assert_true(extended.expires_ms == card.expires_ms + 10 * DAY);
    const lty_audit_t *audit = last_audit_of(member_id);
    assert_string_equal(audit->action, "card.extend");
    assert_string_not_equal(audit->old_value, audit->new_value);
    int64_t late = extended.expires_ms + 5 * DAY; /* expired by date: from now */
    assert_int_equal(extend(card.card_no, late, LTY_PROGRAMME_DAYS_MAX, &extended), 0);
    assert_true(extended.expires_ms == late + LTY_PROGRAMME_DAYS_MAX * DAY);
    /* Expired by status: active again. */
    card_status_set(&extended, LTY_CARD_EXPIRED);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &sold), LTY_E_CARD_EXPIRED);
    assert_int_equal(extend(card.card_no, NOW, 1, &extended), 0);
    assert_int_equal(extended.status, LTY_CARD_ACTIVE);
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &sold), 0);
    assert_sound();
}

static void test_card_activity_extends_only_with_the_programme_rule(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    lty_ops_card_view_t view;
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW + 100 * DAY, &sold), 0);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_card_lookup(txn, card.card_no, NOW, &view), 0);
    lty_store_txn_abort(txn);
    assert_true(view.expires_ms == card.expires_ms); /* rule off: unchanged */
    programme.card_extend_on_activity = true;
    uint64_t audits_before = count_of(LTY_DB_AUDIT);
    assert_int_equal(sale(card.card_no, "R2", 1000, 0, NOW + 100 * DAY, &sold), 0);
    txn = read_begin();
    assert_int_equal(lty_ops_card_lookup(txn, card.card_no, NOW, &view), 0);
    lty_store_txn_abort(txn);
    assert_true(view.expires_ms == NOW + 100 * DAY + programme.card_valid_days * DAY);
    assert_int_equal(count_of(LTY_DB_AUDIT), audits_before); /* a rule: no audit record */
    programme.card_valid_days = 1; /* never moves the date back */
    assert_int_equal(sale(card.card_no, "R3", 1000, 0, NOW + 100 * DAY, &sold), 0);
    txn = read_begin();
    assert_int_equal(lty_ops_card_lookup(txn, card.card_no, NOW, &view), 0);
    lty_store_txn_abort(txn);
    assert_true(view.expires_ms == NOW + 100 * DAY + 1095 * DAY);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_card_batch_mints_unassigned_numbers_at_max_and_over),
        DOMAIN_TEST(test_card_activate_links_the_phone_member_or_enrols_one),
        DOMAIN_TEST(test_card_activate_refusals_change_nothing),
        DOMAIN_TEST(test_card_lost_freezes_at_once_and_again_changes_nothing),
        DOMAIN_TEST(test_card_lost_replace_extend_refusals_by_status_change_nothing),
        DOMAIN_TEST(test_card_replace_blocks_the_old_number_for_ever_and_keeps_balances),
        DOMAIN_TEST(test_card_replace_of_a_member_at_the_card_limit_is_refused),
        DOMAIN_TEST(test_card_extend_days_at_max_and_over_from_the_later_date),
        DOMAIN_TEST(test_card_activity_extends_only_with_the_programme_rule),
    };
    return cmocka_run_group_tests_name("ops_card_life", tests, NULL, NULL);
}
