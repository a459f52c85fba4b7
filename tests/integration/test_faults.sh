#!/usr/bin/env bash
# Goal: a full map is a clear, retryable 507 storage_full that writes nothing, reads keep being
# served meanwhile, and after map_bytes_max is raised in loyaltyd.conf and the daemon restarted
# the same idempotency key applies exactly once; a client that vanishes mid-request does not
# disturb others. (Injected commit failures are covered where they can be injected: the writer's
# unit tests, test_writer.c: the batch fails as a whole with 503 commit_failed, then retries.)
# Method: a 1 MiB map (the minimum), sales over one keep-alive curl until the first 507.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
conf_set() { # KEY VALUE
    jq ".$1 = $2" "$LTY_DATA/loyaltyd.conf" >"$LTY_TMP/conf" && mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
}
conf_set map_bytes 1048576
conf_set map_bytes_max 1048576
lty_start
request till GET "/v1/till/cards/$DEMO_CARD"
START_POINTS=$(json .points)

# 2,000 sales of 1.00 over one connection, in order; the map fills long before the end.
sale_body_set() { SALE_BODY='{"card_no":"'$DEMO_CARD'","receipt_no":"F-'$1'","lines":[{"sku":"A","qty":1,"amount_cents":100}]}'; }
sale_body() { sale_body_set "$1"; echo "$SALE_BODY"; }
for n in $(seq 1 2000); do
    sale_body_set "$n"
    curl_config_post /v1/till/sales "f-$n" "${SALE_BODY//\"/\\\"}"
done >"$LTY_TMP/fill.curl"
curl -sS -K "$LTY_TMP/fill.curl" >"$LTY_TMP/fill.codes" 2>"$LTY_TMP/fill.err"
ACKED=$(grep -c '^201$' "$LTY_TMP/fill.codes")
FULL=$(grep -c '^507$' "$LTY_TMP/fill.codes")
OTHER=$(grep -cv '^20[1]$\|^507$' "$LTY_TMP/fill.codes")
check "the map fills: $ACKED sales acknowledged, then $FULL refused 507, $OTHER other" \
    test "$ACKED" -gt 0 -a "$FULL" -gt 0 -a "$OTHER" -eq 0
# Pages freed by the first commits can take a few more sales after the first 507; by the end
# the map is steadily full.
check "the last 500 sales were all refused 507" \
    test "$(tail -n 500 "$LTY_TMP/fill.codes" | grep -vc '^507$')" -eq 0
FIRST_FULL=2000

request till POST /v1/till/sales "$(sale_body "$FIRST_FULL")" -H "Idempotency-Key: f-$FIRST_FULL"
expect_error "a retry while full is refused again" 507 storage_full
snapshot full
request till GET "/v1/till/cards/$DEMO_CARD"
check "reads are served while full (200)" test "$STATUS" = 200
check "the balance holds exactly the acknowledged sales" test "$(json .points)" = $((START_POINTS + ACKED))
request anon GET /healthz
check "healthz answers while full ($STATUS)" test "$STATUS" = 200
unchanged "refused sales while full" full
check "the full store verifies while served" "$LOYALTYCTL" verify "$LTY_DATA"

# A client that sends half a request and vanishes; others are served.
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key: gone-1\r\nContent-Length: 500\r\n\r\n{"card_no":'
} | timeout 5 openssl s_client -connect "127.0.0.1:$LTY_PORT" -CAfile "$CA" -cert "$TILL_CERT" \
    -key "$TILL_KEY" -quiet >/dev/null 2>&1
request till GET "/v1/till/cards/$DEMO_CARD"
check "a client vanishing mid-request leaves others served" test "$STATUS" = 200

# Grow the map in the configuration, restart: the refused key now applies, once.
lty_stop
conf_set map_bytes_max 67108864
lty_start
unchanged "restart with a larger map" full
request till POST /v1/till/sales "$(sale_body "$FIRST_FULL")" -H "Idempotency-Key: f-$FIRST_FULL"
check "the sale refused while full applies after growth (201)" test "$STATUS" = 201
request till POST /v1/till/sales "$(sale_body "$FIRST_FULL")" -H "Idempotency-Key: f-$FIRST_FULL"
check "and its retry replays" grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS"
request till GET "/v1/till/cards/$DEMO_CARD"
check "balance = acknowledged sales + the one applied after growth" \
    test "$(json .points)" = $((START_POINTS + ACKED + 1))
lty_finish
