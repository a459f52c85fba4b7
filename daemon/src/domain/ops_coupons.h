/* SPDX-License-Identifier: MIT */
/**
 * @file ops_coupons.h
 * Coupon and gift operations over a store transaction: coupon campaigns, issuing coupons
 * (into wallets, as printable codes, as vouchers bought with points), coupons on a sale and
 * their restoring on return, the conflicts of offline acceptance, the gift catalogue with its
 * stock and redemptions, and the reports. Same contract as ops.h (Caveats there): writes run in
 * the writer's child transaction and are aborted on any refusal; results are plain values.
 *
 * Files: ops_coupon.c (campaigns, offers, issuing, vouchers, wallets, conflicts, report),
 * ops_coupon_sale.c (a sale's coupons, returns), ops_gift.c (gifts, stock, redemptions,
 * the reservation sweep, report). Pure rules: coupon.c. Signing happens before the writer
 * (a code costs ~1 ms of ECDSA): the API mints codes on its loop thread (lty_ops_minted_t) and
 * these operations store them.
 */
#ifndef LTY_OPS_COUPONS_H
#define LTY_OPS_COUPONS_H

#include "actor.h"
#include "coupon.h"
#include "lty/lty_coupon_code.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "programme.h"
#include "records.h"
#include "records_coupons.h"
#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The programme key that signs coupon codes: DIR/coupon-key.pem (mode 0600), made by
 *  loyaltyctl init (or by the daemon's first start on an older data directory). It never leaves
 *  the data directory; tills get its public half from GET /v1/till/programme/keys. */
#define LTY_COUPON_KEY_FILE "coupon-key.pem"

/* ---- Campaigns (ops_coupon.c) ---------------------------------------------------------------- */

/**
 * Create a campaign from terms (status, ids and counters are ignored): id = last + 1, active.
 * @return 0, LTY_E_INVALID_FIELD (diag names the field: kind terms, periods, lists), with an
 *         audit record "campaign.create".
 */
int lty_ops_campaign_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            const lty_campaign_t *terms, uint64_t *campaign_id_out,
                            lty_diag_t *diag);
/** A store named by a campaign or a gift's stock exists (closed ones too: the registry of
 *  ops_store.c). 0, LTY_E_STORE_NOT_FOUND (diag names path), LTY_E_CORRUPT. */
int lty__ops_store_named(lty_store_txn_t *txn, const char *store_id, const char *path,
                         lty_diag_t *diag);
/** The stored value of a record kept under its id in db (campaigns, offers, gifts,
 *  redemptions): 0, not_found (id 0 or no record), or a store error. */
int lty__ops_record_get(lty_store_txn_t *txn, lty_db_t db, uint64_t id, int not_found,
                        lty_bytes_t *value_out);
/** Store data[0..size) as the record under id in db, overwriting. */
int lty__ops_record_put(lty_store_txn_t *txn, lty_db_t db, uint64_t id, const uint8_t *data,
                        size_t size);
/** Reads one record of a page (lty__ops_record_page): decode value into item index of page,
 *  say in *kept_out whether the page keeps it (a filter) and give its id in *id_out. */
typedef int (*lty__ops_record_keep_cb)(lty_bytes_t value, void *page, size_t index,
                                       const void *context, bool *kept_out, uint64_t *id_out);
/** A page of the records kept under their id in db, in id order from the first id above after,
 *  until limit are kept or the records end: *count_out kept, *next_after_out the id of the last
 *  when the page is full (0: no more). 0, LTY_E_INVALID_FIELD (limit outside
 *  1..LTY_COUPON_PAGE_MAX), or a store or keep_cb error. */
int lty__ops_record_page(lty_store_txn_t *txn, lty_db_t db, uint64_t after, size_t limit,
                         void *page, const void *context, lty__ops_record_keep_cb keep_cb,
                         size_t *count_out, uint64_t *next_after_out);
/** Write a coupon record: insert (LTY_E_EXISTS when its serial is taken) or overwrite. */
int lty__ops_coupon_put(lty_store_txn_t *txn, const lty_coupon_t *coupon, bool insert);
/** A coupon record: 0, LTY_E_NOT_FOUND, LTY_E_CORRUPT (stored under another key). */
int lty__ops_coupon_get(lty_store_txn_t *txn, uint64_t campaign_id, uint64_t serial,
                        lty_coupon_t *coupon_out);
