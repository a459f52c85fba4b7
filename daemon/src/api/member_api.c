/* SPDX-License-Identifier: MIT */
/* The member API under /v1/member/ (docs/portal.md): what the portal's pages show and do. Every
 * route is realm MEMBER, so dispatch.c has already resolved the session (and, for changes, the
 * CSRF token); a handler reads or changes the session's member only, never one named in the
 * request. Reads run in a read transaction on this loop thread and never wait for the writer.
 *
 * The pattern for the routes still to come (coupons, gifts, vouchers): a row in
 * schema/routes.def with realm MEMBER, a handler here (or in member_<resource>.c) that takes the
 * member id from lty_api_actor(exchange)->member_id, and a page module in daemon/portal/app.js. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t session_member(const lty_exchange_t *exchange)
{
    const lty_actor_t *actor = lty_api_actor(exchange);
    LTY_ASSERT(actor->role == LTY_ROLE_MEMBER);
    LTY_ASSERT(actor->member_id >= 1);
    return actor->member_id;
}

/* ---- GET /v1/member/me -------------------------------------------------------------------- */

static void me_totals_render(lty_json_writer_t *writer, const lty_ops_member_status_t *status)
{
    lty_jw_kv_int(writer, "points_earned", status->points_earned);
    lty_jw_kv_int(writer, "points_redeemed", status->points_redeemed);
    lty_jw_kv_int(writer, "points_expired", status->points_expired);
    lty_jw_kv_int(writer, "points_bonus", status->points_bonus);
    lty_jw_kv_int(writer, "points_adjusted", status->points_adjusted);
    lty_jw_kv_int(writer, "points_pending", status->points_pending);
    lty_jw_kv_int(writer, "purchases_count", (int64_t)status->purchases_count);
    lty_jw_kv_int(writer, "purchases_cents", status->purchases_cents);
    lty_api_render_points_expiring(writer, status->expiring, status->expiring_count);
}

static void me_render(lty_json_writer_t *writer, const lty_api_t *api,
                      const lty_programme_t *programme, const lty_ops_member_status_t *status,
                      const lty_ops_member_view_t *view, const lty_session_t *session,
                      const char *csrf, int64_t now_ms)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "member_id", (int64_t)status->member_id);
    lty_jw_kv_string(writer, "name", status->member.name);
    lty_jw_kv_int(writer, "points", status->points);
    lty_jw_kv_int(writer, "prepaid_cents", status->prepaid_cents);
    lty_jw_kv_string(writer, "currency", programme->currency);
    lty_jw_kv_int(writer, "minor_unit", programme->minor_unit);
    lty_api_render_tier(writer, programme, &status->tier);
    me_totals_render(writer, status);
    lty_jw_key(writer, "cards");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < view->cards_count; index++) {
        lty_api_render_card(writer, &view->cards[index], now_ms);
    }
    lty_jw_array_end(writer);
    lty_jw_key(writer, "session");
    lty_jw_object_begin(writer);
    if (session->card_no[0] != '\0') lty_jw_kv_string(writer, "card_no", session->card_no);
    lty_jw_kv_int(writer, "expires_ms", session->expires_ms);
    lty_jw_kv_int(writer, "idle_timeout_ms", api->portal.session_idle_ms);
    lty_jw_object_end(writer);
    lty_jw_kv_string(writer, "csrf_token", csrf); /* a reloaded page gets it again here */
    lty_jw_object_end(writer);
}

