/* SPDX-License-Identifier: MIT */
/**
 * @file lty_httpc.h
 * A small blocking HTTP/1.1 client over one TLS connection, shared by the till library
 * (pos-plugin), loyaltyctl, the crash driver and the load driver.
 *
 * Owns (lty_httpc.c): one keep-alive connection to one daemon (opened lazily, reopened when the
 * daemon closed it), request framing, response parsing over the llhttp seam (lty_http1.h,
 * response mode, strict), and the response limits. It knows nothing about JSON or the API:
 * callers render and parse bodies.
 * Owns (lty_httpc_conn.c): the blocking socket under that connection: name resolution, connect,
 * poll with deadlines, send and receive, driving a TLS session of the mbedTLS seam
 * (lty_tls_session_* over memory buffers; the seam itself has no sockets). lty_httpc_conn_* is
 * public so tests and load drivers can hold raw connections that frame their own bytes.
 *
 * Caveats:
 * - Not thread-safe: one lty_httpc_t (or lty_httpc_conn_t) is used by one thread at a time.
 *   Distinct clients on distinct threads share nothing but the process-wide random generator.
 * - Never prints and never aborts on input: contract violations of lty_httpc_* return
 *   LTY_E_CLIENT_BUG and are reported through options.log_cb, so the till library can link it.
 *   Every line of the client, its TLS configuration and its sessions goes to options.log_cb
 *   (none when it is NULL), never to the process log.
 * - Session resumption: every connection after the first offers the last session ticket the
 *   daemon gave this client, so a reconnect costs an abbreviated handshake.
 * - Allocation happens in lty_httpc_init() (the buffers, the response parser and the TLS
 *   configuration) and in the TLS session (mbedTLS and its ciphertext buffers) when a connection
 *   is (re)opened. lty_httpc_request() itself allocates only if the
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
#include "lty/lty_http1.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"
#include "lty/lty_tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LTY_HTTPC_HOST_BYTES_MAX 255
#define LTY_HTTPC_CONTENT_TYPE_SIZE 128
#define LTY_HTTPC_SET_COOKIE_SIZE 256
#define LTY_HTTPC_EXTRA_HEADERS_MAX 8
#define LTY_HTTPC_RECV_BUFFER_SIZE (16 * 1024)
#define LTY_HTTPC_TIMEOUT_MS_DEFAULT 10000

/** Everything lty_httpc_init() needs. Strings are copied or used only during init. */
typedef struct lty_httpc_options_s {
    const char *host;         /* daemon host name or IP address ("127.0.0.1") */
    uint16_t port;            /* daemon port, > 0 */
    const char *ca_cert_path; /* programme CA (PEM): the daemon must chain to it */
    const char *cert_path;    /* client certificate (PEM), or NULL for none */
    const char *key_path;     /* client private key (PEM), or NULL */
    const char *server_name;  /* expected name in the server certificate; NULL = CA pinned only */
    lty_log_cb log_cb;        /* every line of this client, its TLS included (never secrets or
                               * bodies); NULL: silent */
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
    char set_cookie[LTY_HTTPC_SET_COOKIE_SIZE]; /* read-only: "name=value" of the first
                                * Set-Cookie (a portal login's session), "" when none or longer */
    lty_buf_t body;            /* public: the caller inits it (limit) and deinits it */
} lty_httpc_response_t;

/** One blocking TLS connection over a TCP socket. Zeroed means closed. */
typedef struct lty_httpc_conn_s {
    lty_tls_session_t *session; /* private: NULL when closed */
    int fd;                     /* private: the socket, while session is not NULL */
} lty_httpc_conn_t;

/** One client: a TLS configuration and at most one open connection. */
typedef struct lty_httpc_s {
    lty_tls_client_t *tls;                    /* private */
    lty_httpc_conn_t conn;                    /* private: closed when disconnected */
    lty_http1_t *parser;                      /* private: the response parser */
    char host[LTY_HTTPC_HOST_BYTES_MAX + 1];  /* private */
    uint16_t port;                            /* private */
    lty_logger_t logger;                      /* private: options.log_cb and log_userdata */
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
 * Send the next requests to host:port instead (another node of a replicated daemon: the same
 * programme CA and server name). Closes the current connection when the target changes.
 * @return 0, or LTY_E_CLIENT_BUG (NULL, empty or malformed host, port 0).
 */
int lty_httpc_target_set(lty_httpc_t *httpc, const char *host, uint16_t port);

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

/* ---- Raw connections (lty_httpc_conn.c) -------------------------------------------------- */

/**
 * Connect to host:port and complete the TLS handshake within timeout_ms, offering tls's last
 * session for resumption.
 * @param[out] conn  Caller-allocated; overwritten. Closed again on failure.
 * @param[in]  tls   Must outlive the connection; its log callback gets the TLS lines.
 * @return 0, LTY_E_NET (no address, refused, reset, closed during the handshake),
 *         LTY_E_NET_TIMEOUT, LTY_E_TLS_HANDSHAKE (a certificate refused, on either side),
 *         LTY_E_TLS, LTY_E_NOMEM.
 */
int lty_httpc_conn_open(lty_httpc_conn_t *conn, lty_tls_client_t *tls, const char *host,
                        uint16_t port, int timeout_ms);
/** Write all size bytes, or fail: 0, LTY_E_NET, LTY_E_NET_TIMEOUT, LTY_E_NOMEM. */
int lty_httpc_conn_write(lty_httpc_conn_t *conn, const void *bytes, size_t size, int timeout_ms);
/**
 * Read up to out_size (> 0) bytes, waiting at most timeout_ms for the first.
 * @return > 0: bytes read; 0: the peer closed (close_notify, or the stream ended: framed data
 *         the caller has is complete only if its framing says so); LTY_E_NET, LTY_E_NET_TIMEOUT.
 */
int lty_httpc_conn_read(lty_httpc_conn_t *conn, void *out, size_t out_size, int timeout_ms);
/** True once open when the handshake resumed a session by ticket. */
bool lty_httpc_conn_resumed(const lty_httpc_conn_t *conn);
/** Send close_notify if the socket takes it at once (never waits), close. Idempotent; accepts a
 *  zeroed conn. */
void lty_httpc_conn_close(lty_httpc_conn_t *conn);

#endif
