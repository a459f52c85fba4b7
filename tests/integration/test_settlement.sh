#!/usr/bin/env bash
# Goal: the settlement report (GET /v1/admin/reports/settlement) reconciles exactly with the
# journal: after top-ups (cash, bank card, operator), sales with every tender (one at store
# S002), a return at another till of that store, a void and an account close, the report's totals equal the sums of the
# postings read back from every member's journal through the API, the tender columns agree
# with each other, the store filter keeps one store's rows, and bad dates are refused. Ends
# with loyaltyctl verify.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
CARD2=$(sed -n 2p "$LTY_DATA/demo-cards.txt")
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T01 --out "$LTY_TMP" >/dev/null
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T02 --out "$LTY_TMP" >/dev/null
OTHER="$LTY_TMP/till-S002-T01"
OTHER2="$LTY_TMP/till-S002-T02" # a till takes back only its own store's sales (till scoping)
FROM=$(date -u -d yesterday +%F)
TO=$(date -u -d tomorrow +%F)

request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":30000,"tender":"cash"}' -H "Idempotency-Key: $(key)"
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":20000,"tender":"bank_card"}' -H "Idempotency-Key: $(key)"
request till POST /v1/till/prepaid/topups '{"card_no":"'$CARD2'","amount_cents":7000,"tender":"cash"}' -H "Idempotency-Key: $(key)"
request op POST /v1/admin/prepaid/topups '{"member_id":1,"amount_cents":1111,"tender":"bank_card","reason":"transfer"}' -H "Idempotency-Key: $(key)"
check "four top-ups" test "$STATUS" = "201"
request "$OTHER" POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"S-1","lines":[{"sku":"A","qty":3,"amount_cents":9000}],"redeem_points":200,"tenders":[{"type":"prepaid","amount_cents":5000},{"type":"cash","amount_cents":2000},{"type":"bank_card","amount_cents":1800}]}' -H "Idempotency-Key: $(key)"
S1=$(json .sale_id)
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"S-2","lines":[{"sku":"B","qty":1,"amount_cents":4321}]}' -H "Idempotency-Key: $(key)"
request till POST /v1/till/sales '{"card_no":"'$CARD2'","receipt_no":"S-3","lines":[{"sku":"C","qty":2,"amount_cents":3000}],"tenders":[{"type":"prepaid","amount_cents":3000}]}' -H "Idempotency-Key: $(key)"
S3=$(json .sale_id)
check "three sales" test "$STATUS" = "201"
request "$OTHER2" POST /v1/till/returns '{"sale_id":'$S1',"lines":[{"sku":"A","qty":1}]}' -H "Idempotency-Key: $(key)"
check "a return at S002/T02" test "$STATUS" = "201"
RET_CASH=$(json .refunds.cash_cents)
RET_CARD=$(json .refunds.bank_card_cents)
request till POST "/v1/till/sales/$S3/void" '' -H "Idempotency-Key: $(key)"
check "a void at S001" test "$STATUS" = "201"
request op POST /v1/admin/members/2/close '{"reason":"leaving","payout":"cash","store":"S001"}' -H "Idempotency-Key: $(key)"
check "member 2 closed (paid out 7000)" test "$STATUS/$(json .prepaid_paid_out_cents)" = "200/7000"

request op GET "/v1/admin/reports/settlement?from=$FROM&to=$TO"
check "report -> 200, UTC" test "$STATUS/$(json .timezone)/$(json .truncated)" = "200/UTC/false"
REPORT=$BODY
t() { jq -r ".totals.$1" <<<"$REPORT"; }

# The journal, read back member by member through the API
: >"$LTY_TMP/entries.json"
for member in 1 2 3 4 5 6; do
    request op GET "/v1/admin/members/$member/journal?limit=100"
    json '.entries[]' >>"$LTY_TMP/entries.json"
done
sum() { jq -s "[.[] | select($1) | .postings[] | select(.account == \"$2\") | .amount] | add // 0" "$LTY_TMP/entries.json"; }
count() { jq -s "[.[] | select(.kind == \"$1\")] | length" "$LTY_TMP/entries.json"; }
ALL='true'
check "prepaid: topped up + refunded - spent - paid out = the member-prepaid postings" \
    test "$(( $(t prepaid_topped_up_cash_cents) + $(t prepaid_topped_up_bank_card_cents) + $(t prepaid_refunded_cents) - $(t prepaid_spent_cents) - $(t prepaid_paid_out_cents) ))" = "$(sum "$ALL" member-prepaid)"
check "prepaid topped up in cash = the cash-in postings (30000 + 7000)" \
    test "$(t prepaid_topped_up_cash_cents)/$(( -$(sum "$ALL" cash-in) ))" = "37000/37000"
