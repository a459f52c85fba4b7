/* SPDX-License-Identifier: MIT */
/* loyaltyctl expiry command: `expiry sweep` runs the points expiry sweep now
 * (POST /v1/admin/expiry/sweep), again and again while the daemon says there is more, and
 * prints the totals. The daemon runs it by itself every programme_jobs_interval_ms; a sweep
 * expires each lot at most once, so running it as often as you like changes nothing twice. */
#include "cli.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <inttypes.h>
#include <stdio.h>

#define SWEEP_REQUESTS_MAX 1000

/* One sweep request: its lots and points expired, and whether there is more. */
static int sweep_once(const lty_cli_t *cli, int64_t *lots_out, int64_t *points_out,
                      bool *more_out)
{
    lty_buf_t body, response;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, "{}");
    lty_buf_init(&response, 4096);
    char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1]; /* a new request each time */
    int exit_code = lty_cli_key_new(cli, "sweep", key, sizeof(key));
    lty_cli_call_t call = {.method = "POST", .path = "/v1/admin/expiry/sweep", .body = &body,
                           .mutating = true, .idempotency_key = key, .response_out = &response};
    if (exit_code == LTY_CLI_EXIT_OK) exit_code = lty_cli_api_call(cli, &call);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 4, &doc, &diag) == 0) {
        const lty_json_node_t *root = lty_json_doc_root(doc);
        (void)lty_json_node_int(lty_json_member(root, "lots_expired"), lots_out);
        (void)lty_json_node_int(lty_json_member(root, "points_expired"), points_out);
        *more_out = false;
        (void)lty_json_get_bool(root, "", "more", false, more_out, NULL, &diag);
    } else if (exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_fail("expiry sweep: the daemon's answer is not JSON");
    }
    lty_json_doc_free(doc);
    lty_buf_deinit(&response);
    lty_buf_deinit(&body);
    return exit_code;
}

int lty_cli_expiry_sweep(lty_cli_t *cli)
{
    int64_t lots = 0, points = 0;
    bool more = true;
    for (int request = 0; more && request < SWEEP_REQUESTS_MAX; request++) {
        int64_t expired = 0, expired_points = 0;
        int exit_code = sweep_once(cli, &expired, &expired_points, &more);
        if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
        lots += expired;
        points += expired_points;
    }
    char document[128];
    int size = snprintf(document, sizeof(document),
                        "{\"lots_expired\":%" PRId64 ",\"points_expired\":%" PRId64 "}", lots,
                        points);
    return lty_cli_print_document(cli, document, (size_t)size, NULL);
}
