/* SPDX-License-Identifier: MIT */
/* The analytics workers (analytics_worker.h): a report thread and a run driver, each one thread
 * with its own queue, lock and condition variable. The report thread owns the cached RFM
 * result; the run driver owns its one writer job at a time (it waits for each step's done_cb
 * before the next), so a run never has two steps in the writer's queue.
 *
 * Not here: what a report computes (domain/ops_analytics*.c) or renders (analytics.c). */
#include "analytics_worker.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"
#include "lty/lty_thread.h"
#include "ops_analytics.h"
#include "ops_coupons.h"
#include "settings.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS_RESUMED_MAX 64 /* unfinished runs looked for at start */
#define WORKER_REPORT_NICE 10 /* the report thread's nice value (higher: less CPU when contended) */

typedef struct task_s task_t;
struct task_s {
    task_t *next;
    lty_exchange_t *exchange;            /* report work; NULL for a run to drive */
    lty_api_work_cb work_cb;
    void *command;
    void (*command_free)(void *command);
    uint64_t run_id;                     /* run work */
    uint64_t *ids;                       /* the snapshot to record; NULL when resumed */
    size_t ids_count;
    bool resume;                         /* recorded before a stop: grant only */
};

typedef struct worker_s {
    lty_api_t *api;
    const char *name;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    task_t *head;                        /* under lock */
    task_t *tail;
    size_t queued;
    bool stopping;
    /* the run driver's one job in flight */
    lty_job_t job;
    lty_buf_t body;
    bool job_done;                       /* under lock */
    uint64_t step_run_id;                /* read by the apply callbacks (writer thread) */
    const uint64_t *step_ids;
    size_t step_count;
    lty_segment_run_t step_run;
    lty_api_run_coupons_t step_coupons;  /* a coupon run's codes for the step */
    /* the report worker's cached RFM */
    lty_analytics_rfm_t rfm;
    bool rfm_valid;
    uint64_t rfm_commits;
} worker_t;

struct lty_api_workers_s {
    worker_t reports;
    worker_t runs;
};

static void task_free(task_t *task)
{
    if (task->command != NULL && task->command_free != NULL) task->command_free(task->command);
    lty_free(task->ids);
    lty_free(task);
}

/* Push (under the worker's lock); false when stopping. */
static bool task_push(worker_t *worker, task_t *task, size_t queue_max)
{
    pthread_mutex_lock(&worker->lock);
    bool ok = worker->started && !worker->stopping && worker->queued < queue_max;
    if (ok) {
        task->next = NULL;
        if (worker->tail != NULL) worker->tail->next = task;
        else worker->head = task;
        worker->tail = task;
        worker->queued++;
        pthread_cond_broadcast(&worker->wake);
    }
    pthread_mutex_unlock(&worker->lock);
    return ok;
}

static task_t *task_pop(worker_t *worker)
{
    task_t *task = worker->head;
    if (task != NULL) {
        worker->head = task->next;
        if (worker->head == NULL) worker->tail = NULL;
        worker->queued--;
    }
    return task;
}

/* ---- Reports ----------------------------------------------------------------------------- */

static void report_finish(task_t *task)
{
    lty_exchange_t *exchange = task->exchange;
    task_free(task);
    lty_exchange_complete(exchange); /* last: the exchange may be released at once */
}

int lty__api_analytics_queue(lty_api_t *api, lty_exchange_t *exchange, lty_api_work_cb work_cb,
                             void *command, void (*command_free)(void *command))
{
    LTY_ASSERT(api != NULL && exchange != NULL && work_cb != NULL);
    task_t *task = lty_calloc(1, sizeof(*task));
    if (task == NULL) {
        if (command != NULL && command_free != NULL) command_free(command);
        return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    }
    *task = (task_t){.exchange = exchange, .work_cb = work_cb, .command = command,
                     .command_free = command_free};
    if (api->workers == NULL || !task_push(&api->workers->reports, task, LTY_ANALYTICS_QUEUE_MAX)) {
        task_free(task);
        lty_diag_t diag;
        lty_diag_set(&diag, LTY_E_UNAVAILABLE, "", "%d analytics reports are queued already",
                     LTY_ANALYTICS_QUEUE_MAX);
        return lty_api_reply_error(exchange, LTY_E_UNAVAILABLE, &diag);
    }
    return LTY_API_PENDING;
}

