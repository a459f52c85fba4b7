/* SPDX-License-Identifier: MIT */
/* tests/unit/daemon/test_writer.c
 * Goal: the writer applies every accepted job exactly once, commits batches of them at once,
 * answers repeats from the idempotency store (refusals included, 5xx never), refuses a key reused
 * with another request, keeps keys apart by principal, fails a whole batch cleanly when its
 * commit fails, sweeps only expired keys, and drains its queue on stop.
 * Method: a temporary LMDB directory per test; jobs whose apply_cb bumps a counter record; a
 * "gate" job that holds the writer thread inside apply_cb so that the jobs queued meanwhile form
 * one batch. Synchronisation by mutex, condition variables and joins only; no sleeps, no timing
 * assertions. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lty/lty_buf.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "store.h"
#include "writer.h"

#include <cmocka.h> /* last: with UNIT_TESTING it redefines malloc/free */

#define MIB (INT64_C(1) << 20)
#define DAY_MS (INT64_C(24) * 3600 * 1000)
#define SUBMIT_THREADS 4
#define JOBS_PER_THREAD 100
#define BATCH_JOBS 50
#define BIG_VALUE_BYTES (128 * 1024)
#define BIG_JOBS 8

typedef enum mode { MODE_COUNT, MODE_REFUSE, MODE_FAIL_5XX, MODE_GATE, MODE_BIG } mode_t_;

typedef struct tjob_s {
    lty_job_t job;
    lty_buf_t body;
    mode_t_ mode;
    int applied;           /* apply_cb runs (writer thread; read after done) */
    uint64_t commits_seen; /* store commits when done_cb ran */
} tjob_t;

static struct {
    char dir[64];
    lty_store_t *store;
    lty_writer_t *writer;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int done_count;
    bool gate_entered;
    bool gate_open;
} fx;

static const lty_writer_options_t writer_options_default = {
    .batch_jobs_max = 64,
    .batch_wait_us = 0,
    .queue_jobs_max = 1024,
    .idempotency_ttl_ms = 40 * DAY_MS,
    .sweep_interval_ms = 3600 * 1000, /* tests trigger sweeps explicitly */
};

static void remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL) return;
    for (struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        char child[512];
        snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
        if (unlink(child) != 0) remove_tree(child);
    }
    closedir(dir);
    rmdir(path);
}

static int writer_setup_map(const lty_writer_options_t *options, int64_t map_bytes,
                            int64_t map_bytes_max)
{
    memset(&fx, 0, sizeof(fx));
    pthread_mutex_init(&fx.mutex, NULL);
    pthread_cond_init(&fx.cond, NULL);
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/lty_test_writer.XXXXXX");
    if (mkdtemp(fx.dir) == NULL) return -1;
    lty_store_options_t store_options = {
        .path = fx.dir, .map_bytes = map_bytes, .map_bytes_max = map_bytes_max, .create = true};
    if (lty_store_open(&fx.store, &store_options) != 0) return -1;
    return lty_writer_start(&fx.writer, fx.store, options) == 0 ? 0 : -1;
}

static int writer_setup(const lty_writer_options_t *options)
{
    return writer_setup_map(options, 8 * MIB, 0);
}

static int setup_tiny_map_growable(void **state)
{
    (void)state;
    return writer_setup_map(&writer_options_default, MIB, 4 * MIB);
}

static int setup_tiny_map_fixed(void **state)
{
    (void)state;
    return writer_setup_map(&writer_options_default, MIB, MIB);
}

static int setup(void **state)
{
    (void)state;
    return writer_setup(&writer_options_default);
}

static int setup_small_queue(void **state)
{
    (void)state;
    lty_writer_options_t options = writer_options_default;
    options.queue_jobs_max = 4;
    return writer_setup(&options);
}

static int teardown(void **state)
{
    (void)state;
    lty_writer_stop(fx.writer);
    lty_store_close(fx.store);
    remove_tree(fx.dir);
    pthread_cond_destroy(&fx.cond);
    pthread_mutex_destroy(&fx.mutex);
    return 0;
}

