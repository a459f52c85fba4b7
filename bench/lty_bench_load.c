/* SPDX-License-Identifier: MIT */
/* lty-load: the till load driver for bench/run. N keep-alive TLS connections (one thread and one
 * lty_httpc each, till certificate), random cards from a file, unique Idempotency-Keys and
 * receipt numbers, for a fixed duration; prints throughput, latency percentiles, errors, the
 * driver's CPU and, with --daemon-pid, the daemon's CPU and RSS.
 *
 * Workloads: sales (accruals), lookup (card look-ups), mixed (70% sales, 20% look-ups, 10%
 * sales with a redemption), reconnect (a look-up on a new connection each time: ticket
 * resumption), idle (open N connections, hold them, report the daemon's RSS), portal (members
 * on the portal's listener: --sessions members log in with their PIN, then each reads the
 * dashboard page and GET /v1/member/me in turn, every --think-ms or back to back, their
 * sessions shared out over the N keep-alive connections; it runs next to a sales load to see
 * what the portal costs the tills).
 *
 * Owns: nothing the daemon uses; a benchmark tool. The last output line is machine-readable:
 * "RESULT key=value ...". */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_httpc.h"
#include "lty/lty_log.h"
#include "lty/lty_tls.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define LOAD_CONNECTIONS_MAX 8192
#define LOAD_THREADS_IDLE 4
#define LOAD_PATH_SIZE 1024
#define LOAD_BODY_SIZE 768
#define LOAD_CODE_SIZE 128 /* a coupon code: 127 characters (docs/coupons.md) */
#define LOAD_CARD_SIZE 24
#define LOAD_SESSIONS_MAX 100000
#define LOAD_LOGINS_CONCURRENT 8 /* logins in flight: each costs the daemon an argon2 run */
#define LOAD_COOKIE_SIZE LTY_HTTPC_SET_COOKIE_SIZE

typedef enum load_workload {
    LOAD_SALES,
    LOAD_LOOKUP,
    LOAD_MIXED,
    LOAD_RECONNECT,
    LOAD_IDLE,
    LOAD_PORTAL,
    LOAD_COUPONS, /* sales that each carry one coupon code */
} load_workload_t;

typedef struct load_s {
    char host[64];
    uint16_t port;
    char ca[LOAD_PATH_SIZE], cert[LOAD_PATH_SIZE], key[LOAD_PATH_SIZE], cards_path[LOAD_PATH_SIZE];
    char run_id[24];
    int connections;
    double duration_s;
    double warmup_s;
    load_workload_t workload;
    const char *workload_name;
    int daemon_pid;
    char (*cards)[LOAD_CARD_SIZE];
    size_t cards_count;
    char codes_path[LOAD_PATH_SIZE];  /* --coupons: CSV of `loyaltyctl coupons codes` */
    char (*codes)[LOAD_CODE_SIZE];
    size_t codes_count;
    int64_t start_ns, measure_ns, end_ns;
    /* portal */
    uint16_t portal_port;
    char portal_ca[LOAD_PATH_SIZE], ready_fifo[LOAD_PATH_SIZE];
    char pin[16];
    int sessions;
    int think_ms;
    pthread_barrier_t logged_in, timed; /* the login phase ends; the timed phase starts */
    sem_t logins;                       /* LOAD_LOGINS_CONCURRENT slots */
} load_t;

