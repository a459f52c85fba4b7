/* SPDX-License-Identifier: MIT */
/**
 * @file scheduler.h
 * Periodic domain work of the daemon: today the tier review. One small thread waits
 * interval_ms on a condition variable, then submits one job to the writer (the review runs in
 * the writer's child transaction like POST /v1/admin/tiers/review, as principal
 * "system:scheduler", at business time lty_clock_now_ms() so the test clock applies) and waits
 * for its done_cb before it waits again: at most one scheduled job is ever queued.
 *
 * Caveats: stop the scheduler before the writer (lty_scheduler_stop waits for a job in flight,
 * which needs the writer running). A full writer queue skips that run (logged).
 */
#ifndef LTY_SCHEDULER_H
#define LTY_SCHEDULER_H

#include "programme.h"
#include "writer.h"

#include <stdint.h>

typedef struct lty_scheduler_s lty_scheduler_t;

typedef struct lty_scheduler_options_s {
    lty_writer_t *writer;               /* started; outlives the scheduler */
    const lty_programme_t *programme;   /* outlives the scheduler */
    int64_t tier_review_interval_ms;    /* > 0: time between the end of a run and the next */
} lty_scheduler_options_t;

/** Start the thread. @return 0, LTY_E_NOMEM or LTY_E_IO (no thread). */
int lty_scheduler_start(lty_scheduler_t **scheduler_out, const lty_scheduler_options_t *options);
/** Wake the thread, wait for a run in flight to finish, join and free. NULL accepted. */
void lty_scheduler_stop(lty_scheduler_t *scheduler);
/** Scheduled tier reviews finished so far (committed or refused). */
uint64_t lty_scheduler_runs(lty_scheduler_t *scheduler);

#endif
