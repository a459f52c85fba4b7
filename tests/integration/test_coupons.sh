#!/usr/bin/env bash
# Goal: coupons over real TLS. A campaign is created, printable codes and wallet
# coupons are issued (once per member per issue key), a coupon comes off a sale's basket in the
# sale's own transaction (discount_cents, each coupon's effect, points earned on what was paid),
# every refusal (coupon_not_found for an unknown or tampered code, coupon_used, coupon_expired,
# coupon_not_eligible, coupon_min_spend, coupon_not_yours, campaign_exhausted, campaign_ended,
# campaign_not_found, offer_not_found, insufficient_points) leaves the store unchanged, one code
# raced from 16 connections is won exactly once, points become a voucher through an offer, a
# returned sale gives its coupon back, pause and end, the public key, the report, coupons with
# the earning rules (the rules earn on what was paid) and in the quote (judged, not used; a
# refused one shown with its error), and loyaltyctl verify after each part.
# Method: loyaltyd with --test-clock; curl as till and operator; the 16-way race with 16
# background curls (16 connections) and `wait`; `loyaltyctl stats` digests around refusals.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock
CARD2=$(sed -n 2p "$LTY_DATA/demo-cards.txt") # member 2
DAY=86400000

op_post() { request op POST "$1" "$2" -H "Idempotency-Key: $(key)"; }
sale() { # sale RECEIPT AMOUNT_CENTS CODES_JSON [CARD]
    request till POST /v1/till/sales '{"card_no":"'${4:-$DEMO_CARD}'","receipt_no":"'$1'","lines":[{"sku":"MILK","category":"dairy","qty":2,"amount_cents":'$2'}],"coupons":'$3'}' \
        -H "Idempotency-Key: $(key)"
}

# ---- A campaign and its codes ----------------------------------------------------------------
op_post /v1/admin/coupon-campaigns '{"name":"Spring 5 off","kind":"amount_off","amount_off_cents":500,"min_spend_cents":2000,"valid_to":"2099-12-31T23:59:59Z"}'
CAMP=$(json .campaign_id)
check "campaign created -> 201 {campaign_id} (the demo's is 1)" test "$STATUS/$CAMP" = "201/2"
op_post /v1/admin/coupon-campaigns/$CAMP/codes '{"count":5}'
check "5 printable codes -> 201" test "$STATUS/$(json '.codes|length')" = "201/5"
CODES=($(json '.codes[]'))
check "a code is 127 characters of Crockford base32" \
    bash -c '[[ "'${CODES[0]}'" =~ ^[0-9A-HJKMNP-TV-Z]{127}$ ]]'
check "codes are unique" test "$(printf '%s\n' "${CODES[@]}" | sort -u | wc -l)" = "5"
request till GET /v1/till/programme/keys
check "programme key: ES256, 65-byte point in hex, PEM, code format" \
    test "$STATUS/$(json '.keys[0].algorithm')/$(json '.keys[0].public_key|length')/$(json '.code_format.length')" = "200/ES256/130/127"
check "the key file stays 0600 in the data directory" \
    test "$(stat -c %a "$LTY_DATA/coupon-key.pem")" = "600"

# ---- Redeemed at the till -------------------------------------------------------------------
request till GET "/v1/till/cards/$DEMO_CARD"
POINTS0=$(json .points)
sale C-1 3000 '["'${CODES[0]}'"]'
check "sale with a coupon -> 201, discount 500, total 2500" \
    test "$STATUS/$(json .discount_cents)/$(json .total_cents)" = "201/500/2500"
check "the coupon's effect: applied, 500, its campaign" \
    test "$(json '.coupons[0]|"\(.applied)/\(.discount_cents)/\(.campaign_id)"')" = "true/500/$CAMP"
check "points earned on what was paid (25.00 -> 25)" \
    test "$(json .points_earned)/$(json .points_balance)" = "25/$((POINTS0 + 25))"
SALE1=$(json .sale_id)
lty_verify

