/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_request.c: the whole request path without the network. Bytes go through the
 * HTTP framing (http.c) as one connection's plaintext; each complete request is dispatched by
 * lty_api_handle (route, realm, limits, decoding, domain operation) against a real LMDB store,
 * opened once per process in a temporary directory (tmpfs when there is one) and seeded like
 * `loyaltyctl init --demo`; mutations run on a real writer thread and the harness waits for
 * their completion (this file sets the exchange's complete_cb, which conn.c sets in the
 * daemon; server.c and conn.c are not linked).
 *
 * The first byte picks the peer: the demo till S001/T01, the till S002/T01, the demo operator,
 * or no certificate. Invariants, per response:
 * - the status is 2xx or 4xx; a 5xx only as 507 storage_full (the map is bounded);
 * - an error response is the standard error document of a listed code matching its status;
 *   a 2xx JSON body parses; bodies and extra headers stay within their limits;
 * - a write carrying an Idempotency-Key, sent again, gets the same status and bytes;
 * and every FUZZ_VERIFY_EVERY requests the ledger verifier finds the store sound (postings
 * balance, balances equal the journal, indexes agree): no input, however hostile, leaves money
 * or points half-written. */
#include "api.h"
#include "fuzz_support.h"
#include "http.h"
#include "lty/lty_buf.h"
#include "lty/lty_clock.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"
#include "ops.h"
#include "programme.h"
#include "store.h"
#include "verify.h"
#include "writer.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REQUESTS_PER_INPUT 4
#define FUZZ_VERIFY_EVERY 256
#define FUZZ_MAP_BYTES (INT64_C(16) << 20)
#define FUZZ_MAP_BYTES_MAX (INT64_C(1) << 30)

typedef struct fuzz_state_s {
    char dir[64];
    lty_store_t *store;
    lty_writer_t *writer;
    lty_programme_t programme;
    lty_api_t api;
    lty_http_t *http;
    uint64_t requests;
    pthread_mutex_t mutex;
    pthread_cond_t completed_cond;
    bool completed;
    bool trace; /* LTY_FUZZ_TRACE=1: print each request's answer (to check seeds reach far) */
} fuzz_state_t;

static fuzz_state_t fuzz;

/* ---- What the network layer provides in the daemon ------------------------------------------ */

/* The writer thread completes a mutation; the harness thread waits for it in exchange_run. This
 * is the exchange's complete_cb, as conn.c sets one in the daemon. */
static void fuzz_exchange_complete(lty_exchange_t *exchange)
{
    LTY_ASSERT(exchange != NULL);
    pthread_mutex_lock(&fuzz.mutex);
    LTY_ASSERT(!fuzz.completed); /* exactly once per PENDING */
    fuzz.completed = true;
    pthread_cond_signal(&fuzz.completed_cond);
    pthread_mutex_unlock(&fuzz.mutex);
}

/* ---- Set-up, once per process -------------------------------------------------------------- */

static void store_seed(void)
{
    lty_store_txn_t *txn = NULL;
    LTY_ASSERT(lty_store_txn_begin(fuzz.store, NULL, &txn) == 0);
    lty_programme_demo(&fuzz.programme);
    LTY_ASSERT(lty_ops_setup_init(txn, &fuzz.programme) == 0);
    lty_ops_demo_t demo;
    lty_actor_t system;
    memset(&system, 0, sizeof(system));
    LTY_ASSERT(lty_ops_demo_seed(txn, &fuzz.programme, lty_clock_now_ms(), &demo) == 0);
    LTY_ASSERT(lty_ops_operator_add(txn, &system, lty_clock_now_ms(), "demo-operator") == 0);
    LTY_ASSERT(lty_store_txn_commit(txn) == 0);
}

static void fuzz_teardown(void)
{
    lty_writer_stop(fuzz.writer);
    lty_store_close(fuzz.store);
    lty_http_destroy(fuzz.http);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", fuzz.dir);
    if (system(command) != 0) fprintf(stderr, "fuzz_request: could not remove %s\n", fuzz.dir);
}