typedef struct worker_s {
    load_t *load;
    unsigned index;
    uint64_t rng;
    uint32_t *samples_us;
    size_t samples_count, samples_capacity;
    uint64_t ok, refused, failed, first_status;
    int first_error;
    char first_body[160];
    int sessions_count, logged_in; /* portal: the sessions this worker holds */
    char (*cookies)[LOAD_COOKIE_SIZE];
    int64_t *due_ns;
} worker_t;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void sample_add(worker_t *worker, int64_t elapsed_ns)
{
    LTY_ASSERT(worker != NULL);
    LTY_ASSERT(elapsed_ns >= 0);
    if (worker->samples_count == worker->samples_capacity) {
        size_t capacity = worker->samples_capacity ? worker->samples_capacity * 2 : 65536;
        uint32_t *grown = realloc(worker->samples_us, capacity * sizeof(*grown));
        if (grown == NULL) return;
        worker->samples_us = grown;
        worker->samples_capacity = capacity;
    }
    int64_t us = elapsed_ns / 1000;
    worker->samples_us[worker->samples_count++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Fill request for the next operation; body is the worker's buffer. */
static void request_make(worker_t *worker, uint64_t seq, char *path, size_t path_size,
                         char *body, char *key, lty_httpc_request_t *request)
{
    LTY_ASSERT(worker != NULL && request != NULL);
    LTY_ASSERT(worker->load->cards_count > 0);
    load_t *load = worker->load;
    const char *card = load->cards[rng_next(&worker->rng) % load->cards_count];
    unsigned roll = (unsigned)(rng_next(&worker->rng) % 100);
    bool lookup = load->workload == LOAD_LOOKUP || load->workload == LOAD_RECONNECT ||
                  (load->workload == LOAD_MIXED && roll >= 70 && roll < 90);
    bool redeem = load->workload == LOAD_MIXED && roll >= 90;
    memset(request, 0, sizeof(*request));
    if (lookup) {
        snprintf(path, path_size, "/v1/till/cards/%s", card);
        request->method = "GET";
        request->path = path;
        return;
    }
    snprintf(key, LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1, "%s-%u-%" PRIu64, load->run_id,
             worker->index, seq);
    int64_t amount = 1000 + (int64_t)(rng_next(&worker->rng) % 20000);
    /* coupons: each sale one code, spread so that connections seldom share one */
    char coupon[LOAD_CODE_SIZE + 16] = "";
    if (load->workload == LOAD_COUPONS) {
        size_t pick = (size_t)((seq * (uint64_t)load->connections + worker->index) %
                               load->codes_count);
        snprintf(coupon, sizeof(coupon), "\"coupons\":[\"%s\"],", load->codes[pick]);
    }
    int size = snprintf(body, LOAD_BODY_SIZE,
                        "{\"card_no\":\"%s\",\"receipt_no\":\"%s\",%s%s\"lines\":[{\"sku\":"
                        "\"SKU-%u\",\"category\":\"grocery\",\"qty\":1,\"amount_cents\":%" PRId64
                        "}]}",
                        card, key, redeem ? "\"redeem_points\":50," : "", coupon, roll,
                        amount + 5000);
    request->method = "POST";
    request->path = "/v1/till/sales";
    request->idempotency_key = key;
    request->content_type = "application/json";
    request->body = body;
    request->body_size = (size_t)size;
}

static void worker_account(worker_t *worker, int rc, const lty_httpc_response_t *response,
                           bool measured, int64_t elapsed_ns)
{
    LTY_ASSERT(worker != NULL && response != NULL);
    LTY_ASSERT(elapsed_ns >= 0);
    if (!measured) return;
    if (rc != 0) {
        worker->failed++;
        if (worker->first_error == 0) worker->first_error = rc;
        return;
    }
    sample_add(worker, elapsed_ns);
    if (response->status >= 200 && response->status < 300) {
        worker->ok++;
        return;
    }
    worker->refused++;
    if (worker->first_status == 0) {
        worker->first_status = (uint64_t)response->status;
        snprintf(worker->first_body, sizeof(worker->first_body), "%.150s",
                 response->body.data != NULL ? response->body.data : "");
    }
}

static void *worker_main(void *arg)
{
    worker_t *worker = arg;
    load_t *load = worker->load;
    lty_httpc_options_t options = {.host = load->host, .port = load->port, .ca_cert_path = load->ca,
                                   .cert_path = load->cert, .key_path = load->key};
    lty_httpc_t httpc;
    memset(&httpc, 0, sizeof(httpc));
    if (lty_httpc_init(&httpc, &options) != 0) {
        worker->first_error = LTY_E_TLS;
        return NULL;
    }
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, 64 * 1024);
    lty_buf_reserve(&response.body, 4096);
    char path[96], body[LOAD_BODY_SIZE], key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 1];
    for (uint64_t seq = 1;; seq++) {
        int64_t started = now_ns();
        if (started >= load->end_ns) break;
        lty_httpc_request_t request;
        request_make(worker, seq, path, sizeof(path), body, key, &request);
        if (load->workload == LOAD_RECONNECT) lty_httpc_disconnect(&httpc);
        int rc = lty_httpc_request(&httpc, &request, &response);
        int64_t finished = now_ns();
        bool measured = started >= load->measure_ns && finished <= load->end_ns;
        worker_account(worker, rc, &response, measured, finished - started);
    }
    lty_buf_deinit(&response.body);
    lty_httpc_deinit(&httpc);
    return NULL;
}

