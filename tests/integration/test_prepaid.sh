#!/usr/bin/env bash
# Goal: prepaid top-ups (till and operator, limits), paying from prepaid in a sale (tenders that
# must add up, overdrawn prepaid), PINs (set once, reset code, wrong PIN, throttle that survives
# a restart) and 32 tills paying from one card at once. Ends with loyaltyctl verify.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

check "init created DIR/pin-pepper, 32 bytes, mode 0600" \
    test "$(stat -c '%s %a' "$LTY_DATA/pin-pepper")" = "32 600"

request till GET "/v1/till/cards/$DEMO_CARD"
MEMBER=$(json .member_id)
POINTS0=$(json .points)

# ---- Top-ups ------------------------------------------------------------------------------
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":150000,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
check "till top-up 1,500.00 cash -> 201, prepaid 150000, points shown" \
    test "$STATUS/$(json .prepaid_cents)/$(json .points_balance)" = "201/150000/$POINTS0"

snapshot over
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":200001,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
expect_error "single top-up over 2,000.00" 409 topup_limit
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":200000,"tender":"bank_card"}' \
    -H "Idempotency-Key: $(key)"
check "top-up 2,000.00 by bank card -> 350000" test "$STATUS/$(json .prepaid_cents)" = "201/350000"
snapshot over
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":150001,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
expect_error "balance over 5,000.00" 409 prepaid_balance_limit
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":100,"tender":"coupon"}' \
    -H "Idempotency-Key: $(key)"
expect_error "unknown tender" 422 invalid_field
unchanged "refused top-ups" over

request op POST /v1/admin/prepaid/topups '{"member_id":'$MEMBER',"amount_cents":150000,"tender":"bank_card"}' \
    -H "Idempotency-Key: $(key)"
expect_error "operator top-up without a reason" 422 invalid_field
request op POST /v1/admin/prepaid/topups '{"member_id":'$MEMBER',"amount_cents":150000,"tender":"bank_card","reason":"paid by transfer"}' \
    -H "Idempotency-Key: $(key)"
check "operator top-up with a reason -> 500000 (the maximum)" \
    test "$STATUS/$(json .prepaid_cents)" = "201/500000"

# ---- Paying from prepaid ------------------------------------------------------------------
LINE='"lines":[{"sku":"MILK","qty":2,"amount_cents":10000}]'
snapshot pay
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-1",'"$LINE"',"tenders":[{"type":"prepaid","amount_cents":9000}]}' \
    -H "Idempotency-Key: $(key)"
expect_error "tenders short of the basket" 422 tender_mismatch
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-1",'"$LINE"',"redeem_points":100,"tenders":[{"type":"prepaid","amount_cents":10000}]}' \
    -H "Idempotency-Key: $(key)"
expect_error "tenders ignore the points paid" 422 tender_mismatch
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-1",'"$LINE"',"tenders":[{"type":"cash","amount_cents":5000},{"type":"cash","amount_cents":5000}]}' \
    -H "Idempotency-Key: $(key)"
expect_error "a tender type twice" 422 invalid_field
unchanged "refused payments" pay

request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-2",'"$LINE"',"redeem_points":100,"tenders":[{"type":"prepaid","amount_cents":5000},{"type":"cash","amount_cents":4900}]}' \
    -H "Idempotency-Key: $(key)"
check "mixed payment: points 1.00 + prepaid 50.00 + cash 49.00 -> prepaid 495000" \
    test "$STATUS/$(json .prepaid_cents)" = "201/495000"
check "points earned on the part not paid with points (99), balance shown" \
    test "$(json .points_earned)/$(json .points_balance)" = "99/$((POINTS0 - 100 + 99))"

# ---- PIN ----------------------------------------------------------------------------------
BIG='"lines":[{"sku":"TV","qty":1,"amount_cents":30000}],"tenders":[{"type":"prepaid","amount_cents":30000}]'
snapshot pin
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-3",'"$BIG"'}' -H "Idempotency-Key: $(key)"
expect_error "prepaid above 200.00 with no PIN set" 403 pin_required
request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"12a4"}' -H "Idempotency-Key: $(key)"
expect_error "PIN with a letter" 422 invalid_field
unchanged "refused PIN payment" pin
request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"4321"}' -H "Idempotency-Key: $(key)"
check "member sets a PIN" test "$STATUS/$(json .pin_set)" = "200/true"
check "the PIN is nowhere in the ledger file" bash -c "! strings -n 4 '$LTY_DATA'/ledger/data.mdb | grep -qx 4321"
request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"9999"}' -H "Idempotency-Key: $(key)"
expect_error "second PIN without a reset code" 409 pin_already_set
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-3",'"$BIG"'}' -H "Idempotency-Key: $(key)"
expect_error "prepaid above 200.00 without the PIN" 403 pin_required
snapshot wrongpin
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-3","pin":"0000",'"$BIG"'}' -H "Idempotency-Key: $(key)"
expect_error "wrong PIN" 403 pin_incorrect
check "the wrong PIN changed no balance" bash -c "'$LOYALTYCTL' stats '$LTY_DATA' | grep -v -i pin | diff -q - <(grep -v -i pin '$LTY_TMP/snap.wrongpin') >/dev/null"
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-3","pin":"4321",'"$BIG"'}' -H "Idempotency-Key: $(key)"
check "right PIN pays 300.00 from prepaid" test "$STATUS/$(json .prepaid_cents)" = "201/465000"
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-4","lines":[{"sku":"X","qty":1,"amount_cents":20000}],"tenders":[{"type":"prepaid","amount_cents":20000}]}' \
    -H "Idempotency-Key: $(key)"
