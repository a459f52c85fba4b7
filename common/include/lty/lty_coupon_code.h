/* SPDX-License-Identifier: MIT */
/**
 * @file lty_coupon_code.h
 * Signed coupon codes: the text a member shows (printed, or as a QR code) and a till scans.
 *
 * A code is 79 bytes written as 127 characters of Crockford base32 (docs/coupons.md):
 *
 *     offset size field
 *          0    1 version (1)
 *          1    4 campaign_id, big-endian
 *          5    8 serial, big-endian (random: unique within the campaign)
 *         13    2 expiry_day, big-endian: days since 1970-01-01 UTC; the code is valid until the
 *                 end of that day; 0xFFFF = no expiry of its own
 *         15   64 ECDSA P-256 signature (r || s) of SHA-256("LTY-COUPON" || bytes 0..14)
 *
 * The alphabet "0123456789ABCDEFGHJKMNPQRSTVWXYZ" lies inside the QR code's alphanumeric mode,
 * so a code fits a version-5 QR code at level M. Parsing is case-insensitive and reads I and L
 * as 1 and O as 0 (Crockford's rule for hand-typed codes); the 3 bits that pad the last
 * character must be zero.
 *
 * Owns: the layout, the text form, signing and checking a code. Pure except for the signature
 * (the mbedTLS seam, lty_crypto.h). Does not own what a code is worth (the campaign) or whether
 * it was used (the daemon's store).
 *
 * Caveats:
 * - lty_coupon_code_parse() checks the form only: the daemon compares the code's signature with
 *   the one it stored when it issued the code (a memcmp, where a signature check costs ~3 ms).
 *   A till checks the signature with lty_coupon_code_check() and the programme's public key.
 * - Never logs (the till library calls it).
 */
#ifndef LTY_COUPON_CODE_H
#define LTY_COUPON_CODE_H

#include "lty/lty_crypto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LTY_COUPON_CODE_VERSION 1
#define LTY_COUPON_CODE_PAYLOAD_BYTES 15
#define LTY_COUPON_CODE_BYTES (LTY_COUPON_CODE_PAYLOAD_BYTES + LTY_CRYPTO_SIGNATURE_BYTES)
#define LTY_COUPON_CODE_CHARS 127 /* ceil(79 * 8 / 5) */
#define LTY_COUPON_CODE_SIZE (LTY_COUPON_CODE_CHARS + 1)
#define LTY_COUPON_EXPIRY_NONE 0xFFFFu
_Static_assert(LTY_COUPON_CODE_CHARS * 5 >= LTY_COUPON_CODE_BYTES * 8, "the text holds it");
_Static_assert(LTY_COUPON_CODE_CHARS * 5 < LTY_COUPON_CODE_BYTES * 8 + 5, "no spare character");

/** The signed fields of a code. */
typedef struct lty_coupon_code_s {
    uint32_t campaign_id;   /* >= 1 */
    uint64_t serial;        /* >= 1 */
    uint32_t expiry_day;    /* days since 1970-01-01, or LTY_COUPON_EXPIRY_NONE */
} lty_coupon_code_t;

/**
 * Sign fields with the programme's private key into a code's text (127 characters and a NUL).
 * @return 0 or LTY_E_TLS.
 */
int lty_coupon_code_make(lty_crypto_key_t *key, const lty_coupon_code_t *fields,
                         char text_out[LTY_COUPON_CODE_SIZE]);

/**
 * Read a code's text (size bytes, no NUL needed) without checking the signature.
 * @param[out] bytes_out  May be NULL: the 79 decoded bytes.
 * @return 0, or LTY_E_COUPON_NOT_FOUND (wrong length, alphabet, padding, version, or a zero
 *         campaign or serial).
 */
int lty_coupon_code_parse(const char *text, size_t size, lty_coupon_code_t *fields_out,
                          uint8_t bytes_out[LTY_COUPON_CODE_BYTES]);

/** The text of a code from its fields and the signature made for them (the daemon shows a
 *  stored coupon again without signing it again). */
void lty_coupon_code_text(const lty_coupon_code_t *fields,
                          const uint8_t signature[LTY_CRYPTO_SIGNATURE_BYTES],
                          char text_out[LTY_COUPON_CODE_SIZE]);

/** True once now_ms is past the end of expiry_day (never for LTY_COUPON_EXPIRY_NONE). */
bool lty_coupon_code_expired(uint32_t expiry_day, int64_t now_ms);

/**
 * What a till can know offline: the code is well formed, signed by key, and not expired.
 * @return 0 (fields_out filled), LTY_E_COUPON_NOT_FOUND (malformed, or the signature is not
 *         key's: tampered, or another programme's), LTY_E_COUPON_EXPIRED.
 */
int lty_coupon_code_check(lty_crypto_key_t *key, const char *text, size_t size, int64_t now_ms,
                          lty_coupon_code_t *fields_out);

#endif
