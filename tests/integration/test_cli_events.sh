#!/usr/bin/env bash
# Goal: `loyaltyctl events list` pages the journal as events, and the webhook commands do their
# job over the admin API: add (the secret printed once), list, deliveries, dead-letters and
# replay (the same replay with its key again applies once). Refusals exit 1 naming the daemon's
# code, usage errors exit 2, and neither changes the store (verify's digest before and after).
# Method: the real daemon over TLS; the subscription points at a closed port on 127.0.0.1, so
# no receiver is needed: its attempts fail, are logged, and end as a dead letter. Waiting for
# them polls `webhook dead-letters`, bounded in count: a condition, not a sleep. Verify at the
# end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
conf="$LTY_DATA/loyaltyd.conf"
jq '. + {webhook_timeout_ms: 300, webhook_backoff_initial_ms: 20, webhook_backoff_max_ms: 50,
         webhook_attempts_max: 2}' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
lty_start
FIRST=$(awk '!/^#/ {print $1; exit}' "$LTY_DATA/demo-members.txt")

# ---- events list ----
ctl points adjust "$FIRST" 40 --reason "for the feed" --json
check "an adjustment to see in the feed" test "$RC" = 0
ctl events list --json
LAST=$(jq -r '.events[-1].seq' <<<"$OUT")
check "events list --json: the journal as events, the adjustment last" \
    test "$RC/$(jq -r '.events[-1].type' <<<"$OUT")/$(jq -r '.events[-1].member_id' <<<"$OUT")/$(jq -r .next_after <<<"$OUT")" = "0/points.adjusted/$FIRST/$LAST"
TOTAL=$(jq '.events | length' <<<"$OUT")
ctl events list --limit 2 --json
NEXT=$(jq -r .next_after <<<"$OUT")
check "events list --limit 2: two events, more to come" \
    test "$RC/$(jq '.events | length' <<<"$OUT")/$(jq -r .more <<<"$OUT")" = "0/2/true"
ctl events list --after "$NEXT" --json
check "events list --after next_after: the rest, in sequence order" \
    test "$RC/$(jq '.events | length' <<<"$OUT")/$(jq '[.events[].seq] == ([.events[].seq] | sort)' <<<"$OUT")/$(jq -r '.events[0].seq > '"$NEXT" <<<"$OUT")" = "0/$((TOTAL - 2))/true/true"
ctl events list --after "$LAST" --json
check "events list after the last sequence: none, and no more" \
    test "$RC/$(jq '.events | length' <<<"$OUT")/$(jq -r .more <<<"$OUT")" = "0/0/false"
ctl events list --csv
check "events list --csv: a header and one row per event" \
    test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1,2)/$(tail -n +2 <<<"$OUT" | wc -l)" = "0/seq,type/$TOTAL"
ctl events list
check "events list prints a table" bash -c "[[ $RC == 0 ]] && grep -q 'points.adjusted' <<<\"\$0\"" "$OUT"
ctl events list --limit 500
expect_exit "events list --limit above the page maximum" 2 "--limit"
ctl events list --after -1
expect_exit "events list --after a negative sequence" 2 "--after"

# ---- webhook refusals, before any subscription (whose deliveries write to the store) ----
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D0=$(digest)
ctl webhook add ftp://example.com/hooks --types '*'
expect_exit "webhook add of a URL that is not http://" 1 "422 invalid_field"
ctl webhook add "http://127.0.0.1:$DEAD_PORT/hooks" --types 'Points!'
expect_exit "webhook add of a malformed event type" 1 "422 invalid_field"
ctl webhook add "http://127.0.0.1:$DEAD_PORT/hooks"
expect_exit "webhook add without --types" 2 "--types is required"
ctl webhook add "http://127.0.0.1:$DEAD_PORT/hooks" --types '*' --after-seq -3
expect_exit "webhook add with a negative --after-seq" 2 "--after-seq"
ctl webhook replay 999 --after-seq 0
expect_exit "webhook replay of an unknown subscription" 1 "404 not_found"
ctl webhook replay 999
expect_exit "webhook replay without --after-seq" 2 "--after-seq is required"
ctl webhook deliveries 999
expect_exit "webhook deliveries of an unknown subscription" 1 "404 not_found"
ctl webhook dead-letters 999
expect_exit "webhook dead-letters of an unknown subscription" 1 "404 not_found"
ctl webhook deliveries abc
expect_exit "webhook deliveries with a malformed id" 2 "SUBSCRIPTION_ID"
check "the refusals changed nothing (digest)" test "$(digest)" = "$D0"

