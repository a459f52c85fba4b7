/* tests/unit/api/test_dispatch.c
 * Goal: the dispatcher (api/dispatch.c) enforces schema/routes.def centrally, in the order a
 * client fixes things: a path no route matches is 404 (a route of the other listener, the
 * member portal's or the tills' and operators', too), a known path with another method 405;
 * path parameters are percent-decoded and a malformed one matches nothing; a test-only route
 * is 404 before any realm check unless the daemon runs with its flag; the realm answers 401
 * without a credential and 403 with the wrong one; then the body limit (413), the content type
 * (415), a malformed (400) or missing (428) Idempotency-Key. A mutating request reaches the
 * writer and is answered after its commit; a retry with the same key gets the stored answer
 * (refusals too) marked Idempotent-Replayed, another body with that key 422, and no refusal
 * here changes the store. Moving the test clock is logged like setting a fault. The network
 * layer's security events (lty_api_net_event_cb, main.c's server event_cb) reach the audit trail
 * as "system" records naming the offender's address, within the per-kind bound, every one of a
 * flood recorded or counted in a summary.
 * Method: an lty_api_t over a temporary store (domain_fixture.c) and a real writer thread; each
 * request runs through lty_api_handle() as conn.c would run it, this file setting the
 * exchange's complete_cb and waiting on a condition variable for a PENDING one (no sleeps);
 * log lines are captured with lty_log_sink_set(). */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_log.h"
#include "ops.h"
#include "writer.h"
#include "domain_fixture.h"

#include <cmocka.h>

#define LOG_LINES_MAX 64

