/* SPDX-License-Identifier: MIT */
/* The scheduler thread (scheduler.h): owns its thread, its one writer job and the schedule of
 * the periodic tier review. Waits use CLOCK_MONOTONIC, so a wall-clock step (or the test
 * clock's offset) never stretches or skips an interval; the review itself runs at business time. */
#include "scheduler.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"
#include "lty/lty_log.h"
#include "actor.h"
#include "ops.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SCHEDULER_PRINCIPAL "system:scheduler"

struct lty_scheduler_s {
    lty_scheduler_options_t options;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;             /* under lock */
    bool job_done;             /* under lock: done_cb ran */
    uint64_t runs;             /* under lock */
    lty_job_t job;
    lty_buf_t body;
    lty_actor_t actor;
    lty_ops_tier_review_t review;
};

/* Writer thread, child transaction: the review, as POST /v1/admin/tiers/review does it. */
static int review_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_scheduler_t *scheduler = job->userdata;
    LTY_ASSERT(scheduler != NULL && txn != NULL);
    LTY_ASSERT(job == &scheduler->job);
    memset(&scheduler->review, 0, sizeof(scheduler->review));
    int err = lty_ops_tier_review(txn, &scheduler->actor, scheduler->options.programme,
                                  job->now_ms, &scheduler->review);
    job->status = err == 0 ? 200 : 500;
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "members_reviewed", (int64_t)scheduler->review.members_reviewed);
    lty_jw_kv_int(&writer, "members_downgraded", (int64_t)scheduler->review.members_downgraded);
    lty_jw_object_end(&writer);
    return err;
}

/* Writer thread, after the commit: only hand the outcome back. */
static void review_done_cb(lty_job_t *job)
{
    lty_scheduler_t *scheduler = job->userdata;
    LTY_ASSERT(scheduler != NULL);
    LTY_ASSERT(job == &scheduler->job);
    pthread_mutex_lock(&scheduler->lock);
    scheduler->job_done = true;
    pthread_cond_broadcast(&scheduler->wake);
    pthread_mutex_unlock(&scheduler->lock);
}

/* Submit the review and wait for its done_cb (under lock on entry and on return). */
static void review_run(lty_scheduler_t *scheduler)
{
    LTY_ASSERT(scheduler != NULL);
    lty_job_t *job = &scheduler->job;
    memset(job, 0, sizeof(*job));
    lty_buf_reset(&scheduler->body);
    job->apply_cb = review_apply_cb;
    job->done_cb = review_done_cb;
    job->userdata = scheduler;
    job->body = &scheduler->body;
    job->now_ms = lty_clock_now_ms();
    snprintf(job->principal, sizeof(job->principal), "%s", SCHEDULER_PRINCIPAL);
    scheduler->job_done = false;
    pthread_mutex_unlock(&scheduler->lock);
    int err = lty_writer_submit(scheduler->options.writer, job);
    pthread_mutex_lock(&scheduler->lock);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=tier_review_skipped err=%s", lty_err_name(err));
        return;
    }
    while (!scheduler->job_done) pthread_cond_wait(&scheduler->wake, &scheduler->lock);
    scheduler->runs++;
    LTY_LOG(job->result == 0 ? LTY_LOG_INFO : LTY_LOG_ERR,
            "event=tier_review reviewed=%llu downgraded=%llu err=%s",
            (unsigned long long)scheduler->review.members_reviewed,
            (unsigned long long)(job->result == 0 ? scheduler->review.members_downgraded : 0),
            lty_err_name(job->result));
}

static void deadline_after(struct timespec *deadline, int64_t interval_ms)
{
    LTY_ASSERT(deadline != NULL && interval_ms > 0);
    clock_gettime(CLOCK_MONOTONIC, deadline);
    int64_t nanoseconds = (int64_t)deadline->tv_nsec + (interval_ms % 1000) * 1000000;
    deadline->tv_sec += (time_t)(interval_ms / 1000 + nanoseconds / 1000000000);
    deadline->tv_nsec = (long)(nanoseconds % 1000000000);
    LTY_ASSERT(deadline->tv_nsec >= 0 && deadline->tv_nsec < 1000000000);
}

