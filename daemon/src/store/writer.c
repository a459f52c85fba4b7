/* SPDX-License-Identifier: MIT */
/* writer.c: the one writer thread of loyaltyd. It owns the job queue (bounded, mutex and condvar),
 * the batching policy, the parent write transaction of each batch with one nested child per job,
 * the idempotency records (stored here, encoded by records.c, documented in docs/storage.md),
 * the background sweep of expired keys, and the promise that no done_cb runs
 * before the commit holding its job returned. It does not know what a job does (apply_cb does)
 * nor how a response travels back (done_cb hands it off). */
#include "writer.h"
#include "records.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "lty/lty_log.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define IDEM_TTL_MS_FLOOR 1 /* config.c enforces the 35-day minimum; tests may go lower */

_Static_assert(sizeof(((lty_job_t *)0)->request_hash) == LTY_IDEMPOTENCY_HASH_BYTES, "hash size");

struct lty_writer_s {
    lty_store_t *store;
    lty_writer_options_t options;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t wake;  /* jobs queued, a sweep requested, or stop began */
    pthread_cond_t swept; /* a sweep finished */
    /* Guarded by mutex. */
    lty_job_t *head;
    lty_job_t *tail;
    int queue_depth;
    int batch_last; /* jobs in the previous batch: the adaptive wait's target */
    bool stopping;
    bool sweep_requested;
    uint64_t sweeps_started;
    uint64_t sweeps_done;
    int64_t sweep_due_ms; /* monotonic */
    lty_writer_stats_t stats;
    /* Writer thread only: the encoded idempotency record of the job being stored. */
    uint8_t record[LTY_RECORD_IDEMPOTENCY_BYTES_MAX];
    /* Writer thread only, replicated mode: the change list of the open transaction. */
    lty_buf_t changes;
};

/* ---- Idempotency records ----------------------------------------------------------------- */

/* Replace the job's response with the standard error document for err. */
static void job_error_set(lty_job_t *job, int err)
{
    LTY_ASSERT(job != NULL);
    LTY_ASSERT(err < 0);
    lty_buf_reset(job->body);
    lty_json_error_render(job->body, err, NULL);
    job->status = lty_err_http_status(err);
    job->result = err;
    job->replayed = false;
}

/* Answer a job from its stored record, if there is one: *handled_out tells. Errors returned
 * are the parent transaction's (batch failures). */
static int idem_lookup(lty_store_txn_t *parent, lty_job_t *job, lty_bytes_t key, bool *handled_out)
{
    LTY_ASSERT(parent != NULL);
    LTY_ASSERT(handled_out != NULL);
    *handled_out = false;
    lty_bytes_t value = {0};
    int err = lty_store_get(parent, LTY_DB_IDEMPOTENCY, key, &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err != 0) return err;
    *handled_out = true;
    lty_idempotency_t record;
    err = lty_record_idempotency_decode(value, &record);
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "event=idempotency_record_invalid bytes=%zu err=%s", value.size,
                lty_err_name(err));
        job_error_set(job, err);
        return 0;
    }
    if (memcmp(record.request_hash, job->request_hash, LTY_IDEMPOTENCY_HASH_BYTES) != 0) {
        job_error_set(job, LTY_E_IDEMPOTENCY_KEY_REUSED); /* nothing stored, nothing applied */
        return 0;
    }
    lty_buf_append(job->body, record.body, record.body_bytes);
    if (lty_buf_error(job->body) != 0) {
        job_error_set(job, LTY_E_NOMEM);
        return 0;
    }
    job->status = record.status;
    job->result = 0;
    job->replayed = true;
    return 0;
}

/* Store the job's response under its key, and index it by expiry for the sweep, both in the
 * parent so they commit (or vanish) with the job's effect. */
