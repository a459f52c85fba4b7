/* SPDX-License-Identifier: MIT */
/* loyaltyctl coupons and gifts: thin commands over the admin API (docs/coupons.md).
 * Terms are passed as the API's own JSON (`coupons create '{...}'`), so the CLI never lags
 * behind the contract. `coupons codes --count N --out FILE.csv` pages: the daemon mints at most
 * LTY_COUPON_ISSUE_MAX codes a request, request i carrying the idempotency key "<base>-<i>", so
 * a re-run with the same --idempotency-key after a failure writes the same codes instead of
 * minting new ones. The reports (`report coupons`, `report gifts`) are cmd_report.c's. */
#include "cli.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The positional id args[index], or a usage error. */
static bool id_arg(const lty_cli_t *cli, int index, const char *name, uint64_t *id_out)
{
    if (index < cli->args_count && lty_cli_parse_id(cli->args[index], id_out)) return true;
    lty_cli_usage_error(cli, "%s must be a positive integer", name);
    return false;
}

/* A changing request with a JSON text as its body (NULL: none), printed. */
static int send_text(const lty_cli_t *cli, const char *method, const char *path, const char *text)
{
    if (text == NULL) {
        lty_cli_call_t call = {.method = method, .path = path, .mutating = true};
        return lty_cli_api_call(cli, &call);
    }
    lty_buf_t body;
    lty_buf_init(&body, LTY_HTTP_BODY_BYTES_MAX);
    lty_buf_append_str(&body, text);
    return lty_cli_api_send(cli, method, path, &body);
}

/* ---- The table: lists, and requests about one id -------------------------------------------- */

#define LIST_QUERY_MAX 2 /* the query parameters a list takes at the most */

/* A list read with GET path, the options given passed on as query parameters (in this order),
 * printed with list_key naming its array. */
typedef struct list_s {
    const char *path;
    const char *list_key;
    struct {
        lty_cli_option_t option;
        const char *name;       /* NULL: no more */
    } query[LIST_QUERY_MAX];
} list_t;

enum { LIST_CAMPAIGNS, LIST_OFFERS, LIST_CONFLICTS, LIST_GIFTS, LIST_REDEMPTIONS };

static const list_t lists[] = {
    [LIST_CAMPAIGNS] = {.path = "/v1/admin/coupon-campaigns", .list_key = "campaigns",
                        .query = {{LTY_OPT_AFTER, "after"}, {LTY_OPT_LIMIT, "limit"}}},
    [LIST_OFFERS] = {.path = "/v1/admin/coupon-offers", .list_key = "offers"},
    [LIST_CONFLICTS] = {.path = "/v1/admin/coupon-conflicts", .list_key = "conflicts",
                        .query = {{LTY_OPT_STORE, "store"}}},
    [LIST_GIFTS] = {.path = "/v1/admin/gifts", .list_key = "gifts"},
    [LIST_REDEMPTIONS] = {.path = "/v1/admin/gift-redemptions", .list_key = "redemptions",
                          .query = {{LTY_OPT_AFTER, "after"}, {LTY_OPT_MEMBER, "member_id"}}},
};

static int list_get(const lty_cli_t *cli, const list_t *list)
{
    char path[192];
    snprintf(path, sizeof(path), "%s", list->path);
    for (size_t index = 0; index < LIST_QUERY_MAX && list->query[index].name != NULL; index++) {
        const char *value = lty_cli_opt(cli, list->query[index].option);
        if (value != NULL) lty_cli_query_add(path, sizeof(path), list->query[index].name, value);
    }
    lty_cli_call_t call = {.method = "GET", .path = path, .list_key = list->list_key};
    return lty_cli_api_call(cli, &call);
}

/* A request about the id in args[0]: method prefix/ID[suffix] with a fixed JSON body (NULL:
 * none), printed (list_key names the array of a list). */
typedef struct id_call_s {
    const char *method;
    const char *id_name;    /* "CAMPAIGN_ID": the usage error's word */
    const char *prefix;
    const char *suffix;
    const char *body;
    const char *list_key;
} id_call_t;

enum {
    CALL_CAMPAIGN_SHOW, CALL_CAMPAIGN_PAUSE, CALL_CAMPAIGN_RESUME, CALL_CAMPAIGN_END,
    CALL_WALLET, CALL_GIFT_SHOW, CALL_GIFT_WITHDRAW, CALL_REDEMPTION_CANCEL
};

