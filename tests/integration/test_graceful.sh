#!/usr/bin/env bash
# Goal: graceful operations. SIGHUP reloads certificates and the revoked list without dropping
# the connections it serves: a revoked till certificate is refused, other tills unaffected, a
# keep-alive connection opened before the reload still answers. SIGTERM under load drains: every
# request that got an answer was committed, the daemon exits 0, and after a restart nothing
# acknowledged is missing and retries replay.
# Method: loyaltyctl till add / cert revoke, kill -HUP; 8 curl workers with keep-alive sending
# sales while SIGTERM arrives; their answered keys are replayed after the restart.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
"$LOYALTYCTL" --data "$LTY_DATA" till add S001 T09 --out "$LTY_TMP" >/dev/null 2>&1
check "a second till certificate is issued" test -f "$LTY_TMP/till-S001-T09.crt"
T9="$LTY_TMP/till-S001-T09"
request "$T9" GET "/v1/till/cards/$DEMO_CARD"
check "the new till is served before revocation ($STATUS)" test "$STATUS" = 200

# A keep-alive connection that spans the reload: two requests on one TLS connection.
cat >"$LTY_TMP/keepalive.py" <<'PY'
import socket, ssl, sys
port, ca, cert, key, card = sys.argv[1:6]
context = ssl.create_default_context(cafile=ca); context.check_hostname = False
context.load_cert_chain(cert, key)
sock = context.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=20))
for turn in range(2):
    sock.sendall(("GET /v1/till/cards/%s HTTP/1.1\r\nHost: x\r\n\r\n" % card).encode())
    print(sock.recv(65536).split(b" ")[1].decode(), flush=True)
    if turn == 0:
        sys.stdin.readline()  # the shell reloads, then lets the second request go
PY
coproc KEEP { python3 "$LTY_TMP/keepalive.py" "$LTY_PORT" "$CA" "$TILL_CERT" "$TILL_KEY" "$DEMO_CARD"; }
read -r -t 20 FIRST <&"${KEEP[0]}"
"$LOYALTYCTL" --data "$LTY_DATA" cert revoke "$T9.crt" >/dev/null
kill -HUP "$LTY_PID"
check "the reload took effect (loyaltyd_tls_reloads_total)" metric_wait loyaltyd_tls_reloads_total 1
request "$T9" GET "/v1/till/cards/$DEMO_CARD"
check "after SIGHUP the revoked certificate is refused at handshake" test "${STATUS:0:11}" = curl-failed
request till GET "/v1/till/cards/$DEMO_CARD"
check "other tills are unaffected by the revocation ($STATUS)" test "$STATUS" = 200
echo go >&"${KEEP[1]}"
read -r -t 20 SECOND <&"${KEEP[0]}"
check "a keep-alive connection opened before the reload keeps being served ($FIRST $SECOND)" \
    test "$FIRST $SECOND" = "200 200"

# SIGTERM under load: 8 workers x 40 sales; whatever got an answer must survive.
worker() { # INDEX
    local n
    for n in $(seq 1 40); do
        curl -sS --max-time 20 --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -o /dev/null \
            -w "g-$1-$n %{http_code}\n" -H 'Content-Type: application/json' \
            -H "Idempotency-Key: g-$1-$n" --data-binary \
            '{"card_no":"'$DEMO_CARD'","receipt_no":"G-'$1-$n'","lines":[{"sku":"A","qty":1,"amount_cents":100}]}' \
            "$BASE/v1/till/sales" 2>/dev/null || break # the daemon has gone: stop sending
    done
}
request till GET "/v1/till/cards/$DEMO_CARD"
START_POINTS=$(json .points)
for index in $(seq 1 8); do worker "$index" >"$LTY_TMP/g.$index" & done
# Wait (bounded) until 40 sales are acknowledged, so the SIGTERM lands under load.
DEADLINE=$((SECONDS + 60))
until [[ $(cat "$LTY_TMP"/g.* | grep -c ' 201$') -ge 40 ]] || ((SECONDS >= DEADLINE)); do sleep 0.05; done
check "40 sales acknowledged before the SIGTERM" test "$(cat "$LTY_TMP"/g.* | grep -c ' 201$')" -ge 40
kill -TERM "$LTY_PID"
RC=0
wait "$LTY_PID" || RC=$?
LTY_PID=""
check "SIGTERM under load: exit status 0 ($RC)" test "$RC" -eq 0
for pid in $(jobs -p); do wait "$pid"; done
ACKED=$(cat "$LTY_TMP"/g.* | grep -c ' 201$')
lty_start
request till GET "/v1/till/cards/$DEMO_CARD"
AFTER=$(json .points)
check "after the restart the points hold at least the $ACKED acknowledged sales ($START_POINTS -> $AFTER)" \
    test "$AFTER" -ge $((START_POINTS + ACKED))
MISSING=0
while read -r acked_key code; do
    [[ "$code" == 201 ]] || continue
    worker_n=${acked_key#g-}
    request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"G-'$worker_n'","lines":[{"sku":"A","qty":1,"amount_cents":100}]}' \
        -H "Idempotency-Key: $acked_key"
    grep -qi '^Idempotent-Replayed: true' <<<"$HEADERS" || MISSING=$((MISSING + 1))
done < <(cat "$LTY_TMP"/g.*)
check "every acknowledged sale replays after the restart ($MISSING missing)" test "$MISSING" -eq 0
lty_finish
