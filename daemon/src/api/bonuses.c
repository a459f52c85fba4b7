/* SPDX-License-Identifier: MIT */
/* Operator handlers for points expiry and bonuses: run the expiry sweep now, grant a bonus to a
 * list of members once per key, and grant today's birthday bonuses now (the scheduler does both
 * by itself: scheduler.c). The rules are ops_expiry.c's and ops_bonus.c's. */
#include "api.h"
#include "calendar.h"
#include "render.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define BIRTHDAY_VISIT_MAX 100000 /* members one birthday request reads (then next_after) */

/* ---- POST /v1/admin/expiry/sweep ---------------------------------------------------------- */

static int sweep_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    lty_ops_expiry_sweep_t sweep;
    int err = lty_ops_expiry_sweep(txn, lty_api_job_actor(job), job->now_ms,
                                   LTY_EXPIRY_LOTS_PER_TXN_MAX, &sweep);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "lots_expired", (int64_t)sweep.lots_expired);
    lty_jw_kv_int(&writer, "points_expired", sweep.points_expired);
    lty_jw_kv_int(&writer, "lots_visited", (int64_t)sweep.lots_visited);
    lty_jw_kv_bool(&writer, "more", sweep.more);
    lty_api_render_time(&writer, "swept_at", job->now_ms);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

int lty_api_admin_expiry_sweep(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    return lty_api_bodiless_submit(api, exchange, sweep_apply);
}

/* ---- POST /v1/admin/bonuses --------------------------------------------------------------- */

typedef struct bonus_command_s {
    lty_ops_bonus_t bonus;
    int64_t expires_day;         /* local day the points may last be spent; INT64_MIN: none */
} bonus_command_t;

static void ids_render(lty_json_writer_t *writer, const char *key,
                       const lty_ops_bonus_result_t *result, uint8_t outcome)
{
    lty_jw_key(writer, key);
    lty_jw_array_begin(writer);
    for (size_t index = 0; index < result->members_count; index++) {
        if (result->members[index].outcome == outcome) {
            lty_jw_int(writer, (int64_t)result->members[index].member_id);
        }
    }
    lty_jw_array_end(writer);
}

static int bonus_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    bonus_command_t *command = lty_api_job_command(job);
    static _Thread_local lty_ops_bonus_result_t result;
    if (command->expires_day != INT64_MIN) { /* the end of that day in the programme's zone */
        command->bonus.expires_ms = lty_cal_day_start_ms(command->expires_day + 1,
                                                         settings->programme.utc_offset_minutes);
    }
    lty_diag_t diag;
    lty_diag_clear(&diag);
    err = lty_ops_bonus_grant(txn, lty_api_job_actor(job), &settings->programme, job->now_ms,
                              &command->bonus, &result, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "bonus_key", command->bonus.bonus_key);
    lty_jw_kv_int(&writer, "points", command->bonus.points);
    lty_jw_kv_int(&writer, "granted_count", (int64_t)result.granted_count);
    ids_render(&writer, "granted", &result, LTY_OPS_BONUS_GRANTED);
    ids_render(&writer, "already_granted", &result, LTY_OPS_BONUS_ALREADY_GRANTED);
    ids_render(&writer, "member_not_found", &result, LTY_OPS_BONUS_MEMBER_NOT_FOUND);
    ids_render(&writer, "account_closed", &result, LTY_OPS_BONUS_ACCOUNT_CLOSED);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

static int member_ids_parse(const lty_json_node_t *root, lty_ops_bonus_t *bonus,
                            lty_diag_t *diag)
{
    const lty_json_node_t *ids = NULL;
    int err = lty_json_get_array(root, "", "member_ids", true, LTY_BONUS_MEMBERS_MAX, &ids,
                                 &bonus->members_count, diag);
    if (err == 0 && bonus->members_count == 0) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/member_ids", "give 1 to %d member ids",
                           LTY_BONUS_MEMBERS_MAX);
    }
    for (size_t index = 0; err == 0 && index < bonus->members_count; index++) {
        int64_t id = 0;
        if (!lty_json_node_int(lty_json_item(ids, index), &id) || id < 1) {
            char field[LTY_DIAG_FIELD_SIZE];
            snprintf(field, sizeof(field), "/member_ids/%zu", index);
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, field,
                               "a member id is a positive integer");
        }
        bonus->member_ids[index] = (uint64_t)id;
    }
    return err;
}