/* ---- Jobs -------------------------------------------------------------------------------- */

static int counter_bump(lty_store_txn_t *txn, const char *name, uint64_t *value_out)
{
    lty_bytes_t key = {.data = name, .size = strlen(name)};
    lty_bytes_t value = {0};
    uint64_t counter = 0;
    int err = lty_store_get(txn, LTY_DB_ACCOUNTS, key, &value);
    if (err == 0) {
        assert_int_equal(value.size, sizeof(counter));
        memcpy(&counter, value.data, sizeof(counter));
    } else if (err != LTY_E_NOT_FOUND) {
        return err;
    }
    counter++;
    lty_bytes_t stored = {.data = &counter, .size = sizeof(counter)};
    *value_out = counter;
    return lty_store_put(txn, LTY_DB_ACCOUNTS, key, stored);
}

static void gate_pass(void)
{
    pthread_mutex_lock(&fx.mutex);
    fx.gate_entered = true;
    pthread_cond_broadcast(&fx.cond);
    while (!fx.gate_open)
        pthread_cond_wait(&fx.cond, &fx.mutex);
    pthread_mutex_unlock(&fx.mutex);
}

static int job_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    tjob_t *tjob = job->userdata;
    tjob->applied++;
    if (tjob->mode == MODE_GATE) gate_pass();
    uint64_t counter = 0;
    int err = counter_bump(txn, "counter", &counter);
    if (err != 0) return err;
    if (tjob->mode == MODE_BIG) {
        static char big[BIG_VALUE_BYTES];
        lty_bytes_t key = {.data = job->idempotency_key, .size = strlen(job->idempotency_key)};
        lty_bytes_t value = {.data = big, .size = sizeof(big)};
        err = lty_store_put(txn, LTY_DB_AUDIT, key, value);
        if (err != 0) return err;
    }
    if (tjob->mode == MODE_REFUSE || tjob->mode == MODE_FAIL_5XX) {
        int refusal = tjob->mode == MODE_REFUSE ? LTY_E_INSUFFICIENT_POINTS : LTY_E_IO;
        lty_json_error_render(job->body, refusal, NULL);
        job->status = lty_err_http_status(refusal);
        return refusal;
    }
    lty_buf_appendf(job->body, "{\"counter\":%llu}", (unsigned long long)counter);
    job->status = 200;
    return 0;
}

static void job_done_cb(lty_job_t *job)
{
    tjob_t *tjob = job->userdata;
    lty_store_stats_t stats;
    lty_store_stats(fx.store, &stats);
    pthread_mutex_lock(&fx.mutex);
    tjob->commits_seen = stats.commits;
    fx.done_count++;
    pthread_cond_broadcast(&fx.cond);
    pthread_mutex_unlock(&fx.mutex);
}

static void tjob_init(tjob_t *tjob, const char *principal, const char *key, uint8_t hash,
                      mode_t_ mode)
{
    memset(tjob, 0, sizeof(*tjob));
    lty_buf_init(&tjob->body, 0);
    tjob->mode = mode;
    tjob->job.apply_cb = job_apply_cb;
    tjob->job.done_cb = job_done_cb;
    tjob->job.userdata = tjob;
    tjob->job.body = &tjob->body;
    tjob->job.now_ms = lty_clock_now_ms();
    snprintf(tjob->job.principal, sizeof(tjob->job.principal), "%s", principal);
    snprintf(tjob->job.idempotency_key, sizeof(tjob->job.idempotency_key), "%s", key);
    memset(tjob->job.request_hash, hash, sizeof(tjob->job.request_hash));
}

static void wait_done(int count)
{
    pthread_mutex_lock(&fx.mutex);
    while (fx.done_count < count)
        pthread_cond_wait(&fx.cond, &fx.mutex);
    pthread_mutex_unlock(&fx.mutex);
}

