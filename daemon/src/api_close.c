/* SPDX-License-Identifier: MIT */
/* Account close handler (issue 3): POST /v1/admin/members/{member_id}/close
 * {"reason","payout":"cash"|"bank_transfer","erase_personal_data"?,"store"?}. Parsing and
 * rendering only; what a close does is ops_close.c's. */
#include "api.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

static int close_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_close_t *command = lty_api_job_command(job);
    lty_ops_close_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_member_close(txn, lty_api_job_actor(job), job->now_ms, command, &result,
                                   &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "member_id", (int64_t)command->member_id);
    lty_jw_kv_string(&writer, "status", "closed");
    lty_jw_kv_int(&writer, "entry_id", (int64_t)result.entry_id);
    lty_jw_kv_string(&writer, "payout", command->payout);
    lty_jw_kv_int(&writer, "prepaid_paid_out_cents", result.prepaid_paid_out_cents);
    lty_jw_kv_int(&writer, "points_forfeited", result.points_forfeited);
    lty_jw_kv_int(&writer, "cards_blocked", (int64_t)result.cards_blocked);
    lty_jw_kv_bool(&writer, "personal_data_erased", result.erased);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

static int close_parse(const lty_json_node_t *root, lty_ops_close_t *command, lty_diag_t *diag)
{
    static const char *const keys[] = {"reason", "payout", "erase_personal_data", "store", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "reason", true, 1, LTY_REASON_BYTES_MAX,
                                            command->reason, sizeof(command->reason), NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "payout", true, 1,
                                            sizeof(command->payout) - 1, command->payout,
                                            sizeof(command->payout), NULL, diag);
    if (err == 0 && strcmp(command->payout, "cash") != 0 &&
        strcmp(command->payout, "bank_transfer") != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/payout",
                           "payout must be \"cash\" or \"bank_transfer\"");
    }
    if (err == 0) err = lty_json_get_bool(root, "", "erase_personal_data", false,
                                          &command->erase_personal_data, NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "store", false, 1, LTY_STORE_ID_BYTES_MAX,
                                            command->store, sizeof(command->store), NULL, diag);
    return err;
}

int lty_api_admin_member_close(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_close_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? close_parse(lty_json_doc_root(doc), command, &diag) : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    command->member_id = member_id;
    return lty_api_submit(api, exchange, close_apply, command, lty_free);
}
