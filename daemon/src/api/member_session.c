/* SPDX-License-Identifier: MIT */
/* Member portal sessions (docs/portal.md): login, logout and PIN change, the session cookie and
 * its CSRF token, and the login throttle per client address.
 *
 * Login is the one place where a member proves who they are, so it is built to leak nothing:
 * - the PIN is checked with argon2id on this loop thread (never the writer's); an unknown card
 *   or phone, a card that cannot log in, and a member without a PIN hash a dummy PIN instead,
 *   so every wrong login costs the same argon2 run;
 * - every wrong login then writes one throttle record through the writer (the member's, or the
 *   unknown identifier's), so it also costs the same commit, and answers the same 401;
 * - the member (or identifier) locks after portal_login_failures_max wrong logins in a row and
 *   the client address after portal_address_failures_max within portal_login_lock_ms: 429 with
 *   Retry-After and the time to try again.
 * The cookie holds 32 random bytes in hex; the store keeps only their SHA-256 (a copy of the
 * ledger opens no session). The CSRF token is derived from the cookie's token (SHA-256 of
 * "csrf:" and the token), so it needs no storage and only the session's holder can know it.
 *
 * Not here: what sessions are stored and when they end (domain/ops_session.c), the checks that
 * every MEMBER route shares (dispatch.c). */
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "lty/lty_log.h"
#include "lty/lty_tls.h"
#include "ops.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SESSION_COOKIE "__Host-lty_session"
#define CSRF_PREFIX "csrf:"
#define SECURITY_EVENT_FAILED "member_login_failed"

/* ---- Per-address throttle (memory: addresses are not worth a write) ----------------------- */

typedef struct address_slot_s {
    char address[48];
    uint32_t failures;           /* within the window */
    int64_t window_start_ms;
    int64_t locked_until_ms;
} address_slot_t;

struct lty_api_throttle_s {
    pthread_mutex_t mutex;
    address_slot_t slots[LTY_ADDRESS_THROTTLE_SLOTS];
};

int lty_api_portal_init(lty_api_t *api)
{
    LTY_ASSERT(api != NULL);
    LTY_ASSERT(api->address_throttle == NULL);
    api->address_throttle = lty_calloc(1, sizeof(*api->address_throttle));
    if (api->address_throttle == NULL) return LTY_E_NOMEM;
    pthread_mutex_init(&api->address_throttle->mutex, NULL);
    return 0;
}

void lty_api_portal_deinit(lty_api_t *api)
{
    if (api == NULL || api->address_throttle == NULL) return;
    pthread_mutex_destroy(&api->address_throttle->mutex);
    lty_free(api->address_throttle);
    api->address_throttle = NULL;
}

/* The address's slot, or the stalest one taken over (under the mutex). */
static address_slot_t *address_slot(lty_api_throttle_t *throttle, const char *address)
{
    address_slot_t *stalest = &throttle->slots[0];
    for (size_t index = 0; index < LTY_ADDRESS_THROTTLE_SLOTS; index++) {
        address_slot_t *slot = &throttle->slots[index];
        if (strcmp(slot->address, address) == 0) return slot;
        int64_t slot_last = slot->window_start_ms > slot->locked_until_ms ? slot->window_start_ms
                                                                         : slot->locked_until_ms;
        int64_t stalest_last = stalest->window_start_ms > stalest->locked_until_ms
                                   ? stalest->window_start_ms
                                   : stalest->locked_until_ms;
        if (slot_last < stalest_last) stalest = slot;
    }
    memset(stalest, 0, sizeof(*stalest));
    snprintf(stalest->address, sizeof(stalest->address), "%s", address);
    return stalest;
}

/* 0, or the time until which the address is locked. */
static int64_t address_locked_until(lty_api_t *api, const char *address, int64_t now_ms)
{
    lty_api_throttle_t *throttle = api->address_throttle;
    LTY_ASSERT(throttle != NULL);
    pthread_mutex_lock(&throttle->mutex);
    address_slot_t *slot = address_slot(throttle, address);
    int64_t until = slot->locked_until_ms > now_ms ? slot->locked_until_ms : 0;
    pthread_mutex_unlock(&throttle->mutex);
    return until;
}

