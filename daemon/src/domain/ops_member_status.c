/* SPDX-License-Identifier: MIT */
/* What the member portal reads about one member: the status a serious programme
 * shows (balances, points expiring soon, totals earned, redeemed and expired, purchases), the
 * journal filtered by kind and date in cursor pages, and the points balance over time. All of
 * it is recomputed from the member's own journal and lots in the caller's read transaction, so
 * it always agrees with what `loyaltyctl verify` checks; nothing here writes.
 *
 * Cost: a walk of the member's journal index (one key per entry, beside the member's accounts
 * in member-ledger) and one journal read per entry, bounded by LTY_MEMBER_ENTRIES_WALK_MAX.
 * A member with years of weekly shopping has a few hundred entries. */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ledger.h"
#include "ops.h"

#include <string.h>

static int entry_read(lty_store_txn_t *txn, uint64_t entry_id, lty_journal_entry_t *entry_out)
{
    lty_key_t key;
    lty_key_id(&key, entry_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_JOURNAL, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CORRUPT; /* the index names an entry */
    if (err == 0) err = lty_record_entry_decode(value, entry_out);
    return err;
}

/* The member's change of one asset in entry (the sum of its postings to the member's account). */
int64_t lty_ops_entry_member_delta(const lty_journal_entry_t *entry, uint64_t member_id,
                                   lty_account_kind_t kind)
{
    LTY_ASSERT(entry != NULL);
    LTY_ASSERT(lty_account_kind_is_member(kind));
    int64_t delta = 0;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        if (posting->account_kind == kind && posting->owner == member_id) {
            delta += posting->amount;
        }
    }
    return delta;
}

/* The entry id of a MEMBER_LEGDER journal key of member_id, or 0 (another part or member). */
static int journal_key_id(lty_bytes_t key, uint64_t member_id, uint64_t *entry_id_out)
{
    *entry_id_out = 0;
    if (!lty_key_member_part_is(key, member_id, LTY_PART_JOURNAL)) return 0;
    if (key.size != LTY_MEMBER_PART_PREFIX_BYTES + 8 ||
        !lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, entry_id_out) || *entry_id_out == 0) {
        return LTY_E_CORRUPT;
    }
    return 0;
}

/* ---- Oldest-first walk (status, balance history) ----------------------------------------- */

typedef int (*entry_visit_cb)(lty_store_txn_t *txn, const lty_journal_entry_t *entry,
                              void *userdata);

