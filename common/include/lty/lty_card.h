/* SPDX-License-Identifier: MIT */
/**
 * @file lty_card.h
 * Card numbers: syntax, the Luhn check digit, and minting numbers that are never reused.
 *
 * Owns: the card-number format. A card number is LTY_CARD_NO_DIGITS_MIN..MAX ASCII digits whose
 * last digit is the Luhn check digit of the others; and minting: a keyed format-preserving
 * permutation of a sequence number, so that one card number tells nothing about the next
 * (docs/cards.md "Card numbers").
 */
#ifndef LTY_CARD_H
#define LTY_CARD_H

#include <stddef.h>
#include <stdint.h>

#define LTY_CARD_NO_SIZE 20 /* 19 digits + NUL */
#define LTY_CARD_NO_MINTED_DIGITS 16
#define LTY_CARD_KEY_BYTES 32 /* the programme's minting secret (META "card_key") */
#define LTY_CARD_PERMUTE_ROUNDS 10

/**
 * Check a card number's syntax and check digit.
 * @return 0, or LTY_E_INVALID_CARD_NO (wrong length, a non-digit, or a bad check digit).
 */
int lty_card_no_check(const char *card_no, size_t size);

/** The Luhn check digit ('0'..'9') for the size digits at digits. */
char lty_card_luhn_digit(const char *digits, size_t size);

/**
 * The keyed permutation of [0, space) behind minting: a balanced Feistel network over the
 * smallest even number of bits that covers space, HMAC-SHA-256 (key, round, space, half) as the
 * round function, cycle-walking until the value falls inside [0, space). A bijection for every
 * key; without the key, outputs of consecutive inputs look unrelated.
 * @param[in] key    LTY_CARD_KEY_BYTES bytes.
 * @param[in] space  2..10^18.
 * @param[in] value  < space.
 * @param[out] permuted_out  The image of value, < space.
 * @return 0, or LTY_E_NOMEM.
 * @note About 20 HMACs per call on average (10 rounds, cycle-walking): tens of microseconds.
 */
int lty_card_permute(const uint8_t key[LTY_CARD_KEY_BYTES], uint64_t space, uint64_t value,
                     uint64_t *permuted_out);

/**
 * Mint the card number for sequence number sequence under a programme prefix: prefix, the body
 * lty_card_permute(key, 10^k, sequence) in k digits, then the Luhn digit (16 digits in all).
 * Distinct sequences give distinct numbers; two programmes (two keys) give unrelated ones.
 * @param[in]  prefix  1 to 4 digits (e.g. "88").
 * @param[in]  key     The programme's LTY_CARD_KEY_BYTES-byte secret.
 * @param[out] out     LTY_CARD_NO_SIZE bytes; receives 16 digits + NUL.
 * @return 0, LTY_E_INVALID_FIELD if the prefix is malformed or the sequence space is spent,
 *         LTY_E_NOMEM.
 * @note Numbers minted before keyed minting (an affine map) stay valid; the caller skips a new
 *       number that happens to equal an existing card's.
 */
int lty_card_no_mint(const char *prefix, const uint8_t key[LTY_CARD_KEY_BYTES], uint64_t sequence,
                     char out[LTY_CARD_NO_SIZE]);

#endif
