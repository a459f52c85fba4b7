/* tests/unit/domain/test_ops_session.c
 * Goal: the member portal's stored state (ops_session.c) keeps its rules. A session
 * (lty_ops_session_open / _get / _touch / _close) is found by the hash of its token, is indexed
 * by member and by expiry, and leaves no index behind when it ends; lty_ops_sessions_end ends a
 * member's sessions (all, or those opened with one card, keeping one if asked) and is what a
 * lost card, a PIN set and an account close call. The login throttle
 * (lty_ops_login_failure / _throttle_get / _success) locks at the failures_max-th wrong login in
 * a row for lock_ms and forgets older failures; lty_ops_portal_sweep deletes due sessions and
 * throttle records, at most limit at a time.
 * Method: a temporary store per test (domain_fixture.c); made-up token hashes; counts of the
 * session, index and expiry databases; the ledger verifier after each test. */
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

#define LOCK_MS (INT64_C(15) * 60 * 1000)

static void hash_of(uint8_t fill, uint8_t hash_out[LTY_SESSION_HASH_BYTES])
{
    memset(hash_out, fill, LTY_SESSION_HASH_BYTES);
}

static void session_open(uint8_t fill, uint64_t member_id, const char *card_no, int64_t expires_ms)
{
    uint8_t hash[LTY_SESSION_HASH_BYTES];
    hash_of(fill, hash);
    lty_session_t session = {.member_id = member_id, .created_ms = NOW, .last_seen_ms = NOW,
                             .expires_ms = expires_ms};
    snprintf(session.card_no, sizeof(session.card_no), "%s", card_no);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_session_open(txn, hash, &session)), 0);
}

static int session_get(uint8_t fill, lty_session_t *session_out)
{
    uint8_t hash[LTY_SESSION_HASH_BYTES];
    hash_of(fill, hash);
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_session_get(txn, hash, session_out);
    lty_store_txn_abort(txn);
    return err;
}

static void assert_sessions(uint64_t count)
{
    assert_int_equal(count_of(LTY_DB_SESSIONS), count);
    assert_int_equal(count_of(LTY_DB_SESSIONS_BY_MEMBER), count);
}

static int throttle_fail(lty_bytes_t key, int64_t now_ms, lty_login_throttle_t *throttle_out)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_login_failure(txn, key, now_ms, 3, LOCK_MS, throttle_out));
}

static lty_login_throttle_t throttle_at(lty_bytes_t key, int64_t now_ms)
{
    lty_login_throttle_t throttle;
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_login_throttle_get(txn, key, now_ms, LOCK_MS, &throttle), 0);
    lty_store_txn_abort(txn);
    return throttle;
}

static size_t sweep(int64_t now_ms, size_t limit)
{
    size_t swept = 0;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_portal_sweep(txn, now_ms, limit, &swept)), 0);
    return swept;
}

/* ---- Sessions ------------------------------------------------------------------------------ */

static void test_session_open_touch_and_close_with_their_indexes(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    session_open(1, member_id, card.card_no, NOW + DAY);
    lty_session_t session;
    assert_int_equal(session_get(1, &session), 0);
    assert_int_equal(session.member_id, member_id);
    assert_string_equal(session.card_no, card.card_no);
    assert_true(session.expires_ms == NOW + DAY);
    assert_sessions(1);
    assert_int_equal(count_of(LTY_DB_PORTAL_EXPIRY), 1);
    assert_int_equal(session_get(2, &session), LTY_E_NOT_FOUND);
    uint8_t hash[LTY_SESSION_HASH_BYTES];
    hash_of(1, hash);
    lty_store_txn_t *txn = write_begin(); /* forward only */
    assert_int_equal(finish(txn, lty_ops_session_touch(txn, hash, NOW + 1000)), 0);
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_session_touch(txn, hash, NOW + 10)), 0);
    assert_int_equal(session_get(1, &session), 0);
    assert_true(session.last_seen_ms == NOW + 1000);
    store_digest_t before = store_digest();
    hash_of(2, hash); /* a session ended meanwhile is left alone */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_session_touch(txn, hash, NOW + 2000)), 0);
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_session_close(txn, hash)), LTY_E_NOT_FOUND);
    assert_unchanged(&before);
    hash_of(1, hash);
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_session_close(txn, hash)), 0);
    assert_int_equal(session_get(1, &session), LTY_E_NOT_FOUND);
    assert_sessions(0);
    assert_int_equal(count_of(LTY_DB_PORTAL_EXPIRY), 0);
    assert_sound();
}

static void test_sessions_end_all_by_card_or_all_but_one(void **state)
{
    (void)state;
    uint64_t member_id = 0, other_id = 0;
    lty_card_t card, second, other_card;
    member_with_card("+8613800138001", &member_id, &card);
    card_issue(member_id, &second);
    member_with_card("+8613800138002", &other_id, &other_card);
    session_open(1, member_id, card.card_no, NOW + DAY);
    session_open(2, member_id, second.card_no, NOW + DAY);
    session_open(3, member_id, "", NOW + DAY); /* by phone */
    session_open(4, other_id, other_card.card_no, NOW + DAY);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_sessions_end(txn, member_id, card.card_no, NULL)), 0);
    lty_session_t session;
    assert_int_equal(session_get(1, &session), LTY_E_NOT_FOUND);
    assert_sessions(3);
    uint8_t keep[LTY_SESSION_HASH_BYTES];
    hash_of(3, keep); /* a PIN change keeps the session it was made in */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_sessions_end(txn, member_id, NULL, keep)), 0);
    assert_int_equal(session_get(2, &session), LTY_E_NOT_FOUND);
    assert_int_equal(session_get(3, &session), 0);
    assert_int_equal(session_get(4, &session), 0); /* another member's */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_sessions_end(txn, member_id, NULL, NULL)), 0);
    assert_sessions(1);
    store_digest_t before = store_digest(); /* nothing left to end */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_sessions_end(txn, member_id, NULL, NULL)), 0);
    assert_unchanged(&before);
}

