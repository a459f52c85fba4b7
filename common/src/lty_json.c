/* SPDX-License-Identifier: MIT */
/* The project's JSON seam: the only file that includes cJSON.
 *
 * cJSON 1.7.15 is lenient (it accepts "[1.]", "[-01]", invalid UTF-8, and ignores key case in
 * cJSON_GetObjectItem), so every input first passes a strict RFC 8259 recogniser written here.
 * Only then is a tree built, and duplicate keys refused on the tree. Output never goes through
 * cJSON: the writer streams straight into a buffer. */
#include "lty/lty_json.h"
#include "lty/lty_assert.h"
#include "lty/lty_limits.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define JSON_SCAN_DEPTH_MAX 64
#define JSON_OBJECT_MEMBERS_MAX 512

struct lty_json_doc_s {
    cJSON *root;
};

#define NODE(n) ((const cJSON *)(const void *)(n))
#define WRAP(n) ((const lty_json_node_t *)(const void *)(n))

/* ---- Strict recogniser ---------------------------------------------------------------- */

/* The one reason that more input could still repair: lty_json_prefix_check() tells a truncated
 * document (maybe valid) from one that is already invalid by comparing against this pointer. */
static const char json_truncated[] = "unexpected end of input";

static size_t skip_space(const unsigned char *text, size_t size, size_t index)
{
    while (index < size && (text[index] == ' ' || text[index] == '\t' || text[index] == '\n' ||
                            text[index] == '\r')) {
        index++;
    }
    return index;
}

/* Length of the UTF-8 sequence at text[index], or 0 if it is not a valid scalar value. */
static size_t utf8_sequence_size(const unsigned char *text, size_t size, size_t index)
{
    unsigned char lead = text[index];
    size_t length;
    unsigned int code;
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        code = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        code = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        code = lead & 0x07u;
    } else {
        return 0;
    }
    if (size - index < length) return 0;
    for (size_t offset = 1; offset < length; offset++) {
        unsigned char next = text[index + offset];
        if ((next & 0xC0u) != 0x80u) return 0;
        code = (code << 6) | (next & 0x3Fu);
    }
    if (length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) return 0;
    if (length == 4 && (code < 0x10000 || code > 0x10FFFF)) return 0;
    return length;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_hex4(const unsigned char *text, size_t size, size_t index, unsigned int *out)
{
    if (size - index < 4) return -1;
    unsigned int value = 0;
    for (size_t offset = 0; offset < 4; offset++) {
        int digit = hex_value(text[index + offset]);
        if (digit < 0) return -1;
        value = (value << 4) | (unsigned int)digit;
    }
    *out = value;
    return 0;
}

/* True when text[index..size) is the start of a UTF-8 sequence cut off by the end of input. */
static bool utf8_truncated(const unsigned char *text, size_t size, size_t index)
{
    unsigned char lead = text[index];
    size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    if (lead >= 0xE0 && lead <= 0xEF) length = 3;
    if (lead >= 0xF0 && lead <= 0xF4) length = 4;
    if (length == 0 || size - index >= length) return false;
    for (size_t offset = 1; index + offset < size; offset++) {
        if ((text[index + offset] & 0xC0u) != 0x80u) return false;
    }
    return true;
}

/* True when every byte from index to the end is a hex digit (a cut-off \uXXXX). */
static bool hex_prefix(const unsigned char *text, size_t size, size_t index)
{
    for (; index < size; index++) {
        if (hex_value(text[index]) < 0) return false;
    }
    return true;
}

/* After a high surrogate: is what follows a cut-off "\uDC.."? */
static bool surrogate_tail_prefix(const unsigned char *text, size_t size, size_t index)
{
    if (index < size && text[index] != '\\') return false;
    if (index + 1 < size && text[index + 1] != 'u') return false;
    return hex_prefix(text, size, index + 2 < size ? index + 2 : size);
}

/* Scans the string starting at the opening quote; returns the index after the closing quote,
 * or 0 on error (a string can never end at index 0). */
