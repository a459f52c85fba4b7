/* SPDX-License-Identifier: MIT */
/* Segments as targets: saved filters over RFM segment, lifecycle stage, tier, home
 * store, spend, birthday month, a category bought in a window and consent; the members a
 * segment selects on a day; and runs, which take a segment's members as of one snapshot and
 * grant each exactly once.
 *
 * A run is made in steps so that no writer transaction grows with the segment: the API's worker
 * evaluates the segment (reads only), then creates the run with the snapshot's size, records its
 * members LTY_RUN_STEP_MEMBERS_MAX at a time, then grants them as many at a time. Each member's
 * state changes in the same transaction as its bonus (or coupon), so a step retried after a
 * crash grants nobody twice; the run is found again by (segment, key), so re-running the same
 * request adds nobody. Consent is judged when the snapshot is recorded and again when granting:
 * a marketing run never reaches a member without a consent. Not here: the order of steps and
 * their resumption at start (the API's worker). */
#include "ops_analytics.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_sort.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Saved segments ------------------------------------------------------------------------ */

int lty_ops_segment_filter_check(const lty_segment_filter_t *filter, lty_diag_t *diag)
{
    LTY_ASSERT(filter != NULL);
    if (filter->rfm_mask >> LTY_RFM_SEGMENTS_COUNT != 0 ||
        filter->stage_mask >> LTY_STAGES_COUNT != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter", "unknown segment or stage");
    }
    if (filter->tier_mask >> LTY_TIERS_MAX != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter/tiers", "tiers are 0 to %d",
                            LTY_TIERS_MAX - 1);
    }
    if (filter->spend_given && (filter->spend_min_cents < 0 ||
                                filter->spend_max_cents < filter->spend_min_cents)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter/spend_min_cents",
                            "spend range: 0 <= spend_min_cents <= spend_max_cents");
    }
    if (filter->birthday_month > 12 || filter->window_days > LTY_ANALYTICS_DAYS_MAX ||
        filter->category_days > LTY_ANALYTICS_DAYS_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter",
                            "birthday_month 1..12, days 1..%d", LTY_ANALYTICS_DAYS_MAX);
    }
    if ((filter->category[0] != '\0') != (filter->category_days > 0)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter/category_days",
                            "category and category_days go together");
    }
    if ((filter->consent_mask & ~LTY_CONSENT_ALL) != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter/consent", "unknown consent");
    }
    return 0;
}

int lty_ops_segment_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           const char *name, const lty_segment_filter_t *filter,
                           lty_segment_t *segment_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && name != NULL);
    LTY_ASSERT(filter != NULL && segment_out != NULL);
    size_t name_size = strnlen(name, LTY_SEGMENT_NAME_BYTES_MAX + 1);
    if (name_size == 0 || name_size > LTY_SEGMENT_NAME_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name", "name must be 1 to %d bytes",
                            LTY_SEGMENT_NAME_BYTES_MAX);
    }
    int err = lty_ops_segment_filter_check(filter, diag);
    lty_segment_t segment = {.created_ms = now_ms, .filter = *filter};
    memcpy(segment.name, name, name_size + 1);
    snprintf(segment.principal, sizeof(segment.principal), "%s", lty__ops_principal(actor));
    if (err == 0) err = lty__ops_id_next(txn, LTY_DB_SEGMENTS, &segment.segment_id);
    if (err != 0) return err;
    uint8_t buffer[LTY_RECORD_SEGMENT_BYTES_MAX];
    size_t size = lty_record_segment_encode(&segment, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, segment.segment_id);
    err = lty_store_append(txn, LTY_DB_SEGMENTS, lty_key_bytes(&key),
                           (lty_bytes_t){.data = buffer, .size = size});
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "segment:%" PRIu64, segment.segment_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "segment.create", target, name);
    if (err == 0) *segment_out = segment;
    return err;
}

