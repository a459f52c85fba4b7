/* SPDX-License-Identifier: MIT */
/* Member portal sessions and the login throttle (schema 5): what is stored when a member logs
 * in, is seen, logs out, changes the PIN or reports a card lost, and when wrong logins lock.
 *
 * Sessions are keyed by the SHA-256 of the cookie's random token, so a copy of the ledger opens
 * none; SESSIONS_BY_MEMBER finds a member's sessions (to end those opened with a lost card, or
 * all of them), and PORTAL_EXPIRY lists what the portal sweep deletes once due: sessions at
 * their absolute expiry and throttle counts one lock window after their last failure. The
 * sweep runs a few entries at a time inside logins, never on a read.
 *
 * The throttle has one record per member and one per card number or phone that names no member
 * (keyed by a peppered SHA-256), so an unknown identifier locks after as many wrong logins as a
 * known one, and a wrong login writes one record in both cases: they answer alike.
 *
 * Not here: the argon2 check (ops_pin.c, on a loop thread), cookies, CSRF tokens and the
 * per-address throttle (api/member_session.c). */
#include "lty/lty_assert.h"
#include "ops.h"

#include <string.h>

/* ---- Expiry index ------------------------------------------------------------------------ */

static int expiry_put(lty_store_txn_t *txn, int64_t expires_ms, lty_db_t db, lty_bytes_t key)
{
    lty_key_t index;
    lty_key_portal_expiry(&index, expires_ms, (uint8_t)db, key);
    return lty_store_put(txn, LTY_DB_PORTAL_EXPIRY, lty_key_bytes(&index),
                         (lty_bytes_t){.data = NULL, .size = 0});
}

static int expiry_del(lty_store_txn_t *txn, int64_t expires_ms, lty_db_t db, lty_bytes_t key)
{
    lty_key_t index;
    lty_key_portal_expiry(&index, expires_ms, (uint8_t)db, key);
    int err = lty_store_del(txn, LTY_DB_PORTAL_EXPIRY, lty_key_bytes(&index));
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Sessions ---------------------------------------------------------------------------- */

static void session_key(lty_key_t *key_out, const uint8_t hash[LTY_SESSION_HASH_BYTES])
{
    memcpy(key_out->data, hash, LTY_SESSION_HASH_BYTES);
    key_out->size = LTY_SESSION_HASH_BYTES;
}

int lty_ops_session_get(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                        lty_session_t *session_out)
{
    LTY_ASSERT(txn != NULL && hash != NULL);
    LTY_ASSERT(session_out != NULL);
    lty_key_t key;
    session_key(&key, hash);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SESSIONS, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_session_decode(value, session_out);
    return err;
}

static int session_put(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                       const lty_session_t *session)
{
    uint8_t buffer[LTY_RECORD_SESSION_BYTES_MAX];
    size_t size = lty_record_session_encode(session, buffer, sizeof(buffer));
    lty_key_t key;
    session_key(&key, hash);
    return lty_store_put(txn, LTY_DB_SESSIONS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty_ops_session_open(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                         const lty_session_t *session)
{
    LTY_ASSERT(txn != NULL && hash != NULL);
    LTY_ASSERT(session != NULL && lty_record_session_valid(session));
    int err = session_put(txn, hash, session);
    lty_key_t key;
    lty_key_member_session(&key, session->member_id, hash);
    if (err == 0) {
        err = lty_store_put(txn, LTY_DB_SESSIONS_BY_MEMBER, lty_key_bytes(&key),
                            (lty_bytes_t){.data = NULL, .size = 0});
    }
    session_key(&key, hash);
    if (err == 0) err = expiry_put(txn, session->expires_ms, LTY_DB_SESSIONS, lty_key_bytes(&key));
    return err;
}

int lty_ops_session_touch(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                          int64_t now_ms)
{
    LTY_ASSERT(txn != NULL && hash != NULL);
    lty_session_t session;
    int err = lty_ops_session_get(txn, hash, &session);
    if (err == LTY_E_NOT_FOUND) return 0; /* ended meanwhile: nothing to keep alive */
    if (err != 0 || now_ms <= session.last_seen_ms) return err;
    session.last_seen_ms = now_ms;
    return session_put(txn, hash, &session);
}

int lty_ops_session_close(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES])
{
    LTY_ASSERT(txn != NULL && hash != NULL);
    lty_session_t session;
    int err = lty_ops_session_get(txn, hash, &session);
    if (err != 0) return err;
    lty_key_t key;
    session_key(&key, hash);
    err = lty_store_del(txn, LTY_DB_SESSIONS, lty_key_bytes(&key));
    if (err == 0) err = expiry_del(txn, session.expires_ms, LTY_DB_SESSIONS, lty_key_bytes(&key));
    lty_key_member_session(&key, session.member_id, hash);
    if (err == 0) err = lty_store_del(txn, LTY_DB_SESSIONS_BY_MEMBER, lty_key_bytes(&key));
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* The member's next session hash after `after` (NULL: the first) into hash_out. */
static int member_session_next(lty_store_txn_t *txn, uint64_t member_id, const uint8_t *after,
                               uint8_t hash_out[LTY_SESSION_HASH_BYTES])
{
    static const uint8_t zero[LTY_SESSION_HASH_BYTES] = {0};
    lty_key_t key;
    lty_key_member_session(&key, member_id, after != NULL ? after : zero);
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_SESSIONS_BY_MEMBER, &cursor);
    if (err != 0) return err;
    lty_bytes_t found = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&key), &found, &value);
    if (err == 0 && after != NULL && found.size == key.size &&
        memcmp(found.data, key.data, key.size) == 0) {
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &found, &value);
    }
    uint64_t owner = 0;
    if (err == 0 && (found.size != 8 + LTY_SESSION_HASH_BYTES ||
                     !lty_key_u64_at(found, 0, &owner) || owner != member_id)) {
        err = LTY_E_NOT_FOUND;
    }
    if (err == 0) memcpy(hash_out, (const uint8_t *)found.data + 8, LTY_SESSION_HASH_BYTES);
    lty_store_cursor_close(cursor);
    return err;
}

