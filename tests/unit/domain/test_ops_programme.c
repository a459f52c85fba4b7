/* tests/unit/domain/test_ops_programme.c
 * Goal: the programme's domain operations (expiry, settings, rules, commission) keep the ledger's
 * promises in a real store: expired lots are never spent nor counted and are swept exactly once;
 * lots are spent soonest-expiring first; a settings change is seen by the next transaction and an
 * aborted one never is; a sale applies its rules, records their cap usage and pays its staff
 * member, and a quote says the same; a return claws commission back; a bonus key grants once; the
 * birthday bonus comes once a year; an older store gets its lots indexed for the sweep; and
 * `verify` is sound after each.
 * Method: the domain fixture's temporary store, operations in their own write transactions, the
 * verifier after every scenario. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "migrate.h"
#include "ops.h"
#include "settings.h"
#include "store.h"
#include "domain_fixture.h"

#include <cmocka.h>

static int64_t available_of(uint64_t member_id, int64_t now_ms)
{
    lty_store_txn_t *txn = NULL;
    int64_t balance = 0, available = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_points_available(txn, member_id, now_ms, &balance, &available), 0);
    lty_store_txn_abort(txn);
    return available;
}

static lty_ops_expiry_sweep_t sweep(int64_t now_ms)
{
    lty_ops_expiry_sweep_t result;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_expiry_sweep(txn, &operator_actor, now_ms,
                                                      LTY_EXPIRY_LOTS_PER_TXN_MAX, &result)),
                     0);
    return result;
}

static void test_expired_lots_are_not_spent_and_are_swept_once(void **state)
{
    (void)state;
    uint64_t member = 0;
    lty_card_t card;
    lty_ops_sale_result_t result;
    lty_ops_adjust_result_t adjusted;
    member_with_card("+8613800000001", &member, &card);
    assert_int_equal(sale(card.card_no, "R1", 10000, 0, NOW, &result), 0); /* 100, 730 days */
    assert_int_equal(adjust(member, 40, NOW + 100 * DAY, &adjusted), 0);   /* 40, 830 days */
    int64_t later = NOW + 731 * DAY;
    assert_int_equal(available_of(member, later), 40);
    assert_int_equal(sale(card.card_no, "R2", 10000, 41, later, &result),
                     LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(adjust(member, -41, later, &adjusted), LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(points_of(member), 140); /* the journal still holds them until the sweep */
    lty_ops_expiry_sweep_t first = sweep(later);
    assert_int_equal(first.lots_expired, 1);
    assert_int_equal(first.points_expired, 100);
    assert_int_equal(points_of(member), 40);
    lty_ops_expiry_sweep_t second = sweep(later);
    assert_int_equal(second.lots_expired, 0);
    assert_int_equal(second.lots_visited, 0);
    assert_sound();
    /* The 40 are spent from the lot that has not expired. */
    assert_int_equal(sale(card.card_no, "R3", 10000, 40, later, &result), 0);
    assert_int_equal(result.points_balance, 99); /* 40 - 40 + 99 earned on 99.60 */
    assert_sound();
}

static void test_lots_are_spent_soonest_expiring_first(void **state)
{
    (void)state;
    uint64_t member = 0;
    lty_card_t card;
    lty_ops_adjust_result_t adjusted;
    lty_ops_sale_result_t result;
    member_with_card("+8613800000002", &member, &card);
    assert_int_equal(adjust(member, 50, NOW + 10 * DAY, &adjusted), 0); /* expires later */
    assert_int_equal(adjust(member, 30, NOW, &adjusted), 0);            /* expires sooner */
    assert_int_equal(sale(card.card_no, "R1", 1000, 40, NOW + 20 * DAY, &result), 0);
    /* 30 from the sooner lot, 10 from the later: at the sooner lot's expiry nothing is lost;
     * 40 remain in the later lot and 9 were earned on 9.60. */
    lty_ops_expiry_sweep_t swept = sweep(NOW + 730 * DAY + 1);
    assert_int_equal(swept.points_expired, 0);
    assert_int_equal(swept.lots_visited, 1);
    assert_int_equal(available_of(member, NOW + 730 * DAY + 1), 40 + 9);
    assert_sound();
}

static void test_settings_change_is_seen_by_the_next_txn_and_never_after_abort(void **state)
{
    (void)state;
    const lty_settings_t *settings = NULL;
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_settings_get(txn, &settings), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(settings->programme.earn_cents_per_point, 100);
    lty_programme_t update = settings->programme;
    update.earn_cents_per_point = 50;
    lty_programme_t stored;
    /* A change inside a transaction that is then aborted: never seen. */
    txn = write_begin();
    assert_int_equal(lty_ops_programme_update(txn, &operator_actor, NOW, &update, &stored, NULL),
                     0);
    assert_int_equal(lty_settings_get(txn, &settings), 0);
    assert_int_equal(settings->programme.earn_cents_per_point, 50); /* its own txn sees it */
    lty_store_txn_abort(txn);
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_settings_get(txn, &settings), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(settings->programme.earn_cents_per_point, 100);
    /* Committed: the next transaction has it, with the next version. */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_programme_update(txn, &operator_actor, NOW, &update,
                                                          &stored, NULL)),
                     0);
    assert_int_equal(stored.version, 2);
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_settings_get(txn, &settings), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(settings->programme.earn_cents_per_point, 50);
    assert_int_equal(settings->programme.version, 2);
    /* The version read is the only one accepted. */
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_programme_update(txn, &operator_actor, NOW, &update,
                                                          &stored, NULL)),
                     LTY_E_VERSION_CONFLICT);
    lty_settings_cache_free_all();
    assert_sound();
}

