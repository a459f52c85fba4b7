/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_records.c: any bytes as an LMDB value, through every decoder of records.h.
 * The disk is hostile (a torn page, a bit flip, a record from another build): each decoder
 * answers LTY_E_CORRUPT, or a record that passes its own validity check and survives a round
 * trip: encode(record) decodes to a record that encodes to the same bytes, within the kind's
 * *_BYTES_MAX; and a record of the current version encodes back to exactly the input bytes
 * (the layout is canonical, so the verifier's view and the writer's bytes agree). */
#include "fuzz_support.h"
#include "records.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One round trip per kind: 1 when in decoded as that kind, else 0. Records and buffers are
 * static: a sale is ~90 KiB. */
#define FUZZ_RECORD(kind, type, bytes_max, version_current)                                    \
    static int kind##_round_trip(lty_bytes_t in)                                              \
    {                                                                                          \
        static type first;                                                                     \
        static type second;                                                                    \
        static uint8_t encoded[bytes_max];                                                     \
        static uint8_t again[bytes_max];                                                       \
        int err = lty_record_##kind##_decode(in, &first);                                      \
        LTY_ASSERT(err == 0 || err == LTY_E_CORRUPT);                                          \
        if (err != 0) return 0;                                                                \
        LTY_ASSERT(lty_record_##kind##_valid(&first));                                         \
        size_t size = lty_record_##kind##_encode(&first, encoded, sizeof(encoded));            \
        LTY_ASSERT(size >= 2 && size <= sizeof(encoded));                                      \
        LTY_ASSERT(lty_record_##kind##_decode((lty_bytes_t){encoded, size}, &second) == 0);    \
        LTY_ASSERT(lty_record_##kind##_encode(&second, again, sizeof(again)) == size);         \
        LTY_ASSERT(memcmp(encoded, again, size) == 0);                                         \
        const uint8_t *bytes = in.data;                                                        \
        if (bytes[1] == (version_current)) {                                                   \
            LTY_ASSERT(size == in.size && memcmp(encoded, bytes, size) == 0);                  \
        }                                                                                      \
        return 1;                                                                              \
    }

FUZZ_RECORD(member, lty_member_t, LTY_RECORD_MEMBER_BYTES_MAX, LTY_MEMBER_VERSION)
FUZZ_RECORD(card, lty_card_t, LTY_RECORD_CARD_BYTES_MAX, LTY_CARD_VERSION)
FUZZ_RECORD(account, lty_account_t, LTY_RECORD_ACCOUNT_BYTES_MAX, LTY_ACCOUNT_VERSION)
FUZZ_RECORD(entry, lty_journal_entry_t, LTY_RECORD_ENTRY_BYTES_MAX, LTY_ENTRY_VERSION)
FUZZ_RECORD(lot, lty_lot_t, LTY_RECORD_LOT_BYTES_MAX, LTY_LOT_VERSION)
FUZZ_RECORD(sale, lty_sale_t, LTY_RECORD_SALE_BYTES_MAX, LTY_SALE_VERSION)
FUZZ_RECORD(store, lty_store_record_t, LTY_RECORD_STORE_BYTES_MAX, LTY_STORE_VERSION)
FUZZ_RECORD(till, lty_till_t, LTY_RECORD_TILL_BYTES_MAX, LTY_TILL_VERSION)
FUZZ_RECORD(operator, lty_operator_t, LTY_RECORD_OPERATOR_BYTES_MAX, LTY_OPERATOR_VERSION)
FUZZ_RECORD(audit, lty_audit_t, LTY_RECORD_AUDIT_BYTES_MAX, LTY_AUDIT_VERSION)
/* Kinds added by work in progress elsewhere are fuzzed once their header declares them. */
#ifdef LTY_PIN_VERSION
FUZZ_RECORD(pin, lty_pin_t, LTY_RECORD_PIN_BYTES_MAX, LTY_PIN_VERSION)
#endif
#ifdef LTY_RECORD_TAG_TIER_CHANGE
FUZZ_RECORD(tier_change, lty_tier_change_t, LTY_RECORD_TIER_CHANGE_BYTES_MAX,
            LTY_TIER_CHANGE_VERSION)
FUZZ_RECORD(spend_month, lty_spend_month_t, LTY_RECORD_SPEND_MONTH_BYTES_MAX,
            LTY_SPEND_MONTH_VERSION)
#endif

/* META's fixed-width integers: exactly 8 (4) bytes or LTY_E_CORRUPT, and back again. */
static void integers_round_trip(lty_bytes_t in)
{
    uint64_t value64 = 0;
    int err = lty_record_u64_decode(in, &value64);
    LTY_ASSERT(err == 0 || err == LTY_E_CORRUPT);
    LTY_ASSERT((err == 0) == (in.size == 8));
    uint8_t bytes[8];
    if (err == 0) {
        lty_record_u64_encode(value64, bytes);
        LTY_ASSERT(memcmp(bytes, in.data, 8) == 0);
    }
    uint32_t value32 = 0;
    err = lty_record_u32_decode(in, &value32);
    LTY_ASSERT(err == 0 || err == LTY_E_CORRUPT);
    LTY_ASSERT((err == 0) == (in.size == 4));
    if (err == 0) {
        lty_record_u32_encode(value32, bytes);
        LTY_ASSERT(memcmp(bytes, in.data, 4) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > LTY_RECORD_SALE_BYTES_MAX + 16) return 0;
    lty_bytes_t in = {data, size};
    integers_round_trip(in);
    if (size < 2) {
        /* Too short for a header: every decoder refuses. */
        lty_member_t member;
        LTY_ASSERT(lty_record_member_decode(in, &member) == LTY_E_CORRUPT);
        return 0;
    }
    /* Every decoder sees every input: a value read from the wrong database must be refused by
     * its tag, not misread. */
    int decoded = member_round_trip(in) + card_round_trip(in) + account_round_trip(in) +
                  entry_round_trip(in) + lot_round_trip(in) + sale_round_trip(in) +
                  store_round_trip(in) + till_round_trip(in) + operator_round_trip(in) +
                  audit_round_trip(in);
#ifdef LTY_PIN_VERSION
    decoded += pin_round_trip(in);
#endif
#ifdef LTY_RECORD_TAG_TIER_CHANGE
    decoded += tier_change_round_trip(in) + spend_month_round_trip(in);
#endif
    /* The tag decides: no bytes are two kinds of record. */
    LTY_ASSERT(decoded <= 1);
    return 0;
}
