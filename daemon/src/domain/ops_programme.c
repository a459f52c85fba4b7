/* SPDX-License-Identifier: MIT */
/* Changing the programme's settings (PUT /v1/admin/programme): optimistic versioning, the
 * settings stamp that makes every thread use the new settings from its next request, and one
 * audit record per changed key with its old and new JSON value.
 *
 * Why currency and minor_unit never change: every balance and posting in the ledger is in that
 * unit; changing it would silently revalue all of them. Everything else may change, and applies
 * to what happens after (a lot keeps the expiry it was given; a tier change of the thresholds
 * applies at the next sale or review). */
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* One audit record per key whose JSON value differs, with both values (truncated to the audit
 * record's limit: a long tiers array is cut, the version in the detail says which change). */
static int changes_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_programme_t *old, const lty_programme_t *programme)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "version %" PRId64 " -> %" PRId64, old->version,
             programme->version);
    lty_buf_t old_value, new_value;
    lty_buf_init(&old_value, LTY_PROGRAMME_JSON_BYTES_MAX);
    lty_buf_init(&new_value, LTY_PROGRAMME_JSON_BYTES_MAX);
    int err = 0;
    for (size_t index = 0; err == 0 && lty_programme_keys[index] != NULL; index++) {
        const char *key = lty_programme_keys[index];
        if (strcmp(key, "version") == 0) continue;
        lty_buf_reset(&old_value);
        lty_buf_reset(&new_value);
        lty_programme_key_render(old, key, &old_value);
        lty_programme_key_render(programme, key, &new_value);
        lty_buf_append(&old_value, "", 1); /* NUL-terminated for the audit record */
        lty_buf_append(&new_value, "", 1);
        err = lty_buf_error(&old_value) != 0 ? lty_buf_error(&old_value)
                                             : lty_buf_error(&new_value);
        if (err != 0 || strcmp(old_value.data, new_value.data) == 0) continue;
        char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
        char before[LTY_AUDIT_VALUE_BYTES_MAX + 1], after[LTY_AUDIT_VALUE_BYTES_MAX + 1];
        snprintf(target, sizeof(target), "programme:%s", key);
        snprintf(before, sizeof(before), "%s", old_value.data);
        snprintf(after, sizeof(after), "%s", new_value.data);
        err = lty__ops_audit_change(txn, actor, now_ms, "programme.update", target, detail,
                                    before, after);
    }
    lty_buf_deinit(&old_value);
    lty_buf_deinit(&new_value);
    return err;
}

int lty_ops_programme_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                             const lty_programme_t *update, lty_programme_t *stored_out,
                             lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && update != NULL && stored_out != NULL);
    LTY_ASSERT(lty_programme_valid(update));
    lty_programme_t old;
    int err = lty_programme_load(txn, &old);
    if (err != 0) return err;
    if (update->version != old.version) {
        return lty_diag_set(diag, LTY_E_VERSION_CONFLICT, "/version",
                            "the programme is at version %" PRId64 ", not %" PRId64
                            ": read it again",
                            old.version, update->version);
    }
    if (strcmp(update->currency, old.currency) != 0 || update->minor_unit != old.minor_unit) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD,
                            update->minor_unit != old.minor_unit ? "/minor_unit" : "/currency",
                            "currency and minor_unit never change: every balance is in them");
    }
    if (old.version >= LTY_JSON_INT_MAX) return LTY_E_INVALID_FIELD;
    lty_programme_t programme = *update;
    programme.version = old.version + 1;
    err = lty_programme_save(txn, &programme);
    if (err == 0) err = lty_settings_stamp_bump(txn);
    if (err == 0) err = changes_audit(txn, actor, now_ms, &old, &programme);
    if (err == 0) *stored_out = programme;
    return err;
}
