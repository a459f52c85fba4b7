#!/usr/bin/env bash
# Goal: hostile and broken clients are each refused with a clear error within their timeout,
# the daemon's memory stays bounded, and other clients are served meanwhile: slowloris,
# TLS handshakes that never finish, 2,000 connections at once over a 64-slot daemon, idle
# keep-alive connections beyond the limit, pipelined garbage, request smuggling (CL+TE,
# duplicate Content-Length), a 1 MB string. (JSON-level attacks — invalid UTF-8, 10,000 nested
# arrays, 1e400, -0, 2^53+1 — are in test_bad_input.sh.)
# Method: small timeouts and connections_max in loyaltyd.conf; tests/support/hostile.py for raw
# TLS/TCP clients; a healthz probe after each attack; VmRSS from /proc before and after.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
HOSTILE="python3 $LTY_SOURCE_DIR/tests/support/hostile.py"
lty_init_demo
jq '.request_timeout_ms = 500 | .handshake_timeout_ms = 500 | .idle_timeout_ms = 1000 |
    .connections_max = 64' "$LTY_DATA/loyaltyd.conf" >"$LTY_TMP/conf" &&
    mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
lty_start
snapshot start
probe() { # NAME: another client is served after (or during) the attack
    request till GET "/v1/till/cards/$DEMO_CARD"
    check "$1: other clients still served ($STATUS)" test "$STATUS" = 200
}
hostile() { $HOSTILE "$1" "$LTY_PORT" "$CA" "$TILL_CERT" "$TILL_KEY" "${@:2}"; }
raw() { # NAME FILE EXPECTED_STATUSES
    local got
    got=$(hostile "$2")
    check "$1 -> ${3} (got ${got#statuses=})" test "$got" = "statuses=$3"
}
probe "before the attacks"
RSS_START=$(rss_kib)

OUT=$(hostile slowloris)
check "slowloris: 408 before the headers were finished ($OUT)" \
    bash -c "[[ '$OUT' =~ sent=([0-9]+)\ of\ ([0-9]+)\ statuses=408$ ]] && (( BASH_REMATCH[1] < BASH_REMATCH[2] ))"
probe "slowloris"

OUT=$(hostile handshake 40)
check "40 handshakes never finished: all closed by the daemon ($OUT)" test "$OUT" = "closed=40 of 40"
probe "unfinished handshakes"

OUT=$(hostile flood 2000)
check "2,000 connections at once: every one closed, none kept ($OUT)" \
    bash -c "[[ '$OUT' =~ opened=([0-9]+)\ closed=([0-9]+) ]] && (( BASH_REMATCH[1] == BASH_REMATCH[2] && BASH_REMATCH[1] > 64 ))"
probe "connection flood"

# The flood's 64 accepted connections are freed as the daemon reads their EOFs: wait (bounded)
# until its own count says so before opening 60 more, or the next attack races the cleanup.
drained() {
    local deadline=$((SECONDS + 20)) open
    while ((SECONDS < deadline)); do
        open=$(curl -sS --cacert "$CA" "$BASE/metrics" | awk '/^loyaltyd_connections_open / {print $2}')
        [[ -n "$open" && "$open" -le 1 ]] && return 0
    done
    return 1
}
check "connections of the flood released" drained

# 24 idle connections: connections_max (64) is split evenly across the 2 loops and the kernel's
# SO_REUSEPORT hash may send all of them to one loop, so stay under one loop's 32 slots.
OUT=$(hostile idle 24)
check "24 idle keep-alive connections closed by the idle timeout ($OUT)" test "$OUT" = "closed=24 of 24"
probe "idle keep-alive connections"

printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02garbage \xff\xfe\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n' >"$LTY_TMP/pipelined"
raw "a good request pipelined with garbage: answered, then 400, then closed" "$LTY_TMP/pipelined" "200 400"
BODY_JSON='{"card_no":"'$DEMO_CARD'","receipt_no":"SM-1","lines":[{"sku":"A","qty":1,"amount_cents":100}]}'
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key: sm-1\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n' "${#BODY_JSON}"
    printf '%x\r\n%s\r\n0\r\n\r\n' "${#BODY_JSON}" "$BODY_JSON"
} >"$LTY_TMP/clte"
raw "smuggling: Content-Length with Transfer-Encoding" "$LTY_TMP/clte" "400"
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key: sm-2\r\nContent-Length: %d\r\nContent-Length: 5\r\n\r\n%s' "${#BODY_JSON}" "$BODY_JSON"
} >"$LTY_TMP/dupcl"
raw "smuggling: duplicate Content-Length" "$LTY_TMP/dupcl" "400"
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key: sm-3\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
} >"$LTY_TMP/dupte"
raw "smuggling: Transfer-Encoding twice" "$LTY_TMP/dupte" "400"
probe "pipelined garbage and smuggling"

{ printf '{"card_no":"%s","receipt_no":"' "$DEMO_CARD"; head -c 1048576 /dev/zero | tr '\0' 'x'
  printf '","lines":[]}'; } >"$LTY_TMP/big.json"
request till POST /v1/till/sales "" -H 'Content-Type: application/json' --data-binary "@$LTY_TMP/big.json" \
    -H "Idempotency-Key: $(key)"
check "a 1 MB string is refused 413 request_too_large ($STATUS)" \
    test "$STATUS/$(json .error.code)" = "413/request_too_large"
probe "1 MB string"

check_rss_growth "memory bounded" "$RSS_START" 64
unchanged "every attack" start
lty_finish
