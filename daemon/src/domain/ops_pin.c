/* SPDX-License-Identifier: MIT */
/* Member PINs: the only file that calls argon2. The PIN belongs to the member, not to a card
 * (schema 5): a replacement card keeps it, and the till's PIN pad and the portal's login check
 * the same record. A PIN is stored as an argon2id hash keyed with a
 * secret pepper that lives in DIR/pin-pepper (0600), never in LMDB, so a copy of the ledger
 * alone cannot be brute-forced. No operator ever sees a PIN: the member types it on the till's
 * PIN pad; an operator can only issue a one-time reset code (stored as its SHA-256).
 *
 * Threads (docs/api.md "PINs"): argon2id takes tens of milliseconds, so it never runs on the
 * writer thread, which would stall every till's commits. The API hashes a new PIN, or checks a
 * PIN against the hash it read in a read transaction, on its loop thread, and submits the
 * outcome with the record's version. The writer's gate re-reads the record: a version that
 * moved (the PIN was changed in between) refuses with pin_incorrect without counting it; the
 * lock and the failure count are decided only there, so concurrent tills cannot race past the
 * throttle.
 *
 * Throttle: LTY_PIN_FAILURES_MAX wrong PINs in a row lock the card's PIN for LTY_PIN_LOCK_MS
 * (423 pin_locked). The failure is written even though the request is refused: the gate writes
 * it and tells the caller to keep (commit) its child transaction. */
#include "lty/lty_assert.h"
#include "lty/lty_tls.h"
#include "ops.h"

#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIN_T_COST 2u
#define PIN_M_COST_KIB 19456u /* OWASP's argon2id minimum: 19 MiB, 2 passes */

bool lty_ops_pin_syntax_ok(const char *pin)
{
    LTY_ASSERT(pin != NULL);
    size_t size = strnlen(pin, LTY_PIN_DIGITS_MAX + 1);
    LTY_ASSERT(size <= LTY_PIN_DIGITS_MAX + 1);
    if (size < LTY_PIN_DIGITS_MIN || size > LTY_PIN_DIGITS_MAX) return false;
    for (size_t index = 0; index < size; index++) {
        if (pin[index] < '0' || pin[index] > '9') return false;
    }
    return true;
}

static void pepper_path(const char *data_dir, char *out, size_t out_size)
{
    LTY_ASSERT(data_dir != NULL && out != NULL);
    LTY_ASSERT(out_size > 0);
    snprintf(out, out_size, "%s/%s", data_dir, LTY_PIN_PEPPER_FILE);
}

int lty_ops_pin_pepper_create(const char *data_dir)
{
    LTY_ASSERT(data_dir != NULL);
    LTY_ASSERT(data_dir[0] != '\0');
    char path[4096];
    pepper_path(data_dir, path, sizeof(path));
    uint8_t pepper[LTY_PIN_PEPPER_BYTES];
    if (lty_crypto_random(pepper, sizeof(pepper)) != 0) return LTY_E_TLS;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return errno == EEXIST ? LTY_E_EXISTS : LTY_E_IO;
    bool ok = write(fd, pepper, sizeof(pepper)) == (ssize_t)sizeof(pepper) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    memset(pepper, 0, sizeof(pepper));
    return ok ? 0 : LTY_E_IO;
}

