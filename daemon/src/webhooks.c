/* SPDX-License-Identifier: MIT */
/* Webhook delivery (webhooks.h): one thread walks each subscription's cursor through the journal
 * (the outbox), posts the next wanted event to the subscription's URL, signed, and records the
 * outcome through the writer (cursor moved on success; back-off, then dead letter, on failure).
 * One event at a time per subscription, in journal order, so a receiver sees each member's
 * events in order. It never writes LMDB itself and never runs on the till's path. The HTTP
 * client here is a deliberately small blocking HTTP/1.1 POST over plain TCP with one deadline
 * per attempt (connect, send, status line); receivers that need TLS sit behind a proxy that
 * terminates it (docs/replication.md). */
#include "webhooks.h"
#include "events.h"
#include "lty/lty_assert.h"
#include "lty/lty_buf.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"
#include "lty/lty_log.h"
#include "lty/lty_crypto.h"
#include "ops_webhook.h"
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WEBHOOKS_PRINCIPAL "system:webhooks"
#define WEBHOOKS_IDLE_MS 100            /* between looks when there was nothing to send */
#define WEBHOOKS_SCAN_ENTRIES_MAX 512   /* journal entries looked at per look and subscription */
#define WEBHOOKS_BODY_BYTES_MAX (64 * 1024)
#define WEBHOOKS_REQUEST_HEAD_BYTES 1024

typedef enum work_kind { WORK_NONE, WORK_DELIVER, WORK_ADVANCE } work_kind_t;

/* What one look found to do for one subscription; copied out of the read transaction. */
typedef struct work_s {
    work_kind_t kind;
    uint64_t subscription_id;
    uint64_t seq;             /* DELIVER: the event; ADVANCE: the cursor's new place */
    uint32_t attempt;
    char url[LTY_WEBHOOK_URL_BYTES_MAX + 1];
    char secret[LTY_WEBHOOK_SECRET_BYTES + 1];
    lty_webhook_delivery_t delivery; /* the attempt's outcome, for the writer job */
} work_t;

struct lty_webhooks_s {
    lty_webhooks_options_t options;
    lty_ops_webhook_policy_t policy;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;          /* under lock */
    bool job_done;          /* under lock */
    uint64_t next_subscription; /* round robin: where the next look starts */
    lty_job_t job;
    lty_buf_t job_body;
    lty_buf_t event_body;   /* the event JSON being sent */
    lty_journal_entry_t entry;
    work_t work;
};

/* ---- Finding work ------------------------------------------------------------------------ */

/* Does the comma-separated list want type? "*" wants every type. */
static bool types_want(const char *types, const char *type)
{
    LTY_ASSERT(types != NULL);
    LTY_ASSERT(type != NULL);
    size_t type_size = strlen(type);
    for (const char *item = types; *item != '\0';) {
        const char *comma = strchr(item, ',');
        size_t size = comma != NULL ? (size_t)(comma - item) : strlen(item);
        if ((size == 1 && item[0] == '*') || (size == type_size && memcmp(item, type, size) == 0)) {
            return true;
        }
        item += size + (comma != NULL ? 1 : 0);
    }
    return false;
}

/* The next event of webhook after its cursor: DELIVER it (its JSON in event_body), ADVANCE over
 * entries it does not want, or nothing (the journal holds nothing newer). */
