/* SPDX-License-Identifier: MIT */
/**
 * @file lty_limits.h
 * Every bound of loyaltyd in one place: inputs, buffers, queues, batches, ranges, timeouts.
 *
 * Owns: compile-time limits. Limits an operator may tune at run time are declared in the
 * daemon's config table (daemon/src/config.c) with a min/max/default taken from here.
 *
 * Caveats:
 * - A check against a limit states the limit in its error reply ("limit is 500").
 * - Changing an on-disk size (LTY_*_SIZE_MAX used in records) needs a schema version bump.
 */
#ifndef LTY_LIMITS_H
#define LTY_LIMITS_H

#include <stdint.h>

/* HTTP framing. */
#define LTY_HTTP_HEADER_BYTES_MAX (8 * 1024) /* request line + all headers */
#define LTY_HTTP_BODY_BYTES_MAX (64 * 1024)
#define LTY_HTTP_URL_BYTES_MAX 2048
#define LTY_HTTP_HEADERS_COUNT_MAX 64
/* A body over LTY_HTTP_BODY_BYTES_MAX but within this is read to its end (its first 64 KiB kept)
 * so the answer can say whether it is malformed (400) or only too large (413); beyond this the
 * 413 comes at once from the declared length. */
#define LTY_HTTP_DISCARD_BYTES_MAX (1024 * 1024)
#define LTY_HTTP_PIPELINE_BYTES_MAX (128 * 1024) /* unparsed bytes buffered per connection */
#define LTY_HTTP_RESPONSE_BYTES_MAX (512 * 1024)
#define LTY_HTTP_REQUESTS_PER_CONNECTION_MAX 100000

/* Connections and timeouts (defaults; config.c bounds them). */
#define LTY_CONNECTIONS_MAX 4096
#define LTY_LOOPS_MAX 16
#define LTY_HANDSHAKE_TIMEOUT_MS_DEFAULT 5000
#define LTY_IDLE_TIMEOUT_MS_DEFAULT 30000
#define LTY_REQUEST_TIMEOUT_MS_DEFAULT 10000 /* from first byte of a request to its end */
#define LTY_WRITE_QUEUE_BYTES_MAX (1024 * 1024)

/* Admission of connections (net/guard.c; defaults, config.c bounds them). A client without a
 * verified certificate yet (handshaking, or anonymous) is "uncertified". */
#define LTY_CONNECTIONS_PER_ADDRESS_DEFAULT 256   /* uncertified connections per address */
#define LTY_CONNECTIONS_RESERVED_PERCENT_DEFAULT 25 /* slots only certified clients may fill */
#define LTY_CONNECTIONS_RESERVED_PERCENT_MAX 90
/* Per event loop and event name, security events logged (and passed on) per second at most;
 * the rest are counted and reported as suppressed=N with the next line. */
#define LTY_NET_EVENTS_LOGGED_PER_S 10
/* Buffers a connection keeps between requests; larger ones are freed when it goes idle. */
#define LTY_CONN_BUFFER_KEEP_BYTES (16 * 1024)

/* Request rate limits (net/ratelimit.c): per client certificate, and per address for requests
 * without one. 0 requests per second = no limit. The certificate default is above what bench/run
 * drives with its one demo till certificate (~37,000 requests/s over 64 connections). */
#define LTY_RATE_CERTIFICATE_PER_S_DEFAULT 100000
#define LTY_RATE_CERTIFICATE_BURST_DEFAULT 10000
#define LTY_RATE_ADDRESS_PER_S_DEFAULT 1000
#define LTY_RATE_ADDRESS_BURST_DEFAULT 1000
#define LTY_RATE_REQUESTS_PER_S_MAX 10000000
#define LTY_RATE_BURST_MAX 10000000
#define LTY_RATE_KEYS_MAX 16384 /* buckets per table (certificates; addresses) */
#define LTY_RATE_PROBES_MAX 16  /* entries looked at for one key */

/* JSON. */
#define LTY_JSON_DEPTH_MAX 8
#define LTY_JSON_STRING_BYTES_MAX 1024 /* any single string value or key */
#define LTY_JSON_ARRAY_ITEMS_MAX 500
#define LTY_JSON_INT_MAX INT64_C(9007199254740991) /* 2^53 - 1: exact in a double */
#define LTY_JSON_INT_MIN (-LTY_JSON_INT_MAX)

