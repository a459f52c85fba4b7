#!/usr/bin/env bash
# Goal: every loyaltyctl command over the admin API does its job and says so, and refuses as
# documented: exit 1 with the daemon's code and message on stderr, 2 for a usage error, 3 when
# the daemon cannot be reached. Members, cards, points, prepaid, tiers, with --json parsed by jq,
# --csv, dry runs that change nothing (verify's digest before and after), idempotency keys (a
# re-run with the printed key applies nothing twice) and the earlier spellings.
# Method: the real daemon over TLS, loyaltyctl as an operator runs it; verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

# ---- member create / show / search / update / audit / journal / tiers ----
ctl member create --name "Lin Hui" --phone +8613955550001 --email lin@example.com --json
MEMBER=$(jq -r .member_id <<<"$OUT")
check "member create --json: the new member's id and profile" \
    test "$RC/$(jq -r .name <<<"$OUT")/$(jq -r .tier <<<"$OUT")" = "0/Lin Hui/Member"
grep -q "member create" "$LTY_DATA/ctl-keys.log"
check "the key of a changing command is logged before sending" test $? -eq 0
D0=$(digest)
ctl member create --name "Other" --phone +8613955550001
expect_exit "member create with a taken phone" 1 "409 phone_taken"
check "the refusal changed nothing (digest)" test "$(digest)" = "$D0"
ctl member create --name "No phone"
expect_exit "member create without --phone" 2 "--phone is required"
ctl member create --name X --phone +8613955550002 --limit 3
expect_exit "an option the command does not take" 2 "not an option of this command"
ctl member create --name "Dry Run" --phone +8613955550002 --dry-run --json
check "member create --dry-run answers the would-be member" \
    test "$RC/$(jq -r .name <<<"$OUT")" = "0/Dry Run"
check "member create --dry-run changed nothing (digest)" test "$(digest)" = "$D0"

ctl member show "$MEMBER" --json
check "member show --json" test "$RC/$(jq -r .phone <<<"$OUT")/$(jq -r .points <<<"$OUT")" = "0/+8613955550001/0"
ctl member show 999999
expect_exit "member show of an unknown member" 1 "404 member_not_found"
ctl member show abc
expect_exit "member show with a malformed id" 2 "MEMBER_ID"
ctl member show "$MEMBER"
check "member show prints a table (name line)" bash -c "grep -q '^name  *Lin Hui' <<<\"\$0\"" "$OUT"

ctl member search --phone +8613955550001 --json
check "member search --phone finds one" test "$RC/$(jq '.members | length' <<<"$OUT")" = "0/1"
ctl member search --name L --csv
check "member search --csv: a header and the member" \
    test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1)/$(grep -c 'Lin Hui' <<<"$OUT")" = "0/member_id/1"
ctl member search --name L --phone +8613955550001
expect_exit "member search with two criteria" 2
ctl member search --name L --limit 1000
expect_exit "member search --limit above the page maximum" 2 "--limit"

ctl member update "$MEMBER" --email lin.hui@example.com --json
check "member update changes the field" test "$RC/$(jq -r .email <<<"$OUT")/$(jq -r .fields_changed <<<"$OUT")" = "0/lin.hui@example.com/1"
ctl member update "$MEMBER" --phone +8613800138001
expect_exit "member update to another member's phone" 1 "409 phone_taken"
ctl member update "$MEMBER"
expect_exit "member update without a field" 2

ctl member audit "$MEMBER" --json
check "member audit lists the enrolment and the change" \
    test "$RC/$(jq '[.audit[].action] | index("member.create") != null' <<<"$OUT")" = "0/true"
ctl member audit 999999
expect_exit "member audit of an unknown member" 1 "member_not_found"

# ---- points adjust (and its old spelling), journal ----
D1=$(digest)
ctl points adjust "$MEMBER" 500 --reason "goodwill" --dry-run --json
check "points adjust --dry-run says the balance it would give" \
    test "$RC/$(jq -r .points_balance <<<"$OUT")" = "0/500"
check "points adjust --dry-run changed nothing (digest)" test "$(digest)" = "$D1"
ctl points adjust "$MEMBER" 500 --reason "goodwill" --idempotency-key cli-adjust-1 --json
check "points adjust" test "$RC/$(jq -r .points_balance <<<"$OUT")" = "0/500"
ctl points adjust "$MEMBER" 500 --reason "goodwill" --idempotency-key cli-adjust-1 --json
check "a re-run with the same key applies nothing twice" \
    test "$RC/$(jq -r .points_balance <<<"$OUT")" = "0/500"
ctl points adjust "$MEMBER" 7 --reason "other" --idempotency-key cli-adjust-1
expect_exit "the same key for another request" 1 "idempotency_key_reused"
ctl points adjust "$MEMBER" -900 --reason "too much"
expect_exit "points adjust below zero" 1 "409 insufficient_points"
ctl adjust "$MEMBER" -100 --reason "old spelling"
check "adjust (the earlier spelling) still works" test "$RC" = 0
ctl points adjust "$MEMBER" 0 --reason x
expect_exit "points adjust of zero points" 2

ctl member journal "$MEMBER" --json
check "member journal: newest first, with postings" \
    test "$RC/$(jq -r '.entries[0].kind' <<<"$OUT")/$(jq '.entries | length' <<<"$OUT")" = "0/adjust/2"
