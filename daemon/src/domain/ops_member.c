/* SPDX-License-Identifier: MIT */
/* Members: enrolment (with the unique phone index) and the member view (profile, balances,
 * cards). Member ids come from the last MEMBERS key + 1: members are never deleted (a closed
 * member keeps its record), so ids increase and are never reused.
 *
 * Not here: cards (ops_card.c), points (ops_adjust.c, ops_sale.c). */
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Every profile field is checked by lty_ops_member_profile_check (ops_member_profile.c). */
static int member_new_check(lty_store_txn_t *txn, const lty_ops_member_new_t *member_new,
                            int64_t now_ms, lty_diag_t *diag)
{
    return lty_ops_member_profile_check(txn, member_new, 127u, now_ms, diag);
}

int lty_ops_member_create(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const lty_ops_member_new_t *member_new, uint64_t *member_id_out,
                          lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(member_new != NULL && member_id_out != NULL);
    int err = member_new_check(txn, member_new, now_ms, diag);
    if (err != 0) return err;
    lty_member_t member;
    memset(&member, 0, sizeof(member));
    err = lty__ops_id_next(txn, LTY_DB_MEMBERS, &member.member_id);
    if (err != 0) return err;
    member.status = LTY_MEMBER_ACTIVE;
    member.created_ms = now_ms;
    member.updated_ms = now_ms;
    memcpy(member.name, member_new->name, sizeof(member.name));
    memcpy(member.phone, member_new->phone, sizeof(member.phone));
    memcpy(member.email, member_new->email, sizeof(member.email));
    memcpy(member.birthday, member_new->birthday, sizeof(member.birthday));
    memcpy(member.preferred_store, member_new->preferred_store, sizeof(member.preferred_store));
    member.gender = member_new->gender;
    member.consent_flags = member_new->consent_flags;
    member.consent_ms = member_new->consent_flags != 0 ? now_ms : 0;

    uint8_t id_bytes[8];
    lty_record_u64_encode(member.member_id, id_bytes);
    lty_key_t key;
    lty_key_text(&key, member.phone);
    err = lty_store_insert(txn, LTY_DB_MEMBERS_BY_PHONE, lty_key_bytes(&key),
                           (lty_bytes_t){.data = id_bytes, .size = sizeof(id_bytes)});
    if (err == LTY_E_EXISTS) {
        return lty_diag_set(diag, LTY_E_PHONE_TAKEN, "/phone",
                            "phone number already belongs to another member");
    }
    uint8_t buffer[LTY_RECORD_MEMBER_BYTES_MAX];
    size_t size = lty_record_member_encode(&member, buffer, sizeof(buffer));
    lty_key_id(&key, member.member_id);
    if (err == 0) {
        err = lty_store_append(txn, LTY_DB_MEMBERS, lty_key_bytes(&key),
                               (lty_bytes_t){.data = buffer, .size = size});
    }
    if (err == 0) err = lty__ops_member_name_index(txn, &member, true);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member.member_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "member.create", target, "enrolled");
    if (err == 0) *member_id_out = member.member_id;
    return err;
}

/* The member's cards in CARDS_BY_MEMBER order (member id, then card number). */
static int member_cards_load(lty_store_txn_t *txn, uint64_t member_id,
                             lty_ops_member_view_t *view)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_CARDS_BY_MEMBER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, member_id);
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        uint64_t owner = 0;
        if (!lty_key_u64_at(key, 0, &owner) || owner != member_id) break;
        size_t digits = key.size - 8;
        if (view->cards_count == LTY_CARDS_PER_MEMBER_MAX || digits > LTY_CARD_NO_DIGITS_MAX) {
            err = LTY_E_CORRUPT;
            break;
        }
        lty_key_t card_key = {.size = digits};
        memcpy(card_key.data, (const uint8_t *)key.data + 8, digits);
        lty_bytes_t card_value;
        err = lty_store_get(txn, LTY_DB_CARDS, lty_key_bytes(&card_key), &card_value);
        if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
        if (err == 0) err = lty_record_card_decode(card_value, &view->cards[view->cards_count]);
        if (err == 0 && view->cards[view->cards_count].member_id != member_id) err = LTY_E_CORRUPT;
        if (err != 0) break;
        view->cards_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_member_get(lty_store_txn_t *txn, uint64_t member_id, lty_ops_member_view_t *view_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(view_out != NULL);
    memset(view_out, 0, sizeof(*view_out));
    int err = lty__ops_member_load(txn, member_id, &view_out->member);
    lty_account_t account;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &account);
    if (err == 0) view_out->points = account.balance;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID, member_id, &account);
    if (err == 0) view_out->prepaid_cents = account.balance;
    if (err == 0) err = member_cards_load(txn, member_id, view_out);
    return err;
}
