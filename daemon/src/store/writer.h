/* SPDX-License-Identifier: MIT */
/**
 * @file writer.h
 * The one writer thread: group commit of queued mutations, with idempotency.
 *
 * Owns: the job queue, the batching policy (count, bytes, a short deadline), the parent write
 * transaction of each batch, one nested child transaction per job, the idempotency records
 * (stored in the same transaction as the job's effect, refusals included), the background
 * sweep of expired idempotency keys, and the promise that no job's done_cb runs before the
 * batch holding it is durable on disk.
 *
 * Batch algorithm: take up to LTY_COMMIT_BATCH_MAX queued jobs; begin the parent transaction;
 * for each job: if it carries an idempotency key already stored for its principal, answer with
 * the stored response (same request hash: replayed=true) or LTY_E_IDEMPOTENCY_KEY_REUSED (other
 * hash) and apply nothing; else begin a child, call apply_cb, commit the child when it returns 0
 * or abort it when it returns an error, then (unless the error is a 5xx, which is transient)
 * store {hash, status, body} under the key in the parent; commit the parent once (one fsync);
 * then call every done_cb. In replicated mode the batch's change list is published to the stream
 * (and acknowledged) between the last job and the commit; a node that may not write refuses the
 * batch with LTY_E_NOT_LEADER, a publish without acknowledgement with LTY_E_REPLICATION.
 * If the parent commit fails, every job of the batch that was not a
 * replay gets result LTY_E_COMMIT_FAILED (or LTY_E_STORE_FULL) and nothing of it persists.
 *
 * A dry-run job (job->dry_run) runs the same way, but its child is always aborted: the client
 * hears what would have happened, and nothing of it is written.
 *
 * Caveats:
 * - apply_cb and done_cb run on the writer thread. done_cb must only hand the job off (e.g. to
 *   an event loop); it must not block or touch the store.
 * - The job memory belongs to the submitter and must stay valid until done_cb has run.
 */
#ifndef LTY_WRITER_H
#define LTY_WRITER_H

#include "lty/lty_buf.h"
#include "lty/lty_limits.h"
#include "replication.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct lty_writer_s lty_writer_t;
typedef struct lty_job_s lty_job_t;

/**
 * Runs inside the job's child transaction. Must set job->status and write job->body (the
 * response JSON) for success and refusal alike. Return 0 to keep the child's changes, or a
 * negative lty_err_t to abort them (the job's response must then describe the refusal).
 */
typedef int (*lty_job_apply_cb)(lty_job_t *job, lty_store_txn_t *txn);
typedef void (*lty_job_done_cb)(lty_job_t *job);

struct lty_job_s {
    /* public: set by the submitter before lty_writer_submit() */
    lty_job_apply_cb apply_cb;
    lty_job_done_cb done_cb;
    void *userdata;
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];     /* "till:S001/T01", "operator:alice" */
    char idempotency_key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1]; /* "" = not idempotent */
    uint8_t request_hash[32];                        /* SHA-256 of method, path and body */
    int64_t now_ms;                                  /* business time of the request */
    lty_buf_t *body;                                 /* response body, written by apply_cb */
    bool dry_run;     /* run apply_cb, answer what it rendered, then abort its child
                       * transaction whatever it returned: nothing of it is kept (the response
                       * is still stored under the idempotency key, like any answer) */
    /* read-only: set by the writer before done_cb */
    int status;         /* HTTP status of the response */
    int result;         /* 0, the apply_cb error, or LTY_E_COMMIT_FAILED/STORE_FULL/... */
    bool replayed;      /* the response came from the idempotency store */
    /* private */
    lty_job_t *next;
};

typedef struct lty_writer_options_s {
    int batch_jobs_max;           /* <= LTY_COMMIT_BATCH_MAX */
    int batch_wait_us;            /* once a job is queued, wait at most this long for as many
                                   * jobs as the previous batch held (adaptive); 0 = never wait */
    int queue_jobs_max;           /* beyond it lty_writer_submit refuses with LTY_E_UNAVAILABLE */
    int64_t idempotency_ttl_ms;   /* how long keys are kept (>= 35 days) */
    int sweep_interval_ms;        /* how often expired keys are purged */
    lty_repl_t *repl;             /* replicated mode: each batch is published before it commits
                                   * (replication.h); NULL = single node */
} lty_writer_options_t;

/** Start the writer thread over store. */
int lty_writer_start(lty_writer_t **writer_out, lty_store_t *store,
                     const lty_writer_options_t *options);
/**
 * Queue job. Thread-safe. On 0, done_cb will run exactly once. On error (LTY_E_UNAVAILABLE:
 * queue full or stopping) done_cb is never called.
 */
int lty_writer_submit(lty_writer_t *writer, lty_job_t *job);
/** Finish every queued job, commit, stop the thread and free. NULL accepted. */
void lty_writer_stop(lty_writer_t *writer);

/**
 * Run one sweep of expired idempotency keys now, on the writer thread, and wait until it has
 * finished (its keys are then counted in lty_writer_stats().keys_swept). The periodic sweep
 * (every sweep_interval_ms, between batches) needs no call; this is for tests and operators.
 *
 * @param[in] writer  Started and not stopping.
 * @note Blocks the caller; never call it from apply_cb or done_cb (the writer thread), nor
 *       concurrently with lty_writer_stop(). (Added by the storage engine; additive.)
 */
void lty_writer_sweep_run(lty_writer_t *writer);

typedef struct lty_writer_stats_s {
    uint64_t jobs;
    uint64_t batches;
    uint64_t replays;
    uint64_t commit_failures;
    uint64_t keys_swept;
    uint64_t gather_us; /* waiting for more jobs once some were queued (commit_wait_us) */
    uint64_t apply_us;  /* running jobs in the batch transaction */
    uint64_t commit_us; /* committing it: page writes and the two fsyncs */
    uint64_t publish_us; /* replicated mode: publishing it and waiting for the stream's ack */
    int queue_depth;
} lty_writer_stats_t;
void lty_writer_stats(lty_writer_t *writer, lty_writer_stats_t *stats_out);

#endif
