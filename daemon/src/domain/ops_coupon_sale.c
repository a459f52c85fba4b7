/* SPDX-License-Identifier: MIT */
/* A sale's coupons (ops_coupons.h): judged and applied to the basket inside the sale's own
 * child transaction, so the check and the mark are one step of the one writer: two tills
 * racing with one code are serialised, and the second finds it used. A quote runs the plan
 * alone and writes nothing.
 *
 * A code is recognised by comparing it with the coupon the daemon issued (the same campaign and
 * serial, and the same signature), not by checking its signature: the daemon issued every
 * valid code, and a comparison costs nothing where a P-256 verify costs ~3 ms on the writer.
 *
 * Policies (docs/coupons.md): coupons apply in the order given, each to the amounts the earlier
 * ones left; the counters they are judged by include the earlier coupons of the same sale. A
 * sale given back whole (returned, or voided) restores its coupons that are still valid; one
 * whose code expired or whose campaign ended meanwhile stays used. An offline sale (the till
 * accepted its coupons on their signature while it could not reach the daemon) is never refused
 * for a coupon: the coupon is left out of the sale and a conflict is recorded for the operator
 * and both tills. */
#include "lty/lty_assert.h"
#include "ops.h"
#include "ops_coupons.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Find the coupon a code names; LTY_E_COUPON_NOT_FOUND unless it is exactly the code issued. */
static int coupon_resolve(lty_store_txn_t *txn, const char *code, lty_coupon_t *coupon_out,
                          lty_campaign_t *campaign_out)
{
    lty_coupon_code_t fields;
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    int err = lty_coupon_code_parse(code, strnlen(code, LTY_COUPON_CODE_SIZE), &fields, bytes);
    if (err != 0) return err;
    err = lty__ops_coupon_get(txn, fields.campaign_id, fields.serial, coupon_out);
    if (err == LTY_E_NOT_FOUND) return LTY_E_COUPON_NOT_FOUND;
    if (err != 0) return err;
    /* Every byte of the code must be the issued one's: the signature and the expiry day. */
    uint8_t differ = (uint8_t)(coupon_out->expiry_day != fields.expiry_day);
    for (size_t index = 0; index < LTY_CRYPTO_SIGNATURE_BYTES; index++) {
        differ |= coupon_out->signature[index] ^ bytes[LTY_COUPON_CODE_PAYLOAD_BYTES + index];
    }
    if (differ != 0) return LTY_E_COUPON_NOT_FOUND;
    err = lty_ops_campaign_get(txn, fields.campaign_id, campaign_out);
    return err == LTY_E_CAMPAIGN_NOT_FOUND ? LTY_E_CORRUPT : err;
}

static int member_usage_get(lty_store_txn_t *txn, uint64_t member_id, uint64_t campaign_id,
                            uint64_t *uses_out)
{
    lty_key_t key;
    lty_key_member_coupon_usage(&key, member_id, campaign_id);
    lty_bytes_t value;
    *uses_out = 0;
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    return err == 0 ? lty_record_u64_decode(value, uses_out) : err;
}

static int member_usage_add(lty_store_txn_t *txn, uint64_t member_id, uint64_t campaign_id,
                            int delta)
{
    uint64_t uses = 0;
    int err = member_usage_get(txn, member_id, campaign_id, &uses);
    if (err != 0) return err;
    if (delta < 0 && uses == 0) return LTY_E_CORRUPT; /* a use to give back was counted */
    uses = delta < 0 ? uses - 1 : uses + 1;
    lty_key_t key;
    lty_key_member_coupon_usage(&key, member_id, campaign_id);
    if (uses == 0) return lty_store_del(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key));
    uint8_t bytes[8];
    lty_record_u64_encode(uses, bytes);
    return lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
}

/* The use of a coupon by a sale: 0, LTY_E_NOT_FOUND, or a store or decoding error. */
static int use_get(lty_store_txn_t *txn, uint64_t sale_id, uint64_t campaign_id, uint64_t serial,
                   lty_coupon_use_t *use_out)
{
    lty_key_t key;
    lty_key_coupon_use(&key, sale_id, campaign_id, serial);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_COUPON_USES, lty_key_bytes(&key), &value);
    return err == 0 ? lty_record_coupon_use_decode(value, use_out) : err;
}

/* The live use that took a coupon (for an offline conflict's report): its latest. */
static void first_use_find(lty_store_txn_t *txn, const lty_coupon_t *coupon,
                           lty_ops_coupon_effect_t *effect)
{
    if (coupon->last_sale_id == 0) return;
    lty_coupon_use_t use;
    if (use_get(txn, coupon->last_sale_id, coupon->campaign_id, coupon->serial, &use) != 0 ||
        use.restored_ms != 0) {
        return;
    }
    effect->first_sale_id = use.sale_id;
    memcpy(effect->first_store, use.store, sizeof(effect->first_store));
    memcpy(effect->first_till, use.till, sizeof(effect->first_till));
    effect->first_ms = use.created_ms;
}

