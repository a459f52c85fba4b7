/* tests/unit/domain/test_ops_member.c
 * Goal: enrolment (lty_ops_member_create) gives increasing ids, stores every profile field with
 * its phone and name indexes and an audit record, and refuses a taken phone or any invalid field
 * (each length limit at max and max + 1) without changing the store; the member view
 * (lty_ops_member_get) shows profile, balances and cards, and names a missing member.
 * Method: a temporary store per test (domain_fixture.c); each write in its own transaction; a
 * digest of the whole store before and after every refusal; the ledger verifier after each. */
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

static int create(const lty_ops_member_new_t *member_new, uint64_t *member_id_out)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_member_create(txn, &operator_actor, NOW, member_new, member_id_out,
                                             &diag));
}

static void member_new_fill(lty_ops_member_new_t *member_new)
{
    memset(member_new, 0, sizeof(*member_new));
    strcpy(member_new->name, "王芳");
    strcpy(member_new->phone, "+8613800138001");
}

static void test_member_ids_start_at_one_and_phone_is_unique(void **state)
{
    (void)state;
    uint64_t first = 0;
    uint64_t second = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &first), 0);
    assert_int_equal(first, 1);
    assert_int_equal(member_create("李伟", "+8613800138002", &second), 0);
    assert_int_equal(second, 2);
    uint64_t third = 0;
    assert_int_equal(member_create("张敏", "+8613800138001", &third), LTY_E_PHONE_TAKEN);
    assert_int_equal(third, 0);
    assert_int_equal(count_of(LTY_DB_MEMBERS), 2);
    assert_int_equal(member_create("x", "+1234567", &third), LTY_E_INVALID_FIELD); /* 7 digits */
    assert_int_equal(member_create("x", "+12345678", &third), 0);                  /* 8 */
    assert_int_equal(member_create("x", "+123456789012345", &third), 0); /* 15: max; 16 cannot be
                                                                          * held (API edge) */
    assert_int_equal(member_create("x", "+86138001380a", &third), LTY_E_INVALID_FIELD);
    assert_int_equal(member_create("x", "8613800138009", &third), LTY_E_INVALID_FIELD);
    assert_int_equal(member_create("", "+8613800138009", &third), LTY_E_INVALID_FIELD);
    assert_int_equal(count_of(LTY_DB_AUDIT), 3 + 4); /* setup adds 3, four members created */
    assert_sound();
}

static void test_member_create_stores_every_field_and_its_indexes(void **state)
{
    (void)state;
    lty_ops_member_new_t member_new;
    member_new_fill(&member_new);
    strcpy(member_new.email, "wang.fang@example.com");
    strcpy(member_new.birthday, "1990-02-28");
    member_new.gender = 1;
    strcpy(member_new.preferred_store, "S002");
    member_new.consent_flags = LTY_CONSENT_SMS | LTY_CONSENT_PUSH;
    uint64_t member_id = 0;
    assert_int_equal(create(&member_new, &member_id), 0);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    const lty_member_t *member = &member_view.member;
    assert_int_equal(member->member_id, 1);
    assert_int_equal(member->status, LTY_MEMBER_ACTIVE);
    assert_int_equal(member->tier, 0);
    assert_string_equal(member->name, "王芳");
    assert_string_equal(member->phone, "+8613800138001");
    assert_string_equal(member->email, "wang.fang@example.com");
    assert_string_equal(member->birthday, "1990-02-28");
    assert_int_equal(member->gender, 1);
    assert_string_equal(member->preferred_store, "S002");
    assert_int_equal(member->consent_flags, LTY_CONSENT_SMS | LTY_CONSENT_PUSH);
    assert_true(member->consent_ms == NOW && member->created_ms == NOW);
    assert_int_equal(member_view.cards_count, 0);
    assert_int_equal(member_view.points, 0);
    assert_int_equal(member_view.prepaid_cents, 0);
    static lty_ops_member_page_t page;
    assert_int_equal(lty_ops_member_search(txn, LTY_OPS_SEARCH_PHONE, "+8613800138001", 0, 10,
                                           &page), 0);
    assert_int_equal(page.members_count, 1);
    assert_int_equal(page.members[0].member_id, member_id);
    assert_int_equal(lty_ops_member_search(txn, LTY_OPS_SEARCH_NAME, "王", 0, 10, &page), 0);
    assert_int_equal(page.members_count, 1);
    static lty_ops_audit_page_t audits;
    assert_int_equal(lty_ops_member_audit_page(txn, member_id, 0, 10, &audits), 0);
    assert_int_equal(audits.audits_count, 1);
    assert_string_equal(audits.audits[0].action, "member.create");
    assert_string_equal(audits.audits[0].principal, "operator:alice");
    lty_store_txn_abort(txn);
    /* No consent given: no consent time either. */
    member_new_fill(&member_new);
    strcpy(member_new.phone, "+8613800138002");
    assert_int_equal(create(&member_new, &member_id), 0);
    assert_int_equal(member_id, 2);
    txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_true(member_view.member.consent_ms == 0);
    lty_store_txn_abort(txn);
    assert_sound();
}

