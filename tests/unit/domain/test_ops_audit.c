/* tests/unit/domain/test_ops_audit.c
 * Goal: a member's audit page (lty_ops_member_audit_page) lists the records whose target is that
 * member, newest first, each with who, what, when and the old and new values; the cursor
 * (next_after) walks them all once; the limit is 1..LTY_AUDIT_PAGE_MAX (a page of the max, one
 * record more on the next); a missing member is named. Written against ops.h's contract, not the
 * record layout, so a change of how the trail is stored (a hash chain) keeps these passing.
 * Method: a temporary store per test (domain_fixture.c); records made by enrolment, adjustments
 * and a profile change; the ledger verifier after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_ops_audit_page_t page;

static int audit_page(uint64_t member_id, uint64_t after, size_t limit)
{
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_member_audit_page(txn, member_id, after, limit, &page);
    lty_store_txn_abort(txn);
    return err;
}

static void test_member_audit_page_newest_first_with_old_and_new_values(void **state)
{
    (void)state;
    uint64_t member_id = 0, other_id = 0;
    lty_card_t card;
    member_pair(&member_id, &card, &other_id);
    lty_ops_member_patch_t patch = {.member_id = member_id, .fields = LTY_MEMBER_FIELD_EMAIL};
    strcpy(patch.values.email, "wang@example.com");
    size_t changed = 0;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_update(txn, &operator_actor, NOW + 1000, &patch,
                                                       &changed, NULL)),
                     0);
    assert_int_equal(audit_page(member_id, 0, LTY_AUDIT_PAGE_MAX), 0);
    assert_int_equal(page.audits_count, 3); /* create, card, email; not the other member's */
    assert_int_equal(page.next_after, 0);
    assert_string_equal(page.audits[0].action, "member.update");
    assert_string_equal(page.audits[0].principal, "operator:alice");
    assert_string_equal(page.audits[0].target, "member:1");
    assert_string_equal(page.audits[0].detail, "email");
    assert_string_equal(page.audits[0].old_value, "");
    assert_string_equal(page.audits[0].new_value, "wang@example.com");
    assert_true(page.audits[0].created_ms == NOW + 1000);
    assert_string_equal(page.audits[1].action, "card.issue");
    assert_string_equal(page.audits[2].action, "member.create");
    assert_true(page.audits[0].audit_id > page.audits[1].audit_id);
    assert_true(page.audits[1].audit_id > page.audits[2].audit_id);
    /* Paging: one at a time, every record once. */
    assert_int_equal(audit_page(member_id, 0, 1), 0);
    assert_int_equal(page.audits_count, 1);
    uint64_t newest = page.audits[0].audit_id;
    assert_int_equal(page.next_after, newest);
    assert_int_equal(audit_page(member_id, newest, 1), 0);
    assert_string_equal(page.audits[0].action, "card.issue");
    assert_int_equal(audit_page(member_id, page.next_after, 1), 0);
    assert_string_equal(page.audits[0].action, "member.create");
    assert_int_equal(page.next_after, 0);
    assert_int_equal(audit_page(other_id, 0, 10), 0);
    assert_int_equal(page.audits_count, 1);
    assert_string_equal(page.audits[0].target, "member:2");
    assert_sound();
}

static void test_member_audit_page_limits_and_a_missing_member(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    assert_int_equal(audit_page(member_id, 0, 0), LTY_E_INVALID_FIELD);
    assert_int_equal(audit_page(member_id, 0, LTY_AUDIT_PAGE_MAX + 1), LTY_E_INVALID_FIELD);
    assert_int_equal(audit_page(member_id + 1, 0, 10), LTY_E_MEMBER_NOT_FOUND);
    assert_int_equal(audit_page(0, 0, 10), LTY_E_MEMBER_NOT_FOUND);
    adjust_many(member_id, LTY_AUDIT_PAGE_MAX, 0); /* with enrolment: the max + 1 records */
    assert_int_equal(audit_page(member_id, 0, LTY_AUDIT_PAGE_MAX), 0);
    assert_int_equal(page.audits_count, LTY_AUDIT_PAGE_MAX);
    assert_string_equal(page.audits[0].detail, "+1 points: a99");
    assert_int_equal(page.next_after, page.audits[LTY_AUDIT_PAGE_MAX - 1].audit_id);
    assert_int_equal(audit_page(member_id, page.next_after, LTY_AUDIT_PAGE_MAX), 0);
    assert_int_equal(page.audits_count, 1);
    assert_string_equal(page.audits[0].action, "member.create");
    assert_int_equal(page.next_after, 0);
    assert_sound();
}

static void test_member_audit_page_names_the_system_for_a_system_actor(void **state)
{
    (void)state;
    lty_actor_t system_actor;
    memset(&system_actor, 0, sizeof(system_actor));
    lty_ops_member_new_t member_new = {.name = "王芳", .phone = "+8613800138001"};
    uint64_t member_id = 0;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_create(txn, &system_actor, NOW, &member_new,
                                                       &member_id, NULL)),
                     0);
    assert_int_equal(audit_page(member_id, 0, 1), 0);
    assert_string_equal(page.audits[0].principal, "system");
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_member_audit_page_newest_first_with_old_and_new_values),
        DOMAIN_TEST(test_member_audit_page_limits_and_a_missing_member),
        DOMAIN_TEST(test_member_audit_page_names_the_system_for_a_system_actor),
    };
    return cmocka_run_group_tests_name("ops_audit", tests, NULL, NULL);
}
