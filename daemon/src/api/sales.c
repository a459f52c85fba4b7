/* SPDX-License-Identifier: MIT */
/* Till handlers for sales, returns and voids. A till acts only for the store and till named in
 * its certificate (the actor), so nothing in a body can name another store. The payment part
 * of a sale ("tenders", "pin") is parsed here with the PIN checked on the loop thread (argon2 is
 * slow: see ops_pin.c for why it never runs on the writer thread). Returns and voids answer with
 * what the cashier gives back by tender and the member's resulting balances; what comes back and
 * how is ops_return.c's. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "lty/lty_tls.h"
#include "ops.h"
#include "programme.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
        if (err == 0 && (lty_api_tender_type_parse(type, &tender->type) != 0 || seen[tender->type])) {
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
    if (pin[0] == '\0') return;
    lty_pin_t record;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    bool needed = err == 0 && prepaid_cents > settings->programme.pin_required_above_cents;
    if (err == 0 && needed) err = lty_ops_pin_get_by_card(txn, command->card_no, &record);
    lty_store_txn_abort(txn);
    if (err == 0 && !needed) return; /* the writer's gate decides again, on its settings */
    if (err != 0 || record.set == 0) {
        command->pin_check = LTY_OPS_PIN_UNSET;
        return;
    }
    command->pin_version = record.version;
    if (record.locked_until_ms > lty_clock_now_ms()) return; /* the writer refuses: locked */
    bool matched = lty_ops_pin_matches(api->pin_pepper, pin, &record);
    command->pin_check = matched ? LTY_OPS_PIN_MATCHED : LTY_OPS_PIN_WRONG;
}

static int sale_payment_parse(lty_api_t *api, const lty_json_node_t *root,
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

/* ---- POST /v1/till/sales ------------------------------------------------------------------ */

/* What a sale and its quote both say about earning: the points without rules, what
 * each rule changed, and the staff member's commission. */
static void sale_earning_render(lty_json_writer_t *writer, const lty_ops_sale_t *command,
                                const lty_rules_outcome_t *rules, int64_t commission_cents)
{
    lty_jw_kv_int(writer, "points_base", rules->points_base);
    lty_api_render_rules_applied(writer, rules);
    if (command->staff_id[0] != '\0') {
        lty_jw_kv_string(writer, "staff_id", command->staff_id);
        lty_jw_kv_int(writer, "commission_cents", commission_cents);
    }
}

/* "coupons" (codes, applied in order) and "offline" (the till accepted them on their
 * signature while it could not reach the daemon: docs/coupons.md). */
static int sale_coupons_parse(const lty_json_node_t *root, lty_ops_sale_t *command,
                              lty_diag_t *diag)
{
    const lty_json_node_t *coupons = NULL;
    int err = lty_json_get_array(root, "", "coupons", false, LTY_COUPONS_PER_SALE_MAX, &coupons,
                                 &command->coupons_count, diag);
    for (size_t index = 0; err == 0 && index < command->coupons_count; index++) {
        const char *code = lty_json_node_string(lty_json_item(coupons, index));
        size_t size = code != NULL ? strnlen(code, LTY_COUPON_CODE_SIZE) : 0;
        if (size == 0 || size > LTY_COUPON_CODE_CHARS) {
            char field[32];
            snprintf(field, sizeof(field), "/coupons/%zu", index);
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "a coupon code is a string of "
                               "%d characters", LTY_COUPON_CODE_CHARS);
            break;
        }
        /* a shorter code is not refused here: the sale answers coupon_not_found */
        memcpy(command->coupons[index], code, size);
        command->coupons[index][size] = '\0';
    }
    if (err == 0) err = lty_json_get_bool(root, "", "offline", false, &command->offline, NULL,
                                          diag);
    return err;
}

/* What a sale and its quote both say about the coupons: the total after them, the discount, and
 * each coupon's effect. A refused coupon (an offline sale's, or any in a quote) says why; a sale
 * names the conflict recorded for it. */
