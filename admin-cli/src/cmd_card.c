/* SPDX-License-Identifier: MIT */
/* loyaltyctl card commands over the admin API: issue, batch (printed numbers into a CSV file),
 * lost, replace, extend and pin-reset. */
#include "cli.h"
#include "lty/lty_card.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* "/v1/admin/cards/NUMBER/<action>" after checking the number's syntax and check digit. */
static int card_path(const lty_cli_t *cli, const char *action, char *path, size_t size)
{
    const char *card_no = cli->args[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        return lty_cli_usage_error(cli, "CARD_NO must be 12 to 19 digits with a valid check "
                                        "digit");
    }
    snprintf(path, size, "/v1/admin/cards/%s/%s", card_no, action);
    return LTY_CLI_EXIT_OK;
}

static int card_post(const lty_cli_t *cli, const char *action, lty_buf_t *body)
{
    char path[128];
    int exit_code = card_path(cli, action, path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) {
        lty_buf_deinit(body);
        return exit_code;
    }
    return lty_cli_api_send(cli, "POST", path, body);
}

int lty_cli_card_issue(lty_cli_t *cli)
{
    uint64_t member_id = 0;
    if (!lty_cli_parse_id(cli->args[0], &member_id)) {
        return lty_cli_usage_error(cli, "MEMBER_ID must be a positive integer");
    }
    char path[128];
    snprintf(path, sizeof(path), "/v1/admin/members/%" PRIu64 "/cards", member_id);
    lty_buf_t body;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, "{}");
    return lty_cli_api_send(cli, "POST", path, &body);
}

int lty_cli_card_lost(lty_cli_t *cli)
{
    lty_buf_t body;
    lty_buf_init(&body, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    if (lty_cli_opt(cli, LTY_OPT_REASON)) {
        lty_jw_kv_string(&writer, "reason", lty_cli_opt(cli, LTY_OPT_REASON));
    }
    lty_jw_object_end(&writer);
    return card_post(cli, "lost", &body);
}

int lty_cli_card_replace(lty_cli_t *cli)
{
    lty_buf_t body;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, "{}");
    return card_post(cli, "replace", &body);
}

int lty_cli_card_extend(lty_cli_t *cli)
{
    int64_t days = 0;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_DAYS, 1, 36500, &days);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_buf_t body;
    lty_buf_init(&body, 64);
    if (days > 0) lty_buf_appendf(&body, "{\"days\":%" PRId64 "}", days);
    else lty_buf_append_str(&body, "{}");
    return card_post(cli, "extend", &body);
}

int lty_cli_card_pin_reset(lty_cli_t *cli)
{
    lty_buf_t body;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, "{}");
    return card_post(cli, "pin-reset", &body);
}

/* ---- card batch ------------------------------------------------------------------------- */

/* One request of up to LTY_CARD_BATCH_MAX numbers; appends them to out as CSV lines. */
static int batch_chunk(const lty_cli_t *cli, const char *key, int64_t count, FILE *out)
{
    lty_buf_t body, response;
    lty_buf_init(&body, 64);
    lty_buf_appendf(&body, "{\"count\":%" PRId64 "}", count);
    lty_buf_init(&response, 64 * 1024);
    lty_cli_call_t call = {.method = "POST", .path = "/v1/admin/cards/batches", .body = &body,
                           .mutating = true, .idempotency_key = key, .response_out = &response};
    int exit_code = lty_cli_api_call(cli, &call);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 8, &doc, &diag) != 0) {
        exit_code = lty_cli_fail("card batch: the daemon's answer is not JSON");
    }
    const lty_json_node_t *cards = doc != NULL ? lty_json_member(lty_json_doc_root(doc), "cards")
                                               : NULL;
    size_t found = cards != NULL ? lty_json_count(cards) : 0;
    if (exit_code == LTY_CLI_EXIT_OK && found != (size_t)count) {
        exit_code = lty_cli_fail("card batch: asked for %" PRId64 " numbers, got %zu", count,
                                 found);
    }
    for (size_t index = 0; exit_code == LTY_CLI_EXIT_OK && index < found; index++) {
        const char *card_no = lty_json_node_string(lty_json_item(cards, index));
        if (card_no == NULL || fprintf(out, "%s\n", card_no) < 0) {
            exit_code = lty_cli_fail("card batch: cannot write a number");
        }
    }
    lty_json_doc_free(doc);
    lty_buf_deinit(&response);
    lty_buf_deinit(&body);
    return exit_code;
}

/* Numbers are minted by the daemon in requests of LTY_CARD_BATCH_MAX; request i carries the
 * idempotency key "<base>-<i>", so rerunning with the same --idempotency-key after a failure
 * gets the same numbers back instead of minting new ones. */
int lty_cli_card_batch(lty_cli_t *cli)
{
    int64_t count = 0;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_CARDS_COUNT, 1, LTY_CARD_BATCH_CLI_MAX, &count);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    char base[LTY_IDEMPOTENCY_KEY_BYTES_MAX - 8 + 1];
    const char *given = lty_cli_opt(cli, LTY_OPT_IDEMPOTENCY_KEY);
    if (given != NULL) {
        snprintf(base, sizeof(base), "%s", given);
    } else {
        exit_code = lty_cli_key_new(cli, "", base, sizeof(base));
        if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    }
    const char *path = lty_cli_opt(cli, LTY_OPT_OUT);
    FILE *out = fopen(path, "w");
    if (out == NULL) return lty_cli_fail("cannot create %s", path);
    exit_code = fprintf(out, "card_no\n") < 0 ? LTY_CLI_EXIT_FAILED : LTY_CLI_EXIT_OK;
    for (int64_t done = 0, chunk = 0; exit_code == LTY_CLI_EXIT_OK && done < count; chunk++) {
        int64_t size = count - done < LTY_CARD_BATCH_MAX ? count - done : LTY_CARD_BATCH_MAX;
        char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 32]; /* base <= 56 bytes + "-" + <= 4 digits */
        snprintf(key, sizeof(key), "%s-%" PRId64, base, chunk);
        exit_code = batch_chunk(cli, key, size, out);
        done += size;
    }
    if (fclose(out) != 0 && exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_fail("cannot write %s", path);
    }
    if (exit_code == LTY_CLI_EXIT_OK) {
        printf("%" PRId64 " card numbers written to %s\n", count, path);
    } else if (given == NULL) {
        fprintf(stderr, "loyaltyctl: to finish without minting twice, re-run with "
                        "--idempotency-key %s\n", base);
    }
    return exit_code;
}