static lty_rule_t rule_scratch;

static uint64_t rule_add(const char *json)
{
    memset(&rule_scratch, 0, sizeof(rule_scratch));
    rule_scratch.status = LTY_RULE_ACTIVE;
    assert_int_equal(lty_rule_parse_text(json, strlen(json), &rule_scratch, NULL), 0);
    static lty_rule_t stored;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_rule_create(txn, &operator_actor, &programme, NOW,
                                                     &rule_scratch, &stored, NULL)),
                     0);
    return stored.rule_id;
}

static int staff_add(const char *staff_id)
{
    lty_ops_staff_new_t staff_new = {.staff_id = "", .name = "周敏", .store_id = "S001"};
    snprintf(staff_new.staff_id, sizeof(staff_new.staff_id), "%s", staff_id);
    lty_staff_t staff;
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_staff_create(txn, &operator_actor, NOW, &staff_new, &staff, NULL));
}

/* A detergent line and a tobacco line, by a staff member, quoted then sold. */
static int rules_sale(const char *card_no, const char *receipt_no, const char *staff_id,
                      lty_ops_quote_t *quote_out, lty_ops_sale_result_t *result_out)
{
    static lty_ops_sale_t request;
    static lty_settings_t settings;
    memset(&request, 0, sizeof(request));
    snprintf(request.card_no, sizeof(request.card_no), "%s", card_no);
    snprintf(request.receipt_no, sizeof(request.receipt_no), "%s", receipt_no);
    snprintf(request.staff_id, sizeof(request.staff_id), "%s", staff_id);
    request.lines_count = 2;
    request.lines[0] = (lty_sale_line_t){.sku = "D1", .category = "detergent", .qty = 1,
                                         .amount_cents = 4000};
    request.lines[1] = (lty_sale_line_t){.sku = "T1", .category = "tobacco", .qty = 1,
                                         .amount_cents = 2000};
    lty_store_txn_t *txn = write_begin();
    int err = lty_settings_load(txn, &settings);
    if (err == 0) err = lty_ops_sale_quote(txn, &till_actor, &settings, NOW, &request, quote_out,
                                           NULL);
    if (err == 0) err = lty_ops_sale_ex(txn, &till_actor, &settings, NOW, &request, result_out,
                                        NULL);
    lty_settings_release(&settings);
    return finish(txn, err);
}

static void test_sale_applies_rules_caps_and_commission_and_quote_agrees(void **state)
{
    (void)state;
    uint64_t member = 0;
    lty_card_t card;
    member_with_card("+8613800000003", &member, &card);
    uint64_t double_id = rule_add("{\"name\":\"Double detergent\",\"match\":{\"categories\":"
                                  "[\"detergent\"]},\"effect\":{\"multiplier_percent\":200},"
                                  "\"cap_points\":50}");
    uint64_t exclude_id = rule_add("{\"name\":\"No tobacco\",\"match\":{\"categories\":"
                                   "[\"tobacco\"]},\"effect\":{\"exclude\":true}}");
    assert_int_equal(staff_add("E001"), 0);
    lty_ops_quote_t quote;
    lty_ops_sale_result_t result;
    assert_int_equal(rules_sale(card.card_no, "R1", "E001", &quote, &result), 0);
    /* 60 base; tobacco -20; detergent doubled +40 (cap 50 not reached). */
    assert_int_equal(result.points_earned, 80);
    assert_int_equal(quote.points_earned, result.points_earned);
    assert_int_equal(result.rules.applied_count, 2);
    assert_int_equal(result.rules.applied[0].rule_id, exclude_id);
    assert_int_equal(result.rules.applied[1].rule_id, double_id);
    assert_int_equal(result.commission_cents, 30); /* 0.5 % of 60.00 */
    /* The second sale: the cap leaves 10 of the 40. */
    assert_int_equal(rules_sale(card.card_no, "R2", "E001", &quote, &result), 0);
    assert_int_equal(result.points_earned, 50);
    assert_true(result.rules.applied[1].capped);
    assert_int_equal(quote.points_earned, 50);
    /* An unknown staff member refuses the sale. */
    assert_int_equal(rules_sale(card.card_no, "R3", "E999", &quote, &result),
                     LTY_E_STAFF_NOT_FOUND);
    assert_sound();
    /* A return of the detergent line claws back its share of the commission: 40.00 of 60.00. */
    static lty_ops_return_t request;
    static lty_ops_return_result_t returned;
    memset(&request, 0, sizeof(request));
    request.sale_id = result.sale_id;
    request.lines_count = 1;
    strcpy(request.lines[0].sku, "D1");
    request.lines[0].qty = 1;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_return(txn, &till_actor, &programme, NOW, &request,
                                                &returned, NULL)),
                     0);
    static lty_ops_commission_report_t report;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_commission_report(txn, "", NOW - DAY, NOW + DAY, &report), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(report.rows_count, 1);
    assert_int_equal(report.rows[0].commission_cents, 60);
    assert_int_equal(report.rows[0].clawback_cents, 20);
    assert_int_equal(report.rows[0].balance_cents, 40);
    assert_int_equal(report.rows[0].sales_count, 2);
    assert_sound();
}