static void test_sessions_end_with_a_lost_card_a_pin_set_and_a_close(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card, second;
    member_with_card("+8613800138001", &member_id, &card);
    card_issue(member_id, &second);
    session_open(1, member_id, card.card_no, NOW + DAY);
    session_open(2, member_id, second.card_no, NOW + DAY);
    session_open(3, member_id, "", NOW + DAY);
    lty_card_t reported;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_card_lost(txn, &operator_actor, NOW, card.card_no, "", &reported)), 0);
    assert_sessions(2); /* only the lost card's */
    lty_ops_pin_set_t pin_set;
    memset(&pin_set, 0, sizeof(pin_set));
    strcpy(pin_set.card_no, second.card_no);
    pin_set.hashed.t_cost = 2;
    pin_set.hashed.m_cost_kib = 19456;
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_pin_set(txn, &till_actor, NOW, &pin_set, NULL)), 0);
    assert_sessions(0);
    session_open(4, member_id, "", NOW + DAY);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    assert_sessions(0);
    assert_sound();
}

/* ---- Login throttle ------------------------------------------------------------------------ */

static void test_login_throttle_locks_at_the_max_and_forgets_after_a_lock(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    lty_key_t key;
    lty_key_throttle_member(&key, member_id);
    assert_int_equal(throttle_at(lty_key_bytes(&key), NOW).failures, 0); /* none stored */
    lty_login_throttle_t throttle;
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW, &throttle), 0);
    assert_int_equal(throttle.failures, 1);
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW + 1, &throttle), 0);
    assert_int_equal(throttle.failures, 2);
    assert_true(throttle.locked_until_ms == 0);
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW + 2, &throttle), 0); /* the 3rd */
    assert_true(throttle.locked_until_ms == NOW + 2 + LOCK_MS);
    assert_int_equal(throttle.failures, 0);
    throttle = throttle_at(lty_key_bytes(&key), NOW + 2 + LOCK_MS - 1);
    assert_true(throttle.locked_until_ms == NOW + 2 + LOCK_MS);
    throttle = throttle_at(lty_key_bytes(&key), NOW + 2 + LOCK_MS); /* over: forgotten */
    assert_true(throttle.locked_until_ms == 0 && throttle.failures == 0);
    /* A failure older than a lock window is forgotten too; a right PIN clears the record. */
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW + 3 * LOCK_MS, &throttle), 0);
    assert_int_equal(throttle.failures, 1);
    assert_int_equal(throttle_at(lty_key_bytes(&key), NOW + 4 * LOCK_MS).failures, 0);
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW + 4 * LOCK_MS, &throttle), 0);
    assert_int_equal(throttle.failures, 1);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_login_success(txn, member_id, LOCK_MS)), 0);
    assert_int_equal(count_of(LTY_DB_LOGIN_THROTTLE), 0);
    assert_int_equal(count_of(LTY_DB_PORTAL_EXPIRY), 0);
    store_digest_t before = store_digest(); /* nothing to clear */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_login_success(txn, member_id, LOCK_MS)), 0);
    assert_unchanged(&before);
    /* An identifier that names no member counts the same way. */
    uint8_t digest[32];
    memset(digest, 0xab, sizeof(digest));
    lty_key_throttle_unknown(&key, digest);
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW, &throttle), 0);
    assert_int_equal(throttle.failures, 1);
    assert_int_equal(count_of(LTY_DB_LOGIN_THROTTLE), 1);
}

/* ---- Sweep --------------------------------------------------------------------------------- */

static void test_portal_sweep_deletes_due_records_up_to_its_limit(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    session_open(1, member_id, "", NOW + 10);
    session_open(2, member_id, "", NOW + 20);
    session_open(3, member_id, "", NOW + DAY);
    lty_key_t key;
    lty_key_throttle_member(&key, member_id);
    lty_login_throttle_t throttle;
    assert_int_equal(throttle_fail(lty_key_bytes(&key), NOW, &throttle), 0); /* due NOW+LOCK */
    assert_int_equal(sweep(NOW + 9, 10), 0); /* nothing due yet */
    assert_int_equal(sweep(NOW + 20, 1), 1); /* the limit */
    assert_sessions(2);
    assert_int_equal(sweep(NOW + 20, 10), 1);
    assert_sessions(1);
    assert_int_equal(sweep(NOW + LOCK_MS, 10), 1); /* the throttle count */
    assert_int_equal(count_of(LTY_DB_LOGIN_THROTTLE), 0);
    assert_int_equal(sweep(NOW + DAY, 10), 1);
    assert_sessions(0);
    assert_int_equal(count_of(LTY_DB_PORTAL_EXPIRY), 0);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_session_open_touch_and_close_with_their_indexes),
        DOMAIN_TEST(test_sessions_end_all_by_card_or_all_but_one),
        DOMAIN_TEST(test_sessions_end_with_a_lost_card_a_pin_set_and_a_close),
        DOMAIN_TEST(test_login_throttle_locks_at_the_max_and_forgets_after_a_lock),
        DOMAIN_TEST(test_portal_sweep_deletes_due_records_up_to_its_limit),
    };
    return cmocka_run_group_tests_name("ops_session", tests, NULL, NULL);
}
