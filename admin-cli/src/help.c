/* SPDX-License-Identifier: MIT */
/* Everything loyaltyctl says about itself, rendered from the one command table (commands.c) and
 * option list (cli.h): --help at the program, noun and command level, the man page (--man, roff)
 * and bash completion (--completion). The build writes the last two into the build folder and
 * `cmake --install` installs them, so help, man page and completion cannot drift apart. */
#include "cli.h"
#include "lty/lty_assert.h"

#include <stdio.h>
#include <string.h>

static const char *const exit_codes_text[] = {
    "0", "ok",
    "1", "refused: the daemon's error code and message are printed (loyaltyctl: 409 "
         "insufficient_points: ...), or a local operation failed (an unsound ledger, a file)",
    "2", "usage: an unknown command or option, a missing or malformed argument",
    "3", "connection or TLS: the daemon could not be reached, the handshake failed, or the "
         "answer was lost (a changing command then prints the idempotency key to re-run with)",
    NULL, NULL,
};

static const char idempotency_text[] =
    "Every command that changes data sends an Idempotency-Key. Without --idempotency-key, "
    "loyaltyctl makes one (ctl-<random>) and appends it, with the command, to DIR/ctl-keys.log "
    "(or $HOME/.loyaltyctl-keys.log) before sending. When the answer is lost (exit 3), it "
    "prints the key: run the same command again with --idempotency-key KEY and the daemon "
    "answers what it did the first time, or does it now, never twice. member import derives "
    "each request's key from its content, so re-running the same file is always safe.";

static const char dry_run_text[] =
    "--dry-run (bulk and money-moving commands) sends the request with ?dry_run=1: the daemon "
    "runs the same validation and ledger code in a transaction it then aborts, and answers what "
    "would change (header Dry-Run: true). Nothing is written.";

bool lty_cli_command_takes(const lty_cli_command_t *command, lty_cli_option_t option,
                           bool *required_out)
{
    LTY_ASSERT(command != NULL);
    LTY_ASSERT(option < LTY_OPT_COUNT);
    const char *name = lty_cli_options[option].name;
    size_t size = strlen(name);
    *required_out = false;
    for (const char *at = command->options; at != NULL && *at != '\0';) {
        while (*at == ' ') at++;
        const char *end = at;
        while (*end != '\0' && *end != ' ') end++;
        size_t word = (size_t)(end - at);
        bool required = word > 0 && at[word - 1] == '!';
        if (required) word--;
        if (word == size && memcmp(at, name, size) == 0) {
            *required_out = required;
            return true;
        }
        at = end;
    }
    return false;
}

static void words_format(const lty_cli_command_t *command, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s%s%s", command->noun, command->verb ? " " : "",
             command->verb ? command->verb : "");
}

void lty_cli_usage_line(const lty_cli_command_t *command, char *out, size_t out_size)
{
    LTY_ASSERT(command != NULL && out != NULL);
    char words[64];
    words_format(command, words, sizeof(words));
    int used = snprintf(out, out_size, "loyaltyctl %s%s%s", words, command->args[0] ? " " : "",
                        command->args);
    for (int pass = 0; pass < 2; pass++) { /* required options first, then the optional ones */
        for (int index = 0; index < LTY_OPT_COUNT && used > 0 && (size_t)used < out_size;
             index++) {
            bool required = false;
            if (!lty_cli_command_takes(command, (lty_cli_option_t)index, &required)) continue;
            if (required != (pass == 0)) continue;
            const lty_cli_option_info_t *info = &lty_cli_options[index];
            used += snprintf(out + used, out_size - (size_t)used, " %s--%s%s%s%s",
                             required ? "" : "[", info->name, info->takes_value ? " " : "",
                             info->takes_value ? info->metavar : "", required ? "" : "]");
        }
    }
}

static void option_help_print(FILE *out, int index)
{
    const lty_cli_option_info_t *info = &lty_cli_options[index];
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s", info->name, info->takes_value ? " " : "",
             info->takes_value ? info->metavar : "");
    fprintf(out, "  %-28s %s\n", left, info->help);
}

static void globals_print(FILE *out)
{
    fprintf(out, "global options (every command):\n");
    for (int index = 0; index < LTY_OPT_COUNT; index++) {
        if (lty_cli_options[index].global) option_help_print(out, index);
    }
}

static void exit_codes_print(FILE *out)
{
    fprintf(out, "exit codes:\n");
    for (size_t index = 0; exit_codes_text[index] != NULL; index += 2) {
        fprintf(out, "  %s  %s\n", exit_codes_text[index], exit_codes_text[index + 1]);
    }
}

