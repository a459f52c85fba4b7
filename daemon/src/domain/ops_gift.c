/* SPDX-License-Identifier: MIT */
/* The gift catalogue (ops_coupons.h): gifts with a points price (or points plus cash), stock
 * held centrally or per store, redemptions that debit the points and reserve a unit in one
 * transaction, hand-over at a till, cancellation with the points back in the lots they came
 * from, and the sweep that expires reservations nobody collected.
 *
 * Stock never goes below zero: a redemption checks and reserves in the same child transaction
 * of the one writer, so fifty tills racing for the last units are served one after the other
 * and the eleventh finds none. Stock is counted, never stored as a bare number: added, reserved
 * (live) and handed over, available being the difference (`loyaltyctl verify` recounts them
 * from the redemptions). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"
#include "ops_coupons.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Records -------------------------------------------------------------------------------- */

static int gift_put(lty_store_txn_t *txn, const lty_gift_t *gift)
{
    uint8_t buffer[LTY_RECORD_GIFT_BYTES_MAX];
    size_t size = lty_record_gift_encode(gift, buffer, sizeof(buffer));
    return lty__ops_record_put(txn, LTY_DB_GIFTS, gift->gift_id, buffer, size);
}

static int gift_load(lty_store_txn_t *txn, uint64_t gift_id, lty_gift_t *gift_out)
{
    lty_bytes_t value;
    int err = lty__ops_record_get(txn, LTY_DB_GIFTS, gift_id, LTY_E_GIFT_NOT_FOUND, &value);
    if (err == 0) err = lty_record_gift_decode(value, gift_out);
    if (err == 0 && gift_out->gift_id != gift_id) err = LTY_E_CORRUPT;
    return err;
}

static int stock_put(lty_store_txn_t *txn, const lty_gift_stock_t *stock)
{
    uint8_t buffer[LTY_RECORD_GIFT_STOCK_BYTES_MAX];
    size_t size = lty_record_gift_stock_encode(stock, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_gift_stock(&key, stock->gift_id, stock->store);
    return lty_store_put(txn, LTY_DB_GIFT_STOCK, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

/* A store's stock; a store that never had any reads as an empty stock (LTY_E_NOT_FOUND
 * becomes 0 with found false). */
static int stock_load(lty_store_txn_t *txn, uint64_t gift_id, const char *store,
                      lty_gift_stock_t *stock_out, bool *found_out)
{
    lty_key_t key;
    lty_key_gift_stock(&key, gift_id, store);
    lty_bytes_t value;
    *stock_out = (lty_gift_stock_t){.gift_id = gift_id};
    snprintf(stock_out->store, sizeof(stock_out->store), "%s", store);
    int err = lty_store_get(txn, LTY_DB_GIFT_STOCK, lty_key_bytes(&key), &value);
    *found_out = err == 0;
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err == 0) err = lty_record_gift_stock_decode(value, stock_out);
    if (err == 0 && (stock_out->gift_id != gift_id || strcmp(stock_out->store, store) != 0)) {
        err = LTY_E_CORRUPT;
    }
    return err;
}

static int redemption_put(lty_store_txn_t *txn, const lty_gift_redemption_t *redemption)
{
    static _Thread_local uint8_t buffer[LTY_RECORD_GIFT_REDEMPTION_BYTES_MAX];
    size_t size = lty_record_gift_redemption_encode(redemption, buffer, sizeof(buffer));
    return lty__ops_record_put(txn, LTY_DB_GIFT_REDEMPTIONS, redemption->redemption_id, buffer,
                               size);
}

static int redemption_load(lty_store_txn_t *txn, uint64_t redemption_id,
                           lty_gift_redemption_t *redemption_out)
{
    lty_bytes_t value;
    int err = lty__ops_record_get(txn, LTY_DB_GIFT_REDEMPTIONS, redemption_id,
                                  LTY_E_REDEMPTION_NOT_FOUND, &value);
    if (err == 0) err = lty_record_gift_redemption_decode(value, redemption_out);
    if (err == 0 && redemption_out->redemption_id != redemption_id) err = LTY_E_CORRUPT;
    return err;
}

static int reservation_index(lty_store_txn_t *txn, const lty_gift_redemption_t *redemption,
                             bool present)
{
    lty_key_t key;
    lty_key_gift_reservation(&key, redemption->expires_ms, redemption->redemption_id);
    if (present) {
        return lty_store_put(txn, LTY_DB_GIFT_RESERVATIONS, lty_key_bytes(&key),
                             (lty_bytes_t){0});
    }
    int err = lty_store_del(txn, LTY_DB_GIFT_RESERVATIONS, lty_key_bytes(&key));
    return err == LTY_E_NOT_FOUND ? LTY_E_CORRUPT : err;
}

/* ---- Gifts and stock ------------------------------------------------------------------------- */

static int stocks_add(lty_store_txn_t *txn, const lty_gift_t *gift, int64_t now_ms,
                      const lty_ops_gift_stock_set_t *stocks, size_t count, lty_diag_t *diag)
{
    for (size_t index = 0; index < count; index++) {
        const lty_ops_gift_stock_set_t *set = &stocks[index];
        char path[32];
        snprintf(path, sizeof(path), "/stock/%zu", index);
        bool central = gift->stock_mode == LTY_GIFT_STOCK_CENTRAL;
        if (central != (set->store[0] == '\0') || set->add < 0 || set->add > LTY_GIFT_STOCK_MAX) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, path,
                                "central stock has no store, stock per store names one; "
                                "0 to %" PRId64 " units", LTY_GIFT_STOCK_MAX);
        }
        int err = 0;
        if (!central) err = lty__ops_store_named(txn, set->store, path, diag);
        lty_gift_stock_t stock;
        bool found = false;
        if (err == 0) err = stock_load(txn, gift->gift_id, set->store, &stock, &found);
        if (err != 0) return err;
        if (stock.added + set->add > LTY_GIFT_STOCK_MAX) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, path, "a stock holds at most %" PRId64,
                                LTY_GIFT_STOCK_MAX);
        }
        stock.added += set->add;
        stock.updated_ms = now_ms;
        err = stock_put(txn, &stock);
        if (err != 0) return err;
    }
    return 0;
}

