/* SPDX-License-Identifier: MIT */
/**
 * @file cmd_html.h
 * The report descriptor shared by cmd_report.c (which report, where, which list) and
 * cmd_html.c (a self-contained HTML file with inline SVG charts drawn from the document).
 */
#ifndef LTY_CMD_HTML_H
#define LTY_CMD_HTML_H

#include "cli.h"

#define LTY_CLI_REPORT_CHARTS_MAX 4

/** One bar chart: a list of the document, the label and value of each bar. */
typedef struct lty_cli_chart_s {
    const char *list;  /* the array member of the document ("by_tier"); NULL ends the charts */
    const char *label; /* the bar's label member ("tier") */
    const char *value; /* the bar's integer member ("points_value_cents"; "a.b" one level down) */
    const char *title;
    bool money;        /* value is in minor units */
} lty_cli_chart_t;

typedef struct lty_cli_report_s {
    const char *name;     /* the URL and command word: GET /v1/admin/reports/<name> */
    const char *title;
    const char *list_key; /* what --csv prints */
    lty_cli_chart_t charts[LTY_CLI_REPORT_CHARTS_MAX];
    int (*table_cb)(const lty_cli_t *cli, const lty_buf_t *response); /* NULL: generic */
    const char *base;     /* NULL: /v1/admin/reports/; "/v1/admin/analytics/" */
} lty_cli_report_t;

/**
 * Write report's document (json, size bytes) as a self-contained HTML file at path: the
 * summary values, one inline SVG bar chart per chart, and a table per list. No script, no
 * external resource: it opens offline and can be mailed.
 * @return LTY_CLI_EXIT_OK, or LTY_CLI_EXIT_FAILED (not JSON, cannot write path).
 */
int lty_cli_html_write(const lty_cli_report_t *report, const char *json, size_t size,
                       const char *path);

#endif
