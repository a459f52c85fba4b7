/* SPDX-License-Identifier: MIT */
/* tests/unit/daemon/test_server.c
 * Goal: the network layer serves real TLS over loopback: keep-alive, pipelined requests answered
 * in order, its own 413/431/408 replies, handshake timeout, TLS reload without dropping open
 * connections, a PENDING exchange completed from another thread (also after its peer left),
 * a graceful stop that still answers the exchange in flight, and the member portal's loop (its
 * share of the slots, reload and drain).
 * Method: lty_server on 127.0.0.1 port 0 (the port read from ready_fd) in a thread, a stub API
 * defined here (no lty_api), and blocking lty_httpc_conn clients in the test thread. Waits are
 * reads and polls with deadlines, never sleeps. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"
#include "lty/lty_httpc.h"
#include "lty/lty_tls.h"
#include "server.h"

#include <cmocka.h>

#define WAIT_MS 5000

/* ---- Stub API ------------------------------------------------------------------------------ */

static pthread_mutex_t stub_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stub_cond = PTHREAD_COND_INITIALIZER;
static lty_exchange_t *stub_pending;
static atomic_int stub_releases;

int lty_api_handle(lty_api_t *api, lty_exchange_t *exchange)
{
    (void)api;
    lty_request_t *request = &exchange->request;
    lty_response_t *response = &exchange->response;
    if (strcmp(request->path, "/pending") == 0) {
        pthread_mutex_lock(&stub_mutex);
        stub_pending = exchange;
        pthread_cond_broadcast(&stub_cond);
        pthread_mutex_unlock(&stub_mutex);
        return LTY_API_PENDING;
    }
    response->status = 200;
    response->content_type = "text/plain";
    lty_buf_appendf(&response->body, "path=%s body=%zu role=%d name=%s", request->path,
                    request->body_size, (int)request->peer.role, request->peer.name);
    lty_response_header_add(response, "X-Request-Id", "r");
    if (strcmp(request->path, "/close") == 0) response->close = true;
    return LTY_API_DONE;
}

void lty_api_exchange_release(lty_api_t *api, lty_exchange_t *exchange)
{
    (void)api;
    (void)exchange;
    atomic_fetch_add(&stub_releases, 1);
}

/* The API layer's (api/dispatch.c), which the network layer calls for the Retry-After of a 429:
 * the same line, without the API library. */
void lty_response_header_add(lty_response_t *response, const char *name, const char *value)
{
    size_t room = sizeof(response->headers) - response->headers_size;
    int written = snprintf(response->headers + response->headers_size, room, "%s: %s\r\n", name,
                           value);
    assert_true(written > 0 && (size_t)written < room);
    response->headers_size += (size_t)written;
}

static lty_exchange_t *stub_pending_wait(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&stub_mutex);
    while (stub_pending == NULL) {
        if (pthread_cond_timedwait(&stub_cond, &stub_mutex, &deadline) == ETIMEDOUT) break;
    }
    lty_exchange_t *exchange = stub_pending;
    stub_pending = NULL;
    pthread_mutex_unlock(&stub_mutex);
    return exchange;
}

static void stub_complete(lty_exchange_t *exchange, const char *body)
{
    exchange->response.status = 200;
    exchange->response.content_type = "text/plain";
    lty_buf_append_str(&exchange->response.body, body);
    lty_exchange_complete(exchange);
}

/* ---- Fixture ------------------------------------------------------------------------------- */

typedef struct files_s {
    char dir[64];
    char ca_crt[128], ca_key[128], srv_crt[128], srv_key[128], till_crt[128], till_key[128];
    char till2_crt[128], till2_key[128], revoked[128];
} files_t;

static files_t files;

typedef struct fixture_s {
    lty_server_t *server;
    pthread_t thread;
    int run_rc;
    bool running;
    uint16_t port;
    uint16_t portal_port;        /* 0 unless the options enable the portal */
    lty_tls_client_t *till;
    lty_tls_client_t *till2; /* S001/T02 */
    lty_tls_client_t *anonymous;
} fixture_t;

/* Security events the server handed to its event_cb (fixture_event_cb): calls, and calls plus
 * the events each reported as suppressed. */
static atomic_int events_calls[8];
static atomic_int events_received[8];
static const char *const event_names[] = {"connection_refused", "connection_evicted",
                                          "request_throttled", "certificate_revoked",
                                          "handshake_failed"};

