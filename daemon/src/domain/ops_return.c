/* SPDX-License-Identifier: MIT */
/* Returns and voids: giving back (part of) a sale. Owns which lines come back, the pro-rata
 * amounts of one return (cumulative rules of ledger.c), the RETURN/VOID journal entry, the
 * lots redeemed points go back into, the return record (refunds by tender) and the sale
 * record's qty_returned and status.
 *
 * Policies (docs/api.md "Returns and voids"):
 * - Every amount is cumulative: what has come back after this return minus before it, so
 *   partial returns add up to the sale exactly and the last one takes the remainder.
 * - The goods value returned is split over what paid for it, in the order points value,
 *   prepaid, cash, bank card, outside the programme (a sale without tenders).
 * - Redeemed points go back into the lots they came from, with those lots' original expiry,
 *   in the order the sale took them; the part that belonged to a lot which has expired since
 *   goes to breakage in the same entry (points-expired), as the sweep would have sent it, so an
 *   expired lot is never refilled and never expired twice (ops_expiry.c).
 * - A staff member's commission on the sale is clawed back pro rata to the goods value
 *   returned, cumulatively like everything else.
 * - Earned points are taken back pro rata to the goods value returned; the balance may go
 *   negative down to programme->points_negative_floor (redemption is then blocked until it is
 *   positive again: ledger.c), never below (LTY_E_POINTS_FLOOR, nothing changes).
 * - A void is a full return by the till that made the sale, within the void window, of a sale
 *   nothing was returned from yet. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { PART_POINTS, PART_PREPAID, PART_CASH, PART_BANK_CARD, PART_OUTSIDE, PARTS_COUNT };

/* What one return gives back: deltas of the cumulative amounts. */
typedef struct give_back_s {
    int64_t value;                   /* goods value returned now */
    int64_t parts[PARTS_COUNT];      /* value by what paid for it */
    int64_t points_before;           /* cumulative redeemed points refunded before */
    int64_t points_refunded;
    int64_t points_refunded_expired; /* of points_refunded: lots expired since: breakage */
    int64_t points_taken_back;
    int64_t commission_clawback;     /* commission given back by the staff member */
    uint32_t qty;
} give_back_t;

