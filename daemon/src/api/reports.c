/* SPDX-License-Identifier: MIT */
/* Settlement report handler: GET /v1/admin/reports/settlement?store=&from=&to=.
 * from and to are UTC dates YYYY-MM-DD, both included (to defaults to from); store "" or absent
 * = every store. Rows come from lty_ops_settlement() (ops_report.c); totals are their sums.
 * GET /v1/admin/reports/commission?store=&from=&to=: the staff commission statement, the same
 * for local dates of the programme's time zone (ops_commission.c). */
#include "api.h"
#include "calendar.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"
#include "programme.h"
#include "render.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define REPORT_DAYS_MAX 366
#define BREAKAGE_DAYS_MAX 3660 /* ten years of months */

/* ?from=&to= (UTC dates, both included; to defaults to from) as days since 1970, into from and
 * to (16 bytes each) as given: LTY_E_INVALID_QUERY unless from <= to within days_max days. */
static int period_parse(const lty_exchange_t *exchange, int64_t days_max, char *from, char *to,
                        int64_t *from_day_out, int64_t *to_day_out, lty_diag_t *diag)
{
    bool to_given = false;
    int err = lty_api_query_string(exchange, "from", from, 16, NULL, diag);
    if (err == 0) err = lty_api_query_string(exchange, "to", to, 16, &to_given, diag);
    if (err == 0 && !to_given) memcpy(to, from, 16);
    *from_day_out = err == 0 ? lty_api_date_days(from) : -1;
    *to_day_out = err == 0 ? lty_api_date_days(to) : -1;
    if (err == 0 && (*from_day_out < 0 || *to_day_out < *from_day_out ||
                     *to_day_out - *from_day_out >= days_max)) {
        err = lty_diag_set(diag, LTY_E_INVALID_QUERY, "from",
                           "from and to are dates YYYY-MM-DD, from <= to, at most %d days",
                           (int)days_max);
    }
    return err;
}

/* ?store=&from=&to= of the settlement and commission reports (at most REPORT_DAYS_MAX days). */
static int store_period_parse(const lty_exchange_t *exchange,
                              char store[LTY_STORE_ID_BYTES_MAX + 1], char *from, char *to,
                              int64_t *from_day_out, int64_t *to_day_out, lty_diag_t *diag)
{
    int err = lty_api_query_string(exchange, "store", store, LTY_STORE_ID_BYTES_MAX + 1, NULL,
                                   diag);
    if (err == 0) err = period_parse(exchange, REPORT_DAYS_MAX, from, to, from_day_out,
                                     to_day_out, diag);
    return err;
}

static void row_render(lty_json_writer_t *writer, const lty_ops_settlement_row_t *row,
                       bool with_keys)
{
    lty_jw_object_begin(writer);
    if (with_keys) {
        char when[40];
        lty_clock_format(row->day * LTY_MS_PER_DAY, when, sizeof(when));
        when[10] = '\0';
        lty_jw_kv_string(writer, "store", row->store);
        lty_jw_kv_string(writer, "till", row->till);
        lty_jw_kv_string(writer, "date", when);
    }
    lty_jw_kv_int(writer, "sales_count", row->sales_count);
    lty_jw_kv_int(writer, "returns_count", row->returns_count);
    lty_jw_kv_int(writer, "voids_count", row->voids_count);
    lty_jw_kv_int(writer, "points_earned", row->points_earned);
    lty_jw_kv_int(writer, "points_redeemed", row->points_redeemed);
    lty_jw_kv_int(writer, "points_adjusted", row->points_adjusted);
    lty_jw_kv_int(writer, "points_forfeited", row->points_forfeited);
    lty_jw_kv_int(writer, "prepaid_topped_up_cash_cents", row->prepaid_topped_up_cash);
    lty_jw_kv_int(writer, "prepaid_topped_up_bank_card_cents", row->prepaid_topped_up_bank_card);
    lty_jw_kv_int(writer, "prepaid_spent_cents", row->prepaid_spent);
    lty_jw_kv_int(writer, "prepaid_refunded_cents", row->prepaid_refunded);
    lty_jw_kv_int(writer, "prepaid_paid_out_cents", row->prepaid_paid_out);
    lty_jw_kv_int(writer, "sales_cash_cents", row->sales_cash_cents);
    lty_jw_kv_int(writer, "sales_bank_card_cents", row->sales_bank_card_cents);
    lty_jw_kv_int(writer, "sales_prepaid_cents", row->sales_prepaid_cents);
    lty_jw_kv_int(writer, "refunded_cash_cents", row->refunded_cash_cents);
    lty_jw_kv_int(writer, "refunded_bank_card_cents", row->refunded_bank_card_cents);
    lty_jw_object_end(writer);
}