const lty_analytics_rfm_t *lty__api_rfm_cached(lty_api_t *api, int64_t as_of_day,
                                               int64_t window_days, uint64_t snapshot,
                                               uint64_t *snapshot_out, int *err_out)
{
    LTY_ASSERT(api != NULL && api->workers != NULL && snapshot_out != NULL && err_out != NULL);
    worker_t *worker = &api->workers->reports;
    LTY_ASSERT(pthread_equal(pthread_self(), worker->thread));
    lty_store_stats_t stats;
    lty_store_stats(api->store, &stats);
    /* The generation is commits + 1, so 0 never names a result: it means "no snapshot". */
    uint64_t generation = stats.commits + 1;
    bool same = worker->rfm_valid && worker->rfm.as_of_day == as_of_day &&
                worker->rfm.window_days == window_days;
    if (same && (worker->rfm_commits == generation ||
                 (snapshot != 0 && snapshot == worker->rfm_commits))) {
        *snapshot_out = worker->rfm_commits;
        *err_out = 0;
        return &worker->rfm;
    }
    lty_ops_analytics_rfm_free(&worker->rfm);
    worker->rfm_valid = false;
    *err_out = lty_ops_analytics_rfm(api->store, &lty__api_programme_now(api)->analytics, as_of_day,
                                     window_days, &worker->rfm);
    if (*err_out != 0) return NULL;
    worker->rfm_valid = true;
    worker->rfm_commits = generation; /* read before: a commit meanwhile makes it stale */
    *snapshot_out = worker->rfm_commits;
    return &worker->rfm;
}

const lty_programme_t *lty__api_programme_now(lty_api_t *api)
{
    LTY_ASSERT(api != NULL && api->programme != NULL);
    static _Thread_local lty_programme_t programme;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) programme = settings->programme;
    if (txn != NULL) lty_store_txn_abort(txn);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=settings_unreadable err=%d (the programme of the start)",
                err);
        return api->programme;
    }
    return &programme;
}

/* ---- Coupon runs -------------------------------------------------------------------------- */

uint64_t lty__api_run_campaign(const lty_segment_run_t *run)
{
    LTY_ASSERT(run != NULL);
    char *end = NULL;
    unsigned long long campaign_id = strtoull(run->ref, &end, 10);
    if (run->ref[0] < '1' || run->ref[0] > '9' || end == NULL || *end != '\0' ||
        campaign_id > UINT32_MAX) {
        return 0;
    }
    return (uint64_t)campaign_id;
}

int lty__api_run_coupons_mint(lty_api_t *api, uint64_t campaign_id, size_t count,
                              lty_api_run_coupons_t *coupons_out)
{
    LTY_ASSERT(api != NULL && coupons_out != NULL && count <= LTY_RUN_STEP_MEMBERS_MAX);
    memset(coupons_out, 0, sizeof(*coupons_out));
    if (campaign_id == 0 || campaign_id > UINT32_MAX) return LTY_E_CAMPAIGN_NOT_FOUND;
    uint32_t expiry_day = 0;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_campaign_mint_terms(txn, campaign_id, lty_clock_now_ms(),
                                                    &expiry_day);
    if (txn != NULL) lty_store_txn_abort(txn);
    if (err != 0 || count == 0) return err;
    coupons_out->minted = lty_calloc(count, sizeof(*coupons_out->minted));
    if (coupons_out->minted == NULL) return LTY_E_NOMEM;
    err = lty__api_codes_mint(api, campaign_id, expiry_day, count, coupons_out->minted);
    if (err != 0) {
        lty__api_run_coupons_free(coupons_out);
        return err;
    }
    coupons_out->count = count;
    return 0;
}

void lty__api_run_coupons_free(lty_api_run_coupons_t *coupons)
{
    if (coupons == NULL) return;
    lty_free(coupons->minted);
    memset(coupons, 0, sizeof(*coupons));
}

