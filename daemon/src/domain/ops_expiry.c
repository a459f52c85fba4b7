/* SPDX-License-Identifier: MIT */
/* Points expiry: what of a member's points may be spent now, when the rest expires, and the
 * sweep that posts expired lots to breakage.
 *
 * Policies (docs/programme.md "Points expiry"):
 * - A lot whose expires_ms has come (expires_ms <= now) is never spent and never counted in a
 *   balance a till or operator sees, from that instant, whether or not the sweep has run.
 * - The sweep walks LOTS_BY_EXPIRY (expires_ms | entry_id -> member), written when a lot is
 *   made, from its start up to now. Each due lot with points left gets one EXPIRE entry
 *   (member-points -n, points-expired +n, related_entry_id = the entry that earned the lot) and
 *   is set to 0; its index entry is deleted in the same transaction. A lot is thus expired at
 *   most once, however often the sweep runs and across restarts: a second sweep finds neither
 *   the index entry nor points. Nothing ever refills an expired lot (returns send such points
 *   to breakage: ops_return.c).
 * - Until the sweep has run, the ledger still holds the expired points on the member's account
 *   (the balance the journal says); what a till sees is that balance less those lots. */
#include "calendar.h"
#include "ledger.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int lty__ops_lot_expiry_index(lty_store_txn_t *txn, const lty_lot_t *lot)
{
    LTY_ASSERT(txn != NULL && lot != NULL);
    if (lot->expires_ms == LTY_LOT_EXPIRES_NEVER) return 0;
    uint8_t member[8];
    lty_record_u64_encode(lot->member_id, member);
    lty_key_t key;
    lty_key_lot_expiry(&key, lot->expires_ms, lot->entry_id);
    return lty_store_put(txn, LTY_DB_LOTS_BY_EXPIRY, lty_key_bytes(&key),
                         (lty_bytes_t){.data = member, .size = sizeof(member)});
}

/* Walk a member's lots in key order (soonest expiry first), calling visit until it returns
 * non-zero (1 stops the walk without error). */
typedef int (*lot_visit_cb)(const lty_lot_t *lot, void *userdata);

static int lots_walk(lty_store_txn_t *txn, uint64_t member_id, lot_visit_cb visit, void *userdata)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_LOT);
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && lty_key_member_part_is(key, member_id, LTY_PART_LOT)) {
        lty_lot_t lot;
        err = lty_record_lot_decode(value, &lot);
        if (err == 0 && lot.member_id != member_id) err = LTY_E_CORRUPT;
        if (err == 0) err = visit(&lot, userdata);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND || err == 1 ? 0 : err;
}

typedef struct expired_sum_s {
    int64_t now_ms;
    int64_t points;
} expired_sum_t;

static int expired_visit(const lty_lot_t *lot, void *userdata)
{
    expired_sum_t *sum = userdata;
    if (lot->expires_ms > sum->now_ms) return 1; /* the rest sort later: none has expired */
    sum->points += lot->points_remaining;
    return 0;
}

int lty_ops_points_available(lty_store_txn_t *txn, uint64_t member_id, int64_t now_ms,
                              int64_t *balance_out, int64_t *available_out)
{
    LTY_ASSERT(txn != NULL && balance_out != NULL && available_out != NULL);
    lty_account_t account;
    int err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &account);
    expired_sum_t expired = {.now_ms = now_ms};
    if (err == 0 && account.balance > 0) err = lots_walk(txn, member_id, expired_visit, &expired);
    if (err != 0) return err;
    *balance_out = account.balance;
    /* Lots hold the balance when it is positive (verify.c), so this stays >= 0. */
    *available_out = account.balance > 0 ? account.balance - expired.points : account.balance;
    LTY_ASSERT(account.balance <= 0 || *available_out >= 0);
    return 0;
}

typedef struct expiring_s {
    const lty_programme_t *programme;
    int64_t now_ms;
    lty_ops_points_expiring_t *out;
    size_t count;
} expiring_t;

static int expiring_visit(const lty_lot_t *lot, void *userdata)
{
    expiring_t *state = userdata;
    lty_ops_points_expiring_t *out = state->out;
    if (lot->expires_ms <= state->now_ms || lot->points_remaining == 0) return 0;
    if (lot->expires_ms == LTY_LOT_EXPIRES_NEVER) return 1;
    /* The last local day the points may be spent: the day of the instant before expiry. */
    lty_cal_local_t local;
    lty_cal_local(lot->expires_ms - 1, state->programme->utc_offset_minutes, &local);
    if (state->count > 0 && out[state->count - 1].day == local.day) {
        out[state->count - 1].points += lot->points_remaining;
        return 0;
    }
    if (state->count == LTY_POINTS_EXPIRING_SHOWN) return 1;
    out[state->count] = (lty_ops_points_expiring_t){
        .day = local.day, .expires_ms = lot->expires_ms, .points = lot->points_remaining};
    state->count++;
    return 0;
}

int lty_ops_points_expiring(lty_store_txn_t *txn, const lty_programme_t *programme,
                            uint64_t member_id, int64_t now_ms,
                            lty_ops_points_expiring_t out[LTY_POINTS_EXPIRING_SHOWN],
                            size_t *count_out)
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(out != NULL && count_out != NULL);
    memset(out, 0, LTY_POINTS_EXPIRING_SHOWN * sizeof(*out));
    expiring_t state = {.programme = programme, .now_ms = now_ms, .out = out};
    int err = lots_walk(txn, member_id, expiring_visit, &state);
    *count_out = state.count;
    return err;
}

