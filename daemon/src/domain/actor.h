/* SPDX-License-Identifier: MIT */
/**
 * @file actor.h
 * Who performs an operation: a till, an operator, a member (portal) or the system itself.
 * Set by the API dispatcher from the verified certificate or session; recorded by the domain
 * in journal entries and the audit log.
 *
 * Operator roles (docs/security.md): an operator certificate names one role in its subject's
 * title attribute; schema/routes.def says which roles may call each admin route and the
 * dispatcher enforces it before any handler runs. An operator certificate without a (known)
 * role is refused for the admin realm.
 */
#ifndef LTY_ACTOR_H
#define LTY_ACTOR_H

#include "lty/lty_limits.h"
#include "lty/lty_tls.h"

#include <stdint.h>
#include <string.h>

/** Operator roles. Numbers are not stored anywhere: the certificate carries the name. */
typedef enum lty_operator_role {
    LTY_OPERATOR_ROLE_NONE = 0,       /* not an operator, or a certificate without a role */
    LTY_OPERATOR_ROLE_VIEWER = 1,     /* reads everything but personal-data export */
    LTY_OPERATOR_ROLE_SUPERVISOR = 2, /* cashier supervisor: cards, members, small corrections */
    LTY_OPERATOR_ROLE_MARKETING = 3,  /* members, tiers, card stock, campaigns */
    LTY_OPERATOR_ROLE_FINANCE = 4,    /* reports, settlement, adjustments, close, prepaid */
    LTY_OPERATOR_ROLE_ADMIN = 5,      /* everything */
} lty_operator_role_t;

#define LTY_OPERATOR_ROLES_COUNT 6
#define LTY_OPERATOR_ROLE_NAME_BYTES_MAX 16 /* fits lty_tls_peer_t.title */

/** The wire and certificate name of a role: "viewer", "supervisor", "marketing", "finance",
 *  "admin"; "" for NONE. Never NULL. */
static inline const char *lty_operator_role_name(lty_operator_role_t role)
{
    static const char *const names[LTY_OPERATOR_ROLES_COUNT] = {
        "", "viewer", "supervisor", "marketing", "finance", "admin"};
    return (unsigned int)role < LTY_OPERATOR_ROLES_COUNT ? names[role] : "";
}

/** The role named name[0..size), or NONE for an unknown or empty name. */
static inline lty_operator_role_t lty_operator_role_parse(const char *name, size_t size)
{
    for (int role = 1; role < LTY_OPERATOR_ROLES_COUNT; role++) {
        const char *known = lty_operator_role_name((lty_operator_role_t)role);
        if (strlen(known) == size && memcmp(known, name, size) == 0) {
            return (lty_operator_role_t)role;
        }
    }
    return LTY_OPERATOR_ROLE_NONE;
}

typedef struct lty_actor_s {
    lty_role_t role;                               /* NONE means the system (init, sweeps) */
    lty_operator_role_t operator_role;             /* operators: from the certificate */
    char store[LTY_STORE_ID_BYTES_MAX + 1];        /* till's store */
    char till[LTY_TILL_ID_BYTES_MAX + 1];          /* till id */
    char operator_name[LTY_OPERATOR_NAME_BYTES_MAX + 1];
    uint64_t member_id;                            /* portal session */
    char principal[LTY_PRINCIPAL_BYTES_MAX + 1];   /* "till:S001/T01", "operator:alice" */
    char remote_addr[LTY_REMOTE_ADDR_BYTES_MAX + 1]; /* client address of the request, or "" */
} lty_actor_t;

#endif
