/* SPDX-License-Identifier: MIT */
/**
 * @file ops_analytics.h
 * The customer analytics' reports and segments over the store: RFM, Pareto, lifecycle, churn,
 * programme health and campaign uplift (ops_analytics.c, ops_analytics_health.c), saved segments
 * and the runs that target them (ops_segment.c).
 *
 * Owns: the walk over every member and their purchase days, and what each report makes of it
 * with the pure rules of analytics.c. Does not own: JSON (api/analytics.c), the rules
 * (analytics.c), the records (records.c), when a report runs (the API's analytics worker).
 *
 * Caveats:
 * - Never in the till's way: the reports take the store, not a transaction, and read it in
 *   slices of LTY_ANALYTICS_SLICE_MEMBERS members per read transaction, so no transaction stays
 *   open long (a long reader would hold the writer's map growth and LMDB's page reuse). Each
 *   member is read whole within one slice; a report on a live store is a consistent view per
 *   member, not of the whole store. Nothing here writes, except the segment and run operations
 *   that take a write transaction (the writer's child, like every ops_*.c write).
 * - Reports allocate (the whole population's figures: about 40 bytes per member); they run on the
 *   API's analytics worker thread, never on a loop thread or the writer. Results with pointers
 *   are freed with their _free function (idempotent, accepts a zeroed result).
 * - Days are UTC days since 1970-01-01, as the purchase-day records hold them.
 */
#ifndef LTY_OPS_ANALYTICS_H
#define LTY_OPS_ANALYTICS_H

#include "analytics.h"
#include "ops.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LTY_ANALYTICS_SLICE_MEMBERS 20000    /* members per read transaction */
#define LTY_ANALYTICS_MEMBER_DAYS_MAX 65536  /* purchase-day records read per member */
#define LTY_ANALYTICS_MONTHS_MAX 24          /* months of a lifecycle or health report */
#define LTY_ANALYTICS_STORES_MAX 256         /* stores named in a health report */
#define LTY_ANALYTICS_CHURN_ROWS_MAX 1000    /* members listed by a churn report */
#define LTY_ANALYTICS_RUNS_MAX 16            /* campaigns shown by a health report */

/* ---- The walk ------------------------------------------------------------------------------ */

/** One purchase-day record as the walk hands it over. */
typedef struct lty_analytics_day_s {
    uint32_t day;
    uint32_t purchases;
    int64_t sales_cents;
    char store[LTY_STORE_ID_BYTES_MAX + 1];
} lty_analytics_day_t;

/** Called once per member, in member id order. days (ascending by day, then store) is valid
 *  only during the call. Return 0 to go on, or an error to stop the walk with it. */
typedef int (*lty_analytics_member_cb)(void *userdata, const lty_member_t *member,
                                       const lty_analytics_day_t *days, size_t days_count);

/** Make room for count items of item_size in the growable array *items (capacity *capacity,
 *  doubled as needed; lty_free it). 0 or LTY_E_NOMEM (the array is left as it was). */
int lty__ops_analytics_reserve(void **items, size_t *capacity, size_t count, size_t item_size);

/** Walk every member with their purchase days, in slices (see Caveats). 0 or the first error
 *  (a record that does not decode: LTY_E_CORRUPT; LTY_E_NOMEM). */
int lty_ops_analytics_walk(lty_store_t *store, lty_analytics_member_cb member_cb, void *userdata);

/* ---- RFM ----------------------------------------------------------------------------------- */

typedef struct lty_analytics_rfm_member_s {
    uint64_t member_id;
    int64_t recency_days;        /* days from the last purchase to as_of */
    int64_t frequency;           /* purchases in the window */
    int64_t monetary_cents;      /* net sales in the window */
    uint8_t r, f, m;             /* scores 1..5 */
    uint8_t segment;             /* lty_rfm_segment_t */
} lty_analytics_rfm_member_t;

typedef struct lty_analytics_rfm_s {
    int64_t as_of_day;
    int64_t window_days;
    uint64_t members_scored;            /* open members with a purchase on or before as_of */
    uint64_t members_without_purchase;  /* open members enrolled by as_of who never bought */
    uint64_t segments[LTY_RFM_SEGMENTS_COUNT];
    uint64_t scores[3][LTY_ANALYTICS_SCORE_MAX]; /* R, F, M: members per score 1..5 */
    uint64_t grid[LTY_ANALYTICS_SCORE_MAX][LTY_ANALYTICS_SCORE_MAX]; /* [r-1][f-1] */
    lty_analytics_rfm_member_t *members; /* members_scored of them, by member id (owned) */
} lty_analytics_rfm_t;

