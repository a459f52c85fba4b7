/* SPDX-License-Identifier: MIT */
/* Admission of connections and the network layer's security events. Per event loop, with no
 * state shared between loops: whoever can reach the port must not be able to lock the tills out.
 *
 * - A connection is uncertified from accept until its handshake ends with a verified client
 *   certificate. Uncertified connections are capped per client address (per_address_max, this
 *   loop's share of connections_per_address_max) and to the slots not reserved for certified
 *   clients (uncertified_max); they sit on a list in the order they were last active.
 * - When a cap or the loop is full, a newcomer does not wait for the flood to time out: the
 *   least recently active uncertified connection that is not in the middle of an exchange is
 *   evicted (of the same address for the address cap), then, when the whole loop is full, the
 *   certified connection idle the longest. Only when no connection can be evicted is the
 *   newcomer refused. A till therefore always finds a slot while anything uncertified or idle
 *   holds one.
 * - Every refusal, eviction, throttle, revocation cut and failed handshake passes through
 *   lty__net_event(): counted for /metrics, logged with event= at a bounded rate per loop
 *   (a flood of refusals costs ten log lines a second, not one each), and handed to the
 *   server's event_cb (the API layer's audit trail).
 *
 * Not here: the connection state machine (conn.c), slots and loops (server.c), rate limits of
 * requests (ratelimit.c). */
#include "conn.h"
#include "lty/lty_assert.h"
#include "lty/lty_limits.h"
#include "lty/lty_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int level;
} event_kinds[LTY__NET_EVENTS_COUNT] = {
    [LTY__NET_EVENT_CONNECTION_REFUSED] = {"connection_refused", LTY_LOG_WARN},
    [LTY__NET_EVENT_CONNECTION_EVICTED] = {"connection_evicted", LTY_LOG_WARN},
    [LTY__NET_EVENT_REQUEST_THROTTLED] = {"request_throttled", LTY_LOG_WARN},
    [LTY__NET_EVENT_CERTIFICATE_REVOKED] = {"certificate_revoked", LTY_LOG_WARN},
    /* Scanners and broken clients fail handshakes all day; INFO, still counted and audited. */
    [LTY__NET_EVENT_HANDSHAKE_FAILED] = {"handshake_failed", LTY_LOG_INFO},
};

/* ---- Events ------------------------------------------------------------------------------- */

void lty__net_principal(const lty_tls_peer_t *peer, char *out, size_t out_size)
{
    LTY_ASSERT(peer != NULL && out != NULL && out_size > 0);
    if (peer->role == LTY_ROLE_TILL) {
        snprintf(out, out_size, "till:%s/%s", peer->store, peer->name);
    } else if (peer->role == LTY_ROLE_OPERATOR) {
        snprintf(out, out_size, "operator:%s", peer->name);
    } else {
        snprintf(out, out_size, "-");
    }
}

/* Within this second's budget? Otherwise the event is only counted as suppressed. */
static bool event_window_admit(lty__loop_t *loop, lty__net_event_kind_t kind)
{
    lty__net_event_window_t *window = &loop->events[kind];
    uint64_t now_ms = uv_now(&loop->loop);
    if (now_ms - window->window_start_ms >= 1000) {
        window->window_start_ms = now_ms;
        window->logged = 0;
    }
    if (window->logged >= LTY_NET_EVENTS_LOGGED_PER_S) {
        window->suppressed++;
        atomic_fetch_add(&loop->server->events_suppressed, 1);
        return false;
    }
    window->logged++;
    return true;
}

void lty__net_event(lty__loop_t *loop, lty__net_event_kind_t kind, const char *principal,
                    const char *address, const char *detail_format, ...)
{
    LTY_ASSERT(loop != NULL && kind >= 0 && kind < LTY__NET_EVENTS_COUNT);
    lty_server_t *server = loop->server;
    atomic_fetch_add(&server->events[kind], 1);
    if (!event_window_admit(loop, kind)) return;
    char detail[256];
    va_list args;
    va_start(args, detail_format);
    vsnprintf(detail, sizeof(detail), detail_format, args);
    va_end(args);
    lty_net_event_t event = {
        .name = event_kinds[kind].name,
        .principal = principal != NULL ? principal : "-",
        .address = address != NULL ? address : "unknown",
        .detail = detail,
        .suppressed = loop->events[kind].suppressed,
    };
    LTY_LOG(event_kinds[kind].level, "event=%s principal=%s remote=%s loop=%d suppressed=%llu %s",
            event.name, event.principal, event.address, loop->index,
            (unsigned long long)event.suppressed, detail);
    if (server->options.event_cb != NULL) server->options.event_cb(server->options.event_userdata,
                                                                   &event);
    loop->events[kind].suppressed = 0;
}

