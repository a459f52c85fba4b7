/* SPDX-License-Identifier: MIT */
/* The network side of loyaltyd: N libuv loops, one thread each, all accepting on one port
 * through SO_REUSEPORT, and with the member portal enabled one more loop of its own for the
 * portal's listener; connection slots allocated at start and split across the loops; the
 * completion queue through which other threads hand finished exchanges back to their loop;
 * graceful stop (SIGTERM/SIGINT) and TLS reload (SIGHUP). Per-connection behaviour lives in
 * conn.c, framing in http.c; this file never reads a request.
 *
 * libuv 1.44 has no UV_TCP_REUSEPORT, so each listening socket is made here (socket,
 * SO_REUSEPORT, bind) and given to libuv with uv_tcp_open. The kernel then spreads incoming
 * connections over the loops, so a burst of full handshakes uses every core.
 *
 * Why the portal has a loop of its own, at a lower CPU priority (nice +SERVER_PORTAL_NICE): a
 * loop serves its connections in turn, so tills sharing loops with a thousand members reading
 * dashboards waited behind them (bench/portal.sh: till p99 doubled with members reading every
 * second, and went past a second with members reading back to back). On its own thread the
 * portal takes the CPU the tills leave, and the kernel gives the tills theirs first. */
#include "conn.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"
#include "lty/lty_thread.h"

#include <arpa/inet.h>
#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SERVER_LISTEN_BACKLOG 511
/* Slots beyond a loop's share of connections_max, so a newcomer is admitted at once while the
 * connection it evicted is still closing (libuv frees a handle one loop turn later). */
#define SERVER_SPARE_SLOTS_MIN 4
#define SERVER_SPARE_SLOTS_DIVISOR 16
/* After a flood, give freed memory back to the kernel once this many connections were open and
 * three quarters of them have gone (glibc keeps freed heap pages otherwise). */
#define SERVER_TRIM_PEAK_MIN 64
/* The portal's loop thread runs at this nice value (higher: less CPU when contended). */
#define SERVER_PORTAL_NICE 10

static void loop_accept(lty__loop_t *loop, lty_listener_t which);

/* ---- Completions ------------------------------------------------------------------------- */

void lty__server_exchange_complete(lty_exchange_t *exchange)
{
    LTY_ASSERT(exchange != NULL && exchange->net_owner != NULL);
    lty__conn_t *conn = exchange->net_owner;
    lty__loop_t *loop = conn->loop;
    pthread_mutex_lock(&loop->mutex);
    conn->next = loop->completed;
    loop->completed = conn;
    /* After the loop has finished (drain timeout) the completion is only recorded: the slot is
     * released by lty_server_close(). */
    if (!loop->completions_closed) uv_async_send(&loop->wakeup);
    pthread_mutex_unlock(&loop->mutex);
}

/* ---- Loop lifecycle ---------------------------------------------------------------------- */

static bool loop_busy_slots(const lty__loop_t *loop, bool orphans_count)
{
    for (int index = 0; index < loop->slots_count; index++) {
        lty__conn_state_t state = loop->slots[index].state;
        if (state == LTY__CONN_FREE) continue;
        if (state == LTY__CONN_ORPHAN && !orphans_count) continue;
        return true;
    }
    return false;
}

static void loop_handle_close_cb(uv_handle_t *handle)
{
    (void)handle;
}

/* Every connection is gone (or abandoned after the drain timeout): close the loop's own
 * handles so uv_run returns. */
static void loop_maybe_finish(lty__loop_t *loop)
{
    if (!loop->stopping || loop->finished) return;
    bool drain_expired = !uv_is_active((uv_handle_t *)&loop->drain_timer);
    if (loop_busy_slots(loop, !drain_expired)) return;
    loop->finished = true;
    pthread_mutex_lock(&loop->mutex);
    loop->completions_closed = true;
    pthread_mutex_unlock(&loop->mutex);
    uv_close((uv_handle_t *)&loop->wakeup, loop_handle_close_cb);
    uv_close((uv_handle_t *)&loop->drain_timer, loop_handle_close_cb);
    for (int index = 0; index < loop->signals_count; index++) {
        uv_close((uv_handle_t *)&loop->signals[index], loop_handle_close_cb);
    }
}

