/* SPDX-License-Identifier: MIT */
/* TLS sessions over memory buffers: ciphertext goes in with lty_tls_session_feed() and comes out
 * of lty_tls_session_outgoing(), so the same code serves the daemon's event loops and the HTTP
 * client's blocking socket. This file owns the handshake (with the checks that must also hold
 * on resumption), application data, close_notify, the verified peer, and knowing whether a
 * handshake resumed. It owns no socket and no configuration.
 *
 * Server sessions log through the process log; client sessions through their client's logger
 * (tls_client.c), so a till's lines stay with that till. */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TLS_OUTGOING_BYTES_MAX (2 * LTY_WRITE_QUEUE_BYTES_MAX)
#define TLS_INCOMING_BYTES_MAX (2 * LTY_WRITE_QUEUE_BYTES_MAX)
#define TLS_INCOMING_CAPACITY_FIRST 16384

struct lty_tls_session_s {
    mbedtls_ssl_context ssl;
    lty_tls_server_t *server;    /* server side: the configuration reference held */
    lty_tls_client_t *client;    /* client side: where the session ticket is kept */
    const lty_logger_t *logger;  /* client side: the client's; NULL: the process log */
    unsigned char *incoming;     /* ciphertext fed and not yet consumed by mbedTLS */
    size_t incoming_offset;
    size_t incoming_size;
    size_t incoming_capacity;
    lty_buf_t outgoing;
    bool handshake_done;
    bool resumed;
    bool chain_verified;         /* client side: the server's Certificate was verified */
    bool failed;
    lty_tls_peer_t peer;
};

/* The session whose handshake this thread is driving, for the server's ticket parser: its
 * callback gets the configuration's context only, never the session's. */
static _Thread_local lty_tls_session_t *session_handshaking;

void lty__tls_session_ticket_accepted(void)
{
    if (session_handshaking != NULL) session_handshaking->resumed = true;
}

/* ---- Memory BIO -------------------------------------------------------------------------- */

static int session_send_cb(void *userdata, const unsigned char *bytes, size_t size)
{
    lty_tls_session_t *session = userdata;
    lty_buf_append(&session->outgoing, bytes, size);
    if (lty_buf_error(&session->outgoing) != 0) return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    return (int)size;
}

