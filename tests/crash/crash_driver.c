/* SPDX-License-Identifier: MIT */
/* tests/crash/crash_driver.c: the crash test. It owns a real loyaltyd on a demo data
 * directory, runs a mixed till and operator workload over many TLS connections, SIGKILLs the
 * daemon at random moments (after a random number of acknowledgements), restarts it on the
 * same port, and finally proves:
 *   - every acknowledged operation is present exactly once: a replay of its Idempotency-Key
 *     answers Idempotent-Replayed: true with the same status and the same body;
 *   - each member's points and prepaid balances equal the start balances plus the acknowledged
 *     effects (read from the acknowledged answers: earned/redeemed points of a sale, a top-up's
 *     amount, a return's points_refunded, points_taken_back and refunds.prepaid_cents; a valid
 *     refusal such as insufficient_funds or already_returned has none), so nothing
 *     unacknowledged was half-applied and nothing was applied twice;
 *   - requests cut off by a kill and retried with the same key after the restart are either
 *     replayed (they were committed before the kill) or applied once (they were not);
 *   - `loyaltyctl verify` is clean and the daemon still stops cleanly on SIGTERM.
 * Power-loss model (--power-loss-every K): on every K-th kill the data directory is copied
 * right after SIGKILL, before the restart, a second daemon is started on the copy, every
 * acknowledgement of that cycle is replayed against it, and the copy must verify.
 * Every acknowledged response is appended to a log file (fdatasync'd) before it counts.
 * Operations whose routes are absent from schema/routes.def are skipped (the table grows). */
#include "lty/lty_assert.h"
#include "lty/lty_httpc.h"
#include "lty/lty_json.h"
#include "spawn.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CRASH_WORKERS_MAX 64
#define CRASH_CARDS_MAX 16
#define CRASH_BODY_SIZE 512
#define CRASH_KEY_SIZE 64
#define CRASH_RESPONSE_BYTES_MAX (16 * 1024)
#define CRASH_RETRY_DEADLINE_MS 60000
#define CRASH_PROGRESS_WAIT_S 60
#define CRASH_REPLAY_PER_CYCLE_MAX 300

/* The routes this workload knows; an operation runs only when its route is in routes.def. */
#define LTY_ROUTE(method, path, handler, realm, mutating, body_bytes_max, test_only, roles) \
    #method " " path,
static const char *const routes_known[] = {
#include "routes.def"
    NULL,
};
#undef LTY_ROUTE

typedef enum op_kind_e {
    OP_SALE,
    OP_SALE_REDEEM,
    OP_ADJUST,
    OP_TOPUP,
    OP_SALE_PREPAID,
    OP_RETURN,
    OP_KINDS
} op_kind_t;

#define CRASH_REFUSALS_MAX 3

/* refusals: the 409 codes that are a valid acknowledged outcome of the kind (zero effect). */
static const struct {
    const char *name;
    const char *route; /* "METHOD /path" as in routes.def */
    bool operator_realm;
    const char *refusals[CRASH_REFUSALS_MAX];
} op_table[OP_KINDS] = {
    [OP_SALE] = {"sale", "POST /v1/till/sales", false, {NULL}},
    [OP_SALE_REDEEM] = {"sale_redeem", "POST /v1/till/sales", false,
                        {"insufficient_points", "redemption_blocked", NULL}},
    [OP_ADJUST] = {"adjust", "POST /v1/admin/adjustments", true, {"insufficient_points", NULL}},
    [OP_TOPUP] = {"topup", "POST /v1/till/prepaid/topups", false,
                  {"prepaid_balance_limit", NULL}},
    [OP_SALE_PREPAID] = {"sale_prepaid", "POST /v1/till/sales", false,
                         {"insufficient_funds", NULL}},
    [OP_RETURN] = {"return", "POST /v1/till/returns", false,
                   {"already_returned", "points_floor_reached", NULL}},
};

/* The effect of one acknowledged answer on the member's two balances. */
typedef struct effect_s {
    int64_t points;
    int64_t prepaid_cents;
} effect_t;

typedef struct card_s {
    char card_no[32];
    int64_t member_id;
    int64_t points_start;
    int64_t prepaid_start;
} card_t;

typedef struct ack_s {
    op_kind_t kind;
    int card_index;
    int status;
    bool retried;  /* a transport failure came first: the kill cut the request off */
    bool replayed; /* the acknowledgement itself was a replay */
    effect_t effect;
    char key[CRASH_KEY_SIZE];
    char *path;
    char *body;
    char *response;
} ack_t;

