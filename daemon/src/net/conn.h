/* SPDX-License-Identifier: MIT */
/**
 * @file conn.h
 * Internal to the network layer (server.c, conn.c): event loops, connection slots and the
 * per-connection state machine. Nothing outside daemon/src/{server,conn}.c includes this.
 *
 * A connection moves HANDSHAKE -> READING -> (PENDING) -> WRITING -> READING ... -> CLOSING.
 * One exchange per connection is in flight; pipelined bytes wait in plain_in.
 *
 * Admission (guard.c): a connection is "uncertified" from accept until its handshake ends with a
 * verified client certificate (for good if it presents none). Uncertified connections are
 * capped per client address and to the slots not reserved for certified ones, and are evicted
 * first, least recently active first, when a cap or the loop is full; idle certified ones go
 * next. Every refusal, eviction, throttle, revocation cut and failed handshake passes through
 * lty__net_event().
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
#include "ratelimit.h"
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
    lty_tls_peer_t peer;         /* set when the handshake ends; role NONE: no certificate */
    uint64_t tls_generation;     /* server TLS configuration the peer was last checked against */
    uint64_t address_key;        /* lty_rate_key_hash of the remote address */
    uint64_t certificate_key;    /* lty_rate_key_hash of the peer's serial; 0 if uncertified */
    bool counted;                /* admitted: counted in the loop's connections_active */
    bool uncertified;            /* on the loop's uncertified list, counted for its address */
    uint64_t idle_since_ms;      /* loop time it last became idle (choice of an idle victim) */
    struct lty__conn_s *lru_prev; /* uncertified list, least recently active first */
    struct lty__conn_s *lru_next;
    lty_exchange_t exchange;
    struct lty__conn_s *next;    /* free list, or completion queue */
} lty__conn_t;

/* Security events of the network layer (guard.c: lty__net_event). */
typedef enum lty__net_event_kind {
    LTY__NET_EVENT_CONNECTION_REFUSED = 0,
    LTY__NET_EVENT_CONNECTION_EVICTED,
    LTY__NET_EVENT_REQUEST_THROTTLED,
    LTY__NET_EVENT_CERTIFICATE_REVOKED,
    LTY__NET_EVENT_HANDSHAKE_FAILED,
    LTY__NET_EVENTS_COUNT,
} lty__net_event_kind_t;

/* One event name's log budget on one loop: LTY_NET_EVENTS_LOGGED_PER_S per second. */
typedef struct lty__net_event_window_s {
    uint64_t window_start_ms;
    int logged;                  /* in the current window */
    uint64_t suppressed;         /* since the last logged one */
} lty__net_event_window_t;

/* Uncertified connections per client address on one loop (open addressing, linear probing). */
typedef struct lty__address_count_s {
    uint64_t key;                /* address_key; 0 = empty */
    int count;
} lty__address_count_t;

