#!/usr/bin/env bash
# Goal: returns over real TLS. Partial then full return of a mixed-tender sale (pro-rata refunds
# by tender, redeemed points back into their lots, earned points taken back, amounts that add up
# exactly to the sale), till scoping (another store's till may not take a sale back: 403, store
# unchanged; the selling store's other till may), every refusal (double return,
# more than sold, unknown sku or disagreeing fields, unknown sale) with the store unchanged, a
# return after the points were spent (negative balance, redemption blocked, the floor), and 12
# tills returning units of one sale at once. Ends with loyaltyctl verify.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
CARD2=$(sed -n 2p "$LTY_DATA/demo-cards.txt")
CARD3=$(sed -n 3p "$LTY_DATA/demo-cards.txt")

request till GET "/v1/till/cards/$DEMO_CARD"
MEMBER=$(json .member_id)
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":100000,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
check "top-up 1,000.00" test "$STATUS/$(json .prepaid_cents)" = "201/100000"
POINTS0=$(json .points_balance)

# ---- A mixed-tender sale: 40.00 = points 5.00 (500 points) + prepaid 20.00 + cash 15.00 ----
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"R-1","lines":[{"sku":"APPLE","category":"fruit","qty":3,"amount_cents":3000},{"sku":"BREAD","qty":1,"amount_cents":1000}],"redeem_points":500,"tenders":[{"type":"prepaid","amount_cents":2000},{"type":"cash","amount_cents":1500}]}' \
    -H "Idempotency-Key: $(key)"
SALE1=$(json .sale_id)
EARNED1=$(json .points_earned)
check "sale R-1 -> 201, prepaid 98000" test "$STATUS/$(json .prepaid_cents)" = "201/98000"
POINTS1=$(json .points_balance)

# Return 1 of 3 apples: value 10.00 = points 1.25 (125 points) + prepaid 5.00 + cash 3.75
request till POST /v1/till/returns '{"sale_id":'$SALE1',"lines":[{"sku":"APPLE","qty":1,"amount_cents":3000}]}' \
    -H "Idempotency-Key: $(key)"
check "partial return -> 201 partly_returned, 1 unit, 10.00" \
    test "$STATUS/$(json .sale_status)/$(json .qty_returned)/$(json .refund_cents)" = "201/partly_returned/1/1000"
check "refunds by tender: prepaid 500, cash 375, bank card 0, outside 0" \
    test "$(json '.refunds|"\(.prepaid_cents)/\(.cash_cents)/\(.bank_card_cents)/\(.outside_cents)"')" = "500/375/0/0"
TAKEN1=$(json .points_taken_back)
check "points: 125 redeemed back, earned taken back pro rata (floor($EARNED1/4))" \
    test "$(json .points_refunded)/$TAKEN1" = "125/$((EARNED1 / 4))"
check "balances shown: prepaid 98500, points $((POINTS1 + 125 - TAKEN1))" \
    test "$(json .prepaid_cents)/$(json .points_balance)" = "98500/$((POINTS1 + 125 - TAKEN1))"
RETURN1=$(json .entry_id)

request op GET "/v1/admin/members/$MEMBER/journal?limit=1"
check "journal: kind return, related_entry_id = the sale" \
    test "$(json '.entries[0]|"\(.kind)/\(.related_entry_id)/\(.entry_id)"')" = "return/$SALE1/$RETURN1"

# Everything left, by receipt_no (the till's own store by default)
request till POST /v1/till/returns '{"receipt_no":"R-1"}' -H "Idempotency-Key: $(key)"
check "return of everything left -> returned, 3 units, 30.00" \
    test "$STATUS/$(json .sale_status)/$(json .qty_returned)/$(json .refund_cents)" = "201/returned/3/3000"
check "the two returns add up to the sale: prepaid 2000, cash 1500, points 500, earned all" \
    test "$((500 + $(json .refunds.prepaid_cents)))/$((375 + $(json .refunds.cash_cents)))/$((125 + $(json .points_refunded)))/$((TAKEN1 + $(json .points_taken_back)))" = "2000/1500/500/$EARNED1"
check "balances back where they were before the sale" \
    test "$(json .prepaid_cents)/$(json .points_balance)" = "100000/$POINTS0"
check "sale lines show qty_returned" test "$(json '[.lines[].qty_returned]|join(",")')" = "3,1"

# ---- Refusals ----------------------------------------------------------------------------
snapshot refused
request till POST /v1/till/returns '{"sale_id":'$SALE1'}' -H "Idempotency-Key: $(key)"
expect_error "double return (everything)" 409 already_returned
request till POST /v1/till/returns '{"sale_id":'$SALE1',"lines":[{"sku":"BREAD","qty":1}]}' -H "Idempotency-Key: $(key)"
expect_error "double return (a line)" 409 already_returned
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"R-2","lines":[{"sku":"MILK","qty":2,"amount_cents":1000}]}' \
    -H "Idempotency-Key: $(key)"
