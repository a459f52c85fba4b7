# bench/portal.sh: the member portal under till load, for bench/run (sourced).
# PORTAL_SESSIONS members (lty-bench-gen --pins gave them the PIN) log in on the portal's
# listener, then read their dashboard page and GET /v1/member/me over PORTAL_CONNECTIONS
# keep-alive connections, while another lty-load runs the 64-connection sales workload. The tills'
# p99 is measured without the portal, with it (members paced: each reads every
# PORTAL_THINK_MS), with it back to back (no think time: the portal's ceiling on this machine),
# and without it again; the goal is till p99 with the paced portal within 20% of without.
#
# The simulated members all come from 127.0.0.1, so bench/run turns the per-address request rate
# limit off for its daemon (rate_address_requests_per_s 0); a real portal sees one address per
# member, and tills (certificate holders) are not under that limit anyway.

# portal_config_prepare: the data directory's daemon without the per-address request rate limit.
portal_config_prepare() {
    python3 - "$DATA/loyaltyd.conf" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    config = json.load(f)
config["rate_address_requests_per_s"] = 0
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY
}

# portal_load NAME THINK_MS: the portal load into $WORK/NAME.out and, once every member has
# logged in, the 64-connection sales load beside it into $WORK/NAME_sales.out.
portal_load() {
    local fifo=$WORK/$1.ready
    mkfifo "$fifo"
    "$LOAD" --data "$DATA" --port "$DAEMON_PORT" --portal-port "$DAEMON_PORTAL_PORT" \
        --workload portal --sessions "$PORTAL_SESSIONS" --connections "$PORTAL_CONNECTIONS" \
        --think-ms "$2" --duration $((DURATION + 2)) --warmup 1 --daemon-pid "$DAEMON_PID" \
        --ready-fifo "$fifo" >"$WORK/$1.out" 2>"$WORK/$1.err" &
    local pid=$!
    local word logged_in=""
    read -r -t 900 word logged_in <"$fifo" || true
    rm -f "$fifo"
    [[ "$word" == ready && "$logged_in" == "$PORTAL_SESSIONS" ]] ||
        { wait "$pid" || true; cat "$WORK/$1.err"; echo "portal: members did not log in" >&2; exit 1; }
    log "portal: $(grep -o 'logged in in [0-9.]* s' "$WORK/$1.err") ($PORTAL_SESSIONS members, argon2 each)"
    run_load "$1_sales" sales 64 "$DURATION"
    wait "$pid" || { cat "$WORK/$1.err"; echo "portal load failed" >&2; exit 1; }
    log "portal: $(grep RESULT "$WORK/$1.out")"
}

portal_bench_all() {
    log "member portal: $PORTAL_SESSIONS sessions reading dashboards while 64 tills sell"
    run_load portal_base sales 64 "$DURATION"
    portal_load portal_paced "$PORTAL_THINK_MS"
    if [[ "$QUICK" != 1 ]]; then portal_load portal_busy 0; fi
    run_load portal_base2 sales 64 "$DURATION"
}

# portal_p99_ratio WITH: till p99 with the portal over the mean of the two runs without.
portal_p99_ratio() {
    awk -v w="$(field p99_ms "$1")" -v a="$(field p99_ms "$WORK/portal_base.out")" \
        -v b="$(field p99_ms "$WORK/portal_base2.out")" \
        'BEGIN{ m=(a+b)/2; if (m > 0) printf "%.2fx", w/m; else print "n/a" }'
}

portal_report_print() {
    local paced=$WORK/portal_paced_sales.out
    cat <<TXT

member portal ($PORTAL_SESSIONS members logged in, $PORTAL_CONNECTIONS keep-alive portal connections, each member reading "/" and /v1/member/me):
| tills (64 conn sales) and portal             |  req/s    | p50 ms   | p99 ms   | p99.9 ms | errors |
|----------------------------------------------|-----------|----------|----------|----------|--------|
TXT
    lty_row "tills, no portal load" "$WORK/portal_base.out"
    lty_row "tills, portal paced (${PORTAL_THINK_MS} ms think)" "$paced"
    lty_row "  portal requests, paced" "$WORK/portal_paced.out"
    if [[ -f "$WORK/portal_busy.out" ]]; then
        lty_row "tills, portal back to back" "$WORK/portal_busy_sales.out"
        lty_row "  portal requests, back to back" "$WORK/portal_busy.out"
    fi
    lty_row "tills, no portal load (again)" "$WORK/portal_base2.out"
    cat <<TXT
  till p99 with the paced portal / without (mean of both):  $(portal_p99_ratio "$paced")   (goal <= 1.20x)
TXT
    if [[ -f "$WORK/portal_busy.out" ]]; then
        echo "  till p99 with the portal back to back / without:         $(portal_p99_ratio "$WORK/portal_busy_sales.out")   (no goal: the portal's ceiling)"
    fi
    echo "  daemon CPU (cores), paced / back to back:                 $(field daemon_cpu "$paced") / $(field daemon_cpu "$WORK/portal_busy_sales.out" 2>/dev/null || echo -)"
}
