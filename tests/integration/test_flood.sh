#!/usr/bin/env bash
# Goal: whoever can reach the port cannot lock the tills out. During a flood of 4,200 idle TCP
# connections and 500 TLS connections without a client certificate, held open (timeouts longer
# than the test), a till's card look-up on a new connection still succeeds; uncertified
# connections never hold the slots reserved for certified clients, one address never holds more
# than its cap, evictions are counted in /metrics and logged at a bounded rate (not one line
# each), and the memory the flood took is given back.
# Method: the daemon's default admission settings with long handshake and idle timeouts;
# tests/support/flood.py opens the flood from 41 source addresses (127.0.0.1 and 127.0.1.1-40),
# holds it while curl looks a card up with the demo till certificate, then closes it; a second,
# smaller flood from 127.0.0.1 alone shows the per-address cap. VmRSS from /proc before and after.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
FLOOD="python3 $LTY_SOURCE_DIR/tests/support/flood.py"
lty_init_demo
jq '.handshake_timeout_ms = 60000 | .idle_timeout_ms = 60000' "$LTY_DATA/loyaltyd.conf" \
    >"$LTY_TMP/conf" && mv "$LTY_TMP/conf" "$LTY_DATA/loyaltyd.conf"
CONNECTIONS_MAX=$(jq .connections_max "$LTY_DATA/loyaltyd.conf")
RESERVED=$(( CONNECTIONS_MAX * $(jq .connections_reserved_percent "$LTY_DATA/loyaltyd.conf") / 100 ))
UNCERTIFIED_MAX=$((CONNECTIONS_MAX - RESERVED))
PER_ADDRESS=$(jq .connections_per_address_max "$LTY_DATA/loyaltyd.conf")
LOOPS=$(jq .loops "$LTY_DATA/loyaltyd.conf")
lty_start
snapshot start
lookup() { # NAME: the demo till's look-up on a new connection succeeds
    request till GET "/v1/till/cards/$DEMO_CARD"
    check "$1: a till's look-up succeeds ($STATUS)" test "$STATUS" = 200
}
drained() { # wait (bounded) until the daemon has let go of the flood
    local deadline=$((SECONDS + 60)) open
    while ((SECONDS < deadline)); do
        open=$(metric loyaltyd_connections_open)
        [[ -n "$open" && "$open" -le 1 ]] && return 0
    done
    return 1
}
lookup "before the flood"
RSS_START=$(rss_kib)
STARTED=$SECONDS

flood_open() { # FLOOD_ARGS...: start flood.py, wait until its connections are open
    coproc FLOODER { $FLOOD "$LTY_PORT" "$CA" "$@"; }
    read -r -t 170 FLOODED <&"${FLOODER[0]}"
    check "the flood is open ($FLOODED)" grep -q '^flooded idle=' <<<"$FLOODED"
}
flood_close() { # let flood.py count what the daemon closed (HELD) and close the rest
    echo go >&"${FLOODER[1]}"
    read -r -t 60 HELD <&"${FLOODER[0]}"
    wait "$FLOODER_PID" 2>/dev/null
}
flood_open --idle 4200 --tls 500 --sources 41 --healthz
lookup "during the flood of 4,200 idle and 500 uncertified TLS connections"
OPEN=$(metric loyaltyd_connections_open)
check "uncertified connections leave the $RESERVED reserved slots free ($OPEN open)" \
    test "${OPEN:-99999}" -le $((UNCERTIFIED_MAX + 1))
flood_close
check "the daemon closed the flood's oldest connections to make room ($HELD)" \
    bash -c "[[ '$HELD' =~ closed_by_daemon=([0-9]+) ]] && (( BASH_REMATCH[1] >= 4700 - $UNCERTIFIED_MAX ))"
check "the flood's connections are released" drained

# One address alone: beyond its cap its own oldest go, and a till at that address still gets in.
flood_open --idle 400 --tls 0 --sources 1
lookup "during 400 idle connections from the till's own address"
OPEN=$(metric loyaltyd_connections_open)
check "one address holds at most its cap of $PER_ADDRESS uncertified connections ($OPEN open)" \
    test "${OPEN:-99999}" -le $((PER_ADDRESS + LOOPS))
flood_close
check "the connections over the cap were closed ($HELD)" \
    bash -c "[[ '$HELD' =~ closed_by_daemon=([0-9]+) ]] && (( BASH_REMATCH[1] >= 400 - $PER_ADDRESS ))"
check "the second flood's connections are released" drained
ELAPSED=$((SECONDS - STARTED + 1))

EVICTED=$(metric loyaltyd_connections_evicted_total)
SUPPRESSED=$(metric loyaltyd_security_events_suppressed_total)
check "evictions are counted in /metrics ($EVICTED)" \
    test "${EVICTED:-0}" -ge $((4700 - UNCERTIFIED_MAX + 400 - PER_ADDRESS))
LINES=$(grep -c 'event=connection_evicted' "$LTY_TMP/daemon.log")
# At most LTY_NET_EVENTS_LOGGED_PER_S (10) lines a second per loop and event name.
check "evictions are logged at a bounded rate: $LINES lines for $EVICTED in ${ELAPSED} s" \
    test "$LINES" -le $((10 * LOOPS * (ELAPSED + 1)))
check "the rest are counted as suppressed ($SUPPRESSED)" test "${SUPPRESSED:-0}" -gt 0
check "the log names the event and the reason" \
    grep -q 'event=connection_evicted principal=- remote=127.0.1.*reason=' "$LTY_TMP/daemon.log"
lookup "after the flood"

check_rss_growth "memory given back" "$RSS_START" 32
unchanged "the floods" start
lty_finish
