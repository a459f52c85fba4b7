#!/usr/bin/env bash
# Goal: the daemon runs the tier review on its own (tier_review_interval_ms, scheduler.c): a
# member upgraded by a sale keeps the tier while a scheduled review finds them qualifying, and
# once the test clock is past the 12-month window and the 90-day grace, a scheduled review
# downgrades them without anyone calling POST /v1/admin/tiers/review. The audit names the
# scheduler as the principal.
# Method: loyaltyd with --test-clock and a 50 ms review interval; waits are polls of the API or
# the daemon's log with a bounded deadline (no sleeps); loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
jq '.tier_review_interval_ms = 50' "$LTY_DATA/loyaltyd.conf" >"$LTY_TMP/conf" &&
    mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
lty_start --test-clock
CARD=$(sed -n 3p "$LTY_DATA/demo-cards.txt") # member 3
DAY=86400000

# log_count PATTERN: lines of the daemon's log matching PATTERN.
log_count() { grep -c "$1" "$LTY_TMP/daemon.log"; }
# wait_for NAME CONDITION...: poll until CONDITION holds, at most 30 s of polling.
wait_for() {
    local name=$1 deadline=$((SECONDS + 30))
    shift
    until "$@"; do
        if ((SECONDS >= deadline)); then fail "$name (not within 30 s)"; return; fi
    done
    pass "$name"
}
member_tier_is() {
    request op GET "/v1/admin/members/3/tiers"
    [[ "$STATUS/$(json .tier)" == "200/$1" ]]
}
reviews_logged_beyond() { (($(log_count 'event=tier_review reviewed=1 downgraded=0') > $1)); }

request till POST /v1/till/sales '{"card_no":"'$CARD'","receipt_no":"Q-1","lines":[{"sku":"A","qty":1,"amount_cents":1000000}]}' \
    -H "Idempotency-Key: $(key)"
check "a 10,000.00 sale upgrades member 3 to Silver" \
    test "$STATUS/$(json .tier)/$(json .tier_upgraded)" = "201/Silver/true"
SEEN=$(log_count 'event=tier_review reviewed=1 downgraded=0')
wait_for "a scheduled review ran with member 3 above the base tier (kept)" reviews_logged_beyond "$SEEN"
check "member 3 still Silver after it" member_tier_is Silver

request op POST /v1/admin/clock '{"offset_ms":'$((500 * DAY))'}'
check "clock 500 days on (past the window and the grace)" test "$STATUS" = "200"
wait_for "a scheduled review downgrades member 3 to Member" member_tier_is Member
check "history: review downgrade, then the sale upgrade" \
    test "$(json '[.history[] | .from + ">" + .to + ":" + .reason] | join(",")')" = "Silver>Member:review,Member>Silver:sale"
request op GET "/v1/admin/members/3/audit"
check "audit: tier.downgrade by system:scheduler" \
    test "$(json '[.audit[] | select(.action == "tier.downgrade") | .by] | join(",")')" = "system:scheduler"
check "the daemon logged the downgrade" test "$(log_count 'event=tier_review reviewed=1 downgraded=1')" -ge 1
request op POST /v1/admin/clock '{"offset_ms":0}'

lty_finish
