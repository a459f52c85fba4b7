/* SPDX-License-Identifier: MIT */
/* Domain record encodings: the one place that turns records into bytes and back, and builds
 * their keys. Every decoder treats the disk as hostile: lengths, tags, versions and ranges are
 * checked, and anything malformed is LTY_E_CORRUPT, never an assertion, so `loyaltyctl verify`
 * can name a damaged record instead of crashing on it.
 *
 * Not here: what the records mean (ledger.c) or when they are written (ops_*.c). */
#include "records.h"
#include "records_codec.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_crypto.h"

#include <stddef.h>
#include <string.h>

/* ---- Enums ------------------------------------------------------------------------------ */

bool lty_account_kind_known(unsigned int kind)
{
    switch (kind) {
    case LTY_ACCOUNT_MEMBER_POINTS:
    case LTY_ACCOUNT_MEMBER_PREPAID:
    case LTY_ACCOUNT_POINTS_ISSUED:
    case LTY_ACCOUNT_POINTS_REDEEMED:
    case LTY_ACCOUNT_POINTS_EXPIRED:
    case LTY_ACCOUNT_POINTS_ADJUSTED:
    case LTY_ACCOUNT_POINTS_MIGRATED:
    case LTY_ACCOUNT_PREPAID_FLOAT:
    case LTY_ACCOUNT_CASH_IN:
    case LTY_ACCOUNT_BANK_CARD_IN:
    case LTY_ACCOUNT_CASH_OUT:
    case LTY_ACCOUNT_COMMISSION_PAYABLE:
    case LTY_ACCOUNT_PREPAID_MIGRATED:
    case LTY_ACCOUNT_COMMISSION_EXPENSE:
        return true;
    default:
        return false;
    }
}

bool lty_account_kind_is_member(lty_account_kind_t kind)
{
    LTY_ASSERT(lty_account_kind_known((unsigned int)kind));
    return kind == LTY_ACCOUNT_MEMBER_POINTS || kind == LTY_ACCOUNT_MEMBER_PREPAID;
}

bool lty_account_kind_is_staff(lty_account_kind_t kind)
{
    LTY_ASSERT(lty_account_kind_known((unsigned int)kind));
    return kind == LTY_ACCOUNT_COMMISSION_PAYABLE;
}

/* Member and staff accounts have an owner; system accounts have owner 0. */
static bool account_owner_ok(lty_account_kind_t kind, uint64_t owner)
{
    bool owned = lty_account_kind_is_member(kind) || lty_account_kind_is_staff(kind);
    return owned == (owner != 0);
}

lty_asset_t lty_account_kind_asset(lty_account_kind_t kind)
{
    LTY_ASSERT(lty_account_kind_known((unsigned int)kind));
    switch (kind) {
    case LTY_ACCOUNT_MEMBER_POINTS:
    case LTY_ACCOUNT_POINTS_ISSUED:
    case LTY_ACCOUNT_POINTS_REDEEMED:
    case LTY_ACCOUNT_POINTS_EXPIRED:
    case LTY_ACCOUNT_POINTS_ADJUSTED:
    case LTY_ACCOUNT_POINTS_MIGRATED:
        return LTY_ASSET_POINTS;
    default:
        return LTY_ASSET_CURRENCY;
    }
}

const char *lty_account_kind_name(unsigned int kind)
{
    switch (kind) {
    case LTY_ACCOUNT_MEMBER_POINTS: return "member-points";
    case LTY_ACCOUNT_MEMBER_PREPAID: return "member-prepaid";
    case LTY_ACCOUNT_POINTS_ISSUED: return "points-issued";
    case LTY_ACCOUNT_POINTS_REDEEMED: return "points-redeemed";
    case LTY_ACCOUNT_POINTS_EXPIRED: return "points-expired";
    case LTY_ACCOUNT_POINTS_ADJUSTED: return "points-adjusted";
    case LTY_ACCOUNT_PREPAID_FLOAT: return "prepaid-float";
    case LTY_ACCOUNT_CASH_IN: return "cash-in";
    case LTY_ACCOUNT_BANK_CARD_IN: return "bank-card-in";
    case LTY_ACCOUNT_CASH_OUT: return "cash-out";
    case LTY_ACCOUNT_COMMISSION_PAYABLE: return "commission-payable";
    case LTY_ACCOUNT_POINTS_MIGRATED: return "points-migrated";
    case LTY_ACCOUNT_PREPAID_MIGRATED: return "prepaid-migrated";
    case LTY_ACCOUNT_COMMISSION_EXPENSE: return "commission-expense";
    default: return "unknown";
    }
}

const char *lty_asset_name(unsigned int asset)
{
    if (asset == LTY_ASSET_POINTS) return "points";
    if (asset == LTY_ASSET_CURRENCY) return "currency";
    return "unknown";
}

bool lty_entry_kind_known(unsigned int kind)
{
    return kind >= LTY_ENTRY_SALE && kind <= LTY_ENTRY_KIND_LAST;
}

const char *lty_entry_kind_name(unsigned int kind)
{
    static const char *const names[] = {"unknown", "sale",   "adjust", "bonus", "expire",
                                        "topup",   "return", "void",   "close", "migration",
                                        "commission", "voucher", "gift", "gift_cancel"};
    _Static_assert(sizeof(names) / sizeof(names[0]) == LTY_ENTRY_KIND_LAST + 1, "a name per kind");
    return lty_entry_kind_known(kind) ? names[kind] : names[0];
}

/* ---- Meta values ------------------------------------------------------------------------ */

void lty_record_u64_encode(uint64_t value, uint8_t out[8])
{
    LTY_ASSERT(out != NULL);
    for (size_t index = 0; index < 8; index++) out[index] = (uint8_t)(value >> (56 - 8 * index));
}

int lty_record_u64_decode(lty_bytes_t in, uint64_t *value_out)
{
    LTY_ASSERT(value_out != NULL);
    if (in.data == NULL || in.size != 8) return LTY_E_CORRUPT;
    rec_in_t reader = {.data = in.data, .size = 8, .offset = 0, .ok = true};
    *value_out = in_u64(&reader);
    LTY_ASSERT(reader.ok);
    return 0;
}

void lty_record_u32_encode(uint32_t value, uint8_t out[4])
{
    LTY_ASSERT(out != NULL);
    for (size_t index = 0; index < 4; index++) out[index] = (uint8_t)(value >> (24 - 8 * index));
}

int lty_record_u32_decode(lty_bytes_t in, uint32_t *value_out)
{
    LTY_ASSERT(value_out != NULL);
    if (in.data == NULL || in.size != 4) return LTY_E_CORRUPT;
    rec_in_t reader = {.data = in.data, .size = 4, .offset = 0, .ok = true};
    *value_out = in_u32(&reader);
    LTY_ASSERT(reader.ok);
    return 0;
}

/* ---- Member ----------------------------------------------------------------------------- */

bool lty_record_member_valid(const lty_member_t *member)
{
    LTY_ASSERT(member != NULL);
    if (member->member_id == 0) return false;
    if (member->status != LTY_MEMBER_ACTIVE && member->status != LTY_MEMBER_CLOSED) return false;
    if (member->gender > 3) return false;
    if (!time_ok(member->created_ms) || member->updated_ms < member->created_ms) return false;
    if ((member->status == LTY_MEMBER_CLOSED) != (member->closed_ms != 0)) return false;
    if (!text_fits(member->name, LTY_NAME_BYTES_MAX)) return false;
    if (!text_fits(member->phone, LTY_PHONE_BYTES_MAX)) return false;
    if (!text_fits(member->email, LTY_EMAIL_BYTES_MAX)) return false;
    if (!text_fits(member->birthday, LTY_BIRTHDAY_BYTES)) return false;
    if (!text_fits(member->preferred_store, LTY_STORE_ID_BYTES_MAX)) return false;
    /* Only a closed member may have had their personal data erased. */
    if (member->status == LTY_MEMBER_ACTIVE && member->phone[0] == '\0') return false;
    return time_ok(member->consent_ms);
}

size_t lty_record_member_encode(const lty_member_t *member, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_member_valid(member));
    LTY_ASSERT(out_size >= LTY_RECORD_MEMBER_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_MEMBER, LTY_MEMBER_VERSION);
    out_u64(&writer, member->member_id);
    out_u8(&writer, member->status);
    out_u8(&writer, member->tier);
    out_u8(&writer, member->gender);
    out_i64(&writer, member->created_ms);
    out_i64(&writer, member->updated_ms);
    out_i64(&writer, member->closed_ms);
    out_str(&writer, member->name, LTY_NAME_BYTES_MAX);
    out_str(&writer, member->phone, LTY_PHONE_BYTES_MAX);
    out_str(&writer, member->email, LTY_EMAIL_BYTES_MAX);
    out_str(&writer, member->birthday, LTY_BIRTHDAY_BYTES);
    out_str(&writer, member->preferred_store, LTY_STORE_ID_BYTES_MAX);
    out_u32(&writer, member->consent_flags);
    out_i64(&writer, member->consent_ms);
    LTY_ASSERT(writer.size <= LTY_RECORD_MEMBER_BYTES_MAX);
    return writer.size;
}

int lty_record_member_decode(lty_bytes_t in, lty_member_t *member_out)
{
    LTY_ASSERT(member_out != NULL);
    rec_in_t reader;
    memset(member_out, 0, sizeof(*member_out));
    (void)in_header(&reader, in, LTY_RECORD_MEMBER, LTY_MEMBER_VERSION);
    member_out->member_id = in_u64(&reader);
    member_out->status = in_u8(&reader);
    member_out->tier = in_u8(&reader);
    member_out->gender = in_u8(&reader);
    member_out->created_ms = in_i64(&reader);
    member_out->updated_ms = in_i64(&reader);
    member_out->closed_ms = in_i64(&reader);
    in_str(&reader, member_out->name, LTY_NAME_BYTES_MAX);
    in_str(&reader, member_out->phone, LTY_PHONE_BYTES_MAX);
    in_str(&reader, member_out->email, LTY_EMAIL_BYTES_MAX);
    in_str(&reader, member_out->birthday, LTY_BIRTHDAY_BYTES);
    in_str(&reader, member_out->preferred_store, LTY_STORE_ID_BYTES_MAX);
    member_out->consent_flags = in_u32(&reader);
    member_out->consent_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_member_valid(member_out));
}

/* ---- Card ------------------------------------------------------------------------------- */

bool lty_record_card_valid(const lty_card_t *card)
{
    LTY_ASSERT(card != NULL);
    if (!card_no_syntax(card->card_no)) return false;
    if (card->status > LTY_CARD_CLOSED) return false;
    if ((card->status == LTY_CARD_UNASSIGNED) != (card->member_id == 0)) return false;
    if (!time_ok(card->issued_ms) || !time_ok(card->status_ms)) return false;
    if (card->expires_ms < card->issued_ms) return false;
    if (card->status == LTY_CARD_REPLACED) return card_no_syntax(card->replaced_by);
    return card->replaced_by[0] == '\0';
}

size_t lty_record_card_encode(const lty_card_t *card, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_card_valid(card));
    LTY_ASSERT(out_size >= LTY_RECORD_CARD_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_CARD, LTY_CARD_VERSION);
    out_str(&writer, card->card_no, LTY_CARD_NO_DIGITS_MAX);
    out_u64(&writer, card->member_id);
    out_u8(&writer, card->status);
    out_i64(&writer, card->issued_ms);
    out_i64(&writer, card->expires_ms);
    out_i64(&writer, card->status_ms);
    out_str(&writer, card->replaced_by, LTY_CARD_NO_DIGITS_MAX);
    LTY_ASSERT(writer.size <= LTY_RECORD_CARD_BYTES_MAX);
    return writer.size;
}

