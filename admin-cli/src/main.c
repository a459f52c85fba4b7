/* SPDX-License-Identifier: MIT */
/* loyaltyctl: the operator CLI. main() parses every option (getopt_long over the option table of
 * cli.h, options anywhere), finds NOUN VERB in the command table (commands.c), answers --help at
 * the level asked, checks the command's options and argument count, and runs its handler.
 * --man and --completion print the man page and the bash completion (help.c), which the build
 * generates from this binary. */
#include "cli.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options that are not commands' options: what the program itself answers. */
enum { MODE_MAN = LTY_OPT_COUNT, MODE_COMPLETION, MODE_VERSION };

static int options_parse(int argc, char **argv, lty_cli_t *cli, int *mode_out)
{
    static struct option long_options[LTY_OPT_COUNT + 4];
    for (int index = 0; index < LTY_OPT_COUNT; index++) {
        long_options[index] = (struct option){lty_cli_options[index].name,
                                              lty_cli_options[index].takes_value
                                                  ? required_argument
                                                  : no_argument,
                                              NULL, index};
    }
    long_options[LTY_OPT_COUNT] = (struct option){"man", no_argument, NULL, MODE_MAN};
    long_options[LTY_OPT_COUNT + 1] =
        (struct option){"completion", no_argument, NULL, MODE_COMPLETION};
    long_options[LTY_OPT_COUNT + 2] = (struct option){"version", no_argument, NULL, MODE_VERSION};
    long_options[LTY_OPT_COUNT + 3] = (struct option){NULL, 0, NULL, 0};
    int option;
    opterr = 1;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (option >= 0 && option < LTY_OPT_COUNT) {
            cli->values[option] = optarg != NULL ? optarg : "";
        } else if (option >= MODE_MAN && option <= MODE_VERSION) {
            *mode_out = option;
        } else {
            return -1;
        }
    }
    return 0;
}

/* The struct fields earlier cmd_*.c files read, filled from the option values. */
static void legacy_fields_fill(lty_cli_t *cli)
{
    if (cli->values[LTY_OPT_DATA] != NULL) cli->data_dir = cli->values[LTY_OPT_DATA];
    cli->name = cli->values[LTY_OPT_NAME];
    cli->phone = cli->values[LTY_OPT_PHONE];
    cli->email = cli->values[LTY_OPT_EMAIL];
    cli->reason = cli->values[LTY_OPT_REASON];
    cli->out_dir = cli->values[LTY_OPT_OUT];
    cli->store = cli->values[LTY_OPT_STORE];
    cli->from = cli->values[LTY_OPT_FROM];
    cli->to = cli->values[LTY_OPT_TO];
    cli->idempotency_key = cli->values[LTY_OPT_IDEMPOTENCY_KEY];
    cli->json = cli->values[LTY_OPT_JSON] != NULL;
    cli->demo = cli->values[LTY_OPT_DEMO] != NULL;
    (void)lty_cli_parse_int(cli->values[LTY_OPT_AFTER] ? cli->values[LTY_OPT_AFTER] : "0",
                            &cli->after);
    (void)lty_cli_parse_int(cli->values[LTY_OPT_LIMIT] ? cli->values[LTY_OPT_LIMIT] : "0",
                            &cli->limit);
    (void)lty_cli_parse_int(cli->values[LTY_OPT_CARDS_COUNT] ? cli->values[LTY_OPT_CARDS_COUNT] : "0",
                            &cli->count);
}

static bool noun_known(const char *noun)
{
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        if (strcmp(lty_cli_commands[index].noun, noun) == 0) return true;
    }
    return false;
}

