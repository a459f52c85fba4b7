/* SPDX-License-Identifier: MIT */
/* The API dispatcher: matches a request against schema/routes.def, enforces the route's realm,
 * operator roles, method, body limit, content type and Idempotency-Key centrally, then calls
 * the handler. Refusals of certificate holders (wrong realm, role not allowed) are security
 * events: they reach the audit trail through lty_api_security_event() (audit.c).
 * Also the glue between a handler's decoded command and the writer thread, and the reply
 * helpers every handler uses. Handlers never re-check what this file checks.
 *
 * Not here: request semantics (the resource files), decoding (request.c), framing (net/http.c),
 * business rules (domain/). */
#include "api.h"
#include "ops.h"
#include "settings.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"
#include "records.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef enum api_realm {
    REALM_PUBLIC, /* no credential; the till/operator listener */
    REALM_TILL,
    REALM_ADMIN,
    REALM_MEMBER, /* portal session; the portal's listener */
    REALM_PORTAL, /* no credential; the portal's listener (pages, login) */
    REALM_ANY,    /* no credential; both listeners (/healthz) */
} api_realm_t;
/* routes.def's test_only column: which daemon flag makes the route exist. */
typedef enum api_test_only { TEST_ONLY_NO, TEST_ONLY_CLOCK, TEST_ONLY_FAULTS } api_test_only_t;

typedef struct api_route_s {
    lty_method_t method;
    const char *pattern;
    lty_api_handler_cb handler;
    api_realm_t realm;
    bool mutating;
    size_t body_bytes_max;
    api_test_only_t test_only;
    const char *roles; /* ADMIN: the operator roles allowed, space-separated; "-" otherwise */
} api_route_t;

