/* SPDX-License-Identifier: MIT */
/* Pure rules of the customer analytics: quintile scores, named RFM segments, lifecycle stages,
 * churn risk, the Pareto share, and the analytics thresholds of the programme settings (their
 * defaults, ranges and JSON form). The rules are stated once, in analytics.h; this file only
 * implements them. Not here: reading the store (ops_analytics.c). */
#include "analytics.h"
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_sort.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const segment_names[LTY_RFM_SEGMENTS_COUNT] = {
    "champions", "loyal", "potential", "new", "at_risk", "hibernating", "lost"};
static const char *const stage_names[LTY_STAGES_COUNT] = {"new", "active", "lapsing", "lapsed",
                                                          "closed"};
/* The order rules are tried in: the first that holds names the member; lost is the rest. */
static const lty_rfm_segment_t rule_order[] = {LTY_RFM_CHAMPIONS, LTY_RFM_LOYAL, LTY_RFM_NEW,
                                               LTY_RFM_POTENTIAL, LTY_RFM_AT_RISK,
                                               LTY_RFM_HIBERNATING};
#define RULES_COUNT (sizeof(rule_order) / sizeof(rule_order[0]))
_Static_assert(RULES_COUNT == LTY_RFM_SEGMENTS_COUNT - 1, "a rule for every segment but lost");

const char *lty_analytics_segment_name(unsigned int segment)
{
    return segment < LTY_RFM_SEGMENTS_COUNT ? segment_names[segment] : NULL;
}

int lty_analytics_segment_parse(const char *name)
{
    LTY_ASSERT(name != NULL);
    for (int index = 0; index < LTY_RFM_SEGMENTS_COUNT; index++) {
        if (strcmp(name, segment_names[index]) == 0) return index;
    }
    return -1;
}

const char *lty_analytics_stage_name(unsigned int stage)
{
    return stage < LTY_STAGES_COUNT ? stage_names[stage] : NULL;
}

int lty_analytics_stage_parse(const char *name)
{
    LTY_ASSERT(name != NULL);
    for (int index = 0; index < LTY_STAGES_COUNT; index++) {
        if (strcmp(name, stage_names[index]) == 0) return index;
    }
    return -1;
}

/* ---- Settings ---------------------------------------------------------------------------- */

void lty_analytics_settings_demo(lty_analytics_settings_t *settings_out)
{
    LTY_ASSERT(settings_out != NULL);
    memset(settings_out, 0, sizeof(*settings_out));
    settings_out->rfm_window_days = 365;
    /* The usual RFM grid: recent and frequent big spenders are champions; frequent ones loyal;
     * recent first-timers new; other recent ones potential; frequent ones gone quiet at risk;
     * quiet ones hibernating; the rest (long gone, seldom) lost. */
    settings_out->rules[LTY_RFM_CHAMPIONS] = (lty_rfm_rule_t){4, 5, 4, 5, 4, 5};
    settings_out->rules[LTY_RFM_LOYAL] = (lty_rfm_rule_t){3, 5, 3, 5, 1, 5};
    settings_out->rules[LTY_RFM_NEW] = (lty_rfm_rule_t){4, 5, 1, 1, 1, 5};
    settings_out->rules[LTY_RFM_POTENTIAL] = (lty_rfm_rule_t){3, 5, 1, 5, 1, 5};
    settings_out->rules[LTY_RFM_AT_RISK] = (lty_rfm_rule_t){1, 2, 3, 5, 1, 5};
    settings_out->rules[LTY_RFM_HIBERNATING] = (lty_rfm_rule_t){2, 2, 1, 5, 1, 5};
    settings_out->rules[LTY_RFM_LOST] = (lty_rfm_rule_t){1, 5, 1, 5, 1, 5}; /* unused: the rest */
    settings_out->stage_new_days = 30;
    settings_out->stage_active_days = 90;
    settings_out->stage_lapsing_days = 180;
    settings_out->churn_factor_percent = 300;
    settings_out->churn_purchase_days_min = 3;
    settings_out->uplift_days = 30;
    LTY_ASSERT(lty_analytics_settings_valid(settings_out));
}

static bool range_valid(uint8_t low, uint8_t high)
{
    return low >= 1 && low <= high && high <= LTY_ANALYTICS_SCORE_MAX;
}

