/* SPDX-License-Identifier: MIT */
/* Verifier checks of what returns, voids and account close leave behind: a sale's status agrees
 * with what was returned, each return or void record matches its journal entry and sale, and a
 * closed member holds nothing (see verify.c for the walk and the account sums). */
#include "verify_internal.h"
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "lty/lty_err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A sale's status agrees with its lines: completed = nothing returned, returned and voided =
 * everything, partly returned = something but not everything. */
static int walk_sale_status_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_sale_t *sale = verify->sale;
    if (lty_record_sale_decode(value, sale) != 0) return 0; /* reported by walk_sales_cb */
    bool none = true;
    bool all = true;
    for (uint32_t line = 0; line < sale->lines_count; line++) {
        none = none && sale->lines[line].qty_returned == 0;
        all = all && sale->lines[line].qty_returned == sale->lines[line].qty;
    }
    bool ok = sale->status == LTY_SALE_COMPLETED ? none
              : sale->status == LTY_SALE_PARTLY_RETURNED ? !none && !all
                                                         : all;
    if (!ok) {
        lty__verify_problem(verify, "sale %" PRIu64 ": status %u disagrees with the quantities returned",
                sale->sale_id, (unsigned int)sale->status);
    }
    return 0;
}

/* A return record names its RETURN/VOID entry and the sale that entry gives back; a void
 * record's sale is voided, a return record's sale is (partly) returned, never voided. */
static int walk_returns_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t entry_id = 0;
    lty_return_t record;
    if (!lty_key_u64_at(key, 0, &entry_id) || lty_record_return_decode(value, &record) != 0 ||
        record.entry_id != entry_id) {
        lty__verify_problem(verify, "return %" PRIu64 ": record does not decode", entry_id);
        return 0;
    }
    lty_key_t entry_key;
    lty_key_id(&entry_key, entry_id);
    lty_bytes_t entry_value;
    bool found = false;
    lty_journal_entry_t entry;
    int err = lty__verify_exists(verify, LTY_DB_JOURNAL, &entry_key, &entry_value, &found);
    if (err == 0 && (!found || lty_record_entry_decode(entry_value, &entry) != 0 ||
                     entry.kind != record.kind || entry.related_entry_id != record.sale_id ||
                     entry.member_id != record.member_id)) {
        lty__verify_problem(verify, "return %" PRIu64 ": its journal entry is missing or differs", entry_id);
    }
    lty_key_t sale_key;
    lty_key_id(&sale_key, record.sale_id);
    lty_bytes_t sale_value;
    if (err == 0) err = lty__verify_exists(verify, LTY_DB_SALES, &sale_key, &sale_value, &found);
    if (err != 0) return err;
    bool voided = found && lty_record_sale_decode(sale_value, verify->sale) == 0 &&
                  verify->sale->status == LTY_SALE_VOIDED;
    if (!found || voided != (record.kind == LTY_ENTRY_VOID)) {
        lty__verify_problem(verify, "return %" PRIu64 ": sale %" PRIu64 " is missing or %s", entry_id,
                record.sale_id, voided ? "voided and also returned" : "not voided");
    }
    return 0;
}

/* A closed member holds nothing: the close entry paid out and forfeited everything. */
static int walk_closed_members_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    (void)key;
    lty_member_t member;
    if (lty_record_member_decode(value, &member) != 0) return 0; /* reported elsewhere */
    if (member.status != LTY_MEMBER_CLOSED) return 0;
    const sum_t *points = lty__verify_sum_find(verify, LTY_ACCOUNT_MEMBER_POINTS, member.member_id, false);
    const sum_t *prepaid = lty__verify_sum_find(verify, LTY_ACCOUNT_MEMBER_PREPAID, member.member_id, false);
    if ((points != NULL && points->balance != 0) || (prepaid != NULL && prepaid->balance != 0)) {
        lty__verify_problem(verify, "member %" PRIu64 ": closed but still holds points or prepaid",
                member.member_id);
    }
    return 0;
}

int lty__verify_returns(verify_t *verify)
{
    int err = lty__verify_walk(verify, LTY_DB_SALES, walk_sale_status_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_RETURNS, walk_returns_cb);
    if (err == 0) err = lty__verify_walk(verify, LTY_DB_MEMBERS, walk_closed_members_cb);
    return err;
}
