/* SPDX-License-Identifier: MIT */
/* Gift catalogue handlers (docs/coupons.md): gifts and their stock for operators,
 * redemptions by an operator, a till or the member on the portal, hand-over at a till (a scan
 * of the redemption), cancellation, and the stock report. What a redemption does is
 * ops_gift.c's; this file parses, submits and renders. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "ops.h"
#include "ops_coupons.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const redemption_status_names[] = {"", "reserved", "handed_over", "cancelled",
                                                      "expired"};

static void gift_render(lty_json_writer_t *writer, const lty_ops_gift_view_t *view)
{
    const lty_gift_t *gift = &view->gift;
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "gift_id", (int64_t)gift->gift_id);
    lty_jw_kv_string(writer, "name", gift->name);
    lty_jw_kv_int(writer, "points_price", gift->points_price);
    lty_jw_kv_int(writer, "cash_cents", gift->cash_cents);
    lty_jw_kv_string(writer, "stock_mode",
                     gift->stock_mode == LTY_GIFT_STOCK_CENTRAL ? "central" : "per_store");
    lty_jw_kv_bool(writer, "active", gift->active != 0);
    lty_api_render_time(writer, "valid_from", gift->valid_from_ms);
    lty_api_render_time(writer, "valid_to", gift->valid_to_ms);
    lty_jw_kv_int(writer, "per_member_limit", gift->per_member_limit);
    lty_jw_kv_int(writer, "reservation_days", gift->reservation_days);
    lty_jw_kv_int(writer, "available", view->available);
    lty_jw_key(writer, "stock");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < view->stocks_count; index++) {
        const lty_gift_stock_t *stock = &view->stocks[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "store", stock->store);
        lty_jw_kv_int(writer, "added", stock->added);
        lty_jw_kv_int(writer, "reserved", stock->reserved);
        lty_jw_kv_int(writer, "handed_over", stock->handed_over);
        lty_jw_kv_int(writer, "available", stock->added - stock->reserved - stock->handed_over);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}

static void redemption_render(lty_json_writer_t *writer, const lty_gift_redemption_t *redemption,
                              const char *gift_name)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "redemption_id", (int64_t)redemption->redemption_id);
    lty_jw_kv_int(writer, "gift_id", (int64_t)redemption->gift_id);
    if (gift_name != NULL) lty_jw_kv_string(writer, "name", gift_name);
    lty_jw_kv_int(writer, "member_id", (int64_t)redemption->member_id);
    lty_jw_kv_string(writer, "store", redemption->store);
    lty_jw_kv_string(writer, "status", redemption_status_names[redemption->status]);
    lty_jw_kv_int(writer, "points", redemption->points);
    lty_jw_kv_int(writer, "cash_cents", redemption->cash_cents);
    lty_jw_kv_int(writer, "entry_id", (int64_t)redemption->entry_id);
    lty_api_render_time(writer, "created_at", redemption->created_ms);
    lty_api_render_time(writer, "reserved_until", redemption->expires_ms);
    lty_api_render_time(writer, "closed_at", redemption->closed_ms);
    lty_jw_object_end(writer);
}

/* ---- Gifts ----------------------------------------------------------------------------------- */

