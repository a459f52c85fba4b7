/* SPDX-License-Identifier: MIT */
/* The till library's public face: lty_client_* calls, the retry policy, and the rules that tie
 * each mutating request to its journal entry (queue.c) so it is applied exactly once. Wire
 * formats live in codec.c, HTTP framing in lty_httpc.c, TLS in common/src/tls/. Nothing here
 * prints, exits or aborts: every argument is checked here, at the boundary, before common code
 * (whose LTY_ASSERTs abort) sees it; misuse is logged through the till's callback and answered
 * with LTY_E_CLIENT_BUG. Everything the client needs is allocated in lty_client_init().
 *
 * Logging is per client: the HTTP client and its TLS sessions log through this client's
 * callback (httpc_log_forward), never through lty_log's process-wide sink, so two clients on two
 * threads keep their lines apart and closing one changes nothing for the other. */
#include "pos_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "lty/lty_coupon_code.h"
#include "lty/lty_crypto.h"
#include "lty/lty_httpc.h"
#include "lty/lty_json.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CLIENT_MAGIC UINT32_C(0x4c545943) /* "LTYC" */
#define PATH_SALES "/v1/till/sales"
#define PATH_TOPUPS "/v1/till/prepaid/topups"
#define PATH_RETURNS "/v1/till/returns"
#define PATH_QUOTES "/v1/till/sales/quote"
#define PATH_GIFT_REDEMPTIONS "/v1/till/gift-redemptions"
#define KEY_FILE "programme-key" /* the programme's public key, 130 hex digits */

#define CLIENT_SERVERS_MAX 8

typedef struct client_server_s {
    char host[LTY_HTTPC_HOST_BYTES_MAX + 1];
    uint16_t port;
} client_server_t;

typedef struct client_impl_s {
    lty__pos_log_t log;
    client_server_t servers[CLIENT_SERVERS_MAX]; /* a replicated daemon's nodes */
    int servers_count;                           /* 0: options.host and port alone */
    int server_index;                            /* the node requests go to now */
    lty_httpc_t httpc;
    lty_httpc_response_t response;
    lty_buf_t request_body;
    lty__pos_queue_t queue;
    bool offline_queue;
    int request_timeout_ms;
    int attempts_max;
    int backoff_initial_ms;
    int backoff_max_ms;
    int last_status;
    char last_message[LTY_POS_MESSAGE_SIZE];
    char last_field[LTY_DIAG_FIELD_SIZE];
    lty_crypto_key_t *coupon_key;   /* the programme's public key, or NULL */
    char key_path[LTY_POS_FILE_PATH_BYTES_MAX + sizeof(KEY_FILE) + 2];
    size_t conflicts_forwarded;     /* conflicts reported by forwarded sales since init */
} client_impl_t;

/* How one mutating request ended, seen from its journal entry. */
typedef enum answer_class {
    ANSWER_APPLIED = 0,   /* 2xx: applied now or earlier (replay) */
    ANSWER_REFUSED = 1,   /* a business refusal: definitive */
    ANSWER_TRANSIENT = 2, /* the daemon did not act (5xx, 408, 429, credential refusals) */
} answer_class_t;

/* ---- Logging -------------------------------------------------------------------------- */

void lty__pos_log(const lty__pos_log_t *log, int level, const char *format, ...)
{
    if (log == NULL || log->cb == NULL || level > log->level_max) return;
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    log->cb(level, message, log->userdata);
}

/* The HTTP client's and TLS sessions' lines, into this client's log (userdata: its
 * lty__pos_log_t, which lty_client_set_log_cb() may change later: it is read at each line). */
static void httpc_log_forward(int level, const char *message, void *userdata)
{
    lty__pos_log(userdata, level, "%s", message);
}

/* ---- Small helpers ------------------------------------------------------------------------ */

static client_impl_t *impl_of(const lty_client_t *client)
{
    if (client == NULL || client->magic != CLIENT_MAGIC || client->impl == NULL) return NULL;
    return client->impl;
}

static void error_clear(client_impl_t *impl)
{
    impl->last_status = 0;
    impl->last_message[0] = '\0';
    impl->last_field[0] = '\0';
}

