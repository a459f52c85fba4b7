/* SPDX-License-Identifier: MIT */
/* The scheduler thread (scheduler.h): owns its thread, its one writer job and the schedule of
 * the periodic tasks: the tier review, and the programme's jobs (expiry sweep, birthday bonus).
 * Waits use CLOCK_MONOTONIC, so a wall-clock step (or the test clock's offset) never stretches
 * or skips an interval; the jobs themselves run at business time.
 *
 * Why the birthday scan runs here and not in the writer: it reads every member (about a second
 * per million), which would stall every till's commit; here it runs in a read transaction and
 * hands the writer only the members whose birthday it is, in jobs of at most
 * LTY_BIRTHDAY_MEMBERS_PER_TXN_MAX. The grant decides "once a year" itself (ops_bonus.c), so a
 * scan repeated after a restart, or the same day again, grants nothing twice. */
#include "scheduler.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"
#include "lty/lty_log.h"
#include "actor.h"
#include "ops.h"
#include "settings.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SCHEDULER_PRINCIPAL "system:scheduler"
#define SWEEP_RUNS_MAX 100              /* sweep jobs per programme run (more: next run) */
#define BIRTHDAY_VISIT_PER_SCAN 100000  /* members read per read transaction */

enum { TASK_TIER_REVIEW, TASK_PROGRAMME, TASKS_COUNT };

struct lty_scheduler_s {
    lty_scheduler_options_t options;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;             /* under lock */
    bool job_done;             /* under lock: done_cb ran */
    uint64_t runs;             /* under lock: tier reviews */
    int64_t due_ms[TASKS_COUNT]; /* monotonic; the scheduler thread's own */
    int64_t birthday_day;      /* the local day whose birthdays were granted (INT64_MIN: none) */
    lty_job_t job;
    lty_buf_t body;
    lty_actor_t actor;
    /* the job in flight: its input and output */
    lty_ops_tier_review_t review;
    lty_ops_expiry_sweep_t sweep;
    size_t birthday_count;
    size_t birthday_granted;
    uint64_t birthday_ids[LTY_BIRTHDAY_MEMBERS_PER_TXN_MAX];
    size_t gifts_expired;      /* gift reservations the last run expired */
};

/* ---- The jobs (writer thread, child transaction) ------------------------------------------ */

static lty_scheduler_t *job_scheduler(lty_job_t *job)
{
    lty_scheduler_t *scheduler = job->userdata;
    LTY_ASSERT(scheduler != NULL && job == &scheduler->job);
    return scheduler;
}

/* The tier review, as POST /v1/admin/tiers/review does it. */
static int review_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_scheduler_t *scheduler = job_scheduler(job);
    const lty_settings_t *settings = NULL;
    memset(&scheduler->review, 0, sizeof(scheduler->review));
    int err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_tier_review(txn, &scheduler->actor, &settings->programme,
                                            job->now_ms, &scheduler->review);
    /* Gift reservations nobody collected free their stock and give the points back;
     * a sweep that expired its maximum leaves the rest to the next run. */
    scheduler->gifts_expired = 0;
    if (err == 0) err = lty_ops_gift_sweep(txn, job->now_ms, LTY_GIFT_SWEEP_PER_TXN_MAX,
                                           &scheduler->gifts_expired);
    job->status = err == 0 ? 200 : 500;
    return err;
}

/* One expiry sweep, as POST /v1/admin/expiry/sweep does it. */
static int sweep_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_scheduler_t *scheduler = job_scheduler(job);
    memset(&scheduler->sweep, 0, sizeof(scheduler->sweep));
    int err = lty_ops_expiry_sweep(txn, &scheduler->actor, job->now_ms,
                                   LTY_EXPIRY_LOTS_PER_TXN_MAX, &scheduler->sweep);
    job->status = err == 0 ? 200 : 500;
    return err;
}

/* The birthday bonus of the members the scan found. */
static int birthday_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_scheduler_t *scheduler = job_scheduler(job);
    const lty_settings_t *settings = NULL;
    scheduler->birthday_granted = 0;
    int err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_birthday_grant(txn, &scheduler->actor, &settings->programme,
                                               job->now_ms, scheduler->birthday_ids,
                                               scheduler->birthday_count,
                                               &scheduler->birthday_granted);
    job->status = err == 0 ? 200 : 500;
    return err;
}

