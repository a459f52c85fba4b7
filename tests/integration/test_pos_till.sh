#!/usr/bin/env bash
# Goal: pos-till, the terminal till, drives the real daemon: one-shot card look-up and sale with
# JSON output, a refusal with exit code 1, a usage error with exit code 2, line mode on stdin
# as a cashier would type it, and the prepaid commands (pin set, sale --tender --pin, return,
# void).
# Method: the real daemon over TLS; pos-till with the demo till credential; verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start
TILL_ARGS=(--host 127.0.0.1 --port "$LTY_PORT" --ca "$CA" --cert "$TILL_CERT" --key "$TILL_KEY"
    --queue "$LTY_TMP/queue" --json)

OUT=$("$POS_TILL" "${TILL_ARGS[@]}" card "$DEMO_CARD")
check "pos-till card: exit 0 and the card's points" test $? = 0 -a "$(jq -r .points <<<"$OUT")" = 1200
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" sale --card "$DEMO_CARD" --receipt T-1 --line 690123,dairy,2,2590 --line 690124,snacks,1,1000 --redeem 200)
check "pos-till sale: redeemed 200, earned 33, balance 1033" \
    test "$(jq -r '.points_redeemed,.points_earned,.points_balance' <<<"$OUT" | tr '\n' /)" = "200/33/1033/"
"$POS_TILL" "${TILL_ARGS[@]}" sale --card "$DEMO_CARD" --receipt T-2 --line A,c,1,100 --redeem 5000 >/dev/null 2>&1
check "pos-till refusal (insufficient points) exits 1" test $? = 1
"$POS_TILL" "${TILL_ARGS[@]}" sale --card "$DEMO_CARD" >/dev/null 2>&1
check "pos-till usage error exits 2" test $? = 2
OUT=$(printf 'card %s\nsale --card %s --receipt T-3 --line A,c,1,1000\nquit\n' "$DEMO_CARD" "$DEMO_CARD" |
    "$POS_TILL" "${TILL_ARGS[@]}")
check "pos-till line mode: two answers, the sale earned 10" \
    test "$(grep -c . <<<"$OUT")" -ge 2 -a "$(tail -1 <<<"$OUT" | jq -r .points_earned)" = 10
request till GET "/v1/till/cards/$DEMO_CARD"
check "the daemon agrees: 1043 points" test "$(json .points)" = 1043

# ---- Prepaid tender with a PIN, return, void -----------------------------------------------
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" topup --card "$DEMO_CARD" --amount 50000)
check "pos-till topup 500.00" test "$(jq -r .prepaid_cents <<<"$OUT")" = 50000
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" pin set --card "$DEMO_CARD" --pin 4821)
check "pos-till pin set" test "$(jq -r .pin_set <<<"$OUT")" = true
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" sale --card "$DEMO_CARD" --receipt T-4 --line TV,tv,1,30000 --tender prepaid:30000)
check "pos-till prepaid 300.00 without the PIN: exit 1, pin_required" \
    test "$?/$(jq -r .error.code <<<"$OUT")" = "1/pin_required"
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" sale --card "$DEMO_CARD" --receipt T-4 --line TV,tv,1,30000 --tender prepaid:30000 --pin 4821)
check "pos-till prepaid 300.00 with the PIN: prepaid 200.00 left" \
    test "$(jq -r .prepaid_cents <<<"$OUT")" = 20000
SALE4=$(jq -r .sale_id <<<"$OUT")
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" return --receipt T-3)
check "pos-till return of T-3 (paid outside the programme): returned, 10.00 outside" \
    test "$(jq -r '.sale_status,.refund_outside_cents,.points_taken_back' <<<"$OUT" | tr '\n' /)" = "returned/1000/10/"
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" void "$SALE4")
check "pos-till void of T-4: voided, 300.00 back to prepaid" \
    test "$(jq -r '.sale_status,.refund_prepaid_cents,.prepaid_cents' <<<"$OUT" | tr '\n' /)" = "voided/30000/50000/"
OUT=$("$POS_TILL" "${TILL_ARGS[@]}" void "$SALE4")
check "pos-till void twice: exit 1, already_voided" test "$?/$(jq -r .error.code <<<"$OUT")" = "1/already_voided"
request till GET "/v1/till/cards/$DEMO_CARD"
check "the daemon agrees: 1033 points, 500.00 prepaid" \
    test "$(json .points)/$(json .prepaid_cents)" = "1033/50000"
lty_finish
