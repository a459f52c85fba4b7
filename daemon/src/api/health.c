/* SPDX-License-Identifier: MIT */
/* Public operational endpoints: /healthz for load balancers and tests, /metrics in the
 * Prometheus text format for the operator's monitoring. Neither needs a client certificate;
 * neither reveals member data. */
#include "api.h"
#include "lty/lty_assert.h"

#include <inttypes.h>

/* {"status":"ok","role":"leader"|"follower","applied_seq":N,...}: a load balancer sends writes
 * to the node whose role is "leader" (docs/replication.md has an HAProxy example). A single
 * node is its own leader at sequence 0. A node behind the stream's retention answers 503 with
 * status "behind", so no balancer sends it anything. */
int lty_api_healthz(lty_api_t *api, lty_exchange_t *exchange, const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL);
    lty_buf_t *out = &exchange->response.body;
    if (api->repl == NULL) {
        lty_buf_append_str(out, "{\"status\":\"ok\",\"role\":\"leader\",\"applied_seq\":0}");
        return lty_api_reply(exchange, 200);
    }
    lty_repl_status_t status;
    lty_repl_status(api->repl, &status);
    bool behind = status.role == LTY_REPL_ROLE_BEHIND;
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "status", behind ? "behind" : "ok");
    lty_jw_kv_string(&writer, "role", lty_repl_role_name(status.role));
    lty_jw_kv_int(&writer, "applied_seq", (int64_t)status.applied_seq);
    lty_jw_kv_int(&writer, "stream_last_seq", (int64_t)status.stream_last_seq);
    lty_jw_kv_int(&writer, "lag", (int64_t)(status.stream_last_seq - status.applied_seq));
    lty_jw_kv_string(&writer, "node", status.node);
    lty_jw_kv_string(&writer, "leader", status.leader);
    lty_jw_kv_bool(&writer, "connected", status.connected);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, behind ? 503 : 200);
}

static void metric(lty_buf_t *out, const char *name, const char *type, const char *help,
                   uint64_t value)
{
    lty_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type,
                    name, value);
}

int lty_api_metrics(lty_api_t *api, lty_exchange_t *exchange, const lty_route_params_t *params)
{
    (void)params;
    LTY_ASSERT(api != NULL);
    lty_buf_t *out = &exchange->response.body;
    lty_writer_stats_t writer;
    lty_writer_stats(api->writer, &writer);
    metric(out, "loyaltyd_writer_jobs_total", "counter", "Mutations applied or refused", writer.jobs);
    metric(out, "loyaltyd_writer_batches_total", "counter", "Durable commits", writer.batches);
    metric(out, "loyaltyd_writer_replays_total", "counter", "Idempotent replays", writer.replays);
    metric(out, "loyaltyd_writer_commit_failures_total", "counter", "Failed commits",
           writer.commit_failures);
    metric(out, "loyaltyd_writer_gather_microseconds_total", "counter",
           "Group-commit wait for more jobs", writer.gather_us);
    metric(out, "loyaltyd_writer_apply_microseconds_total", "counter",
           "Running jobs in batch transactions", writer.apply_us);
    metric(out, "loyaltyd_writer_commit_microseconds_total", "counter",
           "Durable commits (page writes and fsyncs)", writer.commit_us);
    metric(out, "loyaltyd_writer_publish_microseconds_total", "counter",
           "Replicated mode: publishing batches and waiting for the stream (within commit)",
           writer.publish_us);
    metric(out, "loyaltyd_idempotency_keys_swept_total", "counter", "Expired keys purged",
           writer.keys_swept);
    metric(out, "loyaltyd_writer_queue_depth", "gauge", "Jobs waiting for the writer",
           (uint64_t)(writer.queue_depth > 0 ? writer.queue_depth : 0));
    lty_store_stats_t store;
    lty_store_stats(api->store, &store);
    if (api->repl != NULL) {
        lty_repl_status_t repl;
        lty_repl_status(api->repl, &repl);
        metric(out, "loyaltyd_replication_leader", "gauge", "1 while this node leads",
               repl.role == LTY_REPL_ROLE_LEADER ? 1u : 0u);
        metric(out, "loyaltyd_replication_applied_seq", "gauge", "Stream sequence in this store",
               repl.applied_seq);
        metric(out, "loyaltyd_replication_lag", "gauge", "Batches known but not yet applied",
               repl.stream_last_seq - repl.applied_seq);
        metric(out, "loyaltyd_replication_publishes_total", "counter", "Batches published",
               repl.publishes);
        metric(out, "loyaltyd_replication_applied_total", "counter", "Batches applied as follower",
               repl.batches_applied);
        metric(out, "loyaltyd_replication_step_downs_total", "counter", "Leaderships given up",
               repl.step_downs);
    }
    metric(out, "loyaltyd_store_map_bytes", "gauge", "LMDB map size", (uint64_t)store.map_bytes);
    metric(out, "loyaltyd_store_used_bytes", "gauge", "LMDB bytes in use",
           (uint64_t)store.used_bytes);
    metric(out, "loyaltyd_store_cache_warm_bytes", "gauge",
           "data.mdb bytes read into the page cache by the start-up warm-up",
           (uint64_t)store.warm_bytes);
    metric(out, "loyaltyd_store_cache_warm_done", "gauge", "1 once the start-up warm-up ended",
           store.warm_done ? 1u : 0u);
    if (api->net_stats_cb != NULL) {
        lty_net_stats_t server;
        api->net_stats_cb(api->net_stats_userdata, &server);
        metric(out, "loyaltyd_connections_accepted_total", "counter", "Connections accepted",
               server.connections_accepted);
        metric(out, "loyaltyd_connections_refused_total", "counter",
               "Connections refused (full, or an address at its cap, with nothing to evict)",
               server.connections_refused);
        metric(out, "loyaltyd_connections_evicted_total", "counter",
               "Uncertified or idle connections closed to make room", server.connections_evicted);
        metric(out, "loyaltyd_requests_throttled_total", "counter",
               "Requests refused 429 by a certificate's or an address's rate limit",
               server.requests_throttled);
        metric(out, "loyaltyd_connections_revoked_total", "counter",
               "Connections cut because a reload revoked their certificate",
               server.connections_revoked);
        metric(out, "loyaltyd_security_events_suppressed_total", "counter",
               "Security events counted but not logged (log rate bound)",
               server.security_events_suppressed);
        metric(out, "loyaltyd_tls_reloads_total", "counter", "TLS configuration reloads (SIGHUP)",
               server.tls_reloads);
        metric(out, "loyaltyd_rate_table_saturated_total", "counter",
               "Requests let through because a rate-limit table had no room for their key",
               server.rate_table_saturated);
        metric(out, "loyaltyd_tls_handshakes_total", "counter", "TLS handshakes", server.handshakes);
        metric(out, "loyaltyd_tls_handshakes_resumed_total", "counter", "Resumed handshakes",
               server.handshakes_resumed);
        metric(out, "loyaltyd_tls_handshake_failures_total", "counter", "Failed handshakes",
               server.handshake_failures);
        metric(out, "loyaltyd_requests_total", "counter", "HTTP requests", server.requests);
        metric(out, "loyaltyd_connections_open", "gauge", "Open connections",
               (uint64_t)server.connections_open);
    }
    exchange->response.content_type = "text/plain; version=0.0.4";
    return lty_api_reply(exchange, 200);
}
