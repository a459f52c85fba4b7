/* SPDX-License-Identifier: MIT */
/* Coupon campaigns, voucher offers, issuing coupons (wallets, printable codes, vouchers bought
 * with points), wallets and the conflicts list (ops_coupons.h).
 *
 * Codes are signed before they reach the writer (the API mints them on its loop thread); here
 * they are stored with their signature, so the daemon later recognises a code by comparing it
 * with what it issued. Serials are random: two coupons meeting on one serial is refused with
 * LTY_E_EXISTS, which the API answers as a retryable 503 (the retry mints new serials).
 *
 * Policies: a campaign id fits the code's u32; an ended campaign never changes again and issues
 * nothing; a voucher is bought with points like any redemption (not while the balance is
 * negative, not beyond it) and its entry names the offer. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_clock.h"
#include "lty/lty_crypto.h"
#include "ops.h"
#include "ops_coupons.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Records in and out ---------------------------------------------------------------------- */

int lty__ops_record_get(lty_store_txn_t *txn, lty_db_t db, uint64_t id, int not_found,
                        lty_bytes_t *value_out)
{
    LTY_ASSERT(txn != NULL && value_out != NULL && not_found < 0);
    if (id == 0) return not_found;
    lty_key_t key;
    lty_key_id(&key, id);
    int err = lty_store_get(txn, db, lty_key_bytes(&key), value_out);
    return err == LTY_E_NOT_FOUND ? not_found : err;
}

int lty__ops_record_put(lty_store_txn_t *txn, lty_db_t db, uint64_t id, const uint8_t *data,
                        size_t size)
{
    LTY_ASSERT(txn != NULL && data != NULL);
    lty_key_t key;
    lty_key_id(&key, id);
    return lty_store_put(txn, db, lty_key_bytes(&key), (lty_bytes_t){.data = data, .size = size});
}

