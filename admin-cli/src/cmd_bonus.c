/* SPDX-License-Identifier: MIT */
/* loyaltyctl bonus command: `bonus grant --points N --reason TEXT [--bonus-key KEY]
 * [--expires YYYY-MM-DD] (MEMBER_ID... | --members FILE)` grants points to members once per
 * member per key (POST /v1/admin/bonuses), in requests of LTY_BONUS_MEMBERS_MAX members, and
 * shows its progress on stderr.
 *
 * Why a key: a run that dies half way (the CLI, the network, the daemon) is simply run again
 * with the same --bonus-key: the daemon grants each member at most once per key, so the second
 * run grants exactly what the first did not, whatever requests were answered. Without
 * --bonus-key a fresh one is made and printed first (stderr), so it can be given to the rerun. */
#include "cli.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BONUS_MEMBERS_FILE_BYTES_MAX (64 * 1024 * 1024)
#define BONUS_KEY_GIVEN_BYTES_MAX 48 /* leaves room in the daemon's 64 for its own uses */

typedef struct bonus_run_s {
    const lty_cli_t *cli;
    char key[LTY_BONUS_KEY_BYTES_MAX + 1];
    int64_t points;
    size_t members_count;
    uint64_t *member_ids;
    int64_t granted;
    int64_t already;
    int64_t refused;
} bonus_run_t;

/* Member ids from the command line, or one per line from --members FILE. */
static int members_collect(const lty_cli_t *cli, lty_buf_t *ids_buf, bonus_run_t *run)
{
    lty_buf_t text;
    lty_buf_init(&text, BONUS_MEMBERS_FILE_BYTES_MAX + 4096);
    int exit_code = LTY_CLI_EXIT_OK;
    const char *file = lty_cli_opt(cli, LTY_OPT_MEMBERS);
    if (file != NULL) {
        exit_code = lty_cli_file_read(file, BONUS_MEMBERS_FILE_BYTES_MAX, &text);
    } else {
        for (int index = 0; index < cli->args_count; index++) {
            lty_buf_appendf(&text, "%s\n", cli->args[index]);
        }
    }
    lty_buf_append(&text, "", 1);
    char *line = text.data;
    while (exit_code == LTY_CLI_EXIT_OK && line != NULL && *line != '\0') {
        char *end = strchr(line, '\n');
        if (end != NULL) *end = '\0';
        if (end != NULL && end > line && end[-1] == '\r') end[-1] = '\0';
        uint64_t id = 0;
        if (line[0] != '\0' && !lty_cli_parse_id(line, &id)) {
            exit_code = lty_cli_fail("not a member id: %.32s", line);
        } else if (line[0] != '\0') {
            lty_buf_append(ids_buf, &id, sizeof(id));
        }
        line = end != NULL ? end + 1 : NULL;
    }
    lty_buf_deinit(&text);
    if (exit_code == LTY_CLI_EXIT_OK && lty_buf_error(ids_buf) != 0) {
        exit_code = lty_cli_fail("too many member ids");
    }
    run->member_ids = (uint64_t *)(void *)ids_buf->data;
    run->members_count = ids_buf->size / sizeof(uint64_t);
    return exit_code;
}

static int64_t array_count(const lty_json_node_t *root, const char *key)
{
    return (int64_t)lty_json_count(lty_json_member(root, key));
}