static void loop_drain_timer_cb(uv_timer_t *timer)
{
    lty__loop_t *loop = timer->data;
    int busy = 0;
    for (int index = 0; index < loop->slots_count; index++) {
        if (loop->slots[index].state == LTY__CONN_FREE) continue;
        busy++;
        lty__conn_abort(&loop->slots[index]);
    }
    LTY_LOG(LTY_LOG_WARN, "err=UNAVAILABLE what=drain_timeout loop=%d connections=%d "
            "timeout_ms=%d", loop->index, busy, loop->server->options.drain_timeout_ms);
    loop_maybe_finish(loop);
}

static void loop_stop_begin(lty__loop_t *loop)
{
    loop->stopping = true;
    if (loop->listening) {
        loop->listening = false;
        uv_close((uv_handle_t *)&loop->listener, loop_handle_close_cb);
    }
    if (loop->portal_listening) {
        loop->portal_listening = false;
        uv_close((uv_handle_t *)&loop->portal_listener, loop_handle_close_cb);
    }
    for (int index = 0; index < loop->slots_count; index++) {
        if (loop->slots[index].state != LTY__CONN_FREE) lty__conn_stop(&loop->slots[index]);
    }
    uv_timer_start(&loop->drain_timer, loop_drain_timer_cb,
                   (uint64_t)loop->server->options.drain_timeout_ms, 0);
    loop_maybe_finish(loop);
}

/* A reload changed the TLS configuration: cut the connections whose certificate it revoked, now,
 * rather than at their next request (an idle till would otherwise keep its slot, and a request
 * already on the wire would race the check). */
static void loop_revocation_sweep(lty__loop_t *loop)
{
    uint64_t generation = atomic_load(&loop->server->tls_generation);
    if (generation == loop->tls_generation) return;
    loop->tls_generation = generation;
    for (int index = 0; index < loop->slots_count; index++) {
        lty__conn_revocation_check(&loop->slots[index]);
    }
}

static void loop_wakeup_cb(uv_async_t *async)
{
    lty__loop_t *loop = async->data;
    if (atomic_load(&loop->server->stop_requested) && !loop->stopping) loop_stop_begin(loop);
    loop_revocation_sweep(loop);
    pthread_mutex_lock(&loop->mutex);
    lty__conn_t *completed = loop->completed;
    loop->completed = NULL;
    pthread_mutex_unlock(&loop->mutex);
    /* The queue is LIFO; order across connections does not matter, one per connection. */
    while (completed != NULL) {
        lty__conn_t *conn = completed;
        completed = conn->next;
        conn->next = NULL;
        lty__conn_exchange_done(conn);
    }
    loop_maybe_finish(loop);
}

/* A flood's connections freed their TLS sessions and buffers, but glibc keeps the pages of its
 * heaps (the memory a flood of 4,000 connections took stayed resident for good). Once most of
 * the peak has gone, hand free pages back. Rare: never per request. */
static void loop_heap_trim(lty__loop_t *loop)
{
    if (loop->connections_open > loop->connections_peak) {
        loop->connections_peak = loop->connections_open;
        return;
    }
    if (loop->connections_peak < SERVER_TRIM_PEAK_MIN) return;
    if (loop->connections_open * 4 > loop->connections_peak) return;
    loop->connections_peak = loop->connections_open;
#if defined(__GLIBC__)
    (void)malloc_trim(0);
#endif
}

void lty__loop_slot_release(lty__loop_t *loop, lty__conn_t *conn)
{
    conn->next = loop->free_slots;
    loop->free_slots = conn;
    loop->connections_open--;
    atomic_fetch_sub(&loop->server->connections_open, 1);
    loop_heap_trim(loop);
    /* A connection left waiting on a listener while every slot was closing takes this one. */
    for (int which = LTY_LISTENER_MAIN; which <= LTY_LISTENER_PORTAL; which++) {
        if (!loop->accept_deferred[which] || loop->stopping || loop->free_slots == NULL) continue;
        loop->accept_deferred[which] = false;
        loop_accept(loop, (lty_listener_t)which);
    }
    loop_maybe_finish(loop);
}

static void loop_refuse_close_cb(uv_handle_t *handle)
{
    lty_free(handle);
}

/* Every slot, spares included, is taken and none is closing: accept and close at once, so the
 * client sees a clean close instead of waiting in the backlog. Counted and logged, at a bounded
 * rate, like every refusal. */
