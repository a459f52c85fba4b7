#!/usr/bin/env bash
# Goal: identities are what the certificate says, exactly once. `loyaltyctl operator add` puts
# the role in the certificate (title) and refuses a missing or unknown role; an operator
# certificate without a role is refused for the admin realm (never read as some default role); a
# certificate whose subject holds two CN or two OU (or two titles) is refused at the handshake
# instead of the last one winning; a cashier supervisor's adjustments and top-ups are bounded;
# `--ca-dir` finds a CA moved elsewhere.
# Method: certificates from loyaltyctl and, for what it refuses to make, from openssl signed by
# the programme CA; requests over real TLS with curl; refusals leave the store unchanged.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
CTL=("$LOYALTYCTL" --data "$LTY_DATA")

# ---- operator add --role --------------------------------------------------------------------
rc=0
"${CTL[@]}" operator add nobody --out "$LTY_TMP" >/dev/null 2>"$LTY_TMP/err" || rc=$?
check "operator add without --role is a usage error (exit 2)" test "$rc" -eq 2
check "... that says so" grep -q -- "--role is required" "$LTY_TMP/err"
rc=0
"${CTL[@]}" operator add nobody --role root --out "$LTY_TMP" >/dev/null 2>"$LTY_TMP/err" || rc=$?
check "operator add --role root (unknown) is a usage error" test "$rc" -eq 2
check "... that lists the roles" grep -q "viewer, supervisor, marketing, finance or admin" "$LTY_TMP/err"
check "and issues nothing" test ! -e "$LTY_TMP/operator-nobody.crt"
"${CTL[@]}" operator add sam --role supervisor --out "$LTY_TMP" >/dev/null
check "operator add --role supervisor puts title=supervisor in the subject" \
    grep -q "title = supervisor" <(openssl x509 -in "$LTY_TMP/operator-sam.crt" -noout -subject)
"${CTL[@]}" operator add fin --role finance --out "$LTY_TMP" >/dev/null
check "the demo operator is an admin" \
    grep -q "title = admin" <(openssl x509 -in "$OP_CERT" -noout -subject)

# ---- Certificates loyaltyctl will not make --------------------------------------------------
lty_cert_openssl norole "/CN=old-op/OU=operator/O=loyaltyd" "$LTY_CA_DIR/ca.crt" "$CA_KEY"
lty_cert_openssl badrole "/CN=odd-op/OU=operator/title=root/O=loyaltyd" "$LTY_CA_DIR/ca.crt" "$CA_KEY"
lty_cert_openssl two_ou "/CN=S001\/T01/OU=till/OU=operator/title=admin/O=loyaltyd" \
    "$LTY_CA_DIR/ca.crt" "$CA_KEY"
lty_cert_openssl two_cn "/CN=mallory/CN=demo-operator/OU=operator/title=admin/O=loyaltyd" \
    "$LTY_CA_DIR/ca.crt" "$CA_KEY"
lty_cert_openssl two_titles "/CN=eve/OU=operator/title=viewer/title=admin/O=loyaltyd" \
    "$LTY_CA_DIR/ca.crt" "$CA_KEY"
lty_cert_openssl single "/CN=olga/OU=operator/title=viewer/O=loyaltyd" "$LTY_CA_DIR/ca.crt" "$CA_KEY"
lty_start

snapshot refused
request "$LTY_TMP/norole" GET /v1/admin/members/1
expect_error "an operator certificate without a role: refused for the admin realm" 403 forbidden
check "... saying how to fix it" grep -q "operator add NAME --role ROLE" <<<"$BODY"
request "$LTY_TMP/badrole" GET /v1/admin/members/1
expect_error "an unknown role reads as no role" 403 forbidden
request "$LTY_TMP/norole" GET /healthz
check "the role-less certificate still opens the public realm" test "$STATUS" = 200

# handshake_refused STEM: curl cannot complete a request with that certificate.
handshake_refused() {
    local rc=0
    curl -sS --max-time 20 --cacert "$CA" --cert "$LTY_TMP/$1.crt" --key "$LTY_TMP/$1.key" \
        -o /dev/null "$BASE/healthz" 2>"$LTY_TMP/curl.err" || rc=$?
    tls_refused "$rc"
}
request "$LTY_TMP/single" GET /v1/admin/members/1
check "the same openssl path with one CN, OU and title is served (viewer reads)" test "$STATUS" = 200
check "two OU (till and operator): refused at the handshake" handshake_refused two_ou
check "two CN (mallory and demo-operator): refused at the handshake" handshake_refused two_cn
check "two titles (viewer and admin): refused at the handshake" handshake_refused two_titles
check "the daemon logs no crash and still serves" curl -sS --cacert "$CA" -o /dev/null "$BASE/healthz"

# ---- A cashier supervisor's bounds ----------------------------------------------------------
SAM="$LTY_TMP/operator-sam"
FIN="$LTY_TMP/operator-fin"
request "$SAM" POST /v1/admin/adjustments '{"member_id":1,"points":5001,"reason":"goodwill"}' \
    -H "Idempotency-Key: $(key)"
expect_error "a supervisor may not adjust 5,001 points" 403 forbidden
check "... and is told who may" grep -q "ask finance or an admin" <<<"$BODY"
request "$SAM" POST /v1/admin/prepaid/topups \
    '{"member_id":1,"amount_cents":100001,"tender":"cash","reason":"desk"}' -H "Idempotency-Key: $(key)"
expect_error "a supervisor may not top up more than 1,000.00" 403 forbidden
request "$SAM" POST /v1/admin/members/1/close '{"reason":"x","payout":"cash"}' -H "Idempotency-Key: $(key)"
expect_error "a supervisor may not close an account" 403 forbidden
unchanged "refusals by certificate, role and bound" refused
request "$SAM" POST /v1/admin/adjustments '{"member_id":1,"points":5000,"reason":"goodwill"}' \
    -H "Idempotency-Key: $(key)"
check "a supervisor may adjust 5,000 points (the bound itself)" test "$STATUS" = 201
request "$SAM" POST /v1/admin/prepaid/topups \
    '{"member_id":1,"amount_cents":100000,"tender":"cash","reason":"desk"}' -H "Idempotency-Key: $(key)"
check "a supervisor may top up 1,000.00" test "$STATUS" = 201
request "$FIN" POST /v1/admin/adjustments '{"member_id":1,"points":6000,"reason":"settlement fix"}' \
    -H "Idempotency-Key: $(key)"
check "finance may adjust more" test "$STATUS" = 201

# ---- --ca-dir ------------------------------------------------------------------------------
mv "$LTY_CA_DIR" "$LTY_TMP/offline-ca"
rc=0
"${CTL[@]}" till add S003 T09 --out "$LTY_TMP" >/dev/null 2>"$LTY_TMP/err" || rc=$?
check "till add without the CA directory fails (exit 1)" test "$rc" -eq 1
check "... naming where it looked" grep -q "with the CA in $LTY_CA_DIR/ca.key" "$LTY_TMP/err"
"${CTL[@]}" till add S003 T09 --out "$LTY_TMP" --ca-dir "$LTY_TMP/offline-ca" >/dev/null
check "till add --ca-dir finds the CA moved elsewhere" test -s "$LTY_TMP/till-S003-T09.crt"
request "$LTY_TMP/till-S003-T09" GET "/v1/till/cards/$DEMO_CARD"
check "and that till is served" test "$STATUS" = 200
mv "$LTY_TMP/offline-ca" "$LTY_CA_DIR"
lty_finish
