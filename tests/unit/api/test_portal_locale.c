/* tests/unit/api/test_portal_locale.c
 * Goal: the portal's page speaks the member's language and writes figures the way docs/portal.md
 * says, the same way app.js does: the choice of language (?lang=, the saved cookie,
 * Accept-Language with weights, ties and malformed ranges); numbers with comma thousands at
 * 0, 999, 1,000 and the int64 extremes; amounts ("CNY 1,234.56", "¥1,234.56", other currencies,
 * other minor units, negatives); UTC days ("2026-03-07", "2026年3月7日") at the edges of a day;
 * the messages (sorted, both languages, the same placeholders in each); HTML escaping and
 * placeholders filled with escaped values.
 * Method: the pure functions of api/portal_locale.c, and the built-in message table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include <cmocka.h>

static void test_portal_lang_parse_takes_exactly_our_tags(void **state)
{
    (void)state;
    lty_portal_lang_t lang = LTY_PORTAL_LANG_EN;
    assert_true(lty__api_portal_lang_parse("zh-CN", &lang));
    assert_int_equal(lang, LTY_PORTAL_LANG_ZH_CN);
    assert_true(lty__api_portal_lang_parse("en", &lang));
    assert_int_equal(lang, LTY_PORTAL_LANG_EN);
    assert_false(lty__api_portal_lang_parse("zh", &lang));
    assert_false(lty__api_portal_lang_parse("EN", &lang));
    assert_false(lty__api_portal_lang_parse("", &lang));
    assert_string_equal(lty__api_portal_lang_tag(LTY_PORTAL_LANG_ZH_CN), "zh-CN");
}

static void test_portal_lang_accepted_follows_weights_then_order(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        lty_portal_lang_t lang;
    } cases[] = {
        {"", LTY_PORTAL_LANG_EN},
        {"zh-CN,zh;q=0.9,en;q=0.8", LTY_PORTAL_LANG_ZH_CN},
        {"en-US,en;q=0.9,zh-CN;q=0.8", LTY_PORTAL_LANG_EN},
        {"fr-FR, zh-TW;q=0.8, en;q=0.5", LTY_PORTAL_LANG_ZH_CN}, /* any zh-* is ours */
        {"zh;q=0, en", LTY_PORTAL_LANG_EN},                      /* q=0: not acceptable */
        {"en;q=0.5, zh;q=0.5", LTY_PORTAL_LANG_EN},              /* a tie: the first listed */
        {"zh;q=0.5, en;q=0.5", LTY_PORTAL_LANG_ZH_CN},
        {"en;q=0.499, zh;q=0.5", LTY_PORTAL_LANG_ZH_CN},
        {"ZH-cn", LTY_PORTAL_LANG_ZH_CN},
        {"zhx, de", LTY_PORTAL_LANG_EN}, /* not a zh range */
        {"*", LTY_PORTAL_LANG_EN},
        {"zh;q=abc, en;q=0.1", LTY_PORTAL_LANG_EN}, /* malformed: ignored */
        {"zh;q=1.5", LTY_PORTAL_LANG_EN},
        {"zh;q=1.000", LTY_PORTAL_LANG_ZH_CN},
        {",,  ,zh", LTY_PORTAL_LANG_ZH_CN},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        if (lty__api_portal_lang_accepted(cases[index].header) != cases[index].lang) {
            fail_msg("Accept-Language \"%s\"", cases[index].header);
        }
    }
}

static void test_portal_lang_choose_query_then_cookie_then_header(void **state)
{
    (void)state;
    bool save = true;
    assert_int_equal(lty__api_portal_lang_choose("", "", "", &save), LTY_PORTAL_LANG_EN);
    assert_false(save);
    assert_int_equal(lty__api_portal_lang_choose("en", "__Host-lty_lang=zh-CN", "zh", &save),
                     LTY_PORTAL_LANG_EN);
    assert_true(save);
    assert_int_equal(
        lty__api_portal_lang_choose("", "a=1; __Host-lty_lang=zh-CN; b=2", "en", &save),
        LTY_PORTAL_LANG_ZH_CN);
    assert_false(save);
    assert_int_equal(lty__api_portal_lang_choose("fr", "__Host-lty_lang=en", "zh", &save),
                     LTY_PORTAL_LANG_EN); /* an unknown switch is ignored */
    assert_false(save);
    assert_int_equal(lty__api_portal_lang_choose("", "x__Host-lty_lang=zh-CN", "en", &save),
                     LTY_PORTAL_LANG_EN); /* another cookie's name that ends like ours */
    assert_int_equal(lty__api_portal_lang_choose("", "__Host-lty_lang=fr", "zh-CN", &save),
                     LTY_PORTAL_LANG_ZH_CN); /* a value we never wrote: the header decides */
}

