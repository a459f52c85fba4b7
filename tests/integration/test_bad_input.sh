#!/usr/bin/env bash
# Goal: bad input of every kind gets a clear 4xx with a stable error code and changes nothing;
# realms are enforced (no certificate 401, wrong kind 403, foreign CA: no handshake).
# Method: the real daemon over TLS, curl; a store snapshot before the barrage compared after
# it; the JSONTestSuite corpus as request bodies; loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

request till GET "/v1/till/cards/$DEMO_CARD"
check "demo card is usable" test "$STATUS" = 200
snapshot start

sale() { # sale BODY [extra curl args]
    local body=$1
    shift
    request till POST /v1/till/sales "$body" -H "Idempotency-Key: $(key)" "$@"
}
LINE='{"sku":"A","category":"c","qty":1,"amount_cents":100}'
BAD_LUHN=${DEMO_CARD%?}$(( (${DEMO_CARD: -1} + 1) % 10 ))

# Card numbers.
request till GET "/v1/till/cards/$BAD_LUHN"
expect_error "look-up with a wrong check digit" 422 invalid_card_no
request till GET "/v1/till/cards/12ab"
expect_error "look-up with letters" 422 invalid_card_no
request till GET "/v1/till/cards/4111111111111111"
expect_error "look-up of an unknown (valid) number" 404 card_not_found
sale '{"card_no":"'$BAD_LUHN'","receipt_no":"B1","lines":['$LINE']}'
expect_error "sale with a wrong check digit" 422 invalid_card_no
sale '{"card_no":"4111111111111111","receipt_no":"B1","lines":['$LINE']}'
expect_error "sale on an unknown card" 404 card_not_found

# Malformed and ill-typed JSON.
sale '{"card_no":'
expect_error "truncated JSON" 400 invalid_json
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":['$LINE'],"card_no":"x"}'
expect_error "duplicate key" 400 duplicate_key
sale '{"Card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":['$LINE']}'
expect_error "key in the wrong case" 422 invalid_field
check "the error names the field" test "$(json .error.field)" = /Card_no
sale '{"card_no":"'$DEMO_CARD'","receipt_no":12,"lines":['$LINE']}'
expect_error "number where a string belongs" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":-1,"amount_cents":100}]}'
expect_error "negative quantity" 422 invalid_field
check "the error names /lines/0/qty" test "$(json .error.field)" = /lines/0/qty
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":1,"amount_cents":-5}]}'
expect_error "negative amount" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":1,"amount_cents":1.5}]}'
expect_error "fractional amount" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":1,"amount_cents":1e400}]}'
expect_error "amount 1e400" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":1,"amount_cents":9007199254740993}]}'
expect_error "amount 2^53+1" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":1,"amount_cents":100000001}]}'
expect_error "line amount one above its limit" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","redeem_points":-1,"lines":['$LINE']}'
expect_error "negative redeem_points" 422 invalid_field
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[]}'
expect_error "empty basket" 422 invalid_field
sale '[1,2,3]'
expect_error "array instead of object" 422 invalid_field
sale "$(printf '{"card_no":"%s","receipt_no":"B\xff","lines":[%s]}' "$DEMO_CARD" "$LINE")"
expect_error "invalid UTF-8" 400 invalid_json
sale "$(printf '[%.0s' {1..10000})"
expect_error "10,000 nested arrays" 400 json_too_deep
STATUS=$(curl -sS --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -o "$LTY_TMP/body" \
    -w '%{http_code}' -H 'Content-Type: text/plain' -H "Idempotency-Key: $(key)" \
    --data-binary '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":['$LINE']}' "$BASE/v1/till/sales")
BODY=$(cat "$LTY_TMP/body")
expect_error "wrong content type" 415 unsupported_media_type
sale '{}' -H 'Content-Type: text/plain'
expect_error "Content-Type given twice" 400 bad_request

# Limits: 500 lines pass the parser, 501 do not; a body over 64 KiB is refused.
LINES=$(printf '{"sku":"A","qty":1,"amount_cents":1},%.0s' {1..501})
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":['"${LINES%,}"']}'
expect_error "501 basket lines" 422 invalid_field
BIG=$(head -c 70000 /dev/zero | tr '\0' 'a')
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"'$BIG'","lines":['$LINE']}'
expect_error "70 KB body" 413 request_too_large
LONG=$(head -c 65 /dev/zero | tr '\0' 'r')
sale '{"card_no":"'$DEMO_CARD'","receipt_no":"'$LONG'","lines":['$LINE']}'
expect_error "receipt_no one byte over its limit" 422 invalid_field

