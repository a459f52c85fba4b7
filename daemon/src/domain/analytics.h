/* SPDX-License-Identifier: MIT */
/**
 * @file analytics.h
 * Pure rules of the customer analytics: RFM quintile scores and named segments, the
 * lifecycle stage of a member on a day, churn risk from a member's own rhythm of purchases, and
 * the Pareto share of the best members. Also the analytics thresholds of the programme settings
 * (the "analytics" object of the programme JSON: parse, render, defaults, ranges).
 *
 * Owns: the rules only. No I/O, no LMDB, no allocation: the caller (ops_analytics.c) walks the
 * members' purchase days, fills these structs and passes any scratch memory.
 *
 * Rules (docs/analytics.md):
 * - Scores: for each of R (days since the last purchase, fewer is better), F (purchases in the
 *   window) and M (net sales in the window, returns netted out of the purchases they return),
 *   score = 1 + floor(5 * worse / n), where n is the number of members scored and worse the
 *   number of them with a strictly worse value. Ties get one score, the one of the first place
 *   their value holds, so the worst value always scores 1 and equal values never differ.
 * - Segments: the rules of the settings are tried in the order champions, loyal, new, potential,
 *   at risk, hibernating; the first whose three score ranges all hold names the member; a member
 *   no rule names is lost.
 * - Stages on a day: closed (the account was closed by then); new (enrolled fewer than
 *   stage_new_days before); active (last purchase at most stage_active_days before); lapsing
 *   (at most stage_lapsing_days before); lapsed (older, or never bought after the new period).
 * - Churn risk: at least churn_purchase_days_min distinct purchase days; the median interval is
 *   the lower median of the gaps between consecutive purchase days; at risk when the current
 *   gap (days since the last purchase) exceeds churn_factor_percent / 100 times that median.
 * - Pareto: members with net sales above zero, best first (more cents first, then the lower
 *   member id); top = ceil(n * top_percent / 100); shares in basis points, rounded down.
 */
#ifndef LTY_ANALYTICS_H
#define LTY_ANALYTICS_H

#include "lty/lty_buf.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "records.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The named RFM segments. Numbers are bit positions in a segment filter (on disk). */
typedef enum lty_rfm_segment {
    LTY_RFM_CHAMPIONS = 0,
    LTY_RFM_LOYAL = 1,
    LTY_RFM_POTENTIAL = 2,
    LTY_RFM_NEW = 3,
    LTY_RFM_AT_RISK = 4,
    LTY_RFM_HIBERNATING = 5,
    LTY_RFM_LOST = 6,
    LTY_RFM_SEGMENTS_COUNT = 7,
} lty_rfm_segment_t;

/** Lifecycle stages. Numbers are bit positions in a segment filter (on disk). */
typedef enum lty_stage {
    LTY_STAGE_NEW = 0,
    LTY_STAGE_ACTIVE = 1,
    LTY_STAGE_LAPSING = 2,
    LTY_STAGE_LAPSED = 3,
    LTY_STAGE_CLOSED = 4,
    LTY_STAGES_COUNT = 5,
} lty_stage_t;

#define LTY_ANALYTICS_SCORE_MAX 5
#define LTY_ANALYTICS_DAYS_MAX 36500          /* any window or threshold in days */
#define LTY_ANALYTICS_CHURN_FACTOR_PERCENT_MAX 10000
#define LTY_ANALYTICS_BP 10000                /* basis points in a whole */
#define LTY_ANALYTICS_CURVE_POINTS 10         /* the Pareto curve: the share at each decile */

/** One segment rule: inclusive score ranges 1..5 for R, F and M. */
typedef struct lty_rfm_rule_s {
    uint8_t r_min, r_max;
    uint8_t f_min, f_max;
    uint8_t m_min, m_max;
} lty_rfm_rule_t;

/** The analytics thresholds of the programme settings (JSON "analytics"). */
typedef struct lty_analytics_settings_s {
    int64_t rfm_window_days;                       /* 365: F and M count this window */
    lty_rfm_rule_t rules[LTY_RFM_SEGMENTS_COUNT];  /* LTY_RFM_LOST's is unused: the rest */
    int64_t stage_new_days;                        /* 30 */
    int64_t stage_active_days;                     /* 90 */
    int64_t stage_lapsing_days;                    /* 180 (> stage_active_days) */
    int64_t churn_factor_percent;                  /* 300: 3 times the median interval */
    int64_t churn_purchase_days_min;               /* 3 */
    int64_t uplift_days;                           /* 30: campaign window and the one before */
} lty_analytics_settings_t;

/** "champions", "loyal", "potential", "new", "at_risk", "hibernating", "lost"; NULL if unknown. */
const char *lty_analytics_segment_name(unsigned int segment);
/** The segment of a name, or -1. */
int lty_analytics_segment_parse(const char *name);
/** "new", "active", "lapsing", "lapsed", "closed"; NULL if unknown. */
const char *lty_analytics_stage_name(unsigned int stage);
/** The stage of a name, or -1. */
int lty_analytics_stage_parse(const char *name);

