#!/usr/bin/env bash
# Goal: every ledger endpoint works end to end over real TLS with client certificates, and
# money and points are counted exactly once: idempotent replays (also of refusals), keys scoped
# per principal, journal paging, earning and redemption arithmetic.
# Method: a fresh demo data directory, the real daemon on a run-time port, curl for every call,
# loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

request anon GET /healthz
check "healthz answers 200 ok" test "$STATUS" = 200 -a "$(json .status)" = ok

# Enrol a member and issue a card.
request op POST /v1/admin/members '{"name":"李雷","phone":"+8613900001111","email":"li@example.com"}' \
    -H "Idempotency-Key: $(key)"
MEMBER=$(json .member_id)
check "member created (201, id $MEMBER)" test "$STATUS" = 201 -a "$MEMBER" -ge 1
request op POST "/v1/admin/members/$MEMBER/cards" '' -H "Idempotency-Key: $(key)"
CARD=$(json .card_no)
check "card issued (201, $CARD)" test "$STATUS" = 201 -a "${#CARD}" -ge 12
request op GET "/v1/admin/members/$MEMBER"
check "member shows 0 points, 0 prepaid and the card" \
    test "$(json .points)/$(json .prepaid_cents)/$(json '.cards[0].card_no')" = "0/0/$CARD"

request till GET "/v1/till/cards/$CARD"
check "till look-up shows the card" \
    test "$STATUS/$(json .member_id)/$(json .card_status)/$(json .name)/$(json .points)" = "200/$MEMBER/active/李雷/0"

# A sale of 123.45 + 10.00 earns floor(133.45) = 133 points.
SALE='{"card_no":"'$CARD'","receipt_no":"R-1001","lines":[{"sku":"6901234567890","category":"dairy","qty":3,"amount_cents":12345},{"sku":"6900000000001","category":"snacks","qty":1,"amount_cents":1000}]}'
K1=$(key)
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: $K1"
FIRST=$BODY
check "sale earns 133 points (201)" \
    test "$STATUS/$(json .points_earned)/$(json .points_redeemed)/$(json .points_balance)" = "201/133/0/133"
SALE_ID=$(json .sale_id)

# The same key and body: the first response again, marked as a replay, applied once.
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: $K1"
check "retry with the same key replays the first response" test "$STATUS" = 201 -a "$BODY" = "$FIRST"
check "replay carries Idempotent-Replayed: true" grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS"
request till GET "/v1/till/cards/$CARD"
check "replay applied nothing (still 133 points)" test "$(json .points)" = 133

# The same key with another body is refused.
request till POST /v1/till/sales "${SALE/R-1001/R-1002}" -H "Idempotency-Key: $K1"
expect_error "same key, different body" 422 idempotency_key_reused

# Missing or malformed Idempotency-Key.
request till POST /v1/till/sales "${SALE/R-1001/R-1003}"
expect_error "mutation without Idempotency-Key" 428 idempotency_key_required
request till POST /v1/till/sales "${SALE/R-1001/R-1003}" -H "Idempotency-Key: $(printf 'x%.0s' {1..65})"
expect_error "Idempotency-Key longer than 64" 400 invalid_idempotency_key

# The same receipt number twice at one store, under a new key, is refused (never counted twice).
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: $(key)"
expect_error "duplicate receipt at the same store" 409 already_exists

# Redemption: 100 points are worth 1.00 off a 50.00 basket; 49.00 earns 49.
REDEEM='{"card_no":"'$CARD'","receipt_no":"R-2001","redeem_points":100,"lines":[{"sku":"A","category":"c","qty":1,"amount_cents":5000}]}'
request till POST /v1/till/sales "$REDEEM" -H "Idempotency-Key: $(key)"
check "redeem 100, earn 49, balance 82" \
    test "$STATUS/$(json .points_redeemed)/$(json .points_earned)/$(json .points_balance)" = "201/100/49/82"

