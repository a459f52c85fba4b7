# tests/support/lib.sh: helpers for bash integration tests (sourced, never run).
#
# Each test script: `source "$LTY_SOURCE_DIR/tests/support/lib.sh"`, then lty_init_demo,
# lty_start, calls through till/admin/anon (curl over real TLS with client certificates),
# assertions, and lty_finish (stops the daemon by PID, runs `loyaltyctl verify`, prints the
# closing "N passed, N failed" line). Servers listen on 127.0.0.1 with a port chosen at run time;
# readiness comes from --ready-fd through a FIFO (a blocking read, no sleeps).
set -uo pipefail

: "${LTY_BUILD_DIR:?LTY_BUILD_DIR must point at the build directory}"
: "${LTY_SOURCE_DIR:?LTY_SOURCE_DIR must point at the source directory}"
LOYALTYD="$LTY_BUILD_DIR/daemon/loyaltyd"
LOYALTYCTL="$LTY_BUILD_DIR/admin-cli/loyaltyctl"
POS_TILL="$LTY_BUILD_DIR/pos-plugin/pos-till"

LTY_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lty-test.XXXXXX")
LTY_DATA="$LTY_TMP/data"
LTY_CA_DIR="$LTY_TMP/data.ca" # the programme CA's key: beside the data directory, never in it
LTY_PID=""
LTY_PORT=""
LTY_PASSED=0
LTY_FAILED=0
STATUS=""
BODY=""
HEADERS=""

lty_cleanup() {
    if [[ -n "$LTY_PID" ]] && kill -0 "$LTY_PID" 2>/dev/null; then
        kill -KILL "$LTY_PID" 2>/dev/null
        wait "$LTY_PID" 2>/dev/null
    fi
    if [[ "${LTY_KEEP_TMP:-0}" != "1" ]]; then rm -rf "$LTY_TMP"; fi
}
trap lty_cleanup EXIT

pass() { LTY_PASSED=$((LTY_PASSED + 1)); echo "ok $((LTY_PASSED + LTY_FAILED)) - $*"; }
fail() {
    LTY_FAILED=$((LTY_FAILED + 1))
    echo "not ok $((LTY_PASSED + LTY_FAILED)) - $*"
    echo "#   status=$STATUS body=${BODY:0:400}"
}

# check NAME CONDITION...: passes when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

lty_init_demo() {
    "$LOYALTYCTL" init "$LTY_DATA" --demo >"$LTY_TMP/init.out" 2>"$LTY_TMP/init.err" ||
        { cat "$LTY_TMP/init.err"; echo "Bail out! loyaltyctl init failed"; exit 1; }
    CA="$LTY_DATA/tls/ca.crt"
    CA_KEY="$LTY_CA_DIR/ca.key"
    TILL_CERT="$LTY_DATA/tls/demo-till.crt"
    TILL_KEY="$LTY_DATA/tls/demo-till.key"
    OP_CERT="$LTY_DATA/tls/demo-operator.crt"
    OP_KEY="$LTY_DATA/tls/demo-operator.key"
    DEMO_CARD=$(head -1 "$LTY_DATA/demo-cards.txt")
    PORTAL_CA="$LTY_DATA/tls/portal-ca.crt"
}

# lty_start [extra loyaltyd flags...]: start the daemon, wait for its ports on a FIFO (the
# till/operator port, then the member portal's: PORTAL is its URL).
lty_start() {
    local fifo="$LTY_TMP/ready.$RANDOM"
    mkfifo "$fifo"
    "$LOYALTYD" --data "$LTY_DATA" --listen 127.0.0.1:0 --portal-listen 127.0.0.1:0 --ready-fd 3 \
        "$@" 3>"$fifo" 2>>"$LTY_TMP/daemon.log" &
    LTY_PID=$!
    LTY_PORT=""
    LTY_PORTAL_PORT=""
    read -r -t 30 LTY_PORT LTY_PORTAL_PORT <"$fifo"
    rm -f "$fifo"
    if [[ -z "$LTY_PORT" ]]; then
        cat "$LTY_TMP/daemon.log"
        echo "Bail out! loyaltyd did not become ready"
        exit 1
    fi
    BASE="https://127.0.0.1:$LTY_PORT"
    PORTAL="https://127.0.0.1:$LTY_PORTAL_PORT"
}