static int sale_load(lty_store_txn_t *txn, uint64_t sale_id, lty_sale_t *sale)
{
    lty_key_t key;
    lty_key_id(&key, sale_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SALES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_SALE_NOT_FOUND;
    if (err == 0) err = lty_record_sale_decode(value, sale);
    if (err == 0 && sale->sale_id != sale_id) err = LTY_E_CORRUPT;
    return err;
}

static int sale_save(lty_store_txn_t *txn, const lty_sale_t *sale)
{
    static _Thread_local uint8_t buffer[LTY_RECORD_SALE_BYTES_MAX];
    size_t size = lty_record_sale_encode(sale, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, sale->sale_id);
    return lty_store_put(txn, LTY_DB_SALES, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

/* The sale a return names: by id, or by receipt_no at a store (default: the till's own). A till
 * takes back only its own store's sales (docs/security.md "Till scoping"): another store's
 * sale is refused before it is even looked up by receipt, and after loading by id. */
static int sale_find(lty_store_txn_t *txn, const lty_actor_t *actor,
                     const lty_ops_return_t *request, lty_sale_t *sale, lty_diag_t *diag)
{
    uint64_t sale_id = request->sale_id;
    bool till = actor->role == LTY_ROLE_TILL;
    if (till && request->store[0] != '\0' && strcmp(request->store, actor->store) != 0) {
        return lty_diag_set(diag, LTY_E_FORBIDDEN, "/store",
                            "a till of store %s takes back only its own store's sales",
                            actor->store);
    }
    if (sale_id == 0) {
        const char *store = request->store[0] != '\0' ? request->store : actor->store;
        if (request->receipt_no[0] == '\0' || store[0] == '\0') {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/sale_id",
                                "give sale_id, or receipt_no (and store)");
        }
        lty_key_t key;
        lty_key_pair(&key, store, request->receipt_no);
        lty_bytes_t value;
        int err = lty_store_get(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key), &value);
        if (err == LTY_E_NOT_FOUND) {
            return lty_diag_set(diag, LTY_E_SALE_NOT_FOUND, "/receipt_no",
                                "store %s recorded no receipt %s", store, request->receipt_no);
        }
        if (err == 0) err = lty_record_u64_decode(value, &sale_id);
        if (err != 0) return err;
    }
    int err = sale_load(txn, sale_id, sale);
    if (err == LTY_E_SALE_NOT_FOUND) {
        return lty_diag_set(diag, err, "/sale_id", "no sale %" PRIu64, sale_id);
    }
    if (err == 0 && till && strcmp(sale->store, actor->store) != 0) {
        return lty_diag_set(diag, LTY_E_FORBIDDEN, "/sale_id",
                            "sale %" PRIu64 " was made at store %s; a till of store %s takes back "
                            "only its own store's sales", sale_id, sale->store, actor->store);
    }
    return err;
}

/* Whether a requested line may name sale line `line` (sku, and the optional fields agree). */
static bool line_matches(const lty_ops_return_line_t *wanted, const lty_sale_line_t *line)
{
    if (strcmp(wanted->sku, line->sku) != 0) return false;
    if (wanted->amount_given && wanted->amount_cents != line->amount_cents) return false;
    return !wanted->category_given || strcmp(wanted->category, line->category) == 0;
}

/* One requested line: take its qty from the sale's lines with that sku, in order. */
static int line_take(const lty_ops_return_line_t *wanted, size_t index, const lty_sale_t *sale,
                     uint32_t *after, lty_diag_t *diag)
{
    uint32_t need = wanted->qty;
    uint64_t sold = 0;
    uint64_t returned = 0;
    bool named = false;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        if (!line_matches(wanted, &sale->lines[line])) continue;
        named = true;
        sold += sale->lines[line].qty;
        returned += sale->lines[line].qty_returned;
        uint32_t left = sale->lines[line].qty - after[line];
        uint32_t take = need < left ? need : left;
        after[line] += take;
        need -= take;
    }
    char path[32];
    snprintf(path, sizeof(path), "/lines/%zu", index);
    if (!named) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, path,
                            "sale %" PRIu64 " has no line with sku %s (and these fields)",
                            sale->sale_id, wanted->sku);
    }
    if (need == 0) return 0;
    if (returned == sold) {
        return lty_diag_set(diag, LTY_E_ALREADY_RETURNED, path, "sku %s was returned already",
                            wanted->sku);
    }
    return lty_diag_set(diag, LTY_E_RETURN_EXCEEDS_SALE, path,
                        "sku %s: %" PRIu64 " sold, %" PRIu64 " returned before, %u asked",
                        wanted->sku, sold, returned, wanted->qty);
}

/* The cumulative qty returned per line after this request (after[] starts as the sale's). */
static int lines_plan(const lty_ops_return_t *request, const lty_sale_t *sale, uint32_t *after,
                      lty_diag_t *diag)
{
    bool any = false;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        after[line] = request->lines_count == 0 ? sale->lines[line].qty
                                                : sale->lines[line].qty_returned;
        any = any || after[line] != sale->lines[line].qty_returned;
    }
    if (request->lines_count == 0 && !any) {
        return lty_diag_set(diag, LTY_E_ALREADY_RETURNED, "/lines",
                            "everything of sale %" PRIu64 " was returned already",
                            sale->sale_id);
    }
    for (size_t index = 0; index < request->lines_count; index++) {
        const lty_ops_return_line_t *wanted = &request->lines[index];
        if (wanted->qty < 1 || wanted->qty > LTY_LINE_QTY_MAX || wanted->sku[0] == '\0') {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                                "line %zu: sku and qty 1..%d", index, LTY_LINE_QTY_MAX);
        }
        int err = line_take(wanted, index, sale, after, diag);
        if (err != 0) return err;
    }
    return 0;
}

static int64_t returned_value(const lty_sale_t *sale, const uint32_t *returned)
{
    int64_t value = 0;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        value += lty_ledger_line_refund_cum(sale->lines[line].amount_cents, sale->lines[line].qty,
                                            returned[line]);
    }
    return value;
}

