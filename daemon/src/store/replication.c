/* SPDX-License-Identifier: MIT */
/* replication.c: loyaltyd's replicated mode over NATS JetStream, and the only file that includes
 * nats.h. The stream is the write-ahead log: the writer publishes each batch's change list with
 * the expected-last-sequence header before LMDB commits, so a batch is acknowledged to a till
 * only once the stream (R3, RAFT inside JetStream) holds it. One thread per node does the rest:
 * it connects (retrying while NATS is down), makes sure the stream and the lease bucket exist,
 * follows the stream as a follower (ordered consumer, exactly-once apply: the stream sequence is
 * stored with each batch in the same LMDB transaction), competes for the lease (a NATS KV key
 * whose TTL is the lease), catches up to the stream's end once it wins, and then renews the
 * lease while it leads. Nothing here is consensus of our own: the fence is JetStream's
 * sequence check, the lease is its KV TTL. It does not know what the changes mean. */
#include "replication.h"
#include "records.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_log.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define REPL_LEASE_KEY "leader"
#define REPL_FORMAT_HEADER "Lty-Changes" /* the change list's format version */
#define REPL_FORMAT_VERSION "1"
#define REPL_APPLY_MESSAGES_MAX 256      /* stream messages per follower transaction */
#define REPL_CONNECT_WAIT_MS 250         /* between connection attempts */
#define REPL_CATCH_UP_IDLE_MAX 20        /* empty waits before a catch-up gives the lease up */

struct lty_repl_s {
    lty_store_t *store;
    lty_repl_options_t options; /* strings point into the arrays below */
    char urls[LTY_REPL_URLS_MAX][256];
    char stream[LTY_REPL_NAME_BYTES_MAX + 1];
    char node[LTY_REPL_NAME_BYTES_MAX + 1];
    char advertise[LTY_REPL_ADDRESS_BYTES_MAX + 1];
    char subject[LTY_REPL_NAME_BYTES_MAX + 16];  /* "<stream>.batch" */
    char bucket[LTY_REPL_NAME_BYTES_MAX + 16];   /* "<stream>_lease" */
    char lease_value[2 * LTY_REPL_ADDRESS_BYTES_MAX + 8]; /* "node|address" */
    natsConnection *connection;
    jsCtx *js;
    kvStore *kv;
    pthread_t thread;
    bool thread_started;
    atomic_bool stopping;
    atomic_int role;
    _Atomic int64_t lease_until_ms;   /* monotonic; writes only before it */
    _Atomic uint64_t applied_seq;
    _Atomic uint64_t stream_last_seq;
    atomic_bool connected;
    _Atomic uint64_t publishes;
    _Atomic uint64_t batches_applied;
    _Atomic uint64_t step_downs;
    pthread_mutex_t mutex;            /* guards leader */
    char leader[LTY_REPL_ADDRESS_BYTES_MAX + 1];
    /* Replication thread only. */
    natsSubscription *subscription;
    uint64_t lease_revision;          /* of our lease entry; 0 = we hold none */
    int64_t lease_held_until_ms;      /* when our key may expire at the earliest (monotonic) */
    int64_t lease_renew_due_ms;
    /* Writer thread only: the sequence published for the open batch, 0 = none. */
    uint64_t pending_seq;
};

/* ---- Small helpers ----------------------------------------------------------------------- */

static void sleep_ms(int64_t ms)
{
    LTY_ASSERT(ms >= 0);
    LTY_ASSERT(ms <= 60000);
    struct timespec wait = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&wait, NULL);
}

static int64_t lease_margin_ms(const lty_repl_t *repl)
{
    /* The leader stops writing a third of a lease before the bucket would let the key expire,
     * counted from the moment it sent the renewal (the server stamps it later still). */
    return repl->options.lease_ms / 3;
}

static void leader_set(lty_repl_t *repl, const char *value, size_t size)
{
    LTY_ASSERT(repl != NULL);
    LTY_ASSERT(value != NULL || size == 0);
    const char *bar = size > 0 ? memchr(value, '|', size) : NULL;
    const char *address = bar != NULL ? bar + 1 : value;
    size_t address_size = bar != NULL ? size - (size_t)(bar + 1 - value) : size;
    if (address_size > LTY_REPL_ADDRESS_BYTES_MAX) address_size = LTY_REPL_ADDRESS_BYTES_MAX;
    pthread_mutex_lock(&repl->mutex);
    if (address_size > 0) memcpy(repl->leader, address, address_size);
    repl->leader[address_size] = '\0';
    pthread_mutex_unlock(&repl->mutex);
}