typedef struct crash_s {
    lty_spawn_t spawn;
    int cycles;
    int workers;
    int power_loss_every;
    unsigned seed;
    int cards_count;
    card_t cards[CRASH_CARDS_MAX];
    bool op_enabled[OP_KINDS];
    FILE *log;
    pthread_mutex_t lock;
    pthread_cond_t progress;
    ack_t *acks;
    size_t acks_count;
    size_t acks_capacity;
    atomic_bool stopping;
    atomic_int failures;
    atomic_long retried_replayed;  /* cut off by a kill, then replayed: committed before */
    atomic_long retried_applied;   /* cut off by a kill, then applied once: not committed */
    atomic_long duplicates_sent;   /* deliberate second sends of an acknowledged key */
    long power_loss_checked;
} crash_t;

#define CRASH_WORKER_SALES 32

/* A sale this worker had acknowledged (201): what its returns may name. */
typedef struct sale_ref_s {
    int64_t sale_id;
    int card_index;
} sale_ref_t;

typedef struct worker_s {
    crash_t *crash;
    int index;
    uint64_t rng;
    long sequence;
    sale_ref_t sales[CRASH_WORKER_SALES]; /* a ring of the latest acknowledged sales */
    int sales_count;
    int sales_next;
    lty_httpc_t till;
    lty_httpc_t operator_client;
} worker_t;

static int crash_fail(crash_t *crash, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static int crash_fail(crash_t *crash, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stdout, "not ok - ");
    vfprintf(stdout, format, args);
    fprintf(stdout, "\n");
    fflush(stdout);
    va_end(args);
    atomic_fetch_add(&crash->failures, 1);
    return -1;
}

static uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

static int64_t rng_range(uint64_t *state, int64_t low, int64_t high)
{
    LTY_ASSERT(low <= high);
    return low + (int64_t)(rng_next(state) % (uint64_t)(high - low + 1));
}

static bool route_present(const char *route)
{
    for (size_t index = 0; routes_known[index] != NULL; index++) {
        if (strcmp(routes_known[index], route) == 0) return true;
    }
    return false;
}

/* One request; 0 when a complete response arrived (any status). */
static int client_send(lty_httpc_t *client, const char *method, const char *path,
                       const char *key, const char *body, lty_httpc_response_t *response)
{
    lty_httpc_request_t request = {
        .method = method,
        .path = path,
        .idempotency_key = key,
        .content_type = body != NULL ? "application/json" : NULL,
        .body = body,
        .body_size = body != NULL ? strlen(body) : 0,
        .timeout_ms = 10000,
    };
    lty_buf_reset(&response->body);
    return lty_httpc_request(client, &request, response);
}

/* The integer member key of the document's object member outer (NULL: of the root). */
static bool json_int_in(const char *text, size_t size, const char *outer, const char *key,
                        int64_t *value_out)
{
    LTY_ASSERT(key != NULL);
    LTY_ASSERT(value_out != NULL);
    lty_json_doc_t *doc = NULL;
    if (text == NULL || lty_json_parse(text, size, LTY_JSON_DEPTH_MAX, &doc, NULL) != 0) {
        return false;
    }
    const lty_json_node_t *object = lty_json_doc_root(doc);
    if (outer != NULL) object = lty_json_member(object, outer);
    const lty_json_node_t *node = object != NULL ? lty_json_member(object, key) : NULL;
    bool found = node != NULL && lty_json_node_int(node, value_out);
    lty_json_doc_free(doc);
    return found;
}

static bool json_int(const char *text, size_t size, const char *key, int64_t *value_out)
{
    return json_int_in(text, size, NULL, key, value_out);
}

static void sleep_ms(long ms)
{
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
}

static int64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ---- The workload ------------------------------------------------------------------------ */

typedef struct op_s {
    op_kind_t kind;
    int card_index;
    int64_t points;        /* adjustments: the requested delta */
    int64_t prepaid_cents; /* prepaid payments: the prepaid tender */
    char key[CRASH_KEY_SIZE];
    char path[64];
    char body[CRASH_BODY_SIZE];
} op_t;

static op_kind_t op_pick(worker_t *worker)
{
    const crash_t *crash = worker->crash;
    for (;;) {
        op_kind_t kind = (op_kind_t)rng_range(&worker->rng, 0, OP_KINDS - 1);
        if (kind == OP_RETURN && worker->sales_count == 0) kind = OP_SALE; /* nothing to return */
        if (crash->op_enabled[kind]) return kind;
    }
}

/* A sale of one line: plain, with redemption, or paid in full from prepaid below the PIN
 * threshold (so no PIN). */