int lty__ops_record_page(lty_store_txn_t *txn, lty_db_t db, uint64_t after, size_t limit,
                         void *page, const void *context, lty__ops_record_keep_cb keep_cb,
                         size_t *count_out, uint64_t *next_after_out)
{
    LTY_ASSERT(txn != NULL && page != NULL && keep_cb != NULL);
    LTY_ASSERT(count_out != NULL && next_after_out != NULL);
    if (limit < 1 || limit > LTY_COUPON_PAGE_MAX) return LTY_E_INVALID_FIELD;
    *count_out = 0;
    *next_after_out = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, after == UINT64_MAX ? after : after + 1);
    lty_bytes_t key = {0}, value = {0};
    uint64_t last_id = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && *count_out < limit) {
        bool kept = false;
        uint64_t id = 0;
        err = keep_cb(value, page, *count_out, context, &kept, &id);
        if (err != 0) break;
        if (kept) {
            (*count_out)++;
            last_id = id;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    if (err == 0) *next_after_out = last_id;
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty__ops_campaign_put(lty_store_txn_t *txn, const lty_campaign_t *campaign)
{
    LTY_ASSERT(txn != NULL && campaign != NULL);
    uint8_t buffer[LTY_RECORD_CAMPAIGN_BYTES_MAX];
    size_t size = lty_record_campaign_encode(campaign, buffer, sizeof(buffer));
    return lty__ops_record_put(txn, LTY_DB_COUPON_CAMPAIGNS, campaign->campaign_id, buffer, size);
}

int lty_ops_campaign_get(lty_store_txn_t *txn, uint64_t campaign_id, lty_campaign_t *campaign_out)
{
    LTY_ASSERT(txn != NULL && campaign_out != NULL);
    lty_bytes_t value;
    int err = lty__ops_record_get(txn, LTY_DB_COUPON_CAMPAIGNS, campaign_id,
                                  LTY_E_CAMPAIGN_NOT_FOUND, &value);
    if (err == 0) err = lty_record_campaign_decode(value, campaign_out);
    if (err == 0 && campaign_out->campaign_id != campaign_id) err = LTY_E_CORRUPT;
    return err;
}

int lty__ops_coupon_put(lty_store_txn_t *txn, const lty_coupon_t *coupon, bool insert)
{
    LTY_ASSERT(txn != NULL && coupon != NULL);
    uint8_t buffer[LTY_RECORD_COUPON_BYTES_MAX];
    size_t size = lty_record_coupon_encode(coupon, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_coupon(&key, coupon->campaign_id, coupon->serial);
    lty_bytes_t value = {.data = buffer, .size = size};
    return insert ? lty_store_insert(txn, LTY_DB_COUPONS, lty_key_bytes(&key), value)
                  : lty_store_put(txn, LTY_DB_COUPONS, lty_key_bytes(&key), value);
}

int lty__ops_coupon_get(lty_store_txn_t *txn, uint64_t campaign_id, uint64_t serial,
                        lty_coupon_t *coupon_out)
{
    LTY_ASSERT(txn != NULL && coupon_out != NULL);
    lty_key_t key;
    lty_key_coupon(&key, campaign_id, serial);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_COUPONS, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_coupon_decode(value, coupon_out);
    if (err == 0 && (coupon_out->campaign_id != campaign_id || coupon_out->serial != serial)) {
        err = LTY_E_CORRUPT;
    }
    return err;
}

static int offer_put(lty_store_txn_t *txn, const lty_offer_t *offer)
{
    uint8_t buffer[LTY_RECORD_OFFER_BYTES_MAX];
    size_t size = lty_record_offer_encode(offer, buffer, sizeof(buffer));
    return lty__ops_record_put(txn, LTY_DB_COUPON_OFFERS, offer->offer_id, buffer, size);
}

int lty_ops_offer_get(lty_store_txn_t *txn, uint64_t offer_id, lty_offer_t *offer_out)
{
    LTY_ASSERT(txn != NULL && offer_out != NULL);
    lty_bytes_t value;
    int err = lty__ops_record_get(txn, LTY_DB_COUPON_OFFERS, offer_id, LTY_E_OFFER_NOT_FOUND,
                                  &value);
    if (err == 0) err = lty_record_offer_decode(value, offer_out);
    if (err == 0 && offer_out->offer_id != offer_id) err = LTY_E_CORRUPT;
    return err;
}

/* ---- Campaigns ------------------------------------------------------------------------------- */

/* The checks of a new campaign, naming the field; the record check is the backstop. */
static int campaign_terms_check(const lty_campaign_t *terms, lty_diag_t *diag)
{
    size_t name_size = strnlen(terms->name, sizeof(terms->name));
    if (name_size == 0 || name_size > LTY_CAMPAIGN_NAME_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name", "name must be 1 to %d bytes",
                            LTY_CAMPAIGN_NAME_BYTES_MAX);
    }
    bool ok = true;
    const char *field = "/kind";
    switch (terms->kind) {
    case LTY_COUPON_AMOUNT_OFF:
        field = "/amount_off_cents";
        ok = terms->amount_off_cents >= 1 && terms->amount_off_cents <= LTY_SALE_AMOUNT_CENTS_MAX &&
             terms->percent_off == 0 && terms->cap_cents == 0 && terms->free_sku[0] == '\0';
        break;
    case LTY_COUPON_PERCENT_OFF:
        field = "/percent_off";
        ok = terms->percent_off >= 1 && terms->percent_off <= LTY_CAMPAIGN_PERCENT_MAX &&
             terms->amount_off_cents == 0 && terms->free_sku[0] == '\0';
        break;
    case LTY_COUPON_FREE_ITEM:
        field = "/free_sku";
        ok = terms->free_sku[0] != '\0' && terms->amount_off_cents == 0 &&
             terms->percent_off == 0 && terms->cap_cents == 0 && terms->matches_count == 0;
        break;
    default: ok = false; break;
    }
    if (!ok) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                            "amount_off needs amount_off_cents, percent_off needs percent_off "
                            "(1..100) and an optional cap_cents, free_item needs free_sku only");
    }
    if (terms->valid_to_ms != 0 && terms->valid_to_ms <= terms->valid_from_ms) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/valid_to", "valid_to must be after "
                            "valid_from");
    }
    if (terms->uses_per_code < 1 || terms->uses_per_code > LTY_CAMPAIGN_USES_PER_CODE_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/uses_per_code",
                            "uses_per_code must be 1 to %d", LTY_CAMPAIGN_USES_PER_CODE_MAX);
    }
    return 0;
}

int lty__ops_store_named(lty_store_txn_t *txn, const char *store_id, const char *path,
                         lty_diag_t *diag)
{
    static _Thread_local lty_store_record_t store;
    int err = lty_ops_store_get(txn, store_id, &store);
    if (err != LTY_E_STORE_NOT_FOUND) return err;
    return lty_diag_set(diag, LTY_E_STORE_NOT_FOUND, path, "store %s does not exist", store_id);
}

int lty_ops_campaign_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            const lty_campaign_t *terms, uint64_t *campaign_id_out,
                            lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && terms != NULL && campaign_id_out != NULL);
    int err = campaign_terms_check(terms, diag);
    if (err != 0) return err;
    static _Thread_local lty_campaign_t campaign;
    campaign = *terms;
    campaign.status = LTY_CAMPAIGN_ACTIVE;
    campaign.created_ms = now_ms;
    campaign.updated_ms = now_ms;
    campaign.issued_count = campaign.redeemed_count = campaign.sales_count = 0;
    campaign.restored_count = 0;
    campaign.discount_cents = 0;
    for (size_t index = 0; err == 0 && index < campaign.stores_count; index++) {
        err = lty__ops_store_named(txn, campaign.stores[index], "/stores", diag);
    }
    if (err == 0) err = lty__ops_id_next(txn, LTY_DB_COUPON_CAMPAIGNS, &campaign.campaign_id);
    if (err != 0) return err;
    if (campaign.campaign_id > UINT32_MAX || !lty_record_campaign_valid(&campaign)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "the campaign's terms are out of "
                            "range");
    }
    err = lty__ops_campaign_put(txn, &campaign);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "campaign:%" PRIu64, campaign.campaign_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "campaign.create", target,
                                       campaign.name);
    if (err == 0) *campaign_id_out = campaign.campaign_id;
    return err;
}

