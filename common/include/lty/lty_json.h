/* SPDX-License-Identifier: MIT */
/**
 * @file lty_json.h
 * Strict JSON in (parse + typed field readers) and JSON out (a streaming writer into lty_buf).
 *
 * Owns: the only use of cJSON in the project. Parsing runs a strict RFC 8259 recogniser first
 * (grammar, UTF-8, control characters, depth), then builds a cJSON tree, then refuses duplicate
 * keys. Readers refuse wrong types, unknown keys, non-integral or out-of-range numbers
 * (|n| > 2^53-1), and over-long strings, naming the field (a JSON pointer) in the diag.
 *
 * Caveats:
 * - Nodes are views into the document: valid until lty_json_doc_free().
 * - Key lookup is case-sensitive; "Card_no" is not "card_no" (and is an unknown key).
 */
#ifndef LTY_JSON_H
#define LTY_JSON_H

#include "lty/lty_buf.h"
#include "lty/lty_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lty_json_doc_s lty_json_doc_t;
typedef struct lty_json_node_s lty_json_node_t;

/**
 * Parse text strictly.
 * @param[in]  text       Need not be NUL-terminated; size bytes are read.
 * @param[out] doc_out    On success, a document the caller frees with lty_json_doc_free().
 * @param[out] diag       Filled on failure (may be NULL).
 * @return 0, LTY_E_INVALID_JSON, LTY_E_JSON_TOO_DEEP, LTY_E_DUPLICATE_KEY,
 *         LTY_E_REQUEST_TOO_LARGE (string too long), LTY_E_NOMEM.
 */
int lty_json_parse(const char *text, size_t size, int depth_max, lty_json_doc_t **doc_out,
                   lty_diag_t *diag);
/** Only the strict recogniser, no tree. Same codes as lty_json_parse() minus DUPLICATE_KEY. */
int lty_json_validate(const char *text, size_t size, int depth_max, lty_diag_t *diag);
/**
 * Judge the first size bytes of a longer document (a body cut off at its size limit).
 * @return 0 when those bytes could still begin valid JSON; LTY_E_INVALID_JSON or
 *         LTY_E_JSON_TOO_DEEP when they already prove it invalid.
 */
int lty_json_prefix_check(const char *text, size_t size, int depth_max, lty_diag_t *diag);
void lty_json_doc_free(lty_json_doc_t *doc);
const lty_json_node_t *lty_json_doc_root(const lty_json_doc_t *doc);

bool lty_json_is_object(const lty_json_node_t *node);
bool lty_json_is_array(const lty_json_node_t *node);
bool lty_json_is_null(const lty_json_node_t *node);
/** Number of items in an array or members of an object; 0 otherwise. */
size_t lty_json_count(const lty_json_node_t *node);
/** Item index of an array (or member index of an object, in document order), or NULL. */
const lty_json_node_t *lty_json_item(const lty_json_node_t *array, size_t index);
/** Member "key" of an object (case-sensitive), or NULL. */
const lty_json_node_t *lty_json_member(const lty_json_node_t *object, const char *key);

/**
 * Refuse any member of object whose key is not in allowed (NULL-terminated list).
 * @param[in] path  JSON pointer of object for the diag ("" for the root).
 * @return 0 or LTY_E_INVALID_FIELD naming the first unknown key.
 */
int lty_json_keys_check(const lty_json_node_t *object, const char *path,
                        const char *const *allowed, lty_diag_t *diag);
/** 0 if node is an object, else LTY_E_INVALID_FIELD ("must be an object"). */
int lty_json_expect_object(const lty_json_node_t *node, const char *path, lty_diag_t *diag);

/**
 * Read an integer member. Absent and !required: *present_out=false, *value_out untouched, 0.
 * @return 0 or LTY_E_INVALID_FIELD (absent though required, not a number, not integral, outside
 *         [min, max]); the diag names path/key and the bound.
 */