# ---- Refusals: the store unchanged after each -------------------------------------------------
snapshot refusals
sale C-2 3000 '["'${CODES[0]}'"]'
expect_error "the same code again" 409 coupon_used
check "the refusal names the coupon" test "$(json .error.field)" = "/coupons/0"
TAMPERED="${CODES[1]:0:60}$( [[ "${CODES[1]:60:1}" == "A" ]] && echo B || echo A)${CODES[1]:61}"
sale C-2 3000 '["'$TAMPERED'"]'
expect_error "a tampered code" 404 coupon_not_found
sale C-2 3000 '["'${CODES[1]:0:126}'"]'
expect_error "a truncated code" 404 coupon_not_found
sale C-2 3000 '["0000000000"]'
expect_error "a made-up code" 404 coupon_not_found
sale C-2 1999 '["'${CODES[1]}'"]'
expect_error "below the minimum spend" 409 coupon_min_spend
sale C-2 3000 '["'${CODES[1]}'","'${CODES[1]}'"]'
expect_error "one single-use code twice in one sale" 409 coupon_used
unchanged "refusals leave everything as it was" refusals

# A member's own coupon is theirs alone; once per member per issue key.
op_post /v1/admin/coupon-campaigns/$CAMP/issues '{"member_ids":[2,3],"issue_key":"spring-mail"}'
check "issued into the wallets of members 2 and 3" \
    test "$STATUS/$(json '.issued|length')/$(json '[.issued[].already_issued]|any')" = "201/2/false"
WALLET2=$(json '.issued[0].code')
op_post /v1/admin/coupon-campaigns/$CAMP/issues '{"member_ids":[2],"issue_key":"spring-mail"}'
check "the same key again: member 2 keeps the coupon they had" \
    test "$(json '.issued[0].already_issued')/$(json '.issued[0].code')" = "true/$WALLET2"
request op GET /v1/admin/members/2/coupons
check "member 2's wallet holds this coupon (and the demo's), valid" \
    test "$(json '[.coupons[] | select(.campaign_id == '$CAMP')] | length')/$(json '[.coupons[] | select(.campaign_id == '$CAMP')][0].state')" = "1/valid"
snapshot yours
sale C-3 3000 '["'$WALLET2'"]'
expect_error "member 1 presents member 2's coupon" 409 coupon_not_yours
unchanged "coupon_not_yours" yours
sale C-3 3000 '["'$WALLET2'"]' "$CARD2"
check "member 2 uses it" test "$STATUS/$(json .discount_cents)" = "201/500"

# Eligibility: categories, stores, pause; a campaign's count; expiry.
op_post /v1/admin/coupon-campaigns '{"name":"Fruit 20%","kind":"percent_off","percent_off":20,"cap_cents":300,"eligible":{"categories":["fruit"]},"stores":["S002"],"redemptions_max":1}'
FRUIT=$(json .campaign_id)
op_post /v1/admin/coupon-campaigns/$FRUIT/codes '{"count":2}'
FRUIT_CODES=($(json '.codes[]'))
snapshot eligible
sale E-1 3000 '["'${FRUIT_CODES[0]}'"]'
expect_error "no fruit in the basket, and another store's campaign" 409 coupon_not_eligible
unchanged "coupon_not_eligible" eligible
request op PATCH /v1/admin/coupon-campaigns/$FRUIT '{"stores":["S001"]}' -H "Idempotency-Key: $(key)"
expect_error "stores cannot change after creation (unknown field)" 422 invalid_field
op_post /v1/admin/coupon-campaigns '{"name":"Fruit here","kind":"percent_off","percent_off":20,"cap_cents":300,"eligible":{"categories":["fruit"]},"redemptions_max":1}'
FRUIT=$(json .campaign_id)
op_post /v1/admin/coupon-campaigns/$FRUIT/codes '{"count":2}'
FRUIT_CODES=($(json '.codes[]'))
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"E-2","lines":[{"sku":"APPLE","category":"fruit","qty":1,"amount_cents":999},{"sku":"BREAD","category":"bakery","qty":1,"amount_cents":1000}],"coupons":["'${FRUIT_CODES[0]}'"]}' \
    -H "Idempotency-Key: $(key)"
check "20% of the fruit only, rounded down: 199 off 9.99; bread untouched" \
    test "$STATUS/$(json .discount_cents)/$(json .total_cents)" = "201/199/1800"
