/* SPDX-License-Identifier: MIT */
/* One client connection on one event loop: libuv stream in, TLS session (lty_tls memory
 * buffers) in the middle, HTTP framing (http.c) on top, and the hand-off of each complete
 * request to the API. This file owns the connection state machine, its timers (handshake, idle,
 * request), write ordering and back-pressure (a bounded plaintext buffer, reading paused when
 * full). It does not own routes or replies other than the framing errors it detects itself.
 *
 * Order is kept by construction: one exchange per connection at a time. The parser pauses after
 * each request; the next one is parsed only after the previous response has been written.
 *
 * Memory is taken late and given back early: the TLS session is made at the first byte a
 * client sends (a flood of silent TCP connections costs a slot each, no TLS state), and buffers
 * grown past LTY_CONN_BUFFER_KEEP_BYTES by a large request or response are freed as soon as the
 * connection is idle again; usual requests reuse what they have and allocate nothing.
 *
 * Per request, before the API sees it: the peer certificate is checked against a reloaded
 * revocation list (one atomic load when nothing was reloaded), and the certificate's or, without
 * one, the address's rate limit is taken (a hash probe and a compare-and-swap). */
#include "conn.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <stdio.h>
#include <string.h>

#define CONN_DECRYPT_CHUNK_BYTES 16384
#define CONN_WIRE_BYTES_MAX (LTY_HTTP_RESPONSE_BYTES_MAX + LTY_HTTP_RESPONSE_HEAD_BYTES_MAX)
#define CONN_CIPHERTEXT_BYTES_MAX (2 * LTY_WRITE_QUEUE_BYTES_MAX)

static void conn_drive(lty__conn_t *conn);
static void conn_close(lty__conn_t *conn);
static void conn_flush(lty__conn_t *conn);

static const lty_server_options_t *conn_options(const lty__conn_t *conn)
{
    return &conn->loop->server->options;
}

int lty__conn_slot_init(lty__conn_t *conn, lty__loop_t *loop)
{
    memset(conn, 0, sizeof(*conn));
    conn->loop = loop;
    conn->state = LTY__CONN_FREE;
    lty_buf_init(&conn->plain_in, LTY_HTTP_PIPELINE_BYTES_MAX);
    lty_buf_init(&conn->response_wire, CONN_WIRE_BYTES_MAX);
    lty_buf_init(&conn->write_buffer, CONN_CIPHERTEXT_BYTES_MAX);
    lty_buf_init(&conn->exchange.response.body, LTY_HTTP_RESPONSE_BYTES_MAX);
    conn->exchange.net_owner = conn;
    conn->exchange.complete_cb = lty__server_exchange_complete;
    return lty_http_create(&conn->http);
}

void lty__conn_slot_deinit(lty__conn_t *conn)
{
    lty_http_destroy(conn->http);
    conn->http = NULL;
    lty_tls_session_close(conn->tls);
    conn->tls = NULL;
    lty_buf_deinit(&conn->plain_in);
    lty_buf_deinit(&conn->response_wire);
    lty_buf_deinit(&conn->write_buffer);
    lty_buf_deinit(&conn->exchange.response.body);
}

/* ---- Timers ------------------------------------------------------------------------------ */

static void conn_timer_cb(uv_timer_t *timer);

static void conn_timer_set(lty__conn_t *conn, int timeout_ms)
{
    LTY_ASSERT(timeout_ms > 0);
    uv_timer_start(&conn->timer, conn_timer_cb, (uint64_t)timeout_ms, 0);
}

/* ---- Closing ----------------------------------------------------------------------------- */

static void conn_exchange_release(lty__conn_t *conn)
{
    if (!conn->exchange_live) return;
    conn->exchange_live = false;
    lty_api_exchange_release(conn->loop->server->api, &conn->exchange);
    conn->exchange.api_state = NULL;
}

/* Both handles closed and no exchange outstanding: give the slot back, shrinking its buffers
 * so an idle slot holds no large allocation. */