static void step_down(lty_repl_t *repl, const char *reason)
{
    LTY_ASSERT(repl != NULL);
    LTY_ASSERT(reason != NULL);
    atomic_store(&repl->lease_until_ms, 0);
    int expected = LTY_REPL_ROLE_LEADER;
    if (atomic_compare_exchange_strong(&repl->role, &expected, LTY_REPL_ROLE_FOLLOWER)) {
        atomic_fetch_add(&repl->step_downs, 1);
        LTY_LOG(LTY_LOG_WARN, "event=repl_step_down node=%s reason=%s applied_seq=%llu",
                repl->node, reason, (unsigned long long)atomic_load(&repl->applied_seq));
    }
}

int lty_repl_seq_read(lty_store_txn_t *txn, uint64_t *seq_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(seq_out != NULL);
    *seq_out = 0;
    lty_bytes_t key = {.data = LTY_META_REPLICATION_SEQ,
                       .size = sizeof(LTY_META_REPLICATION_SEQ) - 1};
    lty_bytes_t value = {0};
    int err = lty_store_get(txn, LTY_DB_META, key, &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err != 0) return err;
    return lty_record_u64_decode(value, seq_out);
}

static int seq_write(lty_store_txn_t *txn, uint64_t seq)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(seq > 0);
    uint8_t bytes[8];
    lty_record_u64_encode(seq, bytes);
    lty_bytes_t key = {.data = LTY_META_REPLICATION_SEQ,
                       .size = sizeof(LTY_META_REPLICATION_SEQ) - 1};
    lty_bytes_t value = {.data = bytes, .size = sizeof(bytes)};
    return lty_store_put(txn, LTY_DB_META, key, value);
}

/* ---- Writer side ------------------------------------------------------------------------- */

bool lty_repl_writable(lty_repl_t *repl)
{
    LTY_ASSERT(repl != NULL);
    if (atomic_load(&repl->role) != LTY_REPL_ROLE_LEADER) return false;
    return lty_clock_monotonic_ms() < atomic_load(&repl->lease_until_ms);
}

/* Build the stream message: the change list, its format, and the fence headers. */
static natsStatus message_build(lty_repl_t *repl, const lty_buf_t *changes, uint64_t expected,
                                natsMsg **message_out)
{
    LTY_ASSERT(changes->size <= (size_t)LTY_REPL_BATCH_BYTES_MAX);
    LTY_ASSERT(message_out != NULL);
    char expected_text[24];
    snprintf(expected_text, sizeof(expected_text), "%llu", (unsigned long long)expected);
    natsStatus status = natsMsg_Create(message_out, repl->subject, NULL, changes->data,
                                       (int)changes->size);
    /* Set by hand rather than through jsPubOptions.ExpectLastSeq, where 0 means "no check":
     * the first batch of an empty stream must be fenced too. */
    if (status == NATS_OK) {
        status = natsMsgHeader_Set(*message_out, "Nats-Expected-Last-Sequence", expected_text);
    }
    if (status == NATS_OK) {
        status = natsMsgHeader_Set(*message_out, "Nats-Expected-Stream", repl->stream);
    }
    if (status == NATS_OK) {
        status = natsMsgHeader_Set(*message_out, REPL_FORMAT_HEADER, REPL_FORMAT_VERSION);
    }
    return status;
}

