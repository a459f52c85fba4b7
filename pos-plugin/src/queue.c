/* SPDX-License-Identifier: MIT */
/* The till's durable request journal. Every mutating request is written here, with its
 * idempotency key, and made durable (file fsync, rename, directory fsync) before its first byte
 * goes on the wire; it leaves only after a definitive answer. That is what lets a till crash,
 * lose its network for a week, or time out mid-request, and still get each request applied
 * exactly once. This file owns the on-disk format and its index; it does not decide when to send
 * (client.c does).
 *
 * Layout: <dir>/pending/<sequence:020>.req and <dir>/refused/<sequence:020>.req, one request per
 * file, a few "name value" text lines then the body:
 *     LTYQ1 / key K / method M / path P / label L / created_ms N
 *     [status S / code C / message M]          (refused files only)
 *     body <bytes>, then exactly that many body bytes.
 * Sequences increase for the life of the directory, so file names sort in submission order. */
#include "pos_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_crypto.h"
#include "lty/lty_sort.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAGIC "LTYQ1"
#define NAME_DIGITS 20
#define HEADER_BYTES_MAX 2048

/* ---- Helpers ---------------------------------------------------------------------------- */

int lty__pos_key_mint(char key_out[LTY_CLIENT_KEY_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t random[16];
    int err = lty_crypto_random(random, sizeof(random));
    if (err != 0) return err;
    for (size_t index = 0; index < sizeof(random); index++) {
        key_out[2 * index] = hex[random[index] >> 4];
        key_out[2 * index + 1] = hex[random[index] & 0xF];
    }
    key_out[32] = '\0';
    return 0;
}

void lty__pos_queue_digest(const char *method, const char *path, const void *body,
                           size_t body_size, uint8_t digest_out[32])
{
    /* method NUL path NUL body: unambiguous, since neither method nor path holds a NUL. */
    char head[LTY_POS_METHOD_SIZE + LTY_POS_PATH_SIZE + 2];
    int used = snprintf(head, sizeof(head), "%s%c%s", method, '\0', path);
    size_t head_size = used > 0 ? (size_t)used + 1 : 0;
    uint8_t both[32 * 2];
    lty_crypto_sha256(head, head_size, both);
    lty_crypto_sha256(body, body_size, both + 32);
    lty_crypto_sha256(both, sizeof(both), digest_out);
}

static void file_name(char out[NAME_DIGITS + 5], uint64_t sequence, const char *suffix)
{
    snprintf(out, NAME_DIGITS + 5, "%020" PRIu64 "%s", sequence, suffix);
}

/* Parse "<20 digits>.req"; false for anything else. */
static bool file_name_parse(const char *name, uint64_t *sequence_out)
{
    if (strlen(name) != NAME_DIGITS + 4 || strcmp(name + NAME_DIGITS, ".req") != 0) return false;
    uint64_t sequence = 0;
    for (size_t index = 0; index < NAME_DIGITS; index++) {
        if (name[index] < '0' || name[index] > '9') return false;
        uint64_t digit = (uint64_t)(name[index] - '0');
        if (sequence > (UINT64_MAX - digit) / 10) return false;
        sequence = sequence * 10 + digit;
    }
    *sequence_out = sequence;
    return sequence > 0;
}

static int write_all(int fd, const void *bytes, size_t size)
{
    const char *cursor = bytes;
    while (size > 0) {
        ssize_t written = write(fd, cursor, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return LTY_E_IO;
        cursor += written;
        size -= (size_t)written;
    }
    return 0;
}

/* Write name durably: a temporary file, fsync, rename over name, fsync of the directory. */
static int file_write_durable(const lty__pos_queue_t *queue, int dir_fd, uint64_t sequence,
                              const char *header, size_t header_size, const void *body,
                              size_t body_size)
{
    char temporary[NAME_DIGITS + 5];
    char final[NAME_DIGITS + 5];
    file_name(temporary, sequence, ".tmp");
    file_name(final, sequence, ".req");
    int fd = openat(dir_fd, temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        lty__pos_log(queue->log, LTY_CLIENT_LOG_ERR, "queue open failed file=%s errno=%d",
                     temporary, errno);
        return LTY_E_IO;
    }
    int err = write_all(fd, header, header_size);
    if (err == 0 && body_size > 0) err = write_all(fd, body, body_size);
    if (err == 0 && fsync(fd) != 0) err = LTY_E_IO;
    if (close(fd) != 0 && err == 0) err = LTY_E_IO;
    if (err == 0 && renameat(dir_fd, temporary, dir_fd, final) != 0) err = LTY_E_IO;
    if (err == 0 && fsync(dir_fd) != 0) err = LTY_E_IO;
    if (err != 0) {
        lty__pos_log(queue->log, LTY_CLIENT_LOG_ERR, "queue write failed file=%s errno=%d",
                     final, errno);
        unlinkat(dir_fd, temporary, 0);
    }
    return err;
}

static int file_unlink_durable(const lty__pos_queue_t *queue, int dir_fd, uint64_t sequence)
{
    char name[NAME_DIGITS + 5];
    file_name(name, sequence, ".req");
    if (unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
        lty__pos_log(queue->log, LTY_CLIENT_LOG_ERR, "queue unlink failed file=%s errno=%d",
                     name, errno);
        return LTY_E_IO;
    }
    return fsync(dir_fd) == 0 ? 0 : LTY_E_IO;
}

/* Copy text into a header line, replacing anything that would break the line format. */
static void line_safe_copy(char *out, size_t out_size, const char *text)
{
    size_t index = 0;
    for (; text != NULL && text[index] != '\0' && index + 1 < out_size; index++) {
        unsigned char c = (unsigned char)text[index];
        out[index] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    out[index] = '\0';
}

/* ---- Reading a record ------------------------------------------------------------------- */

static int file_read(lty__pos_queue_t *queue, int dir_fd, uint64_t sequence, size_t *size_out)
{
    char name[NAME_DIGITS + 5];
    file_name(name, sequence, ".req");
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return LTY_E_IO;
    size_t size = 0;
    int err = 0;
    for (;;) {
        if (size > LTY_POS_FILE_BYTES_MAX) {
            err = LTY_E_CORRUPT;
            break;
        }
        ssize_t got = read(fd, queue->file_buffer + size, LTY_POS_FILE_BYTES_MAX + 1 - size);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            err = LTY_E_IO;
            break;
        }
        if (got == 0) break;
        size += (size_t)got;
    }
    close(fd);
    if (err == 0 && size > LTY_POS_FILE_BYTES_MAX) err = LTY_E_CORRUPT;
    queue->file_buffer[size <= LTY_POS_FILE_BYTES_MAX ? size : LTY_POS_FILE_BYTES_MAX] = '\0';
    *size_out = size;
    return err;
}

/* Take the next "name value\n" line at *cursor. value is NUL-terminated in place. */
static bool line_next(char **cursor, char *end, const char **name_out, char **value_out)
{
    char *line = *cursor;
    char *newline = memchr(line, '\n', (size_t)(end - line));
    if (newline == NULL) return false;
    *newline = '\0';
    *cursor = newline + 1;
    char *space = strchr(line, ' ');
    *name_out = line;
    if (space == NULL) {
        *value_out = newline; /* "" */
    } else {
        *space = '\0';
        *value_out = space + 1;
    }
    return true;
}

static bool copy_field(char *out, size_t out_size, const char *value)
{
    size_t size = strlen(value);
    if (size >= out_size) return false;
    memcpy(out, value, size + 1);
    return true;
}

static bool int_parse(const char *value, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0') return false;
    *out = parsed;
    return true;
}

static bool record_line_apply(lty__pos_record_t *record, const char *name, const char *value)
{
    int64_t number = 0;
    if (strcmp(name, "key") == 0) return copy_field(record->key, sizeof(record->key), value);
    if (strcmp(name, "method") == 0) {
        return copy_field(record->method, sizeof(record->method), value);
    }
    if (strcmp(name, "path") == 0) return copy_field(record->path, sizeof(record->path), value);
    if (strcmp(name, "label") == 0) return copy_field(record->label, sizeof(record->label), value);
    if (strcmp(name, "code") == 0) return copy_field(record->code, sizeof(record->code), value);
    if (strcmp(name, "message") == 0) {
        return copy_field(record->message, sizeof(record->message), value);
    }
    if (strcmp(name, "created_ms") == 0) {
        if (!int_parse(value, &number)) return false;
        record->created_ms = number;
        return true;
    }
    if (strcmp(name, "status") == 0) {
        if (!int_parse(value, &number) || number < 100 || number > 599) return false;
        record->http_status = (int)number;
        return true;
    }
    return true; /* a line from a newer library version: ignored */
}

static int record_parse(lty__pos_queue_t *queue, size_t size, uint64_t sequence,
                        lty__pos_record_t *record)
{
    memset(record, 0, sizeof(*record));
    record->sequence = sequence;
    char *cursor = queue->file_buffer;
    char *end = queue->file_buffer + size;
    const char *name;
    char *value;
    if (!line_next(&cursor, end, &name, &value) || strcmp(name, FILE_MAGIC) != 0) {
        return LTY_E_CORRUPT;
    }
    for (;;) {
        if (!line_next(&cursor, end, &name, &value)) return LTY_E_CORRUPT;
        if (strcmp(name, "body") == 0) break;
        if (!record_line_apply(record, name, value)) return LTY_E_CORRUPT;
    }
    int64_t body_size = 0;
    if (!int_parse(value, &body_size) || body_size < 0 || body_size != end - cursor) {
        return LTY_E_CORRUPT; /* torn or truncated: never deliver half a request */
    }
    if (strlen(record->key) != 32 || record->method[0] == '\0' || record->path[0] != '/') {
        return LTY_E_CORRUPT;
    }
    record->body = cursor;
    record->body_size = (size_t)body_size;
    return 0;
}

static int record_load(lty__pos_queue_t *queue, int dir_fd, uint64_t sequence,
                       lty__pos_record_t *record_out)
{
    size_t size = 0;
    int err = file_read(queue, dir_fd, sequence, &size);
    if (err == 0) err = record_parse(queue, size, sequence, record_out);
    if (err != 0) {
        lty__pos_log(queue->log, LTY_CLIENT_LOG_ERR,
                     "queue record unusable sequence=%" PRIu64 " err=%s", sequence,
                     lty_err_name(err));
    }
    return err;
}

/* ---- Open and index ---------------------------------------------------------------------- */

static int dir_open(const char *path, int *fd_out)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return LTY_E_IO;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return LTY_E_IO;
    *fd_out = fd;
    return 0;
}

static int sequence_compare(const void *a, const void *b)
{
    uint64_t left = *(const uint64_t *)a;
    uint64_t right = *(const uint64_t *)b;
    return (left > right) - (left < right);
}

/* List the sequences of dir_fd's *.req files into sequences (sorted); remove stale *.tmp files
 * (a write that never reached its rename was never sent). */
static int dir_scan(lty__pos_queue_t *queue, int dir_fd, uint64_t *sequences, size_t *count_out)
{
    int scan_fd = dup(dir_fd);
    if (scan_fd < 0) return LTY_E_IO;
    DIR *dir = fdopendir(scan_fd);
    if (dir == NULL) {
        close(scan_fd);
        return LTY_E_IO;
    }
    rewinddir(dir);
    size_t count = 0;
    int err = 0;
    for (struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
        uint64_t sequence = 0;
        size_t name_size = strlen(entry->d_name);
        if (name_size > 4 && strcmp(entry->d_name + name_size - 4, ".tmp") == 0) {
            unlinkat(dir_fd, entry->d_name, 0);
            continue;
        }
        if (!file_name_parse(entry->d_name, &sequence)) continue;
        if (count == queue->entries_max) {
            err = LTY_E_STORE_FULL;
            break;
        }
        sequences[count++] = sequence;
    }
    closedir(dir);
    lty_sort(sequences, count, sizeof(sequences[0]), sequence_compare);
    *count_out = count;
    return err;
}

static bool sequence_listed(const uint64_t *sequences, size_t count, uint64_t sequence)
{
    return bsearch(&sequence, sequences, count, sizeof(sequences[0]), sequence_compare) != NULL;
}

/* Build the pending index: load each file once for its key and digest. */
static int pending_index(lty__pos_queue_t *queue, uint64_t *sequences, size_t count)
{
    queue->pending_count = 0;
    for (size_t index = 0; index < count; index++) {
        uint64_t sequence = sequences[index];
        if (sequence_listed(queue->refused, queue->refused_count, sequence)) {
            /* A crash between "write refused" and "unlink pending": finish the move. */
            int err = file_unlink_durable(queue, queue->pending_fd, sequence);
            if (err != 0) return err;
            continue;
        }
        lty__pos_record_t record;
        int err = record_load(queue, queue->pending_fd, sequence, &record);
        if (err != 0) return err;
        lty__pos_entry_t *entry = &queue->pending[queue->pending_count++];
        entry->sequence = sequence;
        memcpy(entry->key, record.key, sizeof(entry->key));
        lty__pos_queue_digest(record.method, record.path, record.body, record.body_size,
                              entry->digest);
    }
    return 0;
}

static int queue_index(lty__pos_queue_t *queue)
{
    uint64_t *sequences = lty_calloc(queue->entries_max, sizeof(uint64_t));
    if (sequences == NULL) return LTY_E_NOMEM;
    size_t count = 0;
    int err = dir_scan(queue, queue->refused_fd, queue->refused, &queue->refused_count);
    if (err == 0) err = dir_scan(queue, queue->pending_fd, sequences, &count);
    if (err == 0) err = pending_index(queue, sequences, count);
    uint64_t last = 0;
    if (count > 0 && sequences[count - 1] > last) last = sequences[count - 1];
    if (queue->refused_count > 0 && queue->refused[queue->refused_count - 1] > last) {
        last = queue->refused[queue->refused_count - 1];
    }
    queue->sequence_next = last + 1;
    lty_free(sequences);
    return err;
}

int lty__pos_queue_open(lty__pos_queue_t *queue, const char *dir, size_t entries_max,
                        const lty__pos_log_t *log)
{
    if (queue == NULL || dir == NULL || entries_max == 0) return LTY_E_CLIENT_BUG;
    memset(queue, 0, sizeof(*queue));
    queue->pending_fd = -1;
    queue->refused_fd = -1;
    queue->log = log;
    queue->entries_max = entries_max;
    char path[4096];
    int err = 0;
    if (snprintf(path, sizeof(path), "%s/pending", dir) >= (int)sizeof(path)) err = LTY_E_IO;
    if (err == 0 && mkdir(dir, 0700) != 0 && errno != EEXIST) err = LTY_E_IO;
    if (err == 0) err = dir_open(path, &queue->pending_fd);
    if (err == 0) {
        snprintf(path, sizeof(path), "%s/refused", dir);
        err = dir_open(path, &queue->refused_fd);
    }
    if (err != 0) {
        lty__pos_log(log, LTY_CLIENT_LOG_ERR, "queue directory unusable errno=%d", errno);
        lty__pos_queue_close(queue);
        return err;
    }
    queue->pending = lty_calloc(entries_max, sizeof(queue->pending[0]));
    queue->refused = lty_calloc(entries_max, sizeof(queue->refused[0]));
    queue->file_buffer = lty_alloc(LTY_POS_FILE_BYTES_MAX + 1);
    if (queue->pending == NULL || queue->refused == NULL || queue->file_buffer == NULL) {
        lty__pos_queue_close(queue);
        return LTY_E_NOMEM;
    }
    err = queue_index(queue);
    if (err != 0) {
        lty__pos_queue_close(queue);
        return err;
    }
    lty__pos_log(log, LTY_CLIENT_LOG_INFO, "queue open dir=%s pending=%zu refused=%zu", dir,
                 queue->pending_count, queue->refused_count);
    return 0;
}

void lty__pos_queue_close(lty__pos_queue_t *queue)
{
    if (queue == NULL) return;
    if (queue->pending_fd >= 0) close(queue->pending_fd);
    if (queue->refused_fd >= 0) close(queue->refused_fd);
    queue->pending_fd = -1;
    queue->refused_fd = -1;
    lty_free(queue->pending);
    lty_free(queue->refused);
    lty_free(queue->file_buffer);
    queue->pending = NULL;
    queue->refused = NULL;
    queue->file_buffer = NULL;
    queue->pending_count = 0;
    queue->refused_count = 0;
}

/* ---- Pending entries --------------------------------------------------------------------- */

long lty__pos_queue_find(const lty__pos_queue_t *queue, const uint8_t digest[32])
{
    for (size_t index = 0; index < queue->pending_count; index++) {
        if (memcmp(queue->pending[index].digest, digest, 32) == 0) return (long)index;
    }
    return -1;
}

static size_t header_render(char *out, const char *key, const char *method, const char *path,
                            const char *label, int64_t created_ms, size_t body_size)
{
    char safe_label[LTY_POS_LABEL_SIZE];
    line_safe_copy(safe_label, sizeof(safe_label), label);
    int used = snprintf(out, HEADER_BYTES_MAX,
                        FILE_MAGIC "\nkey %s\nmethod %s\npath %s\nlabel %s\ncreated_ms %" PRId64
                                   "\n",
                        key, method, path, safe_label, created_ms);
    (void)body_size;
    return used > 0 && used < HEADER_BYTES_MAX ? (size_t)used : 0;
}

int lty__pos_queue_append(lty__pos_queue_t *queue, const char *key, const char *method,
                          const char *path, const char *label, const void *body,
                          size_t body_size, uint64_t *sequence_out)
{
    LTY_POS_CHECK(queue->log, queue->pending != NULL);
    LTY_POS_CHECK(queue->log, key != NULL && strlen(key) == 32);
    LTY_POS_CHECK(queue->log, method != NULL && strlen(method) < LTY_POS_METHOD_SIZE);
    LTY_POS_CHECK(queue->log, path != NULL && path[0] == '/' && strlen(path) < LTY_POS_PATH_SIZE);
    LTY_POS_CHECK(queue->log, strpbrk(path, " \r\n") == NULL);
    LTY_POS_CHECK(queue->log, body_size <= LTY_HTTP_BODY_BYTES_MAX);
    if (queue->pending_count == queue->entries_max) {
        lty__pos_log(queue->log, LTY_CLIENT_LOG_ERR, "queue full entries_max=%zu",
                     queue->entries_max);
        return LTY_E_STORE_FULL;
    }
    char header[HEADER_BYTES_MAX];
    size_t header_size =
        header_render(header, key, method, path, label, lty_clock_now_ms(), body_size);
    int tail = snprintf(header + header_size, HEADER_BYTES_MAX - header_size, "body %zu\n",
                        body_size);
    LTY_POS_CHECK(queue->log, header_size > 0 && tail > 0);
    header_size += (size_t)tail;

    uint64_t sequence = queue->sequence_next;
    int err = file_write_durable(queue, queue->pending_fd, sequence, header, header_size, body,
                                 body_size);
    if (err != 0) return err;
    queue->sequence_next = sequence + 1;
    lty__pos_entry_t *entry = &queue->pending[queue->pending_count++];
    entry->sequence = sequence;
    memcpy(entry->key, key, 33);
    lty__pos_queue_digest(method, path, body, body_size, entry->digest);
    if (sequence_out != NULL) *sequence_out = sequence;
    return 0;
}

int lty__pos_queue_load(lty__pos_queue_t *queue, size_t index, lty__pos_record_t *record_out)
{
    LTY_POS_CHECK(queue->log, queue->pending != NULL);
    if (index >= queue->pending_count) return LTY_E_NOT_FOUND;
    return record_load(queue, queue->pending_fd, queue->pending[index].sequence, record_out);
}

static long pending_position(const lty__pos_queue_t *queue, uint64_t sequence)
{
    for (size_t index = 0; index < queue->pending_count; index++) {
        if (queue->pending[index].sequence == sequence) return (long)index;
    }
    return -1;
}

static void pending_drop(lty__pos_queue_t *queue, size_t index)
{
    memmove(&queue->pending[index], &queue->pending[index + 1],
            (queue->pending_count - index - 1) * sizeof(queue->pending[0]));
    queue->pending_count--;
}

int lty__pos_queue_remove(lty__pos_queue_t *queue, uint64_t sequence)
{
    LTY_POS_CHECK(queue->log, queue->pending != NULL);
    long position = pending_position(queue, sequence);
    if (position < 0) return LTY_E_NOT_FOUND;
    int err = file_unlink_durable(queue, queue->pending_fd, sequence);
    if (err != 0) return err;
    pending_drop(queue, (size_t)position);
    return 0;
}

int lty__pos_queue_rewrite(lty__pos_queue_t *queue, uint64_t sequence, const void *body,
                           size_t body_size)
{
    LTY_POS_CHECK(queue->log, queue->pending != NULL);
    LTY_POS_CHECK(queue->log, body != NULL && body_size <= LTY_HTTP_BODY_BYTES_MAX);
    if (pending_position(queue, sequence) < 0) return LTY_E_NOT_FOUND;
    lty__pos_record_t record;
    int err = record_load(queue, queue->pending_fd, sequence, &record);
    if (err != 0) return err;
    char header[HEADER_BYTES_MAX];
    size_t header_size = header_render(header, record.key, record.method, record.path,
                                       record.label, record.created_ms, body_size);
    int tail = snprintf(header + header_size, HEADER_BYTES_MAX - header_size, "body %zu\n",
                        body_size);
    LTY_POS_CHECK(queue->log, header_size > 0 && tail > 0);
    header_size += (size_t)tail;
    /* a temporary file renamed over the entry: a crash leaves the old body or the new one */
    return file_write_durable(queue, queue->pending_fd, sequence, header, header_size, body,
                              body_size);
}

int lty__pos_queue_refuse(lty__pos_queue_t *queue, uint64_t sequence, int http_status,
                          const char *code, const char *message)
{
    LTY_POS_CHECK(queue->log, queue->pending != NULL);
    long position = pending_position(queue, sequence);
    if (position < 0) return LTY_E_NOT_FOUND;
    if (queue->refused_count == queue->entries_max) return LTY_E_STORE_FULL;
    lty__pos_record_t record;
    int err = record_load(queue, queue->pending_fd, sequence, &record);
    if (err != 0) return err;

    char header[HEADER_BYTES_MAX];
    size_t header_size = header_render(header, record.key, record.method, record.path,
                                       record.label, record.created_ms, record.body_size);
    char safe_code[64];
    char safe_message[LTY_POS_MESSAGE_SIZE];
    line_safe_copy(safe_code, sizeof(safe_code), code != NULL && code[0] != '\0' ? code : "-");
    line_safe_copy(safe_message, sizeof(safe_message), message);
    int tail = snprintf(header + header_size, HEADER_BYTES_MAX - header_size,
                        "status %d\ncode %s\nmessage %s\nbody %zu\n", http_status, safe_code,
                        safe_message, record.body_size);
    LTY_POS_CHECK(queue->log, header_size > 0 && tail > 0);
    LTY_POS_CHECK(queue->log, (size_t)tail < HEADER_BYTES_MAX - header_size);
    header_size += (size_t)tail;
    /* Refused copy first, pending removal second: a crash in between is finished at open. */
    err = file_write_durable(queue, queue->refused_fd, sequence, header, header_size,
                             record.body, record.body_size);
    if (err != 0) return err;
    queue->refused[queue->refused_count++] = sequence; /* sequences only grow: stays sorted */
    lty_sort(queue->refused, queue->refused_count, sizeof(queue->refused[0]), sequence_compare);
    err = file_unlink_durable(queue, queue->pending_fd, sequence);
    if (err != 0) return err;
    pending_drop(queue, (size_t)position);
    return 0;
}

/* ---- Refused entries --------------------------------------------------------------------- */

int lty__pos_queue_refused_load(lty__pos_queue_t *queue, size_t index,
                                lty__pos_record_t *record_out)
{
    LTY_POS_CHECK(queue->log, queue->refused != NULL);
    if (index >= queue->refused_count) return LTY_E_NOT_FOUND;
    return record_load(queue, queue->refused_fd, queue->refused[index], record_out);
}

int lty__pos_queue_refused_remove(lty__pos_queue_t *queue, uint64_t sequence)
{
    LTY_POS_CHECK(queue->log, queue->refused != NULL);
    for (size_t index = 0; index < queue->refused_count; index++) {
        if (queue->refused[index] != sequence) continue;
        int err = file_unlink_durable(queue, queue->refused_fd, sequence);
        if (err != 0) return err;
        memmove(&queue->refused[index], &queue->refused[index + 1],
                (queue->refused_count - index - 1) * sizeof(queue->refused[0]));
        queue->refused_count--;
        return 0;
    }
    return LTY_E_NOT_FOUND;
}