static void sale_coupons_render(lty_json_writer_t *writer, const lty_ops_sale_t *command,
                                bool sale, int64_t total_cents, const lty_ops_coupons_t *coupons)
{
    lty_jw_kv_int(writer, "total_cents", total_cents);
    lty_jw_kv_int(writer, "discount_cents", coupons->discount_cents);
    if (command->coupons_count == 0) return;
    lty_jw_key(writer, "coupons");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < coupons->count; index++) {
        const lty_ops_coupon_effect_t *effect = &coupons->effects[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "code", effect->code);
        lty_jw_kv_int(writer, "campaign_id", (int64_t)effect->campaign_id);
        lty_jw_kv_string(writer, "name", effect->campaign_name);
        lty_jw_kv_bool(writer, "applied", effect->err == 0);
        lty_jw_kv_int(writer, "discount_cents", effect->discount_cents);
        if (effect->err != 0) {
            lty_jw_kv_string(writer, "error", lty_err_code(effect->err));
            if (sale) lty_jw_kv_int(writer, "conflict_id", (int64_t)effect->conflict_id);
            lty_jw_key(writer, "first_use");
            if (effect->first_sale_id == 0) {
                lty_jw_null(writer);
            } else {
                lty_jw_object_begin(writer);
                lty_jw_kv_int(writer, "sale_id", (int64_t)effect->first_sale_id);
                lty_jw_kv_string(writer, "store", effect->first_store);
                lty_jw_kv_string(writer, "till", effect->first_till);
                lty_api_render_time(writer, "at", effect->first_ms);
                lty_jw_object_end(writer);
            }
        }
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    if (sale) lty_jw_kv_int(writer, "coupon_conflicts", (int64_t)coupons->conflicts_count);
}

static int sale_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_ops_sale_t *command = lty_api_job_command(job);
    lty_ops_sale_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    bool keep = false; /* a wrong PIN's failure count is committed though the sale is refused */
    err = lty_ops_pin_gate(txn, &settings->programme, job->now_ms, command, &keep, &diag);
    if (err == 0) {
        err = lty_ops_sale_ex(txn, lty_api_job_actor(job), settings, job->now_ms, command,
                              &result, &diag);
    }
    if (err != 0) {
        lty_api_job_refuse(job, err, &diag);
        return keep ? 0 : err;
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "sale_id", (int64_t)result.sale_id);
    lty_jw_kv_string(&writer, "card_no", command->card_no);
    lty_jw_kv_string(&writer, "receipt_no", command->receipt_no);
    lty_jw_kv_int(&writer, "member_id", (int64_t)result.member_id);
    lty_jw_kv_int(&writer, "points_earned", result.points_earned);
    lty_jw_kv_int(&writer, "points_redeemed", result.points_redeemed);
    lty_jw_kv_int(&writer, "points_balance", result.points_balance);
    lty_jw_kv_int(&writer, "prepaid_cents", result.prepaid_cents);
    lty_jw_kv_string(&writer, "tier", settings->programme.tiers[result.tier].name);
    lty_jw_kv_bool(&writer, "tier_upgraded", result.tier_upgraded);
    sale_earning_render(&writer, command, &result.rules, result.commission_cents);
    sale_coupons_render(&writer, command, true, result.total_cents, &result.coupons);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

