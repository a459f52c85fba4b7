/* SPDX-License-Identifier: MIT */
/* A till's sale: card and member checks, the coupons (ops_coupon_sale.c), the points plan
 * (ledger.c), the earning rules (rules.c) and the staff member's commission, one journal entry
 * with the redeem, earn and commission postings, lots, cap usage, the coupons' uses, and the
 * sale record indexed by store and receipt_no. A quote runs the same reads and the same
 * evaluation and writes nothing, so the sale that follows earns what was quoted.
 *
 * Order (docs/coupons.md): the coupons come off the basket first, and everything after sees the
 * basket as the member pays it: the points plan and redemption, the earning rules (their
 * matches, thresholds and multipliers), the commission, the tenders, tier spend, and the sale
 * record that returns refund from.
 *
 * Policies (docs/storage.md): a receipt_no is unique per store, so a second sale with the same
 * receipt_no at the same store is refused with LTY_E_EXISTS (retries of one request are the
 * idempotency layer's business, not this one). A sale that neither earns nor redeems still
 * gets a journal entry, with no postings, so its sale_id exists and the member's history shows
 * it. Redeemed points are taken from lots that have not expired (soonest first) before earned
 * points form a new lot expiring by the programme's policy. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

static int sale_check(const lty_ops_sale_t *sale, lty_diag_t *diag)
{
    size_t receipt_size = strnlen(sale->receipt_no, sizeof(sale->receipt_no));
    if (receipt_size == 0 || receipt_size > LTY_RECEIPT_NO_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/receipt_no",
                            "receipt_no must be 1 to %d bytes", LTY_RECEIPT_NO_BYTES_MAX);
    }
    if (sale->lines_count < 1 || sale->lines_count > LTY_BASKET_LINES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                            "basket has %zu lines, limit is 1 to %d", sale->lines_count,
                            LTY_BASKET_LINES_MAX);
    }
    if (sale->redeem_points < 0 || sale->redeem_points > LTY_POINTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/redeem_points",
                            "redeem_points must be 0 to %lld",
                            (long long)LTY_POINTS_PER_TXN_MAX);
    }
    for (size_t index = 0; index < sale->lines_count; index++) {
        const lty_sale_line_t *line = &sale->lines[index];
        size_t sku_size = strnlen(line->sku, sizeof(line->sku));
        bool ok = sku_size >= 1 && sku_size <= LTY_SKU_BYTES_MAX;
        ok = ok && strnlen(line->category, sizeof(line->category)) <= LTY_CATEGORY_BYTES_MAX;
        ok = ok && line->qty >= 1 && line->qty <= LTY_LINE_QTY_MAX;
        ok = ok && line->amount_cents >= 0 && line->amount_cents <= LTY_LINE_AMOUNT_CENTS_MAX;
        if (!ok) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                                "line %zu: sku 1..%d bytes, qty 1..%d, amount_cents 0..%lld",
                                index, LTY_SKU_BYTES_MAX, LTY_LINE_QTY_MAX,
                                (long long)LTY_LINE_AMOUNT_CENTS_MAX);
        }
    }
    return 0;
}

static int receipt_claim(lty_store_txn_t *txn, const char *store, const char *receipt_no,
                         uint64_t sale_id)
{
    uint8_t id_bytes[8];
    lty_record_u64_encode(sale_id, id_bytes);
    lty_key_t key;
    lty_key_pair(&key, store, receipt_no);
    return lty_store_insert(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key),
                            (lty_bytes_t){.data = id_bytes, .size = sizeof(id_bytes)});
}
/* Checked before any write so a duplicate receipt is refused without work to undo; the insert
 * in receipt_claim() stays the authority. */
static int receipt_unused(lty_store_txn_t *txn, const char *store, const char *receipt_no,
                          lty_diag_t *diag)
{
    lty_key_t key;
    lty_key_pair(&key, store, receipt_no);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err != 0) return err;
    return lty_diag_set(diag, LTY_E_EXISTS, "/receipt_no",
                        "this store already recorded receipt %s", receipt_no);
}

