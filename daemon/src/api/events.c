/* SPDX-License-Identifier: MIT */
/* The event feed for the retailer's other systems (ERP, data warehouse, marketing tools):
 * GET /v1/admin/events?after=SEQ&limit=N gives every journal entry as an event, in the order
 * of the journal. The event's sequence is the entry's id: entries are appended with increasing
 * ids in the writer's one transaction at a time, so a page that starts after the last sequence
 * the reader saw never skips an event and never reorders two, on the leader and on a follower
 * alike (a follower applies the same batches in the same order). The event type comes from one
 * table (event_types below): a new kind of entry is one new row. It reads in a read transaction
 * and never waits for the writer. */
#include "api.h"
#include "events.h"
#include "lty/lty_assert.h"
#include "records.h"
#include "render.h"

#include <string.h>

#define EVENTS_PAGE_DEFAULT 100
#define EVENTS_PAGE_MAX 200 /* a page fits LTY_HTTP_RESPONSE_BYTES_MAX */

/* Which event a journal entry is. points_sign: the sign of the entry's postings on the member's
 * points account (-1 debit, +1 credit, 0 none or not consulted); a row with consult_sign
 * false matches every sign. The first matching row wins. */
typedef struct event_type_s {
    lty_entry_kind_t kind;
    bool consult_sign;
    int points_sign;
    const char *type;
} event_type_t;

static const event_type_t event_types[] = {
    {LTY_ENTRY_SALE, true, -1, "points.redeemed"}, /* a redemption (it may earn some too) */
    {LTY_ENTRY_SALE, true, 1, "points.earned"},
    {LTY_ENTRY_SALE, false, 0, "sale.recorded"},   /* a sale that moved no points */
    {LTY_ENTRY_ADJUST, false, 0, "points.adjusted"},
    {LTY_ENTRY_BONUS, false, 0, "points.bonus"},
    {LTY_ENTRY_EXPIRE, false, 0, "points.expired"},
    {LTY_ENTRY_TOPUP, false, 0, "prepaid.topped_up"},
    {LTY_ENTRY_RETURN, false, 0, "sale.returned"},
    {LTY_ENTRY_VOID, false, 0, "sale.voided"},
    {LTY_ENTRY_CLOSE, false, 0, "member.closed"},
};

/* -1 when the entry debits the member's points, +1 when it credits them, 0 otherwise (net). */
static int points_sign(const lty_journal_entry_t *entry)
{
    LTY_ASSERT(entry != NULL);
    LTY_ASSERT(entry->postings_count <= LTY_POSTINGS_PER_ENTRY_MAX);
    bool debit = false, credit = false;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        if (posting->account_kind != LTY_ACCOUNT_MEMBER_POINTS) continue;
        if (posting->amount < 0) debit = true;
        if (posting->amount > 0) credit = true;
    }
    return debit ? -1 : credit ? 1 : 0;
}

const char *lty_api_event_type(const lty_journal_entry_t *entry)
{
    LTY_ASSERT(entry != NULL);
    int sign = points_sign(entry);
    for (size_t index = 0; index < sizeof(event_types) / sizeof(event_types[0]); index++) {
        const event_type_t *row = &event_types[index];
        if (row->kind != entry->kind) continue;
        if (row->consult_sign && row->points_sign != sign) continue;
        return row->type;
    }
    return "entry.recorded"; /* a kind newer than this table: still delivered, never skipped */
}

void lty_api_event_render(lty_json_writer_t *writer, const lty_journal_entry_t *entry)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(entry != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "seq", (int64_t)entry->entry_id);
    lty_jw_kv_string(writer, "type", lty_api_event_type(entry));
    if (entry->member_id != 0) lty_jw_kv_int(writer, "member_id", (int64_t)entry->member_id);
    lty_api_render_time(writer, "created_at", entry->created_ms);
    lty_jw_key(writer, "entry");
    lty_api_render_entry(writer, entry);
    lty_jw_object_end(writer);
}

/* Render up to limit events after `after` from txn; *last_out is the last sequence rendered
 * (after itself when none) and *more_out whether the journal holds more. */
static int events_page(lty_store_txn_t *txn, uint64_t after, int64_t limit,
                       lty_json_writer_t *writer, uint64_t *last_out, bool *more_out)
{
    LTY_ASSERT(limit >= 1);
    LTY_ASSERT(limit <= EVENTS_PAGE_MAX);
    *last_out = after;
    *more_out = false;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_JOURNAL, &cursor);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err != 0) return err;
    uint8_t start[8];
    lty_record_u64_encode(after + 1, start);
    lty_bytes_t key = {.data = start, .size = sizeof(start)}, found = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, key, &found, &value);
    lty_journal_entry_t *entry = lty_alloc(sizeof(*entry));
    if (entry == NULL) err = LTY_E_NOMEM;
    for (int64_t count = 0; err == 0; count++) {
        if (count == limit) {
            *more_out = true;
            break;
        }
        err = lty_record_entry_decode(value, entry);
        if (err != 0) break;
        lty_api_event_render(writer, entry);
        *last_out = entry->entry_id;
        lty_bytes_t none = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &found, &value);
    }
    lty_free(entry);
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* GET /v1/admin/events?after=SEQ&limit=N
 * {"events":[{"seq","type","member_id","created_at","entry"}...],"next_after":SEQ,"more":bool}:
 * the next page starts after next_after. */
int lty_api_admin_event_list(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    int64_t after = 0, limit = EVENTS_PAGE_DEFAULT;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX - 1, &after, NULL, &diag);
    if (err == 0) {
        err = lty_api_query_int(exchange, "limit", 1, EVENTS_PAGE_MAX, &limit, NULL, &diag);
    }
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "events");
    lty_jw_array_begin(&writer);
    uint64_t last = 0;
    bool more = false;
    err = events_page(txn, (uint64_t)after, limit, &writer, &last, &more);
    lty_store_txn_abort(txn);
    lty_jw_array_end(&writer);
    lty_jw_kv_int(&writer, "next_after", (int64_t)last);
    lty_jw_kv_bool(&writer, "more", more);
    lty_jw_object_end(&writer);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}
