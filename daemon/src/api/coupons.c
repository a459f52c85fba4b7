/* SPDX-License-Identifier: MIT */
/* Coupon handlers (docs/coupons.md): campaigns, printable codes, issuing into wallets,
 * voucher offers and vouchers (operator, till and portal), the programme's public key for
 * offline checks, the conflicts of offline acceptance, wallets, and the campaign report.
 *
 * Codes are signed here, on the loop thread, before the writer job is submitted: an ECDSA
 * signature costs about a millisecond, and the writer serves every till. Serials are random
 * 64-bit numbers; the writer refuses one that already exists, answered 503 unavailable (never
 * stored), so the client's retry with the same Idempotency-Key mints new ones. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "lty/lty_coupon_code.h"
#include "lty/lty_crypto.h"
#include "ops.h"
#include "ops_coupons.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shared with gifts.c and sales.c -------------------------------------------------------- */

static const char *const coupon_kind_names[] = {"", "amount_off", "percent_off", "free_item"};
static const char *const campaign_status_names[] = {"", "active", "paused", "ended"};

int lty__api_time_parse(const lty_json_node_t *object, const char *key, bool *present_out,
                        int64_t *time_ms_out, lty_diag_t *diag)
{
    char text[32] = "";
    bool present = false;
    char path[40];
    snprintf(path, sizeof(path), "/%s", key);
    const lty_json_node_t *node = lty_json_member(object, key);
    *present_out = false;
    if (node != NULL && lty_json_is_null(node)) { /* null clears an optional time */
        *present_out = true;
        *time_ms_out = 0;
        return 0;
    }
    int err = lty_json_get_string(object, "", key, false, 1, sizeof(text) - 1, text, sizeof(text),
                                  &present, diag);
    if (err != 0 || !present) return err;
    if (lty_clock_parse(text, time_ms_out) != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, path,
                            "%s is a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"", key);
    }
    *present_out = true;
    return 0;
}

/* Random serials, each code signed with the programme key. */
int lty__api_codes_mint(lty_api_t *api, uint64_t campaign_id, uint32_t expiry_day, size_t count,
                        lty_ops_minted_t *minted)
{
    LTY_ASSERT(api != NULL && minted != NULL);
    LTY_ASSERT(campaign_id >= 1 && campaign_id <= UINT32_MAX);
    if (api->coupon_key == NULL) return LTY_E_UNAVAILABLE;
    for (size_t index = 0; index < count; index++) {
        lty_coupon_code_t *fields = &minted[index].fields;
        fields->campaign_id = (uint32_t)campaign_id;
        fields->expiry_day = expiry_day;
        fields->serial = 0;
        while (fields->serial == 0) {
            int err = lty_crypto_random(&fields->serial, sizeof(fields->serial));
            if (err != 0) return err;
        }
        char text[LTY_COUPON_CODE_SIZE];
        uint8_t bytes[LTY_COUPON_CODE_BYTES];
        lty_coupon_code_t parsed;
        int err = lty_coupon_code_make(api->coupon_key, fields, text);
        if (err == 0) err = lty_coupon_code_parse(text, LTY_COUPON_CODE_CHARS, &parsed, bytes);
        if (err != 0) return err == LTY_E_TLS ? LTY_E_UNAVAILABLE : LTY_E_INTERNAL;
        memcpy(minted[index].signature, bytes + LTY_COUPON_CODE_PAYLOAD_BYTES,
               LTY_CRYPTO_SIGNATURE_BYTES);
    }
    return 0;
}

/* A random serial met an earlier one: retry (5xx answers are never stored). */
static int job_refuse_issue(lty_job_t *job, int err, const lty_diag_t *diag)
{
    return lty_api_job_refuse(job, err == LTY_E_EXISTS ? LTY_E_UNAVAILABLE : err, diag);
}

void lty__api_expiry_render(lty_json_writer_t *writer, uint32_t expiry_day)
{
    if (expiry_day >= LTY_COUPON_EXPIRY_NONE) {
        lty_jw_key(writer, "expires_at");
        lty_jw_null(writer);
        return;
    }
    lty_api_render_time(writer, "expires_at", ((int64_t)expiry_day + 1) * LTY_MS_PER_DAY - 1);
}

/* ---- Campaigns ------------------------------------------------------------------------------- */

