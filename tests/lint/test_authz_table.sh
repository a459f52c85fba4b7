#!/usr/bin/env bash
# Goal: schema/authz-matrix.tsv lists exactly the routes of schema/routes.def (so a new route
# without a matrix row fails CI), with one known outcome per principal, and agrees with each
# route's realm and roles columns (so the table and the dispatcher cannot drift apart).
# Method: read both files as text; derive from routes.def what each principal must get (public:
# 2xx; no credential: 401; wrong realm: 403; admin routes: 2xx for the listed roles, 403 for the
# others; tls for the revoked, expired and foreign certificates; on the portal's listener, which
# asks for no certificate: pages and login 2xx for all, member routes 401 without a session) and
# compare cell by cell. Till cells of till routes may also be 403 (till scoping is the walk's to
# prove).
: "${LTY_SOURCE_DIR:?}"
source "$LTY_SOURCE_DIR/tests/support/lint.sh"
ROUTES="$LTY_SOURCE_DIR/schema/routes.def"
MATRIX="$LTY_SOURCE_DIR/schema/authz-matrix.tsv"
PRINCIPALS_WANTED="till_a till_b viewer supervisor marketing finance admin member_a member_b anonymous revoked expired foreign_ca"

header=$(grep -v '^#' "$MATRIX" | head -1)
principals=$(cut -f3- <<<"$header" | tr '\t' ' ')
check "the table's principals are: $PRINCIPALS_WANTED" \
    "$([[ "$principals" == "$PRINCIPALS_WANTED" && "$(cut -f1-2 <<<"$header")" == $'method\tpath' ]] \
        && echo 0 || echo 1)" "found: $(cut -f1-2 <<<"$header" | tr '\t' ' ') $principals"

routes=$(grep -E '^LTY_ROUTE\(' "$ROUTES" | sed -E 's/^LTY_ROUTE\(([A-Z]+), *"([^"]+)".*/\1 \2/' | sort)
table=$(grep -v '^#' "$MATRIX" | tail -n +2 | cut -f1-2 | tr '\t' ' ' | sort)
check "authz-matrix.tsv lists exactly the $(wc -l <<<"$routes") routes of routes.def" \
    "$([[ -n "$routes" && "$routes" == "$table" ]] && echo 0 || echo 1)" \
    "$(diff <(echo "$routes") <(echo "$table") | grep '^[<>]' | sed 's/^</missing from the table:/; s/^>/not in routes.def:/')"

# expected REALM ROLES PRINCIPAL: WANT is the outcome routes.def implies ("2xx|403" for till
# cells of till routes: scoping may refuse; a member's own session on member routes may still
# meet a 4xx of the route's own). No subshells: this runs 13 times per route.
expected() {
    local realm=$1 roles=$2 principal=$3
    # The portal's listener asks for no certificate: its routes see sessions, never certificates.
    case "$realm:$principal" in
    PORTAL:*) WANT=2xx; return ;;
    MEMBER:member_a | MEMBER:member_b) WANT="2xx|4xx|403|404"; return ;;
    MEMBER:*) WANT=401; return ;;
    esac
    case "$principal" in revoked | expired | foreign_ca) WANT=tls; return ;; esac
    [[ "$realm" == PUBLIC || "$realm" == ANY ]] && { WANT=2xx; return; }
    case "$principal" in member_a | member_b | anonymous) WANT=401; return ;; esac
    case "$realm:$principal" in
    TILL:till_a | TILL:till_b) WANT="2xx|403" ;;
    TILL:* | ADMIN:till_a | ADMIN:till_b) WANT=403 ;;
    ADMIN:*) if [[ " $roles " == *" $principal "* ]]; then WANT=2xx; else WANT=403; fi ;;
    *) WANT="unknown realm $realm" ;;
    esac
}

declare -A table_rows
while IFS= read -r line; do
    [[ "$line" == "#"* || "$line" == method$'\t'* ]] && continue
    IFS=$'\t' read -r method path rest <<<"$line"
    table_rows["$method $path"]=$rest
done <"$MATRIX"

route_re='^LTY_ROUTE\(([A-Z]+), *"([^"]+)", *[a-z_]+, *([A-Z]+),.*, *"([^"]*)"\) *$'
problems=""
cells=0
while IFS= read -r line; do
    [[ "$line" =~ $route_re ]] || { problems+="unreadable routes.def line: $line"$'\n'; continue; }
    method=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]} realm=${BASH_REMATCH[3]}
    roles=${BASH_REMATCH[4]}
    if [[ "$realm" == ADMIN ]]; then
        for role in $roles; do
            case "$role" in viewer | supervisor | marketing | finance | admin) ;;
            *) problems+="$method $path: routes.def names an unknown role \"$role\""$'\n' ;; esac
        done
        [[ " $roles " == *" admin "* ]] || problems+="$method $path: admin may not call it"$'\n'
    elif [[ "$roles" != "-" ]]; then
        problems+="$method $path: a $realm route lists roles \"$roles\" (only admin routes do)"$'\n'
    fi
    [[ -n "${table_rows["$method $path"]:-}" ]] || continue # reported above
    IFS=$'\t' read -r -a cells_of_row <<<"${table_rows["$method $path"]}"
    index=0
    for principal in $PRINCIPALS_WANTED; do
        got=${cells_of_row[$index]:-}
        expected "$realm" "$roles" "$principal"
        cells=$((cells + 1))
        if [[ ! "$got" =~ ^($WANT)$ ]]; then
            problems+="$method $path as $principal: the table says \"$got\", routes.def implies $WANT"$'\n'
        fi
        index=$((index + 1))
    done
    [[ ${#cells_of_row[@]} -eq 13 ]] || problems+="$method $path: ${#cells_of_row[@]} cells, not 13"$'\n'
done < <(grep -E '^LTY_ROUTE\(' "$ROUTES")
check "$cells cells agree with routes.def's realm and roles columns" \
    "$([[ -z "$problems" && $cells -gt 0 ]] && echo 0 || echo 1)" "$problems"
lint_finish
