#!/usr/bin/env bash
# Goal: loyaltyctl's --help, its man page and its bash completion come from one command table
# and never disagree: every command's --help usage line and summary are in the rendered man page,
# every command the man page lists answers --help, --help works at every level (program, noun,
# command) with exit 0 and a usage error exits 2, the completion offers the nouns, verbs and
# options, and `cmake --install` installs the binary, the man page and the completion.
# Method: the built binary, groff to render the generated man page, bash to load the completion.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
MAN="$LTY_BUILD_DIR/admin-cli/loyaltyctl.1"
check "the build generated the man page" test -s "$MAN"
check "the build generated the man page from this binary" cmp -s "$MAN" <("$LOYALTYCTL" --man)
RENDERED=$(groff -man -Tascii -P-cbou -rLL=400n "$MAN" 2>/dev/null | sed 's/  */ /g')
check "the man page renders (groff)" test -n "$RENDERED"

"$LOYALTYCTL" --help >"$LTY_TMP/help.txt"
check "loyaltyctl --help exits 0" test $? -eq 0
mapfile -t COMMANDS < <(sed -n '/^commands:/,/^$/p' "$LTY_TMP/help.txt" | awk 'NF >= 2 && /^  / {print $1 " " $2}')
check "the program help lists the commands (${#COMMANDS[@]})" test "${#COMMANDS[@]}" -ge 30
missing=()
for command in "${COMMANDS[@]}"; do
    # shellcheck disable=SC2086
    usage=$("$LOYALTYCTL" $command --help | head -1 | sed 's/^usage: //; s/  */ /g')
    summary=$(awk -v c="$command" 'substr($0, 3, length(c)) == c { sub(/^  [^ ]+ [^ ]+ +/, ""); print; exit }' "$LTY_TMP/help.txt")
    if ! grep -qF -- "$usage" <<<"$RENDERED" || ! grep -qF -- "$summary" <<<"$RENDERED"; then
        missing+=("$command")
    fi
done
check "every command's --help usage and summary are in the man page" test -z "${missing[*]}"
[[ -z "${missing[*]}" ]] || echo "#   missing: ${missing[*]}"

# Every command the man page lists exists and explains itself.
mapfile -t MAN_USAGES < <(grep -A1 '^\.TP' "$MAN" | grep '^\.B loyaltyctl ' | sed 's/^\.B //; s/\\-/-/g' )
unknown=()
for usage in "${MAN_USAGES[@]}"; do
    read -r _ noun verb _ <<<"$usage"
    [[ "$verb" == -* || "$verb" == [A-Z]* || -z "$verb" ]] && verb=""
    # shellcheck disable=SC2086
    "$LOYALTYCTL" $noun $verb --help >/dev/null 2>&1 || unknown+=("$noun $verb")
done
check "every command of the man page answers --help (${#MAN_USAGES[@]})" test -z "${unknown[*]}"

"$LOYALTYCTL" member --help >"$LTY_TMP/noun.txt"
check "noun --help: exit 0 and its verbs" bash -c "[[ $? == 0 ]] && grep -q '^  import ' '$LTY_TMP/noun.txt'"
"$LOYALTYCTL" member >/dev/null 2>&1
check "a noun without a verb: usage, exit 2" test $? -eq 2
"$LOYALTYCTL" >/dev/null 2>&1
check "no command: usage, exit 2" test $? -eq 2
"$LOYALTYCTL" member create --bogus >/dev/null 2>&1
check "an unknown option: exit 2" test $? -eq 2
"$LOYALTYCTL" init --help | head -1 | grep -q '^usage: loyaltyctl init DIR'
check "an earlier spelling explains itself" test $? -eq 0
grep -q '^\.SH EXIT STATUS' "$MAN" && grep -q '^\.SH IDEMPOTENCY' "$MAN"
check "the man page documents exit codes and idempotency keys" test $? -eq 0

# Completion: load it in bash and complete a few words.
COMPLETION="$LTY_BUILD_DIR/admin-cli/loyaltyctl.bash"
complete_words() { # complete_words WORD... : what the completion offers for the last word
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));
             _loyaltyctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@"
}
check "completion: the nouns" bash -c "grep -qx member <<<\"\$0\" && grep -qx report <<<\"\$0\"" "$(complete_words loyaltyctl "")"
check "completion: the segment, events and webhook nouns" bash -c "grep -qx segment <<<\"\$0\" && grep -qx events <<<\"\$0\" && grep -qx webhook <<<\"\$0\"" "$(complete_words loyaltyctl "")"
check "completion: a webhook's verbs" bash -c "grep -qx dead-letters <<<\"\$0\"" "$(complete_words loyaltyctl webhook "")"
check "completion: the verbs of a noun" bash -c "grep -qx import <<<\"\$0\"" "$(complete_words loyaltyctl member "")"
check "completion: the options of a command" bash -c "grep -qx -- --rejects <<<\"\$0\"" "$(complete_words loyaltyctl member import --)"

# cmake --install puts the three where a person finds them.
PREFIX="$LTY_TMP/prefix"
cmake --install "$LTY_BUILD_DIR" --prefix "$PREFIX" --component Unspecified >/dev/null 2>&1 ||
    cmake --install "$LTY_BUILD_DIR" --prefix "$PREFIX" >/dev/null 2>&1
check "installed: bin/loyaltyctl" test -x "$PREFIX/bin/loyaltyctl"
check "installed: the man page" test -s "$PREFIX/share/man/man1/loyaltyctl.1"
check "installed: the bash completion" test -s "$PREFIX/share/bash-completion/completions/loyaltyctl"
echo "$LTY_PASSED passed, $LTY_FAILED failed"
[[ $LTY_FAILED -eq 0 ]]
