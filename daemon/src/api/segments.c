/* SPDX-License-Identifier: MIT */
/* Segment handlers: POST/GET /v1/admin/segments, GET /v1/admin/segments/{id},
 * GET /v1/admin/segments/{id}/members, POST /v1/admin/segments/{id}/runs (a bonus to the
 * segment's members as of one snapshot) and GET /v1/admin/segments/{id}/runs/{run_id}.
 *
 * A filter is {"rfm_segments":[...], "stages":[...], "tiers":[names], "home_store",
 * "spend_min_cents", "spend_max_cents", "window_days", "birthday_month", "category",
 * "category_days", "consent":["sms","email","push"]}; every key is optional, and a member must
 * meet every one given. Evaluating a segment reads the whole membership, so it runs on the
 * report worker (analytics_worker.h), never on a loop thread; a run's creation then goes through
 * the writer with the request's Idempotency-Key, and its steps through the run driver. */
#include "analytics_worker.h"
#include "api.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops_analytics.h"
#include "programme.h"
#include "settings.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MEMBERS_PAGE_MAX 1000
#define MEMBERS_PAGE_DEFAULT 100

static const char *const consent_names[] = {"sms", "email", "push"};

/* ---- Filters ------------------------------------------------------------------------------- */

/* A list of names into a mask: bit index of each name (parse returns it, or -1). */
static int names_parse(const lty_json_node_t *filter, const char *key,
                       int (*parse)(const char *, const void *), const void *context,
                       size_t names_max, uint32_t *mask_out, lty_diag_t *diag)
{
    const lty_json_node_t *array = NULL;
    size_t count = 0;
    int err = lty_json_get_array(filter, "/filter", key, false, names_max, &array, &count, diag);
    for (size_t index = 0; err == 0 && array != NULL && index < count; index++) {
        const char *name = lty_json_node_string(lty_json_item(array, index));
        int bit = name != NULL ? parse(name, context) : -1;
        if (bit < 0) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/filter", "/filter/%s/%zu is unknown",
                                key, index);
        }
        *mask_out |= 1u << bit;
    }
    return err;
}

static int tier_parse(const char *name, const void *context)
{
    const lty_programme_t *programme = context;
    for (uint32_t index = 0; index < programme->tiers_count; index++) {
        if (strcmp(programme->tiers[index].name, name) == 0) return (int)index;
    }
    return -1;
}

static int segment_parse(const char *name, const void *context)
{
    (void)context;
    return lty_analytics_segment_parse(name);
}

static int stage_parse(const char *name, const void *context)
{
    (void)context;
    return lty_analytics_stage_parse(name);
}

static int consent_parse(const char *name, const void *context)
{
    (void)context;
    for (int index = 0; index < 3; index++) {
        if (strcmp(consent_names[index], name) == 0) return index;
    }
    return -1;
}

static int filter_numbers_parse(const lty_json_node_t *node, lty_segment_filter_t *filter,
                                lty_diag_t *diag)
{
    int64_t value = 0;
    bool min_given = false, max_given = false, present = false;
    filter->spend_max_cents = LTY_JSON_INT_MAX;
    int err = lty_json_get_int(node, "/filter", "spend_min_cents", false, 0, LTY_JSON_INT_MAX,
                               &filter->spend_min_cents, &min_given, diag);
    if (err == 0) err = lty_json_get_int(node, "/filter", "spend_max_cents", false, 0,
                                         LTY_JSON_INT_MAX, &filter->spend_max_cents, &max_given,
                                         diag);
    filter->spend_given = min_given || max_given;
    if (err == 0) err = lty_json_get_int(node, "/filter", "window_days", false, 1,
                                         LTY_ANALYTICS_DAYS_MAX, &value, &present, diag);
    if (err == 0 && present) filter->window_days = (uint32_t)value;
    if (err == 0) err = lty_json_get_int(node, "/filter", "birthday_month", false, 1, 12, &value,
                                         &present, diag);
    if (err == 0 && present) filter->birthday_month = (uint8_t)value;
    if (err == 0) err = lty_json_get_string(node, "/filter", "category", false, 1,
                                            LTY_CATEGORY_BYTES_MAX, filter->category,
                                            sizeof(filter->category), &present, diag);
    value = 30;
    if (err == 0) err = lty_json_get_int(node, "/filter", "category_days", false, 1,
                                         LTY_ANALYTICS_DAYS_MAX, &value, NULL, diag);
    if (err == 0 && filter->category[0] != '\0') filter->category_days = (uint32_t)value;
    return err;
}

