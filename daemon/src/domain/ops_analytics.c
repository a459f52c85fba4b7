/* SPDX-License-Identifier: MIT */
/* The analytics reports over the whole membership: the walk over every member and their
 * purchase days (in slices of short read transactions, so the till's writer never waits on a
 * report), and what RFM, Pareto, lifecycle and churn make of it with the pure rules of
 * analytics.c. Health and uplift: ops_analytics_health.c. Segments: ops_segment.c.
 *
 * Policies (docs/analytics.md): the reports read only the purchase-day records, which the
 * writer keeps per member as sales, returns and voids happen, never the journal; RFM and churn
 * judge open members (closed ones are no customers to win), Pareto counts every member's sales
 * (closed members' sales were real). */
#include "ops_analytics.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"
#include "lty/lty_sort.h"

#include <stdlib.h>
#include <string.h>

/* ---- The walk ---------------------------------------------------------------------------- */

typedef struct walk_s {
    lty_analytics_day_t *days;
    size_t days_capacity;
    uint64_t next_id;            /* the member to start the next slice at */
    bool done;
} walk_t;

int lty__ops_analytics_reserve(void **items, size_t *capacity, size_t count, size_t item_size)
{
    LTY_ASSERT(items != NULL && capacity != NULL && item_size > 0);
    if (count <= *capacity) return 0;
    size_t grown = *capacity == 0 ? 1024 : *capacity * 2;
    while (grown < count) grown *= 2;
    uint8_t *bigger = lty_alloc(grown * item_size);
    if (bigger == NULL) return LTY_E_NOMEM;
    if (*capacity > 0) memcpy(bigger, *items, *capacity * item_size);
    lty_free(*items);
    *items = bigger;
    *capacity = grown;
    return 0;
}

static int days_reserve(walk_t *walk, size_t count)
{
    return lty__ops_analytics_reserve((void **)&walk->days, &walk->days_capacity, count,
                                      sizeof(*walk->days));
}

