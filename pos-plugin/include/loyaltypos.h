/* SPDX-License-Identifier: MIT */
/**
 * @file loyaltypos.h
 * libloyaltypos: the C library a till links to talk to loyaltyd (card lookup, sales, and the
 * offline store-and-forward queue). This is the only installed header; it depends on the C
 * standard library only.
 *
 * A till makes one lty_client_t per daemon connection: lty_client_options_default(), set the
 * address, the TLS files and the queue directory, lty_client_init(), then call the operations
 * from one thread, and lty_client_close() at the end.
 *
 * Caveats:
 * - Not thread-safe. One lty_client_t belongs to one thread at a time; use one client per till
 *   thread if the till is multi-threaded. Two clients must never share a queue directory.
 *   Distinct clients on distinct threads are independent: they share no mutable state but the
 *   process-wide random generator, which locks itself (tested under ThreadSanitizer).
 * - Every call blocks, for at most about attempts_max * (request_timeout_ms + backoff_max_ms).
 * - The library never prints, never calls exit() or abort(), and never allocates after
 *   lty_client_init() returned, except inside the TLS and JSON libraries it wraps (bounded by
 *   the response size limit) and when it reconnects (a TLS session). Every function checks its
 *   arguments before anything else runs: a misuse (NULL where a pointer is required, an
 *   option or log level out of its range, a string over its limit, a call before init or
 *   after close) is logged through the log callback and returns LTY_E_CLIENT_BUG; a bad value
 *   inside a sale, top-up or return is LTY_E_INVALID_FIELD or LTY_E_INVALID_CARD_NO, refused
 *   before any traffic and any journal entry.
 * - Logging is per client: every line of a client, including those of the HTTP and TLS code
 *   underneath it, goes to that client's callback, on the thread that made the call. The
 *   library never touches a process-wide log, so two clients in one process never see each
 *   other's lines and closing one does not change where the other's go.
 * - Mutating calls (lty_client_sale_submit(), lty_client_topup_submit(), lty_client_pin_set(),
 *   lty_client_return_submit(), lty_client_void_submit()) write the request,
 *   with a fresh random Idempotency-Key, to the queue directory and fsync it BEFORE the first
 *   byte is sent. Retries, resubmissions of the identical request, and deliveries after a till
 *   crash all use that same key, so the daemon applies each request at most once.
 * - A mutating call ends in one of four ways:
 *   1. 0: the daemon applied it (or had applied it: a replayed answer); the journal entry is
 *      removed.
 *   2. A refusal (LTY_E_INSUFFICIENT_POINTS, LTY_E_CARD_NOT_FOUND, ...): the daemon refused it
 *      for good; the entry is removed. Submitting it again is refused again.
 *   3. LTY_E_QUEUED_OFFLINE: the daemon was unreachable, options.offline_queue is on and the
 *      request is eligible (no points redeemed, no prepaid tender, no PIN): it stays journaled
 *      and lty_client_queue_flush() delivers it later. Hand the customer a receipt that says
 *      points are pending.
 *   4. LTY_E_NET / LTY_E_NET_TIMEOUT / LTY_E_UNAVAILABLE / LTY_E_TLS_HANDSHAKE /
 *      LTY_E_BAD_RESPONSE: not applied now. If no byte of it ever reached the daemon, the entry
 *      is removed and nothing happened. Otherwise the outcome is in doubt: the entry stays
 *      journaled (lty_client_queue_count() counts it) and is delivered by the next
 *      lty_client_queue_flush(), or by submitting the identical request again, which reuses
 *      its key. Either way it is applied exactly once in the end; a till that does not want
 *      the sale any more voids it after delivery.
 * - lty_client_queue_flush() delivers journaled requests oldest first. An entry leaves the
 *   journal only on a definitive answer: 2xx (a replay counts as delivered) or a business
 *   refusal (4xx), which moves it to the refused list the till reads with
 *   lty_client_refused_count() and lty_client_refused_get(). 401/403 credential refusals,
 *   408, 429 and 5xx are not definitive: the flush stops and the entry waits.
 * - Strings returned by the library (lty_client_last_error_message(), ...) are owned by the
 *   client and valid until the next call on that client or lty_client_close().
 * - Numbers: points and money are int64_t in minor units (fen, cents). Never floating point.
 * - Error codes are the daemon's (schema/errors.def): the numbers below never change.
 */
#ifndef LOYALTYPOS_H
#define LOYALTYPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LTY_POS_API __attribute__((visibility("default")))
#else
#define LTY_POS_API
#endif

/** Version of this header's API; bumped on any incompatible change (additions keep it). */
#define LTY_CLIENT_API_VERSION 1

/* ---- Error codes ------------------------------------------------------------------------ */

#ifndef LTY_ERR_H /* the library's own sources get the same enum from lty/lty_err.h */
/**
 * Every value a call may return: 0 or one of these. The same list as the daemon's
 * schema/errors.def (a unit test checks the two agree). Likely ones for a till:
 * LTY_E_INVALID_CARD_NO, LTY_E_CARD_NOT_FOUND, LTY_E_CARD_LOST and the other CARD_* states,
 * LTY_E_INSUFFICIENT_POINTS, LTY_E_INVALID_FIELD, LTY_E_IDEMPOTENCY_KEY_REUSED, LTY_E_NET,
 * LTY_E_NET_TIMEOUT, LTY_E_UNAVAILABLE, LTY_E_QUEUED_OFFLINE, LTY_E_BAD_RESPONSE,
 * LTY_E_CLIENT_BUG.
 */
