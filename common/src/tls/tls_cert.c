/* SPDX-License-Identifier: MIT */
/* Certificate issuing for loyaltyctl: the programme CA, till, operator and server certificates
 * (EC P-256 keys, PEM files, key files 0600), reading back a certificate's subject, and
 * appending a serial to the revoked file the daemon reads. Not used by the daemon's serving
 * path or the till library. Runs in the CLI, so it logs through the process log. */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_crypto.h"
#include "lty/lty_err.h"
#include "lty/lty_limits.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CERT_PEM_BYTES_MAX 8192
#define CERT_SERIAL_BYTES 16

/* Names go into a subject string "CN=..,OU=..,O=.."; refusing the DN specials here keeps a
 * hostile name from injecting attributes. */
static bool subject_part_valid(const char *text, size_t size_max)
{
    if (text == NULL) return false;
    size_t size = strlen(text);
    if (size == 0 || size > size_max) return false;
    for (size_t index = 0; index < size; index++) {
        char c = text[index];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '@' || c == ' ';
        if (!ok) return false;
    }
    return text[0] != ' ' && text[size - 1] != ' ';
}

int lty__tls_file_write_new(const char *path, const void *bytes, size_t size, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        LTY_LOG(LTY_LOG_WARN, "err=%s what=file_create path=%s errno=%d",
                errno == EEXIST ? "EXISTS" : "IO", path, errno);
        return errno == EEXIST ? LTY_E_EXISTS : LTY_E_IO;
    }
    const char *cursor = bytes;
    int err = 0;
    while (size > 0 && err == 0) {
        ssize_t written = write(fd, cursor, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            err = LTY_E_IO;
        } else {
            cursor += written;
            size -= (size_t)written;
        }
    }
    if (err == 0 && fsync(fd) != 0) err = LTY_E_IO;
    if (close(fd) != 0 && err == 0) err = LTY_E_IO;
    if (err != 0) unlink(path);
    return err;
}

static void validity_format(time_t when, char out[16])
{
    struct tm utc;
    gmtime_r(&when, &utc);
    size_t size = strftime(out, 16, "%Y%m%d%H%M%S", &utc);
    LTY_ASSERT(size == 14); /* years 1000..9999 only: valid_days is bounded by callers */
}

/* Fresh positive 16-byte serial with its top byte in 0x10..0x7f, so its hex is always 32 digits. */
static int serial_generate(mbedtls_mpi *serial, char serial_hex_out[LTY_TLS_SERIAL_HEX_SIZE])
{
    unsigned char bytes[CERT_SERIAL_BYTES];
    int err = lty_crypto_random(bytes, sizeof(bytes));
    if (err != 0) return err;
    bytes[0] = (unsigned char)((bytes[0] & 0x7f) | 0x10);
    if (mbedtls_mpi_read_binary(serial, bytes, sizeof(bytes)) != 0) return LTY_E_NOMEM;
    static const char digits[] = "0123456789abcdef";
    for (size_t index = 0; index < sizeof(bytes); index++) {
        serial_hex_out[2 * index] = digits[bytes[index] >> 4];
        serial_hex_out[2 * index + 1] = digits[bytes[index] & 0x0f];
    }
    serial_hex_out[2 * sizeof(bytes)] = '\0';
    return 0;
}

static int key_generate(mbedtls_pk_context *key)
{
    int rc = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0) {
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                                 mbedtls_ctr_drbg_random, lty__tls_drbg());
    }
    if (rc != 0) return lty__tls_log_mbedtls(NULL, "key_generate", rc), LTY_E_TLS;
    return 0;
}

/* subjectAltName: mbedTLS 2.28 has no writer for it, so the GeneralNames DER is built here,
 * backwards as asn1write works: SEQUENCE { [2] dNSName..., [7] iPAddress 127.0.0.1 }. */
