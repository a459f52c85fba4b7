/* SPDX-License-Identifier: MIT */
/* tests/support/domain_fixture.c: a temporary LMDB store with the demo programme, an operator
 * and a till actor, small helpers that run one domain operation per write transaction the way
 * the writer does (commit on success, abort on refusal), the store digest that proves a refusal
 * changed nothing, and the ledger verifier. Shared by the store-level domain tests
 * (test_ops_*.c, test_verify.c) and the API tests (test_dispatch.c); see domain_fixture.h. */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger.h"
#include "lty/lty_card.h"
#include "lty/lty_clock.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "verify.h"
#include "domain_fixture.h"

#include <cmocka.h>

char dir[64];
lty_store_t *store;
lty_programme_t programme;
lty_actor_t operator_actor;
lty_actor_t till_actor;

void remove_tree(const char *path)
{
    DIR *handle = opendir(path);
    if (handle == NULL) return;
    for (struct dirent *entry = readdir(handle); entry != NULL; entry = readdir(handle)) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        char child[512];
        snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
        unlink(child);
    }
    closedir(handle);
    rmdir(path);
}

static int store_empty_open(void)
{
    snprintf(dir, sizeof(dir), "/tmp/lty_test_domain.XXXXXX");
    if (mkdtemp(dir) == NULL) return -1;
    lty_store_options_t options = {.path = dir, .map_bytes = 64 << 20, .create = true};
    return lty_store_open(&store, &options) == 0 ? 0 : -1;
}

int domain_fixture_setup(void **state)
{
    (void)state;
    if (store_empty_open() != 0) return -1;
    lty_programme_demo(&programme);
    memset(&operator_actor, 0, sizeof(operator_actor));
    operator_actor.role = LTY_ROLE_OPERATOR;
    strcpy(operator_actor.operator_name, "alice");
    strcpy(operator_actor.principal, "operator:alice");
    memset(&till_actor, 0, sizeof(till_actor));
    till_actor.role = LTY_ROLE_TILL;
    strcpy(till_actor.store, "S001");
    strcpy(till_actor.till, "T01");
    strcpy(till_actor.principal, "till:S001/T01");
    lty_store_txn_t *txn = NULL;
    if (lty_store_txn_begin(store, NULL, &txn) != 0) return -1;
    int err = lty_ops_setup_init(txn, &programme);
    if (err == 0) err = lty_ops_store_add(txn, &operator_actor, NOW, "S001", "Central");
    if (err == 0) err = lty_ops_store_add(txn, &operator_actor, NOW, "S002", "East");
    if (err == 0) err = lty_ops_till_add(txn, &operator_actor, NOW, "S001", "T01");
    if (err != 0) {
        lty_store_txn_abort(txn);
        return -1;
    }
    return lty_store_txn_commit(txn) == 0 ? 0 : -1;
}

int domain_fixture_teardown(void **state)
{
    (void)state;
    lty_store_close(store);
    store = NULL;
    remove_tree(dir);
    return 0;
}

void store_empty_reopen(void)
{
    domain_fixture_teardown(NULL);
    assert_int_equal(store_empty_open(), 0);
}

lty_store_txn_t *write_begin(void)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(store, NULL, &txn), 0);
    return txn;
}

lty_store_txn_t *read_begin(void)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    return txn;
}

int finish(lty_store_txn_t *txn, int err)
{
    if (err == 0) {
        assert_int_equal(lty_store_txn_commit(txn), 0);
    } else {
        lty_store_txn_abort(txn);
    }
    return err;
}

int member_create(const char *name, const char *phone, uint64_t *member_id_out)
{
    lty_ops_member_new_t member_new;
    memset(&member_new, 0, sizeof(member_new));
    snprintf(member_new.name, sizeof(member_new.name), "%s", name);
    snprintf(member_new.phone, sizeof(member_new.phone), "%s", phone);
    lty_store_txn_t *txn = write_begin();
    return finish(
        txn, lty_ops_member_create(txn, &operator_actor, NOW, &member_new, member_id_out, NULL));
}

void card_issue(uint64_t member_id, lty_card_t *card_out)
{
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_card_issue(txn, &operator_actor, &programme, NOW, member_id, card_out)),
        0);
}