# lty_stop: graceful stop by PID; fails the test if the exit status is not 0.
# A daemon that does not stop within 30 s fails the check (with its log) instead of hanging the
# suite; `tail --pid` blocks until the process is gone, no polling.
lty_stop() {
    [[ -n "$LTY_PID" ]] || return 0
    kill -TERM "$LTY_PID"
    local rc=0
    if ! timeout 30 tail --pid="$LTY_PID" -f /dev/null; then
        echo "# loyaltyd did not stop within 30 s of SIGTERM; last log lines:"
        tail -n 20 "$LTY_TMP/daemon.log" | sed 's/^/#   /'
        kill -KILL "$LTY_PID" 2>/dev/null
    fi
    wait "$LTY_PID" || rc=$?
    LTY_PID=""
    check "daemon stopped cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0
}

# lty_kill: SIGKILL, as a crash would.
lty_kill() {
    kill -KILL "$LTY_PID"
    wait "$LTY_PID" 2>/dev/null
    LTY_PID=""
}

# curl_config_post PATH KEY DATA: one till POST of a `curl -K` config, which prints its status
# on a line. DATA is the config's data-binary value: "@FILE", or a body with its quotes escaped
# (${body//\"/\\\"}). Builtins only, so a config of thousands of requests costs no fork each;
# one curl then sends them all over one kept-alive connection, in order.
curl_config_post() {
    printf 'url = "%s"\ncacert = "%s"\ncert = "%s"\nkey = "%s"\n' \
        "$BASE$1" "$CA" "$TILL_CERT" "$TILL_KEY"
    printf 'header = "Content-Type: application/json"\nheader = "Idempotency-Key: %s"\n' "$2"
    printf 'data-binary = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\nnext\n' "$3"
}

# request ROLE METHOD PATH [BODY] [extra curl args...]: sets STATUS, BODY, HEADERS.
# ROLE: till, op (operator), anon (no client certificate).
request() {
    local role=$1 method=$2 path=$3 body=${4:-}
    shift 3
    [[ $# -gt 0 ]] && shift
    local auth=()
    case "$role" in
    till) auth=(--cert "$TILL_CERT" --key "$TILL_KEY") ;;
    op) auth=(--cert "$OP_CERT" --key "$OP_KEY") ;;
    anon) auth=() ;;
    *) auth=(--cert "$role.crt" --key "$role.key") ;;
    esac
    local data=()
    if [[ -n "$body" ]]; then data=(-H 'Content-Type: application/json' --data-binary "$body"); fi
    STATUS=$(curl -sS --max-time 20 --cacert "$CA" "${auth[@]}" -X "$method" "${data[@]}" \
        -D "$LTY_TMP/headers" -o "$LTY_TMP/body" -w '%{http_code}' "$@" "$BASE$path" \
        2>"$LTY_TMP/curl.err") || STATUS="curl-failed:$(cat "$LTY_TMP/curl.err")"
    BODY=$(cat "$LTY_TMP/body" 2>/dev/null)
    HEADERS=$(cat "$LTY_TMP/headers" 2>/dev/null)
}

# json FILTER: jq over the last BODY.
json() { jq -r "$1" <<<"$BODY"; }

# expect_error NAME STATUS CODE: the last response is that error document.
expect_error() {
    local name=$1 status=$2 code=$3
    if [[ "$STATUS" == "$status" && "$(json .error.code)" == "$code" ]]; then
        pass "$name ($status $code)"
    else
        fail "$name: expected $status $code"
    fi
}

# key: a fresh idempotency key.
key() { echo "k-$RANDOM$RANDOM$RANDOM-$(date +%s%N)"; }

