/* SPDX-License-Identifier: MIT */
/* tests/integration/test_pos_threads.c
 * Goal: two till clients on two threads of one process share nothing they could race on, and
 * keep their promise of silence: each client's log callback receives its own lines only (its
 * HTTP client's and its TLS sessions' included), and nothing reaches stderr, also while the
 * other client is being initialised or closed.
 * Method: one real loyaltyd (tests/support/spawn.c). Two threads each open a client, look up
 * the demo card, submit a sale and close, several rounds in a row, so inits, handshakes,
 * requests and closes of the two interleave. Each client has its own host spelling
 * ("127.0.0.1", "localhost"), queue directory and log callback (userdata tags the client); the
 * lines that name a host or a directory must name the client's own, and the count of TLS
 * handshake lines must match the client's own connections. fd 2 points at a file while the
 * clients run; it must stay empty. Built under ThreadSanitizer by scripts/test (label tsan):
 * a data race's report goes to fd 2, so the stderr check fails and prints it, and the process
 * then exits 66. (Without halt_on_error: halting inside the capture would lose the report.) */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loyaltypos.h"
#include "spawn.h"
#include "till_options.h"

#include <cmocka.h>

#define ROUNDS 4
#define LINES_KEPT 256

/* One client thread: its identity, what its callback saw, how its calls ended. */
typedef struct till_thread_s {
    const char *tag;          /* "alpha", "beta" */
    const char *host;         /* how this client spells the daemon's address */
    char queue_dir[LTY_SPAWN_PATH_SIZE + 16];
    const lty_spawn_t *spawn;
    char lines[LINES_KEPT][256]; /* written by this thread's callback only */
    int lines_count;
    int wrong_userdata;       /* callback calls whose userdata was not this thread's */
    int calls_failed;
    int first_err;
} till_thread_t;

typedef struct fixture_s {
    lty_spawn_t spawn;
    till_thread_t threads[2];
    int stderr_saved;
    char stderr_path[LTY_SPAWN_PATH_SIZE + 16];
} fixture_t;

static _Thread_local till_thread_t *thread_self; /* the thread's own record, for the check */

static void log_keep(int level, const char *message, void *userdata)
{
    till_thread_t *till = userdata;
    (void)level;
    if (till != thread_self) thread_self->wrong_userdata++;
    if (till->lines_count < LINES_KEPT) {
        snprintf(till->lines[till->lines_count], sizeof(till->lines[0]), "%s", message);
    }
    till->lines_count++;
}

static void call_note(till_thread_t *till, int err)
{
    if (err == 0) return;
    if (till->calls_failed++ == 0) till->first_err = err;
}

static void till_round(till_thread_t *till, int round)
{
    lty_client_options_t options;
    lty_test_till_options(till->spawn, till->queue_dir, false, &options);
    options.host = till->host;
    options.log_cb = log_keep;
    options.log_userdata = till;
    options.log_level_max = LTY_CLIENT_LOG_DEBUG;
    lty_client_t client;
    int err = lty_client_init(&client, &options);
    call_note(till, err);
    if (err != 0) return;
    lty_card_info_t card;
    call_note(till, lty_client_card_get(&client, till->spawn->demo_card, &card));
    lty_sale_line_t line = {"SKU-T", "snacks", 1, 500};
    char receipt_no[32];
    snprintf(receipt_no, sizeof(receipt_no), "%s-%d", till->tag, round);
    lty_sale_t sale = {.card_no = till->spawn->demo_card, .receipt_no = receipt_no,
                       .lines = &line, .lines_count = 1};
    lty_receipt_t receipt;
    call_note(till, lty_client_sale_submit(&client, &sale, &receipt));
    call_note(till, lty_client_card_get(&client, till->spawn->demo_card, &card));
    lty_client_close(&client);
}

static void *till_main(void *argument)
{
    till_thread_t *till = argument;
    thread_self = till;
    for (int round = 0; round < ROUNDS; round++) till_round(till, round);
    return NULL;
}

