/* SPDX-License-Identifier: MIT */
/**
 * @file render.h
 * JSON renderings of domain records shared by several handlers (members, cards, journal
 * entries, balances, tiers), so a card looks the same in every response, and the wire names of
 * domain enums in both directions (card status, gender, tender type). Wire names follow the API contract and
 * GLOSSARY.md; times are ISO 8601 UTC strings.
 */
#ifndef LTY_API_RENDER_H
#define LTY_API_RENDER_H

#include "lty/lty_json.h"
#include "ops.h"
#include "programme.h"
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

/** {"audit_id","at","by","action","target","detail","old_value","new_value","from",
 *   "prev_hash","hash"}: hashes as 64 hex digits, null for a record outside the chain. */
void lty_api_render_audit(lty_json_writer_t *writer, const lty_audit_t *audit);

/** Key, then the cursor of the next page: after, or null for 0 (no more). */
void lty_api_render_cursor(lty_json_writer_t *writer, const char *key, uint64_t after);
/** A page of audit records: {"member_id" (when not 0), "audit":[...], "next_after"}. */
void lty_api_render_audit_page(lty_json_writer_t *writer, uint64_t member_id,
                               const lty_ops_audit_page_t *page);

/** "points_balance" and "prepaid_cents", in every money or points response. */
void lty_api_render_balances(lty_json_writer_t *writer, int64_t points_balance,
                             int64_t prepaid_cents);
/** "tier", "tier_basis", "tier_qualifying", "tier_next", "tier_next_needed" (null at the top
 *  tier) members of the object being written. */
void lty_api_render_tier(lty_json_writer_t *writer, const lty_programme_t *programme,
                         const lty_ops_tier_status_t *status);

/** "history": [{"at","from","to","reason","qualifying"}], newest first (a member of the object
 *  being written). */
void lty_api_render_tier_history(lty_json_writer_t *writer, const lty_programme_t *programme,
                                 const lty_ops_tier_history_t *history);

#define LTY_API_GENDERS_COUNT 4
/** Wire names of lty_member_t.gender: "unknown", "female", "male", "other". */
extern const char *const lty_api_gender_names[LTY_API_GENDERS_COUNT];
/** The profile members (inside an object already begun): member_id, status, name, phone,
 *  email, birthday, gender, preferred_store, consents, tier, created_at, updated_at. */
void lty_api_render_member_profile(lty_json_writer_t *writer, const lty_member_t *member,
                                   const lty_programme_t *programme);
/** "cash", "bank_card", "prepaid" -> LTY_TENDER_*; LTY_E_INVALID_FIELD for anything else. */
int lty_api_tender_type_parse(const char *name, uint8_t *type_out);

/** "next_after": the id to pass as after for the next page, or null when there is none. */
void lty_api_render_next_after(lty_json_writer_t *writer, uint64_t next_after);

/* ---- Expiry, rules, stores and staff ----------------------------------------------------- */

/** "points_expiring":[{"date","expires_ms","points"}]: date is the last day the points may be
 *  spent, in the programme's time zone (card look-up, member view, the portal's /me). */
void lty_api_render_points_expiring(lty_json_writer_t *writer,
                                    const lty_ops_points_expiring_t *expiring, size_t count);
/** "rules_applied":[{"rule_id","name","points","capped"}]: why a sale earns what it earns. */
void lty_api_render_rules_applied(lty_json_writer_t *writer, const lty_rules_outcome_t *rules);
/** A rule: {"rule_id","status","created_at","updated_at", its definition...}. */
void lty_api_render_rule(lty_json_writer_t *writer, const lty_rule_t *rule);
/** A store: {"store_id","name","region","status","created_at","updated_at"}. */
void lty_api_render_store(lty_json_writer_t *writer, const lty_store_record_t *store);
/** A staff member: {"staff_id","name","store_id","status","created_at","updated_at"}. */
void lty_api_render_staff(lty_json_writer_t *writer, const lty_staff_t *staff);

#endif