static size_t scan_string(const unsigned char *text, size_t size, size_t index, const char **why)
{
    LTY_ASSERT(text[index] == '"');
    index++;
    while (index < size) {
        unsigned char c = text[index];
        if (c == '"') return index + 1;
        if (c < 0x20) {
            *why = "control character in string";
            return 0;
        }
        if (c != '\\') {
            size_t length = utf8_sequence_size(text, size, index);
            if (length == 0) {
                *why = utf8_truncated(text, size, index) ? json_truncated : "invalid UTF-8";
                return 0;
            }
            index += length;
            continue;
        }
        if (index + 1 >= size) break;
        unsigned char escape = text[index + 1];
        if (escape == 'u' && size - index < 6 && hex_prefix(text, size, index + 2)) break;
        if (strchr("\"\\/bfnrt", escape) != NULL && escape != '\0') {
            index += 2;
            continue;
        }
        unsigned int unit;
        if (escape != 'u' || read_hex4(text, size, index + 2, &unit) != 0) {
            *why = "invalid escape in string";
            return 0;
        }
        index += 6;
        if (unit == 0) {
            *why = "\\u0000 is not accepted in strings";
            return 0;
        }
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
            *why = "unpaired surrogate escape";
            return 0;
        }
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            unsigned int low;
            if (size - index < 6 && surrogate_tail_prefix(text, size, index)) break;
            if (size - index < 6 || text[index] != '\\' || text[index + 1] != 'u' ||
                read_hex4(text, size, index + 2, &low) != 0 || low < 0xDC00 || low > 0xDFFF) {
                *why = "unpaired surrogate escape";
                return 0;
            }
            index += 6;
        }
    }
    *why = json_truncated;
    return 0;
}

static size_t scan_digits(const unsigned char *text, size_t size, size_t index)
{
    while (index < size && text[index] >= '0' && text[index] <= '9') index++;
    return index;
}

/* Scans a number per RFC 8259; returns the index after it, or 0 on error. */
static size_t scan_number(const unsigned char *text, size_t size, size_t index)
{
    if (text[index] == '-') index++;
    if (index >= size) return 0;
    if (text[index] == '0') {
        index++;
    } else if (text[index] >= '1' && text[index] <= '9') {
        index = scan_digits(text, size, index);
    } else {
        return 0;
    }
    if (index < size && text[index] == '.') {
        size_t after = scan_digits(text, size, index + 1);
        if (after == index + 1) return 0;
        index = after;
    }
    if (index < size && (text[index] == 'e' || text[index] == 'E')) {
        index++;
        if (index < size && (text[index] == '+' || text[index] == '-')) index++;
        size_t after = scan_digits(text, size, index);
        if (after == index) return 0;
        index = after;
    }
    return index;
}

static size_t scan_literal(const unsigned char *text, size_t size, size_t index)
{
    static const char *const literals[] = {"true", "false", "null"};
    for (size_t which = 0; which < 3; which++) {
        size_t length = strlen(literals[which]);
        if (size - index >= length && memcmp(text + index, literals[which], length) == 0) {
            return index + length;
        }
    }
    return 0;
}

/* A number cut off by the end of input: "-", "1.", "1e", "1e+" at the very end. */
static bool number_truncated(const unsigned char *text, size_t size, size_t index)
{
    size_t end = index;
    while (end < size && strchr("0123456789+-.eE", text[end]) != NULL && text[end] != '\0') end++;
    if (end != size) return false;
    unsigned char last = text[size - 1];
    return last == '-' || last == '+' || last == '.' || last == 'e' || last == 'E';
}

/* A literal cut off by the end of input: "tr", "fals", "n". */
static bool literal_truncated(const unsigned char *text, size_t size, size_t index)
{
    static const char *const literals[] = {"true", "false", "null"};
    size_t rest = size - index;
    for (size_t which = 0; which < 3; which++) {
        if (rest < strlen(literals[which]) && memcmp(text + index, literals[which], rest) == 0) {
            return true;
        }
    }
    return false;
}