int lty_ops_pin_pepper_load(const char *data_dir, uint8_t pepper_out[LTY_PIN_PEPPER_BYTES])
{
    LTY_ASSERT(data_dir != NULL && pepper_out != NULL);
    char path[4096];
    pepper_path(data_dir, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return LTY_E_CONFIG;
    struct stat info;
    bool ok = fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && (info.st_mode & 077) == 0 &&
              info.st_size == LTY_PIN_PEPPER_BYTES;
    ok = ok && read(fd, pepper_out, LTY_PIN_PEPPER_BYTES) == LTY_PIN_PEPPER_BYTES;
    close(fd);
    return ok ? 0 : LTY_E_CONFIG;
}

static int pin_argon2(const uint8_t pepper[LTY_PIN_PEPPER_BYTES], const char *pin,
                      const lty_pin_t *params, uint8_t hash_out[LTY_PIN_HASH_BYTES])
{
    LTY_ASSERT(pepper != NULL && pin != NULL && params != NULL);
    LTY_ASSERT(lty_ops_pin_syntax_ok(pin));
    uint8_t salt[LTY_PIN_SALT_BYTES];
    uint8_t secret[LTY_PIN_PEPPER_BYTES];
    memcpy(salt, params->salt, sizeof(salt));
    memcpy(secret, pepper, sizeof(secret));
    char password[LTY_PIN_DIGITS_MAX + 1];
    snprintf(password, sizeof(password), "%s", pin);
    argon2_context context = {
        .out = hash_out, .outlen = LTY_PIN_HASH_BYTES,
        .pwd = (uint8_t *)password, .pwdlen = (uint32_t)strlen(password),
        .salt = salt, .saltlen = sizeof(salt),
        .secret = secret, .secretlen = sizeof(secret),
        .t_cost = params->t_cost, .m_cost = params->m_cost_kib,
        .lanes = 1, .threads = 1, .version = ARGON2_VERSION_13,
        .flags = ARGON2_DEFAULT_FLAGS,
    };
    int rc = argon2id_ctx(&context);
    memset(secret, 0, sizeof(secret));
    memset(password, 0, sizeof(password));
    return rc == ARGON2_OK ? 0 : LTY_E_NOMEM;
}

int lty_ops_pin_hash(const uint8_t pepper[LTY_PIN_PEPPER_BYTES], const char *pin,
                     lty_pin_t *pin_io)
{
    LTY_ASSERT(pepper != NULL && pin_io != NULL);
    LTY_ASSERT(pin != NULL);
    if (lty_crypto_random(pin_io->salt, sizeof(pin_io->salt)) != 0) return LTY_E_TLS;
    pin_io->t_cost = PIN_T_COST;
    pin_io->m_cost_kib = PIN_M_COST_KIB;
    return pin_argon2(pepper, pin, pin_io, pin_io->hash);
}

bool lty_ops_pin_matches(const uint8_t pepper[LTY_PIN_PEPPER_BYTES], const char *pin,
                         const lty_pin_t *pin_record)
{
    LTY_ASSERT(pepper != NULL && pin != NULL);
    LTY_ASSERT(pin_record != NULL);
    if (pin_record->set != 1 || !lty_ops_pin_syntax_ok(pin)) return false;
    uint8_t hash[LTY_PIN_HASH_BYTES];
    if (pin_argon2(pepper, pin, pin_record, hash) != 0) return false;
    uint8_t diff = 0; /* constant time */
    for (size_t index = 0; index < sizeof(hash); index++) diff |= hash[index] ^ pin_record->hash[index];
    return diff == 0;
}

int lty_ops_pin_get(lty_store_txn_t *txn, uint64_t member_id, lty_pin_t *pin_out)
{
    LTY_ASSERT(txn != NULL && member_id >= 1);
    LTY_ASSERT(pin_out != NULL);
    lty_key_t key;
    lty_key_id(&key, member_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_MEMBER_PINS, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_pin_decode(value, pin_out);
    if (err == 0 && pin_out->member_id != member_id) err = LTY_E_CORRUPT;
    return err;
}

int lty_ops_pin_get_by_card(lty_store_txn_t *txn, const char *card_no, lty_pin_t *pin_out)
{
    LTY_ASSERT(txn != NULL && card_no != NULL);
    LTY_ASSERT(pin_out != NULL);
    lty_card_t card;
    int err = lty__ops_card_load(txn, card_no, &card);
    if (err == LTY_E_CARD_NOT_FOUND || (err == 0 && card.member_id == 0)) return LTY_E_NOT_FOUND;
    return err == 0 ? lty_ops_pin_get(txn, card.member_id, pin_out) : err;
}

static int pin_put(lty_store_txn_t *txn, const lty_pin_t *pin)
{
    uint8_t buffer[LTY_RECORD_PIN_BYTES_MAX];
    size_t size = lty_record_pin_encode(pin, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, pin->member_id);
    return lty_store_put(txn, LTY_DB_MEMBER_PINS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty__ops_pin_put(lty_store_txn_t *txn, const lty_pin_t *pin)
{
    LTY_ASSERT(txn != NULL && pin != NULL);
    return pin_put(txn, pin);
}

/* The member's record, or a fresh one (no PIN) when none is stored. */
static int pin_load_or_new(lty_store_txn_t *txn, uint64_t member_id, lty_pin_t *pin_out)
{
    int err = lty_ops_pin_get(txn, member_id, pin_out);
    if (err == LTY_E_NOT_FOUND) {
        memset(pin_out, 0, sizeof(*pin_out));
        pin_out->member_id = member_id;
        err = 0;
    }
    return err;
}

int lty_ops_pin_set(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                    const lty_ops_pin_set_t *pin_set, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && pin_set != NULL);
    LTY_ASSERT(pin_set->hashed.t_cost > 0);
    lty_card_t card;
    lty_member_t member;
    int err = lty__ops_card_member(txn, pin_set->card_no, now_ms, &card, &member);
    lty_pin_t pin;
    if (err == 0) err = pin_load_or_new(txn, member.member_id, &pin);
    if (err != 0) return err;
    if (pin.set == 1 && !pin_set->reset_code_given) {
        return lty_diag_set(diag, LTY_E_PIN_ALREADY_SET, NULL,
                            "a PIN is set; an operator can issue a one-time reset code");
    }
    if (pin_set->reset_code_given &&
        (pin.reset_expires_ms <= now_ms ||
         memcmp(pin.reset_hash, pin_set->reset_code_hash, sizeof(pin.reset_hash)) != 0)) {
        return lty_diag_set(diag, LTY_E_FORBIDDEN, "/reset_code",
                            "reset code is wrong, used or expired");
    }
    pin.set = 1;
    pin.version++;
    pin.t_cost = pin_set->hashed.t_cost;
    pin.m_cost_kib = pin_set->hashed.m_cost_kib;
    memcpy(pin.salt, pin_set->hashed.salt, sizeof(pin.salt));
    memcpy(pin.hash, pin_set->hashed.hash, sizeof(pin.hash));
    pin.failures = 0;
    pin.locked_until_ms = 0;
    memset(pin.reset_hash, 0, sizeof(pin.reset_hash));
    pin.reset_expires_ms = 0;
    pin.updated_ms = now_ms;
    err = pin_put(txn, &pin);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, pin.member_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "pin.set", target,
                                       pin_set->reset_code_given ? "with reset code" : "first");
    /* A PIN set with a reset code replaces one that may be known to someone else: the
     * member's portal sessions end with it. */
    if (err == 0) err = lty_ops_sessions_end(txn, pin.member_id, NULL, NULL);
    return err;
}

int lty_ops_pin_reset_issue(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            const char *card_no, const uint8_t code_hash[32])
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(card_no != NULL && code_hash != NULL);
    if (lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_SIZE)) != 0) {
        return LTY_E_INVALID_CARD_NO;
    }
    lty_card_t card;
    int err = lty__ops_card_load(txn, card_no, &card);
    if (err == 0 && card.member_id == 0) return LTY_E_CARD_NOT_ACTIVATED;
    lty_pin_t pin;
    if (err == 0) err = pin_load_or_new(txn, card.member_id, &pin);
    if (err != 0) return err;
    memcpy(pin.reset_hash, code_hash, sizeof(pin.reset_hash));
    pin.reset_expires_ms = now_ms + LTY_PIN_RESET_MS;
    pin.updated_ms = now_ms;
    err = pin_put(txn, &pin);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "card:%s", card_no);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "pin.reset_code", target, "issued");
    return err;
}