int lty_api_member_me(lty_api_t *api, lty_exchange_t *exchange, const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = session_member(exchange);
    const uint8_t *hash = NULL;
    const lty_session_t *session = lty_api_session(exchange, &hash);
    lty_ops_member_status_t *status = lty_alloc(sizeof(*status));
    lty_ops_member_view_t *view = lty_alloc(sizeof(*view));
    int64_t now_ms = lty_clock_now_ms();
    int err = status != NULL && view != NULL ? 0 : LTY_E_NOMEM;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL; /* the programme as of this read (settings.h) */
    if (err == 0) err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_member_status(txn, &settings->programme, now_ms, member_id,
                                              status);
    if (err == 0) err = lty_ops_member_get(txn, member_id, view);
    lty_store_txn_abort(txn);
    if (err == 0) {
        char csrf[65];
        uint8_t token[32];
        (void)lty__api_session_token(exchange, token);
        lty__api_csrf_token(token, csrf);
        memset(token, 0, sizeof(token));
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        me_render(&writer, api, &settings->programme, status, view, session, csrf, now_ms);
    }
    lty_free(status);
    lty_free(view);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}

/* ---- GET /v1/member/journal?kind=&from=&to=&before=&limit= -------------------------------- */

/* "sale,return" -> the kinds' bits. */
static int kinds_parse(const char *text, uint32_t *mask_out, lty_diag_t *diag)
{
    *mask_out = 0;
    const char *at = text;
    while (*at != '\0') {
        size_t size = strcspn(at, ",");
        bool known = false;
        for (unsigned int kind = 1; kind < 32 && lty_entry_kind_known(kind); kind++) {
            const char *name = lty_entry_kind_name(kind);
            if (strlen(name) == size && strncmp(name, at, size) == 0) {
                *mask_out |= 1u << kind;
                known = true;
            }
        }
        if (!known) {
            return lty_diag_set(diag, LTY_E_INVALID_QUERY, "kind",
                                "kind is a comma-separated list of entry kinds (sale, return, "
                                "void, adjust, bonus, expire, topup, close)");
        }
        at += size;
        if (*at == ',') at++;
    }
    return 0;
}

/* A "YYYY-MM-DD" query parameter as the UTC midnight it starts; 0 when absent. */
static int date_query(const lty_exchange_t *exchange, const char *name, int64_t *ms_out,
                      lty_diag_t *diag)
{
    char text[16];
    bool present = false;
    int err = lty_api_query_string(exchange, name, text, sizeof(text), &present, diag);
    *ms_out = 0;
    if (err != 0 || !present) return err;
    int64_t days = lty_api_date_days(text);
    if (days < 0) {
        return lty_diag_set(diag, LTY_E_INVALID_QUERY, name, "%s is a date YYYY-MM-DD", name);
    }
    *ms_out = days * LTY_MS_PER_DAY;
    return 0;
}

static void journal_entry_render(lty_json_writer_t *writer, const lty_journal_entry_t *entry,
                                 uint64_t member_id)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "entry_id", (int64_t)entry->entry_id);
    lty_jw_kv_string(writer, "kind", lty_entry_kind_name(entry->kind));
    lty_jw_kv_int(writer, "created_ms", entry->created_ms);
    lty_jw_kv_int(writer, "points",
                  lty_ops_entry_member_delta(entry, member_id, LTY_ACCOUNT_MEMBER_POINTS));
    lty_jw_kv_int(writer, "prepaid_cents",
                  lty_ops_entry_member_delta(entry, member_id, LTY_ACCOUNT_MEMBER_PREPAID));
    lty_jw_kv_string(writer, "reference", entry->reference); /* receipt, or the reason */
    if (entry->store[0] != '\0') lty_jw_kv_string(writer, "store", entry->store);
    if (entry->related_entry_id != 0) {
        lty_jw_kv_int(writer, "related_entry_id", (int64_t)entry->related_entry_id);
    }
    lty_jw_object_end(writer);
}

