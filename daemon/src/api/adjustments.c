/* SPDX-License-Identifier: MIT */
/* Operator handler for adjustments: a manual correction of a member's points, with a reason,
 * journaled like every other change (ops_adjust.c). */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <string.h>

/* ---- POST /v1/admin/adjustments ----------------------------------------------------------- */

static int adjustment_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_ops_adjust_t *command = lty_api_job_command(job);
    lty_ops_adjust_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = lty_ops_adjust(txn, lty_api_job_actor(job), &settings->programme,
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
    if (err == 0) {
        int64_t magnitude = command->points < 0 ? -command->points : command->points;
        err = lty_api_role_amount_check(api, exchange, magnitude, LTY_SUPERVISOR_ADJUST_POINTS_MAX,
                                        "adjust points by", &diag);
    }
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, adjustment_apply, command, lty_free);
}
