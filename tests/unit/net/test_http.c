/* SPDX-License-Identifier: MIT */
/* tests/unit/daemon/test_http.c
 * Goal: the HTTP framing accepts well-formed requests exactly up to each limit, refuses one byte
 * more with the right status, keeps pipelined requests apart, and refuses every smuggling shape
 * (CL+TE, duplicate Content-Length, bare LF, obs-fold however it starts, space before colon,
 * framing bytes after a chunk), refuses transfer codings other than chunked with 501, and needs
 * one Host in HTTP/1.1.
 * Method: feed byte strings to lty_http_parse (whole, and byte by byte), check the result, the
 * consumed count and the request fields; render responses and compare bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "lty/lty_limits.h"

#include <cmocka.h>

typedef struct fixture_s {
    lty_http_t *http;
    lty_request_t request;
    lty_diag_t diag;
    size_t consumed;
} fixture_t;

static int setup(void **state)
{
    fixture_t *fixture = calloc(1, sizeof(*fixture));
    if (fixture == NULL || lty_http_create(&fixture->http) != 0) return -1;
    *state = fixture;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    lty_http_destroy(fixture->http);
    free(fixture);
    return 0;
}

static int parse(fixture_t *fixture, const char *text, size_t size)
{
    lty_diag_clear(&fixture->diag);
    return lty_http_parse(fixture->http, &fixture->request, text, size, &fixture->consumed,
                          &fixture->diag);
}

static int parse_str(fixture_t *fixture, const char *text)
{
    return parse(fixture, text, strlen(text));
}

/* "GET /<path of path_size bytes> HTTP/1.1\r\n" + one padding header so the whole head is
 * head_size bytes. */
static char *request_with_head_size(size_t head_size)
{
    static const char start[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
    static const char end[] = "\r\n\r\n";
    size_t fixed = sizeof(start) - 1 + sizeof(end) - 1;
    char *text = malloc(head_size + 1);
    assert_non_null(text);
    memcpy(text, start, sizeof(start) - 1);
    memset(text + sizeof(start) - 1, 'a', head_size - fixed);
    memcpy(text + head_size - (sizeof(end) - 1), end, sizeof(end) - 1);
    text[head_size] = '\0';
    return text;
}

static void test_http_get_fills_method_path_query_and_keeps_alive(void **state)
{
    fixture_t *fixture = *state;
    const char *text = "GET /v1/cards/123?verbose=1&x=2 HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->consumed, strlen(text));
    assert_int_equal(fixture->request.method, LTY_METHOD_GET);
    assert_string_equal(fixture->request.path, "/v1/cards/123");
    assert_string_equal(fixture->request.query, "verbose=1&x=2");
    assert_null(fixture->request.body);
    assert_int_equal(fixture->request.body_size, 0);
    assert_false(fixture->request.idempotency_key_present);
    assert_true(lty_http_keep_alive(fixture->http));
    assert_false(lty_http_head(fixture->http));
}

static void test_http_post_fills_headers_the_api_reads(void **state)
{
    fixture_t *fixture = *state;
    const char *text = "POST /v1/till/sales HTTP/1.1\r\nHost: a\r\n"
                       "Content-Type: application/json\r\nIdempotency-Key: key-1\r\n"
                       "Cookie: a=1\r\ncookie: b=2\r\nX-CSRF-Token: tok\r\n"
                       "Content-Length: 7\r\n\r\n{\"a\":1}";
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->request.method, LTY_METHOD_POST);
    assert_string_equal(fixture->request.content_type, "application/json");
    assert_true(fixture->request.idempotency_key_present);
    assert_false(fixture->request.idempotency_key_invalid);
    assert_string_equal(fixture->request.idempotency_key, "key-1");
    assert_string_equal(fixture->request.cookie, "a=1; b=2");
    assert_string_equal(fixture->request.csrf_token, "tok");
    assert_int_equal(fixture->request.body_size, 7);
    assert_memory_equal(fixture->request.body, "{\"a\":1}", 7);
}

