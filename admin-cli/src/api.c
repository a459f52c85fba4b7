/* SPDX-License-Identifier: MIT */
/* loyaltyctl's requests to a running loyaltyd over the same mutual-TLS API the tills use, with
 * the operator certificate. Owns: where the daemon is (--host/--port, else the running daemon's
 * port from DIR/loyaltyd.pid, else loyaltyd.conf), the idempotency keys of changing commands
 * (given, or made and logged before sending), --dry-run as ?dry_run=1, and the mapping of
 * outcomes to exit codes: a refusal prints "loyaltyctl: STATUS CODE: message" (exit 1), no
 * answer prints the transport error and, for a changing command, the key to re-run with
 * (exit 3). Printing answers is output.c's. */
#include "cli.h"
#include "config.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"
#include "lty/lty_httpc.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define RESPONSE_BYTES_MAX (8 * 1024 * 1024)

/* The port of the daemon serving DIR, from DIR/loyaltyd.pid ("PID PORT"), if it still runs. */
static int pid_file_port(const lty_cli_t *cli)
{
    if (cli->data_dir == NULL) return 0;
    char path[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, "loyaltyd.pid", path, sizeof(path));
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    long pid = 0, port = 0;
    int found = fscanf(file, "%ld %ld", &pid, &port);
    fclose(file);
    if (found != 2 || pid <= 0 || port <= 0 || port > 65535) return 0;
    if (kill((pid_t)pid, 0) != 0) return 0; /* stale: that daemon is gone */
    return (int)port;
}

/* The HTTP client and its TLS sessions log through the caller's callback only; loyaltyctl owns
 * its process, so their lines join its own log (stderr, WARN and above: see main.c). */
static void api_log_forward(int level, const char *message, void *userdata)
{
    (void)userdata;
    LTY_LOG(level, "%s", message);
}

static int client_open(const lty_cli_t *cli, lty_httpc_t *httpc)
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
    int64_t port = 0;
    const char *port_text = lty_cli_opt(cli, LTY_OPT_PORT);
    if (port_text != NULL && (!lty_cli_parse_int(port_text, &port) || port < 1 || port > 65535)) {
        return lty_cli_usage_error(cli, "--port must be 1..65535");
    }
    if (port == 0) port = pid_file_port(cli);
    if (port == 0 && cli->data_dir != NULL && lty_config_load(conf, &config, &diag) != 0) {
        fprintf(stderr, "loyaltyctl: %s: %s\n", conf, diag.detail);
        return LTY_CLI_EXIT_CONNECTION;
    }
    const char *host = lty_cli_opt(cli, LTY_OPT_HOST);
    lty_httpc_options_t options = {
        .host = host != NULL ? host : config.listen_host,
        .port = (uint16_t)(port != 0 ? port : config.listen_port),
        .ca_cert_path = lty_cli_opt(cli, LTY_OPT_CA) ? lty_cli_opt(cli, LTY_OPT_CA) : ca,
        .cert_path = lty_cli_opt(cli, LTY_OPT_CERT) ? lty_cli_opt(cli, LTY_OPT_CERT) : cert,
        .key_path = lty_cli_opt(cli, LTY_OPT_KEY) ? lty_cli_opt(cli, LTY_OPT_KEY) : key,
        .log_cb = api_log_forward,
    };
    int err = lty_httpc_init(httpc, &options);
    if (err != 0) {
        fprintf(stderr, "loyaltyctl: cannot load credentials (%s, %s): %s\n",
                options.ca_cert_path, options.cert_path, lty_strerror(err));
        return LTY_CLI_EXIT_CONNECTION;
    }
    return LTY_CLI_EXIT_OK;
}

