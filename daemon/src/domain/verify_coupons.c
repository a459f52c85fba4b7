/* SPDX-License-Identifier: MIT */
/* The verifier's coupon and gift checks, run by lty_verify_txn after the journal:
 *
 * - each coupon is used at most as often as its campaign allows (single use: once), and its
 *   use count equals its live uses; every use names an existing coupon and sale; a coupon's
 *   latest use exists; a campaign's totals (issued, redeemed, discount, sales, restored) equal
 *   what its coupons and uses add up to; a member's use count per campaign equals their uses;
 *   a voucher's points match its VOUCHER entry;
 * - a gift's stock equals what was added less the live reservations and the hand-overs, counted
 *   from the redemptions; every redemption has its GIFT entry for its points (and a GIFT_CANCEL
 *   entry giving them back when cancelled or expired), its member index, and a reservation
 *   index exactly while reserved; the points debited by gift entries equal the points of the
 *   redemptions, and those given back equal the points of the cancelled and expired ones.
 *
 * Memory: one row per campaign (ids are dense, from 1) and the member usage records met in the
 * member-ledger walk (verify.c hands them over through lty__verify_coupon_part_cb). */
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_sort.h"
#include "records_coupons.h"
#include "verify_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct usage_s {
    uint64_t member_id;
    uint64_t campaign_id;
    uint64_t uses;
} usage_t;

struct lty__verify_coupons_s {
    usage_t *stored;             /* member-ledger usage records, in key order */
    size_t stored_count;
    size_t stored_capacity;
    usage_t *counted;            /* live uses per (member, campaign), from coupon-uses */
    size_t counted_count;
    size_t counted_capacity;
};

typedef struct campaign_sum_s {
    bool present;
    lty_campaign_t record;       /* scratch copy of the stored counters */
    uint64_t issued;
    uint64_t redeemed;
    int64_t discount;
    uint64_t sales;
    uint64_t restored;
    uint64_t last_sale;          /* the sale counted last (a sale's uses are adjacent) */
} campaign_sum_t;

static bool usage_push(usage_t **array, size_t *count, size_t *capacity, usage_t usage)
{
    if (*count == *capacity) {
        size_t grown = *capacity == 0 ? 64 : *capacity * 2;
        usage_t *bigger = lty_alloc(grown * sizeof(*bigger));
        if (bigger == NULL) return false;
        if (*count > 0) memcpy(bigger, *array, *count * sizeof(*bigger));
        lty_free(*array);
        *array = bigger;
        *capacity = grown;
    }
    (*array)[(*count)++] = usage;
    return true;
}

int lty__verify_coupon_part_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    (void)lty_key_u64_at(key, 0, &member_id);
    uint8_t part = ((const uint8_t *)key.data)[8];
    size_t rest = key.size - LTY_MEMBER_PART_PREFIX_BYTES;
    bool shape = (part == LTY_PART_COUPON && rest == 16 && value.size == 0) ||
                 (part == LTY_PART_COUPON_USAGE && rest == 8 && value.size == 8) ||
                 (part == LTY_PART_GIFT && rest == 8 && value.size == 0);
    if (!shape) {
        lty__verify_problem(verify, "member-ledger: member %" PRIu64 " has a malformed record of "
                            "part %u", member_id, (unsigned)part);
        return 0;
    }
    if (part != LTY_PART_COUPON_USAGE) return 0; /* wallet and gift indexes: checked from their
                                                  * records */
    if (verify->coupons == NULL) {
        verify->coupons = lty_calloc(1, sizeof(*verify->coupons));
        if (verify->coupons == NULL) return LTY_E_NOMEM;
    }
    usage_t usage = {.member_id = member_id};
    (void)lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &usage.campaign_id);
    (void)lty_record_u64_decode(value, &usage.uses);
    struct lty__verify_coupons_s *state = verify->coupons;
    if (!usage_push(&state->stored, &state->stored_count, &state->stored_capacity, usage)) {
        return LTY_E_NOMEM;
    }
    return 0;
}

static int usage_compare(const void *left, const void *right)
{
    const usage_t *a = left, *b = right;
    if (a->member_id != b->member_id) return a->member_id < b->member_id ? -1 : 1;
    if (a->campaign_id != b->campaign_id) return a->campaign_id < b->campaign_id ? -1 : 1;
    return 0;
}

/* ---- Campaigns, coupons, uses -------------------------------------------------------------- */

