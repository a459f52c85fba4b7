#!/usr/bin/env bash
# Goal: GET /v1/admin/members/{id}/export gives everything stored about a member for a
# data-protection access request (profile and consents, balances, cards with PIN metadata but
# never a hash, tier and history, journal, audit), only to the roles the matrix allows; each
# export is itself on the audit trail; a long journal is bounded and pages on through /journal;
# an Idempotency-Key header changes nothing (an export is never replayed); a closed, erased
# member exports what is left.
# Method: real TLS requests with curl; the journal grown past the export's bound with adjustments
# sent over one connection (curl -K); jq over the documents.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
"$LOYALTYCTL" --data "$LTY_DATA" operator add vera --role viewer --out "$LTY_TMP" >/dev/null
lty_start

request till POST "/v1/till/cards/$DEMO_CARD/pin" '{"pin":"4321"}' -H "Idempotency-Key: $(key)"
check "member 1 sets a PIN" test "$STATUS/$(json .pin_set)" = 200/true
request op PATCH /v1/admin/members/1 '{"consents":{"sms":true}}' -H "Idempotency-Key: $(key)"
check "member 1 gives SMS consent" test "$STATUS" = 200

snapshot viewer
request "$LTY_TMP/operator-vera" GET /v1/admin/members/1/export
expect_error "a viewer may not export personal data" 403 forbidden
unchanged "the viewer's refused export" viewer

request op GET /v1/admin/members/1/export
check "an admin exports member 1" test "$STATUS/$(json .member_id)" = "200/1"
check "the export has every part" test "$(json 'keys|join(",")')" = \
    "audit,audit_next_after,balances,cards,exported_at,journal,journal_next_after,member_id,pin,profile,tier"
check "profile and consents" test "$(json '"\(.profile.name)|\(.profile.consents.sms)"')" = "王芳|true"
check "balances" test "$(json '.balances|has("points_balance") and has("prepaid_cents")')" = true
check "the cards" test "$(json "[.cards[]|select(.card_no==\"$DEMO_CARD\")]|length")" = 1
check "the member's PIN metadata, and no secret of it" \
    test "$(json '.pin|keys|join(",")')" = "failures,locked_until,reset_code_expires_at,set,updated_at"
check "the PIN is set" test "$(json .pin.set)" = true
check "no hash, salt or reset code anywhere in the document" \
    test -z "$(grep -oiE '"(hash|salt|reset_code|pin_hash)"' <<<"$(json '{cards,pin,profile}')")"
check "tier and its history" test "$(json '.tier|has("tier") and has("history")')" = true
request op GET "/v1/admin/members/1/journal?limit=200"
journal_count=$(json '.entries|length')
request op GET /v1/admin/members/1/export
check "the whole journal ($journal_count entries), nothing to page" \
    test "$(json '.journal|length')/$(json .journal_next_after)" = "$journal_count/null"
check "the previous export is on the member's audit trail, by the operator, from 127.0.0.1" \
    test "$(json '[.audit[]|select(.action=="member.export")][0]|"\(.by)|\(.from)|\(.target)"')" = \
    "operator:demo-operator|127.0.0.1|member:1"
check "... with the consent change" test "$(json '[.audit[]|select(.action=="member.update")]|length')" -ge 1

request op GET /v1/admin/members/1/export "" -H "Idempotency-Key: same-key"
first=$(json .exported_at)
request op GET /v1/admin/members/1/export "" -H "Idempotency-Key: same-key"
check "an Idempotency-Key on an export is ignored: answered afresh, not replayed" \
    test "$STATUS/$(grep -ci '^Idempotent-Replayed' <<<"$HEADERS")/$(json .exported_at)" != "200/0/$first"
check "... with 200" test "$STATUS/$(grep -ci '^Idempotent-Replayed' <<<"$HEADERS")" = "200/0"
request op GET /v1/admin/members/99999/export
expect_error "an unknown member" 404 member_not_found

# ---- A journal longer than the export's bound -----------------------------------------------
: >"$LTY_TMP/adjust.cfg"
for ((index = 0; index < 420; index++)); do
    if ((index > 0)); then echo next >>"$LTY_TMP/adjust.cfg"; fi
    printf 'url = "%s"\ncacert = "%s"\ncert = "%s"\nkey = "%s"\n' \
        "$BASE/v1/admin/adjustments" "$CA" "$OP_CERT" "$OP_KEY" >>"$LTY_TMP/adjust.cfg"
    printf 'header = "Content-Type: application/json"\nheader = "Idempotency-Key: grow-%d"\n' \
        "$index" >>"$LTY_TMP/adjust.cfg"
    printf 'data = "{\\"member_id\\":2,\\"points\\":1,\\"reason\\":\\"grow %d\\"}"\n' "$index" \
        >>"$LTY_TMP/adjust.cfg"
    printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' >>"$LTY_TMP/adjust.cfg"
done
check "420 adjustments of member 2" test "$(curl -sS -K "$LTY_TMP/adjust.cfg" | sort -u)" = 201
request op GET /v1/admin/members/2/export
exported=$(json '.journal|length')
next=$(json .journal_next_after)
check "the export stops at its bound ($exported entries) and says where to go on" \
    test "$exported" -le 400 -a "$next" != null
check "... from the last entry it holds" test "$(json '.journal[-1].entry_id')" = "$next"
request op GET "/v1/admin/members/2/journal?after=$next&limit=200"
rest=$(json '.entries|length')
request op GET "/v1/admin/members/2/journal?limit=1"
total=$((exported + rest))
check "export plus the next page hold every entry of member 2 ($total)" \
    test "$total" -ge 421 -a "$(json .next_after)" != null

# ---- A closed, erased member ------------------------------------------------------------------
request op POST /v1/admin/members/3/close \
    '{"reason":"left","payout":"cash","erase_personal_data":true}' -H "Idempotency-Key: $(key)"
check "member 3 closed and erased" test "$STATUS/$(json .personal_data_erased)" = "200/true"
request op GET /v1/admin/members/3/export
check "the export of an erased member holds no name and says closed" \
    test "$STATUS/$(json .profile.status)/$(json .profile.name)" = "200/closed/"
"$LOYALTYCTL" --data "$LTY_DATA" --port "$LTY_PORT" member data-export 1 >"$LTY_TMP/export.json"
check "loyaltyctl member data-export prints the document" test "$(jq .member_id "$LTY_TMP/export.json")" = 1
lty_finish
