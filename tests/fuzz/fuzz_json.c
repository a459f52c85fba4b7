/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_json.c: any bytes through the strict JSON layer every request body and
 * response passes (lty_json_parse and its typed readers). Invariants:
 * - parse, validate and prefix_check agree: a document that parses validates; every prefix of
 *   it is a possible beginning (prefix_check 0); a refusal is a listed 4xx code with its diag;
 * - every reader, on every member and item the tree holds, either refuses with
 *   LTY_E_INVALID_FIELD naming a field, or returns a value within the bounds it was given;
 * - what a reader returns survives the writer: strings and integers rendered with lty_jw_*
 *   parse back to the same value. */
#include "fuzz_support.h"
#include "lty/lty_buf.h"
#include "lty/lty_limits.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_JSON_BYTES_MAX (16 * 1024)
#define FUZZ_PREFIXES_ALL_MAX 512 /* every prefix up to this size, else a spread of them */
#define FUZZ_PREFIXES_SAMPLE 64
#define FUZZ_ITEMS_MAX 16         /* items of each array walked */

/* Keys the API and the SDK read; the fuzzer learns them from the comparisons. */
static const char *const fuzz_keys[] = {
    "card_no", "receipt_no", "lines", "sku", "qty", "amount_cents", "category", "name",
    "phone", "email", "points", "prepaid_cents", "error", "code", "message", "field", "a", "",
    NULL, /* lty_json_keys_check's end */
};
#define FUZZ_KEYS_COUNT (sizeof(fuzz_keys) / sizeof(fuzz_keys[0]) - 1)

static void refusal_check(int err, const lty_diag_t *diag)
{
    LTY_ASSERT(err == LTY_E_INVALID_FIELD);
    fuzz_diag_check(diag, err);
    LTY_ASSERT(diag->field[0] == '/' || diag->field[0] == '\0');
}

/* A string read back through the writer: {"v":<escaped>} parses to the same bytes. */
static void string_round_trip(const char *value)
{
    lty_buf_t text;
    lty_buf_init(&text, 4 * FUZZ_JSON_BYTES_MAX);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &text);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "v", value);
    lty_jw_object_end(&writer);
    LTY_ASSERT(lty_buf_error(&text) == 0);
    lty_json_doc_t *doc = NULL;
    LTY_ASSERT(lty_json_parse(text.data, text.size, 2, &doc, NULL) == 0);
    const char *back = lty_json_node_string(lty_json_member(lty_json_doc_root(doc), "v"));
    LTY_ASSERT(back != NULL && strcmp(back, value) == 0);
    lty_json_doc_free(doc);
    lty_buf_deinit(&text);
}

static void int_round_trip(int64_t value)
{
    lty_buf_t text;
    lty_buf_init(&text, 64);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &text);
    lty_jw_int(&writer, value);
    lty_json_doc_t *doc = NULL;
    LTY_ASSERT(lty_buf_error(&text) == 0);
    LTY_ASSERT(lty_json_parse(text.data, text.size, 1, &doc, NULL) == 0);
    int64_t back = 0;
    LTY_ASSERT(lty_json_node_int(lty_json_doc_root(doc), &back) && back == value);
    lty_json_doc_free(doc);
    lty_buf_deinit(&text);
}

/* Every reader on member key of object, with bounds taken from the key's position. */
static void member_read(const lty_json_node_t *object, const char *key, size_t key_index)
{
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int64_t min = key_index % 2 == 0 ? LTY_JSON_INT_MIN : 0;
    int64_t max = key_index % 3 == 0 ? LTY_JSON_INT_MAX : 1000;
    int64_t value = INT64_MIN;
    bool present = false;
    int err = lty_json_get_int(object, "/o", key, key_index % 2 == 1, min, max, &value, &present,
                               &diag);
    if (err != 0) refusal_check(err, &diag);
    if (err == 0 && present) {
        LTY_ASSERT(value >= min && value <= max);
        int_round_trip(value);
    }
    if (err == 0 && !present) LTY_ASSERT(value == INT64_MIN);

    char text[65];
    size_t size_min = key_index % 4;
    lty_diag_clear(&diag);
    err = lty_json_get_string(object, "/o", key, false, size_min, sizeof(text) - 1, text,
                              sizeof(text), &present, &diag);
    if (err != 0) refusal_check(err, &diag);
    if (err == 0 && present) {
        LTY_ASSERT(strlen(text) >= size_min && strlen(text) < sizeof(text));
        for (const char *c = text; *c != '\0'; c++) LTY_ASSERT((unsigned char)*c >= 0x20);
        string_round_trip(text);
    }

    bool flag = false;
    lty_diag_clear(&diag);
    err = lty_json_get_bool(object, "/o", key, false, &flag, &present, &diag);
    if (err != 0) refusal_check(err, &diag);

    const lty_json_node_t *array = NULL;
    size_t count = SIZE_MAX;
    lty_diag_clear(&diag);
    err = lty_json_get_array(object, "/o", key, false, key_index, &array, &count, &diag);
    if (err != 0) refusal_check(err, &diag);
    if (err == 0 && array != NULL) LTY_ASSERT(count <= key_index && count == lty_json_count(array));
    if (err == 0 && array == NULL) LTY_ASSERT(count == 0);

    const lty_json_node_t *inner = NULL;
    lty_diag_clear(&diag);
    err = lty_json_get_object(object, "/o", key, false, &inner, &diag);
    if (err != 0) refusal_check(err, &diag);
    if (inner != NULL) LTY_ASSERT(lty_json_is_object(inner));
}

