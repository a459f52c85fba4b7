/* SPDX-License-Identifier: MIT */
/* Operator handlers for the programme's settings and its earning rules.
 *
 * GET /v1/admin/programme answers the settings as stored, with their version; PUT sends them
 * back whole (every key: a missing one is 422 naming it) with the version read, so two operators
 * cannot overwrite each other's change unseen (409 version_conflict). Both a PUT and a rule
 * change take effect for the very next request of every thread (domain/settings.c). The rules
 * of the settings are programme.c's, ops_programme.c's and rules.c's; this file decodes and
 * renders. */
#include "api.h"
#include "calendar.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- GET /v1/admin/programme ---------------------------------------------------------- */

int lty_api_admin_programme_get(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    lty_store_txn_abort(txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_programme_render(&settings->programme, &exchange->response.body);
    return lty_api_reply(exchange, 200);
}

/* ---- PUT /v1/admin/programme ---------------------------------------------------------- */

static int programme_put_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    static _Thread_local lty_programme_t stored;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_programme_update(txn, lty_api_job_actor(job), job->now_ms,
                                       lty_api_job_command(job), &stored, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_programme_render(&stored, job->body);
    return lty_api_job_reply(job, 200);
}

/* A PUT sends every key: a missing one would silently take the demo default. */
static int programme_keys_present(const lty_json_node_t *root, lty_diag_t *diag)
{
    for (size_t index = 0; lty_programme_keys[index] != NULL; index++) {
        if (lty_json_member(root, lty_programme_keys[index]) == NULL) {
            char field[LTY_DIAG_FIELD_SIZE];
            snprintf(field, sizeof(field), "/%s", lty_programme_keys[index]);
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                                "%s is missing: PUT sends the whole programme (GET it first)",
                                lty_programme_keys[index]);
        }
    }
    return 0;
}

int lty_api_admin_programme_put(lty_api_t *api, lty_exchange_t *exchange,
                                const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_json_expect_object(lty_json_doc_root(doc), "", &diag);
    if (err == 0) err = programme_keys_present(lty_json_doc_root(doc), &diag);
    lty_json_doc_free(doc);
    lty_programme_t *command = lty_alloc(sizeof(*command));
    if (err == 0 && command == NULL) err = LTY_E_NOMEM;
    if (err == 0) {
        err = lty_programme_parse(exchange->request.body, exchange->request.body_size, command,
                                  &diag);
        if (err == LTY_E_CONFIG) err = LTY_E_INVALID_FIELD; /* a bad value, named by the diag */
    }
    if (err != 0) {
        lty_free(command);
        if (diag.err != 0) diag.err = err;
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, programme_put_apply, command, lty_free);
}

/* ---- POST /v1/admin/rules ------------------------------------------------------------- */

static int rule_create_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    static _Thread_local lty_rule_t stored;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = lty_ops_rule_create(txn, lty_api_job_actor(job), &settings->programme, job->now_ms,
                              lty_api_job_command(job), &stored, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_rule(&writer, &stored);
    return lty_api_job_reply(job, 201);
}

/* A new rule is active. */
static int rule_new_parse(const lty_json_node_t *root, void *command, const void *context,
                          lty_diag_t *diag)
{
    (void)context;
    lty_rule_t *rule = command;
    rule->status = LTY_RULE_ACTIVE;
    return lty_rule_parse(root, rule, diag);
}

int lty_api_admin_rule_create(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    (void)params;
    return lty_api_body_submit(api, exchange, sizeof(lty_rule_t), rule_new_parse, NULL,
                               rule_create_apply);
}

/* ---- GET /v1/admin/rules and /v1/admin/rules/{rule_id} -------------------------------- */