static int setup(void **state)
{
    static fixture_t fixture;
    memset(&fixture, 0, sizeof(fixture));
    fixture.stderr_saved = -1;
    if (lty_spawn_init_demo(&fixture.spawn) != 0) return -1;
    if (lty_spawn_start(&fixture.spawn, NULL) != 0) return -1; /* before fd 2 moves */
    const char *tags[2] = {"alpha", "beta"};
    const char *hosts[2] = {"127.0.0.1", "localhost"};
    for (int index = 0; index < 2; index++) {
        till_thread_t *till = &fixture.threads[index];
        till->tag = tags[index];
        till->host = hosts[index];
        till->spawn = &fixture.spawn;
        snprintf(till->queue_dir, sizeof(till->queue_dir), "%s/q-%s", fixture.spawn.dir,
                 tags[index]);
    }
    snprintf(fixture.stderr_path, sizeof(fixture.stderr_path), "%s/stderr.txt",
             fixture.spawn.dir);
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    return lty_spawn_finish(&fixture->spawn);
}

/* fd 2 to a file while the clients run; the daemon (already started) keeps the real one. */
static void stderr_capture_begin(fixture_t *fixture)
{
    fflush(stderr);
    fixture->stderr_saved = dup(STDERR_FILENO);
    assert_true(fixture->stderr_saved >= 0);
    int fd = open(fixture->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

/* Restores fd 2 and returns what was written to it (shown on failure). */
static size_t stderr_capture_end(fixture_t *fixture, char *out, size_t out_size)
{
    fflush(stderr);
    assert_int_equal(dup2(fixture->stderr_saved, STDERR_FILENO), STDERR_FILENO);
    close(fixture->stderr_saved);
    FILE *file = fopen(fixture->stderr_path, "r");
    assert_non_null(file);
    size_t size = fread(out, 1, out_size - 1, file);
    out[size] = '\0';
    fclose(file);
    return size;
}

static int lines_containing(const till_thread_t *till, const char *needle)
{
    int count = 0;
    int kept = till->lines_count < LINES_KEPT ? till->lines_count : LINES_KEPT;
    for (int index = 0; index < kept; index++) {
        if (strstr(till->lines[index], needle) != NULL) count++;
    }
    return count;
}

static void own_lines_check(const till_thread_t *till, const till_thread_t *other)
{
    char own_host[64];
    char other_host[64];
    snprintf(own_host, sizeof(own_host), "host=%s ", till->host);
    snprintf(other_host, sizeof(other_host), "host=%s ", other->host);
    print_message("# %s: %d lines, %d calls failed\n", till->tag, till->lines_count,
                  till->calls_failed);
    assert_int_equal(till->calls_failed, 0);
    assert_int_equal(till->wrong_userdata, 0);
    assert_true(till->lines_count <= LINES_KEPT);
    /* Lines that carry an identity carry this client's. */
    assert_int_equal(lines_containing(till, other->queue_dir), 0);
    assert_int_equal(lines_containing(till, other_host), 0);
    assert_int_equal(lines_containing(till, till->queue_dir), ROUNDS); /* "queue open dir=" */
    assert_int_equal(lines_containing(till, "client ready host="), ROUNDS);
    /* Each connection's TLS line came to the client that made the connection. */
    int connections = lines_containing(till, "connected host=");
    assert_int_equal(connections, ROUNDS);
    assert_int_equal(lines_containing(till, own_host), 2 * ROUNDS); /* ready + connected */
    assert_int_equal(lines_containing(till, "tls handshake done"), connections);
}

static void test_pos_two_clients_on_two_threads_keep_their_own_logs_and_stderr_empty(
    void **state)
{
    fixture_t *fixture = *state;
    stderr_capture_begin(fixture);
    pthread_t threads[2];
    for (int index = 0; index < 2; index++) {
        assert_int_equal(pthread_create(&threads[index], NULL, till_main,
                                        &fixture->threads[index]),
                         0);
    }
    for (int index = 0; index < 2; index++) pthread_join(threads[index], NULL);
    char written[4096];
    size_t written_size = stderr_capture_end(fixture, written, sizeof(written));
    if (written_size > 0) print_message("# stderr got:\n%s\n", written);
    assert_int_equal(written_size, 0);

    own_lines_check(&fixture->threads[0], &fixture->threads[1]);
    own_lines_check(&fixture->threads[1], &fixture->threads[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_pos_two_clients_on_two_threads_keep_their_own_logs_and_stderr_empty, setup,
            teardown),
    };
    return cmocka_run_group_tests_name("pos_threads", tests, NULL, NULL);
}