static void loop_refuse(lty__loop_t *loop, uv_stream_t *listener)
{
    uv_tcp_t *extra = lty_alloc(sizeof(*extra));
    if (extra == NULL) return;
    uv_tcp_init(&loop->loop, extra);
    char address[48] = "unknown";
    if (uv_accept(listener, (uv_stream_t *)extra) == 0) {
        struct sockaddr_storage peer;
        int length = sizeof(peer);
        if (uv_tcp_getpeername(extra, (struct sockaddr *)&peer, &length) == 0) {
            (void)uv_ip_name((const struct sockaddr *)&peer, address, sizeof(address));
        }
    }
    uv_close((uv_handle_t *)extra, loop_refuse_close_cb);
    lty__net_event(loop, LTY__NET_EVENT_CONNECTION_REFUSED, NULL, address,
                   "reason=slots slots=%d", loop->slots_count);
}

static uv_stream_t *loop_listener(lty__loop_t *loop, lty_listener_t which)
{
    return which == LTY_LISTENER_PORTAL ? (uv_stream_t *)&loop->portal_listener
                                        : (uv_stream_t *)&loop->listener;
}

/* Takes a free slot for the connection waiting on the listener which. */
static void loop_accept(lty__loop_t *loop, lty_listener_t which)
{
    lty__conn_t *conn = loop->free_slots;
    LTY_ASSERT(conn != NULL);
    loop->free_slots = conn->next;
    conn->next = NULL;
    loop->connections_open++;
    atomic_fetch_add(&loop->server->connections_open, 1);
    atomic_fetch_add(&loop->server->connections_accepted, 1);
    /* On failure the slot comes back by itself. */
    (void)lty__conn_accept(conn, loop_listener(loop, which), which);
}

static void loop_connection_cb(uv_stream_t *listener, int status)
{
    lty__loop_t *loop = listener->data;
    lty_listener_t which = listener == (uv_stream_t *)&loop->portal_listener
                               ? LTY_LISTENER_PORTAL
                               : LTY_LISTENER_MAIN;
    if (status < 0) {
        LTY_LOG(LTY_LOG_WARN, "err=NET what=listen uv=%s", uv_err_name(status));
        return;
    }
    if (loop->stopping) return;
    if (loop->free_slots != NULL) {
        loop_accept(loop, which);
    } else if (loop->connections_open > loop->connections_active) {
        /* Every slot is taken, but some are closing (evicted a moment ago, a burst of
         * admissions): leave the connection to libuv, which stops watching the listener until
         * lty__loop_slot_release accepts it, instead of refusing a client a slot is about to
         * be free for. Newcomers wait in the kernel's backlog meanwhile. */
        loop->accept_deferred[which] = true;
    } else {
        loop_refuse(loop, listener);
    }
}

static void loop_signal_cb(uv_signal_t *handle, int signal_number)
{
    lty_server_t *server = handle->data;
    if (signal_number == SIGHUP) {
        LTY_LOG(LTY_LOG_INFO, "what=reload signal=SIGHUP");
        (void)lty_server_reload(server);
    } else {
        LTY_LOG(LTY_LOG_INFO, "what=stop signal=%d", signal_number);
        lty_server_stop(server);
    }
}

static void loop_thread(void *argument)
{
    lty__loop_t *loop = argument;
    if (loop->portal_only && lty_thread_nice(SERVER_PORTAL_NICE) != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=INTERNAL what=portal_loop_priority errno=%d", errno);
    }
    int rc = uv_run(&loop->loop, UV_RUN_DEFAULT);
    if (rc != 0) LTY_LOG(LTY_LOG_WARN, "err=INTERNAL what=loop_left_handles loop=%d", loop->index);
}

/* ---- Opening ----------------------------------------------------------------------------- */