static int idem_store(lty_writer_t *writer, lty_store_txn_t *parent, const lty_job_t *job,
                      lty_bytes_t key)
{
    LTY_ASSERT(job->now_ms >= 0);
    LTY_ASSERT(job->now_ms <= INT64_MAX - writer->options.idempotency_ttl_ms);
    int64_t expires_ms = job->now_ms + writer->options.idempotency_ttl_ms;
    LTY_ASSERT(job->status >= 100 && job->status < 500);
    LTY_ASSERT(job->body->size <= LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX); /* programmer error */
    lty_idempotency_t record = {.status = job->status, .created_ms = job->now_ms,
                                .expires_ms = expires_ms,
                                .body = (const uint8_t *)job->body->data,
                                .body_bytes = job->body->size};
    memcpy(record.request_hash, job->request_hash, LTY_IDEMPOTENCY_HASH_BYTES);
    size_t size = lty_record_idempotency_encode(&record, writer->record, sizeof(writer->record));
    lty_bytes_t value = {.data = writer->record, .size = size};
    lty_idempotency_t check;
    /* pair assertion: what we write, we can read */
    LTY_ASSERT(lty_record_idempotency_decode(value, &check) == 0);
    LTY_ASSERT(check.expires_ms == expires_ms);
    int err = lty_store_insert(parent, LTY_DB_IDEMPOTENCY, key, value);
    LTY_ASSERT(err != LTY_E_EXISTS); /* the lookup in this same transaction found nothing */
    if (err != 0) return err;
    uint8_t index_key[LTY_IDEMPOTENCY_EXPIRY_KEY_BYTES_MAX];
    lty_bytes_t index = {.data = index_key,
                         .size = lty_key_idempotency_expiry(expires_ms, key, index_key)};
    lty_bytes_t empty = {.data = NULL, .size = 0};
    err = lty_store_insert(parent, LTY_DB_IDEMPOTENCY_BY_EXPIRY, index, empty);
    LTY_ASSERT(err != LTY_E_EXISTS);
    return err;
}

/* ---- One job, one batch ------------------------------------------------------------------ */

/* Run apply_cb in a child: keep its changes on 0, drop them on an error. Returns only errors
 * that fail the whole batch (the parent's, and a full map, which the batch retries after
 * growing it); the job's own outcome is in job->result and job->status. */
static int job_apply(lty_store_t *store, lty_store_txn_t *parent, lty_job_t *job)
{
    LTY_ASSERT(job->apply_cb != NULL);
    LTY_ASSERT(job->body != NULL);
    lty_store_txn_t *child = NULL;
    int err = lty_store_txn_begin(store, parent, &child);
    if (err != 0) return err;
    int result = job->apply_cb(job, child);
    if (result == 0 && lty_buf_error(job->body) != 0) {
        LTY_LOG(LTY_LOG_ERR, "event=response_render_failed err=%s",
                lty_err_name(lty_buf_error(job->body)));
        result = LTY_E_INTERNAL; /* a response we cannot send must not be committed */
        job->status = 0;
    }
    if (result == 0 && job->dry_run) {
        LTY_ASSERT(job->status >= 100 && job->status <= 599); /* apply_cb sets it */
        lty_store_txn_abort(child); /* a dry run answers what it would do and keeps nothing */
    } else if (result == 0) {
        LTY_ASSERT(job->status >= 100 && job->status <= 599); /* apply_cb sets it */
        err = lty_store_txn_commit(child);
        if (err != 0) return err; /* the store marked the parent failed */
    } else {
        lty_store_txn_abort(child);
        if (result == LTY_E_STORE_FULL) return result;
        if (job->status == 0 || lty_buf_error(job->body) != 0) job_error_set(job, result);
    }
    job->result = result;
    LTY_ASSERT(job->status >= 100 && job->status <= 599);
    return 0;
}

static int job_run(lty_writer_t *writer, lty_store_txn_t *parent, lty_job_t *job)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(parent != NULL);
    job->status = 0;
    job->result = 0;
    job->replayed = false;
    lty_buf_reset(job->body); /* apply callbacks re-run when a batch is retried */
    bool keyed = job->idempotency_key[0] != '\0';
    uint8_t key_bytes[LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX];
    lty_bytes_t key = {.data = key_bytes, .size = 0};
    if (keyed) {
        key.size = lty_key_idempotency(job->principal, job->idempotency_key, key_bytes);
        bool handled = false;
        int err = idem_lookup(parent, job, key, &handled);
        if (err != 0 || handled) return err;
    }
    int err = job_apply(writer->store, parent, job);
    if (err != 0) return err;
    if (keyed && job->status < 500) err = idem_store(writer, parent, job, key);
    return err;
}