typedef enum lty_err {
    LTY_OK = 0,
    LTY_E_NOMEM = -1,
    LTY_E_IO = -2,
    LTY_E_STORE_FULL = -3,
    LTY_E_INTERNAL = -4,
    LTY_E_UNAVAILABLE = -5,
    LTY_E_COMMIT_FAILED = -6,
    LTY_E_STORE_VERSION = -7,
    LTY_E_CONFIG = -8,
    LTY_E_TLS = -9,
    LTY_E_REQUEST_TIMEOUT = -10,
    LTY_E_EXISTS = -11,
    LTY_E_CORRUPT = -12,
    LTY_E_NOT_LEADER = -13,       /* a replicated daemon's follower: the client goes to the leader */
    LTY_E_REPLICA_BEHIND = -14,
    LTY_E_REPLICATION = -15,
    LTY_E_REQUEST_TOO_LARGE = -100,
    LTY_E_INVALID_JSON = -101,
    LTY_E_INVALID_FIELD = -102,
    LTY_E_NOT_FOUND = -103,
    LTY_E_METHOD_NOT_ALLOWED = -104,
    LTY_E_UNAUTHENTICATED = -105,
    LTY_E_FORBIDDEN = -106,
    LTY_E_IDEMPOTENCY_KEY_REQUIRED = -107,
    LTY_E_IDEMPOTENCY_KEY_REUSED = -108,
    LTY_E_HEADERS_TOO_LARGE = -109,
    LTY_E_BAD_REQUEST = -110,
    LTY_E_INVALID_CARD_NO = -111,
    LTY_E_UNSUPPORTED_MEDIA_TYPE = -112,
    LTY_E_JSON_TOO_DEEP = -113,
    LTY_E_INVALID_IDEMPOTENCY_KEY = -114,
    LTY_E_TOO_MANY_REQUESTS = -115,
    LTY_E_INVALID_QUERY = -116,
    LTY_E_DUPLICATE_KEY = -117,
    LTY_E_NOT_IMPLEMENTED = -118,    /* 501: an HTTP feature the daemon does not implement */
    LTY_E_CARD_NOT_FOUND = -200,
    LTY_E_MEMBER_NOT_FOUND = -201,
    LTY_E_INSUFFICIENT_POINTS = -202,
    LTY_E_INSUFFICIENT_FUNDS = -203,
    LTY_E_CARD_LOST = -204,
    LTY_E_CARD_REPLACED = -205,
    LTY_E_CARD_EXPIRED = -206,
    LTY_E_CARD_NOT_ACTIVATED = -207,
    LTY_E_CARD_CLOSED = -208,
    LTY_E_ACCOUNT_CLOSED = -209,
    LTY_E_PHONE_TAKEN = -210,
    LTY_E_PREPAID_BALANCE_LIMIT = -211,
    LTY_E_TOPUP_LIMIT = -212,
    LTY_E_POINTS_LIMIT = -213,
    LTY_E_SALE_NOT_FOUND = -214,
    LTY_E_ALREADY_RETURNED = -215,
    LTY_E_RETURN_EXCEEDS_SALE = -216,
    LTY_E_VOID_WINDOW_CLOSED = -217,
    LTY_E_VOID_NOT_ALLOWED = -218,
    LTY_E_TENDER_MISMATCH = -219,
    LTY_E_PIN_REQUIRED = -220,
    LTY_E_PIN_INCORRECT = -221,
    LTY_E_PIN_LOCKED = -222,
    LTY_E_PIN_ALREADY_SET = -223,
    LTY_E_REDEEM_EXCEEDS_BASKET = -224,
    LTY_E_CARD_ALREADY_ACTIVE = -225,
    LTY_E_STORE_NOT_FOUND = -226,
    LTY_E_REDEMPTION_BLOCKED = -227,
    LTY_E_ALREADY_VOIDED = -228,
    LTY_E_POINTS_FLOOR = -229,
    LTY_E_CARD_TAKEN = -230, /* operator import only; never a till answer */
    LTY_E_STORE_CLOSED = -231,
    LTY_E_VERSION_CONFLICT = -232,
    LTY_E_STAFF_NOT_FOUND = -233,
    LTY_E_RULE_NOT_FOUND = -234,
    LTY_E_RULE_ENDED = -235,
    LTY_E_COUPON_NOT_FOUND = -236, /* coupons, vouchers and gifts */
    LTY_E_COUPON_USED = -237,
    LTY_E_COUPON_EXPIRED = -238,
    LTY_E_COUPON_NOT_ELIGIBLE = -239,
    LTY_E_COUPON_MIN_SPEND = -240,
    LTY_E_COUPON_NOT_YOURS = -241,
    LTY_E_CAMPAIGN_EXHAUSTED = -242,
    LTY_E_OUT_OF_STOCK = -243,
    LTY_E_CAMPAIGN_NOT_FOUND = -244,
    LTY_E_GIFT_NOT_FOUND = -245,
    LTY_E_OFFER_NOT_FOUND = -246,
    LTY_E_REDEMPTION_NOT_FOUND = -247,
    LTY_E_GIFT_NOT_AVAILABLE = -248,
    LTY_E_REDEMPTION_CLOSED = -249,
    LTY_E_CAMPAIGN_ENDED = -250,
    LTY_E_LOGIN_FAILED = -260,       /* member portal only: a till never sees these three */
    LTY_E_SESSION_EXPIRED = -261,
    LTY_E_CSRF_TOKEN_INVALID = -262,
    LTY_E_NET = -300,
    LTY_E_NET_TIMEOUT = -301,
    LTY_E_CLIENT_BUG = -302,
    LTY_E_BAD_RESPONSE = -303,
    LTY_E_TLS_HANDSHAKE = -304,
    LTY_E_QUEUED_OFFLINE = -305,
} lty_err_t;
#endif

/** "INSUFFICIENT_POINTS"; "UNKNOWN" for a value not in the list. Static; never NULL. */
LTY_POS_API const char *lty_client_err_name(int err);
/** An English sentence for err. Static; never NULL. */
LTY_POS_API const char *lty_client_strerror(int err);

/* ---- Client ----------------------------------------------------------------------------- */