static void conn_slot_finish(lty__conn_t *conn)
{
    LTY_ASSERT(conn->handles_open == 0);
    conn_exchange_release(conn);
    lty_tls_session_close(conn->tls);
    conn->tls = NULL;
    lty_http_reset(conn->http);
    lty_http_trim(conn->http, 0);
    lty_buf_deinit(&conn->plain_in);
    lty_buf_deinit(&conn->response_wire);
    lty_buf_deinit(&conn->write_buffer);
    lty_buf_deinit(&conn->exchange.response.body);
    conn->write_in_flight = false;
    conn->close_after_write = false;
    conn->reading = false;
    conn->request_timer_armed = false;
    conn->peer_closed = false;
    memset(&conn->peer, 0, sizeof(conn->peer));
    conn->certificate_key = 0;
    conn->state = LTY__CONN_FREE;
    lty__loop_slot_release(conn->loop, conn);
}

static void conn_handle_close_cb(uv_handle_t *handle)
{
    lty__conn_t *conn = handle->data;
    LTY_ASSERT(conn->handles_open > 0);
    conn->handles_open--;
    if (conn->handles_open == 0 && conn->state == LTY__CONN_CLOSING) conn_slot_finish(conn);
}

/* Closes the socket now. A PENDING exchange keeps the slot (ORPHAN) until it completes, since
 * another thread still writes into it. */
static void conn_close(lty__conn_t *conn)
{
    if (conn->state == LTY__CONN_CLOSING || conn->state == LTY__CONN_ORPHAN) return;
    LTY_ASSERT(conn->state != LTY__CONN_FREE);
    if (conn->tls != NULL && !conn->peer_closed && !conn->write_in_flight) {
        /* Best effort close_notify, never waited for: the peer may already be gone. */
        lty_tls_session_shutdown(conn->tls);
        size_t size = 0;
        const void *bytes = lty_tls_session_outgoing(conn->tls, &size);
        if (size > 0) {
            uv_buf_t buffer = uv_buf_init((char *)(uintptr_t)bytes, (unsigned int)size);
            (void)uv_try_write((uv_stream_t *)&conn->tcp, &buffer, 1);
        }
    }
    lty__guard_release(conn->loop, conn);
    conn->state = conn->state == LTY__CONN_PENDING ? LTY__CONN_ORPHAN : LTY__CONN_CLOSING;
    uv_close((uv_handle_t *)&conn->tcp, conn_handle_close_cb);
    uv_close((uv_handle_t *)&conn->timer, conn_handle_close_cb);
}

/* ---- Writing ----------------------------------------------------------------------------- */

static void conn_write_cb(uv_write_t *request, int status)
{
    lty__conn_t *conn = request->data;
    conn->write_in_flight = false;
    if (conn->state == LTY__CONN_CLOSING || conn->state == LTY__CONN_ORPHAN) return;
    if (status < 0) {
        LTY_LOG(LTY_LOG_INFO, "conn=%llu err=NET what=write uv=%s",
                (unsigned long long)conn->id, uv_err_name(status));
        conn->peer_closed = true;
        conn_close(conn);
        return;
    }
    conn_flush(conn);
}

/* Between requests a connection keeps buffers of usual size, so the next request allocates
 * nothing, and frees the ones a large request or response grew. */
static void conn_buffers_trim(lty__conn_t *conn)
{
    /* The response is out and its exchange released: these hold nothing needed any more. */
    lty_buf_t *spent[] = {&conn->response_wire, &conn->write_buffer, &conn->exchange.response.body};
    for (size_t index = 0; index < sizeof(spent) / sizeof(spent[0]); index++) {
        lty_buf_reset(spent[index]);
        lty_buf_shrink(spent[index], LTY_CONN_BUFFER_KEEP_BYTES);
    }
    if (conn->plain_in.size == 0) lty_buf_shrink(&conn->plain_in, LTY_CONN_BUFFER_KEEP_BYTES);
    lty_http_trim(conn->http, LTY_CONN_BUFFER_KEEP_BYTES);
    if (conn->tls != NULL) lty_tls_session_trim(conn->tls, LTY_CONN_BUFFER_KEEP_BYTES);
}

