/* SPDX-License-Identifier: MIT */
/* The programme: its fields, their defaults and ranges, and its strict JSON form in META.
 * Every field is described once, in the table below, so parse, render and range checks cannot
 * drift apart. Not here: the rules that use the fields (ledger.c). */
#include "programme.h"
#include "calendar.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"
#include "records.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef enum field_type { FIELD_INT, FIELD_BOOL, FIELD_TEXT } field_type_t;

typedef struct field_s {
    const char *key;
    field_type_t type;
    size_t offset;
    int64_t min;     /* FIELD_INT: range; FIELD_TEXT: byte length range */
    int64_t max;
    bool digits;     /* FIELD_TEXT: digits only (else upper-case letters) */
} field_t;

#define INT_FIELD(name, min, max)                                                              \
    {#name, FIELD_INT, offsetof(lty_programme_t, name), (min), (max), false}
#define BOOL_FIELD(name) {#name, FIELD_BOOL, offsetof(lty_programme_t, name), 0, 1, false}

static const field_t fields[] = {
    {"currency", FIELD_TEXT, offsetof(lty_programme_t, currency), 3, 3, false},
    {"card_prefix", FIELD_TEXT, offsetof(lty_programme_t, card_prefix), 1,
     LTY_PROGRAMME_CARD_PREFIX_BYTES_MAX, true},
    INT_FIELD(earn_cents_per_point, 1, LTY_PROGRAMME_CENTS_PER_POINT_MAX),
    INT_FIELD(redeem_cents_per_point, 1, LTY_PROGRAMME_CENTS_PER_POINT_MAX),
    BOOL_FIELD(earn_on_redeemed_part),
    INT_FIELD(points_lot_days, 1, LTY_PROGRAMME_DAYS_MAX),
    INT_FIELD(card_valid_days, 1, LTY_PROGRAMME_DAYS_MAX),
    INT_FIELD(prepaid_balance_cents_max, 0, LTY_PREPAID_BALANCE_CENTS_MAX),
    INT_FIELD(topup_cents_max, 0, LTY_PREPAID_CENTS_PER_TXN_MAX),
    INT_FIELD(pin_required_above_cents, 0, LTY_PREPAID_BALANCE_CENTS_MAX),
    INT_FIELD(void_window_ms, 0, LTY_MS_PER_DAY),
    INT_FIELD(points_negative_floor, -LTY_POINTS_BALANCE_MAX, 0),
    BOOL_FIELD(card_extend_on_activity),
    INT_FIELD(tier_grace_days, 0, LTY_PROGRAMME_DAYS_MAX),
    INT_FIELD(version, 1, LTY_JSON_INT_MAX),
    INT_FIELD(points_expiry_months, 0, LTY_PROGRAMME_EXPIRY_MONTHS_MAX),
    INT_FIELD(points_per_sale_max, 1, LTY_POINTS_PER_TXN_MAX),
    INT_FIELD(commission_sale_basis_points, 0, LTY_PROGRAMME_COMMISSION_BASIS_POINTS_MAX),
    INT_FIELD(commission_card_cents, 0, LTY_PROGRAMME_COMMISSION_CENTS_MAX),
    INT_FIELD(commission_topup_cents, 0, LTY_PROGRAMME_COMMISSION_CENTS_MAX),
    INT_FIELD(birthday_bonus_points, 0, LTY_POINTS_PER_TXN_MAX),
};
#define FIELDS_COUNT (sizeof(fields) / sizeof(fields[0]))

/* minor_unit is an int, handled beside the table: it is the only field of that width. */
#define MINOR_UNIT_MAX 4

/* ---- Tiers (an array, so parsed beside the table) -------------------------------------- */

static void tiers_demo(lty_programme_t *programme)
{
    static const lty_programme_tier_t demo[] = {
        {"Member", 0, 100},
        {"Silver", INT64_C(1000000), 125},   /* 10,000.00 in 12 months */
        {"Gold", INT64_C(5000000), 150},     /* 50,000.00 */
        {"Platinum", INT64_C(20000000), 200}, /* 200,000.00 */
    };
    _Static_assert(sizeof(demo) / sizeof(demo[0]) <= LTY_TIERS_MAX, "demo tiers fit");
    LTY_ASSERT(programme != NULL);
    programme->tier_grace_days = 90;
    programme->tier_basis = LTY_TIER_BASIS_SPEND;
    programme->tiers_count = (uint32_t)(sizeof(demo) / sizeof(demo[0]));
    memcpy(programme->tiers, demo, sizeof(demo));
}

static bool tiers_valid(const lty_programme_t *programme)
{
    LTY_ASSERT(programme != NULL);
    LTY_ASSERT(LTY_TIERS_MAX >= 1);
    if (programme->tiers_count < 1 || programme->tiers_count > LTY_TIERS_MAX) return false;
    if (programme->tier_basis != LTY_TIER_BASIS_SPEND &&
        programme->tier_basis != LTY_TIER_BASIS_POINTS) {
        return false;
    }
    for (uint32_t index = 0; index < programme->tiers_count; index++) {
        const lty_programme_tier_t *tier = &programme->tiers[index];
        size_t size = strnlen(tier->name, sizeof(tier->name));
        if (size == 0 || size > LTY_TIER_NAME_BYTES_MAX) return false;
        if (tier->earn_percent < 0 || tier->earn_percent > LTY_PROGRAMME_EARN_PERCENT_MAX) {
            return false;
        }
        if (index == 0 && tier->threshold != 0) return false;
        if (index > 0 && (tier->threshold <= programme->tiers[index - 1].threshold ||
                          tier->threshold > LTY_PROGRAMME_TIER_THRESHOLD_MAX)) {
            return false;
        }
    }
    return true;
}

static int tier_parse(const lty_json_node_t *node, size_t index, lty_programme_tier_t *tier,
                      lty_diag_t *diag)
{
    static const char *const keys[] = {"name", "threshold", "earn_percent", NULL};
    char path[32];
    snprintf(path, sizeof(path), "/tiers/%zu", index);
    int err = lty_json_expect_object(node, path, diag);
    if (err == 0) err = lty_json_keys_check(node, path, keys, diag);
    if (err == 0) {
        err = lty_json_get_string(node, path, "name", true, 1, LTY_TIER_NAME_BYTES_MAX,
                                  tier->name, sizeof(tier->name), NULL, diag);
    }
    if (err == 0) {
        err = lty_json_get_int(node, path, "threshold", true, 0,
                               LTY_PROGRAMME_TIER_THRESHOLD_MAX, &tier->threshold, NULL, diag);
    }
    tier->earn_percent = 100;
    if (err == 0) {
        err = lty_json_get_int(node, path, "earn_percent", false, 0,
                               LTY_PROGRAMME_EARN_PERCENT_MAX, &tier->earn_percent, NULL, diag);
    }
    return err;
}

static int tiers_parse(const lty_json_node_t *root, lty_programme_t *out,
                                      lty_diag_t *diag)
{
    LTY_ASSERT(root != NULL && out != NULL);
    char basis[8] = "";
    bool present = false;
    if (lty_json_get_string(root, "", "tier_basis", false, 5, 6, basis, sizeof(basis), &present,
                            diag) != 0) {
        return LTY_E_CONFIG;
    }
    if (present && strcmp(basis, "spend") != 0 && strcmp(basis, "points") != 0) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/tier_basis", "tier_basis is spend or points");
    }
    if (present) out->tier_basis = strcmp(basis, "points") == 0 ? LTY_TIER_BASIS_POINTS
                                                                : LTY_TIER_BASIS_SPEND;
    const lty_json_node_t *tiers = NULL;
    size_t count = 0;
    if (lty_json_get_array(root, "", "tiers", false, LTY_TIERS_MAX, &tiers, &count, diag) != 0) {
        return LTY_E_CONFIG;
    }
    if (tiers == NULL) return 0;
    lty_programme_t parsed = *out;
    memset(parsed.tiers, 0, sizeof(parsed.tiers));
    parsed.tiers_count = (uint32_t)count;
    for (size_t index = 0; index < count; index++) {
        if (tier_parse(lty_json_item(tiers, index), index, &parsed.tiers[index], diag) != 0) {
            return LTY_E_CONFIG;
        }
    }
    if (!tiers_valid(&parsed)) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/tiers",
                            "tiers: 1 to %d, the first at threshold 0, thresholds increasing",
                            LTY_TIERS_MAX);
    }
    *out = parsed;
    return 0;
}