#define LTY_ROUTE(method, path, handler, realm, mutating, body_bytes_max, test_only, roles)     \
    {LTY_METHOD_##method, path, lty_api_##handler, REALM_##realm, (mutating) != 0,             \
     (body_bytes_max), TEST_ONLY_##test_only, roles},
static const api_route_t api_routes[] = {
#include "routes.def"
};
#undef LTY_ROUTE

#define API_ROUTES_COUNT (sizeof(api_routes) / sizeof(api_routes[0]))

/* Each route's roles column as a bit mask (bit = lty_operator_role_t), parsed once: a typo in
 * routes.def is a programmer error caught at the first request, not a silently closed route. */
static uint32_t api_route_roles[API_ROUTES_COUNT];
static pthread_once_t api_route_roles_once = PTHREAD_ONCE_INIT;

static uint32_t roles_mask_parse(const char *roles)
{
    uint32_t mask = 0;
    const char *cursor = roles;
    while (*cursor != '\0') {
        while (*cursor == ' ') cursor++;
        size_t size = strcspn(cursor, " ");
        if (size == 0) break;
        lty_operator_role_t role = lty_operator_role_parse(cursor, size);
        LTY_ASSERT(role != LTY_OPERATOR_ROLE_NONE && "routes.def names an unknown role");
        mask |= 1u << role;
        cursor += size;
    }
    return mask;
}

static void route_roles_init(void)
{
    for (size_t index = 0; index < API_ROUTES_COUNT; index++) {
        const api_route_t *route = &api_routes[index];
        if (route->realm != REALM_ADMIN) {
            LTY_ASSERT(strcmp(route->roles, "-") == 0);
            continue;
        }
        api_route_roles[index] = roles_mask_parse(route->roles);
        /* admin may do everything: a route without it is a typo, not a policy. */
        LTY_ASSERT(api_route_roles[index] & (1u << LTY_OPERATOR_ROLE_ADMIN));
    }
}

/* Per-request state, allocated when a request is dispatched and freed when the network layer
 * releases the exchange (response sent or connection gone). */
typedef struct api_state_s {
    lty_api_t *api;
    lty_exchange_t *exchange;
    lty_actor_t actor;
    bool session_valid;              /* a MEMBER route's session was resolved */
    lty_session_t session;
    uint8_t session_hash[32];
    char success_header[2][LTY_RESPONSE_HEADERS_BYTES_MAX / 2]; /* name, value */
    bool mutating;     /* the route's: only a mutating request's job is idempotent */
    lty_job_t job;
    void *command;
    void (*command_free)(void *command);
    bool dry_run; /* ?dry_run=1 on a mutating route */
} api_state_t;

/* ---- Replies ------------------------------------------------------------------------------ */

int lty_api_reply(lty_exchange_t *exchange, int status)
{
    LTY_ASSERT(exchange != NULL);
    LTY_ASSERT(status >= 100 && status <= 599);
    if (lty_buf_error(&exchange->response.body) != 0) {
        int err = lty_buf_error(&exchange->response.body);
        lty_buf_reset(&exchange->response.body);
        return lty_api_reply_error(exchange, err == LTY_E_NOMEM ? err : LTY_E_INTERNAL, NULL);
    }
    exchange->response.status = status;
    return LTY_API_DONE;
}

int lty_api_reply_error(lty_exchange_t *exchange, int err, const lty_diag_t *diag)
{
    LTY_ASSERT(exchange != NULL);
    LTY_ASSERT(err < 0);
    lty_buf_reset(&exchange->response.body);
    lty_json_error_render(&exchange->response.body, err, diag);
    int status = lty_err_http_status(err);
    exchange->response.status = status > 0 ? status : 500;
    return LTY_API_DONE;
}

/* Declared with the exchange (exchange.h), so it is the API layer's: the API adds these lines
 * (Idempotent-Replayed and the like) from any thread before completion, and net/http.c only
 * copies them into the wire form. Defined in net/ it made lty_api need lty_net. */
void lty_response_header_add(lty_response_t *response, const char *name, const char *value)
{
    LTY_ASSERT(response != NULL && name != NULL && value != NULL);
    LTY_ASSERT(strpbrk(name, "\r\n:") == NULL && strpbrk(value, "\r\n") == NULL);
    size_t room = sizeof(response->headers) - response->headers_size;
    int written = snprintf(response->headers + response->headers_size, room, "%s: %s\r\n", name,
                           value);
    LTY_ASSERT(written > 0 && (size_t)written < room); /* truncation is a bug */
    response->headers_size += (size_t)written;
}

/* ---- Replicated mode ---------------------------------------------------------------------- */

/* {"error":{"code":"not_leader","message":…,"leader":"host:port"}}: where a till sends the write
 * instead ("" while no node holds the lease, e.g. during a failover: retry shortly). */
static void not_leader_render(lty_api_t *api, lty_buf_t *out)
{
    LTY_ASSERT(api->repl != NULL);
    lty_repl_status_t status;
    lty_repl_status(api->repl, &status);
    lty_buf_reset(out);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "error");
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "code", lty_err_code(LTY_E_NOT_LEADER));
    lty_jw_kv_string(&writer, "message", lty_strerror(LTY_E_NOT_LEADER));
    lty_jw_kv_string(&writer, "leader", status.leader);
    lty_jw_object_end(&writer);
    lty_jw_object_end(&writer);
}

/* Every answer of a replicated node says which stream sequence its store holds and how many
 * batches it knows it still lacks, so a reader can tell how fresh a follower's read is. */
static void replication_headers_add(lty_api_t *api, lty_response_t *response)
{
    LTY_ASSERT(api->repl != NULL);
    lty_repl_status_t status;
    lty_repl_status(api->repl, &status);
    char value[24];
    snprintf(value, sizeof(value), "%" PRIu64, status.applied_seq);
    lty_response_header_add(response, "Replication-Applied-Seq", value);
    snprintf(value, sizeof(value), "%" PRIu64, status.stream_last_seq - status.applied_seq);
    lty_response_header_add(response, "Replication-Lag", value);
}

/* A follower refuses writes (421 and the leader's address); a node behind the stream's
 * retention refuses everything but /healthz and /metrics. True when the reply is made. */
static bool replication_refuses(lty_api_t *api, lty_exchange_t *exchange,
                                const api_route_t *route)
{
    LTY_ASSERT(api->repl != NULL);
    LTY_ASSERT(route != NULL);
    lty_repl_status_t status;
    lty_repl_status(api->repl, &status);
    bool operational = route->realm == REALM_PUBLIC || route->realm == REALM_ANY; /* healthz */
    if (status.role == LTY_REPL_ROLE_BEHIND && !operational) {
        lty_api_reply_error(exchange, LTY_E_REPLICA_BEHIND, NULL);
        return true;
    }
    if (route->mutating && !lty_repl_writable(api->repl)) {
        not_leader_render(api, &exchange->response.body);
        exchange->response.status = lty_err_http_status(LTY_E_NOT_LEADER);
        return true;
    }
    return false;
}