int lty__api_run_coupon_grant(void *userdata, lty_store_txn_t *txn, const lty_segment_run_t *run,
                              const lty_member_t *member, int64_t now_ms,
                              uint64_t *result_id_out)
{
    lty_api_run_coupons_t *coupons = userdata;
    LTY_ASSERT(coupons != NULL && coupons->actor != NULL && run != NULL && member != NULL);
    if (coupons->used == coupons->count) return LTY_E_UNAVAILABLE; /* the next step mints more */
    static _Thread_local lty_ops_issue_t issue; /* room for LTY_COUPON_ISSUE_MAX */
    static _Thread_local lty_ops_issue_result_t result;
    issue.campaign_id = lty__api_run_campaign(run);
    issue.source = LTY_COUPON_SOURCE_MEMBER;
    issue.count = 1;
    issue.member_ids[0] = member->member_id;
    snprintf(issue.issue_key, sizeof(issue.issue_key), "segment-run:%" PRIu64, run->run_id);
    issue.minted[0] = coupons->minted[coupons->used++];
    int err = lty_ops_coupons_issue(txn, coupons->actor, now_ms, &issue, &result, NULL);
    if (err == 0) *result_id_out = result.issued[0].coupon.serial;
    return err;
}

/* ---- The run driver ----------------------------------------------------------------------- */

static int record_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    worker_t *worker = job->userdata;
    job->status = 200;
    return lty_ops_run_record(txn, job->now_ms, worker->step_run_id, worker->step_ids,
                              worker->step_count, &worker->step_run);
}

static int grant_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    worker_t *worker = job->userdata;
    lty_segment_run_t run;
    int err = lty_ops_run_get(txn, worker->step_run_id, &run);
    lty_actor_t actor = {.role = LTY_ROLE_NONE}; /* the operator who made the run */
    snprintf(actor.principal, sizeof(actor.principal), "%s", err == 0 ? run.principal : "");
    job->status = 200;
    const lty_settings_t *settings = NULL; /* those of this transaction */
    if (err == 0) err = lty_settings_get(txn, &settings);
    bool coupon = err == 0 && run.action == LTY_RUN_ACTION_COUPON;
    worker->step_coupons.actor = &actor;
    worker->step_coupons.used = 0; /* a retried step hands the same codes out again */
    if (err == 0) err = lty_ops_run_grant(txn, &actor, &settings->programme, job->now_ms,
                                          worker->step_run_id, LTY_RUN_STEP_MEMBERS_MAX,
                                          coupon ? lty__api_run_coupon_grant : NULL,
                                          coupon ? &worker->step_coupons : NULL,
                                          &worker->step_run);
    worker->step_coupons.actor = NULL;
    return err;
}

static int abandon_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    worker_t *worker = job->userdata;
    job->status = 200;
    return lty_ops_run_abandon(txn, job->now_ms, worker->step_run_id, &worker->step_run);
}

static void step_done_cb(lty_job_t *job)
{
    worker_t *worker = job->userdata;
    pthread_mutex_lock(&worker->lock);
    worker->job_done = true;
    pthread_cond_broadcast(&worker->wake);
    pthread_mutex_unlock(&worker->lock);
}

/* One step through the writer, waited for: 0 or the step's error (logged). */
static int step_run(worker_t *worker, lty_job_apply_cb apply_cb)
{
    lty_job_t *job = &worker->job;
    memset(job, 0, sizeof(*job));
    lty_buf_reset(&worker->body);
    *job = (lty_job_t){.apply_cb = apply_cb, .done_cb = step_done_cb, .userdata = worker,
                       .body = &worker->body, .now_ms = lty_clock_now_ms()};
    snprintf(job->principal, sizeof(job->principal), "system:analytics");
    worker->job_done = false;
    int err = lty_writer_submit(worker->api->writer, job);
    pthread_mutex_lock(&worker->lock);
    while (err == 0 && !worker->job_done) pthread_cond_wait(&worker->wake, &worker->lock);
    pthread_mutex_unlock(&worker->lock);
    if (err == 0) err = job->result;
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=segment_run_step run=%llu err=%s",
                (unsigned long long)worker->step_run_id, lty_err_name(err));
    }
    return err;
}

