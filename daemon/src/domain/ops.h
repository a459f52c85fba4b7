/* SPDX-License-Identifier: MIT */
/**
 * @file ops.h
 * Domain operations over a store transaction: the reads and writes behind every API route and
 * `loyaltyctl init`. Each write keeps the ledger's promises: one journal entry per change,
 * postings balanced per asset, balances and lots updated in the same transaction, an audit
 * record for every operator action.
 *
 * Owns: what is read and written for each operation, id allocation (members, journal entries,
 * card sequence, audit), and the mapping of domain states to lty_err_t codes.
 * Does not own: JSON (the API renders the plain result structs), transactions (the caller
 * begins, commits or aborts), business arithmetic (ledger.c), encodings (records.c).
 *
 * Caveats:
 * - Writes run in a write transaction; in the daemon that is the writer's child transaction,
 *   so a refusal (any non-zero return) must be followed by aborting it: a write may have
 *   stored part of its work before refusing. Outputs are filled only on 0.
 * - Reads run in any transaction (read-only snapshots included).
 * - Inputs are validated again here (LTY_E_INVALID_FIELD, with the diag naming the field when a
 *   diag is given): the API edge validates first, but the CLI and tests call these directly.
 * - Result structs are plain values: copy-safe, no pointers into the store. Some are large
 *   (lty_ops_journal_page_t ~150 KiB, lty_ops_sale_t ~90 KiB): allocate them.
 */
#ifndef LTY_OPS_H
#define LTY_OPS_H

#include "actor.h"
#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "ops_coupons.h"
#include "programme.h"
#include "records.h"
#include "rules.h"
#include "settings.h"
#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Reads ------------------------------------------------------------------------------ */

/** What a till sees when it scans a card. */
typedef struct lty_ops_card_view_s {
    char card_no[LTY_CARD_NO_SIZE];
    uint8_t card_status;         /* lty_card_status_t as stored (expiry by date: see expired) */
    bool expired;                /* expires_ms <= now_ms */
    uint64_t member_id;
    char name[LTY_NAME_BYTES_MAX + 1];
    int64_t points;
    int64_t prepaid_cents;
    int64_t expires_ms;
} lty_ops_card_view_t;

/**
 * Look a card up by number (any status; the till decides how to show a lost card).
 * @return 0, LTY_E_INVALID_CARD_NO (syntax/Luhn), LTY_E_CARD_NOT_FOUND, LTY_E_CORRUPT.
 */
int lty_ops_card_lookup(lty_store_txn_t *txn, const char *card_no, int64_t now_ms,
                        lty_ops_card_view_t *view_out);

/** A member's profile, balances and cards. */
typedef struct lty_ops_member_view_s {
    lty_member_t member;
    int64_t points;
    int64_t prepaid_cents;
    size_t cards_count;
    lty_card_t cards[LTY_CARDS_PER_MEMBER_MAX];
} lty_ops_member_view_t;

/** @return 0, LTY_E_MEMBER_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_member_get(lty_store_txn_t *txn, uint64_t member_id, lty_ops_member_view_t *view_out);

/** One page of a member's journal, newest first. */
typedef struct lty_ops_journal_page_s {
    size_t entries_count;
    lty_journal_entry_t entries[LTY_JOURNAL_PAGE_MAX];
    uint64_t next_after;         /* pass as `after` for the next page; 0 = no more entries */
} lty_ops_journal_page_t;

/**
 * A member's journal entries, newest first.
 * @param[in] after  0 for the newest page, else an entry id: only entries older than it.
 * @param[in] limit  1..LTY_JOURNAL_PAGE_MAX.
 * @return 0, LTY_E_MEMBER_NOT_FOUND, LTY_E_INVALID_FIELD (limit), LTY_E_CORRUPT.
 */
int lty_ops_journal_page(lty_store_txn_t *txn, uint64_t member_id, uint64_t after, size_t limit,
                         lty_ops_journal_page_t *page_out);

/* ---- Writes ----------------------------------------------------------------------------- */

typedef struct lty_ops_member_new_s {
    char name[LTY_NAME_BYTES_MAX + 1];    /* 1..LTY_NAME_BYTES_MAX bytes */
    char phone[LTY_PHONE_BYTES_MAX + 1];  /* E.164: '+' then 8..15 digits, first digit 1..9 */
    char email[LTY_EMAIL_BYTES_MAX + 1];  /* "" or one '@' with text on both sides */
    /* profile fields (all optional) */
    char birthday[LTY_BIRTHDAY_BYTES + 1];            /* "" or a past date "YYYY-MM-DD" */
    uint8_t gender;                                   /* 0 unknown, 1 female, 2 male, 3 other */
    char preferred_store[LTY_STORE_ID_BYTES_MAX + 1]; /* "" or an existing store */
    uint32_t consent_flags;                           /* LTY_CONSENT_* bits */
} lty_ops_member_new_t;

/** True for '+' followed by 8..15 digits, the first not 0 (ops_member_profile.c). */
bool lty_ops_phone_valid(const char *phone);

/**
 * Which card states may pay, earn, top up or be shown to a till as usable (ops_card.c).
 * Expiry by date counts even if no sweep has marked the card.
 * @return 0, LTY_E_CARD_LOST, LTY_E_CARD_REPLACED, LTY_E_CARD_EXPIRED, LTY_E_CARD_CLOSED,
 *         LTY_E_CARD_NOT_ACTIVATED (an unassigned card).
 */
int lty_ops_card_usable(uint8_t status, int64_t expires_ms, int64_t now_ms);

/**
 * Enrol a member. Ids start at 1 and increase; they are never reused.
 * @return 0, LTY_E_INVALID_FIELD, LTY_E_PHONE_TAKEN.
 */
int lty_ops_member_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const lty_ops_member_new_t *member_new, uint64_t *member_id_out,
                          lty_diag_t *diag);

/**
 * Issue a new active card to a member: number minted from the META card sequence (never
 * reused), valid for programme->card_valid_days.
 * @return 0, LTY_E_MEMBER_NOT_FOUND, LTY_E_ACCOUNT_CLOSED, LTY_E_INVALID_FIELD (the member
 *         already holds LTY_CARDS_PER_MEMBER_MAX cards, or the sequence space is spent).
 */
int lty_ops_card_issue(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, uint64_t member_id,
                       lty_card_t *card_out);

typedef struct lty_ops_adjust_s {
    uint64_t member_id;
    int64_t points;                              /* != 0, |points| <= LTY_POINTS_PER_TXN_MAX */
    char reason[LTY_REASON_BYTES_MAX + 1];       /* 1..LTY_REASON_BYTES_MAX bytes */
    bool bonus;                                  /* record as a bonus entry (points > 0) */
} lty_ops_adjust_t;

typedef struct lty_ops_adjust_result_s {
    uint64_t entry_id;
    int64_t points_balance;
} lty_ops_adjust_result_t;

/**
 * Adjust a member's points with a reason: positive adds a lot expiring after
 * programme->points_lot_days, negative consumes lots soonest-expiring first.
 * @return 0, LTY_E_INVALID_FIELD, LTY_E_MEMBER_NOT_FOUND, LTY_E_ACCOUNT_CLOSED,
 *         LTY_E_INSUFFICIENT_POINTS (the balance would go below zero), LTY_E_POINTS_LIMIT.
 */
int lty_ops_adjust(lty_store_txn_t *txn, const lty_actor_t *actor,
                   const lty_programme_t *programme, int64_t now_ms,
                   const lty_ops_adjust_t *adjust, lty_ops_adjust_result_t *result_out,
                   lty_diag_t *diag);

/** The outcome of the PIN check the API made on its loop thread (argon2 is too slow for the
 *  writer thread); the writer re-checks version and lock in its transaction (ops_pin.c). */
typedef enum lty_ops_pin_check {
    LTY_OPS_PIN_NONE = 0,   /* no PIN in the request */
    LTY_OPS_PIN_MATCHED,    /* matched the hash of pin_version */
    LTY_OPS_PIN_WRONG,      /* did not match the hash of pin_version */
    LTY_OPS_PIN_UNSET,      /* a PIN was sent but the card has none */
} lty_ops_pin_check_t;

/** A sale as a till submits it. */
typedef struct lty_ops_sale_s {
    char card_no[LTY_CARD_NO_SIZE];
    char receipt_no[LTY_RECEIPT_NO_BYTES_MAX + 1]; /* 1..LTY_RECEIPT_NO_BYTES_MAX bytes */
    int64_t redeem_points;                         /* 0..LTY_POINTS_PER_TXN_MAX */
    size_t tenders_count;                          /* 0 = paid outside the programme */
    lty_sale_tender_t tenders[LTY_TENDERS_PER_SALE_MAX]; /* one of each type at most */
    lty_ops_pin_check_t pin_check;
    uint32_t pin_version;
    size_t lines_count;                            /* 1..LTY_BASKET_LINES_MAX */
    lty_sale_line_t lines[LTY_BASKET_LINES_MAX];   /* qty_returned ignored */
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1];     /* "" or an active staff member */
    /* the sale's coupons (ops_sale.c copies the fields after lines from staff_id on) */
    bool offline;                                  /* the till accepted the coupons offline */
    size_t coupons_count;                          /* 0..LTY_COUPONS_PER_SALE_MAX */
    char coupons[LTY_COUPONS_PER_SALE_MAX][LTY_COUPON_CODE_SIZE];
} lty_ops_sale_t;

