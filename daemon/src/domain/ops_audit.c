/* SPDX-License-Identifier: MIT */
/* The audit log: who did what to which target, when, from where, with the old and new values.
 * Every operator action, every domain write that needs a trail and every security event appends
 * one record here; records naming a member ("member:<id>") are also indexed per member for the
 * member's audit page.
 *
 * The records form a hash chain (schema 7): each carries the hash of the one before it and its
 * own, SHA-256 over that previous hash and its canonical encoding (records.c). Changing, removing
 * or inserting a record breaks the chain at that record, which `loyaltyctl verify` names. The
 * chain's head is the last record, read in the same write transaction that appends: the writer
 * is the only appender, so two records can never claim the same predecessor.
 *
 * Not here: journal entries (ops_journal.c), which record money and points, not actions. */
#include "lty/lty_assert.h"
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lty__ops_principal(const lty_actor_t *actor)
{
    LTY_ASSERT(actor != NULL);
    LTY_ASSERT(strnlen(actor->principal, sizeof(actor->principal)) < sizeof(actor->principal));
    return actor->principal[0] != '\0' ? actor->principal : "system";
}

/* "member:42" -> 42; 0 for any other target. */
uint64_t lty__ops_audit_target_member(const char *target)
{
    static const char prefix[] = "member:";
    if (strncmp(target, prefix, sizeof(prefix) - 1) != 0) return 0;
    const char *digits = target + sizeof(prefix) - 1;
    if (digits[0] < '1' || digits[0] > '9' || strlen(digits) > 19) return 0;
    char *end = NULL;
    unsigned long long id = strtoull(digits, &end, 10);
    return end != NULL && *end == '\0' ? (uint64_t)id : 0;
}

/* The chain's head: the last record's id and hash (0 and zeros while the log is empty). */
static int audit_head(lty_store_txn_t *txn, uint64_t *id_out, uint8_t hash_out[32])
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_AUDIT, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    lty_audit_t last; /* ~1.2 KiB: fine on the writer's stack */
    err = lty_store_cursor_seek(cursor, LTY_SEEK_LAST, (lty_bytes_t){0}, &key, &value);
    *id_out = 0;
    memset(hash_out, 0, LTY_AUDIT_HASH_BYTES);
    if (err == 0) err = lty_record_audit_decode(value, &last);
    /* An unchained (version 1) head means the store was not migrated: never extend it. */
    if (err == 0 && (!last.chained || key.size != 8)) err = LTY_E_CORRUPT;
    if (err == 0) {
        *id_out = last.audit_id;
        memcpy(hash_out, last.hash, LTY_AUDIT_HASH_BYTES);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* Chain audit to the head, encode and append it, and index it under its member. */
static int audit_append(lty_store_txn_t *txn, lty_audit_t *audit)
{
    uint64_t last_id = 0;
    int err = audit_head(txn, &last_id, audit->prev_hash);
    if (err != 0) return err;
    LTY_ASSERT(last_id < UINT64_MAX);
    audit->audit_id = last_id + 1;
    audit->chained = true;
    lty_record_audit_hash(audit, audit->hash);
    uint8_t buffer[LTY_RECORD_AUDIT_BYTES_MAX];
    size_t size = lty_record_audit_encode(audit, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, audit->audit_id);
    err = lty_store_append(txn, LTY_DB_AUDIT, lty_key_bytes(&key),
                           (lty_bytes_t){.data = buffer, .size = size});
    uint64_t member_id = lty__ops_audit_target_member(audit->target);
    if (err == 0 && member_id != 0) {
        lty_key_member_entry(&key, member_id, audit->audit_id);
        err = lty_store_put(txn, LTY_DB_AUDIT_BY_MEMBER, lty_key_bytes(&key),
                            (lty_bytes_t){.data = "", .size = 0});
    }
    return err;
}

int lty__ops_audit_change(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const char *action, const char *target, const char *detail,
                          const char *old_value, const char *new_value)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(action != NULL && target != NULL && detail != NULL);
    LTY_ASSERT(old_value != NULL && new_value != NULL);
    lty_audit_t audit;
    memset(&audit, 0, sizeof(audit));
    audit.created_ms = now_ms;
    snprintf(audit.principal, sizeof(audit.principal), "%s", lty__ops_principal(actor));
    snprintf(audit.action, sizeof(audit.action), "%s", action);
    snprintf(audit.target, sizeof(audit.target), "%s", target);
    snprintf(audit.detail, sizeof(audit.detail), "%s", detail);
    snprintf(audit.old_value, sizeof(audit.old_value), "%s", old_value);
    snprintf(audit.new_value, sizeof(audit.new_value), "%s", new_value);
    snprintf(audit.remote_addr, sizeof(audit.remote_addr), "%s", actor->remote_addr);
    return audit_append(txn, &audit);
}