int lty_ops_segment_get(lty_store_txn_t *txn, uint64_t segment_id, lty_segment_t *segment_out)
{
    LTY_ASSERT(txn != NULL && segment_out != NULL);
    if (segment_id == 0) return LTY_E_NOT_FOUND;
    lty_key_t key;
    lty_key_id(&key, segment_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SEGMENTS, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_segment_decode(value, segment_out);
    return err;
}

int lty_ops_segment_list(lty_store_txn_t *txn, uint64_t after, size_t limit,
                         lty_ops_segment_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    LTY_ASSERT(limit >= 1 && limit <= LTY_SEGMENT_PAGE_MAX);
    page_out->segments_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_SEGMENTS, &cursor);
    lty_key_t start;
    lty_key_id(&start, after == UINT64_MAX ? UINT64_MAX : after + 1);
    lty_bytes_t key = {0}, value = {0};
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key,
                                              &value);
    while (err == 0 && page_out->segments_count < limit) {
        lty_segment_t *segment = &page_out->segments[page_out->segments_count];
        err = lty_record_segment_decode(value, segment);
        if (err != 0) break;
        page_out->segments_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    if (err == 0) page_out->next_after = page_out->segments[limit - 1].segment_id; /* more */
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Who a segment selects ------------------------------------------------------------------- */

typedef struct ids_s {
    uint64_t *ids;
    size_t count;
    size_t capacity;
} ids_t;

static int ids_add(ids_t *ids, uint64_t id)
{
    int err = lty__ops_analytics_reserve((void **)&ids->ids, &ids->capacity, ids->count + 1,
                                         sizeof(*ids->ids));
    if (err != 0) return err;
    ids->ids[ids->count++] = id;
    return 0;
}

static bool ids_has(const ids_t *ids, uint64_t id)
{
    size_t low = 0, high = ids->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (ids->ids[middle] < id) low = middle + 1;
        else high = middle;
    }
    return low < ids->count && ids->ids[low] == id;
}

static int id_compare(const void *left, const void *right)
{
    uint64_t a = *(const uint64_t *)left, b = *(const uint64_t *)right;
    return a < b ? -1 : a > b ? 1 : 0;
}

typedef struct segment_walk_s {
    const lty_analytics_settings_t *settings;
    const lty_segment_filter_t *filter;
    int64_t as_of_day;
    int64_t window_days;
    const lty_analytics_rfm_t *rfm;   /* when the filter names RFM segments */
    const ids_t *category;            /* members who bought the category, when it is given */
    ids_t selected;
} segment_walk_t;

static bool member_profile_matches(const lty_segment_filter_t *filter, const lty_member_t *member)
{
    if (filter->tier_mask != 0 && (filter->tier_mask & (1u << member->tier)) == 0) return false;
    if (filter->home_store[0] != '\0' && strcmp(filter->home_store, member->preferred_store) != 0) {
        return false;
    }
    if (filter->birthday_month != 0) {
        int month = member->birthday[0] != '\0' ? atoi(member->birthday + 5) : 0;
        if (month != filter->birthday_month) return false;
    }
    return (member->consent_flags & filter->consent_mask) == filter->consent_mask;
}

static int segment_member_cb(void *userdata, const lty_member_t *member,
                             const lty_analytics_day_t *days, size_t days_count)
{
    segment_walk_t *walk = userdata;
    const lty_segment_filter_t *filter = walk->filter;
    int64_t as_of = walk->as_of_day;
    if (lty_clock_day(member->created_ms) > as_of || !member_profile_matches(filter, member)) {
        return 0;
    }
    int64_t last = -1, cents = 0;
    for (size_t index = 0; index < days_count; index++) {
        if (days[index].day > as_of) break;
        if (days[index].purchases > 0) last = days[index].day;
        if (days[index].day > as_of - walk->window_days) cents += days[index].sales_cents;
    }
    lty_analytics_life_t life = {
        .enrolled_day = lty_clock_day(member->created_ms),
        .closed_day = member->status == LTY_MEMBER_CLOSED ? lty_clock_day(member->closed_ms) : -1,
        .last_purchase_day = last};
    lty_stage_t stage = lty_analytics_stage(walk->settings, &life, as_of);
    /* Closed members are nobody's target unless the filter asks for that stage. */
    if (filter->stage_mask == 0 ? stage == LTY_STAGE_CLOSED
                                : (filter->stage_mask & (1u << stage)) == 0) {
        return 0;
    }
    if (filter->spend_given &&
        (cents < filter->spend_min_cents || cents > filter->spend_max_cents)) {
        return 0;
    }
    if (walk->rfm != NULL) {
        const lty_analytics_rfm_member_t *row = lty_ops_analytics_rfm_find(walk->rfm,
                                                                           member->member_id);
        if (row == NULL || (filter->rfm_mask & (1u << row->segment)) == 0) return 0;
    }
    if (walk->category != NULL && !ids_has(walk->category, member->member_id)) return 0;
    return ids_add(&walk->selected, member->member_id);
}

/* The first sale id whose created_ms >= from_ms (sales are appended in time order); the last
 * sale id + 1 when none. */
