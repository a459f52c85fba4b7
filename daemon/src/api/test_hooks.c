/* SPDX-License-Identifier: MIT */
/* Test-only operator routes, reachable only when the daemon runs with the matching flag (the
 * dispatcher answers 404 before any realm check otherwise: routes.def's test_only column):
 * POST /v1/admin/clock (--test-clock) moves the business clock; POST /v1/admin/faults
 * (--test-faults) makes the next N commits fail. Both are logged. */
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"

/* ---- POST /v1/admin/clock --------------------------------------------------------------- */

/* Ten years either way is more than any test needs, and keeps now_ms far from 0. */
#define CLOCK_OFFSET_MS_MAX (INT64_C(3660) * LTY_MS_PER_DAY)

int lty_api_admin_clock_set(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    LTY_ASSERT(api->test_clock); /* the dispatcher answers 404 without --test-clock */
    int64_t offset_ms = 0;
    if (lty_api_body_int_parse(exchange, "offset_ms", -CLOCK_OFFSET_MS_MAX, CLOCK_OFFSET_MS_MAX,
                               &offset_ms) != 0) {
        return LTY_API_DONE;
    }
    int64_t offset_before_ms = lty_clock_offset_get();
    lty_clock_offset_set(offset_ms);
    char now[32];
    lty_clock_format(lty_clock_now_ms(), now, sizeof(now));
    LTY_LOG(LTY_LOG_WARN, "event=clock_moved offset_ms=%lld offset_before_ms=%lld now=%s by=%s",
            (long long)offset_ms, (long long)offset_before_ms, now,
            lty_api_actor(exchange)->principal);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "offset_ms", lty_clock_offset_get());
    lty_jw_kv_string(&writer, "now", now);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

/* ---- POST /v1/admin/faults -------------------------------------------------------------- */

/* More failures than any test needs; a bound all the same. */
#define FAULTS_COMMIT_FAILURES_MAX 1000

int lty_api_admin_faults_set(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    LTY_ASSERT(api->test_faults); /* the dispatcher answers 404 without --test-faults */
    int64_t failures = 0;
    if (lty_api_body_int_parse(exchange, "commit_failures", 0, FAULTS_COMMIT_FAILURES_MAX,
                               &failures) != 0) {
        return LTY_API_DONE;
    }
    LTY_ASSERT(failures >= 0 && failures <= FAULTS_COMMIT_FAILURES_MAX);
    lty_store_fault_commit_fail(api->store, (int)failures);
    LTY_LOG(LTY_LOG_WARN, "event=faults_injected commit_failures=%d by=%s", (int)failures,
            lty_api_actor(exchange)->principal);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "commit_failures", failures);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}