static void totals_add(lty_ops_settlement_row_t *total, const lty_ops_settlement_row_t *row)
{
    int64_t *sum = &total->sales_count;
    const int64_t *part = &row->sales_count;
    /* every counter from sales_count to the end is an int64_t, in one run */
    size_t count = (sizeof(*row) - offsetof(lty_ops_settlement_row_t, sales_count)) /
                   sizeof(int64_t);
    for (size_t index = 0; index < count; index++) sum[index] += part[index];
}

static void report_render(lty_json_writer_t *writer, const lty_ops_settlement_t *report,
                          const char *store, const char *from, const char *to)
{
    lty_ops_settlement_row_t total;
    memset(&total, 0, sizeof(total));
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "store", store);
    lty_jw_kv_string(writer, "from", from);
    lty_jw_kv_string(writer, "to", to);
    lty_jw_kv_string(writer, "timezone", "UTC");
    lty_jw_kv_bool(writer, "truncated", report->truncated);
    lty_jw_key(writer, "rows");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < report->rows_count; index++) {
        row_render(writer, &report->rows[index], true);
        totals_add(&total, &report->rows[index]);
    }
    lty_jw_array_end(writer);
    lty_jw_key(writer, "totals");
    row_render(writer, &total, false);
    lty_jw_object_end(writer);
}