/* Domain strings (bytes, excluding the terminating NUL). */
#define LTY_CARD_NO_DIGITS_MIN 12
#define LTY_CARD_NO_DIGITS_MAX 19
#define LTY_NAME_BYTES_MAX 128
#define LTY_PHONE_BYTES_MAX 16 /* E.164: '+' and up to 15 digits */
#define LTY_EMAIL_BYTES_MAX 254
#define LTY_REASON_BYTES_MAX 256
#define LTY_RECEIPT_NO_BYTES_MAX 64
#define LTY_SKU_BYTES_MAX 64
#define LTY_CATEGORY_BYTES_MAX 64
#define LTY_STORE_ID_BYTES_MAX 16
#define LTY_TILL_ID_BYTES_MAX 16
#define LTY_OPERATOR_NAME_BYTES_MAX 64
#define LTY_PRINCIPAL_BYTES_MAX 96
#define LTY_IDEMPOTENCY_KEY_BYTES_MAX 64

/* Baskets and amounts. */
#define LTY_BASKET_LINES_MAX 500
#define LTY_LINE_QTY_MAX 100000
#define LTY_LINE_AMOUNT_CENTS_MAX INT64_C(100000000)     /* 1,000,000.00 per line */
#define LTY_SALE_AMOUNT_CENTS_MAX INT64_C(10000000000)   /* 100,000,000.00 per sale */
#define LTY_POINTS_PER_TXN_MAX INT64_C(10000000)
#define LTY_POINTS_BALANCE_MAX INT64_C(1000000000000)
#define LTY_PREPAID_CENTS_PER_TXN_MAX INT64_C(10000000000)
#define LTY_PREPAID_BALANCE_CENTS_MAX INT64_C(1000000000000)

/* PINs. */
#define LTY_PIN_DIGITS_MIN 4
#define LTY_PIN_DIGITS_MAX 8
#define LTY_PIN_FAILURES_MAX 5                        /* wrong PINs in a row before a lock */
#define LTY_PIN_LOCK_MS (INT64_C(30) * 60 * 1000)     /* 30 minutes */
#define LTY_PIN_RESET_MS (INT64_C(24) * 3600 * 1000)  /* a reset code is valid one day */
#define LTY_PIN_RESET_CODE_DIGITS 8

/* Ledger structure. */
#define LTY_POSTINGS_PER_ENTRY_MAX 16
#define LTY_LOTS_PER_REDEMPTION_MAX 1024 /* lots one redemption may touch */
#define LTY_CARDS_PER_MEMBER_MAX 16
#define LTY_JOURNAL_PAGE_MAX 200
#define LTY_JOURNAL_PAGE_DEFAULT 50
/* Member search, audit pages, card batches, tiers. */
#define LTY_MEMBER_PAGE_MAX 100
#define LTY_MEMBER_PAGE_DEFAULT 20
#define LTY_AUDIT_PAGE_MAX 100
#define LTY_AUDIT_PAGE_DEFAULT 50
#define LTY_CARD_BATCH_MAX 500        /* cards per batch request (its answer fits 16 KiB) */
#define LTY_CARD_BATCH_CLI_MAX 1000000 /* loyaltyctl cards batch --count: requests of 500 */
#define LTY_TIERS_MAX 8
#define LTY_TIER_NAME_BYTES_MAX 16
#define LTY_TIER_HISTORY_MAX 100      /* tier changes shown per request (newest first) */
#define LTY_TIER_REVIEW_MEMBERS_MAX 1000000 /* members one review transaction may visit */

/* Member portal. */
#define LTY_MEMBER_ENTRIES_WALK_MAX 100000 /* journal entries one portal read may visit */
#define LTY_JOURNAL_SCAN_MAX 2000         /* entries a filtered journal page scans at most */
#define LTY_BALANCE_HISTORY_POINTS_MAX 400 /* points of a balance-history answer */
#define LTY_POINTS_EXPIRING_SHOWN 3       /* next expiry dates shown with their points */
#define LTY_SESSIONS_PER_MEMBER_SCAN_MAX 10000 /* sessions one "end them" visits */
#define LTY_PORTAL_SWEEP_PER_LOGIN 8      /* due sessions/throttle records a login deletes */
#define LTY_SESSION_TOKEN_BYTES 32        /* random bytes of a session token (hex in the cookie) */
#define LTY_ADDRESS_THROTTLE_SLOTS 4096   /* client addresses the login throttle remembers */
/* Programme, earning rules, stores and staff, bonuses, expiry. */
#define LTY_RULES_LIVE_MAX 128        /* active and paused rules at one time (ended: unlimited) */
#define LTY_RULE_NAME_BYTES_MAX 64
#define LTY_RULE_SKUS_MAX 32          /* SKUs one rule matches */
#define LTY_RULE_CATEGORIES_MAX 16    /* category patterns one rule matches */
#define LTY_RULE_STORES_MAX 16        /* stores one rule is limited to */
#define LTY_RULE_MULTIPLIER_PERCENT_MAX 10000 /* 100x */
#define LTY_RULE_JSON_BYTES_MAX (8 * 1024)    /* a rule as stored and as sent */
#define LTY_RULES_APPLIED_MAX 16      /* rules that change one sale's points (first by rule_id) */
#define LTY_RULES_PAGE_MAX 200        /* rules listed per request */
#define LTY_STORE_REGION_BYTES_MAX 64
#define LTY_STAFF_ID_BYTES_MAX 16
#define LTY_STORES_PAGE_MAX 500
#define LTY_STAFF_PAGE_MAX 500
#define LTY_BONUS_MEMBERS_MAX 500     /* member ids per bonus request (the CLI sends chunks) */
#define LTY_BONUS_KEY_BYTES_MAX 64
#define LTY_EXPIRY_LOTS_PER_TXN_MAX 2000 /* lots one sweep transaction expires; more: run again */
#define LTY_BIRTHDAY_MEMBERS_PER_TXN_MAX 5000 /* birthday grants per writer job */
#define LTY_COMMISSION_ROWS_MAX 1000  /* staff rows of one commission report */