typedef struct coupon_walk_s {
    verify_t *verify;
    campaign_sum_t *sums;
    size_t sums_count;           /* last campaign id + 1 */
} coupon_walk_t;

static coupon_walk_t walk_state; /* verify runs on one thread at a time (the CLI, a test) */

static campaign_sum_t *campaign_sum(uint64_t campaign_id)
{
    if (campaign_id == 0 || campaign_id >= walk_state.sums_count) return NULL;
    campaign_sum_t *sum = &walk_state.sums[campaign_id];
    return sum->present ? sum : NULL;
}

static int campaigns_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t campaign_id = 0;
    if (!lty_key_u64_at(key, 0, &campaign_id) || campaign_id >= walk_state.sums_count) {
        lty__verify_problem(verify, "coupon-campaigns: a malformed key");
        return 0;
    }
    campaign_sum_t *sum = &walk_state.sums[campaign_id];
    if (lty_record_campaign_decode(value, &sum->record) != 0 ||
        sum->record.campaign_id != campaign_id) {
        lty__verify_problem(verify, "campaign %" PRIu64 ": does not decode", campaign_id);
        return 0;
    }
    sum->present = true;
    return 0;
}

/* Live uses per coupon, counted from coupon-uses, then merged with the coupons walk. */
typedef struct coupon_count_s {
    uint64_t campaign_id;
    uint64_t serial;
    uint32_t live;
} coupon_count_t;

static coupon_count_t *coupon_counts;
static size_t coupon_counts_count, coupon_counts_capacity, coupon_counts_next;

static bool coupon_count_add(uint64_t campaign_id, uint64_t serial, bool live)
{
    if (coupon_counts_count == coupon_counts_capacity) {
        size_t grown = coupon_counts_capacity == 0 ? 256 : coupon_counts_capacity * 2;
        coupon_count_t *bigger = lty_alloc(grown * sizeof(*bigger));
        if (bigger == NULL) return false;
        if (coupon_counts_count > 0) {
            memcpy(bigger, coupon_counts, coupon_counts_count * sizeof(*bigger));
        }
        lty_free(coupon_counts);
        coupon_counts = bigger;
        coupon_counts_capacity = grown;
    }
    coupon_counts[coupon_counts_count++] =
        (coupon_count_t){.campaign_id = campaign_id, .serial = serial, .live = live ? 1 : 0};
    return true;
}

static int coupon_count_compare(const void *left, const void *right)
{
    const coupon_count_t *a = left, *b = right;
    if (a->campaign_id != b->campaign_id) return a->campaign_id < b->campaign_id ? -1 : 1;
    if (a->serial != b->serial) return a->serial < b->serial ? -1 : 1;
    return 0;
}

/* Sort the counts and fold each coupon's into one entry. */
static void coupon_counts_fold(void)
{
    lty_sort(coupon_counts, coupon_counts_count, sizeof(coupon_count_t), coupon_count_compare);
    size_t folded = 0;
    for (size_t index = 0; index < coupon_counts_count; index++) {
        if (folded > 0 &&
            coupon_count_compare(&coupon_counts[folded - 1], &coupon_counts[index]) == 0) {
            coupon_counts[folded - 1].live += coupon_counts[index].live;
        } else {
            coupon_counts[folded++] = coupon_counts[index];
        }
    }
    coupon_counts_count = folded;
    coupon_counts_next = 0;
}

/* The live uses counted for a coupon (the coupons walk goes in the same order); counts of
 * coupons that do not exist are reported as the walk passes them. */
static uint32_t coupon_live_take(verify_t *verify, uint64_t campaign_id, uint64_t serial)
{
    coupon_count_t want = {.campaign_id = campaign_id, .serial = serial};
    while (coupon_counts_next < coupon_counts_count &&
           coupon_count_compare(&coupon_counts[coupon_counts_next], &want) < 0) {
        const coupon_count_t *orphan = &coupon_counts[coupon_counts_next++];
        lty__verify_problem(verify, "coupon-uses: uses of coupon %" PRIu64 "/%" PRIu64
                            " which does not exist", orphan->campaign_id, orphan->serial);
    }
    if (coupon_counts_next < coupon_counts_count &&
        coupon_count_compare(&coupon_counts[coupon_counts_next], &want) == 0) {
        return coupon_counts[coupon_counts_next++].live;
    }
    return 0;
}

