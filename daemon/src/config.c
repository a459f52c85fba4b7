/* SPDX-License-Identifier: MIT */
/* The configuration table (Redis config.c style): each key with its default, minimum and
 * maximum, read from DIR/loyaltyd.conf. A bad value stops the start with a clear message; it is
 * never clamped silently. */
#include "config.h"
#include "lty/lty_assert.h"
#include "lty/lty_buf.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct config_int_s {
    const char *key;
    size_t offset;
    int64_t value_default;
    int64_t min;
    int64_t max;
} config_int_t;

#define CONFIG_INT(field, value_default, min, max)                                             \
    {#field, offsetof(lty_config_t, field), (value_default), (min), (max)}

static const config_int_t config_ints[] = {
    CONFIG_INT(listen_port, 8443, 0, 65535),
    CONFIG_INT(loops, 2, 1, LTY_LOOPS_MAX),
    CONFIG_INT(connections_max, LTY_CONNECTIONS_MAX, 16, LTY_CONNECTIONS_MAX),
    CONFIG_INT(handshake_timeout_ms, LTY_HANDSHAKE_TIMEOUT_MS_DEFAULT, 100, 60000),
    CONFIG_INT(idle_timeout_ms, LTY_IDLE_TIMEOUT_MS_DEFAULT, 100, 3600000),
    CONFIG_INT(request_timeout_ms, LTY_REQUEST_TIMEOUT_MS_DEFAULT, 100, 600000),
    CONFIG_INT(drain_timeout_ms, 10000, 0, 600000),
    CONFIG_INT(map_bytes, LTY_MAP_BYTES_DEFAULT, LTY_MAP_BYTES_MIN, LTY_MAP_BYTES_MAX),
    CONFIG_INT(map_bytes_max, LTY_MAP_BYTES_MAX, LTY_MAP_BYTES_MIN, LTY_MAP_BYTES_MAX),
    CONFIG_INT(commit_batch_max, LTY_COMMIT_BATCH_MAX, 1, LTY_COMMIT_BATCH_MAX),
    CONFIG_INT(commit_wait_us, 0, 0, 10000), /* adaptive group-commit wait (off): writer.c */
    CONFIG_INT(writer_queue_max, LTY_WRITER_QUEUE_MAX, 16, LTY_WRITER_QUEUE_MAX),
    CONFIG_INT(idempotency_ttl_days, 40, 35, 3650),
    CONFIG_INT(sweep_interval_ms, 60000, 10, 86400000),
    CONFIG_INT(ticket_lifetime_s, 86400, 0, 604800),
    CONFIG_INT(tier_review_interval_ms, 86400000, 10, 2592000000), /* scheduler.c: 1 day */
    /* The member portal (docs/portal.md): session expiry and the login throttle. */
    CONFIG_INT(portal_session_idle_ms, 900000, 60000, 86400000),            /* 15 minutes */
    CONFIG_INT(portal_session_absolute_ms, 43200000, 600000, 2592000000),   /* 12 hours */
    CONFIG_INT(portal_login_failures_max, 10, 3, 100),   /* per member (or unknown card/phone) */
    CONFIG_INT(portal_login_lock_ms, 1800000, 60000, 86400000),             /* 30 minutes */
    CONFIG_INT(portal_address_failures_max, 30, 5, 10000), /* per client address and lock */
    /* Admission and rate limits (net/guard.c, net/ratelimit.c): docs/architecture.md. */
    CONFIG_INT(connections_per_address_max, LTY_CONNECTIONS_PER_ADDRESS_DEFAULT, 0,
               LTY_CONNECTIONS_MAX),
    CONFIG_INT(connections_reserved_percent, LTY_CONNECTIONS_RESERVED_PERCENT_DEFAULT, 0,
               LTY_CONNECTIONS_RESERVED_PERCENT_MAX),
    CONFIG_INT(rate_certificate_requests_per_s, LTY_RATE_CERTIFICATE_PER_S_DEFAULT, 0,
               LTY_RATE_REQUESTS_PER_S_MAX),
    CONFIG_INT(rate_certificate_burst, LTY_RATE_CERTIFICATE_BURST_DEFAULT, 1, LTY_RATE_BURST_MAX),
    CONFIG_INT(rate_address_requests_per_s, LTY_RATE_ADDRESS_PER_S_DEFAULT, 0,
               LTY_RATE_REQUESTS_PER_S_MAX),
    CONFIG_INT(rate_address_burst, LTY_RATE_ADDRESS_BURST_DEFAULT, 1, LTY_RATE_BURST_MAX),
    /* webhooks.c: one attempt's time limit, the back-off between attempts, when to give up */
    CONFIG_INT(webhook_timeout_ms, 5000, 100, 60000),
    CONFIG_INT(webhook_backoff_initial_ms, 1000, 10, 3600000),
    CONFIG_INT(webhook_backoff_max_ms, 600000, 10, 86400000),
    CONFIG_INT(webhook_attempts_max, 16, 1, 1000),
    /* scheduler.c: the expiry sweep and the day's birthday bonuses, hourly */
    CONFIG_INT(programme_jobs_interval_ms, 3600000, 10, 86400000),
};

#define CONFIG_INTS_COUNT (sizeof(config_ints) / sizeof(config_ints[0]))

typedef struct config_string_s {
    const char *key;
    size_t offset;
    size_t size;
    const char *value_default;
} config_string_t;

#define CONFIG_STRING(field, value_default)                                                    \
    {#field, offsetof(lty_config_t, field), sizeof(((lty_config_t *)0)->field), (value_default)}

static const config_string_t config_strings[] = {
    CONFIG_STRING(listen_host, "127.0.0.1"),
    CONFIG_STRING(log_level, "info"),
    CONFIG_STRING(tls_ca, "tls/ca.crt"),
    CONFIG_STRING(tls_cert, "tls/server.crt"),
    CONFIG_STRING(tls_key, "tls/server.key"),
    CONFIG_STRING(tls_revoked, "tls/revoked.txt"),
    /* "HOST:PORT", or "off" (the default, so an older data directory starts as before). */
    CONFIG_STRING(portal_listen, "off"),
    CONFIG_STRING(portal_tls_cert, "tls/portal.crt"), /* the retailer's public certificate */
    CONFIG_STRING(portal_tls_key, "tls/portal.key"),
};

#define CONFIG_STRINGS_COUNT (sizeof(config_strings) / sizeof(config_strings[0]))

static int64_t *config_int_field(lty_config_t *config, const config_int_t *entry)
{
    return (int64_t *)(void *)((char *)config + entry->offset);
}

static char *config_string_field(lty_config_t *config, const config_string_t *entry)
{
    return (char *)config + entry->offset;
}

void lty_config_defaults(lty_config_t *config)
{
    LTY_ASSERT(config != NULL);
    memset(config, 0, sizeof(*config));
    for (size_t index = 0; index < CONFIG_INTS_COUNT; index++) {
        *config_int_field(config, &config_ints[index]) = config_ints[index].value_default;
    }
    for (size_t index = 0; index < CONFIG_STRINGS_COUNT; index++) {
        const config_string_t *entry = &config_strings[index];
        snprintf(config_string_field(config, entry), entry->size, "%s", entry->value_default);
    }
    /* Used only when the replication section is present; its keys override these. */
    config->replication.lease_ms = 3000;
    config->replication.replicas = 3;
    config->replication.stream_max_age_ms = INT64_C(14) * 86400000; /* docs/replication.md */
    config->replication.publish_timeout_ms = 2000;
}

static int config_read_file(const char *path, lty_buf_t *text, lty_diag_t *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return lty_diag_set(diag, LTY_E_IO, "", "cannot open %s: %s", path, strerror(errno));
    }
    char chunk[4096];
    for (;;) {
        ssize_t got = read(fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        lty_buf_append(text, chunk, (size_t)got);
    }
    close(fd);
    if (lty_buf_error(text) != 0) {
        return lty_diag_set(diag, LTY_E_CONFIG, "", "%s is larger than %d bytes", path,
                            LTY_CONFIG_FILE_BYTES_MAX);
    }
    return 0;
}

/* Turn whatever error diag holds into LTY_E_CONFIG, keeping its field and putting prefix (may
 * be "") before its sentence. Copies first: lty_diag_set must not read what it writes. */
static int config_diag_wrap(lty_diag_t *diag, const char *prefix)
{
    if (diag == NULL) return LTY_E_CONFIG;
    lty_diag_t inner = *diag;
    return lty_diag_set(diag, LTY_E_CONFIG, inner.field, "%s%s%s", prefix,
                        prefix[0] != '\0' ? ": " : "", inner.detail);
}

/* A name NATS accepts for a stream, a bucket or a node: [A-Za-z0-9_-]. */
static bool config_name_valid(const char *name)
{
    LTY_ASSERT(name != NULL);
    if (name[0] == '\0') return false;
    for (const char *c = name; *c != '\0'; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
        if (!ok) return false;
    }
    return true;
}

static int config_replication_urls(const lty_json_node_t *section,
                                   lty_config_replication_t *replication, lty_diag_t *diag)
{
    const lty_json_node_t *urls = NULL;
    size_t count = 0;
    int err = lty_json_get_array(section, "/replication", "nats_urls", true,
                                 LTY_CONFIG_NATS_URLS_MAX, &urls, &count, diag);
    if (err != 0) return err;
    if (count == 0) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/replication/nats_urls", "needs 1 to %d URLs",
                            LTY_CONFIG_NATS_URLS_MAX);
    }
    for (size_t index = 0; index < count; index++) {
        const char *url = lty_json_node_string(lty_json_item(urls, index));
        if (url == NULL || strncmp(url, "nats://", 7) != 0 ||
            strlen(url) > LTY_CONFIG_NATS_URL_BYTES_MAX) {
            return lty_diag_set(diag, LTY_E_CONFIG, "/replication/nats_urls",
                                "item %zu must be a nats://host:port string of at most %d bytes",
                                index, LTY_CONFIG_NATS_URL_BYTES_MAX);
        }
        snprintf(replication->nats_urls[index], sizeof(replication->nats_urls[index]), "%s", url);
    }
    replication->nats_urls_count = (int)count;
    return 0;
}