static int campaign_keep(lty_bytes_t value, void *page, size_t index, const void *context,
                         bool *kept_out, uint64_t *id_out)
{
    (void)context;
    lty_campaign_t *campaign = &((lty_ops_campaign_page_t *)page)->campaigns[index];
    int err = lty_record_campaign_decode(value, campaign);
    *kept_out = true;
    *id_out = campaign->campaign_id;
    return err;
}

int lty_ops_campaign_list(lty_store_txn_t *txn, uint64_t after, size_t limit,
                          lty_ops_campaign_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    return lty__ops_record_page(txn, LTY_DB_COUPON_CAMPAIGNS, after, limit, page_out, NULL,
                                campaign_keep, &page_out->campaigns_count,
                                &page_out->next_after);
}

static int campaign_patch_apply(const lty_ops_campaign_patch_t *patch, lty_campaign_t *campaign,
                                lty_diag_t *diag)
{
    if (patch->fields & LTY_CAMPAIGN_FIELD_STATUS) {
        if (patch->status < LTY_CAMPAIGN_ACTIVE || patch->status > LTY_CAMPAIGN_ENDED) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status",
                                "status is active, paused or ended");
        }
        campaign->status = patch->status;
    }
    if (patch->fields & LTY_CAMPAIGN_FIELD_NAME) {
        memcpy(campaign->name, patch->name, sizeof(campaign->name));
    }
    if (patch->fields & LTY_CAMPAIGN_FIELD_VALID_TO) campaign->valid_to_ms = patch->valid_to_ms;
    if (patch->fields & LTY_CAMPAIGN_FIELD_BUDGET) campaign->budget_cents = patch->budget_cents;
    if (patch->fields & LTY_CAMPAIGN_FIELD_REDEMPTIONS_MAX) {
        campaign->redemptions_max = patch->redemptions_max;
    }
    if (patch->fields & LTY_CAMPAIGN_FIELD_PER_MEMBER_LIMIT) {
        campaign->per_member_limit = patch->per_member_limit;
    }
    if (!lty_record_campaign_valid(campaign)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "the changed terms are out of range "
                            "(valid_to must be after valid_from, name 1 to %d bytes)",
                            LTY_CAMPAIGN_NAME_BYTES_MAX);
    }
    return 0;
}

int lty_ops_campaign_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            const lty_ops_campaign_patch_t *patch, lty_campaign_t *campaign_out,
                            lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && patch != NULL && campaign_out != NULL);
    lty_campaign_t campaign;
    int err = lty_ops_campaign_get(txn, patch->campaign_id, &campaign);
    if (err != 0) return err;
    if (campaign.status == LTY_CAMPAIGN_ENDED) return LTY_E_CAMPAIGN_ENDED;
    char old_status[16];
    snprintf(old_status, sizeof(old_status), "%u", (unsigned)campaign.status);
    err = campaign_patch_apply(patch, &campaign, diag);
    if (err != 0) return err;
    campaign.updated_ms = now_ms > campaign.created_ms ? now_ms : campaign.created_ms;
    err = lty__ops_campaign_put(txn, &campaign);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char new_status[16];
    snprintf(target, sizeof(target), "campaign:%" PRIu64, campaign.campaign_id);
    snprintf(new_status, sizeof(new_status), "%u", (unsigned)campaign.status);
    if (err == 0) err = lty__ops_audit_change(txn, actor, now_ms, "campaign.update", target,
                                              "status", old_status, new_status);
    if (err == 0) *campaign_out = campaign;
    return err;
}

int lty_ops_campaign_mint_terms(lty_store_txn_t *txn, uint64_t campaign_id, int64_t now_ms,
                                uint32_t *expiry_day_out)
{
    LTY_ASSERT(txn != NULL && expiry_day_out != NULL);
    lty_campaign_t campaign;
    int err = lty_ops_campaign_get(txn, campaign_id, &campaign);
    if (err != 0) return err;
    if (campaign.status == LTY_CAMPAIGN_ENDED) return LTY_E_CAMPAIGN_ENDED;
    *expiry_day_out = lty_coupon_expiry_day(&campaign, now_ms);
    return 0;
}

/* ---- Issuing --------------------------------------------------------------------------------- */

