/* SPDX-License-Identifier: MIT */
/**
 * @file portal_assets.h
 * The member portal's files and messages, built into loyaltyd: the tables cmake/lty_embed.cmake
 * generates from daemon/portal/ at build time (portal_assets.c in the build tree).
 */
#ifndef LTY_PORTAL_ASSETS_H
#define LTY_PORTAL_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lty_portal_asset_s {
    const char *name;          /* "app.js" */
    const char *content_type;  /* "text/javascript; charset=utf-8" */
    const unsigned char *data; /* the bytes, followed by a NUL (not counted in size) */
    size_t size;
    const unsigned char *gzip; /* the same, gzip -9 at build time; NULL for a template */
    size_t gzip_size;
    const char *etag;          /* "\"<16 hex digits of its SHA-256>\"" */
    bool served;               /* an asset under /assets/; false: a page template (.html) */
} lty_portal_asset_t;

extern const lty_portal_asset_t lty_portal_assets[];
extern const size_t lty_portal_assets_count;

/** The languages of the portal, in the order of lty_portal_message_t.text. */
#define LTY_PORTAL_LANGS_COUNT 2

/** One message of daemon/portal/messages.json: its key and its text in each language. */
typedef struct lty_portal_message_s {
    const char *key;                          /* "dash.points" */
    const char *text[LTY_PORTAL_LANGS_COUNT]; /* en, zh-CN; may hold {name} placeholders */
} lty_portal_message_t;

/** Sorted by key (strcmp order). */
extern const lty_portal_message_t lty_portal_messages[];
extern const size_t lty_portal_messages_count;

#endif
