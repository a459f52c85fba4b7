/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 framing. This file drives the llhttp seam (common lty_http1.h: strict mode, never
 * lenient) and owns every per-request framing limit: header block size and count, URL length,
 * body size (declared or chunked), and the headers the API reads. It turns bytes into one
 * lty_request_t at a time and a response struct into bytes; it knows nothing about sockets, TLS,
 * routes or JSON bodies.
 *
 * One message at a time: on_message_complete pauses the parser, so pipelined bytes after a
 * request stay unparsed until its response is out. That bounds work per connection and keeps
 * responses in request order without a queue. */
#include "http.h"
#include "lty/lty_assert.h"
#include "lty/lty_http1.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_FIELD_BYTES_MAX 32 /* longest header name we look at, plus room */

typedef enum header_kind {
    HEADER_OTHER = 0,
    HEADER_IDEMPOTENCY_KEY,
    HEADER_CONTENT_TYPE,
    HEADER_COOKIE,
    HEADER_CSRF_TOKEN,
    HEADER_EXPECT,
    HEADER_IF_NONE_MATCH,
    HEADER_ACCEPT_ENCODING,
    HEADER_HOST,
    HEADER_TRANSFER_ENCODING,
    HEADER_ACCEPT_LANGUAGE,
} header_kind_t;

/* The raw-byte scan of a request head (see head_scan): where the previous byte left it. */
typedef struct head_scan_s {
    bool done;            /* the blank line ending the head was seen: scan no further */
    bool line_has_bytes;  /* the current line has a byte other than CR */
    int lines;            /* lines ended so far (request line included) */
} head_scan_t;

struct lty_http_s {
    lty_http1_t *parser;
    lty_request_t *request; /* target of the parse in progress */
    lty_buf_t body;
    size_t header_bytes; /* raw bytes of the current message before its headers ended */
    size_t url_size;
    char url[LTY_HTTP_URL_BYTES_MAX + 1];
    char field[HTTP_FIELD_BYTES_MAX + 1];
    size_t field_size;
    char value[LTY_COOKIE_BYTES_MAX + 2]; /* one more than any value we keep, to see overflow */
    size_t value_size;
    int headers_count;
    int err;
    int error_status;
    lty_diag_t *diag;
    bool started;
    bool headers_done;
    bool complete;
    bool keep_alive;
    bool head;
    bool method_head;           /* the message's method is HEAD (known once its head is) */
    int version_minor;          /* HTTP/1.<minor>, known once the head is */
    bool continue_wanted;
    bool content_type_seen;
    bool host_seen;
    bool transfer_encoding_seen;
    head_scan_t scan;           /* obs-fold detection over the raw head bytes */
    bool oversized;             /* the body passed LTY_HTTP_BODY_BYTES_MAX: only a prefix kept */
    size_t discarded;           /* body bytes dropped beyond the kept prefix */
};

/* Records the first framing error and makes the callback fail, which stops the parser. */
static int http_fail(lty_http_t *http, int err, int status, const char *detail)
{
    if (http->err == 0) {
        http->err = err;
        http->error_status = status;
        if (http->diag != NULL) lty_diag_set(http->diag, err, "", "%s", detail);
    }
    return -1;
}

static int on_message_begin(void *userdata)
{
    lty_http_t *http = userdata;
    lty_request_t *request = http->request;
    request->method = LTY_METHOD_OTHER;
    request->path[0] = '\0';
    request->query[0] = '\0';
    request->body = NULL;
    request->body_size = 0;
    request->idempotency_key_present = false;
    request->idempotency_key[0] = '\0';
    request->idempotency_key_invalid = false;
    request->content_type[0] = '\0';
    request->cookie[0] = '\0';
    request->csrf_token[0] = '\0';
    request->if_none_match[0] = '\0';
    request->accept_gzip = false;
    request->accept_language[0] = '\0';
    http->started = true;
    return 0;
}

static int on_url(void *userdata, const char *at, size_t length)
{
    lty_http_t *http = userdata;
    if (length > LTY_HTTP_URL_BYTES_MAX - http->url_size) {
        return http_fail(http, LTY_E_BAD_REQUEST, 414, "request target exceeds 2048 bytes");
    }
    memcpy(http->url + http->url_size, at, length);
    http->url_size += length;
    return 0;
}