static int options_check(const lty_server_options_t *options)
{
    if (options->loops < 1 || options->loops > LTY_LOOPS_MAX) return LTY_E_CONFIG;
    if (options->connections_max > LTY_CONNECTIONS_MAX) return LTY_E_CONFIG;
    if (options->handshake_timeout_ms <= 0 || options->idle_timeout_ms <= 0) return LTY_E_CONFIG;
    if (options->request_timeout_ms <= 0 || options->drain_timeout_ms <= 0) return LTY_E_CONFIG;
    if (options->listen_host == NULL || strlen(options->listen_host) >= 64) return LTY_E_CONFIG;
    if (options->portal_enabled) {
        if (options->portal_host == NULL || strlen(options->portal_host) >= 64) return LTY_E_CONFIG;
        if (options->portal_tls.ca_cert_path != NULL) return LTY_E_CONFIG; /* never asks */
        if (options->portal_tls.cert_path == NULL || options->portal_tls.key_path == NULL) {
            return LTY_E_CONFIG;
        }
    }
    if (options->connections_per_address_max < 0) return LTY_E_CONFIG;
    if (options->connections_reserved_percent < 0 ||
        options->connections_reserved_percent > LTY_CONNECTIONS_RESERVED_PERCENT_MAX) {
        return LTY_E_CONFIG;
    }
    /* Every loop, the portal's included, gets at least one slot nobody reserved. */
    int loops = options->loops + (options->portal_enabled ? 1 : 0);
    int reserved = options->connections_max * options->connections_reserved_percent / 100;
    if (options->connections_max - reserved < loops) {
        LTY_LOG(LTY_LOG_ERR, "err=CONFIG what=connections_max connections_max=%d loops=%d "
                "reserved=%d need=unreserved_slot_per_loop", options->connections_max, loops,
                reserved);
        return LTY_E_CONFIG;
    }
    const int64_t rates[2][2] = {
        {options->rate_certificate_requests_per_s, options->rate_certificate_burst},
        {options->rate_address_requests_per_s, options->rate_address_burst}};
    for (int index = 0; index < 2; index++) {
        if (rates[index][0] < 0 || rates[index][0] > LTY_RATE_REQUESTS_PER_S_MAX) {
            return LTY_E_CONFIG;
        }
        if (rates[index][0] > 0 && (rates[index][1] < 1 || rates[index][1] > LTY_RATE_BURST_MAX)) {
            return LTY_E_CONFIG;
        }
    }
    return 0;
}

/* One listening socket per loop on the same address. The first bind of port 0 picks the port;
 * the others bind to it. */
static int listener_socket_open(const char *host, uint16_t port, int *fd_out, uint16_t *port_out)
{
    struct sockaddr_storage address;
    memset(&address, 0, sizeof(address));
    socklen_t length = 0;
    struct sockaddr_in *ipv4 = (struct sockaddr_in *)(void *)&address;
    struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)(void *)&address;
    if (uv_ip4_addr(host, port, ipv4) == 0) {
        length = sizeof(*ipv4);
    } else if (uv_ip6_addr(host, port, ipv6) == 0) {
        length = sizeof(*ipv6);
    } else {
        LTY_LOG(LTY_LOG_ERR, "err=CONFIG what=listen_host host=%s", host);
        return LTY_E_CONFIG;
    }
    int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return LTY_E_NET;
    int one = 1;
    int err = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&address, length) != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=NET what=bind host=%s port=%u errno=%d", host, (unsigned)port,
                errno);
        err = LTY_E_NET;
    }
    if (err == 0 && getsockname(fd, (struct sockaddr *)&address, &length) != 0) err = LTY_E_NET;
    if (err != 0) {
        close(fd);
        return err;
    }
    *port_out = ntohs(address.ss_family == AF_INET ? ipv4->sin_port : ipv6->sin6_port);
    *fd_out = fd;
    return 0;
}

/* One listening socket of a loop: the main one or the portal's. The first bind of port 0
 * picks the port (*port_io is updated); the other loops bind to it. */
static int loop_listen_one(lty__loop_t *loop, uv_tcp_t *handle, bool *listening_out,
                           const char *host, uint16_t *port_io)
{
    int fd = -1;
    uint16_t port = 0;
    int err = listener_socket_open(host, *port_io, &fd, &port);
    if (err != 0) return err;
    *port_io = port;
    uv_tcp_init(&loop->loop, handle);
    handle->data = loop;
    int rc = uv_tcp_open(handle, fd);
    if (rc == 0) rc = uv_listen((uv_stream_t *)handle, SERVER_LISTEN_BACKLOG, loop_connection_cb);
    *listening_out = true; /* the handle is open either way and must be closed */
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=NET what=listen host=%s uv=%s", host, uv_err_name(rc));
        return LTY_E_NET;
    }
    return 0;
}

/* A till/operator loop listens on the main socket, the portal's loop on the portal's. */
static int loop_listen(lty__loop_t *loop)
{
    lty_server_t *server = loop->server;
    if (loop->portal_only) {
        return loop_listen_one(loop, &loop->portal_listener, &loop->portal_listening,
                               server->portal_host, &server->portal_port);
    }
    return loop_listen_one(loop, &loop->listener, &loop->listening, server->listen_host,
                           &server->port);
}