static bool worker_stopping(worker_t *worker)
{
    pthread_mutex_lock(&worker->lock);
    bool stopping = worker->stopping;
    pthread_mutex_unlock(&worker->lock);
    return stopping;
}

/* Before a grant step of a coupon run: as many codes as it may grant (its members not yet
 * granted, skipped or held out, at most a step's); none for a bonus run. */
static int step_coupons_mint(worker_t *worker)
{
    lty_segment_run_t run;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(worker->api->store, &txn);
    if (err == 0) err = lty_ops_run_get(txn, worker->step_run_id, &run);
    if (txn != NULL) lty_store_txn_abort(txn);
    if (err != 0 || run.action != LTY_RUN_ACTION_COUPON) return err;
    uint64_t settled = run.granted_count + run.skipped_count + run.holdout_count;
    uint64_t left = run.members_count > settled ? run.members_count - settled : 0;
    size_t count = left < LTY_RUN_STEP_MEMBERS_MAX ? (size_t)left : LTY_RUN_STEP_MEMBERS_MAX;
    err = lty__api_run_coupons_mint(worker->api, lty__api_run_campaign(&run), count,
                                    &worker->step_coupons);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=segment_run_coupons run=%llu err=%s",
                (unsigned long long)worker->step_run_id, lty_err_name(err));
    }
    return err;
}

static void run_drive(worker_t *worker, const task_t *task)
{
    worker->step_run_id = task->run_id;
    int err = 0;
    for (size_t offset = 0; err == 0 && offset < task->ids_count;
         offset += LTY_RUN_STEP_MEMBERS_MAX) {
        worker->step_ids = task->ids + offset;
        worker->step_count = task->ids_count - offset < LTY_RUN_STEP_MEMBERS_MAX
                                 ? task->ids_count - offset
                                 : LTY_RUN_STEP_MEMBERS_MAX;
        err = step_run(worker, record_apply_cb);
    }
    bool done = false; /* a run of nobody is DONE when created and never driven */
    while (err == 0 && !done && !worker_stopping(worker)) {
        err = step_coupons_mint(worker); /* a coupon run's codes, signed here */
        if (err == 0) err = step_run(worker, grant_apply_cb);
        lty__api_run_coupons_free(&worker->step_coupons);
        done = err == 0 && worker->step_run.state == LTY_RUN_DONE;
    }
    if (done) {
        LTY_LOG(LTY_LOG_INFO, "event=segment_run_done run=%llu granted=%llu skipped=%llu",
                (unsigned long long)task->run_id,
                (unsigned long long)worker->step_run.granted_count,
                (unsigned long long)worker->step_run.skipped_count);
    }
}

/* At start: finish what a stop interrupted. */
static void runs_resume(worker_t *worker)
{
    uint64_t ids[RUNS_RESUMED_MAX];
    size_t count = 0;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(worker->api->store, &txn);
    if (err == 0) err = lty_ops_runs_unfinished(txn, ids, RUNS_RESUMED_MAX, &count);
    lty_segment_run_t run;
    for (size_t index = 0; err == 0 && index < count; index++) {
        if (lty_ops_run_get(txn, ids[index], &run) != 0) continue;
        if (run.state == LTY_RUN_RECORDING) {
            lty_store_txn_abort(txn); /* no reader held across a writer job */
            txn = NULL;
            worker->step_run_id = ids[index];
            (void)step_run(worker, abandon_apply_cb);
            err = lty_store_read_begin(worker->api->store, &txn);
            continue;
        }
        task_t *task = lty_calloc(1, sizeof(*task));
        if (task == NULL) break;
        task->run_id = ids[index];
        task->resume = true; /* recorded already: grant only */
        if (!task_push(worker, task, SIZE_MAX)) task_free(task);
    }
    lty_store_txn_abort(txn);
}

/* ---- Threads ------------------------------------------------------------------------------ */

static void task_run(worker_t *worker, task_t *task)
{
    if (task->exchange != NULL) {
        if (task->work_cb(worker->api, task->exchange, task->command) == LTY_API_PENDING) {
            task->command = NULL; /* handed on with the exchange (lty_api_submit) */
            task_free(task);
            return;
        }
        report_finish(task);
        return;
    }
    run_drive(worker, task);
    task_free(task);
}

