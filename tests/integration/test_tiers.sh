#!/usr/bin/env bash
# Goal: tiers on the demo programme (Member / Silver 10,000.00 / Gold / Platinum on
# rolling 12-month eligible spend; Silver earns 1.25x): the till look-up shows the tier and what
# the next one still needs, the qualifying sale upgrades at once (and still earns at the old
# rate), the next sale earns with the multiplier, the review keeps the tier inside the grace
# period and downgrades after it (controllable clock), and the tier history records both.
# Method: the real daemon with --test-clock, curl, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock
CARD=$(sed -n 3p "$LTY_DATA/demo-cards.txt") # member 3, no points
DAY=86400000

sale() { # sale RECEIPT CENTS
    request till POST /v1/till/sales '{"card_no":"'$CARD'","receipt_no":"'$1'","lines":[{"sku":"A","qty":1,"amount_cents":'$2'}]}' \
        -H "Idempotency-Key: $(key)"
}

request till GET "/v1/till/cards/$CARD"
MEMBER=$(json .member_id)
check "look-up: base tier, 10,000.00 to Silver" \
    test "$STATUS/$(json .tier)/$(json .tier_next)/$(json .tier_next_needed)" = "200/Member/Silver/1000000"
sale T-1 900000
check "9,000.00 earns 9000 at 1x, no upgrade" \
    test "$STATUS/$(json .points_earned)/$(json .tier)/$(json .tier_upgraded)" = "201/9000/Member/false"
request till GET "/v1/till/cards/$CARD"
check "look-up: 1,000.00 still needed" test "$(json .tier_next_needed)/$(json .tier_qualifying)" = "100000/900000"
sale T-2 100000
check "the qualifying sale upgrades at once (Silver) and earns at the old rate (1000)" \
    test "$STATUS/$(json .points_earned)/$(json .tier)/$(json .tier_upgraded)" = "201/1000/Silver/true"
sale T-3 10000
check "the next sale earns 1.25x (100 -> 125) without a new upgrade" \
    test "$STATUS/$(json .points_earned)/$(json .tier)/$(json .tier_upgraded)" = "201/125/Silver/false"
request till GET "/v1/till/cards/$CARD"
check "look-up: Silver, Gold next" test "$(json .tier)/$(json .tier_next)" = "Silver/Gold"

request op POST /v1/admin/tiers/review '' -H "Idempotency-Key: $(key)"
check "review now keeps Silver (1 reviewed, 0 downgraded)" \
    test "$STATUS/$(json .members_reviewed)/$(json .members_downgraded)" = "200/1/0"

# 400 days later the sales are out of the 12-month window but inside the 90-day grace.
request op POST /v1/admin/clock '{"offset_ms":'$((400 * DAY))'}'
request till GET "/v1/till/cards/$CARD"
check "400 days on: no qualifying spend in the window" test "$(json .tier_qualifying)/$(json .tier)" = "0/Silver"
request op POST /v1/admin/tiers/review '' -H "Idempotency-Key: $(key)"
check "review inside the grace period keeps Silver" \
    test "$STATUS/$(json .members_downgraded)" = "200/0"
request op POST /v1/admin/clock '{"offset_ms":'$((500 * DAY))'}'
request op POST /v1/admin/tiers/review '' -H "Idempotency-Key: $(key)"
check "review after the grace period downgrades (1)" test "$STATUS/$(json .members_downgraded)" = "200/1"
request till GET "/v1/till/cards/$CARD"
check "look-up: Member again" test "$(json .tier)" = "Member"
request op GET "/v1/admin/members/$MEMBER/tiers"
check "tier history: review downgrade, then the sale upgrade (newest first)" \
    test "$(json '[.history[] | .from + ">" + .to + ":" + .reason] | join(",")')" = "Silver>Member:review,Member>Silver:sale"
request op GET "/v1/admin/members/$MEMBER/audit"
check "audit has tier.upgrade and tier.downgrade" \
    test "$(json '[.audit[].action] | (index("tier.upgrade") != null) and (index("tier.downgrade") != null)')" = true
request op POST /v1/admin/tiers/review '' -H "Idempotency-Key: $(key)"
check "a second review changes nothing" test "$STATUS/$(json .members_reviewed)" = "200/0"
request op POST /v1/admin/clock '{"offset_ms":0}'

# Returns and voids take the spend back out of the buckets; the tier only falls at the review.
CARD=$(sed -n 4p "$LTY_DATA/demo-cards.txt") # member 4
sale R-1 1000000
SALE=$(json .sale_id)
check "member 4: a 10,000.00 sale upgrades to Silver" \
    test "$STATUS/$(json .tier)/$(json .tier_upgraded)" = "201/Silver/true"
request till POST /v1/till/returns '{"sale_id":'$SALE',"lines":[{"sku":"A","qty":1}]}' -H "Idempotency-Key: $(key)"
check "the sale returned" test "$STATUS" = "201"
request till GET "/v1/till/cards/$CARD"
check "after the return: nothing qualifies, still Silver until the review" \
    test "$(json .tier_qualifying)/$(json .tier)" = "0/Silver"
request op POST /v1/admin/tiers/review '' -H "Idempotency-Key: $(key)"
check "the review downgrades at once: the returned spend counts neither now nor in the grace window" \
    test "$STATUS/$(json .members_reviewed)/$(json .members_downgraded)" = "200/1/1"
request op GET "/v1/admin/members/4/tiers"
check "member 4 history: review downgrade, then the sale upgrade" \
    test "$(json .tier)/$(json '[.history[] | .from + ">" + .to + ":" + .reason] | join(",")')" = "Member/Silver>Member:review,Member>Silver:sale"
CARD=$(sed -n 5p "$LTY_DATA/demo-cards.txt") # member 5: a partial return, then a void
sale R-2 600000
sale R-3 500000
check "member 5: 6,000.00 + 5,000.00 -> Silver" test "$STATUS/$(json .tier)" = "201/Silver"
VOIDED=$(json .sale_id)
request till POST "/v1/till/sales/$VOIDED/void" '' -H "Idempotency-Key: $(key)"
check "the second sale voided" test "$STATUS" = "201"
request till GET "/v1/till/cards/$CARD"
check "after the void: 6,000.00 qualifies, still Silver" \
    test "$(json .tier_qualifying)/$(json .tier)" = "600000/Silver"
request op POST /v1/admin/tiers/review '' -H "Idempotency-Key: $(key)"
check "the review downgrades member 5" test "$STATUS/$(json .members_downgraded)" = "200/1"
request till GET "/v1/till/cards/$CARD"
check "member 5: Member, 4,000.00 to Silver" \
    test "$(json .tier)/$(json .tier_next_needed)" = "Member/400000"

lty_finish
