/* SPDX-License-Identifier: MIT */
/* The member portal's locale (portal.h): which language a page speaks, and how it writes
 * numbers, amounts and dates in that language, so that a page rendered here reads the same as one
 * app.js renders in the browser. Also the messages of daemon/portal/messages.json (built in as a
 * sorted table) and the HTML escaping every rendered value goes through.
 *
 * Not here: the pages (portal_page.c), the static assets (portal_static.c). */
#include "portal.h"
#include "lty/lty_assert.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const lang_tags[LTY_PORTAL_LANGS_COUNT] = {"en", "zh-CN"};

const char *lty__api_portal_lang_tag(lty_portal_lang_t lang)
{
    LTY_ASSERT(lang >= LTY_PORTAL_LANG_EN);
    LTY_ASSERT(lang < LTY_PORTAL_LANGS_COUNT);
    return lang_tags[lang];
}

bool lty__api_portal_lang_parse(const char *tag, lty_portal_lang_t *lang_out)
{
    LTY_ASSERT(tag != NULL && lang_out != NULL);
    for (int lang = 0; lang < LTY_PORTAL_LANGS_COUNT; lang++) {
        if (strcmp(tag, lang_tags[lang]) == 0) {
            *lang_out = (lty_portal_lang_t)lang;
            return true;
        }
    }
    return false;
}

/* The language of one language range ("zh-Hant-TW", "EN"): by its primary subtag. */
static bool range_lang(const char *range, size_t size, lty_portal_lang_t *lang_out)
{
    size_t primary = 0;
    while (primary < size && range[primary] != '-')
        primary++;
    if (primary == 2 && strncasecmp(range, "zh", 2) == 0) {
        *lang_out = LTY_PORTAL_LANG_ZH_CN;
        return true;
    }
    if (primary == 2 && strncasecmp(range, "en", 2) == 0) {
        *lang_out = LTY_PORTAL_LANG_EN;
        return true;
    }
    return false;
}

/* The weight of "q=0.8" in thousandths; -1 when malformed (the range is then ignored). */
static int weight_parse(const char *params, size_t size)
{
    const char *at = params;
    const char *end = params + size;
    while (at < end && (*at == ' ' || *at == ';' || *at == '\t'))
        at++;
    if (end - at < 2 || (at[0] != 'q' && at[0] != 'Q') || at[1] != '=') return -1;
    at += 2;
    if (at >= end || (*at != '0' && *at != '1')) return -1;
    int weight = (*at++ - '0') * 1000;
    if (at < end && *at == '.') {
        at++;
        for (int scale = 100; at < end && *at >= '0' && *at <= '9' && scale >= 1; scale /= 10) {
            weight += (*at++ - '0') * scale;
        }
    }
    while (at < end && (*at == ' ' || *at == '\t'))
        at++;
    return at == end && weight <= 1000 ? weight : -1;
}

lty_portal_lang_t lty__api_portal_lang_accepted(const char *accept_language)
{
    LTY_ASSERT(accept_language != NULL);
    lty_portal_lang_t best = LTY_PORTAL_LANG_EN;
    int best_weight = 0;
    const char *at = accept_language;
    while (*at != '\0') {
        at += strspn(at, " \t,");
        size_t item = strcspn(at, ",");
        size_t range = strcspn(at, " \t;,");
        int weight = 1000;
        if (range < item) weight = weight_parse(at + range, item - range);
        lty_portal_lang_t lang;
        if (weight > best_weight && range_lang(at, range, &lang)) {
            best = lang;
            best_weight = weight;
        }
        at += item;
    }
    LTY_ASSERT(best_weight >= 0 && best_weight <= 1000);
    return best;
}

/* The value of the language cookie in a Cookie header, copied into out ("" when absent). */
static void cookie_lang(const char *cookie, char *out, size_t size)
{
    static const char name[] = LTY_PORTAL_LANG_COOKIE "=";
    out[0] = '\0';
    for (const char *at = cookie; (at = strstr(at, name)) != NULL; at++) {
        if (at != cookie && at[-1] != ' ' && at[-1] != ';') continue;
        const char *value = at + sizeof(name) - 1;
        size_t value_size = strcspn(value, "; ");
        if (value_size < size) {
            memcpy(out, value, value_size);
            out[value_size] = '\0';
        }
        return;
    }
}

lty_portal_lang_t lty__api_portal_lang_choose(const char *query_lang, const char *cookie,
                                              const char *accept_language, bool *save_out)
{
    LTY_ASSERT(query_lang != NULL && cookie != NULL && accept_language != NULL);
    LTY_ASSERT(save_out != NULL);
    lty_portal_lang_t lang;
    *save_out = false;
    if (lty__api_portal_lang_parse(query_lang, &lang)) {
        *save_out = true;
        return lang;
    }
    char saved[16];
    cookie_lang(cookie, saved, sizeof(saved));
    if (lty__api_portal_lang_parse(saved, &lang)) return lang;
    return lty__api_portal_lang_accepted(accept_language);
}

/* ---- Formats ------------------------------------------------------------------------------ */

/* Digits of magnitude with a comma every three, after prefix. */
static void grouped_format(uint64_t magnitude, const char *prefix, char out[LTY_PORTAL_FORMAT_SIZE])
{
    char digits[24];
    int count = snprintf(digits, sizeof(digits), "%" PRIu64, magnitude);
    LTY_ASSERT(count >= 1 && count <= 20);
    size_t used = (size_t)snprintf(out, LTY_PORTAL_FORMAT_SIZE, "%s", prefix);
    LTY_ASSERT(used + (size_t)count + 7 < LTY_PORTAL_FORMAT_SIZE);
    for (int index = 0; index < count; index++) {
        if (index > 0 && (count - index) % 3 == 0) out[used++] = ',';
        out[used++] = digits[index];
    }
    out[used] = '\0';
}