/** Overwrite a campaign record (valid, asserted by its encoder). */
int lty__ops_campaign_put(lty_store_txn_t *txn, const lty_campaign_t *campaign);
/** @return 0, LTY_E_CAMPAIGN_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_campaign_get(lty_store_txn_t *txn, uint64_t campaign_id, lty_campaign_t *campaign_out);

typedef struct lty_ops_campaign_page_s {
    size_t campaigns_count;
    lty_campaign_t campaigns[LTY_COUPON_PAGE_MAX];
    uint64_t next_after;         /* campaign id to pass as after; 0 = no more */
} lty_ops_campaign_page_t;

/** Campaigns with an id above after, in id order. limit 1..LTY_COUPON_PAGE_MAX. */
int lty_ops_campaign_list(lty_store_txn_t *txn, uint64_t after, size_t limit,
                          lty_ops_campaign_page_t *page_out);

#define LTY_CAMPAIGN_FIELD_STATUS 1u
#define LTY_CAMPAIGN_FIELD_NAME 2u
#define LTY_CAMPAIGN_FIELD_VALID_TO 4u
#define LTY_CAMPAIGN_FIELD_BUDGET 8u
#define LTY_CAMPAIGN_FIELD_REDEMPTIONS_MAX 16u
#define LTY_CAMPAIGN_FIELD_PER_MEMBER_LIMIT 32u

typedef struct lty_ops_campaign_patch_s {
    uint64_t campaign_id;
    uint32_t fields;             /* LTY_CAMPAIGN_FIELD_* given */
    uint8_t status;              /* active <-> paused, or ended (for good) */
    char name[LTY_CAMPAIGN_NAME_BYTES_MAX + 1];
    int64_t valid_to_ms;         /* 0 = open-ended */
    int64_t budget_cents;
    uint64_t redemptions_max;
    uint32_t per_member_limit;
} lty_ops_campaign_patch_t;

/** Pause, resume, end, rename, or change the end and totals of a campaign (audited).
 *  @return 0, LTY_E_CAMPAIGN_NOT_FOUND, LTY_E_CAMPAIGN_ENDED, LTY_E_INVALID_FIELD. */
int lty_ops_campaign_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            const lty_ops_campaign_patch_t *patch, lty_campaign_t *campaign_out,
                            lty_diag_t *diag);

/* ---- Issuing --------------------------------------------------------------------------------- */

/** A code signed on a loop thread, ready to be stored. */
typedef struct lty_ops_minted_s {
    lty_coupon_code_t fields;
    uint8_t signature[LTY_CRYPTO_SIGNATURE_BYTES];
} lty_ops_minted_t;

/** What the loop thread needs to mint codes of a campaign: its code expiry, and whether it
 *  may issue at all. @return 0, LTY_E_CAMPAIGN_NOT_FOUND, LTY_E_CAMPAIGN_ENDED. */
int lty_ops_campaign_mint_terms(lty_store_txn_t *txn, uint64_t campaign_id, int64_t now_ms,
                                uint32_t *expiry_day_out);

typedef struct lty_ops_issue_s {
    uint64_t campaign_id;
    uint8_t source;                                   /* MEMBER or CODES */
    size_t count;                                     /* 1..LTY_COUPON_ISSUE_MAX */
    uint64_t member_ids[LTY_COUPON_ISSUE_MAX];        /* MEMBER: count members */
    char issue_key[LTY_COUPON_ISSUE_KEY_BYTES_MAX + 1]; /* MEMBER: "" or once per member */
    lty_ops_minted_t minted[LTY_COUPON_ISSUE_MAX];    /* count codes, from the loop thread */
} lty_ops_issue_t;

typedef struct lty_ops_issued_s {
    uint64_t member_id;                               /* 0 for a printable code */
    bool already;                                     /* issued before under the issue key */
    lty_coupon_t coupon;
} lty_ops_issued_t;

typedef struct lty_ops_issue_result_s {
    size_t count;
    lty_ops_issued_t issued[LTY_COUPON_ISSUE_MAX];
} lty_ops_issue_result_t;

/**
 * Store minted coupons: one per member into their wallets (once per member per issue key when
 * a key is given: a member already served gets the earlier coupon back, already = true), or
 * printable bearer codes. Audited ("coupon.issue").
 * @return 0, LTY_E_CAMPAIGN_NOT_FOUND, LTY_E_CAMPAIGN_ENDED, LTY_E_MEMBER_NOT_FOUND,
 *         LTY_E_ACCOUNT_CLOSED (diag names the member), LTY_E_INVALID_FIELD,
 *         LTY_E_EXISTS (a random serial met an earlier one: retry, the API answers 503).
 */