/* This loop's part of connections_max, and of it the slots reserved for certified clients. The
 * reserved slots (connections_reserved_percent of connections_max) are all on the till/operator
 * loops: nobody presents a certificate on the portal's port. The rest is split in equal parts
 * over every loop, the portal's included. The shares add up to connections_max, the reserved
 * parts to its reserved percentage, whether the portal is enabled or not. */
static void server_loop_share(const lty_server_options_t *options, int index, int *share_out,
                              int *reserved_out)
{
    int loops = options->loops + (options->portal_enabled ? 1 : 0);
    int reserved = options->connections_max * options->connections_reserved_percent / 100;
    int unreserved = options->connections_max - reserved;
    int share = unreserved / loops + (index < unreserved % loops ? 1 : 0);
    int reserved_share = 0;
    if (index < options->loops) {
        reserved_share = reserved / options->loops + (index < reserved % options->loops ? 1 : 0);
    }
    *share_out = share + reserved_share;
    *reserved_out = reserved_share;
}

static int loop_init(lty__loop_t *loop, lty_server_t *server, int index, int share, int reserved)
{
    int spare = share / SERVER_SPARE_SLOTS_DIVISOR;
    if (spare < SERVER_SPARE_SLOTS_MIN) spare = SERVER_SPARE_SLOTS_MIN;
    int slots_count = share + spare;
    loop->server = server;
    loop->index = index;
    if (uv_loop_init(&loop->loop) != 0) return LTY_E_NOMEM;
    pthread_mutex_init(&loop->mutex, NULL);
    uv_async_init(&loop->loop, &loop->wakeup, loop_wakeup_cb);
    loop->wakeup.data = loop;
    uv_timer_init(&loop->loop, &loop->drain_timer);
    loop->drain_timer.data = loop;
    loop->loop_ready = true;
    loop->portal_only = server->options.portal_enabled && index == server->options.loops;
    if (lty__guard_loop_init(loop, share, reserved) != 0) return LTY_E_NOMEM;
    loop->slots = lty_calloc((size_t)slots_count, sizeof(loop->slots[0]));
    if (loop->slots == NULL) return LTY_E_NOMEM;
    loop->slots_count = slots_count;
    for (int slot = slots_count - 1; slot >= 0; slot--) {
        if (lty__conn_slot_init(&loop->slots[slot], loop) != 0) return LTY_E_NOMEM;
        loop->slots[slot].next = loop->free_slots;
        loop->free_slots = &loop->slots[slot];
    }
    return 0;
}

static int server_tls_open(lty_server_t *server, lty_listener_t which, lty_tls_server_t **tls_out)
{
    if (which == LTY_LISTENER_PORTAL) {
        lty_tls_server_options_t options = server->options.portal_tls;
        options.ca_cert_path = NULL; /* the portal never requests a client certificate */
        options.cert_path = server->portal_tls_paths[0];
        options.key_path = server->portal_tls_paths[1];
        options.revoked_path = NULL;
        return lty_tls_server_open(tls_out, &options);
    }
    lty_tls_server_options_t options = server->options.tls;
    options.ca_cert_path = server->tls_paths[0];
    options.cert_path = server->tls_paths[1];
    options.key_path = server->tls_paths[2];
    options.revoked_path = server->tls_paths[3][0] != '\0' ? server->tls_paths[3] : NULL;
    return lty_tls_server_open(tls_out, &options);
}

/* The portal's copies of its option strings (reload reopens the files). */
static int server_copy_portal_options(lty_server_t *server, const lty_server_options_t *options)
{
    server->options.portal_host = server->portal_host;
    if (!options->portal_enabled) return 0;
    strcpy(server->portal_host, options->portal_host);
    const char *paths[2] = {options->portal_tls.cert_path, options->portal_tls.key_path};
    for (int index = 0; index < 2; index++) {
        if (strlen(paths[index]) >= sizeof(server->portal_tls_paths[index])) return LTY_E_CONFIG;
        strcpy(server->portal_tls_paths[index], paths[index]);
    }
    server->portal_port = options->portal_port;
    return 0;
}