static int coupons_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_coupon_t coupon;
    if (lty_record_coupon_decode(value, &coupon) != 0) {
        lty__verify_problem(verify, "coupons: a record does not decode");
        return 0;
    }
    campaign_sum_t *sum = campaign_sum(coupon.campaign_id);
    if (sum == NULL) {
        lty__verify_problem(verify, "coupon %" PRIu64 "/%" PRIu64 ": its campaign does not exist",
                            coupon.campaign_id, coupon.serial);
        return 0;
    }
    sum->issued++;
    uint32_t live = coupon_live_take(verify, coupon.campaign_id, coupon.serial);
    if (live != coupon.uses_count || live > sum->record.uses_per_code) {
        lty__verify_problem(verify, "coupon %" PRIu64 "/%" PRIu64 ": %u live uses, its count says "
                            "%u, its campaign allows %u", coupon.campaign_id, coupon.serial, live,
                            coupon.uses_count, sum->record.uses_per_code);
    }
    int err = 0;
    if (coupon.member_id != 0) {
        lty_key_t wallet;
        lty_key_member_coupon(&wallet, coupon.member_id, coupon.campaign_id, coupon.serial);
        bool found = false;
        err = lty__verify_exists(verify, LTY_DB_MEMBER_LEDGER, &wallet, NULL, &found);
        if (err == 0 && !found) {
            lty__verify_problem(verify, "coupon %" PRIu64 "/%" PRIu64 ": not in member %" PRIu64
                                "'s wallet", coupon.campaign_id, coupon.serial, coupon.member_id);
        }
    }
    if (err == 0 && coupon.last_sale_id != 0) {
        lty_key_t use_key;
        lty_key_coupon_use(&use_key, coupon.last_sale_id, coupon.campaign_id, coupon.serial);
        bool found = false;
        err = lty__verify_exists(verify, LTY_DB_COUPON_USES, &use_key, NULL, &found);
        if (err == 0 && !found) {
            lty__verify_problem(verify, "coupon %" PRIu64 "/%" PRIu64 ": its latest use (sale %"
                                PRIu64 ") is missing", coupon.campaign_id, coupon.serial,
                                coupon.last_sale_id);
        }
    }
    return err;
}

/* Every use: its key, sale and member; the coupon, campaign and member counts it adds to. Uses
 * of one sale are adjacent (keyed by sale): a sale counts once per campaign. */
static int uses_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_coupon_use_t use;
    uint64_t sale_id = 0, campaign_id = 0, serial = 0;
    if (key.size != 24 || !lty_key_u64_at(key, 0, &sale_id) ||
        !lty_key_u64_at(key, 8, &campaign_id) || !lty_key_u64_at(key, 16, &serial) ||
        lty_record_coupon_use_decode(value, &use) != 0 || use.sale_id != sale_id ||
        use.campaign_id != campaign_id || use.serial != serial) {
        lty__verify_problem(verify, "coupon-uses: a record does not decode or is misfiled");
        return 0;
    }
    lty_key_t sale_key;
    lty_key_id(&sale_key, sale_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_SALES, &sale_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "coupon %" PRIu64 "/%" PRIu64 ": used by sale %" PRIu64
                            " which does not exist", campaign_id, serial, sale_id);
    }
    bool live = use.restored_ms == 0;
    if (err == 0 && !coupon_count_add(campaign_id, serial, live)) err = LTY_E_NOMEM;
    campaign_sum_t *sum = campaign_sum(campaign_id);
    if (err == 0 && sum != NULL) {
        sum->redeemed += live ? 1 : 0;
        sum->discount += live ? use.discount_cents : 0;
        sum->restored += live ? 0 : 1;
        if (live && sum->last_sale != sale_id) {
            sum->sales++;
            sum->last_sale = sale_id;
        }
    }
    usage_t usage = {.member_id = use.member_id, .campaign_id = campaign_id, .uses = 1};
    struct lty__verify_coupons_s *state = verify->coupons;
    if (err == 0 && live &&
        !usage_push(&state->counted, &state->counted_count, &state->counted_capacity, usage)) {
        err = LTY_E_NOMEM;
    }
    return err;
}

