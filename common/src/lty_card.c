/* SPDX-License-Identifier: MIT */
/* Card-number syntax and minting. Pure functions, no state.
 *
 * Minting is a keyed format-preserving permutation of the card sequence (FF1-like in shape, not
 * a standard mode): a balanced Feistel network on 2b bits, 2^(2b) >= 10^k > 2^(2b-2), so fewer
 * than four values are walked per output on average (1.8 for the usual 13 body digits), with
 * HMAC-SHA-256 rounds through the mbedTLS seam. Ten rounds of a PRF make a pseudorandom permutation (Luby-Rackoff
 * needs four); the margin costs microseconds per card. */
#include "lty/lty_card.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "lty/lty_crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char lty_card_luhn_digit(const char *digits, size_t size)
{
    LTY_ASSERT(digits != NULL);
    unsigned int sum = 0;
    int doubled = 1; /* the digit next to the check digit is doubled */
    for (size_t offset = 0; offset < size; offset++) {
        unsigned int digit = (unsigned int)(digits[size - 1 - offset] - '0');
        LTY_ASSERT(digit <= 9);
        if (doubled) {
            digit *= 2;
            if (digit > 9) digit -= 9;
        }
        sum += digit;
        doubled = !doubled;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

int lty_card_no_check(const char *card_no, size_t size)
{
    if (card_no == NULL || size < LTY_CARD_NO_DIGITS_MIN || size > LTY_CARD_NO_DIGITS_MAX) {
        return LTY_E_INVALID_CARD_NO;
    }
    for (size_t index = 0; index < size; index++) {
        if (card_no[index] < '0' || card_no[index] > '9') return LTY_E_INVALID_CARD_NO;
    }
    if (lty_card_luhn_digit(card_no, size - 1) != card_no[size - 1]) return LTY_E_INVALID_CARD_NO;
    return 0;
}

/* One Feistel round function: HMAC(key, round | space | half) truncated to bits bits. */
static uint64_t feistel_round(lty_crypto_hmac_t *hmac, uint8_t round, uint64_t space,
                              uint64_t half, unsigned int bits)
{
    uint8_t message[17];
    message[0] = round;
    for (int index = 0; index < 8; index++) {
        message[1 + index] = (uint8_t)(space >> (56 - 8 * index));
        message[9 + index] = (uint8_t)(half >> (56 - 8 * index));
    }
    uint8_t digest[32];
    lty_crypto_hmac_run(hmac, message, sizeof(message), digest);
    uint64_t value = 0;
    for (int index = 0; index < 8; index++) value = value << 8 | digest[index];
    return value & ((UINT64_C(1) << bits) - 1);
}

/* The Feistel permutation of [0, 2^(2 * bits)). */
static uint64_t feistel_permute(lty_crypto_hmac_t *hmac, uint64_t space, unsigned int bits,
                                uint64_t value)
{
    uint64_t mask = (UINT64_C(1) << bits) - 1;
    uint64_t left = value >> bits;
    uint64_t right = value & mask;
    for (uint8_t round = 0; round < LTY_CARD_PERMUTE_ROUNDS; round++) {
        uint64_t next = left ^ feistel_round(hmac, round, space, right, bits);
        left = right;
        right = next;
    }
    return left << bits | right;
}

int lty_card_permute(const uint8_t key[LTY_CARD_KEY_BYTES], uint64_t space, uint64_t value,
                     uint64_t *permuted_out)
{
    LTY_ASSERT(key != NULL);
    LTY_ASSERT(space >= 2 && space <= UINT64_C(1000000000000000000));
    LTY_ASSERT(value < space);
    unsigned int bits = 1; /* half width: the smallest with 2^(2 * bits) >= space */
    while ((UINT64_C(1) << (2 * bits)) < space) bits++;
    LTY_ASSERT(bits <= 30);
    /* Cycle-walking: the permutation's cycle through value comes back into [0, space), so
     * repeating it until it does is a bijection of [0, space). */
    lty_crypto_hmac_t *hmac = lty_crypto_hmac_open(key, LTY_CARD_KEY_BYTES);
    if (hmac == NULL) return LTY_E_NOMEM;
    uint64_t permuted = value;
    do {
        permuted = feistel_permute(hmac, space, bits, permuted);
    } while (permuted >= space);
    lty_crypto_hmac_close(hmac);
    LTY_ASSERT(permuted < space);
    *permuted_out = permuted;
    return 0;
}

int lty_card_no_mint(const char *prefix, const uint8_t key[LTY_CARD_KEY_BYTES], uint64_t sequence,
                     char out[LTY_CARD_NO_SIZE])
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(key != NULL);
    size_t prefix_size = prefix != NULL ? strlen(prefix) : 0;
    if (prefix_size < 1 || prefix_size > 4) return LTY_E_INVALID_FIELD;
    for (size_t index = 0; index < prefix_size; index++) {
        if (prefix[index] < '0' || prefix[index] > '9') return LTY_E_INVALID_FIELD;
    }
    /* Body digits between the prefix and the check digit. */
    size_t body_digits = LTY_CARD_NO_MINTED_DIGITS - 1 - prefix_size;
    uint64_t space = 1;
    for (size_t index = 0; index < body_digits; index++) space *= 10;
    if (sequence >= space) return LTY_E_INVALID_FIELD;
    uint64_t body = 0;
    int err = lty_card_permute(key, space, sequence, &body);
    if (err != 0) return err;
    char digits[LTY_CARD_NO_SIZE];
    int written = snprintf(digits, sizeof(digits), "%s%0*" PRIu64, prefix, (int)body_digits, body);
    LTY_ASSERT(written == (int)(LTY_CARD_NO_MINTED_DIGITS - 1));
    digits[LTY_CARD_NO_MINTED_DIGITS - 1] = lty_card_luhn_digit(digits, LTY_CARD_NO_MINTED_DIGITS - 1);
    digits[LTY_CARD_NO_MINTED_DIGITS] = '\0';
    memcpy(out, digits, LTY_CARD_NO_MINTED_DIGITS + 1);
    return 0;
}