typedef struct lty_ops_sale_result_s {
    uint64_t sale_id;            /* = the journal entry id */
    uint64_t member_id;
    int64_t points_earned;
    int64_t points_redeemed;
    int64_t points_balance;
    int64_t prepaid_cents;
    uint32_t tier;               /* the member's tier after the sale */
    bool tier_upgraded;          /* this sale lifted the member to it */
    lty_rules_outcome_t rules;   /* points without rules, and what each rule changed */
    int64_t commission_cents;    /* paid to the staff member named (0 without one) */
    lty_ops_coupons_t coupons;   /* each coupon's effect; coupons.discount_cents */
    int64_t total_cents;         /* the basket after the coupons */
} lty_ops_sale_result_t;

/**
 * Record a sale at the actor's store and till: redeem, earn, one journal entry, a lot for the
 * earned points, the sale record indexed by store and receipt_no.
 * @param[in] actor  A till (actor->store and actor->till set).
 * @return 0, LTY_E_INVALID_FIELD, LTY_E_INVALID_CARD_NO, LTY_E_CARD_NOT_FOUND, LTY_E_CARD_LOST,
 *         LTY_E_CARD_REPLACED, LTY_E_CARD_EXPIRED, LTY_E_CARD_CLOSED, LTY_E_CARD_NOT_ACTIVATED,
 *         LTY_E_ACCOUNT_CLOSED, LTY_E_STORE_NOT_FOUND, LTY_E_REDEEM_EXCEEDS_BASKET,
 *         LTY_E_INSUFFICIENT_POINTS, LTY_E_REDEMPTION_BLOCKED, LTY_E_POINTS_LIMIT,
 *         LTY_E_EXISTS (this store already recorded this receipt_no), and the coupon refusals of
 *         lty_ops_coupons_plan() (coupons come off the basket first, and are
 *         recorded in the same transaction).
 */
int lty_ops_sale(lty_store_txn_t *txn, const lty_actor_t *actor,
                 const lty_programme_t *programme, int64_t now_ms, const lty_ops_sale_t *sale,
                 lty_ops_sale_result_t *result_out, lty_diag_t *diag);

/* ---- Prepaid, PINs, returns, voids, close, settlement ------------------------- */

/** Load a usable card and its active member: LTY_E_CARD_NOT_FOUND, card refusals,
 *  LTY_E_ACCOUNT_CLOSED, LTY_E_CORRUPT. */
int lty__ops_card_member(lty_store_txn_t *txn, const char *card_no, int64_t now_ms,
                         lty_card_t *card_out, lty_member_t *member_out);
/** Consume points like lty__ops_lots_debit() and say which lots gave them (sale records keep
 *  it so a return or void refills the same lots). */
int lty__ops_lots_debit_record(lty_store_txn_t *txn, uint64_t member_id, int64_t points,
                               lty_sale_lot_t *used_out, uint32_t *used_count_out);
/** Put points back into the lot a sale took them from (returns, voids). */
int lty__ops_lot_refill(lty_store_txn_t *txn, uint64_t member_id, const lty_sale_lot_t *from,
                        int64_t points);
/** The sale record of a SALE journal entry (reports and member views walking the journal): 0,
 *  or LTY_E_CORRUPT when the entry has no record. */
int lty__ops_sale_of_entry(lty_store_txn_t *txn, uint64_t sale_id, lty_sale_t *sale_out);
/** The prepaid part of a sale: tenders add up (LTY_E_TENDER_MISMATCH), prepaid covers it
 *  (LTY_E_INSUFFICIENT_FUNDS), the PIN gate passed; adds the prepaid postings to entry. */
int lty__ops_sale_tenders(lty_store_txn_t *txn, const lty_programme_t *programme,
                          const lty_ops_sale_t *sale, int64_t left_to_pay, uint64_t member_id,
                          lty_journal_entry_t *entry, lty_diag_t *diag);

typedef struct lty_ops_topup_s {
    char card_no[LTY_CARD_NO_SIZE];           /* till: the card scanned; operator: "" */
    uint64_t member_id;                       /* operator: the member; till: 0 */
    int64_t amount_cents;                     /* 1..programme->topup_cents_max */
    uint8_t tender;                           /* LTY_TENDER_CASH or LTY_TENDER_BANK_CARD */
    char reason[LTY_REASON_BYTES_MAX + 1];    /* operator: required; till: "" */
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1]; /* till: "" or the staff member */
} lty_ops_topup_t;

/** What a till shows after any money or points movement. */
typedef struct lty_ops_balances_s {
    uint64_t entry_id;
    uint64_t member_id;
    int64_t points_balance;
    int64_t prepaid_cents;
} lty_ops_balances_t;

/**
 * Top up a member's prepaid balance (one TOPUP entry: member-prepaid +, cash-in or
 * bank-card-in -). @return 0, LTY_E_INVALID_FIELD, card/member refusals, LTY_E_TOPUP_LIMIT,
 * LTY_E_PREPAID_BALANCE_LIMIT.
 */
int lty_ops_topup(lty_store_txn_t *txn, const lty_actor_t *actor,
                  const lty_programme_t *programme, int64_t now_ms, const lty_ops_topup_t *topup,
                  lty_ops_balances_t *result_out, lty_diag_t *diag);

/** A member's two balances. */
int lty__ops_balances(lty_store_txn_t *txn, uint64_t member_id, lty_ops_balances_t *out);
/** The same, with points_balance what may be spent at now_ms (expired lots not counted). */
int lty__ops_balances_at(lty_store_txn_t *txn, uint64_t member_id, int64_t now_ms,
                         lty_ops_balances_t *out);

/* PINs (ops_pin.c, the only file that calls argon2). The pepper is a 32-byte secret kept in
 * DIR/pin-pepper (0600), never in LMDB. */
#define LTY_PIN_PEPPER_BYTES 32
#define LTY_PIN_PEPPER_FILE "pin-pepper"
/** Create DIR/pin-pepper with fresh random bytes (mode 0600); LTY_E_EXISTS if present. */
int lty_ops_pin_pepper_create(const char *data_dir);
/** Load DIR/pin-pepper: 0, LTY_E_CONFIG (missing, wrong size or readable by others). */
int lty_ops_pin_pepper_load(const char *data_dir, uint8_t pepper_out[LTY_PIN_PEPPER_BYTES]);
/** True for 4..LTY_PIN_DIGITS_MAX ASCII digits. */
bool lty_ops_pin_syntax_ok(const char *pin);
/** Read a member's PIN record: 0, LTY_E_NOT_FOUND (never set), LTY_E_CORRUPT. */
int lty_ops_pin_get(lty_store_txn_t *txn, uint64_t member_id, lty_pin_t *pin_out);
/** The PIN record of the member holding card_no: LTY_E_NOT_FOUND also for an unknown or
 *  unassigned card. */
int lty_ops_pin_get_by_card(lty_store_txn_t *txn, const char *card_no, lty_pin_t *pin_out);
/** Overwrite a member's PIN record (valid, asserted): the portal's PIN change. */
int lty__ops_pin_put(lty_store_txn_t *txn, const lty_pin_t *pin);
/** Migration 4 -> 5: move every card-pins record to member-pins (the most recently changed
 *  one wins when a member had PINs on two cards); card-pins ends empty. Idempotent. */
int lty_ops_pin_migrate(lty_store_txn_t *txn, uint64_t *moved_out);
/** Hash pin with a fresh salt into pin_io (salt, hash, costs); slow (argon2id): loop thread. */
int lty_ops_pin_hash(const uint8_t pepper[LTY_PIN_PEPPER_BYTES], const char *pin,
                     lty_pin_t *pin_io);
/** True when pin matches pin_record's hash; slow (argon2id): loop thread. */
bool lty_ops_pin_matches(const uint8_t pepper[LTY_PIN_PEPPER_BYTES], const char *pin,
                         const lty_pin_t *pin_record);

typedef struct lty_ops_pin_set_s {
    char card_no[LTY_CARD_NO_SIZE];
    lty_pin_t hashed;                          /* salt, hash, costs from lty_ops_pin_hash() */
    bool reset_code_given;
    uint8_t reset_code_hash[32];               /* SHA-256 of the code the member typed */
} lty_ops_pin_set_t;

/** Store a PIN: allowed while none is set, or with the pending reset code.
 *  @return 0, card refusals, LTY_E_PIN_ALREADY_SET, LTY_E_FORBIDDEN (wrong/expired code). */