/* Submit one job and wait until its done_cb ran. */
static void run_one(tjob_t *tjob)
{
    pthread_mutex_lock(&fx.mutex);
    int target = fx.done_count + 1;
    pthread_mutex_unlock(&fx.mutex);
    assert_int_equal(lty_writer_submit(fx.writer, &tjob->job), 0);
    wait_done(target);
}

static void gate_wait_entered(void)
{
    pthread_mutex_lock(&fx.mutex);
    while (!fx.gate_entered)
        pthread_cond_wait(&fx.cond, &fx.mutex);
    pthread_mutex_unlock(&fx.mutex);
}

static void gate_open(void)
{
    pthread_mutex_lock(&fx.mutex);
    fx.gate_open = true;
    pthread_cond_broadcast(&fx.cond);
    pthread_mutex_unlock(&fx.mutex);
}

static uint64_t counter_read(void)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(fx.store, &txn), 0);
    lty_bytes_t key = {.data = "counter", .size = 7};
    lty_bytes_t value = {0};
    uint64_t counter = 0;
    if (lty_store_get(txn, LTY_DB_ACCOUNTS, key, &value) == 0) {
        memcpy(&counter, value.data, sizeof(counter));
    }
    lty_store_txn_abort(txn);
    return counter;
}

static uint64_t entries_count(lty_db_t db)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(fx.store, &txn), 0);
    uint64_t count = 0;
    assert_int_equal(lty_store_count(txn, db, &count), 0);
    lty_store_txn_abort(txn);
    return count;
}

static bool body_is(const tjob_t *tjob, const char *text)
{
    return tjob->body.size == strlen(text) && memcmp(tjob->body.data, text, tjob->body.size) == 0;
}

static bool body_has(const tjob_t *tjob, const char *text)
{
    return tjob->body.data != NULL && strstr(tjob->body.data, text) != NULL;
}

/* ---- Tests ------------------------------------------------------------------------------- */

typedef struct submitter_s {
    tjob_t jobs[JOBS_PER_THREAD];
    int thread_index;
    int refused;
} submitter_t;

static void *submitter_main(void *argument)
{
    submitter_t *submitter = argument;
    for (int index = 0; index < JOBS_PER_THREAD; index++) {
        char key[32];
        snprintf(key, sizeof(key), "t%d-j%d", submitter->thread_index, index);
        tjob_init(&submitter->jobs[index], "till:S001/T01", key, 1, MODE_COUNT);
        if (lty_writer_submit(fx.writer, &submitter->jobs[index].job) != 0) submitter->refused++;
    }
    return NULL;
}

static void test_writer_jobs_from_several_threads_apply_exactly_once(void **state)
{
    (void)state;
    static submitter_t submitters[SUBMIT_THREADS];
    pthread_t threads[SUBMIT_THREADS];
    for (int index = 0; index < SUBMIT_THREADS; index++) {
        submitters[index].thread_index = index;
        submitters[index].refused = 0;
        assert_int_equal(pthread_create(&threads[index], NULL, submitter_main, &submitters[index]),
                         0);
    }
    for (int index = 0; index < SUBMIT_THREADS; index++) {
        assert_int_equal(pthread_join(threads[index], NULL), 0);
        assert_int_equal(submitters[index].refused, 0);
    }
    wait_done(SUBMIT_THREADS * JOBS_PER_THREAD);
    assert_int_equal(counter_read(), SUBMIT_THREADS * JOBS_PER_THREAD);
    for (int thread = 0; thread < SUBMIT_THREADS; thread++) {
        for (int index = 0; index < JOBS_PER_THREAD; index++) {
            tjob_t *tjob = &submitters[thread].jobs[index];
            assert_int_equal(tjob->applied, 1);
            assert_int_equal(tjob->job.result, 0);
            assert_int_equal(tjob->job.status, 200);
            assert_false(tjob->job.replayed);
            lty_buf_deinit(&tjob->body);
        }
    }
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), SUBMIT_THREADS * JOBS_PER_THREAD);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY_BY_EXPIRY), SUBMIT_THREADS * JOBS_PER_THREAD);
    lty_writer_stats_t stats;
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.jobs, SUBMIT_THREADS * JOBS_PER_THREAD);
    assert_int_equal(stats.queue_depth, 0);
    assert_int_equal(stats.replays, 0);
}

