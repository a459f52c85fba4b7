/* SPDX-License-Identifier: MIT */
/**
 * @file cli.h
 * loyaltyctl's shared context: the option list, the command table entry type, parsed options,
 * the API call helper and the output helpers. Each cmd_<noun>.c file implements the commands of
 * one noun; commands.c holds the one command table that main.c dispatches from and that help.c
 * turns into --help, the man page (--man) and bash completion (--completion).
 *
 * Grammar: loyaltyctl [global options] NOUN VERB [ARGS] [options]; options may come anywhere.
 *
 * Exit codes (LTY_CLI_EXIT_*): 0 ok; 1 refused (the daemon's error code and message are printed,
 * or a local operation failed: an unsound ledger, an unwritable file); 2 usage; 3 connection or
 * TLS (the daemon could not be reached, the handshake failed, or the answer was lost).
 * Results go to stdout (a table, --json, or --csv for lists); diagnostics to stderr.
 *
 * Adding a command: write its handler in cmd_<noun>.c (declared below), and add one entry to
 * cli_commands[] in commands.c naming its arguments, options and help text.
 */
#ifndef LTY_CLI_H
#define LTY_CLI_H

#include "lty/lty_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LTY_CLI_EXIT_OK 0
#define LTY_CLI_EXIT_FAILED 1
#define LTY_CLI_EXIT_USAGE 2
#define LTY_CLI_EXIT_CONNECTION 3
#define LTY_CLI_PATH_SIZE 1024

/* Every option: X(ID, "long-name", takes_value, "METAVAR", global, "help"). A global option is
 * accepted by every command; any other only by the commands whose options list names it. */