int lty_ops_pin_set(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                    const lty_ops_pin_set_t *pin_set, lty_diag_t *diag);
/** Store a one-time reset code (its SHA-256) valid for LTY_PIN_RESET_MS. */
int lty_ops_pin_reset_issue(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                            const char *card_no, const uint8_t code_hash[32]);
/**
 * The PIN gate of a prepaid payment of prepaid_cents (run first in the writer's child txn).
 * Refusals: LTY_E_PIN_REQUIRED, LTY_E_PIN_LOCKED, LTY_E_PIN_INCORRECT. For a wrong PIN it has
 * already WRITTEN the failure (and the lock) when it returns: *keep_out = true tells the caller
 * to commit that write while refusing the request. A right PIN clears the failure count.
 */
int lty_ops_pin_gate(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                     const lty_ops_sale_t *sale, bool *keep_out, lty_diag_t *diag);

/* Returns and voids (ops_return.c). */
typedef struct lty_ops_return_line_s {
    char sku[LTY_SKU_BYTES_MAX + 1];
    uint32_t qty;                              /* >= 1 */
    bool amount_given;                         /* the till sent the line's amount_cents: */
    int64_t amount_cents;                      /* must equal the sale line's */
    bool category_given;
    char category[LTY_CATEGORY_BYTES_MAX + 1];
} lty_ops_return_line_t;

typedef struct lty_ops_return_s {
    uint64_t sale_id;                          /* or 0 and: */
    char store[LTY_STORE_ID_BYTES_MAX + 1];    /* the sale's store ("" = the till's store) */
    char receipt_no[LTY_RECEIPT_NO_BYTES_MAX + 1];
    size_t lines_count;                        /* 0 = everything not yet returned */
    lty_ops_return_line_t lines[LTY_BASKET_LINES_MAX];
} lty_ops_return_t;

typedef struct lty_ops_return_result_s {
    uint64_t entry_id;
    uint64_t sale_id;
    uint64_t member_id;
    int64_t refund_cents;                      /* goods value returned */
    int64_t refund_prepaid_cents;
    int64_t refund_cash_cents;
    int64_t refund_bank_card_cents;
    int64_t refund_outside_cents;              /* the sale had no tenders: paid outside */
    int64_t points_refunded;                   /* redeemed points put back into their lots */
    int64_t points_taken_back;                 /* earned points taken back */
    int64_t points_not_recovered;              /* held back by the negative floor */
    uint8_t sale_status;
    int64_t points_balance;
    int64_t prepaid_cents;
    uint32_t qty_returned;                     /* units that came back with this return */
    size_t coupons_restored;                   /* coupons usable again (whole sale) */
    char receipt_no[LTY_RECEIPT_NO_BYTES_MAX + 1];
    char store[LTY_STORE_ID_BYTES_MAX + 1];    /* the sale's store */
    size_t lines_count;                        /* the sale's lines after the return */
    lty_sale_line_t lines[LTY_BASKET_LINES_MAX];
} lty_ops_return_result_t;

/** Return goods of a sale (any store of the chain). The result is large (~60 KiB: lines):
 *  allocate it. @return 0, LTY_E_INVALID_FIELD, LTY_E_SALE_NOT_FOUND, LTY_E_ALREADY_RETURNED,
 *  LTY_E_RETURN_EXCEEDS_SALE, LTY_E_ALREADY_VOIDED, LTY_E_ACCOUNT_CLOSED,
 *  LTY_E_PREPAID_BALANCE_LIMIT, LTY_E_POINTS_FLOOR (the earned points taken back would push
 *  the balance below programme->points_negative_floor). */
int lty_ops_return(lty_store_txn_t *txn, const lty_actor_t *actor,
                   const lty_programme_t *programme, int64_t now_ms,
                   const lty_ops_return_t *request, lty_ops_return_result_t *result_out,
                   lty_diag_t *diag);

/** Void a sale of the actor's till within programme->void_window_ms: the whole entry reversed.
 *  @return 0, LTY_E_SALE_NOT_FOUND, LTY_E_VOID_NOT_ALLOWED, LTY_E_VOID_WINDOW_CLOSED,
 *  LTY_E_ALREADY_VOIDED, LTY_E_ALREADY_RETURNED, LTY_E_POINTS_FLOOR (below the floor). */
int lty_ops_void(lty_store_txn_t *txn, const lty_actor_t *actor,
                 const lty_programme_t *programme, int64_t now_ms, uint64_t sale_id,
                 lty_ops_return_result_t *result_out, lty_diag_t *diag);

/* Account close (ops_close.c). */
typedef struct lty_ops_close_s {
    uint64_t member_id;
    char reason[LTY_REASON_BYTES_MAX + 1];     /* 1.. bytes */
    char payout[16];                           /* "cash" or "bank_transfer" */
    char store[LTY_STORE_ID_BYTES_MAX + 1];    /* where the payout happens ("" = head office) */
    bool erase_personal_data;
} lty_ops_close_t;

typedef struct lty_ops_close_result_s {
    uint64_t entry_id;                         /* the CLOSE entry (written even with no postings) */
    int64_t prepaid_paid_out_cents;
    int64_t points_forfeited;
    size_t cards_blocked;
    bool erased;
} lty_ops_close_result_t;

/** Close a member account. @return 0, LTY_E_INVALID_FIELD, LTY_E_MEMBER_NOT_FOUND,
 *  LTY_E_ACCOUNT_CLOSED, LTY_E_STORE_NOT_FOUND. */
int lty_ops_member_close(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_close_t *close, lty_ops_close_result_t *result_out,
                         lty_diag_t *diag);

/* Settlement (ops_report.c): per store, till and UTC day, from the journal and sale records. */
#define LTY_OPS_SETTLEMENT_ROWS_MAX 4096
typedef struct lty_ops_settlement_row_s {
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    char till[LTY_TILL_ID_BYTES_MAX + 1];
    int64_t day;                               /* days since the epoch, UTC */
    int64_t sales_count;
    int64_t returns_count;
    int64_t voids_count;
    int64_t points_earned;                     /* net of returns and voids: see docs/api.md */
    int64_t points_redeemed;
    int64_t prepaid_topped_up_cash;
    int64_t prepaid_topped_up_bank_card;
    int64_t prepaid_spent;
    int64_t prepaid_refunded;
    int64_t prepaid_paid_out;
    int64_t points_forfeited;
    int64_t sales_cash_cents;                  /* tenders of sales (sale records) */
    int64_t sales_bank_card_cents;
    int64_t sales_prepaid_cents;
    int64_t refunded_cash_cents;               /* cash and bank card paid back by returns and */
    int64_t refunded_bank_card_cents;          /* voids (return records) */
    int64_t points_adjusted;                   /* operator adjustments and bonuses, net */
} lty_ops_settlement_row_t;

typedef struct lty_ops_settlement_s {
    size_t rows_count;
    bool truncated;
    lty_ops_settlement_row_t rows[LTY_OPS_SETTLEMENT_ROWS_MAX];
} lty_ops_settlement_t;

/** Settlement of entries with from_ms <= created_ms < to_ms, for store ("" = all). */
int lty_ops_settlement(lty_store_txn_t *txn, const char *store, int64_t from_ms, int64_t to_ms,
                       lty_ops_settlement_t *report_out);

/* ---- Setup (loyaltyctl init: single-threaded, one write transaction) --------------------- */

/** Write META schema_version (= LTY_SCHEMA_VERSION) and the programme. LTY_E_EXISTS if the
 *  store already holds a schema version. */
int lty_ops_setup_init(lty_store_txn_t *txn, const lty_programme_t *programme);

/** Add a store. LTY_E_INVALID_FIELD, LTY_E_EXISTS. */
int lty_ops_store_add(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      const char *store_id, const char *name);
/** Add a till to an existing store. LTY_E_INVALID_FIELD, LTY_E_STORE_NOT_FOUND, LTY_E_EXISTS. */
int lty_ops_till_add(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                     const char *store_id, const char *till_id);
/** Add an operator. LTY_E_INVALID_FIELD, LTY_E_EXISTS. */
int lty_ops_operator_add(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const char *name);

#define LTY_OPS_DEMO_MEMBERS 6
#define LTY_OPS_DEMO_STORES 3

/** What the demo seed created, for `loyaltyctl init --demo` to print. */
typedef struct lty_ops_demo_s {
    size_t members_count;
    struct {
        uint64_t member_id;
        char name[LTY_NAME_BYTES_MAX + 1];
        char phone[LTY_PHONE_BYTES_MAX + 1];
        char card_no[LTY_CARD_NO_SIZE];
        int64_t points;
        char pin[LTY_PIN_DIGITS_MAX + 1];        /* set by lty_ops_demo_pins; "" = none */
    } members[LTY_OPS_DEMO_MEMBERS];
} lty_ops_demo_t;

/**
 * Demo seed, after lty_ops_setup_init(): stores S001..S003 with till T01 each, six members with
 * one card each, two of them with a starting bonus, two earning rules (double points on
 * category "detergent"; no points on "tobacco" and "infant_formula") and two staff members (E001
 * at S001, E002 at S002). Operators are not added (the CLI adds the one it issues a certificate
 * for, with lty_ops_operator_add()).
 */
int lty_ops_demo_seed(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                      lty_ops_demo_t *demo_out);

