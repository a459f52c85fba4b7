/* SPDX-License-Identifier: MIT */
/* The member portal's page, "/" (docs/portal.md): one request carries what a member came for.
 * With a live session cookie it is the dashboard, the member's figures rendered here into the
 * HTML (escaped; no inline script or style, so the CSP stays strict), readable before the CSS and
 * JavaScript arrive; without one it is the login form. The language follows ?lang= (the switch,
 * saved in a cookie), the saved cookie, then Accept-Language; amounts and dates are written in it
 * (portal_locale.c). The page is the member's own: never stored by a cache (no-store), and it
 * varies with the cookie and the language.
 *
 * The markup lives in daemon/portal/ (index.html, dashboard.html, login.html): {{t:key}} is a
 * message, {{=name}} a slot filled here. Not here: the assets (portal_static.c), the member API
 * the pages of app.js call (member_api.c). */
#include "api.h"
#include "calendar.h"
#include "portal.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SLOT_NAME_BYTES_MAX 31

typedef enum page_kind { PAGE_LOGIN, PAGE_DASHBOARD } page_kind_t;

typedef struct page_s {
    const lty_api_t *api;
    page_kind_t kind;
    lty_portal_lang_t lang;
    bool session_ended;                    /* a cookie named a session that is no more */
    const lty_ops_member_status_t *status; /* the dashboard's member */
    char csrf[65];                         /* the dashboard's session's token */
} page_t;

typedef void (*slot_cb)(lty_buf_t *out, const char *name, const page_t *page);

static void template_render(lty_buf_t *out, const char *template_name, const page_t *page,
                            slot_cb slot);

/* ---- Slots -------------------------------------------------------------------------------- */

static void text(lty_buf_t *out, const page_t *page, const char *key)
{
    lty__api_portal_text_append(out, page->lang, key, NULL, 0);
}

static void number(lty_buf_t *out, int64_t value)
{
    char formatted[LTY_PORTAL_FORMAT_SIZE];
    lty__api_portal_number_format(value, formatted);
    lty_buf_append_str(out, formatted); /* digits, commas and '-' only */
}

static void money(lty_buf_t *out, const page_t *page, int64_t amount_minor)
{
    const lty_programme_t *programme = page->api->programme;
    char formatted[LTY_PORTAL_FORMAT_SIZE];
    lty__api_portal_money_format(page->lang, programme->currency, programme->minor_unit,
                                 amount_minor, formatted);
    lty__api_portal_html_append(out, formatted);
}

/* "Spend CNY 12.00 more to reach Silver" and a progress bar, or "top tier". */
static void tier_progress(lty_buf_t *out, const page_t *page)
{
    const lty_programme_t *programme = page->api->programme;
    const lty_ops_tier_status_t *tier = &page->status->tier;
    if (!tier->has_next) {
        lty_buf_append_str(out, "<p class=\"muted\">");
        text(out, page, "dash.top");
        lty_buf_append_str(out, "</p>\n");
        return;
    }
    LTY_ASSERT(tier->next_tier < programme->tiers_count);
    LTY_ASSERT(tier->next_needed > 0);
    char needed[LTY_PORTAL_FORMAT_SIZE];
    bool spend = programme->tier_basis != LTY_TIER_BASIS_POINTS;
    if (spend) {
        lty__api_portal_money_format(page->lang, programme->currency, programme->minor_unit,
                                     tier->next_needed, needed);
    } else {
        lty__api_portal_number_format(tier->next_needed, needed);
    }
    const lty_portal_var_t vars[] = {{"needed", needed},
                                     {"tier", programme->tiers[tier->next_tier].name}};
    lty_buf_append_str(out, "<p id=\"tier-next\">");
    lty__api_portal_text_append(out, page->lang, spend ? "dash.next_spend" : "dash.next_points",
                                vars, 2);
    int64_t qualifying = tier->qualifying > 0 ? tier->qualifying : 0;
    int64_t percent = qualifying * 100 / (qualifying + tier->next_needed);
    LTY_ASSERT(percent >= 0 && percent <= 100);
    lty_buf_appendf(out,
                    "</p>\n<progress id=\"tier-progress\" max=\"100\" value=\"%" PRId64 "\" "
                    "aria-labelledby=\"tier-next\">%" PRId64 "%%</progress>\n",
                    percent, percent);
}

