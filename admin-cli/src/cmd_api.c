/* SPDX-License-Identifier: MIT */
/* loyaltyctl commands that talk to a running loyaltyd over the same mutual-TLS API the tills
 * use. One request per command; mutating requests carry an Idempotency-Key (random, or
 * --idempotency-key so a script can retry safely). The daemon's JSON answer is printed as is
 * (--json) or as "key: value" lines; an error document becomes "loyaltyctl: CODE: message" on
 * stderr and exit code 1. */
#include "cli.h"
#include "config.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"
#include "lty/lty_httpc.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct api_call_s {
    const char *method;
    const char *path;
    const lty_buf_t *body; /* NULL for none */
    bool mutating;
    const char *idempotency_key; /* NULL: --idempotency-key or a random one */
    lty_buf_t *response_out;     /* NULL: print the answer; else append its body here */
} api_call_t;

/* The HTTP client and its TLS sessions log through the caller's callback only; loyaltyctl owns
 * its process, so their lines join its own log (stderr, WARN and above: see main.c). */
static void api_log_forward(int level, const char *message, void *userdata)
{
    (void)userdata;
    LTY_LOG(level, "%s", message);
}

static int api_client_open(const lty_cli_t *cli, lty_httpc_t *httpc)
{
    char ca[LTY_CLI_PATH_SIZE], cert[LTY_CLI_PATH_SIZE], key[LTY_CLI_PATH_SIZE];
    char conf[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, "tls/ca.crt", ca, sizeof(ca));
    lty_cli_data_path(cli, "tls/demo-operator.crt", cert, sizeof(cert));
    lty_cli_data_path(cli, "tls/demo-operator.key", key, sizeof(key));
    lty_cli_data_path(cli, "loyaltyd.conf", conf, sizeof(conf));
    lty_config_t config;
    lty_config_defaults(&config);
    lty_diag_t diag;
    if (cli->port == 0 && cli->data_dir != NULL && lty_config_load(conf, &config, &diag) != 0) {
        return lty_cli_fail("%s: %s", conf, diag.detail);
    }
    lty_httpc_options_t options = {
        .host = cli->host != NULL ? cli->host : config.listen_host,
        .port = (uint16_t)(cli->port != 0 ? cli->port : config.listen_port),
        .ca_cert_path = cli->ca_path != NULL ? cli->ca_path : ca,
        .cert_path = cli->cert_path != NULL ? cli->cert_path : cert,
        .key_path = cli->key_path != NULL ? cli->key_path : key,
        .log_cb = api_log_forward,
    };
    int err = lty_httpc_init(httpc, &options);
    if (err != 0) {
        return lty_cli_fail("cannot load credentials (%s, %s): %s", options.ca_cert_path,
                            options.cert_path, lty_strerror(err));
    }
    return LTY_CLI_EXIT_OK;
}

/* Print a JSON object's members one per line; nested values are printed as compact JSON. */
static void print_human(const char *body, size_t size)
{
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (lty_json_parse(body, size, 16, &doc, &diag) != 0) {
        fwrite(body, 1, size, stdout);
        fputc('\n', stdout);
        return;
    }
    /* The API's documents are small and flat enough that the raw JSON reads well. */
    lty_json_doc_free(doc);
    fwrite(body, 1, size, stdout);
    fputc('\n', stdout);
}

static int print_error(const lty_cli_t *cli, int status, const lty_buf_t *body)
{
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    const char *code = "unknown", *message = "unexpected response";
    if (body->size > 0 && lty_json_parse(body->data, body->size, 8, &doc, &diag) == 0) {
        const lty_json_node_t *error = lty_json_member(lty_json_doc_root(doc), "error");
        const char *found_code = lty_json_node_string(lty_json_member(error, "code"));
        const char *found_message = lty_json_node_string(lty_json_member(error, "message"));
        if (found_code != NULL) code = found_code;
        if (found_message != NULL) message = found_message;
    }
    if (cli->json && body->size > 0) {
        fwrite(body->data, 1, body->size, stdout);
        fputc('\n', stdout);
    }
    lty_cli_fail("%d %s: %s", status, code, message);
    lty_json_doc_free(doc);
    return LTY_CLI_EXIT_FAILED;
}

