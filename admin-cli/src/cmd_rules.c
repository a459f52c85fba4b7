/* SPDX-License-Identifier: MIT */
/* loyaltyctl rules commands: `rules add FILE` (a rule's JSON: name, match, effect, stacking,
 * caps; POST /v1/admin/rules), `rules list [--all]`, and `rules pause|resume|end RULE_ID`
 * (PATCH /v1/admin/rules/RULE_ID). A change is live for the next sale at every till. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define RULE_FILE_BYTES_MAX (8 * 1024)

int lty_cli_rules_add(lty_cli_t *cli)
{
    return lty_cli_file_send(cli, "POST", "/v1/admin/rules", RULE_FILE_BYTES_MAX);
}

int lty_cli_rules_list(lty_cli_t *cli)
{
    char path[64] = "/v1/admin/rules";
    if (lty_cli_flag(cli, LTY_OPT_ALL)) lty_cli_query_add(path, sizeof(path), "all", "true");
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "rules"};
    return lty_cli_api_call(cli, &call);
}

/* pause, resume and end: the verb says which status. */
int lty_cli_rules_status(lty_cli_t *cli)
{
    const char *verb = cli->command->verb;
    const char *status = strcmp(verb, "pause") == 0    ? "paused"
                         : strcmp(verb, "resume") == 0 ? "active"
                                                       : "ended";
    uint64_t rule_id = 0;
    if (!lty_cli_parse_id(cli->args[0], &rule_id)) {
        return lty_cli_usage_error(cli, "RULE_ID is a positive integer");
    }
    char path[64];
    snprintf(path, sizeof(path), "/v1/admin/rules/%" PRIu64, rule_id);
    const char *const pairs[] = {"status", status, NULL};
    return lty_cli_api_send_strings(cli, "PATCH", path, pairs);
}
