/* SPDX-License-Identifier: MIT */
/* store.c: the LMDB environment of loyaltyd and the only file that includes lmdb.h. It owns the
 * environment and its (durable) flags, the named databases of schema/records.def, write, nested
 * and read transactions (read handles are reset and renewed through a small per-thread cache),
 * cursors, map growth, hot backup, stale-reader cleanup, statistics, and the one translation of
 * MDB_* codes into lty_err_t, logged here with the original code. It does not know what the bytes
 * mean (records.c and writer.c encode them) and it does not batch (writer.c does). */
#include "store.h"
#include "lty/lty_assert.h"
#include "lty/lty_buf.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Local bounds of the LMDB seam. They are LMDB tuning rather than input limits, so they stay
 * next to the only code that uses them. */
#define STORE_READERS_DEFAULT 126u /* LMDB's own default, written out */
#define STORE_READERS_MAX 4096u    /* reader slots in lock.mdb */
#define STORE_READ_CACHE_SLOTS 4   /* reset read handles kept per thread */
#define STORE_KEY_BYTES_MAX 511u   /* LMDB's default MDB_MAXKEYSIZE */
#define STORE_FILE_MODE 0600       /* data.mdb and lock.mdb: the daemon's user only */
#define STORE_DIR_MODE 0700
/* Preallocation ahead of LMDB's last page: a quarter of the used size, within these bounds. */
#define STORE_PREALLOC_BYTES_MIN (4 * 1024 * 1024)
#define STORE_PREALLOC_BYTES_MAX (256 * 1024 * 1024)

_Static_assert(STORE_READERS_DEFAULT <= STORE_READERS_MAX, "reader default within bound");
_Static_assert(LTY_MAP_BYTES_MIN <= LTY_MAP_BYTES_DEFAULT, "map default within bounds");
_Static_assert(LTY_MAP_BYTES_DEFAULT <= LTY_MAP_BYTES_MAX, "map default within bounds");

/* records.def names LTY_DBF_DUPSORT; only this file knows it is MDB_DUPSORT. */
#define LTY_DBF_DUPSORT MDB_DUPSORT

static const struct {
    const char *name;
    unsigned int flags;
} db_table[LTY_DB_COUNT] = {
#define LTY_DB(id, name, flags, doc) [LTY_DB_##id] = {name, (unsigned int)(flags)},
#include "records.def"
#undef LTY_DB
};

const char *lty_store_db_name(lty_db_t db)
{
    LTY_ASSERT(db >= 0 && db < LTY_DB_COUNT);
    return db_table[db].name;
}

typedef enum txn_kind { TXN_READ, TXN_WRITE, TXN_CHILD } txn_kind_t;

struct lty_store_txn_s {
    lty_store_t *store;
    MDB_txn *mdb;
    lty_store_txn_t *parent; /* TXN_CHILD only */
    txn_kind_t kind;
    int error; /* sticky: the first failure of a write transaction */
    int cursors_open;
    bool child_open;                /* LMDB freezes a parent while its child runs */
    lty_buf_t *capture;             /* replication: the change list of this txn, or NULL */
    size_t capture_mark;            /* children: the list's size when they began */
    atomic_bool active;             /* read handles: between begin and end */
    lty_store_txn_t *registry_next; /* read handles: the store's list, freed at close */
};

struct lty_store_cursor_s {
    lty_store_txn_t *txn;
    MDB_cursor *mdb;
    lty_db_t db;
};

struct lty_store_s {
    MDB_env *env;
    MDB_dbi dbis[LTY_DB_COUNT];
    bool dbi_present[LTY_DB_COUNT]; /* false only for a database absent in read-only mode */
    bool read_only;
    uint64_t id; /* never reused: keys the per-thread read cache */
    int64_t map_bytes_max;
    _Atomic int64_t map_bytes;
    /* Shared by every active transaction, exclusive for mdb_env_set_mapsize(). glibc's default
     * rwlock prefers readers, which keeps a thread's second read transaction from deadlocking
     * behind a waiting grower; growth is rare and read transactions are short. */
    pthread_rwlock_t grow_lock;
    pthread_mutex_t registry_mutex;
    lty_store_txn_t *registry; /* every read handle ever created, for close */
    atomic_uint_fast64_t commits;
    atomic_uint_fast64_t map_grows;
    atomic_int fault_commits; /* test hook: commits still to fail */
    /* Writer thread only: data.mdb's allocated size (preallocation), or -1 once it failed. */
    int64_t file_bytes;
    /* The page-cache warm-up thread (lty_store_cache_warm_start), joined by close. */
    pthread_t warm_thread;
    bool warm_started;
    atomic_bool warm_stop;
    atomic_bool warm_done;
    _Atomic int64_t warm_bytes;
};

typedef struct read_cache_slot_s {
    uint64_t store_id;
    lty_store_txn_t *txn;
} read_cache_slot_t;

static atomic_uint_fast64_t store_id_next = 1;
static _Thread_local read_cache_slot_t read_cache[STORE_READ_CACHE_SLOTS];

/* ---- The MDB seam ------------------------------------------------------------------------ */

/* Translate an MDB (or errno) code once, and log the original. Misses are answers, so they are
 * logged only at DEBUG. */
static int translate_mdb_rc(int mdb_rc, const char *operation)
{
    LTY_ASSERT(mdb_rc != MDB_SUCCESS);
    LTY_ASSERT(operation != NULL);
    if (mdb_rc == MDB_NOTFOUND || mdb_rc == MDB_KEYEXIST) {
        int err = mdb_rc == MDB_NOTFOUND ? LTY_E_NOT_FOUND : LTY_E_EXISTS;
        LTY_LOG(LTY_LOG_DEBUG, "op=%s mdb_rc=%d err=%s", operation, mdb_rc, lty_err_name(err));
        return err;
    }
    int err = mdb_rc == MDB_MAP_FULL ? LTY_E_STORE_FULL : LTY_E_IO;
    LTY_LOG(err == LTY_E_STORE_FULL ? LTY_LOG_WARN : LTY_LOG_ERR,
            "op=%s mdb_rc=%d mdb=\"%s\" err=%s", operation, mdb_rc, mdb_strerror(mdb_rc),
            lty_err_name(err));
    return err;
}