#define CAMPAIGNS_PATH "/v1/admin/coupon-campaigns/"
static const id_call_t id_calls[] = {
    [CALL_CAMPAIGN_SHOW] = {"GET", "CAMPAIGN_ID", CAMPAIGNS_PATH, "", NULL, NULL},
    [CALL_CAMPAIGN_PAUSE] = {"PATCH", "CAMPAIGN_ID", CAMPAIGNS_PATH, "",
                             "{\"status\":\"paused\"}", NULL},
    [CALL_CAMPAIGN_RESUME] = {"PATCH", "CAMPAIGN_ID", CAMPAIGNS_PATH, "",
                              "{\"status\":\"active\"}", NULL},
    [CALL_CAMPAIGN_END] = {"PATCH", "CAMPAIGN_ID", CAMPAIGNS_PATH, "",
                           "{\"status\":\"ended\"}", NULL},
    [CALL_WALLET] = {"GET", "MEMBER_ID", "/v1/admin/members/", "/coupons", NULL, "coupons"},
    [CALL_GIFT_SHOW] = {"GET", "GIFT_ID", "/v1/admin/gifts/", "", NULL, NULL},
    [CALL_GIFT_WITHDRAW] = {"PATCH", "GIFT_ID", "/v1/admin/gifts/", "", "{\"active\":false}",
                            NULL},
    [CALL_REDEMPTION_CANCEL] = {"POST", "REDEMPTION_ID", "/v1/admin/gift-redemptions/",
                                "/cancel", NULL, NULL},
};
#undef CAMPAIGNS_PATH

static int id_call(const lty_cli_t *cli, const id_call_t *call)
{
    uint64_t id = 0;
    if (!id_arg(cli, 0, call->id_name, &id)) return LTY_CLI_EXIT_USAGE;
    char path[160];
    snprintf(path, sizeof(path), "%s%" PRIu64 "%s", call->prefix, id, call->suffix);
    if (strcmp(call->method, "GET") != 0) return send_text(cli, call->method, path, call->body);
    lty_cli_call_t get = {.method = "GET", .path = path, .list_key = call->list_key};
    return lty_cli_api_call(cli, &get);
}

/* A POST naming two ids (args[0] and args[1]): to prefix/ID0/suffix (suffix NULL: to prefix
 * alone), with the body {keys[0]: ID0 (when named), keys[1]: ID1, option_key: the option (when
 * given)} in a buffer of body_size bytes (a longer option is a usage error). */
typedef struct pair_call_s {
    const char *id_names[2];
    const char *prefix;
    const char *suffix;
    const char *keys[2];
    lty_cli_option_t option;
    const char *option_key; /* NULL: the body takes no option */
    size_t body_size;
} pair_call_t;

enum { PAIR_OFFER, PAIR_VOUCHER, PAIR_REDEEM };

static const pair_call_t pair_calls[] = {
    [PAIR_OFFER] = {{"CAMPAIGN_ID", "POINTS"}, "/v1/admin/coupon-offers", NULL,
                    {"campaign_id", "points_price"}, LTY_OPT_NAME, "name", 1024},
    [PAIR_VOUCHER] = {.id_names = {"MEMBER_ID", "OFFER_ID"}, .prefix = "/v1/admin/members/",
                      .suffix = "/vouchers", .keys = {NULL, "offer_id"}, .body_size = 64},
    [PAIR_REDEEM] = {{"MEMBER_ID", "GIFT_ID"}, "/v1/admin/members/", "/gift-redemptions",
                     {NULL, "gift_id"}, LTY_OPT_STORE, "store", 256},
};

static int pair_call(const lty_cli_t *cli, const pair_call_t *call)
{
    uint64_t ids[2] = {0, 0};
    if (!id_arg(cli, 0, call->id_names[0], &ids[0]) ||
        !id_arg(cli, 1, call->id_names[1], &ids[1])) {
        return LTY_CLI_EXIT_USAGE;
    }
    char path[96];
    if (call->suffix == NULL) {
        snprintf(path, sizeof(path), "%s", call->prefix);
    } else {
        snprintf(path, sizeof(path), "%s%" PRIu64 "%s", call->prefix, ids[0], call->suffix);
    }
    lty_buf_t body;
    lty_buf_init(&body, call->body_size);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    for (size_t index = 0; index < 2; index++) {
        if (call->keys[index] == NULL) continue;
        lty_jw_kv_int(&writer, call->keys[index], (int64_t)ids[index]);
    }
    const char *value = call->option_key != NULL ? lty_cli_opt(cli, call->option) : NULL;
    if (value != NULL) lty_jw_kv_string(&writer, call->option_key, value);
    lty_jw_object_end(&writer);
    return lty_cli_api_send(cli, "POST", path, &body);
}

/* ---- Campaigns ------------------------------------------------------------------------------ */

int lty_cli_coupons_create(lty_cli_t *cli)
{
    return send_text(cli, "POST", "/v1/admin/coupon-campaigns", cli->args[0]);
}

