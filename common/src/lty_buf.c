/* SPDX-License-Identifier: MIT */
/* Growable buffer. Growth doubles up to capacity_max; a failure is sticky so builders can append
 * freely and check once. */
#include "lty/lty_buf.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lty_buf_init(lty_buf_t *buf, size_t capacity_max)
{
    LTY_ASSERT(buf != NULL);
    memset(buf, 0, sizeof(*buf));
    buf->capacity_max = capacity_max;
}

void lty_buf_deinit(lty_buf_t *buf)
{
    if (buf == NULL) return;
    lty_free(buf->data);
    buf->data = NULL;
    buf->size = 0;
    buf->capacity = 0;
    buf->error = 0;
}

void lty_buf_reset(lty_buf_t *buf)
{
    LTY_ASSERT(buf != NULL);
    buf->size = 0;
    buf->error = 0;
    if (buf->data != NULL) buf->data[0] = '\0';
}

int lty_buf_error(const lty_buf_t *buf)
{
    LTY_ASSERT(buf != NULL);
    return buf->error;
}

int lty_buf_reserve(lty_buf_t *buf, size_t extra)
{
    LTY_ASSERT(buf != NULL);
    if (buf->error != 0) return buf->error;
    size_t limit = buf->capacity_max != 0 ? buf->capacity_max : LTY_HTTP_RESPONSE_BYTES_MAX;
    if (extra > limit || buf->size > limit - extra) {
        buf->error = LTY_E_REQUEST_TOO_LARGE;
        return buf->error;
    }
    size_t needed = buf->size + extra + 1;
    if (needed <= buf->capacity) return 0;
    size_t capacity = buf->capacity != 0 ? buf->capacity : 256;
    while (capacity < needed) capacity *= 2;
    if (capacity > limit + 1) capacity = limit + 1;
    char *data = lty_alloc(capacity);
    if (data == NULL) {
        buf->error = LTY_E_NOMEM;
        return buf->error;
    }
    if (buf->size > 0) memcpy(data, buf->data, buf->size);
    data[buf->size] = '\0';
    lty_free(buf->data);
    buf->data = data;
    buf->capacity = capacity;
    return 0;
}

void lty_buf_append(lty_buf_t *buf, const void *bytes, size_t size)
{
    if (size == 0) return;
    if (lty_buf_reserve(buf, size) != 0) return;
    memcpy(buf->data + buf->size, bytes, size);
    buf->size += size;
    buf->data[buf->size] = '\0';
}

void lty_buf_append_str(lty_buf_t *buf, const char *text)
{
    lty_buf_append(buf, text, strlen(text));
}

void lty_buf_appendf(lty_buf_t *buf, const char *format, ...)
{
    char small[256];
    va_list args;
    va_start(args, format);
    int needed = vsnprintf(small, sizeof(small), format, args);
    va_end(args);
    if (needed < 0) return;
    if ((size_t)needed < sizeof(small)) {
        lty_buf_append(buf, small, (size_t)needed);
        return;
    }
    if (lty_buf_reserve(buf, (size_t)needed) != 0) return;
    va_start(args, format);
    vsnprintf(buf->data + buf->size, (size_t)needed + 1, format, args);
    va_end(args);
    buf->size += (size_t)needed;
}

void lty_buf_shrink(lty_buf_t *buf, size_t keep_bytes)
{
    LTY_ASSERT(buf != NULL);
    if (buf->size != 0 || buf->capacity <= keep_bytes) return;
    lty_free(buf->data);
    buf->data = NULL;
    buf->capacity = 0;
    buf->error = 0;
}

void lty_buf_consume(lty_buf_t *buf, size_t size)
{
    LTY_ASSERT(buf != NULL);
    LTY_ASSERT(size <= buf->size);
    memmove(buf->data, buf->data + size, buf->size - size);
    buf->size -= size;
    if (buf->data != NULL) buf->data[buf->size] = '\0';
}
