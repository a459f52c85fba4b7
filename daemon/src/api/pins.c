/* SPDX-License-Identifier: MIT */
/* PIN handlers: a member setting a PIN on the till's PIN pad (hashed here, on the loop thread),
 * and an operator issuing a one-time PIN reset code (the operator never learns a PIN). */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_tls.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

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