/* ---- Uncertified connections per address ---------------------------------------------------- */

/* Index of key's entry, or of the empty entry where it would go. The table has at least twice as
 * many entries as uncertified connections can exist on the loop, so an empty one is found. */
static size_t address_index(const lty__loop_t *loop, uint64_t key)
{
    size_t index = key & loop->addresses_mask;
    while (loop->addresses[index].key != 0 && loop->addresses[index].key != key) {
        index = (index + 1) & loop->addresses_mask;
    }
    return index;
}

static int address_count(const lty__loop_t *loop, uint64_t key)
{
    const lty__address_count_t *entry = &loop->addresses[address_index(loop, key)];
    return entry->key == key ? entry->count : 0;
}

static void address_increment(lty__loop_t *loop, uint64_t key)
{
    lty__address_count_t *entry = &loop->addresses[address_index(loop, key)];
    entry->key = key;
    entry->count++;
}

/* Linear probing deletes by shifting later entries of the same run back, so lookups never need
 * tombstones. */
static void address_decrement(lty__loop_t *loop, uint64_t key)
{
    size_t hole = address_index(loop, key);
    LTY_ASSERT(loop->addresses[hole].key == key && loop->addresses[hole].count > 0);
    if (--loop->addresses[hole].count > 0) return;
    size_t next = hole;
    for (;;) {
        next = (next + 1) & loop->addresses_mask;
        if (loop->addresses[next].key == 0) break;
        size_t home = loop->addresses[next].key & loop->addresses_mask;
        bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (stays) continue;
        loop->addresses[hole] = loop->addresses[next];
        hole = next;
    }
    loop->addresses[hole].key = 0;
    loop->addresses[hole].count = 0;
}

/* ---- The uncertified list -------------------------------------------------------------------- */

static void lru_unlink(lty__loop_t *loop, lty__conn_t *conn)
{
    if (conn->lru_prev != NULL) conn->lru_prev->lru_next = conn->lru_next;
    else loop->lru_head = conn->lru_next;
    if (conn->lru_next != NULL) conn->lru_next->lru_prev = conn->lru_prev;
    else loop->lru_tail = conn->lru_prev;
    conn->lru_prev = NULL;
    conn->lru_next = NULL;
}

static void lru_append(lty__loop_t *loop, lty__conn_t *conn)
{
    conn->lru_prev = loop->lru_tail;
    conn->lru_next = NULL;
    if (loop->lru_tail != NULL) loop->lru_tail->lru_next = conn;
    else loop->lru_head = conn;
    loop->lru_tail = conn;
}

static void uncertified_remove(lty__loop_t *loop, lty__conn_t *conn)
{
    if (!conn->uncertified) return;
    conn->uncertified = false;
    lru_unlink(loop, conn);
    address_decrement(loop, conn->address_key);
    loop->uncertified_count--;
    LTY_ASSERT(loop->uncertified_count >= 0);
}

/* ---- Victims --------------------------------------------------------------------------------- */

/* An uncertified connection may go unless an exchange is in flight (its answer is coming). */
static bool uncertified_evictable(const lty__conn_t *conn)
{
    return conn->state == LTY__CONN_HANDSHAKE || conn->state == LTY__CONN_READING;
}

/* The least recently active evictable uncertified connection (of address_key when not 0). */
static lty__conn_t *victim_uncertified(const lty__loop_t *loop, uint64_t address_key)
{
    for (lty__conn_t *conn = loop->lru_head; conn != NULL; conn = conn->lru_next) {
        if (address_key != 0 && conn->address_key != address_key) continue;
        if (uncertified_evictable(conn)) return conn;
    }
    return NULL;
}

/* The certified connection idle the longest. A scan, but only when the loop is full. */
static lty__conn_t *victim_idle_certified(lty__loop_t *loop)
{
    lty__conn_t *victim = NULL;
    for (int index = 0; index < loop->slots_count; index++) {
        lty__conn_t *conn = &loop->slots[index];
        if (!conn->counted || conn->uncertified || !lty__conn_idle(conn)) continue;
        if (victim == NULL || conn->idle_since_ms < victim->idle_since_ms) victim = conn;
    }
    return victim;
}

