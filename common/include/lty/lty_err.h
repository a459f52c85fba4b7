/* SPDX-License-Identifier: MIT */
/**
 * @file lty_err.h
 * Error codes shared by the daemon, the till library and the CLI.
 *
 * Owns: the lty_err_t enum generated from schema/errors.def, the name/message/wire-code/HTTP
 * status tables, and the fixed-size diagnostic struct that validators fill.
 *
 * Caveats:
 * - Every fallible function returns int: 0 for success, a negative lty_err_t otherwise.
 * - Numbers and wire codes never change once released (see schema/errors.def).
 */
#ifndef LTY_ERR_H
#define LTY_ERR_H

#include <stddef.h>

#ifndef LOYALTYPOS_H /* loyaltypos.h, included first, already declared the same enum */
typedef enum lty_err {
    LTY_OK = 0,
#define LTY_ERR(name, number, http_status, wire_code, message) LTY_E_##name = (number),
#include "errors.def"
#undef LTY_ERR
} lty_err_t;
#endif

/** "INSUFFICIENT_POINTS"; "UNKNOWN" for a value not in the list. Never NULL. */
const char *lty_err_name(int err);
/** Human sentence for err; a static string, never NULL. */
const char *lty_strerror(int err);
/** The stable snake_case code used on the wire ("insufficient_points"); "unknown" if none. */
const char *lty_err_code(int err);
/** HTTP status the daemon answers with; 500 for unknown values, 0 for client-only codes. */
int lty_err_http_status(int err);
/** Inverse of lty_err_code(): the number for a wire code, or 0 if the code is not listed. */
int lty_err_from_code(const char *wire_code);

#define LTY_DIAG_FIELD_SIZE 64
#define LTY_DIAG_DETAIL_SIZE 160

/** Context for a human, filled only by validators. Fixed size: never allocates. */
typedef struct lty_diag_s {
    int err;
    char field[LTY_DIAG_FIELD_SIZE];   /* JSON pointer, e.g. "/lines/3/qty"; "" if none */
    char detail[LTY_DIAG_DETAIL_SIZE]; /* sentence for logs and replies; no secrets */
} lty_diag_t;

/** Reset diag to "no error". diag may be NULL. */
void lty_diag_clear(lty_diag_t *diag);

/**
 * Record err with a field and a printf-style detail, and return err so a validator can write
 * `return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/qty", "must be >= 1");`.
 * diag may be NULL (the code is still returned).
 */
int lty_diag_set(lty_diag_t *diag, int err, const char *field, const char *detail_format, ...)
    __attribute__((format(printf, 4, 5)));

#endif