static void test_writer_batch_commits_many_jobs_at_once(void **state)
{
    (void)state;
    static tjob_t jobs[BATCH_JOBS];
    tjob_t gate;
    tjob_init(&gate, "till:S001/T01", "", 0, MODE_GATE);
    assert_int_equal(lty_writer_submit(fx.writer, &gate.job), 0);
    gate_wait_entered(); /* the writer holds the gate's batch; the next jobs queue up */
    lty_store_stats_t before;
    lty_store_stats(fx.store, &before);
    for (int index = 0; index < BATCH_JOBS; index++) {
        char key[16];
        snprintf(key, sizeof(key), "b%d", index);
        tjob_init(&jobs[index], "till:S001/T01", key, 2, MODE_COUNT);
        assert_int_equal(lty_writer_submit(fx.writer, &jobs[index].job), 0);
    }
    gate_open();
    wait_done(1 + BATCH_JOBS);
    lty_store_stats_t after;
    lty_store_stats(fx.store, &after);
    assert_int_equal(after.commits - before.commits, 2); /* the gate's batch, then all 50 */
    lty_writer_stats_t stats;
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.batches, 2);
    assert_int_equal(stats.jobs, 1 + BATCH_JOBS);
    for (int index = 0; index < BATCH_JOBS; index++) {
        assert_int_equal(jobs[index].job.result, 0);
        /* done_cb ran only after the commit that holds the job returned */
        assert_int_equal(jobs[index].commits_seen, before.commits + 2);
        lty_buf_deinit(&jobs[index].body);
    }
    assert_int_equal(gate.commits_seen, before.commits + 1);
    assert_int_equal(counter_read(), 1 + BATCH_JOBS);
    lty_buf_deinit(&gate.body);
}

static void test_writer_replay_returns_stored_response_without_apply(void **state)
{
    (void)state;
    tjob_t first;
    tjob_t again;
    tjob_init(&first, "till:S001/T01", "sale-1", 7, MODE_COUNT);
    run_one(&first);
    assert_int_equal(first.job.status, 200);
    assert_true(body_is(&first, "{\"counter\":1}"));
    assert_false(first.job.replayed);
    tjob_init(&again, "till:S001/T01", "sale-1", 7, MODE_COUNT);
    run_one(&again);
    assert_int_equal(again.applied, 0);
    assert_true(again.job.replayed);
    assert_int_equal(again.job.result, 0);
    assert_int_equal(again.job.status, 200);
    assert_true(body_is(&again, "{\"counter\":1}"));
    assert_int_equal(counter_read(), 1);
    lty_writer_stats_t stats;
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.replays, 1);
    lty_buf_deinit(&first.body);
    lty_buf_deinit(&again.body);
}

static void test_writer_same_key_other_request_is_refused_422(void **state)
{
    (void)state;
    tjob_t first;
    tjob_t other;
    tjob_t again;
    tjob_init(&first, "till:S001/T01", "sale-2", 7, MODE_COUNT);
    run_one(&first);
    tjob_init(&other, "till:S001/T01", "sale-2", 8, MODE_COUNT);
    run_one(&other);
    assert_int_equal(other.applied, 0);
    assert_false(other.job.replayed);
    assert_int_equal(other.job.result, LTY_E_IDEMPOTENCY_KEY_REUSED);
    assert_int_equal(other.job.status, 422);
    assert_true(body_has(&other, "\"idempotency_key_reused\""));
    assert_int_equal(counter_read(), 1);
    tjob_init(&again, "till:S001/T01", "sale-2", 7, MODE_COUNT); /* the original still replays */
    run_one(&again);
    assert_true(again.job.replayed);
    assert_true(body_is(&again, "{\"counter\":1}"));
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 1);
    lty_buf_deinit(&first.body);
    lty_buf_deinit(&other.body);
    lty_buf_deinit(&again.body);
}