/* "stock": units of the central stock, or "store_stock": [{"store","stock"}] per store. */
static int stock_parse(const lty_json_node_t *root, bool required, lty_ops_gift_new_t *gift,
                       bool *per_store_out, lty_diag_t *diag)
{
    const lty_json_node_t *stores = NULL;
    bool central = false;
    int err = lty_json_get_int(root, "", "stock", false, 0, LTY_GIFT_STOCK_MAX,
                               &gift->stocks[0].add, &central, diag);
    if (err == 0) err = lty_json_get_array(root, "", "store_stock", false,
                                           LTY_GIFT_STOCK_STORES_MAX, &stores,
                                           &gift->stocks_count, diag);
    *per_store_out = stores != NULL;
    bool both = central && stores != NULL;
    bool neither = !central && stores == NULL;
    if (err == 0 && (both || (neither && required))) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/stock",
                           "give stock (central) or store_stock (per store), not both");
    }
    if (err != 0 || stores == NULL) {
        if (central) gift->stocks_count = 1;
        return err;
    }
    if (gift->stocks_count == 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/store_stock", "1 to %d stores",
                            LTY_GIFT_STOCK_STORES_MAX);
    }
    static const char *const keys[] = {"store", "stock", NULL};
    for (size_t index = 0; err == 0 && index < gift->stocks_count; index++) {
        const lty_json_node_t *item = lty_json_item(stores, index);
        lty_ops_gift_stock_set_t *set = &gift->stocks[index];
        char path[40]; /* "/store_stock/" and any size_t */
        snprintf(path, sizeof(path), "/store_stock/%zu", index);
        err = lty_json_keys_check(item, path, keys, diag);
        if (err == 0) err = lty_json_get_string(item, path, "store", true, 1,
                                                LTY_STORE_ID_BYTES_MAX, set->store,
                                                sizeof(set->store), NULL, diag);
        if (err == 0) err = lty_json_get_int(item, path, "stock", true, 0, LTY_GIFT_STOCK_MAX,
                                             &set->add, NULL, diag);
    }
    return err;
}

static int gift_terms_parse(const lty_json_node_t *root, lty_gift_t *gift, uint32_t *fields,
                            lty_diag_t *diag)
{
    bool present = false;
    int64_t value = 0;
    bool active = true;
    int err = lty_json_get_string(root, "", "name", fields == NULL, 1,
                                  LTY_CAMPAIGN_NAME_BYTES_MAX, gift->name, sizeof(gift->name),
                                  &present, diag);
    if (err == 0 && present && fields != NULL) *fields |= LTY_GIFT_FIELD_NAME;
    if (err == 0) err = lty_json_get_int(root, "", "points_price", fields == NULL, 1,
                                         LTY_POINTS_PER_TXN_MAX, &gift->points_price, &present,
                                         diag);
    if (err == 0 && present && fields != NULL) *fields |= LTY_GIFT_FIELD_POINTS;
    if (err == 0) err = lty_json_get_int(root, "", "cash_cents", false, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &gift->cash_cents, &present,
                                         diag);
    if (err == 0 && present && fields != NULL) *fields |= LTY_GIFT_FIELD_CASH;
    if (err == 0) err = lty__api_time_parse(root, "valid_to", &present, &gift->valid_to_ms, diag);
    if (err == 0 && present && fields != NULL) *fields |= LTY_GIFT_FIELD_VALID_TO;
    if (err == 0) err = lty_json_get_int(root, "", "per_member_limit", false, 0, UINT32_MAX,
                                         &value, &present, diag);
    gift->per_member_limit = (uint32_t)value;
    if (err == 0 && present && fields != NULL) *fields |= LTY_GIFT_FIELD_LIMIT;
    if (err == 0 && fields != NULL) {
        err = lty_json_get_bool(root, "", "active", false, &active, &present, diag);
        gift->active = active ? 1 : 0;
        if (err == 0 && present) *fields |= LTY_GIFT_FIELD_ACTIVE;
    }
    return err;
}

static int gift_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_gift_new_t *gift_new = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    uint64_t gift_id = 0;
    int err = lty_ops_gift_create(txn, lty_api_job_actor(job), job->now_ms, gift_new, &gift_id,
                                  &diag);
    static _Thread_local lty_ops_gift_view_t view;
    if (err == 0) err = lty_ops_gift_get(txn, gift_id, &view);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    gift_render(&writer, &view);
    return lty_api_job_reply(job, 201);
}

