/* tests/unit/common/test_lty_err.c
 * Goal: schema/errors.def is a consistent contract: numbers and wire codes are unique, every
 * number sits in its range, server codes map to a 4xx/5xx status, client-only codes to 0, and
 * names, messages and codes round-trip.
 * Method: walk the generated table through the public functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lty/lty_buf.h"
#include "lty/lty_err.h"

#include <cmocka.h>

static const int all_errors[] = {
#define LTY_ERR(name, number, http_status, wire_code, message) (number),
#include "errors.def"
#undef LTY_ERR
};
#define ALL_COUNT (sizeof(all_errors) / sizeof(all_errors[0]))

static void test_err_numbers_and_codes_are_unique(void **state)
{
    (void)state;
    for (size_t a = 0; a < ALL_COUNT; a++) {
        for (size_t b = a + 1; b < ALL_COUNT; b++) {
            assert_int_not_equal(all_errors[a], all_errors[b]);
            assert_string_not_equal(lty_err_code(all_errors[a]), lty_err_code(all_errors[b]));
        }
    }
}

static void test_err_ranges_and_statuses(void **state)
{
    (void)state;
    for (size_t index = 0; index < ALL_COUNT; index++) {
        int err = all_errors[index];
        int status = lty_err_http_status(err);
        assert_true(err <= -1 && err >= -399);
        if (err <= -300) {
            assert_int_equal(status, 0);
        } else {
            assert_true(status >= 400 && status <= 599);
        }
        assert_string_not_equal(lty_err_name(err), "UNKNOWN");
        assert_int_equal(lty_err_from_code(lty_err_code(err)), err);
        assert_true(strlen(lty_strerror(err)) > 0);
    }
}

static void test_err_unknown_values_are_named_unknown(void **state)
{
    (void)state;
    assert_string_equal(lty_err_name(-9999), "UNKNOWN");
    assert_string_equal(lty_err_code(-9999), "unknown");
    assert_int_equal(lty_err_http_status(-9999), 500);
    assert_int_equal(lty_err_from_code("no_such_code"), 0);
    assert_string_equal(lty_err_code(LTY_E_INSUFFICIENT_POINTS), "insufficient_points");
    assert_int_equal(lty_err_http_status(LTY_E_CARD_LOST), 423);
}

static void test_buf_limit_is_sticky(void **state)
{
    (void)state;
    lty_buf_t buf;
    lty_buf_init(&buf, 8);
    lty_buf_append(&buf, "12345678", 8);
    assert_int_equal(lty_buf_error(&buf), 0);
    lty_buf_append(&buf, "9", 1);
    assert_int_equal(lty_buf_error(&buf), LTY_E_REQUEST_TOO_LARGE);
    lty_buf_append(&buf, "", 0);
    assert_int_equal(buf.size, 8);
    lty_buf_reset(&buf);
    assert_int_equal(lty_buf_error(&buf), 0);
    lty_buf_appendf(&buf, "%d-%s", 42, "ab");
    assert_string_equal(buf.data, "42-ab");
    lty_buf_consume(&buf, 3);
    assert_string_equal(buf.data, "ab");
    lty_buf_deinit(&buf);
    lty_buf_deinit(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_numbers_and_codes_are_unique),
        cmocka_unit_test(test_err_ranges_and_statuses),
        cmocka_unit_test(test_err_unknown_values_are_named_unknown),
        cmocka_unit_test(test_buf_limit_is_sticky),
    };
    return cmocka_run_group_tests_name("lty_err", tests, NULL, NULL);
}
