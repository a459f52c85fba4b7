/* SPDX-License-Identifier: MIT */
/* The daemon's TLS configuration: programme CA, server key pair, session tickets and the
 * revoked-serial list, built once per start or SIGHUP and shared by reference with the sessions
 * opened on it. Not responsible for sessions (tls_session.c) or for writing the revoked file
 * (tls_cert.c). Logs through the process log: only the daemon opens servers. */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_sort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Revoked serials --------------------------------------------------------------------- */

static int serial_compare(const void *left, const void *right)
{
    return strcmp(left, right);
}

bool lty__tls_server_serial_revoked(const lty_tls_server_t *server, const char *serial_hex)
{
    LTY_ASSERT(server != NULL);
    LTY_ASSERT(serial_hex != NULL);
    if (server->revoked_count == 0) return false;
    return bsearch(serial_hex, server->revoked, server->revoked_count, sizeof(server->revoked[0]),
                   serial_compare) != NULL;
}

bool lty_tls_server_serial_revoked(const lty_tls_server_t *server, const char *serial_hex)
{
    return lty__tls_server_serial_revoked(server, serial_hex);
}

/* One serial more; the array doubles at each power of two. */
static int server_revoked_push(lty_tls_server_t *server, const char *serial)
{
    if (server->revoked_count >= LTY_TLS_REVOKED_SERIALS_MAX) {
        LTY_LOG(LTY_LOG_ERR, "err=TLS what=revoked_too_many limit=%d",
                LTY_TLS_REVOKED_SERIALS_MAX);
        return LTY_E_TLS;
    }
    if ((server->revoked_count & (server->revoked_count - 1)) == 0) {
        size_t capacity = server->revoked_count == 0 ? 16 : server->revoked_count * 2;
        void *grown = realloc(server->revoked, capacity * sizeof(server->revoked[0]));
        if (grown == NULL) return LTY_E_NOMEM;
        server->revoked = grown;
    }
    strcpy(server->revoked[server->revoked_count++], serial);
    return 0;
}

/* Reads the revoked list: one hex serial per line, '#' starts a comment, blank lines skipped.
 * A missing file means nothing is revoked; an unreadable or malformed one refuses to start,
 * because silently accepting revoked tills is worse than not starting. */
static int server_revoked_load(lty_tls_server_t *server, const char *path)
{
    if (path == NULL) return 0;
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        if (errno == ENOENT) return 0;
        LTY_LOG(LTY_LOG_ERR, "err=TLS what=revoked_open path=%s errno=%d", path, errno);
        return LTY_E_TLS;
    }
    int err = 0;
    char line[256];
    size_t line_number = 0;
    while (err == 0 && fgets(line, sizeof(line), file) != NULL) {
        line_number++;
        size_t size = strcspn(line, "#\n");
        while (size > 0 && (line[size - 1] == ' ' || line[size - 1] == '\t')) size--;
        size_t start = strspn(line, " \t");
        if (start >= size) continue;
        char serial[LTY_TLS_SERIAL_HEX_SIZE];
        if (!lty__tls_serial_normalize(line + start, size - start, serial, sizeof(serial))) {
            LTY_LOG(LTY_LOG_ERR, "err=TLS what=revoked_parse path=%s line=%zu", path, line_number);
            err = LTY_E_TLS;
        } else {
            err = server_revoked_push(server, serial);
        }
    }
    fclose(file);
    if (err == 0 && server->revoked_count > 1) {
        lty_sort(server->revoked, server->revoked_count, sizeof(server->revoked[0]), serial_compare);
    }
    return err;
}

/* ---- Callbacks --------------------------------------------------------------------------- */

/* Verify callback, called for every certificate of the client's chain. Returning non-zero
 * aborts verification with a fatal error that authmode OPTIONAL does not swallow, which is how
 * "presented but bad" fails the handshake while "not presented" passes. */
static int server_verify_cb(void *userdata, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const lty_tls_server_t *server = userdata;
    if (*flags != 0) return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
    if (depth == 0) {
        char serial[LTY_TLS_SERIAL_HEX_SIZE];
        if (!lty__tls_serial_hex_from_crt(crt, serial) ||
            lty__tls_server_serial_revoked(server, serial)) {
            *flags |= MBEDTLS_X509_BADCERT_REVOKED;
            return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
        }
    }
    return 0;
}

/* mbedTLS 2.28 has no public "was this handshake resumed?". A ticket the parser accepts is what
 * makes a 2.28 server resume (ssl_parse_session_ticket_ext), so the parser is wrapped to report
 * it to the session being handshaken on this thread. */