enum scan_state { EXPECT_VALUE, VALUE_OR_CLOSE, EXPECT_KEY, KEY_OR_CLOSE, EXPECT_COLON, AFTER_VALUE };

static int scan_fail(lty_diag_t *diag, size_t index, const char *why)
{
    return lty_diag_set(diag, LTY_E_INVALID_JSON, "", "%s at byte %zu", why, index);
}

static int scan_fail_why(lty_diag_t *diag, size_t index, const char *why, bool *truncated_out)
{
    if (truncated_out != NULL && why == json_truncated) *truncated_out = true;
    return scan_fail(diag, index, why);
}

static size_t scan_scalar(const unsigned char *text, size_t size, size_t index, const char **why)
{
    unsigned char c = text[index];
    if (c == '"') return scan_string(text, size, index, why);
    if (c == '-' || (c >= '0' && c <= '9')) {
        size_t next = scan_number(text, size, index);
        *why = next == 0 && number_truncated(text, size, index) ? json_truncated
                                                                : "malformed number";
        return next;
    }
    size_t next = scan_literal(text, size, index);
    *why = next == 0 && literal_truncated(text, size, index) ? json_truncated
                                                              : "unexpected character";
    return next;
}

static int json_scan(const char *text_in, size_t size, int depth_max, lty_diag_t *diag,
                     bool *truncated_out)
{
    LTY_ASSERT(text_in != NULL || size == 0);
    LTY_ASSERT(depth_max > 0 && depth_max <= JSON_SCAN_DEPTH_MAX);
    const unsigned char *text = (const unsigned char *)text_in;
    char stack[JSON_SCAN_DEPTH_MAX];
    int depth = 0;
    enum scan_state state = EXPECT_VALUE;
    size_t index = 0;

    for (;;) {
        index = skip_space(text, size, index);
        if (depth == 0 && state == AFTER_VALUE) {
            return index == size ? 0 : scan_fail(diag, index, "trailing characters");
        }
        if (index == size) {
            if (truncated_out != NULL) *truncated_out = true;
            return scan_fail(diag, index, json_truncated);
        }
        unsigned char c = text[index];
        const char *why = "unexpected character";
        size_t next;
        switch (state) {
        case KEY_OR_CLOSE:
        case VALUE_OR_CLOSE:
            if ((state == KEY_OR_CLOSE && c == '}') || (state == VALUE_OR_CLOSE && c == ']')) {
                depth--;
                index++;
                state = AFTER_VALUE;
            } else {
                state = state == KEY_OR_CLOSE ? EXPECT_KEY : EXPECT_VALUE;
            }
            break;
        case EXPECT_KEY:
            if (c != '"') return scan_fail(diag, index, "expected a key");
            next = scan_string(text, size, index, &why);
            if (next == 0) return scan_fail_why(diag, index, why, truncated_out);
            index = next;
            state = EXPECT_COLON;
            break;
        case EXPECT_COLON:
            if (c != ':') return scan_fail(diag, index, "expected ':'");
            index++;
            state = EXPECT_VALUE;
            break;
        case EXPECT_VALUE:
            if (c == '{' || c == '[') {
                if (depth >= depth_max) {
                    return lty_diag_set(diag, LTY_E_JSON_TOO_DEEP, "",
                                        "JSON nesting deeper than %d", depth_max);
                }
                stack[depth++] = (char)c;
                index++;
                state = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
                break;
            }
            next = scan_scalar(text, size, index, &why);
            if (next == 0) return scan_fail_why(diag, index, why, truncated_out);
            index = next;
            state = AFTER_VALUE;
            break;
        case AFTER_VALUE:
            LTY_ASSERT(depth > 0);
            if (c == ',') {
                index++;
                state = stack[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
            } else if ((c == ']' && stack[depth - 1] == '[') ||
                       (c == '}' && stack[depth - 1] == '{')) {
                depth--;
                index++;
            } else {
                return scan_fail(diag, index, "expected ',' or a closing bracket");
            }
            break;
        }
    }
}

int lty_json_validate(const char *text, size_t size, int depth_max, lty_diag_t *diag)
{
    return json_scan(text, size, depth_max, diag, NULL);
}

int lty_json_prefix_check(const char *text, size_t size, int depth_max, lty_diag_t *diag)
{
    bool truncated = false;
    int err = json_scan(text, size, depth_max, diag, &truncated);
    if (err == LTY_E_INVALID_JSON && truncated) return 0;
    return err;
}

/* ---- Tree ----------------------------------------------------------------------------- */

static int check_duplicates(const cJSON *node, lty_diag_t *diag)
{
    if (cJSON_IsObject(node)) {
        size_t members = 0;
        for (const cJSON *a = node->child; a != NULL; a = a->next) {
            if (++members > JSON_OBJECT_MEMBERS_MAX) {
                return lty_diag_set(diag, LTY_E_REQUEST_TOO_LARGE, "",
                                    "object has more than %d members", JSON_OBJECT_MEMBERS_MAX);
            }
            for (const cJSON *b = a->next; b != NULL; b = b->next) {
                if (strcmp(a->string, b->string) == 0) {
                    return lty_diag_set(diag, LTY_E_DUPLICATE_KEY, "", "key \"%.64s\" appears twice",
                                        a->string);
                }
            }
        }
    }
    for (const cJSON *child = node->child; child != NULL; child = child->next) {
        int err = check_duplicates(child, diag);
        if (err != 0) return err;
    }
    return 0;
}

int lty_json_parse(const char *text, size_t size, int depth_max, lty_json_doc_t **doc_out,
                   lty_diag_t *diag)
{
    LTY_ASSERT(doc_out != NULL);
    *doc_out = NULL;
    int err = lty_json_validate(text, size, depth_max, diag);
    if (err != 0) return err;

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, size, &end, 0);
    if (root == NULL) {
        /* The recogniser accepted it, so cJSON can only have run out of memory. */
        return lty_diag_set(diag, LTY_E_NOMEM, "", "out of memory parsing JSON");
    }
    err = check_duplicates(root, diag);
    if (err != 0) {
        cJSON_Delete(root);
        return err;
    }
    lty_json_doc_t *doc = lty_alloc(sizeof(*doc));
    if (doc == NULL) {
        cJSON_Delete(root);
        return lty_diag_set(diag, LTY_E_NOMEM, "", "out of memory parsing JSON");
    }
    doc->root = root;
    *doc_out = doc;
    return 0;
}

