/* SPDX-License-Identifier: MIT */
/* loyaltyctl certificate commands, on the programme CA kept in DIR.ca/ (ca.crt, ca.key; or
 * --ca-dir): issue a till or operator bundle (certificate, key and the CA certificate, into --out,
 * created when missing; an operator's names their role, --role, in the subject's title), list
 * what was issued (DIR/tls/issued.tsv: serial, role, name, not-after date, certificate path, one
 * line per certificate, appended at issue), revoke (the serial goes to DIR/tls/revoked.txt and
 * the daemon is signalled to reload it: refused from the next handshake on) and rotate the
 * server certificate. The CA's private key never enters the data directory the daemon serves: a
 * stolen server would otherwise mint itself operator certificates (docs/security.md). */
#include "actor.h"
#include "cli.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "lty/lty_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CERT_VALID_DAYS 825
#define ISSUED_FILE "tls/issued.tsv"

static bool id_is_valid(const char *text, size_t size_max)
{
    size_t size = strlen(text);
    if (size == 0 || size > size_max) return false;
    for (size_t index = 0; index < size; index++) {
        char c = text[index];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

/* mkdir -p, mode 0700 for what it creates (the folder will hold a private key). */
static int dir_make(const char *path)
{
    char partial[LTY_CLI_PATH_SIZE];
    size_t size = strlen(path);
    if (size == 0 || size >= sizeof(partial)) return -1;
    memcpy(partial, path, size + 1);
    for (size_t index = 1; index <= size; index++) {
        if (partial[index] != '/' && partial[index] != '\0') continue;
        char saved = partial[index];
        partial[index] = '\0';
        if (mkdir(partial, 0700) != 0 && errno != EEXIST) return -1;
        partial[index] = saved;
    }
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode) ? 0 : -1;
}

/* Copies are made 0600: one of them is a private key (the server's, kept as server.key.old). */
static int file_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (in == NULL) return -1;
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && out == NULL) close(fd);
    int err = out == NULL ? -1 : 0;
    char chunk[4096];
    size_t got;
    while (err == 0 && (got = fread(chunk, 1, sizeof(chunk), in)) > 0) {
        if (fwrite(chunk, 1, got, out) != got) err = -1;
    }
    if (out != NULL && fclose(out) != 0) err = -1;
    fclose(in);
    return err;
}

static void issued_record(const lty_cli_t *cli, const char *serial, const char *role,
                          const char *name, int64_t valid_days, const char *cert_path)
{
    char path[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, ISSUED_FILE, path, sizeof(path));
    FILE *file = fopen(path, "a");
    if (file == NULL) return;
    char expires[40];
    lty_clock_format(lty_clock_now_ms() + valid_days * LTY_MS_PER_DAY, expires, sizeof(expires));
    expires[10] = '\0';
    fprintf(file, "%s\t%s\t%s\t%s\t%s\n", serial, role, name, expires, cert_path);
    fclose(file);
}

static int issue(const lty_cli_t *cli, const lty_tls_subject_t *subject, const char *file_stem,
                 const char *role, const char *display)
{
    int64_t valid_days = CERT_VALID_DAYS;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_DAYS_VALID, 1, 3650, &valid_days);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    char ca_cert[LTY_CLI_PATH_SIZE], ca_key[LTY_CLI_PATH_SIZE], out_dir[LTY_CLI_PATH_SIZE];
    char cert[LTY_CLI_PATH_SIZE + 64], key[LTY_CLI_PATH_SIZE + 64], ca[LTY_CLI_PATH_SIZE + 16];
    lty_cli_ca_path(cli, "ca.crt", ca_cert, sizeof(ca_cert));
    lty_cli_ca_path(cli, "ca.key", ca_key, sizeof(ca_key));
    if (lty_cli_opt(cli, LTY_OPT_OUT) != NULL) {
        snprintf(out_dir, sizeof(out_dir), "%s", lty_cli_opt(cli, LTY_OPT_OUT));
    } else {
        lty_cli_data_path(cli, "tls", out_dir, sizeof(out_dir));
    }
    if (dir_make(out_dir) != 0) {
        return lty_cli_fail("cannot create the folder %s: %s", out_dir, strerror(errno));
    }
    snprintf(cert, sizeof(cert), "%s/%s.crt", out_dir, file_stem);
    snprintf(key, sizeof(key), "%s/%s.key", out_dir, file_stem);
    snprintf(ca, sizeof(ca), "%s/ca.crt", out_dir);
    char serial[41] = {0};
    int err = lty_tls_cert_issue(ca_cert, ca_key, subject, (int)valid_days, cert, key, serial);
    if (err != 0) {
        return lty_cli_fail("cannot issue %s with the CA in %s: %s (--ca-dir names another)", cert,
                            ca_key, lty_strerror(err));
    }
    struct stat info;
    if (stat(ca, &info) != 0 && file_copy(ca_cert, ca) != 0) {
        return lty_cli_fail("cannot copy the CA certificate to %s", ca);
    }
    issued_record(cli, serial, role, display, valid_days, cert);
    if (lty_cli_flag(cli, LTY_OPT_JSON)) {
        printf("{\"cert\":\"%s\",\"key\":\"%s\",\"ca\":\"%s\",\"serial\":\"%s\"}\n", cert, key,
               ca, serial);
    } else {
        printf("certificate: %s\nkey:         %s\nca:          %s\nserial:      %s\n", cert, key,
               ca, serial);
    }
    return LTY_CLI_EXIT_OK;
}

