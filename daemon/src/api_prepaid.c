/* SPDX-License-Identifier: MIT */
/* Prepaid and PIN handlers: top-ups at a till and by an operator, a member setting a PIN on the
 * till's PIN pad, an operator issuing a one-time PIN reset code, and the payment part of a sale
 * body ("tenders", "pin") with the PIN checked on the loop thread (argon2 is slow: see
 * ops_pin.c for why it never runs on the writer thread). */
#include "api.h"
#include "api_prepaid.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "lty/lty_tls.h"
#include "ops.h"
#include "programme.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Rendering ------------------------------------------------------------------------------ */

void lty__api_balances_render(lty_json_writer_t *writer, int64_t points_balance,
                              int64_t prepaid_cents)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(prepaid_cents >= 0);
    lty_jw_kv_int(writer, "points_balance", points_balance);
    lty_jw_kv_int(writer, "prepaid_cents", prepaid_cents);
}

static int tender_type_parse(const char *name, uint8_t *type_out)
{
    if (strcmp(name, "cash") == 0) *type_out = LTY_TENDER_CASH;
    else if (strcmp(name, "bank_card") == 0) *type_out = LTY_TENDER_BANK_CARD;
    else if (strcmp(name, "prepaid") == 0) *type_out = LTY_TENDER_PREPAID;
    else return LTY_E_INVALID_FIELD;
    return 0;
}

/* ---- POST /v1/till/prepaid/topups and /v1/admin/prepaid/topups ----------------------------- */

static int topup_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_topup_t *command = lty_api_job_command(job);
    lty_ops_balances_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_topup(txn, lty_api_job_actor(job), lty_api_job_api(job)->programme,
                            job->now_ms, command, &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "entry_id", (int64_t)result.entry_id);
    lty_jw_kv_int(&writer, "member_id", (int64_t)result.member_id);
    if (command->card_no[0] != '\0') lty_jw_kv_string(&writer, "card_no", command->card_no);
    lty_jw_kv_int(&writer, "amount_cents", command->amount_cents);
    lty_jw_kv_string(&writer, "tender", command->tender == LTY_TENDER_CASH ? "cash" : "bank_card");
    lty__api_balances_render(&writer, result.points_balance, result.prepaid_cents);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

static int topup_parse(const lty_json_node_t *root, bool operator_topup, lty_ops_topup_t *command,
                       lty_diag_t *diag)
{
    static const char *const till_keys[] = {"card_no", "amount_cents", "tender", NULL};
    static const char *const admin_keys[] = {"member_id", "amount_cents", "tender", "reason",
                                             NULL};
    int err = lty_json_keys_check(root, "", operator_topup ? admin_keys : till_keys, diag);
    int64_t member_id = 0;
    if (err == 0 && operator_topup) {
        err = lty_json_get_int(root, "", "member_id", true, 1, LTY_JSON_INT_MAX, &member_id, NULL,
                               diag);
        err = err == 0 ? lty_json_get_string(root, "", "reason", true, 1, LTY_REASON_BYTES_MAX,
                                             command->reason, sizeof(command->reason), NULL, diag)
                       : err;
    } else if (err == 0) {
        err = lty_json_get_string(root, "", "card_no", true, 1, LTY_CARD_NO_SIZE - 1,
                                  command->card_no, sizeof(command->card_no), NULL, diag);
        if (err == 0 && lty_card_no_check(command->card_no, strlen(command->card_no)) != 0) {
            err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no",
                               "card number fails its check digit");
        }
    }
    command->member_id = (uint64_t)member_id;
    if (err == 0) {
        err = lty_json_get_int(root, "", "amount_cents", true, 1, LTY_PREPAID_CENTS_PER_TXN_MAX,
                               &command->amount_cents, NULL, diag);
    }
    char tender[16];
    if (err == 0) {
        err = lty_json_get_string(root, "", "tender", true, 1, sizeof(tender) - 1, tender,
                                  sizeof(tender), NULL, diag);
    }
    if (err == 0 && (tender_type_parse(tender, &command->tender) != 0 ||
                     command->tender == LTY_TENDER_PREPAID)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tender",
                           "tender must be \"cash\" or \"bank_card\"");
    }
    return err;
}

