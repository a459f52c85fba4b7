/* tests/unit/common/test_lty_json.c
 * Goal: the strict JSON layer accepts exactly RFC 8259 (no cJSON leniency), refuses duplicate
 * keys, deep nesting, non-integral or out-of-range numbers and unknown keys, names the field in
 * its diagnostics, and the writer produces valid JSON.
 * Method: hand-written boundary cases, then the whole JSONTestSuite parsing corpus from
 * tests/data/JSONTestSuite (y_ must parse or be refused only for a listed limit; n_ must be refused as
 * invalid_json or json_too_deep; i_ must not crash). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <cmocka.h>

static int parse_text(const char *text, lty_json_doc_t **doc_out, lty_diag_t *diag)
{
    return lty_json_parse(text, strlen(text), LTY_JSON_DEPTH_MAX, doc_out, diag);
}

static void expect_invalid(const char *text, int expected)
{
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    int err = parse_text(text, &doc, &diag);
    if (err != expected) fail_msg("\"%s\": got %d (%s), want %d", text, err, diag.detail, expected);
    assert_null(doc);
}

static void test_json_parse_rejects_cjson_leniencies(void **state)
{
    (void)state;
    expect_invalid("[1.]", LTY_E_INVALID_JSON);
    expect_invalid("[-01]", LTY_E_INVALID_JSON);
    expect_invalid("[.5]", LTY_E_INVALID_JSON);
    expect_invalid("[1e]", LTY_E_INVALID_JSON);
    expect_invalid("{\"a\":1,}", LTY_E_INVALID_JSON);
    expect_invalid("[1,]", LTY_E_INVALID_JSON);
    expect_invalid("{\"a\":1} x", LTY_E_INVALID_JSON);
    expect_invalid("\"\xff\"", LTY_E_INVALID_JSON);
    expect_invalid("\"\xc0\xaf\"", LTY_E_INVALID_JSON); /* overlong '/' */
    expect_invalid("\"\xed\xa0\x80\"", LTY_E_INVALID_JSON); /* encoded surrogate */
    expect_invalid("\"\\ud800\"", LTY_E_INVALID_JSON);
    expect_invalid("\"a\tb\"", LTY_E_INVALID_JSON);
    expect_invalid("", LTY_E_INVALID_JSON);
    expect_invalid("nul", LTY_E_INVALID_JSON);
}

static void test_json_parse_depth_at_max_and_max_plus_one(void **state)
{
    (void)state;
    char text[64];
    memset(text, 0, sizeof(text));
    for (int index = 0; index < LTY_JSON_DEPTH_MAX; index++) {
        text[index] = '[';
        text[2 * LTY_JSON_DEPTH_MAX - 1 - index] = ']';
    }
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    assert_int_equal(parse_text(text, &doc, &diag), 0);
    lty_json_doc_free(doc);

    memset(text, 0, sizeof(text));
    for (int index = 0; index <= LTY_JSON_DEPTH_MAX; index++) {
        text[index] = '[';
        text[2 * LTY_JSON_DEPTH_MAX + 1 - index] = ']';
    }
    expect_invalid(text, LTY_E_JSON_TOO_DEEP);
}

static void test_json_parse_duplicate_key_is_refused(void **state)
{
    (void)state;
    expect_invalid("{\"a\":1,\"a\":2}", LTY_E_DUPLICATE_KEY);
    expect_invalid("{\"x\":{\"b\":1,\"b\":1}}", LTY_E_DUPLICATE_KEY);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    assert_int_equal(parse_text("{\"a\":1,\"A\":2}", &doc, &diag), 0);
    lty_json_doc_free(doc);
}

static int get_int(const char *text, int64_t *value_out, lty_diag_t *diag)
{
    lty_json_doc_t *doc = NULL;
    int err = parse_text(text, &doc, diag);
    if (err != 0) return err;
    err = lty_json_get_int(lty_json_doc_root(doc), "", "n", true, -LTY_JSON_INT_MAX,
                           LTY_JSON_INT_MAX, value_out, NULL, diag);
    lty_json_doc_free(doc);
    return err;
}