static void op_build_sale(worker_t *worker, op_t *op, const card_t *card)
{
    const crash_t *crash = worker->crash;
    int64_t amount = rng_range(&worker->rng, 100, 20000);
    LTY_ASSERT(amount <= 20000); /* programme.pin_required_above_cents of the demo */
    char extra[96] = "";
    if (op->kind == OP_SALE_REDEEM) {
        snprintf(extra, sizeof(extra), "\"redeem_points\":%" PRId64 ",",
                 rng_range(&worker->rng, 1, amount / 4));
    } else if (op->kind == OP_SALE_PREPAID) {
        op->prepaid_cents = amount;
        snprintf(extra, sizeof(extra),
                 "\"tenders\":[{\"type\":\"prepaid\",\"amount_cents\":%" PRId64 "}],", amount);
    }
    snprintf(op->path, sizeof(op->path), "/v1/till/sales");
    snprintf(op->body, sizeof(op->body),
             "{\"card_no\":\"%s\",\"receipt_no\":\"CR-%u-%d-%ld\",%s"
             "\"lines\":[{\"sku\":\"A\",\"qty\":1,\"amount_cents\":%" PRId64 "}]}",
             card->card_no, crash->seed, worker->index, worker->sequence, extra, amount);
}

static void op_build(worker_t *worker, op_t *op)
{
    const crash_t *crash = worker->crash;
    memset(op, 0, sizeof(*op));
    op->kind = op_pick(worker);
    op->card_index = (int)rng_range(&worker->rng, 0, crash->cards_count - 1);
    const card_t *card = &crash->cards[op->card_index];
    worker->sequence++;
    snprintf(op->key, sizeof(op->key), "cr-%u-%d-%ld", crash->seed, worker->index,
             worker->sequence);
    switch (op->kind) {
    case OP_SALE:
    case OP_SALE_REDEEM:
    case OP_SALE_PREPAID: op_build_sale(worker, op, card); break;
    case OP_ADJUST:
        op->points = rng_range(&worker->rng, -150, 300);
        if (op->points == 0) op->points = 1;
        snprintf(op->path, sizeof(op->path), "/v1/admin/adjustments");
        snprintf(op->body, sizeof(op->body),
                 "{\"member_id\":%" PRId64 ",\"points\":%" PRId64 ",\"reason\":\"crash test\"}",
                 card->member_id, op->points);
        break;
    case OP_TOPUP:
        snprintf(op->path, sizeof(op->path), "/v1/till/prepaid/topups");
        snprintf(op->body, sizeof(op->body),
                 "{\"card_no\":\"%s\",\"amount_cents\":%" PRId64 ",\"tender\":\"%s\"}",
                 card->card_no, rng_range(&worker->rng, 500, 30000),
                 rng_range(&worker->rng, 0, 1) == 0 ? "cash" : "bank_card");
        break;
    case OP_RETURN: {
        /* a whole earlier sale of this worker; one already returned is refused, validly */
        const sale_ref_t *sale = &worker->sales[rng_range(&worker->rng, 0,
                                                          worker->sales_count - 1)];
        op->card_index = sale->card_index;
        snprintf(op->path, sizeof(op->path), "/v1/till/returns");
        snprintf(op->body, sizeof(op->body), "{\"sale_id\":%" PRId64 "}", sale->sale_id);
        break;
    }
    default: LTY_ASSERT(false); /* an operation kind without a body builder */
    }
    LTY_ASSERT(strlen(op->body) < sizeof(op->body) - 1);
}

/* Which of the kind's valid refusals the answer is, or -1. */
static int op_refusal_index(op_kind_t kind, int status, const char *body)
{
    LTY_ASSERT(kind < OP_KINDS);
    LTY_ASSERT(status >= 100);
    if (status != 409 || body == NULL) return -1;
    for (int index = 0; index < CRASH_REFUSALS_MAX; index++) {
        const char *code = op_table[kind].refusals[index];
        if (code == NULL) return -1;
        char quoted[64];
        snprintf(quoted, sizeof(quoted), "\"%s\"", code);
        if (strstr(body, quoted) != NULL) return index;
    }
    return -1;
}

/* The change an acknowledged answer made to the member's points and prepaid balance, read from
 * the answer (the request for an adjustment's delta and a prepaid tender, which the answers do
 * not echo); false if the answer is not one this workload expects (a test failure). Refusals
 * change nothing. */