/* context: the exchange (its Idempotency-Key is the default bonus_key). */
static int bonus_parse(const lty_json_node_t *root, void *command_out, const void *context,
                       lty_diag_t *diag)
{
    const lty_exchange_t *exchange = context;
    bonus_command_t *command = command_out;
    static const char *const keys[] = {"member_ids", "points", "reason", "expires_at",
                                       "bonus_key", NULL};
    lty_ops_bonus_t *bonus = &command->bonus;
    char date[LTY_CAL_DATE_BYTES + 2] = "";
    bool date_given = false, key_given = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = member_ids_parse(root, bonus, diag);
    if (err == 0) err = lty_json_get_int(root, "", "points", true, 1, LTY_POINTS_PER_TXN_MAX,
                                         &bonus->points, NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "reason", true, 1, LTY_REASON_BYTES_MAX,
                                            bonus->reason, sizeof(bonus->reason), NULL, diag);
    if (err == 0) err = lty_json_get_string(root, "", "expires_at", false, 1, sizeof(date) - 1,
                                            date, sizeof(date), &date_given, diag);
    command->expires_day = INT64_MIN;
    if (err == 0 && date_given && !lty_cal_date_parse(date, &command->expires_day)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/expires_at", "expires_at is YYYY-MM-DD");
    }
    if (err == 0) err = lty_json_get_string(root, "", "bonus_key", false, 1,
                                            LTY_BONUS_KEY_BYTES_MAX, bonus->bonus_key,
                                            sizeof(bonus->bonus_key), &key_given, diag);
    if (err == 0 && !key_given) { /* once per member per request: its Idempotency-Key */
        _Static_assert(LTY_IDEMPOTENCY_KEY_BYTES_MAX <= LTY_BONUS_KEY_BYTES_MAX, "a key fits");
        size_t size = strnlen(exchange->request.idempotency_key, LTY_BONUS_KEY_BYTES_MAX);
        memcpy(bonus->bonus_key, exchange->request.idempotency_key, size);
        bonus->bonus_key[size] = '\0';
    }
    return err;
}

int lty_api_admin_bonus_create(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    return lty_api_body_submit(api, exchange, sizeof(bonus_command_t), bonus_parse, exchange,
                               bonus_apply);
}

/* ---- POST /v1/admin/bonuses/birthdays ----------------------------------------------------- */

typedef struct birthday_command_s {
    size_t members_count;
    uint64_t next_after;
    uint64_t member_ids[LTY_BIRTHDAY_MEMBERS_PER_TXN_MAX];
} birthday_command_t;

static int birthday_apply(lty_job_t *job, lty_store_txn_t *txn)
{
    const lty_settings_t *settings = NULL;
    int err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    const birthday_command_t *command = lty_api_job_command(job);
    size_t granted = 0;
    err = lty_ops_birthday_grant(txn, lty_api_job_actor(job), &settings->programme, job->now_ms,
                                 command->member_ids, command->members_count, &granted);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    lty_cal_local_t local;
    lty_cal_local(job->now_ms, settings->programme.utc_offset_minutes, &local);
    char date[LTY_CAL_DATE_BYTES + 1];
    lty_cal_date_format(local.day, date);
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "date", date);
    lty_jw_kv_int(&writer, "points", settings->programme.birthday_bonus_points);
    lty_jw_kv_int(&writer, "members_found", (int64_t)command->members_count);
    lty_jw_kv_int(&writer, "granted_count", (int64_t)granted);
    lty_api_render_next_after(&writer, command->next_after);
    lty_jw_object_end(&writer);
    return lty_api_job_reply(job, 200);
}

/* The members are found on the loop thread in a read transaction (a scan of up to
 * BIRTHDAY_VISIT_MAX members), and granted by the writer, where once a year is decided. */
int lty_api_admin_bonus_birthdays(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    (void)params;
    static const char *const keys[] = {"after", NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_optional(exchange, keys, &doc) != 0) return LTY_API_DONE;
    int64_t after = 0;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = doc == NULL ? 0 : lty_json_get_int(lty_json_doc_root(doc), "", "after", false, 0,
                                                 LTY_JSON_INT_MAX, &after, NULL, &diag);
    lty_json_doc_free(doc);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    birthday_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    const lty_settings_t *settings = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_settings_get(txn, &settings);
    if (err == 0) err = lty_ops_birthdays_find(txn, &settings->programme, lty_clock_now_ms(),
                                               (uint64_t)after, BIRTHDAY_VISIT_MAX,
                                               command->member_ids,
                                               LTY_BIRTHDAY_MEMBERS_PER_TXN_MAX,
                                               &command->members_count, &command->next_after);
    lty_store_txn_abort(txn);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, NULL);
    }
    return lty_api_submit(api, exchange, birthday_apply, command, lty_free);
}