/* Accept-Language is kept for the portal's page; a long one is cut after its last whole range. */
static void test_http_accept_language_is_kept_and_cut_at_a_whole_range(void **state)
{
    fixture_t *fixture = *state;
    const char *text = "GET / HTTP/1.1\r\nHost: a\r\nAccept-Language: zh-CN,en;q=0.8\r\n\r\n";
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    assert_string_equal(fixture->request.accept_language, "zh-CN,en;q=0.8");
    char long_text[512], ranges[300] = "";
    while (strlen(ranges) < 200) strcat(ranges, "en-GB;q=0.1,"); /* 12 bytes a range */
    strcat(ranges, "zh");
    snprintf(long_text, sizeof(long_text),
             "GET / HTTP/1.1\r\nHost: a\r\nAccept-Language: %s\r\n\r\n", ranges);
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, long_text), LTY_HTTP_REQUEST);
    assert_int_equal(strlen(fixture->request.accept_language), 10 * 12 - 1); /* ten whole ranges */
    assert_int_equal(fixture->request.accept_language[119], '\0');
    assert_memory_equal(fixture->request.accept_language, ranges, 119);
}

static void key_check(fixture_t *fixture, const char *key_header, bool present, bool invalid)
{
    char text[512];
    snprintf(text, sizeof(text), "POST / HTTP/1.1\r\nHost: a\r\n%sContent-Length: 0\r\n\r\n",
             key_header);
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->request.idempotency_key_present, present);
    assert_int_equal(fixture->request.idempotency_key_invalid, invalid);
}

static void test_http_idempotency_key_validity_at_limits(void **state)
{
    fixture_t *fixture = *state;
    char header[256];
    char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 2];
    memset(key, 'k', sizeof(key) - 1);
    key[LTY_IDEMPOTENCY_KEY_BYTES_MAX] = '\0';
    snprintf(header, sizeof(header), "Idempotency-Key: %s\r\n", key);
    key_check(fixture, header, true, false);
    assert_string_equal(fixture->request.idempotency_key, key);
    key[LTY_IDEMPOTENCY_KEY_BYTES_MAX] = 'k';
    key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1] = '\0';
    snprintf(header, sizeof(header), "Idempotency-Key: %s\r\n", key);
    key_check(fixture, header, true, true);
    key_check(fixture, "Idempotency-Key: \r\n", true, true);
    key_check(fixture, "Idempotency-Key: a\r\nIdempotency-Key: a\r\n", true, true);
    key_check(fixture, "Idempotency-Key: caf\xc3\xa9\r\n", true, true);
    key_check(fixture, "", false, false);
}

static void test_http_declared_body_at_limit_is_accepted(void **state)
{
    fixture_t *fixture = *state;
    char head[128];
    int head_size = snprintf(head, sizeof(head),
                             "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n",
                             LTY_HTTP_BODY_BYTES_MAX);
    size_t size = (size_t)head_size + LTY_HTTP_BODY_BYTES_MAX;
    char *text = malloc(size);
    assert_non_null(text);
    memcpy(text, head, (size_t)head_size);
    memset(text + head_size, 'b', LTY_HTTP_BODY_BYTES_MAX);
    assert_int_equal(parse(fixture, text, size), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->request.body_size, LTY_HTTP_BODY_BYTES_MAX);
    free(text);
}

static void test_http_declared_body_over_discard_limit_is_413_before_body(void **state)
{
    fixture_t *fixture = *state;
    char head[128];
    snprintf(head, sizeof(head), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n",
             LTY_HTTP_DISCARD_BYTES_MAX + 1);
    assert_int_equal(parse_str(fixture, head), LTY_E_REQUEST_TOO_LARGE);
    assert_int_equal(lty_http_error_status(fixture->http), 413);
    assert_int_equal(fixture->diag.err, LTY_E_REQUEST_TOO_LARGE);
}

