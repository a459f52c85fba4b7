/* SPDX-License-Identifier: MIT */
/**
 * @file lty_tls.h
 * The mbedTLS seam: every TLS and X.509 call of the project goes through this header (and
 * lty_crypto.h for hashing and random bytes). Every file that includes an mbedTLS header is in
 * one folder, common/src/tls/, so moving to mbedTLS 3.6 is that folder's work:
 * - tls_policy.c:  the TLS policy below, and what a certificate subject means (lty_tls_peer_t);
 * - tls_server.c:  server configuration, session tickets, the revoked-serial list;
 * - tls_client.c:  client configuration and the session it keeps for resumption;
 * - tls_session.c: TLS sessions over memory buffers (handshake, read, write, resumption);
 * - tls_cert.c:    certificate issuing for `loyaltyctl init`, `till add`, `operator add`, and
 *                  appending to the revoked file;
 * - tls_crypto.c:  the process-wide random generator and SHA-256 (lty_crypto.h);
 * - tls_internal.h: what those files share; never included from outside the folder.
 *
 * No sockets here. The daemon feeds ciphertext from libuv and drains ciphertext to libuv
 * (daemon conn.c); the HTTP client does the same over a blocking socket (lty_httpc_conn.c).
 *
 * Policy, fixed here and nowhere else: TLS 1.2 only (min and max set explicitly), ECDHE key
 * exchange with AEAD suites only (AES-GCM, ChaCha20-Poly1305), renegotiation off, client
 * certificate requested but optional on the server (a presented certificate must verify against
 * the programme CA and must not be revoked, else the handshake fails); the client always
 * verifies the server against the programme CA.
 *
 * Certificate subjects carry the role: OU is "till", "operator" or "server"; for a till
 * CN is "<store>/<till>" (e.g. "S001/T01"); for an operator CN is the operator name and the
 * title attribute names the operator's role ("viewer", "admin", ...; the API layer decides
 * what a role may do). A verified certificate whose subject holds more than one CN, OU or title
 * is refused at the handshake: which one would count is exactly what an attacker would pick.
 *
 * Caveats:
 * - Thread-safe across sessions; one session is used by one thread at a time. A client
 *   configuration may be shared by sessions on several threads (the session it keeps for
 *   resumption is under a mutex).
 * - lty_tls_server_t is reference-counted: sessions keep the configuration they started with,
 *   so a SIGHUP reload can swap configurations without dropping connections.
 * - Logging: the server side (configuration, server sessions) logs through the process log
 *   (LTY_LOG). The client side logs only through the log_cb of its lty_tls_client_options_t,
 *   and is silent without one: it never touches the process sink, because the till library
 *   links it and a till may run several clients on several threads.
 * - Contract violations (NULL where a pointer is required, a session used before its handshake
 *   is done) are LTY_ASSERTs. The till library validates everything before it calls in.
 * - lty_tls_session_resumed() uses public mbedTLS API only. On the server, the session ticket
 *   parser is wrapped, and a ticket it accepted during the session's handshake means the
 *   handshake was abbreviated; on the client, a handshake that completed without the server's
 *   certificate chain being verified was abbreviated (a full TLS 1.2 handshake always carries
 *   the server's Certificate with our suites).
 */
#ifndef LTY_TLS_H
#define LTY_TLS_H

#include "lty/lty_crypto.h" /* lty_crypto_* used to be declared here; kept for old includers */
#include "lty/lty_log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lty_role {
    LTY_ROLE_NONE = 0, /* no client certificate */
    LTY_ROLE_TILL = 1,
    LTY_ROLE_OPERATOR = 2,
    LTY_ROLE_SERVER = 3,
    LTY_ROLE_MEMBER = 4, /* portal session; never in a certificate */
} lty_role_t;

/** Who is on the other end of a verified session. */
typedef struct lty_tls_peer_s {
    lty_role_t role;
    char name[65];  /* operator name, or till id ("T01") */
    char store[17]; /* till's store ("S001"); "" otherwise */
    char title[17]; /* operator's role from the subject's title attribute; "" if none */
    char serial_hex[41];
} lty_tls_peer_t;

/* ---- Server configuration ------------------------------------------------------------ */

