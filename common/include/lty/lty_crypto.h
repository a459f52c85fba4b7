/* SPDX-License-Identifier: MIT */
/**
 * @file lty_crypto.h
 * SHA-256, HMAC-SHA-256 and cryptographically strong random bytes, for idempotency digests,
 * keys, salts, tokens, certificate serials, the audit trail's hash chain and the card-number
 * permutation; ECDSA P-256 signing keys, for the programme key that signs coupon codes (issue
 * 13) and the public half a till checks them with.
 *
 * Owns nothing itself: the first two are implemented in common/src/tls/tls_crypto.c, the keys in
 * common/src/tls/tls_sign.c, inside the mbedTLS
 * seam (every mbedTLS include of the project is in common/src/tls/), on the process-wide
 * CTR-DRBG that the TLS configurations also use.
 *
 * Caveats:
 * - Thread-safe: the generator is seeded once (pthread_once) and mbedTLS locks it per call
 *   (MBEDTLS_THREADING_C).
 * - Neither function logs: the till library calls them from its own threads, where there is no
 *   log but the till's. A failure of lty_crypto_random() is LTY_E_TLS; the caller reports it.
 *   (lty_tls_server_open() and lty_tls_client_open() log why the generator could not be seeded,
 *   each through its own log.)
 */
#ifndef LTY_CRYPTO_H
#define LTY_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * SHA-256 of size bytes.
 * @param[in]  bytes       May be NULL when size is 0.
 * @param[out] digest_out  32 bytes.
 */
void lty_crypto_sha256(const void *bytes, size_t size, uint8_t digest_out[32]);

/**
 * HMAC-SHA256 of size bytes under key (webhook signatures). Cannot fail.
 * @param[in]  key      key_size (> 0) bytes.
 * @param[in]  bytes    May be NULL when size is 0.
 * @param[out] mac_out  32 bytes.
 */
void lty_crypto_hmac_sha256(const void *key, size_t key_size, const void *bytes, size_t size,
                            uint8_t mac_out[32]);

/**
 * Fill out with size cryptographically strong random bytes.
 * @return 0, or LTY_E_TLS (the generator could not be seeded or reseeded).
 */
int lty_crypto_random(void *out, size_t size);

/** A key set up once for many HMAC-SHA-256 computations (the rounds of the card-number
 *  permutation): each lty_crypto_hmac_run() then costs two compression blocks, not four. */
typedef struct lty_crypto_hmac_s lty_crypto_hmac_t;
/** NULL when out of memory. One thread at a time per context. */
lty_crypto_hmac_t *lty_crypto_hmac_open(const void *key, size_t key_size);
/** HMAC-SHA-256 of bytes under the context's key. */
void lty_crypto_hmac_run(lty_crypto_hmac_t *hmac, const void *bytes, size_t size,
                         uint8_t digest_out[32]);
/** Free (and wipe) the context; NULL accepted. */
void lty_crypto_hmac_close(lty_crypto_hmac_t *hmac);

/* ---- Signing keys (ECDSA over P-256 with SHA-256, deterministic: RFC 6979) ----------------- */

#define LTY_CRYPTO_SIGNATURE_BYTES 64   /* r || s, 32 bytes each, big-endian */
#define LTY_CRYPTO_PUBLIC_KEY_BYTES 65  /* the uncompressed point: 0x04 || X || Y */
#define LTY_CRYPTO_PUBLIC_PEM_BYTES_MAX 256

/** A P-256 key: private (from a key file) or public only (imported). Opaque. Thread-safe: sign
 *  and verify on one key serialise on its own lock. */
typedef struct lty_crypto_key_s lty_crypto_key_t;

/**
 * Create a new P-256 private key as a PEM file at path (mode 0600, never overwritten).
 * @return 0, LTY_E_EXISTS, LTY_E_IO, LTY_E_TLS (no randomness); logged through the process log.
 */
int lty_crypto_key_create(const char *path);
/**
 * Load a private key file (PEM, P-256) made by lty_crypto_key_create().
 * @return 0 and *key_out (free with lty_crypto_key_free()), LTY_E_NOT_FOUND, LTY_E_IO,
 *         LTY_E_CONFIG (readable by group or others, or not a P-256 key), LTY_E_NOMEM.
 */
int lty_crypto_key_load(const char *path, lty_crypto_key_t **key_out);
/** Import a public key (65 bytes, uncompressed point). 0, LTY_E_INVALID_FIELD (not a point of
 *  P-256), LTY_E_NOMEM. Never logs (the till library calls it). */
int lty_crypto_key_public_import(const uint8_t public_key[LTY_CRYPTO_PUBLIC_KEY_BYTES],
                                 lty_crypto_key_t **key_out);
/** NULL accepted. */
void lty_crypto_key_free(lty_crypto_key_t *key);
/** The public key as the uncompressed point. */
void lty_crypto_key_public(const lty_crypto_key_t *key,
                           uint8_t public_out[LTY_CRYPTO_PUBLIC_KEY_BYTES]);
/** The public key as PEM (SubjectPublicKeyInfo) into out: 0 or LTY_E_NOMEM (out too small). */
int lty_crypto_key_public_pem(const lty_crypto_key_t *key, char *out, size_t out_size);
/** True for a key loaded from a private key file. */
bool lty_crypto_key_has_private(const lty_crypto_key_t *key);
/** Sign SHA-256(message) with a private key. 0 or LTY_E_TLS. Costs about 1 ms of CPU. */
int lty_crypto_sign(lty_crypto_key_t *key, const void *message, size_t size,
                    uint8_t signature_out[LTY_CRYPTO_SIGNATURE_BYTES]);
/** True when signature is key's over SHA-256(message). Costs about 3 ms of CPU. Never logs. */
bool lty_crypto_verify(lty_crypto_key_t *key, const void *message, size_t size,
                       const uint8_t signature[LTY_CRYPTO_SIGNATURE_BYTES]);

#endif