static const lty_cli_command_t *command_find(int argc, char **argv, int *words_out)
{
    for (size_t index = 0; argc >= 1 && index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (strcmp(command->noun, argv[0]) != 0) continue;
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

/* Options given that the command does not take, and required ones missing: usage errors. */
static int command_options_check(const lty_cli_t *cli, const lty_cli_command_t *command)
{
    for (int index = 0; index < LTY_OPT_COUNT; index++) {
        bool required = false;
        bool takes = lty_cli_options[index].global ||
                     lty_cli_command_takes(command, (lty_cli_option_t)index, &required);
        if (cli->values[index] != NULL && !takes) {
            return lty_cli_usage_error(cli, "--%s is not an option of this command",
                                       lty_cli_options[index].name);
        }
        if (required && cli->values[index] == NULL) {
            return lty_cli_usage_error(cli, "--%s is required", lty_cli_options[index].name);
        }
    }
    if (cli->values[LTY_OPT_JSON] != NULL && cli->values[LTY_OPT_CSV] != NULL) {
        return lty_cli_usage_error(cli, "--json and --csv exclude each other");
    }
    return LTY_CLI_EXIT_OK;
}

static int program_mode_run(int mode)
{
    switch (mode) {
    case MODE_MAN: lty_cli_man_print(stdout); break;
    case MODE_COMPLETION: lty_cli_completion_print(stdout); break;
    default: printf("loyaltyctl 0.2.0\n"); break;
    }
    return LTY_CLI_EXIT_OK;
}

/* A negative number is an argument (points adjust 7 -50), not an option: mark it so getopt
 * leaves it in place, and take the mark off once the arguments are known. */
#define NEGATIVE_MARK '\x1f'

static void negative_numbers_mark(int argc, char **argv)
{
    for (int index = 1; index < argc; index++) {
        const char *arg = argv[index];
        if (arg[0] != '-' || arg[1] < '0' || arg[1] > '9') continue;
        size_t size = strlen(arg);
        char *marked = malloc(size + 2);
        if (marked == NULL) continue;
        marked[0] = NEGATIVE_MARK;
        memcpy(marked + 1, arg, size + 1);
        argv[index] = marked; /* lives as long as the process */
    }
}

static void negative_numbers_unmark(char **args, int count)
{
    for (int index = 0; index < count; index++) {
        if (args[index][0] == NEGATIVE_MARK) args[index]++;
    }
}

int main(int argc, char **argv)
{
    static lty_cli_t cli;
    negative_numbers_mark(argc, argv);
    lty_log_level_max = LTY_LOG_WARN; /* the library's INFO lines are for the daemon's log */
    cli.data_dir = getenv("LOYALTYCTL_DATA");
    int mode = 0;
    if (options_parse(argc, argv, &cli, &mode) != 0) {
        fprintf(stderr, "loyaltyctl: see `loyaltyctl --help`\n");
        return LTY_CLI_EXIT_USAGE;
    }
    if (mode != 0) return program_mode_run(mode);
    legacy_fields_fill(&cli);
    bool help = cli.values[LTY_OPT_HELP] != NULL;
    int words_count = argc - optind;
    char **word_list = argv + optind;
    if (words_count == 0) {
        lty_cli_help_program(help ? stdout : stderr);
        return help ? LTY_CLI_EXIT_OK : LTY_CLI_EXIT_USAGE;
    }
    int words = 0;
    const lty_cli_command_t *command = command_find(words_count, word_list, &words);
    if (command == NULL) {
        if (!noun_known(word_list[0])) {
            fprintf(stderr, "loyaltyctl: unknown command '%s'; see `loyaltyctl --help`\n",
                    word_list[0]);
            return LTY_CLI_EXIT_USAGE;
        }
        if (words_count > 1 && !help) {
            fprintf(stderr, "loyaltyctl: '%s' has no verb '%s'\n", word_list[0], word_list[1]);
        }
        lty_cli_help_noun(help && words_count == 1 ? stdout : stderr, word_list[0]);
        return help && words_count == 1 ? LTY_CLI_EXIT_OK : LTY_CLI_EXIT_USAGE;
    }
    cli.command = command;
    if (help) {
        lty_cli_help_command(stdout, command);
        return LTY_CLI_EXIT_OK;
    }
    cli.args = word_list + words;
    cli.args_count = words_count - words;
    negative_numbers_unmark(cli.args, cli.args_count);
    int exit_code = command_options_check(&cli, command);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    if (cli.args_count < command->args_min || cli.args_count > command->args_max) {
        return lty_cli_usage_error(&cli, "%s expects %s", cli.args_count < command->args_min
                                                              ? "too few arguments:"
                                                              : "too many arguments:",
                                   command->args[0] != '\0' ? command->args : "no arguments");
    }
    return command->run(&cli);
}

/* ---- Helpers for the commands ------------------------------------------------------------- */

const char *lty_cli_opt(const lty_cli_t *cli, lty_cli_option_t option)
{
    return option < LTY_OPT_COUNT ? cli->values[option] : NULL;
}

bool lty_cli_flag(const lty_cli_t *cli, lty_cli_option_t option)
{
    return lty_cli_opt(cli, option) != NULL;
}

/* "loyaltyctl: " + the message + a newline, on stderr. */
__attribute__((format(printf, 1, 0))) static void message_print(const char *format,
                                                                va_list args)
{
    fputs("loyaltyctl: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

int lty_cli_usage_error(const lty_cli_t *cli, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    message_print(format, args);
    va_end(args);
    if (cli != NULL && cli->command != NULL) {
        char usage[1024];
        lty_cli_usage_line(cli->command, usage, sizeof(usage));
        fprintf(stderr, "usage: %s\n", usage);
    }
    return LTY_CLI_EXIT_USAGE;
}

int lty_cli_opt_int(const lty_cli_t *cli, lty_cli_option_t option, int64_t min, int64_t max,
                    int64_t *value_out)
{
    const char *text = lty_cli_opt(cli, option);
    if (text == NULL) return LTY_CLI_EXIT_OK;
    int64_t value = 0;
    if (!lty_cli_parse_int(text, &value) || value < min || value > max) {
        return lty_cli_usage_error(cli, "--%s must be an integer from %lld to %lld",
                                   lty_cli_options[option].name, (long long)min, (long long)max);
    }
    *value_out = value;
    return LTY_CLI_EXIT_OK;
}

void lty_cli_data_path(const lty_cli_t *cli, const char *relative, char *out, unsigned long size)
{
    snprintf(out, size, "%s/%s", cli->data_dir != NULL ? cli->data_dir : ".", relative);
}

void lty_cli_ca_dir_of(const char *dir, char *out, unsigned long size)
{
    /* "." or "x/.." name no sibling: the resolved path does (when the directory exists). */
    char resolved[PATH_MAX];
    if (realpath(dir, resolved) != NULL) dir = resolved;
    size_t length = strlen(dir);
    while (length > 1 && dir[length - 1] == '/') length--;
    snprintf(out, size, "%.*s.ca", (int)length, dir);
}

void lty_cli_ca_path(const lty_cli_t *cli, const char *relative, char *out, unsigned long size)
{
    char dir[LTY_CLI_PATH_SIZE];
    const char *ca_dir = lty_cli_opt(cli, LTY_OPT_CA_DIR);
    if (ca_dir != NULL) {
        snprintf(dir, sizeof(dir), "%s", ca_dir);
    } else {
        lty_cli_ca_dir_of(cli->data_dir != NULL ? cli->data_dir : ".", dir, sizeof(dir));
    }
    snprintf(out, size, "%s/%s", dir, relative);
}

int lty_cli_fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    message_print(format, args);
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

bool lty_cli_parse_money(const char *text, int64_t *cents_out)
{
    char units[24];
    const char *dot = strchr(text, '.');
    size_t units_size = dot != NULL ? (size_t)(dot - text) : strlen(text);
    if (units_size == 0 || units_size >= sizeof(units)) return false;
    memcpy(units, text, units_size);
    units[units_size] = '\0';
    int64_t whole = 0;
    if (!lty_cli_parse_int(units, &whole) || whole > LTY_JSON_INT_MAX / 100 ||
        whole < -LTY_JSON_INT_MAX / 100) {
        return false;
    }
    int64_t cents = 0;
    if (dot != NULL) {
        size_t fraction = strlen(dot + 1);
        if (fraction < 1 || fraction > 2) return false;
        for (size_t index = 0; index < 2; index++) {
            char c = index < fraction ? dot[1 + index] : '0';
            if (c < '0' || c > '9') return false;
            cents = cents * 10 + (c - '0');
        }
    }
    bool negative = text[0] == '-';
    *cents_out = whole * 100 + (negative ? -cents : cents);
    return true;
}
