/* SPDX-License-Identifier: MIT */
/**
 * @file ratelimit.h
 * Request rate limits of the network layer: one bucket per key (a client certificate, or the
 * address of a client without one) in a bounded table shared by every event loop.
 *
 * Owns: the table (allocated once at start, never grown) and the rate rule. A bucket is the
 * generic cell rate algorithm (GCRA): one 64-bit "theoretical arrival time" per key, updated
 * with a compare-and-swap, so a check is a hash probe and a few integer operations with no lock
 * and no allocation, from any thread.
 *
 * Does not own: which key a request is counted under, or the reply (conn.c).
 *
 * Caveats:
 * - Keys are 64-bit hashes (lty_rate_key_hash, keyed with a per-process seed); two keys with one
 *   hash share a bucket. 0 is never a key.
 * - The table is bounded (entries_count, probes of LTY_RATE_PROBES_MAX): when every entry near a
 *   new key holds an active bucket the request is allowed and counted in saturated (fail open:
 *   a flood of fresh addresses must not lock out the clients already known).
 * - A bucket whose time has passed is as good as absent, and its entry is reused for another
 *   key; a concurrent update of the old key may then land on the new one (a rate limit need not
 *   be exact to a request).
 */
#ifndef LTY_RATELIMIT_H
#define LTY_RATELIMIT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lty_rate_table_s lty_rate_table_t;

/** A rate: requests_per_s on average, up to burst at once. requests_per_s 0 = no limit. */
typedef struct lty_rate_limit_s {
    uint64_t interval_ns;  /* 1e9 / requests_per_s; 0 = no limit */
    uint64_t tolerance_ns; /* (burst - 1) * interval_ns */
} lty_rate_limit_t;

/** Fill limit_out from a rate and a burst (burst >= 1 when requests_per_s > 0). */
void lty_rate_limit_set(lty_rate_limit_t *limit_out, int64_t requests_per_s, int64_t burst);

/**
 * Allocate a table of entries_count buckets (a power of two, at most LTY_RATE_KEYS_MAX).
 * @return 0 or LTY_E_NOMEM.
 */
int lty_rate_table_create(lty_rate_table_t **table_out, size_t entries_count);
/** Free the table; NULL accepted. No thread may use it any more. */
void lty_rate_table_destroy(lty_rate_table_t *table);

/**
 * Count one request of key at now_ns (a monotonic clock) against limit.
 * @return 0 when the request may go ahead, else the nanoseconds to wait before one would (the
 *         request is then not counted).
 * @note Thread-safe and lock-free.
 */
uint64_t lty_rate_take(lty_rate_table_t *table, uint64_t key, const lty_rate_limit_t *limit,
                       uint64_t now_ns);

/** Requests allowed because the table had no room for their key (see Caveats). */
uint64_t lty_rate_table_saturated(const lty_rate_table_t *table);

/** The key of size bytes under seed: never 0. */
uint64_t lty_rate_key_hash(uint64_t seed, const void *bytes, size_t size);

#endif