/* Everything queued so far reached the socket: finish the response that was being written. */
static void conn_all_written(lty__conn_t *conn)
{
    if (conn->state != LTY__CONN_WRITING) return;
    conn_exchange_release(conn);
    if (conn->close_after_write) {
        conn_close(conn);
        return;
    }
    lty_http_next(conn->http);
    conn->state = LTY__CONN_READING;
    conn_buffers_trim(conn);
    lty__guard_idle(conn->loop, conn);
    conn_drive(conn);
}

/* Hands the TLS output to libuv. uv_write needs the bytes stable until its callback, so they
 * move to write_buffer; new output meanwhile accumulates in the TLS session. */
static void conn_flush(lty__conn_t *conn)
{
    if (conn->write_in_flight) return;
    if (conn->state == LTY__CONN_CLOSING || conn->state == LTY__CONN_ORPHAN) return;
    size_t size = 0;
    const void *bytes = lty_tls_session_outgoing(conn->tls, &size);
    if (size == 0) {
        conn_all_written(conn);
        return;
    }
    lty_buf_reset(&conn->write_buffer);
    lty_buf_append(&conn->write_buffer, bytes, size);
    if (lty_buf_error(&conn->write_buffer) != 0) {
        LTY_LOG(LTY_LOG_WARN, "conn=%llu err=NOMEM what=write_buffer bytes=%zu",
                (unsigned long long)conn->id, size);
        conn_close(conn);
        return;
    }
    lty_tls_session_outgoing_consume(conn->tls, size);
    uv_buf_t buffer = uv_buf_init(conn->write_buffer.data, (unsigned int)size);
    conn->write_request.data = conn;
    int rc = uv_write(&conn->write_request, (uv_stream_t *)&conn->tcp, &buffer, 1, conn_write_cb);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_INFO, "conn=%llu err=NET what=write uv=%s", (unsigned long long)conn->id,
                uv_err_name(rc));
        conn->peer_closed = true;
        conn_close(conn);
        return;
    }
    conn->write_in_flight = true;
}

/* Encrypts the response of the current exchange and starts writing it. */
static void conn_respond(lty__conn_t *conn)
{
    lty_response_t *response = &conn->exchange.response;
    bool close = response->close || !lty_http_keep_alive(conn->http) || conn->loop->stopping ||
                 conn->peer_closed || conn->close_after_write;
    if (response->status < 100 || response->status > 599 ||
        lty_buf_error(&response->body) != 0) {
        LTY_LOG(LTY_LOG_ERR, "conn=%llu req=%llu err=INTERNAL what=response status=%d",
                (unsigned long long)conn->id,
                (unsigned long long)conn->exchange.request.request_id, response->status);
        lty_buf_reset(&response->body);
        lty_json_error_render(&response->body, LTY_E_INTERNAL, NULL);
        response->status = 500;
        response->headers_size = 0;
        response->content_type = NULL;
    }
    lty_buf_reset(&conn->response_wire);
    lty_http_response_render(&conn->response_wire, response, close, lty_http_head(conn->http));
    int err = lty_buf_error(&conn->response_wire);
    if (err == 0) {
        err = lty_tls_session_write(conn->tls, conn->response_wire.data, conn->response_wire.size);
    }
    conn->state = LTY__CONN_WRITING;
    conn->close_after_write = close;
    /* A peer that never reads its response must not hold the slot forever. */
    conn_timer_set(conn, conn_options(conn)->idle_timeout_ms);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "conn=%llu err=%s what=response_encrypt",
                (unsigned long long)conn->id, lty_err_name(err));
        conn_close(conn);
        return;
    }
    conn_flush(conn);
}

/* A refusal the network layer answers itself: the error document, then close (or, for a
 * throttled request, keep the connection and say when to retry). */
