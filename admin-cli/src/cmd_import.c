/* SPDX-License-Identifier: MIT */
/* loyaltyctl member import and export: a retailer's members with their cards, phones, tiers and
 * opening balances, as CSV with the header name,phone,email,card_no,tier,points,prepaid_cents.
 *
 * Import reads the file row by row. A row with the wrong number of fields or invalid UTF-8 is
 * rejected here (it cannot travel as JSON); every other row goes to the daemon, which checks it
 * like an enrolment (POST /v1/admin/members/batches, up to 500 members and 64 KiB a request)
 * and answers one result per row. Each request's Idempotency-Key is a hash of its body, so
 * running the same file again replays the stored answers and applies nothing twice. Rejected
 * rows are written to the rejects file with a reason column. Progress goes to stderr: a bar with
 * rate and ETA on a terminal, a plain line per 5% otherwise.
 *
 * Export pages through GET /v1/admin/exports/members and writes the same columns. */
#include "cli.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "lty/lty_crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COLUMNS_COUNT 7
#define FIELD_BYTES_MAX 1024
#define BATCH_ROWS_MAX 500
#define BATCH_BODY_BYTES_MAX (LTY_HTTP_BODY_BYTES_MAX - 2048) /* room for the closing bytes */

static const char *const columns[COLUMNS_COUNT] = {"name", "phone", "email", "card_no",
                                                   "tier", "points", "prepaid_cents"};

/* One parsed CSV record: fields point into line. */
typedef struct csv_row_s {
    char *line;        /* the record's bytes (fields NUL-terminated in place, unquoted) */
    size_t line_size;
    char *raw;         /* the record as read, for the rejects file */
    size_t fields_count;
    char *fields[COLUMNS_COUNT + 8];
    uint64_t line_no;  /* first line of the record in the file */
} csv_row_t;

typedef struct import_s {
    const lty_cli_t *cli;
    FILE *in;
    FILE *rejects;
    const char *rejects_path;
    int order[COLUMNS_COUNT]; /* file column of each of columns[] */
    size_t header_count;
    uint64_t line_no;
    uint64_t rows_total;
    uint64_t rows_done;
    uint64_t created;
    uint64_t rejected;
    uint64_t requests;
    uint64_t replayed;
    int64_t batch_rows_max;
    int64_t started_ms;
    int64_t progress_ms;
    bool tty;
    /* the batch being built */
    lty_buf_t body;
    size_t batch_count;
    char *batch_raw[BATCH_ROWS_MAX];
} import_t;

/* ---- CSV ------------------------------------------------------------------------------------ */

/* Read one record (quoted fields may hold newlines) into row; false at the end of the file. */
static bool csv_read(import_t *import, csv_row_t *row)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t got = getline(&line, &capacity, import->in);
    if (got < 0) {
        free(line);
        return false;
    }
    row->line_no = ++import->line_no;
    size_t size = (size_t)got;
    for (;;) { /* an odd number of quotes: the record goes on on the next line */
        size_t quotes = 0;
        for (size_t index = 0; index < size; index++) quotes += line[index] == '"';
        if (quotes % 2 == 0) break;
        char *more = NULL;
        size_t more_capacity = 0;
        ssize_t more_got = getline(&more, &more_capacity, import->in);
        if (more_got < 0) {
            free(more);
            break;
        }
        import->line_no++;
        char *joined = realloc(line, size + (size_t)more_got + 1);
        if (joined == NULL) {
            free(more);
            break;
        }
        line = joined;
        memcpy(line + size, more, (size_t)more_got + 1);
        size += (size_t)more_got;
        free(more);
    }
    while (size > 0 && (line[size - 1] == '\n' || line[size - 1] == '\r')) line[--size] = '\0';
    row->raw = strdup(line);
    row->line = line;
    row->line_size = size;
    row->fields_count = 0;
    /* Split in place: unquote "..." fields ("" is a quote). */
    char *write = line;
    const char *read = line;
    const char *end = line + size;
    while (row->fields_count < sizeof(row->fields) / sizeof(row->fields[0])) {
        row->fields[row->fields_count++] = write;
        bool quoted = read < end && *read == '"';
        if (quoted) read++;
        while (read < end) {
            if (quoted && *read == '"' && read + 1 < end && read[1] == '"') {
                *write++ = '"';
                read += 2;
            } else if (quoted && *read == '"') {
                quoted = false;
                read++;
            } else if (!quoted && *read == ',') {
                break;
            } else {
                *write++ = *read++;
            }
        }
        bool more = read < end && *read == ',';
        *write++ = '\0';
        if (!more) break;
        read++;
    }
    return true;
}