/* A new coupon from a minted code; the campaign's issued count follows. */
static int coupon_store_new(lty_store_txn_t *txn, lty_campaign_t *campaign,
                            const lty_ops_minted_t *minted, uint64_t member_id, uint8_t source,
                            int64_t now_ms, lty_coupon_t *coupon_out)
{
    LTY_ASSERT(minted->fields.campaign_id == campaign->campaign_id);
    lty_coupon_t coupon = {.campaign_id = campaign->campaign_id,
                           .serial = minted->fields.serial,
                           .member_id = member_id,
                           .source = source,
                           .expiry_day = minted->fields.expiry_day,
                           .issued_ms = now_ms};
    memcpy(coupon.signature, minted->signature, sizeof(coupon.signature));
    *coupon_out = coupon;
    if (source == LTY_COUPON_SOURCE_VOUCHER) return 0; /* stored once the entry exists */
    int err = lty__ops_coupon_put(txn, &coupon, true);
    if (err == 0 && member_id != 0) {
        lty_key_t key;
        lty_key_member_coupon(&key, member_id, coupon.campaign_id, coupon.serial);
        err = lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), (lty_bytes_t){0});
    }
    if (err == 0) campaign->issued_count++;
    return err;
}

/* Once per member per issue key: the coupon issued before, if any (0 and *found_out). */
static int grant_find(lty_store_txn_t *txn, uint64_t campaign_id, const char *issue_key,
                      uint64_t member_id, lty_coupon_t *coupon_out, bool *found_out)
{
    *found_out = false;
    lty_key_t key;
    lty_key_coupon_grant(&key, campaign_id, issue_key, member_id);
    lty_bytes_t value;
    uint64_t serial = 0;
    int err = lty_store_get(txn, LTY_DB_COUPON_GRANTS, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err == 0) err = lty_record_u64_decode(value, &serial);
    if (err == 0) err = lty__ops_coupon_get(txn, campaign_id, serial, coupon_out);
    if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
    *found_out = err == 0;
    return err;
}

static int grant_put(lty_store_txn_t *txn, uint64_t campaign_id, const char *issue_key,
                     uint64_t member_id, uint64_t serial)
{
    lty_key_t key;
    lty_key_coupon_grant(&key, campaign_id, issue_key, member_id);
    uint8_t bytes[8];
    lty_record_u64_encode(serial, bytes);
    return lty_store_put(txn, LTY_DB_COUPON_GRANTS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
}

static int issue_member(lty_store_txn_t *txn, lty_campaign_t *campaign,
                        const lty_ops_issue_t *issue, size_t index, int64_t now_ms,
                        lty_ops_issued_t *issued, lty_diag_t *diag)
{
    uint64_t member_id = issue->member_ids[index];
    char path[32];
    snprintf(path, sizeof(path), "/member_ids/%zu", index);
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err == LTY_E_MEMBER_NOT_FOUND || (err == 0 && member.status == LTY_MEMBER_CLOSED)) {
        return lty_diag_set(diag, err == 0 ? LTY_E_ACCOUNT_CLOSED : err, path,
                            "member %" PRIu64 " %s", member_id,
                            err == 0 ? "is closed" : "does not exist");
    }
    if (err != 0) return err;
    issued->member_id = member_id;
    bool keyed = issue->issue_key[0] != '\0';
    if (keyed) err = grant_find(txn, campaign->campaign_id, issue->issue_key, member_id,
                                &issued->coupon, &issued->already);
    if (err != 0 || issued->already) return err;
    err = coupon_store_new(txn, campaign, &issue->minted[index], member_id,
                           LTY_COUPON_SOURCE_MEMBER, now_ms, &issued->coupon);
    if (err == 0 && keyed) {
        err = grant_put(txn, campaign->campaign_id, issue->issue_key, member_id,
                        issued->coupon.serial);
    }
    return err;
}

int lty_ops_coupons_issue(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const lty_ops_issue_t *issue, lty_ops_issue_result_t *result_out,
                          lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && issue != NULL && result_out != NULL);
    LTY_ASSERT(issue->source == LTY_COUPON_SOURCE_MEMBER ||
               issue->source == LTY_COUPON_SOURCE_CODES);
    if (issue->count < 1 || issue->count > LTY_COUPON_ISSUE_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/count", "1 to %d at a time",
                            LTY_COUPON_ISSUE_MAX);
    }
    static _Thread_local lty_campaign_t campaign;
    int err = lty_ops_campaign_get(txn, issue->campaign_id, &campaign);
    if (err != 0) return err;
    if (campaign.status == LTY_CAMPAIGN_ENDED) return LTY_E_CAMPAIGN_ENDED;
    result_out->count = 0;
    for (size_t index = 0; err == 0 && index < issue->count; index++) {
        lty_ops_issued_t *issued = &result_out->issued[index];
        memset(issued, 0, sizeof(*issued));
        if (issue->source == LTY_COUPON_SOURCE_MEMBER) {
            err = issue_member(txn, &campaign, issue, index, now_ms, issued, diag);
        } else {
            err = coupon_store_new(txn, &campaign, &issue->minted[index], 0,
                                   LTY_COUPON_SOURCE_CODES, now_ms, &issued->coupon);
        }
        if (err == 0) result_out->count++;
    }
    if (err == 0) err = lty__ops_campaign_put(txn, &campaign);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[64];
    snprintf(target, sizeof(target), "campaign:%" PRIu64, campaign.campaign_id);
    snprintf(detail, sizeof(detail), "%zu %s", issue->count,
             issue->source == LTY_COUPON_SOURCE_CODES ? "printable codes" : "members");
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "coupon.issue", target, detail);
    return err;
}

