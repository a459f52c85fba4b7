#!/usr/bin/env bash
# Goal: the programme's settings and its earning rules run a real programme: a quote
# earns what the sale then earns, with rules_applied explaining the receipt; a PUT of the
# programme and a rule change are live for the next request without restart; a stale version is
# 409 version_conflict and bad settings or malformed rules are 422 naming the field, each
# changing nothing; points_per_sale_max caps and says so; a rule's cap per member holds; rules
# pause, resume and end (409 rule_ended after); loyaltyctl programme and rules commands work.
# Method: the demo (rules "Double detergent" and "No tobacco or infant formula"), curl over TLS,
# loyaltyctl, the stats digest around refusals, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
CTL=("$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" --host 127.0.0.1)

basket() { # basket RECEIPT LINES_JSON [EXTRA_JSON]: a sale body (no receipt when RECEIPT is -)
    local receipt=""
    [[ "$1" != "-" ]] && receipt=',"receipt_no":"'$1'"'
    echo '{"card_no":"'$DEMO_CARD'"'$receipt',"lines":'$2${3:+,$3}'}'
}
# quote_then_sell NAME RECEIPT LINES [EXTRA]: the quote and the sale earn the same, for the same
# reasons; leaves the sale's answer in BODY.
quote_then_sell() {
    local name=$1 quoted sold
    request till POST /v1/till/sales/quote "$(basket - "$3" "${4:-}")"
    quoted="$STATUS/$(json '[.points_earned, .points_base, .rules_applied] | tostring')"
    request till POST /v1/till/sales "$(basket "$2" "$3" "${4:-}")" -H "Idempotency-Key: $(key)"
    sold="$STATUS/$(json '[.points_earned, .points_base, .rules_applied] | tostring')"
    check "$name: quote = sale ($sold)" test "${quoted/#200/201}" = "$sold"
}
audit_count() { "$LOYALTYCTL" stats "$LTY_DATA" | awk '$1 == "audit" {print $2}'; }
programme_put() { # programme_put JQ_FILTER: PUT the programme as GET shows it, changed
    request op GET /v1/admin/programme
    request op PUT /v1/admin/programme "$(jq -c "$1" <<<"$BODY")" -H "Idempotency-Key: $(key)"
}

request op GET /v1/admin/programme
check "GET programme: version 1, 1 point per 1.00, +08:00, 730-day lots" \
    test "$STATUS/$(json '[.version, .earn_cents_per_point, .timezone, .points_expiry, .points_lot_days] | join(",")')" = "200/1,100,+08:00,days,730"
request op GET /v1/admin/rules
check "the demo ships two rules" test "$STATUS/$(json '[.rules[].name] | join("|")')" = "200/Double detergent|No tobacco or infant formula"

# ---- quote = sale, rules_applied --------------------------------------------------------------
LINES='[{"sku":"D","category":"detergent","qty":1,"amount_cents":1000},{"sku":"T","category":"tobacco","qty":1,"amount_cents":2000},{"sku":"M","category":"dairy","qty":1,"amount_cents":555}]'
request till POST /v1/till/sales/quote "$(basket - "$LINES")"
check "quote: 35 without rules, tobacco -20, detergent +10: 25" \
    test "$STATUS/$(json .points_base)/$(json .points_earned)/$(json '[.rules_applied[] | "\(.rule_id):\(.points)"] | join(",")')" = "200/35/25/2:-20,1:10"
check "quote: balance 1200, all of it redeemable on 35.55" \
    test "$(json .points_balance)/$(json .points_redeemable)" = "1200/1200"
snapshot quoted
request till POST /v1/till/sales/quote "$(basket - "$LINES")"
unchanged "a quote has no side effect" quoted
request till POST /v1/till/sales "$(basket P-1 "$LINES")" -H "Idempotency-Key: $(key)"
check "the sale earns what was quoted (25) and explains it the same way" \
    test "$STATUS/$(json .points_earned)/$(json '[.rules_applied[] | "\(.rule_id):\(.points)"] | join(",")')" = "201/25/2:-20,1:10"
quote_then_sell "redeeming 10.00 on two lines" P-2 \
    '[{"sku":"D","category":"detergent","qty":1,"amount_cents":5000},{"sku":"M","category":"dairy","qty":1,"amount_cents":5000}]' \
    '"redeem_points":1000'
