#!/usr/bin/env bash
# Appends the remote-file bridge (Sources/CRemote/bridge) and the XRootD shim (Sources/CXRootDShim)
# to a statically linked hepkit, so that the one static file can still read root:// and http(s)://
# URLs: a static program cannot dlopen libcurl or libXrdCl itself, so on the first remote open it
# starts this small dynamically linked helper, which loads them from the node (libcurl.so.4,
# libXrdCl.so.3) and serves the reads over pipes. Where libxrootd-client-dev is not installed only
# the bridge is appended (HTTP only). Run before tools/append-mpi-bridge.sh, whose trailer must be last.
#   tools/append-remote-bridge.sh .build-static/release/hepkit
set -euo pipefail
binary="$1"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -O2 -Wall -I "$here/Sources/CRemote/include" -I "$here/Sources/CSupport/include" "$here/Sources/CSupport/csupport.c" \
    "$here/Sources/CRemote/bridge/remote_bridge.c" "$here/Sources/CRemote/cremote.c" -ldl -lpthread -o "$work/bridge"
parts=("$work/bridge" HEPKIT-RMT-BRDG1)
if [ -f /usr/include/xrootd/XrdCl/XrdClFile.hh ]; then
    c++ -std=c++17 -O2 -fPIC -shared -I "$here/Sources/CXRootDShim/include" -I /usr/include/xrootd \
        "$here/Sources/CXRootDShim/hepkit_xrootd.cpp" -lXrdCl -o "$work/shim.so"
    parts+=("$work/shim.so" HEPKIT-XRD-SHIM1)
fi
python3 - "$binary" "${parts[@]}" <<'PY'
import struct, sys
binary, parts = sys.argv[1], sys.argv[2:]
with open(binary, "rb") as f:
    f.seek(-24, 2)
    tail = f.read(24)
if tail[8:].startswith(b"HEPKIT-"):
    sys.exit(f"{binary} already carries appended files ({tail[8:].decode(errors='replace')} last)")
with open(binary, "ab") as f:
    for path, magic in zip(parts[::2], parts[1::2]):
        data = open(path, "rb").read()
        f.write(data + struct.pack("<Q", len(data)) + magic.encode())
PY
echo "appended the remote-file bridge$([ ${#parts[@]} -gt 2 ] && echo ' and the XRootD shim') to $binary"
