/* SPDX-License-Identifier: MIT */
/* pos-till: a terminal till for cashiers and tests, built on libloyaltypos only. One command from
 * the argument list, or line commands on stdin. Results go to stdout (human text, or JSON with
 * --json), diagnostics to stderr. Exit codes: 0 ok, 1 operating error, 2 usage error. It owns
 * argument parsing and presentation; every rule about the daemon lives in the library. */
/* lty/ headers first: lty_err.h then supplies the error enum loyaltypos.h would copy. */
#include "lty/lty_buf.h"
#include "lty/lty_json.h"

#include "loyaltypos.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_OK 0
#define EXIT_OPERATING 1
#define EXIT_USAGE 2
#define ARGS_MAX 1024
#define INPUT_LINE_BYTES_MAX 65536
#define TENDERS_MAX 3

typedef struct till_s {
    lty_client_t client;
    bool json;
    int log_level_max;
} till_t;

static void usage(FILE *out)
{
    fputs("usage: pos-till --host HOST --port N --ca CA.crt --cert TILL.crt --key TILL.key\n"
          "                --queue DIR [--offline] [--json] [--timeout-ms N] [--attempts N]\n"
          "                [--servers HOST:PORT,HOST:PORT...] (a replicated daemon's nodes)\n"
          "                [--verbose] [COMMAND ...]\n"
          "commands (one from the arguments, or one per line on stdin):\n"
          "  card CARD_NO\n"
          "  sale --card CARD_NO --receipt NO --line sku,category,qty,amount_cents ...\n"
          "       [--redeem POINTS] [--tender prepaid|cash|bank_card:CENTS ...] [--pin PIN]\n"
          "       [--staff STAFF_ID] [--coupon CODE ...]\n"
          "  quote (the sale's flags; --receipt optional): what the sale would earn, no effect\n"
          "  activate --card CARD_NO --phone PHONE [--name NAME] [--staff STAFF_ID]\n"
          "  topup --card CARD_NO --amount CENTS [--tender cash|bank_card] [--staff STAFF_ID]\n"
          "  pin set --card CARD_NO --pin PIN [--reset-code CODE]\n"
          "  return (--sale SALE_ID | --receipt NO [--store STORE]) [--line sku,qty ...]\n"
          "  void SALE_ID\n"
          "  keys refresh                 fetch and cache the programme key (offline coupons)\n"
          "  coupon check CODE            check a code offline (signature, expiry)\n"
          "  conflicts [AFTER_ID]         coupons accepted offline and not honoured\n"
          "  gift redeem --card CARD_NO --gift GIFT_ID\n"
          "  gift hand-over REDEMPTION_ID\n"
          "  queue count | queue flush\n"
          "  refused list | refused remove SEQUENCE\n"
          "  help | quit\n",
          out);
}

static void log_to_stderr(int level, const char *message, void *userdata)
{
    (void)userdata;
    static const char *const names[] = {"ERR", "WARN", "INFO", "DEBUG"};
    fprintf(stderr, "pos-till %s %s\n", names[level >= 0 && level <= 3 ? level : 0], message);
}

static bool int_parse(const char *text, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) return false;
    *out = value;
    return true;
}

/* ---- Output ---------------------------------------------------------------------------- */