SALE2=$(json .sale_id)
snapshot refused
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"MILK","qty":3}]}' -H "Idempotency-Key: $(key)"
expect_error "return of more than sold" 409 return_exceeds_sale
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"MILK","qty":1},{"sku":"MILK","qty":2}]}' -H "Idempotency-Key: $(key)"
expect_error "the same sku twice, more than sold in all" 409 return_exceeds_sale
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"CHEESE","qty":1}]}' -H "Idempotency-Key: $(key)"
expect_error "sku not on the sale" 422 invalid_field
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"MILK","qty":1,"amount_cents":999}]}' -H "Idempotency-Key: $(key)"
expect_error "amount_cents disagrees with the sale line" 422 invalid_field
request till POST /v1/till/returns '{"sale_id":999999}' -H "Idempotency-Key: $(key)"
expect_error "sale that does not exist" 404 sale_not_found
request till POST /v1/till/returns '{"receipt_no":"NO-SUCH"}' -H "Idempotency-Key: $(key)"
expect_error "receipt that does not exist" 404 sale_not_found
request till POST /v1/till/returns '{"sale_id":'$SALE2',"receipt_no":"R-2"}' -H "Idempotency-Key: $(key)"
expect_error "both sale_id and receipt_no" 422 invalid_field
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[]}' -H "Idempotency-Key: $(key)"
expect_error "empty lines" 422 invalid_field
unchanged "refused returns" refused

# Partial then full, one unit at a time
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"MILK","qty":1}]}' -H "Idempotency-Key: $(key)"
check "MILK 1 of 2 -> 5.00 outside the programme" \
    test "$STATUS/$(json .sale_status)/$(json .refunds.outside_cents)" = "201/partly_returned/500"
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"MILK","qty":1}]}' -H "Idempotency-Key: $(key)"
check "MILK 2 of 2 -> returned" test "$STATUS/$(json .sale_status)/$(json .refund_cents)" = "201/returned/500"
snapshot refused
request till POST /v1/till/returns '{"sale_id":'$SALE2',"lines":[{"sku":"MILK","qty":1}]}' -H "Idempotency-Key: $(key)"
expect_error "MILK 3 of 2" 409 already_returned
unchanged "return after a full return" refused

# ---- At another store: refused (till scoping, docs/security.md) ---------------------------
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T01 --out "$LTY_TMP" >/dev/null
"$LOYALTYCTL" --data "$LTY_DATA" till add S001 T02 --out "$LTY_TMP" >/dev/null
OTHER="$LTY_TMP/till-S002-T01"
SAME_STORE="$LTY_TMP/till-S001-T02"
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"R-3","lines":[{"sku":"TEA","qty":1,"amount_cents":2500}],"tenders":[{"type":"bank_card","amount_cents":2500}]}' \
    -H "Idempotency-Key: $(key)"
SALE3=$(json .sale_id)
snapshot other
request "$OTHER" POST /v1/till/returns '{"receipt_no":"R-3"}' -H "Idempotency-Key: $(key)"
expect_error "receipt_no at S002 names S002's receipts" 404 sale_not_found
request "$OTHER" POST /v1/till/returns '{"receipt_no":"R-3","store":"S001"}' -H "Idempotency-Key: $(key)"
expect_error "S002's till may not name S001's receipts" 403 forbidden
request "$OTHER" POST /v1/till/returns '{"receipt_no":"R-3","store":"S009"}' -H "Idempotency-Key: $(key)"
expect_error "nor another store's, known or not" 403 forbidden
request "$OTHER" POST /v1/till/returns '{"sale_id":'$SALE3'}' -H "Idempotency-Key: $(key)"
expect_error "nor take back S001's sale by its id" 403 forbidden
check "the refusal names the store that sold" grep -q "made at store S001" <<<"$BODY"
request "$OTHER" POST "/v1/till/sales/$SALE3/void" "" -H "Idempotency-Key: $(key)"
expect_error "nor void it" 403 void_not_allowed
unchanged "refused returns at another store" other
request "$SAME_STORE" POST /v1/till/returns '{"receipt_no":"R-3"}' -H "Idempotency-Key: $(key)"
check "return of the sale at another till of S001 -> bank card 25.00 back" \
    test "$STATUS/$(json .sale_id)/$(json .store)/$(json .refunds.bank_card_cents)" = "201/$SALE3/S001/2500"
request op GET "/v1/admin/members/$MEMBER/journal?limit=1"
check "the return entry is S001/T02's, the sale's is S001/T01's" \
    test "$(json '.entries[0]|"\(.kind)/\(.store)/\(.till)/\(.related_entry_id)"')" = "return/S001/T02/$SALE3"

# ---- Returns after the points were spent -------------------------------------------------
request till GET "/v1/till/cards/$CARD2"
P2=$(json .points)
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"N-1","lines":[{"sku":"TV","qty":1,"amount_cents":300000}]}' \
    -H "Idempotency-Key: $(key)"