static void fixture_event_cb(void *userdata, const lty_net_event_t *event)
{
    (void)userdata;
    for (size_t index = 0; index < sizeof(event_names) / sizeof(event_names[0]); index++) {
        if (strcmp(event->name, event_names[index]) == 0) {
            atomic_fetch_add(&events_calls[index], 1);
            atomic_fetch_add(&events_received[index], 1 + (int)event->suppressed);
        }
    }
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(files.dir, sizeof(files.dir), "/tmp/lty_server_test.XXXXXX");
    if (mkdtemp(files.dir) == NULL) return -1;
    snprintf(files.ca_crt, sizeof(files.ca_crt), "%s/ca.crt", files.dir);
    snprintf(files.ca_key, sizeof(files.ca_key), "%s/ca.key", files.dir);
    snprintf(files.srv_crt, sizeof(files.srv_crt), "%s/server.crt", files.dir);
    snprintf(files.srv_key, sizeof(files.srv_key), "%s/server.key", files.dir);
    snprintf(files.till_crt, sizeof(files.till_crt), "%s/till.crt", files.dir);
    snprintf(files.till_key, sizeof(files.till_key), "%s/till.key", files.dir);
    snprintf(files.till2_crt, sizeof(files.till2_crt), "%s/till2.crt", files.dir);
    snprintf(files.till2_key, sizeof(files.till2_key), "%s/till2.key", files.dir);
    snprintf(files.revoked, sizeof(files.revoked), "%s/revoked.txt", files.dir);
    lty_tls_subject_t server = {.role = LTY_ROLE_SERVER, .name = "localhost"};
    lty_tls_subject_t till = {.role = LTY_ROLE_TILL, .name = "T01", .store = "S001"};
    lty_tls_subject_t till2 = {.role = LTY_ROLE_TILL, .name = "T02", .store = "S001"};
    if (lty_tls_ca_create("Test CA", files.ca_crt, files.ca_key, 10) != 0) return -1;
    if (lty_tls_cert_issue(files.ca_crt, files.ca_key, &server, 10, files.srv_crt, files.srv_key,
                           NULL) != 0) {
        return -1;
    }
    if (lty_tls_cert_issue(files.ca_crt, files.ca_key, &till2, 10, files.till2_crt,
                           files.till2_key, NULL) != 0) {
        return -1;
    }
    return lty_tls_cert_issue(files.ca_crt, files.ca_key, &till, 10, files.till_crt,
                              files.till_key, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    const char *paths[] = {files.ca_crt,   files.ca_key,    files.srv_crt,
                           files.srv_key,  files.till_crt,  files.till_key,
                           files.till2_crt, files.till2_key, files.revoked};
    for (size_t index = 0; index < sizeof(paths) / sizeof(paths[0]); index++) unlink(paths[index]);
    rmdir(files.dir);
    return 0;
}

static void *server_thread(void *argument)
{
    fixture_t *fixture = argument;
    fixture->run_rc = lty_server_run(fixture->server);
    return NULL;
}

/* The options of every test; a test changes some and calls fixture_start_options. Caps and rate
 * limits are off (0) unless a test sets them. */
static lty_server_options_t fixture_options(int loops, int connections_max)
{
    /* Timeouts long enough for a handshake under ASan on a loaded machine, short enough that the
     * tests of the timeouts themselves (408, silent client) stay quick. */
    lty_server_options_t options = {
        .listen_host = "127.0.0.1", .listen_port = 0, .loops = loops,
        .connections_max = connections_max, .handshake_timeout_ms = 1500,
        .idle_timeout_ms = 5000, .request_timeout_ms = 1000, .drain_timeout_ms = 5000,
        .tls = {.ca_cert_path = files.ca_crt, .cert_path = files.srv_crt,
                .key_path = files.srv_key, .revoked_path = files.revoked,
                .ticket_lifetime_s = 600},
        .event_cb = fixture_event_cb};
    return options;
}

static int fixture_start_options(fixture_t *fixture, lty_server_options_t *options)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return -1;
    options->ready_fd = pipe_fds[1];
    for (size_t index = 0; index < 8; index++) {
        atomic_store(&events_calls[index], 0);
        atomic_store(&events_received[index], 0);
    }
    if (lty_server_open(&fixture->server, options, NULL) != 0) return -1;
    if (pthread_create(&fixture->thread, NULL, server_thread, fixture) != 0) return -1;
    fixture->running = true;
    char line[16] = {0};
    ssize_t got = read(pipe_fds[0], line, sizeof(line) - 1); /* blocks until listening */
    close(pipe_fds[0]);
    if (got <= 0) return -1;
    fixture->port = (uint16_t)atoi(line);
    if (fixture->port != lty_server_port(fixture->server)) return -1;
    fixture->portal_port = lty_server_portal_port(fixture->server);
    lty_tls_client_options_t till = {.ca_cert_path = files.ca_crt, .cert_path = files.till_crt,
                                     .key_path = files.till_key, .server_name = "localhost"};
    lty_tls_client_options_t till2 = {.ca_cert_path = files.ca_crt, .cert_path = files.till2_crt,
                                      .key_path = files.till2_key, .server_name = "localhost"};
    lty_tls_client_options_t anonymous = {.ca_cert_path = files.ca_crt,
                                          .server_name = "localhost"};
    if (lty_tls_client_open(&fixture->till, &till) != 0) return -1;
    if (lty_tls_client_open(&fixture->till2, &till2) != 0) return -1;
    return lty_tls_client_open(&fixture->anonymous, &anonymous);
}

