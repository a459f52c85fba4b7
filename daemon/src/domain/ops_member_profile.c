/* SPDX-License-Identifier: MIT */
/* Member profiles: field validation shared by enrolment and update, the profile
 * update with one audit record per changed field (who, when, old and new value), the name
 * index, search by phone / card / name prefix, and the audit log per member
 * (AUDIT_BY_MEMBER, written by every audit whose target is "member:<id>").
 *
 * Not here: enrolment itself (ops_member.c), cards (ops_card.c, ops_card_life.c). */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Audit with old and new values ------------------------------------------------------ */

/* ---- Validation ------------------------------------------------------------------------- */

bool lty_ops_phone_valid(const char *phone)
{
    LTY_ASSERT(phone != NULL);
    size_t size = strnlen(phone, LTY_PHONE_BYTES_MAX + 1);
    if (size < 9 || size > LTY_PHONE_BYTES_MAX || phone[0] != '+') return false;
    if (phone[1] < '1' || phone[1] > '9') return false;
    for (size_t index = 2; index < size; index++) {
        if (phone[index] < '0' || phone[index] > '9') return false;
    }
    return true;
}

static bool birthday_valid(const char *text, int64_t now_ms)
{
    if (strlen(text) != LTY_BIRTHDAY_BYTES || text[4] != '-' || text[7] != '-') return false;
    for (size_t index = 0; index < LTY_BIRTHDAY_BYTES; index++) {
        if (index != 4 && index != 7 && (text[index] < '0' || text[index] > '9')) return false;
    }
    int year = atoi(text), month = atoi(text + 5), day = atoi(text + 8);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || month < 1 || month > 12 || day < 1 || day > days[month - 1]) return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap) return false;
    char today[32];
    lty_clock_format(now_ms, today, sizeof(today));
    return strncmp(text, today, LTY_BIRTHDAY_BYTES) <= 0; /* ISO dates sort as text */
}

static int store_exists(lty_store_txn_t *txn, const char *store_id)
{
    lty_key_t key;
    lty_key_text(&key, store_id);
    lty_bytes_t value;
    return lty_store_get(txn, LTY_DB_STORES, lty_key_bytes(&key), &value);
}

/* Deliberately loose (RFC 5322 is not worth enforcing): printable ASCII without spaces, one
 * '@' with text on both sides and a dot in the domain after some text. */
static bool email_valid(const char *email)
{
    size_t size = strnlen(email, LTY_EMAIL_BYTES_MAX + 1);
    if (size == 0) return true;
    if (size > LTY_EMAIL_BYTES_MAX) return false;
    const char *at = strchr(email, '@');
    if (at == NULL || at == email || strchr(at + 1, '@') != NULL) return false;
    const char *dot = strrchr(at, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0') return false;
    for (size_t index = 0; index < size; index++) {
        if (email[index] <= ' ' || email[index] > '~') return false;
    }
    return true;
}

int lty_ops_member_profile_check(lty_store_txn_t *txn, const lty_ops_member_new_t *profile,
                                 uint32_t which, int64_t now_ms, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && profile != NULL);
    LTY_ASSERT((which & ~127u) == 0);
    size_t name_size = strnlen(profile->name, sizeof(profile->name));
    if ((which & LTY_MEMBER_FIELD_NAME) && (name_size == 0 || name_size > LTY_NAME_BYTES_MAX)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/name", "name must be 1 to %d bytes",
                            LTY_NAME_BYTES_MAX);
    }
    if ((which & LTY_MEMBER_FIELD_PHONE) && !lty_ops_phone_valid(profile->phone)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/phone",
                            "phone must be E.164: '+' then 8 to 15 digits");
    }
    if ((which & LTY_MEMBER_FIELD_EMAIL) && !email_valid(profile->email)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/email", "email is malformed");
    }
    if ((which & LTY_MEMBER_FIELD_BIRTHDAY) && profile->birthday[0] != '\0' &&
        !birthday_valid(profile->birthday, now_ms)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/birthday",
                            "birthday must be a past date YYYY-MM-DD from 1900 on");
    }
    if ((which & LTY_MEMBER_FIELD_GENDER) && profile->gender > 3) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/gender", "gender is unknown");
    }
    if ((which & LTY_MEMBER_FIELD_CONSENT) && (profile->consent_flags & ~LTY_CONSENT_ALL) != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/consents", "unknown consent");
    }
    if ((which & LTY_MEMBER_FIELD_STORE) && profile->preferred_store[0] != '\0') {
        int err = store_exists(txn, profile->preferred_store);
        if (err == LTY_E_NOT_FOUND) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/preferred_store",
                                "store %s does not exist", profile->preferred_store);
        }
        if (err != 0) return err;
    }
    return 0;
}

