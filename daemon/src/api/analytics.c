/* SPDX-License-Identifier: MIT */
/* Analytics report handlers: GET /v1/admin/analytics/{rfm, rfm/members, pareto,
 * lifecycle, churn, health, uplift}. Each parses its query on the loop thread (400
 * invalid_query naming the parameter), then hands the work to the report worker
 * (analytics_worker.h), which computes it from the purchase-day records and renders the answer
 * here. Money and shares are integers: cents, and basis points (1/10000) for shares.
 *
 * Not here: the rules (domain/analytics.c), the walks (domain/ops_analytics*.c). */
#include "analytics_worker.h"
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops_analytics.h"
#include "programme.h"

#include <stdio.h>
#include <string.h>

#define ANALYTICS_PAGE_MAX 1000
#define ANALYTICS_PAGE_DEFAULT 100

/* Every query of this file, parsed into one command. */
typedef struct analytics_query_s {
    int64_t as_of_day;
    int64_t window_days;
    int64_t from_day, to_day;
    int64_t top_percent;
    int64_t months;
    int64_t limit;
    int64_t after;
    int64_t snapshot;
    int64_t run_id;
    int64_t days;
    int segment;                 /* -1: every segment */
    char store[LTY_STORE_ID_BYTES_MAX + 1];
} analytics_query_t;

static void date_render(lty_json_writer_t *writer, const char *key, int64_t day)
{
    char text[40];
    lty_clock_format(day * LTY_MS_PER_DAY, text, sizeof(text));
    text[10] = '\0';
    lty_jw_kv_string(writer, key, text);
}

static void month_render(lty_json_writer_t *writer, const char *key, uint64_t month)
{
    char text[16];
    snprintf(text, sizeof(text), "%04d-%02d", (int)(1970 + month / 12), (int)(month % 12 + 1));
    lty_jw_kv_string(writer, key, text);
}

/* A date parameter "YYYY-MM-DD" into days; absent: fallback. */
static int query_date(const lty_exchange_t *exchange, const char *name, int64_t fallback,
                      int64_t *day_out, lty_diag_t *diag)
{
    char text[16] = "";
    bool present = false;
    int err = lty_api_query_string(exchange, name, text, sizeof(text), &present, diag);
    if (err != 0) return err;
    *day_out = present ? lty_api_date_days(text) : fallback;
    if (*day_out < 0) {
        return lty_diag_set(diag, LTY_E_INVALID_QUERY, name, "%s is a date YYYY-MM-DD", name);
    }
    return 0;
}

static int query_int(const lty_exchange_t *exchange, const char *name, int64_t min, int64_t max,
                     int64_t fallback, int64_t *value_out, lty_diag_t *diag)
{
    *value_out = fallback;
    return lty_api_query_int(exchange, name, min, max, value_out, NULL, diag);
}

/* Parse, queue work_cb with the command, or reply 400 naming the parameter. */
static int queue_or_refuse(lty_api_t *api, lty_exchange_t *exchange, analytics_query_t *query,
                           int err, const lty_diag_t *diag, lty_api_work_cb work_cb)
{
    if (err != 0) {
        lty_free(query);
        return lty_api_reply_error(exchange, err, diag);
    }
    return lty__api_analytics_queue(api, exchange, work_cb, query, lty_free);
}

static analytics_query_t *query_new(void)
{
    analytics_query_t *query = lty_calloc(1, sizeof(*query));
    if (query != NULL) query->segment = -1;
    return query;
}

/* as_of (default today) and window_days (default the programme's). */
static int query_as_of(lty_api_t *api, const lty_exchange_t *exchange, analytics_query_t *query,
                       lty_diag_t *diag)
{
    int err = query_date(exchange, "as_of", lty_clock_day(lty_clock_now_ms()), &query->as_of_day,
                         diag);
    if (err == 0) {
        int64_t window_default = lty__api_programme_now(api)->analytics.rfm_window_days;
        err = query_int(exchange, "window_days", 1, LTY_ANALYTICS_DAYS_MAX, window_default,
                        &query->window_days, diag);
    }
    return err;
}