static void campaign_render(lty_json_writer_t *writer, const lty_campaign_t *campaign,
                            const lty_programme_t *programme)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "campaign_id", (int64_t)campaign->campaign_id);
    lty_jw_kv_string(writer, "name", campaign->name);
    lty_jw_kv_string(writer, "status", campaign_status_names[campaign->status]);
    lty_jw_kv_string(writer, "kind", coupon_kind_names[campaign->kind]);
    if (campaign->kind == LTY_COUPON_AMOUNT_OFF) {
        lty_jw_kv_int(writer, "amount_off_cents", campaign->amount_off_cents);
    } else if (campaign->kind == LTY_COUPON_PERCENT_OFF) {
        lty_jw_kv_int(writer, "percent_off", campaign->percent_off);
        lty_jw_kv_int(writer, "cap_cents", campaign->cap_cents);
    } else {
        lty_jw_kv_string(writer, "free_sku", campaign->free_sku);
    }
    lty_jw_kv_int(writer, "min_spend_cents", campaign->min_spend_cents);
    lty_jw_key(writer, "eligible");
    lty_jw_object_begin(writer);
    for (int type = LTY_MATCH_SKU; type <= LTY_MATCH_CATEGORY; type++) {
        lty_jw_key(writer, type == LTY_MATCH_SKU ? "skus" : "categories");
        lty_jw_array_begin(writer);
        for (uint32_t index = 0; index < campaign->matches_count; index++) {
            if (campaign->matches[index].type == type) {
                lty_jw_string(writer, campaign->matches[index].value);
            }
        }
        lty_jw_array_end(writer);
    }
    lty_jw_object_end(writer);
    lty_api_render_time(writer, "valid_from", campaign->valid_from_ms);
    lty_api_render_time(writer, "valid_to", campaign->valid_to_ms);
    lty_jw_key(writer, "stores");
    lty_jw_array_begin(writer);
    for (uint32_t index = 0; index < campaign->stores_count; index++) {
        lty_jw_string(writer, campaign->stores[index]);
    }
    lty_jw_array_end(writer);
    lty_jw_key(writer, "tiers");
    lty_jw_array_begin(writer);
    for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
        if (campaign->tiers_mask & (1u << tier)) lty_jw_string(writer, programme->tiers[tier].name);
    }
    lty_jw_array_end(writer);
    lty_jw_kv_int(writer, "per_member_limit", campaign->per_member_limit);
    lty_jw_kv_int(writer, "uses_per_code", campaign->uses_per_code);
    lty_jw_kv_int(writer, "budget_cents", campaign->budget_cents);
    lty_jw_kv_int(writer, "redemptions_max", (int64_t)campaign->redemptions_max);
    lty_jw_kv_int(writer, "code_valid_days", campaign->code_valid_days);
    lty_jw_kv_int(writer, "issued_count", (int64_t)campaign->issued_count);
    lty_jw_kv_int(writer, "redeemed_count", (int64_t)campaign->redeemed_count);
    lty_jw_kv_int(writer, "discount_cents", campaign->discount_cents);
    lty_jw_kv_int(writer, "sales_count", (int64_t)campaign->sales_count);
    lty_jw_kv_int(writer, "restored_count", (int64_t)campaign->restored_count);
    lty_api_render_time(writer, "created_at", campaign->created_ms);
    lty_api_render_time(writer, "updated_at", campaign->updated_ms);
    lty_jw_object_end(writer);
}

static int name_list_parse(const lty_json_node_t *root, const char *key, size_t max,
                           size_t size_max, char *out, size_t out_stride, size_t *count_out,
                           lty_diag_t *diag)
{
    const lty_json_node_t *array = NULL;
    *count_out = 0;
    int err = lty_json_get_array(root, "", key, false, max, &array, count_out, diag);
    for (size_t index = 0; err == 0 && index < *count_out; index++) {
        const char *text = lty_json_node_string(lty_json_item(array, index));
        if (text == NULL || strlen(text) == 0 || strlen(text) > size_max) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "/%s/%zu must be a string of 1 to "
                               "%zu bytes", key, index, size_max);
        } else {
            snprintf(out + index * out_stride, out_stride, "%s", text);
        }
    }
    return err;
}

static int campaign_eligible_parse(const lty_json_node_t *root, lty_campaign_t *campaign,
                                   lty_diag_t *diag)
{
    const lty_json_node_t *eligible = NULL;
    int err = lty_json_get_object(root, "", "eligible", false, &eligible, diag);
    static const char *const keys[] = {"skus", "categories", NULL};
    if (err != 0 || eligible == NULL) return err;
    err = lty_json_keys_check(eligible, "/eligible", keys, diag);
    char values[LTY_CAMPAIGN_MATCHES_MAX][LTY_SKU_BYTES_MAX + 1];
    for (int type = LTY_MATCH_SKU; err == 0 && type <= LTY_MATCH_CATEGORY; type++) {
        size_t count = 0;
        size_t room = LTY_CAMPAIGN_MATCHES_MAX - campaign->matches_count;
        err = name_list_parse(eligible, type == LTY_MATCH_SKU ? "skus" : "categories", room,
                              LTY_SKU_BYTES_MAX, values[0], sizeof(values[0]), &count, diag);
        for (size_t index = 0; err == 0 && index < count; index++) {
            lty_campaign_match_t *match = &campaign->matches[campaign->matches_count++];
            match->type = (uint8_t)type;
            memcpy(match->value, values[index], sizeof(match->value));
        }
    }
    return err;
}

static int campaign_tiers_parse(const lty_json_node_t *root, const lty_programme_t *programme,
                                lty_campaign_t *campaign, lty_diag_t *diag)
{
    char names[LTY_TIERS_MAX][LTY_TIER_NAME_BYTES_MAX + 1];
    size_t count = 0;
    int err = name_list_parse(root, "tiers", LTY_TIERS_MAX, LTY_TIER_NAME_BYTES_MAX, names[0],
                              sizeof(names[0]), &count, diag);
    for (size_t index = 0; err == 0 && index < count; index++) {
        bool found = false;
        for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
            if (strcmp(programme->tiers[tier].name, names[index]) != 0) continue;
            campaign->tiers_mask |= 1u << tier;
            found = true;
        }
        if (!found) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tiers", "no tier is named \"%s\"",
                               names[index]);
        }
    }
    return err;
}

static int campaign_kind_parse(const lty_json_node_t *root, lty_campaign_t *campaign,
                               lty_diag_t *diag)
{
    char kind[16];
    int64_t value = 0;
    int err = lty_json_get_string(root, "", "kind", true, 1, sizeof(kind) - 1, kind, sizeof(kind),
                                  NULL, diag);
    for (uint8_t index = LTY_COUPON_AMOUNT_OFF; err == 0 && index <= LTY_COUPON_FREE_ITEM;
         index++) {
        if (strcmp(kind, coupon_kind_names[index]) == 0) campaign->kind = index;
    }
    if (err == 0 && campaign->kind == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/kind",
                           "kind is amount_off, percent_off or free_item");
    }
    if (err == 0) err = lty_json_get_int(root, "", "amount_off_cents", false, 1,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &campaign->amount_off_cents,
                                         NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "percent_off", false, 1,
                                         LTY_CAMPAIGN_PERCENT_MAX, &value, NULL, diag);
    campaign->percent_off = (uint32_t)value;
    if (err == 0) err = lty_json_get_int(root, "", "cap_cents", false, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &campaign->cap_cents, NULL,
                                         diag);
    if (err == 0) err = lty_json_get_string(root, "", "free_sku", false, 1, LTY_SKU_BYTES_MAX,
                                            campaign->free_sku, sizeof(campaign->free_sku), NULL,
                                            diag);
    return err;
}

