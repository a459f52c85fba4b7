/* SPDX-License-Identifier: MIT */
/* Shared JSON renderings of domain records (see api_render.h). */
#include "api_render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"

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
        if (posting->owner != 0) lty_jw_kv_int(writer, "member_id", (int64_t)posting->owner);
        lty_jw_kv_string(writer, "asset", lty_asset_name(posting->asset));
        lty_jw_kv_int(writer, "amount", posting->amount);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}