static void node_walk(const lty_json_node_t *node, int depth)
{
    LTY_ASSERT(depth <= LTY_JSON_DEPTH_MAX);
    int64_t value;
    if (lty_json_node_int(node, &value)) {
        LTY_ASSERT(value >= LTY_JSON_INT_MIN && value <= LTY_JSON_INT_MAX);
    }
    const char *text = lty_json_node_string(node);
    if (text != NULL) LTY_ASSERT(strlen(text) <= FUZZ_JSON_BYTES_MAX);
    if (lty_json_is_array(node)) {
        size_t count = lty_json_count(node);
        for (size_t index = 0; index < count && index < FUZZ_ITEMS_MAX; index++) {
            const lty_json_node_t *item = lty_json_item(node, index);
            LTY_ASSERT(item != NULL);
            node_walk(item, depth + 1);
        }
        LTY_ASSERT(lty_json_item(node, count) == NULL);
    }
    if (!lty_json_is_object(node)) {
        LTY_ASSERT(lty_json_member(node, "a") == NULL);
        return;
    }
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_json_keys_check(node, "/o", fuzz_keys, &diag);
    if (err != 0) refusal_check(err, &diag);
    for (size_t index = 0; index < FUZZ_KEYS_COUNT; index++) {
        member_read(node, fuzz_keys[index], index);
        const lty_json_node_t *member = lty_json_member(node, fuzz_keys[index]);
        if (member != NULL) node_walk(member, depth + 1);
    }
}

static void prefixes_check(const char *text, size_t size)
{
    size_t step = size <= FUZZ_PREFIXES_ALL_MAX ? 1 : size / FUZZ_PREFIXES_SAMPLE;
    for (size_t prefix = 0; prefix <= size; prefix += step) {
        lty_diag_t diag;
        lty_diag_clear(&diag);
        LTY_ASSERT(lty_json_prefix_check(text, prefix, LTY_JSON_DEPTH_MAX, &diag) == 0);
    }
    LTY_ASSERT(lty_json_prefix_check(text, size, LTY_JSON_DEPTH_MAX, NULL) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_JSON_BYTES_MAX) return 0;
    const char *text = (const char *)data;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    lty_json_doc_t *doc = NULL;
    int err = lty_json_parse(text, size, LTY_JSON_DEPTH_MAX, &doc, &diag);
    int validated = lty_json_validate(text, size, LTY_JSON_DEPTH_MAX, NULL);
    if (err != 0) {
        LTY_ASSERT(doc == NULL);
        LTY_ASSERT(err == LTY_E_INVALID_JSON || err == LTY_E_JSON_TOO_DEEP ||
                   err == LTY_E_DUPLICATE_KEY || err == LTY_E_REQUEST_TOO_LARGE);
        fuzz_err_client(err);
        fuzz_diag_check(&diag, err);
        /* Only the tree finds duplicates (and too many members); else the recogniser agrees. */
        if (err == LTY_E_DUPLICATE_KEY) LTY_ASSERT(validated == 0);
        if (err == LTY_E_REQUEST_TOO_LARGE) LTY_ASSERT(validated == 0 || validated == err);
        if (err == LTY_E_INVALID_JSON || err == LTY_E_JSON_TOO_DEEP) {
            LTY_ASSERT(validated == err);
        }
        return 0;
    }
    LTY_ASSERT(validated == 0);
    prefixes_check(text, size);
    node_walk(lty_json_doc_root(doc), 0);
    lty_json_doc_free(doc);
    return 0;
}