# Routing and realms.
request till GET /v1/till/nothing
expect_error "unknown path" 404 not_found
request till DELETE "/v1/till/cards/$DEMO_CARD"
expect_error "wrong method" 405 method_not_allowed
request anon GET "/v1/till/cards/$DEMO_CARD"
expect_error "till route without a certificate" 401 unauthenticated
request op GET "/v1/till/cards/$DEMO_CARD"
expect_error "till route with an operator certificate" 403 forbidden
request till GET /v1/admin/members/1
expect_error "admin route with a till certificate" 403 forbidden
request anon POST /v1/admin/members '{"name":"x","phone":"+8613900000000"}' -H "Idempotency-Key: $(key)"
expect_error "admin route without a certificate" 401 unauthenticated

# A certificate from another programme's CA never completes the handshake.
"$LOYALTYCTL" init "$LTY_TMP/other" --demo >/dev/null
STATUS=$(curl -sS --cacert "$CA" --cert "$LTY_TMP/other/tls/demo-till.crt" \
    --key "$LTY_TMP/other/tls/demo-till.key" -o /dev/null -w '%{http_code}' \
    "$BASE/v1/till/cards/$DEMO_CARD" 2>/dev/null) || true
check "certificate from another CA: no HTTP answer (got '$STATUS')" test "$STATUS" = 000
STATUS=$(curl -sS --cacert "$LTY_TMP/other/tls/ca.crt" -o /dev/null -w '%{http_code}' \
    "$BASE/healthz" 2>/dev/null) || true
check "client trusting another CA refuses our server ('$STATUS')" test "$STATUS" = 000

# Member fields.
request op POST /v1/admin/members '{"name":"x","phone":"13800138000"}' -H "Idempotency-Key: $(key)"
expect_error "phone not in E.164" 422 invalid_field
request op POST /v1/admin/members '{"name":"","phone":"+8613800138000"}' -H "Idempotency-Key: $(key)"
expect_error "empty name" 422 invalid_field
request op POST /v1/admin/adjustments '{"member_id":1,"points":0,"reason":"x"}' -H "Idempotency-Key: $(key)"
expect_error "adjustment of 0 points" 422 invalid_field
request op POST /v1/admin/adjustments '{"member_id":99999,"points":5,"reason":"x"}' -H "Idempotency-Key: $(key)"
expect_error "adjustment for an unknown member" 404 member_not_found
request op POST /v1/admin/members/99999/cards '' -H "Idempotency-Key: $(key)"
expect_error "card for an unknown member" 404 member_not_found

# The JSONTestSuite corpus as sale bodies: n_ -> 400, nothing -> 5xx.
CORPUS="$LTY_SOURCE_DIR/tests/data/JSONTestSuite/test_parsing"
# One curl over one kept-alive connection (it reconnects after a refusal that closes it); the
# codes come back in the corpus' order.
FILES=("$CORPUS"/*.json)
RUN_KEY=$(key)
for index in "${!FILES[@]}"; do
    curl_config_post /v1/till/sales "$RUN_KEY-$index" "@${FILES[$index]}"
done >"$LTY_TMP/corpus.curl"
curl -sS -K "$LTY_TMP/corpus.curl" >"$LTY_TMP/corpus.codes" 2>"$LTY_TMP/corpus.err" || true
mapfile -t CODES <"$LTY_TMP/corpus.codes"
bad=0
count=0
for index in "${!FILES[@]}"; do
    name=$(basename "${FILES[$index]}")
    status=${CODES[$index]:-missing}
    count=$((count + 1))
    case "$name:$status" in
    n_*:400) ;;
    y_*:4?? | i_*:4??) ;;
    *) bad=$((bad + 1)); echo "# $name -> $status" ;;
    esac
done
check "JSONTestSuite: one answer per body" test "${#CODES[@]}" = "${#FILES[@]}"
check "JSONTestSuite: $count bodies, n_ refused with 400, none crashed or got 5xx" \
    test "$bad" = 0 -a "$count" -ge 300
request anon GET /healthz
check "daemon still healthy after the corpus" test "$STATUS" = 200

unchanged "after every refusal above" start
lty_finish
