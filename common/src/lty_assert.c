/* SPDX-License-Identifier: MIT */
/* Assertion failure path and the allocation wrappers. Kept tiny: it runs when all else failed. */
#include "lty/lty_assert.h"
#include "lty/lty_log.h"

#include <stdlib.h>

#ifdef UNIT_TESTING
void *_test_malloc(const size_t size, const char *file, const int line);
void *_test_calloc(const size_t number_of_elements, const size_t size, const char *file,
                   const int line);
void _test_free(void *const ptr, const char *file, const int line);
#endif

_Noreturn void lty__assert_fail(const char *expr, const char *file, int line)
{
    lty__log_write(LTY_LOG_ERR, file, line, "assertion failed: %s", expr);
    abort();
}

void *lty_alloc(size_t size)
{
#ifdef UNIT_TESTING
    return _test_malloc(size, __FILE__, __LINE__);
#else
    return malloc(size);
#endif
}

void *lty_calloc(size_t count, size_t size)
{
#ifdef UNIT_TESTING
    return _test_calloc(count, size, __FILE__, __LINE__);
#else
    return calloc(count, size);
#endif
}

void lty_free(void *pointer)
{
#ifdef UNIT_TESTING
    if (pointer != NULL) _test_free(pointer, __FILE__, __LINE__);
#else
    free(pointer);
#endif
}
