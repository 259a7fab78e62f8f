#!/usr/bin/env bash
# Installs the openai SDK v6 for the integration tests into $OSPREY_NPM_DIR (default BINARY_DIR/npm)
# unless it is already there. Exit 77 (skipped) when npm is missing or the registry is unreachable.
# usage: npm_openai.sh BINARY_DIR
set -u
dir="${OSPREY_NPM_DIR:-$1/npm}"
if [ -d "$dir/node_modules/openai" ]; then
  echo "openai SDK present in $dir"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "SKIPPED: npm is not installed"
  exit 77
fi
mkdir -p "$dir"
if ! npm install --no-audit --no-fund --prefix "$dir" openai@6; then
  echo "SKIPPED: npm install openai@6 failed (no registry access?)"
  exit 77
fi
