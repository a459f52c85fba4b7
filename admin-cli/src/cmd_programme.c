/* SPDX-License-Identifier: MIT */
/* loyaltyctl programme commands: `programme show` prints the settings
 * (GET /v1/admin/programme) and `programme set FILE` sends a file of them back
 * (PUT /v1/admin/programme). The file holds every key and the version it was read at, as
 * `programme show --json` prints them: edit, then set. A change made meanwhile by someone else
 * is refused (409 version_conflict): show again and redo the edit. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PROGRAMME_FILE_BYTES_MAX (16 * 1024)

int lty_cli_file_read(const char *path, size_t size_max, lty_buf_t *out)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) return lty_cli_fail("%s: %s", path, strerror(errno));
    char chunk[4096];
    size_t total = 0, got = 0;
    while ((got = fread(chunk, 1, sizeof(chunk), file)) > 0 && total <= size_max) {
        lty_buf_append(out, chunk, got);
        total += got;
    }
    bool failed = ferror(file) != 0;
    fclose(file);
    if (failed) return lty_cli_fail("%s: cannot read", path);
    if (total > size_max || lty_buf_error(out) != 0) {
        return lty_cli_fail("%s: larger than %zu bytes", path, size_max);
    }
    return LTY_CLI_EXIT_OK;
}

int lty_cli_programme_show(lty_cli_t *cli)
{
    return lty_cli_api_get(cli, "/v1/admin/programme", NULL);
}

int lty_cli_file_send(const lty_cli_t *cli, const char *method, const char *path,
                      size_t size_max)
{
    lty_buf_t body;
    lty_buf_init(&body, size_max + 4096);
    int exit_code = lty_cli_file_read(cli->args[0], size_max, &body);
    if (exit_code != LTY_CLI_EXIT_OK) {
        lty_buf_deinit(&body);
        return exit_code;
    }
    return lty_cli_api_send(cli, method, path, &body);
}

int lty_cli_programme_set(lty_cli_t *cli)
{
    return lty_cli_file_send(cli, "PUT", "/v1/admin/programme", PROGRAMME_FILE_BYTES_MAX);
}
