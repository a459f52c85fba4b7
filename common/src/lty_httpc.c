/* SPDX-License-Identifier: MIT */
/* Blocking HTTP/1.1 client over one TLS connection (lty_httpc_conn.c). This file frames
 * requests, parses responses over the llhttp seam (lty_http1.h) and decides when a dropped
 * keep-alive connection may be reopened transparently. It is not responsible for retry policy,
 * JSON, or the API's routes: the till library and the CLI own those. It never prints and never
 * aborts on input, because the till library links it: contract violations are refused with
 * HTTPC_CHECK, and every line goes to the caller's logger. */
#include "lty/lty_httpc.h"
#include "lty/lty_assert.h" /* lty_alloc, lty_free; no LTY_ASSERT here: see HTTPC_CHECK */
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HEADER_NAME_SIZE 64
#define HEADER_VALUE_SIZE 256

/* Parser state of one response; lives on the stack of lty_httpc_request(). */
typedef struct response_parse_s {
    lty_httpc_response_t *response;
    bool head_request;       /* HEAD: the response has no body whatever its headers say */
    bool complete;           /* on_message_complete ran for a final (non-1xx) response */
    bool started;            /* at least one response byte arrived */
    bool over_limit;         /* a header or the body passed its bound */
    int status;              /* of the message being parsed, once its head is complete */
    size_t header_bytes;     /* status line and header bytes seen, for the limit */
    char name[HEADER_NAME_SIZE];
    size_t name_size;
    bool name_truncated;
    char value[HEADER_VALUE_SIZE];
    size_t value_size;
    bool value_truncated;
    bool in_value;
} response_parse_t;

/* Every line goes to the caller's logger, never the process log (see lty_httpc.h). */
#define HTTPC_LOG(httpc, level, ...) lty__logger_write(&(httpc)->logger, (level), __VA_ARGS__)

