/* SPDX-License-Identifier: MIT */
/* loyaltyd: flags and configuration, then the start-up order (store -> schema check ->
 * programme -> writer -> network) and the reverse shutdown order. main() comes first; the
 * helpers it calls follow in the order they run. */
#include "analytics_worker.h"
#include "api.h"
#include "config.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"
#include "lty/lty_tls.h"
#include "migrate.h"
#include "ops.h"
#include "programme.h"
#include "replication.h"
#include "server.h"
#include "settings.h"
#include "store.h"
#include "scheduler.h"
#include "webhooks.h"
#include "writer.h"

#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_OPERATING 1
#define EXIT_USAGE 2

typedef struct daemon_flags_s {
    const char *data_dir;
    const char *listen;
    const char *portal_listen;
    const char *log_level;
    int ready_fd;
    int loops;
    bool test_clock;
    bool test_faults;
} daemon_flags_t;

static int flags_parse(int argc, char **argv, daemon_flags_t *flags);
static int daemon_run(const daemon_flags_t *flags, lty_config_t *config);

int main(int argc, char **argv)
{
    daemon_flags_t flags;
    int exit_code = flags_parse(argc, argv, &flags);
    if (exit_code >= 0) return exit_code;

    signal(SIGPIPE, SIG_IGN);
    lty_config_t config;
    lty_config_defaults(&config);
    char path[LTY_CONFIG_PATH_BYTES_MAX];
    lty_config_path_resolve(flags.data_dir, "loyaltyd.conf", path, sizeof(path));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    if (lty_config_load(path, &config, &diag) != 0 ||
        (flags.listen != NULL && lty_config_listen_parse(flags.listen, &config, &diag) != 0) ||
        (flags.portal_listen != NULL &&
         lty_config_portal_listen_parse(flags.portal_listen, &config, &diag) != 0)) {
        fprintf(stderr, "loyaltyd: %s%s%s\n", diag.field, diag.field[0] ? ": " : "", diag.detail);
        return EXIT_OPERATING;
    }
    if (flags.loops > 0) config.loops = flags.loops;
    const char *level_name = flags.log_level != NULL ? flags.log_level : config.log_level;
    int level = lty_log_level_parse(level_name);
    if (level < 0) {
        fprintf(stderr, "loyaltyd: log level must be err, warn, info or debug\n");
        return EXIT_USAGE;
    }
    lty_log_level_max = level;
    return daemon_run(&flags, &config) == 0 ? 0 : EXIT_OPERATING;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: loyaltyd --data DIR [--listen HOST:PORT] [--portal-listen HOST:PORT|off]\n"
            "                [--loops N] [--log-level LEVEL] [--ready-fd FD] [--test-clock]\n"
            "                [--test-faults]\n"
            "  --data DIR         data directory made by `loyaltyctl init DIR`\n"
            "  --listen HOST:PORT overrides loyaltyd.conf (default 127.0.0.1:8443; port 0 = any)\n"
            "  --portal-listen HOST:PORT|off  the member portal's listener (portal_listen;\n"
            "                     the demo's is 127.0.0.1:8444; port 0 = any)\n"
            "  --loops N          event-loop threads (default 2)\n"
            "  --log-level LEVEL  err, warn, info or debug\n"
            "  --ready-fd FD      write the bound port (and the portal's after a space) and a\n"
            "                     newline to FD once serving\n"
            "  --test-clock       allow POST /v1/admin/clock to move business time (tests only)\n"
            "  --test-faults      allow POST /v1/admin/faults to make commits fail (tests only)\n");
}