/* The counters a coupon is judged by, with the coupons applied before it in this sale. */
static int context_build(lty_store_txn_t *txn, const lty_ops_coupons_t *coupons, size_t upto,
                         const lty_campaign_t *campaign, const lty_coupon_t *coupon,
                         lty_coupon_context_t *context)
{
    context->code_uses = coupon->uses_count;
    context->campaign_uses = campaign->redeemed_count;
    context->campaign_discount_cents = campaign->discount_cents;
    int err = member_usage_get(txn, context->member_id, campaign->campaign_id,
                               &context->member_uses);
    for (size_t index = 0; err == 0 && index < upto; index++) {
        const lty_ops_coupon_effect_t *earlier = &coupons->effects[index];
        if (earlier->err != 0 || earlier->campaign_id != campaign->campaign_id) continue;
        context->campaign_uses++;
        context->member_uses++;
        context->campaign_discount_cents += earlier->discount_cents;
        if (earlier->serial == coupon->serial) context->code_uses++;
    }
    return err;
}

static int coupon_plan_one(lty_store_txn_t *txn, lty_coupon_context_t *context,
                           lty_ops_coupons_t *coupons, size_t index, lty_sale_line_t *lines,
                           size_t lines_count)
{
    lty_ops_coupon_effect_t *effect = &coupons->effects[index];
    static _Thread_local lty_campaign_t campaign;
    lty_coupon_t coupon;
    int err = coupon_resolve(txn, effect->code, &coupon, &campaign);
    if (err != 0) return err;
    effect->campaign_id = coupon.campaign_id;
    effect->serial = coupon.serial;
    memcpy(effect->campaign_name, campaign.name, sizeof(effect->campaign_name));
    err = context_build(txn, coupons, index, &campaign, &coupon, context);
    lty_coupon_outcome_t outcome = {0};
    if (err == 0) err = lty_coupon_evaluate(&campaign, &coupon, context, lines, lines_count,
                                            &outcome);
    effect->discount_cents = outcome.discount_cents;
    effect->eligible_cents = outcome.eligible_cents;
    if (err == LTY_E_COUPON_USED) first_use_find(txn, &coupon, effect); /* for a conflict */
    return err;
}

int lty_ops_coupons_plan(lty_store_txn_t *txn, const char *store, int64_t now_ms,
                         uint64_t member_id, uint32_t tier,
                         const char (*codes)[LTY_COUPON_CODE_SIZE], size_t codes_count,
                         bool offline, lty_sale_line_t *lines, size_t lines_count,
                         lty_ops_coupons_t *coupons_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && store != NULL && coupons_out != NULL);
    LTY_ASSERT(codes != NULL || codes_count == 0);
    LTY_ASSERT(member_id != 0);
    memset(coupons_out, 0, sizeof(*coupons_out));
    if (codes_count > LTY_COUPONS_PER_SALE_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/coupons", "at most %d coupons a sale",
                            LTY_COUPONS_PER_SALE_MAX);
    }
    lty_coupon_context_t context = {.member_id = member_id, .tier = tier, .store = store,
                                    .now_ms = now_ms};
    for (size_t index = 0; index < codes_count; index++) {
        lty_ops_coupon_effect_t *effect = &coupons_out->effects[index];
        snprintf(effect->code, sizeof(effect->code), "%s", codes[index]);
        coupons_out->count++;
        int err = coupon_plan_one(txn, &context, coupons_out, index, lines, lines_count);
        bool refusal = err <= LTY_E_COUPON_NOT_FOUND && err >= LTY_E_CAMPAIGN_EXHAUSTED;
        if (err != 0 && (!offline || !refusal)) {
            char field[32];
            snprintf(field, sizeof(field), "/coupons/%zu", index);
            return refusal ? lty_diag_set(diag, err, field, "%s", lty_strerror(err)) : err;
        }
        if (err == 0) {
            coupons_out->discount_cents += effect->discount_cents;
            continue;
        }
        effect->err = err; /* offline: left out of the sale, recorded as a conflict */
        effect->discount_cents = 0;
        coupons_out->conflicts_count++;
    }
    return 0;
}

/* ---- Recording ------------------------------------------------------------------------------ */