void lty_json_doc_free(lty_json_doc_t *doc)
{
    if (doc == NULL) return;
    cJSON_Delete(doc->root);
    lty_free(doc);
}

const lty_json_node_t *lty_json_doc_root(const lty_json_doc_t *doc)
{
    LTY_ASSERT(doc != NULL);
    return WRAP(doc->root);
}

bool lty_json_is_object(const lty_json_node_t *node)
{
    return node != NULL && cJSON_IsObject(NODE(node));
}

bool lty_json_is_array(const lty_json_node_t *node)
{
    return node != NULL && cJSON_IsArray(NODE(node));
}

bool lty_json_is_null(const lty_json_node_t *node)
{
    return node != NULL && cJSON_IsNull(NODE(node));
}

size_t lty_json_count(const lty_json_node_t *node)
{
    if (!lty_json_is_object(node) && !lty_json_is_array(node)) return 0;
    size_t count = 0;
    for (const cJSON *child = NODE(node)->child; child != NULL; child = child->next) count++;
    return count;
}

const lty_json_node_t *lty_json_item(const lty_json_node_t *array, size_t index)
{
    if (!lty_json_is_array(array) && !lty_json_is_object(array)) return NULL;
    const cJSON *child = NODE(array)->child;
    while (child != NULL && index > 0) {
        child = child->next;
        index--;
    }
    return WRAP(child);
}

const lty_json_node_t *lty_json_member(const lty_json_node_t *object, const char *key)
{
    if (!lty_json_is_object(object)) return NULL;
    return WRAP(cJSON_GetObjectItemCaseSensitive(NODE(object), key));
}