/** Log levels of the log callback. */
enum { LTY_CLIENT_LOG_ERR = 0, LTY_CLIENT_LOG_WARN = 1, LTY_CLIENT_LOG_INFO = 2,
       LTY_CLIENT_LOG_DEBUG = 3 };

/**
 * Log callback: one line without a newline, valid only during the call. Never carries card
 * numbers in full, PINs, keys or bodies. Called on the thread that called the library.
 */
typedef void (*lty_client_log_cb)(int level, const char *message, void *userdata);

/** Everything lty_client_init() needs. Fill with lty_client_options_default() first. */
typedef struct lty_client_options_s {
    const char *host;          /* public: daemon host name or IP, e.g. "127.0.0.1" */
    uint16_t port;             /* public: daemon port, e.g. 8443 */
    const char *ca_cert_path;  /* public: programme CA certificate (PEM), required */
    const char *cert_path;     /* public: this till's certificate (PEM), required */
    const char *key_path;      /* public: this till's private key (PEM), required */
    const char *server_name;   /* public: name the daemon's certificate must carry, or NULL
                                * to trust any certificate the programme CA signed */
    const char *queue_dir;     /* public: directory for the request journal, required; created
                                * if missing (mode 0700). One client per directory. */
    bool offline_queue;        /* public: allow store-and-forward (LTY_E_QUEUED_OFFLINE) */
    int request_timeout_ms;    /* public: one attempt, connect included; 100..120000 */
    int attempts_max;          /* public: tries per call including the first; 1..10 */
    int backoff_initial_ms;    /* public: pause before the 2nd try, doubled after; 0..60000 */
    int backoff_max_ms;        /* public: cap of the pause; backoff_initial_ms..60000 */
    size_t queue_entries_max;  /* public: journal capacity (pending, and refused); 1..100000 */
    lty_client_log_cb log_cb;  /* public: NULL for silence; see lty_client_set_log_cb() */
    void *log_userdata;        /* public: passed to log_cb */
    int log_level_max;         /* public: LTY_CLIENT_LOG_*; lines above it are not produced */
    const char *servers;       /* public: a replicated daemon's nodes, "host:port,host:port"
                                * (at most 8), or NULL for host:port alone. A call that cannot
                                * reach a node tries the next; a follower's 421 not_leader sends
                                * it to the leader the reply names. Same idempotency key. */
} lty_client_options_t;

/** A client. Allocate it yourself (stack, static or heap); the library manages its inside. */
typedef struct lty_client_s {
    void *impl;        /* private: state allocated by lty_client_init() */
    uint32_t magic;    /* private: tells an initialised client from garbage */
} lty_client_t;

/**
 * Fill options with the defaults: request_timeout_ms 5000, attempts_max 3,
 * backoff_initial_ms 200, backoff_max_ms 2000, queue_entries_max 10000, offline_queue false,
 * port 8443, every path NULL, no log callback, log_level_max LTY_CLIENT_LOG_INFO.
 * @param[out] options  Overwritten entirely.
 */
LTY_POS_API void lty_client_options_default(lty_client_options_t *options);

/**
 * Prepare a client: load the TLS files, open (or create) the queue directory and read the
 * journal it holds, allocate every buffer the client will use. Does not connect.
 *
 * @param[out] client   Caller-allocated; its previous content is ignored.
 * @param[in]  options  Borrowed during the call only (strings are copied).
 * @return 0, or:
 *         LTY_E_CLIENT_BUG (NULL client or options, a required string missing, empty or over
 *         its limit: host and server_name 255 bytes, paths 4000; a host with a space or '/';
 *         log_level_max outside LTY_CLIENT_LOG_ERR..LTY_CLIENT_LOG_DEBUG),
 *         LTY_E_INVALID_FIELD (an option out of its range; the message names it),
 *         LTY_E_TLS (certificate or key unreadable or not matching),
 *         LTY_E_IO (queue directory unusable, or a journal file unreadable),
 *         LTY_E_CORRUPT (a journal file is damaged; it is left in place for inspection),
 *         LTY_E_NOMEM.
 *         On failure the client is left closed: lty_client_close() is harmless.
 * @note Journaled requests from an earlier run (a crash, an offline period) are kept; call
 *       lty_client_queue_flush() to deliver them.
 */
LTY_POS_API int lty_client_init(lty_client_t *client, const lty_client_options_t *options);

/** Close the connection and free everything. Idempotent; accepts a zeroed client. The journal
 *  stays on disk for the next lty_client_init(). */
LTY_POS_API void lty_client_close(lty_client_t *client);

/**
 * Route the client's log lines to cb instead of options.log_cb (the library is silent while
 * neither is set). Takes effect for the next line, the HTTP and TLS layers' included.
 * @param[in] level_max  Lines above this level (LTY_CLIENT_LOG_*) are not produced.
 * @param[in] cb         NULL silences the library again.
 * @return 0 or LTY_E_CLIENT_BUG (client not initialised, or level_max not one of
 *         LTY_CLIENT_LOG_*; the previous callback then stays).
 */
LTY_POS_API int lty_client_set_log_cb(lty_client_t *client, int level_max, lty_client_log_cb cb,
                                      void *userdata);

/**
 * The daemon's message for the last failed call ("points balance too low"), or the library's
 * own sentence for local failures. "" after a success. Owned by client; valid until the next
 * call on client.
 */
LTY_POS_API const char *lty_client_last_error_message(const lty_client_t *client);
/** The JSON field the last refusal named ("/lines/2/qty"), or "". Same lifetime. */
LTY_POS_API const char *lty_client_last_error_field(const lty_client_t *client);
/** HTTP status of the last response received (0 if none, e.g. unreachable). */
LTY_POS_API int lty_client_last_http_status(const lty_client_t *client);

/* ---- Cards ------------------------------------------------------------------------------ */

