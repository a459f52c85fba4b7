/* SPDX-License-Identifier: MIT */
/* A card's life after issue: printed batches of unassigned numbers, activation at the
 * till on the first scan, lost, replacement, extension, and extension on activity.
 *
 * Policies (docs/cards.md): numbers come from the META card sequence, so a number is never
 * minted twice, whatever happens to its card. Cards never hold balances: every card of a member
 * (main and family cards alike) uses the member's accounts, so a lost or replaced card loses
 * nothing. A status only moves forward: unassigned -> active -> lost / expired -> replaced, and
 * a replaced card is blocked for ever. */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int lty__ops_card_put(lty_store_txn_t *txn, const lty_card_t *card, bool index)
{
    uint8_t buffer[LTY_RECORD_CARD_BYTES_MAX];
    size_t size = lty_record_card_encode(card, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, card->card_no);
    int err = lty_store_put(txn, LTY_DB_CARDS, lty_key_bytes(&key),
                            (lty_bytes_t){.data = buffer, .size = size});
    if (err == 0 && index) {
        lty_key_member_card(&key, card->member_id, card->card_no);
        err = lty_store_put(txn, LTY_DB_CARDS_BY_MEMBER, lty_key_bytes(&key),
                            (lty_bytes_t){.data = "", .size = 0});
    }
    return err;
}

static int card_audit(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      const char *action, const lty_card_t *card, const char *old_value,
                      const char *new_value)
{
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, card->member_id);
    snprintf(detail, sizeof(detail), "card %s", card->card_no);
    return lty__ops_audit_change(txn, actor, now_ms, action, target, detail, old_value,
                                 new_value);
}

/* ---- Batches ---------------------------------------------------------------------------- */

int lty_ops_card_batch(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, size_t count,
                       lty_ops_card_batch_t *batch_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(batch_out != NULL);
    if (count < 1 || count > LTY_CARD_BATCH_MAX) return LTY_E_INVALID_FIELD;
    batch_out->cards_count = 0;
    int err = 0;
    for (size_t index = 0; err == 0 && index < count; index++) {
        lty_card_t card;
        memset(&card, 0, sizeof(card));
        err = lty__ops_card_no_next(txn, programme, card.card_no);
        if (err != 0) break;
        card.status = LTY_CARD_UNASSIGNED;
        card.issued_ms = now_ms;
        card.status_ms = now_ms;
        card.expires_ms = now_ms; /* validity starts at activation */
        lty_key_t key;
        lty_key_text(&key, card.card_no);
        uint8_t buffer[LTY_RECORD_CARD_BYTES_MAX];
        size_t size = lty_record_card_encode(&card, buffer, sizeof(buffer));
        err = lty_store_insert(txn, LTY_DB_CARDS, lty_key_bytes(&key),
                               (lty_bytes_t){.data = buffer, .size = size});
        if (err == LTY_E_EXISTS) err = LTY_E_CORRUPT; /* a minted number was already stored */
        if (err == 0) memcpy(batch_out->cards[batch_out->cards_count++], card.card_no,
                             LTY_CARD_NO_SIZE);
    }
    if (err != 0) return err;
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(detail, sizeof(detail), "%zu unassigned cards, %s .. %s", count, batch_out->cards[0],
             batch_out->cards[count - 1]);
    return lty__ops_audit(txn, actor, now_ms, "card.batch", "cards", detail);
}

/* ---- Activation ------------------------------------------------------------------------- */

static int activate_member(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                           const lty_ops_card_activate_t *activate, uint64_t *member_id_out,
                           bool *created_out, lty_diag_t *diag)
{
    lty_key_t key;
    lty_key_text(&key, activate->phone);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_MEMBERS_BY_PHONE, lty_key_bytes(&key), &value);
    if (err == 0) {
        *created_out = false;
        err = lty_record_u64_decode(value, member_id_out);
        lty_member_t member;
        if (err == 0) err = lty__ops_member_load(txn, *member_id_out, &member);
        if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
        return err;
    }
    if (err != LTY_E_NOT_FOUND) return err;
    if (activate->name[0] == '\0') {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name",
                            "no member has this phone: a name is needed to enrol one");
    }
    lty_ops_member_new_t member_new;
    memset(&member_new, 0, sizeof(member_new));
    memcpy(member_new.name, activate->name, sizeof(member_new.name));
    memcpy(member_new.phone, activate->phone, sizeof(member_new.phone));
    *created_out = true;
    return lty_ops_member_create(txn, actor, now_ms, &member_new, member_id_out, diag);
}

