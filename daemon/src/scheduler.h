/* SPDX-License-Identifier: MIT */
/**
 * @file scheduler.h
 * Periodic domain work of the daemon: the tier review, and the programme's jobs (the points
 * expiry sweep and the day's birthday bonuses). One small thread waits on a condition variable
 * until the next task is due, then submits its jobs to the writer one at a time (each runs in
 * the writer's child transaction like its admin route, as principal "system:scheduler", at
 * business time lty_clock_now_ms() so the test clock applies) and waits for each done_cb: at
 * most one scheduled job is ever queued.
 *
 * Caveats: stop the scheduler before the writer (lty_scheduler_stop waits for a job in flight,
 * which needs the writer running). A full writer queue skips that run (logged). Intervals count
 * from the end of a task's previous run (and from the start).
 */
#ifndef LTY_SCHEDULER_H
#define LTY_SCHEDULER_H

#include "programme.h"
#include "store.h"
#include "writer.h"

#include <stdint.h>

typedef struct lty_scheduler_s lty_scheduler_t;

typedef struct lty_scheduler_options_s {
    lty_writer_t *writer;               /* started; outlives the scheduler */
    const lty_programme_t *programme;   /* unused: tasks read the settings in
                                         * force (domain/settings.h); kept for callers */
    int64_t tier_review_interval_ms;    /* > 0: time between the end of a run and the next */
    lty_store_t *store;                 /* read for birthdays; outlives the scheduler */
    int64_t programme_jobs_interval_ms; /* > 0, the expiry sweep and birthdays */
} lty_scheduler_options_t;

/** Start the thread. @return 0, LTY_E_NOMEM or LTY_E_IO (no thread). */
int lty_scheduler_start(lty_scheduler_t **scheduler_out, const lty_scheduler_options_t *options);
/** Wake the thread, wait for a run in flight to finish, join and free. NULL accepted. */
void lty_scheduler_stop(lty_scheduler_t *scheduler);
/** Scheduled tier reviews finished so far (committed or refused). */
uint64_t lty_scheduler_runs(lty_scheduler_t *scheduler);

#endif
