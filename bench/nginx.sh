# bench/nginx.sh: the static ceiling for bench/run (sourced). nginx (Debian nginx-light) on
# 127.0.0.1 and a free port serving a 200-byte JSON over TLS 1.2 with keep-alive, with the
# daemon's own certificate and cipher family (ECDHE-ECDSA, AES-128-GCM); measured with
# wrk -t2 -c64 (the ceiling the look-up goal names) and with lty-load (the same driver as loyaltyd's
# look-ups). Stopped by PID.

nginx_start() {
    NGINX_PORT=$(free_port)
    mkdir -p "$WORK/nginx"
    local body
    body=$(printf '{"card_no":"8800000000000000","card_status":"active","member_id":1,"name":"Bench Member 1","points":500,"prepaid_cents":0,"expires_at":"2029-01-01T00:00:00Z","pad":"%0*d"}' 23 0)
    cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $DATA/tls/server.crt;
        ssl_certificate_key $DATA/tls/server.key;
        ssl_protocols TLSv1.2;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305;
        location / {
            default_type application/json;
            return 200 '$body';
        }
    }
}
CONF
    NGINX_BODY_BYTES=${#body}
    /usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>>"$WORK/nginx/stderr.log" &
    NGINX_PID=$!
    local tries=0
    until curl -s -o /dev/null --cacert "$DATA/tls/ca.crt" "https://127.0.0.1:$NGINX_PORT/"; do
        tries=$((tries + 1))
        [[ $tries -lt 100 ]] || { cat "$WORK/nginx/error.log"; echo "nginx did not start" >&2; exit 1; }
        kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/stderr.log"; exit 1; }
        sleep 0.1 # nginx has no readiness fd; bounded poll of its port
    done
}

nginx_bench_all() {
    log "nginx: static ${DURATION}s runs"
    nginx_start
    wrk -t2 -c64 -d"${DURATION}s" --latency "https://127.0.0.1:$NGINX_PORT/" >"$WORK/wrk.out" 2>&1
    local rps p50 p99
    rps=$(awk '/Requests\/sec/{printf "%.0f", $2}' "$WORK/wrk.out")
    p50=$(awk '$1=="50%"{print $2}' "$WORK/wrk.out")
    p99=$(awk '$1=="99%"{print $2}' "$WORK/wrk.out")
    echo "RESULT workload=nginx_wrk rps=$rps p50=$p50 p99=$p99" >"$WORK/nginx_wrk.res"
    log "$(cat "$WORK/nginx_wrk.res") (body $NGINX_BODY_BYTES bytes)"
    "$LOAD" --data "$DATA" --port "$NGINX_PORT" --workload lookup --connections 64 \
        --duration "$DURATION" --warmup 1 --daemon-pid "$NGINX_PID" \
        >"$WORK/nginx_load.out" 2>"$WORK/nginx_load.err" || { cat "$WORK/nginx_load.err"; exit 1; }
    log "$(grep RESULT "$WORK/nginx_load.out") (lty-load against nginx)"
    kill -TERM "$NGINX_PID"
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
}