bool lty_analytics_settings_valid(const lty_analytics_settings_t *settings)
{
    LTY_ASSERT(settings != NULL);
    for (size_t index = 0; index < LTY_RFM_SEGMENTS_COUNT; index++) {
        const lty_rfm_rule_t *rule = &settings->rules[index];
        if (!range_valid(rule->r_min, rule->r_max) || !range_valid(rule->f_min, rule->f_max) ||
            !range_valid(rule->m_min, rule->m_max)) {
            return false;
        }
    }
    const int64_t days[] = {settings->rfm_window_days, settings->stage_new_days,
                            settings->stage_active_days, settings->stage_lapsing_days,
                            settings->uplift_days};
    for (size_t index = 0; index < sizeof(days) / sizeof(days[0]); index++) {
        if (days[index] < 1 || days[index] > LTY_ANALYTICS_DAYS_MAX) return false;
    }
    if (settings->stage_lapsing_days <= settings->stage_active_days) return false;
    if (settings->churn_factor_percent < 100 ||
        settings->churn_factor_percent > LTY_ANALYTICS_CHURN_FACTOR_PERCENT_MAX) {
        return false;
    }
    return settings->churn_purchase_days_min >= 3 && settings->churn_purchase_days_min <= 1000;
}

/* A rule: {"r":[min,max],"f":[min,max],"m":[min,max]}, each range optional (default 1..5). */
static int range_parse(const lty_json_node_t *rule, const char *path, const char *key,
                       uint8_t *low, uint8_t *high, lty_diag_t *diag)
{
    const lty_json_node_t *array = NULL;
    size_t count = 0;
    if (lty_json_get_array(rule, path, key, false, 2, &array, &count, diag) != 0) {
        return LTY_E_CONFIG;
    }
    if (array == NULL) return 0;
    int64_t values[2] = {0, 0};
    bool ok = count == 2;
    for (size_t index = 0; ok && index < 2; index++) {
        ok = lty_json_node_int(lty_json_item(array, index), &values[index]) && values[index] >= 1 &&
             values[index] <= LTY_ANALYTICS_SCORE_MAX;
    }
    if (!ok || values[0] > values[1]) {
        return lty_diag_set(diag, LTY_E_CONFIG, path,
                            "%s/%s is [min, max] with 1 <= min <= max <= 5", path, key);
    }
    *low = (uint8_t)values[0];
    *high = (uint8_t)values[1];
    return 0;
}

static int rules_parse(const lty_json_node_t *object, lty_analytics_settings_t *settings,
                       lty_diag_t *diag)
{
    static const char *const rule_keys[] = {"r", "f", "m", NULL};
    static const char *const names[] = {"champions", "loyal", "potential", "new", "at_risk",
                                        "hibernating", NULL};
    const lty_json_node_t *segments = NULL;
    if (lty_json_get_object(object, "/analytics", "segments", false, &segments, diag) != 0 ||
        (segments != NULL &&
         lty_json_keys_check(segments, "/analytics/segments", names, diag) != 0)) {
        return LTY_E_CONFIG;
    }
    for (size_t index = 0; segments != NULL && names[index] != NULL; index++) {
        const lty_json_node_t *rule = lty_json_member(segments, names[index]);
        if (rule == NULL) continue;
        char path[64];
        snprintf(path, sizeof(path), "/analytics/segments/%s", names[index]);
        lty_rfm_rule_t *target = &settings->rules[lty_analytics_segment_parse(names[index])];
        if (lty_json_expect_object(rule, path, diag) != 0 ||
            lty_json_keys_check(rule, path, rule_keys, diag) != 0 ||
            range_parse(rule, path, "r", &target->r_min, &target->r_max, diag) != 0 ||
            range_parse(rule, path, "f", &target->f_min, &target->f_max, diag) != 0 ||
            range_parse(rule, path, "m", &target->m_min, &target->m_max, diag) != 0) {
            return LTY_E_CONFIG;
        }
    }
    return 0;
}

