#!/usr/bin/env bash
# Goal: webhooks deliver every event at least once, in order per member, with a valid
# HMAC-SHA256 signature, through a receiver that fails, times out and recovers, and across a
# daemon kill -9; attempts that run out become dead letters; the delivery log and a replay
# are there for the operator.
# Method: a Python receiver (tests/support/webhook_receiver.py) whose answers follow a plan
# ("fail fail timeout timeout", then ok). Sales for two members and a top-up; the daemon is
# killed with SIGKILL while it delivers, restarted, and more sales follow. The receiver's log
# must then hold a 200-answered delivery of every sequence after the subscription began, each
# signature must check out with the subscription's secret, and per member the first deliveries
# must come in increasing sequence. A second subscription to a closed port ends in dead letters.
# Waiting for deliveries polls the receiver's log, bounded in count: a condition, not a sleep.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"

lty_init_demo
conf="$LTY_DATA/loyaltyd.conf"
jq '. + {webhook_timeout_ms: 300, webhook_backoff_initial_ms: 50, webhook_backoff_max_ms: 200,
         webhook_attempts_max: 6}' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
CARD2=$(sed -n 2p "$LTY_DATA/demo-cards.txt")

RECEIVER_LOG="$LTY_TMP/receiver.log"
PLAN="$LTY_TMP/plan"
: >"$RECEIVER_LOG"
echo "fail fail timeout timeout" >"$PLAN"
fifo="$LTY_TMP/receiver.ready"
mkfifo "$fifo"
python3 "$LTY_SOURCE_DIR/tests/support/webhook_receiver.py" "$RECEIVER_LOG" "$PLAN" 3>"$fifo" &
RECEIVER_PID=$!
read -r -t 30 RECEIVER_PORT <"$fifo"
trap 'kill "$RECEIVER_PID" 2>/dev/null; lty_cleanup' EXIT
check "the receiver listens" test -n "$RECEIVER_PORT"

lty_start
request op POST /v1/admin/webhooks '{"url":"http://127.0.0.1:'"$RECEIVER_PORT"'/hooks","event_types":["*"]}' \
    -H "Idempotency-Key: $(key)"
check "a subscription to every event type (201)" test "$STATUS" = 201
SUB=$(json .subscription_id)
SECRET=$(json .secret)
START=$(json .cursor_seq)
check "its secret is shown once, 64 hex digits" test "${#SECRET}" = 64
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
request op POST /v1/admin/webhooks '{"url":"http://127.0.0.1:'"$DEAD_PORT"'/gone","event_types":["prepaid.topped_up"]}' \
    -H "Idempotency-Key: $(key)"
check "a subscription to a closed port, top-ups only (201)" test "$STATUS" = 201
DEAD_SUB=$(json .subscription_id)
request op POST /v1/admin/webhooks '{"url":"ftp://x/","event_types":["*"]}' -H "Idempotency-Key: $(key)"
expect_error "a URL that is not http://" 422 invalid_field
request op POST /v1/admin/webhooks '{"url":"http://x/","event_types":["Points!"]}' -H "Idempotency-Key: $(key)"
expect_error "an event type that is not one" 422 invalid_field

sale() { # sale CARD RECEIPT
    request till POST /v1/till/sales '{"card_no":"'$1'","receipt_no":"'$2'","lines":[{"sku":"A","category":"c","qty":1,"amount_cents":3000}]}' \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]]
}
ok=0
for n in 1 2 3 4 5 6; do sale "$DEMO_CARD" "W-a-$n" && ok=$((ok + 1)); sale "$CARD2" "W-b-$n" && ok=$((ok + 1)); done
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":5000,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
[[ "$STATUS" == 201 ]] && ok=$((ok + 1))
check "12 sales and a top-up before the crash ($ok)" test "$ok" = 13

# delivered_up_to SEQ: until the receiver answered 200 for every sequence in (START, SEQ].
delivered_up_to() {
    local target=$1 tries
    for ((tries = 0; tries < 600; tries++)); do
        python3 - "$RECEIVER_LOG" "$START" "$target" <<'PY' && return 0
import json, sys
seen = set()
for line in open(sys.argv[1]):
    record = json.loads(line)
    if record["answer"] == "ok":
        seen.add(json.loads(record["body"])["seq"])
sys.exit(0 if set(range(int(sys.argv[2]) + 1, int(sys.argv[3]) + 1)) <= seen else 1)
PY
        sleep 0.05
    done
    return 1
}
journal_last() { "$LOYALTYCTL" stats "$LTY_DATA" | awk '$1 == "journal" {print $2}'; }