static void json_print(lty_buf_t *buf)
{
    fwrite(buf->data, 1, buf->size, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* One JSON object on one stdout line: open, add members, close. */
static void json_open(lty_buf_t *buf, lty_json_writer_t *writer)
{
    lty_buf_init(buf, 0);
    lty_jw_init(writer, buf);
    lty_jw_object_begin(writer);
}

static void json_close(lty_buf_t *buf, lty_json_writer_t *writer)
{
    lty_jw_object_end(writer);
    json_print(buf);
    lty_buf_deinit(buf);
}

static int report_error(const till_t *till, int err)
{
    const char *message = lty_client_last_error_message(&till->client);
    if (message[0] == '\0') message = lty_client_strerror(err);
    if (till->json) {
        lty_buf_t buf;
        lty_json_writer_t writer;
        json_open(&buf, &writer);
        lty_jw_key(&writer, "error");
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "code", lty_err_code(err));
        lty_jw_kv_string(&writer, "name", lty_client_err_name(err));
        lty_jw_kv_int(&writer, "number", err);
        lty_jw_kv_string(&writer, "message", message);
        const char *field = lty_client_last_error_field(&till->client);
        if (field[0] != '\0') lty_jw_kv_string(&writer, "field", field);
        int status = lty_client_last_http_status(&till->client);
        if (status != 0) lty_jw_kv_int(&writer, "http_status", status);
        lty_jw_object_end(&writer);
        json_close(&buf, &writer);
    } else {
        printf("error: %s (%s)\n", message, lty_client_err_name(err));
        fflush(stdout);
    }
    return EXIT_OPERATING;
}

static void card_print(const till_t *till, const lty_card_info_t *card)
{
    if (!till->json) {
        printf("card %s status %s member %" PRId64 " name \"%s\" points %" PRId64
               " prepaid_cents %" PRId64 "\n",
               card->card_no, card->card_status, card->member_id, card->name, card->points,
               card->prepaid_cents);
        fflush(stdout);
        return;
    }
    lty_buf_t buf;
    lty_json_writer_t writer;
    json_open(&buf, &writer);
    lty_jw_kv_string(&writer, "card_no", card->card_no);
    lty_jw_kv_string(&writer, "card_status", card->card_status);
    lty_jw_kv_int(&writer, "member_id", card->member_id);
    lty_jw_kv_string(&writer, "name", card->name);
    lty_jw_kv_int(&writer, "points", card->points);
    lty_jw_kv_int(&writer, "prepaid_cents", card->prepaid_cents);
    json_close(&buf, &writer);
}

/* The earning rules that changed a sale's points, one per line (human) or as an array. */
static void rules_print(const till_t *till, lty_json_writer_t *writer,
                        const lty_rule_applied_t *rules, size_t count)
{
    if (!till->json) {
        for (size_t index = 0; index < count; index++) {
            printf("  rule %" PRId64 " %s %+" PRId64 "%s\n", rules[index].rule_id,
                   rules[index].name, rules[index].points, rules[index].capped ? " (capped)" : "");
        }
        return;
    }
    lty_jw_key(writer, "rules_applied");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < count; index++) {
        lty_jw_object_begin(writer);
        lty_jw_kv_int(writer, "rule_id", rules[index].rule_id);
        lty_jw_kv_string(writer, "name", rules[index].name);
        lty_jw_kv_int(writer, "points", rules[index].points);
        lty_jw_kv_bool(writer, "capped", rules[index].capped);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
}

static void receipt_print(const till_t *till, const lty_receipt_t *receipt, bool queued)
{
    if (!till->json) {
        if (queued) { /* no points are promised: only the daemon decides them */
            printf("sale queued offline key %s (points pending, not confirmed)\n",
                   receipt->idempotency_key);
        } else {
            printf("sale %" PRId64 " earned %" PRId64 " redeemed %" PRId64 " balance %" PRId64
                   " prepaid_cents %" PRId64 " discount_cents %" PRId64 "%s key %s\n",
                   receipt->sale_id, receipt->points_earned, receipt->points_redeemed,
                   receipt->points_balance, receipt->prepaid_cents, receipt->discount_cents,
                   receipt->replayed ? " (replayed)" : "", receipt->idempotency_key);
            rules_print(till, NULL, receipt->rules, receipt->rules_count);
        }
        fflush(stdout);
        return;
    }
    lty_buf_t buf;
    lty_json_writer_t writer;
    json_open(&buf, &writer);
    lty_jw_kv_string(&writer, "status", queued ? "queued_offline" : "ok");
    if (!queued) {
        lty_jw_kv_int(&writer, "sale_id", receipt->sale_id);
        lty_jw_kv_int(&writer, "points_earned", receipt->points_earned);
        lty_jw_kv_int(&writer, "points_redeemed", receipt->points_redeemed);
        lty_jw_kv_int(&writer, "points_balance", receipt->points_balance);
        if (receipt->prepaid_present) {
            lty_jw_kv_int(&writer, "prepaid_cents", receipt->prepaid_cents);
        }
        lty_jw_kv_bool(&writer, "replayed", receipt->replayed);
        lty_jw_kv_int(&writer, "points_base", receipt->points_base);
        rules_print(till, &writer, receipt->rules, receipt->rules_count);
        lty_jw_kv_int(&writer, "total_cents", receipt->total_cents);
        lty_jw_kv_int(&writer, "discount_cents", receipt->discount_cents);
        lty_jw_kv_int(&writer, "coupons_applied", (int64_t)receipt->coupons_applied);
        lty_jw_kv_int(&writer, "coupon_conflicts", (int64_t)receipt->coupon_conflicts);
    }
    lty_jw_kv_bool(&writer, "points_confirmed", receipt->points_confirmed);
    lty_jw_kv_string(&writer, "idempotency_key", receipt->idempotency_key);
    json_close(&buf, &writer);
}

static void count_print(const till_t *till, const char *key, size_t count, const char *extra_key,
                        size_t extra)
{
    if (till->json) {
        printf("{\"%s\":%zu", key, count);
        if (extra_key != NULL) printf(",\"%s\":%zu", extra_key, extra);
        printf("}\n");
    } else {
        printf("%s %zu", key, count);
        if (extra_key != NULL) printf(" %s %zu", extra_key, extra);
        printf("\n");
    }
    fflush(stdout);
}

/* ---- Commands -------------------------------------------------------------------------- */

static int cmd_card(till_t *till, int argc, char **argv)
{
    if (argc != 2) return EXIT_USAGE;
    lty_card_info_t card;
    int err = lty_client_card_get(&till->client, argv[1], &card);
    if (err != 0) return report_error(till, err);
    card_print(till, &card);
    return EXIT_OK;
}

/* "sku,category,qty,amount_cents": split in place; argv strings are ours to modify. */
static bool line_parse(char *text, lty_sale_line_t *line)
{
    char *fields[4];
    for (int index = 0; index < 4; index++) {
        fields[index] = text;
        char *comma = text != NULL ? strchr(text, ',') : NULL;
        if (index < 3) {
            if (comma == NULL) return false;
            *comma = '\0';
            text = comma + 1;
        } else if (comma != NULL) {
            return false;
        }
    }
    line->sku = fields[0];
    line->category = fields[1];
    return int_parse(fields[2], INT64_MIN, INT64_MAX, &line->qty) &&
           int_parse(fields[3], INT64_MIN, INT64_MAX, &line->amount_cents);
}

/* "prepaid:CENTS", "cash:CENTS" or "bank_card:CENTS". */
static bool tender_parse(const char *text, lty_tender_t *tender)
{
    static const struct {
        const char *prefix;
        lty_tender_type_t type;
    } types[] = {{"prepaid:", LTY_TENDER_PREPAID}, {"cash:", LTY_TENDER_CASH},
                 {"bank_card:", LTY_TENDER_BANK_CARD}};
    for (size_t index = 0; index < sizeof(types) / sizeof(types[0]); index++) {
        size_t size = strlen(types[index].prefix);
        if (strncmp(text, types[index].prefix, size) != 0) continue;
        tender->type = types[index].type;
        return int_parse(text + size, INT64_MIN, INT64_MAX, &tender->amount_cents);
    }
    return false;
}

/* The flags of a sale (and of its quote) into *sale; lines and tenders point into statics. */
static int sale_args_parse(int argc, char **argv, lty_sale_t *sale)
{
    static lty_sale_line_t lines[ARGS_MAX];
    static lty_tender_t tenders[TENDERS_MAX];
    static const char *coupons[LTY_CLIENT_COUPONS_PER_SALE_MAX];
    memset(sale, 0, sizeof(*sale));
    sale->lines = lines;
    for (int index = 1; index < argc; index++) {
        const char *flag = argv[index];
        if (index + 1 >= argc) return EXIT_USAGE;
        char *value = argv[++index];
        if (strcmp(flag, "--card") == 0) {
            sale->card_no = value;
        } else if (strcmp(flag, "--receipt") == 0) {
            sale->receipt_no = value;
        } else if (strcmp(flag, "--redeem") == 0) {
            if (!int_parse(value, INT64_MIN, INT64_MAX, &sale->redeem_points)) return EXIT_USAGE;
        } else if (strcmp(flag, "--line") == 0) {
            if (sale->lines_count == ARGS_MAX) return EXIT_USAGE;
            if (!line_parse(value, &lines[sale->lines_count++])) return EXIT_USAGE;
        } else if (strcmp(flag, "--tender") == 0) {
            if (sale->tenders_count == TENDERS_MAX) return EXIT_USAGE;
            if (!tender_parse(value, &tenders[sale->tenders_count++])) return EXIT_USAGE;
        } else if (strcmp(flag, "--pin") == 0) {
            sale->pin = value;
        } else if (strcmp(flag, "--staff") == 0) {
            sale->staff_id = value;
        } else if (strcmp(flag, "--coupon") == 0) {
            if (sale->coupons_count == LTY_CLIENT_COUPONS_PER_SALE_MAX) return EXIT_USAGE;
            coupons[sale->coupons_count++] = value;
        } else {
            return EXIT_USAGE;
        }
    }
    if (sale->tenders_count > 0) sale->tenders = tenders;
    if (sale->coupons_count > 0) sale->coupons = coupons;
    return sale->card_no == NULL || sale->lines_count == 0 ? EXIT_USAGE : EXIT_OK;
}

static int cmd_sale(till_t *till, int argc, char **argv)
{
    lty_sale_t sale;
    if (sale_args_parse(argc, argv, &sale) != EXIT_OK || sale.receipt_no == NULL) {
        return EXIT_USAGE;
    }
    lty_receipt_t receipt;
    int err = lty_client_sale_submit(&till->client, &sale, &receipt);
    if (err == LTY_E_QUEUED_OFFLINE) {
        receipt_print(till, &receipt, true);
        return EXIT_OK;
    }
    if (err != 0) return report_error(till, err);
    receipt_print(till, &receipt, false);
    return EXIT_OK;
}

static int cmd_quote(till_t *till, int argc, char **argv)
{
    lty_sale_t sale;
    if (sale_args_parse(argc, argv, &sale) != EXIT_OK) return EXIT_USAGE;
    lty_quote_t quote;
    int err = lty_client_sale_quote(&till->client, &sale, &quote);
    if (err != 0) return report_error(till, err); /* offline: no quote, and no promise */
    if (!till->json) {
        printf("quote earns %" PRId64 " (without rules %" PRId64 ") balance %" PRId64
               " redeemable %" PRId64 "\n",
               quote.points_earned, quote.points_base, quote.points_balance,
               quote.points_redeemable);
        if (sale.coupons_count > 0) {
            printf("coupons %zu of %zu apply, discount %" PRId64 " total %" PRId64 "\n",
                   quote.coupons_applied, sale.coupons_count, quote.discount_cents,
                   quote.total_cents);
        }
        rules_print(till, NULL, quote.rules, quote.rules_count);
        fflush(stdout);
        return EXIT_OK;
    }
    lty_buf_t buf;
    lty_json_writer_t writer;
    json_open(&buf, &writer);
    lty_jw_kv_string(&writer, "status", "ok");
    lty_jw_kv_int(&writer, "member_id", quote.member_id);
    lty_jw_kv_int(&writer, "points_earned", quote.points_earned);
    lty_jw_kv_int(&writer, "points_base", quote.points_base);
    lty_jw_kv_int(&writer, "points_balance", quote.points_balance);
    lty_jw_kv_int(&writer, "points_redeemable", quote.points_redeemable);
    lty_jw_kv_int(&writer, "total_cents", quote.total_cents);
    lty_jw_kv_int(&writer, "discount_cents", quote.discount_cents);
    lty_jw_kv_int(&writer, "coupons_applied", (int64_t)quote.coupons_applied);
    rules_print(till, &writer, quote.rules, quote.rules_count);
    json_close(&buf, &writer);
    return EXIT_OK;
}

static int cmd_activate(till_t *till, int argc, char **argv)
{
    lty_activation_t activation = {0};
    for (int index = 1; index < argc; index++) {
        const char *flag = argv[index];
        if (index + 1 >= argc) return EXIT_USAGE;
        const char *value = argv[++index];
        if (strcmp(flag, "--card") == 0) {
            activation.card_no = value;
        } else if (strcmp(flag, "--phone") == 0) {
            activation.phone = value;
        } else if (strcmp(flag, "--name") == 0) {
            activation.name = value;
        } else if (strcmp(flag, "--staff") == 0) {
            activation.staff_id = value;
        } else {
            return EXIT_USAGE;
        }
    }
    if (activation.card_no == NULL || activation.phone == NULL) return EXIT_USAGE;
    lty_activation_receipt_t receipt;
    int err = lty_client_card_activate(&till->client, &activation, &receipt);
    if (err != 0) return report_error(till, err);
    if (till->json) {
        printf("{\"status\":\"ok\",\"member_id\":%" PRId64 ",\"member_created\":%s,"
               "\"card_status\":\"%s\",\"replayed\":%s,\"idempotency_key\":\"%s\"}\n",
               receipt.member_id, receipt.member_created ? "true" : "false", receipt.card_status,
               receipt.replayed ? "true" : "false", receipt.idempotency_key);
    } else {
        printf("card %s for member %" PRId64 "%s%s key %s\n", receipt.card_status,
               receipt.member_id, receipt.member_created ? " (new member)" : "",
               receipt.replayed ? " (replayed)" : "", receipt.idempotency_key);
    }
    fflush(stdout);
    return EXIT_OK;
}

static int cmd_topup(till_t *till, int argc, char **argv)
{
    lty_topup_t topup = {.tender = LTY_TENDER_CASH};
    for (int index = 1; index < argc; index++) {
        const char *flag = argv[index];
        if (index + 1 >= argc) return EXIT_USAGE;
        const char *value = argv[++index];
        if (strcmp(flag, "--card") == 0) {
            topup.card_no = value;
        } else if (strcmp(flag, "--amount") == 0) {
            if (!int_parse(value, INT64_MIN, INT64_MAX, &topup.amount_cents)) return EXIT_USAGE;
        } else if (strcmp(flag, "--tender") == 0 && strcmp(value, "cash") == 0) {
            topup.tender = LTY_TENDER_CASH;
        } else if (strcmp(flag, "--tender") == 0 && strcmp(value, "bank_card") == 0) {
            topup.tender = LTY_TENDER_BANK_CARD;
        } else if (strcmp(flag, "--staff") == 0) {
            topup.staff_id = value;
        } else {
            return EXIT_USAGE;
        }
    }
    if (topup.card_no == NULL || topup.amount_cents == 0) return EXIT_USAGE;
    lty_topup_receipt_t receipt;
    int err = lty_client_topup_submit(&till->client, &topup, &receipt);
    if (err != 0) return report_error(till, err);
    if (till->json) {
        printf("{\"status\":\"ok\",\"prepaid_cents\":%" PRId64 ",\"replayed\":%s,"
               "\"idempotency_key\":\"%s\"}\n",
               receipt.prepaid_cents, receipt.replayed ? "true" : "false",
               receipt.idempotency_key);
    } else {
        printf("top-up ok prepaid_cents %" PRId64 "%s key %s\n", receipt.prepaid_cents,
               receipt.replayed ? " (replayed)" : "", receipt.idempotency_key);
    }
    fflush(stdout);
    return EXIT_OK;
}

static int cmd_pin(till_t *till, int argc, char **argv)
{
    const char *card_no = NULL;
    const char *pin = NULL;
    const char *reset_code = NULL;
    if (argc < 2 || strcmp(argv[1], "set") != 0) return EXIT_USAGE;
    for (int index = 2; index < argc; index++) {
        const char *flag = argv[index];
        if (index + 1 >= argc) return EXIT_USAGE;
        const char *value = argv[++index];
        if (strcmp(flag, "--card") == 0) {
            card_no = value;
        } else if (strcmp(flag, "--pin") == 0) {
            pin = value;
        } else if (strcmp(flag, "--reset-code") == 0) {
            reset_code = value;
        } else {
            return EXIT_USAGE;
        }
    }
    if (card_no == NULL || pin == NULL) return EXIT_USAGE;
    int err = lty_client_pin_set(&till->client, card_no, pin, reset_code);
    if (err != 0) return report_error(till, err);
    printf(till->json ? "{\"status\":\"ok\",\"pin_set\":true}\n" : "PIN set\n");
    fflush(stdout);
    return EXIT_OK;
}

static void return_receipt_print(const till_t *till, const lty_return_receipt_t *receipt)
{
    if (!till->json) {
        printf("%s sale %" PRId64 " entry %" PRId64 " refund %" PRId64 " (prepaid %" PRId64
               " cash %" PRId64 " bank_card %" PRId64 " outside %" PRId64 ") points refunded %"
               PRId64 " taken back %" PRId64 " balance %" PRId64 " prepaid_cents %" PRId64
               "%s key %s\n",
               receipt->sale_status, receipt->sale_id, receipt->entry_id, receipt->refund_cents,
               receipt->refund_prepaid_cents, receipt->refund_cash_cents,
               receipt->refund_bank_card_cents, receipt->refund_outside_cents,
               receipt->points_refunded, receipt->points_taken_back, receipt->points_balance,
               receipt->prepaid_cents, receipt->replayed ? " (replayed)" : "",
               receipt->idempotency_key);
        fflush(stdout);
        return;
    }
    lty_buf_t buf;
    lty_json_writer_t writer;
    json_open(&buf, &writer);
    lty_jw_kv_string(&writer, "status", "ok");
    lty_jw_kv_int(&writer, "entry_id", receipt->entry_id);
    lty_jw_kv_int(&writer, "sale_id", receipt->sale_id);
    lty_jw_kv_string(&writer, "sale_status", receipt->sale_status);
    lty_jw_kv_int(&writer, "refund_cents", receipt->refund_cents);
    lty_jw_kv_int(&writer, "refund_prepaid_cents", receipt->refund_prepaid_cents);
    lty_jw_kv_int(&writer, "refund_cash_cents", receipt->refund_cash_cents);
    lty_jw_kv_int(&writer, "refund_bank_card_cents", receipt->refund_bank_card_cents);
    lty_jw_kv_int(&writer, "refund_outside_cents", receipt->refund_outside_cents);
    lty_jw_kv_int(&writer, "points_refunded", receipt->points_refunded);
    lty_jw_kv_int(&writer, "points_taken_back", receipt->points_taken_back);
    lty_jw_kv_int(&writer, "points_balance", receipt->points_balance);
    lty_jw_kv_int(&writer, "prepaid_cents", receipt->prepaid_cents);
    lty_jw_kv_bool(&writer, "replayed", receipt->replayed);
    lty_jw_kv_string(&writer, "idempotency_key", receipt->idempotency_key);
    json_close(&buf, &writer);
}

/* "sku,qty": split in place. */
static bool return_line_parse(char *text, lty_return_line_t *line)
{
    char *comma = strchr(text, ',');
    if (comma == NULL) return false;
    *comma = '\0';
    line->sku = text;
    return int_parse(comma + 1, INT64_MIN, INT64_MAX, &line->qty);
}

static int cmd_return(till_t *till, int argc, char **argv)
{
    static lty_return_line_t lines[ARGS_MAX];
    lty_return_t ret = {.sale_id = 0};
    for (int index = 1; index < argc; index++) {
        const char *flag = argv[index];
        if (index + 1 >= argc) return EXIT_USAGE;
        char *value = argv[++index];
        if (strcmp(flag, "--sale") == 0) {
            if (!int_parse(value, 1, INT64_MAX, &ret.sale_id)) return EXIT_USAGE;
        } else if (strcmp(flag, "--receipt") == 0) {
            ret.receipt_no = value;
        } else if (strcmp(flag, "--store") == 0) {
            ret.store = value;
        } else if (strcmp(flag, "--line") == 0) {
            if (ret.lines_count == ARGS_MAX) return EXIT_USAGE;
            if (!return_line_parse(value, &lines[ret.lines_count++])) return EXIT_USAGE;
        } else {
            return EXIT_USAGE;
        }
    }
    if (ret.lines_count > 0) ret.lines = lines;
    if ((ret.sale_id > 0) == (ret.receipt_no != NULL)) return EXIT_USAGE;
    lty_return_receipt_t receipt;
    int err = lty_client_return_submit(&till->client, &ret, &receipt);
    if (err != 0) return report_error(till, err);
    return_receipt_print(till, &receipt);
    return EXIT_OK;
}

static int cmd_void(till_t *till, int argc, char **argv)
{
    int64_t sale_id = 0;
    if (argc != 2 || !int_parse(argv[1], 1, INT64_MAX, &sale_id)) return EXIT_USAGE;
    lty_return_receipt_t receipt;
    int err = lty_client_void_submit(&till->client, sale_id, &receipt);
    if (err != 0) return report_error(till, err);
    return_receipt_print(till, &receipt);
    return EXIT_OK;
}

static int cmd_queue(till_t *till, int argc, char **argv)
{
    if (argc != 2) return EXIT_USAGE;
    if (strcmp(argv[1], "count") == 0) {
        count_print(till, "queued", lty_client_queue_count(&till->client), "refused",
                    lty_client_refused_count(&till->client));
        return EXIT_OK;
    }
    if (strcmp(argv[1], "flush") != 0) return EXIT_USAGE;
    size_t delivered = 0;
    int err = lty_client_queue_flush(&till->client, &delivered);
    if (err != 0) {
        if (!till->json) printf("delivered %zu before stopping\n", delivered);
        return report_error(till, err);
    }
    count_print(till, "delivered", delivered, "queued", lty_client_queue_count(&till->client));
    return EXIT_OK;
}

static void refused_print(const till_t *till, const lty_refused_t *refused)
{
    if (!till->json) {
        printf("refused %" PRIu64 " %s %s status %d %s: %s key %s\n", refused->sequence,
               refused->path, refused->label, refused->http_status,
               lty_client_err_name(refused->err), refused->message, refused->idempotency_key);
        return;
    }
    lty_buf_t buf;
    lty_json_writer_t writer;
    json_open(&buf, &writer);
    lty_jw_kv_int(&writer, "sequence", (int64_t)refused->sequence);
    lty_jw_kv_string(&writer, "path", refused->path);
    lty_jw_kv_string(&writer, "label", refused->label);
    lty_jw_kv_int(&writer, "http_status", refused->http_status);
    lty_jw_kv_string(&writer, "code", lty_err_code(refused->err));
    lty_jw_kv_string(&writer, "message", refused->message);
    lty_jw_kv_string(&writer, "idempotency_key", refused->idempotency_key);
    json_close(&buf, &writer);
}

static int cmd_refused(till_t *till, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        size_t count = lty_client_refused_count(&till->client);
        for (size_t index = 0; index < count; index++) {
            lty_refused_t refused;
            int err = lty_client_refused_get(&till->client, index, &refused);
            if (err != 0) return report_error(till, err);
            refused_print(till, &refused);
        }
        fflush(stdout);
        return EXIT_OK;
    }
    int64_t sequence = 0;
    if (argc != 3 || strcmp(argv[1], "remove") != 0 ||
        !int_parse(argv[2], 1, INT64_MAX, &sequence)) {
        return EXIT_USAGE;
    }
    int err = lty_client_refused_remove(&till->client, (uint64_t)sequence);
    if (err != 0) return report_error(till, err);
    count_print(till, "refused", lty_client_refused_count(&till->client), NULL, 0);
    return EXIT_OK;
}

