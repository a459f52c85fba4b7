/* SPDX-License-Identifier: MIT */
/**
 * @file records.h
 * The domain records of the LMDB store, their versioned binary encodings and their keys.
 *
 * Owns: the in-memory structs of every record kind in schema/records.def, the one encoder and
 * the one decoder of each (the idempotency record included: writer.c stores it, this file
 * encodes it), the big-endian key
 * builders, and the semantic check of each record (lty_record_<kind>_valid) used as the pair
 * assertion around puts and gets. Layouts are documented in docs/storage.md ("Domain records").
 *
 * Does not own: business rules (ledger.c), transactions (store.c), what is stored when (ops_*.c).
 *
 * Caveats:
 * - Encoding: [u8 record tag][u8 version][fields...], integers big-endian, strings as u16 byte
 *   length + bytes (no NUL). A decoder accepts every version up to the current one; a newer
 *   version appends fields, and older records decode with those fields at their defaults.
 * - Decoders never trust the disk: wrong tag, unknown version, short or trailing bytes, an
 *   over-long string, an embedded NUL or a value out of range -> LTY_E_CORRUPT, out untouched
 *   only in the sense that it must not be used.
 * - Encoders take a record that passes lty_record_<kind>_valid() (asserted: a programmer error
 *   otherwise) and an output buffer of the kind's *_BYTES_MAX; they cannot fail.
 * - lty_sale_t is large (~90 KiB, LTY_BASKET_LINES_MAX lines); allocate it, or keep it off small
 *   stacks.
 */
#ifndef LTY_RECORDS_H
#define LTY_RECORDS_H

#include "lty/lty_card.h"
#include "lty/lty_limits.h"
#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Domain limits that exist only on disk (kept next to the layouts; derived from lty_limits.h). */
#define LTY_BIRTHDAY_BYTES 10          /* "YYYY-MM-DD" */
#define LTY_AUDIT_ACTION_BYTES_MAX 32  /* "member.create" */
#define LTY_AUDIT_TARGET_BYTES_MAX LTY_PRINCIPAL_BYTES_MAX /* "member:42", "till:S002/T01" */
#define LTY_AUDIT_VALUE_BYTES_MAX LTY_REASON_BYTES_MAX
#define LTY_REFERENCE_BYTES_MAX LTY_REASON_BYTES_MAX /* receipt_no or an adjustment reason */
#define LTY_TENDERS_PER_SALE_MAX 4
#define LTY_STORE_NAME_BYTES_MAX LTY_NAME_BYTES_MAX
_Static_assert(LTY_RECEIPT_NO_BYTES_MAX <= LTY_REFERENCE_BYTES_MAX, "receipt fits a reference");

/* Record tags: the first byte of every value, so a record read from the wrong database is
 * refused. Numbers are on-disk format: never reuse one. */
typedef enum lty_record_tag {
    LTY_RECORD_MEMBER = 1,
    LTY_RECORD_CARD = 2,
    LTY_RECORD_ACCOUNT = 3,
    LTY_RECORD_ENTRY = 4,
    LTY_RECORD_LOT = 5,
    LTY_RECORD_SALE = 6,
    LTY_RECORD_STORE = 7,
    LTY_RECORD_TILL = 8,
    LTY_RECORD_OPERATOR = 9,
    LTY_RECORD_AUDIT = 10,
    LTY_RECORD_PIN = 11,
} lty_record_tag_t;

/* ---- Member -------------------------------------------------------------------------- */

typedef enum lty_member_status {
    LTY_MEMBER_ACTIVE = 1,
    LTY_MEMBER_CLOSED = 2,
} lty_member_status_t;

#define LTY_MEMBER_VERSION 1
typedef struct lty_member_s {
    uint64_t member_id;                          /* >= 1 */
    uint8_t status;                              /* lty_member_status_t */
    uint8_t tier;                                /* index into the programme's tiers; 0 = base tier */
    uint8_t gender;                              /* 0 unknown, 1 female, 2 male, 3 other */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t closed_ms;                           /* 0 while active */
    char name[LTY_NAME_BYTES_MAX + 1];           /* "" after erasure on close */
    char phone[LTY_PHONE_BYTES_MAX + 1];         /* E.164 "+8613800138000"; "" after erasure */
    char email[LTY_EMAIL_BYTES_MAX + 1];         /* optional */
    char birthday[LTY_BIRTHDAY_BYTES + 1];       /* "YYYY-MM-DD" or "" */
    char preferred_store[LTY_STORE_ID_BYTES_MAX + 1];
    uint32_t consent_flags;                      /* marketing consents, bit per channel */
    int64_t consent_ms;                          /* when consent_flags last changed */
} lty_member_t;

/* ---- Card ---------------------------------------------------------------------------- */

typedef enum lty_card_status {
    LTY_CARD_UNASSIGNED = 0, /* printed in a batch, not yet linked (member_id 0) */
    LTY_CARD_ACTIVE = 1,
    LTY_CARD_LOST = 2,
    LTY_CARD_REPLACED = 3,
    LTY_CARD_EXPIRED = 4,    /* set by an operator or sweep; expires_ms <= now also means expired */
    LTY_CARD_CLOSED = 5,
} lty_card_status_t;

#define LTY_CARD_VERSION 1
typedef struct lty_card_s {
    char card_no[LTY_CARD_NO_SIZE];      /* digits, Luhn-checked */
    uint64_t member_id;                  /* 0 only while UNASSIGNED */
    uint8_t status;                      /* lty_card_status_t */
    int64_t issued_ms;
    int64_t expires_ms;
    int64_t status_ms;                   /* when status last changed */
    char replaced_by[LTY_CARD_NO_SIZE];  /* "" unless REPLACED */
} lty_card_t;

/* ---- Accounts and journal ------------------------------------------------------------ */

/** The two assets. Numbers are on-disk format. */
typedef enum lty_asset {
    LTY_ASSET_POINTS = 1,
    LTY_ASSET_CURRENCY = 2, /* the programme currency in minor units (fen) */
} lty_asset_t;

/**
 * Account kinds. Numbers are on-disk format (the first byte of an ACCOUNTS key).
 * Member accounts have owner = member_id; system accounts have owner 0.
 */
typedef enum lty_account_kind {
    LTY_ACCOUNT_MEMBER_POINTS = 1,
    LTY_ACCOUNT_MEMBER_PREPAID = 2,
    LTY_ACCOUNT_POINTS_ISSUED = 16,
    LTY_ACCOUNT_POINTS_REDEEMED = 17,
    LTY_ACCOUNT_POINTS_EXPIRED = 18, /* breakage */
    LTY_ACCOUNT_POINTS_ADJUSTED = 19,
    LTY_ACCOUNT_POINTS_MIGRATED = 20, /* opening points balances brought from an old system */
    LTY_ACCOUNT_PREPAID_FLOAT = 32,
    LTY_ACCOUNT_CASH_IN = 33,
    LTY_ACCOUNT_BANK_CARD_IN = 34,
    LTY_ACCOUNT_CASH_OUT = 35,
    LTY_ACCOUNT_COMMISSION_PAYABLE = 36, /* one per staff member, owner = staff_no */
    LTY_ACCOUNT_PREPAID_MIGRATED = 37, /* opening prepaid balances brought from an old system */
    LTY_ACCOUNT_COMMISSION_EXPENSE = 38, /* the system counterpart of commissions */
} lty_account_kind_t;

/** True for a kind listed above. */
bool lty_account_kind_known(unsigned int kind);
/** True for member kinds (owner = member_id), false for system kinds (owner 0). */
bool lty_account_kind_is_member(lty_account_kind_t kind);
/** True for staff kinds (owner = the staff member's staff_no): commission-payable. Such
 *  accounts live in ACCOUNTS under kind | staff_no, beside the system accounts. */
bool lty_account_kind_is_staff(lty_account_kind_t kind);
/** The asset an account kind holds. */
lty_asset_t lty_account_kind_asset(lty_account_kind_t kind);
/** "member-points", "points-issued", ...; "unknown" for others. Never NULL. */
const char *lty_account_kind_name(unsigned int kind);
/** "points", "currency"; "unknown" otherwise. */
const char *lty_asset_name(unsigned int asset);

