#!/usr/bin/env bash
# Goal: the customer analytics on a generated population with known answers. Twenty members
# k = 1..20 buy k times, 10.00 * k each time, every second day, the last one 21 - k days before
# as_of; the six demo members never buy. So R, F and M all rank the members by k: scores are
# 1 + floor((k - 1) / 4), the segments champions 8 (k 13-20), loyal 4 (9-12), hibernating 4
# (5-8), lost 4 (1-4); the best 20% (k 17-20) bring 1,374,000 of 2,870,000 cents: 4787 basis
# points; members 3-14 are at churn risk (their gap exceeds 3 times their 2-day median), member
# 3 first. Then a return nets out of the purchase it returns, and a bonus run to the champions
# reaches exactly those with a consent, once: the same key again adds nobody.
# Method: loyaltyd --test-clock; each day's sales sent at noon of that day through one curl
# config; answers compared with jq; refusals leave the store unchanged; loyaltyctl verify.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock

DAY=86400000
TODAY=$(($(date +%s) / 86400))
AS_OF_REL=60
day_text() { date -u -d "@$(((TODAY + $1) * 86400))" +%F; }
AS_OF=$(day_text $AS_OF_REL)
# clock_to REL: business time at noon of today + REL days.
clock_to() {
    local offset=$(( (TODAY + $1) * DAY + DAY / 2 - $(date +%s%3N) ))
    request op POST /v1/admin/clock '{"offset_ms":'$offset'}'
    [[ "$STATUS" == 200 ]] || fail "clock to day +$1"
}

# ---- the population ---------------------------------------------------------------------------
declare -a MEMBER CARD
for k in $(seq 1 20); do
    consent=false
    if ((k >= 13 && k <= 16)); then consent=true; fi
    request op POST /v1/admin/members \
        '{"name":"Analytic '$k'","phone":"+86139000100'$(printf %02d $k)'","consents":{"sms":'$consent'}}' \
        -H "Idempotency-Key: $(key)"
    MEMBER[$k]=$(json .member_id)
    request op POST "/v1/admin/members/${MEMBER[$k]}/cards" '' -H "Idempotency-Key: $(key)"
    CARD[$k]=$(json .card_no)
done
check "twenty members with cards" test -n "${CARD[20]}" -a "${MEMBER[20]}" -gt "${MEMBER[1]}"

# Sales of member k on days AS_OF - (21 - k) - 2j, j = 0..k-1, grouped by day.
declare -A SALES_OF_DAY
for k in $(seq 1 20); do
    for j in $(seq 0 $((k - 1))); do
        rel=$((AS_OF_REL - (21 - k) - 2 * j))
        SALES_OF_DAY[$rel]+="$k:$j "
    done