/* A Content-Length body of body_size bytes: prefix, then filler. */
static char *sized_request(size_t body_size, const char *prefix, char filler, size_t *size_out)
{
    char head[128];
    int head_size = snprintf(head, sizeof(head),
                             "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %zu\r\n\r\n",
                             body_size);
    char *text = malloc((size_t)head_size + body_size);
    assert_non_null(text);
    memcpy(text, head, (size_t)head_size);
    memset(text + head_size, filler, body_size);
    memcpy(text + head_size, prefix, strlen(prefix));
    *size_out = (size_t)head_size + body_size;
    return text;
}

static void test_http_body_one_over_limit_is_judged_by_its_prefix(void **state)
{
    fixture_t *fixture = *state;
    size_t size = 0;
    char *text = sized_request(LTY_HTTP_BODY_BYTES_MAX + 1, "{\"a\":\"", 'x', &size);
    assert_int_equal(parse(fixture, text, size), LTY_E_REQUEST_TOO_LARGE);
    assert_int_equal(lty_http_error_status(fixture->http), 413);
    free(text);
    lty_http_reset(fixture->http);
    text = sized_request(LTY_HTTP_BODY_BYTES_MAX + 1, "", 'b', &size);
    assert_int_equal(parse(fixture, text, size), LTY_E_INVALID_JSON);
    assert_int_equal(lty_http_error_status(fixture->http), 400);
    free(text);
    lty_http_reset(fixture->http);
    text = sized_request(100000, "", '[', &size);
    assert_int_equal(parse(fixture, text, size), LTY_E_JSON_TOO_DEEP);
    assert_int_equal(lty_http_error_status(fixture->http), 400);
    free(text);
}

static char *chunked_request(size_t body_size, size_t *size_out)
{
    size_t capacity = body_size + body_size / 1000 * 16 + 256;
    char *text = malloc(capacity);
    assert_non_null(text);
    size_t used = (size_t)sprintf(text, "POST / HTTP/1.1\r\nHost: a\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n");
    bool used_prefix_pending = body_size > LTY_HTTP_BODY_BYTES_MAX;
    while (body_size > 0) {
        size_t chunk = body_size < 1000 ? body_size : 1000;
        used += (size_t)sprintf(text + used, "%zx\r\n", chunk);
        memset(text + used, 'c', chunk);
        if (used_prefix_pending) {
            memcpy(text + used, "[\"", 2); /* a JSON prefix: too large, not malformed */
            used_prefix_pending = false;
        }
        used += chunk;
        used += (size_t)sprintf(text + used, "\r\n");
        body_size -= chunk;
    }
    used += (size_t)sprintf(text + used, "0\r\n\r\n");
    *size_out = used;
    return text;
}

static void test_http_chunked_body_at_limit_is_decoded(void **state)
{
    fixture_t *fixture = *state;
    size_t size = 0;
    char *text = chunked_request(LTY_HTTP_BODY_BYTES_MAX, &size);
    assert_int_equal(parse(fixture, text, size), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->consumed, size);
    assert_int_equal(fixture->request.body_size, LTY_HTTP_BODY_BYTES_MAX);
    assert_int_equal(fixture->request.body[0], 'c');
    free(text);
}

static void test_http_chunked_body_over_limit_is_413(void **state)
{
    fixture_t *fixture = *state;
    size_t size = 0;
    char *text = chunked_request(LTY_HTTP_BODY_BYTES_MAX + 1, &size);
    assert_int_equal(parse(fixture, text, size), LTY_E_REQUEST_TOO_LARGE);
    assert_int_equal(lty_http_error_status(fixture->http), 413);
    free(text);
}

static void test_http_header_block_at_limit_is_accepted(void **state)
{
    fixture_t *fixture = *state;
    char *text = request_with_head_size(LTY_HTTP_HEADER_BYTES_MAX);
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    free(text);
}