static void test_writer_refusal_is_stored_replayed_and_not_applied(void **state)
{
    (void)state;
    tjob_t refused;
    tjob_t retry;
    tjob_init(&refused, "till:S001/T01", "redeem-1", 3, MODE_REFUSE);
    run_one(&refused);
    assert_int_equal(refused.applied, 1);
    assert_int_equal(refused.job.result, LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(refused.job.status, 409);
    assert_true(body_has(&refused, "\"insufficient_points\""));
    assert_int_equal(counter_read(), 0); /* the child's bump was aborted */
    /* The retry would succeed now, but a refused request stays refused. */
    tjob_init(&retry, "till:S001/T01", "redeem-1", 3, MODE_COUNT);
    run_one(&retry);
    assert_int_equal(retry.applied, 0);
    assert_true(retry.job.replayed);
    assert_int_equal(retry.job.result, 0);
    assert_int_equal(retry.job.status, 409);
    assert_true(body_is(&retry, refused.body.data));
    assert_int_equal(counter_read(), 0);
    lty_buf_deinit(&refused.body);
    lty_buf_deinit(&retry.body);
}

static void test_writer_server_error_is_not_stored(void **state)
{
    (void)state;
    tjob_t failed;
    tjob_t retry;
    tjob_init(&failed, "till:S001/T01", "topup-1", 4, MODE_FAIL_5XX);
    run_one(&failed);
    assert_int_equal(failed.job.result, LTY_E_IO);
    assert_int_equal(failed.job.status, 500);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 0);
    assert_int_equal(counter_read(), 0);
    tjob_init(&retry, "till:S001/T01", "topup-1", 4, MODE_COUNT);
    run_one(&retry);
    assert_int_equal(retry.applied, 1);
    assert_false(retry.job.replayed);
    assert_int_equal(retry.job.status, 200);
    assert_int_equal(counter_read(), 1);
    lty_buf_deinit(&failed.body);
    lty_buf_deinit(&retry.body);
}

static void test_writer_commit_failure_fails_whole_batch_then_retry_succeeds(void **state)
{
    (void)state;
    static tjob_t jobs[10];
    tjob_t gate;
    tjob_init(&gate, "till:S001/T01", "gate", 9, MODE_GATE);
    assert_int_equal(lty_writer_submit(fx.writer, &gate.job), 0);
    gate_wait_entered();
    for (int index = 0; index < 10; index++) {
        char key[16];
        snprintf(key, sizeof(key), "c%d", index);
        tjob_init(&jobs[index], "till:S001/T01", key, 5, MODE_COUNT);
        assert_int_equal(lty_writer_submit(fx.writer, &jobs[index].job), 0);
    }
    lty_store_fault_commit_fail(fx.store, 2); /* the gate's batch and the batch of ten */
    gate_open();
    wait_done(11);
    assert_int_equal(gate.job.result, LTY_E_COMMIT_FAILED);
    for (int index = 0; index < 10; index++) {
        assert_int_equal(jobs[index].job.result, LTY_E_COMMIT_FAILED);
        assert_int_equal(jobs[index].job.status, 503);
        assert_true(body_has(&jobs[index], "\"commit_failed\""));
    }
    assert_int_equal(counter_read(), 0);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 0);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY_BY_EXPIRY), 0);
    for (int index = 0; index < 10; index++)
        run_one(&jobs[index]); /* same keys, retried */
    for (int index = 0; index < 10; index++) {
        assert_int_equal(jobs[index].job.result, 0);
        assert_false(jobs[index].job.replayed);
        assert_int_equal(jobs[index].applied, 2);
        lty_buf_deinit(&jobs[index].body);
    }
    assert_int_equal(counter_read(), 10);
    lty_writer_stats_t stats;
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.commit_failures, 2);
    lty_buf_deinit(&gate.body);
}