int lty_record_card_decode(lty_bytes_t in, lty_card_t *card_out)
{
    LTY_ASSERT(card_out != NULL);
    rec_in_t reader;
    memset(card_out, 0, sizeof(*card_out));
    (void)in_header(&reader, in, LTY_RECORD_CARD, LTY_CARD_VERSION);
    in_str(&reader, card_out->card_no, LTY_CARD_NO_DIGITS_MAX);
    card_out->member_id = in_u64(&reader);
    card_out->status = in_u8(&reader);
    card_out->issued_ms = in_i64(&reader);
    card_out->expires_ms = in_i64(&reader);
    card_out->status_ms = in_i64(&reader);
    in_str(&reader, card_out->replaced_by, LTY_CARD_NO_DIGITS_MAX);
    return in_finish(&reader, reader.ok && lty_record_card_valid(card_out));
}

/* ---- Account ---------------------------------------------------------------------------- */

bool lty_record_account_valid(const lty_account_t *account)
{
    LTY_ASSERT(account != NULL);
    if (!lty_account_kind_known(account->kind)) return false;
    if (!account_owner_ok((lty_account_kind_t)account->kind, account->owner)) return false;
    if (account->kind == LTY_ACCOUNT_MEMBER_PREPAID && account->balance < 0) return false;
    if (account->entries_count == 0 && account->balance != 0) return false;
    return time_ok(account->updated_ms);
}

size_t lty_record_account_encode(const lty_account_t *account, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_account_valid(account));
    LTY_ASSERT(out_size >= LTY_RECORD_ACCOUNT_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_ACCOUNT, LTY_ACCOUNT_VERSION);
    out_u8(&writer, account->kind);
    out_u64(&writer, account->owner);
    out_i64(&writer, account->balance);
    out_u64(&writer, account->entries_count);
    out_i64(&writer, account->updated_ms);
    LTY_ASSERT(writer.size == LTY_RECORD_ACCOUNT_BYTES_MAX);
    return writer.size;
}

int lty_record_account_decode(lty_bytes_t in, lty_account_t *account_out)
{
    LTY_ASSERT(account_out != NULL);
    rec_in_t reader;
    memset(account_out, 0, sizeof(*account_out));
    (void)in_header(&reader, in, LTY_RECORD_ACCOUNT, LTY_ACCOUNT_VERSION);
    account_out->kind = in_u8(&reader);
    account_out->owner = in_u64(&reader);
    account_out->balance = in_i64(&reader);
    account_out->entries_count = in_u64(&reader);
    account_out->updated_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_account_valid(account_out));
}

/* ---- Journal entry ---------------------------------------------------------------------- */

static bool posting_valid(const lty_posting_t *posting)
{
    if (!lty_account_kind_known(posting->account_kind)) return false;
    lty_account_kind_t kind = (lty_account_kind_t)posting->account_kind;
    if (posting->asset != (uint8_t)lty_account_kind_asset(kind)) return false;
    if (!account_owner_ok(kind, posting->owner)) return false;
    return posting->amount != 0 && posting->amount != INT64_MIN;
}

bool lty_record_entry_valid(const lty_journal_entry_t *entry)
{
    LTY_ASSERT(entry != NULL);
    if (entry->entry_id == 0 || !lty_entry_kind_known(entry->kind)) return false;
    if (!time_ok(entry->created_ms)) return false;
    if (entry->postings_count == 1 || entry->postings_count > LTY_POSTINGS_PER_ENTRY_MAX) {
        return false;
    }
    if (!text_fits(entry->principal, LTY_PRINCIPAL_BYTES_MAX)) return false;
    if (!text_fits(entry->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_fits(entry->till, LTY_TILL_ID_BYTES_MAX)) return false;
    if (!text_fits(entry->reference, LTY_REFERENCE_BYTES_MAX)) return false;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        if (!posting_valid(&entry->postings[index])) return false;
    }
    return true;
}

size_t lty_record_entry_encode(const lty_journal_entry_t *entry, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_entry_valid(entry));
    LTY_ASSERT(out_size >= LTY_RECORD_ENTRY_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_ENTRY, LTY_ENTRY_VERSION);
    out_u64(&writer, entry->entry_id);
    out_u8(&writer, entry->kind);
    out_i64(&writer, entry->created_ms);
    out_u64(&writer, entry->member_id);
    out_u64(&writer, entry->related_entry_id);
    out_str(&writer, entry->principal, LTY_PRINCIPAL_BYTES_MAX);
    out_str(&writer, entry->store, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, entry->till, LTY_TILL_ID_BYTES_MAX);
    out_str(&writer, entry->reference, LTY_REFERENCE_BYTES_MAX);
    out_u8(&writer, (uint8_t)entry->postings_count);
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        out_u8(&writer, posting->account_kind);
        out_u8(&writer, posting->asset);
        out_u64(&writer, posting->owner);
        out_i64(&writer, posting->amount);
    }
    LTY_ASSERT(writer.size <= LTY_RECORD_ENTRY_BYTES_MAX);
    return writer.size;
}

int lty_record_entry_decode(lty_bytes_t in, lty_journal_entry_t *entry_out)
{
    LTY_ASSERT(entry_out != NULL);
    rec_in_t reader;
    memset(entry_out, 0, sizeof(*entry_out));
    (void)in_header(&reader, in, LTY_RECORD_ENTRY, LTY_ENTRY_VERSION);
    entry_out->entry_id = in_u64(&reader);
    entry_out->kind = in_u8(&reader);
    entry_out->created_ms = in_i64(&reader);
    entry_out->member_id = in_u64(&reader);
    entry_out->related_entry_id = in_u64(&reader);
    in_str(&reader, entry_out->principal, LTY_PRINCIPAL_BYTES_MAX);
    in_str(&reader, entry_out->store, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, entry_out->till, LTY_TILL_ID_BYTES_MAX);
    in_str(&reader, entry_out->reference, LTY_REFERENCE_BYTES_MAX);
    uint8_t postings_count = in_u8(&reader);
    if (postings_count > LTY_POSTINGS_PER_ENTRY_MAX) return LTY_E_CORRUPT;
    entry_out->postings_count = postings_count;
    for (uint32_t index = 0; index < entry_out->postings_count; index++) {
        lty_posting_t *posting = &entry_out->postings[index];
        posting->account_kind = in_u8(&reader);
        posting->asset = in_u8(&reader);
        posting->owner = in_u64(&reader);
        posting->amount = in_i64(&reader);
    }
    return in_finish(&reader, reader.ok && lty_record_entry_valid(entry_out));
}

/* ---- Lot -------------------------------------------------------------------------------- */

bool lty_record_lot_valid(const lty_lot_t *lot)
{
    LTY_ASSERT(lot != NULL);
    if (lot->member_id == 0 || lot->entry_id == 0) return false;
    if (!time_ok(lot->expires_ms)) return false;
    if (lot->points_initial <= 0 || lot->points_initial > LTY_POINTS_BALANCE_MAX) return false;
    return lot->points_remaining >= 0 && lot->points_remaining <= lot->points_initial;
}

size_t lty_record_lot_encode(const lty_lot_t *lot, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_lot_valid(lot));
    LTY_ASSERT(out_size >= LTY_RECORD_LOT_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_LOT, LTY_LOT_VERSION);
    out_u64(&writer, lot->member_id);
    out_i64(&writer, lot->expires_ms);
    out_u64(&writer, lot->entry_id);
    out_i64(&writer, lot->points_initial);
    out_i64(&writer, lot->points_remaining);
    LTY_ASSERT(writer.size == LTY_RECORD_LOT_BYTES_MAX);
    return writer.size;
}

int lty_record_lot_decode(lty_bytes_t in, lty_lot_t *lot_out)
{
    LTY_ASSERT(lot_out != NULL);
    rec_in_t reader;
    memset(lot_out, 0, sizeof(*lot_out));
    (void)in_header(&reader, in, LTY_RECORD_LOT, LTY_LOT_VERSION);
    lot_out->member_id = in_u64(&reader);
    lot_out->expires_ms = in_i64(&reader);
    lot_out->entry_id = in_u64(&reader);
    lot_out->points_initial = in_i64(&reader);
    lot_out->points_remaining = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_lot_valid(lot_out));
}

/* ---- Sale ------------------------------------------------------------------------------- */

static bool sale_line_valid(const lty_sale_line_t *line)
{
    if (!text_nonempty_fits(line->sku, LTY_SKU_BYTES_MAX)) return false;
    if (!text_fits(line->category, LTY_CATEGORY_BYTES_MAX)) return false;
    if (line->qty < 1 || line->qty > LTY_LINE_QTY_MAX || line->qty_returned > line->qty) {
        return false;
    }
    return line->amount_cents >= 0 && line->amount_cents <= LTY_LINE_AMOUNT_CENTS_MAX;
}

static bool sale_amounts_valid(const lty_sale_t *sale)
{
    if (sale->total_cents < 0 || sale->total_cents > LTY_SALE_AMOUNT_CENTS_MAX) return false;
    if (sale->redeem_value_cents < 0 || sale->redeem_value_cents > sale->total_cents) return false;
    if (sale->points_earned < 0 || sale->points_earned > LTY_POINTS_PER_TXN_MAX) return false;
    return sale->points_redeemed >= 0 && sale->points_redeemed <= LTY_POINTS_PER_TXN_MAX;
}

/* Version 3: a staff member (both id and number, or neither) and the rules applied. */
static bool sale_v3_valid(const lty_sale_t *sale)
{
    if (!text_fits(sale->staff_id, LTY_STAFF_ID_BYTES_MAX)) return false;
    if ((sale->staff_id[0] != '\0') != (sale->staff_no != 0)) return false;
    if (sale->commission_cents < 0 || sale->commission_cents > sale->total_cents) return false;
    if (sale->staff_no == 0 && sale->commission_cents != 0) return false;
    if (sale->rules_count > LTY_RULES_APPLIED_MAX + 1) return false;
    for (uint32_t index = 0; index < sale->rules_count; index++) {
        int64_t points = sale->rules[index].points;
        if (points == 0 || points < -LTY_POINTS_PER_TXN_MAX || points > LTY_POINTS_PER_TXN_MAX) {
            return false;
        }
    }
    return true;
}

