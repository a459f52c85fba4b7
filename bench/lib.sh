# bench/lib.sh: what bench/run and bench/soak share (sourced). The caller sets ROOT, WORK and
# T0 (seconds at start), and DATA before bench_daemon_start.

log() { printf '[bench %4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# field KEY FILE: value of KEY=... on the RESULT line of FILE.
field() { grep -o "[[:space:]]$1=[^ ]*" "$2" | tail -1 | cut -d= -f2; }

# bench_build DIR: a Release build of the daemon, the CLI and the two bench tools in DIR; sets
# LOYALTYD, LOYALTYCTL, GEN and LOAD, and raises the descriptor limit for many connections.
bench_build() {
    log "building (Release) in $1"
    cmake -S "$ROOT" -B "$1" -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 ||
        { cat "$WORK/cmake.log"; exit 1; }
    cmake --build "$1" -j"$(nproc)" --target loyaltyd loyaltyctl lty-bench-gen lty-load \
        >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
    LOYALTYD=$1/daemon/loyaltyd
    LOYALTYCTL=$1/admin-cli/loyaltyctl
    GEN=$1/bench/lty-bench-gen
    LOAD=$1/bench/lty-load
    ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
}

# bench_machine: one line naming the machine and its disk's fdatasync latency, measured now.
bench_machine() {
    "$LOAD" --fsync-probe "$WORK" >"$WORK/fsync.$$.out"
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    echo "nproc $(nproc), ${cpu:-unknown CPU}, kernel $(uname -r), $(df -T "$WORK" | awk 'NR==2{print $2}') on $(df "$WORK" | awk 'NR==2{print $1}'), fdatasync p50 $(field p50_us "$WORK/fsync.$$.out") us / p99 $(field p99_us "$WORK/fsync.$$.out") us"
}

# bench_daemon_start: loyaltyd on $DATA, 127.0.0.1 and a port it picks, reported through
# --ready-fd (no polling); sets DAEMON_PID, DAEMON_PORT, DAEMON_PORTAL_PORT (the member portal's)
# and COLD_MS (exec to listening).
bench_daemon_start() {
    local fifo=$WORK/ready.$RANDOM
    mkfifo "$fifo"
    local started
    started=$(date +%s%N)
    "$LOYALTYD" --data "$DATA" --listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 --ready-fd 3 \
        3>"$fifo" 2>>"$WORK/daemon.log" &
    DAEMON_PID=$!
    DAEMON_PORT=""
    DAEMON_PORTAL_PORT=""
    read -r -t 60 DAEMON_PORT DAEMON_PORTAL_PORT <"$fifo" || true
    rm -f "$fifo"
    [[ -n "$DAEMON_PORT" ]] || { tail -20 "$WORK/daemon.log"; echo "loyaltyd did not start" >&2; exit 1; }
    COLD_MS=$(( ($(date +%s%N) - started) / 1000000 ))
}

# bench_daemon_wait_warm: wait (bounded: 10 minutes) until the daemon's own page-cache warm-up
# has read data.mdb (loyaltyd_store_cache_warm_done in /metrics); sets WARM_S. The daemon warms
# in 4 KiB cache pages on purpose (store.c): warming with cat would cache the file in large pages
# and make every commit dearer (bench/RESULTS.md), so the bench never reads the file itself.
bench_daemon_wait_warm() {
    local started tries=0
    started=$(date +%s%N)
    until curl -s --cacert "$DATA/tls/ca.crt" "https://127.0.0.1:$DAEMON_PORT/metrics" |
        grep -q '^loyaltyd_store_cache_warm_done 1'; do
        tries=$((tries + 1))
        [[ $tries -lt 6000 ]] || { echo "the daemon's warm-up did not end" >&2; exit 1; }
        sleep 0.1 # bounded poll of a metric: the daemon has no event for it
    done
    WARM_S=$(awk -v a="$started" -v b="$(date +%s%N)" 'BEGIN{printf "%.1f", (b-a)/1e9}')
}

# bench_daemon_stop: SIGTERM by PID; the daemon must exit 0 (graceful drain).
bench_daemon_stop() {
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" || { echo "loyaltyd exited with an error" >&2; exit 1; }
    DAEMON_PID=""
}

# bench_daemon_cleanup: for EXIT traps; stops a daemon still running, ignoring its status.
bench_daemon_cleanup() {
    if [[ -n "${DAEMON_PID:-}" ]]; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
}
