#!/usr/bin/env bash
# Goal: staff commission: a sale, a card activation and a top-up naming a staff
# member pay commission into that staff member's commission-payable account in the same journal
# entry (or its own for an activation); an unknown or deactivated staff member is 422
# staff_not_found and changes nothing; a return claws back the commission of the returned lines
# and a void all of it; the statement (API and loyaltyctl report commission) adds it up per
# staff member; loyaltyctl staff add/list/deactivate.
# Method: the demo (staff E001 at S001, E002 at S002; 0.5 % of sales, 2.00 per activation, 1.00
# per top-up), curl, loyaltyctl, the stats digest, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1)
TODAY=$(TZ=UTC date -d "@$(( $(date +%s) + 8 * 3600 ))" +%F) # the demo's zone, +08:00

sale() { # sale RECEIPT STAFF: 60.00 of rice and 40.00 of oil
    request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"'$1'","staff_id":"'$2'","lines":[{"sku":"RICE","category":"grain","qty":1,"amount_cents":6000},{"sku":"OIL","category":"oil","qty":1,"amount_cents":4000}]}' \
        -H "Idempotency-Key: $(key)"
}

sale C-1 E001
SALE1=$(json .sale_id)
check "a sale by E001: 0.5 % of 100.00 = 50" \
    test "$STATUS/$(json .staff_id)/$(json .commission_cents)" = "201/E001/50"
request op GET "/v1/admin/members/1/journal?limit=1"
check "in the sale's own entry: commission-payable +50, commission-expense -50" \
    test "$(json '[.entries[0].postings[] | select(.asset == "currency") | "\(.account):\(.amount)"] | join(",")')" = "commission-payable:50,commission-expense:-50"
snapshot sold
sale C-2 E999
expect_error "an unknown staff member" 422 staff_not_found
check "the field is named" test "$(json .error.field)" = "/staff_id"
unchanged "the refused sale changed nothing" sold

OUT=$("${CTL[@]}" --json staff add E003 --name "郑洁" --store S001)
check "loyaltyctl staff add" test "$(jq -r '.staff_id + "/" + .status' <<<"$OUT")" = "E003/active"
check "loyaltyctl staff list --store S001: E001, E003" \
    test "$("${CTL[@]}" --json staff list --store S001 | jq -r '[.staff[].staff_id] | join(",")')" = "E001,E003"
check "loyaltyctl staff deactivate" test "$("${CTL[@]}" --json staff deactivate E003 | jq -r .status)" = "inactive"
snapshot deactivated
sale C-3 E003
expect_error "a deactivated staff member" 422 staff_not_found
unchanged "after the deactivated staff member's sale" deactivated
request op POST /v1/admin/staff '{"staff_id":"E009","name":"x","store_id":"S999"}' -H "Idempotency-Key: $(key)"
expect_error "a staff member of an unknown store" 404 store_not_found
request op POST /v1/admin/staff '{"staff_id":"E001","name":"x","store_id":"S001"}' -H "Idempotency-Key: $(key)"
expect_error "a staff id taken" 409 already_exists

request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":10000,"tender":"cash","staff_id":"E001"}' \
    -H "Idempotency-Key: $(key)"
check "a top-up by E001" test "$STATUS" = "201"
request op POST /v1/admin/cards/batches '{"count":1}' -H "Idempotency-Key: $(key)"
PRINTED=$(json '.cards[0]')
request till POST "/v1/till/cards/$PRINTED/activate" '{"phone":"+8613900000777","name":"新会员","staff_id":"E001"}' \
    -H "Idempotency-Key: $(key)"
check "an activation by E001: 2.00" \
    test "$STATUS/$(json .staff_id)/$(json .commission_cents)" = "201/E001/200"

request till POST /v1/till/returns '{"sale_id":'$SALE1',"lines":[{"sku":"OIL","qty":1}]}' -H "Idempotency-Key: $(key)"
check "the oil comes back (40.00)" test "$STATUS/$(json .refund_cents)" = "201/4000"
request op GET "/v1/admin/members/1/journal?limit=1"
check "the return claws back 40 % of the 50: commission-payable -20" \
    test "$(json '[.entries[0].postings[] | select(.account == "commission-payable") | .amount] | join(",")')" = "-20"
sale C-4 E002
SALE4=$(json .sale_id)
request till POST "/v1/till/sales/$SALE4/void" "" -H "Idempotency-Key: $(key)"
check "a void of E002's sale" test "$STATUS/$(json .sale_status)" = "201/voided"

request op GET "/v1/admin/reports/commission?from=$TODAY&to=$TODAY"
row() { json ".rows[] | select(.staff_id == \"$1\") | [.sales_count, .sales_cents, .cards_activated, .topups_count, .returns_count, .commission_cents, .clawback_cents, .net_cents, .balance_cents] | map(tostring) | join(\",\")"; }
check "statement: E001 one sale, one card, one top-up, one claw-back: 350 - 20" \
    test "$STATUS/$(row E001)" = "200/1,10000,1,1,1,350,20,330,330"
check "statement: E002's voided sale nets to 0" test "$(row E002)" = "1,10000,0,0,1,50,50,0,0"
check "the statement's total" test "$(json .net_cents)/$(json .timezone)" = "330/+08:00"
request op GET "/v1/admin/reports/commission?from=$TODAY&store=S002"
check "at store S002 nobody sold" test "$STATUS/$(json '.rows | length')" = "200/0"
request op GET "/v1/admin/reports/commission?from=2026-02-30"
expect_error "a date that does not exist" 400 invalid_query
OUT=$("${CTL[@]}" report commission --from "$TODAY" --csv)
check "loyaltyctl report commission --csv: E001's line" \
    grep -Eq "^E001,.*,350,20,330,330$" <<<"$OUT"

lty_finish
