/* SPDX-License-Identifier: MIT */
/* Operator handlers for webhook subscriptions: create one (the secret is made here and shown
 * once), list them with their delivery state, read a subscription's delivery log and dead
 * letters, and replay its events from a sequence. Delivery itself is daemon/src/webhooks.c;
 * the records and the cursor rules are domain/ops_webhook.c. */
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_crypto.h"
#include "ops_webhook.h"
#include "render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define WEBHOOK_EVENT_TYPES_MAX 32
#define WEBHOOK_LIST_MAX 100 /* subscriptions in one listing */

typedef struct webhook_command_s {
    char url[LTY_WEBHOOK_URL_BYTES_MAX + 1];
    char event_types[LTY_WEBHOOK_TYPES_BYTES_MAX + 1];
    char secret[LTY_WEBHOOK_SECRET_BYTES + 1];
    bool from_now;
    uint64_t after_seq;
    uint64_t subscription_id; /* replay */
} webhook_command_t;

static void webhook_render(lty_json_writer_t *writer, const lty_webhook_t *webhook, bool secret)
{
    LTY_ASSERT(webhook != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "subscription_id", (int64_t)webhook->subscription_id);
    lty_jw_kv_string(writer, "url", webhook->url);
    lty_jw_key(writer, "event_types");
    lty_jw_array_begin(writer);
    for (const char *item = webhook->event_types; *item != '\0';) {
        const char *comma = strchr(item, ',');
        size_t size = comma != NULL ? (size_t)(comma - item) : strlen(item);
        char type[LTY_WEBHOOK_TYPES_BYTES_MAX + 1];
        memcpy(type, item, size);
        type[size] = '\0';
        lty_jw_string(writer, type);
        item += size + (comma != NULL ? 1 : 0);
    }
    lty_jw_array_end(writer);
    if (secret) lty_jw_kv_string(writer, "secret", webhook->secret);
    lty_jw_kv_int(writer, "cursor_seq", (int64_t)webhook->cursor_seq);
    lty_jw_kv_int(writer, "failures", (int64_t)webhook->failures);
    if (webhook->next_attempt_ms != 0) {
        lty_api_render_time(writer, "next_attempt_at", webhook->next_attempt_ms);
    }
    lty_jw_kv_int(writer, "delivered", (int64_t)webhook->delivered_count);
    lty_jw_kv_int(writer, "dead_letters", (int64_t)webhook->dead_count);
    lty_jw_object_end(writer);
}

/* An operator's webhook action on the audit trail: a subscription decides where the
 * programme's events go outside the system. */
static int webhook_audit(lty_job_t *job, lty_store_txn_t *txn, const char *action,
                         uint64_t subscription_id, const char *detail)
{
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "webhook:%" PRIu64, subscription_id);
    return lty_ops_audit_event(txn, lty_api_job_actor(job), job->now_ms, action, target, detail);
}

/* ---- POST /v1/admin/webhooks -------------------------------------------------------------- */

static int webhook_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const webhook_command_t *command = lty_api_job_command(job);
    lty_webhook_t webhook;
    int err = lty_ops_webhook_create(txn, command->url, command->event_types, command->secret,
                                     job->now_ms, command->from_now, command->after_seq, &webhook);
    if (err == 0) {
        /* The record keeps LTY_AUDIT_VALUE_BYTES_MAX of it: a long type list is cut there. */
        char detail[LTY_WEBHOOK_URL_BYTES_MAX + LTY_WEBHOOK_TYPES_BYTES_MAX + 48];
        snprintf(detail, sizeof(detail), "to %s, types %s, after %" PRIu64, webhook.url,
                 webhook.event_types, webhook.cursor_seq);
        err = webhook_audit(job, txn, "webhook.create", webhook.subscription_id, detail);
    }
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    webhook_render(&writer, &webhook, true);
    return lty_api_job_reply(job, 201);
}