static int api_call(const lty_cli_t *cli, const api_call_t *call)
{
    lty_httpc_t httpc;
    int exit_code = api_client_open(cli, &httpc);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    char key[40] = {0};
    if (call->mutating && cli->idempotency_key == NULL) {
        uint8_t random[16];
        if (lty_crypto_random(random, sizeof(random)) != 0) return lty_cli_fail("no randomness");
        for (size_t index = 0; index < sizeof(random); index++) {
            snprintf(key + 2 * index, 3, "%02x", random[index]);
        }
    }
    lty_httpc_request_t request = {
        .method = call->method,
        .path = call->path,
        .idempotency_key = !call->mutating          ? NULL
                           : call->idempotency_key ? call->idempotency_key
                           : cli->idempotency_key  ? cli->idempotency_key
                                                   : key,
        .content_type = call->body != NULL ? "application/json" : NULL,
        .body = call->body != NULL ? call->body->data : NULL,
        .body_size = call->body != NULL ? call->body->size : 0,
    };
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, 4 * 1024 * 1024);
    int err = lty_httpc_request(&httpc, &request, &response);
    if (err != 0) {
        exit_code = lty_cli_fail("%s %s: %s", call->method, call->path, lty_strerror(err));
    } else if (response.status >= 200 && response.status < 300) {
        if (call->response_out != NULL) {
            lty_buf_append(call->response_out, response.body.data, response.body.size);
        } else if (cli->json) {
            fwrite(response.body.data, 1, response.body.size, stdout);
            fputc('\n', stdout);
        } else {
            print_human(response.body.data, response.body.size);
        }
    } else {
        exit_code = print_error(cli, response.status, &response.body);
    }
    lty_buf_deinit(&response.body);
    lty_httpc_deinit(&httpc);
    return exit_code;
}

int lty_cli_api_get(const lty_cli_t *cli, const char *path, lty_buf_t *response_out)
{
    api_call_t call = {.method = "GET", .path = path, .response_out = response_out};
    return api_call(cli, &call);
}

int lty_cli_health(lty_cli_t *cli)
{
    api_call_t call = {.method = "GET", .path = "/healthz"};
    return api_call(cli, &call);
}

int lty_cli_member_create(lty_cli_t *cli)
{
    if (cli->name == NULL || cli->phone == NULL) {
        fprintf(stderr, "usage: loyaltyctl member create --name NAME --phone PHONE [--email E]\n");
        return LTY_CLI_EXIT_USAGE;
    }
    lty_buf_t body;
    lty_buf_init(&body, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "name", cli->name);
    lty_jw_kv_string(&writer, "phone", cli->phone);
    if (cli->email != NULL) lty_jw_kv_string(&writer, "email", cli->email);
    lty_jw_object_end(&writer);
    api_call_t call = {.method = "POST", .path = "/v1/admin/members", .body = &body,
                       .mutating = true};
    int exit_code = api_call(cli, &call);
    lty_buf_deinit(&body);
    return exit_code;
}

static int member_path(const lty_cli_t *cli, const char *suffix, char *path, size_t size)
{
    uint64_t member_id = 0;
    if (!lty_cli_parse_id(cli->args[0], &member_id)) {
        fprintf(stderr, "loyaltyctl: MEMBER_ID must be a positive integer\n");
        return LTY_CLI_EXIT_USAGE;
    }
    snprintf(path, size, "/v1/admin/members/%" PRIu64 "%s", member_id, suffix);
    return LTY_CLI_EXIT_OK;
}

int lty_cli_member_show(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    api_call_t call = {.method = "GET", .path = path};
    return api_call(cli, &call);
}

int lty_cli_card_issue(lty_cli_t *cli)
{
    char path[128];
    int exit_code = member_path(cli, "/cards", path, sizeof(path));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_buf_t body;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, "{}");
    api_call_t call = {.method = "POST", .path = path, .body = &body, .mutating = true};
    exit_code = api_call(cli, &call);
    lty_buf_deinit(&body);
    return exit_code;
}

int lty_cli_journal(lty_cli_t *cli)
{
    char path[192], base[128];
    int exit_code = member_path(cli, "/journal", base, sizeof(base));
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    int used = snprintf(path, sizeof(path), "%s?limit=%" PRId64, base,
                        cli->limit > 0 ? cli->limit : 50);
    if (cli->after > 0 && used > 0) {
        snprintf(path + used, sizeof(path) - (size_t)used, "&after=%" PRId64, cli->after);
    }
    api_call_t call = {.method = "GET", .path = path};
    return api_call(cli, &call);
}