static int flags_parse(int argc, char **argv, daemon_flags_t *flags)
{
    static const struct option long_options[] = {
        {"data", required_argument, NULL, 'd'},      {"listen", required_argument, NULL, 'l'},
        {"log-level", required_argument, NULL, 'v'}, {"ready-fd", required_argument, NULL, 'r'},
        {"loops", required_argument, NULL, 'n'},     {"test-clock", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},            {"version", no_argument, NULL, 'V'},
        {"test-faults", no_argument, NULL, 'f'},   {"portal-listen", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    memset(flags, 0, sizeof(*flags));
    flags->ready_fd = -1;
    int option;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (option) {
        case 'd': flags->data_dir = optarg; break;
        case 'l': flags->listen = optarg; break;
        case 'p': flags->portal_listen = optarg; break;
        case 'v': flags->log_level = optarg; break;
        case 'r': flags->ready_fd = atoi(optarg); break;
        case 'n': flags->loops = atoi(optarg); break;
        case 't': flags->test_clock = true; break;
        case 'f': flags->test_faults = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("loyaltyd 0.1.0\n"); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (flags->data_dir == NULL || optind != argc || flags->loops < 0 ||
        flags->loops > LTY_LOOPS_MAX) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

/* The portal's listener, when portal_listen is not "off": its own certificate, no CA. */
static void server_portal_options_fill(const daemon_flags_t *flags, const lty_config_t *config,
                                       lty_server_options_t *options,
                                       char paths[2][LTY_CONFIG_PATH_BYTES_MAX])
{
    options->portal_enabled = config->portal_enabled;
    if (!config->portal_enabled) return;
    lty_config_path_resolve(flags->data_dir, config->portal_tls_cert, paths[0],
                            LTY_CONFIG_PATH_BYTES_MAX);
    lty_config_path_resolve(flags->data_dir, config->portal_tls_key, paths[1],
                            LTY_CONFIG_PATH_BYTES_MAX);
    options->portal_host = config->portal_host;
    options->portal_port = (uint16_t)config->portal_port;
    options->portal_tls.cert_path = paths[0];
    options->portal_tls.key_path = paths[1];
    options->portal_tls.ticket_lifetime_s = (uint32_t)config->ticket_lifetime_s;
}

static void server_options_fill(const daemon_flags_t *flags, const lty_config_t *config,
                                lty_server_options_t *options, char paths[6][LTY_CONFIG_PATH_BYTES_MAX])
{
    memset(options, 0, sizeof(*options));
    lty_config_path_resolve(flags->data_dir, config->tls_ca, paths[0], LTY_CONFIG_PATH_BYTES_MAX);
    lty_config_path_resolve(flags->data_dir, config->tls_cert, paths[1], LTY_CONFIG_PATH_BYTES_MAX);
    lty_config_path_resolve(flags->data_dir, config->tls_key, paths[2], LTY_CONFIG_PATH_BYTES_MAX);
    lty_config_path_resolve(flags->data_dir, config->tls_revoked, paths[3],
                            LTY_CONFIG_PATH_BYTES_MAX);
    options->listen_host = config->listen_host;
    options->listen_port = (uint16_t)config->listen_port;
    options->loops = (int)config->loops;
    options->connections_max = (int)config->connections_max;
    options->handshake_timeout_ms = (int)config->handshake_timeout_ms;
    options->idle_timeout_ms = (int)config->idle_timeout_ms;
    options->request_timeout_ms = (int)config->request_timeout_ms;
    options->drain_timeout_ms = (int)config->drain_timeout_ms;
    options->connections_per_address_max = (int)config->connections_per_address_max;
    options->connections_reserved_percent = (int)config->connections_reserved_percent;
    options->rate_certificate_requests_per_s = config->rate_certificate_requests_per_s;
    options->rate_certificate_burst = config->rate_certificate_burst;
    options->rate_address_requests_per_s = config->rate_address_requests_per_s;
    options->rate_address_burst = config->rate_address_burst;
    /* The network layer's security events (refused and evicted connections, throttles,
     * revocations, failed handshakes) also go onto the audit trail (api/audit.c). */
    options->event_cb = lty_api_net_event_cb;
    options->tls.ca_cert_path = paths[0];
    options->tls.cert_path = paths[1];
    options->tls.key_path = paths[2];
    options->tls.revoked_path = paths[3];
    options->tls.ticket_lifetime_s = (uint32_t)config->ticket_lifetime_s;
    options->ready_fd = flags->ready_fd;
    server_portal_options_fill(flags, config, options, &paths[4]);
}

/* Refuse a store from a newer build, migrate an older one, then load the programme. */
static int schema_check_and_load(lty_store_t *store, lty_programme_t *programme)
{
    lty_store_txn_t *txn = NULL;
    uint32_t version = 0;
    int err = lty_store_read_begin(store, &txn);
    int check = err == 0 ? lty_migrate_check(txn, &version) : err;
    lty_store_txn_abort(txn);
    if (check < 0) return check;
    if (check == 1) {
        LTY_LOG(LTY_LOG_WARN, "msg=\"migrating store\" from=%u to=%u", version,
                LTY_SCHEMA_VERSION);
        /* A migration may rewrite much of the store in its one transaction (3 -> 4 moves every
         * member's ledger records): when the map fills, grow it and run the migration again
         * from the start, as the writer does for a batch. Nothing of a failed run is kept. */
        do {
            err = lty_store_txn_begin(store, NULL, &txn);
            if (err == 0) err = lty_migrate_apply(txn);
            if (err == 0) {
                err = lty_store_txn_commit(txn);
            } else {
                lty_store_txn_abort(txn);
            }
        } while (err == LTY_E_STORE_FULL && lty_store_map_grow(store) == 0);
        if (err != 0) return err;
    }
    err = lty_store_read_begin(store, &txn);
    if (err == 0) err = lty_programme_load(txn, programme);
    lty_store_txn_abort(txn);
    return err;
}

static int store_and_programme_open(const daemon_flags_t *flags, const lty_config_t *config,
                                    lty_store_t **store_out, lty_programme_t *programme)
{
    char store_path[LTY_CONFIG_PATH_BYTES_MAX];
    lty_config_path_resolve(flags->data_dir, "ledger", store_path, sizeof(store_path));
    lty_store_options_t options = {
        .path = store_path,
        .map_bytes = config->map_bytes,
        .map_bytes_max = config->map_bytes_max,
        .readers_max = 126,
        .read_only = false,
        .create = false,
    };
    int err = lty_store_open(store_out, &options);
    /* Reader slots of processes that died holding a read transaction; the writer repeats this
     * on its sweep schedule. */
    if (err == 0 && lty_store_readers_check(*store_out, NULL) != 0) {
        LTY_LOG(LTY_LOG_WARN, "msg=\"stale reader check failed\" path=%s", store_path);
    }
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "msg=\"cannot open store\" path=%s err=%s", store_path,
                lty_err_name(err));
        return err;
    }
    err = schema_check_and_load(*store_out, programme);
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "msg=\"store not usable\" path=%s err=%s", store_path,
                lty_err_name(err));
        lty_store_close(*store_out);
        *store_out = NULL;
    }
    return err;
}