static void conn_reply_refusal(lty__conn_t *conn, int err, int status, const lty_diag_t *diag,
                               int retry_after_s)
{
    uv_timer_stop(&conn->timer);
    lty_response_t *response = &conn->exchange.response;
    lty_buf_reset(&response->body);
    lty_json_error_render(&response->body, err, diag);
    response->status = status;
    response->content_type = NULL;
    response->headers_size = 0;
    response->close = retry_after_s == 0;
    if (retry_after_s > 0) {
        char seconds[16];
        snprintf(seconds, sizeof(seconds), "%d", retry_after_s);
        lty_response_header_add(response, "Retry-After", seconds);
    } else {
        conn->close_after_write = true;
    }
    conn_respond(conn);
}

/* A framing error or timeout the network layer answers itself, then closes. */
static void conn_reply_error(lty__conn_t *conn, int err, int status, const lty_diag_t *diag)
{
    LTY_LOG(LTY_LOG_INFO, "conn=%llu err=%s status=%d detail=\"%s\"", (unsigned long long)conn->id,
            lty_err_name(err), status,
            diag != NULL && diag->err == err ? diag->detail : lty_strerror(err));
    conn_reply_refusal(conn, err, status, diag, 0);
}

/* ---- Reading ----------------------------------------------------------------------------- */

static void conn_reading_update(lty__conn_t *conn);

/* Is the peer's certificate still good under the current TLS configuration? Only asked again
 * after a reload: one atomic load per request otherwise. */
static bool conn_peer_current(lty__conn_t *conn)
{
    if (conn->peer.role == LTY_ROLE_NONE) return true;
    lty_server_t *server = conn->loop->server;
    if (atomic_load(&server->tls_generation) == conn->tls_generation) return true;
    uint64_t generation = 0;
    lty_tls_server_t *tls = lty__server_tls_get(server, LTY_LISTENER_MAIN, &generation);
    bool revoked = lty_tls_server_serial_revoked(tls, conn->peer.serial_hex);
    lty_tls_server_unref(tls);
    if (!revoked) conn->tls_generation = generation;
    return !revoked;
}

static void conn_revoked_event(lty__conn_t *conn, const char *what)
{
    char principal[LTY_PRINCIPAL_BYTES_MAX];
    lty__net_principal(&conn->peer, principal, sizeof(principal));
    lty__net_event(conn->loop, LTY__NET_EVENT_CERTIFICATE_REVOKED, principal,
                   conn->exchange.request.remote_addr, "serial=%s conn=%llu action=%s",
                   conn->peer.serial_hex, (unsigned long long)conn->id, what);
}

/* The rate limit of the request's certificate, or of its address when it has none: 0 when it
 * may go ahead, else the seconds to wait (at least 1). */
static int conn_rate_take(lty__conn_t *conn, int64_t received_ms)
{
    lty_server_t *server = conn->loop->server;
    bool certified = conn->peer.role != LTY_ROLE_NONE;
    uint64_t wait_ns = lty_rate_take(certified ? server->rate_certificates : server->rate_addresses,
                                     certified ? conn->certificate_key : conn->address_key,
                                     certified ? &server->rate_certificate : &server->rate_address,
                                     (uint64_t)received_ms * UINT64_C(1000000));
    if (wait_ns == 0) return 0;
    return (int)((wait_ns + UINT64_C(999999999)) / UINT64_C(1000000000)); /* rounded up */
}