static struct {
    lty_writer_t *writer;
    lty_api_t api;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool completed;
    lty_exchange_t *completed_exchange;
    char log[LOG_LINES_MAX][1024];
    int log_levels[LOG_LINES_MAX];
    size_t log_count;
} fx = {.mutex = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static lty_exchange_t exchange; /* static: large */
static lty_request_t request;
static char body_text[LTY_HTTP_BODY_BYTES_MAX + 2];
static char response_text[LTY_HTTP_RESPONSE_BYTES_MAX + 1];

/* ---- What conn.c and the daemon's start provide ------------------------------------------ */

/* On the writer thread: no cmocka assertion here (it would jump across threads); run() checks. */
static void exchange_complete(lty_exchange_t *completed)
{
    pthread_mutex_lock(&fx.mutex);
    fx.completed = true;
    fx.completed_exchange = completed;
    pthread_cond_signal(&fx.cond);
    pthread_mutex_unlock(&fx.mutex);
}

static void log_capture(int level, const char *line, void *userdata)
{
    (void)userdata;
    pthread_mutex_lock(&fx.mutex);
    if (fx.log_count < LOG_LINES_MAX) {
        snprintf(fx.log[fx.log_count], sizeof(fx.log[0]), "%s", line);
        fx.log_levels[fx.log_count++] = level;
    }
    pthread_mutex_unlock(&fx.mutex);
}

/* The captured line holding text, or NULL; *level_out its level. */
static const char *log_find(const char *text, int *level_out)
{
    const char *found = NULL;
    pthread_mutex_lock(&fx.mutex);
    for (size_t index = 0; index < fx.log_count && found == NULL; index++) {
        if (strstr(fx.log[index], text) != NULL) {
            found = fx.log[index];
            *level_out = fx.log_levels[index];
        }
    }
    pthread_mutex_unlock(&fx.mutex);
    return found;
}

static int api_setup(void **state)
{
    fx.log_count = 0;
    lty_log_sink_set(log_capture, NULL);
    if (domain_fixture_setup(state) != 0) return -1;
    lty_store_txn_t *txn = NULL;
    if (lty_store_txn_begin(store, NULL, &txn) != 0) return -1;
    int err = lty_ops_operator_add(txn, &operator_actor, NOW, "alice");
    if (err == 0) err = lty_ops_operator_add(txn, &operator_actor, NOW, "bob");
    if (err != 0 || lty_store_txn_commit(txn) != 0) return -1;
    lty_writer_options_t options = {
        .batch_jobs_max = 8,
        .batch_wait_us = 0,
        .queue_jobs_max = 16,
        .idempotency_ttl_ms = LTY_IDEMPOTENCY_TTL_MS_DEFAULT,
        .sweep_interval_ms = 3600 * 1000, /* no sweep during a test */
    };
    if (lty_writer_start(&fx.writer, store, &options) != 0) return -1;
    fx.api = (lty_api_t){.store = store, .writer = fx.writer, .programme = &programme};
    lty_buf_init(&exchange.response.body, LTY_HTTP_RESPONSE_BYTES_MAX);
    return 0;
}

static int api_teardown(void **state)
{
    lty_writer_stop(fx.writer);
    fx.writer = NULL;
    lty_buf_deinit(&exchange.response.body);
    lty_clock_offset_set(0);
    lty_log_sink_set(NULL, NULL);
    return domain_fixture_teardown(state);
}

#define API_TEST(name) cmocka_unit_test_setup_teardown(name, api_setup, api_teardown)

/* ---- Requests ----------------------------------------------------------------------------- */

/* A new request: method and path (with "?query" if any) from a peer of role (TILL: S001/T01,
 * OPERATOR: alice, an admin, NONE: no credential; any other role carries no name). */
static void request_new(lty_method_t method, const char *target, lty_role_t role)
{
    memset(&request, 0, sizeof(request));
    request.method = method;
    const char *question = strchr(target, '?');
    size_t path_size = question != NULL ? (size_t)(question - target) : strlen(target);
    assert_true(path_size < sizeof(request.path));
    memcpy(request.path, target, path_size);
    if (question != NULL) snprintf(request.query, sizeof(request.query), "%s", question + 1);
    request.peer.role = role;
    if (role == LTY_ROLE_TILL) {
        strcpy(request.peer.store, "S001");
        strcpy(request.peer.name, "T01");
    } else if (role == LTY_ROLE_OPERATOR) {
        strcpy(request.peer.name, "alice");
        strcpy(request.peer.title, "admin"); /* alice may call every admin route */
    }
    strcpy(request.remote_addr, "127.0.0.1");
}

static void request_body(const char *json)
{
    snprintf(body_text, sizeof(body_text), "%s", json);
    request.body = body_text;
    request.body_size = strlen(body_text);
    strcpy(request.content_type, "application/json");
}

/* A JSON body of exactly size bytes: json padded with spaces (still valid JSON). */
static void request_body_padded(const char *json, size_t size)
{
    size_t json_size = strlen(json);
    assert_true(size >= json_size && size <= sizeof(body_text));
    memcpy(body_text, json, json_size);
    memset(body_text + json_size, ' ', size - json_size);
    request.body = body_text;
    request.body_size = size;
    strcpy(request.content_type, "application/json");
}

static void request_key(const char *key)
{
    request.idempotency_key_present = true;
    snprintf(request.idempotency_key, sizeof(request.idempotency_key), "%s", key);
}

/* Dispatch request as conn.c does, wait for a PENDING answer, keep the response text; returns
 * the status. */
static int run(void)
{
    lty_buf_t body = exchange.response.body;
    memset(&exchange, 0, sizeof(exchange));
    exchange.response.body = body;
    lty_buf_reset(&exchange.response.body);
    exchange.request = request;
    exchange.request.request_id++;
    exchange.complete_cb = exchange_complete;
    pthread_mutex_lock(&fx.mutex);
    fx.completed = false;
    fx.completed_exchange = NULL;
    pthread_mutex_unlock(&fx.mutex);
    int result = lty_api_handle(&fx.api, &exchange);
    assert_true(result == LTY_API_DONE || result == LTY_API_PENDING);
    pthread_mutex_lock(&fx.mutex);
    while (result == LTY_API_PENDING && !fx.completed) pthread_cond_wait(&fx.cond, &fx.mutex);
    bool completed = fx.completed;
    lty_exchange_t *completed_exchange = fx.completed_exchange;
    pthread_mutex_unlock(&fx.mutex);
    assert_true(completed == (result == LTY_API_PENDING)); /* complete_cb only for PENDING */
    if (completed) assert_ptr_equal(completed_exchange, &exchange);
    size_t size = exchange.response.body.size;
    assert_true(size < sizeof(response_text));
    if (size > 0) memcpy(response_text, exchange.response.body.data, size);
    response_text[size] = '\0';
    lty_api_exchange_release(&fx.api, &exchange);
    assert_null(exchange.api_state);
    return exchange.response.status;
}

/* The last response is the error document of err, with err's status. */
static void assert_error(int err)
{
    assert_int_equal(exchange.response.status, lty_err_http_status(err));
    char code[80];
    snprintf(code, sizeof(code), "{\"error\":{\"code\":\"%s\"", lty_err_code(err));
    assert_non_null(strstr(response_text, code));
}

/* Run request; it is refused with err and the store does not change. */
static void refused(int err)
{
    store_digest_t before = store_digest();
    run();
    assert_error(err);
    assert_unchanged(&before);
}

static bool replayed(void)
{
    return strstr(exchange.response.headers, "Idempotent-Replayed: true\r\n") != NULL;
}

/* ---- Route matching ----------------------------------------------------------------------- */

static void test_routes_match_404_for_no_path_405_for_another_method(void **state)
{
    (void)state;
    request_new(LTY_METHOD_GET, "/healthz", LTY_ROLE_NONE);
    assert_int_equal(run(), 200);
    /* a single node is its own leader at sequence 0 (docs/replication.md) */
    assert_string_equal(response_text, "{\"status\":\"ok\",\"role\":\"leader\",\"applied_seq\":0}");
    request_new(LTY_METHOD_HEAD, "/healthz", LTY_ROLE_NONE); /* HEAD is served as GET */
    assert_int_equal(run(), 200);
    static const char *const unknown[] = {"/", "/healthz/", "/v1", "/v1/admin/nothing",
                                          "/v1/admin/members/1/journal/2", "/HEALTHZ"};
    for (size_t index = 0; index < sizeof(unknown) / sizeof(unknown[0]); index++) {
        request_new(LTY_METHOD_GET, unknown[index], LTY_ROLE_OPERATOR);
        refused(LTY_E_NOT_FOUND);
    }
    /* A 405 names the methods of the path in Allow, HEAD wherever GET is (RFC 9110). */
    request_new(LTY_METHOD_GET, "/v1/till/sales", LTY_ROLE_TILL); /* POST only */
    refused(LTY_E_METHOD_NOT_ALLOWED);
    assert_non_null(strstr(exchange.response.headers, "Allow: POST\r\n"));
    request_new(LTY_METHOD_DELETE, "/v1/admin/members/1", LTY_ROLE_OPERATOR);
    refused(LTY_E_METHOD_NOT_ALLOWED);
    assert_non_null(strstr(exchange.response.headers, "Allow: GET, HEAD, PATCH\r\n"));
    request_new(LTY_METHOD_OTHER, "/healthz", LTY_ROLE_NONE);
    refused(LTY_E_METHOD_NOT_ALLOWED);
    assert_non_null(strstr(exchange.response.headers, "Allow: GET, HEAD\r\n"));
    /* The method is judged before the realm: nobody is asked for a credential to learn 405. */
    request_new(LTY_METHOD_PUT, "/v1/admin/members", LTY_ROLE_NONE);
    refused(LTY_E_METHOD_NOT_ALLOWED);
}

static void test_path_parameters_are_percent_decoded_or_match_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    char target[128];
    snprintf(target, sizeof(target), "/v1/till/cards/%%%02X%s", (unsigned int)card.card_no[0],
             card.card_no + 1); /* the first digit escaped */
    request_new(LTY_METHOD_GET, target, LTY_ROLE_TILL);
    assert_int_equal(run(), 200);
    char expected[64];
    snprintf(expected, sizeof(expected), "\"card_no\":\"%s\"", card.card_no);
    assert_non_null(strstr(response_text, expected));
    /* Malformed escapes, an encoded '/', a control character, an empty or overlong segment:
     * no route matches. */
    static const char *const unmatched[] = {
        "/v1/till/cards/8812%2F34", "/v1/till/cards/8812%4", "/v1/till/cards/8812%zz",
        "/v1/till/cards/88%0A12",   "/v1/till/cards/",       "/v1/admin/members//journal",
    };
    for (size_t index = 0; index < sizeof(unmatched) / sizeof(unmatched[0]); index++) {
        request_new(LTY_METHOD_GET, unmatched[index], LTY_ROLE_TILL);
        refused(LTY_E_NOT_FOUND);
    }
    char param[LTY_ROUTE_PARAM_BYTES_MAX + 2];
    memset(param, '8', sizeof(param));
    param[LTY_ROUTE_PARAM_BYTES_MAX + 1] = '\0'; /* one byte over the parameter's max */
    snprintf(target, sizeof(target), "/v1/till/cards/%s", param);
    request_new(LTY_METHOD_GET, target, LTY_ROLE_TILL);
    refused(LTY_E_NOT_FOUND);
    param[LTY_ROUTE_PARAM_BYTES_MAX] = '\0'; /* at the max: matched, then judged by the handler */
    snprintf(target, sizeof(target), "/v1/till/cards/%s", param);
    request_new(LTY_METHOD_GET, target, LTY_ROLE_TILL);
    refused(LTY_E_INVALID_CARD_NO);
    request_new(LTY_METHOD_GET, "/v1/admin/members/1+1", LTY_ROLE_OPERATOR); /* '+' is itself */
    refused(LTY_E_MEMBER_NOT_FOUND);
    snprintf(target, sizeof(target), "/v1/admin/members/%%3%" PRIu64, member_id);
    request_new(LTY_METHOD_GET, target, LTY_ROLE_OPERATOR); /* "%31" is "1" */
    assert_int_equal(run(), 200);
}

