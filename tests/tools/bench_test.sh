#!/usr/bin/env bash
# Script tests of `osprey bench` against the real binary (registered in tests.cmake), issue #6:
# llama-bench's flags and JSON field names, every result against the machine's measured ceiling,
# --batched, and refusal of bad or unsupported flags. Tiny runs on ../shared/models/stories260K.gguf
# (or $OSPREY_SHARED); every invocation also measures the machine first (~2-3 s, no flag shortens it).
# usage: bench_test.sh OSPREY SOURCE_DIR CASE      CASE: md | json | csv | jsonl | errors
. "$(dirname "$0")/../support/script_prelude.sh"
model="$shared/models/stories260K.gguf"
[ -f "$model" ] || { echo "shared material missing: $model"; exit 0; }
command -v python3 > /dev/null || { echo "python3 missing: cannot parse bench output"; exit 0; }
# A second -m: the same weights under another name, so rows can be told apart by model_filename.
ln -s "$model" "$work/copy.gguf"

# bench ARGS...: runs osprey bench, stdout to $work/out, stderr to $work/err; fails on a non-zero exit.
bench() {
  echo "+ osprey bench $*"
  "$osprey" bench "$@" > "$work/out" 2> "$work/err"; local rc=$?
  cat "$work/out"; cat "$work/err" >&2
  [ $rc -eq 0 ] || fail "osprey bench $* exited $rc"
}
# check SCRIPT: python3 reading $work/out (stdout), $work/err; argv[1] = model, argv[2] = copy.
check() { python3 - "$model" "$work/copy.gguf" "$work/out" "$work/err" || fail "$1"; }

# Fields (and JSON types) of llama-bench's JSON that osprey writes, then osprey's roofline fields.
fields_py='
LLAMA_BENCH = {"build_commit": str, "build_number": int, "cpu_info": str, "gpu_info": str, "backends": str,
               "model_filename": str, "model_type": str, "model_size": int, "model_n_params": int,
               "n_batch": int, "n_ubatch": int, "n_threads": int, "type_k": str, "type_v": str,
               "n_gpu_layers": int, "use_mmap": bool, "n_prompt": int, "n_gen": int,
               "avg_ns": int, "stddev_ns": int, "avg_ts": float, "stddev_ts": float,
               "samples_ns": list, "samples_ts": list, "test_time": str}
OSPREY = {"batched": bool, "n_seq": int, "kernels": str, "mem_read_gbs": float, "fma_gflops": float, "amx_gflops": float,
          "ceiling_ts": float, "ceiling_kind": str, "pct_of_ceiling": float}
def typed(v, t):
    if t is float: return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t is int: return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, t)
def check_row(r, reps, threads, n_batch):
    for k, t in {**LLAMA_BENCH, **OSPREY}.items():
        assert k in r, f"field {k} missing: {sorted(r)}"
        assert typed(r[k], t), f"{k} = {r[k]!r} is not {t.__name__}"
    assert r["n_threads"] == threads and r["n_batch"] == n_batch, r
    assert r["model_type"] and r["model_size"] > 0 and r["model_n_params"] > 0, r
    import re
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["test_time"]), f"test_time not ISO 8601 UTC: {r}"
    assert len(r["samples_ns"]) == reps and len(r["samples_ts"]) == reps, f"{reps} samples expected: {r}"
    assert all(typed(x, int) and x > 0 for x in r["samples_ns"]), f"samples_ns not positive integers: {r}"
    assert r["avg_ts"] > 0 and r["stddev_ts"] >= 0 and r["avg_ns"] > 0, r
    mean_ts = sum(r["samples_ts"]) / reps
    assert abs(r["avg_ts"] - mean_ts) <= 1e-6 * mean_ts, f"avg_ts is not the mean of samples_ts: {r}"
    # The machine was measured, and the result is stated against its ceiling.
    assert r["mem_read_gbs"] > 0 and r["fma_gflops"] > 0 and r["amx_gflops"] >= 0, r
    assert r["ceiling_ts"] > 0 and r["ceiling_kind"] in ("bandwidth", "fma", "amx", "both"), r
    assert abs(r["pct_of_ceiling"] - 100 * r["avg_ts"] / r["ceiling_ts"]) <= 1e-6 * r["pct_of_ceiling"], r
    if r["n_prompt"] == 0: assert r["ceiling_kind"] in ("bandwidth", "fma"), r
    elif r["n_gen"] == 0: assert r["ceiling_kind"] in ("fma", "amx"), r
    else: assert r["ceiling_kind"] == "both", r