static int filter_parse(const lty_programme_t *programme, const lty_json_node_t *node,
                        lty_segment_filter_t *filter, lty_diag_t *diag)
{
    static const char *const keys[] = {"rfm_segments", "stages", "tiers", "home_store",
                                       "spend_min_cents", "spend_max_cents", "window_days",
                                       "birthday_month", "category", "category_days", "consent",
                                       NULL};
    memset(filter, 0, sizeof(*filter));
    int err = lty_json_expect_object(node, "/filter", diag);
    if (err == 0) err = lty_json_keys_check(node, "/filter", keys, diag);
    if (err == 0) err = names_parse(node, "rfm_segments", segment_parse, NULL,
                                    LTY_RFM_SEGMENTS_COUNT, &filter->rfm_mask, diag);
    if (err == 0) err = names_parse(node, "stages", stage_parse, NULL, LTY_STAGES_COUNT,
                                    &filter->stage_mask, diag);
    if (err == 0) err = names_parse(node, "tiers", tier_parse, programme, LTY_TIERS_MAX,
                                    &filter->tier_mask, diag);
    if (err == 0) err = names_parse(node, "consent", consent_parse, NULL, 3,
                                    &filter->consent_mask, diag);
    if (err == 0) err = lty_json_get_string(node, "/filter", "home_store", false, 1,
                                            LTY_STORE_ID_BYTES_MAX, filter->home_store,
                                            sizeof(filter->home_store), NULL, diag);
    if (err == 0) err = filter_numbers_parse(node, filter, diag);
    if (err == 0) err = lty_ops_segment_filter_check(filter, diag);
    return err;
}

static void mask_render(lty_json_writer_t *writer, const char *key, uint32_t mask, size_t count,
                        const char *(*name_of)(unsigned int, const void *), const void *context)
{
    if (mask == 0) return;
    lty_jw_key(writer, key);
    lty_jw_array_begin(writer);
    for (unsigned int bit = 0; bit < count; bit++) {
        if ((mask & (1u << bit)) != 0) lty_jw_string(writer, name_of(bit, context));
    }
    lty_jw_array_end(writer);
}

static const char *segment_name_of(unsigned int bit, const void *context)
{
    (void)context;
    return lty_analytics_segment_name(bit);
}

static const char *stage_name_of(unsigned int bit, const void *context)
{
    (void)context;
    return lty_analytics_stage_name(bit);
}

static const char *tier_name_of(unsigned int bit, const void *context)
{
    const lty_programme_t *programme = context;
    return bit < programme->tiers_count ? programme->tiers[bit].name : "?";
}

static const char *consent_name_of(unsigned int bit, const void *context)
{
    (void)context;
    return consent_names[bit];
}

static void filter_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                          const lty_segment_filter_t *filter)
{
    lty_jw_key(writer, "filter");
    lty_jw_object_begin(writer);
    mask_render(writer, "rfm_segments", filter->rfm_mask, LTY_RFM_SEGMENTS_COUNT, segment_name_of,
                NULL);
    mask_render(writer, "stages", filter->stage_mask, LTY_STAGES_COUNT, stage_name_of, NULL);
    mask_render(writer, "tiers", filter->tier_mask, LTY_TIERS_MAX, tier_name_of, programme);
    if (filter->home_store[0] != '\0') lty_jw_kv_string(writer, "home_store", filter->home_store);
    if (filter->spend_given) {
        lty_jw_kv_int(writer, "spend_min_cents", filter->spend_min_cents);
        lty_jw_kv_int(writer, "spend_max_cents", filter->spend_max_cents);
    }
    if (filter->window_days != 0) lty_jw_kv_int(writer, "window_days", filter->window_days);
    if (filter->birthday_month != 0)
        lty_jw_kv_int(writer, "birthday_month", filter->birthday_month);
    if (filter->category[0] != '\0') {
        lty_jw_kv_string(writer, "category", filter->category);
        lty_jw_kv_int(writer, "category_days", filter->category_days);
    }
    mask_render(writer, "consent", filter->consent_mask, 3, consent_name_of, NULL);
    lty_jw_object_end(writer);
}

