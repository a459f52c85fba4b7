/* SPDX-License-Identifier: MIT */
/* Setting a store up: schema version and programme, stores, tills, operators, and the demo
 * seed that `loyaltyctl init --demo` prints. These run single-threaded in one write
 * transaction (init) or, for store/till/operator adds, in any write transaction.
 *
 * Not here: certificates (the CLI issues them and then registers the till or operator). */
#include "lty/lty_assert.h"
#include "migrate.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int lty_ops_setup_init(lty_store_txn_t *txn, const lty_programme_t *programme)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(lty_programme_valid(programme));
    uint8_t version[4];
    lty_record_u32_encode(LTY_SCHEMA_VERSION, version);
    lty_key_t key;
    lty_key_text(&key, LTY_META_SCHEMA_VERSION);
    int err = lty_store_insert(txn, LTY_DB_META, lty_key_bytes(&key),
                               (lty_bytes_t){.data = version, .size = sizeof(version)});
    if (err == 0) err = lty_programme_save(txn, programme);
    if (err == 0) err = lty_ops_card_key_create(txn); /* this programme's own card numbers */
    if (err == 0) err = lty_settings_stamp_bump(txn);
    return err;
}

/* Identifiers of stores, tills and operators: printable ASCII without spaces or '/', so they
 * embed in principals ("till:S001/T01") and keys (0x00 separators) unambiguously. */
static bool identifier_valid(const char *text, size_t size_max)
{
    size_t size = strnlen(text, size_max + 1);
    if (size == 0 || size > size_max) return false;
    for (size_t index = 0; index < size; index++) {
        if (text[index] <= ' ' || text[index] > '~' || text[index] == '/') return false;
    }
    return true;
}

static int record_insert(lty_store_txn_t *txn, lty_db_t db, const lty_key_t *key,
                         const uint8_t *bytes, size_t size)
{
    return lty_store_insert(txn, db, lty_key_bytes(key), (lty_bytes_t){.data = bytes, .size = size});
}

int lty_ops_store_add(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                      const char *store_id, const char *name)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(store_id != NULL && name != NULL);
    if (!identifier_valid(store_id, LTY_STORE_ID_BYTES_MAX)) return LTY_E_INVALID_FIELD;
    if (strnlen(name, LTY_STORE_NAME_BYTES_MAX + 1) > LTY_STORE_NAME_BYTES_MAX) {
        return LTY_E_INVALID_FIELD;
    }
    lty_store_record_t record = {.created_ms = now_ms, .active = 1};
    snprintf(record.store_id, sizeof(record.store_id), "%s", store_id);
    snprintf(record.name, sizeof(record.name), "%s", name);
    uint8_t buffer[LTY_RECORD_STORE_BYTES_MAX];
    size_t size = lty_record_store_encode(&record, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, store_id);
    int err = record_insert(txn, LTY_DB_STORES, &key, buffer, size);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "store:%s", store_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "store.add", target, name);
    return err;
}

int lty_ops_till_add(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                     const char *store_id, const char *till_id)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(store_id != NULL && till_id != NULL);
    if (!identifier_valid(store_id, LTY_STORE_ID_BYTES_MAX)) return LTY_E_INVALID_FIELD;
    if (!identifier_valid(till_id, LTY_TILL_ID_BYTES_MAX)) return LTY_E_INVALID_FIELD;
    lty_key_t key;
    lty_key_text(&key, store_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_STORES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_STORE_NOT_FOUND;
    if (err != 0) return err;
    lty_till_t till = {.created_ms = now_ms, .active = 1};
    snprintf(till.store_id, sizeof(till.store_id), "%s", store_id);
    snprintf(till.till_id, sizeof(till.till_id), "%s", till_id);
    uint8_t buffer[LTY_RECORD_TILL_BYTES_MAX];
    size_t size = lty_record_till_encode(&till, buffer, sizeof(buffer));
    lty_key_pair(&key, store_id, till_id);
    err = record_insert(txn, LTY_DB_TILLS, &key, buffer, size);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "till:%s/%s", store_id, till_id);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "till.add", target, "");
    return err;
}