/* ---- Route matching ----------------------------------------------------------------------- */

/* Does path match pattern? Parameters are captured in order. */
static bool route_match(const char *pattern, const char *path, lty_route_params_t *params)
{
    params->count = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern != '/' || *path != '/') return false;
        pattern++;
        path++;
        const char *pattern_end = strchr(pattern, '/');
        const char *path_end = strchr(path, '/');
        size_t pattern_size = pattern_end ? (size_t)(pattern_end - pattern) : strlen(pattern);
        size_t path_size = path_end ? (size_t)(path_end - path) : strlen(path);
        if (pattern_size > 0 && pattern[0] == '{') {
            if (path_size == 0 || params->count >= LTY_ROUTE_PARAMS_MAX) return false;
            char *value = params->values[params->count];
            if (!lty__api_percent_decode(path, path_size, false, value, LTY_ROUTE_PARAM_BYTES_MAX + 1)) {
                return false;
            }
            params->count++;
        } else if (pattern_size != path_size || memcmp(pattern, path, path_size) != 0) {
            return false;
        }
        pattern += pattern_size;
        path += path_size;
    }
    return *pattern == '\0' && *path == '\0';
}

/* ---- Realms and actors -------------------------------------------------------------------- */

static int actor_from_peer(const lty_request_t *request, lty_actor_t *actor)
{
    const lty_tls_peer_t *peer = &request->peer;
    memset(actor, 0, sizeof(*actor));
    snprintf(actor->remote_addr, sizeof(actor->remote_addr), "%s", request->remote_addr);
    actor->role = peer->role;
    int written = 0;
    switch (peer->role) {
    case LTY_ROLE_TILL:
        snprintf(actor->store, sizeof(actor->store), "%.16s", peer->store);
        snprintf(actor->till, sizeof(actor->till), "%.16s", peer->name);
        written = snprintf(actor->principal, sizeof(actor->principal), "till:%s/%s",
                           actor->store, actor->till);
        break;
    case LTY_ROLE_OPERATOR:
        snprintf(actor->operator_name, sizeof(actor->operator_name), "%s", peer->name);
        written = snprintf(actor->principal, sizeof(actor->principal), "operator:%s",
                           actor->operator_name);
        actor->operator_role = lty_operator_role_parse(peer->title, strlen(peer->title));
        break;
    default:
        actor->role = LTY_ROLE_NONE;
        break;
    }
    LTY_ASSERT(written >= 0 && (size_t)written < sizeof(actor->principal));
    return 0;
}

static int realm_check(api_realm_t realm, const lty_actor_t *actor)
{
    lty_role_t needed;
    switch (realm) {
    case REALM_PUBLIC:
    case REALM_PORTAL:
    case REALM_ANY:
        return 0;
    case REALM_TILL:
        needed = LTY_ROLE_TILL;
        break;
    case REALM_ADMIN:
        needed = LTY_ROLE_OPERATOR;
        break;
    case REALM_MEMBER:
    default:
        needed = LTY_ROLE_MEMBER;
        break;
    }
    if (actor->role == needed) return 0;
    return actor->role == LTY_ROLE_NONE ? LTY_E_UNAUTHENTICATED : LTY_E_FORBIDDEN;
}

const lty_session_t *lty_api_session(const lty_exchange_t *exchange, const uint8_t **hash_out)
{
    LTY_ASSERT(exchange != NULL && hash_out != NULL);
    const api_state_t *state = exchange->api_state;
    LTY_ASSERT(state != NULL && state->session_valid);
    *hash_out = state->session_hash;
    return &state->session;
}

const lty_session_t *lty_api_job_session(const lty_job_t *job, const uint8_t **hash_out)
{
    LTY_ASSERT(job != NULL && hash_out != NULL);
    const api_state_t *state = job->userdata;
    LTY_ASSERT(state != NULL && state->session_valid);
    *hash_out = state->session_hash;
    return &state->session;
}

