#!/usr/bin/env bash
# Goal: a new or lagging node starts from a backup plus the stream after the backup's sequence,
# and a node whose next batch the stream's retention already dropped refuses to serve and says
# so: it never serves a ledger with a gap.
# Method: one JetStream server, a stream kept to 4 batches (stream_max_msgs). Node a leads;
# a backup taken mid-way (`loyaltyctl backup` of the running node) becomes node b, which
# catches up from the stream and ends with a's digest. A backup taken before the first batch
# becomes node c after the stream has dropped batch 1: c answers healthz 503 "behind", refuses
# reads and writes with 503 replica_behind, and its store stays as the backup left it.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
source "$LTY_SOURCE_DIR/tests/support/replication.sh"

nats_cluster_start 1
EXTRA='{"replicas":1,"stream_max_msgs":4,"lease_ms":3000}' # a loaded machine keeps its leader
nodes_init 1 "$EXTRA"
NODE_DIR[2]="$LTY_TMP/node2"
"$LOYALTYCTL" backup "${NODE_DIR[0]}" "${NODE_DIR[2]}" >/dev/null # at sequence 0
node_configure 2 0 "$EXTRA"
node_start 0
leader=$(leader_wait)
check "node a leads" test "$leader" = 0

sale() { # sale N: one sale on node a, its own batch
    on 0
    request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"B-'$1'","lines":[{"sku":"A","category":"c","qty":1,"amount_cents":2000}]}' \
        -H "Idempotency-Key: kb-$1"
    [[ "$STATUS" == 201 ]]
}
check "three sales on the leader" sale 1
sale 2 && sale 3
NODE_DIR[1]="$LTY_TMP/node1"
"$LOYALTYCTL" backup "${NODE_DIR[0]}" "${NODE_DIR[1]}" >/dev/null # hot, at sequence 3
node_configure 1 0 "$EXTRA"
check "three more sales after the backup" sale 4
sale 5 && sale 6
BODY=$(health 0)
last=$(json .applied_seq)
check "the leader is at sequence 6 ($last)" test "$last" = 6

node_start 1
applied=$(seq_wait 1 "$last")
check "node b, made from the backup, catches up from the stream ($applied)" test "$applied" = "$last"
BODY=$(health 1)
check "node b serves (status ok; it leads only if a's lease lapsed on a loaded machine)" \
    test "$(json .status)" = ok

"$LOYALTYCTL" stats "${NODE_DIR[2]}" >"$LTY_TMP/c.before" 2>&1
node_start 2
BODY=$(health 2)
for ((tries = 0; tries < 200; tries++)); do
    [[ "$(json .status)" == behind ]] && break
    sleep 0.05
    BODY=$(health 2)
done
check "node c, whose next batch the stream dropped, says it is behind (healthz status behind)" \
    test "$(json .status)/$(json .applied_seq)" = behind/0
STATUS=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "https://127.0.0.1:${NODE_PORT[2]}/healthz")
check "its healthz answers 503, so no balancer sends it anything" test "$STATUS" = 503
on 2
request till GET "/v1/till/cards/$DEMO_CARD"
expect_error "node c refuses a read rather than serve a gap" 503 replica_behind
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"B-9","lines":[{"sku":"A","qty":1,"amount_cents":100}]}' \
    -H "Idempotency-Key: kb-9"
expect_error "node c refuses a write" 503 replica_behind
check "node c stopped cleanly" node_stop 2
"$LOYALTYCTL" stats "${NODE_DIR[2]}" >"$LTY_TMP/c.after" 2>&1
check "node c's store is as the backup left it" cmp -s "$LTY_TMP/c.before" "$LTY_TMP/c.after"

check "node b stopped cleanly" node_stop 1
check "node a stopped cleanly" node_stop 0
for i in 0 1; do
    "$LOYALTYCTL" stats "${NODE_DIR[i]}" >"$LTY_TMP/stats.$i" 2>&1
    check "loyaltyctl verify on node ${NODE_NAMES[i]}" "$LOYALTYCTL" verify "${NODE_DIR[i]}"
done
check "nodes a and b have equal digests" cmp -s "$LTY_TMP/stats.0" "$LTY_TMP/stats.1"
sales=$(awk '$1 == "sales" {print $2}' "$LTY_TMP/stats.1")
check "node b holds the six sales once each ($sales)" test "$sales" = 6

echo "$LTY_PASSED passed, $LTY_FAILED failed"
[[ $LTY_FAILED -eq 0 ]]