bool lty_record_sale_valid(const lty_sale_t *sale)
{
    LTY_ASSERT(sale != NULL);
    if (sale->sale_id == 0 || sale->member_id == 0 || !card_no_syntax(sale->card_no)) {
        return false;
    }
    if (!text_nonempty_fits(sale->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_fits(sale->till, LTY_TILL_ID_BYTES_MAX)) return false;
    if (!text_nonempty_fits(sale->receipt_no, LTY_RECEIPT_NO_BYTES_MAX)) return false;
    if (!time_ok(sale->created_ms) || !sale_amounts_valid(sale)) return false;
    if (sale->status < LTY_SALE_COMPLETED || sale->status > LTY_SALE_VOIDED) return false;
    if (sale->tenders_count > LTY_TENDERS_PER_SALE_MAX) return false;
    for (uint32_t index = 0; index < sale->tenders_count; index++) {
        const lty_sale_tender_t *tender = &sale->tenders[index];
        if (tender->type < LTY_TENDER_CASH || tender->type > LTY_TENDER_PREPAID) return false;
        if (tender->amount_cents <= 0 || tender->amount_cents > LTY_SALE_AMOUNT_CENTS_MAX) {
            return false;
        }
    }
    if (sale->lines_count < 1 || sale->lines_count > LTY_BASKET_LINES_MAX) return false;
    for (uint32_t index = 0; index < sale->lines_count; index++) {
        if (!sale_line_valid(&sale->lines[index])) return false;
    }
    if (sale->lots_count > LTY_LOTS_PER_REDEMPTION_MAX) return false;
    int64_t lot_points = 0;
    for (uint32_t index = 0; index < sale->lots_count; index++) {
        const lty_sale_lot_t *lot = &sale->lots[index];
        if (lot->entry_id == 0 || lot->points <= 0 || lot->points > LTY_POINTS_PER_TXN_MAX) {
            return false;
        }
        lot_points += lot->points; /* bounded: 1024 * 10^7 */
    }
    if (sale->lots_count != 0 && lot_points != sale->points_redeemed) return false;
    return sale_v3_valid(sale);
}

size_t lty_record_sale_encode(const lty_sale_t *sale, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_sale_valid(sale));
    LTY_ASSERT(out_size >= LTY_RECORD_SALE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_SALE, LTY_SALE_VERSION);
    out_u64(&writer, sale->sale_id);
    out_str(&writer, sale->card_no, LTY_CARD_NO_DIGITS_MAX);
    out_u64(&writer, sale->member_id);
    out_str(&writer, sale->store, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, sale->till, LTY_TILL_ID_BYTES_MAX);
    out_str(&writer, sale->receipt_no, LTY_RECEIPT_NO_BYTES_MAX);
    out_i64(&writer, sale->created_ms);
    out_u8(&writer, sale->status);
    out_i64(&writer, sale->total_cents);
    out_i64(&writer, sale->redeem_value_cents);
    out_i64(&writer, sale->points_earned);
    out_i64(&writer, sale->points_redeemed);
    out_i64(&writer, 0); /* reserved: points taken back by returns */
    out_u8(&writer, (uint8_t)sale->tenders_count);
    for (uint32_t index = 0; index < sale->tenders_count; index++) {
        out_u8(&writer, sale->tenders[index].type);
        out_i64(&writer, sale->tenders[index].amount_cents);
    }
    out_u16(&writer, (uint16_t)sale->lines_count);
    for (uint32_t index = 0; index < sale->lines_count; index++) {
        const lty_sale_line_t *line = &sale->lines[index];
        out_str(&writer, line->sku, LTY_SKU_BYTES_MAX);
        out_str(&writer, line->category, LTY_CATEGORY_BYTES_MAX);
        out_u32(&writer, line->qty);
        out_u32(&writer, line->qty_returned);
        out_i64(&writer, line->amount_cents);
    }
    out_u16(&writer, (uint16_t)sale->lots_count); /* version 2 */
    for (uint32_t index = 0; index < sale->lots_count; index++) {
        out_i64(&writer, sale->lots[index].expires_ms);
        out_u64(&writer, sale->lots[index].entry_id);
        out_i64(&writer, sale->lots[index].points);
    }
    out_str(&writer, sale->staff_id, LTY_STAFF_ID_BYTES_MAX); /* version 3 */
    out_u64(&writer, sale->staff_no);
    out_i64(&writer, sale->commission_cents);
    out_u8(&writer, (uint8_t)sale->rules_count);
    for (uint32_t index = 0; index < sale->rules_count; index++) {
        out_u64(&writer, sale->rules[index].rule_id);
        out_i64(&writer, sale->rules[index].points);
    }
    LTY_ASSERT(writer.size <= LTY_RECORD_SALE_BYTES_MAX);
    return writer.size;
}

static void sale_lots_decode(rec_in_t *reader, lty_sale_t *sale_out)
{
    sale_out->lots_count = in_u16(reader);
    if (sale_out->lots_count > LTY_LOTS_PER_REDEMPTION_MAX) reader->ok = false;
    for (uint32_t index = 0; reader->ok && index < sale_out->lots_count; index++) {
        sale_out->lots[index].expires_ms = in_i64(reader);
        sale_out->lots[index].entry_id = in_u64(reader);
        sale_out->lots[index].points = in_i64(reader);
    }
}

static void sale_v3_decode(rec_in_t *reader, lty_sale_t *sale_out)
{
    in_str(reader, sale_out->staff_id, LTY_STAFF_ID_BYTES_MAX);
    sale_out->staff_no = in_u64(reader);
    sale_out->commission_cents = in_i64(reader);
    sale_out->rules_count = in_u8(reader);
    if (sale_out->rules_count > LTY_RULES_APPLIED_MAX + 1) reader->ok = false;
    for (uint32_t index = 0; reader->ok && index < sale_out->rules_count; index++) {
        sale_out->rules[index].rule_id = in_u64(reader);
        sale_out->rules[index].points = in_i64(reader);
    }
}

static void sale_lists_decode(rec_in_t *reader, lty_sale_t *sale_out)
{
    sale_out->tenders_count = in_u8(reader);
    if (sale_out->tenders_count > LTY_TENDERS_PER_SALE_MAX) reader->ok = false;
    for (uint32_t index = 0; reader->ok && index < sale_out->tenders_count; index++) {
        sale_out->tenders[index].type = in_u8(reader);
        sale_out->tenders[index].amount_cents = in_i64(reader);
    }
    sale_out->lines_count = in_u16(reader);
    if (sale_out->lines_count > LTY_BASKET_LINES_MAX) reader->ok = false;
    for (uint32_t index = 0; reader->ok && index < sale_out->lines_count; index++) {
        lty_sale_line_t *line = &sale_out->lines[index];
        in_str(reader, line->sku, LTY_SKU_BYTES_MAX);
        in_str(reader, line->category, LTY_CATEGORY_BYTES_MAX);
        line->qty = in_u32(reader);
        line->qty_returned = in_u32(reader);
        line->amount_cents = in_i64(reader);
    }
}

int lty_record_sale_decode(lty_bytes_t in, lty_sale_t *sale_out)
{
    LTY_ASSERT(sale_out != NULL);
    rec_in_t reader;
    memset(sale_out, 0, offsetof(lty_sale_t, lines)); /* lines are written as they are read */
    memset(sale_out->staff_id, 0, sizeof(*sale_out) - offsetof(lty_sale_t, staff_id));
    uint8_t version = in_header(&reader, in, LTY_RECORD_SALE, LTY_SALE_VERSION);
    sale_out->sale_id = in_u64(&reader);
    in_str(&reader, sale_out->card_no, LTY_CARD_NO_DIGITS_MAX);
    sale_out->member_id = in_u64(&reader);
    in_str(&reader, sale_out->store, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, sale_out->till, LTY_TILL_ID_BYTES_MAX);
    in_str(&reader, sale_out->receipt_no, LTY_RECEIPT_NO_BYTES_MAX);
    sale_out->created_ms = in_i64(&reader);
    sale_out->status = in_u8(&reader);
    sale_out->total_cents = in_i64(&reader);
    sale_out->redeem_value_cents = in_i64(&reader);
    sale_out->points_earned = in_i64(&reader);
    sale_out->points_redeemed = in_i64(&reader);
    if (in_i64(&reader) != 0) reader.ok = false; /* reserved, see encode */
    sale_lists_decode(&reader, sale_out);
    if (version >= 2) sale_lots_decode(&reader, sale_out);
    if (version >= 3) sale_v3_decode(&reader, sale_out);
    return in_finish(&reader, reader.ok && lty_record_sale_valid(sale_out));
}

/* ---- Store, till, operator -------------------------------------------------------------- */

bool lty_record_store_valid(const lty_store_record_t *store)
{
    LTY_ASSERT(store != NULL);
    if (!text_nonempty_fits(store->store_id, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_fits(store->name, LTY_STORE_NAME_BYTES_MAX)) return false;
    if (!text_fits(store->region, LTY_STORE_REGION_BYTES_MAX)) return false;
    return time_ok(store->created_ms) && time_ok(store->updated_ms) && store->active <= 1;
}

size_t lty_record_store_encode(const lty_store_record_t *store, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_store_valid(store));
    LTY_ASSERT(out_size >= LTY_RECORD_STORE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_STORE, LTY_STORE_VERSION);
    out_str(&writer, store->store_id, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, store->name, LTY_STORE_NAME_BYTES_MAX);
    out_i64(&writer, store->created_ms);
    out_u8(&writer, store->active);
    out_str(&writer, store->region, LTY_STORE_REGION_BYTES_MAX); /* version 2 */
    out_i64(&writer, store->updated_ms);
    return writer.size;
}

int lty_record_store_decode(lty_bytes_t in, lty_store_record_t *store_out)
{
    LTY_ASSERT(store_out != NULL);
    rec_in_t reader;
    memset(store_out, 0, sizeof(*store_out));
    uint8_t version = in_header(&reader, in, LTY_RECORD_STORE, LTY_STORE_VERSION);
    in_str(&reader, store_out->store_id, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, store_out->name, LTY_STORE_NAME_BYTES_MAX);
    store_out->created_ms = in_i64(&reader);
    store_out->active = in_u8(&reader);
    if (version >= 2) {
        in_str(&reader, store_out->region, LTY_STORE_REGION_BYTES_MAX);
        store_out->updated_ms = in_i64(&reader);
    }
    return in_finish(&reader, reader.ok && lty_record_store_valid(store_out));
}

bool lty_record_till_valid(const lty_till_t *till)
{
    LTY_ASSERT(till != NULL);
    if (!text_nonempty_fits(till->store_id, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_nonempty_fits(till->till_id, LTY_TILL_ID_BYTES_MAX)) return false;
    return time_ok(till->created_ms) && till->active <= 1;
}

size_t lty_record_till_encode(const lty_till_t *till, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_till_valid(till));
    LTY_ASSERT(out_size >= LTY_RECORD_TILL_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_TILL, LTY_TILL_VERSION);
    out_str(&writer, till->store_id, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, till->till_id, LTY_TILL_ID_BYTES_MAX);
    out_i64(&writer, till->created_ms);
    out_u8(&writer, till->active);
    return writer.size;
}

int lty_record_till_decode(lty_bytes_t in, lty_till_t *till_out)
{
    LTY_ASSERT(till_out != NULL);
    rec_in_t reader;
    memset(till_out, 0, sizeof(*till_out));
    (void)in_header(&reader, in, LTY_RECORD_TILL, LTY_TILL_VERSION);
    in_str(&reader, till_out->store_id, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, till_out->till_id, LTY_TILL_ID_BYTES_MAX);
    till_out->created_ms = in_i64(&reader);
    till_out->active = in_u8(&reader);
    return in_finish(&reader, reader.ok && lty_record_till_valid(till_out));
}

bool lty_record_operator_valid(const lty_operator_t *operator_record)
{
    LTY_ASSERT(operator_record != NULL);
    if (!text_nonempty_fits(operator_record->name, LTY_OPERATOR_NAME_BYTES_MAX)) return false;
    return time_ok(operator_record->created_ms) && operator_record->active <= 1;
}

size_t lty_record_operator_encode(const lty_operator_t *operator_record, uint8_t *out,
                                  size_t out_size)
{
    LTY_ASSERT(lty_record_operator_valid(operator_record));
    LTY_ASSERT(out_size >= LTY_RECORD_OPERATOR_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_OPERATOR, LTY_OPERATOR_VERSION);
    out_str(&writer, operator_record->name, LTY_OPERATOR_NAME_BYTES_MAX);
    out_i64(&writer, operator_record->created_ms);
    out_u32(&writer, operator_record->scopes);
    out_u8(&writer, operator_record->active);
    return writer.size;
}

int lty_record_operator_decode(lty_bytes_t in, lty_operator_t *operator_out)
{
    LTY_ASSERT(operator_out != NULL);
    rec_in_t reader;
    memset(operator_out, 0, sizeof(*operator_out));
    (void)in_header(&reader, in, LTY_RECORD_OPERATOR, LTY_OPERATOR_VERSION);
    in_str(&reader, operator_out->name, LTY_OPERATOR_NAME_BYTES_MAX);
    operator_out->created_ms = in_i64(&reader);
    operator_out->scopes = in_u32(&reader);
    operator_out->active = in_u8(&reader);
    return in_finish(&reader, reader.ok && lty_record_operator_valid(operator_out));
}

/* ---- Audit ------------------------------------------------------------------------------ */

bool lty_record_audit_valid(const lty_audit_t *audit)
{
    LTY_ASSERT(audit != NULL);
    if (audit->audit_id == 0 || !time_ok(audit->created_ms)) return false;
    if (!text_nonempty_fits(audit->principal, LTY_PRINCIPAL_BYTES_MAX)) return false;
    if (!text_nonempty_fits(audit->action, LTY_AUDIT_ACTION_BYTES_MAX)) return false;
    if (!text_fits(audit->target, LTY_AUDIT_TARGET_BYTES_MAX)) return false;
    if (!text_fits(audit->detail, LTY_AUDIT_VALUE_BYTES_MAX)) return false;
    if (!text_fits(audit->old_value, LTY_AUDIT_VALUE_BYTES_MAX)) return false;
    if (!text_fits(audit->remote_addr, LTY_REMOTE_ADDR_BYTES_MAX)) return false;
    return text_fits(audit->new_value, LTY_AUDIT_VALUE_BYTES_MAX);
}