static int fixture_start(fixture_t *fixture, int loops, int connections_max)
{
    lty_server_options_t options = fixture_options(loops, connections_max);
    return fixture_start_options(fixture, &options);
}

static int setup(void **state)
{
    fixture_t *fixture = calloc(1, sizeof(*fixture));
    if (fixture == NULL) return -1;
    atomic_store(&stub_releases, 0);
    *state = fixture;
    return fixture_start(fixture, 2, 64);
}

static void fixture_stop(fixture_t *fixture)
{
    if (fixture->running) {
        lty_server_stop(fixture->server);
        pthread_join(fixture->thread, NULL);
        fixture->running = false;
    }
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    fixture_stop(fixture);
    lty_server_close(fixture->server);
    lty_tls_client_close(fixture->till);
    lty_tls_client_close(fixture->till2);
    lty_tls_client_close(fixture->anonymous);
    free(fixture);
    unlink(files.revoked);
    return 0;
}

/* Stops the fixture's server and starts another with options (a test's own limits). */
static void fixture_restart(fixture_t *fixture, lty_server_options_t *options)
{
    fixture_stop(fixture);
    lty_server_close(fixture->server);
    lty_tls_client_close(fixture->till);
    lty_tls_client_close(fixture->till2);
    lty_tls_client_close(fixture->anonymous);
    memset(fixture, 0, sizeof(*fixture));
    assert_int_equal(fixture_start_options(fixture, options), 0);
}

/* ---- Client helpers ------------------------------------------------------------------------ */

typedef struct stream_s {
    lty_httpc_conn_t conn;
    char data[256 * 1024];
    size_t size;
} stream_t;

typedef struct response_s {
    int status;
    char head[4096];
    char body[1024];
    size_t body_size;
} response_t;

static stream_t *stream_open_port(lty_tls_client_t *client, uint16_t port)
{
    stream_t *stream = calloc(1, sizeof(*stream));
    assert_non_null(stream);
    assert_int_equal(lty_httpc_conn_open(&stream->conn, client, "127.0.0.1", port, WAIT_MS), 0);
    return stream;
}

static stream_t *stream_open(fixture_t *fixture, lty_tls_client_t *client)
{
    return stream_open_port(client, fixture->port);
}

static void stream_close(stream_t *stream)
{
    lty_httpc_conn_close(&stream->conn);
    free(stream);
}

static void stream_send(stream_t *stream, const char *text)
{
    assert_int_equal(lty_httpc_conn_write(&stream->conn, text, strlen(text), WAIT_MS), 0);
}

/* Reads one whole response (head + Content-Length body); leftovers stay for the next. */
static int stream_response(stream_t *stream, response_t *response)
{
    for (;;) {
        stream->data[stream->size] = '\0';
        char *end = strstr(stream->data, "\r\n\r\n");
        if (end != NULL) {
            size_t head_size = (size_t)(end - stream->data) + 4;
            const char *length = strstr(stream->data, "Content-Length: ");
            assert_non_null(length);
            size_t body_size = (size_t)strtoul(length + 16, NULL, 10);
            if (stream->size >= head_size + body_size) {
                assert_true(head_size < sizeof(response->head));
                assert_true(body_size < sizeof(response->body));
                memcpy(response->head, stream->data, head_size);
                response->head[head_size] = '\0';
                memcpy(response->body, stream->data + head_size, body_size);
                response->body[body_size] = '\0';
                response->body_size = body_size;
                response->status = atoi(stream->data + 9);
                size_t used = head_size + body_size;
                memmove(stream->data, stream->data + used, stream->size - used);
                stream->size -= used;
                return 0;
            }
        }
        int got = lty_httpc_conn_read(&stream->conn, stream->data + stream->size,
                                      sizeof(stream->data) - 1 - stream->size, WAIT_MS);
        if (got <= 0) return got == 0 ? -1 : got;
        stream->size += (size_t)got;
    }
}

/* The server closed the connection: a read ends (0 or an error), never times out. */
static void stream_expect_closed(stream_t *stream)
{
    char byte;
    int got = lty_httpc_conn_read(&stream->conn, &byte, 1, WAIT_MS);
    assert_true(got == 0 || got == LTY_E_NET);
}

static int raw_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- Tests --------------------------------------------------------------------------------- */