static int subscription_look(lty_webhooks_t *webhooks, lty_store_txn_t *txn,
                             const lty_webhook_t *webhook, work_t *work)
{
    LTY_ASSERT(webhook != NULL);
    LTY_ASSERT(work != NULL);
    work->kind = WORK_NONE;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_JOURNAL, &cursor);
    if (err != 0) return err == LTY_E_NOT_FOUND ? 0 : err;
    lty_key_t start;
    lty_key_id(&start, webhook->cursor_seq + 1);
    lty_bytes_t value = {0}, none = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), NULL, &value);
    uint64_t skipped_to = 0;
    for (int scanned = 0; err == 0 && scanned < WEBHOOKS_SCAN_ENTRIES_MAX; scanned++) {
        err = lty_record_entry_decode(value, &webhooks->entry);
        if (err != 0) break;
        if (types_want(webhook->event_types, lty_api_event_type(&webhooks->entry))) {
            lty_buf_reset(&webhooks->event_body);
            lty_json_writer_t writer;
            lty_jw_init(&writer, &webhooks->event_body);
            lty_api_event_render(&writer, &webhooks->entry);
            work->kind = WORK_DELIVER;
            work->seq = webhooks->entry.entry_id;
            break;
        }
        skipped_to = webhooks->entry.entry_id;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, NULL, &value);
    }
    lty_store_cursor_close(cursor);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    if (work->kind == WORK_NONE && skipped_to > 0) {
        work->kind = WORK_ADVANCE;
        work->seq = skipped_to;
    }
    if (work->kind == WORK_NONE) return 0;
    work->subscription_id = webhook->subscription_id;
    work->attempt = webhook->failures + 1;
    snprintf(work->url, sizeof(work->url), "%s", webhook->url);
    snprintf(work->secret, sizeof(work->secret), "%s", webhook->secret);
    return 0;
}

/* One look over the subscriptions (round robin from next_subscription): the first that has
 * something due. */
static int work_find(lty_webhooks_t *webhooks, work_t *work)
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(webhooks->options.store, &txn);
    if (err != 0) return err;
    lty_store_cursor_t *cursor = NULL;
    work->kind = WORK_NONE;
    err = lty_store_cursor_open(txn, LTY_DB_WEBHOOKS, &cursor);
    int64_t now_ms = lty_clock_now_ms();
    for (int round = 0; round < 2 && err == 0 && work->kind == WORK_NONE; round++) {
        lty_key_t start;
        lty_key_id(&start, round == 0 ? webhooks->next_subscription + 1 : 1);
        lty_bytes_t value = {0}, none = {0};
        int seek = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), NULL,
                                         &value);
        while (seek == 0 && work->kind == WORK_NONE) {
            lty_webhook_t webhook;
            seek = lty_record_webhook_decode(value, &webhook);
            if (seek == 0 && webhook.next_attempt_ms <= now_ms) {
                seek = subscription_look(webhooks, txn, &webhook, work);
            }
            if (seek == 0 && work->kind == WORK_NONE) {
                seek = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, NULL, &value);
            }
        }
        if (seek != 0 && seek != LTY_E_NOT_FOUND) err = seek;
    }
    lty_store_cursor_close(cursor);
    lty_store_txn_abort(txn);
    if (work->kind != WORK_NONE) webhooks->next_subscription = work->subscription_id;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* ---- Sending ----------------------------------------------------------------------------- */

/* "http://host[:port]/path" into its parts; false if it is not one. */
static bool url_split(const char *url, char *host, size_t host_size, char *port, size_t port_size,
                      const char **path_out)
{
    static const char scheme[] = "http://";
    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0) return false;
    const char *authority = url + sizeof(scheme) - 1;
    const char *slash = strchr(authority, '/');
    *path_out = slash != NULL ? slash : "/";
    size_t authority_size = slash != NULL ? (size_t)(slash - authority) : strlen(authority);
    const char *colon = memchr(authority, ':', authority_size);
    size_t name_size = colon != NULL ? (size_t)(colon - authority) : authority_size;
    if (name_size == 0 || name_size >= host_size) return false;
    memcpy(host, authority, name_size);
    host[name_size] = '\0';
    size_t port_digits = colon != NULL ? authority_size - name_size - 1 : 2;
    if (port_digits == 0 || port_digits >= port_size) return false;
    memcpy(port, colon != NULL ? colon + 1 : "80", port_digits);
    port[port_digits] = '\0';
    return true;
}

static int64_t remaining_ms(int64_t deadline_ms)
{
    int64_t left = deadline_ms - lty_clock_monotonic_ms();
    return left > 0 ? left : 0;
}