check "detergent doubled on the part not paid with points: 90 + 45" test "$(json .points_earned)" = "135"
quote_then_sell "infant formula earns nothing" P-3 '[{"sku":"I","category":"infant_formula","qty":2,"amount_cents":9900}]'
check "infant formula: 0 points, the exclusion says -99" \
    test "$(json .points_earned)/$(json '.rules_applied[0].points')" = "0/-99"
request till POST /v1/till/sales/quote "$(basket - '[{"sku":"A","qty":1,"amount_cents":1000000}]' '"redeem_points":99999')"
expect_error "a quote redeeming more than the balance" 409 insufficient_points

# ---- programme settings: live, versioned, validated --------------------------------------------
DAIRY='[{"sku":"M","category":"dairy","qty":1,"amount_cents":1000}]'
AUDITS=$(audit_count)
programme_put '.earn_cents_per_point = 50'
check "PUT programme: version 2, 1 point per 0.50" \
    test "$STATUS/$(json .version)/$(json .earn_cents_per_point)" = "200/2/50"
check "audited: one record for the one key changed" test "$(audit_count)" = "$((AUDITS + 1))"
request till POST /v1/till/sales "$(basket P-4 "$DAIRY")" -H "Idempotency-Key: $(key)"
check "live without restart: 10.00 now earns 20" test "$STATUS/$(json .points_earned)" = "201/20"
snapshot settled
request op GET /v1/admin/programme
STALE=$(jq -c '.version = 1 | .earn_cents_per_point = 10' <<<"$BODY")
request op PUT /v1/admin/programme "$STALE" -H "Idempotency-Key: $(key)"
expect_error "PUT naming version 1 after version 2" 409 version_conflict
programme_put 'del(.tiers)'
expect_error "PUT without tiers (the whole programme is sent)" 422 invalid_field
check "the field is named: /tiers" test "$(json .error.field)" = "/tiers"
programme_put '.timezone = "Asia/Shanghai"'
check "a named time zone is 422 /timezone (fixed offsets only)" \
    test "$STATUS/$(json .error.field)" = "422//timezone"
programme_put '.currency = "USD"'
check "the currency never changes: 422 /currency" test "$STATUS/$(json .error.field)" = "422//currency"
programme_put '.earn_cents_per_point = 0'
check "earn_cents_per_point 0: 422 naming it" \
    test "$STATUS/$(json .error.field)" = "422//earn_cents_per_point"
unchanged "after five refused PUTs" settled
request op GET /v1/admin/programme
check "still version 2" test "$(json .version)/$(json .earn_cents_per_point)" = "2/50"

# ---- rules: malformed ones change nothing ------------------------------------------------------
bad_rule() { # bad_rule NAME FIELD JSON
    request op POST /v1/admin/rules "$3" -H "Idempotency-Key: $(key)"
    check "$1: 422 naming $2" test "$STATUS/$(json .error.code)/$(json .error.field)" = "422/invalid_field/$2"
}
bad_rule "unknown category syntax" /match/categories/0 '{"name":"x","match":{"categories":["deter*gent"]},"effect":{"multiplier_percent":200}}'
bad_rule "multiplier 0" /effect/multiplier_percent '{"name":"x","effect":{"multiplier_percent":0}}'
bad_rule "multiplier 10,001 %" /effect/multiplier_percent '{"name":"x","effect":{"multiplier_percent":10001}}'
bad_rule "window ending before it starts" /match/valid_to '{"name":"x","match":{"valid_from":"2026-03-01","valid_to":"2026-02-28"},"effect":{"bonus_points":5}}'
bad_rule "an unknown tier" /match/tiers/0 '{"name":"x","match":{"tiers":["Diamond"]},"effect":{"multiplier_percent":300}}'
bad_rule "an unknown store" /match/stores/1 '{"name":"x","match":{"stores":["S001","S999"]},"effect":{"multiplier_percent":300}}'
unchanged "after six malformed rules" settled

# ---- rules: live, capped, paused, ended -----------------------------------------------------------
TEA='[{"sku":"TEA","category":"tea","qty":1,"amount_cents":100}]'
request op POST /v1/admin/rules '{"name":"Tea bonus","match":{"categories":["tea"]},"effect":{"bonus_points":10},"cap_points":15}' \
    -H "Idempotency-Key: $(key)"
