/* SPDX-License-Identifier: MIT */
/* Verifier checks of the programme (see verify.c for the walk and the account sums):
 * - expiry: every lot that still holds points and has an expiry date is in LOTS_BY_EXPIRY, so
 *   the sweep reaches it (an expired lot is either swept or still before its sweep); every
 *   index entry names a lot; every EXPIRE entry names an expired lot of its member, holding
 *   nothing since, and no lot was expired twice;
 * - commission: every commission-payable account belongs to a staff member, and each sale's
 *   commission is the posting of its journal entry (balances against postings: verify.c);
 * - caps: what each rule gave a member (the sales' rules_applied) is what its usage record
 *   says, and no usage exceeds the rule's caps;
 * - bonuses: each grant names its BONUS entry. */
#include "verify_internal.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_err.h"
#include "rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- A small table of (a, b) -> value, growing as needed -------------------------------- */

typedef struct pair_slot_s {
    uint64_t a;
    uint64_t b;
    int64_t value;
    bool used;
} pair_slot_t;

typedef struct pairs_s {
    pair_slot_t *slots;
    size_t capacity;             /* power of two */
    size_t count;
} pairs_t;

static size_t pair_slot(const pairs_t *pairs, uint64_t a, uint64_t b)
{
    size_t mask = pairs->capacity - 1;
    size_t slot = (size_t)((a * UINT64_C(0x9E3779B97F4A7C15) ^ b * UINT64_C(0xC2B2AE3D27D4EB4F)) >>
                           13) & mask;
    while (pairs->slots[slot].used && (pairs->slots[slot].a != a || pairs->slots[slot].b != b)) {
        slot = (slot + 1) & mask;
    }
    return slot;
}

/* The value of (a, b), added when absent (NULL only when memory ran out). */
static int64_t *pair_value(pairs_t *pairs, uint64_t a, uint64_t b)
{
    if ((pairs->count + 1) * 2 > pairs->capacity) {
        size_t capacity = pairs->capacity == 0 ? 1024 : pairs->capacity * 2;
        pairs_t grown = {.slots = lty_calloc(capacity, sizeof(pair_slot_t)),
                         .capacity = capacity, .count = pairs->count};
        if (grown.slots == NULL) return NULL;
        for (size_t index = 0; index < pairs->capacity; index++) {
            const pair_slot_t *old = &pairs->slots[index];
            if (old->used) grown.slots[pair_slot(&grown, old->a, old->b)] = *old;
        }
        lty_free(pairs->slots);
        *pairs = grown;
    }
    pair_slot_t *slot = &pairs->slots[pair_slot(pairs, a, b)];
    if (!slot->used) {
        *slot = (pair_slot_t){.a = a, .b = b, .used = true};
        pairs->count++;
    }
    return &slot->value;
}

/* The walks below share one state (a verify_t has room for one callback argument only). */
typedef struct programme_check_s {
    pairs_t rule_points;         /* (member, rule) -> points the sales' rules_applied gave */
    pairs_t expired_lots;        /* (member, lot entry) -> EXPIRE entries naming it */
    pairs_t staff_numbers;       /* (staff_no, 0) -> 1 */
} programme_check_t;

static _Thread_local programme_check_t *check_state;

/* ---- Expiry -------------------------------------------------------------------------- */

static int lot_index_check(verify_t *verify, const lty_lot_t *lot)
{
    if (lot->expires_ms == LTY_LOT_EXPIRES_NEVER || lot->points_remaining == 0) return 0;
    lty_key_t key;
    lty_key_lot_expiry(&key, lot->expires_ms, lot->entry_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_LOTS_BY_EXPIRY, &key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "lot of entry %" PRIu64 " (member %" PRIu64 ") holds %" PRId64
                            " points but the expiry sweep cannot find it",
                            lot->entry_id, lot->member_id, lot->points_remaining);
    }
    return err;
}

static int walk_member_lots_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    lty_lot_t lot;
    if (key.size <= LTY_MEMBER_PART_PREFIX_BYTES ||
        ((const uint8_t *)key.data)[8] != LTY_PART_LOT || lty_record_lot_decode(value, &lot) != 0) {
        return 0; /* other parts, and lots that do not decode (reported by verify.c) */
    }
    return lot_index_check(verify, &lot);
}

static int walk_expiry_index_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    int64_t expires_ms = 0;
    uint64_t entry_id = 0, member_id = 0;
    if (!lty_key_lot_expiry_split(key, &expires_ms, &entry_id) ||
        lty_record_u64_decode(value, &member_id) != 0 || member_id == 0) {
        lty__verify_problem(verify, "lots-by-expiry: a malformed entry of %zu bytes", key.size);
        return 0;
    }
    lty_key_t lot_key;
    lty_key_lot(&lot_key, member_id, expires_ms, entry_id);
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_MEMBER_LEDGER, &lot_key, NULL, &found);
    if (err == 0 && !found) {
        lty__verify_problem(verify, "lots-by-expiry: names a lot of entry %" PRIu64
                            " of member %" PRIu64 " that does not exist", entry_id, member_id);
    }
    return err;
}