/* Wait until fd is ready for events, before the deadline: 0, or -1 on a timeout. */
static int fd_wait(int fd, short events, int64_t deadline_ms)
{
    LTY_ASSERT(fd >= 0);
    struct pollfd poller = {.fd = fd, .events = events, .revents = 0};
    for (;;) {
        int rc = poll(&poller, 1, (int)remaining_ms(deadline_ms));
        if (rc > 0) return 0;
        if (rc == 0) return -1;
        if (errno != EINTR) return -1;
    }
}

/* Connect to host:port without blocking past the deadline; a socket or -1 (detail set). */
static int tcp_connect(const char *host, const char *port, int64_t deadline_ms, char *detail,
                       size_t detail_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addresses = NULL;
    if (getaddrinfo(host, port, &hints, &addresses) != 0 || addresses == NULL) {
        snprintf(detail, detail_size, "host not resolved");
        return -1;
    }
    int fd = socket(addresses->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd >= 0 ? connect(fd, addresses->ai_addr, addresses->ai_addrlen) : -1;
    freeaddrinfo(addresses);
    if (fd >= 0 && rc != 0 && errno == EINPROGRESS) {
        int error = 0;
        socklen_t error_size = sizeof(error);
        rc = fd_wait(fd, POLLOUT, deadline_ms) == 0 &&
                     getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_size) == 0 && error == 0
                 ? 0 : -1;
    }
    if (rc != 0) {
        snprintf(detail, detail_size, "%s", remaining_ms(deadline_ms) == 0 ? "timeout"
                                                                           : "connect failed");
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const char *bytes, size_t size, int64_t deadline_ms)
{
    while (size > 0) {
        ssize_t sent = send(fd, bytes, size, MSG_NOSIGNAL);
        if (sent > 0) {
            bytes += sent;
            size -= (size_t)sent;
        } else if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (fd_wait(fd, POLLOUT, deadline_ms) != 0) return false;
        } else {
            return false;
        }
    }
    return true;
}

/* Read up to the end of the status line: the status, or 0 (detail set). */
static int status_read(int fd, int64_t deadline_ms, char *detail, size_t detail_size)
{
    char line[128];
    size_t size = 0;
    while (size < sizeof(line) - 1 && memchr(line, '\n', size) == NULL) {
        ssize_t got = recv(fd, line + size, sizeof(line) - 1 - size, 0);
        if (got > 0) {
            size += (size_t)got;
        } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (fd_wait(fd, POLLIN, deadline_ms) != 0) {
                snprintf(detail, detail_size, "timeout");
                return 0;
            }
        } else {
            snprintf(detail, detail_size, "connection closed");
            return 0;
        }
    }
    line[size] = '\0';
    int status = 0;
    if (sscanf(line, "HTTP/1.%*d %3d", &status) != 1 || status < 100 || status > 599) {
        snprintf(detail, detail_size, "not an HTTP response");
        return 0;
    }
    return status;
}