void lty_api_success_header_set(lty_exchange_t *exchange, const char *name, const char *value)
{
    LTY_ASSERT(exchange != NULL && name != NULL && value != NULL);
    api_state_t *state = exchange->api_state;
    LTY_ASSERT(state != NULL);
    LTY_ASSERT(strlen(name) < sizeof(state->success_header[0]));
    LTY_ASSERT(strlen(value) < sizeof(state->success_header[1]));
    snprintf(state->success_header[0], sizeof(state->success_header[0]), "%s", name);
    snprintf(state->success_header[1], sizeof(state->success_header[1]), "%s", value);
}


static const char *method_name(lty_method_t method)
{
    switch (method) {
    case LTY_METHOD_GET: return "GET";
    case LTY_METHOD_HEAD: return "HEAD";
    case LTY_METHOD_POST: return "POST";
    case LTY_METHOD_PUT: return "PUT";
    case LTY_METHOD_PATCH: return "PATCH";
    case LTY_METHOD_DELETE: return "DELETE";
    default: return "OTHER";
    }
}

/* An ADMIN route's roles against the operator's. An operator certificate without a known role
 * is refused, never read as some default role: a certificate from before roles existed (or a
 * typo in one) must be reissued with `loyaltyctl operator add --role`, not guessed at. */
static int role_check(size_t route_index, const lty_actor_t *actor, lty_diag_t *diag)
{
    LTY_ASSERT(route_index < API_ROUTES_COUNT);
    LTY_ASSERT(actor->role == LTY_ROLE_OPERATOR);
    if (actor->operator_role == LTY_OPERATOR_ROLE_NONE) {
        return lty_diag_set(diag, LTY_E_FORBIDDEN, "",
                            "this operator certificate names no role: reissue it with "
                            "`loyaltyctl operator add NAME --role ROLE`");
    }
    if (api_route_roles[route_index] & (1u << actor->operator_role)) return 0;
    return lty_diag_set(diag, LTY_E_FORBIDDEN, "", "role %s may not do this (allowed: %s)",
                        lty_operator_role_name(actor->operator_role),
                        api_routes[route_index].roles);
}

/* The realm and role checks, with a security event for every refused certificate holder (an
 * anonymous 401 is no event: anyone can knock, and a flood of them is the network's to bound). */
static int access_check(lty_api_t *api, const lty_exchange_t *exchange, size_t route_index,
                        const lty_actor_t *actor, lty_diag_t *diag)
{
    const api_route_t *route = &api_routes[route_index];
    const lty_request_t *request = &exchange->request;
    int err = realm_check(route->realm, actor);
    lty_security_event_t event = LTY_SECURITY_REALM_REFUSED;
    if (err == 0 && route->realm == REALM_ADMIN) {
        err = role_check(route_index, actor, diag);
        event = LTY_SECURITY_ROLE_REFUSED;
    }
    if (err == 0 || actor->role == LTY_ROLE_NONE) return err;
    char detail[160];
    int written = snprintf(detail, sizeof(detail), "%s %.100s refused: %d %s",
                           method_name(request->method), request->path,
                           lty_err_http_status(err), lty_err_code(err));
    if (actor->role == LTY_ROLE_OPERATOR && written > 0 && (size_t)written < sizeof(detail)) {
        snprintf(detail + written, sizeof(detail) - (size_t)written, " (role %s)",
                 actor->operator_role != LTY_OPERATOR_ROLE_NONE
                     ? lty_operator_role_name(actor->operator_role) : "none");
    }
    (void)lty_api_security_event(api, event, actor->principal, actor->remote_addr, detail);
    return err;
}

int lty_api_role_amount_check(lty_api_t *api, const lty_exchange_t *exchange, int64_t magnitude,
                              int64_t supervisor_max, const char *what, lty_diag_t *diag)
{
    LTY_ASSERT(api != NULL && what != NULL);
    LTY_ASSERT(magnitude >= 0 && supervisor_max > 0);
    const lty_actor_t *actor = lty_api_actor(exchange);
    if (actor->operator_role != LTY_OPERATOR_ROLE_SUPERVISOR || magnitude <= supervisor_max) {
        return 0;
    }
    int err = lty_diag_set(diag, LTY_E_FORBIDDEN, "", "role supervisor may %s at most %" PRId64
                           " at once; ask finance or an admin", what, supervisor_max);
    char detail[160];
    snprintf(detail, sizeof(detail), "%s %" PRId64 " over the supervisor limit %" PRId64, what,
             magnitude, supervisor_max);
    (void)lty_api_security_event(api, LTY_SECURITY_ROLE_REFUSED, actor->principal,
                                 actor->remote_addr, detail);
    return err;
}