/* A new gift's terms and stock into command (lty_ops_gift_new_t). */
static int gift_new_parse(const lty_json_node_t *root, void *command, const void *context,
                          lty_diag_t *diag)
{
    (void)context;
    static const char *const keys[] = {"name", "points_price", "cash_cents", "stock",
                                       "store_stock", "valid_from", "valid_to",
                                       "per_member_limit", "reservation_days", NULL};
    lty_ops_gift_new_t *gift = command;
    bool per_store = false, present = false;
    int64_t days = 14;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = gift_terms_parse(root, &gift->terms, NULL, diag);
    if (err == 0) err = lty__api_time_parse(root, "valid_from", &present,
                                            &gift->terms.valid_from_ms, diag);
    if (err == 0) err = lty_json_get_int(root, "", "reservation_days", false, 1,
                                         LTY_GIFT_RESERVATION_DAYS_MAX, &days, NULL, diag);
    if (err == 0) err = stock_parse(root, true, gift, &per_store, diag);
    gift->terms.reservation_days = (uint32_t)days;
    gift->terms.stock_mode = per_store ? LTY_GIFT_STOCK_PER_STORE : LTY_GIFT_STOCK_CENTRAL;
    return err;
}

int lty_api_admin_gift_create(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return lty_api_body_submit(api, exchange, sizeof(lty_ops_gift_new_t), gift_new_parse, NULL,
                               gift_create_apply);
}

static bool gift_id_param(lty_exchange_t *exchange, const lty_route_params_t *params,
                          uint64_t *gift_id_out)
{
    return lty_api_id_param(exchange, params, LTY_E_GIFT_NOT_FOUND, gift_id_out);
}

int lty_api_admin_gift_get(lty_api_t *api, lty_exchange_t *exchange,
                           const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t gift_id = 0;
    if (!gift_id_param(exchange, params, &gift_id)) return LTY_API_DONE;
    lty_ops_gift_view_t *view = lty_alloc(sizeof(*view));
    if (view == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_gift_get(txn, gift_id, view);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        gift_render(&writer, view);
    }
    lty_free(view);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* context: true for the gifts on offer only (active and within their validity now). */
static int gift_list_read(lty_store_txn_t *txn, const void *context, uint64_t after,
                          size_t limit, void *page, size_t *count_out, uint64_t *next_after_out)
{
    lty_ops_gift_page_t *gifts = page;
    int err = lty_ops_gift_list(txn, after, limit, *(const bool *)context, lty_clock_now_ms(),
                                gifts);
    *count_out = gifts->gifts_count;
    *next_after_out = gifts->next_after;
    return err;
}

static void gift_item_render(lty_json_writer_t *writer, const void *page, size_t index,
                             const void *context)
{
    (void)context;
    const lty_ops_gift_page_t *gifts = page;
    gift_render(writer, &gifts->gifts[index]);
}

static const lty_api_page_list_t gift_list = {
    .key = "gifts", .page_size = sizeof(lty_ops_gift_page_t),
    .limit_default = LTY_COUPON_PAGE_DEFAULT, .limit_max = LTY_COUPON_PAGE_MAX,
    .read_cb = gift_list_read, .item_render_cb = gift_item_render};

static int gift_page_reply(lty_api_t *api, lty_exchange_t *exchange, bool offered_only)
{
    return lty_api_page_reply(api, exchange, &gift_list, &offered_only);
}

int lty_api_admin_gift_list(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    (void)params;
    return gift_page_reply(api, exchange, false);
}

int lty_api_till_gift_list(lty_api_t *api, lty_exchange_t *exchange,
                           const lty_route_params_t *params)
{
    (void)params;
    return gift_page_reply(api, exchange, true);
}

static int gift_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_gift_patch_t *patch = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_gift_update(txn, lty_api_job_actor(job), job->now_ms, patch, &diag);
    static _Thread_local lty_ops_gift_view_t view;
    if (err == 0) err = lty_ops_gift_get(txn, patch->gift_id, &view);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    gift_render(&writer, &view);
    return lty_api_job_reply(job, 200);
}

/* A gift's changes into command (lty_ops_gift_patch_t); context: the gift id. */
static int gift_patch_parse(const lty_json_node_t *root, void *command, const void *context,
                            lty_diag_t *diag)
{
    static const char *const keys[] = {"name", "points_price", "cash_cents", "active",
                                       "valid_to", "per_member_limit", "stock", "store_stock",
                                       NULL};
    lty_ops_gift_patch_t *patch = command;
    static _Thread_local lty_ops_gift_new_t stocks;
    bool per_store = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = gift_terms_parse(root, &patch->values, &patch->fields, diag);
    memset(&stocks, 0, sizeof(stocks));
    if (err == 0) err = stock_parse(root, false, &stocks, &per_store, diag);
    if (err == 0 && patch->fields == 0 && stocks.stocks_count == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "nothing to change");
    }
    patch->gift_id = *(const uint64_t *)context;
    patch->stocks_count = stocks.stocks_count;
    memcpy(patch->stocks, stocks.stocks, sizeof(patch->stocks));
    return err;
}