static int server_ticket_parse_cb(void *ticket, mbedtls_ssl_session *session, unsigned char *bytes,
                                  size_t size)
{
    int rc = mbedtls_ssl_ticket_parse(ticket, session, bytes, size);
    if (rc == 0) lty__tls_session_ticket_accepted();
    return rc;
}

/* ---- Open and close ---------------------------------------------------------------------- */

static int server_config_build(lty_tls_server_t *server, const lty_tls_server_options_t *options)
{
    int rc = mbedtls_ssl_config_defaults(&server->base.config, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return lty__tls_log_mbedtls(NULL, "config_defaults", rc), LTY_E_TLS;
    lty__tls_policy_apply(&server->base.config);
    if (options->ca_cert_path == NULL) {
        /* The member portal's listener: no CertificateRequest at all, so no browser ever shows
         * a certificate picker, and no client certificate is ever read. */
        mbedtls_ssl_conf_authmode(&server->base.config, MBEDTLS_SSL_VERIFY_NONE);
    } else {
        /* Optional: tills and operators present a certificate, and theirs must verify
         * (server_verify_cb turns a failure into a handshake failure). */
        mbedtls_ssl_conf_authmode(&server->base.config, MBEDTLS_SSL_VERIFY_OPTIONAL);
        mbedtls_ssl_conf_ca_chain(&server->base.config, &server->base.ca, NULL);
        mbedtls_ssl_conf_cert_req_ca_list(&server->base.config,
                                          MBEDTLS_SSL_CERT_REQ_CA_LIST_ENABLED);
        mbedtls_ssl_conf_verify(&server->base.config, server_verify_cb, server);
    }
    rc = mbedtls_ssl_conf_own_cert(&server->base.config, &server->base.cert, &server->base.key);
    if (rc != 0) return lty__tls_log_mbedtls(NULL, "conf_own_cert", rc), LTY_E_TLS;
    if (options->ticket_lifetime_s > 0) {
        rc = mbedtls_ssl_ticket_setup(&server->ticket, mbedtls_ctr_drbg_random, lty__tls_drbg(),
                                      MBEDTLS_CIPHER_AES_256_GCM, options->ticket_lifetime_s);
        if (rc != 0) return lty__tls_log_mbedtls(NULL, "ticket_setup", rc), LTY_E_TLS;
        mbedtls_ssl_conf_session_tickets_cb(&server->base.config, mbedtls_ssl_ticket_write,
                                            server_ticket_parse_cb, &server->ticket);
    } else {
        mbedtls_ssl_conf_session_tickets_cb(&server->base.config, NULL, NULL, NULL);
    }
    return 0;
}

static void server_free(lty_tls_server_t *server)
{
    lty__tls_base_free(&server->base);
    mbedtls_ssl_ticket_free(&server->ticket);
    free(server->revoked);
    free(server);
}

int lty_tls_server_open(lty_tls_server_t **server_out, const lty_tls_server_options_t *options)
{
    LTY_ASSERT(server_out != NULL);
    LTY_ASSERT(options != NULL);
    LTY_ASSERT(options->cert_path != NULL); /* ca_cert_path NULL: the portal (no request) */
    LTY_ASSERT(options->key_path != NULL);
    *server_out = NULL;
    if (lty__tls_random_ready(NULL) != 0) return LTY_E_TLS;
    lty_tls_server_t *server = calloc(1, sizeof(*server));
    if (server == NULL) return LTY_E_NOMEM;
    atomic_init(&server->references, 1);
    lty__tls_base_init(&server->base);
    mbedtls_ssl_ticket_init(&server->ticket);
    int err = lty__tls_base_load(&server->base, options->ca_cert_path, options->cert_path,
                                 options->key_path, NULL, LTY_LOG_ERR);
    if (err == 0) err = server_revoked_load(server, options->revoked_path);
    if (err == 0) err = server_config_build(server, options);
    if (err != 0) {
        server_free(server);
        return err;
    }
    *server_out = server;
    return 0;
}

void lty_tls_server_ref(lty_tls_server_t *server)
{
    LTY_ASSERT(server != NULL);
    int before = atomic_fetch_add(&server->references, 1);
    LTY_ASSERT(before > 0);
}

void lty_tls_server_unref(lty_tls_server_t *server)
{
    if (server == NULL) return;
    int before = atomic_fetch_sub(&server->references, 1);
    LTY_ASSERT(before > 0);
    if (before == 1) server_free(server);
}
