/* SPDX-License-Identifier: MIT */
/* The JSON of the programme health report and of a campaign's uplift: rendered here,
 * computed in domain/ops_analytics_health.c, requested through analytics.c. Shares and changes
 * are integers in basis points (1/10000). */
#include "analytics_worker.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops_analytics.h"
#include "programme.h"

#include <stdio.h>

static void month_text(uint64_t month, char *out, size_t out_size)
{
    snprintf(out, out_size, "%04d-%02d", (int)(1970 + month / 12), (int)(month % 12 + 1));
}

static void day_text(int64_t day, char *out, size_t out_size)
{
    LTY_ASSERT(out_size >= 40);
    lty_clock_format(day * LTY_MS_PER_DAY, out, out_size);
    out[10] = '\0';
}

static void health_stores_render(lty_json_writer_t *writer, const lty_analytics_health_t *health)
{
    lty_jw_key(writer, "stores"); /* store "" = members without a home store (enrolment) */
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < health->stores_count; index++) {
        const lty_analytics_health_store_t *store = &health->stores[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "store", store->store);
        lty_jw_key(writer, "active_members");
        lty_jw_array_begin(writer);
        for (size_t month = 0; month < health->months_count; month++) {
            lty_jw_int(writer, (int64_t)store->active[month]);
        }
        lty_jw_array_end(writer);
        lty_jw_key(writer, "enrolled_members");
        lty_jw_array_begin(writer);
        for (size_t month = 0; month < health->months_count; month++) {
            lty_jw_int(writer, (int64_t)store->enrolled[month]);
        }
        lty_jw_array_end(writer);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_jw_kv_bool(writer, "stores_truncated", health->stores_truncated);
}

static void health_points_render(lty_json_writer_t *writer, const lty_analytics_health_t *health)
{
    lty_jw_key(writer, "points");
    lty_jw_array_begin(writer);
    for (size_t month = 0; month < health->months_count; month++) {
        const lty_analytics_health_points_t *points = &health->points[month];
        char text[16];
        month_text(health->from_month + month, text, sizeof(text));
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "month", text);
        lty_jw_kv_int(writer, "issued", points->issued);
        lty_jw_kv_int(writer, "redeemed", points->redeemed);
        lty_jw_kv_int(writer, "expired", points->expired);
        lty_jw_kv_int(writer, "adjusted", points->adjusted);
        lty_jw_kv_int(writer, "liability_points", points->liability_points);
        lty_jw_kv_int(writer, "liability_cents", points->liability_cents);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
}

static void group_render(lty_json_writer_t *writer, const char *key,
                         const lty_analytics_uplift_group_t *group)
{
    lty_jw_key(writer, key);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "members", (int64_t)group->members);
    lty_jw_kv_int(writer, "before_cents", group->before_cents);
    lty_jw_kv_int(writer, "during_cents", group->during_cents);
    lty_jw_object_end(writer);
}

void lty__api_uplift_render(lty_json_writer_t *writer, const lty_analytics_uplift_t *uplift)
{
    LTY_ASSERT(writer != NULL && uplift != NULL);
    char day[40];
    day_text(lty_clock_day(uplift->run.created_ms), day, sizeof(day));
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "run_id", (int64_t)uplift->run.run_id);
    lty_jw_kv_int(writer, "segment_id", (int64_t)uplift->run.segment_id);
    lty_jw_kv_string(writer, "day", day);
    lty_jw_kv_int(writer, "days", uplift->days);
    lty_jw_kv_int(writer, "holdout_percent", uplift->run.holdout_percent);
    group_render(writer, "targeted", &uplift->targeted);
    group_render(writer, "holdout", &uplift->holdout);
    lty_jw_kv_int(writer, "uplift_bp", uplift->uplift_bp);
    lty_jw_kv_int(writer, "holdout_uplift_bp", uplift->holdout_uplift_bp);
    lty_jw_kv_int(writer, "lift_over_holdout_bp", uplift->lift_over_holdout_bp);
    lty_jw_object_end(writer);
}

void lty__api_health_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                            const lty_analytics_health_t *health)
{
    LTY_ASSERT(writer != NULL && programme != NULL && health != NULL);
    LTY_ASSERT(health->months_count <= LTY_ANALYTICS_MONTHS_MAX);
    char text[40];
    lty_jw_object_begin(writer);
    day_text(health->as_of_day, text, sizeof(text));
    lty_jw_kv_string(writer, "as_of", text);
    lty_jw_key(writer, "months");
    lty_jw_array_begin(writer);
    for (size_t month = 0; month < health->months_count; month++) {
        month_text(health->from_month + month, text, sizeof(text));
        lty_jw_string(writer, text);
    }
    lty_jw_array_end(writer);
    health_stores_render(writer, health);
    health_points_render(writer, health);
    lty_jw_key(writer, "tiers");
    lty_jw_array_begin(writer);
    for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "name", programme->tiers[tier].name);
        lty_jw_kv_int(writer, "members", (int64_t)health->tiers[tier]);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_jw_key(writer, "campaigns");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < health->runs_count; index++) {
        lty__api_uplift_render(writer, &health->runs[index]);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}
