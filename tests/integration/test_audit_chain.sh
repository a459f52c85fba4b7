#!/usr/bin/env bash
# Goal: every operator action and every security event the API sees lands in the audit trail
# with who, when, from where, what, and the old and new values; the records form a hash chain
# that GET /v1/admin/audit shows and `loyaltyctl verify` checks; a failed portal login and a
# handshake the network layer refused are events too; a flood of refusals is bounded
# (counted, not recorded one by one) without losing count; and one byte changed in one stored
# record makes verify fail and name that record.
# Method: operator actions and refusals over real TLS, the chain recomputed from the API's pages
# (each prev_hash is the hash before), a flood of 60 role refusals on one connection whose
# records plus the "N more" summaries written at shutdown add up to exactly 60, then the daemon
# stopped and one bit of one audit record flipped with tests' lty_store_poke, verify run on it,
# and the bit flipped back.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
POKE="$LTY_BUILD_DIR/tests/lty_store_poke"

lty_init_demo
CTL=("$LOYALTYCTL" --data "$LTY_DATA")
"${CTL[@]}" operator add vera --role viewer --out "$LTY_TMP" >/dev/null ||
    { echo "Bail out! operator add"; exit 1; }
VIEWER="$LTY_TMP/operator-vera"
lty_start

# ---- Operator actions carry who, when, from where, old and new values -----------------------
request op GET /v1/admin/members/2
OLD_EMAIL=$(json '.email // ""')
request op PATCH /v1/admin/members/2 '{"email":"new.address@example.com"}' -H "Idempotency-Key: $(key)"
check "profile change answered" test "$STATUS" = 200
request op POST /v1/admin/adjustments '{"member_id":2,"points":25,"reason":"audit test"}' \
    -H "Idempotency-Key: $(key)"
check "adjustment answered" test "$STATUS" = 201
request op GET "/v1/admin/audit?limit=100"
check "GET /v1/admin/audit answers 200" test "$STATUS" = 200
patch=$(json '[.audit[]|select(.action=="member.update")][-1]')
check "the profile change is recorded by the operator, from 127.0.0.1, with old and new value" \
    test "$(jq -r '"\(.by)|\(.from)|\(.target)|\(.new_value)"' <<<"$patch")" = \
    "operator:demo-operator|127.0.0.1|member:2|new.address@example.com"
check "the old value is kept ($OLD_EMAIL)" test "$(jq -r .old_value <<<"$patch")" = "$OLD_EMAIL"
adjust=$(json '[.audit[]|select(.action=="adjust")][-1]')
check "the adjustment is recorded with its time and target" \
    test "$(jq -r '"\(.by)|\(.target)|\(.at|test("^20[0-9-]+T"))"' <<<"$adjust")" = \
    "operator:demo-operator|member:2|true"

# ---- Security events: role and realm refusals of certificate holders ------------------------
request "$VIEWER" POST /v1/admin/adjustments '{"member_id":2,"points":1,"reason":"x"}' \
    -H "Idempotency-Key: $(key)"
expect_error "a viewer may not adjust" 403 forbidden
request till GET /v1/admin/members/2
expect_error "a till may not read the admin realm" 403 forbidden
request anon GET /v1/admin/members/2
expect_error "no certificate: 401, and no event (anyone may knock)" 401 unauthenticated
read -r _ C2 _ PIN2 < <(sed -n 3p "$LTY_DATA/demo-members.txt") # demo member 2 and their PIN
WRONG=$([[ "$PIN2" == 0000 ]] && echo 1111 || echo 0000)
STATUS=$(curl -sS --cacert "$PORTAL_CA" -H 'Content-Type: application/json' -o /dev/null \
    -w '%{http_code}' --data-binary '{"card_no":"'"$C2"'","pin":"'"$WRONG"'"}' \
    "$PORTAL/v1/member/login")
check "a wrong PIN at the portal is refused (401)" test "$STATUS" = 401
lty_foreign_ca
lty_cert_openssl foreign "/CN=mallory/OU=operator/title=admin/O=loyaltyd" \
    "$LTY_TMP/foreign-ca.crt" "$LTY_TMP/foreign-ca.key"
rc=0
curl -sS --max-time 20 --cacert "$CA" --cert "$LTY_TMP/foreign.crt" --key "$LTY_TMP/foreign.key" \
    -o /dev/null "$BASE/healthz" 2>/dev/null || rc=$?
check "a foreign CA's certificate is refused at the handshake" tls_refused "$rc"

audit_all
role=$(jq -c '[.[]|select(.action=="security.role_refused")][0]' "$LTY_TMP/audit.json")
check "the viewer's refusal is a security event: by system, about operator:vera, from 127.0.0.1" \
    test "$(jq -r '"\(.by)|\(.target)|\(.from)"' <<<"$role")" = "system|operator:vera|127.0.0.1"
check "the event says what was refused" \
    grep -q "POST /v1/admin/adjustments refused: 403 forbidden (role viewer)" <<<"$role"
realm=$(jq -c '[.[]|select(.action=="security.realm_refused")][0]' "$LTY_TMP/audit.json")
check "the till's refusal is a security event about till:S001/T01" \
    test "$(jq -r .target <<<"$realm")" = "till:S001/T01"