/* Translate, and mark a write transaction failed unless the code is an answer. */
static int txn_fail(lty_store_txn_t *txn, int mdb_rc, const char *operation)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(mdb_rc != MDB_SUCCESS);
    int err = translate_mdb_rc(mdb_rc, operation);
    bool answer = err == LTY_E_NOT_FOUND || err == LTY_E_EXISTS;
    if (txn->kind != TXN_READ && !answer && txn->error == 0) txn->error = err;
    return err;
}

static MDB_val val_from_bytes(lty_bytes_t bytes)
{
    LTY_ASSERT(bytes.data != NULL || bytes.size == 0);
    LTY_ASSERT(bytes.size <= SIZE_MAX / 2);
    /* LMDB takes non-const pointers but never writes through a key or a value it is given. */
    MDB_val val = {.mv_size = bytes.size, .mv_data = (void *)(uintptr_t)bytes.data};
    return val;
}

static lty_bytes_t bytes_from_val(MDB_val val)
{
    LTY_ASSERT(val.mv_data != NULL || val.mv_size == 0);
    LTY_ASSERT(val.mv_size <= SIZE_MAX / 2);
    lty_bytes_t bytes = {.data = val.mv_data, .size = val.mv_size};
    return bytes;
}

static void key_check(lty_bytes_t key)
{
    LTY_ASSERT(key.data != NULL);
    LTY_ASSERT(key.size > 0);
    LTY_ASSERT(key.size <= STORE_KEY_BYTES_MAX);
}

/* A transaction may be used when it is live and no nested child is running in it. */
static void txn_check_usable(const lty_store_txn_t *txn, lty_db_t db)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(txn->mdb != NULL);
    LTY_ASSERT(!txn->child_open);
    LTY_ASSERT(db >= 0 && db < LTY_DB_COUNT);
    if (txn->kind == TXN_READ) LTY_ASSERT(atomic_load(&txn->active));
}

static void grow_lock_shared(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    int rc = pthread_rwlock_rdlock(&store->grow_lock);
    LTY_ASSERT(rc == 0);
}

static void grow_unlock(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    int rc = pthread_rwlock_unlock(&store->grow_lock);
    LTY_ASSERT(rc == 0);
}

/* Another process (loyaltyctl, or the daemon seen from a tool) grew the map: adopt its size.
 * LMDB needs no active transaction in this process for that, hence the exclusive lock. */
static void map_resize_adopt(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(store->env != NULL);
    int rc = pthread_rwlock_wrlock(&store->grow_lock);
    LTY_ASSERT(rc == 0);
    int mdb_rc = mdb_env_set_mapsize(store->env, 0);
    MDB_envinfo info;
    if (mdb_rc == MDB_SUCCESS && mdb_env_info(store->env, &info) == MDB_SUCCESS) {
        atomic_store(&store->map_bytes, (int64_t)info.me_mapsize);
    }
    grow_unlock(store);
    LTY_LOG(LTY_LOG_INFO, "event=map_resize_adopted mdb_rc=%d map_bytes=%lld", mdb_rc,
            (long long)atomic_load(&store->map_bytes));
}

/* ---- Open and close ---------------------------------------------------------------------- */

/* With create, make the directory if absent; without it, a missing data.mdb is an error rather
 * than a silently empty ledger. */
static int directory_prepare(const lty_store_options_t *options)
{
    LTY_ASSERT(options != NULL);
    LTY_ASSERT(options->path != NULL);
    if (options->create && !options->read_only) {
        if (mkdir(options->path, STORE_DIR_MODE) != 0 && errno != EEXIST) {
            LTY_LOG(LTY_LOG_ERR, "op=mkdir errno=%d err=IO", errno);
            return LTY_E_IO;
        }
        return 0;
    }
    char data_path[4096];
    int written = snprintf(data_path, sizeof(data_path), "%s/data.mdb", options->path);
    if (written < 0 || (size_t)written >= sizeof(data_path)) return LTY_E_CONFIG;
    struct stat info;
    if (stat(data_path, &info) != 0) {
        LTY_LOG(LTY_LOG_ERR, "op=store_open errno=%d err=NOT_FOUND detail=\"no data.mdb\"", errno);
        return LTY_E_NOT_FOUND;
    }
    return 0;
}

static int env_configure(lty_store_t *store, const lty_store_options_t *options)
{
    LTY_ASSERT(store->env != NULL);
    LTY_ASSERT(options->readers_max <= STORE_READERS_MAX);
    int mdb_rc = mdb_env_set_maxdbs(store->env, (MDB_dbi)LTY_DB_COUNT);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_set_maxdbs");
    unsigned int readers = options->readers_max != 0 ? options->readers_max : STORE_READERS_DEFAULT;
    mdb_rc = mdb_env_set_maxreaders(store->env, readers);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_set_maxreaders");
    if (!options->read_only) {
        /* A read-only tool takes the size recorded in the file instead. LMDB raises a size below
         * the data already written to that size on its own. */
        int64_t map_bytes = options->map_bytes != 0 ? options->map_bytes : LTY_MAP_BYTES_DEFAULT;
        mdb_rc = mdb_env_set_mapsize(store->env, (size_t)map_bytes);
        if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_set_mapsize");
    }
    return 0;
}

/* LMDB opens a store larger than the configured map with a map exactly its size, so the first
 * write would fill it and grow it under traffic: growth waits for every read transaction and
 * remaps, and every page is faulted in again (a 0.5 s stall measured on the first sales after
 * restarting a 1,000,000-member store). So at open, with nothing running yet, the map is
 * doubled until the data fills at most half of it (never beyond map_bytes_max). */
static int map_headroom(lty_store_t *store, const MDB_envinfo *info)
{
    MDB_stat stat;
    int mdb_rc = mdb_env_stat(store->env, &stat);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_stat");
    int64_t used = (int64_t)(info->me_last_pgno + 1) * (int64_t)stat.ms_psize;
    int64_t map = (int64_t)info->me_mapsize;
    int64_t target = map;
    while (target < used * 2 && target <= store->map_bytes_max / 2) target *= 2;
    if (target == map) return 0;
    mdb_rc = mdb_env_set_mapsize(store->env, (size_t)target);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_set_mapsize");
    atomic_store(&store->map_bytes, target);
    LTY_LOG(LTY_LOG_INFO, "event=map_headroom used_bytes=%lld map_bytes_old=%lld map_bytes=%lld",
            (long long)used, (long long)map, (long long)target);
    return 0;
}

