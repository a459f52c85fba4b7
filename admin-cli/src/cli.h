/* SPDX-License-Identifier: MIT */
/**
 * @file cli.h
 * loyaltyctl's shared context: parsed global options, output helpers and the command table
 * entry type. Each cmd_*.c file implements one group of commands.
 *
 * Exit codes: 0 OK, 1 operating error (refused, unreachable, unsound ledger), 2 usage error.
 * Results go to stdout (human text, or the JSON document with --json); diagnostics to stderr.
 */
#ifndef LTY_CLI_H
#define LTY_CLI_H

#include "lty/lty_buf.h"

#include <stdbool.h>
#include <stdint.h>

#define LTY_CLI_EXIT_OK 0
#define LTY_CLI_EXIT_FAILED 1
#define LTY_CLI_EXIT_USAGE 2
#define LTY_CLI_PATH_SIZE 1024

typedef struct lty_cli_s {
    /* global options */
    const char *data_dir;        /* --data, $LOYALTYCTL_DATA */
    const char *host;            /* --host */
    int port;                    /* --port (0: from loyaltyd.conf) */
    const char *ca_path;         /* --ca */
    const char *cert_path;       /* --cert */
    const char *key_path;        /* --key */
    const char *idempotency_key; /* --idempotency-key */
    bool json;                   /* --json */
    bool demo;                   /* --demo (init) */
    /* command options */
    const char *name;
    const char *phone;
    const char *email;
    const char *reason;
    const char *out_dir;
    const char *store; /* --store (report) */
    const char *from;  /* --from YYYY-MM-DD (report) */
    const char *to;    /* --to YYYY-MM-DD (report) */
    int64_t after;
    int64_t limit;
    int64_t count;
    /* positional arguments after the command words */
    int args_count;
    char **args;
} lty_cli_t;

typedef int (*lty_cli_cmd_cb)(lty_cli_t *cli);

typedef struct lty_cli_command_s {
    const char *group;  /* "member" */
    const char *verb;   /* "create", or NULL for single-word commands */
    int args_min;
    int args_max;
    lty_cli_cmd_cb run;
    const char *usage;  /* "--name NAME --phone PHONE [--email EMAIL]" */
    const char *summary;
} lty_cli_command_t;

/* cmd_api.c: commands that talk to a running daemon. */
int lty_cli_member_create(lty_cli_t *cli);
int lty_cli_member_show(lty_cli_t *cli);
int lty_cli_card_issue(lty_cli_t *cli);
int lty_cli_journal(lty_cli_t *cli);
int lty_cli_adjust(lty_cli_t *cli);
int lty_cli_health(lty_cli_t *cli);
int lty_cli_cards_batch(lty_cli_t *cli);
/** GET path from the daemon: the body is appended to response_out, or printed when it is NULL
 *  (JSON as is with --json). Errors are printed; returns an LTY_CLI_EXIT_* code. */
int lty_cli_api_get(const lty_cli_t *cli, const char *path, lty_buf_t *response_out);

/* cmd_report.c: reports read from the daemon. */
int lty_cli_report_settlement(lty_cli_t *cli);

/* cmd_certs.c: credentials issued from the programme CA in DIR/tls. */
int lty_cli_till_add(lty_cli_t *cli);
int lty_cli_operator_add(lty_cli_t *cli);
int lty_cli_cert_revoke(lty_cli_t *cli);

/* cmd_data.c: commands on the data directory (daemon stopped or running). */
int lty_cli_init(lty_cli_t *cli);
int lty_cli_verify(lty_cli_t *cli);
int lty_cli_backup(lty_cli_t *cli);
int lty_cli_stats(lty_cli_t *cli);

/** "DIR/rel" into out, using --data. */
void lty_cli_data_path(const lty_cli_t *cli, const char *relative, char *out, unsigned long size);
/** Print "loyaltyctl: " + message to stderr; returns LTY_CLI_EXIT_FAILED. */
int lty_cli_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
/** Parse a positive decimal id; false if malformed. */
bool lty_cli_parse_id(const char *text, uint64_t *id_out);
/** Parse a signed decimal integer within +-(2^53-1); false if malformed. */
bool lty_cli_parse_int(const char *text, int64_t *value_out);

#endif
