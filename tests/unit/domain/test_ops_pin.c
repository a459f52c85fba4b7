/* tests/unit/domain/test_ops_pin.c
 * Goal: member PINs keep their documented rules. The pepper file (lty_ops_pin_pepper_create /
 * _load) is 32 bytes, 0600, never overwritten, refused when it is not. A PIN is 4..
 * LTY_PIN_DIGITS_MAX digits (lty_ops_pin_syntax_ok); lty_ops_pin_hash / lty_ops_pin_matches
 * accept exactly the PIN and pepper that made the hash. lty_ops_pin_set stores a PIN while none
 * is set or with the pending one-time reset code (lty_ops_pin_reset_issue), never otherwise;
 * the PIN is the member's, read by member or by any of its cards (lty_ops_pin_get, _by_card),
 * and lty_ops_pin_migrate moves an older store's card PINs to their members.
 * The gate of a prepaid payment (lty_ops_pin_gate) asks for a PIN only above the programme's
 * amount, refuses a changed PIN without counting it, counts wrong PINs (a write kept although
 * the request is refused), locks after LTY_PIN_FAILURES_MAX for LTY_PIN_LOCK_MS, and a right PIN
 * clears the count.
 * Method: a temporary store per test (domain_fixture.c) with the pepper in its directory; PIN
 * records are stored with made-up hashes (the gate never hashes), so argon2 runs only in the
 * hash test; a digest of the whole store before and after every refusal that keeps nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lty/lty_crypto.h"
#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_diag_t diag;

static void code_hash(const char *code, uint8_t hash_out[32])
{
    lty_crypto_sha256(code, strlen(code), hash_out);
}

/* A PIN record's hash part without argon2: the gate and set never look inside it. */
static void hashed_fake(lty_pin_t *hashed, uint8_t fill)
{
    memset(hashed, 0, sizeof(*hashed));
    hashed->t_cost = 2;
    hashed->m_cost_kib = 19456;
    memset(hashed->salt, fill, sizeof(hashed->salt));
    memset(hashed->hash, fill + 1, sizeof(hashed->hash));
}

static int pin_set(const char *card_no, const char *reset_code, int64_t now_ms)
{
    lty_ops_pin_set_t request;
    memset(&request, 0, sizeof(request));
    snprintf(request.card_no, sizeof(request.card_no), "%s", card_no);
    hashed_fake(&request.hashed, 7);
    if (reset_code != NULL) {
        request.reset_code_given = true;
        code_hash(reset_code, request.reset_code_hash);
    }
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_pin_set(txn, &till_actor, now_ms, &request, &diag));
}

static int reset_issue(const char *card_no, const char *code, int64_t now_ms)
{
    uint8_t hash[32];
    code_hash(code, hash);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_pin_reset_issue(txn, &operator_actor, now_ms, card_no, hash));
}

/* The PIN record of a member, read by member (lty_ops_pin_get) and by card: the same. */
static lty_pin_t pin_of(uint64_t member_id, const char *card_no)
{
    lty_pin_t pin;
    lty_pin_t by_card;
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_pin_get(txn, member_id, &pin), 0);
    assert_int_equal(lty_ops_pin_get_by_card(txn, card_no, &by_card), 0);
    lty_store_txn_abort(txn);
    assert_memory_equal(&pin, &by_card, sizeof(pin));
    assert_int_equal(pin.member_id, member_id);
    return pin;
}

/* Run the gate for sale_request as the writer does: commit when it passes or asks to keep. */
static int gate(int64_t now_ms, bool *keep_out)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    int err = lty_ops_pin_gate(txn, &programme, now_ms, &sale_request, keep_out, &diag);
    if (err == 0 || *keep_out) {
        assert_int_equal(finish(txn, 0), 0);
    } else {
        lty_store_txn_abort(txn);
    }
    return err;
}

/* A gate refusal that keeps nothing: the store unchanged. */
static void gate_refused(int64_t now_ms, int err)
{
    store_digest_t before = store_digest();
    bool keep = true;
    assert_int_equal(gate(now_ms, &keep), err);
    assert_false(keep);
    assert_unchanged(&before);
}

