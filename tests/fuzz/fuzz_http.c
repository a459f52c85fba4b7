/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_http.c: any bytes in, through the HTTP framing as one connection would see
 * them (whole, then again split at a point the input chooses); every outcome is either a
 * bounded request or a listed error with a 4xx/5xx status, and both feedings agree. */
#include "http.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct outcome_s {
    int results[8];
    int count;
} outcome_t;

static void request_check(const lty_request_t *request)
{
    LTY_ASSERT(strlen(request->path) <= LTY_HTTP_URL_BYTES_MAX);
    LTY_ASSERT(request->path[0] == '/');
    LTY_ASSERT(strlen(request->query) <= LTY_HTTP_URL_BYTES_MAX);
    LTY_ASSERT(request->body_size <= LTY_HTTP_BODY_BYTES_MAX);
    LTY_ASSERT((request->body == NULL) == (request->body_size == 0));
    LTY_ASSERT(strlen(request->idempotency_key) <= LTY_IDEMPOTENCY_KEY_BYTES_MAX);
    LTY_ASSERT(!request->idempotency_key_invalid || request->idempotency_key_present);
    LTY_ASSERT(strlen(request->cookie) <= LTY_COOKIE_BYTES_MAX);
    LTY_ASSERT(strlen(request->content_type) < sizeof(request->content_type));
    LTY_ASSERT(strlen(request->csrf_token) < sizeof(request->csrf_token));
}

/* Parses data as consecutive pieces split at split, answering each request as conn.c would. */
static void run(const char *data, size_t size, size_t split, outcome_t *outcome)
{
    static lty_request_t request;
    lty_http_t *http = NULL;
    LTY_ASSERT(lty_http_create(&http) == 0);
    size_t pieces[2] = {split, size - split};
    size_t offset = 0;
    memset(outcome, 0, sizeof(*outcome));
    for (int piece = 0; piece < 2; piece++) {
        size_t end = offset + pieces[piece];
        while (offset < end && outcome->count < 8) {
            size_t consumed = 0;
            lty_diag_t diag;
            lty_diag_clear(&diag);
            int rc = lty_http_parse(http, &request, data + offset, end - offset, &consumed, &diag);
            LTY_ASSERT(consumed <= end - offset);
            offset += consumed;
            if (rc == LTY_HTTP_MORE) {
                LTY_ASSERT(offset == end);
                break;
            }
            outcome->results[outcome->count++] = rc;
            if (rc < 0) {
                LTY_ASSERT(strcmp(lty_err_name(rc), "UNKNOWN") != 0);
                int status = lty_http_error_status(http);
                LTY_ASSERT(status >= 400 && status <= 599);
                LTY_ASSERT(diag.err == rc);
                lty_http_destroy(http);
                return;
            }
            request_check(&request);
            lty_http_next(http);
        }
        /* A request split across the pieces is carried over by the parser's own state. */
    }
    lty_http_destroy(http);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * LTY_HTTP_PIPELINE_BYTES_MAX) return 0;
    outcome_t whole;
    outcome_t split;
    run((const char *)data, size, size, &whole);
    size_t at = size > 0 ? data[0] % (size + 1) : 0;
    run((const char *)data, size, at, &split);
    /* Framing must not depend on how TCP cut the bytes: the same requests, the same error. */
    LTY_ASSERT(whole.count == split.count);
    LTY_ASSERT(memcmp(whole.results, split.results, sizeof(whole.results)) == 0);
    return 0;
}