# snapshot NAME: the member/card state that must not change across a refusal.
snapshot() {
    "$LOYALTYCTL" stats "$LTY_DATA" >"$LTY_TMP/snap.$1" 2>&1
}

lty_verify() {
    if "$LOYALTYCTL" verify "$LTY_DATA" >"$LTY_TMP/verify.out" 2>&1; then
        pass "loyaltyctl verify: ledger sound"
    else
        fail "loyaltyctl verify: $(cat "$LTY_TMP/verify.out")"
    fi
}

# metric NAME: the value of a /metrics line of the running daemon ("" if absent).
metric() {
    curl -sS --max-time 20 --cacert "$CA" "$BASE/metrics" 2>/dev/null | awk -v name="$1" '$1 == name {print $2}'
}

# metric_wait NAME MIN: wait (bounded: 20 s) until /metrics says NAME >= MIN; fails otherwise.
# For events the daemon handles on its own time (a SIGHUP reload, a revocation sweep), polled
# rather than slept for.
metric_wait() {
    local deadline=$((SECONDS + 20)) value
    while ((SECONDS < deadline)); do
        value=$(metric "$1")
        [[ -n "$value" && "$value" -ge "$2" ]] && return 0
    done
    echo "# $1 is ${value:-absent}, not >= $2 after 20 s"
    return 1
}

# rss_kib: the running daemon's VmRSS in KiB.
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$LTY_PID/status"; }

# check_rss_growth NAME START_KIB MAX_MIB: the daemon's VmRSS grew less than MAX_MIB since
# START_KIB. Under AddressSanitizer freed memory sits in its quarantine (256 MiB by default),
# every allocation carries redzones and shadow memory, and its allocator keeps freed pages (no
# malloc_trim): after a flood of ~4,700 connections it held 350 MiB more with three loop
# threads. There the bound is 512 MiB plus MAX_MIB, a guard against a gross leak only; the
# normal build's run of the same test checks that memory really goes back.
check_rss_growth() {
    local end max_kib=$(($3 * 1024))
    end=$(rss_kib)
    [[ "${LTY_SANITIZED:-0}" == 1 ]] && max_kib=$((max_kib + 524288))
    check "$1: VmRSS $2 KiB -> $end KiB (growth < $((max_kib / 1024)) MiB)" \
        test $((end - $2)) -lt "$max_kib"
}

# lty_finish: stop, verify, print the closing line, exit with the verdict.
lty_finish() {
    lty_stop
    lty_verify
    echo "$LTY_PASSED passed, $LTY_FAILED failed"
    [[ $LTY_FAILED -eq 0 ]]
    exit $?
}

# lty_cert_openssl STEM SUBJECT CA_CRT CA_KEY [STARTDATE ENDDATE]: a client certificate made with
# openssl (what loyaltyctl refuses to make: past validity, repeated attributes, a foreign CA) into
# $LTY_TMP/STEM.{crt,key}. SUBJECT is openssl's "/CN=x/OU=operator/title=admin" form; the dates
# are YYYYMMDDHHMMSSZ (default: valid from now for two days).
lty_cert_openssl() {
    local stem=$1 subject=$2 ca_crt=$3 ca_key=$4 start=${5:-} end=${6:-}
    local work="$LTY_TMP/openssl-ca"
    mkdir -p "$work"
    [[ -f "$work/serial" ]] || { : >"$work/index.txt"; echo 1000 >"$work/serial"; }
    printf '%s\n' '[ca]' 'default_ca = lty' '[lty]' "database = $work/index.txt" \
        "new_certs_dir = $work" "serial = $work/serial" 'default_md = sha256' \
        'policy = anything' 'unique_subject = no' '[anything]' 'commonName = supplied' \
        'organizationalUnitName = optional' 'title = optional' 'organizationName = optional' \
        '[ext]' 'basicConstraints = CA:FALSE' 'keyUsage = digitalSignature' >"$work/ca.cnf"
    local dates=(-days 2)
    [[ -n "$start" ]] && dates=(-startdate "$start" -enddate "$end")
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$LTY_TMP/$stem.key" \
        -out "$work/$stem.csr" -subj "$subject" >/dev/null 2>&1 &&
        openssl ca -batch -config "$work/ca.cnf" -cert "$ca_crt" -keyfile "$ca_key" \
            -in "$work/$stem.csr" -out "$LTY_TMP/$stem.crt" "${dates[@]}" -extensions ext \
            -preserveDN -notext >/dev/null 2>&1 ||
        { echo "Bail out! openssl could not make $stem"; exit 1; }
}