int lty_cli_adjust(lty_cli_t *cli)
{
    uint64_t member_id = 0;
    int64_t points = 0;
    if (!lty_cli_parse_id(cli->args[0], &member_id) || !lty_cli_parse_int(cli->args[1], &points) ||
        cli->reason == NULL) {
        fprintf(stderr, "usage: loyaltyctl adjust MEMBER_ID POINTS --reason TEXT\n");
        return LTY_CLI_EXIT_USAGE;
    }
    lty_buf_t body;
    lty_buf_init(&body, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
    lty_jw_kv_int(&writer, "points", points);
    lty_jw_kv_string(&writer, "reason", cli->reason);
    lty_jw_object_end(&writer);
    api_call_t call = {.method = "POST", .path = "/v1/admin/adjustments", .body = &body,
                       .mutating = true};
    int exit_code = api_call(cli, &call);
    lty_buf_deinit(&body);
    return exit_code;
}

/* ---- cards batch ---------------------------------------------------------------- */

/* One request of up to LTY_CARD_BATCH_MAX numbers; appends them to out as CSV lines. */
static int cards_batch_chunk(const lty_cli_t *cli, const char *key, int64_t count, FILE *out)
{
    char body_text[64];
    snprintf(body_text, sizeof(body_text), "{\"count\":%" PRId64 "}", count);
    lty_buf_t body, response;
    lty_buf_init(&body, 64);
    lty_buf_append_str(&body, body_text);
    lty_buf_init(&response, 64 * 1024);
    api_call_t call = {.method = "POST", .path = "/v1/admin/cards/batches", .body = &body,
                       .mutating = true, .idempotency_key = key, .response_out = &response};
    int exit_code = api_call(cli, &call);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 8, &doc, &diag) != 0) {
        exit_code = lty_cli_fail("cards batch: the daemon's answer is not JSON");
    }
    const lty_json_node_t *cards = doc != NULL ? lty_json_member(lty_json_doc_root(doc), "cards")
                                               : NULL;
    size_t found = cards != NULL ? lty_json_count(cards) : 0;
    if (exit_code == LTY_CLI_EXIT_OK && found != (size_t)count) {
        exit_code = lty_cli_fail("cards batch: asked for %" PRId64 " numbers, got %zu", count,
                                 found);
    }
    for (size_t index = 0; exit_code == LTY_CLI_EXIT_OK && index < found; index++) {
        const char *card_no = lty_json_node_string(lty_json_item(cards, index));
        if (card_no == NULL || fprintf(out, "%s\n", card_no) < 0) {
            exit_code = lty_cli_fail("cards batch: cannot write a number");
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
int lty_cli_cards_batch(lty_cli_t *cli)
{
    if (cli->count < 1 || cli->count > LTY_CARD_BATCH_CLI_MAX || cli->out_dir == NULL) {
        fprintf(stderr, "usage: loyaltyctl cards batch --count N (1..%d) --out FILE.csv\n",
                LTY_CARD_BATCH_CLI_MAX);
        return LTY_CLI_EXIT_USAGE;
    }
    char base[LTY_IDEMPOTENCY_KEY_BYTES_MAX - 8 + 1];
    if (cli->idempotency_key != NULL) {
        snprintf(base, sizeof(base), "%s", cli->idempotency_key);
    } else {
        uint8_t random[16];
        if (lty_crypto_random(random, sizeof(random)) != 0) return lty_cli_fail("no randomness");
        for (size_t index = 0; index < sizeof(random); index++) {
            snprintf(base + 2 * index, 3, "%02x", random[index]);
        }
    }
    FILE *out = fopen(cli->out_dir, "w");
    if (out == NULL) return lty_cli_fail("cannot create %s", cli->out_dir);
    int exit_code = fprintf(out, "card_no\n") < 0 ? LTY_CLI_EXIT_FAILED : LTY_CLI_EXIT_OK;
    for (int64_t done = 0, chunk = 0; exit_code == LTY_CLI_EXIT_OK && done < cli->count; chunk++) {
        int64_t count = cli->count - done < LTY_CARD_BATCH_MAX ? cli->count - done
                                                               : LTY_CARD_BATCH_MAX;
        char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 32]; /* base <= 56 bytes + "-" + <= 4 digits */
        snprintf(key, sizeof(key), "%s-%" PRId64, base, chunk);
        exit_code = cards_batch_chunk(cli, key, count, out);
        done += count;
    }
    if (fclose(out) != 0 && exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_fail("cannot write %s", cli->out_dir);
    }
    if (exit_code == LTY_CLI_EXIT_OK) {
        printf("%" PRId64 " card numbers written to %s\n", cli->count, cli->out_dir);
    }
    return exit_code;
}
