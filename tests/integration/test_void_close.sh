#!/usr/bin/env bash
# Goal: voids (same till, within the window: the whole sale reversed; refused from another
# till, after the window with the test clock, twice, after a return) and account close (prepaid
# paid out, points forfeited to breakage, cards closed, personal data erased, every later use
# answers 410 account_closed, 8 concurrent closes apply once). Each refusal leaves the store
# unchanged; ends with loyaltyctl verify.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock
CARD2=$(sed -n 2p "$LTY_DATA/demo-cards.txt")
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T01 --out "$LTY_TMP" >/dev/null
OTHER="$LTY_TMP/till-S002-T01"

request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":50000,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
P0=$(json .points_balance)
C0=$(json .prepaid_cents)
SALE='"lines":[{"sku":"WINE","qty":2,"amount_cents":6000}],"redeem_points":300,"tenders":[{"type":"prepaid","amount_cents":4000},{"type":"cash","amount_cents":1700}]'

# ---- Void ----------------------------------------------------------------------------------
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"V-1",'"$SALE"'}' -H "Idempotency-Key: $(key)"
V1=$(json .sale_id)
check "sale V-1 (points 3.00 + prepaid 40.00 + cash 17.00)" test "$STATUS/$(json .prepaid_cents)" = "201/$((C0 - 4000))"
snapshot void
request "$OTHER" POST "/v1/till/sales/$V1/void" '' -H "Idempotency-Key: $(key)"
expect_error "void from another till" 403 void_not_allowed
request till POST "/v1/till/sales/999999/void" '' -H "Idempotency-Key: $(key)"
expect_error "void of a sale that does not exist" 404 sale_not_found
unchanged "refused voids" void
request till POST "/v1/till/sales/$V1/void" '' -H "Idempotency-Key: $(key)"
check "void by the same till -> 201 voided, cash 17.00 back to the customer" \
    test "$STATUS/$(json .sale_status)/$(json .refunds.cash_cents)/$(json .points_refunded)" = "201/voided/1700/300"
check "balances exactly as before the sale" test "$(json .prepaid_cents)/$(json .points_balance)" = "$C0/$P0"
request op GET "/v1/admin/members/$(json .member_id)/journal?limit=1"
check "journal: kind void, related_entry_id = the sale" \
    test "$(json '.entries[0]|"\(.kind)/\(.related_entry_id)"')" = "void/$V1"
snapshot void
request till POST "/v1/till/sales/$V1/void" '' -H "Idempotency-Key: $(key)"
expect_error "void twice" 409 already_voided
request till POST /v1/till/returns '{"sale_id":'$V1'}' -H "Idempotency-Key: $(key)"
expect_error "return of a voided sale" 409 already_voided
unchanged "refused after a void" void

request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"V-2",'"$SALE"'}' -H "Idempotency-Key: $(key)"
V2=$(json .sale_id)
request till POST /v1/till/returns '{"sale_id":'$V2',"lines":[{"sku":"WINE","qty":1}]}' -H "Idempotency-Key: $(key)"
check "partial return of V-2" test "$STATUS" = "201"
snapshot void
request till POST "/v1/till/sales/$V2/void" '' -H "Idempotency-Key: $(key)"
expect_error "void after a return" 409 already_returned
unchanged "refused void after a return" void

request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"V-3",'"$SALE"'}' -H "Idempotency-Key: $(key)"
V3=$(json .sale_id)
request op POST /v1/admin/clock '{"offset_ms":'$((11 * 60000))'}'
check "test clock +11 minutes" test "$STATUS" = "200"
snapshot void
request till POST "/v1/till/sales/$V3/void" '' -H "Idempotency-Key: $(key)"
expect_error "void after the 10-minute window" 409 void_window_closed
unchanged "refused late void" void
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"V-4",'"$SALE"'}' -H "Idempotency-Key: $(key)"
V4=$(json .sale_id)
request op POST /v1/admin/clock '{"offset_ms":'$((11 * 60000 + 9 * 60000))'}'
request till POST "/v1/till/sales/$V4/void" '' -H "Idempotency-Key: $(key)"
check "void 9 minutes after the sale -> 201" test "$STATUS/$(json .sale_status)" = "201/voided"

# ---- Account close -------------------------------------------------------------------------
request till GET "/v1/till/cards/$CARD2"
M2=$(json .member_id)
PTS2=$(json .points)
request op GET "/v1/admin/members/$M2"
PHONE2=$(json .phone)
request till POST /v1/till/prepaid/topups '{"card_no":"'$CARD2'","amount_cents":12345,"tender":"bank_card"}' \
    -H "Idempotency-Key: $(key)"
