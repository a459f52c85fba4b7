#!/usr/bin/env bash
# Goal: a card's life: printed batches never reusing a number, activation at the till
# on the first scan (new or existing member), lost, replacement (old number blocked for ever,
# balance carried over), expiry and extension with the controllable clock, and family cards
# sharing one balance under concurrent sales. Each refusal leaves the store unchanged.
# Method: the real daemon with --test-clock, curl, loyaltyctl (cards batch, stats, verify).
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock

sale() { # sale CARD RECEIPT CENTS [REDEEM]
    request till POST /v1/till/sales '{"card_no":"'$1'","receipt_no":"'$2'","redeem_points":'${4:-0}',"lines":[{"sku":"A","qty":1,"amount_cents":'$3'}]}' \
        -H "Idempotency-Key: $(key)"
}

# Batches through the CLI (the daemon runs): numbers with a Luhn digit, all distinct.
"$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1 cards batch --count 1200 \
    --out "$LTY_TMP/cards.csv" >"$LTY_TMP/batch.out" 2>&1
check "loyaltyctl cards batch --count 1200 wrote 1200 numbers" \
    test "$(tail -n +2 "$LTY_TMP/cards.csv" | wc -l)" = 1200
check "every number is distinct" test "$(tail -n +2 "$LTY_TMP/cards.csv" | sort -u | wc -l)" = 1200
check "no batch number is a demo card" test -z "$(tail -n +2 "$LTY_TMP/cards.csv" | grep -xF -f "$LTY_DATA/demo-cards.txt")"
request op POST /v1/admin/cards/batches '{"count":501}' -H "Idempotency-Key: $(key)"
expect_error "a batch above 500 per request" 422 invalid_field
NEW1=$(sed -n 2p "$LTY_TMP/cards.csv")
NEW2=$(sed -n 3p "$LTY_TMP/cards.csv")
NEW3=$(sed -n 4p "$LTY_TMP/cards.csv")

request till GET "/v1/till/cards/$NEW1"
expect_error "an unassigned card at the till" 409 card_not_activated
snapshot before
request till POST "/v1/till/cards/8800000000000000/activate" '{"phone":"+8613700000001","name":"A"}' -H "Idempotency-Key: $(key)"
expect_error "activate: number failing its check digit" 422 invalid_card_no
UNKNOWN=$(printf '%s' "$NEW1" | sed 's/^88/77/'); UNKNOWN="${UNKNOWN%?}"
for d in 0 1 2 3 4 5 6 7 8 9; do
    request till GET "/v1/till/cards/$UNKNOWN$d"
    [[ "$(json .error.code)" == "card_not_found" ]] && { UNKNOWN="$UNKNOWN$d"; break; }
done
request till POST "/v1/till/cards/$UNKNOWN/activate" '{"phone":"+8613700000001","name":"A"}' -H "Idempotency-Key: $(key)"
expect_error "activate: unknown card" 404 card_not_found
request till POST "/v1/till/cards/$NEW1/activate" '{"phone":"+8613700000001"}' -H "Idempotency-Key: $(key)"
expect_error "activate: new phone without a name" 422 invalid_field
request till POST "/v1/till/cards/$NEW1/activate" '{"phone":"12345","name":"A"}' -H "Idempotency-Key: $(key)"
expect_error "activate: invalid phone" 422 invalid_field
request till POST "/v1/till/cards/$DEMO_CARD/activate" '{"phone":"+8613700000001","name":"A"}' -H "Idempotency-Key: $(key)"
expect_error "activate: an already active card" 409 card_already_active
unchanged "after refused activations" before

request till POST "/v1/till/cards/$NEW1/activate" '{"phone":"+8613700000001","name":"Family Main"}' -H "Idempotency-Key: $(key)"
MEMBER=$(json .member_id)
check "activation enrols a new member (201)" test "$STATUS/$(json .member_created)/$(json .card_status)" = "201/true/active"
request till POST "/v1/till/cards/$NEW2/activate" '{"phone":"+8613700000001"}' -H "Idempotency-Key: $(key)"
check "a second card on the same phone joins that member (family card)" \
    test "$STATUS/$(json .member_created)/$(json .member_id)" = "201/false/$MEMBER"
request till POST "/v1/till/cards/$NEW2/activate" '{"phone":"+8613700000001"}' -H "Idempotency-Key: $(key)"
expect_error "activating it again" 409 card_already_active