typedef struct lty_tls_server_s lty_tls_server_t;

typedef struct lty_tls_server_options_s {
    const char *ca_cert_path;     /* programme CA (PEM); NULL: never request a client
                                   * certificate (the member portal's public listener) */
    const char *cert_path;        /* server certificate, optionally followed by its chain (PEM) */
    const char *key_path;         /* server private key (PEM) */
    const char *revoked_path;     /* text file, one hex serial per line; NULL or absent = none */
    uint32_t ticket_lifetime_s;   /* session ticket lifetime; 0 disables tickets */
} lty_tls_server_options_t;

/**
 * Load keys and certificates and build the server configuration (refcount 1).
 * @return 0, LTY_E_TLS (unreadable or mismatched files; detail logged), LTY_E_NOMEM.
 */
int lty_tls_server_open(lty_tls_server_t **server_out, const lty_tls_server_options_t *options);
/** Take one more reference (a session holds one). */
void lty_tls_server_ref(lty_tls_server_t *server);
/** Drop a reference; the last one frees. NULL is accepted. */
void lty_tls_server_unref(lty_tls_server_t *server);

/* ---- Sessions over memory buffers --------------------------------------------------- */

typedef struct lty_tls_session_s lty_tls_session_t;

/** Results of lty_tls_session_* progress calls (all non-negative; errors are negative). */
enum {
    LTY_TLS_DONE = 0,      /* step complete */
    LTY_TLS_WANT_READ = 1, /* feed more ciphertext, then call again */
};

/** A server-side session on server (takes a reference). */
int lty_tls_session_open_server(lty_tls_session_t **session_out, lty_tls_server_t *server);

typedef struct lty_tls_client_s lty_tls_client_t; /* see "Client configuration" */

/**
 * A client-side session over memory buffers; the caller owns the socket (lty_httpc_conn.c,
 * tests). It offers client's last session for resumption and, once the handshake is done,
 * stores the new one in client. It logs through client's log callback only.
 * @param[in] client  Must outlive the session.
 * @return 0, LTY_E_NOMEM, LTY_E_TLS.
 * @note lty_tls_session_peer() then describes the server's certificate.
 */
int lty_tls_session_open_client(lty_tls_session_t **session_out, lty_tls_client_t *client);
/** Free the session; NULL accepted. Does not send close_notify (see lty_tls_session_shutdown). */
void lty_tls_session_close(lty_tls_session_t *session);
/** Append received ciphertext; 0 or LTY_E_NOMEM. Bytes are copied. */
int lty_tls_session_feed(lty_tls_session_t *session, const void *bytes, size_t size);
/**
 * Drive the handshake as far as the ciphertext fed so far allows; send what
 * lty_tls_session_outgoing() holds after every call, whatever the result (a failure may leave a
 * fatal alert there).
 * @return LTY_TLS_DONE, LTY_TLS_WANT_READ (feed more, call again), or LTY_E_TLS_HANDSHAKE
 *         (sticky: the session is dead; the detail is logged at DEBUG).
 */
int lty_tls_session_handshake(lty_tls_session_t *session);
/**
 * Decrypt available application data into out.
 * @return > 0: bytes read; 0 with *closed_out=true: the peer sent close_notify; 0 with
 *         *closed_out=false: more ciphertext is needed; LTY_E_TLS: fatal record error.
 */
int lty_tls_session_read(lty_tls_session_t *session, void *out, size_t out_size,
                         bool *closed_out);
/** Encrypt size bytes of plaintext into the outgoing ciphertext buffer. 0 or LTY_E_TLS/NOMEM. */
int lty_tls_session_write(lty_tls_session_t *session, const void *bytes, size_t size);
/** Queue a close_notify alert into the outgoing buffer. */
void lty_tls_session_shutdown(lty_tls_session_t *session);
/** Ciphertext waiting to be sent: a view valid until the next call on session. */
const void *lty_tls_session_outgoing(lty_tls_session_t *session, size_t *size_out);
/** Mark size bytes of the outgoing buffer as sent. */
void lty_tls_session_outgoing_consume(lty_tls_session_t *session, size_t size);
/** After the handshake: the verified peer (role NONE when no certificate was presented). */
void lty_tls_session_peer(const lty_tls_session_t *session, lty_tls_peer_t *peer_out);
/** After the handshake: true when it resumed a session by ticket (abbreviated handshake). */
bool lty_tls_session_resumed(const lty_tls_session_t *session);
/** Free the session's ciphertext buffers when empty and larger than keep_bytes (idle). */
void lty_tls_session_trim(lty_tls_session_t *session, size_t keep_bytes);
/** Does server's revocation list name serial_hex (as in lty_tls_peer_t)? For open sessions
 *  after a reload. Thread-safe. */