#define LTY_ACCOUNT_VERSION 1
typedef struct lty_account_s {
    uint8_t kind;             /* lty_account_kind_t */
    uint64_t owner;           /* member_id, or 0 for system accounts */
    int64_t balance;          /* points, or minor units */
    uint64_t entries_count;   /* postings applied to this account */
    int64_t updated_ms;
} lty_account_t;

/** Journal entry kinds. Numbers are on-disk format. */
typedef enum lty_entry_kind {
    LTY_ENTRY_SALE = 1,       /* earn and/or redeem at a till (postings may be empty) */
    LTY_ENTRY_ADJUST = 2,     /* operator correction with a reason */
    LTY_ENTRY_BONUS = 3,      /* points granted by an operator or rule */
    LTY_ENTRY_EXPIRE = 4,     /* expiry sweep */
    LTY_ENTRY_TOPUP = 5,
    LTY_ENTRY_RETURN = 6,
    LTY_ENTRY_VOID = 7,
    LTY_ENTRY_CLOSE = 8,      /* account close (forfeit, payout) */
    LTY_ENTRY_MIGRATION = 9,  /* opening balances of an imported member (member import) */
    LTY_ENTRY_COMMISSION = 10, /* staff commission for a card activation */
    LTY_ENTRY_VOUCHER = 11,     /* points turned into a voucher (the rebate) */
    LTY_ENTRY_GIFT = 12,        /* points turned into a gift reservation */
    LTY_ENTRY_GIFT_CANCEL = 13, /* a cancelled or expired gift reservation gives them back */
} lty_entry_kind_t;
#define LTY_ENTRY_KIND_LAST LTY_ENTRY_GIFT_CANCEL

bool lty_entry_kind_known(unsigned int kind);
/** "sale", "adjust", "bonus", ...; "unknown" otherwise. */
const char *lty_entry_kind_name(unsigned int kind);

typedef struct lty_posting_s {
    uint8_t account_kind;     /* lty_account_kind_t */
    uint8_t asset;            /* lty_asset_t; must equal lty_account_kind_asset(account_kind) */
    uint64_t owner;
    int64_t amount;           /* != 0; + credits the account's balance, - debits it */
} lty_posting_t;

#define LTY_ENTRY_VERSION 1
typedef struct lty_journal_entry_s {
    uint64_t entry_id;                              /* >= 1, appended */
    uint8_t kind;                                   /* lty_entry_kind_t */
    int64_t created_ms;
    uint64_t member_id;                             /* 0 if no member is involved */
    uint64_t related_entry_id;                      /* reversed / returned entry, else 0 */
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];    /* "till:S001/T01", "operator:alice" */
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    char till[LTY_TILL_ID_BYTES_MAX + 1];
    char reference[LTY_REFERENCE_BYTES_MAX + 1];    /* receipt_no or reason */
    uint32_t postings_count;                        /* 0 or 2..LTY_POSTINGS_PER_ENTRY_MAX */
    lty_posting_t postings[LTY_POSTINGS_PER_ENTRY_MAX];
} lty_journal_entry_t;

/* ---- Lots ---------------------------------------------------------------------------- */

#define LTY_LOT_VERSION 1
typedef struct lty_lot_s {
    uint64_t member_id;
    int64_t expires_ms;
    uint64_t entry_id;          /* the entry that created the lot */
    int64_t points_initial;     /* > 0 */
    int64_t points_remaining;   /* 0..points_initial */
} lty_lot_t;

/* ---- Sales --------------------------------------------------------------------------- */

typedef enum lty_sale_status {
    LTY_SALE_COMPLETED = 1,
    LTY_SALE_PARTLY_RETURNED = 2,
    LTY_SALE_RETURNED = 3,
    LTY_SALE_VOIDED = 4,
} lty_sale_status_t;

typedef enum lty_tender_type {
    LTY_TENDER_CASH = 1,
    LTY_TENDER_BANK_CARD = 2,
    LTY_TENDER_PREPAID = 3,
} lty_tender_type_t;

typedef struct lty_sale_line_s {
    char sku[LTY_SKU_BYTES_MAX + 1];
    char category[LTY_CATEGORY_BYTES_MAX + 1];
    uint32_t qty;                 /* 1..LTY_LINE_QTY_MAX */
    uint32_t qty_returned;        /* 0..qty */
    int64_t amount_cents;         /* the line total, 0..LTY_LINE_AMOUNT_CENTS_MAX */
} lty_sale_line_t;

typedef struct lty_sale_tender_s {
    uint8_t type;                 /* lty_tender_type_t */
    int64_t amount_cents;         /* > 0 */
} lty_sale_tender_t;

/** Where redeemed points came from (version 2): returns and voids put them back there. */
typedef struct lty_sale_lot_s {
    int64_t expires_ms;           /* the lot's key: member_id of the sale, expires_ms, entry_id */
    uint64_t entry_id;
    int64_t points;               /* > 0: taken from that lot by this sale */
} lty_sale_lot_t;

/** One earning rule that changed a sale's points (version 3). */
typedef struct lty_sale_rule_s {
    uint64_t rule_id;             /* 0: the programme's points_per_sale_max cut the total */
    int64_t points;               /* what the rule added (> 0) or took away (< 0) */
} lty_sale_rule_t;

/* Version 2 appends the lots the redeemed points came from (version 1 reads as none).
 * Version 3 appends the staff member and commission, and the rules applied. */
#define LTY_SALE_VERSION 3
typedef struct lty_sale_s {
    uint64_t sale_id;             /* = the journal entry id of the sale */
    char card_no[LTY_CARD_NO_SIZE];
    uint64_t member_id;
    char store[LTY_STORE_ID_BYTES_MAX + 1];
    char till[LTY_TILL_ID_BYTES_MAX + 1];
    char receipt_no[LTY_RECEIPT_NO_BYTES_MAX + 1];
    int64_t created_ms;
    uint8_t status;               /* lty_sale_status_t */
    int64_t total_cents;          /* sum of line totals */
    int64_t redeem_value_cents;   /* value of the points redeemed */
    int64_t points_earned;
    int64_t points_redeemed;
    uint32_t tenders_count;       /* 0 = paid outside the programme */
    lty_sale_tender_t tenders[LTY_TENDERS_PER_SALE_MAX];
    uint32_t lots_count;          /* 0..LTY_LOTS_PER_REDEMPTION_MAX; sum of points = redeemed */
    lty_sale_lot_t lots[LTY_LOTS_PER_REDEMPTION_MAX];
    uint32_t lines_count;         /* 1..LTY_BASKET_LINES_MAX */
    lty_sale_line_t lines[LTY_BASKET_LINES_MAX];
    /* version 3 */
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1];   /* "" when no staff member was named */
    uint64_t staff_no;            /* the staff member's account owner; 0 with no staff_id */
    int64_t commission_cents;     /* commission the sale paid (returns claw back pro rata) */
    uint32_t rules_count;         /* 0..LTY_RULES_APPLIED_MAX + 1 (the per-sale cut) */
    lty_sale_rule_t rules[LTY_RULES_APPLIED_MAX + 1];
} lty_sale_t;

/* ---- Stores, tills, operators, audit ------------------------------------------------- */

/* Version 2 appends region and updated_ms. */
#define LTY_STORE_VERSION 2
typedef struct lty_store_record_s {
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];   /* "S001" */
    char name[LTY_STORE_NAME_BYTES_MAX + 1];
    int64_t created_ms;
    uint8_t active;                              /* 1 open, 0 closed (its tills are refused) */
    char region[LTY_STORE_REGION_BYTES_MAX + 1]; /* version 2: "" when none */
    int64_t updated_ms;                          /* version 2: last change (0 = never) */
} lty_store_record_t;

#define LTY_TILL_VERSION 1
typedef struct lty_till_s {
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];
    char till_id[LTY_TILL_ID_BYTES_MAX + 1];     /* "T01" */
    int64_t created_ms;
    uint8_t active;
} lty_till_t;

#define LTY_OPERATOR_VERSION 1
typedef struct lty_operator_s {
    char name[LTY_OPERATOR_NAME_BYTES_MAX + 1];
    int64_t created_ms;
    uint32_t scopes;                             /* 0 = all scopes (stored, not yet enforced) */
    uint8_t active;
} lty_operator_t;

/* Version 2 (schema 7) appends the client address and the hash chain: each record carries the
 * hash of the one before (zeros for the first) and its own hash, SHA-256 over the previous hash
 * and the record's canonical encoding (lty_record_audit_hash). Version 1 records decode with
 * chained false; schema 7's migration rewrites them all into the chain. */
