/* SPDX-License-Identifier: MIT */
/**
 * @file programme.h
 * The programme: one retailer's loyalty rules (currency, time zone, earning and redemption
 * rates and rounding, lot expiry policy, card numbering and validity, prepaid limits, tiers,
 * staff commission, birthday bonus), stored as JSON in the META database under "programme" and
 * changed through PUT /v1/admin/programme (ops_programme.c; docs/programme.md).
 *
 * Owns: the programme struct, its defaults (= the demo programme), range checks, and the strict
 * JSON form (parse and render). Does not own the rules that use it (ledger.c).
 *
 * Caveats:
 * - Parsing is strict (lty_json): unknown keys, wrong types and out-of-range values are refused
 *   with LTY_E_CONFIG and a diag naming the field. Absent keys take their default.
 */
#ifndef LTY_PROGRAMME_H
#define LTY_PROGRAMME_H

#include "analytics.h"
#include "lty/lty_buf.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

#define LTY_PROGRAMME_JSON_BYTES_MAX (16 * 1024)
#define LTY_PROGRAMME_CARD_PREFIX_BYTES_MAX 4
#define LTY_PROGRAMME_DAYS_MAX 36500                    /* 100 years */
#define LTY_PROGRAMME_CENTS_PER_POINT_MAX INT64_C(1000000)

/* tiers */
#define LTY_PROGRAMME_EARN_PERCENT_MAX 1000 /* a tier earns at most 10x */
#define LTY_PROGRAMME_TIER_THRESHOLD_MAX LTY_POINTS_BALANCE_MAX
typedef enum lty_tier_basis {
    LTY_TIER_BASIS_SPEND = 0,  /* rolling 12-month eligible spend in minor units */
    LTY_TIER_BASIS_POINTS = 1, /* rolling 12-month points earned */
} lty_tier_basis_t;
typedef struct lty_programme_tier_s {
    char name[LTY_TIER_NAME_BYTES_MAX + 1]; /* "Gold" */
    int64_t threshold;                      /* rolling 12-month value to qualify; tier 0: 0 */
    int64_t earn_percent;                   /* earning multiplier: 100 = 1x, 150 = 1.5x */
} lty_programme_tier_t;

/** How earned points are rounded: the one rounding of earning (docs/programme.md). */
typedef enum lty_earn_rounding {
    LTY_EARN_ROUND_DOWN = 0,    /* "down": floor (the default) */
    LTY_EARN_ROUND_NEAREST = 1, /* "nearest": halves round up */
    LTY_EARN_ROUND_UP = 2,      /* "up": ceiling */
} lty_earn_rounding_t;

/** When a lot of earned points expires. */
typedef enum lty_points_expiry {
    LTY_POINTS_EXPIRY_DAYS = 0,      /* "days": points_lot_days after it was earned */
    LTY_POINTS_EXPIRY_MONTH_END = 1, /* "month_end": end of the points_expiry_months-th month
                                      * after the month it was earned (0: that month) */
    LTY_POINTS_EXPIRY_NEVER = 2,     /* "never" */
} lty_points_expiry_t;

#define LTY_PROGRAMME_EXPIRY_MONTHS_MAX 1200
#define LTY_PROGRAMME_COMMISSION_BASIS_POINTS_MAX 10000 /* 100 % */
#define LTY_PROGRAMME_COMMISSION_CENTS_MAX INT64_C(100000000)
#define LTY_PROGRAMME_TIMEZONE_DEFAULT_MINUTES (8 * 60) /* "+08:00" */