static int campaign_limits_parse(const lty_json_node_t *root, lty_campaign_t *campaign,
                                 lty_diag_t *diag)
{
    int64_t per_member = 0, uses = 1, days = 0, redemptions = 0;
    int err = lty_json_get_int(root, "", "min_spend_cents", false, 0, LTY_SALE_AMOUNT_CENTS_MAX,
                               &campaign->min_spend_cents, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "per_member_limit", false, 0, UINT32_MAX,
                                         &per_member, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "uses_per_code", false, 1,
                                         LTY_CAMPAIGN_USES_PER_CODE_MAX, &uses, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "budget_cents", false, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &campaign->budget_cents, NULL,
                                         diag);
    if (err == 0) err = lty_json_get_int(root, "", "redemptions_max", false, 0, LTY_JSON_INT_MAX,
                                         &redemptions, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "code_valid_days", false, 0,
                                         LTY_CAMPAIGN_CODE_DAYS_MAX, &days, NULL, diag);
    campaign->per_member_limit = (uint32_t)per_member;
    campaign->uses_per_code = (uint32_t)uses;
    campaign->redemptions_max = (uint64_t)redemptions;
    campaign->code_valid_days = (uint32_t)days;
    return err;
}

/* A new campaign's terms into command (lty_campaign_t); context: the programme. */
static int campaign_parse(const lty_json_node_t *root, void *command, const void *context,
                          lty_diag_t *diag)
{
    lty_campaign_t *campaign = command;
    const lty_programme_t *programme = context;
    static const char *const keys[] = {
        "name", "kind", "amount_off_cents", "percent_off", "cap_cents", "free_sku",
        "min_spend_cents", "eligible", "valid_from", "valid_to", "stores", "tiers",
        "per_member_limit", "uses_per_code", "budget_cents", "redemptions_max",
        "code_valid_days", NULL};
    memset(campaign, 0, sizeof(*campaign));
    bool present = false;
    size_t stores = 0;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", true, 1, LTY_CAMPAIGN_NAME_BYTES_MAX,
                                            campaign->name, sizeof(campaign->name), NULL, diag);
    if (err == 0) err = campaign_kind_parse(root, campaign, diag);
    if (err == 0) err = campaign_limits_parse(root, campaign, diag);
    if (err == 0) err = campaign_eligible_parse(root, campaign, diag);
    if (err == 0) err = lty__api_time_parse(root, "valid_from", &present, &campaign->valid_from_ms,
                                            diag);
    if (err == 0) err = lty__api_time_parse(root, "valid_to", &present, &campaign->valid_to_ms,
                                            diag);
    if (err == 0) err = name_list_parse(root, "stores", LTY_CAMPAIGN_STORES_MAX,
                                        LTY_STORE_ID_BYTES_MAX, campaign->stores[0],
                                        sizeof(campaign->stores[0]), &stores, diag);
    campaign->stores_count = (uint32_t)stores;
    if (err == 0) err = campaign_tiers_parse(root, programme, campaign, diag);
    return err;
}

static int campaign_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_campaign_t *terms = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    uint64_t campaign_id = 0;
    int err = lty_ops_campaign_create(txn, lty_api_job_actor(job), job->now_ms, terms,
                                      &campaign_id, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "campaign_id", (int64_t)campaign_id);
    lty_jw_kv_string(&writer, "status", "active");
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_campaign_create(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return lty_api_body_submit(api, exchange, sizeof(lty_campaign_t), campaign_parse,
                               api->programme, campaign_create_apply);
}

/* The campaign id of path parameter 0, or a 404 reply. */
static bool campaign_id_param(lty_exchange_t *exchange, const lty_route_params_t *params,
                              uint64_t *campaign_id_out)
{
    return lty_api_id_param(exchange, params, LTY_E_CAMPAIGN_NOT_FOUND, campaign_id_out);
}

