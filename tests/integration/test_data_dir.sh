#!/usr/bin/env bash
# Goal: the data directory holds what serving needs and nothing more, with tight modes. `init`
# puts the programme CA's key in DIR.ca/ beside the data directory (0700, key 0600), every
# private key and secret is 0600 and the data directory 0700; the daemon refuses to start with a
# CA private key anywhere in DIR or DIR/tls, naming the file; a backup carries the ledger (card
# key included) but never the CA key. Card numbers come from a keyed permutation: two programmes
# (two inits) give different numbers for the same sequence, consecutive numbers show no affine
# pattern, and every number passes Luhn with the programme's prefix and length.
# Method: stat(1) on what init, operator add and backup write; loyaltyd started by hand on a
# tampered directory (it must exit at once); card numbers from two demo inits and a batch.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
CTL=("$LOYALTYCTL" --data "$LTY_DATA")

# ---- Modes ----------------------------------------------------------------------------------
mode() { stat -c %a "$1"; }
modes_ok=""
for path in "$LTY_DATA" "$LTY_DATA/ledger" "$LTY_DATA/tls" "$LTY_CA_DIR"; do
    [[ "$(mode "$path")" == 700 ]] || modes_ok+="$path is $(mode "$path"), not 700; "
done
check "the data directory, ledger/, tls/ and the CA directory are 0700 ${modes_ok}" test -z "$modes_ok"
modes_ok=""
for path in "$LTY_CA_DIR/ca.key" "$LTY_DATA/tls/server.key" "$LTY_DATA/tls/demo-till.key" \
    "$LTY_DATA/tls/demo-operator.key" "$LTY_DATA/pin-pepper" "$LTY_DATA/ledger/data.mdb"; do
    [[ "$(mode "$path")" == 600 ]] || modes_ok+="$path is $(mode "$path"), not 600; "
done
check "private keys, the PIN pepper and the ledger file are 0600 ${modes_ok}" test -z "$modes_ok"
check "no CA key inside the data directory" test -z "$(find "$LTY_DATA" -name 'ca.key')"
check "the CA certificate is in both places (the daemon needs only the certificate)" \
    cmp -s "$LTY_CA_DIR/ca.crt" "$LTY_DATA/tls/ca.crt"
"${CTL[@]}" operator add olga --role viewer --out "$LTY_TMP" >/dev/null
"${CTL[@]}" till add S002 T05 --out "$LTY_TMP" >/dev/null
check "issued keys are 0600" \
    test "$(mode "$LTY_TMP/operator-olga.key")/$(mode "$LTY_TMP/till-S002-T05.key")" = "600/600"

rc=0
"$LOYALTYCTL" init "$LTY_TMP/second" >/dev/null 2>&1 && mkdir -p "$LTY_TMP/third.ca" &&
    touch "$LTY_TMP/third.ca/ca.key" && { "$LOYALTYCTL" init "$LTY_TMP/third" >/dev/null 2>&1 || rc=$?; }
check "init refuses a non-empty CA directory (exit 1) and leaves no data directory" \
    test "$rc/$(test -e "$LTY_TMP/third" && echo left || echo none)" = "1/none"

# ---- The daemon refuses a CA key in its data directory ---------------------------------------
# refused_start: loyaltyd exits 1 at once; its stderr is in $LTY_TMP/refused.err.
refused_start() {
    local rc=0
    timeout 30 "$LOYALTYD" --data "$LTY_DATA" --listen 127.0.0.1:0 2>"$LTY_TMP/refused.err" || rc=$?
    [[ $rc == 1 ]]
}
cp "$LTY_CA_DIR/ca.key" "$LTY_DATA/tls/ca.key"
check "loyaltyd refuses to start with tls/ca.key in the data directory" refused_start
check "... naming the file" grep -q "$LTY_DATA/tls/ca.key is the programme CA's private key" \
    "$LTY_TMP/refused.err"
mv "$LTY_DATA/tls/ca.key" "$LTY_DATA/backup-of-something.pem"
check "loyaltyd refuses it under any name, in DIR too" refused_start
check "... naming that file" grep -q "backup-of-something.pem is the programme CA's private key" \
    "$LTY_TMP/refused.err"
rm "$LTY_DATA/backup-of-something.pem"
lty_start
check "without it the daemon serves" curl -sS --cacert "$CA" -o /dev/null "$BASE/healthz"

# ---- Card numbers ---------------------------------------------------------------------------
luhn_ok() { # luhn_ok DIGITS
    awk -v n="$1" 'BEGIN { s = 0; d = 0; for (i = length(n); i >= 1; i--) {
        c = substr(n, i, 1) + 0; if (d) { c *= 2; if (c > 9) c -= 9 } s += c; d = !d }
        exit (s % 10 == 0) ? 0 : 1 }'
}
check "two programmes (two inits) give different numbers to the same sequence" \
    test -z "$(paste -d' ' "$LTY_DATA/demo-cards.txt" <("$LOYALTYCTL" init "$LTY_TMP/other" --demo \
        >/dev/null && cat "$LTY_TMP/other/demo-cards.txt") | awk '$1 == $2')"
check "both programmes minted the six demo cards" \
    test "$(wc -l <"$LTY_DATA/demo-cards.txt")/$(wc -l <"$LTY_TMP/other/demo-cards.txt")" = "6/6"
"${CTL[@]}" --port "$LTY_PORT" cards batch --count 40 --out "$LTY_TMP/batch.csv" >/dev/null
mapfile -t batch < <(tail -n +2 "$LTY_TMP/batch.csv")
check "a batch of 40 numbers" test "${#batch[@]}" -eq 40
bad=""
for card in "${batch[@]}"; do
    [[ "$card" =~ ^88[0-9]{14}$ ]] || bad+="$card (format) "
    luhn_ok "$card" || bad+="$card (Luhn) "
done
check "every number has the prefix 88, 16 digits and a valid Luhn digit $bad" test -z "$bad"
# The affine minting this replaced had one constant step between consecutive numbers.
steps=""
for ((index = 1; index < ${#batch[@]}; index++)); do
    a=$((10#${batch[$((index - 1))]:2:13}))
    b=$((10#${batch[$index]:2:13}))
    steps+="$(((b - a + 10000000000000) % 10000000000000))"$'\n'
done
check "consecutive numbers show no affine pattern: 39 steps, none repeated" \
    test "$(sort -u <<<"${steps%$'\n'}" | wc -l)" -eq 39
check "and none is a neighbour of the one before" test -z "$(grep -xE '1|9999999999999' <<<"$steps")"

# ---- Backup: the ledger and its card key, never the CA key ----------------------------------
"${CTL[@]}" backup "$LTY_DATA" "$LTY_TMP/copy" >/dev/null
check "the backup is 0700 and holds no CA key" \
    test "$(mode "$LTY_TMP/copy")/$(find "$LTY_TMP/copy" -name 'ca.key' | wc -l)" = "700/0"
meta() { "$LOYALTYCTL" stats "$1" | awk '$1 == "meta"'; }
check "the backup carries the card key (meta identical)" test "$(meta "$LTY_DATA")" = "$(meta "$LTY_TMP/copy")"
check "the backup verifies" "$LOYALTYCTL" verify "$LTY_TMP/copy"
lty_finish
