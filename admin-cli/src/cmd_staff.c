/* SPDX-License-Identifier: MIT */
/* loyaltyctl staff commands: `staff add STAFF_ID --name NAME --store STORE`,
 * `staff list [--store STORE]`, `staff deactivate STAFF_ID`, over the operator API
 * (POST/GET/PATCH /v1/admin/staff). A deactivated staff member can no longer be named on a
 * sale; their earlier commission stays (and is clawed back on returns). */
#include "cli.h"

#include <stdio.h>

int lty_cli_staff_add(lty_cli_t *cli)
{
    const char *const pairs[] = {"staff_id", cli->args[0], "name", cli->name,
                                 "store_id", cli->store, NULL};
    return lty_cli_api_send_strings(cli, "POST", "/v1/admin/staff", pairs);
}

int lty_cli_staff_list(lty_cli_t *cli)
{
    char path[160] = "/v1/admin/staff";
    lty_cli_query_add(path, sizeof(path), "limit", "500");
    if (cli->store != NULL) lty_cli_query_add(path, sizeof(path), "store", cli->store);
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "staff"};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_staff_deactivate(lty_cli_t *cli)
{
    if (!lty_cli_id_plain(cli->args[0])) {
        return lty_cli_usage_error(cli, "STAFF_ID is 1-16 of A-Z a-z 0-9 - _ .");
    }
    char path[128];
    snprintf(path, sizeof(path), "/v1/admin/staff/%s", cli->args[0]);
    const char *const pairs[] = {"status", "inactive", NULL};
    return lty_cli_api_send_strings(cli, "PATCH", path, pairs);
}
