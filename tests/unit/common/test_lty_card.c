/* tests/unit/common/test_lty_card.c
 * Goal: card numbers are checked exactly (length, digits, Luhn) and minted numbers are valid,
 * distinct and never repeat for distinct sequence numbers.
 * Method: known Luhn vectors, boundary lengths, and 100,000 minted numbers checked for
 * uniqueness by sorting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <cmocka.h>

static int check(const char *card_no)
{
    return lty_card_no_check(card_no, strlen(card_no));
}

static void test_card_no_check_known_luhn_vectors(void **state)
{
    (void)state;
    assert_int_equal(check("4111111111111111"), 0);
    assert_int_equal(check("79927398713"), LTY_E_INVALID_CARD_NO); /* valid Luhn but 11 digits */
    assert_int_equal(check("378282246310005"), 0);
    assert_int_equal(check("5555555555554444"), 0);
    assert_int_equal(check("4111111111111112"), LTY_E_INVALID_CARD_NO);
    assert_int_equal(check("411111111111111a"), LTY_E_INVALID_CARD_NO);
    assert_int_equal(check(""), LTY_E_INVALID_CARD_NO);
    assert_int_equal(check("-4111111111111111"), LTY_E_INVALID_CARD_NO);
}

static void test_card_no_check_length_at_max_and_max_plus_one(void **state)
{
    (void)state;
    char digits[LTY_CARD_NO_DIGITS_MAX + 2];
    memset(digits, '1', sizeof(digits));
    digits[LTY_CARD_NO_DIGITS_MAX - 1] = lty_card_luhn_digit(digits, LTY_CARD_NO_DIGITS_MAX - 1);
    digits[LTY_CARD_NO_DIGITS_MAX] = '\0';
    assert_int_equal(check(digits), 0);
    digits[LTY_CARD_NO_DIGITS_MAX - 1] = '1';
    digits[LTY_CARD_NO_DIGITS_MAX] = lty_card_luhn_digit(digits, LTY_CARD_NO_DIGITS_MAX);
    digits[LTY_CARD_NO_DIGITS_MAX + 1] = '\0';
    assert_int_equal(check(digits), LTY_E_INVALID_CARD_NO);
}

static int compare_cards(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_card_no_mint_is_valid_and_never_repeats(void **state)
{
    (void)state;
    enum { COUNT = 100000 };
    char(*cards)[LTY_CARD_NO_SIZE] = calloc(COUNT, LTY_CARD_NO_SIZE);
    assert_non_null(cards);
    for (uint64_t sequence = 0; sequence < COUNT; sequence++) {
        assert_int_equal(lty_card_no_mint("88", sequence, cards[sequence]), 0);
        assert_int_equal(strlen(cards[sequence]), LTY_CARD_NO_MINTED_DIGITS);
        assert_memory_equal(cards[sequence], "88", 2);
        assert_int_equal(check(cards[sequence]), 0);
    }
    qsort(cards, COUNT, LTY_CARD_NO_SIZE, compare_cards);
    for (size_t index = 1; index < COUNT; index++) {
        assert_true(strcmp(cards[index - 1], cards[index]) < 0);
    }
    free(cards);
}

static void test_card_no_mint_refuses_bad_prefix_and_spent_space(void **state)
{
    (void)state;
    char out[LTY_CARD_NO_SIZE];
    assert_int_equal(lty_card_no_mint("", 1, out), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_card_no_mint("8a", 1, out), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_card_no_mint("12345", 1, out), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_card_no_mint("88", UINT64_C(9999999999999), out), 0);
    assert_int_equal(lty_card_no_mint("88", UINT64_C(10000000000000), out), LTY_E_INVALID_FIELD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_no_check_known_luhn_vectors),
        cmocka_unit_test(test_card_no_check_length_at_max_and_max_plus_one),
        cmocka_unit_test(test_card_no_mint_is_valid_and_never_repeats),
        cmocka_unit_test(test_card_no_mint_refuses_bad_prefix_and_spent_space),
    };
    return cmocka_run_group_tests_name("lty_card", tests, NULL, NULL);
}