static void address_failure(lty_api_t *api, const char *address, int64_t now_ms)
{
    lty_api_throttle_t *throttle = api->address_throttle;
    pthread_mutex_lock(&throttle->mutex);
    address_slot_t *slot = address_slot(throttle, address);
    if (slot->window_start_ms + api->portal.login_lock_ms <= now_ms) {
        slot->window_start_ms = now_ms; /* a new window */
        slot->failures = 0;
    }
    slot->failures++;
    if (slot->failures >= api->portal.address_failures_max) {
        slot->locked_until_ms = now_ms + api->portal.login_lock_ms;
        slot->failures = 0;
        slot->window_start_ms = now_ms;
    }
    pthread_mutex_unlock(&throttle->mutex);
}

/* 429 with Retry-After and a sentence saying when to try again (UTC). */
static int reply_locked(lty_exchange_t *exchange, int64_t until_ms, int64_t now_ms)
{
    int64_t seconds = (until_ms - now_ms + 999) / 1000;
    char value[24];
    snprintf(value, sizeof(value), "%" PRId64, seconds);
    lty_response_header_add(&exchange->response, "Retry-After", value);
    time_t until = (time_t)(until_ms / 1000);
    struct tm parts;
    gmtime_r(&until, &parts);
    lty_diag_t diag;
    lty_diag_set(&diag, LTY_E_TOO_MANY_REQUESTS, "",
                 "too many failed logins: try again in %" PRId64 " minutes, after %02d:%02d UTC",
                 (seconds + 59) / 60, parts.tm_hour, parts.tm_min);
    return lty_api_reply_error(exchange, LTY_E_TOO_MANY_REQUESTS, &diag);
}

/* ---- Tokens, cookie, CSRF ----------------------------------------------------------------- */

static void hex_encode(const uint8_t *bytes, size_t size, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t index = 0; index < size; index++) {
        out[2 * index] = digits[bytes[index] >> 4];
        out[2 * index + 1] = digits[bytes[index] & 15];
    }
    out[2 * size] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The session token of the Cookie header, if it holds a well-formed one. */
static bool cookie_token(const char *cookie, uint8_t token_out[LTY_SESSION_TOKEN_BYTES])
{
    static const char name[] = SESSION_COOKIE "=";
    const char *at = cookie;
    while ((at = strstr(at, name)) != NULL) {
        if (at == cookie || at[-1] == ' ' || at[-1] == ';') break;
        at += 1;
    }
    if (at == NULL) return false;
    const char *value = at + sizeof(name) - 1;
    for (size_t index = 0; index < LTY_SESSION_TOKEN_BYTES; index++) {
        int high = hex_digit(value[2 * index]);
        int low = high < 0 ? -1 : hex_digit(value[2 * index + 1]);
        if (low < 0) return false;
        token_out[index] = (uint8_t)(high << 4 | low);
    }
    char after = value[2 * LTY_SESSION_TOKEN_BYTES];
    return after == '\0' || after == ';' || after == ' ';
}

bool lty__api_session_token(const lty_exchange_t *exchange, uint8_t token_out[32])
{
    LTY_ASSERT(exchange != NULL && token_out != NULL);
    return cookie_token(exchange->request.cookie, token_out);
}

void lty__api_csrf_token(const uint8_t token[32], char *out)
{
    LTY_ASSERT(token != NULL && out != NULL);
    uint8_t input[sizeof(CSRF_PREFIX) - 1 + LTY_SESSION_TOKEN_BYTES];
    memcpy(input, CSRF_PREFIX, sizeof(CSRF_PREFIX) - 1);
    memcpy(input + sizeof(CSRF_PREFIX) - 1, token, LTY_SESSION_TOKEN_BYTES);
    uint8_t digest[32];
    lty_crypto_sha256(input, sizeof(input), digest);
    hex_encode(digest, sizeof(digest), out);
}

bool lty__api_csrf_ok(const lty_request_t *request, const uint8_t token[32])
{
    LTY_ASSERT(request != NULL && token != NULL);
    char expected[65];
    lty__api_csrf_token(token, expected);
    if (strlen(request->csrf_token) != 64) return false;
    uint8_t diff = 0; /* constant time */
    for (size_t index = 0; index < 64; index++) diff |= (uint8_t)(expected[index] ^ request->csrf_token[index]);
    return diff == 0;
}

/* ---- Session resolution (every MEMBER route) ---------------------------------------------- */

typedef struct touch_job_s {
    lty_job_t job;
    lty_buf_t body;
    uint8_t hash[32];
} touch_job_t;

