#!/usr/bin/env bash
# Goal: every error code in schema/errors.def is reached by at least one test that asserts it
# (STYLE.md: "every error code in errors.def, reached by at least one test"), so a code cannot
# be added, or stop being produced, without a test noticing.
# Method: for each code, look in tests/ for an assertion line (assert/expect/check) naming its
# wire code or its LTY_E_ constant. A short allowlist names the codes no black-box test can
# reach, each with its reason.
set -uo pipefail
: "${LTY_SOURCE_DIR:?}"
declare -A allowed=(
    [out_of_memory]="needs allocation failure; the code path is the same as any refusal"
    [network_timeout]="client-only; a timeout needs a peer that stalls mid-response"
)
passed=0
failed=0
while read -r name code; do
    if grep -rhE "\\b$code\\b|LTY_E_$name\\b" "$LTY_SOURCE_DIR/tests" --include=*.c --include=*.sh |
        grep -v 'test_error_coverage' | grep -E 'assert|expect|check' >/dev/null; then
        # (not grep -q: its early exit can SIGPIPE the first grep, and pipefail then says "no")
        passed=$((passed + 1))
    elif [[ -n "${allowed[$code]:-}" ]]; then
        passed=$((passed + 1))
        echo "# $code not reached: ${allowed[$code]}"
    else
        failed=$((failed + 1))
        echo "not ok - error code $code ($name) is asserted by no test"
    fi
done < <(grep -E '^LTY_ERR\(' "$LTY_SOURCE_DIR/schema/errors.def" |
    sed -E 's/^LTY_ERR\(([A-Z_0-9]+), *-?[0-9]+, *[0-9]+, *"([a-z_]+)".*/\1 \2/')
for code in "${!allowed[@]}"; do
    grep -q "\"$code\"" "$LTY_SOURCE_DIR/schema/errors.def" ||
        { failed=$((failed + 1)); echo "not ok - allowlisted $code is no longer in errors.def"; }
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
