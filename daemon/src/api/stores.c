/* SPDX-License-Identifier: MIT */
/* Operator handlers for stores and staff: add, list, and PATCH to rename, move, close or reopen
 * a store and to rename, move or deactivate a staff member. The rules (ids, closing, audit) are
 * ops_store.c's; a closed store's tills are refused centrally by the dispatcher (dispatch.c). */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* The "status" word of a PATCH: one of two, into *on (true for the first). */
static int status_parse(const lty_json_node_t *root, const char *on_word, const char *off_word,
                        bool *given_out, bool *on_out, lty_diag_t *diag)
{
    char status[16] = "";
    int err = lty_json_get_string(root, "", "status", false, 1, sizeof(status) - 1, status,
                                  sizeof(status), given_out, diag);
    if (err != 0 || !*given_out) return err;
    if (strcmp(status, on_word) != 0 && strcmp(status, off_word) != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status", "status is %s or %s", on_word,
                            off_word);
    }
    *on_out = strcmp(status, on_word) == 0;
    return 0;
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

/* ---- POST /v1/admin/stores ---------------------------------------------------------------- */

static int store_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_store_record_t store;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_store_create(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &store, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_store(&writer, &store);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_store_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    static const char *const keys[] = {"store_id", "name", "region", NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    const lty_json_node_t *root = lty_json_doc_root(doc);
    lty_ops_store_new_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command == NULL ? LTY_E_NOMEM : lty_json_keys_check(root, "", keys, &diag);
    if (err == 0) err = lty_json_get_string(root, "", "store_id", true, 1, LTY_STORE_ID_BYTES_MAX,
                                            command->store_id, sizeof(command->store_id), NULL,
                                            &diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", true, 1, LTY_STORE_NAME_BYTES_MAX,
                                            command->name, sizeof(command->name), NULL, &diag);
    if (err == 0) err = lty_json_get_string(root, "", "region", false, 0,
                                            LTY_STORE_REGION_BYTES_MAX, command->region,
                                            sizeof(command->region), NULL, &diag);
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, store_create_apply, command, lty_free);
}

/* ---- GET /v1/admin/stores ----------------------------------------------------------------- */

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
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_key(&writer, "stores");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->stores_count; index++) {
            lty_api_render_store(&writer, &page->stores[index]);
        }
        lty_jw_array_end(&writer);
        lty_jw_key(&writer, "next_after");
        if (page->next_after[0] != '\0') lty_jw_string(&writer, page->next_after);
        else lty_jw_null(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- PATCH /v1/admin/stores/{store_id} ---------------------------------------------------- */

static int store_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_store_record_t store;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_store_update(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &store, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_store(&writer, &store);
    return lty_api_job_reply(job, 200);
}

static int store_patch_parse(const lty_json_node_t *root, lty_ops_store_patch_t *patch,
                             lty_diag_t *diag)
{
    static const char *const keys[] = {"name", "region", "status", NULL};
    bool given = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", false, 1, LTY_STORE_NAME_BYTES_MAX,
                                            patch->name, sizeof(patch->name), &given, diag);
    if (given) patch->fields |= LTY_STORE_FIELD_NAME;
    given = false;
    if (err == 0) err = lty_json_get_string(root, "", "region", false, 0,
                                            LTY_STORE_REGION_BYTES_MAX, patch->region,
                                            sizeof(patch->region), &given, diag);
    if (given) patch->fields |= LTY_STORE_FIELD_REGION;
    given = false;
    if (err == 0) err = status_parse(root, "open", "closed", &given, &patch->open, diag);
    if (given) patch->fields |= LTY_STORE_FIELD_STATUS;
    if (err == 0 && patch->fields == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "give name, region or status");
    }
    return err;
}

