# tests/support/replication.sh: helpers for the replicated-mode tests (sourced after lib.sh).
#
# A JetStream cluster of nats-servers and loyaltyd nodes, all on 127.0.0.1 with ports chosen at
# run time, each process stopped by its PID. Node i talks to nats-server i only, so stopping
# nats-server i cuts node i off (the partition test). Readiness: loyaltyd's --ready-fd FIFO;
# nats-server's monitoring /healthz polled in a bounded loop (it has no ready fd). Waiting for a
# role or a sequence polls /healthz, bounded in count: a condition, never a fixed sleep.

NATS_SERVER=$(command -v nats-server || true)
if [[ -z "$NATS_SERVER" ]]; then
    echo "Bail out! nats-server is not installed (scripts/deps installs it: apt-get install nats-server)"
    exit 1
fi

declare -a NATS_PID NATS_PORT NATS_ROUTE_PORT NATS_HTTP_PORT NODE_PID NODE_PORT NODE_DIR
NODE_NAMES=(a b c d e)
REPL_STREAM=LTY

repl_cleanup() {
    local pid
    for pid in "${NODE_PID[@]}" "${NATS_PID[@]}"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    lty_cleanup
}
trap repl_cleanup EXIT

# free_ports N: N TCP ports free on 127.0.0.1 now (the kernel picks them).
free_ports() {
    python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# nats_cluster_start N: N nats-servers in one JetStream cluster (N=1: a lone JetStream server).
nats_cluster_start() {
    local count=$1 i ports
    read -r -a ports <<<"$(free_ports $((count * 3)))"
    for ((i = 0; i < count; i++)); do
        NATS_PORT[i]=${ports[i * 3]}
        NATS_ROUTE_PORT[i]=${ports[i * 3 + 1]}
        NATS_HTTP_PORT[i]=${ports[i * 3 + 2]}
    done
    local routes=""
    for ((i = 0; i < count; i++)); do routes+="nats://127.0.0.1:${NATS_ROUTE_PORT[i]}, "; done
    for ((i = 0; i < count; i++)); do
        local dir="$LTY_TMP/nats$i"
        mkdir -p "$dir"
        {
            echo "server_name: n$i"
            echo "listen: 127.0.0.1:${NATS_PORT[i]}"
            echo "http: 127.0.0.1:${NATS_HTTP_PORT[i]}"
            echo "max_payload: 8MB"
            echo "jetstream { store_dir: \"$dir/js\", max_file_store: 1GB, max_memory_store: 64MB }"
            if ((count > 1)); then
                echo "cluster { name: lty, listen: 127.0.0.1:${NATS_ROUTE_PORT[i]}, routes: [${routes%, }] }"
            fi
        } >"$dir/nats.conf"
        nats_start "$i"
    done
    for ((i = 0; i < count; i++)); do nats_wait "$i"; done
}

nats_start() {
    local i=$1
    "$NATS_SERVER" -c "$LTY_TMP/nats$i/nats.conf" >>"$LTY_TMP/nats$i/log" 2>&1 &
    NATS_PID[i]=$!
}

# nats_wait I: until nats-server I answers its health check with JetStream up (bounded).
nats_wait() {
    local i=$1 tries
    for ((tries = 0; tries < 300; tries++)); do
        if curl -sf "http://127.0.0.1:${NATS_HTTP_PORT[i]}/healthz?js-enabled-only=true" \
            >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$LTY_TMP/nats$i/log"
    echo "Bail out! nats-server $i did not become ready"
    exit 1
}

# process_end ARRAY I SIGNAL: signal the process whose PID is ARRAY[I], reap it, forget it.
process_end() {
    local -n pids=$1
    kill "-$3" "${pids[$2]}"
    wait "${pids[$2]}" 2>/dev/null
    pids[$2]=""
}

nats_stop() { process_end NATS_PID "$1" TERM; }

# nodes_init COUNT [extra replication JSON]: node 0 from `loyaltyctl init --demo`, the others
# from `loyaltyctl backup` of it, each with its own "node" name and nats-server.
nodes_init() {
    local count=$1 extra=${2:-"{}"} i
    lty_init_demo
    NODE_DIR[0]=$LTY_DATA
    for ((i = 1; i < count; i++)); do
        NODE_DIR[i]="$LTY_TMP/node$i"
        "$LOYALTYCTL" backup "$LTY_DATA" "${NODE_DIR[i]}" >/dev/null ||
            { echo "Bail out! loyaltyctl backup failed"; exit 1; }
    done
    for ((i = 0; i < count; i++)); do node_configure "$i" "$((i % ${#NATS_PORT[@]}))" "$extra"; done
}

# node_configure I NATS_INDEX [extra JSON]: write node I's replication section.
node_configure() {
    local i=$1 nats=$2 extra=${3:-"{}"}
    local conf="${NODE_DIR[i]}/loyaltyd.conf"
    jq --arg node "${NODE_NAMES[i]}" --arg url "nats://127.0.0.1:${NATS_PORT[nats]}" \
        --arg stream "$REPL_STREAM" --argjson extra "$extra" \
        '. + {replication: ({nats_urls: [$url], stream: $stream, node: $node, lease_ms: 1000,
                            replicas: 3} + $extra)}' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
}