/* Origin-form only ("/path?query"): absolute-form and '*' are for proxies and OPTIONS. */
static int on_url_complete(void *userdata)
{
    lty_http_t *http = userdata;
    http->url[http->url_size] = '\0';
    if (http->url[0] != '/') {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "request target must start with '/'");
    }
    size_t path_size = strcspn(http->url, "?#");
    memcpy(http->request->path, http->url, path_size);
    http->request->path[path_size] = '\0';
    if (http->url[path_size] == '?') {
        size_t query_size = strcspn(http->url + path_size + 1, "#");
        memcpy(http->request->query, http->url + path_size + 1, query_size);
        http->request->query[query_size] = '\0';
    }
    return 0;
}

/* RFC 9110 token characters: what a header name may contain. */
static bool token_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int on_header_field(void *userdata, const char *at, size_t length)
{
    lty_http_t *http = userdata;
    /* llhttp hands chunked trailer fields to the same callbacks as headers. Nothing here reads
     * a trailer, and one named like a header (Idempotency-Key, Content-Type) would be taken for
     * it after the body was already framed: refuse them all. */
    if (http->headers_done) {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "trailer fields are not accepted");
    }
    /* llhttp 8.1 lets a space inside a name through ("Bad Header: x"); a proxy may not. */
    for (size_t index = 0; index < length; index++) {
        if (!token_char(at[index])) {
            return http_fail(http, LTY_E_BAD_REQUEST, 400, "header name is not a token");
        }
    }
    size_t room = HTTP_FIELD_BYTES_MAX - http->field_size;
    size_t taken = length < room ? length : room; /* longer names are none we read */
    memcpy(http->field + http->field_size, at, taken);
    http->field_size += taken;
    return 0;
}

static int on_header_value(void *userdata, const char *at, size_t length)
{
    lty_http_t *http = userdata;
    size_t room = sizeof(http->value) - 1 - http->value_size;
    size_t taken = length < room ? length : room;
    memcpy(http->value + http->value_size, at, taken);
    http->value_size += taken;
    return 0;
}

static header_kind_t header_kind(const char *name)
{
    if (strcasecmp(name, "idempotency-key") == 0) return HEADER_IDEMPOTENCY_KEY;
    if (strcasecmp(name, "content-type") == 0) return HEADER_CONTENT_TYPE;
    if (strcasecmp(name, "cookie") == 0) return HEADER_COOKIE;
    if (strcasecmp(name, "x-csrf-token") == 0) return HEADER_CSRF_TOKEN;
    if (strcasecmp(name, "expect") == 0) return HEADER_EXPECT;
    if (strcasecmp(name, "if-none-match") == 0) return HEADER_IF_NONE_MATCH;
    if (strcasecmp(name, "accept-encoding") == 0) return HEADER_ACCEPT_ENCODING;
    if (strcasecmp(name, "host") == 0) return HEADER_HOST;
    if (strcasecmp(name, "transfer-encoding") == 0) return HEADER_TRANSFER_ENCODING;
    if (strcasecmp(name, "accept-language") == 0) return HEADER_ACCEPT_LANGUAGE;
    return HEADER_OTHER;
}

static bool idempotency_key_valid(const char *value, size_t size)
{
    if (size == 0 || size > LTY_IDEMPOTENCY_KEY_BYTES_MAX) return false;
    for (size_t index = 0; index < size; index++) {
        if (value[index] < 0x20 || value[index] > 0x7e) return false;
    }
    return true;
}

static void header_idempotency_key(lty_http_t *http, const char *value, size_t size)
{
    lty_request_t *request = http->request;
    if (request->idempotency_key_present || !idempotency_key_valid(value, size)) {
        request->idempotency_key_invalid = true; /* a second key is as bad as a malformed one */
        request->idempotency_key[0] = '\0';
    } else {
        memcpy(request->idempotency_key, value, size);
        request->idempotency_key[size] = '\0';
    }
    request->idempotency_key_present = true;
}

/* Accept-Encoding lists gzip, unless with a zero weight ("gzip;q=0" refuses it). Tokens are
 * case-insensitive; "*" is not honoured (browsers name gzip). */