int lty_api_admin_campaign_get(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t campaign_id = 0;
    if (!campaign_id_param(exchange, params, &campaign_id)) return LTY_API_DONE;
    lty_campaign_t campaign;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_campaign_get(txn, campaign_id, &campaign);
    lty_store_txn_abort(txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    campaign_render(&writer, &campaign, api->programme);
    return lty_api_reply(exchange, 200);
}

static int campaign_page_read(lty_store_txn_t *txn, const void *context, uint64_t after,
                              size_t limit, void *page, size_t *count_out,
                              uint64_t *next_after_out)
{
    (void)context;
    lty_ops_campaign_page_t *campaigns = page;
    int err = lty_ops_campaign_list(txn, after, limit, campaigns);
    *count_out = campaigns->campaigns_count;
    *next_after_out = campaigns->next_after;
    return err;
}

/* context: the programme. */
static void campaign_item_render(lty_json_writer_t *writer, const void *page, size_t index,
                                 const void *context)
{
    const lty_ops_campaign_page_t *campaigns = page;
    campaign_render(writer, &campaigns->campaigns[index], context);
}

static const lty_api_page_list_t campaign_list = {
    .key = "campaigns", .page_size = sizeof(lty_ops_campaign_page_t),
    .limit_default = LTY_COUPON_PAGE_DEFAULT, .limit_max = LTY_COUPON_PAGE_MAX,
    .read_cb = campaign_page_read, .item_render_cb = campaign_item_render};

static int campaign_page_reply(lty_api_t *api, lty_exchange_t *exchange)
{
    return lty_api_page_reply(api, exchange, &campaign_list, api->programme);
}

int lty_api_admin_campaign_list(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return campaign_page_reply(api, exchange);
}

/* GET /v1/admin/reports/coupons: campaign performance, the campaigns' own totals. */
int lty_api_admin_report_coupons(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return campaign_page_reply(api, exchange);
}

static int campaign_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_campaign_patch_t *patch = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    lty_campaign_t campaign;
    int err = lty_ops_campaign_update(txn, lty_api_job_actor(job), job->now_ms, patch, &campaign,
                                      &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    campaign_render(&writer, &campaign, lty_api_job_api(job)->programme);
    return lty_api_job_reply(job, 200);
}

/* A campaign's changes into command (lty_ops_campaign_patch_t); context: the campaign id. */
static int campaign_patch_parse(const lty_json_node_t *root, void *command, const void *context,
                                lty_diag_t *diag)
{
    lty_ops_campaign_patch_t *patch = command;
    patch->campaign_id = *(const uint64_t *)context;
    static const char *const keys[] = {"status", "name", "valid_to", "budget_cents",
                                       "redemptions_max", "per_member_limit", NULL};
    char status[16] = "";
    bool present = false;
    int64_t value = 0;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "status", false, 1, sizeof(status) - 1,
                                            status, sizeof(status), &present, diag);
    if (err == 0 && present) {
        patch->fields |= LTY_CAMPAIGN_FIELD_STATUS;
        for (uint8_t index = 1; index <= LTY_CAMPAIGN_ENDED; index++) {
            if (strcmp(status, campaign_status_names[index]) == 0) patch->status = index;
        }
    }
    if (err == 0) err = lty_json_get_string(root, "", "name", false, 1,
                                            LTY_CAMPAIGN_NAME_BYTES_MAX, patch->name,
                                            sizeof(patch->name), &present, diag);
    if (err == 0 && present) patch->fields |= LTY_CAMPAIGN_FIELD_NAME;
    if (err == 0) err = lty__api_time_parse(root, "valid_to", &present, &patch->valid_to_ms, diag);
    if (err == 0 && present) patch->fields |= LTY_CAMPAIGN_FIELD_VALID_TO;
    if (err == 0) err = lty_json_get_int(root, "", "budget_cents", false, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &patch->budget_cents,
                                         &present, diag);
    if (err == 0 && present) patch->fields |= LTY_CAMPAIGN_FIELD_BUDGET;
    if (err == 0) err = lty_json_get_int(root, "", "redemptions_max", false, 0, LTY_JSON_INT_MAX,
                                         &value, &present, diag);
    if (err == 0 && present) {
        patch->fields |= LTY_CAMPAIGN_FIELD_REDEMPTIONS_MAX;
        patch->redemptions_max = (uint64_t)value;
    }
    if (err == 0) err = lty_json_get_int(root, "", "per_member_limit", false, 0, UINT32_MAX,
                                         &value, &present, diag);
    if (err == 0 && present) {
        patch->fields |= LTY_CAMPAIGN_FIELD_PER_MEMBER_LIMIT;
        patch->per_member_limit = (uint32_t)value;
    }
    if (err == 0 && patch->fields == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "nothing to change");
    }
    return err;
}

int lty_api_admin_campaign_update(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t campaign_id = 0;
    if (!campaign_id_param(exchange, params, &campaign_id)) return LTY_API_DONE;
    return lty_api_body_submit(api, exchange, sizeof(lty_ops_campaign_patch_t),
                               campaign_patch_parse, &campaign_id, campaign_update_apply);
}

/* ---- Issuing: printable codes and wallets --------------------------------------------------- */

static int issue_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_issue_t *issue = lty_api_job_command(job);
    static _Thread_local lty_ops_issue_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_coupons_issue(txn, lty_api_job_actor(job), job->now_ms, issue, &result,
                                    &diag);
    if (err != 0) return job_refuse_issue(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "campaign_id", (int64_t)issue->campaign_id);
    lty__api_expiry_render(&writer, issue->minted[0].fields.expiry_day);
    lty_jw_key(&writer, issue->source == LTY_COUPON_SOURCE_CODES ? "codes" : "issued");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < result.count; index++) {
        char code[LTY_COUPON_CODE_SIZE];
        lty_record_coupon_code(&result.issued[index].coupon, code);
        if (issue->source == LTY_COUPON_SOURCE_CODES) {
            lty_jw_string(&writer, code);
            continue;
        }
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "member_id", (int64_t)result.issued[index].member_id);
        lty_jw_kv_string(&writer, "code", code);
        lty_jw_kv_bool(&writer, "already_issued", result.issued[index].already);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

/* Read the campaign's code expiry, mint count codes, submit. */
static int issue_submit(lty_api_t *api, lty_exchange_t *exchange, lty_ops_issue_t *issue)
{
    uint32_t expiry_day = 0;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_campaign_mint_terms(txn, issue->campaign_id, lty_clock_now_ms(),
                                                    &expiry_day);
    lty_store_txn_abort(txn);
    if (err == 0) err = lty__api_codes_mint(api, issue->campaign_id, expiry_day, issue->count,
                                            issue->minted);
    if (err != 0) {
        lty_free(issue);
        return lty_api_reply_error(exchange, err, NULL);
    }
    return lty_api_submit(api, exchange, issue_apply, issue, lty_free);
}

