/* SPDX-License-Identifier: MIT */
/* The till library's wire codec: renders request bodies after checking them against the same
 * limits the daemon applies, and turns response documents into fixed structs. It is pure (no
 * I/O, no state) so the unit tests and a fuzzer can drive it directly. Responses are read
 * strictly (types, ranges, required fields) but extra fields are ignored, so a newer daemon that
 * adds fields does not break older tills. */
#include "pos_internal.h"

#include "lty/lty_card.h"
#include "lty/lty_json.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- Requests --------------------------------------------------------------------------- */

static int text_check(const char *text, size_t size_min, size_t size_max, const char *field,
                      lty_diag_t *diag)
{
    if (text == NULL) return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is required");
    size_t size = strnlen(text, size_max + 1);
    if (size < size_min || size > size_max) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must have %zu to %zu bytes",
                            size_min, size_max);
    }
    for (size_t index = 0; index < size; index++) {
        unsigned char c = (unsigned char)text[index];
        if (c < 0x20 || c == 0x7F) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "contains a control character");
        }
    }
    return 0;
}

static int card_no_check(const char *card_no, const char *field, lty_diag_t *diag)
{
    if (card_no == NULL) return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is required");
    size_t size = strnlen(card_no, LTY_CARD_NO_DIGITS_MAX + 1);
    if (lty_card_no_check(card_no, size) != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_CARD_NO, field,
                            "must be %d to %d digits with a valid check digit",
                            LTY_CARD_NO_DIGITS_MIN, LTY_CARD_NO_DIGITS_MAX);
    }
    return 0;
}

static int line_check(const lty_sale_line_t *line, size_t index, lty_diag_t *diag)
{
    char field[LTY_DIAG_FIELD_SIZE];
    snprintf(field, sizeof(field), "/lines/%zu/sku", index);
    int err = text_check(line->sku, 1, LTY_SKU_BYTES_MAX, field, diag);
    if (err != 0) return err;
    snprintf(field, sizeof(field), "/lines/%zu/category", index);
    err = text_check(line->category, 1, LTY_CATEGORY_BYTES_MAX, field, diag);
    if (err != 0) return err;
    if (line->qty < 1 || line->qty > LTY_LINE_QTY_MAX) {
        snprintf(field, sizeof(field), "/lines/%zu/qty", index);
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is %lld, must be 1 to %d",
                            (long long)line->qty, LTY_LINE_QTY_MAX);
    }
    if (line->amount_cents < 0 || line->amount_cents > LTY_LINE_AMOUNT_CENTS_MAX) {
        snprintf(field, sizeof(field), "/lines/%zu/amount_cents", index);
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is %lld, must be 0 to %lld",
                            (long long)line->amount_cents,
                            (long long)LTY_LINE_AMOUNT_CENTS_MAX);
    }
    return 0;
}

const char *lty__pos_tender_name(lty_tender_type_t type)
{
    switch (type) {
    case LTY_TENDER_CASH: return "cash";
    case LTY_TENDER_BANK_CARD: return "bank_card";
    case LTY_TENDER_PREPAID: return "prepaid";
    default: return NULL;
    }
}

/* Each type once, amounts in range; that they add up to the basket is the daemon's rule. */
static int tenders_check(const lty_sale_t *sale, lty_diag_t *diag)
{
    if (sale->tenders_count == 0) return 0;
    if (sale->tenders == NULL || sale->tenders_count > LTY_POS_TENDERS_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tenders",
                            "must be 1 to %d tenders (NULL for none)", LTY_POS_TENDERS_MAX);
    }
    unsigned seen = 0;
    char field[LTY_DIAG_FIELD_SIZE];
    for (size_t index = 0; index < sale->tenders_count; index++) {
        const lty_tender_t *tender = &sale->tenders[index];
        unsigned bit = 1u << ((unsigned)tender->type & 7u);
        if (lty__pos_tender_name(tender->type) == NULL || (seen & bit) != 0) {
            snprintf(field, sizeof(field), "/tenders/%zu/type", index);
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                                "must be prepaid, cash or bank_card, each at most once");
        }
        seen |= bit;
        if (tender->amount_cents < 0 || tender->amount_cents > LTY_LINE_AMOUNT_CENTS_MAX) {
            snprintf(field, sizeof(field), "/tenders/%zu/amount_cents", index);
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is %lld, must be 0 to %lld",
                                (long long)tender->amount_cents,
                                (long long)LTY_LINE_AMOUNT_CENTS_MAX);
        }
    }
    return 0;
}

static int digits_check(const char *text, size_t digits_min, size_t digits_max,
                        const char *field, lty_diag_t *diag)
{
    size_t size = text != NULL ? strnlen(text, digits_max + 1) : 0;
    bool digits = size >= digits_min && size <= digits_max;
    for (size_t index = 0; digits && index < size; index++) {
        digits = text[index] >= '0' && text[index] <= '9';
    }
    if (!digits) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "must be %zu to %zu digits",
                            digits_min, digits_max);
    }
    return 0;
}

static int pin_check(const char *pin, lty_diag_t *diag)
{
    return digits_check(pin, LTY_PIN_DIGITS_MIN, LTY_PIN_DIGITS_MAX, "/pin", diag);
}

/* An optional staff id: NULL or "" is none. */
static int staff_id_check(const char *staff_id, lty_diag_t *diag)
{
    if (staff_id == NULL || staff_id[0] == '\0') return 0;
    return text_check(staff_id, 1, LTY_STAFF_ID_BYTES_MAX, "/staff_id", diag);
}