/** The default thresholds (also those of a programme JSON without "analytics"). */
void lty_analytics_settings_demo(lty_analytics_settings_t *settings_out);
/** True when every threshold is within its range (rules 1 <= min <= max <= 5). */
bool lty_analytics_settings_valid(const lty_analytics_settings_t *settings);
/** Parse the "analytics" object strictly over settings_io (absent keys keep their value).
 *  0 or LTY_E_CONFIG with the diag naming the field ("/analytics/..."). */
int lty_analytics_settings_parse(const lty_json_node_t *object,
                                 lty_analytics_settings_t *settings_io, lty_diag_t *diag);
/** Render settings as the value of the key "analytics" (the caller wrote the key). */
void lty_analytics_settings_render(const lty_analytics_settings_t *settings,
                                   lty_json_writer_t *writer);

/* ---- Scores and segments --------------------------------------------------------------- */

/** Scratch for lty_analytics_scores: one per value. */
typedef struct lty_analytics_rank_s {
    int64_t value;
    uint32_t index;
} lty_analytics_rank_t;

/**
 * Quintile scores 1..5 of values[0..count) by the tie rule above.
 * @param[in]  lower_is_better  true for recency (days), false for frequency and money.
 * @param[in]  scratch          count items, overwritten.
 * @param[out] scores_out       count scores, in the order of values.
 */
void lty_analytics_scores(const int64_t *values, size_t count, bool lower_is_better,
                          lty_analytics_rank_t *scratch, uint8_t *scores_out);

/** The named segment of three scores (each 1..5) by the settings' rules. */
lty_rfm_segment_t lty_analytics_segment(const lty_analytics_settings_t *settings, uint8_t r,
                                        uint8_t f, uint8_t m);

/* ---- Lifecycle and churn -------------------------------------------------------------- */

/** What the stage rule needs of a member, in days since 1970-01-01 (UTC). */
typedef struct lty_analytics_life_s {
    int64_t enrolled_day;        /* the member record's created day */
    int64_t closed_day;          /* -1 while open */
    int64_t last_purchase_day;   /* the last day with a purchase on or before the day judged;
                                  * -1 if none */
} lty_analytics_life_t;

/** The member's stage on day (>= enrolled_day). */
lty_stage_t lty_analytics_stage(const lty_analytics_settings_t *settings,
                                const lty_analytics_life_t *life, int64_t day);

/** The lower median of the gaps between consecutive days (sorted, distinct, count >= 2). */
int64_t lty_analytics_median_interval(const uint32_t *days, size_t count);

/** Churn risk on as_of_day of a member with purchase days days[0..count) (sorted ascending,
 *  distinct, all <= as_of_day): true when at risk, with *risk_percent_out = the current gap
 *  in percent of the median interval and *median_out that median (days). */
bool lty_analytics_churn(const lty_analytics_settings_t *settings, const uint32_t *days,
                         size_t count, int64_t as_of_day, int64_t *risk_percent_out,
                         int64_t *median_out);

/* ---- Pareto ----------------------------------------------------------------------------- */

typedef struct lty_analytics_sales_s {
    uint64_t member_id;
    int64_t sales_cents;         /* > 0 */
} lty_analytics_sales_t;

typedef struct lty_analytics_pareto_s {
    uint64_t members;            /* members with net sales above zero */
    uint64_t top_members;        /* ceil(members * top_percent / 100) */
    int64_t sales_cents;
    int64_t top_sales_cents;
    int64_t top_share_bp;        /* floor(top_sales_cents * 10000 / sales_cents); 0 if no sales */
    struct {
        uint32_t members_percent; /* 10, 20, ... 100 */
        uint64_t members;         /* ceil(members * members_percent / 100) */
        int64_t share_bp;         /* their share of sales, rounded down */
    } curve[LTY_ANALYTICS_CURVE_POINTS];
    uint64_t last_top_member_id; /* the last member inside the cut (0 if none) */
} lty_analytics_pareto_t;

/**
 * The Pareto figures of items[0..count) (sorted in place: best first) for top_percent 1..100.
 * Sales sum without overflow: count * LTY_SALE_AMOUNT_CENTS_MAX-sized sums are checked and
 * saturate at INT64_MAX / 2 (never reached by a real chain).
 */
void lty_analytics_pareto(lty_analytics_sales_t *items, size_t count, uint32_t top_percent,
                          lty_analytics_pareto_t *pareto_out);

/** floor(part * 10000 / whole) without overflow for 0 <= part <= whole; 0 when whole is 0. */
int64_t lty_analytics_share_bp(int64_t part, int64_t whole);

/* ---- Calendar -------------------------------------------------------------------------- */

/** The month (months since 1970-01, UTC) a day (since 1970-01-01) falls in. */
uint64_t lty_analytics_month_of_day(int64_t day);
/** The first day (since 1970-01-01) of a month (since 1970-01). */
int64_t lty_analytics_month_first_day(uint64_t month);

/* ---- Sales --------------------------------------------------------------------------- */

/** The goods value a sale still holds: its total less what its returns took back (0 once it
 *  is wholly returned or voided). The purchase-day records add up to these (verify). */
int64_t lty_analytics_sale_net_cents(const lty_sale_t *sale);
/** Whether a sale still counts as a purchase (not wholly returned, not voided). */
bool lty_analytics_sale_counts(const lty_sale_t *sale);

#endif