void lty_cli_help_program(FILE *out)
{
    fprintf(out, "usage: loyaltyctl [global options] NOUN VERB [ARGS] [options]\n"
                 "       loyaltyctl NOUN --help | NOUN VERB --help | --man | --completion\n\n"
                 "The operator's command line for loyaltyd: members, cards, points, prepaid,\n"
                 "tiers, reports and certificates over the daemon's TLS API (operator\n"
                 "certificate), and the data directory itself.\n\ncommands:\n");
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->alias_of != NULL) continue;
        char words[64];
        words_format(command, words, sizeof(words));
        fprintf(out, "  %-22s %s\n", words, command->summary);
    }
    fprintf(out, "\n");
    globals_print(out);
    fprintf(out, "\n");
    exit_codes_print(out);
    fprintf(out, "\nEarlier spellings still work: ");
    for (size_t index = 0, shown = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->alias_of == NULL) continue;
        char words[64];
        words_format(command, words, sizeof(words));
        fprintf(out, "%s'%s' (%s)", shown++ > 0 ? ", " : "", words, command->alias_of);
    }
    fprintf(out, ".\n");
}

void lty_cli_help_noun(FILE *out, const char *noun)
{
    fprintf(out, "usage: loyaltyctl %s VERB [ARGS] [options]\n\nverbs:\n", noun);
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (strcmp(command->noun, noun) != 0 || command->alias_of != NULL) continue;
        fprintf(out, "  %-14s %s\n", command->verb ? command->verb : "", command->summary);
    }
    fprintf(out, "\n`loyaltyctl %s VERB --help` explains one.\n", noun);
}

void lty_cli_help_command(FILE *out, const lty_cli_command_t *command)
{
    char usage[1024];
    lty_cli_usage_line(command, usage, sizeof(usage));
    fprintf(out, "usage: %s\n\n", usage);
    if (command->alias_of != NULL) {
        fprintf(out, "An earlier spelling of `loyaltyctl %s`.\n\n", command->alias_of);
    } else {
        fprintf(out, "%s.\n", command->summary);
        if (command->help[0] != '\0') fprintf(out, "\n%s\n", command->help);
        fprintf(out, "\n");
    }
    bool any = false;
    for (int index = 0; index < LTY_OPT_COUNT; index++) {
        bool required = false;
        if (!lty_cli_command_takes(command, (lty_cli_option_t)index, &required)) continue;
        if (!any) fprintf(out, "options:\n");
        any = true;
        option_help_print(out, index);
    }
    if (any) fprintf(out, "\n");
    globals_print(out);
}

/* ---- The man page ------------------------------------------------------------------------ */

/* Write text for roff: backslashes escaped, '-' as \-, a leading '.' or '\'' protected. */
static void roff_text(FILE *out, const char *text)
{
    if (text[0] == '.' || text[0] == '\'') fputs("\\&", out);
    for (const char *c = text; *c != '\0'; c++) {
        if (*c == '\\') fputs("\\e", out);
        else if (*c == '-') fputs("\\-", out);
        else fputc(*c, out);
    }
}

static void man_option(FILE *out, int index)
{
    const lty_cli_option_info_t *info = &lty_cli_options[index];
    fputs(".TP\n.B \\-\\-", out);
    roff_text(out, info->name);
    if (info->takes_value) {
        fputs(" ", out);
        roff_text(out, info->metavar);
    }
    fputs("\n", out);
    roff_text(out, info->help);
    fputs("\n", out);
}

/* ".TP" and the command's usage line in bold: the head of its entry. */
static void man_usage(FILE *out, const lty_cli_command_t *command)
{
    char usage[1024];
    lty_cli_usage_line(command, usage, sizeof(usage));
    fputs(".TP\n.B ", out);
    roff_text(out, usage);
    fputs("\n", out);
}

static void man_command(FILE *out, const lty_cli_command_t *command)
{
    man_usage(out, command);
    roff_text(out, command->summary);
    fputs(".\n", out);
    if (command->help[0] != '\0') {
        fputs(".br\n", out);
        roff_text(out, command->help);
        fputs("\n", out);
    }
}

static void man_commands(FILE *out)
{
    const char *last_noun = "";
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->alias_of != NULL) continue;
        if (strcmp(command->noun, last_noun) != 0) {
            fprintf(out, ".SS %s\n", command->noun);
            last_noun = command->noun;
        }
        man_command(out, command);
    }
}

