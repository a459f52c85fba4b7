/* SPDX-License-Identifier: MIT */
/* The ledger reports beyond settlement (ops_settlement.c): points liability and prepaid float
 * (one walk over member-ledger: every member's accounts and lots) and breakage (one walk over
 * the journal in entry order). Each figure is a sum of stored balances or postings, so the
 * reports agree with `loyaltyctl verify` and with each other.
 *
 * Liability by store is the store where the points were earned: the store of the journal entry
 * that created each lot ("" for operator and migration entries: head office). A lot past its
 * expiry that the sweep has not expired yet counts as expiring within 30 days. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

static const int64_t expiring_days[LTY_OPS_EXPIRING_WINDOWS] = {30, 60, 90};

static lty_ops_report_store_t *store_row(lty_ops_balances_report_t *report, const char *store)
{
    for (size_t index = 0; index < report->stores_count; index++) {
        if (strcmp(report->stores[index].store, store) == 0) return &report->stores[index];
    }
    if (report->stores_count == LTY_OPS_REPORT_STORES_MAX) {
        report->stores_truncated = true;
        return NULL;
    }
    lty_ops_report_store_t *row = &report->stores[report->stores_count++];
    memset(row, 0, sizeof(*row));
    snprintf(row->store, sizeof(row->store), "%s", store);
    return row;
}

static int lot_add(lty_store_txn_t *txn, lty_ops_balances_report_t *report, int64_t now_ms,
                   lty_bytes_t value)
{
    lty_lot_t lot;
    int err = lty_record_lot_decode(value, &lot);
    if (err != 0 || lot.points_remaining == 0) return err;
    for (size_t window = 0; window < LTY_OPS_EXPIRING_WINDOWS; window++) {
        if (lot.expires_ms <= now_ms + expiring_days[window] * LTY_MS_PER_DAY) {
            report->expiring_points[window] += lot.points_remaining;
        }
    }
    lty_key_t key;
    lty_key_id(&key, lot.entry_id);
    lty_bytes_t entry_value;
    lty_journal_entry_t entry;
    err = lty_store_get(txn, LTY_DB_JOURNAL, lty_key_bytes(&key), &entry_value);
    if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT; /* a lot names a missing entry */
    if (err == 0) err = lty_record_entry_decode(entry_value, &entry);
    lty_ops_report_store_t *row = err == 0 ? store_row(report, entry.store) : NULL;
    if (row != NULL) row->points += lot.points_remaining;
    return err;
}

static int account_add(lty_ops_balances_report_t *report, uint32_t tier, lty_bytes_t value,
                       bool *counted)
{
    lty_account_t account;
    int err = lty_record_account_decode(value, &account);
    if (err != 0) return err;
    LTY_ASSERT(tier < LTY_TIERS_MAX);
    lty_ops_report_tier_t *row = &report->tiers[tier];
    if (!*counted) {
        row->members++;
        *counted = true;
    }
    if (account.kind == LTY_ACCOUNT_MEMBER_POINTS) {
        report->points_outstanding += account.balance;
        row->points += account.balance;
        if (account.balance > 0) report->members_with_points++;
    } else if (account.kind == LTY_ACCOUNT_MEMBER_PREPAID) {
        report->prepaid_outstanding_cents += account.balance;
        row->prepaid_cents += account.balance;
        if (account.balance > 0) report->members_with_prepaid++;
    }
    return 0;
}