int lty_api_admin_gift_update(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t gift_id = 0;
    if (!gift_id_param(exchange, params, &gift_id)) return LTY_API_DONE;
    return lty_api_body_submit(api, exchange, sizeof(lty_ops_gift_patch_t), gift_patch_parse,
                               &gift_id, gift_update_apply);
}

/* ---- Redemptions ----------------------------------------------------------------------------- */

static void gift_result_render(lty_json_writer_t *writer, const lty_ops_gift_result_t *result)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "redemption_id", (int64_t)result->redemption.redemption_id);
    lty_jw_kv_int(writer, "gift_id", (int64_t)result->gift.gift_id);
    lty_jw_kv_string(writer, "name", result->gift.name);
    lty_jw_kv_int(writer, "member_id", (int64_t)result->redemption.member_id);
    lty_jw_kv_string(writer, "store", result->redemption.store);
    lty_jw_kv_string(writer, "status", redemption_status_names[result->redemption.status]);
    lty_jw_kv_int(writer, "points", result->redemption.points);
    lty_jw_kv_int(writer, "cash_cents", result->redemption.cash_cents);
    lty_jw_kv_int(writer, "entry_id", (int64_t)result->redemption.entry_id);
    lty_api_render_time(writer, "reserved_until", result->redemption.expires_ms);
    lty_jw_kv_int(writer, "points_balance", result->points_balance);
    lty_jw_kv_int(writer, "available", result->available);
    lty_jw_object_end(writer);
}

static int redeem_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_gift_redeem_t *redeem = lty_api_job_command(job);
    static _Thread_local lty_ops_gift_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_gift_redeem(txn, lty_api_job_actor(job), job->now_ms, redeem, &result,
                                  &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    gift_result_render(&writer, &result);
    return lty_api_job_reply(job, 201);
}

/* Who redeems: a till (by card) or the operator or portal (for member_id). */
typedef struct redeem_context_s {
    bool till;
    uint64_t member_id;
} redeem_context_t;

/* {"gift_id", "card_no" (till) | "store" (operator, portal: per-store gifts)} into command
 * (lty_ops_gift_redeem_t); context: a redeem_context_t. */
static int redeem_parse(const lty_json_node_t *root, void *command, const void *context,
                        lty_diag_t *diag)
{
    static const char *const till_keys[] = {"card_no", "gift_id", NULL};
    static const char *const keys[] = {"gift_id", "store", NULL};
    const redeem_context_t *by = context;
    lty_ops_gift_redeem_t *redeem = command;
    int64_t gift_id = 0;
    int err = lty_json_keys_check(root, "", by->till ? till_keys : keys, diag);
    if (err == 0) err = lty_json_get_int(root, "", "gift_id", true, 1, LTY_JSON_INT_MAX, &gift_id,
                                         NULL, diag);
    if (err == 0 && by->till) {
        err = lty_json_get_string(root, "", "card_no", true, 1, LTY_CARD_NO_DIGITS_MAX,
                                  redeem->card_no, sizeof(redeem->card_no), NULL, diag);
        if (err == 0 && lty_card_no_check(redeem->card_no, strlen(redeem->card_no)) != 0) {
            err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no",
                               "a card number is 12 to 19 digits with a check digit");
        }
    }
    if (err == 0 && !by->till) err = lty_json_get_string(root, "", "store", false, 1,
                                                         LTY_STORE_ID_BYTES_MAX, redeem->store,
                                                         sizeof(redeem->store), NULL, diag);
    redeem->gift_id = (uint64_t)gift_id;
    redeem->member_id = by->member_id;
    return err;
}