check "200.00 exactly needs no PIN" test "$STATUS/$(json .prepaid_cents)" = "201/445000"

# Throttle: 5 wrong PINs lock it, the lock survives a restart and holds for the right PIN.
for attempt in 1 2 3 4; do
    request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-5","pin":"1111",'"$BIG"'}' -H "Idempotency-Key: $(key)"
    expect_error "wrong PIN $attempt" 403 pin_incorrect
done
lty_stop
lty_start --test-clock
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-5","pin":"1111",'"$BIG"'}' -H "Idempotency-Key: $(key)"
expect_error "fifth wrong PIN (after a restart) locks" 423 pin_locked
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-5","pin":"4321",'"$BIG"'}' -H "Idempotency-Key: $(key)"
expect_error "locked: even the right PIN is refused" 423 pin_locked
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T01 --out "$LTY_TMP" >/dev/null
request "$LTY_TMP/till-S002-T01" POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-5","pin":"4321",'"$BIG"'}' -H "Idempotency-Key: $(key)"
expect_error "locked at another store's till too" 423 pin_locked
request op POST /v1/admin/clock '{"offset_ms":1800001}'
check "test clock moved 30 minutes on" test "$STATUS" = 200
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-5","pin":"4321",'"$BIG"'}' -H "Idempotency-Key: $(key)"
check "after 30 minutes the right PIN pays" test "$STATUS/$(json .prepaid_cents)" = "201/415000"

# Reset code: an operator issues one, the member sets a new PIN with it, once.
request op POST "/v1/admin/cards/$DEMO_CARD/pin-reset" '' -H "Idempotency-Key: $(key)"
CODE=$(json .reset_code)
check "operator gets a one-time reset code" test "$STATUS/${#CODE}" = "201/8"
request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"5555","reset_code":"00000000"}' -H "Idempotency-Key: $(key)"
expect_error "wrong reset code" 403 forbidden
request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"5555","reset_code":"'$CODE'"}' -H "Idempotency-Key: $(key)"
check "new PIN with the reset code" test "$STATUS" = 200
request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"6666","reset_code":"'$CODE'"}' -H "Idempotency-Key: $(key)"
expect_error "the reset code works once" 403 forbidden
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-6","pin":"5555",'"$BIG"'}' -H "Idempotency-Key: $(key)"
check "the new PIN pays" test "$STATUS/$(json .prepaid_cents)" = "201/385000"

# ---- Overdrawn prepaid --------------------------------------------------------------------
snapshot overdraw
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"P-7","pin":"5555","lines":[{"sku":"CAR","qty":1,"amount_cents":385001}],"tenders":[{"type":"prepaid","amount_cents":385001}]}' \
    -H "Idempotency-Key: $(key)"
expect_error "paying more than the prepaid balance" 409 insufficient_funds
unchanged "overdrawn prepaid" overdraw

# ---- 32 tills paying from the same card at once -------------------------------------------
# 385000 in prepaid, 32 payments of 15000 (no PIN needed): 25 fit, 7 must be refused.
CURLS=()
for index in $(seq 1 32); do
    curl -sS --max-time 30 --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" \
        -H 'Content-Type: application/json' -H "Idempotency-Key: conc-$index" \
        --data-binary '{"card_no":"'$DEMO_CARD'","receipt_no":"C-'$index'","lines":[{"sku":"B","qty":1,"amount_cents":15000}],"tenders":[{"type":"prepaid","amount_cents":15000}]}' \
        -o "$LTY_TMP/conc.$index" -w '%{http_code}\n' "$BASE/v1/till/sales" >"$LTY_TMP/conc.status.$index" &
    CURLS+=($!)
done
wait "${CURLS[@]}"
OK=$(cat "$LTY_TMP"/conc.status.* | grep -c '^201$')
REFUSED=$(grep -l insufficient_funds "$LTY_TMP"/conc.[0-9]* | wc -l)
check "32 concurrent payments: 25 accepted" test "$OK" = 25
check "32 concurrent payments: 7 refused insufficient_funds" test "$REFUSED" = 7
request till GET "/v1/till/cards/$DEMO_CARD"
check "balance ends exact: 385000 - 25 * 15000 = 10000" test "$(json .prepaid_cents)" = 10000
check "no response ever showed a negative balance" \
    bash -c "! grep -h -o '\"prepaid_cents\":-' '$LTY_TMP'/conc.[0-9]*"

lty_finish
