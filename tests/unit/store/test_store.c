/* SPDX-License-Identifier: MIT */
/* tests/unit/daemon/test_store.c
 * Goal: the LMDB seam keeps its contract: records round-trip, answers (not found, exists, append
 * order) leave a transaction usable, real failures are sticky, a child abort leaves its parent
 * intact, a full map refuses cleanly (nothing half-written) and can grow, read transactions are
 * reused per thread and see snapshots, a backup is a complete store, and readers can be checked.
 * Method: a fresh temporary directory per test (removed in teardown), small keys and values,
 * threads joined for synchronisation; no sleeps and no timing assertions. */
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
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "store.h"

#include <cmocka.h> /* last: with UNIT_TESTING it redefines malloc/free */

#define MIB (INT64_C(1) << 20)
#define READ_THREADS 4
#define READ_ROUNDS 300

typedef struct fixture_s {
    char dir[64];
    char backup_dir[96];
    lty_store_t *store;
} fixture_t;

static fixture_t fixture;

static lty_bytes_t text(const char *string)
{
    lty_bytes_t bytes = {.data = string, .size = strlen(string)};
    return bytes;
}

/* A two-byte big-endian key, as journal ids are. */
static lty_bytes_t key_u16(uint8_t *buffer, unsigned int number)
{
    buffer[0] = (uint8_t)(number >> 8);
    buffer[1] = (uint8_t)(number & 0xffu);
    lty_bytes_t bytes = {.data = buffer, .size = 2};
    return bytes;
}

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

static int store_open_with(lty_store_t **store_out, const char *path, int64_t map_bytes,
                           int64_t map_bytes_max, bool read_only)
{
    lty_store_options_t options = {.path = path,
                                   .map_bytes = map_bytes,
                                   .map_bytes_max = map_bytes_max,
                                   .readers_max = 0,
                                   .read_only = read_only,
                                   .create = !read_only};
    return lty_store_open(store_out, &options);
}

static int setup(void **state)
{
    (void)state;
    memset(&fixture, 0, sizeof(fixture));
    snprintf(fixture.dir, sizeof(fixture.dir), "/tmp/lty_test_store.XXXXXX");
    if (mkdtemp(fixture.dir) == NULL) return -1;
    snprintf(fixture.backup_dir, sizeof(fixture.backup_dir), "%s/backup", fixture.dir);
    return store_open_with(&fixture.store, fixture.dir, 4 * MIB, 0, false) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lty_store_close(fixture.store);
    fixture.store = NULL;
    remove_tree(fixture.dir);
    return 0;
}

static void put_committed(lty_store_t *store, lty_db_t db, const char *key, const char *value)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(store, NULL, &txn), 0);
    assert_int_equal(lty_store_put(txn, db, text(key), text(value)), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
}

/* Reads key in a fresh read transaction: 0 and the value copied into out, or the error. */
static int read_value(lty_store_t *store, lty_db_t db, const char *key, char *out, size_t size)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    lty_bytes_t value = {0};
    int err = lty_store_get(txn, db, text(key), &value);
    if (err == 0) {
        assert_true(value.size < size);
        memcpy(out, value.data, value.size);
        out[value.size] = '\0';
    }
    lty_store_txn_abort(txn);
    return err;
}

static void test_store_open_missing_without_create_is_not_found(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/absent", fixture.dir);
    lty_store_t *store = NULL;
    lty_store_options_t options = {.path = path, .map_bytes = MIB, .create = false};
    assert_int_equal(lty_store_open(&store, &options), LTY_E_NOT_FOUND);
    assert_null(store);
}

static void test_store_reopen_keeps_committed_data(void **state)
{
    (void)state;
    put_committed(fixture.store, LTY_DB_META, "schema", "1");
    lty_store_close(fixture.store);
    fixture.store = NULL;
    assert_int_equal(store_open_with(&fixture.store, fixture.dir, 4 * MIB, 0, false), 0);
    char value[16];
    assert_int_equal(read_value(fixture.store, LTY_DB_META, "schema", value, sizeof(value)), 0);
    assert_string_equal(value, "1");
    lty_store_close(NULL); /* NULL accepted */
}

