/* SPDX-License-Identifier: MIT */
/* Prepaid handlers: top-ups at a till (the card scanned) and by an operator (a member id and a
 * reason). The limits and postings are ops_prepaid.c's. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* ---- POST /v1/till/prepaid/topups and /v1/admin/prepaid/topups ----------------------------- */

static int topup_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_ops_topup_t *command = lty_api_job_command(job);
    lty_ops_balances_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = lty_ops_topup(txn, lty_api_job_actor(job), &settings->programme,
                            job->now_ms, command, &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "entry_id", (int64_t)result.entry_id);
    lty_jw_kv_int(&writer, "member_id", (int64_t)result.member_id);
    if (command->card_no[0] != '\0') lty_jw_kv_string(&writer, "card_no", command->card_no);
    lty_jw_kv_int(&writer, "amount_cents", command->amount_cents);
    lty_jw_kv_string(&writer, "tender", command->tender == LTY_TENDER_CASH ? "cash" : "bank_card");
    lty_api_render_balances(&writer, result.points_balance, result.prepaid_cents);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

static int topup_parse(const lty_json_node_t *root, bool operator_topup, lty_ops_topup_t *command,
                       lty_diag_t *diag)
{
    static const char *const till_keys[] = {"card_no", "amount_cents", "tender", "staff_id",
                                            NULL};
    static const char *const admin_keys[] = {"member_id", "amount_cents", "tender", "reason",
                                             NULL};
    int err = lty_json_keys_check(root, "", operator_topup ? admin_keys : till_keys, diag);
    int64_t member_id = 0;
    if (err == 0 && operator_topup) {
        err = lty_json_get_int(root, "", "member_id", true, 1, LTY_JSON_INT_MAX, &member_id, NULL,
                               diag);
        err = err == 0 ? lty_json_get_string(root, "", "reason", true, 1, LTY_REASON_BYTES_MAX,
                                             command->reason, sizeof(command->reason), NULL, diag)
                       : err;
    } else if (err == 0) {
        err = lty_json_get_string(root, "", "card_no", true, 1, LTY_CARD_NO_SIZE - 1,
                                  command->card_no, sizeof(command->card_no), NULL, diag);
        if (err == 0 && lty_card_no_check(command->card_no, strlen(command->card_no)) != 0) {
            err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no",
                               "card number fails its check digit");
        }
        if (err == 0) { /* the staff member who took the top-up */
            err = lty_json_get_string(root, "", "staff_id", false, 1, LTY_STAFF_ID_BYTES_MAX,
                                      command->staff_id, sizeof(command->staff_id), NULL, diag);
        }
    }
    command->member_id = (uint64_t)member_id;
    if (err == 0) {
        err = lty_json_get_int(root, "", "amount_cents", true, 1, LTY_PREPAID_CENTS_PER_TXN_MAX,
                               &command->amount_cents, NULL, diag);
    }
    char tender[16];
    if (err == 0) {
        err = lty_json_get_string(root, "", "tender", true, 1, sizeof(tender) - 1, tender,
                                  sizeof(tender), NULL, diag);
    }
    if (err == 0 && (lty_api_tender_type_parse(tender, &command->tender) != 0 ||
                     command->tender == LTY_TENDER_PREPAID)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tender",
                           "tender must be \"cash\" or \"bank_card\"");
    }
    return err;
}

static int topup_submit(lty_api_t *api, lty_exchange_t *exchange, bool operator_topup)
{
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_topup_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? topup_parse(lty_json_doc_root(doc), operator_topup, command, &diag)
                              : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err == 0 && operator_topup) {
        err = lty_api_role_amount_check(api, exchange, command->amount_cents,
                                        LTY_SUPERVISOR_TOPUP_CENTS_MAX, "top up (cents)", &diag);
    }
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, topup_apply, command, lty_free);
}

int lty_api_till_topup_create(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return topup_submit(api, exchange, false);
}

int lty_api_admin_topup_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return topup_submit(api, exchange, true);
}