int lty_ops_coupons_issue(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const lty_ops_issue_t *issue, lty_ops_issue_result_t *result_out,
                          lty_diag_t *diag);

/* ---- Voucher offers and vouchers ------------------------------------------------------------ */

/** Create an offer: points_price points buy a coupon of campaign_id. @return 0,
 *  LTY_E_CAMPAIGN_NOT_FOUND, LTY_E_CAMPAIGN_ENDED, LTY_E_INVALID_FIELD. */
int lty_ops_offer_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_offer_t *terms, uint64_t *offer_id_out, lty_diag_t *diag);
/** @return 0, LTY_E_OFFER_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_offer_get(lty_store_txn_t *txn, uint64_t offer_id, lty_offer_t *offer_out);

typedef struct lty_ops_offer_page_s {
    size_t offers_count;
    lty_offer_t offers[LTY_COUPON_PAGE_MAX];
    uint64_t next_after;
} lty_ops_offer_page_t;

/** Offers above after in id order; active_only leaves withdrawn ones out. */
int lty_ops_offer_list(lty_store_txn_t *txn, uint64_t after, size_t limit, bool active_only,
                       lty_ops_offer_page_t *page_out);
/** Withdraw or offer again (active 0/1), or change the price (points_price > 0). */
int lty_ops_offer_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         uint64_t offer_id, int active, int64_t points_price,
                         lty_offer_t *offer_out, lty_diag_t *diag);

/** The campaign an offer sells, for the loop thread to mint its code. @return 0,
 *  LTY_E_OFFER_NOT_FOUND, LTY_E_GIFT_NOT_AVAILABLE (withdrawn), LTY_E_CAMPAIGN_ENDED. */
int lty_ops_offer_mint_terms(lty_store_txn_t *txn, uint64_t offer_id, int64_t now_ms,
                             uint64_t *campaign_id_out, uint32_t *expiry_day_out);

typedef struct lty_ops_voucher_s {
    uint64_t member_id;                       /* operator and portal: the member; till: 0 */
    char card_no[LTY_CARD_NO_SIZE];           /* till: the card scanned; else "" */
    uint64_t offer_id;
    lty_ops_minted_t minted;                  /* for the offer's campaign */
} lty_ops_voucher_t;

typedef struct lty_ops_voucher_result_s {
    uint64_t entry_id;                        /* the VOUCHER journal entry */
    uint64_t member_id;
    int64_t points_debited;
    int64_t points_balance;
    lty_coupon_t coupon;
    lty_offer_t offer;
} lty_ops_voucher_result_t;

/**
 * Turn points into a voucher in one transaction: the offer's price leaves the member's lots
 * (soonest-expiring first: entry VOUCHER, member-points -, points-redeemed +) and the coupon
 * lands in the wallet.
 * @return 0, LTY_E_OFFER_NOT_FOUND, LTY_E_GIFT_NOT_AVAILABLE (offer withdrawn),
 *         LTY_E_CAMPAIGN_ENDED, LTY_E_MEMBER_NOT_FOUND, LTY_E_ACCOUNT_CLOSED, card refusals,
 *         LTY_E_REDEMPTION_BLOCKED, LTY_E_INSUFFICIENT_POINTS, LTY_E_EXISTS (serial: retry).
 */
int lty_ops_voucher_buy(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_voucher_t *voucher, lty_ops_voucher_result_t *result_out,
                        lty_diag_t *diag);

/** Shared by vouchers and gifts: spend points from the member's lots (soonest-expiring first)
 *  in one entry of kind (member-points -, points-redeemed +) naming reference; lots_out (may be
 *  NULL, with lots_count_out) says which lots gave them. LTY_E_REDEMPTION_BLOCKED (negative
 *  balance), LTY_E_INSUFFICIENT_POINTS. */
int lty__ops_points_spend(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          uint64_t member_id, int64_t points, uint8_t kind, const char *reference,
                          lty_sale_lot_t *lots_out, uint32_t *lots_count_out,
                          lty_journal_entry_t *entry_out, int64_t *balance_out, lty_diag_t *diag);

/* ---- Wallets --------------------------------------------------------------------------------- */

