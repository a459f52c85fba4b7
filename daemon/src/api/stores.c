/* SPDX-License-Identifier: MIT */
/* Operator handlers for stores and staff: add, list, and PATCH to rename, move, close or reopen
 * a store and to rename, move or deactivate a staff member. The rules (ids, closing, audit) are
 * ops_store.c's; a closed store's tills are refused centrally by the dispatcher (dispatch.c).
 * Both resources have the same shape, so one table of text fields per body drives the parsing,
 * and one submit and one page rendering serve both. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A text field of a body: its key, whether it is required, its bounds in bytes, where it goes in
 * the command, and (a PATCH) the flag saying it was given. */
typedef struct text_field_s {
    const char *key;
    bool required;
    size_t min;
    size_t max;
    size_t offset;
    uint32_t flag;
} text_field_t;

#define TEXT_FIELD(type, member, key, required, min, max, flag)                               \
    {key, required, min, max, offsetof(type, member), flag}

/* A body's shape: its text fields, and for a PATCH the two words of "status" (NULL: none) with
 * where the answer goes, where the given flags go and the flag of "status". */
typedef struct body_shape_s {
    const text_field_t *fields;
    size_t fields_count;
    const char *status_on;      /* "open" / "active": true */
    const char *status_off;     /* "closed" / "inactive": false */
    size_t status_offset;       /* bool in the command */
    size_t fields_offset;       /* uint32_t in the command: the flags of what was given */
    uint32_t status_flag;
    const char *nothing_given;  /* a PATCH's message when nothing is given */
} body_shape_t;

/* The "status" word of a PATCH: one of two, into *on (true for the first). */
static int status_parse(const lty_json_node_t *root, const body_shape_t *shape, bool *given_out,
                        bool *on_out, lty_diag_t *diag)
{
    char status[16] = "";
    int err = lty_json_get_string(root, "", "status", false, 1, sizeof(status) - 1, status,
                                  sizeof(status), given_out, diag);
    if (err != 0 || !*given_out) return err;
    if (strcmp(status, shape->status_on) != 0 && strcmp(status, shape->status_off) != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status", "status is %s or %s",
                            shape->status_on, shape->status_off);
    }
    *on_out = strcmp(status, shape->status_on) == 0;
    return 0;
}

/* Parse root (unknown keys refused) into command as shape says. */
static int body_fields_parse(const lty_json_node_t *root, const body_shape_t *shape,
                             uint8_t *command, lty_diag_t *diag)
{
    const char *keys[8];
    size_t keys_count = 0;
    for (size_t index = 0; index < shape->fields_count; index++) {
        keys[keys_count++] = shape->fields[index].key;
    }
    if (shape->status_on != NULL) keys[keys_count++] = "status";
    keys[keys_count] = NULL;
    LTY_ASSERT(keys_count < sizeof(keys) / sizeof(keys[0]));
    uint32_t given_flags = 0;
    int err = lty_json_keys_check(root, "", keys, diag);
    for (size_t index = 0; err == 0 && index < shape->fields_count; index++) {
        const text_field_t *field = &shape->fields[index];
        bool given = false;
        err = lty_json_get_string(root, "", field->key, field->required, field->min, field->max,
                                  (char *)command + field->offset, field->max + 1, &given, diag);
        if (given) given_flags |= field->flag;
    }
    if (err == 0 && shape->status_on != NULL) {
        bool given = false;
        err = status_parse(root, shape, &given, (bool *)(command + shape->status_offset), diag);
        if (given) given_flags |= shape->status_flag;
    }
    if (shape->nothing_given == NULL) return err;
    memcpy(command + shape->fields_offset, &given_flags, sizeof(given_flags));
    if (err == 0 && given_flags == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "%s", shape->nothing_given);
    }
    return err;
}

/* The path's id of a PATCH: copied to the command; one longer than id_max names nothing. */
typedef struct path_id_s {
    const char *value;
    size_t id_max;
    size_t offset;
    int not_found;
} path_id_t;

/* What body_parse needs: the body's shape and the path's id (NULL for none). */
typedef struct body_context_s {
    const body_shape_t *shape;
    const path_id_t *id;
} body_context_t;

