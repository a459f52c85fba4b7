/* SPDX-License-Identifier: MIT */
/**
 * @file records_coupons.h
 * The records of coupons, vouchers and the gift catalogue (schema 6): campaigns, the
 * coupons issued under them, their uses, voucher offers, gifts with their stock and
 * redemptions, and the conflicts of codes used twice while a till was offline. Same rules as
 * records.h (tag and version first, big-endian integers, strings as u16 length + bytes,
 * decoders hostile to the disk, encoders asserting the record's check); layouts in
 * docs/storage.md ("Coupons and gifts").
 *
 * Owns: the structs, encodings, checks and keys of the databases COUPON_CAMPAIGNS ..
 * GIFT_RESERVATIONS
 * of schema/records.def, and three parts of MEMBER_LEDGER (a member's coupons, their uses per
 * campaign, their gift redemptions).
 * Does not own: what the fields mean for a sale (domain/coupon.c), when records are written
 * (domain/ops_coupon*.c, ops_gift.c).
 *
 * Caveats:
 * - lty_gift_redemption_t is large (~25 KiB: the lots its points came from); keep it off small
 *   stacks.
 */
#ifndef LTY_RECORDS_COUPONS_H
#define LTY_RECORDS_COUPONS_H

#include "lty/lty_coupon_code.h"
#include "records.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tags numbered from 60 (the programme took 50..53). */
#define LTY_RECORD_TAG_CAMPAIGN 60
#define LTY_RECORD_TAG_COUPON 61
#define LTY_RECORD_TAG_COUPON_USE 62
#define LTY_RECORD_TAG_OFFER 63
#define LTY_RECORD_TAG_GIFT 64
#define LTY_RECORD_TAG_GIFT_STOCK 65
#define LTY_RECORD_TAG_GIFT_REDEMPTION 66
#define LTY_RECORD_TAG_COUPON_CONFLICT 67

/* MEMBER_LEDGER parts (records.h lty_member_part_t; numbered from 16). */
#define LTY_PART_COUPON 16        /* | campaign_id u64 | serial u64 -> empty: the wallet */
#define LTY_PART_COUPON_USAGE 17  /* | campaign_id u64 -> u64: live uses of the campaign */
#define LTY_PART_GIFT 18          /* | redemption_id u64 -> empty: the member's redemptions */

/* Limits of the records (on disk: changing one is a schema change). */
#define LTY_CAMPAIGN_NAME_BYTES_MAX LTY_NAME_BYTES_MAX
#define LTY_CAMPAIGN_MATCHES_MAX 16    /* eligible SKUs and categories */
#define LTY_CAMPAIGN_STORES_MAX 16
#define LTY_CAMPAIGN_PERCENT_MAX 100
#define LTY_CAMPAIGN_USES_PER_CODE_MAX 1000
#define LTY_CAMPAIGN_CODE_DAYS_MAX 3650
#define LTY_GIFT_RESERVATION_DAYS_MAX 365

/* ---- Campaigns ----------------------------------------------------------------------------- */

typedef enum lty_campaign_status {
    LTY_CAMPAIGN_ACTIVE = 1,
    LTY_CAMPAIGN_PAUSED = 2, /* its coupons are refused (coupon_not_eligible) until resumed */
    LTY_CAMPAIGN_ENDED = 3,  /* for good: its coupons are expired, nothing changes any more */
} lty_campaign_status_t;

typedef enum lty_coupon_kind {
    LTY_COUPON_AMOUNT_OFF = 1,  /* amount_off_cents off the eligible lines */
    LTY_COUPON_PERCENT_OFF = 2, /* percent_off of the eligible lines, at most cap_cents */
    LTY_COUPON_FREE_ITEM = 3,   /* one unit of free_sku free */
} lty_coupon_kind_t;

typedef enum lty_campaign_match_type {
    LTY_MATCH_SKU = 1,
    LTY_MATCH_CATEGORY = 2,
} lty_campaign_match_type_t;

typedef struct lty_campaign_match_s {
    uint8_t type;                                /* lty_campaign_match_type_t */
    char value[LTY_SKU_BYTES_MAX + 1];           /* 1.. bytes */
} lty_campaign_match_t;
_Static_assert(LTY_SKU_BYTES_MAX == LTY_CATEGORY_BYTES_MAX, "one size for both matches");