#define LTY_AUDIT_VERSION 2
#define LTY_AUDIT_HASH_BYTES 32
typedef struct lty_audit_s {
    uint64_t audit_id;                           /* >= 1, appended */
    int64_t created_ms;
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1]; /* who; "system" for init and security events */
    char action[LTY_AUDIT_ACTION_BYTES_MAX + 1]; /* "member.create", "card.issue", "adjust" */
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1]; /* "member:42" */
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    char old_value[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    char new_value[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    char remote_addr[LTY_REMOTE_ADDR_BYTES_MAX + 1]; /* v2: the client's address, or "" */
    bool chained;                                /* v2: prev_hash and hash are meaningful */
    uint8_t prev_hash[LTY_AUDIT_HASH_BYTES];     /* v2: hash of the record before; 0s first */
    uint8_t hash[LTY_AUDIT_HASH_BYTES];          /* v2: lty_record_audit_hash() of this one */
} lty_audit_t;

/* ---- Member PINs ------------------------------------------------------------ */

#define LTY_PIN_SALT_BYTES 16
#define LTY_PIN_HASH_BYTES 32
/* Tag 40 (schema 5): the PIN belongs to the member, keyed by member id in MEMBER_PINS, so a
 * replacement card keeps it. Tag 11 was the per-card record of CARD_PINS (schema 2..4), read
 * only by the migration (lty_record_card_pin_decode). */
#define LTY_RECORD_TAG_MEMBER_PIN 40
#define LTY_PIN_VERSION 1
/** A member's PIN state: the argon2id hash (never the PIN), the till's failure throttle and a
 *  pending one-time reset code (its SHA-256 only). Stored in MEMBER_PINS under the member id. */
typedef struct lty_pin_s {
    uint64_t member_id;                      /* >= 1 */
    uint8_t set;                             /* 1 when hash holds a PIN */
    uint32_t version;                        /* +1 on every PIN change (race check) */
    uint32_t t_cost;                         /* argon2id passes */
    uint32_t m_cost_kib;                     /* argon2id memory */
    uint8_t salt[LTY_PIN_SALT_BYTES];
    uint8_t hash[LTY_PIN_HASH_BYTES];
    uint32_t failures;                       /* wrong PINs at a till since the last right one */
    int64_t locked_until_ms;                 /* 0, or refused at tills until then */
    uint8_t reset_hash[32];                  /* SHA-256 of the reset code */
    int64_t reset_expires_ms;                /* 0 = no reset code pending */
    int64_t updated_ms;
} lty_pin_t;
#define LTY_RECORD_PIN_BYTES_MAX                                                               \
    (2 + 8 + 1 + 3 * 4 + LTY_PIN_SALT_BYTES + LTY_PIN_HASH_BYTES + 4 + 8 + 32 + 8 + 8)
#define LTY_RECORD_CARD_PIN_BYTES_MAX (LTY_RECORD_PIN_BYTES_MAX - 8 + 2 + LTY_CARD_NO_DIGITS_MAX)

bool lty_record_pin_valid(const lty_pin_t *pin);
size_t lty_record_pin_encode(const lty_pin_t *pin, uint8_t *out, size_t out_size);
int lty_record_pin_decode(lty_bytes_t in, lty_pin_t *pin_out);
/** The schema-2..4 per-card PIN record (tag 11): pin_out gets every field but member_id (0),
 *  card_no_out (LTY_CARD_NO_SIZE) the card. 0 or LTY_E_CORRUPT. */
int lty_record_card_pin_decode(lty_bytes_t in, lty_pin_t *pin_out, char *card_no_out);
/** Encode a tag-11 record (tests build older stores with it); pin->member_id is ignored. */
size_t lty_record_card_pin_encode(const lty_pin_t *pin, const char *card_no, uint8_t *out,
                                  size_t out_size);

/* ---- Encoded sizes ------------------------------------------------------------------- */

#define LTY_RECORD_STR(n) (2 + (n))
#define LTY_RECORD_MEMBER_BYTES_MAX                                                            \
    (2 + 8 + 3 + 3 * 8 + LTY_RECORD_STR(LTY_NAME_BYTES_MAX) + LTY_RECORD_STR(LTY_PHONE_BYTES_MAX) \
     + LTY_RECORD_STR(LTY_EMAIL_BYTES_MAX) + LTY_RECORD_STR(LTY_BIRTHDAY_BYTES)                \
     + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + 4 + 8)
#define LTY_RECORD_CARD_BYTES_MAX (2 + 2 * LTY_RECORD_STR(LTY_CARD_NO_DIGITS_MAX) + 8 + 1 + 3 * 8)
#define LTY_RECORD_ACCOUNT_BYTES_MAX (2 + 1 + 8 + 8 + 8 + 8)
#define LTY_RECORD_POSTING_BYTES (1 + 1 + 8 + 8)
#define LTY_RECORD_ENTRY_BYTES_MAX                                                             \
    (2 + 8 + 1 + 8 + 8 + 8 + LTY_RECORD_STR(LTY_PRINCIPAL_BYTES_MAX)                          \
     + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + LTY_RECORD_STR(LTY_TILL_ID_BYTES_MAX)         \
     + LTY_RECORD_STR(LTY_REFERENCE_BYTES_MAX) + 1                                             \
     + LTY_POSTINGS_PER_ENTRY_MAX * LTY_RECORD_POSTING_BYTES)
#define LTY_RECORD_LOT_BYTES_MAX (2 + 5 * 8)
#define LTY_RECORD_LINE_BYTES_MAX                                                              \
    (LTY_RECORD_STR(LTY_SKU_BYTES_MAX) + LTY_RECORD_STR(LTY_CATEGORY_BYTES_MAX) + 4 + 4 + 8)
#define LTY_RECORD_SALE_BYTES_MAX                                                              \
    (2 + 8 + LTY_RECORD_STR(LTY_CARD_NO_DIGITS_MAX) + 8 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) \
     + LTY_RECORD_STR(LTY_TILL_ID_BYTES_MAX) + LTY_RECORD_STR(LTY_RECEIPT_NO_BYTES_MAX) + 8 + 1 \
     + 5 * 8 + 1 + LTY_TENDERS_PER_SALE_MAX * 9 + 2                                           \
     + LTY_BASKET_LINES_MAX * LTY_RECORD_LINE_BYTES_MAX + 2 + LTY_LOTS_PER_REDEMPTION_MAX * 24 \
     + LTY_RECORD_STR(LTY_STAFF_ID_BYTES_MAX) + 8 + 8 + 1 + (LTY_RULES_APPLIED_MAX + 1) * 16)
#define LTY_RECORD_STORE_BYTES_MAX                                                             \
    (2 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + LTY_RECORD_STR(LTY_STORE_NAME_BYTES_MAX) + 8 + 1 \
     + LTY_RECORD_STR(LTY_STORE_REGION_BYTES_MAX) + 8)
#define LTY_RECORD_TILL_BYTES_MAX                                                              \
    (2 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + LTY_RECORD_STR(LTY_TILL_ID_BYTES_MAX) + 8 + 1)
#define LTY_RECORD_OPERATOR_BYTES_MAX (2 + LTY_RECORD_STR(LTY_OPERATOR_NAME_BYTES_MAX) + 8 + 4 + 1)
#define LTY_RECORD_AUDIT_BYTES_MAX                                                             \
    (2 + 8 + 8 + LTY_RECORD_STR(LTY_PRINCIPAL_BYTES_MAX)                                      \
     + LTY_RECORD_STR(LTY_AUDIT_ACTION_BYTES_MAX) + LTY_RECORD_STR(LTY_AUDIT_TARGET_BYTES_MAX)  \
     + 3 * LTY_RECORD_STR(LTY_AUDIT_VALUE_BYTES_MAX) + LTY_RECORD_STR(LTY_REMOTE_ADDR_BYTES_MAX) \
     + 2 * LTY_AUDIT_HASH_BYTES)
/** A buffer that holds any record except a sale. */
#define LTY_RECORD_SMALL_BYTES_MAX 2048