static void test_each_listener_serves_only_its_own_routes(void **state)
{
    (void)state;
    static const char *const portal_only[] = {"/", "/v1/member/me", "/assets/app.js"};
    for (size_t index = 0; index < sizeof(portal_only) / sizeof(portal_only[0]); index++) {
        request_new(LTY_METHOD_GET, portal_only[index], LTY_ROLE_OPERATOR);
        refused(LTY_E_NOT_FOUND); /* on the till and operator listener */
    }
    request_new(LTY_METHOD_GET, "/v1/admin/members/1", LTY_ROLE_OPERATOR);
    request.listener = LTY_LISTENER_PORTAL;
    refused(LTY_E_NOT_FOUND); /* an operator route does not exist on the portal's listener */
    request_new(LTY_METHOD_POST, "/v1/till/sales", LTY_ROLE_NONE);
    request.listener = LTY_LISTENER_PORTAL;
    refused(LTY_E_NOT_FOUND);
    request_new(LTY_METHOD_GET, "/healthz", LTY_ROLE_NONE); /* both listeners */
    request.listener = LTY_LISTENER_PORTAL;
    assert_int_equal(run(), 200);
    request_new(LTY_METHOD_GET, "/v1/member/me", LTY_ROLE_NONE); /* a member route: a session */
    request.listener = LTY_LISTENER_PORTAL;
    refused(LTY_E_UNAUTHENTICATED);
}