#define LTY_CAMPAIGN_VERSION 1
/** A coupon campaign: what its coupons are worth, when and where, and its running totals. */
typedef struct lty_campaign_s {
    uint64_t campaign_id;                         /* >= 1, <= UINT32_MAX (codes carry a u32) */
    uint8_t status;                               /* lty_campaign_status_t */
    uint8_t kind;                                 /* lty_coupon_kind_t */
    char name[LTY_CAMPAIGN_NAME_BYTES_MAX + 1];   /* 1.. bytes */
    int64_t amount_off_cents;                     /* AMOUNT_OFF: 1..LTY_SALE_AMOUNT_CENTS_MAX */
    uint32_t percent_off;                         /* PERCENT_OFF: 1..100 */
    int64_t cap_cents;                            /* PERCENT_OFF: 0 = no cap */
    char free_sku[LTY_SKU_BYTES_MAX + 1];         /* FREE_ITEM: the SKU */
    int64_t min_spend_cents;                      /* of the eligible lines; 0 = none */
    uint32_t matches_count;                       /* 0 = every line is eligible */
    lty_campaign_match_t matches[LTY_CAMPAIGN_MATCHES_MAX];
    int64_t valid_from_ms;                        /* 0 = from creation */
    int64_t valid_to_ms;                          /* 0 = open-ended; else > valid_from_ms */
    uint32_t stores_count;                        /* 0 = every store */
    char stores[LTY_CAMPAIGN_STORES_MAX][LTY_STORE_ID_BYTES_MAX + 1];
    uint32_t tiers_mask;                          /* bit per tier index; 0 = every tier */
    uint32_t per_member_limit;                    /* uses per member; 0 = none */
    uint32_t uses_per_code;                       /* 1 = single use */
    int64_t budget_cents;                         /* total discount; 0 = none */
    uint64_t redemptions_max;                     /* total uses; 0 = none */
    uint32_t code_valid_days;                     /* a code expires this long after issue; 0 =
                                                   * at valid_to (or never) */
    int64_t created_ms;
    int64_t updated_ms;
    /* running totals, changed with each issue, use and restore */
    uint64_t issued_count;                        /* coupons issued (every source) */
    uint64_t redeemed_count;                      /* live uses (restored ones taken out) */
    int64_t discount_cents;                       /* discount of the live uses */
    uint64_t sales_count;                         /* live sales with a coupon of it */
    uint64_t restored_count;                      /* uses given back by returns and voids */
} lty_campaign_t;

#define LTY_RECORD_CAMPAIGN_BYTES_MAX                                                          \
    (2 + 8 + 1 + 1 + LTY_RECORD_STR(LTY_CAMPAIGN_NAME_BYTES_MAX) + 8 + 4 + 8                  \
     + LTY_RECORD_STR(LTY_SKU_BYTES_MAX) + 8 + 1                                              \
     + LTY_CAMPAIGN_MATCHES_MAX * (1 + LTY_RECORD_STR(LTY_SKU_BYTES_MAX)) + 8 + 8 + 1         \
     + LTY_CAMPAIGN_STORES_MAX * LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + 4 + 4 + 4 + 8 + 8   \
     + 4 + 8 + 8 + 8 + 8 + 8 + 8 + 8)
_Static_assert(LTY_RECORD_CAMPAIGN_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "campaign fits");

bool lty_record_campaign_valid(const lty_campaign_t *campaign);
size_t lty_record_campaign_encode(const lty_campaign_t *campaign, uint8_t *out, size_t out_size);
int lty_record_campaign_decode(lty_bytes_t in, lty_campaign_t *campaign_out);

/* ---- Coupons (one per issued code) ----------------------------------------------------------- */

typedef enum lty_coupon_source {
    LTY_COUPON_SOURCE_MEMBER = 1,  /* issued into a member's wallet (one, or a batch) */
    LTY_COUPON_SOURCE_CODES = 2,   /* a printable bearer code (member 0) */
    LTY_COUPON_SOURCE_VOUCHER = 3, /* bought with points through an offer */
} lty_coupon_source_t;

#define LTY_COUPON_VERSION 1
/** An issued coupon, under COUPONS campaign_id | serial. The code's signature is kept so the
 *  daemon recognises the exact code it issued (no signature check on the sale path) and can
 *  show it again in the member's wallet. */
