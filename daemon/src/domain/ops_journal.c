/* SPDX-License-Identifier: MIT */
/* The plumbing every domain operation shares: posting a journal entry (append, member index,
 * account balances), lots, the audit log, and the member journal page read.
 *
 * The one rule kept here: a balance is never written without its journal entry, in the same
 * transaction. lty__ops_journal_post() is the only function that writes accounts (ACCOUNTS for
 * the system's, MEMBER_LEDGER for members': lty_key_account() says which). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The next id of an appended database: its last key + 1 (ids start at 1). */
int lty__ops_id_next(lty_store_txn_t *txn, lty_db_t db, uint64_t *id_out)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_LAST, (lty_bytes_t){0}, &key, &value);
    lty_store_cursor_close(cursor);
    uint64_t last = 0;
    if (err == LTY_E_NOT_FOUND) {
        err = 0;
    } else if (err == 0 && (key.size != 8 || !lty_key_u64_at(key, 0, &last))) {
        err = LTY_E_CORRUPT;
    }
    if (err != 0) return err;
    LTY_ASSERT(last < UINT64_MAX);
    *id_out = last + 1;
    return 0;
}

int lty__ops_account_get(lty_store_txn_t *txn, lty_account_kind_t kind, uint64_t owner,
                         lty_account_t *account_out)
{
    LTY_ASSERT(txn != NULL && account_out != NULL);
    LTY_ASSERT((lty_account_kind_is_member(kind) || lty_account_kind_is_staff(kind)) ==
               (owner != 0));
    lty_key_t key;
    lty_db_t db = lty_key_account(&key, kind, owner);
    lty_bytes_t value;
    int err = lty_store_get(txn, db, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) {
        *account_out = (lty_account_t){.kind = (uint8_t)kind, .owner = owner};
        return 0;
    }
    if (err != 0) return err;
    err = lty_record_account_decode(value, account_out);
    if (err == 0 && (account_out->kind != kind || account_out->owner != owner)) {
        err = LTY_E_CORRUPT;
    }
    return err;
}

