/* SPDX-License-Identifier: MIT */
/* The byte writer and reader every record encoding uses, and the checks shared by the record
 * files of the store layer (records.c, records_coupons.c). Private to daemon/src/store/: the
 * helpers are static inline, so each encoding file gets its own copy and nothing here is
 * exported. The reader is sticky: after the first failure every read yields zeros and ok stays
 * false, so a decoder reads every field and judges once at the end (in_finish). */
#ifndef LTY_RECORDS_CODEC_H
#define LTY_RECORDS_CODEC_H

#include "records.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- Byte writer and reader ------------------------------------------------------------ */

typedef struct rec_out_s {
    uint8_t *data;
    size_t size;
    size_t capacity;
} rec_out_t;

/* The reader is sticky: after the first failure every read yields zeros and ok stays false. */
typedef struct rec_in_s {
    const uint8_t *data;
    size_t size;
    size_t offset;
    bool ok;
} rec_in_t;

static inline void out_bytes(rec_out_t *out, const void *bytes, size_t size)
{
    LTY_ASSERT(out->size <= out->capacity);
    LTY_ASSERT(size <= out->capacity - out->size); /* buffers are sized by *_BYTES_MAX */
    if (size > 0) memcpy(out->data + out->size, bytes, size);
    out->size += size;
}

static inline void out_u64(rec_out_t *out, uint64_t value)
{
    uint8_t bytes[8];
    lty_record_u64_encode(value, bytes);
    out_bytes(out, bytes, sizeof(bytes));
}

static inline void out_i64(rec_out_t *out, int64_t value)
{
    out_u64(out, (uint64_t)value);
}

static inline void out_u32(rec_out_t *out, uint32_t value)
{
    uint8_t bytes[4];
    lty_record_u32_encode(value, bytes);
    out_bytes(out, bytes, sizeof(bytes));
}

static inline void out_u16(rec_out_t *out, uint16_t value)
{
    uint8_t bytes[2] = {(uint8_t)(value >> 8), (uint8_t)value};
    out_bytes(out, bytes, sizeof(bytes));
}

static inline void out_u8(rec_out_t *out, uint8_t value)
{
    out_bytes(out, &value, 1);
}

static inline void out_str(rec_out_t *out, const char *text, size_t size_max)
{
    size_t size = strlen(text);
    LTY_ASSERT(size <= size_max);
    LTY_ASSERT(size <= UINT16_MAX);
    out_u16(out, (uint16_t)size);
    out_bytes(out, text, size);
}

static inline void out_header(rec_out_t *out, uint8_t *data, size_t capacity, lty_record_tag_t tag,
                       uint8_t version)
{
    LTY_ASSERT(data != NULL);
    LTY_ASSERT(capacity >= 2);
    out->data = data;
    out->size = 0;
    out->capacity = capacity;
    out_u8(out, (uint8_t)tag);
    out_u8(out, version);
}

static inline const uint8_t *in_take(rec_in_t *in, size_t size)
{
    LTY_ASSERT(in->offset <= in->size);
    if (!in->ok || size > in->size - in->offset) {
        in->ok = false;
        return NULL;
    }
    const uint8_t *bytes = in->data + in->offset;
    in->offset += size;
    return bytes;
}

static inline uint64_t in_u64(rec_in_t *in)
{
    const uint8_t *bytes = in_take(in, 8);
    if (bytes == NULL) return 0;
    uint64_t value = 0;
    for (size_t index = 0; index < 8; index++) value = (value << 8) | bytes[index];
    return value;
}

static inline int64_t in_i64(rec_in_t *in)
{
    return (int64_t)in_u64(in);
}

static inline uint32_t in_u32(rec_in_t *in)
{
    const uint8_t *bytes = in_take(in, 4);
    if (bytes == NULL) return 0;
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 |
           (uint32_t)bytes[3];
}

static inline uint16_t in_u16(rec_in_t *in)
{
    const uint8_t *bytes = in_take(in, 2);
    if (bytes == NULL) return 0;
    return (uint16_t)((unsigned int)bytes[0] << 8 | bytes[1]);
}

static inline uint8_t in_u8(rec_in_t *in)
{
    const uint8_t *bytes = in_take(in, 1);
    return bytes == NULL ? 0 : bytes[0];
}

/* A string longer than its field or holding a NUL is corrupt; out always ends NUL-terminated. */
static inline void in_str(rec_in_t *in, char *out, size_t size_max)
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(size_max > 0);
    out[0] = '\0';
    size_t size = in_u16(in);
    if (!in->ok || size > size_max) {
        in->ok = false;
        return;
    }
    const uint8_t *bytes = in_take(in, size);
    if (bytes == NULL) return;
    if (memchr(bytes, '\0', size) != NULL) {
        in->ok = false;
        return;
    }
    memcpy(out, bytes, size);
    out[size] = '\0';
}

/* Reads tag and version: the version must be 1..version_max. */
static inline uint8_t in_header(rec_in_t *in, lty_bytes_t bytes, lty_record_tag_t tag,
                         uint8_t version_max)
{
    in->data = bytes.data;
    in->size = bytes.data == NULL ? 0 : bytes.size;
    in->offset = 0;
    in->ok = true;
    uint8_t found_tag = in_u8(in);
    uint8_t version = in_u8(in);
    if (found_tag != (uint8_t)tag || version < 1 || version > version_max) in->ok = false;
    return version;
}

/* The whole input must be consumed: trailing bytes mean a layout we do not know. */
static inline int in_finish(const rec_in_t *in, bool valid)
{
    LTY_ASSERT(in->offset <= in->size);
    if (!in->ok || in->offset != in->size || !valid) return LTY_E_CORRUPT;
    return 0;
}

/* ---- Shared checks ---------------------------------------------------------------------- */

static inline bool text_fits(const char *text, size_t size_max)
{
    return memchr(text, '\0', size_max + 1) != NULL;
}

static inline bool text_nonempty_fits(const char *text, size_t size_max)
{
    return text[0] != '\0' && text_fits(text, size_max);
}

static inline bool card_no_syntax(const char *card_no)
{
    if (!text_fits(card_no, LTY_CARD_NO_DIGITS_MAX)) return false;
    size_t size = strlen(card_no);
    if (size < LTY_CARD_NO_DIGITS_MIN) return false;
    for (size_t index = 0; index < size; index++) {
        if (card_no[index] < '0' || card_no[index] > '9') return false;
    }
    return true;
}

static inline bool time_ok(int64_t time_ms)
{
    return time_ms >= 0;
}

#endif
