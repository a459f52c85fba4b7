/* SPDX-License-Identifier: MIT */
/* Stores and staff as operators run them: add, list, rename, move, close or reopen a store;
 * add, list, rename, move and deactivate a staff member; and the commission postings a staff
 * member's sales, activations and top-ups carry.
 *
 * Policies (docs/api.md "Stores and staff"): a closed store's tills are refused (423
 * store_closed) but the store, its sales and its staff stay; a deactivated staff member may not
 * be named on new sales (422 staff_not_found) while earlier commission keeps its claw-back. Every
 * change is audited with the old and the new value. A staff member's commission-payable account
 * is keyed by staff_no, a number from META staff_sequence that is never reused, so staff ids
 * stay free-form text.
 *
 * Not here: tills and operators (ops_setup.c, with their certificates in the CLI). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Store, till and staff ids embed in principals and keys: printable ASCII, no space, no '/'. */
static bool id_ok(const char *text, size_t size_max)
{
    size_t size = strnlen(text, size_max + 1);
    if (size == 0 || size > size_max) return false;
    for (size_t index = 0; index < size; index++) {
        if (text[index] <= ' ' || text[index] > '~' || text[index] == '/') return false;
    }
    return true;
}

static int store_put(lty_store_txn_t *txn, const lty_store_record_t *record, bool insert)
{
    uint8_t buffer[LTY_RECORD_STORE_BYTES_MAX];
    size_t size = lty_record_store_encode(record, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, record->store_id);
    lty_bytes_t value = {.data = buffer, .size = size};
    return insert ? lty_store_insert(txn, LTY_DB_STORES, lty_key_bytes(&key), value)
                  : lty_store_put(txn, LTY_DB_STORES, lty_key_bytes(&key), value);
}

int lty_ops_store_get(lty_store_txn_t *txn, const char *store_id, lty_store_record_t *store_out)
{
    LTY_ASSERT(txn != NULL && store_id != NULL && store_out != NULL);
    if (!id_ok(store_id, LTY_STORE_ID_BYTES_MAX)) return LTY_E_STORE_NOT_FOUND;
    lty_key_t key;
    lty_key_text(&key, store_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_STORES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_STORE_NOT_FOUND;
    if (err == 0) err = lty_record_store_decode(value, store_out);
    if (err == 0 && strcmp(store_out->store_id, store_id) != 0) err = LTY_E_CORRUPT;
    return err;
}

int lty_ops_store_usable(lty_store_txn_t *txn, const char *store_id)
{
    lty_store_record_t record;
    int err = lty_ops_store_get(txn, store_id, &record);
    if (err == 0 && record.active == 0) err = LTY_E_STORE_CLOSED;
    return err;
}

static int store_fields_check(const char *name, const char *region, lty_diag_t *diag)
{
    size_t name_size = strnlen(name, LTY_STORE_NAME_BYTES_MAX + 1);
    if (name_size == 0 || name_size > LTY_STORE_NAME_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name", "name must be 1 to %d bytes",
                            LTY_STORE_NAME_BYTES_MAX);
    }
    if (strnlen(region, LTY_STORE_REGION_BYTES_MAX + 1) > LTY_STORE_REGION_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/region", "region is at most %d bytes",
                            LTY_STORE_REGION_BYTES_MAX);
    }
    return 0;
}