/* The page-cache warm-up runs beside writes and reads, and close stops and joins it
 * whether or not it has finished (ASan/TSan-clean); the data is untouched by it. */
static void test_store_cache_warm_runs_beside_writes_and_close_joins_it(void **state)
{
    (void)state;
    put_committed(fixture.store, LTY_DB_META, "before", "1");
    assert_int_equal(lty_store_cache_warm_start(fixture.store), 0);
    put_committed(fixture.store, LTY_DB_META, "during", "2");
    char value[16];
    assert_int_equal(read_value(fixture.store, LTY_DB_META, "before", value, sizeof(value)), 0);
    assert_string_equal(value, "1");
    lty_store_close(fixture.store); /* joins the warm-up thread */
    fixture.store = NULL;
    assert_int_equal(store_open_with(&fixture.store, fixture.dir, 4 * MIB, 0, false), 0);
    assert_int_equal(read_value(fixture.store, LTY_DB_META, "during", value, sizeof(value)), 0);
    assert_string_equal(value, "2");
    lty_store_stats_t stats;
    lty_store_stats(fixture.store, &stats);
    assert_false(stats.warm_done); /* a new open has not warmed */
    assert_int_equal(stats.warm_bytes, 0);
}

static void test_store_put_get_del_round_trip(void **state)
{
    (void)state;
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    assert_int_equal(lty_store_put(txn, LTY_DB_MEMBERS, text("m1"), text("alice")), 0);
    assert_int_equal(lty_store_put(txn, LTY_DB_MEMBERS, text("m2"), text("bob")), 0);
    assert_int_equal(lty_store_put(txn, LTY_DB_MEMBERS, text("m1"), text("alice2")), 0);
    lty_bytes_t value = {0};
    assert_int_equal(lty_store_get(txn, LTY_DB_MEMBERS, text("m1"), &value), 0);
    assert_int_equal(value.size, 6);
    assert_memory_equal(value.data, "alice2", 6);
    assert_int_equal(lty_store_del(txn, LTY_DB_MEMBERS, text("m2")), 0);
    assert_int_equal(lty_store_del(txn, LTY_DB_MEMBERS, text("m2")), LTY_E_NOT_FOUND);
    assert_int_equal(lty_store_get(txn, LTY_DB_CARDS, text("m1"), &value), LTY_E_NOT_FOUND);
    assert_int_equal(lty_store_txn_commit(txn), 0); /* answers are not failures */
    char out[16];
    assert_int_equal(read_value(fixture.store, LTY_DB_MEMBERS, "m1", out, sizeof(out)), 0);
    assert_string_equal(out, "alice2");
    assert_int_equal(read_value(fixture.store, LTY_DB_MEMBERS, "m2", out, sizeof(out)),
                     LTY_E_NOT_FOUND);
    lty_store_stats_t stats;
    lty_store_stats(fixture.store, &stats);
    assert_true(stats.commits >= 1);
    assert_true(stats.used_bytes > 0);
    assert_int_equal(stats.map_bytes, 4 * MIB);
}