/* Everything a sale reads and decides before it writes (also all a quote needs). */
typedef struct sale_work_s {
    lty_card_t card;
    lty_member_t member;
    lty_account_t points;        /* the member's points account as stored */
    int64_t available;           /* what may be spent now (expired lots not counted) */
    lty_ledger_sale_plan_t plan; /* rules applied: points_earned is the final figure */
    bool has_staff;
    lty_staff_t staff;
    int64_t commission_cents;
    size_t selected_count;
    const lty_rule_t *selected[LTY_RULES_APPLIED_MAX];
    lty_rules_usage_t usage[LTY_RULES_APPLIED_MAX];
    lty_rules_outcome_t rules;
    lty_ops_coupons_t coupons;   /* each coupon's effect (none without coupons) */
    lty_ops_sale_t net;          /* with coupons: the sale with its basket after them */
} sale_work_t;

static int sale_parties(lty_store_txn_t *txn, const lty_actor_t *actor, const char *card_no,
                        int64_t now_ms, sale_work_t *work)
{
    int err = lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_SIZE));
    if (err != 0) return err;
    err = lty_ops_store_usable(txn, actor->store);
    if (err != 0) return err;
    err = lty__ops_card_load(txn, card_no, &work->card);
    if (err != 0) return err;
    /* a closed account answers 410 whatever its (blocked) cards say */
    if (work->card.member_id != 0) {
        err = lty__ops_member_load(txn, work->card.member_id, &work->member);
        if (err == LTY_E_MEMBER_NOT_FOUND) return LTY_E_CORRUPT;
        if (err == 0 && work->member.status == LTY_MEMBER_CLOSED) return LTY_E_ACCOUNT_CLOSED;
        if (err != 0) return err;
    }
    return lty_ops_card_usable(work->card.status, work->card.expires_ms, now_ms);
}

/* How much of each selected rule's caps the member used (only rules with caps are read). */
static int usage_load(lty_store_txn_t *txn, uint64_t member_id, int64_t day, sale_work_t *work)
{
    for (size_t index = 0; index < work->selected_count; index++) {
        const lty_rule_t *rule = work->selected[index];
        work->usage[index] = (lty_rules_usage_t){0};
        for (int daily = 0; daily < 2; daily++) {
            if ((daily ? rule->cap_points_per_day : rule->cap_points) == 0) continue;
            lty_key_t key;
            lty_key_rule_usage(&key, member_id, rule->rule_id, daily ? (uint64_t)day + 1 : 0);
            lty_bytes_t value;
            lty_rule_usage_t usage;
            int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
            if (err == LTY_E_NOT_FOUND) continue;
            if (err == 0) err = lty_record_rule_usage_decode(value, &usage);
            if (err != 0) return err;
            *(daily ? &work->usage[index].day_points : &work->usage[index].campaign_points) =
                usage.points;
        }
    }
    return 0;
}

/* The earning rules on top of the plan: what the sale earns in the end. */
static int sale_rules(lty_store_txn_t *txn, const lty_actor_t *actor,
                      const lty_settings_t *settings, int64_t now_ms, const lty_ops_sale_t *sale,
                      sale_work_t *work)
{
    const lty_programme_t *programme = &settings->programme;
    lty_rules_sale_t input = {.lines = sale->lines,
                              .lines_count = sale->lines_count,
                              .total_cents = work->plan.total_cents,
                              .eligible_cents = work->plan.eligible_cents,
                              .store = actor->store,
                              .tier = work->member.tier,
                              .now_ms = now_ms};
    work->selected_count = lty_rules_select(programme, settings->rules, settings->rules_count,
                                            &input, work->selected);
    int err = usage_load(txn, work->card.member_id, lty_rules_day(programme, now_ms), work);
    if (err == 0) err = lty_rules_evaluate(programme, work->selected, work->usage,
                                           work->selected_count, &input, &work->rules);
    if (err != 0) return err;
    LTY_ASSERT(work->rules.points_base == work->plan.points_earned); /* one formula, two paths */
    int64_t after = work->plan.points_balance_after - work->plan.points_earned;
    if (!lty_i64_add(after, work->rules.points_earned, LTY_POINTS_BALANCE_MAX, &after)) {
        return LTY_E_POINTS_LIMIT;
    }
    work->plan.points_earned = work->rules.points_earned;
    work->plan.points_balance_after = after;
    return 0;
}

