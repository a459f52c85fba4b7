/* SPDX-License-Identifier: MIT */
/**
 * @file settings.h
 * The settings a request runs under: the programme and its live earning rules, read from the
 * store, and a per-thread cache of them that is refreshed the moment they change.
 *
 * How "live without restart" works (docs/programme.md): every change of the programme or of a
 * rule writes a fresh random 64-bit stamp to META "settings_stamp" in the same transaction.
 * lty_settings_get() reads that stamp in the caller's transaction and compares it with the
 * thread's cached settings; when they differ it loads programme and rules again from that same
 * transaction. So each request sees the settings its own snapshot holds, never a mix of old and
 * new, and the writer's later jobs of a batch see a change an earlier job made. A stamp is never
 * reused (random, not a counter), so a change lost with a failed commit cannot be mistaken for a
 * later one.
 *
 * Owns: loading (programme, live rules by rule_id), the stamp, the per-thread cache and its
 * registry (all cached settings are freed by lty_settings_cache_free_all at shutdown).
 *
 * Caveats:
 * - A pointer from lty_settings_get() stays valid until the same thread calls it again (or the
 *   cache is freed); do not keep it across requests or hand it to another thread.
 * - Domain operations take settings explicitly; only the API layer and the scheduler use the
 *   cache.
 */
#ifndef LTY_SETTINGS_H
#define LTY_SETTINGS_H

#include "programme.h"
#include "rules.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lty_settings_s lty_settings_t;
struct lty_settings_s {
    lty_programme_t programme;
    uint64_t stamp;              /* META settings_stamp when loaded (0: never written) */
    size_t rules_count;          /* live rules: active and paused, by rule_id */
    lty_rule_t *rules;           /* owned (lty_alloc); NULL when rules_count is 0 */
    lty_settings_t *next;        /* private: the cache registry */
};

/** Load the programme and the live rules in txn into settings_out (release it afterwards).
 *  @return 0, LTY_E_NOT_FOUND (no programme), LTY_E_CORRUPT, LTY_E_NOMEM, a store error. */
int lty_settings_load(lty_store_txn_t *txn, lty_settings_t *settings_out);
/** Free what lty_settings_load allocated. NULL accepted. */
void lty_settings_release(lty_settings_t *settings);
/** Settings with this programme and no rules (borrowing nothing; nothing to release). */
void lty_settings_of_programme(const lty_programme_t *programme, lty_settings_t *settings_out);

/**
 * The settings in force for txn, from this thread's cache, loaded again when the stamp in txn
 * differs from the cached one. @return 0, or the errors of lty_settings_load.
 */
int lty_settings_get(lty_store_txn_t *txn, const lty_settings_t **settings_out);
/** Free every thread's cached settings (at shutdown, after the threads stopped). */
void lty_settings_cache_free_all(void);

/** Write a fresh stamp (write transaction): every change of programme or rules calls it. */
int lty_settings_stamp_bump(lty_store_txn_t *txn);

#endif
