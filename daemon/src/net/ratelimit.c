/* SPDX-License-Identifier: MIT */
/* Rate limits: GCRA buckets in a bounded open-addressing table shared by the event loops. Each
 * bucket is one theoretical arrival time (TAT): a request at `now` is allowed when
 * max(TAT, now) + interval - now <= burst * interval, and then moves TAT by one interval. The
 * arithmetic is the token bucket's, kept in one word so a compare-and-swap updates it.
 *
 * This file owns only the table and the rule; which requests are counted under which key, and
 * the 429 reply, belong to conn.c. */
#include "ratelimit.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <stdbool.h>

typedef struct rate_entry_s {
    _Atomic uint64_t key;    /* 0 = never used */
    _Atomic uint64_t tat_ns; /* 0 = a full bucket */
} rate_entry_t;

struct lty_rate_table_s {
    size_t mask;
    _Atomic uint64_t saturated;
    rate_entry_t *entries;
};

void lty_rate_limit_set(lty_rate_limit_t *limit_out, int64_t requests_per_s, int64_t burst)
{
    LTY_ASSERT(limit_out != NULL);
    LTY_ASSERT(requests_per_s >= 0 && requests_per_s <= LTY_RATE_REQUESTS_PER_S_MAX);
    limit_out->interval_ns = 0;
    limit_out->tolerance_ns = 0;
    if (requests_per_s == 0) return;
    LTY_ASSERT(burst >= 1 && burst <= LTY_RATE_BURST_MAX);
    limit_out->interval_ns = UINT64_C(1000000000) / (uint64_t)requests_per_s;
    if (limit_out->interval_ns == 0) limit_out->interval_ns = 1;
    limit_out->tolerance_ns = (uint64_t)(burst - 1) * limit_out->interval_ns;
}

int lty_rate_table_create(lty_rate_table_t **table_out, size_t entries_count)
{
    LTY_ASSERT(table_out != NULL);
    LTY_ASSERT(entries_count >= LTY_RATE_PROBES_MAX && entries_count <= LTY_RATE_KEYS_MAX);
    LTY_ASSERT((entries_count & (entries_count - 1)) == 0);
    *table_out = NULL;
    lty_rate_table_t *table = lty_calloc(1, sizeof(*table));
    if (table == NULL) return LTY_E_NOMEM;
    table->entries = lty_calloc(entries_count, sizeof(table->entries[0]));
    if (table->entries == NULL) {
        lty_free(table);
        return LTY_E_NOMEM;
    }
    table->mask = entries_count - 1;
    *table_out = table;
    return 0;
}

void lty_rate_table_destroy(lty_rate_table_t *table)
{
    if (table == NULL) return;
    lty_free(table->entries);
    lty_free(table);
}

uint64_t lty_rate_table_saturated(const lty_rate_table_t *table)
{
    LTY_ASSERT(table != NULL);
    return atomic_load_explicit(&table->saturated, memory_order_relaxed);
}

/* The entry of key: found, claimed when empty, or taken over from a key whose bucket is full
 * again. NULL when every probed entry holds an active bucket. */
static rate_entry_t *entry_find(lty_rate_table_t *table, uint64_t key, uint64_t now_ns)
{
    rate_entry_t *stale = NULL;
    uint64_t stale_key = 0;
    for (size_t probe = 0; probe < LTY_RATE_PROBES_MAX; probe++) {
        rate_entry_t *entry = &table->entries[(key + probe) & table->mask];
        uint64_t held = atomic_load_explicit(&entry->key, memory_order_acquire);
        if (held == key) return entry;
        if (held == 0) {
            uint64_t expected = 0;
            if (atomic_compare_exchange_strong(&entry->key, &expected, key)) return entry;
            if (expected == key) return entry; /* another loop claimed it for the same key */
            held = expected;
        }
        if (stale == NULL && atomic_load_explicit(&entry->tat_ns, memory_order_relaxed) <= now_ns) {
            stale = entry;
            stale_key = held;
        }
    }
    if (stale != NULL && atomic_compare_exchange_strong(&stale->key, &stale_key, key)) {
        atomic_store_explicit(&stale->tat_ns, 0, memory_order_relaxed);
        return stale;
    }
    return NULL;
}

uint64_t lty_rate_take(lty_rate_table_t *table, uint64_t key, const lty_rate_limit_t *limit,
                       uint64_t now_ns)
{
    LTY_ASSERT(table != NULL && limit != NULL);
    LTY_ASSERT(key != 0);
    if (limit->interval_ns == 0) return 0;
    rate_entry_t *entry = entry_find(table, key, now_ns);
    if (entry == NULL) {
        atomic_fetch_add_explicit(&table->saturated, 1, memory_order_relaxed);
        return 0;
    }
    uint64_t tat = atomic_load_explicit(&entry->tat_ns, memory_order_relaxed);
    for (;;) {
        uint64_t base = tat > now_ns ? tat : now_ns;
        uint64_t ahead = base - now_ns;
        if (ahead > limit->tolerance_ns) return ahead - limit->tolerance_ns;
        if (atomic_compare_exchange_weak_explicit(&entry->tat_ns, &tat, base + limit->interval_ns,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            return 0;
        }
    }
}

/* FNV-1a over the seed and the bytes, then the splitmix64 finaliser so that keys differing in
 * one byte land far apart in the table. */
uint64_t lty_rate_key_hash(uint64_t seed, const void *bytes, size_t size)
{
    LTY_ASSERT(bytes != NULL || size == 0);
    const unsigned char *byte = bytes;
    uint64_t hash = UINT64_C(14695981039346656037) ^ seed;
    for (size_t index = 0; index < size; index++) {
        hash ^= byte[index];
        hash *= UINT64_C(1099511628211);
    }
    hash ^= hash >> 30;
    hash *= UINT64_C(0xbf58476d1ce4e5b9);
    hash ^= hash >> 27;
    hash *= UINT64_C(0x94d049bb133111eb);
    hash ^= hash >> 31;
    return hash != 0 ? hash : 1;
}