/* One request of the members [first, first + count). */
static int chunk_send(bonus_run_t *run, size_t first, size_t count)
{
    const lty_cli_t *cli = run->cli;
    lty_buf_t body, response;
    lty_buf_init(&body, LTY_HTTP_BODY_BYTES_MAX);
    lty_buf_init(&response, 64 * 1024);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "member_ids");
    lty_jw_array_begin(&writer);
    for (size_t index = first; index < first + count; index++) {
        lty_jw_int(&writer, (int64_t)run->member_ids[index]);
    }
    lty_jw_array_end(&writer);
    lty_jw_kv_int(&writer, "points", run->points);
    lty_jw_kv_string(&writer, "reason", cli->reason);
    lty_jw_kv_string(&writer, "bonus_key", run->key);
    const char *expires = lty_cli_opt(cli, LTY_OPT_EXPIRES);
    if (expires != NULL) lty_jw_kv_string(&writer, "expires_at", expires);
    lty_jw_object_end(&writer);
    /* Each request its own idempotency key: the bonus key, not the request, is what grants
     * once, so a rerun that cuts the list differently is as safe as one that does not. */
    char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1];
    int exit_code = lty_cli_key_new(cli, "bonus", key, sizeof(key));
    lty_cli_call_t call = {.method = "POST", .path = "/v1/admin/bonuses", .body = &body,
                           .mutating = true, .idempotency_key = key, .response_out = &response};
    if (exit_code == LTY_CLI_EXIT_OK) exit_code = lty_cli_api_call(cli, &call);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 4, &doc, &diag) != 0) {
        exit_code = lty_cli_fail("bonus grant: the daemon's answer is not JSON");
    }
    if (exit_code == LTY_CLI_EXIT_OK) {
        const lty_json_node_t *root = lty_json_doc_root(doc);
        run->granted += array_count(root, "granted");
        run->already += array_count(root, "already_granted");
        run->refused += array_count(root, "member_not_found") + array_count(root, "account_closed");
    }
    lty_json_doc_free(doc);
    lty_buf_deinit(&response);
    lty_buf_deinit(&body);
    return exit_code;
}

int lty_cli_bonus_grant(lty_cli_t *cli)
{
    bonus_run_t run = {.cli = cli};
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_POINTS, 1, LTY_POINTS_PER_TXN_MAX, &run.points);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    bool file = lty_cli_opt(cli, LTY_OPT_MEMBERS) != NULL;
    if (file == (cli->args_count > 0)) {
        return lty_cli_usage_error(cli, "give MEMBER_ID arguments or --members FILE");
    }
    const char *given = lty_cli_opt(cli, LTY_OPT_BONUS_KEY);
    if (given != NULL && (given[0] == '\0' || strlen(given) > BONUS_KEY_GIVEN_BYTES_MAX)) {
        return lty_cli_usage_error(cli, "--bonus-key is 1-%d characters",
                                   BONUS_KEY_GIVEN_BYTES_MAX);
    }
    if (given != NULL) {
        snprintf(run.key, sizeof(run.key), "%s", given);
    } else {
        exit_code = lty_cli_key_new(cli, "", run.key, sizeof(run.key));
        if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    }
    fprintf(stderr, "bonus key %s (rerun with --bonus-key %s to finish an interrupted run)\n",
            run.key, run.key);
    lty_buf_t ids;
    lty_buf_init(&ids, (size_t)8 * 16 * 1024 * 1024);
    exit_code = members_collect(cli, &ids, &run);
    for (size_t done = 0; exit_code == LTY_CLI_EXIT_OK && done < run.members_count;) {
        size_t left = run.members_count - done;
        size_t count = left < LTY_BONUS_MEMBERS_MAX ? left : LTY_BONUS_MEMBERS_MAX;
        exit_code = chunk_send(&run, done, count);
        done += count;
        fprintf(stderr, "\r%zu of %zu members: %" PRId64 " granted, %" PRId64
                        " had it already, %" PRId64 " not found or closed",
                done, run.members_count, run.granted, run.already, run.refused);
    }
    fputc('\n', stderr);
    lty_buf_deinit(&ids);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    char document[256];
    int size = snprintf(document, sizeof(document),
                        "{\"bonus_key\":\"%s\",\"granted\":%" PRId64 ",\"already_granted\":%" PRId64
                        ",\"refused\":%" PRId64 "}",
                        run.key, run.granted, run.already, run.refused);
    return lty_cli_print_document(cli, document, (size_t)size, NULL);
}