static int touch_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    touch_job_t *touch = job->userdata;
    job->status = 200;
    return lty_ops_session_touch(txn, touch->hash, job->now_ms);
}

static void touch_done(lty_job_t *job)
{
    touch_job_t *touch = job->userdata;
    lty_buf_deinit(&touch->body);
    lty_free(touch);
}

/* Idle expiry counts from last_seen_ms, which moves only every so often (a write per read would
 * queue portal reads behind the writer): a job that nobody waits for moves it. */
static void session_touch_submit(lty_api_t *api, const uint8_t hash[32], int64_t now_ms)
{
    touch_job_t *touch = lty_calloc(1, sizeof(*touch));
    if (touch == NULL) return; /* the session merely expires a little sooner */
    lty_buf_init(&touch->body, 64);
    memcpy(touch->hash, hash, sizeof(touch->hash));
    touch->job.apply_cb = touch_apply;
    touch->job.done_cb = touch_done;
    touch->job.userdata = touch;
    touch->job.body = &touch->body;
    touch->job.now_ms = now_ms;
    snprintf(touch->job.principal, sizeof(touch->job.principal), "system:portal");
    if (lty_writer_submit(api->writer, &touch->job) != 0) touch_done(&touch->job);
}

int lty__api_session_resolve(lty_api_t *api, lty_exchange_t *exchange, lty_session_t *session_out,
                             uint8_t hash_out[32], uint8_t token_out[32], lty_actor_t *actor)
{
    LTY_ASSERT(api != NULL && exchange != NULL && session_out != NULL);
    LTY_ASSERT(hash_out != NULL && token_out != NULL && actor != NULL);
    if (!cookie_token(exchange->request.cookie, token_out)) return LTY_E_UNAUTHENTICATED;
    lty_crypto_sha256(token_out, LTY_SESSION_TOKEN_BYTES, hash_out);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_session_get(txn, hash_out, session_out);
    lty_store_txn_abort(txn);
    if (err == LTY_E_NOT_FOUND) return LTY_E_SESSION_EXPIRED;
    if (err != 0) return err;
    int64_t now_ms = lty_clock_now_ms();
    if (now_ms >= session_out->expires_ms ||
        now_ms - session_out->last_seen_ms >= api->portal.session_idle_ms) {
        return LTY_E_SESSION_EXPIRED;
    }
    int64_t touch_every_ms = api->portal.session_idle_ms / 8;
    if (touch_every_ms > 60000) touch_every_ms = 60000;
    if (now_ms - session_out->last_seen_ms >= touch_every_ms) {
        session_touch_submit(api, hash_out, now_ms);
    }
    memset(actor, 0, sizeof(*actor));
    actor->role = LTY_ROLE_MEMBER;
    actor->member_id = session_out->member_id;
    snprintf(actor->principal, sizeof(actor->principal), "member:%" PRIu64,
             session_out->member_id);
    return 0;
}

/* ---- POST /v1/member/login ---------------------------------------------------------------- */

typedef struct login_s {
    bool known;                  /* the identifier names a member who may log in */
    bool matched;                /* argon2 said the PIN is right */
    uint64_t member_id;
    uint32_t pin_version;
    lty_key_t throttle_key;      /* the member's, or the unknown identifier's */
    char card_no[LTY_CARD_NO_SIZE];
    uint8_t token[LTY_SESSION_TOKEN_BYTES];
    uint8_t hash[32];
    char address[48];
} login_t;

static void login_free(void *command)
{
    login_t *login = command;
    memset(login, 0, sizeof(*login)); /* the token is a secret */
    lty_free(login);
}

/* Who a failed login names on the audit trail: the member when the card or phone was known. */
static void login_principal(const login_t *login, char *out, size_t out_size)
{
    if (login->known) snprintf(out, out_size, "member:%" PRIu64, login->member_id);
    else snprintf(out, out_size, "anonymous");
}

/* A failed login is a security event: logged here (never the card number, phone or PIN tried).
 * A refused login that reaches the writer is put on the audit trail by login_apply, in the
 * transaction that counts it; one refused before (a login already locked) goes through the
 * bounded lty_api_security_event (audit.c). */
