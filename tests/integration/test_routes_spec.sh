#!/usr/bin/env bash
# Goal: the routes the daemon serves (schema/routes.def) and the published contract
# (schema/openapi.yaml) list exactly the same method+path pairs, and every error code the
# daemon can answer with is listed in schema/errors.def with a unique wire code.
# Method: extract both sets as text and compare them.
set -uo pipefail
: "${LTY_SOURCE_DIR:?}"
routes=$(grep -E '^LTY_ROUTE\(' "$LTY_SOURCE_DIR/schema/routes.def" |
    sed -E 's/^LTY_ROUTE\(([A-Z]+), *"([^"]+)".*/\1 \2/' | sort)
spec=$(awk '
    /^  \/[^ ]*:$/ { path = $1; sub(/:$/, "", path); next }
    /^    (get|post|put|patch|delete):/ { method = toupper($1); sub(/:$/, "", method); print method " " path }
' "$LTY_SOURCE_DIR/schema/openapi.yaml" | sort)
passed=0
failed=0
if [[ "$routes" == "$spec" && -n "$routes" ]]; then
    passed=$((passed + 1)); echo "ok 1 - routes.def and openapi.yaml list the same $(wc -l <<<"$routes") routes"
else
    failed=$((failed + 1)); echo "not ok 1 - routes differ:"; diff <(echo "$routes") <(echo "$spec")
fi
codes=$(grep -E '^LTY_ERR\(' "$LTY_SOURCE_DIR/schema/errors.def" | sed -E 's/.*"([a-z_]+)", *".*/\1/' | sort)
if [[ -z "$(uniq -d <<<"$codes")" && $(wc -l <<<"$codes") -ge 40 ]]; then
    passed=$((passed + 1)); echo "ok 2 - $(wc -l <<<"$codes") unique wire codes in errors.def"
else
    failed=$((failed + 1)); echo "not ok 2 - duplicate or missing wire codes"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
