/* SPDX-License-Identifier: MIT */
/**
 * @file exchange.h
 * One HTTP request and its response: the boundary between the network layer (server.c,
 * conn.c, http.c) and the API layer (api.c, api_*.c).
 *
 * Flow: conn.c fills exchange->request and calls lty_api_handle(). The API either fills
 * exchange->response and returns LTY_API_DONE, or returns LTY_API_PENDING and later (from any
 * thread, typically the writer's done_cb) calls lty_exchange_complete() exactly once; that runs
 * the complete_cb the network layer set on the exchange, which sends the response on the loop
 * thread that owns the connection. So the API layer never calls into the network layer: the
 * dependency points one way (net -> api), and this header, owned by the API layer, is the seam.
 *
 * Caveats:
 * - request.body is a view valid until the response has been sent.
 * - A connection whose peer vanished keeps its exchange alive until completion.
 * - One exchange per connection is in flight at a time: pipelined requests wait their turn.
 */
#ifndef LTY_EXCHANGE_H
#define LTY_EXCHANGE_H

#include "lty/lty_buf.h"
#include "lty/lty_limits.h"
#include "lty/lty_tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lty_method {
    LTY_METHOD_OTHER = 0,
    LTY_METHOD_GET,
    LTY_METHOD_HEAD,
    LTY_METHOD_POST,
    LTY_METHOD_PUT,
    LTY_METHOD_PATCH,
    LTY_METHOD_DELETE,
} lty_method_t;

/** Which listening socket a request arrived on: the till/operator listener (mutual TLS) or the
 *  member portal's public one. The route table says which routes each one serves. */
typedef enum lty_listener {
    LTY_LISTENER_MAIN = 0,
    LTY_LISTENER_PORTAL = 1,
} lty_listener_t;

#define LTY_COOKIE_BYTES_MAX 1024
#define LTY_ETAG_BYTES_MAX 64
#define LTY_ACCEPT_LANGUAGE_BYTES_MAX 127 /* the portal's page reads the first ranges only */
#define LTY_RESPONSE_HEADERS_BYTES_MAX 1024

typedef struct lty_request_s {
    lty_method_t method;
    char path[LTY_HTTP_URL_BYTES_MAX + 1];  /* percent-encoded as received, without the query */
    char query[LTY_HTTP_URL_BYTES_MAX + 1]; /* after '?', "" if none */
    const char *body;                       /* view; NULL when size 0 */
    size_t body_size;
    bool idempotency_key_present;
    char idempotency_key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1];
    bool idempotency_key_invalid; /* present but empty, too long, or not printable ASCII */
    char content_type[64];        /* as sent, "" if none */
    char cookie[LTY_COOKIE_BYTES_MAX + 1];
    char csrf_token[128];         /* X-CSRF-Token header */
    char if_none_match[LTY_ETAG_BYTES_MAX + 1]; /* If-None-Match, "" if none or too long */
    bool accept_gzip;             /* Accept-Encoding lists gzip (without q=0) */
    char accept_language[LTY_ACCEPT_LANGUAGE_BYTES_MAX + 1]; /* as sent; a longer one is cut */
    lty_listener_t listener;      /* set by the network layer */
    char remote_addr[48];         /* "127.0.0.1" */
    lty_tls_peer_t peer;          /* verified client certificate, role NONE if none */
    uint64_t request_id;
    uint64_t conn_id;
    int64_t received_ms;          /* monotonic */
} lty_request_t;

typedef struct lty_response_s {
    int status;
    const char *content_type;     /* static string; NULL = "application/json" */
    lty_buf_t body;               /* owned by the exchange, reused across requests */
    char headers[LTY_RESPONSE_HEADERS_BYTES_MAX]; /* extra "Name: value\r\n" lines */
    size_t headers_size;
    bool close;                   /* close the connection after sending */
} lty_response_t;

typedef struct lty_exchange_s lty_exchange_t;
/** Set by the network layer: hand a completed exchange back to its loop. Thread-safe. */
typedef void (*lty_exchange_complete_cb)(lty_exchange_t *exchange);

struct lty_exchange_s {
    lty_request_t request;
    lty_response_t response;
    void *api_state;                     /* private to the API layer: job and parse state */
    void *net_owner;                     /* private to the network layer */
    lty_exchange_complete_cb complete_cb; /* private to the network layer (conn.c sets it) */
};

enum { LTY_API_DONE = 0, LTY_API_PENDING = 1 };

typedef struct lty_api_s lty_api_t;

/** Implemented by the API layer (api.c). Called on a loop thread. */
int lty_api_handle(lty_api_t *api, lty_exchange_t *exchange);
/** Implemented by the API layer: release exchange->api_state (connection closing). */
void lty_api_exchange_release(lty_api_t *api, lty_exchange_t *exchange);
/** Hand a PENDING exchange back to the network layer (its complete_cb). Thread-safe; call
 *  exactly once per PENDING. */
static inline void lty_exchange_complete(lty_exchange_t *exchange)
{
    exchange->complete_cb(exchange);
}

/** What the network layer counts, for /metrics (read through lty_api_t.net_stats_cb). */
typedef struct lty_net_stats_s {
    uint64_t connections_accepted;
    uint64_t connections_refused;   /* full, or an address at its cap, with nothing to evict */
    uint64_t handshakes;
    uint64_t handshakes_resumed;
    uint64_t handshake_failures;
    uint64_t requests;
    int connections_open;
    uint64_t connections_evicted;   /* to make room: uncertified or idle ones */
    uint64_t requests_throttled;    /* 429: a certificate's or an address's rate exceeded */
    uint64_t connections_revoked;   /* closed because a reload revoked their certificate */
    uint64_t security_events_suppressed; /* counted but not logged (rate-bounded log) */
    uint64_t tls_reloads;           /* SIGHUP reloads that took effect */
    uint64_t rate_table_saturated;  /* requests let through because a rate table was full */
} lty_net_stats_t;
/** Fill stats_out with the network layer's counters; userdata is what registered it. */
typedef void (*lty_net_stats_cb)(void *userdata, lty_net_stats_t *stats_out);

/**
 * A security event of the network layer: a connection refused or evicted, a request throttled,
 * a connection cut because its certificate was revoked, a failed handshake. Every one is counted
 * (lty_net_stats_t); at most a few per second per event name and loop are logged
 * ("event=<name> principal= remote= ...") and passed to the registered lty_net_event_cb, the
 * others are summed into the next one's suppressed.
 */
typedef struct lty_net_event_s {
    const char *name;      /* "connection_refused", "connection_evicted", "request_throttled",
                              "certificate_revoked", "handshake_failed" */
    const char *principal; /* "till:S001/T01", "operator:alice", or "-" (no certificate) */
    const char *address;   /* the peer's address, "unknown" when it could not be read */
    const char *detail;    /* key=value pairs ("reason=address_cap conn=17"); no secrets */
    uint64_t suppressed;   /* events of this name not passed on since the previous one */
} lty_net_event_t;
/**
 * Receives the network layer's security events (registered through lty_server_options_t's
 * event_cb, e.g. by the API layer to append them to the audit trail). Called on an event-loop
 * thread: must not block; the strings are views valid during the call.
 */
typedef void (*lty_net_event_cb)(void *userdata, const lty_net_event_t *event);
/** Append an extra response header line ("Name: value\r\n" is added). Truncation is a bug. */
void lty_response_header_add(lty_response_t *response, const char *name, const char *value);

#endif
