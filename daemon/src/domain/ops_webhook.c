/* SPDX-License-Identifier: MIT */
/* Webhook subscriptions over a store transaction (ops_webhook.h): the subscription record with
 * its cursor into the journal (the outbox), the back-off after a failed attempt, the dead
 * letters, and the bounded delivery log. It does not deliver (daemon/src/webhooks.c does) and
 * does not know the event types (api/events.c maps entries to them). */
#include "ops_webhook.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_log.h"

#include <stdio.h>
#include <string.h>

static int webhook_put(lty_store_txn_t *txn, const lty_webhook_t *webhook)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(lty_record_webhook_valid(webhook));
    uint8_t bytes[LTY_RECORD_WEBHOOK_BYTES_MAX];
    size_t size = lty_record_webhook_encode(webhook, bytes, sizeof(bytes));
    lty_webhook_t check;
    LTY_ASSERT(lty_record_webhook_decode((lty_bytes_t){.data = bytes, .size = size}, &check) == 0);
    lty_key_t key;
    lty_key_id(&key, webhook->subscription_id);
    return lty_store_put(txn, LTY_DB_WEBHOOKS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = bytes, .size = size});
}

static int delivery_put(lty_store_txn_t *txn, lty_db_t db, uint64_t subscription_id,
                        uint64_t index, const lty_webhook_delivery_t *delivery)
{
    LTY_ASSERT(db == LTY_DB_WEBHOOK_LOG || db == LTY_DB_WEBHOOK_DEAD);
    LTY_ASSERT(lty_record_webhook_delivery_valid(delivery));
    uint8_t bytes[LTY_RECORD_WEBHOOK_DELIVERY_BYTES_MAX];
    size_t size = lty_record_webhook_delivery_encode(delivery, bytes, sizeof(bytes));
    lty_key_t key;
    lty_key_member_entry(&key, subscription_id, index);
    return lty_store_put(txn, db, lty_key_bytes(&key), (lty_bytes_t){.data = bytes, .size = size});
}

int lty_ops_webhook_get(lty_store_txn_t *txn, uint64_t subscription_id, lty_webhook_t *webhook_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(webhook_out != NULL);
    if (subscription_id == 0) return LTY_E_NOT_FOUND;
    lty_key_t key;
    lty_key_id(&key, subscription_id);
    lty_bytes_t value = {0};
    int err = lty_store_get(txn, LTY_DB_WEBHOOKS, lty_key_bytes(&key), &value);
    if (err != 0) return err;
    return lty_record_webhook_decode(value, webhook_out);
}

/* The last key's leading u64 of db (0 when empty). */
static int last_id(lty_store_txn_t *txn, lty_db_t db, uint64_t *id_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(id_out != NULL);
    *id_out = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    if (err != 0) return err == LTY_E_NOT_FOUND ? 0 : err;
    lty_bytes_t none = {0}, key = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_LAST, none, &key, NULL);
    if (err == 0 && !lty_key_u64_at(key, 0, id_out)) err = LTY_E_CORRUPT;
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_journal_last_seq(lty_store_txn_t *txn, uint64_t *seq_out)
{
    return last_id(txn, LTY_DB_JOURNAL, seq_out);
}

int lty_ops_webhook_create(lty_store_txn_t *txn, const char *url, const char *event_types,
                           const char *secret, int64_t now_ms, bool from_now, uint64_t after_seq,
                           lty_webhook_t *webhook_out)
{
    LTY_ASSERT(url != NULL && event_types != NULL && secret != NULL);
    LTY_ASSERT(webhook_out != NULL);
    lty_webhook_t webhook;
    memset(&webhook, 0, sizeof(webhook));
    if (strlen(url) > LTY_WEBHOOK_URL_BYTES_MAX ||
        strlen(event_types) > LTY_WEBHOOK_TYPES_BYTES_MAX ||
        strlen(secret) != LTY_WEBHOOK_SECRET_BYTES) {
        return LTY_E_INVALID_FIELD;
    }
    uint64_t last = 0;
    int err = last_id(txn, LTY_DB_WEBHOOKS, &last);
    if (err == 0 && from_now) err = lty_ops_journal_last_seq(txn, &after_seq);
    if (err != 0) return err;
    webhook.subscription_id = last + 1;
    snprintf(webhook.url, sizeof(webhook.url), "%s", url);
    snprintf(webhook.event_types, sizeof(webhook.event_types), "%s", event_types);
    snprintf(webhook.secret, sizeof(webhook.secret), "%s", secret);
    webhook.created_ms = now_ms;
    webhook.cursor_seq = after_seq;
    if (!lty_record_webhook_valid(&webhook)) return LTY_E_INVALID_FIELD;
    err = webhook_put(txn, &webhook);
    if (err == 0) *webhook_out = webhook;
    return err;
}

