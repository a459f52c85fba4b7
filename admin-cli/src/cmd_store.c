/* SPDX-License-Identifier: MIT */
/* loyaltyctl store commands: `store add STORE_ID --name NAME [--region REGION]`, `store list`,
 * `store rename STORE_ID --name NAME`, `store close STORE_ID`, over the operator API
 * (POST/GET/PATCH /v1/admin/stores). A closed store's tills are refused (423 store_closed). */
#include "cli.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <stdio.h>
#include <string.h>

int lty_cli_api_send_strings(const lty_cli_t *cli, const char *method, const char *path,
                             const char *const *pairs)
{
    lty_buf_t body;
    lty_buf_init(&body, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    for (size_t index = 0; pairs[index] != NULL; index += 2) {
        if (pairs[index + 1] != NULL) lty_jw_kv_string(&writer, pairs[index], pairs[index + 1]);
    }
    lty_jw_object_end(&writer);
    return lty_cli_api_send(cli, method, path, &body);
}

bool lty_cli_id_plain(const char *text)
{
    size_t size = strlen(text);
    if (size == 0 || size > LTY_STORE_ID_BYTES_MAX) return false;
    for (const char *c = text; *c != '\0'; c++) {
        bool plain = (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= 'a' && *c <= 'z') || *c == '-' || *c == '_' || *c == '.';
        if (!plain) return false;
    }
    return true;
}

/* PATCH /v1/admin/stores/STORE_ID with one field. */
static int store_patch(lty_cli_t *cli, const char *key, const char *value)
{
    if (!lty_cli_id_plain(cli->args[0])) {
        return lty_cli_usage_error(cli, "STORE_ID is 1-16 of A-Z a-z 0-9 - _ .");
    }
    char path[128];
    snprintf(path, sizeof(path), "/v1/admin/stores/%s", cli->args[0]);
    const char *const pairs[] = {key, value, NULL};
    return lty_cli_api_send_strings(cli, "PATCH", path, pairs);
}

int lty_cli_store_add(lty_cli_t *cli)
{
    const char *const pairs[] = {"store_id", cli->args[0], "name", cli->name, "region",
                                 lty_cli_opt(cli, LTY_OPT_REGION), NULL};
    return lty_cli_api_send_strings(cli, "POST", "/v1/admin/stores", pairs);
}

int lty_cli_store_list(lty_cli_t *cli)
{
    char path[128] = "/v1/admin/stores";
    lty_cli_query_add(path, sizeof(path), "limit", "500");
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "stores"};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_store_rename(lty_cli_t *cli)
{
    return store_patch(cli, "name", cli->name);
}

int lty_cli_store_close(lty_cli_t *cli)
{
    return store_patch(cli, "status", "closed");
}