int adjust(uint64_t member_id, int64_t points, int64_t now_ms, lty_ops_adjust_result_t *result_out)
{
    lty_ops_adjust_t request = {.member_id = member_id, .points = points};
    strcpy(request.reason, "test");
    lty_store_txn_t *txn = write_begin();
    return finish(
        txn, lty_ops_adjust(txn, &operator_actor, &programme, now_ms, &request, result_out, NULL));
}

void adjust_many(uint64_t member_id, int64_t count, int64_t step_ms)
{
    lty_store_txn_t *txn = write_begin();
    for (int64_t index = 0; index < count; index++) {
        lty_ops_adjust_t request = {.member_id = member_id, .points = 1};
        snprintf(request.reason, sizeof(request.reason), "a%" PRId64, index);
        lty_ops_adjust_result_t result;
        assert_int_equal(lty_ops_adjust(txn, &operator_actor, &programme, NOW + index * step_ms,
                                        &request, &result, NULL),
                         0);
    }
    assert_int_equal(finish(txn, 0), 0);
}

lty_ops_sale_t sale_request;

void sale_request_fill(const char *card_no, const char *receipt_no, int64_t total_cents,
                       int64_t redeem_points)
{
    memset(&sale_request, 0, sizeof(sale_request));
    snprintf(sale_request.card_no, sizeof(sale_request.card_no), "%s", card_no);
    snprintf(sale_request.receipt_no, sizeof(sale_request.receipt_no), "%s", receipt_no);
    sale_request.redeem_points = redeem_points;
    sale_request.lines_count = 2;
    strcpy(sale_request.lines[0].sku, "6901234567890");
    strcpy(sale_request.lines[0].category, "dairy");
    sale_request.lines[0].qty = 1;
    sale_request.lines[0].amount_cents = total_cents / 2;
    strcpy(sale_request.lines[1].sku, "6909876543210");
    sale_request.lines[1].qty = 3;
    sale_request.lines[1].amount_cents = total_cents - total_cents / 2;
}

int sale_submit(int64_t now_ms, lty_ops_sale_result_t *result_out)
{
    lty_store_txn_t *txn = write_begin();
    return finish(
        txn, lty_ops_sale(txn, &till_actor, &programme, now_ms, &sale_request, result_out, NULL));
}

int sale(const char *card_no, const char *receipt_no, int64_t total_cents, int64_t redeem_points,
         int64_t now_ms, lty_ops_sale_result_t *result_out)
{
    sale_request_fill(card_no, receipt_no, total_cents, redeem_points);
    return sale_submit(now_ms, result_out);
}

int topup(const char *card_no, int64_t amount_cents, int64_t now_ms, lty_ops_balances_t *result_out)
{
    lty_ops_topup_t request = {.amount_cents = amount_cents, .tender = LTY_TENDER_CASH};
    snprintf(request.card_no, sizeof(request.card_no), "%s", card_no);
    lty_store_txn_t *txn = write_begin();
    return finish(
        txn, lty_ops_topup(txn, &till_actor, &programme, now_ms, &request, result_out, NULL));
}

int member_close(uint64_t member_id, int64_t now_ms, lty_ops_close_result_t *result_out)
{
    lty_ops_close_t request = {.member_id = member_id};
    strcpy(request.reason, "moved away");
    strcpy(request.payout, "cash");
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_member_close(txn, &operator_actor, now_ms, &request, result_out,
                                            NULL));
}

/* Large (~60 KiB each): static, one return at a time. */
static lty_ops_return_t return_request;
static lty_ops_return_result_t return_result;

int sale_give_back(const lty_actor_t *actor, uint64_t sale_id, const char *sku, uint32_t qty,
                   int64_t now_ms)
{
    memset(&return_request, 0, sizeof(return_request));
    return_request.sale_id = sale_id;
    if (sku != NULL) {
        return_request.lines_count = 1;
        snprintf(return_request.lines[0].sku, sizeof(return_request.lines[0].sku), "%s", sku);
        return_request.lines[0].qty = qty;
    }
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_return(txn, actor, &programme, now_ms, &return_request,
                                      &return_result, NULL));
}

lty_actor_t till_actor_at(const char *store_id)
{
    lty_actor_t actor = till_actor;
    snprintf(actor.store, sizeof(actor.store), "%s", store_id);
    return actor;
}

lty_ops_member_view_t member_view;

int64_t points_of(uint64_t member_id)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    lty_store_txn_abort(txn);
    return member_view.points;
}

