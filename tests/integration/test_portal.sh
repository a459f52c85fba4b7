#!/usr/bin/env bash
# Goal: the member portal's listener and member API keep their contract: "/" is the
# login form or, with a session, the dashboard with the member's figures in the HTML (escaped,
# in the language of ?lang=, the saved cookie or Accept-Language, never stored); the assets are
# built in (ETag, gzip, cache policy, CSP); login by card or phone with the member's
# PIN (one PIN for all the member's cards, kept by a replacement card); unknown and wrong answer
# alike; the member and the address are throttled (429 Retry-After); every member route refuses
# no session, an ended or expired session, and (for changes) a missing or wrong CSRF token;
# a member reaches only their own data; a lost card ends the sessions opened with it and is
# refused at the till; logout and PIN change end sessions; no till or operator route answers on
# the portal's listener and no member route on the till's.
# Method: a demo daemon with --test-clock; curl over real TLS, trusting the demo public CA for
# the portal and the programme CA for tills; the store is compared across refusals.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"

lty_init_demo
lty_start --test-clock
read -r _ C2 P2 PIN2 < <(sed -n 3p "$LTY_DATA/demo-members.txt") # member 2
read -r _ C3 _ PIN3 < <(sed -n 4p "$LTY_DATA/demo-members.txt")  # member 3
JAR2="$LTY_TMP/jar2"
JAR3="$LTY_TMP/jar3"

