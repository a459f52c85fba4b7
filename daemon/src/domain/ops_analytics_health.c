/* SPDX-License-Identifier: MIT */
/* Programme health: active members and enrolment per store and month, points issued,
 * redeemed, expired and adjusted per month with the liability at each month's end, the tier
 * distribution, and the uplift of the campaigns (segment runs) of the period; and the uplift of
 * one run: the net sales of its targeted members in the uplift_days from its day against the
 * same members' uplift_days before, and the same for the members it held out.
 *
 * Points are the one part read from the journal, from the first entry of the period on (a
 * binary search over the appended entry ids finds it), in slices of short read transactions
 * like the member walk. The liability at a month's end is today's (the system points accounts)
 * less the member points posted after that month. Not here: the member walk (ops_analytics.c). */
#include "ops_analytics.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"

#include <string.h>

#define JOURNAL_SLICE_ENTRIES 50000 /* journal entries per read transaction */

__extension__ typedef __int128 wide_t; /* (during - before) * 10000 may exceed int64_t */

/* ---- Stores and members ------------------------------------------------------------------ */

typedef struct health_walk_s {
    lty_analytics_health_t *health;
    int64_t from_day;
    uint8_t *seen;               /* [store][month] marks of the member being walked */
} health_walk_t;

/* The index of store in the report (added when new), or -1 when the table is full. */
static int store_index(lty_analytics_health_t *health, const char *store)
{
    for (size_t index = 0; index < health->stores_count; index++) {
        if (strcmp(health->stores[index].store, store) == 0) return (int)index;
    }
    if (health->stores_count == LTY_ANALYTICS_STORES_MAX) {
        health->stores_truncated = true;
        return -1;
    }
    lty_analytics_health_store_t *added = &health->stores[health->stores_count];
    memset(added, 0, sizeof(*added));
    memcpy(added->store, store, strlen(store) + 1);
    return (int)health->stores_count++;
}

/* The report's month index of day, or -1 outside the period. */
static int month_slot(const lty_analytics_health_t *health, int64_t day)
{
    if (day < 0 || day > health->as_of_day) return -1;
    uint64_t month = lty_analytics_month_of_day(day);
    if (month < health->from_month) return -1;
    return (int)(month - health->from_month);
}

static int health_member_cb(void *userdata, const lty_member_t *member,
                            const lty_analytics_day_t *days, size_t days_count)
{
    health_walk_t *walk = userdata;
    lty_analytics_health_t *health = walk->health;
    int enrolled = month_slot(health, lty_clock_day(member->created_ms));
    if (enrolled >= 0) {
        int store = store_index(health, member->preferred_store);
        if (store >= 0) health->stores[store].enrolled[enrolled]++;
    }
    bool open = member->status != LTY_MEMBER_CLOSED ||
                lty_clock_day(member->closed_ms) > health->as_of_day;
    if (open && lty_clock_day(member->created_ms) <= health->as_of_day &&
        member->tier < LTY_TIERS_MAX) {
        health->tiers[member->tier]++;
    }
    memset(walk->seen, 0, LTY_ANALYTICS_STORES_MAX * LTY_ANALYTICS_MONTHS_MAX);
    for (size_t index = 0; index < days_count; index++) {
        int month = days[index].purchases > 0 ? month_slot(health, days[index].day) : -1;
        int store = month >= 0 ? store_index(health, days[index].store) : -1;
        if (store < 0) continue;
        uint8_t *mark = &walk->seen[(size_t)store * LTY_ANALYTICS_MONTHS_MAX + (size_t)month];
        if (*mark == 0) health->stores[store].active[month]++;
        *mark = 1;
    }
    return 0;
}

/* ---- Points from the journal ------------------------------------------------------------- */