int lty_analytics_settings_parse(const lty_json_node_t *object,
                                 lty_analytics_settings_t *settings_io, lty_diag_t *diag)
{
    LTY_ASSERT(object != NULL && settings_io != NULL);
    static const char *const keys[] = {"rfm_window_days", "segments", "stage_new_days",
                                       "stage_active_days", "stage_lapsing_days",
                                       "churn_factor_percent", "churn_purchase_days_min",
                                       "uplift_days", NULL};
    lty_analytics_settings_t parsed = *settings_io;
    const struct {
        const char *key;
        int64_t *value;
        int64_t min, max;
    } ints[] = {
        {"rfm_window_days", &parsed.rfm_window_days, 1, LTY_ANALYTICS_DAYS_MAX},
        {"stage_new_days", &parsed.stage_new_days, 1, LTY_ANALYTICS_DAYS_MAX},
        {"stage_active_days", &parsed.stage_active_days, 1, LTY_ANALYTICS_DAYS_MAX},
        {"stage_lapsing_days", &parsed.stage_lapsing_days, 1, LTY_ANALYTICS_DAYS_MAX},
        {"churn_factor_percent", &parsed.churn_factor_percent, 100,
         LTY_ANALYTICS_CHURN_FACTOR_PERCENT_MAX},
        {"churn_purchase_days_min", &parsed.churn_purchase_days_min, 3, 1000},
        {"uplift_days", &parsed.uplift_days, 1, LTY_ANALYTICS_DAYS_MAX},
    };
    if (lty_json_expect_object(object, "/analytics", diag) != 0 ||
        lty_json_keys_check(object, "/analytics", keys, diag) != 0) {
        return LTY_E_CONFIG;
    }
    for (size_t index = 0; index < sizeof(ints) / sizeof(ints[0]); index++) {
        if (lty_json_get_int(object, "/analytics", ints[index].key, false, ints[index].min,
                             ints[index].max, ints[index].value, NULL, diag) != 0) {
            return LTY_E_CONFIG;
        }
    }
    if (rules_parse(object, &parsed, diag) != 0) return LTY_E_CONFIG;
    if (parsed.stage_lapsing_days <= parsed.stage_active_days) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/analytics/stage_lapsing_days",
                            "stage_lapsing_days must exceed stage_active_days (%lld)",
                            (long long)parsed.stage_active_days);
    }
    LTY_ASSERT(lty_analytics_settings_valid(&parsed));
    *settings_io = parsed;
    return 0;
}

static void range_render(lty_json_writer_t *writer, const char *key, uint8_t low, uint8_t high)
{
    lty_jw_key(writer, key);
    lty_jw_array_begin(writer);
    lty_jw_int(writer, low);
    lty_jw_int(writer, high);
    lty_jw_array_end(writer);
}

void lty_analytics_settings_render(const lty_analytics_settings_t *settings,
                                   lty_json_writer_t *writer)
{
    LTY_ASSERT(lty_analytics_settings_valid(settings));
    LTY_ASSERT(writer != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "rfm_window_days", settings->rfm_window_days);
    lty_jw_kv_int(writer, "stage_new_days", settings->stage_new_days);
    lty_jw_kv_int(writer, "stage_active_days", settings->stage_active_days);
    lty_jw_kv_int(writer, "stage_lapsing_days", settings->stage_lapsing_days);
    lty_jw_kv_int(writer, "churn_factor_percent", settings->churn_factor_percent);
    lty_jw_kv_int(writer, "churn_purchase_days_min", settings->churn_purchase_days_min);
    lty_jw_kv_int(writer, "uplift_days", settings->uplift_days);
    /* The segment rules last: an audit record's old and new values (256 bytes) keep the
     * thresholds above whole. */
    lty_jw_key(writer, "segments");
    lty_jw_object_begin(writer);
    for (size_t index = 0; index < LTY_RFM_SEGMENTS_COUNT; index++) {
        if (index == LTY_RFM_LOST) continue;
        const lty_rfm_rule_t *rule = &settings->rules[index];
        lty_jw_key(writer, segment_names[index]);
        lty_jw_object_begin(writer);
        range_render(writer, "r", rule->r_min, rule->r_max);
        range_render(writer, "f", rule->f_min, rule->f_max);
        range_render(writer, "m", rule->m_min, rule->m_max);
        lty_jw_object_end(writer);
    }
    lty_jw_object_end(writer);
    lty_jw_object_end(writer);
}

/* ---- Scores and segments ------------------------------------------------------------------ */

/* Worse first: for "lower is better" the larger values come first. */
static int rank_compare_desc(const void *left, const void *right)
{
    const lty_analytics_rank_t *a = left, *b = right;
    return a->value < b->value ? 1 : a->value > b->value ? -1 : 0;
}

static int rank_compare_asc(const void *left, const void *right)
{
    return rank_compare_desc(right, left);
}

