#!/usr/bin/env bash
# Goal: offline coupon acceptance. A till caches the programme key, loses its link,
# checks a coupon by its signature and expiry and queues the sale; meanwhile another store's
# till uses the same code online. When the first till forwards its queue, the daemon records the
# sale without that coupon, records a conflict, and says so in the forwarding result; both
# stores' tills and the operator see the conflict. Tampered and expired codes are refused at the
# till offline, and a till without the key never queues a sale with coupons. verify at the end.
# Method: pos-till with a queue directory; "offline" is the till pointed at a closed port on
# 127.0.0.1; line mode (stdin) keeps one pos-till process for a flush and the conflicts that
# follow it; a second till certificate for S002.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
"$LOYALTYCTL" --data "$LTY_DATA" till add S002 T01 --out "$LTY_TMP" >/dev/null 2>&1
B_CERT="$LTY_TMP/till-S002-T01.crt"
B_KEY="$LTY_TMP/till-S002-T01.key"
DEAD_PORT=1 # nothing listens: connections are refused at once
till_b() { # till_b PORT ARGS...: pos-till as S002/T01
    local port=$1
    shift
    "$POS_TILL" --host 127.0.0.1 --port "$port" --ca "$CA" --cert "$B_CERT" --key "$B_KEY" \
        --queue "$LTY_TMP/queue-b" --offline --attempts 1 --json "$@"
}
till_a() {
    "$POS_TILL" --host 127.0.0.1 --port "$LTY_PORT" --ca "$CA" --cert "$TILL_CERT" \
        --key "$TILL_KEY" --queue "$LTY_TMP/queue-a" --json "$@"
}

request op POST /v1/admin/coupon-campaigns '{"name":"Offline 3 off","kind":"amount_off","amount_off_cents":300}' \
    -H "Idempotency-Key: $(key)"
CAMP=$(json .campaign_id)
request op POST /v1/admin/coupon-campaigns/$CAMP/codes '{"count":2}' -H "Idempotency-Key: $(key)"
CODE=$(json '.codes[0]')
SPARE=$(json '.codes[1]')

# ---- Without the key, a sale with coupons is never queued offline ------------------------------
OUT=$(till_b $DEAD_PORT sale --card "$DEMO_CARD" --receipt B-0 --line MILK,dairy,1,1000 --coupon "$SPARE")
check "no key cached: the sale is not queued (a network error, nothing journaled)" \
    test "$(jq -r .error.code <<<"$OUT")/$(till_b $DEAD_PORT queue count | jq -r .queued)" = "network_error/0"

# ---- The till caches the key while online, then loses its link ----------------------------------
OUT=$(till_b "$LTY_PORT" keys refresh)
check "keys refresh: the key is cached" test "$(jq -r .keys_cached <<<"$OUT")" = "1"
check "kept in the queue directory" test -s "$LTY_TMP/queue-b/programme-key"
OUT=$(till_b $DEAD_PORT coupon check "$CODE")
check "offline: the code's signature and expiry check" test "$(jq -r .valid <<<"$OUT")" = "true"
TAMPERED="${CODE:0:90}$( [[ "${CODE:90:1}" == "A" ]] && echo B || echo A)${CODE:91}"
OUT=$(till_b $DEAD_PORT coupon check "$TAMPERED")
check "offline: a tampered code is refused" test "$(jq -r .error.code <<<"$OUT")" = "coupon_not_found"
OUT=$(till_b $DEAD_PORT sale --card "$DEMO_CARD" --receipt B-X --line MILK,dairy,1,1000 --coupon "$TAMPERED")
check "offline: a sale with a tampered code is refused at the till, nothing queued" \
    test "$(jq -r .error.code <<<"$OUT")/$(till_b $DEAD_PORT queue count | jq -r .queued)" = "coupon_not_found/0"
OUT=$(till_b $DEAD_PORT sale --card "$DEMO_CARD" --receipt B-1 --line MILK,dairy,2,2000 --coupon "$CODE")
check "offline: the sale with a good code is queued" test "$(jq -r .status <<<"$OUT")" = "queued_offline"
check "its journaled body is marked offline" grep -q '"offline":true' "$LTY_TMP"/queue-b/pending/*.req

# ---- Meanwhile store S001 uses the same code online ----------------------------------------------
OUT=$(till_a sale --card "$DEMO_CARD" --receipt A-1 --line MILK,dairy,2,2000 --coupon "$CODE")
check "S001 uses the code online: 3.00 off" test "$(jq -r .discount_cents <<<"$OUT")" = "300"
SALE_A=$(jq -r .sale_id <<<"$OUT")

# ---- S002 comes back and forwards its queue ------------------------------------------------------
OUT=$(printf 'queue flush\nconflicts\n' | till_b "$LTY_PORT")
check "forwarded: the queued sale was delivered" test "$(head -1 <<<"$OUT" | jq -r .delivered)" = "1"
check "the forwarding result reported the conflict" test "$(tail -1 <<<"$OUT" | jq -r .forwarded)" = "1"
check "S002's till lists it: coupon_used, first used by S001's sale" \
    test "$(sed -n 2p <<<"$OUT" | jq -r '"\(.error)/\(.first_sale_id)/\(.first_store)"')" = "COUPON_USED/$SALE_A/S001"
OUT=$(till_a conflicts)
check "S001's till lists it too" \
    test "$(head -1 <<<"$OUT" | jq -r '"\(.error)/\(.store)"')" = "COUPON_USED/S002"
request op GET /v1/admin/coupon-conflicts
check "the operator's list: one conflict, coupon_used, the forwarded sale at S002" \
    test "$(json '.conflicts|length')/$(json '.conflicts[0].error')/$(json '.conflicts[0].store')/$(json '.conflicts[0].first_use.sale_id')" = "1/coupon_used/S002/$SALE_A"
SALE_B=$(json '.conflicts[0].sale_id')
request op GET "/v1/admin/members/1/journal?limit=5"
check "the forwarded sale was recorded, without the discount (20.00 earned 20)" \
    test "$(json '[.entries[] | select(.entry_id == '$SALE_B') | .postings[] | select(.account == "member-points") | .amount] | add')" = "20"
request op GET /v1/admin/coupon-campaigns/$CAMP
check "the campaign counts the code once (one redemption, 3.00)" \
    test "$(json .redeemed_count)/$(json .discount_cents)" = "1/300"
OUT=$(printf 'queue count\n' | till_b "$LTY_PORT")
check "S002's queue is empty: nothing lost, nothing refused" \
    test "$(jq -r '"\(.queued)/\(.refused)"' <<<"$OUT")" = "0/0"
lty_finish
