/* SPDX-License-Identifier: MIT */
/* tests/unit/pos-plugin/test_client_parse.c
 * Goal: the till library reads daemon responses strictly (types, ranges, required fields) yet
 * ignores extra fields; maps error documents to the shared codes; refuses bad sales locally; and
 * its public header's error list agrees with schema/errors.def.
 * Method: codec.c driven directly with hand-written documents, good and hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../../pos-plugin/src/pos_internal.h"

#include <cmocka.h> /* last: with UNIT_TESTING it redefines malloc/free */

#define DOC(text) text, sizeof(text) - 1

static const char card_ok[] =
    "{\"card_no\":\"8800000000000005\",\"card_status\":\"active\",\"member_id\":7,"
    "\"name\":\"Li Lei\",\"points\":1200,\"prepaid_cents\":5000}";

static void test_card_parse_complete_document_fills_every_field(void **state)
{
    (void)state;
    lty_card_info_t card;
    lty_diag_t diag;
    assert_int_equal(lty__pos_card_parse(DOC(card_ok), &card, &diag), 0);
    assert_string_equal(card.card_no, "8800000000000005");
    assert_string_equal(card.card_status, "active");
    assert_int_equal(card.status, LTY_CARD_STATUS_ACTIVE);
    assert_int_equal(card.member_id, 7);
    assert_string_equal(card.name, "Li Lei");
    assert_int_equal(card.points, 1200);
    assert_int_equal(card.prepaid_cents, 5000);
}

static void test_card_parse_extra_fields_are_ignored(void **state)
{
    (void)state;
    lty_card_info_t card;
    lty_diag_t diag;
    const char text[] = "{\"tier\":{\"name\":\"Gold\"},\"card_no\":\"8800000000000005\","
                        "\"card_status\":\"lost\",\"member_id\":7,\"name\":null,\"points\":-5,"
                        "\"prepaid_cents\":0,\"coupons\":[1,2]}";
    assert_int_equal(lty__pos_card_parse(DOC(text), &card, &diag), 0);
    assert_int_equal(card.status, LTY_CARD_STATUS_LOST);
    assert_string_equal(card.name, "");
    assert_int_equal(card.points, -5);
}

static void test_card_parse_unknown_status_word_is_other(void **state)
{
    (void)state;
    lty_card_info_t card;
    const char text[] = "{\"card_no\":\"8800000000000005\",\"card_status\":\"frozen\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":0,\"prepaid_cents\":0}";
    assert_int_equal(lty__pos_card_parse(DOC(text), &card, NULL), 0);
    assert_int_equal(card.status, LTY_CARD_STATUS_OTHER);
    assert_string_equal(card.card_status, "frozen");
}

static void expect_card_refused(const char *text)
{
    lty_card_info_t card;
    memset(&card, 0x5A, sizeof(card));
    lty_card_info_t before = card;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    assert_int_equal(lty__pos_card_parse(text, strlen(text), &card, &diag), LTY_E_BAD_RESPONSE);
    assert_memory_equal(&card, &before, sizeof(card)); /* untouched on refusal */
}

static void test_card_parse_missing_field_is_bad_response(void **state)
{
    (void)state;
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"points\":1,\"prepaid_cents\":0}");
}

static void test_card_parse_wrong_types_are_bad_response(void **state)
{
    (void)state;
    expect_card_refused("{\"card_no\":8800000000000005,\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":1,\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":\"7\",\"name\":\"x\",\"points\":1,\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":true,\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":1.5,\"prepaid_cents\":0}");
    expect_card_refused("[1,2,3]");
    expect_card_refused("\"card\"");
}

static void test_card_parse_huge_numbers_are_bad_response(void **state)
{
    (void)state;
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":1e300,\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":9007199254740993,\"name\":\"x\",\"points\":1,"
                        "\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":1000000000001,"
                        "\"prepaid_cents\":0}");
    expect_card_refused("{\"card_no\":\"8800000000000005\",\"card_status\":\"active\","
                        "\"member_id\":7,\"name\":\"x\",\"points\":1,\"prepaid_cents\":-1}");
}