static int redeem_submit(lty_api_t *api, lty_exchange_t *exchange, bool till, uint64_t member_id)
{
    redeem_context_t by = {.till = till, .member_id = member_id};
    return lty_api_body_submit(api, exchange, sizeof(lty_ops_gift_redeem_t), redeem_parse, &by,
                               redeem_apply);
}

int lty_api_admin_gift_redeem(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    return redeem_submit(api, exchange, false, member_id);
}

int lty_api_till_gift_redeem(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    return redeem_submit(api, exchange, true, 0);
}

int lty_api_member_gift_redeem(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    return redeem_submit(api, exchange, false, lty_api_actor(exchange)->member_id);
}

typedef struct redemption_command_s {
    uint64_t redemption_id;
    uint64_t member_id;          /* cancel on the portal: the session's member only */
    bool hand_over;
} redemption_command_t;

static int redemption_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const redemption_command_t *command = lty_api_job_command(job);
    static _Thread_local lty_ops_gift_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    const lty_actor_t *actor = lty_api_job_actor(job);
    int err = command->hand_over
                  ? lty_ops_gift_hand_over(txn, actor, job->now_ms, command->redemption_id,
                                           &result, &diag)
                  : lty_ops_gift_cancel(txn, actor, job->now_ms, command->redemption_id,
                                        command->member_id, &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    gift_result_render(&writer, &result);
    return lty_api_job_reply(job, 200);
}

static int redemption_submit(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params, bool hand_over, uint64_t member_id)
{
    LTY_ASSERT(api != NULL && params != NULL);
    static const char *const keys[] = {NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_optional(exchange, keys, &doc) != 0) return LTY_API_DONE;
    lty_json_doc_free(doc);
    uint64_t redemption_id = 0;
    if (!lty_api_id_param(exchange, params, LTY_E_REDEMPTION_NOT_FOUND, &redemption_id)) {
        return LTY_API_DONE;
    }
    redemption_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    *command = (redemption_command_t){.redemption_id = redemption_id, .member_id = member_id,
                                      .hand_over = hand_over};
    return lty_api_submit(api, exchange, redemption_apply, command, lty_free);
}

int lty_api_till_gift_hand_over(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    return redemption_submit(api, exchange, params, true, 0);
}

int lty_api_till_gift_cancel(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    return redemption_submit(api, exchange, params, false, 0);
}

int lty_api_admin_gift_cancel(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    return redemption_submit(api, exchange, params, false, 0);
}

int lty_api_member_gift_cancel(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    return redemption_submit(api, exchange, params, false, lty_api_actor(exchange)->member_id);
}

/* A page of redemptions with its records. */
typedef struct redemption_page_s {
    lty_ops_redemption_page_t page;
    lty_gift_redemption_t records[LTY_COUPON_PAGE_MAX];
} redemption_page_t;

/* Whose redemptions (member 0 = all), in which status (0 = any). */
typedef struct redemption_filter_s {
    uint64_t member_id;
    uint8_t status;
} redemption_filter_t;

static int redemption_list_read(lty_store_txn_t *txn, const void *context, uint64_t after,
                                size_t limit, void *page, size_t *count_out,
                                uint64_t *next_after_out)
{
    const redemption_filter_t *filter = context;
    redemption_page_t *redemptions = page;
    redemptions->page = (lty_ops_redemption_page_t){.redemptions = redemptions->records};
    int err = lty_ops_gift_redemptions(txn, filter->member_id, filter->status, after, limit,
                                       &redemptions->page);
    *count_out = redemptions->page.redemptions_count;
    *next_after_out = redemptions->page.next_after;
    return err;
}

static void redemption_item_render(lty_json_writer_t *writer, const void *page, size_t index,
                                   const void *context)
{
    (void)context;
    const redemption_page_t *redemptions = page;
    redemption_render(writer, &redemptions->records[index], NULL);
}

/* {"redemptions":[...], "next_after"} */
static const lty_api_page_list_t redemption_list = {
    .key = "redemptions", .page_size = sizeof(redemption_page_t),
    .limit_default = LTY_COUPON_PAGE_DEFAULT, .limit_max = LTY_COUPON_PAGE_MAX,
    .read_cb = redemption_list_read, .item_render_cb = redemption_item_render};

