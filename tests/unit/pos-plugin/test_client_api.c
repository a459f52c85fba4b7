/* SPDX-License-Identifier: MIT */
/* tests/unit/pos-plugin/test_client_api.c
 * Goal: loyaltypos.h keeps its promise at every entry point: whatever the arguments (NULL,
 * out-of-range numbers and enums, over-long or unterminated strings, a client that was never
 * initialised, was closed, or is garbage), a call returns its documented code and never aborts;
 * misuse is LTY_E_CLIENT_BUG and is reported through the client's log callback; a refused call
 * sends nothing and journals nothing.
 * Method: every public function, first without a usable client, then on a client initialised
 * with throwaway credentials against a port that refuses connections (so anything that slipped
 * past the checks would show up as LTY_E_NET, not as a success). The libraries are built without
 * UNIT_TESTING, so an LTY_ASSERT reached in common code would abort this process. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loyaltypos.h"
#include "till_files.h"

#include <cmocka.h> /* last: with UNIT_TESTING it redefines malloc/free */

#define CARD_OK "8800000000000005"

typedef struct fixture_s {
    char dir[64];
    char queue[128];
    lty_test_till_files_t files;
    uint16_t port;
    int blocker;
} fixture_t;

/* What the log callback saw. */
typedef struct log_seen_s {
    int lines;
    int client_bugs;
    int tls_errors; /* lines of the TLS seam: "err=TLS what=..." */
    char last[512];
} log_seen_t;

static char long_text[5000]; /* 4,999 'a' bytes: over every string limit */

static void log_record(int level, const char *message, void *userdata)
{
    log_seen_t *seen = userdata;
    (void)level;
    seen->lines++;
    if (strstr(message, "client bug") != NULL) seen->client_bugs++;
    if (strstr(message, "err=TLS what=") != NULL) seen->tls_errors++;
    snprintf(seen->last, sizeof(seen->last), "%s", message);
}

static int setup(void **state)
{
    static fixture_t fixture;
    memset(&fixture, 0, sizeof(fixture));
    memset(long_text, 'a', sizeof(long_text) - 1);
    snprintf(fixture.dir, sizeof(fixture.dir), "/tmp/lty-api-XXXXXX");
    if (mkdtemp(fixture.dir) == NULL) return -1;
    snprintf(fixture.queue, sizeof(fixture.queue), "%s/q", fixture.dir);
    if (lty_test_till_files_make(fixture.dir, &fixture.files) != 0) return -1;
    fixture.blocker = lty_test_closed_port_open(&fixture.port);
    if (fixture.blocker < 0) return -1;
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fixture = *state;
    close(fixture->blocker);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", fixture->dir);
    return system(command) == 0 ? 0 : -1;
}

static void options_valid(const fixture_t *fixture, log_seen_t *seen,
                          lty_client_options_t *options)
{
    lty_client_options_default(options);
    options->host = "127.0.0.1";
    options->port = fixture->port;
    options->ca_cert_path = fixture->files.ca;
    options->cert_path = fixture->files.cert;
    options->key_path = fixture->files.key;
    options->queue_dir = fixture->queue;
    options->attempts_max = 1;
    options->backoff_initial_ms = 0;
    options->backoff_max_ms = 0;
    options->request_timeout_ms = 1000;
    options->log_cb = log_record;
    options->log_userdata = seen;
    options->log_level_max = LTY_CLIENT_LOG_DEBUG;
}

static void client_open_valid(const fixture_t *fixture, log_seen_t *seen, lty_client_t *client)
{
    lty_client_options_t options;
    options_valid(fixture, seen, &options);
    assert_int_equal(lty_client_init(client, &options), 0);
}

