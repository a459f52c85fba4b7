/* SPDX-License-Identifier: MIT */
/* Coupon codes (lty_coupon_code.h): the 79-byte layout, its Crockford base32 text, and the
 * signature over it. Every input is hostile here: a code arrives from a scanner, a member's
 * screen or a forwarded offline sale, so every malformed text is a refusal, never an
 * assertion. Not here: campaigns, use counts, owners (the daemon's domain layer). */
#include "lty/lty_coupon_code.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"

#include <string.h>

static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char code_domain[] = "LTY-COUPON"; /* signed before the payload: no other use of
                                                 * the key can produce a valid code */

/* The value of one character, or -1: Crockford's aliases (I, L -> 1; O -> 0), any case. */
static int char_value(char c)
{
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c == 'I' || c == 'L') return 1;
    if (c == 'O') return 0;
    const char *found = c != '\0' ? strchr(code_alphabet, c) : NULL;
    return found != NULL ? (int)(found - code_alphabet) : -1;
}

static void payload_encode(const lty_coupon_code_t *fields,
                           uint8_t out[LTY_COUPON_CODE_PAYLOAD_BYTES])
{
    out[0] = LTY_COUPON_CODE_VERSION;
    for (int index = 0; index < 4; index++) {
        out[1 + index] = (uint8_t)(fields->campaign_id >> (24 - 8 * index));
    }
    for (int index = 0; index < 8; index++) {
        out[5 + index] = (uint8_t)(fields->serial >> (56 - 8 * index));
    }
    out[13] = (uint8_t)(fields->expiry_day >> 8);
    out[14] = (uint8_t)fields->expiry_day;
}

/* What is signed: the domain string, then the payload. */
static void message_build(const uint8_t payload[LTY_COUPON_CODE_PAYLOAD_BYTES],
                          uint8_t out[sizeof(code_domain) - 1 + LTY_COUPON_CODE_PAYLOAD_BYTES])
{
    memcpy(out, code_domain, sizeof(code_domain) - 1);
    memcpy(out + sizeof(code_domain) - 1, payload, LTY_COUPON_CODE_PAYLOAD_BYTES);
}

static void text_encode(const uint8_t bytes[LTY_COUPON_CODE_BYTES],
                        char text_out[LTY_COUPON_CODE_SIZE])
{
    uint32_t buffer = 0;
    int bits = 0;
    size_t used = 0;
    for (size_t index = 0; index < LTY_COUPON_CODE_BYTES; index++) {
        buffer = (buffer << 8) | bytes[index];
        bits += 8;
        while (bits >= 5) {
            text_out[used++] = code_alphabet[(buffer >> (bits - 5)) & 31u];
            bits -= 5;
        }
    }
    if (bits > 0) text_out[used++] = code_alphabet[(buffer << (5 - bits)) & 31u];
    LTY_ASSERT(used == LTY_COUPON_CODE_CHARS);
    text_out[used] = '\0';
}

int lty_coupon_code_make(lty_crypto_key_t *key, const lty_coupon_code_t *fields,
                         char text_out[LTY_COUPON_CODE_SIZE])
{
    LTY_ASSERT(key != NULL && fields != NULL && text_out != NULL);
    LTY_ASSERT(fields->campaign_id >= 1 && fields->serial >= 1);
    LTY_ASSERT(fields->expiry_day <= LTY_COUPON_EXPIRY_NONE);
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    payload_encode(fields, bytes);
    uint8_t message[sizeof(code_domain) - 1 + LTY_COUPON_CODE_PAYLOAD_BYTES];
    message_build(bytes, message);
    int err = lty_crypto_sign(key, message, sizeof(message), bytes + LTY_COUPON_CODE_PAYLOAD_BYTES);
    if (err != 0) return err;
    text_encode(bytes, text_out);
    return 0;
}

int lty_coupon_code_parse(const char *text, size_t size, lty_coupon_code_t *fields_out,
                          uint8_t bytes_out[LTY_COUPON_CODE_BYTES])
{
    LTY_ASSERT(fields_out != NULL);
    if (text == NULL || size != LTY_COUPON_CODE_CHARS) return LTY_E_COUPON_NOT_FOUND;
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    uint32_t buffer = 0;
    int bits = 0;
    size_t used = 0;
    for (size_t index = 0; index < size; index++) {
        int value = char_value(text[index]);
        if (value < 0) return LTY_E_COUPON_NOT_FOUND;
        buffer = (buffer << 5) | (uint32_t)value;
        bits += 5;
        if (bits >= 8) {
            bytes[used++] = (uint8_t)(buffer >> (bits - 8));
            bits -= 8;
        }
    }
    LTY_ASSERT(used == LTY_COUPON_CODE_BYTES);
    if ((buffer & ((1u << bits) - 1u)) != 0) return LTY_E_COUPON_NOT_FOUND; /* padding */
    if (bytes[0] != LTY_COUPON_CODE_VERSION) return LTY_E_COUPON_NOT_FOUND;
    lty_coupon_code_t fields = {0};
    for (int index = 0; index < 4; index++) {
        fields.campaign_id = fields.campaign_id << 8 | bytes[1 + index];
    }
    for (int index = 0; index < 8; index++) fields.serial = fields.serial << 8 | bytes[5 + index];
    fields.expiry_day = (uint32_t)bytes[13] << 8 | bytes[14];
    if (fields.campaign_id == 0 || fields.serial == 0) return LTY_E_COUPON_NOT_FOUND;
    *fields_out = fields;
    if (bytes_out != NULL) memcpy(bytes_out, bytes, sizeof(bytes));
    return 0;
}

void lty_coupon_code_text(const lty_coupon_code_t *fields,
                          const uint8_t signature[LTY_CRYPTO_SIGNATURE_BYTES],
                          char text_out[LTY_COUPON_CODE_SIZE])
{
    LTY_ASSERT(fields != NULL && signature != NULL && text_out != NULL);
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    payload_encode(fields, bytes);
    memcpy(bytes + LTY_COUPON_CODE_PAYLOAD_BYTES, signature, LTY_CRYPTO_SIGNATURE_BYTES);
    text_encode(bytes, text_out);
}

bool lty_coupon_code_expired(uint32_t expiry_day, int64_t now_ms)
{
    if (expiry_day >= LTY_COUPON_EXPIRY_NONE) return false;
    return now_ms >= ((int64_t)expiry_day + 1) * LTY_MS_PER_DAY;
}

int lty_coupon_code_check(lty_crypto_key_t *key, const char *text, size_t size, int64_t now_ms,
                          lty_coupon_code_t *fields_out)
{
    LTY_ASSERT(key != NULL && fields_out != NULL);
    lty_coupon_code_t fields;
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    int err = lty_coupon_code_parse(text, size, &fields, bytes);
    if (err != 0) return err;
    uint8_t message[sizeof(code_domain) - 1 + LTY_COUPON_CODE_PAYLOAD_BYTES];
    message_build(bytes, message);
    if (!lty_crypto_verify(key, message, sizeof(message), bytes + LTY_COUPON_CODE_PAYLOAD_BYTES)) {
        return LTY_E_COUPON_NOT_FOUND;
    }
    if (lty_coupon_code_expired(fields.expiry_day, now_ms)) return LTY_E_COUPON_EXPIRED;
    *fields_out = fields;
    return 0;
}
