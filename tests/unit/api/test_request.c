/* tests/unit/api/test_request.c
 * Goal: the request decoding every handler shares (api/request.c) accepts exactly what the API
 * contract allows and answers everything else with its listed error: percent-decoding of path
 * segments and query values ('+' is a space only in a query; '/', control characters, a
 * truncated escape and an overlong value refused); the strict JSON body (empty, malformed, not an
 * object, duplicate keys, too deep); the optional body with known keys; a one-integer body at
 * its bounds; query integers at min, max and one past, query strings; path ids up to 2^53 - 1.
 * Method: the functions called on an exchange built in memory (no network, no store); the reply
 * they make is read back from the exchange's response. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"

#include <cmocka.h>

static lty_exchange_t exchange; /* static: an exchange holds two URL-sized buffers */
static char body_text[LTY_HTTP_BODY_BYTES_MAX];

static int exchange_setup(void **state)
{
    (void)state;
    lty_buf_t body = exchange.response.body;
    memset(&exchange, 0, sizeof(exchange));
    exchange.response.body = body;
    lty_buf_reset(&exchange.response.body);
    return 0;
}

static int exchange_teardown(void **state)
{
    (void)state;
    lty_buf_deinit(&exchange.response.body);
    memset(&exchange.response.body, 0, sizeof(exchange.response.body));
    return 0;
}

static void body_set(const char *json)
{
    snprintf(body_text, sizeof(body_text), "%s", json);
    exchange.request.body = body_text;
    exchange.request.body_size = strlen(body_text);
    strcpy(exchange.request.content_type, "application/json");
    lty_buf_reset(&exchange.response.body);
    exchange.response.status = 0;
}

static void query_set(const char *query)
{
    snprintf(exchange.request.query, sizeof(exchange.request.query), "%s", query);
}

/* The reply made: status and error code of err. */
static void assert_replied(int err)
{
    assert_int_equal(exchange.response.status, lty_err_http_status(err));
    char code[80];
    snprintf(code, sizeof(code), "\"code\":\"%s\"", lty_err_code(err));
    lty_buf_append(&exchange.response.body, "", 1); /* terminate for strstr */
    assert_non_null(strstr(exchange.response.body.data, code));
}

/* ---- Percent-decoding ------------------------------------------------------------------- */

static bool decode(const char *text, bool query, char *out, size_t out_size)
{
    return lty__api_percent_decode(text, strlen(text), query, out, out_size);
}