static bool accept_encoding_gzip(const char *value)
{
    const char *at = value;
    while (*at != '\0') {
        at += strspn(at, " \t,");
        size_t size = strcspn(at, ",");
        size_t name = strcspn(at, " \t;,");
        if (name == 4 && strncasecmp(at, "gzip", 4) == 0) {
            const char *weight = at + name;
            const char *end = at + size;
            while (weight < end && *weight != '=') weight++;
            if (weight == end) return true;
            weight++;
            size_t zeros = strspn(weight, "0.");
            char after = weight[zeros];
            return !(zeros > 0 && (after == '\0' || after == ',' || after == ' '));
        }
        at += size;
    }
    return false;
}

/* Cookies may come in several headers; they are joined with "; " as RFC 6265 asks. */
static int header_cookie(lty_http_t *http, const char *value, size_t size)
{
    char *cookie = http->request->cookie;
    size_t used = strlen(cookie);
    size_t extra = used > 0 ? size + 2 : size;
    if (size > LTY_COOKIE_BYTES_MAX || extra > LTY_COOKIE_BYTES_MAX - used) {
        return http_fail(http, LTY_E_HEADERS_TOO_LARGE, 431, "Cookie exceeds 1024 bytes");
    }
    if (used > 0) memcpy(cookie + used, "; ", 2), used += 2;
    memcpy(cookie + used, value, size);
    cookie[used + size] = '\0';
    return 0;
}

/* RFC 9112 3.2: one Host line, and a value that can be a uri-host[:port] (empty allowed). */
static int header_host(lty_http_t *http, const char *value)
{
    if (http->host_seen) return http_fail(http, LTY_E_BAD_REQUEST, 400, "Host given twice");
    http->host_seen = true;
    for (const char *c = value; *c != '\0'; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || strchr("-._~%!$&'()*+,;=:[]", *c) != NULL;
        if (!ok) return http_fail(http, LTY_E_BAD_REQUEST, 400, "Host is not a host[:port]");
    }
    return 0;
}

/* Plain chunked is the only transfer coding read. llhttp frames "gzip, chunked" as chunked and
 * would hand over the still-compressed bytes as the body. RFC 9112: when chunked is not the
 * final coding the length is unknown (400, llhttp mostly says so first); another coding before
 * it is one we do not implement (501). A second Transfer-Encoding line is refused like a list. */
static int header_transfer_encoding(lty_http_t *http, const char *value)
{
    if (http->transfer_encoding_seen) {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "Transfer-Encoding given twice");
    }
    http->transfer_encoding_seen = true;
    if (strcasecmp(value, "chunked") == 0) return 0;
    size_t size = strlen(value);
    static const char chunked[] = "chunked";
    size_t chunked_size = sizeof(chunked) - 1;
    const char *last = size >= chunked_size ? value + size - chunked_size : value;
    bool chunked_last = size > chunked_size && strcasecmp(last, chunked) == 0 &&
                        strchr(", \t", last[-1]) != NULL;
    if (!chunked_last) {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "chunked must be the final transfer coding");
    }
    return http_fail(http, LTY_E_NOT_IMPLEMENTED, 501,
                     "only the chunked transfer coding is supported");
}

