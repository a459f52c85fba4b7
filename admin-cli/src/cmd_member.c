/* SPDX-License-Identifier: MIT */
/* loyaltyctl member commands over the admin API: create, show, search, update, audit, journal,
 * close and tiers. Each builds its request from the options, sends it through api.c and lets
 * output.c print the answer. Import and export are in cmd_import.c. */
#include "cli.h"
#include "lty/lty_assert.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The profile options a member command may carry, and their JSON keys. */
static const struct {
    lty_cli_option_t option;
    const char *key;
} profile_fields[] = {
    {LTY_OPT_NAME, "name"},         {LTY_OPT_PHONE, "phone"},
    {LTY_OPT_EMAIL, "email"},       {LTY_OPT_BIRTHDAY, "birthday"},
    {LTY_OPT_GENDER, "gender"},     {LTY_OPT_PREFERRED_STORE, "preferred_store"},
};

static size_t profile_render(const lty_cli_t *cli, lty_buf_t *body)
{
    lty_json_writer_t writer;
    lty_jw_init(&writer, body);
    lty_jw_object_begin(&writer);
    size_t given = 0;
    for (size_t index = 0; index < sizeof(profile_fields) / sizeof(profile_fields[0]); index++) {
        const char *value = lty_cli_opt(cli, profile_fields[index].option);
        if (value == NULL) continue;
        lty_jw_kv_string(&writer, profile_fields[index].key, value);
        given++;
    }
    lty_jw_object_end(&writer);
    return given;
}

/* "/v1/admin/members/ID<suffix>" from the first argument, or a usage error. */
static int member_path(const lty_cli_t *cli, const char *suffix, char *path, size_t size)
{
    uint64_t member_id = 0;
    if (!lty_cli_parse_id(cli->args[0], &member_id)) {
        return lty_cli_usage_error(cli, "MEMBER_ID must be a positive integer");
    }
    snprintf(path, size, "/v1/admin/members/%" PRIu64 "%s", member_id, suffix);
    return LTY_CLI_EXIT_OK;
}

int lty_cli_page_query(const lty_cli_t *cli, int64_t limit_max, char *path, size_t size)
{
    int64_t after = 0, limit = 0;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_AFTER, 1, INT64_C(9007199254740991), &after);
    if (exit_code == 0) exit_code = lty_cli_opt_int(cli, LTY_OPT_LIMIT, 1, limit_max, &limit);
    char number[32];
    if (exit_code == 0 && after > 0) {
        snprintf(number, sizeof(number), "%" PRId64, after);
        lty_cli_query_add(path, size, "after", number);
    }
    if (exit_code == 0 && limit > 0) {
        snprintf(number, sizeof(number), "%" PRId64, limit);
        lty_cli_query_add(path, size, "limit", number);
    }
    return exit_code;
}

int lty_cli_member_create(lty_cli_t *cli)
{
    lty_buf_t body;
    lty_buf_init(&body, LTY_HTTP_BODY_BYTES_MAX);
    profile_render(cli, &body);
    return lty_cli_api_send(cli, "POST", "/v1/admin/members", &body);
}

int lty_cli_member_show(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "cards"};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_member_search(lty_cli_t *cli)
{
    static const lty_cli_option_t by[] = {LTY_OPT_PHONE, LTY_OPT_CARD_NO, LTY_OPT_NAME};
    static const char *const keys[] = {"phone", "card_no", "name"};
    char path[LTY_HTTP_URL_BYTES_MAX] = "/v1/admin/members";
    int given = 0;
    for (size_t index = 0; index < 3; index++) {
        const char *value = lty_cli_opt(cli, by[index]);
        if (value == NULL) continue;
        lty_cli_query_add(path, sizeof(path), keys[index], value);
        given++;
    }
    if (given != 1) return lty_cli_usage_error(cli, "give one of --phone, --card-no or --name");
    int exit_code = lty_cli_page_query(cli, LTY_MEMBER_PAGE_MAX, path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "members"};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_member_update(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_buf_t body;
    lty_buf_init(&body, LTY_HTTP_BODY_BYTES_MAX);
    if (profile_render(cli, &body) == 0) {
        lty_buf_deinit(&body);
        return lty_cli_usage_error(cli, "give at least one field to change");
    }
    return lty_cli_api_send(cli, "PATCH", path, &body);
}

static int member_list(lty_cli_t *cli, const char *suffix, int64_t limit_max, const char *list)
{
    char path[LTY_HTTP_URL_BYTES_MAX];
    int exit_code = member_path(cli, suffix, path, sizeof(path));
    if (exit_code == LTY_CLI_EXIT_OK) exit_code = lty_cli_page_query(cli, limit_max, path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = list};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_member_audit(lty_cli_t *cli)
{
    return member_list(cli, "/audit", LTY_AUDIT_PAGE_MAX, "audit");
}

/* The export runs as the daemon sent it: a document to hand over, not a table. */
int lty_cli_member_data_export(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "/export", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_buf_t document;
    lty_buf_init(&document, LTY_HTTP_RESPONSE_BYTES_MAX);
    exit_code = lty_cli_api_get(cli, path, &document);
    if (exit_code == LTY_CLI_EXIT_OK) {
        fwrite(document.data, 1, document.size, stdout);
        fputc('\n', stdout);
    }
    lty_buf_deinit(&document);
    return exit_code;
}

int lty_cli_member_journal(lty_cli_t *cli)
{
    return member_list(cli, "/journal", LTY_JOURNAL_PAGE_MAX, "entries");
}

int lty_cli_member_tiers(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "/tiers", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "history"};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_member_close(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "/close", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    const char *payout = lty_cli_opt(cli, LTY_OPT_PAYOUT);
    if (strcmp(payout, "cash") != 0 && strcmp(payout, "bank_transfer") != 0) {
        return lty_cli_usage_error(cli, "--payout is cash or bank_transfer");
    }
    lty_buf_t body;
    lty_buf_init(&body, LTY_HTTP_BODY_BYTES_MAX);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "reason", lty_cli_opt(cli, LTY_OPT_REASON));
    lty_jw_kv_string(&writer, "payout", payout);
    if (lty_cli_flag(cli, LTY_OPT_ERASE)) lty_jw_kv_bool(&writer, "erase_personal_data", true);
    if (lty_cli_opt(cli, LTY_OPT_STORE)) {
        lty_jw_kv_string(&writer, "store", lty_cli_opt(cli, LTY_OPT_STORE));
    }
    lty_jw_object_end(&writer);
    return lty_cli_api_send(cli, "POST", path, &body);
}