bool lty_tls_server_serial_revoked(const lty_tls_server_t *server, const char *serial_hex);

/* ---- Client configuration ---------------------------------------------------------- */

typedef struct lty_tls_client_options_s {
    const char *ca_cert_path;   /* programme CA: the server must chain to it */
    const char *cert_path;      /* client certificate, or NULL for none */
    const char *key_path;       /* client key; NULL exactly when cert_path is NULL */
    const char *server_name;    /* expected server name; NULL skips the name check (CA pinned) */
    lty_log_cb log_cb;          /* where this client's lines go; NULL: silent */
    void *log_userdata;         /* passed to log_cb */
} lty_tls_client_options_t;

/**
 * Load the client's files and build its configuration. Strings are copied.
 * @return 0, LTY_E_TLS (a file unreadable or the key not matching; logged through log_cb),
 *         LTY_E_NOMEM.
 * @note Every session opened on the client logs through options->log_cb, on the thread that
 *       drives it.
 */
int lty_tls_client_open(lty_tls_client_t **client_out, const lty_tls_client_options_t *options);
/** Free the configuration; NULL accepted. Its sessions must be closed first. */
void lty_tls_client_close(lty_tls_client_t *client);

/* ---- Certificates -------------------------------------------------------------------- */

typedef struct lty_tls_subject_s {
    lty_role_t role;  /* TILL, OPERATOR or SERVER */
    const char *name; /* till id, operator name, or server host name */
    const char *store; /* till's store; NULL otherwise */
    const char *title; /* operator's role (title attribute), or NULL for none */
} lty_tls_subject_t;

/** Create a self-signed programme CA (EC P-256), writing PEM files. Refuses existing files. */
int lty_tls_ca_create(const char *common_name, const char *cert_path, const char *key_path,
                      int valid_days);
/**
 * Issue a certificate signed by the CA for subject, writing a fresh EC P-256 key and the
 * certificate as PEM (key file mode 0600). A SERVER certificate carries subjectAltName
 * DNS:<name>, DNS:localhost and IP:127.0.0.1.
 * @param[out] serial_hex_out  41 bytes or NULL: the new certificate's serial in hex.
 */
int lty_tls_cert_issue(const char *ca_cert_path, const char *ca_key_path,
                       const lty_tls_subject_t *subject, int valid_days, const char *cert_path,
                       const char *key_path, char *serial_hex_out);

/**
 * Read the subject and serial of a certificate file into peer_out (no verification), e.g. for
 * `loyaltyctl` to print or revoke what it issued.
 * @return 0 or LTY_E_TLS (unreadable or not a certificate).
 */
int lty_tls_cert_peer(const char *cert_path, lty_tls_peer_t *peer_out);

/** Most serials a revoked file may list; more refuses to load (lty_tls_server_open fails). */
#define LTY_TLS_REVOKED_SERIALS_MAX 100000

/**
 * Append serial_hex (hex digits, optional ':' separators, any case) as one line to the revoked
 * file at revoked_path, creating it (0644) if absent. The daemon reads it at start and on
 * SIGHUP; already-open connections are not cut.
 * @return 0, LTY_E_CONFIG (not a hex serial of at most 20 bytes), LTY_E_IO.
 */
int lty_tls_revoked_add(const char *revoked_path, const char *serial_hex);

/**
 * Whether the PEM file at key_path holds the private key of the certificate at cert_path (the
 * daemon refuses to start with the programme CA's key inside its data directory).
 * @return 1 when it does, 0 when it does not or is no private key, LTY_E_TLS when cert_path is
 *         not a readable certificate.
 */
int lty_tls_key_matches_cert(const char *key_path, const char *cert_path);

#endif