/* Refuses a request of a revoked or throttled client before the API sees it. */
static bool conn_request_refused(lty__conn_t *conn)
{
    lty_diag_t diag;
    if (!conn_peer_current(conn)) {
        conn_revoked_event(conn, "request_refused");
        lty_diag_set(&diag, LTY_E_UNAUTHENTICATED, "", "the client certificate was revoked");
        conn_reply_refusal(conn, LTY_E_UNAUTHENTICATED, 401, &diag, 0);
        return true;
    }
    int retry_after_s = conn_rate_take(conn, conn->exchange.request.received_ms);
    if (retry_after_s == 0) return false;
    const lty_server_options_t *options = conn_options(conn);
    bool certified = conn->peer.role != LTY_ROLE_NONE;
    int64_t rate = certified ? options->rate_certificate_requests_per_s
                             : options->rate_address_requests_per_s;
    char principal[LTY_PRINCIPAL_BYTES_MAX];
    lty__net_principal(&conn->peer, principal, sizeof(principal));
    lty__net_event(conn->loop, LTY__NET_EVENT_REQUEST_THROTTLED, principal,
                   conn->exchange.request.remote_addr,
                   "key=%s requests_per_s=%lld retry_after_s=%d",
                   certified ? "certificate" : "address", (long long)rate, retry_after_s);
    lty_diag_set(&diag, LTY_E_TOO_MANY_REQUESTS, "",
                 "more than %lld requests/s for this %s; retry after %d s", (long long)rate,
                 certified ? "client certificate" : "address", retry_after_s);
    conn_reply_refusal(conn, LTY_E_TOO_MANY_REQUESTS, 429, &diag, retry_after_s);
    return true;
}

/* Completes a parsed request and gives it to the API. */
static void conn_dispatch(lty__conn_t *conn)
{
    lty_server_t *server = conn->loop->server;
    lty_request_t *request = &conn->exchange.request;
    lty_response_t *response = &conn->exchange.response;
    uv_timer_stop(&conn->timer);
    conn->request_timer_armed = false;
    request->peer = conn->peer;
    request->listener = conn->listener; /* the API routes by it */
    request->request_id = atomic_fetch_add(&server->next_request_id, 1) + 1;
    request->conn_id = conn->id;
    request->received_ms = lty_clock_monotonic_ms();
    if (conn_request_refused(conn)) return;
    response->status = 0;
    response->content_type = NULL;
    lty_buf_reset(&response->body);
    response->headers[0] = '\0';
    response->headers_size = 0;
    response->close = false;
    atomic_fetch_add(&server->requests, 1);
    conn->requests_count++;
    if (conn->requests_count >= LTY_HTTP_REQUESTS_PER_CONNECTION_MAX) {
        conn->close_after_write = true;
    }
    conn->exchange_live = true;
    conn->state = LTY__CONN_PENDING;
    int rc = lty_api_handle(server->api, &conn->exchange);
    if (rc == LTY_API_DONE) {
        conn_respond(conn);
    } else {
        LTY_ASSERT(rc == LTY_API_PENDING);
    }
}

/* Pulls decrypted bytes into plain_in while there is room: 0, or LTY_E_TLS. */
static int conn_decrypt(lty__conn_t *conn)
{
    char chunk[CONN_DECRYPT_CHUNK_BYTES];
    while (conn->plain_in.size < LTY_HTTP_PIPELINE_BYTES_MAX && !conn->peer_closed) {
        size_t room = LTY_HTTP_PIPELINE_BYTES_MAX - conn->plain_in.size;
        bool closed = false;
        size_t want = room < sizeof(chunk) ? room : sizeof(chunk);
        int got = lty_tls_session_read(conn->tls, chunk, want, &closed);
        if (got < 0) return got;
        if (got == 0) {
            if (closed) conn->peer_closed = true;
            return 0;
        }
        lty_buf_append(&conn->plain_in, chunk, (size_t)got);
        if (lty_buf_error(&conn->plain_in) != 0) return LTY_E_NOMEM;
    }
    return 0;
}

/* Parses what is buffered while the connection is READING. Returns false when it must stop. */
static bool conn_parse_once(lty__conn_t *conn)
{
    lty_diag_t diag;
    lty_diag_clear(&diag);
    size_t consumed = 0;
    int rc = lty_http_parse(conn->http, &conn->exchange.request, conn->plain_in.data,
                            conn->plain_in.size, &consumed, &diag);
    if (consumed > 0) lty_buf_consume(&conn->plain_in, consumed);
    if (rc == LTY_HTTP_REQUEST) {
        conn_dispatch(conn);
        return true;
    }
    if (rc < 0) {
        conn_reply_error(conn, rc, lty_http_error_status(conn->http), &diag);
        return false;
    }
    if (lty_http_continue_take(conn->http)) {
        static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (lty_tls_session_write(conn->tls, interim, sizeof(interim) - 1) != 0) {
            conn_close(conn);
            return false;
        }
    }
    return true;
}