int64_t prepaid_of(uint64_t member_id)
{
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    lty_store_txn_abort(txn);
    return member_view.prepaid_cents;
}

uint64_t count_of(lty_db_t db)
{
    lty_store_txn_t *txn = NULL;
    uint64_t count = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_store_count(txn, db, &count), 0);
    lty_store_txn_abort(txn);
    return count;
}

uint64_t lots_of(uint64_t member_id)
{
    lty_store_txn_t *txn = NULL;
    lty_store_cursor_t *cursor = NULL;
    uint64_t count = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor), 0);
    lty_key_t start;
    lty_key_member_part(&start, member_id, LTY_PART_LOT);
    lty_bytes_t key = {0}, value = {0};
    int err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0 && lty_key_member_part_is(key, member_id, LTY_PART_LOT)) {
        count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    assert_true(err == 0 || err == LTY_E_NOT_FOUND);
    lty_store_cursor_close(cursor);
    lty_store_txn_abort(txn);
    return count;
}

void assert_sound(void)
{
    static lty_verify_report_t report;
    int err = lty_verify_store(store, &report);
    for (size_t index = 0; index < report.problems_count; index++) {
        print_message("problem: %s\n", report.problems[index]);
    }
    assert_int_equal(err, 0);
}

void member_with_card(const char *phone, uint64_t *member_id, lty_card_t *card)
{
    assert_int_equal(member_create("王芳", phone, member_id), 0);
    card_issue(*member_id, card);
}

void member_pair(uint64_t *member_id, lty_card_t *card, uint64_t *other_id)
{
    member_with_card("+8613800138001", member_id, card);
    assert_int_equal(member_create("李伟", "+8613800138002", other_id), 0);
}

void card_status_set(const lty_card_t *card, uint8_t status)
{
    lty_card_t changed = *card;
    changed.status = status;
    if (status == LTY_CARD_REPLACED) strcpy(changed.replaced_by, "4111111111111111");
    uint8_t buffer[LTY_RECORD_CARD_BYTES_MAX];
    size_t size = lty_record_card_encode(&changed, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, card->card_no);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(
        lty_store_put(txn, LTY_DB_CARDS, lty_key_bytes(&key), (lty_bytes_t){buffer, size}), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
}

/* A read transaction positioned on the value of db's u64 key id (the caller aborts it). */
static lty_store_txn_t *value_by_id(lty_db_t db, uint64_t id, lty_bytes_t *value_out)
{
    lty_store_txn_t *txn = read_begin();
    lty_key_t key;
    lty_key_id(&key, id);
    assert_int_equal(lty_store_get(txn, db, lty_key_bytes(&key), value_out), 0);
    return txn;
}

void sale_record_get(uint64_t sale_id, lty_sale_t *sale_out)
{
    lty_bytes_t value;
    lty_store_txn_t *txn = value_by_id(LTY_DB_SALES, sale_id, &value);
    int err = lty_record_sale_decode(value, sale_out);
    lty_store_txn_abort(txn);
    assert_int_equal(err, 0);
}

void entry_get(uint64_t entry_id, lty_journal_entry_t *entry_out)
{
    lty_bytes_t value;
    lty_store_txn_t *txn = value_by_id(LTY_DB_JOURNAL, entry_id, &value);
    int err = lty_record_entry_decode(value, entry_out);
    lty_store_txn_abort(txn);
    assert_int_equal(err, 0);
}

const lty_audit_t *last_audit_of(uint64_t member_id)
{
    static lty_ops_audit_page_t page;
    lty_store_txn_t *txn = read_begin();
    int err = lty_ops_member_audit_page(txn, member_id, 0, 1, &page);
    lty_store_txn_abort(txn);
    assert_int_equal(err, 0);
    assert_int_equal(page.audits_count, 1);
    return &page.audits[0];
}

void prepaid_to_ledger_max(const char *card_no)
{
    programme.topup_cents_max = LTY_PREPAID_CENTS_PER_TXN_MAX;
    programme.prepaid_balance_cents_max = LTY_PREPAID_BALANCE_CENTS_MAX;
    lty_ops_topup_t request = {.amount_cents = LTY_PREPAID_CENTS_PER_TXN_MAX,
                               .tender = LTY_TENDER_BANK_CARD};
    snprintf(request.card_no, sizeof(request.card_no), "%s", card_no);
    lty_ops_balances_t balances;
    lty_store_txn_t *txn = write_begin();
    int64_t steps = LTY_PREPAID_BALANCE_CENTS_MAX / LTY_PREPAID_CENTS_PER_TXN_MAX;
    for (int64_t step = 0; step < steps; step++) {
        assert_int_equal(
            lty_ops_topup(txn, &till_actor, &programme, NOW, &request, &balances, NULL), 0);
    }
    assert_int_equal(finish(txn, 0), 0);
    assert_int_equal(balances.prepaid_cents, LTY_PREPAID_BALANCE_CENTS_MAX);
}

void points_grant(uint64_t member_id, int64_t points)
{
    lty_store_txn_t *txn = write_begin();
    while (points > 0) {
        int64_t part = points < LTY_LEDGER_POSTING_AMOUNT_MAX ? points : LTY_LEDGER_POSTING_AMOUNT_MAX;
        lty_account_t account;
        assert_int_equal(lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &account),
                         0);
        lty_journal_entry_t entry;
        memset(&entry, 0, sizeof(entry));
        entry.kind = LTY_ENTRY_ADJUST;
        entry.member_id = member_id;
        strcpy(entry.principal, "system");
        strcpy(entry.reference, "test grant");
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, part);
        lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_ADJUSTED, 0, -part);
        assert_int_equal(lty__ops_journal_post(txn, &entry, NOW), 0);
        assert_int_equal(lty__ops_lots_credit(txn, member_id, account.balance, part,
                                              NOW + programme.points_lot_days * LTY_MS_PER_DAY,
                                              entry.entry_id),
                         0);
        points -= part;
    }
    assert_int_equal(finish(txn, 0), 0);
}