/* delta +1: a use by sale_id (the coupon's latest); -1: one restored. */
static int coupon_uses_add(lty_store_txn_t *txn, uint64_t campaign_id, uint64_t serial, int delta,
                           uint64_t sale_id)
{
    lty_coupon_t coupon;
    int err = lty__ops_coupon_get(txn, campaign_id, serial, &coupon);
    if (err == LTY_E_NOT_FOUND || (err == 0 && delta < 0 && coupon.uses_count == 0)) {
        return LTY_E_CORRUPT;
    }
    if (err != 0) return err;
    coupon.uses_count = delta < 0 ? coupon.uses_count - 1 : coupon.uses_count + 1;
    if (delta > 0) coupon.last_sale_id = sale_id;
    return lty__ops_coupon_put(txn, &coupon, false);
}

static int use_put(lty_store_txn_t *txn, const lty_coupon_use_t *use)
{
    uint8_t buffer[LTY_RECORD_COUPON_USE_BYTES_MAX];
    size_t size = lty_record_coupon_use_encode(use, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_coupon_use(&key, use->sale_id, use->campaign_id, use->serial);
    return lty_store_put(txn, LTY_DB_COUPON_USES, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

static int use_record(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      uint64_t sale_id, uint64_t member_id, bool offline,
                      const lty_ops_coupons_t *coupons, size_t index)
{
    const lty_ops_coupon_effect_t *effect = &coupons->effects[index];
    lty_coupon_use_t use = {.campaign_id = effect->campaign_id, .serial = effect->serial,
                            .sale_id = sale_id, .member_id = member_id, .created_ms = now_ms,
                            .discount_cents = effect->discount_cents, .offline = offline};
    snprintf(use.store, sizeof(use.store), "%s", actor->store);
    snprintf(use.till, sizeof(use.till), "%s", actor->till);
    int err = use_put(txn, &use);
    if (err == 0) err = coupon_uses_add(txn, effect->campaign_id, effect->serial, +1, sale_id);
    if (err == 0) err = member_usage_add(txn, member_id, effect->campaign_id, +1);
    static _Thread_local lty_campaign_t campaign;
    if (err == 0) err = lty_ops_campaign_get(txn, effect->campaign_id, &campaign);
    if (err != 0) return err;
    bool campaign_seen = false; /* a sale counts once per campaign */
    for (size_t earlier = 0; earlier < index; earlier++) {
        const lty_ops_coupon_effect_t *other = &coupons->effects[earlier];
        if (other->err == 0 && other->campaign_id == effect->campaign_id) campaign_seen = true;
    }
    campaign.redeemed_count++;
    campaign.discount_cents += effect->discount_cents;
    if (!campaign_seen) campaign.sales_count++;
    return lty__ops_campaign_put(txn, &campaign);
}

static int conflict_record(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           uint64_t sale_id, uint64_t member_id, lty_ops_coupon_effect_t *effect)
{
    lty_coupon_conflict_t conflict = {.campaign_id = effect->campaign_id,
                                      .serial = effect->serial, .err = effect->err,
                                      .sale_id = sale_id, .member_id = member_id,
                                      .created_ms = now_ms,
                                      .first_sale_id = effect->first_sale_id,
                                      .first_ms = effect->first_ms};
    snprintf(conflict.store, sizeof(conflict.store), "%s", actor->store);
    snprintf(conflict.till, sizeof(conflict.till), "%s", actor->till);
    memcpy(conflict.first_store, effect->first_store, sizeof(conflict.first_store));
    memcpy(conflict.first_till, effect->first_till, sizeof(conflict.first_till));
    int err = lty__ops_id_next(txn, LTY_DB_COUPON_CONFLICTS, &conflict.conflict_id);
    if (err != 0) return err;
    uint8_t buffer[LTY_RECORD_COUPON_CONFLICT_BYTES_MAX];
    size_t size = lty_record_coupon_conflict_encode(&conflict, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, conflict.conflict_id);
    err = lty_store_append(txn, LTY_DB_COUPON_CONFLICTS, lty_key_bytes(&key),
                           (lty_bytes_t){.data = buffer, .size = size});
    if (err == 0) effect->conflict_id = conflict.conflict_id;
    return err;
}

int lty_ops_coupons_record(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           uint64_t sale_id, uint64_t member_id, bool offline,
                           lty_ops_coupons_t *coupons)
{
    LTY_ASSERT(txn != NULL && actor != NULL && coupons != NULL);
    LTY_ASSERT(sale_id != 0 && member_id != 0);
    LTY_ASSERT(offline || coupons->conflicts_count == 0);
    int err = 0;
    for (size_t index = 0; err == 0 && index < coupons->count; index++) {
        lty_ops_coupon_effect_t *effect = &coupons->effects[index];
        err = effect->err == 0
                  ? use_record(txn, actor, now_ms, sale_id, member_id, offline, coupons, index)
                  : conflict_record(txn, actor, now_ms, sale_id, member_id, effect);
    }
    return err;
}

/* ---- Restoring on return ------------------------------------------------------------------- */

typedef struct sale_use_s {
    uint64_t campaign_id;
    uint64_t serial;
} sale_use_t;

static int sale_uses_load(lty_store_txn_t *txn, uint64_t sale_id, sale_use_t *uses,
                          size_t *count_out)
{
    *count_out = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_COUPON_USES, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, sale_id);
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && key.size == 24 && memcmp(key.data, start.data, 8) == 0) {
        if (*count_out == LTY_COUPONS_PER_SALE_MAX) {
            err = LTY_E_CORRUPT;
            break;
        }
        sale_use_t *use = &uses[(*count_out)++];
        (void)lty_key_u64_at(key, 8, &use->campaign_id);
        (void)lty_key_u64_at(key, 16, &use->serial);
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* Restore one use when its coupon is still valid: 1 restored, 0 kept used, or an error. */
static int use_restore(lty_store_txn_t *txn, int64_t now_ms, uint64_t sale_id,
                       const sale_use_t *ref, bool *campaign_all_restored)
{
    lty_coupon_use_t use;
    int err = use_get(txn, sale_id, ref->campaign_id, ref->serial, &use);
    if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
    static _Thread_local lty_campaign_t campaign;
    lty_coupon_t coupon;
    if (err == 0) err = lty__ops_coupon_get(txn, ref->campaign_id, ref->serial, &coupon);
    if (err == 0) err = lty_ops_campaign_get(txn, ref->campaign_id, &campaign);
    if (err != 0) return err == LTY_E_NOT_FOUND ? LTY_E_CORRUPT : err;
    if (use.restored_ms != 0) return 0;
    bool valid = campaign.status != LTY_CAMPAIGN_ENDED &&
                 !(campaign.valid_to_ms > 0 && now_ms >= campaign.valid_to_ms) &&
                 !lty_coupon_code_expired(coupon.expiry_day, now_ms);
    if (!valid) {
        *campaign_all_restored = false;
        return 0;
    }
    use.restored_ms = now_ms > use.created_ms ? now_ms : use.created_ms;
    err = use_put(txn, &use);
    if (err == 0) err = coupon_uses_add(txn, ref->campaign_id, ref->serial, -1, 0);
    if (err == 0) err = member_usage_add(txn, use.member_id, ref->campaign_id, -1);
    if (err == 0) err = lty_ops_campaign_get(txn, ref->campaign_id, &campaign);
    if (err != 0) return err;
    LTY_ASSERT(campaign.redeemed_count >= 1 && campaign.discount_cents >= use.discount_cents);
    campaign.redeemed_count--;
    campaign.discount_cents -= use.discount_cents;
    campaign.restored_count++;
    err = lty__ops_campaign_put(txn, &campaign);
    return err == 0 ? 1 : err;
}

int lty_ops_coupons_restore(lty_store_txn_t *txn, int64_t now_ms, uint64_t sale_id,
                            size_t *restored_out)
{
    LTY_ASSERT(txn != NULL && restored_out != NULL);
    LTY_ASSERT(sale_id != 0);
    *restored_out = 0;
    sale_use_t uses[LTY_COUPONS_PER_SALE_MAX];
    size_t count = 0;
    int err = sale_uses_load(txn, sale_id, uses, &count);
    for (size_t index = 0; err == 0 && index < count; index++) {
        bool first_of_campaign = true;
        for (size_t earlier = 0; earlier < index; earlier++) {
            if (uses[earlier].campaign_id == uses[index].campaign_id) first_of_campaign = false;
        }
        if (!first_of_campaign) continue; /* handled with the campaign's first use */
        bool all_restored = true;
        for (size_t same = index; err >= 0 && same < count; same++) {
            if (uses[same].campaign_id != uses[index].campaign_id) continue;
            err = use_restore(txn, now_ms, sale_id, &uses[same], &all_restored);
            if (err == 1) (*restored_out)++;
            if (err == 1) err = 0;
        }
        /* The sale no longer counts for the campaign once none of its uses is live. */
        static _Thread_local lty_campaign_t campaign;
        if (err == 0 && all_restored) err = lty_ops_campaign_get(txn, uses[index].campaign_id,
                                                                 &campaign);
        if (err == 0 && all_restored) {
            LTY_ASSERT(campaign.sales_count >= 1);
            campaign.sales_count--;
            err = lty__ops_campaign_put(txn, &campaign);
        }
    }
    return err;
}