static void segment_render(lty_json_writer_t *writer, const lty_programme_t *programme,
                           const lty_segment_t *segment)
{
    char created[40];
    lty_clock_format(segment->created_ms, created, sizeof(created));
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "segment_id", (int64_t)segment->segment_id);
    lty_jw_kv_string(writer, "name", segment->name);
    lty_jw_kv_string(writer, "created", created);
    lty_jw_kv_string(writer, "created_by", segment->principal);
    filter_render(writer, programme, &segment->filter);
    lty_jw_object_end(writer);
}

/* ---- Create, list, get -------------------------------------------------------------------- */

typedef struct segment_command_s {
    char name[LTY_SEGMENT_NAME_BYTES_MAX + 1];
    lty_segment_filter_t filter;
} segment_command_t;

static int segment_create_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    const segment_command_t *command = lty_api_job_command(job);
    lty_segment_t segment;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_ops_segment_create(txn, lty_api_job_actor(job), job->now_ms, command->name,
                                     &command->filter, &segment, &diag);
    if (err != 0) return lty_api_job_refuse(job, err, &diag);
    const lty_settings_t *settings = NULL; /* the tier names of this transaction */
    err = lty_api_job_settings(job, txn, &settings);
    if (err != 0) return err;
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    segment_render(&writer, &settings->programme, &segment);
    return lty_api_job_reply(job, 201);
}

int lty_api_admin_segment_create(lty_api_t *api, lty_exchange_t *exchange,
                                 const lty_route_params_t *params)
{
    (void)params;
    static const char *const keys[] = {"name", "filter", NULL};
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    const lty_json_node_t *root = lty_json_doc_root(doc);
    segment_command_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command == NULL ? LTY_E_NOMEM : lty_json_keys_check(root, "", keys, &diag);
    if (err == 0) err = lty_json_get_string(root, "", "name", true, 1, LTY_SEGMENT_NAME_BYTES_MAX,
                                            command->name, sizeof(command->name), NULL, &diag);
    const lty_json_node_t *filter = NULL;
    if (err == 0) err = lty_json_get_object(root, "", "filter", true, &filter, &diag);
    if (err == 0) err = filter_parse(lty__api_programme_now(api), filter, &command->filter, &diag);
    lty_json_doc_free(doc);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty_api_submit(api, exchange, segment_create_apply_cb, command, lty_free);
}

int lty_api_admin_segment_list(lty_api_t *api, lty_exchange_t *exchange,
                               const lty_route_params_t *params)
{
    (void)params;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int64_t after = 0, limit = 50;
    int err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, &after, NULL, &diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, LTY_SEGMENT_PAGE_MAX, &limit, NULL,
                                          &diag);
    if (err != 0) return lty_api_reply_error(exchange, err, &diag);
    lty_ops_segment_page_t *page = lty_alloc(sizeof(*page));
    if (page == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_segment_list(txn, (uint64_t)after, (size_t)limit, page);
    lty_store_txn_abort(txn);
    if (err == 0) {
        lty_json_writer_t writer;
        lty_jw_init(&writer, &exchange->response.body);
        lty_jw_object_begin(&writer);
        lty_jw_key(&writer, "segments");
        lty_jw_array_begin(&writer);
        const lty_programme_t *programme = lty__api_programme_now(api);
        for (size_t index = 0; index < page->segments_count; index++) {
            segment_render(&writer, programme, &page->segments[index]);
        }
        lty_jw_array_end(&writer);
        lty_jw_kv_int(&writer, "next_after", (int64_t)page->next_after);
        lty_jw_object_end(&writer);
    }
    lty_free(page);
    return err == 0 ? lty_api_reply(exchange, 200) : lty_api_reply_error(exchange, err, NULL);
}

/* The segment named by path parameter 0: 0, or LTY_E_NOT_FOUND (also for a malformed id). */
static int segment_load(lty_api_t *api, const lty_route_params_t *params,
                        lty_segment_t *segment_out)
{
    uint64_t segment_id = 0;
    int err = lty_api_parse_id(params->values[0], &segment_id);
    lty_store_txn_t *txn = NULL;
    if (err == 0) err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_segment_get(txn, segment_id, segment_out);
    lty_store_txn_abort(txn);
    return err;
}

int lty_api_admin_segment_get(lty_api_t *api, lty_exchange_t *exchange,
                              const lty_route_params_t *params)
{
    lty_segment_t segment;
    int err = segment_load(api, params, &segment);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    segment_render(&writer, lty__api_programme_now(api), &segment);
    return lty_api_reply(exchange, 200);
}