/* An event type: a-z, '_' and '.', or "*" for every type. */
static bool event_type_valid(const char *type)
{
    if (strcmp(type, "*") == 0) return true;
    if (type[0] == '\0') return false;
    for (const char *c = type; *c != '\0'; c++) {
        if (!((*c >= 'a' && *c <= 'z') || *c == '_' || *c == '.')) return false;
    }
    return true;
}

static int event_types_parse(const lty_json_node_t *root, char *out, size_t out_size,
                             lty_diag_t *diag)
{
    const lty_json_node_t *types = NULL;
    size_t count = 0;
    int err = lty_json_get_array(root, "", "event_types", true, WEBHOOK_EVENT_TYPES_MAX, &types,
                                 &count, diag);
    if (err != 0) return err;
    if (count == 0) return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/event_types", "empty list");
    size_t used = 0;
    out[0] = '\0';
    for (size_t index = 0; index < count; index++) {
        const char *type = lty_json_node_string(lty_json_item(types, index));
        if (type == NULL || !event_type_valid(type)) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/event_types",
                                "item %zu must be an event type (a-z, '_', '.') or \"*\"", index);
        }
        int written = snprintf(out + used, out_size - used, "%s%s", index > 0 ? "," : "", type);
        if (written < 0 || (size_t)written >= out_size - used) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/event_types",
                                "the types take more than %d bytes", LTY_WEBHOOK_TYPES_BYTES_MAX);
        }
        used += (size_t)written;
    }
    return 0;
}

static int webhook_create_parse(const lty_json_node_t *root, webhook_command_t *command,
                                lty_diag_t *diag)
{
    static const char *const keys[] = {"url", "event_types", "after_seq", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "url", true, 8, LTY_WEBHOOK_URL_BYTES_MAX,
                                  command->url, sizeof(command->url), NULL, diag);
    }
    if (err == 0 && strncmp(command->url, "http://", 7) != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/url",
                           "must be an http:// URL (put a TLS proxy in front of an https one)");
    }
    if (err == 0) {
        err = event_types_parse(root, command->event_types, sizeof(command->event_types), diag);
    }
    int64_t after = 0;
    bool present = false;
    if (err == 0) {
        err = lty_json_get_int(root, "", "after_seq", false, 0, LTY_JSON_INT_MAX, &after,
                               &present, diag);
    }
    command->from_now = !present;
    command->after_seq = (uint64_t)after;
    return err;
}

/* The secret: 32 random bytes as 64 hex digits, the HMAC key exactly as the user gets it. */
static int secret_make(char out[LTY_WEBHOOK_SECRET_BYTES + 1])
{
    uint8_t random[LTY_WEBHOOK_SECRET_BYTES / 2];
    int err = lty_crypto_random(random, sizeof(random));
    if (err != 0) return err;
    for (size_t index = 0; index < sizeof(random); index++) {
        snprintf(out + 2 * index, 3, "%02x", random[index]);
    }
    return 0;
}

int lty_api_admin_webhook_create(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    webhook_command_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? webhook_create_parse(lty_json_doc_root(doc), command, &diag)
                              : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err == 0) err = secret_make(command->secret);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, webhook_create_apply, command, lty_free);
}

/* ---- POST /v1/admin/webhooks/{id}/replay -------------------------------------------------- */

static int webhook_replay_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const webhook_command_t *command = lty_api_job_command(job);
    lty_webhook_t webhook;
    int err = lty_ops_webhook_replay(txn, command->subscription_id, command->after_seq, &webhook);
    if (err == 0) {
        char detail[64];
        snprintf(detail, sizeof(detail), "events after %" PRIu64 " sent again",
                 command->after_seq);
        err = webhook_audit(job, txn, "webhook.replay", command->subscription_id, detail);
    }
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    webhook_render(&writer, &webhook, false);
    return lty_api_job_reply(job, 200);
}

static bool subscription_param(lty_exchange_t *exchange, const lty_route_params_t *params,
                               uint64_t *id_out)
{
    LTY_ASSERT(params->count >= 1);
    if (lty_api_parse_id(params->values[0], id_out) == 0) return true;
    lty_api_reply_error(exchange, LTY_E_NOT_FOUND, NULL);
    return false;
}