static int sales_first_from(lty_store_txn_t *txn, lty_sale_t *sale, int64_t from_ms,
                            uint64_t *first_out)
{
    uint64_t low = 1, high = 0;
    int err = lty__ops_id_next(txn, LTY_DB_JOURNAL, &high); /* sale ids are entry ids */
    while (err == 0 && low < high) {
        uint64_t middle = low + (high - low) / 2;
        lty_store_cursor_t *cursor = NULL;
        lty_key_t start;
        lty_key_id(&start, middle);
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_open(txn, LTY_DB_SALES, &cursor);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start),
                                                  &key, &value);
        if (err == 0) err = lty_record_sale_decode(value, sale);
        lty_store_cursor_close(cursor);
        if (err == LTY_E_NOT_FOUND) {
            high = middle; /* no sale at or after middle */
            err = 0;
        } else if (err == 0 && sale->created_ms < from_ms) {
            low = sale->sale_id + 1;
        } else if (err == 0) {
            high = middle;
        }
    }
    *first_out = low;
    return err;
}

static bool sale_has_category(const lty_sale_t *sale, const char *category)
{
    if (!lty_analytics_sale_counts(sale)) return false;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        const lty_sale_line_t *item = &sale->lines[line];
        if (item->qty_returned < item->qty && strcmp(item->category, category) == 0) return true;
    }
    return false;
}

/* Members with a kept line of category in a sale of [from_ms, to_ms): ids sorted, unique. */
static int category_buyers(lty_store_t *store, const char *category, int64_t from_ms,
                           int64_t to_ms, ids_t *ids)
{
    lty_sale_t *sale = lty_alloc(sizeof(*sale));
    if (sale == NULL) return LTY_E_NOMEM;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(store, &txn);
    uint64_t next = 0;
    if (err == 0) err = sales_first_from(txn, sale, from_ms, &next);
    for (bool done = false; err == 0 && !done;) {
        lty_store_cursor_t *cursor = NULL;
        lty_key_t start;
        lty_key_id(&start, next);
        lty_bytes_t key = {0}, value = {0};
        err = lty_store_cursor_open(txn, LTY_DB_SALES, &cursor);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start),
                                                  &key, &value);
        for (size_t count = 0; err == 0 && count < LTY_ANALYTICS_SLICE_MEMBERS; count++) {
            err = lty_record_sale_decode(value, sale);
            if (err == 0 && sale->created_ms >= from_ms && sale->created_ms < to_ms &&
                sale->member_id != 0 && sale_has_category(sale, category)) {
                err = ids_add(ids, sale->member_id);
            }
            next = sale->sale_id + 1;
            if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0},
                                                      &key, &value);
        }
        lty_store_cursor_close(cursor);
        done = err == LTY_E_NOT_FOUND;
        lty_store_txn_abort(txn); /* a new snapshot per slice: never a long reader */
        txn = NULL;
        if (err == LTY_E_NOT_FOUND) err = 0;
        if (err == 0 && !done) err = lty_store_read_begin(store, &txn);
    }
    lty_store_txn_abort(txn);
    lty_free(sale);
    lty_sort(ids->ids, ids->count, sizeof(*ids->ids), id_compare);
    size_t unique = 0;
    for (size_t index = 0; index < ids->count; index++) {
        if (unique == 0 || ids->ids[unique - 1] != ids->ids[index])
            ids->ids[unique++] = ids->ids[index];
    }
    ids->count = unique;
    return err;
}

int lty_ops_segment_members(lty_store_t *store, const lty_analytics_settings_t *settings,
                            const lty_segment_filter_t *filter, int64_t as_of_day,
                            uint64_t **ids_out, size_t *count_out)
{
    LTY_ASSERT(store != NULL && settings != NULL && filter != NULL);
    LTY_ASSERT(ids_out != NULL && count_out != NULL && as_of_day >= 0);
    int64_t window_days = filter->window_days > 0 ? filter->window_days : settings->rfm_window_days;
    segment_walk_t walk = {.settings = settings, .filter = filter, .as_of_day = as_of_day,
                           .window_days = window_days};
    lty_analytics_rfm_t rfm = {0};
    ids_t category = {0};
    int err = 0;
    if (filter->rfm_mask != 0) {
        err = lty_ops_analytics_rfm(store, settings, as_of_day, window_days, &rfm);
        walk.rfm = &rfm;
    }
    if (err == 0 && filter->category[0] != '\0') {
        int64_t to_ms = (as_of_day + 1) * LTY_MS_PER_DAY;
        err = category_buyers(store, filter->category,
                              to_ms - (int64_t)filter->category_days * LTY_MS_PER_DAY, to_ms,
                              &category);
        walk.category = &category;
    }
    if (err == 0) err = lty_ops_analytics_walk(store, segment_member_cb, &walk);
    lty_ops_analytics_rfm_free(&rfm);
    lty_free(category.ids);
    if (err != 0) {
        lty_free(walk.selected.ids);
        return err;
    }
    *ids_out = walk.selected.ids;
    *count_out = walk.selected.count;
    return 0;
}
