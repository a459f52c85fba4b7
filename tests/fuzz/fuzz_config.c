/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_config.c: any bytes as DIR/loyaltyd.conf (lty_config_parse) and as the
 * programme stored in META (lty_programme_parse). Invariants:
 * - a refusal is LTY_E_CONFIG with a diag naming it: a bad file stops the start, it never
 *   crashes it and is never clamped silently;
 * - an accepted configuration holds every value within its documented range (config.c's table,
 *   as docs and `loyaltyctl init` state them), map_bytes <= map_bytes_max, and survives
 *   lty_config_write + lty_config_load unchanged;
 * - an accepted programme is valid and renders to a document that parses to the same programme
 *   (the same rendering twice: what the daemon stores is what it reads back). */
#include "config.h"
#include "fuzz_support.h"
#include "lty/lty_buf.h"
#include "lty/lty_limits.h"
#include "programme.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];

static void config_ranges_check(const lty_config_t *config)
{
    LTY_ASSERT(config->listen_port >= 0 && config->listen_port <= 65535);
    LTY_ASSERT(config->loops >= 1 && config->loops <= LTY_LOOPS_MAX);
    LTY_ASSERT(config->connections_max >= 16 && config->connections_max <= LTY_CONNECTIONS_MAX);
    LTY_ASSERT(config->map_bytes >= LTY_MAP_BYTES_MIN);
    LTY_ASSERT(config->map_bytes <= config->map_bytes_max);
    LTY_ASSERT(config->map_bytes_max <= LTY_MAP_BYTES_MAX);
    LTY_ASSERT(config->commit_batch_max >= 1 && config->commit_batch_max <= LTY_COMMIT_BATCH_MAX);
    LTY_ASSERT(config->writer_queue_max >= 16 && config->writer_queue_max <= LTY_WRITER_QUEUE_MAX);
    LTY_ASSERT(config->idempotency_ttl_days >= 35 && config->idempotency_ttl_days <= 3650);
    LTY_ASSERT(config->handshake_timeout_ms >= 100 && config->idle_timeout_ms >= 100);
    LTY_ASSERT(config->request_timeout_ms >= 100 && config->sweep_interval_ms >= 10);
    const char *strings[] = {config->listen_host, config->log_level, config->tls_ca,
                             config->tls_cert, config->tls_key, config->tls_revoked};
    const size_t sizes[] = {sizeof(config->listen_host), sizeof(config->log_level),
                            sizeof(config->tls_ca), sizeof(config->tls_cert),
                            sizeof(config->tls_key), sizeof(config->tls_revoked)};
    for (size_t index = 0; index < sizeof(strings) / sizeof(strings[0]); index++) {
        LTY_ASSERT(strings[index][0] != '\0');
        LTY_ASSERT(memchr(strings[index], '\0', sizes[index]) != NULL);
    }
}

/* What `loyaltyctl init` writes from an accepted configuration loads back unchanged. */
static void config_round_trip(const lty_config_t *config)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/loyaltyd.conf", fuzz_dir);
    unlink(path);
    LTY_ASSERT(lty_config_write(path, config) == 0);
    lty_config_t back;
    lty_config_defaults(&back);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    LTY_ASSERT(lty_config_load(path, &back, &diag) == 0);
    LTY_ASSERT(memcmp(&back, config, sizeof(back)) == 0);
    unlink(path);
}

static void config_check(const char *text, size_t size)
{
    lty_config_t config;
    lty_config_defaults(&config);
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_config_parse(text, size, &config, &diag);
    if (err != 0) {
        LTY_ASSERT(err == LTY_E_CONFIG);
        fuzz_err_listed(err);
        fuzz_diag_check(&diag, err);
        LTY_ASSERT(diag.detail[0] != '\0');
        return;
    }
    config_ranges_check(&config);
    config_round_trip(&config);
}

static void programme_render_check(const lty_programme_t *programme, lty_buf_t *out)
{
    lty_buf_init(out, LTY_PROGRAMME_JSON_BYTES_MAX);
    lty_programme_render(programme, out);
    LTY_ASSERT(lty_buf_error(out) == 0);
}

static void programme_check(const char *text, size_t size)
{
    static lty_programme_t programme;
    static lty_programme_t back;
    lty_diag_t diag;
    lty_diag_clear(&diag);
    int err = lty_programme_parse(text, size, &programme, &diag);
    if (err != 0) {
        LTY_ASSERT(err == LTY_E_CONFIG);
        fuzz_diag_check(&diag, err);
        return;
    }
    LTY_ASSERT(lty_programme_valid(&programme));
    lty_buf_t first;
    lty_buf_t second;
    programme_render_check(&programme, &first);
    LTY_ASSERT(lty_programme_parse(first.data, first.size, &back, NULL) == 0);
    programme_render_check(&back, &second);
    LTY_ASSERT(first.size == second.size && memcmp(first.data, second.data, first.size) == 0);
    lty_buf_deinit(&first);
    lty_buf_deinit(&second);
}

static void fuzz_dir_remove(void)
{
    rmdir(fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_dir[0] == '\0') {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_config.XXXXXX", base);
        LTY_ASSERT(mkdtemp(fuzz_dir) != NULL);
        atexit(fuzz_dir_remove);
    }
    if (size > LTY_CONFIG_FILE_BYTES_MAX + 16) return 0;
    config_check((const char *)data, size);
    programme_check((const char *)data, size);
    return 0;
}
