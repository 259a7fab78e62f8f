#!/usr/bin/env bash
# Script tests of `osprey quantize | perplexity | gen-model` (registered in tests.cmake).
# usage: cli_test.sh OSPREY SOURCE_DIR CASE      CASE: quantize | options | interrupt | perplexity
. "$(dirname "$0")/../support/script_prelude.sh"
need() { [ -f "$shared/$1" ] || { echo "shared material missing: $shared/$1"; exit 0; }; }
# Nothing named OUT or OUT.tmp exists.
no_output() { [ ! -e "$1" ] && [ ! -e "$1.tmp" ] || fail "output left behind: $(ls -la "$1"* 2>&1)"; }

case "$case_name" in
quantize)
  need models/tiny-llama-F32.gguf; need models/tiny-llama-Q4_0.gguf
  f32="$shared/models/tiny-llama-F32.gguf"
  echo "not a gguf" > "$work/junk.gguf"
  out=$("$osprey" quantize "$work/junk.gguf" "$work/a.gguf" Q4_0 2>&1); rc=$?
  echo "$out"; [ $rc -eq 1 ] || fail "corrupt input: exit $rc"; echo "$out" | grep -q "magic" || fail "no reason given"
  no_output "$work/a.gguf"
  out=$("$osprey" quantize "$f32" "$work/a.gguf" Q7_X 2>&1); rc=$?
  echo "$out"; [ $rc -eq 1 ] && echo "$out" | grep -q "unknown TYPE 'Q7_X'" || fail "unknown type accepted"
  no_output "$work/a.gguf"
  out=$("$osprey" quantize "$shared/models/tiny-llama-Q4_0.gguf" "$work/a.gguf" Q8_0 2>&1); rc=$?
  echo "$out"; [ $rc -eq 1 ] || fail "requantize: exit $rc"
  echo "$out" | grep -q "output.weight" && echo "$out" | grep -q "Q6_K" || fail "requantize error names no tensor/type"
  no_output "$work/a.gguf"
  (cd "$work" && "$osprey" quantize --dry-run "$f32" Q4_K_M) > "$work/dry.txt" 2>&1 || fail "dry run failed"
  cat "$work/dry.txt"; grep -q "dry run: nothing written" "$work/dry.txt" || fail "dry run said nothing"
  grep -q "output:.*(2092000 bytes), 4.88 bits per weight" "$work/dry.txt" || fail "dry run size"
  [ "$(ls "$work" | grep -c gguf)" -eq 1 ] || fail "dry run wrote a file: $(ls "$work")"
  "$osprey" quantize "$f32" "$work/q.gguf" Q4_K 2 > "$work/log.txt" 2>&1 || { cat "$work/log.txt"; fail "quantize failed"; }
  cat "$work/log.txt"
  grep -q "input :.*32.00 bits per weight" "$work/log.txt" && grep -q "output:.*bits per weight" "$work/log.txt" || fail "sizes"
  [ "$(grep -c '^\[ *[0-9]*/39\]' "$work/log.txt")" -eq 39 ] || fail "one progress line per tensor expected"
  "$osprey" gguf validate "$work/q.gguf" | grep -q "^ok" || fail "output does not validate"
  "$osprey" gguf dump "$work/q.gguf" | grep -q "general.file_type: u32 = 15" || fail "file type"
  "$osprey" run -m "$work/q.gguf" -p "Once upon a time" -n 4 --temp 0 > /dev/null 2>&1 || fail "output does not run"
  ;;
