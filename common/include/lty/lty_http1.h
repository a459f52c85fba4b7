/* SPDX-License-Identifier: MIT */
/**
 * @file lty_http1.h
 * The llhttp seam: HTTP/1.x message framing for the daemon's request parser (daemon http.c) and
 * the HTTP client's response parser (lty_httpc.c). common/src/lty_http1.c is the only file of
 * the project that includes llhttp's header, and holds the only llhttp_settings_t table; moving to
 * another llhttp (or another parser) is that file's work.
 *
 * Owns: one llhttp parser in strict mode (LLHTTP_STRICT_MODE=1, cmake/lty_deps.cmake), the
 * translation of its callbacks and errors. It keeps no message data: callers copy what they
 * need from the spans they are handed, and apply their own limits and header rules.
 *
 * Caveats:
 * - Never enables llhttp's lenient flags: CL+TE together, duplicate Content-Length, bare LF and
 *   the like are refused. Rules llhttp 8.1 does not enforce even in strict mode (header names
 *   with spaces, obs-fold line continuations) are the caller's: the daemon's http.c refuses
 *   both, by scanning the raw head for a header line that starts with a space or tab.
 * - Spans passed to callbacks point into the bytes given to lty_http1_execute() and are valid
 *   only during the callback; one header name or value may arrive in several spans when the
 *   bytes arrive in several pieces.
 * - One message at a time, when the caller wants it: on_message_complete returning
 *   LTY_HTTP1_PAUSE stops the parser right after that message; lty_http1_execute() then says
 *   how many bytes it consumed, and lty_http1_resume() continues with the next message.
 * - Not thread-safe; a parser belongs to one connection.
 */
#ifndef LTY_HTTP1_H
#define LTY_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lty_http1_s lty_http1_t;

typedef enum lty_http1_kind {
    LTY_HTTP1_REQUEST = 1,  /* parse requests (the daemon) */
    LTY_HTTP1_RESPONSE = 2, /* parse responses (the client) */
} lty_http1_kind_t;

/** What a callback returns. Any negative value refuses the message: the parser stops with an
 *  error, and stays failed until lty_http1_reset(). */
enum {
    LTY_HTTP1_CONTINUE = 0,
    LTY_HTTP1_NO_BODY = 1, /* on_headers_complete only: the message has no body (HEAD reply) */
    LTY_HTTP1_PAUSE = 2,   /* on_message_complete only: stop after this message */
};

/** Results of lty_http1_execute() and lty_http1_finish(); errors are negative lty_err_t. */
enum {
    LTY_HTTP1_MORE = 0,   /* every byte consumed; the message goes on */
    LTY_HTTP1_PAUSED = 1, /* stopped after a message whose on_message_complete paused */
};

/** What the parser knows of a message when its head is complete. */
typedef struct lty_http1_head_s {
    const char *method;          /* read-only: requests: "GET", ... (static); "" for responses */
    int status;                  /* read-only: responses: 100..999; 0 for requests */
    int version_major;           /* read-only: 1 for HTTP/1.x */
    int version_minor;           /* read-only */
    bool content_length_present; /* read-only: a Content-Length header was given */
    uint64_t content_length;     /* read-only: its value, when present */
    bool upgrade;                /* read-only: Upgrade or CONNECT: the protocol would change */
} lty_http1_head_t;

/** The caller's side of the parse (all members public); any member may be NULL (then the event
 *  is ignored). */
typedef struct lty_http1_callbacks_s {
    int (*on_message_begin)(void *userdata);
    int (*on_url)(void *userdata, const char *at, size_t size);
    int (*on_url_complete)(void *userdata);
    int (*on_status)(void *userdata, const char *at, size_t size);
    int (*on_header_field)(void *userdata, const char *at, size_t size);
    int (*on_header_value)(void *userdata, const char *at, size_t size);
    int (*on_header_value_complete)(void *userdata);
    int (*on_headers_complete)(void *userdata, const lty_http1_head_t *head);
    int (*on_body)(void *userdata, const char *at, size_t size);
    int (*on_message_complete)(void *userdata);
} lty_http1_callbacks_t;

/**
 * Allocate a parser (once per connection slot, or per client, at start).
 * @param[in] callbacks  Borrowed: must outlive the parser (a static table).
 * @return 0 or LTY_E_NOMEM.
 */
int lty_http1_create(lty_http1_t **parser_out, lty_http1_kind_t kind,
                     const lty_http1_callbacks_t *callbacks);
/** Free the parser; NULL accepted. */
void lty_http1_destroy(lty_http1_t *parser);
/** Start over (a new connection, or a new exchange): forget any message in progress and any
 *  error. userdata is handed to every callback until the next reset. */
void lty_http1_reset(lty_http1_t *parser, void *userdata);

/**
 * Parse size bytes of the stream.
 * @param[out] consumed_out  Bytes consumed: all of them on LTY_HTTP1_MORE; up to the end of the
 *                           paused message on LTY_HTTP1_PAUSED (the rest belongs to the next).
 * @return LTY_HTTP1_MORE, LTY_HTTP1_PAUSED, or LTY_E_BAD_REQUEST (request parser) /
 *         LTY_E_BAD_RESPONSE (response parser) when the bytes or a callback refused the message;
 *         lty_http1_error_name() says what llhttp saw.
 */
int lty_http1_execute(lty_http1_t *parser, const char *data, size_t size, size_t *consumed_out);
/** The stream ended (the peer closed): completes a message framed by the end of the stream.
 *  LTY_HTTP1_MORE, LTY_HTTP1_PAUSED, or the error of lty_http1_execute(). */
int lty_http1_finish(lty_http1_t *parser);
/** After LTY_HTTP1_PAUSED: continue with the next message. */
void lty_http1_resume(lty_http1_t *parser);
/** Once a message's head is complete: may the connection carry another message after it
 *  (llhttp_should_keep_alive: version, Connection header, framing)? */
bool lty_http1_keep_alive(const lty_http1_t *parser);
/** After an error: llhttp's name for it ("HPE_INVALID_HEADER_TOKEN"); static, never NULL. */
const char *lty_http1_error_name(const lty_http1_t *parser);
/** After an error: llhttp's sentence for it; static, never NULL ("" if none). */
const char *lty_http1_error_reason(const lty_http1_t *parser);

#endif
