/* SPDX-License-Identifier: MIT */
/* Runs: a segment's members as of one snapshot, granted a bonus (or a coupon,
 * through the same steps) each exactly once. See ops_segment.c for why a run is made in
 * steps; this file owns the run and run-member records and the three steps: create (under the
 * request's key: a second request with it finds the first run and adds nobody), record (the
 * snapshot's members, with consent and the holdout decided), grant (pending members, in member
 * id order, the member's state written in the transaction of its grant).
 *
 * Not here: evaluating the segment (ops_segment.c), driving the steps (the API's worker). */
#include "ops_analytics.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int run_put(lty_store_txn_t *txn, const lty_segment_run_t *run)
{
    uint8_t buffer[LTY_RECORD_SEGMENT_RUN_BYTES_MAX];
    size_t size = lty_record_segment_run_encode(run, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, run->run_id);
    return lty_store_put(txn, LTY_DB_SEGMENT_RUNS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

static int run_member_put(lty_store_txn_t *txn, uint64_t run_id, uint64_t member_id,
                          const lty_run_member_t *state)
{
    uint8_t buffer[LTY_RECORD_RUN_MEMBER_BYTES_MAX];
    size_t size = lty_record_run_member_encode(state, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_member_entry(&key, run_id, member_id);
    return lty_store_put(txn, LTY_DB_SEGMENT_RUN_MEMBERS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty_ops_run_get(lty_store_txn_t *txn, uint64_t run_id, lty_segment_run_t *run_out)
{
    LTY_ASSERT(txn != NULL && run_out != NULL);
    if (run_id == 0) return LTY_E_NOT_FOUND;
    lty_key_t key;
    lty_key_id(&key, run_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SEGMENT_RUNS, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_segment_run_decode(value, run_out);
    return err;
}

int lty_ops_run_find(lty_store_txn_t *txn, uint64_t segment_id, const char *key,
                     lty_segment_run_t *run_out)
{
    LTY_ASSERT(txn != NULL && key != NULL && run_out != NULL);
    lty_key_t index_key;
    lty_key_run_by_key(&index_key, segment_id, key);
    lty_bytes_t value;
    uint64_t run_id = 0;
    int err = lty_store_get(txn, LTY_DB_SEGMENT_RUNS_BY_KEY, lty_key_bytes(&index_key), &value);
    if (err == 0) err = lty_record_u64_decode(value, &run_id);
    if (err == 0) err = lty_ops_run_get(txn, run_id, run_out);
    return err;
}

static int run_new_check(const lty_ops_run_new_t *run_new)
{
    size_t key_size = strnlen(run_new->key, sizeof(run_new->key));
    if (key_size == 0 || key_size > LTY_RUN_KEY_BYTES_MAX) return LTY_E_INVALID_FIELD;
    if (run_new->holdout_percent > LTY_RUN_HOLDOUT_PERCENT_MAX) return LTY_E_INVALID_FIELD;
    if (run_new->action == LTY_RUN_ACTION_BONUS) {
        bool ok = run_new->points > 0 && run_new->points <= LTY_POINTS_PER_TXN_MAX &&
                  run_new->reason[0] != '\0';
        return ok ? 0 : LTY_E_INVALID_FIELD;
    }
    return run_new->action == LTY_RUN_ACTION_COUPON && run_new->ref[0] != '\0'
               ? 0
               : LTY_E_INVALID_FIELD;
}

int lty_ops_run_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                       uint64_t segment_id, const lty_ops_run_new_t *run_new,
                       uint64_t members_count, lty_segment_run_t *run_out, bool *created_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && run_new != NULL);
    LTY_ASSERT(run_out != NULL && created_out != NULL);
    *created_out = false;
    lty_segment_t segment;
    int err = run_new_check(run_new);
    if (err == 0) err = lty_ops_segment_get(txn, segment_id, &segment);
    if (err != 0) return err;
    err = lty_ops_run_find(txn, segment_id, run_new->key, run_out);
    if (err != LTY_E_NOT_FOUND) return err; /* 0: the run of this key, as it is */
    err = 0;
    lty_segment_run_t run = {.segment_id = segment_id, .action = run_new->action,
                             .state = LTY_RUN_RECORDING, .marketing = run_new->marketing,
                             .holdout_percent = run_new->holdout_percent, .created_ms = now_ms,
                             .points = run_new->points, .members_count = members_count};
    snprintf(run.principal, sizeof(run.principal), "%s", lty__ops_principal(actor));
    memcpy(run.key, run_new->key, sizeof(run.key));
    memcpy(run.reason, run_new->reason, sizeof(run.reason));
    memcpy(run.ref, run_new->ref, sizeof(run.ref));
    if (members_count == 0) {
        run.state = LTY_RUN_DONE; /* nobody to grant */
        run.finished_ms = now_ms > 0 ? now_ms : 1;
    }
    if (err == 0) err = lty__ops_id_next(txn, LTY_DB_SEGMENT_RUNS, &run.run_id);
    if (err == 0) err = run_put(txn, &run);
    uint8_t id_bytes[8];
    lty_record_u64_encode(run.run_id, id_bytes);
    lty_key_t index_key;
    lty_key_run_by_key(&index_key, segment_id, run_new->key);
    if (err == 0) err = lty_store_insert(txn, LTY_DB_SEGMENT_RUNS_BY_KEY, lty_key_bytes(&index_key),
                                         (lty_bytes_t){.data = id_bytes, .size = sizeof(id_bytes)});
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1], detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "segment:%" PRIu64, segment_id);
    snprintf(detail, sizeof(detail), "run %" PRIu64 ": %s to %" PRIu64 " members", run.run_id,
             run.action == LTY_RUN_ACTION_BONUS ? "bonus" : "coupon", members_count);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "segment.run", target, detail);
    if (err != 0) return err;
    *run_out = run;
    *created_out = true;
    return 0;
}

/* SplitMix64 of (run, member): deterministic and evenly spread, so a holdout is the same on every
 * replay and between the record step and the uplift report. */
bool lty_ops_run_holdout(uint64_t run_id, uint64_t member_id, uint32_t holdout_percent)
{
    LTY_ASSERT(holdout_percent <= 100);
    uint64_t value = run_id * UINT64_C(0x9E3779B97F4A7C15) ^ member_id;
    value ^= value >> 30;
    value *= UINT64_C(0xBF58476D1CE4E5B9);
    value ^= value >> 27;
    value *= UINT64_C(0x94D049BB133111EB);
    value ^= value >> 31;
    return value % 100 < holdout_percent;
}

/* The state a snapshot member starts in: no consent (marketing) first, then the holdout among
 * those who could be reached, then pending. */
static int snapshot_state(lty_store_txn_t *txn, const lty_segment_run_t *run, uint64_t member_id,
                          uint8_t *state_out)
{
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    if (member.status == LTY_MEMBER_CLOSED) *state_out = LTY_RUN_MEMBER_CLOSED;
    else if (run->marketing && member.consent_flags == 0) *state_out = LTY_RUN_MEMBER_NO_CONSENT;
    else if (lty_ops_run_holdout(run->run_id, member_id, run->holdout_percent)) {
        *state_out = LTY_RUN_MEMBER_HOLDOUT;
    } else {
        *state_out = LTY_RUN_MEMBER_PENDING;
    }
    return 0;
}

int lty_ops_run_record(lty_store_txn_t *txn, int64_t now_ms, uint64_t run_id,
                       const uint64_t *ids, size_t count, lty_segment_run_t *run_out)
{
    LTY_ASSERT(txn != NULL && run_out != NULL);
    LTY_ASSERT(count <= LTY_RUN_STEP_MEMBERS_MAX && (count == 0 || ids != NULL));
    lty_segment_run_t run;
    int err = lty_ops_run_get(txn, run_id, &run);
    if (err != 0) return err;
    if (run.state != LTY_RUN_RECORDING || count > run.members_count - run.recorded_count) {
        return LTY_E_INVALID_FIELD; /* recorded already (a step retried after its commit) */
    }
    for (size_t index = 0; err == 0 && index < count; index++) {
        LTY_ASSERT(index == 0 || ids[index] > ids[index - 1]);
        lty_run_member_t state = {.changed_ms = now_ms};
        err = snapshot_state(txn, &run, ids[index], &state.state);
        lty_key_t key;
        lty_key_member_entry(&key, run_id, ids[index]);
        uint8_t buffer[LTY_RECORD_RUN_MEMBER_BYTES_MAX];
        size_t size = err == 0 ? lty_record_run_member_encode(&state, buffer, sizeof(buffer)) : 0;
        if (err == 0) err = lty_store_insert(txn, LTY_DB_SEGMENT_RUN_MEMBERS, lty_key_bytes(&key),
                                             (lty_bytes_t){.data = buffer, .size = size});
        if (state.state == LTY_RUN_MEMBER_HOLDOUT) run.holdout_count++;
        else if (state.state != LTY_RUN_MEMBER_PENDING) run.skipped_count++;
    }
    if (err != 0) return err;
    run.recorded_count += count;
    if (run.recorded_count == run.members_count) run.state = LTY_RUN_GRANTING;
    err = run_put(txn, &run);
    if (err == 0) *run_out = run;
    return err;
}

/* The default grant: the programme's bonus operation (ops_bonus.c) under the key
 * "segment-run:<run_id>", so a member gets the run's bonus once however often a step is
 * retried: a BONUS entry of run->points with run->reason, a lot by the programme's expiry
 * policy, the member's grant record. Closed members were skipped before. */
static int bonus_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, const lty_segment_run_t *run,
                       const lty_member_t *member, int64_t now_ms, uint64_t *result_id_out)
{
    static _Thread_local lty_ops_bonus_t bonus; /* room for LTY_BONUS_MEMBERS_MAX ids */
    static _Thread_local lty_ops_bonus_result_t result;
    memset(&bonus, 0, offsetof(lty_ops_bonus_t, member_ids));
    snprintf(bonus.bonus_key, sizeof(bonus.bonus_key), "segment-run:%" PRIu64, run->run_id);
    bonus.points = run->points;
    memcpy(bonus.reason, run->reason, sizeof(bonus.reason));
    bonus.members_count = 1;
    bonus.member_ids[0] = member->member_id;
    int err = lty_ops_bonus_grant(txn, actor, programme, now_ms, &bonus, &result, NULL);
    if (err != 0) return err;
    LTY_ASSERT(result.members_count == 1);
    uint8_t outcome = result.members[0].outcome;
    if (outcome != LTY_OPS_BONUS_GRANTED && outcome != LTY_OPS_BONUS_ALREADY_GRANTED) {
        return LTY_E_CORRUPT; /* the member was loaded open in this transaction */
    }
    *result_id_out = result.members[0].entry_id;
    return 0;
}