int lty_ops_gift_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_gift_new_t *gift_new, uint64_t *gift_id_out,
                        lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && gift_new != NULL && gift_id_out != NULL);
    lty_gift_t gift = gift_new->terms;
    gift.active = 1;
    gift.created_ms = gift.updated_ms = now_ms;
    if (gift.reservation_days == 0) gift.reservation_days = 14;
    int err = lty__ops_id_next(txn, LTY_DB_GIFTS, &gift.gift_id);
    if (err != 0) return err;
    if (!lty_record_gift_valid(&gift)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "",
                            "name 1 to %d bytes, points_price 1 to %" PRId64 ", cash_cents >= 0, "
                            "valid_to after valid_from, reservation_days 1 to %d",
                            LTY_CAMPAIGN_NAME_BYTES_MAX, LTY_POINTS_PER_TXN_MAX,
                            LTY_GIFT_RESERVATION_DAYS_MAX);
    }
    err = gift_put(txn, &gift);
    if (err == 0) err = stocks_add(txn, &gift, now_ms, gift_new->stocks, gift_new->stocks_count,
                                   diag);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "gift:%" PRIu64, gift.gift_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "gift.create", target, gift.name);
    if (err == 0) *gift_id_out = gift.gift_id;
    return err;
}

int lty_ops_gift_get(lty_store_txn_t *txn, uint64_t gift_id, lty_ops_gift_view_t *view_out)
{
    LTY_ASSERT(txn != NULL && view_out != NULL);
    int err = gift_load(txn, gift_id, &view_out->gift);
    if (err != 0) return err;
    view_out->stocks_count = 0;
    view_out->available = 0;
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_GIFT_STOCK, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, gift_id);
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && key.size >= 8 && memcmp(key.data, start.data, 8) == 0) {
        if (view_out->stocks_count == LTY_GIFT_STOCK_STORES_MAX) break; /* shown: the first */
        lty_gift_stock_t *stock = &view_out->stocks[view_out->stocks_count];
        err = lty_record_gift_stock_decode(value, stock);
        if (err != 0) break;
        view_out->available += stock->added - stock->reserved - stock->handed_over;
        view_out->stocks_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static bool gift_offered(const lty_gift_t *gift, int64_t now_ms)
{
    if (!gift->active || now_ms < gift->valid_from_ms) return false;
    return gift->valid_to_ms == 0 || now_ms < gift->valid_to_ms;
}

int lty_ops_gift_list(lty_store_txn_t *txn, uint64_t after, size_t limit, bool offered_only,
                      int64_t now_ms, lty_ops_gift_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_COUPON_PAGE_MAX) return LTY_E_INVALID_FIELD;
    page_out->gifts_count = 0;
    page_out->next_after = 0;
    uint64_t gift_id = after;
    int err = 0;
    while (err == 0 && page_out->gifts_count < limit) {
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_cursor_open(txn, LTY_DB_GIFTS, &cursor);
        if (err != 0) return err;
        lty_key_t start;
        lty_key_id(&start, gift_id == UINT64_MAX ? gift_id : gift_id + 1);
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
        if (err == 0 && !lty_key_u64_at(key, 0, &gift_id)) err = LTY_E_CORRUPT;
        lty_store_cursor_close(cursor);
        lty_ops_gift_view_t *view = &page_out->gifts[page_out->gifts_count];
        if (err == 0) err = lty_ops_gift_get(txn, gift_id, view);
        if (err == 0 && (!offered_only || gift_offered(&view->gift, now_ms))) {
            page_out->gifts_count++;
        }
    }
    if (err == 0) page_out->next_after = gift_id;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_gift_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_gift_patch_t *patch, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && patch != NULL);
    lty_gift_t gift;
    int err = gift_load(txn, patch->gift_id, &gift);
    if (err != 0) return err;
    const lty_gift_t *values = &patch->values;
    if (patch->fields & LTY_GIFT_FIELD_NAME) memcpy(gift.name, values->name, sizeof(gift.name));
    if (patch->fields & LTY_GIFT_FIELD_POINTS) gift.points_price = values->points_price;
    if (patch->fields & LTY_GIFT_FIELD_CASH) gift.cash_cents = values->cash_cents;
    if (patch->fields & LTY_GIFT_FIELD_ACTIVE) gift.active = values->active;
    if (patch->fields & LTY_GIFT_FIELD_VALID_TO) gift.valid_to_ms = values->valid_to_ms;
    if (patch->fields & LTY_GIFT_FIELD_LIMIT) gift.per_member_limit = values->per_member_limit;
    gift.updated_ms = now_ms > gift.created_ms ? now_ms : gift.created_ms;
    if (!lty_record_gift_valid(&gift)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "the changed gift is out of range");
    }
    err = gift_put(txn, &gift);
    if (err == 0) err = stocks_add(txn, &gift, now_ms, patch->stocks, patch->stocks_count, diag);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "gift:%" PRIu64, gift.gift_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "gift.update", target, gift.name);
    return err;
}

