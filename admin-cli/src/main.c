/* SPDX-License-Identifier: MIT */
/* loyaltyctl: the operator CLI. main() parses global and command options, finds the command in
 * the table below (which also produces --help), checks its argument count and runs it. The
 * commands live in cmd_api.c (daemon API over TLS), cmd_certs.c (credentials) and cmd_data.c
 * (the data directory: init, verify, backup, stats). */
#include "cli.h"
#include "lty/lty_log.h"
#include "lty/lty_limits.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const lty_cli_command_t cli_commands[] = {
    {"init", NULL, 1, 1, lty_cli_init, "DIR [--demo]",
     "create a data directory: config, CA and server certificate, empty ledger"},
    {"verify", NULL, 1, 1, lty_cli_verify, "DIR [--json]",
     "recompute every balance from the journal and check every invariant"},
    {"backup", NULL, 2, 2, lty_cli_backup, "DIR OUT",
     "consistent compacted hot copy of the ledger into OUT (a new data directory)"},
    {"stats", NULL, 1, 1, lty_cli_stats, "DIR", "record counts and balance totals of the ledger"},
    {"health", NULL, 0, 0, lty_cli_health, "", "GET /healthz of the daemon"},
    {"member", "create", 0, 0, lty_cli_member_create, "--name NAME --phone PHONE [--email EMAIL]",
     "enrol a member"},
    {"member", "show", 1, 1, lty_cli_member_show, "MEMBER_ID",
     "profile, points, prepaid balance and cards"},
    {"card", "issue", 1, 1, lty_cli_card_issue, "MEMBER_ID", "issue a new card to a member"},
    {"cards", "batch", 0, 0, lty_cli_cards_batch, "--count N --out FILE.csv",
     "mint N unassigned card numbers for printing (never reused) into a CSV file"},
    {"journal", NULL, 1, 1, lty_cli_journal, "MEMBER_ID [--after ENTRY_ID] [--limit N]",
     "a member's journal entries, newest first"},
    {"adjust", NULL, 2, 2, lty_cli_adjust, "MEMBER_ID POINTS --reason TEXT",
     "correct a member's points (positive or negative) with a reason"},
    {"report", "settlement", 0, 0, lty_cli_report_settlement,
     "--from YYYY-MM-DD [--to YYYY-MM-DD] [--store STORE] [--json]",
     "settlement per store, till and UTC day: sales, points, prepaid, tenders; totals"},
    {"till", "add", 2, 2, lty_cli_till_add, "STORE TILL [--out DIR]",
     "issue a till certificate for STORE/TILL from the programme CA"},
    {"operator", "add", 1, 1, lty_cli_operator_add, "NAME [--out DIR]",
     "issue an operator certificate from the programme CA"},
    {"cert", "revoke", 1, 1, lty_cli_cert_revoke, "CERT_FILE",
     "refuse that certificate at handshake (daemon reloads on SIGHUP)"},
};

#define CLI_COMMANDS_COUNT (sizeof(cli_commands) / sizeof(cli_commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: loyaltyctl [--data DIR] [--host H] [--port N] [--ca F] [--cert F] "
                 "[--key F] [--json] COMMAND ...\n\ncommands:\n");
    for (size_t index = 0; index < CLI_COMMANDS_COUNT; index++) {
        const lty_cli_command_t *command = &cli_commands[index];
        char words[64];
        snprintf(words, sizeof(words), "%s%s%s", command->group, command->verb ? " " : "",
                 command->verb ? command->verb : "");
        fprintf(out, "  %-16s %s\n  %-16s   %s\n", words, command->usage, "", command->summary);
    }
    fprintf(out, "\nAPI commands read DIR/loyaltyd.conf for the address and use DIR/tls/ca.crt and\n"
                 "DIR/tls/demo-operator.{crt,key} unless --ca/--cert/--key say otherwise.\n"
                 "Exit codes: 0 ok, 1 operating error, 2 usage error.\n");
}

static bool parse_number_option(const char *text, int64_t *out)
{
    return lty_cli_parse_int(text, out);
}

