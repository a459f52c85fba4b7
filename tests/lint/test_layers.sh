#!/usr/bin/env bash
# Goal: the daemon's layers depend one way only (docs/architecture.md), so the include graph
# has no circle between files of different layers, and each third-party library is seen by the
# one file (or folder) that owns it.
# Method: read every quoted #include of daemon/src, resolve it to the folder that holds the
# named header, and compare layer ranks: top (main, config, scheduler) > net > api > domain >
# store. A file may include its own layer, a lower one, common's lty/ headers and schema/*.def.
: "${LTY_SOURCE_DIR:?}"
source "$LTY_SOURCE_DIR/tests/support/lint.sh"
src="$LTY_SOURCE_DIR/daemon/src"
rank() {
    case "$1" in
    store) echo 0 ;; domain) echo 1 ;; api) echo 2 ;; net) echo 3 ;; top) echo 4 ;; *) echo -1 ;;
    esac
}
layer_of_file() { # path relative to daemon/src
    case "$1" in */*) echo "${1%%/*}" ;; *) echo top ;; esac
}
# Where each header lives: "name layer".
declare -A header_layer
while IFS= read -r path; do
    rel=${path#"$src"/}
    header_layer[$(basename "$rel")]=$(layer_of_file "$rel")
done < <(find "$src" -name '*.h')

violations=""
files=0
edges=0
while IFS= read -r path; do
    rel=${path#"$src"/}
    from=$(layer_of_file "$rel")
    files=$((files + 1))
    while IFS= read -r name; do
        case "$name" in lty/*|*.def) continue ;; esac
        to=${header_layer[$name]:-}
        if [[ -z "$to" ]]; then
            violations+="$rel includes \"$name\", which is in no layer of daemon/src"$'\n'
            continue
        fi
        edges=$((edges + 1))
        if (($(rank "$to") > $(rank "$from"))); then
            violations+="$rel ($from) includes $name ($to): a lower layer must not use a higher one"$'\n'
        fi
    done < <(sed -nE 's/^#include "([^"]+)".*/\1/p' "$path")
done < <(find "$src" -name '*.c' -o -name '*.h' | sort)
check "$files files, $edges includes between daemon headers: every one points down or sideways" \
    "$([[ -z "$violations" && $edges -gt 50 ]] && echo 0 || echo 1)" "$violations"

# The circles the layers forbid would also show in the link: no layer library names a higher one.
cmake_bad=""
for pair in "store:lty_domain lty_api lty_net" "domain:lty_api lty_net" "api:lty_net"; do
    layer=${pair%%:*}
    for lib in ${pair#*:}; do
        if grep -q "target_link_libraries(lty_$layer .*\b$lib\b" "$src/$layer/CMakeLists.txt"; then
            cmake_bad+="lty_$layer links $lib"$'\n'
        fi
    done
done
check "no layer library links a higher layer's library" "$([[ -z "$cmake_bad" ]] && echo 0 || echo 1)" \
    "$cmake_bad"

# One owner per third-party library (STYLE.md "one file per third-party library").
owners() { # owners HEADER_REGEX: files of the repository that include it
    git -C "$LTY_SOURCE_DIR" grep -lE "^#include <$1" -- '*.c' '*.h' 2>/dev/null | sort | tr '\n' ' '
}
lmdb=$(owners 'lmdb\.h>')
check "lmdb.h is included by daemon/src/store/store.c only (found: $lmdb)" \
    "$([[ "$lmdb" == "daemon/src/store/store.c " ]] && echo 0 || echo 1)" "$lmdb"
uv=$(owners 'uv\.h>')
uv_bad=$(tr ' ' '\n' <<<"$uv" | grep -vE '^(daemon/src/net/|$)' || true)
check "uv.h is included by the network layer only" "$([[ -z "$uv_bad" ]] && echo 0 || echo 1)" \
    "$uv_bad"
llhttp=$(owners 'llhttp\.h>')
check "llhttp's header is included by common/src/lty_http1.c only (found: $llhttp)" \
    "$([[ "$llhttp" == "common/src/lty_http1.c " ]] && echo 0 || echo 1)" "$llhttp"
mbedtls=$(owners 'mbedtls/')
mbedtls_bad=$(tr ' ' '\n' <<<"$mbedtls" | grep -vE '^(common/src/tls/|$)' || true)
check "mbedTLS headers are included under common/src/tls/ only (the seam)" \
    "$([[ -z "$mbedtls_bad" && -n "$mbedtls" ]] && echo 0 || echo 1)" "$mbedtls_bad"
nats=$(owners 'nats/nats\.h>')
check "nats.h is included by daemon/src/store/replication.c only (found: $nats)" \
    "$([[ "$nats" == "daemon/src/store/replication.c " ]] && echo 0 || echo 1)" "$nats"
lint_finish