/** Demo PINs (after lty_ops_demo_seed): members 2..6 get a known PIN for the portal tour,
 *  member 1 none (its card gets one on the till's PIN pad). Slow: one argon2id run each. */
int lty_ops_demo_pins(lty_store_txn_t *txn, const uint8_t pepper[32], int64_t now_ms,
                      lty_ops_demo_t *demo);

/* ---- Shared by ops_*.c (not for the API) ------------------------------------------------ */

/** The next id of an appended database keyed by u64: its last key + 1 (ids start at 1). */
int lty__ops_id_next(lty_store_txn_t *txn, lty_db_t db, uint64_t *id_out);
/** Append an audit record for actor (ops_audit.c). */
int lty__ops_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                   const char *action, const char *target, const char *detail);
/** Append entry (entry_id assigned here, from the journal's last key + 1), index it under its
 *  member, and apply every posting to its account. Asserts the entry is balanced. */
int lty__ops_journal_post(lty_store_txn_t *txn, lty_journal_entry_t *entry, int64_t now_ms);
/** Load an account; a missing one reads as a zero balance. */
int lty__ops_account_get(lty_store_txn_t *txn, lty_account_kind_t kind, uint64_t owner,
                         lty_account_t *account_out);
/** Load a member: LTY_E_MEMBER_NOT_FOUND, LTY_E_CORRUPT. */
int lty__ops_member_load(lty_store_txn_t *txn, uint64_t member_id, lty_member_t *member_out);
/** Credit points to a member's lots (a new lot for the part above zero, lty_ledger_lot_credit). */
int lty__ops_lots_credit(lty_store_txn_t *txn, uint64_t member_id, int64_t balance_before,
                         int64_t points, int64_t expires_ms, uint64_t entry_id);
/** Consume points from a member's lots soonest-expiring first. LTY_E_INSUFFICIENT_POINTS. */
int lty__ops_lots_debit(lty_store_txn_t *txn, uint64_t member_id, int64_t points);
/** The principal string of actor ("system" for LTY_ROLE_NONE). */
const char *lty__ops_principal(const lty_actor_t *actor);
/** The member an audit target names ("member:<id>"), or 0. */
uint64_t lty__ops_audit_target_member(const char *target);

/* ---- Member profiles and search (ops_member_profile.c), audit (ops_audit.c) -------------- */

#define LTY_CONSENT_SMS 1u
#define LTY_CONSENT_EMAIL 2u
#define LTY_CONSENT_PUSH 4u
#define LTY_CONSENT_ALL 7u

/* Which fields of a profile update are given. */
#define LTY_MEMBER_FIELD_NAME 1u
#define LTY_MEMBER_FIELD_PHONE 2u
#define LTY_MEMBER_FIELD_EMAIL 4u
#define LTY_MEMBER_FIELD_BIRTHDAY 8u
#define LTY_MEMBER_FIELD_GENDER 16u
#define LTY_MEMBER_FIELD_STORE 32u
#define LTY_MEMBER_FIELD_CONSENT 64u

typedef struct lty_ops_member_patch_s {
    uint64_t member_id;
    uint32_t fields;             /* LTY_MEMBER_FIELD_* bits: only these change */
    uint32_t consent_mask;       /* with FIELD_CONSENT: the consent bits given */
    lty_ops_member_new_t values; /* new values of the given fields ("" clears optional text) */
} lty_ops_member_patch_t;

/** Validate the profile fields (which: LTY_MEMBER_FIELD_* bits) of profile; the store is read
 *  for preferred_store. 0 or LTY_E_INVALID_FIELD with the diag naming the field. */
int lty_ops_member_profile_check(lty_store_txn_t *txn, const lty_ops_member_new_t *profile,
                                 uint32_t which, int64_t now_ms, lty_diag_t *diag);

/**
 * Change a member's profile. Every changed field gets an audit record (who, when, old and new
 * value); the phone and name indexes follow. Nothing changes when no value differs.
 * @return 0, LTY_E_MEMBER_NOT_FOUND, LTY_E_ACCOUNT_CLOSED, LTY_E_INVALID_FIELD,
 *         LTY_E_PHONE_TAKEN. *changed_count_out: fields that changed.
 */
int lty_ops_member_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const lty_ops_member_patch_t *patch, size_t *changed_count_out,
                          lty_diag_t *diag);

typedef enum lty_ops_member_search_by {
    LTY_OPS_SEARCH_PHONE = 1,
    LTY_OPS_SEARCH_CARD = 2,
    LTY_OPS_SEARCH_NAME = 3, /* prefix, ASCII case-insensitive; sorted by name, then id */
} lty_ops_member_search_by_t;

typedef struct lty_ops_member_page_s {
    size_t members_count;
    lty_member_t members[LTY_MEMBER_PAGE_MAX];
    uint64_t next_after;         /* member id to pass as after; 0 = no more */
} lty_ops_member_page_t;

/** Search members. after: 0, or the last member id of the previous page (name search).
 *  @return 0 (an empty page when nothing matches), LTY_E_INVALID_FIELD. */
int lty_ops_member_search(lty_store_txn_t *txn, lty_ops_member_search_by_t by, const char *text,
                          uint64_t after, size_t limit, lty_ops_member_page_t *page_out);

typedef struct lty_ops_audit_page_s {
    size_t audits_count;
    lty_audit_t audits[LTY_AUDIT_PAGE_MAX];
    uint64_t next_after;         /* audit id to pass as after; 0 = no more */
} lty_ops_audit_page_t;

/** The whole audit trail in chain order: records with audit_id > after, oldest first, at most
 *  limit (1..LTY_AUDIT_PAGE_MAX); next_after is the last id when more follow.
 *  @return 0, LTY_E_INVALID_FIELD (limit), LTY_E_CORRUPT. */
int lty_ops_audit_log_page(lty_store_txn_t *txn, uint64_t after, size_t limit,
                           lty_ops_audit_page_t *page_out);
/** Append one audit record without old and new values: security events (principal "system",
 *  the client address in actor->remote_addr) and other records the API writes directly. */
int lty_ops_audit_event(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const char *action, const char *target, const char *detail);
/** Migration to schema 7: rewrite every audit record, in id order, as a version-2 record in
 *  the hash chain (idempotent: the same records give the same chain). */
int lty_ops_audit_chain_build(lty_store_txn_t *txn, uint64_t *records_out);

/** A member's audit records, newest first (after: 0 or an audit id: only older ones).
 *  @return 0, LTY_E_MEMBER_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_member_audit_page(lty_store_txn_t *txn, uint64_t member_id, uint64_t after,
                              size_t limit, lty_ops_audit_page_t *page_out);

/** Position cursor (on a member_id | u64 index) on the member's newest key whose second part
 *  is < before (UINT64_MAX: the newest of all). LTY_E_NOT_FOUND when the member has none. */
int lty__ops_index_seek_before(lty_store_cursor_t *cursor, uint64_t member_id, uint64_t before,
                               lty_bytes_t *key_out, lty_bytes_t *value_out);
/** Overwrite a member's record (valid, asserted). */
int lty__ops_member_store(lty_store_txn_t *txn, const lty_member_t *member);
/** Migration (any older schema): build members-by-name and audit-by-member from MEMBERS and
 *  AUDIT. Idempotent (puts), so it may run on a store that already has them. */
int lty_ops_member_indexes_backfill(lty_store_txn_t *txn);
/** Add (present) or remove a member's name index entry. */
int lty__ops_member_name_index(lty_store_txn_t *txn, const lty_member_t *member, bool present);
/** Append an audit record with old and new values (lty__ops_audit has none). A target
 *  "member:<id>" is also indexed in AUDIT_BY_MEMBER. */
int lty__ops_audit_change(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const char *action, const char *target, const char *detail,
                          const char *old_value, const char *new_value);

/* ---- Card life (ops_card_life.c) ------------------------------------------------------- */

typedef struct lty_ops_card_batch_s {
    size_t cards_count;
    char cards[LTY_CARD_BATCH_MAX][LTY_CARD_NO_SIZE];
} lty_ops_card_batch_t;

/** Mint count (1..LTY_CARD_BATCH_MAX) unassigned cards from the card sequence (never reused).
 *  @return 0, LTY_E_INVALID_FIELD. */
int lty_ops_card_batch(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, size_t count,
                       lty_ops_card_batch_t *batch_out);

typedef struct lty_ops_card_activate_s {
    char card_no[LTY_CARD_NO_SIZE];
    char phone[LTY_PHONE_BYTES_MAX + 1];
    char name[LTY_NAME_BYTES_MAX + 1];  /* needed when no member has the phone */
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1]; /* "" or the staff member paid for it */
} lty_ops_card_activate_t;

/**
 * Activate an unassigned card on its first scan: link it to the member with that phone, or
 * enrol one. Valid for programme->card_valid_days from now.
 * @return 0, LTY_E_INVALID_CARD_NO, LTY_E_CARD_NOT_FOUND, LTY_E_CARD_ALREADY_ACTIVE (any status
 *         but unassigned), LTY_E_INVALID_FIELD, LTY_E_ACCOUNT_CLOSED. *created_out: enrolled.
 */