static bool given(const char *text)
{
    return text != NULL && text[0] != '\0';
}

/* Coupon codes: 0..8 of 1..127 printable characters (the daemon judges their content). */
static int coupons_check(const lty_sale_t *sale, lty_diag_t *diag)
{
    if (sale->coupons_count == 0) return 0;
    if (sale->coupons == NULL || sale->coupons_count > LTY_COUPONS_PER_SALE_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/coupons",
                            "must be 1 to %d codes (NULL for none)", LTY_COUPONS_PER_SALE_MAX);
    }
    for (size_t index = 0; index < sale->coupons_count; index++) {
        char field[LTY_DIAG_FIELD_SIZE];
        snprintf(field, sizeof(field), "/coupons/%zu", index);
        int err = text_check(sale->coupons[index], 1, LTY_CLIENT_COUPON_CODE_SIZE - 1, field, diag);
        if (err != 0) return err;
    }
    return 0;
}

static int sale_check(const lty_sale_t *sale, bool quote, lty_diag_t *diag)
{
    int err = card_no_check(sale->card_no, "/card_no", diag);
    if (err != 0) return err;
    if (!quote || sale->receipt_no != NULL) { /* a quote may go without one */
        err = text_check(sale->receipt_no, 1, LTY_RECEIPT_NO_BYTES_MAX, "/receipt_no", diag);
    }
    if (err == 0) err = staff_id_check(sale->staff_id, diag);
    if (err != 0) return err;
    if (sale->lines_count < 1 || sale->lines_count > LTY_BASKET_LINES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines", "has %zu lines, must have 1 to %d",
                            sale->lines_count, LTY_BASKET_LINES_MAX);
    }
    if (sale->lines == NULL) return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines", "is NULL");
    for (size_t index = 0; index < sale->lines_count; index++) {
        err = line_check(&sale->lines[index], index, diag);
        if (err != 0) return err;
    }
    if (sale->redeem_points < 0 || sale->redeem_points > LTY_POINTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/redeem_points",
                            "is %lld, must be 0 to %lld", (long long)sale->redeem_points,
                            (long long)LTY_POINTS_PER_TXN_MAX);
    }
    err = tenders_check(sale, diag);
    if (err == 0 && sale->pin != NULL && sale->pin[0] != '\0') err = pin_check(sale->pin, diag);
    if (err == 0) err = coupons_check(sale, diag);
    return err;
}

/* A sale's body, or a quote's (the same body, receipt_no optional). */
static int sale_body_render(const lty_sale_t *sale, bool quote, lty_buf_t *out, lty_diag_t *diag)
{
    if (sale == NULL || out == NULL) return LTY_E_CLIENT_BUG;
    int err = sale_check(sale, quote, diag);
    if (err != 0) return err;

    lty_buf_reset(out);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", sale->card_no);
    if (sale->receipt_no != NULL) lty_jw_kv_string(&writer, "receipt_no", sale->receipt_no);
    lty_jw_key(&writer, "lines");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < sale->lines_count; index++) {
        const lty_sale_line_t *line = &sale->lines[index];
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "sku", line->sku);
        lty_jw_kv_string(&writer, "category", line->category);
        lty_jw_kv_int(&writer, "qty", line->qty);
        lty_jw_kv_int(&writer, "amount_cents", line->amount_cents);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    /* Omitted when 0, so an accrual-only sale keeps its original body shape. */
    if (sale->redeem_points > 0) lty_jw_kv_int(&writer, "redeem_points", sale->redeem_points);
    if (sale->tenders_count > 0) {
        lty_jw_key(&writer, "tenders");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < sale->tenders_count; index++) {
            lty_jw_object_begin(&writer);
            lty_jw_kv_string(&writer, "type", lty__pos_tender_name(sale->tenders[index].type));
            lty_jw_kv_int(&writer, "amount_cents", sale->tenders[index].amount_cents);
            lty_jw_object_end(&writer);
        }
        lty_jw_array_end(&writer);
    }
    if (sale->pin != NULL && sale->pin[0] != '\0') lty_jw_kv_string(&writer, "pin", sale->pin);
    if (given(sale->staff_id)) lty_jw_kv_string(&writer, "staff_id", sale->staff_id);
    if (sale->coupons_count > 0) {
        lty_jw_key(&writer, "coupons");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < sale->coupons_count; index++) {
            lty_jw_string(&writer, sale->coupons[index]);
        }
        lty_jw_array_end(&writer);
    }
    lty_jw_object_end(&writer);
    err = lty_buf_error(out);
    if (err != 0) return lty_diag_set(diag, LTY_E_REQUEST_TOO_LARGE, "", "sale body too large");
    return 0;
}

int lty__pos_sale_render(const lty_sale_t *sale, lty_buf_t *out, lty_diag_t *diag)
{
    return sale_body_render(sale, false, out, diag);
}

int lty__pos_quote_render(const lty_sale_t *sale, lty_buf_t *out, lty_diag_t *diag)
{
    return sale_body_render(sale, true, out, diag);
}