login=$(jq -c '[.[]|select(.action=="security.login_failed")][0]' "$LTY_TMP/audit.json")
check "the failed portal login is a security event about member:2, from 127.0.0.1" \
    test "$(jq -r '"\(.target)|\(.from)|\(.detail)"' <<<"$login")" = \
    "member:2|127.0.0.1|portal login refused: wrong_pin"
check "the refused handshake reached the audit trail from the network layer" \
    test "$(jq -r '[.[]|select(.action=="security.cert_refused")][0]|"\(.from)|\(.detail|startswith("handshake_failed"))"' \
        "$LTY_TMP/audit.json")" = "127.0.0.1|true"
check "an anonymous 401 is no event" \
    test "$(jq '[.[]|select(.action=="security.realm_refused" and .target=="anonymous")]|length' \
        "$LTY_TMP/audit.json")" = 0

# ---- The chain as the API shows it ---------------------------------------------------------
chain_ok() { # every prev_hash is the hash of the record before; the first one's is zeros
    jq -e 'reduce .[] as $r ({ok: true, prev: ("0" * 64), id: 0};
        {ok: (.ok and $r.prev_hash == .prev and $r.audit_id == .id + 1 and ($r.hash|length) == 64),
         prev: $r.hash, id: $r.audit_id}) | .ok' "$LTY_TMP/audit.json" >/dev/null
}
check "the API's records form one chain ($(jq length "$LTY_TMP/audit.json") records)" chain_ok
"${CTL[@]}" --port "$LTY_PORT" audit --limit 3 >"$LTY_TMP/audit.txt" 2>&1
check "loyaltyctl audit prints records with their hash" grep -Eq '^1 .* [0-9a-f]{64} *$' "$LTY_TMP/audit.txt"
"${CTL[@]}" --port "$LTY_PORT" audit --json --limit 2 >"$LTY_TMP/audit.out" 2>&1
check "loyaltyctl audit --json prints the daemon's page" \
    test "$(jq '.audit|length' "$LTY_TMP/audit.out")" = 2

# ---- A flood of refusals is bounded and fully counted ---------------------------------------
FLOOD=60
: >"$LTY_TMP/flood.cfg"
for ((index = 0; index < FLOOD; index++)); do
    if ((index > 0)); then echo next >>"$LTY_TMP/flood.cfg"; fi
    printf 'url = "%s"\ncacert = "%s"\ncert = "%s"\nkey = "%s"\nrequest = POST\n' \
        "$BASE/v1/admin/adjustments" "$CA" "$VIEWER.crt" "$VIEWER.key" >>"$LTY_TMP/flood.cfg"
    printf 'header = "Idempotency-Key: flood-%d"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
        "$index" >>"$LTY_TMP/flood.cfg"
done
codes=$(curl -sS -K "$LTY_TMP/flood.cfg" | sort | uniq -c | awk '{print $2 "x" $1}')
check "the flood: $FLOOD refusals, all 403" test "$codes" = "403x$FLOOD"
lty_stop # the counts of suppressed events are written at shutdown
lty_start
audit_all
recorded=$(jq '[.[]|select(.action=="security.role_refused" and .target=="operator:vera")]|length' \
    "$LTY_TMP/audit.json")
summarised=$(jq '[.[]|select(.action=="security.role_refused" and .target=="system")|
    .detail|capture("^(?<n>[0-9]+) more").n|tonumber]|add // 0' "$LTY_TMP/audit.json")
echo "# flood of $FLOOD: $((recorded - 1)) recorded one by one, $summarised counted in summaries"
check "every role refusal is recorded or counted: $recorded + $summarised = 1 + $FLOOD" \
    test $((recorded + summarised)) -eq $((1 + FLOOD))
check "the chain still holds after a restart" chain_ok
records=$(jq length "$LTY_TMP/audit.json")

# ---- verify checks the chain; one changed byte is named -------------------------------------
lty_stop
"$LOYALTYCTL" verify "$LTY_DATA" >"$LTY_TMP/verify.out" 2>&1
check "verify: sound, with the audit records counted" \
    grep -q "^sound: .* $records audit records" "$LTY_TMP/verify.out"
TAMPERED=5
# Byte 20 is the first byte of the record's principal ("system" becomes "rystem"): the record
# still decodes, only its hash gives it away.
"$POKE" "$LTY_DATA" audit "$TAMPERED" 20 || { echo "Bail out! poke failed"; exit 1; }
rc=0
"$LOYALTYCTL" verify "$LTY_DATA" >"$LTY_TMP/verify.out" 2>&1 || rc=$?
check "verify of the tampered store exits 1" test "$rc" -eq 1
check "verify names the changed record" grep -q "audit chain broken at record $TAMPERED" "$LTY_TMP/verify.out"
check "verify says it was altered" \
    grep -q "problem: audit record $TAMPERED: altered (its hash does not match its content)" \
    "$LTY_TMP/verify.out"
check "only that record is named (the chain after it still holds)" \
    test "$(grep -c '^problem: audit record' "$LTY_TMP/verify.out")" -eq 1
"$LOYALTYCTL" verify --json "$LTY_DATA" >"$LTY_TMP/verify.json" 2>/dev/null
check "verify --json gives audit_first_broken" test "$(jq .audit_first_broken "$LTY_TMP/verify.json")" = "$TAMPERED"
"$POKE" "$LTY_DATA" audit "$TAMPERED" 20 || { echo "Bail out! poke back failed"; exit 1; }
lty_finish
