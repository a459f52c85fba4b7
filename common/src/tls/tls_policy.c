/* SPDX-License-Identifier: MIT */
/* The TLS policy of lty_tls.h, the credentials every configuration holds, and the meaning of
 * certificate subjects. Server and client configurations both apply the same policy and load
 * their files from here, and every reading of a certificate's role, name and serial goes
 * through here, so the rules cannot drift between the daemon, the till library and loyaltyctl.
 * No sessions, tickets or revoked lists.
 *
 * Every mbedtls_ssl_conf_* call states its value even where 2.28's default happens to agree,
 * because 2.28's defaults are unsafe in places (TLS 1.0 minimum, no client certificate check)
 * and 3.x changes several of them. */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <mbedtls/oid.h>

#include <string.h>

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

void lty__tls_policy_apply(mbedtls_ssl_config *config)
{
    LTY_ASSERT(config != NULL);
    mbedtls_ssl_conf_rng(config, mbedtls_ctr_drbg_random, lty__tls_drbg());
    mbedtls_ssl_conf_min_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(config, tls_ciphersuites);
    mbedtls_ssl_conf_curves(config, tls_curves);
    mbedtls_ssl_conf_renegotiation(config, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    mbedtls_ssl_conf_legacy_renegotiation(config, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
    mbedtls_ssl_conf_extended_master_secret(config, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
    mbedtls_ssl_conf_encrypt_then_mac(config, MBEDTLS_SSL_ETM_ENABLED); /* moot with AEAD */
}

/* ---- Credentials ------------------------------------------------------------------------ */

void lty__tls_base_init(lty__tls_base_t *base)
{
    LTY_ASSERT(base != NULL);
    mbedtls_ssl_config_init(&base->config);
    mbedtls_x509_crt_init(&base->ca);
    mbedtls_x509_crt_init(&base->cert);
    mbedtls_pk_init(&base->key);
}

void lty__tls_base_free(lty__tls_base_t *base)
{
    LTY_ASSERT(base != NULL);
    mbedtls_ssl_config_free(&base->config);
    mbedtls_x509_crt_free(&base->ca);
    mbedtls_x509_crt_free(&base->cert);
    mbedtls_pk_free(&base->key);
}

static int base_file_failed(const lty_logger_t *logger, int level, const char *what,
                            const char *path, int mbedtls_rc)
{
    LTY_LOG_TO(logger, level, "err=TLS what=%s path=%s mbedtls_rc=-0x%04x", what, path,
               (unsigned)-mbedtls_rc);
    return LTY_E_TLS;
}

int lty__tls_base_load(lty__tls_base_t *base, const char *ca_path, const char *cert_path,
                       const char *key_path, const lty_logger_t *logger, int level)
{
    LTY_ASSERT(base != NULL);
    LTY_ASSERT((cert_path == NULL) == (key_path == NULL));
    LTY_ASSERT(ca_path != NULL || cert_path != NULL);
    /* No CA: the member portal's public listener, which never asks for a certificate. */
    int rc = ca_path == NULL ? 0 : mbedtls_x509_crt_parse_file(&base->ca, ca_path);
    if (rc != 0) return base_file_failed(logger, level, "ca_load", ca_path, rc);
    if (cert_path == NULL) return 0;
    rc = mbedtls_x509_crt_parse_file(&base->cert, cert_path);
    if (rc != 0) return base_file_failed(logger, level, "cert_load", cert_path, rc);
    rc = mbedtls_pk_parse_keyfile(&base->key, key_path, NULL);
    if (rc != 0) return base_file_failed(logger, level, "key_load", key_path, rc);
    rc = mbedtls_pk_check_pair(&base->cert.pk, &base->key);
    if (rc != 0) {
        LTY_LOG_TO(logger, level, "err=TLS what=key_mismatch cert=%s key=%s", cert_path,
                   key_path);
        return LTY_E_TLS;
    }
    return 0;
}

/* ---- Serials ----------------------------------------------------------------------------- */

bool lty__tls_serial_normalize(const char *text, size_t size, char *out, size_t out_size)
{
    LTY_ASSERT(text != NULL || size == 0);
    LTY_ASSERT(out != NULL && out_size > 0);
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

bool lty__tls_serial_hex_from_crt(const mbedtls_x509_crt *crt, char out[LTY_TLS_SERIAL_HEX_SIZE])
{
    LTY_ASSERT(crt != NULL);
    LTY_ASSERT(out != NULL);
    static const char digits[] = "0123456789abcdef";
    char raw[2 * 64 + 1];
    size_t length = crt->serial.len;
    if (length == 0 || length > 64) return false;
    for (size_t index = 0; index < length; index++) {
        raw[2 * index] = digits[crt->serial.p[index] >> 4];
        raw[2 * index + 1] = digits[crt->serial.p[index] & 0x0f];
    }
    return lty__tls_serial_normalize(raw, 2 * length, out, LTY_TLS_SERIAL_HEX_SIZE);
}

/* ---- Subjects ---------------------------------------------------------------------------- */

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

/* A till's CN is "<store>/<till>", each part within its limit. */
static void peer_till_set(const char *common_name, lty_tls_peer_t *peer)
{
    const char *slash = strchr(common_name, '/');
    if (slash == NULL || strchr(slash + 1, '/') != NULL) return;
    size_t store_size = (size_t)(slash - common_name);
    size_t till_size = strlen(slash + 1);
    if (store_size == 0 || store_size > LTY_STORE_ID_BYTES_MAX) return;
    if (till_size == 0 || till_size > LTY_TILL_ID_BYTES_MAX) return;
    memcpy(peer->store, common_name, store_size);
    memcpy(peer->name, slash + 1, till_size + 1);
    peer->role = LTY_ROLE_TILL;
}

/* The subject's CN, OU and title, each at most once: false when one repeats (an ambiguous
 * subject, refused at the handshake). A malformed value reads as absent. */
static bool subject_attributes(const mbedtls_x509_crt *crt, char *common_name, size_t cn_size,
                               char *unit, size_t unit_size, char *title, size_t title_size)
{
    int cn_count = 0, ou_count = 0, title_count = 0;
    for (const mbedtls_x509_name *name = &crt->subject; name != NULL; name = name->next) {
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0) {
            cn_count++;
            if (!name_value_copy(&name->val, common_name, cn_size)) common_name[0] = '\0';
        } else if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORG_UNIT, &name->oid) == 0) {
            ou_count++;
            if (!name_value_copy(&name->val, unit, unit_size)) unit[0] = '\0';
        } else if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_TITLE, &name->oid) == 0) {
            title_count++;
            if (!name_value_copy(&name->val, title, title_size)) title[0] = '\0';
        }
    }
    return cn_count <= 1 && ou_count <= 1 && title_count <= 1;
}

