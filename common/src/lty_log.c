/* SPDX-License-Identifier: MIT */
/* The log line writer. Formats into a stack buffer and emits it with one write(2) so lines from
 * the event-loop threads and the writer thread never interleave. Also the per-caller logger:
 * formatting only, with no global state, because the till library's threads call it. */
#include "lty/lty_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int lty_log_level_max = LTY_LOG_INFO;

static lty_log_sink_cb log_sink;
static void *log_sink_userdata;

static const char *const level_names[] = {"ERR", "WARN", "INFO", "DEBUG"};

void lty_log_sink_set(lty_log_sink_cb cb, void *userdata)
{
    log_sink = cb;
    log_sink_userdata = userdata;
}

int lty_log_level_parse(const char *name)
{
    static const char *const lower[] = {"err", "warn", "info", "debug"};
    for (int level = 0; level < 4; level++) {
        if (strcmp(name, lower[level]) == 0) return level;
    }
    return -1;
}

void lty__log_write(int level, const char *file, int line, const char *format, ...)
{
    char text[1024];
    struct timespec now;
    struct tm utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);

    const char *base = strrchr(file, '/');
    base = base != NULL ? base + 1 : file;
    int level_index = (level >= 0 && level <= 3) ? level : 0;
    int used = snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s:%d ",
                        utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                        utc.tm_sec, (int)(now.tv_nsec / 1000000), level_names[level_index], base,
                        line);
    if (used < 0) return;
    size_t size = (size_t)used < sizeof(text) ? (size_t)used : sizeof(text) - 1;

    va_list args;
    va_start(args, format);
    int more = vsnprintf(text + size, sizeof(text) - size, format, args);
    va_end(args);
    if (more > 0) size += (size_t)more < sizeof(text) - size ? (size_t)more : sizeof(text) - size - 1;
    if (size > sizeof(text) - 2) size = sizeof(text) - 2;

    if (log_sink != NULL) {
        text[size] = '\0';
        log_sink(level, text, log_sink_userdata);
        return;
    }
    text[size++] = '\n';
    ssize_t written = write(STDERR_FILENO, text, size);
    (void)written; /* nowhere left to report a failed log write */
}

void lty__logger_write(const lty_logger_t *logger, int level, const char *format, ...)
{
    if (logger == NULL || logger->cb == NULL) return;
    char message[512];
    va_list args;
    va_start(args, format);
    int written = vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (written < 0) return; /* an encoding error: nothing sensible to pass on */
    logger->cb(level, message, logger->userdata);
}
