/* SPDX-License-Identifier: MIT */
/* lty-bench-gen: fills a `loyaltyctl init DIR --demo` data directory with N benchmark members,
 * one card each and (optionally) a starting bonus, writing through the domain layer (ops_*)
 * in large write transactions, so the store holds exactly what the API would have written.
 * The card numbers go to DIR/bench-cards.txt, one per line, for the load driver.
 *
 * With --pins M the first M members get a portal PIN (--pin, "2468" by default), for the portal
 * load (lty-load --workload portal). The PIN is hashed once (argon2id with the data directory's
 * pepper, as the daemon would) and that record is stored for each of them: one argon2 run per
 * member would take minutes, and a shared salt is harmless in benchmark data.
 *
 * Owns: nothing the daemon uses; a benchmark tool. Run it while the daemon is stopped. */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "ops.h"
#include "programme.h"
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_BATCH_MEMBERS 20000
#define GEN_PATH_SIZE 1024

typedef struct gen_s {
    const char *dir;
    uint64_t members;
    uint64_t pins;               /* the first pins members get pin_record */
    const char *pin;
    lty_pin_t pin_record;
    int64_t bonus_points;
    lty_programme_t programme;
    lty_store_t *store;
    FILE *cards;
} gen_t;

static int gen_member(gen_t *gen, lty_store_txn_t *txn, uint64_t serial, int64_t now_ms)
{
    LTY_ASSERT(gen != NULL && txn != NULL);
    LTY_ASSERT(serial < 10000000000ULL);
    lty_actor_t system_actor;
    memset(&system_actor, 0, sizeof(system_actor));
    lty_ops_member_new_t member_new;
    memset(&member_new, 0, sizeof(member_new));
    snprintf(member_new.name, sizeof(member_new.name), "Bench Member %" PRIu64, serial);
    /* "+1" and ten digits: unique per serial and a valid E.164 shape. */
    snprintf(member_new.phone, sizeof(member_new.phone), "+1%010" PRIu64, serial);
    uint64_t member_id = 0;
    int err = lty_ops_member_create(txn, &system_actor, now_ms, &member_new, &member_id, NULL);
    lty_card_t card;
    if (err == 0) {
        err = lty_ops_card_issue(txn, &system_actor, &gen->programme, now_ms, member_id, &card);
    }
    if (err == 0 && gen->bonus_points > 0) {
        lty_ops_adjust_t bonus = {.member_id = member_id, .points = gen->bonus_points,
                                  .bonus = true};
        snprintf(bonus.reason, sizeof(bonus.reason), "benchmark starting bonus");
        lty_ops_adjust_result_t result;
        err = lty_ops_adjust(txn, &system_actor, &gen->programme, now_ms, &bonus, &result, NULL);
    }
    if (err == 0 && serial <= gen->pins) {
        lty_pin_t record = gen->pin_record;
        record.member_id = member_id;
        record.updated_ms = now_ms;
        err = lty__ops_pin_put(txn, &record);
    }
    if (err == 0 && fprintf(gen->cards, "%s\n", card.card_no) < 0) err = LTY_E_IO;
    return err;
}

static int gen_batch(gen_t *gen, uint64_t first, uint64_t count)
{
    LTY_ASSERT(gen != NULL && gen->store != NULL);
    LTY_ASSERT(count > 0);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_txn_begin(gen->store, NULL, &txn);
    if (err != 0) return err;
    int64_t now_ms = lty_clock_now_ms();
    for (uint64_t serial = first; err == 0 && serial < first + count; serial++) {
        err = gen_member(gen, txn, serial, now_ms);
    }
    if (err != 0) {
        lty_store_txn_abort(txn);
        return err;
    }
    return lty_store_txn_commit(txn);
}

