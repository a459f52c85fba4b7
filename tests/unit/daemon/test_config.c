/* tests/unit/daemon/test_config.c
 * Goal: the configuration parser (lty_config_parse, and lty_config_load over it) accepts a
 * document within every range and refuses anything else with LTY_E_CONFIG, a diag that names
 * the same code and the key, and, from a file, the file's name; what `loyaltyctl init` writes
 * loads back unchanged. Method: documents in memory at each limit and one past it, and files in
 * a temporary directory. The cases fuzz_config found are kept here as regressions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "lty/lty_limits.h"

#include <cmocka.h> /* last: with UNIT_TESTING it redefines malloc/free */

static int parse(const char *text, lty_config_t *config, lty_diag_t *diag)
{
    lty_config_defaults(config);
    lty_diag_clear(diag);
    return lty_config_parse(text, strlen(text), config, diag);
}

static void test_config_parse_subset_keeps_other_defaults(void **state)
{
    (void)state;
    lty_config_t config;
    lty_config_t defaults;
    lty_diag_t diag;
    lty_config_defaults(&defaults);
    assert_int_equal(parse("{\"loops\":16,\"listen_host\":\"0.0.0.0\"}", &config, &diag), 0);
    assert_int_equal(config.loops, LTY_LOOPS_MAX);
    assert_string_equal(config.listen_host, "0.0.0.0");
    assert_int_equal(config.map_bytes, defaults.map_bytes);
    assert_string_equal(config.tls_cert, defaults.tls_cert);
}

static void test_config_parse_out_of_range_names_key_and_code(void **state)
{
    (void)state;
    lty_config_t config;
    lty_diag_t diag;
    assert_int_equal(parse("{\"loops\":17}", &config, &diag), LTY_E_CONFIG);
    assert_int_equal(diag.err, LTY_E_CONFIG);
    assert_string_equal(diag.field, "/loops");
    assert_int_equal(parse("{\"loops\":0}", &config, &diag), LTY_E_CONFIG);
    assert_int_equal(parse("{\"listen_port\":65536}", &config, &diag), LTY_E_CONFIG);
    assert_int_equal(parse("{\"listen_port\":65535}", &config, &diag), 0);
    assert_int_equal(parse("{\"map_bytes\":2097152,\"map_bytes_max\":1048576}", &config, &diag),
                     LTY_E_CONFIG);
    assert_string_equal(diag.field, "/map_bytes");
    assert_int_equal(parse("{\"log_level\":\"\"}", &config, &diag), LTY_E_CONFIG);
    assert_int_equal(parse("{\"lops\":2}", &config, &diag), LTY_E_CONFIG);
    assert_string_equal(diag.field, "/lops");
}

/* fuzz_config: a document that is not a JSON object, or not JSON at all, is LTY_E_CONFIG and
 * the diag says so (the JSON layer's own code must not leak into it). */
static void test_config_parse_not_an_object_is_config_error(void **state)
{
    (void)state;
    lty_config_t config;
    lty_diag_t diag;
    const char *documents[] = {"\"\"", "[]", "1", "{", "", "{\"loops\":2,\"loops\":3}"};
    for (size_t index = 0; index < sizeof(documents) / sizeof(documents[0]); index++) {
        assert_int_equal(parse(documents[index], &config, &diag), LTY_E_CONFIG);
        assert_int_equal(diag.err, LTY_E_CONFIG);
        assert_true(diag.detail[0] != '\0');
    }
    lty_diag_clear(&diag);
    assert_int_equal(lty_config_parse(NULL, 0, &config, &diag), LTY_E_CONFIG);
    char *big = calloc(LTY_CONFIG_FILE_BYTES_MAX + 2, 1);
    assert_non_null(big);
    memset(big, ' ', LTY_CONFIG_FILE_BYTES_MAX + 1);
    assert_int_equal(lty_config_parse(big, LTY_CONFIG_FILE_BYTES_MAX + 1, &config, &diag),
                     LTY_E_CONFIG);
    free(big);
}

