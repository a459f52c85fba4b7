/* SPDX-License-Identifier: MIT */
/**
 * @file rules.h
 * Earning rules and campaigns, pure: what a rule matches (SKUs, categories, stores, tiers, days
 * of the week, a time-of-day window that may cross midnight, a validity period, a minimum
 * basket), what it does (exclude the matched lines from earning, multiply their points, or add
 * a fixed bonus), how rules stack (additive or best-of) and what caps them (per member over the
 * campaign and per day, and the programme's points_per_sale_max), and the rule's JSON form.
 *
 * Owns: parsing and rendering a rule, selecting the rules a sale meets, and evaluating them on
 * integers with one documented rounding (docs/programme.md "Earning rules"):
 *
 *   S = sum over lines of eligible_cents(line) * weight(line), weight in percent (100 = 1x),
 *   points(S) = floor(round(S / (100 * earn_cents_per_point)) * tier earn_percent / 100),
 *
 * where round is the programme's earn_rounding, applied once to the whole sale, and the tier
 * step floors as it always has (docs/tiers.md). Without rules every weight is 100 and points(S)
 * is exactly what the programme earns without rules. Each rule is credited with what it changed:
 * rules are applied one at a time (exclusions, then multipliers that lower points, then those
 * that raise them, then fixed bonuses, each group by rule_id) and a rule's points are
 * points(S after it) - points(S before it), so the parts add up to the total exactly.
 *
 * Does not own: loading rules (settings.c), reading how much of a cap a member used, or writing
 * anything (ops_sale.c). No I/O, no allocation.
 *
 * Caveats:
 * - Rules are evaluated in rule_id order; at most LTY_RULES_APPLIED_MAX rules apply to one sale
 *   (the first by rule_id), so a receipt stays short.
 * - Caps only ever lower what a rule adds; exclusions and multipliers below 100 % are never
 *   capped. A return does not give back cap usage.
 */
#ifndef LTY_RULES_H
#define LTY_RULES_H

#include "lty/lty_buf.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "programme.h"
#include "records.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum lty_rule_effect {
    LTY_RULE_EXCLUDE = 1,  /* matched lines earn nothing */
    LTY_RULE_MULTIPLY = 2, /* matched lines earn multiplier_percent % */
    LTY_RULE_BONUS = 3,    /* the sale earns bonus_points more */
} lty_rule_effect_t;

typedef enum lty_rule_stacking {
    LTY_RULE_ADDITIVE = 0, /* adds to the other rules on the line (or sale, for bonuses) */
    LTY_RULE_BEST_OF = 1,  /* only the best best-of rule of a line (or sale) applies */
} lty_rule_stacking_t;

#define LTY_RULE_DAY_OPEN_MIN INT64_MIN /* valid_from absent */
#define LTY_RULE_DAY_OPEN_MAX INT64_MAX /* valid_to absent */
#define LTY_RULE_PER_SALE_MAX_NAME "points_per_sale_max"

/** One rule: its life (from the record envelope) and its definition. */
typedef struct lty_rule_s {
    uint64_t rule_id;
    uint8_t status;              /* lty_rule_status_t */
    int64_t created_ms;
    int64_t updated_ms;
    char name[LTY_RULE_NAME_BYTES_MAX + 1];
    /* match: every condition given must hold; lists match any of their items */
    uint32_t skus_count;
    char skus[LTY_RULE_SKUS_MAX][LTY_SKU_BYTES_MAX + 1];
    uint32_t categories_count;   /* a pattern ending in '*' matches by prefix */
    char categories[LTY_RULE_CATEGORIES_MAX][LTY_CATEGORY_BYTES_MAX + 1];
    uint32_t stores_count;
    char stores[LTY_RULE_STORES_MAX][LTY_STORE_ID_BYTES_MAX + 1];
    uint32_t tiers_count;        /* tier names of the programme */
    char tiers[LTY_TIERS_MAX][LTY_TIER_NAME_BYTES_MAX + 1];
    uint8_t days_mask;           /* bit d-1 for ISO weekday d (1 Monday); 0 = every day */
    int time_from;               /* minutes since local midnight; -1 = all day */
    int time_to;                 /* exclusive; below time_from the window crosses midnight */
    int64_t valid_from_day;      /* first local day, or LTY_RULE_DAY_OPEN_MIN */
    int64_t valid_to_day;        /* last local day (included), or LTY_RULE_DAY_OPEN_MAX */
    int64_t min_basket_cents;    /* basket total (before points are redeemed) at least this */
    /* effect */
    uint8_t effect;              /* lty_rule_effect_t */
    int64_t multiplier_percent;  /* MULTIPLY: 1..LTY_RULE_MULTIPLIER_PERCENT_MAX */
    int64_t bonus_points;        /* BONUS: 1..LTY_POINTS_PER_TXN_MAX */
    uint8_t stacking;            /* lty_rule_stacking_t */
    int64_t cap_points;          /* per member over the campaign; 0 = no cap */
    int64_t cap_points_per_day;  /* per member per local day; 0 = no cap */
} lty_rule_t;