int lty_ops_card_activate(lty_store_txn_t *txn, const lty_actor_t *actor,
                          const lty_programme_t *programme, int64_t now_ms,
                          const lty_ops_card_activate_t *activate, lty_card_t *card_out,
                          bool *created_out, lty_diag_t *diag);

/** Report a card lost (active or expired by date): refused at every till at once. Reporting a
 *  lost card again changes nothing. @return 0, LTY_E_CARD_NOT_FOUND, LTY_E_CARD_REPLACED,
 *  LTY_E_CARD_CLOSED, LTY_E_CARD_NOT_ACTIVATED. */
int lty_ops_card_lost(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      const char *card_no, const char *reason, lty_card_t *card_out);

/** Replace a card (active, lost or expired) with a new number for the same member; the old
 *  number is blocked for ever. @return 0 and *new_out, or the lty_ops_card_lost refusals and
 *  LTY_E_INVALID_FIELD (the member holds LTY_CARDS_PER_MEMBER_MAX cards). */
int lty_ops_card_replace(lty_store_txn_t *txn, const lty_actor_t *actor,
                         const lty_programme_t *programme, int64_t now_ms, const char *card_no,
                         lty_card_t *old_out, lty_card_t *new_out);

/** Extend a card's validity by days (1..LTY_PROGRAMME_DAYS_MAX) from the later of now and its
 *  current expiry; an expired card becomes active again. Refusals as for lost, plus
 *  LTY_E_CARD_LOST. */
int lty_ops_card_extend(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const char *card_no, int64_t days, lty_card_t *card_out);

/** Activity at a till with card: with programme->card_extend_on_activity the validity moves to
 *  now + card_valid_days when that is later. Called by a sale, after its card checks. */
int lty__ops_card_activity(lty_store_txn_t *txn, const lty_programme_t *programme,
                           int64_t now_ms, const lty_card_t *card);

/** Shared card plumbing of ops_card.c: load by number (LTY_E_CARD_NOT_FOUND), take the next
 *  card sequence number, count a member's cards (every status). */
int lty__ops_card_load(lty_store_txn_t *txn, const char *card_no, lty_card_t *card_out);
/** The next card sequence number whose minted number (through the programme's keyed
 *  permutation, META card_key) is not stored yet, minted into card_no_out (imported cards and
 *  numbers minted before the key may hold numbers of the programme's range). 0,
 *  LTY_E_INVALID_FIELD (the range is spent), LTY_E_CORRUPT (no key). */
int lty__ops_card_no_next(lty_store_txn_t *txn, const lty_programme_t *programme,
                          char card_no_out[LTY_CARD_NO_SIZE]);
/** Overwrite a card record (and, with index, its cards-by-member entry) (ops_card_life.c). */
int lty__ops_card_put(lty_store_txn_t *txn, const lty_card_t *card, bool index);
/** Insert a new card and its cards-by-member entry (LTY_E_CORRUPT if the number is stored). */
int lty__ops_card_store(lty_store_txn_t *txn, const lty_card_t *card);
int lty__ops_card_sequence_take(lty_store_txn_t *txn, uint64_t *sequence_out);
/** Store a fresh random card-minting secret in META card_key unless one is there (init and the
 *  schema-7 migration). 0, LTY_E_TLS (no randomness), LTY_E_CORRUPT (a malformed one). */
int lty_ops_card_key_create(lty_store_txn_t *txn);
int lty__ops_member_cards_count(lty_store_txn_t *txn, uint64_t member_id, size_t *count_out);

/* ---- Tiers (ops_tier.c) ---------------------------------------------------------------- */

typedef struct lty_ops_tier_status_s {
    uint32_t tier;               /* the member's tier */
    int64_t qualifying;          /* rolling 12-month value (programme->tier_basis) */
    bool has_next;
    uint32_t next_tier;
    int64_t next_needed;         /* qualifying value still missing for next_tier */
} lty_ops_tier_status_t;

/** The member's tier and how far the next one is. */
int lty_ops_tier_status(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                        uint64_t member_id, lty_ops_tier_status_t *status_out);

/** A sale's effect on tiers: add spend and points to the month's bucket, upgrade at once when
 *  the rolling value reaches a higher tier (history and audit). *tier_out: the tier after. */
int lty__ops_tier_sale(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, uint64_t member_id,
                       int64_t spend_cents, int64_t points, uint32_t *tier_out,
                       bool *upgraded_out);

/** A return or void: take the returned eligible spend and the points taken back out
 *  of the bucket of the sale's month (floored at zero). No tier changes here: a member only
 *  moves down at the review (docs/tiers.md). */
int lty__ops_tier_give_back(lty_store_txn_t *txn, uint64_t member_id, int64_t sale_created_ms,
                            int64_t spend_cents, int64_t points);

struct lty_ledger_sale_plan_s; /* ledger.h */
/** Apply the earning multiplier of the member's tier (before the sale) to plan. */
int lty__ops_tier_plan(lty_store_txn_t *txn, const lty_programme_t *programme,
                       uint64_t member_id, struct lty_ledger_sale_plan_s *plan);

typedef struct lty_ops_tier_review_s {
    uint64_t members_reviewed;   /* members above the base tier */
    uint64_t members_downgraded;
} lty_ops_tier_review_t;

/** Review every member above the base tier; downgrade by lty_ledger_tier_review(). */
int lty_ops_tier_review(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        lty_ops_tier_review_t *review_out);

typedef struct lty_ops_tier_history_s {
    size_t changes_count;
    lty_tier_change_t changes[LTY_TIER_HISTORY_MAX]; /* newest first */
} lty_ops_tier_history_t;

int lty_ops_tier_history(lty_store_txn_t *txn, uint64_t member_id,
                         lty_ops_tier_history_t *history_out);

/* ---- Member portal: sessions and the login throttle (ops_session.c) ---------------------- */

/** A session by the SHA-256 of its token: 0, LTY_E_NOT_FOUND, LTY_E_CORRUPT. Expiry is the
 *  caller's to judge (last_seen_ms, expires_ms). */
int lty_ops_session_get(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                        lty_session_t *session_out);
/** Store a new session with its member and expiry index entries. */
int lty_ops_session_open(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                         const lty_session_t *session);
/** Move a session's last_seen_ms to now_ms (a session ended meanwhile is left alone). */
int lty_ops_session_touch(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES],
                          int64_t now_ms);
/** End one session (logout): 0 or LTY_E_NOT_FOUND. */
int lty_ops_session_close(lty_store_txn_t *txn, const uint8_t hash[LTY_SESSION_HASH_BYTES]);
/** End a member's sessions: all of them (card_no NULL), or those opened with card_no (a card
 *  reported lost); keep_hash (may be NULL) names one to keep (a PIN change keeps its own). */
int lty_ops_sessions_end(lty_store_txn_t *txn, uint64_t member_id, const char *card_no,
                         const uint8_t *keep_hash);
/** The throttle record under key (lty_key_throttle_*), zeroed when absent or forgotten (its last
 *  failure and lock are more than lock_ms old). */
int lty_ops_login_throttle_get(lty_store_txn_t *txn, lty_bytes_t key, int64_t now_ms,
                               int64_t lock_ms, lty_login_throttle_t *throttle_out);
/** Count a wrong login under key; the failures_max-th in a row locks for lock_ms. */
int lty_ops_login_failure(lty_store_txn_t *txn, lty_bytes_t key, int64_t now_ms,
                          uint32_t failures_max, int64_t lock_ms,
                          lty_login_throttle_t *throttle_out);
/** A right PIN clears the member's count. */
int lty_ops_login_success(lty_store_txn_t *txn, uint64_t member_id, int64_t lock_ms);
/** Delete up to limit due sessions and throttle records (PORTAL_EXPIRY). */
int lty_ops_portal_sweep(lty_store_txn_t *txn, int64_t now_ms, size_t limit, size_t *swept_out);

/* ---- Member portal: what a member reads (ops_member_status.c) ---------------------------- */

/** Points that expire on one day (lty_ops_points_expiring). */
typedef struct lty_ops_points_expiring_s {
    int64_t day;                 /* the last day they may be spent: days since 1970-01-01 in the
                                  * programme's time zone (calendar.h) */
    int64_t expires_ms;          /* the first lot's exact expiry of that day */
    int64_t points;              /* points left in that day's lots */
} lty_ops_points_expiring_t;

/** A member's status for the portal's dashboard. */
typedef struct lty_ops_member_status_s {
    uint64_t member_id;
    lty_member_t member;
    int64_t points;
    int64_t prepaid_cents;
    lty_ops_tier_status_t tier;
    size_t expiring_count;
    lty_ops_points_expiring_t expiring[LTY_POINTS_EXPIRING_SHOWN];
    int64_t points_earned;       /* by sales, less what returns took back */
    int64_t points_redeemed;     /* at tills, less what returns gave back */
    int64_t points_expired;      /* expiry entries (and a close's forfeit) */
    int64_t points_bonus;        /* bonus entries */
    int64_t points_adjusted;     /* operator adjustments, net */
    int64_t points_pending;      /* not yet spendable: none until pending points exist */
    uint64_t purchases_count;    /* sales not wholly returned or voided */
    int64_t purchases_cents;     /* their totals less the goods returned */
    uint64_t entries_count;
} lty_ops_member_status_t;

