/* SPDX-License-Identifier: MIT */
/**
 * @file api.h
 * The API layer: the route table, realm checks, request decoding helpers, reply helpers and the
 * glue that turns a mutating request into a writer job.
 *
 * Owns: dispatch (dispatch.c) from schema/routes.def, request decoding (request.c), the shared
 * renderings (render.c); every handler lives in the file of its resource (members.c, cards.c,
 * sales.c, prepaid.c, pins.c, tiers.c, adjustments.c, reports.c, health.c, test_hooks.c, stores.c,
 * programme.c, bonuses.c) and has the shape: parse into a struct (limits checked) -> validate ->
 * (reads: query the store in a read transaction and reply) / (writes: submit a job whose apply_cb
 * runs the domain operation inside the writer's child transaction and renders the response).
 *
 * Caveats:
 * - Handlers run on a loop thread; apply callbacks run on the writer thread. An apply callback
 *   touches only its job, its command and the transaction it is given.
 * - Responses of mutating requests are rendered inside apply_cb, because the writer stores the
 *   exact response bytes with the idempotency key.
 */
#ifndef LTY_API_H
#define LTY_API_H

#include "actor.h"
#include "exchange.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "store.h"
#include "writer.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct lty_programme_s lty_programme_t; /* domain: programme.h */
typedef struct lty_session_s lty_session_t;     /* store: records.h */

/** The member portal's settings (config.c: portal_*). */
typedef struct lty_api_portal_options_s {
    int64_t session_idle_ms;
    int64_t session_absolute_ms;
    uint32_t login_failures_max;      /* per member, or per unknown card number or phone */
    int64_t login_lock_ms;
    uint32_t address_failures_max;    /* per client address, within login_lock_ms */
} lty_api_portal_options_t;

typedef struct lty_api_throttle_s lty_api_throttle_t; /* member_session.c */
typedef struct lty_settings_s lty_settings_t;   /* domain: settings.h */

/** Security events: what the audit trail records besides operator actions (audit.c). The
 *  action of the record is "security." + the name below. */
typedef enum lty_security_event {
    LTY_SECURITY_CERT_REFUSED = 0, /* "cert_refused": a handshake refused a certificate
                                    * (revoked, expired, foreign CA, ambiguous subject) */
    LTY_SECURITY_THROTTLED,        /* "throttled": a rate limit or connection cap refused */
    LTY_SECURITY_REVOCATION,       /* "revocation": revoked serials loaded (start, SIGHUP) */
    LTY_SECURITY_REALM_REFUSED,    /* "realm_refused": a certificate holder in another realm */
    LTY_SECURITY_ROLE_REFUSED,     /* "role_refused": an operator's role may not call a route */
    LTY_SECURITY_LOGIN_FAILED,     /* "login_failed": a failed member login (portal) */
    LTY_SECURITY_EVENTS_COUNT
} lty_security_event_t;

/* The flood bound of one event kind (audit.c; zero-initialised with lty_api_t). */
typedef struct lty_api_security_s {
    _Atomic int64_t window_s;   /* the monotonic second being counted */
    _Atomic uint32_t count;     /* events of that second */
    _Atomic uint32_t suppressed; /* events not recorded one by one since the last summary */
} lty_api_security_t;

struct lty_api_s {
    lty_store_t *store;               /* public */
    lty_writer_t *writer;             /* public */
    lty_repl_t *repl;                 /* public: replicated mode, NULL for a single node */
    const lty_programme_t *programme; /* public: loaded at start; handlers use the settings in
                                       * force in their transaction (lty_api_job_settings,
                                       * lty_settings_get), which follow PUT /v1/admin/programme */
    lty_net_stats_cb net_stats_cb;    /* public: network counters for /metrics; may be NULL */
    void *net_stats_userdata;         /* public: passed to net_stats_cb */
    bool test_clock;                  /* public: --test-clock given */
    bool test_faults;                 /* public: --test-faults given (POST /v1/admin/faults) */
    uint8_t pin_pepper[32];           /* public: DIR/pin-pepper, loaded at start */
    lty_crypto_key_t *coupon_key;     /* public: DIR/coupon-key.pem, loaded at start */
    lty_api_portal_options_t portal;  /* public: set before lty_api_portal_init */
    lty_api_throttle_t *address_throttle; /* private: lty_api_portal_init */
    lty_api_security_t security[LTY_SECURITY_EVENTS_COUNT]; /* private: audit.c */
    struct lty_api_workers_s *workers;    /* private: analytics_worker.c */
};

