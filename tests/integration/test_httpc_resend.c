/* tests/integration/test_httpc_resend.c
 * Goal: the HTTP client (common/src/lty_httpc.c) says when it sent a request a second time.
 * A kept-alive connection that dies before any answer (the daemon was killed and restarted)
 * makes the client resend once on a new connection; the first send may have been committed,
 * so callers that count first sends (the crash test) must be able to tell: response.resent.
 * Method: a real loyaltyd on a demo data directory; a sale on a kept-alive connection; SIGKILL
 * and a restart on the same port; the same request and key again on the same client must
 * arrive as a resend and be answered as a replay, byte for byte; a request on the fresh
 * connection is not a resend. Ends with `loyaltyctl verify`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_httpc.h"
#include "spawn.h"

#include <cmocka.h>

#define RESEND_BODY_BYTES_MAX (16 * 1024)

/* Sale number n of 10.00 on the card, key "resend-n" (the same n: the same request). */
static int sale_post(lty_httpc_t *client, const char *card_no, int n,
                     lty_httpc_response_t *response)
{
    char key[32];
    char body[256];
    snprintf(key, sizeof(key), "resend-%d", n);
    snprintf(body, sizeof(body),
             "{\"card_no\":\"%s\",\"receipt_no\":\"RS-%d\","
             "\"lines\":[{\"sku\":\"A\",\"qty\":1,\"amount_cents\":1000}]}",
             card_no, n);
    lty_httpc_request_t request = {
        .method = "POST",
        .path = "/v1/till/sales",
        .idempotency_key = key,
        .content_type = "application/json",
        .body = body,
        .body_size = strlen(body),
        .timeout_ms = 10000,
    };
    return lty_httpc_request(client, &request, response);
}

static void test_resend_after_restart_is_flagged_and_replays(void **state)
{
    (void)state;
    lty_spawn_t spawn;
    memset(&spawn, 0, sizeof(spawn));
    assert_int_equal(lty_spawn_init_demo(&spawn), 0);
    assert_int_equal(lty_spawn_start(&spawn, NULL), 0);
    lty_httpc_t client;
    assert_int_equal(lty_spawn_client_open(&spawn, spawn.port, false, &client), 0);
    lty_httpc_response_t response;
    memset(&response, 0, sizeof(response));
    lty_buf_init(&response.body, RESEND_BODY_BYTES_MAX);

    assert_int_equal(sale_post(&client, spawn.demo_card, 1, &response), 0);
    assert_int_equal(response.status, 201);
    assert_false(response.resent);
    assert_false(response.idempotent_replayed);
    char first[RESEND_BODY_BYTES_MAX];
    assert_true(response.body.size < sizeof(first));
    memcpy(first, response.body.data, response.body.size);
    first[response.body.size] = '\0';

    /* The same connection again: kept alive, not a resend. */
    assert_int_equal(sale_post(&client, spawn.demo_card, 1, &response), 0);
    assert_true(response.connection_reused);
    assert_false(response.resent);
    assert_true(response.idempotent_replayed);

    /* Kill and restart on the same port: the client's kept-alive connection is now dead. */
    lty_spawn_kill(&spawn);
    assert_int_equal(lty_spawn_restart(&spawn), 0);

    assert_int_equal(sale_post(&client, spawn.demo_card, 1, &response), 0);
    assert_true(response.resent);
    assert_false(response.connection_reused); /* the answer came on the new connection */
    assert_true(response.idempotent_replayed);
    assert_int_equal(response.status, 201);
    assert_int_equal(response.body.size, strlen(first));
    assert_memory_equal(response.body.data, first, response.body.size);

    /* A new key on the new, kept-alive connection: a first send, applied. */
    assert_int_equal(sale_post(&client, spawn.demo_card, 2, &response), 0);
    assert_int_equal(response.status, 201);
    assert_true(response.connection_reused);
    assert_false(response.resent);
    assert_false(response.idempotent_replayed);

    lty_buf_deinit(&response.body);
    lty_httpc_deinit(&client);
    assert_int_equal(lty_spawn_finish(&spawn), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resend_after_restart_is_flagged_and_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
