/* SPDX-License-Identifier: MIT */
/* The command table of loyaltyctl: one entry per operator action. main.c dispatches from it,
 * help.c renders it as --help, the man page and bash completion, so the three never disagree.
 * To add a command, add its entry here (noun, verb, arguments, options, handler, summary, help)
 * and its handler in cmd_<noun>.c; aliases keep the spellings of earlier releases working. */
#include "cli.h"

/* Options most API commands share. */
#define MUTATING "idempotency-key"
#define MONEY "idempotency-key dry-run"

const lty_cli_option_info_t lty_cli_options[LTY_OPT_COUNT] = {
#define LTY_CLI_OPTION_INFO(id, name, value, metavar, global, help)                              \
    {name, value, metavar, global, help},
    LTY_CLI_OPTIONS(LTY_CLI_OPTION_INFO)
#undef LTY_CLI_OPTION_INFO
};

const lty_cli_command_t lty_cli_commands[] = {
    /* ---- members ---- */
    {"member", "create", "", 0, 0, "name! phone! email birthday gender preferred-store " MONEY,
     lty_cli_member_create, "enrol a member",
     "Enrols a member with a name and a unique phone number; prints the new profile with its "
     "member_id. Refused with phone_taken when another member has the phone.", NULL},
    {"member", "show", "MEMBER_ID", 1, 1, "", lty_cli_member_show,
     "profile, points, prepaid balance and cards",
     "Prints the member's profile, balances and every card with its status and expiry.", NULL},
    {"member", "search", "", 0, 0, "phone card-no name after limit csv", lty_cli_member_search,
     "find members by phone, card number or name prefix",
     "Give exactly one of --phone, --card-no or --name (a prefix, case-insensitive). Pages with "
     "--after (the next_after printed) and --limit.", NULL},
    {"member", "update", "MEMBER_ID", 1, 1,
     "name phone email birthday gender preferred-store " MONEY, lty_cli_member_update,
     "change profile fields",
     "Changes only the fields given; each change is audited with its old and new value. An "
     "empty value clears an optional field.", NULL},
    {"member", "audit", "MEMBER_ID", 1, 1, "after limit csv", lty_cli_member_audit,
     "the member's audit log, newest first",
     "Who changed what and when: profile changes, cards, adjustments, tiers, close.", NULL},
    {"member", "journal", "MEMBER_ID", 1, 1, "after limit csv", lty_cli_member_journal,
     "the member's journal entries, newest first",
     "Every points and prepaid movement with its postings: where the points went.", NULL},
    {"member", "close", "MEMBER_ID", 1, 1, "reason! payout! erase-personal-data store " MONEY,
     lty_cli_member_close, "close the account: pay out prepaid, forfeit points",
     "Pays the prepaid remainder out (--payout cash or bank_transfer), forfeits the points to "
     "breakage and closes every card, in one journal entry. With --erase-personal-data the "
     "profile is anonymised. --dry-run shows the amounts without closing.", NULL},
    {"member", "tiers", "MEMBER_ID", 1, 1, "csv", lty_cli_member_tiers,
     "tier, qualifying value, next tier and tier history",
     "Shows the tier held, the rolling qualifying value, what the next tier still needs, and "
     "the history of tier changes.", NULL},
    {"member", "import", "FILE.csv", 1, 1, "rejects dry-run batch idempotency-key",
     lty_cli_member_import, "bulk-enrol members with cards, tiers and opening balances",
     "Reads a CSV with the header name,phone,email,card_no,tier,points,prepaid_cents (every "
     "column but name and phone may be empty) and enrols the members in requests of up to 500 "
     "(POST /v1/admin/members/batches). Each row is checked by the daemon: a bad phone, a card "
     "number that fails its check digit or is taken, a negative balance or an unknown tier "
     "rejects that row only; rows with invalid UTF-8 or a missing column are rejected before "
     "sending. Opening balances are journaled as migration entries. Rejected rows are written "
     "to the --rejects file with a reason column. A re-run of the same file applies nothing "
     "twice: each request's key derives from its content. A progress bar with rate and ETA "
     "shows on a terminal, plain lines otherwise. Exit 1 when any row was rejected.", NULL},
    {"member", "export", "FILE.csv", 1, 1, "", lty_cli_member_export,
     "write every member as CSV, in the import's columns",
     "Writes name,phone,email,card_no,tier,points,prepaid_cents for every active member (one "
     "line per member, with its first active card), so the file imports again.", NULL},
    /* ---- cards ---- */
    {"card", "issue", "MEMBER_ID", 1, 1, MUTATING, lty_cli_card_issue,
     "issue a new card to a member",
     "Mints a new card number (never reused) for the member; prints it with its expiry.", NULL},
    {"card", "batch", "", 0, 0, "count! out! idempotency-key", lty_cli_card_batch,
     "mint unassigned card numbers for printing into a CSV file",
     "Mints --count unassigned card numbers (requests of 500) into the CSV file --out; they "
     "are activated at a till on first scan. A re-run with the same --idempotency-key gets the "
     "same numbers back.", NULL},
    {"card", "lost", "CARD_NO", 1, 1, "reason " MUTATING, lty_cli_card_lost,
     "report a card lost: refused at every till at once",
     "The balances stay on the member's accounts; replace the card to go on.", NULL},
    {"card", "replace", "CARD_NO", 1, 1, MUTATING, lty_cli_card_replace,
     "issue a new card for the same member; the old number is blocked for ever", "", NULL},
    {"card", "extend", "CARD_NO", 1, 1, "days " MUTATING, lty_cli_card_extend,
     "move a card's validity date",
     "Extends by --days (default the programme's card validity) from the later of today and "
     "the current expiry; an expired card becomes active again.", NULL},
    {"card", "pin-reset", "CARD_NO", 1, 1, MUTATING, lty_cli_card_pin_reset,
     "one-time code for the member to set a new PIN at a till",
     "Prints an 8-digit reset code valid one day; the member types it on the PIN pad with the "
     "new PIN.", NULL},
    /* ---- points, prepaid, tiers ---- */
    {"points", "adjust", "MEMBER_ID POINTS", 2, 2, "reason! " MONEY, lty_cli_points_adjust,
     "correct a member's points (positive or negative) with a reason",
     "One adjust journal entry. Refused with insufficient_points below zero.", NULL},
    {"prepaid", "topup", "MEMBER_ID AMOUNT", 2, 2, "tender! reason! " MONEY,
     lty_cli_prepaid_topup, "add prepaid money to a member (AMOUNT in currency units: 50.00)",
     "One topup journal entry; refused over the programme's single top-up or balance limit.",
     NULL},
    {"tier", "review", "", 0, 0, MONEY, lty_cli_tier_review,
     "review every member above the base tier now (downgrades only)",
     "The daemon also runs it every tier_review_interval_ms.", NULL},
    /* ---- reports ---- */
    {"report", "settlement", "", 0, 0, "from! to store csv html", lty_cli_report,
     "per store, till and UTC day: sales, points, prepaid, tenders; totals",
     "Reconciles exactly with the journal's postings.", NULL},
    {"report", "liability", "", 0, 0, "csv html", lty_cli_report,
     "outstanding points and prepaid, valued, by tier and store; what expires in 30/60/90 days",
     "Points are valued at the programme's redemption value. By store means the store where "
     "the points were earned (migrated and operator points: head office).", NULL},
    {"report", "breakage", "", 0, 0, "from! to csv html", lty_cli_report,
     "points expired or forfeited per month, against points issued",
     "Breakage is points that left members unredeemed: expiry and account close.", NULL},
    {"report", "prepaid-float", "", 0, 0, "csv html", lty_cli_report,
     "prepaid money held for members, by tier, and the cash accounts behind it",
     "The float is what the programme owes members in prepaid balances.", NULL},
    /* the analytics reports (docs/analytics.md) */
    {"report", "rfm", "", 0, 0, "as-of window-days csv html", lty_cli_report,
     "members per RFM segment: recency, frequency and money scored 1-5 by quintile",
     "Open members with a purchase; returns net out of the purchases they return.", NULL},
    {"report", "pareto", "", 0, 0, "from to top-percent store csv html", lty_cli_report,
     "the best members' share of member sales (basis points), and the curve by decile",
     "Members with net sales above zero in the period; ties at the cut go to the lower id.",
     NULL},
    {"report", "lifecycle", "", 0, 0, "as-of months csv html", lty_cli_report,
     "members per lifecycle stage at each month's end, and the flows between stages",
     "Stages: new, active, lapsing, lapsed, closed, from the programme's thresholds.", NULL},
    {"report", "churn", "", 0, 0, "as-of limit csv html", lty_cli_report,
     "members past 3 times their own median interval between purchases, ranked",
     "At least 3 purchase days; the factor and minimum are programme settings.", NULL},
    {"report", "health", "", 0, 0, "as-of months csv html", lty_cli_report,
     "active members and enrolment per store, points and liability, tiers, campaigns",
     "Campaigns are segment runs, with their uplift against the days before and a holdout.",
     NULL},
    {"member", "data-export", "MEMBER_ID", 1, 1, "", lty_cli_member_data_export,
     "everything stored about one member, for a data-protection access request",
     "Prints the document of GET /v1/admin/members/ID/export (admin role): profile, consents, "
     "balances, cards, PIN metadata, tier history, journal and audit records. The export is "
     "itself recorded on the audit trail.", NULL},
    /* ---- the audit trail ---- */
    {"audit", "list", "", 0, 0, "after limit csv", lty_cli_audit,
     "the audit trail, oldest first, with each record's hash",
     "Who did what, when, from where, with old and new values: operator actions and security "
     "events. Pages with --after (the next_after printed). `data verify` checks the chain.",
     NULL},
    {"report", "commission", "", 0, 0, "from! to store csv html", lty_cli_report,
     "per staff member: sales, cards, top-ups, commission, claw-backs, balance owed",
     "Local days of the programme's time zone. Commission is paid on sales, card activations "
     "and top-ups that name the staff member; returns claw it back.", NULL},
    /* ---- the programme: stores, staff, settings, rules, bonuses, expiry ---- */
    {"store", "add", "STORE_ID", 1, 1, "name! region " MUTATING, lty_cli_store_add,
     "register a store: its tills may then sell",
     "A till whose store is not registered is refused with store_not_found.", NULL},
    {"store", "list", "", 0, 0, "csv", lty_cli_store_list, "the stores with their status", "",
     NULL},
    {"store", "rename", "STORE_ID", 1, 1, "name! " MUTATING, lty_cli_store_rename,
     "change a store's name (audited)", "", NULL},
    {"store", "close", "STORE_ID", 1, 1, MUTATING, lty_cli_store_close,
     "close a store: its tills are refused with store_closed", "", NULL},
    {"staff", "add", "STAFF_ID", 1, 1, "name! store! " MUTATING, lty_cli_staff_add,
     "add a staff member who may be named on sales, activations and top-ups",
     "Commission is paid into the staff member's own commission-payable account.", NULL},
    {"staff", "list", "", 0, 0, "store csv", lty_cli_staff_list,
     "the staff, all or of one store", "", NULL},
    {"staff", "deactivate", "STAFF_ID", 1, 1, MUTATING, lty_cli_staff_deactivate,
     "a deactivated staff member is refused on sales (staff_not_found)",
     "Commission already earned stays, and returns still claw it back.", NULL},
    {"programme", "show", "", 0, 0, "", lty_cli_programme_show,
     "the programme's settings with their version",
     "With --json, the file `programme set` takes back.", NULL},
    {"programme", "set", "FILE", 1, 1, MUTATING, lty_cli_programme_set,
     "replace the programme's settings from a file (live for the next request)",
     "FILE holds every key and the version it was read at (`programme show --json`). A change "
     "made since is refused with version_conflict; a bad value with invalid_field naming it.",
     NULL},
    {"rules", "add", "FILE", 1, 1, MUTATING, lty_cli_rules_add,
     "add an earning rule or campaign from a JSON file",
     "The rule's name, match, effect, stacking and caps (docs/programme.md); it applies from "
     "the next sale.", NULL},
    {"rules", "list", "", 0, 0, "all csv", lty_cli_rules_list,
     "the active and paused rules (--all: ended ones too)", "", NULL},
    {"rules", "pause", "RULE_ID", 1, 1, MUTATING, lty_cli_rules_status,
     "stop applying a rule until it is resumed", "", NULL},
    {"rules", "resume", "RULE_ID", 1, 1, MUTATING, lty_cli_rules_status,
     "apply a paused rule again", "", NULL},
    {"rules", "end", "RULE_ID", 1, 1, MUTATING, lty_cli_rules_status,
     "end a rule for good (kept for the sales that name it)", "", NULL},
    {"bonus", "grant", "[MEMBER_ID...]", 0, 1000000,
     "points! reason! bonus-key expires members dry-run", lty_cli_bonus_grant,
     "grant bonus points to members, once per member per bonus key",
     "Sends the members in requests of 500 with progress on stderr. A run that stops half way "
     "is run again with the --bonus-key printed first: members who got the bonus are not "
     "granted twice.", NULL},
    {"expiry", "sweep", "", 0, 0, "dry-run", lty_cli_expiry_sweep,
     "expire the points of lots past their expiry now (the daemon also runs it hourly)",
     "Each lot is expired once: running it again changes nothing.", NULL},
    {"report", "coupons", "", 0, 0, "csv html", lty_cli_report,
     "campaign performance: issued, redeemed, discount given, sales with a coupon",
     "One line per campaign from its totals (docs/coupons.md): coupons issued, live uses, the "
     "discount they gave, the sales that carried one, and the uses given back by returns.", NULL},
    {"report", "gifts", "", 0, 0, "store csv html", lty_cli_report,
     "gift stock and redemptions per gift and store",
     "Per gift and stock (central, or a store's): units added, reserved, handed over and "
     "available; redemptions, cancelled and expired ones.", NULL},
    /* ---- coupons and vouchers (cmd_coupons.c) ---- */
    {"coupons", "create", "JSON", 1, 1, MUTATING, lty_cli_coupons_create,
     "create a coupon campaign from its terms",
     "JSON is the campaign as the API takes it, e.g. '{\"name\":\"Spring 5 off\",\"kind\":"
     "\"amount_off\",\"amount_off_cents\":500,\"min_spend_cents\":2000}' (docs/coupons.md).",
     NULL},
    {"coupons", "list", "", 0, 0, "after limit csv", lty_cli_coupons_list,
     "campaigns with their terms and totals", "", NULL},
    {"coupons", "show", "CAMPAIGN_ID", 1, 1, "", lty_cli_coupons_show, "one campaign", "", NULL},
    {"coupons", "pause", "CAMPAIGN_ID", 1, 1, MUTATING, lty_cli_coupons_pause,
     "refuse the campaign's coupons until resumed", "", NULL},
    {"coupons", "resume", "CAMPAIGN_ID", 1, 1, MUTATING, lty_cli_coupons_resume,
     "accept a paused campaign's coupons again", "", NULL},
    {"coupons", "end", "CAMPAIGN_ID", 1, 1, MUTATING, lty_cli_coupons_end,
     "end a campaign for good: its coupons expire", "", NULL},
    {"coupons", "codes", "[CAMPAIGN_ID]", 0, 1, "campaign count! out! idempotency-key",
     lty_cli_coupons_codes, "mint printable codes into a CSV file",
     "Writes code,campaign_id,expires_at lines to --out. The daemon signs at most 100 codes a "
     "request; request i carries the key <base>-<i>, so a re-run with the same "
     "--idempotency-key writes the same codes again instead of minting new ones.", NULL},
    {"coupons", "issue", "CAMPAIGN_ID MEMBER_ID...", 2, 101, "issue-key " MUTATING,
     lty_cli_coupons_issue, "issue a coupon into members' wallets",
     "With --issue-key, once per member per key: a member served before gets their coupon "
     "back.", NULL},
    {"coupons", "wallet", "MEMBER_ID", 1, 1, "csv", lty_cli_coupons_wallet,
     "a member's coupons with their state", "", NULL},
    {"coupons", "offer", "CAMPAIGN_ID POINTS", 2, 2, "name " MUTATING, lty_cli_coupons_offer,
     "offer one of the campaign's coupons for POINTS points (a voucher)", "", NULL},
    {"coupons", "offers", "", 0, 0, "csv", lty_cli_coupons_offers, "the voucher offers", "",
     NULL},
    {"coupons", "voucher", "MEMBER_ID OFFER_ID", 2, 2, MUTATING, lty_cli_coupons_voucher,
     "turn a member's points into a voucher",
     "One transaction: the offer's price leaves the member's lots, the coupon lands in the "
     "wallet. Refused with insufficient_points.", NULL},
    {"coupons", "conflicts", "", 0, 0, "store csv", lty_cli_coupons_conflicts,
     "coupons accepted offline that could not be honoured when the sale was forwarded",
     "Each names the code's campaign, the refusal, the forwarded sale and, for coupon_used, the "
     "use that won; --store lists those a store is on either side of.", NULL},
    /* ---- gifts (cmd_coupons.c) ---- */
    {"gifts", "create", "JSON", 1, 1, MUTATING, lty_cli_gifts_create,
     "add a gift to the catalogue",
     "JSON as the API takes it, e.g. '{\"name\":\"Tea towel\",\"points_price\":300,"
     "\"stock\":10}', or store_stock:[{\"store\",\"stock\"}] for stock per store.", NULL},
    {"gifts", "list", "", 0, 0, "csv", lty_cli_gifts_list, "the catalogue with stock", "", NULL},
    {"gifts", "show", "GIFT_ID", 1, 1, "", lty_cli_gifts_show, "one gift and its stock", "",
     NULL},
    {"gifts", "stock", "GIFT_ID UNITS", 2, 2, "store " MUTATING, lty_cli_gifts_stock,
     "add units to the central stock (or a store's, with --store)", "", NULL},
    {"gifts", "withdraw", "GIFT_ID", 1, 1, MUTATING, lty_cli_gifts_withdraw,
     "stop offering a gift", "", NULL},
    {"gifts", "redeem", "MEMBER_ID GIFT_ID", 2, 2, "store " MUTATING, lty_cli_gifts_redeem,
     "redeem a member's points for a gift (reserved until handed over)",
     "Debits the points and reserves one unit in one transaction; refused with out_of_stock "
     "or insufficient_points.", NULL},
    {"gifts", "redemptions", "", 0, 0, "member after csv", lty_cli_gifts_redemptions,
     "gift redemptions", "", NULL},
    {"gifts", "cancel", "REDEMPTION_ID", 1, 1, MUTATING, lty_cli_gifts_cancel,
     "cancel a reservation: stock freed, points back into their lots", "", NULL},
    /* ---- segments and their runs (cmd_segments.c, docs/analytics.md) ---- */
    {"segment", "create", "FILE", 1, 1, MUTATING, lty_cli_segment_create,
     "save a segment: a name and a member filter, from a JSON file",
     "FILE is the segment as the API takes it, e.g. {\"name\":\"champions\",\"filter\":"
     "{\"rfm_segments\":[\"champions\"]}}: rfm_segments, stages, tiers, home_store, "
     "spend_min_cents, spend_max_cents, window_days, birthday_month, category, category_days, "
     "consent; every criterion given must hold. Refused with invalid_field naming the key.",
     NULL},
    {"segment", "list", "", 0, 0, "after limit csv", lty_cli_segment_list,
     "the saved segments with their filters", "Pages with --after (the next_after printed).",
     NULL},
    {"segment", "show", "SEGMENT_ID", 1, 1, "", lty_cli_segment_show,
     "one segment and its filter", "Refused with not_found for an unknown segment.", NULL},
    {"segment", "members", "SEGMENT_ID", 1, 1, "after limit as-of csv", lty_cli_segment_members,
     "the member ids the segment holds now (or --as-of a day)",
     "The filter is evaluated when read; members_count is the whole segment, members one page "
     "of ids (--limit, default 100; the next page --after the next_after printed).", NULL},
    {"segment", "run", "SEGMENT_ID", 1, 1, "bonus coupon reason holdout service " MONEY,
     lty_cli_segment_run, "grant a bonus (--bonus, --reason) or a coupon (--coupon) to a segment",
     "Takes the segment's members as of now and grants each once: a marketing run (the "
     "default; --service: not one) skips members without any consent; --holdout keeps a share "
     "out to measure uplift. Up to 1,000 members the answer shows the run done, a larger one "
     "goes on in steps (segment run-show). The same command sent again with its "
     "--idempotency-key (logged in ctl-keys.log) finds the same run and grants nobody twice.",
     NULL},
    {"segment", "run-show", "SEGMENT_ID RUN_ID", 2, 2, "", lty_cli_segment_run_show,
     "a run's state and counts: members, recorded, held out, skipped, granted", "", NULL},
    /* ---- the event feed and webhooks (cmd_events.c, docs/replication.md) ---- */
    {"events", "list", "", 0, 0, "after limit csv", lty_cli_events_list,
     "the journal as events, in sequence order",
     "Each event: seq, type (points.earned, prepaid.topped_up, ...), member_id, created_at and "
     "the journal entry. Page with --after the next_after printed (more says whether the "
     "journal holds more); --limit 1..200, default 100.", NULL},
    {"webhook", "add", "URL", 1, 1, "types! after-seq " MUTATING, lty_cli_webhook_add,
     "subscribe an http:// URL to event types; prints the signing secret once",
     "Every event of the --types given ('*': all) after --after-seq (default: from now) is "
     "POSTed to URL, signed with HMAC-SHA256 under the secret printed here and never again. "
     "Refused with invalid_field for a URL that is not http:// or a malformed type.", NULL},
    {"webhook", "list", "", 0, 0, "csv", lty_cli_webhook_list,
     "the subscriptions with their cursor, failures and dead letters", "", NULL},
    {"webhook", "deliveries", "SUBSCRIPTION_ID", 1, 1, "csv", lty_cli_webhook_deliveries,
     "a subscription's delivery attempts, newest first",
     "Each attempt's sequence, outcome (delivered, failed, dead), HTTP status and detail.",
     NULL},
    {"webhook", "dead-letters", "SUBSCRIPTION_ID", 1, 1, "csv", lty_cli_webhook_dead_letters,
     "the events a subscription gave up on after its attempts", "", NULL},
    {"webhook", "replay", "SUBSCRIPTION_ID", 1, 1, "after-seq! " MUTATING,
     lty_cli_webhook_replay, "send a subscription's events after --after-seq again",
     "Moves the subscription's cursor back to --after-seq; receivers must accept an event "
     "twice (deliveries are at least once).", NULL},
    /* ---- certificates ---- */
    {"cert", "till", "STORE TILL", 2, 2, "out valid-days ca-dir", lty_cli_cert_till,
     "issue a till certificate bundle for STORE/TILL from the programme CA",
     "Writes till-STORE-TILL.crt, .key and ca.crt into --out (created when missing; default "
     "DIR/tls) and records the serial and expiry in DIR/tls/issued.tsv. Signs with the CA key "
     "in DIR.ca/ (or --ca-dir): it is never inside the data directory.", NULL},
    {"cert", "operator", "NAME", 1, 1, "role! out valid-days ca-dir", lty_cli_cert_operator,
     "issue an operator certificate bundle naming the operator's role",
     "Writes operator-NAME.crt, .key and ca.crt into --out (created when missing). --role "
     "(viewer, supervisor, marketing, finance, admin) goes into the certificate's subject "
     "(title) and decides which admin routes the operator may call (docs/security.md).", NULL},
    {"cert", "list", "", 0, 0, "csv", lty_cli_cert_list,
     "the issued certificates with role, name, expiry and revocation", "", NULL},
    {"cert", "revoke", "CERT_FILE|SERIAL", 1, 1, "no-reload", lty_cli_cert_revoke,
     "refuse a certificate from the next handshake on",
     "Adds the serial to DIR/tls/revoked.txt and sends SIGHUP to the daemon of DIR "
     "(DIR/loyaltyd.pid), which reloads the list: every new connection with that certificate "
     "is refused.", NULL},
    {"cert", "rotate", "", 0, 0, "valid-days no-reload ca-dir", lty_cli_cert_rotate,
     "replace the server certificate and key, then reload the daemon",
     "Issues a new server certificate from the programme CA, keeps the old pair as "
     "server.crt.old/server.key.old, and signals the daemon.", NULL},
    /* ---- the daemon ---- */
    {"daemon", "health", "", 0, 0, "", lty_cli_daemon_health, "GET /healthz of the daemon", "",
     NULL},
    {"daemon", "reload", "", 0, 0, "", lty_cli_daemon_reload,
     "make the daemon of DIR reload its certificates and revocation list (SIGHUP)", "", NULL},
    /* ---- the data directory (daemon stopped or running) ---- */
    {"data", "init", "DIR", 1, 1, "demo ca-dir", lty_cli_init,
     "create a data directory: config, CA and server certificate, empty ledger",
     "The programme CA's private key goes into DIR.ca/ beside DIR (or --ca-dir), never into "
     "DIR: the daemon refuses to start with it inside. Keep DIR.ca/ off the server.", NULL},
    {"data", "verify", "DIR", 1, 1, "", lty_cli_verify,
     "recompute every balance from the journal and check every invariant",
     "Exit 0 when sound, 1 naming each problem; --json also gives the content digest (the "
     "same before and after anything that changes nothing).", NULL},
    {"data", "backup", "DIR OUT", 2, 2, "", lty_cli_backup,
     "consistent compacted hot copy into OUT (a new data directory)", "", NULL},
    {"data", "restore", "BACKUP DIR", 2, 2, "", lty_cli_restore,
     "make DIR a copy of the backup BACKUP after verifying it (the daemon of DIR stopped)",
     "Refuses a backup that does not verify and a DIR that exists and is not empty.", NULL},
    {"data", "migrate", "DIR", 1, 1, "", lty_cli_migrate,
     "bring the ledger to this build's schema (the daemon stopped)",
     "loyaltyd migrates at start too; take a backup first to be able to go back.", NULL},
    {"data", "stats", "DIR", 1, 1, "", lty_cli_stats,
     "record counts, content digests and balance totals of the ledger", "", NULL},
    /* ---- earlier spellings, kept for scripts ---- */
    {"init", NULL, "DIR", 1, 1, "demo ca-dir", lty_cli_init, "", "", "data init"},
    {"verify", NULL, "DIR", 1, 1, "", lty_cli_verify, "", "", "data verify"},
    {"backup", NULL, "DIR OUT", 2, 2, "", lty_cli_backup, "", "", "data backup"},
    {"stats", NULL, "DIR", 1, 1, "", lty_cli_stats, "", "", "data stats"},
    {"health", NULL, "", 0, 0, "", lty_cli_daemon_health, "", "", "daemon health"},
    {"audit", NULL, "", 0, 0, "after limit csv", lty_cli_audit, "", "", "audit list"},
    {"journal", NULL, "MEMBER_ID", 1, 1, "after limit csv", lty_cli_member_journal, "", "",
     "member journal"},
    {"adjust", NULL, "MEMBER_ID POINTS", 2, 2, "reason! " MONEY, lty_cli_points_adjust, "", "",
     "points adjust"},
    {"cards", "batch", "", 0, 0, "count! out! idempotency-key", lty_cli_card_batch, "", "",
     "card batch"},
    {"till", "add", "STORE TILL", 2, 2, "out valid-days ca-dir", lty_cli_cert_till, "", "",
     "cert till"},
    {"operator", "add", "NAME", 1, 1, "role! out valid-days ca-dir", lty_cli_cert_operator, "",
     "", "cert operator"},
};

const size_t lty_cli_commands_count = sizeof(lty_cli_commands) / sizeof(lty_cli_commands[0]);
