/* SPDX-License-Identifier: MIT */
/* Earning rules as operators run them: add, list, rename, pause, resume, end, or move the end
 * date. Each rule is stored in RULES as its definition's canonical JSON inside a record that
 * holds its life (status, times); every change writes a fresh settings stamp, so the next
 * request of every thread evaluates the new set (settings.c).
 *
 * Policies (docs/programme.md "Earning rules"): what a rule matches and does never changes once
 * it is added (add another rule instead), so every sale's rules_applied keeps meaning what it
 * said, and a cap counts from the rule's first sale; an ended rule never comes back. At most
 * LTY_RULES_LIVE_MAX rules are active or paused at once. */
#include "calendar.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int rule_record_put(lty_store_txn_t *txn, const lty_rule_t *rule)
{
    static _Thread_local lty_rule_record_t record;
    static _Thread_local uint8_t buffer[LTY_RECORD_RULE_BYTES_MAX];
    lty_buf_t json;
    lty_buf_init(&json, LTY_RULE_JSON_BYTES_MAX);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &json);
    lty_jw_object_begin(&writer);
    lty_rule_definition_render(rule, &writer);
    lty_jw_object_end(&writer);
    int err = lty_buf_error(&json);
    if (err == 0 && json.size > LTY_RULE_JSON_BYTES_MAX) err = LTY_E_INVALID_FIELD;
    if (err == 0) {
        record.rule_id = rule->rule_id;
        record.status = rule->status;
        record.created_ms = rule->created_ms;
        record.updated_ms = rule->updated_ms;
        record.json_size = json.size;
        memcpy(record.json, json.data, json.size);
        record.json[json.size] = '\0';
        size_t size = lty_record_rule_encode(&record, buffer, sizeof(buffer));
        lty_key_t key;
        lty_key_id(&key, rule->rule_id);
        err = lty_store_put(txn, LTY_DB_RULES, lty_key_bytes(&key),
                            (lty_bytes_t){.data = buffer, .size = size});
    }
    lty_buf_deinit(&json);
    return err;
}

static int rule_decode(lty_bytes_t value, lty_rule_t *rule_out)
{
    static _Thread_local lty_rule_record_t record;
    int err = lty_record_rule_decode(value, &record);
    if (err != 0) return err;
    memset(rule_out, 0, sizeof(*rule_out));
    rule_out->rule_id = record.rule_id;
    rule_out->status = record.status;
    rule_out->created_ms = record.created_ms;
    rule_out->updated_ms = record.updated_ms;
    return lty_rule_parse_text(record.json, record.json_size, rule_out, NULL) == 0
               ? 0
               : LTY_E_CORRUPT;
}

int lty_ops_rule_get(lty_store_txn_t *txn, uint64_t rule_id, lty_rule_t *rule_out)
{
    LTY_ASSERT(txn != NULL && rule_out != NULL);
    if (rule_id == 0) return LTY_E_RULE_NOT_FOUND;
    lty_key_t key;
    lty_key_id(&key, rule_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_RULES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_RULE_NOT_FOUND;
    if (err == 0) err = rule_decode(value, rule_out);
    if (err == 0 && rule_out->rule_id != rule_id) err = LTY_E_CORRUPT;
    return err;
}

/* The stores a rule names exist, its tiers are the programme's. */
static int rule_references_check(lty_store_txn_t *txn, const lty_programme_t *programme,
                                 const lty_rule_t *rule, lty_diag_t *diag)
{
    for (uint32_t index = 0; index < rule->stores_count; index++) {
        lty_store_record_t store;
        int err = lty_ops_store_get(txn, rule->stores[index], &store);
        char field[32];
        snprintf(field, sizeof(field), "/match/stores/%u", index);
        if (err == LTY_E_STORE_NOT_FOUND) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "no store %s",
                                rule->stores[index]);
        }
        if (err != 0) return err;
    }
    for (uint32_t index = 0; index < rule->tiers_count; index++) {
        bool known = false;
        for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
            known = known || strcmp(programme->tiers[tier].name, rule->tiers[index]) == 0;
        }
        if (!known) {
            char field[32];
            snprintf(field, sizeof(field), "/match/tiers/%u", index);
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                                "the programme has no tier %s", rule->tiers[index]);
        }
    }
    return 0;
}

static int live_count(lty_store_txn_t *txn, size_t *count_out)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_RULES, &cursor);
    if (err != 0) return err;
    static _Thread_local lty_rule_record_t record;
    lty_bytes_t key = {0}, value = {0};
    size_t count = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        err = lty_record_rule_decode(value, &record);
        if (err == 0 && record.status != LTY_RULE_ENDED) count++;
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    *count_out = count;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_rule_create(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms, const lty_rule_t *rule,
                        lty_rule_t *rule_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(rule != NULL && rule_out != NULL);
    if (rule->status != LTY_RULE_ACTIVE && rule->status != LTY_RULE_PAUSED) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status",
                            "a new rule is active or paused");
    }
    int err = rule_references_check(txn, programme, rule, diag);
    size_t live = 0;
    if (err == 0) err = live_count(txn, &live);
    if (err == 0 && live >= LTY_RULES_LIVE_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "%d rules are live: end one first",
                            LTY_RULES_LIVE_MAX);
    }
    static _Thread_local lty_rule_t stored;
    stored = *rule;
    if (err == 0) err = lty__ops_id_next(txn, LTY_DB_RULES, &stored.rule_id);
    stored.created_ms = now_ms;
    stored.updated_ms = now_ms;
    if (err == 0) err = rule_record_put(txn, &stored);
    if (err == 0) err = lty_settings_stamp_bump(txn);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "rule:%" PRIu64, stored.rule_id);
    if (err == 0) err = lty__ops_audit_change(txn, actor, now_ms, "rule.add", target,
                                              lty_rule_status_name(stored.status), "",
                                              stored.name);
    if (err == 0) *rule_out = stored;
    return err;
}