static void test_store_insert_existing_is_refused_and_unchanged(void **state)
{
    (void)state;
    put_committed(fixture.store, LTY_DB_CARDS, "6001", "first");
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    assert_int_equal(lty_store_insert(txn, LTY_DB_CARDS, text("6001"), text("second")),
                     LTY_E_EXISTS);
    assert_int_equal(lty_store_insert(txn, LTY_DB_CARDS, text("6002"), text("new")), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    char out[16];
    assert_int_equal(read_value(fixture.store, LTY_DB_CARDS, "6001", out, sizeof(out)), 0);
    assert_string_equal(out, "first");
    assert_int_equal(read_value(fixture.store, LTY_DB_CARDS, "6002", out, sizeof(out)), 0);
    assert_string_equal(out, "new");
}

static void test_store_append_out_of_order_is_refused(void **state)
{
    (void)state;
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    uint8_t key[2];
    assert_int_equal(lty_store_append(txn, LTY_DB_JOURNAL, key_u16(key, 1), text("e1")), 0);
    assert_int_equal(lty_store_append(txn, LTY_DB_JOURNAL, key_u16(key, 3), text("e3")), 0);
    assert_int_equal(lty_store_append(txn, LTY_DB_JOURNAL, key_u16(key, 2), text("e2")),
                     LTY_E_EXISTS);
    assert_int_equal(lty_store_append(txn, LTY_DB_JOURNAL, key_u16(key, 3), text("again")),
                     LTY_E_EXISTS);
    assert_int_equal(lty_store_append(txn, LTY_DB_JOURNAL, key_u16(key, 256), text("e256")), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(lty_store_read_begin(fixture.store, &txn), 0);
    uint64_t count = 0;
    assert_int_equal(lty_store_count(txn, LTY_DB_JOURNAL, &count), 0);
    assert_int_equal(count, 3);
    lty_store_txn_abort(txn);
}

/* Keys "k00".."k09" in MEMBERS. */
static void put_ten_keys(void)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    for (int index = 9; index >= 0; index--) {
        char key[16];
        snprintf(key, sizeof(key), "k%02d", index);
        assert_int_equal(lty_store_put(txn, LTY_DB_MEMBERS, text(key), text(key)), 0);
    }
    assert_int_equal(lty_store_txn_commit(txn), 0);
}

static void test_store_cursor_walks_forward_backward_and_from_range(void **state)
{
    (void)state;
    put_ten_keys();
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(fixture.store, &txn), 0);
    lty_store_cursor_t *cursor = NULL;
    assert_int_equal(lty_store_cursor_open(txn, LTY_DB_MEMBERS, &cursor), 0);
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    lty_bytes_t none = {0};
    int seen = 0;
    for (int err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, none, &key, &value); err == 0;
         err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &key, &value)) {
        char expected[16];
        snprintf(expected, sizeof(expected), "k%02d", seen++);
        assert_memory_equal(key.data, expected, 3);
        assert_memory_equal(value.data, expected, 3);
    }
    assert_int_equal(seen, 10);
    seen = 0;
    for (int err = lty_store_cursor_seek(cursor, LTY_SEEK_LAST, none, &key, NULL); err == 0;
         err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, none, &key, NULL)) {
        char expected[16];
        snprintf(expected, sizeof(expected), "k%02d", 9 - seen++);
        assert_memory_equal(key.data, expected, 3);
    }
    assert_int_equal(seen, 10);
    assert_int_equal(lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, text("k045"), &key, NULL), 0);
    assert_memory_equal(key.data, "k05", 3);
    assert_int_equal(lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &key, NULL), 0);
    assert_memory_equal(key.data, "k06", 3);
    assert_int_equal(lty_store_cursor_seek(cursor, LTY_SEEK_KEY, text("k03"), &key, &value), 0);
    assert_memory_equal(value.data, "k03", 3);
    assert_int_equal(lty_store_cursor_seek(cursor, LTY_SEEK_KEY, text("k035"), &key, NULL),
                     LTY_E_NOT_FOUND);
    assert_int_equal(lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, text("k99"), &key, NULL),
                     LTY_E_NOT_FOUND);
    lty_store_cursor_close(cursor);
    lty_store_txn_abort(txn);
}