static void test_json_get_int_accepts_integral_within_2_pow_53(void **state)
{
    (void)state;
    int64_t value = 0;
    lty_diag_t diag;
    assert_int_equal(get_int("{\"n\":9007199254740991}", &value, &diag), 0);
    assert_true(value == LTY_JSON_INT_MAX);
    assert_int_equal(get_int("{\"n\":-0}", &value, &diag), 0);
    assert_true(value == 0);
    assert_int_equal(get_int("{\"n\":1e2}", &value, &diag), 0);
    assert_true(value == 100);
    assert_int_equal(get_int("{\"n\":9007199254740993}", &value, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/n");
    assert_int_equal(get_int("{\"n\":1e400}", &value, &diag), LTY_E_INVALID_FIELD);
    assert_int_equal(get_int("{\"n\":1.5}", &value, &diag), LTY_E_INVALID_FIELD);
    assert_int_equal(get_int("{\"n\":\"5\"}", &value, &diag), LTY_E_INVALID_FIELD);
    assert_int_equal(get_int("{\"N\":5}", &value, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.detail, "is required");
}

static void test_json_keys_check_names_the_unknown_key(void **state)
{
    (void)state;
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    assert_int_equal(parse_text("{\"card_no\":\"1\",\"Card_no\":\"2\"}", &doc, &diag), 0);
    static const char *const allowed[] = {"card_no", NULL};
    assert_int_equal(lty_json_keys_check(lty_json_doc_root(doc), "", allowed, &diag),
                     LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/Card_no");
    lty_json_doc_free(doc);
}

static void test_json_get_string_bounds_and_control_characters(void **state)
{
    (void)state;
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    char out[8];
    assert_int_equal(parse_text("{\"s\":\"abcdefg\",\"t\":\"abcdefgh\",\"u\":\"a\\nb\"}", &doc,
                                &diag), 0);
    const lty_json_node_t *root = lty_json_doc_root(doc);
    assert_int_equal(lty_json_get_string(root, "", "s", true, 1, 7, out, sizeof(out), NULL, &diag),
                     0);
    assert_string_equal(out, "abcdefg");
    assert_int_equal(lty_json_get_string(root, "", "t", true, 1, 7, out, sizeof(out), NULL, &diag),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty_json_get_string(root, "", "u", true, 1, 7, out, sizeof(out), NULL, &diag),
                     LTY_E_INVALID_FIELD);
    lty_json_doc_free(doc);
}

static void test_json_writer_output_parses_back(void **state)
{
    (void)state;
    lty_buf_t out;
    lty_buf_init(&out, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &out);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "name", "王小明 \"q\" \\ \n\x01");
    lty_jw_kv_int(&writer, "points", -9007199254740991);
    lty_jw_key(&writer, "list");
    lty_jw_array_begin(&writer);
    lty_jw_int(&writer, 1);
    lty_jw_bool(&writer, true);
    lty_jw_null(&writer);
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    assert_int_equal(lty_buf_error(&out), 0);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    assert_int_equal(lty_json_parse(out.data, out.size, LTY_JSON_DEPTH_MAX, &doc, &diag), 0);
    char name[64];
    assert_int_equal(lty_json_get_string(lty_json_doc_root(doc), "", "name", true, 0, 60, name,
                                         sizeof(name), NULL, &diag), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_json_count(lty_json_member(lty_json_doc_root(doc), "list")), 3);
    lty_json_doc_free(doc);
    lty_buf_deinit(&out);
}

static void test_json_error_render_has_code_message_field(void **state)
{
    (void)state;
    lty_buf_t out;
    lty_buf_init(&out, 4096);
    lty_diag_t diag;
    lty_diag_set(&diag, LTY_E_INVALID_FIELD, "/lines/3/qty", "must be >= 1");
    lty_json_error_render(&out, LTY_E_INVALID_FIELD, &diag);
    assert_string_equal(out.data, "{\"error\":{\"code\":\"invalid_field\",\"message\":\"must be >= "
                                  "1\",\"field\":\"/lines/3/qty\"}}");
    lty_buf_deinit(&out);
}

static void test_json_prefix_check_tells_truncated_from_invalid(void **state)
{
    (void)state;
    static const char *const truncated[] = {
        "{\"a\":[1,2", "{\"a\":\"abc", "[\"\\u12", "[\"\\ud83d", "[\"\\ud83d\\u", "[tr", "[-",
        "[1.", "[1e+", "[\"\xe4\xb8", "{\"a\"", "{", "",
    };
    static const char *const invalid[] = {"[1,]", "{\"a\" 1", "[tx", "[\"\xff", "[01", "]"};
    lty_diag_t diag;
    for (size_t index = 0; index < sizeof(truncated) / sizeof(truncated[0]); index++) {
        int err = lty_json_prefix_check(truncated[index], strlen(truncated[index]), 8, &diag);
        if (err != 0) fail_msg("\"%s\" is a valid prefix but got %d (%s)", truncated[index], err,
                               diag.detail);
    }
    for (size_t index = 0; index < sizeof(invalid) / sizeof(invalid[0]); index++) {
        assert_int_equal(lty_json_prefix_check(invalid[index], strlen(invalid[index]), 8, &diag),
                         LTY_E_INVALID_JSON);
    }
    assert_int_equal(lty_json_prefix_check("[[[[[[[[[[", 10, 8, &diag), LTY_E_JSON_TOO_DEEP);
}

static char *read_file(const char *path, size_t *size_out)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    char *data = malloc(1 << 20);
    size_t size = fread(data, 1, 1 << 20, file);
    fclose(file);
    *size_out = size;
    return data;
}

static void test_json_parse_jsontestsuite_corpus(void **state)
{
    (void)state;
    char dir_path[1024];
    snprintf(dir_path, sizeof(dir_path), "%s/tests/data/JSONTestSuite/test_parsing",
             LTY_SOURCE_DIR);
    DIR *dir = opendir(dir_path);
    if (dir == NULL) fail_msg("corpus not found at %s", dir_path);
    int files = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir_path, entry->d_name);
        size_t size = 0;
        char *data = read_file(path, &size);
        assert_non_null(data);
        lty_json_doc_t *doc = NULL;
        lty_diag_t diag;
        int err = lty_json_parse(data, size, LTY_JSON_DEPTH_MAX, &doc, &diag);
        lty_json_doc_free(doc);
        free(data);
        files++;
        if (entry->d_name[0] == 'n' && err != LTY_E_INVALID_JSON && err != LTY_E_JSON_TOO_DEEP) {
            fail_msg("%s: invalid JSON accepted (err %d)", entry->d_name, err);
        }
        if (entry->d_name[0] == 'y' && err != 0 && err != LTY_E_JSON_TOO_DEEP &&
            err != LTY_E_INVALID_JSON && err != LTY_E_DUPLICATE_KEY) {
            fail_msg("%s: valid JSON gave unexpected err %d", entry->d_name, err);
        }
        if (entry->d_name[0] == 'y' && err == LTY_E_INVALID_JSON &&
            strstr(diag.detail, "\\u0000") == NULL) {
            fail_msg("%s: valid JSON refused: %s", entry->d_name, diag.detail);
        }
    }
    closedir(dir);
    assert_true(files >= 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_parse_rejects_cjson_leniencies),
        cmocka_unit_test(test_json_parse_depth_at_max_and_max_plus_one),
        cmocka_unit_test(test_json_parse_duplicate_key_is_refused),
        cmocka_unit_test(test_json_get_int_accepts_integral_within_2_pow_53),
        cmocka_unit_test(test_json_keys_check_names_the_unknown_key),
        cmocka_unit_test(test_json_get_string_bounds_and_control_characters),
        cmocka_unit_test(test_json_writer_output_parses_back),
        cmocka_unit_test(test_json_error_render_has_code_message_field),
        cmocka_unit_test(test_json_prefix_check_tells_truncated_from_invalid),
        cmocka_unit_test(test_json_parse_jsontestsuite_corpus),
    };
    return cmocka_run_group_tests_name("lty_json", tests, NULL, NULL);
}