int lty_ops_store_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_store_new_t *store_new, lty_store_record_t *store_out,
                         lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && store_new != NULL && store_out != NULL);
    if (!id_ok(store_new->store_id, LTY_STORE_ID_BYTES_MAX)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/store_id",
                            "store_id is 1 to %d printable characters, no space or '/'",
                            LTY_STORE_ID_BYTES_MAX);
    }
    int err = store_fields_check(store_new->name, store_new->region, diag);
    if (err != 0) return err;
    lty_store_record_t record = {.created_ms = now_ms, .updated_ms = now_ms, .active = 1};
    snprintf(record.store_id, sizeof(record.store_id), "%s", store_new->store_id);
    snprintf(record.name, sizeof(record.name), "%s", store_new->name);
    snprintf(record.region, sizeof(record.region), "%s", store_new->region);
    err = store_put(txn, &record, true);
    if (err == LTY_E_EXISTS) {
        return lty_diag_set(diag, LTY_E_EXISTS, "/store_id", "store %s exists",
                            store_new->store_id);
    }
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "store:%s", record.store_id);
    if (err == 0) err = lty__ops_audit_change(txn, actor, now_ms, "store.add", target, "", "",
                                              record.name);
    if (err == 0) *store_out = record;
    return err;
}

/* Audit one changed store field ("name", "region", "status"). */
static int store_change_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                              const char *store_id, const char *field, const char *old_value,
                              const char *new_value)
{
    if (strcmp(old_value, new_value) == 0) return 0;
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "store:%s", store_id);
    const char *action = strcmp(field, "status") != 0     ? "store.update"
                         : strcmp(new_value, "closed") == 0 ? "store.close"
                                                            : "store.reopen";
    return lty__ops_audit_change(txn, actor, now_ms, action, target, field, old_value, new_value);
}

int lty_ops_store_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_store_patch_t *patch, lty_store_record_t *store_out,
                         lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && patch != NULL && store_out != NULL);
    lty_store_record_t old;
    int err = lty_ops_store_get(txn, patch->store_id, &old);
    if (err != 0) return err;
    lty_store_record_t record = old;
    if (patch->fields & LTY_STORE_FIELD_NAME) {
        snprintf(record.name, sizeof(record.name), "%s", patch->name);
    }
    if (patch->fields & LTY_STORE_FIELD_REGION) {
        snprintf(record.region, sizeof(record.region), "%s", patch->region);
    }
    if (patch->fields & LTY_STORE_FIELD_STATUS) record.active = patch->open ? 1 : 0;
    err = store_fields_check(record.name, record.region, diag);
    if (err != 0) return err;
    record.updated_ms = now_ms;
    err = store_put(txn, &record, false);
    if (err == 0) err = store_change_audit(txn, actor, now_ms, record.store_id, "name", old.name,
                                           record.name);
    if (err == 0) err = store_change_audit(txn, actor, now_ms, record.store_id, "region",
                                           old.region, record.region);
    if (err == 0) err = store_change_audit(txn, actor, now_ms, record.store_id, "status",
                                           old.active ? "open" : "closed",
                                           record.active ? "open" : "closed");
    if (err == 0) *store_out = record;
    return err;
}

/* Seek a text-keyed database to the first key after `after` ("" = the first key). */
static int seek_after(lty_store_cursor_t *cursor, const char *after, lty_bytes_t *key,
                      lty_bytes_t *value)
{
    if (after[0] == '\0') return lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0},
                                                       key, value);
    lty_key_t start;
    lty_key_text(&start, after);
    int err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), key, value);
    if (err == 0 && key->size == start.size && memcmp(key->data, start.data, start.size) == 0) {
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, key, value);
    }
    return err;
}

