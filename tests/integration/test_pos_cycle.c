/* tests/integration/test_pos_cycle.c
 * Goal: the till SDK's prepaid operations work against the real daemon over mutual TLS: a
 * top-up, a sale paid with prepaid below the PIN threshold, setting a PIN, a sale above the
 * threshold refused without the PIN and with a wrong one then accepted with the right one, a
 * partial return (by receipt number) then a full return (by sale id) and a third refused, a
 * void and a second void refused. Every refusal is checked for its lty_err_t and for leaving
 * the balances unchanged; every success for the balances it reports and the card shows.
 * Method: tests/support/spawn.c starts loyaltyd on a fresh demo data directory (demo PIN
 * threshold 200.00, void window 10 minutes); the test ends with `loyaltyctl verify`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "loyaltypos.h"
#include "spawn.h"
#include "till_options.h"

#include <cmocka.h>

typedef struct fixture_s {
    lty_spawn_t spawn;
    lty_client_t client;
    char queue_dir[LTY_SPAWN_PATH_SIZE + 16];
} fixture_t;

typedef struct balances_s {
    int64_t points;
    int64_t prepaid_cents;
} balances_t;

static int setup(void **state)
{
    static fixture_t fixture;
    memset(&fixture, 0, sizeof(fixture));
    if (lty_spawn_init_demo(&fixture.spawn) != 0) return -1;
    if (lty_spawn_start(&fixture.spawn, NULL) != 0) return -1;
    snprintf(fixture.queue_dir, sizeof(fixture.queue_dir), "%s/queue", fixture.spawn.dir);
    lty_client_options_t options;
    /* Offline allowed: none of these operations may use it even so. */
    lty_test_till_options(&fixture.spawn, fixture.queue_dir, true, &options);
    if (lty_client_init(&fixture.client, &options) != 0) return -1;
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    lty_client_close(&fixture->client);
    return lty_spawn_finish(&fixture->spawn);
}

static balances_t balances_of(fixture_t *fixture)
{
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(&fixture->client, fixture->spawn.demo_card, &card), 0);
    return (balances_t){card.points, card.prepaid_cents};
}

static void balances_expect(fixture_t *fixture, int64_t points, int64_t prepaid_cents)
{
    balances_t now = balances_of(fixture);
    assert_int_equal(now.points, points);
    assert_int_equal(now.prepaid_cents, prepaid_cents);
    assert_int_equal(lty_client_queue_count(&fixture->client), 0);
}

/* A refusal: its code, its HTTP status, a message, and nothing changed. */
static void refused_expect(fixture_t *fixture, int err, int expected, int status,
                           const balances_t *before)
{
    assert_int_equal(err, expected);
    assert_int_equal(lty_client_last_http_status(&fixture->client), status);
    assert_true(strlen(lty_client_last_error_message(&fixture->client)) > 0);
    balances_expect(fixture, before->points, before->prepaid_cents);
}

static int sale_prepaid(fixture_t *fixture, const char *receipt_no, const lty_sale_line_t *line,
                        const char *pin, lty_receipt_t *receipt)
{
    lty_tender_t tender = {LTY_TENDER_PREPAID, line->amount_cents};
    lty_sale_t sale = {.card_no = fixture->spawn.demo_card, .receipt_no = receipt_no,
                       .lines = line, .lines_count = 1, .tenders = &tender,
                       .tenders_count = 1, .pin = pin};
    return lty_client_sale_submit(&fixture->client, &sale, receipt);
}