/* One parent transaction over the whole batch, committed once. */
static int64_t monotonic_us(void)
{
    struct timespec now;
    int rc = clock_gettime(CLOCK_MONOTONIC, &now);
    LTY_ASSERT(rc == 0);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

/* Begin a top-level write transaction; in replicated mode its changes are recorded. */
static int write_begin(lty_writer_t *writer, lty_store_txn_t **txn_out)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(txn_out != NULL);
    if (writer->options.repl != NULL && !lty_repl_writable(writer->options.repl)) {
        return LTY_E_NOT_LEADER;
    }
    int err = lty_store_txn_begin(writer->store, NULL, txn_out);
    if (err != 0 || writer->options.repl == NULL) return err;
    lty_buf_reset(&writer->changes);
    lty_store_txn_capture(*txn_out, &writer->changes);
    return 0;
}

/* Commit a transaction from write_begin (abort it when err is set). In replicated mode the
 * change list goes to the stream first, and only an acknowledged batch commits: the stream is
 * the write-ahead log. Single-node mode takes the one branch and commits. */
static int write_end(lty_writer_t *writer, lty_store_txn_t *txn, int err)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(txn != NULL);
    if (writer->options.repl == NULL) {
        if (err != 0) {
            lty_store_txn_abort(txn);
            return err;
        }
        return lty_store_txn_commit(txn);
    }
    int64_t started_us = monotonic_us();
    if (err == 0) err = lty_repl_publish(writer->options.repl, txn, &writer->changes);
    int64_t published_us = monotonic_us();
    pthread_mutex_lock(&writer->mutex);
    writer->stats.publish_us += (uint64_t)(published_us - started_us);
    pthread_mutex_unlock(&writer->mutex);
    if (err != 0) {
        lty_store_txn_abort(txn);
    } else {
        err = lty_store_txn_commit(txn);
    }
    lty_repl_committed(writer->options.repl, err);
    return err;
}

/* Run the jobs in one transaction and commit it; the time of each part is added to the writer's
 * counters (the writer thread alone writes them; lty_writer_stats reads under the mutex). */
static int batch_attempt(lty_writer_t *writer, lty_job_t **batch, int count)
{
    LTY_ASSERT(count > 0);
    LTY_ASSERT(count <= writer->options.batch_jobs_max);
    int64_t started_us = monotonic_us();
    lty_store_txn_t *parent = NULL;
    int err = write_begin(writer, &parent);
    if (err != 0) return err;
    for (int index = 0; index < count && err == 0; index++) {
        err = job_run(writer, parent, batch[index]);
    }
    int64_t applied_us = monotonic_us();
    err = write_end(writer, parent, err);
    int64_t committed_us = monotonic_us();
    pthread_mutex_lock(&writer->mutex);
    writer->stats.apply_us += (uint64_t)(applied_us - started_us);
    writer->stats.commit_us += (uint64_t)(committed_us - applied_us);
    pthread_mutex_unlock(&writer->mutex);
    return err;
}

static bool job_same_key(const lty_job_t *a, const lty_job_t *b)
{
    LTY_ASSERT(a != NULL);
    LTY_ASSERT(b != NULL);
    return strcmp(a->principal, b->principal) == 0 &&
           strcmp(a->idempotency_key, b->idempotency_key) == 0;
}

/* Did the replay at index answer from a record an earlier job of this same batch stored? Such
 * a record is not durable until the batch commits, so when the batch fails the replay fails
 * with it. An earlier job stored one exactly when it found no record itself (it was neither a
 * replay nor refused for reuse or corruption) and its status was below 500. */
static bool replay_is_from_batch(lty_job_t *const *batch, int index)
{
    LTY_ASSERT(batch[index]->replayed);
    LTY_ASSERT(batch[index]->idempotency_key[0] != '\0');
    for (int earlier = 0; earlier < index; earlier++) {
        const lty_job_t *job = batch[earlier];
        bool stored = !job->replayed && job->status < 500 &&
                      job->result != LTY_E_IDEMPOTENCY_KEY_REUSED && job->result != LTY_E_CORRUPT;
        if (stored && job_same_key(job, batch[index])) return true;
    }
    return false;
}

