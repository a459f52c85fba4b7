#!/usr/bin/env bash
# Goal: `loyaltyctl member import` migrates members with cards, phones, tiers and opening
# balances: every row checked, good rows imported, each bad row in the rejects file with its
# reason (bad phone, duplicate card, bad check digit, negative balance, unknown tier, invalid
# UTF-8, a missing column, a taken phone); a re-run adds nothing; a dry run changes nothing;
# opening balances are migration entries that verify and the liability report see; the tier
# survives the review; `member export` writes the same columns back.
# Method: the real daemon, loyaltyctl, jq; verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

ctl card batch --count 1 --out "$LTY_TMP/printed.csv"
PRINTED=$(sed -n 2p "$LTY_TMP/printed.csv")
FILE="$LTY_TMP/members.csv"
{
    echo "name,phone,email,card_no,tier,points,prepaid_cents"
    echo "Alice Wong,+8613710000001,alice@example.com,4111111111111111,Gold,1200,5000"
    echo "\"Bob, Jr.\",+8613710000002,,,,300,"
    echo "Carol,+86137bad,,,,,"                                   # bad phone
    echo "Dan,+8613710000004,,4111111111111111,,,"                # card taken (Alice's)
    echo "Eve,+8613710000005,,4111111111111112,,,"                # check digit
    echo "Frank,+8613710000006,,,,-5,"                            # negative balance
    echo "Grace,+8613710000007,,,Diamond,,"                       # unknown tier
    printf 'Hen\xffry,+8613710000008,,,,,\n'                      # invalid UTF-8
    echo "Ivy,+8613710000009,,,Silver,10"                         # a missing column
    echo "Jack,+8613710000001,,,,,"                               # phone taken (Alice's)
    echo "Kim,+8613710000011,,$PRINTED,silver,0,100"              # a printed card, taken over
} >"$FILE"
ctl member import "$FILE" --rejects "$LTY_TMP/rejects.csv"
expect_exit "import with bad rows exits 1" 1
check "the summary: 11 rows, 3 created, 8 rejected" bash -c "grep -q '^11 rows: 3 created, 8 rejected' <<<\"\$0\"" "$OUT"
REJECTS="$LTY_TMP/rejects.csv"
check "the rejects file: the header with a reason column" \
    test "$(head -1 "$REJECTS")" = "name,phone,email,card_no,tier,points,prepaid_cents,reason"
reason() { grep -a "^$1," "$REJECTS" | sed 's/.*,//'; }
check "bad phone rejected: invalid_field at phone" bash -c "[[ '$(reason Carol)' == *invalid_field*phone* ]]"
check "duplicate card rejected: card_taken" bash -c "[[ '$(reason Dan)' == card_taken* ]]"
check "bad check digit rejected: invalid_card_no" bash -c "[[ '$(reason Eve)' == invalid_card_no* ]]"
check "negative balance rejected at points" bash -c "[[ '$(reason Frank)' == *invalid_field*points* ]]"
check "unknown tier rejected, naming the tiers" bash -c "[[ \"\$(grep -a '^Grace,' '$REJECTS')\" == *'unknown tier'* ]]"
check "invalid UTF-8 rejected" test "$(grep -ac 'invalid_utf8' "$REJECTS")" = 1
check "a missing column rejected" test "$(grep -a '^Ivy,' "$REJECTS" | grep -c missing_column)" = 1
check "a taken phone rejected: phone_taken" bash -c "[[ '$(reason Jack)' == phone_taken* ]]"
check "the rejected rows repeat the input as it was" test "$(grep -c '^Frank,+8613710000006,,,,-5,,' "$REJECTS")" = 1

ctl member search --phone +8613710000001 --json
ALICE=$(jq -r '.members[0].member_id' <<<"$OUT")
ctl member show "$ALICE" --json
check "Alice: Gold, 1200 points, 50.00 prepaid, her card active" \
    test "$(jq -r '"\(.tier)/\(.points)/\(.prepaid_cents)/\(.cards[0].card_no)/\(.cards[0].card_status)"' <<<"$OUT")" = "Gold/1200/5000/4111111111111111/active"