int lty_cli_coupons_list(lty_cli_t *cli)
{
    return list_get(cli, &lists[LIST_CAMPAIGNS]);
}

int lty_cli_coupons_show(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_CAMPAIGN_SHOW]);
}

int lty_cli_coupons_pause(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_CAMPAIGN_PAUSE]);
}

int lty_cli_coupons_resume(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_CAMPAIGN_RESUME]);
}

int lty_cli_coupons_end(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_CAMPAIGN_END]);
}

/* One request of up to LTY_COUPON_ISSUE_MAX codes, appended to out as CSV lines. */
static int codes_chunk(const lty_cli_t *cli, uint64_t campaign_id, const char *key,
                       int64_t count, FILE *out)
{
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/coupon-campaigns/%" PRIu64 "/codes", campaign_id);
    lty_buf_t body, response;
    lty_buf_init(&body, 64);
    lty_buf_appendf(&body, "{\"count\":%" PRId64 "}", count);
    lty_buf_init(&response, 32 * 1024);
    lty_cli_call_t call = {.method = "POST", .path = path, .body = &body, .mutating = true,
                           .idempotency_key = key, .response_out = &response};
    int exit_code = lty_cli_api_call(cli, &call);
    lty_json_doc_t *doc = NULL;
    lty_diag_t diag;
    if (exit_code == LTY_CLI_EXIT_OK &&
        lty_json_parse(response.data, response.size, 8, &doc, &diag) != 0) {
        exit_code = lty_cli_fail("coupons codes: the daemon's answer is not JSON");
    }
    const lty_json_node_t *root = doc != NULL ? lty_json_doc_root(doc) : NULL;
    const lty_json_node_t *codes = root != NULL ? lty_json_member(root, "codes") : NULL;
    const char *expires = root != NULL ? lty_json_node_string(lty_json_member(root, "expires_at"))
                                       : NULL;
    size_t found = codes != NULL ? lty_json_count(codes) : 0;
    if (exit_code == LTY_CLI_EXIT_OK && found != (size_t)count) {
        exit_code = lty_cli_fail("coupons codes: asked for %" PRId64 " codes, got %zu", count,
                                 found);
    }
    for (size_t index = 0; exit_code == LTY_CLI_EXIT_OK && index < found; index++) {
        const char *code = lty_json_node_string(lty_json_item(codes, index));
        if (code == NULL || fprintf(out, "%s,%" PRIu64 ",%s\n", code, campaign_id,
                                    expires != NULL ? expires : "") < 0) {
            exit_code = lty_cli_fail("coupons codes: cannot write a code");
        }
    }
    lty_json_doc_free(doc);
    lty_buf_deinit(&response);
    lty_buf_deinit(&body);
    return exit_code;
}

int lty_cli_coupons_codes(lty_cli_t *cli)
{
    int64_t campaign = 0, count = 0;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_CAMPAIGN, 1, UINT32_MAX, &campaign);
    if (exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_opt_int(cli, LTY_OPT_CARDS_COUNT, 1, LTY_COUPON_ISSUE_CLI_MAX, &count);
    }
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    uint64_t campaign_id = (uint64_t)campaign;
    if (cli->args_count == 1 && !id_arg(cli, 0, "CAMPAIGN_ID", &campaign_id)) {
        return LTY_CLI_EXIT_USAGE;
    }
    if (campaign_id == 0) return lty_cli_usage_error(cli, "name the campaign");
    char base[LTY_IDEMPOTENCY_KEY_BYTES_MAX - 8 + 1];
    const char *given = lty_cli_opt(cli, LTY_OPT_IDEMPOTENCY_KEY);
    if (given != NULL) {
        snprintf(base, sizeof(base), "%s", given);
    } else {
        exit_code = lty_cli_key_new(cli, "", base, sizeof(base));
        if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    }
    const char *path = lty_cli_opt(cli, LTY_OPT_OUT);
    FILE *out = fopen(path, "w");
    if (out == NULL) return lty_cli_fail("cannot create %s", path);
    exit_code = fprintf(out, "code,campaign_id,expires_at\n") < 0 ? LTY_CLI_EXIT_FAILED
                                                                  : LTY_CLI_EXIT_OK;
    int64_t done = 0;
    for (int64_t chunk = 0; exit_code == LTY_CLI_EXIT_OK && done < count; chunk++) {
        int64_t size = count - done < LTY_COUPON_ISSUE_MAX ? count - done : LTY_COUPON_ISSUE_MAX;
        char key[LTY_IDEMPOTENCY_KEY_BYTES_MAX + 32];
        snprintf(key, sizeof(key), "%s-%" PRId64, base, chunk);
        exit_code = codes_chunk(cli, campaign_id, key, size, out);
        if (exit_code == LTY_CLI_EXIT_OK) done += size;
    }
    if (fclose(out) != 0 && exit_code == LTY_CLI_EXIT_OK) {
        exit_code = lty_cli_fail("cannot write %s", path);
    }
    if (exit_code == LTY_CLI_EXIT_OK) {
        printf("%" PRId64 " codes of campaign %" PRIu64 " written to %s\n", count, campaign_id,
               path);
    } else if (given == NULL) {
        fprintf(stderr, "loyaltyctl: %" PRId64 " codes written; to finish without minting them "
                        "again, re-run with --idempotency-key %s\n", done, base);
    }
    return exit_code;
}