static void test_writer_keys_are_scoped_by_principal(void **state)
{
    (void)state;
    tjob_t first;
    tjob_t second;
    tjob_init(&first, "till:S001/T01", "k1", 6, MODE_COUNT);
    tjob_init(&second, "till:S001/T02", "k1", 6, MODE_COUNT);
    run_one(&first);
    run_one(&second);
    assert_false(first.job.replayed);
    assert_false(second.job.replayed);
    assert_int_equal(first.applied, 1);
    assert_int_equal(second.applied, 1);
    assert_int_equal(counter_read(), 2);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 2);
    lty_buf_deinit(&first.body);
    lty_buf_deinit(&second.body);
}

static void test_writer_jobs_without_key_always_apply(void **state)
{
    (void)state;
    tjob_t first;
    tjob_t second;
    tjob_init(&first, "operator:alice", "", 1, MODE_COUNT);
    tjob_init(&second, "operator:alice", "", 1, MODE_COUNT);
    run_one(&first);
    run_one(&second);
    assert_true(body_is(&second, "{\"counter\":2}"));
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 0);
    lty_buf_deinit(&first.body);
    lty_buf_deinit(&second.body);
}

static void test_writer_dry_run_answers_and_keeps_nothing(void **state)
{
    (void)state;
    tjob_t dry;
    tjob_t real;
    tjob_init(&dry, "operator:alice", "dry-1", 3, MODE_COUNT);
    dry.job.dry_run = true;
    run_one(&dry);
    assert_int_equal(dry.applied, 1);
    assert_int_equal(dry.job.status, 200);
    assert_true(body_is(&dry, "{\"counter\":1}")); /* what it would do */
    assert_int_equal(counter_read(), 0);            /* and nothing of it kept */
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 1); /* its answer is, like any */
    tjob_init(&real, "operator:alice", "real-1", 3, MODE_COUNT);
    run_one(&real);
    assert_true(body_is(&real, "{\"counter\":1}"));
    assert_int_equal(counter_read(), 1);
    lty_buf_deinit(&dry.body);
    lty_buf_deinit(&real.body);
}

static void test_writer_sweep_deletes_expired_keys_only(void **state)
{
    (void)state;
    tjob_t jobs[5];
    int64_t now_ms = lty_clock_now_ms();
    for (int index = 0; index < 5; index++) {
        char key[16];
        snprintf(key, sizeof(key), "s%d", index);
        tjob_init(&jobs[index], "till:S001/T01", key, 1, MODE_COUNT);
        /* Three requests from 41 days ago (expired after 40), two from now. */
        jobs[index].job.now_ms = index < 3 ? now_ms - 41 * DAY_MS : now_ms;
        run_one(&jobs[index]);
    }
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 5);
    lty_writer_sweep_run(fx.writer);
    lty_writer_stats_t stats;
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.keys_swept, 3);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 2);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY_BY_EXPIRY), 2);
    lty_writer_sweep_run(fx.writer); /* nothing more is due */
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.keys_swept, 3);
    tjob_t expired;
    tjob_t fresh;
    tjob_init(&expired, "till:S001/T01", "s0", 1, MODE_COUNT);
    tjob_init(&fresh, "till:S001/T01", "s4", 1, MODE_COUNT);
    run_one(&expired);
    run_one(&fresh);
    assert_false(expired.job.replayed); /* its key is gone: a new request */
    assert_true(fresh.job.replayed);
    for (int index = 0; index < 5; index++)
        lty_buf_deinit(&jobs[index].body);
    lty_buf_deinit(&expired.body);
    lty_buf_deinit(&fresh.body);
}

