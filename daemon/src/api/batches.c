/* SPDX-License-Identifier: MIT */
/* Bulk member handlers: POST /v1/admin/members/batches (enrol up to 500 members brought from
 * another system, each with its own result) and GET /v1/admin/exports/members (every member
 * with its first card, tier and balances, a page at a time, in the import's columns).
 *
 * A batch is one writer job. Each member runs in its own nested transaction inside the job's, so
 * a refused member (bad phone, card taken, unknown tier, negative balance...) leaves nothing
 * behind and the others are kept; the answer lists one result per member, in order. A member
 * whose fields fail to parse is refused the same way, without reaching the writer. With
 * ?dry_run=1 the writer aborts the whole job afterwards: the answer says what would happen. */
#include "api.h"
#include "lty/lty_assert.h"
#include "ops.h"
#include "programme.h"
#include "render.h"

#include <stdio.h>
#include <string.h>

#define BATCH_MEMBERS_MAX 500
#define EXPORT_PAGE_MAX 1000
#define RESULT_MESSAGE_BYTES_MAX 80 /* keeps 500 refusals within the stored answer's limit */

_Static_assert(BATCH_MEMBERS_MAX <= LTY_JSON_ARRAY_ITEMS_MAX, "a batch is one JSON array");

typedef struct batch_member_s {
    lty_ops_member_import_t import;
    lty_diag_t refusal; /* err != 0: refused at parse time */
} batch_member_t;

typedef struct batch_s {
    size_t members_count;
    batch_member_t members[BATCH_MEMBERS_MAX];
} batch_t;

static const char *const member_keys[] = {"name",    "phone",  "email",         "card_no",
                                          "tier",    "points", "prepaid_cents", NULL};

static int member_parse(const lty_json_node_t *item, size_t index, lty_ops_member_import_t *out,
                        lty_diag_t *diag)
{
    char path[32];
    snprintf(path, sizeof(path), "/members/%zu", index);
    int err = lty_json_expect_object(item, path, diag);
    if (err == 0) err = lty_json_keys_check(item, path, member_keys, diag);
    if (err == 0) err = lty_json_get_string(item, path, "name", true, 1, LTY_NAME_BYTES_MAX,
                                            out->member.name, sizeof(out->member.name), NULL, diag);
    if (err == 0) err = lty_json_get_string(item, path, "phone", true, 1, LTY_PHONE_BYTES_MAX,
                                            out->member.phone, sizeof(out->member.phone), NULL,
                                            diag);
    if (err == 0) err = lty_json_get_string(item, path, "email", false, 0, LTY_EMAIL_BYTES_MAX,
                                            out->member.email, sizeof(out->member.email), NULL,
                                            diag);
    if (err == 0) err = lty_json_get_string(item, path, "card_no", false, 0,
                                            LTY_CARD_NO_SIZE - 1, out->card_no,
                                            sizeof(out->card_no), NULL, diag);
    if (err == 0) err = lty_json_get_string(item, path, "tier", false, 0,
                                            LTY_TIER_NAME_BYTES_MAX, out->tier, sizeof(out->tier),
                                            NULL, diag);
    if (err == 0) err = lty_json_get_int(item, path, "points", false, LTY_JSON_INT_MIN,
                                         LTY_JSON_INT_MAX, &out->points, NULL, diag);
    if (err == 0) err = lty_json_get_int(item, path, "prepaid_cents", false, LTY_JSON_INT_MIN,
                                         LTY_JSON_INT_MAX, &out->prepaid_cents, NULL, diag);
    if (err == 0 && !lty_ops_phone_valid(out->member.phone)) {
        char field[48];
        snprintf(field, sizeof(field), "%s/phone", path);
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                           "phone must be E.164: '+' then 8 to 15 digits");
    }
    return err;
}

static void result_render(lty_json_writer_t *writer, size_t index, int err,
                          const lty_diag_t *diag, const lty_ops_member_import_result_t *result)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "row", (int64_t)index);
    if (err == 0) {
        lty_jw_kv_int(writer, "member_id", (int64_t)result->member_id);
        if (result->entry_id != 0) lty_jw_kv_int(writer, "entry_id", (int64_t)result->entry_id);
    } else {
        bool detailed = diag->err == err && diag->detail[0] != '\0';
        lty_jw_key(writer, "error");
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "code", lty_err_code(err));
        const char *message = detailed ? diag->detail : lty_strerror(err);
        lty_jw_key(writer, "message");
        lty_jw_string_n(writer, message, strnlen(message, RESULT_MESSAGE_BYTES_MAX));
        if (diag->err == err && diag->field[0] != '\0') {
            char field[LTY_DIAG_FIELD_SIZE + 32];
            /* the path inside the batch: /members/<row>/<field> */
            if (diag->field[0] == '/' && strncmp(diag->field, "/members/", 9) != 0) {
                snprintf(field, sizeof(field), "/members/%zu%s", index, diag->field);
            } else {
                snprintf(field, sizeof(field), "%s", diag->field);
            }
            lty_jw_kv_string(writer, "field", field);
        }
        lty_jw_object_end(writer);
    }
    lty_jw_object_end(writer);
}

