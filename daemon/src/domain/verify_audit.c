/* SPDX-License-Identifier: MIT */
/* The verifier's audit-trail check: the records form an unbroken hash chain (ops_audit.c). Walks
 * AUDIT in id order, recomputes each record's hash from its content and the hash before it, and
 * names every record where the chain breaks, the first one first:
 * - a record that no longer decodes, or whose recomputed hash differs from its stored one, was
 *   altered;
 * - a record whose prev_hash is not the stored hash of the record before it, or whose id does not
 *   follow it, has a neighbour removed, inserted or altered in place with its hash recomputed.
 * After a break the walk goes on from the stored hash, so one altered record is named once and
 * the records after it still verify.
 *
 * Not here: the per-member audit index (verify_members.c). */
#include "lty/lty_assert.h"
#include "verify_internal.h"

#include <inttypes.h>
#include <string.h>

static void chain_broken(verify_t *verify, uint64_t audit_id)
{
    if (verify->report->audit_first_broken == 0) verify->report->audit_first_broken = audit_id;
}

static int walk_chain_cb(verify_t *verify, lty_bytes_t key, lty_bytes_t value)
{
    uint64_t key_id = 0;
    if (key.size != 8 || !lty_key_u64_at(key, 0, &key_id) || key_id == 0) {
        lty__verify_problem(verify, "audit: a key of %zu bytes is not an audit id", key.size);
        return 0;
    }
    verify->report->audit_records++;
    lty_audit_t audit;
    bool prev_known = verify->audit_prev_known;
    verify->audit_prev_known = false; /* until this record proves readable */
    uint64_t expected_id = verify->audit_last_id + 1;
    verify->audit_last_id = key_id;
    if (lty_record_audit_decode(value, &audit) != 0 || audit.audit_id != key_id) {
        chain_broken(verify, key_id);
        lty__verify_problem(verify, "audit record %" PRIu64 ": altered (it no longer decodes)",
                            key_id);
        return 0;
    }
    if (!audit.chained) {
        chain_broken(verify, key_id);
        lty__verify_problem(verify, "audit record %" PRIu64 ": not in the hash chain (a version-1 "
                            "record: start loyaltyd once to migrate the store)", key_id);
        return 0;
    }
    uint8_t hash[LTY_AUDIT_HASH_BYTES];
    lty_record_audit_hash(&audit, hash);
    if (memcmp(hash, audit.hash, sizeof(hash)) != 0) {
        chain_broken(verify, key_id);
        lty__verify_problem(verify, "audit record %" PRIu64 ": altered (its hash does not match "
                            "its content)", key_id);
    } else if (key_id != expected_id ||
               (prev_known && memcmp(audit.prev_hash, verify->audit_prev, sizeof(hash)) != 0)) {
        chain_broken(verify, key_id);
        lty__verify_problem(verify, "audit record %" PRIu64 ": does not follow record %" PRIu64
                            " (a record before it was removed, inserted or rewritten)", key_id,
                            expected_id - 1);
    }
    memcpy(verify->audit_prev, audit.hash, sizeof(hash));
    verify->audit_prev_known = true;
    return 0;
}

int lty__verify_audit_chain(verify_t *verify)
{
    LTY_ASSERT(verify != NULL && verify->txn != NULL);
    memset(verify->audit_prev, 0, sizeof(verify->audit_prev)); /* the first record's prev_hash */
    verify->audit_prev_known = true;
    verify->audit_last_id = 0;
    int err = lty__verify_walk(verify, LTY_DB_AUDIT, walk_chain_cb);
    LTY_ASSERT(err != 0 || verify->report->audit_first_broken == 0 ||
               verify->report->problems_total > 0);
    return err;
}
