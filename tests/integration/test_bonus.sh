#!/usr/bin/env bash
# Goal: bonuses: a bonus is granted once per member per key, so a re-run (with a new
# request, as after a crash) applies nothing twice; unknown members are reported, not refused;
# expires_at sets the lot's last day; bad requests are 422 naming the field and change nothing;
# loyaltyctl bonus grant sends a large list in chunks with progress and its rerun grants
# nothing twice; the birthday bonus comes once on the birthday, in the programme's time zone,
# and again a year later.
# Method: the demo (members 1..6, birthday bonus 100 points), --test-clock, curl, loyaltyctl,
# the stats digest, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start --test-clock
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1)
DAY=86400000
points_of() { request op GET "/v1/admin/members/$1"; json .points; }

BONUS='{"member_ids":[1,2,3,999],"points":30,"reason":"spring promotion","bonus_key":"spring-1"}'
request op POST /v1/admin/bonuses "$BONUS" -H "Idempotency-Key: bonus-run-1"
check "grant: members 1..3 granted, 999 not found" \
    test "$STATUS/$(json '.granted | map(tostring) | join(",")')/$(json '.member_not_found[0]')" = "200/1,2,3/999"
FIRST=$BODY
request op POST /v1/admin/bonuses "$BONUS" -H "Idempotency-Key: bonus-run-1"
check "the same request again is replayed" \
    test "$BODY" = "$FIRST" -a -n "$(grep -i '^Idempotent-Replayed: true' <<<"$HEADERS")"
snapshot granted
request op POST /v1/admin/bonuses "$BONUS" -H "Idempotency-Key: bonus-run-2"
check "a re-run under a new request grants nothing: all already granted" \
    test "$STATUS/$(json .granted_count)/$(json '.already_granted | map(tostring) | join(",")')" = "200/0/1,2,3"
unchanged "the re-run changed no balance" granted
check "member 3 got the 30 once" test "$(points_of 3)" = "30"

UNTIL=$(TZ=UTC date -d "@$(( $(date +%s) + 8 * 3600 + 10 * 86400 ))" +%F) # 10 days on, +08:00
request op POST /v1/admin/bonuses '{"member_ids":[4],"points":40,"reason":"short","bonus_key":"short-1","expires_at":"'$UNTIL'"}' \
    -H "Idempotency-Key: $(key)"
CARD4=$(sed -n 4p "$LTY_DATA/demo-cards.txt")
request till GET "/v1/till/cards/$CARD4"
check "expires_at: the 40 points expire after $UNTIL" \
    test "$(json '.points_expiring[0] | "\(.date)/\(.points)"')" = "$UNTIL/40"
snapshot bonused
request op POST /v1/admin/bonuses '{"member_ids":[4],"points":40,"reason":"late","expires_at":"2020-01-01"}' -H "Idempotency-Key: $(key)"
check "expires_at in the past: 422 /expires_at" test "$STATUS/$(json .error.field)" = "422//expires_at"
request op POST /v1/admin/bonuses '{"member_ids":[4],"points":0,"reason":"none"}' -H "Idempotency-Key: $(key)"
check "points 0: 422 /points" test "$STATUS/$(json .error.field)" = "422//points"
request op POST /v1/admin/bonuses '{"member_ids":[],"points":5,"reason":"nobody"}' -H "Idempotency-Key: $(key)"
check "no members: 422 /member_ids" test "$STATUS/$(json .error.field)" = "422//member_ids"
unchanged "after three bad bonus requests" bonused

# loyaltyctl: 1,200 ids (3 requests of at most 500), 6 of them members.
seq 1 1200 >"$LTY_TMP/members.txt"
bonus_counts() { jq -r '"\(.bonus_key): \(.granted)/\(.already_granted)/\(.refused)"' <<<"$1"; }
OUT=$("${CTL[@]}" --json bonus grant --points 5 --reason "anniversary" --bonus-key anniversary-1 \
    --members "$LTY_TMP/members.txt" 2>"$LTY_TMP/progress.txt")
check "loyaltyctl bonus grant: 6 granted, 1194 not found" \
    test "$(bonus_counts "$OUT")" = "anniversary-1: 6/0/1194"
check "progress shown on stderr" grep -q "1200 of 1200 members" "$LTY_TMP/progress.txt"
OUT=$("${CTL[@]}" --json bonus grant --points 5 --reason "anniversary" --bonus-key anniversary-1 \
    --members "$LTY_TMP/members.txt" 2>/dev/null)
check "its rerun grants nothing twice" test "$(bonus_counts "$OUT")" = "anniversary-1: 0/6/1194"
check "member 3: 30 + 5" test "$(points_of 3)" = "35"

# The birthday bonus: today in +08:00 (the demo's zone) is member 3's birthday.
TODAY=$(TZ=UTC date -d "@$(( $(date +%s) + 8 * 3600 ))" +%F)
request op PATCH /v1/admin/members/3 '{"birthday":"1992-'${TODAY:5}'"}' -H "Idempotency-Key: $(key)"
check "member 3's birthday is today's date in 1992" test "$STATUS" = "200"
request op POST /v1/admin/bonuses/birthdays '' -H "Idempotency-Key: $(key)"
check "birthdays: member 3 granted 100" \
    test "$STATUS/$(json .date)/$(json .members_found)/$(json .granted_count)/$(json .points)" = "200/$TODAY/1/1/100"
request op POST /v1/admin/bonuses/birthdays '' -H "Idempotency-Key: $(key)"
check "the same day again: found, not granted" test "$(json .members_found)/$(json .granted_count)" = "1/0"
check "member 3: 35 + 100" test "$(points_of 3)" = "135"
YEAR_DAYS=$(( ($(date -d "$TODAY + 1 year" +%s) - $(date -d "$TODAY" +%s) + 3600) / 86400 ))
request op POST /v1/admin/clock '{"offset_ms":'$((YEAR_DAYS * DAY))'}'
request op POST /v1/admin/bonuses/birthdays '' -H "Idempotency-Key: $(key)"
check "a year later: granted again" test "$STATUS/$(json .granted_count)" = "200/1"
request op POST /v1/admin/bonuses/birthdays '' -H "Idempotency-Key: $(key)"
check "and once only that year" test "$(json .granted_count)" = "0"
request op GET "/v1/admin/members/3/journal?limit=200"
check "two birthday bonus entries" \
    test "$(json '[.entries[] | select(.kind == "bonus" and (.reference | startswith("birthday")))] | length')" = "2"
request op GET "/v1/admin/members/3/audit?limit=100"
check "every grant is audited on the member" test "$(json '[.audit[] | select(.action == "bonus")] | length')" = "4"
request op POST /v1/admin/clock '{"offset_ms":0}'

lty_finish
