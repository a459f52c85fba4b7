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


/* The time zone, rounding and expiry words, the new ranges, lot expiry by policy and
 * one key's JSON value (for the audit of a change). */
static void test_programme_fields_of_the_running_programme(void **state)
{
    (void)state;
    lty_programme_t programme;
    const char *json = "{\"timezone\":\"-05:30\",\"earn_rounding\":\"nearest\","
                       "\"points_expiry\":\"month_end\",\"points_expiry_months\":2,"
                       "\"points_per_sale_max\":10000000,\"commission_sale_basis_points\":10000,"
                       "\"birthday_bonus_points\":0,\"version\":7}";
    assert_int_equal(lty_programme_parse(json, strlen(json), &programme, NULL), 0);
    assert_int_equal(programme.utc_offset_minutes, -330);
    assert_int_equal(programme.earn_rounding, LTY_EARN_ROUND_NEAREST);
    assert_int_equal(programme.points_expiry, LTY_POINTS_EXPIRY_MONTH_END);
    assert_int_equal(programme.version, 7);
    /* Earned 2026-01-15 12:00 local (-05:30): expires at the start of 2026-04-01 local. */
    int64_t earned = INT64_C(1768498200000); /* 2026-01-15T17:30Z */
    assert_int_equal(lty_programme_lot_expires_ms(&programme, earned),
                     INT64_C(1775021400000)); /* 2026-04-01T05:30Z */
    programme.points_expiry = LTY_POINTS_EXPIRY_NEVER;
    assert_int_equal(lty_programme_lot_expires_ms(&programme, earned), INT64_MAX);
    lty_buf_t value;
    lty_buf_init(&value, 1024);
    lty_programme_key_render(&programme, "timezone", &value);
    assert_int_equal(value.size, strlen("\"-05:30\""));
    assert_memory_equal(value.data, "\"-05:30\"", value.size);
    lty_buf_reset(&value);
    lty_programme_key_render(&programme, "tiers", &value);
    assert_true(value.size > 10 && value.data[0] == '[');
    lty_buf_deinit(&value);
    static const struct {
        const char *json;
        const char *field;
    } bad[] = {
        {"{\"timezone\":\"+14:30\"}", "/timezone"},
        {"{\"timezone\":\"Asia/Shanghai\"}", "/timezone"},
        {"{\"earn_rounding\":\"banker\"}", "/earn_rounding"},
        {"{\"points_expiry\":\"weekly\"}", "/points_expiry"},
        {"{\"points_per_sale_max\":0}", "/points_per_sale_max"},
        {"{\"points_per_sale_max\":10000001}", "/points_per_sale_max"},
        {"{\"commission_sale_basis_points\":10001}", "/commission_sale_basis_points"},
        {"{\"version\":0}", "/version"},
    };
    for (size_t index = 0; index < sizeof(bad) / sizeof(bad[0]); index++) {
        lty_diag_t diag;
        lty_diag_clear(&diag);
        assert_int_equal(lty_programme_parse(bad[index].json, strlen(bad[index].json), &programme,
                                             &diag),
                         LTY_E_CONFIG);
        assert_string_equal(diag.field, bad[index].field);
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
        cmocka_unit_test(test_programme_fields_of_the_running_programme),
    };
    return cmocka_run_group_tests_name("programme", tests, NULL, NULL);
}