/* Moves the connection forward as far as buffered input allows. */
static void conn_drive(lty__conn_t *conn)
{
    for (;;) {
        if (conn->state != LTY__CONN_READING && conn->state != LTY__CONN_PENDING &&
            conn->state != LTY__CONN_WRITING) {
            return;
        }
        int err = conn_decrypt(conn);
        if (err != 0) {
            LTY_LOG(LTY_LOG_INFO, "conn=%llu err=%s what=tls_read", (unsigned long long)conn->id,
                    lty_err_name(err));
            conn_close(conn);
            return;
        }
        if (conn->state != LTY__CONN_READING) break;
        bool was_full = conn->plain_in.size >= LTY_HTTP_PIPELINE_BYTES_MAX;
        if (conn->plain_in.size == 0) {
            if (conn->peer_closed) {
                conn_close(conn);
                return;
            }
            break;
        }
        if (!conn_parse_once(conn)) return;
        /* Input left in TLS only when plain_in was full; otherwise all is parsed. */
        if (conn->state == LTY__CONN_READING && conn->plain_in.size == 0 && !was_full) break;
    }
    if (conn->state == LTY__CONN_READING) {
        if (lty_http_started(conn->http)) {
            if (!conn->request_timer_armed) {
                conn->request_timer_armed = true;
                conn_timer_set(conn, conn_options(conn)->request_timeout_ms);
            }
        } else {
            conn_timer_set(conn, conn_options(conn)->idle_timeout_ms);
        }
    }
    conn_reading_update(conn);
    conn_flush(conn);
}

static void conn_alloc_cb(uv_handle_t *handle, size_t suggested_size, uv_buf_t *buffer)
{
    (void)suggested_size;
    lty__conn_t *conn = handle->data;
    /* One read at a time per loop, consumed before the next: the loop's buffer is enough. */
    *buffer = uv_buf_init(conn->loop->read_buffer, sizeof(conn->loop->read_buffer));
}

/* The handshake ended: who is the peer, and may it stay? A reload between this session's start
 * and now may have revoked the certificate the session still accepted. */
static bool conn_peer_admit(lty__conn_t *conn)
{
    lty_tls_session_peer(conn->tls, &conn->peer);
    if (conn->peer.role == LTY_ROLE_NONE) return true;
    if (!conn_peer_current(conn)) {
        conn_revoked_event(conn, "handshake_refused");
        return false;
    }
    const char *serial = conn->peer.serial_hex;
    conn->certificate_key = lty_rate_key_hash(conn->loop->server->key_seed, serial,
                                              strlen(serial));
    lty__guard_certified(conn->loop, conn);
    return true;
}

static void conn_handshake_step(lty__conn_t *conn)
{
    lty_server_t *server = conn->loop->server;
    int rc = lty_tls_session_handshake(conn->tls);
    if (rc == LTY_TLS_WANT_READ) {
        conn_flush(conn);
        return;
    }
    if (rc < 0) {
        lty__net_event(conn->loop, LTY__NET_EVENT_HANDSHAKE_FAILED, NULL,
                       conn->exchange.request.remote_addr, "conn=%llu",
                       (unsigned long long)conn->id);
        conn_flush(conn); /* the alert, if any */
        conn_close(conn);
        return;
    }
    atomic_fetch_add(&server->handshakes, 1);
    if (lty_tls_session_resumed(conn->tls)) atomic_fetch_add(&server->handshakes_resumed, 1);
    if (!conn_peer_admit(conn)) {
        conn_close(conn);
        return;
    }
    conn->state = LTY__CONN_READING;
    lty__guard_idle(conn->loop, conn);
    conn_drive(conn);
}