/* ---- Redemptions ----------------------------------------------------------------------------- */

/* The member's live redemptions of gift_id (reserved or handed over). */
static int member_gift_count(lty_store_txn_t *txn, uint64_t member_id, uint64_t gift_id,
                             uint32_t *count_out)
{
    static _Thread_local lty_gift_redemption_t redemption;
    *count_out = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_member_coupon_part(&start, member_id, LTY_PART_GIFT);
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && lty_key_member_part_is(key, member_id, (lty_member_part_t)LTY_PART_GIFT)) {
        uint64_t redemption_id = 0;
        if (!lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &redemption_id)) {
            err = LTY_E_CORRUPT;
            break;
        }
        err = redemption_load(txn, redemption_id, &redemption);
        if (err == LTY_E_REDEMPTION_NOT_FOUND) err = LTY_E_CORRUPT;
        if (err != 0) break;
        bool live = redemption.status == LTY_GIFT_RESERVED ||
                    redemption.status == LTY_GIFT_HANDED_OVER;
        if (live && redemption.gift_id == gift_id) (*count_out)++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static int redeem_member(lty_store_txn_t *txn, int64_t now_ms, const lty_ops_gift_redeem_t *redeem,
                         uint64_t *member_id_out)
{
    lty_member_t member;
    if (redeem->card_no[0] != '\0') {
        lty_card_t card;
        int err = lty__ops_card_member(txn, redeem->card_no, now_ms, &card, &member);
        if (err == 0) *member_id_out = card.member_id;
        return err;
    }
    int err = lty__ops_member_load(txn, redeem->member_id, &member);
    if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
    if (err == 0) *member_id_out = member.member_id;
    return err;
}