/* Read member_id's purchase days with cursor (a member-ledger cursor of the slice's txn). */
static int member_days_read(walk_t *walk, lty_store_cursor_t *cursor, uint64_t member_id,
                            size_t *count_out)
{
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_PURCHASE);
    lty_bytes_t key = {0}, value = {0};
    size_t count = 0;
    int err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && lty_key_member_part_is(key, member_id, LTY_PART_PURCHASE) &&
           count < LTY_ANALYTICS_MEMBER_DAYS_MAX) {
        lty_purchase_day_t record;
        err = days_reserve(walk, count + 1);
        if (err == 0) err = lty_record_purchase_day_decode(key, value, &record);
        if (err != 0) break;
        lty_analytics_day_t *day = &walk->days[count++];
        day->day = record.day;
        day->purchases = record.purchases;
        day->sales_cents = record.sales_cents;
        memcpy(day->store, record.store, sizeof(day->store));
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    *count_out = count;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* One slice: up to LTY_ANALYTICS_SLICE_MEMBERS members from walk->next_id, in one read txn. */
static int walk_slice(lty_store_t *store, walk_t *walk, lty_analytics_member_cb member_cb,
                      void *userdata)
{
    lty_store_txn_t *txn = NULL;
    lty_store_cursor_t *members = NULL, *ledger = NULL;
    int err = lty_store_read_begin(store, &txn);
    if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_MEMBERS, &members);
    if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &ledger);
    lty_key_t start;
    lty_key_id(&start, walk->next_id);
    lty_bytes_t key = {0}, value = {0};
    if (err == 0) {
        err = lty_store_cursor_seek(members, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    }
    for (size_t visited = 0; err == 0 && visited < LTY_ANALYTICS_SLICE_MEMBERS; visited++) {
        lty_member_t member;
        size_t days_count = 0;
        err = lty_record_member_decode(value, &member);
        if (err == 0) err = member_days_read(walk, ledger, member.member_id, &days_count);
        if (err == 0) err = member_cb(userdata, &member, walk->days, days_count);
        if (err != 0) break;
        walk->next_id = member.member_id + 1;
        err = lty_store_cursor_seek(members, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    if (err == LTY_E_NOT_FOUND) {
        walk->done = true;
        err = 0;
    }
    lty_store_cursor_close(ledger);
    lty_store_cursor_close(members);
    lty_store_txn_abort(txn);
    return err;
}

int lty_ops_analytics_walk(lty_store_t *store, lty_analytics_member_cb member_cb, void *userdata)
{
    LTY_ASSERT(store != NULL && member_cb != NULL);
    walk_t walk = {.next_id = 1};
    int err = 0;
    while (err == 0 && !walk.done) err = walk_slice(store, &walk, member_cb, userdata);
    lty_free(walk.days);
    return err;
}

/* ---- Shared: per-member figures over a window ---------------------------------------------- */

/* Purchases and net cents of days within [from_day, to_day] (store "" = all). */
static void window_sums(const lty_analytics_day_t *days, size_t count, int64_t from_day,
                        int64_t to_day, const char *store, int64_t *purchases_out,
                        int64_t *cents_out)
{
    int64_t purchases = 0, cents = 0;
    for (size_t index = 0; index < count; index++) {
        const lty_analytics_day_t *day = &days[index];
        if (day->day < from_day || day->day > to_day) continue;
        if (store[0] != '\0' && strcmp(store, day->store) != 0) continue;
        purchases += day->purchases;
        cents += day->sales_cents;
    }
    *purchases_out = purchases;
    *cents_out = cents;
}

/* The last day on or before to_day with a purchase that still counts; -1 if none. */
static int64_t last_purchase_day(const lty_analytics_day_t *days, size_t count, int64_t to_day)
{
    for (size_t index = count; index > 0; index--) {
        const lty_analytics_day_t *day = &days[index - 1];
        if (day->day <= to_day && day->purchases > 0) return day->day;
    }
    return -1;
}

static bool member_open_on(const lty_member_t *member, int64_t day)
{
    return member->status != LTY_MEMBER_CLOSED || lty_clock_day(member->closed_ms) > day;
}

/* ---- RFM ----------------------------------------------------------------------------------- */

typedef struct rfm_walk_s {
    lty_analytics_rfm_t *rfm;
    size_t capacity;
} rfm_walk_t;

static int rfm_member_cb(void *userdata, const lty_member_t *member,
                         const lty_analytics_day_t *days, size_t days_count)
{
    rfm_walk_t *walk = userdata;
    lty_analytics_rfm_t *rfm = walk->rfm;
    if (!member_open_on(member, rfm->as_of_day) ||
        lty_clock_day(member->created_ms) > rfm->as_of_day) {
        return 0;
    }
    int64_t last = last_purchase_day(days, days_count, rfm->as_of_day);
    if (last < 0) {
        rfm->members_without_purchase++;
        return 0;
    }
    int err = lty__ops_analytics_reserve((void **)&rfm->members, &walk->capacity,
                                         rfm->members_scored + 1, sizeof(*rfm->members));
    if (err != 0) return err;
    lty_analytics_rfm_member_t *row = &rfm->members[rfm->members_scored++];
    memset(row, 0, sizeof(*row));
    row->member_id = member->member_id;
    row->recency_days = rfm->as_of_day - last;
    window_sums(days, days_count, rfm->as_of_day - rfm->window_days + 1, rfm->as_of_day, "",
                &row->frequency, &row->monetary_cents);
    return 0;
}

/* Scores of one measure for every scored member; values and scores are scratch. */
static int rfm_score(lty_analytics_rfm_t *rfm, size_t measure, int64_t *values, uint8_t *scores,
                     lty_analytics_rank_t *ranks)
{
    size_t count = rfm->members_scored;
    for (size_t index = 0; index < count; index++) {
        const lty_analytics_rfm_member_t *row = &rfm->members[index];
        values[index] = measure == 0 ? row->recency_days
                        : measure == 1 ? row->frequency
                                       : row->monetary_cents;
    }
    lty_analytics_scores(values, count, measure == 0, ranks, scores);
    for (size_t index = 0; index < count; index++) {
        lty_analytics_rfm_member_t *row = &rfm->members[index];
        uint8_t *target = measure == 0 ? &row->r : measure == 1 ? &row->f : &row->m;
        *target = scores[index];
        rfm->scores[measure][scores[index] - 1]++;
    }
    return 0;
}

int lty_ops_analytics_rfm(lty_store_t *store, const lty_analytics_settings_t *settings,
                          int64_t as_of_day, int64_t window_days, lty_analytics_rfm_t *rfm_out)
{
    LTY_ASSERT(store != NULL && settings != NULL && rfm_out != NULL);
    LTY_ASSERT(as_of_day >= 0 && window_days >= 1 && window_days <= LTY_ANALYTICS_DAYS_MAX);
    memset(rfm_out, 0, sizeof(*rfm_out));
    rfm_out->as_of_day = as_of_day;
    rfm_out->window_days = window_days;
    rfm_walk_t walk = {.rfm = rfm_out};
    int err = lty_ops_analytics_walk(store, rfm_member_cb, &walk);
    size_t count = rfm_out->members_scored;
    int64_t *values = err == 0 && count > 0 ? lty_alloc(count * sizeof(*values)) : NULL;
    uint8_t *scores = err == 0 && count > 0 ? lty_alloc(count) : NULL;
    lty_analytics_rank_t *ranks = err == 0 && count > 0 ? lty_alloc(count * sizeof(*ranks)) : NULL;
    if (err == 0 && count > 0 && (values == NULL || scores == NULL || ranks == NULL)) {
        err = LTY_E_NOMEM;
    }
    for (size_t measure = 0; err == 0 && count > 0 && measure < 3; measure++) {
        err = rfm_score(rfm_out, measure, values, scores, ranks);
    }
    lty_free(ranks);
    lty_free(scores);
    lty_free(values);
    for (size_t index = 0; err == 0 && index < count; index++) {
        lty_analytics_rfm_member_t *row = &rfm_out->members[index];
        row->segment = (uint8_t)lty_analytics_segment(settings, row->r, row->f, row->m);
        rfm_out->segments[row->segment]++;
        rfm_out->grid[row->r - 1][row->f - 1]++;
    }
    if (err != 0) lty_ops_analytics_rfm_free(rfm_out);
    return err;
}

void lty_ops_analytics_rfm_free(lty_analytics_rfm_t *rfm)
{
    LTY_ASSERT(rfm != NULL);
    lty_free(rfm->members);
    rfm->members = NULL;
    rfm->members_scored = 0;
}

const lty_analytics_rfm_member_t *lty_ops_analytics_rfm_find(const lty_analytics_rfm_t *rfm,
                                                             uint64_t member_id)
{
    LTY_ASSERT(rfm != NULL);
    size_t low = 0, high = rfm->members_scored;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (rfm->members[middle].member_id < member_id) low = middle + 1;
        else high = middle;
    }
    if (low < rfm->members_scored && rfm->members[low].member_id == member_id) {
        return &rfm->members[low];
    }
    return NULL;
}

/* ---- Pareto -------------------------------------------------------------------------------- */

typedef struct pareto_walk_s {
    const lty_analytics_pareto_query_t *query;
    lty_analytics_sales_t *items;
    size_t count;
    size_t capacity;
} pareto_walk_t;

static int pareto_member_cb(void *userdata, const lty_member_t *member,
                            const lty_analytics_day_t *days, size_t days_count)
{
    pareto_walk_t *walk = userdata;
    int64_t purchases = 0, cents = 0;
    window_sums(days, days_count, walk->query->from_day, walk->query->to_day, walk->query->store,
                &purchases, &cents);
    if (cents <= 0) return 0;
    int err = lty__ops_analytics_reserve((void **)&walk->items, &walk->capacity, walk->count + 1,
                                         sizeof(*walk->items));
    if (err != 0) return err;
    walk->items[walk->count++] = (lty_analytics_sales_t){.member_id = member->member_id,
                                                        .sales_cents = cents};
    return 0;
}

int lty_ops_analytics_pareto(lty_store_t *store, const lty_analytics_pareto_query_t *query,
                             lty_analytics_pareto_t *pareto_out)
{
    LTY_ASSERT(store != NULL && query != NULL && pareto_out != NULL);
    LTY_ASSERT(query->from_day >= 0 && query->from_day <= query->to_day);
    LTY_ASSERT(query->top_percent >= 1 && query->top_percent <= 100);
    pareto_walk_t walk = {.query = query};
    int err = lty_ops_analytics_walk(store, pareto_member_cb, &walk);
    if (err == 0) lty_analytics_pareto(walk.items, walk.count, query->top_percent, pareto_out);
    lty_free(walk.items);
    return err;
}

/* ---- Lifecycle ------------------------------------------------------------------------------ */

typedef struct lifecycle_walk_s {
    const lty_analytics_settings_t *settings;
    lty_analytics_lifecycle_t *lifecycle;
    int64_t before_end_day;      /* the end of the month before the first one */
} lifecycle_walk_t;

/* The member's stage on day, or LTY_ANALYTICS_FLOW_NONE before they enrolled. */
static size_t stage_on(const lty_analytics_settings_t *settings, const lty_member_t *member,
                       const lty_analytics_day_t *days, size_t days_count, int64_t day)
{
    lty_analytics_life_t life = {.enrolled_day = lty_clock_day(member->created_ms),
                                 .closed_day = member->status == LTY_MEMBER_CLOSED
                                                   ? lty_clock_day(member->closed_ms)
                                                   : -1,
                                 .last_purchase_day = last_purchase_day(days, days_count, day)};
    if (life.enrolled_day > day) return LTY_ANALYTICS_FLOW_NONE;
    return (size_t)lty_analytics_stage(settings, &life, day);
}

static int lifecycle_member_cb(void *userdata, const lty_member_t *member,
                               const lty_analytics_day_t *days, size_t days_count)
{
    lifecycle_walk_t *walk = userdata;
    lty_analytics_lifecycle_t *lifecycle = walk->lifecycle;
    size_t before = stage_on(walk->settings, member, days, days_count, walk->before_end_day);
    for (size_t index = 0; index < lifecycle->months_count; index++) {
        lty_analytics_lifecycle_month_t *month = &lifecycle->months[index];
        size_t now = stage_on(walk->settings, member, days, days_count, month->end_day);
        if (now != LTY_ANALYTICS_FLOW_NONE) {
            month->stages[now]++;
            month->flows[before][now]++;
        }
        before = now;
    }
    if (before != LTY_ANALYTICS_FLOW_NONE) lifecycle->stages[before]++;
    return 0;
}

int lty_ops_analytics_lifecycle(lty_store_t *store, const lty_analytics_settings_t *settings,
                                int64_t as_of_day, size_t months_count,
                                lty_analytics_lifecycle_t *lifecycle_out)
{
    LTY_ASSERT(store != NULL && settings != NULL && lifecycle_out != NULL);
    LTY_ASSERT(months_count >= 1 && months_count <= LTY_ANALYTICS_MONTHS_MAX && as_of_day >= 0);
    memset(lifecycle_out, 0, sizeof(*lifecycle_out));
    lifecycle_out->as_of_day = as_of_day;
    uint64_t last_month = lty_analytics_month_of_day(as_of_day);
    months_count = last_month + 1 < months_count ? (size_t)last_month + 1 : months_count;
    lifecycle_out->months_count = months_count;
    for (size_t index = 0; index < months_count; index++) {
        uint64_t month = last_month - (months_count - 1 - index);
        lifecycle_out->months[index].month = month;
        lifecycle_out->months[index].end_day =
            index + 1 == months_count ? as_of_day : lty_analytics_month_first_day(month + 1) - 1;
    }
    lifecycle_walk_t walk = {
        .settings = settings,
        .lifecycle = lifecycle_out,
        .before_end_day = lty_analytics_month_first_day(lifecycle_out->months[0].month) - 1};
    return lty_ops_analytics_walk(store, lifecycle_member_cb, &walk);
}

/* ---- Churn --------------------------------------------------------------------------------- */

typedef struct churn_walk_s {
    const lty_analytics_settings_t *settings;
    lty_analytics_churn_t *churn;
    lty_analytics_churn_row_t *rows;  /* every member at risk, ranked at the end */
    size_t count;
    size_t capacity;
    uint32_t *days;                   /* scratch: a member's distinct purchase days */
} churn_walk_t;

static int churn_row_add(churn_walk_t *walk, const lty_analytics_churn_row_t *row)
{
    int err = lty__ops_analytics_reserve((void **)&walk->rows, &walk->capacity, walk->count + 1,
                                         sizeof(*walk->rows));
    if (err != 0) return err;
    walk->rows[walk->count++] = *row;
    return 0;
}

static int churn_member_cb(void *userdata, const lty_member_t *member,
                           const lty_analytics_day_t *days, size_t days_count)
{
    churn_walk_t *walk = userdata;
    int64_t as_of_day = walk->churn->as_of_day;
    if (!member_open_on(member, as_of_day)) return 0;
    size_t distinct = 0; /* days with a purchase that counts, once per day, up to as_of */
    for (size_t index = 0; index < days_count && days[index].day <= as_of_day; index++) {
        if (days[index].purchases == 0) continue;
        if (distinct > 0 && walk->days[distinct - 1] == days[index].day) continue;
        walk->days[distinct++] = days[index].day;
    }
    if ((int64_t)distinct < walk->settings->churn_purchase_days_min) return 0;
    walk->churn->members_checked++;
    lty_analytics_churn_row_t row = {.member_id = member->member_id,
                                     .purchase_days = distinct,
                                     .last_purchase_day = walk->days[distinct - 1]};
    if (!lty_analytics_churn(walk->settings, walk->days, distinct, as_of_day, &row.risk_percent,
                             &row.median_interval_days)) {
        return 0;
    }
    row.gap_days = as_of_day - row.last_purchase_day;
    walk->churn->members_at_risk++;
    return churn_row_add(walk, &row);
}

/* Highest risk first, then the lower member id. */
static int churn_compare(const void *left, const void *right)
{
    const lty_analytics_churn_row_t *a = left, *b = right;
    if (a->risk_percent != b->risk_percent) return a->risk_percent > b->risk_percent ? -1 : 1;
    return a->member_id < b->member_id ? -1 : a->member_id > b->member_id ? 1 : 0;
}

int lty_ops_analytics_churn(lty_store_t *store, const lty_analytics_settings_t *settings,
                            int64_t as_of_day, size_t rows_max, lty_analytics_churn_t *churn_out)
{
    LTY_ASSERT(store != NULL && settings != NULL && churn_out != NULL);
    LTY_ASSERT(rows_max >= 1 && rows_max <= LTY_ANALYTICS_CHURN_ROWS_MAX && as_of_day >= 0);
    memset(churn_out, 0, sizeof(*churn_out));
    churn_out->as_of_day = as_of_day;
    churn_walk_t walk = {.settings = settings, .churn = churn_out};
    walk.days = lty_alloc(LTY_ANALYTICS_MEMBER_DAYS_MAX * sizeof(*walk.days));
    int err =
        walk.days == NULL ? LTY_E_NOMEM : lty_ops_analytics_walk(store, churn_member_cb, &walk);
    if (err == 0) {
        lty_sort(walk.rows, walk.count, sizeof(*walk.rows), churn_compare);
        churn_out->rows_count = walk.count < rows_max ? walk.count : rows_max;
        if (churn_out->rows_count > 0) {
            memcpy(churn_out->rows, walk.rows, churn_out->rows_count * sizeof(*walk.rows));
        }
    }
    lty_free(walk.rows);
    lty_free(walk.days);
    return err;
}
