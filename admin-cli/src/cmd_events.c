/* SPDX-License-Identifier: MIT */
/* loyaltyctl event feed and webhook commands over the admin API (docs/replication.md):
 * `events list [--after SEQ] [--limit N]` pages the journal as events (GET /v1/admin/events;
 * the next page starts after the next_after printed), and the webhook subscriptions: `webhook
 * add URL --types a,b [--after-seq N]` (the signing secret is in this answer only), `webhook
 * list`, `webhook deliveries ID` and `webhook dead-letters ID` (newest first), and `webhook
 * replay ID --after-seq N` (the subscription's events after N are sent again). */
#include "cli.h"
#include "lty/lty_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SEQ_MAX INT64_C(9007199254740991) /* a sequence: a JSON-safe integer */
#define TYPES_BYTES_MAX 255                /* the daemon's limit on a subscription's types */

enum { READ_EVENTS, READ_WEBHOOKS, READ_DELIVERIES, READ_DEAD_LETTERS };

static const lty_cli_read_t reads[] = {
    [READ_EVENTS] = {.path = "/v1/admin/events", .list_key = "events",
                     .query = {{LTY_OPT_AFTER, "after", 0, SEQ_MAX - 1},
                               {LTY_OPT_LIMIT, "limit", 1, 200}}},
    [READ_WEBHOOKS] = {.path = "/v1/admin/webhooks", .list_key = "subscriptions"},
    [READ_DELIVERIES] = {.path = "/v1/admin/webhooks/{}/deliveries",
                         .id_names = {"SUBSCRIPTION_ID"}, .list_key = "deliveries"},
    [READ_DEAD_LETTERS] = {.path = "/v1/admin/webhooks/{}/dead-letters",
                           .id_names = {"SUBSCRIPTION_ID"}, .list_key = "dead_letters"},
};

int lty_cli_events_list(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_EVENTS]);
}

int lty_cli_webhook_list(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_WEBHOOKS]);
}

int lty_cli_webhook_deliveries(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_DELIVERIES]);
}

int lty_cli_webhook_dead_letters(lty_cli_t *cli)
{
    return lty_cli_read(cli, &reads[READ_DEAD_LETTERS]);
}

/* {"url", "event_types":[--types split at commas], "after_seq" when given}. */
int lty_cli_webhook_add(lty_cli_t *cli)
{
    int64_t after_seq = -1;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_AFTER_SEQ, 0, SEQ_MAX, &after_seq);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    const char *types = lty_cli_opt(cli, LTY_OPT_TYPES);
    if (strlen(types) > TYPES_BYTES_MAX) {
        return lty_cli_usage_error(cli, "--types takes at most %d bytes", TYPES_BYTES_MAX);
    }
    lty_buf_t body;
    lty_buf_init(&body, 2048);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &body);
    lty_jw_object_begin(&writer);
    lty_jw_kv_string(&writer, "url", cli->args[0]);
    lty_jw_key(&writer, "event_types");
    lty_jw_array_begin(&writer);
    for (const char *item = types; *item != '\0';) {
        const char *comma = strchr(item, ',');
        size_t size = comma != NULL ? (size_t)(comma - item) : strlen(item);
        char type[TYPES_BYTES_MAX + 1];
        memcpy(type, item, size);
        type[size] = '\0';
        lty_jw_string(&writer, type); /* an empty one is the daemon's to refuse */
        item += size + (comma != NULL ? 1 : 0);
    }
    lty_jw_array_end(&writer);
    if (after_seq >= 0) lty_jw_kv_int(&writer, "after_seq", after_seq);
    lty_jw_object_end(&writer);
    exit_code = lty_cli_api_send(cli, "POST", "/v1/admin/webhooks", &body);
    if (exit_code == LTY_CLI_EXIT_OK) {
        fprintf(stderr, "loyaltyctl: keep the secret: it signs every delivery and is never "
                        "shown again\n");
    }
    return exit_code;
}

int lty_cli_webhook_replay(lty_cli_t *cli)
{
    uint64_t subscription_id = 0;
    if (!lty_cli_parse_id(cli->args[0], &subscription_id)) {
        return lty_cli_usage_error(cli, "SUBSCRIPTION_ID must be a positive integer");
    }
    int64_t after_seq = 0;
    int exit_code = lty_cli_opt_int(cli, LTY_OPT_AFTER_SEQ, 0, SEQ_MAX, &after_seq);
    if (exit_code != LTY_CLI_EXIT_OK) return exit_code;
    lty_buf_t body;
    lty_buf_init(&body, 64);
    lty_buf_appendf(&body, "{\"after_seq\":%" PRId64 "}", after_seq);
    char path[96];
    snprintf(path, sizeof(path), "/v1/admin/webhooks/%" PRIu64 "/replay", subscription_id);
    return lty_cli_api_send(cli, "POST", path, &body);
}
