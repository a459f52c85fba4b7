#!/usr/bin/env bash
# Goal: the gift catalogue over real TLS. A gift is created with central stock, a
# till redeems it (points debited and stock reserved in one transaction), the reservation is
# handed over at a till or cancelled with the points back in the lots they came from, a stock
# of 10 raced by 50 concurrent redemptions serves exactly 10 and debits points exactly 10 times,
# per-store stock is reserved and handed over at its store, the scheduler expires an
# uncollected reservation (stock freed, points back), every refusal (out_of_stock,
# insufficient_points, gift_not_found, gift_not_available, redemption_not_found,
# redemption_closed) leaves the store unchanged, the stock report adds up, and loyaltyctl verify
# passes after each part.
# Method: loyaltyd with --test-clock and a 50 ms scheduler interval; 50 background curls (50
# connections) and `wait`; polls with a deadline for the scheduler (no sleeps).
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
jq '.tier_review_interval_ms = 50' "$LTY_DATA/loyaltyd.conf" >"$LTY_TMP/conf" &&
    mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
lty_start --test-clock
DAY=86400000

op_post() { request op POST "$1" "$2" -H "Idempotency-Key: $(key)"; }
till_post() { request till POST "$1" "$2" -H "Idempotency-Key: $(key)"; }
points_of() { # points_of MEMBER_ID
    request op GET "/v1/admin/members/$1"
    json .points
}
op_post /v1/admin/adjustments '{"member_id":1,"points":5000,"reason":"gift test"}'
check "member 1 gets 5,000 points" test "$STATUS" = "201"

# ---- A gift, redeemed at a till, handed over ----------------------------------------------------
op_post /v1/admin/gifts '{"name":"Tea towel","points_price":300,"stock":10}'
TOWEL=$(json .gift_id)
check "gift created -> 201 {gift_id} (the demo's is 1)" test "$STATUS/$TOWEL/$(json .available)" = "201/2/10"
P0=$(points_of 1)
till_post /v1/till/gift-redemptions '{"card_no":"'$DEMO_CARD'","gift_id":'$TOWEL'}'
check "redeemed at the till: reserved, 300 points, 9 left" \
    test "$STATUS/$(json .status)/$(json .points)/$(json .available)" = "201/reserved/300/9"
R1=$(json .redemption_id)
check "points debited once: $((P0 - 300))" test "$(json .points_balance)" = "$((P0 - 300))"
request till POST /v1/till/gift-redemptions/$R1/hand-over '' -H "Idempotency-Key: $(key)"
check "handed over at the till" test "$STATUS/$(json .status)" = "200/handed_over"
snapshot closed
request till POST /v1/till/gift-redemptions/$R1/hand-over '' -H "Idempotency-Key: $(key)"
expect_error "handed over twice" 409 redemption_closed
request till POST /v1/till/gift-redemptions/$R1/cancel '' -H "Idempotency-Key: $(key)"
expect_error "cancel after hand-over" 409 redemption_closed
unchanged "redemption_closed" closed

# ---- Cancel: the points go back to the lots they came from -----------------------------------------
till_post /v1/till/gift-redemptions '{"card_no":"'$DEMO_CARD'","gift_id":'$TOWEL'}'
R2=$(json .redemption_id)
request op POST /v1/admin/gift-redemptions/$R2/cancel '' -H "Idempotency-Key: $(key)"
check "cancelled by an operator: stock back to 9, points back" \
    test "$STATUS/$(json .status)/$(json .available)/$(json .points_balance)" = "200/cancelled/9/$((P0 - 300))"
request op GET "/v1/admin/members/1/journal?limit=1"
check "journal: gift_cancel of +300 naming the gift entry" \
    test "$(json '.entries[0].kind')/$(json '[.entries[0].postings[] | select(.account == "member-points") | .amount] | add')" = "gift_cancel/300"
lty_verify

