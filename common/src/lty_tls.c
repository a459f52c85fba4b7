/* SPDX-License-Identifier: MIT */
/* The mbedTLS seam. Every mbedTLS call of the project lives in this file: the TLS policy (TLS 1.2
 * only, ECDHE + AEAD suites, no renegotiation, optional-but-verified client certificates,
 * revoked serials), memory-buffer sessions for the daemon's event loops, a blocking socket client
 * for the till library and the CLI, certificate issuing, SHA-256 and the process-wide random
 * generator. It does not own sockets of the daemon (conn.c does) nor any HTTP.
 *
 * Every mbedtls_ssl_conf_* call states its value even where 2.28's default happens to agree,
 * because 2.28's defaults are unsafe in places (TLS 1.0 minimum, no client certificate check)
 * and 3.x changes several of them. */
#include "lty/lty_tls.h"
#include "lty/lty_assert.h"
#include "lty/lty_buf.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/net_sockets.h> /* MBEDTLS_ERR_NET_* codes only; the sockets are ours */
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_internal.h> /* handshake->resume: 2.28 has no public "was resumed" */
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Policy ------------------------------------------------------------------------------ */

/* ECDHE key exchange with AEAD ciphers only: forward secrecy and no CBC padding oracles. */
static const int tls_ciphersuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

static const mbedtls_ecp_group_id tls_curves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

#define TLS_OUTGOING_BYTES_MAX (2 * LTY_WRITE_QUEUE_BYTES_MAX)
#define TLS_INCOMING_BYTES_MAX (2 * LTY_WRITE_QUEUE_BYTES_MAX)
#define TLS_PEM_BYTES_MAX 8192
#define TLS_SERIAL_BYTES 16

/* ---- Process-wide random generator ------------------------------------------------------ */

/* One CTR-DRBG for the process: with MBEDTLS_THREADING_C its calls take an internal mutex, so
 * every loop thread, the writer and the CLI may share it. */
static mbedtls_entropy_context tls_entropy;
static mbedtls_ctr_drbg_context tls_drbg;
static pthread_once_t tls_drbg_once = PTHREAD_ONCE_INIT;
static int tls_drbg_status;

static void tls_log_mbedtls(const char *what, int mbedtls_rc)
{
    char text[128];
    mbedtls_strerror(mbedtls_rc, text, sizeof(text));
    LTY_LOG(LTY_LOG_WARN, "err=TLS what=%s mbedtls_rc=-0x%04x detail=\"%s\"", what,
            (unsigned)-mbedtls_rc, text);
}

static void tls_drbg_init(void)
{
    static const char personal[] = "loyaltyd";
    mbedtls_entropy_init(&tls_entropy);
    mbedtls_ctr_drbg_init(&tls_drbg);
    int rc = mbedtls_ctr_drbg_seed(&tls_drbg, mbedtls_entropy_func, &tls_entropy,
                                   (const unsigned char *)personal, sizeof(personal) - 1);
    if (rc != 0) tls_log_mbedtls("ctr_drbg_seed", rc);
    tls_drbg_status = rc == 0 ? 0 : LTY_E_TLS;
}

static int tls_random_ready(void)
{
    pthread_once(&tls_drbg_once, tls_drbg_init);
    return tls_drbg_status;
}

int lty_crypto_random(void *out, size_t size)
{
    LTY_ASSERT(out != NULL || size == 0);
    if (tls_random_ready() != 0) return LTY_E_TLS;
    unsigned char *bytes = out;
    while (size > 0) {
        size_t chunk = size < MBEDTLS_CTR_DRBG_MAX_REQUEST ? size : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        int rc = mbedtls_ctr_drbg_random(&tls_drbg, bytes, chunk);
        if (rc != 0) {
            tls_log_mbedtls("ctr_drbg_random", rc);
            return LTY_E_TLS;
        }
        bytes += chunk;
        size -= chunk;
    }
    return 0;
}

void lty_crypto_sha256(const void *bytes, size_t size, uint8_t digest_out[32])
{
    LTY_ASSERT(bytes != NULL || size == 0);
    LTY_ASSERT(digest_out != NULL);
    int rc = mbedtls_sha256_ret(bytes, size, digest_out, 0);
    LTY_ASSERT(rc == 0); /* software SHA-256 cannot fail */
}

/* ---- Serials and peers ------------------------------------------------------------------- */

/* Serials are compared as lowercase hex without leading zeros, so "00AB:CD" matches "abcd". */
static bool serial_normalize(const char *text, size_t size, char *out, size_t out_size)
{
    size_t used = 0;
    for (size_t index = 0; index < size; index++) {
        char c = text[index];
        if (c == ':' || c == ' ' || c == '\t' || c == '\r') continue;
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (!hex) return false;
        if (used == 0 && c == '0') continue;
        if (used + 1 >= out_size) return false;
        out[used++] = c;
    }
    if (used == 0) {
        if (out_size < 2) return false;
        out[used++] = '0';
    }
    out[used] = '\0';
    return true;
}

static bool serial_hex_from_crt(const mbedtls_x509_crt *crt, char out[41])
{
    static const char digits[] = "0123456789abcdef";
    char raw[2 * 64 + 1];
    size_t length = crt->serial.len;
    if (length == 0 || length > 64) return false;
    for (size_t index = 0; index < length; index++) {
        raw[2 * index] = digits[crt->serial.p[index] >> 4];
        raw[2 * index + 1] = digits[crt->serial.p[index] & 0x0f];
    }
    return serial_normalize(raw, 2 * length, out, 41);
}

static bool name_value_copy(const mbedtls_x509_buf *value, char *out, size_t out_size)
{
    if (value->len == 0 || value->len >= out_size) return false;
    for (size_t index = 0; index < value->len; index++) {
        unsigned char c = value->p[index];
        if (c < 0x21 || c > 0x7e) return false;
    }
    memcpy(out, value->p, value->len);
    out[value->len] = '\0';
    return true;
}

