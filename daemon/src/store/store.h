/* SPDX-License-Identifier: MIT */
/**
 * @file store.h
 * The LMDB environment: open/close, named databases, transactions, and typed-agnostic key/value
 * access. store.c is the only file in the project that includes lmdb.h.
 *
 * Owns: the environment and its flags (durable: none of LMDB's no-sync, no-meta-sync,
 * map-async or write-map flags),
 * database handles (one per record kind, listed in schema/records.def), map growth on
 * MDB_MAP_FULL, stale-reader cleanup, hot backup (mdb_env_copy2 with compaction), and the
 * translation of MDB_* codes into lty_err_t (logged once, here).
 *
 * Does not own: record encodings (records.c), business rules (ledger.c), batching (writer.c).
 *
 * Caveats:
 * - Write transactions are begun only by the writer thread (or by single-threaded tools such as
 *   `loyaltyctl init`). Read transactions may be begun by any thread (MDB_NOTLS).
 * - A view returned by a get or cursor call points into the map: valid only until the end of
 *   its transaction or the next write in it. Copy before the transaction ends.
 * - Sticky failure: once any call on a write transaction fails, the transaction is marked failed
 *   and lty_store_txn_commit() refuses it (returns the first error) and aborts it.
 *   LTY_E_NOT_FOUND and LTY_E_EXISTS are answers, not failures: they do not mark it.
 * - A read transaction must be ended (lty_store_txn_abort or _commit) on the thread that began
 *   it; ending it keeps the handle in a small per-thread cache for the next lty_store_read_begin.
 * - Every cursor must be closed before its transaction ends; a parent transaction must not be
 *   used while its nested child is open.
 * - lty_store_append() refuses a key that does not sort after the last one with LTY_E_EXISTS.
 */
#ifndef LTY_STORE_H
#define LTY_STORE_H

#include "lty/lty_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The named databases. Order and names are part of the on-disk format (schema/records.def). */
typedef enum lty_db {
#define LTY_DB(id, name, flags, doc) LTY_DB_##id,
#include "records.def"
#undef LTY_DB
    LTY_DB_COUNT
} lty_db_t;

typedef struct lty_store_s lty_store_t;
typedef struct lty_store_txn_s lty_store_txn_t;
typedef struct lty_store_cursor_s lty_store_cursor_t;

typedef struct lty_store_options_s {
    const char *path;      /* directory holding data.mdb */
    int64_t map_bytes;     /* initial map size; grows on MDB_MAP_FULL up to map_bytes_max */
    int64_t map_bytes_max; /* 0 = LTY_MAP_BYTES_MAX */
    unsigned int readers_max;
    bool read_only;        /* open for verify/backup tools */
    bool create;           /* create the directory's store if absent (init) */
} lty_store_options_t;

/** A borrowed byte range. */
typedef struct lty_bytes_s {
    const void *data;
    size_t size;
} lty_bytes_t;

/** The database's name in records.def ("member-ledger", ...), for messages. */
const char *lty_store_db_name(lty_db_t db);

int lty_store_open(lty_store_t **store_out, const lty_store_options_t *options);
/** Idempotent; NULL accepted. No transaction may be open. */
void lty_store_close(lty_store_t *store);

/** Begin a write transaction (parent == NULL) or a nested child of parent. */
int lty_store_txn_begin(lty_store_t *store, lty_store_txn_t *parent, lty_store_txn_t **txn_out);
/** Begin a read-only transaction (snapshot). Cheap: handles are reused per thread. */
int lty_store_read_begin(lty_store_t *store, lty_store_txn_t **txn_out);
/** Commit (durably, for a top-level write transaction). Refuses a failed transaction. */
int lty_store_txn_commit(lty_store_txn_t *txn);
/** Abort; NULL accepted. Ends read transactions too. */
void lty_store_txn_abort(lty_store_txn_t *txn);

/** 0 and *value_out (a view), or LTY_E_NOT_FOUND. */
int lty_store_get(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t *value_out);
int lty_store_put(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value);
/** Put that refuses an existing key with LTY_E_EXISTS. */
int lty_store_insert(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value);
/** Append: key must sort after every existing key (MDB_APPEND). */
int lty_store_append(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value);
/** 0 or LTY_E_NOT_FOUND. */
int lty_store_del(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key);