ctl journal "$MEMBER" --csv
check "journal (earlier spelling) --csv" test "$RC/$(head -1 <<<"$OUT" | cut -d, -f1)" = "0/entry_id"
ctl member journal 999999
expect_exit "member journal of an unknown member" 1 "member_not_found"

# ---- prepaid topup ----
D2=$(digest)
ctl prepaid topup "$MEMBER" 100.50 --tender cash --reason "counter" --dry-run --json
check "prepaid topup --dry-run" test "$RC/$(jq -r .prepaid_cents <<<"$OUT")" = "0/10050"
check "prepaid topup --dry-run changed nothing (digest)" test "$(digest)" = "$D2"
ctl prepaid topup "$MEMBER" 100.50 --tender cash --reason "counter" --json
check "prepaid topup 100.50" test "$RC/$(jq -r .prepaid_cents <<<"$OUT")" = "0/10050"
ctl prepaid topup "$MEMBER" 3000 --tender bank_card --reason "too much"
expect_exit "prepaid topup above the single top-up limit" 1 "409 topup_limit"
ctl prepaid topup "$MEMBER" 12.345 --tender cash --reason x
expect_exit "prepaid topup with three decimals" 2
ctl prepaid topup "$MEMBER" 10 --tender cheque --reason x
expect_exit "prepaid topup with an unknown tender" 2 "--tender"

# ---- tiers ----
ctl member tiers "$MEMBER" --json
check "member tiers" test "$RC/$(jq -r .tier <<<"$OUT")" = "0/Member"
ctl member tiers 999999
expect_exit "member tiers of an unknown member" 1 "member_not_found"
ctl tier review --json --idempotency-key cli-review-1
check "tier review" test "$RC/$(jq -r 'has("members_reviewed")' <<<"$OUT")" = "0/true"
ctl tier review --idempotency-key cli-adjust-1
expect_exit "tier review with a key used for another request" 1 "idempotency_key_reused"

# ---- cards ----
ctl card issue "$MEMBER" --json
CARD=$(jq -r .card_no <<<"$OUT")
check "card issue" test "$RC/${#CARD}" = "0/16"
ctl card issue 999999
expect_exit "card issue to an unknown member" 1 "member_not_found"
ctl card extend "$CARD" --days 30 --json
check "card extend" test "$RC/$(jq -r .days <<<"$OUT")" = "0/30"
ctl card pin-reset "$CARD" --json
check "card pin-reset gives an 8-digit code" test "$RC/$(jq -r '.reset_code | length' <<<"$OUT")" = "0/8"
ctl card lost "$CARD" --reason "left on the bus" --json
check "card lost" test "$RC/$(jq -r .card_status <<<"$OUT")" = "0/lost"
ctl card extend "$CARD" --days 30
expect_exit "card extend of a lost card" 1 "423 card_lost"
ctl card replace "$CARD" --json
NEW_CARD=$(jq -r .card_no <<<"$OUT")
check "card replace gives a new number" test "$RC/$(jq -r .replaced_card_no <<<"$OUT")" = "0/$CARD"
ctl card replace "$CARD"
expect_exit "card replace of a replaced card" 1 "card_replaced"
ctl card lost 4111111111111111
expect_exit "card lost of an unknown card" 1 "404 card_not_found"
ctl card pin-reset 1234
expect_exit "card pin-reset of a malformed number" 2 "CARD_NO"
ctl card batch --count 3 --out "$LTY_TMP/printed.csv"
check "card batch writes the numbers" test "$RC/$(tail -n +2 "$LTY_TMP/printed.csv" | wc -l)" = "0/3"
ctl card batch --count 0 --out "$LTY_TMP/none.csv"
expect_exit "card batch of zero cards" 2 "--count"

# ---- member close: dry run, then for real, then refused ----
D3=$(digest)
ctl member close "$MEMBER" --reason "moved away" --payout cash --dry-run --json
check "member close --dry-run says what would be paid out and forfeited" \
    test "$RC/$(jq -r .prepaid_paid_out_cents <<<"$OUT")/$(jq -r .points_forfeited <<<"$OUT")" = "0/10050/400"
check "member close --dry-run changed nothing (digest)" test "$(digest)" = "$D3"
ctl member close "$MEMBER" --reason "moved away" --payout cash --json
check "member close" test "$RC/$(jq -r .status <<<"$OUT")" = "0/closed"
ctl member close "$MEMBER" --reason "again" --payout cash
expect_exit "member close of a closed account" 1 "410 account_closed"
ctl member close "$MEMBER" --reason "again" --payout cheque
expect_exit "member close with an unknown payout" 2 "--payout"
ctl card issue "$MEMBER"
expect_exit "card issue to a closed account" 1 "account_closed"

# ---- connection failures: exit 3 and the key to re-run with ----
ctl --port 1 member show "$MEMBER"
expect_exit "no daemon on that port" 3 "network error"
ctl --port 1 points adjust 1 5 --reason x
expect_exit "a lost changing command names no key it never sent" 3
ctl health
check "health (earlier spelling)" test "$RC/$(jq -r .status <<<"$OUT" 2>/dev/null || echo "$OUT")" != "1"
ctl unknown-noun verb
expect_exit "an unknown command" 2 "unknown command"
lty_finish