/* Role from OU, identity from CN. A verified certificate whose subject does not follow the
 * convention yields role NONE: it authenticates nobody. */
static void peer_from_crt(const mbedtls_x509_crt *crt, lty_tls_peer_t *peer)
{
    memset(peer, 0, sizeof(*peer));
    char common_name[LTY_STORE_ID_BYTES_MAX + 1 + sizeof(peer->name)] = "";
    char unit[16] = "";
    bool cn_ok = false;
    bool ou_ok = false;
    for (const mbedtls_x509_name *name = &crt->subject; name != NULL; name = name->next) {
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0) {
            cn_ok = name_value_copy(&name->val, common_name, sizeof(common_name));
        } else if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORG_UNIT, &name->oid) == 0) {
            ou_ok = name_value_copy(&name->val, unit, sizeof(unit));
        }
    }
    if (!serial_hex_from_crt(crt, peer->serial_hex) || !cn_ok || !ou_ok) return;
    if (strcmp(unit, "till") == 0) {
        const char *slash = strchr(common_name, '/');
        if (slash == NULL || strchr(slash + 1, '/') != NULL) return;
        size_t store_size = (size_t)(slash - common_name);
        size_t till_size = strlen(slash + 1);
        if (store_size == 0 || store_size > LTY_STORE_ID_BYTES_MAX) return;
        if (till_size == 0 || till_size > LTY_TILL_ID_BYTES_MAX) return;
        memcpy(peer->store, common_name, store_size);
        memcpy(peer->name, slash + 1, till_size + 1);
        peer->role = LTY_ROLE_TILL;
    } else if (strcmp(unit, "operator") == 0 || strcmp(unit, "server") == 0) {
        if (strlen(common_name) >= sizeof(peer->name)) return;
        strcpy(peer->name, common_name);
        peer->role = strcmp(unit, "operator") == 0 ? LTY_ROLE_OPERATOR : LTY_ROLE_SERVER;
    }
}

/* ---- Server configuration ---------------------------------------------------------------- */

struct lty_tls_server_s {
    atomic_int references;
    mbedtls_ssl_config config;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_ssl_ticket_context ticket;
    char (*revoked)[41]; /* sorted normalized serials */
    size_t revoked_count;
};

static int serial_compare(const void *left, const void *right)
{
    return strcmp(left, right);
}

static bool server_serial_revoked(const lty_tls_server_t *server, const char *serial_hex)
{
    if (server->revoked_count == 0) return false;
    return bsearch(serial_hex, server->revoked, server->revoked_count, sizeof(server->revoked[0]),
                   serial_compare) != NULL;
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
        char serial[41];
        if (!serial_normalize(line + start, size - start, serial, sizeof(serial))) {
            LTY_LOG(LTY_LOG_ERR, "err=TLS what=revoked_parse path=%s line=%zu", path, line_number);
            err = LTY_E_TLS;
        } else if (server->revoked_count >= LTY_TLS_REVOKED_SERIALS_MAX) {
            LTY_LOG(LTY_LOG_ERR, "err=TLS what=revoked_too_many limit=%d",
                    LTY_TLS_REVOKED_SERIALS_MAX);
            err = LTY_E_TLS;
        } else {
            if ((server->revoked_count & (server->revoked_count - 1)) == 0) {
                size_t capacity = server->revoked_count == 0 ? 16 : server->revoked_count * 2;
                void *grown = realloc(server->revoked, capacity * sizeof(server->revoked[0]));
                if (grown == NULL) err = LTY_E_NOMEM;
                else server->revoked = grown;
            }
            if (err == 0) strcpy(server->revoked[server->revoked_count++], serial);
        }
    }
    fclose(file);
    if (err == 0 && server->revoked_count > 1) {
        qsort(server->revoked, server->revoked_count, sizeof(server->revoked[0]), serial_compare);
    }
    return err;
}

/* Verify callback, called for every certificate of the client's chain. Returning non-zero
 * aborts verification with a fatal error that authmode OPTIONAL does not swallow, which is how
 * "presented but bad" fails the handshake while "not presented" passes. */
static int server_verify_cb(void *userdata, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const lty_tls_server_t *server = userdata;
    if (*flags != 0) return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
    if (depth == 0) {
        char serial[41];
        if (!serial_hex_from_crt(crt, serial) || server_serial_revoked(server, serial)) {
            *flags |= MBEDTLS_X509_BADCERT_REVOKED;
            return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
        }
    }
    return 0;
}

