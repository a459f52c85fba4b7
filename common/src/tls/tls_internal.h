/* SPDX-License-Identifier: MIT */
/* What the files of the mbedTLS seam share: the mbedTLS headers, the structs behind the opaque
 * types of lty_tls.h, and helpers named lty__tls_*. Only the .c files of common/src/tls/
 * include it, so every mbedTLS include of the project stays in this folder (see lty_tls.h). It
 * uses public mbedTLS API only: no private mbedTLS header, no fields of mbedtls_ssl_context. */
#ifndef LTY_TLS_INTERNAL_H
#define LTY_TLS_INTERNAL_H

#include "lty/lty_buf.h"
#include "lty/lty_log.h"
#include "lty/lty_tls.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LTY_TLS_SERIAL_HEX_SIZE 41 /* 20 bytes in hex, plus NUL */

/* What server and client configurations both hold: the mbedTLS configuration, the programme CA
 * the peer must chain to, and the own certificate and key (a client may have none). */
typedef struct lty__tls_base_s {
    mbedtls_ssl_config config;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
} lty__tls_base_t;

struct lty_tls_server_s {
    atomic_int references;
    lty__tls_base_t base;
    mbedtls_ssl_ticket_context ticket;
    char (*revoked)[LTY_TLS_SERIAL_HEX_SIZE]; /* sorted normalized serials */
    size_t revoked_count;
};

struct lty_tls_client_s {
    lty__tls_base_t base;
    char *server_name;
    lty_logger_t logger;           /* the caller's; every session of this client logs here */
    pthread_mutex_t session_mutex; /* guards session and session_valid */
    mbedtls_ssl_session session;   /* last session, offered for resumption */
    bool session_valid;
};

/* ---- tls_crypto.c ----------------------------------------------------------------------- */

/** Seed the process-wide generator once. 0, or LTY_E_TLS (logged through logger; NULL: the
 *  process log). */
int lty__tls_random_ready(const lty_logger_t *logger);
/** The generator, for mbedtls_ssl_conf_rng() and friends; lty__tls_random_ready() first. */
mbedtls_ctr_drbg_context *lty__tls_drbg(void);
/** Log an mbedTLS failure with its code and text (WARN). logger NULL: the process log. */
void lty__tls_log_mbedtls(const lty_logger_t *logger, const char *what, int mbedtls_rc);

/* ---- tls_cert.c ------------------------------------------------------------------------- */

/** Create path (O_EXCL) with bytes, fsync it: 0, LTY_E_EXISTS, LTY_E_IO (logged; a failed file
 *  is removed). Key files get mode 0600. */
int lty__tls_file_write_new(const char *path, const void *bytes, size_t size, mode_t mode);

/* ---- tls_policy.c ----------------------------------------------------------------------- */

/** The policy of lty_tls.h, common to server and client configurations. */
void lty__tls_policy_apply(mbedtls_ssl_config *config);
void lty__tls_base_init(lty__tls_base_t *base);
void lty__tls_base_free(lty__tls_base_t *base);
/**
 * Load the CA file, and the own certificate and key when cert_path is not NULL, then check that
 * the key is the certificate's. 0, or LTY_E_TLS with what failed logged at level (logger NULL:
 * the process log).
 */
int lty__tls_base_load(lty__tls_base_t *base, const char *ca_path, const char *cert_path,
                       const char *key_path, const lty_logger_t *logger, int level);
/** Serials compare as lowercase hex without leading zeros ("00AB:CD" is "abcd"). False for
 *  anything that is not hex (':' and blanks allowed) or does not fit out_size. */
bool lty__tls_serial_normalize(const char *text, size_t size, char *out, size_t out_size);
/** The normalized serial of crt; false if it has none or a longer one than 20 bytes. */
bool lty__tls_serial_hex_from_crt(const mbedtls_x509_crt *crt,
                                  char out[LTY_TLS_SERIAL_HEX_SIZE]);
/** Role from OU, identity from CN, an operator's role from title, serial; role NONE when the
 *  subject breaks the convention; false when it repeats CN, OU or title (refuse it). */
bool lty__tls_peer_from_crt(const mbedtls_x509_crt *crt, lty_tls_peer_t *peer_out);

/* ---- tls_server.c ----------------------------------------------------------------------- */

bool lty__tls_server_serial_revoked(const lty_tls_server_t *server, const char *serial_hex);

/* ---- tls_client.c ----------------------------------------------------------------------- */

/** Set the expected server name on ssl and offer client's last session. 0 or LTY_E_NOMEM. */
int lty__tls_client_session_offer(lty_tls_client_t *client, mbedtls_ssl_context *ssl);
/** Keep the session of a completed handshake on ssl for the next one to resume. */
void lty__tls_client_session_remember(lty_tls_client_t *client, const mbedtls_ssl_context *ssl);

/* ---- tls_session.c ---------------------------------------------------------------------- */

/** Called by the server's ticket parser when it accepted a ticket: the session whose
 *  handshake this thread is driving resumes (lty_tls_session_resumed()). */
void lty__tls_session_ticket_accepted(void);

#endif