static int env_open(lty_store_t *store, const lty_store_options_t *options)
{
    LTY_ASSERT(store->env != NULL);
    LTY_ASSERT(options->path != NULL);
    unsigned int flags = MDB_NOTLS /* read txns are not bound to a thread: loops reuse them */
                         /* the daemon: a page it faults in is read alone, never with its
                          * neighbours in one large cache page (see lty_store_cache_warm_start) */
                         | (options->read_only ? MDB_RDONLY : MDB_NORDAHEAD);
    /* Deliberately not set, each for a reason:
     * MDB_NOSUBDIR   - the path is a directory holding data.mdb and lock.mdb;
     * the no-sync, no-meta-sync and map-async flags - every commit must be durable before any
     *                  client hears "ok" (two fsyncs per commit; the writer batches to pay them);
     * the write-map flag - pages are written with pwrite, so a stray pointer cannot scribble on
     *                  the map, and nested transactions (one child per job) stay available;
     * MDB_NOLOCK     - LMDB's lock file lets loyaltyctl read and back up a serving daemon;
     * MDB_NORDAHEAD  - set for the daemon (above); tools keep readahead (verify scans it all);
     * MDB_NOMEMINIT  - LMDB zeroes unused page space, so no heap bytes leak into the file. */
    int mdb_rc = mdb_env_open(store->env, options->path, flags, STORE_FILE_MODE);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_open");
    MDB_envinfo info;
    mdb_rc = mdb_env_info(store->env, &info);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_info");
    atomic_store(&store->map_bytes, (int64_t)info.me_mapsize);
    return options->read_only ? 0 : map_headroom(store, &info);
}

/* Open every database of records.def in one transaction: created when writing, and only the
 * existing ones when read-only (an older store may lack a newer database). The transaction is
 * committed, not aborted, because LMDB keeps handles only from committed transactions. */
static int dbis_open(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(store->env != NULL);
    MDB_txn *mdb = NULL;
    int mdb_rc = mdb_txn_begin(store->env, NULL, store->read_only ? MDB_RDONLY : 0u, &mdb);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "dbi_txn_begin");
    for (int db = 0; db < LTY_DB_COUNT; db++) {
        unsigned int flags = db_table[db].flags | (store->read_only ? 0u : MDB_CREATE);
        mdb_rc = mdb_dbi_open(mdb, db_table[db].name, flags, &store->dbis[db]);
        if (mdb_rc == MDB_NOTFOUND && store->read_only) {
            LTY_LOG(LTY_LOG_INFO, "event=db_absent db=%s", db_table[db].name);
            continue;
        }
        if (mdb_rc != MDB_SUCCESS) {
            mdb_txn_abort(mdb);
            return translate_mdb_rc(mdb_rc, "dbi_open");
        }
        store->dbi_present[db] = true;
    }
    mdb_rc = mdb_txn_commit(mdb);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "dbi_txn_commit");
    return 0;
}

static void store_free(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(store->registry == NULL);
    if (store->env != NULL) mdb_env_close(store->env);
    pthread_rwlock_destroy(&store->grow_lock);
    pthread_mutex_destroy(&store->registry_mutex);
    lty_free(store);
}

int lty_store_open(lty_store_t **store_out, const lty_store_options_t *options)
{
    LTY_ASSERT(store_out != NULL);
    LTY_ASSERT(options != NULL);
    LTY_ASSERT(options->path != NULL);
    LTY_ASSERT(options->map_bytes == 0 || options->map_bytes >= LTY_MAP_BYTES_MIN);
    LTY_ASSERT(options->map_bytes_max == 0 || options->map_bytes_max <= LTY_MAP_BYTES_MAX);
    LTY_ASSERT(options->map_bytes_max == 0 || options->map_bytes <= options->map_bytes_max);
    *store_out = NULL;
    int err = directory_prepare(options);
    if (err != 0) return err;
    lty_store_t *store = lty_calloc(1, sizeof(*store));
    if (store == NULL) return LTY_E_NOMEM;
    store->read_only = options->read_only;
    store->id = atomic_fetch_add(&store_id_next, 1);
    store->map_bytes_max = options->map_bytes_max != 0 ? options->map_bytes_max : LTY_MAP_BYTES_MAX;
    pthread_rwlock_init(&store->grow_lock, NULL);
    pthread_mutex_init(&store->registry_mutex, NULL);
    int mdb_rc = mdb_env_create(&store->env);
    if (mdb_rc != MDB_SUCCESS) {
        store->env = NULL;
        store_free(store);
        return translate_mdb_rc(mdb_rc, "env_create");
    }
    err = env_configure(store, options);
    if (err == 0) err = env_open(store, options);
    if (err == 0) err = dbis_open(store);
    if (err != 0) {
        store_free(store);
        return err;
    }
    LTY_LOG(LTY_LOG_INFO, "event=store_open read_only=%d map_bytes=%lld map_bytes_max=%lld",
            (int)store->read_only, (long long)atomic_load(&store->map_bytes),
            (long long)store->map_bytes_max);
    *store_out = store;
    return 0;
}

void lty_store_close(lty_store_t *store)
{
    if (store == NULL) return;
    if (store->warm_started) {
        atomic_store(&store->warm_stop, true);
        pthread_join(store->warm_thread, NULL);
        store->warm_started = false;
    }
    /* No transaction may be open: taking the lock exclusively proves it, and orders every
     * thread's last use of a cached read handle before we abort it here. */
    int rc = pthread_rwlock_trywrlock(&store->grow_lock);
    LTY_ASSERT(rc == 0);
    grow_unlock(store);
    for (int slot = 0; slot < STORE_READ_CACHE_SLOTS; slot++) {
        if (read_cache[slot].store_id == store->id) read_cache[slot] = (read_cache_slot_t){0};
    }
    pthread_mutex_lock(&store->registry_mutex);
    lty_store_txn_t *txn = store->registry;
    store->registry = NULL;
    pthread_mutex_unlock(&store->registry_mutex);
    while (txn != NULL) {
        lty_store_txn_t *next = txn->registry_next;
        LTY_ASSERT(!atomic_load(&txn->active));
        mdb_txn_abort(txn->mdb);
        lty_free(txn);
        txn = next;
    }
    store_free(store);
}

/* ---- Write transactions ------------------------------------------------------------------ */