done
sent=0 ok=0
for rel in $(printf '%s\n' "${!SALES_OF_DAY[@]}" | sort -n); do
    clock_to "$rel"
    config="$LTY_TMP/sales.$rel"
    : >"$config"
    for pair in ${SALES_OF_DAY[$rel]}; do
        k=${pair%%:*} j=${pair##*:}
        body='{"card_no":"'${CARD[$k]}'","receipt_no":"A'$k'-'$j'","lines":[{"sku":"S1","category":"dairy","qty":1,"amount_cents":'$((1000 * k))'}]}'
        curl_config_post /v1/till/sales "sale-$k-$j" "${body//\"/\\\"}" >>"$config"
        sent=$((sent + 1))
    done
    ok=$((ok + $(curl -sS -K "$config" | grep -c '^201$')))
done
check "210 sales over 40 days ($ok of $sent answered 201)" test "$ok" = 210 -a "$sent" = 210
clock_to $AS_OF_REL

# ---- RFM ----------------------------------------------------------------------------------------
request op GET "/v1/admin/analytics/rfm?as_of=$AS_OF"
check "rfm: 20 scored, 6 demo members without a purchase" \
    test "$STATUS/$(json .members_scored)/$(json .members_without_purchase)" = "200/20/6"
segments=$(json '[.segments[] | "\(.name)=\(.members)"] | join(",")')
check "rfm: champions 8, loyal 4, hibernating 4, lost 4 ($segments)" test "$segments" = \
    "champions=8,loyal=4,potential=0,new=0,at_risk=0,hibernating=4,lost=4"
check "rfm: four members per score of each measure" \
    test "$(json '[.scores.r, .scores.f, .scores.m] | flatten | unique | join(",")')" = "4"
SNAPSHOT=$(json .snapshot)
request op GET "/v1/admin/analytics/rfm/members?as_of=$AS_OF&segment=champions&limit=5&snapshot=$SNAPSHOT"
first_page=$(json '[.members[].member_id] | join(",")')
next=$(json .next_after)
request op GET "/v1/admin/analytics/rfm/members?as_of=$AS_OF&segment=champions&limit=5&after=$next&snapshot=$SNAPSHOT"
champions="$first_page,$(json '[.members[].member_id] | join(",")')"
expected=$(for k in $(seq 13 20); do printf '%s,' "${MEMBER[$k]}"; done)
check "rfm/members: two pages of champions are members 13-20 ($champions)" \
    test "$champions" = "${expected%,}" -a "$(json .next_after)" = 0
request op GET "/v1/admin/analytics/rfm/members?as_of=$AS_OF&segment=lost"
check "rfm/members: member 1 is lost with R 1 F 1 M 1, 20 days, one purchase of 1000" \
    test "$(json '.members[0] | "\(.member_id)/\(.r)\(.f)\(.m)/\(.recency_days)/\(.frequency)/\(.monetary_cents)"')" \
    = "${MEMBER[1]}/111/20/1/1000"

# ---- loyaltyctl report: table, --json, --csv, --html ------------------------------------------
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --host 127.0.0.1 --port "$LTY_PORT")
request op GET "/v1/admin/analytics/rfm?as_of=$AS_OF"
out=$("${CTL[@]}" report rfm --as-of "$AS_OF" --json)
check "loyaltyctl report rfm --json: the API's document" \
    test "$(jq -c .segments <<<"$out")" = "$(jq -c .segments <<<"$BODY")"
out=$("${CTL[@]}" report rfm --as-of "$AS_OF" --csv)
check "loyaltyctl report rfm --csv: a header and a line per segment" \
    test "$(head -1 <<<"$out")/$(grep -c . <<<"$out")/$(grep '^champions,' <<<"$out")" = \
    "name,members/8/champions,8"
out=$("${CTL[@]}" report rfm --as-of "$AS_OF")
check "loyaltyctl report rfm: a table with the summary" grep -q "members_scored *20" <<<"$out"
"${CTL[@]}" report pareto --from "$(day_text $((AS_OF_REL - 364)))" --to "$AS_OF" \
    --html "$LTY_TMP/pareto.html" >/dev/null
check "loyaltyctl report pareto --html: a self-contained page with an SVG chart" \
    grep -q '<svg.*' "$LTY_TMP/pareto.html"
check "the page shows the top share (4787 bp) and no script or external resource" \
    test "$(grep -c '4787' "$LTY_TMP/pareto.html")" -ge 1 -a \
    "$(grep -ci '<script\|src=' "$LTY_TMP/pareto.html")" = 0
for name in lifecycle churn health; do
    "${CTL[@]}" report "$name" --as-of "$AS_OF" --csv >"$LTY_TMP/$name.csv"
    check "loyaltyctl report $name --csv answers" test -s "$LTY_TMP/$name.csv"
done
"${CTL[@]}" report pareto --top-percent 0 >/dev/null 2>&1
check "loyaltyctl report refused by the daemon (top-percent 0): exit 1" test $? = 1