static int journal_walk_forward(lty_store_txn_t *txn, uint64_t member_id, entry_visit_cb visit_cb,
                                void *userdata)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_JOURNAL);
    lty_bytes_t key = {0}, value = {0};
    lty_journal_entry_t entry;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    for (size_t walked = 0; err == 0; walked++) {
        uint64_t entry_id = 0;
        err = journal_key_id(key, member_id, &entry_id);
        if (err != 0 || entry_id == 0) break;
        if (walked == LTY_MEMBER_ENTRIES_WALK_MAX) break; /* bounded: the newest are left out */
        err = entry_read(txn, entry_id, &entry);
        if (err == 0) err = visit_cb(txn, &entry, userdata);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Status ------------------------------------------------------------------------------ */

typedef struct status_walk_s {
    lty_ops_member_status_t *status;
    lty_sale_t *sale; /* scratch: one sale record at a time */
} status_walk_t;

/* A sale's net value: its total less the goods value returned so far (ledger.c's rule). */
static int64_t sale_net_cents(const lty_sale_t *sale)
{
    int64_t returned = 0;
    for (uint32_t index = 0; index < sale->lines_count; index++) {
        const lty_sale_line_t *line = &sale->lines[index];
        returned += line->amount_cents * (int64_t)line->qty_returned / (int64_t)line->qty;
    }
    return sale->total_cents - returned;
}

static int status_sale(lty_store_txn_t *txn, status_walk_t *walk, uint64_t sale_id)
{
    int err = lty__ops_sale_of_entry(txn, sale_id, walk->sale);
    if (err != 0) return err;
    if (walk->sale->status == LTY_SALE_VOIDED || walk->sale->status == LTY_SALE_RETURNED) return 0;
    walk->status->purchases_count++;
    walk->status->purchases_cents += sale_net_cents(walk->sale);
    return 0;
}

static int status_visit(lty_store_txn_t *txn, const lty_journal_entry_t *entry, void *userdata)
{
    status_walk_t *walk = userdata;
    lty_ops_member_status_t *status = walk->status;
    uint64_t member_id = status->member_id;
    status->entries_count++;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        if (posting->account_kind != LTY_ACCOUNT_MEMBER_POINTS || posting->owner != member_id) {
            continue;
        }
        int64_t amount = posting->amount;
        switch (entry->kind) {
        case LTY_ENTRY_SALE: /* earn (+) and redeem (-) */
            if (amount > 0) status->points_earned += amount;
            else status->points_redeemed -= amount;
            break;
        case LTY_ENTRY_RETURN:
        case LTY_ENTRY_VOID: /* redeemed points back (+), earned points taken back (-) */
            if (amount > 0) status->points_redeemed -= amount;
            else status->points_earned += amount;
            break;
        case LTY_ENTRY_BONUS: status->points_bonus += amount; break;
        case LTY_ENTRY_ADJUST: status->points_adjusted += amount; break;
        case LTY_ENTRY_EXPIRE:
        case LTY_ENTRY_CLOSE: status->points_expired -= amount; break;
        case LTY_ENTRY_VOUCHER: /* the rebate: points for a voucher or gift, and given back */
        case LTY_ENTRY_GIFT:
        case LTY_ENTRY_GIFT_CANCEL: status->points_redeemed -= amount; break;
        default: break;
        }
    }
    return entry->kind == LTY_ENTRY_SALE ? status_sale(txn, walk, entry->entry_id) : 0;
}

int lty_ops_member_status(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                          uint64_t member_id, lty_ops_member_status_t *status_out)
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(status_out != NULL);
    memset(status_out, 0, sizeof(*status_out));
    status_out->member_id = member_id;
    int err = lty__ops_member_load(txn, member_id, &status_out->member);
    lty_ops_balances_t balances;
    int64_t balance = 0;
    if (err == 0) err = lty__ops_balances(txn, member_id, &balances);
    if (err == 0) err = lty_ops_tier_status(txn, programme, now_ms, member_id, &status_out->tier);
    /* The points shown are those that may be spent: lots past their expiry do not count. */
    if (err == 0) err = lty_ops_points_available(txn, member_id, now_ms, &balance,
                                                 &status_out->points);
    if (err == 0) err = lty_ops_points_expiring(txn, programme, member_id, now_ms,
                                                status_out->expiring, &status_out->expiring_count);
    if (err != 0) return err;
    status_out->prepaid_cents = balances.prepaid_cents;
    status_walk_t walk = {.status = status_out, .sale = lty_alloc(sizeof(lty_sale_t))};
    if (walk.sale == NULL) return LTY_E_NOMEM;
    err = journal_walk_forward(txn, member_id, status_visit, &walk);
    lty_free(walk.sale);
    return err;
}

/* ---- Journal pages (newest first, filtered) ---------------------------------------------- */

static bool entry_wanted(const lty_journal_entry_t *entry, const lty_ops_journal_filter_t *filter)
{
    if (filter->kinds_mask != 0 && (filter->kinds_mask & (1u << entry->kind)) == 0) return false;
    if (filter->from_ms != 0 && entry->created_ms < filter->from_ms) return false;
    return filter->to_ms == 0 || entry->created_ms < filter->to_ms;
}

