/* SPDX-License-Identifier: MIT */
/* Internal interfaces of libloyaltypos, shared by client.c, codec.c and queue.c and reached by
 * the unit tests. Not installed. Names use the lty__pos_ prefix (module-internal, non-static). */
#ifndef LTY_POS_INTERNAL_H
#define LTY_POS_INTERNAL_H

#include "lty/lty_buf.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include "loyaltypos.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Logging: the till's callback, never stderr ------------------------------------------ */

typedef struct lty__pos_log_s {
    lty_client_log_cb cb; /* NULL: silent */
    void *userdata;
    int level_max;
} lty__pos_log_t;

void lty__pos_log(const lty__pos_log_t *log, int level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* A contract violation in the library: log it and return LTY_E_CLIENT_BUG, never abort. */
#define LTY_POS_CHECK(log, expr)                                                               \
    do {                                                                                       \
        if (!(expr)) {                                                                         \
            lty__pos_log((log), LTY_CLIENT_LOG_ERR, "%s:%d: client bug: %s", __FILE__,        \
                         __LINE__, #expr);                                                     \
            return LTY_E_CLIENT_BUG;                                                           \
        }                                                                                      \
    } while (0)

/* Longest file or directory path an option may name: the journal appends "/pending/" and a
 * 24-byte file name to queue_dir within a PATH_MAX (4096) buffer. */
#define LTY_POS_FILE_PATH_BYTES_MAX 4000

/* ---- Codec: request bodies out, response documents in (pure, no I/O) --------------------- */

#define LTY_POS_RESPONSE_BYTES_MAX (64 * 1024)
#define LTY_POS_MESSAGE_SIZE 256

/** Outcome of an error document: the code as lty_err_t, the message and the field. */
typedef struct lty__pos_error_s {
    int err;
    char code[64];
    char message[LTY_POS_MESSAGE_SIZE];
    char field[LTY_DIAG_FIELD_SIZE];
} lty__pos_error_t;

int lty__pos_sale_render(const lty_sale_t *sale, lty_buf_t *out, lty_diag_t *diag);
/** A quote's body (a sale's, receipt_no optional), an activation's, and their
 *  answers. */
int lty__pos_quote_render(const lty_sale_t *sale, lty_buf_t *out, lty_diag_t *diag);
int lty__pos_quote_parse(const char *body, size_t size, lty_quote_t *quote_out, lty_diag_t *diag);
int lty__pos_activation_render(const lty_activation_t *activation, lty_buf_t *out,
                               lty_diag_t *diag);
int lty__pos_activation_parse(const char *body, size_t size,
                              lty_activation_receipt_t *receipt_out, lty_diag_t *diag);
int lty__pos_topup_render(const lty_topup_t *topup, lty_buf_t *out, lty_diag_t *diag);
#define LTY_POS_TENDERS_MAX 3 /* prepaid, cash, bank card: each at most once */

/** "cash", "bank_card", "prepaid"; NULL for a value outside the enum. */
const char *lty__pos_tender_name(lty_tender_type_t type);
int lty__pos_pin_render(const char *card_no, const char *pin, const char *reset_code,
                        lty_buf_t *out, lty_diag_t *diag);
int lty__pos_return_render(const lty_return_t *ret, lty_buf_t *out, lty_diag_t *diag);
/** {"card_no", "pin_set": true}. */
int lty__pos_pin_set_parse(const char *body, size_t size, lty_diag_t *diag);
/** The leader's "host:port" in a 421 not_leader reply into out ("" when it names none). */
void lty__pos_leader_parse(const char *body, size_t size, char *out, size_t out_size);
int lty__pos_return_receipt_parse(const char *body, size_t size,
                                  lty_return_receipt_t *receipt_out, lty_diag_t *diag);
int lty__pos_card_parse(const char *body, size_t size, lty_card_info_t *card_out,
                        lty_diag_t *diag);
int lty__pos_receipt_parse(const char *body, size_t size, lty_receipt_t *receipt_out,
                           lty_diag_t *diag);
int lty__pos_topup_receipt_parse(const char *body, size_t size,
                                 lty_topup_receipt_t *receipt_out, lty_diag_t *diag);
/** Decode {"error":{"code","message"[,"field"]}} of a non-2xx response. Always fills error_out:
 *  an unknown code or an unreadable document falls back to a code chosen by the status. */
void lty__pos_error_parse(const char *body, size_t size, int http_status,
                          lty__pos_error_t *error_out);
lty_card_status_t lty__pos_card_status_decode(const char *word);
/* Coupons: the programme key (the first key's 65-byte point), gift receipts, conflicts. */
int lty__pos_keys_parse(const char *body, size_t size, uint8_t public_key_out[65],
                        lty_diag_t *diag);
int lty__pos_gift_receipt_parse(const char *body, size_t size, lty_gift_receipt_t *receipt_out,
                                lty_diag_t *diag);
int lty__pos_conflicts_parse(const char *body, size_t size, lty_coupon_conflict_t *out,
                             size_t capacity, size_t *count_out, lty_diag_t *diag);

/* ---- Queue: the durable request journal -------------------------------------------------- */

#define LTY_POS_PATH_SIZE 64
#define LTY_POS_LABEL_SIZE 96
#define LTY_POS_METHOD_SIZE 8
#define LTY_POS_FILE_BYTES_MAX (LTY_HTTP_BODY_BYTES_MAX + 2048)

typedef struct lty__pos_entry_s {
    uint64_t sequence;
    char key[LTY_CLIENT_KEY_SIZE];
    uint8_t digest[32]; /* SHA-256 of method, path and body: finds an identical resubmission */
} lty__pos_entry_t;

/** One journaled request loaded from disk. body is a view into the queue's file buffer, valid
 *  until the next call on the queue. */
typedef struct lty__pos_record_s {
    uint64_t sequence;
    char key[LTY_CLIENT_KEY_SIZE];
    char method[LTY_POS_METHOD_SIZE];
    char path[LTY_POS_PATH_SIZE];
    char label[LTY_POS_LABEL_SIZE];
    int64_t created_ms;
    const char *body;
    size_t body_size;
    /* Refused records only. */
    int http_status;
    char code[64];
    char message[LTY_POS_MESSAGE_SIZE];
} lty__pos_record_t;

typedef struct lty__pos_queue_s {
    int pending_fd;              /* directory <queue>/pending, or -1 */
    int refused_fd;              /* directory <queue>/refused, or -1 */
    lty__pos_entry_t *pending;   /* sorted by sequence, oldest first */
    size_t pending_count;
    uint64_t *refused;           /* sequences, sorted */
    size_t refused_count;
    size_t entries_max;
    uint64_t sequence_next;
    char *file_buffer;           /* LTY_POS_FILE_BYTES_MAX + 1 bytes */
    const lty__pos_log_t *log;
} lty__pos_queue_t;

/** Open or create the journal in dir and index it. 0, LTY_E_IO, LTY_E_CORRUPT, LTY_E_NOMEM,
 *  LTY_E_STORE_FULL (more files than entries_max). */
int lty__pos_queue_open(lty__pos_queue_t *queue, const char *dir, size_t entries_max,
                        const lty__pos_log_t *log);
void lty__pos_queue_close(lty__pos_queue_t *queue);
void lty__pos_queue_digest(const char *method, const char *path, const void *body,
                           size_t body_size, uint8_t digest_out[32]);
/** Index of the pending entry with this digest, or -1. */
long lty__pos_queue_find(const lty__pos_queue_t *queue, const uint8_t digest[32]);
/** Write a new pending entry durably (file fsync, rename, directory fsync). */
int lty__pos_queue_append(lty__pos_queue_t *queue, const char *key, const char *method,
                          const char *path, const char *label, const void *body,
                          size_t body_size, uint64_t *sequence_out);
/** Load pending entry index (0 = oldest). */
int lty__pos_queue_load(lty__pos_queue_t *queue, size_t index, lty__pos_record_t *record_out);
/** Replace a pending entry's body durably (same key, header and sequence; the index keeps the
 *  digest of the body the caller submitted, so an identical resubmission still finds it).
 *  Only for an entry no byte of which ever reached the daemon. */
int lty__pos_queue_rewrite(lty__pos_queue_t *queue, uint64_t sequence, const void *body,
                           size_t body_size);
/** Remove a pending entry durably (after a definitive answer). */
int lty__pos_queue_remove(lty__pos_queue_t *queue, uint64_t sequence);
/** Move a pending entry to the refused list, with the daemon's answer, durably. */
int lty__pos_queue_refuse(lty__pos_queue_t *queue, uint64_t sequence, int http_status,
                          const char *code, const char *message);
int lty__pos_queue_refused_load(lty__pos_queue_t *queue, size_t index,
                                lty__pos_record_t *record_out);
int lty__pos_queue_refused_remove(lty__pos_queue_t *queue, uint64_t sequence);
/** Mint a fresh key: 32 lowercase hex digits from 16 random bytes. 0 or LTY_E_TLS. */
int lty__pos_key_mint(char key_out[LTY_CLIENT_KEY_SIZE]);

#endif
