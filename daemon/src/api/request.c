/* SPDX-License-Identifier: MIT */
/* Request decoding shared by every handler: the strict JSON body (as an object, an optional
 * object with known keys, or one bounded integer), query parameters, path ids, and the
 * percent-decoding the route matcher uses too. Each failure is answered here with the error
 * reply the API contract names, so a handler only returns LTY_API_DONE.
 *
 * Not here: which routes exist and who may call them (dispatch.c). */
#include "api.h"
#include "render.h"
#include "calendar.h"
#include "lty/lty_assert.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Percent-decoding ----------------------------------------------------------------------- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode text[0..size) into out; false if malformed, too long, or it decodes to a
 * control character or '/'. In a query (form encoding) '+' means a space; in a path it is '+'. */
bool lty__api_percent_decode(const char *text, size_t size, bool query, char *out, size_t out_size)
{
    size_t used = 0;
    for (size_t index = 0; index < size; index++) {
        char c = text[index];
        if (c == '%') {
            if (index + 2 >= size) return false;
            int high = hex_digit(text[index + 1]);
            int low = hex_digit(text[index + 2]);
            if (high < 0 || low < 0) return false;
            c = (char)(high * 16 + low);
            index += 2;
            if (c == '/') return false;
        } else if (c == '+' && query) {
            c = ' ';
        }
        if ((unsigned char)c < 0x20 || c == 0x7F) return false;
        if (used + 1 >= out_size) return false;
        out[used++] = c;
    }
    out[used] = '\0';
    return true;
}

/* ---- Decoding helpers --------------------------------------------------------------------- */

int lty_api_body_parse(lty_exchange_t *exchange, lty_json_doc_t **doc_out)
{
    LTY_ASSERT(exchange != NULL);
    LTY_ASSERT(doc_out != NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    *doc_out = NULL;
    const lty_request_t *request = &exchange->request;
    if (request->body_size == 0) {
        lty_diag_set(&diag, LTY_E_INVALID_JSON, "", "request body is empty");
        lty_api_reply_error(exchange, LTY_E_INVALID_JSON, &diag);
        return LTY_E_INVALID_JSON;
    }
    lty_json_doc_t *doc = NULL;
    int err = lty_json_parse(request->body, request->body_size, LTY_JSON_DEPTH_MAX, &doc, &diag);
    if (err == 0 && !lty_json_is_object(lty_json_doc_root(doc))) {
        err = lty_diag_set(&diag, LTY_E_INVALID_FIELD, "", "body must be a JSON object");
    }
    if (err != 0) {
        lty_json_doc_free(doc);
        lty_api_reply_error(exchange, err, &diag);
        return err;
    }
    *doc_out = doc;
    return 0;
}

int lty_api_body_int_parse(lty_exchange_t *exchange, const char *key, int64_t min, int64_t max,
                           int64_t *value_out)
{
    LTY_ASSERT(key != NULL && value_out != NULL);
    LTY_ASSERT(min <= max);
    lty_json_doc_t *doc = NULL;
    int err = lty_api_body_parse(exchange, &doc);
    if (err != 0) return err;
    const char *const keys[] = {key, NULL};
    lty_diag_t diag;
    lty_diag_clear(&diag);
    const lty_json_node_t *root = lty_json_doc_root(doc);
    err = lty_json_keys_check(root, "", keys, &diag);
    if (err == 0) err = lty_json_get_int(root, "", key, true, min, max, value_out, NULL, &diag);
    lty_json_doc_free(doc);
    if (err != 0) lty_api_reply_error(exchange, err, &diag);
    return err;
}

int lty_api_body_optional(lty_exchange_t *exchange, const char *const *keys,
                           lty_json_doc_t **doc_out)
{
    LTY_ASSERT(exchange != NULL && keys != NULL);
    LTY_ASSERT(doc_out != NULL);
    *doc_out = NULL;
    if (exchange->request.body_size == 0) return 0;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return 1;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_json_keys_check(lty_json_doc_root(doc), "", keys, &diag);
    if (err != 0) {
        lty_json_doc_free(doc);
        lty_api_reply_error(exchange, err, &diag);
        return 1;
    }
    *doc_out = doc;
    return 0;
}

/* Find name=value in the query; value view returned via start/size. */
static bool query_find(const char *query, const char *name, const char **value_out,
                       size_t *size_out)
{
    size_t name_size = strlen(name);
    const char *cursor = query;
    while (*cursor != '\0') {
        const char *end = strchr(cursor, '&');
        size_t pair_size = end ? (size_t)(end - cursor) : strlen(cursor);
        if (pair_size > name_size && memcmp(cursor, name, name_size) == 0 &&
            cursor[name_size] == '=') {
            *value_out = cursor + name_size + 1;
            *size_out = pair_size - name_size - 1;
            return true;
        }
        if (pair_size == name_size && memcmp(cursor, name, name_size) == 0) {
            *value_out = cursor + name_size;
            *size_out = 0;
            return true;
        }
        cursor += pair_size;
        if (*cursor == '&') cursor++;
    }
    return false;
}

int lty_api_query_string(const lty_exchange_t *exchange, const char *name, char *out,
                         size_t out_size, bool *present_out, lty_diag_t *diag)
{
    LTY_ASSERT(exchange != NULL);
    LTY_ASSERT(out != NULL && out_size > 0);
    const char *value;
    size_t size;
    out[0] = '\0';
    bool present = query_find(exchange->request.query, name, &value, &size);
    if (present_out != NULL) *present_out = present;
    if (!present) return 0;
    if (!lty__api_percent_decode(value, size, true, out, out_size)) {
        return lty_diag_set(diag, LTY_E_INVALID_QUERY, name, "query parameter %s is malformed",
                            name);
    }
    return 0;
}

int lty_api_query_int(const lty_exchange_t *exchange, const char *name, int64_t min, int64_t max,
                      int64_t *value_out, bool *present_out, lty_diag_t *diag)
{
    LTY_ASSERT(value_out != NULL);
    LTY_ASSERT(min <= max);
    char text[24];
    bool present = false;
    int err = lty_api_query_string(exchange, name, text, sizeof(text), &present, diag);
    if (present_out != NULL) *present_out = present;
    if (err != 0 || !present) {
        return err != 0 ? lty_diag_set(diag, LTY_E_INVALID_QUERY, name,
                                       "%s must be an integer between %" PRId64 " and %" PRId64,
                                       name, min, max)
                        : 0;
    }
    bool negative = text[0] == '-';
    const char *digits = negative ? text + 1 : text;
    int64_t value = 0;
    bool valid = digits[0] != '\0';
    for (const char *c = digits; *c != '\0' && valid; c++) {
        valid = *c >= '0' && *c <= '9' && value <= (LTY_JSON_INT_MAX - (*c - '0')) / 10;
        if (valid) value = value * 10 + (*c - '0');
    }
    if (negative) value = -value;
    if (!valid || value < min || value > max) {
        return lty_diag_set(diag, LTY_E_INVALID_QUERY, name,
                            "%s must be an integer between %" PRId64 " and %" PRId64, name, min,
                            max);
    }
    *value_out = value;
    return 0;
}

int lty_api_parse_id(const char *text, uint64_t *id_out)
{
    LTY_ASSERT(text != NULL);
    LTY_ASSERT(id_out != NULL);
    uint64_t value = 0;
    if (text[0] == '\0' || text[0] == '0' || strlen(text) > 16) return LTY_E_NOT_FOUND;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') return LTY_E_NOT_FOUND;
        value = value * 10 + (uint64_t)(*c - '0');
    }
    if (value > (uint64_t)LTY_JSON_INT_MAX) return LTY_E_NOT_FOUND;
    *id_out = value;
    return 0;
}