/* Everything but the trailing hash: the canonical encoding the chain hash covers. */
static void audit_fields_write(rec_out_t *writer, const lty_audit_t *audit)
{
    out_u64(writer, audit->audit_id);
    out_i64(writer, audit->created_ms);
    out_str(writer, audit->principal, LTY_PRINCIPAL_BYTES_MAX);
    out_str(writer, audit->action, LTY_AUDIT_ACTION_BYTES_MAX);
    out_str(writer, audit->target, LTY_AUDIT_TARGET_BYTES_MAX);
    out_str(writer, audit->detail, LTY_AUDIT_VALUE_BYTES_MAX);
    out_str(writer, audit->old_value, LTY_AUDIT_VALUE_BYTES_MAX);
    out_str(writer, audit->new_value, LTY_AUDIT_VALUE_BYTES_MAX);
    out_str(writer, audit->remote_addr, LTY_REMOTE_ADDR_BYTES_MAX);
    out_bytes(writer, audit->prev_hash, LTY_AUDIT_HASH_BYTES);
}

size_t lty_record_audit_encode(const lty_audit_t *audit, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_audit_valid(audit));
    LTY_ASSERT(out_size >= LTY_RECORD_AUDIT_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_AUDIT, LTY_AUDIT_VERSION);
    audit_fields_write(&writer, audit);
    out_bytes(&writer, audit->hash, LTY_AUDIT_HASH_BYTES);
    return writer.size;
}

void lty_record_audit_hash(const lty_audit_t *audit, uint8_t hash_out[LTY_AUDIT_HASH_BYTES])
{
    LTY_ASSERT(lty_record_audit_valid(audit));
    LTY_ASSERT(hash_out != NULL);
    uint8_t buffer[LTY_AUDIT_HASH_BYTES + LTY_RECORD_AUDIT_BYTES_MAX];
    memcpy(buffer, audit->prev_hash, LTY_AUDIT_HASH_BYTES);
    rec_out_t writer;
    out_header(&writer, buffer + LTY_AUDIT_HASH_BYTES, LTY_RECORD_AUDIT_BYTES_MAX,
               LTY_RECORD_AUDIT, LTY_AUDIT_VERSION);
    audit_fields_write(&writer, audit);
    LTY_ASSERT(writer.size + LTY_AUDIT_HASH_BYTES <= LTY_RECORD_AUDIT_BYTES_MAX);
    lty_crypto_sha256(buffer, LTY_AUDIT_HASH_BYTES + writer.size, hash_out);
}

static void in_raw(rec_in_t *in, uint8_t *out, size_t size)
{
    const uint8_t *bytes = in_take(in, size);
    if (bytes != NULL) memcpy(out, bytes, size);
}

int lty_record_audit_decode(lty_bytes_t in, lty_audit_t *audit_out)
{
    LTY_ASSERT(audit_out != NULL);
    rec_in_t reader;
    memset(audit_out, 0, sizeof(*audit_out));
    uint8_t version = in_header(&reader, in, LTY_RECORD_AUDIT, LTY_AUDIT_VERSION);
    audit_out->audit_id = in_u64(&reader);
    audit_out->created_ms = in_i64(&reader);
    in_str(&reader, audit_out->principal, LTY_PRINCIPAL_BYTES_MAX);
    in_str(&reader, audit_out->action, LTY_AUDIT_ACTION_BYTES_MAX);
    in_str(&reader, audit_out->target, LTY_AUDIT_TARGET_BYTES_MAX);
    in_str(&reader, audit_out->detail, LTY_AUDIT_VALUE_BYTES_MAX);
    in_str(&reader, audit_out->old_value, LTY_AUDIT_VALUE_BYTES_MAX);
    in_str(&reader, audit_out->new_value, LTY_AUDIT_VALUE_BYTES_MAX);
    if (version >= 2) {
        in_str(&reader, audit_out->remote_addr, LTY_REMOTE_ADDR_BYTES_MAX);
        in_raw(&reader, audit_out->prev_hash, LTY_AUDIT_HASH_BYTES);
        in_raw(&reader, audit_out->hash, LTY_AUDIT_HASH_BYTES);
        audit_out->chained = true;
    }
    return in_finish(&reader, reader.ok && lty_record_audit_valid(audit_out));
}

/* ---- Keys ------------------------------------------------------------------------------- */

lty_bytes_t lty_key_bytes(const lty_key_t *key)
{
    LTY_ASSERT(key != NULL);
    LTY_ASSERT(key->size > 0 && key->size <= LTY_KEY_BYTES_MAX);
    return (lty_bytes_t){.data = key->data, .size = key->size};
}

static void key_u64(lty_key_t *key, uint64_t value)
{
    LTY_ASSERT(key->size + 8 <= LTY_KEY_BYTES_MAX);
    lty_record_u64_encode(value, key->data + key->size);
    key->size += 8;
}

static void key_text(lty_key_t *key, const char *text)
{
    size_t size = strlen(text);
    LTY_ASSERT(size <= LTY_KEY_BYTES_MAX - key->size);
    memcpy(key->data + key->size, text, size);
    key->size += size;
}

void lty_key_id(lty_key_t *key_out, uint64_t id)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(id != 0);
    key_out->size = 0;
    key_u64(key_out, id);
}

void lty_key_text(lty_key_t *key_out, const char *text)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(text != NULL && text[0] != '\0');
    key_out->size = 0;
    key_text(key_out, text);
}

void lty_key_member_card(lty_key_t *key_out, uint64_t member_id, const char *card_no)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(card_no != NULL && member_id != 0);
    key_out->size = 0;
    key_u64(key_out, member_id);
    key_text(key_out, card_no);
}

lty_db_t lty_key_account(lty_key_t *key_out, lty_account_kind_t kind, uint64_t owner)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(lty_account_kind_known((unsigned int)kind));
    if (owner == 0 || lty_account_kind_is_staff(kind)) {
        key_out->data[0] = (uint8_t)kind;
        key_out->size = 1;
        key_u64(key_out, owner);
        return LTY_DB_ACCOUNTS;
    }
    lty_key_member_part(key_out, owner, LTY_PART_ACCOUNT);
    key_out->data[key_out->size++] = (uint8_t)kind;
    return LTY_DB_MEMBER_LEDGER;
}

void lty_key_member_entry(lty_key_t *key_out, uint64_t member_id, uint64_t entry_id)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(member_id != 0 && entry_id != 0);
    key_out->size = 0;
    key_u64(key_out, member_id);
    key_u64(key_out, entry_id);
}

void lty_key_member_part(lty_key_t *key_out, uint64_t member_id, lty_member_part_t part)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(part >= LTY_PART_ACCOUNT && part <= LTY_PART_PURCHASE);
    key_out->size = 0;
    key_u64(key_out, member_id);
    key_out->data[key_out->size++] = (uint8_t)part;
    LTY_ASSERT(key_out->size == LTY_MEMBER_PART_PREFIX_BYTES);
}

bool lty_key_member_part_is(lty_bytes_t key, uint64_t member_id, lty_member_part_t part)
{
    uint64_t owner = 0;
    return key.size >= LTY_MEMBER_PART_PREFIX_BYTES && lty_key_u64_at(key, 0, &owner) &&
           owner == member_id && ((const uint8_t *)key.data)[8] == (uint8_t)part;
}

void lty_key_member_journal(lty_key_t *key_out, uint64_t member_id, uint64_t entry_id)
{
    LTY_ASSERT(member_id != 0 && entry_id != 0);
    lty_key_member_part(key_out, member_id, LTY_PART_JOURNAL);
    key_u64(key_out, entry_id);
}

void lty_key_lot(lty_key_t *key_out, uint64_t member_id, int64_t expires_ms, uint64_t entry_id)
{
    LTY_ASSERT(member_id != 0);
    lty_key_member_part(key_out, member_id, LTY_PART_LOT);
    key_u64(key_out, (uint64_t)expires_ms ^ (UINT64_C(1) << 63)); /* negative sorts first */
    key_u64(key_out, entry_id);
}

void lty_key_spend_month(lty_key_t *key_out, uint64_t member_id, uint64_t month)
{
    LTY_ASSERT(member_id != 0);
    lty_key_member_part(key_out, member_id, LTY_PART_SPEND);
    key_u64(key_out, month);
}

void lty_key_pair(lty_key_t *key_out, const char *first, const char *second)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(first != NULL && second != NULL && first[0] != '\0');
    key_out->size = 0;
    key_text(key_out, first);
    LTY_ASSERT(key_out->size < LTY_KEY_BYTES_MAX);
    key_out->data[key_out->size++] = 0x00;
    key_text(key_out, second);
}

bool lty_key_u64_at(lty_bytes_t key, size_t offset, uint64_t *value_out)
{
    LTY_ASSERT(value_out != NULL);
    if (key.data == NULL || key.size < offset || key.size - offset < 8) return false;
    rec_in_t reader = {.data = (const uint8_t *)key.data + offset, .size = 8, .ok = true};
    *value_out = in_u64(&reader);
    return true;
}

/* ---- Tier history, monthly spend, the member name key ---------------------------------- */

bool lty_record_tier_change_valid(const lty_tier_change_t *change)
{
    LTY_ASSERT(change != NULL);
    LTY_ASSERT(LTY_TIERS_MAX <= 255);
    if (change->member_id == 0 || change->index == 0 || !time_ok(change->changed_ms)) {
        return false;
    }
    if (change->tier_from >= LTY_TIERS_MAX || change->tier_to >= LTY_TIERS_MAX) return false;
    if (change->tier_from == change->tier_to) return false;
    if (change->reason != LTY_TIER_REASON_SALE && change->reason != LTY_TIER_REASON_REVIEW &&
        change->reason != LTY_TIER_REASON_MIGRATION) {
        return false;
    }
    return change->qualifying >= 0;
}

size_t lty_record_tier_change_encode(const lty_tier_change_t *change, uint8_t *out,
                                     size_t out_size)
{
    LTY_ASSERT(lty_record_tier_change_valid(change));
    LTY_ASSERT(out_size >= LTY_RECORD_TIER_CHANGE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_TIER_CHANGE,
               LTY_TIER_CHANGE_VERSION);
    out_u64(&writer, change->member_id);
    out_u64(&writer, change->index);
    out_i64(&writer, change->changed_ms);
    out_u8(&writer, change->tier_from);
    out_u8(&writer, change->tier_to);
    out_u8(&writer, change->reason);
    out_i64(&writer, change->qualifying);
    LTY_ASSERT(writer.size == LTY_RECORD_TIER_CHANGE_BYTES_MAX);
    return writer.size;
}

int lty_record_tier_change_decode(lty_bytes_t in, lty_tier_change_t *change_out)
{
    LTY_ASSERT(change_out != NULL);
    rec_in_t reader;
    memset(change_out, 0, sizeof(*change_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_TIER_CHANGE,
                    LTY_TIER_CHANGE_VERSION);
    change_out->member_id = in_u64(&reader);
    change_out->index = in_u64(&reader);
    change_out->changed_ms = in_i64(&reader);
    change_out->tier_from = in_u8(&reader);
    change_out->tier_to = in_u8(&reader);
    change_out->reason = in_u8(&reader);
    change_out->qualifying = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_tier_change_valid(change_out));
}

bool lty_record_spend_month_valid(const lty_spend_month_t *month)
{
    LTY_ASSERT(month != NULL);
    LTY_ASSERT(LTY_SALE_AMOUNT_CENTS_MAX > 0);
    if (month->member_id == 0 || month->month > UINT32_MAX) return false;
    return month->spend_cents >= 0 && month->points >= 0;
}

size_t lty_record_spend_month_encode(const lty_spend_month_t *month, uint8_t *out,
                                     size_t out_size)
{
    LTY_ASSERT(lty_record_spend_month_valid(month));
    LTY_ASSERT(out_size >= LTY_RECORD_SPEND_MONTH_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_SPEND_MONTH,
               LTY_SPEND_MONTH_VERSION);
    out_u64(&writer, month->member_id);
    out_u64(&writer, month->month);
    out_i64(&writer, month->spend_cents);
    out_i64(&writer, month->points);
    LTY_ASSERT(writer.size == LTY_RECORD_SPEND_MONTH_BYTES_MAX);
    return writer.size;
}

