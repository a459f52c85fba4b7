/* SPDX-License-Identifier: MIT */
/**
 * @file api_prepaid.h
 * Helpers of the issue-3 handlers shared with api_till.c (the sale route) and each other.
 */
#ifndef LTY_API_PREPAID_H
#define LTY_API_PREPAID_H

#include "api.h"
#include "ops.h"

/** "points_balance" and "prepaid_cents", in every money or points response. */
void lty__api_balances_render(lty_json_writer_t *writer, int64_t points_balance,
                              int64_t prepaid_cents);
/** Parse "tenders" and "pin" of a sale body into command, and check the PIN against its
 *  argon2id hash here, on the loop thread (command->pin_check, pin_version). */
int lty__api_sale_payment_parse(lty_api_t *api, const lty_json_node_t *root,
                                lty_ops_sale_t *command, lty_diag_t *diag);

#endif