int lty__pos_activation_render(const lty_activation_t *activation, lty_buf_t *out,
                               lty_diag_t *diag)
{
    if (activation == NULL || out == NULL) return LTY_E_CLIENT_BUG;
    int err = card_no_check(activation->card_no, "/card_no", diag);
    if (err == 0) err = text_check(activation->phone, 9, LTY_PHONE_BYTES_MAX, "/phone", diag);
    if (err == 0 && activation->name != NULL) {
        err = text_check(activation->name, 1, LTY_NAME_BYTES_MAX, "/name", diag);
    }
    if (err == 0) err = staff_id_check(activation->staff_id, diag);
    if (err != 0) return err;
    lty_buf_reset(out);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "phone", activation->phone);
    if (activation->name != NULL) lty_jw_kv_string(&writer, "name", activation->name);
    if (given(activation->staff_id)) lty_jw_kv_string(&writer, "staff_id", activation->staff_id);
    lty_jw_object_end(&writer);
    return lty_buf_error(out) != 0 ? LTY_E_REQUEST_TOO_LARGE : 0;
}

int lty__pos_topup_render(const lty_topup_t *topup, lty_buf_t *out, lty_diag_t *diag)
{
    if (topup == NULL || out == NULL) return LTY_E_CLIENT_BUG;
    int err = card_no_check(topup->card_no, "/card_no", diag);
    if (err != 0) return err;
    if (topup->amount_cents < 1 || topup->amount_cents > LTY_PREPAID_CENTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/amount_cents",
                            "is %lld, must be 1 to %lld", (long long)topup->amount_cents,
                            (long long)LTY_PREPAID_CENTS_PER_TXN_MAX);
    }
    const char *tender = topup->tender == LTY_TENDER_CASH        ? "cash"
                         : topup->tender == LTY_TENDER_BANK_CARD ? "bank_card"
                                                                  : NULL;
    if (tender == NULL) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tender", "must be cash or bank_card");
    }
    err = staff_id_check(topup->staff_id, diag);
    if (err != 0) return err;
    lty_buf_reset(out);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", topup->card_no);
    lty_jw_kv_int(&writer, "amount_cents", topup->amount_cents);
    lty_jw_kv_string(&writer, "tender", tender);
    if (given(topup->staff_id)) lty_jw_kv_string(&writer, "staff_id", topup->staff_id);
    lty_jw_object_end(&writer);
    return lty_buf_error(out) != 0 ? LTY_E_REQUEST_TOO_LARGE : 0;
}

int lty__pos_pin_render(const char *card_no, const char *pin, const char *reset_code,
                        lty_buf_t *out, lty_diag_t *diag)
{
    if (out == NULL) return LTY_E_CLIENT_BUG;
    int err = card_no_check(card_no, "/card_no", diag);
    if (err == 0) err = pin_check(pin, diag);
    if (err == 0 && reset_code != NULL) {
        err = digits_check(reset_code, LTY_PIN_RESET_CODE_DIGITS, LTY_PIN_RESET_CODE_DIGITS,
                           "/reset_code", diag);
    }
    if (err != 0) return err;
    lty_buf_reset(out);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "pin", pin);
    if (reset_code != NULL) lty_jw_kv_string(&writer, "reset_code", reset_code);
    lty_jw_object_end(&writer);
    return lty_buf_error(out) != 0 ? LTY_E_REQUEST_TOO_LARGE : 0;
}

static int return_check(const lty_return_t *ret, lty_diag_t *diag)
{
    int err = 0;
    if (ret->sale_id < 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/sale_id", "must be positive");
    } else if ((ret->sale_id > 0) == (ret->receipt_no != NULL)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/sale_id",
                           "give either sale_id or receipt_no (with an optional store)");
    } else if (ret->receipt_no != NULL) {
        err = text_check(ret->receipt_no, 1, LTY_RECEIPT_NO_BYTES_MAX, "/receipt_no", diag);
    } else if (ret->store != NULL) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/store", "store goes with receipt_no");
    }
    if (err == 0 && ret->store != NULL) {
        err = text_check(ret->store, 1, LTY_STORE_ID_BYTES_MAX, "/store", diag);
    }
    if (err == 0 && ret->lines_count > 0 &&
        (ret->lines == NULL || ret->lines_count > LTY_BASKET_LINES_MAX)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                           "must be 1 to %d lines (NULL for everything)", LTY_BASKET_LINES_MAX);
    }
    char field[LTY_DIAG_FIELD_SIZE];
    for (size_t index = 0; err == 0 && index < ret->lines_count; index++) {
        snprintf(field, sizeof(field), "/lines/%zu/sku", index);
        err = text_check(ret->lines[index].sku, 1, LTY_SKU_BYTES_MAX, field, diag);
        if (err == 0 && (ret->lines[index].qty < 1 || ret->lines[index].qty > LTY_LINE_QTY_MAX)) {
            snprintf(field, sizeof(field), "/lines/%zu/qty", index);
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, field, "is %lld, must be 1 to %d",
                               (long long)ret->lines[index].qty, LTY_LINE_QTY_MAX);
        }
    }
    return err;
}

int lty__pos_return_render(const lty_return_t *ret, lty_buf_t *out, lty_diag_t *diag)
{
    if (ret == NULL || out == NULL) return LTY_E_CLIENT_BUG;
    int err = return_check(ret, diag);
    if (err != 0) return err;
    lty_buf_reset(out);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    if (ret->sale_id > 0) lty_jw_kv_int(&writer, "sale_id", ret->sale_id);
    if (ret->receipt_no != NULL) lty_jw_kv_string(&writer, "receipt_no", ret->receipt_no);
    if (ret->store != NULL) lty_jw_kv_string(&writer, "store", ret->store);
    if (ret->lines_count > 0) {
        lty_jw_key(&writer, "lines");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < ret->lines_count; index++) {
            lty_jw_object_begin(&writer);
            lty_jw_kv_string(&writer, "sku", ret->lines[index].sku);
            lty_jw_kv_int(&writer, "qty", ret->lines[index].qty);
            lty_jw_object_end(&writer);
        }
        lty_jw_array_end(&writer);
    }
    lty_jw_object_end(&writer);
    err = lty_buf_error(out);
    if (err != 0) return lty_diag_set(diag, LTY_E_REQUEST_TOO_LARGE, "", "return body too large");
    return 0;
}