static void test_http_header_block_over_limit_is_431(void **state)
{
    fixture_t *fixture = *state;
    char *text = request_with_head_size(LTY_HTTP_HEADER_BYTES_MAX + 1);
    assert_int_equal(parse_str(fixture, text), LTY_E_HEADERS_TOO_LARGE);
    assert_int_equal(lty_http_error_status(fixture->http), 431);
    free(text);
}

static void test_http_header_block_over_limit_fed_bytewise_is_431(void **state)
{
    fixture_t *fixture = *state;
    char *text = request_with_head_size(LTY_HTTP_HEADER_BYTES_MAX + 1);
    int rc = LTY_HTTP_MORE;
    size_t size = strlen(text);
    for (size_t index = 0; index < size && rc == LTY_HTTP_MORE; index++) {
        rc = parse(fixture, text + index, 1);
    }
    assert_int_equal(rc, LTY_E_HEADERS_TOO_LARGE);
    free(text);
}

static void test_http_too_many_header_lines_is_431(void **state)
{
    fixture_t *fixture = *state;
    char text[4096];
    size_t used = (size_t)sprintf(text, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int index = 0; index < LTY_HTTP_HEADERS_COUNT_MAX - 1; index++) { /* and Host */
        used += (size_t)sprintf(text + used, "X-%d: v\r\n", index);
    }
    strcpy(text + used, "\r\n");
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    lty_http_reset(fixture->http);
    strcpy(text + used, "X-last: v\r\n\r\n");
    assert_int_equal(parse_str(fixture, text), LTY_E_HEADERS_TOO_LARGE);
}