typedef struct lty_coupon_s {
    uint64_t campaign_id;                          /* >= 1 */
    uint64_t serial;                               /* >= 1 (random) */
    uint64_t member_id;                            /* owner; 0 = bearer (printable code) */
    uint8_t source;                                /* lty_coupon_source_t */
    uint64_t offer_id;                             /* VOUCHER: the offer; else 0 */
    uint64_t entry_id;                             /* VOUCHER: the points entry; else 0 */
    int64_t points;                                /* VOUCHER: points it cost; else 0 */
    uint32_t expiry_day;                           /* as in the code */
    int64_t issued_ms;
    uint32_t uses_count;                           /* live uses (restored ones taken out) */
    uint64_t last_sale_id;                         /* the sale of its latest use, or 0 */
    uint8_t signature[LTY_CRYPTO_SIGNATURE_BYTES];
} lty_coupon_t;
#define LTY_RECORD_COUPON_BYTES_MAX                                                            \
    (2 + 3 * 8 + 1 + 3 * 8 + 4 + 8 + 4 + 8 + LTY_CRYPTO_SIGNATURE_BYTES)

bool lty_record_coupon_valid(const lty_coupon_t *coupon);
size_t lty_record_coupon_encode(const lty_coupon_t *coupon, uint8_t *out, size_t out_size);
int lty_record_coupon_decode(lty_bytes_t in, lty_coupon_t *coupon_out);
/** The code text of a stored coupon (no signing: the signature is in the record). */
void lty_record_coupon_code(const lty_coupon_t *coupon, char text_out[LTY_COUPON_CODE_SIZE]);

#define LTY_COUPON_USE_VERSION 1
/** One use of a coupon by a sale, under COUPON_USES sale_id | campaign_id | serial: keyed by the
 *  sale, so a sale's uses are appended beside the previous sale's (one page a commit, not one
 *  random page per coupon) and a return finds them by prefix; the coupon names its latest use
 *  (last_sale_id). A return that gives the whole sale back restores them. */
typedef struct lty_coupon_use_s {
    uint64_t campaign_id;
    uint64_t serial;
    uint64_t sale_id;                              /* the sale's journal entry */
    uint64_t member_id;                            /* the sale's member */
    int64_t created_ms;
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    char till[LTY_TILL_ID_BYTES_MAX + 1];
    int64_t discount_cents;                        /* >= 0 */
    int64_t restored_ms;                           /* 0 while the use counts */
    uint8_t offline;                               /* accepted offline by the till */
} lty_coupon_use_t;
#define LTY_RECORD_COUPON_USE_BYTES_MAX                                                        \
    (2 + 4 * 8 + 8 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + LTY_RECORD_STR(LTY_TILL_ID_BYTES_MAX) \
     + 8 + 8 + 1)

bool lty_record_coupon_use_valid(const lty_coupon_use_t *use);
size_t lty_record_coupon_use_encode(const lty_coupon_use_t *use, uint8_t *out, size_t out_size);
int lty_record_coupon_use_decode(lty_bytes_t in, lty_coupon_use_t *use_out);

#define LTY_OFFER_VERSION 1
/** A voucher offer: points_price points buy one coupon of campaign_id. */
typedef struct lty_offer_s {
    uint64_t offer_id;                             /* >= 1 */
    uint64_t campaign_id;                          /* >= 1 */
    char name[LTY_CAMPAIGN_NAME_BYTES_MAX + 1];
    int64_t points_price;                          /* 1..LTY_POINTS_PER_TXN_MAX */
    uint8_t active;                                /* 1 offered, 0 withdrawn */
    int64_t created_ms;
    int64_t updated_ms;
    uint64_t converted_count;                      /* vouchers bought */
} lty_offer_t;
#define LTY_RECORD_OFFER_BYTES_MAX                                                             \
    (2 + 8 + 8 + LTY_RECORD_STR(LTY_CAMPAIGN_NAME_BYTES_MAX) + 8 + 1 + 8 + 8 + 8)

bool lty_record_offer_valid(const lty_offer_t *offer);
size_t lty_record_offer_encode(const lty_offer_t *offer, uint8_t *out, size_t out_size);
int lty_record_offer_decode(lty_bytes_t in, lty_offer_t *offer_out);

#define LTY_COUPON_CONFLICT_VERSION 1
/** A coupon an offline till accepted that the daemon could not honour when the sale was
 *  forwarded (used elsewhere meanwhile, expired, ...). The sale was recorded without it. */
