/* SPDX-License-Identifier: MIT */
/* How loyaltyctl prints a JSON document (the daemon's answer, or one a local command built):
 * --json prints it as it is; --csv prints its list (the array named by the command, else the
 * first array of objects) as CSV with a header; otherwise a person gets "key  value" lines for
 * the scalars (nested objects flattened as key.sub) and an aligned table for each list, money
 * (*_cents) shown in currency units. Nothing here knows what a document means. */
#include "cli.h"
#include "lty/lty_assert.h"
#include "lty/lty_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define COLUMNS_MAX 32
#define COLUMN_NAME_SIZE 64
#define CELL_SIZE 512
#define CELL_WIDTH_MAX 40

typedef struct columns_s {
    size_t count;
    char names[COLUMNS_MAX][COLUMN_NAME_SIZE];
    int widths[COLUMNS_MAX];
} columns_t;

void lty_cli_money_format(int64_t cents, char *out, size_t out_size)
{
    int64_t magnitude = cents < 0 ? -cents : cents;
    snprintf(out, out_size, "%s%" PRId64 ".%02" PRId64, cents < 0 ? "-" : "", magnitude / 100,
             magnitude % 100);
}

void lty_cli_csv_field(FILE *out, const char *value, bool last)
{
    bool quote = strpbrk(value, ",\"\r\n") != NULL;
    if (quote) {
        fputc('"', out);
        for (const char *c = value; *c != '\0'; c++) {
            if (*c == '"') fputc('"', out);
            fputc(*c, out);
        }
        fputc('"', out);
    } else {
        fputs(value, out);
    }
    fputc(last ? '\n' : ',', out);
}

static bool is_money(const char *key)
{
    size_t size = strlen(key);
    return size > 6 && strcmp(key + size - 6, "_cents") == 0;
}

static void columns_add(columns_t *columns, const char *name)
{
    for (size_t index = 0; index < columns->count; index++) {
        if (strcmp(columns->names[index], name) == 0) return;
    }
    if (columns->count == COLUMNS_MAX) return;
    snprintf(columns->names[columns->count], COLUMN_NAME_SIZE, "%s", name);
    columns->widths[columns->count] = (int)strlen(columns->names[columns->count]);
    columns->count++;
}

/* The scalar members of an item, and one level of nested objects as "key.sub". */
static void columns_collect(columns_t *columns, const lty_json_node_t *item)
{
    size_t count = lty_json_count(item);
    for (size_t index = 0; index < count; index++) {
        const lty_json_node_t *member = lty_json_item(item, index);
        const char *key = lty_json_node_key(member);
        char text[8];
        if (key == NULL) continue;
        if (lty_json_node_scalar_text(member, text, sizeof(text))) {
            columns_add(columns, key);
        } else if (lty_json_is_object(member)) {
            for (size_t sub = 0; sub < lty_json_count(member); sub++) {
                const lty_json_node_t *inner = lty_json_item(member, sub);
                char name[COLUMN_NAME_SIZE];
                snprintf(name, sizeof(name), "%s.%s", key, lty_json_node_key(inner));
                if (lty_json_node_scalar_text(inner, text, sizeof(text))) {
                    columns_add(columns, name);
                }
            }
        }
    }
}

/* The columns of every item of a list. */
static void columns_of(columns_t *columns, const lty_json_node_t *array)
{
    memset(columns, 0, sizeof(*columns));
    for (size_t row = 0; row < lty_json_count(array); row++) {
        columns_collect(columns, lty_json_item(array, row));
    }
}

static void cell_text(const lty_json_node_t *item, const char *column, bool human, char *out,
                      size_t out_size)
{
    char head[COLUMN_NAME_SIZE];
    snprintf(head, sizeof(head), "%s", column);
    char *dot = strchr(head, '.');
    const lty_json_node_t *node = NULL;
    if (dot != NULL) {
        *dot = '\0';
        node = lty_json_member(lty_json_member(item, head), dot + 1);
    } else {
        node = lty_json_member(item, head);
    }
    int64_t value = 0;
    if (!lty_json_node_scalar_text(node, out, out_size)) {
        snprintf(out, out_size, "%s", lty_json_is_array(node) ? "[...]" : "");
    } else if (human && is_money(column) && lty_json_node_int(node, &value)) {
        lty_cli_money_format(value, out, out_size);
    }
}

static int display_width(const char *text)
{
    int width = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if ((*c & 0xC0) != 0x80) width += *c >= 0xE0 ? 2 : 1; /* CJK is two columns wide */
    }
    return width;
}

static void table_print(const lty_json_node_t *array)
{
    columns_t columns;
    columns_of(&columns, array);
    size_t rows = lty_json_count(array);
    char cell[CELL_SIZE];
    for (size_t row = 0; row < rows; row++) {
        for (size_t column = 0; column < columns.count; column++) {
            cell_text(lty_json_item(array, row), columns.names[column], true, cell, sizeof(cell));
            int width = display_width(cell);
            if (width > columns.widths[column]) {
                columns.widths[column] = width > CELL_WIDTH_MAX ? CELL_WIDTH_MAX : width;
            }
        }
    }
    for (size_t column = 0; column < columns.count; column++) {
        printf("%-*s%s", columns.widths[column], columns.names[column],
               column + 1 < columns.count ? "  " : "\n");
    }
    for (size_t row = 0; row < rows; row++) {
        for (size_t column = 0; column < columns.count; column++) {
            cell_text(lty_json_item(array, row), columns.names[column], true, cell, sizeof(cell));
            int pad = columns.widths[column] - display_width(cell);
            printf("%s%*s%s", cell, pad > 0 ? pad : 0, "", column + 1 < columns.count ? "  " : "\n");
        }
    }
}