typedef enum lty_ops_coupon_state {
    LTY_OPS_COUPON_VALID = 1,   /* may be used now or later */
    LTY_OPS_COUPON_USED = 2,    /* every use taken */
    LTY_OPS_COUPON_EXPIRED = 3, /* its day passed, or its campaign ended */
} lty_ops_coupon_state_t;

typedef struct lty_ops_wallet_item_s {
    lty_coupon_t coupon;
    uint8_t state;               /* lty_ops_coupon_state_t */
    char code[LTY_COUPON_CODE_SIZE];
} lty_ops_wallet_item_t;

typedef struct lty_ops_wallet_s {
    size_t items_count;
    lty_ops_wallet_item_t items[LTY_COUPON_PAGE_MAX];
    size_t campaigns_count;      /* the campaigns of the items, once each */
    lty_campaign_t campaigns[LTY_COUPON_PAGE_MAX];
    uint64_t next_after_campaign; /* page cursor (campaign, serial); 0 = no more */
    uint64_t next_after_serial;
} lty_ops_wallet_t;

/** A member's coupons (newest campaigns last), with their state now. ~70 KiB: allocate it.
 *  @return 0, LTY_E_MEMBER_NOT_FOUND. */
int lty_ops_wallet(lty_store_txn_t *txn, uint64_t member_id, int64_t now_ms,
                   uint64_t after_campaign, uint64_t after_serial, size_t limit,
                   lty_ops_wallet_t *wallet_out);

/* ---- A sale's coupons (ops_coupon_sale.c) ---------------------------------------------------- */

typedef struct lty_ops_coupon_effect_s {
    char code[LTY_COUPON_CODE_SIZE];
    uint64_t campaign_id;        /* 0 when the code did not parse */
    uint64_t serial;
    int err;                     /* 0 applied; an offline sale's refused coupon: its refusal */
    int64_t discount_cents;
    int64_t eligible_cents;
    char campaign_name[LTY_CAMPAIGN_NAME_BYTES_MAX + 1];
    /* coupon_used on an offline sale: the use that won */
    uint64_t first_sale_id;
    char first_store[LTY_STORE_ID_BYTES_MAX + 1];
    char first_till[LTY_TILL_ID_BYTES_MAX + 1];
    int64_t first_ms;
    uint64_t conflict_id;        /* set by lty_ops_coupons_record for a refused one */
} lty_ops_coupon_effect_t;

typedef struct lty_ops_coupons_s {
    size_t count;
    lty_ops_coupon_effect_t effects[LTY_COUPONS_PER_SALE_MAX];
    int64_t discount_cents;      /* sum of the applied ones */
    size_t conflicts_count;      /* refused coupons of an offline sale */
} lty_ops_coupons_t;

/**
 * Judge a sale's coupons in order and take their discounts off lines (in place; the caller's
 * copy of the basket). Reads only: a quote calls this alone. Online (offline false) the first
 * refusal is returned (diag names "/coupons/i") and lines may be partly changed (discard
 * them). Offline (a sale the till accepted while it could not reach the daemon) a refused
 * coupon is kept in the effects with its err and skipped.
 * @return 0, LTY_E_INVALID_FIELD (count), the refusals of lty_coupon_evaluate(),
 *         LTY_E_COUPON_NOT_FOUND (unknown, malformed, or not the code that was issued).
 */
int lty_ops_coupons_plan(lty_store_txn_t *txn, const char *store, int64_t now_ms,
                         uint64_t member_id, uint32_t tier,
                         const char (*codes)[LTY_COUPON_CODE_SIZE], size_t codes_count,
                         bool offline, lty_sale_line_t *lines, size_t lines_count,
                         lty_ops_coupons_t *coupons_out, lty_diag_t *diag);

/** Record a planned sale's coupons under sale_id in the same transaction: uses, use counts,
 *  the member's and the campaigns' counters, and a conflict per refused offline coupon. */
int lty_ops_coupons_record(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           uint64_t sale_id, uint64_t member_id, bool offline,
                           lty_ops_coupons_t *coupons);

/** A sale given back whole (returned or voided): restore its coupons that are still valid
 *  (code not expired, campaign not ended) so the member may use them again; expired ones stay
 *  used. *restored_out counts the restored ones. */
int lty_ops_coupons_restore(lty_store_txn_t *txn, int64_t now_ms, uint64_t sale_id,
                            size_t *restored_out);

typedef struct lty_ops_conflict_page_s {
    size_t conflicts_count;
    lty_coupon_conflict_t conflicts[LTY_COUPON_PAGE_MAX];
    uint64_t next_after;
} lty_ops_conflict_page_t;