/* A verified certificate whose subject does not follow the convention yields role NONE: it
 * authenticates nobody. One whose subject repeats CN, OU or title is worse than unconventional
 * (which one counts is what an attacker would choose): false, and the handshake refuses it. */
bool lty__tls_peer_from_crt(const mbedtls_x509_crt *crt, lty_tls_peer_t *peer_out)
{
    LTY_ASSERT(crt != NULL);
    LTY_ASSERT(peer_out != NULL);
    memset(peer_out, 0, sizeof(*peer_out));
    char common_name[LTY_STORE_ID_BYTES_MAX + 1 + sizeof(peer_out->name)] = "";
    char unit[16] = "";
    char title[sizeof(peer_out->title)] = "";
    bool serial_ok = lty__tls_serial_hex_from_crt(crt, peer_out->serial_hex); /* logs, revoke */
    if (!subject_attributes(crt, common_name, sizeof(common_name), unit, sizeof(unit), title,
                            sizeof(title))) {
        return false;
    }
    if (!serial_ok || common_name[0] == '\0') return true;
    if (strcmp(unit, "till") == 0) {
        peer_till_set(common_name, peer_out);
    } else if (strcmp(unit, "operator") == 0 || strcmp(unit, "server") == 0) {
        if (strlen(common_name) >= sizeof(peer_out->name)) return true;
        strcpy(peer_out->name, common_name);
        peer_out->role = strcmp(unit, "operator") == 0 ? LTY_ROLE_OPERATOR : LTY_ROLE_SERVER;
        if (peer_out->role == LTY_ROLE_OPERATOR) {
            memcpy(peer_out->title, title, sizeof(peer_out->title));
        }
    }
    return true;
}