static int compare_u32(const void *left, const void *right)
{
    uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;
    return (a > b) - (a < b);
}

static double percentile_ms(const uint32_t *sorted, size_t count, double fraction)
{
    if (count == 0) return 0.0;
    size_t index = (size_t)(fraction * (double)(count - 1) + 0.5);
    return (double)sorted[index] / 1000.0;
}

/* utime + stime of pid in seconds, and its RSS in KiB; 0 when unreadable. */
static void proc_sample(int pid, double *cpu_s_out, long *rss_kib_out)
{
    *cpu_s_out = 0.0;
    *rss_kib_out = 0;
    if (pid <= 0) return;
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (file != NULL && fgets(line, sizeof(line), file) != NULL) {
        const char *after = strrchr(line, ')');
        unsigned long utime = 0, stime = 0;
        if (after != NULL &&
            sscanf(after + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                   &stime) == 2) {
            *cpu_s_out = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
        }
    }
    if (file != NULL) fclose(file);
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    file = fopen(path, "r");
    while (file != NULL && fgets(line, sizeof(line), file) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) *rss_kib_out = strtol(line + 6, NULL, 10);
    }
    if (file != NULL) fclose(file);
}

static double self_cpu_s(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

static void report(load_t *load, worker_t *workers, double cpu_daemon_s, double cpu_self_s,
                   long rss_kib)
{
    size_t total = 0;
    uint64_t ok = 0, refused = 0, failed = 0;
    for (int index = 0; index < load->connections; index++) {
        total += workers[index].samples_count;
        ok += workers[index].ok;
        refused += workers[index].refused;
        failed += workers[index].failed;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof(*all));
    if (all == NULL) return;
    size_t at = 0;
    int printed = 0;
    for (int index = 0; index < load->connections; index++) {
        memcpy(all + at, workers[index].samples_us, workers[index].samples_count * sizeof(*all));
        at += workers[index].samples_count;
        if (workers[index].first_status != 0 && printed++ < 3) {
            fprintf(stderr, "lty-load: a refusal %" PRIu64 ": %s\n",
                    workers[index].first_status, workers[index].first_body);
        }
        if (workers[index].first_error != 0 && printed++ < 3) {
            fprintf(stderr, "lty-load: worker %d first error: %s\n", index,
                    lty_err_name(workers[index].first_error));
        }
    }
    qsort(all, total, sizeof(*all), compare_u32);
    double seconds = (double)(load->end_ns - load->measure_ns) / 1e9;
    printf("RESULT workload=%s connections=%d seconds=%.1f requests=%zu rps=%.0f ok=%" PRIu64
           " refused=%" PRIu64 " errors=%" PRIu64 " p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f"
           " max_ms=%.2f daemon_cpu=%.2f driver_cpu=%.2f daemon_rss_kib=%ld\n",
           load->workload_name, load->connections, seconds, total, (double)total / seconds, ok,
           refused, failed, percentile_ms(all, total, 0.50), percentile_ms(all, total, 0.99),
           percentile_ms(all, total, 0.999), percentile_ms(all, total, 1.0),
           cpu_daemon_s / seconds, cpu_self_s / seconds, rss_kib);
    free(all);
}

/* ---- portal: members reading their dashboard -------------------------------------------- */

/* Log the worker's members in (cards index, index + connections, ...: the first --sessions
 * cards, which lty-bench-gen --pins gave the PIN). */
static void portal_login_all(worker_t *worker, lty_httpc_t *httpc, lty_httpc_response_t *response)
{
    LTY_ASSERT(worker != NULL && httpc != NULL);
    load_t *load = worker->load;
    LTY_ASSERT(worker->cookies != NULL);
    for (int session = (int)worker->index; session < load->sessions; session += load->connections) {
        char body[128];
        int size = snprintf(body, sizeof(body), "{\"card_no\":\"%s\",\"pin\":\"%s\"}",
                            load->cards[session], load->pin);
        lty_httpc_request_t request = {.method = "POST", .path = "/v1/member/login",
                                       .content_type = "application/json", .body = body,
                                       .body_size = (size_t)size, .timeout_ms = 60000};
        /* Logins are let in a few at a time: a burst of them keeps the daemon's loops busy with
         * argon2 and new connections' handshakes time out behind them. A member whose login
         * still failed on the way tries again, as a person would. */
        sem_wait(&load->logins);
        int rc = lty_httpc_request(httpc, &request, response);
        for (int attempt = 1; rc != 0 && attempt < 5; attempt++) {
            rc = lty_httpc_request(httpc, &request, response);
        }
        sem_post(&load->logins);
        if (rc == 0 && response->status == 200 && response->set_cookie[0] != '\0') {
            snprintf(worker->cookies[worker->logged_in++], LOAD_COOKIE_SIZE, "%s",
                     response->set_cookie);
        } else {
            worker_account(worker, rc, response, true, 0); /* a refusal or error, kept */
        }
    }
    worker->sessions_count = worker->logged_in;
}

/* The session due next (the earliest), or -1 when the worker has none. */
static int portal_next(const worker_t *worker)
{
    int next = -1;
    for (int session = 0; session < worker->sessions_count; session++) {
        if (next < 0 || worker->due_ns[session] < worker->due_ns[next]) next = session;
    }
    return next;
}

/* Does the body hold text? */
static bool body_has(const lty_buf_t *body, const char *text)
{
    size_t size = strlen(text);
    for (size_t at = 0; body->data != NULL && at + size <= body->size; at++) {
        if (memcmp(body->data + at, text, size) == 0) return true;
    }
    return false;
}

/* One read of a session: the page (it must be the dashboard, not the login form of an ended
 * session) or its figures. */
static void portal_read(worker_t *worker, lty_httpc_t *httpc, lty_httpc_response_t *response,
                        int session, bool page)
{
    load_t *load = worker->load;
    lty_httpc_header_t cookie = {.name = "Cookie", .value = worker->cookies[session]};
    lty_httpc_request_t request = {.method = "GET", .path = page ? "/" : "/v1/member/me",
                                   .headers = &cookie, .headers_count = 1};
    int64_t started = now_ns();
    int rc = lty_httpc_request(httpc, &request, response);
    int64_t finished = now_ns();
    if (rc == 0 && page && response->status == 200 &&
        !body_has(&response->body, "data-page=\"dashboard\"")) {
        response->status = 401; /* the login form: the session ended */
    }
    bool measured = started >= load->measure_ns && finished <= load->end_ns;
    worker_account(worker, rc, response, measured, finished - started);
}

static void *portal_worker_main(void *arg)
{
    worker_t *worker = arg;
    load_t *load = worker->load;
    lty_httpc_options_t options = {.host = load->host, .port = load->portal_port,
                                   .ca_cert_path = load->portal_ca};
    lty_httpc_t httpc;
    memset(&httpc, 0, sizeof(httpc));
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, 256 * 1024);
    if (lty_httpc_init(&httpc, &options) == 0) {
        portal_login_all(worker, &httpc, &response);
    } else {
        worker->first_error = LTY_E_TLS;
    }
    pthread_barrier_wait(&load->logged_in);
    pthread_barrier_wait(&load->timed); /* the main thread has set the window */
    uint64_t think_ns = (uint64_t)load->think_ms * 1000000;
    for (int session = 0; session < worker->sessions_count; session++) {
        /* Spread the first reads over one think time, so the sessions do not march in step. */
        uint64_t offset_ns = think_ns > 0 ? rng_next(&worker->rng) % think_ns : 0;
        worker->due_ns[session] = load->start_ns + (int64_t)offset_ns;
    }
    for (int session = portal_next(worker); session >= 0; session = portal_next(worker)) {
        int64_t wait_ns = worker->due_ns[session] - now_ns();
        if (worker->due_ns[session] >= load->end_ns) break;
        if (wait_ns > 0) {
            struct timespec pause = {.tv_sec = wait_ns / 1000000000,
                                     .tv_nsec = wait_ns % 1000000000};
            nanosleep(&pause, NULL); /* the member's think time, not synchronisation */
        }
        portal_read(worker, &httpc, &response, session, true);
        portal_read(worker, &httpc, &response, session, false);
        worker->due_ns[session] += (int64_t)think_ns;
        if (load->think_ms == 0) worker->due_ns[session] = now_ns();
    }
    lty_buf_deinit(&response.body);
    lty_httpc_deinit(&httpc);
    return NULL;
}