int lty_api_admin_campaign_codes(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t campaign_id = 0;
    if (!campaign_id_param(exchange, params, &campaign_id)) return LTY_API_DONE;
    int64_t count = 0;
    if (lty_api_body_int_parse(exchange, "count", 1, LTY_COUPON_ISSUE_MAX, &count) != 0) {
        return LTY_API_DONE;
    }
    lty_ops_issue_t *issue = lty_calloc(1, sizeof(*issue));
    if (issue == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    issue->campaign_id = campaign_id;
    issue->source = LTY_COUPON_SOURCE_CODES;
    issue->count = (size_t)count;
    return issue_submit(api, exchange, issue);
}

static int issue_parse(const lty_json_node_t *root, lty_ops_issue_t *issue, lty_diag_t *diag)
{
    static const char *const keys[] = {"member_ids", "issue_key", NULL};
    const lty_json_node_t *members = NULL;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_array(root, "", "member_ids", true, LTY_COUPON_ISSUE_MAX,
                                           &members, &issue->count, diag);
    if (err == 0 && issue->count == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/member_ids", "name 1 to %d members",
                           LTY_COUPON_ISSUE_MAX);
    }
    for (size_t index = 0; err == 0 && index < issue->count; index++) {
        int64_t member_id = 0;
        if (!lty_json_node_int(lty_json_item(members, index), &member_id) || member_id < 1) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/member_ids",
                               "member ids are positive integers");
        }
        for (size_t earlier = 0; err == 0 && earlier < index; earlier++) {
            if (issue->member_ids[earlier] == (uint64_t)member_id) {
                err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/member_ids",
                                   "member %" PRId64 " is named twice", member_id);
            }
        }
        issue->member_ids[index] = (uint64_t)member_id;
    }
    if (err == 0) err = lty_json_get_string(root, "", "issue_key", false, 1,
                                            LTY_COUPON_ISSUE_KEY_BYTES_MAX, issue->issue_key,
                                            sizeof(issue->issue_key), NULL, diag);
    return err;
}

int lty_api_admin_campaign_issue(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t campaign_id = 0;
    if (!campaign_id_param(exchange, params, &campaign_id)) return LTY_API_DONE;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_issue_t *issue = lty_calloc(1, sizeof(*issue));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = issue != NULL ? issue_parse(lty_json_doc_root(doc), issue, &diag) : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(issue);
        return lty_api_reply_error(exchange, err, &diag);
    }
    issue->campaign_id = campaign_id;
    issue->source = LTY_COUPON_SOURCE_MEMBER;
    return issue_submit(api, exchange, issue);
}

/* ---- Offers -------------------------------------------------------------------------------- */

static void offer_render(lty_json_writer_t *writer, const lty_offer_t *offer)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "offer_id", (int64_t)offer->offer_id);
    lty_jw_kv_int(writer, "campaign_id", (int64_t)offer->campaign_id);
    lty_jw_kv_string(writer, "name", offer->name);
    lty_jw_kv_int(writer, "points_price", offer->points_price);
    lty_jw_kv_bool(writer, "active", offer->active != 0);
    lty_jw_kv_int(writer, "converted_count", (int64_t)offer->converted_count);
    lty_jw_object_end(writer);
}

static void offers_render(lty_json_writer_t *writer, const lty_ops_offer_page_t *page)
{
    lty_jw_key(writer, "offers");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < page->offers_count; index++) {
        offer_render(writer, &page->offers[index]);
    }
    lty_jw_array_end(writer);
}

static int offer_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_offer_t *terms = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    uint64_t offer_id = 0;
    int err = lty_ops_offer_create(txn, lty_api_job_actor(job), job->now_ms, terms, &offer_id,
                                   &diag);
    lty_offer_t offer;
    if (err == 0) err = lty_ops_offer_get(txn, offer_id, &offer);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    offer_render(&writer, &offer);
    return lty_api_job_reply(job, 201);
}

/* A new offer's terms into command (lty_offer_t). */
static int offer_parse(const lty_json_node_t *root, void *command, const void *context,
                       lty_diag_t *diag)
{
    (void)context;
    static const char *const keys[] = {"campaign_id", "points_price", "name", NULL};
    lty_offer_t *offer = command;
    int64_t campaign_id = 0;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_int(root, "", "campaign_id", true, 1, UINT32_MAX,
                                         &campaign_id, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "points_price", true, 1,
                                         LTY_POINTS_PER_TXN_MAX, &offer->points_price, NULL,
                                         diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", false, 1,
                                            LTY_CAMPAIGN_NAME_BYTES_MAX, offer->name,
                                            sizeof(offer->name), NULL, diag);
    offer->campaign_id = (uint64_t)campaign_id;
    return err;
}

int lty_api_admin_offer_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return lty_api_body_submit(api, exchange, sizeof(lty_offer_t), offer_parse, NULL,
                               offer_create_apply);
}

static int offer_page_read(lty_api_t *api, uint64_t after, size_t limit, bool active_only,
                             lty_ops_offer_page_t *page)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_offer_list(txn, after, limit, active_only, page);
    lty_store_txn_abort(txn);
    return err;
}

/* context: true for the active offers only. */
static int offer_list_read(lty_store_txn_t *txn, const void *context, uint64_t after,
                           size_t limit, void *page, size_t *count_out, uint64_t *next_after_out)
{
    lty_ops_offer_page_t *offers = page;
    int err = lty_ops_offer_list(txn, after, limit, *(const bool *)context, offers);
    *count_out = offers->offers_count;
    *next_after_out = offers->next_after;
    return err;
}

static void offer_item_render(lty_json_writer_t *writer, const void *page, size_t index,
                              const void *context)
{
    (void)context;
    const lty_ops_offer_page_t *offers = page;
    offer_render(writer, &offers->offers[index]);
}

static const lty_api_page_list_t offer_list = {
    .key = "offers", .page_size = sizeof(lty_ops_offer_page_t),
    .limit_default = LTY_COUPON_PAGE_DEFAULT, .limit_max = LTY_COUPON_PAGE_MAX,
    .read_cb = offer_list_read, .item_render_cb = offer_item_render};