/* An EXPIRE entry: its lot (member, related entry) expired before it and holds nothing now. */
static int expire_entry_check(verify_t *verify, const lty_journal_entry_t *entry)
{
    int64_t *times = pair_value(&check_state->expired_lots, entry->member_id,
                                entry->related_entry_id);
    if (times == NULL) return LTY_E_NOMEM;
    if (++*times == 2) {
        lty__verify_problem(verify, "lot of entry %" PRIu64 " (member %" PRIu64
                            ") was expired twice", entry->related_entry_id, entry->member_id);
    }
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(verify->txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_member_part(&start, entry->member_id, LTY_PART_LOT);
    lty_bytes_t key = {0}, value = {0};
    bool found = false;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && !found && lty_key_member_part_is(key, entry->member_id, LTY_PART_LOT)) {
        lty_lot_t lot;
        if (lty_record_lot_decode(value, &lot) == 0 && lot.entry_id == entry->related_entry_id) {
            found = true;
            if (lot.expires_ms > entry->created_ms || lot.points_remaining != 0) {
                lty__verify_problem(verify, "expire entry %" PRIu64 ": its lot had not expired "
                                    "then, or holds %" PRId64 " points since", entry->entry_id,
                                    lot.points_remaining);
            }
        }
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    if (!found) {
        lty__verify_problem(verify, "expire entry %" PRIu64 ": member %" PRIu64
                            " has no lot of entry %" PRIu64, entry->entry_id, entry->member_id,
                            entry->related_entry_id);
    }
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static int walk_expire_entries_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_journal_entry_t entry;
    if (lty_record_entry_decode(value, &entry) != 0) return 0; /* reported by verify.c */
    return entry.kind == LTY_ENTRY_EXPIRE ? expire_entry_check(verify, &entry) : 0;
}

/* ---- Commission ---------------------------------------------------------------------- */

static int walk_staff_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_staff_t staff;
    if (lty_record_staff_decode(value, &staff) != 0) {
        lty__verify_problem(verify, "staff: a record does not decode");
        return 0;
    }
    int64_t *seen = pair_value(&check_state->staff_numbers, staff.staff_no, 0);
    if (seen == NULL) return LTY_E_NOMEM;
    if (++*seen == 2) {
        lty__verify_problem(verify, "staff: number %" PRIu64 " belongs to two staff members",
                            staff.staff_no);
    }
    return 0;
}

static int walk_staff_accounts_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_account_t account;
    if (lty_record_account_decode(value, &account) != 0 ||
        account.kind != LTY_ACCOUNT_COMMISSION_PAYABLE) {
        return 0;
    }
    int64_t *seen = pair_value(&check_state->staff_numbers, account.owner, 0);
    if (seen == NULL) return LTY_E_NOMEM;
    if (*seen == 0) {
        lty__verify_problem(verify, "commission-payable/%" PRIu64 ": no staff member has that "
                            "number", account.owner);
    }
    return 0;
}

/* A sale's commission and rules against its journal entry; rule points summed for the caps. */
static int sale_commission_check(verify_t *verify, const lty_sale_t *sale)
{
    lty_key_t key;
    lty_key_id(&key, sale->sale_id);
    lty_bytes_t value;
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_JOURNAL, &key, &value, &found);
    lty_journal_entry_t entry;
    if (err != 0 || !found || lty_record_entry_decode(value, &entry) != 0) return err;
    int64_t posted = 0;
    for (uint32_t index = 0; index < entry.postings_count; index++) {
        const lty_posting_t *posting = &entry.postings[index];
        if (posting->account_kind != LTY_ACCOUNT_COMMISSION_PAYABLE) continue;
        posted += posting->amount;
        if (posting->owner != sale->staff_no) {
            lty__verify_problem(verify, "sale %" PRIu64 ": commission posted to staff number %"
                                PRIu64 ", the sale names %" PRIu64, sale->sale_id,
                                posting->owner, sale->staff_no);
        }
    }
    if (posted != sale->commission_cents) {
        lty__verify_problem(verify, "sale %" PRIu64 ": commission %" PRId64 ", its entry posts %"
                            PRId64, sale->sale_id, sale->commission_cents, posted);
    }
    return 0;
}

static int walk_programme_sales_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_sale_t *sale = verify->sale;
    if (lty_record_sale_decode(value, sale) != 0) return 0; /* reported by verify.c */
    int err = sale_commission_check(verify, sale);
    for (uint32_t index = 0; err == 0 && index < sale->rules_count; index++) {
        const lty_sale_rule_t *rule = &sale->rules[index];
        if (rule->rule_id == 0 || rule->points <= 0) continue;
        int64_t *points = pair_value(&check_state->rule_points, sale->member_id, rule->rule_id);
        if (points == NULL) return LTY_E_NOMEM;
        *points += rule->points;
    }
    return err;
}

/* ---- Caps and bonus grants ------------------------------------------------------------ */