/* The state a pending member ends in now, granting when they may be reached. */
static int member_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        const lty_segment_run_t *run, uint64_t member_id,
                        lty_run_grant_cb grant_cb, void *userdata, lty_run_member_t *state)
{
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    lty_account_t points;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &points);
    if (err != 0) return err;
    state->changed_ms = now_ms;
    if (member.status == LTY_MEMBER_CLOSED) {
        state->state = LTY_RUN_MEMBER_CLOSED;
    } else if (run->marketing && member.consent_flags == 0) {
        state->state = LTY_RUN_MEMBER_NO_CONSENT; /* withdrawn since the snapshot */
    } else if (grant_cb == NULL && points.balance > LTY_POINTS_BALANCE_MAX - run->points) {
        state->state = LTY_RUN_MEMBER_REFUSED;
    } else {
        err = grant_cb != NULL
                  ? grant_cb(userdata, txn, run, &member, now_ms, &state->result_id)
                  : bonus_grant(txn, actor, programme, run, &member, now_ms, &state->result_id);
        state->state = LTY_RUN_MEMBER_GRANTED;
    }
    return err;
}

/* Up to limit members of the run from run->grant_next on: ids and states. */
static int pending_read(lty_store_txn_t *txn, const lty_segment_run_t *run, size_t limit,
                        uint64_t *ids, uint8_t *states, size_t *count_out, bool *end_out)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_SEGMENT_RUN_MEMBERS, &cursor);
    lty_key_t start;
    lty_key_member_entry(&start, run->run_id, run->grant_next > 0 ? run->grant_next : 1);
    lty_bytes_t key = {0}, value = {0};
    size_t count = 0;
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key,
                                              &value);
    while (err == 0 && count < limit) {
        uint64_t run_id = 0;
        lty_run_member_t state;
        if (!lty_key_u64_at(key, 0, &run_id) || run_id != run->run_id) {
            err = LTY_E_NOT_FOUND;
            break;
        }
        if (!lty_key_u64_at(key, 8, &ids[count])) err = LTY_E_CORRUPT;
        if (err == 0) err = lty_record_run_member_decode(value, &state);
        if (err == 0) states[count++] = state.state;
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    uint64_t next_run = 0; /* a full read may have reached the run's last member exactly */
    if (err == 0 && (!lty_key_u64_at(key, 0, &next_run) || next_run != run->run_id)) {
        err = LTY_E_NOT_FOUND;
    }
    lty_store_cursor_close(cursor);
    *count_out = count;
    *end_out = err == LTY_E_NOT_FOUND;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_run_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                      const lty_programme_t *programme, int64_t now_ms, uint64_t run_id,
                      size_t limit, lty_run_grant_cb grant_cb, void *userdata,
                      lty_segment_run_t *run_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL && run_out != NULL);
    LTY_ASSERT(limit >= 1 && limit <= LTY_RUN_STEP_MEMBERS_MAX);
    static _Thread_local uint64_t ids[LTY_RUN_STEP_MEMBERS_MAX];
    static _Thread_local uint8_t states[LTY_RUN_STEP_MEMBERS_MAX];
    lty_segment_run_t run;
    int err = lty_ops_run_get(txn, run_id, &run);
    if (err == 0 && run.state != LTY_RUN_GRANTING)
        err = run.state == LTY_RUN_DONE ? 1 : LTY_E_INVALID_FIELD;
    if (err == 1) {
        *run_out = run; /* done already: a step retried after its commit grants nobody */
        return 0;
    }
    size_t count = 0;
    bool end = false;
    if (err == 0) err = pending_read(txn, &run, limit, ids, states, &count, &end);
    for (size_t index = 0; err == 0 && index < count; index++) {
        run.grant_next = ids[index] + 1;
        if (states[index] != LTY_RUN_MEMBER_PENDING) continue;
        lty_run_member_t state = {0};
        err = member_grant(txn, actor, programme, now_ms, &run, ids[index], grant_cb, userdata,
                           &state);
        if (err == 0) err = run_member_put(txn, run_id, ids[index], &state);
        if (state.state == LTY_RUN_MEMBER_GRANTED) run.granted_count++;
        else run.skipped_count++;
    }
    if (err != 0) return err;
    if (end) {
        run.state = LTY_RUN_DONE;
        run.finished_ms = now_ms > 0 ? now_ms : 1;
    }
    err = run_put(txn, &run);
    if (err == 0) *run_out = run;
    return err;
}