#define LTY_CLIENT_CARD_NO_SIZE 20       /* 12..19 digits + NUL */
#define LTY_CLIENT_NAME_SIZE 129         /* up to 128 bytes of UTF-8 + NUL */
#define LTY_CLIENT_CARD_STATUS_SIZE 24
#define LTY_CLIENT_KEY_SIZE 33           /* 32 hex digits + NUL */

/** What a card's status word means to a till; OTHER for a word this library does not know. */
typedef enum lty_card_status {
    LTY_CARD_STATUS_OTHER = 0,
    LTY_CARD_STATUS_ACTIVE = 1,
    LTY_CARD_STATUS_LOST = 2,
    LTY_CARD_STATUS_REPLACED = 3,
    LTY_CARD_STATUS_EXPIRED = 4,
    LTY_CARD_STATUS_CLOSED = 5,
} lty_card_status_t;

/** A card and its member's balances, as the daemon reported them. */
typedef struct lty_card_info_s {
    char card_no[LTY_CLIENT_CARD_NO_SIZE];             /* read-only */
    char card_status[LTY_CLIENT_CARD_STATUS_SIZE];     /* read-only: the daemon's word */
    lty_card_status_t status;                          /* read-only: card_status decoded */
    int64_t member_id;                                 /* read-only */
    char name[LTY_CLIENT_NAME_SIZE];                   /* read-only: "" if erased */
    int64_t points;                                    /* read-only: may be < 0 (returns) */
    int64_t prepaid_cents;                             /* read-only */
} lty_card_info_t;

/**
 * Look up a card: GET /v1/till/cards/{card_no}.
 *
 * @param[in]  card_no   12..19 digits with a valid check digit; checked before any traffic.
 * @param[out] card_out  Filled only when 0 is returned.
 * @return 0, LTY_E_INVALID_CARD_NO, LTY_E_CARD_NOT_FOUND, LTY_E_NET, LTY_E_NET_TIMEOUT,
 *         LTY_E_UNAVAILABLE, LTY_E_TLS_HANDSHAKE, LTY_E_UNAUTHENTICATED, LTY_E_FORBIDDEN,
 *         LTY_E_BAD_RESPONSE (a missing or mistyped field), LTY_E_CLIENT_BUG.
 * @note Read-only: retried on network errors, never journaled.
 */
LTY_POS_API int lty_client_card_get(lty_client_t *client, const char *card_no,
                                    lty_card_info_t *card_out);

/* ---- Sales ------------------------------------------------------------------------------ */

/** How a sale or a top-up is paid. A top-up takes CASH or BANK_CARD only. */
typedef enum lty_tender_type {
    LTY_TENDER_CASH = 1,
    LTY_TENDER_BANK_CARD = 2,
    LTY_TENDER_PREPAID = 3, /* the member's prepaid balance (sales only) */
} lty_tender_type_t;

/** One way a sale is paid. */
typedef struct lty_tender_s {
    lty_tender_type_t type; /* public: each type at most once per sale */
    int64_t amount_cents;   /* public: 0..100000000 */
} lty_tender_t;


/** One basket line. amount_cents is the line total (qty x unit price after line discounts). */
typedef struct lty_sale_line_s {
    const char *sku;       /* public: 1..64 bytes */
    const char *category;  /* public: 1..64 bytes */
    int64_t qty;           /* public: 1..100000 */
    int64_t amount_cents;  /* public: 0..100000000 */
} lty_sale_line_t;

/** A sale to submit. Everything is borrowed for the call and copied into the journal. */
typedef struct lty_sale_s {
    const char *card_no;           /* public: the member's card */
    const char *receipt_no;        /* public: the till's receipt number, 1..64 bytes */
    const lty_sale_line_t *lines;  /* public: 1..500 lines */
    size_t lines_count;            /* public */
    int64_t redeem_points;         /* public: points to spend off the basket; 0 for none */
    /* Added later, at the end so that callers written before them (zero-initialised or
     * designated initialisers) keep their meaning: zero/NULL means absent. */
    const lty_tender_t *tenders;   /* public: NULL (with tenders_count 0): paid outside the
                                    * programme. Otherwise 1..3 tenders, each type once, adding
                                    * up exactly to the basket minus the points value (the
                                    * daemon refuses a mismatch with LTY_E_TENDER_MISMATCH). */
    size_t tenders_count;          /* public: 0..3 */
    const char *pin;               /* public: the member's PIN (4..8 digits) typed on the PIN
                                    * pad, or NULL/"": needed when the prepaid tender is above
                                    * the programme's threshold (demo 200.00). Never logged; it
                                    * is in the journal file (mode 0600) only until the daemon
                                    * answered for good. */
    /* Added later, at the end like the fields above (NULL means absent). */
    const char *staff_id;          /* public: the cashier paid commission on the sale, or NULL
                                    * ("" too); an unknown or deactivated one is refused with
                                    * LTY_E_STAFF_NOT_FOUND */
    const char *const *coupons;    /* public: coupon codes scanned, applied in order;
                                    * NULL with coupons_count 0: none. See "Coupons" below for
                                    * what happens offline. */
    size_t coupons_count;          /* public: 0..8 */
} lty_sale_t;

/** One earning rule that changed a sale's points: the receipt's explanation. */
#define LTY_CLIENT_RULES_MAX 17          /* 16 rules and the programme's per-sale maximum */
#define LTY_CLIENT_RULE_NAME_SIZE 65     /* up to 64 bytes of UTF-8 + NUL */
typedef struct lty_rule_applied_s {
    int64_t rule_id;                        /* read-only: 0 = points_per_sale_max cut the total */
    char name[LTY_CLIENT_RULE_NAME_SIZE];   /* read-only */
    int64_t points;                         /* read-only: added (> 0) or taken away (< 0) */
    bool capped;                            /* read-only: a cap lowered it */
} lty_rule_applied_t;