/* The error a failed batch's jobs answer with: a full store, not the leader (421 with the
 * leader's address), not replicated, or a failed commit: each is retried with the same key. */
static int batch_error(int err)
{
    LTY_ASSERT(err < 0);
    if (err == LTY_E_STORE_FULL || err == LTY_E_NOT_LEADER || err == LTY_E_REPLICATION) return err;
    return LTY_E_COMMIT_FAILED;
}

static void batch_run(lty_writer_t *writer, lty_job_t **batch, int count)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(count > 0);
    int attempts_failed = 0;
    int err = batch_attempt(writer, batch, count);
    if (err != 0) attempts_failed++;
    if (err == LTY_E_STORE_FULL && lty_store_map_grow(writer->store) == 0) {
        err = batch_attempt(writer, batch, count);
        if (err != 0) attempts_failed++;
    }
    bool fail[LTY_COMMIT_BATCH_MAX] = {false};
    for (int index = 0; index < count && err != 0; index++) {
        fail[index] = !batch[index]->replayed || replay_is_from_batch(batch, index);
    }
    int replays = 0;
    for (int index = 0; index < count; index++) {
        lty_job_t *job = batch[index];
        if (fail[index]) job_error_set(job, batch_error(err));
        if (job->replayed) replays++;
    }
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "event=batch_failed jobs=%d err=%s", count, lty_err_name(err));
    }
    pthread_mutex_lock(&writer->mutex);
    writer->stats.jobs += (uint64_t)count;
    writer->stats.batches++;
    writer->stats.replays += (uint64_t)replays;
    writer->stats.commit_failures += (uint64_t)attempts_failed;
    pthread_mutex_unlock(&writer->mutex);
    /* Only now, with the commit returned, may anyone hear the answer. */
    for (int index = 0; index < count; index++)
        batch[index]->done_cb(batch[index]);
}

/* ---- Sweep ------------------------------------------------------------------------------- */

/* Delete one expired key found under the cursor; the record goes only if it is the one the
 * index entry names (same expiry). */
static int sweep_key(lty_store_txn_t *txn, lty_store_cursor_t *cursor, lty_bytes_t record_key,
                     int64_t expires_ms)
{
    LTY_ASSERT(record_key.size > 0);
    LTY_ASSERT(record_key.size <= LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX);
    uint8_t key_bytes[LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX];
    lty_bytes_t key = {.data = key_bytes, .size = record_key.size};
    memcpy(key_bytes, record_key.data, key.size); /* views die on write */
    lty_bytes_t value = {0};
    int err = lty_store_get(txn, LTY_DB_IDEMPOTENCY, key, &value);
    lty_idempotency_t record;
    bool matches = err == 0 && lty_record_idempotency_decode(value, &record) == 0 &&
                   record.expires_ms == expires_ms;
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    if (!matches)
        LTY_LOG(LTY_LOG_WARN, "event=sweep_index_orphan expires_ms=%lld", (long long)expires_ms);
    err = lty_store_cursor_del(cursor);
    if (err == 0 && matches) err = lty_store_del(txn, LTY_DB_IDEMPOTENCY, key);
    return err;
}