static int topup_submit(lty_api_t *api, lty_exchange_t *exchange, bool operator_topup)
{
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_topup_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? topup_parse(lty_json_doc_root(doc), operator_topup, command, &diag)
                              : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, topup_apply, command, lty_free);
}

int lty_api_till_topup_create(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return topup_submit(api, exchange, false);
}

int lty_api_admin_topup_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return topup_submit(api, exchange, true);
}

/* ---- POST /v1/till/cards/{card_no}/pin ------------------------------------------------------ */

static int pin_set_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_pin_set_t *command = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_pin_set(txn, lty_api_job_actor(job), job->now_ms, command, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", command->card_no);
    lty_jw_kv_bool(&writer, "pin_set", true);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

static int pin_set_parse(const lty_json_node_t *root, char *pin, size_t pin_size,
                         char *code, size_t code_size, bool *code_given, lty_diag_t *diag)
{
    static const char *const keys[] = {"pin", "reset_code", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "pin", true, 1, LTY_PIN_DIGITS_MAX, pin, pin_size,
                                  NULL, diag);
    }
    if (err == 0 && !lty_ops_pin_syntax_ok(pin)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/pin", "a PIN is %d to %d digits",
                           LTY_PIN_DIGITS_MIN, LTY_PIN_DIGITS_MAX);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "reset_code", false, 1, LTY_PIN_RESET_CODE_DIGITS,
                                  code, code_size, code_given, diag);
    }
    return err;
}

int lty_api_till_pin_set(lty_api_t *api, lty_exchange_t *exchange,
                         const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    const char *card_no = params->values[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        return lty_api_reply_error(exchange, LTY_E_INVALID_CARD_NO, NULL);
    }
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    char pin[LTY_PIN_DIGITS_MAX + 1] = "";
    char code[LTY_PIN_RESET_CODE_DIGITS + 1] = "";
    bool code_given = false;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = pin_set_parse(lty_json_doc_root(doc), pin, sizeof(pin), code, sizeof(code),
                            &code_given, &diag);
    lty_json_doc_free(doc);
    lty_ops_pin_set_t *command = err == 0 ? lty_calloc(1, sizeof(*command)) : NULL;
    if (err == 0 && command == NULL) err = LTY_E_NOMEM;
    if (err == 0) {
        snprintf(command->card_no, sizeof(command->card_no), "%.19s", card_no);
        command->reset_code_given = code_given;
        if (code_given) lty_crypto_sha256(code, strlen(code), command->reset_code_hash);
        err = lty_ops_pin_hash(api->pin_pepper, pin, &command->hashed); /* slow: here, not the writer */
    }
    memset(pin, 0, sizeof(pin));
    memset(code, 0, sizeof(code));
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, pin_set_apply, command, lty_free);
}

/* ---- POST /v1/admin/cards/{card_no}/pin-reset ----------------------------------------------- */

typedef struct pin_reset_s {
    char card_no[LTY_CARD_NO_SIZE];
    char code[LTY_PIN_RESET_CODE_DIGITS + 1];
} pin_reset_t;

static int pin_reset_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const pin_reset_t *command = lty_api_job_command(job);
    uint8_t code_hash[32];
    lty_crypto_sha256(command->code, strlen(command->code), code_hash);
    int err = lty_ops_pin_reset_issue(txn, lty_api_job_actor(job), job->now_ms, command->card_no,
                                      code_hash);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", command->card_no);
    lty_jw_kv_string(&writer, "reset_code", command->code);
    lty_jw_kv_int(&writer, "valid_for_ms", LTY_PIN_RESET_MS);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_pin_reset(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    const char *card_no = params->values[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        return lty_api_reply_error(exchange, LTY_E_INVALID_CARD_NO, NULL);
    }
    pin_reset_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    snprintf(command->card_no, sizeof(command->card_no), "%.19s", card_no);
    uint8_t random[LTY_PIN_RESET_CODE_DIGITS];
    if (lty_crypto_random(random, sizeof(random)) != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, LTY_E_TLS, NULL);
    }
    for (size_t index = 0; index < sizeof(random); index++) {
        command->code[index] = (char)('0' + random[index] % 10); /* bias < 3%: one-time, 1 day */
    }
    return lty_api_submit(api, exchange, pin_reset_apply, command, lty_free);
}

