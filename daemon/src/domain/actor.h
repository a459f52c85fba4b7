/* SPDX-License-Identifier: MIT */
/**
 * @file actor.h
 * Who performs an operation: a till, an operator, a member (portal) or the system itself.
 * Set by the API dispatcher from the verified certificate or session; recorded by the domain
 * in journal entries and the audit log.
 */
#ifndef LTY_ACTOR_H
#define LTY_ACTOR_H

#include "lty/lty_limits.h"
#include "lty/lty_tls.h"

#include <stdint.h>

typedef struct lty_actor_s {
    lty_role_t role;                               /* NONE means the system (init, sweeps) */
    char store[LTY_STORE_ID_BYTES_MAX + 1];        /* till's store */
    char till[LTY_TILL_ID_BYTES_MAX + 1];          /* till id */
    char operator_name[LTY_OPERATOR_NAME_BYTES_MAX + 1];
    uint64_t member_id;                            /* portal session */
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];   /* "till:S001/T01", "operator:alice" */
} lty_actor_t;

#endif
