/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_client_response.c: any bytes as a response body the till library receives
 * (pos-plugin/src/codec.c: card look-up, sale receipt, top-up receipt, error document), with an
 * HTTP status chosen by the first input byte. A till must not crash or be misled by a broken
 * daemon, a middlebox or an attacker on the wire. Invariants:
 * - a refused document is LTY_E_BAD_RESPONSE (or LTY_E_NOMEM) and the caller's output is left
 *   as it was;
 * - an accepted one holds values within the documented limits (points, prepaid, ids, strings
 *   NUL-terminated within their fields), and the caller's replayed flag and key are kept;
 * - an error document always yields a listed code, a non-empty message, and never a client-only
 *   code that a daemon cannot send unless the status itself calls for one (2xx = bad response). */
#include "fuzz_support.h"
#include "loyaltypos.h"
#include "lty/lty_limits.h"
#include "pos_internal.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_statuses[] = {200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 413,
                                    422, 428, 429, 500, 502, 503, 504, 507, 599, 100, 0};
#define FUZZ_STATUSES_COUNT (sizeof(fuzz_statuses) / sizeof(fuzz_statuses[0]))

static void refusal_check(int err, const void *out, const void *before, size_t out_size)
{
    LTY_ASSERT(err == LTY_E_BAD_RESPONSE || err == LTY_E_NOMEM);
    fuzz_err_listed(err);
    LTY_ASSERT(memcmp(out, before, out_size) == 0);
}

static void card_check(const char *body, size_t size)
{
    lty_card_info_t card;
    memset(&card, 0x5A, sizeof(card));
    lty_card_info_t before = card;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty__pos_card_parse(body, size, &card, &diag);
    if (err != 0) {
        refusal_check(err, &card, &before, sizeof(card));
        return;
    }
    size_t card_no_size = strnlen(card.card_no, sizeof(card.card_no));
    LTY_ASSERT(card_no_size >= LTY_CARD_NO_DIGITS_MIN && card_no_size <= LTY_CARD_NO_DIGITS_MAX);
    LTY_ASSERT(memchr(card.card_status, '\0', sizeof(card.card_status)) != NULL);
    LTY_ASSERT(card.card_status[0] != '\0');
    LTY_ASSERT(memchr(card.name, '\0', sizeof(card.name)) != NULL);
    LTY_ASSERT(card.status == lty__pos_card_status_decode(card.card_status));
    LTY_ASSERT(card.member_id >= 1 && card.member_id <= LTY_JSON_INT_MAX);
    LTY_ASSERT(card.points >= -LTY_POINTS_BALANCE_MAX && card.points <= LTY_POINTS_BALANCE_MAX);
    LTY_ASSERT(card.prepaid_cents >= 0 && card.prepaid_cents <= LTY_PREPAID_BALANCE_CENTS_MAX);
}

static void receipt_check(const char *body, size_t size)
{
    lty_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    receipt.replayed = true;
    memcpy(receipt.idempotency_key, "key-kept", sizeof("key-kept"));
    receipt.points_balance = INT64_MIN;
    lty_receipt_t before = receipt;
    int err = lty__pos_receipt_parse(body, size, &receipt, NULL);
    if (err != 0) {
        refusal_check(err, &receipt, &before, sizeof(receipt));
        return;
    }
    LTY_ASSERT(receipt.replayed);
    LTY_ASSERT(strcmp(receipt.idempotency_key, "key-kept") == 0);
    LTY_ASSERT(receipt.sale_id >= 1 && receipt.sale_id <= LTY_JSON_INT_MAX);
    LTY_ASSERT(receipt.points_earned >= 0 && receipt.points_earned <= LTY_POINTS_PER_TXN_MAX);
    LTY_ASSERT(receipt.points_redeemed >= 0 && receipt.points_redeemed <= LTY_POINTS_PER_TXN_MAX);
    LTY_ASSERT(receipt.points_balance >= -LTY_POINTS_BALANCE_MAX);
    LTY_ASSERT(receipt.points_balance <= LTY_POINTS_BALANCE_MAX);
    if (!receipt.prepaid_present) LTY_ASSERT(receipt.prepaid_cents == 0);
    LTY_ASSERT(receipt.prepaid_cents >= 0);
    LTY_ASSERT(receipt.prepaid_cents <= LTY_PREPAID_BALANCE_CENTS_MAX);
}

static void topup_check(const char *body, size_t size)
{
    lty_topup_receipt_t receipt;
    memset(&receipt, 0x33, sizeof(receipt));
    lty_topup_receipt_t before = receipt;
    int err = lty__pos_topup_receipt_parse(body, size, &receipt, NULL);
    if (err != 0) {
        refusal_check(err, &receipt, &before, sizeof(receipt));
        return;
    }
    LTY_ASSERT(receipt.prepaid_cents >= 0);
    LTY_ASSERT(receipt.prepaid_cents <= LTY_PREPAID_BALANCE_CENTS_MAX);
    if (!receipt.points_present) LTY_ASSERT(receipt.points_balance == 0);
    LTY_ASSERT(receipt.points_balance >= -LTY_POINTS_BALANCE_MAX);
    LTY_ASSERT(receipt.points_balance <= LTY_POINTS_BALANCE_MAX);
}

static void error_check(const char *body, size_t size, int status)
{
    lty__pos_error_t error;
    lty__pos_error_parse(body, size, status, &error);
    fuzz_err_listed(error.err);
    LTY_ASSERT(memchr(error.code, '\0', sizeof(error.code)) != NULL);
    LTY_ASSERT(memchr(error.field, '\0', sizeof(error.field)) != NULL);
    LTY_ASSERT(memchr(error.message, '\0', sizeof(error.message)) != NULL);
    LTY_ASSERT(error.message[0] != '\0');
    /* A 2xx is never an error: whatever its body claims, it is a response not understood. */
    if (status >= 200 && status < 300) LTY_ASSERT(error.err == LTY_E_BAD_RESPONSE);
    /* Client-only codes (-300..) come from the status alone, never from the document. */
    if (error.err <= LTY_E_NET) LTY_ASSERT(error.err == LTY_E_BAD_RESPONSE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > LTY_POS_RESPONSE_BYTES_MAX + 16) return 0;
    int status = fuzz_statuses[data[0] % FUZZ_STATUSES_COUNT];
    const char *body = (const char *)data + 1;
    size_t body_size = size - 1;
    card_check(body, body_size);
    receipt_check(body, body_size);
    topup_check(body, body_size);
    error_check(body, body_size, status);
    /* A missing body is refused, and still yields an error for any status. */
    LTY_ASSERT(lty__pos_card_parse(NULL, 0, &(lty_card_info_t){0}, NULL) == LTY_E_BAD_RESPONSE);
    error_check(NULL, 0, status);
    return 0;
}
