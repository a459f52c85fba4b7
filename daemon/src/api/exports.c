/* SPDX-License-Identifier: MIT */
/* GET /v1/admin/members/{member_id}/export: everything stored about one member, for an access
 * request under data-protection law: profile and consents, balances, cards, the member's PIN
 * metadata (never a hash, salt or reset code), tier and tier history, the journal and the audit
 * records about them (newest first, up to LTY_EXPORT_*_MAX, with the cursor to page the rest
 * through /journal and /audit).
 *
 * The export runs on the writer, as a job: it reads one snapshot and appends a "member.export"
 * audit record (who, when, from where) in the same transaction, so no personal data leaves
 * without its access on the trail. It is a read all the same: no Idempotency-Key, never replayed.
 *
 * Not here: erasure (account close, ops_close.c), the journal and audit pages (members.c). */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "ops.h"
#include "settings.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct export_command_s {
    uint64_t member_id;
} export_command_t;

/* The member's PIN state without its secrets (one PIN per member, for all their cards):
 * whether one is set, the failure throttle, a pending reset. */
static int pin_render(lty_json_writer_t *writer, lty_store_txn_t *txn, uint64_t member_id)
{
    lty_pin_t pin;
    int err = lty_ops_pin_get(txn, member_id, &pin);
    lty_jw_key(writer, "pin");
    if (err == LTY_E_NOT_FOUND) {
        lty_jw_null(writer);
        return 0;
    }
    if (err != 0) return err;
    lty_jw_object_begin(writer);
    lty_jw_kv_bool(writer, "set", pin.set != 0);
    lty_jw_kv_int(writer, "failures", pin.failures);
    lty_api_render_time(writer, "locked_until", pin.locked_until_ms);
    lty_api_render_time(writer, "reset_code_expires_at", pin.reset_expires_ms);
    lty_api_render_time(writer, "updated_at", pin.updated_ms);
    lty_jw_object_end(writer);
    memset(&pin, 0, sizeof(pin)); /* the hash does not linger on the writer's stack */
    return 0;
}

static int profile_and_cards_render(lty_json_writer_t *writer, lty_store_txn_t *txn,
                                    const lty_programme_t *programme, uint64_t member_id,
                                    int64_t now_ms)
{
    lty_ops_member_view_t *view = lty_alloc(sizeof(*view));
    if (view == NULL) return LTY_E_NOMEM;
    int err = lty_ops_member_get(txn, member_id, view);
    int64_t balance = 0; /* the points shown are those that may be spent, as everywhere */
    if (err == 0) err = lty_ops_points_available(txn, member_id, now_ms, &balance, &view->points);
    if (err == 0) {
        lty_jw_key(writer, "profile");
        lty_jw_object_begin(writer);
        lty_api_render_member_profile(writer, &view->member, programme);
        lty_api_render_time(writer, "consents_changed_at", view->member.consent_ms);
        lty_api_render_time(writer, "closed_at", view->member.closed_ms);
        lty_jw_object_end(writer);
        lty_jw_key(writer, "balances");
        lty_jw_object_begin(writer);
        lty_api_render_balances(writer, view->points, view->prepaid_cents);
        lty_jw_object_end(writer);
        lty_jw_key(writer, "cards");
        lty_jw_array_begin(writer);
    }
    for (size_t index = 0; err == 0 && index < view->cards_count; index++) {
        lty_api_render_card(writer, &view->cards[index], now_ms);
    }
    if (err == 0) {
        lty_jw_array_end(writer);
        err = pin_render(writer, txn, member_id);
    }
    lty_free(view);
    return err;
}

static int tiers_render(lty_json_writer_t *writer, lty_store_txn_t *txn,
                        const lty_programme_t *programme, uint64_t member_id, int64_t now_ms)
{
    lty_ops_tier_history_t *history = lty_alloc(sizeof(*history));
    if (history == NULL) return LTY_E_NOMEM;
    lty_ops_tier_status_t status;
    int err = lty_ops_tier_status(txn, programme, now_ms, member_id, &status);
    if (err == 0) err = lty_ops_tier_history(txn, member_id, history);
    if (err == 0) {
        lty_jw_key(writer, "tier");
        lty_jw_object_begin(writer);
        lty_api_render_tier(writer, programme, &status);
        lty_api_render_tier_history(writer, programme, history);
        lty_jw_object_end(writer);
    }
    lty_free(history);
    return err;
}

/* The response must fit LTY_HTTP_RESPONSE_BYTES_MAX whatever the records hold: the journal
 * stops once the body passes half of it, the audit records at seven eighths, each leaving the
 * cursor where it stopped. */
#define EXPORT_JOURNAL_BUDGET_BYTES (LTY_HTTP_RESPONSE_BYTES_MAX / 2)
#define EXPORT_AUDIT_BUDGET_BYTES (LTY_HTTP_RESPONSE_BYTES_MAX / 8 * 7)
_Static_assert(LTY_HTTP_RESPONSE_BYTES_MAX / 8 > 2 * LTY_RECORD_AUDIT_BYTES_MAX + 4096,
               "one more record and the closing fields fit after each budget");