typedef enum lty_store_seek {
    LTY_SEEK_FIRST,
    LTY_SEEK_LAST,
    LTY_SEEK_NEXT,
    LTY_SEEK_PREV,
    LTY_SEEK_KEY,   /* exact key */
    LTY_SEEK_RANGE, /* first key >= the given key */
} lty_store_seek_t;

int lty_store_cursor_open(lty_store_txn_t *txn, lty_db_t db, lty_store_cursor_t **cursor_out);
/** Position the cursor. key is read for KEY/RANGE; key_out/value_out are views. LTY_E_NOT_FOUND
 *  when there is no such entry. */
int lty_store_cursor_seek(lty_store_cursor_t *cursor, lty_store_seek_t seek, lty_bytes_t key,
                          lty_bytes_t *key_out, lty_bytes_t *value_out);
/** Delete the entry under the cursor (write transactions only). */
int lty_store_cursor_del(lty_store_cursor_t *cursor);
void lty_store_cursor_close(lty_store_cursor_t *cursor);

/**
 * Record every put and delete of the write transaction txn (and of its children) into changes,
 * as a change list that lty_store_changes_apply() replays on another store. An aborted child's
 * changes are cut off again. Replication only: without this call nothing is recorded.
 *
 * @param[in] txn      A top-level write transaction with no child open.
 * @param[in] changes  Borrowed until txn ends; the caller resets it. A list that outgrew its
 *                     capacity_max has a sticky lty_buf_error(): do not publish it.
 */
void lty_store_txn_capture(lty_store_txn_t *txn, lty_buf_t *changes);
/**
 * Apply a change list made by lty_store_txn_capture() to txn, in order.
 * @return 0; LTY_E_CORRUPT (the bytes are not a change list; txn is marked failed);
 *         LTY_E_STORE_FULL or LTY_E_IO from LMDB (txn is marked failed).
 */
int lty_store_changes_apply(lty_store_txn_t *txn, const void *changes, size_t size);

/** Number of entries in db. */
int lty_store_count(lty_store_txn_t *txn, lty_db_t db, uint64_t *count_out);

/** Consistent, compacted copy of the whole environment into directory out_dir (must be empty or
 *  absent). Safe while the daemon serves. */
int lty_store_backup(lty_store_t *store, const char *out_dir);
/** Clear stale reader slots left by dead processes; *cleared_out may be NULL. */
int lty_store_readers_check(lty_store_t *store, int *cleared_out);

/** Statistics for /metrics and tests. */
typedef struct lty_store_stats_s {
    int64_t map_bytes;
    int64_t used_bytes;
    uint64_t commits;
    uint64_t map_grows;
    int64_t warm_bytes; /* read so far by the page-cache warm-up */
    bool warm_done;     /* it finished (or was skipped) */
} lty_store_stats_t;
void lty_store_stats(lty_store_t *store, lty_store_stats_t *stats_out);

/**
 * Warm the page cache with data.mdb in a background thread, in 4 KiB cache pages (why: store.c).
 * Opened for writing; at most once; lty_store_close stops and joins the thread. Progress is in
 * lty_store_stats (warm_bytes, warm_done). LTY_E_NOMEM when no thread could be started (the
 * store works as before, only colder).
 */
int lty_store_cache_warm_start(lty_store_t *store);

/** Test hook: make the next n top-level commits fail with LTY_E_IO (fault injection). */
void lty_store_fault_commit_fail(lty_store_t *store, int n);

/**
 * Double the map size (capped at map_bytes_max) after a write failed with LTY_E_STORE_FULL.
 *
 * LMDB allows mdb_env_set_mapsize() only while no transaction of this process is active, so
 * this waits until every read transaction has ended (read transactions hold a shared lock for
 * their short life; growth takes it exclusively) and new ones wait for the growth to finish.
 *
 * @param[in] store  Opened for writing.
 * @return 0 when the map grew; LTY_E_STORE_FULL when it is already at map_bytes_max;
 *         LTY_E_IO when LMDB refused the new size.
 * @note Call it with no transaction open in the calling thread (it would deadlock): the writer
 *       calls it between batches, after aborting the batch that hit LTY_E_STORE_FULL.
 *       (Added by the storage engine; additive.)
 */
int lty_store_map_grow(lty_store_t *store);

#endif