/** Score every open member with a purchase on or before as_of_day: R over all their history, F
 *  and M over the window_days days ending on as_of_day (both included). */
int lty_ops_analytics_rfm(lty_store_t *store, const lty_analytics_settings_t *settings,
                          int64_t as_of_day, int64_t window_days, lty_analytics_rfm_t *rfm_out);
void lty_ops_analytics_rfm_free(lty_analytics_rfm_t *rfm);
/** The scored member member_id (binary search), or NULL. */
const lty_analytics_rfm_member_t *lty_ops_analytics_rfm_find(const lty_analytics_rfm_t *rfm,
                                                             uint64_t member_id);

/* ---- Pareto -------------------------------------------------------------------------------- */

typedef struct lty_analytics_pareto_query_s {
    int64_t from_day;            /* both included */
    int64_t to_day;
    uint32_t top_percent;        /* 1..100 */
    char store[LTY_STORE_ID_BYTES_MAX + 1]; /* "" = every store */
} lty_analytics_pareto_query_t;

/** Net member sales per member in the period (every member, closed ones too: their sales were
 *  real), and the share the best top_percent of them bring. */
int lty_ops_analytics_pareto(lty_store_t *store, const lty_analytics_pareto_query_t *query,
                             lty_analytics_pareto_t *pareto_out);

/* ---- Lifecycle ---------------------------------------------------------------------------- */

#define LTY_ANALYTICS_FLOW_NONE LTY_STAGES_COUNT /* "from" of a member not yet enrolled */

typedef struct lty_analytics_lifecycle_month_s {
    uint64_t month;                                  /* months since 1970-01 */
    int64_t end_day;                                 /* the day the stages are judged on */
    uint64_t stages[LTY_STAGES_COUNT];               /* members per stage at end_day */
    uint64_t flows[LTY_STAGES_COUNT + 1][LTY_STAGES_COUNT]; /* [from][to], from NONE = enrolled */
} lty_analytics_lifecycle_month_t;

typedef struct lty_analytics_lifecycle_s {
    int64_t as_of_day;
    uint64_t stages[LTY_STAGES_COUNT];               /* at as_of_day */
    size_t months_count;                             /* oldest first; the last ends at as_of */
    lty_analytics_lifecycle_month_t months[LTY_ANALYTICS_MONTHS_MAX];
} lty_analytics_lifecycle_t;

/** Stages on as_of_day and, for each of the months_count (1..LTY_ANALYTICS_MONTHS_MAX) months up
 *  to as_of's, the stages at its end and the flows from the previous month's end. */
int lty_ops_analytics_lifecycle(lty_store_t *store, const lty_analytics_settings_t *settings,
                                int64_t as_of_day, size_t months_count,
                                lty_analytics_lifecycle_t *lifecycle_out);

/* ---- Churn --------------------------------------------------------------------------------- */

typedef struct lty_analytics_churn_row_s {
    uint64_t member_id;
    int64_t last_purchase_day;
    int64_t gap_days;
    int64_t median_interval_days;
    int64_t risk_percent;        /* gap in percent of the median interval */
    uint64_t purchase_days;      /* distinct days with a purchase */
} lty_analytics_churn_row_t;

typedef struct lty_analytics_churn_s {
    int64_t as_of_day;
    uint64_t members_checked;    /* open members with enough purchase days */
    uint64_t members_at_risk;
    size_t rows_count;           /* the first rows_count of the ranking */
    lty_analytics_churn_row_t rows[LTY_ANALYTICS_CHURN_ROWS_MAX];
} lty_analytics_churn_t;

/** Open members at risk on as_of_day, ranked by risk_percent (highest first, then the lower
 *  member id); rows_max 1..LTY_ANALYTICS_CHURN_ROWS_MAX of them listed. */
int lty_ops_analytics_churn(lty_store_t *store, const lty_analytics_settings_t *settings,
                            int64_t as_of_day, size_t rows_max, lty_analytics_churn_t *churn_out);

/* ---- Health (ops_analytics_health.c) ------------------------------------------------------- */

