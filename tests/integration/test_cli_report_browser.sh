#!/usr/bin/env bash
# Goal: the HTML report a person mails around opens offline in a real browser and shows its
# charts. Method: the real daemon with some activity, `loyaltyctl report liability --html`, then
# headless Chromium (tests/browser/report_html.mjs, playwright-core over Debian's chromium) checks
# the page and writes a screenshot into the build folder (report-liability.png).
# Needs chromium and `npm ci` in tests/browser (scripts/deps --browser installs both); without
# them the test fails and says what to run (a missing browser is never counted as a pass).
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
BROWSER_DIR="$LTY_SOURCE_DIR/tests/browser"
if [[ ! -x /usr/bin/chromium || ! -d "$BROWSER_DIR/node_modules/playwright-core" ]]; then
    echo "not ok - needs /usr/bin/chromium and tests/browser/node_modules (run scripts/deps --browser)"
    exit 1
fi
lty_init_demo
lty_start
ctl points adjust 2 400 --reason "browser report"
request till POST /v1/till/sales '{"card_no":"'$DEMO_CARD'","receipt_no":"B1","lines":[{"sku":"A","qty":1,"amount_cents":12000}]}' \
    -H "Idempotency-Key: $(key)"
HTML="$LTY_BUILD_DIR/report-liability.html"
PNG="$LTY_BUILD_DIR/report-liability.png"
rm -f "$PNG"
ctl report liability --html "$HTML"
check "loyaltyctl report liability --html" test "$RC" = 0
node "$BROWSER_DIR/report_html.mjs" "$HTML" "$PNG" 3 >"$LTY_TMP/browser.out" 2>&1
BROWSER_RC=$?
sed 's/^/# browser: /' "$LTY_TMP/browser.out"
check "headless Chromium: title, summary, three charts with bars, nothing fetched" test "$BROWSER_RC" = 0
check "the screenshot is written ($PNG)" test -s "$PNG"
lty_finish