static void test_card_parse_malformed_documents_are_bad_response(void **state)
{
    (void)state;
    expect_card_refused("");
    expect_card_refused("{");
    expect_card_refused("{\"points\":1,\"points\":2}");          /* duplicate key */
    expect_card_refused("{\"Card_no\":\"8800000000000005\"}");   /* wrong case = missing */
    expect_card_refused("{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]]}");    /* too deep */
    expect_card_refused("{\"name\":\"\xff\"}");                  /* invalid UTF-8 */
}

static void test_receipt_parse_accepts_contract_and_optional_prepaid(void **state)
{
    (void)state;
    lty_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    memcpy(receipt.idempotency_key, "k", 2);
    receipt.replayed = true;
    assert_int_equal(lty__pos_receipt_parse(DOC("{\"sale_id\":42,\"points_earned\":12,"
                                                "\"points_redeemed\":0,\"points_balance\":112,"
                                                "\"extra\":\"ignored\"}"),
                                            &receipt, NULL),
                     0);
    assert_int_equal(receipt.sale_id, 42);
    assert_int_equal(receipt.points_earned, 12);
    assert_int_equal(receipt.points_balance, 112);
    assert_false(receipt.prepaid_present);
    assert_true(receipt.replayed);                      /* kept: not the document's to set */
    assert_string_equal(receipt.idempotency_key, "k");
    assert_int_equal(lty__pos_receipt_parse(DOC("{\"sale_id\":42,\"points_earned\":12,"
                                                "\"points_redeemed\":100,\"points_balance\":-3,"
                                                "\"prepaid_cents\":250}"),
                                            &receipt, NULL),
                     0);
    assert_true(receipt.prepaid_present);
    assert_int_equal(receipt.prepaid_cents, 250);
    assert_int_equal(receipt.points_balance, -3);
}

static void test_receipt_parse_refuses_missing_and_out_of_range(void **state)
{
    (void)state;
    lty_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    assert_int_equal(lty__pos_receipt_parse(DOC("{\"points_earned\":12,\"points_redeemed\":0,"
                                                "\"points_balance\":112}"),
                                            &receipt, NULL),
                     LTY_E_BAD_RESPONSE);
    assert_int_equal(lty__pos_receipt_parse(DOC("{\"sale_id\":1,\"points_earned\":-1,"
                                                "\"points_redeemed\":0,\"points_balance\":1}"),
                                            &receipt, NULL),
                     LTY_E_BAD_RESPONSE);
    assert_int_equal(lty__pos_receipt_parse(DOC("{\"sale_id\":1,\"points_earned\":1,"
                                                "\"points_redeemed\":0,\"points_balance\":1,"
                                                "\"prepaid_cents\":\"5\"}"),
                                            &receipt, NULL),
                     LTY_E_BAD_RESPONSE);
    assert_int_equal(receipt.sale_id, 0); /* unchanged */
}

static void test_error_parse_known_code_maps_to_its_number(void **state)
{
    (void)state;
    lty__pos_error_t error;
    lty__pos_error_parse(DOC("{\"error\":{\"code\":\"insufficient_points\","
                             "\"message\":\"balance 10, asked 50\"}}"),
                         409, &error);
    assert_int_equal(error.err, LTY_E_INSUFFICIENT_POINTS);
    assert_string_equal(error.message, "balance 10, asked 50");
    lty__pos_error_parse(DOC("{\"error\":{\"code\":\"invalid_field\",\"message\":\"bad\","
                             "\"field\":\"/lines/0/qty\"}}"),
                         422, &error);
    assert_int_equal(error.err, LTY_E_INVALID_FIELD);
    assert_string_equal(error.field, "/lines/0/qty");
    lty__pos_error_parse(DOC("{\"error\":{\"code\":\"card_not_found\",\"message\":\"x\"}}"), 404,
                         &error);
    assert_int_equal(error.err, LTY_E_CARD_NOT_FOUND);
}

