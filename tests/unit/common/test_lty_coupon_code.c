/* SPDX-License-Identifier: MIT */
/* tests/unit/common/test_lty_coupon_code.c
 * Goal: a coupon code made with the programme key reads back with the same fields and passes the
 * offline check; any change to it does not: every byte tampered with, every character changed,
 * a truncated or lengthened text, another programme's key, an expired day; and the key files
 * behave (0600, refused when readable by others, public-only keys cannot sign).
 * Method: two fresh keys in a temporary directory; codes flipped byte by byte through the
 * base32 text (re-encoded by hand here, independently of the code under test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lty/lty_clock.h"
#include "lty/lty_coupon_code.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"

#include <cmocka.h>

typedef struct fixture_s {
    char dir[64];
    char key_path[128];
    char other_path[128];
    lty_crypto_key_t *key;
    lty_crypto_key_t *other;
} fixture_t;

static fixture_t fixture;

static int group_setup(void **state)
{
    snprintf(fixture.dir, sizeof(fixture.dir), "/tmp/lty_coupon_test.XXXXXX");
    if (mkdtemp(fixture.dir) == NULL) return -1;
    snprintf(fixture.key_path, sizeof(fixture.key_path), "%s/coupon.key", fixture.dir);
    snprintf(fixture.other_path, sizeof(fixture.other_path), "%s/other.key", fixture.dir);
    if (lty_crypto_key_create(fixture.key_path) != 0) return -1;
    if (lty_crypto_key_create(fixture.other_path) != 0) return -1;
    if (lty_crypto_key_load(fixture.key_path, &fixture.key) != 0) return -1;
    if (lty_crypto_key_load(fixture.other_path, &fixture.other) != 0) return -1;
    *state = &fixture;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    lty_crypto_key_free(fixture.key);
    lty_crypto_key_free(fixture.other);
    unlink(fixture.key_path);
    unlink(fixture.other_path);
    rmdir(fixture.dir);
    return 0;
}

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* An independent base32 encoder, so the test does not trust the one under test. */
static void encode(const uint8_t bytes[LTY_COUPON_CODE_BYTES], char out[LTY_COUPON_CODE_SIZE])
{
    size_t bit = 0;
    for (size_t index = 0; index < LTY_COUPON_CODE_CHARS; index++) {
        unsigned value = 0;
        for (int part = 0; part < 5; part++, bit++) {
            unsigned one = bit < LTY_COUPON_CODE_BYTES * 8
                               ? ((unsigned)bytes[bit / 8] >> (7 - bit % 8)) & 1u
                               : 0;
            value = value << 1 | one;
        }
        out[index] = alphabet[value];
    }
    out[LTY_COUPON_CODE_CHARS] = '\0';
}

static const int64_t day_ms = LTY_MS_PER_DAY;
static const lty_coupon_code_t fields = {.campaign_id = 7, .serial = UINT64_C(0x0123456789abcdef),
                                         .expiry_day = 20000};

static void code_make(char text[LTY_COUPON_CODE_SIZE])
{
    assert_int_equal(lty_coupon_code_make(fixture.key, &fields, text), 0);
}

static void test_coupon_code_round_trip_keeps_fields_and_passes_check(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    assert_int_equal(strlen(text), LTY_COUPON_CODE_CHARS);
    assert_true(strspn(text, alphabet) == LTY_COUPON_CODE_CHARS);
    lty_coupon_code_t read;
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    assert_int_equal(lty_coupon_code_parse(text, strlen(text), &read, bytes), 0);
    assert_int_equal(read.campaign_id, 7);
    assert_true(read.serial == fields.serial);
    assert_int_equal(read.expiry_day, 20000);
    char again[LTY_COUPON_CODE_SIZE];
    encode(bytes, again);
    assert_string_equal(again, text);
    assert_int_equal(lty_coupon_code_check(fixture.key, text, strlen(text), 20000 * day_ms, &read),
                     0);
    /* deterministic signatures: the same fields give the same code */
    char twice[LTY_COUPON_CODE_SIZE];
    code_make(twice);
    assert_string_equal(twice, text);
}