static int error_set(client_impl_t *impl, int err, const char *field, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int error_set(client_impl_t *impl, int err, const char *field, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(impl->last_message, sizeof(impl->last_message), format, args);
    va_end(args);
    snprintf(impl->last_field, sizeof(impl->last_field), "%s", field != NULL ? field : "");
    return err;
}

static int error_from_diag(client_impl_t *impl, int err, const lty_diag_t *diag)
{
    const char *detail = diag->detail[0] != '\0' ? diag->detail : lty_strerror(err);
    return error_set(impl, err, diag->field, "%s%s%s", diag->field, diag->field[0] ? " " : "",
                     detail);
}

static void sleep_ms(int milliseconds)
{
    struct timespec delay = {.tv_sec = milliseconds / 1000,
                             .tv_nsec = (long)(milliseconds % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
    }
}

static int backoff_ms(const client_impl_t *impl, int retry_index)
{
    int64_t delay = impl->backoff_initial_ms;
    for (int step = 1; step < retry_index && delay < impl->backoff_max_ms; step++) delay *= 2;
    return (int)(delay < impl->backoff_max_ms ? delay : impl->backoff_max_ms);
}

static bool status_is_retryable(int status)
{
    return status == 502 || status == 503 || status == 504;
}

/* ---- Options, init, close ------------------------------------------------------------------ */

void lty_client_options_default(lty_client_options_t *options)
{
    if (options == NULL) return;
    memset(options, 0, sizeof(*options));
    options->port = 8443;
    options->request_timeout_ms = 5000;
    options->attempts_max = 3;
    options->backoff_initial_ms = 200;
    options->backoff_max_ms = 2000;
    options->queue_entries_max = 10000;
    options->log_level_max = LTY_CLIENT_LOG_INFO;
}

/* A required string: present, not empty, and shorter than size_max (strnlen: an unterminated
 * string is not read past the bound). */
static bool option_text_valid(const char *text, size_t size_max)
{
    if (text == NULL) return false;
    size_t size = strnlen(text, size_max + 1);
    return size > 0 && size <= size_max;
}

static int options_check(const lty_client_options_t *options, const lty__pos_log_t *log)
{
    LTY_POS_CHECK(log, option_text_valid(options->host, LTY_HTTPC_HOST_BYTES_MAX));
    LTY_POS_CHECK(log, strpbrk(options->host, " \t\r\n/") == NULL);
    LTY_POS_CHECK(log, option_text_valid(options->ca_cert_path, LTY_POS_FILE_PATH_BYTES_MAX));
    LTY_POS_CHECK(log, option_text_valid(options->cert_path, LTY_POS_FILE_PATH_BYTES_MAX));
    LTY_POS_CHECK(log, option_text_valid(options->key_path, LTY_POS_FILE_PATH_BYTES_MAX));
    LTY_POS_CHECK(log, option_text_valid(options->queue_dir, LTY_POS_FILE_PATH_BYTES_MAX));
    if (options->server_name != NULL) {
        LTY_POS_CHECK(log, option_text_valid(options->server_name, LTY_HTTPC_HOST_BYTES_MAX));
    }
    LTY_POS_CHECK(log, options->log_level_max >= LTY_CLIENT_LOG_ERR);
    LTY_POS_CHECK(log, options->log_level_max <= LTY_CLIENT_LOG_DEBUG);
    struct {
        const char *name;
        int64_t value, min, max;
    } ranges[] = {
        {"port", options->port, 1, 65535},
        {"request_timeout_ms", options->request_timeout_ms, 100, 120000},
        {"attempts_max", options->attempts_max, 1, 10},
        {"backoff_initial_ms", options->backoff_initial_ms, 0, 60000},
        {"backoff_max_ms", options->backoff_max_ms, options->backoff_initial_ms, 60000},
        {"queue_entries_max", (int64_t)options->queue_entries_max, 1, 100000},
    };
    for (size_t index = 0; index < sizeof(ranges) / sizeof(ranges[0]); index++) {
        if (ranges[index].value < ranges[index].min || ranges[index].value > ranges[index].max) {
            lty__pos_log(log, LTY_CLIENT_LOG_ERR,
                         "option %s is %lld, must be %lld to %lld", ranges[index].name,
                         (long long)ranges[index].value, (long long)ranges[index].min,
                         (long long)ranges[index].max);
            return LTY_E_INVALID_FIELD;
        }
    }
    return 0;
}

/* Split "host:port" (the last ':' separates the port) into server; false if malformed. */
static bool server_parse(const char *text, size_t size, client_server_t *server)
{
    const char *colon = NULL;
    for (size_t index = 0; index < size; index++) {
        if (text[index] == ':') colon = text + index;
    }
    if (colon == NULL || colon == text || (size_t)(colon - text) > LTY_HTTPC_HOST_BYTES_MAX) {
        return false;
    }
    long port = 0;
    for (const char *digit = colon + 1; digit < text + size; digit++) {
        if (*digit < '0' || *digit > '9' || port > 65535) return false;
        port = port * 10 + (*digit - '0');
    }
    if (port < 1 || port > 65535) return false;
    memcpy(server->host, text, (size_t)(colon - text));
    server->host[colon - text] = '\0';
    server->port = (uint16_t)port;
    return true;
}

/* options.servers: "host:port,host:port" into impl->servers. */
static int servers_parse(client_impl_t *impl, const char *servers)
{
    impl->servers_count = 0;
    if (servers == NULL || servers[0] == '\0') return 0;
    const char *item = servers;
    while (*item != '\0') {
        const char *comma = strchr(item, ',');
        size_t size = comma != NULL ? (size_t)(comma - item) : strlen(item);
        if (impl->servers_count == CLIENT_SERVERS_MAX ||
            !server_parse(item, size, &impl->servers[impl->servers_count])) {
            lty__pos_log(&impl->log, LTY_CLIENT_LOG_ERR,
                         "option servers must be up to %d host:port items separated by commas",
                         CLIENT_SERVERS_MAX);
            return LTY_E_INVALID_FIELD;
        }
        impl->servers_count++;
        item += size + (comma != NULL ? 1 : 0);
    }
    return 0;
}

/* Send the next requests to another node: the one a 421 named (leader != NULL), or the next in
 * the list (a node that could not be reached). */
static void server_switch(client_impl_t *impl, const char *leader)
{
    client_server_t named;
    const client_server_t *target = NULL;
    if (leader != NULL && server_parse(leader, strlen(leader), &named)) {
        target = &named;
    } else if (impl->servers_count > 1) {
        impl->server_index = (impl->server_index + 1) % impl->servers_count;
        target = &impl->servers[impl->server_index];
    }
    if (target == NULL) return;
    lty__pos_log(&impl->log, LTY_CLIENT_LOG_INFO, "switching to %s:%u", target->host,
                 (unsigned)target->port);
    (void)lty_httpc_target_set(&impl->httpc, target->host, target->port);
}

/* ---- The programme key ---------------------------------------------------------------------- */

static bool key_hex_decode(const char *hex, uint8_t out[LTY_CRYPTO_PUBLIC_KEY_BYTES])
{
    for (size_t index = 0; index < LTY_CRYPTO_PUBLIC_KEY_BYTES; index++) {
        unsigned value = 0;
        for (int half = 0; half < 2; half++) {
            char c = hex[2 * index + (size_t)half];
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (digit < 0) return false;
            value = value << 4 | (unsigned)digit;
        }
        out[index] = (uint8_t)value;
    }
    return true;
}

/* A key kept by an earlier run; a missing or damaged file leaves the client without one. */
static void key_cache_load(client_impl_t *impl)
{
    char hex[2 * LTY_CRYPTO_PUBLIC_KEY_BYTES + 1];
    int fd = open(impl->key_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t got = read(fd, hex, sizeof(hex) - 1);
    close(fd);
    uint8_t point[LTY_CRYPTO_PUBLIC_KEY_BYTES];
    lty_crypto_key_t *key = NULL;
    if (got != (ssize_t)(sizeof(hex) - 1)) return;
    hex[got] = '\0';
    if (!key_hex_decode(hex, point) || lty_crypto_key_public_import(point, &key) != 0) {
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN, "programme key file unusable; ignored");
        return;
    }
    impl->coupon_key = key;
}

/* Keep the key for the next run: a temporary file, fsync, rename. */
static int key_cache_store(client_impl_t *impl, const uint8_t point[LTY_CRYPTO_PUBLIC_KEY_BYTES])
{
    char hex[2 * LTY_CRYPTO_PUBLIC_KEY_BYTES + 1];
    for (size_t index = 0; index < LTY_CRYPTO_PUBLIC_KEY_BYTES; index++) {
        snprintf(hex + 2 * index, 3, "%02x", point[index]);
    }
    char temporary[sizeof(impl->key_path) + 4];
    snprintf(temporary, sizeof(temporary), "%s.tmp", impl->key_path);
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return LTY_E_IO;
    bool ok = write(fd, hex, sizeof(hex) - 1) == (ssize_t)(sizeof(hex) - 1) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(temporary, impl->key_path) == 0;
    if (!ok) unlink(temporary);
    return ok ? 0 : LTY_E_IO;
}

static int impl_open(client_impl_t *impl, const lty_client_options_t *options)
{
    impl->offline_queue = options->offline_queue;
    impl->request_timeout_ms = options->request_timeout_ms;
    impl->attempts_max = options->attempts_max;
    impl->backoff_initial_ms = options->backoff_initial_ms;
    impl->backoff_max_ms = options->backoff_max_ms;
    /* Both buffers get their full size now, so no call after init has to grow them. */
    lty_buf_init(&impl->request_body, LTY_HTTP_BODY_BYTES_MAX);
    lty_buf_init(&impl->response.body, LTY_POS_RESPONSE_BYTES_MAX);
    if (lty_buf_reserve(&impl->request_body, LTY_HTTP_BODY_BYTES_MAX) != 0 ||
        lty_buf_reserve(&impl->response.body, LTY_POS_RESPONSE_BYTES_MAX) != 0) {
        return LTY_E_NOMEM;
    }
    int err = servers_parse(impl, options->servers);
    if (err != 0) return err;
    lty_httpc_options_t httpc_options = {
        .host = impl->servers_count > 0 ? impl->servers[0].host : options->host,
        .port = impl->servers_count > 0 ? impl->servers[0].port : options->port,
        .ca_cert_path = options->ca_cert_path,
        .cert_path = options->cert_path,
        .key_path = options->key_path,
        .server_name = options->server_name,
        .log_cb = httpc_log_forward,
        .log_userdata = &impl->log,
    };
    err = lty_httpc_init(&impl->httpc, &httpc_options);
    if (err != 0) return err;
    err = lty__pos_queue_open(&impl->queue, options->queue_dir, options->queue_entries_max,
                              &impl->log);
    snprintf(impl->key_path, sizeof(impl->key_path), "%s/%s", options->queue_dir, KEY_FILE);
    if (err == 0) key_cache_load(impl);
    return err;
}

static void impl_close(client_impl_t *impl)
{
    lty_crypto_key_free(impl->coupon_key);
    impl->coupon_key = NULL;
    lty__pos_queue_close(&impl->queue);
    lty_httpc_deinit(&impl->httpc);
    lty_buf_deinit(&impl->response.body);
    lty_buf_deinit(&impl->request_body);
}

int lty_client_init(lty_client_t *client, const lty_client_options_t *options)
{
    if (client == NULL) return LTY_E_CLIENT_BUG;
    client->impl = NULL;
    client->magic = 0;
    if (options == NULL) return LTY_E_CLIENT_BUG;
    lty__pos_log_t log = {options->log_cb, options->log_userdata, options->log_level_max};
    int err = options_check(options, &log);
    if (err != 0) return err;

    client_impl_t *impl = lty_calloc(1, sizeof(*impl));
    if (impl == NULL) return LTY_E_NOMEM;
    impl->log = log;
    err = impl_open(impl, options);
    if (err != 0) {
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_ERR, "client init failed err=%s",
                     lty_err_name(err));
        impl_close(impl);
        lty_free(impl);
        return err;
    }
    client->impl = impl;
    client->magic = CLIENT_MAGIC;
    lty__pos_log(&impl->log, LTY_CLIENT_LOG_INFO, "client ready host=%s port=%u queued=%zu",
                 options->host, (unsigned)options->port, impl->queue.pending_count);
    return 0;
}

void lty_client_close(lty_client_t *client)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return;
    impl_close(impl);
    lty_free(impl);
    client->impl = NULL;
    client->magic = 0;
}