/* ---- Store digest ------------------------------------------------------------------------- */

/* Chained: digest = SHA-256(digest | db | SHA-256(key) | SHA-256(value)) per record, so every
 * byte of every key and value, the order and the database each lives in count. */
/* A security event on the audit trail: a refusal writes one by design (api/audit.c), on its own
 * writer job, so a digest that is to stay unchanged across a refusal leaves them out, as
 * `loyaltyctl stats` does. */
static bool security_event_is(int db, lty_bytes_t value)
{
    static lty_audit_t audit;
    return db == LTY_DB_AUDIT && lty_record_audit_decode(value, &audit) == 0 &&
           strncmp(audit.action, "security.", 9) == 0;
}

store_digest_t store_digest_txn(lty_store_txn_t *txn)
{
    uint8_t link[32 + 4 + 32 + 32];
    memset(link, 0, sizeof(link));
    for (int db = 0; db < LTY_DB_COUNT; db++) {
        lty_store_cursor_t *cursor = NULL;
        int err = lty_store_cursor_open(txn, (lty_db_t)db, &cursor);
        if (err == LTY_E_NOT_FOUND) continue; /* a database this store does not have */
        assert_int_equal(err, 0);
        lty_bytes_t key = {0};
        lty_bytes_t value = {0};
        err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
        while (err == 0) {
            if (security_event_is(db, value)) {
                err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
                continue;
            }
            lty_record_u32_encode((uint32_t)db, link + 32);
            lty_crypto_sha256(key.data, key.size, link + 36);
            lty_crypto_sha256(value.size > 0 ? value.data : "", value.size, link + 68);
            lty_crypto_sha256(link, sizeof(link), link);
            err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
        }
        assert_int_equal(err, LTY_E_NOT_FOUND);
        lty_store_cursor_close(cursor);
    }
    store_digest_t digest;
    memcpy(digest.bytes, link, sizeof(digest.bytes));
    return digest;
}

store_digest_t store_digest(void)
{
    lty_store_txn_t *txn = read_begin();
    store_digest_t digest = store_digest_txn(txn);
    lty_store_txn_abort(txn);
    return digest;
}

void assert_unchanged(const store_digest_t *before)
{
    store_digest_t now = store_digest();
    assert_memory_equal(now.bytes, before->bytes, sizeof(now.bytes));
    assert_sound();
}

void audit_record_read(uint64_t audit_id, uint8_t *bytes_out, size_t *size_out)
{
    lty_bytes_t value;
    lty_store_txn_t *txn = value_by_id(LTY_DB_AUDIT, audit_id, &value);
    assert_true(value.size <= LTY_RECORD_AUDIT_BYTES_MAX);
    memcpy(bytes_out, value.data, value.size);
    *size_out = value.size;
    lty_store_txn_abort(txn);
}
