#!/usr/bin/env bash
# Goal: points expiry: lots are spent soonest-expiring first; a lot past its expiry
# is never spent nor counted in a look-up, and a spend beyond what is left is 409
# insufficient_points with the store unchanged; the sweep posts one expire entry per member and
# lot, once, however often it runs (twice in a row, and again after a restart); the scheduler
# sweeps by itself; the look-up shows points_expiring, and neither the member view nor the
# member's data export counts an expired lot; loyaltyctl expiry sweep.
# Method: the demo with --test-clock (days moved with POST /v1/admin/clock), member 3 (no
# points), curl, the stats digest, the member's journal, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock
CARD=$(sed -n 3p "$LTY_DATA/demo-cards.txt") # member 3: no points
DAY=86400000

clock() { request op POST /v1/admin/clock '{"offset_ms":'$(($1 * DAY))'}'; }
sale() { # sale RECEIPT CENTS [REDEEM]
    request till POST /v1/till/sales '{"card_no":"'$CARD'","receipt_no":"'$1'","redeem_points":'${3:-0}',"lines":[{"sku":"A","qty":1,"amount_cents":'$2'}]}' \
        -H "Idempotency-Key: $(key)"
}
expire_entries() { # the member's expire entries, as "points,points"
    request op GET "/v1/admin/members/3/journal?limit=200"
    json '[.entries[] | select(.kind == "expire") | .postings[] | select(.account == "member-points") | -.amount] | map(tostring) | join(",")'
}

sale E-1 10000 # 100 points, expiring after 730 days
check "day 0: 100 points" test "$STATUS/$(json .points_balance)" = "201/100"
clock 100
sale E-2 5000 # 50 points, expiring on day 830
clock 200
sale E-3 20000 120 # 1.20 redeemed: 100 from the day-730 lot, then 20 from the day-830 lot
check "day 200: 120 redeemed, 198 earned on 198.80" \
    test "$STATUS/$(json .points_redeemed)/$(json .points_earned)/$(json .points_balance)" = "201/120/198/228"
request till GET "/v1/till/cards/$CARD"
check "soonest-expiring first: 30 left of the day-830 lot, then the 198" \
    test "$(json '[.points_expiring[].points] | map(tostring) | join(",")')" = "30,198"

clock 831
request till GET "/v1/till/cards/$CARD"
check "day 831: the look-up no longer counts the expired 30" \
    test "$STATUS/$(json .points)/$(json '.points_expiring | length')" = "200/198/1"
snapshot expired
sale E-4 100000 199
expect_error "spending 199 when 198 may be spent" 409 insufficient_points
unchanged "the refused spend changed nothing" expired
request till GET "/v1/till/cards/$CARD"
check "the balance shown is unchanged: 198" test "$(json .points)" = "198"
request op GET /v1/admin/members/3
member_points=$(json .points)
request op GET /v1/admin/members/3/export
check "the member view and the member's data export count no expired lot either: 198" \
    test "$member_points/$STATUS/$(json .balances.points_balance)" = "198/200/198"

request op POST /v1/admin/expiry/sweep '' -H "Idempotency-Key: $(key)"
check "the sweep expires the due lots (the demo's welcome bonuses and member 3's 30)" \
    test "$STATUS/$(json .lots_expired)/$(json .points_expired)" = "200/3/1580"
check "member 3: one expire entry of 30" test "$(expire_entries)" = "30"
request op POST /v1/admin/expiry/sweep '' -H "Idempotency-Key: $(key)"
check "a second sweep expires nothing" test "$STATUS/$(json .lots_expired)/$(json .lots_visited)" = "200/0/0"
check "still one expire entry" test "$(expire_entries)" = "30"

lty_stop
lty_verify
lty_start --test-clock
clock 831
request op POST /v1/admin/expiry/sweep '' -H "Idempotency-Key: $(key)"
check "after a restart the sweep expires nothing again" test "$STATUS/$(json .lots_expired)" = "200/0"
check "still one expire entry after the restart" test "$(expire_entries)" = "30"
OUT=$("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1 --json expiry sweep)
check "loyaltyctl expiry sweep: nothing left to expire" \
    test "$(jq -r '"\(.lots_expired)/\(.points_expired)"' <<<"$OUT")" = "0/0"

# The scheduler sweeps by itself (programme_jobs_interval_ms).
lty_stop
jq '.programme_jobs_interval_ms = 50' "$LTY_DATA/loyaltyd.conf" >"$LTY_TMP/conf" &&
    mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
lty_start --test-clock
clock 931
wait_for() { # wait_for NAME CONDITION...: poll the API, at most 30 s (no sleeps)
    local name=$1 deadline=$((SECONDS + 30))
    shift
    until "$@"; do
        if ((SECONDS >= deadline)); then fail "$name (not within 30 s)"; return; fi
    done
    pass "$name"
}
swept_by_scheduler() { [[ "$(expire_entries)" == "198,30" ]]; }
wait_for "the scheduler expired the 198 on day 931 without the route" swept_by_scheduler
request till GET "/v1/till/cards/$CARD"
check "nothing left to spend or to expire" test "$(json .points)/$(json '.points_expiring | length')" = "0/0"
check "the daemon logged its sweep" grep -q "event=expiry_sweep lots_expired=1 points_expired=198" "$LTY_TMP/daemon.log"

lty_finish