/** Conflicts above after in id order; store "" = all, else those where store is either side. */
int lty_ops_coupon_conflicts(lty_store_txn_t *txn, const char *store, uint64_t after,
                             size_t limit, lty_ops_conflict_page_t *page_out);

/* ---- Gifts (ops_gift.c) ---------------------------------------------------------------------- */

typedef struct lty_ops_gift_stock_set_s {
    char store[LTY_STORE_ID_BYTES_MAX + 1];      /* "" = the central stock */
    int64_t add;                                 /* units put in stock, >= 0 */
} lty_ops_gift_stock_set_t;

typedef struct lty_ops_gift_new_s {
    lty_gift_t terms;                            /* ids and times ignored */
    size_t stocks_count;                         /* central: 1 (store ""); per store: 1.. */
    lty_ops_gift_stock_set_t stocks[LTY_GIFT_STOCK_STORES_MAX];
} lty_ops_gift_new_t;

/** Create a gift with its initial stock (audited). @return 0, LTY_E_INVALID_FIELD,
 *  LTY_E_STORE_NOT_FOUND. */
int lty_ops_gift_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_gift_new_t *gift_new, uint64_t *gift_id_out,
                        lty_diag_t *diag);

typedef struct lty_ops_gift_view_s {
    lty_gift_t gift;
    size_t stocks_count;
    lty_gift_stock_t stocks[LTY_GIFT_STOCK_STORES_MAX];
    int64_t available;           /* summed over stocks */
} lty_ops_gift_view_t;

/** @return 0, LTY_E_GIFT_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_gift_get(lty_store_txn_t *txn, uint64_t gift_id, lty_ops_gift_view_t *view_out);

typedef struct lty_ops_gift_page_s {
    size_t gifts_count;
    lty_ops_gift_view_t gifts[LTY_COUPON_PAGE_MAX];
    uint64_t next_after;
} lty_ops_gift_page_t;

/** Gifts above after; offered_only: active and within their validity at now_ms. */
int lty_ops_gift_list(lty_store_txn_t *txn, uint64_t after, size_t limit, bool offered_only,
                      int64_t now_ms, lty_ops_gift_page_t *page_out);

#define LTY_GIFT_FIELD_NAME 1u
#define LTY_GIFT_FIELD_POINTS 2u
#define LTY_GIFT_FIELD_CASH 4u
#define LTY_GIFT_FIELD_ACTIVE 8u
#define LTY_GIFT_FIELD_VALID_TO 16u
#define LTY_GIFT_FIELD_LIMIT 32u

typedef struct lty_ops_gift_patch_s {
    uint64_t gift_id;
    uint32_t fields;             /* LTY_GIFT_FIELD_* */
    lty_gift_t values;
    size_t stocks_count;         /* stock added per store (same mode as the gift) */
    lty_ops_gift_stock_set_t stocks[LTY_GIFT_STOCK_STORES_MAX];
} lty_ops_gift_patch_t;

/** Change a gift or add stock (audited). @return 0, LTY_E_GIFT_NOT_FOUND, LTY_E_INVALID_FIELD,
 *  LTY_E_STORE_NOT_FOUND. */
int lty_ops_gift_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_gift_patch_t *patch, lty_diag_t *diag);

typedef struct lty_ops_gift_redeem_s {
    uint64_t member_id;                       /* operator and portal; till: 0 and card_no */
    char card_no[LTY_CARD_NO_SIZE];
    uint64_t gift_id;
    char store[LTY_STORE_ID_BYTES_MAX + 1];   /* per-store stock: where; a till: its own */
} lty_ops_gift_redeem_t;

typedef struct lty_ops_gift_result_s {
    lty_gift_redemption_t redemption;         /* large: allocate the result */
    lty_gift_t gift;
    int64_t points_balance;
    int64_t available;                        /* stock left where it was reserved */
} lty_ops_gift_result_t;

/**
 * Redeem points for a gift: the points leave the member's lots (entry GIFT) and one unit of
 * stock is reserved, in one transaction.
 * @return 0, LTY_E_GIFT_NOT_FOUND, LTY_E_GIFT_NOT_AVAILABLE (withdrawn, outside its validity,
 *         the member's limit, no stock at that store), LTY_E_OUT_OF_STOCK, LTY_E_STORE_NOT_FOUND,
 *         LTY_E_INVALID_FIELD (store missing for a per-store gift), card and member refusals,
 *         LTY_E_REDEMPTION_BLOCKED, LTY_E_INSUFFICIENT_POINTS.
 */