/* sale_request paying prepaid_cents from prepaid, with the loop thread's PIN check outcome. */
static void payment(const char *card_no, int64_t prepaid_cents, lty_ops_pin_check_t check,
                    uint32_t version)
{
    sale_request_fill(card_no, "R1", prepaid_cents, 0);
    sale_request.tenders_count = 1;
    sale_request.tenders[0] = (lty_sale_tender_t){.type = LTY_TENDER_PREPAID,
                                                  .amount_cents = prepaid_cents};
    sale_request.pin_check = check;
    sale_request.pin_version = version;
}

/* ---- Syntax, pepper, hash --------------------------------------------------------------- */

static void test_pin_syntax_is_4_to_8_digits(void **state)
{
    (void)state;
    assert_false(lty_ops_pin_syntax_ok("123"));
    assert_true(lty_ops_pin_syntax_ok("1234"));          /* LTY_PIN_DIGITS_MIN */
    assert_true(lty_ops_pin_syntax_ok("12345678"));      /* LTY_PIN_DIGITS_MAX */
    assert_false(lty_ops_pin_syntax_ok("123456789"));    /* max + 1 */
    assert_false(lty_ops_pin_syntax_ok("12a4"));
    assert_false(lty_ops_pin_syntax_ok("12 34"));
    assert_false(lty_ops_pin_syntax_ok(""));
    assert_false(lty_ops_pin_syntax_ok("1234567890123456789012345")); /* long, not read past */
}

static void test_pin_pepper_created_once_0600_and_refused_when_wrong(void **state)
{
    (void)state;
    uint8_t pepper[LTY_PIN_PEPPER_BYTES];
    assert_int_equal(lty_ops_pin_pepper_load(dir, pepper), LTY_E_CONFIG); /* missing */
    assert_int_equal(lty_ops_pin_pepper_create(dir), 0);
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, LTY_PIN_PEPPER_FILE);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    assert_int_equal(info.st_size, LTY_PIN_PEPPER_BYTES);
    assert_int_equal(lty_ops_pin_pepper_load(dir, pepper), 0);
    uint8_t again[LTY_PIN_PEPPER_BYTES];
    assert_int_equal(lty_ops_pin_pepper_create(dir), LTY_E_EXISTS); /* never overwritten */
    assert_int_equal(lty_ops_pin_pepper_load(dir, again), 0);
    assert_memory_equal(pepper, again, sizeof(pepper));
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(lty_ops_pin_pepper_load(dir, again), LTY_E_CONFIG); /* readable by others */
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(truncate(path, LTY_PIN_PEPPER_BYTES - 1), 0);
    assert_int_equal(lty_ops_pin_pepper_load(dir, again), LTY_E_CONFIG); /* wrong size */
}

static void test_pin_hash_matches_only_its_pin_and_pepper(void **state)
{
    (void)state;
    uint8_t pepper[LTY_PIN_PEPPER_BYTES];
    memset(pepper, 0x5a, sizeof(pepper));
    lty_pin_t record;
    memset(&record, 0, sizeof(record));
    assert_int_equal(lty_ops_pin_hash(pepper, "12345678", &record), 0);
    record.set = 1;
    assert_int_equal(record.t_cost, 2);
    assert_int_equal(record.m_cost_kib, 19456);
    assert_true(lty_ops_pin_matches(pepper, "12345678", &record));
    assert_false(lty_ops_pin_matches(pepper, "12345679", &record));
    assert_false(lty_ops_pin_matches(pepper, "1234567", &record));
    assert_false(lty_ops_pin_matches(pepper, "123", &record)); /* no hash for a malformed PIN */
    uint8_t other[LTY_PIN_PEPPER_BYTES];
    memset(other, 0x5b, sizeof(other));
    assert_false(lty_ops_pin_matches(other, "12345678", &record));
    record.set = 0;
    assert_false(lty_ops_pin_matches(pepper, "12345678", &record));
    expect_assert_failure(lty_ops_pin_hash(pepper, "123456789", &record));
}

/* ---- Set and reset ---------------------------------------------------------------------- */

