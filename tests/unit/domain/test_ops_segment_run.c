/* tests/unit/domain/test_ops_segment_run.c
 * Goal: runs (ops_segment_run.c) take a segment's members as of one snapshot and grant each
 * exactly once: the snapshot recorded in steps (consent and holdout decided there), pending
 * members granted in steps in member id order until DONE, a step retried after it committed
 * grants nobody, the same key finds the same run, a member without consent (a marketing run)
 * or closed by then is skipped, a grant callback (what a coupon issue passes) replaces the
 * bonus, and a run cut short while recording is ended with nobody granted.
 * Method: a temporary store per test (domain_fixture.c); members created through the ops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_err.h"
#include "ops_analytics.h"
#include "domain_fixture.h"

#include <cmocka.h>

#define MEMBERS 7

static uint64_t ids[MEMBERS];
static lty_segment_t segment;

/* Seven members; the odd ones (1st, 3rd, ...) have an sms consent. */
static void population(void)
{
    for (size_t index = 0; index < MEMBERS; index++) {
        lty_ops_member_new_t member = {.consent_flags = index % 2 == 0 ? LTY_CONSENT_SMS : 0};
        snprintf(member.name, sizeof(member.name), "M%zu", index);
        snprintf(member.phone, sizeof(member.phone), "+86139000000%02zu", index);
        lty_store_txn_t *txn = write_begin();
        assert_int_equal(finish(txn, lty_ops_member_create(txn, &operator_actor, NOW, &member,
                                                           &ids[index], NULL)),
                         0);
    }
    lty_segment_filter_t filter = {0};
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_segment_create(txn, &operator_actor, NOW, "everyone",
                                                        &filter, &segment, NULL)),
                     0);
}

static lty_ops_run_new_t bonus_run(const char *key, uint32_t holdout_percent)
{
    lty_ops_run_new_t run_new = {.action = LTY_RUN_ACTION_BONUS, .marketing = true,
                                 .holdout_percent = holdout_percent, .points = 50};
    snprintf(run_new.reason, sizeof(run_new.reason), "welcome back");
    snprintf(run_new.key, sizeof(run_new.key), "%s", key);
    return run_new;
}

static int run_create(const lty_ops_run_new_t *run_new, uint64_t count, lty_segment_run_t *run,
                      bool *created)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_run_create(txn, &operator_actor, NOW, segment.segment_id, run_new,
                                          count, run, created));
}

static int run_record(uint64_t run_id, const uint64_t *members, size_t count,
                      lty_segment_run_t *run)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_run_record(txn, NOW, run_id, members, count, run));
}

static int run_grant(uint64_t run_id, size_t limit, lty_run_grant_cb grant_cb, void *userdata,
                     lty_segment_run_t *run)
{
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_run_grant(txn, &operator_actor, &programme, NOW + 1, run_id, limit,
                                         grant_cb, userdata, run));
}

static void test_run_in_steps_grants_each_member_with_consent_once(void **state)
{
    (void)state;
    population();
    lty_ops_run_new_t run_new = bonus_run("campaign-1", 0);
    lty_segment_run_t run;
    bool created = false;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), 0);
    assert_true(created);
    assert_int_equal(run.state, LTY_RUN_RECORDING);
    assert_int_equal(run_record(run.run_id, ids, 3, &run), 0);
    assert_int_equal(run.state, LTY_RUN_RECORDING);
    assert_int_equal(run_record(run.run_id, ids + 3, 4, &run), 0);
    assert_int_equal(run.state, LTY_RUN_GRANTING);
    assert_int_equal(run.skipped_count, 3); /* the even members: no consent */
    assert_int_equal(run_record(run.run_id, ids, 1, &run), LTY_E_INVALID_FIELD); /* recorded */
    assert_int_equal(run_grant(run.run_id, 2, NULL, NULL, &run), 0); /* ids[0], ids[1] */
    assert_int_equal(run.granted_count, 1);
    assert_int_equal(run.state, LTY_RUN_GRANTING);
    assert_int_equal(run_grant(run.run_id, 5, NULL, NULL, &run), 0); /* the last five: the end */
    assert_int_equal(run.granted_count, 4);
    assert_int_equal(run.state, LTY_RUN_DONE);
    for (size_t index = 0; index < MEMBERS; index++) {
        assert_int_equal(points_of(ids[index]), index % 2 == 0 ? 50 : 0);
    }
    store_digest_t before = store_digest();
    assert_int_equal(run_grant(run.run_id, 5, NULL, NULL, &run), 0); /* a retried step */
    assert_unchanged(&before);
    lty_segment_run_t again;
    assert_int_equal(run_create(&run_new, MEMBERS, &again, &created), 0);
    assert_false(created); /* the same key: the same run, nobody added */
    assert_int_equal(again.run_id, run.run_id);
    assert_unchanged(&before);
}