static void test_coupon_code_tampered_in_each_byte_is_not_found(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    lty_coupon_code_t read;
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    assert_int_equal(lty_coupon_code_parse(text, strlen(text), &read, bytes), 0);
    for (size_t index = 0; index < LTY_COUPON_CODE_BYTES; index++) {
        for (unsigned flip = 1; flip < 256; flip <<= 1) {
            uint8_t changed[LTY_COUPON_CODE_BYTES];
            memcpy(changed, bytes, sizeof(changed));
            changed[index] ^= (uint8_t)flip;
            char tampered[LTY_COUPON_CODE_SIZE];
            encode(changed, tampered);
            assert_int_equal(lty_coupon_code_check(fixture.key, tampered, strlen(tampered),
                                                   0, &read),
                             LTY_E_COUPON_NOT_FOUND);
        }
    }
}

static void test_coupon_code_each_character_changed_is_not_found(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    lty_coupon_code_t read;
    for (size_t index = 0; index < LTY_COUPON_CODE_CHARS; index++) {
        char changed[LTY_COUPON_CODE_SIZE];
        memcpy(changed, text, sizeof(changed));
        changed[index] = text[index] == 'Z' ? 'Y' : 'Z';
        assert_int_equal(lty_coupon_code_check(fixture.key, changed, LTY_COUPON_CODE_CHARS, 0,
                                               &read),
                         LTY_E_COUPON_NOT_FOUND);
        changed[index] = 'U'; /* outside the alphabet */
        assert_int_equal(lty_coupon_code_parse(changed, LTY_COUPON_CODE_CHARS, &read, NULL),
                         LTY_E_COUPON_NOT_FOUND);
    }
}

static void test_coupon_code_truncated_or_lengthened_is_not_found(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE + 1];
    code_make(text);
    lty_coupon_code_t read;
    for (size_t size = 0; size < LTY_COUPON_CODE_CHARS; size++) {
        assert_int_equal(lty_coupon_code_parse(text, size, &read, NULL), LTY_E_COUPON_NOT_FOUND);
    }
    text[LTY_COUPON_CODE_CHARS] = '0';
    text[LTY_COUPON_CODE_CHARS + 1] = '\0';
    assert_int_equal(lty_coupon_code_parse(text, LTY_COUPON_CODE_CHARS + 1, &read, NULL),
                     LTY_E_COUPON_NOT_FOUND);
    assert_int_equal(lty_coupon_code_parse(NULL, 0, &read, NULL), LTY_E_COUPON_NOT_FOUND);
}

static void test_coupon_code_other_programme_key_is_not_found(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    lty_coupon_code_t read;
    assert_int_equal(lty_coupon_code_check(fixture.other, text, strlen(text), 0, &read),
                     LTY_E_COUPON_NOT_FOUND);
    /* A public-only copy of the right key checks it. */
    uint8_t public_key[LTY_CRYPTO_PUBLIC_KEY_BYTES];
    lty_crypto_key_public(fixture.key, public_key);
    lty_crypto_key_t *imported = NULL;
    assert_int_equal(lty_crypto_key_public_import(public_key, &imported), 0);
    assert_false(lty_crypto_key_has_private(imported));
    assert_int_equal(lty_coupon_code_check(imported, text, strlen(text), 0, &read), 0);
    lty_crypto_key_free(imported);
    public_key[10] ^= 1; /* off the curve */
    assert_int_equal(lty_crypto_key_public_import(public_key, &imported), LTY_E_INVALID_FIELD);
    assert_null(imported);
}

static void test_coupon_code_expires_after_its_day(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    lty_coupon_code_t read;
    int64_t last_ms = 20001 * day_ms - 1; /* the last millisecond of day 20000 */
    assert_int_equal(lty_coupon_code_check(fixture.key, text, strlen(text), last_ms, &read), 0);
    assert_int_equal(lty_coupon_code_check(fixture.key, text, strlen(text), last_ms + 1, &read),
                     LTY_E_COUPON_EXPIRED);
    assert_false(lty_coupon_code_expired(LTY_COUPON_EXPIRY_NONE, INT64_MAX / 2));
    lty_coupon_code_t forever = fields;
    forever.expiry_day = LTY_COUPON_EXPIRY_NONE;
    assert_int_equal(lty_coupon_code_make(fixture.key, &forever, text), 0);
    assert_int_equal(lty_coupon_code_check(fixture.key, text, strlen(text), 60000 * day_ms,
                                           &read),
                     0);
}

