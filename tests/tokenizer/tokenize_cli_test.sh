#!/usr/bin/env bash
# `osprey tokenize` end to end on the shared llama-spm vocabulary. Expected ids come from the
# shared vectors (ggml-vocab-llama-spm.gguf.out: "Hello world" -> 15043 3186) and the vocab's own
# BOS id 1; the piece format is the documented `id -> 'piece'`.
#   tokenize_cli_test.sh OSPREY_BINARY SHARED_DIR   (exit 77 = skipped)
set -u
bin="$1"
shared="${OSPREY_SHARED:-$2}"
vocab="$shared/vocab/ggml-vocab-llama-spm.gguf"
if [ ! -f "$vocab" ]; then
  echo "skip: $vocab missing (set OSPREY_SHARED)"
  exit 77
fi
fail=0
check() {  # name expected actual
  if [ "$2" != "$3" ]; then
    echo "FAIL $1: expected [$2], got [$3]"
    fail=1
  else
    echo "ok   $1"
  fi
}
check "ids with BOS" "[1, 15043, 3186]" "$("$bin" tokenize -m "$vocab" --ids "Hello world")"
check "ids without BOS" "[15043, 3186]" "$("$bin" tokenize -m "$vocab" --ids --no-bos "Hello world")"
check "pieces" "$(printf '     1 -> %s\n 15043 -> %s\n  3186 -> %s' "'<s>'" "' Hello'" "' world'")" \
  "$("$bin" tokenize -m "$vocab" "Hello world")"
check "parse special" "[1, 1, 15043, 3186]" "$("$bin" tokenize -m "$vocab" --ids --parse-special "<s>Hello world")"
check "no parse special" "[1, 529, 29879, 29958, 10994, 3186]" "$("$bin" tokenize -m "$vocab" --ids "<s>Hello world")"
"$bin" tokenize -m /nonexistent.gguf --ids "x" >/dev/null 2>&1
check "missing model exits 1" "1" "$?"
"$bin" tokenize -m "$vocab" >/dev/null 2>&1
check "missing TEXT exits 1" "1" "$?"
exit $fail