static int rule_change_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                             uint64_t rule_id, const char *action, const char *field,
                             const char *old_value, const char *new_value)
{
    if (strcmp(old_value, new_value) == 0) return 0;
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "rule:%" PRIu64, rule_id);
    return lty__ops_audit_change(txn, actor, now_ms, action, target, field, old_value, new_value);
}

static const char *status_action(uint8_t status)
{
    switch (status) {
    case LTY_RULE_PAUSED: return "rule.pause";
    case LTY_RULE_ENDED: return "rule.end";
    default: return "rule.resume";
    }
}

/* The rule after the patch, checked: a new end date may not precede the start. */
static int rule_patch_apply(const lty_ops_rule_patch_t *patch, lty_rule_t *rule, lty_diag_t *diag)
{
    if (patch->fields & LTY_RULE_FIELD_NAME) {
        size_t size = strnlen(patch->name, sizeof(patch->name));
        if (size == 0 || size > LTY_RULE_NAME_BYTES_MAX) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name", "name is 1 to %d bytes",
                                LTY_RULE_NAME_BYTES_MAX);
        }
        snprintf(rule->name, sizeof(rule->name), "%s", patch->name);
    }
    if (patch->fields & LTY_RULE_FIELD_STATUS) {
        if (patch->status < LTY_RULE_ACTIVE || patch->status > LTY_RULE_ENDED) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status",
                                "status is active, paused or ended");
        }
        rule->status = patch->status;
    }
    if (patch->fields & LTY_RULE_FIELD_VALID_TO) {
        if (patch->valid_to_day < rule->valid_from_day) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/valid_to",
                                "valid_to is before the rule's valid_from");
        }
        rule->valid_to_day = patch->valid_to_day;
    }
    return 0;
}

int lty_ops_rule_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_rule_patch_t *patch, lty_rule_t *rule_out,
                        lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && patch != NULL && rule_out != NULL);
    static _Thread_local lty_rule_t old, rule;
    int err = lty_ops_rule_get(txn, patch->rule_id, &old);
    if (err != 0) return err;
    if (old.status == LTY_RULE_ENDED) {
        return lty_diag_set(diag, LTY_E_RULE_ENDED, "/status",
                            "rule %" PRIu64 " has ended; add a new rule", patch->rule_id);
    }
    rule = old;
    err = rule_patch_apply(patch, &rule, diag); /* paused <-> active keeps the live count */
    if (err != 0) return err;
    rule.updated_ms = now_ms;
    err = rule_record_put(txn, &rule);
    if (err == 0) err = lty_settings_stamp_bump(txn);
    if (err == 0) err = rule_change_audit(txn, actor, now_ms, rule.rule_id, "rule.update",
                                          "name", old.name, rule.name);
    if (err == 0) err = rule_change_audit(txn, actor, now_ms, rule.rule_id,
                                          status_action(rule.status), "status",
                                          lty_rule_status_name(old.status),
                                          lty_rule_status_name(rule.status));
    char before[LTY_CAL_DATE_BYTES + 8] = "open", after[LTY_CAL_DATE_BYTES + 8] = "open";
    if (old.valid_to_day != LTY_RULE_DAY_OPEN_MAX) lty_cal_date_format(old.valid_to_day, before);
    if (rule.valid_to_day != LTY_RULE_DAY_OPEN_MAX) lty_cal_date_format(rule.valid_to_day, after);
    if (err == 0) err = rule_change_audit(txn, actor, now_ms, rule.rule_id, "rule.update",
                                          "valid_to", before, after);
    if (err == 0) *rule_out = rule;
    return err;
}

int lty_ops_rule_list(lty_store_txn_t *txn, uint64_t after, size_t limit, bool include_ended,
                      lty_ops_rule_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    if (limit < 1 || limit > LTY_OPS_RULES_PAGE_MAX) return LTY_E_INVALID_FIELD;
    page_out->rules_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_RULES, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, after < UINT64_MAX ? after + 1 : after);
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        static _Thread_local lty_rule_t rule;
        err = rule_decode(value, &rule);
        if (err != 0) break;
        if (include_ended || rule.status != LTY_RULE_ENDED) {
            if (page_out->rules_count == limit) {
                page_out->next_after = page_out->rules[limit - 1].rule_id;
                break;
            }
            page_out->rules[page_out->rules_count++] = rule;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
