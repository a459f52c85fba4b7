# bench/pg.sh: the PostgreSQL 15 peer for bench/run (sourced). A throw-away cluster in
# $WORK/pg on 127.0.0.1 and a free port, fsync and synchronous_commit on, the same members
# (card numbers from bench-cards.txt), and pgbench -M prepared with the accrual transaction:
# look the card up FOR UPDATE, insert a journal row with a unique idempotency key, update the
# balance. Stopped with pg_ctl stop (cleanup in bench/run).

pg_psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U bench -d bench "$@"; }

# PostgreSQL refuses to run as root: then its server side runs as the postgres user.
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
    PG_PORT=$(free_port)
    PG_DIR=$WORK/pgrun
    mkdir -p "$PG_DIR"
    chmod 711 "$WORK"
    [[ $(id -u) == 0 ]] && chown postgres "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U bench -A trust --no-sync -E UTF8 >"$WORK/pg_initdb.log" 2>&1 ||
        { cat "$WORK/pg_initdb.log"; exit 1; }
    cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 100
shared_buffers = 512MB
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
checkpoint_timeout = 30min
CONF
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 start >/dev/null
    PG_STARTED=1
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U bench bench
}

pg_load() {
    awk '{print $1 "," NR}' "$DATA/bench-cards.txt" >"$WORK/pg_cards.csv"
    pg_psql <<SQL
CREATE TABLE cards (seq integer PRIMARY KEY, card_no text NOT NULL UNIQUE, member_id bigint NOT NULL,
                    status smallint NOT NULL DEFAULT 1);
CREATE TABLE accounts (member_id bigint PRIMARY KEY, points bigint NOT NULL);
CREATE TABLE journal (entry_id bigserial PRIMARY KEY, member_id bigint NOT NULL,
                      idempotency_key text NOT NULL UNIQUE, points bigint NOT NULL,
                      amount_cents bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TEMP TABLE cards_in (card_no text, member_id bigint);
\copy cards_in FROM '$WORK/pg_cards.csv' WITH (FORMAT csv)
INSERT INTO cards (seq, card_no, member_id) SELECT member_id, card_no, member_id FROM cards_in;
INSERT INTO accounts SELECT member_id, 500 FROM cards_in;
VACUUM ANALYZE;
CHECKPOINT;
SQL
}

pg_scripts() {
    # The card is chosen and looked up by its sequence number (primary key): PG's fastest path.
    cat >"$WORK/accrual.sql" <<SQL
\set seq random(1, $MEMBERS)
\set key random(1, 9000000000000000000)
\set pts random(10, 200)
BEGIN;
SELECT c.card_no, c.member_id FROM cards c WHERE c.seq = :seq AND c.status = 1 FOR UPDATE \gset
INSERT INTO journal (member_id, idempotency_key, points, amount_cents) VALUES (:member_id, :client_id || '-' || :key, :pts, :pts * 100);
UPDATE accounts SET points = points + :pts WHERE member_id = :member_id;
END;
SQL
    cat >"$WORK/lookup.sql" <<SQL
\set seq random(1, $MEMBERS)
SELECT c.card_no, c.member_id, a.points FROM cards c JOIN accounts a USING (member_id) WHERE c.seq = :seq;
SQL
}

# pg_run NAME SCRIPT CLIENTS: pgbench into $WORK/NAME.out (tps) and NAME.p99 (latency percentiles)
pg_run() {
    local name=$1 script=$2 clients=$3 threads=2
    [[ "$clients" -lt 2 ]] && threads=1
    rm -rf "$WORK/pglog" && mkdir "$WORK/pglog"
    (cd "$WORK/pglog" && "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U bench -n -M prepared \
        -c "$clients" -j "$threads" -T "$DURATION" -f "$script" -l --log-prefix=tx bench \
        >"$WORK/$name.out" 2>"$WORK/$name.err") || { cat "$WORK/$name.err"; exit 1; }
    # Column 3 of the per-transaction log: latency in microseconds.
    cat "$WORK"/pglog/tx* | awk '{print $3}' | sort -n | awk '
        {v[NR]=$1} END {if (NR==0) {print "p50_ms=0 p99_ms=0 p999_ms=0"; exit}
        printf "p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f\n", v[int(NR*0.5)+1]/1000, v[int(NR*0.99)+1]/1000, v[int(NR*0.999)+1]/1000}' \
        >"$WORK/$name.p99"
    local tps
    tps=$(grep -o 'tps = [0-9.]*' "$WORK/$name.out" | head -1 | cut -d' ' -f3)
    echo "RESULT workload=$name clients=$clients rps=${tps%.*} $(cat "$WORK/$name.p99")" >"$WORK/$name.res"
    log "$(cat "$WORK/$name.res")"
}

pg_bench_all() {
    log "PostgreSQL 15: initdb, load $MEMBERS members"
    pg_start
    pg_load
    pg_scripts
    pg_run pg_accrual1 "$WORK/accrual.sql" 1
    pg_run pg_accrual16 "$WORK/accrual.sql" 16
    pg_run pg_accrual64 "$WORK/accrual.sql" 64
    pg_run pg_lookup16 "$WORK/lookup.sql" 16
    pg_run pg_lookup64 "$WORK/lookup.sql" 64
    PG_BYTES=$(pg_psql -At -c "SELECT pg_database_size('bench')")
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
    PG_STARTED=0
}