/* ---- Offers and vouchers --------------------------------------------------------------------- */

int lty_ops_offer_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_offer_t *terms, uint64_t *offer_id_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && terms != NULL && offer_id_out != NULL);
    lty_campaign_t campaign;
    int err = lty_ops_campaign_get(txn, terms->campaign_id, &campaign);
    if (err != 0) return err;
    if (campaign.status == LTY_CAMPAIGN_ENDED) return LTY_E_CAMPAIGN_ENDED;
    lty_offer_t offer = *terms;
    offer.active = 1;
    offer.created_ms = offer.updated_ms = now_ms;
    offer.converted_count = 0;
    if (offer.name[0] == '\0') memcpy(offer.name, campaign.name, sizeof(offer.name));
    err = lty__ops_id_next(txn, LTY_DB_COUPON_OFFERS, &offer.offer_id);
    if (err != 0) return err;
    if (!lty_record_offer_valid(&offer)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points_price",
                            "points_price must be 1 to %" PRId64, LTY_POINTS_PER_TXN_MAX);
    }
    err = offer_put(txn, &offer);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[64];
    snprintf(target, sizeof(target), "offer:%" PRIu64, offer.offer_id);
    snprintf(detail, sizeof(detail), "%" PRId64 " points -> campaign %" PRIu64,
             offer.points_price, offer.campaign_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "offer.create", target, detail);
    if (err == 0) *offer_id_out = offer.offer_id;
    return err;
}

/* context: true to keep the active offers only. */
static int offer_keep(lty_bytes_t value, void *page, size_t index, const void *context,
                      bool *kept_out, uint64_t *id_out)
{
    lty_offer_t *offer = &((lty_ops_offer_page_t *)page)->offers[index];
    int err = lty_record_offer_decode(value, offer);
    *kept_out = !*(const bool *)context || offer->active;
    *id_out = offer->offer_id;
    return err;
}

int lty_ops_offer_list(lty_store_txn_t *txn, uint64_t after, size_t limit, bool active_only,
                       lty_ops_offer_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    return lty__ops_record_page(txn, LTY_DB_COUPON_OFFERS, after, limit, page_out, &active_only,
                                offer_keep, &page_out->offers_count, &page_out->next_after);
}

int lty_ops_offer_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         uint64_t offer_id, int active, int64_t points_price,
                         lty_offer_t *offer_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && offer_out != NULL);
    lty_offer_t offer;
    int err = lty_ops_offer_get(txn, offer_id, &offer);
    if (err != 0) return err;
    if (active == 0 || active == 1) offer.active = (uint8_t)active;
    if (points_price != 0) offer.points_price = points_price;
    offer.updated_ms = now_ms > offer.created_ms ? now_ms : offer.created_ms;
    if (!lty_record_offer_valid(&offer)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points_price",
                            "points_price must be 1 to %" PRId64, LTY_POINTS_PER_TXN_MAX);
    }
    err = offer_put(txn, &offer);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[64];
    snprintf(target, sizeof(target), "offer:%" PRIu64, offer.offer_id);
    snprintf(detail, sizeof(detail), "active %u, %" PRId64 " points", (unsigned)offer.active,
             offer.points_price);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "offer.update", target, detail);
    if (err == 0) *offer_out = offer;
    return err;
}

int lty_ops_offer_mint_terms(lty_store_txn_t *txn, uint64_t offer_id, int64_t now_ms,
                             uint64_t *campaign_id_out, uint32_t *expiry_day_out)
{
    LTY_ASSERT(txn != NULL && campaign_id_out != NULL && expiry_day_out != NULL);
    lty_offer_t offer;
    int err = lty_ops_offer_get(txn, offer_id, &offer);
    if (err != 0) return err;
    if (!offer.active) return LTY_E_GIFT_NOT_AVAILABLE;
    *campaign_id_out = offer.campaign_id;
    return lty_ops_campaign_mint_terms(txn, offer.campaign_id, now_ms, expiry_day_out);
}

