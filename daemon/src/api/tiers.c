/* SPDX-License-Identifier: MIT */
/* Operator handlers for tiers: a member's tier status and history, and the tier review run on
 * demand (the scheduler runs it daily: scheduler.c). The rules are ops_tier.c's. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* ---- GET /v1/admin/members/{member_id}/tiers -------------------------------------------- */

static void tiers_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                         const lty_ops_tier_status_t *status,
                         const lty_ops_tier_history_t *history)
{
    lty_api_render_tier(writer, programme, status);
    lty_api_render_tier_history(writer, programme, history);
}

int lty_api_admin_member_tiers(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_ops_tier_history_t *history = lty_alloc(sizeof(*history));
    if (history == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_ops_tier_status_t status;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) {
        err = lty_ops_tier_status(txn, &settings->programme, lty_clock_now_ms(), member_id,
                                  &status);
    }
    if (err == 0) err = lty_ops_tier_history(txn, member_id, history);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
        tiers_render(&writer, &settings->programme, &status, history);
        lty_jw_object_end(&writer);
    }
    lty_free(history);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- POST /v1/admin/tiers/review -------------------------------------------------------- */

static int tier_review_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    lty_ops_tier_review_t review;
    err = lty_ops_tier_review(txn, lty_api_job_actor(job), &settings->programme,
                                  job->now_ms, &review);
    /* The downgrades are on the trail one by one; the operator's run of the review too. */
    char detail[96];
    snprintf(detail, sizeof(detail), "%llu members reviewed, %llu downgraded",
             (unsigned long long)review.members_reviewed,
             (unsigned long long)review.members_downgraded);
    if (err == 0) {
        err = lty_ops_audit_event(txn, lty_api_job_actor(job), job->now_ms, "tier.review",
                                  "members", detail);
    }
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "members_reviewed", (int64_t)review.members_reviewed);
    lty_jw_kv_int(&writer, "members_downgraded", (int64_t)review.members_downgraded);
    lty_api_render_time(&writer, "reviewed_at", job->now_ms);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_tier_review(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    (void)params;
    return lty_api_bodiless_submit(api, exchange, tier_review_apply);
}