int lty_api_admin_rule_list(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    (void)params;
    int64_t after = 0, limit = LTY_OPS_RULES_PAGE_MAX;
    char all[8] = "";
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, &after, NULL, &diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, LTY_OPS_RULES_PAGE_MAX, &limit,
                                          NULL, &diag);
    if (err == 0) err = lty_api_query_string(exchange, "all", all, sizeof(all), NULL, &diag);
    if (err == 0 && all[0] != '\0' && strcmp(all, "true") != 0 && strcmp(all, "false") != 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_QUERY, "all", "all is true or false");
    }
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_rule_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_rule_list(txn, (uint64_t)after, (size_t)limit,
                                          strcmp(all, "true") == 0, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_key(&writer, "rules");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < page->rules_count; index++) {
            lty_api_render_rule(&writer, &page->rules[index]);
        }
        lty_jw_array_end(&writer);
        lty_api_render_next_after(&writer, page->next_after);
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

int lty_api_admin_rule_get(lty_api_t *api, lty_exchange_t *exchange,
                           const lty_route_params_t *params)
{
    uint64_t rule_id = 0;
    if (lty_api_parse_id(params->values[0], &rule_id) != 0) {
        return lty_api_reply_error(exchange, LTY_E_RULE_NOT_FOUND, NULL);
    }
    lty_rule_t *rule = lty_alloc(sizeof(*rule));
    if (rule == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_rule_get(txn, rule_id, rule);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_api_render_rule(&writer, rule);
    }
    lty_free(rule);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* ---- PATCH /v1/admin/rules/{rule_id} -------------------------------------------------- */

static int rule_update_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    static _Thread_local lty_rule_t stored;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_rule_update(txn, lty_api_job_actor(job), job->now_ms,
                                  lty_api_job_command(job), &stored, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_api_render_rule(&writer, &stored);
    return lty_api_job_reply(job, 200);
}

static int rule_status_parse(const char *text, uint8_t *status_out)
{
    static const uint8_t statuses[] = {LTY_RULE_ACTIVE, LTY_RULE_PAUSED, LTY_RULE_ENDED};
    for (size_t index = 0; index < sizeof(statuses); index++) {
        if (strcmp(text, lty_rule_status_name(statuses[index])) == 0) {
            *status_out = statuses[index];
            return 0;
        }
    }
    return LTY_E_INVALID_FIELD;
}

/* context: the rule_id of the path. */
static int rule_patch_parse(const lty_json_node_t *root, void *command, const void *context,
                            lty_diag_t *diag)
{
    lty_ops_rule_patch_t *patch = command;
    patch->rule_id = *(const uint64_t *)context;
    static const char *const keys[] = {"name", "status", "valid_to", NULL};
    bool given = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", false, 1, LTY_RULE_NAME_BYTES_MAX,
                                            patch->name, sizeof(patch->name), &given, diag);
    if (given) patch->fields |= LTY_RULE_FIELD_NAME;
    char text[16] = "";
    given = false;
    if (err == 0) err = lty_json_get_string(root, "", "status", false, 1, sizeof(text) - 1, text,
                                            sizeof(text), &given, diag);
    if (err == 0 && given && rule_status_parse(text, &patch->status) != 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/status",
                           "status is active, paused or ended");
    }
    if (given) patch->fields |= LTY_RULE_FIELD_STATUS;
    const lty_json_node_t *valid_to = lty_json_member(root, "valid_to");
    if (err == 0 && valid_to != NULL) { /* a date, or null for no end */
        patch->fields |= LTY_RULE_FIELD_VALID_TO;
        patch->valid_to_day = LTY_RULE_DAY_OPEN_MAX;
        const char *date = lty_json_node_string(valid_to);
        if (!lty_json_is_null(valid_to) &&
            (date == NULL || !lty_cal_date_parse(date, &patch->valid_to_day))) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/valid_to",
                               "valid_to is YYYY-MM-DD or null");
        }
    }
    if (err == 0 && patch->fields == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "", "give name, status or valid_to");
    }
    return err;
}

int lty_api_admin_rule_update(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    uint64_t rule_id = 0;
    if (lty_api_parse_id(params->values[0], &rule_id) != 0) {
        return lty_api_reply_error(exchange, LTY_E_RULE_NOT_FOUND, NULL);
    }
    return lty_api_body_submit(api, exchange, sizeof(lty_ops_rule_patch_t), rule_patch_parse,
                               &rule_id, rule_update_apply);
}