int lty_repl_publish(lty_repl_t *repl, lty_store_txn_t *txn, const lty_buf_t *changes)
{
    LTY_ASSERT(repl != NULL);
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(repl->pending_seq == 0);
    if (!lty_repl_writable(repl)) return LTY_E_NOT_LEADER;
    if (lty_buf_error(changes) != 0 || changes->size > (size_t)LTY_REPL_BATCH_BYTES_MAX) {
        LTY_LOG(LTY_LOG_ERR, "event=repl_batch_too_large bytes=%zu bytes_max=%d err=REPLICATION",
                changes->size, LTY_REPL_BATCH_BYTES_MAX);
        return LTY_E_REPLICATION;
    }
    uint64_t expected = 0;
    int err = lty_repl_seq_read(txn, &expected);
    if (err != 0) return err;
    natsMsg *message = NULL;
    natsStatus status = message_build(repl, changes, expected, &message);
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = repl->options.publish_timeout_ms;
    jsPubAck *ack = NULL;
    jsErrCode js_err = 0;
    if (status == NATS_OK) status = js_PublishMsg(&ack, repl->js, message, &options, &js_err);
    natsMsg_Destroy(message);
    if (status != NATS_OK) {
        bool fenced = js_err == JSStreamWrongLastSequenceErr;
        LTY_LOG(LTY_LOG_WARN, "event=repl_publish_failed node=%s expected_seq=%llu status=%s "
                "js_err=%d", repl->node, (unsigned long long)expected,
                natsStatus_GetText(status), (int)js_err);
        step_down(repl, fenced ? "fenced" : "publish_failed");
        return fenced ? LTY_E_NOT_LEADER : LTY_E_REPLICATION;
    }
    uint64_t seq = ack->Sequence;
    jsPubAck_Destroy(ack);
    LTY_ASSERT(seq == expected + 1); /* the fence admits only the next sequence */
    repl->pending_seq = seq;
    atomic_fetch_add(&repl->publishes, 1);
    /* The lease may have lapsed while we waited: the batch is in the stream, but a node whose
     * lease ended acknowledges nothing. The next leader replays it, so a till's retry with its
     * key is answered from the idempotency record there. */
    if (!lty_repl_writable(repl)) {
        step_down(repl, "lease_lapsed_during_publish");
        return LTY_E_NOT_LEADER;
    }
    return seq_write(txn, seq);
}

void lty_repl_committed(lty_repl_t *repl, int err)
{
    LTY_ASSERT(repl != NULL);
    uint64_t seq = repl->pending_seq;
    repl->pending_seq = 0;
    if (seq == 0) return; /* nothing was published */
    if (err == 0) {
        atomic_store(&repl->applied_seq, seq);
        atomic_store(&repl->stream_last_seq, seq);
        return;
    }
    /* The stream holds seq, LMDB does not: follow the stream again from what LMDB holds. */
    step_down(repl, "commit_failed_after_publish");
}

/* ---- Status ------------------------------------------------------------------------------ */

const char *lty_repl_role_name(lty_repl_role_t role)
{
    LTY_ASSERT(role >= LTY_REPL_ROLE_FOLLOWER);
    LTY_ASSERT(role <= LTY_REPL_ROLE_BEHIND);
    static const char *const names[] = {"follower", "leader", "behind"};
    return names[role];
}

void lty_repl_status(lty_repl_t *repl, lty_repl_status_t *status_out)
{
    LTY_ASSERT(repl != NULL);
    LTY_ASSERT(status_out != NULL);
    memset(status_out, 0, sizeof(*status_out));
    status_out->role = (lty_repl_role_t)atomic_load(&repl->role);
    if (status_out->role == LTY_REPL_ROLE_LEADER && !lty_repl_writable(repl)) {
        status_out->role = LTY_REPL_ROLE_FOLLOWER; /* its lease lapsed: it leads no more */
    }
    status_out->applied_seq = atomic_load(&repl->applied_seq);
    status_out->stream_last_seq = atomic_load(&repl->stream_last_seq);
    if (status_out->stream_last_seq < status_out->applied_seq) {
        status_out->stream_last_seq = status_out->applied_seq;
    }
    status_out->connected = atomic_load(&repl->connected);
    status_out->publishes = atomic_load(&repl->publishes);
    status_out->batches_applied = atomic_load(&repl->batches_applied);
    status_out->step_downs = atomic_load(&repl->step_downs);
    snprintf(status_out->node, sizeof(status_out->node), "%s", repl->node);
    pthread_mutex_lock(&repl->mutex);
    if (status_out->role == LTY_REPL_ROLE_LEADER) {
        snprintf(status_out->leader, sizeof(status_out->leader), "%s", repl->advertise);
    } else {
        snprintf(status_out->leader, sizeof(status_out->leader), "%s", repl->leader);
    }
    pthread_mutex_unlock(&repl->mutex);
}

/* ---- Connection, stream and bucket ------------------------------------------------------- */