int lty_record_spend_month_decode(lty_bytes_t in, lty_spend_month_t *month_out)
{
    LTY_ASSERT(month_out != NULL);
    rec_in_t reader;
    memset(month_out, 0, sizeof(*month_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_SPEND_MONTH,
                    LTY_SPEND_MONTH_VERSION);
    month_out->member_id = in_u64(&reader);
    month_out->month = in_u64(&reader);
    month_out->spend_cents = in_i64(&reader);
    month_out->points = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_spend_month_valid(month_out));
}

void lty_key_name_fold(const char *name, size_t size, uint8_t *out)
{
    LTY_ASSERT(name != NULL || size == 0);
    LTY_ASSERT(out != NULL || size == 0);
    for (size_t index = 0; index < size; index++) {
        char c = name[index];
        out[index] = (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
}

void lty_key_member_name(lty_key_t *key_out, const char *name, uint64_t member_id)
{
    LTY_ASSERT(key_out != NULL && name != NULL);
    size_t size = strnlen(name, LTY_NAME_BYTES_MAX + 1);
    LTY_ASSERT(size >= 1 && size <= LTY_NAME_BYTES_MAX);
    lty_key_name_fold(name, size, key_out->data);
    key_out->data[size] = 0;
    lty_record_u64_encode(member_id, key_out->data + size + 1);
    key_out->size = size + 1 + 8;
}

/* ---- PIN ---------------------------------------------------------------------- */

/* The fields after the owner (member id, or the card number of a tag-11 record). */
static bool pin_fields_valid(const lty_pin_t *pin)
{
    if (pin->set > 1) return false;
    if (pin->set == 1 && (pin->t_cost == 0 || pin->m_cost_kib == 0 || pin->version == 0)) {
        return false;
    }
    if (pin->locked_until_ms < 0 || pin->reset_expires_ms < 0) return false;
    return time_ok(pin->updated_ms);
}

bool lty_record_pin_valid(const lty_pin_t *pin)
{
    LTY_ASSERT(pin != NULL);
    return pin->member_id >= 1 && pin_fields_valid(pin);
}

static void pin_fields_out(rec_out_t *writer, const lty_pin_t *pin)
{
    out_u8(writer, pin->set);
    out_u32(writer, pin->version);
    out_u32(writer, pin->t_cost);
    out_u32(writer, pin->m_cost_kib);
    out_bytes(writer, pin->salt, sizeof(pin->salt));
    out_bytes(writer, pin->hash, sizeof(pin->hash));
    out_u32(writer, pin->failures);
    out_i64(writer, pin->locked_until_ms);
    out_bytes(writer, pin->reset_hash, sizeof(pin->reset_hash));
    out_i64(writer, pin->reset_expires_ms);
    out_i64(writer, pin->updated_ms);
}

size_t lty_record_pin_encode(const lty_pin_t *pin, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_pin_valid(pin));
    LTY_ASSERT(out_size >= LTY_RECORD_PIN_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_MEMBER_PIN,
               LTY_PIN_VERSION);
    out_u64(&writer, pin->member_id);
    pin_fields_out(&writer, pin);
    LTY_ASSERT(writer.size <= LTY_RECORD_PIN_BYTES_MAX);
    return writer.size;
}

size_t lty_record_card_pin_encode(const lty_pin_t *pin, const char *card_no, uint8_t *out,
                                  size_t out_size)
{
    LTY_ASSERT(pin != NULL && pin_fields_valid(pin));
    LTY_ASSERT(card_no != NULL && card_no_syntax(card_no));
    LTY_ASSERT(out_size >= LTY_RECORD_CARD_PIN_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_PIN, 1);
    out_str(&writer, card_no, LTY_CARD_NO_DIGITS_MAX);
    pin_fields_out(&writer, pin);
    return writer.size;
}

static void in_copy(rec_in_t *reader, uint8_t *out, size_t size)
{
    LTY_ASSERT(reader != NULL && out != NULL);
    LTY_ASSERT(size <= 64);
    const uint8_t *bytes = in_take(reader, size);
    if (bytes != NULL) memcpy(out, bytes, size);
}

static void pin_fields_in(rec_in_t *reader, lty_pin_t *pin_out)
{
    pin_out->set = in_u8(reader);
    pin_out->version = in_u32(reader);
    pin_out->t_cost = in_u32(reader);
    pin_out->m_cost_kib = in_u32(reader);
    in_copy(reader, pin_out->salt, sizeof(pin_out->salt));
    in_copy(reader, pin_out->hash, sizeof(pin_out->hash));
    pin_out->failures = in_u32(reader);
    pin_out->locked_until_ms = in_i64(reader);
    in_copy(reader, pin_out->reset_hash, sizeof(pin_out->reset_hash));
    pin_out->reset_expires_ms = in_i64(reader);
    pin_out->updated_ms = in_i64(reader);
}

int lty_record_pin_decode(lty_bytes_t in, lty_pin_t *pin_out)
{
    LTY_ASSERT(pin_out != NULL);
    rec_in_t reader;
    memset(pin_out, 0, sizeof(*pin_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_MEMBER_PIN, LTY_PIN_VERSION);
    pin_out->member_id = in_u64(&reader);
    pin_fields_in(&reader, pin_out);
    return in_finish(&reader, reader.ok && lty_record_pin_valid(pin_out));
}

int lty_record_card_pin_decode(lty_bytes_t in, lty_pin_t *pin_out, char *card_no_out)
{
    LTY_ASSERT(pin_out != NULL && card_no_out != NULL);
    rec_in_t reader;
    memset(pin_out, 0, sizeof(*pin_out));
    (void)in_header(&reader, in, LTY_RECORD_PIN, 1);
    in_str(&reader, card_no_out, LTY_CARD_NO_DIGITS_MAX);
    pin_fields_in(&reader, pin_out);
    return in_finish(&reader, reader.ok && card_no_syntax(card_no_out) &&
                                  pin_fields_valid(pin_out));
}

/* ---- Return and void records ----------------------------------------------------------- */

bool lty_record_return_valid(const lty_return_t *record)
{
    LTY_ASSERT(record != NULL);
    if (record->entry_id == 0 || record->sale_id == 0 || record->sale_id >= record->entry_id) {
        return false;
    }
    if (record->member_id == 0 || !time_ok(record->created_ms)) return false;
    if (record->kind != LTY_ENTRY_RETURN && record->kind != LTY_ENTRY_VOID) return false;
    if (!text_nonempty_fits(record->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_nonempty_fits(record->till, LTY_TILL_ID_BYTES_MAX)) return false;
    const int64_t parts[] = {record->refund_points_value_cents, record->refund_prepaid_cents,
                             record->refund_cash_cents, record->refund_bank_card_cents,
                             record->refund_outside_cents};
    int64_t sum = 0;
    for (size_t index = 0; index < sizeof(parts) / sizeof(parts[0]); index++) {
        if (parts[index] < 0 || parts[index] > LTY_SALE_AMOUNT_CENTS_MAX) return false;
        sum += parts[index];
    }
    if (sum != record->refund_cents) return false;
    if (record->points_refunded < 0 || record->points_refunded > LTY_POINTS_PER_TXN_MAX) {
        return false;
    }
    return record->points_taken_back >= 0 && record->points_taken_back <= LTY_POINTS_PER_TXN_MAX;
}

size_t lty_record_return_encode(const lty_return_t *record, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_return_valid(record));
    LTY_ASSERT(out_size >= LTY_RECORD_RETURN_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_RETURN,
               LTY_RETURN_VERSION);
    out_u64(&writer, record->entry_id);
    out_u64(&writer, record->sale_id);
    out_u64(&writer, record->member_id);
    out_u8(&writer, record->kind);
    out_i64(&writer, record->created_ms);
    out_str(&writer, record->store, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, record->till, LTY_TILL_ID_BYTES_MAX);
    out_i64(&writer, record->refund_cents);
    out_i64(&writer, record->refund_points_value_cents);
    out_i64(&writer, record->refund_prepaid_cents);
    out_i64(&writer, record->refund_cash_cents);
    out_i64(&writer, record->refund_bank_card_cents);
    out_i64(&writer, record->refund_outside_cents);
    out_i64(&writer, record->points_refunded);
    out_i64(&writer, record->points_taken_back);
    out_u32(&writer, record->qty_returned);
    LTY_ASSERT(writer.size <= LTY_RECORD_RETURN_BYTES_MAX);
    return writer.size;
}

int lty_record_return_decode(lty_bytes_t in, lty_return_t *record_out)
{
    LTY_ASSERT(record_out != NULL);
    rec_in_t reader;
    memset(record_out, 0, sizeof(*record_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_RETURN, LTY_RETURN_VERSION);
    record_out->entry_id = in_u64(&reader);
    record_out->sale_id = in_u64(&reader);
    record_out->member_id = in_u64(&reader);
    record_out->kind = in_u8(&reader);
    record_out->created_ms = in_i64(&reader);
    in_str(&reader, record_out->store, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, record_out->till, LTY_TILL_ID_BYTES_MAX);
    record_out->refund_cents = in_i64(&reader);
    record_out->refund_points_value_cents = in_i64(&reader);
    record_out->refund_prepaid_cents = in_i64(&reader);
    record_out->refund_cash_cents = in_i64(&reader);
    record_out->refund_bank_card_cents = in_i64(&reader);
    record_out->refund_outside_cents = in_i64(&reader);
    record_out->points_refunded = in_i64(&reader);
    record_out->points_taken_back = in_i64(&reader);
    record_out->qty_returned = in_u32(&reader);
    return in_finish(&reader, reader.ok && lty_record_return_valid(record_out));
}

/* ---- Idempotency records ----------------------------------------------------------------- */

#define IDEMPOTENCY_OFFSET_HASH 24
_Static_assert(IDEMPOTENCY_OFFSET_HASH + LTY_IDEMPOTENCY_HASH_BYTES ==
                   LTY_RECORD_IDEMPOTENCY_HEADER_BYTES,
               "idempotency header layout");

bool lty_record_idempotency_valid(const lty_idempotency_t *record)
{
    LTY_ASSERT(record != NULL);
    if (record->status < 100 || record->status >= 500) return false;
    if (record->body_bytes > LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX) return false;
    if (record->body_bytes > 0 && record->body == NULL) return false;
    return record->created_ms >= 0 && record->expires_ms >= record->created_ms;
}

size_t lty_record_idempotency_encode(const lty_idempotency_t *record, uint8_t *out,
                                     size_t out_size)
{
    LTY_ASSERT(lty_record_idempotency_valid(record));
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(out_size >= LTY_RECORD_IDEMPOTENCY_HEADER_BYTES + record->body_bytes);
    rec_out_t writer = {.data = out, .size = 0, .capacity = out_size};
    out_u16(&writer, (uint16_t)LTY_IDEMPOTENCY_VERSION);
    out_u16(&writer, (uint16_t)record->status);
    out_u32(&writer, (uint32_t)record->body_bytes);
    out_i64(&writer, record->created_ms);
    out_i64(&writer, record->expires_ms);
    LTY_ASSERT(writer.size == IDEMPOTENCY_OFFSET_HASH);
    out_bytes(&writer, record->request_hash, LTY_IDEMPOTENCY_HASH_BYTES);
    LTY_ASSERT(writer.size == LTY_RECORD_IDEMPOTENCY_HEADER_BYTES);
    out_bytes(&writer, record->body, record->body_bytes);
    return writer.size;
}

int lty_record_idempotency_decode(lty_bytes_t in, lty_idempotency_t *record_out)
{
    LTY_ASSERT(record_out != NULL);
    LTY_ASSERT(in.data != NULL || in.size == 0);
    memset(record_out, 0, sizeof(*record_out));
    rec_in_t reader = {.data = in.data, .size = in.size, .offset = 0, .ok = true};
    uint16_t version = in_u16(&reader);
    record_out->status = in_u16(&reader);
    uint32_t body_bytes = in_u32(&reader);
    record_out->created_ms = in_i64(&reader);
    record_out->expires_ms = in_i64(&reader);
    in_copy(&reader, record_out->request_hash, LTY_IDEMPOTENCY_HASH_BYTES);
    if (!reader.ok || version != LTY_IDEMPOTENCY_VERSION) return LTY_E_CORRUPT;
    if (body_bytes != in.size - LTY_RECORD_IDEMPOTENCY_HEADER_BYTES) return LTY_E_CORRUPT;
    record_out->body_bytes = body_bytes;
    record_out->body = (const uint8_t *)in.data + LTY_RECORD_IDEMPOTENCY_HEADER_BYTES;
    return lty_record_idempotency_valid(record_out) ? 0 : LTY_E_CORRUPT;
}

size_t lty_key_idempotency(const char *principal, const char *key, uint8_t *out)
{
    LTY_ASSERT(principal != NULL && key != NULL);
    LTY_ASSERT(out != NULL);
    size_t principal_bytes = strnlen(principal, LTY_PRINCIPAL_BYTES_MAX + 1);
    size_t key_bytes = strnlen(key, LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1);
    LTY_ASSERT(principal_bytes <= LTY_PRINCIPAL_BYTES_MAX);
    LTY_ASSERT(key_bytes >= 1 && key_bytes <= LTY_IDEMPOTENCY_KEY_BYTES_MAX);
    memcpy(out, principal, principal_bytes);
    out[principal_bytes] = 0x00;
    memcpy(out + principal_bytes + 1, key, key_bytes);
    return principal_bytes + 1 + key_bytes;
}

size_t lty_key_idempotency_expiry(int64_t expires_ms, lty_bytes_t key, uint8_t *out)
{
    LTY_ASSERT(out != NULL && key.data != NULL);
    LTY_ASSERT(key.size >= 2 && key.size <= LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX);
    lty_record_u64_encode((uint64_t)expires_ms, out);
    memcpy(out + 8, key.data, key.size);
    return 8 + key.size;
}

int lty_key_idempotency_expiry_split(lty_bytes_t index_key, int64_t *expires_ms_out,
                                     lty_bytes_t *key_out)
{
    LTY_ASSERT(expires_ms_out != NULL && key_out != NULL);
    uint64_t expires = 0;
    if (index_key.size <= 8 || index_key.size > LTY_IDEMPOTENCY_EXPIRY_KEY_BYTES_MAX ||
        !lty_key_u64_at(index_key, 0, &expires)) {
        return LTY_E_CORRUPT;
    }
    *expires_ms_out = (int64_t)expires;
    *key_out = (lty_bytes_t){.data = (const uint8_t *)index_key.data + 8,
                             .size = index_key.size - 8};
    return 0;
}

/* ---- Member portal: sessions and the login throttle ------------------------------------- */

bool lty_record_session_valid(const lty_session_t *session)
{
    LTY_ASSERT(session != NULL);
    if (session->member_id == 0) return false;
    if (session->card_no[0] != '\0' && !card_no_syntax(session->card_no)) return false;
    if (!time_ok(session->created_ms) || !time_ok(session->last_seen_ms)) return false;
    if (session->last_seen_ms < session->created_ms) return false;
    return time_ok(session->expires_ms) && session->expires_ms > session->created_ms;
}

size_t lty_record_session_encode(const lty_session_t *session, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_session_valid(session));
    LTY_ASSERT(out_size >= LTY_RECORD_SESSION_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_SESSION,
               LTY_SESSION_VERSION);
    out_u64(&writer, session->member_id);
    out_str(&writer, session->card_no, LTY_CARD_NO_DIGITS_MAX);
    out_i64(&writer, session->created_ms);
    out_i64(&writer, session->last_seen_ms);
    out_i64(&writer, session->expires_ms);
    LTY_ASSERT(writer.size <= LTY_RECORD_SESSION_BYTES_MAX);
    return writer.size;
}

int lty_record_session_decode(lty_bytes_t in, lty_session_t *session_out)
{
    LTY_ASSERT(session_out != NULL);
    rec_in_t reader;
    memset(session_out, 0, sizeof(*session_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_SESSION, LTY_SESSION_VERSION);
    session_out->member_id = in_u64(&reader);
    in_str(&reader, session_out->card_no, LTY_CARD_NO_DIGITS_MAX);
    session_out->created_ms = in_i64(&reader);
    session_out->last_seen_ms = in_i64(&reader);
    session_out->expires_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_session_valid(session_out));
}

bool lty_record_login_throttle_valid(const lty_login_throttle_t *throttle)
{
    LTY_ASSERT(throttle != NULL);
    if (throttle->locked_until_ms < 0) return false;
    return time_ok(throttle->updated_ms);
}

size_t lty_record_login_throttle_encode(const lty_login_throttle_t *throttle, uint8_t *out,
                                        size_t out_size)
{
    LTY_ASSERT(lty_record_login_throttle_valid(throttle));
    LTY_ASSERT(out_size >= LTY_RECORD_LOGIN_THROTTLE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_LOGIN_THROTTLE,
               LTY_LOGIN_THROTTLE_VERSION);
    out_u32(&writer, throttle->failures);
    out_i64(&writer, throttle->locked_until_ms);
    out_i64(&writer, throttle->updated_ms);
    return writer.size;
}

int lty_record_login_throttle_decode(lty_bytes_t in, lty_login_throttle_t *throttle_out)
{
    LTY_ASSERT(throttle_out != NULL);
    rec_in_t reader;
    memset(throttle_out, 0, sizeof(*throttle_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_LOGIN_THROTTLE,
                    LTY_LOGIN_THROTTLE_VERSION);
    throttle_out->failures = in_u32(&reader);
    throttle_out->locked_until_ms = in_i64(&reader);
    throttle_out->updated_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_login_throttle_valid(throttle_out));
}

void lty_key_throttle_member(lty_key_t *key_out, uint64_t member_id)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(member_id >= 1);
    key_out->data[0] = LTY_KEY_THROTTLE_MEMBER;
    lty_record_u64_encode(member_id, key_out->data + 1);
    key_out->size = 9;
}

void lty_key_throttle_unknown(lty_key_t *key_out, const uint8_t digest[32])
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(digest != NULL);
    key_out->data[0] = LTY_KEY_THROTTLE_UNKNOWN;
    memcpy(key_out->data + 1, digest, 32);
    key_out->size = 33;
}