/** The daemon's answer to a sale. */
typedef struct lty_receipt_s {
    int64_t sale_id;                        /* read-only: 0 when queued offline */
    int64_t points_earned;                  /* read-only */
    int64_t points_redeemed;                /* read-only */
    int64_t points_balance;                 /* read-only: the member's balance after it */
    bool prepaid_present;                   /* read-only: the daemon sent prepaid_cents */
    int64_t prepaid_cents;                  /* read-only: valid when prepaid_present */
    bool replayed;                          /* read-only: the daemon had already applied it */
    char idempotency_key[LTY_CLIENT_KEY_SIZE]; /* read-only: the key this request used */
    /* Added later, at the end. */
    bool points_confirmed;                  /* read-only: the daemon answered, so points_earned
                                             * is what the member got; false when queued
                                             * offline: promise nothing (no quote, no estimate) */
    int64_t points_base;                    /* read-only: what the sale earns without rules */
    size_t rules_count;                     /* read-only */
    lty_rule_applied_t rules[LTY_CLIENT_RULES_MAX]; /* read-only: why it earns points_earned */
    /* coupons */
    int64_t total_cents;                    /* read-only: the basket after the coupons */
    int64_t discount_cents;                 /* read-only: what the coupons took off */
    size_t coupons_applied;                 /* read-only */
    size_t coupon_conflicts;                /* read-only: offline coupons the daemon could not
                                             * honour when the sale was forwarded */
} lty_receipt_t;

/**
 * Submit a sale so the member earns (and optionally redeems) points: POST /v1/till/sales.
 *
 * @param[in]  sale         Validated locally first (limits, card check digit): a bad sale is
 *                          refused without traffic and without a journal entry.
 * @param[out] receipt_out  Filled when 0 is returned; on LTY_E_QUEUED_OFFLINE only
 *                          idempotency_key is set (the rest is 0).
 * @return 0, LTY_E_QUEUED_OFFLINE, LTY_E_INVALID_FIELD, LTY_E_INVALID_CARD_NO,
 *         LTY_E_CARD_NOT_FOUND, LTY_E_CARD_LOST (and other CARD_* states),
 *         LTY_E_INSUFFICIENT_POINTS, LTY_E_REDEEM_EXCEEDS_BASKET, LTY_E_REDEMPTION_BLOCKED,
 *         LTY_E_TENDER_MISMATCH, LTY_E_INSUFFICIENT_FUNDS (prepaid short), LTY_E_PIN_REQUIRED
 *         (no PIN sent, or none set on the card), LTY_E_PIN_INCORRECT, LTY_E_PIN_LOCKED,
 *         LTY_E_IDEMPOTENCY_KEY_REUSED, LTY_E_NET, LTY_E_NET_TIMEOUT, LTY_E_UNAVAILABLE,
 *         LTY_E_TLS_HANDSHAKE, LTY_E_BAD_RESPONSE, LTY_E_STORE_FULL (journal full),
 *         LTY_E_IO (journal not writable: nothing was sent), LTY_E_CLIENT_BUG.
 * @note Idempotent: see the Caveats at the top for what each outcome means for the journal.
 *       After a network error, submitting the same sale unchanged reuses its key.
 * @note A sale with redeem_points, a prepaid tender or a PIN is never queued offline (the
 *       balance must be checked now); cash and bank-card tenders alone may be.
 */
LTY_POS_API int lty_client_sale_submit(lty_client_t *client, const lty_sale_t *sale,
                                       lty_receipt_t *receipt_out);

/* ---- Quotes --------------------------------------------------------------------------- */

/** What a sale would earn and what the member may redeem, from the daemon. */
typedef struct lty_quote_s {
    int64_t member_id;                      /* read-only */
    int64_t points_balance;                 /* read-only: what may be spent now */
    int64_t points_earned;                  /* read-only: what the sale would earn */
    int64_t points_redeemed;                /* read-only: the sale's redeem_points, checked */
    int64_t points_redeemable;              /* read-only: at most this many for this basket */
    int64_t redeem_cents_per_point;         /* read-only */
    int64_t points_base;                    /* read-only: without rules */
    size_t rules_count;                     /* read-only */
    lty_rule_applied_t rules[LTY_CLIENT_RULES_MAX]; /* read-only */
    /* the sale's coupons, judged but not used */
    int64_t total_cents;                    /* read-only: the basket after the coupons */
    int64_t discount_cents;                 /* read-only: what the applicable coupons take off */
    size_t coupons_applied;                 /* read-only: the others would refuse the sale */
} lty_quote_t;

/**
 * Ask what a sale would earn, without side effect: POST /v1/till/sales/quote. The sale that
 * follows (the same sale, submitted with lty_client_sale_submit()) earns what was quoted unless
 * a rule, the programme or the balance changed in between.
 *
 * @param[in]  sale       As for lty_client_sale_submit(); receipt_no may be NULL (not checked
 *                        then); a PIN is sent but never checked.
 * @param[out] quote_out  Filled only when 0 is returned.
 * @return 0, the refusals of lty_client_sale_submit() (LTY_E_INSUFFICIENT_POINTS, ...), the
 *         network errors (LTY_E_NET, LTY_E_NET_TIMEOUT, LTY_E_UNAVAILABLE, ...).
 * @note Read-only: retried on network errors, never journaled, never queued. Offline there is
 *       no quote: the till must not promise points a quote did not confirm.
 */
LTY_POS_API int lty_client_sale_quote(lty_client_t *client, const lty_sale_t *sale,
                                      lty_quote_t *quote_out);

/* ---- Card activation ------------------------------------------------------------------ */

/** A printed card activated at its first scan. Everything is borrowed for the call. */
typedef struct lty_activation_s {
    const char *card_no;   /* public: an unassigned card */
    const char *phone;     /* public: E.164; links the member with that phone, or enrols one */
    const char *name;      /* public: needed when no member has the phone; else NULL */
    const char *staff_id;  /* public: the cashier paid the activation commission, or NULL */
} lty_activation_t;