static int server_copy_options(lty_server_t *server, const lty_server_options_t *options)
{
    server->options = *options;
    strcpy(server->listen_host, options->listen_host);
    server->options.listen_host = server->listen_host;
    const char *paths[4] = {options->tls.ca_cert_path, options->tls.cert_path,
                            options->tls.key_path, options->tls.revoked_path};
    for (int index = 0; index < 4; index++) {
        if (paths[index] == NULL) continue;
        if (strlen(paths[index]) >= sizeof(server->tls_paths[index])) return LTY_E_CONFIG;
        strcpy(server->tls_paths[index], paths[index]);
    }
    if (paths[0] == NULL || paths[1] == NULL || paths[2] == NULL) return LTY_E_CONFIG;
    server->port = options->listen_port;
    lty_rate_limit_set(&server->rate_certificate, options->rate_certificate_requests_per_s,
                       options->rate_certificate_burst);
    lty_rate_limit_set(&server->rate_address, options->rate_address_requests_per_s,
                       options->rate_address_burst);
    return server_copy_portal_options(server, options);
}

/* The rate tables, and the seed that keys hashes of addresses and serials, so that nobody can
 * pick addresses that crowd one part of a table. */
static int server_rates_open(lty_server_t *server)
{
    if (lty_crypto_random(&server->key_seed, sizeof(server->key_seed)) != 0) return LTY_E_TLS;
    int err = lty_rate_table_create(&server->rate_certificates, LTY_RATE_KEYS_MAX);
    if (err == 0) err = lty_rate_table_create(&server->rate_addresses, LTY_RATE_KEYS_MAX);
    return err;
}

int lty_server_open(lty_server_t **server_out, const lty_server_options_t *options,
                    lty_api_t *api)
{
    LTY_ASSERT(server_out != NULL && options != NULL);
    *server_out = NULL;
    int err = options_check(options);
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=CONFIG what=server_options");
        return err;
    }
    lty_server_t *server = lty_calloc(1, sizeof(*server));
    if (server == NULL) return LTY_E_NOMEM;
    server->api = api;
    pthread_mutex_init(&server->tls_mutex, NULL);
    err = server_copy_options(server, options);
    if (err == 0) err = server_rates_open(server);
    if (err == 0) err = server_tls_open(server, LTY_LISTENER_MAIN, &server->tls);
    if (err == 0 && options->portal_enabled) {
        err = server_tls_open(server, LTY_LISTENER_PORTAL, &server->portal_tls);
    }
    /* The portal's loop, when enabled, comes last (index options->loops). */
    int loops = options->loops + (options->portal_enabled ? 1 : 0);
    if (err == 0) {
        server->loops = lty_calloc((size_t)loops, sizeof(server->loops[0]));
        if (server->loops == NULL) err = LTY_E_NOMEM;
    }
    for (int index = 0; err == 0 && index < loops; index++) {
        int share = 0;
        int reserved = 0;
        server_loop_share(options, index, &share, &reserved);
        server->loops_count++;
        err = loop_init(&server->loops[index], server, index, share, reserved);
        if (err == 0) err = loop_listen(&server->loops[index]);
    }
    if (err != 0) {
        lty_server_close(server);
        return err;
    }
    *server_out = server;
    return 0;
}

/* ---- Running ----------------------------------------------------------------------------- */

static void server_ready_announce(lty_server_t *server)
{
    int fd = server->options.ready_fd;
    if (fd < 0) return;
    char line[32];
    int size = server->options.portal_enabled
                   ? snprintf(line, sizeof(line), "%u %u\n", (unsigned)server->port,
                              (unsigned)server->portal_port)
                   : snprintf(line, sizeof(line), "%u\n", (unsigned)server->port);
    ssize_t written = write(fd, line, (size_t)size);
    if (written != size) LTY_LOG(LTY_LOG_WARN, "err=IO what=ready_fd errno=%d", errno);
    close(fd);
    server->options.ready_fd = -1;
}

static void server_signals_start(lty_server_t *server)
{
    static const int numbers[3] = {SIGTERM, SIGINT, SIGHUP};
    lty__loop_t *loop = &server->loops[0];
    for (int index = 0; index < 3; index++) {
        uv_signal_init(&loop->loop, &loop->signals[index]);
        loop->signals[index].data = server;
        uv_signal_start(&loop->signals[index], loop_signal_cb, numbers[index]);
        loop->signals_count++;
    }
}