static bool op_effect(const op_t *op, int status, const lty_buf_t *body, effect_t *effect_out)
{
    LTY_ASSERT(op != NULL);
    LTY_ASSERT(effect_out != NULL);
    memset(effect_out, 0, sizeof(*effect_out));
    if (op_refusal_index(op->kind, status, body->data) >= 0) return true;
    if (status != 201 || body->data == NULL) return false;
    const char *text = body->data;
    int64_t gained = 0;
    int64_t lost = 0;
    switch (op->kind) {
    case OP_ADJUST: effect_out->points = op->points; return true;
    case OP_TOPUP: return json_int(text, body->size, "amount_cents", &effect_out->prepaid_cents);
    case OP_RETURN:
        if (!json_int(text, body->size, "points_refunded", &gained) ||
            !json_int(text, body->size, "points_taken_back", &lost) ||
            !json_int_in(text, body->size, "refunds", "prepaid_cents",
                         &effect_out->prepaid_cents)) {
            return false;
        }
        break;
    default:
        if (!json_int(text, body->size, "points_earned", &gained) ||
            !json_int(text, body->size, "points_redeemed", &lost)) {
            return false;
        }
        effect_out->prepaid_cents = -op->prepaid_cents;
        break;
    }
    effect_out->points = gained - lost;
    return true;
}

/* A sale acknowledged with 201 joins the worker's ring of sales its returns may name. */
static void op_sale_remember(worker_t *worker, const op_t *op, const lty_buf_t *body)
{
    LTY_ASSERT(worker != NULL);
    LTY_ASSERT(op != NULL);
    int64_t sale_id = 0;
    bool sale = op->kind == OP_SALE || op->kind == OP_SALE_REDEEM || op->kind == OP_SALE_PREPAID;
    if (!sale || !json_int(body->data, body->size, "sale_id", &sale_id)) return;
    worker->sales[worker->sales_next] = (sale_ref_t){.sale_id = sale_id,
                                                     .card_index = op->card_index};
    worker->sales_next = (worker->sales_next + 1) % CRASH_WORKER_SALES;
    if (worker->sales_count < CRASH_WORKER_SALES) worker->sales_count++;
}

/* Send until a definitive answer (any status but 503) arrives; a transport failure or a 503
 * is retried with the same key. 0 with the response, or -1 after the deadline. */
static int op_send(worker_t *worker, const op_t *op, lty_httpc_response_t *response,
                   bool *retried_out)
{
    lty_httpc_t *client = op_table[op->kind].operator_realm ? &worker->operator_client
                                                            : &worker->till;
    int64_t deadline = now_ms() + CRASH_RETRY_DEADLINE_MS;
    *retried_out = false;
    for (;;) {
        int err = client_send(client, "POST", op->path, op->key, op->body, response);
        /* The client's own resend after a kept-alive connection died (the kill cut it off
         * after the daemon may have committed) is a retry too. */
        if (err == 0 && response->resent) *retried_out = true;
        if (err == 0 && response->status != 503) return 0;
        *retried_out = true;
        lty_httpc_disconnect(client);
        if (now_ms() > deadline) {
            return crash_fail(worker->crash, "%s %s: no answer within %d ms (last err %s)",
                              op_table[op->kind].name, op->key, CRASH_RETRY_DEADLINE_MS,
                              err != 0 ? lty_err_name(err) : "503");
        }
        sleep_ms(5); /* back-off while the daemon restarts */
    }
}

static char *text_dup(const char *text, size_t size)
{
    char *copy = malloc(size + 1);
    LTY_ASSERT(copy != NULL);
    memcpy(copy, text, size);
    copy[size] = '\0';
    return copy;
}

/* Append to the log (fdatasync'd) and to memory; wakes the orchestrator. */
static void ack_record(crash_t *crash, const op_t *op, const lty_httpc_response_t *response,
                       bool retried, effect_t effect)
{
    ack_t ack = {
        .kind = op->kind,
        .card_index = op->card_index,
        .status = response->status,
        .retried = retried,
        .replayed = response->idempotent_replayed,
        .effect = effect,
        .path = text_dup(op->path, strlen(op->path)),
        .body = text_dup(op->body, strlen(op->body)),
        .response = text_dup(response->body.data != NULL ? response->body.data : "",
                             response->body.size),
    };
    snprintf(ack.key, sizeof(ack.key), "%s", op->key);
    pthread_mutex_lock(&crash->lock);
    if (crash->acks_count == crash->acks_capacity) {
        crash->acks_capacity = crash->acks_capacity == 0 ? 1024 : crash->acks_capacity * 2;
        crash->acks = realloc(crash->acks, crash->acks_capacity * sizeof(ack_t));
        LTY_ASSERT(crash->acks != NULL);
    }
    crash->acks[crash->acks_count++] = ack;
    fprintf(crash->log, "%s\t%s\t%d\t%d\t%d\t%" PRId64 "\t%" PRId64 "\t%s\t%s\n", ack.key,
            op_table[ack.kind].name, ack.status, ack.replayed, ack.retried, ack.effect.points,
            ack.effect.prepaid_cents, ack.body, ack.response);
    fflush(crash->log);
    fdatasync(fileno(crash->log));
    pthread_cond_broadcast(&crash->progress);
    pthread_mutex_unlock(&crash->lock);
}