static void test_error_parse_unknown_or_garbage_falls_back_on_status(void **state)
{
    (void)state;
    lty__pos_error_t error;
    lty__pos_error_parse(DOC("{\"error\":{\"code\":\"brand_new_code\",\"message\":\"m\"}}"), 409,
                         &error);
    assert_int_equal(error.err, LTY_E_EXISTS);
    assert_string_equal(error.message, "m");
    lty__pos_error_parse(DOC("<html>Bad Gateway</html>"), 502, &error);
    assert_int_equal(error.err, LTY_E_UNAVAILABLE);
    assert_non_null(strstr(error.message, "HTTP 502"));
    lty__pos_error_parse(NULL, 0, 500, &error);
    assert_int_equal(error.err, LTY_E_INTERNAL);
    lty__pos_error_parse(DOC("{\"error\":{\"code\":\"queued_offline\"}}"), 400, &error);
    assert_int_equal(error.err, LTY_E_BAD_REQUEST); /* client-only codes never come from afar */
    lty__pos_error_parse(DOC("{\"error\":{\"code\":42,\"message\":7}}"), 404, &error);
    assert_int_equal(error.err, LTY_E_NOT_FOUND);
    lty__pos_error_parse(DOC("{}"), 418, &error);
    assert_int_equal(error.err, LTY_E_BAD_RESPONSE);
}

static const lty_sale_line_t two_lines[] = {
    {.sku = "6901234567892", .category = "dairy", .qty = 2, .amount_cents = 1180},
    {.sku = "A\"b", .category = "snacks", .qty = 1, .amount_cents = 0},
};

static void test_sale_render_writes_the_contract_body(void **state)
{
    (void)state;
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_HTTP_BODY_BYTES_MAX);
    lty_sale_t sale = {.card_no = "8800000000000005", .receipt_no = "R-1", .lines = two_lines,
                       .lines_count = 2};
    assert_int_equal(lty__pos_sale_render(&sale, &buf, NULL), 0);
    assert_string_equal(buf.data,
                        "{\"card_no\":\"8800000000000005\",\"receipt_no\":\"R-1\",\"lines\":["
                        "{\"sku\":\"6901234567892\",\"category\":\"dairy\",\"qty\":2,"
                        "\"amount_cents\":1180},{\"sku\":\"A\\\"b\",\"category\":\"snacks\","
                        "\"qty\":1,\"amount_cents\":0}]}");
    sale.redeem_points = 300;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, NULL), 0);
    assert_non_null(strstr(buf.data, ",\"redeem_points\":300}"));
    lty_buf_deinit(&buf);
}

static void test_sale_render_refuses_bad_input_naming_the_field(void **state)
{
    (void)state;
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_HTTP_BODY_BYTES_MAX);
    lty_diag_t diag;
    lty_sale_t sale = {.card_no = "8800000000000006", .receipt_no = "R-1", .lines = two_lines,
                       .lines_count = 2};
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_CARD_NO);
    sale.card_no = "8800000000000005";
    sale.receipt_no = "";
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/receipt_no");
    sale.receipt_no = "R-1";
    lty_sale_line_t bad = {.sku = "x", .category = "y", .qty = 0, .amount_cents = 1};
    sale.lines = &bad;
    sale.lines_count = 1;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/lines/0/qty");
    bad.qty = LTY_LINE_QTY_MAX;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), 0);
    bad.qty = LTY_LINE_QTY_MAX + 1;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    bad.qty = 1;
    bad.amount_cents = LTY_LINE_AMOUNT_CENTS_MAX + 1;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/lines/0/amount_cents");
    bad.amount_cents = 1;
    sale.redeem_points = -1;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    sale.redeem_points = 0;
    sale.lines_count = LTY_BASKET_LINES_MAX + 1;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/lines");
    sale.lines_count = 0;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    lty_buf_deinit(&buf);
}