static void csv_row_free(csv_row_t *row)
{
    free(row->line);
    free(row->raw);
    row->line = NULL;
    row->raw = NULL;
}

static bool utf8_valid(const char *text)
{
    const unsigned char *c = (const unsigned char *)text;
    while (*c != '\0') {
        size_t extra = *c < 0x80 ? 0 : (*c & 0xE0) == 0xC0 ? 1 : (*c & 0xF0) == 0xE0 ? 2
                                     : (*c & 0xF8) == 0xF0 ? 3 : 9;
        if (extra == 9 || (extra == 1 && *c < 0xC2)) return false;
        uint32_t code = extra == 0 ? *c : (uint32_t)(*c & (0x3F >> extra));
        for (size_t index = 1; index <= extra; index++) {
            if ((c[index] & 0xC0) != 0x80) return false;
            code = (code << 6) | (c[index] & 0x3F);
        }
        if ((extra == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
            (extra == 3 && (code < 0x10000 || code > 0x10FFFF))) {
            return false;
        }
        c += extra + 1;
    }
    return true;
}

/* ---- Rejects and progress ------------------------------------------------------------------- */

static void reject_write(import_t *import, const char *raw, const char *reason)
{
    import->rejected++;
    if (import->rejects == NULL) return;
    fputs(raw, import->rejects);
    fputc(',', import->rejects);
    lty_cli_csv_field(import->rejects, reason, true);
}

static void progress_show(import_t *import, bool final)
{
    int64_t now_ms = lty_clock_monotonic_ms();
    if (!final && now_ms - import->progress_ms < (import->tty ? 200 : 0)) return;
    uint64_t total = import->rows_total > 0 ? import->rows_total : 1;
    uint64_t percent = import->rows_done * 100 / total;
    if (!import->tty && !final) { /* plain lines: one per 5% */
        static uint64_t last_step = 0;
        if (percent / 5 == last_step) return;
        last_step = percent / 5;
    }
    import->progress_ms = now_ms;
    double seconds = (double)(now_ms - import->started_ms) / 1000.0;
    double rate = seconds > 0 ? (double)import->rows_done / seconds : 0;
    double eta = rate > 0 ? (double)(import->rows_total - import->rows_done) / rate : 0;
    if (import->tty) {
        char bar[31];
        size_t filled = (size_t)(percent * 30 / 100);
        for (size_t index = 0; index < 30; index++) bar[index] = index < filled ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r[%s] %3" PRIu64 "%% %" PRIu64 "/%" PRIu64 " rows  %.0f rows/s  "
                        "ETA %dm%02ds ", bar, percent, import->rows_done, import->rows_total,
                rate, (int)eta / 60, (int)eta % 60);
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "import: %" PRIu64 "/%" PRIu64 " rows (%" PRIu64 "%%), %.0f rows/s, "
                        "ETA %ds\n", import->rows_done, import->rows_total, percent, rate,
                (int)eta);
    }
}

/* ---- Batches ------------------------------------------------------------------------------ */

static void batch_reset(import_t *import)
{
    for (size_t index = 0; index < import->batch_count; index++) free(import->batch_raw[index]);
    import->batch_count = 0;
    lty_buf_reset(&import->body);
    lty_buf_append_str(&import->body, "{\"members\":[");
}