static int sale_line_parse(const lty_json_node_t *line, size_t index, lty_sale_line_t *out,
                           lty_diag_t *diag)
{
    static const char *const keys[] = {"sku", "category", "qty", "amount_cents", NULL};
    char path[32];
    snprintf(path, sizeof(path), "/lines/%zu", index);
    int64_t qty = 0;
    int err = lty_json_keys_check(line, path, keys, diag);
    if (err == 0) {
        err = lty_json_get_string(line, path, "sku", true, 1, LTY_SKU_BYTES_MAX, out->sku,
                                  sizeof(out->sku), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(line, path, "category", false, 0, LTY_CATEGORY_BYTES_MAX,
                                  out->category, sizeof(out->category), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(line, path, "qty", true, 1, LTY_LINE_QTY_MAX, &qty, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(line, path, "amount_cents", true, 0, LTY_LINE_AMOUNT_CENTS_MAX,
                               &out->amount_cents, NULL, diag);
    }
    out->qty = (uint32_t)qty;
    return err;
}

static int sale_parse(const lty_json_node_t *root, bool quote, lty_ops_sale_t *command,
                      lty_diag_t *diag)
{
    static const char *const keys[] = {"card_no", "receipt_no", "lines",    "redeem_points",
                                       "tenders", "pin",        "staff_id", "coupons",
                                       "offline", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "card_no", true, 1, LTY_CARD_NO_SIZE - 1,
                                  command->card_no, sizeof(command->card_no), NULL, diag);
        if (err != 0) err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no", "%s",
                                         "card_no must be 12 to 19 digits with a check digit");
    }
    if (err == 0 && lty_card_no_check(command->card_no, strlen(command->card_no)) != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no",
                           "card number fails its check digit");
    }
    if (err == 0) { /* a quote may go without one */
        err = lty_json_get_string(root, "", "receipt_no", !quote, 1, LTY_RECEIPT_NO_BYTES_MAX,
                                  command->receipt_no, sizeof(command->receipt_no), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "staff_id", false, 1, LTY_STAFF_ID_BYTES_MAX,
                                  command->staff_id, sizeof(command->staff_id), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "redeem_points", false, 0, LTY_POINTS_PER_TXN_MAX,
                               &command->redeem_points, NULL, diag);
    }
    const lty_json_node_t *lines = NULL;
    if (err == 0) {
        err = lty_json_get_array(root, "", "lines", true, LTY_BASKET_LINES_MAX, &lines,
                                 &command->lines_count, diag);
    }
    if (err == 0 && command->lines_count == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines", "a sale needs at least one line");
    }
    for (size_t index = 0; err == 0 && index < command->lines_count; index++) {
        err = sale_line_parse(lty_json_item(lines, index), index, &command->lines[index], diag);
    }
    if (err == 0) err = sale_coupons_parse(root, command, diag);
    return err;
}

int lty_api_till_sale_create(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_sale_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? sale_parse(lty_json_doc_root(doc), false, command, &diag)
                              : LTY_E_NOMEM;
    if (err == 0) err = sale_payment_parse(api, lty_json_doc_root(doc), command, &diag);
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, sale_apply, command, lty_free);
}

/* ---- POST /v1/till/sales/quote ---------------------------------------------------------- */

static void quote_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                         const lty_ops_sale_t *command, const lty_ops_quote_t *quote,
                         int64_t now_ms)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "card_no", command->card_no);
    lty_jw_kv_int(writer, "member_id", (int64_t)quote->member_id);
    lty_jw_kv_int(writer, "points_balance", quote->points_balance);
    lty_jw_kv_int(writer, "points_earned", quote->points_earned);
    lty_jw_kv_int(writer, "points_redeemed", quote->points_redeemed);
    lty_jw_kv_int(writer, "points_redeemable", quote->points_redeemable);
    lty_jw_kv_int(writer, "redeem_cents_per_point", quote->redeem_cents_per_point);
    lty_jw_kv_string(writer, "tier", programme->tiers[quote->tier].name);
    sale_earning_render(writer, command, &quote->rules, quote->commission_cents);
    sale_coupons_render(writer, command, false, quote->total_cents, &quote->coupons);
    lty_api_render_time(writer, "quoted_at", now_ms);
    lty_jw_object_end(writer);
}

/* A quote runs in a read transaction on the loop thread and writes nothing: no Idempotency-Key,
 * no PIN check (nothing is paid), the same evaluation as the sale (ops_sale.c). */
