/* SPDX-License-Identifier: MIT */
/**
 * @file api_members.h
 * Member profile JSON shared by the member handlers (api_admin.c enrolment and read,
 * api_members.c update and search): the strict parse of profile fields and their rendering.
 */
#ifndef LTY_API_MEMBERS_H
#define LTY_API_MEMBERS_H

#include "api.h"
#include "lty/lty_json.h"
#include "ops.h"

#include <stdbool.h>
#include <stdint.h>

/**
 * Parse the optional profile fields (email, birthday, gender, preferred_store, consents) of a
 * request object into profile; name and phone too when with_identity. *fields_out gets the
 * LTY_MEMBER_FIELD_* bits present, *consent_mask_out the consent bits given.
 * @return 0 or LTY_E_INVALID_FIELD with the diag naming the field.
 */
int lty__api_member_profile_parse(const lty_json_node_t *root, bool with_identity,
                                  lty_ops_member_new_t *profile, uint32_t *fields_out,
                                  uint32_t *consent_mask_out, lty_diag_t *diag);

/** The profile members (inside an object already begun): member_id, status, name, phone,
 *  email, birthday, gender, preferred_store, consents, tier, created_at, updated_at. */
void lty__api_member_profile_render(lty_json_writer_t *writer, const lty_member_t *member,
                                    const lty_programme_t *programme);

/** "tier", "tier_next", "tier_next_needed" (null at the top tier) and "tier_basis" members. */
void lty__api_tier_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                          const lty_ops_tier_status_t *status);

/** An optional request body that, when sent, must be a JSON object with only the keys listed
 *  (NULL-terminated; may be just {NULL}). 0 with *doc_out (NULL when no body; the caller frees
 *  it), or 1 when the error reply is made (the handler then returns LTY_API_DONE). */
int lty__api_body_optional(lty_exchange_t *exchange, const char *const *keys,
                           lty_json_doc_t **doc_out);

#endif