static void login_security_event(lty_api_t *api, const login_t *login, const char *reason,
                                 bool to_audit)
{
    if (login->known) {
        LTY_LOG(LTY_LOG_WARN, "event=%s member=%" PRIu64 " address=%s reason=%s",
                SECURITY_EVENT_FAILED, login->member_id, login->address, reason);
    } else {
        LTY_LOG(LTY_LOG_WARN, "event=%s member=unknown address=%s reason=%s",
                SECURITY_EVENT_FAILED, login->address, reason);
    }
    if (!to_audit) return;
    char principal[32];
    login_principal(login, principal, sizeof(principal));
    char detail[64];
    snprintf(detail, sizeof(detail), "portal login refused: %s", reason);
    (void)lty_api_security_event(api, LTY_SECURITY_LOGIN_FAILED, principal, login->address,
                                 detail);
}

/* Writer thread: the failed login on the audit trail, in the transaction that counts it (no
 * commit of its own: a guessing spree costs the writer nothing more than it did). */
static int login_failure_audit(lty_store_txn_t *txn, const login_t *login, int64_t now_ms)
{
    lty_actor_t system;
    memset(&system, 0, sizeof(system));
    snprintf(system.principal, sizeof(system.principal), "system");
    snprintf(system.remote_addr, sizeof(system.remote_addr), "%s", login->address);
    char principal[32];
    login_principal(login, principal, sizeof(principal));
    return lty_ops_audit_event(txn, &system, now_ms, "security.login_failed", principal,
                               login->known ? "portal login refused: wrong_pin"
                                            : "portal login refused: unknown_or_unusable");
}

/* Writer thread: sweep a little, re-check the lock and the PIN's version, then open the session
 * or count the failure (a refusal that writes: the count is committed, the answer is 401). */
static int login_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const login_t *login = lty_api_job_command(job);
    const lty_api_t *api = lty_api_job_api(job);
    size_t swept = 0;
    int err = lty_ops_portal_sweep(txn, job->now_ms, LTY_PORTAL_SWEEP_PER_LOGIN, &swept);
    lty_login_throttle_t throttle;
    if (err == 0) {
        err = lty_ops_login_throttle_get(txn, lty_key_bytes(&login->throttle_key), job->now_ms,
                                         api->portal.login_lock_ms, &throttle);
    }
    if (err != 0) return err;
    if (throttle.locked_until_ms > job->now_ms) {
        return lty_api_job_refuse(job, LTY_E_TOO_MANY_REQUESTS, NULL);
    }
    bool right = login->known && login->matched;
    lty_pin_t pin;
    if (right) {
        err = lty_ops_pin_get(txn, login->member_id, &pin);
        if (err == LTY_E_NOT_FOUND || (err == 0 && pin.version != login->pin_version)) {
            right = false; /* changed since the loop thread checked it: not counted */
            return lty_api_job_refuse(job, LTY_E_LOGIN_FAILED, NULL);
        }
        if (err != 0) return err;
    }
    if (!right) {
        err = lty_ops_login_failure(txn, lty_key_bytes(&login->throttle_key), job->now_ms,
                                    api->portal.login_failures_max, api->portal.login_lock_ms,
                                    &throttle);
        if (err == 0) err = login_failure_audit(txn, login, job->now_ms);
        if (err != 0) return err;
        (void)lty_api_job_refuse(job, LTY_E_LOGIN_FAILED, NULL);
        return 0; /* keep the count */
    }
    lty_session_t session = {.member_id = login->member_id, .created_ms = job->now_ms,
                             .last_seen_ms = job->now_ms,
                             .expires_ms = job->now_ms + api->portal.session_absolute_ms};
    snprintf(session.card_no, sizeof(session.card_no), "%s", login->card_no);
    err = lty_ops_login_success(txn, login->member_id, api->portal.login_lock_ms);
    if (err == 0) err = lty_ops_session_open(txn, login->hash, &session);
    if (err != 0) return err;
    char csrf[65];
    lty__api_csrf_token(login->token, csrf);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "member_id", (int64_t)login->member_id);
    lty_jw_kv_string(&writer, "csrf_token", csrf);
    lty_jw_kv_int(&writer, "expires_ms", session.expires_ms);
    lty_jw_kv_int(&writer, "idle_timeout_ms", api->portal.session_idle_ms);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