static void test_http_url_at_limit_is_accepted_and_one_more_is_414(void **state)
{
    fixture_t *fixture = *state;
    char text[LTY_HTTP_URL_BYTES_MAX + 64];
    char url[LTY_HTTP_URL_BYTES_MAX + 2];
    url[0] = '/';
    memset(url + 1, 'u', LTY_HTTP_URL_BYTES_MAX - 1);
    url[LTY_HTTP_URL_BYTES_MAX] = '\0';
    snprintf(text, sizeof(text), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", url);
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    assert_int_equal(strlen(fixture->request.path), LTY_HTTP_URL_BYTES_MAX);
    lty_http_reset(fixture->http);
    url[LTY_HTTP_URL_BYTES_MAX] = 'u';
    url[LTY_HTTP_URL_BYTES_MAX + 1] = '\0';
    snprintf(text, sizeof(text), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", url);
    assert_int_equal(parse_str(fixture, text), LTY_E_BAD_REQUEST);
    assert_int_equal(lty_http_error_status(fixture->http), 414);
}

static void test_http_pipelined_requests_come_one_at_a_time_in_order(void **state)
{
    fixture_t *fixture = *state;
    const char *first = "POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc";
    const char *second = "GET /two HTTP/1.1\r\nHost: a\r\n\r\n";
    const char *third = "GET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    char text[256];
    snprintf(text, sizeof(text), "%s%s%s", first, second, third);
    size_t offset = 0;
    assert_int_equal(parse_str(fixture, text), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->consumed, strlen(first));
    assert_string_equal(fixture->request.path, "/one");
    assert_memory_equal(fixture->request.body, "abc", 3);
    offset += fixture->consumed;
    lty_http_next(fixture->http);
    assert_int_equal(parse_str(fixture, text + offset), LTY_HTTP_REQUEST);
    assert_int_equal(fixture->consumed, strlen(second));
    assert_string_equal(fixture->request.path, "/two");
    assert_int_equal(fixture->request.body_size, 0);
    assert_true(lty_http_keep_alive(fixture->http));
    offset += fixture->consumed;
    lty_http_next(fixture->http);
    assert_int_equal(parse_str(fixture, text + offset), LTY_HTTP_REQUEST);
    assert_string_equal(fixture->request.path, "/three");
    assert_false(lty_http_keep_alive(fixture->http));
    assert_int_equal(offset + fixture->consumed, strlen(text));
}

static void test_http_request_fed_byte_by_byte_is_the_same(void **state)
{
    fixture_t *fixture = *state;
    const char *text = "POST /v1/x?q=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    size_t size = strlen(text);
    int rc = LTY_HTTP_MORE;
    size_t index = 0;
    for (; index < size && rc == LTY_HTTP_MORE; index++) {
        rc = parse(fixture, text + index, 1);
        assert_false(rc == LTY_HTTP_MORE && !lty_http_started(fixture->http));
    }
    assert_int_equal(rc, LTY_HTTP_REQUEST);
    assert_int_equal(index, size);
    assert_string_equal(fixture->request.path, "/v1/x");
    assert_string_equal(fixture->request.query, "q=1");
    assert_int_equal(fixture->request.body_size, 5);
    assert_memory_equal(fixture->request.body, "abcde", 5);
}

static void refused(fixture_t *fixture, const char *text)
{
    lty_http_reset(fixture->http);
    int rc = parse_str(fixture, text);
    if (rc != LTY_E_BAD_REQUEST) fail_msg("accepted (%d): %s", rc, text);
    assert_int_equal(lty_http_error_status(fixture->http), 400);
}

static void test_http_smuggling_shapes_are_refused(void **state)
{
    fixture_t *fixture = *state;
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Length: 3\r\n\r\n0\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                     "Content-Length: 3\r\n\r\nabc");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                     "Content-Length: 4\r\n\r\nabcd");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\nabc");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    refused(fixture, "GET / HTTP/1.1\nHost: a\n\n");
    refused(fixture, "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n");
    refused(fixture, "GET / HTTP/1.1\r\nHost: a\r\nBad Header: a\r\n\r\n");
    refused(fixture, "GET http://evil/ HTTP/1.1\r\nHost: a\r\n\r\n");
    refused(fixture, "GET / HTTP/2.0\r\nHost: a\r\n\r\n");
    refused(fixture, "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n");
    refused(fixture, "GARBAGE\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    refused(fixture, "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
}

/* Strict llhttp: the chunk's data must be followed by CRLF. Built lenient, llhttp skipped any
 * two bytes there, so "3\r\nabcXY" passed as the chunk "abc". */
static void test_http_chunk_without_crlf_after_its_data_is_refused(void **state)
{
    fixture_t *fixture = *state;
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabcXY0\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\n0\r\n\r\n");
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                                        "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
                     LTY_HTTP_REQUEST);
    assert_memory_equal(fixture->request.body, "abc", 3);
}

/* A fold whose first line is empty: llhttp reports the continuation as the whole value. */
static void test_http_fold_after_an_empty_first_line_is_refused(void **state)
{
    fixture_t *fixture = *state;
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n 3\r\n\r\nabc");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Type:\r\n application/json\r\n"
                     "Content-Length: 2\r\n\r\n{}");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nIdempotency-Key:\r\n k\r\n"
                     "Content-Length: 0\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nIdempotency-Key:\r\n\tk\r\n"
                     "Content-Length: 0\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nX-A: \r\n k\r\n\r\n");
    refused(fixture, "GET / HTTP/1.1\r\n Host: a\r\n\r\n");
    /* A body may hold "\r\n " freely: only the head is scanned. */
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n"
                                        "\r\n x"),
                     LTY_HTTP_REQUEST);
    assert_int_equal(fixture->request.body_size, 4);
}

static void test_http_every_empty_first_line_fold_is_refused_however_the_reads_split(void **state)
{
    fixture_t *fixture = *state;
    const char *folded = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n 3\r\n\r\nabc";
    for (size_t split = 0; split <= strlen(folded); split++) {
        lty_http_reset(fixture->http);
        int rc = parse(fixture, folded, split);
        if (rc == LTY_HTTP_MORE) rc = parse(fixture, folded + split, strlen(folded) - split);
        if (rc != LTY_E_BAD_REQUEST) fail_msg("split %zu: %d", split, rc);
    }
}