static void test_percent_decode_path_and_query_rules(void **state)
{
    (void)state;
    char out[LTY_ROUTE_PARAM_BYTES_MAX + 1];
    assert_true(decode("8812%33%34", false, out, sizeof(out)));
    assert_string_equal(out, "881234");
    assert_true(decode("%4a%4A", false, out, sizeof(out))); /* either case of hex */
    assert_string_equal(out, "JJ");
    assert_true(decode("a+b%20c", false, out, sizeof(out))); /* '+' is itself in a path */
    assert_string_equal(out, "a+b c");
    assert_true(decode("a+b%2Bc", true, out, sizeof(out))); /* and a space in a query */
    assert_string_equal(out, "a b+c");
    assert_true(decode("", false, out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(decode("a%2Fb", false, out, sizeof(out))); /* an encoded '/' */
    assert_false(decode("a%2fb", true, out, sizeof(out)));
    assert_false(decode("a%0Ab", false, out, sizeof(out))); /* control characters */
    assert_false(decode("a%00b", false, out, sizeof(out)));
    assert_false(decode("a%7Fb", false, out, sizeof(out)));
    assert_false(decode("a\tb", false, out, sizeof(out)));
    assert_false(decode("a%4", false, out, sizeof(out))); /* truncated escapes */
    assert_false(decode("a%", false, out, sizeof(out)));
    assert_false(decode("a%zz", false, out, sizeof(out)));
    /* The output's size bounds the decoded text: out_size - 1 bytes fit, one more does not. */
    char text[LTY_ROUTE_PARAM_BYTES_MAX + 2];
    memset(text, 'x', sizeof(text));
    text[LTY_ROUTE_PARAM_BYTES_MAX] = '\0';
    assert_true(decode(text, false, out, sizeof(out)));
    assert_int_equal(strlen(out), LTY_ROUTE_PARAM_BYTES_MAX);
    text[LTY_ROUTE_PARAM_BYTES_MAX] = 'x';
    text[LTY_ROUTE_PARAM_BYTES_MAX + 1] = '\0';
    assert_false(decode(text, false, out, sizeof(out)));
    memset(text, 0, sizeof(text)); /* an escape counts once it is decoded */
    for (size_t index = 0; index < 21; index++) memcpy(text + 3 * index, "%41", 3);
    assert_true(decode(text, false, out, 22));
    assert_int_equal(strlen(out), 21);
    assert_false(decode(text, false, out, 21));
}

/* ---- Bodies ----------------------------------------------------------------------------- */

static void test_body_parse_refuses_empty_malformed_non_objects_duplicates_and_depth(void **state)
{
    (void)state;
    lty_json_doc_t *doc = NULL;
    body_set("");
    assert_int_equal(lty_api_body_parse(&exchange, &doc), LTY_E_INVALID_JSON);
    assert_null(doc);
    assert_replied(LTY_E_INVALID_JSON);
    body_set("{\"a\":");
    assert_int_equal(lty_api_body_parse(&exchange, &doc), LTY_E_INVALID_JSON);
    assert_replied(LTY_E_INVALID_JSON);
    body_set("[1,2]");
    assert_int_equal(lty_api_body_parse(&exchange, &doc), LTY_E_INVALID_FIELD);
    assert_replied(LTY_E_INVALID_FIELD);
    body_set("{\"a\":1,\"a\":2}");
    assert_int_equal(lty_api_body_parse(&exchange, &doc), LTY_E_DUPLICATE_KEY);
    assert_replied(LTY_E_DUPLICATE_KEY);
    /* LTY_JSON_DEPTH_MAX levels are read, one more is refused. */
    char deep[64] = "";
    for (int level = 0; level < LTY_JSON_DEPTH_MAX; level++) strcat(deep, "{\"a\":");
    strcat(deep, "1");
    for (int level = 0; level < LTY_JSON_DEPTH_MAX; level++) strcat(deep, "}");
    body_set(deep);
    assert_int_equal(lty_api_body_parse(&exchange, &doc), 0);
    assert_non_null(doc);
    lty_json_doc_free(doc);
    doc = NULL;
    char deeper[80] = "{\"b\":";
    strcat(deeper, deep);
    strcat(deeper, "}");
    body_set(deeper);
    assert_int_equal(lty_api_body_parse(&exchange, &doc), LTY_E_JSON_TOO_DEEP);
    assert_replied(LTY_E_JSON_TOO_DEEP);
    body_set(" {\"name\":\"王芳\"} ");
    assert_int_equal(lty_api_body_parse(&exchange, &doc), 0);
    assert_true(lty_json_is_object(lty_json_doc_root(doc)));
    assert_int_equal(exchange.response.status, 0); /* no reply made */
    lty_json_doc_free(doc);
}

static void test_body_optional_takes_nothing_or_known_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {"reason", NULL};
    static const char *const none[] = {NULL};
    lty_json_doc_t *doc = NULL;
    exchange.request.body = NULL;
    exchange.request.body_size = 0;
    assert_int_equal(lty_api_body_optional(&exchange, keys, &doc), 0);
    assert_null(doc);
    body_set("{\"reason\":\"lost\"}");
    assert_int_equal(lty_api_body_optional(&exchange, keys, &doc), 0);
    assert_non_null(doc);
    lty_json_doc_free(doc);
    doc = NULL;
    body_set("{}");
    assert_int_equal(lty_api_body_optional(&exchange, none, &doc), 0);
    lty_json_doc_free(doc);
    doc = NULL;
    body_set("{\"reason\":\"x\",\"other\":1}");
    assert_int_equal(lty_api_body_optional(&exchange, keys, &doc), 1);
    assert_null(doc);
    assert_replied(LTY_E_INVALID_FIELD);
    body_set("{\"Reason\":\"x\"}"); /* keys are case-sensitive */
    assert_int_equal(lty_api_body_optional(&exchange, keys, &doc), 1);
    assert_replied(LTY_E_INVALID_FIELD);
    body_set("{");
    assert_int_equal(lty_api_body_optional(&exchange, keys, &doc), 1);
    assert_replied(LTY_E_INVALID_JSON);
}

static void test_body_int_parse_at_its_bounds(void **state)
{
    (void)state;
    int64_t value = 0;
    body_set("{\"offset_ms\":-10}");
    assert_int_equal(lty_api_body_int_parse(&exchange, "offset_ms", -10, 10, &value), 0);
    assert_int_equal(value, -10);
    body_set("{\"offset_ms\":10}");
    assert_int_equal(lty_api_body_int_parse(&exchange, "offset_ms", -10, 10, &value), 0);
    assert_int_equal(value, 10);
    static const char *const refused[] = {
        "{\"offset_ms\":11}", "{\"offset_ms\":-11}", "{\"offset_ms\":1.5}",
        "{\"offset_ms\":\"5\"}", "{\"offset_ms\":5,\"more\":1}", "{}",
    };
    for (size_t index = 0; index < sizeof(refused) / sizeof(refused[0]); index++) {
        body_set(refused[index]);
        value = 99;
        assert_int_equal(lty_api_body_int_parse(&exchange, "offset_ms", -10, 10, &value),
                         LTY_E_INVALID_FIELD);
        assert_replied(LTY_E_INVALID_FIELD);
        assert_int_equal(value, 99);
    }
    body_set("not json");
    assert_int_equal(lty_api_body_int_parse(&exchange, "offset_ms", -10, 10, &value),
                     LTY_E_INVALID_JSON);
    assert_replied(LTY_E_INVALID_JSON);
}

/* ---- Query parameters ------------------------------------------------------------------- */

static void test_query_int_at_min_max_and_one_past(void **state)
{
    (void)state;
    lty_diag_t diag;
    int64_t value = 0;
    bool present = true;
    query_set("");
    assert_int_equal(lty_api_query_int(&exchange, "limit", 1, 200, &value, &present, &diag), 0);
    assert_false(present);
    static const struct {
        const char *query;
        int64_t value; /* 0: refused */
    } cases[] = {
        {"limit=1", 1},        {"limit=200", 200},   {"limit=0", 0},        {"limit=201", 0},
        {"limit=", 0},         {"limit=abc", 0},     {"limit=5x", 0},       {"limit=%35", 5},
        {"limit=+5", 0},       {"limit=-", 0},       {"a=1&limit=7&limit=9", 7},
        {"limitx=5&limit=6", 6}, {"limit=99999999999999999999", 0},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        query_set(cases[index].query);
        value = -1;
        lty_diag_clear(&diag);
        int err = lty_api_query_int(&exchange, "limit", 1, 200, &value, &present, &diag);
        print_message("%s\n", cases[index].query);
        assert_true(present);
        if (cases[index].value == 0) {
            assert_int_equal(err, LTY_E_INVALID_QUERY);
            assert_string_equal(diag.field, "limit");
            assert_int_equal(value, -1);
        } else {
            assert_int_equal(err, 0);
            assert_int_equal(value, cases[index].value);
        }
    }
    query_set("delta=-5");
    assert_int_equal(lty_api_query_int(&exchange, "delta", -5, 5, &value, NULL, &diag), 0);
    assert_int_equal(value, -5);
    query_set("delta=-6");
    assert_int_equal(lty_api_query_int(&exchange, "delta", -5, 5, &value, NULL, &diag),
                     LTY_E_INVALID_QUERY);
    query_set("big=9007199254740991"); /* LTY_JSON_INT_MAX */
    assert_int_equal(lty_api_query_int(&exchange, "big", 0, LTY_JSON_INT_MAX, &value, NULL, &diag),
                     0);
    assert_int_equal(value, LTY_JSON_INT_MAX);
    query_set("big=9007199254740992");
    assert_int_equal(lty_api_query_int(&exchange, "big", 0, LTY_JSON_INT_MAX, &value, NULL, &diag),
                     LTY_E_INVALID_QUERY);
}

static void test_query_string_decodes_and_bounds(void **state)
{
    (void)state;
    lty_diag_t diag;
    char out[8];
    bool present = false;
    query_set("name=Wang+Fang&store=S001");
    assert_int_equal(lty_api_query_string(&exchange, "store", out, sizeof(out), &present, &diag),
                     0);
    assert_true(present);
    assert_string_equal(out, "S001");
    assert_int_equal(lty_api_query_string(&exchange, "name", out, sizeof(out), &present, &diag),
                     LTY_E_INVALID_QUERY); /* "Wang Fang" is 9 bytes: out holds 7 */
    char wide[32];
    assert_int_equal(lty_api_query_string(&exchange, "name", wide, sizeof(wide), &present, &diag),
                     0);
    assert_string_equal(wide, "Wang Fang");
    assert_int_equal(lty_api_query_string(&exchange, "from", out, sizeof(out), &present, &diag),
                     0);
    assert_false(present);
    assert_string_equal(out, "");
    query_set("flag&x=%E7%8E%8B"); /* a bare name is present and empty; UTF-8 passes */
    assert_int_equal(lty_api_query_string(&exchange, "flag", out, sizeof(out), &present, &diag),
                     0);
    assert_true(present);
    assert_string_equal(out, "");
    assert_int_equal(lty_api_query_string(&exchange, "x", out, sizeof(out), &present, &diag), 0);
    assert_string_equal(out, "王");
    query_set("x=%G1");
    lty_diag_clear(&diag);
    assert_int_equal(lty_api_query_string(&exchange, "x", out, sizeof(out), &present, &diag),
                     LTY_E_INVALID_QUERY);
    assert_string_equal(diag.field, "x");
}

/* ---- Ids -------------------------------------------------------------------------------- */

static void test_parse_id_from_one_to_the_json_integer_max(void **state)
{
    (void)state;
    uint64_t id = 0;
    assert_int_equal(lty_api_parse_id("1", &id), 0);
    assert_int_equal(id, 1);
    assert_int_equal(lty_api_parse_id("9007199254740991", &id), 0);
    assert_int_equal(id, (uint64_t)LTY_JSON_INT_MAX);
    static const char *const refused[] = {"", "0", "01", "-1", "+1", "12a", " 1",
                                          "9007199254740992", "10000000000000000"};
    for (size_t index = 0; index < sizeof(refused) / sizeof(refused[0]); index++) {
        id = 77;
        assert_int_equal(lty_api_parse_id(refused[index], &id), LTY_E_NOT_FOUND);
        assert_int_equal(id, 77);
    }
}

static void test_member_id_param_names_a_malformed_id_member_not_found(void **state)
{
    (void)state;
    lty_route_params_t params = {.count = 1};
    strcpy(params.values[0], "42");
    uint64_t member_id = 0;
    assert_true(lty_api_member_id_param(&exchange, &params, &member_id));
    assert_int_equal(member_id, 42);
    assert_int_equal(exchange.response.status, 0);
    strcpy(params.values[0], "4x2");
    assert_false(lty_api_member_id_param(&exchange, &params, &member_id));
    assert_replied(LTY_E_MEMBER_NOT_FOUND);
}

#define REQUEST_TEST(name) cmocka_unit_test_setup_teardown(name, exchange_setup, NULL)

int main(void)
{
    lty_buf_init(&exchange.response.body, LTY_HTTP_RESPONSE_BYTES_MAX);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent_decode_path_and_query_rules),
        REQUEST_TEST(test_body_parse_refuses_empty_malformed_non_objects_duplicates_and_depth),
        REQUEST_TEST(test_body_optional_takes_nothing_or_known_keys),
        REQUEST_TEST(test_body_int_parse_at_its_bounds),
        REQUEST_TEST(test_query_int_at_min_max_and_one_past),
        REQUEST_TEST(test_query_string_decodes_and_bounds),
        cmocka_unit_test(test_parse_id_from_one_to_the_json_integer_max),
        REQUEST_TEST(test_member_id_param_names_a_malformed_id_member_not_found),
    };
    int failed = cmocka_run_group_tests_name("request", tests, NULL, exchange_teardown);
    return failed;
}
