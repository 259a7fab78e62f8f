# Cross build for 64-bit ARM (NEON kernels) with Debian's g++-aarch64-linux-gnu; tests run under
# qemu-user. Debian's multiarch arm64 -dev packages (libfmt-dev:arm64, libgtest-dev:arm64) provide
# the libraries. Used with -DOSPREY_ONLY_KERNELS=ON by scripts/test.sh.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