void lty_key_member_session(lty_key_t *key_out, uint64_t member_id, const uint8_t hash[32])
{
    LTY_ASSERT(key_out != NULL && hash != NULL);
    LTY_ASSERT(member_id >= 1);
    lty_record_u64_encode(member_id, key_out->data);
    memcpy(key_out->data + 8, hash, LTY_SESSION_HASH_BYTES);
    key_out->size = 8 + LTY_SESSION_HASH_BYTES;
}

void lty_key_portal_expiry(lty_key_t *key_out, int64_t expires_ms, uint8_t db,
                           lty_bytes_t record_key)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(record_key.size >= 1 && record_key.size <= 64);
    lty_record_u64_encode((uint64_t)expires_ms ^ (UINT64_C(1) << 63), key_out->data);
    key_out->data[8] = db;
    memcpy(key_out->data + 9, record_key.data, record_key.size);
    key_out->size = 9 + record_key.size;
}

bool lty_key_portal_expiry_split(lty_bytes_t key, int64_t *expires_ms_out, uint8_t *db_out,
                                 lty_bytes_t *record_key_out)
{
    LTY_ASSERT(expires_ms_out != NULL && db_out != NULL);
    LTY_ASSERT(record_key_out != NULL);
    uint64_t flipped = 0;
    if (key.size < 10 || key.size > 9 + 64 || !lty_key_u64_at(key, 0, &flipped)) return false;
    *expires_ms_out = (int64_t)(flipped ^ (UINT64_C(1) << 63));
    *db_out = ((const uint8_t *)key.data)[8];
    record_key_out->data = (const uint8_t *)key.data + 9;
    record_key_out->size = key.size - 9;
    return true;
}

/* ---- Staff, rules, rule usage, bonus grants, the lot expiry index ----------------------- */

/* Identifiers (staff ids, bonus keys): printable ASCII without spaces, as stores and tills. */
static bool identifier_ok(const char *text, size_t size_max)
{
    if (!text_nonempty_fits(text, size_max)) return false;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c <= ' ' || *c > '~') return false;
    }
    return true;
}

bool lty_record_staff_valid(const lty_staff_t *staff)
{
    LTY_ASSERT(staff != NULL);
    if (!identifier_ok(staff->staff_id, LTY_STAFF_ID_BYTES_MAX) || staff->staff_no == 0) {
        return false;
    }
    if (!text_nonempty_fits(staff->name, LTY_NAME_BYTES_MAX)) return false;
    if (!text_nonempty_fits(staff->store_id, LTY_STORE_ID_BYTES_MAX)) return false;
    return staff->active <= 1 && time_ok(staff->created_ms) && time_ok(staff->updated_ms);
}

size_t lty_record_staff_encode(const lty_staff_t *staff, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_staff_valid(staff));
    LTY_ASSERT(out_size >= LTY_RECORD_STAFF_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_STAFF, LTY_STAFF_VERSION);
    out_str(&writer, staff->staff_id, LTY_STAFF_ID_BYTES_MAX);
    out_u64(&writer, staff->staff_no);
    out_str(&writer, staff->name, LTY_NAME_BYTES_MAX);
    out_str(&writer, staff->store_id, LTY_STORE_ID_BYTES_MAX);
    out_u8(&writer, staff->active);
    out_i64(&writer, staff->created_ms);
    out_i64(&writer, staff->updated_ms);
    return writer.size;
}

int lty_record_staff_decode(lty_bytes_t in, lty_staff_t *staff_out)
{
    LTY_ASSERT(staff_out != NULL);
    rec_in_t reader;
    memset(staff_out, 0, sizeof(*staff_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_STAFF, LTY_STAFF_VERSION);
    in_str(&reader, staff_out->staff_id, LTY_STAFF_ID_BYTES_MAX);
    staff_out->staff_no = in_u64(&reader);
    in_str(&reader, staff_out->name, LTY_NAME_BYTES_MAX);
    in_str(&reader, staff_out->store_id, LTY_STORE_ID_BYTES_MAX);
    staff_out->active = in_u8(&reader);
    staff_out->created_ms = in_i64(&reader);
    staff_out->updated_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_staff_valid(staff_out));
}

/* The JSON itself is rules.c's to check; the envelope only promises a bounded object text. */
bool lty_record_rule_valid(const lty_rule_record_t *rule)
{
    LTY_ASSERT(rule != NULL);
    if (rule->rule_id == 0 || rule->json_size < 2 || rule->json_size > LTY_RULE_JSON_BYTES_MAX) {
        return false;
    }
    if (rule->status < LTY_RULE_ACTIVE || rule->status > LTY_RULE_ENDED) return false;
    if (!time_ok(rule->created_ms) || rule->updated_ms < rule->created_ms) return false;
    return strnlen(rule->json, LTY_RULE_JSON_BYTES_MAX + 1) == rule->json_size &&
           rule->json[0] == '{';
}

size_t lty_record_rule_encode(const lty_rule_record_t *rule, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_rule_valid(rule));
    LTY_ASSERT(out_size >= LTY_RECORD_RULE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_RULE,
               LTY_RULE_RECORD_VERSION);
    out_u64(&writer, rule->rule_id);
    out_u8(&writer, rule->status);
    out_i64(&writer, rule->created_ms);
    out_i64(&writer, rule->updated_ms);
    out_str(&writer, rule->json, LTY_RULE_JSON_BYTES_MAX);
    return writer.size;
}

int lty_record_rule_decode(lty_bytes_t in, lty_rule_record_t *rule_out)
{
    LTY_ASSERT(rule_out != NULL);
    rec_in_t reader;
    rule_out->rule_id = 0;
    rule_out->json[0] = '\0';
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_RULE, LTY_RULE_RECORD_VERSION);
    rule_out->rule_id = in_u64(&reader);
    rule_out->status = in_u8(&reader);
    rule_out->created_ms = in_i64(&reader);
    rule_out->updated_ms = in_i64(&reader);
    in_str(&reader, rule_out->json, LTY_RULE_JSON_BYTES_MAX);
    rule_out->json_size = strlen(rule_out->json);
    return in_finish(&reader, reader.ok && lty_record_rule_valid(rule_out));
}

