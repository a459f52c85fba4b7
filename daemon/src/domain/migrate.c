/* SPDX-License-Identifier: MIT */
/* Schema versions and migrations, all run in the caller's one write transaction (atomic: a crash
 * leaves the older store). Every step is idempotent, so they simply all run on any older store.
 *
 * Not here: deciding when to migrate (main.c, which also grows the map when a run fills it). */
#include "migrate.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_log.h"
#include "ops.h"
#include "records.h"

#include <string.h>

int lty_migrate_version_get(lty_store_txn_t *txn, uint32_t *version_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(version_out != NULL);
    lty_key_t key;
    lty_key_text(&key, LTY_META_SCHEMA_VERSION);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    if (err != 0) return err;
    err = lty_record_u32_decode(value, version_out);
    if (err == 0 && *version_out == 0) err = LTY_E_CORRUPT;
    return err;
}

int lty_migrate_version_put(lty_store_txn_t *txn, uint32_t version)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(version >= 1);
    uint8_t bytes[4];
    lty_record_u32_encode(version, bytes);
    lty_key_t key;
    lty_key_text(&key, LTY_META_SCHEMA_VERSION);
    return lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                         (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
}

int lty_migrate_check(lty_store_txn_t *txn, uint32_t *version_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(version_out != NULL);
    uint32_t version = 0;
    int err = lty_migrate_version_get(txn, &version);
    if (err == LTY_E_NOT_FOUND) {
        LTY_LOG(LTY_LOG_ERR, "err=STORE_VERSION detail=\"store not initialised\"");
        return LTY_E_STORE_VERSION;
    }
    if (err != 0) return err;
    *version_out = version;
    if (version > LTY_SCHEMA_VERSION) {
        LTY_LOG(LTY_LOG_ERR, "err=STORE_VERSION store_version=%u supported=%u", version,
                LTY_SCHEMA_VERSION);
        return LTY_E_STORE_VERSION;
    }
    return version < LTY_SCHEMA_VERSION ? 1 : 0;
}

/* 3 -> 4: the new key of one record of a database that member-ledger replaces. 1 when
 * the record stays (system and staff accounts, which sort after every member account: kinds 1
 * and 2). */
static int member_ledger_key(lty_db_t from, lty_bytes_t key, lty_bytes_t value, lty_key_t *out)
{
    uint64_t member_id = 0, entry_id = 0;
    lty_account_t account;
    lty_lot_t lot;
    lty_spend_month_t month;
    switch (from) {
    case LTY_DB_ACCOUNTS:
        if (lty_record_account_decode(value, &account) != 0) return LTY_E_CORRUPT;
        if (!lty_account_kind_is_member((lty_account_kind_t)account.kind)) return 1;
        (void)lty_key_account(out, (lty_account_kind_t)account.kind, account.owner);
        return 0;
    case LTY_DB_JOURNAL_BY_MEMBER:
        if (key.size != 16 || !lty_key_u64_at(key, 0, &member_id) ||
            !lty_key_u64_at(key, 8, &entry_id) || member_id == 0 || entry_id == 0) {
            return LTY_E_CORRUPT;
        }
        lty_key_member_journal(out, member_id, entry_id);
        return 0;
    case LTY_DB_LOTS:
        if (lty_record_lot_decode(value, &lot) != 0) return LTY_E_CORRUPT;
        lty_key_lot(out, lot.member_id, lot.expires_ms, lot.entry_id);
        return 0;
    case LTY_DB_SPEND_MONTHS:
        if (lty_record_spend_month_decode(value, &month) != 0) return LTY_E_CORRUPT;
        lty_key_spend_month(out, month.member_id, month.month);
        return 0;
    default: LTY_ASSERT(false && "not a database member-ledger replaces"); return LTY_E_CORRUPT;
    }
}

/* Move every record of from into member-ledger, first key first, until from is empty (or only
 * system accounts are left). Each step copies the record before writing: views die on write. */