int lty_json_get_int(const lty_json_node_t *object, const char *path, const char *key,
                     bool required, int64_t min, int64_t max, int64_t *value_out,
                     bool *present_out, lty_diag_t *diag);
/** Read a string member into out (NUL-terminated). Length in bytes within [size_min, size_max],
 *  and size_max < out_size. Control characters are refused. */
int lty_json_get_string(const lty_json_node_t *object, const char *path, const char *key,
                        bool required, size_t size_min, size_t size_max, char *out,
                        size_t out_size, bool *present_out, lty_diag_t *diag);
int lty_json_get_bool(const lty_json_node_t *object, const char *path, const char *key,
                      bool required, bool *value_out, bool *present_out, lty_diag_t *diag);
/** Read an array member: *array_out is the node, *count_out its length (<= items_max). */
int lty_json_get_array(const lty_json_node_t *object, const char *path, const char *key,
                       bool required, size_t items_max, const lty_json_node_t **array_out,
                       size_t *count_out, lty_diag_t *diag);
/** Read an object member (NULL when absent and not required). */
int lty_json_get_object(const lty_json_node_t *object, const char *path, const char *key,
                        bool required, const lty_json_node_t **object_out, lty_diag_t *diag);

/** Value accessors for nodes already type-checked by the caller. */
bool lty_json_node_int(const lty_json_node_t *node, int64_t *value_out);
const char *lty_json_node_string(const lty_json_node_t *node);
/** The key of an object member reached through lty_json_item(), or NULL. */
const char *lty_json_node_key(const lty_json_node_t *node);
/** A scalar as text into out (a string as is, an integer in decimal, true/false, null as "").
 *  False for an object or an array (out is then ""). */
bool lty_json_node_scalar_text(const lty_json_node_t *node, char *out, size_t out_size);

/* ---- Writer -------------------------------------------------------------------------- */

#define LTY_JSON_WRITER_DEPTH_MAX 16

/** Streams compact JSON into a buffer. Commas are inserted automatically. */
typedef struct lty_json_writer_s {
    lty_buf_t *out;                                  /* private */
    int depth;                                       /* private */
    bool need_comma[LTY_JSON_WRITER_DEPTH_MAX + 1];  /* private */
    bool after_key;                                  /* private */
} lty_json_writer_t;

void lty_jw_init(lty_json_writer_t *writer, lty_buf_t *out);
void lty_jw_object_begin(lty_json_writer_t *writer);
void lty_jw_object_end(lty_json_writer_t *writer);
void lty_jw_array_begin(lty_json_writer_t *writer);
void lty_jw_array_end(lty_json_writer_t *writer);
void lty_jw_key(lty_json_writer_t *writer, const char *key);
void lty_jw_string(lty_json_writer_t *writer, const char *value);
void lty_jw_string_n(lty_json_writer_t *writer, const char *value, size_t size);
void lty_jw_int(lty_json_writer_t *writer, int64_t value);
void lty_jw_bool(lty_json_writer_t *writer, bool value);
void lty_jw_null(lty_json_writer_t *writer);
/** Insert pre-rendered JSON as one value. */
void lty_jw_raw(lty_json_writer_t *writer, const char *json, size_t size);
/* Shorthands for a key and its value. */
void lty_jw_kv_string(lty_json_writer_t *writer, const char *key, const char *value);
void lty_jw_kv_int(lty_json_writer_t *writer, const char *key, int64_t value);
void lty_jw_kv_bool(lty_json_writer_t *writer, const char *key, bool value);

/** Render the standard error document {"error":{"code","message"[,"field"]}} for err into out.
 *  The message is diag->detail when diag carries one for err, else lty_strerror(err). */
void lty_json_error_render(lty_buf_t *out, int err, const lty_diag_t *diag);

/** Append value as a JSON string literal (quotes and escapes) to out. */
void lty_json_escape(lty_buf_t *out, const char *value, size_t size);

#endif