typedef struct lty_activation_receipt_s {
    int64_t member_id;                         /* read-only */
    bool member_created;                       /* read-only: a new member was enrolled */
    char card_status[LTY_CLIENT_CARD_STATUS_SIZE]; /* read-only: "active" */
    bool replayed;                             /* read-only */
    char idempotency_key[LTY_CLIENT_KEY_SIZE]; /* read-only */
} lty_activation_receipt_t;

/**
 * Activate a printed card: POST /v1/till/cards/{card_no}/activate.
 * @return 0, LTY_E_INVALID_CARD_NO, LTY_E_INVALID_FIELD (phone), LTY_E_CARD_NOT_FOUND,
 *         LTY_E_CARD_ALREADY_ACTIVE, LTY_E_STAFF_NOT_FOUND, and the network and journal errors
 *         of lty_client_sale_submit(); never LTY_E_QUEUED_OFFLINE.
 * @note Journaled and retried with one key like every mutating call; never queued offline (the
 *       member is at the counter and needs the card now).
 */
LTY_POS_API int lty_client_card_activate(lty_client_t *client,
                                         const lty_activation_t *activation,
                                         lty_activation_receipt_t *receipt_out);

/* ---- Top-ups -------------------------------------------------------------------------- */

/** A prepaid top-up to submit. */
typedef struct lty_topup_s {
    const char *card_no;        /* public */
    int64_t amount_cents;       /* public: 1..10000000000 */
    lty_tender_type_t tender;   /* public: CASH or BANK_CARD */
    const char *staff_id;       /* public: the cashier paid commission, or NULL */
} lty_topup_t;

/** The daemon's answer to a top-up. */
typedef struct lty_topup_receipt_s {
    int64_t prepaid_cents;                     /* read-only: the balance after it */
    bool points_present;                       /* read-only */
    int64_t points_balance;                    /* read-only: valid when points_present */
    bool replayed;                             /* read-only */
    char idempotency_key[LTY_CLIENT_KEY_SIZE]; /* read-only */
} lty_topup_receipt_t;

/**
 * Add prepaid money to the member's account: POST /v1/till/prepaid/topups.
 * Money is taken at the till, so a top-up is never queued offline.
 * @return as lty_client_sale_submit(), plus LTY_E_PREPAID_BALANCE_LIMIT, LTY_E_TOPUP_LIMIT;
 *         never LTY_E_QUEUED_OFFLINE.
 */
LTY_POS_API int lty_client_topup_submit(lty_client_t *client, const lty_topup_t *topup,
                                        lty_topup_receipt_t *receipt_out);

/* ---- PINs ----------------------------------------------------------------------------- */

/**
 * The member sets the card's PIN on the PIN pad: POST /v1/till/cards/{card_no}/pin.
 *
 * @param[in] card_no     Required (NULL: LTY_E_CLIENT_BUG); checked before any traffic.
 * @param[in] pin         4..8 digits, required (NULL: LTY_E_CLIENT_BUG); checked before any
 *                        traffic.
 * @param[in] reset_code  NULL while the card has no PIN; to change a PIN, the one-time 8-digit
 *                        code an operator obtained (POST /v1/admin/cards/{card_no}/pin-reset).
 * @return 0, LTY_E_INVALID_CARD_NO, LTY_E_INVALID_FIELD, LTY_E_CARD_NOT_FOUND (and CARD_*
 *         states), LTY_E_PIN_ALREADY_SET (a PIN is set and no reset code was given),
 *         LTY_E_FORBIDDEN (wrong, used or expired reset code), and the network and journal
 *         errors of lty_client_sale_submit(); never LTY_E_QUEUED_OFFLINE.
 * @note Journaled and retried with one key like every mutating call; never queued offline
 *       (the member is standing at the PIN pad). The PIN is never logged.
 */
LTY_POS_API int lty_client_pin_set(lty_client_t *client, const char *card_no, const char *pin,
                                   const char *reset_code);

/* ---- Returns and voids ---------------------------------------------------------------- */

#define LTY_CLIENT_STORE_SIZE 17         /* up to 16 bytes + NUL */
#define LTY_CLIENT_RECEIPT_NO_SIZE 65    /* up to 64 bytes + NUL */
#define LTY_CLIENT_SALE_STATUS_SIZE 24

/** One line to give back: the sale's line named by sku, and how many units. */
typedef struct lty_return_line_s {
    const char *sku;  /* public: 1..64 bytes; must be on the sale */
    int64_t qty;      /* public: 1..100000 */
} lty_return_line_t;

/** A return to submit: which sale (sale_id, or receipt_no with an optional store), and what. */
typedef struct lty_return_s {
    int64_t sale_id;                 /* public: the sale's id, or 0 to name it by receipt_no */
    const char *receipt_no;          /* public: with sale_id 0: the sale's receipt number */
    const char *store;               /* public: with receipt_no: the store that sold; NULL for
                                      * the returning till's own store */
    const lty_return_line_t *lines;  /* public: NULL (lines_count 0): everything not yet
                                      * returned */
    size_t lines_count;              /* public: 0..500 */
} lty_return_t;