/* ---- Realms ------------------------------------------------------------------------------- */

static void test_realms_answer_401_without_and_403_with_the_wrong_credential(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    char till_target[64];
    snprintf(till_target, sizeof(till_target), "/v1/till/cards/%s", card.card_no);
    static const struct {
        const char *target;
        lty_role_t role;
        int err; /* 0: served */
    } cases[] = {
        {"/v1/admin/members/1", LTY_ROLE_NONE, LTY_E_UNAUTHENTICATED},
        {"/v1/admin/members/1", LTY_ROLE_TILL, LTY_E_FORBIDDEN},
        /* A certificate names a till or an operator; any other role is no credential here. */
        {"/v1/admin/members/1", LTY_ROLE_MEMBER, LTY_E_UNAUTHENTICATED},
        {"/v1/admin/members/1", LTY_ROLE_SERVER, LTY_E_UNAUTHENTICATED},
        {"/v1/admin/members/1", LTY_ROLE_OPERATOR, 0},
        {NULL, LTY_ROLE_NONE, LTY_E_UNAUTHENTICATED}, /* NULL: the till card route */
        {NULL, LTY_ROLE_OPERATOR, LTY_E_FORBIDDEN},
        {NULL, LTY_ROLE_TILL, 0},
        {"/metrics", LTY_ROLE_NONE, 0},
        {"/metrics", LTY_ROLE_TILL, 0},
    };
    for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
        request_new(LTY_METHOD_GET, cases[index].target != NULL ? cases[index].target : till_target,
                    cases[index].role);
        if (cases[index].err == 0) {
            assert_int_equal(run(), 200);
        } else {
            refused(cases[index].err);
        }
    }
    /* The realm is judged before the body: no credential, a body far over the limit: 401. */
    request_new(LTY_METHOD_POST, "/v1/admin/adjustments", LTY_ROLE_NONE);
    request_body_padded("{}", LTY_HTTP_BODY_BYTES_MAX);
    refused(LTY_E_UNAUTHENTICATED);
    request_new(LTY_METHOD_POST, "/v1/till/sales", LTY_ROLE_OPERATOR);
    refused(LTY_E_FORBIDDEN);
}

