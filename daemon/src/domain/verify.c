/* SPDX-License-Identifier: MIT */
/* The ledger verifier: walks one snapshot of the store and checks every invariant the domain
 * promises (see verify.h), reporting problems as sentences a person can act on.
 *
 * It trusts nothing it reads: a record that does not decode is a problem to report, not an
 * assertion. It is a tool, so it allocates a working table of account sums (freed on return).
 * This file holds the walk, the account sums and the core ledger (journal, accounts, members,
 * lots, cards, sales); verify_members.c checks the member indexes, audit, tiers and replaced
 * cards; verify_returns.c checks returns, voids and closed members.
 * Not here: repairing anything. */
#include "verify.h"
#include "verify_internal.h"
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_err.h"
#include "records.h"
#include "records_coupons.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lty__verify_problem(verify_t *verify, const char *format, ...)
{
    lty_verify_report_t *report = verify->report;
    report->problems_total++;
    if (report->problems_count == LTY_VERIFY_PROBLEMS_MAX) return;
    va_list args;
    va_start(args, format);
    vsnprintf(report->problems[report->problems_count], LTY_VERIFY_PROBLEM_BYTES, format, args);
    va_end(args);
    report->problems_count++;
}

static size_t sum_slot(const sum_t *sums, size_t capacity, uint8_t kind, uint64_t owner)
{
    size_t mask = capacity - 1;
    size_t slot = (size_t)((owner * UINT64_C(0x9E3779B97F4A7C15)) >> 17 ^ kind) & mask;
    while (sums[slot].kind != 0 && (sums[slot].kind != kind || sums[slot].owner != owner)) {
        slot = (slot + 1) & mask;
    }
    return slot;
}

static int sums_grow(verify_t *verify)
{
    size_t capacity = verify->sums_capacity == 0 ? 1024 : verify->sums_capacity * 2;
    sum_t *sums = lty_calloc(capacity, sizeof(sum_t));
    if (sums == NULL) return LTY_E_NOMEM;
    for (size_t index = 0; index < verify->sums_capacity; index++) {
        const sum_t *old = &verify->sums[index];
        if (old->kind != 0) sums[sum_slot(sums, capacity, old->kind, old->owner)] = *old;
    }
    lty_free(verify->sums);
    verify->sums = sums;
    verify->sums_capacity = capacity;
    return 0;
}

/* Find or add the sum of (kind, owner); NULL only when memory ran out. */
sum_t *lty__verify_sum_find(verify_t *verify, uint8_t kind, uint64_t owner, bool add)
{
    LTY_ASSERT(kind != 0);
    if (add && (verify->sums_count + 1) * 2 > verify->sums_capacity && sums_grow(verify) != 0) {
        return NULL;
    }
    if (verify->sums_capacity == 0) return NULL;
    sum_t *sum = &verify->sums[sum_slot(verify->sums, verify->sums_capacity, kind, owner)];
    if (sum->kind == 0) {
        if (!add) return NULL;
        *sum = (sum_t){.kind = kind, .owner = owner};
        verify->sums_count++;
    }
    return sum;
}