/* One small transaction: delete up to LTY_SWEEP_KEYS_PER_TXN_MAX keys expired at now_ms. */
static int sweep_txn(lty_writer_t *writer, int64_t now_ms, uint64_t *swept_out)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(swept_out != NULL);
    *swept_out = 0;
    lty_store_txn_t *txn = NULL;
    int err = write_begin(writer, &txn);
    if (err != 0) return err;
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_IDEMPOTENCY_BY_EXPIRY, &cursor);
    uint64_t swept = 0;
    lty_bytes_t none = {0};
    lty_bytes_t index_key = {0};
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, none, &index_key, NULL);
    while (err == 0 && swept < LTY_SWEEP_KEYS_PER_TXN_MAX) {
        int64_t expires_ms = 0;
        lty_bytes_t record_key = {0};
        err = lty_key_idempotency_expiry_split(index_key, &expires_ms, &record_key);
        if (err != 0 || expires_ms > now_ms) break;
        err = sweep_key(txn, cursor, record_key, expires_ms);
        if (err == 0) swept++;
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &index_key, NULL);
    }
    lty_store_cursor_close(cursor);
    if ((err != 0 && err != LTY_E_NOT_FOUND) || swept == 0) {
        /* nothing to delete: abort, sparing the two fsyncs of a commit (and the publish) */
        (void)write_end(writer, txn, err != 0 ? err : LTY_E_NOT_FOUND);
        return err == LTY_E_NOT_FOUND ? 0 : err;
    }
    err = write_end(writer, txn, 0);
    if (err == 0) *swept_out = swept;
    return err;
}

static void sweep_run(lty_writer_t *writer)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(writer->options.sweep_interval_ms > 0);
    uint64_t swept = 0;
    int err = sweep_txn(writer, lty_clock_now_ms(), &swept);
    if (err == LTY_E_NOT_LEADER) err = 0; /* a follower's keys go when the leader's sweep does */
    if (err != 0) LTY_LOG(LTY_LOG_WARN, "event=sweep_failed err=%s", lty_err_name(err));
    if (swept > 0) LTY_LOG(LTY_LOG_DEBUG, "event=sweep keys=%llu", (unsigned long long)swept);
    /* Reader slots left by a killed reader process (loyaltyctl backup/verify) pin old pages and
     * would grow the map without bound: clear them on the sweep's schedule too. */
    err = lty_store_readers_check(writer->store, NULL);
    if (err != 0) LTY_LOG(LTY_LOG_WARN, "event=reader_check_failed err=%s", lty_err_name(err));
    /* A full sweep suggests more are waiting: the next one is due at once, still between
     * batches, so requests keep flowing. */
    bool more = swept == LTY_SWEEP_KEYS_PER_TXN_MAX;
    pthread_mutex_lock(&writer->mutex);
    writer->stats.keys_swept += swept;
    writer->sweeps_done++;
    writer->sweep_due_ms =
        lty_clock_monotonic_ms() + (more ? 0 : (int64_t)writer->options.sweep_interval_ms);
    pthread_cond_broadcast(&writer->swept);
    pthread_mutex_unlock(&writer->mutex);
}

/* ---- Queue and thread -------------------------------------------------------------------- */

static struct timespec deadline_after_us(int64_t wait_us)
{
    LTY_ASSERT(wait_us >= 0);
    struct timespec now;
    int rc = clock_gettime(CLOCK_MONOTONIC, &now); /* the condvars run on CLOCK_MONOTONIC */
    LTY_ASSERT(rc == 0);
    int64_t nanoseconds = (int64_t)now.tv_nsec + (wait_us % 1000000) * 1000;
    struct timespec deadline = {.tv_sec = now.tv_sec + (time_t)(wait_us / 1000000),
                                .tv_nsec = (long)(nanoseconds % 1000000000)};
    deadline.tv_sec += (time_t)(nanoseconds / 1000000000);
    return deadline;
}

/* Under the mutex: is a sweep due? If so it counts as started. */
static bool sweep_take_locked(lty_writer_t *writer)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(writer->sweeps_done <= writer->sweeps_started);
    if (!writer->sweep_requested && lty_clock_monotonic_ms() < writer->sweep_due_ms) return false;
    writer->sweep_requested = false;
    writer->sweeps_started++;
    return true;
}

/* Under the mutex: move up to batch_jobs_max jobs from the queue into batch. */
static int batch_take_locked(lty_writer_t *writer, lty_job_t **batch)
{
    LTY_ASSERT(writer->queue_depth > 0);
    LTY_ASSERT(writer->head != NULL);
    int count = 0;
    while (writer->head != NULL && count < writer->options.batch_jobs_max) {
        lty_job_t *job = writer->head;
        writer->head = job->next;
        job->next = NULL;
        batch[count++] = job;
    }
    if (writer->head == NULL) writer->tail = NULL;
    writer->queue_depth -= count;
    LTY_ASSERT(writer->queue_depth >= 0);
    return count;
}

