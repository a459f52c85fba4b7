/* SPDX-License-Identifier: MIT */
/* lty_store_poke: a test-only tool that flips one bit of one stored value, as a tamperer with
 * the data file would, so a test can show that `loyaltyctl verify` notices and names the record.
 *
 *   lty_store_poke DATA_DIR DB_NAME ID OFFSET
 *
 * DB_NAME is a database of schema/records.def keyed by an id u64 (journal, audit, ...); the
 * value's byte at OFFSET is XORed with 0x01 in one write transaction (run it again to undo).
 * Exit 0 when done, 1 on any failure (message on stderr), 2 on usage. The daemon must be stopped
 * (LMDB would let it run, but the test wants one writer). Never built into a product. */
#include "records.h"
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_names[] = {
#define LTY_DB(id, name, flags, doc) name,
#include "records.def"
#undef LTY_DB
};

static int poke(lty_store_t *store, lty_db_t db, uint64_t id, size_t offset)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_txn_begin(store, NULL, &txn);
    lty_key_t key;
    lty_key_id(&key, id);
    lty_bytes_t value = {0};
    if (err == 0) err = lty_store_get(txn, db, lty_key_bytes(&key), &value);
    uint8_t copy[LTY_RECORD_SMALL_BYTES_MAX];
    if (err == 0 && (value.size > sizeof(copy) || offset >= value.size)) {
        fprintf(stderr, "lty_store_poke: value of %zu bytes has no byte %zu\n", value.size, offset);
        err = -1;
    }
    if (err == 0) {
        memcpy(copy, value.data, value.size);
        copy[offset] ^= 0x01;
        err = lty_store_put(txn, db, lty_key_bytes(&key),
                            (lty_bytes_t){.data = copy, .size = value.size});
    }
    if (err == 0) return lty_store_txn_commit(txn);
    lty_store_txn_abort(txn);
    return err;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: lty_store_poke DATA_DIR DB_NAME ID OFFSET\n");
        return 2;
    }
    int db = -1;
    for (int index = 0; index < LTY_DB_COUNT; index++) {
        if (strcmp(db_names[index], argv[2]) == 0) db = index;
    }
    char *end = NULL;
    uint64_t id = strtoull(argv[3], &end, 10);
    size_t offset = (size_t)strtoull(argv[4], NULL, 10);
    if (db < 0 || end == argv[3] || *end != '\0' || id == 0) {
        fprintf(stderr, "lty_store_poke: unknown database %s or bad id %s\n", argv[2], argv[3]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/ledger", argv[1]);
    lty_store_options_t options = {.path = path, .map_bytes = LTY_MAP_BYTES_DEFAULT,
                                   .map_bytes_max = LTY_MAP_BYTES_MAX, .readers_max = 126};
    lty_store_t *store = NULL;
    int err = lty_store_open(&store, &options);
    if (err == 0) err = poke(store, (lty_db_t)db, id, offset);
    lty_store_close(store);
    if (err != 0) {
        fprintf(stderr, "lty_store_poke: %s %s %" PRIu64 " failed (%d)\n", argv[1], argv[2], id,
                err);
        return 1;
    }
    return 0;
}