static int session_recv_cb(void *userdata, unsigned char *out, size_t size)
{
    lty_tls_session_t *session = userdata;
    size_t available = session->incoming_size - session->incoming_offset;
    if (available == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t taken = size < available ? size : available;
    memcpy(out, session->incoming + session->incoming_offset, taken);
    session->incoming_offset += taken;
    if (session->incoming_offset == session->incoming_size) {
        session->incoming_offset = 0;
        session->incoming_size = 0;
    }
    return (int)taken;
}

/* Client side: called for each certificate of the server's chain, which a full handshake always
 * sends and an abbreviated one never does. The verdict stays mbedTLS's (flags untouched). */
static int session_client_verify_cb(void *userdata, mbedtls_x509_crt *crt, int depth,
                                    uint32_t *flags)
{
    lty_tls_session_t *session = userdata;
    (void)crt;
    (void)depth;
    (void)flags;
    session->chain_verified = true;
    return 0;
}

/* ---- Open and close ---------------------------------------------------------------------- */

static int session_create(lty_tls_session_t **session_out, const mbedtls_ssl_config *config,
                          const lty_logger_t *logger)
{
    lty_tls_session_t *session = calloc(1, sizeof(*session));
    if (session == NULL) return LTY_E_NOMEM;
    session->logger = logger;
    mbedtls_ssl_init(&session->ssl);
    lty_buf_init(&session->outgoing, TLS_OUTGOING_BYTES_MAX);
    int rc = mbedtls_ssl_setup(&session->ssl, config);
    if (rc != 0) {
        lty__tls_log_mbedtls(logger, "ssl_setup", rc);
        mbedtls_ssl_free(&session->ssl);
        free(session);
        return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? LTY_E_NOMEM : LTY_E_TLS;
    }
    mbedtls_ssl_set_bio(&session->ssl, session, session_send_cb, session_recv_cb, NULL);
    *session_out = session;
    return 0;
}

int lty_tls_session_open_server(lty_tls_session_t **session_out, lty_tls_server_t *server)
{
    LTY_ASSERT(session_out != NULL);
    LTY_ASSERT(server != NULL);
    *session_out = NULL;
    lty_tls_session_t *session = NULL;
    int err = session_create(&session, &server->base.config, NULL);
    if (err != 0) return err;
    lty_tls_server_ref(server);
    session->server = server;
    *session_out = session;
    return 0;
}

int lty_tls_session_open_client(lty_tls_session_t **session_out, lty_tls_client_t *client)
{
    LTY_ASSERT(session_out != NULL);
    LTY_ASSERT(client != NULL);
    *session_out = NULL;
    lty_tls_session_t *session = NULL;
    int err = session_create(&session, &client->base.config, &client->logger);
    if (err != 0) return err;
    session->client = client;
    mbedtls_ssl_set_verify(&session->ssl, session_client_verify_cb, session);
    err = lty__tls_client_session_offer(client, &session->ssl);
    if (err != 0) {
        lty_tls_session_close(session);
        return err;
    }
    *session_out = session;
    return 0;
}

void lty_tls_session_close(lty_tls_session_t *session)
{
    if (session == NULL) return;
    mbedtls_ssl_free(&session->ssl);
    lty_buf_deinit(&session->outgoing);
    free(session->incoming);
    lty_tls_server_unref(session->server);
    free(session);
}

int lty_tls_session_feed(lty_tls_session_t *session, const void *bytes, size_t size)
{
    LTY_ASSERT(session != NULL);
    LTY_ASSERT(bytes != NULL || size == 0);
    if (size == 0) return 0;
    if (session->incoming_offset > 0) {
        size_t left = session->incoming_size - session->incoming_offset;
        memmove(session->incoming, session->incoming + session->incoming_offset, left);
        session->incoming_size = left;
        session->incoming_offset = 0;
    }
    if (size > TLS_INCOMING_BYTES_MAX - session->incoming_size) return LTY_E_NOMEM;
    size_t needed = session->incoming_size + size;
    if (needed > session->incoming_capacity) {
        size_t capacity = session->incoming_capacity != 0 ? session->incoming_capacity
                                                          : TLS_INCOMING_CAPACITY_FIRST;
        while (capacity < needed) capacity *= 2;
        unsigned char *grown = realloc(session->incoming, capacity);
        if (grown == NULL) return LTY_E_NOMEM;
        session->incoming = grown;
        session->incoming_capacity = capacity;
    }
    memcpy(session->incoming + session->incoming_size, bytes, size);
    session->incoming_size = needed;
    return 0;
}

/* ---- Handshake --------------------------------------------------------------------------- */

/* Checks done once the handshake is over, including on resumption (where the verify callback
 * did not run): the peer certificate still verified, its subject names each of CN, OU and title
 * at most once, and its serial is not revoked now. */
static int session_peer_accept(lty_tls_session_t *session)
{
    const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&session->ssl);
    memset(&session->peer, 0, sizeof(session->peer));
    if (crt == NULL) return session->client != NULL ? LTY_E_TLS_HANDSHAKE : 0;
    if (mbedtls_ssl_get_verify_result(&session->ssl) != 0) return LTY_E_TLS_HANDSHAKE;
    if (!lty__tls_peer_from_crt(crt, &session->peer)) {
        LTY_LOG_TO(session->logger, LTY_LOG_DEBUG, "err=TLS_HANDSHAKE detail=\"certificate "
                   "subject repeats CN, OU or title\" serial=%s", session->peer.serial_hex);
        return LTY_E_TLS_HANDSHAKE;
    }
    if (session->server != NULL &&
        lty__tls_server_serial_revoked(session->server, session->peer.serial_hex)) {
        return LTY_E_TLS_HANDSHAKE;
    }
    return 0;
}

static int session_handshake_failed(lty_tls_session_t *session, int mbedtls_rc)
{
    LTY_LOG_TO(session->logger, LTY_LOG_DEBUG, "err=TLS_HANDSHAKE mbedtls_rc=-0x%04x verify=0x%x",
               (unsigned)-mbedtls_rc, (unsigned)mbedtls_ssl_get_verify_result(&session->ssl));
    session->failed = true;
    return LTY_E_TLS_HANDSHAKE;
}