static int login_parse(const lty_json_node_t *root, char *card_no, char *phone, char *pin,
                       lty_diag_t *diag)
{
    static const char *const keys[] = {"card_no", "phone", "pin", NULL};
    bool card_given = false, phone_given = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "card_no", false, 1, LTY_CARD_NO_DIGITS_MAX, card_no,
                                  LTY_CARD_NO_SIZE, &card_given, diag);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "phone", false, 1, LTY_PHONE_BYTES_MAX, phone,
                                  LTY_PHONE_BYTES_MAX + 1, &phone_given, diag);
    }
    if (err == 0 && card_given == phone_given) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/card_no", "send card_no or phone");
    }
    if (err == 0 && card_given && lty_card_no_check(card_no, strlen(card_no)) != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no",
                           "a card number is 12 to 19 digits with a check digit");
    }
    if (err == 0 && phone_given && !lty_ops_phone_valid(phone)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/phone", "a phone is + and 8 to 15 digits");
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "pin", true, 1, LTY_PIN_DIGITS_MAX, pin,
                                  LTY_PIN_DIGITS_MAX + 1, NULL, diag);
    }
    if (err == 0 && !lty_ops_pin_syntax_ok(pin)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/pin", "a PIN is %d to %d digits",
                           LTY_PIN_DIGITS_MIN, LTY_PIN_DIGITS_MAX);
    }
    return err;
}

/* Who the identifier names, if they may log in: an active member through a usable card or
 * their phone. Anyone else is "unknown", keyed by a peppered hash of what was typed. */
static int login_identify(lty_store_txn_t *txn, const lty_api_t *api, const char *card_no,
                          const char *phone, int64_t now_ms, login_t *login)
{
    uint64_t member_id = 0;
    if (card_no[0] != '\0') {
        lty_card_t card;
        int err = lty__ops_card_load(txn, card_no, &card);
        if (err != 0 && err != LTY_E_CARD_NOT_FOUND) return err;
        if (err == 0 && lty_ops_card_usable(card.status, card.expires_ms, now_ms) == 0) {
            member_id = card.member_id;
            snprintf(login->card_no, sizeof(login->card_no), "%s", card_no);
        }
    } else {
        lty_ops_member_page_t *page = lty_alloc(sizeof(*page));
        if (page == NULL) return LTY_E_NOMEM;
        int err = lty_ops_member_search(txn, LTY_OPS_SEARCH_PHONE, phone, 0, 1, page);
        if (err == 0 && page->members_count == 1) member_id = page->members[0].member_id;
        lty_free(page);
        if (err != 0) return err;
    }
    lty_member_t member;
    if (member_id != 0 && lty__ops_member_load(txn, member_id, &member) == 0 &&
        member.status == LTY_MEMBER_ACTIVE) {
        login->known = true;
        login->member_id = member_id;
        lty_key_throttle_member(&login->throttle_key, member_id);
        return 0;
    }
    login->card_no[0] = '\0';
    uint8_t input[LTY_PIN_PEPPER_BYTES + 1 + LTY_PHONE_BYTES_MAX + LTY_CARD_NO_SIZE];
    memcpy(input, api->pin_pepper, LTY_PIN_PEPPER_BYTES);
    int size = snprintf((char *)input + LTY_PIN_PEPPER_BYTES,
                        sizeof(input) - LTY_PIN_PEPPER_BYTES, "%c%s",
                        card_no[0] != '\0' ? 'c' : 'p', card_no[0] != '\0' ? card_no : phone);
    uint8_t digest[32];
    lty_crypto_sha256(input, LTY_PIN_PEPPER_BYTES + (size_t)size, digest);
    lty_key_throttle_unknown(&login->throttle_key, digest);
    return 0;
}

/* Loop thread: who, locked or not, and the argon2 check (a dummy one for nobody). */
static int login_check(lty_api_t *api, const char *card_no, const char *phone, const char *pin,
                       int64_t now_ms, login_t *login, int64_t *locked_until_out)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = login_identify(txn, api, card_no, phone, now_ms, login);
    lty_login_throttle_t throttle;
    if (err == 0) {
        err = lty_ops_login_throttle_get(txn, lty_key_bytes(&login->throttle_key), now_ms,
                                         api->portal.login_lock_ms, &throttle);
    }
    lty_pin_t record;
    memset(&record, 0, sizeof(record));
    int found = LTY_E_NOT_FOUND;
    if (err == 0 && login->known) found = lty_ops_pin_get(txn, login->member_id, &record);
    lty_store_txn_abort(txn);
    if (err == 0 && found != 0 && found != LTY_E_NOT_FOUND) err = found;
    if (err != 0) return err;
    *locked_until_out = throttle.locked_until_ms > now_ms ? throttle.locked_until_ms : 0;
    if (*locked_until_out != 0) return 0;
    if (found != 0 || record.set != 1) {
        /* Nobody, or no PIN: the same argon2 work on a dummy record, so it takes as long. */
        memset(&record, 0, sizeof(record));
        record.member_id = 1;
        record.set = 1;
        record.version = 1;
        record.t_cost = 2;
        record.m_cost_kib = 19456;
        (void)lty_ops_pin_matches(api->pin_pepper, pin, &record);
        login->matched = false;
        return 0;
    }
    login->pin_version = record.version;
    login->matched = lty_ops_pin_matches(api->pin_pepper, pin, &record);
    return 0;
}