/* One result of the daemon's answer for the row at index of the batch. */
static void result_apply(import_t *import, const lty_json_node_t *result, size_t index)
{
    const lty_json_node_t *error = lty_json_member(result, "error");
    if (error == NULL) {
        import->created++;
        return;
    }
    const char *code = lty_json_node_string(lty_json_member(error, "code"));
    const char *message = lty_json_node_string(lty_json_member(error, "message"));
    const char *field = lty_json_node_string(lty_json_member(error, "field"));
    char reason[512];
    snprintf(reason, sizeof(reason), "%s: %s%s%s", code ? code : "refused",
             message ? message : "", field && field[0] ? " at " : "", field ? field : "");
    reject_write(import, import->batch_raw[index], reason);
}

static int batch_send(import_t *import)
{
    if (import->batch_count == 0) return LTY_CLI_EXIT_OK;
    lty_buf_append_str(&import->body, "]}");
    uint8_t digest[32];
    lty_crypto_sha256(import->body.data, import->body.size, digest);
    char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1];
    int used = snprintf(key, sizeof(key), "%s", lty_cli_flag(import->cli, LTY_OPT_DRY_RUN)
                                                    ? "import-dry-"
                                                    : "import-");
    for (size_t index = 0; index < 20 && used > 0; index++) {
        used += snprintf(key + used, sizeof(key) - (size_t)used, "%02x", digest[index]);
    }
    lty_buf_t response;
    lty_buf_init(&response, 1024 * 1024);
    lty_cli_call_t call = {.method = "POST", .path = "/v1/admin/members/batches",
                           .body = &import->body, .mutating = true, .idempotency_key = key,
                           .response_out = &response};
    int exit_code = lty_cli_api_call(import->cli, &call);
    import->requests++;
    if (call.replayed_out) import->replayed++;
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    const lty_json_node_t *results = NULL;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 8, &doc, &diag) == 0) {
        results = lty_json_member(lty_json_doc_root(doc), "results");
    }
    if (exit_code == LTY_CLI_EXIT_OK && lty_json_count(results) != import->batch_count) {
        exit_code = lty_cli_fail("import: the daemon answered %zu results for %zu rows",
                                 lty_json_count(results), import->batch_count);
    }
    for (size_t index = 0; exit_code == LTY_CLI_EXIT_OK && index < import->batch_count; index++) {
        result_apply(import, lty_json_item(results, index), index);
    }
    lty_json_doc_free(doc);
    lty_buf_deinit(&response);
    import->rows_done += import->batch_count;
    batch_reset(import);
    progress_show(import, false);
    return exit_code;
}

/* The row as a JSON member object; false with reason set when a number is malformed. */
static bool row_render(import_t *import, const csv_row_t *row, lty_buf_t *out, char *reason,
                       size_t reason_size)
{
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    for (size_t column = 0; column < COLUMNS_COUNT; column++) {
        const char *value = row->fields[import->order[column]];
        if (value[0] == '\0' && column >= 2) continue; /* optional and empty */
        if (column < 5) {
            lty_jw_kv_string(&writer, columns[column], value);
            continue;
        }
        int64_t number = 0;
        if (!lty_cli_parse_int(value, &number)) {
            snprintf(reason, reason_size, "invalid_field: %s is not an integer (%s)",
                     columns[column], value);
            return false;
        }
        lty_jw_kv_int(&writer, columns[column], number);
    }
    lty_jw_object_end(&writer);
    return true;
}

