/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_support.h: invariants several libFuzzer harnesses share (header-only, each
 * harness is one executable). An assertion failing here is a finding: LTY_ASSERT aborts, and
 * libFuzzer keeps the input as a crash-* reproducer. */
#ifndef LTY_FUZZ_SUPPORT_H
#define LTY_FUZZ_SUPPORT_H

#include "lty/lty_assert.h"
#include "lty/lty_err.h"
#include "lty/lty_json.h"
#include "lty/lty_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* err is one of schema/errors.def (never a foreign or made-up value). */
static inline void fuzz_err_listed(int err)
{
    LTY_ASSERT(err < 0);
    LTY_ASSERT(strcmp(lty_err_name(err), "UNKNOWN") != 0);
}

/* err is listed and answered with a 4xx status: the input's fault, never the daemon's. */
static inline void fuzz_err_client(int err)
{
    fuzz_err_listed(err);
    int status = lty_err_http_status(err);
    LTY_ASSERT(status >= 400 && status <= 499);
}

/* A diag filled by a validator names the same error it returned, in bounded strings. */
static inline void fuzz_diag_check(const lty_diag_t *diag, int err)
{
    LTY_ASSERT(diag->err == err);
    LTY_ASSERT(memchr(diag->field, '\0', sizeof(diag->field)) != NULL);
    LTY_ASSERT(memchr(diag->detail, '\0', sizeof(diag->detail)) != NULL);
}

/* body is the standard error document {"error":{"code","message"[,"field"]}} of a listed code
 * whose status is status. Returns the code's number. */
static inline int fuzz_error_document_check(const char *body, size_t size, int status)
{
    lty_json_doc_t *doc = NULL;
    LTY_ASSERT(lty_json_parse(body, size, LTY_JSON_DEPTH_MAX, &doc, NULL) == 0);
    const lty_json_node_t *root = lty_json_doc_root(doc);
    static const char *const root_keys[] = {"error", NULL};
    static const char *const error_keys[] = {"code", "message", "field", NULL};
    LTY_ASSERT(lty_json_keys_check(root, "", root_keys, NULL) == 0);
    const lty_json_node_t *error = NULL;
    LTY_ASSERT(lty_json_get_object(root, "", "error", true, &error, NULL) == 0);
    LTY_ASSERT(lty_json_keys_check(error, "/error", error_keys, NULL) == 0);
    char code[64];
    LTY_ASSERT(lty_json_get_string(error, "/error", "code", true, 1, sizeof(code) - 1, code,
                                   sizeof(code), NULL, NULL) == 0);
    /* Message and field may quote the input (control characters escaped): strings, bounded. */
    const char *message = lty_json_node_string(lty_json_member(error, "message"));
    LTY_ASSERT(message != NULL && message[0] != '\0');
    LTY_ASSERT(strlen(message) < LTY_DIAG_DETAIL_SIZE);
    const lty_json_node_t *field = lty_json_member(error, "field");
    if (field != NULL) {
        LTY_ASSERT(lty_json_node_string(field) != NULL);
        LTY_ASSERT(strlen(lty_json_node_string(field)) < LTY_DIAG_FIELD_SIZE);
    }
    lty_json_doc_free(doc);
    int err = lty_err_from_code(code);
    fuzz_err_listed(err);
    LTY_ASSERT(lty_err_http_status(err) == status);
    return err;
}

#endif