snapshot exhausted
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"E-3","lines":[{"sku":"APPLE","category":"fruit","qty":1,"amount_cents":5000}],"coupons":["'${FRUIT_CODES[1]}'"]}' \
    -H "Idempotency-Key: $(key)"
expect_error "the campaign's one redemption is spent" 409 campaign_exhausted
unchanged "campaign_exhausted" exhausted

request op PATCH /v1/admin/coupon-campaigns/$CAMP '{"status":"paused"}' -H "Idempotency-Key: $(key)"
check "pause -> 200 paused" test "$STATUS/$(json .status)" = "200/paused"
snapshot paused
sale P-1 3000 '["'${CODES[2]}'"]'
expect_error "a paused campaign's coupon" 409 coupon_not_eligible
unchanged "paused" paused
request op PATCH /v1/admin/coupon-campaigns/$CAMP '{"status":"active"}' -H "Idempotency-Key: $(key)"
check "resume -> active" test "$STATUS/$(json .status)" = "200/active"

op_post /v1/admin/coupon-campaigns '{"name":"Week only","kind":"amount_off","amount_off_cents":100,"code_valid_days":7}'
WEEK=$(json .campaign_id)
op_post /v1/admin/coupon-campaigns/$WEEK/codes '{"count":1}'
WEEK_CODE=$(json '.codes[0]')
request op POST /v1/admin/clock '{"offset_ms":'$((9 * DAY))'}'
snapshot expired
sale X-1 3000 '["'$WEEK_CODE'"]'
expect_error "a code past its day" 409 coupon_expired
unchanged "coupon_expired" expired
request op POST /v1/admin/clock '{"offset_ms":0}'
request op PATCH /v1/admin/coupon-campaigns/$WEEK '{"status":"ended"}' -H "Idempotency-Key: $(key)"
check "end -> ended" test "$STATUS/$(json .status)" = "200/ended"
request op PATCH /v1/admin/coupon-campaigns/$WEEK '{"status":"active"}' -H "Idempotency-Key: $(key)"
expect_error "an ended campaign never changes again" 409 campaign_ended
sale X-2 3000 '["'$WEEK_CODE'"]'
expect_error "an ended campaign's code" 409 coupon_expired
op_post /v1/admin/coupon-campaigns/$WEEK/codes '{"count":1}'
expect_error "an ended campaign issues nothing" 409 campaign_ended
request op GET /v1/admin/coupon-campaigns/999
expect_error "unknown campaign" 404 campaign_not_found
op_post /v1/admin/coupon-campaigns '{"name":"Bad","kind":"percent_off","amount_off_cents":5}'
expect_error "percent_off without percent_off" 422 invalid_field
lty_verify

# ---- One code raced from 16 connections --------------------------------------------------------
pids=()
for index in $(seq 1 16); do
    curl -sS --max-time 20 --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -X POST \
        -H 'Content-Type: application/json' -H "Idempotency-Key: race-$index" \
        --data-binary '{"card_no":"'$DEMO_CARD'","receipt_no":"RACE-'$index'","lines":[{"sku":"MILK","qty":1,"amount_cents":3000}],"coupons":["'${CODES[3]}'"]}' \
        -o "$LTY_TMP/race.$index.body" -w '%{http_code}\n' "$BASE/v1/till/sales" \
        >"$LTY_TMP/race.$index.status" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
WON=$(cat "$LTY_TMP"/race.*.status | grep -c '^201$')
USED=$(cat "$LTY_TMP"/race.*.body | jq -r '.error.code // empty' | grep -c '^coupon_used$')
check "16 tills race one code: exactly one wins ($WON), 15 get coupon_used ($USED)" \
    test "$WON/$USED" = "1/15"
request op GET /v1/admin/coupon-campaigns/$CAMP
check "the campaign counts 3 redemptions, 1,500 off, 3 sales" \
    test "$(json .redeemed_count)/$(json .discount_cents)/$(json .sales_count)" = "3/1500/3"
lty_verify

# ---- Points turned into a voucher ---------------------------------------------------------------
op_post /v1/admin/coupon-offers '{"campaign_id":'$CAMP',"points_price":500,"name":"500 points -> 5.00"}'
OFFER=$(json .offer_id)
check "offer created (the demo's is 1)" test "$STATUS/$OFFER" = "201/2"
request till GET "/v1/till/cards/$DEMO_CARD"
POINTS1=$(json .points)
op_post /v1/admin/members/1/vouchers '{"offer_id":'$OFFER'}'
check "500 points become a voucher in one transaction" \
    test "$STATUS/$(json .points_debited)/$(json .points_balance)" = "201/500/$((POINTS1 - 500))"