options)
  need models/tiny-llama-F32.gguf
  f32="$shared/models/tiny-llama-F32.gguf"
  "$osprey" quantize --pure --output-tensor-type Q8_0 --token-embedding-type q5_0 "$f32" "$work/p.gguf" Q4_K_M 2 \
    > /dev/null 2>&1 || fail "quantize --pure failed"
  "$osprey" gguf dump "$work/p.gguf" > "$work/dump.txt"
  grep -q "  output.weight: Q8_0" "$work/dump.txt" && grep -q "  token_embd.weight: Q5_0" "$work/dump.txt" &&
    grep -q "  blk.3.attn_v.weight: Q4_K" "$work/dump.txt" && grep -q "  blk.3.ffn_norm.weight: F32" "$work/dump.txt" ||
    { cat "$work/dump.txt"; fail "--pure / type options not applied"; }
  "$osprey" quantize --leave-output-tensor "$f32" "$work/l.gguf" Q4_0 2 > /dev/null 2>&1 || fail "--leave-output-tensor"
  "$osprey" gguf dump "$work/l.gguf" | grep -q "  output.weight: F32" || fail "output.weight was converted"
  out=$("$osprey" quantize --output-tensor-type IQ9 "$f32" "$work/x.gguf" Q4_0 2>&1); rc=$?
  echo "$out"; [ $rc -eq 1 ] && echo "$out" | grep -q -- "--output-tensor-type" || fail "bad --output-tensor-type accepted"
  no_output "$work/x.gguf"
  ;;
interrupt)
  # A model large enough that Q4_K_M takes minutes: SIGINT during the run leaves no output.
  "$osprey" gen-model tinyllama-1.1b "$work/big.gguf" --layers 1 > /dev/null 2>&1 || fail "gen-model failed"
  "$osprey" quantize "$work/big.gguf" "$work/out.gguf" Q4_K_M 2 > "$work/log.txt" 2>&1 &
  pid=$!
  for _ in $(seq 600); do [ -e "$work/out.gguf.tmp" ] && break; sleep 0.1; done
  [ -e "$work/out.gguf.tmp" ] || { kill $pid; fail "the temporary file never appeared"; }
  sleep 0.5
  kill -INT $pid
  wait $pid; rc=$?
  cat "$work/log.txt"
  [ $rc -eq 130 ] || fail "exit $rc after SIGINT, expected 130"
  grep -q "interrupted; no output written" "$work/log.txt" || fail "no interruption message"
  no_output "$work/out.gguf"
  # SIGTERM too, during gen-model itself.
  "$osprey" gen-model llama-3.2-1b "$work/g.gguf" --layers 4 --type Q8_0 > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 600); do [ -e "$work/g.gguf.tmp" ] && break; sleep 0.05; done
  kill -TERM $pid
  wait $pid; rc=$?
  [ $rc -eq 130 ] || [ $rc -eq 0 ] || fail "gen-model exit $rc after SIGTERM"
  [ $rc -eq 0 ] || no_output "$work/g.gguf"
  ;;
perplexity)
  need models/stories260K.gguf
  m="$shared/models/stories260K.gguf"; text="$src/tests/quant/data/story.txt"
  "$osprey" perplexity -m "$m" -f "$text" -c 128 -b 64 -t 2 > "$work/ppl.txt" 2>&1 || { cat "$work/ppl.txt"; fail "perplexity failed"; }
  cat "$work/ppl.txt"
  grep -Eq "^\[1\][0-9]+\.[0-9]+,\[2\]" "$work/ppl.txt" || fail "no running estimate"
  ppl=$(sed -n 's/^Final estimate: PPL = \([0-9.]*\) +\/- \([0-9.]*\)$/\1/p' "$work/ppl.txt")
  [ -n "$ppl" ] || fail "no final estimate"
  awk -v p="$ppl" 'BEGIN { exit !(p > 1 && p < 512) }' || fail "perplexity $ppl not finite and plausible"
  "$osprey" perplexity -m "$m" -f "$text" -c 128 --chunks 3 --kl-divergence-base "$work/base.kld" > /dev/null 2>&1 ||
    fail "saving the KL base failed"
  "$osprey" perplexity -m "$m" --kl-divergence-base "$work/base.kld" --kl-divergence > "$work/kl.txt" 2>&1 ||
    { cat "$work/kl.txt"; fail "KL comparison failed"; }
  cat "$work/kl.txt"
  grep -q "^mean  *: 0.000000 +/- 0.000000" "$work/kl.txt" || fail "KL of a model against itself is not 0"
  grep -q "^same top-1  *: 100.000" "$work/kl.txt" || fail "top-1 agreement of a model with itself is not 100 %"
  out=$("$osprey" perplexity -m "$m" -f "$src/tests/quant/README.md" -c 4096 2>&1); rc=$?
  echo "$out"; [ $rc -eq 1 ] && echo "$out" | grep -q "needs at least 4096" || fail "short text accepted"
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