/* ---- Coupons and gifts ----------------------------------------------------------------------- */

static int cmd_keys(till_t *till, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "refresh") != 0) return EXIT_USAGE;
    int err = lty_client_keys_refresh(&till->client);
    if (err != 0) return report_error(till, err);
    count_print(till, "keys_cached", lty_client_keys_cached(&till->client) ? 1 : 0, NULL, 0);
    return EXIT_OK;
}

static int cmd_coupon(till_t *till, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "check") != 0) return EXIT_USAGE;
    lty_coupon_info_t info;
    int err = lty_client_coupon_check(&till->client, argv[2], &info);
    if (err != 0) return report_error(till, err);
    if (till->json) {
        printf("{\"valid\":true,\"campaign_id\":%" PRId64 ",\"expires_ms\":%" PRId64 "}\n",
               info.campaign_id, info.expires_ms);
    } else {
        printf("coupon valid offline: campaign %" PRId64 " expires_ms %" PRId64 "\n",
               info.campaign_id, info.expires_ms);
    }
    fflush(stdout);
    return EXIT_OK;
}

static int cmd_conflicts(till_t *till, int argc, char **argv)
{
    int64_t after = 0;
    if (argc > 2 || (argc == 2 && !int_parse(argv[1], 0, INT64_MAX, &after))) return EXIT_USAGE;
    static lty_coupon_conflict_t conflicts[100];
    size_t count = 0;
    int err = lty_client_coupon_conflicts(&till->client, after, conflicts, 100, &count);
    if (err != 0) return report_error(till, err);
    for (size_t index = 0; index < count; index++) {
        const lty_coupon_conflict_t *conflict = &conflicts[index];
        printf(till->json ? "{\"conflict_id\":%" PRId64 ",\"error\":\"%s\",\"sale_id\":%" PRId64
                            ",\"store\":\"%s\",\"first_sale_id\":%" PRId64
                            ",\"first_store\":\"%s\"}\n"
                          : "conflict %" PRId64 " %s sale %" PRId64 " at %s; first used by sale %"
                            PRId64 " at %s\n",
               conflict->conflict_id, lty_client_err_name(conflict->err), conflict->sale_id,
               conflict->store, conflict->first_sale_id, conflict->first_store);
    }
    count_print(till, "conflicts", count, "forwarded", lty_client_conflicts_forwarded(&till->client));
    return EXIT_OK;
}