int lty_api_admin_store_update(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(params->count == 1);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_store_patch_t *patch = lty_calloc(1, sizeof(*patch));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = patch == NULL ? LTY_E_NOMEM : store_patch_parse(lty_json_doc_root(doc), patch, &diag);
    if (err == 0 && strlen(params->values[0]) > LTY_STORE_ID_BYTES_MAX) err = LTY_E_STORE_NOT_FOUND;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(patch);
        return lty_api_reply_error(exchange, err, &diag);
    }
    snprintf(patch->store_id, sizeof(patch->store_id), "%s", params->values[0]);
    return lty_api_submit(api, exchange, store_update_apply, patch, lty_free);
}

/* ---- POST /v1/admin/staff ----------------------------------------------------------------- */

static int staff_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_staff_t staff;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_staff_create(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &staff, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_staff(&writer, &staff);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_staff_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    static const char *const keys[] = {"staff_id", "name", "store_id", NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    const lty_json_node_t *root = lty_json_doc_root(doc);
    lty_ops_staff_new_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command == NULL ? LTY_E_NOMEM : lty_json_keys_check(root, "", keys, &diag);
    if (err == 0) err = lty_json_get_string(root, "", "staff_id", true, 1, LTY_STAFF_ID_BYTES_MAX,
                                            command->staff_id, sizeof(command->staff_id), NULL,
                                            &diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", true, 1, LTY_NAME_BYTES_MAX,
                                            command->name, sizeof(command->name), NULL, &diag);
    if (err == 0) err = lty_json_get_string(root, "", "store_id", true, 1, LTY_STORE_ID_BYTES_MAX,
                                            command->store_id, sizeof(command->store_id), NULL,
                                            &diag);
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, staff_create_apply, command, lty_free);
}

/* ---- GET /v1/admin/staff ------------------------------------------------------------------ */

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
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_key(&writer, "staff");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->staff_count; index++) {
            lty_api_render_staff(&writer, &page->staff[index]);
        }
        lty_jw_array_end(&writer);
        lty_jw_key(&writer, "next_after");
        if (page->next_after[0] != '\0') lty_jw_string(&writer, page->next_after);
        else lty_jw_null(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- PATCH /v1/admin/staff/{staff_id} ----------------------------------------------------- */

static int staff_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_staff_t staff;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_staff_update(txn, lty_api_job_actor(job), job->now_ms,
                                   lty_api_job_command(job), &staff, &diag);
    if (err == LTY_E_NOT_FOUND) err = lty_diag_set(&diag, err, "", "no such staff member");
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_staff(&writer, &staff);
    return lty_api_job_reply(job, 200);
}

static int staff_patch_parse(const lty_json_node_t *root, lty_ops_staff_patch_t *patch,
                             lty_diag_t *diag)
{
    static const char *const keys[] = {"name", "store_id", "status", NULL};
    bool given = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", false, 1, LTY_NAME_BYTES_MAX,
                                            patch->name, sizeof(patch->name), &given, diag);
    if (given) patch->fields |= LTY_STAFF_FIELD_NAME;
    given = false;
    if (err == 0) err = lty_json_get_string(root, "", "store_id", false, 1,
                                            LTY_STORE_ID_BYTES_MAX, patch->store_id,
                                            sizeof(patch->store_id), &given, diag);
    if (given) patch->fields |= LTY_STAFF_FIELD_STORE;
    given = false;
    if (err == 0) err = status_parse(root, "active", "inactive", &given, &patch->active, diag);
    if (given) patch->fields |= LTY_STAFF_FIELD_STATUS;
    if (err == 0 && patch->fields == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "give name, store_id or status");
    }
    return err;
}

int lty_api_admin_staff_update(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(params->count == 1);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_staff_patch_t *patch = lty_calloc(1, sizeof(*patch));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = patch == NULL ? LTY_E_NOMEM : staff_patch_parse(lty_json_doc_root(doc), patch, &diag);
    if (err == 0 && strlen(params->values[0]) > LTY_STAFF_ID_BYTES_MAX) err = LTY_E_NOT_FOUND;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(patch);
        return lty_api_reply_error(exchange, err, &diag);
    }
    snprintf(patch->staff_id, sizeof(patch->staff_id), "%s", params->values[0]);
    return lty_api_submit(api, exchange, staff_update_apply, patch, lty_free);
}
