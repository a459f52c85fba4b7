/* tests/unit/daemon/test_programme.c
 * Goal: the programme parses strictly, defaults absent keys to the demo values, refuses every
 * out-of-range field at max + 1, and renders to JSON that parses back to the same programme.
 * Method: round trip of the demo, then one bad document per rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "programme.h"
#include "lty/lty_err.h"

#include <cmocka.h>

static int parse(const char *json, lty_programme_t *programme)
{
    lty_diag_t diag;
    return lty_programme_parse(json, strlen(json), programme, &diag);
}

static void test_demo_values(void **state)
{
    (void)state;
    lty_programme_t programme;
    lty_programme_demo(&programme);
    assert_string_equal(programme.currency, "CNY");
    assert_int_equal(programme.minor_unit, 2);
    assert_int_equal(programme.earn_cents_per_point, 100);
    assert_int_equal(programme.redeem_cents_per_point, 1);
    assert_false(programme.earn_on_redeemed_part);
    assert_int_equal(programme.points_lot_days, 730);
    assert_string_equal(programme.card_prefix, "88");
    assert_int_equal(programme.card_valid_days, 1095);
    assert_true(lty_programme_valid(&programme));
}

static void test_render_then_parse_round_trips(void **state)
{
    (void)state;
    lty_programme_t programme;
    lty_programme_demo(&programme);
    programme.earn_cents_per_point = 250;
    programme.earn_on_redeemed_part = true;
    strcpy(programme.card_prefix, "6201");
    lty_buf_t buf;
    lty_buf_init(&buf, 0);
    lty_programme_render(&programme, &buf);
    assert_int_equal(lty_buf_error(&buf), 0);
    lty_programme_t parsed;
    assert_int_equal(lty_programme_parse(buf.data, buf.size, &parsed, NULL), 0);
    lty_buf_deinit(&buf);
    assert_int_equal(parsed.earn_cents_per_point, 250);
    assert_true(parsed.earn_on_redeemed_part);
    assert_string_equal(parsed.card_prefix, "6201");
    assert_string_equal(parsed.currency, "CNY");
}

static void test_empty_object_gives_the_demo(void **state)
{
    (void)state;
    lty_programme_t programme;
    assert_int_equal(parse("{}", &programme), 0);
    assert_int_equal(programme.points_lot_days, 730);
}

static void test_ranges_at_max_and_max_plus_one(void **state)
{
    (void)state;
    lty_programme_t programme;
    assert_int_equal(parse("{\"points_lot_days\":36500}", &programme), 0);
    assert_int_equal(parse("{\"points_lot_days\":36501}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"earn_cents_per_point\":0}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"earn_cents_per_point\":1000000}", &programme), 0);
    assert_int_equal(parse("{\"earn_cents_per_point\":1000001}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"minor_unit\":4}", &programme), 0);
    assert_int_equal(parse("{\"minor_unit\":5}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"card_prefix\":\"1234\"}", &programme), 0);
    assert_int_equal(parse("{\"card_prefix\":\"12345\"}", &programme), LTY_E_CONFIG);
}

static void test_strictness(void **state)
{
    (void)state;
    lty_programme_t programme;
    lty_diag_t diag;
    const char *unknown = "{\"earn_cents_per_pointz\":1}";
    assert_int_equal(lty_programme_parse(unknown, strlen(unknown), &programme, &diag),
                     LTY_E_CONFIG);
    assert_int_equal(parse("{\"currency\":\"cny\"}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"card_prefix\":\"8a\"}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"earn_on_redeemed_part\":1}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"earn_cents_per_point\":1.5}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"Currency\":\"CNY\"}", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("[]", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{", &programme), LTY_E_CONFIG);
    assert_int_equal(parse("{\"minor_unit\":2,\"minor_unit\":2}", &programme), LTY_E_CONFIG);
}

static void test_invalid_programme_cannot_be_rendered(void **state)
{
    (void)state;
    lty_programme_t programme;
    lty_programme_demo(&programme);
    programme.earn_cents_per_point = 0;
    assert_false(lty_programme_valid(&programme));
    lty_buf_t buf;
    lty_buf_init(&buf, 0);
    expect_assert_failure(lty_programme_render(&programme, &buf));
    lty_buf_deinit(&buf);
}

/* Found by fuzz_config: the diag must name the code returned (LTY_E_CONFIG), not the JSON
 * layer's code (invalid_json, invalid_field), for documents that are not JSON, not an object, or
 * hold a bad field. */
static void test_refusal_diag_names_config_error(void **state)
{
    (void)state;
    const char *documents[] = {"\"\"", "{", "[]", "{\"currency\":\"XX\"}",
                               "{\"earn_cents_per_point\":0}", "{\"unknown\":1}"};
    for (size_t index = 0; index < sizeof(documents) / sizeof(documents[0]); index++) {
        lty_programme_t programme;
        lty_diag_t diag;
        lty_diag_clear(&diag);
        assert_int_equal(lty_programme_parse(documents[index], strlen(documents[index]),
                                             &programme, &diag),
                         LTY_E_CONFIG);
        assert_int_equal(diag.err, LTY_E_CONFIG);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_values),
        cmocka_unit_test(test_render_then_parse_round_trips),
        cmocka_unit_test(test_empty_object_gives_the_demo),
        cmocka_unit_test(test_ranges_at_max_and_max_plus_one),
        cmocka_unit_test(test_strictness),
        cmocka_unit_test(test_invalid_programme_cannot_be_rendered),
        cmocka_unit_test(test_refusal_diag_names_config_error),
    };
    return cmocka_run_group_tests_name("programme", tests, NULL, NULL);
}