/* DIR/loyaltyd.pid ("PID PORT"): how `loyaltyctl` finds the daemon of a data directory, to send
 * it SIGHUP after revoking or rotating a certificate and to learn the port it listens on (also
 * when --listen chose it at run time). Written once serving, removed at a clean stop; a stale
 * one (after kill -9) names a process that is gone, which loyaltyctl checks. */
static void pid_file_write(const char *data_dir, unsigned int port)
{
    char path[LTY_CONFIG_PATH_BYTES_MAX], temporary[LTY_CONFIG_PATH_BYTES_MAX + 8];
    lty_config_path_resolve(data_dir, "loyaltyd.pid", path, sizeof(path));
    snprintf(temporary, sizeof(temporary), "%s.tmp", path);
    FILE *file = fopen(temporary, "w");
    bool written = file != NULL && fprintf(file, "%ld %u\n", (long)getpid(), port) > 0;
    if (file != NULL && fclose(file) != 0) written = false;
    if (!written || rename(temporary, path) != 0) {
        LTY_LOG(LTY_LOG_WARN, "msg=\"cannot write the pid file\" path=%s", path);
    }
}

static void pid_file_remove(const char *data_dir)
{
    char path[LTY_CONFIG_PATH_BYTES_MAX];
    lty_config_path_resolve(data_dir, "loyaltyd.pid", path, sizeof(path));
    (void)unlink(path);
}

