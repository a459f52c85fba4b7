#!/usr/bin/env bash
# Goal: the daemon answers every route for every principal exactly as schema/authz-matrix.tsv
# says: realms (401 without a credential, 403 with the wrong kind), operator roles (403 for a
# role the route does not list), till scoping (store B's till may not return or void store A's
# sale), certificates refused at the handshake (revoked, expired, foreign CA), and the portal's
# listener, where only a member's session counts (member routes: 401 without one). Every
# refused cell leaves the store unchanged.
# Method: certificates made at test time (loyaltyctl till add / operator add --role / cert
# revoke; openssl for the expired one and the foreign CA), the daemon started with the test
# hooks, then the whole table walked row by row, each route on the listener that serves it
# (routes.def's realm): for each route the refused cells first (one curl run, with a stats
# snapshot around it), then the allowed ones (one curl run), each with a fixture that makes the
# request valid (a fresh member, card or sale made by the admin or till A; a member logged in on
# the portal). A handshake refused shows as one of the curl exit codes lib.sh's tls_refused
# knows ("tls"). The closing line gives the table's size.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
MATRIX="$LTY_SOURCE_DIR/schema/authz-matrix.tsv"
# The realm of every route, to call it on its listener (the portal's for PORTAL and MEMBER).
declare -A REALM
route_re='^LTY_ROUTE\(([A-Z]+), *"([^"]+)", *[a-z_]+, *([A-Z]+),'
while IFS= read -r line; do
    [[ "$line" =~ $route_re ]] && REALM["${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"]=${BASH_REMATCH[3]}
done < <(grep -E '^LTY_ROUTE\(' "$LTY_SOURCE_DIR/schema/routes.def")

lty_init_demo
CTL=("$LOYALTYCTL" --data "$LTY_DATA")
"${CTL[@]}" till add S002 T01 --out "$LTY_TMP" >/dev/null || { echo "Bail out! till add"; exit 1; }
for role in viewer supervisor marketing finance admin; do
    "${CTL[@]}" operator add "op-$role" --role "$role" --out "$LTY_TMP" >/dev/null ||
        { echo "Bail out! operator add --role $role"; exit 1; }
done
"${CTL[@]}" operator add op-revoked --role admin --out "$LTY_TMP" >/dev/null &&
    "${CTL[@]}" cert revoke "$LTY_TMP/operator-op-revoked.crt" >/dev/null ||
    { echo "Bail out! revoke"; exit 1; }
lty_cert_openssl expired "/CN=op-expired/OU=operator/title=admin/O=loyaltyd" \
    "$LTY_CA_DIR/ca.crt" "$CA_KEY" 20200101000000Z 20200102000000Z
lty_foreign_ca
lty_cert_openssl foreign "/CN=op-foreign/OU=operator/title=admin/O=loyaltyd" \
    "$LTY_TMP/foreign-ca.crt" "$LTY_TMP/foreign-ca.key"
lty_start --test-clock --test-faults

# auth PRINCIPAL: the curl arguments of its credential (none for anonymous and, until the
# member realm exists, for the members).
auth() {
    case "$1" in
    till_a) AUTH=(--cert "$TILL_CERT" --key "$TILL_KEY") ;;
    till_b) AUTH=(--cert "$LTY_TMP/till-S002-T01.crt" --key "$LTY_TMP/till-S002-T01.key") ;;
    viewer | supervisor | marketing | finance | admin)
        AUTH=(--cert "$LTY_TMP/operator-op-$1.crt" --key "$LTY_TMP/operator-op-$1.key") ;;
    revoked) AUTH=(--cert "$LTY_TMP/operator-op-revoked.crt" --key "$LTY_TMP/operator-op-revoked.key") ;;
    expired) AUTH=(--cert "$LTY_TMP/expired.crt" --key "$LTY_TMP/expired.key") ;;
    foreign_ca) AUTH=(--cert "$LTY_TMP/foreign.crt" --key "$LTY_TMP/foreign.key") ;;
    member_a | member_b | anonymous) AUTH=() ;;
    *) echo "Bail out! unknown principal $1"; exit 1 ;;
    esac
}

KEYS=0