/* Tell bench/run that every member has logged in (it starts the till load then). */
static void portal_ready(const load_t *load, int logged_in)
{
    if (load->ready_fifo[0] == '\0') return;
    FILE *fifo = fopen(load->ready_fifo, "w");
    if (fifo == NULL) return;
    fprintf(fifo, "ready %d\n", logged_in);
    fclose(fifo);
}

static int portal_run(load_t *load)
{
    LTY_ASSERT(load != NULL);
    LTY_ASSERT(load->sessions >= 1 && (size_t)load->sessions <= load->cards_count);
    int count = load->connections;
    worker_t *workers = calloc((size_t)count, sizeof(*workers));
    pthread_t *threads = calloc((size_t)count, sizeof(*threads));
    int per = (load->sessions + count - 1) / count;
    if (workers == NULL || threads == NULL) return 1;
    pthread_barrier_init(&load->logged_in, NULL, (unsigned)count + 1);
    pthread_barrier_init(&load->timed, NULL, (unsigned)count + 1);
    sem_init(&load->logins, 0, LOAD_LOGINS_CONCURRENT);
    for (int index = 0; index < count; index++) {
        workers[index] = (worker_t){.load = load, .index = (unsigned)index,
                                    .rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)index * 7919 + 1),
                                    .cookies = calloc((size_t)per + 1, LOAD_COOKIE_SIZE),
                                    .due_ns = calloc((size_t)per + 1, sizeof(int64_t))};
        if (workers[index].cookies == NULL || workers[index].due_ns == NULL) return 1;
        if (pthread_create(&threads[index], NULL, portal_worker_main, &workers[index]) != 0) {
            return 1;
        }
    }
    int64_t login_started = now_ns();
    pthread_barrier_wait(&load->logged_in);
    int logged_in = 0;
    for (int index = 0; index < count; index++) logged_in += workers[index].logged_in;
    fprintf(stderr, "lty-load: %d of %d members logged in in %.1f s\n", logged_in, load->sessions,
            (double)(now_ns() - login_started) / 1e9);
    portal_ready(load, logged_in);
    load->start_ns = now_ns();
    load->measure_ns = load->start_ns + (int64_t)(load->warmup_s * 1e9);
    load->end_ns = load->measure_ns + (int64_t)(load->duration_s * 1e9);
    double cpu_daemon_before = 0.0, cpu_daemon_after = 0.0, cpu_self_before = self_cpu_s();
    long rss = 0;
    pthread_barrier_wait(&load->timed);
    double fraction = load->warmup_s - (double)(time_t)load->warmup_s;
    struct timespec until = {.tv_sec = (time_t)load->warmup_s, .tv_nsec = (long)(fraction * 1e9)};
    nanosleep(&until, NULL); /* a measurement window edge, not synchronisation */
    proc_sample(load->daemon_pid, &cpu_daemon_before, &rss);
    double cpu_self_measure = self_cpu_s() - cpu_self_before;
    for (int index = 0; index < count; index++) pthread_join(threads[index], NULL);
    proc_sample(load->daemon_pid, &cpu_daemon_after, &rss);
    printf("PORTAL sessions=%d logged_in=%d think_ms=%d\n", load->sessions, logged_in,
           load->think_ms);
    report(load, workers, cpu_daemon_after - cpu_daemon_before,
           self_cpu_s() - cpu_self_before - cpu_self_measure, rss);
    for (int index = 0; index < count; index++) {
        free(workers[index].samples_us);
        free(workers[index].cookies);
        free(workers[index].due_ns);
    }
    pthread_barrier_destroy(&load->logged_in);
    pthread_barrier_destroy(&load->timed);
    sem_destroy(&load->logins);
    free(workers);
    free(threads);
    return logged_in == load->sessions ? 0 : 1;
}