# ---- Pareto -------------------------------------------------------------------------------------
FROM=$(day_text $((AS_OF_REL - 364)))
request op GET "/v1/admin/analytics/pareto?from=$FROM&to=$AS_OF&top_percent=20"
check "pareto: 20 members, the top 4 bring 1374000 of 2870000 cents = 4787 bp" \
    test "$(json '"\(.members)/\(.top_members)/\(.sales_cents)/\(.top_sales_cents)/\(.top_share_bp)"')" \
    = "20/4/2870000/1374000/4787"
check "pareto: the curve's first decile (2 members: 761000) is 2651 bp, the last 10000" \
    test "$(json '"\(.curve[0].members)/\(.curve[0].share_bp)/\(.curve[9].share_bp)"')" = "2/2651/10000"
request op GET "/v1/admin/analytics/pareto?from=$FROM&to=$AS_OF&store=S002"
check "pareto at another store: no member sales" test "$(json .members)/$(json .top_share_bp)" = "0/0"

# ---- churn and lifecycle -----------------------------------------------------------------------
request op GET "/v1/admin/analytics/churn?as_of=$AS_OF&limit=3"
check "churn: members 3-14 at risk, member 3 first (gap 18 days = 900% of 2)" \
    test "$(json '"\(.members_at_risk)/\(.members[0].member_id)/\(.members[0].gap_days)/\(.members[0].risk_percent)/\(.members[1].member_id)"')" \
    = "12/${MEMBER[3]}/18/900/${MEMBER[4]}"
# The thresholds are a key of the versioned programme (PUT /v1/admin/programme): live
# for the next report; a bad value is 422 naming it and changes nothing.
programme_put() { # programme_put JQ_FILTER: PUT the programme as GET shows it, changed
    request op GET /v1/admin/programme
    request op PUT /v1/admin/programme "$(jq -c "$1" <<<"$BODY")" -H "Idempotency-Key: $(key)"
}
programme_put '.analytics.churn_factor_percent = 1000'
check "PUT programme: churn factor 1000% (200)" \
    test "$STATUS/$(json .analytics.churn_factor_percent)" = "200/1000"
request op GET "/v1/admin/analytics/churn?as_of=$AS_OF&limit=3"
check "churn at 10x: member 3 (900%) no longer at risk, the next report says so" \
    test "$(json .factor_percent)/$(json "[.members[].member_id] | index(${MEMBER[3]})")" = "1000/null"
snapshot thresholds
programme_put '.analytics.churn_factor_percent = 50'
expect_error "a churn factor under 100%" 422 invalid_field
check "the refusal names /analytics/churn_factor_percent" \
    test "$(json .error.field)" = "/analytics/churn_factor_percent"
unchanged "the refused PUT changes nothing" thresholds
programme_put '.analytics.churn_factor_percent = 300'
check "PUT programme: churn factor back to 300%" test "$STATUS" = 200
audit_all
CHANGE=$(jq -r '[.[] | select(.action == "programme.update" and .target == "programme:analytics")]
    | .[0] | "\(.old_value | contains("\"churn_factor_percent\":300,"))/\(.new_value
    | contains("\"churn_factor_percent\":1000,"))"' "$LTY_TMP/audit.json")
check "the audit trail has the change of the analytics key, old and new ($CHANGE)" \
    test "$CHANGE" = "true/true"
request op GET "/v1/admin/analytics/lifecycle?as_of=$AS_OF&months=3"
check "lifecycle: 20 active, the 6 demo members lapsed" \
    test "$(json '.stages | "\(.new)/\(.active)/\(.lapsing)/\(.lapsed)/\(.closed)"')" = "0/20/0/6/0"

# ---- segments and a bonus run -------------------------------------------------------------------
request op POST /v1/admin/segments '{"name":"champions","filter":{"rfm_segments":["champions"]}}' \
    -H "Idempotency-Key: $(key)"
