/* SPDX-License-Identifier: MIT */
/* tests/unit/common/test_lty_tls.c
 * Goal: the mbedTLS seam issues certificates that carry the roles, completes handshakes under the
 * policy, refuses client certificates from another CA or with a revoked serial, accepts clients
 * without a certificate as role NONE, resumes sessions by ticket, and hashes correctly.
 * Method: a fresh programme CA and certificates in a temporary directory per test group; server
 * and client sessions over memory buffers, with ciphertext pumped between them by the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lty/lty_err.h"
#include "lty/lty_crypto.h"
#include "lty/lty_tls.h"

#include <cmocka.h>

typedef struct fixture_s {
    char dir[64];
    char path[16][128];
    char till_serial[41];
} fixture_t;

enum {
    CA_CRT,
    CA_KEY,
    SRV_CRT,
    SRV_KEY,
    TILL_CRT,
    TILL_KEY,
    OP_CRT,
    OP_KEY,
    CA2_CRT,
    CA2_KEY,
    ROGUE_CRT,
    ROGUE_KEY,
    REVOKED,
    PATHS_COUNT
};

static const char *const file_names[] = {
    "ca.crt", "ca.key",  "server.crt", "server.key", "till.crt",  "till.key",    "op.crt",
    "op.key", "ca2.crt", "ca2.key",    "rogue.crt",  "rogue.key", "revoked.txt",
};

static int group_setup(void **state)
{
    static fixture_t fixture;
    snprintf(fixture.dir, sizeof(fixture.dir), "/tmp/lty_tls_test.XXXXXX");
    if (mkdtemp(fixture.dir) == NULL) return -1;
    for (int index = 0; index < PATHS_COUNT; index++) {
        snprintf(fixture.path[index], sizeof(fixture.path[index]), "%s/%s", fixture.dir,
                 file_names[index]);
    }
    if (lty_tls_ca_create("Test Programme CA", fixture.path[CA_CRT], fixture.path[CA_KEY], 30))
        return -1;
    lty_tls_subject_t server = {.role = LTY_ROLE_SERVER, .name = "loyalty.example"};
    lty_tls_subject_t till = {.role = LTY_ROLE_TILL, .name = "T01", .store = "S001"};
    lty_tls_subject_t op = {.role = LTY_ROLE_OPERATOR, .name = "alice", .title = "finance"};
    if (lty_tls_cert_issue(fixture.path[CA_CRT], fixture.path[CA_KEY], &server, 30,
                           fixture.path[SRV_CRT], fixture.path[SRV_KEY], NULL))
        return -1;
    if (lty_tls_cert_issue(fixture.path[CA_CRT], fixture.path[CA_KEY], &till, 30,
                           fixture.path[TILL_CRT], fixture.path[TILL_KEY], fixture.till_serial))
        return -1;
    if (lty_tls_cert_issue(fixture.path[CA_CRT], fixture.path[CA_KEY], &op, 30,
                           fixture.path[OP_CRT], fixture.path[OP_KEY], NULL))
        return -1;
    if (lty_tls_ca_create("Other CA", fixture.path[CA2_CRT], fixture.path[CA2_KEY], 30)) return -1;
    if (lty_tls_cert_issue(fixture.path[CA2_CRT], fixture.path[CA2_KEY], &till, 30,
                           fixture.path[ROGUE_CRT], fixture.path[ROGUE_KEY], NULL))
        return -1;
    *state = &fixture;
    return 0;
}

static int group_teardown(void **state)
{
    fixture_t *fixture = *state;
    for (int index = 0; index < PATHS_COUNT; index++)
        unlink(fixture->path[index]);
    rmdir(fixture->dir);
    return 0;
}

static lty_tls_server_t *server_open(const fixture_t *fixture, const char *revoked_path)
{
    lty_tls_server_options_t options = {.ca_cert_path = fixture->path[CA_CRT],
                                        .cert_path = fixture->path[SRV_CRT],
                                        .key_path = fixture->path[SRV_KEY],
                                        .revoked_path = revoked_path,
                                        .ticket_lifetime_s = 3600};
    lty_tls_server_t *server = NULL;
    assert_int_equal(lty_tls_server_open(&server, &options), 0);
    return server;
}

static lty_tls_client_t *client_open(const fixture_t *fixture, int cert, int key,
                                     const char *server_name)
{
    lty_tls_client_options_t options = {.ca_cert_path = fixture->path[CA_CRT],
                                        .cert_path = cert >= 0 ? fixture->path[cert] : NULL,
                                        .key_path = key >= 0 ? fixture->path[key] : NULL,
                                        .server_name = server_name};
    lty_tls_client_t *client = NULL;
    assert_int_equal(lty_tls_client_open(&client, &options), 0);
    return client;
}

static size_t pump(lty_tls_session_t *from, lty_tls_session_t *to)
{
    size_t size = 0;
    const void *bytes = lty_tls_session_outgoing(from, &size);
    if (size > 0) {
        assert_int_equal(lty_tls_session_feed(to, bytes, size), 0);
        lty_tls_session_outgoing_consume(from, size);
    }
    return size;
}

/* Runs both handshakes until each is done or failed, or no byte moves any more. */
static void handshake_run(lty_tls_session_t *server, lty_tls_session_t *client, int *server_rc,
                          int *client_rc)
{
    *server_rc = LTY_TLS_WANT_READ;
    *client_rc = LTY_TLS_WANT_READ;
    for (int round = 0; round < 32; round++) {
        if (*client_rc == LTY_TLS_WANT_READ) *client_rc = lty_tls_session_handshake(client);
        size_t moved = pump(client, server);
        if (*server_rc == LTY_TLS_WANT_READ) *server_rc = lty_tls_session_handshake(server);
        moved += pump(server, client);
        if (*client_rc == LTY_TLS_WANT_READ) *client_rc = lty_tls_session_handshake(client);
        moved += pump(client, server);
        if (*server_rc != LTY_TLS_WANT_READ && *client_rc != LTY_TLS_WANT_READ) return;
        if (moved == 0) return;
    }
}