/* ---- idle: hold N handshaken connections and report the daemon's RSS ------------------- */

typedef struct idle_s {
    load_t *load;
    lty_tls_client_t *client;
    lty_httpc_conn_t *conns;
    int first, count, opened;
} idle_t;

static void *idle_open_main(void *arg)
{
    idle_t *idle = arg;
    for (int index = idle->first; index < idle->first + idle->count; index++) {
        if (lty_httpc_conn_open(&idle->conns[index], idle->client, idle->load->host,
                                idle->load->port, 10000) == 0) {
            idle->opened++;
        }
    }
    return NULL;
}

static int idle_run(load_t *load)
{
    LTY_ASSERT(load != NULL);
    LTY_ASSERT(load->connections > 0);
    double cpu_before = 0.0;
    long rss_before = 0, rss_after = 0;
    proc_sample(load->daemon_pid, &cpu_before, &rss_before);
    lty_httpc_conn_t *conns = calloc((size_t)load->connections, sizeof(*conns)); /* closed */
    idle_t idles[LOAD_THREADS_IDLE];
    pthread_t threads[LOAD_THREADS_IDLE];
    int per = (load->connections + LOAD_THREADS_IDLE - 1) / LOAD_THREADS_IDLE, opened = 0;
    for (int index = 0; conns != NULL && index < LOAD_THREADS_IDLE; index++) {
        lty_tls_client_options_t options = {.ca_cert_path = load->ca, .cert_path = load->cert,
                                            .key_path = load->key};
        idles[index] = (idle_t){.load = load, .conns = conns, .first = index * per};
        int remaining = load->connections - index * per;
        idles[index].count = remaining < per ? (remaining > 0 ? remaining : 0) : per;
        if (lty_tls_client_open(&idles[index].client, &options) != 0) return 1;
        pthread_create(&threads[index], NULL, idle_open_main, &idles[index]);
    }
    for (int index = 0; conns != NULL && index < LOAD_THREADS_IDLE; index++) {
        pthread_join(threads[index], NULL);
        opened += idles[index].opened;
    }
    struct timespec hold = {.tv_sec = (time_t)load->duration_s};
    nanosleep(&hold, NULL); /* a measurement pause, not synchronisation */
    double cpu_after = 0.0;
    proc_sample(load->daemon_pid, &cpu_after, &rss_after);
    printf("RESULT workload=idle connections=%d opened=%d rss_before_kib=%ld rss_kib=%ld"
           " per_conn_kib=%.1f\n",
           load->connections, opened, rss_before, rss_after,
           opened > 0 ? (double)(rss_after - rss_before) / opened : 0.0);
    for (int index = 0; conns != NULL && index < load->connections; index++) {
        lty_httpc_conn_close(&conns[index]);
    }
    for (int index = 0; conns != NULL && index < LOAD_THREADS_IDLE; index++) {
        lty_tls_client_close(idles[index].client);
    }
    free(conns);
    return opened == load->connections ? 0 : 1;
}