#define LTY_CLI_OPTIONS(X)                                                                      \
    X(DATA, "data", true, "DIR", true,                                                          \
      "data directory (default $LOYALTYCTL_DATA): loyaltyd.conf gives the daemon's address, "   \
      "tls/ the CA and the operator certificate")                                               \
    X(HOST, "host", true, "HOST", true, "daemon address (default: listen_host of loyaltyd.conf)") \
    X(PORT, "port", true, "PORT", true,                                                         \
      "daemon port (default: the running daemon's, from DIR/loyaltyd.pid, else listen_port)")   \
    X(CA, "ca", true, "FILE", true, "programme CA certificate (default DIR/tls/ca.crt)")         \
    X(CERT, "cert", true, "FILE", true,                                                         \
      "operator certificate (default DIR/tls/demo-operator.crt)")                               \
    X(KEY, "key", true, "FILE", true, "operator key (default DIR/tls/demo-operator.key)")       \
    X(JSON, "json", false, NULL, true, "print the daemon's JSON document (or one for local "   \
      "commands) instead of a table")                                                           \
    X(HELP, "help", false, NULL, true, "explain the command, noun or program and exit")         \
    X(CSV, "csv", false, NULL, false, "print the list as CSV (header line, then one row each)")  \
    X(IDEMPOTENCY_KEY, "idempotency-key", true, "KEY", false,                                   \
      "send this Idempotency-Key (1-64 printable ASCII): a re-run with the same key applies "  \
      "nothing twice; default: a fresh key, logged before sending")                             \
    X(DRY_RUN, "dry-run", false, NULL, false,                                                   \
      "ask the daemon what would change, through the same validation and ledger code, and "     \
      "change nothing")                                                                         \
    X(NAME, "name", true, "NAME", false, "the member's name")                                   \
    X(PHONE, "phone", true, "PHONE", false, "E.164 phone number: '+' then 8 to 15 digits")      \
    X(EMAIL, "email", true, "EMAIL", false, "e-mail address")                                   \
    X(BIRTHDAY, "birthday", true, "YYYY-MM-DD", false, "date of birth")                         \
    X(GENDER, "gender", true, "GENDER", false, "unknown, female, male or other")                \
    X(PREFERRED_STORE, "preferred-store", true, "STORE", false, "the member's home store")     \
    X(CARD_NO, "card-no", true, "CARD_NO", false, "card number (search)")                       \
    X(REASON, "reason", true, "TEXT", false, "why: kept in the journal or the audit log")       \
    X(PAYOUT, "payout", true, "KIND", false, "how the prepaid remainder is paid: cash or "      \
      "bank_transfer")                                                                          \
    X(ERASE, "erase-personal-data", false, NULL, false,                                         \
      "clear name, phone, e-mail and birthday")                                                 \
    X(TENDER, "tender", true, "KIND", false, "cash or bank_card")                               \
    X(DAYS, "days", true, "N", false, "number of days")                                         \
    X(CARDS_COUNT, "count", true, "N", false, "how many")                                             \
    X(OUT, "out", true, "PATH", false, "where to write (a folder is created when missing)")     \
    X(AFTER, "after", true, "ID", false, "start after this id (the next_after of a page)")      \
    X(LIMIT, "limit", true, "N", false, "at most N per page")                                   \
    X(STORE, "store", true, "STORE", false, "store id")                                         \
    X(FROM, "from", true, "YYYY-MM-DD", false, "first UTC day of the period")                   \
    X(TO, "to", true, "YYYY-MM-DD", false, "last UTC day of the period (included)")             \
    X(HTML, "html", true, "FILE", false, "write a self-contained HTML report with charts")      \
    X(AS_OF, "as-of", true, "YYYY-MM-DD", false, "the UTC day a report judges (default today)") \
    X(WINDOW_DAYS, "window-days", true, "N", false, "the RFM window in days (default the "       \
      "programme's)")                                                                           \
    X(TOP_PERCENT, "top-percent", true, "N", false, "the best N% of members (default 20)")     \
    X(MONTHS, "months", true, "N", false, "months of a report, 1..24 (default 12)")            \
    X(REJECTS, "rejects", true, "FILE", false,                                                  \
      "write the rejected rows there, each with a reason column (default FILE.rejects.csv)")    \
    X(BATCH, "batch", true, "N", false, "members per request, 1..500 (default 500)")            \
    X(DEMO, "demo", false, NULL, false, "seed a demo programme, stores, members and "           \
      "certificates")                                                                           \
    X(DAYS_VALID, "valid-days", true, "N", false, "certificate validity in days (default 825)") \
    X(NO_RELOAD, "no-reload", false, NULL, false,                                               \
      "do not signal the running daemon to reload its certificates")                          \
    X(ROLE, "role", true, "ROLE", false,                                                        \
      "the operator's role: viewer, supervisor, marketing, finance or admin "                  \
      "(docs/security.md)")                                                                     \
    X(CA_DIR, "ca-dir", true, "DIR", false,                                                     \
      "the programme CA's private folder (ca.crt, ca.key; default: the data directory's path "  \
      "with .ca appended)")                                                                     \
    X(REGION, "region", true, "REGION", false, "the store's region")                           \
    X(POINTS, "points", true, "N", false, "points each member gets")                           \
    X(BONUS_KEY, "bonus-key", true, "KEY", false,                                               \
      "grant once per member per key (1-48 printable ASCII): a re-run with the same key "       \
      "grants only what is missing; default: a fresh key, printed first")                       \
    X(EXPIRES, "expires", true, "YYYY-MM-DD", false,                                            \
      "the last day the bonus may be spent (default: the programme's lot expiry)")              \
    X(MEMBERS, "members", true, "FILE", false, "member ids, one per line (instead of MEMBER_ID "\
      "arguments)")                                                                             \
    X(ALL, "all", false, NULL, false, "ended rules too")                                        \
    X(CAMPAIGN, "campaign", true, "ID", false, "coupon campaign id")                            \
    X(MEMBER, "member", true, "ID", false, "member id")                                         \
    X(ISSUE_KEY, "issue-key", true, "KEY", false,                                               \
      "issue once per member under this key: a re-run gives each member the coupon they have") \
    X(BONUS, "bonus", true, "POINTS", false, "a bonus run: POINTS points to each member")        \
    X(COUPON, "coupon", true, "CAMPAIGN_ID", false,                                             \
      "a coupon run: one coupon of the campaign to each member")                                \
    X(HOLDOUT, "holdout", true, "PERCENT", false,                                               \
      "hold PERCENT% of the members out (0-50): recorded, never granted, to measure uplift")    \
    X(SERVICE, "service", false, NULL, false,                                                   \
      "not a marketing run: members without any consent are granted too")                       \
    X(TYPES, "types", true, "TYPE,...", false,                                                  \
      "event types, comma-separated (points.earned, sale.returned, ...), or '*' for all")       \
    X(AFTER_SEQ, "after-seq", true, "SEQ", false,                                               \
      "the event sequence to start after (0: the whole journal)")

