/* SPDX-License-Identifier: MIT */
/* loyaltyctl segment commands over the admin API (docs/analytics.md "Segments as targets"):
 * `segment create FILE` (the segment's JSON: name and filter), `segment list`, `segment show
 * ID`, `segment members ID` (the filter evaluated now, or --as-of a day; paged by member id),
 * `segment run ID --bonus POINTS --reason TEXT | --coupon CAMPAIGN_ID` and `segment run-show ID
 * RUN_ID`. The daemon creates a run once per (segment, Idempotency-Key): the same command sent
 * again with the key it logged (or --idempotency-key) finds that run and grants nobody twice.
 * Also lty_cli_read(), the table-driven GET the segment, event and webhook reads share. */
#include "cli.h"
#include "lty/lty_assert.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SEGMENT_FILE_BYTES_MAX 4096  /* the route's body limit */
#define ID_MAX INT64_C(9007199254740991) /* an id or a sequence: a JSON-safe integer */

/* ---- Reads ---------------------------------------------------------------------------------- */

/* read->path with each "{}" replaced by the next positional id: 0, or a usage error. */
static int read_path(const lty_cli_t *cli, const lty_cli_read_t *read, char *path, size_t size)
{
    size_t used = 0;
    int id_index = 0;
    for (const char *at = read->path; *at != '\0' && used + 1 < size; at++) {
        if (at[0] != '{' || at[1] != '}') {
            path[used++] = *at;
            continue;
        }
        LTY_ASSERT(id_index < 2 && read->id_names[id_index] != NULL);
        uint64_t id = 0;
        if (id_index >= cli->args_count || !lty_cli_parse_id(cli->args[id_index], &id)) {
            return lty_cli_usage_error(cli, "%s must be a positive integer",
                                       read->id_names[id_index]);
        }
        int written = snprintf(path + used, size - used, "%" PRIu64, id);
        if (written > 0) used += (size_t)written;
        id_index++;
        at++;
    }
    path[used < size ? used : size - 1] = '\0';
    return LTY_CLI_EXIT_OK;
}

int lty_cli_read(const lty_cli_t *cli, const lty_cli_read_t *read)
{
    LTY_ASSERT(cli != NULL && read != NULL);
    char path[LTY_HTTP_URL_BYTES_MAX];
    int exit_code = read_path(cli, read, path, sizeof(path));
    for (size_t index = 0; exit_code == LTY_CLI_EXIT_OK && index < 3; index++) {
        if (read->query[index].name == NULL) break;
        lty_cli_option_t option = read->query[index].option;
        const char *value = lty_cli_opt(cli, option);
        int64_t number = 0;
        char text[32];
        if (value == NULL) continue;
        if (read->query[index].max != 0) { /* the integer as parsed, not as typed */
            exit_code = lty_cli_opt_int(cli, option, read->query[index].min,
                                        read->query[index].max, &number);
            snprintf(text, sizeof(text), "%" PRId64, number);
            value = text;
        }
        if (exit_code == LTY_CLI_EXIT_OK) {
            lty_cli_query_add(path, sizeof(path), read->query[index].name, value);
        }
    }
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = read->list_key};
    return lty_cli_api_call(cli, &call);
}

enum { READ_LIST, READ_SHOW, READ_MEMBERS, READ_RUN };

static const lty_cli_read_t reads[] = {
    [READ_LIST] = {.path = "/v1/admin/segments", .list_key = "segments",
                   .query = {{LTY_OPT_AFTER, "after", 0, ID_MAX},
                             {LTY_OPT_LIMIT, "limit", 1, 100}}},
    [READ_SHOW] = {.path = "/v1/admin/segments/{}", .id_names = {"SEGMENT_ID"}},
    [READ_MEMBERS] = {.path = "/v1/admin/segments/{}/members", .id_names = {"SEGMENT_ID"},
                      .list_key = "members",
                      .query = {{LTY_OPT_AFTER, "after", 0, ID_MAX},
                                {LTY_OPT_LIMIT, "limit", 1, 1000},
                                {LTY_OPT_AS_OF, "as_of", 0, 0}}},
    [READ_RUN] = {.path = "/v1/admin/segments/{}/runs/{}", .id_names = {"SEGMENT_ID", "RUN_ID"}},
};

int lty_cli_segment_list(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_LIST]);
}

int lty_cli_segment_show(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_SHOW]);
}

int lty_cli_segment_members(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_MEMBERS]);
}

int lty_cli_segment_run_show(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_RUN]);
}

/* ---- Changes -------------------------------------------------------------------------------- */

int lty_cli_segment_create(lty_cli_t *cli)
{
    return lty_cli_file_send(cli, "POST", "/v1/admin/segments", SEGMENT_FILE_BYTES_MAX);
}

/* The run's body: {"action":"bonus","points","reason"} or {"action":"coupon","campaign_id"
 * [,"reason"]}, with "holdout_percent" and "marketing":false when asked. */
int lty_cli_segment_run(lty_cli_t *cli)
{
    uint64_t segment_id = 0;
    if (!lty_cli_parse_id(cli->args[0], &segment_id)) {
        return lty_cli_usage_error(cli, "SEGMENT_ID must be a positive integer");
    }
    int64_t points = 0, campaign = 0, holdout = -1;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_BONUS, 1, INT32_MAX, &points);
    if (exit_code == 0) exit_code = lty_cli_opt_int(cli, LTY_OPT_COUPON, 1, UINT32_MAX, &campaign);
    if (exit_code == 0) exit_code = lty_cli_opt_int(cli, LTY_OPT_HOLDOUT, 0, 100, &holdout);
    if (exit_code != 0) return exit_code;
    const char *reason = lty_cli_opt(cli, LTY_OPT_REASON);
    if ((points != 0) == (campaign != 0)) {
        return lty_cli_usage_error(cli, "give one of --bonus POINTS or --coupon CAMPAIGN_ID");
    }
    if (points != 0 && reason == NULL) {
        return lty_cli_usage_error(cli, "a bonus run needs --reason");
    }
    lty_buf_t body;
    lty_buf_init(&body, 1024);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "action", points != 0 ? "bonus" : "coupon");
    if (points != 0) lty_jw_kv_int(&writer, "points", points);
    if (campaign != 0) lty_jw_kv_int(&writer, "campaign_id", campaign);
    if (reason != NULL) lty_jw_kv_string(&writer, "reason", reason);
    if (holdout >= 0) lty_jw_kv_int(&writer, "holdout_percent", holdout);
    if (lty_cli_flag(cli, LTY_OPT_SERVICE)) lty_jw_kv_bool(&writer, "marketing", false);
    lty_jw_object_end(&writer);
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/segments/%" PRIu64 "/runs", segment_id);
    return lty_cli_api_send(cli, "POST", path, &body);
}