static void campaign_totals_check(verify_t *verify)
{
    for (size_t id = 1; id < walk_state.sums_count; id++) {
        const campaign_sum_t *sum = &walk_state.sums[id];
        if (!sum->present) continue;
        const lty_campaign_t *record = &sum->record;
        if (record->issued_count != sum->issued || record->redeemed_count != sum->redeemed ||
            record->discount_cents != sum->discount || record->sales_count != sum->sales ||
            record->restored_count != sum->restored) {
            lty__verify_problem(verify, "campaign %zu: totals issued/redeemed/discount/sales/"
                                "restored are %" PRIu64 "/%" PRIu64 "/%" PRId64 "/%" PRIu64
                                "/%" PRIu64 ", its coupons and uses add up to %" PRIu64
                                "/%" PRIu64 "/%" PRId64 "/%" PRIu64 "/%" PRIu64, id,
                                record->issued_count, record->redeemed_count,
                                record->discount_cents, record->sales_count,
                                record->restored_count, sum->issued, sum->redeemed, sum->discount,
                                sum->sales, sum->restored);
        }
        if (record->budget_cents > 0 && record->discount_cents > record->budget_cents) {
            lty__verify_problem(verify, "campaign %zu: discount %" PRId64 " exceeds its budget",
                                id, record->discount_cents);
        }
    }
}

/* Member usage records against the uses counted (both sorted, then merged). */
static void member_usage_check(verify_t *verify)
{
    struct lty__verify_coupons_s *state = verify->coupons;
    lty_sort(state->counted, state->counted_count, sizeof(usage_t), usage_compare);
    size_t merged = 0; /* fold counted runs into (member, campaign, uses) in place */
    for (size_t index = 0; index < state->counted_count; index++) {
        if (merged > 0 && usage_compare(&state->counted[merged - 1], &state->counted[index]) == 0) {
            state->counted[merged - 1].uses++;
        } else {
            state->counted[merged++] = state->counted[index];
        }
    }
    size_t stored = 0, counted = 0;
    while (stored < state->stored_count || counted < merged) {
        usage_t none = {0};
        const usage_t *a = stored < state->stored_count ? &state->stored[stored] : &none;
        const usage_t *b = counted < merged ? &state->counted[counted] : &none;
        int order = stored == state->stored_count ? 1
                    : counted == merged           ? -1
                                                  : usage_compare(a, b);
        const usage_t *which = order <= 0 ? a : b;
        uint64_t have = order <= 0 ? a->uses : 0;
        uint64_t want = order >= 0 ? b->uses : 0;
        if (have != want) {
            lty__verify_problem(verify, "member %" PRIu64 ": %" PRIu64 " uses of campaign %" PRIu64
                                " counted, %" PRIu64 " found", which->member_id, have,
                                which->campaign_id, want);
        }
        if (order <= 0) stored++;
        if (order >= 0) counted++;
    }
}

/* ---- Gifts ----------------------------------------------------------------------------------- */

typedef struct gift_sums_s {
    int64_t gift_points;         /* points of every redemption */
    int64_t cancel_points;       /* points of the cancelled and expired ones */
    int64_t journal_gift;        /* debited by GIFT entries */
    int64_t journal_cancel;      /* given back by GIFT_CANCEL entries */
    int64_t journal_voucher;     /* debited by VOUCHER entries */
    int64_t voucher_points;      /* points of the vouchers */
} gift_sums_t;

static gift_sums_t gift_sums;

/* Live reservations and hand-overs per gift and store, counted from the redemptions. */
typedef struct stock_count_s {
    uint64_t gift_id;
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    int64_t reserved;
    int64_t handed_over;
    bool seen;                   /* a stock record matched it */
} stock_count_t;

static stock_count_t *stock_counts;
static size_t stock_counts_count;
static size_t stock_counts_capacity;

static stock_count_t *stock_count_find(uint64_t gift_id, const char *store)
{
    for (size_t index = 0; index < stock_counts_count; index++) {
        stock_count_t *count = &stock_counts[index];
        if (count->gift_id == gift_id && strcmp(count->store, store) == 0) return count;
    }
    if (stock_counts_count == stock_counts_capacity) {
        size_t grown = stock_counts_capacity == 0 ? 32 : stock_counts_capacity * 2;
        stock_count_t *bigger = lty_alloc(grown * sizeof(*bigger));
        if (bigger == NULL) return NULL;
        if (stock_counts_count > 0) {
            memcpy(bigger, stock_counts, stock_counts_count * sizeof(*bigger));
        }
        lty_free(stock_counts);
        stock_counts = bigger;
        stock_counts_capacity = grown;
    }
    stock_count_t *count = &stock_counts[stock_counts_count++];
    *count = (stock_count_t){.gift_id = gift_id};
    memcpy(count->store, store, sizeof(count->store));
    return count;
}