# node_start I: start node I (on its earlier port after a kill, so tills' lists stay valid).
node_start() {
    local i=$1
    local fifo="$LTY_TMP/ready.$i.$RANDOM" port=${NODE_PORT[$1]:-0}
    mkfifo "$fifo"
    "$LOYALTYD" --data "${NODE_DIR[i]}" --listen "127.0.0.1:$port" --portal-listen off \
        --ready-fd 3 3>"$fifo" 2>>"$LTY_TMP/node$i.log" &
    NODE_PID[i]=$!
    local bound="" rest=""
    read -r -t 30 bound rest <"$fifo"
    rm -f "$fifo"
    if [[ -z "$bound" ]]; then
        tail -n 20 "$LTY_TMP/node$i.log"
        echo "Bail out! node $i did not become ready"
        exit 1
    fi
    NODE_PORT[i]=$bound
}

node_kill() { process_end NODE_PID "$1" KILL; }

# node_stop I: SIGTERM; 0 when it exits cleanly.
node_stop() {
    local i=$1 rc=0
    kill -TERM "${NODE_PID[i]}"
    wait "${NODE_PID[i]}" || rc=$?
    NODE_PID[i]=""
    return "$rc"
}

# health I: node I's /healthz document (empty when it does not answer).
health() { curl -s --max-time 5 --cacert "$CA" "https://127.0.0.1:${NODE_PORT[$1]}/healthz"; }

# leader_wait [EXCEPT]: the index of the one node that says it leads (EXCEPT never counts).
# Bounded: 600 rounds of polling (about 30 s) before it gives up and prints -1.
leader_wait() {
    local except=${1:--1} tries i
    for ((tries = 0; tries < 600; tries++)); do
        for i in "${!NODE_PID[@]}"; do
            [[ -n "${NODE_PID[i]}" && "$i" != "$except" ]] || continue
            if [[ "$(health "$i" | jq -r .role 2>/dev/null)" == leader ]]; then
                echo "$i"
                return 0
            fi
        done
        sleep 0.05
    done
    echo -1
}

# leader_known_wait I ADDRESS: until node I names ADDRESS as the leader in its healthz (a
# follower learns it from the lease on its next poll, after the leader took it). Bounded like
# leader_wait; prints the leader it last named.
leader_known_wait() {
    local i=$1 address=$2 tries named=
    for ((tries = 0; tries < 600; tries++)); do
        named=$(health "$i" | jq -r '.leader // ""' 2>/dev/null)
        [[ "$named" == "$address" ]] && break
        sleep 0.05
    done
    echo "$named"
}

# seq_wait I SEQ: until node I has applied SEQ (bounded); prints its applied_seq.
seq_wait() {
    local i=$1 target=$2 tries applied=0
    for ((tries = 0; tries < 600; tries++)); do
        applied=$(health "$i" | jq -r '.applied_seq // 0' 2>/dev/null)
        [[ "$applied" =~ ^[0-9]+$ ]] || applied=0
        ((applied >= target)) && break
        sleep 0.05
    done
    echo "$applied"
}

# on I: point lib.sh's request helper at node I.
on() { BASE="https://127.0.0.1:${NODE_PORT[$1]}"; }

# header NAME: a header's value in the last response.
header() { tr -d '\r' <<<"$HEADERS" | awk -v name="$1" 'tolower($1) == tolower(name) ":" {print $2}'; }

# till_servers: the --servers list of every running or killed node.
till_servers() {
    local list="" i
    for i in "${!NODE_PORT[@]}"; do list+="127.0.0.1:${NODE_PORT[i]},"; done
    echo "${list%,}"
}