int lty_api_till_sale_quote(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_sale_t *command = lty_calloc(1, sizeof(*command));
    lty_ops_quote_t *quote = lty_alloc(sizeof(*quote));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL && quote != NULL
                  ? sale_parse(lty_json_doc_root(doc), true, command, &diag)
                  : LTY_E_NOMEM;
    char pin[LTY_PIN_DIGITS_MAX + 1] = ""; /* accepted with the sale's body, never checked */
    if (err == 0) err = tenders_parse(lty_json_doc_root(doc), command, &diag);
    if (err == 0) err = lty_json_get_string(lty_json_doc_root(doc), "", "pin", false, 1,
                                            LTY_PIN_DIGITS_MAX, pin, sizeof(pin), NULL, &diag);
    memset(pin, 0, sizeof(pin));
    lty_json_doc_free(doc);
    int64_t now_ms = lty_clock_now_ms();
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    if (err == 0) err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_sale_quote(txn, lty_api_actor(exchange), settings, now_ms,
                                           command, quote, &diag);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        quote_render(&writer, &settings->programme, command, quote, now_ms);
    }
    lty_free(command);
    lty_free(quote);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, &diag);
}

/* ---- POST /v1/till/returns and POST /v1/till/sales/{sale_id}/void -------------------- */

typedef struct void_command_s {
    uint64_t sale_id;
} void_command_t;

static const char *sale_status_name(uint8_t status)
{
    switch (status) {
    case LTY_SALE_COMPLETED: return "completed";
    case LTY_SALE_PARTLY_RETURNED: return "partly_returned";
    case LTY_SALE_RETURNED: return "returned";
    case LTY_SALE_VOIDED: return "voided";
    default: return "unknown";
    }
}

static void result_render(lty_json_writer_t *writer, const lty_ops_return_result_t *result)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "entry_id", (int64_t)result->entry_id);
    lty_jw_kv_int(writer, "sale_id", (int64_t)result->sale_id);
    lty_jw_kv_string(writer, "store", result->store);
    lty_jw_kv_string(writer, "receipt_no", result->receipt_no);
    lty_jw_kv_int(writer, "member_id", (int64_t)result->member_id);
    lty_jw_kv_int(writer, "qty_returned", result->qty_returned);
    lty_jw_kv_int(writer, "refund_cents", result->refund_cents);
    lty_jw_key(writer, "refunds");
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "prepaid_cents", result->refund_prepaid_cents);
    lty_jw_kv_int(writer, "cash_cents", result->refund_cash_cents);
    lty_jw_kv_int(writer, "bank_card_cents", result->refund_bank_card_cents);
    lty_jw_kv_int(writer, "outside_cents", result->refund_outside_cents);
    lty_jw_object_end(writer);
    lty_jw_kv_int(writer, "points_refunded", result->points_refunded);
    lty_jw_kv_int(writer, "points_taken_back", result->points_taken_back);
    lty_jw_kv_int(writer, "coupons_restored", (int64_t)result->coupons_restored);
    lty_jw_kv_string(writer, "sale_status", sale_status_name(result->sale_status));
    lty_api_render_balances(writer, result->points_balance, result->prepaid_cents);
    lty_jw_key(writer, "lines");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < result->lines_count; index++) {
        const lty_sale_line_t *line = &result->lines[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "sku", line->sku);
        lty_jw_kv_int(writer, "qty", line->qty);
        lty_jw_kv_int(writer, "qty_returned", line->qty_returned);
        lty_jw_kv_int(writer, "amount_cents", line->amount_cents);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}

static int return_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    static _Thread_local lty_ops_return_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = lty_ops_return(txn, lty_api_job_actor(job), &settings->programme,
                             job->now_ms, lty_api_job_command(job), &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    result_render(&writer, &result);
    return lty_api_job_reply(job, 201);
}