void lty_cli_man_print(FILE *out)
{
    fputs(".\\\" Generated by `loyaltyctl --man` from its command table; do not edit.\n"
          ".TH LOYALTYCTL 1 \"\" \"loyaltyd\" \"loyaltyd manual\"\n.nh\n.ad l\n"
          ".SH NAME\nloyaltyctl \\- the operator command line of loyaltyd\n"
          ".SH SYNOPSIS\n.B loyaltyctl\n[global options]\n.I NOUN VERB\n[ARGS] [options]\n"
          ".SH DESCRIPTION\nloyaltyctl does the operator's work: members, cards, points, "
          "prepaid, tiers, reports and certificates over the daemon's TLS API with the operator "
          "certificate, and the data directory itself (init, verify, backup, restore, migrate, "
          "stats), whether the daemon runs or not. Results go to standard output as a table, "
          "as the daemon's JSON document with \\-\\-json, or as CSV with \\-\\-csv for lists; "
          "diagnostics go to standard error.\n",
          out);
    fputs(".SH COMMANDS\n", out);
    man_commands(out);
    fputs(".SH OPTIONS\n", out);
    for (int index = 0; index < LTY_OPT_COUNT; index++) man_option(out, index);
    fputs(".SH IDEMPOTENCY\n", out);
    roff_text(out, idempotency_text);
    fputs("\n.SH DRY RUNS\n", out);
    roff_text(out, dry_run_text);
    fputs("\n.SH EXIT STATUS\n", out);
    for (size_t index = 0; exit_codes_text[index] != NULL; index += 2) {
        fprintf(out, ".TP\n.B %s\n", exit_codes_text[index]);
        roff_text(out, exit_codes_text[index + 1]);
        fputs("\n", out);
    }
    fputs(".SH ALIASES\nEarlier spellings, kept for scripts:\n", out);
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->alias_of == NULL) continue;
        man_usage(out, command);
        fputs("means\n.BR \"loyaltyctl ", out);
        roff_text(out, command->alias_of);
        fputs("\" .\n", out);
    }
    fputs(".SH FILES\n.TP\n.B DIR/loyaltyd.pid\nthe running daemon's process id and port "
          "(written by loyaltyd)\n.TP\n.B DIR/tls/issued.tsv\ncertificates issued by loyaltyctl, "
          "with serial and expiry\n.TP\n.B DIR/ctl\\-keys.log\nidempotency keys loyaltyctl made, "
          "with their commands\n.SH SEE ALSO\n.BR loyaltyd (8),\ndocs/api.md, "
          "schema/openapi.yaml\n",
          out);
}

/* ---- Bash completion ----------------------------------------------------------------------- */

static void completion_options(FILE *out, const lty_cli_command_t *command)
{
    for (int index = 0; index < LTY_OPT_COUNT; index++) {
        bool required = false;
        if (lty_cli_options[index].global ||
            lty_cli_command_takes(command, (lty_cli_option_t)index, &required)) {
            fprintf(out, " --%s", lty_cli_options[index].name);
        }
    }
}

void lty_cli_completion_print(FILE *out)
{
    fputs("# bash completion for loyaltyctl; generated by `loyaltyctl --completion`.\n"
          "_loyaltyctl() {\n    local cur=${COMP_WORDS[COMP_CWORD]} words=() i\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        [[ ${COMP_WORDS[i]} == -* ]] && continue\n"
          "        case ${COMP_WORDS[i-1]} in\n            ",
          out);
    const char *separator = "";
    for (int index = 0; index < LTY_OPT_COUNT; index++) {
        if (!lty_cli_options[index].takes_value) continue;
        fprintf(out, "%s--%s", separator, lty_cli_options[index].name);
        separator = "|";
    }
    fputs(") continue ;;\n        esac\n        words+=(\"${COMP_WORDS[i]}\")\n    done\n"
          "    local prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    case $prev in --data|--out|--rejects|--html|--ca|--cert|--key)\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\")); return ;; esac\n"
          "    case \"${words[0]:-} ${words[1]:-}\" in\n",
          out);
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->verb == NULL) continue;
        fprintf(out, "    \"%s %s\") COMPREPLY=($(compgen -W \"", command->noun, command->verb);
        completion_options(out, command);
        fputs("\" -- \"$cur\")); [[ $cur == -* ]] || COMPREPLY+=($(compgen -f -- \"$cur\")); "
              "return ;;\n",
              out);
    }
    fputs("    esac\n    case \"${words[0]:-}\" in\n", out);
    const char *last_noun = "";
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->verb == NULL || command->alias_of != NULL) continue;
        if (strcmp(command->noun, last_noun) != 0) {
            if (last_noun[0] != '\0') fputs("\" -- \"$cur\")); return ;;\n", out);
            fprintf(out, "    %s) COMPREPLY=($(compgen -W \"", command->noun);
            last_noun = command->noun;
        }
        fprintf(out, " %s", command->verb);
    }
    fputs("\" -- \"$cur\")); return ;;\n    esac\n    COMPREPLY=($(compgen -W \"", out);
    last_noun = "";
    for (size_t index = 0; index < lty_cli_commands_count; index++) {
        const lty_cli_command_t *command = &lty_cli_commands[index];
        if (command->alias_of != NULL || strcmp(command->noun, last_noun) == 0) continue;
        fprintf(out, " %s", command->noun);
        last_noun = command->noun;
    }
    fputs(" --help --man --completion --version\" -- \"$cur\"))\n}\n"
          "complete -F _loyaltyctl loyaltyctl\n",
          out);
}