/* ---- fsync probe: the disk's durable-write latency ------------------------------------- */

static int fsync_probe(const char *dir)
{
    LTY_ASSERT(dir != NULL);
    char path[LOAD_PATH_SIZE + 32];
    snprintf(path, sizeof(path), "%s/lty-fsync-probe", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 1;
    static char page[4096];
    uint32_t samples[200];
    int rc = 0;
    for (int index = 0; index < 16 && rc == 0; index++) {
        rc = pwrite(fd, page, sizeof(page), (off_t)index * 4096) == (ssize_t)sizeof(page) ? 0 : 1;
    }
    if (rc == 0) rc = fsync(fd);
    for (int index = 0; index < 200 && rc == 0; index++) {
        page[0] = (char)index;
        int64_t started = now_ns();
        /* An overwrite of an allocated page, then fdatasync: what a commit pays per sync. */
        rc = pwrite(fd, page, sizeof(page), (off_t)(index % 16) * 4096) == (ssize_t)sizeof(page)
                 ? fdatasync(fd) : 1;
        samples[index] = (uint32_t)((now_ns() - started) / 1000);
    }
    close(fd);
    unlink(path);
    if (rc != 0) return 1;
    qsort(samples, 200, sizeof(samples[0]), compare_u32);
    printf("RESULT workload=fsync_probe p50_us=%u p99_us=%u\n", samples[100], samples[198]);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static int cards_load(load_t *load)
{
    LTY_ASSERT(load != NULL);
    LTY_ASSERT(load->cards == NULL);
    FILE *file = fopen(load->cards_path, "r");
    if (file == NULL) return 1;
    size_t capacity = 1024;
    load->cards = malloc(capacity * sizeof(*load->cards));
    char line[64];
    while (load->cards != NULL && fgets(line, sizeof(line), file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || strlen(line) >= LOAD_CARD_SIZE) continue;
        if (load->cards_count == capacity) {
            capacity *= 2;
            void *grown = realloc(load->cards, capacity * sizeof(*load->cards));
            if (grown == NULL) break;
            load->cards = grown;
        }
        memcpy(load->cards[load->cards_count++], line, strlen(line) + 1);
    }
    fclose(file);
    return load->cards_count > 0 ? 0 : 1;
}

/* The codes of a `loyaltyctl coupons codes` CSV: its first column, the header skipped. */
static int codes_load(load_t *load)
{
    FILE *file = fopen(load->codes_path, "r");
    if (file == NULL) return 1;
    size_t capacity = 1024;
    load->codes = malloc(capacity * sizeof(*load->codes));
    char line[512];
    while (load->codes != NULL && fgets(line, sizeof(line), file) != NULL) {
        line[strcspn(line, ",\r\n")] = '\0';
        if (strlen(line) != LOAD_CODE_SIZE - 1) continue; /* the header, blank lines */
        if (load->codes_count == capacity) {
            capacity *= 2;
            void *grown = realloc(load->codes, capacity * sizeof(*load->codes));
            if (grown == NULL) break;
            load->codes = grown;
        }
        memcpy(load->codes[load->codes_count++], line, LOAD_CODE_SIZE);
    }
    fclose(file);
    return load->codes_count > 0 ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: lty-load --data DIR --port PORT\n"
            "       [--workload sales|lookup|mixed|reconnect|idle|portal|coupons]\n"
            "       [--connections N] [--duration S] [--warmup S] [--cards FILE] [--run-id ID]\n"
            "       [--coupons CODES.csv]   (coupons: one code a sale, from loyaltyctl coupons "
            "codes)\n"
            "       [--cert F --key F] [--daemon-pid PID]\n"
            "       portal: --portal-port PORT [--sessions N] [--think-ms MS] [--pin PIN]\n"
            "               [--ready-fifo PATH]  (members from lty-bench-gen --pins)\n"
            "       lty-load --fsync-probe DIR   (median and p99 of 4 KiB overwrite + fdatasync)\n"
            "  DIR holds tls/ca.crt, tls/demo-till.{crt,key} and bench-cards.txt.\n");
    return 2;
}

static int workload_parse(load_t *load, const char *name)
{
    static const char *const names[] = {"sales", "lookup", "mixed", "reconnect", "idle",
                                         "portal", "coupons"};
    for (int index = 0; index < (int)(sizeof(names) / sizeof(names[0])); index++) {
        if (strcmp(name, names[index]) == 0) {
            load->workload = (load_workload_t)index;
            load->workload_name = names[index];
            return 0;
        }
    }
    return 1;
}

static int options_parse(load_t *load, int argc, char **argv)
{
    const char *data = NULL;
    for (int index = 1; index + 1 < argc; index += 2) {
        const char *name = argv[index], *value = argv[index + 1];
        char *path = NULL;
        if (strcmp(name, "--data") == 0) {
            data = value;
        } else if (strcmp(name, "--port") == 0) {
            load->port = (uint16_t)atoi(value);
        } else if (strcmp(name, "--connections") == 0) {
            load->connections = atoi(value);
        } else if (strcmp(name, "--duration") == 0) {
            load->duration_s = atof(value);
        } else if (strcmp(name, "--warmup") == 0) {
            load->warmup_s = atof(value);
        } else if (strcmp(name, "--daemon-pid") == 0) {
            load->daemon_pid = atoi(value);
        } else if (strcmp(name, "--coupons") == 0) {
            snprintf(load->codes_path, LOAD_PATH_SIZE, "%s", value);
        } else if (strcmp(name, "--run-id") == 0) {
            snprintf(load->run_id, sizeof(load->run_id), "%s", value);
        } else if (strcmp(name, "--portal-port") == 0) {
            load->portal_port = (uint16_t)atoi(value);
        } else if (strcmp(name, "--sessions") == 0) {
            load->sessions = atoi(value);
        } else if (strcmp(name, "--think-ms") == 0) {
            load->think_ms = atoi(value);
        } else if (strcmp(name, "--pin") == 0) {
            snprintf(load->pin, sizeof(load->pin), "%s", value);
        } else if (strcmp(name, "--ready-fifo") == 0) {
            snprintf(load->ready_fifo, sizeof(load->ready_fifo), "%s", value);
        } else if (strcmp(name, "--cards") == 0 || strcmp(name, "--cert") == 0 ||
                   strcmp(name, "--key") == 0) {
            path = name[2] == 'c' ? (name[3] == 'a' ? load->cards_path : load->cert) : load->key;
        } else if (strcmp(name, "--workload") != 0 || workload_parse(load, value) != 0) {
            return 1;
        }
        if (path != NULL) snprintf(path, LOAD_PATH_SIZE, "%s", value);
    }
    if (data == NULL || load->port == 0 || load->connections < 1 ||
        load->connections > LOAD_CONNECTIONS_MAX || load->duration_s <= 0 ||
        load->duration_s > 3600 || load->warmup_s < 0) {
        return 1;
    }
    if (load->workload == LOAD_PORTAL &&
        (load->portal_port == 0 || load->sessions < 1 || load->sessions > LOAD_SESSIONS_MAX ||
         load->think_ms < 0 || load->think_ms > 600000)) {
        return 1;
    }
    snprintf(load->portal_ca, LOAD_PATH_SIZE, "%s/tls/portal-ca.crt", data);
    snprintf(load->ca, LOAD_PATH_SIZE, "%s/tls/ca.crt", data);
    if (load->cert[0] == '\0') snprintf(load->cert, LOAD_PATH_SIZE, "%s/tls/demo-till.crt", data);
    if (load->key[0] == '\0') snprintf(load->key, LOAD_PATH_SIZE, "%s/tls/demo-till.key", data);
    if (load->cards_path[0] == '\0') {
        snprintf(load->cards_path, LOAD_PATH_SIZE, "%s/bench-cards.txt", data);
    }
    return 0;
}

static int load_run(load_t *load)
{
    LTY_ASSERT(load != NULL);
    LTY_ASSERT(load->connections > 0);
    worker_t *workers = calloc((size_t)load->connections, sizeof(*workers));
    pthread_t *threads = calloc((size_t)load->connections, sizeof(*threads));
    if (workers == NULL || threads == NULL) return 1;
    load->start_ns = now_ns();
    load->measure_ns = load->start_ns + (int64_t)(load->warmup_s * 1e9);
    load->end_ns = load->measure_ns + (int64_t)(load->duration_s * 1e9);
    double cpu_daemon_before = 0.0, cpu_daemon_after = 0.0, cpu_self_before = self_cpu_s();
    long rss = 0;
    for (int index = 0; index < load->connections; index++) {
        workers[index] = (worker_t){.load = load, .index = (unsigned)index,
                                    .rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)index * 7919 + 1) ^
                                           (uint64_t)load->start_ns};
        if (pthread_create(&threads[index], NULL, worker_main, &workers[index]) != 0) return 1;
    }
    double fraction = load->warmup_s - (double)(time_t)load->warmup_s;
    struct timespec until = {.tv_sec = (time_t)load->warmup_s, .tv_nsec = (long)(fraction * 1e9)};
    nanosleep(&until, NULL); /* a measurement window edge, not synchronisation */
    proc_sample(load->daemon_pid, &cpu_daemon_before, &rss);
    double cpu_self_measure = self_cpu_s() - cpu_self_before;
    for (int index = 0; index < load->connections; index++) pthread_join(threads[index], NULL);
    proc_sample(load->daemon_pid, &cpu_daemon_after, &rss);
    report(load, workers, cpu_daemon_after - cpu_daemon_before,
           self_cpu_s() - cpu_self_before - cpu_self_measure, rss);
    for (int index = 0; index < load->connections; index++) free(workers[index].samples_us);
    free(workers);
    free(threads);
    return 0;
}