/* ---- Members ------------------------------------------------------------------------------- */

typedef struct members_command_s {
    lty_segment_t segment;
    int64_t as_of_day;
    int64_t after;
    int64_t limit;
} members_command_t;

static int segment_members_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *command)
{
    const members_command_t *query = command;
    uint64_t *ids = NULL;
    size_t count = 0;
    int err = lty_ops_segment_members(api->store, &lty__api_programme_now(api)->analytics,
                                      &query->segment.filter, query->as_of_day, &ids, &count);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    char as_of[40];
    lty_clock_format(query->as_of_day * LTY_MS_PER_DAY, as_of, sizeof(as_of));
    as_of[10] = '\0';
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_int(&writer, "segment_id", (int64_t)query->segment.segment_id);
    lty_jw_kv_string(&writer, "as_of", as_of);
    lty_jw_kv_int(&writer, "members_count", (int64_t)count);
    lty_jw_key(&writer, "members");
    lty_jw_array_begin(&writer);
    int64_t listed = 0;
    uint64_t next_after = 0;
    for (size_t index = 0; index < count; index++) {
        if (ids[index] <= (uint64_t)query->after) continue;
        if (listed == query->limit) {
            next_after = ids[index - 1];
            break;
        }
        lty_jw_int(&writer, (int64_t)ids[index]);
        listed++;
    }
    lty_jw_array_end(&writer);
    lty_jw_kv_int(&writer, "next_after", (int64_t)next_after);
    lty_jw_object_end(&writer);
    lty_free(ids);
    return lty_api_reply(exchange, 200);
}