VOUCHER=$(json .code)
request op GET "/v1/admin/members/1/journal?limit=1"
check "journal: one voucher entry of -500 points" \
    test "$(json '.entries[0].kind')/$(json '[.entries[0].postings[] | select(.account == "member-points") | .amount] | add')" = "voucher/-500"
request till POST /v1/till/vouchers '{"card_no":"'$DEMO_CARD'","offer_id":'$OFFER'}' -H "Idempotency-Key: $(key)"
check "the same at a till" test "$STATUS/$(json .points_debited)" = "201/500"
snapshot poor
op_post /v1/admin/members/4/vouchers '{"offer_id":'$OFFER'}'
expect_error "a member without 500 points" 409 insufficient_points
op_post /v1/admin/members/1/vouchers '{"offer_id":99}'
expect_error "unknown offer" 404 offer_not_found
unchanged "voucher refusals" poor
sale V-1 2000 '["'$VOUCHER'"]'
check "the voucher pays 5.00 of a sale" test "$STATUS/$(json .discount_cents)" = "201/500"
lty_verify

# ---- A returned sale gives its coupon back ---------------------------------------------------------
sale RET-1 4000 '["'${CODES[4]}'"]'
RET_SALE=$(json .sale_id)
request till POST /v1/till/returns '{"sale_id":'$RET_SALE',"lines":[{"sku":"MILK","qty":1}]}' \
    -H "Idempotency-Key: $(key)"
check "a partial return keeps the coupon used, refunds what was paid (17.50)" \
    test "$STATUS/$(json .coupons_restored)/$(json .refund_cents)" = "201/0/1750"
request till POST /v1/till/returns '{"sale_id":'$RET_SALE'}' -H "Idempotency-Key: $(key)"
check "the whole sale back: coupon restored" \
    test "$STATUS/$(json .sale_status)/$(json .coupons_restored)" = "201/returned/1"
sale RET-2 4000 '["'${CODES[4]}'"]'
check "the restored coupon works again" test "$STATUS/$(json .discount_cents)" = "201/500"
request till POST /v1/till/sales/$(json .sale_id)/void '' -H "Idempotency-Key: $(key)"
check "a void restores it too" test "$STATUS/$(json .coupons_restored)" = "201/1"
request op GET /v1/admin/reports/coupons
check "report: the campaign issued 9 (5 codes, 2 wallets, 2 vouchers), 4 live uses, 2 restored" \
    test "$(json '.campaigns[] | select(.campaign_id == '$CAMP') | "\(.issued_count)/\(.redeemed_count)/\(.restored_count)"')" = "9/4/2"
lty_verify

# ---- With the earning rules, and the quote ---------------------------------------------------------
# The demo's rule "Double detergent" doubles the points of detergent lines. The coupon comes off
# first, so the rule doubles the points of what the member pays; the quote shows the same and
# uses nothing; a coupon the sale would refuse shows in the quote, left out, with its error.
op_post /v1/admin/coupon-campaigns/$CAMP/codes '{"count":1}'
RULE_CODE=$(json '.codes[0]')
BASKET='"lines":[{"sku":"D","category":"detergent","qty":1,"amount_cents":3000}],"coupons":["'$RULE_CODE'"]'
snapshot quote
request till POST /v1/till/sales/quote '{"card_no":"'$DEMO_CARD'",'"$BASKET"'}'
check "quote with a coupon -> 200, discount 500, total 2500, the coupon applicable"     test "$STATUS/$(json .discount_cents)/$(json .total_cents)/$(json '.coupons[0].applied')" = "200/500/2500/true"
QUOTE_BASE=$(json .points_base)
QUOTE_EARNED=$(json .points_earned)
check "the rule doubles the points of 25.00, not of 30.00 ($QUOTE_BASE -> $QUOTE_EARNED)"     test "$QUOTE_EARNED/$(json '.rules_applied[0].name')" = "$((2 * QUOTE_BASE))/Double detergent"
unchanged "a quote uses no coupon and changes nothing" quote
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"RULE-1",'"$BASKET"'}' \
    -H "Idempotency-Key: $(key)"