static void fuzz_setup(void)
{
    lty_log_level_max = LTY_LOG_ERR; /* quiet: refusals are the point, not news */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz.dir, sizeof(fuzz.dir), "%s/fuzz_request.XXXXXX", base);
    LTY_ASSERT(mkdtemp(fuzz.dir) != NULL);
    lty_store_options_t store_options = {
        .path = fuzz.dir,
        .map_bytes = FUZZ_MAP_BYTES,
        .map_bytes_max = FUZZ_MAP_BYTES_MAX,
        .readers_max = 126,
        .read_only = false,
        .create = true,
    };
    LTY_ASSERT(lty_store_open(&fuzz.store, &store_options) == 0);
    store_seed();
    lty_writer_options_t writer_options = {
        .batch_jobs_max = 1,
        .batch_wait_us = 0,
        .queue_jobs_max = 16,
        .idempotency_ttl_ms = INT64_C(40) * 24 * 3600 * 1000,
        .sweep_interval_ms = 3600 * 1000,
    };
    LTY_ASSERT(lty_writer_start(&fuzz.writer, fuzz.store, &writer_options) == 0);
    fuzz.api = (lty_api_t){.store = fuzz.store, .writer = fuzz.writer,
                           .programme = &fuzz.programme, .test_clock = false};
    LTY_ASSERT(lty_http_create(&fuzz.http) == 0);
    pthread_mutex_init(&fuzz.mutex, NULL);
    pthread_cond_init(&fuzz.completed_cond, NULL);
    fuzz.trace = getenv("LTY_FUZZ_TRACE") != NULL;
    atexit(fuzz_teardown);
}

/* ---- One request ----------------------------------------------------------------------------- */

static void peer_choose(uint8_t choice, lty_tls_peer_t *peer)
{
    memset(peer, 0, sizeof(*peer));
    switch (choice % 5) {
    case 0:
        peer->role = LTY_ROLE_TILL;
        snprintf(peer->store, sizeof(peer->store), "S001");
        snprintf(peer->name, sizeof(peer->name), "T01");
        break;
    case 1:
        peer->role = LTY_ROLE_TILL;
        snprintf(peer->store, sizeof(peer->store), "S002");
        snprintf(peer->name, sizeof(peer->name), "T01");
        break;
    case 2:
        peer->role = LTY_ROLE_OPERATOR;
        snprintf(peer->name, sizeof(peer->name), "demo-operator");
        snprintf(peer->title, sizeof(peer->title), "admin"); /* every admin route opens */
        break;
    case 3:
        peer->role = LTY_ROLE_OPERATOR;
        snprintf(peer->name, sizeof(peer->name), "vera");
        snprintf(peer->title, sizeof(peer->title), "viewer"); /* reads; writes are 403 */
        break;
    default:
        peer->role = LTY_ROLE_NONE;
        break;
    }
}

static void response_check(const lty_response_t *response)
{
    int status = response->status;
    LTY_ASSERT((status >= 200 && status <= 299) || (status >= 400 && status <= 499) ||
               status == 507);
    LTY_ASSERT(lty_buf_error(&response->body) == 0);
    LTY_ASSERT(response->body.size <= LTY_HTTP_RESPONSE_BYTES_MAX);
    LTY_ASSERT(response->headers_size < sizeof(response->headers));
    if (status >= 400) {
        int err = fuzz_error_document_check(response->body.data, response->body.size, status);
        if (status == 507) LTY_ASSERT(err == LTY_E_STORE_FULL);
        return;
    }
    if (response->content_type == NULL && response->body.size > 0) {
        lty_json_doc_t *doc = NULL;
        LTY_ASSERT(lty_json_parse(response->body.data, response->body.size, LTY_JSON_DEPTH_MAX,
                                  &doc, NULL) == 0);
        lty_json_doc_free(doc);
    }
}

/* Dispatch one complete request as conn.c would, waiting for a mutation's completion, into
 * exchange (its body buffer reused from the last call). */