int lty_api_admin_gift_redemptions(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    int64_t after = 0, limit = 0;
    int64_t member_id = 0;
    char status[16] = "";
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_page(exchange, LTY_COUPON_PAGE_DEFAULT, LTY_COUPON_PAGE_MAX, &after,
                                 &limit, &diag);
    if (err == 0) err = lty_api_query_int(exchange, "member_id", 1, LTY_JSON_INT_MAX, &member_id,
                                          NULL, &diag);
    if (err == 0) err = lty_api_query_string(exchange, "status", status, sizeof(status), NULL,
                                             &diag);
    uint8_t status_value = 0;
    for (uint8_t index = 1; index <= LTY_GIFT_EXPIRED; index++) {
        if (strcmp(status, redemption_status_names[index]) == 0) status_value = index;
    }
    if (err == 0 && status[0] != '\0' && status_value == 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_QUERY, "status",
                           "status is reserved, handed_over, cancelled or expired");
    }
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    redemption_filter_t filter = {.member_id = (uint64_t)member_id, .status = status_value};
    err = lty_api_page_write(api, &writer, &redemption_list, &filter, (uint64_t)after,
                             (size_t)limit);
    lty_jw_object_end(&writer);
    if (err != 0) {
        lty_buf_reset(&exchange->response.body);
        return lty_api_reply_error(exchange, err, NULL);
    }
    return lty_api_reply(exchange, 200);
}

/* GET /v1/member/gifts: the catalogue on offer and the member's own redemptions. */
int lty_api_member_gifts(lty_api_t *api, lty_exchange_t *exchange,
                         const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    lty_ops_gift_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_gift_list(txn, 0, LTY_COUPON_PAGE_MAX, true, lty_clock_now_ms(),
                                          page);
    lty_store_txn_abort(txn);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "gifts");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; err == 0 && index < page->gifts_count; index++) {
        gift_render(&writer, &page->gifts[index]);
    }
    lty_jw_array_end(&writer);
    lty_free(page);
    redemption_filter_t filter = {.member_id = lty_api_actor(exchange)->member_id};
    if (err == 0) err = lty_api_page_write(api, &writer, &redemption_list, &filter, 0,
                                           LTY_COUPON_PAGE_MAX);
    lty_jw_object_end(&writer);
    if (err != 0) {
        lty_buf_reset(&exchange->response.body);
        return lty_api_reply_error(exchange, err, NULL);
    }
    return lty_api_reply(exchange, 200);
}

/* ---- GET /v1/admin/reports/gifts?store= ------------------------------------------------------ */

int lty_api_admin_report_gifts(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    char store[LTY_STORE_ID_BYTES_MAX + 1] = "";
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_string(exchange, "store", store, sizeof(store), NULL, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_gift_report_t *report = lty_alloc(sizeof(*report));
    if (report == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_gift_report(txn, store, report);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "store", store);
        lty_jw_kv_bool(&writer, "truncated", report->truncated);
        lty_jw_key(&writer, "rows");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < report->rows_count; index++) {
            const lty_ops_gift_report_row_t *row = &report->rows[index];
            lty_jw_object_begin(&writer);
            lty_jw_kv_int(&writer, "gift_id", (int64_t)row->gift_id);
            lty_jw_kv_string(&writer, "name", row->name);
            lty_jw_kv_string(&writer, "store", row->store);
            lty_jw_kv_int(&writer, "added", row->added);
            lty_jw_kv_int(&writer, "reserved", row->reserved);
            lty_jw_kv_int(&writer, "handed_over", row->handed_over);
            lty_jw_kv_int(&writer, "available", row->available);
            lty_jw_kv_int(&writer, "redemptions_count", row->redemptions_count);
            lty_jw_kv_int(&writer, "cancelled_count", row->cancelled_count);
            lty_jw_kv_int(&writer, "expired_count", row->expired_count);
            lty_jw_kv_int(&writer, "points", row->points);
            lty_jw_object_end(&writer);
        }
        lty_jw_array_end(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(report);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}