'

case "$case_name" in
md)
  # Default output: header with the ceilings, llama-bench's columns plus "% of ceiling"; two models,
  # pp, tg and pp+tg, one row each; --progress on stderr only.
  bench -m "$model" -m "$work/copy.gguf" -p 8 -n 4 -pg 8,4 -t 1 -b 4 -r 2 --progress
  check "markdown output" <<'EOF' || exit 1
import re, sys
out, err = open(sys.argv[3]).read(), open(sys.argv[4]).read()
assert re.search(r"^ceilings: memory read [0-9.]+ GB/s \(1 threads?\), [0-9.]+ GB/s \(1 thread\); "
                 r"fp32 FMA peak [0-9.]+ GFLOP/s", out, re.M), "no ceilings line"
lines = out.splitlines()
header = "| model | size | params | type | threads | test | t/s | % of ceiling |"
assert header in lines, "no table header " + header
rows = [l for l in lines[lines.index(header) + 2:] if l.startswith("|")]
assert len(rows) == 6, f"2 models x 3 tests = 6 rows expected, got {len(rows)}"
tests = []
for row in rows:
    c = [x.strip() for x in row.strip("|").split("|")]
    assert len(c) == 8, row
    assert c[0].startswith("llama ") and re.fullmatch(r"[0-9.]+ (MiB|GiB)", c[1]) and re.fullmatch(r"[0-9.]+ [KMB]", c[2]), row
    assert c[3] == "F32" and c[4] == "1", row
    m = re.fullmatch(r"([0-9.]+) ± ([0-9.]+)", c[6]); assert m and float(m[1]) > 0, f"t/s not mean ± stdev: {row}"
    m = re.fullmatch(r"([0-9]+) % of ([0-9.]+) \((bandwidth|fma|amx|both)\)", c[7])
    assert m and float(m[2]) > 0, f"no share of a ceiling: {row}"
    tests.append(c[5])
assert sorted(tests) == sorted(["pp8", "tg4", "pp8+tg4"] * 2), tests
assert "measuring the machine" in err and "6/6" in err, "--progress lines missing on stderr"
assert "osprey bench:" not in out, "progress lines on stdout"
EOF
  ;;
json)
  # -o json: one array at the end, llama-bench's field names and types, flags reflected in the fields.
  bench -m "$model" -m "$work/copy.gguf" -p 8 -n 4 -pg 8,4 -t 1 -b 4 -r 2 -o json
  check "json output" <<EOF || exit 1
import json, sys
$fields_py
rows = json.load(open(sys.argv[3]))
assert isinstance(rows, list) and len(rows) == 6, f"2 models x 3 tests = 6 objects expected, got {len(rows)}"
for r in rows: check_row(r, reps=2, threads=1, n_batch=4)
for f in sys.argv[1:3]:
    tests = sorted((r["n_prompt"], r["n_gen"], r["n_seq"]) for r in rows if r["model_filename"] == f)
    assert tests == [(0, 4, 1), (8, 0, 1), (8, 4, 1)], f"{f}: {tests}"
EOF
  ;;
csv)
  # -o csv: a header line, one row per test; its columns are JSON field names, values parse.
  bench -m "$model" -p 8 -n 4 -t 1 -r 2 -o csv
  mv "$work/out" "$work/csv"
  bench -m "$model" -p 8 -n 0 -t 1 -r 1 -o jsonl
  check "csv output" <<EOF || exit 1
import csv, json, os, sys
$fields_py
keys = set(json.loads(open(sys.argv[3]).readline()))
rows = list(csv.DictReader(open(os.path.join(os.path.dirname(sys.argv[3]), "csv"))))
head = open(os.path.join(os.path.dirname(sys.argv[3]), "csv")).readline().strip().split(",")
missing = [k for k in head if k not in keys]
assert not missing, f"csv columns that are not JSON fields: {missing}"
for k in ("model_filename", "model_type", "model_size", "model_n_params", "n_batch", "n_threads", "n_prompt",
          "n_gen", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "ceiling_ts", "pct_of_ceiling"):
    assert k in head, f"csv lacks {k}: {head}"
