#!/usr/bin/env bash
# Goal: what was acknowledged survives a graceful restart and a SIGKILL; a retry after a
# dropped connection applies once; concurrent sales and redemptions on one card from many
# connections end with the exact balance; a hot backup taken while serving verifies and serves.
# Method: the real daemon, curl in parallel (bounded counts), openssl s_client for a request
# whose connection drops before the answer, loyaltyctl backup/verify/stats.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

request till GET "/v1/till/cards/$DEMO_CARD"
START_POINTS=$(json .points)
MEMBER=$(json .member_id)

# 32 connections x 5 sales of 10.00 each: every sale earns 10 points.
sale_loop() { # worker index
    local worker=$1 n
    for n in 1 2 3 4 5; do
        curl -sS --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -o /dev/null -w '%{http_code}\n' \
            -H 'Content-Type: application/json' -H "Idempotency-Key: c-$worker-$n" \
            --data-binary '{"card_no":"'$DEMO_CARD'","receipt_no":"C-'$worker-$n'","lines":[{"sku":"A","qty":1,"amount_cents":1000}]}' \
            "$BASE/v1/till/sales"
    done
}
for worker in $(seq 1 32); do sale_loop "$worker" >"$LTY_TMP/worker.$worker" & done
wait_workers() { local pid; for pid in $(jobs -p); do [[ "$pid" == "$LTY_PID" ]] || wait "$pid"; done; }
wait_workers
OK=$(cat "$LTY_TMP"/worker.* | grep -c '^201$')
check "160 concurrent sales all acknowledged" test "$OK" = 160
request till GET "/v1/till/cards/$DEMO_CARD"
EXPECTED=$((START_POINTS + 1600))
check "balance is exact after 160 concurrent sales ($EXPECTED)" test "$(json .points)" = "$EXPECTED"

# 32 concurrent redemptions of 1,000 points on a card holding exactly 10,000 + the rest:
# set the balance to 10,000, then exactly 10 redemptions can succeed.
request op POST /v1/admin/adjustments '{"member_id":'$MEMBER',"points":'$((10000 - EXPECTED))',"reason":"set up"}' \
    -H "Idempotency-Key: $(key)"
check "balance set to 10,000" test "$(json .points_balance)" = 10000
redeem_one() {
    curl -sS --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -o /dev/null -w '%{http_code}\n' \
        -H 'Content-Type: application/json' -H "Idempotency-Key: r-$1" \
        --data-binary '{"card_no":"'$DEMO_CARD'","receipt_no":"RD-'$1'","redeem_points":1000,"lines":[{"sku":"A","qty":1,"amount_cents":1000}]}' \
        "$BASE/v1/till/sales"
}
for worker in $(seq 1 32); do redeem_one "$worker" >"$LTY_TMP/redeem.$worker" & done
wait_workers
WON=$(cat "$LTY_TMP"/redeem.* | grep -c '^201$')
LOST=$(cat "$LTY_TMP"/redeem.* | grep -c '^409$')
check "exactly 10 of 32 racing redemptions succeed, 22 refused ($WON/$LOST)" test "$WON/$LOST" = 10/22
request till GET "/v1/till/cards/$DEMO_CARD"
check "balance ends at exactly 0" test "$(json .points)" = 0

# A request whose connection drops before the answer, then retried with the same key: s_client
# closes the connection as soon as its input ends (-no_ign_eof), right behind the request, so
# the daemon finds the client gone whether or not it had applied the sale yet.
BODY_JSON='{"card_no":"'$DEMO_CARD'","receipt_no":"DROP-1","lines":[{"sku":"A","qty":1,"amount_cents":50000}]}'
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key: drop-1\r\nContent-Length: %d\r\n\r\n%s' "${#BODY_JSON}" "$BODY_JSON"
} | openssl s_client -connect "127.0.0.1:$LTY_PORT" -CAfile "$CA" -cert "$TILL_CERT" \
    -key "$TILL_KEY" -quiet -no_ign_eof >/dev/null 2>&1
request till POST /v1/till/sales "$BODY_JSON" -H "Idempotency-Key: drop-1"
check "retry after the dropped connection is acknowledged (201)" test "$STATUS" = 201
request till POST /v1/till/sales "$BODY_JSON" -H "Idempotency-Key: drop-1"
check "and a second retry replays it" grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS"
request till GET "/v1/till/cards/$DEMO_CARD"
check "the dropped sale counted exactly once (500 points)" test "$(json .points)" = 500

# Hot backup while sales are being made.
for worker in $(seq 1 4); do sale_loop "b$worker" >"$LTY_TMP/bworker.$worker" & done
"$LOYALTYCTL" backup "$LTY_DATA" "$LTY_TMP/backup" >"$LTY_TMP/backup.out" 2>&1
check "backup while serving succeeds" test $? = 0
wait_workers
check "the backup verifies" "$LOYALTYCTL" verify "$LTY_TMP/backup"
request till GET "/v1/till/cards/$DEMO_CARD"
LIVE_POINTS=$(json .points)

# Graceful restart keeps everything.
snapshot before_restart
lty_stop
lty_start
unchanged "graceful restart" before_restart
request till GET "/v1/till/cards/$DEMO_CARD"
check "balance survives a graceful restart ($LIVE_POINTS)" test "$(json .points)" = "$LIVE_POINTS"

# SIGKILL right after acknowledged writes keeps them.
for n in 1 2 3; do
    request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"K-'$n'","lines":[{"sku":"A","qty":1,"amount_cents":10000}]}' \
        -H "Idempotency-Key: kill-$n"
done
check "three sales acknowledged before the kill" test "$STATUS" = 201
lty_kill
lty_start
request till GET "/v1/till/cards/$DEMO_CARD"
check "acknowledged sales survive SIGKILL" test "$(json .points)" = $((LIVE_POINTS + 300))
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"K-3","lines":[{"sku":"A","qty":1,"amount_cents":10000}]}' \
    -H "Idempotency-Key: kill-3"
check "a retry after the restart replays, not re-applies" grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS"

# The backup serves: start a daemon on the copy.
SAVED_DATA=$LTY_DATA
lty_stop
LTY_DATA="$LTY_TMP/backup"
lty_start
request till GET "/v1/till/cards/$DEMO_CARD"
check "a daemon serves the backup" test "$STATUS" = 200
lty_stop
LTY_DATA=$SAVED_DATA

# init refuses an existing data directory and changes nothing.
BEFORE=$(find "$LTY_DATA" -type f -exec sha256sum {} + | sort | sha256sum)
"$LOYALTYCTL" init "$LTY_DATA" --demo >/dev/null 2>&1
RC=$?
AFTER=$(find "$LTY_DATA" -type f -exec sha256sum {} + | sort | sha256sum)
check "init on an existing directory refuses (exit $RC) and changes nothing" \
    test "$RC" = 1 -a "$BEFORE" = "$AFTER"

lty_start
lty_finish