static void test_config_write_then_load_round_trips_and_names_the_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_config.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/loyaltyd.conf", dir);
    lty_config_t config;
    lty_diag_t diag;
    assert_int_equal(parse("{\"loops\":3,\"tls_ca\":\"a/ca.crt\"}", &config, &diag), 0);
    assert_int_equal(lty_config_write(path, &config), 0);
    lty_config_t back;
    lty_config_defaults(&back);
    assert_int_equal(lty_config_load(path, &back, &diag), 0);
    assert_memory_equal(&back, &config, sizeof(back));
    unlink(path);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("{\"loops\":99}", file);
    fclose(file);
    assert_int_equal(lty_config_load(path, &back, &diag), LTY_E_CONFIG);
    assert_int_equal(diag.err, LTY_E_CONFIG);
    assert_string_equal(diag.field, "/loops");
    assert_memory_equal(diag.detail, path, strlen(path));
    unlink(path);
    assert_int_equal(lty_config_load(path, &back, &diag), LTY_E_IO);
    rmdir(dir);
}

/* No section: single-node mode. The section's contract example parses, with defaults for the
 * keys it leaves out; a malformed section names what is wrong. */
static void test_config_replication_section_enables_and_checks(void **state)
{
    (void)state;
    lty_config_t config;
    lty_diag_t diag;
    assert_int_equal(parse("{}", &config, &diag), 0);
    assert_false(config.replication.enabled);
    assert_int_equal(parse("{\"replication\":{\"nats_urls\":[\"nats://127.0.0.1:4222\"],"
                           "\"stream\":\"LTY\",\"node\":\"a\",\"lease_ms\":3000}}",
                           &config, &diag), 0);
    assert_true(config.replication.enabled);
    assert_int_equal(config.replication.nats_urls_count, 1);
    assert_string_equal(config.replication.nats_urls[0], "nats://127.0.0.1:4222");
    assert_string_equal(config.replication.stream, "LTY");
    assert_string_equal(config.replication.node, "a");
    assert_int_equal(config.replication.lease_ms, 3000);
    assert_int_equal(config.replication.replicas, 3);
    assert_int_equal(parse("{\"replication\":{\"nats_urls\":[],\"stream\":\"LTY\","
                           "\"node\":\"a\"}}", &config, &diag), LTY_E_CONFIG);
    assert_string_equal(diag.field, "/replication/nats_urls");
    assert_int_equal(parse("{\"replication\":{\"nats_urls\":[\"http://x\"],\"stream\":\"LTY\","
                           "\"node\":\"a\"}}", &config, &diag), LTY_E_CONFIG);
    assert_int_equal(parse("{\"replication\":{\"nats_urls\":[\"nats://x:1\"],\"stream\":\"L.T\","
                           "\"node\":\"a\"}}", &config, &diag), LTY_E_CONFIG);
    assert_int_equal(parse("{\"replication\":{\"nats_urls\":[\"nats://x:1\"],\"stream\":\"L\","
                           "\"node\":\"a\",\"lease_ms\":100}}", &config, &diag), LTY_E_CONFIG);
    assert_string_equal(diag.field, "/replication/lease_ms");
    assert_int_equal(parse("{\"replication\":{\"nats_urls\":[\"nats://x:1\"],\"stream\":\"L\","
                           "\"node\":\"a\",\"leader\":true}}", &config, &diag), LTY_E_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parse_subset_keeps_other_defaults),
        cmocka_unit_test(test_config_replication_section_enables_and_checks),
        cmocka_unit_test(test_config_parse_out_of_range_names_key_and_code),
        cmocka_unit_test(test_config_parse_not_an_object_is_config_error),
        cmocka_unit_test(test_config_write_then_load_round_trips_and_names_the_file),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
