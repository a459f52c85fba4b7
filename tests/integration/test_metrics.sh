#!/usr/bin/env bash
# Goal: what an operator reads in /metrics is true. The page-cache warm-up the daemon runs after
# start (store.c) ends and says so, having read at least the store's pages in use; the writer's
# counters move by exactly one job and one durable commit for one sale, and its commit time
# grows; a retry of the sale is counted as a replay.
# Method: the real daemon on the demo store; the warm-up's end is awaited on its log line
# (tail -f piped to grep, no polling); /metrics is read with curl before and after one sale.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

# metric NAME: its value in the last metrics read ($METRICS).
metric() { awk -v name="$1" '$1 == name {print $2}' <<<"$METRICS"; }
metrics_read() { METRICS=$(curl -sS --max-time 20 --cacert "$CA" "$BASE/metrics"); }

timeout 30 tail -n +1 -f "$LTY_TMP/daemon.log" | grep -q -m1 'event=cache_warmed'
check "the page-cache warm-up ends and logs it" grep -q 'event=cache_warmed' "$LTY_TMP/daemon.log"
metrics_read
check "loyaltyd_store_cache_warm_done is 1 ($(metric loyaltyd_store_cache_warm_done))" \
    test "$(metric loyaltyd_store_cache_warm_done)" = 1
WARMED=$(metric loyaltyd_store_cache_warm_bytes)
USED=$(metric loyaltyd_store_used_bytes)
check "the warm-up read the store's pages in use ($WARMED >= $USED > 0)" \
    test "${WARMED:-0}" -ge "${USED:-1}" -a "${USED:-0}" -gt 0

JOBS=$(metric loyaltyd_writer_jobs_total)
BATCHES=$(metric loyaltyd_writer_batches_total)
APPLY=$(metric loyaltyd_writer_apply_microseconds_total)
COMMIT=$(metric loyaltyd_writer_commit_microseconds_total)
K=$(key)
SALE='{"card_no":"'"$DEMO_CARD"'","receipt_no":"R-M-1","lines":[{"sku":"A1","category":"grocery","qty":1,"amount_cents":1500}]}'
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: $K"
check "a sale is accepted ($STATUS)" test "$STATUS" = 201
metrics_read
check "one sale is one more job ($JOBS -> $(metric loyaltyd_writer_jobs_total))" \
    test "$(metric loyaltyd_writer_jobs_total)" -eq $((JOBS + 1))
check "and one more durable commit ($BATCHES -> $(metric loyaltyd_writer_batches_total))" \
    test "$(metric loyaltyd_writer_batches_total)" -eq $((BATCHES + 1))
check "the writer's commit time grew ($COMMIT -> $(metric loyaltyd_writer_commit_microseconds_total))" \
    test "$(metric loyaltyd_writer_commit_microseconds_total)" -gt "$COMMIT"
check "the writer's apply time grew ($APPLY -> $(metric loyaltyd_writer_apply_microseconds_total))" \
    test "$(metric loyaltyd_writer_apply_microseconds_total)" -gt "$APPLY"
request till POST /v1/till/sales "$SALE" -H "Idempotency-Key: $K"
metrics_read
check "a replay is answered ($STATUS) and counted ($(metric loyaltyd_writer_replays_total))" \
    test "$STATUS" = 201 -a "$(metric loyaltyd_writer_replays_total)" -ge 1
lty_finish