int lty_client_set_log_cb(lty_client_t *client, int level_max, lty_client_log_cb cb,
                          void *userdata)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    LTY_POS_CHECK(&impl->log, level_max >= LTY_CLIENT_LOG_ERR);
    LTY_POS_CHECK(&impl->log, level_max <= LTY_CLIENT_LOG_DEBUG);
    impl->log.cb = cb;
    impl->log.userdata = userdata;
    impl->log.level_max = level_max;
    return 0;
}

const char *lty_client_last_error_message(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL ? impl->last_message : "client not initialised";
}

const char *lty_client_last_error_field(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL ? impl->last_field : "";
}

int lty_client_last_http_status(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL ? impl->last_status : 0;
}

const char *lty_client_err_name(int err)
{
    return lty_err_name(err);
}

const char *lty_client_strerror(int err)
{
    return lty_strerror(err);
}

/* ---- One exchange with retries --------------------------------------------------------------- */

/* Send a request up to attempts_max times. 0 means a response is in impl->response (any
 * status); *in_doubt_out tells whether some attempt reached the daemon without an answer. */
static int exchange(client_impl_t *impl, const char *method, const char *path, const char *key,
                    const void *body, size_t body_size, bool *in_doubt_out)
{
    lty_httpc_request_t request = {
        .method = method,
        .path = path,
        .idempotency_key = key,
        .content_type = body_size > 0 ? "application/json" : NULL,
        .body = body_size > 0 ? body : NULL,
        .body_size = body_size,
        .timeout_ms = impl->request_timeout_ms,
    };
    *in_doubt_out = false;
    int err = 0;
    for (int attempt = 0; attempt < impl->attempts_max; attempt++) {
        if (attempt > 0) sleep_ms(backoff_ms(impl, attempt));
        err = lty_httpc_request(&impl->httpc, &request, &impl->response);
        if (err == 0 && impl->response.status == 421) {
            /* A follower did nothing with the request: send it, unchanged, to the leader. */
            char leader[LTY_HTTPC_HOST_BYTES_MAX + 8];
            lty__pos_leader_parse(impl->response.body.data, impl->response.body.size, leader,
                                  sizeof(leader));
            impl->last_status = 421;
            server_switch(impl, leader[0] != '\0' ? leader : NULL);
            continue;
        }
        if (err == 0) {
            impl->last_status = impl->response.status;
            if (!status_is_retryable(impl->response.status)) return 0;
            lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN, "%s %s status=%d attempt=%d", method,
                         path, impl->response.status, attempt + 1);
            continue;
        }
        if (impl->httpc.request_written) *in_doubt_out = true;
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN, "%s %s err=%s attempt=%d", method, path,
                     lty_err_name(err), attempt + 1);
        if (err != LTY_E_NET && err != LTY_E_NET_TIMEOUT) break; /* retrying will not help */
        server_switch(impl, NULL); /* a replicated daemon: try the next node */
    }
    if (err == 0) return 0; /* the last attempt's 5xx is the answer */
    return error_set(impl, err, "", "%s", lty_strerror(err));
}