static int account_post(lty_store_txn_t *txn, const lty_posting_t *posting, int64_t now_ms)
{
    lty_account_t account;
    lty_account_kind_t kind = (lty_account_kind_t)posting->account_kind;
    int err = lty__ops_account_get(txn, kind, posting->owner, &account);
    if (err != 0) return err;
    err = lty_ledger_account_apply(&account, posting->amount, now_ms);
    if (err != 0) return err;
    uint8_t buffer[LTY_RECORD_ACCOUNT_BYTES_MAX];
    size_t size = lty_record_account_encode(&account, buffer, sizeof(buffer));
    lty_key_t key;
    lty_db_t db = lty_key_account(&key, kind, posting->owner);
    return lty_store_put(txn, db, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty__ops_journal_post(lty_store_txn_t *txn, lty_journal_entry_t *entry, int64_t now_ms)
{
    LTY_ASSERT(txn != NULL && entry != NULL);
    LTY_ASSERT(lty_ledger_entry_balanced(entry));
    int err = lty__ops_id_next(txn, LTY_DB_JOURNAL, &entry->entry_id);
    if (err != 0) return err;
    entry->created_ms = now_ms;
    uint8_t buffer[LTY_RECORD_ENTRY_BYTES_MAX];
    size_t size = lty_record_entry_encode(entry, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, entry->entry_id);
    err = lty_store_append(txn, LTY_DB_JOURNAL, lty_key_bytes(&key),
                           (lty_bytes_t){.data = buffer, .size = size});
    if (err == 0 && entry->member_id != 0) {
        lty_key_member_journal(&key, entry->member_id, entry->entry_id);
        err = lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                            (lty_bytes_t){.data = "", .size = 0});
    }
    for (uint32_t index = 0; err == 0 && index < entry->postings_count; index++) {
        err = account_post(txn, &entry->postings[index], now_ms);
    }
    return err;
}

int lty__ops_member_load(lty_store_txn_t *txn, uint64_t member_id, lty_member_t *member_out)
{
    LTY_ASSERT(txn != NULL && member_out != NULL);
    if (member_id == 0) return LTY_E_MEMBER_NOT_FOUND;
    lty_key_t key;
    lty_key_id(&key, member_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_MEMBERS, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_MEMBER_NOT_FOUND;
    if (err != 0) return err;
    err = lty_record_member_decode(value, member_out);
    if (err == 0 && member_out->member_id != member_id) err = LTY_E_CORRUPT;
    return err;
}

static int lot_put(lty_store_txn_t *txn, const lty_lot_t *lot)
{
    uint8_t buffer[LTY_RECORD_LOT_BYTES_MAX];
    size_t size = lty_record_lot_encode(lot, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_lot(&key, lot->member_id, lot->expires_ms, lot->entry_id);
    return lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty__ops_lots_credit(lty_store_txn_t *txn, uint64_t member_id, int64_t balance_before,
                         int64_t points, int64_t expires_ms, uint64_t entry_id)
{
    LTY_ASSERT(txn != NULL && member_id != 0);
    LTY_ASSERT(points > 0 && entry_id != 0);
    int64_t lot_points = lty_ledger_lot_credit(balance_before, points);
    if (lot_points == 0) return 0; /* the credit only repaid a negative balance */
    lty_lot_t lot = {.member_id = member_id,
                     .expires_ms = expires_ms,
                     .entry_id = entry_id,
                     .points_initial = lot_points,
                     .points_remaining = lot_points};
    int err = lot_put(txn, &lot);
    if (err == 0) err = lty__ops_lot_expiry_index(txn, &lot); /* for the sweep (ops_expiry.c) */
    return err;
}

/* Lots with nothing remaining are skipped (kept for history: returns refill them). The
 * walk is bounded: a member with more non-empty lots than LTY_LOTS_PER_REDEMPTION_MAX in front
 * of the needed points is refused with LTY_E_POINTS_LIMIT rather than scanned without end. */
int lty__ops_lots_debit(lty_store_txn_t *txn, uint64_t member_id, int64_t points)
{
    LTY_ASSERT(txn != NULL && member_id != 0);
    LTY_ASSERT(points > 0);
    return lty__ops_lots_debit_record(txn, member_id, points, NULL, NULL);
}

/* Which lots a load takes, by their expiry at now_ms. */
typedef enum lots_class { LOTS_ALL, LOTS_UNEXPIRED, LOTS_EXPIRED } lots_class_t;

static bool lot_in_class(const lty_lot_t *lot, lots_class_t class, int64_t now_ms)
{
    if (class == LOTS_ALL) return true;
    return (lot->expires_ms <= now_ms) == (class == LOTS_EXPIRED);
}

/* The member's lots of one class with points left, in key order (soonest expiry first), until
 * they hold `points`. Expired lots sort first, so a load of expired lots stops at the first lot
 * that has not expired. */
static int lots_load(lty_store_txn_t *txn, uint64_t member_id, int64_t points, int64_t now_ms,
                     lots_class_t class, lty_lot_t *lots, size_t *lots_count_out)
{
    size_t lots_count = 0;
    int64_t found = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_LOT);
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && found < points) {
        if (!lty_key_member_part_is(key, member_id, LTY_PART_LOT)) break;
        if (lots_count == LTY_LOTS_PER_REDEMPTION_MAX) {
            err = LTY_E_POINTS_LIMIT;
            break;
        }
        err = lty_record_lot_decode(value, &lots[lots_count]);
        if (err == 0 && lots[lots_count].member_id != member_id) err = LTY_E_CORRUPT;
        if (err != 0) break;
        const lty_lot_t *lot = &lots[lots_count];
        if (class == LOTS_EXPIRED && lot->expires_ms > now_ms) break;
        if (lot->points_remaining > 0 && lot_in_class(lot, class, now_ms)) {
            found += lots[lots_count++].points_remaining;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    *lots_count_out = lots_count;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* Take up to `points` from the lots of one class (all of it, or refuse, when exact); appends
 * which lots gave what to used (when not NULL). *taken_out: what was taken. */
static int lots_take_class(lty_store_txn_t *txn, uint64_t member_id, int64_t points,
                           int64_t now_ms, lots_class_t class, bool exact, lty_sale_lot_t *used,
                           uint32_t *used_count, int64_t *taken_out)
{
    static _Thread_local lty_lot_t lots[LTY_LOTS_PER_REDEMPTION_MAX];
    static _Thread_local int64_t before[LTY_LOTS_PER_REDEMPTION_MAX];
    size_t lots_count = 0;
    *taken_out = 0;
    int err = lots_load(txn, member_id, points, now_ms, class, lots, &lots_count);
    if (err != 0) return err;
    int64_t held = 0;
    for (size_t index = 0; index < lots_count; index++) {
        before[index] = lots[index].points_remaining;
        held += lots[index].points_remaining;
    }
    int64_t take = exact || held >= points ? points : held;
    if (take == 0) return 0;
    size_t touched = 0;
    err = lty_ledger_lots_consume(lots, lots_count, take, &touched);
    for (size_t index = 0; err == 0 && index < touched; index++) err = lot_put(txn, &lots[index]);
    if (err != 0) return err;
    for (size_t index = 0; used != NULL && index < touched; index++) {
        LTY_ASSERT(*used_count < LTY_LOTS_PER_REDEMPTION_MAX);
        used[(*used_count)++] =
            (lty_sale_lot_t){.expires_ms = lots[index].expires_ms,
                             .entry_id = lots[index].entry_id,
                             .points = before[index] - lots[index].points_remaining};
    }
    *taken_out = take;
    return 0;
}

int lty__ops_lots_take(lty_store_txn_t *txn, uint64_t member_id, int64_t points, int64_t now_ms,
                       lty_ops_lots_take_t how, lty_sale_lot_t *used_out,
                       uint32_t *used_count_out)
{
    LTY_ASSERT(txn != NULL && member_id != 0);
    LTY_ASSERT(points > 0 && (used_out == NULL) == (used_count_out == NULL));
    LTY_ASSERT(used_out == NULL || how != LTY_OPS_LOTS_UNEXPIRED_FIRST);
    uint32_t used_count = 0;
    int64_t taken = 0;
    int err = 0;
    if (how == LTY_OPS_LOTS_UNEXPIRED_FIRST) {
        err = lots_take_class(txn, member_id, points, now_ms, LOTS_UNEXPIRED, false, NULL, NULL,
                              &taken);
        int64_t rest = points - taken;
        if (err == 0 && rest > 0) {
            err = lots_take_class(txn, member_id, rest, now_ms, LOTS_EXPIRED, true, NULL, NULL,
                                  &taken);
        }
    } else {
        lots_class_t class = how == LTY_OPS_LOTS_ALL ? LOTS_ALL : LOTS_UNEXPIRED;
        err = lots_take_class(txn, member_id, points, now_ms, class, true, used_out, &used_count,
                              &taken);
    }
    if (err == 0 && used_count_out != NULL) *used_count_out = used_count;
    return err;
}

int lty__ops_lots_debit_record(lty_store_txn_t *txn, uint64_t member_id, int64_t points,
                               lty_sale_lot_t *used_out, uint32_t *used_count_out)
{
    LTY_ASSERT(txn != NULL && member_id != 0);
    LTY_ASSERT(points > 0 && (used_out == NULL) == (used_count_out == NULL));
    return lty__ops_lots_take(txn, member_id, points, 0, LTY_OPS_LOTS_ALL, used_out,
                              used_count_out);
}

/* Put points back into a lot that gave them (returns, voids): the lot is found by its key;
 * a lot that no longer exists is created again with that key (it cannot vanish today, but a
 * future expiry sweep may delete spent lots). LTY_E_CORRUPT if it would exceed its initial. */
int lty__ops_lot_refill(lty_store_txn_t *txn, uint64_t member_id, const lty_sale_lot_t *from,
                        int64_t points)
{
    LTY_ASSERT(txn != NULL && from != NULL);
    LTY_ASSERT(member_id != 0 && points > 0 && points <= from->points);
    lty_key_t key;
    lty_key_lot(&key, member_id, from->expires_ms, from->entry_id);
    lty_bytes_t value;
    lty_lot_t lot = {.member_id = member_id, .expires_ms = from->expires_ms,
                     .entry_id = from->entry_id, .points_initial = points};
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_lot_decode(value, &lot);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    if (lot.points_remaining > lot.points_initial - points) return LTY_E_CORRUPT;
    lot.points_remaining += points;
    return lot_put(txn, &lot);
}

/* ---- Journal page ----------------------------------------------------------------------- */

static int entry_load(lty_store_txn_t *txn, uint64_t entry_id, lty_journal_entry_t *entry_out)
{
    lty_key_t key;
    lty_key_id(&key, entry_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_JOURNAL, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CORRUPT; /* the index names a missing entry */
    if (err != 0) return err;
    err = lty_record_entry_decode(value, entry_out);
    if (err == 0 && entry_out->entry_id != entry_id) err = LTY_E_CORRUPT;
    return err;
}

int lty_ops_journal_page(lty_store_txn_t *txn, uint64_t member_id, uint64_t after, size_t limit,
                         lty_ops_journal_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_JOURNAL_PAGE_MAX) return LTY_E_INVALID_FIELD;
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    page_out->entries_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    /* Position on the first key >= (member, JOURNAL, after) [or the member's next part], then
     * step back: that is the newest entry older than the cursor. */
    lty_key_t start;
    if (after != 0) {
        lty_key_member_journal(&start, member_id, after);
    } else {
        lty_key_member_part(&start, member_id, LTY_PART_LOT); /* the part after JOURNAL */
    }
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    lty_store_seek_t step = LTY_SEEK_PREV;
    if (err == LTY_E_NOT_FOUND) step = LTY_SEEK_LAST;
    err = lty_store_cursor_seek(cursor, step, (lty_bytes_t){0}, &key, &value);
    uint64_t last_id = 0;
    while (err == 0) {
        uint64_t entry_id = 0;
        if (!lty_key_member_part_is(key, member_id, LTY_PART_JOURNAL)) break;
        if (key.size != LTY_MEMBER_PART_PREFIX_BYTES + 8 ||
            !lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &entry_id)) {
            err = LTY_E_CORRUPT;
            break;
        }
        if (page_out->entries_count == limit) {
            page_out->next_after = last_id; /* at least one older entry remains */
            break;
        }
        err = entry_load(txn, entry_id, &page_out->entries[page_out->entries_count++]);
        last_id = entry_id;
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
