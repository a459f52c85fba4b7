#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time over its committed seed corpus.
# usage: run.sh BINARY SEED_DIR SECONDS
# New inputs go to a scratch directory (the committed corpus is only read); a crash leaves its
# reproducer in the build directory and fails the test.
set -euo pipefail
binary=$1 seeds=$2 seconds=${3:-20}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$(dirname "$binary")/" "$scratch" "$seeds" 2>&1 | tail -25