typedef enum lty_cli_option {
#define LTY_CLI_OPTION_ENUM(id, name, value, metavar, global, help) LTY_OPT_##id,
    LTY_CLI_OPTIONS(LTY_CLI_OPTION_ENUM)
#undef LTY_CLI_OPTION_ENUM
        LTY_OPT_COUNT
} lty_cli_option_t;

/** What help.c knows about one option. */
typedef struct lty_cli_option_info_s {
    const char *name;
    bool takes_value;
    const char *metavar;
    bool global;
    const char *help;
} lty_cli_option_info_t;

extern const lty_cli_option_info_t lty_cli_options[LTY_OPT_COUNT];

typedef struct lty_cli_s {
    const char *values[LTY_OPT_COUNT]; /* option values ("" for a flag given), NULL if absent */
    const struct lty_cli_command_s *command;
    /* Kept for cmd_*.c files written before the option table: the same values, by name. */
    const char *data_dir;
    const char *name;
    const char *phone;
    const char *email;
    const char *reason;
    const char *out_dir;
    const char *store;
    const char *from;
    const char *to;
    const char *idempotency_key;
    bool json;
    bool demo;
    int64_t after;
    int64_t limit;
    int64_t count;
    /* positional arguments after the command words */
    int args_count;
    char **args;
} lty_cli_t;

typedef int (*lty_cli_cmd_cb)(lty_cli_t *cli);

/**
 * One command of the table. options lists the non-global options it takes, separated by
 * spaces; a trailing '!' marks a required one ("reason! json"). alias_of names the command an
 * old spelling stands for ("member journal" for "journal"): aliases run the same handler and are
 * listed apart in the help and the man page.
 */
typedef struct lty_cli_command_s {
    const char *noun;     /* "member" */
    const char *verb;     /* "create", or NULL for a one-word alias ("init") */
    const char *args;     /* "MEMBER_ID POINTS" ("" for none) */
    int args_min;
    int args_max;
    const char *options;  /* "name! phone! email idempotency-key dry-run" */
    lty_cli_cmd_cb run;
    const char *summary;  /* one line */
    const char *help;     /* a paragraph: what it does, what it prints, its refusals */
    const char *alias_of; /* NULL, or the command this spelling stands for */
} lty_cli_command_t;

extern const lty_cli_command_t lty_cli_commands[];
extern const size_t lty_cli_commands_count;

/* ---- help.c: --help, the man page and completion, all from the table ------------------- */

void lty_cli_help_program(FILE *out);
void lty_cli_help_noun(FILE *out, const char *noun);
void lty_cli_help_command(FILE *out, const lty_cli_command_t *command);
/** "loyaltyctl NOUN VERB ARGS --opt X [--opt2 Y]" into out. */
void lty_cli_usage_line(const lty_cli_command_t *command, char *out, size_t out_size);
void lty_cli_man_print(FILE *out);
void lty_cli_completion_print(FILE *out);
/** True when option is in command's options list; *required_out says whether it ends in '!'. */
bool lty_cli_command_takes(const lty_cli_command_t *command, lty_cli_option_t option,
                           bool *required_out);

/* ---- Options ---------------------------------------------------------------------------- */

/** The option's value, or NULL when it was not given. */
const char *lty_cli_opt(const lty_cli_t *cli, lty_cli_option_t option);
/** Whether a flag option was given. */
bool lty_cli_flag(const lty_cli_t *cli, lty_cli_option_t option);
/** An integer option within [min, max]: 0 (absent: *value_out untouched), or
 *  LTY_CLI_EXIT_USAGE after printing which option is wrong. */