# Fixtures, made with the demo operator (an admin) or till A. Each sets FX (never run in a
# subshell: SEQ, which keeps phone numbers and receipts unique, must survive the call).
SEQ=0
fresh() { SEQ=$((SEQ + 1)); }
phone() { printf '+86139%08d' "$SEQ"; }
fx_member() {
    fresh
    request op POST /v1/admin/members "{\"name\":\"Matrix $SEQ\",\"phone\":\"$(phone)\"}" \
        -H "Idempotency-Key: $(key)"
    FX=$(json .member_id)
}
fx_card() { # a new card of a new member (FX_MEMBER)
    fx_member
    FX_MEMBER=$FX
    request op POST "/v1/admin/members/$FX/cards" "" -H "Idempotency-Key: $(key)"
    FX=$(json .card_no)
}
fx_unassigned() {
    request op POST /v1/admin/cards/batches '{"count":1}' -H "Idempotency-Key: $(key)"
    FX=$(json '.cards[0]')
}
fx_sale_a() {
    fresh
    request till POST /v1/till/sales "{\"card_no\":\"$DEMO_CARD\",\"receipt_no\":\"MX-$SEQ\",\
\"lines\":[{\"sku\":\"A\",\"qty\":1,\"amount_cents\":1000}]}" -H "Idempotency-Key: $(key)"
    FX=$(json .sale_id)
}
PROGRAMME_PUTS=0
fx_member
SALE_MEMBER=$FX
# fx_member_session: a new member with a card and PIN, logged in on the portal with the card:
# FX is the card, SESSION the curl config lines (cookie and CSRF token) of its session.
fx_member_session() {
    fx_card
    local card=$FX
    request till POST "/v1/till/cards/$card/pin" '{"pin":"2468"}' -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 200 ]] || { fail "fixture: PIN on $card: $STATUS"; return; }
    STATUS=$(curl -sS --max-time 20 --cacert "$PORTAL_CA" -H 'Content-Type: application/json' \
        --data-binary "{\"card_no\":\"$card\",\"pin\":\"2468\"}" -D "$LTY_TMP/login.headers" \
        -o "$LTY_TMP/login.body" -w '%{http_code}' "$PORTAL/v1/member/login")
    [[ "$STATUS" == 200 ]] || { fail "fixture: login with $card: $STATUS"; return; }
    local cookie csrf
    cookie=$(grep -i '^set-cookie:' "$LTY_TMP/login.headers" | head -1 | cut -d' ' -f2 | cut -d';' -f1)
    csrf=$(jq -r .csrf_token "$LTY_TMP/login.body")
    SESSION="header = \"Cookie: $cookie\"\nheader = \"X-CSRF-Token: $csrf\"\n"
    FX=$card
}
read -r _ PORTAL_CARD _ PORTAL_PIN < <(sed -n 3p "$LTY_DATA/demo-members.txt") # demo member 2
# fx_webhook: one webhook subscription for the walk (made once, from the journal's head, to a
# closed port): WEBHOOK_SUB and WEBHOOK_CURSOR. The webhook rows come last in the table, after
# every route that appends to the journal, so the subscription has nothing to deliver and its
# cursor stays put: the store changes only when a row's request does.
WEBHOOK_SUB=""
fx_webhook() {
    [[ -n "$WEBHOOK_SUB" ]] && return
    request op POST /v1/admin/webhooks '{"url":"http://127.0.0.1:9/matrix","event_types":["*"]}' \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || { fail "fixture: webhook subscription: $STATUS"; return; }
    WEBHOOK_SUB=$(json .subscription_id)
    WEBHOOK_CURSOR=$(json .cursor_seq)
}