/* After the commit: only hand the outcome back. */
static void job_done_cb(lty_job_t *job)
{
    lty_scheduler_t *scheduler = job_scheduler(job);
    pthread_mutex_lock(&scheduler->lock);
    scheduler->job_done = true;
    pthread_cond_broadcast(&scheduler->wake);
    pthread_mutex_unlock(&scheduler->lock);
}

/* Submit one job and wait for its done_cb (under lock on entry and on return). 0 or the job's
 * result; LTY_E_UNAVAILABLE when the writer refused it (logged as skipped). */
static int job_run(lty_scheduler_t *scheduler, lty_job_apply_cb apply_cb, const char *name)
{
    LTY_ASSERT(scheduler != NULL && apply_cb != NULL);
    lty_job_t *job = &scheduler->job;
    memset(job, 0, sizeof(*job));
    lty_buf_reset(&scheduler->body);
    job->apply_cb = apply_cb;
    job->done_cb = job_done_cb;
    job->userdata = scheduler;
    job->body = &scheduler->body;
    job->now_ms = lty_clock_now_ms();
    snprintf(job->principal, sizeof(job->principal), "%s", SCHEDULER_PRINCIPAL);
    scheduler->job_done = false;
    pthread_mutex_unlock(&scheduler->lock);
    int err = lty_writer_submit(scheduler->options.writer, job);
    pthread_mutex_lock(&scheduler->lock);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=%s_skipped err=%s", name, lty_err_name(err));
        return err;
    }
    while (!scheduler->job_done) pthread_cond_wait(&scheduler->wake, &scheduler->lock);
    return job->result;
}

/* ---- The tasks (scheduler thread, under lock) ------------------------------------------- */

static void tier_review_run(lty_scheduler_t *scheduler)
{
    int err = job_run(scheduler, review_apply_cb, "tier_review");
    if (err == LTY_E_UNAVAILABLE) return;
    scheduler->runs++;
    LTY_LOG(err == 0 ? LTY_LOG_INFO : LTY_LOG_ERR,
            "event=tier_review reviewed=%llu downgraded=%llu err=%s",
            (unsigned long long)scheduler->review.members_reviewed,
            (unsigned long long)(err == 0 ? scheduler->review.members_downgraded : 0),
            lty_err_name(err));
    if (err == 0 && scheduler->gifts_expired > 0) {
        LTY_LOG(LTY_LOG_INFO, "event=gift_reservations_expired count=%zu",
                scheduler->gifts_expired);
    }
}

static void expiry_sweep_run(lty_scheduler_t *scheduler)
{
    uint64_t lots = 0;
    int64_t points = 0;
    int err = 0;
    for (int run = 0; run < SWEEP_RUNS_MAX; run++) {
        err = job_run(scheduler, sweep_apply_cb, "expiry_sweep");
        if (err != 0) break;
        lots += scheduler->sweep.lots_expired;
        points += scheduler->sweep.points_expired;
        if (!scheduler->sweep.more || scheduler->stopping) break;
    }
    if (err == LTY_E_UNAVAILABLE || err == LTY_E_NOT_LEADER) return; /* a follower: the leader's */
    LTY_LOG(err == 0 ? (lots > 0 ? LTY_LOG_INFO : LTY_LOG_DEBUG) : LTY_LOG_ERR,
            "event=expiry_sweep lots_expired=%llu points_expired=%lld err=%s",
            (unsigned long long)lots, (long long)points, lty_err_name(err));
}

/* Read up to BIRTHDAY_VISIT_PER_SCAN members after *after for today's birthdays (the lock is
 * released meanwhile: a scan takes a while and touches nothing the lock guards). */
