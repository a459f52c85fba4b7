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
 * With --purchases P (the analytics benchmark) it then writes a purchase history:
 * about P sales per member over the 730 days before now. Each sale is written directly with the
 * ledger's own plumbing (journal entry with its earn postings, lot, sale record, receipt index,
 * purchase day) rather than through lty_ops_sale, so twenty million take minutes, not hours; the
 * store still verifies. The days a member buys on are a deterministic hash of member and day, so
 * reruns give the same store. Histories are written member by member (gen_histories says why).
 *
 * Owns: nothing the daemon uses; a benchmark tool. Run it while the daemon is stopped. */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "ledger.h"
#include "lty/lty_limits.h"
#include "ops.h"
#include "programme.h"
#include "store.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_BATCH_MEMBERS 20000
#define GEN_PATH_SIZE 1024
#define GEN_HISTORY_DAYS 730
#define GEN_STORES 3 /* the demo's S001..S003 */

typedef struct gen_s {
    const char *dir;
    uint64_t members;
    uint64_t pins;               /* the first pins members get pin_record */
    const char *pin;
    lty_pin_t pin_record;
    int64_t bonus_points;
    uint64_t purchases;          /* per member, on average, over GEN_HISTORY_DAYS */
    lty_programme_t programme;
    lty_store_t *store;
    FILE *cards;
    uint64_t *member_ids;        /* by serial - 1 (purchases only) */
    char (*card_nos)[LTY_CARD_NO_SIZE];
    lty_sale_t *sale;            /* scratch: large */
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
    if (err == 0 && gen->member_ids != NULL) {
        gen->member_ids[serial - 1] = member_id;
        memcpy(gen->card_nos[serial - 1], card.card_no, LTY_CARD_NO_SIZE);
    }
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


/* ---- Purchase histories ---------------------------------------------------------------------- */

static uint64_t mix(uint64_t value)
{
    value ^= value >> 30;
    value *= UINT64_C(0xBF58476D1CE4E5B9);
    value ^= value >> 27;
    value *= UINT64_C(0x94D049BB133111EB);
    return value ^ (value >> 31);
}

/* One sale of member serial on day_ms: the journal entry (earn postings), its lot, the sale
 * record and receipt, the purchase day; what lty_ops_sale writes for a plain cash-less sale. */
static int gen_sale(gen_t *gen, lty_store_txn_t *txn, uint64_t serial, int64_t at_ms,
                    uint64_t hash)
{
    uint64_t member_id = gen->member_ids[serial - 1];
    int64_t total_cents = 500 + (int64_t)(hash % 30000); /* 5.00 .. 304.99 */
    int64_t points = total_cents / gen->programme.earn_cents_per_point;
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    snprintf(store, sizeof(store), "S%03d", (int)(1 + serial % GEN_STORES));
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.kind = LTY_ENTRY_SALE;
    entry.member_id = member_id;
    snprintf(entry.principal, sizeof(entry.principal), "till:%s/T01", store);
    snprintf(entry.store, sizeof(entry.store), "%s", store);
    snprintf(entry.till, sizeof(entry.till), "T01");
    lty_account_t account;
    int err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &account);
    if (err == 0 && points > 0) {
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, points);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_ISSUED, 0, -points);
    }
    uint64_t next_id = 0;
    if (err == 0) err = lty__ops_id_next(txn, LTY_DB_JOURNAL, &next_id);
    snprintf(entry.reference, sizeof(entry.reference), "B%" PRIu64, next_id);
    if (err == 0) err = lty__ops_journal_post(txn, &entry, at_ms);
    if (err == 0 && points > 0) {
        err = lty__ops_lots_credit(txn, member_id, account.balance, points,
                                   at_ms + gen->programme.points_lot_days * LTY_MS_PER_DAY,
                                   entry.entry_id);
    }
    lty_sale_t *sale = gen->sale;
    memset(sale, 0, offsetof(lty_sale_t, lines) + sizeof(sale->lines[0]));
    sale->sale_id = entry.entry_id;
    memcpy(sale->card_no, gen->card_nos[serial - 1], LTY_CARD_NO_SIZE);
    sale->member_id = member_id;
    memcpy(sale->store, store, sizeof(sale->store));
    memcpy(sale->till, "T01", 4);
    memcpy(sale->receipt_no, entry.reference, strlen(entry.reference) + 1);
    sale->created_ms = at_ms;
    sale->status = LTY_SALE_COMPLETED;
    sale->total_cents = total_cents;
    sale->points_earned = points;
    sale->lines_count = 1;
    snprintf(sale->lines[0].sku, sizeof(sale->lines[0].sku), "69%011" PRIu64, hash % 5000);
    snprintf(sale->lines[0].category, sizeof(sale->lines[0].category), "cat%02d",
             (int)(hash % 40));
    sale->lines[0].qty = 1;
    sale->lines[0].amount_cents = total_cents;
    static uint8_t buffer[LTY_RECORD_SALE_BYTES_MAX];
    size_t size = err == 0 ? lty_record_sale_encode(sale, buffer, sizeof(buffer)) : 0;
    lty_key_t key;
    lty_key_id(&key, sale->sale_id);
    if (err == 0) err = lty_store_append(txn, LTY_DB_SALES, lty_key_bytes(&key),
                                         (lty_bytes_t){.data = buffer, .size = size});
    uint8_t id_bytes[8];
    lty_record_u64_encode(sale->sale_id, id_bytes);
    lty_key_pair(&key, store, sale->receipt_no);
    if (err == 0) err = lty_store_insert(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key),
                                         (lty_bytes_t){.data = id_bytes, .size = 8});
    if (err == 0) err = lty__ops_purchase_add(txn, member_id, at_ms, store, total_cents);
    return err;
}

