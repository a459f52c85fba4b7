/* SPDX-License-Identifier: MIT */
/**
 * @file conn.h
 * Internal to the network layer (server.c, conn.c): event loops, connection slots and the
 * per-connection state machine. Nothing outside daemon/src/{server,conn}.c includes this.
 *
 * A connection moves HANDSHAKE -> READING -> (PENDING) -> WRITING -> READING ... -> CLOSING.
 * One exchange per connection is in flight; pipelined bytes wait in plain_in.
 *
 * Caveats:
 * - Every function here runs on the loop thread that owns the connection, except
 *   lty_exchange_complete() (any thread), which only queues and wakes the loop.
 * - A slot whose peer vanished while its exchange was PENDING stays allocated (ORPHAN) until
 *   the completion arrives; only then is it freed.
 */
#ifndef LTY_CONN_H
#define LTY_CONN_H

#include "exchange.h"
#include "http.h"
#include "server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct lty__loop_s lty__loop_t;

typedef enum lty__conn_state {
    LTY__CONN_FREE = 0,
    LTY__CONN_HANDSHAKE, /* TLS handshake in progress (handshake timer) */
    LTY__CONN_READING,   /* idle between requests or receiving one (idle/request timer) */
    LTY__CONN_PENDING,   /* the API holds the exchange until lty_exchange_complete() */
    LTY__CONN_WRITING,   /* a response is being written */
    LTY__CONN_CLOSING,   /* handles closing; the slot frees when both close callbacks ran */
    LTY__CONN_ORPHAN,    /* handles closed while PENDING: freed at completion */
} lty__conn_state_t;

typedef struct lty__conn_s {
    lty__loop_t *loop;
    uint64_t id;
    lty__conn_state_t state;
    lty_listener_t listener;     /* which socket accepted it: decides TLS config and routes */
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t write_request;
    int handles_open;            /* tcp + timer not yet closed */
    lty_tls_session_t *tls;
    lty_http_t *http;            /* allocated with the slot */
    lty_buf_t plain_in;          /* decrypted, not yet parsed (<= LTY_HTTP_PIPELINE_BYTES_MAX) */
    lty_buf_t response_wire;     /* rendered response before encryption */
    lty_buf_t write_buffer;      /* ciphertext handed to uv_write, stable until its callback */
    bool write_in_flight;
    bool close_after_write;      /* close once everything queued is written */
    bool reading;                /* uv_read_start active */
    bool exchange_live;          /* lty_api_handle was called and release not yet */
    bool request_timer_armed;    /* the request timeout runs for the current request */
    bool peer_closed;            /* EOF, close_notify or error from the peer */
    uint64_t requests_count;     /* on this connection, against the per-connection limit */
    lty_exchange_t exchange;
    struct lty__conn_s *next;    /* free list, or completion queue */
} lty__conn_t;

struct lty__loop_s {
    lty_server_t *server;
    int index;
    bool loop_ready;             /* uv_loop_init and the loop's own handles done */
    uv_loop_t loop;
    uv_tcp_t listener;
    bool listening;
    uv_tcp_t portal_listener;    /* the member portal's socket (options.portal_enabled) */
    bool portal_listening;
    uv_async_t wakeup;           /* completions, stop and reload */
    uv_timer_t drain_timer;
    uv_signal_t signals[3];      /* loop 0 only: SIGTERM, SIGINT, SIGHUP */
    int signals_count;
    uv_thread_t thread;
    lty__conn_t *slots;
    int slots_count;
    lty__conn_t *free_slots;
    int connections_open;        /* slots not FREE (includes ORPHAN) */
    bool stopping;               /* loop has begun its graceful stop */
    bool finished;               /* loop handles closed */
    pthread_mutex_t mutex;       /* guards completed and completions_closed */
    lty__conn_t *completed;
    bool completions_closed;     /* the loop is gone; completions are only recorded */
    char read_buffer[65536];     /* uv reads land here, then go straight into TLS */
};

struct lty_server_s {
    lty_server_options_t options;
    char listen_host[64];
    lty_api_t *api;
    uint16_t port;
    int loops_count;
    lty__loop_t *loops;
    pthread_mutex_t tls_mutex;   /* guards tls */
    lty_tls_server_t *tls;       /* configuration for new connections */
    lty_tls_server_t *portal_tls; /* the portal's (public certificate, no client request) */
    char tls_paths[4][512];      /* copies of the option strings: reload reopens them */
    char portal_host[64];
    uint16_t portal_port;
    char portal_tls_paths[2][512]; /* certificate and key of the portal */
    atomic_bool stop_requested;
    atomic_bool reload_requested;
    atomic_uint_fast64_t next_conn_id;
    atomic_uint_fast64_t next_request_id;
    atomic_uint_fast64_t connections_accepted;
    atomic_uint_fast64_t connections_refused;
    atomic_uint_fast64_t handshakes;
    atomic_uint_fast64_t handshakes_resumed;
    atomic_uint_fast64_t handshake_failures;
    atomic_uint_fast64_t requests;
    atomic_int connections_open;
};

/* conn.c */
int lty__conn_slot_init(lty__conn_t *conn, lty__loop_t *loop);
void lty__conn_slot_deinit(lty__conn_t *conn);
/** Accept a connection from listener (of kind which) into conn (state FREE). */
int lty__conn_accept(lty__conn_t *conn, uv_stream_t *listener, lty_listener_t which);
/** The exchange of conn completed (loop thread, from the completion queue). */
void lty__conn_exchange_done(lty__conn_t *conn);
/** Graceful stop: close idle connections now, the busy ones after their response. */
void lty__conn_stop(lty__conn_t *conn);
/** Drain timeout: close now whatever the state (PENDING becomes ORPHAN). */
void lty__conn_abort(lty__conn_t *conn);

/* server.c */
/** conn's slot is free again (called by conn.c when its handles closed). */
void lty__loop_slot_release(lty__loop_t *loop, lty__conn_t *conn);
/** The exchange's complete_cb: queue it on its loop and wake the loop. Thread-safe. */
void lty__server_exchange_complete(lty_exchange_t *exchange);
/** Current TLS configuration of a listener with a reference taken; the caller unrefs. */
lty_tls_server_t *lty__server_tls_get(lty_server_t *server, lty_listener_t which);

#endif
