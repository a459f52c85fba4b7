/* SPDX-License-Identifier: MIT */
/**
 * @file lty_assert.h
 * Assertions that stay on in every build, and the allocation wrappers tests can leak-check.
 *
 * Owns: LTY_ASSERT (always on), LTY_VERIFY (debug and sanitizer builds), lty_alloc/lty_free.
 *
 * Caveats:
 * - Assertions catch programmer errors only. Input is validated and refused at the API edge.
 * - Under UNIT_TESTING an assertion calls cmocka's mock_assert(), so tests can prove it fires.
 */
#ifndef LTY_ASSERT_H
#define LTY_ASSERT_H

#include <stddef.h>

#ifdef UNIT_TESTING
void mock_assert(const int result, const char *const expression, const char *const file,
                 const int line);
#define LTY_ASSERT(expr) mock_assert((int)!!(expr), #expr, __FILE__, __LINE__)
#else
#define LTY_ASSERT(expr)                                                                       \
    do {                                                                                       \
        if (!(expr)) lty__assert_fail(#expr, __FILE__, __LINE__);                              \
    } while (0)
#endif

#if defined(LTY_DEBUG_CHECKS) || defined(UNIT_TESTING)
#define LTY_VERIFY(expr) LTY_ASSERT(expr)
#else
#define LTY_VERIFY(expr) ((void)0)
#endif

/** Logs "file:line: assertion failed: expr" and aborts. */
_Noreturn void lty__assert_fail(const char *expr, const char *file, int line);

/** malloc/free that cmocka's leak checker sees when built with UNIT_TESTING. */
void *lty_alloc(size_t size);
void *lty_calloc(size_t count, size_t size);
void lty_free(void *pointer);

#endif
