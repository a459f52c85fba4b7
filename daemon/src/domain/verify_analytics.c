/* SPDX-License-Identifier: MIT */
/* The verifier's check of the analytics aggregate: for every member, the purchase-day
 * records (member-ledger part 7) add up to what the sale records say, purchases counted (sales
 * not wholly returned or voided) and net cents (totals less the goods returned). The sums are
 * kept per member in a table of their own, filled from both walks and compared at the end; it is
 * freed before the verifier returns. Not here: the rule for one sale (analytics.c). */
#include "analytics.h"
#include "lty/lty_assert.h"
#include "verify_internal.h"

#include <inttypes.h>
#include <string.h>

typedef struct purchase_sum_s {
    uint64_t member_id;          /* 0 = empty slot */
    int64_t sales_purchases;     /* from the sale records */
    int64_t sales_cents;
    int64_t days_purchases;      /* from the purchase-day records */
    int64_t days_cents;
} purchase_sum_t;

struct lty_verify_purchases_s {
    purchase_sum_t *slots;
    size_t capacity;             /* power of two */
    size_t count;
};

static size_t slot_of(const purchase_sum_t *slots, size_t capacity, uint64_t member_id)
{
    size_t mask = capacity - 1;
    size_t slot = (size_t)((member_id * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & mask;
    while (slots[slot].member_id != 0 && slots[slot].member_id != member_id) {
        slot = (slot + 1) & mask;
    }
    return slot;
}

static int table_grow(lty_verify_purchases_t *table)
{
    size_t capacity = table->capacity == 0 ? 1024 : table->capacity * 2;
    purchase_sum_t *slots = lty_calloc(capacity, sizeof(*slots));
    if (slots == NULL) return LTY_E_NOMEM;
    for (size_t index = 0; index < table->capacity; index++) {
        const purchase_sum_t *old = &table->slots[index];
        if (old->member_id != 0) slots[slot_of(slots, capacity, old->member_id)] = *old;
    }
    lty_free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return 0;
}

/* The member's sums, added when absent; NULL when memory ran out. */
static purchase_sum_t *sum_of(verify_t *verify, uint64_t member_id)
{
    LTY_ASSERT(member_id != 0);
    if (verify->purchases == NULL) {
        verify->purchases = lty_calloc(1, sizeof(*verify->purchases));
        if (verify->purchases == NULL) return NULL;
    }
    lty_verify_purchases_t *table = verify->purchases;
    if ((table->count + 1) * 2 > table->capacity && table_grow(table) != 0) return NULL;
    purchase_sum_t *sum = &table->slots[slot_of(table->slots, table->capacity, member_id)];
    if (sum->member_id == 0) {
        sum->member_id = member_id;
        table->count++;
    }
    return sum;
}

int lty__verify_purchase_sale(verify_t *verify, const lty_sale_t *sale)
{
    LTY_ASSERT(verify != NULL && sale != NULL);
    if (sale->member_id == 0) return 0;
    purchase_sum_t *sum = sum_of(verify, sale->member_id);
    if (sum == NULL) return LTY_E_NOMEM;
    sum->sales_purchases += lty_analytics_sale_counts(sale) ? 1 : 0;
    sum->sales_cents += lty_analytics_sale_net_cents(sale);
    return 0;
}

int lty__verify_purchase_day_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    LTY_ASSERT(verify != NULL);
    lty_purchase_day_t day;
    if (lty_record_purchase_day_decode(key, value, &day) != 0) {
        lty__verify_problem(verify, "member-ledger: a purchase-day record (key of %zu bytes) does "
                                    "not decode", key.size);
        return 0;
    }
    purchase_sum_t *sum = sum_of(verify, day.member_id);
    if (sum == NULL) return LTY_E_NOMEM;
    sum->days_purchases += day.purchases;
    sum->days_cents += day.sales_cents;
    return 0;
}

void lty__verify_purchases(verify_t *verify)
{
    LTY_ASSERT(verify != NULL);
    lty_verify_purchases_t *table = verify->purchases;
    for (size_t index = 0; table != NULL && index < table->capacity; index++) {
        const purchase_sum_t *sum = &table->slots[index];
        if (sum->member_id == 0) continue;
        if (sum->sales_purchases != sum->days_purchases || sum->sales_cents != sum->days_cents) {
            lty__verify_problem(verify, "member %" PRIu64 ": purchase days say %" PRId64
                                " purchases of %" PRId64 " cents, the sales %" PRId64 " of %"
                                PRId64, sum->member_id, sum->days_purchases, sum->days_cents,
                                sum->sales_purchases, sum->sales_cents);
        }
    }
}

void lty__verify_purchases_free(verify_t *verify)
{
    LTY_ASSERT(verify != NULL);
    if (verify->purchases == NULL) return;
    lty_free(verify->purchases->slots);
    lty_free(verify->purchases);
    verify->purchases = NULL;
}