int main(int argc, char **argv)
{
    load_t load;
    memset(&load, 0, sizeof(load));
    snprintf(load.host, sizeof(load.host), "127.0.0.1");
    snprintf(load.run_id, sizeof(load.run_id), "b%lx", (unsigned long)time(NULL));
    load.connections = 64;
    load.duration_s = 10;
    load.warmup_s = 1;
    load.sessions = 1000;
    snprintf(load.pin, sizeof(load.pin), "2468");
    workload_parse(&load, "sales");
    lty_log_level_max = LTY_LOG_WARN;
    if (argc == 3 && strcmp(argv[1], "--fsync-probe") == 0) return fsync_probe(argv[2]);
    if (options_parse(&load, argc, argv) != 0) return usage();
    if (load.workload == LOAD_IDLE) return idle_run(&load);
    if (cards_load(&load) != 0) {
        fprintf(stderr, "lty-load: no card numbers in %s\n", load.cards_path);
        return 1;
    }
    if (load.workload == LOAD_PORTAL && (size_t)load.sessions > load.cards_count) {
        fprintf(stderr, "lty-load: %d sessions but %zu cards\n", load.sessions, load.cards_count);
        return 1;
    }
    if (load.workload == LOAD_COUPONS && codes_load(&load) != 0) {
        fprintf(stderr, "lty-load: --coupons names no codes (%s)\n", load.codes_path);
        return 1;
    }
    int rc = load.workload == LOAD_PORTAL ? portal_run(&load) : load_run(&load);
    free(load.codes);
    free(load.cards);
    return rc;
}