TEA_RULE=$(json .rule_id)
check "POST rule: 201 with a rule_id, active" test "$STATUS/$(json .status)" = "201/active" -a -n "$TEA_RULE"
request till POST /v1/till/sales "$(basket T-1 "$TEA")" -H "Idempotency-Key: $(key)"
check "live at once: tea earns 2 + 10" test "$(json .points_earned)" = "12"
request till POST /v1/till/sales "$(basket T-2 "$TEA")" -H "Idempotency-Key: $(key)"
check "the member's cap (15) leaves 5, reported capped" \
    test "$(json .points_earned)/$(json '.rules_applied[0] | "\(.points)/\(.capped)"')" = "7/5/true"
request till POST /v1/till/sales "$(basket T-3 "$TEA")" -H "Idempotency-Key: $(key)"
check "the cap is reached: nothing more" test "$(json .points_earned)" = "2"
request op PATCH "/v1/admin/rules/1" '{"status":"paused"}' -H "Idempotency-Key: $(key)"
check "pause Double detergent" test "$STATUS/$(json .status)" = "200/paused"
quote_then_sell "paused: detergent earns single points" D-1 '[{"sku":"D","category":"detergent","qty":1,"amount_cents":1000}]'
check "a paused rule does not apply (20 at 0.50 per point)" test "$(json .points_earned)/$(json '.rules_applied | length')" = "20/0"
request op PATCH "/v1/admin/rules/1" '{"status":"active"}' -H "Idempotency-Key: $(key)"
quote_then_sell "resumed: detergent doubled again" D-2 '[{"sku":"D","category":"detergent","qty":1,"amount_cents":1000}]'
check "resumed: 40" test "$(json .points_earned)" = "40"
programme_put '.points_per_sale_max = 100'
quote_then_sell "points_per_sale_max 100" D-3 '[{"sku":"D","category":"detergent","qty":1,"amount_cents":10000}]'
check "200 base cut to 100, the doubling capped to nothing, both reported" \
    test "$(json .points_earned)/$(json '[.rules_applied[] | "\(.rule_id):\(.points):\(.capped)"] | join(",")')" = "100/0:-100:true,1:0:true"
request op PATCH "/v1/admin/rules/$TEA_RULE" '{"status":"ended"}' -H "Idempotency-Key: $(key)"
check "end the tea rule" test "$STATUS/$(json .status)" = "200/ended"
request op PATCH "/v1/admin/rules/$TEA_RULE" '{"status":"active"}' -H "Idempotency-Key: $(key)"
expect_error "an ended rule never comes back" 409 rule_ended
request op GET /v1/admin/rules/99999
expect_error "GET an unknown rule" 404 rule_not_found
request op GET "/v1/admin/rules?all=true"
check "rules list with ended ones: 3" test "$(json '.rules | length')" = "3"

# ---- loyaltyctl programme and rules -------------------------------------------------------------
"${CTL[@]}" --json programme show >"$LTY_TMP/programme.json"
jq '.points_per_sale_max = 50000 | .earn_cents_per_point = 100' "$LTY_TMP/programme.json" >"$LTY_TMP/edited.json"
OUT=$("${CTL[@]}" --json programme set "$LTY_TMP/edited.json")
check "loyaltyctl programme set: the next version" test "$(jq -r .version <<<"$OUT")/$(jq -r .earn_cents_per_point <<<"$OUT")" = "4/100"
"${CTL[@]}" programme set "$LTY_TMP/edited.json" >/dev/null 2>"$LTY_TMP/set.err"
check "the same file again is a version conflict (exit 1)" grep -q "409 version_conflict" "$LTY_TMP/set.err"
echo '{"name":"Fruit weekend","match":{"categories":["fruit"],"days_of_week":[6,7]},"effect":{"multiplier_percent":150}}' >"$LTY_TMP/rule.json"
OUT=$("${CTL[@]}" --json rules add "$LTY_TMP/rule.json")
FRUIT=$(jq -r .rule_id <<<"$OUT")
check "loyaltyctl rules add" test "$(jq -r .name <<<"$OUT")" = "Fruit weekend"
check "loyaltyctl rules pause" test "$("${CTL[@]}" --json rules pause "$FRUIT" | jq -r .status)" = "paused"
check "loyaltyctl rules end" test "$("${CTL[@]}" --json rules end "$FRUIT" | jq -r .status)" = "ended"
check "loyaltyctl rules list (live: 1 active)" test "$("${CTL[@]}" --json rules list | jq -r '[.rules[].status] | join(",")')" = "active,active"

lty_finish