static int on_header_value_complete(void *userdata)
{
    lty_http_t *http = userdata;
    http->field[http->field_size] = '\0';
    http->value[http->value_size] = '\0';
    const char *value = http->value;
    size_t size = http->value_size;
    http->field_size = 0;
    http->value_size = 0;
    if (++http->headers_count > LTY_HTTP_HEADERS_COUNT_MAX) {
        return http_fail(http, LTY_E_HEADERS_TOO_LARGE, 431, "more than 64 header lines");
    }
    lty_request_t *request = http->request;
    switch (header_kind(http->field)) {
    case HEADER_IDEMPOTENCY_KEY:
        header_idempotency_key(http, value, size);
        return 0;
    case HEADER_CONTENT_TYPE:
        if (http->content_type_seen) {
            return http_fail(http, LTY_E_BAD_REQUEST, 400, "Content-Type given twice");
        }
        if (size >= sizeof(request->content_type)) {
            return http_fail(http, LTY_E_UNSUPPORTED_MEDIA_TYPE, 415, "Content-Type too long");
        }
        http->content_type_seen = true;
        memcpy(request->content_type, value, size + 1);
        return 0;
    case HEADER_COOKIE:
        return header_cookie(http, value, size);
    case HEADER_CSRF_TOKEN:
        /* An over-long token is dropped: it cannot match, and the API refuses the request. */
        if (size < sizeof(request->csrf_token)) memcpy(request->csrf_token, value, size + 1);
        return 0;
    case HEADER_EXPECT:
        if (strcasecmp(value, "100-continue") == 0) http->continue_wanted = true;
        return 0;
    case HEADER_IF_NONE_MATCH:
        /* An over-long validator is dropped: the full response is sent, which is always safe. */
        if (size < sizeof(request->if_none_match)) memcpy(request->if_none_match, value, size + 1);
        return 0;
    case HEADER_ACCEPT_ENCODING:
        request->accept_gzip = request->accept_gzip || accept_encoding_gzip(value);
        return 0;
    case HEADER_HOST:
        return header_host(http, value);
    case HEADER_TRANSFER_ENCODING:
        return header_transfer_encoding(http, value);
    case HEADER_ACCEPT_LANGUAGE:
        /* Only the first ranges matter (browsers list the preferred first): a longer value is
         * cut at the last whole range that fits. */
        if (request->accept_language[0] == '\0') {
            size_t kept = size;
            if (kept > LTY_ACCEPT_LANGUAGE_BYTES_MAX) kept = LTY_ACCEPT_LANGUAGE_BYTES_MAX;
            while (kept < size && kept > 0 && value[kept] != ',') kept--;
            memcpy(request->accept_language, value, kept);
            request->accept_language[kept] = '\0';
        }
        return 0;
    case HEADER_OTHER:
        return 0;
    }
    return 0;
}

static lty_method_t method_from_name(const char *name)
{
    static const struct {
        const char *name;
        lty_method_t method;
    } methods[] = {
        {"GET", LTY_METHOD_GET},     {"HEAD", LTY_METHOD_HEAD},   {"POST", LTY_METHOD_POST},
        {"PUT", LTY_METHOD_PUT},     {"PATCH", LTY_METHOD_PATCH}, {"DELETE", LTY_METHOD_DELETE},
    };
    for (size_t index = 0; index < sizeof(methods) / sizeof(methods[0]); index++) {
        if (strcmp(name, methods[index].name) == 0) return methods[index].method;
    }
    return LTY_METHOD_OTHER;
}

/* A declared body beyond LTY_HTTP_DISCARD_BYTES_MAX gets 413 before a byte of it is read; one
 * merely over LTY_HTTP_BODY_BYTES_MAX is read (prefix kept) and judged at its end. */
static int on_headers_complete(void *userdata, const lty_http1_head_t *head)
{
    lty_http_t *http = userdata;
    http->headers_done = true;
    http->request->method = method_from_name(head->method);
    http->method_head = http->request->method == LTY_METHOD_HEAD;
    http->version_minor = head->version_minor;
    if (head->content_length_present && head->content_length > LTY_HTTP_DISCARD_BYTES_MAX) {
        return http_fail(http, LTY_E_REQUEST_TOO_LARGE, 413, "body exceeds 65536 bytes");
    }
    if (head->upgrade) {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "upgrade and CONNECT are not supported");
    }
    if (head->version_major != 1) {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "only HTTP/1.x is supported");
    }
    if (head->version_minor >= 1 && !http->host_seen) {
        return http_fail(http, LTY_E_BAD_REQUEST, 400, "an HTTP/1.1 request needs a Host header");
    }
    return 0;
}

static int on_body(void *userdata, const char *at, size_t length)
{
    lty_http_t *http = userdata;
    size_t room = LTY_HTTP_BODY_BYTES_MAX - http->body.size;
    if (length > room) {
        /* Keep the prefix, count the rest; the verdict comes at the message's end. */
        http->oversized = true;
        http->discarded += length - room;
        if (http->discarded > LTY_HTTP_DISCARD_BYTES_MAX) {
            return http_fail(http, LTY_E_REQUEST_TOO_LARGE, 413, "body exceeds 65536 bytes");
        }
        length = room;
    }
    lty_buf_append(&http->body, at, length);
    if (lty_buf_error(&http->body) != 0) {
        return http_fail(http, LTY_E_NOMEM, 503, "out of memory for the body");
    }
    return 0;
}