int lty_api_admin_offer_list(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    static const bool active_only = false;
    return lty_api_page_reply(api, exchange, &offer_list, &active_only);
}

typedef struct offer_patch_s {
    uint64_t offer_id;
    int active;                  /* -1 unchanged */
    int64_t points_price;        /* 0 unchanged */
} offer_patch_t;

static int offer_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const offer_patch_t *patch = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    lty_offer_t offer;
    int err = lty_ops_offer_update(txn, lty_api_job_actor(job), job->now_ms, patch->offer_id,
                                   patch->active, patch->points_price, &offer, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    offer_render(&writer, &offer);
    return lty_api_job_reply(job, 200);
}

/* An offer's changes into command (offer_patch_t); context: the offer id. */
static int offer_patch_parse(const lty_json_node_t *root, void *command, const void *context,
                             lty_diag_t *diag)
{
    static const char *const keys[] = {"active", "points_price", NULL};
    offer_patch_t *patch = command;
    bool active = false, active_given = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_bool(root, "", "active", false, &active, &active_given,
                                          diag);
    if (err == 0) err = lty_json_get_int(root, "", "points_price", false, 1,
                                         LTY_POINTS_PER_TXN_MAX, &patch->points_price, NULL,
                                         diag);
    patch->offer_id = *(const uint64_t *)context;
    patch->active = active_given ? (int)active : -1;
    return err;
}

int lty_api_admin_offer_update(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t offer_id = 0;
    if (!lty_api_id_param(exchange, params, LTY_E_OFFER_NOT_FOUND, &offer_id)) {
        return LTY_API_DONE;
    }
    return lty_api_body_submit(api, exchange, sizeof(offer_patch_t), offer_patch_parse,
                               &offer_id, offer_update_apply);
}

/* ---- Vouchers: points turned into a coupon --------------------------------------------------- */

static int voucher_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_voucher_t *voucher = lty_api_job_command(job);
    static _Thread_local lty_ops_voucher_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_voucher_buy(txn, lty_api_job_actor(job), job->now_ms, voucher, &result,
                                  &diag);
    if (err != 0) return job_refuse_issue(job, err, &diag);
    char code[LTY_COUPON_CODE_SIZE];
    lty_record_coupon_code(&result.coupon, code);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "entry_id", (int64_t)result.entry_id);
    lty_jw_kv_int(&writer, "member_id", (int64_t)result.member_id);
    lty_jw_kv_int(&writer, "offer_id", (int64_t)result.offer.offer_id);
    lty_jw_kv_int(&writer, "campaign_id", (int64_t)result.coupon.campaign_id);
    lty_jw_kv_string(&writer, "name", result.offer.name);
    lty_jw_kv_string(&writer, "code", code);
    lty__api_expiry_render(&writer, result.coupon.expiry_day);
    lty_jw_kv_int(&writer, "points_debited", result.points_debited);
    lty_jw_kv_int(&writer, "points_balance", result.points_balance);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

/* Read the offer's campaign, mint its code, submit. voucher is owned from here. */
static int voucher_submit(lty_api_t *api, lty_exchange_t *exchange, lty_ops_voucher_t *voucher)
{
    uint64_t campaign_id = 0;
    uint32_t expiry_day = 0;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_offer_mint_terms(txn, voucher->offer_id, lty_clock_now_ms(),
                                                 &campaign_id, &expiry_day);
    lty_store_txn_abort(txn);
    if (err == 0) err = lty__api_codes_mint(api, campaign_id, expiry_day, 1, &voucher->minted);
    if (err != 0) {
        lty_free(voucher);
        return lty_api_reply_error(exchange, err, NULL);
    }
    return lty_api_submit(api, exchange, voucher_apply, voucher, lty_free);
}

/* {"offer_id"} and, at a till, "card_no". */
static int voucher_parse(lty_exchange_t *exchange, bool with_card, lty_ops_voucher_t **voucher_out)
{
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return 1;
    static const char *const keys[] = {"offer_id", NULL};
    static const char *const till_keys[] = {"card_no", "offer_id", NULL};
    const lty_json_node_t *root = lty_json_doc_root(doc);
    lty_ops_voucher_t *voucher = lty_calloc(1, sizeof(*voucher));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int64_t offer_id = 0;
    int err = voucher != NULL ? lty_json_keys_check(root, "", with_card ? till_keys : keys, &diag)
                              : LTY_E_NOMEM;
    if (err == 0) err = lty_json_get_int(root, "", "offer_id", true, 1, LTY_JSON_INT_MAX,
                                         &offer_id, NULL, &diag);
    if (err == 0 && with_card) {
        err = lty_json_get_string(root, "", "card_no", true, 1, LTY_CARD_NO_DIGITS_MAX,
                                  voucher->card_no, sizeof(voucher->card_no), NULL, &diag);
        if (err == 0 && lty_card_no_check(voucher->card_no, strlen(voucher->card_no)) != 0) {
            err = lty_diag_set(&diag, LTY_E_INVALID_CARD_NO, "/card_no",
                               "a card number is 12 to 19 digits with a check digit");
        }
    }
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(voucher);
        lty_api_reply_error(exchange, err, &diag);
        return 1;
    }
    voucher->offer_id = (uint64_t)offer_id;
    *voucher_out = voucher;
    return 0;
}

int lty_api_admin_voucher_create(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_ops_voucher_t *voucher = NULL;
    if (voucher_parse(exchange, false, &voucher) != 0) return LTY_API_DONE;
    voucher->member_id = member_id;
    return voucher_submit(api, exchange, voucher);
}

