/* tests/unit/domain/test_ops_setup.c
 * Goal: setting a store up keeps its rules: lty_ops_setup_init writes the schema version and the
 * programme once; stores, tills and operators (lty_ops_store_add, lty_ops_till_add,
 * lty_ops_operator_add) take identifiers of 1..their max bytes of printable ASCII without spaces
 * or '/', refuse a duplicate or a till of a missing store, audit each addition and change nothing
 * when they refuse; the demo seed (lty_ops_demo_seed) creates what `loyaltyctl init --demo`
 * prints, and lty_ops_demo_pins gives every demo member but the first a PIN it prints.
 * Method: a temporary store per test (domain_fixture.c, already holding S001, S002 and S001/T01);
 * a digest of the whole store before and after every refusal; the ledger verifier after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static int store_add(const char *store_id, const char *name)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_store_add(txn, &operator_actor, NOW, store_id, name));
}

static int till_add(const char *store_id, const char *till_id)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_till_add(txn, &operator_actor, NOW, store_id, till_id));
}

static int operator_add(const char *name)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_operator_add(txn, &operator_actor, NOW, name));
}

/* A text of size bytes of c. */
static const char *text_of(char c, size_t size)
{
    static char text[LTY_NAME_BYTES_MAX + 2];
    assert_true(size < sizeof(text));
    memset(text, c, size);
    text[size] = '\0';
    return text;
}

static void test_demo_seed_and_schema_version(void **state)
{
    (void)state;
    static lty_ops_demo_t demo;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_ops_demo_seed(txn, &programme, NOW, &demo), LTY_E_EXISTS); /* S001 */
    lty_store_txn_abort(txn);
    store_empty_reopen();
    txn = write_begin();
    uint32_t version = 0;
    assert_int_equal(lty_migrate_check(txn, &version), LTY_E_STORE_VERSION);
    assert_int_equal(lty_ops_setup_init(txn, &programme), 0);
    assert_int_equal(lty_ops_setup_init(txn, &programme), LTY_E_EXISTS);
    assert_int_equal(lty_ops_demo_seed(txn, &programme, NOW, &demo), 0);
    assert_int_equal(finish(txn, 0), 0);
    assert_int_equal(demo.members_count, LTY_OPS_DEMO_MEMBERS);
    assert_int_equal(demo.members[0].points, 1200);
    assert_int_equal(points_of(demo.members[0].member_id), 1200);
    assert_int_equal(lty_card_no_check(demo.members[5].card_no, strlen(demo.members[5].card_no)),
                     0);
    assert_int_equal(count_of(LTY_DB_STORES), 3);
    txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_migrate_check(txn, &version), 0);
    assert_int_equal(version, LTY_SCHEMA_VERSION);
    lty_programme_t loaded;
    assert_int_equal(lty_programme_load(txn, &loaded), 0);
    assert_int_equal(loaded.earn_cents_per_point, 100);
    lty_store_txn_abort(txn);
    assert_sound();
}

static void test_demo_seed_members_stores_tills_and_bonuses(void **state)
{
    (void)state;
    store_empty_reopen();
    static lty_ops_demo_t demo;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_ops_setup_init(txn, &programme), 0);
    assert_int_equal(finish(txn, lty_ops_demo_seed(txn, &programme, NOW, &demo)), 0);
    assert_int_equal(count_of(LTY_DB_TILLS), LTY_OPS_DEMO_STORES);
    assert_int_equal(count_of(LTY_DB_MEMBERS), LTY_OPS_DEMO_MEMBERS);
    assert_int_equal(count_of(LTY_DB_CARDS), LTY_OPS_DEMO_MEMBERS);
    assert_int_equal(count_of(LTY_DB_OPERATORS), 0); /* the CLI adds its own */
    assert_int_equal(count_of(LTY_DB_JOURNAL), 2);   /* two welcome bonuses */
    assert_int_equal(demo.members[1].points, 350);
    assert_string_equal(demo.members[1].phone, "+8613800138002");
    for (size_t index = 0; index < demo.members_count; index++) {
        assert_int_equal(demo.members[index].member_id, index + 1);
        assert_int_equal(points_of(demo.members[index].member_id), demo.members[index].points);
    }
    txn = read_begin();
    lty_ops_card_view_t view;
    assert_int_equal(lty_ops_card_lookup(txn, demo.members[0].card_no, NOW, &view), 0);
    assert_string_equal(view.name, demo.members[0].name);
    static lty_ops_journal_page_t page;
    assert_int_equal(lty_ops_journal_page(txn, demo.members[0].member_id, 0, 10, &page), 0);
    assert_int_equal(page.entries[0].kind, LTY_ENTRY_BONUS);
    assert_string_equal(page.entries[0].principal, "system");
    lty_store_txn_abort(txn);
    lty_ops_sale_result_t sold; /* the demo till sells */
    assert_int_equal(sale(demo.members[0].card_no, "R1", 1000, 200, NOW, &sold), 0);
    assert_int_equal(sold.points_balance, 1200 - 200 + 8);
    /* Demo PINs: every member but the first, each matching the PIN the seed prints. */
    uint8_t pepper[LTY_PIN_PEPPER_BYTES];
    memset(pepper, 0x42, sizeof(pepper));
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_demo_pins(txn, pepper, NOW, &demo)), 0);
    assert_string_equal(demo.members[0].pin, "");
    assert_int_equal(count_of(LTY_DB_MEMBER_PINS), LTY_OPS_DEMO_MEMBERS - 1);
    lty_pin_t pin;
    txn = read_begin();
    assert_int_equal(lty_ops_pin_get(txn, demo.members[0].member_id, &pin), LTY_E_NOT_FOUND);
    assert_int_equal(lty_ops_pin_get_by_card(txn, demo.members[1].card_no, &pin), 0);
    lty_store_txn_abort(txn);
    assert_true(lty_ops_pin_syntax_ok(demo.members[1].pin));
    assert_true(lty_ops_pin_matches(pepper, demo.members[1].pin, &pin));
    assert_false(lty_ops_pin_matches(pepper, demo.members[2].pin, &pin));
    assert_sound();
}

