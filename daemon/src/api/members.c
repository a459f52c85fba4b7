/* SPDX-License-Identifier: MIT */
/* Operator handlers for members: enrolment, read, profile update (PATCH), search by phone / card
 * number / name prefix, a member's journal, and account close (the member's audit log is in
 * audit.c, with the whole trail). Each handler:
 * parse into a command struct (limits checked) -> validate -> reads: query in a read
 * transaction and reply; writes: submit to the writer, whose apply callback runs the domain
 * operation (ops.h) in a child transaction and renders the response it stores with the
 * idempotency key. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

/* ---- Profile JSON ----------------------------------------------------------------------- */

static int gender_parse(const lty_json_node_t *root, uint8_t *gender_out, bool *present_out,
                        lty_diag_t *diag)
{
    char text[16];
    int err = lty_json_get_string(root, "", "gender", false, 1, 10, text, sizeof(text),
                                  present_out, diag);
    if (err != 0 || !*present_out) return err;
    for (uint8_t index = 0; index < 4; index++) {
        if (strcmp(text, lty_api_gender_names[index]) == 0) {
            *gender_out = index;
            return 0;
        }
    }
    return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/gender",
                        "gender is unknown, female, male or other");
}

static int consents_parse(const lty_json_node_t *root, uint32_t *flags_out, uint32_t *mask_out,
                          lty_diag_t *diag)
{
    static const char *const keys[] = {"sms", "email", "push", NULL};
    static const uint32_t bits[] = {LTY_CONSENT_SMS, LTY_CONSENT_EMAIL, LTY_CONSENT_PUSH};
    const lty_json_node_t *consents = NULL;
    int err = lty_json_get_object(root, "", "consents", false, &consents, diag);
    if (err != 0 || consents == NULL) return err;
    err = lty_json_keys_check(consents, "/consents", keys, diag);
    for (size_t index = 0; err == 0 && index < 3; index++) {
        bool value = false, present = false;
        err = lty_json_get_bool(consents, "/consents", keys[index], false, &value, &present, diag);
        if (present) *mask_out |= bits[index];
        if (value) *flags_out |= bits[index];
    }
    return err;
}

typedef struct text_field_s {
    const char *key;
    uint32_t bit;
    size_t offset;
    size_t size_max;
} text_field_t;

int lty__api_member_profile_parse(const lty_json_node_t *root, bool with_identity,
                                  lty_ops_member_new_t *profile, uint32_t *fields_out,
                                  uint32_t *consent_mask_out, lty_diag_t *diag)
{
    LTY_ASSERT(root != NULL && profile != NULL);
    LTY_ASSERT(fields_out != NULL && consent_mask_out != NULL);
    static const text_field_t texts[] = {
        {"name", LTY_MEMBER_FIELD_NAME, offsetof(lty_ops_member_new_t, name), LTY_NAME_BYTES_MAX},
        {"phone", LTY_MEMBER_FIELD_PHONE, offsetof(lty_ops_member_new_t, phone),
         LTY_PHONE_BYTES_MAX},
        {"email", LTY_MEMBER_FIELD_EMAIL, offsetof(lty_ops_member_new_t, email),
         LTY_EMAIL_BYTES_MAX},
        {"birthday", LTY_MEMBER_FIELD_BIRTHDAY, offsetof(lty_ops_member_new_t, birthday),
         LTY_BIRTHDAY_BYTES},
        {"preferred_store", LTY_MEMBER_FIELD_STORE,
         offsetof(lty_ops_member_new_t, preferred_store), LTY_STORE_ID_BYTES_MAX},
    };
    static const char *const keys[] = {"name",   "phone",           "email",    "birthday",
                                       "gender", "preferred_store", "consents", NULL};
    *fields_out = 0;
    *consent_mask_out = 0;
    int err = lty_json_keys_check(root, "", keys, diag);
    for (size_t index = 0; err == 0 && index < sizeof(texts) / sizeof(texts[0]); index++) {
        const text_field_t *field = &texts[index];
        bool identity = field->bit == LTY_MEMBER_FIELD_NAME || field->bit == LTY_MEMBER_FIELD_PHONE;
        bool present = false;
        err = lty_json_get_string(root, "", field->key, identity && with_identity,
                                  identity ? 1 : 0, field->size_max,
                                  (char *)profile + field->offset, field->size_max + 1, &present,
                                  diag);
        if (present) *fields_out |= field->bit;
    }
    bool present = false;
    if (err == 0) err = gender_parse(root, &profile->gender, &present, diag);
    if (present) *fields_out |= LTY_MEMBER_FIELD_GENDER;
    if (err == 0) err = consents_parse(root, &profile->consent_flags, consent_mask_out, diag);
    if (*consent_mask_out != 0) *fields_out |= LTY_MEMBER_FIELD_CONSENT;
    if (err == 0 && (*fields_out & LTY_MEMBER_FIELD_PHONE) && !lty_ops_phone_valid(profile->phone)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/phone",
                           "phone must be E.164: '+' then 8 to 15 digits");
    }
    return err;
}