int lty_api_admin_report_settlement(lty_api_t *api, lty_exchange_t *exchange,
                                    const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    char store[LTY_STORE_ID_BYTES_MAX + 1] = "";
    char from[16] = "";
    char to[16] = "";
    int64_t from_day = 0, to_day = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = store_period_parse(exchange, store, from, to, &from_day, &to_day, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_settlement_t *report = lty_alloc(sizeof(*report));
    if (report == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_settlement(txn, store, from_day * LTY_MS_PER_DAY,
                                           (to_day + 1) * LTY_MS_PER_DAY, report);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        report_render(&writer, report, store, from, to);
    }
    lty_free(report);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- Liability, prepaid float, breakage ------------------------------------------------- */

/* The balances report and the programme in force when it was read (its tiers and value). */
static int balances_read(lty_api_t *api, lty_ops_balances_report_t **report_out,
                         const lty_programme_t **programme_out)
{
    lty_ops_balances_report_t *report = lty_alloc(sizeof(*report));
    if (report == NULL) return LTY_E_NOMEM;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_report_balances(txn, &settings->programme, lty_clock_now_ms(),
                                                report);
    lty_store_txn_abort(txn);
    if (err != 0) {
        lty_free(report);
        return err;
    }
    *report_out = report;
    *programme_out = &settings->programme;
    return 0;
}

static void as_of_render(lty_json_writer_t *writer)
{
    lty_api_render_time(writer, "as_of", lty_clock_now_ms());
}

int lty_api_admin_report_liability(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    (void)params;
    lty_ops_balances_report_t *report = NULL;
    const lty_programme_t *programme = NULL;
    int err = balances_read(api, &report, &programme);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    int64_t value = programme->redeem_cents_per_point; /* the money one point is worth */
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    as_of_render(&writer);
    lty_jw_kv_int(&writer, "redeem_cents_per_point", value);
    lty_jw_kv_int(&writer, "points_outstanding", report->points_outstanding);
    lty_jw_kv_int(&writer, "points_value_cents", report->points_outstanding * value);
    lty_jw_kv_int(&writer, "prepaid_outstanding_cents", report->prepaid_outstanding_cents);
    lty_jw_kv_int(&writer, "liability_cents",
                  report->points_outstanding * value + report->prepaid_outstanding_cents);
    lty_jw_kv_int(&writer, "members_with_points", (int64_t)report->members_with_points);
    lty_jw_key(&writer, "by_tier");
    lty_jw_array_begin(&writer);
    for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
        const lty_ops_report_tier_t *row = &report->tiers[tier];
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "tier", programme->tiers[tier].name);
        lty_jw_kv_int(&writer, "members", (int64_t)row->members);
        lty_jw_kv_int(&writer, "points", row->points);
        lty_jw_kv_int(&writer, "points_value_cents", row->points * value);
        lty_jw_kv_int(&writer, "prepaid_cents", row->prepaid_cents);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_kv_bool(&writer, "by_store_truncated", report->stores_truncated);
    lty_jw_key(&writer, "by_store");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < report->stores_count; index++) {
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "store", report->stores[index].store);
        lty_jw_kv_int(&writer, "points", report->stores[index].points);
        lty_jw_kv_int(&writer, "points_value_cents", report->stores[index].points * value);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_key(&writer, "expiring");
    lty_jw_array_begin(&writer);
    for (size_t window = 0; window < LTY_OPS_EXPIRING_WINDOWS; window++) {
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "within_days", report->expiring_days[window]);
        lty_jw_kv_int(&writer, "points", report->expiring_points[window]);
        lty_jw_kv_int(&writer, "points_value_cents", report->expiring_points[window] * value);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    lty_free(report);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_report_prepaid_float(lty_api_t *api, lty_exchange_t *exchange,
                                       const lty_route_params_t *params)
{
    (void)params;
    lty_ops_balances_report_t *report = NULL;
    const lty_programme_t *programme = NULL;
    int err = balances_read(api, &report, &programme);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    as_of_render(&writer);
    lty_jw_kv_int(&writer, "prepaid_outstanding_cents", report->prepaid_outstanding_cents);
    lty_jw_kv_int(&writer, "members_with_prepaid", (int64_t)report->members_with_prepaid);
    lty_jw_key(&writer, "by_tier");
    lty_jw_array_begin(&writer);
    for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "tier", programme->tiers[tier].name);
        lty_jw_kv_int(&writer, "prepaid_cents", report->tiers[tier].prepaid_cents);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_key(&writer, "accounts");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < LTY_OPS_FLOAT_ACCOUNTS; index++) {
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "account",
                         lty_account_kind_name(report->float_accounts[index].kind));
        lty_jw_kv_int(&writer, "balance_cents", report->float_accounts[index].balance);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    lty_free(report);
    return lty_api_reply(exchange, 200);
}

static void breakage_render(lty_json_writer_t *writer, const lty_ops_breakage_t *report,
                            const char *from, const char *to)
{
    lty_ops_breakage_month_t total;
    memset(&total, 0, sizeof(total));
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "from", from);
    lty_jw_kv_string(writer, "to", to);
    lty_jw_kv_string(writer, "timezone", "UTC");
    lty_jw_key(writer, "months");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < report->months_count; index++) {
        const lty_ops_breakage_month_t *row = &report->months[index];
        char month[16];
        snprintf(month, sizeof(month), "%04d-%02d", (int)(1970 + row->month / 12),
                 (int)(row->month % 12 + 1));
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "month", month);
        lty_jw_kv_int(writer, "points_issued", row->points_earned + row->points_migrated);
        lty_jw_kv_int(writer, "points_earned", row->points_earned);
        lty_jw_kv_int(writer, "points_migrated", row->points_migrated);
        lty_jw_kv_int(writer, "points_adjusted", row->points_adjusted);
        lty_jw_kv_int(writer, "points_redeemed", row->points_redeemed);
        lty_jw_kv_int(writer, "points_expired", row->points_expired);
        lty_jw_kv_int(writer, "points_forfeited", row->points_forfeited);
        lty_jw_kv_int(writer, "points_breakage", row->points_expired + row->points_forfeited);
        lty_jw_object_end(writer);
        total.points_earned += row->points_earned;
        total.points_migrated += row->points_migrated;
        total.points_expired += row->points_expired;
        total.points_forfeited += row->points_forfeited;
        total.points_redeemed += row->points_redeemed;
    }
    lty_jw_array_end(writer);
    int64_t issued = total.points_earned + total.points_migrated;
    int64_t breakage = total.points_expired + total.points_forfeited;
    lty_jw_kv_int(writer, "points_issued", issued);
    lty_jw_kv_int(writer, "points_redeemed", total.points_redeemed);
    lty_jw_kv_int(writer, "points_breakage", breakage);
    /* basis points (1/100 of a percent): integers only on the wire */
    lty_jw_kv_int(writer, "breakage_rate_basis_points", issued > 0 ? breakage * 10000 / issued : 0);
    lty_jw_kv_bool(writer, "truncated", report->truncated);
    lty_jw_object_end(writer);
}

