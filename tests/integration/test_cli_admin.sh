#!/usr/bin/env bash
# Goal: the operator's certificate, daemon and data-directory commands, and the reports.
# - cert till/operator write a bundle into a folder they create; cert list shows them with expiry;
#   cert revoke signals the daemon, and the revoked certificate is refused at the next connection
#   (exit 3) while others go on; cert rotate replaces the server certificate live.
# - data backup and restore round trip (verified, same digest); migrate, stats (balance totals),
#   init and verify refusals.
# - report settlement/liability/breakage/prepaid-float agree with the ledger (--json via jq), as
#   CSV, and as a self-contained HTML file (inline SVG, nothing fetched from elsewhere).
# Method: the real daemon over TLS, loyaltyctl; verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

# ---- certificates ----
BUNDLE="$LTY_TMP/bundles/new/folder"
ctl cert operator carol --role viewer --out "$BUNDLE" --json
check "cert operator creates the missing folder and writes the bundle" \
    test "$RC/$(ls "$BUNDLE" | tr '\n' ' ')" = "0/ca.crt operator-carol.crt operator-carol.key "
SERIAL=$(jq -r .serial <<<"$OUT")
ctl cert till S002 T07 --out "$BUNDLE"
check "cert till" test "$RC/$(test -f "$BUNDLE/till-S002-T07.crt" && echo y)" = "0/y"
ctl cert till "S 2" T07
expect_exit "cert till with a malformed store" 2 "STORE and TILL"
ctl cert list --json
check "cert list shows the operator with its expiry, valid" \
    test "$RC/$(jq -r --arg s "$SERIAL" '.certificates[] | select(.serial == $s) | "\(.role)/\(.state)/\(.expires | length)"' <<<"$OUT")" = "0/operator/valid/10"
CAROL=(--cert "$BUNDLE/operator-carol.crt" --key "$BUNDLE/operator-carol.key")
ctl "${CAROL[@]}" member show 1 --json
check "the new operator certificate is served" test "$RC/$(jq -r .member_id <<<"$OUT")" = "0/1"
ctl cert revoke "$BUNDLE/operator-carol.crt"
check "cert revoke signals the daemon" bash -c "[[ $RC == 0 && '$OUT' == *signalled* ]]"
ctl "${CAROL[@]}" member show 1
expect_exit "the revoked certificate is refused at the next connection" 3 "(TLS handshake failed|network error)"
ctl member show 1
check "the other operator certificate still works" test "$RC" = 0
ctl cert list --json
check "cert list shows the revocation" \
    test "$(jq -r --arg s "$SERIAL" '.certificates[] | select(.serial == $s) | .state' <<<"$OUT")" = revoked
ctl cert list --csv
check "cert list --csv: a header and a line per certificate" \
    test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1)/$(grep -c ',operator,carol,' <<<"$OUT")" = "0/serial/1"
ctl cert revoke "not-a-serial!"
expect_exit "cert revoke of neither a file nor a serial" 2
OUT=$("$LOYALTYCTL" --data "$LTY_TMP/nowhere" cert rotate 2>&1); RC=$?; ERR=$OUT
expect_exit "cert rotate without a programme CA" 1 "cannot issue"
ctl cert rotate
check "cert rotate replaces the server certificate" \
    test "$RC/$(test -f "$LTY_DATA/tls/server.crt.old" && echo y)" = "0/y"
check "the server certificate changed" bash -c "! cmp -s '$LTY_DATA/tls/server.crt' '$LTY_DATA/tls/server.crt.old'"
ctl member show 1
check "the daemon serves with the rotated certificate" test "$RC" = 0
ctl daemon health --json
check "daemon health" test "$RC/$(jq -r .status <<<"$OUT")" = "0/ok"
ctl daemon reload
check "daemon reload" test "$RC" = 0
OUT=$("$LOYALTYCTL" --data "$LTY_TMP/nowhere" daemon reload 2>&1); RC=$?; ERR=$OUT
expect_exit "daemon reload where no daemon runs" 3 "no daemon"

# ---- some activity for the reports ----
ctl points adjust 3 250 --reason "report data"
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"R1","lines":[{"sku":"A","qty":1,"amount_cents":2590}]}' \
    -H "Idempotency-Key: $(key)"
check "a sale for the reports" test "$STATUS" = 201
ctl prepaid topup 2 80 --tender cash --reason "report data"
TODAY=$(date -u +%F)