static void evict(lty__loop_t *loop, lty__conn_t *victim, const char *reason)
{
    char principal[LTY_PRINCIPAL_BYTES_MAX];
    lty__net_principal(&victim->peer, principal, sizeof(principal));
    lty__net_event(loop, LTY__NET_EVENT_CONNECTION_EVICTED, principal,
                   victim->exchange.request.remote_addr, "reason=%s conn=%llu", reason,
                   (unsigned long long)victim->id);
    lty__conn_evict(victim);
}

/* Makes room by evicting one victim; false when there is none (the newcomer is refused). */
static bool room_make(lty__loop_t *loop, lty__conn_t *conn, lty__conn_t *victim,
                      const char *reason)
{
    if (victim == NULL) {
        lty__net_event(loop, LTY__NET_EVENT_CONNECTION_REFUSED, NULL,
                       conn->exchange.request.remote_addr, "reason=%s", reason);
        return false;
    }
    evict(loop, victim, reason);
    return true;
}

/* ---- Admission ------------------------------------------------------------------------------- */

bool lty__guard_admit(lty__loop_t *loop, lty__conn_t *conn)
{
    LTY_ASSERT(loop != NULL && conn != NULL && !conn->counted && !conn->uncertified);
    const char *address = conn->exchange.request.remote_addr;
    conn->address_key = lty_rate_key_hash(loop->server->key_seed, address, strlen(address));
    if (loop->per_address_max > 0 &&
        address_count(loop, conn->address_key) >= loop->per_address_max &&
        !room_make(loop, conn, victim_uncertified(loop, conn->address_key), "address_cap")) {
        return false;
    }
    if (loop->uncertified_count >= loop->uncertified_max &&
        !room_make(loop, conn, victim_uncertified(loop, 0), "uncertified_full")) {
        return false;
    }
    if (loop->connections_active >= loop->connections_max_share) {
        lty__conn_t *victim = victim_uncertified(loop, 0);
        if (victim == NULL) victim = victim_idle_certified(loop);
        if (!room_make(loop, conn, victim, "full")) return false;
    }
    conn->counted = true;
    loop->connections_active++;
    conn->uncertified = true;
    loop->uncertified_count++;
    address_increment(loop, conn->address_key);
    lru_append(loop, conn);
    conn->idle_since_ms = uv_now(&loop->loop);
    return true;
}

void lty__guard_release(lty__loop_t *loop, lty__conn_t *conn)
{
    LTY_ASSERT(loop != NULL && conn != NULL);
    uncertified_remove(loop, conn);
    if (!conn->counted) return;
    conn->counted = false;
    loop->connections_active--;
    LTY_ASSERT(loop->connections_active >= 0);
}

void lty__guard_certified(lty__loop_t *loop, lty__conn_t *conn)
{
    LTY_ASSERT(loop != NULL && conn != NULL);
    uncertified_remove(loop, conn);
}

void lty__guard_idle(lty__loop_t *loop, lty__conn_t *conn)
{
    LTY_ASSERT(loop != NULL && conn != NULL);
    conn->idle_since_ms = uv_now(&loop->loop);
    if (!conn->uncertified || loop->lru_tail == conn) return;
    lru_unlink(loop, conn);
    lru_append(loop, conn);
}

/* ---- Set-up ---------------------------------------------------------------------------------- */

int lty__guard_loop_init(lty__loop_t *loop, int connections_max_share, int reserved)
{
    LTY_ASSERT(loop != NULL && connections_max_share >= 1);
    LTY_ASSERT(reserved >= 0 && reserved <= connections_max_share);
    const lty_server_options_t *options = &loop->server->options;
    loop->connections_max_share = connections_max_share;
    loop->uncertified_max = connections_max_share - reserved;
    if (loop->uncertified_max < 1) loop->uncertified_max = 1;
    loop->per_address_max = 0;
    if (options->connections_per_address_max > 0) {
        /* The kernel spreads one address's connections to the main port over the till/operator
         * loops like everyone's; the portal's port has one loop, which gets the whole cap. */
        loop->per_address_max = loop->portal_only
                                    ? options->connections_per_address_max
                                    : options->connections_per_address_max / options->loops;
        if (loop->per_address_max < 1) loop->per_address_max = 1;
    }
    size_t entries = 16;
    while (entries < 2 * (size_t)connections_max_share) entries *= 2;
    loop->addresses = lty_calloc(entries, sizeof(loop->addresses[0]));
    if (loop->addresses == NULL) return LTY_E_NOMEM;
    loop->addresses_mask = entries - 1;
    return 0;
}

void lty__guard_loop_deinit(lty__loop_t *loop)
{
    LTY_ASSERT(loop != NULL);
    lty_free(loop->addresses);
    loop->addresses = NULL;
}