_Static_assert(LTY_RECORD_MEMBER_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "member fits");
_Static_assert(LTY_RECORD_ENTRY_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "entry fits");
_Static_assert(LTY_RECORD_AUDIT_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "audit fits");
_Static_assert(LTY_RECORD_CARD_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "card fits");
_Static_assert(LTY_RECORD_SALE_BYTES_MAX <= 16 * 1024 * 1024, "sale record stays modest");
_Static_assert(LTY_POSTINGS_PER_ENTRY_MAX <= 255, "postings_count is a u8 on disk");
_Static_assert(LTY_BASKET_LINES_MAX <= 65535, "lines_count is a u16 on disk");
_Static_assert(LTY_LINE_QTY_MAX <= UINT32_MAX, "qty is a u32 on disk");
_Static_assert(LTY_REFERENCE_BYTES_MAX <= 65535, "strings carry a u16 length");

/* ---- Encoders, decoders, checks ------------------------------------------------------ */

/* encode: asserts lty_record_<kind>_valid(), writes at most *_BYTES_MAX bytes, returns the size.
 * decode: 0, or LTY_E_CORRUPT (malformed, wrong tag/version, or fails the semantic check). */
bool lty_record_member_valid(const lty_member_t *member);
size_t lty_record_member_encode(const lty_member_t *member, uint8_t *out, size_t out_size);
int lty_record_member_decode(lty_bytes_t in, lty_member_t *member_out);

bool lty_record_card_valid(const lty_card_t *card);
size_t lty_record_card_encode(const lty_card_t *card, uint8_t *out, size_t out_size);
int lty_record_card_decode(lty_bytes_t in, lty_card_t *card_out);

bool lty_record_account_valid(const lty_account_t *account);
size_t lty_record_account_encode(const lty_account_t *account, uint8_t *out, size_t out_size);
int lty_record_account_decode(lty_bytes_t in, lty_account_t *account_out);

/** Also checks every posting (known kind, asset matching the kind, owner 0 iff system kind,
 *  amount != 0). Does not check that postings sum to zero: that is ledger's rule. */
bool lty_record_entry_valid(const lty_journal_entry_t *entry);
size_t lty_record_entry_encode(const lty_journal_entry_t *entry, uint8_t *out, size_t out_size);
int lty_record_entry_decode(lty_bytes_t in, lty_journal_entry_t *entry_out);

bool lty_record_lot_valid(const lty_lot_t *lot);
size_t lty_record_lot_encode(const lty_lot_t *lot, uint8_t *out, size_t out_size);
int lty_record_lot_decode(lty_bytes_t in, lty_lot_t *lot_out);

bool lty_record_sale_valid(const lty_sale_t *sale);
size_t lty_record_sale_encode(const lty_sale_t *sale, uint8_t *out, size_t out_size);
int lty_record_sale_decode(lty_bytes_t in, lty_sale_t *sale_out);

bool lty_record_store_valid(const lty_store_record_t *store);
size_t lty_record_store_encode(const lty_store_record_t *store, uint8_t *out, size_t out_size);
int lty_record_store_decode(lty_bytes_t in, lty_store_record_t *store_out);

bool lty_record_till_valid(const lty_till_t *till);
size_t lty_record_till_encode(const lty_till_t *till, uint8_t *out, size_t out_size);
int lty_record_till_decode(lty_bytes_t in, lty_till_t *till_out);

bool lty_record_operator_valid(const lty_operator_t *operator_record);
size_t lty_record_operator_encode(const lty_operator_t *operator_record, uint8_t *out,
                                  size_t out_size);
int lty_record_operator_decode(lty_bytes_t in, lty_operator_t *operator_out);

bool lty_record_audit_valid(const lty_audit_t *audit);
/** Always writes version 2 (with whatever prev_hash and hash hold). */
size_t lty_record_audit_encode(const lty_audit_t *audit, uint8_t *out, size_t out_size);
int lty_record_audit_decode(lty_bytes_t in, lty_audit_t *audit_out);
/** The chain hash of audit: SHA-256 of audit->prev_hash followed by the record's canonical
 *  encoding (its version-2 encoding without the trailing hash field). audit->hash is ignored. */
void lty_record_audit_hash(const lty_audit_t *audit, uint8_t hash_out[LTY_AUDIT_HASH_BYTES]);

/* ---- Meta values --------------------------------------------------------------------- */

#define LTY_META_SCHEMA_VERSION "schema_version" /* u32 big-endian */
#define LTY_META_PROGRAMME "programme"           /* JSON text */
#define LTY_META_CARD_SEQUENCE "card_sequence"   /* u64 big-endian: next card sequence */
#define LTY_META_CARD_KEY "card_key"             /* 32 bytes: the card-minting secret (schema 7) */

/** Encode a meta counter (8 bytes big-endian). */
void lty_record_u64_encode(uint64_t value, uint8_t out[8]);
/** 0, or LTY_E_CORRUPT unless in is exactly 8 bytes. */
int lty_record_u64_decode(lty_bytes_t in, uint64_t *value_out);
void lty_record_u32_encode(uint32_t value, uint8_t out[4]);
int lty_record_u32_decode(lty_bytes_t in, uint32_t *value_out);

/* ---- Keys ---------------------------------------------------------------------------- */

#define LTY_KEY_BYTES_MAX (LTY_STORE_ID_BYTES_MAX + 1 + LTY_REASON_BYTES_MAX)
_Static_assert(LTY_KEY_BYTES_MAX <= 511, "keys fit LMDB's default MDB_MAXKEYSIZE");

/** A key built in place. bytes() gives the store view. */
typedef struct lty_key_s {
    uint8_t data[LTY_KEY_BYTES_MAX];
    size_t size;
} lty_key_t;

lty_bytes_t lty_key_bytes(const lty_key_t *key);
/** MEMBERS, JOURNAL, SALES, AUDIT: id u64. */
void lty_key_id(lty_key_t *key_out, uint64_t id);
/** MEMBERS_BY_PHONE, CARDS, STORES, OPERATORS: the ASCII string itself (1..LTY_KEY_BYTES_MAX). */
void lty_key_text(lty_key_t *key_out, const char *text);
/** CARDS_BY_MEMBER: member_id u64 | card_no digits. */
void lty_key_member_card(lty_key_t *key_out, uint64_t member_id, const char *card_no);
/** AUDIT_BY_MEMBER, TIER_HISTORY: member_id u64 | id u64 (WEBHOOK_LOG, WEBHOOK_DEAD:
 *  subscription_id u64 | log index or event sequence u64). */
void lty_key_member_entry(lty_key_t *key_out, uint64_t member_id, uint64_t entry_id);

/* ---- Schema 4: a member's ledger records under one key prefix ----------------------------
 * MEMBER_LEDGER keys are member_id u64 | part u8 | rest, so everything a sale changes for its
 * member (points and prepaid accounts, journal index, new lot, month's spend) sits in one or two
 * neighbouring leaf pages of one B-tree: a commit writes those, not one random page per
 * database. System accounts (owner 0) stay in ACCOUNTS under kind u8 | owner u64. */
typedef enum lty_member_part {
    LTY_PART_ACCOUNT = 1, /* | kind u8 -> account record (member-points, member-prepaid) */
    LTY_PART_JOURNAL = 2, /* | entry_id u64 -> empty (the member's journal index) */
    LTY_PART_LOT = 3,     /* | expires_ms (i64, sign bit flipped) | entry_id u64 -> lot */
    LTY_PART_SPEND = 4,   /* | month index u64 -> spend month */
    LTY_PART_RULE = 5,    /* | rule_id u64 | day u64 (local day + 1; 0 = the whole campaign)
                           *   -> rule usage */
    LTY_PART_BONUS = 6,   /* | bonus key bytes -> bonus grant */
    LTY_PART_PURCHASE = 7, /* | day u32 | store bytes -> purchase day (analytics) */
} lty_member_part_t;
#define LTY_MEMBER_PART_PREFIX_BYTES 9

/** An account's key and database: ACCOUNTS kind | 0 for a system account, MEMBER_LEDGER
 * member | ACCOUNT | kind for a member's. */