# Coupons and gifts: one campaign, voucher offer and gift (1 point each, a large
# central stock) made on first use; fx_points gives a member points to spend on them;
# fx_redemption reserves a unit of the gift for a member (REDEMPTION).
MX_CAMPAIGN=""
MX_OFFER=""
MX_GIFT=""
fx_campaign() {
    [[ -n "$MX_CAMPAIGN" ]] && return
    request op POST /v1/admin/coupon-campaigns \
        '{"name":"Matrix","kind":"amount_off","amount_off_cents":100}' -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || { fail "fixture: campaign: $STATUS"; return; }
    MX_CAMPAIGN=$(json .campaign_id)
}
fx_offer() {
    [[ -n "$MX_OFFER" ]] && return
    fx_campaign
    request op POST /v1/admin/coupon-offers "{\"campaign_id\":$MX_CAMPAIGN,\"points_price\":1}" \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || { fail "fixture: offer: $STATUS"; return; }
    MX_OFFER=$(json .offer_id)
}
fx_gift() {
    [[ -n "$MX_GIFT" ]] && return
    request op POST /v1/admin/gifts '{"name":"Matrix gift","points_price":1,"stock":1000}' \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || { fail "fixture: gift: $STATUS"; return; }
    MX_GIFT=$(json .gift_id)
}
fx_points() { # fx_points MEMBER_ID
    request op POST /v1/admin/adjustments "{\"member_id\":$1,\"points\":10,\"reason\":\"matrix\"}" \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || fail "fixture: points for member $1: $STATUS"
}
fx_redemption() { # fx_redemption MEMBER_ID
    fx_gift
    fx_points "$1"
    request op POST "/v1/admin/members/$1/gift-redemptions" "{\"gift_id\":$MX_GIFT}" \
        -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || { fail "fixture: gift redemption: $STATUS"; return; }
    REDEMPTION=$(json .redemption_id)
}

# fx_segment: one saved segment for the walk (made once) that selects nobody (a home store no
# member has): SEGMENT_ID; its runs are done in their own answer and grant nothing, so no thread
# writes after them. fx_run: one run of it (made once): RUN_ID.
SEGMENT_ID=""
RUN_ID=""
SEGMENT_BODY='{"name":"matrix","filter":{"home_store":"S999"}}'
RUN_BODY='{"action":"bonus","points":1,"reason":"authorization matrix"}'
fx_segment() {
    [[ -n "$SEGMENT_ID" ]] && return
    request op POST /v1/admin/segments "$SEGMENT_BODY" -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 ]] || { fail "fixture: segment: $STATUS"; return; }
    SEGMENT_ID=$(json .segment_id)
}
fx_run() {
    fx_segment
    [[ -n "$RUN_ID" ]] && return
    request op POST "/v1/admin/segments/$SEGMENT_ID/runs" "$RUN_BODY" -H "Idempotency-Key: $(key)"
    [[ "$STATUS" == 201 && "$(json .state)" == done ]] ||
        { fail "fixture: segment run: $STATUS $(json .state)"; return; }
    RUN_ID=$(json .run_id)
}

