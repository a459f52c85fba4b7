/* SPDX-License-Identifier: MIT */
/**
 * @file lty_httpc.h
 * A small blocking HTTP/1.1 client over one lty_tls_conn, shared by the till library
 * (pos-plugin) and loyaltyctl.
 *
 * Owns: one keep-alive TLS connection to one daemon (opened lazily, reopened when the daemon
 * closed it), request framing, response parsing with llhttp (HTTP_RESPONSE mode, no lenient
 * flags), and the response limits. It knows nothing about JSON or the API: callers render and
 * parse bodies.
 *
 * Caveats:
 * - Not thread-safe: one lty_httpc_t is used by one thread at a time.
 * - Never prints and never aborts: contract violations return LTY_E_CLIENT_BUG and are
 *   reported through options.log_cb (when set), so the till library can link it.
 * - Allocation happens in lty_httpc_init() (the receive buffer and the TLS configuration) and in
 *   mbedTLS when a connection is (re)opened. lty_httpc_request() itself allocates only if the
 *   caller's response body buffer must grow; reserve it up front to avoid that.
 * - A request on a reused keep-alive connection that fails before any response byte arrived is
 *   sent once more on a fresh connection, but only when it is safe to repeat: method GET or HEAD,
 *   or an Idempotency-Key is present. Other failures are returned, never retried here: retry
 *   policy belongs to the caller.
 * - The timeout of a request is one deadline for the whole call: connecting, the TLS handshake,
 *   writing and reading the complete response.
 * - Response header lines and the response body are bounded (LTY_HTTP_HEADER_BYTES_MAX and the
 *   body buffer's capacity_max); a response over a bound is LTY_E_BAD_RESPONSE and the
 *   connection is closed, since its framing can no longer be trusted.
 */
#ifndef LTY_HTTPC_H
#define LTY_HTTPC_H

#include "lty/lty_buf.h"
#include "lty/lty_limits.h"
#include "lty/lty_tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LTY_HTTPC_HOST_BYTES_MAX 255
#define LTY_HTTPC_CONTENT_TYPE_SIZE 128
#define LTY_HTTPC_EXTRA_HEADERS_MAX 8
#define LTY_HTTPC_RECV_BUFFER_SIZE (16 * 1024)
#define LTY_HTTPC_TIMEOUT_MS_DEFAULT 10000

/** Log callback: level is an lty_log_level (LTY_LOG_ERR..LTY_LOG_DEBUG); message has no newline
 *  and is valid only during the call. Never receives secrets or bodies. */
typedef void (*lty_httpc_log_cb)(int level, const char *message, void *userdata);

/** Everything lty_httpc_init() needs. Strings are copied or used only during init. */
typedef struct lty_httpc_options_s {
    const char *host;         /* daemon host name or IP address ("127.0.0.1") */
    uint16_t port;            /* daemon port, > 0 */
    const char *ca_cert_path; /* programme CA (PEM): the daemon must chain to it */
    const char *cert_path;    /* client certificate (PEM), or NULL for none */
    const char *key_path;     /* client private key (PEM), or NULL */
    const char *server_name;  /* expected name in the server certificate; NULL = CA pinned only */
    lty_httpc_log_cb log_cb;  /* NULL: silent */
    void *log_userdata;
} lty_httpc_options_t;

/** One extra request header. Name and value must not contain CR, LF or NUL. */
typedef struct lty_httpc_header_s {
    const char *name;
    const char *value;
} lty_httpc_header_t;

/** A request. Everything is borrowed for the duration of lty_httpc_request() only. */
typedef struct lty_httpc_request_s {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* origin form, starts with '/', e.g. "/v1/till/sales" */
    const char *idempotency_key; /* NULL, or 1..64 printable ASCII characters */
    const char *content_type;    /* NULL, or e.g. "application/json" when there is a body */
    const void *body;            /* NULL when body_size is 0 */
    size_t body_size;            /* <= LTY_HTTP_BODY_BYTES_MAX */
    const lty_httpc_header_t *headers; /* extra headers, NULL when headers_count is 0 */
    size_t headers_count;        /* <= LTY_HTTPC_EXTRA_HEADERS_MAX */
    int timeout_ms;              /* deadline for the whole call; <= 0 means the default */
} lty_httpc_request_t;