/* One operation to its acknowledgement; sometimes sent a second time on purpose, which must
 * replay. */
static void op_run(worker_t *worker, lty_httpc_response_t *response)
{
    crash_t *crash = worker->crash;
    op_t op;
    op_build(worker, &op);
    bool retried = false;
    if (op_send(worker, &op, response, &retried) != 0) return;
    effect_t effect;
    if (!op_effect(&op, response->status, &response->body, &effect)) {
        crash_fail(crash, "%s %s: unexpected answer %d %.300s", op_table[op.kind].name, op.key,
                   response->status, response->body.data);
        return;
    }
    if (retried) {
        atomic_fetch_add(response->idempotent_replayed ? &crash->retried_replayed
                                                       : &crash->retried_applied, 1);
    } else if (response->idempotent_replayed) {
        crash_fail(crash, "%s %s: a first send answered as a replay", op_table[op.kind].name,
                   op.key);
    }
    ack_record(crash, &op, response, retried, effect);
    if (response->status == 201) op_sale_remember(worker, &op, &response->body);
    if (rng_range(&worker->rng, 0, 9) == 0) {
        atomic_fetch_add(&crash->duplicates_sent, 1);
        if (op_send(worker, &op, response, &retried) == 0 && !response->idempotent_replayed) {
            crash_fail(crash, "%s %s: a deliberate repeat was applied again",
                       op_table[op.kind].name, op.key);
        }
    }
}

static void *worker_main(void *argument)
{
    worker_t *worker = argument;
    crash_t *crash = worker->crash;
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, CRASH_RESPONSE_BYTES_MAX);
    while (!atomic_load(&crash->stopping) && atomic_load(&crash->failures) == 0) {
        op_run(worker, &response);
    }
    lty_buf_deinit(&response.body);
    return NULL;
}

/* ---- Checks ------------------------------------------------------------------------------ */

/* The member's card as the daemon sees it now: member id, points and prepaid balance. */
static int card_read(crash_t *crash, lty_httpc_t *client, const char *card_no,
                     int64_t *member_id_out, int64_t *points_out, int64_t *prepaid_out)
{
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, CRASH_RESPONSE_BYTES_MAX);
    char path[96];
    snprintf(path, sizeof(path), "/v1/till/cards/%s", card_no);
    int err = client_send(client, "GET", path, NULL, NULL, &response);
    bool good = err == 0 && response.status == 200 &&
                json_int(response.body.data, response.body.size, "member_id", member_id_out) &&
                json_int(response.body.data, response.body.size, "points", points_out) &&
                json_int(response.body.data, response.body.size, "prepaid_cents", prepaid_out);
    lty_buf_deinit(&response.body);
    return good ? 0 : crash_fail(crash, "card %s could not be read (%s)", card_no,
                                 lty_err_name(err));
}

static int cards_load(crash_t *crash, lty_httpc_t *client)
{
    char path[LTY_SPAWN_PATH_SIZE + 32];
    snprintf(path, sizeof(path), "%s/demo-cards.txt", crash->spawn.data);
    FILE *file = fopen(path, "r");
    if (file == NULL) return crash_fail(crash, "cannot open %s", path);
    char card_no[32];
    while (crash->cards_count < CRASH_CARDS_MAX && fscanf(file, "%31s", card_no) == 1) {
        card_t *card = &crash->cards[crash->cards_count];
        snprintf(card->card_no, sizeof(card->card_no), "%s", card_no);
        if (card_read(crash, client, card_no, &card->member_id, &card->points_start,
                      &card->prepaid_start) != 0) {
            break;
        }
        crash->cards_count++;
    }
    fclose(file);
    LTY_ASSERT(crash->cards_count <= CRASH_CARDS_MAX);
    return crash->cards_count > 0 && atomic_load(&crash->failures) == 0 ? 0 : -1;
}

/* Replay acknowledgement index against a daemon: it must answer as a replay, byte for byte. */
static void ack_replay_check(crash_t *crash, lty_httpc_t *till, lty_httpc_t *operator_client,
                             const ack_t *ack, lty_httpc_response_t *response, const char *where)
{
    lty_httpc_t *client = op_table[ack->kind].operator_realm ? operator_client : till;
    int err = client_send(client, "POST", ack->path, ack->key, ack->body, response);
    if (err != 0) {
        crash_fail(crash, "%s: replay of %s failed: %s", where, ack->key, lty_err_name(err));
    } else if (!response->idempotent_replayed || response->status != ack->status ||
               response->body.size != strlen(ack->response) ||
               memcmp(response->body.data, ack->response, response->body.size) != 0) {
        crash_fail(crash, "%s: %s not present exactly once: replayed=%d status %d (was %d) "
                          "body %.200s (was %.200s)", where, ack->key,
                   response->idempotent_replayed, response->status, ack->status,
                   response->body.data, ack->response);
    }
}