static void test_pos_cycle_prepaid_pin_return_void(void **state)
{
    fixture_t *fixture = *state;
    balances_t start = balances_of(fixture);

    /* Top-up 1,000.00 in cash. */
    lty_topup_t topup = {.card_no = fixture->spawn.demo_card, .amount_cents = 100000,
                         .tender = LTY_TENDER_CASH};
    lty_topup_receipt_t topup_receipt;
    assert_int_equal(lty_client_topup_submit(&fixture->client, &topup, &topup_receipt), 0);
    assert_int_equal(topup_receipt.prepaid_cents, start.prepaid_cents + 100000);
    int64_t prepaid = topup_receipt.prepaid_cents;

    /* 2 x MILK for 100.00 paid with prepaid: below the threshold, no PIN. */
    lty_sale_line_t milk = {"MILK", "dairy", 2, 10000};
    lty_receipt_t sale_a;
    assert_int_equal(sale_prepaid(fixture, "CYC-A", &milk, NULL, &sale_a), 0);
    assert_true(sale_a.prepaid_present);
    assert_int_equal(sale_a.prepaid_cents, prepaid - 10000);
    assert_true(sale_a.points_earned >= 100);
    assert_int_equal(sale_a.points_balance, start.points + sale_a.points_earned);
    prepaid -= 10000;
    balances_expect(fixture, sale_a.points_balance, prepaid);
    balances_t before = balances_of(fixture);

    /* A TV for 300.00 with prepaid: above the 200.00 threshold. No PIN set yet. */
    lty_sale_line_t tv = {"TV", "electronics", 1, 30000};
    lty_receipt_t sale_b;
    refused_expect(fixture, sale_prepaid(fixture, "CYC-B", &tv, NULL, &sale_b),
                   LTY_E_PIN_REQUIRED, 403, &before);

    /* The member sets a PIN; a second set without a reset code is refused; a bad one never
     * leaves the till. */
    assert_int_equal(lty_client_pin_set(&fixture->client, fixture->spawn.demo_card, "4821",
                                        NULL), 0);
    refused_expect(fixture,
                   lty_client_pin_set(&fixture->client, fixture->spawn.demo_card, "1111", NULL),
                   LTY_E_PIN_ALREADY_SET, 409, &before);
    assert_int_equal(lty_client_pin_set(&fixture->client, fixture->spawn.demo_card, "12a4",
                                        NULL), LTY_E_INVALID_FIELD);
    assert_string_equal(lty_client_last_error_field(&fixture->client), "/pin");

    refused_expect(fixture, sale_prepaid(fixture, "CYC-B", &tv, NULL, &sale_b),
                   LTY_E_PIN_REQUIRED, 403, &before);
    refused_expect(fixture, sale_prepaid(fixture, "CYC-B", &tv, "9999", &sale_b),
                   LTY_E_PIN_INCORRECT, 403, &before);
    assert_int_equal(sale_prepaid(fixture, "CYC-B", &tv, "4821", &sale_b), 0);
    assert_int_equal(sale_b.prepaid_cents, prepaid - 30000);
    prepaid -= 30000;
    balances_expect(fixture, sale_b.points_balance, prepaid);

    /* Partial return of sale A by receipt number (this till's store): 1 of 2 MILK. */
    lty_return_line_t one_milk = {"MILK", 1};
    lty_return_t partial = {.receipt_no = "CYC-A", .lines = &one_milk, .lines_count = 1};
    lty_return_receipt_t back;
    assert_int_equal(lty_client_return_submit(&fixture->client, &partial, &back), 0);
    assert_int_equal(back.sale_id, sale_a.sale_id);
    assert_string_equal(back.sale_status, "partly_returned");
    assert_string_equal(back.receipt_no, "CYC-A");
    assert_int_equal(back.qty_returned, 1);
    assert_int_equal(back.refund_cents, 5000);
    assert_int_equal(back.refund_prepaid_cents, 5000);
    assert_int_equal(back.refund_cash_cents + back.refund_bank_card_cents, 0);
    assert_int_equal(back.points_taken_back, sale_a.points_earned / 2);
    assert_int_equal(back.points_refunded, 0);
    assert_int_equal(back.prepaid_cents, prepaid + 5000);
    assert_int_equal(back.points_balance, sale_b.points_balance - sale_a.points_earned / 2);
    assert_true(back.entry_id >= 1);
    prepaid += 5000;
    balances_expect(fixture, back.points_balance, prepaid);

    /* Full return of what is left, by sale id. */
    lty_return_t rest = {.sale_id = sale_a.sale_id};
    assert_int_equal(lty_client_return_submit(&fixture->client, &rest, &back), 0);
    assert_string_equal(back.sale_status, "returned");
    assert_int_equal(back.qty_returned, 1);
    assert_int_equal(back.refund_prepaid_cents, 5000);
    assert_int_equal(back.points_taken_back, sale_a.points_earned - sale_a.points_earned / 2);
    assert_int_equal(back.points_balance, sale_b.points_balance - sale_a.points_earned);
    prepaid += 5000;
    balances_expect(fixture, back.points_balance, prepaid);
    before = balances_of(fixture);
    refused_expect(fixture, lty_client_return_submit(&fixture->client, &rest, &back),
                   LTY_E_ALREADY_RETURNED, 409, &before);

    /* Void of sale B: the whole sale comes back; a second void is refused. */
    lty_return_receipt_t voided;
    assert_int_equal(lty_client_void_submit(&fixture->client, sale_b.sale_id, &voided), 0);
    assert_string_equal(voided.sale_status, "voided");
    assert_int_equal(voided.sale_id, sale_b.sale_id);
    assert_int_equal(voided.refund_prepaid_cents, 30000);
    assert_int_equal(voided.points_taken_back, sale_b.points_earned);
    assert_false(voided.replayed);
    assert_int_equal(strlen(voided.idempotency_key), 32);
    prepaid += 30000;
    assert_int_equal(voided.prepaid_cents, prepaid);
    assert_int_equal(voided.points_balance, start.points);
    balances_expect(fixture, start.points, start.prepaid_cents + 100000);
    before = balances_of(fixture);
    refused_expect(fixture, lty_client_void_submit(&fixture->client, sale_b.sale_id, &voided),
                   LTY_E_ALREADY_VOIDED, 409, &before);
    refused_expect(fixture, lty_client_void_submit(&fixture->client, 999999, &voided),
                   LTY_E_SALE_NOT_FOUND, 404, &before);
}