# portal METHOD PATH [BODY] [extra curl args...]: a call on the portal's listener.
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
header() { grep -i "^$1:" <<<"$HEADERS" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
clock() { request op POST /v1/admin/clock "{\"offset_ms\":$1}"; }
# login JAR BODY: log in, keeping the cookie in JAR; CSRF gets the token.
login() {
    portal POST /v1/member/login "$2" -c "$1"
    CSRF=$(json '.csrf_token // empty')
}
# member JAR METHOD PATH [BODY] [CSRF] [extra...]: a member call with the session of JAR.
member() {
    local jar=$1 method=$2 path=$3 body=${4:-} csrf=${5-$CSRF}
    shift 3
    [[ $# -gt 0 ]] && shift
    [[ $# -gt 0 ]] && shift
    portal "$method" "$path" "$body" -b "$jar" -H "X-CSRF-Token: $csrf" \
        -H "Idempotency-Key: $(key)" "$@"
}

# ---- The listener: pages, certificate, no client certificate request ----------------------
portal GET /
check "\"/\" without a session is the login form" \
    test "$STATUS/$(grep -c 'id="login-form"' <<<"$BODY")" = "200/1"
check "it has a CSP without inline script or style" \
    bash -c "grep -qi \"^content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'\" <<<\"\$0\"" "$HEADERS"
check "the page is never stored, and varies with the cookie and the language" \
    test "$(header cache-control)/$(header vary)" = "no-store/Cookie, Accept-Language"
check "no inline script or style in the page" \
    bash -c "! grep -qiE '<script>|<script [^s]*>|<style|style=|onclick=|onload=' <<<\"\$0\"" "$BODY"
check "English without Accept-Language" bash -c "grep -q '<html lang=\"en\">' <<<\"\$0\"" "$BODY"
portal GET / "" -H 'Accept-Language: fr-FR, zh-TW;q=0.8, en;q=0.5'
check "zh-CN when Accept-Language prefers Chinese" \
    bash -c "grep -q '<html lang=\"zh-CN\">' <<<\"\$0\" && grep -q '会员登录' <<<\"\$0\"" "$BODY"
portal GET "/?lang=en" "" -H 'Accept-Language: zh-CN'
check "?lang= switches the language and saves it in a cookie" \
    test "$(grep -c '<html lang="en">' <<<"$BODY")/$(header set-cookie)" = \
    "1/__Host-lty_lang=en; Path=/; Secure; SameSite=Lax; Max-Age=31536000"
portal GET / "" -H 'Accept-Language: en' -H 'Cookie: __Host-lty_lang=zh-CN'
check "the saved choice wins over Accept-Language" bash -c "grep -q '<html lang=\"zh-CN\">' <<<\"\$0\"" "$BODY"
ASSET=$(grep -o '/assets/app.js?v=[0-9a-f]*' <<<"$BODY" | head -1)
portal GET "$ASSET" "" -H 'Accept-Encoding: gzip'
check "assets come gzipped when accepted" test "$(header content-encoding)" = gzip
check "assets are cached a year, immutable" \
    test "$(header cache-control)" = "public, max-age=31536000, immutable"
ETAG=$(header etag)
portal GET "$ASSET" "" -H "If-None-Match: $ETAG"
check "an asset with a matching If-None-Match answers 304" test "$STATUS/$(header etag | wc -c)" = "304/19"
for template in index.html login.html dashboard.html; do
    portal GET "/assets/$template"
    expect_error "the page template $template is no asset" 404 not_found
done
portal GET /assets/nothing.js
expect_error "an unknown asset" 404 not_found
check "the portal never asks for a client certificate" \
    bash -c "! openssl s_client -connect 127.0.0.1:$LTY_PORTAL_PORT -CAfile '$PORTAL_CA' </dev/null 2>&1 |
             grep -q 'Acceptable client certificate CA names'"
check "the portal's certificate chains to the public CA, not the programme CA" \
    bash -c "! curl -s --cacert '$CA' $PORTAL/healthz"
portal GET /healthz
check "/healthz answers on the portal too" test "$STATUS/$(json .status)" = "200/ok"

# ---- Listeners keep their routes apart ---------------------------------------------------
for path in /v1/till/cards/$C2 /v1/admin/members/2 /metrics /v1/admin/reports/settlement; do
    portal GET "$path" "" --cert "$TILL_CERT" --key "$TILL_KEY"
    expect_error "till/operator route $path on the portal listener" 404 not_found
done
portal POST /v1/till/sales '{}' --cert "$TILL_CERT" --key "$TILL_KEY"
expect_error "a till sale on the portal listener" 404 not_found
for path in /v1/member/me /v1/member/journal /v1/member/profile /; do
    request anon GET "$path"
    expect_error "member route $path on the till listener" 404 not_found
done
request till POST /v1/member/login '{"card_no":"'$C2'","pin":"'$PIN2'"}'
expect_error "login on the till listener" 404 not_found

# ---- Login ------------------------------------------------------------------------------
snapshot before_login
login "$JAR2" '{"card_no":"'$C2'","pin":"'$PIN2'"}'
check "login by card: 200 with a csrf_token" test "$STATUS/${#CSRF}" = "200/64"
COOKIE=$(header set-cookie)
check "the cookie is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/" \
    bash -c "grep -q '^__Host-lty_session=[0-9a-f]\{64\}; Path=/; Secure; HttpOnly; SameSite=Strict' <<<\"\$0\"" "$COOKIE"
CSRF2=$CSRF
member "$JAR2" GET /v1/member/me
check "me: the member's own figures" test "$STATUS/$(json .member_id)/$(json .points)" = "200/2/350"
check "me: points_expiring lists dates and points" test "$(json '.points_expiring[0].points')" = 350
check "me: totals, tier progress, purchases" \
    test "$(json '[.points_bonus,.points_earned,.purchases_count,.tier_next] | join(",")')" = "350,0,0,Silver"
check "me: never cached" test "$(header cache-control)" = no-store
portal GET / "" -b "$JAR2"
check "\"/\" with the session is the dashboard, the member's figures in the HTML" \
    test "$STATUS/$(grep -o '<strong id="points">[^<]*<' <<<"$BODY")" = '200/<strong id="points">350<'
check "the dashboard carries the session's CSRF token" \
    bash -c "grep -q '<meta name=\"csrf-token\" content=\"$CSRF\">' <<<\"\$0\"" "$BODY"
check "amounts and dates in English: CNY with two decimals, YYYY-MM-DD" \
    bash -c "grep -q '<strong id=\"prepaid\">CNY 0.00<' <<<\"\$0\" &&
             grep -qE '<li>350 points on [0-9]{4}-[0-9]{2}-[0-9]{2}</li>' <<<\"\$0\"" "$BODY"
portal GET / "" -b "$JAR2" -H 'Accept-Language: zh-CN'
check "amounts and dates in zh-CN: ¥ with two decimals, YYYY年M月D日" \
    bash -c "grep -q '<strong id=\"prepaid\">¥0.00<' <<<\"\$0\" &&
             grep -qE '<li>[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日 到期 350 积分</li>' <<<\"\$0\"" "$BODY"

portal POST /v1/member/login '{"phone":"'$P2'","pin":"'$PIN2'"}' -c "$LTY_TMP/jar2b"
check "login by phone" test "$STATUS/$(json .member_id)" = "200/2"

portal POST /v1/member/login '{"card_no":"'$C2'","pin":"0000"}'
WRONG_BODY=$BODY
expect_error "a wrong PIN" 401 login_failed
check "no cookie for a failed login" test -z "$(header set-cookie)"
portal POST /v1/member/login '{"card_no":"8800000000000005","pin":"0000"}'
expect_error "an unknown card" 401 login_failed
check "unknown card and wrong PIN answer alike (body)" test "$BODY" = "$WRONG_BODY"
portal POST /v1/member/login '{"phone":"+8613999999999","pin":"2468"}'
check "unknown phone answers alike" test "$STATUS/$BODY" = "401/$WRONG_BODY"
portal POST /v1/member/login '{"card_no":"'$DEMO_CARD'","pin":"1234"}'
check "a member without a PIN answers alike" test "$STATUS/$BODY" = "401/$WRONG_BODY"
portal POST /v1/member/login '{"card_no":"'$C2'","pin":"12"}'
expect_error "a malformed PIN" 422 invalid_field
portal POST /v1/member/login '{"card_no":"'$C2'","phone":"'$P2'","pin":"2468"}'
expect_error "card_no and phone together" 422 invalid_field
portal POST /v1/member/login '{"card_no":"1234","pin":"2468"}'
expect_error "a malformed card number" 422 invalid_card_no
check "failed logins are logged as security events" \
    grep -q 'event=member_login_failed member=unknown' "$LTY_TMP/daemon.log"

# ---- Every member route: no session, ended/expired session, CSRF ------------------------
ROUTES_READ=("/v1/member/me" "/v1/member/journal" "/v1/member/balance-history" "/v1/member/profile")
for path in "${ROUTES_READ[@]}"; do
    portal GET "$path"
    expect_error "$path without a session" 401 unauthenticated
    portal GET "$path" "" -H "Cookie: __Host-lty_session=$(printf '%064d' 7)"
    expect_error "$path with an unknown session" 401 session_expired
done
ROUTES_WRITE=("POST /v1/member/cards/lost {\"card_no\":\"$C2\"}" "PATCH /v1/member/profile {\"email\":\"a@b.cn\"}"
              "POST /v1/member/pin {\"pin\":\"$PIN2\",\"pin_new\":\"9999\"}" "POST /v1/member/logout {}")
snapshot before_csrf
for route in "${ROUTES_WRITE[@]}"; do
    read -r method path body <<<"$route"
    portal "$method" "$path" "$body" -H "Idempotency-Key: $(key)"
    expect_error "$method $path without a session" 401 unauthenticated
    member "$JAR2" "$method" "$path" "$body" ""
    expect_error "$method $path without X-CSRF-Token" 403 csrf_token_invalid
    member "$JAR2" "$method" "$path" "$body" "$(printf '%064d' 0)"
    expect_error "$method $path with a wrong X-CSRF-Token" 403 csrf_token_invalid
    portal "$method" "$path" "$body" -b "$JAR2" -H "X-CSRF-Token: $CSRF2"
    expect_error "$method $path without an Idempotency-Key" 428 idempotency_key_required
done
unchanged "refused member changes" before_csrf

# ---- Own data only ---------------------------------------------------------------------
login "$JAR3" '{"card_no":"'$C3'","pin":"'$PIN3'"}'
CSRF3=$CSRF
member "$JAR3" POST /v1/member/cards/lost '{"card_no":"'$C2'"}' "$CSRF3"
expect_error "member 3 reporting member 2's card lost" 404 card_not_found
member "$JAR3" GET /v1/member/me "" "$CSRF3"
check "member 3 sees member 3" test "$(json .member_id)/$(json .points)" = "3/0"
member "$JAR3" GET "/v1/member/journal?member_id=2" "" "$CSRF3"
check "a member id in the query is ignored, not obeyed" test "$STATUS/$(json '.entries | length')" = "200/0"
member "$JAR3" POST /v1/member/cards/lost '{"card_no":"'$C2'"}' "$CSRF2"
expect_error "member 3 with member 2's CSRF token" 403 csrf_token_invalid
request op PATCH /v1/admin/members/3 '{"name":"<b>Zhang</b> & \"Min\""}' -H "Idempotency-Key: $(key)"
check "an operator gives member 3 a name full of markup" test "$STATUS" = 200
portal GET / "" -b "$JAR3"
check "the dashboard escapes what it renders" \
    bash -c "grep -qF '<h1>Hello, &lt;b&gt;Zhang&lt;/b&gt; &amp; &quot;Min&quot;</h1>' <<<\"\$0\"" "$BODY"

# ---- A sale shows up: journal, filter, balance history ----------------------------------
request till POST /v1/till/sales '{"card_no":"'$C2'","receipt_no":"P1","lines":[{"sku":"A","qty":2,"amount_cents":2590}]}' \
    -H "Idempotency-Key: $(key)"
check "a till sale for member 2" test "$STATUS/$(json .points_earned)" = "201/25"
member "$JAR2" GET /v1/member/me "" "$CSRF2"
check "me shows the sale's points and purchase" \
    test "$(json '[.points,.points_earned,.purchases_count,.purchases_cents] | join(",")')" = "375,25,1,2590"
member "$JAR2" GET "/v1/member/journal?limit=1" "" "$CSRF2"
check "journal: newest first, one per page, with a cursor" \
    test "$(json '.entries[0].kind')/$(json '.entries[0].points')/$(json '.entries[0].reference')/$(json '.next_before != null')" = "sale/25/P1/true"
NEXT=$(json .next_before)
member "$JAR2" GET "/v1/member/journal?limit=1&before=$NEXT" "" "$CSRF2"
check "journal: the next page" test "$(json '.entries[0].kind')/$(json .next_before)" = "bonus/null"
member "$JAR2" GET "/v1/member/journal?kind=bonus" "" "$CSRF2"
check "journal: filtered by kind" test "$(json '[.entries[].kind] | join(",")')" = bonus
member "$JAR2" GET "/v1/member/journal?kind=refund" "" "$CSRF2"
expect_error "journal: an unknown kind" 400 invalid_query
member "$JAR2" GET "/v1/member/journal?from=2001-01-01&to=2001-12-31" "" "$CSRF2"
check "journal: filtered by date" test "$STATUS/$(json '.entries | length')" = "200/0"
member "$JAR2" GET /v1/member/balance-history "" "$CSRF2"
check "balance history ends at the balance" \
    test "$STATUS/$(json .balance_end)/$(json '.points[-1].balance')" = "200/375/375"
member "$JAR2" GET "/v1/member/balance-history?from=2026-13-01" "" "$CSRF2"
expect_error "balance history: a bad date" 400 invalid_query

# ---- Profile ----------------------------------------------------------------------------
member "$JAR2" PATCH /v1/member/profile '{"email":"li.wei@example.cn","consents":{"sms":true}}' "$CSRF2"
check "profile: contact details and consent change" \
    test "$STATUS/$(json .email)/$(json .consents.sms)" = "200/li.wei@example.cn/true"
member "$JAR2" PATCH /v1/member/profile '{"name":"Someone Else"}' "$CSRF2"
expect_error "profile: the name is not the member's to change here" 422 invalid_field
member "$JAR2" GET /v1/member/profile "" "$CSRF2"
check "profile: shown" test "$(json .email)/$(json .name)" = "li.wei@example.cn/李伟"

# ---- PIN change ends the other sessions; the PIN is the member's ------------------------
member "$JAR2" POST /v1/member/pin '{"pin":"1111","pin_new":"8080"}' "$CSRF2"
expect_error "PIN change with a wrong current PIN" 403 pin_incorrect
member "$JAR2" POST /v1/member/pin '{"pin":"'$PIN2'","pin_new":"8080"}' "$CSRF2"
check "PIN change" test "$STATUS/$(json .pin_changed)" = "200/true"
portal GET /v1/member/me "" -b "$LTY_TMP/jar2b"
expect_error "the other session ended with the PIN change" 401 session_expired
member "$JAR2" GET /v1/member/me "" "$CSRF2"
check "the changing session goes on" test "$STATUS" = 200
request till POST /v1/till/sales '{"card_no":"'$C2'","receipt_no":"P2","lines":[{"sku":"A","qty":1,"amount_cents":100}],"pin":"8080"}' \
    -H "Idempotency-Key: $(key)"
check "the till's PIN is the same PIN" test "$STATUS" = 201
request till POST /v1/till/prepaid/topups '{"card_no":"'$C2'","amount_cents":30000,"tender":"cash"}' -H "Idempotency-Key: $(key)"
request till POST /v1/till/sales '{"card_no":"'$C2'","receipt_no":"P3","lines":[{"sku":"A","qty":1,"amount_cents":25000}],"tenders":[{"type":"prepaid","amount_cents":25000}],"pin":"8080"}' \
    -H "Idempotency-Key: $(key)"
check "the new PIN pays at the till" test "$STATUS" = 201

# ---- A replacement card keeps the PIN -----------------------------------------------------
request op POST "/v1/admin/cards/$C3/replace" "" -H "Idempotency-Key: $(key)"
NEW3=$(json .card_no)
check "card 3 replaced" test "$STATUS/${#NEW3}" = "201/16"
portal POST /v1/member/login '{"card_no":"'$NEW3'","pin":"'$PIN3'"}'
check "the replacement card logs in with the member's PIN" test "$STATUS/$(json .member_id)" = "200/3"
request till POST "/v1/till/cards/$NEW3/pin" '{"pin":"4444"}' -H "Idempotency-Key: $(key)"
expect_error "the replacement card does not accept a new PIN without a reset" 409 pin_already_set
portal POST /v1/member/login '{"card_no":"'$C3'","pin":"'$PIN3'"}'
check "the replaced card no longer logs in (and answers alike)" test "$STATUS/$BODY" = "401/$WRONG_BODY"

# ---- Lost card: refused at the till at once, its sessions end -----------------------------
member "$JAR2" POST /v1/member/cards/lost '{"card_no":"'$C2'"}' "$CSRF2"
check "the member reports the card lost" test "$STATUS/$(json .status)" = "200/lost"
request till GET "/v1/till/cards/$C2"
expect_error "a till look-up of the lost card is refused" 423 card_lost
member "$JAR2" GET /v1/member/me "" "$CSRF2"
expect_error "the session opened with the lost card ended" 401 session_expired
portal GET / "" -b "$JAR2"
check "\"/\" with the ended session: the login form says so, and drops the cookie" \
    test "$(grep -o '<p id="login-error"[^>]*>[^<]*' <<<"$BODY" | sed 's/.*>//')/$(header set-cookie | cut -d';' -f1)" = \
    "Your session has ended. Please log in again./__Host-lty_session="

# ---- Logout and expiry ------------------------------------------------------------------
login "$JAR3" '{"phone":"'"$(sed -n 4p "$LTY_DATA/demo-members.txt" | cut -d' ' -f3)"'","pin":"'$PIN3'"}'
CSRF3=$CSRF
member "$JAR3" POST /v1/member/logout "" "$CSRF3"
check "logout" test "$STATUS/$(json .logged_out)" = "200/true"
check "logout clears the cookie" bash -c "grep -qi '^set-cookie: __Host-lty_session=;.*Max-Age=0' <<<\"\$0\"" "$HEADERS"
member "$JAR3" GET /v1/member/me "" "$CSRF3"
expect_error "the logged-out session is refused" 401 session_expired
login "$JAR3" '{"card_no":"'$NEW3'","pin":"'$PIN3'"}'
CSRF3=$CSRF
clock $((16 * 60 * 1000))
member "$JAR3" GET /v1/member/me "" "$CSRF3"
expect_error "a session idle for 16 minutes expired" 401 session_expired
clock 0
login "$JAR3" '{"card_no":"'$NEW3'","pin":"'$PIN3'"}'
CSRF3=$CSRF
clock $((13 * 3600 * 1000))
member "$JAR3" POST /v1/member/cards/lost '{"card_no":"'$NEW3'"}' "$CSRF3"
expect_error "a session past its absolute expiry is refused for changes too" 401 session_expired
clock 0

# ---- Throttle: the member (and an unknown card) lock after 10 wrong logins; the address after 30
read -r _ C4 _ PIN4 < <(sed -n 5p "$LTY_DATA/demo-members.txt")
for attempt in $(seq 1 10); do portal POST /v1/member/login '{"card_no":"'$C4'","pin":"0000"}'; done
check "the tenth wrong PIN still answers 401" test "$STATUS" = 401
portal POST /v1/member/login '{"card_no":"'$C4'","pin":"'$PIN4'"}'
expect_error "then even the right PIN is throttled" 429 too_many_requests
check "with Retry-After and when to try again" \
    test "$(header retry-after)/$(json '.error.message | test("try again in 30 minutes")')" = "1800/true"
for attempt in $(seq 1 10); do portal POST /v1/member/login '{"card_no":"8800000000000013","pin":"0000"}'; done
portal POST /v1/member/login '{"card_no":"8800000000000013","pin":"0000"}'
expect_error "an unknown card locks alike" 429 too_many_requests
clock $((31 * 60 * 1000))
portal POST /v1/member/login '{"card_no":"'$C4'","pin":"'$PIN4'"}'
check "the lock lifts after 30 minutes" test "$STATUS" = 200
# A new window: 30 failures, never more than 9 on one card, lock the address itself.
for card in 8800000000000021 8800000000000039 8800000000000047; do
    for attempt in $(seq 1 9); do portal POST /v1/member/login '{"card_no":"'$card'","pin":"0000"}'; done
done
for attempt in 1 2 3; do portal POST /v1/member/login '{"card_no":"8800000000000054","pin":"0000"}'; done
portal POST /v1/member/login '{"card_no":"'$C4'","pin":"'$PIN4'"}'
expect_error "the address locks after 30 failures within the window" 429 too_many_requests
clock 0

lty_finish