static int birthdays_scan(lty_scheduler_t *scheduler, uint64_t *after, int64_t *today_out)
{
    pthread_mutex_unlock(&scheduler->lock);
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int64_t now_ms = lty_clock_now_ms();
    int err = lty_store_read_begin(scheduler->options.store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) *today_out = lty_rules_day(&settings->programme, now_ms);
    bool skip = err == 0 && (settings->programme.birthday_bonus_points == 0 ||
                             *today_out == scheduler->birthday_day); /* off, or done today */
    scheduler->birthday_count = 0;
    uint64_t next_after = 0;
    if (err == 0 && !skip) {
        err = lty_ops_birthdays_find(txn, &settings->programme, now_ms, *after,
                                     BIRTHDAY_VISIT_PER_SCAN, scheduler->birthday_ids,
                                     LTY_BIRTHDAY_MEMBERS_PER_TXN_MAX,
                                     &scheduler->birthday_count, &next_after);
    }
    lty_store_txn_abort(txn);
    *after = next_after;
    pthread_mutex_lock(&scheduler->lock);
    return err;
}

/* Once per local day (and again after a restart): every member whose birthday it is. */
static void birthdays_run(lty_scheduler_t *scheduler)
{
    uint64_t after = 0;
    int64_t today = INT64_MIN;
    size_t granted = 0;
    int err = 0;
    do {
        err = birthdays_scan(scheduler, &after, &today);
        if (err == 0 && scheduler->birthday_count > 0) {
            err = job_run(scheduler, birthday_apply_cb, "birthday_bonus");
            granted += scheduler->birthday_granted;
        }
    } while (err == 0 && after != 0 && !scheduler->stopping);
    if (err == 0 && (today == scheduler->birthday_day || scheduler->stopping)) return;
    if (err == 0) scheduler->birthday_day = today;
    if (err == LTY_E_UNAVAILABLE || err == LTY_E_NOT_LEADER) return;
    LTY_LOG(err == 0 ? LTY_LOG_INFO : LTY_LOG_ERR, "event=birthday_bonus granted=%zu err=%s",
            granted, lty_err_name(err));
}

static void programme_run(lty_scheduler_t *scheduler)
{
    expiry_sweep_run(scheduler);
    if (!scheduler->stopping) birthdays_run(scheduler);
}

/* ---- The thread --------------------------------------------------------------------------- */

static void deadline_at(struct timespec *deadline, int64_t due_ms)
{
    LTY_ASSERT(deadline != NULL && due_ms >= 0);
    deadline->tv_sec = (time_t)(due_ms / 1000);
    deadline->tv_nsec = (long)(due_ms % 1000) * 1000000;
}

static void *scheduler_main(void *argument)
{
    lty_scheduler_t *scheduler = argument;
    LTY_ASSERT(scheduler != NULL);
    static void (*const runs[TASKS_COUNT])(lty_scheduler_t *) = {tier_review_run,
                                                                  programme_run};
    const int64_t intervals[TASKS_COUNT] = {scheduler->options.tier_review_interval_ms,
                                            scheduler->options.programme_jobs_interval_ms};
    pthread_mutex_lock(&scheduler->lock);
    for (int task = 0; task < TASKS_COUNT; task++) {
        scheduler->due_ms[task] = lty_clock_monotonic_ms() + intervals[task];
    }
    while (!scheduler->stopping) {
        int next = scheduler->due_ms[0] <= scheduler->due_ms[1] ? 0 : 1;
        struct timespec deadline;
        deadline_at(&deadline, scheduler->due_ms[next]);
        int rc = 0;
        while (!scheduler->stopping && rc == 0) {
            rc = pthread_cond_timedwait(&scheduler->wake, &scheduler->lock, &deadline);
        }
        if (scheduler->stopping) break;
        runs[next](scheduler);
        scheduler->due_ms[next] = lty_clock_monotonic_ms() + intervals[next];
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
    LTY_ASSERT(options->writer != NULL && options->store != NULL);
    LTY_ASSERT(options->tier_review_interval_ms > 0 && options->programme_jobs_interval_ms > 0);
    *scheduler_out = NULL;
    lty_scheduler_t *scheduler = lty_alloc(sizeof(*scheduler));
    if (scheduler == NULL) return LTY_E_NOMEM;
    memset(scheduler, 0, sizeof(*scheduler));
    scheduler->options = *options;
    scheduler->birthday_day = INT64_MIN;
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