static int member_ledger_move(lty_store_txn_t *txn, lty_db_t from, uint64_t *moved_out)
{
    static _Thread_local uint8_t value_copy[LTY_RECORD_ACCOUNT_BYTES_MAX + LTY_RECORD_LOT_BYTES_MAX +
                                            LTY_RECORD_SPEND_MONTH_BYTES_MAX];
    lty_key_t old_key;
    lty_key_t new_key;
    for (;;) {
        lty_store_cursor_t *cursor = NULL;
        int err = lty_store_cursor_open(txn, from, &cursor);
        if (err != 0) return err;
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
        if (err == 0 && (key.size > sizeof(old_key.data) || value.size > sizeof(value_copy))) {
            err = LTY_E_CORRUPT;
        }
        if (err == 0) {
            memcpy(old_key.data, key.data, key.size);
            old_key.size = key.size;
            if (value.size > 0) memcpy(value_copy, value.data, value.size);
        }
        lty_store_cursor_close(cursor);
        if (err == LTY_E_NOT_FOUND) return 0;
        lty_bytes_t copy = {.data = value_copy, .size = value.size};
        if (err == 0) err = member_ledger_key(from, lty_key_bytes(&old_key), copy, &new_key);
        if (err == 1) return 0;
        if (err == 0) err = lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&new_key), copy);
        if (err == 0) err = lty_store_del(txn, from, lty_key_bytes(&old_key));
        if (err != 0) return err;
        (*moved_out)++;
    }
}

int lty_migrate_apply(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    uint32_t version = 0;
    int err = lty_migrate_check(txn, &version);
    if (err <= 0) return err; /* current (0) or refused */
    LTY_ASSERT(version >= 1 && version < LTY_SCHEMA_VERSION);
    /* Each step goes here, version by version, then the new version is written in the same
     * transaction. 1 -> 2 needs no data step: card-pins is created empty at open. */
    /* members-by-name and audit-by-member are built from the records of any older
     * store (idempotent puts, so it is safe whatever the old version was). */
    err = lty_ops_member_indexes_backfill(txn);
    if (err != 0) return err;
    /* schema 4 keeps a member's ledger records under one prefix (records.h). */
    static const lty_db_t moved_dbs[] = {LTY_DB_ACCOUNTS, LTY_DB_JOURNAL_BY_MEMBER, LTY_DB_LOTS,
                                         LTY_DB_SPEND_MONTHS};
    uint64_t moved = 0;
    for (size_t index = 0; err == 0 && index < sizeof(moved_dbs) / sizeof(moved_dbs[0]); index++) {
        err = member_ledger_move(txn, moved_dbs[index], &moved);
    }
    if (err != 0) return err;
    if (version < 4) LTY_LOG(LTY_LOG_INFO, "event=member_ledger_moved records=%llu",
                             (unsigned long long)moved);
    /* schema 5: the PIN belongs to the member (card-pins -> member-pins). */
    uint64_t pins_moved = 0;
    err = lty_ops_pin_migrate(txn, &pins_moved);
    if (err != 0) return err;
    if (version < 5) LTY_LOG(LTY_LOG_INFO, "event=pins_moved_to_members records=%llu",
                             (unsigned long long)pins_moved);
    /* 5 -> 6 needs no data step: the three webhook databases are created empty at open. */
    /* schema 7: the audit trail becomes a hash chain; card numbers get a keyed permutation. */
    if (version < 7) {  /* a schema-7 store's chain is already built: not rewritten */
        uint64_t chained = 0;
        err = lty_ops_audit_chain_build(txn, &chained);
        if (err != 0) return err;
        LTY_LOG(LTY_LOG_INFO, "event=audit_chained records=%llu", (unsigned long long)chained);
    }
    err = lty_ops_card_key_create(txn);
    if (err != 0) return err;
    /* schema 8: the expiry sweep finds lots through lots-by-expiry (idempotent puts), and the
     * settings stamp makes every thread load the programme afresh. */
    uint64_t indexed = 0;
    err = lty_ops_lot_expiry_backfill(txn, &indexed);
    if (err == 0) err = lty_settings_stamp_bump(txn);
    if (err != 0) return err;
    LTY_LOG(LTY_LOG_INFO, "event=lots_indexed lots=%llu", (unsigned long long)indexed);
    /* 8 -> 9 (coupons and gifts): new databases and member-ledger parts, created empty
     * at open; nothing to move. */
    if (version < 9) LTY_LOG(LTY_LOG_INFO, "event=coupon_databases_added");
    /* schema 10: the analytics' purchase days, from the sale records. */
    uint64_t sales_read = 0;
    if (version < 10) err = lty_ops_purchase_backfill(txn, &sales_read);
    if (err != 0) return err;
    if (version < 10) LTY_LOG(LTY_LOG_INFO, "event=purchase_days_built sales=%llu",
                              (unsigned long long)sales_read);
    err = lty_migrate_version_put(txn, LTY_SCHEMA_VERSION);
    if (err == 0) LTY_LOG(LTY_LOG_INFO, "migrated from=%u to=%u", version, LTY_SCHEMA_VERSION);
    return err;
}