/* The points an entry moved into points-redeemed (a cancel's are negative; its points of lots
 * that expired meanwhile go on to breakage in the same entry). */
static int64_t entry_redeemed_points(const lty_journal_entry_t *entry)
{
    int64_t points = 0;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        if (posting->account_kind == LTY_ACCOUNT_POINTS_REDEEMED) points += posting->amount;
    }
    return points;
}

static int rebate_entries_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_journal_entry_t entry;
    if (lty_record_entry_decode(value, &entry) != 0) return 0; /* verify.c reported it */
    (void)verify;
    switch (entry.kind) {
    case LTY_ENTRY_GIFT: gift_sums.journal_gift += entry_redeemed_points(&entry); break;
    case LTY_ENTRY_GIFT_CANCEL: gift_sums.journal_cancel -= entry_redeemed_points(&entry); break;
    case LTY_ENTRY_VOUCHER: gift_sums.journal_voucher += entry_redeemed_points(&entry); break;
    default: break;
    }
    return 0;
}

static int voucher_points_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    (void)verify;
    lty_coupon_t coupon;
    if (lty_record_coupon_decode(value, &coupon) == 0) gift_sums.voucher_points += coupon.points;
    return 0;
}

/* The entry a redemption names must be of kind with points (into points-redeemed; - for a
 * cancel). */
static void redemption_entry_check(verify_t *verify, const lty_gift_redemption_t *redemption,
                                   uint64_t entry_id, uint8_t kind, int64_t points)
{
    lty_key_t key;
    lty_key_id(&key, entry_id);
    lty_bytes_t value;
    bool found = false;
    lty_journal_entry_t entry;
    if (lty__verify_exists(verify, LTY_DB_JOURNAL, &key, &value, &found) != 0) return;
    if (!found || lty_record_entry_decode(value, &entry) != 0 || entry.kind != kind ||
        entry.member_id != redemption->member_id || entry_redeemed_points(&entry) != points) {
        lty__verify_problem(verify, "gift redemption %" PRIu64 ": entry %" PRIu64 " is not its "
                            "%s of %" PRId64 " points", redemption->redemption_id, entry_id,
                            lty_entry_kind_name(kind), points);
    }
}

static int redemptions_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    static lty_gift_redemption_t redemption;
    if (lty_record_gift_redemption_decode(value, &redemption) != 0) {
        lty__verify_problem(verify, "gift-redemptions: a record does not decode");
        return 0;
    }
    gift_sums.gift_points += redemption.points;
    stock_count_t *count = stock_count_find(redemption.gift_id, redemption.store);
    if (count == NULL) return LTY_E_NOMEM;
    if (redemption.status == LTY_GIFT_RESERVED) count->reserved++;
    if (redemption.status == LTY_GIFT_HANDED_OVER) count->handed_over++;
    redemption_entry_check(verify, &redemption, redemption.entry_id, LTY_ENTRY_GIFT,
                           redemption.points);
    if (redemption.reverse_entry_id != 0) {
        gift_sums.cancel_points += redemption.points;
        redemption_entry_check(verify, &redemption, redemption.reverse_entry_id,
                               LTY_ENTRY_GIFT_CANCEL, -redemption.points);
    }
    lty_key_t index_key;
    lty_key_member_gift(&index_key, redemption.member_id, redemption.redemption_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_MEMBER_LEDGER, &index_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "gift redemption %" PRIu64 ": not indexed under member %"
                            PRIu64, redemption.redemption_id, redemption.member_id);
    }
    lty_key_gift_reservation(&index_key, redemption.expires_ms, redemption.redemption_id);
    if (err == 0) err = lty__verify_exists(verify, LTY_DB_GIFT_RESERVATIONS, &index_key, NULL,
                                           &found);
    if (err == 0 && found != (redemption.status == LTY_GIFT_RESERVED)) {
        lty__verify_problem(verify, "gift redemption %" PRIu64 ": reservation index %s though %s",
                            redemption.redemption_id, found ? "present" : "missing",
                            redemption.status == LTY_GIFT_RESERVED ? "reserved" : "closed");
    }
    return err;
}

/* A stock: added - live reservations - hand-overs, recounted from the redemptions (counted per
 * gift and store by redemptions_cb, which runs first). */
