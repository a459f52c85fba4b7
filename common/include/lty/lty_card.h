/* SPDX-License-Identifier: MIT */
/**
 * @file lty_card.h
 * Card numbers: syntax, the Luhn check digit, and minting numbers that are never reused.
 *
 * Owns: the card-number format. A card number is LTY_CARD_NO_DIGITS_MIN..MAX ASCII digits whose
 * last digit is the Luhn check digit of the others.
 */
#ifndef LTY_CARD_H
#define LTY_CARD_H

#include <stddef.h>
#include <stdint.h>

#define LTY_CARD_NO_SIZE 20 /* 19 digits + NUL */
#define LTY_CARD_NO_MINTED_DIGITS 16

/**
 * Check a card number's syntax and check digit.
 * @return 0, or LTY_E_INVALID_CARD_NO (wrong length, a non-digit, or a bad check digit).
 */
int lty_card_no_check(const char *card_no, size_t size);

/** The Luhn check digit ('0'..'9') for the size digits at digits. */
char lty_card_luhn_digit(const char *digits, size_t size);

/**
 * Mint the card number for sequence number sequence under a programme prefix.
 * The sequence is scrambled by a bijection of the 10^k body space, so numbers never repeat
 * for distinct sequences yet do not look consecutive.
 * @param[in]  prefix  1 to 4 digits (e.g. "88").
 * @param[out] out     LTY_CARD_NO_SIZE bytes; receives 16 digits + NUL.
 * @return 0, or LTY_E_INVALID_FIELD if the prefix is malformed or the sequence space is spent.
 */
int lty_card_no_mint(const char *prefix, uint64_t sequence, char out[LTY_CARD_NO_SIZE]);

#endif