/** Allocate the portal's per-address login throttle. 0 or LTY_E_NOMEM. */
int lty_api_portal_init(lty_api_t *api);
/** Free what lty_api_portal_init allocated (idempotent). */
void lty_api_portal_deinit(lty_api_t *api);

#define LTY_ROUTE_PARAMS_MAX 4
#define LTY_ROUTE_PARAM_BYTES_MAX 64

typedef struct lty_route_params_s {
    int count;
    char values[LTY_ROUTE_PARAMS_MAX][LTY_ROUTE_PARAM_BYTES_MAX + 1]; /* percent-decoded */
} lty_route_params_t;

typedef int (*lty_api_handler_cb)(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params);

/* Every handler named in schema/routes.def, declared here. */
#define LTY_ROUTE(method, path, handler, realm, mutating, body_bytes_max, test_only, roles)     \
    int lty_api_##handler(lty_api_t *api, lty_exchange_t *exchange,                             \
                          const lty_route_params_t *params);
#include "routes.def"
#undef LTY_ROUTE

/** The actor of the exchange being handled (valid after dispatch). */
const lty_actor_t *lty_api_actor(const lty_exchange_t *exchange);
/**
 * The amount part of the role policy (docs/security.md): a cashier supervisor may move at most
 * supervisor_max (points or minor units) at once; finance and admin are not bounded here.
 * @return 0, or LTY_E_FORBIDDEN with diag filled (and a security event recorded).
 */
int lty_api_role_amount_check(lty_api_t *api, const lty_exchange_t *exchange, int64_t magnitude,
                              int64_t supervisor_max, const char *what, lty_diag_t *diag);

/* ---- Member sessions (member_session.c, used by dispatch.c) ----------------------------- */

/** The portal session of a MEMBER route (valid after dispatch): the record and the SHA-256 of
 *  its token. */
const lty_session_t *lty_api_session(const lty_exchange_t *exchange, const uint8_t **hash_out);
/** The same, for an apply callback. */
const lty_session_t *lty_api_job_session(const lty_job_t *job, const uint8_t **hash_out);
/** A header the response gets only when its job succeeds (2xx, not a replay): the session
 *  cookie of a login, its removal at logout. One per exchange; name and value are copied. */
void lty_api_success_header_set(lty_exchange_t *exchange, const char *name, const char *value);
/** Resolve the session cookie of a MEMBER request: 0 with session_out, hash_out and actor
 *  filled, or LTY_E_UNAUTHENTICATED (no cookie), LTY_E_SESSION_EXPIRED (unknown, ended or
 *  expired). Keeps the session alive (a touch job, never awaited). Loop thread. */
int lty__api_session_resolve(lty_api_t *api, lty_exchange_t *exchange, lty_session_t *session_out,
                             uint8_t hash_out[32], uint8_t token_out[32], lty_actor_t *actor);
/** The session token of the request's cookie (a MEMBER route's, after dispatch). */
bool lty__api_session_token(const lty_exchange_t *exchange, uint8_t token_out[32]);
/** Does the request's X-CSRF-Token match the session token's? */
bool lty__api_csrf_ok(const lty_request_t *request, const uint8_t token[32]);
/** The CSRF token of a session token, as 64 hex digits and a NUL (out: 65 bytes). */
void lty__api_csrf_token(const uint8_t token[32], char *out);

/* ---- Replies (loop thread) ------------------------------------------------------------ */