# ---- Refusals ---------------------------------------------------------------------------------------
snapshot refusals
till_post /v1/till/gift-redemptions '{"card_no":"'$DEMO_CARD'","gift_id":999}'
expect_error "unknown gift" 404 gift_not_found
op_post /v1/admin/members/4/gift-redemptions '{"gift_id":'$TOWEL'}'
expect_error "a member without 300 points" 409 insufficient_points
request op POST /v1/admin/gift-redemptions/999/cancel '' -H "Idempotency-Key: $(key)"
expect_error "unknown redemption" 404 redemption_not_found
unchanged "gift refusals" refusals
op_post /v1/admin/gifts '{"name":"Umbrella","points_price":100,"stock":1,"per_member_limit":1}'
UMBRELLA=$(json .gift_id)
till_post /v1/till/gift-redemptions '{"card_no":"'$DEMO_CARD'","gift_id":'$UMBRELLA'}'
check "the one umbrella reserved" test "$STATUS/$(json .available)" = "201/0"
snapshot limit
till_post /v1/till/gift-redemptions '{"card_no":"'$DEMO_CARD'","gift_id":'$UMBRELLA'}'
expect_error "a second one for the same member (limit 1)" 409 gift_not_available
op_post /v1/admin/members/2/gift-redemptions '{"gift_id":'$UMBRELLA'}'
expect_error "nothing left for member 2" 409 out_of_stock
request op PATCH /v1/admin/gifts/$UMBRELLA '{"active":false}' -H "Idempotency-Key: $(key)"
check "withdrawn" test "$STATUS/$(json .active)" = "200/false"
op_post /v1/admin/members/2/gift-redemptions '{"gift_id":'$UMBRELLA'}'
expect_error "a withdrawn gift" 409 gift_not_available
request op PATCH /v1/admin/gifts/$UMBRELLA '{"active":true,"stock":1}' -H "Idempotency-Key: $(key)"
check "offered again with one more in stock" test "$STATUS/$(json .available)" = "200/1"
lty_verify

# ---- A stock of 10 raced by 50 redemptions ----------------------------------------------------------
op_post /v1/admin/gifts '{"name":"Mug","points_price":10,"stock":10}'
MUG=$(json .gift_id)
P1=$(points_of 1)
request op GET "/v1/admin/members/1/journal?limit=200"
GIFTS_BEFORE=$(json '[.entries[] | select(.kind == "gift")] | length')
pids=()
for index in $(seq 1 50); do
    curl -sS --max-time 30 --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -X POST \
        -H 'Content-Type: application/json' -H "Idempotency-Key: mug-$index" \
        --data-binary '{"card_no":"'$DEMO_CARD'","gift_id":'$MUG'}' \
        -o "$LTY_TMP/mug.$index.body" -w '%{http_code}\n' "$BASE/v1/till/gift-redemptions" \
        >"$LTY_TMP/mug.$index.status" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
WON=$(cat "$LTY_TMP"/mug.*.status | grep -c '^201$')
OUT=$(cat "$LTY_TMP"/mug.*.body | jq -r '.error.code // empty' | grep -c '^out_of_stock$')
check "50 tills race for 10 mugs: exactly 10 win ($WON), 40 out_of_stock ($OUT)" \
    test "$WON/$OUT" = "10/40"
check "points debited exactly 10 times: $P1 -> $((P1 - 100))" test "$(points_of 1)" = "$((P1 - 100))"
request op GET "/v1/admin/members/1/journal?limit=200"
check "10 more gift entries in the journal" \
    test "$(json '[.entries[] | select(.kind == "gift")] | length')" = "$((GIFTS_BEFORE + 10))"
request op GET /v1/admin/gifts/$MUG
check "the mug's stock: 10 added, 10 reserved, 0 available (never negative)" \
    test "$(json '.stock[0]|"\(.added)/\(.reserved)/\(.available)"')" = "10/10/0"
lty_verify

# ---- Stock per store ---------------------------------------------------------------------------------
op_post /v1/admin/gifts '{"name":"Rice cooker","points_price":200,"cash_cents":9900,"store_stock":[{"store":"S001","stock":1},{"store":"S002","stock":2}]}'
check "per-store gift" test "$STATUS/$(json .stock_mode)/$(json .available)" = "201/per_store/3"
COOKER=$(json .gift_id)
op_post /v1/admin/members/1/gift-redemptions '{"gift_id":'$COOKER'}'
expect_error "an operator must name the store of a per-store gift" 422 invalid_field
op_post /v1/admin/members/1/gift-redemptions '{"gift_id":'$COOKER',"store":"S002"}'
check "reserved at S002, points plus cash" \
    test "$STATUS/$(json .store)/$(json .cash_cents)" = "201/S002/9900"