int lty__verify_walk(verify_t *verify, lty_db_t db, walk_cb cb)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(verify->txn, db, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    verify->walking = db;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        err = cb(verify, key, value);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* 0 with found set, or a store error. */
int lty__verify_exists(verify_t *verify, lty_db_t db, const lty_key_t *key, lty_bytes_t *value_out,
                  bool *found_out)
{
    lty_bytes_t value;
    int err = lty_store_get(verify->txn, db, lty_key_bytes(key), &value);
    *found_out = err == 0;
    if (value_out != NULL && err == 0) *value_out = value;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Journal ---------------------------------------------------------------------------- */

static int entry_postings_check(verify_t *verify, const lty_journal_entry_t *entry)
{
    if (!lty_ledger_entry_balanced(entry)) {
        lty__verify_problem(verify, "journal entry %" PRIu64 ": postings do not sum to zero per asset",
                entry->entry_id);
    }
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        verify->report->postings++;
        bool staff = lty_account_kind_is_staff((lty_account_kind_t)posting->account_kind);
        if (posting->owner != 0 && !staff && posting->owner != entry->member_id) {
            lty__verify_problem(verify, "journal entry %" PRIu64 ": posts to %s/%" PRIu64
                    " but names member %" PRIu64, entry->entry_id,
                    lty_account_kind_name(posting->account_kind), posting->owner,
                    entry->member_id);
        }
        sum_t *sum = lty__verify_sum_find(verify, posting->account_kind, posting->owner, true);
        if (sum == NULL) return LTY_E_NOMEM;
        if (!lty_i64_add(sum->balance, posting->amount, INT64_MAX, &sum->balance)) {
            sum->overflow = true;
        }
        sum->entries_count++;
    }
    return 0;
}

/* Opening balances (member import) post only there: a member's accounts credited against the
 * migration accounts, which nothing else may touch. */
static void entry_migration_check(verify_t *verify, const lty_journal_entry_t *entry)
{
    bool migration = entry->kind == LTY_ENTRY_MIGRATION;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        bool migrated_account = posting->account_kind == LTY_ACCOUNT_POINTS_MIGRATED ||
                                posting->account_kind == LTY_ACCOUNT_PREPAID_MIGRATED;
        bool member_account = posting->account_kind == LTY_ACCOUNT_MEMBER_POINTS ||
                              posting->account_kind == LTY_ACCOUNT_MEMBER_PREPAID;
        bool allowed = migration ? (migrated_account && posting->amount < 0) ||
                                       (member_account && posting->amount > 0)
                                 : !migrated_account;
        if (!allowed) {
            lty__verify_problem(verify, "journal entry %" PRIu64 " (%s): posts %" PRId64 " to %s",
                                entry->entry_id, lty_entry_kind_name(entry->kind),
                                posting->amount, lty_account_kind_name(posting->account_kind));
        }
    }
    if (migration && entry->member_id == 0) {
        lty__verify_problem(verify, "journal entry %" PRIu64 ": a migration names no member",
                            entry->entry_id);
    }
}

static int walk_journal_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t entry_id = 0;
    lty_journal_entry_t entry;
    verify->report->entries++;
    if (key.size != 8 || !lty_key_u64_at(key, 0, &entry_id)) {
        lty__verify_problem(verify, "journal: a key of %zu bytes is not an entry id", key.size);
        return 0;
    }
    if (lty_record_entry_decode(value, &entry) != 0 || entry.entry_id != entry_id) {
        lty__verify_problem(verify, "journal entry %" PRIu64 ": record does not decode", entry_id);
        return 0;
    }
    int err = entry_postings_check(verify, &entry);
    entry_migration_check(verify, &entry);
    if (err != 0 || entry.member_id == 0) return err;
    lty_key_t index_key;
    lty_key_member_journal(&index_key, entry.member_id, entry.entry_id);
    bool found = false;
    err = lty__verify_exists(verify, LTY_DB_MEMBER_LEDGER, &index_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "journal entry %" PRIu64 ": missing from the journal index of member %"
                PRIu64, entry.entry_id, entry.member_id);
    }
    return err;
}

static int walk_journal_index_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    uint64_t entry_id = 0;
    if (key.size != LTY_MEMBER_PART_PREFIX_BYTES + 8 || value.size != 0 ||
        !lty_key_u64_at(key, 0, &member_id) ||
        !lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &entry_id) || member_id == 0 ||
        entry_id == 0) {
        lty__verify_problem(verify, "journal index: a malformed key of %zu bytes", key.size);
        return 0;
    }
    lty_key_t entry_key;
    lty_key_id(&entry_key, entry_id);
    lty_bytes_t entry_value;
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_JOURNAL, &entry_key, &entry_value, &found);
    lty_journal_entry_t entry;
    if (err == 0 && (!found || lty_record_entry_decode(entry_value, &entry) != 0 ||
                     entry.member_id != member_id)) {
        lty__verify_problem(verify, "journal index: member %" PRIu64 " lists entry %" PRIu64
                " which is missing or not theirs", member_id, entry_id);
    }
    return err;
}

