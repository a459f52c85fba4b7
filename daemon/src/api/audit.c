/* SPDX-License-Identifier: MIT */
/* The audit trail at the API: GET /v1/admin/audit (the whole chain, oldest first, in cursor
 * pages), GET /v1/admin/members/{id}/audit (a member's records, newest first) and the one entry
 * point for security events, lty_api_security_event(), which the
 * dispatcher calls for refused certificate holders and the network layer for refused
 * certificates and throttled clients.
 *
 * A security event becomes a writer job of its own (principal "system"), so it never rides in
 * the refused request's transaction and a refusal stays a refusal. The flood bound is per event
 * kind and lock-free: a second's first LTY_SECURITY_EVENTS_PER_SECOND_MAX events are recorded,
 * later ones only counted, and the count is written as one record when the kind next fires in a
 * later second (or at shutdown, lty_api_security_flush).
 *
 * Not here: the chain itself (domain/ops_audit.c), its check (domain/verify_audit.c). */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* ---- GET /v1/admin/audit and GET /v1/admin/members/{member_id}/audit ------------------- */

/* A page of audit records: the whole trail oldest first (member_id 0), or one member's records
 * newest first; after and limit from the query. */
static int audit_page_reply(lty_api_t *api, lty_exchange_t *exchange, uint64_t member_id)
{
    int64_t after = 0, limit = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_page(exchange, LTY_AUDIT_PAGE_DEFAULT, LTY_AUDIT_PAGE_MAX, &after,
                                 &limit, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_audit_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0 && member_id == 0) {
        err = lty_ops_audit_log_page(txn, (uint64_t)after, (size_t)limit, page);
    } else if (err == 0) {
        err = lty_ops_member_audit_page(txn, member_id, (uint64_t)after, (size_t)limit, page);
    }
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_api_render_audit_page(&writer, member_id, page);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

int lty_api_admin_audit_list(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL && exchange != NULL);
    return audit_page_reply(api, exchange, 0);
}

int lty_api_admin_member_audit(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    return audit_page_reply(api, exchange, member_id);
}

/* ---- Security events --------------------------------------------------------------------- */

static const char *const security_event_names[LTY_SECURITY_EVENTS_COUNT] = {
    [LTY_SECURITY_CERT_REFUSED] = "cert_refused",
    [LTY_SECURITY_THROTTLED] = "throttled",
    [LTY_SECURITY_REVOCATION] = "revocation",
    [LTY_SECURITY_REALM_REFUSED] = "realm_refused",
    [LTY_SECURITY_ROLE_REFUSED] = "role_refused",
    [LTY_SECURITY_LOGIN_FAILED] = "login_failed",
};

const char *lty_api_security_event_name(lty_security_event_t event)
{
    LTY_ASSERT((unsigned int)event < LTY_SECURITY_EVENTS_COUNT);
    LTY_ASSERT(security_event_names[event] != NULL);
    return security_event_names[event];
}

/* One event on its way to the writer; freed by its done_cb. */
typedef struct security_job_s {
    lty_job_t job;
    lty_buf_t body;
    lty_actor_t actor; /* "system", with the offender's address */
    char action[LTY_AUDIT_ACTION_BYTES_MAX + 1];
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
} security_job_t;

static int security_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    security_job_t *event = job->userdata;
    LTY_ASSERT(event != NULL && &event->job == job);
    int err = lty_ops_audit_event(txn, &event->actor, job->now_ms, event->action, event->target,
                                  event->detail);
    lty_buf_reset(job->body);
    lty_buf_append(job->body, "{}", 2);
    job->status = err == 0 ? 200 : 500;
    return err;
}

static void security_done_cb(lty_job_t *job)
{
    security_job_t *event = job->userdata;
    LTY_ASSERT(event != NULL && &event->job == job);
    if (job->result != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=security_event_lost action=%s err=%s", event->action,
                lty_err_name(job->result));
    }
    lty_buf_deinit(&event->body);
    lty_free(event);
}