/* POST the event to work->url, signed; fills work->delivery (status, outcome, detail). */
static void event_post(lty_webhooks_t *webhooks, work_t *work)
{
    lty_webhook_delivery_t *delivery = &work->delivery;
    memset(delivery, 0, sizeof(*delivery));
    delivery->seq = work->seq;
    delivery->attempt = work->attempt;
    delivery->at_ms = lty_clock_now_ms();
    delivery->outcome = LTY_WEBHOOK_FAILED;
    char host[LTY_WEBHOOK_URL_BYTES_MAX + 1], port[8];
    const char *path = "/";
    const lty_buf_t *body = &webhooks->event_body;
    if (!url_split(work->url, host, sizeof(host), port, sizeof(port), &path)) {
        snprintf(delivery->detail, sizeof(delivery->detail), "bad url");
        return;
    }
    /* The signature covers the timestamp and the exact body bytes (Stripe's scheme). */
    long long timestamp = (long long)(delivery->at_ms / 1000);
    lty_buf_t signed_text;
    lty_buf_init(&signed_text, WEBHOOKS_BODY_BYTES_MAX + 32);
    lty_buf_appendf(&signed_text, "%lld.", timestamp);
    lty_buf_append(&signed_text, body->data, body->size);
    uint8_t mac[32];
    lty_crypto_hmac_sha256(work->secret, strlen(work->secret), signed_text.data, signed_text.size,
                           mac);
    lty_buf_deinit(&signed_text);
    char mac_hex[65];
    for (int index = 0; index < 32; index++) snprintf(mac_hex + 2 * index, 3, "%02x", mac[index]);
    char head[WEBHOOKS_REQUEST_HEAD_BYTES];
    int head_size = snprintf(head, sizeof(head),
                             "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
                             "Content-Length: %zu\r\nLoyalty-Event-Id: %llu-%llu\r\n"
                             "Loyalty-Signature: t=%lld,v1=%s\r\nConnection: close\r\n\r\n",
                             path, host, port, body->size,
                             (unsigned long long)work->subscription_id,
                             (unsigned long long)work->seq, timestamp, mac_hex);
    if (head_size < 0 || (size_t)head_size >= sizeof(head)) {
        snprintf(delivery->detail, sizeof(delivery->detail), "url too long");
        return;
    }
    int64_t deadline_ms = lty_clock_monotonic_ms() + webhooks->options.timeout_ms;
    int fd = tcp_connect(host, port, deadline_ms, delivery->detail, sizeof(delivery->detail));
    if (fd < 0) return;
    if (!send_all(fd, head, (size_t)head_size, deadline_ms) ||
        !send_all(fd, body->data, body->size, deadline_ms)) {
        snprintf(delivery->detail, sizeof(delivery->detail), "send failed");
    } else {
        delivery->http_status = status_read(fd, deadline_ms, delivery->detail,
                                            sizeof(delivery->detail));
    }
    close(fd);
    if (delivery->http_status >= 200 && delivery->http_status <= 299) {
        delivery->outcome = LTY_WEBHOOK_DELIVERED;
    } else if (delivery->http_status != 0) {
        snprintf(delivery->detail, sizeof(delivery->detail), "HTTP %d", delivery->http_status);
    }
}

/* ---- Recording, through the writer ------------------------------------------------------- */

static int outcome_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_webhooks_t *webhooks = job->userdata;
    LTY_ASSERT(webhooks != NULL);
    LTY_ASSERT(job == &webhooks->job);
    const work_t *work = &webhooks->work;
    int err = work->kind == WORK_ADVANCE
                  ? lty_ops_webhook_advance(txn, work->subscription_id, work->seq)
                  : lty_ops_webhook_attempt(txn, work->subscription_id, &work->delivery,
                                            &webhooks->policy);
    if (err == LTY_E_NOT_FOUND) err = 0; /* the subscription went meanwhile */
    lty_buf_append_str(job->body, "{}");
    job->status = err == 0 ? 200 : 500;
    return err;
}

static void outcome_done_cb(lty_job_t *job)
{
    lty_webhooks_t *webhooks = job->userdata;
    LTY_ASSERT(webhooks != NULL);
    pthread_mutex_lock(&webhooks->lock);
    webhooks->job_done = true;
    pthread_cond_broadcast(&webhooks->wake);
    pthread_mutex_unlock(&webhooks->lock);
}

/* Submit the outcome of work and wait for its commit. */
static int outcome_record(lty_webhooks_t *webhooks)
{
    lty_job_t *job = &webhooks->job;
    memset(job, 0, sizeof(*job));
    lty_buf_reset(&webhooks->job_body);
    job->apply_cb = outcome_apply_cb;
    job->done_cb = outcome_done_cb;
    job->userdata = webhooks;
    job->body = &webhooks->job_body;
    job->now_ms = lty_clock_now_ms();
    snprintf(job->principal, sizeof(job->principal), "%s", WEBHOOKS_PRINCIPAL);
    pthread_mutex_lock(&webhooks->lock);
    webhooks->job_done = false;
    pthread_mutex_unlock(&webhooks->lock);
    int err = lty_writer_submit(webhooks->options.writer, job);
    if (err != 0) return err;
    pthread_mutex_lock(&webhooks->lock);
    while (!webhooks->job_done) pthread_cond_wait(&webhooks->wake, &webhooks->lock);
    pthread_mutex_unlock(&webhooks->lock);
    return job->result;
}