/* Which stock a redemption takes, and whether a unit is free there. */
static int redeem_stock(lty_store_txn_t *txn, const lty_gift_t *gift, const char *store,
                        lty_gift_stock_t *stock_out, lty_diag_t *diag)
{
    bool central = gift->stock_mode == LTY_GIFT_STOCK_CENTRAL;
    if (!central && store[0] == '\0') {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/store",
                            "this gift is stocked per store: name the store");
    }
    bool found = false;
    int err = stock_load(txn, gift->gift_id, central ? "" : store, stock_out, &found);
    if (err != 0) return err;
    if (!found && !central) {
        return lty_diag_set(diag, LTY_E_GIFT_NOT_AVAILABLE, "/store",
                            "gift %" PRIu64 " is not stocked at store %s", gift->gift_id, store);
    }
    if (stock_out->added - stock_out->reserved - stock_out->handed_over <= 0) {
        return LTY_E_OUT_OF_STOCK;
    }
    return 0;
}

static int redeem_checks(lty_store_txn_t *txn, int64_t now_ms, const lty_gift_t *gift,
                         uint64_t member_id, lty_diag_t *diag)
{
    if (!gift_offered(gift, now_ms)) {
        return lty_diag_set(diag, LTY_E_GIFT_NOT_AVAILABLE, "/gift_id",
                            "gift %" PRIu64 " is not offered now", gift->gift_id);
    }
    if (gift->per_member_limit == 0) return 0;
    uint32_t count = 0;
    int err = member_gift_count(txn, member_id, gift->gift_id, &count);
    if (err == 0 && count >= gift->per_member_limit) {
        err = lty_diag_set(diag, LTY_E_GIFT_NOT_AVAILABLE, "/gift_id",
                           "this member already holds %u of gift %" PRIu64 " (the limit)",
                           count, gift->gift_id);
    }
    return err;
}

static int redemption_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                             const lty_gift_t *gift, uint64_t member_id,
                             lty_gift_stock_t *stock, lty_ops_gift_result_t *result,
                             lty_diag_t *diag)
{
    lty_gift_redemption_t *redemption = &result->redemption;
    memset(redemption, 0, offsetof(lty_gift_redemption_t, lots));
    int err = lty__ops_id_next(txn, LTY_DB_GIFT_REDEMPTIONS, &redemption->redemption_id);
    if (err != 0) return err;
    char reference[LTY_REFERENCE_BYTES_MAX + 1];
    snprintf(reference, sizeof(reference), "gift %" PRIu64 " redemption %" PRIu64 ": %.180s",
             gift->gift_id, redemption->redemption_id, gift->name);
    lty_journal_entry_t entry;
    err = lty__ops_points_spend(txn, actor, now_ms, member_id, gift->points_price, LTY_ENTRY_GIFT,
                                reference, redemption->lots, &redemption->lots_count, &entry,
                                &result->points_balance, diag);
    if (err != 0) return err;
    redemption->gift_id = gift->gift_id;
    redemption->member_id = member_id;
    memcpy(redemption->store, stock->store, sizeof(redemption->store));
    redemption->status = LTY_GIFT_RESERVED;
    redemption->points = gift->points_price;
    redemption->cash_cents = gift->cash_cents;
    redemption->entry_id = entry.entry_id;
    redemption->created_ms = now_ms;
    redemption->expires_ms = now_ms + (int64_t)gift->reservation_days * LTY_MS_PER_DAY;
    snprintf(redemption->principal, sizeof(redemption->principal), "%s",
             lty__ops_principal(actor));
    stock->reserved++;
    stock->updated_ms = now_ms;
    lty_key_t key;
    lty_key_member_gift(&key, member_id, redemption->redemption_id);
    err = redemption_put(txn, redemption);
    if (err == 0) err = reservation_index(txn, redemption, true);
    if (err == 0) err = lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                                      (lty_bytes_t){0});
    if (err == 0) err = stock_put(txn, stock);
    result->available = stock->added - stock->reserved - stock->handed_over;
    return err;
}