/* ---- POST /v1/admin/members --------------------------------------------------------------- */

static int member_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_ops_member_new_t *command = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    uint64_t member_id = 0;
    err = lty_ops_member_create(txn, lty_api_job_actor(job), job->now_ms, command, &member_id,
                                    &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_member_t member; /* the whole profile, as GET shows it */
    err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_jw_object_begin(&writer);
    lty_api_render_member_profile(&writer, &member, &settings->programme);
    lty_jw_kv_int(&writer, "points", 0);
    lty_jw_kv_int(&writer, "prepaid_cents", 0);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

/* Name and phone required; email, birthday, gender, preferred_store, consents
 * optional (api_members.c parses every profile field). */
static int member_new_parse(const lty_json_node_t *root, void *command, const void *context,
                            lty_diag_t *diag)
{
    (void)context;
    uint32_t fields = 0, consent_mask = 0;
    return lty__api_member_profile_parse(root, true, command, &fields, &consent_mask, diag);
}

int lty_api_admin_member_create(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    return lty_api_body_submit(api, exchange, sizeof(lty_ops_member_new_t), member_new_parse,
                               NULL, member_create_apply);
}

/* ---- GET /v1/admin/members/{member_id} ---------------------------------------------------- */

static void member_render(lty_json_writer_t *writer, const lty_ops_member_view_t *view,
                          const lty_programme_t *programme, int64_t now_ms,
                          const lty_ops_points_expiring_t *expiring, size_t expiring_count)
{
    lty_jw_object_begin(writer);
    lty_api_render_member_profile(writer, &view->member, programme);
    lty_jw_kv_int(writer, "points", view->points);
    lty_api_render_points_expiring(writer, expiring, expiring_count);
    lty_jw_kv_int(writer, "prepaid_cents", view->prepaid_cents);
    lty_jw_key(writer, "cards");
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < view->cards_count; index++) {
        lty_api_render_card(writer, &view->cards[index], now_ms);
    }
    lty_jw_array_end(writer);
    lty_jw_object_end(writer);
}

int lty_api_admin_member_get(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_ops_member_view_t *view = lty_alloc(sizeof(*view));
    if (view == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int64_t now_ms = lty_clock_now_ms();
    int64_t balance = 0;
    lty_ops_points_expiring_t expiring[LTY_POINTS_EXPIRING_SHOWN];
    size_t expiring_count = 0;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_member_get(txn, member_id, view);
    /* The points shown are those that may be spent (expired lots not counted). */
    if (err == 0) err = lty_ops_points_available(txn, member_id, now_ms, &balance, &view->points);
    if (err == 0) err = lty_ops_points_expiring(txn, &settings->programme, member_id, now_ms,
                                                expiring, &expiring_count);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        member_render(&writer, view, &settings->programme, now_ms, expiring,
                      expiring_count);
    }
    lty_free(view);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- PATCH /v1/admin/members/{member_id} ------------------------------------------------ */

static int member_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_ops_member_patch_t *patch = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    size_t changed = 0;
    err = lty_ops_member_update(txn, lty_api_job_actor(job), job->now_ms, patch, &changed,
                                    &diag);
    lty_member_t member;
    if (err == 0) err = lty__ops_member_load(txn, patch->member_id, &member);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_api_render_member_profile(&writer, &member, &settings->programme);
    lty_jw_kv_int(&writer, "fields_changed", (int64_t)changed);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_member_update(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_member_patch_t *patch = lty_calloc(1, sizeof(*patch));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = patch != NULL ? lty__api_member_profile_parse(lty_json_doc_root(doc), false,
                                                            &patch->values, &patch->fields,
                                                            &patch->consent_mask, &diag)
                            : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err == 0 && patch->fields == 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_FIELD, "", "no profile field to change");
    }
    if (err != 0) {
        lty_free(patch);
        return lty_api_reply_error(exchange, err, &diag);
    }
    patch->member_id = member_id;
    return lty_api_submit(api, exchange, member_update_apply, patch, lty_free);
}

/* ---- GET /v1/admin/members?phone=|card_no=|name=&after=&limit= -------------------------- */

