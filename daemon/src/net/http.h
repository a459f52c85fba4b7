/* SPDX-License-Identifier: MIT */
/**
 * @file http.h
 * HTTP/1.1 request framing for one connection: llhttp in strict mode, the request limits of
 * lty_limits.h, and response rendering. No sockets, no TLS, no business logic.
 *
 * Owns: one request parser per connection (over common's llhttp seam, lty_http1.h), the body
 * of the request being parsed, the header-to-lty_request_t mapping, and the wire form of
 * responses.
 *
 * Caveats:
 * - One message at a time: lty_http_parse() stops (pauses) after each complete request and
 *   returns how many bytes it consumed; call lty_http_next() once the response is sent, then
 *   parse the remaining bytes.
 * - After an error the parser is dead: answer with lty_http_error_status() and close.
 * - request->body points into the parser's body buffer: valid until lty_http_next().
 * - Never enables llhttp's lenient flags: CL+TE, duplicate Content-Length, bare LF and the
 *   like are refused.
 */
#ifndef LTY_HTTP_H
#define LTY_HTTP_H

#include "exchange.h"
#include "lty/lty_buf.h"
#include "lty/lty_err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lty_http_s lty_http_t;

/** lty_http_parse() results (errors are negative lty_err_t). */
enum {
    LTY_HTTP_MORE = 0,    /* all bytes consumed; the request is not complete yet */
    LTY_HTTP_REQUEST = 1, /* a complete request is in *request; parsing is paused */
};

/** Bytes a rendered response head may take beyond its body. */
#define LTY_HTTP_RESPONSE_HEAD_BYTES_MAX (LTY_RESPONSE_HEADERS_BYTES_MAX + 256)

/** Allocate a parser (done once per connection slot at start). 0 or LTY_E_NOMEM. */
int lty_http_create(lty_http_t **http_out);
void lty_http_destroy(lty_http_t *http);
/** Forget everything: a new connection starts on this slot. Keeps memory. */
void lty_http_reset(lty_http_t *http);
/** Between messages: free the body buffer if it holds more than keep_bytes (0: free it). */
void lty_http_trim(lty_http_t *http, size_t keep_bytes);

/**
 * Parse bytes of the connection's plaintext stream.
 * @param[out] request       Filled field by field; complete only on LTY_HTTP_REQUEST.
 * @param[out] consumed_out  Bytes of data consumed (the rest belongs to the next request).
 * @param[out] diag          On error, a sentence naming the limit (may be NULL).
 * @return LTY_HTTP_MORE, LTY_HTTP_REQUEST, or LTY_E_BAD_REQUEST, LTY_E_HEADERS_TOO_LARGE,
 *         LTY_E_REQUEST_TOO_LARGE, LTY_E_UNSUPPORTED_MEDIA_TYPE, LTY_E_NOMEM.
 */
int lty_http_parse(lty_http_t *http, lty_request_t *request, const char *data, size_t size,
                   size_t *consumed_out, lty_diag_t *diag);
/** The HTTP status to answer the last error with (414 for an over-long URL). */
int lty_http_error_status(const lty_http_t *http);
/** The response to the last request is sent: resume parsing at the next message. */
void lty_http_next(lty_http_t *http);
/** True once the first byte of a request has been seen and until lty_http_next(). */
bool lty_http_started(const lty_http_t *http);
/** After LTY_HTTP_REQUEST: may the connection stay open (HTTP/1.1 without Connection: close)? */
bool lty_http_keep_alive(const lty_http_t *http);
/** True once per request when the client waits for "100 Continue" before sending its body. */
bool lty_http_continue_take(lty_http_t *http);
/** Method of the last complete request was HEAD (the response carries no body). */
bool lty_http_head(const lty_http_t *http);

/**
 * Append the wire form of response to out: status line, Content-Type, Content-Length, the
 * extra headers, Connection, blank line, body (omitted when head_only).
 */
void lty_http_response_render(lty_buf_t *out, const lty_response_t *response, bool close,
                              bool head_only);
/** Reason phrase of an HTTP status ("Not Found"); "Unknown" if not listed. */
const char *lty_http_reason(int status);

#endif