bool lty_record_rule_usage_valid(const lty_rule_usage_t *usage)
{
    LTY_ASSERT(usage != NULL);
    return usage->member_id != 0 && usage->rule_id != 0 && usage->points >= 0 &&
           usage->points <= LTY_POINTS_BALANCE_MAX;
}

size_t lty_record_rule_usage_encode(const lty_rule_usage_t *usage, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_rule_usage_valid(usage));
    LTY_ASSERT(out_size >= LTY_RECORD_RULE_USAGE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_RULE_USAGE,
               LTY_RULE_USAGE_VERSION);
    out_u64(&writer, usage->member_id);
    out_u64(&writer, usage->rule_id);
    out_u64(&writer, usage->day);
    out_i64(&writer, usage->points);
    LTY_ASSERT(writer.size == LTY_RECORD_RULE_USAGE_BYTES_MAX);
    return writer.size;
}

int lty_record_rule_usage_decode(lty_bytes_t in, lty_rule_usage_t *usage_out)
{
    LTY_ASSERT(usage_out != NULL);
    rec_in_t reader;
    memset(usage_out, 0, sizeof(*usage_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_RULE_USAGE,
                    LTY_RULE_USAGE_VERSION);
    usage_out->member_id = in_u64(&reader);
    usage_out->rule_id = in_u64(&reader);
    usage_out->day = in_u64(&reader);
    usage_out->points = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_rule_usage_valid(usage_out));
}

bool lty_record_bonus_grant_valid(const lty_bonus_grant_t *grant)
{
    LTY_ASSERT(grant != NULL);
    if (grant->member_id == 0 || grant->entry_id == 0) return false;
    if (!identifier_ok(grant->bonus_key, LTY_BONUS_KEY_BYTES_MAX)) return false;
    return grant->points > 0 && grant->points <= LTY_POINTS_PER_TXN_MAX &&
           time_ok(grant->granted_ms);
}

size_t lty_record_bonus_grant_encode(const lty_bonus_grant_t *grant, uint8_t *out,
                                     size_t out_size)
{
    LTY_ASSERT(lty_record_bonus_grant_valid(grant));
    LTY_ASSERT(out_size >= LTY_RECORD_BONUS_GRANT_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_BONUS_GRANT,
               LTY_BONUS_GRANT_VERSION);
    out_u64(&writer, grant->member_id);
    out_str(&writer, grant->bonus_key, LTY_BONUS_KEY_BYTES_MAX);
    out_u64(&writer, grant->entry_id);
    out_i64(&writer, grant->points);
    out_i64(&writer, grant->granted_ms);
    return writer.size;
}

int lty_record_bonus_grant_decode(lty_bytes_t in, lty_bonus_grant_t *grant_out)
{
    LTY_ASSERT(grant_out != NULL);
    rec_in_t reader;
    memset(grant_out, 0, sizeof(*grant_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_BONUS_GRANT,
                    LTY_BONUS_GRANT_VERSION);
    grant_out->member_id = in_u64(&reader);
    in_str(&reader, grant_out->bonus_key, LTY_BONUS_KEY_BYTES_MAX);
    grant_out->entry_id = in_u64(&reader);
    grant_out->points = in_i64(&reader);
    grant_out->granted_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_bonus_grant_valid(grant_out));
}

void lty_key_rule_usage(lty_key_t *key_out, uint64_t member_id, uint64_t rule_id, uint64_t day)
{
    LTY_ASSERT(member_id != 0 && rule_id != 0);
    lty_key_member_part(key_out, member_id, LTY_PART_RULE);
    key_u64(key_out, rule_id);
    key_u64(key_out, day);
}

void lty_key_bonus_grant(lty_key_t *key_out, uint64_t member_id, const char *bonus_key)
{
    LTY_ASSERT(member_id != 0 && bonus_key != NULL && bonus_key[0] != '\0');
    LTY_ASSERT(strlen(bonus_key) <= LTY_BONUS_KEY_BYTES_MAX);
    lty_key_member_part(key_out, member_id, LTY_PART_BONUS);
    key_text(key_out, bonus_key);
}

void lty_key_lot_expiry(lty_key_t *key_out, int64_t expires_ms, uint64_t entry_id)
{
    LTY_ASSERT(key_out != NULL && entry_id != 0);
    key_out->size = 0;
    key_u64(key_out, (uint64_t)expires_ms ^ (UINT64_C(1) << 63)); /* negative sorts first */
    key_u64(key_out, entry_id);
}

bool lty_key_lot_expiry_split(lty_bytes_t key, int64_t *expires_ms_out, uint64_t *entry_id_out)
{
    LTY_ASSERT(expires_ms_out != NULL && entry_id_out != NULL);
    uint64_t flipped = 0;
    if (key.size != 16 || !lty_key_u64_at(key, 0, &flipped) ||
        !lty_key_u64_at(key, 8, entry_id_out)) {
        return false;
    }
    *expires_ms_out = (int64_t)(flipped ^ (UINT64_C(1) << 63));
    return true;
}

/* ---- Webhooks ---------------------------------------------------------------------------- */

bool lty_record_webhook_valid(const lty_webhook_t *webhook)
{
    LTY_ASSERT(webhook != NULL);
    if (webhook->subscription_id == 0) return false;
    if (!text_nonempty_fits(webhook->url, LTY_WEBHOOK_URL_BYTES_MAX)) return false;
    if (!text_nonempty_fits(webhook->event_types, LTY_WEBHOOK_TYPES_BYTES_MAX)) return false;
    if (!text_fits(webhook->secret, LTY_WEBHOOK_SECRET_BYTES)) return false;
    if (strlen(webhook->secret) != LTY_WEBHOOK_SECRET_BYTES) return false;
    return time_ok(webhook->created_ms) && time_ok(webhook->next_attempt_ms);
}

size_t lty_record_webhook_encode(const lty_webhook_t *webhook, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_webhook_valid(webhook));
    LTY_ASSERT(out_size >= LTY_RECORD_WEBHOOK_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_TAG_WEBHOOK, LTY_WEBHOOK_VERSION);
    out_u64(&writer, webhook->subscription_id);
    out_str(&writer, webhook->url, LTY_WEBHOOK_URL_BYTES_MAX);
    out_str(&writer, webhook->event_types, LTY_WEBHOOK_TYPES_BYTES_MAX);
    out_str(&writer, webhook->secret, LTY_WEBHOOK_SECRET_BYTES);
    out_i64(&writer, webhook->created_ms);
    out_u64(&writer, webhook->cursor_seq);
    out_u32(&writer, webhook->failures);
    out_i64(&writer, webhook->next_attempt_ms);
    out_u64(&writer, webhook->delivered_count);
    out_u64(&writer, webhook->dead_count);
    out_u64(&writer, webhook->log_next);
    return writer.size;
}

int lty_record_webhook_decode(lty_bytes_t in, lty_webhook_t *webhook_out)
{
    LTY_ASSERT(webhook_out != NULL);
    rec_in_t reader;
    memset(webhook_out, 0, sizeof(*webhook_out));
    (void)in_header(&reader, in, LTY_RECORD_TAG_WEBHOOK, LTY_WEBHOOK_VERSION);
    webhook_out->subscription_id = in_u64(&reader);
    in_str(&reader, webhook_out->url, LTY_WEBHOOK_URL_BYTES_MAX);
    in_str(&reader, webhook_out->event_types, LTY_WEBHOOK_TYPES_BYTES_MAX);
    in_str(&reader, webhook_out->secret, LTY_WEBHOOK_SECRET_BYTES);
    webhook_out->created_ms = in_i64(&reader);
    webhook_out->cursor_seq = in_u64(&reader);
    webhook_out->failures = in_u32(&reader);
    webhook_out->next_attempt_ms = in_i64(&reader);
    webhook_out->delivered_count = in_u64(&reader);
    webhook_out->dead_count = in_u64(&reader);
    webhook_out->log_next = in_u64(&reader);
    return in_finish(&reader, reader.ok && lty_record_webhook_valid(webhook_out));
}

bool lty_record_webhook_delivery_valid(const lty_webhook_delivery_t *delivery)
{
    LTY_ASSERT(delivery != NULL);
    if (delivery->seq == 0 || delivery->attempt == 0) return false;
    if (delivery->outcome < LTY_WEBHOOK_DELIVERED || delivery->outcome > LTY_WEBHOOK_DEAD) {
        return false;
    }
    if (delivery->http_status < 0 || delivery->http_status > 599) return false;
    return time_ok(delivery->at_ms) && text_fits(delivery->detail, LTY_WEBHOOK_DETAIL_BYTES_MAX);
}

size_t lty_record_webhook_delivery_encode(const lty_webhook_delivery_t *delivery, uint8_t *out,
                                          size_t out_size)
{
    LTY_ASSERT(lty_record_webhook_delivery_valid(delivery));
    LTY_ASSERT(out_size >= LTY_RECORD_WEBHOOK_DELIVERY_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, LTY_RECORD_TAG_WEBHOOK_DELIVERY,
               LTY_WEBHOOK_DELIVERY_VERSION);
    out_u64(&writer, delivery->seq);
    out_i64(&writer, delivery->at_ms);
    out_u32(&writer, delivery->attempt);
    out_u32(&writer, (uint32_t)delivery->http_status);
    out_u8(&writer, delivery->outcome);
    out_str(&writer, delivery->detail, LTY_WEBHOOK_DETAIL_BYTES_MAX);
    return writer.size;
}

int lty_record_webhook_delivery_decode(lty_bytes_t in, lty_webhook_delivery_t *delivery_out)
{
    LTY_ASSERT(delivery_out != NULL);
    rec_in_t reader;
    memset(delivery_out, 0, sizeof(*delivery_out));
    (void)in_header(&reader, in, LTY_RECORD_TAG_WEBHOOK_DELIVERY, LTY_WEBHOOK_DELIVERY_VERSION);
    delivery_out->seq = in_u64(&reader);
    delivery_out->at_ms = in_i64(&reader);
    delivery_out->attempt = in_u32(&reader);
    delivery_out->http_status = (int32_t)in_u32(&reader);
    delivery_out->outcome = in_u8(&reader);
    in_str(&reader, delivery_out->detail, LTY_WEBHOOK_DETAIL_BYTES_MAX);
    return in_finish(&reader, reader.ok && lty_record_webhook_delivery_valid(delivery_out));
}

/* ---- Analytics: purchase days, segments and their runs ----------------------------------- */

bool lty_record_purchase_day_valid(const lty_purchase_day_t *day)
{
    LTY_ASSERT(day != NULL);
    LTY_ASSERT(LTY_SALE_AMOUNT_CENTS_MAX > 0);
    if (day->member_id == 0 || !text_nonempty_fits(day->store, LTY_STORE_ID_BYTES_MAX)) {
        return false;
    }
    return day->sales_cents >= 0;
}

void lty_key_purchase_day(lty_key_t *key_out, uint64_t member_id, uint32_t day,
                          const char *store)
{
    LTY_ASSERT(member_id != 0 && store != NULL);
    LTY_ASSERT(store[0] != '\0' && strlen(store) <= LTY_STORE_ID_BYTES_MAX);
    lty_key_member_part(key_out, member_id, LTY_PART_PURCHASE);
    lty_record_u32_encode(day, key_out->data + key_out->size);
    key_out->size += 4;
    key_text(key_out, store);
}

size_t lty_record_purchase_day_encode(const lty_purchase_day_t *day, uint8_t *out,
                                      size_t out_size)
{
    LTY_ASSERT(lty_record_purchase_day_valid(day));
    LTY_ASSERT(out_size >= LTY_RECORD_PURCHASE_DAY_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_PURCHASE_DAY,
               LTY_PURCHASE_DAY_VERSION);
    out_u32(&writer, day->purchases);
    out_i64(&writer, day->sales_cents);
    LTY_ASSERT(writer.size == LTY_RECORD_PURCHASE_DAY_BYTES_MAX);
    return writer.size;
}

