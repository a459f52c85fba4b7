/* tests/unit/domain/test_ops_member_profile.c
 * Goal: the profile rules (lty_ops_phone_valid, lty_ops_member_profile_check) accept exactly
 * their documented ranges; a profile update (lty_ops_member_update) changes only the given
 * fields, audits each change with old and new value, moves the phone and name indexes, and
 * refuses without changing anything; search (lty_ops_member_search) finds by phone, card and
 * name prefix with paging and bounded limits; the index backfill (lty_ops_member_indexes_backfill)
 * rebuilds what it owns and is idempotent.
 * Method: a temporary store per test (domain_fixture.c); a digest of the whole store before and
 * after every refusal; the ledger verifier after each test. */
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

static lty_diag_t diag;
static lty_ops_member_page_t page;
static lty_ops_audit_page_t audits;

static int update(const lty_ops_member_patch_t *patch, size_t *changed_out)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_member_update(txn, &operator_actor, NOW + DAY, patch, changed_out,
                                             &diag));
}

static int search(lty_ops_member_search_by_t by, const char *text, uint64_t after, size_t limit)
{
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_member_search(txn, by, text, after, limit, &page);
    lty_store_txn_abort(txn);
    return err;
}

static int profile_check(const lty_ops_member_new_t *profile, uint32_t which)
{
    lty_store_txn_t *txn = read_begin();
    lty_diag_clear(&diag);
    int err = lty_ops_member_profile_check(txn, profile, which, NOW, &diag);
    lty_store_txn_abort(txn);
    return err;
}

/* ---- Validation ------------------------------------------------------------------------- */

static void test_phone_valid_takes_8_to_15_digits_after_a_plus(void **state)
{
    (void)state;
    assert_true(lty_ops_phone_valid("+12345678"));         /* 8 digits: min */
    assert_false(lty_ops_phone_valid("+1234567"));         /* 7 */
    assert_true(lty_ops_phone_valid("+123456789012345"));  /* 15: max */
    assert_false(lty_ops_phone_valid("+1234567890123456")); /* 16 */
    assert_false(lty_ops_phone_valid("+0234567890"));      /* first digit 0 */
    assert_false(lty_ops_phone_valid("12345678901"));
    assert_false(lty_ops_phone_valid("+1234 67890"));
    assert_false(lty_ops_phone_valid(""));
    expect_assert_failure(lty_ops_phone_valid(NULL));
}

static void test_profile_check_ranges_of_each_field(void **state)
{
    (void)state;
    lty_ops_member_new_t profile;
    memset(&profile, 0, sizeof(profile));
    assert_int_equal(profile_check(&profile, 0), 0); /* nothing selected, nothing checked */
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_NAME), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/name");
    strcpy(profile.name, "x");
    strcpy(profile.phone, "+8613800138001");
    assert_int_equal(profile_check(&profile, 127u), 0); /* optional fields empty */
    static const struct {
        const char *birthday;
        int err;
    } birthdays[] = {
        {"1900-01-01", 0}, {"1899-12-31", LTY_E_INVALID_FIELD}, {"2000-02-29", 0},
        {"1900-02-29", LTY_E_INVALID_FIELD}, {"2001-02-29", LTY_E_INVALID_FIELD},
        {"2024-13-01", LTY_E_INVALID_FIELD}, {"2024-04-31", LTY_E_INVALID_FIELD},
        {"2024-04-00", LTY_E_INVALID_FIELD}, {"2026-05-28", 0}, /* today (NOW) */
        {"2026-05-29", LTY_E_INVALID_FIELD}, {"1990-1-011", LTY_E_INVALID_FIELD},
        {"1990/01/01", LTY_E_INVALID_FIELD},
    };
    for (size_t index = 0; index < sizeof(birthdays) / sizeof(birthdays[0]); index++) {
        strcpy(profile.birthday, birthdays[index].birthday);
        print_message("birthday %s\n", profile.birthday);
        assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_BIRTHDAY), birthdays[index].err);
    }
    profile.birthday[0] = '\0';
    profile.gender = 3;
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_GENDER), 0);
    profile.gender = 4;
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_GENDER), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/gender");
    profile.gender = 0;
    profile.consent_flags = LTY_CONSENT_ALL;
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_CONSENT), 0);
    profile.consent_flags = LTY_CONSENT_ALL + 1;
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_CONSENT), LTY_E_INVALID_FIELD);
    profile.consent_flags = 0;
    strcpy(profile.preferred_store, "S001");
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_STORE), 0);
    strcpy(profile.preferred_store, "S003");
    assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_STORE), LTY_E_INVALID_FIELD);
    profile.preferred_store[0] = '\0';
    static const struct {
        const char *email;
        int err;
    } emails[] = {
        {"a@b.cn", 0}, {"a@b", LTY_E_INVALID_FIELD}, {"@b.cn", LTY_E_INVALID_FIELD},
        {"a@@b.cn", LTY_E_INVALID_FIELD}, {"a@b.", LTY_E_INVALID_FIELD},
        {"a@.cn", LTY_E_INVALID_FIELD}, {"a b@c.cn", LTY_E_INVALID_FIELD},
    };
    for (size_t index = 0; index < sizeof(emails) / sizeof(emails[0]); index++) {
        strcpy(profile.email, emails[index].email);
        assert_int_equal(profile_check(&profile, LTY_MEMBER_FIELD_EMAIL), emails[index].err);
    }
    lty_store_txn_t *txn = read_begin();
    expect_assert_failure(lty_ops_member_profile_check(txn, &profile, 128u, NOW, NULL));
    lty_store_txn_abort(txn);
}

