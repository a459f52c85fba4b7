/* SPDX-License-Identifier: MIT */
/* Encodings, checks and keys of the coupon and gift records (records_coupons.h). Like
 * records.c, every decoder treats the disk as hostile and answers LTY_E_CORRUPT for anything
 * malformed, so `loyaltyctl verify` can name a damaged record instead of crashing on it.
 *
 * Not here: what a campaign's terms do to a basket (domain/coupon.c) or when a record is
 * written (domain/ops_coupon*.c, ops_gift.c). */
#include "records_coupons.h"
#include "records_codec.h"

#include <string.h>

static bool amount_ok(int64_t cents)
{
    return cents >= 0 && cents <= LTY_SALE_AMOUNT_CENTS_MAX;
}

static bool period_ok(int64_t from_ms, int64_t to_ms)
{
    return time_ok(from_ms) && time_ok(to_ms) && (to_ms == 0 || to_ms > from_ms);
}

/* ---- Campaigns ---------------------------------------------------------------------------- */

static bool campaign_terms_valid(const lty_campaign_t *campaign)
{
    switch (campaign->kind) {
    case LTY_COUPON_AMOUNT_OFF:
        return campaign->amount_off_cents >= 1 && amount_ok(campaign->amount_off_cents) &&
               campaign->percent_off == 0 && campaign->cap_cents == 0 &&
               campaign->free_sku[0] == '\0';
    case LTY_COUPON_PERCENT_OFF:
        return campaign->percent_off >= 1 && campaign->percent_off <= LTY_CAMPAIGN_PERCENT_MAX &&
               amount_ok(campaign->cap_cents) && campaign->amount_off_cents == 0 &&
               campaign->free_sku[0] == '\0';
    case LTY_COUPON_FREE_ITEM:
        return text_nonempty_fits(campaign->free_sku, LTY_SKU_BYTES_MAX) &&
               campaign->amount_off_cents == 0 && campaign->percent_off == 0 &&
               campaign->cap_cents == 0;
    default: return false;
    }
}

static bool campaign_lists_valid(const lty_campaign_t *campaign)
{
    if (campaign->matches_count > LTY_CAMPAIGN_MATCHES_MAX) return false;
    for (uint32_t index = 0; index < campaign->matches_count; index++) {
        const lty_campaign_match_t *match = &campaign->matches[index];
        if (match->type != LTY_MATCH_SKU && match->type != LTY_MATCH_CATEGORY) return false;
        if (!text_nonempty_fits(match->value, LTY_SKU_BYTES_MAX)) return false;
    }
    if (campaign->stores_count > LTY_CAMPAIGN_STORES_MAX) return false;
    for (uint32_t index = 0; index < campaign->stores_count; index++) {
        if (!text_nonempty_fits(campaign->stores[index], LTY_STORE_ID_BYTES_MAX)) return false;
    }
    return true;
}

bool lty_record_campaign_valid(const lty_campaign_t *campaign)
{
    LTY_ASSERT(campaign != NULL);
    if (campaign->campaign_id == 0 || campaign->campaign_id > UINT32_MAX) return false;
    if (campaign->status < LTY_CAMPAIGN_ACTIVE || campaign->status > LTY_CAMPAIGN_ENDED) {
        return false;
    }
    if (!text_nonempty_fits(campaign->name, LTY_CAMPAIGN_NAME_BYTES_MAX)) return false;
    if (!campaign_terms_valid(campaign) || !campaign_lists_valid(campaign)) return false;
    if (!amount_ok(campaign->min_spend_cents) || !amount_ok(campaign->budget_cents)) return false;
    if (!period_ok(campaign->valid_from_ms, campaign->valid_to_ms)) return false;
    if (campaign->uses_per_code < 1 || campaign->uses_per_code > LTY_CAMPAIGN_USES_PER_CODE_MAX) {
        return false;
    }
    if (campaign->code_valid_days > LTY_CAMPAIGN_CODE_DAYS_MAX) return false;
    if (!time_ok(campaign->created_ms) || campaign->updated_ms < campaign->created_ms) {
        return false;
    }
    if (campaign->discount_cents < 0) return false;
    /* sales_count <= redeemed_count holds between operations, not inside a restore: verify
     * checks the totals exactly */
    return campaign->redeemed_count <= campaign->issued_count * LTY_CAMPAIGN_USES_PER_CODE_MAX;
}