int lty_api_admin_webhook_replay(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    uint64_t id = 0;
    if (!subscription_param(exchange, params, &id)) return LTY_API_DONE;
    int64_t after = 0;
    if (lty_api_body_int_parse(exchange, "after_seq", 0, LTY_JSON_INT_MAX, &after) != 0) {
        return LTY_API_DONE;
    }
    webhook_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    command->subscription_id = id;
    command->after_seq = (uint64_t)after;
    return lty_api_submit(api, exchange, webhook_replay_apply, command, lty_free);
}

/* ---- Reads --------------------------------------------------------------------------------- */

int lty_api_admin_webhook_list(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_WEBHOOKS, &cursor);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "subscriptions");
    lty_jw_array_begin(&writer);
    lty_bytes_t none = {0}, value = {0};
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, none, NULL, &value);
    for (int count = 0; err == 0 && count < WEBHOOK_LIST_MAX; count++) {
        lty_webhook_t webhook;
        err = lty_record_webhook_decode(value, &webhook);
        if (err == 0) webhook_render(&writer, &webhook, false);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, NULL, &value);
    }
    lty_store_cursor_close(cursor);
    lty_store_txn_abort(txn);
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    if (err != 0 && err != LTY_E_NOT_FOUND) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}

static void delivery_render(lty_json_writer_t *writer, const lty_webhook_delivery_t *delivery)
{
    static const char *const outcomes[] = {"", "delivered", "failed", "dead"};
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "seq", (int64_t)delivery->seq);
    lty_jw_kv_int(writer, "attempt", (int64_t)delivery->attempt);
    lty_jw_kv_string(writer, "outcome", outcomes[delivery->outcome]);
    lty_jw_kv_int(writer, "http_status", delivery->http_status);
    if (delivery->detail[0] != '\0') lty_jw_kv_string(writer, "detail", delivery->detail);
    lty_api_render_time(writer, "at", delivery->at_ms);
    lty_jw_object_end(writer);
}

/* The records of one subscription in db (delivery log or dead letters), newest first. */
static int deliveries_render(lty_store_txn_t *txn, lty_db_t db, uint64_t id,
                             lty_json_writer_t *writer)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    if (err != 0) return err == LTY_E_NOT_FOUND ? 0 : err;
    lty_key_t start;
    lty_key_member_entry(&start, id + 1, 1); /* just past this subscription's records */
    lty_bytes_t key = {0}, value = {0}, none = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    err = err == 0 ? lty_store_cursor_seek(cursor, LTY_SEEK_PREV, none, &key, &value)
                   : lty_store_cursor_seek(cursor, LTY_SEEK_LAST, none, &key, &value);
    for (int count = 0; err == 0 && count < LTY_WEBHOOK_LOG_KEPT; count++) {
        uint64_t owner = 0;
        if (!lty_key_u64_at(key, 0, &owner) || owner != id) break;
        lty_webhook_delivery_t delivery;
        err = lty_record_webhook_delivery_decode(value, &delivery);
        if (err == 0) delivery_render(writer, &delivery);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, none, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static int deliveries_reply(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params, lty_db_t db, const char *name)
{
    uint64_t id = 0;
    if (!subscription_param(exchange, params, &id)) return LTY_API_DONE;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_webhook_t webhook;
    err = lty_ops_webhook_get(txn, id, &webhook);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "subscription_id", (int64_t)id);
    lty_jw_key(&writer, name);
    lty_jw_array_begin(&writer);
    if (err == 0) err = deliveries_render(txn, db, id, &writer);
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    lty_store_txn_abort(txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_webhook_deliveries(lty_api_t *api, lty_exchange_t *exchange,
                                     const lty_route_params_t *params)
{
    return deliveries_reply(api, exchange, params, LTY_DB_WEBHOOK_LOG, "deliveries");
}

int lty_api_admin_webhook_dead_letters(lty_api_t *api, lty_exchange_t *exchange,
                                       const lty_route_params_t *params)
{
    return deliveries_reply(api, exchange, params, LTY_DB_WEBHOOK_DEAD, "dead_letters");
}