/* An oversized body is refused; when its kept prefix already proves it is not JSON, say so
 * (400: the more useful answer, and what a malformed body gets whatever its size). */
static int oversized_refuse(lty_http_t *http)
{
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_json_prefix_check(http->body.data, http->body.size, LTY_JSON_DEPTH_MAX, &diag);
    if (err != 0) return http_fail(http, err, 400, diag.detail);
    return http_fail(http, LTY_E_REQUEST_TOO_LARGE, 413, "body exceeds 65536 bytes");
}

static int on_message_complete(void *userdata)
{
    lty_http_t *http = userdata;
    if (http->oversized) return oversized_refuse(http);
    lty_request_t *request = http->request;
    request->body = http->body.size > 0 ? http->body.data : NULL;
    request->body_size = http->body.size;
    http->complete = true;
    http->head = http->method_head;
    /* HTTP/1.0 closes even with "Connection: keep-alive": one request per connection. */
    http->keep_alive = http->version_minor >= 1 && lty_http1_keep_alive(http->parser);
    return LTY_HTTP1_PAUSE;
}

static const lty_http1_callbacks_t http_callbacks = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

int lty_http_create(lty_http_t **http_out)
{
    LTY_ASSERT(http_out != NULL);
    lty_http_t *http = lty_calloc(1, sizeof(*http));
    if (http == NULL) return LTY_E_NOMEM;
    if (lty_http1_create(&http->parser, LTY_HTTP1_REQUEST, &http_callbacks) != 0) {
        lty_free(http);
        return LTY_E_NOMEM;
    }
    lty_buf_init(&http->body, LTY_HTTP_BODY_BYTES_MAX);
    lty_http_reset(http);
    *http_out = http;
    return 0;
}

void lty_http_destroy(lty_http_t *http)
{
    if (http == NULL) return;
    lty_buf_deinit(&http->body);
    lty_http1_destroy(http->parser);
    lty_free(http);
}

static void message_state_clear(lty_http_t *http)
{
    lty_buf_reset(&http->body);
    http->header_bytes = 0;
    http->url_size = 0;
    http->field_size = 0;
    http->value_size = 0;
    http->headers_count = 0;
    http->started = false;
    http->headers_done = false;
    http->complete = false;
    http->keep_alive = false;
    http->head = false;
    http->method_head = false;
    http->version_minor = 0;
    http->continue_wanted = false;
    http->content_type_seen = false;
    http->host_seen = false;
    http->transfer_encoding_seen = false;
    memset(&http->scan, 0, sizeof(http->scan));
    http->oversized = false;
    http->discarded = 0;
}

void lty_http_reset(lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    lty_http1_reset(http->parser, http);
    http->err = 0;
    http->error_status = 0;
    message_state_clear(http);
}

void lty_http_trim(lty_http_t *http, size_t keep_bytes)
{
    LTY_ASSERT(http != NULL);
    LTY_ASSERT(!http->started || http->complete || http->err != 0);
    lty_buf_reset(&http->body);
    lty_buf_shrink(&http->body, keep_bytes);
}

void lty_http_next(lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    LTY_ASSERT(http->complete);
    LTY_ASSERT(http->err == 0);
    message_state_clear(http);
    lty_http1_resume(http->parser);
}

/* llhttp 8.1 joins obs-fold continuation lines even in strict mode, and when the first line
 * of a value is empty ("Content-Length:\r\n 99") it reports the continuation as the whole
 * value, so no callback can tell. RFC 9112 5.2 lets a server refuse folding, and a proxy in
 * front may join the lines differently: look at the raw head bytes ourselves and refuse any
 * header line that starts with a space or tab. Stops at the blank line ending the head, so
 * body bytes are never scanned. Returns the index of the fold's first byte, or size when the
 * bytes hold none: the parser is fed only the bytes before a fold, so an error it finds there
 * wins, whichever way TCP cut the bytes (fuzz_http compares both feedings). */
static size_t head_scan(head_scan_t *scan, const char *data, size_t size)
{
    for (size_t index = 0; index < size && !scan->done; index++) {
        char c = data[index];
        if (c == '\n') {
            if (scan->line_has_bytes) {
                scan->lines++;
            } else if (scan->lines > 0) {
                scan->done = true; /* the blank line; empty lines before the request line skip */
            }
            scan->line_has_bytes = false;
        } else if (c != '\r') {
            if (!scan->line_has_bytes && scan->lines > 0 && (c == ' ' || c == '\t')) {
                return index;
            }
            scan->line_has_bytes = true;
        }
    }
    return size;
}