check "prepaid topped up by bank card = bank-card-in (20000 + 1111)" \
    test "$(t prepaid_topped_up_bank_card_cents)/$(( -$(sum "$ALL" bank-card-in) ))" = "21111/21111"
check "prepaid paid out = cash-out postings (7000)" \
    test "$(t prepaid_paid_out_cents)/$(sum "$ALL" cash-out)" = "7000/7000"
check "prepaid spent - refunded = prepaid-float postings" \
    test "$(( $(t prepaid_spent_cents) - $(t prepaid_refunded_cents) ))" = "$(sum "$ALL" prepaid-float)"
check "points earned (net) = -(points-issued postings)" \
    test "$(t points_earned)" = "$(( -$(sum "$ALL" points-issued) ))"
check "points redeemed (net) = points-redeemed postings" \
    test "$(t points_redeemed)" = "$(sum "$ALL" points-redeemed)"
check "points forfeited = points-expired postings" \
    test "$(t points_forfeited)" = "$(sum "$ALL" points-expired)"
check "points adjusted = -(points-adjusted postings) (the demo's starting bonuses)" \
    test "$(t points_adjusted)" = "$(( -$(sum "$ALL" points-adjusted) ))"
check "counts: sales, returns, voids as in the journal" \
    test "$(t sales_count)/$(t returns_count)/$(t voids_count)" = "$(count sale)/$(count return)/$(count void)"
check "sale tenders: prepaid 5000 + 3000 = prepaid spent; cash 2000; bank card 1800" \
    test "$(t sales_prepaid_cents)/$(t prepaid_spent_cents)/$(t sales_cash_cents)/$(t sales_bank_card_cents)" = "8000/8000/2000/1800"
check "refunds by tender: the return's cash and bank card" \
    test "$(t refunded_cash_cents)/$(t refunded_bank_card_cents)" = "$RET_CASH/$RET_CARD"
check "rows add up to the totals" \
    test "$(jq '[.rows[].prepaid_spent_cents] | add' <<<"$REPORT")/$(jq '[.rows[].sales_count] | add' <<<"$REPORT")" = "$(t prepaid_spent_cents)/$(t sales_count)"
check "rows: S001/T01, S002/T01, S002/T02 and head office (operator entries)" \
    test "$(jq -r '[.rows[] | "\(.store)/\(.till)"] | unique | join(",")' <<<"$REPORT")" = "/,S001/,S001/T01,S002/T01,S002/T02"

# loyaltyctl report settlement: --json is the API's document; the table has a line per row
"$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --json report settlement --from "$FROM" \
    --to "$TO" >"$LTY_TMP/cli.json" 2>"$LTY_TMP/cli.err"
check "loyaltyctl report settlement --json = the API's document" \
    test "$(jq -S . "$LTY_TMP/cli.json")" = "$(jq -S . <<<"$REPORT")"
"$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" report settlement --store S002 \
    --from "$FROM" --to "$TO" >"$LTY_TMP/cli.txt" 2>"$LTY_TMP/cli.err"
check "loyaltyctl report settlement --store S002: header, one S002/T02 line, totals" \
    test "$(grep -c ' S002 *T02 ' "$LTY_TMP/cli.txt")/$(grep -c '^total ' "$LTY_TMP/cli.txt")/$(tail -1 "$LTY_TMP/cli.txt")" = "1/1/2 rows"
"$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" report settlement --from 2026-13-01 \
    >/dev/null 2>"$LTY_TMP/cli.err"
check "loyaltyctl report settlement with a bad date: exit 1, the daemon's invalid_query" \
    test "$?/$(grep -c invalid_query "$LTY_TMP/cli.err")" = "1/1"
"$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" report settlement >/dev/null 2>&1
check "loyaltyctl report settlement without --from: usage (exit 2)" test "$?" = "2"

request op GET "/v1/admin/reports/settlement?store=S002&from=$FROM&to=$TO"
check "store=S002: two rows, the sale at T01 and the return at T02" \
    test "$(json '.rows|length')/$(json '[.rows[]|select(.till=="T02")][0]|"\(.returns_count)/\(.sales_count)"')" = "2/1/0"
request op GET "/v1/admin/reports/settlement?from=2001-01-01&to=2001-01-31"
check "a period with no entries: no rows, zero totals" test "$(json '.rows|length')/$(json .totals.sales_count)" = "0/0"
request op GET "/v1/admin/reports/settlement?from=2026-13-01"
expect_error "month 13" 400 invalid_query
request op GET "/v1/admin/reports/settlement?from=$TO&to=$FROM"
expect_error "to before from" 400 invalid_query
request op GET "/v1/admin/reports/settlement"
expect_error "no from" 400 invalid_query
request till GET "/v1/admin/reports/settlement?from=$FROM"
check "a till may not read settlement (403)" test "$STATUS" = "403"

lty_finish