/* ---- Responses -------------------------------------------------------------------------- */

/* Every response field problem is the daemon's (or a middlebox's), never the till's input. */
static int response_refused(lty_diag_t *diag)
{
    if (diag != NULL) diag->err = LTY_E_BAD_RESPONSE;
    return LTY_E_BAD_RESPONSE;
}

static int document_open(const char *body, size_t size, lty_json_doc_t **doc_out,
                         const lty_json_node_t **root_out, lty_diag_t *diag)
{
    *doc_out = NULL;
    if (body == NULL || size == 0 || size > LTY_POS_RESPONSE_BYTES_MAX) {
        lty_diag_set(diag, LTY_E_BAD_RESPONSE, "", "empty or oversized response body");
        return LTY_E_BAD_RESPONSE;
    }
    int err = lty_json_parse(body, size, LTY_JSON_DEPTH_MAX, doc_out, diag);
    if (err == LTY_E_NOMEM) return err;
    if (err != 0) return response_refused(diag);
    *root_out = lty_json_doc_root(*doc_out);
    if (lty_json_expect_object(*root_out, "", diag) != 0) {
        lty_json_doc_free(*doc_out);
        *doc_out = NULL;
        return response_refused(diag);
    }
    return 0;
}

lty_card_status_t lty__pos_card_status_decode(const char *word)
{
    static const struct {
        const char *word;
        lty_card_status_t status;
    } table[] = {
        {"active", LTY_CARD_STATUS_ACTIVE},     {"lost", LTY_CARD_STATUS_LOST},
        {"replaced", LTY_CARD_STATUS_REPLACED}, {"expired", LTY_CARD_STATUS_EXPIRED},
        {"closed", LTY_CARD_STATUS_CLOSED},
    };
    for (size_t index = 0; index < sizeof(table) / sizeof(table[0]); index++) {
        if (strcmp(table[index].word, word) == 0) return table[index].status;
    }
    return LTY_CARD_STATUS_OTHER;
}

/* The member's name is erased when an account closes; the daemon may then send null. */
static int name_read(const lty_json_node_t *root, char *out, size_t out_size, lty_diag_t *diag)
{
    const lty_json_node_t *node = lty_json_member(root, "name");
    if (node == NULL) return lty_diag_set(diag, LTY_E_BAD_RESPONSE, "/name", "is required");
    if (lty_json_is_null(node)) {
        out[0] = '\0';
        return 0;
    }
    return lty_json_get_string(root, "", "name", true, 0, out_size - 1, out, out_size, NULL,
                               diag);
}

int lty__pos_card_parse(const char *body, size_t size, lty_card_info_t *card_out,
                        lty_diag_t *diag)
{
    if (card_out == NULL) return LTY_E_CLIENT_BUG;
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;

    lty_card_info_t card;
    memset(&card, 0, sizeof(card));
    err = lty_json_get_string(root, "", "card_no", true, LTY_CARD_NO_DIGITS_MIN,
                              LTY_CARD_NO_DIGITS_MAX, card.card_no, sizeof(card.card_no), NULL,
                              diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "card_status", true, 1, sizeof(card.card_status) - 1,
                                  card.card_status, sizeof(card.card_status), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "member_id", true, 1, LTY_JSON_INT_MAX, &card.member_id,
                               NULL, diag);
    }
    if (err == 0) err = name_read(root, card.name, sizeof(card.name), diag);
    if (err == 0) {
        err = lty_json_get_int(root, "", "points", true, -LTY_POINTS_BALANCE_MAX,
                               LTY_POINTS_BALANCE_MAX, &card.points, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "prepaid_cents", true, 0, LTY_PREPAID_BALANCE_CENTS_MAX,
                               &card.prepaid_cents, NULL, diag);
    }
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    card.status = lty__pos_card_status_decode(card.card_status);
    *card_out = card;
    return 0;
}

/* The coupons' part of a sale's or a quote's answer (all optional: older daemons send
 * none). applied_out counts the coupons marked "applied"; conflicts_out (NULL for a quote) the
 * offline ones the daemon could not honour. */
static int coupons_read(const lty_json_node_t *root, int64_t *total_out, int64_t *discount_out,
                        size_t *applied_out, size_t *conflicts_out, lty_diag_t *diag)
{
    int64_t conflicts = 0;
    const lty_json_node_t *coupons = NULL;
    size_t count = 0;
    int err = lty_json_get_int(root, "", "total_cents", false, 0, LTY_SALE_AMOUNT_CENTS_MAX,
                               total_out, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "discount_cents", false, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, discount_out, NULL, diag);
    if (err == 0 && conflicts_out != NULL) {
        err = lty_json_get_int(root, "", "coupon_conflicts", false, 0, LTY_COUPONS_PER_SALE_MAX,
                               &conflicts, NULL, diag);
        *conflicts_out = (size_t)conflicts;
    }
    if (err == 0) err = lty_json_get_array(root, "", "coupons", false, LTY_COUPONS_PER_SALE_MAX,
                                           &coupons, &count, diag);
    *applied_out = 0;
    for (size_t index = 0; err == 0 && index < count; index++) {
        char path[LTY_DIAG_FIELD_SIZE];
        snprintf(path, sizeof(path), "/coupons/%zu", index);
        const lty_json_node_t *item = lty_json_item(coupons, index);
        bool applied = false;
        err = lty_json_expect_object(item, path, diag);
        if (err == 0) err = lty_json_get_bool(item, path, "applied", true, &applied, NULL, diag);
        if (applied) (*applied_out)++;
    }
    return err;
}