typedef struct lty_programme_s lty_programme_t;
struct lty_programme_s {
    char currency[4];               /* ISO 4217, "CNY" */
    int minor_unit;                 /* decimal places of the minor unit: 2 (fen) */
    int64_t earn_cents_per_point;   /* 100: one point per 1.00 of eligible amount, rounded down */
    int64_t redeem_cents_per_point; /* 1: one point is worth 0.01 off a basket */
    bool earn_on_redeemed_part;     /* false: the part paid with points earns nothing */
    int64_t points_lot_days;        /* a lot expires this many days after it is earned: 730 */
    char card_prefix[LTY_PROGRAMME_CARD_PREFIX_BYTES_MAX + 1]; /* "88" */
    int64_t card_valid_days;        /* 1095 */
    /* prepaid, returns, voids */
    int64_t prepaid_balance_cents_max;   /* 500000 (5,000.00) */
    int64_t topup_cents_max;             /* 200000 (2,000.00) */
    int64_t pin_required_above_cents;    /* 20000 (200.00) */
    int64_t void_window_ms;              /* 600000 (10 minutes) */
    int64_t points_negative_floor;       /* -10000: returns may push the balance down to this */
    /* cards */
    bool card_extend_on_activity;        /* false */
    /* tiers (see docs/tiers.md): parsed beside the field table in programme.c */
    int64_t tier_grace_days;             /* 90: a downgrade waits until also short this long ago */
    int tier_basis;                      /* lty_tier_basis_t; JSON "spend" / "points" */
    uint32_t tiers_count;                /* 1..LTY_TIERS_MAX; tier 0 is the base tier */
    lty_programme_tier_t tiers[LTY_TIERS_MAX]; /* thresholds strictly increasing */
    /* docs/programme.md: parsed by the field table except the three enums */
    int64_t version;                     /* +1 on every PUT; a PUT naming another is refused */
    int32_t utc_offset_minutes;          /* JSON "timezone" "+08:00": "today", birthdays, expiry */
    int earn_rounding;                   /* lty_earn_rounding_t; JSON "down"/"nearest"/"up" */
    int points_expiry;                   /* lty_points_expiry_t; JSON "days"/"month_end"/"never" */
    int64_t points_expiry_months;        /* month_end: 0 = the end of the month earned */
    int64_t points_per_sale_max;         /* one sale earns at most this, rules included */
    int64_t commission_sale_basis_points; /* staff commission: 50 = 0.5 % of member sales */
    int64_t commission_card_cents;       /* per card a staff member activates */
    int64_t commission_topup_cents;      /* per top-up a staff member takes */
    int64_t birthday_bonus_points;       /* once a year on the member's birthday; 0 = off */
    /* analytics: JSON "analytics", parsed and checked in analytics.c */
    lty_analytics_settings_t analytics;
};

/** Fill the demo programme (also the defaults for absent JSON keys). */
void lty_programme_demo(lty_programme_t *programme_out);
/** True when every field is within its range. */
bool lty_programme_valid(const lty_programme_t *programme);

/**
 * Parse a programme JSON document strictly; absent keys take the demo default.
 * @return 0, or LTY_E_CONFIG with diag naming the field (diag may be NULL).
 */
int lty_programme_parse(const char *json, size_t size, lty_programme_t *programme_out,
                        lty_diag_t *diag);
/** Render every field as a JSON object into out (check lty_buf_error(out)). */
void lty_programme_render(const lty_programme_t *programme, lty_buf_t *out);

/** The JSON value of one key of the programme (no key, no braces) appended to out; nothing
 *  for an unknown key. For audit records of a change. */
void lty_programme_key_render(const lty_programme_t *programme, const char *key, lty_buf_t *out);

/** The keys of the programme's JSON, NULL-terminated (a PUT must send every one). */
extern const char *const lty_programme_keys[];

/** When a lot earned at now_ms expires under the programme's policy (LTY_LOT_EXPIRES_NEVER for
 *  "never"): points_lot_days later, or the end of a month in the programme's time zone. */
int64_t lty_programme_lot_expires_ms(const lty_programme_t *programme, int64_t now_ms);

/** Read META "programme". 0, LTY_E_NOT_FOUND, LTY_E_CORRUPT (stored JSON does not parse). */
int lty_programme_load(lty_store_txn_t *txn, lty_programme_t *programme_out);
/** Write META "programme" (write txn). The programme must be valid (asserted). */
int lty_programme_save(lty_store_txn_t *txn, const lty_programme_t *programme);

#endif