/* The TLS session starts with the client's first byte, not at accept. */
static int conn_tls_open(lty__conn_t *conn)
{
    lty_tls_server_t *tls = lty__server_tls_get(conn->loop->server, conn->listener,
                                                &conn->tls_generation);
    int err = lty_tls_session_open_server(&conn->tls, tls);
    lty_tls_server_unref(tls);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "conn=%llu err=%s what=tls_session_open",
                (unsigned long long)conn->id, lty_err_name(err));
    }
    return err;
}

static void conn_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buffer)
{
    lty__conn_t *conn = stream->data;
    if (nread == 0) return;
    if (nread < 0) {
        if (nread != UV_EOF) {
            LTY_LOG(LTY_LOG_DEBUG, "conn=%llu err=NET what=read uv=%s",
                    (unsigned long long)conn->id, uv_err_name((int)nread));
        }
        conn->peer_closed = true;
        if (conn->state == LTY__CONN_WRITING) {
            conn->close_after_write = true; /* half-close: the response may still get through */
            uv_read_stop(stream);
            conn->reading = false;
        } else {
            conn_close(conn);
        }
        return;
    }
    int err = conn->tls == NULL ? conn_tls_open(conn) : 0;
    if (err == 0) err = lty_tls_session_feed(conn->tls, buffer->base, (size_t)nread);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "conn=%llu err=%s what=tls_feed", (unsigned long long)conn->id,
                lty_err_name(err));
        conn_close(conn);
        return;
    }
    if (conn->state == LTY__CONN_HANDSHAKE) {
        conn_handshake_step(conn);
    } else {
        conn_drive(conn);
    }
}

/* Back-pressure: stop reading while plaintext is full; read again once there is room. */
static void conn_reading_update(lty__conn_t *conn)
{
    bool want = conn->plain_in.size < LTY_HTTP_PIPELINE_BYTES_MAX && !conn->peer_closed;
    if (want && !conn->reading) {
        if (uv_read_start((uv_stream_t *)&conn->tcp, conn_alloc_cb, conn_read_cb) == 0) {
            conn->reading = true;
        }
    } else if (!want && conn->reading) {
        uv_read_stop((uv_stream_t *)&conn->tcp);
        conn->reading = false;
    }
}

static void conn_timer_cb(uv_timer_t *timer)
{
    lty__conn_t *conn = timer->data;
    if (conn->state == LTY__CONN_HANDSHAKE) {
        lty__net_event(conn->loop, LTY__NET_EVENT_HANDSHAKE_FAILED, NULL,
                       conn->exchange.request.remote_addr, "conn=%llu timeout_ms=%d",
                       (unsigned long long)conn->id, conn_options(conn)->handshake_timeout_ms);
        conn_close(conn);
    } else if (conn->state == LTY__CONN_READING && conn->request_timer_armed) {
        lty_diag_t diag;
        lty_diag_set(&diag, LTY_E_REQUEST_TIMEOUT, "", "request not complete within %d ms",
                     conn_options(conn)->request_timeout_ms);
        conn_reply_error(conn, LTY_E_REQUEST_TIMEOUT, 408, &diag);
    } else if (conn->state == LTY__CONN_READING) {
        LTY_LOG(LTY_LOG_DEBUG, "conn=%llu what=idle_close", (unsigned long long)conn->id);
        conn_close(conn);
    } else if (conn->state == LTY__CONN_WRITING) {
        LTY_LOG(LTY_LOG_INFO, "conn=%llu err=NET_TIMEOUT what=write timeout_ms=%d",
                (unsigned long long)conn->id, conn_options(conn)->idle_timeout_ms);
        conn->peer_closed = true;
        conn_close(conn);
    }
}

static void conn_remote_addr(lty__conn_t *conn)
{
    struct sockaddr_storage address;
    int length = sizeof(address);
    char *out = conn->exchange.request.remote_addr;
    size_t out_size = sizeof(conn->exchange.request.remote_addr);
    strcpy(out, "unknown");
    if (uv_tcp_getpeername(&conn->tcp, (struct sockaddr *)&address, &length) != 0) return;
    if (address.ss_family == AF_INET) {
        uv_ip4_name((const struct sockaddr_in *)(const void *)&address, out, out_size);
    } else if (address.ss_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)(const void *)&address, out, out_size);
    }
}