lty_db_t lty_key_account(lty_key_t *key_out, lty_account_kind_t kind, uint64_t owner);
/** MEMBER_LEDGER: member_id | JOURNAL | entry_id. */
void lty_key_member_journal(lty_key_t *key_out, uint64_t member_id, uint64_t entry_id);
/** MEMBER_LEDGER: member_id | LOT | expires_ms (sign bit flipped, so it sorts) | entry_id. */
void lty_key_lot(lty_key_t *key_out, uint64_t member_id, int64_t expires_ms, uint64_t entry_id);
/** MEMBER_LEDGER: member_id | SPEND | month index. */
void lty_key_spend_month(lty_key_t *key_out, uint64_t member_id, uint64_t month);
/** MEMBER_LEDGER: the prefix member_id | part, where a seek starts. */
void lty_key_member_part(lty_key_t *key_out, uint64_t member_id, lty_member_part_t part);
/** Whether a MEMBER_LEDGER key starts with member_id | part. */
bool lty_key_member_part_is(lty_bytes_t key, uint64_t member_id, lty_member_part_t part);
/** SALES_BY_RECEIPT: store | 0x00 | receipt_no.  TILLS: store | 0x00 | till. */
void lty_key_pair(lty_key_t *key_out, const char *first, const char *second);

/** Read a big-endian u64 at offset of a key view; false if the view is too short. */
bool lty_key_u64_at(lty_bytes_t key, size_t offset, uint64_t *value_out);

/* ---- Tier history, monthly spend, the member name key ---------------------------------- */

/* Tags of the tier and spend records: numbered from 20 (11.. were taken in parallel). */
#define LTY_RECORD_TAG_TIER_CHANGE 20
#define LTY_RECORD_TAG_SPEND_MONTH 21

typedef enum lty_tier_reason {
    LTY_TIER_REASON_SALE = 1,   /* upgrade at once on a qualifying sale */
    LTY_TIER_REASON_REVIEW = 2, /* downgrade at the periodic review */
    LTY_TIER_REASON_MIGRATION = 3, /* the tier an imported member held in the old system */
} lty_tier_reason_t;

#define LTY_TIER_CHANGE_VERSION 1
typedef struct lty_tier_change_s {
    uint64_t member_id;         /* >= 1 */
    uint64_t index;             /* 1, 2, ... per member (the key's second part) */
    int64_t changed_ms;
    uint8_t tier_from;          /* < LTY_TIERS_MAX */
    uint8_t tier_to;            /* < LTY_TIERS_MAX, != tier_from */
    uint8_t reason;             /* lty_tier_reason_t */
    int64_t qualifying;         /* the rolling 12-month value (cents or points) that decided */
} lty_tier_change_t;

#define LTY_SPEND_MONTH_VERSION 1
typedef struct lty_spend_month_s {
    uint64_t member_id;         /* >= 1 */
    uint64_t month;             /* months since 1970-01 (UTC) */
    int64_t spend_cents;        /* eligible spend that month, >= 0 */
    int64_t points;             /* points earned that month, >= 0 */
} lty_spend_month_t;

#define LTY_RECORD_TIER_CHANGE_BYTES_MAX (2 + 8 + 8 + 8 + 3 + 8)
#define LTY_RECORD_SPEND_MONTH_BYTES_MAX (2 + 4 * 8)

bool lty_record_tier_change_valid(const lty_tier_change_t *change);
size_t lty_record_tier_change_encode(const lty_tier_change_t *change, uint8_t *out,
                                     size_t out_size);
int lty_record_tier_change_decode(lty_bytes_t in, lty_tier_change_t *change_out);

bool lty_record_spend_month_valid(const lty_spend_month_t *month);
size_t lty_record_spend_month_encode(const lty_spend_month_t *month, uint8_t *out,
                                     size_t out_size);
int lty_record_spend_month_decode(lty_bytes_t in, lty_spend_month_t *month_out);

/** MEMBERS_BY_NAME: the folded name (ASCII letters lower-cased, other bytes as they are)
 *  | 0x00 | member_id u64. name is 1..LTY_NAME_BYTES_MAX bytes. */
void lty_key_member_name(lty_key_t *key_out, const char *name, uint64_t member_id);
/** The folded form of name[0..size) into out (size bytes, no NUL added). */
void lty_key_name_fold(const char *name, size_t size, uint8_t *out);
_Static_assert(LTY_NAME_BYTES_MAX + 1 + 8 <= LTY_KEY_BYTES_MAX, "a name key fits");

/* ---- Return and void records ----------------------------------------------------------- */

/* Tag 12: after PIN (11); the tier and spend records number theirs from 20. */
#define LTY_RECORD_TAG_RETURN 12
#define LTY_RETURN_VERSION 1
/** What a return or a void gave back, by tender, kept beside its journal entry in RETURNS (key:
 *  the entry id). Cash and bank-card refunds leave the till without touching a member account,
 *  so this record is where settlement finds them. */
typedef struct lty_return_s {
    uint64_t entry_id;            /* the RETURN or VOID journal entry (>= 1) */
    uint64_t sale_id;             /* the sale it gives back (>= 1, < entry_id) */
    uint64_t member_id;           /* >= 1 */
    uint8_t kind;                 /* LTY_ENTRY_RETURN or LTY_ENTRY_VOID */
    int64_t created_ms;
    char store[LTY_STORE_ID_BYTES_MAX + 1];   /* where the goods came back */
    char till[LTY_TILL_ID_BYTES_MAX + 1];
    int64_t refund_cents;         /* goods value = the five parts below summed */
    int64_t refund_points_value_cents;        /* the part paid with points (refunded as points) */
    int64_t refund_prepaid_cents;
    int64_t refund_cash_cents;
    int64_t refund_bank_card_cents;
    int64_t refund_outside_cents; /* the sale was paid outside the programme */
    int64_t points_refunded;      /* redeemed points put back into their lots */
    int64_t points_taken_back;    /* earned points taken back */
    uint32_t qty_returned;        /* units that came back with this return */
} lty_return_t;
#define LTY_RECORD_RETURN_BYTES_MAX                                                            \
    (2 + 3 * 8 + 1 + 8 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX)                               \
     + LTY_RECORD_STR(LTY_TILL_ID_BYTES_MAX) + 8 * 8 + 4)
_Static_assert(LTY_RECORD_RETURN_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "return fits");

bool lty_record_return_valid(const lty_return_t *record);
size_t lty_record_return_encode(const lty_return_t *record, uint8_t *out, size_t out_size);
int lty_record_return_decode(lty_bytes_t in, lty_return_t *record_out);

/* ---- Idempotency records (stored by writer.c) -------------------------------------------- */

/* Their layout predates the tagged records and is kept as shipped (docs/storage.md), all
 * integers big-endian:
 *   0 u16 version (1) | 2 u16 status | 4 u32 body_bytes | 8 i64 created_ms | 16 i64 expires_ms |
 *   24 u8[32] request_hash | 56 body (body_bytes)
 * Key: principal | 0x00 | key (the NUL keeps "a" + "bc" apart from "ab" + "c").
 * Expiry index key: expires_ms i64 | the record's key. */
#define LTY_IDEMPOTENCY_VERSION 1
#define LTY_IDEMPOTENCY_HASH_BYTES 32
#define LTY_RECORD_IDEMPOTENCY_HEADER_BYTES 56
#define LTY_RECORD_IDEMPOTENCY_BYTES_MAX                                                       \
    (LTY_RECORD_IDEMPOTENCY_HEADER_BYTES + LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX)
#define LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX                                                    \
    (LTY_PRINCIPAL_BYTES_MAX + 1 + LTY_IDEMPOTENCY_KEY_BYTES_MAX)
#define LTY_IDEMPOTENCY_EXPIRY_KEY_BYTES_MAX (8 + LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX)
_Static_assert(LTY_IDEMPOTENCY_EXPIRY_KEY_BYTES_MAX <= 511, "expiry key fits LMDB's key size");
_Static_assert(LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX <= UINT32_MAX, "body length fits u32");

/** The stored answer to one idempotent request. */
typedef struct lty_idempotency_s {
    int status;                                  /* 100..499: 5xx answers are never stored */
    int64_t created_ms;
    int64_t expires_ms;                          /* >= created_ms */
    uint8_t request_hash[LTY_IDEMPOTENCY_HASH_BYTES];
    const uint8_t *body;                         /* view: the caller's buffer, or the value */
    size_t body_bytes;                           /* <= LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX */
} lty_idempotency_t;

bool lty_record_idempotency_valid(const lty_idempotency_t *record);
size_t lty_record_idempotency_encode(const lty_idempotency_t *record, uint8_t *out,
                                     size_t out_size);