int lty_ops_gift_redeem(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_gift_redeem_t *redeem, lty_ops_gift_result_t *result_out,
                        lty_diag_t *diag);

/** Hand a reserved gift over (a till scans the redemption): reserved -> handed over. A
 *  per-store reservation is handed over at its store only (LTY_E_GIFT_NOT_AVAILABLE).
 *  @return 0, LTY_E_REDEMPTION_NOT_FOUND, LTY_E_REDEMPTION_CLOSED. */
int lty_ops_gift_hand_over(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           uint64_t redemption_id, lty_ops_gift_result_t *result_out,
                           lty_diag_t *diag);

/** Cancel a reservation: stock freed, points back into the lots they came from (entry
 *  GIFT_CANCEL). member_id != 0 limits it to that member's redemptions (the portal).
 *  @return 0, LTY_E_REDEMPTION_NOT_FOUND, LTY_E_REDEMPTION_CLOSED. */
int lty_ops_gift_cancel(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        uint64_t redemption_id, uint64_t member_id,
                        lty_ops_gift_result_t *result_out, lty_diag_t *diag);

/** The scheduler's sweep: expire up to limit reservations due at now_ms (as a cancel, status
 *  expired). *swept_out counts them; a full sweep means more may be due. */
int lty_ops_gift_sweep(lty_store_txn_t *txn, int64_t now_ms, size_t limit, size_t *swept_out);

typedef struct lty_ops_redemption_page_s {
    size_t redemptions_count;
    uint64_t ids[LTY_COUPON_PAGE_MAX];
    lty_gift_redemption_t *redemptions;   /* caller's array of LTY_COUPON_PAGE_MAX (large) */
    uint64_t next_after;
} lty_ops_redemption_page_t;

/** Redemptions above after in id order: member_id 0 = all; status 0 = any. page_out->
 *  redemptions must point at LTY_COUPON_PAGE_MAX records. */
int lty_ops_gift_redemptions(lty_store_txn_t *txn, uint64_t member_id, uint8_t status,
                             uint64_t after, size_t limit, lty_ops_redemption_page_t *page_out);

/* ---- Reports --------------------------------------------------------------------------------- */

#define LTY_OPS_REPORT_ROWS_MAX 1024

typedef struct lty_ops_gift_report_row_s {
    uint64_t gift_id;
    char name[LTY_CAMPAIGN_NAME_BYTES_MAX + 1];
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    int64_t added;
    int64_t reserved;
    int64_t handed_over;
    int64_t available;
    int64_t redemptions_count;   /* every redemption of this stock */
    int64_t cancelled_count;
    int64_t expired_count;
    int64_t points;              /* points of the live ones (reserved and handed over) */
} lty_ops_gift_report_row_t;

typedef struct lty_ops_gift_report_s {
    size_t rows_count;
    bool truncated;
    lty_ops_gift_report_row_t rows[LTY_OPS_REPORT_ROWS_MAX];
} lty_ops_gift_report_t;

/** Gift stock and redemptions per gift and store (store "" = all). */
int lty_ops_gift_report(lty_store_txn_t *txn, const char *store,
                        lty_ops_gift_report_t *report_out);

/* ---- Demo data ------------------------------------------------------------------------------- */

#define LTY_OPS_DEMO_CODES 3

typedef struct lty_ops_demo_coupons_s {
    uint64_t campaign_id;        /* "Spring 5 off": 5.00 off 20.00, valid a year */
    uint64_t offer_id;           /* 500 points -> one of its coupons */
    uint64_t gift_id;            /* "Tea towel": 300 points, 10 in stock */
    char codes[LTY_OPS_DEMO_CODES][LTY_COUPON_CODE_SIZE]; /* printable codes for the tour */
} lty_ops_demo_coupons_t;

/** The demo's coupons and gifts (loyaltyctl init --demo, after lty_ops_demo_seed): a running
 *  campaign with a voucher offer, printable codes, one coupon in wallet_member_id's wallet, and
 *  a stocked gift. Signs with key (init is off the serving path). */
int lty_ops_demo_coupons(lty_store_txn_t *txn, lty_crypto_key_t *key, int64_t now_ms,
                         uint64_t wallet_member_id, lty_ops_demo_coupons_t *demo_out);

#endif