# tls_refused EXITCODE: curl's exit code says the handshake was refused: 35 (the handshake
# failed), or, when the server's alert came after the client had finished its side (TLS 1.2
# client certificates are judged last), 56 (recv), 55 (send) or 52 (closed with no reply).
tls_refused() {
    case "$1" in 35 | 52 | 55 | 56) return 0 ;; *) return 1 ;; esac
}

# lty_foreign_ca: a self-signed CA of nobody's programme, in $LTY_TMP/foreign-ca.{crt,key}.
lty_foreign_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$LTY_TMP/foreign-ca.key" -out "$LTY_TMP/foreign-ca.crt" \
        -subj "/CN=Foreign CA/O=elsewhere" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=keyCertSign,cRLSign >/dev/null 2>&1 ||
        { echo "Bail out! openssl could not make a foreign CA"; exit 1; }
}

# unchanged NAME SNAPSHOT: the store's counts and balances equal the earlier snapshot.
unchanged() {
    "$LOYALTYCTL" stats "$LTY_DATA" >"$LTY_TMP/snap.now" 2>&1
    if cmp -s "$LTY_TMP/snap.$2" "$LTY_TMP/snap.now"; then
        pass "$1: store unchanged"
    else
        fail "$1: store changed: $(diff "$LTY_TMP/snap.$2" "$LTY_TMP/snap.now" | head -5)"
    fi
}

# ctl ARGS...: run loyaltyctl on the test's data directory (it finds the daemon's port in
# DIR/loyaltyd.pid); sets RC, OUT (stdout) and ERR (stderr). BODY/STATUS are set for fail().
ctl() {
    OUT=$("$LOYALTYCTL" --data "$LTY_DATA" "$@" 2>"$LTY_TMP/ctl.err")
    RC=$?
    ERR=$(cat "$LTY_TMP/ctl.err")
    STATUS="exit $RC"
    BODY="$OUT | $ERR"
}

# expect_exit NAME CODE [PATTERN]: the last ctl exited with CODE and (when given) its stderr
# matches PATTERN (a refusal's wire code and message are printed there).
expect_exit() {
    local name=$1 code=$2 pattern=${3:-}
    if [[ "$RC" == "$code" && ( -z "$pattern" || "$ERR" =~ $pattern ) ]]; then
        pass "$name (exit $code${pattern:+, $pattern})"
    else
        fail "$name: expected exit $code${pattern:+ and /$pattern/}"
    fi
}

# digest: the ledger's content digest (loyaltyctl verify --json), idempotency records aside.
digest() { "$LOYALTYCTL" verify "$LTY_DATA" --json 2>/dev/null | jq -r .digest; }

# audit_all: every audit record (GET /v1/admin/audit, page by page, as the demo operator) into
# $LTY_TMP/audit.json, one array, oldest first. Returns 1 when a page is refused.
audit_all() {
    local after=0 pages=0
    : >"$LTY_TMP/audit.pages"
    while [[ $pages -lt 1000 ]]; do
        request op GET "/v1/admin/audit?limit=100&after=$after"
        [[ "$STATUS" == 200 ]] || return 1
        json '.audit[]' >>"$LTY_TMP/audit.pages"
        after=$(json .next_after)
        [[ "$after" == null ]] && break
        pages=$((pages + 1))
    done
    jq -s . "$LTY_TMP/audit.pages" >"$LTY_TMP/audit.json"
}