/* The commission of a card activation: its own COMMISSION entry, on the member's journal. */
static int activation_commission(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                                 const lty_card_t *card, const lty_staff_t *staff, int64_t cents)
{
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.kind = LTY_ENTRY_COMMISSION;
    entry.member_id = card->member_id;
    snprintf(entry.principal, sizeof(entry.principal), "%s", lty__ops_principal(actor));
    snprintf(entry.store, sizeof(entry.store), "%s", actor->store);
    snprintf(entry.till, sizeof(entry.till), "%s", actor->till);
    snprintf(entry.reference, sizeof(entry.reference), "card activation by %s", staff->staff_id);
    lty__ops_commission_postings(&entry, staff, cents);
    return lty__ops_journal_post(txn, &entry, now_ms);
}

int lty_ops_card_activate(lty_store_txn_t *txn, const lty_actor_t *actor,
                          const lty_programme_t *programme, int64_t now_ms,
                          const lty_ops_card_activate_t *activate, lty_card_t *card_out,
                          bool *created_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(activate != NULL && card_out != NULL && created_out != NULL);
    int err = lty_card_no_check(activate->card_no, strnlen(activate->card_no, LTY_CARD_NO_SIZE));
    if (err != 0) return err;
    if (!lty_ops_phone_valid(activate->phone)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/phone",
                            "phone must be E.164: '+' then 8 to 15 digits");
    }
    lty_card_t card;
    err = lty__ops_card_load(txn, activate->card_no, &card);
    if (err != 0) return err;
    if (card.status != LTY_CARD_UNASSIGNED) return LTY_E_CARD_ALREADY_ACTIVE;
    lty_staff_t staff; /* the staff member who signed the member up */
    if (activate->staff_id[0] != '\0') {
        err = lty__ops_staff_active(txn, activate->staff_id, &staff, diag);
        if (err != 0) return err;
    }
    bool created = false;
    err = activate_member(txn, actor, now_ms, activate, &card.member_id, &created, diag);
    size_t cards_count = 0;
    if (err == 0) err = lty__ops_member_cards_count(txn, card.member_id, &cards_count);
    if (err == 0 && cards_count >= LTY_CARDS_PER_MEMBER_MAX) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/phone", "this member holds %d cards",
                           LTY_CARDS_PER_MEMBER_MAX);
    }
    if (err != 0) return err;
    card.status = LTY_CARD_ACTIVE;
    card.status_ms = now_ms;
    card.expires_ms = now_ms + programme->card_valid_days * LTY_MS_PER_DAY;
    err = lty__ops_card_put(txn, &card, true);
    if (err == 0) err = card_audit(txn, actor, now_ms, "card.activate", &card, "unassigned",
                                   "active");
    if (err == 0 && activate->staff_id[0] != '\0' && programme->commission_card_cents > 0) {
        err = activation_commission(txn, actor, now_ms, &card, &staff,
                                    programme->commission_card_cents);
    }
    if (err != 0) return err;
    *card_out = card;
    *created_out = created;
    return 0;
}

/* ---- Lost, replace, extend -------------------------------------------------------------- */

/* The refusal for a card an operator wants to act on, by status (lost allowed when lost_ok). */
static int card_actionable(const lty_card_t *card, bool lost_ok)
{
    switch (card->status) {
    case LTY_CARD_ACTIVE:
    case LTY_CARD_EXPIRED: return 0;
    case LTY_CARD_LOST: return lost_ok ? 0 : LTY_E_CARD_LOST;
    case LTY_CARD_REPLACED: return LTY_E_CARD_REPLACED;
    case LTY_CARD_UNASSIGNED: return LTY_E_CARD_NOT_ACTIVATED;
    default: return LTY_E_CARD_CLOSED;
    }
}