typedef struct lty_coupon_conflict_s {
    uint64_t conflict_id;                          /* >= 1, appended */
    uint64_t campaign_id;                          /* 0 when the code named none (malformed) */
    uint64_t serial;
    int32_t err;                                   /* the refusal, an LTY_E_COUPON_* code */
    uint64_t sale_id;                              /* the forwarded sale */
    uint64_t member_id;
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    char till[LTY_TILL_ID_BYTES_MAX + 1];
    int64_t created_ms;
    uint64_t first_sale_id;                        /* coupon_used: the use that won; else 0 */
    char first_store[LTY_STORE_ID_BYTES_MAX + 1];
    char first_till[LTY_TILL_ID_BYTES_MAX + 1];
    int64_t first_ms;
} lty_coupon_conflict_t;
#define LTY_RECORD_COUPON_CONFLICT_BYTES_MAX                                                   \
    (2 + 3 * 8 + 4 + 2 * 8 + 2 * LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX)                       \
     + 2 * LTY_RECORD_STR(LTY_TILL_ID_BYTES_MAX) + 8 + 8 + 8)

bool lty_record_coupon_conflict_valid(const lty_coupon_conflict_t *conflict);
size_t lty_record_coupon_conflict_encode(const lty_coupon_conflict_t *conflict, uint8_t *out,
                                         size_t out_size);
int lty_record_coupon_conflict_decode(lty_bytes_t in, lty_coupon_conflict_t *conflict_out);

/* ---- Gifts ----------------------------------------------------------------------------------- */

typedef enum lty_gift_stock_mode {
    LTY_GIFT_STOCK_CENTRAL = 1,    /* one stock (store ""), handed over at any store */
    LTY_GIFT_STOCK_PER_STORE = 2,  /* a stock per store, handed over where reserved */
} lty_gift_stock_mode_t;

#define LTY_GIFT_VERSION 1
typedef struct lty_gift_s {
    uint64_t gift_id;                              /* >= 1 */
    char name[LTY_CAMPAIGN_NAME_BYTES_MAX + 1];
    int64_t points_price;                          /* 1..LTY_POINTS_PER_TXN_MAX */
    int64_t cash_cents;                            /* paid at the till besides; 0 = none */
    uint8_t stock_mode;                            /* lty_gift_stock_mode_t */
    uint8_t active;                                /* 1 offered, 0 withdrawn */
    int64_t valid_from_ms;                         /* 0 = from creation */
    int64_t valid_to_ms;                           /* 0 = open-ended */
    uint32_t per_member_limit;                     /* live redemptions per member; 0 = none */
    uint32_t reservation_days;                     /* a reservation not handed over expires */
    int64_t created_ms;
    int64_t updated_ms;
} lty_gift_t;
#define LTY_RECORD_GIFT_BYTES_MAX                                                              \
    (2 + 8 + LTY_RECORD_STR(LTY_CAMPAIGN_NAME_BYTES_MAX) + 8 + 8 + 1 + 1 + 8 + 8 + 4 + 4 + 8 + 8)

bool lty_record_gift_valid(const lty_gift_t *gift);
size_t lty_record_gift_encode(const lty_gift_t *gift, uint8_t *out, size_t out_size);
int lty_record_gift_decode(lty_bytes_t in, lty_gift_t *gift_out);

#define LTY_GIFT_STOCK_VERSION 1
/** A gift's stock at one store ("" = the central stock), under GIFT_STOCK gift_id | store:
 *  available = added - reserved - handed_over, never below zero. */
typedef struct lty_gift_stock_s {
    uint64_t gift_id;
    char store[LTY_STORE_ID_BYTES_MAX + 1];        /* "" = central */
    int64_t added;                                 /* every unit ever put in stock */
    int64_t reserved;                              /* live reservations */
    int64_t handed_over;
    int64_t updated_ms;
} lty_gift_stock_t;
#define LTY_RECORD_GIFT_STOCK_BYTES_MAX (2 + 8 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + 4 * 8)
#define LTY_GIFT_STOCK_MAX INT64_C(1000000000)

bool lty_record_gift_stock_valid(const lty_gift_stock_t *stock);
size_t lty_record_gift_stock_encode(const lty_gift_stock_t *stock, uint8_t *out, size_t out_size);
int lty_record_gift_stock_decode(lty_bytes_t in, lty_gift_stock_t *stock_out);

