/* SPDX-License-Identifier: MIT */
/* The tables behind lty_err.h, generated from schema/errors.def. Nothing else lives here. */
#include "lty/lty_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct err_entry_s {
    int number;
    int http_status;
    const char *name;
    const char *wire_code;
    const char *message;
} err_entry_t;

static const err_entry_t err_table[] = {
#define LTY_ERR(name, number, http_status, wire_code, message)                                    \
    {(number), (http_status), #name, (wire_code), (message)},
#include "errors.def"
#undef LTY_ERR
};

static const err_entry_t *err_find(int err)
{
    for (size_t index = 0; index < sizeof(err_table) / sizeof(err_table[0]); index++) {
        if (err_table[index].number == err) return &err_table[index];
    }
    return NULL;
}

const char *lty_err_name(int err)
{
    if (err == 0) return "OK";
    const err_entry_t *entry = err_find(err);
    return entry != NULL ? entry->name : "UNKNOWN";
}

const char *lty_strerror(int err)
{
    if (err == 0) return "success";
    const err_entry_t *entry = err_find(err);
    return entry != NULL ? entry->message : "unknown error";
}

const char *lty_err_code(int err)
{
    if (err == 0) return "ok";
    const err_entry_t *entry = err_find(err);
    return entry != NULL ? entry->wire_code : "unknown";
}

int lty_err_http_status(int err)
{
    if (err == 0) return 200;
    const err_entry_t *entry = err_find(err);
    return entry != NULL ? entry->http_status : 500;
}

int lty_err_from_code(const char *wire_code)
{
    if (wire_code == NULL) return 0;
    for (size_t index = 0; index < sizeof(err_table) / sizeof(err_table[0]); index++) {
        if (strcmp(err_table[index].wire_code, wire_code) == 0) return err_table[index].number;
    }
    return 0;
}

void lty_diag_clear(lty_diag_t *diag)
{
    if (diag == NULL) return;
    diag->err = 0;
    diag->field[0] = '\0';
    diag->detail[0] = '\0';
}

int lty_diag_set(lty_diag_t *diag, int err, const char *field, const char *detail_format, ...)
{
    if (diag == NULL) return err;
    diag->err = err;
    snprintf(diag->field, sizeof(diag->field), "%s", field != NULL ? field : "");
    va_list args;
    va_start(args, detail_format);
    vsnprintf(diag->detail, sizeof(diag->detail), detail_format, args);
    va_end(args);
    return err;
}