int lty_ops_gift_redeem(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_gift_redeem_t *redeem, lty_ops_gift_result_t *result_out,
                        lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && redeem != NULL && result_out != NULL);
    int err = gift_load(txn, redeem->gift_id, &result_out->gift);
    uint64_t member_id = 0;
    if (err == 0) err = redeem_member(txn, now_ms, redeem, &member_id);
    if (err == 0) err = redeem_checks(txn, now_ms, &result_out->gift, member_id, diag);
    /* a till reserves from its own store's stock; others name the store */
    const char *store = actor->store[0] != '\0' ? actor->store : redeem->store;
    lty_gift_stock_t stock;
    if (err == 0) err = redeem_stock(txn, &result_out->gift, store, &stock, diag);
    if (err == 0) err = redemption_create(txn, actor, now_ms, &result_out->gift, member_id,
                                          &stock, result_out, diag);
    return err;
}

/* ---- Hand-over, cancel, expiry --------------------------------------------------------------- */

/* Close a live reservation: stock and index follow; a cancel or expiry gives the points back
 * into their lots in a GIFT_CANCEL entry. */
static int redemption_close(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            lty_gift_redemption_t *redemption, uint8_t status,
                            int64_t *balance_out, int64_t *available_out)
{
    LTY_ASSERT(redemption->status == LTY_GIFT_RESERVED);
    lty_gift_stock_t stock;
    bool found = false;
    int err = stock_load(txn, redemption->gift_id, redemption->store, &stock, &found);
    if (err == 0 && (!found || stock.reserved < 1)) err = LTY_E_CORRUPT;
    if (err != 0) return err;
    stock.reserved--;
    if (status == LTY_GIFT_HANDED_OVER) stock.handed_over++;
    stock.updated_ms = now_ms > stock.updated_ms ? now_ms : stock.updated_ms;
    err = reservation_index(txn, redemption, false);
    if (err == 0 && status != LTY_GIFT_HANDED_OVER) {
        lty_journal_entry_t entry;
        memset(&entry, 0, sizeof(entry));
        entry.kind = LTY_ENTRY_GIFT_CANCEL;
        entry.member_id = redemption->member_id;
        entry.related_entry_id = redemption->entry_id;
        snprintf(entry.principal, sizeof(entry.principal), "%s", lty__ops_principal(actor));
        snprintf(entry.store, sizeof(entry.store), "%s", actor->store);
        snprintf(entry.till, sizeof(entry.till), "%s", actor->till);
        snprintf(entry.reference, sizeof(entry.reference), "gift redemption %" PRIu64 " %s",
                 redemption->redemption_id, status == LTY_GIFT_EXPIRED ? "expired" : "cancelled");
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, redemption->member_id,
                               redemption->points);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_REDEEMED, 0, -redemption->points);
        /* The points of a lot that has expired since go to breakage, as the sweep would have
         * sent them (ops_return.c does the same): an expired lot is never refilled. */
        int64_t expired = 0;
        for (uint32_t index = 0; err == 0 && index < redemption->lots_count; index++) {
            const lty_sale_lot_t *lot = &redemption->lots[index];
            if (lot->expires_ms <= now_ms) {
                expired += lot->points;
                continue;
            }
            err = lty__ops_lot_refill(txn, redemption->member_id, lot, lot->points);
        }
        if (expired > 0) {
            lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, redemption->member_id,
                                   -expired);
            lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_EXPIRED, 0, expired);
        }
        if (err == 0) err = lty__ops_journal_post(txn, &entry, now_ms);
        redemption->reverse_entry_id = entry.entry_id;
    }
    redemption->status = status;
    redemption->closed_ms = now_ms > redemption->created_ms ? now_ms : redemption->created_ms;
    snprintf(redemption->closed_by, sizeof(redemption->closed_by), "%s",
             lty__ops_principal(actor));
    if (err == 0) err = redemption_put(txn, redemption);
    if (err == 0) err = stock_put(txn, &stock);
    lty_ops_balances_t balances;
    if (err == 0 && balance_out != NULL) {
        err = lty__ops_balances(txn, redemption->member_id, &balances);
        *balance_out = balances.points_balance;
    }
    if (available_out != NULL) *available_out = stock.added - stock.reserved - stock.handed_over;
    return err;
}