# Family cards share one balance: 20 concurrent sales of 10.00 over two cards, 8 at a time.
request op POST /v1/admin/adjustments '{"member_id":'$MEMBER',"points":1000,"reason":"welcome"}' -H "Idempotency-Key: $(key)"
pids=()
for i in $(seq 1 20); do
    card=$NEW1
    if (( i % 2 == 0 )); then card=$NEW2; fi
    curl -sS --max-time 20 --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -o /dev/null \
        -w '%{http_code}\n' -H 'Content-Type: application/json' -H "Idempotency-Key: fam-$i" \
        --data-binary '{"card_no":"'$card'","receipt_no":"F-'$i'","redeem_points":50,"lines":[{"sku":"A","qty":1,"amount_cents":1000}]}' \
        "$BASE/v1/till/sales" >"$LTY_TMP/fam.$i" 2>&1 &
    pids+=($!)
    if (( i % 5 == 0 )); then wait "${pids[@]}"; pids=(); fi # at most 5 in flight
done
check "20 concurrent family sales all recorded" test "$(cat "$LTY_TMP"/fam.* | grep -c '^201$')" = 20
request till GET "/v1/till/cards/$NEW1"
B1=$(json .points)
request till GET "/v1/till/cards/$NEW2"
check "both cards show one exact balance: 1000 - 20*50 + 20*9 = 180" test "$B1/$(json .points)" = "180/180"

# Lost: refused at once at look-up and in a sale; balances stay on the member.
request op POST "/v1/admin/cards/$NEW1/lost" '{"reason":"lost on the bus"}' -H "Idempotency-Key: $(key)"
check "report lost (200, lost)" test "$STATUS/$(json .card_status)" = "200/lost"
snapshot lost
request till GET "/v1/till/cards/$NEW1"
expect_error "look-up of a lost card" 423 card_lost
sale "$NEW1" L-1 1000
expect_error "sale with a lost card" 423 card_lost
unchanged "after the lost card's sale" lost
request till GET "/v1/till/cards/$NEW2"
check "the family card still works with the same balance" test "$STATUS/$(json .points)" = "200/180"
request op POST "/v1/admin/cards/$NEW1/lost" '' -H "Idempotency-Key: $(key)"
check "reporting it lost again changes nothing (200)" test "$STATUS/$(json .card_status)" = "200/lost"
request op POST "/v1/admin/cards/$UNKNOWN/lost" '' -H "Idempotency-Key: $(key)"
expect_error "lost: unknown card" 404 card_not_found
request op POST "/v1/admin/cards/$NEW3/lost" '' -H "Idempotency-Key: $(key)"
expect_error "lost: an unassigned card" 409 card_not_activated

# Replacement: a new number for the same member, the old one blocked for ever.
request op POST "/v1/admin/cards/$NEW1/replace" '' -H "Idempotency-Key: $(key)"
REPL=$(json .card_no)
check "replace (201, new number, same member)"     test "$STATUS/$(json .member_id)/$(json .replaced_card_no)" = "201/$MEMBER/$NEW1" -a "$REPL" != "$NEW1"
request till GET "/v1/till/cards/$REPL"
check "the new card carries the balance" test "$STATUS/$(json .points)" = "200/180"
snapshot replaced
request till GET "/v1/till/cards/$NEW1"
expect_error "look-up of the replaced number" 423 card_replaced
sale "$NEW1" R-1 1000
expect_error "sale with the replaced number" 423 card_replaced
request op POST "/v1/admin/cards/$NEW1/replace" '' -H "Idempotency-Key: $(key)"
expect_error "replacing a replaced card" 423 card_replaced
request op POST "/v1/admin/cards/$NEW1/extend" '' -H "Idempotency-Key: $(key)"
expect_error "extending a replaced card" 423 card_replaced
unchanged "after refusals on the replaced number" replaced

# Expiry (demo: 1095 days) with the test clock, then extension.
request op POST /v1/admin/clock '{"offset_ms":'$((1100 * 86400000))'}'
check "test clock moved 1100 days" test "$STATUS" = 200
snapshot expired
request till GET "/v1/till/cards/$REPL"
expect_error "look-up of an expired card" 423 card_expired
sale "$REPL" E-1 1000
expect_error "sale with an expired card" 423 card_expired
unchanged "after the expired card's sale" expired
request op POST "/v1/admin/cards/$REPL/extend" '{"days":0}' -H "Idempotency-Key: $(key)"
expect_error "extend by 0 days" 422 invalid_field
request op POST "/v1/admin/cards/$REPL/extend" '{"days":365}' -H "Idempotency-Key: $(key)"
check "extend by 365 days (200)" test "$STATUS/$(json .days)/$(json .card_status)" = "200/365/active"
sale "$REPL" E-2 1000
# The 180 points were earned 1100 days ago and their lots expired after 730: the
# balance counts only the 10 just earned.
check "the extended card sells again (balance 10: the old lots expired)" \
    test "$STATUS/$(json .points_balance)" = "201/10"
request op GET "/v1/admin/members/$MEMBER/audit?limit=100"
check "audit shows activation, lost, replace and extend"     test "$(json '[.audit[].action] | (index("card.activate") != null) and (index("card.lost") != null) and (index("card.replace") != null) and (index("card.extend") != null)')" = true
request op POST /v1/admin/clock '{"offset_ms":0}'

lty_finish