static void field_path(char *out, size_t out_size, const char *path, const char *key)
{
    snprintf(out, out_size, "%s/%s", path != NULL ? path : "", key != NULL ? key : "");
}

int lty_json_keys_check(const lty_json_node_t *object, const char *path,
                        const char *const *allowed, lty_diag_t *diag)
{
    LTY_ASSERT(allowed != NULL);
    if (!lty_json_is_object(object)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, path, "must be an object");
    }
    for (const cJSON *child = NODE(object)->child; child != NULL; child = child->next) {
        bool known = false;
        for (size_t index = 0; allowed[index] != NULL && !known; index++) {
            known = strcmp(allowed[index], child->string) == 0;
        }
        if (!known) {
            char field[LTY_DIAG_FIELD_SIZE];
            field_path(field, sizeof(field), path, child->string);
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "unknown field");
        }
    }
    return 0;
}

int lty_json_expect_object(const lty_json_node_t *node, const char *path, lty_diag_t *diag)
{
    if (lty_json_is_object(node)) return 0;
    return lty_diag_set(diag, LTY_E_INVALID_FIELD, path != NULL ? path : "", "must be an object");
}

static int member_lookup(const lty_json_node_t *object, const char *path, const char *key,
                         bool required, const cJSON **item_out, char *field, size_t field_size,
                         lty_diag_t *diag)
{
    LTY_ASSERT(key != NULL);
    field_path(field, field_size, path, key);
    *item_out = NULL;
    if (!lty_json_is_object(object)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, path != NULL ? path : "",
                            "must be an object");
    }
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(NODE(object), key);
    if (item == NULL && required) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is required");
    }
    *item_out = item;
    return 0;
}

bool lty_json_node_int(const lty_json_node_t *node, int64_t *value_out)
{
    LTY_ASSERT(value_out != NULL);
    if (node == NULL || !cJSON_IsNumber(NODE(node))) return false;
    double value = NODE(node)->valuedouble;
    if (!isfinite(value) || value != floor(value)) return false;
    if (value > (double)LTY_JSON_INT_MAX || value < (double)LTY_JSON_INT_MIN) return false;
    *value_out = (int64_t)value;
    return true;
}

int lty_json_get_int(const lty_json_node_t *object, const char *path, const char *key,
                     bool required, int64_t min, int64_t max, int64_t *value_out,
                     bool *present_out, lty_diag_t *diag)
{
    LTY_ASSERT(min <= max);
    LTY_ASSERT(value_out != NULL);
    char field[LTY_DIAG_FIELD_SIZE];
    const cJSON *item;
    int err = member_lookup(object, path, key, required, &item, field, sizeof(field), diag);
    if (present_out != NULL) *present_out = item != NULL;
    if (err != 0 || item == NULL) return err;
    int64_t value;
    if (!cJSON_IsNumber(item)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must be an integer");
    }
    if (!lty_json_node_int(WRAP(item), &value)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                            "must be an integer between %" PRId64 " and %" PRId64, min, max);
    }
    if (value < min || value > max) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                            "is %" PRId64 ", must be between %" PRId64 " and %" PRId64, value, min,
                            max);
    }
    *value_out = value;
    return 0;
}

int lty_json_get_string(const lty_json_node_t *object, const char *path, const char *key,
                        bool required, size_t size_min, size_t size_max, char *out,
                        size_t out_size, bool *present_out, lty_diag_t *diag)
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(size_max < out_size);
    char field[LTY_DIAG_FIELD_SIZE];
    const cJSON *item;
    int err = member_lookup(object, path, key, required, &item, field, sizeof(field), diag);
    if (present_out != NULL) *present_out = item != NULL;
    if (err != 0 || item == NULL) return err;
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must be a string");
    }
    size_t size = strlen(item->valuestring);
    if (size < size_min || size > size_max) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                            "has %zu bytes, must have %zu to %zu", size, size_min, size_max);
    }
    for (size_t index = 0; index < size; index++) {
        unsigned char c = (unsigned char)item->valuestring[index];
        if (c < 0x20 || c == 0x7F) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "contains a control character");
        }
    }
    memcpy(out, item->valuestring, size + 1);
    return 0;
}

