/* SPDX-License-Identifier: MIT */
/**
 * @file lty_buf.h
 * A growable byte buffer with a hard capacity limit and sticky failure.
 *
 * Owns: its bytes. The caller owns the lty_buf_t itself (in place, zeroed or lty_buf_init).
 *
 * Caveats:
 * - After any append fails (allocation, or the limit would be passed) the buffer is marked
 *   failed, further appends do nothing, and lty_buf_error() says why. Check once at the end.
 * - data is always NUL-terminated when size > 0 or after lty_buf_reserve, for convenience;
 *   the NUL is not counted in size.
 */
#ifndef LTY_BUF_H
#define LTY_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct lty_buf_s {
    char *data;          /* read-only: may move on append */
    size_t size;         /* read-only: bytes used */
    size_t capacity;     /* private */
    size_t capacity_max; /* private: 0 means the default, LTY_HTTP_RESPONSE_BYTES_MAX */
    int error;           /* private: sticky, 0 or a negative lty_err_t */
} lty_buf_t;

void lty_buf_init(lty_buf_t *buf, size_t capacity_max);
/** Frees the bytes; idempotent; accepts a zeroed buffer. */
void lty_buf_deinit(lty_buf_t *buf);
/** Forget the contents and the sticky error, keep the memory. */
void lty_buf_reset(lty_buf_t *buf);
/** 0, or LTY_E_NOMEM / LTY_E_REQUEST_TOO_LARGE if an append failed since the last reset. */
int lty_buf_error(const lty_buf_t *buf);
/** Ensure room for extra more bytes (plus a NUL). */
int lty_buf_reserve(lty_buf_t *buf, size_t extra);
void lty_buf_append(lty_buf_t *buf, const void *bytes, size_t size);
void lty_buf_append_str(lty_buf_t *buf, const char *text);
void lty_buf_appendf(lty_buf_t *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));
/**
 * Free the bytes if the buffer is empty and holds more than keep_bytes of memory, so a buffer
 * grown once by a large message does not stay large; its limit is kept. Never allocates.
 */
void lty_buf_shrink(lty_buf_t *buf, size_t keep_bytes);
/** Remove the first size bytes (for consumed input). */
void lty_buf_consume(lty_buf_t *buf, size_t size);

#endif
