/* SPDX-License-Identifier: MIT */
/* loyaltyctl report commands: `report NAME` asks the daemon for GET /v1/admin/reports/NAME and
 * prints the document as it is (--json), its list as CSV (--csv), a table, or a self-contained
 * HTML file with charts (--html FILE, cmd_html.c). Adding a report is one entry in reports[]
 * below (and its command line in commands.c): where its document is, which list --csv prints
 * and which lists the HTML charts. Settlement keeps its own wide table: one line per store,
 * till and UTC day, then the totals; money in currency units with two decimals. */
#include "cli.h"
#include "cmd_html.h"
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

static int settlement_print(const lty_cli_t *cli, const lty_buf_t *response)
{
    (void)cli;
    return report_print(response);
}

#define ANALYTICS "/v1/admin/analytics/"

/* The reports: name, path, the list --csv prints, the charts of --html, an own table. */
static const lty_cli_report_t reports[] = {
    {"settlement", "Settlement", "rows",
     {{"rows", "date", "points_earned", "points earned per store, till and day", false},
      {"rows", "date", "sales_cash_cents", "cash taken at sales", true}},
     settlement_print, NULL},
    {"liability", "Points liability", "by_tier",
     {{"by_tier", "tier", "points_value_cents", "points liability by tier", true},
      {"by_store", "store", "points_value_cents", "points liability by store (where earned)", true},
      {"expiring", "within_days", "points", "points expiring within 30, 60, 90 days", false}},
     NULL, NULL},
    {"breakage", "Breakage", "months",
     {{"months", "month", "points_issued", "points issued per month", false},
      {"months", "month", "points_breakage", "points expired or forfeited per month", false}},
     NULL, NULL},
    {"commission", "Staff commission", "rows",
     {{"rows", "staff_id", "net_cents", "net commission per staff member", true},
      {"rows", "staff_id", "sales_cents", "sales named to each staff member", true}},
     NULL, NULL},
    {"coupons", "Coupon campaigns", "campaigns",
     {{"campaigns", "name", "discount_cents", "discount given per campaign", true},
      {"campaigns", "name", "redeemed_count", "coupons redeemed per campaign", false}},
     NULL, NULL},
    {"gifts", "Gift stock", "rows",
     {{"rows", "name", "available", "gifts available", false},
      {"rows", "name", "handed_over", "gifts handed over", false}},
     NULL, NULL},
    {"prepaid-float", "Prepaid float", "by_tier",
     {{"by_tier", "tier", "prepaid_cents", "prepaid held by tier", true},
      {"accounts", "account", "balance_cents", "the accounts behind the float", true}},
     NULL, NULL},
    /* the analytics reports (docs/analytics.md), under /v1/admin/analytics/ */
    {"rfm", "RFM segments", "segments",
     {{"segments", "name", "members", "members per RFM segment", false}},
     NULL, ANALYTICS},
    {"pareto", "Pareto: the best members' share of member sales", "curve",
     {{"curve", "members_percent", "share_bp", "share of sales (basis points) by best decile",
       false}},
     NULL, ANALYTICS},
    {"lifecycle", "Lifecycle stages", "months",
     {{"months", "month", "stages.active", "active members at each month's end", false},
      {"months", "month", "stages.lapsed", "lapsed members at each month's end", false}},
     NULL, ANALYTICS},
    {"churn", "Churn risk, ranked", "members",
     {{"members", "member_id", "risk_percent", "gap in % of the member's median interval",
       false}},
     NULL, ANALYTICS},
    {"health", "Programme health", "points",
     {{"points", "month", "liability_points", "points liability at each month's end", false},
      {"points", "month", "issued", "points issued per month", false},
      {"tiers", "name", "members", "members per tier", false}},
     NULL, ANALYTICS},
};

/* Query values are put in the URL encoded; dates and stores are checked by the daemon. */
static int report_path(const lty_cli_t *cli, const lty_cli_report_t *report, char *path,
                       size_t size)
{
    snprintf(path, size, "%s%s", report->base != NULL ? report->base : "/v1/admin/reports/",
             report->name);
    const char *from = lty_cli_opt(cli, LTY_OPT_FROM);
    if (from != NULL && !query_value_plain(from)) return lty_cli_usage_error(cli, "bad --from");
    if (from != NULL) lty_cli_query_add(path, size, "from", from);
    const char *to = lty_cli_opt(cli, LTY_OPT_TO);
    if (to != NULL) lty_cli_query_add(path, size, "to", to);
    else if (from != NULL && report->base == NULL) lty_cli_query_add(path, size, "to", from);
    const char *store = lty_cli_opt(cli, LTY_OPT_STORE);
    if (store != NULL) lty_cli_query_add(path, size, "store", store);
    /* the analytics reports' own parameters: passed on, checked by the daemon */
    static const struct {
        lty_cli_option_t option;
        const char *name;
    } passed[] = {{LTY_OPT_AS_OF, "as_of"}, {LTY_OPT_WINDOW_DAYS, "window_days"},
                  {LTY_OPT_TOP_PERCENT, "top_percent"}, {LTY_OPT_MONTHS, "months"},
                  {LTY_OPT_LIMIT, "limit"}};
    for (size_t index = 0; index < sizeof(passed) / sizeof(passed[0]); index++) {
        const char *value = lty_cli_opt(cli, passed[index].option);
        if (value != NULL) lty_cli_query_add(path, size, passed[index].name, value);
    }
    return LTY_CLI_EXIT_OK;
}

int lty_cli_report(lty_cli_t *cli)
{
    LTY_ASSERT(cli != NULL && cli->command != NULL);
    const lty_cli_report_t *report = NULL;
    for (size_t index = 0; index < sizeof(reports) / sizeof(reports[0]); index++) {
        if (strcmp(reports[index].name, cli->command->verb) == 0) report = &reports[index];
    }
    LTY_ASSERT(report != NULL); /* commands.c names only reports listed here */
    if (lty_cli_opt(cli, LTY_OPT_HTML) != NULL &&
        (lty_cli_flag(cli, LTY_OPT_JSON) || lty_cli_flag(cli, LTY_OPT_CSV))) {
        return lty_cli_usage_error(cli, "--html excludes --json and --csv");
    }
    char path[512];
    int exit_code = report_path(cli, report, path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_buf_t response;
    lty_buf_init(&response, 8 * 1024 * 1024);
    exit_code = lty_cli_api_get(cli, path, &response);
    if (exit_code == LTY_CLI_EXIT_OK) {
        const char *html = lty_cli_opt(cli, LTY_OPT_HTML);
        if (html != NULL) {
            exit_code = lty_cli_html_write(report, response.data, response.size, html);
            if (exit_code == LTY_CLI_EXIT_OK) printf("report written to %s\n", html);
        } else if (report->table_cb != NULL && !lty_cli_flag(cli, LTY_OPT_JSON) &&
                   !lty_cli_flag(cli, LTY_OPT_CSV)) {
            exit_code = report->table_cb(cli, &response);
        } else {
            exit_code = lty_cli_print_document(cli, response.data, response.size,
                                               report->list_key);
        }
    }
    lty_buf_deinit(&response);
    return exit_code;
}