static void test_store_cursor_del_removes_a_range(void **state)
{
    (void)state;
    put_ten_keys();
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    lty_store_cursor_t *cursor = NULL;
    assert_int_equal(lty_store_cursor_open(txn, LTY_DB_MEMBERS, &cursor), 0);
    lty_bytes_t key = {0};
    lty_bytes_t none = {0};
    int deleted = 0;
    for (int err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, none, &key, NULL);
         err == 0 && memcmp(key.data, "k05", 3) < 0;
         err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &key, NULL)) {
        assert_int_equal(lty_store_cursor_del(cursor), 0);
        deleted++;
    }
    lty_store_cursor_close(cursor);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(deleted, 5);
    char out[8];
    assert_int_equal(read_value(fixture.store, LTY_DB_MEMBERS, "k04", out, sizeof(out)),
                     LTY_E_NOT_FOUND);
    assert_int_equal(read_value(fixture.store, LTY_DB_MEMBERS, "k05", out, sizeof(out)), 0);
}

static void test_store_child_abort_leaves_parent_intact(void **state)
{
    (void)state;
    lty_store_txn_t *parent = NULL;
    lty_store_txn_t *child = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &parent), 0);
    assert_int_equal(lty_store_put(parent, LTY_DB_ACCOUNTS, text("a"), text("parent")), 0);
    assert_int_equal(lty_store_txn_begin(fixture.store, parent, &child), 0);
    assert_int_equal(lty_store_put(child, LTY_DB_ACCOUNTS, text("a"), text("child")), 0);
    assert_int_equal(lty_store_put(child, LTY_DB_ACCOUNTS, text("b"), text("child")), 0);
    lty_store_txn_abort(child);
    assert_int_equal(lty_store_txn_begin(fixture.store, parent, &child), 0);
    assert_int_equal(lty_store_put(child, LTY_DB_ACCOUNTS, text("c"), text("kept")), 0);
    assert_int_equal(lty_store_txn_commit(child), 0);
    lty_bytes_t value = {0};
    assert_int_equal(lty_store_get(parent, LTY_DB_ACCOUNTS, text("a"), &value), 0);
    assert_memory_equal(value.data, "parent", 6);
    assert_int_equal(lty_store_get(parent, LTY_DB_ACCOUNTS, text("b"), &value), LTY_E_NOT_FOUND);
    assert_int_equal(lty_store_txn_commit(parent), 0);
    char out[16];
    assert_int_equal(read_value(fixture.store, LTY_DB_ACCOUNTS, "c", out, sizeof(out)), 0);
    assert_string_equal(out, "kept");
    assert_int_equal(read_value(fixture.store, LTY_DB_ACCOUNTS, "b", out, sizeof(out)),
                     LTY_E_NOT_FOUND);
}

/* Fills a write transaction with 4 KiB values until the map is full; returns how many fit. */
static int fill_until_full(lty_store_txn_t *txn, int start)
{
    static char big[4096];
    memset(big, 'x', sizeof(big));
    lty_bytes_t value = {.data = big, .size = sizeof(big)};
    for (int index = start; index < start + 100000; index++) {
        char key[16];
        snprintf(key, sizeof(key), "fill%06d", index);
        int err = lty_store_put(txn, LTY_DB_AUDIT, text(key), value);
        if (err != 0) {
            assert_int_equal(err, LTY_E_STORE_FULL);
            return index - start;
        }
    }
    fail_msg("the map never filled");
    return 0;
}

