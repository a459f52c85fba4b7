/* SPDX-License-Identifier: MIT */
/* loyaltyctl credential commands: issue till and operator certificates from the programme CA
 * kept in DIR/tls, and revoke a certificate by adding its serial to DIR/tls/revoked.txt (the
 * daemon refuses listed serials at handshake; it rereads the file on SIGHUP). The CA key never
 * leaves DIR/tls. */
#include "cli.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "lty/lty_tls.h"

#include <stdio.h>
#include <string.h>

#define CERT_VALID_DAYS 825

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

static int issue(const lty_cli_t *cli, const lty_tls_subject_t *subject, const char *file_stem)
{
    char ca_cert[LTY_CLI_PATH_SIZE], ca_key[LTY_CLI_PATH_SIZE];
    char cert[LTY_CLI_PATH_SIZE + 64], key[LTY_CLI_PATH_SIZE + 64];
    lty_cli_data_path(cli, "tls/ca.crt", ca_cert, sizeof(ca_cert));
    lty_cli_data_path(cli, "tls/ca.key", ca_key, sizeof(ca_key));
    char out_dir[LTY_CLI_PATH_SIZE];
    if (cli->out_dir != NULL) {
        snprintf(out_dir, sizeof(out_dir), "%s", cli->out_dir);
    } else {
        lty_cli_data_path(cli, "tls", out_dir, sizeof(out_dir));
    }
    snprintf(cert, sizeof(cert), "%s/%s.crt", out_dir, file_stem);
    snprintf(key, sizeof(key), "%s/%s.key", out_dir, file_stem);
    char serial[41] = {0};
    int err = lty_tls_cert_issue(ca_cert, ca_key, subject, CERT_VALID_DAYS, cert, key, serial);
    if (err != 0) return lty_cli_fail("cannot issue %s: %s", cert, lty_strerror(err));
    if (cli->json) {
        printf("{\"cert\":\"%s\",\"key\":\"%s\",\"serial\":\"%s\"}\n", cert, key, serial);
    } else {
        printf("certificate: %s\nkey:         %s\nserial:      %s\n", cert, key, serial);
    }
    return LTY_CLI_EXIT_OK;
}

int lty_cli_till_add(lty_cli_t *cli)
{
    const char *store = cli->args[0], *till = cli->args[1];
    if (!id_is_valid(store, LTY_STORE_ID_BYTES_MAX) || !id_is_valid(till, LTY_TILL_ID_BYTES_MAX)) {
        fprintf(stderr, "loyaltyctl: STORE and TILL are 1-16 of A-Z a-z 0-9 - _ .\n");
        return LTY_CLI_EXIT_USAGE;
    }
    lty_tls_subject_t subject = {.role = LTY_ROLE_TILL, .name = till, .store = store};
    char stem[64];
    snprintf(stem, sizeof(stem), "till-%s-%s", store, till);
    return issue(cli, &subject, stem);
}

int lty_cli_operator_add(lty_cli_t *cli)
{
    const char *name = cli->args[0];
    if (!id_is_valid(name, LTY_OPERATOR_NAME_BYTES_MAX)) {
        fprintf(stderr, "loyaltyctl: NAME is 1-64 of A-Z a-z 0-9 - _ .\n");
        return LTY_CLI_EXIT_USAGE;
    }
    lty_tls_subject_t subject = {.role = LTY_ROLE_OPERATOR, .name = name, .store = NULL};
    char stem[96];
    snprintf(stem, sizeof(stem), "operator-%s", name);
    return issue(cli, &subject, stem);
}

int lty_cli_cert_revoke(lty_cli_t *cli)
{
    lty_tls_peer_t peer;
    int err = lty_tls_cert_peer(cli->args[0], &peer);
    if (err != 0) return lty_cli_fail("%s: not a readable certificate", cli->args[0]);
    char revoked[LTY_CLI_PATH_SIZE];
    lty_cli_data_path(cli, "tls/revoked.txt", revoked, sizeof(revoked));
    err = lty_tls_revoked_add(revoked, peer.serial_hex);
    if (err != 0) return lty_cli_fail("cannot update %s: %s", revoked, lty_strerror(err));
    printf("revoked serial %s (%s); send SIGHUP to loyaltyd to apply\n", peer.serial_hex,
           peer.name);
    return LTY_CLI_EXIT_OK;
}
