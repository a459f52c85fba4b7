#!/usr/bin/env bash
# Goal: the member portal's coupons, vouchers and gifts: a member sees their coupons
# apart by state (valid, used, expired) with terms and expiry, each as a QR code (SVG) that only
# they can fetch; converts points into a voucher; redeems a gift and cancels the reservation
# (points back); cannot cancel another member's; the pages' routes need the session and the
# CSRF token; verify at the end.
# Method: curl against the portal's listener with a cookie jar (demo member 2, PIN from
# demo-members.txt), the operator and till over their own listener.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
read -r M2 C2 P2 PIN2 < <(sed -n 3p "$LTY_DATA/demo-members.txt")
JAR="$LTY_TMP/jar"

portal() {
    local method=$1 path=$2 body=${3:-}
    shift 2
    [[ $# -gt 0 ]] && shift
    local data=()
    if [[ -n "$body" ]]; then data=(-H 'Content-Type: application/json' --data-binary "$body"); fi
    STATUS=$(curl -sS --max-time 20 --cacert "$PORTAL_CA" -X "$method" "${data[@]}" \
        -D "$LTY_TMP/headers" -o "$LTY_TMP/body" -w '%{http_code}' "$@" "$PORTAL$path" \
        2>"$LTY_TMP/curl.err") || STATUS="curl-failed:$(cat "$LTY_TMP/curl.err")"
    BODY=$(cat "$LTY_TMP/body" 2>/dev/null)
    HEADERS=$(cat "$LTY_TMP/headers" 2>/dev/null)
}
member() { # member METHOD PATH [BODY]
    portal "$1" "$2" "${3:-}" -b "$JAR" -H "X-CSRF-Token: $CSRF" -H "Idempotency-Key: $(key)"
}

portal POST /v1/member/login '{"card_no":"'$C2'","pin":"'$PIN2'"}' -c "$JAR"
CSRF=$(json .csrf_token)
check "member $M2 logs in" test "$STATUS" = "200"

# ---- Coupons apart by state, each as a QR code --------------------------------------------------
member GET /v1/member/coupons
check "the demo's coupon is in the wallet, valid, with its terms and expiry" \
    test "$(json '.valid|length')/$(json '.valid[0].kind')/$(json '.valid[0].amount_off_cents')/$(json '.valid[0].expires_at != null')" = "1/amount_off/500/true"
check "an offer to convert points into a voucher is listed" test "$(json '.offers|length')" = "1"
WALLET_CODE=$(json '.valid[0].code')
QR="/v1/member/coupons/$(json '.valid[0].campaign_id')/$(json '.valid[0].serial')/qr"
member GET "$QR"
check "its QR code: an SVG image" \
    test "$STATUS/$(grep -i '^content-type' <<<"$HEADERS" | tr -d '\r' | cut -d' ' -f2)" = "200/image/svg+xml"
check "the SVG draws modules" grep -q '<path' "$LTY_TMP/body"
portal GET /v1/member/coupons
expect_error "no session" 401 unauthenticated
request till POST /v1/till/sales '{"card_no":"'$C2'","receipt_no":"W-1","lines":[{"sku":"A","qty":1,"amount_cents":2500}],"coupons":["'$WALLET_CODE'"]}' \
    -H "Idempotency-Key: $(key)"
check "the member uses it at a till" test "$STATUS/$(json .discount_cents)" = "201/500"
member GET /v1/member/coupons
check "now under used" test "$(json '.valid|length')/$(json '.used|length')" = "0/1"

# ---- Points into a voucher -----------------------------------------------------------------------
request op POST /v1/admin/adjustments '{"member_id":'$M2',"points":1000,"reason":"portal test"}' \
    -H "Idempotency-Key: $(key)"
member POST /v1/member/vouchers '{"offer_id":1}'
check "converted: 500 points, a voucher code" \
    test "$STATUS/$(json .points_debited)/$(json '.code|length')" = "201/500/127"
portal POST /v1/member/vouchers '{"offer_id":1}' -b "$JAR" -H "Idempotency-Key: $(key)"
expect_error "a change without the CSRF token" 403 csrf_token_invalid
member GET /v1/member/coupons
check "the voucher is valid in the wallet" test "$(json '.valid|length')" = "1"
member GET "/v1/member/coupons/1/ffffffffffffffff/qr"
expect_error "a coupon that is not theirs has no QR code" 404 coupon_not_found

# ---- Gifts ---------------------------------------------------------------------------------------
member GET /v1/member/gifts
check "the catalogue: the demo's tea towel, 10 available" \
    test "$(json '.gifts[0].name')/$(json '.gifts[0].available')" = "Tea towel/10"
member POST /v1/member/gift-redemptions '{"gift_id":1}'
check "redeemed on the portal: reserved, 9 left" test "$STATUS/$(json .status)/$(json .available)" = "201/reserved/9"
R=$(json .redemption_id)
POINTS=$(json .points_balance)
request op POST "/v1/admin/members/1/gift-redemptions" '{"gift_id":1}' -H "Idempotency-Key: $(key)"
OTHER=$(json .redemption_id)
member POST "/v1/member/gift-redemptions/$OTHER/cancel"
expect_error "another member's reservation" 404 redemption_not_found
member POST "/v1/member/gift-redemptions/$R/cancel"
check "cancelled: the points are back" \
    test "$STATUS/$(json .status)/$(json .points_balance)" = "200/cancelled/$((POINTS + 300))"
member GET /v1/member/gifts
check "my gifts list the cancelled one" \
    test "$(json '[.redemptions[] | select(.redemption_id == '$R') | .status][0]')" = "cancelled"
lty_finish