int lty_cli_coupons_issue(lty_cli_t *cli)
{
    uint64_t campaign_id = 0;
    if (!id_arg(cli, 0, "CAMPAIGN_ID", &campaign_id)) return LTY_CLI_EXIT_USAGE;
    lty_buf_t body;
    lty_buf_init(&body, 4096);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_key(&writer, "member_ids");
    lty_jw_array_begin(&writer);
    for (int index = 1; index < cli->args_count; index++) {
        uint64_t member_id = 0;
        if (!id_arg(cli, index, "MEMBER_ID", &member_id)) {
            lty_buf_deinit(&body);
            return LTY_CLI_EXIT_USAGE;
        }
        lty_jw_int(&writer, (int64_t)member_id);
    }
    lty_jw_array_end(&writer);
    const char *issue_key = lty_cli_opt(cli, LTY_OPT_ISSUE_KEY);
    if (issue_key != NULL) lty_jw_kv_string(&writer, "issue_key", issue_key);
    lty_jw_object_end(&writer);
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/coupon-campaigns/%" PRIu64 "/issues", campaign_id);
    return lty_cli_api_send(cli, "POST", path, &body);
}

int lty_cli_coupons_wallet(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_WALLET]);
}

int lty_cli_coupons_offer(lty_cli_t *cli)
{
    return pair_call(cli, &pair_calls[PAIR_OFFER]);
}

int lty_cli_coupons_offers(lty_cli_t *cli)
{
    return list_get(cli, &lists[LIST_OFFERS]);
}

int lty_cli_coupons_voucher(lty_cli_t *cli)
{
    return pair_call(cli, &pair_calls[PAIR_VOUCHER]);
}

int lty_cli_coupons_conflicts(lty_cli_t *cli)
{
    return list_get(cli, &lists[LIST_CONFLICTS]);
}

/* ---- Gifts ---------------------------------------------------------------------------------- */

int lty_cli_gifts_create(lty_cli_t *cli)
{
    return send_text(cli, "POST", "/v1/admin/gifts", cli->args[0]);
}

int lty_cli_gifts_list(lty_cli_t *cli)
{
    return list_get(cli, &lists[LIST_GIFTS]);
}

int lty_cli_gifts_show(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_GIFT_SHOW]);
}

int lty_cli_gifts_stock(lty_cli_t *cli)
{
    uint64_t gift_id = 0, units = 0;
    if (!id_arg(cli, 0, "GIFT_ID", &gift_id) || !id_arg(cli, 1, "UNITS", &units)) {
        return LTY_CLI_EXIT_USAGE;
    }
    lty_buf_t body;
    lty_buf_init(&body, 256);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    const char *store = lty_cli_opt(cli, LTY_OPT_STORE);
    if (store != NULL) { /* a per-store gift: that store's stock */
        lty_jw_key(&writer, "store_stock");
        lty_jw_array_begin(&writer);
        lty_jw_object_begin(&writer);
        lty_jw_kv_string(&writer, "store", store);
        lty_jw_kv_int(&writer, "stock", (int64_t)units);
        lty_jw_object_end(&writer);
        lty_jw_array_end(&writer);
    } else {
        lty_jw_kv_int(&writer, "stock", (int64_t)units);
    }
    lty_jw_object_end(&writer);
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/gifts/%" PRIu64, gift_id);
    return lty_cli_api_send(cli, "PATCH", path, &body);
}

int lty_cli_gifts_withdraw(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_GIFT_WITHDRAW]);
}

int lty_cli_gifts_redeem(lty_cli_t *cli)
{
    return pair_call(cli, &pair_calls[PAIR_REDEEM]);
}

int lty_cli_gifts_redemptions(lty_cli_t *cli)
{
    return list_get(cli, &lists[LIST_REDEMPTIONS]);
}

int lty_cli_gifts_cancel(lty_cli_t *cli)
{
    return id_call(cli, &id_calls[CALL_REDEMPTION_CANCEL]);
}