/* Replicated mode (the config's "replication" section): start following the stream before the
 * writer runs, so the writer publishes every batch and refuses writes until this node leads. */
static int replication_start(const lty_config_t *config, lty_store_t *store, lty_repl_t **repl_out)
{
    *repl_out = NULL;
    const lty_config_replication_t *section = &config->replication;
    if (!section->enabled) return 0;
    lty_repl_options_t options = {
        .nats_urls_count = section->nats_urls_count,
        .stream = section->stream,
        .node = section->node,
        .advertise = section->advertise,
        .lease_ms = section->lease_ms,
        .replicas = (int)section->replicas,
        .stream_max_age_ms = section->stream_max_age_ms,
        .stream_max_msgs = section->stream_max_msgs,
        .publish_timeout_ms = section->publish_timeout_ms,
    };
    for (int index = 0; index < section->nats_urls_count; index++) {
        options.nats_urls[index] = section->nats_urls[index];
    }
    int err = lty_repl_start(repl_out, store, &options);
    if (err != 0) LTY_LOG(LTY_LOG_ERR, "msg=\"cannot start replication\" err=%s", lty_err_name(err));
    return err;
}

/* Larger files are no PEM key (the ledger lives in DIR/ledger, which is not scanned). */
#define DATA_KEY_FILE_BYTES_MAX (64 * 1024)

/* 1 when a regular file of folder holds the private key of the CA certificate ca_cert (its
 * path in found_out), 0 when none does. */
static int folder_ca_key_find(const char *folder, const char *ca_cert, char *found_out,
                              size_t found_size)
{
    DIR *listing = opendir(folder);
    if (listing == NULL) return 0;
    int found = 0;
    struct dirent *entry;
    while (found == 0 && (entry = readdir(listing)) != NULL) {
        char path[LTY_CONFIG_PATH_BYTES_MAX];
        struct stat info;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", folder, entry->d_name) >= sizeof(path) ||
            lstat(path, &info) != 0 || !S_ISREG(info.st_mode) ||
            info.st_size > DATA_KEY_FILE_BYTES_MAX) {
            continue;
        }
        if (lty_tls_key_matches_cert(path, ca_cert) == 1) {
            snprintf(found_out, found_size, "%s", path);
            found = 1;
        }
    }
    closedir(listing);
    return found;
}

/* The data directory holds only what serving needs: the programme CA's private key lies beside
 * it (DIR.ca/, `loyaltyctl init`), never in it, so a copy of the server cannot issue itself an
 * operator certificate. Refuses with the file named; warns about a directory others may open. */
static int data_dir_check(const char *data_dir, const char *ca_cert)
{
    struct stat info;
    if (stat(data_dir, &info) == 0 && (info.st_mode & 077) != 0) {
        LTY_LOG(LTY_LOG_WARN, "msg=\"data directory is open to other users: chmod 700 it\" "
                "path=%s mode=%03o", data_dir, (unsigned)(info.st_mode & 0777));
    }
    static const char *const folders[] = {"", "tls"};
    for (size_t index = 0; index < sizeof(folders) / sizeof(folders[0]); index++) {
        char folder[LTY_CONFIG_PATH_BYTES_MAX];
        char found[LTY_CONFIG_PATH_BYTES_MAX];
        lty_config_path_resolve(data_dir, folders[index], folder, sizeof(folder));
        if (folder_ca_key_find(folder, ca_cert, found, sizeof(found)) == 0) continue;
        LTY_LOG(LTY_LOG_ERR, "msg=\"the programme CA's private key is inside the data directory: "
                "move it out (loyaltyctl keeps it in DIR.ca/) and start again\" file=%s", found);
        fprintf(stderr, "loyaltyd: %s is the programme CA's private key; it must not be inside the "
                "data directory (move it to %s.ca/)\n", found, data_dir);
        return LTY_E_CONFIG;
    }
    return 0;
}

