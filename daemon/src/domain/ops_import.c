/* SPDX-License-Identifier: MIT */
/* Member import: enrolling a member brought from the retailer's old system with its card, tier
 * and opening balances, in the caller's transaction (one child transaction per member in the
 * batch route, so a refused member leaves nothing behind).
 *
 * Opening balances are one journal entry of kind migration: member-points +P against
 * points-migrated -P, member-prepaid +C against prepaid-migrated -C. The migration accounts say
 * where those balances came from (not earned, not paid in here), so verify balances them like
 * any entry and the reports count them as liability.
 *
 * Not here: the profile rules (ops_member_profile.c via lty_ops_member_create), tiers
 * (ops_tier.c), card minting (ops_card.c). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The tier named (ASCII case-insensitively), or LTY_E_INVALID_FIELD listing the names. */
static int tier_find(const lty_programme_t *programme, const char *name, uint32_t *tier_out,
                     lty_diag_t *diag)
{
    *tier_out = 0;
    if (name[0] == '\0') return 0;
    for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
        if (strcasecmp(programme->tiers[tier].name, name) == 0) {
            *tier_out = tier;
            return 0;
        }
    }
    char names[LTY_TIERS_MAX * (LTY_TIER_NAME_BYTES_MAX + 2) + 1] = "";
    for (uint32_t tier = 0; tier < programme->tiers_count; tier++) {
        strncat(names, programme->tiers[tier].name, sizeof(names) - strlen(names) - 1);
        if (tier + 1 < programme->tiers_count) strncat(names, ", ", sizeof(names) - strlen(names) - 1);
    }
    return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tier", "unknown tier; the tiers are %s",
                        names);
}

static int import_check(const lty_programme_t *programme, const lty_ops_member_import_t *import,
                        uint32_t *tier_out, lty_diag_t *diag)
{
    if (import->points < 0 || import->points > LTY_POINTS_BALANCE_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points",
                            "opening points must be 0 to %" PRId64, LTY_POINTS_BALANCE_MAX);
    }
    if (import->prepaid_cents < 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/prepaid_cents",
                            "opening prepaid balance must not be negative");
    }
    if (import->prepaid_cents > programme->prepaid_balance_cents_max) {
        return lty_diag_set(diag, LTY_E_PREPAID_BALANCE_LIMIT, "/prepaid_cents",
                            "opening prepaid balance is above the programme's %" PRId64,
                            programme->prepaid_balance_cents_max);
    }
    int err = tier_find(programme, import->tier, tier_out, diag);
    if (err == 0 && import->card_no[0] != '\0' &&
        lty_card_no_check(import->card_no, strnlen(import->card_no, LTY_CARD_NO_SIZE)) != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_CARD_NO, "/card_no",
                           "card_no must be 12 to 19 digits with a valid check digit");
    }
    return err;
}

/* The card the member carried: a new active card, or a printed unassigned one taken over. */
static int card_take(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                     const char *card_no, uint64_t member_id, lty_diag_t *diag)
{
    lty_card_t card;
    int err = lty__ops_card_load(txn, card_no, &card);
    bool printed = err == 0 && card.status == LTY_CARD_UNASSIGNED;
    if (err == 0 && !printed) {
        return lty_diag_set(diag, LTY_E_CARD_TAKEN, "/card_no",
                            "card number already belongs to a member");
    }
    if (err != 0 && err != LTY_E_CARD_NOT_FOUND) return err;
    if (!printed) {
        memset(&card, 0, sizeof(card));
        snprintf(card.card_no, sizeof(card.card_no), "%s", card_no);
        card.issued_ms = now_ms;
    }
    card.member_id = member_id;
    card.status = LTY_CARD_ACTIVE;
    card.status_ms = now_ms;
    card.expires_ms = now_ms + programme->card_valid_days * LTY_MS_PER_DAY;
    /* a new number is inserted (refused if stored meanwhile); a printed card is rewritten */
    return printed ? lty__ops_card_put(txn, &card, true) : lty__ops_card_store(txn, &card);
}

