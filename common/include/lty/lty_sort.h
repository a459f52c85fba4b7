/* SPDX-License-Identifier: MIT */
/**
 * @file lty_sort.h
 * qsort for arrays that may be empty.
 *
 * Owns: lty_sort only. C11 requires qsort's base to be a valid pointer even when the count is 0,
 * and an empty array is often a NULL one (nothing was allocated): UBSan reports such a call. This
 * wrapper sorts only when there are two or more elements.
 */
#ifndef LTY_SORT_H
#define LTY_SORT_H

#include <stddef.h>
#include <stdlib.h>

/** Sort COUNT elements of SIZE bytes at BASE with COMPARE; BASE may be NULL when COUNT < 2. */
static inline void lty_sort(void *base, size_t count, size_t size,
                            int (*compare)(const void *, const void *))
{
    if (count < 2) return;
    qsort(base, count, size, compare);
}

#endif /* LTY_SORT_H */