# ---- reports ----
ctl report liability --json
LIABILITY=$OUT
STATS=$("$LOYALTYCTL" stats "$LTY_DATA" --json)
check "report liability: points outstanding = the member-points total of stats" \
    test "$(jq -r .points_outstanding <<<"$LIABILITY")" = "$(jq -r '.balances[] | select(.account == "member-points") | .balance' <<<"$STATS")"
check "report liability: prepaid outstanding = the member-prepaid total" \
    test "$(jq -r .prepaid_outstanding_cents <<<"$LIABILITY")" = "$(jq -r '.balances[] | select(.account == "member-prepaid") | .balance' <<<"$STATS")"
check "report liability: tiers add up to the total" \
    test "$(jq '[.by_tier[].points] | add' <<<"$LIABILITY")" = "$(jq .points_outstanding <<<"$LIABILITY")"
check "report liability: the sale's points are under S001" \
    test "$(jq -r '.by_store[] | select(.store == "S001") | .points' <<<"$LIABILITY")" = 25
check "report liability: 30/60/90-day windows" \
    test "$(jq -c '[.expiring[].within_days]' <<<"$LIABILITY")" = "[30,60,90]"
ctl report liability --csv
check "report liability --csv: one line per tier" test "$RC/$(wc -l <<<"$OUT")" = "0/5"
ctl report breakage --from "$TODAY" --json
check "report breakage: issued = earned + migrated this month" \
    test "$RC/$(jq -r .points_issued <<<"$OUT")/$(jq -r '.months[0].points_earned' <<<"$OUT")" = "0/25/25"
ctl report breakage --from 2026-02-30
expect_exit "report breakage with an impossible date" 1 "400 invalid_query"
ctl report breakage
expect_exit "report breakage without --from" 2 "--from is required"
ctl report prepaid-float --json
check "report prepaid-float: the float equals the members' prepaid" \
    test "$RC/$(jq -r .prepaid_outstanding_cents <<<"$OUT")" = "0/8000"
ctl report settlement --from "$TODAY" --json
check "report settlement --json" test "$RC/$(jq -r .totals.sales_count <<<"$OUT")" = "0/1"
ctl report liability --html "$LTY_TMP/liability.html" --json
expect_exit "--html with --json" 2
ctl report liability --html "$LTY_BUILD_DIR/report-liability.html"
HTML="$LTY_BUILD_DIR/report-liability.html"
check "report liability --html writes the file" test "$RC/$(grep -c '<svg' "$HTML")" = "0/3"
check "the HTML fetches nothing: no src=, no link, no script" \
    bash -c "! grep -Eq '<script|<link|src=|url\\(|https?://[^\"]*\"[^>]*(href|src)' '$HTML'"

# ---- data directory: stats, backup, restore, migrate, init, verify ----
ctl data stats "$LTY_DATA"
check "data stats prints balance totals" bash -c "grep -q '^balance member-points' <<<\"\$0\"" "$OUT"
ctl data backup "$LTY_DATA" "$LTY_TMP/backup"
check "data backup while the daemon serves" test "$RC" = 0
ctl data backup "$LTY_DATA" "$LTY_TMP/backup"
expect_exit "data backup onto an existing folder" 1 "already exists"
BACKUP_DIGEST=$("$LOYALTYCTL" verify "$LTY_TMP/backup" --json | jq -r .digest)
ctl data restore "$LTY_TMP/backup" "$LTY_TMP/restored"
check "data restore of the backup" test "$RC" = 0
ctl data verify "$LTY_TMP/restored" --json
check "the restored directory verifies, with the backup's digest" \
    test "$RC/$(jq -r .sound <<<"$OUT")/$(jq -r .digest <<<"$OUT")" = "0/true/$BACKUP_DIGEST"
ctl data restore "$LTY_TMP/backup" "$LTY_TMP/restored"
expect_exit "data restore into a folder that is not empty" 1 "not empty"
ctl data migrate "$LTY_TMP/restored"
check "data migrate of a current store" bash -c "[[ $RC == 0 && '$OUT' == *already* ]]"
ctl data migrate "$LTY_DATA"
expect_exit "data migrate while the daemon serves" 1 "stop it first"
ctl data init "$LTY_TMP/restored"
expect_exit "data init over an existing directory" 1 "not empty"
ctl data verify "$LTY_TMP/nowhere"
expect_exit "data verify of a missing directory" 1
ctl data stats "$LTY_TMP/nowhere"
expect_exit "data stats of a missing directory" 1
lty_finish