static void test_pin_set_first_then_only_with_a_reset_code(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_pin_t pin;
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_pin_get(txn, member_id, &pin), LTY_E_NOT_FOUND);
    assert_int_equal(lty_ops_pin_get_by_card(txn, card.card_no, &pin), LTY_E_NOT_FOUND);
    lty_store_txn_abort(txn);
    assert_int_equal(pin_set(card.card_no, NULL, NOW), 0);
    assert_string_equal(last_audit_of(member_id)->action, "pin.set");
    pin = pin_of(member_id, card.card_no);
    assert_int_equal(pin.set, 1);
    assert_int_equal(pin.version, 1);
    assert_int_equal(pin.failures, 0);
    lty_pin_t hashed;
    hashed_fake(&hashed, 7);
    assert_memory_equal(pin.hash, hashed.hash, sizeof(pin.hash));
    uint64_t audits = count_of(LTY_DB_AUDIT);
    store_digest_t before = store_digest();
    assert_int_equal(pin_set(card.card_no, NULL, NOW), LTY_E_PIN_ALREADY_SET);
    assert_int_equal(pin_set(card.card_no, "12345678", NOW), LTY_E_FORBIDDEN); /* no code issued */
    assert_unchanged(&before);
    assert_int_equal(reset_issue(card.card_no, "12345678", NOW), 0);
    assert_int_equal(count_of(LTY_DB_AUDIT), audits + 1);
    pin = pin_of(member_id, card.card_no);
    assert_true(pin.reset_expires_ms == NOW + LTY_PIN_RESET_MS);
    assert_int_equal(pin.version, 1); /* the PIN itself is unchanged until the member sets one */
    before = store_digest();
    assert_int_equal(pin_set(card.card_no, "87654321", NOW), LTY_E_FORBIDDEN);
    assert_string_equal(diag.field, "/reset_code");
    assert_int_equal(pin_set(card.card_no, "12345678", NOW + LTY_PIN_RESET_MS), LTY_E_FORBIDDEN);
    assert_unchanged(&before);
    assert_int_equal(pin_set(card.card_no, "12345678", NOW + LTY_PIN_RESET_MS - 1), 0);
    pin = pin_of(member_id, card.card_no);
    assert_int_equal(pin.version, 2);
    assert_true(pin.reset_expires_ms == 0);
    before = store_digest();
    assert_int_equal(pin_set(card.card_no, "12345678", NOW + DAY / 2), LTY_E_FORBIDDEN); /* used */
    assert_unchanged(&before);
    assert_sound();
}

static void test_pin_set_and_reset_card_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    store_digest_t before = store_digest();
    assert_int_equal(pin_set("4111111111111112", NULL, NOW), LTY_E_INVALID_CARD_NO);
    assert_int_equal(pin_set("4111111111111111", NULL, NOW), LTY_E_CARD_NOT_FOUND);
    assert_int_equal(reset_issue("4111111111111112", "1", NOW), LTY_E_INVALID_CARD_NO);
    assert_int_equal(reset_issue("4111111111111111", "1", NOW), LTY_E_CARD_NOT_FOUND);
    static lty_ops_card_batch_t batch; /* a card no member holds yet has no PIN to reset */
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_card_batch(txn, &operator_actor, &programme, NOW, 1, &batch)), 0);
    before = store_digest();
    assert_int_equal(reset_issue(batch.cards[0], "1", NOW), LTY_E_CARD_NOT_ACTIVATED);
    lty_pin_t pin;
    txn = read_begin();
    assert_int_equal(lty_ops_pin_get_by_card(txn, batch.cards[0], &pin), LTY_E_NOT_FOUND);
    assert_int_equal(lty_ops_pin_get_by_card(txn, "4111111111111111", &pin), LTY_E_NOT_FOUND);
    lty_store_txn_abort(txn);
    assert_int_equal(pin_set(card.card_no, NULL, card.expires_ms), LTY_E_CARD_EXPIRED);
    assert_unchanged(&before);
    card_status_set(&card, LTY_CARD_LOST);
    before = store_digest();
    assert_int_equal(pin_set(card.card_no, NULL, NOW), LTY_E_CARD_LOST);
    assert_unchanged(&before);
    card_status_set(&card, LTY_CARD_ACTIVE);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    before = store_digest();
    assert_int_equal(pin_set(card.card_no, NULL, NOW), LTY_E_ACCOUNT_CLOSED);
    assert_unchanged(&before);
}

