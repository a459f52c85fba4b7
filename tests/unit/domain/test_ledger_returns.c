/* SPDX-License-Identifier: MIT */
/* Unit tests of the pure return rules (ledger.c): pro-rata amounts computed cumulatively never
 * create or lose a fen, whatever the order and size of partial returns, and the last return
 * takes the remainder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ledger.h"
#include "lty/lty_err.h"

#include <cmocka.h>

/* 3 units for 10.00: 3.33, then 3.33, then the last unit takes 3.34. */
static void test_line_refund_last_unit_takes_the_remainder(void **state)
{
    (void)state;
    assert_int_equal(lty_ledger_line_refund_cum(1000, 3, 0), 0);
    assert_int_equal(lty_ledger_line_refund_cum(1000, 3, 1), 333);
    assert_int_equal(lty_ledger_line_refund_cum(1000, 3, 2), 666);
    assert_int_equal(lty_ledger_line_refund_cum(1000, 3, 3), 1000);
    assert_int_equal(lty_ledger_line_refund_cum(LTY_LINE_AMOUNT_CENTS_MAX, LTY_LINE_QTY_MAX,
                                                LTY_LINE_QTY_MAX),
                     LTY_LINE_AMOUNT_CENTS_MAX);
}

/* Every split sums to what was returned, each share stays within its part, and shares never
 * shrink as more is returned (so no return ever takes money back from a tender). */
static void test_refund_split_exact_monotone_bounded(void **state)
{
    (void)state;
    static const int64_t mixes[][4] = {
        {1, 1, 1, 0}, {100, 4900, 5000, 0}, {7, 0, 13, 1}, {1, 2, 3, 4}, {0, 0, 0, 9},
    };
    for (size_t mix = 0; mix < sizeof(mixes) / sizeof(mixes[0]); mix++) {
        int64_t total = mixes[mix][0] + mixes[mix][1] + mixes[mix][2] + mixes[mix][3];
        int64_t previous[4] = {0, 0, 0, 0};
        for (int64_t returned = 0; returned <= total; returned++) {
            int64_t shares[4];
            lty_ledger_refund_split(mixes[mix], 4, total, returned, shares);
            int64_t sum = 0;
            for (size_t part = 0; part < 4; part++) {
                assert_true(shares[part] >= previous[part]);
                assert_true(shares[part] >= 0 && shares[part] <= mixes[mix][part]);
                sum += shares[part];
                previous[part] = shares[part];
            }
            assert_int_equal(sum, returned);
        }
        for (size_t part = 0; part < 4; part++) assert_int_equal(previous[part], mixes[mix][part]);
    }
}

/* Three partial returns of a 3 x 10.00 line paid 1.00 points, 50.00 prepaid, rest cash add up to
 * exactly the sale. */
static void test_partial_returns_add_up_to_the_sale(void **state)
{
    (void)state;
    const int64_t parts[3] = {100, 5000, 901};
    int64_t total = 6001;
    int64_t refunded[3] = {0, 0, 0};
    int64_t before[3] = {0, 0, 0};
    for (uint32_t returned = 1; returned <= 3; returned++) {
        int64_t cum = lty_ledger_line_refund_cum(total, 3, returned);
        int64_t shares[3];
        lty_ledger_refund_split(parts, 3, total, cum, shares);
        for (size_t part = 0; part < 3; part++) {
            refunded[part] += shares[part] - before[part];
            before[part] = shares[part];
        }
    }
    assert_int_equal(refunded[0], 100);
    assert_int_equal(refunded[1], 5000);
    assert_int_equal(refunded[2], 901);
}

static void test_pro_rata_large_values_do_not_overflow(void **state)
{
    (void)state;
    assert_int_equal(lty_ledger_pro_rata(LTY_SALE_AMOUNT_CENTS_MAX, LTY_SALE_AMOUNT_CENTS_MAX - 1,
                                         LTY_SALE_AMOUNT_CENTS_MAX),
                     LTY_SALE_AMOUNT_CENTS_MAX - 1);
    assert_int_equal(lty_ledger_pro_rata(5, 0, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_refund_last_unit_takes_the_remainder),
        cmocka_unit_test(test_refund_split_exact_monotone_bounded),
        cmocka_unit_test(test_partial_returns_add_up_to_the_sale),
        cmocka_unit_test(test_pro_rata_large_values_do_not_overflow),
    };
    return cmocka_run_group_tests_name("ledger_returns", tests, NULL, NULL);
}
