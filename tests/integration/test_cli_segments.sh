#!/usr/bin/env bash
# Goal: the loyaltyctl segment commands do their job over the admin API and refuse as documented:
# create from a JSON file, list (--json, --csv), show, members (--json, --csv, paged), a bonus
# run (dry run first, then for real; the same command with its key again applies once, the key
# with another body is refused), run-show, and a coupon run of an unknown campaign. Refusals
# exit 1 naming the daemon's code, usage errors exit 2, and neither changes the store (verify's
# digest before and after).
# Method: the real daemon over TLS with the demo programme, loyaltyctl as an operator runs it;
# verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

MEMBERS=$(grep -vc "^#" "$LTY_DATA/demo-members.txt")
FIRST=$(awk '!/^#/ {print $1; exit}' "$LTY_DATA/demo-members.txt")

# ---- create, list, show ----
echo '{"name":"everyone","filter":{}}' >"$LTY_TMP/everyone.json"
ctl segment create "$LTY_TMP/everyone.json" --json
SEGMENT=$(jq -r .segment_id <<<"$OUT")
check "segment create --json: the saved segment" \
    test "$RC/$(jq -r .name <<<"$OUT")/$(jq -c .filter <<<"$OUT")" = "0/everyone/{}"
echo '{"name":"champions","filter":{"rfm_segments":["champions"]}}' >"$LTY_TMP/champions.json"
ctl segment create "$LTY_TMP/champions.json"
check "segment create prints a table (name line)" \
    bash -c "[[ $RC == 0 ]] && grep -q '^name  *champions' <<<\"\$0\"" "$OUT"

D0=$(digest)
echo '{"name":"x","filter":{"colour":"red"}}' >"$LTY_TMP/bad.json"
ctl segment create "$LTY_TMP/bad.json"
expect_exit "segment create with an unknown filter key" 1 "422 invalid_field"
ctl segment create "$LTY_TMP/missing.json"
expect_exit "segment create of a missing file" 1 "missing.json"
ctl segment create
expect_exit "segment create without FILE" 2
check "the refused creations changed nothing (digest)" test "$(digest)" = "$D0"

ctl segment list --json
check "segment list --json: both segments" \
    test "$RC/$(jq -r '[.segments[].name] | join(",")' <<<"$OUT")" = "0/everyone,champions"
ctl segment list --csv
check "segment list --csv: a header and two rows" \
    test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1)/$(tail -n +2 <<<"$OUT" | wc -l)" = "0/segment_id/2"
ctl segment list --limit 1 --json
check "segment list --limit 1: one, and where the next page starts" \
    test "$RC/$(jq '.segments | length' <<<"$OUT")/$(jq -r .next_after <<<"$OUT")" = "0/1/$SEGMENT"
ctl segment list --limit 500
expect_exit "segment list --limit above the page maximum" 2 "--limit"
ctl segment show "$SEGMENT" --json
check "segment show --json" test "$RC/$(jq -r .segment_id <<<"$OUT")" = "0/$SEGMENT"
ctl segment show 999
expect_exit "segment show of an unknown segment" 1 "404 not_found"
ctl segment show abc
expect_exit "segment show with a malformed id" 2 "SEGMENT_ID"

# ---- members ----
ctl segment members "$SEGMENT" --json
check "segment members --json: every demo member ($MEMBERS)" \
    test "$RC/$(jq -r .members_count <<<"$OUT")/$(jq '.members | length' <<<"$OUT")" = "0/$MEMBERS/$MEMBERS"
ctl segment members "$SEGMENT" --limit 2 --json
NEXT=$(jq -r .next_after <<<"$OUT")
check "segment members --limit 2: two ids and the next page" \
    test "$RC/$(jq '.members | length' <<<"$OUT")/$(jq -r '.members[1]' <<<"$OUT")" = "0/2/$NEXT"
ctl segment members "$SEGMENT" --after "$NEXT" --json
check "segment members --after: the rest" \
    test "$RC/$(jq '.members | length' <<<"$OUT")" = "0/$((MEMBERS - 2))"
ctl segment members "$SEGMENT" --csv
check "segment members --csv: a header and one id a line" \
    test "$RC/$(head -1 <<<"$OUT")/$(tail -n +2 <<<"$OUT" | wc -l)/$(sed -n 2p <<<"$OUT")" = "0/members/$MEMBERS/$FIRST"