int lty_api_till_voucher_create(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    lty_ops_voucher_t *voucher = NULL;
    if (voucher_parse(exchange, true, &voucher) != 0) return LTY_API_DONE;
    return voucher_submit(api, exchange, voucher);
}

int lty_api_member_voucher_create(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    lty_ops_voucher_t *voucher = NULL;
    if (voucher_parse(exchange, false, &voucher) != 0) return LTY_API_DONE;
    voucher->member_id = lty_api_actor(exchange)->member_id;
    return voucher_submit(api, exchange, voucher);
}

/* ---- The programme's public key -------------------------------------------------------------- */

int lty_api_till_programme_keys(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    if (api->coupon_key == NULL) return lty_api_reply_error(exchange, LTY_E_UNAVAILABLE, NULL);
    uint8_t public_key[LTY_CRYPTO_PUBLIC_KEY_BYTES];
    lty_crypto_key_public(api->coupon_key, public_key);
    char hex[2 * LTY_CRYPTO_PUBLIC_KEY_BYTES + 1];
    for (size_t index = 0; index < sizeof(public_key); index++) {
        snprintf(hex + 2 * index, 3, "%02x", public_key[index]);
    }
    char pem[LTY_CRYPTO_PUBLIC_PEM_BYTES_MAX];
    int err = lty_crypto_key_public_pem(api->coupon_key, pem, sizeof(pem));
    if (err != 0) return lty_api_reply_error(exchange, LTY_E_INTERNAL, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "keys");
    lty_jw_array_begin(&writer);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "key_id", 1);
    lty_jw_kv_string(&writer, "use", "coupon_codes");
    lty_jw_kv_string(&writer, "algorithm", "ES256");
    lty_jw_kv_string(&writer, "public_key", hex);
    lty_jw_kv_string(&writer, "public_key_pem", pem);
    lty_jw_object_end(&writer);
    lty_jw_array_end(&writer);
    lty_jw_key(&writer, "code_format");
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "version", LTY_COUPON_CODE_VERSION);
    lty_jw_kv_string(&writer, "alphabet", "0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    lty_jw_kv_int(&writer, "length", LTY_COUPON_CODE_CHARS);
    lty_jw_object_end(&writer);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

/* ---- Conflicts of offline acceptance --------------------------------------------------------- */

static void conflict_render(lty_json_writer_t *writer, const lty_coupon_conflict_t *conflict)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "conflict_id", (int64_t)conflict->conflict_id);
    lty_jw_kv_int(writer, "campaign_id", (int64_t)conflict->campaign_id);
    char serial[24];
    snprintf(serial, sizeof(serial), "%016" PRIx64, conflict->serial);
    lty_jw_kv_string(writer, "serial", serial);
    lty_jw_kv_string(writer, "error", lty_err_code(conflict->err));
    lty_jw_kv_int(writer, "sale_id", (int64_t)conflict->sale_id);
    lty_jw_kv_int(writer, "member_id", (int64_t)conflict->member_id);
    lty_jw_kv_string(writer, "store", conflict->store);
    lty_jw_kv_string(writer, "till", conflict->till);
    lty_api_render_time(writer, "created_at", conflict->created_ms);
    lty_jw_key(writer, "first_use");
    if (conflict->first_sale_id == 0) {
        lty_jw_null(writer);
    } else {
        lty_jw_object_begin(writer);
        lty_jw_kv_int(writer, "sale_id", (int64_t)conflict->first_sale_id);
        lty_jw_kv_string(writer, "store", conflict->first_store);
        lty_jw_kv_string(writer, "till", conflict->first_till);
        lty_api_render_time(writer, "at", conflict->first_ms);
        lty_jw_object_end(writer);
    }
    lty_jw_object_end(writer);
}

/* context: the store ("" = all). */
static int conflict_list_read(lty_store_txn_t *txn, const void *context, uint64_t after,
                              size_t limit, void *page, size_t *count_out,
                              uint64_t *next_after_out)
{
    lty_ops_conflict_page_t *conflicts = page;
    int err = lty_ops_coupon_conflicts(txn, context, after, limit, conflicts);
    *count_out = conflicts->conflicts_count;
    *next_after_out = conflicts->next_after;
    return err;
}

static void conflict_item_render(lty_json_writer_t *writer, const void *page, size_t index,
                                 const void *context)
{
    (void)context;
    const lty_ops_conflict_page_t *conflicts = page;
    conflict_render(writer, &conflicts->conflicts[index]);
}

static const lty_api_page_list_t conflict_list = {
    .key = "conflicts", .page_size = sizeof(lty_ops_conflict_page_t),
    .limit_default = LTY_COUPON_PAGE_DEFAULT, .limit_max = LTY_COUPON_PAGE_MAX,
    .read_cb = conflict_list_read, .item_render_cb = conflict_item_render};

static int conflicts_reply(lty_api_t *api, lty_exchange_t *exchange, const char *store)
{
    return lty_api_page_reply(api, exchange, &conflict_list, store);
}