int lty_api_admin_segment_members(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    members_command_t *command = lty_calloc(1, sizeof(*command));
    if (command == NULL) return lty_api_reply_error(exchange, LTY_E_NOMEM, NULL);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    char as_of[16] = "";
    bool present = false;
    command->limit = MEMBERS_PAGE_DEFAULT;
    int err = segment_load(api, params, &command->segment);
    if (err == 0) err = lty_api_query_string(exchange, "as_of", as_of, sizeof(as_of), &present,
                                             &diag);
    command->as_of_day = present ? lty_api_date_days(as_of) : lty_clock_day(lty_clock_now_ms());
    if (err == 0 && command->as_of_day < 0) {
        err = lty_diag_set(&diag, LTY_E_INVALID_QUERY, "as_of", "as_of is a date YYYY-MM-DD");
    }
    if (err == 0) err = lty_api_query_int(exchange, "after", 0, LTY_JSON_INT_MAX, &command->after,
                                          NULL, &diag);
    if (err == 0) err = lty_api_query_int(exchange, "limit", 1, MEMBERS_PAGE_MAX, &command->limit,
                                          NULL, &diag);
    if (err != 0) {
        lty_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    return lty__api_analytics_queue(api, exchange, segment_members_work_cb, command, lty_free);
}

/* ---- Runs ---------------------------------------------------------------------------------- */

typedef struct run_command_s {
    uint64_t segment_id;
    lty_ops_run_new_t run_new;
    uint64_t *ids;               /* the snapshot, until handed to the run driver */
    size_t ids_count;
    lty_api_run_coupons_t coupons; /* a small coupon run's codes, minted on the report worker */
} run_command_t;

static void run_command_free(void *pointer)
{
    run_command_t *command = pointer;
    if (command == NULL) return;
    lty_free(command->ids);
    lty__api_run_coupons_free(&command->coupons);
    lty_free(command);
}

static void run_render(lty_json_writer_t *writer, const lty_segment_run_t *run)
{
    static const char *const states[] = {"", "recording", "granting", "done"};
    char created[40];
    lty_clock_format(run->created_ms, created, sizeof(created));
    lty_jw_object_begin(writer);
    lty_jw_kv_int(writer, "run_id", (int64_t)run->run_id);
    lty_jw_kv_int(writer, "segment_id", (int64_t)run->segment_id);
    lty_jw_kv_string(writer, "action", run->action == LTY_RUN_ACTION_BONUS ? "bonus" : "coupon");
    lty_jw_kv_string(writer, "state", states[run->state]);
    lty_jw_kv_string(writer, "created", created);
    lty_jw_kv_string(writer, "created_by", run->principal);
    if (run->action == LTY_RUN_ACTION_COUPON) {
        lty_jw_kv_int(writer, "campaign_id", (int64_t)lty__api_run_campaign(run));
    } else {
        lty_jw_kv_int(writer, "points", run->points);
    }
    lty_jw_kv_string(writer, "reason", run->reason);
    lty_jw_kv_bool(writer, "marketing", run->marketing != 0);
    lty_jw_kv_int(writer, "holdout_percent", run->holdout_percent);
    lty_jw_kv_int(writer, "members", (int64_t)run->members_count);
    lty_jw_kv_int(writer, "recorded", (int64_t)run->recorded_count);
    lty_jw_kv_int(writer, "holdout", (int64_t)run->holdout_count);
    lty_jw_kv_int(writer, "skipped", (int64_t)run->skipped_count);
    lty_jw_kv_int(writer, "granted", (int64_t)run->granted_count);
    lty_jw_object_end(writer);
}

/* Writer thread: create the run (or find the one of this key) and hand its snapshot on. */
static int run_create_apply_cb(lty_job_t *job, lty_store_txn_t *txn)
{
    run_command_t *command = lty_api_job_command(job);
    lty_api_t *api = lty_api_job_api(job);
    lty_segment_run_t run;
    bool created = false;
    int err = lty_ops_run_create(txn, lty_api_job_actor(job), job->now_ms, command->segment_id,
                                 &command->run_new, command->ids_count, &run, &created);
    if (err != 0) return lty_api_job_refuse(job, err, NULL);
    if (created && run.state != LTY_RUN_DONE && command->ids_count <= LTY_RUN_STEP_MEMBERS_MAX) {
        /* A small run is one step's work: recorded and granted in this transaction, so the
         * answer shows it done. */
        const lty_settings_t *settings = NULL; /* the programme of this transaction */
        err = lty_api_job_settings(job, txn, &settings);
        if (err != 0) return err;
        err = lty_ops_run_record(txn, job->now_ms, run.run_id, command->ids, command->ids_count,
                                 &run);
        bool coupon = run.action == LTY_RUN_ACTION_COUPON;
        command->coupons.actor = lty_api_job_actor(job);
        command->coupons.used = 0; /* a batch applied again hands the same codes out again */
        if (err == 0) err = lty_ops_run_grant(txn, lty_api_job_actor(job), &settings->programme,
                                              job->now_ms, run.run_id, LTY_RUN_STEP_MEMBERS_MAX,
                                              coupon ? lty__api_run_coupon_grant : NULL,
                                              coupon ? &command->coupons : NULL, &run);
        if (err != 0) return lty_api_job_refuse(job, err, NULL);
    } else if (created && run.state != LTY_RUN_DONE && command->ids != NULL && !job->dry_run) {
        /* Its steps are jobs of later batches: this one commits first (or fails, and the first
         * step then finds no run and stops). */
        lty__api_run_drive(api, run.run_id, command->ids, command->ids_count);
        command->ids = NULL;
    }
    lty_json_writer_t writer;
    lty_jw_init(&writer, job->body);
    run_render(&writer, &run);
    return lty_api_job_reply(job, created ? 201 : 200);
}

static int run_work_cb(lty_api_t *api, lty_exchange_t *exchange, void *pointer)
{
    run_command_t *command = pointer;
    lty_segment_t segment;
    lty_segment_run_t existing;
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_segment_get(txn, command->segment_id, &segment);
    int found = err == 0 ? lty_ops_run_find(txn, command->segment_id, command->run_new.key,
                                            &existing)
                         : err;
    lty_store_txn_abort(txn);
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    if (found == LTY_E_NOT_FOUND) { /* a new run: its snapshot, as of now */
        err = lty_ops_segment_members(api->store, &lty__api_programme_now(api)->analytics,
                                      &segment.filter, lty_clock_day(lty_clock_now_ms()),
                                      &command->ids, &command->ids_count);
    }
    if (err == 0 && found == LTY_E_NOT_FOUND &&
        command->run_new.action == LTY_RUN_ACTION_COUPON) {
        /* The campaign may issue; a run of one step gets its codes now (signed here, never on
         * the writer); a larger one per step, on the run driver. */
        size_t count = command->ids_count <= LTY_RUN_STEP_MEMBERS_MAX ? command->ids_count : 0;
        lty_segment_run_t probe = {0};
        memcpy(probe.ref, command->run_new.ref, sizeof(probe.ref));
        err = lty__api_run_coupons_mint(api, lty__api_run_campaign(&probe), count,
                                        &command->coupons);
    }
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    return lty_api_submit(api, exchange, run_create_apply_cb, command, run_command_free);
}

static int run_body_parse(const lty_json_node_t *root, lty_ops_run_new_t *run_new,
                          lty_diag_t *diag)
{
    static const char *const keys[] = {"action",    "points",   "campaign_id", "reason",
                                       "holdout_percent", "marketing", NULL};
    char action[16] = "";
    int64_t holdout = 0, campaign_id = 0;
    bool marketing = true, coupon = false;
    int err = lty_json_keys_check(root, "", keys, diag);
    if (err == 0) err = lty_json_get_string(root, "", "action", true, 1, 15, action,
                                            sizeof(action), NULL, diag);
    if (err == 0) {
        coupon = strcmp(action, "coupon") == 0;
        if (!coupon && strcmp(action, "bonus") != 0) {
            err = lty_diag_set(diag, LTY_E_INVALID_FIELD, "/action", "action is bonus or coupon");
        }
    }
    run_new->action = coupon ? LTY_RUN_ACTION_COUPON : LTY_RUN_ACTION_BONUS;
    /* A bonus: points and a reason; a coupon: one of campaign_id's coupons. */
    if (err == 0) err = lty_json_get_int(root, "", "points", !coupon, 1, LTY_POINTS_PER_TXN_MAX,
                                         &run_new->points, NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "campaign_id", coupon, 1, UINT32_MAX,
                                         &campaign_id, NULL, diag);
    if (err == 0 && (coupon ? run_new->points != 0 : campaign_id != 0)) {
        err = lty_diag_set(diag, LTY_E_INVALID_FIELD, coupon ? "/points" : "/campaign_id",
                           "a %s run takes no %s", action, coupon ? "points" : "campaign_id");
    }
    if (err == 0) err = lty_json_get_string(root, "", "reason", !coupon, 1, LTY_REASON_BYTES_MAX,
                                            run_new->reason, sizeof(run_new->reason), NULL, diag);
    if (err == 0) err = lty_json_get_int(root, "", "holdout_percent", false, 0,
                                         LTY_RUN_HOLDOUT_PERCENT_MAX, &holdout, NULL, diag);
    if (err == 0) err = lty_json_get_bool(root, "", "marketing", false, &marketing, NULL, diag);
    if (coupon) snprintf(run_new->ref, sizeof(run_new->ref), "%" PRId64, campaign_id);
    run_new->holdout_percent = (uint32_t)holdout;
    run_new->marketing = marketing;
    return err;
}

int lty_api_admin_segment_run_create(lty_api_t *api, lty_exchange_t *exchange,
                                     const lty_route_params_t *params)
{
    lty_json_doc_t *doc = NULL;
    if (lty_api_body_parse(exchange, &doc) != 0) return LTY_API_DONE;
    run_command_t *command = lty_calloc(1, sizeof(*command));
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = command == NULL ? LTY_E_NOMEM
                              : run_body_parse(lty_json_doc_root(doc), &command->run_new, &diag);
    lty_json_doc_free(doc);
    if (err == 0 && lty_api_parse_id(params->values[0], &command->segment_id) != 0) {
        err = LTY_E_NOT_FOUND;
    }
    if (err != 0) {
        run_command_free(command);
        return lty_api_reply_error(exchange, err, &diag);
    }
    snprintf(command->run_new.key, sizeof(command->run_new.key), "%s",
             exchange->request.idempotency_key);
    return lty__api_analytics_queue(api, exchange, run_work_cb, command, run_command_free);
}

int lty_api_admin_segment_run_get(lty_api_t *api, lty_exchange_t *exchange,
                                  const lty_route_params_t *params)
{
    uint64_t segment_id = 0, run_id = 0;
    lty_segment_run_t run;
    int err = lty_api_parse_id(params->values[0], &segment_id);
    if (err == 0) err = lty_api_parse_id(params->values[1], &run_id);
    lty_store_txn_t *txn = NULL;
    if (err == 0) err = lty_store_read_begin(api->store, &txn);
    if (err == 0) err = lty_ops_run_get(txn, run_id, &run);
    lty_store_txn_abort(txn);
    if (err == 0 && run.segment_id != segment_id) err = LTY_E_NOT_FOUND;
    if (err != 0) return lty_api_reply_error(exchange, err, NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &exchange->response.body);
    run_render(&writer, &run);
    return lty_api_reply(exchange, 200);
}