/* Wait for work: jobs (then briefly for more of them), a due sweep, or stop. Returns false when
 * the thread should exit: stopping and nothing left to do. */
static bool work_wait(lty_writer_t *writer, lty_job_t **batch, int *count_out, bool *sweep_out)
{
    LTY_ASSERT(count_out != NULL);
    LTY_ASSERT(sweep_out != NULL);
    *count_out = 0;
    *sweep_out = false;
    pthread_mutex_lock(&writer->mutex);
    while (writer->queue_depth == 0) {
        if (writer->stopping) {
            pthread_mutex_unlock(&writer->mutex);
            return false;
        }
        if (sweep_take_locked(writer)) {
            *sweep_out = true;
            pthread_mutex_unlock(&writer->mutex);
            return true;
        }
        int64_t wait_ms = writer->sweep_due_ms - lty_clock_monotonic_ms();
        struct timespec deadline = deadline_after_us((wait_ms > 0 ? wait_ms : 0) * 1000);
        pthread_cond_timedwait(&writer->wake, &writer->mutex, &deadline);
    }
    /* Adaptive: wait (at most batch_wait_us) only until as many jobs are queued as the previous
     * batch held; a lone till (previous batch of one) never waits. Off by default (config.c):
     * without it, the jobs that arrive during a commit form the next batch by themselves, and
     * with many tills two batches alternate, one committing while the other's tills send, so
     * the disk never idles. The wait pays only where a sync's fixed cost exceeds a till's
     * turnaround (a slow or contended disk): then one large batch per sync is better. */
    int target = writer->batch_last < writer->options.batch_jobs_max
                     ? writer->batch_last : writer->options.batch_jobs_max;
    if (writer->options.batch_wait_us > 0 && writer->queue_depth < target) {
        int64_t started_us = monotonic_us();
        struct timespec deadline = deadline_after_us(writer->options.batch_wait_us);
        while (writer->queue_depth < target && !writer->stopping) {
            if (pthread_cond_timedwait(&writer->wake, &writer->mutex, &deadline) == ETIMEDOUT) {
                break;
            }
        }
        writer->stats.gather_us += (uint64_t)(monotonic_us() - started_us);
    }
    *count_out = batch_take_locked(writer, batch);
    writer->batch_last = *count_out;
    *sweep_out = sweep_take_locked(writer); /* runs after this batch, between batches */
    pthread_mutex_unlock(&writer->mutex);
    return true;
}

static void *writer_main(void *argument)
{
    lty_writer_t *writer = argument;
    LTY_ASSERT(writer != NULL);
    lty_job_t *batch[LTY_COMMIT_BATCH_MAX];
    int count = 0;
    bool sweep = false;
    while (work_wait(writer, batch, &count, &sweep)) {
        if (count > 0) batch_run(writer, batch, count);
        if (sweep) sweep_run(writer);
    }
    LTY_ASSERT(writer->queue_depth == 0);
    return NULL;
}

/* ---- Public ------------------------------------------------------------------------------ */

static void options_check(const lty_writer_options_t *options)
{
    LTY_ASSERT(options != NULL);
    LTY_ASSERT(options->batch_jobs_max >= 1);
    LTY_ASSERT(options->batch_jobs_max <= LTY_COMMIT_BATCH_MAX);
    LTY_ASSERT(options->batch_wait_us >= 0);
    LTY_ASSERT(options->queue_jobs_max >= 1);
    LTY_ASSERT(options->queue_jobs_max <= LTY_WRITER_QUEUE_MAX);
    LTY_ASSERT(options->idempotency_ttl_ms >= IDEM_TTL_MS_FLOOR);
    LTY_ASSERT(options->sweep_interval_ms >= 1);
}