/* ---- Operator roles ----------------------------------------------------------------------- */

/* routes.def's roles column, checked after the realm and before the body: a role the route does
 * not list, no role, or an unknown one are 403 whatever the request carries, and the answer says
 * which roles may. Refusals change nothing (their security events aside: the digest leaves them
 * out, domain_fixture.c). */
static void test_operator_roles_from_routes_def_are_403_before_the_body(void **state)
{
    (void)state;
    request_new(LTY_METHOD_GET, "/v1/admin/audit", LTY_ROLE_OPERATOR);
    strcpy(request.peer.title, "viewer");
    assert_int_equal(run(), 200); /* a viewer reads */
    request_new(LTY_METHOD_POST, "/v1/admin/adjustments", LTY_ROLE_OPERATOR);
    strcpy(request.peer.title, "viewer");
    request_body_padded("{}", LTY_HTTP_BODY_BYTES_MAX); /* far over the route's limit */
    refused(LTY_E_FORBIDDEN);
    assert_non_null(strstr(response_text, "role viewer may not do this (allowed: supervisor "
                                          "finance admin)"));
    static const char *const not_roles[] = {"", "root", "Admin"};
    for (size_t index = 0; index < sizeof(not_roles) / sizeof(not_roles[0]); index++) {
        request_new(LTY_METHOD_GET, "/v1/admin/audit", LTY_ROLE_OPERATOR);
        strcpy(request.peer.title, not_roles[index]);
        refused(LTY_E_FORBIDDEN);
        assert_non_null(strstr(response_text, "names no role"));
    }
    request_new(LTY_METHOD_GET, "/v1/admin/members/1/export", LTY_ROLE_OPERATOR);
    strcpy(request.peer.title, "finance");
    refused(LTY_E_FORBIDDEN); /* personal data: admin only */
    request_new(LTY_METHOD_POST, "/v1/admin/clock", LTY_ROLE_OPERATOR);
    strcpy(request.peer.title, "finance");
    request_body("{\"offset_ms\":0}");
    int status = run();
    assert_true(status == 404 || status == 403); /* 404 without --test-clock, else admin only */
}

/* ---- Test-only routes --------------------------------------------------------------------- */

static void test_test_only_routes_are_404_before_any_realm_check_without_their_flag(void **state)
{
    (void)state;
    static const char *const targets[] = {"/v1/admin/clock", "/v1/admin/faults"};
    static const lty_role_t roles[] = {LTY_ROLE_NONE, LTY_ROLE_TILL, LTY_ROLE_OPERATOR};
    for (size_t target = 0; target < 2; target++) {
        for (size_t role = 0; role < 3; role++) {
            request_new(LTY_METHOD_POST, targets[target], roles[role]);
            request_body("{\"offset_ms\":0}");
            refused(LTY_E_NOT_FOUND);
            request_new(LTY_METHOD_GET, targets[target], roles[role]); /* not 405 either */
            refused(LTY_E_NOT_FOUND);
        }
    }
    /* One flag opens its own route only; then the realm applies. */
    fx.api.test_clock = true;
    request_new(LTY_METHOD_POST, "/v1/admin/faults", LTY_ROLE_OPERATOR);
    request_body("{\"commit_failures\":0}");
    refused(LTY_E_NOT_FOUND);
    request_new(LTY_METHOD_POST, "/v1/admin/clock", LTY_ROLE_NONE);
    request_body("{\"offset_ms\":0}");
    refused(LTY_E_UNAUTHENTICATED);
    request_new(LTY_METHOD_POST, "/v1/admin/clock", LTY_ROLE_TILL);
    refused(LTY_E_FORBIDDEN);
    request_new(LTY_METHOD_GET, "/v1/admin/clock", LTY_ROLE_OPERATOR);
    refused(LTY_E_METHOD_NOT_ALLOWED);
    assert_true(lty_clock_offset_get() == 0);
}

