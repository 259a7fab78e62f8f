#!/usr/bin/env bash
# Runs one libFuzzer target for $OSPREY_FUZZ_SECONDS (default 60) from $OSPREY_FUZZ_BUILD/fuzz/<name>,
# seeded from fuzz/corpus/<name>/ when that folder exists. Exit 77 (skip) when no fuzz tree was built.
set -u
name="$1"
build="${OSPREY_FUZZ_BUILD:-}"
secs="${OSPREY_FUZZ_SECONDS:-60}"
if [ -z "$build" ] || [ ! -d "$build" ]; then
  echo "skip: OSPREY_FUZZ_BUILD is not set to a fuzz build tree (scripts/test.sh builds one)"
  exit 77
fi
bin="$build/fuzz/$name"
if [ ! -x "$bin" ]; then
  echo "FAIL: fuzz binary $bin is missing although the fuzz tree exists"
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
seeds="fuzz/corpus/${name%_fuzz}"
[ -d "$seeds" ] && cp -r "$seeds/." "$work/corpus/" 2>/dev/null
export OSPREY_SOURCE_DIR="$PWD"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>"$work/log"
rc=$?
tail -n 15 "$work/log"
if [ $rc -ne 0 ]; then
  echo "FAIL: $name found a problem (exit $rc); crashing inputs:"
  ls -la "$work/artifacts"
  for f in "$work/artifacts"/*; do [ -f "$f" ] && xxd "$f" | head -20; done
  exit 1
fi
echo "ok: $name ran ${secs}s without a finding"
