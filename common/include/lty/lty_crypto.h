/* SPDX-License-Identifier: MIT */
/**
 * @file lty_crypto.h
 * SHA-256, HMAC-SHA-256 and cryptographically strong random bytes, for idempotency digests,
 * keys, salts, tokens, certificate serials, the audit trail's hash chain and the card-number
 * permutation.
 *
 * Owns nothing itself: both are implemented in common/src/tls/tls_crypto.c, inside the mbedTLS
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

#endif