lty_kill # mid-delivery: the receiver's plan is slowing it down
lty_start
for n in 7 8 9; do sale "$DEMO_CARD" "W-a-$n"; sale "$CARD2" "W-b-$n"; done
LAST=$(journal_last)
check "after the restart, every event up to $LAST reached the receiver" delivered_up_to "$LAST"

python3 - "$RECEIVER_LOG" "$SECRET" "$START" >"$LTY_TMP/verdict" <<'PY'
import hashlib, hmac, json, sys
log, secret, start = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
bad_signatures = 0
answers = {}
first_by_member = {}
firsts = set()
for line in open(log):
    record = json.loads(line)
    answers[record["answer"]] = answers.get(record["answer"], 0) + 1
    fields = dict(part.split("=", 1) for part in record["signature"].split(","))
    expected = hmac.new(secret, (fields["t"] + "." + record["body"]).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["v1"]):
        bad_signatures += 1
    if record["answer"] != "ok":
        continue
    event = json.loads(record["body"])
    if event["seq"] in firsts:
        continue
    firsts.add(event["seq"])
    first_by_member.setdefault(event.get("member_id", 0), []).append(event["seq"])
in_order = all(seqs == sorted(seqs) for seqs in first_by_member.values())
print(f"bad_signatures={bad_signatures} in_order={int(in_order)} members={len(first_by_member)} "
      f"fail={answers.get('fail', 0)} timeout={answers.get('timeout', 0)} ok={answers.get('ok', 0)}")
PY
verdict=$(cat "$LTY_TMP/verdict")
echo "# receiver: $verdict"
check "every delivery carries a valid HMAC-SHA256 signature" grep -q "bad_signatures=0 " <<<"$verdict"
check "each member's events arrived in sequence order" grep -q "in_order=1 members=2 " <<<"$verdict"
check "the receiver failed twice and timed out twice before it recovered" \
    grep -q "fail=2 timeout=2 " <<<"$verdict"

request op GET "/v1/admin/webhooks/$SUB/deliveries"
check "the delivery log shows the failed attempts (HTTP 500, timeout) and the deliveries" \
    test "$(json '[.deliveries[].detail // empty] | map(select(. == "HTTP 500" or . == "timeout")) | length')" -ge 1 \
    -a "$(json '[.deliveries[] | select(.outcome == "delivered")] | length')" -ge 1
request op GET /v1/admin/webhooks
check "the subscription's cursor reached the last event" \
    test "$(json ".subscriptions[] | select(.subscription_id == $SUB) | .cursor_seq")" = "$LAST"

dead_letters() {
    local tries
    for ((tries = 0; tries < 600; tries++)); do
        request op GET "/v1/admin/webhooks/$DEAD_SUB/dead-letters"
        [[ "$(json '.dead_letters | length')" -ge 1 ]] && return 0
        sleep 0.05
    done
    return 1
}
check "the closed port's top-up became a dead letter after its attempts" dead_letters
check "the dead letter names the top-up's sequence and its last attempt" \
    test "$(json '.dead_letters[0].outcome')/$(json '.dead_letters[0].attempt')" = dead/6
request op POST "/v1/admin/webhooks/$DEAD_SUB/replay" '{"after_seq":0}' -H "Idempotency-Key: $(key)"
check "a replay from sequence 0 moves the cursor back (200)" \
    test "$STATUS/$(json .cursor_seq)" = "200/0"
request op GET "/v1/admin/webhooks/999/deliveries"
expect_error "an unknown subscription" 404 not_found
# Where the programme's events go is an operator's decision: on the audit trail, by whom.
audit_all
jq -r '.[] | select(.action | startswith("webhook.")) | "\(.action) \(.target) \(.by)"' \
    "$LTY_TMP/audit.json" >"$LTY_TMP/webhook-audit"
check "the subscriptions and the replay are on the audit trail, by the operator" \
    test "$(tr '\n' , <"$LTY_TMP/webhook-audit")" = "webhook.create webhook:$SUB operator:demo-operator,\
webhook.create webhook:$DEAD_SUB operator:demo-operator,webhook.replay webhook:$DEAD_SUB operator:demo-operator,"

lty_finish