/* The programme key that signs coupon codes: made now if this data directory
 * predates it, so an upgraded daemon issues codes without another step. Not in replicated
 * mode: every node must sign with the same key (tills cache one), so a node lacking it is
 * refused; a follower made by `loyaltyctl backup` has it. */
static int coupon_key_open(const char *data_dir, bool create, lty_crypto_key_t **key_out)
{
    char path[LTY_CONFIG_PATH_BYTES_MAX];
    lty_config_path_resolve(data_dir, LTY_COUPON_KEY_FILE, path, sizeof(path));
    int err = lty_crypto_key_load(path, key_out);
    if (err == LTY_E_NOT_FOUND && create) {
        err = lty_crypto_key_create(path);
        if (err == 0) LTY_LOG(LTY_LOG_INFO, "msg=\"coupon signing key created\" path=%s", path);
        if (err == 0) err = lty_crypto_key_load(path, key_out);
    }
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "msg=\"DIR/%s missing or unusable (mode 0600, a P-256 key; "
                "replicated nodes share it: copy it from another node)\" err=%s",
                LTY_COUPON_KEY_FILE, lty_err_name(err));
        return LTY_E_CONFIG;
    }
    return 0;
}

static int daemon_run(const daemon_flags_t *flags, lty_config_t *config)
{
    static lty_programme_t programme; /* lives as long as the process */
    char ca_cert[LTY_CONFIG_PATH_BYTES_MAX];
    lty_config_path_resolve(flags->data_dir, config->tls_ca, ca_cert, sizeof(ca_cert));
    int err = data_dir_check(flags->data_dir, ca_cert);
    if (err != 0) return err;
    lty_store_t *store = NULL;
    err = store_and_programme_open(flags, config, &store, &programme);
    if (err != 0) return err;

    lty_writer_options_t writer_options = {
        .batch_jobs_max = (int)config->commit_batch_max,
        .batch_wait_us = (int)config->commit_wait_us,
        .queue_jobs_max = (int)config->writer_queue_max,
        .idempotency_ttl_ms = config->idempotency_ttl_days * 24 * 3600 * 1000,
        .sweep_interval_ms = (int)config->sweep_interval_ms,
    };
    (void)lty_store_cache_warm_start(store); /* background; a failure is logged, not fatal */
    lty_repl_t *repl = NULL;
    err = replication_start(config, store, &repl);
    writer_options.repl = repl;
    lty_writer_t *writer = NULL;
    if (err == 0) err = lty_writer_start(&writer, store, &writer_options);
    lty_api_t api = {.store = store, .writer = writer, .repl = repl, .programme = &programme,
                     .test_clock = flags->test_clock, .test_faults = flags->test_faults};
    api.portal = (lty_api_portal_options_t){
        .session_idle_ms = config->portal_session_idle_ms,
        .session_absolute_ms = config->portal_session_absolute_ms,
        .login_failures_max = (uint32_t)config->portal_login_failures_max,
        .login_lock_ms = config->portal_login_lock_ms,
        .address_failures_max = (uint32_t)config->portal_address_failures_max};
    if (err == 0) err = lty_api_portal_init(&api);
    if (err == 0 && lty_ops_pin_pepper_load(flags->data_dir, api.pin_pepper) != 0) {
        LTY_LOG(LTY_LOG_ERR, "msg=\"DIR/%s missing, not 32 bytes or readable by others "
                "(loyaltyctl init creates it)\"", LTY_PIN_PEPPER_FILE);
        err = LTY_E_CONFIG;
    }
    if (err == 0) {
        err = coupon_key_open(flags->data_dir, !config->replication.enabled, &api.coupon_key);
    }
    if (err == 0) err = lty_api_analytics_start(&api); /* reports and segment runs */
    lty_scheduler_t *scheduler = NULL; /* tier review, expiry sweep, birthday bonuses */
    if (err == 0) {
        lty_scheduler_options_t scheduler_options = {
            .writer = writer, .programme = &programme,
            .tier_review_interval_ms = config->tier_review_interval_ms, .store = store,
            .programme_jobs_interval_ms = config->programme_jobs_interval_ms};
        err = lty_scheduler_start(&scheduler, &scheduler_options);
    }
    lty_webhooks_t *webhooks = NULL; /* delivery of events to subscribers (webhooks.h) */
    if (err == 0) {
        lty_webhooks_options_t webhooks_options = {
            .store = store, .writer = writer, .repl = repl,
            .timeout_ms = config->webhook_timeout_ms,
            .backoff_initial_ms = config->webhook_backoff_initial_ms,
            .backoff_max_ms = config->webhook_backoff_max_ms,
            .attempts_max = config->webhook_attempts_max};
        err = lty_webhooks_start(&webhooks, &webhooks_options);
    }
    lty_server_t *server = NULL;
    if (err == 0) {
        lty_server_options_t server_options;
        char paths[6][LTY_CONFIG_PATH_BYTES_MAX];
        server_options_fill(flags, config, &server_options, paths);
        server_options.event_userdata = &api; /* lty_api_net_event_cb's */
        err = lty_server_open(&server, &server_options, &api);
    }
    if (err == 0) {
        api.net_stats_cb = lty_server_stats_cb; /* /metrics reads the network's counters */
        api.net_stats_userdata = server;
        if (repl != NULL && config->replication.advertise[0] == '\0') {
            char address[160];
            snprintf(address, sizeof(address), "%s:%u", config->listen_host,
                     (unsigned)lty_server_port(server));
            lty_repl_advertise_set(repl, address);
        }
        LTY_LOG(LTY_LOG_INFO, "msg=\"serving\" url=https://%s:%u/ loops=%d data=%s",
                config->listen_host, (unsigned)lty_server_port(server), (int)config->loops,
                flags->data_dir);
        if (config->portal_enabled) {
            LTY_LOG(LTY_LOG_INFO, "msg=\"member portal\" url=https://%s:%u/", config->portal_host,
                    (unsigned)lty_server_portal_port(server));
        }
        pid_file_write(flags->data_dir, lty_server_port(server));
        err = lty_server_run(server);
        pid_file_remove(flags->data_dir);
    } else {
        LTY_LOG(LTY_LOG_ERR, "msg=\"cannot start\" err=%s", lty_err_name(err));
    }
    /* The writer first: it completes what is still queued (the server keeps the exchanges of a
     * drain that timed out alive until lty_server_close). The scheduler before it: its job in
     * flight needs the writer. */
    lty_scheduler_stop(scheduler);
    lty_webhooks_stop(webhooks); /* its attempt in flight records through the writer */
    lty_api_analytics_stop(&api); /* before the writer: a run's step in flight needs it */
    lty_api_security_flush(&api); /* the counts of suppressed security events */
    lty_writer_stop(writer);
    lty_repl_stop(repl); /* after the writer: it publishes until its last batch */
    lty_server_close(server);
    lty_api_portal_deinit(&api);
    lty_settings_cache_free_all(); /* every thread that cached settings has stopped */
    lty_crypto_key_free(api.coupon_key);
    lty_store_close(store);
    LTY_LOG(LTY_LOG_INFO, "msg=\"stopped\" err=%s", lty_err_name(err));
    return err;
}