static void exchange_run(const lty_request_t *request, const lty_tls_peer_t *peer,
                         lty_exchange_t *exchange)
{
    lty_buf_t body = exchange->response.body;
    memset(exchange, 0, sizeof(*exchange));
    exchange->response.body = body;
    lty_buf_reset(&exchange->response.body);
    exchange->request = *request;
    exchange->request.peer = *peer;
    exchange->request.request_id = ++fuzz.requests;
    snprintf(exchange->request.remote_addr, sizeof(exchange->request.remote_addr), "127.0.0.1");
    exchange->net_owner = &fuzz;
    exchange->complete_cb = fuzz_exchange_complete;

    pthread_mutex_lock(&fuzz.mutex);
    fuzz.completed = false;
    pthread_mutex_unlock(&fuzz.mutex);
    int result = lty_api_handle(&fuzz.api, exchange);
    LTY_ASSERT(result == LTY_API_DONE || result == LTY_API_PENDING);
    pthread_mutex_lock(&fuzz.mutex);
    while (result == LTY_API_PENDING && !fuzz.completed) {
        pthread_cond_wait(&fuzz.completed_cond, &fuzz.mutex);
    }
    LTY_ASSERT(result == LTY_API_PENDING || !fuzz.completed);
    pthread_mutex_unlock(&fuzz.mutex);
    if (fuzz.trace) {
        fprintf(stderr, "fuzz_request: %d %s %.*s\n", exchange->response.status, request->path,
                (int)(exchange->response.body.size < 160 ? exchange->response.body.size : 160),
                exchange->response.body.data != NULL ? exchange->response.body.data : "");
    }
    response_check(&exchange->response);
    lty_api_exchange_release(&fuzz.api, exchange);
    LTY_ASSERT(exchange->api_state == NULL);
}

/* Run the request; a write carrying an Idempotency-Key is then sent again, as a till retrying
 * after a lost answer would, and must get the same status and the same bytes (a replay, or the
 * same refusal): nothing is applied twice. 5xx answers are retryable by design and skipped. */
static void request_run(const lty_request_t *request, const lty_tls_peer_t *peer)
{
    static lty_exchange_t first; /* static: bodies are reused, exchanges are large */
    static lty_exchange_t again;
    static bool buffers_ready = false;
    if (!buffers_ready) {
        lty_buf_init(&first.response.body, 0);
        lty_buf_init(&again.response.body, 0);
        buffers_ready = true;
    }
    exchange_run(request, peer, &first);
    bool write = request->method == LTY_METHOD_POST || request->method == LTY_METHOD_PATCH ||
                 request->method == LTY_METHOD_PUT || request->method == LTY_METHOD_DELETE;
    if (!write || !request->idempotency_key_present || first.response.status >= 500) return;
    exchange_run(request, peer, &again);
    LTY_ASSERT(again.response.status == first.response.status);
    LTY_ASSERT(again.response.body.size == first.response.body.size);
    if (first.response.body.size > 0) {
        LTY_ASSERT(memcmp(again.response.body.data, first.response.body.data,
                          first.response.body.size) == 0);
    }
}

static void store_verify(void)
{
    static lty_verify_report_t report;
    int err = lty_verify_store(fuzz.store, &report);
    if (err != 0) {
        for (size_t index = 0; index < report.problems_count; index++) {
            fprintf(stderr, "fuzz_request: verify: %s\n", report.problems[index]);
        }
    }
    LTY_ASSERT(err == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz.store == NULL) fuzz_setup();
    if (size < 1 || size > LTY_HTTP_PIPELINE_BYTES_MAX) return 0;
    lty_tls_peer_t peer;
    peer_choose(data[0], &peer);
    const char *bytes = (const char *)data + 1;
    size_t left = size - 1;
    static lty_request_t request;
    lty_http_reset(fuzz.http);
    for (int count = 0; count < FUZZ_REQUESTS_PER_INPUT; count++) {
        size_t consumed = 0;
        lty_diag_t diag;
        lty_diag_clear(&diag);
        int rc = lty_http_parse(fuzz.http, &request, bytes, left, &consumed, &diag);
        LTY_ASSERT(consumed <= left);
        bytes += consumed;
        left -= consumed;
        if (rc != LTY_HTTP_REQUEST) {
            /* Framing refusals are fuzz_http's subject; here they only must be listed. */
            if (rc < 0) fuzz_err_listed(rc);
            break;
        }
        request_run(&request, &peer);
        lty_http_next(fuzz.http);
        if (fuzz.requests % FUZZ_VERIFY_EVERY == 0) store_verify();
    }
    return 0;
}