/** The member's status (balances, tier progress, next expiries, totals).
 *  @return 0, LTY_E_MEMBER_NOT_FOUND, LTY_E_CORRUPT, LTY_E_NOMEM. */
int lty_ops_member_status(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                          uint64_t member_id, lty_ops_member_status_t *status_out);

/** The sum of entry's postings to the member's account of kind (member kinds only). */
int64_t lty_ops_entry_member_delta(const lty_journal_entry_t *entry, uint64_t member_id,
                                   lty_account_kind_t kind);

typedef struct lty_ops_journal_filter_s {
    uint32_t kinds_mask;         /* bit (1 << lty_entry_kind_t); 0 = every kind */
    int64_t from_ms;             /* 0 or created_ms >= from_ms */
    int64_t to_ms;               /* 0 or created_ms < to_ms */
} lty_ops_journal_filter_t;

/**
 * A page of the member's journal, newest first, filtered. before: 0 for the newest, else only
 * entries with a smaller id. page_out->next_after: the `before` of the next page (0: no more);
 * a sparse filter may return a short or empty page with a next cursor (at most
 * LTY_JOURNAL_SCAN_MAX entries are scanned per page).
 */
int lty_ops_member_journal(lty_store_txn_t *txn, uint64_t member_id,
                           const lty_ops_journal_filter_t *filter, uint64_t before, size_t limit,
                           lty_ops_journal_page_t *page_out);

typedef struct lty_ops_balance_point_s {
    int64_t at_ms;               /* start of the bucket */
    int64_t balance;             /* points balance at the end of the bucket */
} lty_ops_balance_point_t;

typedef struct lty_ops_balance_history_query_s {
    int64_t from_ms;
    int64_t to_ms;               /* > from_ms */
} lty_ops_balance_history_query_t;

typedef struct lty_ops_balance_history_s {
    uint64_t member_id;
    int64_t bucket_ms;           /* whole days, enough to stay within the point limit */
    int64_t balance_start;       /* at from_ms */
    int64_t balance_end;         /* now */
    size_t points_count;         /* buckets in which the balance changed, oldest first */
    lty_ops_balance_point_t points[LTY_BALANCE_HISTORY_POINTS_MAX];
} lty_ops_balance_history_t;

/** The member's points balance over [from_ms, to_ms), ready for a chart. */
int lty_ops_balance_history(lty_store_txn_t *txn, uint64_t member_id,
                            const lty_ops_balance_history_query_t *query,
                            lty_ops_balance_history_t *history_out);
/* ---- Reports (ops_report.c) ------------------------------------------------------------- */

#define LTY_OPS_REPORT_STORES_MAX 1024
#define LTY_OPS_EXPIRING_WINDOWS 3 /* 30, 60, 90 days */
#define LTY_OPS_FLOAT_ACCOUNTS 5   /* prepaid-float, cash-in, bank-card-in, cash-out, migrated */
#define LTY_OPS_BREAKAGE_MONTHS_MAX 121

typedef struct lty_ops_report_tier_s {
    uint64_t members;        /* members of the tier holding a points or prepaid account */
    int64_t points;          /* their points balances */
    int64_t prepaid_cents;   /* their prepaid balances */
} lty_ops_report_tier_t;

typedef struct lty_ops_report_store_s {
    char store[LTY_STORE_ID_BYTES_MAX + 1]; /* where the points were earned; "" head office */
    int64_t points;                          /* remaining points of lots earned there */
} lty_ops_report_store_t;

/** Liability and prepaid float, from one walk over every member's ledger records. */
typedef struct lty_ops_balances_report_s {
    int64_t points_outstanding;        /* sum of member-points balances */
    int64_t prepaid_outstanding_cents; /* sum of member-prepaid balances */
    uint64_t members_with_points;
    uint64_t members_with_prepaid;
    lty_ops_report_tier_t tiers[LTY_TIERS_MAX];
    size_t stores_count;
    bool stores_truncated;
    lty_ops_report_store_t stores[LTY_OPS_REPORT_STORES_MAX];
    int64_t expiring_days[LTY_OPS_EXPIRING_WINDOWS];
    int64_t expiring_points[LTY_OPS_EXPIRING_WINDOWS]; /* remaining in lots expiring by then */
    struct {
        uint8_t kind;
        int64_t balance;
    } float_accounts[LTY_OPS_FLOAT_ACCOUNTS];
    int64_t breakage_to_date;          /* the points-expired account */
} lty_ops_balances_report_t;

/** Fill report_out (~30 KiB: allocate it). @return 0, LTY_E_CORRUPT. */
int lty_ops_report_balances(lty_store_txn_t *txn, const lty_programme_t *programme,
                            int64_t now_ms, lty_ops_balances_report_t *report_out);

typedef struct lty_ops_breakage_month_s {
    uint64_t month;           /* months since January 1970 (UTC) */
    int64_t points_earned;    /* net of returns */
    int64_t points_migrated;
    int64_t points_adjusted;  /* net */
    int64_t points_redeemed;  /* net of returns */
    int64_t points_expired;   /* expiry sweep */
    int64_t points_forfeited; /* account close */
} lty_ops_breakage_month_t;

typedef struct lty_ops_breakage_s {
    size_t months_count;
    bool truncated;
    lty_ops_breakage_month_t months[LTY_OPS_BREAKAGE_MONTHS_MAX];
} lty_ops_breakage_t;

/** Points movements per UTC month of the entries with from_ms <= created_ms < to_ms. */
int lty_ops_report_breakage(lty_store_txn_t *txn, int64_t from_ms, int64_t to_ms,
                            lty_ops_breakage_t *report_out);

/* ---- Member import (ops_import.c) ------------------------------------------------------- */

/** One member of a bulk import: a profile, an optional card and tier, opening balances. */
typedef struct lty_ops_member_import_s {
    lty_ops_member_new_t member;            /* name and phone required, email optional */
    char card_no[LTY_CARD_NO_SIZE];         /* "" = no card */
    char tier[LTY_TIER_NAME_BYTES_MAX + 1]; /* "" = the base tier; else a tier's name */
    int64_t points;                         /* opening points balance, >= 0 */
    int64_t prepaid_cents;                  /* opening prepaid balance, >= 0 */
} lty_ops_member_import_t;

typedef struct lty_ops_member_import_result_s {
    uint64_t member_id;
    uint64_t entry_id; /* the migration entry of the opening balances; 0 when both are 0 */
    uint32_t tier;
} lty_ops_member_import_result_t;

/**
 * Enrol a member brought from another system: the profile (as lty_ops_member_create), the
 * card number it already carries (active, valid programme->card_valid_days; an unassigned
 * printed card of this programme is taken over), its tier (held as if qualified this month:
 * docs/tiers.md), and its opening balances as one journal entry of kind migration (member
 * accounts credited, points-migrated and prepaid-migrated debited; the points form a lot
 * expiring after programme->points_lot_days). Audited as member.import.
 * @return 0, LTY_E_INVALID_FIELD (a negative balance, an unknown tier; the diag names the
 *         field), LTY_E_INVALID_CARD_NO, LTY_E_CARD_TAKEN, LTY_E_PHONE_TAKEN,
 *         LTY_E_PREPAID_BALANCE_LIMIT, LTY_E_POINTS_LIMIT.
 */
int lty_ops_member_import(lty_store_txn_t *txn, const lty_actor_t *actor,
                          const lty_programme_t *programme, int64_t now_ms,
                          const lty_ops_member_import_t *import,
                          lty_ops_member_import_result_t *result_out, lty_diag_t *diag);

/** One member as export writes it: profile, first active card ("" if none), balances. */
typedef struct lty_ops_export_member_s {
    lty_member_t member;
    char card_no[LTY_CARD_NO_SIZE];
    int64_t points;
    int64_t prepaid_cents;
} lty_ops_export_member_t;

#define LTY_OPS_EXPORT_PAGE_MAX 1000

typedef struct lty_ops_export_page_s {
    size_t members_count;
    lty_ops_export_member_t members[LTY_OPS_EXPORT_PAGE_MAX];
    uint64_t next_after; /* member id to pass as after; 0 = no more */
} lty_ops_export_page_t;

/** Active members with ids above after, in id order (closed members are left out).
 *  @return 0, LTY_E_CORRUPT. */
int lty_ops_export_page(lty_store_txn_t *txn, uint64_t after, size_t limit,
                        lty_ops_export_page_t *page_out);

/** Hold tier (>= 1) for an imported member: history, audit, this month's qualifying value. */
int lty__ops_tier_import(lty_store_txn_t *txn, const lty_actor_t *actor,
                         const lty_programme_t *programme, int64_t now_ms, uint64_t member_id,
                         uint32_t tier);

