/* SPDX-License-Identifier: MIT */
/* The member portal's assets, served from memory (portal_assets.h, generated at build time)
 * under /assets/. Each answer has an ETag (304 when the browser already holds it), the gzip copy
 * when the browser accepts it, and a year's cache (immutable): the page names each asset by its
 * content hash (?v=), so a new build means new URLs. The Content-Security-Policy is added for
 * every answer of the portal's listener by dispatch.c.
 *
 * Not here: the page itself, rendered for each request (portal_page.c). */
#include "api.h"
#include "portal.h"
#include "lty/lty_assert.h"

#include <string.h>

#define CACHE_ASSET "public, max-age=31536000, immutable"

const lty_portal_asset_t *lty__api_portal_asset_find(const char *name)
{
    LTY_ASSERT(name != NULL);
    for (size_t index = 0; index < lty_portal_assets_count; index++) {
        if (strcmp(lty_portal_assets[index].name, name) == 0) return &lty_portal_assets[index];
    }
    return NULL;
}

/* Does If-None-Match name etag ("*", or a list that holds it, weak or strong)? */
static bool etag_matches(const char *if_none_match, const char *etag)
{
    if (if_none_match[0] == '\0') return false;
    if (strcmp(if_none_match, "*") == 0) return true;
    return strstr(if_none_match, etag) != NULL;
}

static int asset_reply(lty_exchange_t *exchange, const lty_portal_asset_t *asset,
                       const char *cache_control)
{
    LTY_ASSERT(exchange != NULL && asset != NULL);
    lty_response_t *response = &exchange->response;
    lty_response_header_add(response, "Cache-Control", cache_control);
    lty_response_header_add(response, "ETag", asset->etag);
    lty_response_header_add(response, "Vary", "Accept-Encoding");
    lty_buf_reset(&response->body);
    if (etag_matches(exchange->request.if_none_match, asset->etag)) {
        response->content_type = asset->content_type;
        return lty_api_reply(exchange, 304);
    }
    bool gzip = exchange->request.accept_gzip;
    if (gzip) lty_response_header_add(response, "Content-Encoding", "gzip");
    lty_buf_append(&response->body, gzip ? asset->gzip : asset->data,
                   gzip ? asset->gzip_size : asset->size);
    response->content_type = asset->content_type;
    return lty_api_reply(exchange, 200);
}

int lty_api_portal_asset(lty_api_t *api, lty_exchange_t *exchange,
                         const lty_route_params_t *params)
{
    LTY_ASSERT(api != NULL && params != NULL);
    LTY_ASSERT(params->count == 1);
    const lty_portal_asset_t *asset = lty__api_portal_asset_find(params->values[0]);
    if (asset == NULL || !asset->served) { /* a template is no asset */
        return lty_api_reply_error(exchange, LTY_E_NOT_FOUND, NULL);
    }
    return asset_reply(exchange, asset, CACHE_ASSET);
}