/* The sales of members first..first+count-1, member by member, in one transaction: member
 * serial buys on day when a hash of (serial, day) falls under purchases / GEN_HISTORY_DAYS.
 * Member by member (not day by day) keeps the writes sequential: a day-ordered history dirties a
 * random leaf per sale, about 80 GB of page writes for twenty million sales. So journal ids are
 * in member order here, not time order. *sales_out: how many. */
static int gen_histories(gen_t *gen, uint64_t first, uint64_t count, int64_t today,
                         uint64_t *sales_out)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_txn_begin(gen->store, NULL, &txn);
    uint64_t sales = 0;
    for (uint64_t serial = first; err == 0 && serial < first + count; serial++) {
        for (int64_t day = today - GEN_HISTORY_DAYS; err == 0 && day < today; day++) {
            uint64_t hash = mix(serial * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)day);
            if (hash % (GEN_HISTORY_DAYS * 1000) >= gen->purchases * 1000) continue;
            int64_t at_ms = day * LTY_MS_PER_DAY + (int64_t)((hash >> 40) % LTY_MS_PER_DAY);
            err = gen_sale(gen, txn, serial, at_ms, hash >> 8);
            sales++;
        }
    }
    if (err != 0) {
        lty_store_txn_abort(txn);
        return err;
    }
    *sales_out = sales;
    return lty_store_txn_commit(txn);
}

static int gen_purchases(gen_t *gen)
{
    int64_t started_ms = lty_clock_monotonic_ms();
    int64_t today = lty_clock_day(lty_clock_now_ms());
    uint64_t total = 0;
    for (uint64_t serial = 1; serial <= gen->members;) {
        uint64_t count = gen->members - serial + 1;
        if (count > GEN_BATCH_MEMBERS) count = GEN_BATCH_MEMBERS;
        uint64_t sales = 0;
        int err = gen_histories(gen, serial, count, today, &sales);
        if (err == LTY_E_STORE_FULL) {
            err = lty_store_map_grow(gen->store);
            if (err != 0) return err;
            continue; /* the same members again */
        }
        if (err != 0) return err;
        total += sales;
        serial += count;
        if ((serial - 1) % (10 * GEN_BATCH_MEMBERS) == 0) {
            fprintf(stderr, "lty-bench-gen: %" PRIu64 " sales of %" PRIu64 " members\n", total,
                    serial - 1);
        }
    }
    double seconds = (double)(lty_clock_monotonic_ms() - started_ms) / 1000.0;
    lty_store_stats_t stats;
    lty_store_stats(gen->store, &stats);
    printf("RESULT purchases=%" PRIu64 " days=%d seconds=%.1f used_bytes=%" PRId64 "\n", total,
           GEN_HISTORY_DAYS, seconds, stats.used_bytes);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: lty-bench-gen DIR --members N [--bonus POINTS] [--pins M [--pin PIN]]\n"
                    "                     [--purchases P]\n"
                    "  DIR comes from `loyaltyctl init DIR --demo`; the daemon must be stopped.\n"
                    "  Writes DIR/bench-cards.txt (one card number per line); the first M\n"
                    "  members (the first M lines) get the portal PIN PIN (default 2468).\n"
                    "  --purchases P: about P sales per member over the last 730 days.\n");
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
        } else if (strcmp(argv[index], "--purchases") == 0) {
            gen.purchases = strtoull(argv[index + 1], NULL, 10);
        } else {
            return usage();
        }
    }
    if (gen.members == 0 || gen.members >= 10000000000ULL || gen.bonus_points < 0 ||
        gen.pins > gen.members || !lty_ops_pin_syntax_ok(gen.pin) ||
        gen.purchases > GEN_HISTORY_DAYS) {
        return usage();
    }
    int err = 0;
    if (gen.purchases > 0) {
        gen.member_ids = lty_calloc(gen.members, sizeof(*gen.member_ids));
        gen.card_nos = lty_calloc(gen.members, sizeof(*gen.card_nos));
        gen.sale = lty_alloc(sizeof(*gen.sale));
        if (gen.member_ids == NULL || gen.card_nos == NULL || gen.sale == NULL) err = LTY_E_NOMEM;
    }
    if (err == 0) err = gen_open(&gen);
    if (err == 0) err = gen_run(&gen);
    if (err == 0 && gen.purchases > 0) err = gen_purchases(&gen);
    lty_free(gen.member_ids);
    lty_free(gen.card_nos);
    lty_free(gen.sale);
    if (gen.cards != NULL && fclose(gen.cards) != 0 && err == 0) err = LTY_E_IO;
    lty_store_close(gen.store);
    if (err != 0) {
        fprintf(stderr, "lty-bench-gen: failed: %s (%s)\n", lty_strerror(err), lty_err_name(err));
        return 1;
    }
    return 0;
}