/* Replay acknowledgements [first, last) on the daemon at port. */
static int acks_replay(crash_t *crash, uint16_t port, size_t first, size_t last,
                       const char *where)
{
    LTY_ASSERT(first <= last);
    LTY_ASSERT(last <= crash->acks_count);
    lty_httpc_t till;
    lty_httpc_t operator_client;
    if (lty_spawn_client_open(&crash->spawn, port, false, &till) != 0 ||
        lty_spawn_client_open(&crash->spawn, port, true, &operator_client) != 0) {
        return crash_fail(crash, "%s: cannot open replay clients", where);
    }
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, CRASH_RESPONSE_BYTES_MAX);
    int failures_before = atomic_load(&crash->failures);
    for (size_t index = first; index < last && atomic_load(&crash->failures) < 10; index++) {
        pthread_mutex_lock(&crash->lock); /* workers may grow (realloc) the array meanwhile */
        ack_t ack = crash->acks[index];
        pthread_mutex_unlock(&crash->lock);
        ack_replay_check(crash, &till, &operator_client, &ack, &response, where);
    }
    lty_buf_deinit(&response.body);
    lty_httpc_deinit(&till);
    lty_httpc_deinit(&operator_client);
    return atomic_load(&crash->failures) == failures_before ? 0 : -1;
}

/* Every member's points and prepaid balance are the start balances plus the acknowledged
 * effects. */
static int balances_check(crash_t *crash, lty_httpc_t *client)
{
    int failures_before = atomic_load(&crash->failures);
    for (int card_index = 0; card_index < crash->cards_count; card_index++) {
        const card_t *card = &crash->cards[card_index];
        effect_t expected = {.points = card->points_start, .prepaid_cents = card->prepaid_start};
        for (size_t index = 0; index < crash->acks_count; index++) {
            const ack_t *ack = &crash->acks[index];
            if (ack->card_index != card_index) continue;
            expected.points += ack->effect.points;
            expected.prepaid_cents += ack->effect.prepaid_cents;
        }
        int64_t member_id = 0;
        effect_t now = {0, 0};
        if (card_read(crash, client, card->card_no, &member_id, &now.points,
                      &now.prepaid_cents) != 0) {
            continue;
        }
        if (now.points != expected.points || now.prepaid_cents != expected.prepaid_cents) {
            crash_fail(crash, "card %s: points %" PRId64 " prepaid %" PRId64 " cents, "
                              "acknowledged effects say %" PRId64 " and %" PRId64,
                       card->card_no, now.points, now.prepaid_cents, expected.points,
                       expected.prepaid_cents);
        }
    }
    return atomic_load(&crash->failures) == failures_before ? 0 : -1;
}

/* ---- Kill, copy, restart ----------------------------------------------------------------- */

/* Block until `more` acknowledgements beyond the current count have been recorded. */
static int progress_wait(crash_t *crash, size_t more)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += CRASH_PROGRESS_WAIT_S;
    pthread_mutex_lock(&crash->lock);
    size_t target = crash->acks_count + more;
    int rc = 0;
    while (crash->acks_count < target && rc == 0 && atomic_load(&crash->failures) == 0) {
        rc = pthread_cond_timedwait(&crash->progress, &crash->lock, &deadline);
    }
    pthread_mutex_unlock(&crash->lock);
    if (rc != 0) return crash_fail(crash, "no progress for %d s", CRASH_PROGRESS_WAIT_S);
    return atomic_load(&crash->failures) == 0 ? 0 : -1;
}

static size_t acks_count_now(crash_t *crash)
{
    pthread_mutex_lock(&crash->lock);
    size_t count = crash->acks_count;
    pthread_mutex_unlock(&crash->lock);
    return count;
}

/* Power-loss model: the files as written when the process died, served by a second daemon.
 * Every acknowledgement recorded before the kill must replay on the copy, which must verify. */
static int copy_check(crash_t *crash, const char *copy_dir, size_t first, size_t last)
{
    lty_spawn_t copy = crash->spawn;
    copy.pid = -1;
    snprintf(copy.data, sizeof(copy.data), "%.500s", copy_dir);
    if (lty_spawn_start(&copy, NULL) != 0) return crash_fail(crash, "no daemon on the copy");
    if (last - first > CRASH_REPLAY_PER_CYCLE_MAX) first = last - CRASH_REPLAY_PER_CYCLE_MAX;
    int err = acks_replay(crash, copy.port, first, last, "power-loss copy");
    int status = lty_spawn_stop(&copy);
    if (status != 0) err = crash_fail(crash, "daemon on the copy exited %d", status);
    if (lty_spawn_verify(&copy) != 0) err = crash_fail(crash, "the copy does not verify");
    if (err == 0) crash->power_loss_checked += (long)(last - first);
    return err;
}

