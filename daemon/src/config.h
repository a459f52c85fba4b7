/* SPDX-License-Identifier: MIT */
/**
 * @file config.h
 * The daemon's configuration file, DIR/loyaltyd.conf (JSON), and its table of keys.
 *
 * Owns: every runtime-tunable setting with its default, minimum and maximum (config.c's table),
 * parsing and range checks (a value out of range fails start with a message naming the key and
 * its range), and writing the default file for `loyaltyctl init`.
 * Programme rules (earning, limits, tiers) are not here: they live in the store (programme.h).
 */
#ifndef LTY_CONFIG_H
#define LTY_CONFIG_H

#include "lty/lty_err.h"

#include <stdbool.h>
#include <stdint.h>

#define LTY_CONFIG_PATH_BYTES_MAX 1024
#define LTY_CONFIG_FILE_BYTES_MAX (64 * 1024)

#define LTY_CONFIG_NATS_URLS_MAX 8
#define LTY_CONFIG_NATS_URL_BYTES_MAX 255

/** The optional "replication" section (docs/replication.md). enabled is false without it. */
typedef struct lty_config_replication_s {
    bool enabled;
    char nats_urls[LTY_CONFIG_NATS_URLS_MAX][LTY_CONFIG_NATS_URL_BYTES_MAX + 1];
    int nats_urls_count;
    char stream[33];         /* JetStream stream name, [A-Za-z0-9_-] */
    char node[33];           /* this node's name, unique in the cluster */
    char advertise[128];     /* host:port clients reach this node at; "" = the listen address */
    int64_t lease_ms;        /* the leader lease's TTL */
    int64_t replicas;        /* stream and lease bucket replicas (3 in production) */
    int64_t stream_max_age_ms; /* retention: how long the stream keeps batches */
    int64_t stream_max_msgs; /* retention by count; 0 = no limit */
    int64_t publish_timeout_ms; /* how long the writer waits for the stream's acknowledgement */
} lty_config_replication_t;

typedef struct lty_config_s {
    char listen_host[64];
    int64_t listen_port;
    int64_t loops;
    int64_t connections_max;
    int64_t connections_per_address_max;     /* uncertified, per client address; 0 = no cap */
    int64_t connections_reserved_percent;    /* of the slots, kept for certified clients */
    int64_t rate_certificate_requests_per_s; /* per client certificate; 0 = no limit */
    int64_t rate_certificate_burst;
    int64_t rate_address_requests_per_s;     /* per address, requests without a certificate */
    int64_t rate_address_burst;
    int64_t handshake_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t request_timeout_ms;
    int64_t drain_timeout_ms;
    int64_t map_bytes;
    int64_t map_bytes_max;
    int64_t commit_batch_max;
    int64_t commit_wait_us;
    int64_t writer_queue_max;
    int64_t idempotency_ttl_days;
    int64_t sweep_interval_ms;
    int64_t ticket_lifetime_s;
    int64_t tier_review_interval_ms; /* the scheduled tier review (scheduler.c) */
    int64_t portal_session_idle_ms;     /* a member session ends after this long unused */
    int64_t portal_session_absolute_ms; /* ... and this long after login in any case */
    int64_t portal_login_failures_max;  /* wrong logins in a row before a member's lock */
    int64_t portal_login_lock_ms;       /* how long such a lock lasts */
    int64_t portal_address_failures_max; /* wrong logins from one address before its lock */
    int64_t webhook_timeout_ms;         /* webhooks.c */
    int64_t webhook_backoff_initial_ms;
    int64_t webhook_backoff_max_ms;
    int64_t webhook_attempts_max;
    int64_t programme_jobs_interval_ms; /* expiry sweep and birthday bonuses (scheduler.c) */
    char log_level[16];
    /* TLS file paths, relative to the data directory unless absolute. */
    char tls_ca[LTY_CONFIG_PATH_BYTES_MAX];
    char tls_cert[LTY_CONFIG_PATH_BYTES_MAX];
    char tls_key[LTY_CONFIG_PATH_BYTES_MAX];
    char tls_revoked[LTY_CONFIG_PATH_BYTES_MAX];
    /* The member portal: "HOST:PORT" or "off", and its own certificate (docs/portal.md). */
    char portal_listen[80];
    char portal_tls_cert[LTY_CONFIG_PATH_BYTES_MAX];
    char portal_tls_key[LTY_CONFIG_PATH_BYTES_MAX];
    /* Derived from portal_listen by lty_config_portal_listen_parse (never in the file). */
    bool portal_enabled;
    char portal_host[64];
    int64_t portal_port;
    lty_config_replication_t replication; /* absent section: single-node mode */
} lty_config_t;

/** Fill config with every default. */
void lty_config_defaults(lty_config_t *config);
/**
 * Read and check path (JSON object; unknown keys refused). Keys absent keep their defaults.
 * @return 0, LTY_E_CONFIG (diag says which key and why), LTY_E_IO (unreadable file).
 */
int lty_config_load(const char *path, lty_config_t *config, lty_diag_t *diag);
/**
 * Parse and check a configuration document held in memory (the file's contents), applying the
 * keys it sets over config (absent keys keep what config holds). lty_config_load() uses it.
 * @param[in] text  size bytes, need not be NUL-terminated; NULL only when size is 0.
 * @return 0, or LTY_E_CONFIG (diag says which key and why; larger than
 *         LTY_CONFIG_FILE_BYTES_MAX, not JSON, unknown key, wrong type, out of range).
 *         On error config may hold some of the document's values: start no daemon with it.
 */
int lty_config_parse(const char *text, size_t size, lty_config_t *config, lty_diag_t *diag);
/** Parse "host:port" into config (listen override). 0 or LTY_E_CONFIG. */
int lty_config_listen_parse(const char *text, lty_config_t *config, lty_diag_t *diag);
/** Parse "host:port" or "off" into config's portal_listen, portal_enabled, portal_host and
 *  portal_port (the --portal-listen override; also run on the file's value). 0 or
 *  LTY_E_CONFIG. */
int lty_config_portal_listen_parse(const char *text, lty_config_t *config, lty_diag_t *diag);
/** Write config as a JSON document to path (mode 0644); refuses an existing file. */
int lty_config_write(const char *path, const lty_config_t *config);
/** Resolve a configured path against the data directory into out. */
void lty_config_path_resolve(const char *data_dir, const char *path, char *out, size_t out_size);

#endif