/* Append to the subscription's delivery log, dropping the record that falls out of it. */
static int log_append(lty_store_txn_t *txn, lty_webhook_t *webhook,
                      const lty_webhook_delivery_t *delivery)
{
    LTY_ASSERT(webhook != NULL);
    LTY_ASSERT(delivery != NULL);
    uint64_t index = ++webhook->log_next; /* from 1: keys hold no zero id */
    int err = delivery_put(txn, LTY_DB_WEBHOOK_LOG, webhook->subscription_id, index, delivery);
    if (err != 0 || index <= LTY_WEBHOOK_LOG_KEPT) return err;
    lty_key_t key;
    lty_key_member_entry(&key, webhook->subscription_id, index - LTY_WEBHOOK_LOG_KEPT);
    err = lty_store_del(txn, LTY_DB_WEBHOOK_LOG, lty_key_bytes(&key));
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static int64_t backoff_ms(const lty_ops_webhook_policy_t *policy, uint32_t failures)
{
    LTY_ASSERT(failures >= 1);
    LTY_ASSERT(policy->backoff_initial_ms >= 0);
    int64_t delay = policy->backoff_initial_ms;
    for (uint32_t step = 1; step < failures && delay < policy->backoff_max_ms; step++) delay *= 2;
    return delay < policy->backoff_max_ms ? delay : policy->backoff_max_ms;
}

int lty_ops_webhook_attempt(lty_store_txn_t *txn, uint64_t subscription_id,
                            const lty_webhook_delivery_t *attempt,
                            const lty_ops_webhook_policy_t *policy)
{
    LTY_ASSERT(attempt != NULL && policy != NULL);
    LTY_ASSERT(attempt->outcome == LTY_WEBHOOK_DELIVERED || attempt->outcome == LTY_WEBHOOK_FAILED);
    lty_webhook_t webhook;
    int err = lty_ops_webhook_get(txn, subscription_id, &webhook);
    if (err != 0) return err;
    if (attempt->seq <= webhook.cursor_seq) return 0; /* a replay moved the cursor meanwhile */
    lty_webhook_delivery_t delivery = *attempt;
    if (delivery.outcome == LTY_WEBHOOK_DELIVERED) {
        webhook.cursor_seq = delivery.seq;
        webhook.failures = 0;
        webhook.next_attempt_ms = 0;
        webhook.delivered_count++;
    } else if (webhook.failures + 1 >= policy->attempts_max) {
        delivery.outcome = LTY_WEBHOOK_DEAD;
        err = delivery_put(txn, LTY_DB_WEBHOOK_DEAD, subscription_id, delivery.seq, &delivery);
        webhook.cursor_seq = delivery.seq;
        webhook.failures = 0;
        webhook.next_attempt_ms = 0;
        webhook.dead_count++;
        LTY_LOG(LTY_LOG_WARN, "event=webhook_dead_letter subscription=%llu seq=%llu attempts=%u",
                (unsigned long long)subscription_id, (unsigned long long)delivery.seq,
                delivery.attempt);
    } else {
        webhook.failures++;
        webhook.next_attempt_ms = delivery.at_ms + backoff_ms(policy, webhook.failures);
    }
    if (err == 0) err = log_append(txn, &webhook, &delivery);
    if (err == 0) err = webhook_put(txn, &webhook);
    return err;
}

int lty_ops_webhook_advance(lty_store_txn_t *txn, uint64_t subscription_id, uint64_t seq)
{
    lty_webhook_t webhook;
    int err = lty_ops_webhook_get(txn, subscription_id, &webhook);
    if (err != 0 || seq <= webhook.cursor_seq) return err;
    webhook.cursor_seq = seq;
    webhook.failures = 0;
    webhook.next_attempt_ms = 0;
    return webhook_put(txn, &webhook);
}

int lty_ops_webhook_replay(lty_store_txn_t *txn, uint64_t subscription_id, uint64_t after_seq,
                           lty_webhook_t *webhook_out)
{
    LTY_ASSERT(webhook_out != NULL);
    lty_webhook_t webhook;
    int err = lty_ops_webhook_get(txn, subscription_id, &webhook);
    if (err != 0) return err;
    webhook.cursor_seq = after_seq;
    webhook.failures = 0;
    webhook.next_attempt_ms = 0;
    err = webhook_put(txn, &webhook);
    if (err == 0) *webhook_out = webhook;
    return err;
}
