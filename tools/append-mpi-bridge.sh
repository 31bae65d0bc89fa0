#!/usr/bin/env bash
# Appends the MPI bridge (Sources/CMPILoader/bridge) to a statically linked hepkit, so that the one
# static file can still join MPI jobs: a static program cannot dlopen libmpi itself, so under MPI it
# starts this small dynamically linked helper, which loads MPI and does the collective calls.
#   tools/append-mpi-bridge.sh .build-static/release/hepkit
set -euo pipefail
binary="$1"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -O2 -Wall -I "$here/Sources/CMPILoader/include" -I "$here/Sources/CSupport/include" "$here/Sources/CSupport/csupport.c" \
    "$here/Sources/CMPILoader/bridge/mpi_bridge.c" "$here/Sources/CMPILoader/cmpiloader.c" -ldl -o "$work/bridge"
python3 - "$binary" "$work/bridge" <<'PY'
import struct, sys
binary, bridge = sys.argv[1], open(sys.argv[2], "rb").read()
magic = b"HEPKIT-MPI-BRDG1"
with open(binary, "rb") as f:
    f.seek(-24, 2)
    tail = f.read(24)
if tail[8:] == magic:
    sys.exit(f"{binary} already carries an MPI bridge")
with open(binary, "ab") as f:
    f.write(bridge + struct.pack("<Q", len(bridge)) + magic)
PY
echo "appended the MPI bridge ($(stat -c %s "$work/bridge") bytes) to $binary"
