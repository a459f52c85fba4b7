/* SPDX-License-Identifier: MIT */
/* Bonuses: points an operator grants to a list of members, and the programme's birthday bonus.
 *
 * Policies (docs/programme.md "Bonuses"):
 * - A bonus is granted once per member per key: a grant record under the member (MEMBER_LEDGER,
 *   part BONUS, key = the bonus key) is written in the transaction of the BONUS entry, and a
 *   member that already has it is reported, not granted again. So a bonus run repeated after a
 *   crash, with the same key, grants exactly what the first run did not, whatever chunks the
 *   CLI cut the list into.
 * - Unknown and closed members are reported per member; they do not refuse the others.
 * - The birthday bonus uses the key "birthday:YYYY" with the local year of the programme's time
 *   zone, so it comes once a year whether the scheduler runs hourly or is restarted.
 * - Every grant is a BONUS entry (member-points +n, points-adjusted -n) with a lot and an audit
 *   record on the member, like an operator's bonus adjustment. */
#include "calendar.h"
#include "ledger.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int grant_find(lty_store_txn_t *txn, uint64_t member_id, const char *bonus_key,
                      lty_bonus_grant_t *grant_out)
{
    lty_key_t key;
    lty_key_bonus_grant(&key, member_id, bonus_key);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_bonus_grant_decode(value, grant_out);
    return err;
}

static int grant_put(lty_store_txn_t *txn, const lty_bonus_grant_t *grant)
{
    uint8_t buffer[LTY_RECORD_BONUS_GRANT_BYTES_MAX];
    size_t size = lty_record_bonus_grant_encode(grant, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_bonus_grant(&key, grant->member_id, grant->bonus_key);
    return lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

/* One member: the BONUS entry, its lot, the grant record and the audit record. */
static int member_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        const lty_ops_bonus_t *bonus, uint64_t member_id, uint64_t *entry_id_out)
{
    lty_account_t account;
    int err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &account);
    if (err != 0) return err;
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.kind = LTY_ENTRY_BONUS;
    entry.member_id = member_id;
    snprintf(entry.principal, sizeof(entry.principal), "%s", lty__ops_principal(actor));
    snprintf(entry.reference, sizeof(entry.reference), "%s", bonus->reason);
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, bonus->points);
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_ADJUSTED, 0, -bonus->points);
    err = lty__ops_journal_post(txn, &entry, now_ms);
    int64_t expires_ms = bonus->expires_ms != 0
                             ? bonus->expires_ms
                             : lty_programme_lot_expires_ms(programme, now_ms);
    if (err == 0) err = lty__ops_lots_credit(txn, member_id, account.balance, bonus->points,
                                             expires_ms, entry.entry_id);
    lty_bonus_grant_t grant = {.member_id = member_id, .entry_id = entry.entry_id,
                               .points = bonus->points, .granted_ms = now_ms};
    snprintf(grant.bonus_key, sizeof(grant.bonus_key), "%s", bonus->bonus_key);
    if (err == 0) err = grant_put(txn, &grant);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member_id);
    snprintf(detail, sizeof(detail), "+%" PRId64 " points (%.64s): %.160s", bonus->points,
             bonus->bonus_key, bonus->reason);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "bonus", target, detail);
    if (err == 0) *entry_id_out = entry.entry_id;
    return err;
}

static int bonus_check(const lty_ops_bonus_t *bonus, int64_t now_ms, lty_diag_t *diag)
{
    size_t key_size = strnlen(bonus->bonus_key, sizeof(bonus->bonus_key));
    if (key_size == 0 || key_size > LTY_BONUS_KEY_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/bonus_key", "bonus_key is 1 to %d bytes",
                            LTY_BONUS_KEY_BYTES_MAX);
    }
    for (size_t index = 0; index < key_size; index++) {
        if (bonus->bonus_key[index] <= ' ' || bonus->bonus_key[index] > '~') {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/bonus_key",
                                "bonus_key is printable ASCII without spaces");
        }
    }
    if (bonus->points < 1 || bonus->points > LTY_POINTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points", "points are 1 to %" PRId64,
                            LTY_POINTS_PER_TXN_MAX);
    }
    size_t reason_size = strnlen(bonus->reason, sizeof(bonus->reason));
    if (reason_size == 0 || reason_size > LTY_REASON_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/reason", "reason is 1 to %d bytes",
                            LTY_REASON_BYTES_MAX);
    }
    if (bonus->expires_ms != 0 && bonus->expires_ms <= now_ms) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/expires_at",
                            "expires_at is a date after today");
    }
    if (bonus->members_count < 1 || bonus->members_count > LTY_BONUS_MEMBERS_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/member_ids",
                            "member_ids has 1 to %d members", LTY_BONUS_MEMBERS_MAX);
    }
    return 0;
}