static int journal_query(const lty_exchange_t *exchange, lty_ops_journal_filter_t *filter,
                         int64_t *before_out, int64_t *limit_out, lty_diag_t *diag)
{
    char kinds[128];
    bool present = false;
    memset(filter, 0, sizeof(*filter));
    int err = lty_api_query_string(exchange, "kind", kinds, sizeof(kinds), &present, diag);
    if (err == 0 && present) err = kinds_parse(kinds, &filter->kinds_mask, diag);
    if (err == 0) err = date_query(exchange, "from", &filter->from_ms, diag);
    if (err == 0) err = date_query(exchange, "to", &filter->to_ms, diag);
    if (err == 0 && filter->to_ms != 0) filter->to_ms += LTY_MS_PER_DAY; /* to is inclusive */
    *before_out = 0;
    *limit_out = LTY_JOURNAL_PAGE_DEFAULT;
    if (err == 0) {
        err = lty_api_query_int(exchange, "before", 1, LTY_JSON_INT_MAX, before_out, &present,
                                diag);
    }
    if (err == 0) {
        err = lty_api_query_int(exchange, "limit", 1, LTY_JOURNAL_PAGE_MAX, limit_out, &present,
                                diag);
    }
    return err;
}

int lty_api_member_journal(lty_api_t *api, lty_exchange_t *exchange,
                           const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = session_member(exchange);
    lty_ops_journal_filter_t filter;
    int64_t before = 0, limit = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = journal_query(exchange, &filter, &before, &limit, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_journal_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) {
        err = lty_ops_member_journal(txn, member_id, &filter, (uint64_t)before, (size_t)limit,
                                     page);
    }
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_key(&writer, "entries");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->entries_count; index++) {
            journal_entry_render(&writer, &page->entries[index], member_id);
        }
        lty_jw_array_end(&writer);
        lty_jw_key(&writer, "next_before");
        if (page->next_after != 0) lty_jw_int(&writer, (int64_t)page->next_after);
        else lty_jw_null(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}

/* ---- GET /v1/member/balance-history?from=&to= --------------------------------------------- */

int lty_api_member_balance_history(lty_api_t *api, lty_exchange_t *exchange,
                                   const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = session_member(exchange);
    int64_t now_ms = lty_clock_now_ms();
    lty_ops_balance_history_query_t query = {0};
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = date_query(exchange, "from", &query.from_ms, &diag);
    if (err == 0) err = date_query(exchange, "to", &query.to_ms, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    /* Default: the year up to today; "to" is inclusive. */
    query.to_ms = query.to_ms != 0 ? query.to_ms + LTY_MS_PER_DAY
                                   : now_ms - now_ms % LTY_MS_PER_DAY + LTY_MS_PER_DAY;
    if (query.from_ms == 0) query.from_ms = query.to_ms - 365 * LTY_MS_PER_DAY;
    if (query.from_ms >= query.to_ms || query.to_ms - query.from_ms > 3660 * LTY_MS_PER_DAY) {
        lty_diag_set(&diag, LTY_E_INVALID_QUERY, "from",
                     "from must be before to, at most 3660 days apart");
        return lty_api_reply_error(exchange, LTY_E_INVALID_QUERY, &diag);
    }
    lty_ops_balance_history_t *history = lty_alloc(sizeof(*history));
    if (history == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_balance_history(txn, member_id, &query, history);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "from_ms", query.from_ms);
        lty_jw_kv_int(&writer, "to_ms", query.to_ms);
        lty_jw_kv_int(&writer, "bucket_ms", history->bucket_ms);
        lty_jw_kv_int(&writer, "balance_start", history->balance_start);
        lty_jw_kv_int(&writer, "balance_end", history->balance_end);
        lty_jw_key(&writer, "points");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < history->points_count; index++) {
            lty_jw_object_begin(&writer);
            lty_jw_kv_int(&writer, "at_ms", history->points[index].at_ms);
            lty_jw_kv_int(&writer, "balance", history->points[index].balance);
            lty_jw_object_end(&writer);
        }
        lty_jw_array_end(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(history);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}

/* ---- POST /v1/member/cards/lost {"card_no"} ----------------------------------------------- */

typedef struct card_lost_s {
    char card_no[LTY_CARD_NO_SIZE];
} card_lost_t;

static int card_lost_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const card_lost_t *command = lty_api_job_command(job);
    const lty_actor_t *actor = lty_api_job_actor(job);
    lty_card_t card;
    int err = lty__ops_card_load(txn, command->card_no, &card);
    /* Another member's card is no card of this member's: the same answer as an unknown one. */
    if (err == 0 && card.member_id != actor->member_id) err = LTY_E_CARD_NOT_FOUND;
    if (err == 0) {
        err = lty_ops_card_lost(txn, actor, job->now_ms, command->card_no,
                                "reported by the member on the portal", &card);
    }
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", card.card_no);
    lty_jw_kv_string(&writer, "status", "lost");
    lty_api_render_time(&writer, "reported_at", card.status_ms);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_member_card_lost(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    static const char *const keys[] = {"card_no", NULL};
    card_lost_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? lty_json_keys_check(lty_json_doc_root(doc), "", keys, &diag)
                              : LTY_E_NOMEM;
    if (err == 0) {
        err = lty_json_get_string(lty_json_doc_root(doc), "", "card_no", true, 1,
                                  LTY_CARD_NO_DIGITS_MAX, command->card_no,
                                  sizeof(command->card_no), NULL, &diag);
    }
    lty_json_doc_free(doc);
    if (err == 0 && lty_card_no_check(command->card_no, strlen(command->card_no)) != 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_CARD_NO, "/card_no",
                           "a card number is 12 to 19 digits with a check digit");
    }
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, card_lost_apply, command, lty_free);
}

