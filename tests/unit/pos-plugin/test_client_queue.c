/* SPDX-License-Identifier: MIT */
/* tests/unit/pos-plugin/test_client_queue.c
 * Goal: the till's request journal survives re-init in order with its keys, leaves only on a
 * definitive answer, finishes interrupted moves, refuses damaged files, and the client keeps or
 * drops entries by the rules in loyaltypos.h when the daemon is unreachable. (Misuse of the
 * public calls is test_client_api.c's.)
 * Method: queue.c driven directly in a temporary directory; then lty_client_* against a local
 * port nobody listens on, with a throwaway CA and till certificate made by lty_tls. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../pos-plugin/src/pos_internal.h"
#include "till_files.h"

#include <cmocka.h> /* last: with UNIT_TESTING it redefines malloc/free */

typedef struct fixture_s {
    char dir[256];
    char queue[300];
    lty__pos_log_t log;
} fixture_t;

static int setup(void **state)
{
    static fixture_t fixture;
    memset(&fixture, 0, sizeof(fixture));
    snprintf(fixture.dir, sizeof(fixture.dir), "/tmp/lty-queue-XXXXXX");
    if (mkdtemp(fixture.dir) == NULL) return -1;
    snprintf(fixture.queue, sizeof(fixture.queue), "%s/q", fixture.dir);
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    char command[400];
    snprintf(command, sizeof(command), "rm -rf '%s'", fixture->dir);
    return system(command) == 0 ? 0 : -1;
}

static void append(lty__pos_queue_t *queue, const char *key, const char *body, uint64_t *seq)
{
    assert_int_equal(lty__pos_queue_append(queue, key, "POST", "/v1/till/sales", "sale R-1",
                                           body, strlen(body), seq),
                     0);
}

static const char key_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char key_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
static const char key_c[] = "cccccccccccccccccccccccccccccccc";

static void test_queue_entries_survive_reopen_in_order_with_keys(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    uint64_t seq[3];
    append(&queue, key_a, "{\"n\":1}", &seq[0]);
    append(&queue, key_b, "{\"n\":2}", &seq[1]);
    append(&queue, key_c, "{\"n\":3}", &seq[2]);
    assert_true(seq[0] < seq[1] && seq[1] < seq[2]);
    lty__pos_queue_close(&queue);

    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    assert_int_equal(queue.pending_count, 3);
    const char *keys[] = {key_a, key_b, key_c};
    for (size_t index = 0; index < 3; index++) {
        lty__pos_record_t record;
        assert_int_equal(lty__pos_queue_load(&queue, index, &record), 0);
        assert_int_equal(record.sequence, seq[index]);
        assert_string_equal(record.key, keys[index]);
        assert_string_equal(record.method, "POST");
        assert_string_equal(record.path, "/v1/till/sales");
        assert_string_equal(record.label, "sale R-1");
        char body[16];
        snprintf(body, sizeof(body), "{\"n\":%zu}", index + 1);
        assert_int_equal(record.body_size, strlen(body));
        assert_memory_equal(record.body, body, record.body_size);
    }
    assert_int_equal(lty__pos_queue_load(&queue, 3, &(lty__pos_record_t){0}), LTY_E_NOT_FOUND);
    lty__pos_queue_close(&queue);
}

static void test_queue_remove_keeps_the_rest_and_never_reuses_a_sequence(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    uint64_t seq[3];
    append(&queue, key_a, "1", &seq[0]);
    append(&queue, key_b, "2", &seq[1]);
    append(&queue, key_c, "3", &seq[2]);
    assert_int_equal(lty__pos_queue_remove(&queue, seq[1]), 0);
    assert_int_equal(lty__pos_queue_remove(&queue, seq[1]), LTY_E_NOT_FOUND);
    assert_int_equal(lty__pos_queue_remove(&queue, seq[2]), 0);
    lty__pos_queue_close(&queue);

    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    assert_int_equal(queue.pending_count, 1);
    assert_int_equal(queue.pending[0].sequence, seq[0]);
    uint64_t next = 0;
    append(&queue, key_c, "4", &next);
    assert_true(next > seq[0]);
    lty__pos_queue_close(&queue);
}