/* The sale's coupons come off its basket: the sale is copied into work->net (the command stays
 * as received: a batch that is run again must find it unchanged) and *sale_io points at the copy.
 * lenient (offline sales, quotes): a refused coupon is kept with its error and left out. */
static int sale_coupons_plan(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                             bool lenient, const lty_ops_sale_t **sale_io, sale_work_t *work,
                             lty_diag_t *diag)
{
    const lty_ops_sale_t *sale = *sale_io;
    if (sale->coupons_count == 0) return 0;
    if (work->card.member_id == 0) return LTY_E_CARD_NOT_ACTIVATED; /* refused before, anyway */
    lty_ops_sale_t *net = &work->net;
    memcpy(net, sale, offsetof(lty_ops_sale_t, lines));
    memcpy(net->lines, sale->lines, sale->lines_count * sizeof(sale->lines[0]));
    memcpy(net->staff_id, sale->staff_id, sizeof(*net) - offsetof(lty_ops_sale_t, staff_id));
    const char(*codes)[LTY_COUPON_CODE_SIZE] = (const char(*)[LTY_COUPON_CODE_SIZE])net->coupons;
    int err = lty_ops_coupons_plan(txn, actor->store, now_ms, work->card.member_id,
                                   work->member.tier, codes, net->coupons_count, lenient,
                                   net->lines, net->lines_count, &work->coupons, diag);
    if (err == 0) *sale_io = net;
    return err;
}

/* Every read and decision of a sale: card, store, member, receipt, coupons, points, tier, staff,
 * rules, commission. receipt_no "" (a quote) is not checked. *sale_io is the basket after the
 * coupons from then on. */
static int sale_work_build(lty_store_txn_t *txn, const lty_actor_t *actor,
                           const lty_settings_t *settings, int64_t now_ms, bool quote,
                           const lty_ops_sale_t **sale_io, sale_work_t *work, lty_diag_t *diag)
{
    const lty_programme_t *programme = &settings->programme;
    memset(work, 0, offsetof(sale_work_t, net));
    const lty_ops_sale_t *sale = *sale_io;
    int err = sale_parties(txn, actor, sale->card_no, now_ms, work);
    if (err == 0 && sale->receipt_no[0] != '\0') {
        err = receipt_unused(txn, actor->store, sale->receipt_no, diag);
    }
    if (err == 0) err = sale_coupons_plan(txn, actor, now_ms, quote || sale->offline, sale_io,
                                          work, diag);
    sale = *sale_io;
    int64_t total_cents = 0;
    if (err == 0) err = lty_ledger_basket_total(sale->lines, sale->lines_count, &total_cents);
    int64_t balance = 0;
    if (err == 0) err = lty_ops_points_available(txn, work->card.member_id, now_ms, &balance,
                                                  &work->available);
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS,
                                             work->card.member_id, &work->points);
    /* Redemption is checked against what may be spent now: expired lots do not count. */
    if (err == 0) err = lty_ledger_sale_plan(programme, total_cents, sale->redeem_points,
                                             work->available, &work->plan);
    if (err == 0) err = lty_ledger_sale_plan_tier(programme, work->member.tier, &work->plan);
    if (err == 0 && sale->staff_id[0] != '\0') {
        err = lty__ops_staff_active(txn, sale->staff_id, &work->staff, diag);
        work->has_staff = err == 0;
    }
    if (err == 0) err = sale_rules(txn, actor, settings, now_ms, sale, work);
    if (err == 0 && work->has_staff) {
        work->commission_cents = total_cents * programme->commission_sale_basis_points / 10000;
    }
    return err;
}

static void sale_entry_build(const lty_actor_t *actor, const lty_ops_sale_t *sale,
                             const sale_work_t *work, lty_journal_entry_t *entry)
{
    uint64_t member_id = work->card.member_id;
    const lty_ledger_sale_plan_t *plan = &work->plan;
    memset(entry, 0, sizeof(*entry));
    entry->kind = LTY_ENTRY_SALE;
    entry->member_id = member_id;
    snprintf(entry->principal, sizeof(entry->principal), "%s", lty__ops_principal(actor));
    snprintf(entry->store, sizeof(entry->store), "%s", actor->store);
    snprintf(entry->till, sizeof(entry->till), "%s", actor->till);
    snprintf(entry->reference, sizeof(entry->reference), "%s", sale->receipt_no);
    if (plan->points_redeemed > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, member_id,
                               -plan->points_redeemed);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_REDEEMED, 0, plan->points_redeemed);
    }
    if (plan->points_earned > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, plan->points_earned);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_ISSUED, 0, -plan->points_earned);
    }
    if (work->commission_cents > 0) {
        lty__ops_commission_postings(entry, &work->staff, work->commission_cents);
    }
}