typedef enum lty_gift_redemption_status {
    LTY_GIFT_RESERVED = 1,
    LTY_GIFT_HANDED_OVER = 2,
    LTY_GIFT_CANCELLED = 3,  /* points given back to their lots */
    LTY_GIFT_EXPIRED = 4,    /* not collected in time: stock freed, points given back */
} lty_gift_redemption_status_t;

#define LTY_GIFT_REDEMPTION_VERSION 1
typedef struct lty_gift_redemption_s {
    uint64_t redemption_id;                        /* >= 1, appended */
    uint64_t gift_id;
    uint64_t member_id;
    char store[LTY_STORE_ID_BYTES_MAX + 1];        /* the stock reserved ("" = central) */
    uint8_t status;                                /* lty_gift_redemption_status_t */
    int64_t points;                                /* debited */
    int64_t cash_cents;                            /* to pay at hand-over (or paid at a till) */
    uint64_t entry_id;                             /* the GIFT entry */
    uint64_t reverse_entry_id;                     /* the GIFT_CANCEL entry, or 0 */
    int64_t created_ms;
    int64_t expires_ms;                            /* reservation held until then */
    int64_t closed_ms;                             /* handed over, cancelled or expired */
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];   /* who redeemed */
    char closed_by[LTY_PRINCIPAL_BYTES_MAX + 1];   /* who handed over or cancelled */
    uint32_t lots_count;                           /* the lots the points came from */
    lty_sale_lot_t lots[LTY_LOTS_PER_REDEMPTION_MAX];
} lty_gift_redemption_t;
#define LTY_RECORD_GIFT_REDEMPTION_BYTES_MAX                                                   \
    (2 + 3 * 8 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + 1 + 2 * 8 + 2 * 8 + 3 * 8           \
     + 2 * LTY_RECORD_STR(LTY_PRINCIPAL_BYTES_MAX) + 2 + LTY_LOTS_PER_REDEMPTION_MAX * 24)

bool lty_record_gift_redemption_valid(const lty_gift_redemption_t *redemption);
size_t lty_record_gift_redemption_encode(const lty_gift_redemption_t *redemption, uint8_t *out,
                                         size_t out_size);
int lty_record_gift_redemption_decode(lty_bytes_t in, lty_gift_redemption_t *redemption_out);

/* ---- Keys ------------------------------------------------------------------------------------ */

/** COUPONS: campaign_id u64 | serial u64. */
void lty_key_coupon(lty_key_t *key_out, uint64_t campaign_id, uint64_t serial);
/** COUPON_USES: sale_id | campaign_id | serial. */
void lty_key_coupon_use(lty_key_t *key_out, uint64_t sale_id, uint64_t campaign_id,
                        uint64_t serial);
/** COUPON_GRANTS: campaign_id u64 | issue key | 0x00 | member_id u64. */
void lty_key_coupon_grant(lty_key_t *key_out, uint64_t campaign_id, const char *issue_key,
                          uint64_t member_id);
/** GIFT_STOCK: gift_id u64 | store ("" for the central stock). */
void lty_key_gift_stock(lty_key_t *key_out, uint64_t gift_id, const char *store);
/** GIFT_RESERVATIONS: expires_ms u64 | redemption_id u64 (expires_ms >= 0). */
void lty_key_gift_reservation(lty_key_t *key_out, int64_t expires_ms, uint64_t redemption_id);
/** MEMBER_LEDGER: member_id | part (LTY_PART_COUPON..LTY_PART_GIFT), the prefix of a seek. */
void lty_key_member_coupon_part(lty_key_t *key_out, uint64_t member_id, uint8_t part);
/** MEMBER_LEDGER: member_id | LTY_PART_COUPON | campaign_id | serial. */
void lty_key_member_coupon(lty_key_t *key_out, uint64_t member_id, uint64_t campaign_id,
                           uint64_t serial);
/** MEMBER_LEDGER: member_id | LTY_PART_COUPON_USAGE | campaign_id. */
void lty_key_member_coupon_usage(lty_key_t *key_out, uint64_t member_id, uint64_t campaign_id);
/** MEMBER_LEDGER: member_id | LTY_PART_GIFT | redemption_id. */
void lty_key_member_gift(lty_key_t *key_out, uint64_t member_id, uint64_t redemption_id);

#endif