int lty_store_txn_begin(lty_store_t *store, lty_store_txn_t *parent, lty_store_txn_t **txn_out)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(txn_out != NULL);
    LTY_ASSERT(!store->read_only);
    *txn_out = NULL;
    if (parent != NULL) {
        LTY_ASSERT(parent->store == store);
        LTY_ASSERT(parent->kind != TXN_READ);
        LTY_ASSERT(!parent->child_open);
        if (parent->error != 0) return parent->error;
    }
    lty_store_txn_t *txn = lty_calloc(1, sizeof(*txn));
    if (txn == NULL) return LTY_E_NOMEM;
    if (parent == NULL) grow_lock_shared(store);
    MDB_txn *parent_mdb = parent != NULL ? parent->mdb : NULL;
    int mdb_rc = mdb_txn_begin(store->env, parent_mdb, 0u, &txn->mdb);
    if (mdb_rc == MDB_MAP_RESIZED && parent == NULL) {
        grow_unlock(store);
        map_resize_adopt(store);
        grow_lock_shared(store);
        mdb_rc = mdb_txn_begin(store->env, NULL, 0u, &txn->mdb);
    }
    if (mdb_rc != MDB_SUCCESS) {
        if (parent == NULL) grow_unlock(store);
        lty_free(txn);
        return translate_mdb_rc(mdb_rc, "txn_begin");
    }
    txn->store = store;
    txn->parent = parent;
    txn->kind = parent != NULL ? TXN_CHILD : TXN_WRITE;
    if (parent != NULL) {
        parent->child_open = true;
        txn->capture = parent->capture; /* a child's changes join its parent's list */
        txn->capture_mark = parent->capture != NULL ? parent->capture->size : 0;
    }
    *txn_out = txn;
    return 0;
}

/* Take one injected commit failure, if any are left. */
static bool fault_take(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    int left = atomic_load(&store->fault_commits);
    while (left > 0) {
        if (atomic_compare_exchange_weak(&store->fault_commits, &left, left - 1)) return true;
    }
    LTY_ASSERT(left <= 0);
    return false;
}

/* Bookkeeping once LMDB has ended a write transaction (committed or aborted). */
static void write_txn_release(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn->kind != TXN_READ);
    LTY_ASSERT(txn->cursors_open == 0);
    if (txn->kind == TXN_CHILD) {
        LTY_ASSERT(txn->parent->child_open);
        txn->parent->child_open = false;
    } else {
        grow_unlock(txn->store);
    }
    lty_free(txn);
}

static void read_end(lty_store_txn_t *txn);

/* Keep data.mdb allocated well ahead of LMDB's last page. A commit that writes past the end of
 * the file changes its size and allocates blocks, so its fdatasync must also commit the file
 * system's journal: measured on ext4, that made each of the two syncs of a commit cost 3-4 ms
 * instead of well under 1 ms. With the blocks allocated ahead (posix_fallocate, a metadata-only
 * operation on ext4/xfs), a commit's syncs flush only its pages. LMDB ignores the file's size
 * beyond its last page; the map is never extended here (at most its current size). Called on the
 * writer thread after a top-level commit; a failure (no space, unsupported) is logged once and
 * turns preallocation off: commits stay correct, only slower. */
static void file_preallocate(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(!store->read_only);
    MDB_envinfo info;
    MDB_stat stat;
    mdb_filehandle_t fd;
    if (store->file_bytes < 0 || mdb_env_info(store->env, &info) != MDB_SUCCESS ||
        mdb_env_stat(store->env, &stat) != MDB_SUCCESS || mdb_env_get_fd(store->env, &fd) != 0) {
        return;
    }
    int64_t used = (int64_t)(info.me_last_pgno + 1) * (int64_t)stat.ms_psize;
    int64_t chunk = used / 4;
    if (chunk < STORE_PREALLOC_BYTES_MIN) chunk = STORE_PREALLOC_BYTES_MIN;
    if (chunk > STORE_PREALLOC_BYTES_MAX) chunk = STORE_PREALLOC_BYTES_MAX;
    if (store->file_bytes - used >= chunk / 2) return;
    struct stat file;
    if (fstat(fd, &file) != 0) return;
    store->file_bytes = (int64_t)file.st_size;
    int64_t target = used + chunk;
    if (target > (int64_t)info.me_mapsize) target = (int64_t)info.me_mapsize;
    if (target <= store->file_bytes) return;
    int rc = posix_fallocate(fd, (off_t)store->file_bytes, (off_t)(target - store->file_bytes));
    if (rc != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=preallocate_off bytes=%lld errno=%d", (long long)target, rc);
        store->file_bytes = -1;
        return;
    }
    store->file_bytes = target;
}

int lty_store_txn_commit(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(txn->cursors_open == 0);
    LTY_ASSERT(!txn->child_open);
    if (txn->kind == TXN_READ) {
        read_end(txn);
        return 0;
    }
    lty_store_t *store = txn->store;
    int err = 0;
    if (txn->error != 0) {
        err = txn->error;
        mdb_txn_abort(txn->mdb);
        LTY_LOG(LTY_LOG_DEBUG, "event=commit_refused err=%s", lty_err_name(err));
    } else if (txn->kind == TXN_WRITE && fault_take(store)) {
        mdb_txn_abort(txn->mdb);
        err = LTY_E_IO;
        LTY_LOG(LTY_LOG_WARN, "event=commit_fault_injected err=%s", lty_err_name(err));
    } else {
        int mdb_rc = mdb_txn_commit(txn->mdb); /* ends the transaction even when it fails */
        if (mdb_rc != MDB_SUCCESS) {
            err = translate_mdb_rc(mdb_rc, "txn_commit");
            /* A child that failed to merge may have left its parent half-merged. */
            if (txn->kind == TXN_CHILD && txn->parent->error == 0) txn->parent->error = err;
        } else if (txn->kind == TXN_WRITE) {
            atomic_fetch_add(&store->commits, 1);
        }
    }
    if (err != 0 && txn->kind == TXN_CHILD && txn->capture != NULL &&
        txn->capture_mark <= txn->capture->size) {
        txn->capture->size = txn->capture_mark; /* refused: as if aborted */
    }
    bool top_level = txn->kind == TXN_WRITE;
    write_txn_release(txn);
    if (top_level && err == 0) file_preallocate(store);
    return err;
}

void lty_store_txn_abort(lty_store_txn_t *txn)
{
    if (txn == NULL) return;
    LTY_ASSERT(txn->cursors_open == 0);
    LTY_ASSERT(!txn->child_open);
    if (txn->kind == TXN_READ) {
        read_end(txn);
        return;
    }
    mdb_txn_abort(txn->mdb);
    /* An aborted child's changes never happened: drop them from the list it shares. */
    if (txn->kind == TXN_CHILD && txn->capture != NULL) {
        LTY_ASSERT(txn->capture_mark <= txn->capture->size || txn->capture->error != 0);
        if (txn->capture_mark <= txn->capture->size) txn->capture->size = txn->capture_mark;
    }
    write_txn_release(txn);
}

