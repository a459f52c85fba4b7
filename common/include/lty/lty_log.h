/* SPDX-License-Identifier: MIT */
/**
 * @file lty_log.h
 * One-line structured logging for the daemon and the CLI: `TIME LEVEL file:line key=value ...`.
 *
 * Owns: the level filter, the line format, and the sink (stderr, or a callback).
 *
 * Caveats:
 * - LTY_LOG tests the level before evaluating its arguments.
 * - Never log secrets: PINs, keys, tokens, full phone numbers or emails. Member ids are fine.
 * - Thread-safe: each line is written with one write(2).
 * - The till library never uses this sink; it logs through its own registered callback.
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

#endif