# fixture "METHOD PATH" PRINCIPAL: PATH_NOW and BODY_NOW for a request that is valid for that
# route (any principal allowed to make it gets 2xx); routes without one use the placeholders as
# they are: member 1, the demo card, sale 1, no body.
fixture() {
    local route=$1 principal=$2
    PATH_NOW=${route#* }
    PATH_NOW=${PATH_NOW//\{member_id\}/1}
    PATH_NOW=${PATH_NOW//\{card_no\}/$DEMO_CARD}
    PATH_NOW=${PATH_NOW//\{sale_id\}/1}
    PATH_NOW=${PATH_NOW//\{subscription_id\}/1}
    PATH_NOW=${PATH_NOW//\{store_id\}/S001}
    PATH_NOW=${PATH_NOW//\{staff_id\}/E001}
    PATH_NOW=${PATH_NOW//\{rule_id\}/1}
    PATH_NOW=${PATH_NOW//\{campaign_id\}/1}
    PATH_NOW=${PATH_NOW//\{serial\}/1}
    PATH_NOW=${PATH_NOW//\{offer_id\}/1}
    PATH_NOW=${PATH_NOW//\{gift_id\}/1}
    PATH_NOW=${PATH_NOW//\{redemption_id\}/1}
    PATH_NOW=${PATH_NOW//\{segment_id\}/1}
    PATH_NOW=${PATH_NOW//\{run_id\}/1}
    BODY_NOW=""
    SESSION=""
    fresh
    # A member's own session, for a route of the member realm (nobody else has one).
    if [[ "${REALM[$route]:-}" == MEMBER && ("$principal" == member_a || "$principal" == member_b) ]]; then
        fx_member_session
        case "$route" in
        "POST /v1/member/logout") BODY_NOW='{}' ;;
        "POST /v1/member/pin") BODY_NOW='{"pin":"2468","pin_new":"1357"}' ;;
        "POST /v1/member/cards/lost") BODY_NOW="{\"card_no\":\"$FX\"}" ;;
        "PATCH /v1/member/profile") BODY_NOW="{\"email\":\"member$SEQ@example.com\"}" ;;
        "GET /v1/member/coupons/{campaign_id}/{serial}/qr")
            fx_campaign
            request op POST "/v1/admin/coupon-campaigns/$MX_CAMPAIGN/issues" \
                "{\"member_ids\":[$FX_MEMBER]}" -H "Idempotency-Key: $(key)"
            request op GET "/v1/admin/members/$FX_MEMBER/coupons"
            PATH_NOW="/v1/member/coupons/$MX_CAMPAIGN/$(json '.coupons[0].serial')/qr" ;;
        "POST /v1/member/vouchers")
            fx_offer
            fx_points "$FX_MEMBER"
            BODY_NOW="{\"offer_id\":$MX_OFFER}" ;;
        "POST /v1/member/gift-redemptions")
            fx_gift
            fx_points "$FX_MEMBER"
            BODY_NOW="{\"gift_id\":$MX_GIFT}" ;;
        "POST /v1/member/gift-redemptions/{redemption_id}/cancel")
            fx_redemption "$FX_MEMBER"
            PATH_NOW="/v1/member/gift-redemptions/$REDEMPTION/cancel" ;;
        esac
        return
    fi
    case "$route" in
    "GET /assets/{name}") PATH_NOW="/assets/app.css" ;;
    "POST /v1/member/login") BODY_NOW="{\"card_no\":\"$PORTAL_CARD\",\"pin\":\"$PORTAL_PIN\"}" ;;
    "POST /v1/admin/members") BODY_NOW="{\"name\":\"Matrix $SEQ\",\"phone\":\"$(phone)\"}" ;;
    "GET /v1/admin/members") PATH_NOW="/v1/admin/members?phone=%2B8613800138001" ;;
    "PATCH /v1/admin/members/{member_id}") BODY_NOW="{\"email\":\"matrix$SEQ@example.com\"}" ;;
    "POST /v1/admin/members/{member_id}/close")
        fx_member
        PATH_NOW="/v1/admin/members/$FX/close"
        BODY_NOW='{"reason":"authorization matrix","payout":"cash"}' ;;
    "POST /v1/admin/members/{member_id}/cards") PATH_NOW="/v1/admin/members/$SALE_MEMBER/cards" ;;
    "POST /v1/admin/cards/batches") BODY_NOW='{"count":1}' ;;
    "POST /v1/till/cards/{card_no}/activate")
        fx_unassigned
        PATH_NOW="/v1/till/cards/$FX/activate"
        fresh
        BODY_NOW="{\"phone\":\"$(phone)\",\"name\":\"Activated $SEQ\"}" ;;
    "POST /v1/admin/cards/{card_no}/"*)
        fx_card
        PATH_NOW="/v1/admin/cards/$FX/${route##*/}" ;;
    "POST /v1/till/sales")
        BODY_NOW="{\"card_no\":\"$DEMO_CARD\",\"receipt_no\":\"MX-$SEQ\",\
\"lines\":[{\"sku\":\"A\",\"qty\":1,\"amount_cents\":1000}]}" ;;
    "POST /v1/till/returns")
        fx_sale_a
        BODY_NOW="{\"sale_id\":$FX}" ;;
    "POST /v1/till/sales/{sale_id}/void")
        fx_sale_a
        PATH_NOW="/v1/till/sales/$FX/void" ;;
    "POST /v1/till/prepaid/topups")
        BODY_NOW="{\"card_no\":\"$DEMO_CARD\",\"amount_cents\":100,\"tender\":\"cash\"}" ;;
    "POST /v1/admin/prepaid/topups")
        BODY_NOW='{"member_id":1,"amount_cents":100,"tender":"cash","reason":"matrix"}' ;;
    "POST /v1/till/cards/{card_no}/pin")
        fx_card
        PATH_NOW="/v1/till/cards/$FX/pin"
        BODY_NOW='{"pin":"1234"}' ;;
    "POST /v1/admin/adjustments") BODY_NOW='{"member_id":1,"points":10,"reason":"matrix"}' ;;
    "GET /v1/admin/reports/settlement" | "GET /v1/admin/reports/breakage")
        PATH_NOW="${route#* }?from=$(date -u +%F)" ;;
    "POST /v1/admin/members/batches")
        BODY_NOW="{\"members\":[{\"name\":\"Imported $SEQ\",\"phone\":\"$(phone)\"}]}" ;;
    "POST /v1/admin/clock") BODY_NOW='{"offset_ms":0}' ;;
    "POST /v1/admin/faults") BODY_NOW='{"commit_failures":0}' ;;
    "GET /v1/admin/audit") PATH_NOW="/v1/admin/audit?limit=5" ;;
    "GET /v1/admin/events") PATH_NOW="/v1/admin/events?limit=5" ;;
    "GET /v1/admin/analytics/uplift")
        fx_run
        PATH_NOW="/v1/admin/analytics/uplift?run_id=$RUN_ID" ;;
    "POST /v1/admin/segments") BODY_NOW=$SEGMENT_BODY ;;
    "GET /v1/admin/segments/{segment_id}"*)
        fx_run
        PATH_NOW=${route#* }
        PATH_NOW=${PATH_NOW//\{segment_id\}/$SEGMENT_ID}
        PATH_NOW=${PATH_NOW//\{run_id\}/$RUN_ID} ;;
    "POST /v1/admin/segments/{segment_id}/runs")
        fx_segment
        PATH_NOW="/v1/admin/segments/$SEGMENT_ID/runs"
        BODY_NOW=$RUN_BODY ;;
    "POST /v1/admin/webhooks") BODY_NOW='{"url":"http://127.0.0.1:9/matrix","event_types":["*"]}' ;;
    "GET /v1/admin/webhooks/{subscription_id}/"* | "POST /v1/admin/webhooks/{subscription_id}/replay")
        fx_webhook
        PATH_NOW="/v1/admin/webhooks/$WEBHOOK_SUB/${route##*/}"
        # Replayed from where its cursor stands: nothing is sent again.
        if [[ "$route" == POST* ]]; then BODY_NOW="{\"after_seq\":$WEBHOOK_CURSOR}"; fi ;;
    "POST /v1/admin/stores") BODY_NOW="{\"store_id\":\"MX$SEQ\",\"name\":\"Matrix $SEQ\"}" ;;
    "PATCH /v1/admin/stores/{store_id}") BODY_NOW="{\"name\":\"Matrix $SEQ\"}" ;;
    "POST /v1/admin/staff")
        BODY_NOW="{\"staff_id\":\"MX$SEQ\",\"name\":\"M\",\"store_id\":\"S001\"}" ;;
    "PATCH /v1/admin/staff/{staff_id}")
        BODY_NOW="{\"staff_id\":\"MX$SEQ\",\"name\":\"M\",\"store_id\":\"S001\"}"
        request op POST /v1/admin/staff "$BODY_NOW" -H "Idempotency-Key: $(key)"
        PATH_NOW="/v1/admin/staff/MX$SEQ"
        BODY_NOW='{"status":"inactive"}' ;;
    "PUT /v1/admin/programme") # each PUT of the batch finds the version the one before left
        request op GET /v1/admin/programme
        BODY_NOW=$(jq -c ".version += $PROGRAMME_PUTS" <<<"$BODY")
        PROGRAMME_PUTS=$((PROGRAMME_PUTS + 1)) ;;
    "POST /v1/admin/rules")
        BODY_NOW="{\"name\":\"Matrix $SEQ\",\"match\":{\"categories\":[\"tea\"]},\
\"effect\":{\"bonus_points\":1}}" ;;
    "PATCH /v1/admin/rules/{rule_id}")
        BODY_NOW="{\"name\":\"Matrix $SEQ\",\"effect\":{\"bonus_points\":1}}"
        request op POST /v1/admin/rules "$BODY_NOW" -H "Idempotency-Key: $(key)"
        PATH_NOW="/v1/admin/rules/$(json .rule_id)"
        BODY_NOW='{"status":"paused"}' ;;
    "POST /v1/till/sales/quote")
        BODY_NOW="{\"card_no\":\"$DEMO_CARD\",\"receipt_no\":\"MQ-$SEQ\",\
\"lines\":[{\"sku\":\"A\",\"qty\":1,\"amount_cents\":1000}]}" ;;
    "POST /v1/admin/bonuses")
        BODY_NOW="{\"member_ids\":[1],\"points\":1,\"reason\":\"matrix\",\
\"bonus_key\":\"mx-$SEQ\"}" ;;
    "GET /v1/admin/reports/commission") PATH_NOW="${route#* }?from=$(date -u +%F)" ;;
    "POST /v1/admin/coupon-campaigns")
        BODY_NOW="{\"name\":\"Matrix $SEQ\",\"kind\":\"amount_off\",\"amount_off_cents\":100}" ;;
    *" /v1/admin/coupon-campaigns/{campaign_id}")
        fx_campaign
        PATH_NOW="/v1/admin/coupon-campaigns/$MX_CAMPAIGN"
        if [[ "$route" == PATCH* ]]; then BODY_NOW="{\"name\":\"Matrix $SEQ\"}"; fi ;;
    "POST /v1/admin/coupon-campaigns/{campaign_id}/codes")
        fx_campaign
        PATH_NOW="/v1/admin/coupon-campaigns/$MX_CAMPAIGN/codes"
        BODY_NOW='{"count":1}' ;;
    "POST /v1/admin/coupon-campaigns/{campaign_id}/issues")
        fx_campaign
        PATH_NOW="/v1/admin/coupon-campaigns/$MX_CAMPAIGN/issues"
        BODY_NOW='{"member_ids":[1]}' ;;
    "POST /v1/admin/coupon-offers")
        fx_campaign
        BODY_NOW="{\"campaign_id\":$MX_CAMPAIGN,\"points_price\":1}" ;;
    "PATCH /v1/admin/coupon-offers/{offer_id}")
        fx_offer
        PATH_NOW="/v1/admin/coupon-offers/$MX_OFFER"
        BODY_NOW='{"points_price":1}' ;;
    "POST /v1/admin/members/{member_id}/vouchers")
        fx_offer
        fx_points 1
        BODY_NOW="{\"offer_id\":$MX_OFFER}" ;;
    "POST /v1/till/vouchers")
        fx_offer
        fx_points 1
        BODY_NOW="{\"card_no\":\"$DEMO_CARD\",\"offer_id\":$MX_OFFER}" ;;
    "POST /v1/admin/gifts") BODY_NOW="{\"name\":\"Matrix $SEQ\",\"points_price\":1,\"stock\":1}" ;;
    "GET /v1/admin/gifts/{gift_id}" | "PATCH /v1/admin/gifts/{gift_id}")
        fx_gift
        PATH_NOW="/v1/admin/gifts/$MX_GIFT"
        if [[ "$route" == PATCH* ]]; then BODY_NOW='{"name":"Matrix gift"}'; fi ;;
    "POST /v1/admin/members/{member_id}/gift-redemptions")
        fx_gift
        fx_points 1
        BODY_NOW="{\"gift_id\":$MX_GIFT}" ;;
    "POST /v1/till/gift-redemptions")
        fx_gift
        fx_points 1
        BODY_NOW="{\"card_no\":\"$DEMO_CARD\",\"gift_id\":$MX_GIFT}" ;;
    "POST /v1/admin/gift-redemptions/{redemption_id}/cancel" | "POST /v1/till/gift-redemptions/"*)
        fx_redemption 1
        PATH_NOW="${route#* }"
        PATH_NOW=${PATH_NOW//\{redemption_id\}/$REDEMPTION} ;;
    esac
}