static bool body_is_json(const lty_httpc_response_t *response)
{
    return strncmp(response->content_type, "application/json", 16) == 0;
}

/* Record the daemon's error document as the client's last error; returns the code. */
static int answer_error(client_impl_t *impl, lty__pos_error_t *error)
{
    lty__pos_error_parse(impl->response.body.data, impl->response.body.size,
                         impl->response.status, error);
    return error_set(impl, error->err, error->field, "%s", error->message);
}

static answer_class_t answer_classify(int status, int err)
{
    if (status >= 200 && status <= 299) return ANSWER_APPLIED;
    /* 421: a follower of a replicated daemon did nothing; the leader will. */
    if (status >= 500 || status == 408 || status == 421 || status == 429) return ANSWER_TRANSIENT;
    /* The credential, not the request, was refused: another day it may pass. */
    if (err == LTY_E_UNAUTHENTICATED || err == LTY_E_FORBIDDEN) return ANSWER_TRANSIENT;
    if (status >= 400 && status <= 499) return ANSWER_REFUSED;
    return ANSWER_TRANSIENT; /* 1xx/3xx: not an answer this API gives */
}

/* ---- Cards ------------------------------------------------------------------------------------ */

int lty_client_card_get(lty_client_t *client, const char *card_no, lty_card_info_t *card_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, card_no != NULL);
    LTY_POS_CHECK(&impl->log, card_out != NULL);
    size_t size = strnlen(card_no, LTY_CARD_NO_DIGITS_MAX + 1);
    if (lty_card_no_check(card_no, size) != 0) {
        return error_set(impl, LTY_E_INVALID_CARD_NO, "/card_no", "%s",
                         lty_strerror(LTY_E_INVALID_CARD_NO));
    }
    char path[LTY_POS_PATH_SIZE];
    snprintf(path, sizeof(path), "/v1/till/cards/%s", card_no);
    bool in_doubt = false;
    int err = exchange(impl, "GET", path, NULL, NULL, 0, &in_doubt);
    if (err != 0) return err;
    if (impl->response.status != 200) {
        lty__pos_error_t error;
        return answer_error(impl, &error);
    }
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = body_is_json(&impl->response)
              ? lty__pos_card_parse(impl->response.body.data, impl->response.body.size,
                                    card_out, &diag)
              : lty_diag_set(&diag, LTY_E_BAD_RESPONSE, "", "response is not application/json");
    if (err != 0) {
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN, "card response refused field=%s detail=%s",
                     diag.field, diag.detail);
        return error_from_diag(impl, LTY_E_BAD_RESPONSE, &diag);
    }
    return 0;
}

/* ---- Quotes ---------------------------------------------------------------------------------- */

int lty_client_sale_quote(lty_client_t *client, const lty_sale_t *sale, lty_quote_t *quote_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, sale != NULL);
    LTY_POS_CHECK(&impl->log, quote_out != NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_quote_render(sale, &impl->request_body, &diag);
    if (err != 0) return error_from_diag(impl, err, &diag);
    /* Read-only: no key, never journaled. Offline this fails: a till has no quote to offer. */
    bool in_doubt = false;
    err = exchange(impl, "POST", PATH_QUOTES, NULL, impl->request_body.data,
                   impl->request_body.size, &in_doubt);
    if (err != 0) return err;
    if (impl->response.status != 200) {
        lty__pos_error_t error;
        return answer_error(impl, &error);
    }
    err = body_is_json(&impl->response)
              ? lty__pos_quote_parse(impl->response.body.data, impl->response.body.size,
                                     quote_out, &diag)
              : lty_diag_set(&diag, LTY_E_BAD_RESPONSE, "", "response is not application/json");
    return err != 0 ? error_from_diag(impl, LTY_E_BAD_RESPONSE, &diag) : 0;
}

/* ---- The journal ------------------------------------------------------------------------------ */

/* A forwarded sale's answer names the coupons the daemon could not honour: count them, and
 * say so in the log (the till reads them with lty_client_coupon_conflicts()). */
static void conflicts_count(client_impl_t *impl)
{
    lty_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    if (lty__pos_receipt_parse(impl->response.body.data, impl->response.body.size, &receipt,
                               &diag) != 0 ||
        receipt.coupon_conflicts == 0) {
        return;
    }
    impl->conflicts_forwarded += receipt.coupon_conflicts;
    lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN,
                 "forwarded sale %lld: %zu coupon(s) accepted offline were not honoured",
                 (long long)receipt.sale_id, receipt.coupon_conflicts);
}

