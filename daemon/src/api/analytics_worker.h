/* SPDX-License-Identifier: MIT */
/**
 * @file analytics_worker.h
 * The analytics workers of the API layer: two threads beside the loops and the
 * writer, so that reading the whole membership never runs on a loop thread (a loop serves a
 * share of the tills) nor on the writer (which commits their sales).
 *
 * - The report worker runs the analytics reads one at a time (RFM, Pareto, lifecycle, churn,
 *   health, segment members, a run's snapshot) and completes their exchanges. At most
 *   LTY_ANALYTICS_QUEUE_MAX wait; beyond, 503 unavailable at once.
 * - The run driver takes each run a segment creates through its record and grant steps, one
 *   writer job of LTY_RUN_STEP_MEMBERS_MAX members at a time (the tills' jobs interleave), and at
 *   start resumes the runs a stop interrupted (granting ones go on; recording ones are ended,
 *   their snapshot being lost: ops_analytics.h lty_ops_run_abandon).
 *
 * Caveats: start after the writer and before the server; stop after the server stopped taking
 * requests and before the writer (a report in progress finishes, queued ones answer 503; a run
 * stops between steps and resumes at the next start).
 */
#ifndef LTY_API_ANALYTICS_WORKER_H
#define LTY_API_ANALYTICS_WORKER_H

#include "api.h"
#include "ops_analytics.h"

#include <stddef.h>
#include <stdint.h>

#define LTY_ANALYTICS_QUEUE_MAX 8

/** Start both threads (api->store, api->writer, api->programme set). 0, LTY_E_NOMEM. */
int lty_api_analytics_start(lty_api_t *api);
/** Stop both threads (see Caveats). Idempotent; accepts an api never started. */
void lty_api_analytics_stop(lty_api_t *api);

/** Work on the report worker's thread: compute, then reply on exchange (lty_api_reply or
 *  lty_api_reply_error) and return LTY_API_DONE: the worker completes the exchange and frees
 *  command. Or hand both on (lty_api_submit with command) and return LTY_API_PENDING: the
 *  worker then touches neither. */
typedef int (*lty_api_work_cb)(lty_api_t *api, lty_exchange_t *exchange, void *command);

/**
 * Queue work for the report worker. command (may be NULL) is owned by the queue from here on.
 * @return LTY_API_PENDING, or LTY_API_DONE with a 503 reply (queue full, stopping, or no worker)
 *         and command freed.
 */
int lty__api_analytics_queue(lty_api_t *api, lty_exchange_t *exchange, lty_api_work_cb work_cb,
                             void *command, void (*command_free)(void *command));

/** Hand a created run to the run driver with its snapshot ids[0..count) (owned from here on,
 *  freed with lty_free). Any thread (the writer's apply callback of the run's creation). */
void lty__api_run_drive(lty_api_t *api, uint64_t run_id, uint64_t *ids, size_t count);

/** The report worker's cached RFM (its thread only): reused while no commit happened since it
 *  was computed with the same as_of and window, or when snapshot names it. NULL on failure
 *  (*err_out set). Valid until the next call. */
const struct lty_analytics_rfm_s *lty__api_rfm_cached(lty_api_t *api, int64_t as_of_day,
                                                      int64_t window_days, uint64_t snapshot,
                                                      uint64_t *snapshot_out, int *err_out);

/** The programme in force now (the programme's settings: a PUT of the programme, its "analytics"
 *  included, is live for the next report as for every other request), read through this
 *  thread's settings cache in a read transaction of its own. Valid until this thread calls it
 *  again. On a store error it logs and answers the programme loaded at start. */
const lty_programme_t *lty__api_programme_now(lty_api_t *api);

/* ---- Coupon runs (a coupon issue, driven by a segment run) -------------------------------- */

struct lty_ops_minted_s;
/** The coupon codes of one grant step of a coupon run: minted and signed before the step's
 *  writer job (signing never runs on the writer), handed out one per member granted. */
typedef struct lty_api_run_coupons_s {
    const lty_actor_t *actor;          /* the issues are audited as the run's operator */
    struct lty_ops_minted_s *minted;   /* count codes (lty_alloc), or NULL */
    size_t count;
    size_t used;
} lty_api_run_coupons_t;

/** The campaign a coupon run issues (its ref): 0 when the ref is not one. */
uint64_t lty__api_run_campaign(const lty_segment_run_t *run);
/**
 * Check that campaign_id may issue now and mint count (0..LTY_RUN_STEP_MEMBERS_MAX) of its codes
 * on this thread (a read transaction of its own). Release with lty__api_run_coupons_free.
 * @return 0, LTY_E_CAMPAIGN_NOT_FOUND, LTY_E_CAMPAIGN_ENDED, LTY_E_UNAVAILABLE (no programme
 *         key), LTY_E_NOMEM.
 */
int lty__api_run_coupons_mint(lty_api_t *api, uint64_t campaign_id, size_t count,
                              lty_api_run_coupons_t *coupons_out);
/** Free the codes (the struct itself is the caller's). NULL accepted. */
void lty__api_run_coupons_free(lty_api_run_coupons_t *coupons);
/**
 * The lty_run_grant_cb of a coupon run (userdata: lty_api_run_coupons_t): one coupon of the
 * run's campaign into the member's wallet under the issue key "segment-run:<run_id>", so a
 * member gets it once however often a step is retried (lty_ops_coupons_issue); *result_id_out
 * is the coupon's serial. LTY_E_UNAVAILABLE when the step's codes ran out.
 */
int lty__api_run_coupon_grant(void *userdata, lty_store_txn_t *txn, const lty_segment_run_t *run,
                              const lty_member_t *member, int64_t now_ms,
                              uint64_t *result_id_out);

struct lty_analytics_health_s;
struct lty_analytics_uplift_s;
/** The JSON of a health report and of a run's uplift (analytics_health.c). */
void lty__api_health_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                            const struct lty_analytics_health_s *health);
void lty__api_uplift_render(lty_json_writer_t *writer, const struct lty_analytics_uplift_s *uplift);

#endif
