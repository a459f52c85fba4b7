/* SPDX-License-Identifier: MIT */
/* The HTTP client's transport: a blocking TCP socket with deadlines, carrying a TLS session of
 * the mbedTLS seam. The seam works on memory buffers only, so this file moves ciphertext between
 * the socket and the session: it sends what the session queued, and feeds it what arrived. It
 * owns name resolution, connect, poll, send and receive; not TLS (tls/), not HTTP (lty_httpc.c).
 *
 * Sockets are non-blocking and every wait is a poll() bounded by the operation's deadline, so no
 * call blocks longer than its timeout however the peer behaves. Nothing here logs: the callers
 * report, and the TLS session logs through its client's logger. */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_httpc.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_RECV_BYTES 8192          /* ciphertext read per recv(); a TLS record is <= 16 KiB */
#define CONN_WRITE_CHUNK_BYTES 16384  /* plaintext encrypted and sent per step */

/* Waits until fd is ready for events or the deadline passes: 0, LTY_E_NET_TIMEOUT, LTY_E_NET. */
static int conn_wait(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left_ms = deadline_ms - lty_clock_monotonic_ms();
        if (left_ms <= 0) return LTY_E_NET_TIMEOUT;
        struct pollfd entry = {.fd = fd, .events = events, .revents = 0};
        int ready = poll(&entry, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
        if (ready > 0) return 0;
        if (ready == 0) return LTY_E_NET_TIMEOUT;
        if (errno != EINTR) return LTY_E_NET;
    }
}