int lty_ops_sessions_end(lty_store_txn_t *txn, uint64_t member_id, const char *card_no,
                         const uint8_t *keep_hash)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(member_id >= 1);
    uint8_t hash[LTY_SESSION_HASH_BYTES];
    const uint8_t *after = NULL;
    uint8_t after_copy[LTY_SESSION_HASH_BYTES];
    for (size_t visited = 0; visited < LTY_SESSIONS_PER_MEMBER_SCAN_MAX; visited++) {
        int err = member_session_next(txn, member_id, after, hash);
        if (err == LTY_E_NOT_FOUND) return 0;
        if (err != 0) return err;
        memcpy(after_copy, hash, sizeof(after_copy));
        after = after_copy;
        if (keep_hash != NULL && memcmp(keep_hash, hash, sizeof(hash)) == 0) continue;
        lty_session_t session;
        err = lty_ops_session_get(txn, hash, &session);
        if (err == LTY_E_NOT_FOUND) continue;
        if (err != 0) return err;
        if (card_no != NULL && strcmp(session.card_no, card_no) != 0) continue;
        err = lty_ops_session_close(txn, hash);
        if (err != 0) return err;
    }
    return 0;
}

/* ---- Login throttle ---------------------------------------------------------------------- */

int lty_ops_login_throttle_get(lty_store_txn_t *txn, lty_bytes_t key, int64_t now_ms,
                               int64_t lock_ms, lty_login_throttle_t *throttle_out)
{
    LTY_ASSERT(txn != NULL && throttle_out != NULL);
    LTY_ASSERT(lock_ms > 0);
    memset(throttle_out, 0, sizeof(*throttle_out));
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_LOGIN_THROTTLE, key, &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err == 0) err = lty_record_login_throttle_decode(value, throttle_out);
    if (err != 0) return err;
    /* Failures older than a lock window are forgotten, whether or not the sweep ran yet. */
    if (throttle_out->locked_until_ms <= now_ms && throttle_out->updated_ms + lock_ms <= now_ms) {
        memset(throttle_out, 0, sizeof(*throttle_out));
    }
    return 0;
}