/* ---- GET and PATCH /v1/member/profile ----------------------------------------------------- */

static void profile_render(lty_json_writer_t *writer, const lty_member_t *member)
{
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "member_id", (int64_t)member->member_id);
    lty_jw_kv_string(writer, "name", member->name);
    lty_jw_kv_string(writer, "phone", member->phone);
    lty_jw_kv_string(writer, "email", member->email);
    lty_jw_kv_string(writer, "birthday", member->birthday);
    lty_jw_key(writer, "consents");
    lty_jw_object_begin(writer);
    lty_jw_kv_bool(writer, "sms", (member->consent_flags & LTY_CONSENT_SMS) != 0);
    lty_jw_kv_bool(writer, "email", (member->consent_flags & LTY_CONSENT_EMAIL) != 0);
    lty_jw_kv_bool(writer, "push", (member->consent_flags & LTY_CONSENT_PUSH) != 0);
    lty_jw_object_end(writer);
    lty_jw_object_end(writer);
}

int lty_api_member_profile_get(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = session_member(exchange);
    lty_member_t member;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty__ops_member_load(txn, member_id, &member);
    lty_store_txn_abort(txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    profile_render(&writer, &member);
    return lty_api_reply(exchange, 200);
}

static int profile_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_member_patch_t *patch = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    size_t changed = 0;
    int err = lty_ops_member_update(txn, lty_api_job_actor(job), job->now_ms, patch, &changed,
                                    &diag);
    lty_member_t member;
    if (err == 0) err = lty__ops_member_load(txn, patch->member_id, &member);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    profile_render(&writer, &member);
    return lty_api_job_reply(job, 200);
}

int lty_api_member_profile_update(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_member_patch_t *patch = lty_calloc(1, sizeof(*patch));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = patch != NULL ? lty__api_member_profile_parse(lty_json_doc_root(doc), false,
                                                            &patch->values, &patch->fields,
                                                            &patch->consent_mask, &diag)
                            : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    /* Contact details and consents are the member's to change; the rest is asked at a store. */
    const uint32_t allowed = LTY_MEMBER_FIELD_PHONE | LTY_MEMBER_FIELD_EMAIL |
                             LTY_MEMBER_FIELD_CONSENT;
    if (err == 0 && (patch->fields & ~allowed) != 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_FIELD, "",
                           "a member may change phone, email and consents only");
    }
    if (err == 0 && patch->fields == 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_FIELD, "", "no profile field to change");
    }
    if (err != 0) {
        lty_free(patch);
        return lty_api_reply_error(exchange, err, &diag);
    }
    patch->member_id = session_member(exchange);
    return lty_api_submit(api, exchange, profile_update_apply, patch, lty_free);
}