static void gift_receipt_print(const till_t *till, const lty_gift_receipt_t *receipt)
{
    if (!till->json) {
        printf("gift redemption %" PRId64 " gift %" PRId64 " %s points %" PRId64 " cash_cents %"
               PRId64 " balance %" PRId64 " available %" PRId64 "%s key %s\n",
               receipt->redemption_id, receipt->gift_id, receipt->status, receipt->points,
               receipt->cash_cents, receipt->points_balance, receipt->available,
               receipt->replayed ? " (replayed)" : "", receipt->idempotency_key);
        fflush(stdout);
        return;
    }
    lty_buf_t buf;
    lty_json_writer_t writer;
    json_open(&buf, &writer);
    lty_jw_kv_int(&writer, "redemption_id", receipt->redemption_id);
    lty_jw_kv_int(&writer, "gift_id", receipt->gift_id);
    lty_jw_kv_string(&writer, "status", receipt->status);
    lty_jw_kv_string(&writer, "store", receipt->store);
    lty_jw_kv_int(&writer, "points", receipt->points);
    lty_jw_kv_int(&writer, "cash_cents", receipt->cash_cents);
    lty_jw_kv_int(&writer, "points_balance", receipt->points_balance);
    lty_jw_kv_int(&writer, "available", receipt->available);
    lty_jw_kv_string(&writer, "idempotency_key", receipt->idempotency_key);
    json_close(&buf, &writer);
}