# A refusal is stored with its key: retried after the balance grew, it is refused again.
snapshot before_refusal
OVER='{"card_no":"'$CARD'","receipt_no":"R-3001","redeem_points":500,"lines":[{"sku":"A","qty":1,"amount_cents":90000}]}'
K2=$(key)
request till POST /v1/till/sales "$OVER" -H "Idempotency-Key: $K2"
expect_error "redeeming more than the balance" 409 insufficient_points
unchanged "after insufficient_points" before_refusal
request op POST /v1/admin/adjustments '{"member_id":'$MEMBER',"points":1000,"reason":"goodwill"}' \
    -H "Idempotency-Key: $(key)"
check "adjustment +1000 (201, balance 1082)" test "$STATUS/$(json .points_balance)" = "201/1082"
request till POST /v1/till/sales "$OVER" -H "Idempotency-Key: $K2"
expect_error "the refused request, retried after the balance grew" 409 insufficient_points
check "the retried refusal is a replay" grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS"

# Redeeming more than the basket is worth.
request till POST /v1/till/sales '{"card_no":"'$CARD'","receipt_no":"R-3002","redeem_points":600,"lines":[{"sku":"A","qty":1,"amount_cents":500}]}' \
    -H "Idempotency-Key: $(key)"
expect_error "points worth more than the basket" 422 redeem_exceeds_basket

# Negative adjustment beyond the balance is refused and changes nothing.
snapshot before_adjust
request op POST /v1/admin/adjustments '{"member_id":'$MEMBER',"points":-5000,"reason":"x"}' \
    -H "Idempotency-Key: $(key)"
expect_error "negative adjustment beyond the balance" 409 insufficient_points
unchanged "after refused adjustment" before_adjust
request op POST /v1/admin/adjustments '{"member_id":'$MEMBER',"points":-82,"reason":"correction"}' \
    -H "Idempotency-Key: $(key)"
check "adjustment -82 (balance 1000)" test "$STATUS/$(json .points_balance)" = "201/1000"

# Keys are scoped to the principal: a second till may use the same key.
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T02 --out "$LTY_TMP" >/dev/null
SHARED_KEY=$(key)
request till POST /v1/till/sales "${SALE/R-1001/R-4001}" -H "Idempotency-Key: $SHARED_KEY"
check "till S001/T01 uses key K" test "$STATUS" = 201
request "$LTY_TMP/till-S002-T02" POST /v1/till/sales "${SALE/R-1001/R-4001}" -H "Idempotency-Key: $SHARED_KEY"
check "till S002/T02 uses the same key and is applied too (other store)" \
    test "$STATUS" = 201 -a "$(json .points_balance)" = 1266

# Duplicate phone.
request op POST /v1/admin/members '{"name":"韩梅梅","phone":"+8613900001111"}' -H "Idempotency-Key: $(key)"
expect_error "second member with the same phone" 409 phone_taken

# Journal: newest first, cursor pagination.
request op GET "/v1/admin/members/$MEMBER/journal?limit=2"
check "journal page 1 has 2 entries, newest first" \
    test "$STATUS/$(json '.entries|length')" = "200/2" -a "$(json '.entries[0].entry_id')" -gt "$(json '.entries[1].entry_id')"
NEXT=$(json .next_after)
TOTAL=$(json '.entries|length')
while [[ "$NEXT" != null ]]; do
    request op GET "/v1/admin/members/$MEMBER/journal?limit=2&after=$NEXT"
    TOTAL=$((TOTAL + $(json '.entries|length')))
    NEXT=$(json .next_after)
done
check "paging walks all 6 entries (4 sales, 2 adjustments)" test "$TOTAL" = 6
request op GET "/v1/admin/members/$MEMBER/journal?limit=0"
expect_error "journal limit 0" 400 invalid_query
request op GET "/v1/admin/members/$MEMBER/journal?limit=201"
expect_error "journal limit above 200" 400 invalid_query
request op GET "/v1/admin/members/$MEMBER/journal?limit=200"
check "journal limit at 200 is accepted" test "$STATUS" = 200
request op GET "/v1/admin/members/999999/journal"
expect_error "journal of an unknown member" 404 member_not_found

# The CLI talks to the same API.
OUT=$("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" member show "$MEMBER" --json)
check "loyaltyctl member show reads the balance" test "$(jq -r .points <<<"$OUT")" = 1266

lty_finish