/* ---- Update ----------------------------------------------------------------------------- */

static void test_member_update_changes_given_fields_with_audit_and_indexes(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("Wang Fang", "+8613800138001", &member_id), 0);
    lty_ops_member_patch_t patch;
    memset(&patch, 0, sizeof(patch));
    patch.member_id = member_id;
    patch.fields = 127u;
    strcpy(patch.values.name, "Wang Li");
    strcpy(patch.values.phone, "+8613800138009");
    strcpy(patch.values.email, "li@example.com");
    strcpy(patch.values.birthday, "1991-03-04");
    patch.values.gender = 2;
    strcpy(patch.values.preferred_store, "S001");
    patch.consent_mask = LTY_CONSENT_EMAIL;
    patch.values.consent_flags = LTY_CONSENT_ALL; /* only the masked bit applies */
    size_t changed = 99;
    assert_int_equal(update(&patch, &changed), 0);
    assert_int_equal(changed, 7);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_string_equal(member_view.member.name, "Wang Li");
    assert_string_equal(member_view.member.phone, "+8613800138009");
    assert_string_equal(member_view.member.email, "li@example.com");
    assert_string_equal(member_view.member.birthday, "1991-03-04");
    assert_int_equal(member_view.member.gender, 2);
    assert_string_equal(member_view.member.preferred_store, "S001");
    assert_int_equal(member_view.member.consent_flags, LTY_CONSENT_EMAIL);
    assert_true(member_view.member.consent_ms == NOW + DAY);
    assert_true(member_view.member.updated_ms == NOW + DAY);
    assert_int_equal(lty_ops_member_audit_page(txn, member_id, 0, LTY_AUDIT_PAGE_MAX, &audits), 0);
    assert_int_equal(audits.audits_count, 1 + 7);
    assert_string_equal(audits.audits[audits.audits_count - 2].detail, "name");
    assert_string_equal(audits.audits[audits.audits_count - 2].old_value, "Wang Fang");
    assert_string_equal(audits.audits[audits.audits_count - 2].new_value, "Wang Li");
    assert_string_equal(audits.audits[0].detail, "consents");
    assert_string_equal(audits.audits[0].old_value, "");
    assert_string_equal(audits.audits[0].new_value, "email ");
    lty_store_txn_abort(txn);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "wang f", 0, 10), 0);
    assert_int_equal(page.members_count, 0);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "WANG L", 0, 10), 0);
    assert_int_equal(page.members_count, 1);
    assert_int_equal(search(LTY_OPS_SEARCH_PHONE, "+8613800138001", 0, 10), 0);
    assert_int_equal(page.members_count, 0);
    uint64_t other = 0; /* the old number is free again */
    assert_int_equal(member_create("Li Wei", "+8613800138001", &other), 0);
    /* The same values again: nothing changes, not even updated_ms or the audit. */
    store_digest_t before = store_digest();
    assert_int_equal(update(&patch, &changed), 0);
    assert_int_equal(changed, 0);
    assert_unchanged(&before);
    /* Clearing an optional text field is a change. */
    memset(&patch.values, 0, sizeof(patch.values));
    patch.fields = LTY_MEMBER_FIELD_EMAIL;
    assert_int_equal(update(&patch, &changed), 0);
    assert_int_equal(changed, 1);
    assert_sound();
}