assert len(rows) == 2, f"2 rows expected, got {len(rows)}"
assert sorted((r["n_prompt"], r["n_gen"]) for r in rows) == [("0", "4"), ("8", "0")], rows
for r in rows:
    assert r["model_filename"] == sys.argv[1] and r["n_threads"] == "1" and r["n_batch"] == "512", r
    assert float(r["avg_ts"]) > 0 and float(r["stddev_ts"]) >= 0 and float(r["ceiling_ts"]) > 0, r
    assert int(r["avg_ns"]) > 0 and float(r["pct_of_ceiling"]) > 0, r
EOF
  ;;
jsonl)
  # -o jsonl: one object per line; --batched: aggregate decode rows for 1, 2, 4, 8, 16 sequences
  # (n_seq, n_prompt 0; avg_ts counts every sequence's tokens).
  bench -m "$model" -p 0 -n 4 -t 2 -r 2 --batched --batched-gen 4 -o jsonl
  check "jsonl / --batched output" <<EOF || exit 1
import json, sys
$fields_py
lines = open(sys.argv[3]).read().splitlines()
assert len(lines) == 6, f"tg4 + 5 batched rows expected, got {len(lines)} lines"
rows = [json.loads(l) for l in lines]
for r in rows: check_row(r, reps=2, threads=2, n_batch=512)
want = sorted([(0, 4, 1)] + [(0, 4, s) for s in (1, 2, 4, 8, 16)])
assert sorted((r["n_prompt"], r["n_gen"], r["n_seq"]) for r in rows) == want, rows
for r in rows:
    tokens = r["n_seq"] * r["n_gen"]
    ts = tokens * 1e9 / r["samples_ns"][0]
    assert abs(r["samples_ts"][0] - ts) <= 1e-6 * ts, f"t/s is not the aggregate of n_seq sequences: {r}"
EOF
  ;;
errors)
  # Bad values and unsupported flags: non-zero exit, the reason on stderr, no crash, no results.
  refuse() {  # refuse EXPECTED_STDERR ARGS...
    local want="$1"; shift
    echo "+ osprey bench $*"
    "$osprey" bench "$@" > "$work/out" 2> "$work/err"; local rc=$?
    cat "$work/err"
    [ $rc -ne 0 ] || fail "osprey bench $* succeeded"
    [ $rc -lt 128 ] || fail "osprey bench $* crashed (exit $rc)"
    grep -qF -- "$want" "$work/err" || fail "osprey bench $*: stderr does not say '$want'"
    ! grep -q " ± \|avg_ts" "$work/out" || fail "osprey bench $*: results printed anyway"
  }
  refuse "-o: expected md, csv, json or jsonl, got 'xml'" -m "$model" -o xml
  refuse "-p: expected non-negative integers, got '-5'" -m "$model" -p -5
  refuse "-n: expected non-negative integers, got 'x'" -m "$model" -n x
  refuse "-pg: expected PP,TG, got '8'" -m "$model" -pg 8
  refuse "-r: expected >= 1, got 0" -m "$model" -r 0
  refuse "-t: expected >= 1, got 0" -m "$model" -t 0
  refuse "unknown flag '--bogus'" -m "$model" --bogus
  refuse "unknown flag '--bogus'" -m "$model" --bogus -p 8  # not "unknown flag '8'"
  refuse "unknown flag '-ngl'" -m "$model" -ngl 99  # llama-bench flags osprey does not support
  refuse "unknown flag '-fa'" -m "$model" -fa 1
  refuse "unknown flag '-ctk'" -m "$model" -ctk q8_0
  refuse "-m MODEL is required" -p 8
  # One-value flags refuse lists instead of keeping one item; -b and -ub must agree.
  refuse "-b: expected one value (lists are not supported here), got '2,4'" -m "$model" -b 2,4
  refuse "-r: expected one value (lists are not supported here), got '2,1'" -m "$model" -r 2,1
  refuse "-ub 8 contradicts -b 4" -m "$model" -b 4 -ub 8
  refuse "/nonexistent/model.gguf" -m /nonexistent/model.gguf -p 8 -n 0 -r 1
  "$osprey" bench --help > "$work/out" 2>&1 || fail "--help exit $?"
  for f in -m -p -n -pg -t -b -r -o --progress --batched; do
    grep -q -- "^  $f[ ,]" "$work/out" || fail "--help does not list $f"
  done
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