static void test_topup_render_and_receipt(void **state)
{
    (void)state;
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_HTTP_BODY_BYTES_MAX);
    lty_topup_t topup = {.card_no = "8800000000000005", .amount_cents = 5000,
                         .tender = LTY_TENDER_BANK_CARD};
    assert_int_equal(lty__pos_topup_render(&topup, &buf, NULL), 0);
    assert_string_equal(buf.data, "{\"card_no\":\"8800000000000005\",\"amount_cents\":5000,"
                                  "\"tender\":\"bank_card\"}");
    topup.amount_cents = 0;
    assert_int_equal(lty__pos_topup_render(&topup, &buf, NULL), LTY_E_INVALID_FIELD);
    lty_topup_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    assert_int_equal(lty__pos_topup_receipt_parse(DOC("{\"prepaid_cents\":9000,"
                                                      "\"points_balance\":3}"),
                                                  &receipt, NULL),
                     0);
    assert_int_equal(receipt.prepaid_cents, 9000);
    assert_true(receipt.points_present);
    assert_int_equal(lty__pos_topup_receipt_parse(DOC("{\"points_balance\":3}"), &receipt, NULL),
                     LTY_E_BAD_RESPONSE);
    lty_buf_deinit(&buf);
}

/* The public header carries its own copy of the list (it is the only installed header). */
static void test_sale_render_tenders_and_pin(void **state)
{
    (void)state;
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_HTTP_BODY_BYTES_MAX);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    lty_sale_line_t line = {"TV", "tv", 1, 30000};
    lty_tender_t tenders[] = {{LTY_TENDER_PREPAID, 20000}, {LTY_TENDER_CASH, 10000}};
    lty_sale_t sale = {.card_no = "8800000000000005", .receipt_no = "R", .lines = &line,
                       .lines_count = 1, .tenders = tenders, .tenders_count = 2, .pin = "4821"};
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), 0);
    assert_string_equal(buf.data,
                        "{\"card_no\":\"8800000000000005\",\"receipt_no\":\"R\",\"lines\":[{\"sku\":"
                        "\"TV\",\"category\":\"tv\",\"qty\":1,\"amount_cents\":30000}],\"tenders\":"
                        "[{\"type\":\"prepaid\",\"amount_cents\":20000},{\"type\":\"cash\","
                        "\"amount_cents\":10000}],\"pin\":\"4821\"}");
    sale.pin = "48a1";
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/pin");
    sale.pin = "";
    tenders[1].type = LTY_TENDER_PREPAID;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/tenders/1/type");
    tenders[1] = (lty_tender_t){(lty_tender_type_t)9, 1};
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    tenders[1] = (lty_tender_t){LTY_TENDER_BANK_CARD, -1};
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/tenders/1/amount_cents");
    sale.tenders = NULL;
    assert_int_equal(lty__pos_sale_render(&sale, &buf, &diag), LTY_E_INVALID_FIELD);
    lty_topup_t topup = {.card_no = "8800000000000005", .amount_cents = 100,
                         .tender = LTY_TENDER_PREPAID};
    assert_int_equal(lty__pos_topup_render(&topup, &buf, &diag), LTY_E_INVALID_FIELD);
    lty_buf_deinit(&buf);
}

