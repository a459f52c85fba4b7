/* SPDX-License-Identifier: MIT */
/* Shared JSON renderings of domain records, and the wire names of their enums both ways
 * (see render.h). */
#include "render.h"
#include "calendar.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"

#include <string.h>

const char *lty_api_card_status_name(unsigned int status, bool expired)
{
    switch (status) {
    case LTY_CARD_ACTIVE: return expired ? "expired" : "active";
    case LTY_CARD_LOST: return "lost";
    case LTY_CARD_REPLACED: return "replaced";
    case LTY_CARD_EXPIRED: return "expired";
    case LTY_CARD_CLOSED: return "closed";
    case LTY_CARD_UNASSIGNED: return "unassigned";
    default: return "unknown";
    }
}

void lty_api_render_time(lty_json_writer_t *writer, const char *key, int64_t time_ms)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(key != NULL);
    lty_jw_key(writer, key);
    if (time_ms == 0) {
        lty_jw_null(writer);
        return;
    }
    char text[32];
    lty_clock_format(time_ms, text, sizeof(text));
    lty_jw_string(writer, text);
}

static void hash_render(lty_json_writer_t *writer, const char *key, bool present,
                        const uint8_t hash[LTY_AUDIT_HASH_BYTES])
{
    static const char digits[] = "0123456789abcdef";
    lty_jw_key(writer, key);
    if (!present) {
        lty_jw_null(writer);
        return;
    }
    char hex[2 * LTY_AUDIT_HASH_BYTES + 1];
    for (size_t index = 0; index < LTY_AUDIT_HASH_BYTES; index++) {
        hex[2 * index] = digits[hash[index] >> 4];
        hex[2 * index + 1] = digits[hash[index] & 0x0f];
    }
    hex[sizeof(hex) - 1] = '\0';
    lty_jw_string(writer, hex);
}

void lty_api_render_audit(lty_json_writer_t *writer, const lty_audit_t *audit)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(audit != NULL && audit->audit_id != 0);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "audit_id", (int64_t)audit->audit_id);
    lty_api_render_time(writer, "at", audit->created_ms);
    lty_jw_kv_string(writer, "by", audit->principal);
    lty_jw_kv_string(writer, "action", audit->action);
    lty_jw_kv_string(writer, "target", audit->target);
    lty_jw_kv_string(writer, "detail", audit->detail);
    lty_jw_kv_string(writer, "old_value", audit->old_value);
    lty_jw_kv_string(writer, "new_value", audit->new_value);
    lty_jw_kv_string(writer, "from", audit->remote_addr);
    hash_render(writer, "prev_hash", audit->chained, audit->prev_hash);
    hash_render(writer, "hash", audit->chained, audit->hash);
    lty_jw_object_end(writer);
}

void lty_api_render_cursor(lty_json_writer_t *writer, const char *key, uint64_t after)
{
    LTY_ASSERT(writer != NULL && key != NULL);
    LTY_ASSERT(after <= (uint64_t)LTY_JSON_INT_MAX);
    lty_jw_key(writer, key);
    if (after != 0) lty_jw_int(writer, (int64_t)after);
    else lty_jw_null(writer);
}

void lty_api_render_audit_page(lty_json_writer_t *writer, uint64_t member_id,
                               const lty_ops_audit_page_t *page)
{
    LTY_ASSERT(writer != NULL && page != NULL);
    LTY_ASSERT(page->audits_count <= LTY_AUDIT_PAGE_MAX);
    lty_jw_object_begin(writer);
    if (member_id != 0) lty_jw_kv_int(writer, "member_id", (int64_t)member_id);
    lty_jw_key(writer, "audit");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < page->audits_count; index++) {
        lty_api_render_audit(writer, &page->audits[index]);
    }
    lty_jw_array_end(writer);
    lty_api_render_next_after(writer, page->next_after);
    lty_jw_object_end(writer);
}

void lty_api_render_card(lty_json_writer_t *writer, const lty_card_t *card, int64_t now_ms)
{
    LTY_ASSERT(card != NULL);
    LTY_ASSERT(writer != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "card_no", card->card_no);
    lty_jw_kv_string(writer, "card_status",
                     lty_api_card_status_name(card->status, card->expires_ms <= now_ms));
    lty_api_render_time(writer, "issued_at", card->issued_ms);
    lty_api_render_time(writer, "expires_at", card->expires_ms);
    if (card->replaced_by[0] != '\0') lty_jw_kv_string(writer, "replaced_by", card->replaced_by);
    lty_jw_object_end(writer);
}

