/* SPDX-License-Identifier: MIT */
/**
 * @file api_render.h
 * JSON renderings of domain records shared by several handlers (members, cards, journal
 * entries), so a card looks the same in every response. Wire names follow the API contract and
 * GLOSSARY.md; times are ISO 8601 UTC strings.
 */
#ifndef LTY_API_RENDER_H
#define LTY_API_RENDER_H

#include "lty/lty_json.h"
#include "records.h"

#include <stdbool.h>
#include <stdint.h>

/** "active", "lost", "replaced", "expired", "closed", "unassigned". */
const char *lty_api_card_status_name(unsigned int status, bool expired);
/** Key name then an ISO 8601 time, or null for 0. */
void lty_api_render_time(lty_json_writer_t *writer, const char *key, int64_t time_ms);
/** {"card_no","card_status","issued_at","expires_at"} */
void lty_api_render_card(lty_json_writer_t *writer, const lty_card_t *card, int64_t now_ms);
/** {"entry_id","kind","created_at","reference","store","till","by","postings":[...]} */
void lty_api_render_entry(lty_json_writer_t *writer, const lty_journal_entry_t *entry);

#endif