/* The handshake is over: accept the peer, then, on the client, keep the session to resume. */
static int session_handshake_complete(lty_tls_session_t *session)
{
    if (session->client != NULL) session->resumed = !session->chain_verified;
    if (session_peer_accept(session) != 0) {
        mbedtls_ssl_send_alert_message(&session->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                       MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED);
        LTY_LOG_TO(session->logger, LTY_LOG_DEBUG, "err=TLS_HANDSHAKE what=peer_refused");
        session->failed = true;
        return LTY_E_TLS_HANDSHAKE;
    }
    session->handshake_done = true;
    if (session->client != NULL) {
        lty__tls_client_session_remember(session->client, &session->ssl);
        LTY_LOG_TO(session->logger, LTY_LOG_DEBUG, "tls handshake done resumed=%d suite=%s",
                   (int)session->resumed, mbedtls_ssl_get_ciphersuite(&session->ssl));
    }
    return LTY_TLS_DONE;
}

int lty_tls_session_handshake(lty_tls_session_t *session)
{
    LTY_ASSERT(session != NULL);
    if (session->failed) return LTY_E_TLS_HANDSHAKE;
    if (session->handshake_done) return LTY_TLS_DONE;
    LTY_ASSERT(session_handshaking == NULL); /* one handshake at a time per thread */
    session_handshaking = session;
    int rc = mbedtls_ssl_handshake(&session->ssl);
    session_handshaking = NULL;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return LTY_TLS_WANT_READ;
    }
    if (rc != 0) return session_handshake_failed(session, rc);
    return session_handshake_complete(session);
}

/* ---- Application data -------------------------------------------------------------------- */

int lty_tls_session_read(lty_tls_session_t *session, void *out, size_t out_size, bool *closed_out)
{
    LTY_ASSERT(session != NULL && out != NULL && closed_out != NULL);
    LTY_ASSERT(session->handshake_done);
    *closed_out = false;
    if (out_size == 0) return 0;
    size_t size = out_size < INT32_MAX ? out_size : INT32_MAX;
    int rc = mbedtls_ssl_read(&session->ssl, out, size);
    if (rc > 0) return rc;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        *closed_out = true;
        return 0;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
    LTY_LOG_TO(session->logger, LTY_LOG_DEBUG, "err=TLS what=read mbedtls_rc=-0x%04x",
               (unsigned)-rc);
    return LTY_E_TLS;
}

int lty_tls_session_write(lty_tls_session_t *session, const void *bytes, size_t size)
{
    LTY_ASSERT(session != NULL && (bytes != NULL || size == 0));
    LTY_ASSERT(session->handshake_done);
    const unsigned char *cursor = bytes;
    while (size > 0) {
        int rc = mbedtls_ssl_write(&session->ssl, cursor, size);
        if (rc <= 0) {
            if (lty_buf_error(&session->outgoing) != 0) return LTY_E_NOMEM;
            LTY_LOG_TO(session->logger, LTY_LOG_DEBUG, "err=TLS what=write mbedtls_rc=-0x%04x",
                       (unsigned)-rc);
            return LTY_E_TLS;
        }
        cursor += rc;
        size -= (size_t)rc;
    }
    return 0;
}

void lty_tls_session_shutdown(lty_tls_session_t *session)
{
    LTY_ASSERT(session != NULL);
    if (session->handshake_done) (void)mbedtls_ssl_close_notify(&session->ssl);
}

const void *lty_tls_session_outgoing(lty_tls_session_t *session, size_t *size_out)
{
    LTY_ASSERT(session != NULL && size_out != NULL);
    *size_out = session->outgoing.size;
    return session->outgoing.data;
}

void lty_tls_session_outgoing_consume(lty_tls_session_t *session, size_t size)
{
    LTY_ASSERT(session != NULL);
    LTY_ASSERT(size <= session->outgoing.size);
    if (size == session->outgoing.size) {
        lty_buf_reset(&session->outgoing);
    } else {
        lty_buf_consume(&session->outgoing, size);
    }
}

void lty_tls_session_peer(const lty_tls_session_t *session, lty_tls_peer_t *peer_out)
{
    LTY_ASSERT(session != NULL && peer_out != NULL);
    *peer_out = session->peer;
}

bool lty_tls_session_resumed(const lty_tls_session_t *session)
{
    LTY_ASSERT(session != NULL);
    return session->resumed;
}

void lty_tls_session_trim(lty_tls_session_t *session, size_t keep_bytes)
{
    LTY_ASSERT(session != NULL);
    lty_buf_shrink(&session->outgoing, keep_bytes);
    if (session->incoming_size == 0 && session->incoming_capacity > keep_bytes) {
        free(session->incoming);
        session->incoming = NULL;
        session->incoming_capacity = 0;
        session->incoming_offset = 0;
    }
}