/** Decode; record_out->body is a view into in, valid as long as in is. */
int lty_record_idempotency_decode(lty_bytes_t in, lty_idempotency_t *record_out);
/** The record's key into out (LTY_IDEMPOTENCY_STORE_KEY_BYTES_MAX); returns its size. */
size_t lty_key_idempotency(const char *principal, const char *key, uint8_t *out);
/** The expiry index key of a record key into out (LTY_IDEMPOTENCY_EXPIRY_KEY_BYTES_MAX). */
size_t lty_key_idempotency_expiry(int64_t expires_ms, lty_bytes_t key, uint8_t *out);
/** Split an expiry index key: 0, or LTY_E_CORRUPT if it is too short or too long. key_out is a
 *  view into index_key. */
int lty_key_idempotency_expiry_split(lty_bytes_t index_key, int64_t *expires_ms_out,
                                     lty_bytes_t *key_out);

/* ---- Member portal: sessions and the login throttle (schema 5) ------------------------------ */

/* Tags numbered from 40 (parallel work numbers its records elsewhere). */
#define LTY_RECORD_TAG_SESSION 41
#define LTY_RECORD_TAG_LOGIN_THROTTLE 42
#define LTY_SESSION_HASH_BYTES 32 /* SESSIONS keys: SHA-256 of the cookie's token */

#define LTY_SESSION_VERSION 1
/** A member's portal session. The cookie holds a random token; only its SHA-256 is the key, so
 *  a copy of the ledger opens no session. */
typedef struct lty_session_s {
    uint64_t member_id;                    /* >= 1 */
    char card_no[LTY_CARD_NO_SIZE];        /* the card logged in with; "" by phone */
    int64_t created_ms;                    /* login */
    int64_t last_seen_ms;                  /* idle expiry counts from here (coarse: see touch) */
    int64_t expires_ms;                    /* absolute expiry, > created_ms */
} lty_session_t;
#define LTY_RECORD_SESSION_BYTES_MAX (2 + 8 + LTY_RECORD_STR(LTY_CARD_NO_DIGITS_MAX) + 3 * 8)

bool lty_record_session_valid(const lty_session_t *session);
size_t lty_record_session_encode(const lty_session_t *session, uint8_t *out, size_t out_size);
int lty_record_session_decode(lty_bytes_t in, lty_session_t *session_out);

#define LTY_LOGIN_THROTTLE_VERSION 1
/** Wrong portal logins in a row for one member (or one unknown card number or phone). */
typedef struct lty_login_throttle_s {
    uint32_t failures;                     /* since the last right PIN, within the lock window */
    int64_t locked_until_ms;               /* 0, or logins refused (429) until then */
    int64_t updated_ms;                    /* last failure: the count is forgotten a lock later */
} lty_login_throttle_t;
#define LTY_RECORD_LOGIN_THROTTLE_BYTES_MAX (2 + 4 + 8 + 8)

bool lty_record_login_throttle_valid(const lty_login_throttle_t *throttle);
size_t lty_record_login_throttle_encode(const lty_login_throttle_t *throttle, uint8_t *out,
                                        size_t out_size);
int lty_record_login_throttle_decode(lty_bytes_t in, lty_login_throttle_t *throttle_out);

/** LOGIN_THROTTLE keys: 'm' | member_id u64 for a member, 'u' | SHA-256 for an identifier that
 *  names no member (keyed with the pepper, so the key is not the card number or phone). */
#define LTY_KEY_THROTTLE_MEMBER 'm'
#define LTY_KEY_THROTTLE_UNKNOWN 'u'
void lty_key_throttle_member(lty_key_t *key_out, uint64_t member_id);
void lty_key_throttle_unknown(lty_key_t *key_out, const uint8_t digest[32]);
/** SESSIONS_BY_MEMBER: member_id u64 | token hash. */
void lty_key_member_session(lty_key_t *key_out, uint64_t member_id, const uint8_t hash[32]);
/** PORTAL_EXPIRY: expires_ms (i64, sign bit flipped) | db u8 | the record's key: what the
 *  portal sweep deletes once due (sessions at their absolute expiry, throttle counts a lock
 *  after their last failure). */
void lty_key_portal_expiry(lty_key_t *key_out, int64_t expires_ms, uint8_t db,
                           lty_bytes_t record_key);
/** Split a PORTAL_EXPIRY key: false when malformed. record_key_out views into key. */
bool lty_key_portal_expiry_split(lty_bytes_t key, int64_t *expires_ms_out, uint8_t *db_out,
                                 lty_bytes_t *record_key_out);

/* ---- Webhooks (schema 6): subscriptions, their delivery log and dead letters -------------- */

/* Tags numbered from 30 (tags below were taken in parallel). */
#define LTY_RECORD_TAG_WEBHOOK 30
#define LTY_RECORD_TAG_WEBHOOK_DELIVERY 31

#define LTY_WEBHOOK_URL_BYTES_MAX 255
#define LTY_WEBHOOK_TYPES_BYTES_MAX 255  /* event types separated by commas, or "*" */
#define LTY_WEBHOOK_SECRET_BYTES 64      /* hex text: the HMAC-SHA256 key as given to the user */
#define LTY_WEBHOOK_DETAIL_BYTES_MAX 64

#define LTY_WEBHOOK_VERSION 1
typedef struct lty_webhook_s {
    uint64_t subscription_id;                    /* >= 1 */
    char url[LTY_WEBHOOK_URL_BYTES_MAX + 1];     /* http://host:port/path */
    char event_types[LTY_WEBHOOK_TYPES_BYTES_MAX + 1];
    char secret[LTY_WEBHOOK_SECRET_BYTES + 1];
    int64_t created_ms;
    uint64_t cursor_seq;      /* every event up to this sequence is delivered or dead */
    uint32_t failures;        /* failed attempts at the next event */
    int64_t next_attempt_ms;  /* business time: not before */
    uint64_t delivered_count;
    uint64_t dead_count;
    uint64_t log_next;        /* index of the last delivery-log record (from 1) */
} lty_webhook_t;

typedef enum lty_webhook_outcome {
    LTY_WEBHOOK_DELIVERED = 1,
    LTY_WEBHOOK_FAILED = 2,   /* retried after a back-off */
    LTY_WEBHOOK_DEAD = 3,     /* attempts exhausted: in the dead letters, the cursor moved on */
} lty_webhook_outcome_t;

#define LTY_WEBHOOK_DELIVERY_VERSION 1
typedef struct lty_webhook_delivery_s {
    uint64_t seq;             /* the event */
    int64_t at_ms;
    uint32_t attempt;         /* 1 = first */
    int32_t http_status;      /* 0 when no answer */
    uint8_t outcome;          /* lty_webhook_outcome_t */
    char detail[LTY_WEBHOOK_DETAIL_BYTES_MAX + 1]; /* "timeout", "connect refused", ... */
} lty_webhook_delivery_t;

#define LTY_RECORD_WEBHOOK_BYTES_MAX                                                           \
    (2 + 8 + LTY_RECORD_STR(LTY_WEBHOOK_URL_BYTES_MAX)                                        \
     + LTY_RECORD_STR(LTY_WEBHOOK_TYPES_BYTES_MAX) + LTY_RECORD_STR(LTY_WEBHOOK_SECRET_BYTES)    \
     + 8 + 8 + 4 + 8 + 8 + 8 + 8)
#define LTY_RECORD_WEBHOOK_DELIVERY_BYTES_MAX                                                  \
    (2 + 8 + 8 + 4 + 4 + 1 + LTY_RECORD_STR(LTY_WEBHOOK_DETAIL_BYTES_MAX))

bool lty_record_webhook_valid(const lty_webhook_t *webhook);
size_t lty_record_webhook_encode(const lty_webhook_t *webhook, uint8_t *out, size_t out_size);
int lty_record_webhook_decode(lty_bytes_t in, lty_webhook_t *webhook_out);
bool lty_record_webhook_delivery_valid(const lty_webhook_delivery_t *delivery);
size_t lty_record_webhook_delivery_encode(const lty_webhook_delivery_t *delivery, uint8_t *out,
                                          size_t out_size);
int lty_record_webhook_delivery_decode(lty_bytes_t in, lty_webhook_delivery_t *delivery_out);

/* ---- Analytics (schema 10): purchase days, segments and their runs ------------------------ */