/* ---- Read transactions ------------------------------------------------------------------- */

static lty_store_txn_t *read_cache_take(const lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(store->id != 0);
    for (int slot = 0; slot < STORE_READ_CACHE_SLOTS; slot++) {
        if (read_cache[slot].store_id == store->id) {
            lty_store_txn_t *txn = read_cache[slot].txn;
            read_cache[slot] = (read_cache_slot_t){0};
            LTY_ASSERT(txn != NULL);
            return txn;
        }
    }
    return NULL;
}

/* Keep a reset handle for this thread. Prefer an empty slot, then one of another store (that
 * store keeps the evicted handle in its registry until it closes); if every slot holds a handle
 * of this store, the caller destroys this one. */
static bool read_cache_put(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(txn->kind == TXN_READ);
    int chosen = -1;
    for (int slot = 0; slot < STORE_READ_CACHE_SLOTS && chosen < 0; slot++) {
        if (read_cache[slot].txn == NULL) chosen = slot;
    }
    for (int slot = 0; slot < STORE_READ_CACHE_SLOTS && chosen < 0; slot++) {
        if (read_cache[slot].store_id != txn->store->id) chosen = slot;
    }
    if (chosen < 0) return false;
    read_cache[chosen] = (read_cache_slot_t){.store_id = txn->store->id, .txn = txn};
    return true;
}

static void registry_remove(lty_store_t *store, lty_store_txn_t *txn)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(txn != NULL);
    pthread_mutex_lock(&store->registry_mutex);
    lty_store_txn_t **link = &store->registry;
    while (*link != NULL && *link != txn)
        link = &(*link)->registry_next;
    LTY_ASSERT(*link == txn);
    *link = txn->registry_next;
    pthread_mutex_unlock(&store->registry_mutex);
}

/* Create a read handle, begun and immediately reset, so every begin is one mdb_txn_renew. */
static int read_handle_create(lty_store_t *store, lty_store_txn_t **txn_out)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(txn_out != NULL);
    lty_store_txn_t *txn = lty_calloc(1, sizeof(*txn));
    if (txn == NULL) return LTY_E_NOMEM;
    grow_lock_shared(store);
    int mdb_rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn->mdb);
    if (mdb_rc == MDB_SUCCESS) mdb_txn_reset(txn->mdb);
    grow_unlock(store);
    if (mdb_rc != MDB_SUCCESS && mdb_rc != MDB_MAP_RESIZED) {
        lty_free(txn);
        return translate_mdb_rc(mdb_rc, "read_begin");
    }
    if (mdb_rc == MDB_MAP_RESIZED) {
        lty_free(txn);
        map_resize_adopt(store);
        return LTY_E_UNAVAILABLE; /* the caller retries once */
    }
    txn->store = store;
    txn->kind = TXN_READ;
    atomic_init(&txn->active, false);
    pthread_mutex_lock(&store->registry_mutex);
    txn->registry_next = store->registry;
    store->registry = txn;
    pthread_mutex_unlock(&store->registry_mutex);
    *txn_out = txn;
    return 0;
}

static void read_handle_destroy(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(!atomic_load(&txn->active));
    registry_remove(txn->store, txn);
    mdb_txn_abort(txn->mdb);
    lty_free(txn);
}

/* Renew a reset handle under the shared lock; 1 if the map was resized by another process. */
static int read_renew(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(!atomic_load(&txn->active));
    grow_lock_shared(txn->store);
    int mdb_rc = mdb_txn_renew(txn->mdb);
    if (mdb_rc == MDB_SUCCESS) {
        atomic_store_explicit(&txn->active, true, memory_order_relaxed);
        return 0;
    }
    grow_unlock(txn->store);
    if (mdb_rc == MDB_MAP_RESIZED) return 1;
    return translate_mdb_rc(mdb_rc, "read_renew");
}

int lty_store_read_begin(lty_store_t *store, lty_store_txn_t **txn_out)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(txn_out != NULL);
    *txn_out = NULL;
    lty_store_txn_t *txn = read_cache_take(store);
    if (txn == NULL) {
        int err = read_handle_create(store, &txn);
        if (err == LTY_E_UNAVAILABLE) err = read_handle_create(store, &txn);
        if (err != 0) return err;
    }
    int err = read_renew(txn);
    if (err == 1) {
        map_resize_adopt(store);
        err = read_renew(txn);
        if (err == 1) err = translate_mdb_rc(MDB_MAP_RESIZED, "read_renew");
    }
    if (err != 0) {
        read_handle_destroy(txn);
        return err;
    }
    LTY_ASSERT(txn->cursors_open == 0);
    *txn_out = txn;
    return 0;
}

/* End a read transaction: reset (releases the snapshot) and keep the handle for reuse. */
static void read_end(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn->kind == TXN_READ);
    LTY_ASSERT(atomic_load(&txn->active));
    mdb_txn_reset(txn->mdb);
    atomic_store_explicit(&txn->active, false, memory_order_release);
    grow_unlock(txn->store);
    if (!read_cache_put(txn)) read_handle_destroy(txn);
}

/* ---- Change capture (replication) -------------------------------------------------------
 * With replication on, the writer asks for the change list of its batch transaction: every put
 * and delete, in order, as (operation, database, key, value) records, so a follower applies the
 * results and never runs a rule again. Children append to their parent's list and cut their
 * part off when they abort. A transaction without a list (single-node mode) pays one predictable
 * branch per write. Record layout (big-endian): u8 operation, u8 database, u16 key size,
 * u32 value size, key, value. */

enum { CHANGE_PUT = 1, CHANGE_DEL = 2, CHANGE_HEADER_BYTES = 8 };
#define CHANGE_VALUE_BYTES_MAX (64u * 1024u * 1024u)