static void test_moving_the_clock_is_logged_like_setting_a_fault(void **state)
{
    (void)state;
    fx.api.test_clock = true;
    fx.api.test_faults = true;
    request_new(LTY_METHOD_POST, "/v1/admin/clock", LTY_ROLE_OPERATOR);
    request_body("{\"offset_ms\":86400000}");
    assert_int_equal(run(), 200);
    assert_non_null(strstr(response_text, "\"offset_ms\":86400000"));
    assert_true(lty_clock_offset_get() == 86400000);
    int clock_level = -1;
    const char *line = log_find("event=clock_moved", &clock_level);
    assert_non_null(line);
    assert_non_null(strstr(line, "offset_ms=86400000 offset_before_ms=0"));
    assert_non_null(strstr(line, "by=operator:alice"));
    request_new(LTY_METHOD_POST, "/v1/admin/faults", LTY_ROLE_OPERATOR);
    request_body("{\"commit_failures\":0}");
    assert_int_equal(run(), 200);
    int fault_level = -1;
    line = log_find("event=faults_injected", &fault_level);
    assert_non_null(line);
    assert_non_null(strstr(line, "by=operator:alice"));
    assert_int_equal(clock_level, LTY_LOG_WARN);
    assert_int_equal(clock_level, fault_level);
    /* A refused move changes nothing and logs nothing more. */
    size_t lines = fx.log_count;
    request_new(LTY_METHOD_POST, "/v1/admin/clock", LTY_ROLE_OPERATOR);
    request_body("{\"offset_ms\":\"tomorrow\"}");
    run();
    assert_error(LTY_E_INVALID_FIELD);
    assert_true(lty_clock_offset_get() == 86400000);
    assert_int_equal(fx.log_count, lines);
}

/* ---- Body, content type, Idempotency-Key -------------------------------------------------- */

static void test_body_limit_413_at_max_plus_one_then_content_type_415(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    const char *adjustment = "{\"member_id\":1,\"points\":5,\"reason\":\"goodwill\"}";
    request_new(LTY_METHOD_POST, "/v1/admin/adjustments", LTY_ROLE_OPERATOR); /* max 4096 */
    request_body_padded(adjustment, 4097);
    strcpy(request.content_type, "text/plain"); /* 413 comes first, before 415 and 428 */
    refused(LTY_E_REQUEST_TOO_LARGE);
    request_body_padded(adjustment, 4096);
    request_key("adj-1");
    assert_int_equal(run(), 201); /* at the max */
    assert_int_equal(points_of(member_id), 5);
    request_new(LTY_METHOD_GET, "/healthz", LTY_ROLE_NONE); /* a route that takes no body */
    request_body(" ");
    refused(LTY_E_REQUEST_TOO_LARGE);
    static const char *const types[] = {"text/plain", "", "application/jsonx", "application/xml",
                                        "application/json; charset=latin1"};
    for (size_t index = 0; index < sizeof(types) / sizeof(types[0]); index++) {
        request_new(LTY_METHOD_POST, "/v1/admin/adjustments", LTY_ROLE_OPERATOR);
        request_body(adjustment);
        snprintf(request.content_type, sizeof(request.content_type), "%s", types[index]);
        refused(LTY_E_UNSUPPORTED_MEDIA_TYPE); /* before the key: none is sent */
    }
    request_new(LTY_METHOD_POST, "/v1/admin/adjustments", LTY_ROLE_OPERATOR);
    request_body(adjustment);
    strcpy(request.content_type, "application/json; charset=utf-8");
    request_key("adj-2");
    assert_int_equal(run(), 201);
    assert_int_equal(points_of(member_id), 10);
    /* Media types are case-insensitive (RFC 9110), a quoted charset is the same charset. */
    request_new(LTY_METHOD_POST, "/v1/admin/adjustments", LTY_ROLE_OPERATOR);
    request_body(adjustment);
    strcpy(request.content_type, "APPLICATION/JSON;Charset=\"UTF-8\"");
    request_key("adj-3");
    assert_int_equal(run(), 201);
    assert_int_equal(points_of(member_id), 15);
}

