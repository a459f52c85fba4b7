#!/usr/bin/env bash
# Goal: replicated mode never loses an acknowledged sale and never counts one twice. Three
# nats-servers form a JetStream cluster (R3); three loyaltyd follow one stream; the leader is
# killed with SIGKILL under a sales load LTY_REPL_KILLS times (10 here, 100 in the long run:
# LTY_REPL_KILLS=100), and every time a follower takes over. Tills (pos-till over
# libloyaltypos, with the nodes' list) retry with their own idempotency keys and follow 421.
# Also: the healthz contract, a follower's 421 not_leader naming the leader, a follower's read
# lagging by a reported number of batches, a retry after a failover answered as a replay, and
# a partitioned leader (its nats-server stopped) that acknowledges nothing once its lease ends.
# Method: after the kills, every node catches up to the same sequence; then each is stopped and
# must pass `loyaltyctl verify`, hold exactly the acknowledged number of sales, and show the
# same `loyaltyctl stats` digest as the others.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
source "$LTY_SOURCE_DIR/tests/support/replication.sh"

KILLS=${LTY_REPL_KILLS:-10}
TILLS=3
SALES_PER_TILL=${LTY_REPL_SALES:-40}

nats_cluster_start 3
nodes_init 3
for i in 0 1 2; do node_start "$i"; done
leader=$(leader_wait)
check "one of three nodes leads" test "$leader" -ge 0

# ---- contract: healthz, 421, headers ------------------------------------------------------
BODY=$(health "$leader")
check "leader's healthz: status ok, role leader, applied_seq" \
    test "$(json .status)/$(json .role)/$(json '.applied_seq|type')" = "ok/leader/number"
follower=$(((leader + 1) % 3))
leader_known_wait "$follower" "127.0.0.1:${NODE_PORT[leader]}" >/dev/null
BODY=$(health "$follower")
check "follower's healthz names the leader's address" \
    test "$(json .role)/$(json .leader)" = "follower/127.0.0.1:${NODE_PORT[leader]}"

SALE='{"card_no":"'$DEMO_CARD'","receipt_no":"RX-1","lines":[{"sku":"A","category":"c","qty":1,"amount_cents":5000}]}'
on "$follower"
"$LOYALTYCTL" stats "${NODE_DIR[follower]}" >"$LTY_TMP/follower.before" 2>&1
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: kx-1"
expect_error "a write sent to a follower" 421 not_leader
"$LOYALTYCTL" stats "${NODE_DIR[follower]}" >"$LTY_TMP/follower.after" 2>&1
check "the refused write left the follower's store unchanged" \
    cmp -s "$LTY_TMP/follower.before" "$LTY_TMP/follower.after"
check "the 421 names the leader" test "$(json .error.leader)" = "127.0.0.1:${NODE_PORT[leader]}"
check "the follower's answer carries its applied sequence" test -n "$(header Replication-Applied-Seq)"

on "$leader"
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: kx-1"
check "the same write on the leader is applied (201)" test "$STATUS" = 201
SALE_ID=$(json .sale_id)
written_seq=$(header Replication-Applied-Seq)
check "the leader's answer carries the batch's sequence ($written_seq)" test "${written_seq:-0}" -ge 1

# A follower's read: lagging by a reported number of batches, then caught up.
on "$follower"
request till GET "/v1/till/cards/$DEMO_CARD"
lag=$(header Replication-Lag)
check "a follower's read reports its lag ($lag batches) and sequence" \
    test -n "$lag" -a -n "$(header Replication-Applied-Seq)"
applied=$(seq_wait "$follower" "$written_seq")
check "the follower applies the leader's batch (applied $applied >= $written_seq)" \
    test "$applied" -ge "$written_seq"
request till GET "/v1/till/cards/$DEMO_CARD"
check "the follower serves the card read at that sequence (200)" test "$STATUS" = 200
BODY=$(health "$follower")
check "the follower's reported lag is bounded by what the stream holds" \
    test "$(json .lag)" -ge 0 -a "$(json .lag)" -le "$(json .stream_last_seq)"

# ---- kill the leader under load, KILLS times -----------------------------------------------
acknowledged=1 # RX-1 above
till_run() { # till_run ROUND TILL: SALES_PER_TILL sales through the nodes' list
    local round=$1 till=$2 n
    for ((n = 0; n < SALES_PER_TILL; n++)); do
        echo "sale --card $DEMO_CARD --receipt R$round-$till-$n --line A,c,1,1000"
    done | "$POS_TILL" --servers "$(till_servers)" --ca "$CA" --cert "$TILL_CERT" \
        --key "$TILL_KEY" --queue "$LTY_TMP/queue-$till" --json --attempts 10 --backoff-ms 100 \
        --timeout-ms 3000 >"$LTY_TMP/till-$round-$till.out" 2>>"$LTY_TMP/till.log"
}
failover_ms_total=0
rounds_ok=0
for ((round = 0; round < KILLS; round++)); do
    pids=()
    for ((till = 0; till < TILLS; till++)); do
        till_run "$round" "$till" &
        pids+=($!)
    done
    # Under load: wait for the first acknowledged sale of this round, then kill the leader.
    for ((tries = 0; tries < 400; tries++)); do
        [[ -s "$LTY_TMP/till-$round-0.out" ]] && break
        sleep 0.02
    done
    killed=$leader
    started=$(date +%s%N)
    node_kill "$killed"
    leader=$(leader_wait "$killed")
    failover_ms=$((($(date +%s%N) - started) / 1000000))
    failover_ms_total=$((failover_ms_total + failover_ms))
    node_start "$killed" # back as a follower, on its old port
    for pid in "${pids[@]}"; do wait "$pid"; done
    ok=$(cat "$LTY_TMP"/till-"$round"-*.out | grep -c '"status":"ok"')
    acknowledged=$((acknowledged + ok))
    [[ "$leader" -ge 0 && "$ok" -eq $((TILLS * SALES_PER_TILL)) ]] && rounds_ok=$((rounds_ok + 1))
    echo "# round $round: killed node $killed, node $leader leads after ${failover_ms} ms, $ok sales acknowledged"