/** The daemon's answer to a return or a void: what the cashier gives back, and the balances. */
typedef struct lty_return_receipt_s {
    int64_t entry_id;                            /* read-only: the return's journal entry */
    int64_t sale_id;                             /* read-only */
    char store[LTY_CLIENT_STORE_SIZE];           /* read-only: the store that sold */
    char receipt_no[LTY_CLIENT_RECEIPT_NO_SIZE]; /* read-only: the sale's receipt number */
    int64_t member_id;                           /* read-only */
    int64_t qty_returned;                        /* read-only: units given back this time */
    int64_t refund_cents;                        /* read-only: the goods value given back */
    int64_t refund_prepaid_cents;     /* read-only: credited back to the prepaid balance */
    int64_t refund_cash_cents;        /* read-only: the cashier pays out in cash */
    int64_t refund_bank_card_cents;   /* read-only: refunded to the bank card */
    int64_t refund_outside_cents;     /* read-only: part paid outside the programme */
    int64_t points_refunded;          /* read-only: redeemed points given back */
    int64_t points_taken_back;        /* read-only: earned points taken back */
    char sale_status[LTY_CLIENT_SALE_STATUS_SIZE]; /* read-only: "partly_returned", "returned",
                                                    * "voided" */
    int64_t points_balance;           /* read-only: after it; may be < 0 */
    int64_t prepaid_cents;            /* read-only: after it */
    bool replayed;                             /* read-only */
    char idempotency_key[LTY_CLIENT_KEY_SIZE]; /* read-only */
} lty_return_receipt_t;

/**
 * Give back goods of a sale (whole or partial, at any till of the chain): POST
 * /v1/till/returns. Amounts come pro rata from the sale's lines; refunds are split by what paid
 * for the sale (docs/api.md).
 *
 * @param[out] receipt_out  Filled when 0 is returned (idempotency_key always).
 * @return 0, LTY_E_INVALID_FIELD, LTY_E_SALE_NOT_FOUND, LTY_E_ALREADY_RETURNED,
 *         LTY_E_RETURN_EXCEEDS_SALE, LTY_E_ALREADY_VOIDED, LTY_E_POINTS_FLOOR,
 *         LTY_E_ACCOUNT_CLOSED, and the network and journal errors of
 *         lty_client_sale_submit(); never LTY_E_QUEUED_OFFLINE.
 * @note Journaled and retried with one key; never queued offline: money goes back across the
 *       counter now, so the cashier must see the daemon's answer first.
 */
LTY_POS_API int lty_client_return_submit(lty_client_t *client, const lty_return_t *ret,
                                         lty_return_receipt_t *receipt_out);

/**
 * Void a sale this till made, within the programme's void window: POST
 * /v1/till/sales/{sale_id}/void. The whole sale is given back (points earned and redeemed,
 * prepaid).
 * @return 0, LTY_E_INVALID_FIELD (sale_id < 1), LTY_E_SALE_NOT_FOUND, LTY_E_VOID_NOT_ALLOWED
 *         (another till's sale), LTY_E_VOID_WINDOW_CLOSED, LTY_E_ALREADY_VOIDED,
 *         LTY_E_ALREADY_RETURNED, and the network and journal errors of
 *         lty_client_sale_submit(); never LTY_E_QUEUED_OFFLINE (as for returns).
 */
LTY_POS_API int lty_client_void_submit(lty_client_t *client, int64_t sale_id,
                                       lty_return_receipt_t *receipt_out);

/* ---- Coupons -------------------------------------------------------------------------------
 *
 * A coupon code is 127 characters (docs/coupons.md); the daemon judges it in the sale's own
 * transaction. Offline, the library can check a code's signature and expiry with the
 * programme's public key, which lty_client_keys_refresh() fetches and keeps in the queue
 * directory (file programme-key, so it survives a restart).
 *
 * - With the key cached, every coupon of a sale is checked locally before any traffic: a
 *   tampered, foreign or expired code is refused at once (LTY_E_COUPON_NOT_FOUND,
 *   LTY_E_COUPON_EXPIRED), exactly as the daemon would refuse it.
 * - Offline policy: a sale with coupons may be queued offline (options.offline_queue, no
 *   points, no prepaid, no PIN, as any sale) only while the key is cached. When it is queued
 *   and no byte of it had reached the daemon, its journaled body is marked "offline": when
 *   forwarded, a coupon the daemon cannot honour (used meanwhile at another store, its
 *   campaign paused or spent, not this member's...) is left out of the sale instead of
 *   refusing it, and recorded as a conflict: counted in the forwarding (see
 *   lty_client_conflicts_forwarded()) and listed for both stores' tills
 *   (lty_client_coupon_conflicts()) and for the operator. Nothing is lost silently.
 * - Without the key, a sale with coupons is never queued offline.
 */

#define LTY_CLIENT_COUPON_CODE_SIZE 128  /* 127 characters + NUL */
#define LTY_CLIENT_COUPONS_PER_SALE_MAX 8

/**
 * Fetch the programme's public key (GET /v1/till/programme/keys) and keep it, in memory and in
 * <queue_dir>/programme-key, for offline checks.
 * @return 0, the network errors of lty_client_card_get(), LTY_E_BAD_RESPONSE, LTY_E_IO.
 */
LTY_POS_API int lty_client_keys_refresh(lty_client_t *client);

/** True when a programme key is cached (refreshed now or in an earlier run). */
LTY_POS_API bool lty_client_keys_cached(const lty_client_t *client);

/** What an offline check learns from a code. */
typedef struct lty_coupon_info_s {
    int64_t campaign_id;                /* read-only */
    uint64_t serial;                    /* read-only */
    int64_t expires_ms;                 /* read-only: end of its last day; -1: no expiry */
} lty_coupon_info_t;

/**
 * Check a code offline: its signature under the cached programme key and its expiry against
 * the till's clock. Campaign terms, uses and owner are the daemon's to judge.
 * @return 0, LTY_E_COUPON_NOT_FOUND (malformed, tampered, another programme's),
 *         LTY_E_COUPON_EXPIRED, LTY_E_NOT_FOUND (no key cached), LTY_E_CLIENT_BUG.
 */
LTY_POS_API int lty_client_coupon_check(lty_client_t *client, const char *code,
                                        lty_coupon_info_t *info_out);

/** Conflicts the daemon reported in forwarding results (lty_client_queue_flush()) since
 *  lty_client_init(). */
LTY_POS_API size_t lty_client_conflicts_forwarded(const lty_client_t *client);