static void test_idempotency_key_missing_428_malformed_400(void **state)
{
    (void)state;
    request_new(LTY_METHOD_POST, "/v1/admin/members", LTY_ROLE_OPERATOR);
    request_body("{\"name\":\"王芳\",\"phone\":\"+8613800138001\"}");
    refused(LTY_E_IDEMPOTENCY_KEY_REQUIRED);
    request.idempotency_key_invalid = true; /* http.c: present but empty, too long or not ASCII */
    refused(LTY_E_INVALID_IDEMPOTENCY_KEY);
    request.idempotency_key_present = true;
    refused(LTY_E_INVALID_IDEMPOTENCY_KEY);
    /* A route that does not change the store needs none. */
    request_new(LTY_METHOD_GET, "/v1/admin/members?phone=%2B8613800138001", LTY_ROLE_OPERATOR);
    assert_int_equal(run(), 200);
    assert_int_equal(count_of(LTY_DB_MEMBERS), 0);
}

/* ---- Through the writer -------------------------------------------------------------------- */

static void test_mutation_reaches_the_writer_and_its_retry_is_replayed(void **state)
{
    (void)state;
    request_new(LTY_METHOD_POST, "/v1/admin/members", LTY_ROLE_OPERATOR);
    request_body("{\"name\":\"王芳\",\"phone\":\"+8613800138001\"}");
    request_key("enrol-1");
    assert_int_equal(run(), 201);
    assert_false(replayed());
    assert_non_null(strstr(response_text, "\"member_id\":1"));
    static char first[sizeof(response_text)];
    memcpy(first, response_text, sizeof(first));
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, 1, &member_view), 0);
    lty_store_txn_abort(txn);
    assert_string_equal(member_view.member.name, "王芳");
    uint64_t stored_keys = count_of(LTY_DB_IDEMPOTENCY);
    assert_int_equal(stored_keys, 1);
    /* The same request again: the stored answer, nothing applied twice. */
    store_digest_t before = store_digest();
    assert_int_equal(run(), 201);
    assert_true(replayed());
    assert_string_equal(response_text, first);
    assert_unchanged(&before);
    /* The same key with another body: 422, nothing applied. */
    request_body("{\"name\":\"李伟\",\"phone\":\"+8613800138002\"}");
    refused(LTY_E_IDEMPOTENCY_KEY_REUSED);
    /* Keys are the principal's own: bob's "enrol-1" is another request. */
    strcpy(request.peer.name, "bob");
    assert_int_equal(run(), 201);
    assert_false(replayed());
    assert_int_equal(count_of(LTY_DB_MEMBERS), 2);
    /* A refusal made in the writer is stored too: its retry is refused again, replayed. */
    strcpy(request.peer.name, "alice");
    request_key("enrol-2");
    request_body("{\"name\":\"张敏\",\"phone\":\"+8613800138001\"}"); /* a taken phone */
    run();
    assert_error(LTY_E_PHONE_TAKEN);
    assert_false(replayed());
    before = store_digest();
    run();
    assert_error(LTY_E_PHONE_TAKEN);
    assert_true(replayed());
    assert_unchanged(&before);
    assert_int_equal(count_of(LTY_DB_IDEMPOTENCY), 3);
}

static void test_refusals_before_the_writer_store_no_key(void **state)
{
    (void)state;
    request_new(LTY_METHOD_POST, "/v1/admin/members", LTY_ROLE_OPERATOR);
    request_body("{\"name\":\"王芳\",\"phone\":\"8613800138001\"}"); /* refused by the handler */
    request_key("enrol-3");
    refused(LTY_E_INVALID_FIELD);
    assert_int_equal(count_of(LTY_DB_IDEMPOTENCY), 0);
    request_body("{\"name\":\"王芳\",\"phone\":\"+8613800138001\"}"); /* fixed, same key */
    assert_int_equal(run(), 201);
    assert_false(replayed());
}