const lty_actor_t *lty_api_actor(const lty_exchange_t *exchange)
{
    LTY_ASSERT(exchange != NULL);
    const api_state_t *state = exchange->api_state;
    LTY_ASSERT(state != NULL);
    return &state->actor;
}

/* ---- Dispatch ----------------------------------------------------------------------------- */

/* Media types are case-insensitive (RFC 9110 8.3.1) and may carry parameters; JSON is UTF-8
 * (RFC 8259), so a charset parameter must say so. */
static bool content_type_is_json(const char *content_type)
{
    static const char json[] = "application/json";
    if (strncasecmp(content_type, json, sizeof(json) - 1) != 0) return false;
    const char *rest = content_type + sizeof(json) - 1;
    rest += strspn(rest, " \t");
    if (*rest == '\0') return true;
    if (*rest != ';') return false;
    for (const char *parameter = rest; parameter != NULL; parameter = strchr(parameter + 1, ';')) {
        const char *name = parameter + 1 + strspn(parameter + 1, " \t");
        if (strncasecmp(name, "charset=", 8) != 0) continue;
        const char *value = name + 8;
        if (*value == '"') value++;
        if (strncasecmp(value, "utf-8", 5) != 0 || strchr("\" \t;", value[5]) == NULL) {
            return false;
        }
    }
    return true;
}

/* The checks every mutating or body-carrying route shares, in the order a client fixes them. */
static int request_check(const api_route_t *route, const lty_request_t *request, lty_diag_t *diag)
{
    if (request->body_size > route->body_bytes_max) {
        return lty_diag_set(diag, LTY_E_REQUEST_TOO_LARGE, "",
                            "body has %zu bytes, limit for this route is %zu", request->body_size,
                            route->body_bytes_max);
    }
    if (request->body_size > 0 && !content_type_is_json(request->content_type)) {
        return lty_diag_set(diag, LTY_E_UNSUPPORTED_MEDIA_TYPE, "",
                            "Content-Type must be application/json");
    }
    if (!route->mutating) return 0;
    if (request->idempotency_key_invalid) {
        return lty_diag_set(diag, LTY_E_INVALID_IDEMPOTENCY_KEY, "",
                            "Idempotency-Key must be 1 to %d printable ASCII characters",
                            LTY_IDEMPOTENCY_KEY_BYTES_MAX);
    }
    if (!request->idempotency_key_present) {
        return lty_diag_set(diag, LTY_E_IDEMPOTENCY_KEY_REQUIRED, "",
                            "this request changes the store: send an Idempotency-Key header");
    }
    return 0;
}

/* Which listener serves a realm: a route of the other one is unknown there (404). */
static bool route_on_listener(const api_route_t *route, lty_listener_t listener)
{
    switch (route->realm) {
    case REALM_ANY: return true;
    case REALM_PORTAL:
    case REALM_MEMBER: return listener == LTY_LISTENER_PORTAL;
    default: return listener == LTY_LISTENER_MAIN;
    }
}

/* A till acts for its store: one that is unknown (404 store_not_found) or closed (423
 * store_closed) refuses every request of its tills, reads included, before any handler runs.
 * A sale checks again in the writer's transaction (ops_sale.c), which is the authority. */
static int till_store_check(lty_api_t *api, const lty_actor_t *actor, lty_diag_t *diag)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_store_usable(txn, actor->store);
    lty_store_txn_abort(txn);
    if (err == LTY_E_STORE_NOT_FOUND || err == LTY_E_STORE_CLOSED) {
        return lty_diag_set(diag, err, "", "store %.16s %s", actor->store,
                            err == LTY_E_STORE_CLOSED ? "is closed" : "is not registered: "
                                                                      "POST /v1/admin/stores");
    }
    return err;
}