SEGMENT=$(json .segment_id)
check "segment saved (201)" test "$STATUS/$(json .filter.rfm_segments[0])" = "201/champions"
request op GET "/v1/admin/segments/$SEGMENT/members"
check "segment members: the 8 champions" test "$(json .members_count)" = 8
request op POST /v1/admin/segments '{"name":"sms","filter":{"consent":["sms"],"stages":["active"]}}' \
    -H "Idempotency-Key: $(key)"
request op GET "/v1/admin/segments/$(json .segment_id)/members"
check "a consent segment: the 4 members with an sms consent" test "$(json .members_count)" = 4

points_of() { request op GET "/v1/admin/members/$1"; json .points; }
before13=$(points_of "${MEMBER[13]}") before17=$(points_of "${MEMBER[17]}")
RUN_KEY=$(key)
RUN_BODY='{"action":"bonus","points":100,"reason":"thank you, champions","holdout_percent":0}'
request op POST "/v1/admin/segments/$SEGMENT/runs" "$RUN_BODY" -H "Idempotency-Key: $RUN_KEY"
RUN=$(json .run_id)
check "run: 8 members, 4 granted, 4 skipped without consent, done (201)" \
    test "$STATUS/$(json .members)/$(json .granted)/$(json .skipped)/$(json .state)" = "201/8/4/4/done"
check "a champion with consent got 100 points" test "$(points_of "${MEMBER[13]}")" = $((before13 + 100))
check "a champion without consent got nothing" test "$(points_of "${MEMBER[17]}")" = "$before17"
snapshot run
request op POST "/v1/admin/segments/$SEGMENT/runs" "$RUN_BODY" -H "Idempotency-Key: $RUN_KEY"
check "the same run again is a replay" \
    test "$STATUS/$(json .run_id)" = "201/$RUN" -a -n "$(grep -i '^Idempotent-Replayed: true' <<<"$HEADERS")"
unchanged "the replayed run adds nobody" run
request op POST "/v1/admin/segments/$SEGMENT/runs" '{"action":"bonus","points":200,"reason":"x"}' \
    -H "Idempotency-Key: $RUN_KEY"
expect_error "the run's key with another body" 422 idempotency_key_reused
unchanged "the refused run adds nobody" run
request op GET "/v1/admin/segments/$SEGMENT/runs/$RUN"
check "the run reads back done with 4 granted" test "$(json .state)/$(json .granted)" = "done/4"
request op GET "/v1/admin/analytics/uplift?run_id=$RUN&days=30"
check "uplift: 4 targeted members, their 30 days before counted" \
    test "$STATUS/$(json .targeted.members)/$(json .holdout.members)" = "200/4/0" -a "$(json .targeted.before_cents)" -gt 0
request op GET "/v1/admin/analytics/health?as_of=$AS_OF&months=3"
check "health: 26 members in the base tier, one campaign, three months" \
    test "$(json '"\(.tiers[0].members)/\(.campaigns | length)/\(.months | length)"')" = "26/1/3"
check "health: points issued in the last month include the 400 of the run" \
    test "$(json '.points[-1].issued')" -ge 400

# ---- a coupon run: a coupon issue to the same champions ---------------------------------------
coupons_of() { request op GET "/v1/admin/members/$1/coupons"; json '.coupons | length'; }
request op POST /v1/admin/coupon-campaigns \
    '{"name":"Champions","kind":"amount_off","amount_off_cents":500}' -H "Idempotency-Key: $(key)"
CAMPAIGN=$(json .campaign_id)
check "a coupon campaign (201)" test "$STATUS" = 201
snapshot coupon
request op POST "/v1/admin/segments/$SEGMENT/runs" '{"action":"coupon","campaign_id":999}' \
    -H "Idempotency-Key: $(key)"
expect_error "a coupon run of a missing campaign" 404 campaign_not_found
unchanged "the refused coupon run issues nothing" coupon
request op POST "/v1/admin/segments/$SEGMENT/runs" '{"action":"coupon","campaign_id":1,"points":5}' \
    -H "Idempotency-Key: $(key)"