static void test_http_transfer_codings_before_chunked_are_501(void **state)
{
    fixture_t *fixture = *state;
    const char *codings[] = {"gzip, chunked", "deflate,chunked", "x-custom ,\tCHUNKED"};
    for (size_t index = 0; index < sizeof(codings) / sizeof(codings[0]); index++) {
        char text[256];
        snprintf(text, sizeof(text), "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: %s\r\n"
                                     "\r\n3\r\nabc\r\n0\r\n\r\n", codings[index]);
        lty_http_reset(fixture->http);
        int rc = parse_str(fixture, text);
        if (rc != LTY_E_NOT_IMPLEMENTED) fail_msg("%s: %d", codings[index], rc);
        assert_int_equal(fixture->diag.err, LTY_E_NOT_IMPLEMENTED);
        assert_int_equal(lty_http_error_status(fixture->http), 501);
    }
    /* Chunked not last: the length is unknown, which is a bad request (RFC 9112 6.3). */
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n"
                     "\r\n0\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n");
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n");
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                                        "CHUNKED\r\n\r\n0\r\n\r\n"),
                     LTY_HTTP_REQUEST);
}

static void test_http_host_is_required_once_in_http11(void **state)
{
    fixture_t *fixture = *state;
    refused(fixture, "GET / HTTP/1.1\r\n\r\n");
    refused(fixture, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    refused(fixture, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n");
    refused(fixture, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n");
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"),
                     LTY_HTTP_REQUEST);
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "GET / HTTP/1.1\r\nHost:\r\n\r\n"), LTY_HTTP_REQUEST);
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "GET / HTTP/1.0\r\n\r\n"), LTY_HTTP_REQUEST);
}