int lty_ops_gift_hand_over(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           uint64_t redemption_id, lty_ops_gift_result_t *result_out,
                           lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && result_out != NULL);
    lty_gift_redemption_t *redemption = &result_out->redemption;
    int err = redemption_load(txn, redemption_id, redemption);
    if (err == 0) err = gift_load(txn, redemption->gift_id, &result_out->gift);
    if (err == LTY_E_GIFT_NOT_FOUND) err = LTY_E_CORRUPT;
    if (err != 0) return err;
    if (redemption->status != LTY_GIFT_RESERVED) return LTY_E_REDEMPTION_CLOSED;
    if (redemption->store[0] != '\0' && strcmp(redemption->store, actor->store) != 0) {
        return lty_diag_set(diag, LTY_E_GIFT_NOT_AVAILABLE, "/redemption_id",
                            "reserved at store %s: hand it over there", redemption->store);
    }
    return redemption_close(txn, actor, now_ms, redemption, LTY_GIFT_HANDED_OVER,
                            &result_out->points_balance, &result_out->available);
}

int lty_ops_gift_cancel(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        uint64_t redemption_id, uint64_t member_id,
                        lty_ops_gift_result_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && result_out != NULL);
    (void)diag;
    lty_gift_redemption_t *redemption = &result_out->redemption;
    int err = redemption_load(txn, redemption_id, redemption);
    if (err == 0 && member_id != 0 && redemption->member_id != member_id) {
        err = LTY_E_REDEMPTION_NOT_FOUND; /* another member's: as if it did not exist */
    }
    if (err == 0) err = gift_load(txn, redemption->gift_id, &result_out->gift);
    if (err == LTY_E_GIFT_NOT_FOUND) err = LTY_E_CORRUPT;
    if (err != 0) return err;
    if (redemption->status != LTY_GIFT_RESERVED) return LTY_E_REDEMPTION_CLOSED;
    return redemption_close(txn, actor, now_ms, redemption, LTY_GIFT_CANCELLED,
                            &result_out->points_balance, &result_out->available);
}

int lty_ops_gift_sweep(lty_store_txn_t *txn, int64_t now_ms, size_t limit, size_t *swept_out)
{
    LTY_ASSERT(txn != NULL && swept_out != NULL);
    LTY_ASSERT(limit >= 1);
    static _Thread_local lty_gift_redemption_t redemption;
    lty_actor_t system;
    memset(&system, 0, sizeof(system));
    *swept_out = 0;
    int err = 0;
    while (err == 0 && *swept_out < limit) {
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_cursor_open(txn, LTY_DB_GIFT_RESERVATIONS, &cursor);
        if (err != 0) return err;
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
        uint64_t expires = 0, redemption_id = 0;
        if (err == 0 && (key.size != 16 || !lty_key_u64_at(key, 0, &expires) ||
                         !lty_key_u64_at(key, 8, &redemption_id))) {
            err = LTY_E_CORRUPT;
        }
        lty_store_cursor_close(cursor);
        if (err != 0 || (int64_t)expires > now_ms) break;
        err = redemption_load(txn, redemption_id, &redemption);
        if (err == LTY_E_REDEMPTION_NOT_FOUND ||
            (err == 0 && redemption.status != LTY_GIFT_RESERVED)) {
            err = LTY_E_CORRUPT;
        }
        if (err == 0) err = redemption_close(txn, &system, now_ms, &redemption, LTY_GIFT_EXPIRED,
                                             NULL, NULL);
        if (err == 0) (*swept_out)++;
    }
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* Whose redemptions (member 0 = all), in which status (0 = any). */
typedef struct redemption_filter_s {
    uint64_t member_id;
    uint8_t status;
} redemption_filter_t;

static int redemption_keep(lty_bytes_t value, void *page, size_t index, const void *context,
                           bool *kept_out, uint64_t *id_out)
{
    const redemption_filter_t *filter = context;
    lty_ops_redemption_page_t *redemptions = page;
    lty_gift_redemption_t *redemption = &redemptions->redemptions[index];
    int err = lty_record_gift_redemption_decode(value, redemption);
    *kept_out = err == 0 &&
                (filter->member_id == 0 || redemption->member_id == filter->member_id) &&
                (filter->status == 0 || redemption->status == filter->status);
    if (*kept_out) redemptions->ids[index] = redemption->redemption_id;
    *id_out = redemption->redemption_id;
    return err;
}

int lty_ops_gift_redemptions(lty_store_txn_t *txn, uint64_t member_id, uint8_t status,
                             uint64_t after, size_t limit, lty_ops_redemption_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL && page_out->redemptions != NULL);
    redemption_filter_t filter = {.member_id = member_id, .status = status};
    return lty__ops_record_page(txn, LTY_DB_GIFT_REDEMPTIONS, after, limit, page_out, &filter,
                                redemption_keep, &page_out->redemptions_count,
                                &page_out->next_after);
}