static int row_take(import_t *import, csv_row_t *row)
{
    char reason[256] = "";
    if (row->fields_count != import->header_count) {
        snprintf(reason, sizeof(reason), "missing_column: the row has %zu fields, the header %zu",
                 row->fields_count, import->header_count);
    }
    for (size_t field = 0; reason[0] == '\0' && field < row->fields_count; field++) {
        if (!utf8_valid(row->fields[field])) {
            snprintf(reason, sizeof(reason), "invalid_utf8: field %zu is not valid UTF-8",
                     field + 1);
        }
    }
    lty_buf_t member;
    lty_buf_init(&member, LTY_HTTP_BODY_BYTES_MAX);
    if (reason[0] == '\0') (void)row_render(import, row, &member, reason, sizeof(reason));
    int exit_code = LTY_CLI_EXIT_OK;
    if (reason[0] != '\0') {
        reject_write(import, row->raw, reason);
        import->rows_done++;
    } else {
        if ((int64_t)import->batch_count >= import->batch_rows_max ||
            import->body.size + member.size + 8 > BATCH_BODY_BYTES_MAX) {
            exit_code = batch_send(import);
        }
        if (import->batch_count > 0) lty_buf_append_str(&import->body, ",");
        lty_buf_append(&import->body, member.data, member.size);
        import->batch_raw[import->batch_count++] = row->raw;
        row->raw = NULL; /* the batch owns it now */
    }
    lty_buf_deinit(&member);
    return exit_code;
}

static int header_read(import_t *import)
{
    csv_row_t row;
    memset(&row, 0, sizeof(row));
    if (!csv_read(import, &row)) return lty_cli_usage_error(import->cli, "the file is empty");
    import->header_count = row.fields_count;
    int exit_code = LTY_CLI_EXIT_OK;
    for (size_t column = 0; column < COLUMNS_COUNT; column++) {
        import->order[column] = -1;
        for (size_t field = 0; field < row.fields_count; field++) {
            if (strcmp(row.fields[field], columns[column]) == 0) import->order[column] = (int)field;
        }
        if (import->order[column] < 0) {
            exit_code = lty_cli_usage_error(import->cli, "the header has no column %s (it must "
                                            "be name,phone,email,card_no,tier,points,"
                                            "prepaid_cents)", columns[column]);
            break;
        }
    }
    if (exit_code == LTY_CLI_EXIT_OK && row.fields_count != COLUMNS_COUNT) {
        exit_code = lty_cli_usage_error(import->cli, "the header has %zu columns; it must be "
                                        "name,phone,email,card_no,tier,points,prepaid_cents",
                                        row.fields_count);
    }
    if (exit_code == LTY_CLI_EXIT_OK && import->rejects != NULL) {
        fprintf(import->rejects, "%s,reason\n", row.raw);
    }
    csv_row_free(&row);
    return exit_code;
}

static uint64_t lines_count(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    uint64_t count = 0;
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), file)) > 0) {
        for (size_t index = 0; index < got; index++) count += chunk[index] == '\n';
    }
    fclose(file);
    return count > 0 ? count - 1 : 0;
}

static void summary_print(const import_t *import)
{
    bool dry = lty_cli_flag(import->cli, LTY_OPT_DRY_RUN);
    printf("%s%" PRIu64 " rows: %" PRIu64 " %s, %" PRIu64 " rejected%s%s%s; %" PRIu64
           " requests (%" PRIu64 " answered from an earlier run of the same rows)\n",
           dry ? "dry run, nothing was changed: " : "", import->rows_done, import->created,
           dry ? "would be created" : "created", import->rejected,
           import->rejected > 0 ? " (see " : "", import->rejected > 0 ? import->rejects_path : "",
           import->rejected > 0 ? ")" : "", import->requests, import->replayed);
}