/* A server and a client session joined in memory, with each side's handshake result. */
typedef struct pair_s {
    lty_tls_session_t *server_session;
    lty_tls_session_t *client_session;
    int server_rc;
    int client_rc;
} pair_t;

static void pair_connect(lty_tls_server_t *server, lty_tls_client_t *client, pair_t *pair)
{
    pair->server_session = NULL;
    pair->client_session = NULL;
    assert_int_equal(lty_tls_session_open_server(&pair->server_session, server), 0);
    assert_int_equal(lty_tls_session_open_client(&pair->client_session, client), 0);
    handshake_run(pair->server_session, pair->client_session, &pair->server_rc, &pair->client_rc);
}

static void pair_close(pair_t *pair)
{
    lty_tls_session_close(pair->server_session);
    lty_tls_session_close(pair->client_session);
}

static void test_crypto_sha256_abc_matches_known_vector(void **state)
{
    (void)state;
    static const uint8_t expected[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                         0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                         0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                         0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t digest[32];
    lty_crypto_sha256("abc", 3, digest);
    assert_memory_equal(digest, expected, 32);
    static const uint8_t empty_prefix[4] = {0xe3, 0xb0, 0xc4, 0x42};
    lty_crypto_sha256(NULL, 0, digest);
    assert_memory_equal(digest, empty_prefix, 4);
}

/* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". */
static void test_crypto_hmac_sha256_matches_rfc4231_case_2(void **state)
{
    (void)state;
    static const uint8_t expected[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                                         0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                                         0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
                                         0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    static const char data[] = "what do ya want for nothing?";
    uint8_t mac[32];
    lty_crypto_hmac_sha256("Jefe", 4, data, sizeof(data) - 1, mac);
    assert_memory_equal(mac, expected, 32);
    lty_crypto_hmac_t *hmac = lty_crypto_hmac_open("Jefe", 4); /* the key set up once */
    assert_non_null(hmac);
    for (int run = 0; run < 2; run++) { /* the context is reusable: same key, same answer */
        memset(mac, 0, sizeof(mac));
        lty_crypto_hmac_run(hmac, data, sizeof(data) - 1, mac);
        assert_memory_equal(mac, expected, 32);
    }
    lty_crypto_hmac_close(hmac);
}

/* The daemon's CA-key refusal rests on this: the CA's key pairs with its certificate only. */
static void test_key_matches_cert_only_for_its_own_key(void **state)
{
    fixture_t *fixture = *state;
    assert_int_equal(lty_tls_key_matches_cert(fixture->path[CA_KEY], fixture->path[CA_CRT]), 1);
    assert_int_equal(lty_tls_key_matches_cert(fixture->path[SRV_KEY], fixture->path[CA_CRT]), 0);
    assert_int_equal(lty_tls_key_matches_cert(fixture->path[CA2_KEY], fixture->path[CA_CRT]), 0);
    assert_int_equal(lty_tls_key_matches_cert(fixture->path[CA_CRT], fixture->path[CA_CRT]), 0);
    assert_int_equal(lty_tls_key_matches_cert(fixture->path[CA_KEY], fixture->path[REVOKED]),
                     LTY_E_TLS);
}

static void test_crypto_random_two_draws_differ(void **state)
{
    (void)state;
    uint8_t first[32] = {0};
    uint8_t second[32] = {0};
    assert_int_equal(lty_crypto_random(first, sizeof(first)), 0);
    assert_int_equal(lty_crypto_random(second, sizeof(second)), 0);
    assert_memory_not_equal(first, second, sizeof(first));
}

static void test_cert_issue_till_carries_store_till_and_serial(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_peer_t peer;
    assert_int_equal(lty_tls_cert_peer(fixture->path[TILL_CRT], &peer), 0);
    assert_int_equal(peer.role, LTY_ROLE_TILL);
    assert_string_equal(peer.store, "S001");
    assert_string_equal(peer.name, "T01");
    assert_int_equal(strlen(peer.serial_hex), 32);
    assert_string_equal(peer.serial_hex, fixture->till_serial);
    assert_int_equal(lty_tls_cert_peer(fixture->path[OP_CRT], &peer), 0);
    assert_int_equal(peer.role, LTY_ROLE_OPERATOR);
    assert_string_equal(peer.name, "alice");
    assert_string_equal(peer.title, "finance");
    assert_string_equal(peer.store, "");
    assert_int_equal(lty_tls_cert_peer(fixture->path[SRV_CRT], &peer), 0);
    assert_int_equal(peer.role, LTY_ROLE_SERVER);
    assert_string_equal(peer.name, "loyalty.example");
}

static void test_cert_issue_key_file_is_private(void **state)
{
    fixture_t *fixture = *state;
    struct stat info;
    assert_int_equal(stat(fixture->path[TILL_KEY], &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    assert_int_equal(stat(fixture->path[CA_KEY], &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
}

static void test_ca_create_existing_file_is_refused(void **state)
{
    fixture_t *fixture = *state;
    char key_path[160];
    snprintf(key_path, sizeof(key_path), "%s/unused.key", fixture->dir);
    assert_int_equal(lty_tls_ca_create("X", fixture->path[CA_CRT], key_path, 30), LTY_E_EXISTS);
    unlink(key_path);
}

static void test_cert_issue_name_with_dn_specials_is_refused(void **state)
{
    fixture_t *fixture = *state;
    char cert_path[160];
    char key_path[160];
    snprintf(cert_path, sizeof(cert_path), "%s/bad.crt", fixture->dir);
    snprintf(key_path, sizeof(key_path), "%s/bad.key", fixture->dir);
    lty_tls_subject_t bad_op = {.role = LTY_ROLE_OPERATOR, .name = "eve,OU=till"};
    assert_int_equal(lty_tls_cert_issue(fixture->path[CA_CRT], fixture->path[CA_KEY], &bad_op, 30,
                                        cert_path, key_path, NULL),
                     LTY_E_CONFIG);
    lty_tls_subject_t bad_title = {.role = LTY_ROLE_OPERATOR, .name = "eve", .title = "admin,OU=x"};
    assert_int_equal(lty_tls_cert_issue(fixture->path[CA_CRT], fixture->path[CA_KEY], &bad_title,
                                        30, cert_path, key_path, NULL),
                     LTY_E_CONFIG);
    lty_tls_subject_t spaced_title = {.role = LTY_ROLE_OPERATOR, .name = "eve", .title = "ad min"};
    assert_int_equal(lty_tls_cert_issue(fixture->path[CA_CRT], fixture->path[CA_KEY],
                                        &spaced_title, 30, cert_path, key_path, NULL),
                     LTY_E_CONFIG);
    lty_tls_subject_t bad_till = {.role = LTY_ROLE_TILL, .name = "T/1", .store = "S001"};
    assert_int_equal(lty_tls_cert_issue(fixture->path[CA_CRT], fixture->path[CA_KEY], &bad_till, 30,
                                        cert_path, key_path, NULL),
                     LTY_E_CONFIG);
    assert_int_equal(access(cert_path, F_OK), -1);
    assert_int_equal(access(key_path, F_OK), -1);
}

static void test_handshake_till_cert_gives_till_peer_and_data_flows(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_client_t *client = client_open(fixture, TILL_CRT, TILL_KEY, "loyalty.example");
    pair_t pair;
    pair_connect(server, client, &pair);
    assert_int_equal(pair.server_rc, LTY_TLS_DONE);
    assert_int_equal(pair.client_rc, LTY_TLS_DONE);
    lty_tls_peer_t peer;
    lty_tls_session_peer(pair.server_session, &peer);
    assert_int_equal(peer.role, LTY_ROLE_TILL);
    assert_string_equal(peer.store, "S001");
    assert_string_equal(peer.name, "T01");
    assert_string_equal(peer.serial_hex, fixture->till_serial);
    lty_tls_session_peer(pair.client_session, &peer);
    assert_int_equal(peer.role, LTY_ROLE_SERVER);

    assert_int_equal(lty_tls_session_write(pair.client_session, "ping", 4), 0);
    pump(pair.client_session, pair.server_session);
    char text[16];
    bool closed = true;
    assert_int_equal(lty_tls_session_read(pair.server_session, text, sizeof(text), &closed), 4);
    assert_false(closed);
    assert_memory_equal(text, "ping", 4);
    assert_int_equal(lty_tls_session_read(pair.server_session, text, sizeof(text), &closed), 0);
    assert_false(closed);
    lty_tls_session_shutdown(pair.client_session);
    pump(pair.client_session, pair.server_session);
    assert_int_equal(lty_tls_session_read(pair.server_session, text, sizeof(text), &closed), 0);
    assert_true(closed);

    pair_close(&pair);
    lty_tls_client_close(client);
    lty_tls_server_unref(server);
}

static void test_handshake_operator_cert_gives_operator_peer(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_client_t *client = client_open(fixture, OP_CRT, OP_KEY, "localhost");
    pair_t pair;
    pair_connect(server, client, &pair);
    assert_int_equal(pair.server_rc, LTY_TLS_DONE);
    assert_int_equal(pair.client_rc, LTY_TLS_DONE);
    lty_tls_peer_t peer;
    lty_tls_session_peer(pair.server_session, &peer);
    assert_int_equal(peer.role, LTY_ROLE_OPERATOR);
    assert_string_equal(peer.name, "alice");
    assert_string_equal(peer.title, "finance"); /* the role, read from the subject's title */
    pair_close(&pair);
    lty_tls_client_close(client);
    lty_tls_server_unref(server);
}

static void test_handshake_without_client_cert_is_accepted_as_role_none(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_client_t *client = client_open(fixture, -1, -1, NULL);
    pair_t pair;
    pair_connect(server, client, &pair);
    assert_int_equal(pair.server_rc, LTY_TLS_DONE);
    assert_int_equal(pair.client_rc, LTY_TLS_DONE);
    lty_tls_peer_t peer;
    lty_tls_session_peer(pair.server_session, &peer);
    assert_int_equal(peer.role, LTY_ROLE_NONE);
    assert_string_equal(peer.name, "");
    pair_close(&pair);
    lty_tls_client_close(client);
    lty_tls_server_unref(server);
}

static void test_handshake_client_cert_from_other_ca_is_refused(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_client_t *client = client_open(fixture, ROGUE_CRT, ROGUE_KEY, NULL);
    pair_t pair;
    pair_connect(server, client, &pair);
    assert_int_equal(pair.server_rc, LTY_E_TLS_HANDSHAKE);
    assert_int_not_equal(pair.client_rc, LTY_TLS_DONE);
    assert_int_equal(lty_tls_session_handshake(pair.server_session), LTY_E_TLS_HANDSHAKE);
    pair_close(&pair);
    lty_tls_client_close(client);
    lty_tls_server_unref(server);
}

static void test_handshake_revoked_till_serial_is_refused(void **state)
{
    fixture_t *fixture = *state;
    unlink(fixture->path[REVOKED]);
    char upper[64];
    snprintf(upper, sizeof(upper), "00%s", fixture->till_serial);
    for (char *c = upper; *c != '\0'; c++) {
        if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
    }
    assert_int_equal(lty_tls_revoked_add(fixture->path[REVOKED], "01:02:03"), 0);
    assert_int_equal(lty_tls_revoked_add(fixture->path[REVOKED], upper), 0);
    assert_int_equal(lty_tls_revoked_add(fixture->path[REVOKED], "xyz"), LTY_E_CONFIG);
    lty_tls_server_t *server = server_open(fixture, fixture->path[REVOKED]);
    lty_tls_client_t *till = client_open(fixture, TILL_CRT, TILL_KEY, NULL);
    pair_t pair;
    pair_connect(server, till, &pair);
    assert_int_equal(pair.server_rc, LTY_E_TLS_HANDSHAKE);
    assert_int_not_equal(pair.client_rc, LTY_TLS_DONE);
    pair_close(&pair);
    lty_tls_client_close(till);

    /* The operator is not revoked: the same server still accepts it. */
    lty_tls_client_t *op = client_open(fixture, OP_CRT, OP_KEY, NULL);
    pair_connect(server, op, &pair);
    assert_int_equal(pair.server_rc, LTY_TLS_DONE);
    pair_close(&pair);
    lty_tls_client_close(op);
    lty_tls_server_unref(server);
    unlink(fixture->path[REVOKED]);
}

static void test_handshake_second_session_resumes_by_ticket(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_client_t *client = client_open(fixture, TILL_CRT, TILL_KEY, NULL);
    for (int attempt = 0; attempt < 2; attempt++) {
        pair_t pair;
        pair_connect(server, client, &pair);
        assert_int_equal(pair.server_rc, LTY_TLS_DONE);
        assert_int_equal(pair.client_rc, LTY_TLS_DONE);
        assert_int_equal(lty_tls_session_resumed(pair.server_session), attempt == 1);
        assert_int_equal(lty_tls_session_resumed(pair.client_session), attempt == 1);
        lty_tls_peer_t peer;
        lty_tls_session_peer(pair.server_session, &peer);
        assert_int_equal(peer.role, LTY_ROLE_TILL); /* the ticket keeps the certificate */
        assert_string_equal(peer.name, "T01");
        pair_close(&pair);
    }
    lty_tls_client_close(client);
    lty_tls_server_unref(server);
}

static void test_handshake_wrong_server_name_is_refused_by_client(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_client_t *client = client_open(fixture, -1, -1, "evil.example");
    pair_t pair;
    pair_connect(server, client, &pair);
    assert_int_equal(pair.client_rc, LTY_E_TLS_HANDSHAKE);
    pair_close(&pair);
    lty_tls_client_close(client);
    lty_tls_server_unref(server);
}

static void test_server_open_key_of_other_cert_is_refused(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_options_t options = {.ca_cert_path = fixture->path[CA_CRT],
                                        .cert_path = fixture->path[SRV_CRT],
                                        .key_path = fixture->path[TILL_KEY],
                                        .ticket_lifetime_s = 0};
    lty_tls_server_t *server = (lty_tls_server_t *)(uintptr_t)1;
    assert_int_equal(lty_tls_server_open(&server, &options), LTY_E_TLS);
    assert_null(server);
}

static void test_server_reference_outlives_unref_while_session_open(void **state)
{
    fixture_t *fixture = *state;
    lty_tls_server_t *server = server_open(fixture, NULL);
    lty_tls_session_t *session = NULL;
    assert_int_equal(lty_tls_session_open_server(&session, server), 0);
    lty_tls_server_unref(server); /* the session still holds one */
    assert_int_equal(lty_tls_session_handshake(session), LTY_TLS_WANT_READ);
    lty_tls_session_close(session);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_sha256_abc_matches_known_vector),
        cmocka_unit_test(test_crypto_hmac_sha256_matches_rfc4231_case_2),
        cmocka_unit_test(test_crypto_random_two_draws_differ),
        cmocka_unit_test(test_key_matches_cert_only_for_its_own_key),
        cmocka_unit_test(test_cert_issue_till_carries_store_till_and_serial),
        cmocka_unit_test(test_cert_issue_key_file_is_private),
        cmocka_unit_test(test_ca_create_existing_file_is_refused),
        cmocka_unit_test(test_cert_issue_name_with_dn_specials_is_refused),
        cmocka_unit_test(test_handshake_till_cert_gives_till_peer_and_data_flows),
        cmocka_unit_test(test_handshake_operator_cert_gives_operator_peer),
        cmocka_unit_test(test_handshake_without_client_cert_is_accepted_as_role_none),
        cmocka_unit_test(test_handshake_client_cert_from_other_ca_is_refused),
        cmocka_unit_test(test_handshake_revoked_till_serial_is_refused),
        cmocka_unit_test(test_handshake_second_session_resumes_by_ticket),
        cmocka_unit_test(test_handshake_wrong_server_name_is_refused_by_client),
        cmocka_unit_test(test_server_open_key_of_other_cert_is_refused),
        cmocka_unit_test(test_server_reference_outlives_unref_while_session_open),
    };
    return cmocka_run_group_tests_name("lty_tls", tests, group_setup, group_teardown);
}