static int san_der_write(const char *dns_name, unsigned char *buffer, size_t buffer_size,
                         unsigned char **der_out, size_t *der_size_out)
{
    static const unsigned char loopback[4] = {127, 0, 0, 1};
    const char *names[2] = {"localhost", dns_name};
    unsigned char *cursor = buffer + buffer_size;
    size_t total = 0;
    int rc = mbedtls_asn1_write_raw_buffer(&cursor, buffer, loopback, sizeof(loopback));
    if (rc < 0) return LTY_E_TLS;
    total += (size_t)rc;
    total += (size_t)mbedtls_asn1_write_len(&cursor, buffer, sizeof(loopback));
    total += (size_t)mbedtls_asn1_write_tag(&cursor, buffer, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7);
    for (size_t index = 0; index < 2; index++) {
        if (index == 1 && strcmp(dns_name, "localhost") == 0) break;
        size_t size = strlen(names[index]);
        rc = mbedtls_asn1_write_raw_buffer(&cursor, buffer, (const unsigned char *)names[index],
                                           size);
        if (rc < 0) return LTY_E_TLS;
        total += (size_t)rc;
        total += (size_t)mbedtls_asn1_write_len(&cursor, buffer, size);
        total +=
            (size_t)mbedtls_asn1_write_tag(&cursor, buffer, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2);
    }
    rc = mbedtls_asn1_write_len(&cursor, buffer, total);
    if (rc < 0) return LTY_E_TLS;
    total += (size_t)rc;
    rc = mbedtls_asn1_write_tag(&cursor, buffer, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (rc < 0) return LTY_E_TLS;
    total += (size_t)rc;
    *der_out = cursor;
    *der_size_out = total;
    return 0;
}

typedef struct cert_spec_s {
    const char *subject;  /* "CN=..,OU=..,O=loyaltyd" */
    const char *issuer;   /* issuer DN string */
    mbedtls_pk_context *subject_key;
    mbedtls_pk_context *issuer_key;
    bool is_ca;
    const char *san_name; /* server certificates only */
    int valid_days;
} cert_spec_t;

static int cert_fields_set(mbedtls_x509write_cert *writer, const cert_spec_t *spec,
                           const mbedtls_mpi *serial)
{
    char not_before[16];
    char not_after[16];
    /* An hour of slack for clock skew, taken from the period rather than added to it: a server
     * certificate must not exceed 825 days from notBefore to notAfter (CA/Browser Forum). */
    time_t not_before_time = time(NULL) - 3600;
    validity_format(not_before_time, not_before);
    validity_format(not_before_time + (time_t)spec->valid_days * 86400, not_after);
    mbedtls_x509write_crt_set_version(writer, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(writer, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(writer, spec->subject_key);
    mbedtls_x509write_crt_set_issuer_key(writer, spec->issuer_key);
    int rc = mbedtls_x509write_crt_set_subject_name(writer, spec->subject);
    if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(writer, spec->issuer);
    if (rc == 0) rc = mbedtls_x509write_crt_set_serial(writer, serial);
    if (rc == 0) rc = mbedtls_x509write_crt_set_validity(writer, not_before, not_after);
    if (rc == 0) rc = mbedtls_x509write_crt_set_basic_constraints(writer, spec->is_ca ? 1 : 0,
                                                                  spec->is_ca ? 0 : -1);
    if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(writer);
    if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(writer);
    unsigned int usage = spec->is_ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                                     : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    if (rc == 0) rc = mbedtls_x509write_crt_set_key_usage(writer, usage);
    if (rc == 0 && spec->san_name != NULL) {
        unsigned char buffer[512];
        unsigned char *der = NULL;
        size_t der_size = 0;
        if (san_der_write(spec->san_name, buffer, sizeof(buffer), &der, &der_size) != 0) {
            return LTY_E_TLS;
        }
        rc = mbedtls_x509write_crt_set_extension(
            writer, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
            0, der, der_size);
    }
    if (rc != 0) return lty__tls_log_mbedtls(NULL, "cert_fields", rc), LTY_E_TLS;
    return 0;
}

/* Signs the certificate of spec and writes key (0600) then certificate (0644) as PEM. */
static int cert_write(const cert_spec_t *spec, const char *cert_path, const char *key_path,
                      char serial_hex_out[LTY_TLS_SERIAL_HEX_SIZE])
{
    mbedtls_x509write_cert writer;
    mbedtls_mpi serial;
    mbedtls_x509write_crt_init(&writer);
    mbedtls_mpi_init(&serial);
    unsigned char *pem = calloc(2, CERT_PEM_BYTES_MAX);
    int err = pem == NULL ? LTY_E_NOMEM : serial_generate(&serial, serial_hex_out);
    if (err == 0) err = cert_fields_set(&writer, spec, &serial);
    if (err == 0) {
        int rc = mbedtls_x509write_crt_pem(&writer, pem, CERT_PEM_BYTES_MAX,
                                           mbedtls_ctr_drbg_random, lty__tls_drbg());
        if (rc == 0) rc = mbedtls_pk_write_key_pem(spec->subject_key, pem + CERT_PEM_BYTES_MAX,
                                                   CERT_PEM_BYTES_MAX);
        if (rc != 0) err = (lty__tls_log_mbedtls(NULL, "pem_write", rc), LTY_E_TLS);
    }
    if (err == 0) {
        const char *key_pem = (const char *)pem + CERT_PEM_BYTES_MAX;
        err = lty__tls_file_write_new(key_path, key_pem, strlen(key_pem), 0600);
    }
    if (err == 0) {
        err = lty__tls_file_write_new(cert_path, pem, strlen((const char *)pem), 0644);
        if (err != 0) unlink(key_path);
    }
    if (pem != NULL) mbedtls_platform_zeroize(pem, 2 * CERT_PEM_BYTES_MAX);
    free(pem);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&writer);
    return err;
}

int lty_tls_ca_create(const char *common_name, const char *cert_path, const char *key_path,
                      int valid_days)
{
    LTY_ASSERT(cert_path != NULL && key_path != NULL);
    LTY_ASSERT(valid_days > 0);
    if (!subject_part_valid(common_name, 64)) return LTY_E_CONFIG;
    if (lty__tls_random_ready(NULL) != 0) return LTY_E_TLS;
    char subject[128];
    snprintf(subject, sizeof(subject), "CN=%s,O=loyaltyd", common_name);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    int err = key_generate(&key);
    if (err == 0) {
        char serial_hex[LTY_TLS_SERIAL_HEX_SIZE];
        cert_spec_t spec = {.subject = subject, .issuer = subject, .subject_key = &key,
                            .issuer_key = &key, .is_ca = true, .valid_days = valid_days};
        err = cert_write(&spec, cert_path, key_path, serial_hex);
    }
    mbedtls_pk_free(&key);
    return err;
}

/* The issuer DN string of ca, in the "A=v,B=w" form mbedtls_x509_string_to_names() reads. */
static int issuer_name_get(const mbedtls_x509_crt *ca, char *out, size_t out_size)
{
    char printed[256];
    if (mbedtls_x509_dn_gets(printed, sizeof(printed), &ca->subject) < 0) return LTY_E_TLS;
    size_t used = 0;
    for (const char *cursor = printed; *cursor != '\0'; cursor++) {
        if (cursor[0] == ',' && cursor[1] == ' ') cursor++, out[used++] = ',';
        else out[used++] = *cursor;
        if (used + 1 >= out_size) return LTY_E_TLS;
    }
    out[used] = '\0';
    return 0;
}

static int subject_build(const lty_tls_subject_t *subject, char *out, size_t out_size)
{
    switch (subject->role) {
    case LTY_ROLE_TILL:
        if (!subject_part_valid(subject->store, LTY_STORE_ID_BYTES_MAX)) return LTY_E_CONFIG;
        if (!subject_part_valid(subject->name, LTY_TILL_ID_BYTES_MAX)) return LTY_E_CONFIG;
        snprintf(out, out_size, "CN=%s/%s,OU=till,O=loyaltyd", subject->store, subject->name);
        return 0;
    case LTY_ROLE_OPERATOR:
        if (!subject_part_valid(subject->name, LTY_OPERATOR_NAME_BYTES_MAX)) return LTY_E_CONFIG;
        if (subject->title == NULL) {
            snprintf(out, out_size, "CN=%s,OU=operator,O=loyaltyd", subject->name);
            return 0;
        }
        if (!subject_part_valid(subject->title, 16) || strchr(subject->title, ' ') != NULL) {
            return LTY_E_CONFIG;
        }
        snprintf(out, out_size, "CN=%s,OU=operator,title=%s,O=loyaltyd", subject->name,
                 subject->title);
        return 0;
    case LTY_ROLE_SERVER:
        if (!subject_part_valid(subject->name, 64) || strchr(subject->name, ' ') != NULL) {
            return LTY_E_CONFIG;
        }
        snprintf(out, out_size, "CN=%s,OU=server,O=loyaltyd", subject->name);
        return 0;
    default:
        return LTY_E_CONFIG;
    }
}

int lty_tls_cert_issue(const char *ca_cert_path, const char *ca_key_path,
                       const lty_tls_subject_t *subject, int valid_days, const char *cert_path,
                       const char *key_path, char *serial_hex_out)
{
    LTY_ASSERT(ca_cert_path != NULL && ca_key_path != NULL && subject != NULL);
    LTY_ASSERT(cert_path != NULL && key_path != NULL && valid_days > 0);
    char subject_text[160];
    int err = subject_build(subject, subject_text, sizeof(subject_text));
    if (err != 0) return err;
    if (lty__tls_random_ready(NULL) != 0) return LTY_E_TLS;
    mbedtls_x509_crt ca;
    mbedtls_pk_context ca_key;
    mbedtls_pk_context key;
    mbedtls_x509_crt_init(&ca);
    mbedtls_pk_init(&ca_key);
    mbedtls_pk_init(&key);
    char issuer[256];
    if (mbedtls_x509_crt_parse_file(&ca, ca_cert_path) != 0 ||
        mbedtls_pk_parse_keyfile(&ca_key, ca_key_path, NULL) != 0 ||
        mbedtls_pk_check_pair(&ca.pk, &ca_key) != 0 ||
        issuer_name_get(&ca, issuer, sizeof(issuer)) != 0) {
        LTY_LOG(LTY_LOG_WARN, "err=TLS what=ca_load cert=%s key=%s", ca_cert_path, ca_key_path);
        err = LTY_E_TLS;
    }
    if (err == 0) err = key_generate(&key);
    if (err == 0) {
        char serial_hex[LTY_TLS_SERIAL_HEX_SIZE];
        cert_spec_t spec = {.subject = subject_text, .issuer = issuer, .subject_key = &key,
                            .issuer_key = &ca_key, .is_ca = false, .valid_days = valid_days,
                            .san_name = subject->role == LTY_ROLE_SERVER ? subject->name : NULL};
        err = cert_write(&spec, cert_path, key_path, serial_hex);
        if (err == 0 && serial_hex_out != NULL) {
            memcpy(serial_hex_out, serial_hex, sizeof(serial_hex));
        }
    }
    mbedtls_pk_free(&key);
    mbedtls_pk_free(&ca_key);
    mbedtls_x509_crt_free(&ca);
    return err;
}

int lty_tls_cert_peer(const char *cert_path, lty_tls_peer_t *peer_out)
{
    LTY_ASSERT(cert_path != NULL && peer_out != NULL);
    memset(peer_out, 0, sizeof(*peer_out));
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int rc = mbedtls_x509_crt_parse_file(&crt, cert_path);
    if (rc == 0) (void)lty__tls_peer_from_crt(&crt, peer_out); /* ambiguous: role NONE */
    mbedtls_x509_crt_free(&crt);
    return rc == 0 ? 0 : LTY_E_TLS;
}

int lty_tls_key_matches_cert(const char *key_path, const char *cert_path)
{
    LTY_ASSERT(key_path != NULL && cert_path != NULL);
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&key);
    int result = mbedtls_x509_crt_parse_file(&crt, cert_path) == 0 ? 0 : LTY_E_TLS;
    if (result == 0 && mbedtls_pk_parse_keyfile(&key, key_path, NULL) == 0) {
        result = mbedtls_pk_check_pair(&crt.pk, &key) == 0 ? 1 : 0;
    }
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&crt);
    return result;
}

int lty_tls_revoked_add(const char *revoked_path, const char *serial_hex)
{
    LTY_ASSERT(revoked_path != NULL && serial_hex != NULL);
    char serial[LTY_TLS_SERIAL_HEX_SIZE];
    if (!lty__tls_serial_normalize(serial_hex, strlen(serial_hex), serial, sizeof(serial))) {
        return LTY_E_CONFIG;
    }
    int fd = open(revoked_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        LTY_LOG(LTY_LOG_WARN, "err=IO what=revoked_open path=%s errno=%d", revoked_path, errno);
        return LTY_E_IO;
    }
    char line[43];
    int size = snprintf(line, sizeof(line), "%s\n", serial);
    int err = write(fd, line, (size_t)size) == (ssize_t)size ? 0 : LTY_E_IO;
    if (err == 0 && fsync(fd) != 0) err = LTY_E_IO;
    if (close(fd) != 0 && err == 0) err = LTY_E_IO;
    return err;
}