_Static_assert(LTY_CLIENT_RULES_MAX == LTY_RULES_APPLIED_MAX + 1, "the daemon's rules fit");

/* "points_base" and "rules_applied" of a sale or quote (optional: older daemons send none). */
static int rules_read(const lty_json_node_t *root, int64_t *base_out, lty_rule_applied_t *rules,
                      size_t *count_out, lty_diag_t *diag)
{
    const lty_json_node_t *array = NULL;
    size_t count = 0;
    int err = lty_json_get_int(root, "", "points_base", false, 0, LTY_POINTS_PER_TXN_MAX, base_out,
                               NULL, diag);
    if (err == 0) err = lty_json_get_array(root, "", "rules_applied", false,
                                           LTY_CLIENT_RULES_MAX, &array, &count, diag);
    for (size_t index = 0; err == 0 && index < count; index++) {
        const lty_json_node_t *item = lty_json_item(array, index);
        lty_rule_applied_t *rule = &rules[index];
        char path[LTY_DIAG_FIELD_SIZE];
        snprintf(path, sizeof(path), "/rules_applied/%zu", index);
        err = lty_json_expect_object(item, path, diag);
        if (err == 0) err = lty_json_get_int(item, path, "rule_id", true, 0, LTY_JSON_INT_MAX,
                                             &rule->rule_id, NULL, diag);
        if (err == 0) err = lty_json_get_string(item, path, "name", true, 1,
                                                sizeof(rule->name) - 1, rule->name,
                                                sizeof(rule->name), NULL, diag);
        if (err == 0) err = lty_json_get_int(item, path, "points", true, -LTY_POINTS_PER_TXN_MAX,
                                             LTY_POINTS_PER_TXN_MAX, &rule->points, NULL, diag);
        if (err == 0) err = lty_json_get_bool(item, path, "capped", false, &rule->capped, NULL,
                                              diag);
    }
    *count_out = err == 0 ? count : 0;
    return err;
}

int lty__pos_quote_parse(const char *body, size_t size, lty_quote_t *quote_out, lty_diag_t *diag)
{
    if (quote_out == NULL) return LTY_E_CLIENT_BUG;
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    static const struct {
        const char *key;
        size_t offset;
        int64_t min;
    } fields[] = {
        {"member_id", offsetof(lty_quote_t, member_id), 1},
        {"points_balance", offsetof(lty_quote_t, points_balance), -LTY_POINTS_BALANCE_MAX},
        {"points_earned", offsetof(lty_quote_t, points_earned), 0},
        {"points_redeemed", offsetof(lty_quote_t, points_redeemed), 0},
        {"points_redeemable", offsetof(lty_quote_t, points_redeemable), 0},
        {"redeem_cents_per_point", offsetof(lty_quote_t, redeem_cents_per_point), 1},
    };
    lty_quote_t quote;
    memset(&quote, 0, sizeof(quote));
    for (size_t index = 0; err == 0 && index < sizeof(fields) / sizeof(fields[0]); index++) {
        int64_t value = 0;
        err = lty_json_get_int(root, "", fields[index].key, true, fields[index].min,
                               LTY_POINTS_BALANCE_MAX, &value, NULL, diag);
        memcpy((char *)&quote + fields[index].offset, &value, sizeof(value));
    }
    if (err == 0) err = rules_read(root, &quote.points_base, quote.rules, &quote.rules_count, diag);
    if (err == 0) err = coupons_read(root, &quote.total_cents, &quote.discount_cents,
                                     &quote.coupons_applied, NULL, diag);
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    *quote_out = quote;
    return 0;
}

int lty__pos_activation_parse(const char *body, size_t size,
                              lty_activation_receipt_t *receipt_out, lty_diag_t *diag)
{
    if (receipt_out == NULL) return LTY_E_CLIENT_BUG;
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    lty_activation_receipt_t receipt = *receipt_out; /* keep replayed and the key */
    err = lty_json_get_int(root, "", "member_id", true, 1, LTY_JSON_INT_MAX, &receipt.member_id,
                           NULL, diag);
    if (err == 0) err = lty_json_get_bool(root, "", "member_created", true,
                                          &receipt.member_created, NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "card_status", true, 1,
                                            sizeof(receipt.card_status) - 1, receipt.card_status,
                                            sizeof(receipt.card_status), NULL, diag);
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    *receipt_out = receipt;
    return 0;
}