/* Whether a render that wants only the key `only` (NULL: every key) writes key. */
static bool wanted(const char *only, const char *key)
{
    return only == NULL || strcmp(only, key) == 0;
}

static void tiers_render(const lty_programme_t *programme, lty_json_writer_t *writer,
                         const char *only)
{
    LTY_ASSERT(programme != NULL && writer != NULL);
    LTY_ASSERT(programme->tiers_count <= LTY_TIERS_MAX);
    if (wanted(only, "tier_basis")) {
        lty_jw_kv_string(writer, "tier_basis",
                         programme->tier_basis == LTY_TIER_BASIS_POINTS ? "points" : "spend");
    }
    if (!wanted(only, "tiers")) return;
    lty_jw_key(writer, "tiers");
    lty_jw_array_begin(writer);
    for (uint32_t index = 0; index < programme->tiers_count; index++) {
        lty_jw_object_begin(writer);
        lty_jw_kv_string(writer, "name", programme->tiers[index].name);
        lty_jw_kv_int(writer, "threshold", programme->tiers[index].threshold);
        lty_jw_kv_int(writer, "earn_percent", programme->tiers[index].earn_percent);
        lty_jw_object_end(writer);
    }
    lty_jw_array_end(writer);
}

/* ---- Time zone, earn rounding and the expiry policy (words on the wire) ------------------ */