int lty_cli_cert_till(lty_cli_t *cli)
{
    const char *store = cli->args[0], *till = cli->args[1];
    if (!id_is_valid(store, LTY_STORE_ID_BYTES_MAX) || !id_is_valid(till, LTY_TILL_ID_BYTES_MAX)) {
        return lty_cli_usage_error(cli, "STORE and TILL are 1-16 of A-Z a-z 0-9 - _ .");
    }
    lty_tls_subject_t subject = {.role = LTY_ROLE_TILL, .name = till, .store = store};
    char stem[64], display[40];
    snprintf(stem, sizeof(stem), "till-%s-%s", store, till);
    snprintf(display, sizeof(display), "%s/%s", store, till);
    return issue(cli, &subject, stem, "till", display);
}

int lty_cli_cert_operator(lty_cli_t *cli)
{
    const char *name = cli->args[0];
    if (!id_is_valid(name, LTY_OPERATOR_NAME_BYTES_MAX)) {
        return lty_cli_usage_error(cli, "NAME is 1-64 of A-Z a-z 0-9 - _ .");
    }
    const char *role = lty_cli_opt(cli, LTY_OPT_ROLE);
    if (role == NULL || lty_operator_role_parse(role, strlen(role)) == LTY_OPERATOR_ROLE_NONE) {
        return lty_cli_usage_error(cli, "cert operator needs --role viewer, supervisor, marketing, "
                                        "finance or admin (docs/security.md says what each may do)");
    }
    lty_tls_subject_t subject = {.role = LTY_ROLE_OPERATOR, .name = name, .store = NULL,
                                 .title = role};
    char stem[96];
    snprintf(stem, sizeof(stem), "operator-%s", name);
    return issue(cli, &subject, stem, "operator", name);
}

/* Whether serial (hex, any case, ':' allowed) is listed in DIR/tls/revoked.txt. */
static bool serial_revoked(const lty_cli_t *cli, const char *serial)
{
    char path[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, "tls/revoked.txt", path, sizeof(path));
    FILE *file = fopen(path, "r");
    if (file == NULL) return false;
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof(line), file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        found = strcasecmp(line, serial) == 0;
    }
    fclose(file);
    return found;
}

int lty_cli_cert_list(lty_cli_t *cli)
{
    char path[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, ISSUED_FILE, path, sizeof(path));
    FILE *file = fopen(path, "r");
    lty_buf_t doc;
    lty_buf_init(&doc, 16 * 1024 * 1024);
    lty_buf_append_str(&doc, "{\"certificates\":[");
    char line[2048], today[40];
    lty_clock_format(lty_clock_now_ms(), today, sizeof(today));
    today[10] = '\0';
    for (size_t count = 0; file != NULL && fgets(line, sizeof(line), file) != NULL;) {
        line[strcspn(line, "\r\n")] = '\0';
        char *fields[5] = {0};
        char *cursor = line;
        for (int index = 0; index < 5 && cursor != NULL; index++) {
            fields[index] = cursor;
            cursor = strchr(cursor, '\t');
            if (cursor != NULL) *cursor++ = '\0';
        }
        if (fields[4] == NULL) continue;
        const char *state = serial_revoked(cli, fields[0])        ? "revoked"
                            : strcmp(fields[3], today) < 0 ? "expired"
                                                                  : "valid";
        lty_buf_append_str(&doc, count++ > 0 ? "," : "");
        lty_buf_appendf(&doc, "{\"serial\":\"%s\",\"role\":\"%s\",\"name\":", fields[0],
                        fields[1]);
        lty_json_escape(&doc, fields[2], strlen(fields[2]));
        lty_buf_appendf(&doc, ",\"expires\":\"%s\",\"state\":\"%s\",\"file\":", fields[3], state);
        lty_json_escape(&doc, fields[4], strlen(fields[4]));
        lty_buf_append_str(&doc, "}");
    }
    if (file != NULL) fclose(file);
    lty_buf_append_str(&doc, "]}");
    int exit_code = lty_cli_print_document(cli, doc.data, doc.size, "certificates");
    lty_buf_deinit(&doc);
    return exit_code;
}