static void test_queue_refuse_moves_to_refused_with_the_answer(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    uint64_t seq[2];
    append(&queue, key_a, "{\"a\":1}", &seq[0]);
    append(&queue, key_b, "{\"b\":2}", &seq[1]);
    assert_int_equal(lty__pos_queue_refuse(&queue, seq[0], 409, "insufficient_points",
                                           "balance too low\nsecond line"),
                     0);
    assert_int_equal(queue.pending_count, 1);
    assert_int_equal(queue.refused_count, 1);
    lty__pos_queue_close(&queue);

    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    assert_int_equal(queue.pending_count, 1);
    assert_int_equal(queue.pending[0].sequence, seq[1]);
    assert_int_equal(queue.refused_count, 1);
    lty__pos_record_t record;
    assert_int_equal(lty__pos_queue_refused_load(&queue, 0, &record), 0);
    assert_int_equal(record.sequence, seq[0]);
    assert_string_equal(record.key, key_a);
    assert_int_equal(record.http_status, 409);
    assert_string_equal(record.code, "insufficient_points");
    assert_string_equal(record.message, "balance too low second line");
    assert_memory_equal(record.body, "{\"a\":1}", 7);
    assert_int_equal(lty__pos_queue_refused_remove(&queue, seq[0]), 0);
    assert_int_equal(lty__pos_queue_refused_remove(&queue, seq[0]), LTY_E_NOT_FOUND);
    lty__pos_queue_close(&queue);
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    assert_int_equal(queue.refused_count, 0);
    lty__pos_queue_close(&queue);
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void test_queue_open_finishes_interrupted_writes_and_moves(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    uint64_t seq = 0;
    append(&queue, key_a, "x", &seq);
    lty__pos_queue_close(&queue);
    char path[512];
    /* A crash before rename leaves a .tmp: never sent, so it is dropped. */
    snprintf(path, sizeof(path), "%s/pending/%020llu.tmp", fixture->queue, 99ULL);
    write_file(path, "LTYQ1\nkey half");
    /* A crash between "refused written" and "pending unlinked": the refused copy wins. */
    char pending[512];
    char refused[512];
    snprintf(pending, sizeof(pending), "%s/pending/%020llu.req", fixture->queue,
             (unsigned long long)seq);
    snprintf(refused, sizeof(refused), "%s/refused/%020llu.req", fixture->queue,
             (unsigned long long)seq);
    char command[1200];
    snprintf(command, sizeof(command), "cp '%s' '%s'", pending, refused);
    assert_int_equal(system(command), 0);

    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    assert_int_equal(queue.pending_count, 0);
    assert_int_equal(queue.refused_count, 1);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(pending, F_OK), -1);
    lty__pos_queue_close(&queue);
}

static void test_queue_open_refuses_a_torn_file(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    lty__pos_queue_close(&queue);
    char path[512];
    snprintf(path, sizeof(path), "%s/pending/%020llu.req", fixture->queue, 5ULL);
    write_file(path, "LTYQ1\nkey aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nmethod POST\npath /v1/till/sales\n"
                     "label x\ncreated_ms 1\nbody 10\n{\"a\":");
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log),
                     LTY_E_CORRUPT);
    assert_int_equal(access(path, F_OK), 0); /* left for inspection */
    write_file(path, "garbage");
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log),
                     LTY_E_CORRUPT);
}

static void test_queue_find_matches_identical_requests_only(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    append(&queue, key_a, "{\"n\":1}", NULL);
    append(&queue, key_b, "{\"n\":2}", NULL);
    uint8_t digest[32];
    lty__pos_queue_digest("POST", "/v1/till/sales", "{\"n\":2}", 7, digest);
    assert_int_equal(lty__pos_queue_find(&queue, digest), 1);
    lty__pos_queue_digest("POST", "/v1/till/sales", "{\"n\":3}", 7, digest);
    assert_int_equal(lty__pos_queue_find(&queue, digest), -1);
    lty__pos_queue_digest("POST", "/v1/till/other", "{\"n\":2}", 7, digest);
    assert_int_equal(lty__pos_queue_find(&queue, digest), -1);
    lty__pos_queue_close(&queue);
    /* The index is rebuilt from disk. */
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 16, &fixture->log), 0);
    lty__pos_queue_digest("POST", "/v1/till/sales", "{\"n\":1}", 7, digest);
    assert_int_equal(lty__pos_queue_find(&queue, digest), 0);
    lty__pos_queue_close(&queue);
}

static void test_queue_full_at_entries_max(void **state)
{
    fixture_t *fixture = *state;
    lty__pos_queue_t queue;
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 2, &fixture->log), 0);
    append(&queue, key_a, "1", NULL);
    append(&queue, key_b, "2", NULL);
    assert_int_equal(lty__pos_queue_append(&queue, key_c, "POST", "/v1/till/sales", "", "3", 1,
                                           NULL),
                     LTY_E_STORE_FULL);
    assert_int_equal(queue.pending_count, 2);
    lty__pos_queue_close(&queue);
    assert_int_equal(lty__pos_queue_open(&queue, fixture->queue, 1, &fixture->log),
                     LTY_E_STORE_FULL);
}

static void test_key_mint_gives_distinct_hex_keys(void **state)
{
    (void)state;
    char first[LTY_CLIENT_KEY_SIZE];
    char second[LTY_CLIENT_KEY_SIZE];
    assert_int_equal(lty__pos_key_mint(first), 0);
    assert_int_equal(lty__pos_key_mint(second), 0);
    assert_int_equal(strlen(first), 32);
    assert_int_equal(strspn(first, "0123456789abcdef"), 32);
    assert_string_not_equal(first, second);
}

/* ---- The client over an unreachable daemon -------------------------------------------------- */

static int log_lines;

static void count_log(int level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
    log_lines++;
}