typedef struct lty_analytics_health_store_s {
    char store[LTY_STORE_ID_BYTES_MAX + 1];          /* "" = no home store */
    uint64_t active[LTY_ANALYTICS_MONTHS_MAX];       /* members with a purchase there that month */
    uint64_t enrolled[LTY_ANALYTICS_MONTHS_MAX];     /* members enrolled that month, home store */
} lty_analytics_health_store_t;

typedef struct lty_analytics_health_points_s {
    int64_t issued;              /* earned by sales and granted as bonuses */
    int64_t redeemed;            /* at tills, less what returns gave back */
    int64_t expired;             /* expiry and forfeits on close */
    int64_t adjusted;            /* operator adjustments, net */
    int64_t liability_points;    /* members' points at the month's end */
    int64_t liability_cents;     /* those points' redemption value */
} lty_analytics_health_points_t;

typedef struct lty_analytics_uplift_group_s {
    uint64_t members;
    int64_t before_cents;        /* net sales in the uplift_days before the run */
    int64_t during_cents;        /* in the uplift_days from the run's day */
} lty_analytics_uplift_group_t;

typedef struct lty_analytics_uplift_s {
    lty_segment_run_t run;
    int64_t days;
    lty_analytics_uplift_group_t targeted; /* granted members */
    lty_analytics_uplift_group_t holdout;  /* kept out on purpose */
    int64_t uplift_bp;           /* targeted (during - before) / before, basis points */
    int64_t holdout_uplift_bp;   /* the same for the holdout */
    int64_t lift_over_holdout_bp; /* uplift_bp - holdout_uplift_bp (0 without a holdout) */
} lty_analytics_uplift_t;

typedef struct lty_analytics_health_s {
    uint64_t from_month;                             /* months since 1970-01 */
    size_t months_count;
    int64_t as_of_day;
    size_t stores_count;
    bool stores_truncated;
    lty_analytics_health_store_t stores[LTY_ANALYTICS_STORES_MAX];
    lty_analytics_health_points_t points[LTY_ANALYTICS_MONTHS_MAX];
    uint64_t tiers[LTY_TIERS_MAX];                   /* open members per tier at as_of */
    size_t runs_count;                               /* runs created in the period, newest */
    lty_analytics_uplift_t runs[LTY_ANALYTICS_RUNS_MAX];
} lty_analytics_health_t;

/** Programme health over months_count (1..LTY_ANALYTICS_MONTHS_MAX) months up to as_of_day's.
 *  Points come from the journal entries of the period (the one part that reads the journal:
 *  from the first entry of the period on, found by a binary search over entry ids). */
int lty_ops_analytics_health(lty_store_t *store, const lty_programme_t *programme,
                             int64_t as_of_day, size_t months_count,
                             lty_analytics_health_t *health_out);

/** Uplift of one run over days (1..LTY_ANALYTICS_DAYS_MAX) before and from its day. */
int lty_ops_analytics_uplift(lty_store_t *store, uint64_t run_id, int64_t days,
                             lty_analytics_uplift_t *uplift_out);

/* ---- Segments (ops_segment.c) -------------------------------------------------------------- */

/** Validate a filter: 0 or LTY_E_INVALID_FIELD naming the field (the API edge checks first). */
int lty_ops_segment_filter_check(const lty_segment_filter_t *filter, lty_diag_t *diag);
/** Save a segment (write): id = last + 1. 0, LTY_E_INVALID_FIELD. */
int lty_ops_segment_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           const char *name, const lty_segment_filter_t *filter,
                           lty_segment_t *segment_out, lty_diag_t *diag);
/** Read a segment: 0, LTY_E_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_segment_get(lty_store_txn_t *txn, uint64_t segment_id, lty_segment_t *segment_out);

#define LTY_SEGMENT_PAGE_MAX 100
typedef struct lty_ops_segment_page_s {
    size_t segments_count;
    lty_segment_t segments[LTY_SEGMENT_PAGE_MAX];
    uint64_t next_after;         /* 0 = no more */
} lty_ops_segment_page_t;
/** Segments with an id above after, oldest first. */
int lty_ops_segment_list(lty_store_txn_t *txn, uint64_t after, size_t limit,
                         lty_ops_segment_page_t *page_out);

/** The members a segment selects on as_of_day: ids ascending in *ids_out (owned: lty_free),
 *  *count_out of them. Consent is one more criterion of the filter (a run adds its own). */