static void test_portal_number_format_groups_thousands(void **state)
{
    (void)state;
    char out[LTY_PORTAL_FORMAT_SIZE];
    static const struct {
        int64_t value;
        const char *text;
    } cases[] = {
        {0, "0"},
        {999, "999"},
        {1000, "1,000"},
        {-1234567, "-1,234,567"},
        {INT64_MAX, "9,223,372,036,854,775,807"},
        {INT64_MIN, "-9,223,372,036,854,775,808"},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        lty__api_portal_number_format(cases[index].value, out);
        assert_string_equal(out, cases[index].text);
    }
}

static void test_portal_money_format_in_each_language(void **state)
{
    (void)state;
    char out[LTY_PORTAL_FORMAT_SIZE];
    lty__api_portal_money_format(LTY_PORTAL_LANG_EN, "CNY", 2, 0, out);
    assert_string_equal(out, "CNY 0.00");
    lty__api_portal_money_format(LTY_PORTAL_LANG_EN, "CNY", 2, 123456, out);
    assert_string_equal(out, "CNY 1,234.56");
    lty__api_portal_money_format(LTY_PORTAL_LANG_EN, "CNY", 2, -5, out);
    assert_string_equal(out, "-CNY 0.05");
    lty__api_portal_money_format(LTY_PORTAL_LANG_ZH_CN, "CNY", 2, 123456, out);
    assert_string_equal(out, "\xc2\xa5"
                             "1,234.56");
    lty__api_portal_money_format(LTY_PORTAL_LANG_ZH_CN, "CNY", 2, -1200, out);
    assert_string_equal(out, "-\xc2\xa5"
                             "12.00");
    lty__api_portal_money_format(LTY_PORTAL_LANG_ZH_CN, "USD", 2, 100, out);
    assert_string_equal(out, "USD 1.00");
    lty__api_portal_money_format(LTY_PORTAL_LANG_EN, "JPY", 0, 123456, out);
    assert_string_equal(out, "JPY 123,456");
    lty__api_portal_money_format(LTY_PORTAL_LANG_EN, "KWD", 3, 1005, out);
    assert_string_equal(out, "KWD 1.005");
    lty__api_portal_money_format(LTY_PORTAL_LANG_EN, "CNY", 2, INT64_MIN, out);
    assert_string_equal(out, "-CNY 92,233,720,368,547,758.08");
}

static void test_portal_date_format_is_the_utc_day(void **state)
{
    (void)state;
    char out[LTY_PORTAL_FORMAT_SIZE];
    const int64_t day_2026_03_07 = INT64_C(1772841600000); /* 2026-03-07T00:00:00Z */
    lty__api_portal_date_format(LTY_PORTAL_LANG_EN, day_2026_03_07, out);
    assert_string_equal(out, "2026-03-07");
    lty__api_portal_date_format(LTY_PORTAL_LANG_ZH_CN, day_2026_03_07, out);
    assert_string_equal(out, "2026\xe5\xb9\xb4"
                             "3\xe6\x9c\x88"
                             "7\xe6\x97\xa5");
    lty__api_portal_date_format(LTY_PORTAL_LANG_EN, day_2026_03_07 + 86400000 - 1, out);
    assert_string_equal(out, "2026-03-07");
    lty__api_portal_date_format(LTY_PORTAL_LANG_EN, day_2026_03_07 - 1, out);
    assert_string_equal(out, "2026-03-06");
    lty__api_portal_date_format(LTY_PORTAL_LANG_EN, 0, out);
    assert_string_equal(out, "1970-01-01");
    lty__api_portal_date_format(LTY_PORTAL_LANG_ZH_CN, -1, out);
    assert_string_equal(out, "1969\xe5\xb9\xb4"
                             "12\xe6\x9c\x88"
                             "31\xe6\x97\xa5");
}

