/* SPDX-License-Identifier: MIT */
/**
 * @file webhooks.h
 * Webhook delivery (webhooks.c): one thread that sends each subscription's events, in journal
 * order, to its URL as signed HTTP POSTs, with back-off, dead letters and a delivery log.
 *
 * Owns: its thread, its one writer job (the outcome of each attempt is written through the
 * writer, so it is replicated with everything else), the plain-HTTP client it posts with, and
 * the signature (HMAC-SHA256 over "TIMESTAMP.BODY" under the subscription's secret, sent as
 * `Loyalty-Signature: t=TIMESTAMP,v1=HEX`).
 * Does not own: subscriptions and cursors (domain/ops_webhook.c), the event mapping and JSON
 * (api/events.c), the routes (api/webhooks.c).
 *
 * Caveats:
 * - At-least-once: an event delivered just before a crash, whose outcome was not committed, is
 *   sent again; receivers deduplicate on the Loyalty-Event-Id header ("SUBSCRIPTION-SEQ").
 * - In replicated mode only the leader delivers.
 * - Delivery never touches the till path: its own thread, its own read transactions, and one
 *   small writer job per attempt.
 */
#ifndef LTY_WEBHOOKS_H
#define LTY_WEBHOOKS_H

#include "lty/lty_err.h"
#include "replication.h"
#include "store.h"
#include "writer.h"

#include <stdint.h>

typedef struct lty_webhooks_s lty_webhooks_t;

typedef struct lty_webhooks_options_s {
    lty_store_t *store;          /* outlives the delivery thread */
    lty_writer_t *writer;        /* started; outlives the delivery thread */
    lty_repl_t *repl;            /* NULL for a single node */
    int64_t timeout_ms;          /* one attempt: connect, send and the status line */
    int64_t backoff_initial_ms;
    int64_t backoff_max_ms;
    int64_t attempts_max;
} lty_webhooks_options_t;

/** Start the delivery thread. @return 0 or LTY_E_NOMEM. */
int lty_webhooks_start(lty_webhooks_t **webhooks_out, const lty_webhooks_options_t *options);
/** Stop after the attempt in flight, join and free. NULL accepted. Before the writer stops. */
void lty_webhooks_stop(lty_webhooks_t *webhooks);

#endif
