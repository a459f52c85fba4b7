#!/usr/bin/env bash
# Goal: revoking a till's certificate takes effect without a restart on its open connections too:
# after `loyaltyctl cert revoke` and SIGHUP, the till's keep-alive connection is cut, the next
# request it sends on that connection is not answered and writes nothing, new connections with
# that certificate fail the handshake, and every other till (and its open connection) is served.
# The cut is logged as event=certificate_revoked and counted in /metrics.
# Method: a Python client (tests/support/held_conn.py) holds one TLS keep-alive connection per
# till and sends a request each time the shell says so; the shell revokes, sends SIGHUP, waits
# (bounded) for loyaltyd_connections_revoked_total, then lets the next requests go; the store
# digest (loyaltyctl stats) before and after; loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
"$LOYALTYCTL" --data "$LTY_DATA" till add S001 T07 --out "$LTY_TMP" >/dev/null 2>&1
T7="$LTY_TMP/till-S001-T07"
check "a till certificate S001/T07 is issued" test -f "$T7.crt"
HELD="python3 $LTY_SOURCE_DIR/tests/support/held_conn.py"
sale() { # RECEIPT: a sale body
    echo '{"card_no":"'$DEMO_CARD'","receipt_no":"'$1'","lines":[{"sku":"A","qty":1,"amount_cents":100}]}'
}

coproc REVOKED { $HELD "$LTY_PORT" "$CA" "$T7.crt" "$T7.key"; }
coproc OTHER { $HELD "$LTY_PORT" "$CA" "$TILL_CERT" "$TILL_KEY"; }
say() { # COPROC_IN COPROC_OUT LINE: send one request line, read the answer line
    echo "$3" >&"$1"
    local answer=""
    read -r -t 30 answer <&"$2"
    echo "$answer"
}
FIRST=$(say "${REVOKED[1]}" "${REVOKED[0]}" "POST /v1/till/sales r7-1 $(sale R7-1)")
check "S001/T07 sells on its keep-alive connection ($FIRST)" test "$FIRST" = 201
OTHER_FIRST=$(say "${OTHER[1]}" "${OTHER[0]}" "GET /v1/till/cards/$DEMO_CARD")
check "the demo till looks up on its own connection ($OTHER_FIRST)" test "$OTHER_FIRST" = 200

"$LOYALTYCTL" --data "$LTY_DATA" cert revoke "$T7.crt" >/dev/null
kill -HUP "$LTY_PID"
check "the reload cut one open connection (loyaltyd_connections_revoked_total)" \
    metric_wait loyaltyd_connections_revoked_total 1
snapshot revoked
SECOND=$(say "${REVOKED[1]}" "${REVOKED[0]}" "POST /v1/till/sales r7-2 $(sale R7-2)")
check "the next sale on the revoked till's open connection is not answered ($SECOND)" \
    test "$SECOND" = closed
unchanged "the refused sale" revoked
request "$T7" GET "/v1/till/cards/$DEMO_CARD"
check "a new connection with the revoked certificate fails the handshake" \
    test "${STATUS:0:11}" = curl-failed
OTHER_SECOND=$(say "${OTHER[1]}" "${OTHER[0]}" "GET /v1/till/cards/$DEMO_CARD")
check "the other till's open connection is still served ($OTHER_SECOND)" test "$OTHER_SECOND" = 200
request till GET "/v1/till/cards/$DEMO_CARD"
check "the other till's new connections are served ($STATUS)" test "$STATUS" = 200
check "the cut is logged as event=certificate_revoked naming S001/T07" \
    grep -q 'event=certificate_revoked principal=till:S001/T07' "$LTY_TMP/daemon.log"
echo quit >&"${OTHER[1]}"
lty_finish