/* ---- The sweep ------------------------------------------------------------------------- */

typedef struct due_lot_s {
    int64_t expires_ms;
    uint64_t entry_id;
    uint64_t member_id;
} due_lot_t;

/* The index entries due at now_ms, first first, at most max. */
static int due_collect(lty_store_txn_t *txn, int64_t now_ms, due_lot_t *due, size_t max,
                       size_t *count_out, bool *more_out)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_LOTS_BY_EXPIRY, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    size_t count = 0;
    *more_out = false;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        due_lot_t lot;
        if (!lty_key_lot_expiry_split(key, &lot.expires_ms, &lot.entry_id) ||
            lty_record_u64_decode(value, &lot.member_id) != 0 || lot.member_id == 0) {
            err = LTY_E_CORRUPT;
            break;
        }
        if (lot.expires_ms > now_ms) break;
        if (count == max) {
            *more_out = true;
            break;
        }
        due[count++] = lot;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    *count_out = count;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* One due lot: its EXPIRE entry when it has points left, then out of the index. */
static int lot_expire(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      const due_lot_t *due, lty_ops_expiry_sweep_t *sweep)
{
    lty_key_t key;
    lty_key_lot(&key, due->member_id, due->expires_ms, due->entry_id);
    lty_bytes_t value;
    lty_lot_t lot;
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT; /* the index names a lot that is gone */
    if (err == 0) err = lty_record_lot_decode(value, &lot);
    if (err == 0 && lot.points_remaining > 0) {
        lty_journal_entry_t entry;
        memset(&entry, 0, sizeof(entry));
        entry.kind = LTY_ENTRY_EXPIRE;
        entry.member_id = lot.member_id;
        entry.related_entry_id = lot.entry_id;
        snprintf(entry.principal, sizeof(entry.principal), "%s", lty__ops_principal(actor));
        snprintf(entry.reference, sizeof(entry.reference), "lot of entry %" PRIu64,
                 lot.entry_id);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, lot.member_id,
                               -lot.points_remaining);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_EXPIRED, 0, lot.points_remaining);
        err = lty__ops_journal_post(txn, &entry, now_ms);
        sweep->lots_expired++;
        sweep->points_expired += lot.points_remaining;
        lot.points_remaining = 0;
        uint8_t buffer[LTY_RECORD_LOT_BYTES_MAX];
        size_t size = lty_record_lot_encode(&lot, buffer, sizeof(buffer));
        if (err == 0) err = lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                                          (lty_bytes_t){.data = buffer, .size = size});
    }
    lty_key_lot_expiry(&key, due->expires_ms, due->entry_id);
    if (err == 0) err = lty_store_del(txn, LTY_DB_LOTS_BY_EXPIRY, lty_key_bytes(&key));
    sweep->lots_visited++;
    return err;
}

int lty_ops_expiry_sweep(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         size_t lots_max, lty_ops_expiry_sweep_t *sweep_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && sweep_out != NULL);
    LTY_ASSERT(lots_max >= 1 && lots_max <= LTY_EXPIRY_LOTS_PER_TXN_MAX);
    static _Thread_local due_lot_t due[LTY_EXPIRY_LOTS_PER_TXN_MAX];
    lty_ops_expiry_sweep_t sweep;
    memset(&sweep, 0, sizeof(sweep));
    size_t count = 0;
    int err = due_collect(txn, now_ms, due, lots_max, &count, &sweep.more);
    for (size_t index = 0; err == 0 && index < count; index++) {
        err = lot_expire(txn, actor, now_ms, &due[index], &sweep);
    }
    if (err == 0 && sweep.lots_expired > 0) {
        char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
        snprintf(detail, sizeof(detail), "%" PRIu64 " lots, %" PRId64 " points",
                 sweep.lots_expired, sweep.points_expired);
        err = lty__ops_audit(txn, actor, now_ms, "expiry.sweep", "expiry", detail);
    }
    if (err == 0) *sweep_out = sweep;
    return err;
}

/* Puts into LOTS_BY_EXPIRY while a cursor walks MEMBER_LEDGER: LMDB keeps a cursor valid across
 * writes to other databases of its transaction, and each lot is decoded (copied) before. */
int lty_ops_lot_expiry_backfill(lty_store_txn_t *txn, uint64_t *indexed_out)
{
    LTY_ASSERT(txn != NULL && indexed_out != NULL);
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    uint64_t indexed = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        if (key.size > LTY_MEMBER_PART_PREFIX_BYTES &&
            ((const uint8_t *)key.data)[8] == LTY_PART_LOT) {
            lty_lot_t lot;
            err = lty_record_lot_decode(value, &lot);
            if (err == 0) err = lty__ops_lot_expiry_index(txn, &lot);
            indexed += err == 0 && lot.expires_ms != LTY_LOT_EXPIRES_NEVER;
        }
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    if (err == LTY_E_NOT_FOUND) err = 0;
    if (err == 0) *indexed_out = indexed;
    return err;
}