int lty_json_get_bool(const lty_json_node_t *object, const char *path, const char *key,
                      bool required, bool *value_out, bool *present_out, lty_diag_t *diag)
{
    LTY_ASSERT(value_out != NULL);
    char field[LTY_DIAG_FIELD_SIZE];
    const cJSON *item;
    int err = member_lookup(object, path, key, required, &item, field, sizeof(field), diag);
    if (present_out != NULL) *present_out = item != NULL;
    if (err != 0 || item == NULL) return err;
    if (!cJSON_IsBool(item)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must be true or false");
    }
    *value_out = cJSON_IsTrue(item);
    return 0;
}

int lty_json_get_array(const lty_json_node_t *object, const char *path, const char *key,
                       bool required, size_t items_max, const lty_json_node_t **array_out,
                       size_t *count_out, lty_diag_t *diag)
{
    LTY_ASSERT(array_out != NULL);
    LTY_ASSERT(count_out != NULL);
    char field[LTY_DIAG_FIELD_SIZE];
    const cJSON *item;
    *array_out = NULL;
    *count_out = 0;
    int err = member_lookup(object, path, key, required, &item, field, sizeof(field), diag);
    if (err != 0 || item == NULL) return err;
    if (!cJSON_IsArray(item)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must be an array");
    }
    size_t count = lty_json_count(WRAP(item));
    if (count > items_max) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "has %zu items, limit is %zu",
                            count, items_max);
    }
    *array_out = WRAP(item);
    *count_out = count;
    return 0;
}

int lty_json_get_object(const lty_json_node_t *object, const char *path, const char *key,
                        bool required, const lty_json_node_t **object_out, lty_diag_t *diag)
{
    LTY_ASSERT(object_out != NULL);
    char field[LTY_DIAG_FIELD_SIZE];
    const cJSON *item;
    *object_out = NULL;
    int err = member_lookup(object, path, key, required, &item, field, sizeof(field), diag);
    if (err != 0 || item == NULL) return err;
    if (!cJSON_IsObject(item)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must be an object");
    }
    *object_out = WRAP(item);
    return 0;
}

const char *lty_json_node_key(const lty_json_node_t *node)
{
    return node != NULL ? NODE(node)->string : NULL;
}

bool lty_json_node_scalar_text(const lty_json_node_t *node, char *out, size_t out_size)
{
    LTY_ASSERT(out != NULL && out_size > 0);
    out[0] = '\0';
    if (node == NULL) return false;
    const cJSON *item = NODE(node);
    if (cJSON_IsString(item)) {
        snprintf(out, out_size, "%s", item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        int64_t value = 0;
        if (lty_json_node_int(node, &value)) snprintf(out, out_size, "%lld", (long long)value);
        else snprintf(out, out_size, "%.17g", item->valuedouble);
    } else if (cJSON_IsBool(item)) {
        snprintf(out, out_size, "%s", cJSON_IsTrue(item) ? "true" : "false");
    } else if (!cJSON_IsNull(item)) {
        return false; /* an object or an array */
    }
    return true;
}

const char *lty_json_node_string(const lty_json_node_t *node)
{
    if (node == NULL || !cJSON_IsString(NODE(node))) return NULL;
    return NODE(node)->valuestring;
}

/* ---- Writer --------------------------------------------------------------------------- */

void lty_json_escape(lty_buf_t *out, const char *value, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    lty_buf_append(out, "\"", 1);
    size_t run_start = 0;
    for (size_t index = 0; index < size; index++) {
        unsigned char c = (unsigned char)value[index];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) continue;
        lty_buf_append(out, value + run_start, index - run_start);
        run_start = index + 1;
        char escaped[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF], '\0'};
        if (c == '"' || c == '\\') {
            escaped[1] = (char)c;
            escaped[2] = '\0';
        } else if (c == '\n') {
            escaped[1] = 'n';
            escaped[2] = '\0';
        }
        lty_buf_append_str(out, escaped);
    }
    lty_buf_append(out, value + run_start, size - run_start);
    lty_buf_append(out, "\"", 1);
}