expect_error "a coupon run with points" 422 invalid_field
COUPON_KEY=$(key)
COUPON_BODY='{"action":"coupon","campaign_id":'$CAMPAIGN'}'
request op POST "/v1/admin/segments/$SEGMENT/runs" "$COUPON_BODY" -H "Idempotency-Key: $COUPON_KEY"
COUPON_RUN=$(json .run_id)
check "coupon run: 8 members, 4 issued, 4 skipped without consent, done (201)" \
    test "$STATUS/$(json .members)/$(json .granted)/$(json .skipped)/$(json .state)/$(json .campaign_id)" \
    = "201/8/4/4/done/$CAMPAIGN"
request op GET "/v1/admin/members/${MEMBER[13]}/coupons"
check "a champion with consent has the campaign's coupon" \
    test "$(json '.coupons | length')/$(json '.coupons[0].campaign_id')" = "1/$CAMPAIGN"
check "a champion without consent has none" test "$(coupons_of "${MEMBER[17]}")" = 0
snapshot coupon_run
request op POST "/v1/admin/segments/$SEGMENT/runs" "$COUPON_BODY" -H "Idempotency-Key: $COUPON_KEY"
check "the same coupon run again is a replay" test "$STATUS/$(json .run_id)" = "201/$COUPON_RUN"
unchanged "the replayed coupon run issues nobody a second coupon" coupon_run
check "still one coupon for the champion" test "$(coupons_of "${MEMBER[13]}")" = 1

# ---- a return nets out of the purchase it returns ------------------------------------------------
clock_to $((AS_OF_REL - 1))
request till POST /v1/till/returns '{"receipt_no":"A1-0"}' -H "Idempotency-Key: $(key)"
check "member 1 returns their only purchase" test "$STATUS" = 201
clock_to $AS_OF_REL
request op GET "/v1/admin/analytics/pareto?from=$FROM&to=$AS_OF&top_percent=20"
check "pareto after the return: 19 members, 1374000 of 2869000 = 4789 bp" \
    test "$(json '"\(.members)/\(.top_members)/\(.sales_cents)/\(.top_share_bp)"')" = "19/4/2869000/4789"
request op GET "/v1/admin/analytics/rfm?as_of=$AS_OF"
check "rfm after the return: 19 scored, 7 without a purchase" \
    test "$(json .members_scored)/$(json .members_without_purchase)" = "19/7"

# ---- refusals ------------------------------------------------------------------------------------
snapshot refusals
request op GET "/v1/admin/analytics/rfm?as_of=2026-13-01"
expect_error "rfm with a malformed as_of" 400 invalid_query
request op GET "/v1/admin/analytics/pareto?top_percent=0"
expect_error "pareto with top_percent 0" 400 invalid_query
request op GET "/v1/admin/analytics/rfm/members?segment=vip"
expect_error "rfm/members of an unknown segment" 400 invalid_query
request op GET /v1/admin/segments/999/members
expect_error "members of a missing segment" 404 not_found
request op POST /v1/admin/segments '{"name":"x","filter":{"colour":"red"}}' -H "Idempotency-Key: $(key)"
expect_error "a filter with an unknown key" 422 invalid_field
request op POST /v1/admin/segments/999/runs "$RUN_BODY" -H "Idempotency-Key: $(key)"
expect_error "a run of a missing segment" 404 not_found
request op POST "/v1/admin/segments/$SEGMENT/runs" '{"action":"bonus","points":0,"reason":"x"}' \
    -H "Idempotency-Key: $(key)"
expect_error "a run of 0 points" 422 invalid_field
request till GET "/v1/admin/analytics/rfm"
expect_error "a till may not read analytics" 403 forbidden
unchanged "refusals" refusals

lty_finish
