/* SPDX-License-Identifier: MIT */
/**
 * @file domain_fixture.h
 * Test support for store-level domain tests: a temporary store per test (domain_fixture_setup /
 * domain_fixture_teardown as cmocka setup and teardown), the demo programme, an operator actor
 * ("operator:alice") and a till actor ("till:S001/T01"), and helpers that run one operation in
 * its own write transaction. Include after the project headers and before <cmocka.h>.
 */
#ifndef LTY_TEST_DOMAIN_FIXTURE_H
#define LTY_TEST_DOMAIN_FIXTURE_H

#include "ops.h"
#include "store.h"

#include <stdint.h>

#define NOW INT64_C(1780000000000)
#define DAY INT64_C(86400000)

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
lty_store_txn_t *write_begin(void);
int finish(lty_store_txn_t *txn, int err);
int member_create(const char *name, const char *phone, uint64_t *member_id_out);
void card_issue(uint64_t member_id, lty_card_t *card_out);
int adjust(uint64_t member_id, int64_t points, int64_t now_ms, lty_ops_adjust_result_t *result_out);
int sale(const char *card_no, const char *receipt_no, int64_t total_cents, int64_t redeem_points,
         int64_t now_ms, lty_ops_sale_result_t *result_out);
int64_t points_of(uint64_t member_id);
uint64_t count_of(lty_db_t db);
/** The member's lots in member-ledger (schema 4), empty ones included. */
uint64_t lots_of(uint64_t member_id);
void assert_sound(void);
void member_with_card(const char *phone, uint64_t *member_id, lty_card_t *card);

#endif