/* Deliver pending entries oldest first, stopping before sequence stop_before (0: no stop). */
static int flush_entries(client_impl_t *impl, uint64_t stop_before, size_t *delivered_out)
{
    while (impl->queue.pending_count > 0) {
        uint64_t sequence = impl->queue.pending[0].sequence;
        if (stop_before != 0 && sequence >= stop_before) break;
        lty__pos_record_t record;
        int err = lty__pos_queue_load(&impl->queue, 0, &record);
        if (err != 0) return error_set(impl, err, "", "journal entry %llu unusable",
                                       (unsigned long long)sequence);
        bool in_doubt = false;
        err = exchange(impl, record.method, record.path, record.key, record.body,
                       record.body_size, &in_doubt);
        if (err != 0) return err;
        lty__pos_error_t error;
        memset(&error, 0, sizeof(error));
        int answer_err = impl->response.status >= 300 ? answer_error(impl, &error) : 0;
        answer_class_t answer = answer_classify(impl->response.status, answer_err);
        if (answer == ANSWER_TRANSIENT) return answer_err;
        err = answer == ANSWER_APPLIED
                  ? lty__pos_queue_remove(&impl->queue, sequence)
                  : lty__pos_queue_refuse(&impl->queue, sequence, impl->response.status,
                                          lty_err_code(error.err), error.message);
        if (err != 0) return error_set(impl, err, "", "journal update failed");
        if (answer == ANSWER_APPLIED && strcmp(record.path, PATH_SALES) == 0) {
            conflicts_count(impl); /* the forwarding result of a sale accepted offline */
        }
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_INFO,
                     "journal delivered sequence=%llu status=%d replayed=%d",
                     (unsigned long long)sequence, impl->response.status,
                     (int)impl->response.idempotent_replayed);
        if (delivered_out != NULL) (*delivered_out)++;
    }
    return 0;
}

size_t lty_client_queue_count(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL ? impl->queue.pending_count : 0;
}

int lty_client_queue_flush(lty_client_t *client, size_t *delivered_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    if (delivered_out != NULL) *delivered_out = 0;
    return flush_entries(impl, 0, delivered_out);
}

size_t lty_client_refused_count(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL ? impl->queue.refused_count : 0;
}

int lty_client_refused_get(lty_client_t *client, size_t index, lty_refused_t *refused_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, refused_out != NULL);
    lty__pos_record_t record;
    int err = lty__pos_queue_refused_load(&impl->queue, index, &record);
    if (err != 0) return err;
    memset(refused_out, 0, sizeof(*refused_out));
    refused_out->sequence = record.sequence;
    memcpy(refused_out->idempotency_key, record.key, sizeof(refused_out->idempotency_key));
    snprintf(refused_out->path, sizeof(refused_out->path), "%s", record.path);
    snprintf(refused_out->label, sizeof(refused_out->label), "%s", record.label);
    snprintf(refused_out->message, sizeof(refused_out->message), "%s", record.message);
    refused_out->http_status = record.http_status;
    int code_err = lty_err_from_code(record.code);
    refused_out->err = code_err < 0 ? code_err : LTY_E_BAD_RESPONSE;
    refused_out->created_ms = record.created_ms;
    return 0;
}

int lty_client_refused_remove(lty_client_t *client, uint64_t sequence)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    return lty__pos_queue_refused_remove(&impl->queue, sequence);
}

/* ---- Mutating requests ------------------------------------------------------------------------ */

/* What a mutating call needs besides its body (which is in impl->request_body). New operations
 * (returns, voids, PIN set) are one descriptor and one response parser each. */
typedef struct mutation_s {
    const char *path;
    char label[LTY_POS_LABEL_SIZE];
    bool offline_eligible; /* may wait in the journal (no balance check needed at the till) */
    bool mark_offline;     /* a sale with coupons: queued offline, its body says "offline" */
    char key[LTY_CLIENT_KEY_SIZE]; /* out: the key used */
    bool replayed;                 /* out */
} mutation_t;

/* Journal the request (or find the identical one already journaled, and reuse its key). */
static int mutation_journal(client_impl_t *impl, mutation_t *mutation, uint64_t *sequence_out,
                            bool *resubmitted_out)
{
    const lty_buf_t *body = &impl->request_body;
    uint8_t digest[32];
    lty__pos_queue_digest("POST", mutation->path, body->data, body->size, digest);
    long found = lty__pos_queue_find(&impl->queue, digest);
    *resubmitted_out = found >= 0;
    if (found >= 0) {
        const lty__pos_entry_t *entry = &impl->queue.pending[found];
        memcpy(mutation->key, entry->key, sizeof(mutation->key));
        *sequence_out = entry->sequence;
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_INFO, "resubmission reuses sequence=%llu",
                     (unsigned long long)entry->sequence);
        return 0;
    }
    int err = lty__pos_key_mint(mutation->key);
    if (err == 0) {
        err = lty__pos_queue_append(&impl->queue, mutation->key, "POST", mutation->path,
                                    mutation->label, body->data, body->size, sequence_out);
    }
    if (err != 0) return error_set(impl, err, "", "journal write failed; nothing was sent");
    return 0;
}

/* Rewrite a queued sale's journaled body with "offline":true (the body ends with its object's
 * closing brace). A failure keeps the unmarked body: the sale is then judged as online. */
static void offline_mark(client_impl_t *impl, uint64_t sequence)
{
    lty_buf_t *body = &impl->request_body;
    static const char mark[] = ",\"offline\":true}";
    if (body->size < 2 || body->data[body->size - 1] != '}' ||
        body->size - 1 + sizeof(mark) - 1 > LTY_HTTP_BODY_BYTES_MAX) {
        return;
    }
    body->size--;
    lty_buf_append(body, mark, sizeof(mark) - 1);
    int err = lty_buf_error(body) == 0 ? lty__pos_queue_rewrite(&impl->queue, sequence, body->data,
                                                                body->size)
                                       : LTY_E_NOMEM;
    if (err != 0) {
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN, "offline mark not written sequence=%llu",
                     (unsigned long long)sequence);
    }
}

/* The daemon did not act on it now. Keep it journaled when it may have acted earlier (in doubt)
 * or may wait offline; forget it when it certainly never arrived. */
static int mutation_unanswered(client_impl_t *impl, const mutation_t *mutation,
                               uint64_t sequence, bool may_have_arrived, int err)
{
    if (impl->offline_queue && mutation->offline_eligible) {
        /* Coupons accepted on their signature: the daemon must know, when the sale arrives,
         * that the goods already left (docs/coupons.md). Only a body that never reached it may
         * change: its key was never used. */
        if (mutation->mark_offline && !may_have_arrived) offline_mark(impl, sequence);
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN, "queued offline sequence=%llu cause=%s",
                     (unsigned long long)sequence, lty_err_name(err));
        return error_set(impl, LTY_E_QUEUED_OFFLINE, "", "%s (%s)",
                         lty_strerror(LTY_E_QUEUED_OFFLINE), lty_strerror(err));
    }
    if (!may_have_arrived) {
        int remove_err = lty__pos_queue_remove(&impl->queue, sequence);
        if (remove_err != 0) return error_set(impl, remove_err, "", "journal update failed");
    } else {
        lty__pos_log(&impl->log, LTY_CLIENT_LOG_WARN,
                     "outcome in doubt; kept for resubmission or flush sequence=%llu",
                     (unsigned long long)sequence);
    }
    return err;
}