/* The member who buys: by card at a till (card checks as at a sale), else by id. */
static int voucher_member(lty_store_txn_t *txn, int64_t now_ms, const lty_ops_voucher_t *voucher,
                          uint64_t *member_id_out)
{
    lty_member_t member;
    if (voucher->card_no[0] != '\0') {
        lty_card_t card;
        int err = lty__ops_card_member(txn, voucher->card_no, now_ms, &card, &member);
        if (err == 0) *member_id_out = card.member_id;
        return err;
    }
    int err = lty__ops_member_load(txn, voucher->member_id, &member);
    if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
    if (err == 0) *member_id_out = member.member_id;
    return err;
}

int lty__ops_points_spend(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          uint64_t member_id, int64_t points, uint8_t kind, const char *reference,
                          lty_sale_lot_t *lots_out, uint32_t *lots_count_out,
                          lty_journal_entry_t *entry_out, int64_t *balance_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && entry_out != NULL && balance_out != NULL);
    LTY_ASSERT(points > 0 && member_id != 0);
    int64_t balance = 0, available = 0; /* expired lots are not spent (nor counted) */
    int err = lty_ops_points_available(txn, member_id, now_ms, &balance, &available);
    if (err != 0) return err;
    if (available < 0) return LTY_E_REDEMPTION_BLOCKED;
    if (available < points) {
        return lty_diag_set(diag, LTY_E_INSUFFICIENT_POINTS, "", "balance is %" PRId64
                            ", this costs %" PRId64 " points", available, points);
    }
    lty_journal_entry_t *entry = entry_out;
    memset(entry, 0, sizeof(*entry));
    entry->kind = kind;
    entry->member_id = member_id;
    snprintf(entry->principal, sizeof(entry->principal), "%s", lty__ops_principal(actor));
    snprintf(entry->store, sizeof(entry->store), "%s", actor->store);
    snprintf(entry->till, sizeof(entry->till), "%s", actor->till);
    snprintf(entry->reference, sizeof(entry->reference), "%s", reference);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, -points);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_REDEEMED, 0, points);
    err = lty__ops_lots_take(txn, member_id, points, now_ms, LTY_OPS_LOTS_UNEXPIRED, lots_out,
                             lots_count_out);
    if (err == 0) err = lty__ops_journal_post(txn, entry, now_ms);
    if (err == 0) *balance_out = available - points;
    return err;
}

int lty_ops_voucher_buy(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_voucher_t *voucher, lty_ops_voucher_result_t *result_out,
                        lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && voucher != NULL && result_out != NULL);
    memset(result_out, 0, sizeof(*result_out));
    lty_offer_t *offer = &result_out->offer;
    int err = lty_ops_offer_get(txn, voucher->offer_id, offer);
    if (err != 0) return err;
    if (!offer->active) return LTY_E_GIFT_NOT_AVAILABLE;
    static _Thread_local lty_campaign_t campaign;
    err = lty_ops_campaign_get(txn, offer->campaign_id, &campaign);
    if (err != 0) return err;
    if (campaign.status == LTY_CAMPAIGN_ENDED) return LTY_E_CAMPAIGN_ENDED;
    err = voucher_member(txn, now_ms, voucher, &result_out->member_id);
    if (err != 0) return err;
    char reference[LTY_REFERENCE_BYTES_MAX + 1];
    snprintf(reference, sizeof(reference), "offer %" PRIu64 ": %.200s", offer->offer_id,
             offer->name);
    lty_journal_entry_t entry;
    err = lty__ops_points_spend(txn, actor, now_ms, result_out->member_id, offer->points_price,
                                LTY_ENTRY_VOUCHER, reference, NULL, NULL, &entry,
                                &result_out->points_balance, diag);
    lty_coupon_t *coupon = &result_out->coupon;
    if (err == 0) err = coupon_store_new(txn, &campaign, &voucher->minted, result_out->member_id,
                                         LTY_COUPON_SOURCE_VOUCHER, now_ms, coupon);
    if (err == 0) {
        coupon->offer_id = offer->offer_id;
        coupon->entry_id = entry.entry_id;
        coupon->points = offer->points_price;
        err = lty__ops_coupon_put(txn, coupon, true);
    }
    if (err == 0) {
        lty_key_t key;
        lty_key_member_coupon(&key, result_out->member_id, coupon->campaign_id, coupon->serial);
        err = lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), (lty_bytes_t){0});
    }
    campaign.issued_count++;
    offer->converted_count++;
    if (err == 0) err = lty__ops_campaign_put(txn, &campaign);
    if (err == 0) err = offer_put(txn, offer);
    result_out->entry_id = entry.entry_id;
    result_out->points_debited = offer->points_price;
    return err;
}

/* ---- Wallets --------------------------------------------------------------------------------- */

