/* tests/unit/common/test_lty_card.c
 * Goal: card numbers are checked exactly (length, digits, Luhn) and minted numbers are valid,
 * distinct and never repeat for distinct sequence numbers; minting is a keyed permutation, so
 * two keys (two programmes) give different numbers and consecutive numbers show no pattern.
 * Method: known Luhn vectors, boundary lengths, 100,000 minted numbers checked for uniqueness
 * by sorting, the permutation checked to be a bijection on small domains (every output hit
 * exactly once), and the differences of consecutive bodies checked not to be constant. */
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

static const uint8_t key_a[LTY_CARD_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const uint8_t key_b[LTY_CARD_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11};

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
        assert_int_equal(lty_card_no_mint("88", key_a, sequence, cards[sequence]), 0);
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
    assert_int_equal(lty_card_no_mint("", key_a, 1, out), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_card_no_mint("8a", key_a, 1, out), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_card_no_mint("12345", key_a, 1, out), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_card_no_mint("88", key_a, UINT64_C(9999999999999), out), 0);
    assert_int_equal(lty_card_no_mint("88", key_a, UINT64_C(10000000000000), out),
                     LTY_E_INVALID_FIELD);
    /* A four-digit prefix leaves 11 body digits: 10^11 - 1 is the last sequence. */
    assert_int_equal(lty_card_no_mint("8888", key_a, UINT64_C(99999999999), out), 0);
    assert_memory_equal(out, "8888", 4);
    assert_int_equal(check(out), 0);
    assert_int_equal(lty_card_no_mint("8888", key_a, UINT64_C(100000000000), out),
                     LTY_E_INVALID_FIELD);
}

/* Every value of [0, space) comes out exactly once, for odd, even and awkward domain sizes. */
static void test_card_permute_is_a_bijection_on_small_domains(void **state)
{
    (void)state;
    static const uint64_t spaces[] = {2, 10, 97, 100, 1000, 4096, 10000};
    static uint8_t seen[10000];
    for (size_t which = 0; which < sizeof(spaces) / sizeof(spaces[0]); which++) {
        uint64_t space = spaces[which];
        memset(seen, 0, sizeof(seen));
        for (uint64_t value = 0; value < space; value++) {
            uint64_t permuted = space;
            assert_int_equal(lty_card_permute(key_a, space, value, &permuted), 0);
            assert_true(permuted < space);
            assert_int_equal(seen[permuted], 0);
            seen[permuted] = 1;
        }
    }
}

/* Two programmes' keys give different numbers for the same sequences. */
static void test_card_no_mint_two_keys_give_different_numbers(void **state)
{
    (void)state;
    size_t same = 0;
    for (uint64_t sequence = 1; sequence <= 1000; sequence++) {
        char a[LTY_CARD_NO_SIZE], b[LTY_CARD_NO_SIZE];
        assert_int_equal(lty_card_no_mint("88", key_a, sequence, a), 0);
        assert_int_equal(lty_card_no_mint("88", key_b, sequence, b), 0);
        if (strcmp(a, b) == 0) same++;
    }
    assert_int_equal(same, 0);
}

/* The old affine minting had a constant difference between consecutive bodies (mod 10^13);
 * keyed numbers must not: neither the differences nor the differences of differences repeat
 * for a run of consecutive sequences. */
static void test_card_no_mint_consecutive_numbers_show_no_affine_pattern(void **state)
{
    (void)state;
    enum { RUN = 50 };
    const uint64_t space = UINT64_C(10000000000000);
    uint64_t bodies[RUN];
    for (uint64_t sequence = 1; sequence <= RUN; sequence++) {
        char out[LTY_CARD_NO_SIZE];
        assert_int_equal(lty_card_no_mint("88", key_a, sequence, out), 0);
        out[LTY_CARD_NO_MINTED_DIGITS - 1] = '\0'; /* drop the check digit */
        bodies[sequence - 1] = strtoull(out + 2, NULL, 10);
    }
    size_t equal_steps = 0;
    for (size_t index = 2; index < RUN; index++) {
        uint64_t step = (bodies[index] + space - bodies[index - 1]) % space;
        uint64_t step_before = (bodies[index - 1] + space - bodies[index - 2]) % space;
        if (step == step_before) equal_steps++;
    }
    assert_int_equal(equal_steps, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_no_check_known_luhn_vectors),
        cmocka_unit_test(test_card_no_check_length_at_max_and_max_plus_one),
        cmocka_unit_test(test_card_no_mint_is_valid_and_never_repeats),
        cmocka_unit_test(test_card_no_mint_refuses_bad_prefix_and_spent_space),
        cmocka_unit_test(test_card_permute_is_a_bijection_on_small_domains),
        cmocka_unit_test(test_card_no_mint_two_keys_give_different_numbers),
        cmocka_unit_test(test_card_no_mint_consecutive_numbers_show_no_affine_pattern),
    };
    return cmocka_run_group_tests_name("lty_card", tests, NULL, NULL);
}