# ---- add, list, deliveries, dead letters ----
ctl webhook add "http://127.0.0.1:$DEAD_PORT/hooks" --types points.adjusted,points.bonus \
    --after-seq $((LAST - 1)) --json
SUB=$(jq -r .subscription_id <<<"$OUT")
check "webhook add --json: the subscription from the sequence given, its types" \
    test "$RC/$(jq -r .cursor_seq <<<"$OUT")/$(jq -r '.event_types | join(",")' <<<"$OUT")" = "0/$((LAST - 1))/points.adjusted,points.bonus"
check "webhook add: the secret, 64 hex digits, and a word to keep it" \
    bash -c "[[ \$(jq -r .secret <<<\"\$0\") =~ ^[0-9a-f]{64}\$ ]] && grep -q 'never shown again' <<<\"\$1\"" "$OUT" "$ERR"
ctl webhook list --json
check "webhook list --json: the subscription, without its secret" \
    test "$RC/$(jq -r ".subscriptions[] | select(.subscription_id == $SUB) | .url" <<<"$OUT")/$(jq -r '.subscriptions[0] | has("secret")' <<<"$OUT")" = "0/http://127.0.0.1:$DEAD_PORT/hooks/false"
ctl webhook list --csv
check "webhook list --csv: a header and the subscription" \
    test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1)/$(grep -c "$DEAD_PORT" <<<"$OUT")" = "0/subscription_id/1"

dead_letters() {
    local tries
    for ((tries = 0; tries < 600; tries++)); do
        ctl webhook dead-letters "$SUB" --json
        [[ "$RC" == 0 && "$(jq '.dead_letters | length' <<<"$OUT")" -ge 1 ]] && return 0
        sleep 0.05
    done
    return 1
}
check "the adjustment to the closed port became a dead letter" dead_letters
check "webhook dead-letters --json: the adjustment's sequence, its last attempt" \
    test "$(jq -r '.dead_letters[0].seq' <<<"$OUT")/$(jq -r '.dead_letters[0].outcome' <<<"$OUT")/$(jq -r '.dead_letters[0].attempt' <<<"$OUT")" = "$LAST/dead/2"
ctl webhook deliveries "$SUB" --json
check "webhook deliveries --json: the failed attempts, newest first" \
    test "$RC/$(jq '[.deliveries[] | select(.seq == '"$LAST"')] | length' <<<"$OUT")/$(jq -r '.deliveries[-1].outcome' <<<"$OUT")" = "0/2/failed"
ctl webhook deliveries "$SUB" --csv
check "webhook deliveries --csv: a header and the attempts" \
    test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1-3)/$(tail -n +2 <<<"$OUT" | wc -l)" = "0/seq,attempt,outcome/2"
ctl webhook list --json
check "webhook list: the cursor past the dead letter, one dead letter counted" \
    test "$(jq -r ".subscriptions[] | select(.subscription_id == $SUB) | \"\(.cursor_seq)/\(.dead_letters)\"" <<<"$OUT")" = "$LAST/1"

# ---- replay ----
ctl webhook replay "$SUB" --after-seq $((LAST - 1)) --idempotency-key cli-replay-1 --json
check "webhook replay --json: the cursor moved back" \
    test "$RC/$(jq -r .cursor_seq <<<"$OUT")" = "0/$((LAST - 1))"
ctl webhook replay "$SUB" --after-seq $((LAST - 1)) --idempotency-key cli-replay-1 --json
check "the same replay with its key again: the first answer" \
    test "$RC/$(jq -r .cursor_seq <<<"$OUT")" = "0/$((LAST - 1))"
ctl webhook replay "$SUB" --after-seq 0 --idempotency-key cli-replay-1
expect_exit "the replay's key with another sequence" 1 "idempotency_key_reused"
audit_all
check "the subscription and one replay are on the audit trail" \
    test "$(jq -r '[.[] | select(.action | startswith("webhook.")) | .action] | join(",")' "$LTY_TMP/audit.json")" = "webhook.create,webhook.replay"

lty_finish