static void test_store_map_full_is_refused_sticky_then_grows(void **state)
{
    (void)state;
    lty_store_close(fixture.store);
    assert_int_equal(store_open_with(&fixture.store, fixture.dir, MIB, 2 * MIB, false), 0);
    put_committed(fixture.store, LTY_DB_META, "base", "kept");
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    int fitted = fill_until_full(txn, 0);
    assert_true(fitted > 0);
    /* Sticky: the transaction refuses everything after the failure, commit included. */
    assert_int_equal(lty_store_put(txn, LTY_DB_META, text("late"), text("x")), LTY_E_STORE_FULL);
    lty_bytes_t value = {0};
    assert_int_equal(lty_store_get(txn, LTY_DB_META, text("base"), &value), LTY_E_STORE_FULL);
    assert_int_equal(lty_store_txn_commit(txn), LTY_E_STORE_FULL);
    char out[16];
    assert_int_equal(read_value(fixture.store, LTY_DB_META, "base", out, sizeof(out)), 0);
    assert_int_equal(read_value(fixture.store, LTY_DB_AUDIT, "fill000000", out, sizeof(out)),
                     LTY_E_NOT_FOUND);
    assert_int_equal(lty_store_map_grow(fixture.store), 0);
    lty_store_stats_t stats;
    lty_store_stats(fixture.store, &stats);
    assert_int_equal(stats.map_bytes, 2 * MIB);
    assert_int_equal(stats.map_grows, 1);
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    for (int index = 0; index < fitted; index++) {
        char key[16];
        snprintf(key, sizeof(key), "fill%06d", index);
        assert_int_equal(lty_store_put(txn, LTY_DB_AUDIT, text(key), text("small")), 0);
    }
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(read_value(fixture.store, LTY_DB_AUDIT, "fill000000", out, sizeof(out)), 0);
    assert_int_equal(lty_store_map_grow(fixture.store), LTY_E_STORE_FULL); /* at the maximum */
}

static void test_store_injected_commit_failure_persists_nothing(void **state)
{
    (void)state;
    lty_store_fault_commit_fail(fixture.store, 1);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    assert_int_equal(lty_store_put(txn, LTY_DB_META, text("k"), text("v")), 0);
    assert_int_equal(lty_store_txn_commit(txn), LTY_E_IO);
    char out[8];
    assert_int_equal(read_value(fixture.store, LTY_DB_META, "k", out, sizeof(out)),
                     LTY_E_NOT_FOUND);
    put_committed(fixture.store, LTY_DB_META, "k", "v"); /* only one failure was injected */
    assert_int_equal(read_value(fixture.store, LTY_DB_META, "k", out, sizeof(out)), 0);
}

static void test_store_read_sees_its_snapshot_and_handle_is_reused(void **state)
{
    (void)state;
    put_committed(fixture.store, LTY_DB_META, "v", "1");
    lty_store_txn_t *reader = NULL;
    assert_int_equal(lty_store_read_begin(fixture.store, &reader), 0);
    put_committed(fixture.store, LTY_DB_META, "v", "2");
    lty_bytes_t value = {0};
    assert_int_equal(lty_store_get(reader, LTY_DB_META, text("v"), &value), 0);
    assert_memory_equal(value.data, "1", 1);
    lty_store_txn_t *first = reader;
    lty_store_txn_abort(reader);
    assert_int_equal(lty_store_read_begin(fixture.store, &reader), 0);
    assert_ptr_equal(reader, first); /* the reset handle came back from this thread's cache */
    assert_int_equal(lty_store_get(reader, LTY_DB_META, text("v"), &value), 0);
    assert_memory_equal(value.data, "2", 1);
    assert_int_equal(lty_store_txn_commit(reader), 0); /* ends a read transaction too */
}

typedef struct reader_arg_s {
    lty_store_t *store;
    int handles_distinct;
    int mismatches;
} reader_arg_t;

/* Each round reads two keys the writer always updates together: a snapshot sees them equal. */
static void *reader_main(void *argument)
{
    reader_arg_t *arg = argument;
    lty_store_txn_t *previous = NULL;
    for (int round = 0; round < READ_ROUNDS; round++) {
        lty_store_txn_t *txn = NULL;
        if (lty_store_read_begin(arg->store, &txn) != 0) {
            arg->mismatches++;
            continue;
        }
        if (txn != previous) arg->handles_distinct++;
        previous = txn;
        lty_bytes_t a = {0};
        lty_bytes_t b = {0};
        int err_a = lty_store_get(txn, LTY_DB_META, text("a"), &a);
        int err_b = lty_store_get(txn, LTY_DB_META, text("b"), &b);
        if (err_a != err_b ||
            (err_a == 0 && (a.size != b.size || memcmp(a.data, b.data, a.size) != 0))) {
            arg->mismatches++;
        }
        lty_store_txn_abort(txn);
    }
    return NULL;
}

