#!/usr/bin/env bash
# Goal: a retailer's first sale on a data directory made without --demo: init, an
# operator, a till certificate, a member and a card; the till's first sale is 404
# store_not_found until `loyaltyctl store add` registers its store, then it sells; pos-till
# quotes before it sells (quote = sale), activates a printed card for a staff member, and a
# closed store's till is refused with 423 store_closed until the store reopens. This is the
# README's "first sale" path.
# Method: loyaltyctl init DIR (no --demo), loyaltyctl operator/till/store/staff/member/card
# commands over TLS with the operator's certificate, pos-till with the till's, curl for the
# refusals, the stats digest, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"

"$LOYALTYCTL" init "$LTY_DATA" >"$LTY_TMP/init.out" 2>&1
check "loyaltyctl init without --demo" test $? = 0 -a ! -e "$LTY_DATA/tls/demo-operator.crt"
"$LOYALTYCTL" --data "$LTY_DATA" operator add alice --role admin >/dev/null
"$LOYALTYCTL" --data "$LTY_DATA" till add S100 T01 >/dev/null
check "operator and till certificates issued" \
    test -f "$LTY_DATA/tls/operator-alice.crt" -a -f "$LTY_DATA/tls/till-S100-T01.crt"
CA="$LTY_DATA/tls/ca.crt"
OP_CERT="$LTY_DATA/tls/operator-alice.crt"
OP_KEY="$LTY_DATA/tls/operator-alice.key"
TILL_CERT="$LTY_DATA/tls/till-S100-T01.crt"
TILL_KEY="$LTY_DATA/tls/till-S100-T01.key"
lty_start --portal-listen off # a retailer turns the portal on with its own public certificate
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1 --cert "$OP_CERT"
    --key "$OP_KEY" --json)
TILL_ARGS=(--host 127.0.0.1 --port "$LTY_PORT" --ca "$CA" --cert "$TILL_CERT" --key "$TILL_KEY"
    --queue "$LTY_TMP/queue" --json)

MEMBER=$("${CTL[@]}" member create --name "王芳" --phone +8613800000001 | jq -r .member_id)
CARD=$("${CTL[@]}" card issue "$MEMBER" | jq -r .card_no)
check "a member and a card" test "$MEMBER" = 1 -a -n "$CARD"
SALE='{"card_no":"'$CARD'","receipt_no":"F-1","lines":[{"sku":"6901234567890","category":"dairy","qty":2,"amount_cents":2590}]}'
snapshot before
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: $(key)"
expect_error "the first sale before its store exists" 404 store_not_found
request till GET "/v1/till/cards/$CARD"
expect_error "even a look-up" 404 store_not_found
unchanged "the refused sale changed nothing" before

OUT=$("${CTL[@]}" store add S100 --name "人民路店" --region "华东")
check "loyaltyctl store add S100" test "$(jq -r '.store_id + "/" + .status + "/" + .region' <<<"$OUT")" = "S100/open/华东"
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" quote --card "$CARD" --line 6901234567890,dairy,2,2590)
check "pos-till quote: 25 points, no side effect" test "$(jq -r .points_earned <<<"$OUT")" = 25
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" sale --card "$CARD" --receipt F-1 --line 6901234567890,dairy,2,2590)
check "the first sale: 25 points, as quoted" \
    test "$(jq -r '.status,.points_earned,.points_confirmed' <<<"$OUT" | tr '\n' /)" = "ok/25/true/"
check "loyaltyctl store list" test "$("${CTL[@]}" store list | jq -r '[.stores[].store_id] | join(",")')" = "S100"

# A printed card activated at the till by a staff member, who earns the activation commission.
"${CTL[@]}" staff add E100 --name "李娜" --store S100 >/dev/null
request op POST /v1/admin/cards/batches '{"count":1}' -H "Idempotency-Key: $(key)"
PRINTED=$(json '.cards[0]')
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" activate --card "$PRINTED" --phone +8613800000002 --name "新会员" --staff E100)
check "pos-till activate: a new member, card active" \
    test "$(jq -r '.status,.member_created,.card_status' <<<"$OUT" | tr '\n' /)" = "ok/true/active/"
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" activate --card "$PRINTED" --phone +8613800000002 2>&1)
check "activating it twice: card_already_active, exit 1" test "$(jq -r .error.code <<<"$OUT")" = "card_already_active"
TODAY=$(TZ=UTC date -d "@$(( $(date +%s) + 8 * 3600 ))" +%F)
check "E100 earned the activation commission" \
    test "$("${CTL[@]}" report commission --from "$TODAY" | jq -r '.rows[0].commission_cents')" = 200

# A closed store's tills are refused, until it reopens.
OUT=$("${CTL[@]}" store close S100)
check "loyaltyctl store close" test "$(jq -r .status <<<"$OUT")" = "closed"
snapshot closed
request till GET "/v1/till/cards/$CARD"
expect_error "a look-up at a closed store" 423 store_closed
request till POST /v1/till/sales "${SALE/F-1/F-2}" -H "Idempotency-Key: $(key)"
expect_error "a sale at a closed store" 423 store_closed
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" quote --card "$CARD" --line A,dairy,1,100)
check "pos-till quote at a closed store: store_closed" test "$(jq -r .error.code <<<"$OUT")" = "store_closed"
unchanged "the closed store's requests changed nothing" closed
request op PATCH /v1/admin/stores/S100 '{"status":"open"}' -H "Idempotency-Key: $(key)"
check "reopen S100" test "$STATUS/$(json .status)" = "200/open"
request till POST /v1/till/sales "${SALE/F-1/F-2}" -H "Idempotency-Key: $(key)"
check "it sells again" test "$STATUS/$(json .points_balance)" = "201/50"
OUT=$("${CTL[@]}" store rename S100 --name "人民路旗舰店")
check "loyaltyctl store rename" test "$(jq -r .name <<<"$OUT")" = "人民路旗舰店"
request op PATCH /v1/admin/stores/S999 '{"name":"x"}' -H "Idempotency-Key: $(key)"
expect_error "PATCH an unknown store" 404 store_not_found
request op POST /v1/admin/stores '{"store_id":"S100","name":"again"}' -H "Idempotency-Key: $(key)"
expect_error "a store id taken" 409 already_exists
request op POST /v1/admin/stores '{"store_id":"S 1","name":"space"}' -H "Idempotency-Key: $(key)"
check "a store id with a space: 422 /store_id" test "$STATUS/$(json .error.field)" = "422//store_id"

lty_finish
