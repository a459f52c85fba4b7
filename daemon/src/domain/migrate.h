/* SPDX-License-Identifier: MIT */
/**
 * @file migrate.h
 * The store's schema version (META "schema_version", u32 big-endian) and migrations.
 *
 * Owns: LTY_SCHEMA_VERSION and the migrations from each older version. All of a migration runs
 * in the caller's one write transaction, so a crash or a refusal leaves the older store as it
 * was and the next start runs it again (no backup is needed for that; take one with `loyaltyctl
 * backup` before upgrading if you want to be able to go back to the older build).
 */
#ifndef LTY_MIGRATE_H
#define LTY_MIGRATE_H

#include "store.h"

#include <stdint.h>

/* 2: the card-pins database; sale records may be version 2. Both need no data step:
 * the database is created empty at open and version-1 sales still decode. */
/* 3: the returns database (created empty at open, no data step). */
/* 4: member accounts, journal-by-member, lots and spend-months move into
 * member-ledger under member_id | part (records.h); the four old places are emptied. */
/* 5: PINs move from card-pins to member-pins (a replacement card keeps the PIN); the portal's
 * sessions, sessions-by-member, login-throttle and portal-expiry databases start empty. */
/* 6: webhooks, webhook-log and webhook-dead (created empty at open, no data step). */
/* 7: audit records version 2 in a hash chain (every record rewritten, in order, once); META
 * card_key, the secret of keyed card-number minting (numbers minted before stay valid). */
/* 8: the rules, staff and lots-by-expiry databases; every lot is indexed in
 * lots-by-expiry (the expiry sweep's way in); store records of version 2 and sale records of
 * version 3 decode the older versions; a settings stamp is written. */
/* 9 (coupons and gifts): coupon-campaigns .. gift-reservations, and the member-ledger parts 16..18
 * (wallet, coupon uses per campaign, gift redemptions), all starting empty: no data step. */
/* 10 (analytics): purchase-day records in member-ledger (part 7), built from the sale
 * records; the segments, segment-runs, segment-run-members and segment-runs-by-key databases
 * start empty. */
#define LTY_SCHEMA_VERSION 10u

/** Read the stored version: 0, LTY_E_NOT_FOUND (never initialised), LTY_E_CORRUPT. */
int lty_migrate_version_get(lty_store_txn_t *txn, uint32_t *version_out);

/** Write the stored version (a put: migrations, and tests that make an older store). */
int lty_migrate_version_put(lty_store_txn_t *txn, uint32_t version);

/**
 * Check the schema version at open time (in a read transaction).
 * @return 0 when the store is at LTY_SCHEMA_VERSION; LTY_E_STORE_VERSION when absent (not
 *         initialised: run `loyaltyctl init`) or newer than this build; 1 when it is older and
 *         needs lty_migrate_apply().
 */
int lty_migrate_check(lty_store_txn_t *txn, uint32_t *version_out);

/**
 * Bring an older store up to LTY_SCHEMA_VERSION in one write transaction (txn). Refuses a
 * newer or absent version with LTY_E_STORE_VERSION; a current store is left unchanged.
 */
int lty_migrate_apply(lty_store_txn_t *txn);

#endif
