/* SPDX-License-Identifier: MIT */
/* loyaltyctl audit list: the audit trail read from the daemon (GET /v1/admin/audit), oldest
 * first, one row per record (id, time, who, action, target, client address, detail, old and new
 * value, the record's hash and the hash before it), as a table, --csv or the daemon's --json.
 * Pages with --after (the next_after printed). The chain itself is checked by `loyaltyctl data
 * verify DIR`, not here: this command shows what the daemon says, which is no proof on its own. */
#include "cli.h"
#include "lty/lty_limits.h"

#include <stdio.h>

int lty_cli_audit(lty_cli_t *cli)
{
    char path[LTY_HTTP_URL_BYTES_MAX] = "/v1/admin/audit";
    int exit_code = lty_cli_page_query(cli, LTY_AUDIT_PAGE_MAX, path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = "audit"};
    return lty_cli_api_call(cli, &call);
}