ctl member journal "$ALICE" --json
check "her opening balances are one migration entry" \
    test "$(jq -r '[.entries[] | select(.kind == "migration")] | length' <<<"$OUT")/$(jq -r '.entries[0].postings | length' <<<"$OUT")" = "1/4"
ctl member search --phone +8613710000011 --json
KIM=$(jq -r '.members[0].member_id' <<<"$OUT")
ctl member show "$KIM" --json
check "Kim took over the printed card, Silver (case-insensitive)" \
    test "$(jq -r '"\(.tier)/\(.cards[0].card_no)/\(.cards[0].card_status)"' <<<"$OUT")" = "Silver/$PRINTED/active"
ctl tier review --json
ctl member tiers "$ALICE" --json
check "the imported tier survives the review (history: migration)" \
    test "$(jq -r '"\(.tier)/\(.history[0].reason)"' <<<"$OUT")" = "Gold/migration"
ctl report liability --json
check "the liability report counts the opening balances" \
    test "$(jq -r '.by_tier[] | select(.tier == "Gold") | .points' <<<"$OUT")" = 1200

# A re-run of the same file adds nothing: the same answers, replayed.
MEMBERS_BEFORE=$("$LOYALTYCTL" stats "$LTY_DATA" --json | jq '.databases[] | select(.name == "members") | .records')
D0=$(digest)
cp "$REJECTS" "$LTY_TMP/rejects.first"
ctl member import "$FILE" --rejects "$REJECTS"
check "a re-run is answered from the first run" bash -c "grep -q '(1 answered from an earlier run' <<<\"\$0\"" "$OUT"
check "a re-run adds no member and changes nothing (digest)" \
    test "$("$LOYALTYCTL" stats "$LTY_DATA" --json | jq '.databases[] | select(.name == "members") | .records')/$(digest)" = "$MEMBERS_BEFORE/$D0"
check "a re-run writes the same rejects" cmp -s "$REJECTS" "$LTY_TMP/rejects.first"

# A dry run: what would be created, nothing changed.
{
    echo "phone,name,email,card_no,tier,points,prepaid_cents"                # columns in any order
    for i in $(seq 1 1200); do printf '+86136%08d,Bulk %d,,,,%d,\n' "$i" "$i" "$i"; done
} >"$LTY_TMP/bulk.csv"
ctl member import "$LTY_TMP/bulk.csv" --dry-run
check "import --dry-run: 1200 would be created, exit 0" bash -c "[[ $RC == 0 && \"\$0\" == *'1200 would be created'* ]]" "$OUT"
check "import --dry-run changed nothing (digest)" test "$(digest)" = "$D0"
check "progress lines when stderr is not a terminal" bash -c "grep -q '^import: 1200/1200 rows (100%)' <<<\"\$0\"" "$ERR"
ctl member import "$LTY_TMP/bulk.csv" --batch 400
check "1200 members in 3 requests of 400" bash -c "[[ $RC == 0 && \"\$0\" == *'1200 created, 0 rejected'*'3 requests'* ]]" "$OUT"

# Export writes the same columns back.
ctl member export "$LTY_TMP/export.csv"
check "member export: header and every active member" \
    test "$RC/$(head -1 "$LTY_TMP/export.csv")/$(($(wc -l <"$LTY_TMP/export.csv") - 1))" = "0/name,phone,email,card_no,tier,points,prepaid_cents/$((6 + 3 + 1200))"
check "the exported line of Alice equals her imported line" \
    test "$(grep '^Alice Wong,' "$LTY_TMP/export.csv")" = "Alice Wong,+8613710000001,alice@example.com,4111111111111111,Gold,1200,5000"
check "a quoted name comes back quoted" test "$(grep -c '^"Bob, Jr.",+8613710000002,,,Member,300,0$' "$LTY_TMP/export.csv")" = 1

ctl member export "$LTY_TMP/no/such/folder/export.csv"
expect_exit "member export into a folder that does not exist" 1 "cannot create"
printf 'name,phone,email\nA,+8613500000001,\n' >"$LTY_TMP/short.csv"
ctl member import "$LTY_TMP/short.csv"
expect_exit "a header without every column" 2 "no column card_no"
ctl member import "$LTY_TMP/none.csv"
expect_exit "a file that does not exist" 1 "cannot read"
lty_finish
