/* SPDX-License-Identifier: MIT */
/**
 * @file portal.h
 * The member portal's pages rendered by the daemon (docs/portal.md): the language of a page,
 * the formats of amounts, numbers and dates in it, its messages, and HTML escaping
 * (portal_locale.c); the pages themselves are in portal_page.c, the assets in portal_static.c.
 *
 * Caveats:
 * - Everything here is pure and thread-safe: no store, no allocation beyond the lty_buf_t given.
 * - Dates are UTC days, as everywhere in the programme (points expire at a UTC midnight).
 * - app.js formats the same way (number(), money(), date()): the browser test compares them.
 */
#ifndef LTY_API_PORTAL_H
#define LTY_API_PORTAL_H

#include "lty/lty_buf.h"
#include "portal_assets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The portal's languages, in the order of lty_portal_message_t.text. */
typedef enum lty_portal_lang {
    LTY_PORTAL_LANG_EN = 0,
    LTY_PORTAL_LANG_ZH_CN = 1,
} lty_portal_lang_t;
_Static_assert(LTY_PORTAL_LANG_ZH_CN + 1 == LTY_PORTAL_LANGS_COUNT, "one text per language");

/** Name of the cookie holding the member's choice of language ("en" or "zh-CN"). */
#define LTY_PORTAL_LANG_COOKIE "__Host-lty_lang"
/** Room for any formatted number, amount or date, with its NUL. */
#define LTY_PORTAL_FORMAT_SIZE 48

/** The tag of a language: "en" or "zh-CN" (for lang="" and the cookie). */
const char *lty__api_portal_lang_tag(lty_portal_lang_t lang);

/** Parse exactly "en" or "zh-CN" (what the cookie and ?lang= hold): true and *lang_out, or
 *  false for anything else. */
bool lty__api_portal_lang_parse(const char *tag, lty_portal_lang_t *lang_out);

/** The language an Accept-Language header prefers among ours: the highest weight wins, the first
 *  listed on a tie; any zh-* means zh-CN, any en-* English; English when it names neither. */
lty_portal_lang_t lty__api_portal_lang_accepted(const char *accept_language);

/**
 * The language of a page: ?lang= (the switch; *save_out is then true so the page sets the
 * cookie), else the cookie (the member's saved choice), else Accept-Language.
 * @param[in] query_lang       The ?lang= value, "" when absent.
 * @param[in] cookie           The Cookie header, "" when absent.
 * @param[in] accept_language  The Accept-Language header, "" when absent.
 */
lty_portal_lang_t lty__api_portal_lang_choose(const char *query_lang, const char *cookie,
                                              const char *accept_language, bool *save_out);

/** "1,234,567" (comma thousands in both languages; "-" before a negative). */
void lty__api_portal_number_format(int64_t value, char out[LTY_PORTAL_FORMAT_SIZE]);

/**
 * An amount in minor units with minor_unit decimals: English "CNY 1,234.50", zh-CN "¥1,234.50"
 * for CNY (another currency: its code and a space in both), "-" first when negative.
 */
void lty__api_portal_money_format(lty_portal_lang_t lang, const char *currency, int minor_unit,
                                  int64_t amount_minor, char out[LTY_PORTAL_FORMAT_SIZE]);

/** The UTC day of time_ms: English "2026-03-07", zh-CN "2026年3月7日". */
void lty__api_portal_date_format(lty_portal_lang_t lang, int64_t time_ms,
                                 char out[LTY_PORTAL_FORMAT_SIZE]);

/** The text of a message of daemon/portal/messages.json in lang. The key must exist (the
 *  templates and the daemon name keys at build time): an unknown key is a bug (LTY_ASSERT). */
const char *lty__api_portal_message(lty_portal_lang_t lang, const char *key);

/** Append text to out with & < > " ' escaped (safe in element content and quoted attributes). */
void lty__api_portal_html_append(lty_buf_t *out, const char *text);

/** A value for a {name} placeholder of a message. */
typedef struct lty_portal_var_s {
    const char *name;  /* "points" for {points} */
    const char *value; /* plain text: escaped when appended */
} lty_portal_var_t;

/** Append the message key in lang to out, escaped, its {name} placeholders replaced by the
 *  escaped values of vars (a placeholder without a value stays as it is). */
void lty__api_portal_text_append(lty_buf_t *out, lty_portal_lang_t lang, const char *key,
                                 const lty_portal_var_t *vars, size_t vars_count);

/** The built-in file name (an asset or a template), or NULL (portal_static.c). */
const lty_portal_asset_t *lty__api_portal_asset_find(const char *name);

#endif