static void test_coupon_code_aliases_and_case_read_alike_padding_must_be_zero(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    lty_coupon_code_t read;
    char lower[LTY_COUPON_CODE_SIZE];
    for (size_t index = 0; index <= LTY_COUPON_CODE_CHARS; index++) {
        char c = text[index];
        lower[index] = c == '1' ? 'l' : c == '0' ? 'O' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    assert_int_equal(lty_coupon_code_check(fixture.key, lower, LTY_COUPON_CODE_CHARS, 0, &read), 0);
    /* 79 bytes use 632 of the 635 bits: the last character's low 3 bits are padding. */
    char padded[LTY_COUPON_CODE_SIZE];
    memcpy(padded, text, sizeof(padded));
    const char *last = strchr(alphabet, text[LTY_COUPON_CODE_CHARS - 1]);
    padded[LTY_COUPON_CODE_CHARS - 1] = alphabet[(last - alphabet) | 1];
    assert_int_equal(lty_coupon_code_parse(padded, LTY_COUPON_CODE_CHARS, &read, NULL),
                     LTY_E_COUPON_NOT_FOUND);
}

static void test_coupon_code_text_from_stored_signature_is_the_code(void **state)
{
    (void)state;
    char text[LTY_COUPON_CODE_SIZE];
    code_make(text);
    uint8_t bytes[LTY_COUPON_CODE_BYTES];
    lty_coupon_code_t read;
    assert_int_equal(lty_coupon_code_parse(text, LTY_COUPON_CODE_CHARS, &read, bytes), 0);
    char again[LTY_COUPON_CODE_SIZE];
    lty_coupon_code_text(&read, bytes + LTY_COUPON_CODE_PAYLOAD_BYTES, again);
    assert_string_equal(again, text);
}

static void test_coupon_key_file_is_private_and_refused_when_shared(void **state)
{
    (void)state;
    struct stat info;
    assert_int_equal(stat(fixture.key_path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    assert_int_equal(lty_crypto_key_create(fixture.key_path), LTY_E_EXISTS);
    assert_int_equal(chmod(fixture.key_path, 0640), 0);
    lty_crypto_key_t *key = NULL;
    assert_int_equal(lty_crypto_key_load(fixture.key_path, &key), LTY_E_CONFIG);
    assert_null(key);
    assert_int_equal(chmod(fixture.key_path, 0600), 0);
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/none.key", fixture.dir);
    assert_int_equal(lty_crypto_key_load(missing, &key), LTY_E_NOT_FOUND);
    char pem[LTY_CRYPTO_PUBLIC_PEM_BYTES_MAX];
    assert_int_equal(lty_crypto_key_public_pem(fixture.key, pem, sizeof(pem)), 0);
    assert_non_null(strstr(pem, "BEGIN PUBLIC KEY"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coupon_code_round_trip_keeps_fields_and_passes_check),
        cmocka_unit_test(test_coupon_code_tampered_in_each_byte_is_not_found),
        cmocka_unit_test(test_coupon_code_each_character_changed_is_not_found),
        cmocka_unit_test(test_coupon_code_truncated_or_lengthened_is_not_found),
        cmocka_unit_test(test_coupon_code_other_programme_key_is_not_found),
        cmocka_unit_test(test_coupon_code_expires_after_its_day),
        cmocka_unit_test(test_coupon_code_aliases_and_case_read_alike_padding_must_be_zero),
        cmocka_unit_test(test_coupon_code_text_from_stored_signature_is_the_code),
        cmocka_unit_test(test_coupon_key_file_is_private_and_refused_when_shared),
    };
    return cmocka_run_group_tests_name("lty_coupon_code", tests, group_setup, group_teardown);
}