# outcome_ok EXPECTED: the last call's STATUS matches a cell of the table.
outcome_ok() {
    case "$1" in
    2xx) [[ "$STATUS" =~ ^2[0-9][0-9]$ ]] ;;
    4xx) [[ "$STATUS" =~ ^4[0-9][0-9]$ ]] ;;
    *) [[ "$STATUS" == "$1" ]] ;;
    esac
}

read -r -a HEADER < <(grep -v '^#' "$MATRIX" | head -1)
PRINCIPALS=("${HEADER[@]:2}")
cells=0
routes=0
mismatches=0
# batch_add PRINCIPAL METHOD PATH BODY: one request of a curl -K config (BATCH) that prints
# "status exitcode" per request; the refused cells of a route go out in one curl run.
batch_add() {
    local principal=$1 method=$2 path=$3 body=$4
    auth "$principal"
    KEYS=$((KEYS + 1))
    local base=$BASE ca=$CA
    case "${REALM["$method ${ROUTE_PATH}"]:-}" in PORTAL | MEMBER) base=$PORTAL ca=$PORTAL_CA ;; esac
    BATCH+="url = \"$base$path\"\ncacert = \"$ca\"\nrequest = $method\n$SESSION"
    [[ ${#AUTH[@]} -gt 0 ]] && BATCH+="cert = \"${AUTH[1]}\"\nkey = \"${AUTH[3]}\"\n"
    [[ "$method" != GET ]] && BATCH+="header = \"Idempotency-Key: mx-$$-$KEYS\"\n"
    if [[ -n "$body" ]]; then
        BATCH+="header = \"Content-Type: application/json\"\ndata-binary = \"${body//\"/\\\"}\"\n"
    fi
    BATCH+="output = \"/dev/null\"\nwrite-out = \"%{http_code} %{exitcode}\\\\n\"\nmax-time = 20\nnext\n"
}

# batch_run ROUTE INDEXES...: send BATCH in one curl run and compare each request's outcome with
# the cell of the principal at the same position.
batch_run() {
    local route=$1
    shift
    [[ $# -gt 0 ]] || return 0
    local outcomes position=0 index code exit_code
    mapfile -t outcomes < <(printf '%b' "$BATCH" | curl -sS -K - 2>/dev/null)
    for index in "$@"; do
        read -r code exit_code <<<"${outcomes[$position]:-000 -1}"
        position=$((position + 1))
        STATUS=$code
        tls_refused "$exit_code" && STATUS=tls
        [[ "$exit_code" != 0 && "$STATUS" != tls ]] && STATUS="curl-$exit_code"
        cells=$((cells + 1))
        if ! outcome_ok "${expected[$index]}"; then
            mismatches=$((mismatches + 1))
            fail "$route as ${PRINCIPALS[$index]}: expected ${expected[$index]}, got $STATUS"
        fi
    done
}

while IFS=$'\t' read -r -a row; do
    [[ "${row[0]}" == "#"* || "${row[0]}" == method ]] && continue
    route="${row[0]} ${row[1]}"
    method=${row[0]}
    ROUTE_PATH=${row[1]}
    routes=$((routes + 1))
    expected=("${row[@]:2}")
    [[ ${#expected[@]} -eq ${#PRINCIPALS[@]} ]] ||
        { fail "$route: ${#expected[@]} cells for ${#PRINCIPALS[@]} principals"; continue; }
    before_mismatches=$mismatches
    # Refused cells first, in one curl run between two snapshots: a refusal changes nothing.
    # Till B's refusals need till A's sale, made before the first snapshot; the others need no
    # fixture (realm and role are checked before a handler reads anything).
    refused=()
    BATCH=""
    for index in "${!PRINCIPALS[@]}"; do
        [[ "${expected[$index]}" == 2xx ]] && continue
        principal=${PRINCIPALS[$index]}
        if [[ "$principal" == till_b && "$route" == *" /v1/till/"* ]]; then
            fixture "$route" till_b
        else
            fixture "GENERIC ${route#* }" "$principal"
        fi
        batch_add "$principal" "$method" "$PATH_NOW" "$BODY_NOW"
        refused+=("$index")
    done
    snapshot row
    batch_run "$route" "${refused[@]}"
    unchanged "$route: every refused principal" row
    # Then the allowed cells, each with its own fixture, also in one curl run.
    allowed=()
    BATCH=""
    for index in "${!PRINCIPALS[@]}"; do
        [[ "${expected[$index]}" == 2xx ]] || continue
        fixture "$route" "${PRINCIPALS[$index]}"
        batch_add "${PRINCIPALS[$index]}" "$method" "$PATH_NOW" "$BODY_NOW"
        allowed+=("$index")
    done
    batch_run "$route" "${allowed[@]}"
    [[ $mismatches -eq $before_mismatches ]] && pass "$route: ${#PRINCIPALS[@]} principals as the table says"
done <"$MATRIX"

check "the walk covered every route of the table ($routes)" \
    test "$routes" -eq "$(grep -vc '^#' "$MATRIX" | awk '{print $1 - 1}')"
echo "# authorization matrix: $routes routes x ${#PRINCIPALS[@]} principals = $cells cells walked, $mismatches mismatches"

# The refusals of certificate holders reached the audit trail as security events.
audit_all
role_events=$(jq '[.[]|select(.action=="security.role_refused")]|length' "$LTY_TMP/audit.json")
realm_events=$(jq '[.[]|select(.action=="security.realm_refused")]|length' "$LTY_TMP/audit.json")
check "role refusals are in the audit trail ($role_events records)" test "$role_events" -gt 0
check "realm refusals of certificate holders are in the audit trail ($realm_events records)" \
    test "$realm_events" -gt 0
lty_finish
