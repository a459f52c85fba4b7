/* SPDX-License-Identifier: MIT */
/* The process-wide random generator, SHA-256 and HMAC-SHA-256 (lty_crypto.h), plus the one
 * formatter of
 * mbedTLS error codes the seam logs with. Not responsible for keys, certificates or TLS.
 *
 * One CTR-DRBG serves the whole process: with MBEDTLS_THREADING_C its calls take an internal
 * mutex, so every loop thread, the writer, the CLI and any number of till clients may share it.
 * Seeding happens once; its outcome is kept so each caller that needs the generator can report
 * a failure through its own log (the seeding itself has no caller to log for). */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"

#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include <stdlib.h>

static mbedtls_entropy_context tls_entropy;
static mbedtls_ctr_drbg_context tls_drbg;
static pthread_once_t tls_drbg_once = PTHREAD_ONCE_INIT;
static int tls_drbg_seed_rc; /* mbedTLS code of the seeding; written once, under tls_drbg_once */

static void tls_drbg_init(void)
{
    static const char personal[] = "loyaltyd";
    mbedtls_entropy_init(&tls_entropy);
    mbedtls_ctr_drbg_init(&tls_drbg);
    tls_drbg_seed_rc = mbedtls_ctr_drbg_seed(&tls_drbg, mbedtls_entropy_func, &tls_entropy,
                                             (const unsigned char *)personal,
                                             sizeof(personal) - 1);
}

void lty__tls_log_mbedtls(const lty_logger_t *logger, const char *what, int mbedtls_rc)
{
    LTY_ASSERT(what != NULL);
    LTY_ASSERT(mbedtls_rc < 0);
    char text[128];
    mbedtls_strerror(mbedtls_rc, text, sizeof(text));
    LTY_LOG_TO(logger, LTY_LOG_WARN, "err=TLS what=%s mbedtls_rc=-0x%04x detail=\"%s\"", what,
               (unsigned)-mbedtls_rc, text);
}

int lty__tls_random_ready(const lty_logger_t *logger)
{
    pthread_once(&tls_drbg_once, tls_drbg_init);
    if (tls_drbg_seed_rc == 0) return 0;
    lty__tls_log_mbedtls(logger, "ctr_drbg_seed", tls_drbg_seed_rc);
    return LTY_E_TLS;
}

mbedtls_ctr_drbg_context *lty__tls_drbg(void)
{
    LTY_ASSERT(tls_drbg_seed_rc == 0); /* lty__tls_random_ready() succeeded before */
    return &tls_drbg;
}

int lty_crypto_random(void *out, size_t size)
{
    LTY_ASSERT(out != NULL || size == 0);
    pthread_once(&tls_drbg_once, tls_drbg_init);
    if (tls_drbg_seed_rc != 0) return LTY_E_TLS;
    unsigned char *bytes = out;
    while (size > 0) {
        size_t chunk = size < MBEDTLS_CTR_DRBG_MAX_REQUEST ? size : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        /* No log here: the till library calls this from its threads (see lty_crypto.h). */
        if (mbedtls_ctr_drbg_random(&tls_drbg, bytes, chunk) != 0) return LTY_E_TLS;
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

void lty_crypto_hmac_sha256(const void *key, size_t key_size, const void *bytes, size_t size,
                            uint8_t mac_out[32])
{
    LTY_ASSERT(key != NULL && key_size > 0);
    LTY_ASSERT(bytes != NULL || size == 0);
    LTY_ASSERT(mac_out != NULL);
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    LTY_ASSERT(info != NULL);
    int rc = mbedtls_md_hmac(info, key, key_size, bytes, size, mac_out);
    LTY_ASSERT(rc == 0); /* software HMAC-SHA256 cannot fail */
}

/* An HMAC key set up once: the keyed inner and outer pads are kept, so each run hashes only the
 * message block and the outer block (the card-number permutation runs ~18 per number). */
struct lty_crypto_hmac_s {
    mbedtls_md_context_t md;
};

lty_crypto_hmac_t *lty_crypto_hmac_open(const void *key, size_t key_size)
{
    LTY_ASSERT(key != NULL && key_size > 0);
    lty_crypto_hmac_t *hmac = calloc(1, sizeof(*hmac));
    if (hmac == NULL) return NULL;
    mbedtls_md_init(&hmac->md);
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    int rc = mbedtls_md_setup(&hmac->md, info, 1);
    if (rc == 0) rc = mbedtls_md_hmac_starts(&hmac->md, key, key_size);
    if (rc != 0) {
        lty_crypto_hmac_close(hmac); /* only allocation can fail here */
        return NULL;
    }
    return hmac;
}

void lty_crypto_hmac_run(lty_crypto_hmac_t *hmac, const void *bytes, size_t size,
                         uint8_t digest_out[32])
{
    LTY_ASSERT(hmac != NULL && digest_out != NULL);
    LTY_ASSERT(bytes != NULL || size == 0);
    int rc = mbedtls_md_hmac_reset(&hmac->md); /* back to the keyed inner state */
    if (rc == 0) rc = mbedtls_md_hmac_update(&hmac->md, bytes, size);
    if (rc == 0) rc = mbedtls_md_hmac_finish(&hmac->md, digest_out);
    LTY_ASSERT(rc == 0);
}

void lty_crypto_hmac_close(lty_crypto_hmac_t *hmac)
{
    if (hmac == NULL) return;
    mbedtls_md_free(&hmac->md); /* zeroizes the keyed pads */
    free(hmac);
}