/* ---- Stores and staff (ops_store.c) ----------------------------------------------------- */

#define LTY_STORE_FIELD_NAME 1u
#define LTY_STORE_FIELD_REGION 2u
#define LTY_STORE_FIELD_STATUS 4u

typedef struct lty_ops_store_new_s {
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];    /* printable ASCII, no space or '/' */
    char name[LTY_STORE_NAME_BYTES_MAX + 1];      /* 1..LTY_STORE_NAME_BYTES_MAX bytes */
    char region[LTY_STORE_REGION_BYTES_MAX + 1];  /* "" or a region name */
} lty_ops_store_new_t;

typedef struct lty_ops_store_patch_s {
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];
    uint32_t fields;                              /* LTY_STORE_FIELD_* given */
    char name[LTY_STORE_NAME_BYTES_MAX + 1];
    char region[LTY_STORE_REGION_BYTES_MAX + 1];
    bool open;                                    /* STATUS: open (true) or closed */
} lty_ops_store_patch_t;

typedef struct lty_ops_store_page_s {
    size_t stores_count;
    lty_store_record_t stores[LTY_STORES_PAGE_MAX];
    char next_after[LTY_STORE_ID_BYTES_MAX + 1]; /* "" = no more */
} lty_ops_store_page_t;

/** Add a store (audited store.add). @return 0, LTY_E_INVALID_FIELD, LTY_E_EXISTS. */
int lty_ops_store_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_store_new_t *store_new, lty_store_record_t *store_out,
                         lty_diag_t *diag);
/** Rename, move to a region, close or reopen a store; each change audited with old and new.
 *  @return 0, LTY_E_INVALID_FIELD, LTY_E_STORE_NOT_FOUND. */
int lty_ops_store_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_store_patch_t *patch, lty_store_record_t *store_out,
                         lty_diag_t *diag);
/** Stores by id after `after` ("" from the first). @return 0, LTY_E_INVALID_FIELD (limit). */
int lty_ops_store_list(lty_store_txn_t *txn, const char *after, size_t limit,
                       lty_ops_store_page_t *page_out);
/** Load a store: 0, LTY_E_STORE_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_store_get(lty_store_txn_t *txn, const char *store_id, lty_store_record_t *store_out);
/** Whether a till of store_id may act: 0, LTY_E_STORE_NOT_FOUND, LTY_E_STORE_CLOSED. */
int lty_ops_store_usable(lty_store_txn_t *txn, const char *store_id);

#define LTY_STAFF_FIELD_NAME 1u
#define LTY_STAFF_FIELD_STORE 2u
#define LTY_STAFF_FIELD_STATUS 4u

typedef struct lty_ops_staff_new_s {
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1];    /* printable ASCII, no space */
    char name[LTY_NAME_BYTES_MAX + 1];
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];    /* an existing store */
} lty_ops_staff_new_t;

typedef struct lty_ops_staff_patch_s {
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1];
    uint32_t fields;                              /* LTY_STAFF_FIELD_* given */
    char name[LTY_NAME_BYTES_MAX + 1];
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];
    bool active;
} lty_ops_staff_patch_t;

typedef struct lty_ops_staff_page_s {
    size_t staff_count;
    lty_staff_t staff[LTY_STAFF_PAGE_MAX];
    char next_after[LTY_STAFF_ID_BYTES_MAX + 1];  /* "" = no more */
} lty_ops_staff_page_t;

/** Add a staff member (staff_no from META staff_sequence; audited staff.add).
 *  @return 0, LTY_E_INVALID_FIELD, LTY_E_STORE_NOT_FOUND, LTY_E_EXISTS. */
int lty_ops_staff_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_staff_new_t *staff_new, lty_staff_t *staff_out,
                         lty_diag_t *diag);
/** Rename, move or (de)activate a staff member (audited).
 *  @return 0, LTY_E_INVALID_FIELD, LTY_E_NOT_FOUND, LTY_E_STORE_NOT_FOUND. */
int lty_ops_staff_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_staff_patch_t *patch, lty_staff_t *staff_out,
                         lty_diag_t *diag);
/** Staff by id after `after`, of store ("" = every store). */
int lty_ops_staff_list(lty_store_txn_t *txn, const char *store, const char *after, size_t limit,
                       lty_ops_staff_page_t *page_out);
/** Load a staff member: 0, LTY_E_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_staff_get(lty_store_txn_t *txn, const char *staff_id, lty_staff_t *staff_out);
/** The staff member a sale, activation or top-up names: LTY_E_STAFF_NOT_FOUND (with the diag
 *  naming /staff_id) when unknown or deactivated. */
int lty__ops_staff_active(lty_store_txn_t *txn, const char *staff_id, lty_staff_t *staff_out,
                          lty_diag_t *diag);
/** Add a commission of cents (> 0) to entry: the staff member's commission-payable +cents,
 *  commission-expense -cents. */
void lty__ops_commission_postings(lty_journal_entry_t *entry, const lty_staff_t *staff,
                                  int64_t cents);

/* ---- Programme settings (ops_programme.c) ----------------------------------------------- */

/**
 * Replace the programme (PUT /v1/admin/programme). update->version must be the stored version
 * (LTY_E_VERSION_CONFLICT otherwise); currency and minor_unit never change once set
 * (LTY_E_INVALID_FIELD). Stores it with version + 1, writes a fresh settings stamp (so every
 * thread uses it from its next request), and audits each changed key with old and new value.
 * @param[out] stored_out  The programme as stored (the new version).
 */
int lty_ops_programme_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                             const lty_programme_t *update, lty_programme_t *stored_out,
                             lty_diag_t *diag);

/* ---- Earning rules (ops_rules.c) -------------------------------------------------------- */

#define LTY_RULE_FIELD_NAME 1u
#define LTY_RULE_FIELD_STATUS 2u
#define LTY_RULE_FIELD_VALID_TO 4u

typedef struct lty_ops_rule_patch_s {
    uint64_t rule_id;
    uint32_t fields;                            /* LTY_RULE_FIELD_* given */
    char name[LTY_RULE_NAME_BYTES_MAX + 1];
    uint8_t status;                             /* active, paused or ended */
    int64_t valid_to_day;                       /* local day, or LTY_RULE_DAY_OPEN_MAX */
} lty_ops_rule_patch_t;

#define LTY_OPS_RULES_PAGE_MAX 50
typedef struct lty_ops_rule_page_s {
    size_t rules_count;
    lty_rule_t rules[LTY_OPS_RULES_PAGE_MAX];
    uint64_t next_after;                        /* 0 = no more */
} lty_ops_rule_page_t;

/**
 * Add a rule (definition from lty_rule_parse; status active or paused). Its stores must exist
 * and its tiers be the programme's (LTY_E_INVALID_FIELD naming /match/stores/N or
 * /match/tiers/N); at most LTY_RULES_LIVE_MAX rules live at once. Audited rule.add; writes a
 * fresh settings stamp. @return 0 and *rule_out (with rule_id), or the refusal.
 */
int lty_ops_rule_create(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms, const lty_rule_t *rule,
                        lty_rule_t *rule_out, lty_diag_t *diag);
/** Rename, pause, resume, end, or move the end date of a rule (its matching and effect never
 *  change: add another rule). @return 0, LTY_E_RULE_NOT_FOUND, LTY_E_RULE_ENDED,
 *  LTY_E_INVALID_FIELD. */
int lty_ops_rule_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const lty_ops_rule_patch_t *patch, lty_rule_t *rule_out,
                        lty_diag_t *diag);
/** One rule: 0, LTY_E_RULE_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_rule_get(lty_store_txn_t *txn, uint64_t rule_id, lty_rule_t *rule_out);
/** Rules by id after `after` (ended ones only with include_ended). */
int lty_ops_rule_list(lty_store_txn_t *txn, uint64_t after, size_t limit, bool include_ended,
                      lty_ops_rule_page_t *page_out);

/* ---- Sales with rules, staff, and quotes (ops_sale.c) ----------------------------------- */

/** What a sale would do, without doing it. */
typedef struct lty_ops_quote_s {
    uint64_t member_id;
    int64_t points_balance;      /* the member's points now (expired lots not counted) */
    int64_t points_earned;       /* what the sale earns: rules, caps and maximum applied */
    int64_t points_redeemed;     /* the redeem_points asked for (checked) */
    int64_t points_redeemable;   /* at most this many points may pay for this basket */
    int64_t redeem_cents_per_point;
    uint32_t tier;
    lty_rules_outcome_t rules;
    int64_t commission_cents;
    lty_ops_coupons_t coupons;   /* each coupon's effect; a refused one is left out, with its
                                    error (the sale would be refused for it) */
    int64_t total_cents;         /* the basket after the coupons */
} lty_ops_quote_t;

/**
 * A sale under settings (programme and earning rules), with an optional staff member: as
 * lty_ops_sale(), plus the rules (applied in this transaction; cap usage recorded), the staff
 * member's commission in the same journal entry, and LTY_E_STAFF_NOT_FOUND,
 * LTY_E_STORE_CLOSED. lty_ops_sale() is this with the programme alone and no rules.
 */
