/* tests/integration/test_pos_client.c
 * Goal: the till SDK (libloyaltypos) works against the real daemon over real mutual TLS: card
 * look-up, sales that earn and redeem, refusals mapped to their codes with the daemon's
 * message, store-and-forward while the daemon is down (delivered exactly once after it comes
 * back), and concurrent tills on one card ending with the exact balance.
 * Method: tests/support/spawn.c starts loyaltyd on a fresh demo data directory; each test ends
 * with `loyaltyctl verify`. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "loyaltypos.h"
#include "spawn.h"
#include "till_options.h"

#include <cmocka.h>

typedef struct fixture_s {
    lty_spawn_t spawn;
    lty_client_t client;
    char queue_dir[LTY_SPAWN_PATH_SIZE + 16];
} fixture_t;

static int client_open(fixture_t *fixture, lty_client_t *client, const char *queue_dir,
                       bool offline)
{
    lty_client_options_t options;
    lty_test_till_options(&fixture->spawn, queue_dir, offline, &options);
    options.request_timeout_ms = 5000;
    return lty_client_init(client, &options);
}

static int setup(void **state)
{
    static fixture_t fixture;
    memset(&fixture, 0, sizeof(fixture));
    if (lty_spawn_init_demo(&fixture.spawn) != 0) return -1;
    if (lty_spawn_start(&fixture.spawn, NULL) != 0) return -1;
    snprintf(fixture.queue_dir, sizeof(fixture.queue_dir), "%s/queue", fixture.spawn.dir);
    if (client_open(&fixture, &fixture.client, fixture.queue_dir, true) != 0) return -1;
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    lty_client_close(&fixture->client);
    return lty_spawn_finish(&fixture->spawn);
}

static int64_t points_of(fixture_t *fixture)
{
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(&fixture->client, fixture->spawn.demo_card, &card), 0);
    return card.points;
}

static void test_pos_card_get_and_sale_earn_and_redeem(void **state)
{
    fixture_t *fixture = *state;
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(&fixture->client, fixture->spawn.demo_card, &card), 0);
    assert_string_equal(card.card_status, "active");
    assert_true(card.member_id >= 1);
    int64_t before = card.points;

    lty_sale_line_t lines[] = {{"6901234567890", "dairy", 2, 2590}, {"SNACK", "snacks", 1, 1000}};
    lty_sale_t sale = {.card_no = fixture->spawn.demo_card, .receipt_no = "POS-1", .lines = lines,
                       .lines_count = 2, .redeem_points = 100};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(&fixture->client, &sale, &receipt), 0);
    assert_int_equal(receipt.points_redeemed, 100);
    assert_int_equal(receipt.points_earned, (2590 + 1000 - 100) / 100);
    assert_int_equal(receipt.points_balance, before - 100 + 34);
    assert_false(receipt.replayed);
    assert_int_equal(points_of(fixture), before - 66);
}

static void test_pos_refusals_carry_code_and_message(void **state)
{
    fixture_t *fixture = *state;
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(&fixture->client, "4111111111111111", &card),
                     LTY_E_CARD_NOT_FOUND);
    int64_t before = points_of(fixture);
    lty_sale_line_t line = {"A", "c", 1, 100000000};
    lty_sale_t sale = {.card_no = fixture->spawn.demo_card, .receipt_no = "POS-2", .lines = &line,
                       .lines_count = 1, .redeem_points = before + 1};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(&fixture->client, &sale, &receipt),
                     LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(lty_client_last_http_status(&fixture->client), 409);
    assert_true(strlen(lty_client_last_error_message(&fixture->client)) > 0);
    assert_int_equal(points_of(fixture), before);
    assert_int_equal(lty_client_queue_count(&fixture->client), 0);
}

static void test_pos_offline_sale_is_delivered_once_after_restart(void **state)
{
    fixture_t *fixture = *state;
    int64_t before = points_of(fixture);
    assert_int_equal(lty_spawn_stop(&fixture->spawn), 0);

    lty_sale_line_t line = {"A", "c", 1, 5000};
    lty_sale_t sale = {.card_no = fixture->spawn.demo_card, .receipt_no = "POS-OFF-1",
                       .lines = &line, .lines_count = 1, .redeem_points = 0};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(&fixture->client, &sale, &receipt),
                     LTY_E_QUEUED_OFFLINE);
    assert_int_equal(lty_client_queue_count(&fixture->client), 1);
    lty_client_close(&fixture->client);

    /* The daemon comes back (on a new port); the till restarts and finds its journal. */
    assert_int_equal(lty_spawn_start(&fixture->spawn, NULL), 0);
    assert_int_equal(client_open(fixture, &fixture->client, fixture->queue_dir, true), 0);
    assert_int_equal(lty_client_queue_count(&fixture->client), 1);
    size_t delivered = 0;
    assert_int_equal(lty_client_queue_flush(&fixture->client, &delivered), 0);
    assert_int_equal(delivered, 1);
    assert_int_equal(lty_client_queue_count(&fixture->client), 0);
    assert_int_equal(points_of(fixture), before + 50);
    assert_int_equal(lty_client_queue_flush(&fixture->client, &delivered), 0);
    assert_int_equal(delivered, 0);
    assert_int_equal(points_of(fixture), before + 50);
}

typedef struct worker_s {
    fixture_t *fixture;
    int index;
    int acknowledged;
} worker_t;

static void *worker_main(void *argument)
{
    worker_t *worker = argument;
    char queue_dir[LTY_SPAWN_PATH_SIZE + 32];
    snprintf(queue_dir, sizeof(queue_dir), "%s/queue-%d", worker->fixture->spawn.dir,
             worker->index);
    lty_client_t client;
    if (client_open(worker->fixture, &client, queue_dir, false) != 0) return NULL;
    for (int sale_index = 0; sale_index < 20; sale_index++) {
        char receipt_no[32];
        snprintf(receipt_no, sizeof(receipt_no), "W%d-%d", worker->index, sale_index);
        lty_sale_line_t line = {"A", "c", 1, 1000};
        lty_sale_t sale = {.card_no = worker->fixture->spawn.demo_card, .receipt_no = receipt_no,
                           .lines = &line, .lines_count = 1, .redeem_points = 0};
        lty_receipt_t receipt;
        if (lty_client_sale_submit(&client, &sale, &receipt) == 0) worker->acknowledged++;
    }
    lty_client_close(&client);
    return NULL;
}

static void test_pos_concurrent_tills_end_with_exact_balance(void **state)
{
    fixture_t *fixture = *state;
    int64_t before = points_of(fixture);
    enum { WORKERS = 8 };
    pthread_t threads[WORKERS];
    worker_t workers[WORKERS];
    for (int index = 0; index < WORKERS; index++) {
        workers[index] = (worker_t){.fixture = fixture, .index = index};
        assert_int_equal(pthread_create(&threads[index], NULL, worker_main, &workers[index]), 0);
    }
    int acknowledged = 0;
    for (int index = 0; index < WORKERS; index++) {
        pthread_join(threads[index], NULL);
        acknowledged += workers[index].acknowledged;
    }
    assert_int_equal(acknowledged, WORKERS * 20);
    assert_int_equal(points_of(fixture), before + WORKERS * 20 * 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pos_card_get_and_sale_earn_and_redeem),
        cmocka_unit_test(test_pos_refusals_carry_code_and_message),
        cmocka_unit_test(test_pos_offline_sale_is_delivered_once_after_restart),
        cmocka_unit_test(test_pos_concurrent_tills_end_with_exact_balance),
    };
    return cmocka_run_group_tests_name("pos_client", tests, setup, teardown);
}