/** Reply {"error":{"code","message"[,"field"]}} with the status from errors.def. Returns
 *  LTY_API_DONE so a handler can `return lty_api_reply_error(...)`. diag may be NULL. */
int lty_api_reply_error(lty_exchange_t *exchange, int err, const lty_diag_t *diag);
/** Reply with status; the JSON body is already in exchange->response.body. Returns DONE. */
int lty_api_reply(lty_exchange_t *exchange, int status);

/* ---- QR codes (qr.c: libqrencode) ------------------------------------------------------ */

#define LTY_QR_TEXT_BYTES_MAX 256 /* a coupon or voucher code, or a URL naming one */
/** Append text as a QR code (level M, quiet zone of 4 modules) in SVG to out: 0,
 *  LTY_E_INVALID_FIELD (empty or longer than LTY_QR_TEXT_BYTES_MAX), LTY_E_NOMEM. For the
 *  coupon and voucher pages, served as image/svg+xml. */
int lty_api_qr_svg_render(lty_buf_t *out, const char *text);

/* ---- Decoding -------------------------------------------------------------------------- */

/** Parse the body strictly as a JSON object (content type, depth, duplicates checked).
 *  On error the reply is already made: return LTY_API_DONE. */
int lty_api_body_parse(lty_exchange_t *exchange, lty_json_doc_t **doc_out);
/** Parse a body that is an object holding exactly one member, key, an integer in [min, max]
 *  (the shape of the test-only admin routes). On error the reply is already made (invalid_json,
 *  invalid_field naming the key): return LTY_API_DONE. */
int lty_api_body_int_parse(lty_exchange_t *exchange, const char *key, int64_t min, int64_t max,
                           int64_t *value_out);
/** Query parameter name as a bounded integer: 0 (absent: *present_out=false) or
 *  LTY_E_INVALID_QUERY with the diag filled. */
int lty_api_query_int(const lty_exchange_t *exchange, const char *name, int64_t min, int64_t max,
                      int64_t *value_out, bool *present_out, lty_diag_t *diag);
/** The cursor of a paged read: after (0..LTY_JSON_INT_MAX, default 0) and limit (1..limit_max,
 *  default limit_default). 0, or LTY_E_INVALID_QUERY with the diag filled. */
int lty_api_query_page(const lty_exchange_t *exchange, int64_t limit_default, int64_t limit_max,
                       int64_t *after_out, int64_t *limit_out, lty_diag_t *diag);
/** One kind of paged list (lty_api_page_reply): {key:[items...], "next_after"}. */
typedef struct lty_api_page_list_s {
    const char *key;       /* the array's name: "campaigns" */
    size_t page_size;      /* bytes of the page read_cb fills (allocated per request) */
    int64_t limit_default; /* limit when the query names none */
    int64_t limit_max;     /* the largest limit a query may ask */
    /* Read up to limit items above after into page, in a read transaction: 0 with the number
     * read in *count_out and the next cursor (0 at the end) in *next_after_out, or an error. */
    int (*read_cb)(lty_store_txn_t *txn, const void *context, uint64_t after, size_t limit,
                   void *page, size_t *count_out, uint64_t *next_after_out);
    /* Render the page's item index (below the count read_cb gave). */
    void (*item_render_cb)(lty_json_writer_t *writer, const void *page, size_t index,
                           const void *context);
} lty_api_page_list_t;
/** Read a page of list (context goes to its callbacks) and write its members key:[...] and
 *  "next_after" into the object being written; nothing is written on error. 0, LTY_E_NOMEM,
 *  or read_cb's error. */
int lty_api_page_write(lty_api_t *api, lty_json_writer_t *writer, const lty_api_page_list_t *list,
                       const void *context, uint64_t after, size_t limit);
/** A paged list's whole reply: after and limit from the query (lty_api_query_page, refused
 *  with its diag), then 200 {key:[...], "next_after"}, or the read's error. */
int lty_api_page_reply(lty_api_t *api, lty_exchange_t *exchange, const lty_api_page_list_t *list,
                       const void *context);
