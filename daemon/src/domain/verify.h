/* SPDX-License-Identifier: MIT */
/**
 * @file verify.h
 * The ledger verifier behind `loyaltyctl verify` and the tests: in one read transaction it walks
 * the journal and every index and checks the ledger's invariants.
 *
 * Checks: every record decodes; each entry's postings sum to zero per asset; every account
 * balance and entries_count equals what the journal says; all accounts of one asset sum to
 * zero; a member's lots sum to their points balance (when it is >= 0; else to zero) and each
 * lot has 0 <= remaining <= initial; each member's journal index (MEMBER_LEDGER) and the
 * journal agree both ways; cards name existing members and CARDS_BY_MEMBER agrees; the phone
 * index agrees with members; sales name existing sale entries and SALES_BY_RECEIPT agrees;
 * schema 4: member records are only in MEMBER_LEDGER (the databases it replaced stay empty);
 * schema 7: the audit records form an unbroken hash chain (the first broken record is named);
 * schema 10: each member's purchase-day records add up to their sale records (purchases that
 * still count, net cents).
 *
 * Owns: the checks and the report. Allocates a working table (freed before return); it is a
 * tool, not a request path.
 *
 * Caveats:
 * - Works on a live store: it reads one snapshot, so a running daemon does not disturb it.
 */
#ifndef LTY_VERIFY_H
#define LTY_VERIFY_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define LTY_VERIFY_PROBLEMS_MAX 32
#define LTY_VERIFY_PROBLEM_BYTES 200

typedef struct lty_verify_report_s {
    uint64_t entries;
    uint64_t postings;
    uint64_t accounts;
    uint64_t members;
    uint64_t cards;
    uint64_t lots;
    uint64_t sales;
    uint64_t audit_records;
    uint64_t audit_first_broken; /* id of the first audit record where the chain breaks; 0 */
    uint64_t problems_total;   /* every problem found; only the first are kept below */
    size_t problems_count;     /* <= LTY_VERIFY_PROBLEMS_MAX */
    char problems[LTY_VERIFY_PROBLEMS_MAX][LTY_VERIFY_PROBLEM_BYTES]; /* human sentences */
} lty_verify_report_t;

/**
 * Verify inside txn (any transaction; a read snapshot is typical).
 * @return 0 when sound; LTY_E_CORRUPT when any problem was found (see report_out);
 *         LTY_E_NOMEM or a store error if the walk itself failed.
 */
int lty_verify_txn(lty_store_txn_t *txn, lty_verify_report_t *report_out);

/** Begin a read transaction on store, lty_verify_txn(), end it. */
int lty_verify_store(lty_store_t *store, lty_verify_report_t *report_out);

#endif