/* ---- Accounts --------------------------------------------------------------------------- */

static int walk_accounts_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_account_t account;
    verify->report->accounts++;
    if (lty_record_account_decode(value, &account) != 0) {
        lty__verify_problem(verify, "accounts: a record does not decode");
        return 0;
    }
    lty_key_t expected;
    lty_db_t db = lty_key_account(&expected, (lty_account_kind_t)account.kind, account.owner);
    const char *name = lty_account_kind_name(account.kind);
    if (db != verify->walking || key.size != expected.size ||
        memcmp(key.data, expected.data, key.size) != 0) {
        lty__verify_problem(verify, "account %s/%" PRIu64 ": stored under another key", name, account.owner);
    }
    sum_t *sum = lty__verify_sum_find(verify, account.kind, account.owner, false);
    int64_t journal = sum == NULL ? 0 : sum->balance;
    uint64_t count = sum == NULL ? 0 : sum->entries_count;
    if (sum != NULL) sum->seen = true;
    if (journal != account.balance || (sum != NULL && sum->overflow)) {
        lty__verify_problem(verify, "account %s/%" PRIu64 ": stored balance %" PRId64 ", journal says %" PRId64,
                name, account.owner, account.balance, journal);
    }
    if (account.kind == LTY_ACCOUNT_MEMBER_PREPAID && account.balance < 0) {
        lty__verify_problem(verify, "account %s/%" PRIu64 ": prepaid balance %" PRId64 " is below zero", name,
                account.owner, account.balance);
    }
    if (count != account.entries_count) {
        lty__verify_problem(verify, "account %s/%" PRIu64 ": stored entries_count %" PRIu64
                ", journal has %" PRIu64, name, account.owner, account.entries_count, count);
    }
    int64_t *total = &verify->asset_totals[lty_account_kind_asset(account.kind)];
    if (!lty_i64_add(*total, account.balance, INT64_MAX, total)) {
        lty__verify_problem(verify, "accounts: the %s total overflows", lty_asset_name(
                                                                 lty_account_kind_asset(account.kind)));
    }
    return 0;
}

static void accounts_unseen_check(verify_t *verify)
{
    for (size_t index = 0; index < verify->sums_capacity; index++) {
        const sum_t *sum = &verify->sums[index];
        if (sum->kind == 0 || sum->seen) continue;
        lty__verify_problem(verify, "account %s/%" PRIu64 ": journal says %" PRId64 " but no account is stored",
                lty_account_kind_name(sum->kind), sum->owner, sum->balance);
    }
    for (unsigned int asset = LTY_ASSET_POINTS; asset <= LTY_ASSET_CURRENCY; asset++) {
        if (verify->asset_totals[asset] != 0) {
            lty__verify_problem(verify, "accounts: %s balances sum to %" PRId64 ", not zero",
                    lty_asset_name(asset), verify->asset_totals[asset]);
        }
    }
}

/* ---- Members and lots ------------------------------------------------------------------- */

static int member_lots_check(verify_t *verify, uint64_t member_id)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(verify->txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_LOT);
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    int64_t remaining = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        lty_lot_t lot;
        if (!lty_key_member_part_is(key, member_id, LTY_PART_LOT)) break;
        if (lty_record_lot_decode(value, &lot) == 0) {
            (void)lty_i64_add(remaining, lot.points_remaining, INT64_MAX, &remaining);
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    const sum_t *sum = lty__verify_sum_find(verify, LTY_ACCOUNT_MEMBER_POINTS, member_id, false);
    int64_t balance = sum == NULL ? 0 : sum->balance;
    int64_t expected = balance > 0 ? balance : 0;
    if (remaining != expected) {
        lty__verify_problem(verify, "member %" PRIu64 ": lots hold %" PRId64 " points, balance is %" PRId64,
                member_id, remaining, balance);
    }
    return 0;
}