static void client_open(const fixture_t *fixture, const lty_test_till_files_t *paths,
                        uint16_t port, bool offline, lty_client_t *client)
{
    lty_client_options_t options;
    lty_client_options_default(&options);
    options.host = "127.0.0.1";
    options.port = port;
    options.ca_cert_path = paths->ca;
    options.cert_path = paths->cert;
    options.key_path = paths->key;
    options.queue_dir = fixture->queue;
    options.offline_queue = offline;
    options.attempts_max = 2;
    options.backoff_initial_ms = 1;
    options.backoff_max_ms = 2;
    options.request_timeout_ms = 1000;
    options.log_cb = count_log;
    options.log_level_max = LTY_CLIENT_LOG_DEBUG;
    assert_int_equal(lty_client_init(client, &options), 0);
}

static const lty_sale_line_t sale_lines[] = {
    {.sku = "6901234567892", .category = "dairy", .qty = 2, .amount_cents = 1180},
};

static void test_client_offline_sale_is_journaled_and_survives_reinit(void **state)
{
    fixture_t *fixture = *state;
    lty_test_till_files_t paths;
    assert_int_equal(lty_test_till_files_make(fixture->dir, &paths), 0);
    uint16_t port = 0;
    int blocker = lty_test_closed_port_open(&port);
    assert_true(blocker >= 0);

    lty_client_t client;
    client_open(fixture, &paths, port, true, &client);
    lty_sale_t sale = {.card_no = "8800000000000005", .receipt_no = "R-1", .lines = sale_lines,
                       .lines_count = 1};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(&client, &sale, &receipt), LTY_E_QUEUED_OFFLINE);
    assert_int_equal(strlen(receipt.idempotency_key), 32);
    assert_int_equal(lty_client_queue_count(&client), 1);
    /* The identical sale again is the same request: same key, no second entry. */
    lty_receipt_t again;
    assert_int_equal(lty_client_sale_submit(&client, &sale, &again), LTY_E_QUEUED_OFFLINE);
    assert_string_equal(again.idempotency_key, receipt.idempotency_key);
    assert_int_equal(lty_client_queue_count(&client), 1);
    /* A redemption needs the balance checked now: never queued offline. */
    sale.receipt_no = "R-2";
    sale.redeem_points = 10;
    assert_int_equal(lty_client_sale_submit(&client, &sale, &again), LTY_E_NET);
    assert_int_equal(lty_client_queue_count(&client), 1); /* never arrived: dropped */
    size_t delivered = 99;
    assert_int_equal(lty_client_queue_flush(&client, &delivered), LTY_E_NET);
    assert_int_equal(delivered, 0);
    lty_client_close(&client);
    lty_client_close(&client); /* idempotent */

    client_open(fixture, &paths, port, false, &client);
    assert_int_equal(lty_client_queue_count(&client), 1);
    lty_client_close(&client);
    close(blocker);
    assert_true(log_lines > 0);
}

static void test_client_unreachable_without_offline_leaves_no_entry(void **state)
{
    fixture_t *fixture = *state;
    lty_test_till_files_t paths;
    assert_int_equal(lty_test_till_files_make(fixture->dir, &paths), 0);
    uint16_t port = 0;
    int blocker = lty_test_closed_port_open(&port);
    lty_client_t client;
    client_open(fixture, &paths, port, false, &client);
    lty_sale_t sale = {.card_no = "8800000000000005", .receipt_no = "R-1", .lines = sale_lines,
                       .lines_count = 1};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(&client, &sale, &receipt), LTY_E_NET);
    assert_string_not_equal(lty_client_last_error_message(&client), "");
    assert_int_equal(lty_client_queue_count(&client), 0);
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(&client, "8800000000000005", &card), LTY_E_NET);
    /* Refused locally: no traffic, no journal entry. */
    assert_int_equal(lty_client_card_get(&client, "8800000000000006", &card),
                     LTY_E_INVALID_CARD_NO);
    sale.lines_count = 0;
    assert_int_equal(lty_client_sale_submit(&client, &sale, &receipt), LTY_E_INVALID_FIELD);
    assert_string_equal(lty_client_last_error_field(&client), "/lines");
    assert_int_equal(lty_client_queue_count(&client), 0);
    lty_client_close(&client);
    close(blocker);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queue_entries_survive_reopen_in_order_with_keys,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_queue_remove_keeps_the_rest_and_never_reuses_a_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_refuse_moves_to_refused_with_the_answer,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_open_finishes_interrupted_writes_and_moves,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_open_refuses_a_torn_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_find_matches_identical_requests_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_at_entries_max, setup, teardown),
        cmocka_unit_test(test_key_mint_gives_distinct_hex_keys),
        cmocka_unit_test_setup_teardown(
            test_client_offline_sale_is_journaled_and_survives_reinit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_unreachable_without_offline_leaves_no_entry,
                                        setup, teardown),
    };
    return cmocka_run_group_tests_name("client_queue", tests, NULL, NULL);
}