/* One list of the export (journal or audit), read page by page, newest first. */
typedef struct export_list_s {
    const char *key;          /* "journal" */
    const char *cursor_key;   /* "journal_next_after": where /journal?after= goes on */
    size_t items_max;         /* LTY_EXPORT_*_MAX */
    size_t budget_bytes;      /* stop once the body is past this */
    size_t page_bytes;        /* sizeof the ops page */
    size_t page_items_max;    /* LTY_*_PAGE_MAX */
    /* Read the page after `after` into page: its items count and next cursor. */
    int (*fetch_cb)(lty_store_txn_t *txn, uint64_t member_id, uint64_t after, size_t limit,
                    void *page, size_t *count_out, uint64_t *next_after_out);
    /* Render item index of page; returns its id (the cursor to go on after it). */
    uint64_t (*render_cb)(lty_json_writer_t *writer, const void *page, size_t index);
} export_list_t;

static int journal_fetch_cb(lty_store_txn_t *txn, uint64_t member_id, uint64_t after,
                            size_t limit, void *page, size_t *count_out, uint64_t *next_after_out)
{
    lty_ops_journal_page_t *journal = page;
    int err = lty_ops_journal_page(txn, member_id, after, limit, journal);
    *count_out = err == 0 ? journal->entries_count : 0;
    *next_after_out = err == 0 ? journal->next_after : 0;
    return err;
}

static uint64_t journal_render_cb(lty_json_writer_t *writer, const void *page, size_t index)
{
    const lty_ops_journal_page_t *journal = page;
    lty_api_render_entry(writer, &journal->entries[index]);
    return journal->entries[index].entry_id;
}

static int audit_fetch_cb(lty_store_txn_t *txn, uint64_t member_id, uint64_t after,
                          size_t limit, void *page, size_t *count_out, uint64_t *next_after_out)
{
    lty_ops_audit_page_t *audit = page;
    int err = lty_ops_member_audit_page(txn, member_id, after, limit, audit);
    *count_out = err == 0 ? audit->audits_count : 0;
    *next_after_out = err == 0 ? audit->next_after : 0;
    return err;
}

static uint64_t audit_render_cb(lty_json_writer_t *writer, const void *page, size_t index)
{
    const lty_ops_audit_page_t *audit = page;
    lty_api_render_audit(writer, &audit->audits[index]);
    return audit->audits[index].audit_id;
}

static const export_list_t export_journal = {
    "journal", "journal_next_after", LTY_EXPORT_JOURNAL_ENTRIES_MAX, EXPORT_JOURNAL_BUDGET_BYTES,
    sizeof(lty_ops_journal_page_t), LTY_JOURNAL_PAGE_MAX, journal_fetch_cb, journal_render_cb};
static const export_list_t export_audit = {
    "audit", "audit_next_after", LTY_EXPORT_AUDIT_RECORDS_MAX, EXPORT_AUDIT_BUDGET_BYTES,
    sizeof(lty_ops_audit_page_t), LTY_AUDIT_PAGE_MAX, audit_fetch_cb, audit_render_cb};

/* list's items, newest first, until they run out or a bound is reached; then the cursor to go
 * on from (null when everything is in). */
static int list_render(lty_json_writer_t *writer, const lty_buf_t *body, lty_store_txn_t *txn,
                       uint64_t member_id, const export_list_t *list)
{
    void *page = lty_alloc(list->page_bytes);
    if (page == NULL) return LTY_E_NOMEM;
    lty_jw_key(writer, list->key);
    lty_jw_array_begin(writer);
    uint64_t after = 0;
    size_t rendered = 0;
    bool more = true;
    bool full = false;
    int err = 0;
    while (err == 0 && more && !full) {
        size_t count = 0;
        uint64_t next_after = 0;
        err = list->fetch_cb(txn, member_id, after, list->page_items_max, page, &count,
                             &next_after);
        more = err == 0 && next_after != 0;
        for (size_t index = 0; err == 0 && index < count; index++) {
            full = rendered == list->items_max || body->size > list->budget_bytes;
            if (full) {
                more = true; /* after: the last item rendered */
                break;
            }
            after = list->render_cb(writer, page, index);
            rendered++;
        }
        full = full || rendered == list->items_max || body->size > list->budget_bytes;
    }
    lty_jw_array_end(writer);
    lty_api_render_cursor(writer, list->cursor_key, more ? after : 0);
    lty_free(page);
    return err;
}

static int export_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const export_command_t *command = lty_api_job_command(job);
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_programme_t *programme = &settings->programme; /* the settings in force */
    uint64_t member_id = command->member_id;
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
    lty_api_render_time(&writer, "exported_at", job->now_ms);
    err = profile_and_cards_render(&writer, txn, programme, member_id, job->now_ms);
    if (err == 0) err = tiers_render(&writer, txn, programme, member_id, job->now_ms);
    if (err == 0) err = list_render(&writer, job->body, txn, member_id, &export_journal);
    if (err == 0) err = list_render(&writer, job->body, txn, member_id, &export_audit);
    lty_jw_object_end(&writer);
    if (err == 0 && lty_buf_error(job->body) != 0) err = LTY_E_INTERNAL; /* bounds: see limits */
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member_id);
    if (err == 0) {
        err = lty_ops_audit_event(txn, lty_api_job_actor(job), job->now_ms, "member.export",
                                  target, "personal data exported (access request)");
    }
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_member_data_export(lty_api_t *api, lty_exchange_t *exchange,
                                     const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    export_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    command->member_id = member_id;
    return lty_api_submit(api, exchange, export_apply, command, lty_free);
}