/** A coupon accepted offline that the daemon could not honour, as the till route lists it. */
typedef struct lty_coupon_conflict_s {
    int64_t conflict_id;                        /* read-only */
    int64_t campaign_id;                        /* read-only */
    int err;                                    /* read-only: LTY_E_COUPON_USED, ... */
    int64_t sale_id;                            /* read-only: the forwarded sale */
    char store[LTY_CLIENT_STORE_SIZE];          /* read-only: where it was forwarded from */
    char till[LTY_CLIENT_STORE_SIZE];           /* read-only */
    int64_t first_sale_id;                      /* read-only: coupon_used: the use that won */
    char first_store[LTY_CLIENT_STORE_SIZE];    /* read-only */
    char first_till[LTY_CLIENT_STORE_SIZE];     /* read-only */
} lty_coupon_conflict_t;

/**
 * The conflicts this till's store is on either side of (GET /v1/till/coupon-conflicts), after
 * conflict id after (0: from the first), at most capacity.
 * @return 0 with *count_out, the network errors, LTY_E_BAD_RESPONSE, LTY_E_CLIENT_BUG.
 */
LTY_POS_API int lty_client_coupon_conflicts(lty_client_t *client, int64_t after,
                                            lty_coupon_conflict_t *conflicts_out,
                                            size_t capacity, size_t *count_out);

/* ---- Gifts -------------------------------------------------------------------------------- */

/** The daemon's answer to a gift redemption or hand-over. */
typedef struct lty_gift_receipt_s {
    int64_t redemption_id;                     /* read-only: print it (or its QR) for the scan */
    int64_t gift_id;                           /* read-only */
    char status[LTY_CLIENT_SALE_STATUS_SIZE];  /* read-only: "reserved", "handed_over", ... */
    char store[LTY_CLIENT_STORE_SIZE];         /* read-only: the stock reserved ("" central) */
    int64_t points;                            /* read-only: debited */
    int64_t cash_cents;                        /* read-only: to take at the till besides */
    int64_t points_balance;                    /* read-only */
    int64_t available;                         /* read-only: stock left */
    bool replayed;                             /* read-only */
    char idempotency_key[LTY_CLIENT_KEY_SIZE]; /* read-only */
} lty_gift_receipt_t;

/**
 * Redeem the member's points for a gift from this store's stock (or the central stock):
 * POST /v1/till/gift-redemptions. Never queued offline (points are checked now).
 * @return 0, LTY_E_INVALID_CARD_NO, card refusals, LTY_E_GIFT_NOT_FOUND,
 *         LTY_E_GIFT_NOT_AVAILABLE, LTY_E_OUT_OF_STOCK, LTY_E_INSUFFICIENT_POINTS,
 *         LTY_E_REDEMPTION_BLOCKED, and the network and journal errors of
 *         lty_client_sale_submit().
 */
LTY_POS_API int lty_client_gift_redeem(lty_client_t *client, const char *card_no,
                                       int64_t gift_id, lty_gift_receipt_t *receipt_out);

/**
 * Hand a reserved gift over after scanning its redemption:
 * POST /v1/till/gift-redemptions/{redemption_id}/hand-over.
 * @return 0, LTY_E_REDEMPTION_NOT_FOUND, LTY_E_REDEMPTION_CLOSED, LTY_E_GIFT_NOT_AVAILABLE
 *         (reserved at another store), network and journal errors; never queued offline.
 */
LTY_POS_API int lty_client_gift_hand_over(lty_client_t *client, int64_t redemption_id,
                                          lty_gift_receipt_t *receipt_out);

/* ---- Offline journal -------------------------------------------------------------------- */

/** Requests journaled and not yet definitively answered (queued offline or in doubt). 0 for a
 *  client that is not initialised. */
LTY_POS_API size_t lty_client_queue_count(const lty_client_t *client);

/**
 * Deliver journaled requests, oldest first, each with its original key.
 *
 * @param[out] delivered_out  May be NULL: how many left the journal (applied or refused).
 * @return 0 when the journal is empty afterwards; otherwise the error that stopped the flush
 *         (LTY_E_NET, LTY_E_NET_TIMEOUT, LTY_E_UNAVAILABLE, LTY_E_UNAUTHENTICATED, ...) with the
 *         rest still journaled; LTY_E_IO or LTY_E_CORRUPT for a journal file it cannot use.
 */
LTY_POS_API int lty_client_queue_flush(lty_client_t *client, size_t *delivered_out);

/** A journaled request the daemon refused during a flush. */
typedef struct lty_refused_s {
    uint64_t sequence;                         /* read-only: journal order, unique */
    char idempotency_key[LTY_CLIENT_KEY_SIZE]; /* read-only */
    char path[64];                             /* read-only: e.g. "/v1/till/sales" */
    char label[96];                            /* read-only: e.g. "sale receipt R-0001" */
    int http_status;                           /* read-only */
    int err;                                   /* read-only: the daemon's code as lty_err_t */
    char message[256];                         /* read-only: the daemon's message */
    int64_t created_ms;                        /* read-only: when it was journaled (epoch) */
} lty_refused_t;

/** Number of refused entries kept for the till to read. */
LTY_POS_API size_t lty_client_refused_count(const lty_client_t *client);
/**
 * Read refused entry index (0 = oldest).
 * @return 0, LTY_E_NOT_FOUND (index out of range), LTY_E_IO, LTY_E_CORRUPT, LTY_E_CLIENT_BUG.
 */
LTY_POS_API int lty_client_refused_get(lty_client_t *client, size_t index,
                                       lty_refused_t *refused_out);
/** Forget a refused entry once the till has dealt with it. 0, LTY_E_NOT_FOUND, LTY_E_IO. */
LTY_POS_API int lty_client_refused_remove(lty_client_t *client, uint64_t sequence);

#ifdef __cplusplus
}
#endif

#endif