bool lty_api_id_param(lty_exchange_t *exchange, const lty_route_params_t *params, int not_found,
                      uint64_t *id_out)
{
    LTY_ASSERT(params != NULL);
    LTY_ASSERT(params->count >= 1 && not_found < 0);
    if (lty_api_parse_id(params->values[0], id_out) == 0) return true;
    lty_api_reply_error(exchange, not_found, NULL);
    return false;
}

bool lty_api_member_id_param(lty_exchange_t *exchange, const lty_route_params_t *params,
                             uint64_t *member_id_out)
{
    return lty_api_id_param(exchange, params, LTY_E_MEMBER_NOT_FOUND, member_id_out);
}

/* Days since 1970-01-01 of a valid "YYYY-MM-DD" (1970..9999), else -1 (calendar.c). */
int64_t lty_api_date_days(const char *text)
{
    int64_t days = 0;
    return lty_cal_date_parse(text, &days) ? days : -1;
}

int lty_api_query_page(const lty_exchange_t *exchange, int64_t limit_default, int64_t limit_max,
                       int64_t *after_out, int64_t *limit_out, lty_diag_t *diag)
{
    LTY_ASSERT(exchange != NULL && after_out != NULL && limit_out != NULL);
    LTY_ASSERT(limit_default >= 1 && limit_default <= limit_max);
    *after_out = 0;
    *limit_out = limit_default;
    int err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, after_out, NULL, diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, limit_max, limit_out, NULL, diag);
    return err;
}

int lty_api_page_write(lty_api_t *api, lty_json_writer_t *writer, const lty_api_page_list_t *list,
                       const void *context, uint64_t after, size_t limit)
{
    LTY_ASSERT(api != NULL && writer != NULL && list != NULL);
    LTY_ASSERT(list->read_cb != NULL && list->item_render_cb != NULL);
    void *page = lty_alloc(list->page_size);
    if (page == NULL) return LTY_E_NOMEM;
    size_t count = 0;
    uint64_t next_after = 0;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = list->read_cb(txn, context, after, limit, page, &count, &next_after);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_jw_key(writer, list->key);
        lty_jw_array_begin(writer);
        for (size_t index = 0; index < count; index++) {
            list->item_render_cb(writer, page, index, context);
        }
        lty_jw_array_end(writer);
        lty_api_render_next_after(writer, next_after);
    }
    lty_free(page);
    return err;
}

int lty_api_page_reply(lty_api_t *api, lty_exchange_t *exchange, const lty_api_page_list_t *list,
                       const void *context)
{
    LTY_ASSERT(api != NULL && exchange != NULL && list != NULL);
    int64_t after = 0, limit = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_page(exchange, list->limit_default, list->limit_max, &after, &limit,
                                 &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    err = lty_api_page_write(api, &writer, list, context, (uint64_t)after, (size_t)limit);
    lty_jw_object_end(&writer);
    if (err != 0) {
        lty_buf_reset(&exchange->response.body);
        return lty_api_reply_error(exchange, err, NULL);
    }
    return lty_api_reply(exchange, 200);
}