R_S002=$(json .redemption_id)
request till POST /v1/till/gift-redemptions/$R_S002/hand-over '' -H "Idempotency-Key: $(key)"
expect_error "S001's till cannot hand over S002's reservation" 409 gift_not_available
op_post /v1/admin/members/1/gift-redemptions '{"gift_id":'$COOKER',"store":"S003"}'
expect_error "no stock at S003" 409 gift_not_available
till_post /v1/till/gift-redemptions '{"card_no":"'$DEMO_CARD'","gift_id":'$COOKER'}'
check "the till reserves its own store's one" test "$STATUS/$(json .store)/$(json .available)" = "201/S001/0"
lty_verify

# ---- An uncollected reservation expires (the scheduler) ------------------------------------------------
P2=$(points_of 1)
request op GET /v1/admin/gifts/$UMBRELLA
check "one umbrella available before" test "$(json .available)" = "1"
till_post /v1/till/gift-redemptions '{"card_no":"'$(sed -n 2p "$LTY_DATA/demo-cards.txt")'","gift_id":'$UMBRELLA'}'
R_EXPIRE=$(json .redemption_id)
check "member 2 reserves it (14 days)" test "$STATUS/$(json .available)" = "201/0"
request op POST /v1/admin/clock '{"offset_ms":'$((15 * DAY))'}'
deadline=$((SECONDS + 30))
until request op GET "/v1/admin/gift-redemptions?status=expired" &&
    [[ "$(json '[.redemptions[].redemption_id] | index('$R_EXPIRE')')" != "null" ]]; do
    ((SECONDS < deadline)) || break
done
check "the scheduler expired it" test "$(json '[.redemptions[] | select(.redemption_id == '$R_EXPIRE') | .status][0]')" = "expired"
request op GET /v1/admin/gifts/$UMBRELLA
check "its stock is free again (member 1's umbrella, reserved earlier, expired too)" \
    test "$(json .available)/$(json '.stock[0].reserved')" = "2/0"
check "member 1's expired reservations gave their points back (umbrella 100, two cookers 400, ten mugs 100)" \
    test "$(points_of 1)" = "$((P2 + 600))"
request op POST /v1/admin/clock '{"offset_ms":0}'

# ---- Report -------------------------------------------------------------------------------------------
request op GET /v1/admin/reports/gifts
check "report: the tea towel row (10 added, 1 handed over, 1 cancelled of 2)" \
    test "$(json '.rows[] | select(.gift_id == '$TOWEL') | "\(.added)/\(.handed_over)/\(.cancelled_count)/\(.redemptions_count)"')" = "10/1/1/2"
request op GET "/v1/admin/reports/gifts?store=S002"
check "report per store: S002's rice cookers (the reservation expired with the others)" \
    test "$(json '[.rows[] | .store] | unique | join(",")')/$(json '.rows[0].expired_count')/$(json '.rows[0].available')" = "S002/1/2"

# ---- loyaltyctl gifts and report ---------------------------------------------------------------
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1)
"${CTL[@]}" gifts create '{"name":"Pen","points_price":50,"stock":3}' --json >"$LTY_TMP/cli.gift" 2>&1
PEN=$(jq -r .gift_id "$LTY_TMP/cli.gift")
check "loyaltyctl gifts create" test "$(jq -r .available "$LTY_TMP/cli.gift")" = "3"
"${CTL[@]}" gifts stock "$PEN" 2 >/dev/null 2>&1
"${CTL[@]}" gifts redeem 1 "$PEN" --json >"$LTY_TMP/cli.redeem" 2>&1
check "loyaltyctl gifts stock and redeem: 4 left" test "$(jq -r .available "$LTY_TMP/cli.redeem")" = "4"
"${CTL[@]}" gifts cancel "$(jq -r .redemption_id "$LTY_TMP/cli.redeem")" --json >"$LTY_TMP/cli.cancel" 2>&1
check "loyaltyctl gifts cancel" test "$(jq -r .status "$LTY_TMP/cli.cancel")" = "cancelled"
"${CTL[@]}" report gifts >"$LTY_TMP/report.txt" 2>&1
check "loyaltyctl report gifts: the pen row" grep -Eq "^[0-9]+ +Pen +5 +0 +0 +5 +1 +1 +0 +0 *$" "$LTY_TMP/report.txt"
lty_finish