/* ---- The payment part of POST /v1/till/sales ------------------------------------------------ */

static int tenders_parse(const lty_json_node_t *root, lty_ops_sale_t *command, lty_diag_t *diag)
{
    const lty_json_node_t *tenders = NULL;
    bool seen[LTY_TENDER_PREPAID + 1] = {false};
    int err = lty_json_get_array(root, "", "tenders", false, LTY_TENDERS_PER_SALE_MAX, &tenders,
                                 &command->tenders_count, diag);
    for (size_t index = 0; err == 0 && index < command->tenders_count; index++) {
        static const char *const keys[] = {"type", "amount_cents", NULL};
        const lty_json_node_t *item = lty_json_item(tenders, index);
        char path[32];
        char type[16];
        snprintf(path, sizeof(path), "/tenders/%zu", index);
        lty_sale_tender_t *tender = &command->tenders[index];
        err = lty_json_keys_check(item, path, keys, diag);
        if (err == 0) err = lty_json_get_string(item, path, "type", true, 1, sizeof(type) - 1,
                                                type, sizeof(type), NULL, diag);
        if (err == 0 && (tender_type_parse(type, &tender->type) != 0 || seen[tender->type])) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, path,
                               "type is \"prepaid\", \"cash\" or \"bank_card\", each at most once");
        }
        if (err == 0) seen[tender->type] = true;
        if (err == 0) err = lty_json_get_int(item, path, "amount_cents", true, 1,
                                             LTY_SALE_AMOUNT_CENTS_MAX, &tender->amount_cents,
                                             NULL, diag);
    }
    if (err == 0 && tenders != NULL && command->tenders_count == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tenders",
                           "omit tenders for a sale paid outside the programme");
    }
    return err;
}

/* The loop thread's half of the PIN gate: read the record, run argon2, hand the outcome and
 * the record's version to the writer (lty_ops_pin_gate decides and counts). */
static void pin_check(lty_api_t *api, const char *pin, lty_ops_sale_t *command)
{
    command->pin_check = LTY_OPS_PIN_NONE;
    int64_t prepaid_cents = 0;
    for (size_t index = 0; index < command->tenders_count; index++) {
        if (command->tenders[index].type == LTY_TENDER_PREPAID) {
            prepaid_cents += command->tenders[index].amount_cents;
        }
    }
    if (pin[0] == '\0' || prepaid_cents <= api->programme->pin_required_above_cents) return;
    lty_pin_t record;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_pin_get(txn, command->card_no, &record);
    lty_store_txn_abort(txn);
    if (err != 0 || record.set == 0) {
        command->pin_check = LTY_OPS_PIN_UNSET;
        return;
    }
    command->pin_version = record.version;
    if (record.locked_until_ms > lty_clock_now_ms()) return; /* the writer refuses: locked */
    bool matched = lty_ops_pin_matches(api->pin_pepper, pin, &record);
    command->pin_check = matched ? LTY_OPS_PIN_MATCHED : LTY_OPS_PIN_WRONG;
}

int lty__api_sale_payment_parse(lty_api_t *api, const lty_json_node_t *root,
                                lty_ops_sale_t *command, lty_diag_t *diag)
{
    LTY_ASSERT(api != NULL && root != NULL);
    LTY_ASSERT(command != NULL);
    char pin[LTY_PIN_DIGITS_MAX + 1] = "";
    int err = tenders_parse(root, command, diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "pin", false, 1, LTY_PIN_DIGITS_MAX, pin,
                                  sizeof(pin), NULL, diag);
    }
    if (err == 0 && pin[0] != '\0' && !lty_ops_pin_syntax_ok(pin)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/pin", "a PIN is %d to %d digits",
                           LTY_PIN_DIGITS_MIN, LTY_PIN_DIGITS_MAX);
    }
    if (err == 0) pin_check(api, pin, command);
    memset(pin, 0, sizeof(pin));
    return err;
}