static int cmd_gift(till_t *till, int argc, char **argv)
{
    lty_gift_receipt_t receipt;
    int err = 0;
    int64_t id = 0;
    if (argc == 3 && strcmp(argv[1], "hand-over") == 0) {
        if (!int_parse(argv[2], 1, INT64_MAX, &id)) return EXIT_USAGE;
        err = lty_client_gift_hand_over(&till->client, id, &receipt);
    } else if (argc == 6 && strcmp(argv[1], "redeem") == 0 && strcmp(argv[2], "--card") == 0 &&
               strcmp(argv[4], "--gift") == 0) {
        if (!int_parse(argv[5], 1, INT64_MAX, &id)) return EXIT_USAGE;
        err = lty_client_gift_redeem(&till->client, argv[3], id, &receipt);
    } else {
        return EXIT_USAGE;
    }
    if (err != 0) return report_error(till, err);
    gift_receipt_print(till, &receipt);
    return EXIT_OK;
}

typedef struct command_s {
    const char *name;
    int (*run)(till_t *till, int argc, char **argv);
} command_t;

static const command_t commands[] = {
    {"card", cmd_card},   {"sale", cmd_sale},       {"topup", cmd_topup},
    {"quote", cmd_quote}, {"activate", cmd_activate},
    {"queue", cmd_queue}, {"refused", cmd_refused}, {"pin", cmd_pin},
    {"return", cmd_return}, {"void", cmd_void},
    {"keys", cmd_keys},   {"coupon", cmd_coupon},   {"conflicts", cmd_conflicts},
    {"gift", cmd_gift},
};