int lty_ops_audit_event(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const char *action, const char *target, const char *detail)
{
    return lty__ops_audit(txn, actor, now_ms, action, target, detail);
}

int lty__ops_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                   const char *action, const char *target, const char *detail)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(action != NULL && target != NULL && detail != NULL);
    return lty__ops_audit_change(txn, actor, now_ms, action, target, detail, "", "");
}

int lty_ops_member_audit_page(lty_store_txn_t *txn, uint64_t member_id, uint64_t after,
                              size_t limit, lty_ops_audit_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_AUDIT_PAGE_MAX) return LTY_E_INVALID_FIELD;
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    page_out->audits_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_AUDIT_BY_MEMBER, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty__ops_index_seek_before(cursor, member_id, after != 0 ? after : UINT64_MAX, &key,
                                     &value);
    while (err == 0) {
        uint64_t owner = 0, audit_id = 0;
        if (!lty_key_u64_at(key, 0, &owner) || owner != member_id) break;
        if (key.size != 16 || !lty_key_u64_at(key, 8, &audit_id)) {
            err = LTY_E_CORRUPT;
            break;
        }
        if (page_out->audits_count == limit) {
            page_out->next_after = page_out->audits[limit - 1].audit_id;
            break;
        }
        lty_key_t audit_key;
        lty_key_id(&audit_key, audit_id);
        lty_bytes_t audit_value;
        err = lty_store_get(txn, LTY_DB_AUDIT, lty_key_bytes(&audit_key), &audit_value);
        if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
        if (err == 0) err = lty_record_audit_decode(audit_value,
                                                    &page_out->audits[page_out->audits_count]);
        if (err != 0) break;
        page_out->audits_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_audit_log_page(lty_store_txn_t *txn, uint64_t after, size_t limit,
                           lty_ops_audit_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_AUDIT_PAGE_MAX) return LTY_E_INVALID_FIELD;
    page_out->audits_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_AUDIT, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, after < UINT64_MAX ? after + 1 : after);
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        if (page_out->audits_count == limit) {
            page_out->next_after = page_out->audits[limit - 1].audit_id;
            break;
        }
        lty_audit_t *audit = &page_out->audits[page_out->audits_count];
        uint64_t id = 0;
        if (key.size != 8 || !lty_key_u64_at(key, 0, &id)) err = LTY_E_CORRUPT;
        if (err == 0) err = lty_record_audit_decode(value, audit);
        if (err == 0 && audit->audit_id != id) err = LTY_E_CORRUPT;
        if (err != 0) break;
        page_out->audits_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_audit_chain_build(lty_store_txn_t *txn, uint64_t *records_out)
{
    LTY_ASSERT(txn != NULL && records_out != NULL);
    *records_out = 0;
    lty_audit_t *audit = lty_alloc(sizeof(*audit));
    if (audit == NULL) return LTY_E_NOMEM;
    uint8_t prev_hash[LTY_AUDIT_HASH_BYTES] = {0};
    uint64_t after = 0;
    int err = 0;
    /* One cursor per record: the put below would invalidate a cursor's views. */
    while (err == 0) {
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_cursor_open(txn, LTY_DB_AUDIT, &cursor);
        if (err != 0) break;
        lty_key_t key;
        lty_key_id(&key, after + 1);
        lty_bytes_t found_key = {0}, value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&key), &found_key,
                                    &value);
        if (err == 0) err = lty_record_audit_decode(value, audit);
        lty_store_cursor_close(cursor);
        if (err != 0) break;
        LTY_ASSERT(audit->audit_id > after);
        memcpy(audit->prev_hash, prev_hash, sizeof(prev_hash));
        audit->chained = true;
        lty_record_audit_hash(audit, audit->hash);
        uint8_t buffer[LTY_RECORD_AUDIT_BYTES_MAX];
        size_t size = lty_record_audit_encode(audit, buffer, sizeof(buffer));
        lty_key_id(&key, audit->audit_id);
        err = lty_store_put(txn, LTY_DB_AUDIT, lty_key_bytes(&key),
                            (lty_bytes_t){.data = buffer, .size = size});
        memcpy(prev_hash, audit->hash, sizeof(prev_hash));
        after = audit->audit_id;
        (*records_out)++;
    }
    lty_free(audit);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