int lty_api_admin_coupon_conflicts(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    char store[LTY_STORE_ID_BYTES_MAX + 1] = "";
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_string(exchange, "store", store, sizeof(store), NULL, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    return conflicts_reply(api, exchange, store);
}

/* A till sees the conflicts its store is on either side of. */
int lty_api_till_coupon_conflicts(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return conflicts_reply(api, exchange, lty_api_actor(exchange)->store);
}

/* ---- Wallets --------------------------------------------------------------------------------- */

static const char *const coupon_state_names[] = {"", "valid", "used", "expired"};

static void wallet_item_render(lty_json_writer_t *writer, const lty_ops_wallet_t *wallet,
                               const lty_ops_wallet_item_t *item)
{
    const lty_campaign_t *campaign = NULL;
    for (size_t index = 0; index < wallet->campaigns_count; index++) {
        if (wallet->campaigns[index].campaign_id == item->coupon.campaign_id) {
            campaign = &wallet->campaigns[index];
        }
    }
    LTY_ASSERT(campaign != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "code", item->code);
    char serial[24];
    snprintf(serial, sizeof(serial), "%016" PRIx64, item->coupon.serial);
    lty_jw_kv_string(writer, "serial", serial);
    lty_jw_kv_int(writer, "campaign_id", (int64_t)campaign->campaign_id);
    lty_jw_kv_string(writer, "name", campaign->name);
    lty_jw_kv_string(writer, "state", coupon_state_names[item->state]);
    lty_jw_kv_string(writer, "kind", coupon_kind_names[campaign->kind]);
    lty_jw_kv_int(writer, "amount_off_cents", campaign->amount_off_cents);
    lty_jw_kv_int(writer, "percent_off", campaign->percent_off);
    lty_jw_kv_int(writer, "cap_cents", campaign->cap_cents);
    lty_jw_kv_string(writer, "free_sku", campaign->free_sku);
    lty_jw_kv_int(writer, "min_spend_cents", campaign->min_spend_cents);
    lty__api_expiry_render(writer, item->coupon.expiry_day);
    lty_api_render_time(writer, "campaign_valid_to", campaign->valid_to_ms);
    lty_jw_kv_int(writer, "uses_left", campaign->uses_per_code > item->coupon.uses_count
                                           ? campaign->uses_per_code - item->coupon.uses_count
                                           : 0);
    lty_api_render_time(writer, "issued_at", item->coupon.issued_ms);
    lty_jw_object_end(writer);
}

/* The wallet's items, grouped by state into one array each (the portal's three lists). */
static void wallet_render(lty_json_writer_t *writer, const lty_ops_wallet_t *wallet,
                            bool grouped)
{
    if (!grouped) {
        lty_jw_key(writer, "coupons");
        lty_jw_array_begin(writer);
        for (size_t index = 0; index < wallet->items_count; index++) {
            wallet_item_render(writer, wallet, &wallet->items[index]);
        }
        lty_jw_array_end(writer);
        return;
    }
    for (uint8_t state = LTY_OPS_COUPON_VALID; state <= LTY_OPS_COUPON_EXPIRED; state++) {
        lty_jw_key(writer, coupon_state_names[state]);
        lty_jw_array_begin(writer);
        for (size_t index = 0; index < wallet->items_count; index++) {
            if (wallet->items[index].state != state) continue;
            wallet_item_render(writer, wallet, &wallet->items[index]);
        }
        lty_jw_array_end(writer);
    }
}

static int wallet_read(lty_api_t *api, uint64_t member_id, lty_ops_wallet_t *wallet)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_wallet(txn, member_id, lty_clock_now_ms(), 0, 0,
                                       LTY_COUPON_PAGE_MAX, wallet);
    lty_store_txn_abort(txn);
    return err;
}

int lty_api_admin_member_coupons(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_ops_wallet_t *wallet = lty_alloc(sizeof(*wallet));
    if (wallet == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    int err = wallet_read(api, member_id, wallet);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
        wallet_render(&writer, wallet, false);
        lty_jw_kv_bool(&writer, "truncated", wallet->next_after_campaign != 0);
        lty_jw_object_end(&writer);
    }
    lty_free(wallet);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- The member portal: GET /v1/member/coupons and a coupon's QR code ---------------------- */

int lty_api_member_coupons(lty_api_t *api, lty_exchange_t *exchange,
                           const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    uint64_t member_id = lty_api_actor(exchange)->member_id;
    lty_ops_wallet_t *wallet = lty_alloc(sizeof(*wallet));
    lty_ops_offer_page_t *offers = lty_alloc(sizeof(*offers));
    int err = wallet != NULL && offers != NULL ? wallet_read(api, member_id, wallet)
                                               : LTY_E_NOMEM;
    if (err == 0) err = offer_page_read(api, 0, LTY_COUPON_PAGE_MAX, true, offers);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        wallet_render(&writer, wallet, true);
        offers_render(&writer, offers);
        lty_jw_object_end(&writer);
    }
    lty_free(wallet);
    lty_free(offers);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* GET /v1/member/coupons/{campaign_id}/{serial}/qr: the member's own coupon as an SVG QR code
 * (serial in hex, as the wallet shows it). Another member's coupon is not found. */
int lty_api_member_coupon_qr(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t campaign_id = 0, serial = 0;
    char *end = NULL;
    const char *hex = params->values[1];
    bool ok = lty_api_parse_id(params->values[0], &campaign_id) == 0 && hex[0] != '\0' &&
              strlen(hex) <= 16;
    for (const char *c = hex; ok && *c != '\0'; c++) {
        ok = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f');
    }
    if (ok) serial = strtoull(hex, &end, 16);
    if (!ok || serial == 0) return lty_api_reply_error(exchange, LTY_E_COUPON_NOT_FOUND, NULL);
    lty_coupon_t coupon;
    lty_key_t key;
    lty_key_coupon(&key, campaign_id, serial);
    lty_bytes_t value;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_store_get(txn, LTY_DB_COUPONS, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_coupon_decode(value, &coupon);
    lty_store_txn_abort(txn);
    if (err == LTY_E_NOT_FOUND ||
        (err == 0 && coupon.member_id != lty_api_actor(exchange)->member_id)) {
        err = LTY_E_COUPON_NOT_FOUND;
    }
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    char code[LTY_COUPON_CODE_SIZE];
    lty_record_coupon_code(&coupon, code);
    err = lty_api_qr_svg_render(&exchange->response.body, code);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    exchange->response.content_type = "image/svg+xml";
    return lty_api_reply(exchange, 200);
}