int lty__pos_receipt_parse(const char *body, size_t size, lty_receipt_t *receipt_out,
                           lty_diag_t *diag)
{
    if (receipt_out == NULL) return LTY_E_CLIENT_BUG;
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;

    lty_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    err = lty_json_get_int(root, "", "sale_id", true, 1, LTY_JSON_INT_MAX, &receipt.sale_id, NULL,
                           diag);
    if (err == 0) {
        err = lty_json_get_int(root, "", "points_earned", true, 0, LTY_POINTS_PER_TXN_MAX,
                               &receipt.points_earned, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "points_redeemed", true, 0, LTY_POINTS_PER_TXN_MAX,
                               &receipt.points_redeemed, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "points_balance", true, -LTY_POINTS_BALANCE_MAX,
                               LTY_POINTS_BALANCE_MAX, &receipt.points_balance, NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(root, "", "prepaid_cents", false, 0, LTY_PREPAID_BALANCE_CENTS_MAX,
                               &receipt.prepaid_cents, &receipt.prepaid_present, diag);
    }
    if (err == 0) { /* absent from an older daemon */
        err = rules_read(root, &receipt.points_base, receipt.rules, &receipt.rules_count, diag);
    }
    receipt.points_confirmed = true;
    if (err == 0) err = coupons_read(root, &receipt.total_cents, &receipt.discount_cents,
                                     &receipt.coupons_applied, &receipt.coupon_conflicts, diag);
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    /* Keep the caller's fields that are not the daemon's to set (replayed, key). */
    receipt.replayed = receipt_out->replayed;
    memcpy(receipt.idempotency_key, receipt_out->idempotency_key, sizeof(receipt.idempotency_key));
    *receipt_out = receipt;
    return 0;
}

int lty__pos_topup_receipt_parse(const char *body, size_t size,
                                 lty_topup_receipt_t *receipt_out, lty_diag_t *diag)
{
    if (receipt_out == NULL) return LTY_E_CLIENT_BUG;
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    int64_t prepaid_cents = 0;
    int64_t points_balance = 0;
    bool points_present = false;
    err = lty_json_get_int(root, "", "prepaid_cents", true, 0, LTY_PREPAID_BALANCE_CENTS_MAX,
                           &prepaid_cents, NULL, diag);
    if (err == 0) {
        err = lty_json_get_int(root, "", "points_balance", false, -LTY_POINTS_BALANCE_MAX,
                               LTY_POINTS_BALANCE_MAX, &points_balance, &points_present, diag);
    }
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    receipt_out->prepaid_cents = prepaid_cents;
    receipt_out->points_present = points_present;
    receipt_out->points_balance = points_present ? points_balance : 0;
    return 0;
}

int lty__pos_pin_set_parse(const char *body, size_t size, lty_diag_t *diag)
{
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    char card_no[LTY_CLIENT_CARD_NO_SIZE];
    bool pin_set = false;
    err = lty_json_get_string(root, "", "card_no", true, LTY_CARD_NO_DIGITS_MIN,
                              LTY_CARD_NO_DIGITS_MAX, card_no, sizeof(card_no), NULL, diag);
    if (err == 0) err = lty_json_get_bool(root, "", "pin_set", true, &pin_set, NULL, diag);
    if (err == 0 && !pin_set) err = lty_diag_set(diag, LTY_E_BAD_RESPONSE, "/pin_set", "is false");
    lty_json_doc_free(doc);
    return err != 0 ? response_refused(diag) : 0;
}

/* One integer member of a return document and the range it must be in. */
typedef struct int_field_s {
    const char *path;
    const char *key;
    int64_t min;
    int64_t max;
    int64_t *out;
} int_field_t;

static int int_fields_read(const lty_json_node_t *object, const int_field_t *fields,
                           size_t count, lty_diag_t *diag)
{
    int err = 0;
    for (size_t index = 0; err == 0 && index < count; index++) {
        const int_field_t *field = &fields[index];
        err = lty_json_get_int(object, field->path, field->key, true, field->min, field->max,
                               field->out, NULL, diag);
    }
    return err;
}

static int return_ints_read(const lty_json_node_t *root, lty_return_receipt_t *receipt,
                            lty_diag_t *diag)
{
    const int64_t money_max = LTY_BASKET_LINES_MAX * LTY_LINE_AMOUNT_CENTS_MAX;
    const int64_t points_max = LTY_POINTS_PER_TXN_MAX;
    const int_field_t fields[] = {
        {"", "entry_id", 1, LTY_JSON_INT_MAX, &receipt->entry_id},
        {"", "sale_id", 1, LTY_JSON_INT_MAX, &receipt->sale_id},
        {"", "member_id", 1, LTY_JSON_INT_MAX, &receipt->member_id},
        {"", "qty_returned", 0, (int64_t)LTY_BASKET_LINES_MAX * LTY_LINE_QTY_MAX,
         &receipt->qty_returned},
        {"", "refund_cents", 0, money_max, &receipt->refund_cents},
        {"", "points_refunded", 0, points_max, &receipt->points_refunded},
        {"", "points_taken_back", 0, points_max, &receipt->points_taken_back},
        {"", "points_balance", -LTY_POINTS_BALANCE_MAX, LTY_POINTS_BALANCE_MAX,
         &receipt->points_balance},
        {"", "prepaid_cents", 0, LTY_PREPAID_BALANCE_CENTS_MAX, &receipt->prepaid_cents},
    };
    int err = int_fields_read(root, fields, sizeof(fields) / sizeof(fields[0]), diag);
    const lty_json_node_t *refunds = NULL;
    if (err == 0) err = lty_json_get_object(root, "", "refunds", true, &refunds, diag);
    const int_field_t by_tender[] = {
        {"/refunds", "prepaid_cents", 0, money_max, &receipt->refund_prepaid_cents},
        {"/refunds", "cash_cents", 0, money_max, &receipt->refund_cash_cents},
        {"/refunds", "bank_card_cents", 0, money_max, &receipt->refund_bank_card_cents},
        {"/refunds", "outside_cents", 0, money_max, &receipt->refund_outside_cents},
    };
    if (err == 0) err = int_fields_read(refunds, by_tender, 4, diag);
    return err;
}

int lty__pos_return_receipt_parse(const char *body, size_t size,
                                  lty_return_receipt_t *receipt_out, lty_diag_t *diag)
{
    if (receipt_out == NULL) return LTY_E_CLIENT_BUG;
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    lty_return_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    err = return_ints_read(root, &receipt, diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "store", true, 1, sizeof(receipt.store) - 1,
                                  receipt.store, sizeof(receipt.store), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "receipt_no", true, 1, sizeof(receipt.receipt_no) - 1,
                                  receipt.receipt_no, sizeof(receipt.receipt_no), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "sale_status", true, 1,
                                  sizeof(receipt.sale_status) - 1, receipt.sale_status,
                                  sizeof(receipt.sale_status), NULL, diag);
    }
    bool parts_agree = receipt.refund_prepaid_cents + receipt.refund_cash_cents +
                           receipt.refund_bank_card_cents + receipt.refund_outside_cents <=
                       receipt.refund_cents;
    if (err == 0 && !parts_agree) {
        err = lty_diag_set(diag, LTY_E_BAD_RESPONSE, "/refunds", "exceed refund_cents");
    }
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    receipt.replayed = receipt_out->replayed;
    memcpy(receipt.idempotency_key, receipt_out->idempotency_key, sizeof(receipt.idempotency_key));
    *receipt_out = receipt;
    return 0;
}