static void *scheduler_main(void *argument)
{
    lty_scheduler_t *scheduler = argument;
    LTY_ASSERT(scheduler != NULL);
    LTY_ASSERT(scheduler->options.tier_review_interval_ms > 0);
    pthread_mutex_lock(&scheduler->lock);
    while (!scheduler->stopping) {
        struct timespec deadline;
        deadline_after(&deadline, scheduler->options.tier_review_interval_ms);
        int rc = 0;
        while (!scheduler->stopping && rc == 0) {
            rc = pthread_cond_timedwait(&scheduler->wake, &scheduler->lock, &deadline);
        }
        if (!scheduler->stopping) review_run(scheduler);
    }
    pthread_mutex_unlock(&scheduler->lock);
    return NULL;
}

static int scheduler_sync_init(lty_scheduler_t *scheduler)
{
    LTY_ASSERT(scheduler != NULL);
    pthread_condattr_t attributes;
    if (pthread_condattr_init(&attributes) != 0) return LTY_E_NOMEM;
    int rc = pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    if (rc == 0) rc = pthread_cond_init(&scheduler->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (rc != 0) return LTY_E_NOMEM;
    if (pthread_mutex_init(&scheduler->lock, NULL) != 0) {
        pthread_cond_destroy(&scheduler->wake);
        return LTY_E_NOMEM;
    }
    LTY_ASSERT(!scheduler->stopping);
    return 0;
}

int lty_scheduler_start(lty_scheduler_t **scheduler_out, const lty_scheduler_options_t *options)
{
    LTY_ASSERT(scheduler_out != NULL && options != NULL);
    LTY_ASSERT(options->writer != NULL && options->programme != NULL);
    LTY_ASSERT(options->tier_review_interval_ms > 0);
    *scheduler_out = NULL;
    lty_scheduler_t *scheduler = lty_alloc(sizeof(*scheduler));
    if (scheduler == NULL) return LTY_E_NOMEM;
    memset(scheduler, 0, sizeof(*scheduler));
    scheduler->options = *options;
    snprintf(scheduler->actor.principal, sizeof(scheduler->actor.principal), "%s",
             SCHEDULER_PRINCIPAL);
    lty_buf_init(&scheduler->body, 4096);
    int err = scheduler_sync_init(scheduler);
    if (err == 0 && pthread_create(&scheduler->thread, NULL, scheduler_main, scheduler) != 0) {
        pthread_mutex_destroy(&scheduler->lock);
        pthread_cond_destroy(&scheduler->wake);
        err = LTY_E_IO;
    }
    if (err != 0) {
        lty_buf_deinit(&scheduler->body);
        lty_free(scheduler);
        return err;
    }
    *scheduler_out = scheduler;
    return 0;
}

void lty_scheduler_stop(lty_scheduler_t *scheduler)
{
    if (scheduler == NULL) return;
    pthread_mutex_lock(&scheduler->lock);
    LTY_ASSERT(!scheduler->stopping);
    scheduler->stopping = true;
    pthread_cond_broadcast(&scheduler->wake);
    pthread_mutex_unlock(&scheduler->lock);
    pthread_join(scheduler->thread, NULL);
    pthread_mutex_destroy(&scheduler->lock);
    pthread_cond_destroy(&scheduler->wake);
    lty_buf_deinit(&scheduler->body);
    lty_free(scheduler);
}

uint64_t lty_scheduler_runs(lty_scheduler_t *scheduler)
{
    LTY_ASSERT(scheduler != NULL);
    pthread_mutex_lock(&scheduler->lock);
    uint64_t runs = scheduler->runs;
    LTY_ASSERT(runs < UINT64_MAX);
    pthread_mutex_unlock(&scheduler->lock);
    return runs;
}