int lty_ops_runs_unfinished(lty_store_txn_t *txn, uint64_t *ids_out, size_t count_max,
                            size_t *count_out)
{
    LTY_ASSERT(txn != NULL && ids_out != NULL && count_out != NULL);
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_SEGMENT_RUNS, &cursor);
    lty_bytes_t key = {0}, value = {0};
    size_t count = 0;
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key,
                                              &value);
    while (err == 0 && count < count_max) {
        lty_segment_run_t run;
        err = lty_record_segment_run_decode(value, &run);
        if (err == 0 && run.state != LTY_RUN_DONE) ids_out[count++] = run.run_id;
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    *count_out = count;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_run_abandon(lty_store_txn_t *txn, int64_t now_ms, uint64_t run_id,
                        lty_segment_run_t *run_out)
{
    LTY_ASSERT(txn != NULL && run_out != NULL);
    lty_segment_run_t run;
    int err = lty_ops_run_get(txn, run_id, &run);
    if (err != 0) return err;
    if (run.state != LTY_RUN_RECORDING) return LTY_E_INVALID_FIELD;
    /* Its snapshot was only partly written when the daemon stopped, and the rest of it is gone:
     * grant nobody rather than a part of a segment. The key stays taken (adds nobody). */
    run.members_count = run.recorded_count;
    run.skipped_count = run.recorded_count - run.holdout_count;
    run.state = LTY_RUN_DONE;
    run.finished_ms = now_ms > 0 ? now_ms : 1;
    err = run_put(txn, &run);
    if (err == 0) *run_out = run;
    return err;
}