static const char *const rounding_names[] = {"down", "nearest", "up"};
static const char *const expiry_names[] = {"days", "month_end", "never"};
#define NAMES_COUNT(names) (sizeof(names) / sizeof((names)[0]))

static int name_parse(const lty_json_node_t *root, const char *key, const char *const *names,
                      size_t names_count, int *value_out, lty_diag_t *diag)
{
    char text[16] = "";
    bool present = false;
    char field[32];
    snprintf(field, sizeof(field), "/%s", key);
    if (lty_json_get_string(root, "", key, false, 1, sizeof(text) - 1, text, sizeof(text),
                            &present, diag) != 0) {
        return LTY_E_CONFIG;
    }
    for (size_t index = 0; present && index < names_count; index++) {
        if (strcmp(text, names[index]) == 0) {
            *value_out = (int)index;
            return 0;
        }
    }
    if (!present) return 0;
    return lty_diag_set(diag, LTY_E_CONFIG, field, "%s is %s, %s%s%s", key, names[0], names[1],
                        names_count > 2 ? " or " : "", names_count > 2 ? names[2] : "");
}

static int enums_parse(const lty_json_node_t *root, lty_programme_t *out, lty_diag_t *diag)
{
    char zone[LTY_CAL_OFFSET_BYTES + 2] = "";
    bool present = false;
    if (lty_json_get_string(root, "", "timezone", false, 1, sizeof(zone) - 1, zone,
                            sizeof(zone), &present, diag) != 0) {
        return LTY_E_CONFIG;
    }
    if (present && !lty_cal_offset_parse(zone, &out->utc_offset_minutes)) {
        return lty_diag_set(diag, LTY_E_CONFIG, "/timezone",
                            "timezone is a fixed UTC offset from -12:00 to +14:00, e.g. +08:00");
    }
    int err = name_parse(root, "earn_rounding", rounding_names, NAMES_COUNT(rounding_names),
                         &out->earn_rounding, diag);
    if (err == 0) {
        err = name_parse(root, "points_expiry", expiry_names, NAMES_COUNT(expiry_names),
                         &out->points_expiry, diag);
    }
    return err;
}

static void enums_render(const lty_programme_t *programme, lty_json_writer_t *writer,
                         const char *only)
{
    char zone[LTY_CAL_OFFSET_BYTES + 1];
    lty_cal_offset_format(programme->utc_offset_minutes, zone);
    if (wanted(only, "timezone")) lty_jw_kv_string(writer, "timezone", zone);
    if (wanted(only, "earn_rounding")) {
        lty_jw_kv_string(writer, "earn_rounding", rounding_names[programme->earn_rounding]);
    }
    if (wanted(only, "points_expiry")) {
        lty_jw_kv_string(writer, "points_expiry", expiry_names[programme->points_expiry]);
    }
}

