/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: card number checking (lty_card_no_check). Invariants: the answer is 0 or
 * LTY_E_INVALID_CARD_NO; an accepted number is 12-19 ASCII digits whose Luhn sum is 0 mod 10. */
#include "lty/lty_assert.h"
#include "lty/lty_card.h"
#include "lty/lty_err.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int err = lty_card_no_check((const char *)data, size);
    LTY_ASSERT(err == 0 || err == LTY_E_INVALID_CARD_NO);
    if (err != 0) return 0;
    LTY_ASSERT(size >= 12 && size <= 19);
    unsigned sum = 0;
    for (size_t index = 0; index < size; index++) {
        LTY_ASSERT(data[index] >= '0' && data[index] <= '9');
        unsigned digit = (unsigned)(data[size - 1 - index] - '0');
        if (index % 2 == 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        sum += digit;
    }
    LTY_ASSERT(sum % 10 == 0);
    return 0;
}