static int balances_open(lty_store_txn_t *txn, const lty_actor_t *actor,
                         const lty_programme_t *programme, int64_t now_ms,
                         const lty_ops_member_import_t *import, uint64_t member_id,
                         uint64_t *entry_id_out)
{
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.kind = LTY_ENTRY_MIGRATION;
    entry.member_id = member_id;
    snprintf(entry.principal, sizeof(entry.principal), "%s", lty__ops_principal(actor));
    snprintf(entry.reference, sizeof(entry.reference), "opening balance (member import)");
    if (import->points > 0) {
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, import->points);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_MIGRATED, 0, -import->points);
    }
    if (import->prepaid_cents > 0) {
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_PREPAID, member_id,
                               import->prepaid_cents);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_PREPAID_MIGRATED, 0, -import->prepaid_cents);
    }
    int err = lty__ops_journal_post(txn, &entry, now_ms);
    if (err == 0 && import->points > 0) {
        int64_t expires_ms = lty_programme_lot_expires_ms(programme, now_ms); /* its policy */
        err = lty__ops_lots_credit(txn, member_id, 0, import->points, expires_ms, entry.entry_id);
    }
    if (err == 0) *entry_id_out = entry.entry_id;
    return err;
}

int lty_ops_member_import(lty_store_txn_t *txn, const lty_actor_t *actor,
                          const lty_programme_t *programme, int64_t now_ms,
                          const lty_ops_member_import_t *import,
                          lty_ops_member_import_result_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(import != NULL && result_out != NULL);
    uint32_t tier = 0;
    int err = import_check(programme, import, &tier, diag);
    uint64_t member_id = 0;
    if (err == 0) err = lty_ops_member_create(txn, actor, now_ms, &import->member, &member_id, diag);
    if (err == 0 && import->card_no[0] != '\0') {
        err = card_take(txn, programme, now_ms, import->card_no, member_id, diag);
    }
    if (err == 0 && tier > 0) {
        err = lty__ops_tier_import(txn, actor, programme, now_ms, member_id, tier);
    }
    uint64_t entry_id = 0;
    if (err == 0 && (import->points > 0 || import->prepaid_cents > 0)) {
        err = balances_open(txn, actor, programme, now_ms, import, member_id, &entry_id);
    }
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1], detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member_id);
    snprintf(detail, sizeof(detail), "card %s, tier %s, points %" PRId64 ", prepaid_cents %" PRId64,
             import->card_no[0] ? import->card_no : "-", programme->tiers[tier].name,
             import->points, import->prepaid_cents);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "member.import", target, detail);
    if (err != 0) return err;
    *result_out = (lty_ops_member_import_result_t){.member_id = member_id, .entry_id = entry_id,
                                                   .tier = tier};
    return 0;
}

/* ---- Export ------------------------------------------------------------------------------ */

static int export_member_fill(lty_store_txn_t *txn, lty_ops_export_member_t *out)
{
    lty_ops_member_view_t *view = lty_alloc(sizeof(*view));
    if (view == NULL) return LTY_E_NOMEM;
    int err = lty_ops_member_get(txn, out->member.member_id, view);
    if (err == 0) {
        out->points = view->points;
        out->prepaid_cents = view->prepaid_cents;
        out->card_no[0] = '\0';
        for (size_t index = 0; index < view->cards_count; index++) {
            if (view->cards[index].status != LTY_CARD_ACTIVE) continue;
            memcpy(out->card_no, view->cards[index].card_no, sizeof(out->card_no));
            break;
        }
    }
    lty_free(view);
    return err;
}

int lty_ops_export_page(lty_store_txn_t *txn, uint64_t after, size_t limit,
                        lty_ops_export_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && page_out != NULL);
    LTY_ASSERT(limit >= 1 && limit <= LTY_OPS_EXPORT_PAGE_MAX);
    page_out->members_count = 0;
    page_out->next_after = 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBERS, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_id(&start, after + 1);
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        if (page_out->members_count == limit) {
            page_out->next_after = page_out->members[limit - 1].member.member_id;
            break;
        }
        lty_ops_export_member_t *member = &page_out->members[page_out->members_count];
        err = lty_record_member_decode(value, &member->member);
        if (err == 0 && member->member.status == LTY_MEMBER_ACTIVE) {
            err = export_member_fill(txn, member);
            if (err == 0) page_out->members_count++;
        }
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
