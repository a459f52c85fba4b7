/* SPDX-License-Identifier: MIT */
/* POST /v1/admin/clock (tests only): move business time by an offset so tests can let card
 * validity, tier windows and reviews pass without waiting. Accepted only when loyaltyd was
 * started with --test-clock; otherwise the route answers 404 not_found, as if it did not exist.
 * The offset is process-wide (lty_clock_offset_set) and not stored: a restart resets it. */
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"

/* Ten years either way is more than any test needs, and keeps now_ms far from 0. */
#define CLOCK_OFFSET_MS_MAX (INT64_C(3660) * 86400000)

int lty_api_admin_clock_set(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    if (!api->test_clock) return lty_api_reply_error(exchange, LTY_E_NOT_FOUND, NULL);
    int64_t offset_ms = 0;
    if (lty_api_body_int_parse(exchange, "offset_ms", -CLOCK_OFFSET_MS_MAX, CLOCK_OFFSET_MS_MAX,
                               &offset_ms) != 0) {
        return LTY_API_DONE;
    }
    lty_clock_offset_set(offset_ms);
    char now[32];
    lty_clock_format(lty_clock_now_ms(), now, sizeof(now));
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "offset_ms", lty_clock_offset_get());
    lty_jw_kv_string(&writer, "now", now);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}