/* The cumulative split of value_cum over what paid for the sale. */
static void parts_split(const lty_sale_t *sale, int64_t value_cum, int64_t *shares)
{
    int64_t parts[PARTS_COUNT] = {sale->redeem_value_cents, 0, 0, 0, 0};
    int64_t tendered = 0;
    for (uint32_t index = 0; index < sale->tenders_count; index++) {
        const lty_sale_tender_t *tender = &sale->tenders[index];
        int part = tender->type == LTY_TENDER_PREPAID ? PART_PREPAID
                   : tender->type == LTY_TENDER_CASH  ? PART_CASH
                                                      : PART_BANK_CARD;
        parts[part] += tender->amount_cents;
        tendered += tender->amount_cents;
    }
    if (sale->tenders_count == 0) parts[PART_OUTSIDE] = sale->total_cents - sale->redeem_value_cents;
    LTY_ASSERT(sale->tenders_count == 0 || tendered == sale->total_cents - sale->redeem_value_cents);
    lty_ledger_refund_split(parts, PARTS_COUNT, sale->total_cents, value_cum, shares);
}

static void give_back_plan(const lty_sale_t *sale, const uint32_t *before, const uint32_t *after,
                           give_back_t *plan)
{
    memset(plan, 0, sizeof(*plan));
    int64_t value_before = returned_value(sale, before);
    int64_t value_after = returned_value(sale, after);
    int64_t shares_before[PARTS_COUNT];
    int64_t shares_after[PARTS_COUNT];
    parts_split(sale, value_before, shares_before);
    parts_split(sale, value_after, shares_after);
    plan->value = value_after - value_before;
    for (int part = 0; part < PARTS_COUNT; part++) {
        plan->parts[part] = shares_after[part] - shares_before[part];
    }
    plan->points_before = lty_ledger_pro_rata(sale->points_redeemed, shares_before[PART_POINTS],
                                              sale->redeem_value_cents);
    plan->points_refunded = lty_ledger_pro_rata(sale->points_redeemed, shares_after[PART_POINTS],
                                                sale->redeem_value_cents) -
                            plan->points_before;
    plan->points_taken_back =
        lty_ledger_pro_rata(sale->points_earned, value_after, sale->total_cents) -
        lty_ledger_pro_rata(sale->points_earned, value_before, sale->total_cents);
    for (uint32_t line = 0; line < sale->lines_count; line++) plan->qty += after[line] - before[line];
    plan->commission_clawback =
        lty_ledger_pro_rata(sale->commission_cents, value_after, sale->total_cents) -
        lty_ledger_pro_rata(sale->commission_cents, value_before, sale->total_cents);
}

/* The part of each sale lot a refund of redeemed points [before, before + points) reaches: the
 * sale took its points from its lots in order, so the refund goes back in that order too. */
static int64_t lot_share(const lty_sale_t *sale, uint32_t index, int64_t before, int64_t points)
{
    int64_t prefix = 0;
    for (uint32_t lot = 0; lot < index; lot++) prefix += sale->lots[lot].points;
    int64_t low = before - prefix, high = before + points - prefix;
    int64_t size = sale->lots[index].points;
    low = low < 0 ? 0 : (low > size ? size : low);
    high = high < 0 ? 0 : (high > size ? size : high);
    return high - low;
}

/* Of the redeemed points a return refunds, those whose lot has expired by now_ms. */
static int64_t refund_expired(const lty_sale_t *sale, const give_back_t *plan, int64_t now_ms)
{
    int64_t expired = 0;
    for (uint32_t index = 0; index < sale->lots_count; index++) {
        if (sale->lots[index].expires_ms > now_ms) continue;
        expired += lot_share(sale, index, plan->points_before, plan->points_refunded);
    }
    return expired;
}