check "member $M2: prepaid 123.45, $PTS2 points" test "$STATUS/$(json .prepaid_cents)/$((PTS2 > 0))" = "201/12345/1"

snapshot close
request op POST "/v1/admin/members/$M2/close" '{"reason":"moving abroad","payout":"cheque"}' -H "Idempotency-Key: $(key)"
expect_error "unknown payout" 422 invalid_field
request op POST "/v1/admin/members/$M2/close" '{"payout":"cash"}' -H "Idempotency-Key: $(key)"
expect_error "close without a reason" 422 invalid_field
request op POST "/v1/admin/members/$M2/close" '{"reason":"x","payout":"cash","store":"S999"}' -H "Idempotency-Key: $(key)"
expect_error "payout at a store that does not exist" 404 store_not_found
request op POST "/v1/admin/members/999999/close" '{"reason":"x","payout":"cash"}' -H "Idempotency-Key: $(key)"
expect_error "close of a member that does not exist" 404 member_not_found
request till POST "/v1/admin/members/$M2/close" '{"reason":"x","payout":"cash"}' -H "Idempotency-Key: $(key)"
check "a till may not close accounts (403)" test "$STATUS" = "403"
unchanged "refused closes" close

pids=()
for index in $(seq 1 8); do
    curl -sS --max-time 20 --cacert "$CA" --cert "$OP_CERT" --key "$OP_KEY" -X POST \
        -H 'Content-Type: application/json' -H "Idempotency-Key: close-$index" \
        --data-binary '{"reason":"moving abroad","payout":"cash","store":"S001","erase_personal_data":true}' \
        -o "$LTY_TMP/close.$index.body" -w '%{http_code}\n' "$BASE/v1/admin/members/$M2/close" \
        >"$LTY_TMP/close.$index.status" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
check "8 concurrent closes: one 200, seven 410" \
    test "$(cat "$LTY_TMP"/close.*.status | grep -c '^200$')/$(cat "$LTY_TMP"/close.*.status | grep -c '^410$')" = "1/7"
BODY=$(cat $(grep -l '^200$' "$LTY_TMP"/close.*.status | sed 's/status$/body/'))
check "the close paid out 12345 and forfeited $PTS2 points, erased" \
    test "$(json .prepaid_paid_out_cents)/$(json .points_forfeited)/$(json .personal_data_erased)" = "12345/$PTS2/true"
request op GET "/v1/admin/members/$M2"
check "member: closed, name and phone erased, balances zero, card closed" \
    test "$(json '"\(.status)/\(.name)/\(.phone)/\(.points)/\(.prepaid_cents)/\(.cards[0].card_status)"')" = "closed///0/0/closed"
request op GET "/v1/admin/members/$M2/journal?limit=1"
check "journal: a close entry by the operator at S001, postings to cash-out and breakage" \
    test "$(json '.entries[0]|"\(.kind)/\(.store)/\(.by)/\([.postings[].account]|sort|join(","))"')" = "close/S001/operator:demo-operator/cash-out,member-points,member-prepaid,points-expired"

snapshot closed
request till GET "/v1/till/cards/$CARD2"
expect_error "till look-up" 410 account_closed
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"X-1","lines":[{"sku":"A","qty":1,"amount_cents":100}]}' -H "Idempotency-Key: $(key)"
expect_error "sale" 410 account_closed
request till POST /v1/till/prepaid/topups '{"card_no":"'$CARD2'","amount_cents":100,"tender":"cash"}' -H "Idempotency-Key: $(key)"
expect_error "till top-up" 410 account_closed
request op POST /v1/admin/prepaid/topups '{"member_id":'$M2',"amount_cents":100,"tender":"cash","reason":"x"}' -H "Idempotency-Key: $(key)"
expect_error "operator top-up" 410 account_closed
request op POST /v1/admin/adjustments '{"member_id":'$M2',"points":10,"reason":"x"}' -H "Idempotency-Key: $(key)"
expect_error "adjustment" 410 account_closed
request op POST "/v1/admin/members/$M2/cards" '{}' -H "Idempotency-Key: $(key)"
expect_error "new card" 410 account_closed
request op POST "/v1/admin/members/$M2/close" '{"reason":"again","payout":"cash"}' -H "Idempotency-Key: $(key)"
expect_error "close twice" 410 account_closed
unchanged "every use of a closed account" closed

request op POST /v1/admin/members '{"name":"New Owner","phone":"'$PHONE2'"}' -H "Idempotency-Key: $(key)"
check "the erased phone number can enrol someone else" test "$STATUS" = "201"

lty_finish