struct lty__loop_s {
    lty_server_t *server;
    int index;
    bool loop_ready;             /* uv_loop_init and the loop's own handles done */
    uv_loop_t loop;
    uv_tcp_t listener;
    bool listening;
    uv_tcp_t portal_listener;    /* the member portal's socket (options.portal_enabled) */
    bool portal_listening;
    bool portal_only;            /* the portal's own loop: listens on its socket only */
    uv_async_t wakeup;           /* completions, stop and reload */
    uv_timer_t drain_timer;
    uv_signal_t signals[3];      /* loop 0 only: SIGTERM, SIGINT, SIGHUP */
    int signals_count;
    uv_thread_t thread;
    lty__conn_t *slots;
    int slots_count;             /* connections_max's share plus spare slots for closing ones */
    lty__conn_t *free_slots;
    int connections_open;        /* slots not FREE (includes ORPHAN) */
    int connections_peak;        /* most open since the heap was last trimmed */
    bool accept_deferred[2];     /* per listener: a connection waits there for a closing slot */
    /* Admission (guard.c). */
    int connections_active;      /* admitted and not closing: at most connections_max_share */
    int connections_max_share;   /* this loop's part of connections_max */
    int uncertified_count;
    int uncertified_max;         /* connections_max_share less the reserved part */
    int per_address_max;         /* uncertified per address on this loop; 0 = no cap */
    lty__conn_t *lru_head;       /* uncertified connections, least recently active first */
    lty__conn_t *lru_tail;
    lty__address_count_t *addresses;
    size_t addresses_mask;
    lty__net_event_window_t events[LTY__NET_EVENTS_COUNT];
    uint64_t tls_generation;     /* the server's, as of this loop's last revocation sweep */
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
    pthread_mutex_t tls_mutex;   /* guards tls and tls_generation's changes */
    lty_tls_server_t *tls;       /* configuration for new connections */
    lty_tls_server_t *portal_tls; /* the portal's (public certificate, no client request) */
    atomic_uint_fast64_t tls_generation; /* +1 per reload: open peers are checked again */
    lty_rate_table_t *rate_certificates;
    lty_rate_table_t *rate_addresses;
    lty_rate_limit_t rate_certificate;
    lty_rate_limit_t rate_address;
    uint64_t key_seed;           /* random per process: hashes of addresses and serials */
    char tls_paths[4][512];      /* copies of the option strings: reload reopens them */
    char portal_host[64];
    uint16_t portal_port;
    char portal_tls_paths[2][512]; /* certificate and key of the portal */
    atomic_bool stop_requested;
    atomic_bool reload_requested;
    atomic_uint_fast64_t next_conn_id;
    atomic_uint_fast64_t next_request_id;
    atomic_uint_fast64_t connections_accepted;
    atomic_uint_fast64_t handshakes;
    atomic_uint_fast64_t handshakes_resumed;
    atomic_uint_fast64_t requests;
    atomic_uint_fast64_t tls_reloads;
    atomic_uint_fast64_t events[LTY__NET_EVENTS_COUNT];
    atomic_uint_fast64_t events_suppressed;
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

/** Close conn now because admission chose it as a victim (guard.c). */
void lty__conn_evict(lty__conn_t *conn);
/** Is conn idle: no request started, nothing buffered, no exchange (a victim when full)? */
bool lty__conn_idle(const lty__conn_t *conn);
/** Close conn if its certificate was revoked by a reload (the loop's revocation sweep). */
void lty__conn_revocation_check(lty__conn_t *conn);

/* guard.c */
/** Prepare the loop's admission state for connections_max_share connections, reserved of them
 * only for certified clients (server.c: server_loop_share). loop->portal_only must be set. */
int lty__guard_loop_init(lty__loop_t *loop, int connections_max_share, int reserved);
void lty__guard_loop_deinit(lty__loop_t *loop);
/**
 * Admit the freshly accepted conn (remote address known), evicting a victim when a cap or the
 * loop is full. false: refused (logged and counted); the caller closes conn.
 */
bool lty__guard_admit(lty__loop_t *loop, lty__conn_t *conn);
/** conn is closing: it no longer counts. Idempotent. */
void lty__guard_release(lty__loop_t *loop, lty__conn_t *conn);
/** conn's handshake ended with a verified client certificate: it leaves the uncertified. */
void lty__guard_certified(lty__loop_t *loop, lty__conn_t *conn);
/** conn finished a request and is idle again: an uncertified one moves to the list's tail. */
void lty__guard_idle(lty__loop_t *loop, lty__conn_t *conn);
/**
 * Count and (at a bounded rate) log a security event and pass it to the server's event_cb.
 * principal: "till:S001/T01", "operator:x" or NULL ("-"); address may be NULL ("unknown");
 * detail_format: printf-style, formatted only when the event is logged. Loop thread only.
 */
void lty__net_event(lty__loop_t *loop, lty__net_event_kind_t kind, const char *principal,
                    const char *address, const char *detail_format, ...)
    __attribute__((format(printf, 5, 6)));
/** The principal string of a peer ("till:S001/T01", "operator:alice") into out, or "-". */
void lty__net_principal(const lty_tls_peer_t *peer, char *out, size_t out_size);

/* server.c */
/** conn's slot is free again (called by conn.c when its handles closed). */
void lty__loop_slot_release(lty__loop_t *loop, lty__conn_t *conn);
/** The exchange's complete_cb: queue it on its loop and wake the loop. Thread-safe. */
void lty__server_exchange_complete(lty_exchange_t *exchange);
/** Current TLS configuration of a listener with a reference taken, and the generation of the
 *  main one (reloads); the caller unrefs. */
lty_tls_server_t *lty__server_tls_get(lty_server_t *server, lty_listener_t which,
                                      uint64_t *generation_out);

#endif