int lty_ops_store_list(lty_store_txn_t *txn, const char *after, size_t limit,
                       lty_ops_store_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && after != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_STORES_PAGE_MAX) return LTY_E_INVALID_FIELD;
    page_out->stores_count = 0;
    page_out->next_after[0] = '\0';
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_STORES, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = seek_after(cursor, after, &key, &value);
    while (err == 0) {
        if (page_out->stores_count == limit) {
            memcpy(page_out->next_after, page_out->stores[limit - 1].store_id,
                   sizeof(page_out->next_after));
            break;
        }
        err = lty_record_store_decode(value, &page_out->stores[page_out->stores_count]);
        if (err != 0) break;
        page_out->stores_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Staff ------------------------------------------------------------------------------- */

static int staff_put(lty_store_txn_t *txn, const lty_staff_t *staff, bool insert)
{
    uint8_t buffer[LTY_RECORD_STAFF_BYTES_MAX];
    size_t size = lty_record_staff_encode(staff, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, staff->staff_id);
    lty_bytes_t value = {.data = buffer, .size = size};
    return insert ? lty_store_insert(txn, LTY_DB_STAFF, lty_key_bytes(&key), value)
                  : lty_store_put(txn, LTY_DB_STAFF, lty_key_bytes(&key), value);
}

int lty_ops_staff_get(lty_store_txn_t *txn, const char *staff_id, lty_staff_t *staff_out)
{
    LTY_ASSERT(txn != NULL && staff_id != NULL && staff_out != NULL);
    if (!id_ok(staff_id, LTY_STAFF_ID_BYTES_MAX)) return LTY_E_NOT_FOUND;
    lty_key_t key;
    lty_key_text(&key, staff_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_STAFF, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_staff_decode(value, staff_out);
    if (err == 0 && strcmp(staff_out->staff_id, staff_id) != 0) err = LTY_E_CORRUPT;
    return err;
}

int lty__ops_staff_active(lty_store_txn_t *txn, const char *staff_id, lty_staff_t *staff_out,
                          lty_diag_t *diag)
{
    int err = lty_ops_staff_get(txn, staff_id, staff_out);
    if (err == LTY_E_NOT_FOUND || (err == 0 && staff_out->active == 0)) {
        return lty_diag_set(diag, LTY_E_STAFF_NOT_FOUND, "/staff_id",
                            "no active staff member %.16s", staff_id);
    }
    return err;
}

static int staff_sequence_take(lty_store_txn_t *txn, uint64_t *staff_no_out)
{
    lty_key_t key;
    lty_key_text(&key, LTY_META_STAFF_SEQUENCE);
    lty_bytes_t value;
    uint64_t next = 1;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_u64_decode(value, &next);
    else if (err == LTY_E_NOT_FOUND) err = 0;
    if (err != 0) return err;
    LTY_ASSERT(next >= 1 && next < UINT64_MAX);
    uint8_t bytes[8];
    lty_record_u64_encode(next + 1, bytes);
    err = lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                        (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
    if (err == 0) *staff_no_out = next;
    return err;
}

static int staff_fields_check(lty_store_txn_t *txn, const char *name, const char *store_id,
                              lty_diag_t *diag)
{
    size_t name_size = strnlen(name, LTY_NAME_BYTES_MAX + 1);
    if (name_size == 0 || name_size > LTY_NAME_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name", "name must be 1 to %d bytes",
                            LTY_NAME_BYTES_MAX);
    }
    lty_store_record_t store;
    int err = lty_ops_store_get(txn, store_id, &store);
    if (err == LTY_E_STORE_NOT_FOUND) {
        return lty_diag_set(diag, err, "/store_id", "no store %.16s", store_id);
    }
    return err;
}

int lty_ops_staff_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_staff_new_t *staff_new, lty_staff_t *staff_out,
                         lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && staff_new != NULL && staff_out != NULL);
    if (!id_ok(staff_new->staff_id, LTY_STAFF_ID_BYTES_MAX)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/staff_id",
                            "staff_id is 1 to %d printable characters, no space or '/'",
                            LTY_STAFF_ID_BYTES_MAX);
    }
    int err = staff_fields_check(txn, staff_new->name, staff_new->store_id, diag);
    lty_staff_t existing;
    if (err == 0 && lty_ops_staff_get(txn, staff_new->staff_id, &existing) != LTY_E_NOT_FOUND) {
        return lty_diag_set(diag, LTY_E_EXISTS, "/staff_id", "staff member %s exists",
                            staff_new->staff_id);
    }
    lty_staff_t staff = {.active = 1, .created_ms = now_ms, .updated_ms = now_ms};
    if (err == 0) err = staff_sequence_take(txn, &staff.staff_no);
    if (err != 0) return err;
    snprintf(staff.staff_id, sizeof(staff.staff_id), "%s", staff_new->staff_id);
    snprintf(staff.name, sizeof(staff.name), "%s", staff_new->name);
    snprintf(staff.store_id, sizeof(staff.store_id), "%s", staff_new->store_id);
    err = staff_put(txn, &staff, true);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "staff:%s", staff.staff_id);
    if (err == 0) err = lty__ops_audit_change(txn, actor, now_ms, "staff.add", target,
                                              staff.store_id, "", staff.name);
    if (err == 0) *staff_out = staff;
    return err;
}