static void usage_cap_check(verify_t *verify, const lty_rule_usage_t *usage,
                            const lty_rule_t *rule)
{
    int64_t cap = usage->day == 0 ? rule->cap_points : rule->cap_points_per_day;
    if (cap > 0 && usage->points > cap) {
        lty__verify_problem(verify, "rule %" PRIu64 " gave member %" PRIu64 " %" PRId64
                            " points%s, above its cap %" PRId64, rule->rule_id, usage->member_id,
                            usage->points, usage->day == 0 ? "" : " in a day", cap);
    }
    if (usage->day != 0) return;
    int64_t *sold = pair_value(&check_state->rule_points, usage->member_id, usage->rule_id);
    if (sold != NULL && *sold != usage->points) {
        lty__verify_problem(verify, "rule %" PRIu64 ", member %" PRIu64 ": usage says %" PRId64
                            " points, the sales say %" PRId64, usage->rule_id, usage->member_id,
                            usage->points, *sold);
    }
    if (sold != NULL) *sold = -1 - *sold; /* seen: the sum stays recoverable, marked negative */
}

static int usage_check(verify_t *verify, lty_bytes_t value)
{
    static _Thread_local lty_rule_record_t record;
    static _Thread_local lty_rule_t rule;
    lty_rule_usage_t usage;
    if (lty_record_rule_usage_decode(value, &usage) != 0) {
        lty__verify_problem(verify, "member-ledger: a rule usage record does not decode");
        return 0;
    }
    lty_key_t key;
    lty_key_id(&key, usage.rule_id);
    lty_bytes_t found_value;
    bool found = false;
    int err = lty__verify_exists(verify, LTY_DB_RULES, &key, &found_value, &found);
    if (err == 0 && found && lty_record_rule_decode(found_value, &record) == 0) {
        memset(&rule, 0, sizeof(rule));
        rule.rule_id = record.rule_id;
        found = lty_rule_parse_text(record.json, record.json_size, &rule, NULL) == 0;
    } else {
        found = false;
    }
    if (err == 0 && !found) {
        lty__verify_problem(verify, "member %" PRIu64 ": usage of rule %" PRIu64
                            ", which is missing or does not decode", usage.member_id,
                            usage.rule_id);
    }
    if (err == 0 && found) usage_cap_check(verify, &usage, &rule);
    return err;
}

static int grant_check(verify_t *verify, lty_bytes_t value)
{
    lty_bonus_grant_t grant;
    if (lty_record_bonus_grant_decode(value, &grant) != 0) {
        lty__verify_problem(verify, "member-ledger: a bonus grant does not decode");
        return 0;
    }
    lty_key_t key;
    lty_key_id(&key, grant.entry_id);
    lty_bytes_t entry_value;
    bool found = false;
    lty_journal_entry_t entry;
    int err = lty__verify_exists(verify, LTY_DB_JOURNAL, &key, &entry_value, &found);
    if (err == 0 && (!found || lty_record_entry_decode(entry_value, &entry) != 0 ||
                     entry.kind != LTY_ENTRY_BONUS || entry.member_id != grant.member_id)) {
        lty__verify_problem(verify, "member %" PRIu64 ": bonus %s names entry %" PRIu64
                            ", which is not its bonus", grant.member_id, grant.bonus_key,
                            grant.entry_id);
    }
    return err;
}

static int walk_usage_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    if (key.size <= LTY_MEMBER_PART_PREFIX_BYTES) return 0;
    switch (((const uint8_t *)key.data)[8]) {
    case LTY_PART_RULE: return usage_check(verify, value);
    case LTY_PART_BONUS: return grant_check(verify, value);
    default: return 0;
    }
}

/* Sales whose rules gave a member points that no usage record counts. */
static void rule_points_unseen_check(verify_t *verify)
{
    const pairs_t *pairs = &check_state->rule_points;
    for (size_t index = 0; index < pairs->capacity; index++) {
        const pair_slot_t *slot = &pairs->slots[index];
        if (!slot->used || slot->value <= 0) continue;
        lty__verify_problem(verify, "rule %" PRIu64 " gave member %" PRIu64 " %" PRId64
                            " points that no usage record counts", slot->b, slot->a, slot->value);
    }
}

int lty__verify_programme(verify_t *verify)
{
    programme_check_t state;
    memset(&state, 0, sizeof(state));
    check_state = &state;
    int err = lty__verify_walk(verify, LTY_DB_MEMBER_LEDGER, walk_member_lots_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_LOTS_BY_EXPIRY, walk_expiry_index_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_JOURNAL, walk_expire_entries_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_STAFF, walk_staff_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_ACCOUNTS, walk_staff_accounts_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_SALES, walk_programme_sales_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_MEMBER_LEDGER, walk_usage_cb);
    if (err == 0) rule_points_unseen_check(verify);
    check_state = NULL;
    lty_free(state.rule_points.slots);
    lty_free(state.expired_lots.slots);
    lty_free(state.staff_numbers.slots);
    return err;
}