static void entry_build(const lty_actor_t *actor, const lty_sale_t *sale, uint8_t kind,
                        const give_back_t *plan, lty_journal_entry_t *entry)
{
    memset(entry, 0, sizeof(*entry));
    entry->kind = kind;
    entry->member_id = sale->member_id;
    entry->related_entry_id = sale->sale_id;
    snprintf(entry->principal, sizeof(entry->principal), "%s", lty__ops_principal(actor));
    snprintf(entry->store, sizeof(entry->store), "%s", actor->store);
    snprintf(entry->till, sizeof(entry->till), "%s", actor->till);
    snprintf(entry->reference, sizeof(entry->reference), "%s", sale->receipt_no);
    if (plan->points_refunded > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, sale->member_id,
                               plan->points_refunded);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_REDEEMED, 0, -plan->points_refunded);
    }
    if (plan->points_refunded_expired > 0) { /* their lots have expired: to breakage */
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, sale->member_id,
                               -plan->points_refunded_expired);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_EXPIRED, 0,
                               plan->points_refunded_expired);
    }
    if (plan->points_taken_back > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, sale->member_id,
                               -plan->points_taken_back);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_ISSUED, 0, plan->points_taken_back);
    }
    if (plan->commission_clawback > 0) {
        lty_staff_t staff = {.staff_no = sale->staff_no};
        lty__ops_commission_postings(entry, &staff, -plan->commission_clawback);
    }
    if (plan->parts[PART_PREPAID] > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_PREPAID, sale->member_id,
                               plan->parts[PART_PREPAID]);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_PREPAID_FLOAT, 0, -plan->parts[PART_PREPAID]);
    }
}

/* Lots after the entry is posted: refunded points back into the lots the sale took them from
 * (cumulatively, in the sale's order), then as many points out again (soonest-expiring first)
 * as keep the lots equal to the part of the balance above zero. */
static int lots_settle(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                       const lty_sale_t *sale, const give_back_t *plan, int64_t balance_before,
                       uint64_t entry_id)
{
    int err = 0;
    int64_t recorded = 0; /* refunded points whose lot the sale recorded, expired ones too */
    for (uint32_t index = 0; err == 0 && index < sale->lots_count; index++) {
        int64_t share = lot_share(sale, index, plan->points_before, plan->points_refunded);
        recorded += share;
        if (share > 0 && sale->lots[index].expires_ms > now_ms) { /* expired: breakage */
            err = lty__ops_lot_refill(txn, sale->member_id, &sale->lots[index], share);
        }
    }
    if (err == 0 && recorded < plan->points_refunded) { /* a version-1 sale: no lots recorded */
        err = lty__ops_lots_credit(txn, sale->member_id, 0, plan->points_refunded - recorded,
                                   lty_programme_lot_expires_ms(programme, now_ms), entry_id);
    }
    int64_t refunded = plan->points_refunded - plan->points_refunded_expired;
    int64_t lots_before = balance_before > 0 ? balance_before : 0;
    int64_t balance_after = balance_before + refunded - plan->points_taken_back;
    int64_t lots_after = balance_after > 0 ? balance_after : 0;
    int64_t debit = lots_before + refunded - lots_after;
    LTY_ASSERT(debit >= 0);
    /* Earned points taken back come out of lots that have not expired first: expired ones were
     * lost to the member anyway. */
    if (err == 0 && debit > 0) err = lty__ops_lots_take(txn, sale->member_id, debit, now_ms,
                                                        LTY_OPS_LOTS_UNEXPIRED_FIRST, NULL, NULL);
    return err;
}