/* A business refusal stays with its member; anything else (storage) fails the whole job. */
static bool refusal_is_per_member(int err)
{
    int status = lty_err_http_status(err);
    return status >= 400 && status < 500;
}

static int batch_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const batch_t *batch = lty_api_job_command(job);
    lty_api_t *api = lty_api_job_api(job);
    const lty_settings_t *settings = NULL; /* the programme in force (settings.h) */
    int settings_err = lty_api_job_settings(job, txn, &settings);
    if (settings_err != 0) return settings_err;
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_bool(&writer, "dry_run", job->dry_run);
    lty_jw_key(&writer, "results");
    lty_jw_array_begin(&writer);
    int64_t created = 0;
    for (size_t index = 0; index < batch->members_count; index++) {
        const batch_member_t *member = &batch->members[index];
        lty_diag_t diag = member->refusal;
        lty_ops_member_import_result_t result;
        memset(&result, 0, sizeof(result));
        int err = diag.err;
        if (err == 0) {
            lty_store_txn_t *child = NULL;
            lty_diag_clear(&diag);
            err = lty_store_txn_begin(api->store, txn, &child);
            if (err != 0) return lty_api_job_refuse(job, err, NULL);
            err = lty_ops_member_import(child, lty_api_job_actor(job), &settings->programme,
                                        job->now_ms, &member->import, &result, &diag);
            int end = err == 0 ? lty_store_txn_commit(child) : (lty_store_txn_abort(child), 0);
            if (end != 0) return lty_api_job_refuse(job, end, NULL);
            if (err != 0 && !refusal_is_per_member(err)) return lty_api_job_refuse(job, err, NULL);
        }
        if (err == 0) created++;
        result_render(&writer, index, err, &diag, &result);
    }
    lty_jw_array_end(&writer);
    lty_jw_kv_int(&writer, "created", created);
    lty_jw_kv_int(&writer, "rejected", (int64_t)batch->members_count - created);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_member_batch_create(lty_api_t *api, lty_exchange_t *exchange,
                                      const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    static const char *const keys[] = {"members", NULL};
    const lty_json_node_t *root = lty_json_doc_root(doc);
    const lty_json_node_t *members = NULL;
    size_t count = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_json_keys_check(root, "", keys, &diag);
    if (err == 0) err = lty_json_get_array(root, "", "members", true, BATCH_MEMBERS_MAX, &members,
                                           &count, &diag);
    if (err == 0 && count == 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_FIELD, "/members", "members must hold 1 to %d",
                           BATCH_MEMBERS_MAX);
    }
    batch_t *batch = err == 0 ? lty_calloc(1, sizeof(*batch)) : NULL;
    if (err == 0 && batch == NULL) err = LTY_E_NOMEM;
    for (size_t index = 0; err == 0 && index < count; index++) {
        batch_member_t *member = &batch->members[index];
        lty_diag_clear(&member->refusal);
        int refused = member_parse(lty_json_item(members, index), index, &member->import,
                                   &member->refusal);
        if (refused != 0) member->refusal.err = refused;
    }
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(batch);
        return lty_api_reply_error(exchange, err, &diag);
    }
    batch->members_count = count;
    return lty_api_submit(api, exchange, batch_apply, batch, lty_free);
}

/* ---- GET /v1/admin/exports/members?after=&limit= ----------------------------------------- */

static void export_render(lty_json_writer_t *writer, const lty_ops_export_page_t *page,
                          const lty_programme_t *programme)
{
    lty_jw_object_begin(writer);
    lty_jw_key(writer, "members");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < page->members_count; index++) {
        const lty_ops_export_member_t *member = &page->members[index];
        uint32_t tier = member->member.tier < programme->tiers_count ? member->member.tier : 0;
        lty_jw_object_begin(writer);
        lty_jw_kv_int(writer, "member_id", (int64_t)member->member.member_id);
        lty_jw_kv_string(writer, "name", member->member.name);
        lty_jw_kv_string(writer, "phone", member->member.phone);
        lty_jw_kv_string(writer, "email", member->member.email);
        lty_jw_kv_string(writer, "card_no", member->card_no);
        lty_jw_kv_string(writer, "tier", programme->tiers[tier].name);
        lty_jw_kv_int(writer, "points", member->points);
        lty_jw_kv_int(writer, "prepaid_cents", member->prepaid_cents);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_api_render_next_after(writer, page->next_after);
    lty_jw_object_end(writer);
}

int lty_api_admin_member_export(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    int64_t after = 0, limit = EXPORT_PAGE_MAX;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, &after, NULL, &diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, EXPORT_PAGE_MAX, &limit, NULL,
                                          &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_export_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_export_page(txn, (uint64_t)after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        export_render(&writer, page, &settings->programme);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}