static bool enums_valid(const lty_programme_t *programme)
{
    return programme->utc_offset_minutes >= LTY_CAL_OFFSET_MINUTES_MIN &&
           programme->utc_offset_minutes <= LTY_CAL_OFFSET_MINUTES_MAX &&
           programme->earn_rounding >= 0 &&
           programme->earn_rounding < (int)NAMES_COUNT(rounding_names) &&
           programme->points_expiry >= 0 &&
           programme->points_expiry < (int)NAMES_COUNT(expiry_names);
}

int64_t lty_programme_lot_expires_ms(const lty_programme_t *programme, int64_t now_ms)
{
    LTY_ASSERT(lty_programme_valid(programme));
    switch (programme->points_expiry) {
    case LTY_POINTS_EXPIRY_NEVER: return LTY_LOT_EXPIRES_NEVER;
    case LTY_POINTS_EXPIRY_MONTH_END:
        return lty_cal_month_end_ms(now_ms, programme->utc_offset_minutes,
                                    programme->points_expiry_months);
    default: return now_ms + programme->points_lot_days * LTY_MS_PER_DAY;
    }
}

void lty_programme_demo(lty_programme_t *programme_out)
{
    LTY_ASSERT(programme_out != NULL);
    memset(programme_out, 0, sizeof(*programme_out));
    memcpy(programme_out->currency, "CNY", 4);
    programme_out->minor_unit = 2;
    programme_out->earn_cents_per_point = 100;
    programme_out->redeem_cents_per_point = 1;
    programme_out->earn_on_redeemed_part = false;
    programme_out->points_lot_days = 730;
    memcpy(programme_out->card_prefix, "88", 3);
    programme_out->card_valid_days = 1095;
    programme_out->prepaid_balance_cents_max = 500000;
    programme_out->topup_cents_max = 200000;
    programme_out->pin_required_above_cents = 20000;
    programme_out->void_window_ms = 10 * 60 * 1000;
    programme_out->points_negative_floor = -10000;
    programme_out->card_extend_on_activity = false;
    tiers_demo(programme_out);
    programme_out->version = 1;
    programme_out->utc_offset_minutes = LTY_PROGRAMME_TIMEZONE_DEFAULT_MINUTES;
    programme_out->earn_rounding = LTY_EARN_ROUND_DOWN;
    programme_out->points_expiry = LTY_POINTS_EXPIRY_DAYS;
    programme_out->points_expiry_months = 0;
    programme_out->points_per_sale_max = LTY_POINTS_PER_TXN_MAX; /* no cut until lowered */
    programme_out->commission_sale_basis_points = 50; /* 0.5 % */
    programme_out->commission_card_cents = 200;
    programme_out->commission_topup_cents = 100;
    programme_out->birthday_bonus_points = 100;
    lty_analytics_settings_demo(&programme_out->analytics);
    LTY_ASSERT(lty_programme_valid(programme_out));
}

static bool text_valid(const field_t *field, const char *text)
{
    size_t size = strnlen(text, LTY_PROGRAMME_CARD_PREFIX_BYTES_MAX + 1);
    if ((int64_t)size < field->min || (int64_t)size > field->max) return false;
    for (size_t index = 0; index < size; index++) {
        char c = text[index];
        if (field->digits ? (c < '0' || c > '9') : (c < 'A' || c > 'Z')) return false;
    }
    return true;
}

bool lty_programme_valid(const lty_programme_t *programme)
{
    LTY_ASSERT(programme != NULL);
    LTY_ASSERT(FIELDS_COUNT > 0);
    if (programme->minor_unit < 0 || programme->minor_unit > MINOR_UNIT_MAX) return false;
    if (!tiers_valid(programme) || !enums_valid(programme)) return false;
    if (!lty_analytics_settings_valid(&programme->analytics)) return false;
    const char *base = (const char *)programme;
    for (size_t index = 0; index < FIELDS_COUNT; index++) {
        const field_t *field = &fields[index];
        if (field->type == FIELD_INT) {
            int64_t value;
            memcpy(&value, base + field->offset, sizeof(value));
            if (value < field->min || value > field->max) return false;
        } else if (field->type == FIELD_TEXT && !text_valid(field, base + field->offset)) {
            return false;
        }
    }
    return true;
}