/* The "replication" section: present means replicated mode (docs/replication.md). */
static int config_replication(const lty_json_node_t *root, lty_config_replication_t *replication,
                              lty_diag_t *diag)
{
    const lty_json_node_t *section = NULL;
    int err = lty_json_get_object(root, "", "replication", false, &section, diag);
    if (err != 0 || section == NULL) return err;
    static const char *const allowed[] = {"nats_urls", "stream", "node", "advertise", "lease_ms",
                                          "replicas", "stream_max_age_ms", "stream_max_msgs",
                                          "publish_timeout_ms", NULL};
    const char *path = "/replication";
    err = lty_json_keys_check(section, path, allowed, diag);
    if (err == 0) err = config_replication_urls(section, replication, diag);
    if (err == 0) {
        err = lty_json_get_string(section, path, "stream", true, 1, sizeof(replication->stream) - 1,
                                  replication->stream, sizeof(replication->stream), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(section, path, "node", true, 1, sizeof(replication->node) - 1,
                                  replication->node, sizeof(replication->node), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(section, path, "advertise", false, 3,
                                  sizeof(replication->advertise) - 1, replication->advertise,
                                  sizeof(replication->advertise), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(section, path, "lease_ms", false, 300, 60000,
                               &replication->lease_ms, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(section, path, "replicas", false, 1, 5, &replication->replicas,
                               NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(section, path, "stream_max_age_ms", false, 60000,
                               INT64_C(3650) * 86400000, &replication->stream_max_age_ms, NULL,
                               diag);
    }
    if (err == 0) {
        err = lty_json_get_int(section, path, "stream_max_msgs", false, 0, INT64_MAX / 2,
                               &replication->stream_max_msgs, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(section, path, "publish_timeout_ms", false, 100, 60000,
                               &replication->publish_timeout_ms, NULL, diag);
    }
    if (err != 0) return err;
    if (!config_name_valid(replication->stream) || !config_name_valid(replication->node)) {
        return lty_diag_set(diag, LTY_E_CONFIG, path,
                            "stream and node may hold only A-Z, a-z, 0-9, '_' and '-'");
    }
    replication->enabled = true;
    return 0;
}

static int config_apply(const lty_json_node_t *root, lty_config_t *config, lty_diag_t *diag)
{
    const char *allowed[CONFIG_INTS_COUNT + CONFIG_STRINGS_COUNT + 2];
    size_t allowed_count = 0;
    for (size_t index = 0; index < CONFIG_INTS_COUNT; index++) {
        allowed[allowed_count++] = config_ints[index].key;
    }
    for (size_t index = 0; index < CONFIG_STRINGS_COUNT; index++) {
        allowed[allowed_count++] = config_strings[index].key;
    }
    allowed[allowed_count++] = "replication";
    allowed[allowed_count] = NULL;
    int err = lty_json_keys_check(root, "", allowed, diag);
    for (size_t index = 0; err == 0 && index < CONFIG_INTS_COUNT; index++) {
        const config_int_t *entry = &config_ints[index];
        err = lty_json_get_int(root, "", entry->key, false, entry->min, entry->max,
                               config_int_field(config, entry), NULL, diag);
    }
    for (size_t index = 0; err == 0 && index < CONFIG_STRINGS_COUNT; index++) {
        const config_string_t *entry = &config_strings[index];
        err = lty_json_get_string(root, "", entry->key, false, 1, entry->size - 1,
                                  config_string_field(config, entry), entry->size, NULL, diag);
    }
    if (err == 0) err = config_replication(root, &config->replication, diag);
    if (err != 0) return config_diag_wrap(diag, "");
    if (config->map_bytes > config->map_bytes_max) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/map_bytes", "map_bytes exceeds map_bytes_max");
    }
    if (config->portal_session_idle_ms > config->portal_session_absolute_ms) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/portal_session_idle_ms",
                            "portal_session_idle_ms exceeds portal_session_absolute_ms");
    }
    return lty_config_portal_listen_parse(config->portal_listen, config, diag);
}

int lty_config_parse(const char *text, size_t size, lty_config_t *config, lty_diag_t *diag)
{
    LTY_ASSERT(text != NULL || size == 0);
    LTY_ASSERT(config != NULL);
    if (size > LTY_CONFIG_FILE_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_CONFIG, "", "larger than %d bytes",
                            LTY_CONFIG_FILE_BYTES_MAX);
    }
    lty_json_doc_t *doc = NULL;
    int err = lty_json_parse(text != NULL ? text : "", size, LTY_JSON_DEPTH_MAX, &doc, diag);
    if (err != 0) err = config_diag_wrap(diag, "");
    if (err == 0) err = config_apply(lty_json_doc_root(doc), config, diag);
    lty_json_doc_free(doc);
    return err;
}

int lty_config_load(const char *path, lty_config_t *config, lty_diag_t *diag)
{
    LTY_ASSERT(path != NULL);
    LTY_ASSERT(config != NULL);
    lty_buf_t text;
    lty_buf_init(&text, LTY_CONFIG_FILE_BYTES_MAX);
    int err = config_read_file(path, &text, diag);
    if (err == 0) {
        err = lty_config_parse(text.data, text.size, config, diag);
        /* The file's name leads the message, so an operator knows which file to fix. */
        if (err != 0) err = config_diag_wrap(diag, path);
    }
    lty_buf_deinit(&text);
    return err;
}

/* "HOST:PORT" into host (host_size bytes) and port; the key names the setting in the diag. */
static int host_port_parse(const char *text, const char *key, char *host, size_t host_size,
                           int64_t *port_out, lty_diag_t *diag)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || (size_t)(colon - text) >= host_size) {
        return lty_diag_set(diag, LTY_E_CONFIG, key, "expected HOST:PORT, got \"%.64s\"", text);
    }
    int64_t port = 0;
    const char *digit = colon + 1;
    if (*digit == '\0') return lty_diag_set(diag, LTY_E_CONFIG, key, "port missing");
    for (; *digit != '\0'; digit++) {
        if (*digit < '0' || *digit > '9' || port > 65535) {
            return lty_diag_set(diag, LTY_E_CONFIG, key, "port must be 0..65535");
        }
        port = port * 10 + (*digit - '0');
    }
    if (port > 65535) return lty_diag_set(diag, LTY_E_CONFIG, key, "port must be 0..65535");
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    *port_out = port;
    return 0;
}

