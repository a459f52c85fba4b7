/* SPDX-License-Identifier: MIT */
/* The settings a request runs under and their per-thread cache (settings.h).
 *
 * Why a per-thread cache checked against a stamp, rather than one shared object swapped by the
 * writer: the writer applies a change inside a batch whose commit may still fail, so nobody may
 * see it before the commit; a reader's own snapshot already says what is committed, and so does
 * the writer's child transaction for the jobs after the change. Reading one stamp per request is
 * one small LMDB get; loading happens only after a change. No thread ever frees settings another
 * thread uses: each frees only what it replaces in its own cache.
 *
 * Not here: parsing the programme (programme.c) or a rule (rules.c). */
#include "settings.h"
#include "lty/lty_assert.h"
#include "lty/lty_tls.h"
#include "records.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static lty_settings_t *registry;            /* every cached settings, under registry_lock */
static _Thread_local lty_settings_t *cached; /* this thread's */

static int stamp_read(lty_store_txn_t *txn, uint64_t *stamp_out)
{
    lty_key_t key;
    lty_key_text(&key, LTY_META_SETTINGS_STAMP);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    *stamp_out = 0;
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err == 0) err = lty_record_u64_decode(value, stamp_out);
    return err;
}

int lty_settings_stamp_bump(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    uint64_t stamp = 0;
    while (stamp == 0) { /* 0 means "never written" */
        if (lty_crypto_random((uint8_t *)&stamp, sizeof(stamp)) != 0) return LTY_E_INTERNAL;
    }
    uint8_t bytes[8];
    lty_record_u64_encode(stamp, bytes);
    lty_key_t key;
    lty_key_text(&key, LTY_META_SETTINGS_STAMP);
    return lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                         (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
}

/* One stored rule into rules[*count] when it is live (active or paused). */
static int rule_load(lty_bytes_t value, lty_rule_t *rules, size_t *count)
{
    static _Thread_local lty_rule_record_t record;
    int err = lty_record_rule_decode(value, &record);
    if (err != 0) return err;
    if (record.status == LTY_RULE_ENDED) return 0;
    if (*count == LTY_RULES_LIVE_MAX) return LTY_E_CORRUPT; /* ops_rules.c keeps to the limit */
    lty_rule_t *rule = &rules[*count];
    memset(rule, 0, sizeof(*rule));
    rule->rule_id = record.rule_id;
    rule->status = record.status;
    rule->created_ms = record.created_ms;
    rule->updated_ms = record.updated_ms;
    if (lty_rule_parse_text(record.json, record.json_size, rule, NULL) != 0) return LTY_E_CORRUPT;
    (*count)++;
    return 0;
}

static int rules_load(lty_store_txn_t *txn, lty_settings_t *settings)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_RULES, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    if (err == 0) {
        settings->rules = lty_calloc(LTY_RULES_LIVE_MAX, sizeof(lty_rule_t));
        if (settings->rules == NULL) err = LTY_E_NOMEM;
    }
    while (err == 0) {
        err = rule_load(value, settings->rules, &settings->rules_count);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_settings_load(lty_store_txn_t *txn, lty_settings_t *settings_out)
{
    LTY_ASSERT(txn != NULL && settings_out != NULL);
    memset(settings_out, 0, sizeof(*settings_out));
    int err = stamp_read(txn, &settings_out->stamp);
    if (err == 0) err = lty_programme_load(txn, &settings_out->programme);
    if (err == 0) err = rules_load(txn, settings_out);
    if (err != 0) lty_settings_release(settings_out);
    return err;
}

void lty_settings_release(lty_settings_t *settings)
{
    if (settings == NULL) return;
    lty_free(settings->rules);
    settings->rules = NULL;
    settings->rules_count = 0;
}

void lty_settings_of_programme(const lty_programme_t *programme, lty_settings_t *settings_out)
{
    LTY_ASSERT(programme != NULL && settings_out != NULL);
    memset(settings_out, 0, sizeof(*settings_out));
    settings_out->programme = *programme;
}

/* Swap this thread's cached settings for fresh (under the registry lock, which only guards the
 * list: the settings themselves are this thread's alone). */
static void cache_replace(lty_settings_t *fresh)
{
    pthread_mutex_lock(&registry_lock);
    if (cached != NULL) {
        lty_settings_t **link = &registry;
        while (*link != NULL && *link != cached) link = &(*link)->next;
        LTY_ASSERT(*link == cached);
        *link = cached->next;
        lty_settings_release(cached);
        lty_free(cached);
    }
    fresh->next = registry;
    registry = fresh;
    cached = fresh;
    pthread_mutex_unlock(&registry_lock);
}

int lty_settings_get(lty_store_txn_t *txn, const lty_settings_t **settings_out)
{
    LTY_ASSERT(txn != NULL && settings_out != NULL);
    uint64_t stamp = 0;
    int err = stamp_read(txn, &stamp);
    if (err != 0) return err;
    if (cached != NULL && cached->stamp == stamp) {
        *settings_out = cached;
        return 0;
    }
    lty_settings_t *fresh = lty_alloc(sizeof(*fresh));
    if (fresh == NULL) return LTY_E_NOMEM;
    err = lty_settings_load(txn, fresh);
    if (err != 0) {
        lty_free(fresh);
        return err;
    }
    cache_replace(fresh);
    *settings_out = fresh;
    return 0;
}

void lty_settings_cache_free_all(void)
{
    pthread_mutex_lock(&registry_lock);
    while (registry != NULL) {
        lty_settings_t *next = registry->next;
        lty_settings_release(registry);
        lty_free(registry);
        registry = next;
    }
    cached = NULL; /* the caller's; other threads have stopped */
    pthread_mutex_unlock(&registry_lock);
}