static void test_run_holdout_is_deterministic_and_not_granted(void **state)
{
    (void)state;
    population();
    lty_ops_run_new_t run_new = bonus_run("campaign-2", 50);
    run_new.marketing = false; /* a service bonus: consent is not needed */
    lty_segment_run_t run;
    bool created = false;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), 0);
    assert_int_equal(run_record(run.run_id, ids, MEMBERS, &run), 0);
    uint64_t held = 0;
    for (size_t index = 0; index < MEMBERS; index++) {
        held += lty_ops_run_holdout(run.run_id, ids[index], 50) ? 1 : 0;
        assert_true(lty_ops_run_holdout(run.run_id, ids[index], 50) ==
                    lty_ops_run_holdout(run.run_id, ids[index], 50));
        assert_false(lty_ops_run_holdout(run.run_id, ids[index], 0));
    }
    assert_int_equal(run.holdout_count, held);
    assert_int_equal(run_grant(run.run_id, LTY_RUN_STEP_MEMBERS_MAX, NULL, NULL, &run), 0);
    assert_int_equal(run.state, LTY_RUN_DONE);
    assert_int_equal(run.granted_count, MEMBERS - held);
    for (size_t index = 0; index < MEMBERS; index++) {
        bool out = lty_ops_run_holdout(run.run_id, ids[index], 50);
        assert_int_equal(points_of(ids[index]), out ? 0 : 50);
    }
    assert_sound();
}

static void test_run_skips_a_member_closed_or_unconsented_since_the_snapshot(void **state)
{
    (void)state;
    population();
    lty_ops_run_new_t run_new = bonus_run("campaign-3", 0);
    lty_segment_run_t run;
    bool created = false;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), 0);
    assert_int_equal(run_record(run.run_id, ids, MEMBERS, &run), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(ids[0], NOW, &closed), 0);
    lty_ops_member_patch_t patch = {.member_id = ids[2], .fields = LTY_MEMBER_FIELD_CONSENT,
                                    .consent_mask = LTY_CONSENT_SMS};
    size_t changed = 0;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_update(txn, &operator_actor, NOW, &patch, &changed,
                                                       NULL)),
                     0);
    assert_int_equal(run_grant(run.run_id, LTY_RUN_STEP_MEMBERS_MAX, NULL, NULL, &run), 0);
    assert_int_equal(run.granted_count, 2); /* members 4 and 6 */
    assert_int_equal(run.skipped_count, 5);
    assert_int_equal(points_of(ids[2]), 0);
    assert_int_equal(points_of(ids[4]), 50);
    assert_sound();
}

typedef struct coupons_s {
    uint64_t issued[MEMBERS];
    size_t count;
} coupons_t;