int lty__conn_accept(lty__conn_t *conn, uv_stream_t *listener, lty_listener_t which)
{
    LTY_ASSERT(conn->state == LTY__CONN_FREE);
    lty_server_t *server = conn->loop->server;
    uv_loop_t *loop = &conn->loop->loop;
    uv_tcp_init(loop, &conn->tcp);
    uv_timer_init(loop, &conn->timer);
    conn->tcp.data = conn;
    conn->timer.data = conn;
    conn->handles_open = 2;
    conn->id = atomic_fetch_add(&server->next_conn_id, 1) + 1;
    conn->requests_count = 0;
    conn->state = LTY__CONN_HANDSHAKE;
    conn->listener = which;
    memset(&conn->exchange.request, 0, sizeof(conn->exchange.request));
    conn->exchange.request.listener = which;
    int rc = uv_accept(listener, (uv_stream_t *)&conn->tcp);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_WARN, "conn=%llu err=NET what=accept uv=%s", (unsigned long long)conn->id,
                uv_err_name(rc));
        conn->peer_closed = true;
        conn_close(conn);
        return LTY_E_NET;
    }
    (void)uv_tcp_nodelay(&conn->tcp, 1);
    conn_remote_addr(conn);
    if (!lty__guard_admit(conn->loop, conn)) { /* refused: logged and counted there */
        conn->peer_closed = true;
        conn_close(conn);
        return LTY_E_UNAVAILABLE;
    }
    conn_timer_set(conn, conn_options(conn)->handshake_timeout_ms);
    conn_reading_update(conn);
    return 0;
}

void lty__conn_exchange_done(lty__conn_t *conn)
{
    if (conn->state == LTY__CONN_PENDING) {
        conn_respond(conn);
    } else if (conn->state == LTY__CONN_ORPHAN) {
        conn_exchange_release(conn);
        conn->state = LTY__CONN_CLOSING;
        if (conn->handles_open == 0) conn_slot_finish(conn);
    } else {
        LTY_LOG(LTY_LOG_ERR, "conn=%llu err=INTERNAL what=completion_unexpected state=%d",
                (unsigned long long)conn->id, (int)conn->state);
        LTY_ASSERT(false);
    }
}

void lty__conn_stop(lty__conn_t *conn)
{
    switch (conn->state) {
    case LTY__CONN_HANDSHAKE:
    case LTY__CONN_READING:
        conn_close(conn); /* no exchange in flight: nothing to finish */
        break;
    case LTY__CONN_PENDING:
    case LTY__CONN_WRITING:
        conn->close_after_write = true;
        break;
    default:
        break;
    }
}

void lty__conn_abort(lty__conn_t *conn)
{
    if (conn->state == LTY__CONN_FREE) return;
    conn_close(conn);
}

void lty__conn_evict(lty__conn_t *conn)
{
    LTY_ASSERT(conn->state == LTY__CONN_HANDSHAKE || conn->state == LTY__CONN_READING);
    conn_close(conn);
}

bool lty__conn_idle(const lty__conn_t *conn)
{
    return conn->state == LTY__CONN_READING && !lty_http_started(conn->http) &&
           conn->plain_in.size == 0;
}

void lty__conn_revocation_check(lty__conn_t *conn)
{
    bool open = conn->state == LTY__CONN_READING || conn->state == LTY__CONN_PENDING ||
                conn->state == LTY__CONN_WRITING;
    if (!open || conn_peer_current(conn)) return;
    if (conn->state == LTY__CONN_READING) {
        conn_revoked_event(conn, "closed");
        conn_close(conn);
    } else {
        /* The exchange in flight was accepted before the reload; it is answered, then closed. */
        conn_revoked_event(conn, "closed_after_response");
        conn->close_after_write = true;
    }
}