static int walk_members_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    lty_member_t member;
    verify->report->members++;
    if (key.size != 8 || !lty_key_u64_at(key, 0, &member_id) ||
        lty_record_member_decode(value, &member) != 0 || member.member_id != member_id) {
        lty__verify_problem(verify, "member %" PRIu64 ": record does not decode", member_id);
        return 0;
    }
    if (member.phone[0] != '\0') {
        lty_key_t phone_key;
        lty_key_text(&phone_key, member.phone);
        lty_bytes_t phone_value;
        bool found = false;
        uint64_t indexed = 0;
        int err = lty__verify_exists(verify, LTY_DB_MEMBERS_BY_PHONE, &phone_key, &phone_value, &found);
        if (err != 0) return err;
        if (!found || lty_record_u64_decode(phone_value, &indexed) != 0 || indexed != member_id) {
            lty__verify_problem(verify, "member %" PRIu64 ": the phone index does not point back", member_id);
        }
    }
    return member_lots_check(verify, member_id);
}

static int walk_phones_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    (void)key;
    if (lty_record_u64_decode(value, &member_id) != 0 || member_id == 0) {
        lty__verify_problem(verify, "members-by-phone: a value is not a member id");
        return 0;
    }
    lty_member_t member;
    lty_key_t member_key;
    lty_key_id(&member_key, member_id);
    lty_bytes_t member_value;
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_MEMBERS, &member_key, &member_value, &found);
    if (err == 0 && (!found || lty_record_member_decode(member_value, &member) != 0 ||
                     strlen(member.phone) != key.size ||
                     memcmp(member.phone, key.data, key.size) != 0)) {
        lty__verify_problem(verify, "members-by-phone: an entry names member %" PRIu64
                " whose phone differs", member_id);
    }
    return err;
}

static int walk_lots_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_lot_t lot;
    verify->report->lots++;
    if (lty_record_lot_decode(value, &lot) != 0) {
        lty__verify_problem(verify, "lots: a lot does not decode (or remaining is outside 0..initial)");
        return 0;
    }
    lty_key_t expected;
    lty_key_lot(&expected, lot.member_id, lot.expires_ms, lot.entry_id);
    if (key.size != expected.size || memcmp(key.data, expected.data, key.size) != 0) {
        lty__verify_problem(verify, "lot of entry %" PRIu64 ": stored under another key", lot.entry_id);
    }
    lty_key_t member_key;
    lty_key_id(&member_key, lot.member_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_MEMBERS, &member_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "lot of entry %" PRIu64 ": member %" PRIu64 " does not exist",
                lot.entry_id, lot.member_id);
    }
    return err;
}


/* Schema 4: member-ledger holds each member's accounts, journal index, lots and spend months
 * under member_id | part; each part gets the check its old database had. */
static int walk_member_ledger_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    if (key.size <= LTY_MEMBER_PART_PREFIX_BYTES || !lty_key_u64_at(key, 0, &member_id) ||
        member_id == 0) {
        lty__verify_problem(verify, "member-ledger: a malformed key of %zu bytes", key.size);
        return 0;
    }
    switch (((const uint8_t *)key.data)[8]) {
    case LTY_PART_ACCOUNT: return walk_accounts_cb(verify, key, value);
    case LTY_PART_JOURNAL: return walk_journal_index_cb(verify, key, value);
    case LTY_PART_LOT: return walk_lots_cb(verify, key, value);
    case LTY_PART_SPEND: return lty__verify_spend_cb(verify, key, value);
    case LTY_PART_COUPON: /* wallet, uses per campaign, gift redemptions */
    case LTY_PART_COUPON_USAGE:
    case LTY_PART_GIFT: return lty__verify_coupon_part_cb(verify, key, value);
    case LTY_PART_RULE:  /* checked by verify_programme.c */
    case LTY_PART_BONUS: return 0;
    case LTY_PART_PURCHASE: return lty__verify_purchase_day_cb(verify, key, value);
    default:
        lty__verify_problem(verify, "member-ledger: member %" PRIu64 " has a record of unknown part %u",
                member_id, (unsigned int)((const uint8_t *)key.data)[8]);
        return 0;
    }
}