SALE_N1=$(json .sale_id)
E2=$(json .points_earned)
check "member 2 earns on a 3,000.00 TV" test "$STATUS/$(json .points_balance)" = "201/$((P2 + E2))"
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"N-2","lines":[{"sku":"SOFA","qty":1,"amount_cents":'$((P2 + E2))'}],"redeem_points":'$((P2 + E2))'}' \
    -H "Idempotency-Key: $(key)"
check "member 2 spends every point" test "$STATUS/$(json .points_balance)" = "201/0"
request till POST /v1/till/returns '{"sale_id":'$SALE_N1'}' -H "Idempotency-Key: $(key)"
check "TV returned: the earned points are taken back, balance -$E2" \
    test "$STATUS/$(json .points_taken_back)/$(json .points_balance)" = "201/$E2/-$E2"
snapshot blocked
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"N-3","lines":[{"sku":"GUM","qty":1,"amount_cents":100}],"redeem_points":1}' \
    -H "Idempotency-Key: $(key)"
expect_error "redemption while negative" 409 redemption_blocked
unchanged "blocked redemption" blocked
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"N-4","lines":[{"sku":"RICE","qty":1,"amount_cents":'$((E2 * 100 + 500))'}]}' \
    -H "Idempotency-Key: $(key)"
check "earning repays the debt first" test "$STATUS/$(( $(json .points_balance) > 0 ))" = "201/1"
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"N-5","lines":[{"sku":"GUM","qty":1,"amount_cents":100}],"redeem_points":1}' \
    -H "Idempotency-Key: $(key)"
check "redemption works again once positive" test "$STATUS" = "201"

# The floor (demo -10,000): member 3 earns > 10,000 points, spends them, returns the sale
request till POST /v1/till/sales '{"card_no":"'$CARD3'","receipt_no":"F-1","lines":[{"sku":"CAR","qty":4,"amount_cents":2400000}]}' \
    -H "Idempotency-Key: $(key)"
SALE_F1=$(json .sale_id)
E3=$(json .points_earned)
B3=$(json .points_balance)
request till POST /v1/till/sales '{"card_no":"'$CARD3'","receipt_no":"F-2","lines":[{"sku":"BOAT","qty":1,"amount_cents":'$B3'}],"redeem_points":'$B3'}' \
    -H "Idempotency-Key: $(key)"
check "member 3 earned $E3 (> 10,000) and spent them all" test "$STATUS/$(json .points_balance)/$((E3 > 20000))" = "201/0/1"
snapshot floor
request till POST /v1/till/returns '{"sale_id":'$SALE_F1'}' -H "Idempotency-Key: $(key)"
expect_error "return that would take the balance below the floor" 409 points_floor_reached
unchanged "refused below the floor" floor
request till POST /v1/till/returns '{"sale_id":'$SALE_F1',"lines":[{"sku":"CAR","qty":1}]}' -H "Idempotency-Key: $(key)"
check "a quarter of it still fits above the floor (-$((E3 / 4)))" \
    test "$STATUS/$(json .points_balance)" = "201/-$((E3 / 4))"

# ---- Concurrency: 12 tills return one unit each of a 5-unit line at once ------------------
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"C-1","lines":[{"sku":"EGG","qty":5,"amount_cents":1003}],"tenders":[{"type":"prepaid","amount_cents":1003}]}' \
    -H "Idempotency-Key: $(key)"
SALE_C=$(json .sale_id)
PREPAID_C=$(json .prepaid_cents)
pids=()
for index in $(seq 1 12); do
    curl -sS --max-time 20 --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -X POST \
        -H 'Content-Type: application/json' -H "Idempotency-Key: conc-$index-$SALE_C" \
        --data-binary '{"sale_id":'$SALE_C',"lines":[{"sku":"EGG","qty":1}]}' \
        -o "$LTY_TMP/conc.$index.body" -w '%{http_code}\n' "$BASE/v1/till/returns" \
        >"$LTY_TMP/conc.$index.status" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
ok=$(cat "$LTY_TMP"/conc.*.status | grep -c '^201$')
refused=$(cat "$LTY_TMP"/conc.*.body | jq -r '.error.code // empty' | grep -c '^already_returned$')
check "12 concurrent returns of 5 units: 5 accepted, 7 already_returned" test "$ok/$refused" = "5/7"
refunded=$(cat "$LTY_TMP"/conc.*.body | jq -s '[.[] | .refunds.prepaid_cents // 0] | add')
check "the five refunds add up to the prepaid tendered exactly (1003)" test "$refunded" = "1003"
request till GET "/v1/till/cards/$DEMO_CARD"
check "prepaid balance ends exact" test "$(json .prepaid_cents)" = "$((PREPAID_C + 1003))"

lty_finish