/* ---- Name index ------------------------------------------------------------------------- */

int lty__ops_member_name_index(lty_store_txn_t *txn, const lty_member_t *member, bool present)
{
    LTY_ASSERT(txn != NULL && member != NULL);
    LTY_ASSERT(member->member_id != 0);
    if (member->name[0] == '\0') return 0; /* erased on close: nothing to index */
    lty_key_t key;
    lty_key_member_name(&key, member->name, member->member_id);
    if (!present) {
        int err = lty_store_del(txn, LTY_DB_MEMBERS_BY_NAME, lty_key_bytes(&key));
        return err == LTY_E_NOT_FOUND ? LTY_E_CORRUPT : err;
    }
    return lty_store_put(txn, LTY_DB_MEMBERS_BY_NAME, lty_key_bytes(&key),
                         (lty_bytes_t){.data = "", .size = 0});
}

int lty__ops_member_store(lty_store_txn_t *txn, const lty_member_t *member)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(member != NULL && member->member_id != 0);
    uint8_t buffer[LTY_RECORD_MEMBER_BYTES_MAX];
    size_t size = lty_record_member_encode(member, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, member->member_id);
    return lty_store_put(txn, LTY_DB_MEMBERS, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

/* ---- Update ----------------------------------------------------------------------------- */

static const char *gender_name(unsigned int gender)
{
    static const char *const names[] = {"unknown", "female", "male", "other"};
    return gender < 4 ? names[gender] : "unknown";
}

static void consents_text(uint32_t flags, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s%s%s", (flags & LTY_CONSENT_SMS) ? "sms " : "",
             (flags & LTY_CONSENT_EMAIL) ? "email " : "", (flags & LTY_CONSENT_PUSH) ? "push" : "");
}

typedef struct update_s {
    lty_store_txn_t *txn;
    const lty_actor_t *actor;
    int64_t now_ms;
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    size_t changed_count;
} update_t;

/* Set a text field when it differs, auditing old and new value. */
static int update_text(update_t *update, const char *field, char *current, size_t current_size,
                       const char *value)
{
    if (strcmp(current, value) == 0) return 0;
    int err = lty__ops_audit_change(update->txn, update->actor, update->now_ms, "member.update",
                                    update->target, field, current, value);
    if (err == 0) {
        snprintf(current, current_size, "%s", value);
        update->changed_count++;
    }
    return err;
}

static int update_phone(update_t *update, lty_member_t *member, const char *phone,
                        lty_diag_t *diag)
{
    if (strcmp(member->phone, phone) == 0) return 0;
    uint8_t id_bytes[8];
    lty_record_u64_encode(member->member_id, id_bytes);
    lty_key_t key;
    lty_key_text(&key, phone);
    int err = lty_store_insert(update->txn, LTY_DB_MEMBERS_BY_PHONE, lty_key_bytes(&key),
                               (lty_bytes_t){.data = id_bytes, .size = sizeof(id_bytes)});
    if (err == LTY_E_EXISTS) {
        return lty_diag_set(diag, LTY_E_PHONE_TAKEN, "/phone",
                            "phone number already belongs to another member");
    }
    lty_key_text(&key, member->phone);
    if (err == 0) err = lty_store_del(update->txn, LTY_DB_MEMBERS_BY_PHONE, lty_key_bytes(&key));
    if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
    if (err != 0) return err;
    return update_text(update, "phone", member->phone, sizeof(member->phone), phone);
}

static int update_fields(update_t *update, lty_member_t *member,
                         const lty_ops_member_patch_t *patch, lty_diag_t *diag)
{
    const lty_ops_member_new_t *values = &patch->values;
    int err = 0;
    if ((patch->fields & LTY_MEMBER_FIELD_NAME) && strcmp(member->name, values->name) != 0) {
        err = lty__ops_member_name_index(update->txn, member, false);
        if (err == 0) err = update_text(update, "name", member->name, sizeof(member->name),
                                        values->name);
        if (err == 0) err = lty__ops_member_name_index(update->txn, member, true);
    }
    if (err == 0 && (patch->fields & LTY_MEMBER_FIELD_PHONE)) {
        err = update_phone(update, member, values->phone, diag);
    }
    if (err == 0 && (patch->fields & LTY_MEMBER_FIELD_EMAIL)) {
        err = update_text(update, "email", member->email, sizeof(member->email), values->email);
    }
    if (err == 0 && (patch->fields & LTY_MEMBER_FIELD_BIRTHDAY)) {
        err = update_text(update, "birthday", member->birthday, sizeof(member->birthday),
                          values->birthday);
    }
    if (err == 0 && (patch->fields & LTY_MEMBER_FIELD_STORE)) {
        err = update_text(update, "preferred_store", member->preferred_store,
                          sizeof(member->preferred_store), values->preferred_store);
    }
    if (err == 0 && (patch->fields & LTY_MEMBER_FIELD_GENDER) && member->gender != values->gender) {
        char text[16];
        snprintf(text, sizeof(text), "%s", gender_name(member->gender));
        err = update_text(update, "gender", text, sizeof(text), gender_name(values->gender));
        member->gender = values->gender;
    }
    return err;
}