/* A database that schema 4 emptied (its records moved to member-ledger) must stay empty. */
static int walk_retired_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)value;
    lty__verify_problem(verify, "%s: holds a record (key of %zu bytes) though schema 4 moved them to "
            "member-ledger", lty_store_db_name(verify->walking), key.size);
    return 0;
}

/* ---- Cards ------------------------------------------------------------------------------ */

static int walk_cards_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_card_t card;
    verify->report->cards++;
    if (lty_record_card_decode(value, &card) != 0 || strlen(card.card_no) != key.size ||
        memcmp(card.card_no, key.data, key.size) != 0) {
        lty__verify_problem(verify, "cards: a record does not decode or is under another number");
        return 0;
    }
    if (card.member_id == 0) return 0;
    lty_key_t member_key;
    lty_key_id(&member_key, card.member_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_MEMBERS, &member_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "card %s: member %" PRIu64 " does not exist", card.card_no,
                card.member_id);
    }
    lty_key_t index_key;
    lty_key_member_card(&index_key, card.member_id, card.card_no);
    if (err == 0) err = lty__verify_exists(verify, LTY_DB_CARDS_BY_MEMBER, &index_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "card %s: missing from cards-by-member of member %" PRIu64, card.card_no,
                card.member_id);
    }
    return err;
}

static int walk_card_index_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    if (!lty_key_u64_at(key, 0, &member_id) || key.size - 8 < LTY_CARD_NO_DIGITS_MIN ||
        key.size - 8 > LTY_CARD_NO_DIGITS_MAX || value.size != 0) {
        lty__verify_problem(verify, "cards-by-member: a malformed key of %zu bytes", key.size);
        return 0;
    }
    lty_key_t card_key = {.size = key.size - 8};
    memcpy(card_key.data, (const uint8_t *)key.data + 8, card_key.size);
    lty_bytes_t card_value;
    bool found = false;
    lty_card_t card;
    int err = lty__verify_exists(verify, LTY_DB_CARDS, &card_key, &card_value, &found);
    if (err == 0 && (!found || lty_record_card_decode(card_value, &card) != 0 ||
                     card.member_id != member_id)) {
        lty__verify_problem(verify, "cards-by-member: member %" PRIu64 " lists card %.*s, which is not theirs",
                member_id, (int)card_key.size, (const char *)card_key.data);
    }
    return err;
}

/* ---- Sales ------------------------------------------------------------------------------ */