static int64_t sale_prepaid_cents(const lty_ops_sale_t *sale)
{
    int64_t cents = 0;
    for (size_t index = 0; index < sale->tenders_count; index++) {
        if (sale->tenders[index].type == LTY_TENDER_PREPAID) {
            cents += sale->tenders[index].amount_cents;
        }
    }
    return cents;
}

/* A wrong PIN: count it, lock at the limit, and keep the write. */
static int pin_failure(lty_store_txn_t *txn, lty_pin_t *pin, int64_t now_ms, bool *keep_out,
                       lty_diag_t *diag)
{
    pin->failures++;
    bool locked = pin->failures >= LTY_PIN_FAILURES_MAX;
    if (locked) {
        pin->failures = 0;
        pin->locked_until_ms = now_ms + LTY_PIN_LOCK_MS;
    }
    pin->updated_ms = now_ms;
    int err = pin_put(txn, pin);
    if (err != 0) return err;
    *keep_out = true;
    if (locked) {
        return lty_diag_set(diag, LTY_E_PIN_LOCKED, "/pin",
                            "%d wrong PINs: locked for %" PRId64 " minutes", LTY_PIN_FAILURES_MAX,
                            LTY_PIN_LOCK_MS / 60000);
    }
    return lty_diag_set(diag, LTY_E_PIN_INCORRECT, "/pin", "PIN is incorrect (%u of %d tries)",
                        pin->failures, LTY_PIN_FAILURES_MAX);
}