/* Policy common to server and client configurations. */
static void config_policy_apply(mbedtls_ssl_config *config)
{
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, &tls_drbg);
    mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(config, tls_ciphersuites);
    mbedtls_ssl_conf_curves(config, tls_curves);
    mbedtls_ssl_conf_renegotiation(config, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    mbedtls_ssl_conf_legacy_renegotiation(config, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
    mbedtls_ssl_conf_extended_master_secret(config, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
    mbedtls_ssl_conf_encrypt_then_mac(config, MBEDTLS_SSL_ETM_ENABLED); /* moot with AEAD */
}

static int server_config_build(lty_tls_server_t *server, const lty_tls_server_options_t *options)
{
    int rc = mbedtls_ssl_config_defaults(&server->config, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return tls_log_mbedtls("config_defaults", rc), LTY_E_TLS;
    config_policy_apply(&server->config);
    /* Optional: members on the portal have no certificate; tills and operators do, and theirs
     * must verify (server_verify_cb turns a failure into a handshake failure). */
    mbedtls_ssl_conf_authmode(&server->config, MBEDTLS_SSL_VERIFY_OPTIONAL);
    mbedtls_ssl_conf_ca_chain(&server->config, &server->ca, NULL);
    mbedtls_ssl_conf_cert_req_ca_list(&server->config, MBEDTLS_SSL_CERT_REQ_CA_LIST_ENABLED);
    mbedtls_ssl_conf_verify(&server->config, server_verify_cb, server);
    rc = mbedtls_ssl_conf_own_cert(&server->config, &server->cert, &server->key);
    if (rc != 0) return tls_log_mbedtls("conf_own_cert", rc), LTY_E_TLS;
    if (options->ticket_lifetime_s > 0) {
        rc = mbedtls_ssl_ticket_setup(&server->ticket, mbedtls_ctr_drbg_random, &tls_drbg,
                                      MBEDTLS_CIPHER_AES_256_GCM, options->ticket_lifetime_s);
        if (rc != 0) return tls_log_mbedtls("ticket_setup", rc), LTY_E_TLS;
        mbedtls_ssl_conf_session_tickets_cb(&server->config, mbedtls_ssl_ticket_write,
                                            mbedtls_ssl_ticket_parse, &server->ticket);
    } else {
        mbedtls_ssl_conf_session_tickets_cb(&server->config, NULL, NULL, NULL);
    }
    return 0;
}

static int server_files_load(lty_tls_server_t *server, const lty_tls_server_options_t *options)
{
    int rc = mbedtls_x509_crt_parse_file(&server->ca, options->ca_cert_path);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=TLS what=ca_load path=%s mbedtls_rc=-0x%04x",
                options->ca_cert_path, (unsigned)-rc);
        return LTY_E_TLS;
    }
    rc = mbedtls_x509_crt_parse_file(&server->cert, options->cert_path);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=TLS what=cert_load path=%s mbedtls_rc=-0x%04x",
                options->cert_path, (unsigned)-rc);
        return LTY_E_TLS;
    }
    rc = mbedtls_pk_parse_keyfile(&server->key, options->key_path, NULL);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=TLS what=key_load path=%s mbedtls_rc=-0x%04x",
                options->key_path, (unsigned)-rc);
        return LTY_E_TLS;
    }
    rc = mbedtls_pk_check_pair(&server->cert.pk, &server->key);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=TLS what=key_mismatch cert=%s key=%s", options->cert_path,
                options->key_path);
        return LTY_E_TLS;
    }
    return 0;
}

static void server_free(lty_tls_server_t *server)
{
    mbedtls_ssl_config_free(&server->config);
    mbedtls_ssl_ticket_free(&server->ticket);
    mbedtls_x509_crt_free(&server->ca);
    mbedtls_x509_crt_free(&server->cert);
    mbedtls_pk_free(&server->key);
    free(server->revoked);
    free(server);
}

int lty_tls_server_open(lty_tls_server_t **server_out, const lty_tls_server_options_t *options)
{
    LTY_ASSERT(server_out != NULL);
    LTY_ASSERT(options != NULL);
    LTY_ASSERT(options->ca_cert_path != NULL && options->cert_path != NULL);
    LTY_ASSERT(options->key_path != NULL);
    *server_out = NULL;
    if (tls_random_ready() != 0) return LTY_E_TLS;
    lty_tls_server_t *server = calloc(1, sizeof(*server));
    if (server == NULL) return LTY_E_NOMEM;
    atomic_init(&server->references, 1);
    mbedtls_ssl_config_init(&server->config);
    mbedtls_ssl_ticket_init(&server->ticket);
    mbedtls_x509_crt_init(&server->ca);
    mbedtls_x509_crt_init(&server->cert);
    mbedtls_pk_init(&server->key);
    int err = server_files_load(server, options);
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

/* ---- Client configuration ---------------------------------------------------------------- */

struct lty_tls_client_s {
    mbedtls_ssl_config config;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    char *server_name;
    pthread_mutex_t session_mutex; /* guards session and session_valid */
    mbedtls_ssl_session session;   /* last session, offered for resumption */
    bool session_valid;
};

static int client_files_load(lty_tls_client_t *client, const lty_tls_client_options_t *options)
{
    int rc = mbedtls_x509_crt_parse_file(&client->ca, options->ca_cert_path);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=TLS what=ca_load path=%s mbedtls_rc=-0x%04x",
                options->ca_cert_path, (unsigned)-rc);
        return LTY_E_TLS;
    }
    if (options->cert_path == NULL) return 0;
    rc = mbedtls_x509_crt_parse_file(&client->cert, options->cert_path);
    if (rc == 0) rc = mbedtls_pk_parse_keyfile(&client->key, options->key_path, NULL);
    if (rc == 0) rc = mbedtls_pk_check_pair(&client->cert.pk, &client->key);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=TLS what=client_cert_load path=%s mbedtls_rc=-0x%04x",
                options->cert_path, (unsigned)-rc);
        return LTY_E_TLS;
    }
    return 0;
}