ctl segment members 999
expect_exit "segment members of an unknown segment" 1 "404 not_found"
ctl segment members "$SEGMENT" --limit 0
expect_exit "segment members --limit 0" 2 "--limit"
ctl segment members "$SEGMENT" --as-of 2026-13-01
expect_exit "segment members --as-of a malformed day" 1 "400 invalid_query"

# ---- runs ----
points_of() { "$LOYALTYCTL" --data "$LTY_DATA" member show "$1" --json | jq -r .points; }
BEFORE=$(points_of "$FIRST")
D1=$(digest)
ctl segment run "$SEGMENT" --bonus 25 --reason "thank you" --service --dry-run --json
check "segment run --dry-run: the run it would make, every member granted" \
    test "$RC/$(jq -r .members <<<"$OUT")/$(jq -r .granted <<<"$OUT")" = "0/$MEMBERS/$MEMBERS"
check "segment run --dry-run changed nothing (digest)" test "$(digest)" = "$D1"
ctl segment run 999 --bonus 25 --reason x
expect_exit "segment run of an unknown segment" 1 "404 not_found"
ctl segment run "$SEGMENT" --coupon 999
expect_exit "a coupon run of an unknown campaign" 1 "404 campaign_not_found"
ctl segment run "$SEGMENT" --bonus 25
expect_exit "a bonus run without --reason" 2 "--reason"
ctl segment run "$SEGMENT" --bonus 25 --coupon 1 --reason x
expect_exit "a run with both --bonus and --coupon" 2 "one of --bonus"
ctl segment run "$SEGMENT"
expect_exit "a run with neither" 2 "one of --bonus"
ctl segment run "$SEGMENT" --bonus 0 --reason x
expect_exit "a bonus of 0 points" 2 "--bonus"
ctl segment run "$SEGMENT" --bonus 25 --reason x --holdout 90
expect_exit "a holdout above the daemon's maximum" 1 "422 invalid_field"
check "the refused runs changed nothing (digest)" test "$(digest)" = "$D1"

ctl segment run "$SEGMENT" --bonus 25 --reason "thank you" --service --idempotency-key cli-run-1 --json
RUN=$(jq -r .run_id <<<"$OUT")
check "segment run: done, every member granted" \
    test "$RC/$(jq -r .state <<<"$OUT")/$(jq -r .granted <<<"$OUT")/$(jq -r .action <<<"$OUT")" = "0/done/$MEMBERS/bonus"
check "the member got the 25 points" test "$(points_of "$FIRST")" = $((BEFORE + 25))
D2=$(digest)
ctl segment run "$SEGMENT" --bonus 25 --reason "thank you" --service --idempotency-key cli-run-1 --json
check "the same run sent again with its key: the same run" \
    test "$RC/$(jq -r .run_id <<<"$OUT")/$(jq -r .granted <<<"$OUT")" = "0/$RUN/$MEMBERS"
check "the run re-sent applied once (digest, points)" \
    test "$(digest)/$(points_of "$FIRST")" = "$D2/$((BEFORE + 25))"
ctl segment run "$SEGMENT" --bonus 50 --reason "thank you" --service --idempotency-key cli-run-1
expect_exit "the run's key with another body" 1 "idempotency_key_reused"
check "the refused re-use changed nothing (digest)" test "$(digest)" = "$D2"
ctl segment run "$SEGMENT" --bonus 5 --reason "keyed by the CLI"
check "a run without --idempotency-key: the CLI's key, logged before sending" \
    bash -c "[[ $RC == 0 ]] && grep -q 'segment run $SEGMENT\$' '$LTY_DATA/ctl-keys.log'"

ctl segment run-show "$SEGMENT" "$RUN" --json
check "segment run-show --json" \
    test "$RC/$(jq -r .run_id <<<"$OUT")/$(jq -r .state <<<"$OUT")/$(jq -r .points <<<"$OUT")" = "0/$RUN/done/25"
ctl segment run-show "$SEGMENT" "$RUN"
check "segment run-show prints a table (state line)" \
    bash -c "[[ $RC == 0 ]] && grep -q '^state  *done' <<<\"\$0\"" "$OUT"
ctl segment run-show "$SEGMENT" 999
expect_exit "run-show of an unknown run" 1 "404 not_found"
ctl segment run-show "$SEGMENT"
expect_exit "run-show without RUN_ID" 2

lty_finish