/* What one member gets: granted, already granted, or why not. */
static int member_outcome(lty_store_txn_t *txn, const lty_ops_bonus_t *bonus, uint64_t member_id,
                          uint8_t *outcome_out, uint64_t *entry_id_out)
{
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err == LTY_E_MEMBER_NOT_FOUND) {
        *outcome_out = LTY_OPS_BONUS_MEMBER_NOT_FOUND;
        return 0;
    }
    if (err != 0) return err;
    lty_bonus_grant_t grant;
    err = grant_find(txn, member_id, bonus->bonus_key, &grant);
    if (err == 0) {
        *outcome_out = LTY_OPS_BONUS_ALREADY_GRANTED;
        *entry_id_out = grant.entry_id;
        return 0;
    }
    if (err != LTY_E_NOT_FOUND) return err;
    *outcome_out = member.status == LTY_MEMBER_CLOSED ? LTY_OPS_BONUS_ACCOUNT_CLOSED
                                                      : LTY_OPS_BONUS_GRANTED;
    return 0;
}

int lty_ops_bonus_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        const lty_ops_bonus_t *bonus, lty_ops_bonus_result_t *result_out,
                        lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(bonus != NULL && result_out != NULL);
    int err = bonus_check(bonus, now_ms, diag);
    if (err != 0) return err;
    result_out->members_count = 0;
    result_out->granted_count = 0;
    for (size_t index = 0; err == 0 && index < bonus->members_count; index++) {
        uint64_t member_id = bonus->member_ids[index];
        uint8_t outcome = 0;
        uint64_t entry_id = 0;
        err = member_outcome(txn, bonus, member_id, &outcome, &entry_id);
        if (err == 0 && outcome == LTY_OPS_BONUS_GRANTED) {
            err = member_grant(txn, actor, programme, now_ms, bonus, member_id, &entry_id);
            result_out->granted_count++;
        }
        result_out->members[index].member_id = member_id;
        result_out->members[index].outcome = outcome;
        result_out->members[index].entry_id = entry_id;
        result_out->members_count = index + 1;
    }
    return err;
}

int lty_ops_birthdays_find(lty_store_txn_t *txn, const lty_programme_t *programme,
                           int64_t now_ms, uint64_t after, size_t members_visit_max,
                           uint64_t *ids_out, size_t ids_max, size_t *ids_count_out,
                           uint64_t *next_after_out)
{
    LTY_ASSERT(txn != NULL && programme != NULL && ids_out != NULL);
    LTY_ASSERT(ids_count_out != NULL && next_after_out != NULL && members_visit_max >= 1);
    int64_t today = lty_rules_day(programme, now_ms);
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBERS, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, after < UINT64_MAX ? after + 1 : after);
    lty_bytes_t key = {0}, value = {0};
    size_t visited = 0;
    *ids_count_out = 0;
    *next_after_out = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        lty_member_t member;
        err = lty_record_member_decode(value, &member);
        if (err != 0) break;
        if (visited == members_visit_max || *ids_count_out == ids_max) {
            *next_after_out = member.member_id - 1; /* continue from this member */
            break;
        }
        visited++;
        if (member.status == LTY_MEMBER_ACTIVE && lty_cal_birthday_is(member.birthday, today)) {
            ids_out[(*ids_count_out)++] = member.member_id;
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_birthday_grant(lty_store_txn_t *txn, const lty_actor_t *actor,
                           const lty_programme_t *programme, int64_t now_ms,
                           const uint64_t *member_ids, size_t members_count,
                           size_t *granted_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL && granted_out != NULL);
    LTY_ASSERT(member_ids != NULL || members_count == 0);
    *granted_out = 0;
    if (programme->birthday_bonus_points == 0 || members_count == 0) return 0;
    static _Thread_local lty_ops_bonus_t bonus;
    static _Thread_local lty_ops_bonus_result_t result;
    lty_cal_local_t local;
    lty_cal_local(now_ms, programme->utc_offset_minutes, &local);
    memset(&bonus, 0, offsetof(lty_ops_bonus_t, member_ids));
    snprintf(bonus.bonus_key, sizeof(bonus.bonus_key), "birthday:%04d", (int)local.year);
    snprintf(bonus.reason, sizeof(bonus.reason), "birthday %04d", (int)local.year);
    bonus.points = programme->birthday_bonus_points;
    int err = 0;
    for (size_t done = 0; err == 0 && done < members_count; done += bonus.members_count) {
        size_t left = members_count - done;
        bonus.members_count = left < LTY_BONUS_MEMBERS_MAX ? left : LTY_BONUS_MEMBERS_MAX;
        memcpy(bonus.member_ids, member_ids + done, bonus.members_count * sizeof(uint64_t));
        err = lty_ops_bonus_grant(txn, actor, programme, now_ms, &bonus, &result, NULL);
        if (err == 0) *granted_out += result.granted_count;
    }
    return err;
}