/* Journal, send with retries, and settle the journal entry by the answer. 0 means a 2xx is in
 * impl->response for the caller to parse. */
static int mutation_submit(client_impl_t *impl, mutation_t *mutation)
{
    uint64_t sequence = 0;
    bool resubmitted = false;
    int err = mutation_journal(impl, mutation, &sequence, &resubmitted);
    if (err != 0) return err;

    /* Offline entries go first, in order; if the daemon is still away this one waits too. */
    if (impl->offline_queue && mutation->offline_eligible && impl->queue.pending[0].sequence <
                                                                 sequence) {
        err = flush_entries(impl, sequence, NULL);
        if (err != 0) return mutation_unanswered(impl, mutation, sequence, resubmitted, err);
    }
    bool in_doubt = false;
    err = exchange(impl, "POST", mutation->path, mutation->key, impl->request_body.data,
                   impl->request_body.size, &in_doubt);
    if (err != 0) {
        return mutation_unanswered(impl, mutation, sequence, resubmitted || in_doubt, err);
    }
    lty__pos_error_t error;
    memset(&error, 0, sizeof(error));
    int answer_err = impl->response.status >= 300 ? answer_error(impl, &error) : 0;
    answer_class_t answer = answer_classify(impl->response.status, answer_err);
    if (answer == ANSWER_TRANSIENT) {
        return mutation_unanswered(impl, mutation, sequence, resubmitted || in_doubt, answer_err);
    }
    /* Applied or refused for good: either way the entry has done its job. */
    int remove_err = lty__pos_queue_remove(&impl->queue, sequence);
    if (remove_err != 0) return error_set(impl, remove_err, "", "journal update failed");
    mutation->replayed = impl->response.idempotent_replayed;
    return answer == ANSWER_APPLIED ? 0 : answer_err;
}

/* Parse failures after a 2xx: the daemon applied it, but the till cannot show the result. */
static int applied_but_unreadable(client_impl_t *impl, const lty_diag_t *diag)
{
    lty__pos_log(&impl->log, LTY_CLIENT_LOG_ERR,
                 "applied, but the response was refused field=%s detail=%s", diag->field,
                 diag->detail);
    return error_from_diag(impl, LTY_E_BAD_RESPONSE, diag);
}

/* The daemon must check a balance or a PIN now: such a sale cannot wait in the journal. */
static bool sale_offline_eligible(const lty_sale_t *sale)
{
    if (sale->redeem_points != 0 || (sale->pin != NULL && sale->pin[0] != '\0')) return false;
    for (size_t index = 0; index < sale->tenders_count; index++) {
        if (sale->tenders[index].type == LTY_TENDER_PREPAID) return false;
    }
    return true;
}

/* After a 2xx: the body must be JSON before a parser reads it. */
static int response_json_require(const client_impl_t *impl, lty_diag_t *diag)
{
    if (body_is_json(&impl->response)) return 0;
    return lty_diag_set(diag, LTY_E_BAD_RESPONSE, "", "response is not application/json");
}

/* Which parser reads a mutation's answer into its receipt. */
typedef enum answer_kind {
    ANSWER_SALE,       /* lty_receipt_t */
    ANSWER_TOPUP,      /* lty_topup_receipt_t */
    ANSWER_RETURN,     /* lty_return_receipt_t */
    ANSWER_ACTIVATION, /* lty_activation_receipt_t */
    ANSWER_PIN_SET,    /* no receipt */
    ANSWER_GIFT,       /* lty_gift_receipt_t */
} answer_kind_t;

/* Submit the mutation already rendered into impl->request_body and read its answer into receipt
 * (as kind says). key_out (the receipt's idempotency_key, or NULL) gets the key even on failure;
 * replayed_out (or NULL) says whether the daemon had already applied it. */
static int mutation_answer(client_impl_t *impl, mutation_t *mutation, answer_kind_t kind,
                           void *receipt, char *key_out, bool *replayed_out)
{
    int err = mutation_submit(impl, mutation);
    if (key_out != NULL) memcpy(key_out, mutation->key, LTY_CLIENT_KEY_SIZE);
    if (err != 0) return err;
    if (replayed_out != NULL) *replayed_out = mutation->replayed;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = response_json_require(impl, &diag);
    const char *body = impl->response.body.data;
    size_t size = impl->response.body.size;
    if (err == 0) {
        switch (kind) {
        case ANSWER_SALE: err = lty__pos_receipt_parse(body, size, receipt, &diag); break;
        case ANSWER_TOPUP: err = lty__pos_topup_receipt_parse(body, size, receipt, &diag); break;
        case ANSWER_RETURN: err = lty__pos_return_receipt_parse(body, size, receipt, &diag); break;
        case ANSWER_ACTIVATION: err = lty__pos_activation_parse(body, size, receipt, &diag); break;
        case ANSWER_PIN_SET: err = lty__pos_pin_set_parse(body, size, &diag); break;
        case ANSWER_GIFT: err = lty__pos_gift_receipt_parse(body, size, receipt, &diag); break;
        }
    }
    return err != 0 ? applied_but_unreadable(impl, &diag) : 0;
}

/* With the programme key cached, a coupon that fails its signature or expiry is refused here,
 * before any traffic or journal entry, as the daemon would refuse it. */
static int sale_coupons_check(client_impl_t *impl, const lty_sale_t *sale)
{
    if (impl->coupon_key == NULL) return 0;
    for (size_t index = 0; index < sale->coupons_count; index++) {
        lty_coupon_code_t fields;
        const char *code = sale->coupons[index];
        int err = lty_coupon_code_check(impl->coupon_key, code,
                                        strnlen(code, LTY_CLIENT_COUPON_CODE_SIZE),
                                        lty_clock_now_ms(), &fields);
        if (err != 0) {
            char field[32];
            snprintf(field, sizeof(field), "/coupons/%zu", index);
            return error_set(impl, err, field, "%s (checked offline)", lty_strerror(err));
        }
    }
    return 0;
}