static void test_server_keep_alive_serves_two_requests_on_one_connection(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    response_t response;
    stream_send(stream, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 200);
    assert_string_equal(response.body, "path=/a body=0 role=1 name=T01");
    assert_non_null(strstr(response.head, "Connection: keep-alive\r\n"));
    assert_non_null(strstr(response.head, "X-Request-Id: r\r\n"));
    assert_non_null(strstr(response.head, "Content-Type: text/plain\r\n"));
    stream_send(stream, "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz");
    assert_int_equal(stream_response(stream, &response), 0);
    assert_string_equal(response.body, "path=/b body=3 role=1 name=T01");
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.handshakes, 1);
    assert_int_equal(stats.requests, 2);
    assert_int_equal(stats.connections_open, 1);
    stream_close(stream);
}

static void test_server_pipelined_requests_are_answered_in_order(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    stream_send(stream, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                        "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab"
                        "GET /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "1\r\nz\r\n0\r\n\r\n"
                        "GET /close HTTP/1.1\r\nHost: a\r\n\r\n"
                        "GET /never HTTP/1.1\r\nHost: a\r\n\r\n");
    response_t response;
    const char *expected[] = {"path=/1 body=0", "path=/2 body=2", "path=/3 body=1",
                              "path=/close body=0"};
    for (int index = 0; index < 4; index++) {
        assert_int_equal(stream_response(stream, &response), 0);
        assert_int_equal(strncmp(response.body, expected[index], strlen(expected[index])), 0);
    }
    assert_non_null(strstr(response.head, "Connection: close\r\n"));
    stream_expect_closed(stream);
    stream_close(stream);
}

static void test_server_client_without_cert_is_served_as_role_none(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->anonymous);
    response_t response;
    stream_send(stream, "GET /who HTTP/1.0\r\n\r\n");
    assert_int_equal(stream_response(stream, &response), 0);
    assert_string_equal(response.body, "path=/who body=0 role=0 name=");
    assert_non_null(strstr(response.head, "Connection: close\r\n")); /* HTTP/1.0 */
    stream_expect_closed(stream);
    stream_close(stream);
}

static void test_server_declared_body_over_limit_gets_413_and_close(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    char head[128];
    snprintf(head, sizeof(head), "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n",
             LTY_HTTP_DISCARD_BYTES_MAX + 1);
    stream_send(stream, head); /* no body: the answer must not wait for it */
    response_t response;
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 413);
    assert_non_null(strstr(response.body, "\"code\":\"request_too_large\""));
    assert_non_null(strstr(response.head, "Connection: close\r\n"));
    stream_expect_closed(stream);
    stream_close(stream);
}

static void test_server_header_block_over_limit_gets_431(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    char *text = malloc(LTY_HTTP_HEADER_BYTES_MAX + 64);
    assert_non_null(text);
    int used = sprintf(text, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ");
    memset(text + used, 'p', LTY_HTTP_HEADER_BYTES_MAX);
    strcpy(text + used + LTY_HTTP_HEADER_BYTES_MAX, "\r\n\r\n");
    stream_send(stream, text);
    free(text);
    response_t response;
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 431);
    assert_non_null(strstr(response.body, "\"code\":\"headers_too_large\""));
    stream_expect_closed(stream);
    stream_close(stream);
}

static void test_server_smuggled_request_gets_400_and_close(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    stream_send(stream, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    response_t response;
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 400);
    assert_non_null(strstr(response.body, "\"code\":\"bad_request\""));
    stream_expect_closed(stream);
    stream_close(stream);
}

static void test_server_slow_request_gets_408(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    stream_send(stream, "GET /slow HTTP/1.1\r\nHost: x\r\n"); /* never finished */
    response_t response;
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 408);
    assert_non_null(strstr(response.body, "\"code\":\"request_timeout\""));
    stream_expect_closed(stream);
    stream_close(stream);
}

static void test_server_silent_tcp_client_is_closed_at_handshake_timeout(void **state)
{
    fixture_t *fixture = *state;
    int fd = raw_connect(fixture->port);
    assert_true(fd >= 0);
    struct pollfd entry = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&entry, 1, WAIT_MS), 1);
    char byte;
    assert_true(read(fd, &byte, 1) <= 0); /* closed, not answered */
    close(fd);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_true(stats.handshake_failures >= 1);
}