static int command_run(till_t *till, int argc, char **argv)
{
    for (size_t index = 0; index < sizeof(commands) / sizeof(commands[0]); index++) {
        if (strcmp(commands[index].name, argv[0]) != 0) continue;
        int code = commands[index].run(till, argc, argv);
        if (code == EXIT_USAGE) fprintf(stderr, "pos-till: bad arguments for %s\n", argv[0]);
        return code;
    }
    if (strcmp(argv[0], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "pos-till: unknown command %s\n", argv[0]);
    return EXIT_USAGE;
}

/* Line mode: whitespace-separated words, one command per line; the exit code is the worst. */
static int stdin_run(till_t *till)
{
    static char line[INPUT_LINE_BYTES_MAX];
    static char *words[ARGS_MAX];
    int worst = EXIT_OK;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        int count = 0;
        for (char *save = NULL, *word = strtok_r(line, " \t\r\n", &save);
             word != NULL && count < ARGS_MAX; word = strtok_r(NULL, " \t\r\n", &save)) {
            words[count++] = word;
        }
        if (count == 0 || words[0][0] == '#') continue;
        if (strcmp(words[0], "quit") == 0 || strcmp(words[0], "exit") == 0) break;
        int code = command_run(till, count, words);
        if (code > worst) worst = code;
    }
    return worst;
}