int lty_client_sale_submit(lty_client_t *client, const lty_sale_t *sale,
                           lty_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, sale != NULL);
    LTY_POS_CHECK(&impl->log, receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_sale_render(sale, &impl->request_body, &diag);
    if (err != 0) return error_from_diag(impl, err, &diag);

    err = sale_coupons_check(impl, sale);
    if (err != 0) return err;
    /* Coupons wait offline only when they could be checked here (docs/coupons.md). */
    bool coupons_checked = sale->coupons_count == 0 || impl->coupon_key != NULL;
    mutation_t mutation = {.path = PATH_SALES,
                           .offline_eligible = sale_offline_eligible(sale) && coupons_checked,
                           .mark_offline = sale->coupons_count > 0};
    snprintf(mutation.label, sizeof(mutation.label), "sale receipt %s", sale->receipt_no);
    return mutation_answer(impl, &mutation, ANSWER_SALE, receipt_out, receipt_out->idempotency_key,
                           &receipt_out->replayed);
}

int lty_client_topup_submit(lty_client_t *client, const lty_topup_t *topup,
                            lty_topup_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, topup != NULL);
    LTY_POS_CHECK(&impl->log, receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_topup_render(topup, &impl->request_body, &diag);
    if (err != 0) return error_from_diag(impl, err, &diag);

    /* Cash changes hands at the till, so the member must see the new balance now. */
    mutation_t mutation = {.path = PATH_TOPUPS, .offline_eligible = false};
    snprintf(mutation.label, sizeof(mutation.label), "top-up %lld cents",
             (long long)topup->amount_cents);
    return mutation_answer(impl, &mutation, ANSWER_TOPUP, receipt_out,
                           receipt_out->idempotency_key, &receipt_out->replayed);
}

/* The last four digits only: labels are shown to staff and logged. */
static const char *card_tail(const char *card_no)
{
    size_t size = strlen(card_no);
    return size > 4 ? card_no + size - 4 : card_no;
}

int lty_client_pin_set(lty_client_t *client, const char *card_no, const char *pin,
                       const char *reset_code)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, card_no != NULL);
    LTY_POS_CHECK(&impl->log, pin != NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_pin_render(card_no, pin, reset_code, &impl->request_body, &diag);
    if (err != 0) return error_from_diag(impl, err, &diag);

    /* The member is at the PIN pad: the answer is needed now, never later. */
    char path[LTY_POS_PATH_SIZE];
    snprintf(path, sizeof(path), "/v1/till/cards/%s/pin", card_no);
    mutation_t mutation = {.path = path, .offline_eligible = false};
    snprintf(mutation.label, sizeof(mutation.label), "PIN set card ...%s", card_tail(card_no));
    return mutation_answer(impl, &mutation, ANSWER_PIN_SET, NULL, NULL, NULL);
}

/* Submit the return or void already rendered into impl->request_body, and read its receipt. */
static int return_like_submit(client_impl_t *impl, mutation_t *mutation,
                              lty_return_receipt_t *receipt_out)
{
    return mutation_answer(impl, mutation, ANSWER_RETURN, receipt_out,
                           receipt_out->idempotency_key, &receipt_out->replayed);
}

int lty_client_return_submit(lty_client_t *client, const lty_return_t *ret,
                             lty_return_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, ret != NULL);
    LTY_POS_CHECK(&impl->log, receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_return_render(ret, &impl->request_body, &diag);
    if (err != 0) return error_from_diag(impl, err, &diag);

    /* Money goes back across the counter now: never queued offline. */
    mutation_t mutation = {.path = PATH_RETURNS, .offline_eligible = false};
    if (ret->sale_id > 0) {
        snprintf(mutation.label, sizeof(mutation.label), "return of sale %lld",
                 (long long)ret->sale_id);
    } else {
        snprintf(mutation.label, sizeof(mutation.label), "return of receipt %s", ret->receipt_no);
    }
    return return_like_submit(impl, &mutation, receipt_out);
}

int lty_client_void_submit(lty_client_t *client, int64_t sale_id,
                           lty_return_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    if (sale_id < 1 || sale_id > LTY_JSON_INT_MAX) {
        return error_set(impl, LTY_E_INVALID_FIELD, "/sale_id", "is %lld, must be positive",
                         (long long)sale_id);
    }
    char path[LTY_POS_PATH_SIZE];
    snprintf(path, sizeof(path), "/v1/till/sales/%lld/void", (long long)sale_id);
    lty_buf_reset(&impl->request_body); /* no body: the path names the sale */
    mutation_t mutation = {.path = path, .offline_eligible = false};
    snprintf(mutation.label, sizeof(mutation.label), "void of sale %lld", (long long)sale_id);
    return return_like_submit(impl, &mutation, receipt_out);
}

/* ---- Card activation ------------------------------------------------------------------------- */

int lty_client_card_activate(lty_client_t *client, const lty_activation_t *activation,
                             lty_activation_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, activation != NULL);
    LTY_POS_CHECK(&impl->log, receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_activation_render(activation, &impl->request_body, &diag);
    if (err != 0) return error_from_diag(impl, err, &diag);

    /* The member is at the counter waiting for the card: never queued offline. */
    char path[LTY_POS_PATH_SIZE];
    snprintf(path, sizeof(path), "/v1/till/cards/%s/activate", activation->card_no);
    mutation_t mutation = {.path = path, .offline_eligible = false};
    snprintf(mutation.label, sizeof(mutation.label), "activation card ...%s",
             card_tail(activation->card_no));
    return mutation_answer(impl, &mutation, ANSWER_ACTIVATION, receipt_out,
                           receipt_out->idempotency_key, &receipt_out->replayed);
}

/* ---- Coupons and gifts --------------------------------------------------------------------- */