int lty_writer_start(lty_writer_t **writer_out, lty_store_t *store,
                     const lty_writer_options_t *options)
{
    LTY_ASSERT(writer_out != NULL);
    LTY_ASSERT(store != NULL);
    options_check(options);
    *writer_out = NULL;
    lty_writer_t *writer = lty_calloc(1, sizeof(*writer));
    if (writer == NULL) return LTY_E_NOMEM;
    writer->store = store;
    writer->options = *options;
    lty_buf_init(&writer->changes, LTY_REPL_BATCH_BYTES_MAX);
    writer->sweep_due_ms = lty_clock_monotonic_ms() + options->sweep_interval_ms;
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC); /* immune to wall-clock jumps */
    pthread_cond_init(&writer->wake, &attributes);
    pthread_cond_init(&writer->swept, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&writer->mutex, NULL);
    int rc = pthread_create(&writer->thread, NULL, writer_main, writer);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "op=pthread_create errno=%d err=NOMEM", rc);
        pthread_cond_destroy(&writer->wake);
        pthread_cond_destroy(&writer->swept);
        pthread_mutex_destroy(&writer->mutex);
        lty_free(writer);
        return LTY_E_NOMEM;
    }
    *writer_out = writer;
    return 0;
}

int lty_writer_submit(lty_writer_t *writer, lty_job_t *job)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(job != NULL);
    LTY_ASSERT(job->apply_cb != NULL);
    LTY_ASSERT(job->done_cb != NULL);
    LTY_ASSERT(job->body != NULL);
    LTY_ASSERT(memchr(job->principal, '\0', sizeof(job->principal)) != NULL);
    LTY_ASSERT(memchr(job->idempotency_key, '\0', sizeof(job->idempotency_key)) != NULL);
    LTY_ASSERT(job->now_ms >= 0);
    pthread_mutex_lock(&writer->mutex);
    if (writer->stopping || writer->queue_depth >= writer->options.queue_jobs_max) {
        int depth = writer->queue_depth;
        bool stopping = writer->stopping;
        pthread_mutex_unlock(&writer->mutex);
        LTY_LOG(LTY_LOG_WARN,
                "event=writer_refused queue_depth=%d queue_jobs_max=%d "
                "stopping=%d err=UNAVAILABLE",
                depth, writer->options.queue_jobs_max, (int)stopping);
        return LTY_E_UNAVAILABLE;
    }
    job->next = NULL;
    if (writer->tail != NULL) {
        writer->tail->next = job;
    } else {
        writer->head = job;
    }
    writer->tail = job;
    writer->queue_depth++;
    pthread_cond_signal(&writer->wake);
    pthread_mutex_unlock(&writer->mutex);
    return 0;
}

void lty_writer_sweep_run(lty_writer_t *writer)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(!pthread_equal(pthread_self(), writer->thread));
    pthread_mutex_lock(&writer->mutex);
    LTY_ASSERT(!writer->stopping);
    /* Any sweep that starts after this request covers it; sweeps finish in the order begun. */
    uint64_t target = writer->sweeps_started + 1;
    writer->sweep_requested = true;
    pthread_cond_signal(&writer->wake);
    while (writer->sweeps_done < target)
        pthread_cond_wait(&writer->swept, &writer->mutex);
    pthread_mutex_unlock(&writer->mutex);
}

void lty_writer_stop(lty_writer_t *writer)
{
    if (writer == NULL) return;
    pthread_mutex_lock(&writer->mutex);
    LTY_ASSERT(!writer->stopping);
    writer->stopping = true; /* refuse new jobs; the thread drains the queue, then exits */
    pthread_cond_broadcast(&writer->wake);
    pthread_mutex_unlock(&writer->mutex);
    int rc = pthread_join(writer->thread, NULL);
    LTY_ASSERT(rc == 0);
    LTY_ASSERT(writer->head == NULL);
    pthread_cond_destroy(&writer->wake);
    pthread_cond_destroy(&writer->swept);
    pthread_mutex_destroy(&writer->mutex);
    lty_buf_deinit(&writer->changes);
    lty_free(writer);
}

void lty_writer_stats(lty_writer_t *writer, lty_writer_stats_t *stats_out)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(stats_out != NULL);
    pthread_mutex_lock(&writer->mutex);
    *stats_out = writer->stats;
    stats_out->queue_depth = writer->queue_depth;
    pthread_mutex_unlock(&writer->mutex);
}
