/* SPDX-License-Identifier: MIT */
/**
 * @file ops_webhook.h
 * Webhook subscriptions over a store transaction (ops_webhook.c): create, read, record a
 * delivery attempt (back-off, dead letters, the delivery log), move the cursor over events the
 * subscription does not want, replay from a sequence.
 *
 * The journal is the outbox: an event is a journal entry, written in the same transaction as
 * the change it records, and each subscription's cursor (cursor_seq) says how far delivery got.
 * So a change and its event can never part, and nothing more is written on the till's path.
 *
 * Caveats:
 * - Writes run in the writer's child transaction (see ops.h); outputs are filled only on 0.
 * - An attempt whose event is at or before the cursor (a replay moved it meanwhile) is ignored.
 */
#ifndef LTY_OPS_WEBHOOK_H
#define LTY_OPS_WEBHOOK_H

#include "records.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/** Delivery-log records kept per subscription (older ones are deleted as new ones come). */
#define LTY_WEBHOOK_LOG_KEPT 100

/** Retry policy: attempt n (n >= 1 failed) waits backoff_initial_ms * 2^(n-1), at most
 *  backoff_max_ms; after attempts_max failed attempts the event is a dead letter. */
typedef struct lty_ops_webhook_policy_s {
    int64_t backoff_initial_ms;
    int64_t backoff_max_ms;
    uint32_t attempts_max;
} lty_ops_webhook_policy_t;

/**
 * Create a subscription with the next id. Its cursor starts at after_seq, or at the journal's
 * last entry when from_now (only events from now on).
 * @return 0; LTY_E_INVALID_FIELD (url, event_types or secret do not fit the record).
 */
int lty_ops_webhook_create(lty_store_txn_t *txn, const char *url, const char *event_types,
                           const char *secret, int64_t now_ms, bool from_now, uint64_t after_seq,
                           lty_webhook_t *webhook_out);
/** 0 or LTY_E_NOT_FOUND. */
int lty_ops_webhook_get(lty_store_txn_t *txn, uint64_t subscription_id, lty_webhook_t *webhook_out);
/** Record one attempt at event attempt->seq (outcome DELIVERED or FAILED; FAILED becomes DEAD
 *  once the policy's attempts are spent). 0 or LTY_E_NOT_FOUND. */
int lty_ops_webhook_attempt(lty_store_txn_t *txn, uint64_t subscription_id,
                            const lty_webhook_delivery_t *attempt,
                            const lty_ops_webhook_policy_t *policy);
/** Move the cursor to seq (events the subscription does not want). 0 or LTY_E_NOT_FOUND. */
int lty_ops_webhook_advance(lty_store_txn_t *txn, uint64_t subscription_id, uint64_t seq);
/** Deliver again every event after after_seq: the cursor moves back (or on), failures reset. */
int lty_ops_webhook_replay(lty_store_txn_t *txn, uint64_t subscription_id, uint64_t after_seq,
                           lty_webhook_t *webhook_out);
/** The last journal entry's id (0 for an empty journal). */
int lty_ops_journal_last_seq(lty_store_txn_t *txn, uint64_t *seq_out);

#endif