static int client_config_build(lty_tls_client_t *client, bool with_cert)
{
    int rc = mbedtls_ssl_config_defaults(&client->config, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return tls_log_mbedtls("config_defaults", rc), LTY_E_TLS;
    config_policy_apply(&client->config);
    mbedtls_ssl_conf_authmode(&client->config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&client->config, &client->ca, NULL);
    mbedtls_ssl_conf_session_tickets(&client->config, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    if (with_cert) {
        rc = mbedtls_ssl_conf_own_cert(&client->config, &client->cert, &client->key);
        if (rc != 0) return tls_log_mbedtls("conf_own_cert", rc), LTY_E_TLS;
    }
    return 0;
}

void lty_tls_client_close(lty_tls_client_t *client)
{
    if (client == NULL) return;
    mbedtls_ssl_config_free(&client->config);
    mbedtls_x509_crt_free(&client->ca);
    mbedtls_x509_crt_free(&client->cert);
    mbedtls_pk_free(&client->key);
    mbedtls_ssl_session_free(&client->session);
    pthread_mutex_destroy(&client->session_mutex);
    free(client->server_name);
    free(client);
}

int lty_tls_client_open(lty_tls_client_t **client_out, const lty_tls_client_options_t *options)
{
    LTY_ASSERT(client_out != NULL);
    LTY_ASSERT(options != NULL && options->ca_cert_path != NULL);
    LTY_ASSERT((options->cert_path == NULL) == (options->key_path == NULL));
    *client_out = NULL;
    if (tls_random_ready() != 0) return LTY_E_TLS;
    lty_tls_client_t *client = calloc(1, sizeof(*client));
    if (client == NULL) return LTY_E_NOMEM;
    mbedtls_ssl_config_init(&client->config);
    mbedtls_x509_crt_init(&client->ca);
    mbedtls_x509_crt_init(&client->cert);
    mbedtls_pk_init(&client->key);
    mbedtls_ssl_session_init(&client->session);
    pthread_mutex_init(&client->session_mutex, NULL);
    int err = 0;
    if (options->server_name != NULL) {
        client->server_name = strdup(options->server_name);
        if (client->server_name == NULL) err = LTY_E_NOMEM;
    }
    if (err == 0) err = client_files_load(client, options);
    if (err == 0) err = client_config_build(client, options->cert_path != NULL);
    if (err != 0) {
        lty_tls_client_close(client);
        return err;
    }
    *client_out = client;
    return 0;
}

/* ---- Sessions (memory buffers) ----------------------------------------------------------- */

struct lty_tls_session_s {
    mbedtls_ssl_context ssl;
    lty_tls_server_t *server; /* server side: the configuration reference held */
    lty_tls_client_t *client; /* client side: where the session ticket is kept */
    unsigned char *incoming;  /* ciphertext fed and not yet consumed by mbedTLS */
    size_t incoming_offset;
    size_t incoming_size;
    size_t incoming_capacity;
    lty_buf_t outgoing;
    bool handshake_done;
    bool resumed;
    bool failed;
    lty_tls_peer_t peer;
};

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

static int session_create(lty_tls_session_t **session_out, const mbedtls_ssl_config *config)
{
    lty_tls_session_t *session = calloc(1, sizeof(*session));
    if (session == NULL) return LTY_E_NOMEM;
    mbedtls_ssl_init(&session->ssl);
    lty_buf_init(&session->outgoing, TLS_OUTGOING_BYTES_MAX);
    int rc = mbedtls_ssl_setup(&session->ssl, config);
    if (rc != 0) {
        tls_log_mbedtls("ssl_setup", rc);
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
    int err = session_create(&session, &server->config);
    if (err != 0) return err;
    lty_tls_server_ref(server);
    session->server = server;
    *session_out = session;
    return 0;
}

static int client_session_offer(lty_tls_client_t *client, mbedtls_ssl_context *ssl)
{
    int rc = 0;
    if (client->server_name != NULL) rc = mbedtls_ssl_set_hostname(ssl, client->server_name);
    if (rc != 0) return LTY_E_NOMEM;
    pthread_mutex_lock(&client->session_mutex);
    if (client->session_valid) {
        rc = mbedtls_ssl_set_session(ssl, &client->session);
        if (rc != 0) client->session_valid = false; /* a full handshake then */
    }
    pthread_mutex_unlock(&client->session_mutex);
    return 0;
}

int lty_tls_session_open_client(lty_tls_session_t **session_out, lty_tls_client_t *client)
{
    LTY_ASSERT(session_out != NULL);
    LTY_ASSERT(client != NULL);
    *session_out = NULL;
    lty_tls_session_t *session = NULL;
    int err = session_create(&session, &client->config);
    if (err != 0) return err;
    session->client = client;
    err = client_session_offer(client, &session->ssl);
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
        size_t capacity = session->incoming_capacity != 0 ? session->incoming_capacity : 16384;
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

/* Checks done once the handshake is over, including on resumption (where the verify callback
 * did not run): the peer certificate still verified, and its serial is not revoked now. */
static int session_peer_accept(lty_tls_session_t *session)
{
    const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&session->ssl);
    memset(&session->peer, 0, sizeof(session->peer));
    if (crt == NULL) return session->client != NULL ? LTY_E_TLS_HANDSHAKE : 0;
    if (mbedtls_ssl_get_verify_result(&session->ssl) != 0) return LTY_E_TLS_HANDSHAKE;
    peer_from_crt(crt, &session->peer);
    if (session->server != NULL && server_serial_revoked(session->server,
                                                         session->peer.serial_hex)) {
        return LTY_E_TLS_HANDSHAKE;
    }
    return 0;
}

static void session_remember(lty_tls_session_t *session)
{
    lty_tls_client_t *client = session->client;
    if (client == NULL) return;
    pthread_mutex_lock(&client->session_mutex);
    mbedtls_ssl_session_free(&client->session);
    mbedtls_ssl_session_init(&client->session);
    client->session_valid = mbedtls_ssl_get_session(&session->ssl, &client->session) == 0;
    pthread_mutex_unlock(&client->session_mutex);
}

int lty_tls_session_handshake(lty_tls_session_t *session)
{
    LTY_ASSERT(session != NULL);
    if (session->failed) return LTY_E_TLS_HANDSHAKE;
    if (session->handshake_done) return LTY_TLS_DONE;
    /* Step by step rather than mbedtls_ssl_handshake(), to see handshake->resume before the
     * handshake parameters are freed at wrap-up. */
    while (session->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
        int rc = mbedtls_ssl_handshake_step(&session->ssl);
        if (session->ssl.handshake != NULL && session->ssl.handshake->resume != 0) {
            session->resumed = true;
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
            return LTY_TLS_WANT_READ;
        }
        if (rc != 0) {
            LTY_LOG(LTY_LOG_DEBUG, "err=TLS_HANDSHAKE mbedtls_rc=-0x%04x", (unsigned)-rc);
            session->failed = true;
            return LTY_E_TLS_HANDSHAKE;
        }
    }
    if (session_peer_accept(session) != 0) {
        mbedtls_ssl_send_alert_message(&session->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                       MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED);
        session->failed = true;
        return LTY_E_TLS_HANDSHAKE;
    }
    session->handshake_done = true;
    session_remember(session);
    return LTY_TLS_DONE;
}

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
    LTY_LOG(LTY_LOG_DEBUG, "err=TLS what=read mbedtls_rc=-0x%04x", (unsigned)-rc);
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
            LTY_LOG(LTY_LOG_DEBUG, "err=TLS what=write mbedtls_rc=-0x%04x", (unsigned)-rc);
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

/* ---- Blocking client connection ---------------------------------------------------------- */

struct lty_tls_conn_s {
    mbedtls_ssl_context ssl;
    lty_tls_client_t *client;
    int fd;
    int64_t deadline_ms; /* of the operation in progress */
    bool timed_out;
};

static int64_t conn_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 0, LTY_E_NET_TIMEOUT, LTY_E_NET. */
static int conn_wait(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left_ms = deadline_ms - conn_now_ms();
        if (left_ms <= 0) return LTY_E_NET_TIMEOUT;
        struct pollfd entry = {.fd = fd, .events = events, .revents = 0};
        int ready = poll(&entry, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
        if (ready > 0) return 0;
        if (ready == 0) return LTY_E_NET_TIMEOUT;
        if (errno != EINTR) return LTY_E_NET;
    }
}

static int conn_send_cb(void *userdata, const unsigned char *bytes, size_t size)
{
    lty_tls_conn_t *conn = userdata;
    for (;;) {
        ssize_t sent = send(conn->fd, bytes, size, MSG_NOSIGNAL);
        if (sent >= 0) return (int)sent;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return MBEDTLS_ERR_NET_SEND_FAILED;
        int err = conn_wait(conn->fd, POLLOUT, conn->deadline_ms);
        if (err == LTY_E_NET_TIMEOUT) conn->timed_out = true;
        if (err != 0) return MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

static int conn_recv_cb(void *userdata, unsigned char *out, size_t size)
{
    lty_tls_conn_t *conn = userdata;
    for (;;) {
        ssize_t got = recv(conn->fd, out, size, 0);
        if (got > 0) return (int)got;
        if (got == 0) return MBEDTLS_ERR_NET_CONN_RESET;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return MBEDTLS_ERR_NET_RECV_FAILED;
        int err = conn_wait(conn->fd, POLLIN, conn->deadline_ms);
        if (err == LTY_E_NET_TIMEOUT) conn->timed_out = true;
        if (err != 0) return MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

static int conn_socket_connect(const char *host, uint16_t port, int64_t deadline_ms, int *fd_out)
{
    char service[8];
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    if (getaddrinfo(host, service, &hints, &found) != 0) return LTY_E_NET;
    int err = LTY_E_NET;
    for (struct addrinfo *entry = found; entry != NULL && err != 0; entry = entry->ai_next) {
        int fd = socket(entry->ai_family, entry->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        err = 0;
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
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        *fd_out = fd;
    }
    freeaddrinfo(found);
    return err;
}

void lty_tls_conn_close(lty_tls_conn_t *conn)
{
    if (conn == NULL) return;
    if (conn->fd >= 0) {
        conn->deadline_ms = conn_now_ms() + 100; /* best effort close_notify, never blocking */
        (void)mbedtls_ssl_close_notify(&conn->ssl);
        close(conn->fd);
    }
    mbedtls_ssl_free(&conn->ssl);
    free(conn);
}

static int conn_handshake(lty_tls_conn_t *conn)
{
    for (;;) {
        int rc = mbedtls_ssl_handshake(&conn->ssl);
        if (rc == 0) break;
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (conn->timed_out) return LTY_E_NET_TIMEOUT;
        if (rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == MBEDTLS_ERR_NET_RECV_FAILED ||
            rc == MBEDTLS_ERR_NET_CONN_RESET) {
            return LTY_E_NET;
        }
        LTY_LOG(LTY_LOG_DEBUG, "err=TLS_HANDSHAKE mbedtls_rc=-0x%04x verify=0x%x",
                (unsigned)-rc, (unsigned)mbedtls_ssl_get_verify_result(&conn->ssl));
        return LTY_E_TLS_HANDSHAKE;
    }
    pthread_mutex_lock(&conn->client->session_mutex);
    mbedtls_ssl_session_free(&conn->client->session);
    mbedtls_ssl_session_init(&conn->client->session);
    conn->client->session_valid = mbedtls_ssl_get_session(&conn->ssl, &conn->client->session) == 0;
    pthread_mutex_unlock(&conn->client->session_mutex);
    return 0;
}

int lty_tls_conn_open(lty_tls_conn_t **conn_out, lty_tls_client_t *client, const char *host,
                      uint16_t port, int timeout_ms)
{
    LTY_ASSERT(conn_out != NULL && client != NULL && host != NULL);
    LTY_ASSERT(timeout_ms > 0);
    *conn_out = NULL;
    lty_tls_conn_t *conn = calloc(1, sizeof(*conn));
    if (conn == NULL) return LTY_E_NOMEM;
    conn->fd = -1;
    conn->client = client;
    conn->deadline_ms = conn_now_ms() + timeout_ms;
    mbedtls_ssl_init(&conn->ssl);
    int err = conn_socket_connect(host, port, conn->deadline_ms, &conn->fd);
    if (err == 0) {
        int rc = mbedtls_ssl_setup(&conn->ssl, &client->config);
        err = rc == 0 ? 0 : LTY_E_NOMEM;
    }
    if (err == 0) err = client_session_offer(client, &conn->ssl);
    if (err == 0) {
        mbedtls_ssl_set_bio(&conn->ssl, conn, conn_send_cb, conn_recv_cb, NULL);
        err = conn_handshake(conn);
    }
    if (err != 0) {
        if (conn->fd >= 0) close(conn->fd);
        conn->fd = -1;
        lty_tls_conn_close(conn);
        return err;
    }
    *conn_out = conn;
    return 0;
}

int lty_tls_conn_write(lty_tls_conn_t *conn, const void *bytes, size_t size, int timeout_ms)
{
    LTY_ASSERT(conn != NULL && (bytes != NULL || size == 0));
    conn->deadline_ms = conn_now_ms() + timeout_ms;
    conn->timed_out = false;
    const unsigned char *cursor = bytes;
    while (size > 0) {
        int rc = mbedtls_ssl_write(&conn->ssl, cursor, size);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (rc <= 0) return conn->timed_out ? LTY_E_NET_TIMEOUT : LTY_E_NET;
        cursor += rc;
        size -= (size_t)rc;
    }
    return 0;
}

int lty_tls_conn_read(lty_tls_conn_t *conn, void *out, size_t out_size, int timeout_ms)
{
    LTY_ASSERT(conn != NULL && out != NULL && out_size > 0);
    conn->deadline_ms = conn_now_ms() + timeout_ms;
    conn->timed_out = false;
    size_t size = out_size < INT32_MAX ? out_size : INT32_MAX;
    for (;;) {
        int rc = mbedtls_ssl_read(&conn->ssl, out, size);
        if (rc > 0) return rc;
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return 0;
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
        if (conn->timed_out) return LTY_E_NET_TIMEOUT;
        /* A reset after a complete response is how some servers close; callers that framed
         * their data already have it, so report it as an orderly end only when nothing else. */
        if (rc == MBEDTLS_ERR_NET_CONN_RESET) return 0;
        return LTY_E_NET;
    }
}

/* ---- Certificates ------------------------------------------------------------------------ */

/* Names go into a subject string "CN=..,OU=..,O=.."; refusing the DN specials here keeps a
 * hostile name from injecting attributes. */
static bool subject_part_valid(const char *text, size_t size_max)
{
    if (text == NULL) return false;
    size_t size = strlen(text);
    if (size == 0 || size > size_max) return false;
    for (size_t index = 0; index < size; index++) {
        char c = text[index];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '@' || c == ' ';
        if (!ok) return false;
    }
    return text[0] != ' ' && text[size - 1] != ' ';
}

static int file_write_new(const char *path, const void *bytes, size_t size, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        LTY_LOG(LTY_LOG_WARN, "err=%s what=file_create path=%s errno=%d",
                errno == EEXIST ? "EXISTS" : "IO", path, errno);
        return errno == EEXIST ? LTY_E_EXISTS : LTY_E_IO;
    }
    const char *cursor = bytes;
    int err = 0;
    while (size > 0 && err == 0) {
        ssize_t written = write(fd, cursor, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            err = LTY_E_IO;
        } else {
            cursor += written;
            size -= (size_t)written;
        }
    }
    if (err == 0 && fsync(fd) != 0) err = LTY_E_IO;
    if (close(fd) != 0 && err == 0) err = LTY_E_IO;
    if (err != 0) unlink(path);
    return err;
}

static void validity_format(time_t when, char out[16])
{
    struct tm utc;
    gmtime_r(&when, &utc);
    size_t size = strftime(out, 16, "%Y%m%d%H%M%S", &utc);
    LTY_ASSERT(size == 14); /* years 1000..9999 only: valid_days is bounded by callers */
}

/* Fresh positive 16-byte serial with its top byte in 0x10..0x7f, so its hex is always 32 digits. */
static int serial_generate(mbedtls_mpi *serial, char serial_hex_out[41])
{
    unsigned char bytes[TLS_SERIAL_BYTES];
    int err = lty_crypto_random(bytes, sizeof(bytes));
    if (err != 0) return err;
    bytes[0] = (unsigned char)((bytes[0] & 0x7f) | 0x10);
    if (mbedtls_mpi_read_binary(serial, bytes, sizeof(bytes)) != 0) return LTY_E_NOMEM;
    static const char digits[] = "0123456789abcdef";
    for (size_t index = 0; index < sizeof(bytes); index++) {
        serial_hex_out[2 * index] = digits[bytes[index] >> 4];
        serial_hex_out[2 * index + 1] = digits[bytes[index] & 0x0f];
    }
    serial_hex_out[2 * sizeof(bytes)] = '\0';
    return 0;
}

static int key_generate(mbedtls_pk_context *key)
{
    int rc = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0) {
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                                 mbedtls_ctr_drbg_random, &tls_drbg);
    }
    if (rc != 0) return tls_log_mbedtls("key_generate", rc), LTY_E_TLS;
    return 0;
}

/* subjectAltName: mbedTLS 2.28 has no writer for it, so the GeneralNames DER is built here,
 * backwards as asn1write works: SEQUENCE { [2] dNSName..., [7] iPAddress 127.0.0.1 }. */
static int san_der_write(const char *dns_name, unsigned char *buffer, size_t buffer_size,
                         unsigned char **der_out, size_t *der_size_out)
{
    static const unsigned char loopback[4] = {127, 0, 0, 1};
    const char *names[2] = {"localhost", dns_name};
    unsigned char *cursor = buffer + buffer_size;
    size_t total = 0;
    int rc = mbedtls_asn1_write_raw_buffer(&cursor, buffer, loopback, sizeof(loopback));
    if (rc < 0) return LTY_E_TLS;
    total += (size_t)rc;
    total += (size_t)mbedtls_asn1_write_len(&cursor, buffer, sizeof(loopback));
    total += (size_t)mbedtls_asn1_write_tag(&cursor, buffer, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7);
    for (size_t index = 0; index < 2; index++) {
        if (index == 1 && strcmp(dns_name, "localhost") == 0) break;
        size_t size = strlen(names[index]);
        rc = mbedtls_asn1_write_raw_buffer(&cursor, buffer, (const unsigned char *)names[index],
                                           size);
        if (rc < 0) return LTY_E_TLS;
        total += (size_t)rc;
        total += (size_t)mbedtls_asn1_write_len(&cursor, buffer, size);
        total +=
            (size_t)mbedtls_asn1_write_tag(&cursor, buffer, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2);
    }
    rc = mbedtls_asn1_write_len(&cursor, buffer, total);
    if (rc < 0) return LTY_E_TLS;
    total += (size_t)rc;
    rc = mbedtls_asn1_write_tag(&cursor, buffer, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (rc < 0) return LTY_E_TLS;
    total += (size_t)rc;
    *der_out = cursor;
    *der_size_out = total;
    return 0;
}

typedef struct cert_spec_s {
    const char *subject;  /* "CN=..,OU=..,O=loyaltyd" */
    const char *issuer;   /* issuer DN string */
    mbedtls_pk_context *subject_key;
    mbedtls_pk_context *issuer_key;
    bool is_ca;
    const char *san_name; /* server certificates only */
    int valid_days;
} cert_spec_t;

static int cert_fields_set(mbedtls_x509write_cert *writer, const cert_spec_t *spec,
                           const mbedtls_mpi *serial)
{
    char not_before[16];
    char not_after[16];
    time_t now = time(NULL);
    validity_format(now - 3600, not_before); /* an hour of slack for clock skew */
    validity_format(now + (time_t)spec->valid_days * 86400, not_after);
    mbedtls_x509write_crt_set_version(writer, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(writer, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(writer, spec->subject_key);
    mbedtls_x509write_crt_set_issuer_key(writer, spec->issuer_key);
    int rc = mbedtls_x509write_crt_set_subject_name(writer, spec->subject);
    if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(writer, spec->issuer);
    if (rc == 0) rc = mbedtls_x509write_crt_set_serial(writer, serial);
    if (rc == 0) rc = mbedtls_x509write_crt_set_validity(writer, not_before, not_after);
    if (rc == 0) rc = mbedtls_x509write_crt_set_basic_constraints(writer, spec->is_ca ? 1 : 0,
                                                                  spec->is_ca ? 0 : -1);
    if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(writer);
    if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(writer);
    unsigned int usage = spec->is_ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                                     : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    if (rc == 0) rc = mbedtls_x509write_crt_set_key_usage(writer, usage);
    if (rc == 0 && spec->san_name != NULL) {
        unsigned char buffer[512];
        unsigned char *der = NULL;
        size_t der_size = 0;
        if (san_der_write(spec->san_name, buffer, sizeof(buffer), &der, &der_size) != 0) {
            return LTY_E_TLS;
        }
        rc = mbedtls_x509write_crt_set_extension(
            writer, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
            0, der, der_size);
    }
    if (rc != 0) return tls_log_mbedtls("cert_fields", rc), LTY_E_TLS;
    return 0;
}

/* Signs the certificate of spec and writes key (0600) then certificate (0644) as PEM. */
static int cert_write(const cert_spec_t *spec, const char *cert_path, const char *key_path,
                      char serial_hex_out[41])
{
    mbedtls_x509write_cert writer;
    mbedtls_mpi serial;
    mbedtls_x509write_crt_init(&writer);
    mbedtls_mpi_init(&serial);
    unsigned char *pem = calloc(2, TLS_PEM_BYTES_MAX);
    int err = pem == NULL ? LTY_E_NOMEM : serial_generate(&serial, serial_hex_out);
    if (err == 0) err = cert_fields_set(&writer, spec, &serial);
    if (err == 0) {
        int rc = mbedtls_x509write_crt_pem(&writer, pem, TLS_PEM_BYTES_MAX,
                                           mbedtls_ctr_drbg_random, &tls_drbg);
        if (rc == 0) rc = mbedtls_pk_write_key_pem(spec->subject_key, pem + TLS_PEM_BYTES_MAX,
                                                   TLS_PEM_BYTES_MAX);
        if (rc != 0) err = (tls_log_mbedtls("pem_write", rc), LTY_E_TLS);
    }
    if (err == 0) {
        const char *key_pem = (const char *)pem + TLS_PEM_BYTES_MAX;
        err = file_write_new(key_path, key_pem, strlen(key_pem), 0600);
    }
    if (err == 0) {
        err = file_write_new(cert_path, pem, strlen((const char *)pem), 0644);
        if (err != 0) unlink(key_path);
    }
    if (pem != NULL) mbedtls_platform_zeroize(pem, 2 * TLS_PEM_BYTES_MAX);
    free(pem);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&writer);
    return err;
}

int lty_tls_ca_create(const char *common_name, const char *cert_path, const char *key_path,
                      int valid_days)
{
    LTY_ASSERT(cert_path != NULL && key_path != NULL);
    LTY_ASSERT(valid_days > 0);
    if (!subject_part_valid(common_name, 64)) return LTY_E_CONFIG;
    if (tls_random_ready() != 0) return LTY_E_TLS;
    char subject[128];
    snprintf(subject, sizeof(subject), "CN=%s,O=loyaltyd", common_name);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    int err = key_generate(&key);
    if (err == 0) {
        char serial_hex[41];
        cert_spec_t spec = {.subject = subject, .issuer = subject, .subject_key = &key,
                            .issuer_key = &key, .is_ca = true, .valid_days = valid_days};
        err = cert_write(&spec, cert_path, key_path, serial_hex);
    }
    mbedtls_pk_free(&key);
    return err;
}

/* The issuer DN string of ca, in the "A=v,B=w" form mbedtls_x509_string_to_names() reads. */
static int issuer_name_get(const mbedtls_x509_crt *ca, char *out, size_t out_size)
{
    char printed[256];
    if (mbedtls_x509_dn_gets(printed, sizeof(printed), &ca->subject) < 0) return LTY_E_TLS;
    size_t used = 0;
    for (const char *cursor = printed; *cursor != '\0'; cursor++) {
        if (cursor[0] == ',' && cursor[1] == ' ') cursor++, out[used++] = ',';
        else out[used++] = *cursor;
        if (used + 1 >= out_size) return LTY_E_TLS;
    }
    out[used] = '\0';
    return 0;
}

static int subject_build(const lty_tls_subject_t *subject, char *out, size_t out_size)
{
    switch (subject->role) {
    case LTY_ROLE_TILL:
        if (!subject_part_valid(subject->store, LTY_STORE_ID_BYTES_MAX)) return LTY_E_CONFIG;
        if (!subject_part_valid(subject->name, LTY_TILL_ID_BYTES_MAX)) return LTY_E_CONFIG;
        snprintf(out, out_size, "CN=%s/%s,OU=till,O=loyaltyd", subject->store, subject->name);
        return 0;
    case LTY_ROLE_OPERATOR:
        if (!subject_part_valid(subject->name, LTY_OPERATOR_NAME_BYTES_MAX)) return LTY_E_CONFIG;
        snprintf(out, out_size, "CN=%s,OU=operator,O=loyaltyd", subject->name);
        return 0;
    case LTY_ROLE_SERVER:
        if (!subject_part_valid(subject->name, 64) || strchr(subject->name, ' ') != NULL) {
            return LTY_E_CONFIG;
        }
        snprintf(out, out_size, "CN=%s,OU=server,O=loyaltyd", subject->name);
        return 0;
    default:
        return LTY_E_CONFIG;
    }
}

int lty_tls_cert_issue(const char *ca_cert_path, const char *ca_key_path,
                       const lty_tls_subject_t *subject, int valid_days, const char *cert_path,
                       const char *key_path, char *serial_hex_out)
{
    LTY_ASSERT(ca_cert_path != NULL && ca_key_path != NULL && subject != NULL);
    LTY_ASSERT(cert_path != NULL && key_path != NULL && valid_days > 0);
    char subject_text[160];
    int err = subject_build(subject, subject_text, sizeof(subject_text));
    if (err != 0) return err;
    if (tls_random_ready() != 0) return LTY_E_TLS;
    mbedtls_x509_crt ca;
    mbedtls_pk_context ca_key;
    mbedtls_pk_context key;
    mbedtls_x509_crt_init(&ca);
    mbedtls_pk_init(&ca_key);
    mbedtls_pk_init(&key);
    char issuer[256];
    if (mbedtls_x509_crt_parse_file(&ca, ca_cert_path) != 0 ||
        mbedtls_pk_parse_keyfile(&ca_key, ca_key_path, NULL) != 0 ||
        mbedtls_pk_check_pair(&ca.pk, &ca_key) != 0 ||
        issuer_name_get(&ca, issuer, sizeof(issuer)) != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=TLS what=ca_load cert=%s key=%s", ca_cert_path, ca_key_path);
        err = LTY_E_TLS;
    }
    if (err == 0) err = key_generate(&key);
    if (err == 0) {
        char serial_hex[41];
        cert_spec_t spec = {.subject = subject_text, .issuer = issuer, .subject_key = &key,
                            .issuer_key = &ca_key, .is_ca = false, .valid_days = valid_days,
                            .san_name = subject->role == LTY_ROLE_SERVER ? subject->name : NULL};
        err = cert_write(&spec, cert_path, key_path, serial_hex);
        if (err == 0 && serial_hex_out != NULL) memcpy(serial_hex_out, serial_hex, 41);
    }
    mbedtls_pk_free(&key);
    mbedtls_pk_free(&ca_key);
    mbedtls_x509_crt_free(&ca);
    return err;
}

int lty_tls_cert_peer(const char *cert_path, lty_tls_peer_t *peer_out)
{
    LTY_ASSERT(cert_path != NULL && peer_out != NULL);
    memset(peer_out, 0, sizeof(*peer_out));
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int rc = mbedtls_x509_crt_parse_file(&crt, cert_path);
    if (rc == 0) peer_from_crt(&crt, peer_out);
    mbedtls_x509_crt_free(&crt);
    return rc == 0 ? 0 : LTY_E_TLS;
}

int lty_tls_revoked_add(const char *revoked_path, const char *serial_hex)
{
    LTY_ASSERT(revoked_path != NULL && serial_hex != NULL);
    char serial[41];
    if (!serial_normalize(serial_hex, strlen(serial_hex), serial, sizeof(serial))) {
        return LTY_E_CONFIG;
    }
    int fd = open(revoked_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        LTY_LOG(LTY_LOG_WARN, "err=IO what=revoked_open path=%s errno=%d", revoked_path, errno);
        return LTY_E_IO;
    }
    char line[43];
    int size = snprintf(line, sizeof(line), "%s\n", serial);
    int err = write(fd, line, (size_t)size) == (ssize_t)size ? 0 : LTY_E_IO;
    if (err == 0 && fsync(fd) != 0) err = LTY_E_IO;
    if (close(fd) != 0 && err == 0) err = LTY_E_IO;
    return err;
}