static int card_actionable_load(lty_store_txn_t *txn, const char *card_no, bool lost_ok,
                                lty_card_t *card_out)
{
    int err = lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_SIZE));
    if (err == 0) err = lty__ops_card_load(txn, card_no, card_out);
    if (err == 0) err = card_actionable(card_out, lost_ok);
    return err;
}

int lty_ops_card_lost(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      const char *card_no, const char *reason, lty_card_t *card_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(card_no != NULL && reason != NULL && card_out != NULL);
    lty_card_t card;
    int err = card_actionable_load(txn, card_no, true, &card);
    if (err != 0) return err;
    if (card.status != LTY_CARD_LOST) {
        const char *old_status = card.status == LTY_CARD_ACTIVE ? "active" : "expired";
        card.status = LTY_CARD_LOST;
        card.status_ms = now_ms;
        err = lty__ops_card_put(txn, &card, false);
        if (err == 0) err = card_audit(txn, actor, now_ms, "card.lost", &card, old_status,
                                       reason[0] != '\0' ? reason : "lost");
    }
    /* Portal sessions opened with the lost card end with it (whoever found it may have the
     * PIN too); those opened by phone or another card stay. */
    if (err == 0) err = lty_ops_sessions_end(txn, card.member_id, card.card_no, NULL);
    if (err == 0) *card_out = card;
    return err;
}

int lty_ops_card_replace(lty_store_txn_t *txn, const lty_actor_t *actor,
                         const lty_programme_t *programme, int64_t now_ms, const char *card_no,
                         lty_card_t *old_out, lty_card_t *new_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(card_no != NULL && old_out != NULL && new_out != NULL);
    lty_card_t card;
    int err = card_actionable_load(txn, card_no, true, &card);
    lty_member_t member;
    if (err == 0) err = lty__ops_member_load(txn, card.member_id, &member);
    if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
    lty_card_t fresh;
    if (err == 0) err = lty_ops_card_issue(txn, actor, programme, now_ms, card.member_id, &fresh);
    if (err != 0) return err;
    card.status = LTY_CARD_REPLACED;
    card.status_ms = now_ms;
    memcpy(card.replaced_by, fresh.card_no, sizeof(card.replaced_by));
    err = lty__ops_card_put(txn, &card, false);
    if (err == 0) err = card_audit(txn, actor, now_ms, "card.replace", &card, card.card_no,
                                   fresh.card_no);
    if (err != 0) return err;
    *old_out = card;
    *new_out = fresh;
    return 0;
}

int lty_ops_card_extend(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                        const char *card_no, int64_t days, lty_card_t *card_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(card_no != NULL && card_out != NULL);
    if (days < 1 || days > LTY_PROGRAMME_DAYS_MAX) return LTY_E_INVALID_FIELD;
    lty_card_t card;
    int err = card_actionable_load(txn, card_no, false, &card);
    if (err != 0) return err;
    char old_value[32], new_value[32];
    lty_clock_format(card.expires_ms, old_value, sizeof(old_value));
    int64_t from_ms = card.expires_ms > now_ms ? card.expires_ms : now_ms;
    card.expires_ms = from_ms + days * LTY_MS_PER_DAY;
    if (card.status == LTY_CARD_EXPIRED) {
        card.status = LTY_CARD_ACTIVE;
        card.status_ms = now_ms;
    }
    lty_clock_format(card.expires_ms, new_value, sizeof(new_value));
    err = lty__ops_card_put(txn, &card, false);
    if (err == 0) err = card_audit(txn, actor, now_ms, "card.extend", &card, old_value, new_value);
    if (err == 0) *card_out = card;
    return err;
}

int lty__ops_card_activity(lty_store_txn_t *txn, const lty_programme_t *programme,
                           int64_t now_ms, const lty_card_t *card)
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(card != NULL && card->status == LTY_CARD_ACTIVE);
    if (!programme->card_extend_on_activity) return 0;
    int64_t expires_ms = now_ms + programme->card_valid_days * LTY_MS_PER_DAY;
    if (expires_ms <= card->expires_ms) return 0;
    lty_card_t extended = *card;
    extended.expires_ms = expires_ms;
    return lty__ops_card_put(txn, &extended, false); /* a rule, not an operator: no audit record */
}
