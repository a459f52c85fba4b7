/* SPDX-License-Identifier: MIT */
/* The HTML form of a report: one self-contained file (inline CSS, inline SVG drawn here, no
 * script, no font, image or style sheet from elsewhere), so it opens offline and can be mailed.
 * It shows the document's summary values, a horizontal bar chart per chart of the report's
 * descriptor (cmd_html.h), and every list as a table. Money (*_cents) is shown in currency
 * units. Text from the document is escaped. */
#include "cmd_html.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BARS_MAX 40
#define CHART_WIDTH 720
#define BAR_HEIGHT 22
#define LABEL_WIDTH 180

static void html_escape(FILE *out, const char *text)
{
    for (const char *c = text; *c != '\0'; c++) {
        switch (*c) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*c, out); break;
        }
    }
}

static bool is_money(const char *key)
{
    size_t size = strlen(key);
    return size > 6 && strcmp(key + size - 6, "_cents") == 0;
}

static void value_text(const lty_json_node_t *node, const char *key, char *out, size_t size)
{
    int64_t value = 0;
    if (!lty_json_node_scalar_text(node, out, size)) {
        snprintf(out, size, "%s", "");
    } else if (is_money(key) && lty_json_node_int(node, &value)) {
        lty_cli_money_format(value, out, size);
    }
}

/* The member named key of item, or of item's object member when key is "object.member". */
static const lty_json_node_t *member_at(const lty_json_node_t *item, const char *key)
{
    const char *dot = strchr(key, '.');
    if (dot == NULL) return lty_json_member(item, key);
    char outer[64];
    size_t size = (size_t)(dot - key);
    if (size >= sizeof(outer)) return NULL;
    memcpy(outer, key, size);
    outer[size] = '\0';
    return lty_json_member(lty_json_member(item, outer), dot + 1);
}

static void chart_write(FILE *out, const lty_json_node_t *root, const lty_cli_chart_t *chart)
{
    const lty_json_node_t *list = lty_json_member(root, chart->list);
    size_t count = lty_json_count(list);
    if (count > BARS_MAX) count = BARS_MAX;
    int64_t max = 1;
    for (size_t index = 0; index < count; index++) {
        int64_t value = 0;
        lty_json_node_int(member_at(lty_json_item(list, index), chart->value), &value);
        if (value > max) max = value;
    }
    int height = (int)count * (BAR_HEIGHT + 6) + 10;
    fprintf(out, "<figure><figcaption>");
    html_escape(out, chart->title);
    fprintf(out, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                 "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
            CHART_WIDTH, height, CHART_WIDTH, height);
    int bar_room = CHART_WIDTH - LABEL_WIDTH - 120;
    for (size_t index = 0; index < count; index++) {
        const lty_json_node_t *item = lty_json_item(list, index);
        char label[128], text[64];
        value_text(lty_json_member(item, chart->label), chart->label, label, sizeof(label));
        int64_t value = 0;
        lty_json_node_int(member_at(item, chart->value), &value);
        if (chart->money) lty_cli_money_format(value, text, sizeof(text));
        else snprintf(text, sizeof(text), "%" PRId64, value);
        int width = value > 0 ? (int)((double)value / (double)max * bar_room) : 0;
        int y = 5 + (int)index * (BAR_HEIGHT + 6);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\">",
                LABEL_WIDTH - 8, y + 16);
        html_escape(out, label[0] != '\0' ? label : "(head office)");
        fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" "
                     "fill=\"#2f6db5\"/><text x=\"%d\" y=\"%d\" class=\"value\">%s</text>\n",
                LABEL_WIDTH, y, width > 1 ? width : 1, BAR_HEIGHT, LABEL_WIDTH + width + 6,
                y + 16, text);
    }
    fprintf(out, "</svg></figure>\n");
}