static void update_refused(const lty_ops_member_patch_t *patch, int err)
{
    store_digest_t before = store_digest();
    size_t changed = 99;
    assert_int_equal(update(patch, &changed), err);
    assert_unchanged(&before);
}

static void test_member_update_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0, other_id = 0;
    lty_card_t card;
    member_pair(&member_id, &card, &other_id);
    lty_ops_member_patch_t patch;
    memset(&patch, 0, sizeof(patch));
    patch.member_id = member_id;
    patch.fields = LTY_MEMBER_FIELD_PHONE;
    strcpy(patch.values.phone, "+8613800138002");
    update_refused(&patch, LTY_E_PHONE_TAKEN);
    assert_string_equal(diag.field, "/phone");
    strcpy(patch.values.phone, "+86138");
    update_refused(&patch, LTY_E_INVALID_FIELD);
    patch.fields = LTY_MEMBER_FIELD_NAME; /* the name given but empty */
    update_refused(&patch, LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/name");
    memset(patch.values.name, 'n', sizeof(patch.values.name)); /* LTY_NAME_BYTES_MAX + 1 */
    update_refused(&patch, LTY_E_INVALID_FIELD);
    patch.values.name[LTY_NAME_BYTES_MAX] = '\0'; /* the max is taken */
    size_t changed = 0;
    assert_int_equal(update(&patch, &changed), 0);
    assert_int_equal(changed, 1);
    patch.member_id = 99;
    update_refused(&patch, LTY_E_MEMBER_NOT_FOUND);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(other_id, NOW, &closed), 0);
    patch.member_id = other_id;
    update_refused(&patch, LTY_E_ACCOUNT_CLOSED);
}

/* ---- Search ----------------------------------------------------------------------------- */

static void test_member_search_by_phone_card_and_name_prefix(void **state)
{
    (void)state;
    uint64_t alice = 0, alan = 0, albert = 0, bob = 0;
    lty_card_t card;
    assert_int_equal(member_create("Alice", "+8613800138001", &alice), 0);
    assert_int_equal(member_create("alan", "+8613800138002", &alan), 0);
    assert_int_equal(member_create("ALBERT", "+8613800138003", &albert), 0);
    assert_int_equal(member_create("Bob", "+8613800138004", &bob), 0);
    card_issue(bob, &card);
    assert_int_equal(search(LTY_OPS_SEARCH_PHONE, "+8613800138003", 0, 10), 0);
    assert_int_equal(page.members_count, 1);
    assert_int_equal(page.members[0].member_id, albert);
    assert_int_equal(search(LTY_OPS_SEARCH_PHONE, "+8613800138999", 0, 10), 0);
    assert_int_equal(page.members_count, 0);
    assert_int_equal(search(LTY_OPS_SEARCH_CARD, card.card_no, 0, 10), 0);
    assert_int_equal(page.members_count, 1);
    assert_int_equal(page.members[0].member_id, bob);
    assert_int_equal(search(LTY_OPS_SEARCH_CARD, "4111111111111111", 0, 10), 0);
    assert_int_equal(page.members_count, 0);
    /* Folded prefix, sorted by name then id; two per page. */
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "aL", 0, 2), 0);
    assert_int_equal(page.members_count, 2);
    assert_int_equal(page.members[0].member_id, alan);
    assert_int_equal(page.members[1].member_id, albert);
    assert_int_equal(page.next_after, albert);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "aL", page.next_after, 2), 0);
    assert_int_equal(page.members_count, 1);
    assert_int_equal(page.members[0].member_id, alice);
    assert_int_equal(page.next_after, 0);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "z", 0, 2), 0);
    assert_int_equal(page.members_count, 0);
    /* Bounds: limit 1..LTY_MEMBER_PAGE_MAX, text 1..LTY_NAME_BYTES_MAX, a card 19 digits. */
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "a", 0, 0), LTY_E_INVALID_FIELD);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "a", 0, LTY_MEMBER_PAGE_MAX + 1),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "", 0, 10), LTY_E_INVALID_FIELD);
    char text[LTY_NAME_BYTES_MAX + 2];
    memset(text, 'a', sizeof(text));
    text[LTY_NAME_BYTES_MAX + 1] = '\0';
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, text, 0, 10), LTY_E_INVALID_FIELD);
    text[LTY_NAME_BYTES_MAX] = '\0';
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, text, 0, 10), 0);
    assert_int_equal(search(LTY_OPS_SEARCH_CARD, "88888888888888888888", 0, 10),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(search(LTY_OPS_SEARCH_CARD, "8888888888888888888", 0, 10), 0);
    assert_sound();
}