static int sale_record_store(lty_store_txn_t *txn, const lty_ops_sale_t *sale,
                             const lty_journal_entry_t *entry, const sale_work_t *work,
                             const lty_sale_lot_t *lots, uint32_t lots_count)
{
    static _Thread_local lty_sale_t record;
    static _Thread_local uint8_t buffer[LTY_RECORD_SALE_BYTES_MAX];
    const lty_ledger_sale_plan_t *plan = &work->plan;
    memset(&record, 0, offsetof(lty_sale_t, lines));
    memset(record.staff_id, 0, sizeof(record) - offsetof(lty_sale_t, staff_id));
    record.sale_id = entry->entry_id;
    memcpy(record.card_no, sale->card_no, sizeof(record.card_no));
    record.member_id = entry->member_id;
    memcpy(record.store, entry->store, sizeof(record.store));
    memcpy(record.till, entry->till, sizeof(record.till));
    memcpy(record.receipt_no, sale->receipt_no, sizeof(record.receipt_no));
    record.created_ms = entry->created_ms;
    record.status = LTY_SALE_COMPLETED;
    record.total_cents = plan->total_cents;
    record.redeem_value_cents = plan->redeem_value_cents;
    record.points_earned = plan->points_earned;
    record.points_redeemed = plan->points_redeemed;
    record.tenders_count = (uint32_t)sale->tenders_count;
    memcpy(record.tenders, sale->tenders, sizeof(record.tenders));
    record.lots_count = lots_count;
    if (lots_count > 0) memcpy(record.lots, lots, lots_count * sizeof(lots[0]));
    record.lines_count = (uint32_t)sale->lines_count;
    memcpy(record.lines, sale->lines, sale->lines_count * sizeof(sale->lines[0]));
    for (size_t index = 0; index < sale->lines_count; index++) record.lines[index].qty_returned = 0;
    if (work->has_staff) {
        memcpy(record.staff_id, work->staff.staff_id, sizeof(record.staff_id));
        record.staff_no = work->staff.staff_no;
        record.commission_cents = work->commission_cents;
    }
    for (size_t index = 0; index < work->rules.applied_count; index++) {
        const lty_rules_applied_t *applied = &work->rules.applied[index];
        if (applied->points == 0) continue; /* a rule a cap cut to nothing */
        record.rules[record.rules_count++] =
            (lty_sale_rule_t){.rule_id = applied->rule_id, .points = applied->points};
    }
    size_t size = lty_record_sale_encode(&record, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, record.sale_id);
    return lty_store_put(txn, LTY_DB_SALES, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

int lty__ops_sale_of_entry(lty_store_txn_t *txn, uint64_t sale_id, lty_sale_t *sale_out)
{
    LTY_ASSERT(txn != NULL && sale_out != NULL);
    lty_key_t key;
    lty_key_id(&key, sale_id);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SALES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CORRUPT; /* a sale entry without its record */
    return err == 0 ? lty_record_sale_decode(value, sale_out) : err;
}

static int usage_add(lty_store_txn_t *txn, uint64_t member_id, uint64_t rule_id, uint64_t day,
                     int64_t points)
{
    lty_key_t key;
    lty_key_rule_usage(&key, member_id, rule_id, day);
    lty_bytes_t value;
    lty_rule_usage_t usage = {.member_id = member_id, .rule_id = rule_id, .day = day};
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_rule_usage_decode(value, &usage);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    usage.points += points; /* bounded by the balance limit: caps and the per-sale maximum */
    uint8_t buffer[LTY_RECORD_RULE_USAGE_BYTES_MAX];
    size_t size = lty_record_rule_usage_encode(&usage, buffer, sizeof(buffer));
    return lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

/* What each rule added counts against its caps: the campaign total of every rule that added
 * points (verify.c checks caps against it), and the day's total where there is a daily cap. */
static int usage_record(lty_store_txn_t *txn, const sale_work_t *work)
{
    int err = 0;
    for (size_t index = 0; err == 0 && index < work->rules.applied_count; index++) {
        const lty_rules_applied_t *applied = &work->rules.applied[index];
        if (applied->rule_id == 0 || applied->points <= 0) continue;
        err = usage_add(txn, work->card.member_id, applied->rule_id, 0, applied->points);
        const lty_rule_t *rule = NULL;
        for (size_t find = 0; find < work->selected_count; find++) {
            if (work->selected[find]->rule_id == applied->rule_id) rule = work->selected[find];
        }
        LTY_ASSERT(rule != NULL);
        if (err == 0 && rule->cap_points_per_day > 0) {
            err = usage_add(txn, work->card.member_id, applied->rule_id,
                            (uint64_t)work->rules.day + 1, applied->points);
        }
    }
    return err;
}

/* The writes of a sale, after sale_work_build decided everything. */
static int sale_write(lty_store_txn_t *txn, const lty_actor_t *actor,
                      const lty_programme_t *programme, int64_t now_ms, const lty_ops_sale_t *sale,
                      sale_work_t *work, lty_journal_entry_t *entry, lty_diag_t *diag)
{
    uint64_t member_id = work->card.member_id;
    const lty_ledger_sale_plan_t *plan = &work->plan;
    sale_entry_build(actor, sale, work, entry);
    int err = 0;
    if (sale->tenders_count > 0) { /* paid through the programme (ops_prepaid.c) */
        err = lty__ops_sale_tenders(txn, programme, sale,
                                    plan->total_cents - plan->redeem_value_cents, member_id,
                                    entry, diag);
    }
    static _Thread_local lty_sale_lot_t lots[LTY_LOTS_PER_REDEMPTION_MAX];
    uint32_t lots_count = 0;
    if (err == 0 && plan->points_redeemed > 0) {
        err = lty__ops_lots_take(txn, member_id, plan->points_redeemed, now_ms,
                                 LTY_OPS_LOTS_UNEXPIRED, lots, &lots_count);
    }
    if (err == 0) err = lty__ops_journal_post(txn, entry, now_ms);
    if (err == 0) err = receipt_claim(txn, actor->store, sale->receipt_no, entry->entry_id);
    if (err == LTY_E_EXISTS) {
        return lty_diag_set(diag, LTY_E_EXISTS, "/receipt_no",
                            "this store already recorded receipt %s", sale->receipt_no);
    }
    if (err == 0 && plan->points_earned > 0) {
        err = lty__ops_lots_credit(txn, member_id, work->points.balance - plan->points_redeemed,
                                   plan->points_earned,
                                   lty_programme_lot_expires_ms(programme, now_ms),
                                   entry->entry_id);
    }
    if (err == 0 && work->coupons.count > 0) {
        err = lty_ops_coupons_record(txn, actor, now_ms, entry->entry_id, member_id,
                                     sale->offline, &work->coupons);
    }
    if (err == 0) err = sale_record_store(txn, sale, entry, work, lots, lots_count);
    if (err == 0) err = usage_record(txn, work);
    return err;
}

int lty_ops_sale_ex(lty_store_txn_t *txn, const lty_actor_t *actor,
                    const lty_settings_t *settings, int64_t now_ms, const lty_ops_sale_t *sale,
                    lty_ops_sale_result_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && settings != NULL);
    LTY_ASSERT(sale != NULL && result_out != NULL);
    LTY_ASSERT(actor->store[0] != '\0'); /* the dispatcher only lets tills sell */
    const lty_programme_t *programme = &settings->programme;
    static _Thread_local sale_work_t work;
    int err = sale_check(sale, diag);
    if (err == 0 && sale->receipt_no[0] == '\0') err = LTY_E_INVALID_FIELD;
    if (err == 0) err = sale_work_build(txn, actor, settings, now_ms, false, &sale, &work, diag);
    lty_journal_entry_t entry;
    if (err == 0) err = sale_write(txn, actor, programme, now_ms, sale, &work, &entry, diag);
    lty_account_t prepaid;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID,
                                             work.card.member_id, &prepaid);
    uint32_t tier = 0; /* card validity on activity, spend buckets, upgrade at once */
    bool tier_upgraded = false;
    if (err == 0) err = lty__ops_card_activity(txn, programme, now_ms, &work.card);
    if (err == 0) err = lty__ops_tier_sale(txn, actor, programme, now_ms, work.card.member_id,
                                           work.plan.eligible_cents, work.plan.points_earned,
                                           &tier, &tier_upgraded);
    if (err == 0) err = lty__ops_purchase_add(txn, work.card.member_id, entry.created_ms,
                                              actor->store, work.plan.total_cents);
    if (err != 0) return err;
    memset(result_out, 0, sizeof(*result_out));
    result_out->sale_id = entry.entry_id;
    result_out->member_id = work.card.member_id;
    result_out->points_earned = work.plan.points_earned;
    result_out->points_redeemed = work.plan.points_redeemed;
    result_out->points_balance = work.plan.points_balance_after;
    result_out->prepaid_cents = prepaid.balance;
    result_out->tier = tier;
    result_out->tier_upgraded = tier_upgraded;
    result_out->rules = work.rules;
    result_out->commission_cents = work.commission_cents;
    result_out->coupons = work.coupons;
    result_out->total_cents = work.plan.total_cents;
    return 0;
}

int lty_ops_sale(lty_store_txn_t *txn, const lty_actor_t *actor,
                 const lty_programme_t *programme, int64_t now_ms, const lty_ops_sale_t *sale,
                 lty_ops_sale_result_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    static _Thread_local lty_settings_t settings; /* a programme, no rules */
    lty_settings_of_programme(programme, &settings);
    return lty_ops_sale_ex(txn, actor, &settings, now_ms, sale, result_out, diag);
}

int lty_ops_sale_quote(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_settings_t *settings, int64_t now_ms, const lty_ops_sale_t *sale,
                       lty_ops_quote_t *quote_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && settings != NULL);
    LTY_ASSERT(sale != NULL && quote_out != NULL);
    const lty_programme_t *programme = &settings->programme;
    static _Thread_local sale_work_t work;
    static _Thread_local lty_ops_sale_t checked;
    checked = *sale; /* sale_check wants a receipt_no; a quote may go without */
    if (checked.receipt_no[0] == '\0') memcpy(checked.receipt_no, "quote", sizeof("quote"));
    int err = sale_check(&checked, diag);
    if (err == 0) err = sale_work_build(txn, actor, settings, now_ms, true, &sale, &work, diag);
    if (err == 0 && sale->tenders_count > 0) { /* the tenders add up, prepaid covers its part */
        lty_journal_entry_t scratch;
        memset(&scratch, 0, sizeof(scratch));
        err = lty__ops_sale_tenders(txn, programme, sale,
                                    work.plan.total_cents - work.plan.redeem_value_cents,
                                    work.card.member_id, &scratch, diag);
    }
    if (err != 0) return err;
    memset(quote_out, 0, sizeof(*quote_out));
    quote_out->member_id = work.card.member_id;
    quote_out->points_balance = work.available;
    quote_out->points_earned = work.plan.points_earned;
    quote_out->points_redeemed = work.plan.points_redeemed;
    int64_t by_basket = work.plan.total_cents / programme->redeem_cents_per_point;
    int64_t spendable = work.available > 0 ? work.available : 0;
    quote_out->points_redeemable = spendable < by_basket ? spendable : by_basket;
    if (quote_out->points_redeemable > LTY_POINTS_PER_TXN_MAX) {
        quote_out->points_redeemable = LTY_POINTS_PER_TXN_MAX;
    }
    quote_out->redeem_cents_per_point = programme->redeem_cents_per_point;
    quote_out->tier = work.member.tier < programme->tiers_count ? work.member.tier
                                                                : programme->tiers_count - 1;
    quote_out->rules = work.rules;
    quote_out->commission_cents = work.commission_cents;
    quote_out->coupons = work.coupons;
    quote_out->total_cents = work.plan.total_cents;
    return 0;
}