/* The created_ms of entry id (0 and LTY_E_NOT_FOUND past the end). */
static int entry_time(lty_store_txn_t *txn, uint64_t entry_id, int64_t *created_ms_out)
{
    lty_key_t key;
    lty_key_id(&key, entry_id);
    lty_bytes_t value;
    lty_journal_entry_t entry;
    int err = lty_store_get(txn, LTY_DB_JOURNAL, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_entry_decode(value, &entry);
    if (err == 0) *created_ms_out = entry.created_ms;
    return err;
}

/* The first entry id whose created_ms >= from_ms (entries are appended in time order; a clock
 * set back by a test only moves the boundary by those entries). last + 1 when none. */
static int first_entry_from(lty_store_t *store, int64_t from_ms, uint64_t *first_out,
                            uint64_t *last_out)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(store, &txn);
    uint64_t last = 0;
    if (err == 0) err = lty__ops_id_next(txn, LTY_DB_JOURNAL, &last);
    last = last > 0 ? last - 1 : 0;
    uint64_t low = 1, high = last + 1;
    while (err == 0 && low < high) {
        uint64_t middle = low + (high - low) / 2;
        int64_t created_ms = 0;
        err = entry_time(txn, middle, &created_ms);
        if (err == 0 && created_ms < from_ms) low = middle + 1;
        else if (err == 0) high = middle;
    }
    lty_store_txn_abort(txn);
    *first_out = low;
    *last_out = last;
    return err;
}

/* Add one entry: its month's sums, and its member points to posted[month] (or to *later when it
 * is dated after as_of: the liability walks back from today over both). An entry dated before
 * the period (only a test's clock set back makes one) counts in the first month. */
static void entry_points_add(lty_analytics_health_t *health, const lty_journal_entry_t *entry,
                             int64_t *posted, int64_t *later)
{
    int64_t day = lty_clock_day(entry->created_ms);
    int slot = day > health->as_of_day ? -1 : month_slot(health, day);
    if (slot < 0 && day <= health->as_of_day) slot = 0;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        if (posting->account_kind == LTY_ACCOUNT_MEMBER_POINTS) {
            if (slot < 0) *later += posting->amount;
            else posted[slot] += posting->amount;
        }
        if (slot < 0) continue;
        lty_analytics_health_points_t *points = &health->points[slot];
        switch (posting->account_kind) {
        case LTY_ACCOUNT_POINTS_ISSUED: points->issued -= posting->amount; break;
        case LTY_ACCOUNT_POINTS_REDEEMED: points->redeemed += posting->amount; break;
        case LTY_ACCOUNT_POINTS_EXPIRED: points->expired += posting->amount; break;
        case LTY_ACCOUNT_POINTS_ADJUSTED:
            if (entry->kind == LTY_ENTRY_BONUS) points->issued -= posting->amount;
            else points->adjusted -= posting->amount;
            break;
        default: break;
        }
    }
}

/* Member points posted in each month of the period (member_after[slot]) and per month's sums,
 * reading entries first..last in slices. */
static int journal_scan(lty_store_t *store, lty_analytics_health_t *health, uint64_t first,
                        uint64_t last, int64_t *posted, int64_t *later)
{
    int err = 0;
    for (uint64_t next = first; err == 0 && next <= last;) {
        lty_store_txn_t *txn = NULL;
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_read_begin(store, &txn);
        if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_JOURNAL, &cursor);
        lty_key_t start;
        lty_key_id(&start, next);
        lty_bytes_t key = {0}, value = {0};
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start),
                                                  &key, &value);
        for (size_t count = 0; err == 0 && count < JOURNAL_SLICE_ENTRIES; count++) {
            lty_journal_entry_t entry;
            err = lty_record_entry_decode(value, &entry);
            if (err != 0) break;
            entry_points_add(health, &entry, posted, later);
            next = entry.entry_id + 1;
            err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
        }
        if (err == LTY_E_NOT_FOUND) {
            err = 0;
            next = last + 1;
        }
        lty_store_cursor_close(cursor);
        lty_store_txn_abort(txn);
    }
    return err;
}

/* Today's member points: what the system points accounts are owed (they sum to zero with them). */
static int liability_now(lty_store_t *store, int64_t *points_out)
{
    static const lty_account_kind_t kinds[] = {LTY_ACCOUNT_POINTS_ISSUED,
                                               LTY_ACCOUNT_POINTS_REDEEMED,
                                               LTY_ACCOUNT_POINTS_EXPIRED,
                                               LTY_ACCOUNT_POINTS_ADJUSTED};
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(store, &txn);
    int64_t sum = 0;
    for (size_t index = 0; err == 0 && index < sizeof(kinds) / sizeof(kinds[0]); index++) {
        lty_account_t account;
        err = lty__ops_account_get(txn, kinds[index], 0, &account);
        sum -= err == 0 ? account.balance : 0;
    }
    lty_store_txn_abort(txn);
    *points_out = sum;
    return err;
}

