/* SPDX-License-Identifier: MIT */
/**
 * @file lty_log.h
 * One-line structured logging for the daemon and the CLI: `TIME LEVEL file:line key=value ...`,
 * and the per-caller logger that code shared with the till library logs through instead.
 *
 * Owns: the level filter, the line format, the process sink (stderr, or a callback), and
 * lty_logger_t (a callback handed in by one caller, for code that must not use the sink).
 *
 * Caveats:
 * - LTY_LOG tests the level before evaluating its arguments.
 * - Never log secrets: PINs, keys, tokens, full phone numbers or emails. Member ids are fine.
 * - Thread-safe: each line is written with one write(2).
 * - The process sink is one per process. The till library never uses it: two tills' clients
 *   in one process would share it. Code on the client path (the TLS client, the HTTP client)
 *   logs with LTY_LOG_TO through the lty_logger_t its caller passed in.
 */
#ifndef LTY_LOG_H
#define LTY_LOG_H

enum lty_log_level { LTY_LOG_ERR = 0, LTY_LOG_WARN = 1, LTY_LOG_INFO = 2, LTY_LOG_DEBUG = 3 };

extern int lty_log_level_max;

typedef void (*lty_log_sink_cb)(int level, const char *line, void *userdata);

#define LTY_LOG(level, ...)                                                                    \
    do {                                                                                       \
        if ((level) <= lty_log_level_max) lty__log_write((level), __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

void lty__log_write(int level, const char *file, int line, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/** Parse "err", "warn", "info", "debug"; returns the level or -1. */
int lty_log_level_parse(const char *name);
/** Route lines to cb instead of stderr (NULL restores stderr). Not thread-safe: call at start. */
void lty_log_sink_set(lty_log_sink_cb cb, void *userdata);

/* ---- Per-caller logger ------------------------------------------------------------------ */

/** A caller's log callback: level is an lty_log_level; message has no newline, no time stamp
 *  and is valid only during the call. Called on the thread that called into common. */
typedef void (*lty_log_cb)(int level, const char *message, void *userdata);

/** Where one caller's lines go: its callback and userdata. Copied by value by its users. */
typedef struct lty_logger_s {
    lty_log_cb cb;  /* public: NULL means silent */
    void *userdata; /* public: passed to cb */
} lty_logger_t;

/**
 * Log through logger when there is one, else through the process log (LTY_LOG).
 * A NULL logger is for daemon-side code (server TLS sessions); client-side code always passes
 * its caller's logger, so its lines never reach the process sink.
 */
#define LTY_LOG_TO(logger, level, ...)                                                         \
    do {                                                                                       \
        if ((logger) != NULL) {                                                                \
            lty__logger_write((logger), (level), __VA_ARGS__);                                 \
        } else {                                                                               \
            LTY_LOG((level), __VA_ARGS__);                                                     \
        }                                                                                      \
    } while (0)

/** Format one message (up to 512 bytes, truncated beyond) and hand it to logger->cb. */
void lty__logger_write(const lty_logger_t *logger, int level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
