/* SPDX-License-Identifier: MIT */
/**
 * @file domain_fixture.h
 * Test support for store-level domain tests: a temporary store per test (domain_fixture_setup /
 * domain_fixture_teardown as cmocka setup and teardown) seeded with the demo programme, stores
 * S001 and S002 and till S001/T01; an operator actor ("operator:alice") and a till actor
 * ("till:S001/T01"); helpers that run one operation in its own write transaction the way the
 * writer does (commit on success, abort on refusal); a digest of the whole store to prove that a
 * refusal changed nothing; and the ledger verifier. Include after the project headers and before
 * <cmocka.h>.
 */
#ifndef LTY_TEST_DOMAIN_FIXTURE_H
#define LTY_TEST_DOMAIN_FIXTURE_H

#include "ops.h"
#include "store.h"

#include <stdint.h>

#define NOW INT64_C(1780000000000) /* 2026-05-28T20:26:40Z */
#define DAY INT64_C(86400000)

/** One cmocka test with a fresh store (needs <cmocka.h>, included after this header). */
#define DOMAIN_TEST(name)                                                                       \
    cmocka_unit_test_setup_teardown(name, domain_fixture_setup, domain_fixture_teardown)

extern char dir[64];
extern lty_store_t *store;
extern lty_programme_t programme;
extern lty_actor_t operator_actor;
extern lty_actor_t till_actor;
extern lty_ops_sale_t sale_request;
extern lty_ops_member_view_t member_view;

void remove_tree(const char *path);
int domain_fixture_setup(void **state);
int domain_fixture_teardown(void **state);
/** Replace the test's store with an empty one (no schema version, no programme, no stores). */
void store_empty_reopen(void);
lty_store_txn_t *write_begin(void);
lty_store_txn_t *read_begin(void);
int finish(lty_store_txn_t *txn, int err);
int member_create(const char *name, const char *phone, uint64_t *member_id_out);
void card_issue(uint64_t member_id, lty_card_t *card_out);
int adjust(uint64_t member_id, int64_t points, int64_t now_ms, lty_ops_adjust_result_t *result_out);
/** Fill sale_request: two lines (dairy, then no category) adding up to total_cents. */
void sale_request_fill(const char *card_no, const char *receipt_no, int64_t total_cents,
                       int64_t redeem_points);
/** Run sale_request at till_actor in its own transaction. */
int sale_submit(int64_t now_ms, lty_ops_sale_result_t *result_out);
int sale(const char *card_no, const char *receipt_no, int64_t total_cents, int64_t redeem_points,
         int64_t now_ms, lty_ops_sale_result_t *result_out);
/** count operator adjustments of +1 point in one transaction (fast: one commit), the i-th
 *  (from 0) at NOW + i * step_ms with the reason "a<i>": to fill pages and reports. */
void adjust_many(uint64_t member_id, int64_t count, int64_t step_ms);
/** A cash top-up at till_actor. */
int topup(const char *card_no, int64_t amount_cents, int64_t now_ms, lty_ops_balances_t *result_out);
/** Return qty units of sku (sku NULL: everything left) of sale_id at actor's till, in its own
 *  transaction (the analytics tests). */
int sale_give_back(const lty_actor_t *actor, uint64_t sale_id, const char *sku, uint32_t qty,
                   int64_t now_ms);
/** till_actor, at another store. */
lty_actor_t till_actor_at(const char *store_id);
/** Close a member account at head office, cash payout, no erasure. */
int member_close(uint64_t member_id, int64_t now_ms, lty_ops_close_result_t *result_out);
int64_t points_of(uint64_t member_id);
int64_t prepaid_of(uint64_t member_id);
uint64_t count_of(lty_db_t db);
/** The member's lots in member-ledger (schema 4), empty ones included. */
uint64_t lots_of(uint64_t member_id);
/** The ledger verifier (lty_verify_txn through lty_verify_store) finds no problem. */
void assert_sound(void);
void member_with_card(const char *phone, uint64_t *member_id, lty_card_t *card);
/** Two members: 王芳 (+8613800138001) with a card, then 李伟 (+8613800138002) without one. */
void member_pair(uint64_t *member_id, lty_card_t *card, uint64_t *other_id);
/** Overwrite a card's stored status: the raw way to a state that no operation of the test sets
 *  (LTY_CARD_REPLACED names a successor that does not exist: the verifier objects to it). */
void card_status_set(const lty_card_t *card, uint8_t status);
/** Credit points beyond what one adjustment may (a balanced ADJUST entry and its lot, through
 *  the journal plumbing), so balance limits can be reached in one step. */
void points_grant(uint64_t member_id, int64_t points);

/** The member's newest audit record (lty_ops_member_audit_page); valid until the next call. */
const lty_audit_t *last_audit_of(uint64_t member_id);
/** Raise the programme's top-up and balance maxima to the ledger's (LTY_PREPAID_CENTS_PER_TXN_MAX,
 *  LTY_PREPAID_BALANCE_CENTS_MAX), then top the card's member up to the ledger's maximum. */
void prepaid_to_ledger_max(const char *card_no);
/** Read a stored sale record (sale_out is large: ~100 KiB) and a journal entry. */
void sale_record_get(uint64_t sale_id, lty_sale_t *sale_out);
void entry_get(uint64_t entry_id, lty_journal_entry_t *entry_out);

/** A SHA-256 over every database's keys and values, in database and key order. */
typedef struct store_digest_s {
    uint8_t bytes[32];
} store_digest_t;

/** The digest of txn's view of the store (security events on the audit trail left out: a
 *  refusal writes one by design). */
store_digest_t store_digest_txn(lty_store_txn_t *txn);
/** The digest of the committed store (a read transaction). */
store_digest_t store_digest(void);
/** The committed store is byte for byte as at before, and the ledger verifies. */
void assert_unchanged(const store_digest_t *before);
/** The stored bytes of audit record audit_id (LTY_RECORD_AUDIT_BYTES_MAX at most). */
void audit_record_read(uint64_t audit_id, uint8_t *bytes_out, size_t *size_out);

#endif