/* Set-Cookie of a new session: __Host- (Secure, Path=/, no Domain), HttpOnly, SameSite=Strict,
 * expiring with the session's absolute expiry. */
static void login_cookie(lty_exchange_t *exchange, const lty_api_t *api, const uint8_t *token)
{
    char hex[2 * LTY_SESSION_TOKEN_BYTES + 1];
    hex_encode(token, LTY_SESSION_TOKEN_BYTES, hex);
    char value[256];
    snprintf(value, sizeof(value),
             SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%" PRId64, hex,
             api->portal.session_absolute_ms / 1000);
    lty_api_success_header_set(exchange, "Set-Cookie", value);
    memset(hex, 0, sizeof(hex));
}

int lty_api_member_login(lty_api_t *api, lty_exchange_t *exchange,
                         const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    int64_t now_ms = lty_clock_now_ms();
    int64_t locked_until = address_locked_until(api, exchange->request.remote_addr, now_ms);
    if (locked_until != 0) return reply_locked(exchange, locked_until, now_ms);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    char card_no[LTY_CARD_NO_SIZE] = "", phone[LTY_PHONE_BYTES_MAX + 1] = "";
    char pin[LTY_PIN_DIGITS_MAX + 1] = "";
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = login_parse(lty_json_doc_root(doc), card_no, phone, pin, &diag);
    lty_json_doc_free(doc);
    login_t *login = err == 0 ? lty_calloc(1, sizeof(*login)) : NULL;
    if (err == 0 && login == NULL) err = LTY_E_NOMEM;
    if (err == 0) {
        snprintf(login->address, sizeof(login->address), "%s", exchange->request.remote_addr);
        err = login_check(api, card_no, phone, pin, now_ms, login, &locked_until);
    }
    memset(pin, 0, sizeof(pin));
    if (err == 0 && locked_until != 0) {
        login_security_event(api, login, "locked", true);
        login_free(login);
        return reply_locked(exchange, locked_until, now_ms);
    }
    if (err == 0 && lty_crypto_random(login->token, sizeof(login->token)) != 0) err = LTY_E_TLS;
    if (err != 0) {
        if (login != NULL) login_free(login);
        return lty_api_reply_error(exchange, err, &diag);
    }
    if (!(login->known && login->matched)) {
        address_failure(api, login->address, now_ms);
        login_security_event(api, login, login->known ? "wrong_pin" : "unknown_or_unusable",
                             false);
    }
    lty_crypto_sha256(login->token, sizeof(login->token), login->hash);
    login_cookie(exchange, api, login->token);
    return lty_api_submit(api, exchange, login_apply, login, login_free);
}

/* ---- POST /v1/member/logout --------------------------------------------------------------- */

static int logout_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const uint8_t *hash = NULL;
    (void)lty_api_job_session(job, &hash);
    int err = lty_ops_session_close(txn, hash);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_bool(&writer, "logged_out", true);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_member_logout(lty_api_t *api, lty_exchange_t *exchange,
                          const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    static const char *const keys[] = {NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_optional(exchange, keys, &doc) != 0) return LTY_API_DONE;
    lty_json_doc_free(doc);
    lty_api_success_header_set(exchange, "Set-Cookie",
                               SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; "
                                              "Max-Age=0");
    return lty_api_submit(api, exchange, logout_apply, NULL, NULL);
}

/* ---- POST /v1/member/pin ------------------------------------------------------------------ */

typedef struct pin_change_s {
    bool matched;                /* the current PIN was right */
    uint32_t pin_version;
    lty_pin_t hashed;            /* the new PIN's salt and hash */
} pin_change_t;