int lty_ops_login_failure(lty_store_txn_t *txn, lty_bytes_t key, int64_t now_ms,
                          uint32_t failures_max, int64_t lock_ms,
                          lty_login_throttle_t *throttle_out)
{
    LTY_ASSERT(txn != NULL && throttle_out != NULL);
    LTY_ASSERT(failures_max >= 1 && lock_ms > 0);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_LOGIN_THROTTLE, key, &value);
    lty_login_throttle_t stored = {0};
    if (err == 0) err = lty_record_login_throttle_decode(value, &stored);
    if (err == 0) err = expiry_del(txn, stored.updated_ms + lock_ms, LTY_DB_LOGIN_THROTTLE, key);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    err = lty_ops_login_throttle_get(txn, key, now_ms, lock_ms, throttle_out);
    if (err != 0) return err;
    throttle_out->failures++;
    throttle_out->updated_ms = now_ms;
    if (throttle_out->failures >= failures_max) {
        throttle_out->failures = 0;
        throttle_out->locked_until_ms = now_ms + lock_ms;
    }
    uint8_t buffer[LTY_RECORD_LOGIN_THROTTLE_BYTES_MAX];
    size_t size = lty_record_login_throttle_encode(throttle_out, buffer, sizeof(buffer));
    err = lty_store_put(txn, LTY_DB_LOGIN_THROTTLE, key,
                        (lty_bytes_t){.data = buffer, .size = size});
    /* Due once both the lock and the window of the last failure are over. */
    if (err == 0) err = expiry_put(txn, now_ms + lock_ms, LTY_DB_LOGIN_THROTTLE, key);
    return err;
}

int lty_ops_login_success(lty_store_txn_t *txn, uint64_t member_id, int64_t lock_ms)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(member_id >= 1);
    lty_key_t key;
    lty_key_throttle_member(&key, member_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_LOGIN_THROTTLE, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    lty_login_throttle_t stored;
    if (err == 0) err = lty_record_login_throttle_decode(value, &stored);
    if (err == 0) {
        err = expiry_del(txn, stored.updated_ms + lock_ms, LTY_DB_LOGIN_THROTTLE,
                         lty_key_bytes(&key));
    }
    if (err == 0) err = lty_store_del(txn, LTY_DB_LOGIN_THROTTLE, lty_key_bytes(&key));
    return err;
}

/* ---- Sweep ------------------------------------------------------------------------------- */

/* Delete one due record named by an expiry entry (copied: the views die with the writes). */
static int sweep_one(lty_store_txn_t *txn, uint8_t db, lty_bytes_t record_key)
{
    if (db == LTY_DB_SESSIONS && record_key.size == LTY_SESSION_HASH_BYTES) {
        int err = lty_ops_session_close(txn, record_key.data);
        return err == LTY_E_NOT_FOUND ? 0 : err;
    }
    if (db == LTY_DB_LOGIN_THROTTLE) {
        int err = lty_store_del(txn, LTY_DB_LOGIN_THROTTLE, record_key);
        return err == LTY_E_NOT_FOUND ? 0 : err;
    }
    return LTY_E_CORRUPT;
}

int lty_ops_portal_sweep(lty_store_txn_t *txn, int64_t now_ms, size_t limit,
                         size_t *swept_out)
{
    LTY_ASSERT(txn != NULL && swept_out != NULL);
    LTY_ASSERT(limit >= 1);
    *swept_out = 0;
    while (*swept_out < limit) {
        lty_store_cursor_t *cursor = NULL;
        int err = lty_store_cursor_open(txn, LTY_DB_PORTAL_EXPIRY, &cursor);
        if (err != 0) return err;
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
        int64_t expires_ms = 0;
        uint8_t db = 0;
        lty_bytes_t record_key = {0};
        lty_key_t index_copy, record_copy;
        if (err == 0 && !lty_key_portal_expiry_split(key, &expires_ms, &db, &record_key)) {
            err = LTY_E_CORRUPT;
        }
        if (err == 0) {
            memcpy(index_copy.data, key.data, key.size);
            index_copy.size = key.size;
            memcpy(record_copy.data, record_key.data, record_key.size);
            record_copy.size = record_key.size;
        }
        lty_store_cursor_close(cursor);
        if (err == LTY_E_NOT_FOUND || (err == 0 && expires_ms > now_ms)) return 0;
        if (err == 0) err = lty_store_del(txn, LTY_DB_PORTAL_EXPIRY, lty_key_bytes(&index_copy));
        if (err == 0) err = sweep_one(txn, db, lty_key_bytes(&record_copy));
        if (err != 0) return err;
        (*swept_out)++;
    }
    return 0;
}