static int body_parse(const lty_json_node_t *root, void *command, const void *context,
                      lty_diag_t *diag)
{
    const body_context_t *body = context;
    int err = body_fields_parse(root, body->shape, command, diag);
    const path_id_t *id = body->id;
    if (err != 0 || id == NULL) return err;
    if (strlen(id->value) > id->id_max) return id->not_found;
    snprintf((char *)command + id->offset, id->id_max + 1, "%s", id->value);
    return 0;
}

/* Parse the body into a new command of command_size (and the path's id, or NULL) and submit
 * apply_cb with it; a refusal is answered here. */
static int body_submit(lty_api_t *api, lty_exchange_t *exchange, const body_shape_t *shape,
                       size_t command_size, const path_id_t *id, lty_job_apply_cb apply_cb)
{
    body_context_t context = {shape, id};
    return lty_api_body_submit(api, exchange, command_size, body_parse, &context, apply_cb);
}

/* The list query of stores and staff: after (an id) and limit. */
static int page_query(const lty_exchange_t *exchange, char *after, size_t after_size,
                      int64_t limit_max, int64_t *limit_out, lty_diag_t *diag)
{
    *limit_out = limit_max < 100 ? limit_max : 100;
    int err = lty_api_query_string(exchange, "after", after, after_size, NULL, diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, limit_max, limit_out, NULL, diag);
    return err;
}

/* {"KEY":[items],"next_after":id|null}: render(writer, items, index) renders one item. */
typedef void (*item_render_cb)(lty_json_writer_t *writer, const void *items, size_t index);

static void page_render(lty_exchange_t *exchange, const char *key, const void *items,
                        size_t count, item_render_cb render, const char *next_after)
{
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, key);
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < count; index++) render(&writer, items, index);
    lty_jw_array_end(&writer);
    lty_jw_key(&writer, "next_after");
    if (next_after[0] != '\0') lty_jw_string(&writer, next_after);
    else lty_jw_null(&writer);
    lty_jw_object_end(&writer);
}

/* ---- Stores ---------------------------------------------------------------------------------- */

static const text_field_t store_new_fields[] = {
    TEXT_FIELD(lty_ops_store_new_t, store_id, "store_id", true, 1, LTY_STORE_ID_BYTES_MAX, 0),
    TEXT_FIELD(lty_ops_store_new_t, name, "name", true, 1, LTY_STORE_NAME_BYTES_MAX, 0),
    TEXT_FIELD(lty_ops_store_new_t, region, "region", false, 0, LTY_STORE_REGION_BYTES_MAX, 0),
};
static const body_shape_t store_new_shape = {store_new_fields, 3, NULL, NULL, 0, 0, 0, NULL};

static const text_field_t store_patch_fields[] = {
    TEXT_FIELD(lty_ops_store_patch_t, name, "name", false, 1, LTY_STORE_NAME_BYTES_MAX,
               LTY_STORE_FIELD_NAME),
    TEXT_FIELD(lty_ops_store_patch_t, region, "region", false, 0, LTY_STORE_REGION_BYTES_MAX,
               LTY_STORE_FIELD_REGION),
};
static const body_shape_t store_patch_shape = {
    store_patch_fields, 2, "open", "closed", offsetof(lty_ops_store_patch_t, open),
    offsetof(lty_ops_store_patch_t, fields), LTY_STORE_FIELD_STATUS,
    "give name, region or status"};

/* The answer to a new store (201) or a PATCH (200), or the refusal. */
static int store_reply(lty_job_t *job, int err, const lty_store_record_t *store,
                       const lty_diag_t *diag, int status)
{
    if (err != 0) return lty_api_job_refuse(job, err, diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_store(&writer, store);
    return lty_api_job_reply(job, status);
}

static int store_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_store_record_t store;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_store_create(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &store, &diag);
    return store_reply(job, err, &store, &diag, 201);
}

static int store_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_store_record_t store;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_store_update(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &store, &diag);
    return store_reply(job, err, &store, &diag, 200);
}

int lty_api_admin_store_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    return body_submit(api, exchange, &store_new_shape, sizeof(lty_ops_store_new_t), NULL,
                       store_create_apply);
}

static void store_item_render(lty_json_writer_t *writer, const void *items, size_t index)
{
    lty_api_render_store(writer, &((const lty_store_record_t *)items)[index]);
}