static int update_consents(update_t *update, lty_member_t *member,
                           const lty_ops_member_patch_t *patch)
{
    if ((patch->fields & LTY_MEMBER_FIELD_CONSENT) == 0) return 0;
    uint32_t flags = (member->consent_flags & ~patch->consent_mask) |
                     (patch->values.consent_flags & patch->consent_mask);
    if (flags == member->consent_flags) return 0;
    char old_text[32], new_text[32];
    consents_text(member->consent_flags, old_text, sizeof(old_text));
    consents_text(flags, new_text, sizeof(new_text));
    int err = update_text(update, "consents", old_text, sizeof(old_text), new_text);
    member->consent_flags = flags;
    member->consent_ms = update->now_ms;
    return err;
}

int lty_ops_member_update(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                          const lty_ops_member_patch_t *patch, size_t *changed_count_out,
                          lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL);
    LTY_ASSERT(patch != NULL && changed_count_out != NULL);
    lty_member_t member;
    int err = lty__ops_member_load(txn, patch->member_id, &member);
    if (err != 0) return err;
    if (member.status == LTY_MEMBER_CLOSED) return LTY_E_ACCOUNT_CLOSED;
    err = lty_ops_member_profile_check(txn, &patch->values, patch->fields, now_ms, diag);
    if (err != 0) return err;
    update_t update = {.txn = txn, .actor = actor, .now_ms = now_ms};
    snprintf(update.target, sizeof(update.target), "member:%" PRIu64, member.member_id);
    err = update_fields(&update, &member, patch, diag);
    if (err == 0) err = update_consents(&update, &member, patch);
    if (err != 0 || update.changed_count == 0) {
        *changed_count_out = 0;
        return err;
    }
    if (now_ms > member.updated_ms) member.updated_ms = now_ms;
    err = lty__ops_member_store(txn, &member);
    if (err == 0) *changed_count_out = update.changed_count;
    return err;
}

/* ---- Search ----------------------------------------------------------------------------- */

static int page_add(lty_store_txn_t *txn, uint64_t member_id, lty_ops_member_page_t *page)
{
    int err = lty__ops_member_load(txn, member_id, &page->members[page->members_count]);
    if (err == LTY_E_MEMBER_NOT_FOUND) return LTY_E_CORRUPT; /* an index names a lost member */
    if (err == 0) page->members_count++;
    return err;
}

