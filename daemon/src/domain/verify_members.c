/* SPDX-License-Identifier: MIT */
/* Verifier checks of the member-side indexes: members-by-name, audit-by-member and the audit
 * records it names, tier history, spend months, and replaced cards pointing at their successor
 * (see verify.c for the walk and the account sums). */
#include "verify_internal.h"
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int walk_member_indexes_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_member_t member;
    if (lty_record_member_decode(value, &member) != 0) return 0; /* reported by walk_members_cb */
    bool found = true;
    int err = 0;
    if (member.name[0] != '\0') {
        lty_key_t name_key;
        lty_key_member_name(&name_key, member.name, member.member_id);
        err = lty__verify_exists(verify, LTY_DB_MEMBERS_BY_NAME, &name_key, NULL, &found);
    }
    if (err == 0 && !found) {
        lty__verify_problem(verify, "member %" PRIu64 ": missing from members-by-name", member.member_id);
    }
    /* The member's tier is the last change of its tier history (none: the base tier). */
    lty_store_cursor_t *cursor = NULL;
    if (err == 0) err = lty_store_cursor_open(verify->txn, LTY_DB_TIER_HISTORY, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, member.member_id + 1);
    lty_bytes_t found_key = {0}, found_value = {0};
    int seek = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &found_key,
                                     &found_value);
    seek = lty_store_cursor_seek(cursor, seek == LTY_E_NOT_FOUND ? LTY_SEEK_LAST : LTY_SEEK_PREV,
                                 (lty_bytes_t){0}, &found_key, &found_value);
    uint64_t owner = 0;
    lty_tier_change_t change;
    unsigned int tier = 0;
    if (seek == 0 && lty_key_u64_at(found_key, 0, &owner) && owner == member.member_id) {
        tier = lty_record_tier_change_decode(found_value, &change) == 0 ? change.tier_to : 255;
    }
    lty_store_cursor_close(cursor);
    if (tier != member.tier) {
        lty__verify_problem(verify, "member %" PRIu64 ": tier %u, but its tier history ends at %u",
                member.member_id, member.tier, tier);
    }
    return 0;
}

static int walk_names_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0;
    lty_key_t member_key;
    bool found = false;
    lty_bytes_t member_value;
    lty_member_t member;
    lty_key_t expected;
    if (key.size < 10 || value.size != 0 || !lty_key_u64_at(key, key.size - 8, &member_id)) {
        lty__verify_problem(verify, "members-by-name: a malformed entry of %zu bytes", key.size);
        return 0;
    }
    lty_key_id(&member_key, member_id);
    int err = lty__verify_exists(verify, LTY_DB_MEMBERS, &member_key, &member_value, &found);
    if (err == 0 && (!found || lty_record_member_decode(member_value, &member) != 0 ||
                     member.name[0] == '\0')) {
        lty__verify_problem(verify, "members-by-name: names member %" PRIu64 ", who has no name",
                member_id);
        return 0;
    }
    if (err == 0) lty_key_member_name(&expected, member.name, member_id);
    if (err == 0 && (expected.size != key.size || memcmp(expected.data, key.data, key.size))) {
        lty__verify_problem(verify, "members-by-name: member %" PRIu64 " is listed under another name",
                member_id);
    }
    return err;
}

static int walk_audit_index_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t member_id = 0, audit_id = 0;
    if (key.size != 16 || value.size != 0 || !lty_key_u64_at(key, 0, &member_id) ||
        !lty_key_u64_at(key, 8, &audit_id)) {
        lty__verify_problem(verify, "audit-by-member: a malformed entry of %zu bytes", key.size);
        return 0;
    }
    lty_key_t audit_key;
    lty_key_id(&audit_key, audit_id);
    lty_bytes_t audit_value;
    bool found = false;
    lty_audit_t audit;
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member_id);
    int err = lty__verify_exists(verify, LTY_DB_AUDIT, &audit_key, &audit_value, &found);
    if (err == 0 && (!found || lty_record_audit_decode(audit_value, &audit) != 0 ||
                     strcmp(audit.target, target) != 0)) {
        lty__verify_problem(verify, "audit-by-member: member %" PRIu64 " lists audit %" PRIu64
                        ", which is not about them", member_id, audit_id);
    }
    return err;
}

static int walk_audit_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_audit_t audit;
    if (lty_record_audit_decode(value, &audit) != 0) {
        uint64_t audit_id = 0;
        (void)lty_key_u64_at(key, 0, &audit_id);
        lty__verify_problem(verify, "audit record %" PRIu64 ": does not decode", audit_id);
        return 0;
    }
    unsigned long long member_id = 0;
    char rest = 0;
    if (sscanf(audit.target, "member:%llu%c", &member_id, &rest) != 1 || member_id == 0) return 0;
    lty_key_t index_key;
    lty_key_member_entry(&index_key, (uint64_t)member_id, audit.audit_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_AUDIT_BY_MEMBER, &index_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "audit %" PRIu64 ": missing from audit-by-member", audit.audit_id);
    }
    return err;
}

int lty__verify_spend_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_spend_month_t month;
    uint64_t member_id = 0, month_index = 0;
    if (lty_record_spend_month_decode(value, &month) != 0 ||
        key.size != LTY_MEMBER_PART_PREFIX_BYTES + 8 || !lty_key_u64_at(key, 0, &member_id) ||
        !lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &month_index) ||
        member_id != month.member_id || month_index != month.month) {
        lty__verify_problem(verify, "spend-months: a record does not decode or is under another key");
    }
    return 0;
}

static int walk_tier_history_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_tier_change_t change;
    uint64_t member_id = 0, index = 0;
    if (lty_record_tier_change_decode(value, &change) != 0 || key.size != 16 ||
        !lty_key_u64_at(key, 0, &member_id) || !lty_key_u64_at(key, 8, &index) ||
        member_id != change.member_id || index != change.index) {
        lty__verify_problem(verify, "tier-history: a record does not decode or is under another key");
    }
    return 0;
}

static int walk_replaced_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_card_t card, successor;
    if (lty_record_card_decode(value, &card) != 0 || card.status != LTY_CARD_REPLACED) return 0;
    lty_key_t next_key;
    lty_key_text(&next_key, card.replaced_by);
    lty_bytes_t next_value;
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_CARDS, &next_key, &next_value, &found);
    if (err == 0 && (!found || lty_record_card_decode(next_value, &successor) != 0 ||
                     successor.member_id != card.member_id)) {
        lty__verify_problem(verify, "card %s: replaced by %s, which is not the same member's card",
                card.card_no, card.replaced_by);
    }
    return err;
}

int lty__verify_members(verify_t *verify)
{
    int err = lty__verify_walk(verify, LTY_DB_MEMBERS, walk_member_indexes_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_MEMBERS_BY_NAME, walk_names_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_AUDIT_BY_MEMBER, walk_audit_index_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_AUDIT, walk_audit_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_TIER_HISTORY, walk_tier_history_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_CARDS, walk_replaced_cb);
    return err;
}
