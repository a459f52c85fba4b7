/* SPDX-License-Identifier: MIT */
/* loyaltyctl commands that move points or prepaid money or review tiers (points adjust,
 * prepaid topup, tier review), and the daemon commands (health, reload): the reload signals the
 * daemon of DIR through the pid file loyaltyd writes (DIR/loyaltyd.pid: "PID PORT"). */
#include "cli.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* POST {"member_id", <key>: amount, "tender"?, "reason": --reason} to path. */
static int member_amount_send(const lty_cli_t *cli, const char *path, uint64_t member_id,
                              const char *key, int64_t amount, const char *tender)
{
    lty_buf_t body;
    lty_buf_init(&body, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
    lty_jw_kv_int(&writer, key, amount);
    if (tender != NULL) lty_jw_kv_string(&writer, "tender", tender);
    lty_jw_kv_string(&writer, "reason", lty_cli_opt(cli, LTY_OPT_REASON));
    lty_jw_object_end(&writer);
    return lty_cli_api_send(cli, "POST", path, &body);
}

int lty_cli_points_adjust(lty_cli_t *cli)
{
    uint64_t member_id = 0;
    int64_t points = 0;
    if (!lty_cli_parse_id(cli->args[0], &member_id) || !lty_cli_parse_int(cli->args[1], &points) ||
        points == 0) {
        return lty_cli_usage_error(cli, "MEMBER_ID is a positive integer, POINTS a non-zero one");
    }
    return member_amount_send(cli, "/v1/admin/adjustments", member_id, "points", points, NULL);
}

int lty_cli_prepaid_topup(lty_cli_t *cli)
{
    uint64_t member_id = 0;
    int64_t cents = 0;
    if (!lty_cli_parse_id(cli->args[0], &member_id) || !lty_cli_parse_money(cli->args[1], &cents) ||
        cents <= 0) {
        return lty_cli_usage_error(cli, "MEMBER_ID is a positive integer, AMOUNT a positive "
                                        "amount such as 50 or 50.00");
    }
    const char *tender = lty_cli_opt(cli, LTY_OPT_TENDER);
    if (strcmp(tender, "cash") != 0 && strcmp(tender, "bank_card") != 0) {
        return lty_cli_usage_error(cli, "--tender is cash or bank_card");
    }
    return member_amount_send(cli, "/v1/admin/prepaid/topups", member_id, "amount_cents", cents,
                              tender);
}

int lty_cli_tier_review(lty_cli_t *cli)
{
    lty_buf_t body;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, "{}");
    return lty_cli_api_send(cli, "POST", "/v1/admin/tiers/review", &body);
}

int lty_cli_daemon_health(lty_cli_t *cli)
{
    lty_cli_call_t call = {.method = "GET", .path = "/healthz"};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_daemon_signal(const char *data_dir, int signal_number)
{
    char path[LTY_CLI_PATH_SIZE];
    snprintf(path, sizeof(path), "%s/loyaltyd.pid", data_dir != NULL ? data_dir : ".");
    FILE *file = fopen(path, "r");
    if (file == NULL) return errno == ENOENT ? 1 : -1;
    long pid = 0;
    int found = fscanf(file, "%ld", &pid);
    fclose(file);
    if (found != 1 || pid <= 1) return -1;
    if (kill((pid_t)pid, signal_number) != 0) return errno == ESRCH ? 1 : -1;
    return 0;
}

int lty_cli_daemon_reload(lty_cli_t *cli)
{
    int signalled = lty_cli_daemon_signal(cli->data_dir, SIGHUP);
    if (signalled == 0) {
        printf("signalled the daemon of %s to reload its certificates\n",
               cli->data_dir != NULL ? cli->data_dir : ".");
        return LTY_CLI_EXIT_OK;
    }
    fprintf(stderr, "loyaltyctl: %s\n", signalled > 0 ? "no daemon runs on this data directory"
                                                      : "cannot read DIR/loyaltyd.pid");
    return LTY_CLI_EXIT_CONNECTION;
}