static void test_pin_belongs_to_the_member_so_every_card_sees_it(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card, second, old_card, fresh;
    member_with_card("+8613800138001", &member_id, &card);
    card_issue(member_id, &second);
    assert_int_equal(pin_set(card.card_no, NULL, NOW), 0);
    store_digest_t before = store_digest(); /* a second card: the member's PIN is set already */
    assert_int_equal(pin_set(second.card_no, NULL, NOW), LTY_E_PIN_ALREADY_SET);
    assert_unchanged(&before);
    lty_store_txn_t *txn = write_begin(); /* a replacement card keeps it */
    assert_int_equal(finish(txn, lty_ops_card_replace(txn, &operator_actor, &programme, NOW,
                                                      card.card_no, &old_card, &fresh)),
                     0);
    lty_pin_t pin = pin_of(member_id, fresh.card_no);
    assert_int_equal(pin.version, 1);
    assert_int_equal(pin_of(member_id, second.card_no).version, 1);
    /* A reset code issued through one card serves a PIN set through another. */
    assert_int_equal(reset_issue(second.card_no, "24681357", NOW), 0);
    assert_int_equal(pin_set(fresh.card_no, "24681357", NOW), 0);
    assert_int_equal(pin_of(member_id, second.card_no).version, 2);
    assert_int_equal(count_of(LTY_DB_MEMBER_PINS), 1);
    assert_sound();
}

/* Store a schema-4 card-pins record for card_no (version, updated_ms) as an older store had. */
static void card_pin_put(const char *card_no, uint32_t version, int64_t updated_ms)
{
    lty_pin_t pin;
    hashed_fake(&pin, (uint8_t)version);
    pin.set = 1;
    pin.version = version;
    pin.updated_ms = updated_ms;
    uint8_t buffer[LTY_RECORD_CARD_PIN_BYTES_MAX];
    size_t size = lty_record_card_pin_encode(&pin, card_no, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, card_no);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_store_put(txn, LTY_DB_CARD_PINS, lty_key_bytes(&key),
                                   (lty_bytes_t){.data = buffer, .size = size}),
                     0);
    assert_int_equal(finish(txn, 0), 0);
}

static void test_pin_migrate_moves_card_pins_to_their_members_newest_first(void **state)
{
    (void)state;
    uint64_t member_id = 0, other_id = 0;
    lty_card_t card, second, other_card;
    member_with_card("+8613800138001", &member_id, &card);
    card_issue(member_id, &second);
    member_with_card("+8613800138002", &other_id, &other_card);
    card_pin_put(card.card_no, 3, NOW + 10); /* the member's newer PIN */
    card_pin_put(second.card_no, 7, NOW);
    card_pin_put(other_card.card_no, 1, NOW);
    uint64_t moved = 0;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_pin_migrate(txn, &moved)), 0);
    assert_int_equal(moved, 3);
    assert_int_equal(count_of(LTY_DB_CARD_PINS), 0);
    assert_int_equal(count_of(LTY_DB_MEMBER_PINS), 2);
    assert_int_equal(pin_of(member_id, second.card_no).version, 3);
    assert_int_equal(pin_of(other_id, other_card.card_no).version, 1);
    store_digest_t before = store_digest(); /* again: nothing left to move */
    moved = 0;
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_pin_migrate(txn, &moved)), 0);
    assert_int_equal(moved, 0);
    assert_unchanged(&before);
}

/* ---- The gate of a prepaid payment ------------------------------------------------------ */

