/* SPDX-License-Identifier: MIT */
/* loyaltyctl report commands: `report settlement --store S --from DATE --to DATE [--json]` asks
 * the daemon for GET /v1/admin/reports/settlement (the same document the API serves, printed
 * as is with --json) and prints it as a table: one line per store, till and UTC day, then the
 * totals. Money columns are in currency units with two decimals; points are whole. */
#include "cli.h"
#include "lty/lty_assert.h"
#include "lty/lty_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct report_column_s {
    const char *field;  /* the row member in the document */
    const char *header; /* the table header */
    bool money;         /* cents printed as units.cents */
} report_column_t;

static const report_column_t report_columns[] = {
    {"sales_count", "sales", false},
    {"returns_count", "returns", false},
    {"voids_count", "voids", false},
    {"points_earned", "pts_earned", false},
    {"points_redeemed", "pts_redeemed", false},
    {"points_adjusted", "pts_adjusted", false},
    {"points_forfeited", "pts_forfeited", false},
    {"prepaid_topped_up_cash_cents", "topup_cash", true},
    {"prepaid_topped_up_bank_card_cents", "topup_card", true},
    {"prepaid_spent_cents", "pp_spent", true},
    {"prepaid_refunded_cents", "pp_refunded", true},
    {"prepaid_paid_out_cents", "pp_paid_out", true},
    {"sales_cash_cents", "sale_cash", true},
    {"sales_bank_card_cents", "sale_card", true},
    {"sales_prepaid_cents", "sale_prepaid", true},
    {"refunded_cash_cents", "refund_cash", true},
    {"refunded_bank_card_cents", "refund_card", true},
};

#define REPORT_COLUMNS_COUNT (sizeof(report_columns) / sizeof(report_columns[0]))

/* Query values are put in the URL as they are, so only plain characters are accepted. */
static bool query_value_plain(const char *value)
{
    LTY_ASSERT(value != NULL);
    size_t length = strlen(value);
    LTY_ASSERT(length < 4096);
    if (length == 0 || length > 32) return false;
    for (const char *c = value; *c != '\0'; c++) {
        bool plain = (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= 'a' && *c <= 'z') || *c == '-' || *c == '_' || *c == '.';
        if (!plain) return false;
    }
    return true;
}

static void cell_print(const lty_json_node_t *row, const report_column_t *column)
{
    LTY_ASSERT(column != NULL && column->field != NULL);
    int64_t value = 0;
    int width = (int)strlen(column->header);
    LTY_ASSERT(width > 0);
    if (!lty_json_node_int(lty_json_member(row, column->field), &value)) {
        printf(" %*s", width, "?");
    } else if (column->money) {
        char text[40];
        int64_t magnitude = value < 0 ? -value : value;
        snprintf(text, sizeof(text), "%s%" PRId64 ".%02" PRId64, value < 0 ? "-" : "",
                 magnitude / 100, magnitude % 100);
        printf(" %*s", width, text);
    } else {
        printf(" %*" PRId64, width, value);
    }
}

static void line_print(const char *date, const char *store, const char *till,
                       const lty_json_node_t *row)
{
    LTY_ASSERT(date != NULL && store != NULL && till != NULL);
    LTY_ASSERT(row != NULL);
    printf("%-10s %-16s %-16s", date, store[0] != '\0' ? store : "(head office)",
           till[0] != '\0' ? till : "-");
    for (size_t index = 0; index < REPORT_COLUMNS_COUNT; index++) {
        cell_print(row, &report_columns[index]);
    }
    putchar('\n');
}

static int report_print(const lty_buf_t *response)
{
    LTY_ASSERT(response != NULL);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (lty_json_parse(response->data, response->size, 8, &doc, &diag) != 0) {
        return lty_cli_fail("report settlement: the daemon's answer is not JSON");
    }
    const lty_json_node_t *root = lty_json_doc_root(doc);
    const lty_json_node_t *rows = lty_json_member(root, "rows");
    const lty_json_node_t *totals = lty_json_member(root, "totals");
    const char *from = lty_json_node_string(lty_json_member(root, "from"));
    const char *to = lty_json_node_string(lty_json_member(root, "to"));
    bool truncated = false;
    LTY_ASSERT(root != NULL);
    (void)lty_json_get_bool(root, "", "truncated", false, &truncated, NULL, &diag);
    printf("settlement %s .. %s (UTC days)%s\n", from != NULL ? from : "?", to != NULL ? to : "?",
           truncated ? " TRUNCATED: narrow the period or the store" : "");
    printf("%-10s %-16s %-16s", "date", "store", "till");
    for (size_t index = 0; index < REPORT_COLUMNS_COUNT; index++) {
        printf(" %s", report_columns[index].header);
    }
    putchar('\n');
    size_t count = rows != NULL ? lty_json_count(rows) : 0;
    for (size_t index = 0; index < count; index++) {
        const lty_json_node_t *row = lty_json_item(rows, index);
        const char *date = lty_json_node_string(lty_json_member(row, "date"));
        const char *store = lty_json_node_string(lty_json_member(row, "store"));
        const char *till = lty_json_node_string(lty_json_member(row, "till"));
        line_print(date != NULL ? date : "?", store != NULL ? store : "?",
                   till != NULL ? till : "?", row);
    }
    if (totals != NULL) line_print("total", "(all)", "(all)", totals);
    printf("%zu row%s\n", count, count == 1 ? "" : "s");
    lty_json_doc_free(doc);
    return LTY_CLI_EXIT_OK;
}

int lty_cli_report_settlement(lty_cli_t *cli)
{
    LTY_ASSERT(cli != NULL);
    const char *to = cli->to != NULL ? cli->to : cli->from;
    if (cli->from == NULL || !query_value_plain(cli->from) || !query_value_plain(to) ||
        (cli->store != NULL && !query_value_plain(cli->store))) {
        fprintf(stderr, "usage: loyaltyctl report settlement [--store STORE] --from YYYY-MM-DD "
                        "[--to YYYY-MM-DD] [--json]\n");
        return LTY_CLI_EXIT_USAGE;
    }
    char path[256];
    int used = snprintf(path, sizeof(path), "/v1/admin/reports/settlement?from=%s&to=%s",
                        cli->from, to);
    LTY_ASSERT(used > 0 && (size_t)used < sizeof(path));
    if (cli->store != NULL) {
        snprintf(path + used, sizeof(path) - (size_t)used, "&store=%s", cli->store);
    }
    if (cli->json) return lty_cli_api_get(cli, path, NULL);
    lty_buf_t response;
    lty_buf_init(&response, 4 * 1024 * 1024);
    int exit_code = lty_cli_api_get(cli, path, &response);
    if (exit_code == LTY_CLI_EXIT_OK) exit_code = report_print(&response);
    lty_buf_deinit(&response);
    return exit_code;
}