/* What a coupon issue would pass: one "coupon" per member, its id the member's. */
static int coupon_cb(void *userdata, lty_store_txn_t *txn, const lty_segment_run_t *run,
                     const lty_member_t *member, int64_t now_ms, uint64_t *result_id_out)
{
    (void)txn;
    (void)now_ms;
    coupons_t *coupons = userdata;
    assert_int_equal(run->action, LTY_RUN_ACTION_COUPON);
    coupons->issued[coupons->count++] = member->member_id;
    *result_id_out = 1000 + member->member_id;
    return 0;
}

static void test_run_with_a_grant_callback_issues_through_it(void **state)
{
    (void)state;
    population();
    lty_ops_run_new_t run_new = bonus_run("coupon-run", 0);
    run_new.action = LTY_RUN_ACTION_COUPON;
    snprintf(run_new.ref, sizeof(run_new.ref), "OFFER-7");
    lty_segment_run_t run;
    bool created = false;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), 0);
    assert_int_equal(run_record(run.run_id, ids, MEMBERS, &run), 0);
    coupons_t coupons = {0};
    assert_int_equal(run_grant(run.run_id, LTY_RUN_STEP_MEMBERS_MAX, coupon_cb, &coupons, &run), 0);
    assert_int_equal(coupons.count, 4);
    assert_int_equal(coupons.issued[0], ids[0]);
    assert_int_equal(points_of(ids[0]), 0); /* no bonus: the callback did the granting */
    assert_int_equal(run.state, LTY_RUN_DONE);
}

static void test_run_cut_short_while_recording_grants_nobody(void **state)
{
    (void)state;
    population();
    lty_ops_run_new_t run_new = bonus_run("campaign-4", 0);
    lty_segment_run_t run;
    bool created = false;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), 0);
    assert_int_equal(run_record(run.run_id, ids, 2, &run), 0);
    uint64_t unfinished[4];
    size_t count = 0;
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_runs_unfinished(txn, unfinished, 4, &count), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(count, 1);
    assert_int_equal(unfinished[0], run.run_id);
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_run_abandon(txn, NOW, run.run_id, &run)), 0);
    assert_int_equal(run.state, LTY_RUN_DONE);
    assert_int_equal(run.members_count, 2);
    assert_int_equal(run.granted_count, 0);
    assert_int_equal(run_grant(run.run_id, 10, NULL, NULL, &run), 0);
    assert_int_equal(points_of(ids[0]), 0);
    txn = read_begin();
    assert_int_equal(lty_ops_runs_unfinished(txn, unfinished, 4, &count), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(count, 0);
}

static void test_run_refusals_change_nothing(void **state)
{
    (void)state;
    population();
    store_digest_t before = store_digest();
    lty_segment_run_t run;
    bool created = false;
    lty_ops_run_new_t run_new = bonus_run("bad", 0);
    run_new.points = 0;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), LTY_E_INVALID_FIELD);
    run_new = bonus_run("bad", LTY_RUN_HOLDOUT_PERCENT_MAX + 1);
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), LTY_E_INVALID_FIELD);
    run_new = bonus_run("", 0);
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), LTY_E_INVALID_FIELD);
    run_new = bonus_run("good", 0);
    segment.segment_id = 99;
    assert_int_equal(run_create(&run_new, MEMBERS, &run, &created), LTY_E_NOT_FOUND);
    assert_int_equal(run_grant(12345, 10, NULL, NULL, &run), LTY_E_NOT_FOUND);
    assert_unchanged(&before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_run_in_steps_grants_each_member_with_consent_once),
        DOMAIN_TEST(test_run_holdout_is_deterministic_and_not_granted),
        DOMAIN_TEST(test_run_skips_a_member_closed_or_unconsented_since_the_snapshot),
        DOMAIN_TEST(test_run_with_a_grant_callback_issues_through_it),
        DOMAIN_TEST(test_run_cut_short_while_recording_grants_nobody),
        DOMAIN_TEST(test_run_refusals_change_nothing),
    };
    return cmocka_run_group_tests_name("ops_segment_run", tests, NULL, NULL);
}