static void test_bonus_key_grants_once_and_birthday_once_a_year(void **state)
{
    (void)state;
    uint64_t member = 0;
    lty_card_t card;
    member_with_card("+8613800000004", &member, &card);
    static lty_ops_bonus_t bonus;
    static lty_ops_bonus_result_t result;
    memset(&bonus, 0, sizeof(bonus));
    strcpy(bonus.bonus_key, "spring-2026");
    strcpy(bonus.reason, "spring promotion");
    bonus.points = 25;
    bonus.members_count = 2;
    bonus.member_ids[0] = member;
    bonus.member_ids[1] = 999;
    for (int run = 0; run < 2; run++) {
        lty_store_txn_t *txn = write_begin();
        assert_int_equal(finish(txn, lty_ops_bonus_grant(txn, &operator_actor, &programme, NOW,
                                                         &bonus, &result, NULL)),
                         0);
        assert_int_equal(result.granted_count, run == 0 ? 1 : 0);
        assert_int_equal(result.members[0].outcome,
                         run == 0 ? LTY_OPS_BONUS_GRANTED : LTY_OPS_BONUS_ALREADY_GRANTED);
        assert_int_equal(result.members[1].outcome, LTY_OPS_BONUS_MEMBER_NOT_FOUND);
    }
    assert_int_equal(points_of(member), 25);
    /* Birthday: once on the day, again the next year. */
    int64_t today = lty_cal_days_from_civil(2026, 6, 15);
    int64_t noon = lty_cal_day_start_ms(today, programme.utc_offset_minutes) + 12 * 3600000;
    size_t granted = 0;
    for (int run = 0; run < 3; run++) {
        int64_t when = run < 2 ? noon : noon + 365 * DAY;
        lty_store_txn_t *txn = write_begin();
        assert_int_equal(finish(txn, lty_ops_birthday_grant(txn, &operator_actor, &programme,
                                                            when, &member, 1, &granted)),
                         0);
        assert_int_equal(granted, run == 1 ? 0 : 1);
    }
    assert_int_equal(points_of(member), 25 + 2 * programme.birthday_bonus_points);
    assert_sound();
}

static void test_migration_indexes_the_lots_of_an_older_store(void **state)
{
    (void)state;
    uint64_t member = 0;
    lty_card_t card;
    lty_ops_sale_result_t result;
    member_with_card("+8613800000005", &member, &card);
    assert_int_equal(sale(card.card_no, "R1", 5000, 0, NOW, &result), 0);
    /* Make it a schema-7 store (the one before lots-by-expiry): no lots-by-expiry. */
    lty_store_txn_t *txn = write_begin();
    lty_store_cursor_t *cursor = NULL;
    lty_bytes_t key = {0}, value = {0};
    assert_int_equal(lty_store_cursor_open(txn, LTY_DB_LOTS_BY_EXPIRY, &cursor), 0);
    while (lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value) == 0) {
        assert_int_equal(lty_store_cursor_del(cursor), 0);
    }
    lty_store_cursor_close(cursor);
    assert_int_equal(lty_migrate_version_put(txn, 7), 0);
    assert_int_equal(finish(txn, 0), 0);
    assert_int_equal(count_of(LTY_DB_LOTS_BY_EXPIRY), 0);
    txn = write_begin();
    assert_int_equal(finish(txn, lty_migrate_apply(txn)), 0);
    assert_int_equal(count_of(LTY_DB_LOTS_BY_EXPIRY), 1);
    txn = write_begin(); /* again: idempotent */
    assert_int_equal(lty_migrate_version_put(txn, 7), 0);
    assert_int_equal(finish(txn, lty_migrate_apply(txn)), 0);
    assert_int_equal(count_of(LTY_DB_LOTS_BY_EXPIRY), 1);
    assert_int_equal(sweep(NOW + 731 * DAY).points_expired, 50);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expired_lots_are_not_spent_and_are_swept_once,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lots_are_spent_soonest_expiring_first,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            test_settings_change_is_seen_by_the_next_txn_and_never_after_abort,
            domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            test_sale_applies_rules_caps_and_commission_and_quote_agrees, domain_fixture_setup,
            domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bonus_key_grants_once_and_birthday_once_a_year,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_migration_indexes_the_lots_of_an_older_store,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("ops_programme", tests, NULL, NULL);
}