/* Tags numbered from 70 (the programme's records take 50.., the coupons' 60..). */
#define LTY_RECORD_TAG_PURCHASE_DAY 70
#define LTY_RECORD_TAG_SEGMENT 71
#define LTY_RECORD_TAG_SEGMENT_RUN 72
#define LTY_RECORD_TAG_RUN_MEMBER 73

#define LTY_PURCHASE_DAY_VERSION 1
/** A member's purchases of one UTC day at one store, kept by the writer beside the member's other
 *  ledger records (MEMBER_LEDGER member_id | PURCHASE | day u32 | store bytes): a sale adds to the
 *  record of its day and store, a return or void takes the goods value back from the record of
 *  the sale it returns (and the purchase, once nothing of it is left). The analytics reports read
 *  only these, never the journal. The key holds member_id, day and store; the value the rest. */
typedef struct lty_purchase_day_s {
    uint64_t member_id;                      /* >= 1 (key) */
    uint32_t day;                            /* days since 1970-01-01 UTC (key) */
    char store[LTY_STORE_ID_BYTES_MAX + 1];  /* 1.. bytes (key) */
    uint32_t purchases;                      /* sales not wholly returned or voided */
    int64_t sales_cents;                     /* their totals less the goods returned, >= 0 */
} lty_purchase_day_t;
#define LTY_RECORD_PURCHASE_DAY_BYTES_MAX (2 + 4 + 8)
#define LTY_KEY_PURCHASE_DAY_BYTES_MAX (LTY_MEMBER_PART_PREFIX_BYTES + 4 + LTY_STORE_ID_BYTES_MAX)

bool lty_record_purchase_day_valid(const lty_purchase_day_t *day);
/** Encode the value (the key: lty_key_purchase_day). */
size_t lty_record_purchase_day_encode(const lty_purchase_day_t *day, uint8_t *out,
                                      size_t out_size);
/** Decode a record from its MEMBER_LEDGER key and value: 0 or LTY_E_CORRUPT. */
int lty_record_purchase_day_decode(lty_bytes_t key, lty_bytes_t value,
                                   lty_purchase_day_t *day_out);
/** MEMBER_LEDGER: member_id | PURCHASE | day u32 | store. */
void lty_key_purchase_day(lty_key_t *key_out, uint64_t member_id, uint32_t day,
                          const char *store);

#define LTY_SEGMENT_NAME_BYTES_MAX 64
#define LTY_SEGMENT_VERSION 1
/** What a saved segment selects (every given criterion must hold; 0 or "" = any). The masks'
 *  bits are the analytics enums (domain/analytics.h: RFM segment, lifecycle stage) and the tier
 *  index; consent bits are LTY_CONSENT_* (all of those given are needed). */
typedef struct lty_segment_filter_s {
    uint32_t rfm_mask;                            /* bit per RFM segment */
    uint32_t stage_mask;                          /* bit per lifecycle stage */
    uint32_t tier_mask;                           /* bit per tier index (< LTY_TIERS_MAX) */
    char home_store[LTY_STORE_ID_BYTES_MAX + 1];  /* the member's preferred store */
    uint8_t spend_given;                          /* 1: spend range applies */
    int64_t spend_min_cents;                      /* net member sales within window_days */
    int64_t spend_max_cents;                      /* >= spend_min_cents */
    uint32_t window_days;                         /* RFM and spend window; 0 = the programme's */
    uint8_t birthday_month;                       /* 1..12, 0 = any */
    char category[LTY_CATEGORY_BYTES_MAX + 1];    /* bought (and kept) within category_days */
    uint32_t category_days;                       /* 1.. when category is given */
    uint32_t consent_mask;                        /* LTY_CONSENT_* bits needed */
} lty_segment_filter_t;

/** A saved segment: a name over a filter, evaluated when it is read (SEGMENTS: id u64). */
typedef struct lty_segment_s {
    uint64_t segment_id;                          /* >= 1 */
    int64_t created_ms;
    char name[LTY_SEGMENT_NAME_BYTES_MAX + 1];    /* 1.. bytes */
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];  /* who saved it */
    lty_segment_filter_t filter;
} lty_segment_t;
#define LTY_RECORD_SEGMENT_BYTES_MAX                                                           \
    (2 + 8 + 8 + LTY_RECORD_STR(LTY_SEGMENT_NAME_BYTES_MAX) +                                  \
     LTY_RECORD_STR(LTY_PRINCIPAL_BYTES_MAX) + 3 * 4 + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + \
     1 + 2 * 8 + 4 + 1 + LTY_RECORD_STR(LTY_CATEGORY_BYTES_MAX) + 4 + 4)

bool lty_record_segment_valid(const lty_segment_t *segment);
size_t lty_record_segment_encode(const lty_segment_t *segment, uint8_t *out, size_t out_size);
int lty_record_segment_decode(lty_bytes_t in, lty_segment_t *segment_out);

/** What a run does to each targeted member. Numbers are on-disk format. */
typedef enum lty_run_action {
    LTY_RUN_ACTION_BONUS = 1,  /* a bonus of points (a BONUS journal entry) */
    LTY_RUN_ACTION_COUPON = 2, /* a coupon issue */
} lty_run_action_t;

typedef enum lty_run_state {
    LTY_RUN_RECORDING = 1, /* the snapshot's members are being written */
    LTY_RUN_GRANTING = 2,  /* every member is recorded; pending ones are being granted */
    LTY_RUN_DONE = 3,
} lty_run_state_t;

#define LTY_RUN_KEY_BYTES_MAX LTY_IDEMPOTENCY_KEY_BYTES_MAX
#define LTY_RUN_REF_BYTES_MAX 64
#define LTY_SEGMENT_RUN_VERSION 1
/** One targeting of a segment: its members as of one snapshot, each granted exactly once
 *  (SEGMENT_RUNS: run_id u64; SEGMENT_RUNS_BY_KEY: segment_id u64 | key -> run_id). */
typedef struct lty_segment_run_s {
    uint64_t run_id;                              /* >= 1 */
    uint64_t segment_id;                          /* >= 1 */
    uint8_t action;                               /* lty_run_action_t */
    uint8_t state;                                /* lty_run_state_t */
    uint8_t marketing;                            /* 1: only members with a consent */
    uint32_t holdout_percent;                     /* 0..LTY_RUN_HOLDOUT_PERCENT_MAX */
    int64_t created_ms;
    int64_t finished_ms;                          /* 0 until DONE */
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];
    char key[LTY_RUN_KEY_BYTES_MAX + 1];          /* the request's Idempotency-Key */
    int64_t points;                               /* bonus: points per member */
    char reason[LTY_REASON_BYTES_MAX + 1];        /* bonus: the journal entry's reason */
    char ref[LTY_RUN_REF_BYTES_MAX + 1];          /* coupon: the coupon side's offer id */
    uint64_t members_count;                       /* in the snapshot */
    uint64_t recorded_count;                      /* of them written so far */
    uint64_t holdout_count;                       /* kept out to measure uplift */
    uint64_t skipped_count;                       /* no consent, or closed by grant time */
    uint64_t granted_count;                       /* granted so far */
    uint64_t grant_next;                          /* the member id the next grant step starts at */
} lty_segment_run_t;
#define LTY_RUN_HOLDOUT_PERCENT_MAX 50
#define LTY_RECORD_SEGMENT_RUN_BYTES_MAX                                                       \
    (2 + 8 + 8 + 3 + 4 + 8 + 8 + LTY_RECORD_STR(LTY_PRINCIPAL_BYTES_MAX) +                     \
     LTY_RECORD_STR(LTY_RUN_KEY_BYTES_MAX) + 8 + LTY_RECORD_STR(LTY_REASON_BYTES_MAX) +         \
     LTY_RECORD_STR(LTY_RUN_REF_BYTES_MAX) + 6 * 8)
_Static_assert(LTY_RECORD_SEGMENT_RUN_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "run fits");

bool lty_record_segment_run_valid(const lty_segment_run_t *run);
size_t lty_record_segment_run_encode(const lty_segment_run_t *run, uint8_t *out,
                                     size_t out_size);
int lty_record_segment_run_decode(lty_bytes_t in, lty_segment_run_t *run_out);