int lty_config_listen_parse(const char *text, lty_config_t *config, lty_diag_t *diag)
{
    LTY_ASSERT(text != NULL);
    LTY_ASSERT(config != NULL);
    return host_port_parse(text, "listen", config->listen_host, sizeof(config->listen_host),
                           &config->listen_port, diag);
}

int lty_config_portal_listen_parse(const char *text, lty_config_t *config, lty_diag_t *diag)
{
    LTY_ASSERT(text != NULL);
    LTY_ASSERT(config != NULL);
    if (strcmp(text, "off") == 0) {
        config->portal_enabled = false;
        snprintf(config->portal_listen, sizeof(config->portal_listen), "off");
        return 0;
    }
    int err = host_port_parse(text, "portal_listen", config->portal_host,
                              sizeof(config->portal_host), &config->portal_port, diag);
    if (err != 0) return err;
    config->portal_enabled = true;
    if (text != config->portal_listen) {
        snprintf(config->portal_listen, sizeof(config->portal_listen), "%s", text);
    }
    return 0;
}

int lty_config_write(const char *path, const lty_config_t *config_in)
{
    LTY_ASSERT(path != NULL);
    LTY_ASSERT(config_in != NULL);
    lty_config_t config = *config_in;
    lty_buf_t text;
    lty_buf_init(&text, LTY_CONFIG_FILE_BYTES_MAX);
    /* One key per line, so an operator can edit it comfortably. */
    lty_buf_append_str(&text, "{\n");
    for (size_t index = 0; index < CONFIG_STRINGS_COUNT; index++) {
        const config_string_t *entry = &config_strings[index];
        const char *value = config_string_field(&config, entry);
        lty_buf_appendf(&text, "  \"%s\": ", entry->key);
        lty_json_escape(&text, value, strlen(value));
        lty_buf_append_str(&text, ",\n");
    }
    for (size_t index = 0; index < CONFIG_INTS_COUNT; index++) {
        const config_int_t *entry = &config_ints[index];
        lty_buf_appendf(&text, "  \"%s\": %" PRId64 "%s\n", entry->key,
                        *config_int_field(&config, entry), index + 1 < CONFIG_INTS_COUNT ? "," : "");
    }
    lty_buf_append_str(&text, "}\n");
    int err = lty_buf_error(&text);
    int fd = err == 0 ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
    if (err == 0 && fd < 0) err = errno == EEXIST ? LTY_E_EXISTS : LTY_E_IO;
    if (fd >= 0) {
        if (write(fd, text.data, text.size) != (ssize_t)text.size) err = LTY_E_IO;
        if (fsync(fd) != 0) err = LTY_E_IO;
        close(fd);
    }
    lty_buf_deinit(&text);
    return err;
}

void lty_config_path_resolve(const char *data_dir, const char *path, char *out, size_t out_size)
{
    LTY_ASSERT(path != NULL);
    LTY_ASSERT(out != NULL);
    if (path[0] == '/' || data_dir == NULL) {
        snprintf(out, out_size, "%s", path);
    } else {
        snprintf(out, out_size, "%s/%s", data_dir, path);
    }
}