static void test_store_read_transactions_across_threads_see_snapshots(void **state)
{
    (void)state;
    pthread_t threads[READ_THREADS];
    reader_arg_t args[READ_THREADS];
    for (int index = 0; index < READ_THREADS; index++) {
        args[index] = (reader_arg_t){.store = fixture.store};
        assert_int_equal(pthread_create(&threads[index], NULL, reader_main, &args[index]), 0);
    }
    for (int round = 0; round < 100; round++) {
        char number[16];
        snprintf(number, sizeof(number), "%d", round);
        lty_store_txn_t *txn = NULL;
        assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
        assert_int_equal(lty_store_put(txn, LTY_DB_META, text("a"), text(number)), 0);
        assert_int_equal(lty_store_put(txn, LTY_DB_META, text("b"), text(number)), 0);
        assert_int_equal(lty_store_txn_commit(txn), 0);
        if (round == 50) assert_int_equal(lty_store_map_grow(fixture.store), 0);
    }
    for (int index = 0; index < READ_THREADS; index++) {
        assert_int_equal(pthread_join(threads[index], NULL), 0);
        assert_int_equal(args[index].mismatches, 0);
        assert_int_equal(args[index].handles_distinct, 1); /* one handle, renewed each round */
    }
    int cleared = -1;
    assert_int_equal(lty_store_readers_check(fixture.store, &cleared), 0);
    assert_int_equal(cleared, 0);
    assert_int_equal(lty_store_readers_check(fixture.store, NULL), 0);
}

static void test_store_backup_copy_opens_with_same_data(void **state)
{
    (void)state;
    put_ten_keys();
    put_committed(fixture.store, LTY_DB_META, "schema", "1");
    assert_int_equal(lty_store_backup(fixture.store, fixture.backup_dir), 0);
    assert_int_equal(lty_store_backup(fixture.store, fixture.backup_dir), LTY_E_EXISTS);
    lty_store_t *copy = NULL;
    assert_int_equal(store_open_with(&copy, fixture.backup_dir, 0, 0, true), 0);
    char out[16];
    assert_int_equal(read_value(copy, LTY_DB_META, "schema", out, sizeof(out)), 0);
    assert_string_equal(out, "1");
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(copy, &txn), 0);
    uint64_t count = 0;
    assert_int_equal(lty_store_count(txn, LTY_DB_MEMBERS, &count), 0);
    assert_int_equal(count, 10);
    assert_int_equal(lty_store_count(txn, LTY_DB_AUDIT, &count), 0);
    assert_int_equal(count, 0);
    lty_store_txn_abort(txn);
    lty_store_close(copy);
}

/* Replication: a batch's change list holds its puts and deletes in order, without the writes of
 * an aborted child, and applied to another store it makes the same content. */
