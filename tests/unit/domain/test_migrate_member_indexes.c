/* tests/unit/daemon/test_migrate_member_indexes.c
 * Goal: an older store (members and audit records but empty members-by-name and
 * audit-by-member) is migrated to a sound store whose indexes find every member and audit
 * record; running the backfill twice changes nothing.
 * Method: build a store with the ops, empty the two indexes and set an older schema version by
 * hand, run lty_migrate_apply, then verify and count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "verify.h"

#include <cmocka.h>

#define NOW INT64_C(1780000000000)

static uint64_t count_of(lty_store_t *store, lty_db_t db)
{
    lty_store_txn_t *txn = NULL;
    uint64_t count = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_store_count(txn, db, &count), 0);
    lty_store_txn_abort(txn);
    return count;
}

static void db_empty(lty_store_txn_t *txn, lty_db_t db)
{
    lty_store_cursor_t *cursor = NULL;
    assert_int_equal(lty_store_cursor_open(txn, db, &cursor), 0);
    lty_bytes_t key, value;
    while (lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value) == 0) {
        assert_int_equal(lty_store_cursor_del(cursor), 0);
    }
    lty_store_cursor_close(cursor);
}

static void test_old_store_gets_its_indexes(void **state)
{
    (void)state;
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/lty_test_migrate4.XXXXXX");
    assert_non_null(mkdtemp(dir));
    lty_store_options_t options = {.path = dir, .map_bytes = 64 << 20, .create = true};
    lty_store_t *store = NULL;
    assert_int_equal(lty_store_open(&store, &options), 0);
    lty_programme_t programme;
    lty_programme_demo(&programme);
    lty_actor_t actor;
    memset(&actor, 0, sizeof(actor));
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(store, NULL, &txn), 0);
    assert_int_equal(lty_ops_setup_init(txn, &programme), 0);
    static const char *const names[] = {"Wang Fang", "Li Wei", "Zhang Min"};
    for (size_t index = 0; index < 3; index++) {
        lty_ops_member_new_t member_new;
        memset(&member_new, 0, sizeof(member_new));
        snprintf(member_new.name, sizeof(member_new.name), "%s", names[index]);
        snprintf(member_new.phone, sizeof(member_new.phone), "+861380013800%zu", index);
        uint64_t member_id = 0;
        assert_int_equal(lty_ops_member_create(txn, &actor, NOW, &member_new, &member_id, NULL), 0);
    }
    /* Make it look like a store from before the member indexes. */
    db_empty(txn, LTY_DB_MEMBERS_BY_NAME);
    db_empty(txn, LTY_DB_AUDIT_BY_MEMBER);
    assert_int_equal(lty_migrate_version_put(txn, LTY_SCHEMA_VERSION - 1), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    lty_verify_report_t *report = malloc(sizeof(*report));
    assert_non_null(report);
    assert_int_equal(lty_verify_store(store, report), LTY_E_CORRUPT); /* the indexes are missing */

    assert_int_equal(lty_store_txn_begin(store, NULL, &txn), 0);
    assert_int_equal(lty_migrate_apply(txn), 0);
    assert_int_equal(lty_ops_member_indexes_backfill(txn), 0); /* twice: idempotent */
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(lty_verify_store(store, report), 0);
    assert_int_equal(count_of(store, LTY_DB_MEMBERS_BY_NAME), 3);
    assert_int_equal(count_of(store, LTY_DB_AUDIT_BY_MEMBER), 3); /* one member.create each */
    lty_ops_member_page_t *page = malloc(sizeof(*page));
    assert_non_null(page);
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_member_search(txn, LTY_OPS_SEARCH_NAME, "li", 0, 10, page), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(page->members_count, 1);
    assert_string_equal(page->members[0].name, "Li Wei");
    free(page);
    free(report);
    lty_store_close(store);
    char command[128];
    snprintf(command, sizeof(command), "rm -rf %s", dir);
    assert_int_equal(system(command), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_store_gets_its_indexes),
    };
    return cmocka_run_group_tests_name("migrate_member_indexes", tests, NULL, NULL);
}
