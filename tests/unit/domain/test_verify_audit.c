/* tests/unit/domain/test_verify_audit.c
 * Goal: the audit trail is a hash chain the verifier checks (daemon/src/domain/verify_audit.c):
 * a store written by the ops verifies; one changed byte, a removed record, a record rewritten
 * with its own hash recomputed, or a version-1 record each make the verifier name the record
 * where the chain breaks, the first one first, and only that one.
 * Method: a temporary store with members and adjustments (each appends audit records), then the
 * AUDIT database edited by hand in a write transaction and lty_verify_txn run on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_err.h"
#include "ops.h"
#include "records.h"
#include "verify.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_verify_report_t report;

static int verify_now(void)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    int err = lty_verify_txn(txn, &report);
    lty_store_txn_abort(txn);
    return err;
}

static bool problem_says(const char *text)
{
    for (size_t index = 0; index < report.problems_count; index++) {
        if (strstr(report.problems[index], text) != NULL) return true;
    }
    return false;
}

/* A few operator actions: every one appends to the chain. */
static void trail_make(void)
{
    uint64_t member_id = 0;
    assert_int_equal(member_create("Chain One", "+8613900000001", &member_id), 0);
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust(member_id, 10, NOW, &result), 0);
    assert_int_equal(adjust(member_id, -5, NOW + 1, &result), 0);
    assert_int_equal(member_create("Chain Two", "+8613900000002", &member_id), 0);
}

static void audit_put(uint64_t audit_id, const uint8_t *bytes, size_t size)
{
    lty_store_txn_t *txn = write_begin();
    lty_key_t key;
    lty_key_id(&key, audit_id);
    assert_int_equal(lty_store_put(txn, LTY_DB_AUDIT, lty_key_bytes(&key),
                                   (lty_bytes_t){.data = bytes, .size = size}), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
}

static void test_verify_audit_trail_of_the_ops_is_one_chain(void **state)
{
    (void)state;
    trail_make();
    assert_int_equal(verify_now(), 0);
    assert_int_equal(report.audit_records, count_of(LTY_DB_AUDIT));
    assert_true(report.audit_records >= 4);
    assert_int_equal(report.audit_first_broken, 0);
}

static void test_verify_audit_one_changed_byte_names_that_record(void **state)
{
    (void)state;
    trail_make();
    uint8_t bytes[LTY_RECORD_AUDIT_BYTES_MAX];
    size_t size = 0;
    audit_record_read(2, bytes, &size);
    bytes[20] ^= 0x01; /* the first byte of the principal: the record still decodes */
    audit_put(2, bytes, size);
    assert_int_equal(verify_now(), LTY_E_CORRUPT);
    assert_int_equal(report.audit_first_broken, 2);
    assert_true(problem_says("audit record 2: altered (its hash does not match its content)"));
    assert_int_equal(report.problems_total, 1); /* the records after it still chain */
    bytes[20] ^= 0x01;
    audit_put(2, bytes, size);
    assert_int_equal(verify_now(), 0);
}

static void test_verify_audit_removed_record_names_the_one_after(void **state)
{
    (void)state;
    trail_make();
    lty_store_txn_t *txn = write_begin();
    lty_key_t key;
    lty_key_id(&key, 2);
    assert_int_equal(lty_store_del(txn, LTY_DB_AUDIT, lty_key_bytes(&key)), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(verify_now(), LTY_E_CORRUPT);
    assert_int_equal(report.audit_first_broken, 3);
    assert_true(problem_says("audit record 3: does not follow record 1"));
}

/* A tamperer who recomputes the changed record's own hash still breaks the link after it. */
static void test_verify_audit_rewritten_record_with_its_hash_recomputed_is_caught(void **state)
{
    (void)state;
    trail_make();
    uint8_t bytes[LTY_RECORD_AUDIT_BYTES_MAX];
    size_t size = 0;
    audit_record_read(2, bytes, &size);
    lty_audit_t audit;
    assert_int_equal(lty_record_audit_decode((lty_bytes_t){bytes, size}, &audit), 0);
    snprintf(audit.detail, sizeof(audit.detail), "nothing happened here");
    lty_record_audit_hash(&audit, audit.hash);
    size = lty_record_audit_encode(&audit, bytes, sizeof(bytes));
    audit_put(2, bytes, size);
    assert_int_equal(verify_now(), LTY_E_CORRUPT);
    assert_int_equal(report.audit_first_broken, 3);
    assert_true(problem_says("audit record 3: does not follow record 2"));
}

static void test_verify_audit_undecodable_record_is_named(void **state)
{
    (void)state;
    trail_make();
    uint8_t bytes[LTY_RECORD_AUDIT_BYTES_MAX];
    size_t size = 0;
    audit_record_read(3, bytes, &size);
    audit_put(3, bytes, size - 1); /* one byte short */
    assert_int_equal(verify_now(), LTY_E_CORRUPT);
    assert_int_equal(report.audit_first_broken, 3);
    assert_true(problem_says("audit record 3: altered (it no longer decodes)"));
}

/* New records chain onto the last one, whatever was appended before (ids follow). */
static void test_audit_append_links_to_the_head(void **state)
{
    (void)state;
    trail_make();
    uint64_t before = count_of(LTY_DB_AUDIT);
    lty_store_txn_t *txn = write_begin();
    lty_actor_t system;
    memset(&system, 0, sizeof(system));
    snprintf(system.principal, sizeof(system.principal), "system");
    snprintf(system.remote_addr, sizeof(system.remote_addr), "192.0.2.7");
    assert_int_equal(lty_ops_audit_event(txn, &system, NOW, "security.role_refused",
                                         "operator:vera", "POST /x refused"), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    lty_ops_audit_page_t *page = test_malloc(sizeof(*page));
    assert_non_null(page);
    txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_audit_log_page(txn, before - 1, 10, page), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(page->audits_count, 2);
    assert_int_equal(page->next_after, 0);
    assert_int_equal(page->audits[1].audit_id, before + 1);
    assert_memory_equal(page->audits[1].prev_hash, page->audits[0].hash, LTY_AUDIT_HASH_BYTES);
    assert_string_equal(page->audits[1].remote_addr, "192.0.2.7");
    assert_string_equal(page->audits[1].target, "operator:vera");
    test_free(page);
    assert_int_equal(verify_now(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_audit_trail_of_the_ops_is_one_chain,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_verify_audit_one_changed_byte_names_that_record,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_verify_audit_removed_record_names_the_one_after,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            test_verify_audit_rewritten_record_with_its_hash_recomputed_is_caught,
            domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_verify_audit_undecodable_record_is_named,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_audit_append_links_to_the_head,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("verify_audit", tests, NULL, NULL);
}