static void capture_record(lty_buf_t *capture, int operation, lty_db_t db, MDB_val key,
                           MDB_val value)
{
    LTY_ASSERT(capture != NULL);
    LTY_ASSERT(key.mv_size <= STORE_KEY_BYTES_MAX);
    if (value.mv_size > CHANGE_VALUE_BYTES_MAX) {
        capture->error = LTY_E_REQUEST_TOO_LARGE; /* sticky: the batch cannot be published */
        return;
    }
    uint8_t header[CHANGE_HEADER_BYTES] = {
        (uint8_t)operation, (uint8_t)db, (uint8_t)(key.mv_size >> 8), (uint8_t)key.mv_size,
        (uint8_t)(value.mv_size >> 24), (uint8_t)(value.mv_size >> 16),
        (uint8_t)(value.mv_size >> 8), (uint8_t)value.mv_size};
    if (lty_buf_reserve(capture, sizeof(header) + key.mv_size + value.mv_size) != 0) return;
    lty_buf_append(capture, header, sizeof(header));
    lty_buf_append(capture, key.mv_data, key.mv_size);
    if (value.mv_size > 0) lty_buf_append(capture, value.mv_data, value.mv_size);
}

void lty_store_txn_capture(lty_store_txn_t *txn, lty_buf_t *changes)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(txn->kind == TXN_WRITE);
    LTY_ASSERT(!txn->child_open);
    txn->capture = changes;
}

/* Read one record of a change list at *offset; false when the bytes are not one. */
static bool change_next(const uint8_t *data, size_t size, size_t *offset, int *operation_out,
                        lty_db_t *db_out, MDB_val *key_out, MDB_val *value_out)
{
    LTY_ASSERT(data != NULL || size == 0);
    LTY_ASSERT(*offset <= size);
    if (size - *offset < CHANGE_HEADER_BYTES) return false;
    const uint8_t *header = data + *offset;
    size_t key_size = (size_t)header[2] << 8 | header[3];
    size_t value_size = (size_t)header[4] << 24 | (size_t)header[5] << 16 |
                        (size_t)header[6] << 8 | header[7];
    bool known = header[0] == CHANGE_PUT || (header[0] == CHANGE_DEL && value_size == 0);
    if (!known || header[1] >= LTY_DB_COUNT || key_size == 0 || key_size > STORE_KEY_BYTES_MAX) {
        return false;
    }
    if (size - *offset - CHANGE_HEADER_BYTES < key_size + value_size) return false;
    *operation_out = header[0];
    *db_out = (lty_db_t)header[1];
    key_out->mv_size = key_size;
    key_out->mv_data = (void *)(uintptr_t)(header + CHANGE_HEADER_BYTES);
    value_out->mv_size = value_size;
    value_out->mv_data = (void *)(uintptr_t)(header + CHANGE_HEADER_BYTES + key_size);
    *offset += CHANGE_HEADER_BYTES + key_size + value_size;
    return true;
}

int lty_store_changes_apply(lty_store_txn_t *txn, const void *changes, size_t size)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(txn->kind == TXN_WRITE);
    LTY_ASSERT(txn->capture == NULL); /* a follower's apply is not captured again */
    if (txn->error != 0) return txn->error;
    size_t offset = 0;
    while (offset < size) {
        int operation = 0;
        lty_db_t db = LTY_DB_META;
        MDB_val key, value;
        if (!change_next(changes, size, &offset, &operation, &db, &key, &value)) {
            LTY_LOG(LTY_LOG_ERR, "event=change_list_invalid offset=%zu bytes=%zu err=CORRUPT",
                    offset, size);
            txn->error = LTY_E_CORRUPT;
            return LTY_E_CORRUPT;
        }
        int mdb_rc = operation == CHANGE_PUT
                         ? mdb_put(txn->mdb, txn->store->dbis[db], &key, &value, 0u)
                         : mdb_del(txn->mdb, txn->store->dbis[db], &key, NULL);
        /* A delete of an absent key leaves the same state as on the leader. */
        if (mdb_rc == MDB_NOTFOUND && operation == CHANGE_DEL) continue;
        if (mdb_rc != MDB_SUCCESS) return txn_fail(txn, mdb_rc, "change_apply");
    }
    return 0;
}

/* ---- Records ----------------------------------------------------------------------------- */

int lty_store_get(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t *value_out)
{
    txn_check_usable(txn, db);
    key_check(key);
    LTY_ASSERT(value_out != NULL);
    if (txn->error != 0) return txn->error;
    if (!txn->store->dbi_present[db]) return LTY_E_NOT_FOUND;
    MDB_val mdb_key = val_from_bytes(key);
    MDB_val mdb_value = {0};
    int mdb_rc = mdb_get(txn->mdb, txn->store->dbis[db], &mdb_key, &mdb_value);
    if (mdb_rc != MDB_SUCCESS) return txn_fail(txn, mdb_rc, "get");
    *value_out = bytes_from_val(mdb_value);
    return 0;
}

static int put_flags(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value,
                     unsigned int flags, const char *operation)
{
    txn_check_usable(txn, db);
    key_check(key);
    LTY_ASSERT(txn->kind != TXN_READ);
    LTY_ASSERT(txn->store->dbi_present[db]);
    if (txn->error != 0) return txn->error;
    MDB_val mdb_key = val_from_bytes(key);
    MDB_val mdb_value = val_from_bytes(value);
    int mdb_rc = mdb_put(txn->mdb, txn->store->dbis[db], &mdb_key, &mdb_value, flags);
    if (mdb_rc != MDB_SUCCESS) return txn_fail(txn, mdb_rc, operation);
    if (txn->capture != NULL) capture_record(txn->capture, CHANGE_PUT, db, mdb_key, mdb_value);
    return 0;
}

int lty_store_put(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(value.data != NULL || value.size == 0);
    return put_flags(txn, db, key, value, 0u, "put");
}

int lty_store_insert(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(value.data != NULL || value.size == 0);
    /* MDB_NOOVERWRITE: an existing key answers MDB_KEYEXIST and is left untouched. */
    return put_flags(txn, db, key, value, MDB_NOOVERWRITE, "insert");
}

int lty_store_append(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key, lty_bytes_t value)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(value.data != NULL || value.size == 0);
    /* MDB_APPEND: fills pages completely instead of splitting them in half; a key that does not
     * sort after the last one is refused with MDB_KEYEXIST. */
    return put_flags(txn, db, key, value, MDB_APPEND, "append");
}

int lty_store_del(lty_store_txn_t *txn, lty_db_t db, lty_bytes_t key)
{
    txn_check_usable(txn, db);
    key_check(key);
    LTY_ASSERT(txn->kind != TXN_READ);
    if (txn->error != 0) return txn->error;
    if (!txn->store->dbi_present[db]) return LTY_E_NOT_FOUND;
    MDB_val mdb_key = val_from_bytes(key);
    int mdb_rc = mdb_del(txn->mdb, txn->store->dbis[db], &mdb_key, NULL);
    if (mdb_rc != MDB_SUCCESS) return txn_fail(txn, mdb_rc, "del");
    if (txn->capture != NULL) capture_record(txn->capture, CHANGE_DEL, db, mdb_key, (MDB_val){0});
    return 0;
}