int lty_ops_operator_add(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const char *name)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(name != NULL);
    if (!identifier_valid(name, LTY_OPERATOR_NAME_BYTES_MAX)) return LTY_E_INVALID_FIELD;
    lty_operator_t record = {.created_ms = now_ms, .active = 1};
    snprintf(record.name, sizeof(record.name), "%s", name);
    uint8_t buffer[LTY_RECORD_OPERATOR_BYTES_MAX];
    size_t size = lty_record_operator_encode(&record, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, name);
    int err = record_insert(txn, LTY_DB_OPERATORS, &key, buffer, size);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "operator:%s", name);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "operator.add", target, "");
    return err;
}

/* ---- Demo seed -------------------------------------------------------------------------- */

static const struct {
    const char *id;
    const char *name;
} demo_stores[LTY_OPS_DEMO_STORES] = {
    {"S001", "Demo Supermarket Central"},
    {"S002", "Demo Supermarket East"},
    {"S003", "Demo Convenience Riverside"},
};

static const struct {
    const char *name;
    const char *phone;
    const char *email;
    int64_t bonus_points;
} demo_members[LTY_OPS_DEMO_MEMBERS] = {
    {"王芳", "+8613800138001", "wang.fang@example.com", 1200},
    {"李伟", "+8613800138002", "", 350},
    {"张敏", "+8613800138003", "zhang.min@example.com", 0},
    {"刘洋", "+8613800138004", "", 0},
    {"陈静", "+8613800138005", "", 0},
    {"杨磊", "+8613800138006", "yang.lei@example.com", 0},
};

static int demo_member_seed(lty_store_txn_t *txn, const lty_actor_t *actor,
                            const lty_programme_t *programme, int64_t now_ms, size_t index,
                            lty_ops_demo_t *demo)
{
    lty_ops_member_new_t member_new;
    memset(&member_new, 0, sizeof(member_new));
    snprintf(member_new.name, sizeof(member_new.name), "%s", demo_members[index].name);
    snprintf(member_new.phone, sizeof(member_new.phone), "%s", demo_members[index].phone);
    snprintf(member_new.email, sizeof(member_new.email), "%s", demo_members[index].email);
    uint64_t member_id = 0;
    int err = lty_ops_member_create(txn, actor, now_ms, &member_new, &member_id, NULL);
    lty_card_t card;
    if (err == 0) err = lty_ops_card_issue(txn, actor, programme, now_ms, member_id, &card);
    if (err == 0 && demo_members[index].bonus_points > 0) {
        lty_ops_adjust_t bonus = {.member_id = member_id,
                                  .points = demo_members[index].bonus_points,
                                  .bonus = true};
        snprintf(bonus.reason, sizeof(bonus.reason), "welcome bonus (demo)");
        lty_ops_adjust_result_t result;
        err = lty_ops_adjust(txn, actor, programme, now_ms, &bonus, &result, NULL);
    }
    if (err != 0) return err;
    demo->members[index].member_id = member_id;
    memcpy(demo->members[index].name, member_new.name, sizeof(member_new.name));
    memcpy(demo->members[index].phone, member_new.phone, sizeof(member_new.phone));
    memcpy(demo->members[index].card_no, card.card_no, sizeof(card.card_no));
    demo->members[index].points = demo_members[index].bonus_points;
    demo->members_count = index + 1;
    return 0;
}

/* The demo programme's earning rules and staff: double points on detergent, no
 * points on tobacco and infant formula, and two cashiers. */
static const char *const demo_rules[] = {
    "{\"name\":\"Double detergent\",\"match\":{\"categories\":[\"detergent\"]},"
    "\"effect\":{\"multiplier_percent\":200}}",
    "{\"name\":\"No tobacco or infant formula\",\"match\":{\"categories\":[\"tobacco\","
    "\"infant_formula\"]},\"effect\":{\"exclude\":true}}",
};