/* Maps the parser's refusal to ours, keeping an error a callback recorded first. */
static int parse_error(lty_http_t *http)
{
    if (http->err == 0) {
        http->err = LTY_E_BAD_REQUEST;
        http->error_status = 400;
        if (http->diag != NULL) {
            lty_diag_set(http->diag, LTY_E_BAD_REQUEST, "", "malformed HTTP (%s)",
                         lty_http1_error_name(http->parser));
        }
    }
    return http->err;
}

int lty_http_parse(lty_http_t *http, lty_request_t *request, const char *data, size_t size,
                   size_t *consumed_out, lty_diag_t *diag)
{
    LTY_ASSERT(http != NULL && request != NULL && consumed_out != NULL);
    LTY_ASSERT(data != NULL || size == 0);
    LTY_ASSERT(!http->complete); /* call lty_http_next() first */
    *consumed_out = 0;
    if (http->err != 0) return http->err;
    http->request = request;
    http->diag = diag;
    size_t consumed = 0;
    while (consumed < size) {
        /* While the header block is open, feed no more than its limit allows, so "headers not
         * done after LTY_HTTP_HEADER_BYTES_MAX bytes" is exact and the limit itself passes. */
        size_t chunk = size - consumed;
        bool in_headers = !http->headers_done;
        if (in_headers && chunk > LTY_HTTP_HEADER_BYTES_MAX - http->header_bytes) {
            chunk = LTY_HTTP_HEADER_BYTES_MAX - http->header_bytes;
        }
        size_t fold_at = http->scan.done ? chunk : head_scan(&http->scan, data + consumed, chunk);
        bool fold = fold_at < chunk;
        chunk = fold_at;
        size_t used = 0;
        int status = chunk == 0 ? LTY_HTTP1_MORE
                                : lty_http1_execute(http->parser, data + consumed, chunk, &used);
        if (status == LTY_HTTP1_PAUSED) {
            LTY_ASSERT(http->complete); /* only on_message_complete pauses */
            *consumed_out = consumed + used;
            return LTY_HTTP_REQUEST;
        }
        if (status != LTY_HTTP1_MORE) return parse_error(http);
        if (fold) {
            http_fail(http, LTY_E_BAD_REQUEST, 400, "obsolete line folding in a header");
            return http->err;
        }
        consumed += chunk;
        *consumed_out = consumed;
        if (in_headers && !http->headers_done) {
            http->header_bytes += chunk;
            if (http->header_bytes >= LTY_HTTP_HEADER_BYTES_MAX) {
                http_fail(http, LTY_E_HEADERS_TOO_LARGE, 431,
                          "request line and headers exceed 8192 bytes");
                return http->err;
            }
        }
    }
    return LTY_HTTP_MORE;
}

int lty_http_error_status(const lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    return http->error_status != 0 ? http->error_status : 400;
}

bool lty_http_started(const lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    return http->started;
}

bool lty_http_keep_alive(const lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    return http->complete && http->keep_alive;
}

bool lty_http_head(const lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    return http->complete && http->head;
}

bool lty_http_continue_take(lty_http_t *http)
{
    LTY_ASSERT(http != NULL);
    if (!http->continue_wanted || !http->headers_done || http->complete || http->err != 0) {
        return false;
    }
    http->continue_wanted = false;
    return true;
}

const char *lty_http_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

void lty_http_response_render(lty_buf_t *out, const lty_response_t *response, bool close,
                              bool head_only)
{
    LTY_ASSERT(out != NULL && response != NULL);
    LTY_ASSERT(response->status >= 100 && response->status <= 599);
    LTY_ASSERT(response->headers_size < sizeof(response->headers));
    const char *content_type =
        response->content_type != NULL ? response->content_type : "application/json";
    lty_buf_appendf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n",
                    response->status, lty_http_reason(response->status), content_type,
                    response->body.size);
    lty_buf_append(out, response->headers, response->headers_size);
    lty_buf_append_str(out, close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
    if (!head_only && response->body.size > 0) {
        lty_buf_append(out, response->body.data, response->body.size);
    }
}