static int gen_open(gen_t *gen)
{
    LTY_ASSERT(gen != NULL && gen->dir != NULL);
    LTY_ASSERT(gen->store == NULL);
    char path[GEN_PATH_SIZE];
    snprintf(path, sizeof(path), "%s/ledger", gen->dir);
    lty_store_options_t options = {
        .path = path,
        .map_bytes = LTY_MAP_BYTES_DEFAULT,
        .map_bytes_max = LTY_MAP_BYTES_MAX,
        .readers_max = 126,
    };
    int err = lty_store_open(&gen->store, &options);
    lty_store_txn_t *txn = NULL;
    if (err == 0) err = lty_store_read_begin(gen->store, &txn);
    if (err == 0) err = lty_programme_load(txn, &gen->programme);
    lty_store_txn_abort(txn);
    if (err != 0) return err;
    if (gen->pins > 0) {
        uint8_t pepper[LTY_PIN_PEPPER_BYTES];
        err = lty_ops_pin_pepper_load(gen->dir, pepper);
        gen->pin_record.member_id = 1; /* each member's own id replaces it */
        if (err == 0) err = lty_ops_pin_hash(pepper, gen->pin, &gen->pin_record);
        gen->pin_record.set = 1;
        gen->pin_record.version = 1;
        memset(pepper, 0, sizeof(pepper));
        if (err != 0) return err;
    }
    snprintf(path, sizeof(path), "%s/bench-cards.txt", gen->dir);
    gen->cards = fopen(path, "w");
    return gen->cards != NULL ? 0 : LTY_E_IO;
}

/* Run batches; a batch that fills the map is retried after growing it. */
static int gen_run(gen_t *gen)
{
    LTY_ASSERT(gen != NULL && gen->store != NULL);
    LTY_ASSERT(gen->cards != NULL);
    int64_t started_ms = lty_clock_monotonic_ms();
    uint64_t serial = 1;
    while (serial <= gen->members) {
        uint64_t count = gen->members - serial + 1;
        if (count > GEN_BATCH_MEMBERS) count = GEN_BATCH_MEMBERS;
        long cards_at = ftell(gen->cards);
        int err = gen_batch(gen, serial, count);
        if (err == LTY_E_STORE_FULL) {
            if (fseek(gen->cards, cards_at, SEEK_SET) != 0) return LTY_E_IO;
            err = lty_store_map_grow(gen->store);
            if (err != 0) return err;
            continue;
        }
        if (err != 0) return err;
        serial += count;
    }
    double seconds = (double)(lty_clock_monotonic_ms() - started_ms) / 1000.0;
    lty_store_stats_t stats;
    lty_store_stats(gen->store, &stats);
    fprintf(stderr,
            "lty-bench-gen: %" PRIu64 " members with cards (%" PRIu64 " with a PIN) in %.1f s"
            " (%.0f/s)\n",
            gen->members, gen->pins, seconds, seconds > 0 ? (double)gen->members / seconds : 0.0);
    /* used_bytes: LMDB's pages in use (data.mdb itself is preallocated beyond them). */
    printf("RESULT members=%" PRIu64 " seconds=%.1f used_bytes=%" PRId64 "\n", gen->members,
           seconds, stats.used_bytes);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: lty-bench-gen DIR --members N [--bonus POINTS] [--pins M [--pin PIN]]\n"
                    "  DIR comes from `loyaltyctl init DIR --demo`; the daemon must be stopped.\n"
                    "  Writes DIR/bench-cards.txt (one card number per line); the first M\n"
                    "  members (the first M lines) get the portal PIN PIN (default 2468).\n");
    return 2;
}

int main(int argc, char **argv)
{
    gen_t gen;
    memset(&gen, 0, sizeof(gen));
    gen.bonus_points = 500;
    gen.pin = "2468";
    if (argc < 2) return usage();
    gen.dir = argv[1];
    for (int index = 2; index + 1 < argc; index += 2) {
        if (strcmp(argv[index], "--members") == 0) {
            gen.members = strtoull(argv[index + 1], NULL, 10);
        } else if (strcmp(argv[index], "--bonus") == 0) {
            gen.bonus_points = strtoll(argv[index + 1], NULL, 10);
        } else if (strcmp(argv[index], "--pins") == 0) {
            gen.pins = strtoull(argv[index + 1], NULL, 10);
        } else if (strcmp(argv[index], "--pin") == 0) {
            gen.pin = argv[index + 1];
        } else {
            return usage();
        }
    }
    if (gen.members == 0 || gen.members >= 10000000000ULL || gen.bonus_points < 0 ||
        gen.pins > gen.members || !lty_ops_pin_syntax_ok(gen.pin)) {
        return usage();
    }
    int err = gen_open(&gen);
    if (err == 0) err = gen_run(&gen);
    if (gen.cards != NULL && fclose(gen.cards) != 0 && err == 0) err = LTY_E_IO;
    lty_store_close(gen.store);
    if (err != 0) {
        fprintf(stderr, "lty-bench-gen: failed: %s (%s)\n", lty_strerror(err), lty_err_name(err));
        return 1;
    }
    return 0;
}
