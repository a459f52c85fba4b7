/* SPDX-License-Identifier: MIT */
/* Purchase days: the aggregate the writer keeps per member so the analytics reports
 * never read the journal. A sale adds one purchase and its total to the record of its UTC day and
 * store; a return or void takes the goods value back from the record of the sale it returns, and
 * the purchase itself once the sale is wholly returned or voided. So a member whose returns
 * cancel a purchase has neither its money nor its visit, on the day they happened.
 *
 * The record sits under the member's prefix in member-ledger (records.h), beside the accounts,
 * journal index, lots and spend month a sale writes anyway: one small get and put in a leaf page
 * the commit writes already. Also here: building the records of an older store from its sale
 * records (migration to schema 10). Not here: what the reports make of them (ops_analytics.c). */
#include "analytics.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <string.h>

/* Add (sign +1) or take back (-1) one purchase and cents on the record of (member, day, store).
 * Amounts are floored at zero: a record is never negative, verify proves they add up. */
static int purchase_day_change(lty_store_txn_t *txn, uint64_t member_id, int64_t created_ms,
                               const char *store, int purchases_delta, int64_t cents_delta)
{
    LTY_ASSERT(member_id != 0 && created_ms >= 0);
    LTY_ASSERT(purchases_delta >= -1 && purchases_delta <= 1);
    int64_t day = lty_clock_day(created_ms);
    LTY_ASSERT(day >= 0 && day <= UINT32_MAX);
    lty_key_t key;
    lty_key_purchase_day(&key, member_id, (uint32_t)day, store);
    lty_purchase_day_t record = {.member_id = member_id, .day = (uint32_t)day};
    memcpy(record.store, store, strlen(store) + 1);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_purchase_day_decode(lty_key_bytes(&key), value, &record);
    else if (err == LTY_E_NOT_FOUND) err = 0;
    if (err != 0) return err;
    int64_t purchases = (int64_t)record.purchases + purchases_delta;
    record.purchases = purchases < 0 ? 0 : (uint32_t)purchases;
    if (!lty_i64_add(record.sales_cents, cents_delta, INT64_MAX / 4, &record.sales_cents)) {
        return LTY_E_POINTS_LIMIT; /* beyond any real member's spend: refused, not wrapped */
    }
    if (record.sales_cents < 0) record.sales_cents = 0;
    uint8_t buffer[LTY_RECORD_PURCHASE_DAY_BYTES_MAX];
    size_t size = lty_record_purchase_day_encode(&record, buffer, sizeof(buffer));
    return lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty__ops_purchase_add(lty_store_txn_t *txn, uint64_t member_id, int64_t created_ms,
                          const char *store, int64_t total_cents)
{
    LTY_ASSERT(txn != NULL && store != NULL);
    LTY_ASSERT(total_cents >= 0 && total_cents <= LTY_SALE_AMOUNT_CENTS_MAX);
    return purchase_day_change(txn, member_id, created_ms, store, 1, total_cents);
}

int lty__ops_purchase_give_back(lty_store_txn_t *txn, const lty_sale_t *sale,
                                int64_t goods_cents, bool whole)
{
    LTY_ASSERT(txn != NULL && sale != NULL);
    LTY_ASSERT(goods_cents >= 0 && goods_cents <= sale->total_cents);
    if (goods_cents == 0 && !whole) return 0;
    return purchase_day_change(txn, sale->member_id, sale->created_ms, sale->store,
                               whole ? -1 : 0, -goods_cents);
}

int lty_ops_purchase_backfill(lty_store_txn_t *txn, uint64_t *sales_out)
{
    LTY_ASSERT(txn != NULL && sales_out != NULL);
    lty_sale_t *sale = lty_alloc(sizeof(*sale));
    if (sale == NULL) return LTY_E_NOMEM;
    /* Idempotent: the records are rebuilt from nothing, so a rerun after a crash (or over a store
     * that already has some) ends with the same values. Deleting first, then adding. */
    int err = lty__ops_purchase_clear(txn);
    uint64_t next_id = 1;
    *sales_out = 0;
    while (err == 0) {
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_cursor_open(txn, LTY_DB_SALES, &cursor);
        if (err != 0) break;
        lty_key_t start;
        lty_key_id(&start, next_id);
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
        if (err == 0) err = lty_record_sale_decode(value, sale);
        lty_store_cursor_close(cursor); /* closed before the puts below: no cursor across a put */
        if (err != 0) break;
        next_id = sale->sale_id + 1;
        if (sale->member_id != 0) {
            err = purchase_day_change(txn, sale->member_id, sale->created_ms, sale->store,
                                      lty_analytics_sale_counts(sale) ? 1 : 0,
                                      lty_analytics_sale_net_cents(sale));
        }
        (*sales_out)++;
    }
    lty_free(sale);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty__ops_purchase_clear(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    uint64_t member_id = 1;
    for (;;) {
        lty_store_cursor_t *cursor = NULL;
        int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
        if (err != 0) return err;
        lty_key_t start;
        lty_key_member_part(&start, member_id, LTY_PART_PURCHASE);
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
        uint64_t owner = 0;
        bool purchase = err == 0 && lty_key_u64_at(key, 0, &owner) &&
                        lty_key_member_part_is(key, owner, LTY_PART_PURCHASE);
        if (purchase) err = lty_store_cursor_del(cursor);
        lty_store_cursor_close(cursor);
        if (err == LTY_E_NOT_FOUND) return 0;
        if (err != 0) return err;
        if (purchase) {
            member_id = owner;
        } else {
            if (owner == UINT64_MAX) return 0;
            member_id = owner + (((const uint8_t *)key.data)[8] < LTY_PART_PURCHASE ? 0 : 1);
        }
    }
}