int lty_record_purchase_day_decode(lty_bytes_t key, lty_bytes_t value,
                                   lty_purchase_day_t *day_out)
{
    LTY_ASSERT(day_out != NULL);
    memset(day_out, 0, sizeof(*day_out));
    const uint8_t *bytes = key.data;
    size_t store_size = key.size > LTY_MEMBER_PART_PREFIX_BYTES + 4
                            ? key.size - LTY_MEMBER_PART_PREFIX_BYTES - 4
                            : 0;
    if (bytes == NULL || store_size == 0 || store_size > LTY_STORE_ID_BYTES_MAX ||
        bytes[8] != LTY_PART_PURCHASE || !lty_key_u64_at(key, 0, &day_out->member_id)) {
        return LTY_E_CORRUPT;
    }
    rec_in_t day_reader = {.data = bytes + LTY_MEMBER_PART_PREFIX_BYTES, .size = 4, .ok = true};
    day_out->day = in_u32(&day_reader);
    memcpy(day_out->store, bytes + LTY_MEMBER_PART_PREFIX_BYTES + 4, store_size);
    day_out->store[store_size] = '\0';
    if (strlen(day_out->store) != store_size) return LTY_E_CORRUPT; /* an embedded NUL */
    rec_in_t reader;
    (void)in_header(&reader, value, (lty_record_tag_t)LTY_RECORD_TAG_PURCHASE_DAY,
                    LTY_PURCHASE_DAY_VERSION);
    day_out->purchases = in_u32(&reader);
    day_out->sales_cents = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_purchase_day_valid(day_out));
}

static bool segment_filter_valid(const lty_segment_filter_t *filter)
{
    LTY_ASSERT(filter != NULL);
    LTY_ASSERT(LTY_TIERS_MAX <= 32);
    if (filter->tier_mask >> LTY_TIERS_MAX != 0) return false;
    if (!text_fits(filter->home_store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (filter->spend_given > 1 || filter->birthday_month > 12) return false;
    if (filter->spend_given && (filter->spend_min_cents < 0 ||
                                filter->spend_max_cents < filter->spend_min_cents)) {
        return false;
    }
    if (!text_fits(filter->category, LTY_CATEGORY_BYTES_MAX)) return false;
    if ((filter->category[0] != '\0') != (filter->category_days > 0)) return false;
    return filter->window_days <= 36500 && filter->category_days <= 36500;
}

bool lty_record_segment_valid(const lty_segment_t *segment)
{
    LTY_ASSERT(segment != NULL);
    if (segment->segment_id == 0 || !time_ok(segment->created_ms)) return false;
    if (!text_nonempty_fits(segment->name, LTY_SEGMENT_NAME_BYTES_MAX)) return false;
    if (!text_fits(segment->principal, LTY_PRINCIPAL_BYTES_MAX)) return false;
    return segment_filter_valid(&segment->filter);
}

size_t lty_record_segment_encode(const lty_segment_t *segment, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_segment_valid(segment));
    LTY_ASSERT(out_size >= LTY_RECORD_SEGMENT_BYTES_MAX);
    rec_out_t writer;
    const lty_segment_filter_t *filter = &segment->filter;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_SEGMENT,
               LTY_SEGMENT_VERSION);
    out_u64(&writer, segment->segment_id);
    out_i64(&writer, segment->created_ms);
    out_str(&writer, segment->name, LTY_SEGMENT_NAME_BYTES_MAX);
    out_str(&writer, segment->principal, LTY_PRINCIPAL_BYTES_MAX);
    out_u32(&writer, filter->rfm_mask);
    out_u32(&writer, filter->stage_mask);
    out_u32(&writer, filter->tier_mask);
    out_str(&writer, filter->home_store, LTY_STORE_ID_BYTES_MAX);
    out_u8(&writer, filter->spend_given);
    out_i64(&writer, filter->spend_min_cents);
    out_i64(&writer, filter->spend_max_cents);
    out_u32(&writer, filter->window_days);
    out_u8(&writer, filter->birthday_month);
    out_str(&writer, filter->category, LTY_CATEGORY_BYTES_MAX);
    out_u32(&writer, filter->category_days);
    out_u32(&writer, filter->consent_mask);
    LTY_ASSERT(writer.size <= LTY_RECORD_SEGMENT_BYTES_MAX);
    return writer.size;
}

int lty_record_segment_decode(lty_bytes_t in, lty_segment_t *segment_out)
{
    LTY_ASSERT(segment_out != NULL);
    rec_in_t reader;
    memset(segment_out, 0, sizeof(*segment_out));
    lty_segment_filter_t *filter = &segment_out->filter;
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_SEGMENT, LTY_SEGMENT_VERSION);
    segment_out->segment_id = in_u64(&reader);
    segment_out->created_ms = in_i64(&reader);
    in_str(&reader, segment_out->name, LTY_SEGMENT_NAME_BYTES_MAX);
    in_str(&reader, segment_out->principal, LTY_PRINCIPAL_BYTES_MAX);
    filter->rfm_mask = in_u32(&reader);
    filter->stage_mask = in_u32(&reader);
    filter->tier_mask = in_u32(&reader);
    in_str(&reader, filter->home_store, LTY_STORE_ID_BYTES_MAX);
    filter->spend_given = in_u8(&reader);
    filter->spend_min_cents = in_i64(&reader);
    filter->spend_max_cents = in_i64(&reader);
    filter->window_days = in_u32(&reader);
    filter->birthday_month = in_u8(&reader);
    in_str(&reader, filter->category, LTY_CATEGORY_BYTES_MAX);
    filter->category_days = in_u32(&reader);
    filter->consent_mask = in_u32(&reader);
    return in_finish(&reader, reader.ok && lty_record_segment_valid(segment_out));
}

bool lty_record_segment_run_valid(const lty_segment_run_t *run)
{
    LTY_ASSERT(run != NULL);
    if (run->run_id == 0 || run->segment_id == 0 || !time_ok(run->created_ms)) return false;
    if (run->action != LTY_RUN_ACTION_BONUS && run->action != LTY_RUN_ACTION_COUPON) return false;
    if (run->state < LTY_RUN_RECORDING || run->state > LTY_RUN_DONE || run->marketing > 1) {
        return false;
    }
    if (run->holdout_percent > LTY_RUN_HOLDOUT_PERCENT_MAX) return false;
    if ((run->state == LTY_RUN_DONE) != (run->finished_ms != 0)) return false;
    if (!text_fits(run->principal, LTY_PRINCIPAL_BYTES_MAX) ||
        !text_nonempty_fits(run->key, LTY_RUN_KEY_BYTES_MAX) ||
        !text_fits(run->reason, LTY_REASON_BYTES_MAX) ||
        !text_fits(run->ref, LTY_RUN_REF_BYTES_MAX)) {
        return false;
    }
    if (run->action == LTY_RUN_ACTION_BONUS &&
        (run->points <= 0 || run->points > LTY_POINTS_PER_TXN_MAX || run->reason[0] == '\0')) {
        return false;
    }
    if (run->recorded_count > run->members_count) return false;
    if (run->state != LTY_RUN_RECORDING && run->recorded_count != run->members_count) return false;
    uint64_t placed = run->holdout_count + run->skipped_count + run->granted_count;
    return placed >= run->holdout_count && placed <= run->recorded_count;
}

size_t lty_record_segment_run_encode(const lty_segment_run_t *run, uint8_t *out,
                                     size_t out_size)
{
    LTY_ASSERT(lty_record_segment_run_valid(run));
    LTY_ASSERT(out_size >= LTY_RECORD_SEGMENT_RUN_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_SEGMENT_RUN,
               LTY_SEGMENT_RUN_VERSION);
    out_u64(&writer, run->run_id);
    out_u64(&writer, run->segment_id);
    out_u8(&writer, run->action);
    out_u8(&writer, run->state);
    out_u8(&writer, run->marketing);
    out_u32(&writer, run->holdout_percent);
    out_i64(&writer, run->created_ms);
    out_i64(&writer, run->finished_ms);
    out_str(&writer, run->principal, LTY_PRINCIPAL_BYTES_MAX);
    out_str(&writer, run->key, LTY_RUN_KEY_BYTES_MAX);
    out_i64(&writer, run->points);
    out_str(&writer, run->reason, LTY_REASON_BYTES_MAX);
    out_str(&writer, run->ref, LTY_RUN_REF_BYTES_MAX);
    out_u64(&writer, run->members_count);
    out_u64(&writer, run->recorded_count);
    out_u64(&writer, run->holdout_count);
    out_u64(&writer, run->skipped_count);
    out_u64(&writer, run->granted_count);
    out_u64(&writer, run->grant_next);
    LTY_ASSERT(writer.size <= LTY_RECORD_SEGMENT_RUN_BYTES_MAX);
    return writer.size;
}

int lty_record_segment_run_decode(lty_bytes_t in, lty_segment_run_t *run_out)
{
    LTY_ASSERT(run_out != NULL);
    rec_in_t reader;
    memset(run_out, 0, sizeof(*run_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_SEGMENT_RUN,
                    LTY_SEGMENT_RUN_VERSION);
    run_out->run_id = in_u64(&reader);
    run_out->segment_id = in_u64(&reader);
    run_out->action = in_u8(&reader);
    run_out->state = in_u8(&reader);
    run_out->marketing = in_u8(&reader);
    run_out->holdout_percent = in_u32(&reader);
    run_out->created_ms = in_i64(&reader);
    run_out->finished_ms = in_i64(&reader);
    in_str(&reader, run_out->principal, LTY_PRINCIPAL_BYTES_MAX);
    in_str(&reader, run_out->key, LTY_RUN_KEY_BYTES_MAX);
    run_out->points = in_i64(&reader);
    in_str(&reader, run_out->reason, LTY_REASON_BYTES_MAX);
    in_str(&reader, run_out->ref, LTY_RUN_REF_BYTES_MAX);
    run_out->members_count = in_u64(&reader);
    run_out->recorded_count = in_u64(&reader);
    run_out->holdout_count = in_u64(&reader);
    run_out->skipped_count = in_u64(&reader);
    run_out->granted_count = in_u64(&reader);
    run_out->grant_next = in_u64(&reader);
    return in_finish(&reader, reader.ok && lty_record_segment_run_valid(run_out));
}

bool lty_record_run_member_valid(const lty_run_member_t *member)
{
    LTY_ASSERT(member != NULL);
    if (member->state < LTY_RUN_MEMBER_PENDING || member->state > LTY_RUN_MEMBER_REFUSED) {
        return false;
    }
    if ((member->state == LTY_RUN_MEMBER_GRANTED) != (member->result_id != 0)) return false;
    return time_ok(member->changed_ms);
}

size_t lty_record_run_member_encode(const lty_run_member_t *member, uint8_t *out,
                                    size_t out_size)
{
    LTY_ASSERT(lty_record_run_member_valid(member));
    LTY_ASSERT(out_size >= LTY_RECORD_RUN_MEMBER_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_RUN_MEMBER,
               LTY_RUN_MEMBER_VERSION);
    out_u8(&writer, member->state);
    out_u64(&writer, member->result_id);
    out_i64(&writer, member->changed_ms);
    LTY_ASSERT(writer.size == LTY_RECORD_RUN_MEMBER_BYTES_MAX);
    return writer.size;
}

int lty_record_run_member_decode(lty_bytes_t in, lty_run_member_t *member_out)
{
    LTY_ASSERT(member_out != NULL);
    rec_in_t reader;
    memset(member_out, 0, sizeof(*member_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_RUN_MEMBER,
                    LTY_RUN_MEMBER_VERSION);
    member_out->state = in_u8(&reader);
    member_out->result_id = in_u64(&reader);
    member_out->changed_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_run_member_valid(member_out));
}

void lty_key_run_by_key(lty_key_t *key_out, uint64_t segment_id, const char *key)
{
    LTY_ASSERT(key_out != NULL && key != NULL);
    LTY_ASSERT(segment_id != 0 && key[0] != '\0' && strlen(key) <= LTY_RUN_KEY_BYTES_MAX);
    key_out->size = 0;
    key_u64(key_out, segment_id);
    key_text(key_out, key);
}
