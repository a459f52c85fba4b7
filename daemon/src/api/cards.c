/* SPDX-License-Identifier: MIT */
/* Card handlers: the till's look-up, issuing a card to a member, printed batches (operator),
 * activation on the first scan (till), lost, replacement and extension (operator). Writes are
 * writer jobs; the domain rules are in ops_card.c and ops_card_life.c.
 *
 * Policy (docs/api.md): a card that cannot be used is refused at look-up the same way it is
 * refused in a sale (423 card_lost / card_replaced / card_expired / card_closed, 409
 * card_not_activated, 410 account_closed), so the cashier learns it at the first scan. */
#include "api.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

typedef struct card_command_s {
    char card_no[LTY_CARD_NO_SIZE];
    char reason[LTY_REASON_BYTES_MAX + 1];
    int64_t days;
} card_command_t;

static void card_render(lty_json_writer_t *writer, const lty_card_t *card)
{
    lty_jw_kv_string(writer, "card_no", card->card_no);
    lty_jw_kv_int(writer, "member_id", (int64_t)card->member_id);
    lty_jw_kv_string(writer, "card_status", lty_api_card_status_name(card->status, false));
    lty_api_render_time(writer, "expires_at", card->expires_ms);
}

/* Shared front half of the card routes: path number, optional body keys, command. */
static int card_command_parse(lty_exchange_t *exchange, const lty_route_params_t *params,
                              const char *const *keys, card_command_t **command_out,
                              lty_json_doc_t **doc_out)
{
    const char *card_no = params->values[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        lty_api_reply_error(exchange, LTY_E_INVALID_CARD_NO, NULL);
        return 1;
    }
    if (lty_api_body_optional(exchange, keys, doc_out) != 0) return 1;
    card_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) {
        lty_json_doc_free(*doc_out);
        lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
        return 1;
    }
    memcpy(command->card_no, card_no, strlen(card_no) + 1); /* checked: <= 19 digits */
    *command_out = command;
    return 0;
}

/* ---- GET /v1/till/cards/{card_no} --------------------------------------------------------- */

int lty_api_till_card_get(lty_api_t *api, lty_exchange_t *exchange,
                          const lty_route_params_t *params)
{
    const char *card_no = params->values[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        return lty_api_reply_error(exchange, LTY_E_INVALID_CARD_NO, NULL);
    }
    int64_t now_ms = lty_clock_now_ms();
    lty_ops_card_view_t view;
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_card_lookup(txn, card_no, now_ms, &view);
    lty_ops_tier_status_t tier; /* the tier and what the next one still needs */
    memset(&tier, 0, sizeof(tier));
    lty_ops_points_expiring_t expiring[LTY_POINTS_EXPIRING_SHOWN]; /* when points expire */
    size_t expiring_count = 0;
    if (err == 0 && view.member_id != 0) {
        err = lty_ops_tier_status(txn, &settings->programme, now_ms, view.member_id, &tier);
    }
    if (err == 0 && view.member_id != 0) {
        err = lty_ops_points_expiring(txn, &settings->programme, view.member_id, now_ms,
                                      expiring, &expiring_count);
    }
    lty_store_txn_abort(txn);
    if (err == 0) err = lty_ops_card_usable(view.card_status, view.expires_ms, now_ms);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);

    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", view.card_no);
    lty_jw_kv_string(&writer, "card_status", lty_api_card_status_name(view.card_status,
                                                                      view.expired));
    lty_jw_kv_int(&writer, "member_id", (int64_t)view.member_id);
    lty_jw_kv_string(&writer, "name", view.name);
    lty_jw_kv_int(&writer, "points", view.points);
    lty_jw_kv_int(&writer, "prepaid_cents", view.prepaid_cents);
    lty_api_render_time(&writer, "expires_at", view.expires_ms);
    lty_api_render_tier(&writer, &settings->programme, &tier);
    lty_api_render_points_expiring(&writer, expiring, expiring_count);
    lty_jw_object_end(&writer);
    return lty_api_reply(exchange, 200);
}

/* ---- POST /v1/admin/members/{member_id}/cards --------------------------------------------- */

