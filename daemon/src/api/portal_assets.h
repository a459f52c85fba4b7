/* SPDX-License-Identifier: MIT */
/**
 * @file portal_assets.h
 * The member portal's files, built into loyaltyd: the table cmake/lty_embed.cmake generates
 * from daemon/portal/ at build time (portal_assets.c in the build tree).
 */
#ifndef LTY_PORTAL_ASSETS_H
#define LTY_PORTAL_ASSETS_H

#include <stddef.h>

typedef struct lty_portal_asset_s {
    const char *name;          /* "app.js" */
    const char *content_type;  /* "text/javascript; charset=utf-8" */
    const unsigned char *data; /* the bytes (index.html with its asset hashes filled in) */
    size_t size;
    const unsigned char *gzip; /* the same, gzip -9 at build time */
    size_t gzip_size;
    const char *etag;          /* "\"<16 hex digits of its SHA-256>\"" */
} lty_portal_asset_t;

extern const lty_portal_asset_t lty_portal_assets[];
extern const size_t lty_portal_assets_count;

#endif