/* Every call that takes a client, on one that cannot be used. */
static void calls_refused_on(lty_client_t *client)
{
    lty_card_info_t card;
    lty_receipt_t receipt;
    lty_topup_receipt_t topup_receipt;
    lty_return_receipt_t return_receipt;
    lty_refused_t refused;
    lty_sale_line_t line = {"SKU", "dairy", 1, 100};
    lty_sale_t sale = {.card_no = CARD_OK, .receipt_no = "R-1", .lines = &line, .lines_count = 1};
    lty_topup_t topup = {.card_no = CARD_OK, .amount_cents = 100, .tender = LTY_TENDER_CASH};
    lty_return_t ret = {.sale_id = 1};
    size_t delivered = 7;

    assert_int_equal(lty_client_set_log_cb(client, LTY_CLIENT_LOG_INFO, NULL, NULL),
                     LTY_E_CLIENT_BUG);
    assert_non_null(lty_client_last_error_message(client));
    assert_string_equal(lty_client_last_error_field(client), "");
    assert_int_equal(lty_client_last_http_status(client), 0);
    assert_int_equal(lty_client_card_get(client, CARD_OK, &card), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_sale_submit(client, &sale, &receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_topup_submit(client, &topup, &topup_receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_pin_set(client, CARD_OK, "1234", NULL), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_return_submit(client, &ret, &return_receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_void_submit(client, 1, &return_receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_queue_count(client), 0);
    assert_int_equal(lty_client_queue_flush(client, &delivered), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_refused_count(client), 0);
    assert_int_equal(lty_client_refused_get(client, 0, &refused), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_refused_remove(client, 1), LTY_E_CLIENT_BUG);
    lty_client_close(client); /* harmless on all of them */
}

static void test_client_api_calls_without_a_usable_client_return_client_bug(void **state)
{
    fixture_t *fixture = *state;
    calls_refused_on(NULL);

    lty_client_t zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    calls_refused_on(&zeroed);

    lty_client_t garbage;
    memset(&garbage, 0xA5, sizeof(garbage));
    calls_refused_on(&garbage);

    log_seen_t seen = {0};
    lty_client_t closed;
    client_open_valid(fixture, &seen, &closed);
    lty_client_close(&closed);
    calls_refused_on(&closed);

    lty_client_options_default(NULL); /* nothing to fill: a no-op, not a crash */
}

static void test_client_api_err_names_cover_every_value(void **state)
{
    (void)state;
    static const int values[] = {0, 1, -1, -99, -100, -199, -200, -299, -300, -302, -305, -306,
                                 -399, -1000, INT_MAX, INT_MIN};
    for (size_t index = 0; index < sizeof(values) / sizeof(values[0]); index++) {
        assert_non_null(lty_client_err_name(values[index]));
        assert_non_null(lty_client_strerror(values[index]));
    }
    assert_string_equal(lty_client_err_name(LTY_E_CLIENT_BUG), "CLIENT_BUG");
    assert_string_equal(lty_client_err_name(-1000), "UNKNOWN");
}

/* lty_client_init with one field broken at a time: the code, and a client left closed. */
static void init_expect(const lty_client_options_t *options, int expected)
{
    lty_client_t client;
    memset(&client, 0x5A, sizeof(client));
    assert_int_equal(lty_client_init(&client, options), expected);
    assert_int_equal(lty_client_queue_count(&client), 0); /* closed: usable by nothing */
    lty_client_close(&client);
}

static void test_client_api_init_refuses_missing_and_oversized_strings_and_bad_levels(
    void **state)
{
    fixture_t *fixture = *state;
    log_seen_t seen = {0};
    lty_client_options_t valid;
    options_valid(fixture, &seen, &valid);
    lty_client_t client;
    assert_int_equal(lty_client_init(NULL, &valid), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_init(&client, NULL), LTY_E_CLIENT_BUG);

    for (int which = 0; which < 5; which++) {
        lty_client_options_t options = valid;
        const char **text = which == 0   ? &options.host
                            : which == 1 ? &options.ca_cert_path
                            : which == 2 ? &options.cert_path
                            : which == 3 ? &options.key_path
                                         : &options.queue_dir;
        *text = NULL;
        init_expect(&options, LTY_E_CLIENT_BUG);
        *text = "";
        init_expect(&options, LTY_E_CLIENT_BUG);
        *text = long_text;
        init_expect(&options, LTY_E_CLIENT_BUG);
    }
    lty_client_options_t options = valid;
    options.host = "bad host";
    init_expect(&options, LTY_E_CLIENT_BUG);
    options = valid;
    options.server_name = long_text;
    init_expect(&options, LTY_E_CLIENT_BUG);
    int levels[] = {-1, LTY_CLIENT_LOG_DEBUG + 1, INT_MAX, INT_MIN};
    for (size_t index = 0; index < sizeof(levels) / sizeof(levels[0]); index++) {
        options = valid;
        options.log_level_max = levels[index];
        init_expect(&options, LTY_E_CLIENT_BUG);
    }
    assert_true(seen.client_bugs > 0); /* each reported through the callback */
}

static void test_client_api_init_refuses_numbers_out_of_range_and_unusable_files(void **state)
{
    fixture_t *fixture = *state;
    log_seen_t seen = {0};
    lty_client_options_t valid;
    options_valid(fixture, &seen, &valid);
    lty_client_options_t options = valid;
    struct {
        int *field;
        int value;
    } ranges[] = {
        {&options.request_timeout_ms, 99},  {&options.request_timeout_ms, 120001},
        {&options.attempts_max, 0},         {&options.attempts_max, 11},
        {&options.backoff_initial_ms, -1},  {&options.backoff_initial_ms, 60001},
        {&options.backoff_max_ms, -1},      {&options.backoff_max_ms, INT_MAX},
    };
    for (size_t index = 0; index < sizeof(ranges) / sizeof(ranges[0]); index++) {
        options = valid;
        *ranges[index].field = ranges[index].value;
        init_expect(&options, LTY_E_INVALID_FIELD);
    }
    options = valid;
    options.port = 0;
    init_expect(&options, LTY_E_INVALID_FIELD);
    options = valid;
    options.queue_entries_max = 0;
    init_expect(&options, LTY_E_INVALID_FIELD);
    options = valid;
    options.queue_entries_max = SIZE_MAX;
    init_expect(&options, LTY_E_INVALID_FIELD);

    /* Files that do not load: LTY_E_TLS, and the TLS seam's detail reaches this client's log. */
    options = valid;
    options.ca_cert_path = "/nonexistent/ca.crt";
    init_expect(&options, LTY_E_TLS);
    assert_int_equal(seen.tls_errors, 1);
    options = valid;
    options.cert_path = fixture->files.ca; /* a certificate whose key is not key_path */
    init_expect(&options, LTY_E_TLS);
    assert_int_equal(seen.tls_errors, 2);
    options = valid;
    options.queue_dir = "/proc/no-queue-here";
    init_expect(&options, LTY_E_IO);
}

static void test_client_api_set_log_cb_refuses_a_level_out_of_range(void **state)
{
    fixture_t *fixture = *state;
    log_seen_t seen = {0};
    lty_client_t client;
    client_open_valid(fixture, &seen, &client);
    assert_int_equal(lty_client_set_log_cb(&client, -1, log_record, &seen), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_set_log_cb(&client, 4, log_record, &seen), LTY_E_CLIENT_BUG);
    assert_int_equal(seen.client_bugs, 2); /* the old callback still in place */
    log_seen_t other = {0};
    assert_int_equal(lty_client_set_log_cb(&client, LTY_CLIENT_LOG_ERR, log_record, &other), 0);
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(&client, NULL, &card), LTY_E_CLIENT_BUG);
    assert_int_equal(other.client_bugs, 1);
    assert_int_equal(seen.client_bugs, 2);
    assert_int_equal(lty_client_set_log_cb(&client, LTY_CLIENT_LOG_ERR, NULL, NULL), 0);
    assert_int_equal(lty_client_card_get(&client, NULL, &card), LTY_E_CLIENT_BUG); /* silent */
    assert_int_equal(other.client_bugs, 1);
    lty_client_close(&client);
}

static void card_and_pin_calls_refused(lty_client_t *client)
{
    lty_card_info_t card;
    assert_int_equal(lty_client_card_get(client, NULL, &card), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_card_get(client, CARD_OK, NULL), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_card_get(client, "12ab", &card), LTY_E_INVALID_CARD_NO);
    assert_int_equal(lty_client_card_get(client, long_text, &card), LTY_E_INVALID_CARD_NO);
    assert_int_equal(lty_client_card_get(client, "8800000000000006", &card),
                     LTY_E_INVALID_CARD_NO);

    assert_int_equal(lty_client_pin_set(client, NULL, "1234", NULL), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_pin_set(client, CARD_OK, NULL, NULL), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_pin_set(client, long_text, "1234", NULL), LTY_E_INVALID_CARD_NO);
    assert_int_equal(lty_client_pin_set(client, CARD_OK, "12", NULL), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_client_pin_set(client, CARD_OK, long_text, NULL), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_client_pin_set(client, CARD_OK, "1234", "12ab5678"),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty_client_pin_set(client, CARD_OK, "1234", long_text), LTY_E_INVALID_FIELD);
}

static void sale_expect(lty_client_t *client, const lty_sale_t *sale, int expected)
{
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(client, sale, &receipt), expected);
}

static void sale_calls_refused(lty_client_t *client)
{
    lty_sale_line_t lines[2] = {{"SKU", "dairy", 1, 100}, {"SKU2", "dairy", 1, 100}};
    lty_tender_t tenders[4] = {{LTY_TENDER_CASH, 100}, {LTY_TENDER_BANK_CARD, 100}};
    const lty_sale_t valid = {.card_no = CARD_OK, .receipt_no = "R-1", .lines = lines,
                              .lines_count = 1};
    lty_receipt_t receipt;
    assert_int_equal(lty_client_sale_submit(client, NULL, &receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_sale_submit(client, &valid, NULL), LTY_E_CLIENT_BUG);
    lty_sale_t sale = valid;
    sale.card_no = NULL;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.receipt_no = long_text;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.lines = NULL;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale.lines_count = 0;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.lines_count = SIZE_MAX;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.redeem_points = -1;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale.redeem_points = INT64_MAX;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.tenders_count = 1; /* tenders NULL */
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale.tenders = tenders;
    sale.tenders_count = SIZE_MAX;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    tenders[1].type = (lty_tender_type_t)99;
    sale.tenders_count = 2;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    tenders[1].type = (lty_tender_type_t)-7;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    tenders[1].type = LTY_TENDER_CASH; /* twice */
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.pin = "12ab";
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale.pin = long_text;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    sale = valid;
    sale.lines_count = 2;
    lines[1].sku = NULL;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    lines[1].sku = long_text;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    lines[1].sku = "SKU2";
    lines[1].category = NULL;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    lines[1].category = "dairy";
    lines[1].qty = 0;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
    lines[1].qty = 1;
    lines[1].amount_cents = INT64_MIN;
    sale_expect(client, &sale, LTY_E_INVALID_FIELD);
}

static void topup_calls_refused(lty_client_t *client)
{
    const lty_topup_t valid = {.card_no = CARD_OK, .amount_cents = 100,
                               .tender = LTY_TENDER_CASH};
    lty_topup_receipt_t receipt;
    assert_int_equal(lty_client_topup_submit(client, NULL, &receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_topup_submit(client, &valid, NULL), LTY_E_CLIENT_BUG);
    lty_topup_t topup = valid;
    topup.card_no = NULL;
    assert_int_equal(lty_client_topup_submit(client, &topup, &receipt), LTY_E_INVALID_FIELD);
    lty_tender_type_t tenders[] = {LTY_TENDER_PREPAID, (lty_tender_type_t)0,
                                   (lty_tender_type_t)99};
    for (size_t index = 0; index < sizeof(tenders) / sizeof(tenders[0]); index++) {
        topup = valid;
        topup.tender = tenders[index];
        assert_int_equal(lty_client_topup_submit(client, &topup, &receipt),
                         LTY_E_INVALID_FIELD);
    }
    int64_t amounts[] = {0, -1, INT64_MAX, INT64_MIN};
    for (size_t index = 0; index < sizeof(amounts) / sizeof(amounts[0]); index++) {
        topup = valid;
        topup.amount_cents = amounts[index];
        assert_int_equal(lty_client_topup_submit(client, &topup, &receipt),
                         LTY_E_INVALID_FIELD);
    }
}

static void return_calls_refused(lty_client_t *client)
{
    lty_return_line_t lines[1] = {{"SKU", 1}};
    const lty_return_t valid = {.sale_id = 1};
    lty_return_receipt_t receipt;
    assert_int_equal(lty_client_return_submit(client, NULL, &receipt), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_return_submit(client, &valid, NULL), LTY_E_CLIENT_BUG);
    lty_return_t ret = valid;
    ret.sale_id = -1;
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret.sale_id = 0; /* and no receipt_no either */
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret.sale_id = 1;
    ret.receipt_no = "R-1"; /* both */
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret = valid;
    ret.store = "S001"; /* a store without receipt_no */
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret = (lty_return_t){.receipt_no = long_text};
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret = (lty_return_t){.receipt_no = "R-1", .store = long_text};
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret = valid;
    ret.lines_count = 3; /* lines NULL */
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret.lines = lines;
    ret.lines_count = SIZE_MAX;
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    ret.lines_count = 1;
    lines[0].qty = 0;
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);
    lines[0].qty = 1;
    lines[0].sku = NULL;
    assert_int_equal(lty_client_return_submit(client, &ret, &receipt), LTY_E_INVALID_FIELD);

    assert_int_equal(lty_client_void_submit(client, 1, NULL), LTY_E_CLIENT_BUG);
    int64_t sale_ids[] = {0, -1, INT64_MIN, INT64_MAX};
    for (size_t index = 0; index < sizeof(sale_ids) / sizeof(sale_ids[0]); index++) {
        assert_int_equal(lty_client_void_submit(client, sale_ids[index], &receipt),
                         LTY_E_INVALID_FIELD);
    }
}

static void journal_calls_refused(lty_client_t *client)
{
    lty_refused_t refused;
    assert_int_equal(lty_client_queue_flush(client, NULL), 0); /* empty: nothing to send */
    assert_int_equal(lty_client_refused_get(client, 0, NULL), LTY_E_CLIENT_BUG);
    assert_int_equal(lty_client_refused_get(client, 0, &refused), LTY_E_NOT_FOUND);
    assert_int_equal(lty_client_refused_get(client, SIZE_MAX, &refused), LTY_E_NOT_FOUND);
    assert_int_equal(lty_client_refused_remove(client, 0), LTY_E_NOT_FOUND);
    assert_int_equal(lty_client_refused_remove(client, UINT64_MAX), LTY_E_NOT_FOUND);
}

static void test_client_api_bad_arguments_are_refused_before_any_traffic(void **state)
{
    fixture_t *fixture = *state;
    log_seen_t seen = {0};
    lty_client_t client;
    client_open_valid(fixture, &seen, &client);

    card_and_pin_calls_refused(&client);
    assert_true(seen.client_bugs >= 4);
    assert_string_not_equal(lty_client_last_error_message(&client), "");
    sale_calls_refused(&client);
    assert_string_not_equal(lty_client_last_error_field(&client), "");
    topup_calls_refused(&client);
    return_calls_refused(&client);
    journal_calls_refused(&client);

    /* Nothing went out and nothing was journaled: every refusal was local. */
    assert_int_equal(lty_client_queue_count(&client), 0);
    assert_int_equal(lty_client_refused_count(&client), 0);
    assert_int_equal(lty_client_last_http_status(&client), 0);
    assert_null(strstr(seen.last, "connect failed"));
    lty_client_close(&client);
    lty_client_close(&client); /* idempotent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_api_calls_without_a_usable_client_return_client_bug),
        cmocka_unit_test(test_client_api_err_names_cover_every_value),
        cmocka_unit_test(test_client_api_init_refuses_missing_and_oversized_strings_and_bad_levels),
        cmocka_unit_test(test_client_api_init_refuses_numbers_out_of_range_and_unusable_files),
        cmocka_unit_test(test_client_api_set_log_cb_refuses_a_level_out_of_range),
        cmocka_unit_test(test_client_api_bad_arguments_are_refused_before_any_traffic),
    };
    return cmocka_run_group_tests_name("client_api", tests, setup, teardown);
}