static void test_store_capture_replays_on_another_store_without_aborted_children(void **state)
{
    (void)state;
    put_committed(fixture.store, LTY_DB_META, "old", "x");
    lty_buf_t changes;
    lty_buf_init(&changes, MIB);
    lty_store_txn_t *txn = NULL, *child = NULL;
    assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
    lty_store_txn_capture(txn, &changes);
    assert_int_equal(lty_store_put(txn, LTY_DB_MEMBERS, text("k1"), text("v1")), 0);
    assert_int_equal(lty_store_txn_begin(fixture.store, txn, &child), 0);
    assert_int_equal(lty_store_put(child, LTY_DB_MEMBERS, text("k2"), text("v2")), 0);
    assert_int_equal(lty_store_txn_commit(child), 0);
    size_t kept = changes.size;
    assert_int_equal(lty_store_txn_begin(fixture.store, txn, &child), 0);
    assert_int_equal(lty_store_put(child, LTY_DB_MEMBERS, text("k3"), text("v3")), 0);
    lty_store_txn_abort(child);
    assert_int_equal(changes.size, kept); /* the aborted child's put is gone from the list */
    assert_int_equal(lty_store_del(txn, LTY_DB_META, text("old")), 0);
    lty_store_cursor_t *cursor = NULL;
    assert_int_equal(lty_store_cursor_open(txn, LTY_DB_MEMBERS, &cursor), 0);
    assert_int_equal(lty_store_cursor_seek(cursor, LTY_SEEK_KEY, text("k1"), NULL, NULL), 0);
    assert_int_equal(lty_store_cursor_del(cursor), 0);
    lty_store_cursor_close(cursor);
    assert_int_equal(lty_store_txn_commit(txn), 0);

    lty_store_t *other = NULL;
    assert_int_equal(store_open_with(&other, fixture.backup_dir, 4 * MIB, 0, false), 0);
    put_committed(other, LTY_DB_META, "old", "x");
    assert_int_equal(lty_store_txn_begin(other, NULL, &txn), 0);
    assert_int_equal(lty_store_changes_apply(txn, changes.data, changes.size), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    char value[16];
    assert_int_equal(read_value(other, LTY_DB_MEMBERS, "k2", value, sizeof(value)), 0);
    assert_string_equal(value, "v2");
    assert_int_equal(read_value(other, LTY_DB_MEMBERS, "k1", value, sizeof(value)),
                     LTY_E_NOT_FOUND);
    assert_int_equal(read_value(other, LTY_DB_MEMBERS, "k3", value, sizeof(value)),
                     LTY_E_NOT_FOUND);
    assert_int_equal(read_value(other, LTY_DB_META, "old", value, sizeof(value)), LTY_E_NOT_FOUND);
    lty_store_close(other);
    lty_buf_deinit(&changes);
}

/* Bytes that are not a change list fail the transaction, which then commits nothing. */
static void test_store_changes_apply_refuses_garbage_and_fails_the_transaction(void **state)
{
    (void)state;
    static const uint8_t truncated[] = {1, 2, 0, 2, 0, 0, 0, 9, 'k', 'k', 'v'};
    static const uint8_t unknown_db[] = {1, 200, 0, 1, 0, 0, 0, 0, 'k'};
    static const uint8_t unknown_operation[] = {9, 1, 0, 1, 0, 0, 0, 0, 'k'};
    const struct {
        const uint8_t *bytes;
        size_t size;
    } cases[] = {{truncated, sizeof(truncated)},
                 {unknown_db, sizeof(unknown_db)},
                 {unknown_operation, sizeof(unknown_operation)}};
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        lty_store_txn_t *txn = NULL;
        assert_int_equal(lty_store_txn_begin(fixture.store, NULL, &txn), 0);
        assert_int_equal(lty_store_changes_apply(txn, cases[index].bytes, cases[index].size),
                         LTY_E_CORRUPT);
        assert_int_equal(lty_store_txn_commit(txn), LTY_E_CORRUPT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_open_missing_without_create_is_not_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_reopen_keeps_committed_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_put_get_del_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_cache_warm_runs_beside_writes_and_close_joins_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_insert_existing_is_refused_and_unchanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_append_out_of_order_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_cursor_walks_forward_backward_and_from_range,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_cursor_del_removes_a_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_child_abort_leaves_parent_intact, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_map_full_is_refused_sticky_then_grows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_injected_commit_failure_persists_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_read_sees_its_snapshot_and_handle_is_reused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_read_transactions_across_threads_see_snapshots,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_backup_copy_opens_with_same_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_store_capture_replays_on_another_store_without_aborted_children, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store_changes_apply_refuses_garbage_and_fails_the_transaction, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
