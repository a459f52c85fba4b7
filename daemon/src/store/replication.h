/* SPDX-License-Identifier: MIT */
/**
 * @file replication.h
 * Replicated mode: the writer's batches through a NATS JetStream stream, the leader lease, and
 * the follower that applies the stream into its own LMDB. replication.c is the only file that
 * includes nats.h (one third-party library, one file); nothing here runs in single-node mode.
 *
 * Owns: the NATS connection, the stream and the lease bucket (created when absent), the role of
 * this node (follower, leader, behind), the publish of one batch's change list with the
 * expected-last-sequence fence, the lease (a NATS KV key with a TTL, renewed by the leader),
 * the follower's ordered consumer and its exactly-once apply (the stream sequence is stored in
 * the meta database in the same transaction as the batch), and the catch-up of a node that
 * wins the lease. The design and its figures are in docs/replication.md.
 *
 * Does not own: what a batch holds (writer.c and the store's change capture), HTTP (the API
 * layer reads lty_repl_status() and answers 421 not_leader itself).
 *
 * Caveats:
 * - lty_repl_publish() and lty_repl_committed() run on the writer thread only, one pair per
 *   batch transaction, in that order.
 * - A publish that fails for any reason steps this node down: its LMDB may lack a batch the
 *   stream holds (a lost acknowledgement), so it becomes a follower and applies the stream from
 *   its own stored sequence. A deposed leader therefore never acknowledges a write.
 * - The node's address in the lease is lty_repl_options_t.advertise, or the one given later to
 *   lty_repl_advertise_set() (the port is known once the listener is bound).
 */
#ifndef LTY_REPLICATION_H
#define LTY_REPLICATION_H

#include "lty/lty_buf.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/** Meta key of the last stream sequence applied to this store (u64 big-endian). */
#define LTY_META_REPLICATION_SEQ "replication_seq"
#define LTY_REPL_URLS_MAX 8
#define LTY_REPL_NAME_BYTES_MAX 32
#define LTY_REPL_ADDRESS_BYTES_MAX 127
/** The largest change list one batch may publish (the NATS servers' max_payload must allow it;
 *  docs/replication.md). */
#define LTY_REPL_BATCH_BYTES_MAX (8 * 1024 * 1024)

typedef struct lty_repl_s lty_repl_t;

typedef enum lty_repl_role {
    LTY_REPL_ROLE_FOLLOWER = 0, /* applies the stream; writes answer 421 */
    LTY_REPL_ROLE_LEADER,       /* holds the lease, caught up: the writer may publish */
    LTY_REPL_ROLE_BEHIND,       /* its next batch is gone from the stream: serves nothing */
} lty_repl_role_t;

typedef struct lty_repl_options_s {
    const char *nats_urls[LTY_REPL_URLS_MAX];
    int nats_urls_count;
    const char *stream;      /* stream name; the lease bucket is "<stream>_lease" */
    const char *node;        /* this node's name */
    const char *advertise;   /* "host:port" of this node's API, put in the lease */
    int64_t lease_ms;        /* the lease's TTL */
    int replicas;            /* stream and bucket replicas */
    int64_t stream_max_age_ms;
    int64_t stream_max_msgs; /* 0 = no limit */
    int64_t publish_timeout_ms;
} lty_repl_options_t;

typedef struct lty_repl_status_s {
    lty_repl_role_t role;
    uint64_t applied_seq;     /* last stream sequence in this node's LMDB */
    uint64_t stream_last_seq; /* last sequence this node knows the stream has */
    bool connected;           /* to a NATS server */
    char leader[LTY_REPL_ADDRESS_BYTES_MAX + 1]; /* the lease holder's address, "" if unknown */
    char node[LTY_REPL_NAME_BYTES_MAX + 1];
    uint64_t publishes;       /* batches this node published as leader */
    uint64_t batches_applied; /* batches this node applied as follower */
    uint64_t step_downs;
} lty_repl_status_t;

/**
 * Start replication over store: a thread connects to NATS (retrying while it is down), makes
 * sure the stream and the lease bucket exist, then follows the stream and competes for the
 * lease. Until it has caught up and holds the lease, this node is a follower.
 *
 * @param[out] repl_out  The replication object; lty_repl_stop() frees it.
 * @param[in]  store     Opened for writing; outlives the replication object.
 * @param[in]  options   Copied.
 * @return 0; LTY_E_NOMEM; LTY_E_CORRUPT (the stored sequence is unreadable).
 */
int lty_repl_start(lty_repl_t **repl_out, lty_store_t *store, const lty_repl_options_t *options);
/** Set the "host:port" tills reach this node at (when options.advertise was ""); the node
 *  competes for the lease only once it has one. Any thread. */
void lty_repl_advertise_set(lty_repl_t *repl, const char *address);
/** Stop the thread, drop the lease if held, close the connection and free. NULL accepted.
 *  Call it after the writer has stopped. */
void lty_repl_stop(lty_repl_t *repl);

/** May the writer write now (leader, caught up, lease not expired)? Any thread. */
bool lty_repl_writable(lty_repl_t *repl);

/**
 * Publish the change list of the batch transaction txn as the stream's next message, with the
 * sequence stored in txn as the expected last sequence, and wait for the acknowledgement; then
 * store the new sequence in txn. Writer thread only; txn must be committed (or aborted) next,
 * then lty_repl_committed() called.
 *
 * @return 0; LTY_E_NOT_LEADER (not leader, lease lapsed, or fenced off by another leader's
 *         batch: this node stepped down); LTY_E_REPLICATION (no acknowledgement: stepped down;
 *         or the list is larger than LTY_REPL_BATCH_BYTES_MAX: nothing sent).
 */
int lty_repl_publish(lty_repl_t *repl, lty_store_txn_t *txn, const lty_buf_t *changes);
/** Tell replication how the commit after a successful lty_repl_publish() ended: err != 0 means
 *  the stream holds a batch LMDB lacks, so this node steps down and applies it as a follower. */
void lty_repl_committed(lty_repl_t *repl, int err);

/** A snapshot of the node's replication state. Any thread. */
void lty_repl_status(lty_repl_t *repl, lty_repl_status_t *status_out);
/** "leader", "follower" or "behind". */
const char *lty_repl_role_name(lty_repl_role_t role);

/** The sequence stored in txn (0 when none). LTY_E_CORRUPT when it is not 8 bytes. */
int lty_repl_seq_read(lty_store_txn_t *txn, uint64_t *seq_out);

#endif