/* ---- Report ---------------------------------------------------------------------------------- */

static lty_ops_gift_report_row_t *report_row(lty_ops_gift_report_t *report, uint64_t gift_id,
                                             const char *store)
{
    for (size_t index = 0; index < report->rows_count; index++) {
        lty_ops_gift_report_row_t *row = &report->rows[index];
        if (row->gift_id == gift_id && strcmp(row->store, store) == 0) return row;
    }
    return NULL;
}

int lty_ops_gift_report(lty_store_txn_t *txn, const char *store,
                        lty_ops_gift_report_t *report_out)
{
    LTY_ASSERT(txn != NULL && store != NULL && report_out != NULL);
    report_out->rows_count = 0;
    report_out->truncated = false;
    static _Thread_local lty_ops_gift_view_t view;
    uint64_t gift_id = 0;
    int err = 0;
    for (;;) { /* a row per gift and stock */
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_cursor_open(txn, LTY_DB_GIFTS, &cursor);
        if (err != 0) return err;
        lty_key_t start;
        lty_key_id(&start, gift_id + 1);
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
        if (err == 0 && !lty_key_u64_at(key, 0, &gift_id)) err = LTY_E_CORRUPT;
        lty_store_cursor_close(cursor);
        if (err == 0) err = lty_ops_gift_get(txn, gift_id, &view);
        if (err != 0) break;
        for (size_t index = 0; index < view.stocks_count; index++) {
            const lty_gift_stock_t *stock = &view.stocks[index];
            if (store[0] != '\0' && strcmp(stock->store, store) != 0) continue;
            if (report_out->rows_count == LTY_OPS_REPORT_ROWS_MAX) {
                report_out->truncated = true;
                continue;
            }
            lty_ops_gift_report_row_t *row = &report_out->rows[report_out->rows_count++];
            *row = (lty_ops_gift_report_row_t){.gift_id = gift_id, .added = stock->added,
                                                .reserved = stock->reserved,
                                                .handed_over = stock->handed_over};
            row->available = stock->added - stock->reserved - stock->handed_over;
            memcpy(row->name, view.gift.name, sizeof(row->name));
            memcpy(row->store, stock->store, sizeof(row->store));
        }
    }
    if (err != LTY_E_NOT_FOUND) return err;
    /* Redemptions by status: one walk of the redemptions. */
    static _Thread_local lty_gift_redemption_t redemption;
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_GIFT_REDEMPTIONS, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        err = lty_record_gift_redemption_decode(value, &redemption);
        if (err != 0) break;
        lty_ops_gift_report_row_t *row = report_row(report_out, redemption.gift_id,
                                                    redemption.store);
        if (row != NULL) {
            row->redemptions_count++;
            if (redemption.status == LTY_GIFT_CANCELLED) row->cancelled_count++;
            if (redemption.status == LTY_GIFT_EXPIRED) row->expired_count++;
            bool live = redemption.status == LTY_GIFT_RESERVED ||
                        redemption.status == LTY_GIFT_HANDED_OVER;
            if (live) row->points += redemption.points;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
