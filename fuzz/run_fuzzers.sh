#!/usr/bin/env bash
# Runs every libFuzzer binary BUILD_DIR/fuzz/*_fuzz for SECONDS each.
#   fuzz/run_fuzzers.sh BUILD_DIR SECONDS
# Seeds come from fuzz/corpus/<name>/ (name = binary without "_fuzz"; optional) and are copied into
# a temporary corpus, so the repository is never modified. Crash/leak/timeout inputs are kept in
# $OSPREY_FUZZ_ARTIFACTS (default: a temp dir, printed). Exits non-zero when any fuzzer finds one.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
repo_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/osprey-fuzz.XXXXXX")
artifacts=${OSPREY_FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$artifacts"

shopt -s nullglob
binaries=("$build_dir"/fuzz/*_fuzz)
if [ ${#binaries[@]} -eq 0 ]; then
  echo "no *_fuzz binaries in $build_dir/fuzz (configure with -DOSPREY_FUZZ=ON and build them)" >&2
  exit 2
fi

failed=()
for bin in "${binaries[@]}"; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  name=${name%_fuzz}
  corpus="$work/corpus-$name"
  mkdir -p "$corpus"
  seeds="$repo_dir/fuzz/corpus/$name"
  if [ -d "$seeds" ]; then
    cp -r "$seeds"/. "$corpus"/
  fi
  n_seeds=$(find "$corpus" -type f | wc -l)
  echo "== $name: ${seconds}s, $n_seeds seed file(s)"
  log="$work/$name.log"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "$corpus" >"$log" 2>&1
  rc=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|Done [0-9]+ runs" "$log" | sed 's/^/   /'
  if [ $rc -ne 0 ]; then
    echo "!! $name FAILED (exit $rc); log: $log; artifacts: $artifacts" >&2
    grep -E "ERROR|SUMMARY|invariant|Test unit written" "$log" | head -20 | sed 's/^/   /' >&2
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzers with findings: ${failed[*]}" >&2
  exit 1
fi
echo "all fuzzers ran clean (logs in $work)"