static void test_server_reload_keeps_open_connection_and_serves_new_ones(void **state)
{
    fixture_t *fixture = *state;
    stream_t *before = stream_open(fixture, fixture->till);
    response_t response;
    stream_send(before, "GET /before HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(before, &response), 0);
    assert_int_equal(lty_server_reload(fixture->server), 0);
    stream_send(before, "GET /still HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(before, &response), 0);
    assert_int_equal(response.status, 200);
    stream_t *after = stream_open(fixture, fixture->till);
    stream_send(after, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(after, &response), 0);
    assert_string_equal(response.body, "path=/after body=0 role=1 name=T01");
    stream_close(before);
    stream_close(after);
}

static void test_server_second_connection_resumes_by_ticket(void **state)
{
    fixture_t *fixture = *state;
    for (int attempt = 0; attempt < 2; attempt++) {
        stream_t *stream = stream_open(fixture, fixture->till);
        response_t response;
        stream_send(stream, "GET /r HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_int_equal(stream_response(stream, &response), 0);
        assert_string_equal(response.body, "path=/r body=0 role=1 name=T01");
        stream_close(stream);
    }
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.handshakes, 2);
    assert_int_equal(stats.handshakes_resumed, 1);
}

static void test_server_pending_exchange_completed_from_other_thread(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    stream_send(stream, "GET /pending HTTP/1.1\r\nHost: a\r\n\r\n"
                        "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    lty_exchange_t *exchange = stub_pending_wait();
    assert_non_null(exchange);
    stub_complete(exchange, "done");
    response_t response;
    assert_int_equal(stream_response(stream, &response), 0);
    assert_string_equal(response.body, "done");
    assert_int_equal(stream_response(stream, &response), 0);
    assert_string_equal(response.body, "path=/next body=0 role=1 name=T01");
    stream_close(stream);
}

static void test_server_pending_exchange_outlives_its_peer(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    stream_send(stream, "GET /pending HTTP/1.1\r\nHost: a\r\n\r\n");
    lty_exchange_t *exchange = stub_pending_wait();
    assert_non_null(exchange);
    stream_close(stream);
    int64_t deadline = lty_clock_monotonic_ms() + WAIT_MS;
    lty_server_stats_t stats;
    /* The slot stays taken until the completion, however long the peer is gone. */
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.connections_open, 1);
    stub_complete(exchange, "nobody listens");
    do {
        lty_server_stats(fixture->server, &stats);
        if (stats.connections_open == 0) break;
        struct pollfd none = {.fd = -1};
        poll(&none, 1, 5);
    } while (lty_clock_monotonic_ms() < deadline);
    assert_int_equal(stats.connections_open, 0);
    assert_int_equal(atomic_load(&stub_releases), 1);
}

/* Sends a request the stub leaves pending on stream and stops the server: once every loop
 * stopped accepting, a new connection to port is refused; the exchange in flight is still
 * answered (Connection: close), and the server's run returns 0. */
static void stop_drains_the_exchange_in_flight(fixture_t *fixture, stream_t *stream,
                                               uint16_t port)
{
    stream_send(stream, "GET /pending HTTP/1.1\r\nHost: a\r\n\r\n");
    lty_exchange_t *exchange = stub_pending_wait();
    assert_non_null(exchange);
    lty_server_stop(fixture->server);
    int64_t deadline = lty_clock_monotonic_ms() + WAIT_MS;
    int fd = 0;
    while ((fd = raw_connect(port)) >= 0 && lty_clock_monotonic_ms() < deadline) {
        close(fd);
        struct pollfd none = {.fd = -1};
        poll(&none, 1, 5);
    }
    assert_true(fd < 0);
    stub_complete(exchange, "drained");
    response_t response;
    assert_int_equal(stream_response(stream, &response), 0);
    assert_string_equal(response.body, "drained");
    assert_non_null(strstr(response.head, "Connection: close\r\n"));
    stream_expect_closed(stream);
    pthread_join(fixture->thread, NULL);
    fixture->running = false;
    assert_int_equal(fixture->run_rc, 0);
}

static void test_server_graceful_stop_answers_the_exchange_in_flight(void **state)
{
    fixture_t *fixture = *state;
    stream_t *stream = stream_open(fixture, fixture->till);
    stop_drains_the_exchange_in_flight(fixture, stream, fixture->port);
    assert_int_equal(atomic_load(&stub_releases), 1);
    stream_close(stream);
}

/* Polls the server's counters until check holds or WAIT_MS passes; returns the last sample. */
static lty_server_stats_t stats_wait(fixture_t *fixture, bool (*check)(const lty_server_stats_t *))
{
    int64_t deadline = lty_clock_monotonic_ms() + WAIT_MS;
    lty_server_stats_t stats;
    for (;;) {
        lty_server_stats(fixture->server, &stats);
        if (check(&stats) || lty_clock_monotonic_ms() >= deadline) return stats;
        struct pollfd none = {.fd = -1};
        poll(&none, 1, 5);
    }
}

/* The server closed fd (a read ends), within WAIT_MS. */
static bool raw_closed(int fd)
{
    struct pollfd entry = {.fd = fd, .events = POLLIN};
    if (poll(&entry, 1, WAIT_MS) != 1) return false;
    char byte;
    return read(fd, &byte, 1) <= 0;
}

/* count silent TCP connections to port (no handshake) into fds. */
static void raw_connect_many(int *fds, int count, uint16_t port)
{
    for (int index = 0; index < count; index++) {
        fds[index] = raw_connect(port);
        assert_true(fds[index] >= 0);
    }
}

/* count till connections (T01 and T02 in turn), each served one request. */
static void tills_open_served(fixture_t *fixture, stream_t **tills, int count)
{
    for (int index = 0; index < count; index++) {
        tills[index] = stream_open(fixture, index % 2 ? fixture->till2 : fixture->till);
        response_t response;
        stream_send(tills[index], "GET /in HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_int_equal(stream_response(tills[index], &response), 0);
        assert_int_equal(response.status, 200);
    }
}

static void test_server_full_slots_refuse_when_nothing_can_be_evicted(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_options(1, 1);
    fixture_restart(fixture, &options);
    stream_t *first = stream_open(fixture, fixture->till);
    stream_send(first, "GET /pending HTTP/1.1\r\nHost: a\r\n\r\n");
    lty_exchange_t *exchange = stub_pending_wait(); /* busy: not a victim */
    assert_non_null(exchange);
    lty_httpc_conn_t second;
    int rc = lty_httpc_conn_open(&second, fixture->till, "127.0.0.1", fixture->port, WAIT_MS);
    assert_true(rc == LTY_E_NET || rc == LTY_E_TLS_HANDSHAKE);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.connections_refused, 1);
    assert_int_equal(stats.connections_evicted, 0);
    assert_int_equal(atomic_load(&events_received[0]), 1);
    stub_complete(exchange, "kept");
    response_t response;
    assert_int_equal(stream_response(first, &response), 0);
    assert_string_equal(response.body, "kept");
    stream_close(first);
}

static void test_server_full_slots_evict_the_idle_connection_for_a_newcomer(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_options(1, 1);
    fixture_restart(fixture, &options);
    stream_t *first = stream_open(fixture, fixture->till);
    stream_t *second = stream_open(fixture, fixture->till2);
    stream_expect_closed(first);
    response_t response;
    stream_send(second, "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(second, &response), 0);
    assert_string_equal(response.body, "path=/ok body=0 role=1 name=T02");
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.connections_evicted, 1);
    assert_int_equal(stats.connections_refused, 0);
    stream_close(first);
    stream_close(second);
}

/* Silent TCP connections from one address: beyond the cap the oldest is evicted, so a till from
 * the same address still gets in, and once certified it no longer counts. */
static void test_server_address_cap_evicts_that_address_oldest_uncertified(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_options(1, 64);
    options.connections_per_address_max = 3;
    options.handshake_timeout_ms = 60000; /* only eviction may close them */
    fixture_restart(fixture, &options);
    int fds[5];
    raw_connect_many(fds, 5, fixture->port);
    assert_true(raw_closed(fds[0]));
    assert_true(raw_closed(fds[1]));
    stream_t *till = stream_open(fixture, fixture->till);
    assert_true(raw_closed(fds[2]));
    response_t response;
    stream_send(till, "GET /in HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(till, &response), 0);
    assert_int_equal(response.status, 200);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.connections_evicted, 3);
    assert_int_equal(stats.connections_open, 3); /* fds[3], fds[4] and the till */
    for (int index = 0; index < 5; index++) close(fds[index]);
    stream_close(till);
}

/* Half the slots reserved: silent connections (any address) hold at most the other half, and a
 * till always finds a slot. */
static void test_server_reserved_slots_keep_room_for_certified_clients(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_options(1, 8);
    options.connections_reserved_percent = 50;
    options.handshake_timeout_ms = 60000;
    fixture_restart(fixture, &options);
    int fds[12];
    raw_connect_many(fds, 12, fixture->port);
    for (int index = 0; index < 8; index++) assert_true(raw_closed(fds[index]));
    stream_t *tills[4];
    tills_open_served(fixture, tills, 4);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    /* 8 silent ones made way for later ones; the first till's handshake found the uncertified
     * half full and evicted one more; the others fitted beside the 3 left. */
    assert_int_equal(stats.connections_evicted, 8 + 1);
    assert_int_equal(stats.connections_open, 3 + 4);
    assert_int_equal(stats.connections_refused, 0);
    for (int index = 0; index < 12; index++) close(fds[index]);
    for (int index = 0; index < 4; index++) stream_close(tills[index]);
}

static bool revoked_one(const lty_server_stats_t *stats)
{
    return stats->connections_revoked >= 1;
}

/* A till's certificate revoked and the server reloaded: its open connection is cut (or, if a
 * request got there first, refused 401), new connections fail the handshake, another till is
 * unaffected. */
static void test_server_reload_cuts_open_connections_of_a_revoked_certificate(void **state)
{
    fixture_t *fixture = *state;
    stream_t *revoked = stream_open(fixture, fixture->till);
    stream_t *other = stream_open(fixture, fixture->till2);
    response_t response;
    stream_send(revoked, "GET /before HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(revoked, &response), 0);
    assert_int_equal(response.status, 200);
    lty_tls_peer_t peer;
    assert_int_equal(lty_tls_cert_peer(files.till_crt, &peer), 0);
    assert_int_equal(lty_tls_revoked_add(files.revoked, peer.serial_hex), 0);
    assert_int_equal(lty_server_reload(fixture->server), 0);
    lty_server_stats_t stats = stats_wait(fixture, revoked_one);
    assert_int_equal(stats.connections_revoked, 1);
    assert_int_equal(stats.tls_reloads, 1);
    stream_expect_closed(revoked);
    lty_httpc_conn_t again;
    int rc = lty_httpc_conn_open(&again, fixture->till, "127.0.0.1", fixture->port, WAIT_MS);
    assert_true(rc == LTY_E_TLS_HANDSHAKE || rc == LTY_E_NET);
    stream_send(other, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(other, &response), 0);
    assert_string_equal(response.body, "path=/other body=0 role=1 name=T02");
    assert_int_equal(atomic_load(&events_received[3]), 1);
    stream_close(revoked);
    stream_close(other);
}

static void test_server_throttled_request_gets_429_with_retry_after_and_keeps_alive(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_options(2, 64);
    options.rate_certificate_requests_per_s = 1;
    options.rate_certificate_burst = 2;
    options.rate_address_requests_per_s = 1;
    options.rate_address_burst = 1;
    fixture_restart(fixture, &options);
    stream_t *stream = stream_open(fixture, fixture->till);
    response_t response;
    stream_send(stream, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
                        "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 200);
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 200);
    assert_int_equal(stream_response(stream, &response), 0);
    assert_int_equal(response.status, 429);
    assert_non_null(strstr(response.body, "\"code\":\"too_many_requests\""));
    assert_non_null(strstr(response.head, "Retry-After: 1\r\n"));
    assert_non_null(strstr(response.head, "Connection: keep-alive\r\n"));
    /* Another certificate has its own bucket; an anonymous client is counted by address. */
    stream_t *other = stream_open(fixture, fixture->till2);
    stream_send(other, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(other, &response), 0);
    assert_int_equal(response.status, 200);
    stream_t *anonymous = stream_open(fixture, fixture->anonymous);
    stream_send(anonymous, "GET /a1 HTTP/1.1\r\nHost: a\r\n\r\n"
                           "GET /a2 HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(anonymous, &response), 0);
    assert_int_equal(response.status, 200);
    assert_int_equal(stream_response(anonymous, &response), 0);
    assert_int_equal(response.status, 429);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.requests_throttled, 2);
    stream_close(stream);
    stream_close(other);
    stream_close(anonymous);
}

static bool evicted_many(const lty_server_stats_t *stats)
{
    return stats->connections_evicted >= 200;
}

/* 200 evictions in a burst: every one counted, only LTY_NET_EVENTS_LOGGED_PER_S a second of
 * them passed on (and logged), each with the count suppressed since the one before. */
static void test_server_security_events_are_counted_all_and_passed_on_at_a_bounded_rate(
    void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_options(1, 64);
    options.connections_per_address_max = 1;
    options.handshake_timeout_ms = 60000;
    fixture_restart(fixture, &options);
    int64_t started_ms = lty_clock_monotonic_ms();
    int fds[201];
    for (int index = 0; index < 201; index++) {
        fds[index] = raw_connect(fixture->port);
        assert_true(fds[index] >= 0);
    }
    lty_server_stats_t stats = stats_wait(fixture, evicted_many);
    int64_t elapsed_s = (lty_clock_monotonic_ms() - started_ms) / 1000;
    for (int index = 0; index < 201; index++) close(fds[index]);
    uint64_t calls = (uint64_t)atomic_load(&events_calls[1]);
    uint64_t reported = (uint64_t)atomic_load(&events_received[1]);
    print_message("# evicted=%llu suppressed=%llu calls=%llu reported=%llu elapsed_s=%lld\n",
                  (unsigned long long)stats.connections_evicted,
                  (unsigned long long)stats.security_events_suppressed,
                  (unsigned long long)calls, (unsigned long long)reported, (long long)elapsed_s);
    assert_int_equal(stats.connections_evicted, 200);
    assert_int_equal(calls, stats.connections_evicted - stats.security_events_suppressed);
    assert_true(calls <= LTY_NET_EVENTS_LOGGED_PER_S * (uint64_t)(elapsed_s + 1));
    assert_true(reported >= calls && reported <= stats.connections_evicted);
}

/* The options with the member portal's listener on (the server's certificate serves it too). */
static lty_server_options_t fixture_portal_options(int loops, int connections_max)
{
    lty_server_options_t options = fixture_options(loops, connections_max);
    options.portal_enabled = true;
    options.portal_host = "127.0.0.1";
    options.portal_tls = (lty_tls_server_options_t){
        .cert_path = files.srv_crt, .key_path = files.srv_key, .ticket_lifetime_s = 600};
    return options;
}

/* The portal's loop takes its slots out of connections_max: 8 slots, half reserved, are 4
 * reserved and 2 more on the till/operator loop and 2 on the portal's. Silent connections to the
 * portal hold at most those 2 and never take a till's slot. */
static void test_server_portal_loop_has_its_share_of_connections_max(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_portal_options(1, 8);
    options.connections_reserved_percent = 50;
    options.handshake_timeout_ms = 60000; /* only eviction may close them */
    fixture_restart(fixture, &options);
    assert_int_not_equal(fixture->portal_port, 0);
    int fds[4];
    raw_connect_many(fds, 4, fixture->portal_port);
    assert_true(raw_closed(fds[0]));
    assert_true(raw_closed(fds[1]));
    stream_t *tills[4];
    tills_open_served(fixture, tills, 4);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.connections_evicted, 2);
    assert_int_equal(stats.connections_open, 2 + 4);
    assert_int_equal(stats.connections_accepted, 4 + 4);
    assert_int_equal(stats.connections_refused, 0);
    for (int index = 0; index < 4; index++) close(fds[index]);
    for (int index = 0; index < 4; index++) stream_close(tills[index]);
}

/* Not even one unreserved slot per loop once the portal's loop is counted: refused at open. */
static void test_server_portal_loop_needs_an_unreserved_slot(void **state)
{
    (void)state;
    lty_server_options_t options = fixture_portal_options(2, 4);
    options.connections_reserved_percent = 50;
    options.ready_fd = -1;
    lty_server_t *server = NULL;
    assert_int_equal(lty_server_open(&server, &options, NULL), LTY_E_CONFIG);
    assert_null(server);
    options.portal_enabled = false;
    assert_int_equal(lty_server_open(&server, &options, NULL), 0);
    lty_server_close(server);
}

static bool reloaded_once(const lty_server_stats_t *stats)
{
    return stats->tls_reloads >= 1;
}

/* A reload reaches the portal's loop (open members keep their connection, new ones are served)
 * and a graceful stop drains it: it stops accepting and still answers the exchange in flight. */
static void test_server_portal_loop_reloads_and_drains_with_the_others(void **state)
{
    fixture_t *fixture = *state;
    lty_server_options_t options = fixture_portal_options(2, 64);
    fixture_restart(fixture, &options);
    stream_t *member = stream_open_port(fixture->anonymous, fixture->portal_port);
    response_t response;
    stream_send(member, "GET /me HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(member, &response), 0);
    assert_string_equal(response.body, "path=/me body=0 role=0 name=");
    assert_int_equal(lty_server_reload(fixture->server), 0);
    assert_int_equal(stats_wait(fixture, reloaded_once).tls_reloads, 1);
    stream_t *after = stream_open_port(fixture->anonymous, fixture->portal_port);
    stream_send(after, "GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(stream_response(after, &response), 0);
    assert_int_equal(response.status, 200);
    stream_close(after);
    stop_drains_the_exchange_in_flight(fixture, member, fixture->portal_port);
    lty_server_stats_t stats;
    lty_server_stats(fixture->server, &stats);
    assert_int_equal(stats.connections_accepted, 2);
    assert_int_equal(stats.requests, 3);
    stream_close(member);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_server_keep_alive_serves_two_requests_on_one_connection),
        T(test_server_pipelined_requests_are_answered_in_order),
        T(test_server_client_without_cert_is_served_as_role_none),
        T(test_server_declared_body_over_limit_gets_413_and_close),
        T(test_server_header_block_over_limit_gets_431),
        T(test_server_smuggled_request_gets_400_and_close),
        T(test_server_slow_request_gets_408),
        T(test_server_silent_tcp_client_is_closed_at_handshake_timeout),
        T(test_server_reload_keeps_open_connection_and_serves_new_ones),
        T(test_server_second_connection_resumes_by_ticket),
        T(test_server_pending_exchange_completed_from_other_thread),
        T(test_server_pending_exchange_outlives_its_peer),
        T(test_server_graceful_stop_answers_the_exchange_in_flight),
        T(test_server_full_slots_refuse_when_nothing_can_be_evicted),
        T(test_server_full_slots_evict_the_idle_connection_for_a_newcomer),
        T(test_server_address_cap_evicts_that_address_oldest_uncertified),
        T(test_server_reserved_slots_keep_room_for_certified_clients),
        T(test_server_reload_cuts_open_connections_of_a_revoked_certificate),
        T(test_server_throttled_request_gets_429_with_retry_after_and_keeps_alive),
        T(test_server_security_events_are_counted_all_and_passed_on_at_a_bounded_rate),
        T(test_server_portal_loop_has_its_share_of_connections_max),
        T(test_server_portal_loop_needs_an_unreserved_slot),
        T(test_server_portal_loop_reloads_and_drains_with_the_others),
    };
    return cmocka_run_group_tests_name("server", tests, group_setup, group_teardown);
}
