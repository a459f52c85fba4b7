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
#include "programme.h"
#include "records.h"
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
} lty_ops_member_new_t;

/** True for '+' followed by 8..15 digits, the first not 0. */
bool lty_ops_phone_valid(const char *phone);

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

/** A sale as a till submits it. */
typedef struct lty_ops_sale_s {
    char card_no[LTY_CARD_NO_SIZE];
    char receipt_no[LTY_RECEIPT_NO_BYTES_MAX + 1]; /* 1..LTY_RECEIPT_NO_BYTES_MAX bytes */
    int64_t redeem_points;                         /* 0..LTY_POINTS_PER_TXN_MAX */
    size_t lines_count;                            /* 1..LTY_BASKET_LINES_MAX */
    lty_sale_line_t lines[LTY_BASKET_LINES_MAX];   /* qty_returned ignored */
} lty_ops_sale_t;

typedef struct lty_ops_sale_result_s {
    uint64_t sale_id;            /* = the journal entry id */
    uint64_t member_id;
    int64_t points_earned;
    int64_t points_redeemed;
    int64_t points_balance;
    int64_t prepaid_cents;
} lty_ops_sale_result_t;

/**
 * Record a sale at the actor's store and till: redeem, earn, one journal entry, a lot for the
 * earned points, the sale record indexed by store and receipt_no.
 * @param[in] actor  A till (actor->store and actor->till set).
 * @return 0, LTY_E_INVALID_FIELD, LTY_E_INVALID_CARD_NO, LTY_E_CARD_NOT_FOUND, LTY_E_CARD_LOST,
 *         LTY_E_CARD_REPLACED, LTY_E_CARD_EXPIRED, LTY_E_CARD_CLOSED, LTY_E_CARD_NOT_ACTIVATED,
 *         LTY_E_ACCOUNT_CLOSED, LTY_E_STORE_NOT_FOUND, LTY_E_REDEEM_EXCEEDS_BASKET,
 *         LTY_E_INSUFFICIENT_POINTS, LTY_E_REDEMPTION_BLOCKED, LTY_E_POINTS_LIMIT,
 *         LTY_E_EXISTS (this store already recorded this receipt_no).
 */
int lty_ops_sale(lty_store_txn_t *txn, const lty_actor_t *actor,
                 const lty_programme_t *programme, int64_t now_ms, const lty_ops_sale_t *sale,
                 lty_ops_sale_result_t *result_out, lty_diag_t *diag);

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
    } members[LTY_OPS_DEMO_MEMBERS];
} lty_ops_demo_t;

/**
 * Demo seed, after lty_ops_setup_init(): stores S001..S003 with till T01 each, six members with
 * one card each, two of them with a starting bonus. Operators are not added (the CLI adds the
 * one it issues a certificate for, with lty_ops_operator_add()).
 */
int lty_ops_demo_seed(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                      lty_ops_demo_t *demo_out);

/* ---- Shared by ops_*.c (not for the API) ------------------------------------------------ */

/** Append an audit record for actor. */
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

#endif