static void expiring(lty_buf_t *out, const page_t *page)
{
    const lty_ops_member_status_t *status = page->status;
    if (status->expiring_count == 0) {
        lty_buf_append_str(out, "<p class=\"muted\">");
        text(out, page, "dash.none_expiring");
        lty_buf_append_str(out, "</p>\n");
        return;
    }
    LTY_ASSERT(status->expiring_count <= LTY_POINTS_EXPIRING_SHOWN);
    lty_buf_append_str(out, "<ul id=\"expiring\">\n");
    for (size_t index = 0; index < status->expiring_count; index++) {
        char points[LTY_PORTAL_FORMAT_SIZE], day[LTY_PORTAL_FORMAT_SIZE];
        lty__api_portal_number_format(status->expiring[index].points, points);
        /* The programme's local day, shown as that date (midnight UTC of it formats as it). */
        lty__api_portal_date_format(page->lang,
                                    lty_cal_day_start_ms(status->expiring[index].day, 0), day);
        const lty_portal_var_t vars[] = {{"points", points}, {"date", day}};
        lty_buf_append_str(out, "<li>");
        lty__api_portal_text_append(out, page->lang, "dash.expiring_item", vars, 2);
        lty_buf_append_str(out, "</li>\n");
    }
    lty_buf_append_str(out, "</ul>\n");
}

static void dashboard_slot(lty_buf_t *out, const char *name, const page_t *page)
{
    const lty_ops_member_status_t *status = page->status;
    LTY_ASSERT(status != NULL);
    const lty_portal_var_t hello[] = {{"name", status->member.name}};
    if (strcmp(name, "hello") == 0) {
        lty__api_portal_text_append(out, page->lang, "dash.hello", hello, 1);
    } else if (strcmp(name, "points") == 0) {
        number(out, status->points);
    } else if (strcmp(name, "prepaid") == 0) {
        money(out, page, status->prepaid_cents);
    } else if (strcmp(name, "tier") == 0) {
        LTY_ASSERT(status->tier.tier < page->api->programme->tiers_count);
        lty__api_portal_html_append(out, page->api->programme->tiers[status->tier.tier].name);
    } else if (strcmp(name, "tier_progress") == 0) {
        tier_progress(out, page);
    } else if (strcmp(name, "expiring") == 0) {
        expiring(out, page);
    } else if (strcmp(name, "earned") == 0) {
        number(out, status->points_earned);
    } else if (strcmp(name, "redeemed") == 0) {
        number(out, status->points_redeemed);
    } else if (strcmp(name, "expired") == 0) {
        number(out, status->points_expired);
    } else if (strcmp(name, "bonus") == 0) {
        number(out, status->points_bonus);
    } else if (strcmp(name, "pending") == 0) {
        number(out, status->points_pending);
    } else if (strcmp(name, "purchases") == 0) {
        number(out, (int64_t)status->purchases_count);
    } else if (strcmp(name, "spent") == 0) {
        money(out, page, status->purchases_cents);
    } else {
        LTY_ASSERT(false && "unknown slot in dashboard.html");
    }
}

static void login_slot(lty_buf_t *out, const char *name, const page_t *page)
{
    if (strcmp(name, "login_error") == 0) {
        if (page->session_ended) text(out, page, "err.session");
    } else {
        LTY_ASSERT(false && "unknown slot in login.html");
    }
}

static void shell_slot(lty_buf_t *out, const char *name, const page_t *page)
{
    bool dashboard = page->kind == PAGE_DASHBOARD;
    lty_portal_lang_t other =
        page->lang == LTY_PORTAL_LANG_EN ? LTY_PORTAL_LANG_ZH_CN : LTY_PORTAL_LANG_EN;
    if (strcmp(name, "lang") == 0) {
        lty_buf_append_str(out, lty__api_portal_lang_tag(page->lang));
    } else if (strcmp(name, "lang_other") == 0) {
        lty_buf_append_str(out, lty__api_portal_lang_tag(other));
    } else if (strcmp(name, "title") == 0) {
        text(out, page, dashboard ? "nav.dashboard" : "login.title");
        lty_buf_append_str(out, " \xc2\xb7 "); /* middle dot */
        text(out, page, "brand");
    } else if (strcmp(name, "csrf") == 0) {
        if (dashboard)
            lty_buf_appendf(out, "<meta name=\"csrf-token\" content=\"%s\">\n", page->csrf);
    } else if (strcmp(name, "page") == 0) {
        lty_buf_append_str(out, dashboard ? "dashboard" : "login");
    } else if (strcmp(name, "currency") == 0) {
        lty__api_portal_html_append(out, page->api->programme->currency);
    } else if (strcmp(name, "minor_unit") == 0) {
        lty_buf_appendf(out, "%d", page->api->programme->minor_unit);
    } else if (strcmp(name, "nav_hidden") == 0) {
        if (!dashboard) lty_buf_append_str(out, " hidden");
    } else if (strcmp(name, "main") == 0) {
        template_render(out, dashboard ? "dashboard.html" : "login.html", page,
                        dashboard ? dashboard_slot : login_slot);
    } else {
        LTY_ASSERT(false && "unknown slot in index.html");
    }
}