static const struct {
    const char *staff_id;
    const char *name;
    const char *store_id;
} demo_staff[] = {
    {"E001", "周敏", "S001"},
    {"E002", "吴强", "S002"},
};

static int demo_programme_seed(lty_store_txn_t *txn, const lty_actor_t *actor,
                               const lty_programme_t *programme, int64_t now_ms)
{
    int err = 0;
    for (size_t index = 0; err == 0 && index < sizeof(demo_rules) / sizeof(demo_rules[0]);
         index++) {
        static _Thread_local lty_rule_t rule, stored;
        memset(&rule, 0, sizeof(rule));
        rule.status = LTY_RULE_ACTIVE;
        err = lty_rule_parse_text(demo_rules[index], strlen(demo_rules[index]), &rule, NULL);
        if (err == 0) err = lty_ops_rule_create(txn, actor, programme, now_ms, &rule, &stored,
                                                NULL);
    }
    for (size_t index = 0; err == 0 && index < sizeof(demo_staff) / sizeof(demo_staff[0]);
         index++) {
        lty_ops_staff_new_t staff_new;
        memset(&staff_new, 0, sizeof(staff_new));
        snprintf(staff_new.staff_id, sizeof(staff_new.staff_id), "%s", demo_staff[index].staff_id);
        snprintf(staff_new.name, sizeof(staff_new.name), "%s", demo_staff[index].name);
        snprintf(staff_new.store_id, sizeof(staff_new.store_id), "%s",
                 demo_staff[index].store_id);
        lty_staff_t staff;
        err = lty_ops_staff_create(txn, actor, now_ms, &staff_new, &staff, NULL);
    }
    return err;
}

int lty_ops_demo_seed(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                      lty_ops_demo_t *demo_out)
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(demo_out != NULL);
    memset(demo_out, 0, sizeof(*demo_out));
    lty_actor_t system_actor;
    memset(&system_actor, 0, sizeof(system_actor));
    int err = 0;
    for (size_t index = 0; err == 0 && index < LTY_OPS_DEMO_STORES; index++) {
        err = lty_ops_store_add(txn, &system_actor, now_ms, demo_stores[index].id,
                                demo_stores[index].name);
        if (err == 0) err = lty_ops_till_add(txn, &system_actor, now_ms, demo_stores[index].id,
                                             "T01");
    }
    for (size_t index = 0; err == 0 && index < LTY_OPS_DEMO_MEMBERS; index++) {
        err = demo_member_seed(txn, &system_actor, programme, now_ms, index, demo_out);
    }
    if (err == 0) err = demo_programme_seed(txn, &system_actor, programme, now_ms);
    return err;
}

/* The demo members' PINs: every member but the first (whose card the tours and tests give a PIN
 * on the till's PIN pad, as a member would). Known, printed PINs: demo data only. */
static const char *const demo_pins[LTY_OPS_DEMO_MEMBERS] = {"", "2468", "1357", "3690", "4812",
                                                            "5273"};

int lty_ops_demo_pins(lty_store_txn_t *txn, const uint8_t pepper[LTY_PIN_PEPPER_BYTES],
                      int64_t now_ms, lty_ops_demo_t *demo)
{
    LTY_ASSERT(txn != NULL && pepper != NULL);
    LTY_ASSERT(demo != NULL && demo->members_count <= LTY_OPS_DEMO_MEMBERS);
    for (size_t index = 0; index < demo->members_count; index++) {
        const char *pin = demo_pins[index];
        snprintf(demo->members[index].pin, sizeof(demo->members[index].pin), "%s", pin);
        if (pin[0] == '\0') continue;
        lty_pin_t record;
        memset(&record, 0, sizeof(record));
        record.member_id = demo->members[index].member_id;
        int err = lty_ops_pin_hash(pepper, pin, &record);
        if (err != 0) return err;
        record.set = 1;
        record.version = 1;
        record.updated_ms = now_ms;
        err = lty__ops_pin_put(txn, &record);
        if (err != 0) return err;
    }
    return 0;
}