int lty_store_count(lty_store_txn_t *txn, lty_db_t db, uint64_t *count_out)
{
    txn_check_usable(txn, db);
    LTY_ASSERT(count_out != NULL);
    *count_out = 0;
    if (txn->error != 0) return txn->error;
    if (!txn->store->dbi_present[db]) return 0;
    MDB_stat stat;
    int mdb_rc = mdb_stat(txn->mdb, txn->store->dbis[db], &stat);
    if (mdb_rc != MDB_SUCCESS) return txn_fail(txn, mdb_rc, "stat");
    *count_out = (uint64_t)stat.ms_entries;
    return 0;
}

/* ---- Cursors ----------------------------------------------------------------------------- */

int lty_store_cursor_open(lty_store_txn_t *txn, lty_db_t db, lty_store_cursor_t **cursor_out)
{
    txn_check_usable(txn, db);
    LTY_ASSERT(cursor_out != NULL);
    *cursor_out = NULL;
    if (txn->error != 0) return txn->error;
    if (!txn->store->dbi_present[db]) return LTY_E_NOT_FOUND;
    lty_store_cursor_t *cursor = lty_calloc(1, sizeof(*cursor));
    if (cursor == NULL) return LTY_E_NOMEM;
    int mdb_rc = mdb_cursor_open(txn->mdb, txn->store->dbis[db], &cursor->mdb);
    if (mdb_rc != MDB_SUCCESS) {
        lty_free(cursor);
        return txn_fail(txn, mdb_rc, "cursor_open");
    }
    cursor->txn = txn;
    cursor->db = db;
    txn->cursors_open++;
    *cursor_out = cursor;
    return 0;
}

static MDB_cursor_op cursor_op_from_seek(lty_store_seek_t seek)
{
    LTY_ASSERT(seek >= LTY_SEEK_FIRST);
    LTY_ASSERT(seek <= LTY_SEEK_RANGE);
    switch (seek) {
    case LTY_SEEK_FIRST:
        return MDB_FIRST;
    case LTY_SEEK_LAST:
        return MDB_LAST;
    case LTY_SEEK_NEXT:
        return MDB_NEXT;
    case LTY_SEEK_PREV:
        return MDB_PREV;
    case LTY_SEEK_KEY:
        return MDB_SET_KEY;
    case LTY_SEEK_RANGE:
        return MDB_SET_RANGE;
    }
    return MDB_FIRST; /* unreachable: asserted above */
}

int lty_store_cursor_seek(lty_store_cursor_t *cursor, lty_store_seek_t seek, lty_bytes_t key,
                          lty_bytes_t *key_out, lty_bytes_t *value_out)
{
    LTY_ASSERT(cursor != NULL);
    LTY_ASSERT(cursor->txn != NULL);
    LTY_ASSERT(!cursor->txn->child_open);
    bool keyed = seek == LTY_SEEK_KEY || seek == LTY_SEEK_RANGE;
    if (keyed) key_check(key);
    if (cursor->txn->error != 0) return cursor->txn->error;
    MDB_val mdb_key = keyed ? val_from_bytes(key) : (MDB_val){0};
    MDB_val mdb_value = {0};
    int mdb_rc = mdb_cursor_get(cursor->mdb, &mdb_key, &mdb_value, cursor_op_from_seek(seek));
    if (mdb_rc != MDB_SUCCESS) return txn_fail(cursor->txn, mdb_rc, "cursor_get");
    if (key_out != NULL) *key_out = bytes_from_val(mdb_key);
    if (value_out != NULL) *value_out = bytes_from_val(mdb_value);
    return 0;
}

int lty_store_cursor_del(lty_store_cursor_t *cursor)
{
    LTY_ASSERT(cursor != NULL);
    LTY_ASSERT(cursor->txn->kind != TXN_READ);
    LTY_ASSERT(!cursor->txn->child_open);
    if (cursor->txn->error != 0) return cursor->txn->error;
    MDB_val key = {0}, value = {0};
    if (cursor->txn->capture != NULL) {
        /* The key is a view into the page the delete changes: record it first. */
        int mdb_rc = mdb_cursor_get(cursor->mdb, &key, &value, MDB_GET_CURRENT);
        if (mdb_rc != MDB_SUCCESS) return txn_fail(cursor->txn, mdb_rc, "cursor_get_current");
        capture_record(cursor->txn->capture, CHANGE_DEL, cursor->db, key, (MDB_val){0});
    }
    int mdb_rc = mdb_cursor_del(cursor->mdb, 0u);
    if (mdb_rc != MDB_SUCCESS) return txn_fail(cursor->txn, mdb_rc, "cursor_del");
    return 0;
}

void lty_store_cursor_close(lty_store_cursor_t *cursor)
{
    if (cursor == NULL) return;
    LTY_ASSERT(cursor->txn != NULL);
    LTY_ASSERT(cursor->txn->cursors_open > 0);
    mdb_cursor_close(cursor->mdb);
    cursor->txn->cursors_open--;
    lty_free(cursor);
}

/* ---- Growth, backup, readers, stats ------------------------------------------------------ */

int lty_store_map_grow(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(!store->read_only);
    int rc = pthread_rwlock_wrlock(&store->grow_lock);
    LTY_ASSERT(rc == 0);
    int64_t current = atomic_load(&store->map_bytes);
    if (current >= store->map_bytes_max) {
        grow_unlock(store);
        LTY_LOG(LTY_LOG_ERR, "event=map_full map_bytes=%lld map_bytes_max=%lld err=STORE_FULL",
                (long long)current, (long long)store->map_bytes_max);
        return LTY_E_STORE_FULL;
    }
    int64_t next = current <= store->map_bytes_max / 2 ? current * 2 : store->map_bytes_max;
    LTY_ASSERT(next > current);
    int mdb_rc = mdb_env_set_mapsize(store->env, (size_t)next);
    if (mdb_rc == MDB_SUCCESS) {
        atomic_store(&store->map_bytes, next);
        atomic_fetch_add(&store->map_grows, 1);
    }
    grow_unlock(store);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_set_mapsize");
    LTY_LOG(LTY_LOG_INFO, "event=map_grown map_bytes_old=%lld map_bytes=%lld", (long long)current,
            (long long)next);
    return 0;
}