/**
 * Parse a rule's definition (the body of POST /v1/admin/rules, and what RULES stores) into
 * rule_out (its life fields are left as they are, except status when the JSON has "status":
 * "active" or "paused"). Strict: unknown keys, a malformed category
 * pattern, a multiplier outside 1..10000, a time window that starts where it ends, a validity
 * period that ends before it starts, an effect that is not exactly one of exclude, multiplier
 * and bonus: LTY_E_INVALID_FIELD with the diag naming the field ("/effect/multiplier_percent").
 * Stores and tiers are checked against the store and programme by the caller (ops_rules.c).
 */
int lty_rule_parse(const lty_json_node_t *root, lty_rule_t *rule_out, lty_diag_t *diag);
/** Parse the text form (as stored): as lty_rule_parse, plus LTY_E_INVALID_JSON. */
int lty_rule_parse_text(const char *json, size_t size, lty_rule_t *rule_out, lty_diag_t *diag);
/** The definition as canonical JSON (what lty_rule_parse reads back to the same rule). */
void lty_rule_definition_render(const lty_rule_t *rule, lty_json_writer_t *writer);
/** "active", "paused", "ended". */
const char *lty_rule_status_name(unsigned int status);

/** A sale as the rules see it. */
typedef struct lty_rules_sale_s {
    const lty_sale_line_t *lines;
    size_t lines_count;
    int64_t total_cents;         /* the basket */
    int64_t eligible_cents;      /* what earns: the basket less the part paid with points */
    const char *store;
    uint32_t tier;               /* the member's tier index before the sale */
    int64_t now_ms;
} lty_rules_sale_t;

/** How much of a rule's caps the member has used (points the rule gave them). */
typedef struct lty_rules_usage_s {
    int64_t campaign_points;
    int64_t day_points;          /* on the sale's local day */
} lty_rules_usage_t;

/** One line of a receipt's explanation. */
typedef struct lty_rules_applied_s {
    uint64_t rule_id;            /* 0: points_per_sale_max cut the total */
    char name[LTY_RULE_NAME_BYTES_MAX + 1];
    int64_t points;              /* added (> 0) or taken away (< 0) */
    bool capped;                 /* a cap or points_per_sale_max lowered it */
} lty_rules_applied_t;

typedef struct lty_rules_outcome_s {
    int64_t points_base;         /* what the sale earns without rules */
    int64_t points_earned;       /* with rules and caps, at most points_per_sale_max */
    int64_t day;                 /* the sale's local day (what daily caps count) */
    size_t applied_count;
    lty_rules_applied_t applied[LTY_RULES_APPLIED_MAX + 1];
} lty_rules_outcome_t;

/** The local day of now_ms in the programme's time zone. */
int64_t lty_rules_day(const lty_programme_t *programme, int64_t now_ms);

/**
 * The active rules a sale meets (sale conditions, and at least one line for rules that name
 * SKUs or categories), in rule_id order, at most LTY_RULES_APPLIED_MAX.
 * @param[in] rules  rules_count rules sorted by rule_id (paused and ended ones are skipped).
 * @return how many pointers were written to selected_out.
 */
size_t lty_rules_select(const lty_programme_t *programme, const lty_rule_t *rules,
                        size_t rules_count, const lty_rules_sale_t *sale,
                        const lty_rule_t **selected_out);

/**
 * Evaluate the selected rules on a sale (see the top of this file for the arithmetic).
 * @param[in] usage  selected_count entries, parallel to selected (ignored for rules without
 *                   caps).
 * @return 0, or LTY_E_POINTS_LIMIT when even the sale without rules earns more than
 *         LTY_POINTS_PER_TXN_MAX (as lty_ledger_sale_plan would refuse it).
 */
int lty_rules_evaluate(const lty_programme_t *programme, const lty_rule_t *const *selected,
                       const lty_rules_usage_t *usage, size_t selected_count,
                       const lty_rules_sale_t *sale, lty_rules_outcome_t *outcome_out);

#endif