/** A member's place in a run. Numbers are on-disk format. */
typedef enum lty_run_member_state {
    LTY_RUN_MEMBER_PENDING = 1,
    LTY_RUN_MEMBER_GRANTED = 2,
    LTY_RUN_MEMBER_HOLDOUT = 3,      /* kept out on purpose (uplift against them) */
    LTY_RUN_MEMBER_NO_CONSENT = 4,   /* a marketing run and no consent: never granted */
    LTY_RUN_MEMBER_CLOSED = 5,       /* the account was closed by grant time */
    LTY_RUN_MEMBER_REFUSED = 6,      /* the grant would break a limit (points balance) */
} lty_run_member_state_t;

#define LTY_RUN_MEMBER_VERSION 1
/** SEGMENT_RUN_MEMBERS: run_id u64 | member_id u64 -> this. */
typedef struct lty_run_member_s {
    uint8_t state;                   /* lty_run_member_state_t */
    uint64_t result_id;              /* GRANTED: the bonus entry id or the coupon's id */
    int64_t changed_ms;
} lty_run_member_t;
#define LTY_RECORD_RUN_MEMBER_BYTES_MAX (2 + 1 + 8 + 8)

bool lty_record_run_member_valid(const lty_run_member_t *member);
size_t lty_record_run_member_encode(const lty_run_member_t *member, uint8_t *out,
                                    size_t out_size);
int lty_record_run_member_decode(lty_bytes_t in, lty_run_member_t *member_out);
/** SEGMENT_RUNS_BY_KEY: segment_id u64 | key bytes (1..LTY_RUN_KEY_BYTES_MAX). */
void lty_key_run_by_key(lty_key_t *key_out, uint64_t segment_id, const char *key);

/* ---- Staff, earning rules, rule usage, bonus grants, the lot expiry index ------------------ */

/* Tags from 50 (30.. webhooks, 40.. the portal). */
#define LTY_RECORD_TAG_STAFF 50
#define LTY_RECORD_TAG_RULE 51
#define LTY_RECORD_TAG_RULE_USAGE 52
#define LTY_RECORD_TAG_BONUS_GRANT 53

#define LTY_STAFF_VERSION 1
/** A staff member (cashier) who may be named on sales, activations and top-ups. STAFF key: the
 *  staff_id. staff_no is the owner of the member's commission-payable account (never reused). */
typedef struct lty_staff_s {
    char staff_id[LTY_STAFF_ID_BYTES_MAX + 1];   /* "E007" */
    uint64_t staff_no;                           /* >= 1 */
    char name[LTY_NAME_BYTES_MAX + 1];
    char store_id[LTY_STORE_ID_BYTES_MAX + 1];   /* home store */
    uint8_t active;                              /* 1 active, 0 deactivated */
    int64_t created_ms;
    int64_t updated_ms;
} lty_staff_t;
#define LTY_RECORD_STAFF_BYTES_MAX                                                             \
    (2 + LTY_RECORD_STR(LTY_STAFF_ID_BYTES_MAX) + 8 + LTY_RECORD_STR(LTY_NAME_BYTES_MAX)      \
     + LTY_RECORD_STR(LTY_STORE_ID_BYTES_MAX) + 1 + 8 + 8)
_Static_assert(LTY_RECORD_STAFF_BYTES_MAX <= LTY_RECORD_SMALL_BYTES_MAX, "staff fits");

bool lty_record_staff_valid(const lty_staff_t *staff);
size_t lty_record_staff_encode(const lty_staff_t *staff, uint8_t *out, size_t out_size);
int lty_record_staff_decode(lty_bytes_t in, lty_staff_t *staff_out);

#define LTY_RULE_RECORD_VERSION 1
/** A rule's life: active rules apply, paused ones wait, ended ones never apply again. */
typedef enum lty_rule_status {
    LTY_RULE_ACTIVE = 1,
    LTY_RULE_PAUSED = 2,
    LTY_RULE_ENDED = 3,
} lty_rule_status_t;

/** An earning rule as stored in RULES (key: rule_id): its life and its definition as canonical
 *  JSON (rules.c parses and renders the definition; this envelope only carries it). */
typedef struct lty_rule_record_s {
    uint64_t rule_id;                            /* >= 1 */
    uint8_t status;                              /* lty_rule_status_t */
    int64_t created_ms;
    int64_t updated_ms;
    size_t json_size;                            /* 2..LTY_RULE_JSON_BYTES_MAX */
    char json[LTY_RULE_JSON_BYTES_MAX + 1];      /* NUL-terminated */
} lty_rule_record_t;
#define LTY_RECORD_RULE_BYTES_MAX (2 + 8 + 1 + 8 + 8 + LTY_RECORD_STR(LTY_RULE_JSON_BYTES_MAX))

bool lty_record_rule_valid(const lty_rule_record_t *rule);
size_t lty_record_rule_encode(const lty_rule_record_t *rule, uint8_t *out, size_t out_size);
int lty_record_rule_decode(lty_bytes_t in, lty_rule_record_t *rule_out);

#define LTY_RULE_USAGE_VERSION 1
/** Points one rule gave one member, over the campaign (day 0) or on one local day (day = local
 *  day + 1): what the rule's caps count. In MEMBER_LEDGER under member | RULE | rule | day. */
typedef struct lty_rule_usage_s {
    uint64_t member_id;                          /* >= 1 */
    uint64_t rule_id;                            /* >= 1 */
    uint64_t day;                                /* 0 = campaign total, else local day + 1 */
    int64_t points;                              /* 0..LTY_POINTS_BALANCE_MAX */
} lty_rule_usage_t;
#define LTY_RECORD_RULE_USAGE_BYTES_MAX (2 + 4 * 8)

bool lty_record_rule_usage_valid(const lty_rule_usage_t *usage);
size_t lty_record_rule_usage_encode(const lty_rule_usage_t *usage, uint8_t *out, size_t out_size);
int lty_record_rule_usage_decode(lty_bytes_t in, lty_rule_usage_t *usage_out);

#define LTY_BONUS_GRANT_VERSION 1
/** A bonus granted once per member per key: the key of an operator's bonus run, or
 *  "birthday:YYYY". In MEMBER_LEDGER under member | BONUS | key. */
typedef struct lty_bonus_grant_s {
    uint64_t member_id;                          /* >= 1 */
    char bonus_key[LTY_BONUS_KEY_BYTES_MAX + 1]; /* 1..LTY_BONUS_KEY_BYTES_MAX printable */
    uint64_t entry_id;                           /* the BONUS journal entry */
    int64_t points;                              /* > 0 */
    int64_t granted_ms;
} lty_bonus_grant_t;
#define LTY_RECORD_BONUS_GRANT_BYTES_MAX (2 + 8 + LTY_RECORD_STR(LTY_BONUS_KEY_BYTES_MAX) + 3 * 8)

bool lty_record_bonus_grant_valid(const lty_bonus_grant_t *grant);
size_t lty_record_bonus_grant_encode(const lty_bonus_grant_t *grant, uint8_t *out,
                                     size_t out_size);
int lty_record_bonus_grant_decode(lty_bytes_t in, lty_bonus_grant_t *grant_out);

/** MEMBER_LEDGER: member | RULE | rule_id | day. */
void lty_key_rule_usage(lty_key_t *key_out, uint64_t member_id, uint64_t rule_id, uint64_t day);
/** MEMBER_LEDGER: member | BONUS | bonus_key. */
void lty_key_bonus_grant(lty_key_t *key_out, uint64_t member_id, const char *bonus_key);
/** LOTS_BY_EXPIRY: expires_ms (sign bit flipped) | entry_id; the value is the member_id. */
void lty_key_lot_expiry(lty_key_t *key_out, int64_t expires_ms, uint64_t entry_id);
/** Split a LOTS_BY_EXPIRY key: false when it is not 16 bytes. */
bool lty_key_lot_expiry_split(lty_bytes_t key, int64_t *expires_ms_out, uint64_t *entry_id_out);

/** A lot that never expires (programme points_expiry "never"): not in LOTS_BY_EXPIRY. */
#define LTY_LOT_EXPIRES_NEVER INT64_MAX

/* ---- Meta values: the settings stamp and the staff sequence ---- */
#define LTY_META_SETTINGS_STAMP "settings_stamp" /* u64: changes with the programme or a rule */
#define LTY_META_STAFF_SEQUENCE "staff_sequence" /* u64: the next staff_no */

#endif
