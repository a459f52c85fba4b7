/* SPDX-License-Identifier: MIT */
/* Signing keys of the mbedTLS seam: the programme's ECDSA P-256 key that signs coupon codes
 * (created by loyaltyctl init, kept in the data directory with mode 0600, loaded by the daemon)
 * and the public half a till imports to check codes offline (lty_crypto.h).
 *
 * Signatures are deterministic (RFC 6979): the same message under the same key always gives
 * the same 64 bytes, so a code can be recomputed and compared, and no signing call depends on
 * the quality of the moment's randomness. mbedTLS computes the generator's comb table on the
 * first multiplication and keeps it in the group, which is not safe to race: each key carries a
 * mutex and every sign or verify on it takes it. Not responsible for what is signed (the
 * coupon code layout is lty_coupon_code.c's). */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define SIGN_KEY_PEM_BYTES_MAX 1024
#define SIGN_COORDINATE_BYTES 32

struct lty_crypto_key_s {
    mbedtls_ecp_group group; /* secp256r1 */
    mbedtls_ecp_point public_point;
    mbedtls_mpi secret;      /* 0 for a public-only key */
    bool has_secret;
    pthread_mutex_t mutex;   /* guards group's lazily built tables during sign and verify */
};

static lty_crypto_key_t *key_new(void)
{
    lty_crypto_key_t *key = lty_calloc(1, sizeof(*key));
    if (key == NULL) return NULL;
    mbedtls_ecp_group_init(&key->group);
    mbedtls_ecp_point_init(&key->public_point);
    mbedtls_mpi_init(&key->secret);
    if (pthread_mutex_init(&key->mutex, NULL) != 0) {
        lty_free(key);
        return NULL;
    }
    if (mbedtls_ecp_group_load(&key->group, MBEDTLS_ECP_DP_SECP256R1) != 0) {
        lty_crypto_key_free(key);
        return NULL;
    }
    return key;
}

void lty_crypto_key_free(lty_crypto_key_t *key)
{
    if (key == NULL) return;
    mbedtls_ecp_group_free(&key->group);
    mbedtls_ecp_point_free(&key->public_point);
    mbedtls_mpi_free(&key->secret);
    pthread_mutex_destroy(&key->mutex);
    lty_free(key);
}

int lty_crypto_key_create(const char *path)
{
    LTY_ASSERT(path != NULL);
    int err = lty__tls_random_ready(NULL);
    if (err != 0) return err;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0) {
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk),
                                 mbedtls_ctr_drbg_random, lty__tls_drbg());
    }
    unsigned char pem[SIGN_KEY_PEM_BYTES_MAX];
    if (rc == 0) rc = mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem));
    mbedtls_pk_free(&pk);
    if (rc != 0) {
        lty__tls_log_mbedtls(NULL, "sign_key_create", rc);
        return LTY_E_TLS;
    }
    err = lty__tls_file_write_new(path, pem, strlen((const char *)pem), 0600);
    memset(pem, 0, sizeof(pem));
    return err;
}

/* A private key file readable by anyone but its owner is refused, as the PIN pepper is. */
static int key_file_private(const char *path)
{
    struct stat info;
    if (stat(path, &info) != 0) return errno == ENOENT ? LTY_E_NOT_FOUND : LTY_E_IO;
    if ((info.st_mode & 0077) != 0) {
        LTY_LOG(LTY_LOG_ERR, "err=CONFIG what=sign_key path=%s detail=\"mode must be 0600\"",
                path);
        return LTY_E_CONFIG;
    }
    return 0;
}

int lty_crypto_key_load(const char *path, lty_crypto_key_t **key_out)
{
    LTY_ASSERT(path != NULL && key_out != NULL);
    *key_out = NULL;
    int err = key_file_private(path);
    if (err != 0) return err;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_parse_keyfile(&pk, path, NULL);
    const mbedtls_ecp_keypair *pair = NULL;
    if (rc == 0 && mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY) pair = mbedtls_pk_ec(pk);
    bool p256 = pair != NULL && pair->grp.id == MBEDTLS_ECP_DP_SECP256R1;
    lty_crypto_key_t *key = p256 ? key_new() : NULL;
    if (key != NULL && pair != NULL) {
        rc = mbedtls_mpi_copy(&key->secret, &pair->d);
        if (rc == 0) rc = mbedtls_ecp_copy(&key->public_point, &pair->Q);
        if (rc == 0) rc = mbedtls_ecp_check_privkey(&key->group, &key->secret);
        if (rc == 0) rc = mbedtls_ecp_check_pubkey(&key->group, &key->public_point);
        key->has_secret = rc == 0;
    }
    mbedtls_pk_free(&pk);
    if (key == NULL || !key->has_secret) {
        if (rc != 0) lty__tls_log_mbedtls(NULL, "sign_key_load", rc);
        LTY_LOG(LTY_LOG_ERR, "err=CONFIG what=sign_key path=%s detail=\"not a P-256 key\"",
                path);
        lty_crypto_key_free(key);
        return LTY_E_CONFIG;
    }
    *key_out = key;
    return 0;
}