static int pin_change_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const pin_change_t *change = lty_api_job_command(job);
    const lty_api_t *api = lty_api_job_api(job);
    const uint8_t *hash = NULL;
    const lty_session_t *session = lty_api_job_session(job, &hash);
    lty_pin_t pin;
    int err = lty_ops_pin_get(txn, session->member_id, &pin);
    if (err == LTY_E_NOT_FOUND || (err == 0 && pin.version != change->pin_version)) {
        return lty_api_job_refuse(job, LTY_E_PIN_INCORRECT, NULL);
    }
    lty_key_t key;
    lty_key_throttle_member(&key, session->member_id);
    lty_login_throttle_t throttle;
    if (err == 0) {
        err = lty_ops_login_throttle_get(txn, lty_key_bytes(&key), job->now_ms,
                                         api->portal.login_lock_ms, &throttle);
    }
    if (err != 0) return err;
    if (throttle.locked_until_ms > job->now_ms) {
        return lty_api_job_refuse(job, LTY_E_TOO_MANY_REQUESTS, NULL);
    }
    if (!change->matched) { /* a wrong current PIN counts like a wrong login, and is kept */
        err = lty_ops_login_failure(txn, lty_key_bytes(&key), job->now_ms,
                                    api->portal.login_failures_max, api->portal.login_lock_ms,
                                    &throttle);
        if (err != 0) return err;
        (void)lty_api_job_refuse(job, LTY_E_PIN_INCORRECT, NULL);
        return 0;
    }
    pin.version++;
    memcpy(pin.salt, change->hashed.salt, sizeof(pin.salt));
    memcpy(pin.hash, change->hashed.hash, sizeof(pin.hash));
    pin.t_cost = change->hashed.t_cost;
    pin.m_cost_kib = change->hashed.m_cost_kib;
    pin.failures = 0;
    pin.locked_until_ms = 0;
    pin.updated_ms = job->now_ms;
    err = lty__ops_pin_put(txn, &pin);
    /* The member's other sessions end: whoever knew the old PIN is logged out. */
    if (err == 0) err = lty_ops_sessions_end(txn, session->member_id, NULL, hash);
    if (err != 0) return err;
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_bool(&writer, "pin_changed", true);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

static int pin_change_parse(const lty_json_node_t *root, char *pin, char *pin_new,
                            lty_diag_t *diag)
{
    static const char *const keys[] = {"pin", "pin_new", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    const char *names[2] = {"pin", "pin_new"};
    char *values[2] = {pin, pin_new};
    for (int index = 0; err == 0 && index < 2; index++) {
        err = lty_json_get_string(root, "", names[index], true, 1, LTY_PIN_DIGITS_MAX,
                                  values[index], LTY_PIN_DIGITS_MAX + 1, NULL, diag);
        if (err == 0 && !lty_ops_pin_syntax_ok(values[index])) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, index == 0 ? "/pin" : "/pin_new",
                               "a PIN is %d to %d digits", LTY_PIN_DIGITS_MIN,
                               LTY_PIN_DIGITS_MAX);
        }
    }
    return err;
}

int lty_api_member_pin_change(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    const uint8_t *hash = NULL;
    const lty_session_t *session = lty_api_session(exchange, &hash);
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    char pin[LTY_PIN_DIGITS_MAX + 1] = "", pin_new[LTY_PIN_DIGITS_MAX + 1] = "";
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = pin_change_parse(lty_json_doc_root(doc), pin, pin_new, &diag);
    lty_json_doc_free(doc);
    pin_change_t *change = err == 0 ? lty_calloc(1, sizeof(*change)) : NULL;
    if (err == 0 && change == NULL) err = LTY_E_NOMEM;
    lty_pin_t record;
    if (err == 0) {
        lty_store_txn_t *txn = NULL;
        err = lty_store_read_begin(api->store, &txn);
        if (err == 0) err = lty_ops_pin_get(txn, session->member_id, &record);
        lty_store_txn_abort(txn);
        if (err == LTY_E_NOT_FOUND) err = LTY_E_PIN_INCORRECT; /* a session implies a PIN */
    }
    if (err == 0) { /* both argon2 runs here, on the loop thread */
        change->pin_version = record.version;
        change->matched = lty_ops_pin_matches(api->pin_pepper, pin, &record);
        change->hashed.member_id = session->member_id;
        err = lty_ops_pin_hash(api->pin_pepper, pin_new, &change->hashed);
    }
    memset(pin, 0, sizeof(pin));
    memset(pin_new, 0, sizeof(pin_new));
    if (err != 0) {
        lty_free(change);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, pin_change_apply, change, lty_free);
}