static void test_writer_full_queue_refuses_unavailable(void **state)
{
    (void)state;
    tjob_t gate;
    tjob_t jobs[5];
    tjob_init(&gate, "till:S001/T01", "", 0, MODE_GATE);
    assert_int_equal(lty_writer_submit(fx.writer, &gate.job), 0);
    gate_wait_entered(); /* the gate left the queue: four slots are free */
    for (int index = 0; index < 5; index++) {
        tjob_init(&jobs[index], "till:S001/T01", "", 0, MODE_COUNT);
        int expected = index < 4 ? 0 : LTY_E_UNAVAILABLE;
        assert_int_equal(lty_writer_submit(fx.writer, &jobs[index].job), expected);
    }
    lty_writer_stats_t stats;
    lty_writer_stats(fx.writer, &stats);
    assert_int_equal(stats.queue_depth, 4);
    gate_open();
    wait_done(5);
    assert_int_equal(jobs[4].applied, 0); /* refused: never run, done_cb never called */
    assert_int_equal(counter_read(), 5);
    lty_buf_deinit(&gate.body);
    for (int index = 0; index < 5; index++)
        lty_buf_deinit(&jobs[index].body);
}

static void test_writer_stop_drains_the_queue(void **state)
{
    (void)state;
    static tjob_t jobs[30];
    tjob_t gate;
    tjob_init(&gate, "till:S001/T01", "", 0, MODE_GATE);
    assert_int_equal(lty_writer_submit(fx.writer, &gate.job), 0);
    gate_wait_entered();
    for (int index = 0; index < 30; index++) {
        char key[16];
        snprintf(key, sizeof(key), "d%d", index);
        tjob_init(&jobs[index], "till:S001/T01", key, 1, MODE_COUNT);
        assert_int_equal(lty_writer_submit(fx.writer, &jobs[index].job), 0);
    }
    gate_open();
    lty_writer_stop(fx.writer); /* returns only after every queued job is committed and done */
    fx.writer = NULL;
    pthread_mutex_lock(&fx.mutex);
    assert_int_equal(fx.done_count, 31);
    pthread_mutex_unlock(&fx.mutex);
    for (int index = 0; index < 30; index++) {
        assert_int_equal(jobs[index].job.result, 0);
        lty_buf_deinit(&jobs[index].body);
    }
    assert_int_equal(counter_read(), 31);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 30);
    lty_buf_deinit(&gate.body);
}

/* Two jobs with one key in one batch: the second replays the first's record, which is durable
 * only with the batch, so a failed commit fails both. */
static void same_key_batch_run(tjob_t *first, tjob_t *second, const char *key, int faults)
{
    tjob_t gate;
    tjob_init(&gate, "till:S001/T01", "", 0, MODE_GATE);
    assert_int_equal(lty_writer_submit(fx.writer, &gate.job), 0);
    gate_wait_entered();
    tjob_init(first, "till:S001/T01", key, 3, MODE_COUNT);
    tjob_init(second, "till:S001/T01", key, 3, MODE_COUNT);
    assert_int_equal(lty_writer_submit(fx.writer, &first->job), 0);
    assert_int_equal(lty_writer_submit(fx.writer, &second->job), 0);
    lty_store_fault_commit_fail(fx.store, faults);
    gate_open();
    wait_done(3);
    lty_buf_deinit(&gate.body);
}

static void test_writer_replay_within_a_batch_shares_its_fate(void **state)
{
    (void)state;
    tjob_t first;
    tjob_t second;
    same_key_batch_run(&first, &second, "twice-a", 0);
    assert_int_equal(first.job.result, 0);
    assert_true(second.job.replayed);
    assert_int_equal(second.applied, 0);
    assert_true(body_is(&second, first.body.data));
    lty_buf_deinit(&first.body);
    lty_buf_deinit(&second.body);
    lty_writer_stop(fx.writer);
    fx.writer = NULL;
    fx.gate_entered = false;
    fx.gate_open = false;
    fx.done_count = 0;
    assert_int_equal(lty_writer_start(&fx.writer, fx.store, &writer_options_default), 0);
    tjob_t third;
    tjob_t fourth;
    same_key_batch_run(&third, &fourth, "twice-b",
                       2); /* the gate's batch and the pair's batch fail */
    assert_int_equal(third.job.result, LTY_E_COMMIT_FAILED);
    assert_int_equal(fourth.job.result, LTY_E_COMMIT_FAILED);
    assert_false(fourth.job.replayed);
    assert_int_equal(fourth.job.status, 503);
    assert_int_equal(counter_read(), 2); /* gate + first from the batch that committed */
    lty_buf_deinit(&third.body);
    lty_buf_deinit(&fourth.body);
}

