#!/usr/bin/env bash
# Goal: a commit that fails (a disk error at the moment of fsync) over the real network path is a
# clear, retryable 503 commit_failed that stores nothing, not even the idempotency key, and the
# till's retry with the same key applies the sale exactly once; the fault-injection route exists
# only when loyaltyd runs with --test-faults (404 not_found otherwise, and nothing is injected).
# Method: POST /v1/admin/faults {"commit_failures": N} (lty_store_fault_commit_fail) on a demo
# store; loyaltyctl stats snapshots prove "unchanged"; loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
# No idempotency sweep during the test: it commits too, and would take an injected failure.
jq '.sweep_interval_ms = 86400000' "$LTY_DATA/loyaltyd.conf" >"$LTY_TMP/conf" &&
    mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
sale_body() { # RECEIPT CENTS
    echo '{"card_no":"'$DEMO_CARD'","receipt_no":"'$1'","lines":[{"sku":"A","qty":1,"amount_cents":'$2'}]}'
}
points() { request till GET "/v1/till/cards/$DEMO_CARD" && json .points; }

# Without --test-faults the route does not exist, and nothing is injected.
lty_start
request op POST /v1/admin/faults '{"commit_failures":1}'
expect_error "faults route without --test-faults" 404 not_found
request till POST /v1/till/sales "$(sale_body F-0 1000)" -H "Idempotency-Key: f-0"
check "the next sale commits (201): nothing was injected" test "$STATUS" = 201
lty_stop

lty_start --test-faults
request till POST /v1/admin/faults '{"commit_failures":1}'
expect_error "a till may not inject faults" 403 forbidden
request op POST /v1/admin/faults '{"commit_failures":-1}'
expect_error "a negative count is refused" 422 invalid_field
request op POST /v1/admin/faults '{"commit_failures":1001}'
expect_error "a count over 1000 is refused" 422 invalid_field
request op POST /v1/admin/faults '{"commit_failures":1,"disk":"full"}'
expect_error "an unknown field is refused" 422 invalid_field

START=$(points)
snapshot before
request op POST /v1/admin/faults '{"commit_failures":1}'
check "one commit failure injected (200)" test "$STATUS/$(json .commit_failures)" = 200/1
request till POST /v1/till/sales "$(sale_body F-1 12345)" -H "Idempotency-Key: f-1"
expect_error "the sale whose commit fails" 503 commit_failed
check "the refusal is not a replay" bash -c '! grep -qi "^Idempotent-Replayed" <<<"$1"' _ "$HEADERS"
unchanged "a failed commit" before
check "the balance is unchanged after the failed commit" test "$(points)" = "$START"

request till POST /v1/till/sales "$(sale_body F-1 12345)" -H "Idempotency-Key: f-1"
FIRST=$BODY
check "the retry with the same key applies the sale (201, 123 points)" \
    test "$STATUS/$(json .points_earned)/$(json .points_balance)" = "201/123/$((START + 123))"
check "the retry is a first application, not a replay" \
    bash -c '! grep -qi "^Idempotent-Replayed" <<<"$1"' _ "$HEADERS"
request till POST /v1/till/sales "$(sale_body F-1 12345)" -H "Idempotency-Key: f-1"
check "a further retry replays the same response" test "$STATUS" = 201 -a "$BODY" = "$FIRST"
check "and says so (Idempotent-Replayed: true)" grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS"
check "the sale counted once" test "$(points)" = "$((START + 123))"

# Several failures in a row, each refused alike; 0 clears what is left.
snapshot before_three
request op POST /v1/admin/faults '{"commit_failures":3}'
request till POST /v1/till/sales "$(sale_body F-2 500)" -H "Idempotency-Key: f-2"
expect_error "first of three failing commits" 503 commit_failed
request op POST /v1/admin/adjustments '{"member_id":1,"points":7,"reason":"goodwill"}' \
    -H "Idempotency-Key: f-adj"
expect_error "an operator's adjustment fails alike" 503 commit_failed
unchanged "two failed commits" before_three
request op POST /v1/admin/faults '{"commit_failures":0}'
check "0 clears the failure left (200)" test "$STATUS/$(json .commit_failures)" = 200/0
request till POST /v1/till/sales "$(sale_body F-2 500)" -H "Idempotency-Key: f-2"
check "the sale applies after clearing (201)" test "$STATUS/$(json .points_earned)" = 201/5
request op POST /v1/admin/adjustments '{"member_id":1,"points":7,"reason":"goodwill"}' \
    -H "Idempotency-Key: f-adj"
check "the adjustment applies after clearing (201)" test "$STATUS" = 201
# The demo card belongs to member 1: the sale's 5 points and the adjustment's 7, once each.
check "each applied once" test "$(points)" = "$((START + 123 + 5 + 7))"
lty_finish