static int stock_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_gift_stock_t stock;
    if (lty_record_gift_stock_decode(value, &stock) != 0) {
        lty__verify_problem(verify, "gift-stock: a record does not decode");
        return 0;
    }
    int64_t reserved = 0, handed_over = 0;
    for (size_t index = 0; index < stock_counts_count; index++) {
        stock_count_t *count = &stock_counts[index];
        if (count->gift_id != stock.gift_id || strcmp(count->store, stock.store) != 0) continue;
        reserved = count->reserved;
        handed_over = count->handed_over;
        count->seen = true;
    }
    if (reserved != stock.reserved || handed_over != stock.handed_over) {
        lty__verify_problem(verify, "gift %" PRIu64 " stock \"%s\": %" PRId64 " reserved and %"
                            PRId64 " handed over recorded, the redemptions say %" PRId64
                            " and %" PRId64, stock.gift_id, stock.store, stock.reserved,
                            stock.handed_over, reserved, handed_over);
    }
    return 0;
}

static void rebate_totals_check(verify_t *verify)
{
    for (size_t index = 0; index < stock_counts_count; index++) {
        if (!stock_counts[index].seen) {
            lty__verify_problem(verify, "gift %" PRIu64 ": redeemed from stock \"%s\" which "
                                "does not exist", stock_counts[index].gift_id,
                                stock_counts[index].store);
        }
    }
    if (gift_sums.journal_gift != gift_sums.gift_points ||
        gift_sums.journal_cancel != gift_sums.cancel_points) {
        lty__verify_problem(verify, "gifts: entries debit %" PRId64 " and give back %" PRId64
                            " points, the redemptions say %" PRId64 " and %" PRId64,
                            gift_sums.journal_gift, gift_sums.journal_cancel,
                            gift_sums.gift_points, gift_sums.cancel_points);
    }
    if (gift_sums.journal_voucher != gift_sums.voucher_points) {
        lty__verify_problem(verify, "vouchers: entries debit %" PRId64 " points, the vouchers "
                            "cost %" PRId64, gift_sums.journal_voucher, gift_sums.voucher_points);
    }
}

static int campaigns_size(verify_t *verify, size_t *count_out)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(verify->txn, LTY_DB_COUPON_CAMPAIGNS, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    uint64_t last = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_LAST, (lty_bytes_t){0}, &key, &value);
    if (err == 0 && (!lty_key_u64_at(key, 0, &last) || last > UINT32_MAX)) last = 0;
    lty_store_cursor_close(cursor);
    *count_out = (size_t)last + 1;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty__verify_coupons(verify_t *verify)
{
    LTY_ASSERT(verify != NULL);
    if (verify->coupons == NULL) {
        verify->coupons = lty_calloc(1, sizeof(*verify->coupons));
        if (verify->coupons == NULL) return LTY_E_NOMEM;
    }
    memset(&walk_state, 0, sizeof(walk_state));
    memset(&gift_sums, 0, sizeof(gift_sums));
    walk_state.verify = verify;
    int err = campaigns_size(verify, &walk_state.sums_count);
    if (err == 0) {
        walk_state.sums = lty_calloc(walk_state.sums_count, sizeof(campaign_sum_t));
        if (walk_state.sums == NULL) err = LTY_E_NOMEM;
    }
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_COUPON_CAMPAIGNS, campaigns_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_COUPON_USES, uses_cb);
    if (err == 0) coupon_counts_fold();
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_COUPONS, coupons_cb);
    if (err == 0) (void)coupon_live_take(verify, UINT64_MAX, UINT64_MAX); /* orphans left */
    if (err == 0) campaign_totals_check(verify);
    if (err == 0) member_usage_check(verify);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_JOURNAL, rebate_entries_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_COUPONS, voucher_points_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_GIFT_REDEMPTIONS, redemptions_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_GIFT_STOCK, stock_cb);
    if (err == 0) rebate_totals_check(verify);
    lty_free(walk_state.sums);
    walk_state.sums = NULL;
    lty_free(stock_counts);
    stock_counts = NULL;
    stock_counts_count = stock_counts_capacity = 0;
    lty_free(coupon_counts);
    coupon_counts = NULL;
    coupon_counts_count = coupon_counts_capacity = coupon_counts_next = 0;
    return err;
}

void lty__verify_coupons_free(verify_t *verify)
{
    if (verify == NULL || verify->coupons == NULL) return;
    lty_free(verify->coupons->stored);
    lty_free(verify->coupons->counted);
    lty_free(verify->coupons);
    verify->coupons = NULL;
}