/* Answer what is still queued at stop: reports 503, runs left for the next start. */
static void queue_drain(worker_t *worker)
{
    for (task_t *task = task_pop(worker); task != NULL; task = task_pop(worker)) {
        if (task->exchange != NULL) {
            lty_api_reply_error(task->exchange, LTY_E_UNAVAILABLE, NULL);
            report_finish(task);
        } else {
            task_free(task);
        }
    }
}

static void *worker_main(void *argument)
{
    worker_t *worker = argument;
    /* A report walks every member for seconds: at a lower priority the tills' threads get the
     * CPU first when both cores are busy (bench/analytics: till p99 1.56x with reports back to
     * back at nice 0). The run driver's steps go through the writer and stay at 0. */
    if (worker == &worker->api->workers->reports && lty_thread_nice(WORKER_REPORT_NICE) != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=INTERNAL what=report_worker_priority errno=%d", errno);
    }
    if (worker == &worker->api->workers->runs) runs_resume(worker);
    pthread_mutex_lock(&worker->lock);
    while (!worker->stopping) {
        task_t *task = task_pop(worker);
        if (task == NULL) {
            pthread_cond_wait(&worker->wake, &worker->lock);
            continue;
        }
        pthread_mutex_unlock(&worker->lock);
        task_run(worker, task);
        pthread_mutex_lock(&worker->lock);
    }
    queue_drain(worker);
    pthread_mutex_unlock(&worker->lock);
    return NULL;
}

static int worker_start(worker_t *worker, lty_api_t *api, const char *name)
{
    worker->api = api;
    worker->name = name;
    lty_buf_init(&worker->body, LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX);
    if (pthread_mutex_init(&worker->lock, NULL) != 0) return LTY_E_NOMEM;
    if (pthread_cond_init(&worker->wake, NULL) != 0) return LTY_E_NOMEM;
    worker->started = true; /* before the thread: it may queue at once (resumed runs) */
    if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0) {
        worker->started = false;
        return LTY_E_NOMEM;
    }
    return 0;
}

static void worker_stop(worker_t *worker)
{
    if (!worker->started) return;
    pthread_mutex_lock(&worker->lock);
    worker->stopping = true;
    pthread_cond_broadcast(&worker->wake);
    pthread_mutex_unlock(&worker->lock);
    pthread_join(worker->thread, NULL);
    worker->started = false;
    lty_ops_analytics_rfm_free(&worker->rfm);
    lty_buf_deinit(&worker->body);
    pthread_cond_destroy(&worker->wake);
    pthread_mutex_destroy(&worker->lock);
}

int lty_api_analytics_start(lty_api_t *api)
{
    LTY_ASSERT(api != NULL && api->store != NULL && api->writer != NULL);
    LTY_ASSERT(api->workers == NULL);
    api->workers = lty_calloc(1, sizeof(*api->workers));
    if (api->workers == NULL) return LTY_E_NOMEM;
    int err = worker_start(&api->workers->reports, api, "reports");
    if (err == 0) err = worker_start(&api->workers->runs, api, "runs");
    if (err != 0) lty_api_analytics_stop(api);
    return err;
}

void lty_api_analytics_stop(lty_api_t *api)
{
    LTY_ASSERT(api != NULL);
    if (api->workers == NULL) return;
    worker_stop(&api->workers->reports);
    worker_stop(&api->workers->runs);
    lty_free(api->workers);
    api->workers = NULL;
}

void lty__api_run_drive(lty_api_t *api, uint64_t run_id, uint64_t *ids, size_t count)
{
    LTY_ASSERT(api != NULL && run_id != 0);
    task_t *task = api->workers != NULL ? lty_calloc(1, sizeof(*task)) : NULL;
    if (task == NULL) {
        lty_free(ids); /* the run stays unfinished: the next start ends or resumes it */
        return;
    }
    task->run_id = run_id;
    task->ids = ids;
    task->ids_count = count;
    if (!task_push(&api->workers->runs, task, SIZE_MAX)) task_free(task);
}