/* A test-only route exists only in a daemon started with its flag. */
static bool route_enabled(const lty_api_t *api, const api_route_t *route)
{
    switch (route->test_only) {
    case TEST_ONLY_NO: return true;
    case TEST_ONLY_CLOCK: return api->test_clock;
    case TEST_ONLY_FAULTS: return api->test_faults;
    default: LTY_ASSERT(false); return false;
    }
}

/* The Allow header of a 405 (RFC 9110 15.5.6): the methods of every route of the path, each once,
 * with HEAD wherever GET is, since every GET route answers HEAD. */
static void allow_render(unsigned methods, char *allow, size_t allow_size)
{
    static const lty_method_t order[] = {LTY_METHOD_GET,   LTY_METHOD_HEAD,  LTY_METHOD_POST,
                                         LTY_METHOD_PUT,   LTY_METHOD_PATCH, LTY_METHOD_DELETE};
    size_t used = 0;
    allow[0] = '\0';
    for (size_t index = 0; index < sizeof(order) / sizeof(order[0]); index++) {
        if ((methods & (1u << order[index])) == 0) continue;
        int written = snprintf(allow + used, allow_size - used, "%s%s", used > 0 ? ", " : "",
                               method_name(order[index]));
        LTY_ASSERT(written > 0 && (size_t)written < allow_size - used);
        used += (size_t)written;
    }
}

/* The route of the request, or NULL with 404 (no route has the path on this listener) or 405
 * (methods_out: the methods its routes have). */
static const api_route_t *route_find(const lty_api_t *api, const lty_request_t *request,
                                     lty_route_params_t *params, unsigned *methods_out,
                                     int *err_out)
{
    unsigned methods = 0;
    lty_method_t method = request->method == LTY_METHOD_HEAD ? LTY_METHOD_GET : request->method;
    for (size_t index = 0; index < API_ROUTES_COUNT; index++) {
        const api_route_t *route = &api_routes[index];
        if (!route_enabled(api, route)) continue;
        if (!route_on_listener(route, request->listener)) continue;
        if (!route_match(route->pattern, request->path, params)) continue;
        if (route->method == method) return route;
        methods |= 1u << route->method;
        if (route->method == LTY_METHOD_GET) methods |= 1u << LTY_METHOD_HEAD;
    }
    *methods_out = methods;
    *err_out = methods != 0 ? LTY_E_METHOD_NOT_ALLOWED : LTY_E_NOT_FOUND;
    return NULL;
}

/* What every answer on the portal's listener carries: a Content-Security-Policy without inline
 * script or style, no framing, no sniffing, no referrer. */
