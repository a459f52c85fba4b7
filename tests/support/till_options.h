/* SPDX-License-Identifier: MIT */
/**
 * @file till_options.h
 * Test support: libloyaltypos options for the demo till of a spawned daemon, with short
 * retries so refusals and offline paths are quick to reach.
 */
#ifndef LTY_TEST_TILL_OPTIONS_H
#define LTY_TEST_TILL_OPTIONS_H

#include "loyaltypos.h"
#include "spawn.h"

#include <stdbool.h>

static inline void lty_test_till_options(const lty_spawn_t *spawn, const char *queue_dir,
                                         bool offline, lty_client_options_t *options)
{
    lty_client_options_default(options);
    options->host = "127.0.0.1";
    options->port = spawn->port;
    options->ca_cert_path = spawn->ca;
    options->cert_path = spawn->till_cert;
    options->key_path = spawn->till_key;
    options->queue_dir = queue_dir;
    options->offline_queue = offline;
    options->attempts_max = 2;
    options->backoff_initial_ms = 10;
    options->backoff_max_ms = 20;
}

#endif