/* The backup target must be a new or empty directory: never overwrite an older backup. */
static int backup_dir_prepare(const char *out_dir)
{
    LTY_ASSERT(out_dir != NULL);
    LTY_ASSERT(out_dir[0] != '\0');
    if (mkdir(out_dir, STORE_DIR_MODE) == 0) return 0;
    if (errno != EEXIST) {
        LTY_LOG(LTY_LOG_ERR, "op=backup_mkdir errno=%d err=IO", errno);
        return LTY_E_IO;
    }
    DIR *dir = opendir(out_dir);
    if (dir == NULL) {
        LTY_LOG(LTY_LOG_ERR, "op=backup_opendir errno=%d err=EXISTS", errno);
        return LTY_E_EXISTS;
    }
    int entries = 0;
    for (struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) entries++;
    }
    closedir(dir);
    if (entries > 0) {
        LTY_LOG(LTY_LOG_ERR, "op=backup entries=%d err=EXISTS detail=\"directory not empty\"",
                entries);
        return LTY_E_EXISTS;
    }
    return 0;
}

int lty_store_backup(lty_store_t *store, const char *out_dir)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(out_dir != NULL);
    int err = backup_dir_prepare(out_dir);
    if (err != 0) return err;
    /* The copy runs its own read transaction, so growth must wait for it like for any other. */
    grow_lock_shared(store);
    /* MDB_CP_COMPACT: omit free pages and renumber, so the copy is as small as the data. */
    int mdb_rc = mdb_env_copy2(store->env, out_dir, MDB_CP_COMPACT);
    grow_unlock(store);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "env_copy2");
    LTY_LOG(LTY_LOG_INFO, "event=backup_done");
    return 0;
}

int lty_store_readers_check(lty_store_t *store, int *cleared_out)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(store->env != NULL);
    int cleared = 0;
    int mdb_rc = mdb_reader_check(store->env, &cleared);
    if (mdb_rc != MDB_SUCCESS) return translate_mdb_rc(mdb_rc, "reader_check");
    LTY_ASSERT(cleared >= 0);
    if (cleared > 0) LTY_LOG(LTY_LOG_WARN, "event=stale_readers_cleared readers=%d", cleared);
    if (cleared_out != NULL) *cleared_out = cleared;
    return 0;
}

/* ---- Page-cache warm-up --------------------------------------------------------
 * How data.mdb sits in the page cache decides what a commit costs. Read with readahead (cat,
 * a backup, LMDB's own read-around on a page fault), it is cached in large pages of up to
 * hundreds of KiB, and a commit's 4 KiB pwrite into one of them costs the kernel work across
 * the whole large page at write and at writeback: on 1,000,000 members, 64-connection sales
 * ran at 2,500-2,700/s with the file warmed by cat against 5,200-5,400/s warmed in 4 KiB
 * pages (bench/RESULTS.md). So the daemon opens LMDB with MDB_NORDAHEAD (a fault reads one
 * page) and warms the file itself in the background: it drops the file's clean cached pages,
 * then reads it in 1 MiB reads with POSIX_FADV_RANDOM on its own descriptor, which makes the
 * kernel cache them as 4 KiB pages while reading sequentially (about 1 GB/s here). Reads never
 * wait for it; before it is done, a miss is a 4 KiB read. It stops early when the store
 * closes. Nothing of the ledger depends on it: it only reads. */
static void *warm_main(void *argument)
{
    lty_store_t *store = argument;
    enum { WARM_READ_BYTES = 1 << 20 };
    const char *dir = NULL;
    char path[4096];
    int fd = -1;
    if (mdb_env_get_path(store->env, &dir) == MDB_SUCCESS &&
        snprintf(path, sizeof(path), "%s/data.mdb", dir) < (int)sizeof(path)) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    uint8_t *buffer = fd >= 0 ? lty_alloc(WARM_READ_BYTES) : NULL;
    if (buffer == NULL) {
        LTY_LOG(LTY_LOG_WARN, "event=cache_warm_skipped errno=%d", errno);
        if (fd >= 0) close(fd);
        atomic_store(&store->warm_done, true);
        return NULL;
    }
    int64_t started_ms = lty_clock_monotonic_ms();
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* advisory: dirty or mapped pages stay */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
    int64_t offset = 0;
    while (!atomic_load(&store->warm_stop)) {
        ssize_t got = pread(fd, buffer, WARM_READ_BYTES, (off_t)offset);
        if (got <= 0) break;
        offset += got;
        atomic_store(&store->warm_bytes, offset);
    }
    close(fd);
    lty_free(buffer);
    atomic_store(&store->warm_done, true);
    LTY_LOG(LTY_LOG_INFO, "event=cache_warmed bytes=%lld ms=%lld stopped=%d", (long long)offset,
            (long long)(lty_clock_monotonic_ms() - started_ms), (int)atomic_load(&store->warm_stop));
    return NULL;
}

int lty_store_cache_warm_start(lty_store_t *store)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(!store->read_only);
    LTY_ASSERT(!store->warm_started);
    int rc = pthread_create(&store->warm_thread, NULL, warm_main, store);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_WARN, "op=pthread_create errno=%d what=cache_warm", rc);
        return LTY_E_NOMEM;
    }
    store->warm_started = true;
    return 0;
}

void lty_store_stats(lty_store_t *store, lty_store_stats_t *stats_out)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(stats_out != NULL);
    memset(stats_out, 0, sizeof(*stats_out));
    stats_out->map_bytes = atomic_load(&store->map_bytes);
    stats_out->commits = (uint64_t)atomic_load(&store->commits);
    stats_out->map_grows = (uint64_t)atomic_load(&store->map_grows);
    stats_out->warm_bytes = atomic_load(&store->warm_bytes);
    stats_out->warm_done = atomic_load(&store->warm_done);
    MDB_envinfo info;
    MDB_stat stat;
    /* The meta pages live in the map, which growth unmaps and maps again. */
    grow_lock_shared(store);
    if (mdb_env_info(store->env, &info) == MDB_SUCCESS &&
        mdb_env_stat(store->env, &stat) == MDB_SUCCESS) {
        stats_out->used_bytes = (int64_t)((info.me_last_pgno + 1) * stat.ms_psize);
    }
    grow_unlock(store);
}

void lty_store_fault_commit_fail(lty_store_t *store, int n)
{
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(n >= 0);
    atomic_store(&store->fault_commits, n);
}
