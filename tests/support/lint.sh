# tests/support/lint.sh: the helpers of tests/lint/test_*.sh (sourced, never run): a check that
# counts, and the closing line. Lint scripts read the source tree only (no build, no daemon).
set -uo pipefail
: "${LTY_SOURCE_DIR:?LTY_SOURCE_DIR must point at the source directory}"
passed=0
failed=0

# check NAME STATUS DETAIL: ok when STATUS is 0, else not ok with DETAIL indented below.
check() {
    if [[ "$2" == 0 ]]; then
        passed=$((passed + 1)); echo "ok - $1"
    else
        failed=$((failed + 1)); echo "not ok - $1"; printf '%s\n' "$3" | sed 's/^/#   /'
    fi
}

# lint_finish: the closing "N passed, N failed" line; the exit status is the verdict.
lint_finish() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}