check "the sale earns what was quoted, with the discount" \
    test "$STATUS/$(json .points_earned)/$(json .points_base)/$(json .discount_cents)" = "201/$QUOTE_EARNED/$QUOTE_BASE/500"
RULE_SALE=$(json .sale_id)
snapshot quote_used
request till POST /v1/till/sales/quote '{"card_no":"'$DEMO_CARD'",'"$BASKET"'}'
check "quote with the used code -> 200: applied false, coupon_used, the sale that used it" \
    test "$STATUS/$(json '.coupons[0].applied')/$(json '.coupons[0].error')/$(json '.coupons[0].first_use.sale_id')" = "200/false/coupon_used/$RULE_SALE"
check "... and the totals without it: no discount, points on 30.00" \
    test "$(json .discount_cents)/$(json .total_cents)/$(( $(json .points_base) > QUOTE_BASE ))" = "0/3000/1"
request till POST /v1/till/sales/quote '{"card_no":"'$DEMO_CARD'","lines":[{"sku":"D","qty":1,"amount_cents":3000}],"coupons":["'$TAMPERED'"]}'
check "quote with a tampered code -> 200, left out as coupon_not_found" \
    test "$STATUS/$(json '.coupons[0].applied')/$(json '.coupons[0].error')" = "200/false/coupon_not_found"
unchanged "quotes with refused coupons change nothing" quote_used
lty_verify

# ---- loyaltyctl coupons and report ----------------------------------------------------------------
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1)
"${CTL[@]}" coupons create '{"name":"Printed 2 off","kind":"amount_off","amount_off_cents":200}' \
    --json >"$LTY_TMP/cli.create" 2>&1
PRINTED=$(jq -r .campaign_id "$LTY_TMP/cli.create")
check "loyaltyctl coupons create" test "$PRINTED" -ge 1
"${CTL[@]}" coupons codes --campaign "$PRINTED" --count 150 --out "$LTY_TMP/codes.csv" \
    --idempotency-key print-run-1 >"$LTY_TMP/cli.codes" 2>&1
check "loyaltyctl coupons codes --count 150 --out FILE.csv: a header and 150 codes (2 pages)" \
    test "$(wc -l <"$LTY_TMP/codes.csv")/$(tail -n +2 "$LTY_TMP/codes.csv" | cut -d, -f1 | sort -u | wc -l)" = "151/150"
"${CTL[@]}" coupons codes "$PRINTED" --count 150 --out "$LTY_TMP/codes2.csv" \
    --idempotency-key print-run-1 >/dev/null 2>&1
check "a rerun with the same key writes the same codes (none minted again)" \
    cmp -s "$LTY_TMP/codes.csv" "$LTY_TMP/codes2.csv"
request op GET /v1/admin/coupon-campaigns/$PRINTED
check "the campaign counts 150 issued" test "$(json .issued_count)" = "150"
sale CLI-1 3000 '["'$(sed -n 2p "$LTY_TMP/codes.csv" | cut -d, -f1)'"]'
check "a printed code redeems at the till" test "$STATUS/$(json .discount_cents)" = "201/200"
"${CTL[@]}" coupons pause "$PRINTED" >/dev/null 2>&1
request op GET /v1/admin/coupon-campaigns/$PRINTED
check "loyaltyctl coupons pause" test "$(json .status)" = "paused"
"${CTL[@]}" report coupons >"$LTY_TMP/report.txt" 2>&1
check "loyaltyctl report coupons lists the campaigns" \
    grep -Eq "^[0-9]+ +Printed 2 off +paused .* 150 +1 +2\.00 +1 +0 " "$LTY_TMP/report.txt"
op_post /v1/admin/adjustments '{"member_id":1,"points":1000,"reason":"cli voucher"}'
"${CTL[@]}" coupons voucher 1 "$OFFER" --json >"$LTY_TMP/cli.voucher" 2>&1
check "loyaltyctl coupons voucher" test "$(jq -r .points_debited "$LTY_TMP/cli.voucher")" = "500"
lty_finish