static void test_pin_gate_asks_for_a_pin_only_above_the_programme_amount(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    bool keep = true;
    payment(card.card_no, programme.pin_required_above_cents, LTY_OPS_PIN_NONE, 0);
    store_digest_t before = store_digest();
    assert_int_equal(gate(NOW, &keep), 0); /* at the amount: no PIN */
    assert_false(keep);
    assert_unchanged(&before);
    payment(card.card_no, programme.pin_required_above_cents + 1, LTY_OPS_PIN_NONE, 0);
    gate_refused(NOW, LTY_E_PIN_REQUIRED); /* none set */
    assert_string_equal(diag.field, "/pin");
    assert_int_equal(pin_set(card.card_no, NULL, NOW), 0);
    gate_refused(NOW, LTY_E_PIN_REQUIRED); /* set, but none typed */
    payment(card.card_no, programme.pin_required_above_cents + 1, LTY_OPS_PIN_UNSET, 1);
    gate_refused(NOW, LTY_E_PIN_REQUIRED);
    payment(card.card_no, programme.pin_required_above_cents + 1, LTY_OPS_PIN_MATCHED, 1);
    before = store_digest();
    assert_int_equal(gate(NOW, &keep), 0); /* nothing to clear: nothing written */
    assert_unchanged(&before);
    /* Changed since the loop thread checked it: refused, not counted. */
    payment(card.card_no, programme.pin_required_above_cents + 1, LTY_OPS_PIN_WRONG, 2);
    gate_refused(NOW, LTY_E_PIN_INCORRECT);
    assert_int_equal(pin_of(member_id, card.card_no).failures, 0);
}

static void test_pin_gate_counts_wrong_pins_locks_at_the_max_and_a_right_one_clears(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    assert_int_equal(pin_set(card.card_no, NULL, NOW), 0);
    int64_t amount = programme.pin_required_above_cents + 1;
    bool keep = false;
    payment(card.card_no, amount, LTY_OPS_PIN_WRONG, 1);
    assert_int_equal(gate(NOW, &keep), LTY_E_PIN_INCORRECT);
    assert_true(keep); /* the failure is written although the payment is refused */
    assert_int_equal(pin_of(member_id, card.card_no).failures, 1);
    payment(card.card_no, amount, LTY_OPS_PIN_MATCHED, 1);
    assert_int_equal(gate(NOW, &keep), 0); /* a right PIN clears the count */
    assert_int_equal(pin_of(member_id, card.card_no).failures, 0);
    payment(card.card_no, amount, LTY_OPS_PIN_WRONG, 1);
    for (int attempt = 1; attempt < LTY_PIN_FAILURES_MAX; attempt++) {
        assert_int_equal(gate(NOW, &keep), LTY_E_PIN_INCORRECT);
        assert_int_equal(pin_of(member_id, card.card_no).failures, attempt);
    }
    assert_int_equal(gate(NOW, &keep), LTY_E_PIN_LOCKED); /* the LTY_PIN_FAILURES_MAX-th */
    assert_true(keep);
    lty_pin_t pin = pin_of(member_id, card.card_no);
    assert_true(pin.locked_until_ms == NOW + LTY_PIN_LOCK_MS);
    assert_int_equal(pin.failures, 0);
    /* Locked: even the right PIN is refused, and nothing is counted. */
    payment(card.card_no, amount, LTY_OPS_PIN_MATCHED, 1);
    gate_refused(NOW + LTY_PIN_LOCK_MS - 1, LTY_E_PIN_LOCKED);
    payment(card.card_no, amount, LTY_OPS_PIN_WRONG, 1);
    gate_refused(NOW + LTY_PIN_LOCK_MS - 1, LTY_E_PIN_LOCKED);
    /* At the end of the lock a right PIN passes and clears it. */
    payment(card.card_no, amount, LTY_OPS_PIN_MATCHED, 1);
    assert_int_equal(gate(NOW + LTY_PIN_LOCK_MS, &keep), 0);
    assert_true(pin_of(member_id, card.card_no).locked_until_ms == 0);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_syntax_is_4_to_8_digits),
        DOMAIN_TEST(test_pin_pepper_created_once_0600_and_refused_when_wrong),
        cmocka_unit_test(test_pin_hash_matches_only_its_pin_and_pepper),
        DOMAIN_TEST(test_pin_set_first_then_only_with_a_reset_code),
        DOMAIN_TEST(test_pin_set_and_reset_card_refusals_change_nothing),
        DOMAIN_TEST(test_pin_belongs_to_the_member_so_every_card_sees_it),
        DOMAIN_TEST(test_pin_migrate_moves_card_pins_to_their_members_newest_first),
        DOMAIN_TEST(test_pin_gate_asks_for_a_pin_only_above_the_programme_amount),
        DOMAIN_TEST(test_pin_gate_counts_wrong_pins_locks_at_the_max_and_a_right_one_clears),
    };
    return cmocka_run_group_tests_name("ops_pin", tests, NULL, NULL);
}
