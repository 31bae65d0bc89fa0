#!/usr/bin/env bash
# Builds one self-contained `hepkit` to copy to a batch node: the Swift runtime, Foundation (with
# its ICU data), _Differentiation, glibc and the codec libraries (Debian's lib{deflate,z,lz4,zstd,
# lzma,xxhash}.a from the -dev packages tools/install-deps.sh installs) are all linked in. The
# result needs nothing from the node's disk: no Swift toolchain, no codec .so files, no time-zone
# or locale files, and no particular glibc version (tools/ci-sandbox.sh runs it in an empty sandbox).
#
#   bash tools/build-static.sh [OUTPUT]      # default OUTPUT: .build-static/hepkit (stripped)
#
# glibc's NSS functions (user and host look-ups) would still load modules at run time; hepkit's
# commands do not call them.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-static
output="${1:-$scratch/hepkit}"

for lib in deflate z lz4 zstd lzma xxhash; do
    [ -f "/usr/lib/x86_64-linux-gnu/lib$lib.a" ] || [ -f "/usr/lib/$(uname -m)-linux-gnu/lib$lib.a" ] || {
        echo "build-static: lib$lib.a is missing: run tools/install-deps.sh (Debian's -dev packages ship it)" >&2
        exit 1
    }
done

# A separate scratch path keeps the normal (dynamic) release build in .build untouched. With
# -static-executable the linker takes every -l library from its .a file.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! swift build -c release --product hepkit --scratch-path "$scratch" \
        --static-swift-stdlib -Xswiftc -static-executable >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi

binary="$scratch/release/hepkit"
linkage="$(ldd "$binary" 2>&1 || true)"
if ! grep -q "not a dynamic executable" <<<"$linkage"; then
    echo "build-static: $binary is dynamically linked:" >&2
    echo "$linkage" >&2
    exit 1
fi
strip -o "$output.tmp" "$binary"
# A static program cannot dlopen libmpi: where the MPI bridge exists (Sources/CMPILoader), the small
# dynamically linked helper that loads MPI at run time is appended — after strip, which would drop it.
# The same for remote files (root://, http(s)://): the helper that loads libcurl and the XRootD
# client at run time, appended first (the MPI bridge's trailer must be the last).
if [ -f tools/append-remote-bridge.sh ]; then
    bash tools/append-remote-bridge.sh "$output.tmp" >/dev/null
fi
if [ -f tools/append-mpi-bridge.sh ]; then
    bash tools/append-mpi-bridge.sh "$output.tmp" >/dev/null
fi
mv "$output.tmp" "$output"
echo "$output: $(du -m "$output" | cut -f1) MB, statically linked"