int lty_ops_sale_ex(lty_store_txn_t *txn, const lty_actor_t *actor,
                    const lty_settings_t *settings, int64_t now_ms, const lty_ops_sale_t *sale,
                    lty_ops_sale_result_t *result_out, lty_diag_t *diag);
/**
 * What lty_ops_sale_ex would do, in any transaction, writing nothing: the same checks and the
 * same evaluation, so the sale that follows earns what was quoted (unless something changed in
 * between). receipt_no may be "" (then it is not checked). The PIN is not checked.
 */
int lty_ops_sale_quote(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_settings_t *settings, int64_t now_ms, const lty_ops_sale_t *sale,
                       lty_ops_quote_t *quote_out, lty_diag_t *diag);

/* ---- Points expiry (ops_expiry.c) ------------------------------------------------------ */

/** How lots are taken: only those not yet expired (redemption, adjustments), those first and
 *  then expired ones (returns taking earned points back), or all soonest first (close). */
typedef enum lty_ops_lots_take {
    LTY_OPS_LOTS_UNEXPIRED = 1,
    LTY_OPS_LOTS_UNEXPIRED_FIRST = 2,
    LTY_OPS_LOTS_ALL = 3,
} lty_ops_lots_take_t;

/** Take points from a member's lots as `how` says at now_ms; used_out (may be NULL with
 *  used_count_out) says which lots gave them. LTY_E_INSUFFICIENT_POINTS (nothing changed). */
int lty__ops_lots_take(lty_store_txn_t *txn, uint64_t member_id, int64_t points, int64_t now_ms,
                       lty_ops_lots_take_t how, lty_sale_lot_t *used_out,
                       uint32_t *used_count_out);
/** The member's points balance and what of it may be spent at now_ms: the balance less the
 *  points of lots past their expiry that the sweep has not taken yet (a negative balance is
 *  reported as it is). */
int lty_ops_points_available(lty_store_txn_t *txn, uint64_t member_id, int64_t now_ms,
                              int64_t *balance_out, int64_t *available_out);

/** The next days (at most LTY_POINTS_EXPIRING_SHOWN, soonest first) on which a member's points
 *  expire, the lots of one day summed: lots with points left, not yet past their expiry, that
 *  expire at all. *count_out: how many of out are filled. */
int lty_ops_points_expiring(lty_store_txn_t *txn, const lty_programme_t *programme,
                            uint64_t member_id, int64_t now_ms,
                            lty_ops_points_expiring_t out[LTY_POINTS_EXPIRING_SHOWN],
                            size_t *count_out);

typedef struct lty_ops_expiry_sweep_s {
    uint64_t lots_expired;       /* lots that had points left: one EXPIRE entry each */
    uint64_t lots_visited;       /* index entries due (emptied lots included) */
    int64_t points_expired;
    bool more;                   /* the limit stopped it: run again */
} lty_ops_expiry_sweep_t;

/**
 * Expire every lot whose date has come (expires_ms <= now_ms), up to lots_max index entries:
 * each lot with points left gets one EXPIRE entry (member-points -n, points-expired +n) and
 * ends at 0, and leaves LOTS_BY_EXPIRY, so no lot is ever expired twice however often this
 * runs (docs/programme.md "Points expiry").
 */
int lty_ops_expiry_sweep(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         size_t lots_max, lty_ops_expiry_sweep_t *sweep_out);
/** Index a new lot for the sweep (lots that never expire are not indexed). */
int lty__ops_lot_expiry_index(lty_store_txn_t *txn, const lty_lot_t *lot);
/** Migration to schema 8: index every stored lot (idempotent puts). */
int lty_ops_lot_expiry_backfill(lty_store_txn_t *txn, uint64_t *indexed_out);

/* ---- Bonuses (ops_bonus.c) -------------------------------------------------------------- */

typedef struct lty_ops_bonus_s {
    char bonus_key[LTY_BONUS_KEY_BYTES_MAX + 1];  /* once per member per key */
    int64_t points;                               /* 1..LTY_POINTS_PER_TXN_MAX */
    char reason[LTY_REASON_BYTES_MAX + 1];
    int64_t expires_ms;                           /* 0: the programme's lot expiry policy */
    size_t members_count;                         /* 1..LTY_BONUS_MEMBERS_MAX */
    uint64_t member_ids[LTY_BONUS_MEMBERS_MAX];
} lty_ops_bonus_t;

typedef enum lty_ops_bonus_outcome {
    LTY_OPS_BONUS_GRANTED = 1,
    LTY_OPS_BONUS_ALREADY_GRANTED = 2, /* this key was granted to the member before */
    LTY_OPS_BONUS_MEMBER_NOT_FOUND = 3,
    LTY_OPS_BONUS_ACCOUNT_CLOSED = 4,
} lty_ops_bonus_outcome_t;

typedef struct lty_ops_bonus_result_s {
    size_t members_count;
    struct {
        uint64_t member_id;
        uint8_t outcome;                          /* lty_ops_bonus_outcome_t */
        uint64_t entry_id;                        /* GRANTED / ALREADY_GRANTED: the entry */
    } members[LTY_BONUS_MEMBERS_MAX];
    size_t granted_count;
} lty_ops_bonus_result_t;

/**
 * Grant a bonus to each member once per bonus_key: a BONUS entry and a lot each (expiring at
 * bonus->expires_ms or by the programme's policy), a grant record under the member, an audit
 * record. A member who already has the key, an unknown one and a closed one are reported, not
 * refused, so a run repeated after a crash grants only what the first run did not.
 * @return 0, LTY_E_INVALID_FIELD.
 */
int lty_ops_bonus_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        const lty_ops_bonus_t *bonus, lty_ops_bonus_result_t *result_out,
                        lty_diag_t *diag);
/**
 * Members (active, after member id `after`) whose birthday is the local day of now_ms, in the
 * programme's time zone (29 February counts on 28 February in other years). Reads up to
 * members_visit_max members; *next_after_out is the id to continue from (0 = all read).
 */
int lty_ops_birthdays_find(lty_store_txn_t *txn, const lty_programme_t *programme,
                           int64_t now_ms, uint64_t after, size_t members_visit_max,
                           uint64_t *ids_out, size_t ids_max, size_t *ids_count_out,
                           uint64_t *next_after_out);
/** The birthday bonus of the programme for these members: key "birthday:YYYY" (local year), so
 *  it comes once a year. Nothing when birthday_bonus_points is 0. */
int lty_ops_birthday_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                           const lty_programme_t *programme, int64_t now_ms,
                           const uint64_t *member_ids, size_t members_count,
                           size_t *granted_out);

/* ---- Staff commission report (ops_commission.c) ----------------------------------------- */

typedef struct lty_ops_commission_row_s {
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1];
    char name[LTY_NAME_BYTES_MAX + 1];
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];   /* the staff member's home store */
    int64_t sales_count;                          /* sales that paid commission */
    int64_t sales_cents;                          /* their goods value */
    int64_t returns_count;                        /* returns and voids that clawed some back */
    int64_t cards_activated;
    int64_t topups_count;
    int64_t commission_cents;                     /* earned in the period */
    int64_t clawback_cents;                       /* taken back in the period (>= 0) */
    int64_t net_cents;                            /* commission - clawback */
    int64_t balance_cents;                        /* commission-payable balance now */
} lty_ops_commission_row_t;

typedef struct lty_ops_commission_report_s {
    size_t rows_count;
    bool truncated;
    lty_ops_commission_row_t rows[LTY_COMMISSION_ROWS_MAX];
} lty_ops_commission_report_t;

/** Commission of entries with from_ms <= created_ms < to_ms at store ("" = every store), one
 *  row per staff member, sorted by staff_id. Allocate the report (~250 KiB). */
int lty_ops_commission_report(lty_store_txn_t *txn, const char *store, int64_t from_ms,
                              int64_t to_ms, lty_ops_commission_report_t *report_out);
/* ---- Purchase days (ops_purchase.c): the analytics aggregate the writer keeps ---- */

/** A sale of total_cents by member_id at store: one purchase more on the record of its UTC day
 *  and store (records.h lty_purchase_day_t). */
int lty__ops_purchase_add(lty_store_txn_t *txn, uint64_t member_id, int64_t created_ms,
                          const char *store, int64_t total_cents);
/** A return or void of sale gave back goods_cents; whole: nothing of the sale is left (returned
 *  or voided), so its purchase no longer counts either. */
int lty__ops_purchase_give_back(lty_store_txn_t *txn, const lty_sale_t *sale,
                                int64_t goods_cents, bool whole);
/** Delete every purchase-day record (before a rebuild). */
int lty__ops_purchase_clear(lty_store_txn_t *txn);
/** Migration to schema 10: build every purchase-day record from the sale records (their status
 *  and returned quantities). Idempotent. *sales_out: sale records read. */
int lty_ops_purchase_backfill(lty_store_txn_t *txn, uint64_t *sales_out);

#endif