void lty_analytics_scores(const int64_t *values, size_t count, bool lower_is_better,
                          lty_analytics_rank_t *scratch, uint8_t *scores_out)
{
    LTY_ASSERT(count == 0 || (values != NULL && scratch != NULL && scores_out != NULL));
    LTY_ASSERT(count <= UINT32_MAX);
    for (size_t index = 0; index < count; index++) {
        scratch[index] = (lty_analytics_rank_t){.value = values[index], .index = (uint32_t)index};
    }
    lty_sort(scratch, count, sizeof(*scratch), lower_is_better ? rank_compare_desc : rank_compare_asc);
    size_t worse = 0; /* members before the current group: strictly worse */
    for (size_t index = 0; index < count; index++) {
        if (index > 0 && scratch[index].value != scratch[index - 1].value) worse = index;
        uint64_t score = 1 + (uint64_t)LTY_ANALYTICS_SCORE_MAX * worse / count;
        LTY_ASSERT(score >= 1 && score <= LTY_ANALYTICS_SCORE_MAX);
        scores_out[scratch[index].index] = (uint8_t)score;
    }
}

static bool rule_holds(const lty_rfm_rule_t *rule, uint8_t r, uint8_t f, uint8_t m)
{
    return r >= rule->r_min && r <= rule->r_max && f >= rule->f_min && f <= rule->f_max &&
           m >= rule->m_min && m <= rule->m_max;
}

lty_rfm_segment_t lty_analytics_segment(const lty_analytics_settings_t *settings, uint8_t r,
                                        uint8_t f, uint8_t m)
{
    LTY_ASSERT(settings != NULL);
    LTY_ASSERT(r >= 1 && r <= 5 && f >= 1 && f <= 5 && m >= 1 && m <= 5);
    for (size_t index = 0; index < RULES_COUNT; index++) {
        if (rule_holds(&settings->rules[rule_order[index]], r, f, m)) return rule_order[index];
    }
    return LTY_RFM_LOST;
}

/* ---- Lifecycle and churn ------------------------------------------------------------------ */

lty_stage_t lty_analytics_stage(const lty_analytics_settings_t *settings,
                                const lty_analytics_life_t *life, int64_t day)
{
    LTY_ASSERT(settings != NULL && life != NULL);
    LTY_ASSERT(life->last_purchase_day <= day);
    if (life->closed_day >= 0 && life->closed_day <= day) return LTY_STAGE_CLOSED;
    if (day - life->enrolled_day < settings->stage_new_days) return LTY_STAGE_NEW;
    if (life->last_purchase_day < 0) return LTY_STAGE_LAPSED; /* never bought since enrolling */
    int64_t gap = day - life->last_purchase_day;
    if (gap <= settings->stage_active_days) return LTY_STAGE_ACTIVE;
    if (gap <= settings->stage_lapsing_days) return LTY_STAGE_LAPSING;
    return LTY_STAGE_LAPSED;
}

static int gap_compare(const void *left, const void *right)
{
    int64_t a = *(const int64_t *)left, b = *(const int64_t *)right;
    return a < b ? -1 : a > b ? 1 : 0;
}

#define GAPS_MAX 1024 /* a median over more gaps uses the last GAPS_MAX of them */

int64_t lty_analytics_median_interval(const uint32_t *days, size_t count)
{
    LTY_ASSERT(days != NULL && count >= 2);
    int64_t gaps[GAPS_MAX];
    size_t first = count - 1 > GAPS_MAX ? count - 1 - GAPS_MAX : 0;
    size_t gaps_count = 0;
    for (size_t index = first + 1; index < count; index++) {
        LTY_ASSERT(days[index] > days[index - 1]);
        gaps[gaps_count++] = (int64_t)days[index] - (int64_t)days[index - 1];
    }
    lty_sort(gaps, gaps_count, sizeof(gaps[0]), gap_compare);
    return gaps[(gaps_count - 1) / 2];
}

bool lty_analytics_churn(const lty_analytics_settings_t *settings, const uint32_t *days,
                         size_t count, int64_t as_of_day, int64_t *risk_percent_out,
                         int64_t *median_out)
{
    LTY_ASSERT(settings != NULL && risk_percent_out != NULL && median_out != NULL);
    LTY_ASSERT(count == 0 || days[count - 1] <= as_of_day);
    if (count < 2 || (int64_t)count < settings->churn_purchase_days_min) return false;
    int64_t median = lty_analytics_median_interval(days, count);
    LTY_ASSERT(median >= 1);
    int64_t gap = as_of_day - (int64_t)days[count - 1];
    *median_out = median;
    *risk_percent_out = gap * 100 / median;
    /* gap > factor/100 * median, in integers: gap * 100 > factor * median */
    return gap * 100 > settings->churn_factor_percent * median;
}

/* ---- Pareto ------------------------------------------------------------------------------- */

