/* SPDX-License-Identifier: MIT */
/* POST /v1/admin/faults (tests only): make the next N top-level commits fail as a disk error
 * would (lty_store_fault_commit_fail), so an integration test can watch a batch fail as a whole
 * over the real network path: 503 commit_failed, nothing stored, the same key applied once on
 * retry. Accepted only when loyaltyd was started with --test-faults; otherwise the route answers
 * 404 not_found, as if it did not exist. The count lives in memory only: a restart clears it. */
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_log.h"

/* More failures than any test needs; a bound all the same. */
#define FAULTS_COMMIT_FAILURES_MAX 1000

int lty_api_admin_faults_set(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    if (!api->test_faults) return lty_api_reply_error(exchange, LTY_E_NOT_FOUND, NULL);
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