static int field_parse(const lty_json_node_t *root, const field_t *field, lty_programme_t *out,
                       lty_diag_t *diag)
{
    char *target = (char *)out + field->offset;
    bool present = false;
    int err;
    if (field->type == FIELD_INT) {
        int64_t value;
        err = lty_json_get_int(root, "", field->key, false, field->min, field->max, &value,
                               &present, diag);
        if (err == 0 && present) memcpy(target, &value, sizeof(value));
    } else if (field->type == FIELD_BOOL) {
        bool value;
        err = lty_json_get_bool(root, "", field->key, false, &value, &present, diag);
        if (err == 0 && present) memcpy(target, &value, sizeof(value));
    } else {
        char text[LTY_PROGRAMME_CARD_PREFIX_BYTES_MAX + 1];
        err = lty_json_get_string(root, "", field->key, false, (size_t)field->min,
                                  (size_t)field->max, text, sizeof(text), &present, diag);
        if (err == 0 && present) {
            if (!text_valid(field, text)) {
                return lty_diag_set(diag, LTY_E_CONFIG, field->key, "programme: %s is malformed",
                                    field->key);
            }
            memcpy(target, text, strlen(text) + 1);
        }
    }
    return err == 0 ? 0 : LTY_E_CONFIG;
}

const char *const lty_programme_keys[] = {"currency",
                                          "minor_unit",
                                          "card_prefix",
                                          "earn_cents_per_point",
                                          "redeem_cents_per_point",
                                          "earn_on_redeemed_part",
                                          "points_lot_days",
                                          "card_valid_days",
                                          "prepaid_balance_cents_max",
                                          "topup_cents_max",
                                          "pin_required_above_cents",
                                          "void_window_ms",
                                          "points_negative_floor",
                                          "card_extend_on_activity",
                                          "tier_grace_days",
                                          "tier_basis",
                                          "tiers",
                                          "version",
                                          "timezone",
                                          "earn_rounding",
                                          "points_expiry",
                                          "points_expiry_months",
                                          "points_per_sale_max",
                                          "commission_sale_basis_points",
                                          "commission_card_cents",
                                          "commission_topup_cents",
                                          "birthday_bonus_points",
                                          "analytics", /* analytics.c */
                                          NULL};
/* A key per table field, plus minor_unit, tier_basis, tiers, the three enums, analytics (issue
 * 16) and the NULL. */
_Static_assert(sizeof(lty_programme_keys) / sizeof(lty_programme_keys[0]) == FIELDS_COUNT + 8,
               "a key per field");

static int root_parse(const lty_json_node_t *root, lty_programme_t *out, lty_diag_t *diag)
{
    if (lty_json_expect_object(root, "", diag) != 0) return LTY_E_CONFIG;
    if (lty_json_keys_check(root, "", lty_programme_keys, diag) != 0) return LTY_E_CONFIG;
    int64_t minor_unit = out->minor_unit;
    bool present = false;
    if (lty_json_get_int(root, "", "minor_unit", false, 0, MINOR_UNIT_MAX, &minor_unit, &present,
                         diag) != 0) {
        return LTY_E_CONFIG;
    }
    out->minor_unit = (int)minor_unit;
    for (size_t index = 0; index < FIELDS_COUNT; index++) {
        int err = field_parse(root, &fields[index], out, diag);
        if (err != 0) return err;
    }
    if (enums_parse(root, out, diag) != 0) return LTY_E_CONFIG;
    int err = tiers_parse(root, out, diag);
    const lty_json_node_t *analytics = lty_json_member(root, "analytics");
    if (err == 0 && analytics != NULL) {
        err = lty_analytics_settings_parse(analytics, &out->analytics, diag);
    }
    return err;
}