static void test_store_add_identifier_and_name_limits(void **state)
{
    (void)state;
    assert_int_equal(store_add(text_of('S', LTY_STORE_ID_BYTES_MAX), "Max id"), 0);
    assert_int_equal(store_add("S003", text_of('n', LTY_STORE_NAME_BYTES_MAX)), 0);
    assert_int_equal(store_add("S004", ""), 0); /* a name is optional */
    assert_int_equal(count_of(LTY_DB_STORES), 2 + 3);
    assert_int_equal(count_of(LTY_DB_AUDIT), 3 + 3);
    store_digest_t before = store_digest();
    assert_int_equal(store_add(text_of('S', LTY_STORE_ID_BYTES_MAX + 1), "x"),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(store_add("S005", text_of('n', LTY_STORE_NAME_BYTES_MAX + 1)),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(store_add("", "x"), LTY_E_INVALID_FIELD);
    assert_int_equal(store_add("S 5", "x"), LTY_E_INVALID_FIELD);
    assert_int_equal(store_add("S/5", "x"), LTY_E_INVALID_FIELD);
    assert_int_equal(store_add("S\x7f", "x"), LTY_E_INVALID_FIELD);
    assert_int_equal(store_add("S001", "again"), LTY_E_EXISTS);
    assert_unchanged(&before);
}

static void test_till_add_needs_the_store_and_is_unique_per_store(void **state)
{
    (void)state;
    assert_int_equal(till_add("S002", "T01"), 0); /* T01 again, at another store */
    assert_int_equal(till_add("S001", text_of('T', LTY_TILL_ID_BYTES_MAX)), 0);
    assert_int_equal(count_of(LTY_DB_TILLS), 3);
    store_digest_t before = store_digest();
    assert_int_equal(till_add("S001", "T01"), LTY_E_EXISTS);
    assert_int_equal(till_add("S999", "T01"), LTY_E_STORE_NOT_FOUND);
    assert_int_equal(till_add("S001", text_of('T', LTY_TILL_ID_BYTES_MAX + 1)),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(till_add("S001", ""), LTY_E_INVALID_FIELD);
    assert_int_equal(till_add("S001", "T/1"), LTY_E_INVALID_FIELD);
    assert_int_equal(till_add("", "T02"), LTY_E_INVALID_FIELD);
    assert_unchanged(&before);
}

static void test_operator_add_name_limits_and_uniqueness(void **state)
{
    (void)state;
    assert_int_equal(operator_add("bob"), 0);
    assert_int_equal(operator_add(text_of('o', LTY_OPERATOR_NAME_BYTES_MAX)), 0);
    assert_int_equal(count_of(LTY_DB_OPERATORS), 2);
    store_digest_t before = store_digest();
    assert_int_equal(operator_add("bob"), LTY_E_EXISTS);
    assert_int_equal(operator_add(text_of('o', LTY_OPERATOR_NAME_BYTES_MAX + 1)),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(operator_add(""), LTY_E_INVALID_FIELD);
    assert_int_equal(operator_add("bo b"), LTY_E_INVALID_FIELD);
    assert_unchanged(&before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_demo_seed_and_schema_version),
        DOMAIN_TEST(test_demo_seed_members_stores_tills_and_bonuses),
        DOMAIN_TEST(test_store_add_identifier_and_name_limits),
        DOMAIN_TEST(test_till_add_needs_the_store_and_is_unique_per_store),
        DOMAIN_TEST(test_operator_add_name_limits_and_uniqueness),
    };
    return cmocka_run_group_tests_name("ops_setup", tests, NULL, NULL);
}
