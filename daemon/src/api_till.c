/* SPDX-License-Identifier: MIT */
/* Till realm handlers: card look-up and sales. A till acts only for the store and till named in
 * its certificate (the actor), so nothing in a body can name another store.
 *
 * Policy (documented in docs/api.md): a card that cannot be used is refused at look-up the same
 * way it is refused in a sale (423 card_lost / card_replaced / card_expired / card_closed, 409
 * card_not_activated, 410 account_closed), so the cashier learns it at the first scan. */
#include "api.h"
#include "api_prepaid.h"
#include "api_members.h"
#include "api_render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* ---- GET /v1/till/cards/{card_no} --------------------------------------------------------- */

static int card_usable(const lty_ops_card_view_t *view)
{
    switch (view->card_status) {
    case LTY_CARD_ACTIVE: return view->expired ? LTY_E_CARD_EXPIRED : 0;
    case LTY_CARD_LOST: return LTY_E_CARD_LOST;
    case LTY_CARD_REPLACED: return LTY_E_CARD_REPLACED;
    case LTY_CARD_EXPIRED: return LTY_E_CARD_EXPIRED;
    case LTY_CARD_UNASSIGNED: return LTY_E_CARD_NOT_ACTIVATED;
    case LTY_CARD_CLOSED:
    default: return LTY_E_CARD_CLOSED;
    }
}

int lty_api_till_card_get(lty_api_t *api, lty_exchange_t *exchange,
                          const lty_route_params_t *params)
{
    const char *card_no = params->values[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        return lty_api_reply_error(exchange, LTY_E_INVALID_CARD_NO, NULL);
    }
    int64_t now_ms = lty_clock_now_ms();
    lty_ops_card_view_t view;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_card_lookup(txn, card_no, now_ms, &view);
    lty_ops_tier_status_t tier; /* issue 4: the tier and what the next one still needs */
    memset(&tier, 0, sizeof(tier));
    if (err == 0 && view.member_id != 0) {
        err = lty_ops_tier_status(txn, api->programme, now_ms, view.member_id, &tier);
    }
    lty_store_txn_abort(txn);
    if (err == 0) err = card_usable(&view);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);

    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", view.card_no);
    lty_jw_kv_string(&writer, "card_status", lty_api_card_status_name(view.card_status,
                                                                      view.expired));
    lty_jw_kv_int(&writer, "member_id", (int64_t)view.member_id);
    lty_jw_kv_string(&writer, "name", view.name);
    lty_jw_kv_int(&writer, "points", view.points);
    lty_jw_kv_int(&writer, "prepaid_cents", view.prepaid_cents);
    lty_api_render_time(&writer, "expires_at", view.expires_ms);
    lty__api_tier_render(&writer, api->programme, &tier);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

/* ---- POST /v1/till/sales ------------------------------------------------------------------ */

static int sale_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_sale_t *command = lty_api_job_command(job);
    lty_ops_sale_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    bool keep = false; /* a wrong PIN's failure count is committed though the sale is refused */
    int err = lty_ops_pin_gate(txn, lty_api_job_api(job)->programme, job->now_ms, command, &keep,
                               &diag);
    if (err == 0) {
        err = lty_ops_sale(txn, lty_api_job_actor(job), lty_api_job_api(job)->programme,
                           job->now_ms, command, &result, &diag);
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
    lty_jw_kv_string(&writer, "tier", lty_api_job_api(job)->programme->tiers[result.tier].name);
    lty_jw_kv_bool(&writer, "tier_upgraded", result.tier_upgraded);
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

static int sale_parse(const lty_json_node_t *root, lty_ops_sale_t *command, lty_diag_t *diag)
{
    static const char *const keys[] = {"card_no", "receipt_no", "lines", "redeem_points",
                                       "tenders", "pin", NULL};
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
    if (err == 0) {
        err = lty_json_get_string(root, "", "receipt_no", true, 1, LTY_RECEIPT_NO_BYTES_MAX,
                                  command->receipt_no, sizeof(command->receipt_no), NULL, diag);
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
    int err = command != NULL ? sale_parse(lty_json_doc_root(doc), command, &diag) : LTY_E_NOMEM;
    if (err == 0) err = lty__api_sale_payment_parse(api, lty_json_doc_root(doc), command, &diag);
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, sale_apply, command, lty_free);
}