static uint64_t magnitude_of(int64_t value)
{
    return value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value; /* INT64_MIN too */
}

void lty__api_portal_number_format(int64_t value, char out[LTY_PORTAL_FORMAT_SIZE])
{
    LTY_ASSERT(out != NULL);
    grouped_format(magnitude_of(value), value < 0 ? "-" : "", out);
}

void lty__api_portal_money_format(lty_portal_lang_t lang, const char *currency, int minor_unit,
                                  int64_t amount_minor, char out[LTY_PORTAL_FORMAT_SIZE])
{
    LTY_ASSERT(currency != NULL && out != NULL);
    LTY_ASSERT(minor_unit >= 0 && minor_unit <= 4);
    LTY_ASSERT(strlen(currency) <= 3);
    uint64_t scale = 1;
    for (int digit = 0; digit < minor_unit; digit++)
        scale *= 10;
    uint64_t magnitude = magnitude_of(amount_minor);
    char prefix[16];
    bool yuan = lang == LTY_PORTAL_LANG_ZH_CN && strcmp(currency, "CNY") == 0;
    snprintf(prefix, sizeof(prefix), "%s%s%s", amount_minor < 0 ? "-" : "",
             yuan ? "\xc2\xa5" : currency, yuan ? "" : " "); /* U+00A5 YEN SIGN, used for yuan */
    grouped_format(magnitude / scale, prefix, out);
    if (minor_unit > 0) {
        size_t used = strlen(out);
        snprintf(out + used, LTY_PORTAL_FORMAT_SIZE - used, ".%0*" PRIu64, minor_unit,
                 magnitude % scale);
    }
}

void lty__api_portal_date_format(lty_portal_lang_t lang, int64_t time_ms,
                                 char out[LTY_PORTAL_FORMAT_SIZE])
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(lang < LTY_PORTAL_LANGS_COUNT);
    int64_t seconds = time_ms / 1000 - (time_ms % 1000 < 0 ? 1 : 0);
    time_t when = (time_t)seconds;
    struct tm parts;
    LTY_ASSERT(gmtime_r(&when, &parts) != NULL);
    int year = parts.tm_year + 1900, month = parts.tm_mon + 1, day = parts.tm_mday;
    if (lang == LTY_PORTAL_LANG_ZH_CN) {
        snprintf(out, LTY_PORTAL_FORMAT_SIZE, "%d\xe5\xb9\xb4%d\xe6\x9c\x88%d\xe6\x97\xa5", year,
                 month, day); /* 年 月 日 */
    } else {
        snprintf(out, LTY_PORTAL_FORMAT_SIZE, "%04d-%02d-%02d", year, month, day);
    }
}

/* ---- Messages and HTML -------------------------------------------------------------------- */

static int message_compare(const void *key, const void *member)
{
    const lty_portal_message_t *message = member;
    return strcmp(key, message->key);
}

const char *lty__api_portal_message(lty_portal_lang_t lang, const char *key)
{
    LTY_ASSERT(key != NULL);
    LTY_ASSERT(lang < LTY_PORTAL_LANGS_COUNT);
    const lty_portal_message_t *message =
        bsearch(key, lty_portal_messages, lty_portal_messages_count, sizeof(lty_portal_messages[0]),
                message_compare);
    LTY_ASSERT(message != NULL); /* a key the build does not know: a bug in a template or here */
    return message->text[lang];
}

void lty__api_portal_html_append(lty_buf_t *out, const char *text)
{
    LTY_ASSERT(out != NULL && text != NULL);
    const char *run = text;
    for (const char *at = text; *at != '\0'; at++) {
        const char *entity = NULL;
        switch (*at) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            continue;
        }
        lty_buf_append(out, run, (size_t)(at - run));
        lty_buf_append_str(out, entity);
        run = at + 1;
    }
    lty_buf_append_str(out, run);
}

void lty__api_portal_text_append(lty_buf_t *out, lty_portal_lang_t lang, const char *key,
                                 const lty_portal_var_t *vars, size_t vars_count)
{
    LTY_ASSERT(out != NULL && key != NULL);
    LTY_ASSERT(vars != NULL || vars_count == 0);
    const char *text = lty__api_portal_message(lang, key);
    char piece[256];
    while (*text != '\0') {
        size_t plain = strcspn(text, "{");
        size_t taken = plain < sizeof(piece) - 1 ? plain : sizeof(piece) - 1;
        memcpy(piece, text, taken);
        piece[taken] = '\0';
        lty__api_portal_html_append(out, piece);
        text += taken;
        if (taken < plain || *text == '\0') continue;
        const char *value = NULL;
        size_t name_size = strcspn(text + 1, "}");
        for (size_t index = 0; index < vars_count && text[1 + name_size] == '}'; index++) {
            if (strlen(vars[index].name) == name_size &&
                strncmp(vars[index].name, text + 1, name_size) == 0) {
                value = vars[index].value;
            }
        }
        if (value != NULL) {
            lty__api_portal_html_append(out, value);
            text += name_size + 2;
        } else {
            lty_buf_append_str(out, "{"); /* not a placeholder of ours: kept as text */
            text += 1;
        }
    }
}