/* ---- Main ----------------------------------------------------------------------------- */

/* Parse the connection flags; *first_command_out is the index of the first command word. */
static int flags_parse(int argc, char **argv, lty_client_options_t *options, till_t *till,
                       int *first_command_out)
{
    int index = 1;
    for (; index < argc && strncmp(argv[index], "--", 2) == 0; index++) {
        const char *flag = argv[index];
        if (strcmp(flag, "--json") == 0) {
            till->json = true;
            continue;
        }
        if (strcmp(flag, "--offline") == 0) {
            options->offline_queue = true;
            continue;
        }
        if (strcmp(flag, "--verbose") == 0) {
            till->log_level_max = LTY_CLIENT_LOG_DEBUG;
            continue;
        }
        if (strcmp(flag, "--help") == 0) {
            usage(stdout);
            exit(EXIT_OK);
        }
        if (index + 1 >= argc) return EXIT_USAGE;
        const char *value = argv[++index];
        int64_t number = 0;
        if (strcmp(flag, "--host") == 0) {
            options->host = value;
        } else if (strcmp(flag, "--port") == 0 && int_parse(value, 1, 65535, &number)) {
            options->port = (uint16_t)number;
        } else if (strcmp(flag, "--ca") == 0) {
            options->ca_cert_path = value;
        } else if (strcmp(flag, "--cert") == 0) {
            options->cert_path = value;
        } else if (strcmp(flag, "--key") == 0) {
            options->key_path = value;
        } else if (strcmp(flag, "--queue") == 0) {
            options->queue_dir = value;
        } else if (strcmp(flag, "--servers") == 0) {
            options->servers = value;
            if (options->host == NULL) options->host = "-"; /* unused: the list decides */
        } else if (strcmp(flag, "--server-name") == 0) {
            options->server_name = value;
        } else if (strcmp(flag, "--timeout-ms") == 0 && int_parse(value, 100, 120000, &number)) {
            options->request_timeout_ms = (int)number;
        } else if (strcmp(flag, "--attempts") == 0 && int_parse(value, 1, 10, &number)) {
            options->attempts_max = (int)number;
        } else if (strcmp(flag, "--backoff-ms") == 0 && int_parse(value, 0, 60000, &number)) {
            options->backoff_initial_ms = (int)number;
            if (options->backoff_max_ms < (int)number) options->backoff_max_ms = (int)number;
        } else {
            fprintf(stderr, "pos-till: bad flag %s\n", flag);
            return EXIT_USAGE;
        }
    }
    if (options->host == NULL || options->ca_cert_path == NULL || options->cert_path == NULL ||
        options->key_path == NULL || options->queue_dir == NULL) {
        fprintf(stderr, "pos-till: --host, --ca, --cert, --key and --queue are required\n");
        return EXIT_USAGE;
    }
    *first_command_out = index;
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    till_t till = {.json = false, .log_level_max = LTY_CLIENT_LOG_WARN};
    lty_client_options_t options;
    lty_client_options_default(&options);
    int first_command = argc;
    if (flags_parse(argc, argv, &options, &till, &first_command) != EXIT_OK) {
        usage(stderr);
        return EXIT_USAGE;
    }
    options.log_cb = log_to_stderr;
    options.log_level_max = till.log_level_max;
    int err = lty_client_init(&till.client, &options);
    if (err != 0) {
        fprintf(stderr, "pos-till: cannot start the till client: %s (%s)\n",
                lty_client_strerror(err), lty_client_err_name(err));
        return err == LTY_E_CLIENT_BUG || err == LTY_E_INVALID_FIELD ? EXIT_USAGE
                                                                     : EXIT_OPERATING;
    }
    int code = first_command < argc
                   ? command_run(&till, argc - first_command, argv + first_command)
                   : stdin_run(&till);
    lty_client_close(&till.client);
    return code;
}