/* A code this library does not know (a newer daemon) still gets a usable class of error. */
static int error_from_status(int http_status)
{
    switch (http_status) {
    case 400: return LTY_E_BAD_REQUEST;
    case 401: return LTY_E_UNAUTHENTICATED;
    case 403: return LTY_E_FORBIDDEN;
    case 404: return LTY_E_NOT_FOUND;
    case 408: return LTY_E_REQUEST_TIMEOUT;
    case 409: return LTY_E_EXISTS;
    case 413: return LTY_E_REQUEST_TOO_LARGE;
    case 422: return LTY_E_INVALID_FIELD;
    case 429: return LTY_E_TOO_MANY_REQUESTS;
    case 502: /* fall through: a proxy in front of an unreachable daemon */
    case 503:
    case 504: return LTY_E_UNAVAILABLE;
    default: break;
    }
    if (http_status >= 500 && http_status <= 599) return LTY_E_INTERNAL;
    return LTY_E_BAD_RESPONSE;
}

static void error_document_read(const char *body, size_t size, lty__pos_error_t *error)
{
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    if (document_open(body, size, &doc, &root, &diag) != 0) return;
    const lty_json_node_t *object = NULL;
    if (lty_json_get_object(root, "", "error", true, &object, &diag) == 0) {
        char code[sizeof(error->code)];
        if (lty_json_get_string(object, "/error", "code", true, 1, sizeof(code) - 1, code,
                                sizeof(code), NULL, &diag) == 0) {
            memcpy(error->code, code, sizeof(code));
            int err = lty_err_from_code(code);
            /* Client-only codes (-300..) are ours to raise; a daemon never sends them. */
            if (err < 0 && err > LTY_E_NET) error->err = err;
        }
        /* Message and field are for humans: a bad one is dropped, the code still counts. */
        char message[sizeof(error->message)];
        if (lty_json_get_string(object, "/error", "message", false, 0, sizeof(message) - 1,
                                message, sizeof(message), NULL, &diag) == 0) {
            snprintf(error->message, sizeof(error->message), "%s", message);
        }
        char field[sizeof(error->field)];
        bool present = false;
        if (lty_json_get_string(object, "/error", "field", false, 0, sizeof(field) - 1, field,
                                sizeof(field), &present, &diag) == 0 && present) {
            memcpy(error->field, field, sizeof(field));
        }
    }
    lty_json_doc_free(doc);
}

void lty__pos_error_parse(const char *body, size_t size, int http_status,
                          lty__pos_error_t *error_out)
{
    if (error_out == NULL) return;
    memset(error_out, 0, sizeof(*error_out));
    error_out->err = 0;
    if (body != NULL && size > 0) error_document_read(body, size, error_out);
    /* The local list wins for known codes; a 2xx can never be an error document. */
    if (error_out->err == 0 || http_status < 300) error_out->err = error_from_status(http_status);
    if (error_out->message[0] == '\0') {
        snprintf(error_out->message, sizeof(error_out->message), "%s (HTTP %d)",
                 lty_strerror(error_out->err), http_status);
    }
}

void lty__pos_leader_parse(const char *body, size_t size, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0) return; /* the till library never aborts */
    out[0] = '\0';
    lty_json_doc_t *doc = NULL;
    if (body == NULL || lty_json_parse(body, size, LTY_JSON_DEPTH_MAX, &doc, NULL) != 0) return;
    const lty_json_node_t *error = lty_json_member(lty_json_doc_root(doc), "error");
    const char *leader = lty_json_node_string(lty_json_member(error, "leader"));
    if (leader != NULL) snprintf(out, out_size, "%s", leader);
    lty_json_doc_free(doc);
}