static int return_record_put(lty_store_txn_t *txn, const lty_journal_entry_t *entry,
                             const give_back_t *plan)
{
    lty_return_t record = {.entry_id = entry->entry_id,
                           .sale_id = entry->related_entry_id,
                           .member_id = entry->member_id,
                           .kind = entry->kind,
                           .created_ms = entry->created_ms,
                           .refund_cents = plan->value,
                           .refund_points_value_cents = plan->parts[PART_POINTS],
                           .refund_prepaid_cents = plan->parts[PART_PREPAID],
                           .refund_cash_cents = plan->parts[PART_CASH],
                           .refund_bank_card_cents = plan->parts[PART_BANK_CARD],
                           .refund_outside_cents = plan->parts[PART_OUTSIDE],
                           .points_refunded = plan->points_refunded - plan->points_refunded_expired,
                           .points_taken_back = plan->points_taken_back,
                           .qty_returned = plan->qty};
    memcpy(record.store, entry->store, sizeof(record.store));
    memcpy(record.till, entry->till, sizeof(record.till));
    uint8_t buffer[LTY_RECORD_RETURN_BYTES_MAX];
    size_t size = lty_record_return_encode(&record, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, record.entry_id);
    return lty_store_put(txn, LTY_DB_RETURNS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

static void result_fill(const lty_sale_t *sale, const lty_journal_entry_t *entry,
                        const give_back_t *plan, lty_ops_return_result_t *result)
{
    result->entry_id = entry->entry_id;
    result->sale_id = sale->sale_id;
    result->member_id = sale->member_id;
    result->refund_cents = plan->value;
    result->refund_prepaid_cents = plan->parts[PART_PREPAID];
    result->refund_cash_cents = plan->parts[PART_CASH];
    result->refund_bank_card_cents = plan->parts[PART_BANK_CARD];
    result->refund_outside_cents = plan->parts[PART_OUTSIDE];
    result->points_refunded = plan->points_refunded - plan->points_refunded_expired;
    result->points_taken_back = plan->points_taken_back;
    result->points_not_recovered = 0;
    result->sale_status = sale->status;
    result->qty_returned = plan->qty;
    memcpy(result->receipt_no, sale->receipt_no, sizeof(result->receipt_no));
    memcpy(result->store, sale->store, sizeof(result->store));
    result->lines_count = sale->lines_count;
    memcpy(result->lines, sale->lines, sale->lines_count * sizeof(sale->lines[0]));
}

/* The eligible spend (what earned points, as the tier buckets counted it) of the goods given
 * back now: the cumulative pro-rata share after minus before, so partial returns add up to the
 * sale's eligible amount exactly. */
static int64_t eligible_given_back(const lty_programme_t *programme, const lty_sale_t *sale,
                                   const uint32_t *before, const uint32_t *after)
{
    LTY_ASSERT(programme != NULL && sale != NULL);
    LTY_ASSERT(before != NULL && after != NULL);
    int64_t eligible = sale->total_cents;
    if (!programme->earn_on_redeemed_part) eligible -= sale->redeem_value_cents;
    return lty_ledger_pro_rata(eligible, returned_value(sale, after), sale->total_cents) -
           lty_ledger_pro_rata(eligible, returned_value(sale, before), sale->total_cents);
}

/* The shared core of a return and a void: sale (loaded) gives back up to after[] per line. */
static int give_back(lty_store_txn_t *txn, const lty_actor_t *actor,
                     const lty_programme_t *programme, int64_t now_ms, lty_sale_t *sale,
                     const uint32_t *after, uint8_t kind, lty_ops_return_result_t *result,
                     lty_diag_t *diag)
{
    static _Thread_local uint32_t before[LTY_BASKET_LINES_MAX];
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        before[line] = sale->lines[line].qty_returned;
    }
    lty_member_t member;
    int err = lty__ops_member_load(txn, sale->member_id, &member);
    if (err == LTY_E_MEMBER_NOT_FOUND) err = LTY_E_CORRUPT;
    if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
    lty_account_t points;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, sale->member_id,
                                             &points);
    if (err != 0) return err;
    give_back_t plan;
    give_back_plan(sale, before, after, &plan);
    plan.points_refunded_expired = refund_expired(sale, &plan, now_ms);
    int64_t balance_after = points.balance + plan.points_refunded - plan.points_refunded_expired -
                            plan.points_taken_back;
    if (balance_after < points.balance && balance_after < programme->points_negative_floor) {
        return lty_diag_set(diag, LTY_E_POINTS_FLOOR, "/lines",
                            "taking back %" PRId64 " points leaves %" PRId64
                            ", below the floor %" PRId64,
                            plan.points_taken_back, balance_after,
                            programme->points_negative_floor);
    }
    lty_journal_entry_t entry;
    entry_build(actor, sale, kind, &plan, &entry);
    err = lty__ops_journal_post(txn, &entry, now_ms);
    if (err == 0) err = lots_settle(txn, programme, now_ms, sale, &plan, points.balance,
                                    entry.entry_id);
    if (err == 0) err = return_record_put(txn, &entry, &plan);
    bool all = true;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        sale->lines[line].qty_returned = after[line];
        all = all && after[line] == sale->lines[line].qty;
    }
    sale->status = kind == LTY_ENTRY_VOID ? LTY_SALE_VOIDED
                   : all                  ? LTY_SALE_RETURNED
                                          : LTY_SALE_PARTLY_RETURNED;
    if (err == 0) err = sale_save(txn, sale);
    /* a sale given back whole restores its coupons that are still valid */
    size_t coupons_restored = 0;
    if (err == 0 && sale->status != LTY_SALE_PARTLY_RETURNED) {
        err = lty_ops_coupons_restore(txn, now_ms, sale->sale_id, &coupons_restored);
    }
    if (err == 0) err = lty__ops_purchase_give_back(txn, sale, plan.value,
                                                    sale->status != LTY_SALE_PARTLY_RETURNED);
    if (err == 0) err = lty__ops_tier_give_back(txn, sale->member_id, sale->created_ms,
                                                eligible_given_back(programme, sale, before, after),
                                                plan.points_taken_back);
    lty_ops_balances_t balances;
    if (err == 0) err = lty__ops_balances_at(txn, sale->member_id, now_ms, &balances);
    if (err != 0) return err;
    result_fill(sale, &entry, &plan, result);
    result->coupons_restored = coupons_restored;
    result->points_balance = balances.points_balance;
    result->prepaid_cents = balances.prepaid_cents;
    return 0;
}

