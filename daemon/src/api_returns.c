/* SPDX-License-Identifier: MIT */
/* Return and void handlers (issue 3): POST /v1/till/returns and
 * POST /v1/till/sales/{sale_id}/void. Parsing and rendering only; what comes back and how is
 * ops_return.c's. Both answer with what the cashier gives back by tender and the member's
 * resulting balances. */
#include "api.h"
#include "api_prepaid.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

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
    lty_jw_kv_string(writer, "sale_status", sale_status_name(result->sale_status));
    lty__api_balances_render(writer, result->points_balance, result->prepaid_cents);
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
    static _Thread_local lty_ops_return_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_return(txn, lty_api_job_actor(job), lty_api_job_api(job)->programme,
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
    static _Thread_local lty_ops_return_result_t result;
    const void_command_t *command = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_void(txn, lty_api_job_actor(job), lty_api_job_api(job)->programme,
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