/* A contract violation: report it and refuse, never abort (the till must not crash). */
#define HTTPC_CHECK(httpc, expr)                                                               \
    do {                                                                                       \
        if (!(expr)) {                                                                         \
            HTTPC_LOG((httpc), LTY_LOG_ERR, "%s:%d: client bug: %s", __FILE__, __LINE__,      \
                      #expr);                                                                  \
            return LTY_E_CLIENT_BUG;                                                           \
        }                                                                                      \
    } while (0)

static const lty_http1_callbacks_t response_callbacks;

/* ---- Init and teardown ---------------------------------------------------------------- */

int lty_httpc_init(lty_httpc_t *httpc, const lty_httpc_options_t *options)
{
    if (httpc == NULL) return LTY_E_CLIENT_BUG;
    memset(httpc, 0, sizeof(*httpc));
    httpc->conn.fd = -1;
    if (options != NULL) {
        httpc->logger.cb = options->log_cb;
        httpc->logger.userdata = options->log_userdata;
    }
    HTTPC_CHECK(httpc, options != NULL);
    HTTPC_CHECK(httpc, options->host != NULL);
    size_t host_size = strlen(options->host);
    HTTPC_CHECK(httpc, host_size > 0 && host_size <= LTY_HTTPC_HOST_BYTES_MAX);
    HTTPC_CHECK(httpc, strpbrk(options->host, " \r\n/") == NULL);
    HTTPC_CHECK(httpc, options->port > 0);
    HTTPC_CHECK(httpc, options->ca_cert_path != NULL);
    HTTPC_CHECK(httpc, (options->cert_path == NULL) == (options->key_path == NULL));

    memcpy(httpc->host, options->host, host_size + 1);
    httpc->port = options->port;
    httpc->recv_buffer = lty_alloc(LTY_HTTPC_RECV_BUFFER_SIZE);
    httpc->head_buffer = lty_alloc(LTY_HTTP_HEADER_BYTES_MAX);
    int err = httpc->recv_buffer == NULL || httpc->head_buffer == NULL ? LTY_E_NOMEM : 0;
    if (err == 0) err = lty_http1_create(&httpc->parser, LTY_HTTP1_RESPONSE, &response_callbacks);
    if (err != 0) {
        lty_httpc_deinit(httpc);
        return err;
    }
    lty_tls_client_options_t tls_options = {
        .ca_cert_path = options->ca_cert_path,
        .cert_path = options->cert_path,
        .key_path = options->key_path,
        .server_name = options->server_name,
        .log_cb = options->log_cb,
        .log_userdata = options->log_userdata,
    };
    err = lty_tls_client_open(&httpc->tls, &tls_options);
    if (err != 0) {
        HTTPC_LOG(httpc, LTY_LOG_ERR, "tls client configuration failed err=%s", lty_err_name(err));
        lty_httpc_deinit(httpc);
        return err;
    }
    return 0;
}

void lty_httpc_deinit(lty_httpc_t *httpc)
{
    if (httpc == NULL) return;
    lty_httpc_disconnect(httpc);
    if (httpc->tls != NULL) lty_tls_client_close(httpc->tls);
    httpc->tls = NULL;
    lty_http1_destroy(httpc->parser);
    httpc->parser = NULL;
    lty_free(httpc->recv_buffer);
    httpc->recv_buffer = NULL;
    lty_free(httpc->head_buffer);
    httpc->head_buffer = NULL;
}

void lty_httpc_disconnect(lty_httpc_t *httpc)
{
    if (httpc == NULL) return;
    lty_httpc_conn_close(&httpc->conn);
}

int lty_httpc_target_set(lty_httpc_t *httpc, const char *host, uint16_t port)
{
    if (httpc == NULL) return LTY_E_CLIENT_BUG;
    HTTPC_CHECK(httpc, host != NULL);
    size_t host_size = strlen(host);
    HTTPC_CHECK(httpc, host_size > 0 && host_size <= LTY_HTTPC_HOST_BYTES_MAX);
    HTTPC_CHECK(httpc, strpbrk(host, " \r\n/") == NULL);
    HTTPC_CHECK(httpc, port > 0);
    if (strcmp(httpc->host, host) == 0 && httpc->port == port) return 0;
    lty_httpc_disconnect(httpc);
    memcpy(httpc->host, host, host_size + 1);
    httpc->port = port;
    return 0;
}

/* ---- Request framing ------------------------------------------------------------------- */

static bool token_is_valid(const char *text, size_t size_max)
{
    size_t size = 0;
    for (; text[size] != '\0'; size++) {
        unsigned char c = (unsigned char)text[size];
        if (c <= 0x20 || c >= 0x7F || c == ':' || size >= size_max) return false;
    }
    return size > 0;
}

static bool field_value_is_valid(const char *text, size_t size_max)
{
    size_t size = 0;
    for (; text[size] != '\0'; size++) {
        unsigned char c = (unsigned char)text[size];
        if ((c < 0x20 && c != '\t') || c == 0x7F || size >= size_max) return false;
    }
    return true;
}

static int request_check(const lty_httpc_t *httpc, const lty_httpc_request_t *request)
{
    HTTPC_CHECK(httpc, request->method != NULL && token_is_valid(request->method, 16));
    HTTPC_CHECK(httpc, request->path != NULL && request->path[0] == '/');
    HTTPC_CHECK(httpc, strlen(request->path) <= LTY_HTTP_URL_BYTES_MAX);
    for (const char *c = request->path; *c != '\0'; c++) {
        HTTPC_CHECK(httpc, (unsigned char)*c > 0x20 && (unsigned char)*c < 0x7F);
    }
    if (request->idempotency_key != NULL) {
        HTTPC_CHECK(httpc, token_is_valid(request->idempotency_key,
                                          LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1));
    }
    if (request->content_type != NULL) {
        HTTPC_CHECK(httpc, field_value_is_valid(request->content_type, 128));
    }
    HTTPC_CHECK(httpc, request->body != NULL || request->body_size == 0);
    HTTPC_CHECK(httpc, request->body_size <= LTY_HTTP_BODY_BYTES_MAX);
    HTTPC_CHECK(httpc, request->headers != NULL || request->headers_count == 0);
    HTTPC_CHECK(httpc, request->headers_count <= LTY_HTTPC_EXTRA_HEADERS_MAX);
    for (size_t index = 0; index < request->headers_count; index++) {
        const lty_httpc_header_t *header = &request->headers[index];
        HTTPC_CHECK(httpc, header->name != NULL && token_is_valid(header->name, 64));
        HTTPC_CHECK(httpc, header->value != NULL && field_value_is_valid(header->value, 1024));
    }
    return 0;
}

/* Render the request line and headers into head_buffer; returns the size or 0 if too long. */
static size_t request_head_render(const lty_httpc_t *httpc, const lty_httpc_request_t *request)
{
    char *out = httpc->head_buffer;
    size_t capacity = LTY_HTTP_HEADER_BYTES_MAX;
    size_t used = 0;
    int written = snprintf(out, capacity,
                           "%s %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: loyaltyd-httpc/1\r\n"
                           "Accept: application/json\r\nContent-Length: %zu\r\n",
                           request->method, request->path, httpc->host, (unsigned)httpc->port,
                           request->body_size);
    if (written < 0 || (size_t)written >= capacity) return 0;
    used = (size_t)written;
    if (request->idempotency_key != NULL) {
        written = snprintf(out + used, capacity - used, "Idempotency-Key: %s\r\n",
                           request->idempotency_key);
        if (written < 0 || (size_t)written >= capacity - used) return 0;
        used += (size_t)written;
    }
    if (request->content_type != NULL) {
        written = snprintf(out + used, capacity - used, "Content-Type: %s\r\n",
                           request->content_type);
        if (written < 0 || (size_t)written >= capacity - used) return 0;
        used += (size_t)written;
    }
    for (size_t index = 0; index < request->headers_count; index++) {
        written = snprintf(out + used, capacity - used, "%s: %s\r\n", request->headers[index].name,
                           request->headers[index].value);
        if (written < 0 || (size_t)written >= capacity - used) return 0;
        used += (size_t)written;
    }
    if (capacity - used < 3) return 0;
    memcpy(out + used, "\r\n", 2);
    used += 2;
    return used;
}

/* ---- Response parsing ------------------------------------------------------------------ */

static int on_message_begin(void *userdata)
{
    response_parse_t *parse = userdata;
    parse->response->status = 0;
    parse->response->idempotent_replayed = false;
    parse->response->content_type[0] = '\0';
    parse->response->set_cookie[0] = '\0';
    lty_buf_reset(&parse->response->body);
    parse->header_bytes = 0;
    parse->status = 0;
    parse->name_size = 0;
    parse->value_size = 0;
    parse->in_value = false;
    return 0;
}

static int count_header_bytes(response_parse_t *parse, size_t length)
{
    parse->header_bytes += length;
    if (parse->header_bytes > LTY_HTTP_HEADER_BYTES_MAX) {
        parse->over_limit = true;
        return -1;
    }
    return 0;
}

static int on_status(void *userdata, const char *at, size_t length)
{
    (void)at;
    return count_header_bytes(userdata, length);
}

static void scratch_append(char *scratch, size_t scratch_size, size_t *used, bool *truncated,
                           const char *at, size_t length)
{
    size_t room = scratch_size - 1 - *used;
    size_t take = length < room ? length : room;
    if (take < length) *truncated = true;
    memcpy(scratch + *used, at, take);
    *used += take;
    scratch[*used] = '\0';
}

static int on_header_field(void *userdata, const char *at, size_t length)
{
    response_parse_t *parse = userdata;
    if (parse->in_value || parse->name_size == 0) {
        parse->in_value = false;
        parse->name_size = 0;
        parse->name_truncated = false;
        parse->value_size = 0;
        parse->value_truncated = false;
        parse->name[0] = '\0';
        parse->value[0] = '\0';
    }
    scratch_append(parse->name, sizeof(parse->name), &parse->name_size, &parse->name_truncated,
                   at, length);
    return count_header_bytes(parse, length);
}

static int on_header_value(void *userdata, const char *at, size_t length)
{
    response_parse_t *parse = userdata;
    parse->in_value = true;
    scratch_append(parse->value, sizeof(parse->value), &parse->value_size,
                   &parse->value_truncated, at, length);
    return count_header_bytes(parse, length);
}

/* Only the headers the API uses are kept; the rest are framing (llhttp) or ignored. */
static int on_header_value_complete(void *userdata)
{
    response_parse_t *parse = userdata;
    lty_httpc_response_t *response = parse->response;
    parse->in_value = true;
    if (parse->name_truncated) return 0; /* longer than any header we care about */
    if (strcasecmp(parse->name, "Content-Type") == 0) {
        if (parse->value_truncated || parse->value_size >= sizeof(response->content_type)) {
            return 0; /* no content type we accept is that long; the caller sees "" */
        }
        memcpy(response->content_type, parse->value, parse->value_size + 1);
    } else if (strcasecmp(parse->name, "Idempotent-Replayed") == 0) {
        response->idempotent_replayed = strcasecmp(parse->value, "true") == 0;
    } else if (strcasecmp(parse->name, "Set-Cookie") == 0 && response->set_cookie[0] == '\0') {
        size_t size = strcspn(parse->value, ";"); /* name=value, without the attributes */
        bool whole = size < parse->value_size || !parse->value_truncated;
        if (whole && size < sizeof(response->set_cookie)) {
            memcpy(response->set_cookie, parse->value, size);
            response->set_cookie[size] = '\0';
        }
    }
    parse->name_size = 0;
    return 0;
}

static int on_headers_complete(void *userdata, const lty_http1_head_t *head)
{
    response_parse_t *parse = userdata;
    parse->status = head->status;
    parse->response->status = head->status;
    /* A HEAD response carries Content-Length but no body; tell the parser so. */
    return parse->head_request ? LTY_HTTP1_NO_BODY : LTY_HTTP1_CONTINUE;
}

static int on_body(void *userdata, const char *at, size_t length)
{
    response_parse_t *parse = userdata;
    lty_buf_append(&parse->response->body, at, length);
    if (lty_buf_error(&parse->response->body) != 0) {
        parse->over_limit = true;
        return -1;
    }
    return 0;
}

static int on_message_complete(void *userdata)
{
    response_parse_t *parse = userdata;
    if (parse->status >= 100 && parse->status < 200) {
        return LTY_HTTP1_CONTINUE; /* interim (100 Continue): wait for the final */
    }
    parse->complete = true;
    return LTY_HTTP1_PAUSE; /* stop at the end of this response; nothing may follow unasked */
}

static const lty_http1_callbacks_t response_callbacks = {
    .on_message_begin = on_message_begin,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- Exchange ------------------------------------------------------------------------- */

static int remaining_ms(int64_t deadline_ms)
{
    int64_t left = deadline_ms - lty_clock_monotonic_ms();
    if (left <= 0) return 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

static int connection_ensure(lty_httpc_t *httpc, int64_t deadline_ms)
{
    if (httpc->conn.session != NULL) return 0;
    int timeout_ms = remaining_ms(deadline_ms);
    if (timeout_ms == 0) return LTY_E_NET_TIMEOUT;
    int err = lty_httpc_conn_open(&httpc->conn, httpc->tls, httpc->host, httpc->port, timeout_ms);
    if (err != 0) {
        HTTPC_LOG(httpc, LTY_LOG_WARN, "connect failed host=%s port=%u err=%s", httpc->host,
                  (unsigned)httpc->port, lty_err_name(err));
        return err;
    }
    httpc->connects_count++;
    HTTPC_LOG(httpc, LTY_LOG_DEBUG, "connected host=%s port=%u resumed=%d", httpc->host,
              (unsigned)httpc->port, (int)lty_httpc_conn_resumed(&httpc->conn));
    return 0;
}

static int request_write(lty_httpc_t *httpc, const lty_httpc_request_t *request, size_t head_size,
                         int64_t deadline_ms)
{
    int timeout_ms = remaining_ms(deadline_ms);
    if (timeout_ms == 0) return LTY_E_NET_TIMEOUT;
    httpc->request_written = true;
    /* Small bodies ride in the head's buffer: one TLS record, one segment. */
    if (request->body_size <= LTY_HTTP_HEADER_BYTES_MAX - head_size) {
        if (request->body_size > 0) {
            memcpy(httpc->head_buffer + head_size, request->body, request->body_size);
        }
        return lty_httpc_conn_write(&httpc->conn, httpc->head_buffer,
                                    head_size + request->body_size, timeout_ms);
    }
    int err = lty_httpc_conn_write(&httpc->conn, httpc->head_buffer, head_size, timeout_ms);
    if (err != 0) return err;
    timeout_ms = remaining_ms(deadline_ms);
    if (timeout_ms == 0) return LTY_E_NET_TIMEOUT;
    return lty_httpc_conn_write(&httpc->conn, request->body, request->body_size, timeout_ms);
}

/* Feed received bytes to the parser. 1: response complete, 0: need more, < 0: error. */
static int response_feed(lty_httpc_t *httpc, response_parse_t *parse, const char *bytes,
                         size_t size)
{
    size_t used = 0;
    int rc = lty_http1_execute(httpc->parser, bytes, size, &used);
    if (rc == LTY_HTTP1_PAUSED) {
        /* Bytes after the response were never asked for: the framing is off. */
        if (used < size) {
            HTTPC_LOG(httpc, LTY_LOG_WARN, "unexpected bytes after the response");
            return LTY_E_BAD_RESPONSE;
        }
        return 1;
    }
    if (rc == LTY_HTTP1_MORE) return 0;
    if (parse->over_limit) {
        HTTPC_LOG(httpc, LTY_LOG_WARN, "response over its limit header_bytes=%zu body_bytes=%zu",
                  parse->header_bytes, parse->response->body.size);
    } else {
        HTTPC_LOG(httpc, LTY_LOG_WARN, "malformed response llhttp=%s reason=%s",
                  lty_http1_error_name(httpc->parser), lty_http1_error_reason(httpc->parser));
    }
    return LTY_E_BAD_RESPONSE;
}

static int response_read(lty_httpc_t *httpc, response_parse_t *parse, int64_t deadline_ms)
{
    for (;;) {
        int timeout_ms = remaining_ms(deadline_ms);
        if (timeout_ms == 0) return LTY_E_NET_TIMEOUT;
        int got = lty_httpc_conn_read(&httpc->conn, httpc->recv_buffer,
                                      LTY_HTTPC_RECV_BUFFER_SIZE, timeout_ms);
        if (got < 0) return got;
        if (got == 0) {
            /* Orderly close: complete only for a response framed by the end of the stream. */
            if (!parse->started) return LTY_E_NET;
            int rc = lty_http1_finish(httpc->parser);
            if ((rc == LTY_HTTP1_MORE || rc == LTY_HTTP1_PAUSED) && parse->complete) return 0;
            HTTPC_LOG(httpc, LTY_LOG_WARN, "connection closed inside a response");
            return LTY_E_NET;
        }
        parse->started = true;
        int fed = response_feed(httpc, parse, httpc->recv_buffer, (size_t)got);
        if (fed < 0) return fed;
        if (fed == 1) return 0;
    }
}

static int exchange_once(lty_httpc_t *httpc, const lty_httpc_request_t *request, size_t head_size,
                         lty_httpc_response_t *response, int64_t deadline_ms,
                         bool *stale_out)
{
    *stale_out = false;
    bool reused = httpc->conn.session != NULL;
    int err = connection_ensure(httpc, deadline_ms);
    if (err != 0) return err;
    response->connection_reused = reused;

    response_parse_t parse;
    memset(&parse, 0, sizeof(parse));
    parse.response = response;
    parse.head_request = strcmp(request->method, "HEAD") == 0;
    lty_http1_reset(httpc->parser, &parse);

    err = request_write(httpc, request, head_size, deadline_ms);
    if (err == 0) err = response_read(httpc, &parse, deadline_ms);
    if (err != 0) {
        /* A kept-alive connection the daemon had already closed fails before any answer. */
        *stale_out = reused && !parse.started && err == LTY_E_NET;
        lty_httpc_disconnect(httpc);
        return err;
    }
    if (!lty_http1_keep_alive(httpc->parser)) lty_httpc_disconnect(httpc);
    httpc->requests_count++;
    return 0;
}

static bool request_is_repeatable(const lty_httpc_request_t *request)
{
    return request->idempotency_key != NULL || strcmp(request->method, "GET") == 0 ||
           strcmp(request->method, "HEAD") == 0;
}

int lty_httpc_request(lty_httpc_t *httpc, const lty_httpc_request_t *request,
                      lty_httpc_response_t *response)
{
    if (httpc == NULL) return LTY_E_CLIENT_BUG;
    HTTPC_CHECK(httpc, httpc->tls != NULL); /* initialised */
    HTTPC_CHECK(httpc, request != NULL);
    HTTPC_CHECK(httpc, response != NULL);
    int err = request_check(httpc, request);
    if (err != 0) return err;

    response->status = 0;
    response->idempotent_replayed = false;
    response->connection_reused = false;
    response->resent = false;
    response->content_type[0] = '\0';
    response->set_cookie[0] = '\0';
    lty_buf_reset(&response->body);
    httpc->request_written = false;

    size_t head_size = request_head_render(httpc, request);
    HTTPC_CHECK(httpc, head_size > 0); /* headers over LTY_HTTP_HEADER_BYTES_MAX */
    int timeout_ms = request->timeout_ms > 0 ? request->timeout_ms : LTY_HTTPC_TIMEOUT_MS_DEFAULT;
    int64_t deadline_ms = lty_clock_monotonic_ms() + timeout_ms;

    bool stale = false;
    err = exchange_once(httpc, request, head_size, response, deadline_ms, &stale);
    if (err != 0 && stale && request_is_repeatable(request)) {
        HTTPC_LOG(httpc, LTY_LOG_DEBUG, "kept-alive connection was closed; reconnecting");
        response->resent = true;
        err = exchange_once(httpc, request, head_size, response, deadline_ms, &stale);
    }
    if (err == 0) {
        HTTPC_LOG(httpc, LTY_LOG_DEBUG, "%s %s status=%d body_bytes=%zu replayed=%d",
                  request->method, request->path, response->status, response->body.size,
                  (int)response->idempotent_replayed);
    }
    return err;
}
