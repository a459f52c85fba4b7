/* SPDX-License-Identifier: MIT */
/**
 * @file lty_checked.h
 * Overflow-checked arithmetic on points and minor units (C11 has no ckd_add).
 *
 * Owns: nothing but these inline helpers. Each returns true when the result is exact and within
 * [-limit, limit]; on false *out is left untouched.
 */
#ifndef LTY_CHECKED_H
#define LTY_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

static inline bool lty_i64_add(int64_t a, int64_t b, int64_t limit, int64_t *out)
{
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum) || sum > limit || sum < -limit) return false;
    *out = sum;
    return true;
}

static inline bool lty_i64_sub(int64_t a, int64_t b, int64_t limit, int64_t *out)
{
    int64_t difference;
    if (__builtin_sub_overflow(a, b, &difference) || difference > limit || difference < -limit) {
        return false;
    }
    *out = difference;
    return true;
}

static inline bool lty_i64_mul(int64_t a, int64_t b, int64_t limit, int64_t *out)
{
    int64_t product;
    if (__builtin_mul_overflow(a, b, &product) || product > limit || product < -limit) {
        return false;
    }
    *out = product;
    return true;
}

#endif