/* Coupons, vouchers and gifts. */
#define LTY_COUPONS_PER_SALE_MAX 8      /* codes one sale (or quote) may carry */
#define LTY_COUPON_ISSUE_MAX 100        /* codes or members per issuing request (16 KiB answer) */
#define LTY_COUPON_ISSUE_CLI_MAX 1000000 /* loyaltyctl coupons codes --count: requests of 100 */
#define LTY_COUPON_ISSUE_KEY_BYTES_MAX 64
#define LTY_COUPON_PAGE_MAX 100         /* campaigns, offers, gifts, coupons, conflicts per page */
#define LTY_COUPON_PAGE_DEFAULT 50
#define LTY_GIFT_STOCK_STORES_MAX 64    /* per-store stock entries one request may set */
#define LTY_GIFT_SWEEP_PER_TXN_MAX 1000 /* expired reservations one sweep transaction frees */

/* Writer and storage. */
#define LTY_COMMIT_BATCH_MAX 256      /* jobs per durable commit */
#define LTY_WRITER_QUEUE_MAX 16384    /* jobs waiting for the writer; beyond it: 503 */
#define LTY_MAP_BYTES_DEFAULT (INT64_C(1) << 30)
#define LTY_MAP_BYTES_MIN (INT64_C(1) << 20)
#define LTY_MAP_BYTES_MAX (INT64_C(1) << 40)
#define LTY_IDEMPOTENCY_TTL_MS_DEFAULT (INT64_C(40) * 24 * 3600 * 1000) /* 40 days >= 35 */
#define LTY_IDEMPOTENCY_RESPONSE_BYTES_MAX (128 * 1024) /* a 500-member batch's answer */
#define LTY_SWEEP_KEYS_PER_TXN_MAX 1000

/* Adding one maximal transaction to a maximal balance cannot overflow int64_t. */
_Static_assert(LTY_POINTS_BALANCE_MAX <= INT64_MAX - LTY_POINTS_PER_TXN_MAX, "points headroom");
_Static_assert(LTY_PREPAID_BALANCE_CENTS_MAX <= INT64_MAX - LTY_PREPAID_CENTS_PER_TXN_MAX,
               "prepaid headroom");
/* A whole basket of maximal lines stays exact in a double and in int64_t. */
_Static_assert(LTY_BASKET_LINES_MAX * LTY_LINE_AMOUNT_CENTS_MAX <= LTY_JSON_INT_MAX,
               "basket total fits a JSON integer");
_Static_assert(LTY_HTTP_BODY_BYTES_MAX < LTY_HTTP_PIPELINE_BYTES_MAX, "one body fits the buffer");
_Static_assert(LTY_PRINCIPAL_BYTES_MAX + LTY_IDEMPOTENCY_KEY_BYTES_MAX + 2 <= 511,
               "idempotency key fits LMDB's key size");

/* Identity and data: operator roles, the audit trail, the personal-data export. */
#define LTY_REMOTE_ADDR_BYTES_MAX 47           /* a client's IPv6 address as text */
#define LTY_SECURITY_EVENTS_PER_SECOND_MAX 10 /* audit records per event kind; then counted */
#define LTY_EXPORT_JOURNAL_ENTRIES_MAX 400    /* newest entries in a member export; then paged */
#define LTY_EXPORT_AUDIT_RECORDS_MAX 200      /* newest audit records in a member export */
/* What a cashier supervisor may move without finance (docs/security.md): larger adjustments
 * and operator top-ups need the finance or admin role. */
#define LTY_SUPERVISOR_ADJUST_POINTS_MAX INT64_C(5000)
#define LTY_SUPERVISOR_TOPUP_CENTS_MAX INT64_C(100000) /* 1,000.00 */

#endif