static void error_print(const lty_cli_t *cli, int status, const lty_buf_t *body)
{
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    const char *code = "unknown", *message = "unexpected response";
    const char *field = NULL;
    if (body->size > 0 && lty_json_parse(body->data, body->size, 8, &doc, &diag) == 0) {
        const lty_json_node_t *error = lty_json_member(lty_json_doc_root(doc), "error");
        const char *found_code = lty_json_node_string(lty_json_member(error, "code"));
        const char *found_message = lty_json_node_string(lty_json_member(error, "message"));
        field = lty_json_node_string(lty_json_member(error, "field"));
        if (found_code != NULL) code = found_code;
        if (found_message != NULL) message = found_message;
    }
    if (lty_cli_flag(cli, LTY_OPT_JSON) && body->size > 0) {
        fwrite(body->data, 1, body->size, stdout);
        fputc('\n', stdout);
    }
    fprintf(stderr, "loyaltyctl: %d %s: %s%s%s%s\n", status, code, message,
            field != NULL && field[0] ? " (" : "", field != NULL ? field : "",
            field != NULL && field[0] ? ")" : "");
    lty_json_doc_free(doc);
}

void lty_cli_query_add(char *path, size_t path_size, const char *name, const char *value)
{
    LTY_ASSERT(path != NULL && name != NULL && value != NULL);
    size_t used = strlen(path);
    LTY_ASSERT(used < path_size);
    int written = snprintf(path + used, path_size - used, "%c%s=", strchr(path, '?') ? '&' : '?',
                           name);
    if (written < 0) return;
    used += (size_t)written;
    for (const unsigned char *c = (const unsigned char *)value; *c != '\0' && used + 4 < path_size;
         c++) {
        bool plain = (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= 'a' && *c <= 'z') || *c == '-' || *c == '_' || *c == '.';
        if (plain) {
            path[used++] = (char)*c;
        } else {
            snprintf(path + used, path_size - used, "%%%02X", *c);
            used += 3;
        }
    }
    path[used < path_size ? used : path_size - 1] = '\0';
}

int lty_cli_key_new(const lty_cli_t *cli, const char *suffix, char *key_out, size_t key_size)
{
    uint8_t random[8];
    if (lty_crypto_random(random, sizeof(random)) != 0) return lty_cli_fail("no randomness");
    char hex[17];
    for (size_t index = 0; index < sizeof(random); index++) {
        snprintf(hex + 2 * index, 3, "%02x", random[index]);
    }
    snprintf(key_out, key_size, "ctl-%s%s%s", hex, suffix[0] ? "-" : "", suffix);
    LTY_ASSERT(strlen(key_out) <= LTY_IDEMPOTENCY_KEY_BYTES_MAX);
    /* Persist before sending, so a lost answer can be re-run with the same key. */
    char path[LTY_CLI_PATH_SIZE];
    const char *home = getenv("HOME");
    if (cli->data_dir != NULL) lty_cli_data_path(cli, "ctl-keys.log", path, sizeof(path));
    else snprintf(path, sizeof(path), "%s/.loyaltyctl-keys.log", home ? home : ".");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return LTY_CLI_EXIT_OK; /* the key is still printed when an answer is lost */
    char line[1024], when[40];
    lty_clock_format(lty_clock_now_ms(), when, sizeof(when));
    char words[64] = "";
    if (cli->command != NULL) {
        snprintf(words, sizeof(words), "%s %s", cli->command->noun,
                 cli->command->verb ? cli->command->verb : "");
    }
    int size = snprintf(line, sizeof(line), "%s %s %s", when, key_out, words);
    for (int index = 0; index < cli->args_count && size > 0 && (size_t)size < sizeof(line);
         index++) {
        size += snprintf(line + size, sizeof(line) - (size_t)size, " %s", cli->args[index]);
    }
    if (size > 0 && (size_t)size < sizeof(line) - 1) {
        line[size++] = '\n';
        if (write(fd, line, (size_t)size) != size) { /* best effort */
        }
        (void)fsync(fd);
    }
    close(fd);
    return LTY_CLI_EXIT_OK;
}