size_t lty_record_campaign_encode(const lty_campaign_t *campaign, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_campaign_valid(campaign));
    LTY_ASSERT(out_size >= LTY_RECORD_CAMPAIGN_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_CAMPAIGN,
               LTY_CAMPAIGN_VERSION);
    out_u64(&writer, campaign->campaign_id);
    out_u8(&writer, campaign->status);
    out_u8(&writer, campaign->kind);
    out_str(&writer, campaign->name, LTY_CAMPAIGN_NAME_BYTES_MAX);
    out_i64(&writer, campaign->amount_off_cents);
    out_u32(&writer, campaign->percent_off);
    out_i64(&writer, campaign->cap_cents);
    out_str(&writer, campaign->free_sku, LTY_SKU_BYTES_MAX);
    out_i64(&writer, campaign->min_spend_cents);
    out_u8(&writer, (uint8_t)campaign->matches_count);
    for (uint32_t index = 0; index < campaign->matches_count; index++) {
        out_u8(&writer, campaign->matches[index].type);
        out_str(&writer, campaign->matches[index].value, LTY_SKU_BYTES_MAX);
    }
    out_i64(&writer, campaign->valid_from_ms);
    out_i64(&writer, campaign->valid_to_ms);
    out_u8(&writer, (uint8_t)campaign->stores_count);
    for (uint32_t index = 0; index < campaign->stores_count; index++) {
        out_str(&writer, campaign->stores[index], LTY_STORE_ID_BYTES_MAX);
    }
    out_u32(&writer, campaign->tiers_mask);
    out_u32(&writer, campaign->per_member_limit);
    out_u32(&writer, campaign->uses_per_code);
    out_i64(&writer, campaign->budget_cents);
    out_u64(&writer, campaign->redemptions_max);
    out_u32(&writer, campaign->code_valid_days);
    out_i64(&writer, campaign->created_ms);
    out_i64(&writer, campaign->updated_ms);
    out_u64(&writer, campaign->issued_count);
    out_u64(&writer, campaign->redeemed_count);
    out_i64(&writer, campaign->discount_cents);
    out_u64(&writer, campaign->sales_count);
    out_u64(&writer, campaign->restored_count);
    LTY_ASSERT(writer.size <= LTY_RECORD_CAMPAIGN_BYTES_MAX);
    return writer.size;
}

static void campaign_lists_decode(rec_in_t *reader, lty_campaign_t *campaign)
{
    campaign->matches_count = in_u8(reader);
    if (campaign->matches_count > LTY_CAMPAIGN_MATCHES_MAX) reader->ok = false;
    for (uint32_t index = 0; reader->ok && index < campaign->matches_count; index++) {
        campaign->matches[index].type = in_u8(reader);
        in_str(reader, campaign->matches[index].value, LTY_SKU_BYTES_MAX);
    }
    campaign->valid_from_ms = in_i64(reader);
    campaign->valid_to_ms = in_i64(reader);
    campaign->stores_count = in_u8(reader);
    if (campaign->stores_count > LTY_CAMPAIGN_STORES_MAX) reader->ok = false;
    for (uint32_t index = 0; reader->ok && index < campaign->stores_count; index++) {
        in_str(reader, campaign->stores[index], LTY_STORE_ID_BYTES_MAX);
    }
}

