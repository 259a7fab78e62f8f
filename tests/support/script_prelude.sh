# Sourced by the script tests (bash): their arguments OSPREY SOURCE_DIR CASE, the shared material's
# folder ($OSPREY_SHARED or ../shared beside the repository), a work folder removed on exit, fail.
set -u
osprey="$1"; src="$2"; case_name="$3"
shared="${OSPREY_SHARED:-$src/../shared}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