static int walk_sales_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t sale_id = 0;
    lty_sale_t *sale = verify->sale;
    verify->report->sales++;
    if (!lty_key_u64_at(key, 0, &sale_id) || lty_record_sale_decode(value, sale) != 0 ||
        sale->sale_id != sale_id) {
        lty__verify_problem(verify, "sale %" PRIu64 ": record does not decode", sale_id);
        return 0;
    }
    int err = lty__verify_purchase_sale(verify, sale);
    if (err != 0) return err;
    lty_key_t entry_key;
    lty_key_id(&entry_key, sale_id);
    lty_bytes_t entry_value;
    bool found = false;
    lty_journal_entry_t entry;
    err = lty__verify_exists(verify, LTY_DB_JOURNAL, &entry_key, &entry_value, &found);
    if (err == 0 && (!found || lty_record_entry_decode(entry_value, &entry) != 0 ||
                     entry.kind != LTY_ENTRY_SALE || entry.member_id != sale->member_id)) {
        lty__verify_problem(verify, "sale %" PRIu64 ": its journal entry is missing or is not this sale",
                sale_id);
    }
    lty_key_t receipt_key;
    lty_key_pair(&receipt_key, sale->store, sale->receipt_no);
    lty_bytes_t receipt_value;
    uint64_t indexed = 0;
    if (err == 0) err = lty__verify_exists(verify, LTY_DB_SALES_BY_RECEIPT, &receipt_key, &receipt_value,
                               &found);
    if (err == 0 && (!found || lty_record_u64_decode(receipt_value, &indexed) != 0 ||
                     indexed != sale_id)) {
        lty__verify_problem(verify, "sale %" PRIu64 ": sales-by-receipt does not point back", sale_id);
    }
    return err;
}

static int walk_receipts_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t sale_id = 0;
    (void)key;
    if (lty_record_u64_decode(value, &sale_id) != 0 || sale_id == 0) {
        lty__verify_problem(verify, "sales-by-receipt: a value is not a sale id");
        return 0;
    }
    lty_key_t sale_key;
    lty_key_id(&sale_key, sale_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_SALES, &sale_key, NULL, &found);
    if (err == 0 && !found) lty__verify_problem(verify, "sales-by-receipt: sale %" PRIu64 " is missing", sale_id);
    return err;
}

int lty_verify_txn(lty_store_txn_t *txn, lty_verify_report_t *report_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(report_out != NULL);
    memset(report_out, 0, sizeof(*report_out));
    verify_t verify = {.txn = txn, .report = report_out};
    verify.sale = lty_alloc(sizeof(lty_sale_t));
    int err = verify.sale == NULL ? LTY_E_NOMEM : sums_grow(&verify);
    /* The journal first: every later check compares against its sums. */
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_JOURNAL, walk_journal_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_ACCOUNTS, walk_accounts_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_MEMBER_LEDGER, walk_member_ledger_cb); /* schema 4 */
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_JOURNAL_BY_MEMBER, walk_retired_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_LOTS, walk_retired_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_SPEND_MONTHS, walk_retired_cb);
    if (err == 0) accounts_unseen_check(&verify);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_MEMBERS, walk_members_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_MEMBERS_BY_PHONE, walk_phones_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_CARDS, walk_cards_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_CARDS_BY_MEMBER, walk_card_index_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_SALES, walk_sales_cb);
    if (err == 0) err = lty__verify_walk(&verify, LTY_DB_SALES_BY_RECEIPT, walk_receipts_cb);
    if (err == 0) err = lty__verify_members(&verify);  /* verify_members.c */
    if (err == 0) err = lty__verify_returns(&verify);  /* verify_returns.c */
    if (err == 0) err = lty__verify_audit_chain(&verify); /* verify_audit.c */
    if (err == 0) err = lty__verify_programme(&verify); /* verify_programme.c */
    if (err == 0) err = lty__verify_coupons(&verify);  /* verify_coupons.c */
    lty__verify_coupons_free(&verify);
    if (err == 0) lty__verify_purchases(&verify);      /* verify_analytics.c */
    lty__verify_purchases_free(&verify);
    lty_free(verify.sums);
    lty_free(verify.sale);
    if (err != 0) return err;
    LTY_ASSERT(report_out->problems_count <= report_out->problems_total);
    return report_out->problems_total == 0 ? 0 : LTY_E_CORRUPT;
}

int lty_verify_store(lty_store_t *store, lty_verify_report_t *report_out)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(report_out != NULL);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(store, &txn);
    if (err != 0) return err;
    err = lty_verify_txn(txn, report_out);
    lty_store_txn_abort(txn);
    return err;
}