static void test_pin_and_return_render(void **state)
{
    (void)state;
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_HTTP_BODY_BYTES_MAX);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    assert_int_equal(lty__pos_pin_render("8800000000000005", "1234", NULL, &buf, &diag), 0);
    assert_string_equal(buf.data, "{\"pin\":\"1234\"}");
    assert_int_equal(lty__pos_pin_render("8800000000000005", "1234", "12345678", &buf, &diag), 0);
    assert_string_equal(buf.data, "{\"pin\":\"1234\",\"reset_code\":\"12345678\"}");
    assert_int_equal(lty__pos_pin_render("8800000000000005", "123", NULL, &buf, &diag),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty__pos_pin_render("8800000000000005", "123456789", NULL, &buf, &diag),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty__pos_pin_render("8800000000000005", "1234", "1234567", &buf, &diag),
                     LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/reset_code");
    assert_int_equal(lty__pos_pin_render("8800000000000006", "1234", NULL, &buf, &diag),
                     LTY_E_INVALID_CARD_NO);

    lty_return_line_t lines[] = {{"MILK", 2}};
    lty_return_t ret = {.receipt_no = "R-1", .store = "S001", .lines = lines, .lines_count = 1};
    assert_int_equal(lty__pos_return_render(&ret, &buf, &diag), 0);
    assert_string_equal(buf.data, "{\"receipt_no\":\"R-1\",\"store\":\"S001\",\"lines\":"
                                  "[{\"sku\":\"MILK\",\"qty\":2}]}");
    lty_return_t by_id = {.sale_id = 7};
    assert_int_equal(lty__pos_return_render(&by_id, &buf, &diag), 0);
    assert_string_equal(buf.data, "{\"sale_id\":7}");
    by_id.store = "S001";
    assert_int_equal(lty__pos_return_render(&by_id, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/store");
    lty_return_t neither = {.sale_id = 0};
    assert_int_equal(lty__pos_return_render(&neither, &buf, &diag), LTY_E_INVALID_FIELD);
    ret.sale_id = 7;
    assert_int_equal(lty__pos_return_render(&ret, &buf, &diag), LTY_E_INVALID_FIELD);
    ret.sale_id = 0;
    lines[0].qty = 0;
    assert_int_equal(lty__pos_return_render(&ret, &buf, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/lines/0/qty");
    lty_buf_deinit(&buf);
}

#define RETURN_DOC_HEAD                                                                        \
    "{\"entry_id\":9,\"sale_id\":7,\"store\":\"S001\",\"receipt_no\":\"R-1\",\"member_id\":1,"   \
    "\"qty_returned\":1,\"refund_cents\":1000,"

static void test_return_receipt_and_pin_set_parse(void **state)
{
    (void)state;
    lty_return_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    receipt.replayed = true;
    assert_int_equal(lty__pos_return_receipt_parse(
                         DOC(RETURN_DOC_HEAD "\"refunds\":{\"prepaid_cents\":500,\"cash_cents\":375,"
                             "\"bank_card_cents\":0,\"outside_cents\":0},\"points_refunded\":125,"
                             "\"points_taken_back\":8,\"sale_status\":\"partly_returned\","
                             "\"points_balance\":-3,\"prepaid_cents\":98500,\"lines\":[]}"),
                         &receipt, NULL),
                     0);
    assert_int_equal(receipt.entry_id, 9);
    assert_int_equal(receipt.refund_cash_cents, 375);
    assert_int_equal(receipt.points_refunded, 125);
    assert_int_equal(receipt.points_balance, -3);
    assert_string_equal(receipt.sale_status, "partly_returned");
    assert_string_equal(receipt.store, "S001");
    assert_true(receipt.replayed);
    /* refunds missing, a part negative, parts above the total, a status missing */
    lty_diag_t diag;
    lty_diag_clear(&diag);
    assert_int_equal(lty__pos_return_receipt_parse(
                         DOC(RETURN_DOC_HEAD "\"points_refunded\":0,\"points_taken_back\":0,"
                             "\"sale_status\":\"returned\",\"points_balance\":0,\"prepaid_cents\":0}"),
                         &receipt, &diag),
                     LTY_E_BAD_RESPONSE);
    assert_string_equal(diag.field, "/refunds");
    const char *const bad[] = {
        RETURN_DOC_HEAD "\"refunds\":{\"prepaid_cents\":-1,\"cash_cents\":0,\"bank_card_cents\":0,"
                        "\"outside_cents\":0},\"points_refunded\":0,\"points_taken_back\":0,"
                        "\"sale_status\":\"returned\",\"points_balance\":0,\"prepaid_cents\":0}",
        RETURN_DOC_HEAD "\"refunds\":{\"prepaid_cents\":900,\"cash_cents\":900,\"bank_card_cents\":0,"
                        "\"outside_cents\":0},\"points_refunded\":0,\"points_taken_back\":0,"
                        "\"sale_status\":\"returned\",\"points_balance\":0,\"prepaid_cents\":0}",
        RETURN_DOC_HEAD "\"refunds\":{\"prepaid_cents\":0,\"cash_cents\":0,\"bank_card_cents\":0,"
                        "\"outside_cents\":0},\"points_refunded\":0,\"points_taken_back\":0,"
                        "\"points_balance\":0,\"prepaid_cents\":0}",
    };
    for (size_t index = 0; index < sizeof(bad) / sizeof(bad[0]); index++) {
        lty_diag_clear(&diag);
        assert_int_equal(lty__pos_return_receipt_parse(bad[index], strlen(bad[index]), &receipt,
                                                       &diag),
                         LTY_E_BAD_RESPONSE);
        assert_string_not_equal(diag.field, ""); /* a named field, not a syntax error */
    }
    assert_int_equal(lty__pos_pin_set_parse(DOC("{\"card_no\":\"8800000000000005\","
                                                "\"pin_set\":true}"), NULL), 0);
    assert_int_equal(lty__pos_pin_set_parse(DOC("{\"card_no\":\"8800000000000005\","
                                                "\"pin_set\":false}"), NULL),
                     LTY_E_BAD_RESPONSE);
    assert_int_equal(lty__pos_pin_set_parse(DOC("{\"pin_set\":true}"), NULL), LTY_E_BAD_RESPONSE);
}

static void test_public_error_list_matches_errors_def(void **state)
{
    (void)state;
    static const int listed[] = {
        LTY_E_NOMEM,
        LTY_E_IO,
        LTY_E_STORE_FULL,
        LTY_E_INTERNAL,
        LTY_E_UNAVAILABLE,
        LTY_E_COMMIT_FAILED,
        LTY_E_STORE_VERSION,
        LTY_E_CONFIG,
        LTY_E_TLS,
        LTY_E_REQUEST_TIMEOUT,
        LTY_E_EXISTS,
        LTY_E_CORRUPT,
        LTY_E_NOT_LEADER,
        LTY_E_REPLICA_BEHIND,
        LTY_E_REPLICATION,
        LTY_E_REQUEST_TOO_LARGE,
        LTY_E_INVALID_JSON,
        LTY_E_INVALID_FIELD,
        LTY_E_NOT_FOUND,
        LTY_E_METHOD_NOT_ALLOWED,
        LTY_E_UNAUTHENTICATED,
        LTY_E_FORBIDDEN,
        LTY_E_IDEMPOTENCY_KEY_REQUIRED,
        LTY_E_IDEMPOTENCY_KEY_REUSED,
        LTY_E_HEADERS_TOO_LARGE,
        LTY_E_BAD_REQUEST,
        LTY_E_INVALID_CARD_NO,
        LTY_E_UNSUPPORTED_MEDIA_TYPE,
        LTY_E_JSON_TOO_DEEP,
        LTY_E_INVALID_IDEMPOTENCY_KEY,
        LTY_E_TOO_MANY_REQUESTS,
        LTY_E_INVALID_QUERY,
        LTY_E_DUPLICATE_KEY,
        LTY_E_NOT_IMPLEMENTED,
        LTY_E_CARD_NOT_FOUND,
        LTY_E_MEMBER_NOT_FOUND,
        LTY_E_INSUFFICIENT_POINTS,
        LTY_E_INSUFFICIENT_FUNDS,
        LTY_E_CARD_LOST,
        LTY_E_CARD_REPLACED,
        LTY_E_CARD_EXPIRED,
        LTY_E_CARD_NOT_ACTIVATED,
        LTY_E_CARD_CLOSED,
        LTY_E_ACCOUNT_CLOSED,
        LTY_E_PHONE_TAKEN,
        LTY_E_PREPAID_BALANCE_LIMIT,
        LTY_E_TOPUP_LIMIT,
        LTY_E_POINTS_LIMIT,
        LTY_E_SALE_NOT_FOUND,
        LTY_E_ALREADY_RETURNED,
        LTY_E_RETURN_EXCEEDS_SALE,
        LTY_E_VOID_WINDOW_CLOSED,
        LTY_E_VOID_NOT_ALLOWED,
        LTY_E_TENDER_MISMATCH,
        LTY_E_PIN_REQUIRED,
        LTY_E_PIN_INCORRECT,
        LTY_E_PIN_LOCKED,
        LTY_E_PIN_ALREADY_SET,
        LTY_E_REDEEM_EXCEEDS_BASKET,
        LTY_E_CARD_ALREADY_ACTIVE,
        LTY_E_STORE_NOT_FOUND,
        LTY_E_REDEMPTION_BLOCKED,
        LTY_E_ALREADY_VOIDED,
        LTY_E_POINTS_FLOOR,
        LTY_E_CARD_TAKEN,
        LTY_E_STORE_CLOSED,
        LTY_E_VERSION_CONFLICT,
        LTY_E_STAFF_NOT_FOUND,
        LTY_E_RULE_NOT_FOUND,
        LTY_E_RULE_ENDED,
        LTY_E_COUPON_NOT_FOUND,
        LTY_E_COUPON_USED,
        LTY_E_COUPON_EXPIRED,
        LTY_E_COUPON_NOT_ELIGIBLE,
        LTY_E_COUPON_MIN_SPEND,
        LTY_E_COUPON_NOT_YOURS,
        LTY_E_CAMPAIGN_EXHAUSTED,
        LTY_E_OUT_OF_STOCK,
        LTY_E_CAMPAIGN_NOT_FOUND,
        LTY_E_GIFT_NOT_FOUND,
        LTY_E_OFFER_NOT_FOUND,
        LTY_E_REDEMPTION_NOT_FOUND,
        LTY_E_GIFT_NOT_AVAILABLE,
        LTY_E_REDEMPTION_CLOSED,
        LTY_E_CAMPAIGN_ENDED,
        LTY_E_LOGIN_FAILED,
        LTY_E_SESSION_EXPIRED,
        LTY_E_CSRF_TOKEN_INVALID,
        LTY_E_NET,
        LTY_E_NET_TIMEOUT,
        LTY_E_CLIENT_BUG,
        LTY_E_BAD_RESPONSE,
        LTY_E_TLS_HANDSHAKE,
        LTY_E_QUEUED_OFFLINE,
    };
    size_t known = 0;
    for (int value = -1; value >= -400; value--) {
        if (strcmp(lty_client_err_name(value), "UNKNOWN") != 0) known++;
    }
    assert_int_equal(known, sizeof(listed) / sizeof(listed[0]));
    for (size_t index = 0; index < sizeof(listed) / sizeof(listed[0]); index++) {
        assert_string_not_equal(lty_client_err_name(listed[index]), "UNKNOWN");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_card_parse_complete_document_fills_every_field),
        cmocka_unit_test(test_card_parse_extra_fields_are_ignored),
        cmocka_unit_test(test_card_parse_unknown_status_word_is_other),
        cmocka_unit_test(test_card_parse_missing_field_is_bad_response),
        cmocka_unit_test(test_card_parse_wrong_types_are_bad_response),
        cmocka_unit_test(test_card_parse_huge_numbers_are_bad_response),
        cmocka_unit_test(test_card_parse_malformed_documents_are_bad_response),
        cmocka_unit_test(test_receipt_parse_accepts_contract_and_optional_prepaid),
        cmocka_unit_test(test_receipt_parse_refuses_missing_and_out_of_range),
        cmocka_unit_test(test_error_parse_known_code_maps_to_its_number),
        cmocka_unit_test(test_error_parse_unknown_or_garbage_falls_back_on_status),
        cmocka_unit_test(test_sale_render_writes_the_contract_body),
        cmocka_unit_test(test_sale_render_refuses_bad_input_naming_the_field),
        cmocka_unit_test(test_topup_render_and_receipt),
        cmocka_unit_test(test_sale_render_tenders_and_pin),
        cmocka_unit_test(test_pin_and_return_render),
        cmocka_unit_test(test_return_receipt_and_pin_set_parse),
        cmocka_unit_test(test_public_error_list_matches_errors_def),
    };
    return cmocka_run_group_tests_name("client_parse", tests, NULL, NULL);
}