static int search_query(const lty_exchange_t *exchange, lty_ops_member_search_by_t *by_out,
                        char *text, size_t text_size, lty_diag_t *diag)
{
    static const char *const names[] = {"phone", "card_no", "name"};
    static const lty_ops_member_search_by_t kinds[] = {LTY_OPS_SEARCH_PHONE, LTY_OPS_SEARCH_CARD,
                                                       LTY_OPS_SEARCH_NAME};
    int found = 0;
    for (size_t index = 0; index < 3; index++) {
        bool present = false;
        char value[LTY_NAME_BYTES_MAX + 1];
        int err = lty_api_query_string(exchange, names[index], value, sizeof(value), &present,
                                       diag);
        if (err != 0) return err;
        if (!present) continue;
        found++;
        *by_out = kinds[index];
        snprintf(text, text_size, "%s", value);
    }
    if (found != 1 || text[0] == '\0') {
        return lty_diag_set(diag, LTY_E_INVALID_QUERY, "",
                            "give exactly one of phone, card_no or name (a prefix)");
    }
    return 0;
}

int lty_api_admin_member_search(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    lty_ops_member_search_by_t by = LTY_OPS_SEARCH_NAME;
    char text[LTY_NAME_BYTES_MAX + 1] = "";
    int64_t after = 0, limit = LTY_MEMBER_PAGE_DEFAULT;
    int err = search_query(exchange, &by, text, sizeof(text), &diag);
    if (err == 0) err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, &after, NULL,
                                          &diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, LTY_MEMBER_PAGE_MAX, &limit,
                                          NULL, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_member_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_member_search(txn, by, text, (uint64_t)after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_key(&writer, "members");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->members_count; index++) {
            lty_jw_object_begin(&writer);
            lty_api_render_member_profile(&writer, &page->members[index],
                                          &settings->programme);
            lty_jw_object_end(&writer);
        }
        lty_jw_array_end(&writer);
        lty_jw_key(&writer, "next_after");
        if (page->next_after != 0) lty_jw_int(&writer, (int64_t)page->next_after);
        else lty_jw_null(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    if (err == LTY_E_INVALID_FIELD) err = LTY_E_INVALID_QUERY;
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- GET /v1/admin/members/{member_id}/journal -------------------------------------------- */

int lty_api_admin_journal_list(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    int64_t after = 0, limit = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_page(exchange, LTY_JOURNAL_PAGE_DEFAULT, LTY_JOURNAL_PAGE_MAX, &after,
                                 &limit, &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);

    lty_ops_journal_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_journal_page(txn, member_id, (uint64_t)after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "member_id", (int64_t)member_id);
        lty_jw_key(&writer, "entries");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->entries_count; index++) {
            lty_api_render_entry(&writer, &page->entries[index]);
        }
        lty_jw_array_end(&writer);
        lty_jw_key(&writer, "next_after");
        if (page->next_after != 0) {
            lty_jw_int(&writer, (int64_t)page->next_after);
        } else {
            lty_jw_null(&writer);
        }
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- POST /v1/admin/members/{member_id}/close ------------------------------------------- */

static int close_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_ops_close_t *command = lty_api_job_command(job);
    lty_ops_close_result_t result;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_member_close(txn, lty_api_job_actor(job), job->now_ms, command, &result,
                                   &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "member_id", (int64_t)command->member_id);
    lty_jw_kv_string(&writer, "status", "closed");
    lty_jw_kv_int(&writer, "entry_id", (int64_t)result.entry_id);
    lty_jw_kv_string(&writer, "payout", command->payout);
    lty_jw_kv_int(&writer, "prepaid_paid_out_cents", result.prepaid_paid_out_cents);
    lty_jw_kv_int(&writer, "points_forfeited", result.points_forfeited);
    lty_jw_kv_int(&writer, "cards_blocked", (int64_t)result.cards_blocked);
    lty_jw_kv_bool(&writer, "personal_data_erased", result.erased);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

static int close_parse(const lty_json_node_t *root, lty_ops_close_t *command, lty_diag_t *diag)
{
    static const char *const keys[] = {"reason", "payout", "erase_personal_data", "store", NULL};
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "reason", true, 1, LTY_REASON_BYTES_MAX,
                                            command->reason, sizeof(command->reason), NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "payout", true, 1,
                                            sizeof(command->payout) - 1, command->payout,
                                            sizeof(command->payout), NULL, diag);
    if (err == 0 && strcmp(command->payout, "cash") != 0 &&
        strcmp(command->payout, "bank_transfer") != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/payout",
                           "payout must be \"cash\" or \"bank_transfer\"");
    }
    if (err == 0) err = lty_json_get_bool(root, "", "erase_personal_data", false,
                                          &command->erase_personal_data, NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "store", false, 1, LTY_STORE_ID_BYTES_MAX,
                                            command->store, sizeof(command->store), NULL, diag);
    return err;
}

int lty_api_admin_member_close(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_ops_close_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command != NULL ? close_parse(lty_json_doc_root(doc), command, &diag) : LTY_E_NOMEM;
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    command->member_id = member_id;
    return lty_api_submit(api, exchange, close_apply, command, lty_free);
}