/* Queue BIG_JOBS jobs of 128 KiB each behind a gate so they form one batch of 1 MiB. */
static void big_batch_run(tjob_t *jobs)
{
    tjob_t gate;
    tjob_init(&gate, "till:S001/T01", "", 0, MODE_GATE);
    assert_int_equal(lty_writer_submit(fx.writer, &gate.job), 0);
    gate_wait_entered();
    for (int index = 0; index < BIG_JOBS; index++) {
        char key[16];
        snprintf(key, sizeof(key), "big%d", index);
        tjob_init(&jobs[index], "till:S001/T01", key, 1, MODE_BIG);
        assert_int_equal(lty_writer_submit(fx.writer, &jobs[index].job), 0);
    }
    gate_open();
    wait_done(1 + BIG_JOBS);
    assert_int_equal(gate.job.result, 0);
    lty_buf_deinit(&gate.body);
}

static void test_writer_full_map_grows_and_retries_the_batch(void **state)
{
    (void)state;
    tjob_t jobs[BIG_JOBS];
    big_batch_run(jobs);
    for (int index = 0; index < BIG_JOBS; index++) {
        assert_int_equal(jobs[index].job.result, 0);
        assert_int_equal(jobs[index].job.status, 200);
        assert_int_equal(jobs[index].applied, 2); /* re-run in the retried batch */
        lty_buf_deinit(&jobs[index].body);
    }
    lty_store_stats_t stats;
    lty_store_stats(fx.store, &stats);
    assert_int_equal(stats.map_grows, 1);
    assert_int_equal(stats.map_bytes, 2 * MIB);
    assert_int_equal(counter_read(), 1 + BIG_JOBS);
    assert_int_equal(entries_count(LTY_DB_AUDIT), BIG_JOBS);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), BIG_JOBS);
}

static void test_writer_full_map_at_its_maximum_answers_507(void **state)
{
    (void)state;
    tjob_t jobs[BIG_JOBS];
    big_batch_run(jobs);
    for (int index = 0; index < BIG_JOBS; index++) {
        assert_int_equal(jobs[index].job.result, LTY_E_STORE_FULL);
        assert_int_equal(jobs[index].job.status, 507);
        assert_true(body_has(&jobs[index], "\"storage_full\""));
        lty_buf_deinit(&jobs[index].body);
    }
    assert_int_equal(counter_read(), 1); /* only the gate's own batch */
    assert_int_equal(entries_count(LTY_DB_AUDIT), 0);
    assert_int_equal(entries_count(LTY_DB_IDEMPOTENCY), 0);
    tjob_t small;
    tjob_init(&small, "till:S001/T01", "after", 1, MODE_COUNT); /* the writer still works */
    run_one(&small);
    assert_int_equal(small.job.result, 0);
    lty_buf_deinit(&small.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_jobs_from_several_threads_apply_exactly_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_batch_commits_many_jobs_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_replay_returns_stored_response_without_apply,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_same_key_other_request_is_refused_422, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_refusal_is_stored_replayed_and_not_applied,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_server_error_is_not_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_writer_commit_failure_fails_whole_batch_then_retry_succeeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_keys_are_scoped_by_principal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_jobs_without_key_always_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_dry_run_answers_and_keeps_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_sweep_deletes_expired_keys_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_full_queue_refuses_unavailable,
                                        setup_small_queue, teardown),
        cmocka_unit_test_setup_teardown(test_writer_stop_drains_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_replay_within_a_batch_shares_its_fate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_full_map_grows_and_retries_the_batch,
                                        setup_tiny_map_growable, teardown),
        cmocka_unit_test_setup_teardown(test_writer_full_map_at_its_maximum_answers_507,
                                        setup_tiny_map_fixed, teardown),
    };
    return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
