/* SPDX-License-Identifier: MIT */
/**
 * @file events.h
 * Journal entries as events for other systems (events.c): the one table from entry to event
 * type, and the event's JSON rendering, shared by the feed (GET /v1/admin/events) and any
 * delivery of events elsewhere.
 */
#ifndef LTY_API_EVENTS_H
#define LTY_API_EVENTS_H

#include "lty/lty_json.h"
#include "records.h"

/** The event type of entry ("points.earned", "prepaid.topped_up", ...; "entry.recorded" for a
 *  kind the table does not know yet). Never NULL; a static string. */
const char *lty_api_event_type(const lty_journal_entry_t *entry);
/** {"seq","type","member_id"?,"created_at","entry":{...}} for entry. */
void lty_api_event_render(lty_json_writer_t *writer, const lty_journal_entry_t *entry);

#endif