int lty_cli_member_import(lty_cli_t *cli)
{
    static import_t import;
    memset(&import, 0, sizeof(import));
    import.cli = cli;
    import.batch_rows_max = BATCH_ROWS_MAX;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_BATCH, 1, BATCH_ROWS_MAX, &import.batch_rows_max);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    const char *path = cli->args[0];
    import.in = fopen(path, "r");
    if (import.in == NULL) return lty_cli_fail("cannot read %s", path);
    char rejects_path[LTY_CLI_PATH_SIZE];
    if (lty_cli_opt(cli, LTY_OPT_REJECTS) != NULL) {
        snprintf(rejects_path, sizeof(rejects_path), "%s", lty_cli_opt(cli, LTY_OPT_REJECTS));
    } else {
        snprintf(rejects_path, sizeof(rejects_path), "%s.rejects.csv", path);
    }
    import.rejects_path = rejects_path;
    import.rejects = fopen(rejects_path, "w");
    if (import.rejects == NULL) {
        fclose(import.in);
        return lty_cli_fail("cannot create %s", rejects_path);
    }
    import.rows_total = lines_count(path);
    import.tty = isatty(STDERR_FILENO) == 1;
    import.started_ms = lty_clock_monotonic_ms();
    lty_buf_init(&import.body, LTY_HTTP_BODY_BYTES_MAX);
    batch_reset(&import);
    exit_code = header_read(&import);
    csv_row_t row;
    memset(&row, 0, sizeof(row));
    while (exit_code == LTY_CLI_EXIT_OK && csv_read(&import, &row)) {
        if (!(row.fields_count == 1 && row.line_size == 0)) exit_code = row_take(&import, &row);
        csv_row_free(&row);
    }
    if (exit_code == LTY_CLI_EXIT_OK) exit_code = batch_send(&import);
    batch_reset(&import);
    lty_buf_deinit(&import.body);
    fclose(import.in);
    if (fclose(import.rejects) != 0 && exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_fail("cannot write %s", rejects_path);
    }
    import.rows_total = import.rows_done;
    if (import.tty) progress_show(&import, true);
    summary_print(&import);
    if (exit_code == LTY_CLI_EXIT_OK && import.rejected > 0) exit_code = LTY_CLI_EXIT_FAILED;
    return exit_code;
}

/* ---- Export -------------------------------------------------------------------------------- */

static int export_page(const lty_cli_t *cli, FILE *out, uint64_t *after, uint64_t *written)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/admin/exports/members?limit=1000&after=%" PRIu64, *after);
    lty_buf_t response;
    lty_buf_init(&response, 8 * 1024 * 1024);
    int exit_code = lty_cli_api_get(cli, path, &response);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 8, &doc, &diag) != 0) {
        exit_code = lty_cli_fail("export: the daemon's answer is not JSON");
    }
    const lty_json_node_t *root = doc != NULL ? lty_json_doc_root(doc) : NULL;
    const lty_json_node_t *members = lty_json_member(root, "members");
    char text[FIELD_BYTES_MAX];
    for (size_t index = 0; exit_code == LTY_CLI_EXIT_OK && index < lty_json_count(members);
         index++) {
        const lty_json_node_t *member = lty_json_item(members, index);
        for (size_t column = 0; column < COLUMNS_COUNT; column++) {
            lty_json_node_scalar_text(lty_json_member(member, columns[column]), text,
                                      sizeof(text));
            lty_cli_csv_field(out, text, column + 1 == COLUMNS_COUNT);
        }
        (*written)++;
    }
    int64_t next = 0;
    *after = exit_code == LTY_CLI_EXIT_OK &&
                     lty_json_node_int(lty_json_member(root, "next_after"), &next) && next > 0
                 ? (uint64_t)next
                 : 0;
    lty_json_doc_free(doc);
    lty_buf_deinit(&response);
    return exit_code;
}

int lty_cli_member_export(lty_cli_t *cli)
{
    const char *path = cli->args[0];
    FILE *out = fopen(path, "w");
    if (out == NULL) return lty_cli_fail("cannot create %s", path);
    fprintf(out, "name,phone,email,card_no,tier,points,prepaid_cents\n");
    uint64_t after = 0, written = 0;
    int exit_code = LTY_CLI_EXIT_OK;
    do {
        exit_code = export_page(cli, out, &after, &written);
    } while (exit_code == LTY_CLI_EXIT_OK && after != 0);
    if (fclose(out) != 0 && exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_fail("cannot write %s", path);
    }
    if (exit_code == LTY_CLI_EXIT_OK) printf("%" PRIu64 " members written to %s\n", written, path);
    return exit_code;
}