static natsStatus connection_open(lty_repl_t *repl)
{
    LTY_ASSERT(repl->connection == NULL);
    LTY_ASSERT(repl->options.nats_urls_count > 0);
    natsOptions *options = NULL;
    natsStatus status = natsOptions_Create(&options);
    if (status == NATS_OK) {
        status = natsOptions_SetServers(options, repl->options.nats_urls,
                                        repl->options.nats_urls_count);
    }
    if (status == NATS_OK) status = natsOptions_SetName(options, repl->node);
    /* Exactly the configured servers: a node cut off from them is cut off (no silent hop to a
     * server the cluster announced), which is what the operator's topology says. */
    if (status == NATS_OK) status = natsOptions_SetIgnoreDiscoveredServers(options, true);
    /* Reconnect for ever, quickly: a node that lost its server keeps trying the others. */
    if (status == NATS_OK) status = natsOptions_SetMaxReconnect(options, -1);
    if (status == NATS_OK) status = natsOptions_SetReconnectWait(options, 100);
    if (status == NATS_OK) status = natsOptions_SetTimeout(options, 1000);
    if (status == NATS_OK) status = natsConnection_Connect(&repl->connection, options);
    natsOptions_Destroy(options);
    if (status != NATS_OK) {
        repl->connection = NULL;
        return status;
    }
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = repl->options.publish_timeout_ms;
    return natsConnection_JetStream(&repl->js, repl->connection, &js_options);
}

static natsStatus stream_ensure(lty_repl_t *repl)
{
    LTY_ASSERT(repl->js != NULL);
    LTY_ASSERT(repl->kv == NULL);
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char *subjects[1] = {repl->subject};
    config.Name = repl->stream;
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = repl->options.replicas;
    config.MaxAge = repl->options.stream_max_age_ms * 1000000; /* nanoseconds */
    config.MaxMsgs = repl->options.stream_max_msgs > 0 ? repl->options.stream_max_msgs : -1;
    config.MaxMsgSize = LTY_REPL_BATCH_BYTES_MAX;
    config.DenyDelete = true; /* a hole in the log would be a gap on every follower */
    jsStreamInfo *info = NULL;
    jsErrCode js_err = 0;
    natsStatus status = js_AddStream(&info, repl->js, &config, NULL, &js_err);
    if (status != NATS_OK && js_err == JSStreamNameExistErr) {
        status = js_GetStreamInfo(&info, repl->js, repl->stream, NULL, &js_err);
    }
    if (status == NATS_OK) {
        atomic_store(&repl->stream_last_seq, info->State.LastSeq);
        jsStreamInfo_Destroy(info);
    }
    if (status != NATS_OK) return status;
    kvConfig kv_config;
    kvConfig_Init(&kv_config);
    kv_config.Bucket = repl->bucket;
    kv_config.History = 1;
    kv_config.TTL = repl->options.lease_ms * 1000000; /* nanoseconds, like MaxAge: the lease */
    kv_config.Replicas = repl->options.replicas;
    kv_config.StorageType = js_FileStorage;
    status = js_CreateKeyValue(&repl->kv, repl->js, &kv_config);
    if (status != NATS_OK) {
        LTY_LOG(LTY_LOG_WARN, "event=repl_bucket_create_failed bucket=%s status=%s detail=\"%s\"",
                repl->bucket, natsStatus_GetText(status), nats_GetLastError(NULL));
        repl->kv = NULL;
        status = js_KeyValue(&repl->kv, repl->js, repl->bucket);
    }
    return status;
}

/* Connect and set up, retrying until it works or stop begins. */
static bool connect_until_ready(lty_repl_t *repl)
{
    LTY_ASSERT(repl != NULL);
    int attempts = 0;
    while (!atomic_load(&repl->stopping)) {
        natsStatus status = repl->connection == NULL ? connection_open(repl) : NATS_OK;
        if (status == NATS_OK) status = stream_ensure(repl);
        if (status == NATS_OK) {
            atomic_store(&repl->connected, true);
            LTY_LOG(LTY_LOG_INFO, "event=repl_connected node=%s stream=%s replicas=%d",
                    repl->node, repl->stream, repl->options.replicas);
            return true;
        }
        if (attempts++ % 40 == 0) {
            LTY_LOG(LTY_LOG_WARN, "event=repl_connect_failed node=%s status=%s attempts=%d",
                    repl->node, natsStatus_GetText(status), attempts);
        }
        sleep_ms(REPL_CONNECT_WAIT_MS);
    }
    return false;
}

/* ---- Follower ---------------------------------------------------------------------------- */

static void subscription_drop(lty_repl_t *repl)
{
    LTY_ASSERT(repl != NULL);
    if (repl->subscription == NULL) return;
    natsSubscription_Unsubscribe(repl->subscription);
    natsSubscription_Destroy(repl->subscription);
    repl->subscription = NULL;
}

