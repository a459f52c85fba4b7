/* SPDX-License-Identifier: MIT */
/* Test support: start and stop a real loyaltyd. See spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *build_dir(void)
{
    const char *dir = getenv("LTY_BUILD_DIR");
    return dir != NULL ? dir : ".";
}

static int run_wait(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int lty_spawn_shell(const lty_spawn_t *spawn, const char *command)
{
    char env_line[3 * LTY_SPAWN_PATH_SIZE];
    snprintf(env_line, sizeof(env_line), "%s/admin-cli/loyaltyctl", build_dir());
    setenv("LOYALTYCTL", env_line, 1);
    setenv("LTY_DATA", spawn->data, 1);
    setenv("LTY_CA_DIR", spawn->ca_dir, 1);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    return run_wait(pid);
}

int lty_spawn_init_demo(lty_spawn_t *spawn)
{
    memset(spawn, 0, sizeof(*spawn));
    spawn->pid = -1;
    snprintf(spawn->dir, sizeof(spawn->dir), "%s/lty-spawn.XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(spawn->dir) == NULL) return -1;
    snprintf(spawn->data, sizeof(spawn->data), "%.400s/data", spawn->dir);
    snprintf(spawn->ca_dir, sizeof(spawn->ca_dir), "%.400s/data.ca", spawn->dir); /* init's */
    snprintf(spawn->ca, sizeof(spawn->ca), "%.400s/tls/ca.crt", spawn->data);
    snprintf(spawn->till_cert, sizeof(spawn->till_cert), "%.400s/tls/demo-till.crt", spawn->data);
    snprintf(spawn->till_key, sizeof(spawn->till_key), "%.400s/tls/demo-till.key", spawn->data);
    snprintf(spawn->operator_cert, sizeof(spawn->operator_cert), "%.400s/tls/demo-operator.crt",
             spawn->data);
    snprintf(spawn->operator_key, sizeof(spawn->operator_key), "%.400s/tls/demo-operator.key",
             spawn->data);
    if (lty_spawn_shell(spawn, "\"$LOYALTYCTL\" init \"$LTY_DATA\" --demo >/dev/null") != 0) {
        return -1;
    }
    char cards[LTY_SPAWN_PATH_SIZE];
    snprintf(cards, sizeof(cards), "%.400s/demo-cards.txt", spawn->data);
    FILE *file = fopen(cards, "r");
    if (file == NULL) return -1;
    int got = fscanf(file, "%31s", spawn->demo_card);
    fclose(file);
    return got == 1 ? 0 : -1;
}

int lty_spawn_start(lty_spawn_t *spawn, const char *extra_flag)
{
    int ready[2];
    if (pipe(ready) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphaned daemon when a test dies */
        close(ready[0]);
        char binary[LTY_SPAWN_PATH_SIZE];
        char fd_text[16];
        snprintf(binary, sizeof(binary), "%.400s/daemon/loyaltyd", build_dir());
        snprintf(fd_text, sizeof(fd_text), "%d", ready[1]);
        execl(binary, binary, "--data", spawn->data, "--listen", "127.0.0.1:0", "--portal-listen",
              "127.0.0.1:0", "--ready-fd", fd_text, "--log-level", "warn", extra_flag,
              (char *)NULL);
        _exit(127);
    }
    close(ready[1]);
    char line[32] = {0}; /* "<port> <portal port>\n" */
    size_t used = 0;
    while (used < sizeof(line) - 1) {
        ssize_t got = read(ready[0], line + used, sizeof(line) - 1 - used);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        used += (size_t)got;
        if (memchr(line, '\n', used) != NULL) break;
    }
    close(ready[0]);
    int port = atoi(line);
    if (port <= 0 || port > 65535) {
        kill(pid, SIGKILL);
        run_wait(pid);
        return -1;
    }
    spawn->pid = pid;
    spawn->port = (uint16_t)port;
    return 0;
}

int lty_spawn_restart(lty_spawn_t *spawn)
{
    char listen[64];
    snprintf(listen, sizeof(listen), "--listen=127.0.0.1:%u", (unsigned)spawn->port);
    uint16_t port = spawn->port;
    if (lty_spawn_start(spawn, listen) != 0) return -1;
    if (spawn->port == port) return 0;
    lty_spawn_kill(spawn); /* came up elsewhere: not the daemon the clients know */
    spawn->port = port;
    return -1;
}

int lty_spawn_client_open(const lty_spawn_t *spawn, uint16_t port, bool operator,
                          lty_httpc_t *client)
{
    lty_httpc_options_t options = {
        .host = "127.0.0.1",
        .port = port,
        .ca_cert_path = spawn->ca,
        .cert_path = operator ? spawn->operator_cert : spawn->till_cert,
        .key_path = operator ? spawn->operator_key : spawn->till_key,
    };
    return lty_httpc_init(client, &options);
}

int lty_spawn_stop(lty_spawn_t *spawn)
{
    if (spawn->pid <= 0) return -1;
    kill(spawn->pid, SIGTERM);
    int status = run_wait(spawn->pid);
    spawn->pid = -1;
    return status;
}

void lty_spawn_kill(lty_spawn_t *spawn)
{
    if (spawn->pid <= 0) return;
    kill(spawn->pid, SIGKILL);
    run_wait(spawn->pid);
    spawn->pid = -1;
}

int lty_spawn_verify(const lty_spawn_t *spawn)
{
    return lty_spawn_shell(spawn, "\"$LOYALTYCTL\" verify \"$LTY_DATA\" >/dev/null");
}

void lty_spawn_cleanup(lty_spawn_t *spawn)
{
    lty_spawn_kill(spawn);
    if (spawn->dir[0] == '\0' || getenv("LTY_KEEP_TMP") != NULL) return;
    char command[LTY_SPAWN_PATH_SIZE + 16];
    snprintf(command, sizeof(command), "rm -rf '%.500s'", spawn->dir);
    if (system(command) != 0) fprintf(stderr, "spawn: could not remove %s\n", spawn->dir);
}

int lty_spawn_finish(lty_spawn_t *spawn)
{
    int stopped = spawn->pid > 0 ? lty_spawn_stop(spawn) : 0;
    int verified = lty_spawn_verify(spawn);
    lty_spawn_cleanup(spawn);
    if (stopped != 0) fprintf(stderr, "daemon exit status %d\n", stopped);
    if (verified != 0) fprintf(stderr, "loyaltyctl verify failed\n");
    return stopped == 0 && verified == 0 ? 0 : -1;
}