/* The handlers of reports that take as_of (default today) and one bounded count. */
static int as_of_and_count(lty_exchange_t *exchange, lty_api_t *api, const char *name, int64_t max,
                           int64_t fallback, bool months, lty_api_work_cb work_cb)
{
    analytics_query_t *query = query_new();
    if (query == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = query_date(exchange, "as_of", lty_clock_day(lty_clock_now_ms()), &query->as_of_day,
                         &diag);
    if (err == 0) err = query_int(exchange, name, 1, max, fallback,
                                  months ? &query->months : &query->limit, &diag);
    return queue_or_refuse(api, exchange, query, err, &diag, work_cb);
}

/* ---- RFM ----------------------------------------------------------------------------------- */

static void rfm_counts_render(lty_json_writer_t *writer, const lty_analytics_rfm_t *rfm)
{
    lty_jw_key(writer, "segments");
    lty_jw_array_begin(writer);
    for (unsigned int index = 0; index < LTY_RFM_SEGMENTS_COUNT; index++) {
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "name", lty_analytics_segment_name(index));
        lty_jw_kv_int(writer, "members", (int64_t)rfm->segments[index]);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    static const char *const measures[] = {"r", "f", "m"};
    lty_jw_key(writer, "scores");
    lty_jw_object_begin(writer);
    for (size_t measure = 0; measure < 3; measure++) {
        lty_jw_key(writer, measures[measure]);
        lty_jw_array_begin(writer);
        for (size_t score = 0; score < LTY_ANALYTICS_SCORE_MAX; score++) {
            lty_jw_int(writer, (int64_t)rfm->scores[measure][score]);
        }
        lty_jw_array_end(writer);
    }
    lty_jw_object_end(writer);
    lty_jw_key(writer, "grid"); /* [r - 1][f - 1]: members by recency and frequency score */
    lty_jw_array_begin(writer);
    for (size_t r = 0; r < LTY_ANALYTICS_SCORE_MAX; r++) {
        lty_jw_array_begin(writer);
        for (size_t f = 0; f < LTY_ANALYTICS_SCORE_MAX; f++)
            lty_jw_int(writer, (int64_t)rfm->grid[r][f]);
        lty_jw_array_end(writer);
    }
    lty_jw_array_end(writer);
}

static int rfm_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    uint64_t snapshot = 0;
    int err = 0;
    const lty_analytics_rfm_t *rfm = lty__api_rfm_cached(api, query->as_of_day,
                                                         query->window_days, 0, &snapshot, &err);
    if (rfm == NULL) {
        return lty_api_reply_error(exchange, err, NULL);
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    date_render(&writer, "as_of", rfm->as_of_day);
    lty_jw_kv_int(&writer, "window_days", rfm->window_days);
    lty_jw_kv_int(&writer, "snapshot", (int64_t)snapshot);
    lty_jw_kv_int(&writer, "members_scored", (int64_t)rfm->members_scored);
    lty_jw_kv_int(&writer, "members_without_purchase", (int64_t)rfm->members_without_purchase);
    rfm_counts_render(&writer, rfm);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_analytics_rfm(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    analytics_query_t *query = query_new();
    if (query == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = query_as_of(api, exchange, query, &diag);
    return queue_or_refuse(api, exchange, query, err, &diag, rfm_work_cb);
}

static void rfm_member_render(lty_json_writer_t *writer, const lty_analytics_rfm_member_t *row)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "member_id", (int64_t)row->member_id);
    lty_jw_kv_string(writer, "segment", lty_analytics_segment_name(row->segment));
    lty_jw_kv_int(writer, "recency_days", row->recency_days);
    lty_jw_kv_int(writer, "frequency", row->frequency);
    lty_jw_kv_int(writer, "monetary_cents", row->monetary_cents);
    lty_jw_kv_int(writer, "r", row->r);
    lty_jw_kv_int(writer, "f", row->f);
    lty_jw_kv_int(writer, "m", row->m);
    lty_jw_object_end(writer);
}

static int rfm_members_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    uint64_t snapshot = 0;
    int err = 0;
    const lty_analytics_rfm_t *rfm = lty__api_rfm_cached(
        api, query->as_of_day, query->window_days, (uint64_t)query->snapshot, &snapshot, &err);
    if (rfm == NULL) {
        return lty_api_reply_error(exchange, err, NULL);
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    date_render(&writer, "as_of", rfm->as_of_day);
    lty_jw_kv_int(&writer, "window_days", rfm->window_days);
    lty_jw_kv_int(&writer, "snapshot", (int64_t)snapshot);
    if (query->segment >= 0) {
        lty_jw_kv_string(&writer, "segment", lty_analytics_segment_name((unsigned)query->segment));
    }
    lty_jw_key(&writer, "members");
    lty_jw_array_begin(&writer);
    int64_t listed = 0;
    uint64_t last_listed = 0, next_after = 0;
    for (size_t index = 0; index < rfm->members_scored; index++) {
        const lty_analytics_rfm_member_t *row = &rfm->members[index];
        if (row->member_id <= (uint64_t)query->after) continue;
        if (query->segment >= 0 && row->segment != query->segment) continue;
        if (listed == query->limit) {
            next_after = last_listed; /* more follow */
            break;
        }
        rfm_member_render(&writer, row);
        last_listed = row->member_id;
        listed++;
    }
    lty_jw_array_end(&writer);
    lty_jw_kv_int(&writer, "next_after", (int64_t)next_after);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_analytics_rfm_members(lty_api_t *api, lty_exchange_t *exchange,
                                        const lty_route_params_t *params)
{
    (void)params;
    analytics_query_t *query = query_new();
    if (query == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    char segment[32] = "";
    bool present = false;
    int err = query_as_of(api, exchange, query, &diag);
    if (err == 0) err = lty_api_query_string(exchange, "segment", segment, sizeof(segment),
                                             &present, &diag);
    if (err == 0 && present) {
        query->segment = lty_analytics_segment_parse(segment);
        if (query->segment < 0) {
            err = lty_diag_set(&diag, LTY_E_INVALID_QUERY, "segment",
                               "segment is one of champions, loyal, potential, new, at_risk, "
                               "hibernating, lost");
        }
    }
    if (err == 0) err = query_int(exchange, "limit", 1, ANALYTICS_PAGE_MAX, ANALYTICS_PAGE_DEFAULT,
                                  &query->limit, &diag);
    if (err == 0) err = query_int(exchange, "after", 0, LTY_JSON_INT_MAX, 0, &query->after, &diag);
    if (err == 0) err = query_int(exchange, "snapshot", 0, LTY_JSON_INT_MAX, 0, &query->snapshot,
                                  &diag);
    return queue_or_refuse(api, exchange, query, err, &diag, rfm_members_work_cb);
}

/* ---- Pareto -------------------------------------------------------------------------------- */

static int pareto_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    lty_analytics_pareto_query_t pareto_query = {.from_day = query->from_day,
                                                 .to_day = query->to_day,
                                                 .top_percent = (uint32_t)query->top_percent};
    memcpy(pareto_query.store, query->store, sizeof(pareto_query.store));
    lty_analytics_pareto_t pareto;
    int err = lty_ops_analytics_pareto(api->store, &pareto_query, &pareto);
    if (err != 0) {
        return lty_api_reply_error(exchange, err, NULL);
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    date_render(&writer, "from", query->from_day);
    date_render(&writer, "to", query->to_day);
    lty_jw_kv_string(&writer, "store", query->store);
    lty_jw_kv_int(&writer, "top_percent", query->top_percent);
    lty_jw_kv_int(&writer, "members", (int64_t)pareto.members);
    lty_jw_kv_int(&writer, "top_members", (int64_t)pareto.top_members);
    lty_jw_kv_int(&writer, "sales_cents", pareto.sales_cents);
    lty_jw_kv_int(&writer, "top_sales_cents", pareto.top_sales_cents);
    lty_jw_kv_int(&writer, "top_share_bp", pareto.top_share_bp);
    lty_jw_key(&writer, "curve");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < LTY_ANALYTICS_CURVE_POINTS; index++) {
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "members_percent", pareto.curve[index].members_percent);
        lty_jw_kv_int(&writer, "members", (int64_t)pareto.curve[index].members);
        lty_jw_kv_int(&writer, "share_bp", pareto.curve[index].share_bp);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_analytics_pareto(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    (void)params;
    analytics_query_t *query = query_new();
    if (query == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int64_t today = lty_clock_day(lty_clock_now_ms());
    int err = query_date(exchange, "to", today, &query->to_day, &diag);
    if (err == 0) err = query_date(exchange, "from", query->to_day - 364, &query->from_day, &diag);
    if (err == 0 && (query->from_day > query->to_day ||
                     query->to_day - query->from_day >= LTY_ANALYTICS_DAYS_MAX)) {
        err = lty_diag_set(&diag, LTY_E_INVALID_QUERY, "from",
                           "from <= to, at most %d days apart", LTY_ANALYTICS_DAYS_MAX);
    }
    if (err == 0) err = query_int(exchange, "top_percent", 1, 100, 20, &query->top_percent, &diag);
    if (err == 0) err = lty_api_query_string(exchange, "store", query->store,
                                             sizeof(query->store), NULL, &diag);
    return queue_or_refuse(api, exchange, query, err, &diag, pareto_work_cb);
}

/* ---- Lifecycle ----------------------------------------------------------------------------- */

static void stages_render(lty_json_writer_t *writer, const char *key, const uint64_t *stages)
{
    lty_jw_key(writer, key);
    lty_jw_object_begin(writer);
    for (unsigned int stage = 0; stage < LTY_STAGES_COUNT; stage++) {
        lty_jw_kv_int(writer, lty_analytics_stage_name(stage), (int64_t)stages[stage]);
    }
    lty_jw_object_end(writer);
}

static void lifecycle_month_render(lty_json_writer_t *writer,
                                   const lty_analytics_lifecycle_month_t *month)
{
    lty_jw_object_begin(writer);
    month_render(writer, "month", month->month);
    date_render(writer, "end", month->end_day);
    stages_render(writer, "stages", month->stages);
    lty_jw_key(writer, "flows"); /* members who moved: from "none" = enrolled that month */
    lty_jw_array_begin(writer);
    for (unsigned int from = 0; from <= LTY_STAGES_COUNT; from++) {
        for (unsigned int to = 0; to < LTY_STAGES_COUNT; to++) {
            if (from == to || month->flows[from][to] == 0) continue;
            lty_jw_object_begin(writer);
            lty_jw_kv_string(writer, "from", from == LTY_ANALYTICS_FLOW_NONE
                                                 ? "none"
                                                 : lty_analytics_stage_name(from));
            lty_jw_kv_string(writer, "to", lty_analytics_stage_name(to));
            lty_jw_kv_int(writer, "members", (int64_t)month->flows[from][to]);
            lty_jw_object_end(writer);
        }
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}

static int lifecycle_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    const lty_analytics_settings_t settings = lty__api_programme_now(api)->analytics;
    lty_analytics_lifecycle_t *lifecycle = lty_alloc(sizeof(*lifecycle));
    int err = lifecycle == NULL ? LTY_E_NOMEM
                                : lty_ops_analytics_lifecycle(api->store, &settings,
                                                              query->as_of_day,
                                                              (size_t)query->months, lifecycle);
    if (err != 0) {
        lty_free(lifecycle);
        return lty_api_reply_error(exchange, err, NULL);
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    date_render(&writer, "as_of", lifecycle->as_of_day);
    stages_render(&writer, "stages", lifecycle->stages);
    lty_jw_key(&writer, "months");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < lifecycle->months_count; index++) {
        lifecycle_month_render(&writer, &lifecycle->months[index]);
    }
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    lty_free(lifecycle);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_analytics_lifecycle(lty_api_t *api, lty_exchange_t *exchange,
                                      const lty_route_params_t *params)
{
    (void)params;
    return as_of_and_count(exchange, api, "months", LTY_ANALYTICS_MONTHS_MAX, 12, true,
                           lifecycle_work_cb);
}

/* ---- Churn --------------------------------------------------------------------------------- */

static int churn_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    const lty_analytics_settings_t settings = lty__api_programme_now(api)->analytics;
    lty_analytics_churn_t *churn = lty_alloc(sizeof(*churn));
    int err = churn == NULL ? LTY_E_NOMEM
                            : lty_ops_analytics_churn(api->store, &settings, query->as_of_day,
                                                      (size_t)query->limit, churn);
    if (err != 0) {
        lty_free(churn);
        return lty_api_reply_error(exchange, err, NULL);
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    date_render(&writer, "as_of", churn->as_of_day);
    lty_jw_kv_int(&writer, "factor_percent", settings.churn_factor_percent);
    lty_jw_kv_int(&writer, "purchase_days_min", settings.churn_purchase_days_min);
    lty_jw_kv_int(&writer, "members_checked", (int64_t)churn->members_checked);
    lty_jw_kv_int(&writer, "members_at_risk", (int64_t)churn->members_at_risk);
    lty_jw_key(&writer, "members");
    lty_jw_array_begin(&writer);
    for (size_t index = 0; index < churn->rows_count; index++) {
        const lty_analytics_churn_row_t *row = &churn->rows[index];
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "rank", (int64_t)index + 1);
        lty_jw_kv_int(&writer, "member_id", (int64_t)row->member_id);
        date_render(&writer, "last_purchase", row->last_purchase_day);
        lty_jw_kv_int(&writer, "gap_days", row->gap_days);
        lty_jw_kv_int(&writer, "median_interval_days", row->median_interval_days);
        lty_jw_kv_int(&writer, "risk_percent", row->risk_percent);
        lty_jw_kv_int(&writer, "purchase_days", (int64_t)row->purchase_days);
        lty_jw_object_end(&writer);
    }
    lty_jw_array_end(&writer);
    lty_jw_object_end(&writer);
    lty_free(churn);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_analytics_churn(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    (void)params;
    return as_of_and_count(exchange, api, "limit", LTY_ANALYTICS_CHURN_ROWS_MAX,
                           ANALYTICS_PAGE_DEFAULT, false, churn_work_cb);
}

/* ---- Health and uplift (rendered in analytics_health.c) ---------------------------------- */

static int health_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    const lty_programme_t *programme = lty__api_programme_now(api);
    lty_analytics_health_t *health = lty_alloc(sizeof(*health));
    int err = health == NULL ? LTY_E_NOMEM
                             : lty_ops_analytics_health(api->store, programme,
                                                        query->as_of_day, (size_t)query->months,
                                                        health);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty__api_health_render(&writer, programme, health);
    }
    lty_free(health);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

int lty_api_admin_analytics_health(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    (void)params;
    return as_of_and_count(exchange, api, "months", LTY_ANALYTICS_MONTHS_MAX, 12, true,
                           health_work_cb);
}

static int uplift_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const analytics_query_t *query = command;
    lty_analytics_uplift_t uplift;
    int err = lty_ops_analytics_uplift(api->store, (uint64_t)query->run_id, query->days, &uplift);
    if (err != 0) {
        return lty_api_reply_error(exchange, err, NULL);
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty__api_uplift_render(&writer, &uplift);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_analytics_uplift(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    (void)params;
    analytics_query_t *query = query_new();
    if (query == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    bool present = false;
    int err = lty_api_query_int(exchange, "run_id", 1, LTY_JSON_INT_MAX, &query->run_id, &present,
                                &diag);
    if (err == 0 && !present) {
        err = lty_diag_set(&diag, LTY_E_INVALID_QUERY, "run_id", "run_id is required");
    }
    int64_t days_default = lty__api_programme_now(api)->analytics.uplift_days;
    if (err == 0) err = query_int(exchange, "days", 1, LTY_ANALYTICS_DAYS_MAX, days_default,
                                  &query->days, &diag);
    return queue_or_refuse(api, exchange, query, err, &diag, uplift_work_cb);
}
