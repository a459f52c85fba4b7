/* SPDX-License-Identifier: MIT */
/* The llhttp seam (lty_http1.h): the only include of llhttp's header in the project and its only
 * llhttp_settings_t table, whose entries hand each event to the caller's lty_http1_callbacks_t.
 * It translates llhttp's return conventions and error codes and nothing more: limits, header
 * meanings and what a message may look like belong to the callers (daemon http.c, lty_httpc.c).
 *
 * llhttp is compiled with LLHTTP_STRICT_MODE=1 and no lenient flag is ever set here. */
#include "lty/lty_http1.h"
#include "lty/lty_assert.h"
#include "lty/lty_err.h"

#include <llhttp.h>

#include <string.h>

struct lty_http1_s {
    llhttp_t parser;
    lty_http1_kind_t kind;
    const lty_http1_callbacks_t *callbacks;
    void *userdata;
};

static lty_http1_t *http1_of(llhttp_t *parser)
{
    return parser->data;
}

/* A callback's verdict in llhttp's terms; allowed is the one positive value this event may
 * return (LTY_HTTP1_NO_BODY, LTY_HTTP1_PAUSE, or 0 for none). */
static int verdict(int result, int allowed)
{
    if (result < 0) return -1;
    if (result == LTY_HTTP1_CONTINUE) return 0;
    LTY_ASSERT(result == allowed); /* a positive value this event does not take is a bug */
    return result == LTY_HTTP1_PAUSE ? HPE_PAUSED : 1;
}

/* ---- Trampolines: llhttp event -> caller callback --------------------------------------- */

#define HTTP1_EVENT(name)                                                                      \
    static int name(llhttp_t *llhttp)                                                          \
    {                                                                                          \
        lty_http1_t *http1 = http1_of(llhttp);                                                 \
        if (http1->callbacks->name == NULL) return 0;                                          \
        return verdict(http1->callbacks->name(http1->userdata), 0);                            \
    }

#define HTTP1_SPAN(name)                                                                       \
    static int name(llhttp_t *llhttp, const char *at, size_t size)                             \
    {                                                                                          \
        lty_http1_t *http1 = http1_of(llhttp);                                                 \
        if (http1->callbacks->name == NULL) return 0;                                          \
        return verdict(http1->callbacks->name(http1->userdata, at, size), 0);                  \
    }

HTTP1_EVENT(on_message_begin)
HTTP1_SPAN(on_url)
HTTP1_EVENT(on_url_complete)
HTTP1_SPAN(on_status)
HTTP1_SPAN(on_header_field)
HTTP1_SPAN(on_header_value)
HTTP1_EVENT(on_header_value_complete)
HTTP1_SPAN(on_body)

static int on_headers_complete(llhttp_t *llhttp)
{
    lty_http1_t *http1 = http1_of(llhttp);
    if (http1->callbacks->on_headers_complete == NULL) return 0;
    bool request = http1->kind == LTY_HTTP1_REQUEST;
    lty_http1_head_t head = {
        .method = request ? llhttp_method_name((llhttp_method_t)llhttp->method) : "",
        .status = request ? 0 : (int)llhttp->status_code,
        .version_major = llhttp->http_major,
        .version_minor = llhttp->http_minor,
        .content_length_present = (llhttp->flags & F_CONTENT_LENGTH) != 0,
        .content_length = llhttp->content_length, /* counted down as the body arrives */
        .upgrade = llhttp->upgrade != 0,
    };
    return verdict(http1->callbacks->on_headers_complete(http1->userdata, &head),
                   LTY_HTTP1_NO_BODY);
}

static int on_message_complete(llhttp_t *llhttp)
{
    lty_http1_t *http1 = http1_of(llhttp);
    if (http1->callbacks->on_message_complete == NULL) return 0;
    return verdict(http1->callbacks->on_message_complete(http1->userdata), LTY_HTTP1_PAUSE);
}

static const llhttp_settings_t http1_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- Parser ------------------------------------------------------------------------------ */

int lty_http1_create(lty_http1_t **parser_out, lty_http1_kind_t kind,
                     const lty_http1_callbacks_t *callbacks)
{
    LTY_ASSERT(parser_out != NULL);
    LTY_ASSERT(callbacks != NULL);
    LTY_ASSERT(kind == LTY_HTTP1_REQUEST || kind == LTY_HTTP1_RESPONSE);
    *parser_out = NULL;
    lty_http1_t *http1 = lty_calloc(1, sizeof(*http1));
    if (http1 == NULL) return LTY_E_NOMEM;
    http1->kind = kind;
    http1->callbacks = callbacks;
    lty_http1_reset(http1, NULL);
    *parser_out = http1;
    return 0;
}

void lty_http1_destroy(lty_http1_t *parser)
{
    lty_free(parser);
}

void lty_http1_reset(lty_http1_t *parser, void *userdata)
{
    LTY_ASSERT(parser != NULL);
    llhttp_init(&parser->parser, parser->kind == LTY_HTTP1_REQUEST ? HTTP_REQUEST : HTTP_RESPONSE,
                &http1_settings);
    parser->parser.data = parser;
    parser->userdata = userdata;
}

static int http1_refused(const lty_http1_t *parser)
{
    return parser->kind == LTY_HTTP1_REQUEST ? LTY_E_BAD_REQUEST : LTY_E_BAD_RESPONSE;
}

int lty_http1_execute(lty_http1_t *parser, const char *data, size_t size, size_t *consumed_out)
{
    LTY_ASSERT(parser != NULL && consumed_out != NULL);
    LTY_ASSERT(data != NULL || size == 0);
    *consumed_out = 0;
    llhttp_errno_t status = llhttp_execute(&parser->parser, data, size);
    if (status == HPE_OK) {
        *consumed_out = size;
        return LTY_HTTP1_MORE;
    }
    if (status != HPE_PAUSED) return http1_refused(parser);
    /* Only on_message_complete pauses (verdict()), so this is the end of a message. */
    const char *stop = llhttp_get_error_pos(&parser->parser);
    LTY_ASSERT(stop != NULL && stop >= data && stop <= data + size);
    *consumed_out = (size_t)(stop - data);
    return LTY_HTTP1_PAUSED;
}

int lty_http1_finish(lty_http1_t *parser)
{
    LTY_ASSERT(parser != NULL);
    llhttp_errno_t status = llhttp_finish(&parser->parser);
    if (status == HPE_OK) return LTY_HTTP1_MORE;
    if (status == HPE_PAUSED) return LTY_HTTP1_PAUSED;
    return http1_refused(parser);
}

void lty_http1_resume(lty_http1_t *parser)
{
    LTY_ASSERT(parser != NULL);
    LTY_ASSERT(llhttp_get_errno(&parser->parser) == HPE_PAUSED);
    llhttp_resume(&parser->parser);
}

bool lty_http1_keep_alive(const lty_http1_t *parser)
{
    LTY_ASSERT(parser != NULL);
    return llhttp_should_keep_alive(&parser->parser) != 0;
}

const char *lty_http1_error_name(const lty_http1_t *parser)
{
    LTY_ASSERT(parser != NULL);
    return llhttp_errno_name(llhttp_get_errno(&parser->parser));
}

const char *lty_http1_error_reason(const lty_http1_t *parser)
{
    LTY_ASSERT(parser != NULL);
    const char *reason = llhttp_get_error_reason(&parser->parser);
    return reason != NULL ? reason : "";
}