/* The campaign of a wallet item, read once per page. */
static int wallet_campaign(lty_store_txn_t *txn, lty_ops_wallet_t *wallet, uint64_t campaign_id,
                           const lty_campaign_t **campaign_out)
{
    for (size_t index = 0; index < wallet->campaigns_count; index++) {
        if (wallet->campaigns[index].campaign_id == campaign_id) {
            *campaign_out = &wallet->campaigns[index];
            return 0;
        }
    }
    LTY_ASSERT(wallet->campaigns_count < LTY_COUPON_PAGE_MAX);
    lty_campaign_t *campaign = &wallet->campaigns[wallet->campaigns_count];
    int err = lty_ops_campaign_get(txn, campaign_id, campaign);
    if (err == LTY_E_CAMPAIGN_NOT_FOUND) err = LTY_E_CORRUPT;
    if (err != 0) return err;
    wallet->campaigns_count++;
    *campaign_out = campaign;
    return 0;
}

static uint8_t coupon_state(const lty_campaign_t *campaign, const lty_coupon_t *coupon,
                            int64_t now_ms)
{
    if (coupon->uses_count >= campaign->uses_per_code) return LTY_OPS_COUPON_USED;
    bool ended = campaign->status == LTY_CAMPAIGN_ENDED ||
                 (campaign->valid_to_ms > 0 && now_ms >= campaign->valid_to_ms);
    if (ended || lty_coupon_code_expired(coupon->expiry_day, now_ms)) {
        return LTY_OPS_COUPON_EXPIRED;
    }
    return LTY_OPS_COUPON_VALID;
}

static int wallet_item_add(lty_store_txn_t *txn, lty_ops_wallet_t *wallet, lty_bytes_t key,
                           int64_t now_ms)
{
    uint64_t campaign_id = 0, serial = 0;
    if (key.size != LTY_MEMBER_PART_PREFIX_BYTES + 16 ||
        !lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &campaign_id) ||
        !lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES + 8, &serial)) {
        return LTY_E_CORRUPT;
    }
    lty_ops_wallet_item_t *item = &wallet->items[wallet->items_count];
    int err = lty__ops_coupon_get(txn, campaign_id, serial, &item->coupon);
    if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
    const lty_campaign_t *campaign = NULL;
    if (err == 0) err = wallet_campaign(txn, wallet, campaign_id, &campaign);
    if (err != 0) return err;
    item->state = coupon_state(campaign, &item->coupon, now_ms);
    lty_record_coupon_code(&item->coupon, item->code);
    wallet->items_count++;
    return 0;
}