static void reload_after(const lty_cli_t *cli, const char *what)
{
    if (lty_cli_flag(cli, LTY_OPT_NO_RELOAD)) {
        printf("%s; the daemon applies it at its next reload (`loyaltyctl daemon reload`)\n",
               what);
        return;
    }
    int signalled = lty_cli_daemon_signal(cli->data_dir, SIGHUP);
    printf("%s; %s\n", what,
           signalled == 0 ? "the daemon was signalled to reload: new connections see it now"
                          : "no running daemon found: it applies at its next start");
}

int lty_cli_cert_revoke(lty_cli_t *cli)
{
    const char *what = cli->args[0];
    char serial[LTY_CLI_PATH_SIZE];
    lty_tls_peer_t peer;
    memset(&peer, 0, sizeof(peer));
    struct stat info;
    if (stat(what, &info) == 0) {
        if (lty_tls_cert_peer(what, &peer) != 0) {
            return lty_cli_fail("%s: not a readable certificate", what);
        }
        snprintf(serial, sizeof(serial), "%s", peer.serial_hex);
    } else {
        snprintf(serial, sizeof(serial), "%s", what);
    }
    char revoked[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, "tls/revoked.txt", revoked, sizeof(revoked));
    int err = lty_tls_revoked_add(revoked, serial);
    if (err == LTY_E_CONFIG) {
        return lty_cli_usage_error(cli, "%s is neither a certificate file nor a hex serial", what);
    }
    if (err != 0) return lty_cli_fail("cannot update %s: %s", revoked, lty_strerror(err));
    char done[LTY_CLI_PATH_SIZE + 128];
    snprintf(done, sizeof(done), "revoked serial %s%s%s%s", serial, peer.name[0] ? " (" : "",
             peer.name, peer.name[0] ? ")" : "");
    reload_after(cli, done);
    return LTY_CLI_EXIT_OK;
}

int lty_cli_cert_rotate(lty_cli_t *cli)
{
    int64_t valid_days = CERT_VALID_DAYS;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_DAYS_VALID, 1, 3650, &valid_days);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    char ca_cert[LTY_CLI_PATH_SIZE], ca_key[LTY_CLI_PATH_SIZE];
    char cert[LTY_CLI_PATH_SIZE], key[LTY_CLI_PATH_SIZE];
    char fresh_cert[LTY_CLI_PATH_SIZE + 8], fresh_key[LTY_CLI_PATH_SIZE + 8];
    char old_cert[LTY_CLI_PATH_SIZE + 8], old_key[LTY_CLI_PATH_SIZE + 8];
    lty_cli_ca_path(cli, "ca.crt", ca_cert, sizeof(ca_cert));
    lty_cli_ca_path(cli, "ca.key", ca_key, sizeof(ca_key));
    lty_cli_data_path(cli, "tls/server.crt", cert, sizeof(cert));
    lty_cli_data_path(cli, "tls/server.key", key, sizeof(key));
    snprintf(fresh_cert, sizeof(fresh_cert), "%s.new", cert);
    snprintf(fresh_key, sizeof(fresh_key), "%s.new", key);
    snprintf(old_cert, sizeof(old_cert), "%s.old", cert);
    snprintf(old_key, sizeof(old_key), "%s.old", key);
    remove(fresh_cert);
    remove(fresh_key);
    lty_tls_subject_t server = {.role = LTY_ROLE_SERVER, .name = "localhost"};
    char serial[41] = {0};
    int err = lty_tls_cert_issue(ca_cert, ca_key, &server, (int)valid_days, fresh_cert, fresh_key,
                                 serial);
    if (err != 0) {
        return lty_cli_fail("cannot issue a server certificate with the CA in %s: %s", ca_key,
                            lty_strerror(err));
    }
    /* The old pair stays beside the new one; each rename is atomic. */
    if (file_copy(cert, old_cert) != 0 || file_copy(key, old_key) != 0 ||
        rename(fresh_key, key) != 0 || rename(fresh_cert, cert) != 0) {
        return lty_cli_fail("cannot replace %s: %s", cert, strerror(errno));
    }
    issued_record(cli, serial, "server", "localhost", valid_days, cert);
    char done[128];
    snprintf(done, sizeof(done), "server certificate replaced (serial %s)", serial);
    reload_after(cli, done);
    return LTY_CLI_EXIT_OK;
}