/** A response. The caller owns body and sets its limit with lty_buf_init(&body, max). */
typedef struct lty_httpc_response_s {
    int status;                /* read-only: 100..599 */
    bool idempotent_replayed;  /* read-only: header Idempotent-Replayed: true */
    bool connection_reused;    /* read-only: sent on a kept-alive connection */
    bool resent;               /* read-only: the kept-alive connection failed before any
                                * answer and the request was sent again on a new one; the
                                * first send may have reached the daemon (a key replays it) */
    char content_type[LTY_HTTPC_CONTENT_TYPE_SIZE]; /* read-only: "" when absent */
    lty_buf_t body;            /* public: the caller inits it (limit) and deinits it */
} lty_httpc_response_t;

/** One client: a TLS configuration and at most one open connection. */
typedef struct lty_httpc_s {
    lty_tls_client_t *tls;                    /* private */
    lty_tls_conn_t *conn;                     /* private: NULL when disconnected */
    char host[LTY_HTTPC_HOST_BYTES_MAX + 1];  /* private */
    uint16_t port;                            /* private */
    lty_httpc_log_cb log_cb;                  /* private */
    void *log_userdata;                       /* private */
    char *recv_buffer;                        /* private: LTY_HTTPC_RECV_BUFFER_SIZE bytes */
    char *head_buffer;                        /* private: LTY_HTTP_HEADER_BYTES_MAX bytes */
    uint64_t requests_count;                  /* read-only: responses received */
    uint64_t connects_count;                  /* read-only: connections opened */
    bool request_written;                     /* read-only: the last request's bytes were
                                               * (at least partly) handed to TLS, so on an
                                               * error the daemon may have acted on it */
} lty_httpc_t;

/**
 * Prepare a client: copy the address, load the TLS configuration, allocate the buffers.
 * Does not connect; the first request does.
 * @param[out] httpc    Caller-allocated; zeroed or garbage on entry.
 * @param[in]  options  Borrowed during the call only.
 * @return 0, LTY_E_CLIENT_BUG (NULL pointers, empty host, port 0), LTY_E_TLS (unreadable or
 *         mismatched certificate files), LTY_E_NOMEM. On failure httpc needs no deinit, though
 *         calling it is harmless.
 */
int lty_httpc_init(lty_httpc_t *httpc, const lty_httpc_options_t *options);

/** Close the connection and free everything. Idempotent; accepts a zeroed httpc. */
void lty_httpc_deinit(lty_httpc_t *httpc);

/** Close the current connection, if any; the next request opens a new one. */
void lty_httpc_disconnect(lty_httpc_t *httpc);

/**
 * Send one request and read its complete response.
 *
 * @param[in]  httpc     From lty_httpc_init().
 * @param[in]  request   Borrowed for the call only.
 * @param[out] response  response->body must have been initialised by the caller; it is reset,
 *                       then filled. Other fields are overwritten. Valid until the caller
 *                       reuses or deinits it.
 * @return 0 when a complete response arrived, whatever its status (a 4xx or 5xx is a response,
 *         not an error here). Otherwise:
 *         LTY_E_NET (connect refused, connection reset or closed early),
 *         LTY_E_NET_TIMEOUT (the deadline passed),
 *         LTY_E_TLS_HANDSHAKE (the daemon's certificate did not verify, or ours was refused),
 *         LTY_E_BAD_RESPONSE (not HTTP/1.1, over a limit, or malformed),
 *         LTY_E_CLIENT_BUG (a malformed request: bad method, path, header or sizes),
 *         LTY_E_NOMEM.
 *         After any error the connection is closed.
 * @note On LTY_E_NET or LTY_E_NET_TIMEOUT the daemon may or may not have processed the request:
 *       repeat it with the same Idempotency-Key.
 */
int lty_httpc_request(lty_httpc_t *httpc, const lty_httpc_request_t *request,
                      lty_httpc_response_t *response);

#endif