static void portal_headers_add(lty_exchange_t *exchange)
{
    lty_response_header_add(&exchange->response, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'");
    lty_response_header_add(&exchange->response, "X-Content-Type-Options", "nosniff");
    lty_response_header_add(&exchange->response, "X-Frame-Options", "DENY");
    lty_response_header_add(&exchange->response, "Referrer-Policy", "no-referrer");
}

/* A MEMBER route: a live session (401 otherwise); a state-changing one also needs the session's
 * CSRF token in X-CSRF-Token (403). Member data is never cached by a browser or proxy. */
static int member_check(lty_api_t *api, lty_exchange_t *exchange, const api_route_t *route,
                        api_state_t *state, lty_diag_t *diag)
{
    lty_response_header_add(&exchange->response, "Cache-Control", "no-store");
    uint8_t token[32];
    int err = lty__api_session_resolve(api, exchange, &state->session, state->session_hash, token,
                                       &state->actor);
    if (err == LTY_E_SESSION_EXPIRED) {
        return lty_diag_set(diag, err, "", "the session has ended or expired: log in again");
    }
    if (err != 0) return err;
    state->session_valid = true;
    if (route->mutating && !lty__api_csrf_ok(&exchange->request, token)) {
        err = lty_diag_set(diag, LTY_E_CSRF_TOKEN_INVALID, "",
                           "send the session's csrf_token in X-CSRF-Token");
    }
    memset(token, 0, sizeof(token));
    return err;
}

int lty_api_handle(lty_api_t *api, lty_exchange_t *exchange)
{
    LTY_ASSERT(api != NULL);
    LTY_ASSERT(exchange != NULL);
    LTY_ASSERT(exchange->api_state == NULL);
    lty_buf_reset(&exchange->response.body);
    exchange->response.headers_size = 0;
    exchange->response.content_type = NULL;

    api_state_t *state = lty_calloc(1, sizeof(*state));
    if (state == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    state->api = api;
    state->exchange = exchange;
    exchange->api_state = state;
    actor_from_peer(&exchange->request, &state->actor);
    pthread_once(&api_route_roles_once, route_roles_init);

    if (exchange->request.listener == LTY_LISTENER_PORTAL) portal_headers_add(exchange);
    lty_route_params_t params;
    int err = 0;
    unsigned methods = 0;
    const api_route_t *route = route_find(api, &exchange->request, &params, &methods, &err);
    if (route == NULL) {
        lty_api_reply_error(exchange, err, NULL);
        if (err == LTY_E_METHOD_NOT_ALLOWED) {
            char allow[64]; /* every method once: "GET, HEAD, POST, PUT, PATCH, DELETE" */
            allow_render(methods, allow, sizeof(allow));
            lty_response_header_add(&exchange->response, "Allow", allow);
        }
        return LTY_API_DONE;
    }
    size_t route_index = (size_t)(route - api_routes);
    state->mutating = route->mutating;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    if (route->realm == REALM_MEMBER) {
        err = member_check(api, exchange, route, state, &diag);
    } else {
        err = access_check(api, exchange, route_index, &state->actor, &diag);
    }
    if (err != 0) return lty_api_reply_error(exchange, err, diag.detail[0] ? &diag : NULL);
    err = request_check(route, &exchange->request, &diag);
    if (err == 0 && route->mutating) {
        /* Any mutating route can be asked what it would do: the writer runs the job and
         * aborts its transaction (writer.h). */
        int64_t dry_run = 0;
        err = lty_api_query_int(exchange, "dry_run", 0, 1, &dry_run, NULL, &diag);
        state->dry_run = dry_run == 1;
    }
    if (err == 0 && route->realm == REALM_TILL) err = till_store_check(api, &state->actor, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    if (api->repl != NULL) {
        bool refused = replication_refuses(api, exchange, route);
        /* A write's headers are added when its batch is done, with the sequence it made. */
        if (refused || !route->mutating) replication_headers_add(api, &exchange->response);
        if (refused) return LTY_API_DONE;
    }
    return route->handler(api, exchange, &params);
}

void lty_api_exchange_release(lty_api_t *api, lty_exchange_t *exchange)
{
    (void)api;
    LTY_ASSERT(exchange != NULL);
    api_state_t *state = exchange->api_state;
    if (state == NULL) return;
    if (state->command != NULL && state->command_free != NULL) state->command_free(state->command);
    lty_free(state);
    exchange->api_state = NULL;
}

/* ---- Writer glue -------------------------------------------------------------------------- */

static void api_job_done(lty_job_t *job)
{
    api_state_t *state = job->userdata;
    LTY_ASSERT(state != NULL);
    lty_exchange_t *exchange = state->exchange;
    exchange->response.status = job->status;
    if (state->api->repl != NULL) {
        if (job->result == LTY_E_NOT_LEADER) not_leader_render(state->api, job->body);
        replication_headers_add(state->api, &exchange->response);
    }
    if (job->replayed) lty_response_header_add(&exchange->response, "Idempotent-Replayed", "true");
    if (!job->replayed && !state->dry_run && job->status >= 200 && job->status < 300 &&
        state->success_header[0][0] != '\0') { /* a dry run opened nothing to announce */
        lty_response_header_add(&exchange->response, state->success_header[0],
                                state->success_header[1]);
    }
    if (state->dry_run) lty_response_header_add(&exchange->response, "Dry-Run", "true");
    lty_exchange_complete(exchange);
}

static void request_hash(const lty_request_t *request, uint8_t digest_out[32])
{
    /* Method, path, query and body identify a request; a retry sends the same bytes. */
    lty_buf_t text;
    lty_buf_init(&text, LTY_HTTP_BODY_BYTES_MAX + 2 * LTY_HTTP_URL_BYTES_MAX + 16);
    lty_buf_appendf(&text, "%d\n%s?%s\n", (int)request->method, request->path, request->query);
    lty_buf_append(&text, request->body, request->body_size);
    LTY_ASSERT(lty_buf_error(&text) == 0 || lty_buf_error(&text) == LTY_E_NOMEM);
    lty_crypto_sha256(text.data, text.size, digest_out);
    lty_buf_deinit(&text);
}

int lty_api_submit(lty_api_t *api, lty_exchange_t *exchange, lty_job_apply_cb apply_cb,
                   void *command, void (*command_free)(void *command))
{
    LTY_ASSERT(api != NULL && api->writer != NULL);
    LTY_ASSERT(apply_cb != NULL);
    api_state_t *state = exchange->api_state;
    LTY_ASSERT(state != NULL);
    LTY_ASSERT(state->command == NULL);
    state->command = command;
    state->command_free = command_free;

    lty_job_t *job = &state->job;
    memset(job, 0, sizeof(*job));
    job->apply_cb = apply_cb;
    job->done_cb = api_job_done;
    job->userdata = state;
    snprintf(job->principal, sizeof(job->principal), "%s", state->actor.principal);
    /* A read that runs on the writer (an export, to record the access in the same transaction)
     * is never replayed from a stored answer, whatever header it carries. */
    if (state->mutating && exchange->request.idempotency_key_present) {
        snprintf(job->idempotency_key, sizeof(job->idempotency_key), "%s",
                 exchange->request.idempotency_key);
    }
    request_hash(&exchange->request, job->request_hash);
    job->now_ms = lty_clock_now_ms();
    job->dry_run = state->dry_run;
    job->body = &exchange->response.body;
    lty_buf_reset(job->body);

    int err = lty_writer_submit(api->writer, job);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return LTY_API_PENDING;
}

int lty_api_body_submit(lty_api_t *api, lty_exchange_t *exchange, size_t command_size,
                        lty_api_body_parse_cb parse, const void *context,
                        lty_job_apply_cb apply_cb)
{
    LTY_ASSERT(command_size > 0 && parse != NULL && apply_cb != NULL);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    void *command = lty_calloc(1, command_size);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command == NULL ? LTY_E_NOMEM
                              : parse(lty_json_doc_root(doc), command, context, &diag);
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, apply_cb, command, lty_free);
}

int lty_api_bodiless_submit(lty_api_t *api, lty_exchange_t *exchange, lty_job_apply_cb apply_cb)
{
    static const char *const keys[] = {NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_optional(exchange, keys, &doc) != 0) return LTY_API_DONE;
    lty_json_doc_free(doc);
    return lty_api_submit(api, exchange, apply_cb, NULL, NULL);
}

void *lty_api_job_command(const lty_job_t *job)
{
    LTY_ASSERT(job != NULL);
    const api_state_t *state = job->userdata;
    return state->command;
}

lty_api_t *lty_api_job_api(const lty_job_t *job)
{
    LTY_ASSERT(job != NULL);
    const api_state_t *state = job->userdata;
    return state->api;
}

const lty_actor_t *lty_api_job_actor(const lty_job_t *job)
{
    LTY_ASSERT(job != NULL);
    const api_state_t *state = job->userdata;
    return &state->actor;
}

int lty_api_job_settings(lty_job_t *job, lty_store_txn_t *txn,
                         const lty_settings_t **settings_out)
{
    LTY_ASSERT(job != NULL && txn != NULL && settings_out != NULL);
    int err = lty_settings_get(txn, settings_out);
    if (err != 0) lty_api_job_refuse(job, err, NULL);
    return err;
}

int lty_api_job_reply(lty_job_t *job, int status)
{
    LTY_ASSERT(job != NULL);
    LTY_ASSERT(status >= 200 && status < 300);
    job->status = status;
    return 0;
}

int lty_api_job_refuse(lty_job_t *job, int err, const lty_diag_t *diag)
{
    LTY_ASSERT(job != NULL);
    LTY_ASSERT(err < 0);
    lty_buf_reset(job->body);
    lty_json_error_render(job->body, err, diag);
    int status = lty_err_http_status(err);
    job->status = status > 0 ? status : 500;
    return err;
}
