/* SPDX-License-Identifier: MIT */
/* Internal to the verifier (verify.c, verify_members.c, verify_returns.c, verify_audit.c): the walk state, the
 * table of account sums recomputed from the journal, and the helpers every check uses. */
#ifndef LTY_VERIFY_INTERNAL_H
#define LTY_VERIFY_INTERNAL_H

#include "records.h"
#include "store.h"
#include "verify.h"

#include <stdbool.h>
#include <stdint.h>

/* Sum of the journal's postings for one account. */
typedef struct sum_s {
    uint64_t owner;
    uint8_t kind;          /* 0 = empty slot */
    bool seen;             /* a stored account matched it */
    bool overflow;
    int64_t balance;
    uint64_t entries_count;
} sum_t;

typedef struct lty_verify_purchases_s lty_verify_purchases_t; /* verify_analytics.c */

typedef struct verify_s {
    lty_store_txn_t *txn;
    lty_verify_report_t *report;
    sum_t *sums;
    size_t sums_capacity;  /* power of two */
    size_t sums_count;
    int64_t asset_totals[3];
    lty_sale_t *sale;      /* scratch: too large for the stack */
    lty_db_t walking;      /* the database walk() is going through */
    uint8_t audit_prev[LTY_AUDIT_HASH_BYTES]; /* verify_audit.c: the stored hash before */
    bool audit_prev_known;                    /* false after a record that does not decode */
    uint64_t audit_last_id;
    struct lty__verify_coupons_s *coupons; /* verify_coupons.c's state */
    lty_verify_purchases_t *purchases; /* per member purchase sums, or NULL */
} verify_t;

typedef int (*walk_cb)(verify_t *verify, lty_bytes_t key, lty_bytes_t value);

/** Record one problem (a sentence); counted always, kept while the report has room. */
void lty__verify_problem(verify_t *verify, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/** Find or add the sum of (kind, owner); NULL only when memory ran out (or !add and absent). */
sum_t *lty__verify_sum_find(verify_t *verify, uint8_t kind, uint64_t owner, bool add);
/** Call cb for every record of db in key order; 0 or the first error. */
int lty__verify_walk(verify_t *verify, lty_db_t db, walk_cb cb);
/** 0 with *found_out set, or a store error; *value_out (may be NULL) when found. */
int lty__verify_exists(verify_t *verify, lty_db_t db, const lty_key_t *key, lty_bytes_t *value_out,
                       bool *found_out);
/** A member's spend month (walked from member-ledger by verify.c, checked in verify_members.c). */
int lty__verify_spend_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value);

/** Member indexes, audit per member, tier history, replaced cards (verify_members.c). */
int lty__verify_members(verify_t *verify);
/** Sale statuses, return and void records, closed members (verify_returns.c). */
int lty__verify_returns(verify_t *verify);
/** The audit trail's hash chain (verify_audit.c). */
int lty__verify_audit_chain(verify_t *verify);
/** The programme's checks: expiry, commission, rule caps, bonus grants (verify_programme.c). */
int lty__verify_programme(verify_t *verify);
/** A member-ledger record of the coupon parts (16..18), met in verify.c's walk. */
int lty__verify_coupon_part_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value);
/** Coupons, uses, campaigns' totals, vouchers, gift stock and redemptions (verify_coupons.c). */
int lty__verify_coupons(verify_t *verify);
/** Free what the coupon checks kept (idempotent). */
void lty__verify_coupons_free(verify_t *verify);

/* Purchase days (verify_analytics.c): a sale's share, a purchase-day record's, the
 * comparison of the two per member, and the table's release. */
int lty__verify_purchase_sale(verify_t *verify, const lty_sale_t *sale);
int lty__verify_purchase_day_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value);
void lty__verify_purchases(verify_t *verify);
void lty__verify_purchases_free(verify_t *verify);

#endif