static int card_issue_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const uint64_t *member_id = lty_api_job_command(job);
    lty_card_t card;
    err = lty_ops_card_issue(txn, lty_api_job_actor(job), &settings->programme,
                                 job->now_ms, *member_id, &card);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "card_no", card.card_no);
    lty_jw_kv_int(&writer, "member_id", (int64_t)card.member_id);
    lty_jw_kv_string(&writer, "card_status", lty_api_card_status_name(card.status, false));
    lty_api_render_time(&writer, "expires_at", card.expires_ms);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_card_issue(lty_api_t *api, lty_exchange_t *exchange,
                             const lty_route_params_t *params)
{
    uint64_t member_id = 0;
    if (!lty_api_member_id_param(exchange, params, &member_id)) return LTY_API_DONE;
    if (exchange->request.body_size > 0) {
        /* The body is optional; when sent it must be an empty object (room for options). */
        lty_json_doc_t *doc = NULL;
        if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
        static const char *const keys[] = {NULL};
        lty_diag_t diag;
        int err = lty_json_keys_check(lty_json_doc_root(doc), "", keys, &diag);
        lty_json_doc_free(doc);
        if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    }
    uint64_t *command = lty_alloc(sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    *command = member_id;
    return lty_api_submit(api, exchange, card_issue_apply, command, lty_free);
}

/* ---- POST /v1/admin/cards/batches -------------------------------------------------------- */

static int batch_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const card_command_t *command = lty_api_job_command(job);
    lty_ops_card_batch_t *batch = lty_alloc(sizeof(*batch));
    if (batch == NULL) return lty_api_job_refuse(job, LTY_E_NOMEM, NULL);
    err = lty_ops_card_batch(txn, lty_api_job_actor(job), &settings->programme,
                                 job->now_ms, (size_t)command->days, batch);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, job->body);
        lty_jw_object_begin(&writer);
        lty_jw_kv_int(&writer, "count", (int64_t)batch->cards_count);
        lty_jw_key(&writer, "cards");
        lty_jw_array_begin(&writer);
        for (size_t index = 0; index < batch->cards_count; index++) {
            lty_jw_string(&writer, batch->cards[index]);
        }
        lty_jw_array_end(&writer);
        lty_jw_object_end(&writer);
    }
    lty_free(batch);
    return err == 0 ? lty_api_job_reply(job, 201) : lty_api_job_refuse(job, err, NULL);
}

int lty_api_admin_card_batch_create(lty_api_t *api, lty_exchange_t *exchange,
                                    const lty_route_params_t *params)
{
    (void)params;
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    static const char *const keys[] = {"count", NULL};
    lty_diag_t diag;
    lty_diag_clear(&diag);
    card_command_t *command = lty_calloc(1, sizeof(*command));
    int err = command == NULL ? LTY_E_NOMEM
                              : lty_json_keys_check(lty_json_doc_root(doc), "", keys, &diag);
    if (err == 0) {
        err = lty_json_get_int(lty_json_doc_root(doc), "", "count", true, 1, LTY_CARD_BATCH_MAX,
                               &command->days, NULL, &diag);
    }
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, batch_apply, command, lty_free);
}

/* ---- POST /v1/till/cards/{card_no}/activate ---------------------------------------------- */

