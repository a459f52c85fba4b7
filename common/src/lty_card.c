/* SPDX-License-Identifier: MIT */
/* Card-number syntax and minting. Pure functions, no state. */
#include "lty/lty_card.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

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

/* (a * b) mod m without overflow for m < 2^62, by double-and-add. */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
    uint64_t result = 0;
    a %= m;
    while (b > 0) {
        if (b & 1u) result = (result + a) % m;
        a = (a * 2) % m;
        b >>= 1;
    }
    return result;
}

int lty_card_no_mint(const char *prefix, uint64_t sequence, char out[LTY_CARD_NO_SIZE])
{
    LTY_ASSERT(out != NULL);
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
    /* x -> (x * A + B) mod 10^k is a bijection when gcd(A, 10) = 1. */
    const uint64_t multiplier = 9876543210987; /* coprime to 10 */
    const uint64_t offset = 3141592653589;
    uint64_t scrambled = (mulmod(sequence, multiplier, space) + offset) % space;
    char digits[LTY_CARD_NO_SIZE];
    int written = snprintf(digits, sizeof(digits), "%s%0*" PRIu64, prefix, (int)body_digits,
                           scrambled);
    LTY_ASSERT(written == (int)(LTY_CARD_NO_MINTED_DIGITS - 1));
    digits[LTY_CARD_NO_MINTED_DIGITS - 1] = lty_card_luhn_digit(digits, LTY_CARD_NO_MINTED_DIGITS - 1);
    digits[LTY_CARD_NO_MINTED_DIGITS] = '\0';
    memcpy(out, digits, LTY_CARD_NO_MINTED_DIGITS + 1);
    return 0;
}