static int cycle_run(crash_t *crash, int cycle, uint64_t *rng, size_t *cycle_first)
{
    if (progress_wait(crash, (size_t)rng_range(rng, 5, 60)) != 0) return -1;
    sleep_ms(rng_range(rng, 0, 3)); /* the kill lands anywhere in a request's life */
    lty_spawn_kill(&crash->spawn);
    size_t acked_before_kill = acks_count_now(crash);
    bool power_loss = crash->power_loss_every > 0 && cycle % crash->power_loss_every == 0;
    char copy_dir[LTY_SPAWN_PATH_SIZE + 16];
    snprintf(copy_dir, sizeof(copy_dir), "%s/copy", crash->spawn.dir);
    if (power_loss) {
        setenv("LTY_COPY", copy_dir, 1);
        if (lty_spawn_shell(&crash->spawn, "rm -rf \"$LTY_COPY\" && cp -a \"$LTY_DATA\" "
                                           "\"$LTY_COPY\"") != 0) {
            return crash_fail(crash, "cycle %d: copying the data directory failed", cycle);
        }
    }
    if (lty_spawn_restart(&crash->spawn) != 0) {
        return crash_fail(crash, "cycle %d: the daemon did not restart on port %u", cycle,
                          (unsigned)crash->spawn.port);
    }
    int err = power_loss ? copy_check(crash, copy_dir, *cycle_first, acked_before_kill) : 0;
    *cycle_first = acked_before_kill;
    return err;
}

/* Stop the workload (every started operation is carried to its answer), then check all. */
static int final_check(crash_t *crash, pthread_t *threads, worker_t *workers)
{
    atomic_store(&crash->stopping, true);
    for (int index = 0; index < crash->workers; index++) {
        pthread_join(threads[index], NULL);
        lty_httpc_deinit(&workers[index].till);
        lty_httpc_deinit(&workers[index].operator_client);
    }
    if (atomic_load(&crash->failures) != 0) return -1;
    lty_httpc_t client;
    if (lty_spawn_client_open(&crash->spawn, crash->spawn.port, false, &client) != 0) return -1;
    int err = balances_check(crash, &client);
    lty_httpc_deinit(&client);
    if (acks_replay(crash, crash->spawn.port, 0, crash->acks_count, "after the last restart") !=
        0) {
        err = -1;
    }
    int status = lty_spawn_stop(&crash->spawn);
    if (status != 0) err = crash_fail(crash, "daemon exited %d on SIGTERM", status);
    if (lty_spawn_verify(&crash->spawn) != 0) err = crash_fail(crash, "loyaltyctl verify failed");
    return err;
}

/* ---- Main -------------------------------------------------------------------------------- */

static int options_parse(int argc, char **argv, crash_t *crash)
{
    crash->cycles = 48;
    crash->workers = 8;
    crash->power_loss_every = 4;
    crash->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    for (int index = 1; index < argc; index++) {
        const char *value = index + 1 < argc ? argv[index + 1] : NULL;
        int *target = NULL;
        if (strcmp(argv[index], "--cycles") == 0) target = &crash->cycles;
        if (strcmp(argv[index], "--workers") == 0) target = &crash->workers;
        if (strcmp(argv[index], "--power-loss-every") == 0) target = &crash->power_loss_every;
        if (strcmp(argv[index], "--seed") == 0 && value != NULL) {
            crash->seed = (unsigned)strtoul(value, NULL, 10);
            index++;
            continue;
        }
        if (target == NULL || value == NULL) {
            fprintf(stderr, "usage: crash_driver [--cycles N] [--workers N] "
                            "[--power-loss-every K] [--seed S]\n");
            return -1;
        }
        *target = atoi(value);
        index++;
    }
    bool valid = crash->cycles >= 1 && crash->workers >= 1 &&
                 crash->workers <= CRASH_WORKERS_MAX && crash->power_loss_every >= 0;
    if (!valid) fprintf(stderr, "crash_driver: option out of range\n");
    return valid ? 0 : -1;
}