int lty_record_campaign_decode(lty_bytes_t in, lty_campaign_t *campaign_out)
{
    LTY_ASSERT(campaign_out != NULL);
    rec_in_t reader;
    memset(campaign_out, 0, sizeof(*campaign_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_CAMPAIGN, LTY_CAMPAIGN_VERSION);
    campaign_out->campaign_id = in_u64(&reader);
    campaign_out->status = in_u8(&reader);
    campaign_out->kind = in_u8(&reader);
    in_str(&reader, campaign_out->name, LTY_CAMPAIGN_NAME_BYTES_MAX);
    campaign_out->amount_off_cents = in_i64(&reader);
    campaign_out->percent_off = in_u32(&reader);
    campaign_out->cap_cents = in_i64(&reader);
    in_str(&reader, campaign_out->free_sku, LTY_SKU_BYTES_MAX);
    campaign_out->min_spend_cents = in_i64(&reader);
    campaign_lists_decode(&reader, campaign_out);
    campaign_out->tiers_mask = in_u32(&reader);
    campaign_out->per_member_limit = in_u32(&reader);
    campaign_out->uses_per_code = in_u32(&reader);
    campaign_out->budget_cents = in_i64(&reader);
    campaign_out->redemptions_max = in_u64(&reader);
    campaign_out->code_valid_days = in_u32(&reader);
    campaign_out->created_ms = in_i64(&reader);
    campaign_out->updated_ms = in_i64(&reader);
    campaign_out->issued_count = in_u64(&reader);
    campaign_out->redeemed_count = in_u64(&reader);
    campaign_out->discount_cents = in_i64(&reader);
    campaign_out->sales_count = in_u64(&reader);
    campaign_out->restored_count = in_u64(&reader);
    return in_finish(&reader, reader.ok && lty_record_campaign_valid(campaign_out));
}

/* ---- Coupons ------------------------------------------------------------------------------- */

bool lty_record_coupon_valid(const lty_coupon_t *coupon)
{
    LTY_ASSERT(coupon != NULL);
    if (coupon->campaign_id == 0 || coupon->campaign_id > UINT32_MAX || coupon->serial == 0) {
        return false;
    }
    if (coupon->source < LTY_COUPON_SOURCE_MEMBER || coupon->source > LTY_COUPON_SOURCE_VOUCHER) {
        return false;
    }
    bool bearer = coupon->source == LTY_COUPON_SOURCE_CODES;
    if (bearer != (coupon->member_id == 0)) return false;
    bool voucher = coupon->source == LTY_COUPON_SOURCE_VOUCHER;
    if (voucher != (coupon->offer_id != 0) || voucher != (coupon->entry_id != 0)) return false;
    if (voucher ? coupon->points < 1 || coupon->points > LTY_POINTS_PER_TXN_MAX
                : coupon->points != 0) {
        return false;
    }
    if (coupon->expiry_day > LTY_COUPON_EXPIRY_NONE) return false;
    if (coupon->uses_count > 0 && coupon->last_sale_id == 0) return false;
    return time_ok(coupon->issued_ms) && coupon->uses_count <= LTY_CAMPAIGN_USES_PER_CODE_MAX;
}

size_t lty_record_coupon_encode(const lty_coupon_t *coupon, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_coupon_valid(coupon));
    LTY_ASSERT(out_size >= LTY_RECORD_COUPON_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_COUPON,
               LTY_COUPON_VERSION);
    out_u64(&writer, coupon->campaign_id);
    out_u64(&writer, coupon->serial);
    out_u64(&writer, coupon->member_id);
    out_u8(&writer, coupon->source);
    out_u64(&writer, coupon->offer_id);
    out_u64(&writer, coupon->entry_id);
    out_i64(&writer, coupon->points);
    out_u32(&writer, coupon->expiry_day);
    out_i64(&writer, coupon->issued_ms);
    out_u32(&writer, coupon->uses_count);
    out_u64(&writer, coupon->last_sale_id);
    out_bytes(&writer, coupon->signature, sizeof(coupon->signature));
    LTY_ASSERT(writer.size <= LTY_RECORD_COUPON_BYTES_MAX);
    return writer.size;
}