static void test_member_search_page_at_max_and_one_more(void **state)
{
    (void)state;
    lty_store_txn_t *txn = write_begin();
    for (int index = 0; index <= LTY_MEMBER_PAGE_MAX; index++) {
        lty_ops_member_new_t member_new;
        memset(&member_new, 0, sizeof(member_new));
        snprintf(member_new.name, sizeof(member_new.name), "m%03d", index);
        snprintf(member_new.phone, sizeof(member_new.phone), "+86139%08d", index);
        uint64_t member_id = 0;
        assert_int_equal(
            lty_ops_member_create(txn, &operator_actor, NOW, &member_new, &member_id, NULL), 0);
    }
    assert_int_equal(finish(txn, 0), 0);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "M", 0, LTY_MEMBER_PAGE_MAX), 0);
    assert_int_equal(page.members_count, LTY_MEMBER_PAGE_MAX);
    assert_int_equal(page.next_after, LTY_MEMBER_PAGE_MAX);
    assert_int_equal(search(LTY_OPS_SEARCH_NAME, "M", page.next_after, LTY_MEMBER_PAGE_MAX), 0);
    assert_int_equal(page.members_count, 1);
    assert_string_equal(page.members[0].name, "m100");
    assert_int_equal(page.next_after, 0);
    assert_sound();
}

/* ---- Index backfill --------------------------------------------------------------------- */

static void db_clear(lty_db_t db)
{
    lty_store_txn_t *txn = write_begin();
    lty_store_cursor_t *cursor = NULL;
    assert_int_equal(lty_store_cursor_open(txn, db, &cursor), 0);
    lty_bytes_t key = {0}, value = {0};
    while (lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value) == 0) {
        assert_int_equal(lty_store_cursor_del(cursor), 0);
    }
    lty_store_cursor_close(cursor);
    assert_int_equal(finish(txn, 0), 0);
}

static void test_member_indexes_backfill_rebuilds_and_is_idempotent(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    assert_int_equal(member_create("Li Wei", "+8613800138002", &member_id), 0);
    store_digest_t whole = store_digest();
    uint64_t names = count_of(LTY_DB_MEMBERS_BY_NAME);
    uint64_t audits_indexed = count_of(LTY_DB_AUDIT_BY_MEMBER);
    assert_int_equal(names, 2);
    assert_int_equal(audits_indexed, 3); /* two enrolments, one card */
    db_clear(LTY_DB_MEMBERS_BY_NAME);
    db_clear(LTY_DB_AUDIT_BY_MEMBER);
    assert_int_equal(count_of(LTY_DB_MEMBERS_BY_NAME), 0);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_indexes_backfill(txn)), 0);
    assert_unchanged(&whole);
    txn = write_begin(); /* again on a store that has them: the same store */
    assert_int_equal(finish(txn, lty_ops_member_indexes_backfill(txn)), 0);
    assert_unchanged(&whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone_valid_takes_8_to_15_digits_after_a_plus),
        DOMAIN_TEST(test_profile_check_ranges_of_each_field),
        DOMAIN_TEST(test_member_update_changes_given_fields_with_audit_and_indexes),
        DOMAIN_TEST(test_member_update_refusals_change_nothing),
        DOMAIN_TEST(test_member_search_by_phone_card_and_name_prefix),
        DOMAIN_TEST(test_member_search_page_at_max_and_one_more),
        DOMAIN_TEST(test_member_indexes_backfill_rebuilds_and_is_idempotent),
    };
    return cmocka_run_group_tests_name("ops_member_profile", tests, NULL, NULL);
}
