#!/usr/bin/env bash
# Goal: code, schema, scripts, tests, bench and docs name things after what they do, never after
# the work item that brought them (STYLE.md): no "issue N", "issues N and M", "issue-N",
# "work item N" or "(#N)" in daemon/, common/, admin-cli/, pos-plugin/, schema/, scripts/,
# bench/, tests/ (tests/data's third-party corpora aside), docs/ or README.md.
# Method: grep every text file there (node_modules skipped) and list each hit as file:line. The
# CLI's own verb is not a reference: "card issue 7" (loyaltyctl card issue COUNT) is allowed.
: "${LTY_SOURCE_DIR:?}"
source "$LTY_SOURCE_DIR/tests/support/lint.sh"
cd "$LTY_SOURCE_DIR" || exit 1

# "issue"/"issues" then a number (after a space or hyphen, with or without #), "work item" then a
# number, or a bare number in "(#...)"; but "card issue" then a number is the CLI's verb.
pattern='(?<!card )\b[Ii]ssues?[ -]#?[0-9]|\b[Ww]ork[- ]items? #?[0-9]|\(#[0-9]{1,5}\)'
roots=(daemon common admin-cli pos-plugin schema scripts bench tests docs README.md)

files=$(find "${roots[@]}" -name node_modules -prune -o -path tests/data -prune -o -type f -print \
    2>/dev/null | wc -l)
hits=$(grep -rnIP --exclude-dir=node_modules -e "$pattern" -- "${roots[@]}" 2>/dev/null \
    | grep -v '^tests/data/' | cut -c1-160)
check "$files files searched: no work-item reference (name the capability instead)" \
    "$([[ -z "$hits" && $files -gt 100 ]] && echo 0 || echo 1)" "$hits"

lint_finish
