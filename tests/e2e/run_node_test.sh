#!/usr/bin/env bash
# Runs one node:test file against the real binary. Exit 77 (CTest: skipped) with a message when
# the shared model, node, or (for the SDK tests) the openai package is missing.
# usage: run_node_test.sh OSPREY_BIN SOURCE_DIR BINARY_DIR TEST_FILE
set -u
export OSPREY_BIN="$1" OSPREY_SOURCE_DIR="$2"
build_dir="$3"
file="$4"
shared="${OSPREY_SHARED:-$OSPREY_SOURCE_DIR/../shared}"
if [ ! -f "$shared/models/stories260K.gguf" ] || [ ! -f "$shared/reference/stories260K-greedy.json" ]; then
  echo "SKIPPED: shared material missing: $shared/models/stories260K.gguf (set OSPREY_SHARED or put shared/ beside the repository)"
  exit 77
fi
if ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: node is not installed"
  exit 77
fi
if ! command -v curl >/dev/null 2>&1; then
  echo "SKIPPED: curl is not installed"
  exit 77
fi
export OSPREY_NPM_DIR="${OSPREY_NPM_DIR:-$build_dir/npm}"
if [[ "$file" == *openai_sdk* ]] && [ ! -d "$OSPREY_NPM_DIR/node_modules/openai" ]; then
  echo "SKIPPED: the openai SDK is not installed in $OSPREY_NPM_DIR (the e2e.npm_openai test installs it)"
  exit 77
fi
exec node --test --test-reporter=spec "$file"