/* Is the batch after applied still in the stream? A node whose next batch the retention has
 * dropped can never catch up from the stream: it says so and serves nothing (a gap would be a
 * ledger missing entries). A node ahead of the stream (a stream recreated under it) likewise. */
static bool retention_covers(lty_repl_t *repl, uint64_t applied)
{
    jsStreamInfo *info = NULL;
    jsErrCode js_err = 0;
    if (js_GetStreamInfo(&info, repl->js, repl->stream, NULL, &js_err) != NATS_OK) return true;
    uint64_t first = info->State.FirstSeq, last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    atomic_store(&repl->stream_last_seq, last);
    bool gone = applied < last && first > applied + 1;
    bool ahead = applied > last;
    if (!gone && !ahead) return true;
    atomic_store(&repl->role, LTY_REPL_ROLE_BEHIND);
    LTY_LOG(LTY_LOG_ERR, "event=repl_behind node=%s applied_seq=%llu stream_first_seq=%llu "
            "stream_last_seq=%llu detail=\"%s: rebuild this node from a recent backup "
            "(docs/replication.md)\" err=REPLICA_BEHIND", repl->node,
            (unsigned long long)applied, (unsigned long long)first, (unsigned long long)last,
            gone ? "the stream no longer holds the next batch"
                 : "the store is ahead of the stream");
    return false;
}

/* Subscribe from the batch after the one the store holds. */
static bool follower_subscribe(lty_repl_t *repl)
{
    LTY_ASSERT(repl->subscription == NULL);
    uint64_t applied = atomic_load(&repl->applied_seq);
    if (!retention_covers(repl, applied)) return false;
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Stream = repl->stream;
    options.Ordered = true; /* in order, no acks, the library restarts it on a gap */
    options.Config.DeliverPolicy = js_DeliverByStartSequence;
    options.Config.OptStartSeq = applied + 1;
    jsErrCode js_err = 0;
    natsStatus status = js_SubscribeSync(&repl->subscription, repl->js, repl->subject, NULL,
                                         &options, &js_err);
    if (status != NATS_OK) {
        repl->subscription = NULL;
        LTY_LOG(LTY_LOG_WARN, "event=repl_subscribe_failed status=%s js_err=%d",
                natsStatus_GetText(status), (int)js_err);
        return false;
    }
    return true;
}

/* Apply one stream message in txn when it is the next one; *gap_out when it skips ahead. */
static int message_apply(lty_repl_t *repl, lty_store_txn_t *txn, natsMsg *message,
                         uint64_t *applied, bool *gap_out)
{
    LTY_ASSERT(message != NULL);
    LTY_ASSERT(gap_out != NULL);
    jsMsgMetaData *meta = NULL;
    if (natsMsg_GetMetaData(&meta, message) != NATS_OK) return 0; /* not a stream message */
    uint64_t seq = meta->Sequence.Stream;
    uint64_t last = seq + meta->NumPending;
    jsMsgMetaData_Destroy(meta);
    if (last > atomic_load(&repl->stream_last_seq)) atomic_store(&repl->stream_last_seq, last);
    if (seq <= *applied) return 0; /* already in the store: exactly once */
    if (seq != *applied + 1) {
        *gap_out = true;
        return 0;
    }
    const char *format = NULL;
    if (natsMsgHeader_Get(message, REPL_FORMAT_HEADER, &format) != NATS_OK ||
        strcmp(format, REPL_FORMAT_VERSION) != 0) {
        LTY_LOG(LTY_LOG_ERR, "event=repl_format_unknown seq=%llu err=CORRUPT",
                (unsigned long long)seq);
        return LTY_E_CORRUPT;
    }
    int err = lty_store_changes_apply(txn, natsMsg_GetData(message),
                                      (size_t)natsMsg_GetDataLength(message));
    if (err == 0) err = seq_write(txn, seq);
    if (err == 0) *applied = seq;
    return err;
}

/* Take what the subscription holds (waiting up to wait_ms for the first message) and apply it
 * in one transaction. Returns the number of batches applied, or a negative error. */