static int answer_handle(const lty_cli_t *cli, lty_cli_call_t *call,
                         const lty_httpc_response_t *response)
{
    call->status_out = response->status;
    call->replayed_out = response->idempotent_replayed;
    if (response->status < 200 || response->status >= 300) {
        if (!call->quiet_errors) error_print(cli, response->status, &response->body);
        if (call->response_out != NULL && call->quiet_errors) {
            lty_buf_append(call->response_out, response->body.data, response->body.size);
        }
        return LTY_CLI_EXIT_FAILED;
    }
    if (call->response_out != NULL) {
        lty_buf_append(call->response_out, response->body.data, response->body.size);
        return LTY_CLI_EXIT_OK;
    }
    if (lty_cli_flag(cli, LTY_OPT_DRY_RUN) && !lty_cli_flag(cli, LTY_OPT_JSON)) {
        printf("dry run: nothing was changed; the daemon would answer:\n");
    }
    return lty_cli_print_document(cli, response->body.data, response->body.size, call->list_key);
}

int lty_cli_api_call(const lty_cli_t *cli, lty_cli_call_t *call)
{
    LTY_ASSERT(cli != NULL && call != NULL);
    call->status_out = 0;
    char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1] = "";
    const char *key_used = NULL;
    if (call->mutating) {
        key_used = call->idempotency_key != NULL ? call->idempotency_key
                                                 : lty_cli_opt(cli, LTY_OPT_IDEMPOTENCY_KEY);
        if (key_used == NULL) {
            int exit_code = lty_cli_key_new(cli, "", key, sizeof(key));
            if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
            key_used = key;
        }
    }
    char path[LTY_HTTP_URL_BYTES_MAX];
    snprintf(path, sizeof(path), "%s", call->path);
    if (call->mutating && lty_cli_flag(cli, LTY_OPT_DRY_RUN)) {
        lty_cli_query_add(path, sizeof(path), "dry_run", "1");
    }
    lty_httpc_t httpc;
    memset(&httpc, 0, sizeof(httpc));
    int exit_code = client_open(cli, &httpc);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_httpc_request_t request = {
        .method = call->method,
        .path = path,
        .idempotency_key = key_used,
        .content_type = call->body != NULL ? "application/json" : NULL,
        .body = call->body != NULL ? call->body->data : NULL,
        .body_size = call->body != NULL ? call->body->size : 0,
        .timeout_ms = 120000, /* bulk requests and reports take longer than a till's */
    };
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, RESPONSE_BYTES_MAX);
    int err = lty_httpc_request(&httpc, &request, &response);
    if (err != 0) {
        fprintf(stderr, "loyaltyctl: %s %s: %s\n", call->method, call->path, lty_strerror(err));
        if (call->mutating && httpc.request_written) {
            fprintf(stderr, "loyaltyctl: the answer was lost and the daemon may have applied "
                            "it: run the same command again with --idempotency-key %s\n",
                    key_used);
        }
        exit_code = LTY_CLI_EXIT_CONNECTION;
    } else {
        exit_code = answer_handle(cli, call, &response);
    }
    lty_buf_deinit(&response.body);
    lty_httpc_deinit(&httpc);
    return exit_code;
}

int lty_cli_api_get(const lty_cli_t *cli, const char *path, lty_buf_t *response_out)
{
    lty_cli_call_t call = {.method = "GET", .path = path, .response_out = response_out};
    return lty_cli_api_call(cli, &call);
}

int lty_cli_api_send(const lty_cli_t *cli, const char *method, const char *path, lty_buf_t *body)
{
    LTY_ASSERT(body != NULL);
    lty_cli_call_t call = {.method = method, .path = path, .body = body, .mutating = true};
    int exit_code = lty_buf_error(body) == 0 ? lty_cli_api_call(cli, &call)
                                             : lty_cli_usage_error(cli, "a value is too long");
    lty_buf_deinit(body);
    return exit_code;
}