int lty_programme_parse(const char *json, size_t size, lty_programme_t *programme_out,
                        lty_diag_t *diag)
{
    LTY_ASSERT(json != NULL || size == 0);
    LTY_ASSERT(programme_out != NULL);
    if (size > LTY_PROGRAMME_JSON_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_CONFIG, "", "programme exceeds %d bytes",
                            LTY_PROGRAMME_JSON_BYTES_MAX);
    }
    lty_json_doc_t *doc = NULL;
    if (lty_json_parse(json, size, LTY_JSON_DEPTH_MAX, &doc, diag) != 0) {
        if (diag != NULL) diag->err = LTY_E_CONFIG; /* the diag names the code returned */
        return LTY_E_CONFIG;
    }
    lty_programme_t programme;
    lty_programme_demo(&programme);
    int err = root_parse(lty_json_doc_root(doc), &programme, diag);
    lty_json_doc_free(doc);
    if (err != 0 && diag != NULL) diag->err = err; /* readers named INVALID_FIELD */
    if (err != 0) return err;
    LTY_ASSERT(lty_programme_valid(&programme)); /* each field was range-checked on the way */
    *programme_out = programme;
    return 0;
}

/* The members of the programme object; only the member `only` when it is not NULL. */
static void members_render(const lty_programme_t *programme, lty_json_writer_t *writer,
                           const char *only)
{
    if (wanted(only, "minor_unit")) lty_jw_kv_int(writer, "minor_unit", programme->minor_unit);
    const char *base = (const char *)programme;
    for (size_t index = 0; index < FIELDS_COUNT; index++) {
        const field_t *field = &fields[index];
        if (!wanted(only, field->key)) continue;
        if (field->type == FIELD_INT) {
            int64_t value;
            memcpy(&value, base + field->offset, sizeof(value));
            lty_jw_kv_int(writer, field->key, value);
        } else if (field->type == FIELD_BOOL) {
            bool value;
            memcpy(&value, base + field->offset, sizeof(value));
            lty_jw_kv_bool(writer, field->key, value);
        } else {
            lty_jw_kv_string(writer, field->key, base + field->offset);
        }
    }
    enums_render(programme, writer, only);
    tiers_render(programme, writer, only);
    if (wanted(only, "analytics")) {
        lty_jw_key(writer, "analytics");
        lty_analytics_settings_render(&programme->analytics, writer);
    }
}

void lty_programme_key_render(const lty_programme_t *programme, const char *key, lty_buf_t *out)
{
    LTY_ASSERT(lty_programme_valid(programme));
    LTY_ASSERT(key != NULL && out != NULL);
    lty_buf_t object;
    lty_buf_init(&object, LTY_PROGRAMME_JSON_BYTES_MAX);
    lty_json_writer_t writer;
    lty_jw_init(&writer, &object);
    lty_jw_object_begin(&writer);
    members_render(programme, &writer, key);
    lty_jw_object_end(&writer);
    /* {"key":VALUE} -> VALUE */
    size_t prefix = strlen(key) + 4;
    if (lty_buf_error(&object) == 0 && object.size > prefix + 1) {
        lty_buf_append(out, object.data + prefix, object.size - prefix - 1);
    }
    lty_buf_deinit(&object);
}

void lty_programme_render(const lty_programme_t *programme, lty_buf_t *out)
{
    LTY_ASSERT(lty_programme_valid(programme));
    LTY_ASSERT(out != NULL);
    lty_json_writer_t writer;
    lty_jw_init(&writer, out);
    lty_jw_object_begin(&writer);
    members_render(programme, &writer, NULL);
    lty_jw_object_end(&writer);
}

int lty_programme_load(lty_store_txn_t *txn, lty_programme_t *programme_out)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(programme_out != NULL);
    lty_key_t key;
    lty_key_text(&key, LTY_META_PROGRAMME);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    if (err != 0) return err;
    if (lty_programme_parse(value.data, value.size, programme_out, NULL) != 0) {
        return LTY_E_CORRUPT;
    }
    return 0;
}

int lty_programme_save(lty_store_txn_t *txn, const lty_programme_t *programme)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(lty_programme_valid(programme));
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_PROGRAMME_JSON_BYTES_MAX);
    lty_programme_render(programme, &buf);
    int err = lty_buf_error(&buf);
    if (err == 0) {
        lty_key_t key;
        lty_key_text(&key, LTY_META_PROGRAMME);
        err = lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                            (lty_bytes_t){.data = buf.data, .size = buf.size});
    }
    lty_buf_deinit(&buf);
    return err;
}