void lty_api_render_entry(lty_json_writer_t *writer, const lty_journal_entry_t *entry)
{
    LTY_ASSERT(entry != NULL);
    LTY_ASSERT(entry->postings_count <= LTY_POSTINGS_PER_ENTRY_MAX);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "entry_id", (int64_t)entry->entry_id);
    lty_jw_kv_string(writer, "kind", lty_entry_kind_name(entry->kind));
    lty_api_render_time(writer, "created_at", entry->created_ms);
    lty_jw_kv_string(writer, "reference", entry->reference);
    lty_jw_kv_string(writer, "by", entry->principal);
    if (entry->store[0] != '\0') lty_jw_kv_string(writer, "store", entry->store);
    if (entry->till[0] != '\0') lty_jw_kv_string(writer, "till", entry->till);
    if (entry->related_entry_id != 0) {
        lty_jw_kv_int(writer, "related_entry_id", (int64_t)entry->related_entry_id);
    }
    lty_jw_key(writer, "postings");
    lty_jw_array_begin(writer);
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "account", lty_account_kind_name(posting->account_kind));
        bool staff = lty_account_kind_is_staff((lty_account_kind_t)posting->account_kind);
        if (posting->owner != 0) {
            lty_jw_kv_int(writer, staff ? "staff_no" : "member_id", (int64_t)posting->owner);
        }
        lty_jw_kv_string(writer, "asset", lty_asset_name(posting->asset));
        lty_jw_kv_int(writer, "amount", posting->amount);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}

void lty_api_render_balances(lty_json_writer_t *writer, int64_t points_balance,
                              int64_t prepaid_cents)
{
    LTY_ASSERT(writer != NULL);
    LTY_ASSERT(prepaid_cents >= 0);
    lty_jw_kv_int(writer, "points_balance", points_balance);
    lty_jw_kv_int(writer, "prepaid_cents", prepaid_cents);
}

void lty_api_render_tier(lty_json_writer_t *writer, const lty_programme_t *programme,
                          const lty_ops_tier_status_t *status)
{
    LTY_ASSERT(writer != NULL && programme != NULL && status != NULL);
    LTY_ASSERT(status->tier < programme->tiers_count);
    lty_jw_kv_string(writer, "tier", programme->tiers[status->tier].name);
    lty_jw_kv_string(writer, "tier_basis",
                     programme->tier_basis == LTY_TIER_BASIS_POINTS ? "points" : "spend");
    lty_jw_kv_int(writer, "tier_qualifying", status->qualifying);
    lty_jw_key(writer, "tier_next");
    if (status->has_next) lty_jw_string(writer, programme->tiers[status->next_tier].name);
    else lty_jw_null(writer);
    lty_jw_key(writer, "tier_next_needed");
    if (status->has_next) lty_jw_int(writer, status->next_needed);
    else lty_jw_null(writer);
}

const char *const lty_api_gender_names[LTY_API_GENDERS_COUNT] = {"unknown", "female", "male",
                                                                 "other"};

void lty_api_render_member_profile(lty_json_writer_t *writer, const lty_member_t *member,
                                    const lty_programme_t *programme)
{
    LTY_ASSERT(writer != NULL && member != NULL);
    LTY_ASSERT(programme != NULL && programme->tiers_count >= 1);
    lty_jw_kv_int(writer, "member_id", (int64_t)member->member_id);
    lty_jw_kv_string(writer, "status", member->status == LTY_MEMBER_CLOSED ? "closed" : "active");
    lty_jw_kv_string(writer, "name", member->name);
    lty_jw_kv_string(writer, "phone", member->phone);
    if (member->email[0] != '\0') lty_jw_kv_string(writer, "email", member->email);
    if (member->birthday[0] != '\0') lty_jw_kv_string(writer, "birthday", member->birthday);
    uint8_t gender = member->gender < LTY_API_GENDERS_COUNT ? member->gender : 0;
    lty_jw_kv_string(writer, "gender", lty_api_gender_names[gender]);
    if (member->preferred_store[0] != '\0') {
        lty_jw_kv_string(writer, "preferred_store", member->preferred_store);
    }
    lty_jw_key(writer, "consents");
    lty_jw_object_begin(writer);
    lty_jw_kv_bool(writer, "sms", (member->consent_flags & LTY_CONSENT_SMS) != 0);
    lty_jw_kv_bool(writer, "email", (member->consent_flags & LTY_CONSENT_EMAIL) != 0);
    lty_jw_kv_bool(writer, "push", (member->consent_flags & LTY_CONSENT_PUSH) != 0);
    lty_api_render_time(writer, "updated_at", member->consent_ms);
    lty_jw_object_end(writer);
    uint32_t tier = member->tier < programme->tiers_count ? member->tier
                                                          : programme->tiers_count - 1;
    lty_jw_kv_string(writer, "tier", programme->tiers[tier].name);
    lty_api_render_time(writer, "created_at", member->created_ms);
    lty_api_render_time(writer, "updated_at", member->updated_ms);
}

int lty_api_tender_type_parse(const char *name, uint8_t *type_out)
{
    if (strcmp(name, "cash") == 0) *type_out = LTY_TENDER_CASH;
    else if (strcmp(name, "bank_card") == 0) *type_out = LTY_TENDER_BANK_CARD;
    else if (strcmp(name, "prepaid") == 0) *type_out = LTY_TENDER_PREPAID;
    else return LTY_E_INVALID_FIELD;
    return 0;
}