int lty_cli_opt_int(const lty_cli_t *cli, lty_cli_option_t option, int64_t min, int64_t max,
                    int64_t *value_out);
/** Print "loyaltyctl: message" and the command's usage line; returns LTY_CLI_EXIT_USAGE. */
int lty_cli_usage_error(const lty_cli_t *cli, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- api.c: requests to the running daemon ---------------------------------------------- */

typedef struct lty_cli_call_s {
    const char *method;
    const char *path;             /* with its query, if any */
    const lty_buf_t *body;        /* NULL for none */
    bool mutating;                /* needs an Idempotency-Key; honours --dry-run */
    const char *idempotency_key;  /* NULL: --idempotency-key, else a fresh logged one */
    lty_buf_t *response_out;      /* NULL: print the answer (list_key names its list) */
    const char *list_key;         /* the array --csv and the table print ("members") */
    bool quiet_errors;            /* the caller prints refusals itself (import) */
    int status_out;               /* read-only: the HTTP status (0: no answer) */
    bool replayed_out;            /* read-only: Idempotent-Replayed */
} lty_cli_call_t;

/** Send call to the daemon. Returns LTY_CLI_EXIT_OK, _FAILED (refused: code and message
 *  printed), or _CONNECTION (no answer: a mutating call prints the key to re-run with). */
int lty_cli_api_call(const lty_cli_t *cli, lty_cli_call_t *call);
/** Send a changing request with body (then deinitialised) and print the answer; a body that
 *  overflowed its buffer is a usage error (a value too long). */
int lty_cli_api_send(const lty_cli_t *cli, const char *method, const char *path, lty_buf_t *body);
/** GET path; the body is appended to response_out, or printed when it is NULL. */
int lty_cli_api_get(const lty_cli_t *cli, const char *path, lty_buf_t *response_out);
/** A fresh idempotency key "ctl-<16 hex>-<suffix>" (suffix may be ""), appended with the
 *  command line to the key log (DIR/ctl-keys.log, else $HOME/.loyaltyctl-keys.log) before use. */
int lty_cli_key_new(const lty_cli_t *cli, const char *suffix, char *key_out, size_t key_size);
/** Append "?name=value" or "&name=value" (value percent-encoded) to path. */
void lty_cli_query_add(char *path, size_t path_size, const char *name, const char *value);

/* ---- output.c: tables, CSV, JSON ----------------------------------------------------------- */

/** Print a daemon or local JSON document as --json, --csv (list_key's array) or a table. */
int lty_cli_print_document(const lty_cli_t *cli, const char *json, size_t size,
                           const char *list_key);
/** Money in minor units as "units.cents". */
void lty_cli_money_format(int64_t cents, char *out, size_t out_size);
/** Write one CSV field (quoted when it holds a comma, quote or newline). */
void lty_cli_csv_field(FILE *out, const char *value, bool last);

/* ---- Commands (cmd_<noun>.c) ------------------------------------------------------------- */

/* cmd_member.c */
/** Append ?after=&limit= from the options (limit within 1..limit_max) to path. */
int lty_cli_page_query(const lty_cli_t *cli, int64_t limit_max, char *path, size_t size);
int lty_cli_member_create(lty_cli_t *cli);
int lty_cli_member_show(lty_cli_t *cli);
int lty_cli_member_search(lty_cli_t *cli);
int lty_cli_member_update(lty_cli_t *cli);
int lty_cli_member_audit(lty_cli_t *cli);
int lty_cli_member_journal(lty_cli_t *cli);
int lty_cli_member_close(lty_cli_t *cli);
int lty_cli_member_tiers(lty_cli_t *cli);
/* cmd_import.c */
int lty_cli_member_import(lty_cli_t *cli);
int lty_cli_member_export(lty_cli_t *cli);
/* cmd_audit.c */
int lty_cli_audit(lty_cli_t *cli);
/* cmd_member.c */
int lty_cli_member_data_export(lty_cli_t *cli);
/* cmd_card.c */
int lty_cli_card_issue(lty_cli_t *cli);
int lty_cli_card_batch(lty_cli_t *cli);
int lty_cli_card_lost(lty_cli_t *cli);
int lty_cli_card_replace(lty_cli_t *cli);
int lty_cli_card_extend(lty_cli_t *cli);
int lty_cli_card_pin_reset(lty_cli_t *cli);
/* cmd_ledger.c */
int lty_cli_points_adjust(lty_cli_t *cli);
int lty_cli_prepaid_topup(lty_cli_t *cli);
int lty_cli_tier_review(lty_cli_t *cli);
int lty_cli_daemon_health(lty_cli_t *cli);
int lty_cli_daemon_reload(lty_cli_t *cli);
/* cmd_report.c */
int lty_cli_report(lty_cli_t *cli);
/* cmd_coupons.c */
int lty_cli_coupons_create(lty_cli_t *cli);
int lty_cli_coupons_list(lty_cli_t *cli);
int lty_cli_coupons_show(lty_cli_t *cli);
int lty_cli_coupons_pause(lty_cli_t *cli);
int lty_cli_coupons_resume(lty_cli_t *cli);
int lty_cli_coupons_end(lty_cli_t *cli);
int lty_cli_coupons_codes(lty_cli_t *cli);
int lty_cli_coupons_issue(lty_cli_t *cli);
int lty_cli_coupons_wallet(lty_cli_t *cli);
int lty_cli_coupons_offer(lty_cli_t *cli);
int lty_cli_coupons_offers(lty_cli_t *cli);
int lty_cli_coupons_voucher(lty_cli_t *cli);
int lty_cli_coupons_conflicts(lty_cli_t *cli);
int lty_cli_gifts_create(lty_cli_t *cli);
int lty_cli_gifts_list(lty_cli_t *cli);
int lty_cli_gifts_show(lty_cli_t *cli);
int lty_cli_gifts_stock(lty_cli_t *cli);
int lty_cli_gifts_withdraw(lty_cli_t *cli);
int lty_cli_gifts_redeem(lty_cli_t *cli);
int lty_cli_gifts_redemptions(lty_cli_t *cli);
int lty_cli_gifts_cancel(lty_cli_t *cli);
/* cmd_certs.c */
int lty_cli_cert_till(lty_cli_t *cli);
int lty_cli_cert_operator(lty_cli_t *cli);
int lty_cli_cert_list(lty_cli_t *cli);
int lty_cli_cert_revoke(lty_cli_t *cli);
int lty_cli_cert_rotate(lty_cli_t *cli);
/* cmd_store.c, cmd_staff.c, cmd_programme.c, cmd_rules.c, cmd_bonus.c, cmd_expiry.c */
int lty_cli_store_add(lty_cli_t *cli);
int lty_cli_store_list(lty_cli_t *cli);
int lty_cli_store_rename(lty_cli_t *cli);
int lty_cli_store_close(lty_cli_t *cli);
int lty_cli_staff_add(lty_cli_t *cli);
int lty_cli_staff_list(lty_cli_t *cli);
int lty_cli_staff_deactivate(lty_cli_t *cli);
int lty_cli_programme_show(lty_cli_t *cli);
int lty_cli_programme_set(lty_cli_t *cli);
int lty_cli_rules_add(lty_cli_t *cli);
int lty_cli_rules_list(lty_cli_t *cli);
int lty_cli_rules_status(lty_cli_t *cli);
int lty_cli_bonus_grant(lty_cli_t *cli);
int lty_cli_expiry_sweep(lty_cli_t *cli);
/* cmd_segments.c */
/** A GET of a path template whose "{}" take the ids args[0], args[1] in turn, with query
 *  parameters from options; printed (list_key names the list --csv prints). */
typedef struct lty_cli_read_s {
    const char *path;        /* "/v1/admin/segments/{}/runs/{}" */
    const char *id_names[2]; /* the usage error's word for each "{}" ("SEGMENT_ID") */
    const char *list_key;
    struct {
        lty_cli_option_t option;
        const char *name;    /* the query parameter; NULL: no more */
        int64_t min, max;    /* an integer within [min, max]; max 0: a text passed on */
    } query[3];
} lty_cli_read_t;
int lty_cli_read(const lty_cli_t *cli, const lty_cli_read_t *read);
int lty_cli_segment_create(lty_cli_t *cli);
int lty_cli_segment_list(lty_cli_t *cli);
int lty_cli_segment_show(lty_cli_t *cli);
int lty_cli_segment_members(lty_cli_t *cli);
int lty_cli_segment_run(lty_cli_t *cli);
int lty_cli_segment_run_show(lty_cli_t *cli);
/* cmd_events.c */
int lty_cli_events_list(lty_cli_t *cli);
int lty_cli_webhook_add(lty_cli_t *cli);
int lty_cli_webhook_list(lty_cli_t *cli);
int lty_cli_webhook_deliveries(lty_cli_t *cli);
int lty_cli_webhook_dead_letters(lty_cli_t *cli);
int lty_cli_webhook_replay(lty_cli_t *cli);
/** Read the whole file at path (at most size_max bytes) into out: LTY_CLI_EXIT_OK, or
 *  LTY_CLI_EXIT_FAILED after saying why (cmd_programme.c; the rule and member files too). */
int lty_cli_file_read(const char *path, size_t size_max, lty_buf_t *out);
/** Send method path with the file args[0] (at most size_max bytes) as its body, and print the
 *  answer: the JSON-file commands (programme set, rules add, segment create). */
int lty_cli_file_send(const lty_cli_t *cli, const char *method, const char *path,
                      size_t size_max);
/** Send method with a JSON object of strings: pairs is key, value, key, value, ..., NULL (a NULL
 *  value leaves its key out); the answer is printed (cmd_store.c). */
int lty_cli_api_send_strings(const lty_cli_t *cli, const char *method, const char *path,
                             const char *const *pairs);
/** A store or staff id loyaltyctl puts in a URL as it is: 1-16 of A-Z a-z 0-9 - _ . */
bool lty_cli_id_plain(const char *text);
/* cmd_data.c */
int lty_cli_init(lty_cli_t *cli);
int lty_cli_verify(lty_cli_t *cli);
int lty_cli_backup(lty_cli_t *cli);
int lty_cli_restore(lty_cli_t *cli);
int lty_cli_migrate(lty_cli_t *cli);
int lty_cli_stats(lty_cli_t *cli);

/** Signal the daemon serving data_dir (DIR/loyaltyd.pid; 0 only checks that it runs): 0 when signalled, 1 when
 *  no daemon runs there, -1 on a stale or unreadable pid file (cmd_ledger.c). */
int lty_cli_daemon_signal(const char *data_dir, int signal_number);

/** "DIR/rel" into out, using --data. */
void lty_cli_data_path(const lty_cli_t *cli, const char *relative, char *out, unsigned long size);
/** "CA_DIR/rel" into out: --ca-dir, else the data directory's path with ".ca" appended (the
 *  programme CA's private key lives there, never inside the data directory). */
void lty_cli_ca_path(const lty_cli_t *cli, const char *relative, char *out, unsigned long size);
/** The CA folder of data directory dir ("dir.ca", trailing slashes dropped, "." resolved). */
void lty_cli_ca_dir_of(const char *dir, char *out, unsigned long size);
/** Print "loyaltyctl: " + message to stderr; returns LTY_CLI_EXIT_FAILED. */
int lty_cli_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
/** Parse a positive decimal id; false if malformed. */
bool lty_cli_parse_id(const char *text, uint64_t *id_out);
/** Parse a signed decimal integer within +-(2^53-1); false if malformed. */
bool lty_cli_parse_int(const char *text, int64_t *value_out);
/** Parse "12.34", "12" or "-0.50" (currency units) into minor units; false if malformed. */
bool lty_cli_parse_money(const char *text, int64_t *cents_out);

#endif