/* ---- Templates ---------------------------------------------------------------------------- */

/* Copy the template to out, with each {{t:key}} its message and each {{=name}} its slot. */
static void template_render(lty_buf_t *out, const char *template_name, const page_t *page,
                            slot_cb slot)
{
    const lty_portal_asset_t *template = lty__api_portal_asset_find(template_name);
    LTY_ASSERT(template != NULL && !template->served);
    const char *at = (const char *)template->data;
    while (*at != '\0') {
        const char *open = strstr(at, "{{");
        if (open == NULL) {
            lty_buf_append_str(out, at);
            return;
        }
        lty_buf_append(out, at, (size_t)(open - at));
        const char *close = strstr(open, "}}");
        LTY_ASSERT(close != NULL); /* the templates are built in */
        bool message = strncmp(open, "{{t:", 4) == 0;
        LTY_ASSERT(message || strncmp(open, "{{=", 3) == 0);
        const char *start = open + (message ? 4 : 3);
        char name[SLOT_NAME_BYTES_MAX + 1];
        size_t size = (size_t)(close - start);
        LTY_ASSERT(size >= 1 && size <= SLOT_NAME_BYTES_MAX);
        memcpy(name, start, size);
        name[size] = '\0';
        if (message)
            lty__api_portal_text_append(out, page->lang, name, NULL, 0);
        else
            slot(out, name, page);
        at = close + 2;
    }
}

/* ---- GET / -------------------------------------------------------------------------------- */

/* The dashboard's figures, read on this loop thread (never behind the writer). */
static int dashboard_read(lty_api_t *api, uint64_t member_id, lty_ops_member_status_t *status)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) {
        err = lty_ops_member_status(txn, api->programme, lty_clock_now_ms(), member_id, status);
    }
    lty_store_txn_abort(txn);
    return err;
}

static void page_headers(lty_exchange_t *exchange, const page_t *page, bool lang_save)
{
    lty_response_t *response = &exchange->response;
    lty_response_header_add(response, "Cache-Control", "no-store");
    lty_response_header_add(response, "Vary", "Cookie, Accept-Language");
    if (lang_save) {
        char value[96];
        snprintf(value, sizeof(value),
                 LTY_PORTAL_LANG_COOKIE "=%s; Path=/; Secure; SameSite=Lax; Max-Age=31536000",
                 lty__api_portal_lang_tag(page->lang));
        lty_response_header_add(response, "Set-Cookie", value);
    }
    if (page->session_ended) { /* the dead cookie goes, so the notice shows once */
        lty_response_header_add(response, "Set-Cookie",
                                "__Host-lty_session=; Path=/; Secure; HttpOnly; SameSite=Strict; "
                                "Max-Age=0");
    }
}

int lty_api_portal_page(lty_api_t *api, lty_exchange_t *exchange, const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    LTY_ASSERT(params->count == 0);
    page_t page = {.api = api, .kind = PAGE_LOGIN};
    char query_lang[16];
    bool present = false, lang_save = false;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    if (lty_api_query_string(exchange, "lang", query_lang, sizeof(query_lang), &present, &diag) !=
            0 ||
        !present) {
        query_lang[0] = '\0'; /* a page ignores a language it does not know */
    }
    page.lang = lty__api_portal_lang_choose(query_lang, exchange->request.cookie,
                                            exchange->request.accept_language, &lang_save);
    lty_session_t session;
    uint8_t hash[32], token[32];
    lty_actor_t actor;
    int err = lty__api_session_resolve(api, exchange, &session, hash, token, &actor);
    lty_ops_member_status_t *status = NULL;
    if (err == 0) {
        status = lty_alloc(sizeof(*status));
        err = status != NULL ? dashboard_read(api, session.member_id, status) : LTY_E_NOMEM;
        lty__api_csrf_token(token, page.csrf);
        page.kind = PAGE_DASHBOARD;
        page.status = status;
    } else if (err == LTY_E_SESSION_EXPIRED || err == LTY_E_UNAUTHENTICATED) {
        page.session_ended = err == LTY_E_SESSION_EXPIRED;
        err = 0;
    }
    memset(token, 0, sizeof(token));
    if (err == 0) {
        lty_buf_reset(&exchange->response.body);
        template_render(&exchange->response.body, "index.html", &page, shell_slot);
        page_headers(exchange, &page, lang_save);
        exchange->response.content_type = "text/html; charset=utf-8";
    }
    lty_free(status);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_reply(exchange, 200);
}
