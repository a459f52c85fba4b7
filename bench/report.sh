# bench/report.sh: the side-by-side table of bench/run (sourced).

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 > 0) printf "%.2fx", a/b; else print "n/a" }'; }
lty_row() { printf '| %-44s | %9s | %8s | %8s | %8s | %6s |\n' "$1" "$(field rps "$2")" "$(field p50_ms "$2")" "$(field p99_ms "$2")" "$(field p999_ms "$2")" "$(( $(field refused "$2") + $(field errors "$2") ))"; }
pg_row() { printf '| %-44s | %9s | %8s | %8s | %8s | %6s |\n' "$1" "$(field rps "$2")" "$(field p50_ms "$2")" "$(field p99_ms "$2")" "$(field p999_ms "$2")" "-"; }

report_print() {
    local sales pg16 pg64 pgbest look nginx
    sales=$(field rps "$WORK/sales.out")
    pg16=$(field rps "$WORK/pg_accrual16.res")
    pg64=$(field rps "$WORK/pg_accrual64.res")
    pgbest=$(( pg16 > pg64 ? pg16 : pg64 ))
    look=$(field rps "$WORK/lookup.out")
    nginx=$(field rps "$WORK/nginx_wrk.res")
    local idle64 idle4k
    idle64=$(field rss_kib "$WORK/idle64.out")
    idle4k=$(field rss_kib "$WORK/idle4k.out")
    cat <<TXT

## bench/run $(date -u +%Y-%m-%dT%H:%MZ) - $MEMBERS members, ${DURATION}s per workload
machine: $MACHINE
note: the load drivers (lty-load, pgbench, wrk) run on the same $(nproc) cores as the server.

| workload (TLS keep-alive unless noted)       |  req/s    | p50 ms   | p99 ms   | p99.9 ms | errors |
|----------------------------------------------|-----------|----------|----------|----------|--------|
TXT
    lty_row "loyaltyd sales (accruals), 64 conn" "$WORK/sales.out"
    lty_row "loyaltyd sales, 16 conn" "$WORK/sales16.out"
    lty_row "loyaltyd sales with a coupon, 64 conn" "$WORK/coupons.out"
    lty_row "loyaltyd sales, 1 conn" "$WORK/sales1.out"
    lty_row "loyaltyd mixed 70/20/10, 64 conn" "$WORK/mixed.out"
    lty_row "loyaltyd card look-ups, 64 conn" "$WORK/lookup.out"
    lty_row "loyaltyd look-up, new conn each (resumed)" "$WORK/reconnect.out"
    lty_row "loyaltyd sales during hot backup, 64 conn" "$WORK/backup_load.out"
    pg_row "PostgreSQL accrual, 1 client" "$WORK/pg_accrual1.res"
    pg_row "PostgreSQL accrual, 16 clients" "$WORK/pg_accrual16.res"
    pg_row "PostgreSQL accrual, 64 clients" "$WORK/pg_accrual64.res"
    pg_row "PostgreSQL balance look-up, 16 clients" "$WORK/pg_lookup16.res"
    pg_row "PostgreSQL balance look-up, 64 clients" "$WORK/pg_lookup64.res"
    printf '| %-44s | %9s | %8s | %8s | %8s | %6s |\n' "nginx static 200 B JSON, wrk -t2 -c64" "$nginx" \
        "$(field p50 "$WORK/nginx_wrk.res")" "$(field p99 "$WORK/nginx_wrk.res")" "-" "-"
    lty_row "nginx static, lty-load 64 conn" "$WORK/nginx_load.out"
    cat <<TXT

ratios:
  sales / best PostgreSQL accrual TPS (16 or 64 clients):  $(ratio "$sales" "$pgbest")   (goal >= 8x, p99 <= 10 ms)
  card look-ups / nginx static (wrk):                      $(ratio "$look" "$nginx")   (goal >= 0.8x)
  card look-ups / nginx static (same driver, lty-load):    $(ratio "$look" "$(field rps "$WORK/nginx_load.out")")
  sales / PostgreSQL accrual, 1 connection each:           $(ratio "$(field rps "$WORK/sales1.out")" "$(field rps "$WORK/pg_accrual1.res")")
  sales with a coupon / sales without, 64 conn:            $(ratio "$(field rps "$WORK/coupons.out")" "$sales")   (goal >= 0.85x)

loyaltyd:
  cold start to serving ($MEMBERS members):  $COLD_MS ms (page cache dropped when root), then the daemon warmed its page cache in $WARM_S s (serving meanwhile)
  data generation:                           $GEN_S s
  store after generation:                    $STORE_BYTES bytes ($(awk -v a="$STORE_BYTES" -v m="$MEMBERS" 'BEGIN{printf "%.0f", a/m}') bytes per member with card and one bonus entry); PostgreSQL database $PG_BYTES bytes
  hot backup under 64-conn sales:            $BACKUP_S s; sales p99 $(field p99_ms "$WORK/backup_load.out") ms during it vs $(field p99_ms "$WORK/sales.out") ms without
  RSS with 64 idle connections:              $idle64 KiB ($(field per_conn_kib "$WORK/idle64.out") KiB per connection)
  RSS with 4096 idle connections:            $idle4k KiB ($(field per_conn_kib "$WORK/idle4k.out") KiB per connection; opened $(field opened "$WORK/idle4k.out"))
  group commit over the run:                 $JOBS jobs in $BATCHES durable commits; per commit $(awk -v a="$APPLY_US" -v c="$COMMIT_US" -v b="$BATCHES" 'BEGIN{ if (b+0 > 0) printf "%.2f ms applying, %.2f ms committing (page writes and syncs)", a/b/1000, c/b/1000; else print "n/a" }')
  daemon CPU (cores) during sales/look-ups:  $(field daemon_cpu "$WORK/sales.out") / $(field daemon_cpu "$WORK/lookup.out"); driver CPU $(field driver_cpu "$WORK/sales.out") / $(field driver_cpu "$WORK/lookup.out")
  total bench time:                          $(( $(date +%s) - T0 )) s
TXT
}