int lty_ops_return(lty_store_txn_t *txn, const lty_actor_t *actor,
                   const lty_programme_t *programme, int64_t now_ms,
                   const lty_ops_return_t *request, lty_ops_return_result_t *result_out,
                   lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(request != NULL && result_out != NULL);
    static _Thread_local lty_sale_t sale;
    static _Thread_local uint32_t after[LTY_BASKET_LINES_MAX];
    if (request->lines_count > LTY_BASKET_LINES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines", "at most %d lines",
                            LTY_BASKET_LINES_MAX);
    }
    int err = sale_find(txn, actor, request, &sale, diag);
    if (err != 0) return err;
    if (sale.status == LTY_SALE_VOIDED) {
        return lty_diag_set(diag, LTY_E_ALREADY_VOIDED, "/sale_id",
                            "sale %" PRIu64 " was voided", sale.sale_id);
    }
    err = lines_plan(request, &sale, after, diag);
    if (err != 0) return err;
    return give_back(txn, actor, programme, now_ms, &sale, after, LTY_ENTRY_RETURN, result_out,
                     diag);
}

int lty_ops_void(lty_store_txn_t *txn, const lty_actor_t *actor,
                 const lty_programme_t *programme, int64_t now_ms, uint64_t sale_id,
                 lty_ops_return_result_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(result_out != NULL);
    static _Thread_local lty_sale_t sale;
    static _Thread_local uint32_t after[LTY_BASKET_LINES_MAX];
    int err = sale_load(txn, sale_id, &sale);
    if (err == LTY_E_SALE_NOT_FOUND) {
        return lty_diag_set(diag, err, "/sale_id", "no sale %" PRIu64, sale_id);
    }
    if (err != 0) return err;
    if (strcmp(sale.store, actor->store) != 0 || strcmp(sale.till, actor->till) != 0) {
        return lty_diag_set(diag, LTY_E_VOID_NOT_ALLOWED, "/sale_id",
                            "sale %" PRIu64 " was made at %s/%s", sale_id, sale.store, sale.till);
    }
    if (sale.status == LTY_SALE_VOIDED) {
        return lty_diag_set(diag, LTY_E_ALREADY_VOIDED, "/sale_id", "already voided");
    }
    if (sale.status != LTY_SALE_COMPLETED) {
        return lty_diag_set(diag, LTY_E_ALREADY_RETURNED, "/sale_id",
                            "goods of this sale were returned: use a return");
    }
    if (now_ms - sale.created_ms > programme->void_window_ms) {
        return lty_diag_set(diag, LTY_E_VOID_WINDOW_CLOSED, "/sale_id",
                            "the sale is %" PRId64 " ms old, the window is %" PRId64 " ms",
                            now_ms - sale.created_ms, programme->void_window_ms);
    }
    for (uint32_t line = 0; line < sale.lines_count; line++) after[line] = sale.lines[line].qty;
    return give_back(txn, actor, programme, now_ms, &sale, after, LTY_ENTRY_VOID, result_out,
                     diag);
}