static int follower_apply(lty_repl_t *repl, int64_t wait_ms)
{
    LTY_ASSERT(repl->subscription != NULL);
    natsMsg *messages[REPL_APPLY_MESSAGES_MAX];
    int count = 0;
    natsStatus status = natsSubscription_NextMsg(&messages[0], repl->subscription, wait_ms);
    if (status == NATS_TIMEOUT) return 0;
    if (status != NATS_OK) return LTY_E_REPLICATION;
    count = 1;
    int pending = 0, pending_bytes = 0;
    while (count < REPL_APPLY_MESSAGES_MAX &&
           natsSubscription_GetPending(repl->subscription, &pending, &pending_bytes) == NATS_OK &&
           pending > 0 &&
           natsSubscription_NextMsg(&messages[count], repl->subscription, 0) == NATS_OK) {
        count++;
    }
    lty_store_txn_t *txn = NULL;
    int err = lty_store_txn_begin(repl->store, NULL, &txn);
    uint64_t applied = 0, before = 0;
    if (err == 0) err = lty_repl_seq_read(txn, &applied); /* the store's word, not a cache */
    before = applied;
    bool gap = false;
    for (int index = 0; index < count && err == 0 && !gap; index++) {
        err = message_apply(repl, txn, messages[index], &applied, &gap);
    }
    for (int index = 0; index < count; index++) natsMsg_Destroy(messages[index]);
    if (err == 0 && applied > before) {
        err = lty_store_txn_commit(txn);
    } else {
        lty_store_txn_abort(txn);
    }
    if (err == LTY_E_STORE_FULL) (void)lty_store_map_grow(repl->store);
    if (err != 0 || gap) return err != 0 ? err : LTY_E_REPLICATION; /* resubscribe */
    atomic_store(&repl->applied_seq, applied);
    atomic_fetch_add(&repl->batches_applied, applied - before);
    return (int)(applied - before);
}

/* ---- Lease ------------------------------------------------------------------------------- */

/* Try to take the lease: true when this node now holds it. Notes who holds it otherwise. */
static bool lease_acquire(lty_repl_t *repl)
{
    LTY_ASSERT(repl->kv != NULL);
    LTY_ASSERT(repl->lease_revision == 0);
    pthread_mutex_lock(&repl->mutex);
    bool addressed = repl->advertise[0] != '\0';
    snprintf(repl->lease_value, sizeof(repl->lease_value), "%s|%s", repl->node, repl->advertise);
    pthread_mutex_unlock(&repl->mutex);
    if (!addressed) return false; /* not serving yet: tills could not reach it */
    kvEntry *entry = NULL;
    natsStatus status = kvStore_Get(&entry, repl->kv, REPL_LEASE_KEY);
    if (status == NATS_OK) {
        leader_set(repl, kvEntry_Value(entry), (size_t)kvEntry_ValueLen(entry));
        kvEntry_Destroy(entry);
        return false;
    }
    if (status != NATS_NOT_FOUND) return false;
    int64_t sent_ms = lty_clock_monotonic_ms();
    uint64_t revision = 0;
    status = kvStore_CreateString(&revision, repl->kv, REPL_LEASE_KEY, repl->lease_value);
    if (status != NATS_OK) return false; /* another node was quicker */
    repl->lease_revision = revision;
    repl->lease_held_until_ms = sent_ms + repl->options.lease_ms;
    repl->lease_renew_due_ms = sent_ms + repl->options.lease_ms / 4;
    atomic_store(&repl->lease_until_ms, sent_ms + repl->options.lease_ms - lease_margin_ms(repl));
    LTY_LOG(LTY_LOG_INFO, "event=repl_lease_acquired node=%s revision=%llu", repl->node,
            (unsigned long long)revision);
    return true;
}

/* Renew the lease when due. False when it is lost (another holder, or it lapsed). */
static bool lease_renew(lty_repl_t *repl)
{
    LTY_ASSERT(repl->lease_revision != 0);
    int64_t now_ms = lty_clock_monotonic_ms();
    if (now_ms >= atomic_load(&repl->lease_until_ms)) return false;
    if (now_ms < repl->lease_renew_due_ms) return true;
    uint64_t revision = 0;
    natsStatus status = kvStore_UpdateString(&revision, repl->kv, REPL_LEASE_KEY,
                                             repl->lease_value, repl->lease_revision);
    if (status == NATS_OK) {
        repl->lease_revision = revision;
        repl->lease_held_until_ms = now_ms + repl->options.lease_ms;
        repl->lease_renew_due_ms = now_ms + repl->options.lease_ms / 4;
        atomic_store(&repl->lease_until_ms, now_ms + repl->options.lease_ms -
                                                lease_margin_ms(repl));
        return true;
    }
    /* A wrong revision means another node holds the key: lost at once. A timeout may pass;
     * the lease lapses by the clock if it does not. */
    repl->lease_renew_due_ms = now_ms + 100;
    return status != NATS_ERR && now_ms < atomic_load(&repl->lease_until_ms);
}