int lty_ops_segment_members(lty_store_t *store, const lty_analytics_settings_t *settings,
                            const lty_segment_filter_t *filter, int64_t as_of_day,
                            uint64_t **ids_out, size_t *count_out);

/* ---- Runs: a segment's members as of one snapshot, each exactly once (ops_segment.c) ------ */

/** What a run is asked to do. */
typedef struct lty_ops_run_new_s {
    uint8_t action;                          /* lty_run_action_t */
    bool marketing;                          /* only members with a consent (default) */
    uint32_t holdout_percent;                /* 0..LTY_RUN_HOLDOUT_PERCENT_MAX */
    int64_t points;                          /* bonus */
    char reason[LTY_REASON_BYTES_MAX + 1];   /* bonus */
    char ref[LTY_RUN_REF_BYTES_MAX + 1];     /* coupon: the offer */
    char key[LTY_RUN_KEY_BYTES_MAX + 1];     /* the request's Idempotency-Key */
} lty_ops_run_new_t;

#define LTY_RUN_STEP_MEMBERS_MAX 1000        /* members one step records or grants */

/** The run of (segment, key) if one exists: 0, LTY_E_NOT_FOUND. */
int lty_ops_run_find(lty_store_txn_t *txn, uint64_t segment_id, const char *key,
                     lty_segment_run_t *run_out);
/** Read a run: 0, LTY_E_NOT_FOUND, LTY_E_CORRUPT. */
int lty_ops_run_get(lty_store_txn_t *txn, uint64_t run_id, lty_segment_run_t *run_out);

/**
 * Create a run of segment over its snapshot of members_count members (their ids come in steps:
 * lty_ops_run_record). A run already made under (segment, key) is returned as it is, with
 * *created_out false: re-running with the same key adds nobody.
 * @return 0, LTY_E_NOT_FOUND (no such segment), LTY_E_INVALID_FIELD.
 */
int lty_ops_run_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                       uint64_t segment_id, const lty_ops_run_new_t *run_new,
                       uint64_t members_count, lty_segment_run_t *run_out, bool *created_out);

/**
 * Record the next ids[0..count) (ascending, after every id recorded before; count <=
 * LTY_RUN_STEP_MEMBERS_MAX) of a RECORDING run's snapshot: each is pending, held out (a
 * deterministic hash of run and member under holdout_percent) or, for a marketing run, skipped
 * when the member has no consent. The last step moves the run to GRANTING.
 */
int lty_ops_run_record(lty_store_txn_t *txn, int64_t now_ms, uint64_t run_id,
                       const uint64_t *ids, size_t count, lty_segment_run_t *run_out);

/** What a run does to one member, inside the step's transaction: 0 with *result_id_out (the
 *  bonus entry, the coupon) set, or an error that aborts the step. */
typedef int (*lty_run_grant_cb)(void *userdata, lty_store_txn_t *txn, const lty_segment_run_t *run,
                                const lty_member_t *member, int64_t now_ms,
                                uint64_t *result_id_out);

/**
 * Grant up to limit (1..LTY_RUN_STEP_MEMBERS_MAX) pending members of a GRANTING run, in member
 * id order, each exactly once: the member's state changes in the same transaction as what
 * grant_cb does (a BONUS entry for LTY_RUN_ACTION_BONUS when grant_cb is NULL). A member closed
 * since, or (marketing) whose consent was withdrawn since, is skipped. When none is left the
 * run is DONE. This is the one function a coupon issue calls (its grant_cb issues the coupon).
 */
int lty_ops_run_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                      const lty_programme_t *programme, int64_t now_ms, uint64_t run_id,
                      size_t limit, lty_run_grant_cb grant_cb, void *userdata,
                      lty_segment_run_t *run_out);

/** End a RECORDING run whose snapshot was cut short (the daemon stopped while recording it):
 *  DONE, nobody granted, its members counted as skipped; its key stays taken. */
int lty_ops_run_abandon(lty_store_txn_t *txn, int64_t now_ms, uint64_t run_id,
                        lty_segment_run_t *run_out);

/** Runs not DONE (the daemon resumes them at start): up to count_max ids ascending. */
int lty_ops_runs_unfinished(lty_store_txn_t *txn, uint64_t *ids_out, size_t count_max,
                            size_t *count_out);

/** Whether a run holds member out (the deterministic hash; exposed for tests). */
bool lty_ops_run_holdout(uint64_t run_id, uint64_t member_id, uint32_t holdout_percent);

#endif