static int staff_change_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                              const char *staff_id, const char *field, const char *old_value,
                              const char *new_value)
{
    if (strcmp(old_value, new_value) == 0) return 0;
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "staff:%s", staff_id);
    const char *action = strcmp(field, "status") != 0       ? "staff.update"
                         : strcmp(new_value, "inactive") == 0 ? "staff.deactivate"
                                                              : "staff.activate";
    return lty__ops_audit_change(txn, actor, now_ms, action, target, field, old_value, new_value);
}

int lty_ops_staff_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_staff_patch_t *patch, lty_staff_t *staff_out,
                         lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && patch != NULL && staff_out != NULL);
    lty_staff_t old;
    int err = lty_ops_staff_get(txn, patch->staff_id, &old);
    if (err != 0) return err;
    lty_staff_t staff = old;
    if (patch->fields & LTY_STAFF_FIELD_NAME) {
        snprintf(staff.name, sizeof(staff.name), "%s", patch->name);
    }
    if (patch->fields & LTY_STAFF_FIELD_STORE) {
        snprintf(staff.store_id, sizeof(staff.store_id), "%s", patch->store_id);
    }
    if (patch->fields & LTY_STAFF_FIELD_STATUS) staff.active = patch->active ? 1 : 0;
    err = staff_fields_check(txn, staff.name, staff.store_id, diag);
    if (err != 0) return err;
    staff.updated_ms = now_ms;
    err = staff_put(txn, &staff, false);
    if (err == 0) err = staff_change_audit(txn, actor, now_ms, staff.staff_id, "name", old.name,
                                           staff.name);
    if (err == 0) err = staff_change_audit(txn, actor, now_ms, staff.staff_id, "store_id",
                                           old.store_id, staff.store_id);
    if (err == 0) err = staff_change_audit(txn, actor, now_ms, staff.staff_id, "status",
                                           old.active ? "active" : "inactive",
                                           staff.active ? "active" : "inactive");
    if (err == 0) *staff_out = staff;
    return err;
}

int lty_ops_staff_list(lty_store_txn_t *txn, const char *store, const char *after, size_t limit,
                       lty_ops_staff_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && store != NULL && after != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_STAFF_PAGE_MAX) return LTY_E_INVALID_FIELD;
    page_out->staff_count = 0;
    page_out->next_after[0] = '\0';
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_STAFF, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = seek_after(cursor, after, &key, &value);
    while (err == 0) {
        lty_staff_t staff;
        err = lty_record_staff_decode(value, &staff);
        if (err != 0) break;
        if (store[0] == '\0' || strcmp(staff.store_id, store) == 0) {
            if (page_out->staff_count == limit) {
                memcpy(page_out->next_after, page_out->staff[limit - 1].staff_id,
                       sizeof(page_out->next_after));
                break;
            }
            page_out->staff[page_out->staff_count++] = staff;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

void lty__ops_commission_postings(lty_journal_entry_t *entry, const lty_staff_t *staff,
                                  int64_t cents)
{
    LTY_ASSERT(entry != NULL && staff != NULL);
    LTY_ASSERT(staff->staff_no != 0 && cents != 0);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_COMMISSION_PAYABLE, staff->staff_no, cents);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_COMMISSION_EXPENSE, 0, -cents);
}