static int health_points(lty_store_t *store, const lty_programme_t *programme,
                         lty_analytics_health_t *health, int64_t from_day)
{
    uint64_t first = 0, last = 0;
    int64_t posted[LTY_ANALYTICS_MONTHS_MAX] = {0};
    int64_t later = 0, liability = 0;
    int err = liability_now(store, &liability);
    if (err == 0) err = first_entry_from(store, from_day * LTY_MS_PER_DAY, &first, &last);
    if (err == 0) err = journal_scan(store, health, first, last, posted, &later);
    if (err != 0) return err;
    /* From today's liability back: the last month ends at as_of (less what came later), each
     * earlier month's end less what the months after it posted. */
    int64_t end = liability - later;
    for (size_t slot = health->months_count; slot > 0; slot--) {
        lty_analytics_health_points_t *points = &health->points[slot - 1];
        points->liability_points = end;
        points->liability_cents = end * programme->redeem_cents_per_point;
        end -= posted[slot - 1];
    }
    return 0;
}

/* ---- Uplift -------------------------------------------------------------------------------- */

static int64_t change_bp(int64_t before, int64_t during)
{
    if (before <= 0) return 0;
    return (int64_t)((wide_t)(during - before) * LTY_ANALYTICS_BP / before);
}

/* Net sales of member_id within [from_day, to_day], read with cursor (member-ledger). */
static int member_sales(lty_store_cursor_t *cursor, uint64_t member_id, int64_t from_day,
                        int64_t to_day, int64_t *cents_out)
{
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_PURCHASE);
    lty_bytes_t key = {0}, value = {0};
    int64_t cents = 0;
    int err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && lty_key_member_part_is(key, member_id, LTY_PART_PURCHASE)) {
        lty_purchase_day_t day;
        err = lty_record_purchase_day_decode(key, value, &day);
        if (err != 0) break;
        if (day.day > to_day) break;
        if (day.day >= from_day) cents += day.sales_cents;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    *cents_out = cents;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* One slice of the run's members from *next_member (run_id | member) on. */
static int uplift_slice(lty_store_t *store, lty_analytics_uplift_t *uplift, uint64_t *next_member,
                        bool *done_out)
{
    lty_store_txn_t *txn = NULL;
    lty_store_cursor_t *members = NULL, *ledger = NULL;
    int err = lty_store_read_begin(store, &txn);
    if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_SEGMENT_RUN_MEMBERS, &members);
    if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &ledger);
    lty_key_t start;
    lty_key_member_entry(&start, uplift->run.run_id, *next_member);
    lty_bytes_t key = {0}, value = {0};
    if (err == 0) err = lty_store_cursor_seek(members, LTY_SEEK_RANGE, lty_key_bytes(&start), &key,
                                              &value);
    int64_t day0 = lty_clock_day(uplift->run.created_ms);
    for (size_t count = 0; err == 0 && count < LTY_ANALYTICS_SLICE_MEMBERS; count++) {
        uint64_t run_id = 0, member_id = 0;
        lty_run_member_t state;
        if (!lty_key_u64_at(key, 0, &run_id) || run_id != uplift->run.run_id) {
            err = LTY_E_NOT_FOUND;
            break;
        }
        err = lty_key_u64_at(key, 8, &member_id) ? lty_record_run_member_decode(value, &state)
                                                 : LTY_E_CORRUPT;
        lty_analytics_uplift_group_t *group =
            state.state == LTY_RUN_MEMBER_GRANTED   ? &uplift->targeted
            : state.state == LTY_RUN_MEMBER_HOLDOUT ? &uplift->holdout
                                                    : NULL;
        int64_t before = 0, during = 0;
        if (err == 0 && group != NULL) {
            err = member_sales(ledger, member_id, day0 - uplift->days, day0 - 1, &before);
            if (err == 0) err = member_sales(ledger, member_id, day0, day0 + uplift->days - 1,
                                             &during);
            group->members++;
            group->before_cents += before;
            group->during_cents += during;
        }
        *next_member = member_id + 1;
        if (err == 0) err = lty_store_cursor_seek(members, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    *done_out = err == LTY_E_NOT_FOUND;
    lty_store_cursor_close(ledger);
    lty_store_cursor_close(members);
    lty_store_txn_abort(txn);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_analytics_uplift(lty_store_t *store, uint64_t run_id, int64_t days,
                             lty_analytics_uplift_t *uplift_out)
{
    LTY_ASSERT(store != NULL && uplift_out != NULL);
    LTY_ASSERT(days >= 1 && days <= LTY_ANALYTICS_DAYS_MAX);
    memset(uplift_out, 0, sizeof(*uplift_out));
    uplift_out->days = days;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(store, &txn);
    if (err == 0) err = lty_ops_run_get(txn, run_id, &uplift_out->run);
    lty_store_txn_abort(txn);
    uint64_t next_member = 1; /* member ids start at 1 */
    bool done = false;
    while (err == 0 && !done) err = uplift_slice(store, uplift_out, &next_member, &done);
    if (err != 0) return err;
    uplift_out->uplift_bp = change_bp(uplift_out->targeted.before_cents,
                                      uplift_out->targeted.during_cents);
    uplift_out->holdout_uplift_bp = change_bp(uplift_out->holdout.before_cents,
                                              uplift_out->holdout.during_cents);
    if (uplift_out->holdout.members > 0) {
        uplift_out->lift_over_holdout_bp = uplift_out->uplift_bp - uplift_out->holdout_uplift_bp;
    }
    return 0;
}

/* The newest runs created within the period, newest first. */
static int health_runs(lty_store_t *store, lty_analytics_health_t *health, int64_t from_day,
                       int64_t days)
{
    lty_store_txn_t *txn = NULL;
    lty_store_cursor_t *cursor = NULL;
    uint64_t ids[LTY_ANALYTICS_RUNS_MAX];
    size_t count = 0;
    int err = lty_store_read_begin(store, &txn);
    if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_SEGMENT_RUNS, &cursor);
    lty_bytes_t key = {0}, value = {0};
    if (err == 0)
        err = lty_store_cursor_seek(cursor, LTY_SEEK_LAST, (lty_bytes_t){0}, &key, &value);
    while (err == 0 && count < LTY_ANALYTICS_RUNS_MAX) {
        lty_segment_run_t run;
        err = lty_record_segment_run_decode(value, &run);
        if (err != 0) break;
        int64_t day = lty_clock_day(run.created_ms);
        if (day >= from_day && day <= health->as_of_day) ids[count++] = run.run_id;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    lty_store_txn_abort(txn);
    if (err == LTY_E_NOT_FOUND) err = 0;
    for (size_t index = 0; err == 0 && index < count; index++) {
        err = lty_ops_analytics_uplift(store, ids[index], days, &health->runs[index]);
        if (err == 0) health->runs_count++;
    }
    return err;
}

int lty_ops_analytics_health(lty_store_t *store, const lty_programme_t *programme,
                             int64_t as_of_day, size_t months_count,
                             lty_analytics_health_t *health_out)
{
    LTY_ASSERT(store != NULL && programme != NULL && health_out != NULL);
    LTY_ASSERT(months_count >= 1 && months_count <= LTY_ANALYTICS_MONTHS_MAX && as_of_day >= 0);
    memset(health_out, 0, sizeof(*health_out));
    uint64_t last_month = lty_analytics_month_of_day(as_of_day);
    months_count = last_month + 1 < months_count ? (size_t)last_month + 1 : months_count;
    health_out->as_of_day = as_of_day;
    health_out->months_count = months_count;
    health_out->from_month = last_month + 1 - months_count;
    int64_t from_day = lty_analytics_month_first_day(health_out->from_month);
    health_walk_t walk = {.health = health_out, .from_day = from_day};
    walk.seen = lty_alloc(LTY_ANALYTICS_STORES_MAX * LTY_ANALYTICS_MONTHS_MAX);
    int err = walk.seen == NULL ? LTY_E_NOMEM
                                : lty_ops_analytics_walk(store, health_member_cb, &walk);
    lty_free(walk.seen);
    if (err == 0) err = health_points(store, programme, health_out, from_day);
    if (err == 0) err = health_runs(store, health_out, from_day, programme->analytics.uplift_days);
    return err;
}