static void lease_release(lty_repl_t *repl)
{
    LTY_ASSERT(repl != NULL);
    if (repl->lease_revision == 0) return;
    /* Stop renewing: the bucket's TTL removes the key, and another node may take it. */
    repl->lease_revision = 0;
    atomic_store(&repl->lease_until_ms, 0);
}

/* ---- The replication thread -------------------------------------------------------------- */

/* Won the lease: apply the stream to its end (renewing the lease meanwhile), then lead. */
static void catch_up_and_lead(lty_repl_t *repl)
{
    LTY_ASSERT(repl->lease_revision != 0);
    jsStreamInfo *info = NULL;
    jsErrCode js_err = 0;
    if (js_GetStreamInfo(&info, repl->js, repl->stream, NULL, &js_err) != NATS_OK) {
        lease_release(repl);
        return;
    }
    uint64_t last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    int idle = 0;
    int64_t started_ms = lty_clock_monotonic_ms();
    while (atomic_load(&repl->applied_seq) < last && !atomic_load(&repl->stopping)) {
        if (!lease_renew(repl) || idle > REPL_CATCH_UP_IDLE_MAX) {
            lease_release(repl);
            return;
        }
        if (repl->subscription == NULL && !follower_subscribe(repl)) {
            lease_release(repl);
            return;
        }
        int applied = follower_apply(repl, repl->options.lease_ms / 8);
        if (applied < 0) subscription_drop(repl);
        idle = applied > 0 ? 0 : idle + 1;
    }
    subscription_drop(repl);
    if (atomic_load(&repl->role) == LTY_REPL_ROLE_BEHIND || atomic_load(&repl->stopping)) {
        lease_release(repl);
        return;
    }
    atomic_store(&repl->role, LTY_REPL_ROLE_LEADER);
    LTY_LOG(LTY_LOG_INFO, "event=repl_leader node=%s applied_seq=%llu catch_up_ms=%lld",
            repl->node, (unsigned long long)atomic_load(&repl->applied_seq),
            (long long)(lty_clock_monotonic_ms() - started_ms));
}

static void lead_tick(lty_repl_t *repl)
{
    if (!lease_renew(repl)) {
        step_down(repl, "lease_lost");
        lease_release(repl);
        return;
    }
    sleep_ms(repl->options.lease_ms / 16 + 1);
}

static void follow_tick(lty_repl_t *repl, int64_t *lease_check_due_ms)
{
    if (atomic_load(&repl->stopping)) return; /* a held lease is handed on at exit */
    if (repl->lease_revision != 0) lease_release(repl); /* stepped down by the writer */
    if (repl->subscription == NULL && !follower_subscribe(repl)) {
        sleep_ms(repl->options.lease_ms / 4);
        return;
    }
    int applied = follower_apply(repl, repl->options.lease_ms / 8);
    if (applied < 0) subscription_drop(repl);
    int64_t now_ms = lty_clock_monotonic_ms();
    if (now_ms < *lease_check_due_ms || atomic_load(&repl->stopping)) return;
    *lease_check_due_ms = now_ms + repl->options.lease_ms / 8;
    if (lease_acquire(repl)) catch_up_and_lead(repl);
}

static void *repl_main(void *argument)
{
    lty_repl_t *repl = argument;
    LTY_ASSERT(repl != NULL);
    if (!connect_until_ready(repl)) return NULL;
    int64_t lease_check_due_ms = 0;
    while (!atomic_load(&repl->stopping)) {
        int role = atomic_load(&repl->role);
        if (role == LTY_REPL_ROLE_BEHIND) {
            sleep_ms(repl->options.lease_ms / 4);
        } else if (role == LTY_REPL_ROLE_LEADER) {
            lead_tick(repl);
        } else {
            follow_tick(repl, &lease_check_due_ms);
        }
    }
    subscription_drop(repl);
    /* A clean stop hands the lease on at once instead of after its TTL; only while the key is
     * surely still ours (it cannot have expired yet), since the delete is unconditional. */
    if (repl->lease_revision != 0 && lty_clock_monotonic_ms() < repl->lease_held_until_ms) {
        (void)kvStore_Delete(repl->kv, REPL_LEASE_KEY);
        repl->lease_revision = 0;
    }
    return NULL;
}