done
check "$rounds_ok of $KILLS kills: a follower took over and every till's sale was acknowledged" \
    test "$rounds_ok" -eq "$KILLS"
echo "# failover: $((failover_ms_total / (KILLS > 0 ? KILLS : 1))) ms on average (lease_ms 1000)"

# ---- a retry after a failover is a replay ----------------------------------------------------
on "$leader"
request till POST /v1/till/sales "${SALE/RX-1/RX-2}" -H "Idempotency-Key: kx-2"
check "a sale acknowledged by the leader (201)" test "$STATUS" = 201
acknowledged=$((acknowledged + 1))
first_body=$BODY
node_kill "$leader"
old=$leader
leader=$(leader_wait "$old")
check "a follower took over" test "$leader" -ge 0
on "$leader"
request till POST /v1/till/sales "${SALE/RX-1/RX-2}" -H "Idempotency-Key: kx-2"
check "the till's retry on the new leader is a replay (Idempotent-Replayed: true)" \
    test "$STATUS" = 201 -a "$(header Idempotent-Replayed)" = true
check "the replay is the same sale, not a second one" test "$BODY" = "$first_body"
node_start "$old"

# ---- a partitioned leader acknowledges nothing once its lease ends -------------------------
cut=$leader
nats_stop "$cut"
on "$cut"
request till POST /v1/till/sales "${SALE/RX-1/RX-3}" -H "Idempotency-Key: kx-3"
check "cut off from NATS, the leader refuses the write (503 replication_failed or 421 not_leader: $STATUS)" \
    test "$STATUS" = 503 -o "$STATUS" = 421
leader=$(leader_wait "$cut")
check "another node leads once the partitioned leader's lease ended" test "$leader" -ge 0
on "$cut"
request till POST /v1/till/sales "${SALE/RX-1/RX-4}" -H "Idempotency-Key: kx-4"
expect_error "after its lease ended, the partitioned node acknowledges no write" 421 not_leader
BODY=$(health "$cut")
check "the partitioned node no longer says it leads" test "$(json .role)" = follower
# kx-3 may be in the stream (its acknowledgement was lost): the till retries it on the leader.
on "$leader"
request till POST /v1/till/sales "${SALE/RX-1/RX-3}" -H "Idempotency-Key: kx-3"
check "the till's retry of the refused write succeeds on the new leader" test "$STATUS" = 201
acknowledged=$((acknowledged + 1))
nats_start "$cut"
nats_wait "$cut"

# ---- every node holds every acknowledged sale exactly once -----------------------------------
BODY=$(health "$leader")
final_seq=$(json .applied_seq)
for i in 0 1 2; do
    applied=$(seq_wait "$i" "$final_seq")
    check "node ${NODE_NAMES[i]} caught up to sequence $final_seq ($applied)" test "$applied" -ge "$final_seq"
done
for i in 0 1 2; do
    check "node ${NODE_NAMES[i]} stopped cleanly" node_stop "$i"
done
for i in 0 1 2; do
    if "$LOYALTYCTL" verify "${NODE_DIR[i]}" >"$LTY_TMP/verify.$i" 2>&1; then
        pass "loyaltyctl verify on node ${NODE_NAMES[i]}: sound"
    else
        fail "loyaltyctl verify on node ${NODE_NAMES[i]}: $(cat "$LTY_TMP/verify.$i")"
    fi
    "$LOYALTYCTL" stats "${NODE_DIR[i]}" >"$LTY_TMP/stats.$i" 2>&1
done
sales=$(awk '$1 == "sales" {print $2}' "$LTY_TMP/stats.0")
check "node a holds exactly the $acknowledged acknowledged sales ($sales)" test "$sales" = "$acknowledged"
check "nodes a and b have equal digests" cmp -s "$LTY_TMP/stats.0" "$LTY_TMP/stats.1"
check "nodes a and c have equal digests" cmp -s "$LTY_TMP/stats.0" "$LTY_TMP/stats.2"

echo "$LTY_PASSED passed, $LTY_FAILED failed"
[[ $LTY_FAILED -eq 0 ]]