/* ---- Coupons: programme key, gifts, conflicts ----------------------------------------------- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int lty__pos_keys_parse(const char *body, size_t size, uint8_t public_key_out[65],
                        lty_diag_t *diag)
{
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    const lty_json_node_t *keys = NULL;
    size_t count = 0;
    char hex[2 * 65 + 1] = "";
    err = lty_json_get_array(root, "", "keys", true, 8, &keys, &count, diag);
    if (err == 0 && count < 1) err = lty_diag_set(diag, LTY_E_BAD_RESPONSE, "/keys", "no key");
    if (err == 0) err = lty_json_get_string(lty_json_item(keys, 0), "/keys/0", "public_key", true,
                                            130, 130, hex, sizeof(hex), NULL, diag);
    lty_json_doc_free(doc);
    for (size_t index = 0; err == 0 && index < 65; index++) {
        int high = hex_value(hex[2 * index]), low = hex_value(hex[2 * index + 1]);
        if (high < 0 || low < 0) {
            err = lty_diag_set(diag, LTY_E_BAD_RESPONSE, "/keys/0/public_key", "not hex");
        } else {
            public_key_out[index] = (uint8_t)(high << 4 | low);
        }
    }
    return err != 0 ? response_refused(diag) : 0;
}

int lty__pos_gift_receipt_parse(const char *body, size_t size, lty_gift_receipt_t *receipt_out,
                                lty_diag_t *diag)
{
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    lty_gift_receipt_t receipt;
    memset(&receipt, 0, sizeof(receipt));
    err = lty_json_get_int(root, "", "redemption_id", true, 1, LTY_JSON_INT_MAX,
                           &receipt.redemption_id, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "gift_id", true, 1, LTY_JSON_INT_MAX,
                                         &receipt.gift_id, NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "status", true, 1,
                                            sizeof(receipt.status) - 1, receipt.status,
                                            sizeof(receipt.status), NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "store", true, 0, sizeof(receipt.store) - 1,
                                            receipt.store, sizeof(receipt.store), NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "points", true, 1, LTY_POINTS_PER_TXN_MAX,
                                         &receipt.points, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "cash_cents", true, 0,
                                         LTY_SALE_AMOUNT_CENTS_MAX, &receipt.cash_cents, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "points_balance", true,
                                         -LTY_POINTS_BALANCE_MAX, LTY_POINTS_BALANCE_MAX,
                                         &receipt.points_balance, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "available", true, 0, LTY_JSON_INT_MAX,
                                         &receipt.available, NULL, diag);
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    receipt.replayed = receipt_out->replayed;
    memcpy(receipt.idempotency_key, receipt_out->idempotency_key, sizeof(receipt.idempotency_key));
    *receipt_out = receipt;
    return 0;
}

static int conflict_parse(const lty_json_node_t *item, lty_coupon_conflict_t *conflict,
                          lty_diag_t *diag)
{
    char code[64] = "";
    const lty_json_node_t *first = lty_json_member(item, "first_use");
    memset(conflict, 0, sizeof(*conflict));
    int err = lty_json_get_int(item, "/conflicts", "conflict_id", true, 1, LTY_JSON_INT_MAX,
                               &conflict->conflict_id, NULL, diag);
    if (err == 0) err = lty_json_get_int(item, "/conflicts", "campaign_id", true, 0,
                                         LTY_JSON_INT_MAX, &conflict->campaign_id, NULL, diag);
    if (err == 0) err = lty_json_get_int(item, "/conflicts", "sale_id", true, 1, LTY_JSON_INT_MAX,
                                         &conflict->sale_id, NULL, diag);
    if (err == 0) err = lty_json_get_string(item, "/conflicts", "error", true, 1, sizeof(code) - 1,
                                            code, sizeof(code), NULL, diag);
    if (err == 0) err = lty_json_get_string(item, "/conflicts", "store", true, 1,
                                            sizeof(conflict->store) - 1, conflict->store,
                                            sizeof(conflict->store), NULL, diag);
    if (err == 0) err = lty_json_get_string(item, "/conflicts", "till", true, 1,
                                            sizeof(conflict->till) - 1, conflict->till,
                                            sizeof(conflict->till), NULL, diag);
    if (err == 0 && first != NULL && lty_json_is_object(first)) {
        err = lty_json_get_int(first, "/first_use", "sale_id", true, 1, LTY_JSON_INT_MAX,
                               &conflict->first_sale_id, NULL, diag);
        if (err == 0) err = lty_json_get_string(first, "/first_use", "store", true, 1,
                                                sizeof(conflict->first_store) - 1,
                                                conflict->first_store,
                                                sizeof(conflict->first_store), NULL, diag);
        if (err == 0) err = lty_json_get_string(first, "/first_use", "till", true, 1,
                                                sizeof(conflict->first_till) - 1,
                                                conflict->first_till,
                                                sizeof(conflict->first_till), NULL, diag);
    }
    int code_err = lty_err_from_code(code);
    conflict->err = code_err < 0 ? code_err : LTY_E_BAD_RESPONSE;
    return err;
}

int lty__pos_conflicts_parse(const char *body, size_t size, lty_coupon_conflict_t *out,
                             size_t capacity, size_t *count_out, lty_diag_t *diag)
{
    lty_json_doc_t *doc;
    const lty_json_node_t *root = NULL;
    int err = document_open(body, size, &doc, &root, diag);
    if (err != 0) return err;
    const lty_json_node_t *conflicts = NULL;
    size_t count = 0;
    err = lty_json_get_array(root, "", "conflicts", true, LTY_COUPON_PAGE_MAX, &conflicts, &count,
                             diag);
    size_t kept = 0;
    for (size_t index = 0; err == 0 && index < count && kept < capacity; index++) {
        err = conflict_parse(lty_json_item(conflicts, index), &out[kept], diag);
        if (err == 0) kept++;
    }
    lty_json_doc_free(doc);
    if (err != 0) return response_refused(diag);
    *count_out = kept;
    return 0;
}