int lty_crypto_key_public_import(const uint8_t public_key[LTY_CRYPTO_PUBLIC_KEY_BYTES],
                                 lty_crypto_key_t **key_out)
{
    LTY_ASSERT(public_key != NULL && key_out != NULL);
    *key_out = NULL;
    lty_crypto_key_t *key = key_new();
    if (key == NULL) return LTY_E_NOMEM;
    int rc = mbedtls_ecp_point_read_binary(&key->group, &key->public_point, public_key,
                                           LTY_CRYPTO_PUBLIC_KEY_BYTES);
    if (rc == 0) rc = mbedtls_ecp_check_pubkey(&key->group, &key->public_point);
    if (rc != 0) { /* no log: the till library calls this (lty_crypto.h) */
        lty_crypto_key_free(key);
        return LTY_E_INVALID_FIELD;
    }
    *key_out = key;
    return 0;
}

void lty_crypto_key_public(const lty_crypto_key_t *key,
                           uint8_t public_out[LTY_CRYPTO_PUBLIC_KEY_BYTES])
{
    LTY_ASSERT(key != NULL && public_out != NULL);
    size_t size = 0;
    int rc = mbedtls_ecp_point_write_binary(&key->group, &key->public_point,
                                            MBEDTLS_ECP_PF_UNCOMPRESSED, &size, public_out,
                                            LTY_CRYPTO_PUBLIC_KEY_BYTES);
    LTY_ASSERT(rc == 0);
    LTY_ASSERT(size == LTY_CRYPTO_PUBLIC_KEY_BYTES); /* a checked P-256 point */
}

bool lty_crypto_key_has_private(const lty_crypto_key_t *key)
{
    LTY_ASSERT(key != NULL);
    return key->has_secret;
}

int lty_crypto_sign(lty_crypto_key_t *key, const void *message, size_t size,
                    uint8_t signature_out[LTY_CRYPTO_SIGNATURE_BYTES])
{
    LTY_ASSERT(key != NULL && signature_out != NULL);
    LTY_ASSERT(message != NULL || size == 0);
    LTY_ASSERT(key->has_secret);
    int err = lty__tls_random_ready(NULL); /* blinding in the multiplication */
    if (err != 0) return err;
    uint8_t digest[32];
    lty_crypto_sha256(message, size, digest);
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    pthread_mutex_lock(&key->mutex);
    int rc = mbedtls_ecdsa_sign_det_ext(&key->group, &r, &s, &key->secret, digest,
                                        sizeof(digest), MBEDTLS_MD_SHA256,
                                        mbedtls_ctr_drbg_random, lty__tls_drbg());
    pthread_mutex_unlock(&key->mutex);
    if (rc == 0) rc = mbedtls_mpi_write_binary(&r, signature_out, SIGN_COORDINATE_BYTES);
    if (rc == 0) {
        rc = mbedtls_mpi_write_binary(&s, signature_out + SIGN_COORDINATE_BYTES,
                                      SIGN_COORDINATE_BYTES);
    }
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    if (rc != 0) {
        lty__tls_log_mbedtls(NULL, "sign", rc);
        return LTY_E_TLS;
    }
    return 0;
}

bool lty_crypto_verify(lty_crypto_key_t *key, const void *message, size_t size,
                       const uint8_t signature[LTY_CRYPTO_SIGNATURE_BYTES])
{
    LTY_ASSERT(key != NULL && signature != NULL);
    LTY_ASSERT(message != NULL || size == 0);
    uint8_t digest[32];
    lty_crypto_sha256(message, size, digest);
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = mbedtls_mpi_read_binary(&r, signature, SIGN_COORDINATE_BYTES);
    if (rc == 0) {
        rc = mbedtls_mpi_read_binary(&s, signature + SIGN_COORDINATE_BYTES,
                                     SIGN_COORDINATE_BYTES);
    }
    if (rc == 0) {
        pthread_mutex_lock(&key->mutex);
        rc = mbedtls_ecdsa_verify(&key->group, digest, sizeof(digest), &key->public_point, &r,
                                  &s);
        pthread_mutex_unlock(&key->mutex);
    }
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return rc == 0;
}

int lty_crypto_key_public_pem(const lty_crypto_key_t *key, char *out, size_t out_size)
{
    LTY_ASSERT(key != NULL && out != NULL);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0) rc = mbedtls_ecp_group_load(&mbedtls_pk_ec(pk)->grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0) rc = mbedtls_ecp_copy(&mbedtls_pk_ec(pk)->Q, &key->public_point);
    if (rc == 0) rc = mbedtls_pk_write_pubkey_pem(&pk, (unsigned char *)out, out_size);
    mbedtls_pk_free(&pk);
    return rc == 0 ? 0 : LTY_E_NOMEM;
}