static int return_line_parse(const lty_json_node_t *item, size_t index,
                             lty_ops_return_line_t *line, lty_diag_t *diag)
{
    static const char *const keys[] = {"sku", "category", "qty", "amount_cents", NULL};
    char path[32];
    snprintf(path, sizeof(path), "/lines/%zu", index);
    int64_t qty = 0;
    int err = lty_json_keys_check(item, path, keys, diag);
    if (err == 0) err = lty_json_get_string(item, path, "sku", true, 1, LTY_SKU_BYTES_MAX,
                                            line->sku, sizeof(line->sku), NULL, diag);
    if (err == 0) err = lty_json_get_int(item, path, "qty", true, 1, LTY_LINE_QTY_MAX, &qty,
                                         NULL, diag);
    if (err == 0) err = lty_json_get_string(item, path, "category", false, 0,
                                            LTY_CATEGORY_BYTES_MAX, line->category,
                                            sizeof(line->category), &line->category_given, diag);
    if (err == 0) err = lty_json_get_int(item, path, "amount_cents", false, 0,
                                         LTY_LINE_AMOUNT_CENTS_MAX, &line->amount_cents,
                                         &line->amount_given, diag);
    line->qty = (uint32_t)qty;
    return err;
}

static int return_parse(const lty_json_node_t *root, lty_ops_return_t *command, lty_diag_t *diag)
{
    static const char *const keys[] = {"sale_id", "receipt_no", "store", "lines", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    int64_t sale_id = 0;
    bool sale_id_given = false;
    bool receipt_given = false;
    if (err == 0) err = lty_json_get_int(root, "", "sale_id", false, 1, LTY_JSON_INT_MAX,
                                         &sale_id, &sale_id_given, diag);
    if (err == 0) err = lty_json_get_string(root, "", "receipt_no", false, 1,
                                            LTY_RECEIPT_NO_BYTES_MAX, command->receipt_no,
                                            sizeof(command->receipt_no), &receipt_given, diag);
    if (err == 0) err = lty_json_get_string(root, "", "store", false, 1, LTY_STORE_ID_BYTES_MAX,
                                            command->store, sizeof(command->store), NULL, diag);
    if (err == 0 && sale_id_given == receipt_given) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/sale_id",
                           "give either sale_id or receipt_no (with an optional store)");
    }
    if (err == 0 && sale_id_given && command->store[0] != '\0') {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/store", "store goes with receipt_no");
    }
    command->sale_id = (uint64_t)sale_id;
    const lty_json_node_t *lines = NULL;
    if (err == 0) err = lty_json_get_array(root, "", "lines", false, LTY_BASKET_LINES_MAX, &lines,
                                           &command->lines_count, diag);
    if (err == 0 && lines != NULL && command->lines_count == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                           "omit lines to return everything not yet returned");
    }
    for (size_t index = 0; err == 0 && index < command->lines_count; index++) {
        err = return_line_parse(lty_json_item(lines, index), index, &command->lines[index], diag);
    }
    return err;
}

int lty_api_till_return_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_return_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? return_parse(lty_json_doc_root(doc), command, &diag)
                              : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, return_apply, command, lty_free);
}

static int void_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    static _Thread_local lty_ops_return_result_t result;
    const void_command_t *command = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = lty_ops_void(txn, lty_api_job_actor(job), &settings->programme,
                           job->now_ms, command->sale_id, &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    result_render(&writer, &result);
    return lty_api_job_reply(job, 201);
}

int lty_api_till_sale_void(lty_api_t *api, lty_exchange_t *exchange,
                           const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t sale_id = 0;
    if (lty_api_parse_id(params->values[0], &sale_id) != 0) {
        return lty_api_reply_error(exchange, LTY_E_SALE_NOT_FOUND, NULL);
    }
    void_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    command->sale_id = sale_id;
    return lty_api_submit(api, exchange, void_apply, command, lty_free);
}