int lty_client_keys_refresh(lty_client_t *client)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    bool in_doubt = false;
    int err = exchange(impl, "GET", "/v1/till/programme/keys", NULL, NULL, 0, &in_doubt);
    if (err != 0) return err;
    if (impl->response.status != 200) {
        lty__pos_error_t error;
        return answer_error(impl, &error);
    }
    uint8_t point[LTY_CRYPTO_PUBLIC_KEY_BYTES];
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = response_json_require(impl, &diag);
    if (err == 0) err = lty__pos_keys_parse(impl->response.body.data, impl->response.body.size,
                                            point, &diag);
    lty_crypto_key_t *key = NULL;
    if (err == 0 && lty_crypto_key_public_import(point, &key) != 0) {
        err = lty_diag_set(&diag, LTY_E_BAD_RESPONSE, "/keys/0/public_key", "not a P-256 point");
    }
    if (err != 0) return error_from_diag(impl, LTY_E_BAD_RESPONSE, &diag);
    lty_crypto_key_free(impl->coupon_key);
    impl->coupon_key = key;
    err = key_cache_store(impl, point);
    if (err != 0) return error_set(impl, err, "", "programme key not written to %s",
                                   impl->key_path);
    lty__pos_log(&impl->log, LTY_CLIENT_LOG_INFO, "programme key cached");
    return 0;
}

bool lty_client_keys_cached(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL && impl->coupon_key != NULL;
}

int lty_client_coupon_check(lty_client_t *client, const char *code, lty_coupon_info_t *info_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, code != NULL);
    LTY_POS_CHECK(&impl->log, info_out != NULL);
    if (impl->coupon_key == NULL) {
        return error_set(impl, LTY_E_NOT_FOUND, "", "no programme key cached: "
                         "lty_client_keys_refresh() while online");
    }
    lty_coupon_code_t fields;
    int err = lty_coupon_code_check(impl->coupon_key, code,
                                    strnlen(code, LTY_CLIENT_COUPON_CODE_SIZE),
                                    lty_clock_now_ms(), &fields);
    if (err != 0) return error_set(impl, err, "", "%s", lty_strerror(err));
    info_out->campaign_id = fields.campaign_id;
    info_out->serial = fields.serial;
    info_out->expires_ms = fields.expiry_day >= LTY_COUPON_EXPIRY_NONE
                               ? -1
                               : ((int64_t)fields.expiry_day + 1) * LTY_MS_PER_DAY - 1;
    return 0;
}

size_t lty_client_conflicts_forwarded(const lty_client_t *client)
{
    const client_impl_t *impl = impl_of(client);
    return impl != NULL ? impl->conflicts_forwarded : 0;
}

int lty_client_coupon_conflicts(lty_client_t *client, int64_t after,
                                lty_coupon_conflict_t *conflicts_out, size_t capacity,
                                size_t *count_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, conflicts_out != NULL && count_out != NULL);
    LTY_POS_CHECK(&impl->log, capacity >= 1 && after >= 0 && after <= LTY_JSON_INT_MAX);
    *count_out = 0;
    char path[LTY_POS_PATH_SIZE];
    snprintf(path, sizeof(path), "/v1/till/coupon-conflicts?after=%lld&limit=%zu",
             (long long)after, capacity < LTY_COUPON_PAGE_MAX ? capacity : LTY_COUPON_PAGE_MAX);
    bool in_doubt = false;
    int err = exchange(impl, "GET", path, NULL, NULL, 0, &in_doubt);
    if (err != 0) return err;
    if (impl->response.status != 200) {
        lty__pos_error_t error;
        return answer_error(impl, &error);
    }
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = response_json_require(impl, &diag);
    if (err == 0) err = lty__pos_conflicts_parse(impl->response.body.data,
                                                 impl->response.body.size, conflicts_out,
                                                 capacity, count_out, &diag);
    return err != 0 ? error_from_diag(impl, LTY_E_BAD_RESPONSE, &diag) : 0;
}

/* Submit the gift request rendered into impl->request_body, and read its receipt. */
static int gift_submit(client_impl_t *impl, mutation_t *mutation, lty_gift_receipt_t *receipt_out)
{
    return mutation_answer(impl, mutation, ANSWER_GIFT, receipt_out, receipt_out->idempotency_key,
                           &receipt_out->replayed);
}

int lty_client_gift_redeem(lty_client_t *client, const char *card_no, int64_t gift_id,
                           lty_gift_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, card_no != NULL && receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    if (lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_DIGITS_MAX + 1)) != 0) {
        return error_set(impl, LTY_E_INVALID_CARD_NO, "/card_no", "%s",
                         lty_strerror(LTY_E_INVALID_CARD_NO));
    }
    if (gift_id < 1 || gift_id > LTY_JSON_INT_MAX) {
        return error_set(impl, LTY_E_INVALID_FIELD, "/gift_id", "must be positive");
    }
    lty_buf_reset(&impl->request_body);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &impl->request_body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", card_no);
    lty_jw_kv_int(&writer, "gift_id", gift_id);
    lty_jw_object_end(&writer);
    /* Points are checked and stock reserved now: never queued offline. */
    mutation_t mutation = {.path = PATH_GIFT_REDEMPTIONS, .offline_eligible = false};
    snprintf(mutation.label, sizeof(mutation.label), "gift %lld card ...%s", (long long)gift_id,
             card_tail(card_no));
    return gift_submit(impl, &mutation, receipt_out);
}

int lty_client_gift_hand_over(lty_client_t *client, int64_t redemption_id,
                              lty_gift_receipt_t *receipt_out)
{
    client_impl_t *impl = impl_of(client);
    if (impl == NULL) return LTY_E_CLIENT_BUG;
    error_clear(impl);
    LTY_POS_CHECK(&impl->log, receipt_out != NULL);
    memset(receipt_out, 0, sizeof(*receipt_out));
    if (redemption_id < 1 || redemption_id > LTY_JSON_INT_MAX) {
        return error_set(impl, LTY_E_INVALID_FIELD, "/redemption_id", "must be positive");
    }
    char path[LTY_POS_PATH_SIZE];
    snprintf(path, sizeof(path), PATH_GIFT_REDEMPTIONS "/%lld/hand-over", (long long)redemption_id);
    lty_buf_reset(&impl->request_body); /* no body: the path names the redemption */
    mutation_t mutation = {.path = path, .offline_eligible = false};
    snprintf(mutation.label, sizeof(mutation.label), "gift hand-over %lld",
             (long long)redemption_id);
    return gift_submit(impl, &mutation, receipt_out);
}