/** Query parameter as a string (percent-decoded) into out. */
int lty_api_query_string(const lty_exchange_t *exchange, const char *name, char *out,
                         size_t out_size, bool *present_out, lty_diag_t *diag);
/** An optional request body that, when sent, must be a JSON object with only the keys listed
 *  (NULL-terminated; may be just {NULL}). 0 with *doc_out (NULL when no body; the caller frees
 *  it), or 1 when the error reply is made (the handler then returns LTY_API_DONE). */
int lty_api_body_optional(lty_exchange_t *exchange, const char *const *keys,
                          lty_json_doc_t **doc_out);
/** The id in path parameter 0: true, or false after replying not_found (the resource's own
 *  LTY_E_*_NOT_FOUND: a malformed id names nothing). */
bool lty_api_id_param(lty_exchange_t *exchange, const lty_route_params_t *params, int not_found,
                      uint64_t *id_out);
/** The member id in path parameter 0: true, or false after replying 404 member_not_found
 *  (a malformed id names no member). */
bool lty_api_member_id_param(lty_exchange_t *exchange, const lty_route_params_t *params,
                             uint64_t *member_id_out);
/** Days since 1970-01-01 of a valid "YYYY-MM-DD" (1970..9999), else -1. */
int64_t lty_api_date_days(const char *text);
/** Parse a decimal id in [1, LTY_JSON_INT_MAX] (path parameter); LTY_E_NOT_FOUND if malformed. */
int lty_api_parse_id(const char *text, uint64_t *id_out);

/* ---- Internal to the API layer (request.c, used by dispatch.c) ------------------------- */

typedef struct lty_ops_member_new_s lty_ops_member_new_t; /* domain: ops.h */
/** Parse a member profile document (members.c; the portal's profile edit reuses it): which
 *  fields were given in *fields_out (LTY_MEMBER_FIELD_*), consents in *consent_mask_out. */
int lty__api_member_profile_parse(const lty_json_node_t *root, bool with_identity,
                                  lty_ops_member_new_t *profile, uint32_t *fields_out,
                                  uint32_t *consent_mask_out, lty_diag_t *diag);

/** Percent-decode text[0..size) into out; false if malformed, too long, or it decodes to a
 *  control character or '/'. In a query (form encoding) '+' means a space. */
bool lty__api_percent_decode(const char *text, size_t size, bool query, char *out,
                             size_t out_size);

/* ---- Security events (audit.c) --------------------------------------------------------- */

/**
 * Record a security event in the audit trail: a writer job appends one record with principal
 * "system", action "security.<event>", target principal (who caused it: "till:S002/T01",
 * "operator:bob", "cert:<serial>", "anonymous"), the client address and detail.
 *
 * Bounded so a flood cannot flood the writer: at most LTY_SECURITY_EVENTS_PER_SECOND_MAX records
 * per second per event kind; past that, events are only counted, and the first event of a later
 * second (or lty_api_security_flush()) writes one record saying how many were suppressed.
 *
 * @param[in] api          With a writer (without one, e.g. in unit tests, nothing is recorded).
 * @param[in] principal    Copied; NULL or "" reads as "anonymous". Truncated to the audit target.
 * @param[in] remote_addr  Copied; NULL or "" when unknown.
 * @param[in] detail       Copied; a sentence without secrets (no PINs, keys, card data).
 * @return 0 (submitted), LTY_E_TOO_MANY_REQUESTS (counted, not recorded one by one),
 *         LTY_E_UNAVAILABLE (no writer, or its queue is full: counted as suppressed).
 * @note Thread-safe; call from any loop thread (network or API layer). Never blocks.
 */
int lty_api_security_event(lty_api_t *api, lty_security_event_t event, const char *principal,
                           const char *remote_addr, const char *detail);
/**
 * The network layer's security events onto the audit trail: register as lty_server_options_t's
 * event_cb with the api as userdata. handshake_failed -> cert_refused, certificate_revoked ->
 * revocation, connection_refused, connection_evicted and request_throttled -> throttled; the
 * network's own name and detail go into the record's detail. Thread-safe, never blocks.
 */
