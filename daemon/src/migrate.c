/* SPDX-License-Identifier: MIT */
/* Schema versions and migrations. Version 1 is the first, so the migration table is empty; a
 * future version adds one step function per older version, each run in the caller's write
 * transaction after the daemon has backed the store up.
 *
 * Not here: backups (store.c) or deciding when to migrate (main.c / loyaltyctl). */
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

int lty_migrate_apply(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    uint32_t version = 0;
    int err = lty_migrate_check(txn, &version);
    if (err <= 0) return err; /* current (0) or refused */
    LTY_ASSERT(version >= 1 && version < LTY_SCHEMA_VERSION);
    /* Each step goes here, version by version, then the new version is written in the same
     * transaction. 1 -> 2 (issue 3) needs no data step: card-pins is created empty at open. */
    /* issue 4: members-by-name and audit-by-member are built from the records of any older
     * store (idempotent puts, so it is safe whatever the old version was). */
    err = lty_ops_member_indexes_backfill(txn);
    if (err != 0) return err;
    uint8_t bytes[4];
    lty_record_u32_encode(LTY_SCHEMA_VERSION, bytes);
    lty_key_t key;
    lty_key_text(&key, LTY_META_SCHEMA_VERSION);
    err = lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                        (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
    if (err == 0) LTY_LOG(LTY_LOG_INFO, "migrated from=%u to=%u", version, LTY_SCHEMA_VERSION);
    return err;
}
