/* SPDX-License-Identifier: MIT */
/**
 * @file till_files.h
 * Test support for libloyaltypos unit tests that need no daemon: throwaway TLS files for a till
 * (a programme CA and a till certificate S001/T01, made with lty_tls), and a local port that
 * refuses connections.
 */
#ifndef LTY_TEST_TILL_FILES_H
#define LTY_TEST_TILL_FILES_H

#include "lty/lty_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

typedef struct lty_test_till_files_s {
    char ca[400], ca_key[400], cert[400], key[400];
} lty_test_till_files_t;

/** Create ca.crt, ca.key, till.crt and till.key in dir (which must not hold them yet). 0 or
 *  -1. */
static inline int lty_test_till_files_make(const char *dir, lty_test_till_files_t *files)
{
    snprintf(files->ca, sizeof(files->ca), "%.300s/ca.crt", dir);
    snprintf(files->ca_key, sizeof(files->ca_key), "%.300s/ca.key", dir);
    snprintf(files->cert, sizeof(files->cert), "%.300s/till.crt", dir);
    snprintf(files->key, sizeof(files->key), "%.300s/till.key", dir);
    if (lty_tls_ca_create("test CA", files->ca, files->ca_key, 2) != 0) return -1;
    lty_tls_subject_t subject = {.role = LTY_ROLE_TILL, .name = "T01", .store = "S001"};
    return lty_tls_cert_issue(files->ca, files->ca_key, &subject, 2, files->cert, files->key,
                              NULL) == 0 ? 0 : -1;
}

/** A port that refuses connections: bound (so nobody else takes it) but never listening.
 *  Returns the socket to close at the end, or -1. */
static inline int lty_test_closed_port_open(uint16_t *port_out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) return -1;
    socklen_t size = sizeof(address);
    if (getsockname(fd, (struct sockaddr *)&address, &size) != 0) return -1;
    *port_out = ntohs(address.sin_port);
    return fd;
}

#endif
