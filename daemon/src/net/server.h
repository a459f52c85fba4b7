/* SPDX-License-Identifier: MIT */
/**
 * @file server.h
 * The network side of loyaltyd: event loops, listener, connection slots, signals.
 *
 * Owns: N libuv loops (one thread each) sharing one listening port via SO_REUSEPORT (and, when
 * the member portal is enabled, one more loop, niced, alone on the portal's port), the
 * connection slots (LTY_CONNECTIONS_MAX, allocated at start), their admission (caps per client
 * address, slots reserved for certified clients, eviction; guard.c), request rate limits
 * (ratelimit.c), handshake/idle/request timeouts, the completion queue each loop drains (an
 * exchange's complete_cb), graceful stop on SIGTERM/SIGINT (stop accepting, finish in-flight
 * exchanges, close), and TLS reload on SIGHUP.
 *
 * Does not own: request semantics (api/), the store or the writer.
 */
#ifndef LTY_SERVER_H
#define LTY_SERVER_H

#include "exchange.h"
#include "lty/lty_tls.h"

#include <stdint.h>

typedef struct lty_server_s lty_server_t;

typedef struct lty_server_options_s {
    const char *listen_host;       /* "127.0.0.1" */
    uint16_t listen_port;          /* 0 = any free port (see lty_server_port) */
    int loops;                     /* event-loop threads, 1..LTY_LOOPS_MAX */
    int connections_max;           /* total across loops, <= LTY_CONNECTIONS_MAX */
    int handshake_timeout_ms;
    int idle_timeout_ms;           /* keep-alive idle */
    int request_timeout_ms;        /* first byte of a request to its last */
    int drain_timeout_ms;          /* SIGTERM: longest wait for in-flight exchanges */
    /* Admission (guard.c) and request rate limits (ratelimit.c). 0 = no cap / no limit. */
    int connections_per_address_max;     /* uncertified connections per client address */
    int connections_reserved_percent;    /* of connections_max, only certified clients fill */
    int64_t rate_certificate_requests_per_s; /* per client certificate */
    int64_t rate_certificate_burst;
    int64_t rate_address_requests_per_s; /* per client address, requests without certificate */
    int64_t rate_address_burst;
    lty_net_event_cb event_cb;     /* security events; NULL = logged and counted only */
    void *event_userdata;
    lty_tls_server_options_t tls;
    /* The member portal's listener: a loop thread of its own at a lower CPU priority, its own
     * socket and certificate, no client certificate request (portal_tls.ca_cert_path must be
     * NULL). Its slots come out of connections_max: the reserved slots stay on the other loops,
     * the rest is split equally over every loop, the portal's included. */
    bool portal_enabled;
    const char *portal_host;       /* "0.0.0.0" */
    uint16_t portal_port;          /* 0 = any free port (see lty_server_portal_port) */
    lty_tls_server_options_t portal_tls;
    int ready_fd;                  /* >= 0: write "<port>\n" there once listening, then close
                                    * ("<port> <portal port>\n" with the portal enabled) */
} lty_server_options_t;

/** Bind and prepare (does not start threads). 0, LTY_E_NET-ish errors, LTY_E_TLS, LTY_E_NOMEM. */
int lty_server_open(lty_server_t **server_out, const lty_server_options_t *options,
                    lty_api_t *api);
/** The bound port (useful with listen_port 0). */
uint16_t lty_server_port(const lty_server_t *server);
/** The portal's bound port; 0 when the portal is not enabled. */
uint16_t lty_server_portal_port(const lty_server_t *server);
/** Run the loops until SIGTERM/SIGINT, then drain and return 0. Blocks the calling thread. */
int lty_server_run(lty_server_t *server);
/** Ask a running server to stop as SIGTERM would (thread-safe). */
void lty_server_stop(lty_server_t *server);
void lty_server_close(lty_server_t *server);
/**
 * Reopen the TLS files of the options (what SIGHUP does) and use the new configuration for new
 * connections; open connections keep theirs, except that every open connection whose client
 * certificate the new revocation list names is closed (by its loop, soon after this returns; a
 * request that reaches the API first is refused 401). Thread-safe.
 * @return 0, or LTY_E_TLS / LTY_E_NOMEM with the previous configuration kept (logged).
 */
int lty_server_reload(lty_server_t *server);

/* The counters are the API seam's lty_net_stats_t. main.c registers lty_server_stats_cb as the
 * api's net_stats_cb, so /metrics reads them without the API calling into this layer. */
typedef lty_net_stats_t lty_server_stats_t;
void lty_server_stats(lty_server_t *server, lty_server_stats_t *stats_out);
/** lty_server_stats() in the shape of lty_net_stats_cb (userdata: the server). */
void lty_server_stats_cb(void *server, lty_net_stats_t *stats_out);

#endif