static void scalars_print(const lty_json_node_t *object, const char *prefix)
{
    size_t count = lty_json_count(object);
    char text[CELL_SIZE];
    for (size_t index = 0; index < count; index++) {
        const lty_json_node_t *member = lty_json_item(object, index);
        char key[COLUMN_NAME_SIZE * 2];
        snprintf(key, sizeof(key), "%s%s", prefix, lty_json_node_key(member));
        int64_t value = 0;
        if (lty_json_node_scalar_text(member, text, sizeof(text))) {
            if (is_money(key) && lty_json_node_int(member, &value)) {
                lty_cli_money_format(value, text, sizeof(text));
            }
            printf("%-28s %s\n", key, text);
        } else if (lty_json_is_object(member)) {
            char nested[COLUMN_NAME_SIZE * 2 + 1];
            snprintf(nested, sizeof(nested), "%s.", key);
            scalars_print(member, nested);
        } else if (lty_json_is_array(member) && lty_json_count(member) > 0 &&
                   !lty_json_is_object(lty_json_item(member, 0))) {
            printf("%-28s", key);
            for (size_t item = 0; item < lty_json_count(member); item++) {
                lty_json_node_scalar_text(lty_json_item(member, item), text, sizeof(text));
                printf(" %s", text);
            }
            printf("\n");
        }
    }
}

static void lists_print(const lty_json_node_t *object)
{
    size_t count = lty_json_count(object);
    for (size_t index = 0; index < count; index++) {
        const lty_json_node_t *member = lty_json_item(object, index);
        if (lty_json_is_array(member) && (lty_json_count(member) == 0 ||
                                          lty_json_is_object(lty_json_item(member, 0)))) {
            printf("\n%s (%zu):\n", lty_json_node_key(member), lty_json_count(member));
            if (lty_json_count(member) > 0) table_print(member);
        }
    }
}

static const lty_json_node_t *list_find(const lty_json_node_t *root, const char *list_key)
{
    if (lty_json_is_array(root)) return root;
    if (list_key != NULL) return lty_json_member(root, list_key);
    for (size_t index = 0; index < lty_json_count(root); index++) {
        const lty_json_node_t *member = lty_json_item(root, index);
        if (lty_json_is_array(member)) return member;
    }
    return NULL;
}

/* A list of scalars (a segment's member ids): one column, named after the list. */
static bool csv_scalars_print(const lty_json_node_t *array)
{
    size_t rows = lty_json_count(array);
    if (rows == 0 || lty_json_is_object(lty_json_item(array, 0))) return false;
    const char *name = lty_json_node_key(array);
    lty_cli_csv_field(stdout, name != NULL ? name : "value", true);
    char cell[CELL_SIZE];
    for (size_t row = 0; row < rows; row++) {
        if (!lty_json_node_scalar_text(lty_json_item(array, row), cell, sizeof(cell))) cell[0] = 0;
        lty_cli_csv_field(stdout, cell, true);
    }
    return true;
}

static void csv_print(const lty_json_node_t *array)
{
    if (csv_scalars_print(array)) return;
    columns_t columns;
    columns_of(&columns, array);
    size_t rows = lty_json_count(array);
    for (size_t column = 0; column < columns.count; column++) {
        lty_cli_csv_field(stdout, columns.names[column], column + 1 == columns.count);
    }
    char cell[CELL_SIZE];
    for (size_t row = 0; row < rows; row++) {
        for (size_t column = 0; column < columns.count; column++) {
            cell_text(lty_json_item(array, row), columns.names[column], false, cell, sizeof(cell));
            lty_cli_csv_field(stdout, cell, column + 1 == columns.count);
        }
    }
}

int lty_cli_print_document(const lty_cli_t *cli, const char *json, size_t size,
                           const char *list_key)
{
    LTY_ASSERT(cli != NULL && json != NULL);
    if (lty_cli_flag(cli, LTY_OPT_JSON)) {
        fwrite(json, 1, size, stdout);
        fputc('\n', stdout);
        return LTY_CLI_EXIT_OK;
    }
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (lty_json_parse(json, size, 16, &doc, &diag) != 0) {
        fwrite(json, 1, size, stdout);
        fputc('\n', stdout);
        return LTY_CLI_EXIT_OK;
    }
    const lty_json_node_t *root = lty_json_doc_root(doc);
    if (lty_cli_flag(cli, LTY_OPT_CSV)) {
        const lty_json_node_t *list = list_find(root, list_key);
        if (list != NULL) csv_print(list);
    } else if (lty_json_is_array(root)) {
        table_print(root);
    } else {
        scalars_print(root, "");
        lists_print(root);
    }
    lty_json_doc_free(doc);
    return LTY_CLI_EXIT_OK;
}