static int activate_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const lty_ops_card_activate_t *command = lty_api_job_command(job);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    lty_card_t card;
    bool created = false;
    err = lty_ops_card_activate(txn, lty_api_job_actor(job), &settings->programme, job->now_ms,
                                command, &card, &created, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    card_render(&writer, &card);
    lty_jw_kv_bool(&writer, "member_created", created);
    if (command->staff_id[0] != '\0') { /* who signed the member up */
        lty_jw_kv_string(&writer, "staff_id", command->staff_id);
        lty_jw_kv_int(&writer, "commission_cents", settings->programme.commission_card_cents);
    }
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

int lty_api_till_card_activate(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    const char *card_no = params->values[0];
    if (lty_card_no_check(card_no, strlen(card_no)) != 0) {
        return lty_api_reply_error(exchange, LTY_E_INVALID_CARD_NO, NULL);
    }
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    static const char *const keys[] = {"phone", "name", "staff_id", NULL};
    const lty_json_node_t *root = lty_json_doc_root(doc);
    lty_ops_card_activate_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command == NULL ? LTY_E_NOMEM : lty_json_keys_check(root, "", keys, &diag);
    if (err == 0) {
        err = lty_json_get_string(root, "", "phone", true, 1, LTY_PHONE_BYTES_MAX, command->phone,
                                  sizeof(command->phone), NULL, &diag);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "name", false, 1, LTY_NAME_BYTES_MAX, command->name,
                                  sizeof(command->name), NULL, &diag);
    }
    if (err == 0) {
        err = lty_json_get_string(root, "", "staff_id", false, 1, LTY_STAFF_ID_BYTES_MAX,
                                  command->staff_id, sizeof(command->staff_id), NULL, &diag);
    }
    if (err == 0 && !lty_ops_phone_valid(command->phone)) {
        err = lty_diag_set(&diag, LTY_E_INVALID_FIELD, "/phone",
                           "phone must be E.164: '+' then 8 to 15 digits");
    }
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    memcpy(command->card_no, card_no, strlen(card_no) + 1); /* checked: <= 19 digits */
    return lty_api_submit(api, exchange, activate_apply, command, lty_free);
}

/* ---- POST /v1/admin/cards/{card_no}/lost ------------------------------------------------- */

static int lost_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const card_command_t *command = lty_api_job_command(job);
    lty_card_t card;
    int err = lty_ops_card_lost(txn, lty_api_job_actor(job), job->now_ms, command->card_no,
                                command->reason, &card);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    card_render(&writer, &card);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_card_lost(lty_api_t *api, lty_exchange_t *exchange,
                            const lty_route_params_t *params)
{
    static const char *const keys[] = {"reason", NULL};
    card_command_t *command = NULL;
    lty_json_doc_t *doc = NULL;
    if (card_command_parse(exchange, params, keys, &command, &doc) != 0) return LTY_API_DONE;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = 0;
    if (doc != NULL) {
        err = lty_json_get_string(lty_json_doc_root(doc), "", "reason", false, 1,
                                  LTY_REASON_BYTES_MAX, command->reason, sizeof(command->reason),
                                  NULL, &diag);
    }
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, lost_apply, command, lty_free);
}

/* ---- POST /v1/admin/cards/{card_no}/replace ---------------------------------------------- */

static int replace_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const card_command_t *command = lty_api_job_command(job);
    lty_card_t old_card, new_card;
    err = lty_ops_card_replace(txn, lty_api_job_actor(job), &settings->programme,
                                   job->now_ms, command->card_no, &old_card, &new_card);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    card_render(&writer, &new_card);
    lty_jw_kv_string(&writer, "replaced_card_no", old_card.card_no);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_card_replace(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    static const char *const keys[] = {NULL};
    card_command_t *command = NULL;
    lty_json_doc_t *doc = NULL;
    if (card_command_parse(exchange, params, keys, &command, &doc) != 0) return LTY_API_DONE;
    lty_json_doc_free(doc);
    return lty_api_submit(api, exchange, replace_apply, command, lty_free);
}

/* ---- POST /v1/admin/cards/{card_no}/extend ----------------------------------------------- */

static int extend_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const card_command_t *command = lty_api_job_command(job);
    lty_card_t card;
    int64_t days = command->days != 0 ? command->days
                                      : settings->programme.card_valid_days;
    err = lty_ops_card_extend(txn, lty_api_job_actor(job), job->now_ms, command->card_no,
                                  days, &card);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    card_render(&writer, &card);
    lty_jw_kv_int(&writer, "days", days);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_card_extend(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    static const char *const keys[] = {"days", NULL};
    card_command_t *command = NULL;
    lty_json_doc_t *doc = NULL;
    if (card_command_parse(exchange, params, keys, &command, &doc) != 0) return LTY_API_DONE;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = 0;
    if (doc != NULL) {
        err = lty_json_get_int(lty_json_doc_root(doc), "", "days", false, 1,
                               LTY_PROGRAMME_DAYS_MAX, &command->days, NULL, &diag);
    }
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, extend_apply, command, lty_free);
}