/* ---- Start and stop ---------------------------------------------------------------------- */

void lty_repl_advertise_set(lty_repl_t *repl, const char *address)
{
    LTY_ASSERT(repl != NULL);
    LTY_ASSERT(address != NULL);
    pthread_mutex_lock(&repl->mutex);
    snprintf(repl->advertise, sizeof(repl->advertise), "%s", address);
    pthread_mutex_unlock(&repl->mutex);
}

static void options_copy(lty_repl_t *repl, const lty_repl_options_t *options)
{
    LTY_ASSERT(options->nats_urls_count >= 1);
    LTY_ASSERT(options->nats_urls_count <= LTY_REPL_URLS_MAX);
    repl->options = *options;
    for (int index = 0; index < options->nats_urls_count; index++) {
        snprintf(repl->urls[index], sizeof(repl->urls[index]), "%s", options->nats_urls[index]);
        repl->options.nats_urls[index] = repl->urls[index];
    }
    snprintf(repl->stream, sizeof(repl->stream), "%s", options->stream);
    snprintf(repl->node, sizeof(repl->node), "%s", options->node);
    snprintf(repl->advertise, sizeof(repl->advertise), "%s",
             options->advertise != NULL ? options->advertise : "");
    snprintf(repl->subject, sizeof(repl->subject), "%s.batch", repl->stream);
    snprintf(repl->bucket, sizeof(repl->bucket), "%s_lease", repl->stream);
    repl->options.stream = repl->stream;
    repl->options.node = repl->node;
    repl->options.advertise = repl->advertise;
}

int lty_repl_start(lty_repl_t **repl_out, lty_store_t *store, const lty_repl_options_t *options)
{
    LTY_ASSERT(repl_out != NULL);
    LTY_ASSERT(store != NULL);
    LTY_ASSERT(options != NULL);
    LTY_ASSERT(options->lease_ms >= 300);
    LTY_ASSERT(options->replicas >= 1);
    *repl_out = NULL;
    lty_repl_t *repl = lty_calloc(1, sizeof(*repl));
    if (repl == NULL) return LTY_E_NOMEM;
    options_copy(repl, options);
    repl->store = store;
    pthread_mutex_init(&repl->mutex, NULL);
    atomic_init(&repl->role, LTY_REPL_ROLE_FOLLOWER);
    lty_store_txn_t *txn = NULL;
    uint64_t applied = 0;
    int err = lty_store_read_begin(store, &txn);
    if (err == 0) err = lty_repl_seq_read(txn, &applied);
    lty_store_txn_abort(txn);
    if (err == 0 && nats_Open(-1) != NATS_OK) err = LTY_E_NOMEM;
    if (err != 0) {
        pthread_mutex_destroy(&repl->mutex);
        lty_free(repl);
        return err;
    }
    atomic_init(&repl->applied_seq, applied);
    int rc = pthread_create(&repl->thread, NULL, repl_main, repl);
    if (rc != 0) {
        LTY_LOG(LTY_LOG_ERR, "op=pthread_create errno=%d what=replication", rc);
        pthread_mutex_destroy(&repl->mutex);
        lty_free(repl);
        return LTY_E_NOMEM;
    }
    repl->thread_started = true;
    LTY_LOG(LTY_LOG_INFO, "event=repl_start node=%s stream=%s applied_seq=%llu lease_ms=%lld",
            repl->node, repl->stream, (unsigned long long)applied,
            (long long)repl->options.lease_ms);
    *repl_out = repl;
    return 0;
}

void lty_repl_stop(lty_repl_t *repl)
{
    if (repl == NULL) return;
    atomic_store(&repl->stopping, true);
    step_down(repl, "stopping");
    if (repl->thread_started) pthread_join(repl->thread, NULL);
    if (repl->kv != NULL) kvStore_Destroy(repl->kv);
    if (repl->js != NULL) jsCtx_Destroy(repl->js);
    if (repl->connection != NULL) {
        natsConnection_Close(repl->connection);
        natsConnection_Destroy(repl->connection);
    }
    pthread_mutex_destroy(&repl->mutex);
    lty_free(repl);
    nats_Close(); /* the library's own threads and memory: one replication object per process */
}