/* ---- The thread -------------------------------------------------------------------------- */

/* One look and, when there is something to do, one attempt. True when work was done. */
static bool webhooks_step(lty_webhooks_t *webhooks)
{
    if (webhooks->options.repl != NULL && !lty_repl_writable(webhooks->options.repl)) {
        return false; /* followers do not deliver: their leader does */
    }
    work_t *work = &webhooks->work;
    int err = work_find(webhooks, work);
    if (err != 0) {
        LTY_LOG(LTY_LOG_WARN, "event=webhook_look_failed err=%s", lty_err_name(err));
        return false;
    }
    if (work->kind == WORK_NONE) return false;
    if (work->kind == WORK_DELIVER) event_post(webhooks, work);
    err = outcome_record(webhooks);
    if (work->kind == WORK_DELIVER) {
        LTY_LOG(work->delivery.outcome == LTY_WEBHOOK_DELIVERED ? LTY_LOG_DEBUG : LTY_LOG_INFO,
                "event=webhook_attempt subscription=%llu seq=%llu attempt=%u status=%d "
                "detail=\"%s\" recorded=%s", (unsigned long long)work->subscription_id,
                (unsigned long long)work->seq, work->attempt, work->delivery.http_status,
                work->delivery.detail, lty_err_name(err));
    }
    return err == 0;
}

static void *webhooks_main(void *argument)
{
    lty_webhooks_t *webhooks = argument;
    LTY_ASSERT(webhooks != NULL);
    pthread_mutex_lock(&webhooks->lock);
    while (!webhooks->stopping) {
        pthread_mutex_unlock(&webhooks->lock);
        bool worked = webhooks_step(webhooks);
        pthread_mutex_lock(&webhooks->lock);
        if (worked || webhooks->stopping) continue;
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += WEBHOOKS_IDLE_MS * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&webhooks->wake, &webhooks->lock, &deadline);
    }
    pthread_mutex_unlock(&webhooks->lock);
    return NULL;
}

int lty_webhooks_start(lty_webhooks_t **webhooks_out, const lty_webhooks_options_t *options)
{
    LTY_ASSERT(webhooks_out != NULL);
    LTY_ASSERT(options != NULL && options->store != NULL && options->writer != NULL);
    LTY_ASSERT(options->timeout_ms > 0 && options->attempts_max >= 1);
    *webhooks_out = NULL;
    lty_webhooks_t *webhooks = lty_calloc(1, sizeof(*webhooks));
    if (webhooks == NULL) return LTY_E_NOMEM;
    webhooks->options = *options;
    webhooks->policy = (lty_ops_webhook_policy_t){.backoff_initial_ms = options->backoff_initial_ms,
                                                  .backoff_max_ms = options->backoff_max_ms,
                                                  .attempts_max = (uint32_t)options->attempts_max};
    lty_buf_init(&webhooks->job_body, 64);
    lty_buf_init(&webhooks->event_body, WEBHOOKS_BODY_BYTES_MAX);
    pthread_mutex_init(&webhooks->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&webhooks->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (pthread_create(&webhooks->thread, NULL, webhooks_main, webhooks) != 0) {
        pthread_cond_destroy(&webhooks->wake);
        pthread_mutex_destroy(&webhooks->lock);
        lty_buf_deinit(&webhooks->job_body);
        lty_buf_deinit(&webhooks->event_body);
        lty_free(webhooks);
        return LTY_E_NOMEM;
    }
    *webhooks_out = webhooks;
    return 0;
}

void lty_webhooks_stop(lty_webhooks_t *webhooks)
{
    if (webhooks == NULL) return;
    pthread_mutex_lock(&webhooks->lock);
    webhooks->stopping = true;
    pthread_cond_broadcast(&webhooks->wake);
    pthread_mutex_unlock(&webhooks->lock);
    pthread_join(webhooks->thread, NULL);
    pthread_cond_destroy(&webhooks->wake);
    pthread_mutex_destroy(&webhooks->lock);
    lty_buf_deinit(&webhooks->job_body);
    lty_buf_deinit(&webhooks->event_body);
    lty_free(webhooks);
}