/* Each field refused alone, the store unchanged; the diag names the field. */
static void refused(const lty_ops_member_new_t *member_new, int err, const char *field)
{
    store_digest_t before = store_digest();
    uint64_t member_id = 0;
    assert_int_equal(create(member_new, &member_id), err);
    assert_int_equal(member_id, 0);
    assert_string_equal(diag.field, field);
    assert_unchanged(&before);
}

static void test_member_create_refuses_each_invalid_field_and_changes_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    assert_int_equal(member_create("李伟", "+8613800138002", &member_id), 0);
    lty_ops_member_new_t member_new;
    member_new_fill(&member_new);
    strcpy(member_new.phone, "+8613800138002");
    refused(&member_new, LTY_E_PHONE_TAKEN, "/phone");
    member_new_fill(&member_new);
    strcpy(member_new.phone, "+0613800138001"); /* first digit 0 */
    refused(&member_new, LTY_E_INVALID_FIELD, "/phone");
    member_new_fill(&member_new);
    strcpy(member_new.email, "no-at-sign.example.com");
    refused(&member_new, LTY_E_INVALID_FIELD, "/email");
    member_new_fill(&member_new);
    strcpy(member_new.birthday, "2999-01-01"); /* in the future */
    refused(&member_new, LTY_E_INVALID_FIELD, "/birthday");
    member_new_fill(&member_new);
    member_new.gender = 4;
    refused(&member_new, LTY_E_INVALID_FIELD, "/gender");
    member_new_fill(&member_new);
    strcpy(member_new.preferred_store, "S999");
    refused(&member_new, LTY_E_INVALID_FIELD, "/preferred_store");
    member_new_fill(&member_new);
    member_new.consent_flags = LTY_CONSENT_ALL + 1;
    refused(&member_new, LTY_E_INVALID_FIELD, "/consents");
    assert_int_equal(count_of(LTY_DB_MEMBERS), 1);
}

static void test_member_create_length_limits_at_max_and_over(void **state)
{
    (void)state;
    lty_ops_member_new_t member_new;
    /* name: LTY_NAME_BYTES_MAX + 1 bytes (no terminator fits) is refused, the max is taken. */
    member_new_fill(&member_new);
    memset(member_new.name, 'n', sizeof(member_new.name));
    refused(&member_new, LTY_E_INVALID_FIELD, "/name");
    member_new.name[LTY_NAME_BYTES_MAX] = '\0';
    uint64_t member_id = 0;
    assert_int_equal(create(&member_new, &member_id), 0);
    assert_int_equal(member_id, 1);
    /* phone: '+' and 16 digits fill the field without a terminator. */
    member_new_fill(&member_new);
    member_new.phone[0] = '+';
    memset(member_new.phone + 1, '1', sizeof(member_new.phone) - 1);
    refused(&member_new, LTY_E_INVALID_FIELD, "/phone");
    /* email: LTY_EMAIL_BYTES_MAX + 1 bytes refused, LTY_EMAIL_BYTES_MAX taken. */
    member_new_fill(&member_new);
    strcpy(member_new.phone, "+8613800138002");
    memset(member_new.email, 'e', sizeof(member_new.email));
    memcpy(member_new.email + sizeof(member_new.email) - 12, "@example.com", 12);
    refused(&member_new, LTY_E_INVALID_FIELD, "/email");
    memmove(member_new.email, member_new.email + 1, sizeof(member_new.email) - 1);
    member_new.email[LTY_EMAIL_BYTES_MAX] = '\0';
    assert_int_equal(strlen(member_new.email), LTY_EMAIL_BYTES_MAX);
    assert_int_equal(create(&member_new, &member_id), 0);
    assert_int_equal(member_id, 2);
    assert_sound();
}

static void test_member_get_shows_balances_and_cards_or_names_a_missing_member(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t first;
    lty_card_t second;
    member_with_card("+8613800138001", &member_id, &first);
    card_issue(member_id, &second);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 70, NOW, &adjusted), 0);
    lty_ops_balances_t balances;
    assert_int_equal(topup(first.card_no, 1234, NOW, &balances), 0);
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_int_equal(member_view.points, 70);
    assert_int_equal(member_view.prepaid_cents, 1234);
    assert_int_equal(member_view.cards_count, 2);
    bool first_seen = false;
    bool second_seen = false;
    for (size_t index = 0; index < member_view.cards_count; index++) {
        assert_int_equal(member_view.cards[index].member_id, member_id);
        first_seen = first_seen || strcmp(member_view.cards[index].card_no, first.card_no) == 0;
        second_seen = second_seen || strcmp(member_view.cards[index].card_no, second.card_no) == 0;
    }
    assert_true(first_seen && second_seen);
    assert_int_equal(lty_ops_member_get(txn, 0, &member_view), LTY_E_MEMBER_NOT_FOUND);
    assert_int_equal(lty_ops_member_get(txn, member_id + 1, &member_view),
                     LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_member_ids_start_at_one_and_phone_is_unique),
        DOMAIN_TEST(test_member_create_stores_every_field_and_its_indexes),
        DOMAIN_TEST(test_member_create_refuses_each_invalid_field_and_changes_nothing),
        DOMAIN_TEST(test_member_create_length_limits_at_max_and_over),
        DOMAIN_TEST(test_member_get_shows_balances_and_cards_or_names_a_missing_member),
    };
    return cmocka_run_group_tests_name("ops_member", tests, NULL, NULL);
}