static int search_exact(lty_store_txn_t *txn, lty_ops_member_search_by_t by, const char *text,
                        lty_ops_member_page_t *page)
{
    lty_key_t key;
    lty_key_text(&key, text);
    lty_bytes_t value;
    int err = lty_store_get(txn, by == LTY_OPS_SEARCH_PHONE ? LTY_DB_MEMBERS_BY_PHONE
                                                            : LTY_DB_CARDS,
                            lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    uint64_t member_id = 0;
    if (err == 0 && by == LTY_OPS_SEARCH_PHONE) err = lty_record_u64_decode(value, &member_id);
    lty_card_t card;
    if (err == 0 && by == LTY_OPS_SEARCH_CARD) {
        err = lty_record_card_decode(value, &card);
        member_id = card.member_id;
    }
    if (err != 0 || member_id == 0) return err;
    return page_add(txn, member_id, page);
}

/* Position after the previous page's last member (its name may have changed since: then the
 * walk resumes where its new name sorts, which a paging client tolerates). */
static void search_start(lty_store_txn_t *txn, const uint8_t *prefix, size_t prefix_size,
                         uint64_t after, lty_key_t *start)
{
    lty_member_t member;
    if (after != 0 && lty__ops_member_load(txn, after, &member) == 0 && member.name[0] != '\0') {
        lty_key_member_name(start, member.name, after);
        start->data[start->size++] = 0; /* just past that key */
        return;
    }
    memcpy(start->data, prefix, prefix_size);
    start->size = prefix_size;
}

static int search_name(lty_store_txn_t *txn, const char *text, uint64_t after, size_t limit,
                       lty_ops_member_page_t *page)
{
    size_t prefix_size = strlen(text);
    uint8_t prefix[LTY_NAME_BYTES_MAX];
    lty_key_name_fold(text, prefix_size, prefix);
    lty_key_t start;
    search_start(txn, prefix, prefix_size, after, &start);
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBERS_BY_NAME, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        if (key.size < prefix_size + 9 || memcmp(key.data, prefix, prefix_size) != 0) break;
        uint64_t member_id = 0;
        if (!lty_key_u64_at(key, key.size - 8, &member_id)) {
            err = LTY_E_CORRUPT;
            break;
        }
        if (page->members_count == limit) {
            page->next_after = page->members[limit - 1].member_id;
            break;
        }
        err = page_add(txn, member_id, page);
        if (err == 0) {
            err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
        }
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty_ops_member_search(lty_store_txn_t *txn, lty_ops_member_search_by_t by, const char *text,
                          uint64_t after, size_t limit, lty_ops_member_page_t *page_out)
{
    LTY_ASSERT(txn != NULL && text != NULL);
    LTY_ASSERT(page_out != NULL);
    page_out->members_count = 0;
    page_out->next_after = 0;
    size_t size = strnlen(text, LTY_NAME_BYTES_MAX + 1);
    if (limit < 1 || limit > LTY_MEMBER_PAGE_MAX || size == 0 || size > LTY_NAME_BYTES_MAX) {
        return LTY_E_INVALID_FIELD;
    }
    if (by == LTY_OPS_SEARCH_NAME) return search_name(txn, text, after, limit, page_out);
    if (by == LTY_OPS_SEARCH_CARD && size > LTY_CARD_NO_DIGITS_MAX) return LTY_E_INVALID_FIELD;
    return search_exact(txn, by, text, page_out);
}

int lty__ops_index_seek_before(lty_store_cursor_t *cursor, uint64_t member_id, uint64_t before,
                               lty_bytes_t *key_out, lty_bytes_t *value_out)
{
    LTY_ASSERT(cursor != NULL && member_id != 0);
    LTY_ASSERT(key_out != NULL && value_out != NULL);
    lty_key_t start;
    lty_key_member_entry(&start, member_id, before);
    int err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), key_out,
                                    value_out);
    err = lty_store_cursor_seek(cursor, err == LTY_E_NOT_FOUND ? LTY_SEEK_LAST : LTY_SEEK_PREV,
                                (lty_bytes_t){0}, key_out, value_out);
    uint64_t owner = 0;
    if (err == 0 && (!lty_key_u64_at(*key_out, 0, &owner) || owner != member_id)) {
        err = LTY_E_NOT_FOUND;
    }
    if (err == 0 && key_out->size != 16) err = LTY_E_CORRUPT;
    return err;
}

/* ---- Migration: backfill the name and audit-per-member indexes -------------------------- */

static int backfill_walk(lty_store_txn_t *txn, lty_db_t db, int (*each)(lty_store_txn_t *txn,
                                                                        lty_bytes_t value))
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        err = each(txn, value);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static int backfill_member(lty_store_txn_t *txn, lty_bytes_t value)
{
    lty_member_t member;
    int err = lty_record_member_decode(value, &member);
    return err == 0 ? lty__ops_member_name_index(txn, &member, true) : err;
}

static int backfill_audit(lty_store_txn_t *txn, lty_bytes_t value)
{
    lty_audit_t audit;
    int err = lty_record_audit_decode(value, &audit);
    uint64_t member_id = err == 0 ? lty__ops_audit_target_member(audit.target) : 0;
    if (err != 0 || member_id == 0) return err;
    lty_key_t key;
    lty_key_member_entry(&key, member_id, audit.audit_id);
    return lty_store_put(txn, LTY_DB_AUDIT_BY_MEMBER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = "", .size = 0});
}

int lty_ops_member_indexes_backfill(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    LTY_ASSERT(LTY_DB_MEMBERS_BY_NAME < LTY_DB_COUNT);
    int err = backfill_walk(txn, LTY_DB_MEMBERS, backfill_member);
    if (err == 0) err = backfill_walk(txn, LTY_DB_AUDIT, backfill_audit);
    return err;
}
