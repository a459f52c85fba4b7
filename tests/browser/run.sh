#!/usr/bin/env bash
# Goal: the member portal works in a real browser (tests/browser/portal.test.js: login, throttle,
# figures equal to the API's, history chart, language, lost card, keyboard only, screenshots of
# every page in both languages at 360 px and desktop, Slow 3G budgets).
# Method: a demo daemon as every integration test starts one, a sale for member 2, then node's
# test runner drives Debian's chromium through playwright-core (installed by scripts/deps into
# tests/browser/node_modules). Screenshots go to $LTY_BUILD_DIR/browser/.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
HERE="$LTY_SOURCE_DIR/tests/browser"
[[ -d "$HERE/node_modules/playwright-core" ]] ||
    { echo "Bail out! run scripts/deps --browser (npm ci in tests/browser)"; exit 1; }
[[ -x /usr/bin/chromium ]] || { echo "Bail out! chromium missing: scripts/deps --browser"; exit 1; }

lty_init_demo
lty_start
read -r _ C2 _ _ < <(sed -n 3p "$LTY_DATA/demo-members.txt")
request till POST /v1/till/sales \
    '{"card_no":"'$C2'","receipt_no":"B1","lines":[{"sku":"A","qty":2,"amount_cents":2590}]}' \
    -H "Idempotency-Key: $(key)"
check "a sale for member 2 to see on the portal" test "$STATUS" = 201
# Member 3 (the screenshots): a top-up and two purchases, one paid from the prepaid balance.
read -r _ C3 _ PIN3 < <(sed -n 4p "$LTY_DATA/demo-members.txt")
request till POST /v1/till/prepaid/topups '{"card_no":"'$C3'","amount_cents":50000,"tender":"cash"}' \
    -H "Idempotency-Key: $(key)"
check "a top-up for member 3" test "$STATUS" = 201
request till POST /v1/till/sales \
    '{"card_no":"'$C3'","receipt_no":"S-20931","lines":[{"sku":"MILK-1L","qty":6,"amount_cents":8940}]}' \
    -H "Idempotency-Key: $(key)"
check "a purchase for member 3" test "$STATUS" = 201
request till POST /v1/till/sales \
    '{"card_no":"'$C3'","receipt_no":"S-20977","lines":[{"sku":"RICE-5KG","qty":1,"amount_cents":12800}],"tenders":[{"type":"prepaid","amount_cents":12800}],"pin":"'$PIN3'"}' \
    -H "Idempotency-Key: $(key)"
check "a purchase paid from the prepaid balance for member 3" test "$STATUS" = 201
SPKI=$(openssl x509 -in "$LTY_DATA/tls/portal.crt" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
OUT_DIR="$LTY_BUILD_DIR/browser"
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
if PORTAL="$PORTAL" SPKI="$SPKI" OUT_DIR="$OUT_DIR" DEMO_MEMBERS="$LTY_DATA/demo-members.txt" \
    BASE="$BASE" CA="$CA" TILL_CERT="$TILL_CERT" TILL_KEY="$TILL_KEY" HOME="$LTY_TMP" \
    node --test --test-reporter=tap "$HERE/portal.test.js" >"$LTY_TMP/node.out" 2>&1; then
    pass "browser tests (node --test: $(grep -c '^ok' "$LTY_TMP/node.out") ok)"
else
    fail "browser tests"
fi
sed 's/^/#   /' "$LTY_TMP/node.out" | grep -v '^#   *$' | tail -60
for name in login dashboard history profile lost; do
    for lang in en zh-CN; do
        for width in 360 desktop; do
            check "screenshot $name-$lang-$width.png written" test -s "$OUT_DIR/$name-$lang-$width.png"
        done
    done
done
lty_finish