/* ---- The network layer's security events ------------------------------------------------ */

/* A network event as the server passes it to its event_cb (api/exchange.h). */
static void net_event(const char *name, const char *detail)
{
    lty_net_event_t event = {.name = name, .principal = "-", .address = "192.0.2.7",
                             .detail = detail, .suppressed = 0};
    lty_api_net_event_cb(&fx.api, &event);
}

static void test_network_events_reach_the_audit_trail_bounded_and_counted(void **state)
{
    (void)state;
    enum { FLOOD = 30 };
    int64_t first_s = lty_clock_monotonic_ms() / 1000;
    for (int index = 0; index < FLOOD; index++) net_event("handshake_failed", "reason=unknown_ca");
    int64_t last_s = lty_clock_monotonic_ms() / 1000;
    net_event("certificate_revoked", "serial=1f");
    net_event("request_throttled", "reason=address_rate");
    lty_api_security_flush(&fx.api); /* as main.c does before the writer stops */
    lty_writer_stop(fx.writer);      /* finishes every queued job */
    fx.writer = NULL;
    fx.api.writer = NULL;

    static lty_ops_audit_page_t page; /* static: large */
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_audit_log_page(txn, 0, LTY_AUDIT_PAGE_MAX, &page), 0);
    lty_store_txn_abort(txn);
    unsigned recorded = 0, summarised = 0, revocations = 0, throttles = 0;
    for (size_t index = 0; index < page.audits_count; index++) {
        const lty_audit_t *audit = &page.audits[index];
        if (strncmp(audit->action, "security.", 9) == 0) {
            assert_string_equal(audit->principal, "system");
        }
        if (strcmp(audit->action, "security.revocation") == 0) revocations++;
        if (strcmp(audit->action, "security.throttled") == 0) throttles++;
        if (strcmp(audit->action, "security.cert_refused") != 0) continue;
        unsigned count = 0;
        if (strcmp(audit->target, "system") == 0) { /* "N more cert_refused events were not..." */
            assert_int_equal(sscanf(audit->detail, "%u more cert_refused events", &count), 1);
            summarised += count;
            continue;
        }
        assert_string_equal(audit->target, "anonymous"); /* no certificate: "-" */
        assert_string_equal(audit->remote_addr, "192.0.2.7");
        assert_string_equal(audit->detail, "handshake_failed reason=unknown_ca");
        recorded++;
    }
    /* Every event is either a record of its own or counted in a summary; never more records
     * of one kind per second than the bound, however long the loop above took. */
    assert_int_equal(recorded + summarised, FLOOD);
    assert_true(recorded >= 1);
    int64_t windows = last_s - first_s + 1;
    assert_true(recorded <= (unsigned)(LTY_SECURITY_EVENTS_PER_SECOND_MAX * windows));
    assert_int_equal(revocations, 1);
    assert_int_equal(throttles, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_TEST(test_routes_match_404_for_no_path_405_for_another_method),
        API_TEST(test_path_parameters_are_percent_decoded_or_match_nothing),
        API_TEST(test_each_listener_serves_only_its_own_routes),
        API_TEST(test_realms_answer_401_without_and_403_with_the_wrong_credential),
        API_TEST(test_operator_roles_from_routes_def_are_403_before_the_body),
        API_TEST(test_test_only_routes_are_404_before_any_realm_check_without_their_flag),
        API_TEST(test_moving_the_clock_is_logged_like_setting_a_fault),
        API_TEST(test_body_limit_413_at_max_plus_one_then_content_type_415),
        API_TEST(test_idempotency_key_missing_428_malformed_400),
        API_TEST(test_mutation_reaches_the_writer_and_its_retry_is_replayed),
        API_TEST(test_refusals_before_the_writer_store_no_key),
        API_TEST(test_network_events_reach_the_audit_trail_bounded_and_counted),
    };
    return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