int lty_ops_wallet(lty_store_txn_t *txn, uint64_t member_id, int64_t now_ms,
                   uint64_t after_campaign, uint64_t after_serial, size_t limit,
                   lty_ops_wallet_t *wallet_out)
{
    LTY_ASSERT(txn != NULL && wallet_out != NULL);
    if (limit < 1 || limit > LTY_COUPON_PAGE_MAX) return LTY_E_INVALID_FIELD;
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    wallet_out->items_count = wallet_out->campaigns_count = 0;
    wallet_out->next_after_campaign = wallet_out->next_after_serial = 0;
    lty_key_t start;
    lty_key_member_coupon(&start, member_id, after_campaign, after_serial);
    if (after_campaign == 0) lty_key_member_coupon_part(&start, member_id, LTY_PART_COUPON);
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    if (err == 0 && after_campaign != 0 && key.size == start.size &&
        memcmp(key.data, start.data, start.size) == 0) { /* the cursor: start after it */
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    while (err == 0 && lty_key_member_part_is(key, member_id, (lty_member_part_t)LTY_PART_COUPON)) {
        if (wallet_out->items_count == limit) {
            const lty_coupon_t *last = &wallet_out->items[limit - 1].coupon;
            wallet_out->next_after_campaign = last->campaign_id;
            wallet_out->next_after_serial = last->serial;
            break;
        }
        err = wallet_item_add(txn, wallet_out, key, now_ms);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Conflicts ------------------------------------------------------------------------------- */

/* context: the store ("" = every conflict; else those where it is either side). */
static int conflict_keep(lty_bytes_t value, void *page, size_t index, const void *context,
                         bool *kept_out, uint64_t *id_out)
{
    const char *store = context;
    lty_coupon_conflict_t *conflict = &((lty_ops_conflict_page_t *)page)->conflicts[index];
    int err = lty_record_coupon_conflict_decode(value, conflict);
    *kept_out = store[0] == '\0' || strcmp(conflict->store, store) == 0 ||
                strcmp(conflict->first_store, store) == 0;
    *id_out = conflict->conflict_id;
    return err;
}

int lty_ops_coupon_conflicts(lty_store_txn_t *txn, const char *store, uint64_t after,
                             size_t limit, lty_ops_conflict_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && store != NULL && page_out != NULL);
    return lty__ops_record_page(txn, LTY_DB_COUPON_CONFLICTS, after, limit, page_out, store,
                                conflict_keep, &page_out->conflicts_count,
                                &page_out->next_after);
}

/* ---- Demo data (loyaltyctl init --demo) ------------------------------------------------------ */

/* Sign count codes of a campaign here: init is single-threaded and off the serving path. */
static int demo_mint(lty_crypto_key_t *key, const lty_campaign_t *campaign, int64_t now_ms,
                     size_t count, lty_ops_minted_t *minted)
{
    for (size_t index = 0; index < count; index++) {
        minted[index].fields = (lty_coupon_code_t){
            .campaign_id = (uint32_t)campaign->campaign_id,
            .serial = 0,
            .expiry_day = lty_coupon_expiry_day(campaign, now_ms)};
        while (minted[index].fields.serial == 0) {
            int err = lty_crypto_random(&minted[index].fields.serial, sizeof(uint64_t));
            if (err != 0) return err;
        }
        char text[LTY_COUPON_CODE_SIZE];
        uint8_t bytes[LTY_COUPON_CODE_BYTES];
        lty_coupon_code_t parsed;
        int err = lty_coupon_code_make(key, &minted[index].fields, text);
        if (err == 0) err = lty_coupon_code_parse(text, LTY_COUPON_CODE_CHARS, &parsed, bytes);
        if (err != 0) return err;
        memcpy(minted[index].signature, bytes + LTY_COUPON_CODE_PAYLOAD_BYTES,
               LTY_CRYPTO_SIGNATURE_BYTES);
    }
    return 0;
}

int lty_ops_demo_coupons(lty_store_txn_t *txn, lty_crypto_key_t *key, int64_t now_ms,
                         uint64_t wallet_member_id, lty_ops_demo_coupons_t *demo_out)
{
    LTY_ASSERT(txn != NULL && key != NULL && demo_out != NULL);
    memset(demo_out, 0, sizeof(*demo_out));
    lty_actor_t system;
    memset(&system, 0, sizeof(system));
    static _Thread_local lty_campaign_t campaign;
    memset(&campaign, 0, sizeof(campaign));
    snprintf(campaign.name, sizeof(campaign.name), "Spring 5 off");
    campaign.kind = LTY_COUPON_AMOUNT_OFF;
    campaign.amount_off_cents = 500;
    campaign.min_spend_cents = 2000;
    campaign.uses_per_code = 1;
    campaign.valid_to_ms = now_ms + 365 * LTY_MS_PER_DAY;
    int err = lty_ops_campaign_create(txn, &system, now_ms, &campaign,
                                      &demo_out->campaign_id, NULL);
    lty_offer_t offer = {.campaign_id = demo_out->campaign_id, .points_price = 500};
    snprintf(offer.name, sizeof(offer.name), "500 points -> 5.00 off");
    if (err == 0) err = lty_ops_offer_create(txn, &system, now_ms, &offer, &demo_out->offer_id,
                                             NULL);
    static _Thread_local lty_ops_gift_new_t gift;
    memset(&gift, 0, sizeof(gift));
    snprintf(gift.terms.name, sizeof(gift.terms.name), "Tea towel");
    gift.terms.points_price = 300;
    gift.terms.stock_mode = LTY_GIFT_STOCK_CENTRAL;
    gift.stocks_count = 1;
    gift.stocks[0].add = 10;
    if (err == 0) err = lty_ops_gift_create(txn, &system, now_ms, &gift, &demo_out->gift_id,
                                            NULL);
    if (err == 0) err = lty_ops_campaign_get(txn, demo_out->campaign_id, &campaign);
    static _Thread_local lty_ops_issue_t issue;
    static _Thread_local lty_ops_issue_result_t issued;
    memset(&issue, 0, sizeof(issue));
    issue = (lty_ops_issue_t){.campaign_id = demo_out->campaign_id,
                              .source = LTY_COUPON_SOURCE_CODES, .count = LTY_OPS_DEMO_CODES};
    if (err == 0) err = demo_mint(key, &campaign, now_ms, issue.count, issue.minted);
    if (err == 0) err = lty_ops_coupons_issue(txn, &system, now_ms, &issue, &issued, NULL);
    for (size_t index = 0; err == 0 && index < issued.count; index++) {
        lty_record_coupon_code(&issued.issued[index].coupon, demo_out->codes[index]);
    }
    issue.source = LTY_COUPON_SOURCE_MEMBER; /* one in a member's wallet, for the portal */
    issue.count = 1;
    issue.member_ids[0] = wallet_member_id;
    if (err == 0) err = demo_mint(key, &campaign, now_ms, 1, issue.minted);
    if (err == 0) err = lty_ops_coupons_issue(txn, &system, now_ms, &issue, &issued, NULL);
    return err;
}