int lty_api_admin_store_list(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    char after[LTY_STORE_ID_BYTES_MAX + 1] = "";
    int64_t limit = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = page_query(exchange, after, sizeof(after), LTY_STORES_PAGE_MAX, &limit, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_store_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_store_list(txn, after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        page_render(exchange, "stores", page->stores, page->stores_count, store_item_render,
                    page->next_after);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

int lty_api_admin_store_update(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(params->count == 1);
    path_id_t id = {params->values[0], LTY_STORE_ID_BYTES_MAX,
                    offsetof(lty_ops_store_patch_t, store_id), LTY_E_STORE_NOT_FOUND};
    return body_submit(api, exchange, &store_patch_shape, sizeof(lty_ops_store_patch_t), &id,
                       store_update_apply);
}

/* ---- Staff ----------------------------------------------------------------------------------- */

static const text_field_t staff_new_fields[] = {
    TEXT_FIELD(lty_ops_staff_new_t, staff_id, "staff_id", true, 1, LTY_STAFF_ID_BYTES_MAX, 0),
    TEXT_FIELD(lty_ops_staff_new_t, name, "name", true, 1, LTY_NAME_BYTES_MAX, 0),
    TEXT_FIELD(lty_ops_staff_new_t, store_id, "store_id", true, 1, LTY_STORE_ID_BYTES_MAX, 0),
};
static const body_shape_t staff_new_shape = {staff_new_fields, 3, NULL, NULL, 0, 0, 0, NULL};

static const text_field_t staff_patch_fields[] = {
    TEXT_FIELD(lty_ops_staff_patch_t, name, "name", false, 1, LTY_NAME_BYTES_MAX,
               LTY_STAFF_FIELD_NAME),
    TEXT_FIELD(lty_ops_staff_patch_t, store_id, "store_id", false, 1, LTY_STORE_ID_BYTES_MAX,
               LTY_STAFF_FIELD_STORE),
};
static const body_shape_t staff_patch_shape = {
    staff_patch_fields, 2, "active", "inactive", offsetof(lty_ops_staff_patch_t, active),
    offsetof(lty_ops_staff_patch_t, fields), LTY_STAFF_FIELD_STATUS,
    "give name, store_id or status"};

static int staff_reply(lty_job_t *job, int err, const lty_staff_t *staff, lty_diag_t *diag,
                       int status)
{
    if (err == LTY_E_NOT_FOUND) err = lty_diag_set(diag, err, "", "no such staff member");
    if (err != 0) return lty_api_job_refuse(job, err, diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_staff(&writer, staff);
    return lty_api_job_reply(job, status);
}

static int staff_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_staff_t staff;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_staff_create(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &staff, &diag);
    return staff_reply(job, err, &staff, &diag, 201);
}

static int staff_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_staff_t staff;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_staff_update(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &staff, &diag);
    return staff_reply(job, err, &staff, &diag, 200);
}

int lty_api_admin_staff_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    return body_submit(api, exchange, &staff_new_shape, sizeof(lty_ops_staff_new_t), NULL,
                       staff_create_apply);
}

static void staff_item_render(lty_json_writer_t *writer, const void *items, size_t index)
{
    lty_api_render_staff(writer, &((const lty_staff_t *)items)[index]);
}

int lty_api_admin_staff_list(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    char after[LTY_STAFF_ID_BYTES_MAX + 1] = "";
    char store[LTY_STORE_ID_BYTES_MAX + 1] = "";
    int64_t limit = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = page_query(exchange, after, sizeof(after), LTY_STAFF_PAGE_MAX, &limit, &diag);
    if (err == 0) err = lty_api_query_string(exchange, "store", store, sizeof(store), NULL, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_staff_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_staff_list(txn, store, after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        page_render(exchange, "staff", page->staff, page->staff_count, staff_item_render,
                    page->next_after);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

int lty_api_admin_staff_update(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(params->count == 1);
    path_id_t id = {params->values[0], LTY_STAFF_ID_BYTES_MAX,
                    offsetof(lty_ops_staff_patch_t, staff_id), LTY_E_NOT_FOUND};
    return body_submit(api, exchange, &staff_patch_shape, sizeof(lty_ops_staff_patch_t), &id,
                       staff_update_apply);
}