int lty_api_admin_report_breakage(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    (void)params;
    char from[16] = "", to[16] = "";
    int64_t from_day = 0, to_day = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = period_parse(exchange, BREAKAGE_DAYS_MAX, from, to, &from_day, &to_day, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_breakage_t *report = lty_alloc(sizeof(*report));
    if (report == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_report_breakage(txn, from_day * LTY_MS_PER_DAY,
                                                (to_day + 1) * LTY_MS_PER_DAY, report);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        breakage_render(&writer, report, from, to);
    }
    lty_free(report);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- GET /v1/admin/reports/commission ---------------------------------------------------- */

static void commission_render(lty_json_writer_t *writer, const lty_ops_commission_report_t *report,
                              const char *store, const char *from, const char *to,
                              const lty_programme_t *programme)
{
    char zone[LTY_CAL_OFFSET_BYTES + 1];
    lty_cal_offset_format(programme->utc_offset_minutes, zone);
    int64_t total = 0;
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "store", store);
    lty_jw_kv_string(writer, "from", from);
    lty_jw_kv_string(writer, "to", to);
    lty_jw_kv_string(writer, "timezone", zone);
    lty_jw_kv_bool(writer, "truncated", report->truncated);
    lty_jw_key(writer, "rows");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < report->rows_count; index++) {
        const lty_ops_commission_row_t *row = &report->rows[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "staff_id", row->staff_id);
        lty_jw_kv_string(writer, "name", row->name);
        lty_jw_kv_string(writer, "store_id", row->store_id);
        lty_jw_kv_int(writer, "sales_count", row->sales_count);
        lty_jw_kv_int(writer, "sales_cents", row->sales_cents);
        lty_jw_kv_int(writer, "cards_activated", row->cards_activated);
        lty_jw_kv_int(writer, "topups_count", row->topups_count);
        lty_jw_kv_int(writer, "returns_count", row->returns_count);
        lty_jw_kv_int(writer, "commission_cents", row->commission_cents);
        lty_jw_kv_int(writer, "clawback_cents", row->clawback_cents);
        lty_jw_kv_int(writer, "net_cents", row->net_cents);
        lty_jw_kv_int(writer, "balance_cents", row->balance_cents);
        lty_jw_object_end(writer);
        total += row->net_cents;
    }
    lty_jw_array_end(writer);
    lty_jw_kv_int(writer, "net_cents", total);
    lty_jw_object_end(writer);
}

/* The days are local days of the programme's time zone (ops_commission.c). */
int lty_api_admin_report_commission(lty_api_t *api, lty_exchange_t *exchange,
                                    const lty_route_params_t *params)
{
    (void)params;
    char store[LTY_STORE_ID_BYTES_MAX + 1] = "";
    char from[16] = "", to[16] = "";
    int64_t from_day = 0, to_day = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = store_period_parse(exchange, store, from, to, &from_day, &to_day, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_commission_report_t *report = lty_alloc(sizeof(*report));
    if (report == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) {
        int32_t offset = settings->programme.utc_offset_minutes;
        err = lty_ops_commission_report(txn, store, lty_cal_day_start_ms(from_day, offset),
                                        lty_cal_day_start_ms(to_day + 1, offset), report);
    }
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        commission_render(&writer, report, store, from, to, &settings->programme);
    }
    lty_free(report);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}