int64_t lty_analytics_share_bp(int64_t part, int64_t whole)
{
    LTY_ASSERT(part >= 0 && part <= whole);
    return lty_ledger_pro_rata(LTY_ANALYTICS_BP, part, whole);
}

/* Best first: more cents first, then the lower member id (the tie rule at the cut). */
static int sales_compare(const void *left, const void *right)
{
    const lty_analytics_sales_t *a = left, *b = right;
    if (a->sales_cents != b->sales_cents) return a->sales_cents > b->sales_cents ? -1 : 1;
    return a->member_id < b->member_id ? -1 : a->member_id > b->member_id ? 1 : 0;
}

static uint64_t ceil_percent(uint64_t count, uint64_t percent)
{
    return (count * percent + 99) / 100;
}

void lty_analytics_pareto(lty_analytics_sales_t *items, size_t count, uint32_t top_percent,
                          lty_analytics_pareto_t *pareto_out)
{
    LTY_ASSERT(count == 0 || items != NULL);
    LTY_ASSERT(top_percent >= 1 && top_percent <= 100 && pareto_out != NULL);
    memset(pareto_out, 0, sizeof(*pareto_out));
    lty_sort(items, count, sizeof(*items), sales_compare);
    int64_t total = 0;
    for (size_t index = 0; index < count; index++) {
        LTY_ASSERT(items[index].sales_cents > 0);
        total = total > INT64_MAX / 2 - items[index].sales_cents ? INT64_MAX / 2
                                                                 : total + items[index].sales_cents;
    }
    pareto_out->members = count;
    pareto_out->sales_cents = total;
    pareto_out->top_members = ceil_percent(count, top_percent);
    size_t point = 0;
    int64_t running = 0;
    for (size_t index = 0; index <= count; index++) {
        if (index == pareto_out->top_members) pareto_out->top_sales_cents = running;
        while (point < LTY_ANALYTICS_CURVE_POINTS &&
               ceil_percent(count, 10 * (point + 1)) == index) {
            pareto_out->curve[point].members_percent = (uint32_t)(10 * (point + 1));
            pareto_out->curve[point].members = index;
            pareto_out->curve[point].share_bp = lty_analytics_share_bp(running, total);
            point++;
        }
        if (index == count) break;
        running = running > INT64_MAX / 2 - items[index].sales_cents
                      ? INT64_MAX / 2
                      : running + items[index].sales_cents;
    }
    LTY_ASSERT(point == LTY_ANALYTICS_CURVE_POINTS);
    if (pareto_out->top_members > 0) {
        pareto_out->last_top_member_id = items[pareto_out->top_members - 1].member_id;
    }
    pareto_out->top_share_bp = lty_analytics_share_bp(pareto_out->top_sales_cents, total);
}

/* ---- Calendar ----------------------------------------------------------------------------- */

uint64_t lty_analytics_month_of_day(int64_t day)
{
    LTY_ASSERT(day >= 0);
    return lty_ledger_month_index(day * LTY_MS_PER_DAY);
}

int64_t lty_analytics_month_first_day(uint64_t month)
{
    LTY_ASSERT(month < UINT64_C(12) * 10000);
    /* Days from a civil date (proleptic Gregorian; H. Hinnant's algorithm), day 1 of the month. */
    int64_t year = 1970 + (int64_t)(month / 12);
    int64_t month_of_year = (int64_t)(month % 12) + 1;
    year -= month_of_year <= 2;
    int64_t era = year / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month_of_year + (month_of_year > 2 ? -3 : 9)) + 2) / 5;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    int64_t days = era * 146097 + day_of_era - 719468;
    LTY_ASSERT(lty_analytics_month_of_day(days) == month);
    return days;
}

/* ---- Sales -------------------------------------------------------------------------------- */

int64_t lty_analytics_sale_net_cents(const lty_sale_t *sale)
{
    LTY_ASSERT(sale != NULL);
    LTY_ASSERT(sale->lines_count <= LTY_BASKET_LINES_MAX);
    int64_t net = sale->total_cents;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        const lty_sale_line_t *item = &sale->lines[line];
        if (item->qty_returned > 0) {
            net -= lty_ledger_line_refund_cum(item->amount_cents, item->qty, item->qty_returned);
        }
    }
    if (!lty_analytics_sale_counts(sale) || net < 0) net = 0;
    return net;
}

bool lty_analytics_sale_counts(const lty_sale_t *sale)
{
    LTY_ASSERT(sale != NULL);
    return sale->status != LTY_SALE_RETURNED && sale->status != LTY_SALE_VOIDED;
}