int lty_record_coupon_decode(lty_bytes_t in, lty_coupon_t *coupon_out)
{
    LTY_ASSERT(coupon_out != NULL);
    rec_in_t reader;
    memset(coupon_out, 0, sizeof(*coupon_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_COUPON, LTY_COUPON_VERSION);
    coupon_out->campaign_id = in_u64(&reader);
    coupon_out->serial = in_u64(&reader);
    coupon_out->member_id = in_u64(&reader);
    coupon_out->source = in_u8(&reader);
    coupon_out->offer_id = in_u64(&reader);
    coupon_out->entry_id = in_u64(&reader);
    coupon_out->points = in_i64(&reader);
    coupon_out->expiry_day = in_u32(&reader);
    coupon_out->issued_ms = in_i64(&reader);
    coupon_out->uses_count = in_u32(&reader);
    coupon_out->last_sale_id = in_u64(&reader);
    const uint8_t *signature = in_take(&reader, sizeof(coupon_out->signature));
    if (signature != NULL) memcpy(coupon_out->signature, signature, sizeof(coupon_out->signature));
    return in_finish(&reader, reader.ok && lty_record_coupon_valid(coupon_out));
}

void lty_record_coupon_code(const lty_coupon_t *coupon, char text_out[LTY_COUPON_CODE_SIZE])
{
    LTY_ASSERT(lty_record_coupon_valid(coupon));
    lty_coupon_code_t fields = {.campaign_id = (uint32_t)coupon->campaign_id,
                                .serial = coupon->serial,
                                .expiry_day = coupon->expiry_day};
    lty_coupon_code_text(&fields, coupon->signature, text_out);
}

bool lty_record_coupon_use_valid(const lty_coupon_use_t *use)
{
    LTY_ASSERT(use != NULL);
    if (use->campaign_id == 0 || use->serial == 0 || use->sale_id == 0 || use->member_id == 0) {
        return false;
    }
    if (!text_nonempty_fits(use->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_nonempty_fits(use->till, LTY_TILL_ID_BYTES_MAX)) return false;
    if (!amount_ok(use->discount_cents) || !time_ok(use->created_ms)) return false;
    if (use->restored_ms != 0 && use->restored_ms < use->created_ms) return false;
    return use->offline <= 1;
}

size_t lty_record_coupon_use_encode(const lty_coupon_use_t *use, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_coupon_use_valid(use));
    LTY_ASSERT(out_size >= LTY_RECORD_COUPON_USE_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_COUPON_USE,
               LTY_COUPON_USE_VERSION);
    out_u64(&writer, use->campaign_id);
    out_u64(&writer, use->serial);
    out_u64(&writer, use->sale_id);
    out_u64(&writer, use->member_id);
    out_i64(&writer, use->created_ms);
    out_str(&writer, use->store, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, use->till, LTY_TILL_ID_BYTES_MAX);
    out_i64(&writer, use->discount_cents);
    out_i64(&writer, use->restored_ms);
    out_u8(&writer, use->offline);
    LTY_ASSERT(writer.size <= LTY_RECORD_COUPON_USE_BYTES_MAX);
    return writer.size;
}

int lty_record_coupon_use_decode(lty_bytes_t in, lty_coupon_use_t *use_out)
{
    LTY_ASSERT(use_out != NULL);
    rec_in_t reader;
    memset(use_out, 0, sizeof(*use_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_COUPON_USE,
                    LTY_COUPON_USE_VERSION);
    use_out->campaign_id = in_u64(&reader);
    use_out->serial = in_u64(&reader);
    use_out->sale_id = in_u64(&reader);
    use_out->member_id = in_u64(&reader);
    use_out->created_ms = in_i64(&reader);
    in_str(&reader, use_out->store, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, use_out->till, LTY_TILL_ID_BYTES_MAX);
    use_out->discount_cents = in_i64(&reader);
    use_out->restored_ms = in_i64(&reader);
    use_out->offline = in_u8(&reader);
    return in_finish(&reader, reader.ok && lty_record_coupon_use_valid(use_out));
}

/* ---- Offers and conflicts ------------------------------------------------------------------- */

bool lty_record_offer_valid(const lty_offer_t *offer)
{
    LTY_ASSERT(offer != NULL);
    if (offer->offer_id == 0 || offer->campaign_id == 0 || offer->active > 1) return false;
    if (!text_nonempty_fits(offer->name, LTY_CAMPAIGN_NAME_BYTES_MAX)) return false;
    if (offer->points_price < 1 || offer->points_price > LTY_POINTS_PER_TXN_MAX) return false;
    return time_ok(offer->created_ms) && offer->updated_ms >= offer->created_ms;
}

size_t lty_record_offer_encode(const lty_offer_t *offer, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_offer_valid(offer));
    LTY_ASSERT(out_size >= LTY_RECORD_OFFER_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_OFFER, LTY_OFFER_VERSION);
    out_u64(&writer, offer->offer_id);
    out_u64(&writer, offer->campaign_id);
    out_str(&writer, offer->name, LTY_CAMPAIGN_NAME_BYTES_MAX);
    out_i64(&writer, offer->points_price);
    out_u8(&writer, offer->active);
    out_i64(&writer, offer->created_ms);
    out_i64(&writer, offer->updated_ms);
    out_u64(&writer, offer->converted_count);
    LTY_ASSERT(writer.size <= LTY_RECORD_OFFER_BYTES_MAX);
    return writer.size;
}

int lty_record_offer_decode(lty_bytes_t in, lty_offer_t *offer_out)
{
    LTY_ASSERT(offer_out != NULL);
    rec_in_t reader;
    memset(offer_out, 0, sizeof(*offer_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_OFFER, LTY_OFFER_VERSION);
    offer_out->offer_id = in_u64(&reader);
    offer_out->campaign_id = in_u64(&reader);
    in_str(&reader, offer_out->name, LTY_CAMPAIGN_NAME_BYTES_MAX);
    offer_out->points_price = in_i64(&reader);
    offer_out->active = in_u8(&reader);
    offer_out->created_ms = in_i64(&reader);
    offer_out->updated_ms = in_i64(&reader);
    offer_out->converted_count = in_u64(&reader);
    return in_finish(&reader, reader.ok && lty_record_offer_valid(offer_out));
}

bool lty_record_coupon_conflict_valid(const lty_coupon_conflict_t *conflict)
{
    LTY_ASSERT(conflict != NULL);
    if (conflict->conflict_id == 0 || conflict->sale_id == 0 || conflict->member_id == 0) {
        return false;
    }
    if (conflict->err > LTY_E_COUPON_NOT_FOUND || conflict->err < LTY_E_CAMPAIGN_EXHAUSTED) {
        return false; /* one of the seven coupon refusals, -270..-276 */
    }
    if (!text_nonempty_fits(conflict->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_nonempty_fits(conflict->till, LTY_TILL_ID_BYTES_MAX)) return false;
    bool first = conflict->first_sale_id != 0;
    if (!text_fits(conflict->first_store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (!text_fits(conflict->first_till, LTY_TILL_ID_BYTES_MAX)) return false;
    if (first != (conflict->first_store[0] != '\0')) return false;
    return time_ok(conflict->created_ms) && time_ok(conflict->first_ms);
}

size_t lty_record_coupon_conflict_encode(const lty_coupon_conflict_t *conflict, uint8_t *out,
                                         size_t out_size)
{
    LTY_ASSERT(lty_record_coupon_conflict_valid(conflict));
    LTY_ASSERT(out_size >= LTY_RECORD_COUPON_CONFLICT_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_COUPON_CONFLICT,
               LTY_COUPON_CONFLICT_VERSION);
    out_u64(&writer, conflict->conflict_id);
    out_u64(&writer, conflict->campaign_id);
    out_u64(&writer, conflict->serial);
    out_u32(&writer, (uint32_t)-conflict->err);
    out_u64(&writer, conflict->sale_id);
    out_u64(&writer, conflict->member_id);
    out_str(&writer, conflict->store, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, conflict->till, LTY_TILL_ID_BYTES_MAX);
    out_i64(&writer, conflict->created_ms);
    out_u64(&writer, conflict->first_sale_id);
    out_str(&writer, conflict->first_store, LTY_STORE_ID_BYTES_MAX);
    out_str(&writer, conflict->first_till, LTY_TILL_ID_BYTES_MAX);
    out_i64(&writer, conflict->first_ms);
    LTY_ASSERT(writer.size <= LTY_RECORD_COUPON_CONFLICT_BYTES_MAX);
    return writer.size;
}

int lty_record_coupon_conflict_decode(lty_bytes_t in, lty_coupon_conflict_t *conflict_out)
{
    LTY_ASSERT(conflict_out != NULL);
    rec_in_t reader;
    memset(conflict_out, 0, sizeof(*conflict_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_COUPON_CONFLICT,
                    LTY_COUPON_CONFLICT_VERSION);
    conflict_out->conflict_id = in_u64(&reader);
    conflict_out->campaign_id = in_u64(&reader);
    conflict_out->serial = in_u64(&reader);
    uint32_t err = in_u32(&reader);
    conflict_out->err = err <= 1000 ? -(int32_t)err : 0;
    conflict_out->sale_id = in_u64(&reader);
    conflict_out->member_id = in_u64(&reader);
    in_str(&reader, conflict_out->store, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, conflict_out->till, LTY_TILL_ID_BYTES_MAX);
    conflict_out->created_ms = in_i64(&reader);
    conflict_out->first_sale_id = in_u64(&reader);
    in_str(&reader, conflict_out->first_store, LTY_STORE_ID_BYTES_MAX);
    in_str(&reader, conflict_out->first_till, LTY_TILL_ID_BYTES_MAX);
    conflict_out->first_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_coupon_conflict_valid(conflict_out));
}

/* ---- Gifts ---------------------------------------------------------------------------------- */

bool lty_record_gift_valid(const lty_gift_t *gift)
{
    LTY_ASSERT(gift != NULL);
    if (gift->gift_id == 0 || gift->active > 1) return false;
    if (!text_nonempty_fits(gift->name, LTY_CAMPAIGN_NAME_BYTES_MAX)) return false;
    if (gift->points_price < 1 || gift->points_price > LTY_POINTS_PER_TXN_MAX) return false;
    if (!amount_ok(gift->cash_cents)) return false;
    if (gift->stock_mode != LTY_GIFT_STOCK_CENTRAL && gift->stock_mode != LTY_GIFT_STOCK_PER_STORE) {
        return false;
    }
    if (!period_ok(gift->valid_from_ms, gift->valid_to_ms)) return false;
    if (gift->reservation_days < 1 || gift->reservation_days > LTY_GIFT_RESERVATION_DAYS_MAX) {
        return false;
    }
    return time_ok(gift->created_ms) && gift->updated_ms >= gift->created_ms;
}

size_t lty_record_gift_encode(const lty_gift_t *gift, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_gift_valid(gift));
    LTY_ASSERT(out_size >= LTY_RECORD_GIFT_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_GIFT, LTY_GIFT_VERSION);
    out_u64(&writer, gift->gift_id);
    out_str(&writer, gift->name, LTY_CAMPAIGN_NAME_BYTES_MAX);
    out_i64(&writer, gift->points_price);
    out_i64(&writer, gift->cash_cents);
    out_u8(&writer, gift->stock_mode);
    out_u8(&writer, gift->active);
    out_i64(&writer, gift->valid_from_ms);
    out_i64(&writer, gift->valid_to_ms);
    out_u32(&writer, gift->per_member_limit);
    out_u32(&writer, gift->reservation_days);
    out_i64(&writer, gift->created_ms);
    out_i64(&writer, gift->updated_ms);
    LTY_ASSERT(writer.size <= LTY_RECORD_GIFT_BYTES_MAX);
    return writer.size;
}

int lty_record_gift_decode(lty_bytes_t in, lty_gift_t *gift_out)
{
    LTY_ASSERT(gift_out != NULL);
    rec_in_t reader;
    memset(gift_out, 0, sizeof(*gift_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_GIFT, LTY_GIFT_VERSION);
    gift_out->gift_id = in_u64(&reader);
    in_str(&reader, gift_out->name, LTY_CAMPAIGN_NAME_BYTES_MAX);
    gift_out->points_price = in_i64(&reader);
    gift_out->cash_cents = in_i64(&reader);
    gift_out->stock_mode = in_u8(&reader);
    gift_out->active = in_u8(&reader);
    gift_out->valid_from_ms = in_i64(&reader);
    gift_out->valid_to_ms = in_i64(&reader);
    gift_out->per_member_limit = in_u32(&reader);
    gift_out->reservation_days = in_u32(&reader);
    gift_out->created_ms = in_i64(&reader);
    gift_out->updated_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_gift_valid(gift_out));
}

bool lty_record_gift_stock_valid(const lty_gift_stock_t *stock)
{
    LTY_ASSERT(stock != NULL);
    if (stock->gift_id == 0 || !text_fits(stock->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (stock->added < 0 || stock->added > LTY_GIFT_STOCK_MAX) return false;
    if (stock->reserved < 0 || stock->handed_over < 0) return false;
    return stock->reserved + stock->handed_over <= stock->added && time_ok(stock->updated_ms);
}

size_t lty_record_gift_stock_encode(const lty_gift_stock_t *stock, uint8_t *out, size_t out_size)
{
    LTY_ASSERT(lty_record_gift_stock_valid(stock));
    LTY_ASSERT(out_size >= LTY_RECORD_GIFT_STOCK_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_GIFT_STOCK,
               LTY_GIFT_STOCK_VERSION);
    out_u64(&writer, stock->gift_id);
    out_str(&writer, stock->store, LTY_STORE_ID_BYTES_MAX);
    out_i64(&writer, stock->added);
    out_i64(&writer, stock->reserved);
    out_i64(&writer, stock->handed_over);
    out_i64(&writer, stock->updated_ms);
    LTY_ASSERT(writer.size <= LTY_RECORD_GIFT_STOCK_BYTES_MAX);
    return writer.size;
}

int lty_record_gift_stock_decode(lty_bytes_t in, lty_gift_stock_t *stock_out)
{
    LTY_ASSERT(stock_out != NULL);
    rec_in_t reader;
    memset(stock_out, 0, sizeof(*stock_out));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_GIFT_STOCK,
                    LTY_GIFT_STOCK_VERSION);
    stock_out->gift_id = in_u64(&reader);
    in_str(&reader, stock_out->store, LTY_STORE_ID_BYTES_MAX);
    stock_out->added = in_i64(&reader);
    stock_out->reserved = in_i64(&reader);
    stock_out->handed_over = in_i64(&reader);
    stock_out->updated_ms = in_i64(&reader);
    return in_finish(&reader, reader.ok && lty_record_gift_stock_valid(stock_out));
}

bool lty_record_gift_redemption_valid(const lty_gift_redemption_t *redemption)
{
    LTY_ASSERT(redemption != NULL);
    const lty_gift_redemption_t *r = redemption;
    if (r->redemption_id == 0 || r->gift_id == 0 || r->member_id == 0 || r->entry_id == 0) {
        return false;
    }
    if (!text_fits(r->store, LTY_STORE_ID_BYTES_MAX)) return false;
    if (r->status < LTY_GIFT_RESERVED || r->status > LTY_GIFT_EXPIRED) return false;
    if (r->points < 1 || r->points > LTY_POINTS_PER_TXN_MAX || !amount_ok(r->cash_cents)) {
        return false;
    }
    bool reversed = r->status == LTY_GIFT_CANCELLED || r->status == LTY_GIFT_EXPIRED;
    if (reversed != (r->reverse_entry_id != 0)) return false;
    if ((r->status == LTY_GIFT_RESERVED) != (r->closed_ms == 0)) return false;
    if (!time_ok(r->created_ms) || r->expires_ms <= r->created_ms) return false;
    if (!text_nonempty_fits(r->principal, LTY_PRINCIPAL_BYTES_MAX)) return false;
    if (!text_fits(r->closed_by, LTY_PRINCIPAL_BYTES_MAX)) return false;
    if (r->lots_count > LTY_LOTS_PER_REDEMPTION_MAX) return false;
    int64_t points = 0;
    for (uint32_t index = 0; index < r->lots_count; index++) {
        if (r->lots[index].points < 1 || r->lots[index].entry_id == 0) return false;
        points += r->lots[index].points;
    }
    return points <= r->points;
}

size_t lty_record_gift_redemption_encode(const lty_gift_redemption_t *redemption, uint8_t *out,
                                         size_t out_size)
{
    LTY_ASSERT(lty_record_gift_redemption_valid(redemption));
    LTY_ASSERT(out_size >= LTY_RECORD_GIFT_REDEMPTION_BYTES_MAX);
    rec_out_t writer;
    out_header(&writer, out, out_size, (lty_record_tag_t)LTY_RECORD_TAG_GIFT_REDEMPTION,
               LTY_GIFT_REDEMPTION_VERSION);
    out_u64(&writer, redemption->redemption_id);
    out_u64(&writer, redemption->gift_id);
    out_u64(&writer, redemption->member_id);
    out_str(&writer, redemption->store, LTY_STORE_ID_BYTES_MAX);
    out_u8(&writer, redemption->status);
    out_i64(&writer, redemption->points);
    out_i64(&writer, redemption->cash_cents);
    out_u64(&writer, redemption->entry_id);
    out_u64(&writer, redemption->reverse_entry_id);
    out_i64(&writer, redemption->created_ms);
    out_i64(&writer, redemption->expires_ms);
    out_i64(&writer, redemption->closed_ms);
    out_str(&writer, redemption->principal, LTY_PRINCIPAL_BYTES_MAX);
    out_str(&writer, redemption->closed_by, LTY_PRINCIPAL_BYTES_MAX);
    out_u16(&writer, (uint16_t)redemption->lots_count);
    for (uint32_t index = 0; index < redemption->lots_count; index++) {
        out_i64(&writer, redemption->lots[index].expires_ms);
        out_u64(&writer, redemption->lots[index].entry_id);
        out_i64(&writer, redemption->lots[index].points);
    }
    LTY_ASSERT(writer.size <= LTY_RECORD_GIFT_REDEMPTION_BYTES_MAX);
    return writer.size;
}

int lty_record_gift_redemption_decode(lty_bytes_t in, lty_gift_redemption_t *redemption_out)
{
    LTY_ASSERT(redemption_out != NULL);
    rec_in_t reader;
    memset(redemption_out, 0, offsetof(lty_gift_redemption_t, lots));
    (void)in_header(&reader, in, (lty_record_tag_t)LTY_RECORD_TAG_GIFT_REDEMPTION,
                    LTY_GIFT_REDEMPTION_VERSION);
    redemption_out->redemption_id = in_u64(&reader);
    redemption_out->gift_id = in_u64(&reader);
    redemption_out->member_id = in_u64(&reader);
    in_str(&reader, redemption_out->store, LTY_STORE_ID_BYTES_MAX);
    redemption_out->status = in_u8(&reader);
    redemption_out->points = in_i64(&reader);
    redemption_out->cash_cents = in_i64(&reader);
    redemption_out->entry_id = in_u64(&reader);
    redemption_out->reverse_entry_id = in_u64(&reader);
    redemption_out->created_ms = in_i64(&reader);
    redemption_out->expires_ms = in_i64(&reader);
    redemption_out->closed_ms = in_i64(&reader);
    in_str(&reader, redemption_out->principal, LTY_PRINCIPAL_BYTES_MAX);
    in_str(&reader, redemption_out->closed_by, LTY_PRINCIPAL_BYTES_MAX);
    redemption_out->lots_count = in_u16(&reader);
    if (redemption_out->lots_count > LTY_LOTS_PER_REDEMPTION_MAX) reader.ok = false;
    for (uint32_t index = 0; reader.ok && index < redemption_out->lots_count; index++) {
        redemption_out->lots[index].expires_ms = in_i64(&reader);
        redemption_out->lots[index].entry_id = in_u64(&reader);
        redemption_out->lots[index].points = in_i64(&reader);
    }
    return in_finish(&reader, reader.ok && lty_record_gift_redemption_valid(redemption_out));
}

/* ---- Keys ------------------------------------------------------------------------------------ */

static void key_add_u64(lty_key_t *key, uint64_t value)
{
    LTY_ASSERT(key->size + 8 <= LTY_KEY_BYTES_MAX);
    lty_record_u64_encode(value, key->data + key->size);
    key->size += 8;
}

static void key_add_text(lty_key_t *key, const char *text)
{
    size_t size = strlen(text);
    LTY_ASSERT(size <= LTY_KEY_BYTES_MAX - key->size);
    memcpy(key->data + key->size, text, size);
    key->size += size;
}

void lty_key_coupon(lty_key_t *key_out, uint64_t campaign_id, uint64_t serial)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(campaign_id != 0);
    key_out->size = 0;
    key_add_u64(key_out, campaign_id);
    key_add_u64(key_out, serial);
}

void lty_key_coupon_use(lty_key_t *key_out, uint64_t sale_id, uint64_t campaign_id,
                        uint64_t serial)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(sale_id != 0);
    key_out->size = 0;
    key_add_u64(key_out, sale_id);
    key_add_u64(key_out, campaign_id);
    key_add_u64(key_out, serial);
}

void lty_key_coupon_grant(lty_key_t *key_out, uint64_t campaign_id, const char *issue_key,
                          uint64_t member_id)
{
    LTY_ASSERT(key_out != NULL && issue_key != NULL);
    LTY_ASSERT(strlen(issue_key) <= LTY_IDEMPOTENCY_KEY_BYTES_MAX);
    key_out->size = 0;
    key_add_u64(key_out, campaign_id);
    key_add_text(key_out, issue_key);
    key_out->data[key_out->size++] = 0x00;
    key_add_u64(key_out, member_id);
}

void lty_key_gift_stock(lty_key_t *key_out, uint64_t gift_id, const char *store)
{
    LTY_ASSERT(key_out != NULL && store != NULL);
    key_out->size = 0;
    key_add_u64(key_out, gift_id);
    key_add_text(key_out, store);
}

void lty_key_gift_reservation(lty_key_t *key_out, int64_t expires_ms, uint64_t redemption_id)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(expires_ms >= 0);
    key_out->size = 0;
    key_add_u64(key_out, (uint64_t)expires_ms);
    key_add_u64(key_out, redemption_id);
}

void lty_key_member_coupon_part(lty_key_t *key_out, uint64_t member_id, uint8_t part)
{
    LTY_ASSERT(key_out != NULL);
    LTY_ASSERT(part >= LTY_PART_COUPON && part <= LTY_PART_GIFT);
    key_out->size = 0;
    key_add_u64(key_out, member_id);
    key_out->data[key_out->size++] = part;
    LTY_ASSERT(key_out->size == LTY_MEMBER_PART_PREFIX_BYTES);
}

void lty_key_member_coupon(lty_key_t *key_out, uint64_t member_id, uint64_t campaign_id,
                           uint64_t serial)
{
    lty_key_member_coupon_part(key_out, member_id, LTY_PART_COUPON);
    key_add_u64(key_out, campaign_id);
    key_add_u64(key_out, serial);
}

void lty_key_member_coupon_usage(lty_key_t *key_out, uint64_t member_id, uint64_t campaign_id)
{
    lty_key_member_coupon_part(key_out, member_id, LTY_PART_COUPON_USAGE);
    key_add_u64(key_out, campaign_id);
}

void lty_key_member_gift(lty_key_t *key_out, uint64_t member_id, uint64_t redemption_id)
{
    lty_key_member_coupon_part(key_out, member_id, LTY_PART_GIFT);
    key_add_u64(key_out, redemption_id);
}