static int options_parse(int argc, char **argv, lty_cli_t *cli)
{
    static const struct option long_options[] = {
        {"data", required_argument, NULL, 'd'},  {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},  {"ca", required_argument, NULL, 'C'},
        {"cert", required_argument, NULL, 'c'},  {"key", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},        {"demo", no_argument, NULL, 'D'},
        {"name", required_argument, NULL, 'n'},  {"phone", required_argument, NULL, 'P'},
        {"email", required_argument, NULL, 'e'}, {"reason", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},   {"after", required_argument, NULL, 'a'},
        {"limit", required_argument, NULL, 'l'}, {"count", required_argument, NULL, 'N'},
        {"idempotency-key", required_argument, NULL, 'i'},
        {"store", required_argument, NULL, 'S'}, {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    int option;
    int64_t number = 0;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (option) {
        case 'd': cli->data_dir = optarg; break;
        case 'H': cli->host = optarg; break;
        case 'p':
            if (!parse_number_option(optarg, &number) || number < 1 || number > 65535) return -1;
            cli->port = (int)number;
            break;
        case 'C': cli->ca_path = optarg; break;
        case 'c': cli->cert_path = optarg; break;
        case 'k': cli->key_path = optarg; break;
        case 'j': cli->json = true; break;
        case 'D': cli->demo = true; break;
        case 'n': cli->name = optarg; break;
        case 'P': cli->phone = optarg; break;
        case 'e': cli->email = optarg; break;
        case 'r': cli->reason = optarg; break;
        case 'o': cli->out_dir = optarg; break;
        case 'a': if (!parse_number_option(optarg, &cli->after)) return -1; break;
        case 'l': if (!parse_number_option(optarg, &cli->limit)) return -1; break;
        case 'N': if (!parse_number_option(optarg, &cli->count)) return -1; break;
        case 'i': cli->idempotency_key = optarg; break;
        case 'S': cli->store = optarg; break;
        case 'F': cli->from = optarg; break;
        case 'T': cli->to = optarg; break;
        case 'h': usage(stdout); return 1;
        default: return -1;
        }
    }
    return 0;
}

static const lty_cli_command_t *command_find(int argc, char **argv, int *words_out)
{
    if (argc < 1) return NULL;
    for (size_t index = 0; index < CLI_COMMANDS_COUNT; index++) {
        const lty_cli_command_t *command = &cli_commands[index];
        if (strcmp(command->group, argv[0]) != 0) continue;
        if (command->verb == NULL) {
            *words_out = 1;
            return command;
        }
        if (argc >= 2 && strcmp(command->verb, argv[1]) == 0) {
            *words_out = 2;
            return command;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    lty_cli_t cli;
    memset(&cli, 0, sizeof(cli));
    lty_log_level_max = LTY_LOG_WARN; /* the library's INFO lines are for the daemon's log */
    cli.data_dir = getenv("LOYALTYCTL_DATA");
    int parsed = options_parse(argc, argv, &cli);
    if (parsed > 0) return LTY_CLI_EXIT_OK;
    int words = 0;
    const lty_cli_command_t *command =
        parsed == 0 ? command_find(argc - optind, argv + optind, &words) : NULL;
    if (command == NULL) {
        usage(stderr);
        return LTY_CLI_EXIT_USAGE;
    }
    cli.args = argv + optind + words;
    cli.args_count = argc - optind - words;
    if (cli.args_count < command->args_min || cli.args_count > command->args_max) {
        fprintf(stderr, "usage: loyaltyctl %s%s%s %s\n", command->group, command->verb ? " " : "",
                command->verb ? command->verb : "", command->usage);
        return LTY_CLI_EXIT_USAGE;
    }
    return command->run(&cli);
}

void lty_cli_data_path(const lty_cli_t *cli, const char *relative, char *out, unsigned long size)
{
    snprintf(out, size, "%s/%s", cli->data_dir != NULL ? cli->data_dir : ".", relative);
}

int lty_cli_fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("loyaltyctl: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    return LTY_CLI_EXIT_FAILED;
}

bool lty_cli_parse_int(const char *text, int64_t *value_out)
{
    const char *digits = text[0] == '-' || text[0] == '+' ? text + 1 : text;
    if (digits[0] == '\0' || strlen(digits) > 16) return false;
    int64_t value = 0;
    for (const char *c = digits; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') return false;
        value = value * 10 + (*c - '0');
    }
    if (value > LTY_JSON_INT_MAX) return false;
    *value_out = text[0] == '-' ? -value : value;
    return true;
}

bool lty_cli_parse_id(const char *text, uint64_t *id_out)
{
    int64_t value = 0;
    if (text[0] == '-' || text[0] == '+' || !lty_cli_parse_int(text, &value) || value < 1) {
        return false;
    }
    *id_out = (uint64_t)value;
    return true;
}