static void summary_write(FILE *out, const lty_json_node_t *root)
{
    fprintf(out, "<table class=\"summary\">\n");
    char text[256];
    for (size_t index = 0; index < lty_json_count(root); index++) {
        const lty_json_node_t *member = lty_json_item(root, index);
        const char *key = lty_json_node_key(member);
        if (!lty_json_node_scalar_text(member, text, sizeof(text))) continue;
        value_text(member, key, text, sizeof(text));
        fprintf(out, "<tr><th>");
        html_escape(out, key);
        fprintf(out, "</th><td>");
        html_escape(out, text);
        fprintf(out, "</td></tr>\n");
    }
    fprintf(out, "</table>\n");
}

static void list_write(FILE *out, const lty_json_node_t *list, const char *name)
{
    const lty_json_node_t *first = lty_json_item(list, 0);
    if (!lty_json_is_object(first)) return;
    fprintf(out, "<h2>");
    html_escape(out, name);
    fprintf(out, "</h2>\n<table><tr>");
    char text[256];
    for (size_t column = 0; column < lty_json_count(first); column++) {
        const lty_json_node_t *cell = lty_json_item(first, column);
        if (!lty_json_node_scalar_text(cell, text, sizeof(text))) continue;
        fprintf(out, "<th>");
        html_escape(out, lty_json_node_key(cell));
        fprintf(out, "</th>");
    }
    fprintf(out, "</tr>\n");
    for (size_t row = 0; row < lty_json_count(list); row++) {
        const lty_json_node_t *item = lty_json_item(list, row);
        fprintf(out, "<tr>");
        for (size_t column = 0; column < lty_json_count(first); column++) {
            const char *key = lty_json_node_key(lty_json_item(first, column));
            const lty_json_node_t *cell = lty_json_member(item, key);
            if (!lty_json_node_scalar_text(lty_json_item(first, column), text, sizeof(text))) {
                continue;
            }
            value_text(cell, key, text, sizeof(text));
            fprintf(out, "<td>");
            html_escape(out, text);
            fprintf(out, "</td>");
        }
        fprintf(out, "</tr>\n");
    }
    fprintf(out, "</table>\n");
}

static const char style[] =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:60em}"
    "h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .6em;"
    "text-align:right}th{background:#f2f2f2}table.summary th{text-align:left}"
    "figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}"
    "svg text{font-family:sans-serif;font-size:12px;fill:#222}";

int lty_cli_html_write(const lty_cli_report_t *report, const char *json, size_t size,
                       const char *path)
{
    LTY_ASSERT(report != NULL && json != NULL && path != NULL);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (lty_json_parse(json, size, 16, &doc, &diag) != 0) {
        return lty_cli_fail("report %s: the daemon's answer is not JSON", report->name);
    }
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        lty_json_doc_free(doc);
        return lty_cli_fail("cannot create %s", path);
    }
    const lty_json_node_t *root = lty_json_doc_root(doc);
    char when[40];
    lty_clock_format(lty_clock_now_ms(), when, sizeof(when));
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<title>loyaltyd: %s</title><style>%s</style></head><body>\n<h1>%s</h1>\n"
                 "<p>Generated by loyaltyctl at %s (UTC).</p>\n",
            report->title, style, report->title, when);
    summary_write(out, root);
    for (size_t index = 0; index < LTY_CLI_REPORT_CHARTS_MAX; index++) {
        if (report->charts[index].list == NULL) break;
        chart_write(out, root, &report->charts[index]);
    }
    for (size_t index = 0; index < lty_json_count(root); index++) {
        const lty_json_node_t *member = lty_json_item(root, index);
        if (lty_json_is_array(member) && lty_json_count(member) > 0) {
            list_write(out, member, lty_json_node_key(member));
        }
    }
    fprintf(out, "</body></html>\n");
    lty_json_doc_free(doc);
    return fclose(out) == 0 ? LTY_CLI_EXIT_OK : lty_cli_fail("cannot write %s", path);
}