static int setup(crash_t *crash)
{
    if (lty_spawn_init_demo(&crash->spawn) != 0 || lty_spawn_start(&crash->spawn, NULL) != 0) {
        return crash_fail(crash, "cannot start a daemon on a demo data directory");
    }
    for (int kind = 0; kind < OP_KINDS; kind++) {
        crash->op_enabled[kind] = route_present(op_table[kind].route);
        printf("# operation %-12s %s\n", op_table[kind].name,
               crash->op_enabled[kind] ? "on" : "skipped (route absent)");
    }
    char log_path[LTY_SPAWN_PATH_SIZE + 16];
    snprintf(log_path, sizeof(log_path), "%s/acks.log", crash->spawn.dir);
    crash->log = fopen(log_path, "w");
    if (crash->log == NULL) return crash_fail(crash, "cannot create %s", log_path);
    lty_httpc_t client;
    if (lty_spawn_client_open(&crash->spawn, crash->spawn.port, false, &client) != 0) return -1;
    int err = cards_load(crash, &client);
    lty_httpc_deinit(&client);
    return err;
}

static int workload_start(crash_t *crash, pthread_t *threads, worker_t *workers)
{
    for (int index = 0; index < crash->workers; index++) {
        worker_t *worker = &workers[index];
        worker->crash = crash;
        worker->index = index;
        worker->rng = ((uint64_t)crash->seed << 16) ^ (uint64_t)(index + 1) * 0x9E3779B97F4A7C15u;
        if (worker->rng == 0) worker->rng = 1;
        uint16_t port = crash->spawn.port;
        if (lty_spawn_client_open(&crash->spawn, port, false, &worker->till) != 0 ||
            lty_spawn_client_open(&crash->spawn, port, true, &worker->operator_client) != 0 ||
            pthread_create(&threads[index], NULL, worker_main, worker) != 0) {
            return crash_fail(crash, "cannot start worker %d", index);
        }
    }
    return 0;
}

/* Per operation kind: applied (201) and validly refused (409, by code). */
static void outcomes_print(const crash_t *crash)
{
    LTY_ASSERT(crash != NULL);
    LTY_ASSERT(crash->acks_count == 0 || crash->acks != NULL);
    long applied[OP_KINDS] = {0};
    long refused[OP_KINDS][CRASH_REFUSALS_MAX] = {{0}};
    for (size_t index = 0; index < crash->acks_count; index++) {
        const ack_t *ack = &crash->acks[index];
        int refusal = op_refusal_index(ack->kind, ack->status, ack->response);
        if (refusal >= 0) refused[ack->kind][refusal]++;
        else applied[ack->kind]++;
    }
    for (int kind = 0; kind < OP_KINDS; kind++) {
        printf("# %-12s %6ld applied", op_table[kind].name, applied[kind]);
        for (int code = 0; code < CRASH_REFUSALS_MAX && op_table[kind].refusals[code]; code++) {
            printf(", %ld %s", refused[kind][code], op_table[kind].refusals[code]);
        }
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    static crash_t crash;
    static pthread_t threads[CRASH_WORKERS_MAX];
    static worker_t workers[CRASH_WORKERS_MAX];
    if (options_parse(argc, argv, &crash) != 0) return 2;
    pthread_mutex_init(&crash.lock, NULL);
    pthread_cond_init(&crash.progress, NULL);
    printf("# crash test: %d cycles, %d workers, power-loss copy every %d, seed %u\n",
           crash.cycles, crash.workers, crash.power_loss_every, crash.seed);
    int64_t started_ms = now_ms();
    int err = setup(&crash);
    if (err == 0) err = workload_start(&crash, threads, workers);
    uint64_t rng = crash.seed | 1u;
    size_t cycle_first = 0;
    int cycle = 1;
    for (; err == 0 && cycle <= crash.cycles; cycle++) {
        err = cycle_run(&crash, cycle, &rng, &cycle_first);
    }
    if (err == 0) err = final_check(&crash, threads, workers);
    printf("# %d kill/restart cycles, %zu acknowledged operations, %ld cut off by a kill and "
           "replayed, %ld cut off and applied once, %ld deliberate repeats, %ld acknowledgements "
           "replayed on power-loss copies, %.1f s\n",
           cycle - 1, crash.acks_count, atomic_load(&crash.retried_replayed),
           atomic_load(&crash.retried_applied), atomic_load(&crash.duplicates_sent),
           crash.power_loss_checked, (double)(now_ms() - started_ms) / 1000.0);
    if (err != 0 || atomic_load(&crash.failures) != 0) {
        printf("not ok - crash test failed (data kept in %s)\n", crash.spawn.dir);
        lty_spawn_kill(&crash.spawn);
        _exit(1); /* workers may still be running */
    }
    outcomes_print(&crash);
    printf("ok - every acknowledged operation present exactly once after %d kills\n", cycle - 1);
    if (crash.log != NULL) fclose(crash.log);
    lty_spawn_cleanup(&crash.spawn);
    return 0;
}
