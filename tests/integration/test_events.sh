#!/usr/bin/env bash
# Goal: GET /v1/admin/events gives every journal entry as an event with a global sequence, and
# cursor pages (after=next_after) never skip and never reorder, even while entries are being
# written between pages.
# Method: a few sales (earn, redeem), a top-up and an adjustment; read the feed in pages of 2
# while writing more between the pages; the sequences read must be exactly 1..N with N the
# journal's entry count (loyaltyctl stats), and the types follow the one mapping table.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"

lty_init_demo
lty_start

sale() { # sale RECEIPT [REDEEM]
    request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"'$1'","redeem_points":'${2:-0}',"lines":[{"sku":"A","category":"c","qty":1,"amount_cents":5000}]}' \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]]
}
check "a sale that earns" sale E-1
check "a sale that redeems" sale E-2 100
request till POST /v1/till/prepaid/topups '{"card_no":"'$DEMO_CARD'","amount_cents":10000,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
check "a top-up" test "$STATUS" = 201
MEMBER=$(json .member_id)
request op POST /v1/admin/adjustments '{"member_id":'"${MEMBER:-1}"',"points":7,"reason":"goodwill"}' \
    -H "Idempotency-Key: $(key)"
check "an adjustment" test "$STATUS" = 201

# Read in pages of 2, writing a sale between pages: nothing skipped, nothing out of order.
after=0
seqs=()
types=()
for ((page = 0; page < 100; page++)); do
    request op GET "/v1/admin/events?after=$after&limit=2"
    [[ "$STATUS" == 200 ]] || break
    while read -r seq type; do
        seqs+=("$seq")
        types+=("$type")
    done < <(json '.events[] | "\(.seq) \(.type)"')
    after=$(json .next_after)
    [[ "$(json .more)" == true ]] || break
    ((page < 3)) && sale "E-page-$page"
done
check "the pages came back 200" test "$STATUS" = 200
entries=$("$LOYALTYCTL" stats "$LTY_DATA" | awk '$1 == "journal" {print $2}')
expected=$(seq -s ' ' 1 "$entries")
check "the feed's sequences are exactly 1..$entries, in order, none skipped (${seqs[*]})" \
    test "${seqs[*]}" = "$expected"
joined=" ${types[*]} "
check "earns are points.earned" test "${joined#* points.earned }" != "$joined"
check "redemptions are points.redeemed" test "${joined#* points.redeemed }" != "$joined"
check "top-ups are prepaid.topped_up" test "${joined#* prepaid.topped_up }" != "$joined"
check "adjustments are points.adjusted" test "${joined#* points.adjusted }" != "$joined"

request op GET "/v1/admin/events?after=$after"
check "after the last sequence: an empty page that says there is no more" \
    test "$STATUS/$(json '.events|length')/$(json .more)/$(json .next_after)" = "200/0/false/$after"
request op GET "/v1/admin/events?limit=201"
expect_error "a page larger than 200" 400 invalid_query
request till GET "/v1/admin/events"
expect_error "a till may not read the feed" 403 forbidden

lty_finish