int lty_ops_member_journal(lty_store_txn_t *txn, uint64_t member_id,
                           const lty_ops_journal_filter_t *filter, uint64_t before, size_t limit,
                           lty_ops_journal_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && filter != NULL);
    LTY_ASSERT(page_out != NULL);
    if (limit < 1 || limit > LTY_JOURNAL_PAGE_MAX) return LTY_E_INVALID_FIELD;
    page_out->entries_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    if (before != 0) {
        lty_key_member_journal(&start, member_id, before);
    } else {
        lty_key_member_part(&start, member_id, LTY_PART_LOT); /* the part after JOURNAL */
    }
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    err = lty_store_cursor_seek(cursor, err == LTY_E_NOT_FOUND ? LTY_SEEK_LAST : LTY_SEEK_PREV,
                                (lty_bytes_t){0}, &key, &value);
    lty_journal_entry_t *entry = &page_out->entries[0];
    for (size_t scanned = 0; err == 0; scanned++) {
        uint64_t entry_id = 0;
        err = journal_key_id(key, member_id, &entry_id);
        if (err != 0 || entry_id == 0) break;
        /* A full page, or a sparse filter that scanned its share: the caller continues here. */
        if (page_out->entries_count == limit || scanned == LTY_JOURNAL_SCAN_MAX) {
            page_out->next_after = entry_id + 1;
            break;
        }
        entry = &page_out->entries[page_out->entries_count];
        err = entry_read(txn, entry_id, entry);
        if (err != 0) break;
        if (filter->from_ms != 0 && entry->created_ms < filter->from_ms) break; /* older only */
        if (entry_wanted(entry, filter)) page_out->entries_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Balance history --------------------------------------------------------------------- */

typedef struct history_walk_s {
    const lty_ops_balance_history_query_t *query;
    lty_ops_balance_history_t *history;
    int64_t balance;
} history_walk_t;

static int history_visit(lty_store_txn_t *txn, const lty_journal_entry_t *entry, void *userdata)
{
    (void)txn;
    history_walk_t *walk = userdata;
    lty_ops_balance_history_t *history = walk->history;
    int64_t delta = lty_ops_entry_member_delta(entry, history->member_id,
                                               LTY_ACCOUNT_MEMBER_POINTS);
    walk->balance += delta;
    if (entry->created_ms < walk->query->from_ms) {
        history->balance_start = walk->balance;
        return 0;
    }
    if (entry->created_ms >= walk->query->to_ms || delta == 0) return 0;
    /* One point per bucket: the balance at the end of it. */
    int64_t bucket = (entry->created_ms - walk->query->from_ms) / history->bucket_ms;
    int64_t at_ms = walk->query->from_ms + bucket * history->bucket_ms;
    size_t count = history->points_count;
    if (count > 0 && history->points[count - 1].at_ms == at_ms) {
        history->points[count - 1].balance = walk->balance;
    } else if (count < LTY_BALANCE_HISTORY_POINTS_MAX) {
        history->points[count] = (lty_ops_balance_point_t){.at_ms = at_ms,
                                                           .balance = walk->balance};
        history->points_count++;
    }
    return 0;
}

int lty_ops_balance_history(lty_store_txn_t *txn, uint64_t member_id,
                            const lty_ops_balance_history_query_t *query,
                            lty_ops_balance_history_t *history_out)
{
    LTY_ASSERT(txn != NULL && query != NULL);
    LTY_ASSERT(history_out != NULL);
    if (query->to_ms <= query->from_ms) return LTY_E_INVALID_FIELD;
    memset(history_out, 0, sizeof(*history_out));
    history_out->member_id = member_id;
    /* Buckets of whole days, as many as it takes to stay within the point limit. */
    int64_t span_days = (query->to_ms - query->from_ms + LTY_MS_PER_DAY - 1) / LTY_MS_PER_DAY;
    int64_t bucket_days = (span_days + LTY_BALANCE_HISTORY_POINTS_MAX - 1) /
                          LTY_BALANCE_HISTORY_POINTS_MAX;
    history_out->bucket_ms = (bucket_days < 1 ? 1 : bucket_days) * LTY_MS_PER_DAY;
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    history_walk_t walk = {.query = query, .history = history_out, .balance = 0};
    err = journal_walk_forward(txn, member_id, history_visit, &walk);
    history_out->balance_end = walk.balance;
    return err;
}