int lty_ops_report_balances(lty_store_txn_t *txn, const lty_programme_t *programme,
                            int64_t now_ms, lty_ops_balances_report_t *report_out)
{
    LTY_ASSERT(txn != NULL && programme != NULL && report_out != NULL);
    memset(report_out, 0, sizeof(*report_out));
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    uint64_t current = 0;
    uint32_t tier = 0;
    bool counted = false;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        uint64_t member_id = 0;
        if (key.size <= LTY_MEMBER_PART_PREFIX_BYTES || !lty_key_u64_at(key, 0, &member_id)) {
            err = LTY_E_CORRUPT;
            break;
        }
        if (member_id != current) { /* the tier of each member, read once */
            lty_member_t member;
            err = lty__ops_member_load(txn, member_id, &member);
            if (err != 0) break;
            current = member_id;
            tier = member.tier < programme->tiers_count ? member.tier : 0;
            counted = false;
        }
        uint8_t part = ((const uint8_t *)key.data)[8];
        if (part == LTY_PART_ACCOUNT) err = account_add(report_out, tier, value, &counted);
        else if (part == LTY_PART_LOT) err = lot_add(txn, report_out, now_ms, value);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    if (err != LTY_E_NOT_FOUND && err != 0) return err;
    /* The system accounts behind the prepaid float. */
    static const lty_account_kind_t kinds[LTY_OPS_FLOAT_ACCOUNTS] = {
        LTY_ACCOUNT_PREPAID_FLOAT, LTY_ACCOUNT_CASH_IN, LTY_ACCOUNT_BANK_CARD_IN,
        LTY_ACCOUNT_CASH_OUT, LTY_ACCOUNT_PREPAID_MIGRATED};
    err = 0;
    for (size_t index = 0; err == 0 && index < LTY_OPS_FLOAT_ACCOUNTS; index++) {
        lty_account_t account;
        err = lty__ops_account_get(txn, kinds[index], 0, &account);
        report_out->float_accounts[index].kind = (uint8_t)kinds[index];
        if (err == 0) report_out->float_accounts[index].balance = account.balance;
    }
    lty_account_t expired;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_POINTS_EXPIRED, 0, &expired);
    if (err == 0) report_out->breakage_to_date = expired.balance;
    for (size_t window = 0; window < LTY_OPS_EXPIRING_WINDOWS; window++) {
        report_out->expiring_days[window] = expiring_days[window];
    }
    return err;
}

/* ---- Breakage ------------------------------------------------------------------------------ */

static lty_ops_breakage_month_t *month_row(lty_ops_breakage_t *report, uint64_t month)
{
    if (report->months_count > 0 && report->months[report->months_count - 1].month == month) {
        return &report->months[report->months_count - 1];
    }
    for (size_t index = 0; index < report->months_count; index++) {
        if (report->months[index].month == month) return &report->months[index];
    }
    if (report->months_count == LTY_OPS_BREAKAGE_MONTHS_MAX) return NULL;
    lty_ops_breakage_month_t *row = &report->months[report->months_count++];
    memset(row, 0, sizeof(*row));
    row->month = month;
    return row;
}

static void breakage_entry_add(lty_ops_breakage_month_t *row, const lty_journal_entry_t *entry)
{
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        switch (posting->account_kind) {
        case LTY_ACCOUNT_POINTS_ISSUED: row->points_earned -= posting->amount; break;
        case LTY_ACCOUNT_POINTS_MIGRATED: row->points_migrated -= posting->amount; break;
        case LTY_ACCOUNT_POINTS_ADJUSTED: row->points_adjusted -= posting->amount; break;
        case LTY_ACCOUNT_POINTS_REDEEMED: row->points_redeemed += posting->amount; break;
        case LTY_ACCOUNT_POINTS_EXPIRED:
            if (entry->kind == LTY_ENTRY_CLOSE) row->points_forfeited += posting->amount;
            else row->points_expired += posting->amount;
            break;
        default: break;
        }
    }
}

int lty_ops_report_breakage(lty_store_txn_t *txn, int64_t from_ms, int64_t to_ms,
                            lty_ops_breakage_t *report_out)
{
    LTY_ASSERT(txn != NULL && report_out != NULL);
    LTY_ASSERT(from_ms <= to_ms);
    memset(report_out, 0, sizeof(*report_out));
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_JOURNAL, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        lty_journal_entry_t entry;
        err = lty_record_entry_decode(value, &entry);
        if (err != 0) break;
        if (entry.created_ms >= from_ms && entry.created_ms < to_ms) {
            lty_ops_breakage_month_t *row =
                month_row(report_out, lty_ledger_month_index(entry.created_ms));
            if (row != NULL) breakage_entry_add(row, &entry);
            else report_out->truncated = true;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