int lty_ops_pin_gate(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                     const lty_ops_sale_t *sale, bool *keep_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && programme != NULL && sale != NULL);
    LTY_ASSERT(keep_out != NULL);
    *keep_out = false;
    if (sale_prepaid_cents(sale) <= programme->pin_required_above_cents) return 0;
    lty_pin_t pin;
    int err = lty_ops_pin_get_by_card(txn, sale->card_no, &pin);
    if (err == LTY_E_NOT_FOUND || (err == 0 && pin.set == 0)) {
        return lty_diag_set(diag, LTY_E_PIN_REQUIRED, "/pin",
                            "prepaid above %" PRId64 " cents needs a PIN; none is set on this card",
                            programme->pin_required_above_cents);
    }
    if (err != 0) return err;
    if (pin.locked_until_ms > now_ms) {
        return lty_diag_set(diag, LTY_E_PIN_LOCKED, "/pin", "PIN locked after wrong PINs");
    }
    switch (sale->pin_check) {
    case LTY_OPS_PIN_NONE:
    case LTY_OPS_PIN_UNSET:
        return lty_diag_set(diag, LTY_E_PIN_REQUIRED, "/pin",
                            "prepaid above %" PRId64 " cents needs the member's PIN",
                            programme->pin_required_above_cents);
    case LTY_OPS_PIN_MATCHED:
    case LTY_OPS_PIN_WRONG:
    default: break;
    }
    if (sale->pin_version != pin.version) { /* changed since the loop thread checked it */
        return lty_diag_set(diag, LTY_E_PIN_INCORRECT, "/pin", "PIN changed; enter it again");
    }
    if (sale->pin_check == LTY_OPS_PIN_WRONG) return pin_failure(txn, &pin, now_ms, keep_out, diag);
    if (pin.failures == 0 && pin.locked_until_ms == 0) return 0;
    pin.failures = 0;
    pin.locked_until_ms = 0;
    pin.updated_ms = now_ms;
    return pin_put(txn, &pin);
}

/* ---- Migration (schema 4 -> 5): card-pins -> member-pins --------------------------------- */

/* Of two PIN records of one member (two cards each with a PIN), the one changed last wins. */
static bool pin_newer(const lty_pin_t *candidate, const lty_pin_t *kept)
{
    if (candidate->set != kept->set) return candidate->set > kept->set;
    return candidate->updated_ms > kept->updated_ms;
}

int lty_ops_pin_migrate(lty_store_txn_t *txn, uint64_t *moved_out)
{
    LTY_ASSERT(txn != NULL && moved_out != NULL);
    for (;;) {
        lty_store_cursor_t *cursor = NULL;
        int err = lty_store_cursor_open(txn, LTY_DB_CARD_PINS, &cursor);
        if (err != 0) return err;
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
        lty_pin_t pin;
        char card_no[LTY_CARD_NO_SIZE];
        if (err == 0) err = lty_record_card_pin_decode(value, &pin, card_no);
        lty_store_cursor_close(cursor); /* views die with the writes below */
        if (err == LTY_E_NOT_FOUND) return 0;
        lty_card_t card;
        if (err == 0) err = lty__ops_card_load(txn, card_no, &card);
        if (err == 0 && card.member_id == 0) err = LTY_E_CORRUPT; /* a PIN needs a member */
        lty_pin_t kept;
        int found = err == 0 ? lty_ops_pin_get(txn, card.member_id, &kept) : err;
        pin.member_id = err == 0 ? card.member_id : 0;
        if (err == 0 && (found == LTY_E_NOT_FOUND || (found == 0 && pin_newer(&pin, &kept)))) {
            err = pin_put(txn, &pin);
        } else if (err == 0 && found != 0) {
            err = found;
        }
        lty_key_t old_key;
        lty_key_text(&old_key, card_no);
        if (err == 0) err = lty_store_del(txn, LTY_DB_CARD_PINS, lty_key_bytes(&old_key));
        if (err != 0) return err;
        (*moved_out)++;
    }
}