int lty_server_run(lty_server_t *server)
{
    LTY_ASSERT(server != NULL);
    /* A peer closing mid-write must give EPIPE, not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    server_signals_start(server);
    int started = 1;
    for (int index = 1; index < server->loops_count; index++) {
        lty__loop_t *loop = &server->loops[index];
        if (uv_thread_create(&loop->thread, loop_thread, loop) != 0) {
            LTY_LOG(LTY_LOG_ERR, "err=INTERNAL what=thread_create loop=%d", index);
            lty_server_stop(server);
            break;
        }
        started++;
    }
    LTY_LOG(LTY_LOG_INFO, "what=listening host=%s port=%u loops=%d connections_max=%d",
            server->listen_host, (unsigned)server->port, server->options.loops,
            server->options.connections_max);
    if (server->options.portal_enabled) {
        const lty__loop_t *portal = &server->loops[server->options.loops];
        LTY_LOG(LTY_LOG_INFO, "what=listening listener=portal host=%s port=%u loop=%d nice=%d "
                "connections_max=%d", server->portal_host, (unsigned)server->portal_port,
                portal->index, SERVER_PORTAL_NICE, portal->connections_max_share);
    }
    server_ready_announce(server);
    loop_thread(&server->loops[0]);
    for (int index = 1; index < started; index++) uv_thread_join(&server->loops[index].thread);
    for (int index = started; index < server->loops_count; index++) {
        loop_thread(&server->loops[index]); /* never started: close its handles here */
    }
    LTY_LOG(LTY_LOG_INFO, "what=stopped");
    return 0;
}

void lty_server_stop(lty_server_t *server)
{
    LTY_ASSERT(server != NULL);
    atomic_store(&server->stop_requested, true);
    for (int index = 0; index < server->loops_count; index++) {
        lty__loop_t *loop = &server->loops[index];
        pthread_mutex_lock(&loop->mutex);
        if (!loop->completions_closed) uv_async_send(&loop->wakeup);
        pthread_mutex_unlock(&loop->mutex);
    }
}

/* Swap one listener's configuration for a freshly loaded one. */
static int server_reload_one(lty_server_t *server, lty_listener_t which)
{
    lty_tls_server_t *fresh = NULL;
    int err = server_tls_open(server, which, &fresh);
    if (err != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=%s what=reload_failed listener=%s keeping=previous",
                lty_err_name(err), which == LTY_LISTENER_PORTAL ? "portal" : "main");
        return err;
    }
    pthread_mutex_lock(&server->tls_mutex);
    lty_tls_server_t **slot = which == LTY_LISTENER_PORTAL ? &server->portal_tls : &server->tls;
    lty_tls_server_t *previous = *slot;
    *slot = fresh;
    /* The main listener's revocation list may have changed: open peers are checked again. */
    if (which == LTY_LISTENER_MAIN) atomic_fetch_add(&server->tls_generation, 1);
    pthread_mutex_unlock(&server->tls_mutex);
    lty_tls_server_unref(previous); /* open sessions keep their own reference */
    return 0;
}

int lty_server_reload(lty_server_t *server)
{
    LTY_ASSERT(server != NULL);
    int err = server_reload_one(server, LTY_LISTENER_MAIN);
    if (server->options.portal_enabled) {
        int portal_err = server_reload_one(server, LTY_LISTENER_PORTAL);
        if (err == 0) err = portal_err;
    }
    if (err == 0) {
        atomic_fetch_add(&server->tls_reloads, 1);
        LTY_LOG(LTY_LOG_INFO, "what=reloaded tls_generation=%llu",
                (unsigned long long)atomic_load(&server->tls_generation));
    }
    /* Open connections are checked against the new revocation list by their own loops. */
    for (int index = 0; index < server->loops_count; index++) {
        lty__loop_t *loop = &server->loops[index];
        pthread_mutex_lock(&loop->mutex);
        if (!loop->completions_closed) uv_async_send(&loop->wakeup);
        pthread_mutex_unlock(&loop->mutex);
    }
    return err;
}

lty_tls_server_t *lty__server_tls_get(lty_server_t *server, lty_listener_t which,
                                      uint64_t *generation_out)
{
    pthread_mutex_lock(&server->tls_mutex);
    lty_tls_server_t *tls = which == LTY_LISTENER_PORTAL ? server->portal_tls : server->tls;
    LTY_ASSERT(tls != NULL);
    lty_tls_server_ref(tls);
    *generation_out = atomic_load(&server->tls_generation);
    pthread_mutex_unlock(&server->tls_mutex);
    return tls;
}