/* The {name}s of a text, sorted and joined, for comparing two languages. */
static void placeholders(const char *text, char *out, size_t size)
{
    char names[16][32];
    size_t count = 0;
    for (const char *at = strchr(text, '{'); at != NULL; at = strchr(at + 1, '{')) {
        size_t length = strcspn(at + 1, "}");
        assert_true(count < 16 && length < 32);
        memcpy(names[count], at + 1, length);
        names[count++][length] = '\0';
    }
    qsort(names, count, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (size_t index = 0; index < count; index++) {
        strncat(out, names[index], size - strlen(out) - 2);
        strcat(out, ",");
    }
}

static void test_portal_messages_sorted_complete_and_alike(void **state)
{
    (void)state;
    assert_true(lty_portal_messages_count >= 50);
    for (size_t index = 0; index < lty_portal_messages_count; index++) {
        const lty_portal_message_t *message = &lty_portal_messages[index];
        if (index > 0) assert_true(strcmp(lty_portal_messages[index - 1].key, message->key) < 0);
        char en[256], zh[256];
        assert_true(message->text[LTY_PORTAL_LANG_EN][0] != '\0');
        assert_true(message->text[LTY_PORTAL_LANG_ZH_CN][0] != '\0');
        placeholders(message->text[LTY_PORTAL_LANG_EN], en, sizeof(en));
        placeholders(message->text[LTY_PORTAL_LANG_ZH_CN], zh, sizeof(zh));
        if (strcmp(en, zh) != 0)
            fail_msg("%s: {%s} in English, {%s} in zh-CN", message->key, en, zh);
        assert_ptr_equal(lty__api_portal_message(LTY_PORTAL_LANG_ZH_CN, message->key),
                         message->text[LTY_PORTAL_LANG_ZH_CN]);
    }
    assert_string_equal(lty__api_portal_message(LTY_PORTAL_LANG_EN, "dash.points"), "Points");
    assert_string_equal(lty__api_portal_message(LTY_PORTAL_LANG_ZH_CN, "dash.points"),
                        "\xe7\xa7\xaf\xe5\x88\x86"); /* 积分 */
}

static void test_portal_html_escapes_markup_and_fills_placeholders(void **state)
{
    (void)state;
    lty_buf_t out;
    lty_buf_init(&out, 4096);
    lty__api_portal_html_append(&out, "<b a='1'>\"x\" & y</b>");
    lty_buf_append(&out, "", 1);
    assert_string_equal(out.data, "&lt;b a=&#39;1&#39;&gt;&quot;x&quot; &amp; y&lt;/b&gt;");
    lty_buf_reset(&out);
    const lty_portal_var_t name[] = {{"name", "<i>Li</i>"}};
    lty__api_portal_text_append(&out, LTY_PORTAL_LANG_EN, "dash.hello", name, 1);
    lty_buf_append(&out, "", 1);
    assert_string_equal(out.data, "Hello, &lt;i&gt;Li&lt;/i&gt;");
    lty_buf_reset(&out);
    lty__api_portal_text_append(&out, LTY_PORTAL_LANG_EN, "dash.hello", NULL, 0);
    lty_buf_append(&out, "", 1);
    assert_string_equal(out.data, "Hello, {name}"); /* no value: the placeholder stays */
    lty_buf_reset(&out);
    const lty_portal_var_t item[] = {{"date", "2026-03-07"}, {"points", "1,200"}};
    lty__api_portal_text_append(&out, LTY_PORTAL_LANG_ZH_CN, "dash.expiring_item", item, 2);
    lty_buf_append(&out, "", 1);
    assert_string_equal(out.data,
                        "2026-03-07 \xe5\x88\xb0\xe6\x9c\x9f 1,200 \xe7\xa7\xaf\xe5\x88\x86");
    lty_buf_deinit(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portal_lang_parse_takes_exactly_our_tags),
        cmocka_unit_test(test_portal_lang_accepted_follows_weights_then_order),
        cmocka_unit_test(test_portal_lang_choose_query_then_cookie_then_header),
        cmocka_unit_test(test_portal_number_format_groups_thousands),
        cmocka_unit_test(test_portal_money_format_in_each_language),
        cmocka_unit_test(test_portal_date_format_is_the_utc_day),
        cmocka_unit_test(test_portal_messages_sorted_complete_and_alike),
        cmocka_unit_test(test_portal_html_escapes_markup_and_fills_placeholders),
    };
    return cmocka_run_group_tests_name("portal_locale", tests, NULL, NULL);
}