static int security_submit(lty_api_t *api, lty_security_event_t event, const char *principal,
                           const char *remote_addr, const char *detail)
{
    security_job_t *submitted = lty_calloc(1, sizeof(*submitted));
    if (submitted == NULL) return LTY_E_NOMEM;
    snprintf(submitted->actor.principal, sizeof(submitted->actor.principal), "system");
    snprintf(submitted->actor.remote_addr, sizeof(submitted->actor.remote_addr), "%s",
             remote_addr != NULL ? remote_addr : "");
    snprintf(submitted->action, sizeof(submitted->action), "security.%s",
             lty_api_security_event_name(event));
    snprintf(submitted->target, sizeof(submitted->target), "%s",
             principal != NULL && principal[0] != '\0' ? principal : "anonymous");
    snprintf(submitted->detail, sizeof(submitted->detail), "%s", detail != NULL ? detail : "");
    lty_buf_init(&submitted->body, 64);
    lty_job_t *job = &submitted->job;
    job->apply_cb = security_apply_cb;
    job->done_cb = security_done_cb;
    job->userdata = submitted;
    job->body = &submitted->body;
    job->now_ms = lty_clock_now_ms();
    snprintf(job->principal, sizeof(job->principal), "system");
    int err = lty_writer_submit(api->writer, job);
    if (err != 0) {
        lty_buf_deinit(&submitted->body);
        lty_free(submitted);
    }
    return err;
}

/* The record that stands for the events of a kind that were only counted. */
static void security_summary_submit(lty_api_t *api, lty_security_event_t event, uint32_t count)
{
    char detail[128];
    snprintf(detail, sizeof(detail), "%u more %s events were not recorded one by one (limit %d "
             "per second)", count, lty_api_security_event_name(event),
             LTY_SECURITY_EVENTS_PER_SECOND_MAX);
    if (security_submit(api, event, "system", "", detail) != 0) {
        /* The writer is full or stopping: keep the count for the next chance. */
        atomic_fetch_add(&api->security[event].suppressed, count);
    }
}

int lty_api_security_event(lty_api_t *api, lty_security_event_t event, const char *principal,
                           const char *remote_addr, const char *detail)
{
    LTY_ASSERT(api != NULL);
    LTY_ASSERT((unsigned int)event < LTY_SECURITY_EVENTS_COUNT);
    LTY_LOG(LTY_LOG_DEBUG, "event=security_%s principal=%s addr=%s",
            lty_api_security_event_name(event),
            principal != NULL && principal[0] != '\0' ? principal : "anonymous",
            remote_addr != NULL && remote_addr[0] != '\0' ? remote_addr : "-");
    if (api->writer == NULL) return LTY_E_UNAVAILABLE;
    lty_api_security_t *state = &api->security[event];
    int64_t now_s = lty_clock_monotonic_ms() / 1000;
    int64_t window_s = atomic_load(&state->window_s);
    /* The thread that moves the window on writes the summary of the window before; a race with
     * another thread only shifts an event between counts, never loses one. */
    if (window_s != now_s && atomic_compare_exchange_strong(&state->window_s, &window_s, now_s)) {
        atomic_store(&state->count, 0);
        uint32_t suppressed = atomic_exchange(&state->suppressed, 0);
        if (suppressed > 0) security_summary_submit(api, event, suppressed);
    }
    if (atomic_fetch_add(&state->count, 1) >= LTY_SECURITY_EVENTS_PER_SECOND_MAX) {
        atomic_fetch_add(&state->suppressed, 1);
        return LTY_E_TOO_MANY_REQUESTS;
    }
    int err = security_submit(api, event, principal, remote_addr, detail);
    if (err != 0) atomic_fetch_add(&state->suppressed, 1);
    return err;
}

void lty_api_net_event_cb(void *userdata, const lty_net_event_t *event)
{
    lty_api_t *api = userdata;
    LTY_ASSERT(api != NULL && event != NULL && event->name != NULL);
    lty_security_event_t kind = LTY_SECURITY_THROTTLED; /* refused, evicted, throttled */
    if (strcmp(event->name, "handshake_failed") == 0) kind = LTY_SECURITY_CERT_REFUSED;
    if (strcmp(event->name, "certificate_revoked") == 0) kind = LTY_SECURITY_REVOCATION;
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    int written = snprintf(detail, sizeof(detail), "%s %s", event->name,
                           event->detail != NULL ? event->detail : "");
    if (event->suppressed > 0 && written > 0 && (size_t)written < sizeof(detail)) {
        snprintf(detail + written, sizeof(detail) - (size_t)written,
                 " (and %llu more not passed on by the network layer)",
                 (unsigned long long)event->suppressed);
    }
    const char *principal = event->principal;
    if (principal == NULL || strcmp(principal, "-") == 0) principal = "anonymous";
    (void)lty_api_security_event(api, kind, principal, event->address, detail);
}

void lty_api_security_flush(lty_api_t *api)
{
    LTY_ASSERT(api != NULL);
    if (api->writer == NULL) return;
    for (int event = 0; event < LTY_SECURITY_EVENTS_COUNT; event++) {
        uint32_t suppressed = atomic_exchange(&api->security[event].suppressed, 0);
        if (suppressed > 0) security_summary_submit(api, (lty_security_event_t)event, suppressed);
    }
}
