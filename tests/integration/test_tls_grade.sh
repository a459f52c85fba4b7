#!/usr/bin/env bash
# Goal: the daemon's TLS is graded by a third-party scanner in CI: testssl.sh finds nothing
# rated MEDIUM or worse beyond the allow-list kept in tests/data/testssl-allow.txt (each entry
# with its reason), the scan really covered protocols, server defaults (the certificate) and
# the known vulnerabilities, and the server certificate is valid for at most 825 days.
# Method: testssl.sh (Debian package; scripts/deps installs it) in a fast mode against the
# daemon on 127.0.0.1 with the programme CA added (--add-ca), no DNS (--nodns none), its JSON
# output (--jsonfile) read with jq. Runs in well under three minutes on an idle machine.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
TESTSSL=$(command -v testssl || command -v testssl.sh || true)
if [[ -z "$TESTSSL" ]]; then
    echo "Bail out! testssl.sh is not installed (scripts/deps installs it)"
    exit 1
fi
lty_init_demo
lty_start

# The certificate's validity period: at most 825 days from notBefore to notAfter.
dates=$(openssl x509 -in "$LTY_DATA/tls/server.crt" -noout -startdate -enddate)
start=$(date -d "$(sed -n 's/^notBefore=//p' <<<"$dates")" +%s)
end=$(date -d "$(sed -n 's/^notAfter=//p' <<<"$dates")" +%s)
check "the server certificate is valid $(( (end - start) / 3600 )) hours, at most 825 days" \
    test $((end - start)) -le $((825 * 86400))

STARTED=$SECONDS
"$TESTSSL" --quiet --color 0 --warnings off --nodns none --ip 127.0.0.1 --sneaky --fast \
    --add-ca "$CA" -p -S -U --jsonfile "$LTY_TMP/testssl.json" "127.0.0.1:$LTY_PORT" \
    >"$LTY_TMP/testssl.out" 2>&1
RC=$?
ELAPSED=$((SECONDS - STARTED))
echo "# testssl.sh exit $RC after ${ELAPSED} s"
check "testssl.sh wrote its JSON report" jq -e 'type == "array" and length > 0' "$LTY_TMP/testssl.json"

# The scan covered what it should (a scan that could not connect reports almost nothing).
covered() { # ID...: each id appears in the report
    local id
    for id in "$@"; do
        jq -e --arg id "$id" 'any(.[]; .id == $id)' "$LTY_TMP/testssl.json" >/dev/null ||
            { echo "# no finding $id in the report"; return 1; }
    done
}
check "protocols were tested (SSLv2 .. TLS 1.3)" covered SSLv2 SSLv3 TLS1 TLS1_1 TLS1_2 TLS1_3
check "server defaults and the certificate were tested" \
    covered cert_validityPeriod cert_chain_of_trust cert_trust cert_keySize
check "vulnerabilities were tested" \
    covered heartbleed CCS ticketbleed ROBOT secure_renego secure_client_renego CRIME_TLS \
    POODLE_SSL SWEET32 FREAK LOGJAM BEAST LUCKY13
check "TLS 1.2 is offered, nothing older" \
    jq -e 'all(.[]; (.id == "TLS1_2" and (.finding | test("^offered"))) or
                    ((.id | IN("SSLv2","SSLv3","TLS1","TLS1_1")) | not) or
                    (.finding | test("^not offered")))' "$LTY_TMP/testssl.json"
check "no scan problem reported" \
    jq -e 'all(.[]; .id != "scanProblem" and .severity != "FATAL")' "$LTY_TMP/testssl.json"

# Findings rated MEDIUM or worse, less the allow-list.
ALLOWED=$(grep -v '^#' "$LTY_SOURCE_DIR/tests/data/testssl-allow.txt" | awk 'NF {print $1}' | paste -sd, -)
jq -r --arg allowed "$ALLOWED" '($allowed | split(",")) as $ok
    | .[] | select(.severity | IN("MEDIUM", "HIGH", "CRITICAL"))
    | select(.id as $id | $ok | index($id) | not)
    | "\(.severity) \(.id): \(.finding)"' "$LTY_TMP/testssl.json" >"$LTY_TMP/findings"
while IFS= read -r finding; do echo "#   $finding"; done <"$LTY_TMP/findings"
check "no finding rated MEDIUM or worse outside tests/data/testssl-allow.txt ($(wc -l <"$LTY_TMP/findings") found)" \
    test ! -s "$LTY_TMP/findings"
while read -r id; do
    [[ -z "$id" ]] && continue
    check "allow-listed $id has a reason" \
        bash -c "grep -E '^$id[[:space:]]+[^[:space:]]' '$LTY_SOURCE_DIR/tests/data/testssl-allow.txt' >/dev/null"
done < <(tr , '\n' <<<"$ALLOWED")
jq -r '.[] | select(.severity | IN("MEDIUM", "HIGH", "CRITICAL")) | "# allowed: \(.severity) \(.id): \(.finding)"' \
    "$LTY_TMP/testssl.json"
lty_finish