static void test_http_trailer_fields_are_refused(void **state)
{
    fixture_t *fixture = *state;
    refused(fixture, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2\r\n{}\r\n0\r\nIdempotency-Key: late\r\n\r\n");
}

/* Parses text in two reads split at split; returns the first non-MORE result. */
static int parse_split(fixture_t *fixture, const char *text, size_t split)
{
    lty_http_reset(fixture->http);
    int rc = parse(fixture, text, split);
    if (rc != LTY_HTTP_MORE) return rc;
    return parse(fixture, text + split, strlen(text) - split);
}

static void test_http_folded_header_is_refused_however_the_reads_split(void **state)
{
    fixture_t *fixture = *state;
    const char *folded = "GET / HTTP/1.1\r\nHost: a b\r\n folded\r\n\r\n";
    const char *plain = "GET / HTTP/1.1\r\nX-Long: a b  c\td\r\nHost: x\r\n\r\n";
    for (size_t split = 0; split <= strlen(folded); split++) {
        if (parse_split(fixture, folded, split) != LTY_E_BAD_REQUEST) fail_msg("split %zu", split);
    }
    for (size_t split = 0; split <= strlen(plain); split++) {
        if (parse_split(fixture, plain, split) != LTY_HTTP_REQUEST) fail_msg("split %zu", split);
    }
}

static void test_http_after_an_error_the_parser_stays_dead(void **state)
{
    fixture_t *fixture = *state;
    assert_int_equal(parse_str(fixture, "BROKEN\r\n\r\n"), LTY_E_BAD_REQUEST);
    assert_int_equal(parse_str(fixture, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"), LTY_E_BAD_REQUEST);
}

static void test_http_http10_and_connection_close_do_not_keep_alive(void **state)
{
    fixture_t *fixture = *state;
    assert_int_equal(parse_str(fixture, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
                     LTY_HTTP_REQUEST);
    assert_false(lty_http_keep_alive(fixture->http));
    lty_http_reset(fixture->http);
    assert_int_equal(parse_str(fixture, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
                     LTY_HTTP_REQUEST);
    assert_false(lty_http_keep_alive(fixture->http));
}

static void test_http_expect_continue_is_offered_once_before_the_body(void **state)
{
    fixture_t *fixture = *state;
    const char *head = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                       "Content-Length: 2\r\n\r\n";
    assert_int_equal(parse_str(fixture, head), LTY_HTTP_MORE);
    assert_true(lty_http_continue_take(fixture->http));
    assert_false(lty_http_continue_take(fixture->http));
    assert_int_equal(parse_str(fixture, "ok"), LTY_HTTP_REQUEST);
    assert_memory_equal(fixture->request.body, "ok", 2);
}

static void test_http_head_request_is_flagged(void **state)
{
    fixture_t *fixture = *state;
    assert_int_equal(parse_str(fixture, "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n"),
                     LTY_HTTP_REQUEST);
    assert_int_equal(fixture->request.method, LTY_METHOD_HEAD);
    assert_true(lty_http_head(fixture->http));
}

static void test_http_response_render_exact_bytes(void **state)
{
    (void)state;
    lty_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, 0);
    response.status = 201;
    lty_buf_append_str(&response.body, "{\"ok\":true}");
    const char extra[] = "Set-Cookie: s=1\r\n";
    memcpy(response.headers, extra, sizeof(extra));
    response.headers_size = sizeof(extra) - 1;
    lty_buf_t out;
    lty_buf_init(&out, 0);
    lty_http_response_render(&out, &response, false, false);
    assert_string_equal(out.data, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 11\r\nSet-Cookie: s=1\r\n"
                                  "Connection: keep-alive\r\n\r\n{\"ok\":true}");
    lty_buf_reset(&out);
    response.content_type = "text/html; charset=utf-8";
    lty_http_response_render(&out, &response, true, true);
    assert_string_equal(out.data, "HTTP/1.1 201 Created\r\nContent-Type: text/html; charset=utf-8"
                                  "\r\nContent-Length: 11\r\nSet-Cookie: s=1\r\n"
                                  "Connection: close\r\n\r\n");
    lty_buf_deinit(&out);
    lty_buf_deinit(&response.body);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_http_get_fills_method_path_query_and_keeps_alive),
        T(test_http_post_fills_headers_the_api_reads),
        T(test_http_accept_language_is_kept_and_cut_at_a_whole_range),
        T(test_http_idempotency_key_validity_at_limits),
        T(test_http_declared_body_at_limit_is_accepted),
        T(test_http_declared_body_over_discard_limit_is_413_before_body),
        T(test_http_body_one_over_limit_is_judged_by_its_prefix),
        T(test_http_chunked_body_at_limit_is_decoded),
        T(test_http_chunked_body_over_limit_is_413),
        T(test_http_header_block_at_limit_is_accepted),
        T(test_http_header_block_over_limit_is_431),
        T(test_http_header_block_over_limit_fed_bytewise_is_431),
        T(test_http_too_many_header_lines_is_431),
        T(test_http_url_at_limit_is_accepted_and_one_more_is_414),
        T(test_http_pipelined_requests_come_one_at_a_time_in_order),
        T(test_http_request_fed_byte_by_byte_is_the_same),
        T(test_http_smuggling_shapes_are_refused),
        T(test_http_chunk_without_crlf_after_its_data_is_refused),
        T(test_http_fold_after_an_empty_first_line_is_refused),
        T(test_http_every_empty_first_line_fold_is_refused_however_the_reads_split),
        T(test_http_transfer_codings_before_chunked_are_501),
        T(test_http_host_is_required_once_in_http11),
        T(test_http_trailer_fields_are_refused),
        T(test_http_folded_header_is_refused_however_the_reads_split),
        T(test_http_after_an_error_the_parser_stays_dead),
        T(test_http_http10_and_connection_close_do_not_keep_alive),
        T(test_http_expect_continue_is_offered_once_before_the_body),
        T(test_http_head_request_is_flagged),
        T(test_http_response_render_exact_bytes),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