uint16_t lty_server_port(const lty_server_t *server)
{
    LTY_ASSERT(server != NULL);
    return server->port;
}

uint16_t lty_server_portal_port(const lty_server_t *server)
{
    LTY_ASSERT(server != NULL);
    return server->options.portal_enabled ? server->portal_port : 0;
}

void lty_server_stats_cb(void *server, lty_net_stats_t *stats_out)
{
    lty_server_stats(server, stats_out);
}

void lty_server_stats(lty_server_t *server, lty_server_stats_t *stats_out)
{
    LTY_ASSERT(server != NULL && stats_out != NULL);
    const atomic_uint_fast64_t *events = server->events;
    stats_out->connections_accepted = atomic_load(&server->connections_accepted);
    stats_out->connections_refused = atomic_load(&events[LTY__NET_EVENT_CONNECTION_REFUSED]);
    stats_out->connections_evicted = atomic_load(&events[LTY__NET_EVENT_CONNECTION_EVICTED]);
    stats_out->requests_throttled = atomic_load(&events[LTY__NET_EVENT_REQUEST_THROTTLED]);
    stats_out->connections_revoked = atomic_load(&events[LTY__NET_EVENT_CERTIFICATE_REVOKED]);
    stats_out->security_events_suppressed = atomic_load(&server->events_suppressed);
    stats_out->tls_reloads = atomic_load(&server->tls_reloads);
    stats_out->rate_table_saturated = lty_rate_table_saturated(server->rate_certificates) +
                                      lty_rate_table_saturated(server->rate_addresses);
    stats_out->handshakes = atomic_load(&server->handshakes);
    stats_out->handshakes_resumed = atomic_load(&server->handshakes_resumed);
    stats_out->handshake_failures = atomic_load(&events[LTY__NET_EVENT_HANDSHAKE_FAILED]);
    stats_out->requests = atomic_load(&server->requests);
    stats_out->connections_open = atomic_load(&server->connections_open);
}

/* ---- Closing ----------------------------------------------------------------------------- */

/* Closes whatever handles a loop still has (a server opened but never run, or a loop left
 * after the drain timeout) and releases exchanges that can no longer be answered. */
static void loop_close(lty__loop_t *loop)
{
    lty__guard_loop_deinit(loop);
    if (!loop->loop_ready) {
        lty_free(loop->slots);
        return;
    }
    if (!loop->finished) {
        if (loop->listening) uv_close((uv_handle_t *)&loop->listener, loop_handle_close_cb);
        loop->listening = false;
        if (loop->portal_listening) {
            uv_close((uv_handle_t *)&loop->portal_listener, loop_handle_close_cb);
        }
        loop->portal_listening = false;
        uv_close((uv_handle_t *)&loop->wakeup, loop_handle_close_cb);
        uv_close((uv_handle_t *)&loop->drain_timer, loop_handle_close_cb);
        for (int index = 0; index < loop->signals_count; index++) {
            uv_close((uv_handle_t *)&loop->signals[index], loop_handle_close_cb);
        }
        loop->finished = true;
        (void)uv_run(&loop->loop, UV_RUN_DEFAULT);
    }
    for (int index = 0; index < loop->slots_count; index++) {
        lty__conn_t *conn = &loop->slots[index];
        if (conn->exchange_live) {
            conn->exchange_live = false;
            lty_api_exchange_release(loop->server->api, &conn->exchange);
        }
        lty__conn_slot_deinit(conn);
    }
    lty_free(loop->slots);
    if (uv_loop_close(&loop->loop) != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=INTERNAL what=loop_close_busy loop=%d", loop->index);
    }
    pthread_mutex_destroy(&loop->mutex);
}

void lty_server_close(lty_server_t *server)
{
    if (server == NULL) return;
    for (int index = 0; index < server->loops_count; index++) loop_close(&server->loops[index]);
    lty_free(server->loops);
    lty_tls_server_unref(server->tls);
    lty_tls_server_unref(server->portal_tls);
    lty_rate_table_destroy(server->rate_certificates);
    lty_rate_table_destroy(server->rate_addresses);
    pthread_mutex_destroy(&server->tls_mutex);
    lty_free(server);
}
