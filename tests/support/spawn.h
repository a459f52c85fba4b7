/* SPDX-License-Identifier: MIT */
/**
 * @file spawn.h
 * Test support: a real loyaltyd on 127.0.0.1 with a fresh demo data directory
 * (h2o's spawn_h2o, in C). The daemon reports its port through --ready-fd (a pipe), so start-up
 * needs no sleeps. Binaries are found under $LTY_BUILD_DIR.
 */
#ifndef LTY_TEST_SPAWN_H
#define LTY_TEST_SPAWN_H

#include "lty/lty_httpc.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define LTY_SPAWN_PATH_SIZE 512

typedef struct lty_spawn_s {
    pid_t pid;
    uint16_t port;
    char dir[LTY_SPAWN_PATH_SIZE];      /* temp root */
    char data[LTY_SPAWN_PATH_SIZE];     /* data directory */
    char ca_dir[LTY_SPAWN_PATH_SIZE];   /* the programme CA's key: beside data, never in it */
    char ca[LTY_SPAWN_PATH_SIZE];
    char till_cert[LTY_SPAWN_PATH_SIZE];
    char till_key[LTY_SPAWN_PATH_SIZE];
    char operator_cert[LTY_SPAWN_PATH_SIZE];
    char operator_key[LTY_SPAWN_PATH_SIZE];
    char demo_card[32];                 /* first demo card number */
} lty_spawn_t;

/** mkdtemp + `loyaltyctl init DIR --demo`. 0 or -1. */
int lty_spawn_init_demo(lty_spawn_t *spawn);
/** Start loyaltyd (extra_flag may be NULL) and wait for its port. 0 or -1. */
int lty_spawn_start(lty_spawn_t *spawn, const char *extra_flag);
/** Start loyaltyd again on the port it had (after a kill or stop). 0, or -1 if it did not come
 *  back on that port. */
int lty_spawn_restart(lty_spawn_t *spawn);
/** An HTTP client for the daemon on port with the demo till's (or operator's) certificate. */
int lty_spawn_client_open(const lty_spawn_t *spawn, uint16_t port, bool operator,
                          lty_httpc_t *client);
/** SIGTERM and wait: the daemon's exit status (0 = clean), or -1. */
int lty_spawn_stop(lty_spawn_t *spawn);
/** SIGKILL and reap. */
void lty_spawn_kill(lty_spawn_t *spawn);
/** `loyaltyctl verify DIR`: its exit status. */
int lty_spawn_verify(const lty_spawn_t *spawn);
/** Run a command line through /bin/sh with $LOYALTYCTL etc. in the environment; exit status. */
int lty_spawn_shell(const lty_spawn_t *spawn, const char *command);
/** End of a test: stop the daemon (SIGTERM, must exit 0), run `loyaltyctl verify`, remove the
 *  temp directory. 0 when both were clean, else -1 (the reason printed on stderr). */
int lty_spawn_finish(lty_spawn_t *spawn);
/** Kill if running, remove the temp directory. */
void lty_spawn_cleanup(lty_spawn_t *spawn);

#endif