void lty_api_render_next_after(lty_json_writer_t *writer, uint64_t next_after)
{
    LTY_ASSERT(writer != NULL);
    lty_jw_key(writer, "next_after");
    if (next_after != 0) lty_jw_int(writer, (int64_t)next_after);
    else lty_jw_null(writer);
}

void lty_api_render_tier_history(lty_json_writer_t *writer, const lty_programme_t *programme,
                                 const lty_ops_tier_history_t *history)
{
    LTY_ASSERT(writer != NULL && programme != NULL);
    LTY_ASSERT(history != NULL && programme->tiers_count > 0);
    lty_jw_key(writer, "history");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < history->changes_count; index++) {
        const lty_tier_change_t *change = &history->changes[index];
        uint32_t last = programme->tiers_count - 1;
        lty_jw_object_begin(writer);
        lty_api_render_time(writer, "at", change->changed_ms);
        lty_jw_kv_string(writer, "from",
                         programme->tiers[change->tier_from < last ? change->tier_from : last].name);
        lty_jw_kv_string(writer, "to",
                         programme->tiers[change->tier_to < last ? change->tier_to : last].name);
        lty_jw_kv_string(writer, "reason",
                         change->reason == LTY_TIER_REASON_SALE     ? "sale"
                         : change->reason == LTY_TIER_REASON_REVIEW ? "review"
                                                                    : "migration");
        lty_jw_kv_int(writer, "qualifying", change->qualifying);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
}

/* ---- Expiry, rules, stores and staff ----------------------------------------------------- */

void lty_api_render_points_expiring(lty_json_writer_t *writer,
                                    const lty_ops_points_expiring_t *expiring, size_t count)
{
    LTY_ASSERT(writer != NULL && expiring != NULL);
    LTY_ASSERT(count <= LTY_POINTS_EXPIRING_SHOWN);
    lty_jw_key(writer, "points_expiring");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < count; index++) {
        char date[LTY_CAL_DATE_BYTES + 1];
        lty_cal_date_format(expiring[index].day, date);
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "date", date);
        lty_jw_kv_int(writer, "expires_ms", expiring[index].expires_ms);
        lty_jw_kv_int(writer, "points", expiring[index].points);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
}

void lty_api_render_rules_applied(lty_json_writer_t *writer, const lty_rules_outcome_t *rules)
{
    LTY_ASSERT(writer != NULL && rules != NULL);
    LTY_ASSERT(rules->applied_count <= LTY_RULES_APPLIED_MAX + 1);
    lty_jw_key(writer, "rules_applied");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < rules->applied_count; index++) {
        const lty_rules_applied_t *applied = &rules->applied[index];
        lty_jw_object_begin(writer);
        lty_jw_kv_int(writer, "rule_id", (int64_t)applied->rule_id);
        lty_jw_kv_string(writer, "name", applied->name);
        lty_jw_kv_int(writer, "points", applied->points);
        lty_jw_kv_bool(writer, "capped", applied->capped);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
}

void lty_api_render_rule(lty_json_writer_t *writer, const lty_rule_t *rule)
{
    LTY_ASSERT(writer != NULL && rule != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "rule_id", (int64_t)rule->rule_id);
    lty_jw_kv_string(writer, "status", lty_rule_status_name(rule->status));
    lty_api_render_time(writer, "created_at", rule->created_ms);
    lty_api_render_time(writer, "updated_at", rule->updated_ms);
    lty_rule_definition_render(rule, writer);
    lty_jw_object_end(writer);
}

void lty_api_render_store(lty_json_writer_t *writer, const lty_store_record_t *store)
{
    LTY_ASSERT(writer != NULL && store != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "store_id", store->store_id);
    lty_jw_kv_string(writer, "name", store->name);
    lty_jw_kv_string(writer, "region", store->region);
    lty_jw_kv_string(writer, "status", store->active ? "open" : "closed");
    lty_api_render_time(writer, "created_at", store->created_ms);
    lty_api_render_time(writer, "updated_at", store->updated_ms);
    lty_jw_object_end(writer);
}

void lty_api_render_staff(lty_json_writer_t *writer, const lty_staff_t *staff)
{
    LTY_ASSERT(writer != NULL && staff != NULL);
    lty_jw_object_begin(writer);
    lty_jw_kv_string(writer, "staff_id", staff->staff_id);
    lty_jw_kv_string(writer, "name", staff->name);
    lty_jw_kv_string(writer, "store_id", staff->store_id);
    lty_jw_kv_string(writer, "status", staff->active ? "active" : "inactive");
    lty_api_render_time(writer, "created_at", staff->created_ms);
    lty_api_render_time(writer, "updated_at", staff->updated_ms);
    lty_jw_object_end(writer);
}