void lty_api_net_event_cb(void *userdata, const lty_net_event_t *event);
/** Write the pending "N suppressed" records now (at shutdown, before the writer stops). */
void lty_api_security_flush(lty_api_t *api);
/** "cert_refused", "throttled", ...: the name of an event kind. */
const char *lty_api_security_event_name(lty_security_event_t event);

/* ---- Coupons and gifts (coupons.c, shared with gifts.c and sales.c) ----------------------- */

typedef struct lty_ops_minted_s lty_ops_minted_t; /* domain: ops_coupons.h */
/** An optional UTC time member "YYYY-MM-DDTHH:MM:SSZ" (null: present, 0). */
int lty__api_time_parse(const lty_json_node_t *object, const char *key, bool *present_out,
                        int64_t *time_ms_out, lty_diag_t *diag);
/** Mint count codes of a campaign with the programme key (loop thread: ~1 ms each). 0,
 *  LTY_E_UNAVAILABLE (no key, no randomness). */
int lty__api_codes_mint(lty_api_t *api, uint64_t campaign_id, uint32_t expiry_day, size_t count,
                        lty_ops_minted_t *minted);
/** "expires_at": the end of a code's expiry day, or null. */
void lty__api_expiry_render(lty_json_writer_t *writer, uint32_t expiry_day);

/* ---- Mutations (loop thread submits, writer thread applies) ---------------------------- */

/**
 * Hand a decoded command to the writer. command is owned by the exchange from here on and
 * freed with command_free after the response is sent. apply_cb runs on the writer thread
 * inside a child transaction: it reads the command with lty_api_job_command(job), performs the
 * domain operation, and renders the response with lty_api_job_reply/lty_api_job_refuse.
 * @return LTY_API_PENDING, or LTY_API_DONE if the writer refused the job (reply made).
 */
int lty_api_submit(lty_api_t *api, lty_exchange_t *exchange, lty_job_apply_cb apply_cb,
                   void *command, void (*command_free)(void *command));
/** Parses a request body into a command (zeroed, of the size given); context is the handler's
 *  (path parameters, the exchange). @return 0, or an error code with diag set. */
typedef int (*lty_api_body_parse_cb)(const lty_json_node_t *root, void *command,
                                     const void *context, lty_diag_t *diag);
/** The usual mutation: parse the JSON body with parse into a new command of command_size bytes
 *  and submit apply_cb with it (freed after the job); a refused body is answered here.
 *  @return as lty_api_submit(), or LTY_API_DONE after an error reply. */
int lty_api_body_submit(lty_api_t *api, lty_exchange_t *exchange, size_t command_size,
                        lty_api_body_parse_cb parse, const void *context,
                        lty_job_apply_cb apply_cb);
/** A mutation without a body (an empty JSON object is accepted): apply_cb with no command. */
int lty_api_bodiless_submit(lty_api_t *api, lty_exchange_t *exchange, lty_job_apply_cb apply_cb);
/** The command passed to lty_api_submit(). */
void *lty_api_job_command(const lty_job_t *job);
/** The api of a job, and the actor of its request. */
lty_api_t *lty_api_job_api(const lty_job_t *job);
const lty_actor_t *lty_api_job_actor(const lty_job_t *job);
/** The settings (programme and earning rules) in force in the job's transaction; on failure the
 *  job's response is the refusal and the error is returned (apply_cb returns it). */
int lty_api_job_settings(lty_job_t *job, lty_store_txn_t *txn,
                         const lty_settings_t **settings_out);
/** Set the job's status (body already written into job->body). Returns 0. */
int lty_api_job_reply(lty_job_t *job, int status);
/** Render err (and diag) as the job's response and return err, so apply_cb can
 *  `return lty_api_job_refuse(job, LTY_E_INSUFFICIENT_POINTS, &diag);`. */
int lty_api_job_refuse(lty_job_t *job, int err, const lty_diag_t *diag);

#endif