static void test_pos_cycle_bad_input_never_leaves_the_till(void **state)
{
    fixture_t *fixture = *state;
    balances_t before = balances_of(fixture);
    lty_return_receipt_t back;
    lty_return_t both = {.sale_id = 1, .receipt_no = "CYC-A"};
    assert_int_equal(lty_client_return_submit(&fixture->client, &both, &back),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty_client_last_http_status(&fixture->client), 0);
    lty_return_line_t zero = {"MILK", 0};
    lty_return_t zero_qty = {.sale_id = 1, .lines = &zero, .lines_count = 1};
    assert_int_equal(lty_client_return_submit(&fixture->client, &zero_qty, &back),
                     LTY_E_INVALID_FIELD);
    assert_string_equal(lty_client_last_error_field(&fixture->client), "/lines/0/qty");
    assert_int_equal(lty_client_void_submit(&fixture->client, 0, &back), LTY_E_INVALID_FIELD);
    lty_sale_line_t line = {"A", "c", 1, 1000};
    lty_tender_t twice[] = {{LTY_TENDER_CASH, 500}, {LTY_TENDER_CASH, 500}};
    lty_sale_t sale = {.card_no = fixture->spawn.demo_card, .receipt_no = "CYC-X", .lines = &line,
                       .lines_count = 1, .tenders = twice, .tenders_count = 2};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(&fixture->client, &sale, &receipt),
                     LTY_E_INVALID_FIELD);
    assert_string_equal(lty_client_last_error_field(&fixture->client), "/tenders/1/type");
    /* Cash alone that does not add up is the daemon's refusal. */
    sale.tenders_count = 1;
    assert_int_equal(lty_client_sale_submit(&fixture->client, &sale, &receipt),
                     LTY_E_TENDER_MISMATCH);
    assert_int_equal(lty_client_last_http_status(&fixture->client), 422);
    balances_expect(fixture, before.points, before.prepaid_cents);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pos_cycle_prepaid_pin_return_void),
        cmocka_unit_test(test_pos_cycle_bad_input_never_leaves_the_till),
    };
    return cmocka_run_group_tests_name("pos_cycle", tests, setup, teardown);
}
