/* SPDX-License-Identifier: MIT */
/* Operator realm handlers for members, cards, journal and adjustments (issue 2's admin routes).
 * Each handler: parse into a command struct (limits checked) -> validate -> reads: query in a
 * read transaction and reply; writes: submit to the writer, whose apply callback runs the
 * domain operation (ops.h) in a child transaction and renders the response it stores with the
 * idempotency key. */
#include "api.h"
#include "api_members.h"
#include "api_render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <string.h>

/* ---- POST /v1/admin/members --------------------------------------------------------------- */

static int member_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_member_new_t *command = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    uint64_t member_id = 0;
    int err = lty_ops_member_create(txn, lty_api_job_actor(job), job->now_ms, command, &member_id,
                                    &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_member_t member; /* issue 4: the whole profile, as GET shows it */
    err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_jw_object_begin(&writer);
    lty__api_member_profile_render(&writer, &member, lty_api_job_api(job)->programme);
    lty_jw_kv_int(&writer, "points", 0);
    lty_jw_kv_int(&writer, "prepaid_cents", 0);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

/* issue 4: name and phone required; email, birthday, gender, preferred_store, consents
 * optional (api_members.c parses every profile field). */
static int member_new_parse(const lty_json_node_t *root, lty_ops_member_new_t *command,
                            lty_diag_t *diag)
{
    uint32_t fields = 0, consent_mask = 0;
    return lty__api_member_profile_parse(root, true, command, &fields, &consent_mask, diag);
}

int lty_api_admin_member_create(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_member_new_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? member_new_parse(lty_json_doc_root(doc), command, &diag)
                              : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, member_create_apply, command, lty_free);
}

/* ---- GET /v1/admin/members/{member_id} ---------------------------------------------------- */

static void member_render(lty_json_writer_t *writer, const lty_ops_member_view_t *view,
                          const lty_programme_t *programme, int64_t now_ms)
{
    lty_jw_object_begin(writer);
    lty__api_member_profile_render(writer, &view->member, programme); /* issue 4 */
    lty_jw_kv_int(writer, "points", view->points);
    lty_jw_kv_int(writer, "prepaid_cents", view->prepaid_cents);
    lty_jw_key(writer, "cards");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < view->cards_count; index++) {
        lty_api_render_card(writer, &view->cards[index], now_ms);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}

int lty_api_admin_member_get(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_ops_member_view_t *view = lty_alloc(sizeof(*view));
    if (view == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_member_get(txn, member_id, view);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        member_render(&writer, view, api->programme, lty_clock_now_ms());
    }
    lty_free(view);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- POST /v1/admin/members/{member_id}/cards --------------------------------------------- */

static int card_issue_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const uint64_t *member_id = lty_api_job_command(job);
    lty_card_t card;
    int err = lty_ops_card_issue(txn, lty_api_job_actor(job), lty_api_job_api(job)->programme,
                                 job->now_ms, *member_id, &card);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", card.card_no);
    lty_jw_kv_int(&writer, "member_id", (int64_t)card.member_id);
    lty_jw_kv_string(&writer, "card_status", lty_api_card_status_name(card.status, false));
    lty_api_render_time(&writer, "expires_at", card.expires_ms);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_card_issue(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    if (exchange->request.body_size > 0) {
        /* The body is optional; when sent it must be an empty object (room for options). */
        lty_json_doc_t *doc = NULL;
        if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
        static const char *const keys[] = {NULL};
        lty_diag_t diag;
        int err = lty_json_keys_check(lty_json_doc_root(doc), "", keys, &diag);
        lty_json_doc_free(doc);
        if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    }
    uint64_t *command = lty_alloc(sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    *command = member_id;
    return lty_api_submit(api, exchange, card_issue_apply, command, lty_free);
}

/* ---- GET /v1/admin/members/{member_id}/journal -------------------------------------------- */

int lty_api_admin_journal_list(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    int64_t after = 0, limit = LTY_JOURNAL_PAGE_DEFAULT;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, &after, NULL, &diag);
    if (err == 0) {
        err = lty_api_query_int(exchange, "limit", 1, LTY_JOURNAL_PAGE_MAX, &limit, NULL, &diag);
    }
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);

    lty_ops_journal_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_journal_page(txn, member_id, (uint64_t)after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
        lty_jw_key(&writer, "entries");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->entries_count; index++) {
            lty_api_render_entry(&writer, &page->entries[index]);
        }
        lty_jw_array_end(&writer);
        lty_jw_key(&writer, "next_after");
        if (page->next_after != 0) {
            lty_jw_int(&writer, (int64_t)page->next_after);
        } else {
            lty_jw_null(&writer);
        }
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- POST /v1/admin/adjustments ----------------------------------------------------------- */

static int adjustment_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_adjust_t *command = lty_api_job_command(job);
    lty_ops_adjust_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_adjust(txn, lty_api_job_actor(job), lty_api_job_api(job)->programme,
                             job->now_ms, command, &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "entry_id", (int64_t)result.entry_id);
    lty_jw_kv_int(&writer, "member_id", (int64_t)command->member_id);
    lty_jw_kv_int(&writer, "points", command->points);
    lty_jw_kv_string(&writer, "reason", command->reason);
    lty_jw_kv_int(&writer, "points_balance", result.points_balance);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

static int adjustment_parse(const lty_json_node_t *root, lty_ops_adjust_t *command,
                            lty_diag_t *diag)
{
    static const char *const keys[] = {"member_id", "points", "reason", NULL};
    int64_t member_id = 0;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) {
        err = lty_json_get_int(root, "", "member_id", true, 1, LTY_JSON_INT_MAX, &member_id, NULL,
                               diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "points", true, -LTY_POINTS_PER_TXN_MAX,
                               LTY_POINTS_PER_TXN_MAX, &command->points, NULL, diag);
    }
    if (err == 0 && command->points == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points", "must not be 0");
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "reason", true, 1, LTY_REASON_BYTES_MAX,
                                  command->reason, sizeof(command->reason), NULL, diag);
    }
    command->member_id = (uint64_t)member_id;
    return err;
}

int lty_api_admin_adjustment_create(lty_api_t *api, lty_exchange_t *exchange,
                                    const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_adjust_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? adjustment_parse(lty_json_doc_root(doc), command, &diag)
                              : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, adjustment_apply, command, lty_free);
}