void lty_jw_init(lty_json_writer_t *writer, lty_buf_t *out)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(out != NULL);
    memset(writer, 0, sizeof(*writer));
    writer->out = out;
}

static void jw_before_value(lty_json_writer_t *writer)
{
    if (writer->after_key) {
        writer->after_key = false;
        return;
    }
    if (writer->need_comma[writer->depth]) lty_buf_append(writer->out, ",", 1);
    writer->need_comma[writer->depth] = true;
}

static void jw_open(lty_json_writer_t *writer, char bracket)
{
    jw_before_value(writer);
    LTY_ASSERT(writer->depth < LTY_JSON_WRITER_DEPTH_MAX);
    lty_buf_append(writer->out, &bracket, 1);
    writer->depth++;
    writer->need_comma[writer->depth] = false;
}

static void jw_close(lty_json_writer_t *writer, char bracket)
{
    LTY_ASSERT(writer->depth > 0);
    LTY_ASSERT(!writer->after_key);
    writer->depth--;
    lty_buf_append(writer->out, &bracket, 1);
}

void lty_jw_object_begin(lty_json_writer_t *writer)
{
    jw_open(writer, '{');
}

void lty_jw_object_end(lty_json_writer_t *writer)
{
    jw_close(writer, '}');
}

void lty_jw_array_begin(lty_json_writer_t *writer)
{
    jw_open(writer, '[');
}

void lty_jw_array_end(lty_json_writer_t *writer)
{
    jw_close(writer, ']');
}

void lty_jw_key(lty_json_writer_t *writer, const char *key)
{
    LTY_ASSERT(!writer->after_key);
    LTY_ASSERT(writer->depth > 0);
    jw_before_value(writer);
    lty_json_escape(writer->out, key, strlen(key));
    lty_buf_append(writer->out, ":", 1);
    writer->after_key = true;
}

void lty_jw_string(lty_json_writer_t *writer, const char *value)
{
    lty_jw_string_n(writer, value, strlen(value));
}

void lty_jw_string_n(lty_json_writer_t *writer, const char *value, size_t size)
{
    jw_before_value(writer);
    lty_json_escape(writer->out, value, size);
}

void lty_jw_int(lty_json_writer_t *writer, int64_t value)
{
    jw_before_value(writer);
    lty_buf_appendf(writer->out, "%" PRId64, value);
}

void lty_jw_bool(lty_json_writer_t *writer, bool value)
{
    jw_before_value(writer);
    lty_buf_append_str(writer->out, value ? "true" : "false");
}

void lty_jw_null(lty_json_writer_t *writer)
{
    jw_before_value(writer);
    lty_buf_append_str(writer->out, "null");
}

void lty_jw_raw(lty_json_writer_t *writer, const char *json, size_t size)
{
    jw_before_value(writer);
    lty_buf_append(writer->out, json, size);
}

void lty_jw_kv_string(lty_json_writer_t *writer, const char *key, const char *value)
{
    lty_jw_key(writer, key);
    lty_jw_string(writer, value);
}

void lty_jw_kv_int(lty_json_writer_t *writer, const char *key, int64_t value)
{
    lty_jw_key(writer, key);
    lty_jw_int(writer, value);
}

void lty_jw_kv_bool(lty_json_writer_t *writer, const char *key, bool value)
{
    lty_jw_key(writer, key);
    lty_jw_bool(writer, value);
}

void lty_json_error_render(lty_buf_t *out, int err, const lty_diag_t *diag)
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(err < 0);
    bool detailed = diag != NULL && diag->err == err && diag->detail[0] != '\0';
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "error");
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "code", lty_err_code(err));
    lty_jw_kv_string(&writer, "message", detailed ? diag->detail : lty_strerror(err));
    if (diag != NULL && diag->err == err && diag->field[0] != '\0') {
        lty_jw_kv_string(&writer, "field", diag->field);
    }
    lty_jw_object_end(&writer);
    lty_jw_object_end(&writer);
}