/* One address of host:port: a non-blocking socket, connected within the deadline. */
static int socket_connect_one(const struct addrinfo *entry, int64_t deadline_ms, int *fd_out)
{
    int fd = socket(entry->ai_family, entry->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return LTY_E_NET;
    int err = 0;
    if (connect(fd, entry->ai_addr, entry->ai_addrlen) != 0) {
        err = errno == EINPROGRESS ? conn_wait(fd, POLLOUT, deadline_ms) : LTY_E_NET;
        int so_error = 0;
        socklen_t length = sizeof(so_error);
        if (err == 0 && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0 ||
                         so_error != 0)) {
            err = LTY_E_NET;
        }
    }
    if (err != 0) {
        close(fd);
        return err;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* requests are small */
    *fd_out = fd;
    return 0;
}

/* Tries each address of host in turn; the first that connects wins. */
static int socket_connect(const char *host, uint16_t port, int64_t deadline_ms, int *fd_out)
{
    char service[8];
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    if (getaddrinfo(host, service, &hints, &found) != 0) return LTY_E_NET;
    int err = LTY_E_NET;
    for (const struct addrinfo *entry = found; entry != NULL && err != 0; entry = entry->ai_next) {
        err = socket_connect_one(entry, deadline_ms, fd_out);
        if (err == LTY_E_NET_TIMEOUT) break; /* the deadline is spent for every address */
    }
    freeaddrinfo(found);
    return err;
}

/* Sends everything the session has queued: 0, LTY_E_NET, LTY_E_NET_TIMEOUT. */
static int conn_flush(lty_httpc_conn_t *conn, int64_t deadline_ms)
{
    for (;;) {
        size_t size = 0;
        const void *bytes = lty_tls_session_outgoing(conn->session, &size);
        if (size == 0) return 0;
        ssize_t sent = send(conn->fd, bytes, size, MSG_NOSIGNAL);
        if (sent > 0) {
            lty_tls_session_outgoing_consume(conn->session, (size_t)sent);
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int err = conn_wait(conn->fd, POLLOUT, deadline_ms);
            if (err != 0) return err;
        } else {
            return LTY_E_NET;
        }
    }
}

/* Feeds the session what the socket has, waiting for some: 0 (bytes fed, or *ended_out when the
 * peer closed the stream), LTY_E_NET, LTY_E_NET_TIMEOUT, LTY_E_NOMEM. */
static int conn_fill(lty_httpc_conn_t *conn, int64_t deadline_ms, bool *ended_out)
{
    unsigned char buffer[CONN_RECV_BYTES];
    *ended_out = false;
    for (;;) {
        ssize_t got = recv(conn->fd, buffer, sizeof(buffer), 0);
        if (got > 0) return lty_tls_session_feed(conn->session, buffer, (size_t)got);
        if (got == 0) {
            *ended_out = true;
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return LTY_E_NET;
        int err = conn_wait(conn->fd, POLLIN, deadline_ms);
        if (err != 0) return err;
    }
}

static int conn_handshake(lty_httpc_conn_t *conn, int64_t deadline_ms)
{
    for (;;) {
        int rc = lty_tls_session_handshake(conn->session);
        /* Whatever the result, what the session queued goes out: the next flight, or the
         * alert that tells the daemon why we stopped. */
        int err = conn_flush(conn, deadline_ms);
        if (rc < 0) return rc;
        if (err != 0) return err;
        if (rc == LTY_TLS_DONE) return 0;
        LTY_ASSERT(rc == LTY_TLS_WANT_READ);
        bool ended = false;
        err = conn_fill(conn, deadline_ms, &ended);
        if (err != 0) return err;
        if (ended) return LTY_E_NET; /* the daemon hung up mid-handshake (full, or refused us) */
    }
}

/* Closes the socket and frees the session without a word to the peer. */
static void conn_discard(lty_httpc_conn_t *conn)
{
    close(conn->fd);
    lty_tls_session_close(conn->session);
    conn->session = NULL;
    conn->fd = -1;
}

int lty_httpc_conn_open(lty_httpc_conn_t *conn, lty_tls_client_t *tls, const char *host,
                        uint16_t port, int timeout_ms)
{
    LTY_ASSERT(conn != NULL && tls != NULL && host != NULL);
    LTY_ASSERT(timeout_ms > 0);
    conn->session = NULL;
    conn->fd = -1;
    int64_t deadline_ms = lty_clock_monotonic_ms() + timeout_ms;
    int fd = -1;
    int err = socket_connect(host, port, deadline_ms, &fd);
    if (err != 0) return err;
    lty_tls_session_t *session = NULL;
    err = lty_tls_session_open_client(&session, tls);
    if (err != 0) {
        close(fd);
        return err;
    }
    conn->fd = fd;
    conn->session = session;
    err = conn_handshake(conn, deadline_ms);
    if (err != 0) conn_discard(conn);
    return err;
}

int lty_httpc_conn_write(lty_httpc_conn_t *conn, const void *bytes, size_t size, int timeout_ms)
{
    LTY_ASSERT(conn != NULL && conn->session != NULL);
    LTY_ASSERT(bytes != NULL || size == 0);
    int64_t deadline_ms = lty_clock_monotonic_ms() + timeout_ms;
    const char *cursor = bytes;
    while (size > 0) {
        /* Step by step, so the session's ciphertext buffer stays small whatever size is. */
        size_t chunk = size < CONN_WRITE_CHUNK_BYTES ? size : CONN_WRITE_CHUNK_BYTES;
        int err = lty_tls_session_write(conn->session, cursor, chunk);
        if (err != 0) return err == LTY_E_NOMEM ? LTY_E_NOMEM : LTY_E_NET;
        err = conn_flush(conn, deadline_ms);
        if (err != 0) return err;
        cursor += chunk;
        size -= chunk;
    }
    return 0;
}

int lty_httpc_conn_read(lty_httpc_conn_t *conn, void *out, size_t out_size, int timeout_ms)
{
    LTY_ASSERT(conn != NULL && conn->session != NULL);
    LTY_ASSERT(out != NULL && out_size > 0);
    int64_t deadline_ms = lty_clock_monotonic_ms() + timeout_ms;
    for (;;) {
        bool closed = false;
        int got = lty_tls_session_read(conn->session, out, out_size, &closed);
        if (got > 0) return got;
        if (got < 0) return LTY_E_NET; /* a record that does not decrypt: the stream is dead */
        if (closed) return 0;
        int err = conn_flush(conn, deadline_ms); /* an alert reading may have produced */
        if (err != 0) return err;
        bool ended = false;
        err = conn_fill(conn, deadline_ms, &ended);
        if (err != 0) return err;
        /* An end without close_notify is how some servers close after a complete response:
         * callers that framed their data already have it, so it reads as an orderly end. */
        if (ended) return 0;
    }
}

bool lty_httpc_conn_resumed(const lty_httpc_conn_t *conn)
{
    LTY_ASSERT(conn != NULL && conn->session != NULL);
    return lty_tls_session_resumed(conn->session);
}

void lty_httpc_conn_close(lty_httpc_conn_t *conn)
{
    if (conn == NULL || conn->session == NULL) return;
    lty_tls_session_shutdown(conn->session);
    size_t size = 0;
    const void *bytes = lty_tls_session_outgoing(conn->session, &size);
    if (size > 0) {
        ssize_t sent = send(conn->fd, bytes, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)sent; /* best effort: the connection is going away either way */
    }
    conn_discard(conn);
}
