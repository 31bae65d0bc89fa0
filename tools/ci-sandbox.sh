#!/usr/bin/env bash
# The static hepkit, alone in a sandbox (bwrap: only the binary and the inputs visible — no Swift
# toolchain, no /usr/lib, no /usr/share/zoneinfo), gives the same output as the normal build:
# `optimize` on the bundled example, `cls` on a workspace, and `stats` on one ROOT file per codec
# (zlib, LZ4 + xxhash, ZSTD, LZMA: the codec libraries are linked in).
#
#   bash tools/ci-sandbox.sh STATIC_HEPKIT NORMAL_HEPKIT
set -euo pipefail
cd "$(dirname "$0")/.."
static="$(realpath "$1")"
normal="$(realpath "$2")"
command -v bwrap >/dev/null || { echo "ci-sandbox: bwrap missing (apt-get install bubblewrap)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
workspace=fixtures/pyhf/validation_2bin_2channel_coupledhistosys.json

# Both runs see the same relative paths (in/..., out/) so their outputs can be compared byte for byte.
mkdir -p "$work/normal/in" "$work/static/in"
for run in normal static; do
    cp -r fixtures/example "$work/$run/in/example"
    cp "$workspace" "$work/$run/in/workspace.json"
    cp fixtures/root/uproot-HZZ-{zlib,lz4,zstd,lzma}.root "$work/$run/in/"
done
# The sandbox: the binary, its run folder, an empty /tmp, /proc and /dev; no network, no other namespaces.
sandbox() {
    bwrap --ro-bind "$static" /hepkit --bind "$work/static" /run --tmpfs /tmp --proc /proc --dev /dev \
        --unshare-all --clearenv --setenv HEPKIT_THREADS 2 --chdir /run /hepkit "$@"
}

fail() { echo "ci-sandbox: FAILED: $*" >&2; exit 1; }

if bwrap --ro-bind "$normal" /hepkit --proc /proc --dev /dev --unshare-all /hepkit --help >/dev/null 2>&1; then
    fail "the normal (dynamic) build ran in the sandbox: the sandbox is not empty"
fi

sandbox --help >/dev/null || fail "the static binary does not start in the sandbox"

(cd "$work/normal" && HEPKIT_THREADS=2 "$normal" optimize in/example/analysis.yml -o out >/dev/null 2>"$work/normal.err") \
    || { cat "$work/normal.err" >&2; fail "optimize (normal build)"; }
sandbox optimize in/example/analysis.yml -o out >/dev/null 2>"$work/static.err" \
    || { cat "$work/static.err" >&2; fail "optimize (static build, sandbox)"; }
diff -r -x histograms.root "$work/normal/out" "$work/static/out" >&2 || fail "optimize outputs differ"
# histograms.root holds its creation time and a random UUID, as every ROOT file does: its objects
# and every histogram's contents must be identical.
objects() { "$normal" ls "$1" --json | python3 -c 'import json,sys; [print(o["path"]) for o in json.load(sys.stdin)["objects"] if o["class"].startswith("TH")]'; }
diff <("$normal" ls "$work/normal/out/histograms.root") <("$normal" ls "$work/static/out/histograms.root") >&2 \
    || fail "optimize: histograms.root lists other objects"
for h in $(objects "$work/normal/out/histograms.root"); do
    cmp <("$normal" hist "$work/normal/out/histograms.root" "$h" --format json) \
        <("$normal" hist "$work/static/out/histograms.root" "$h" --format json) >&2 || fail "optimize: histograms.root differs in $h"
done
echo "ci-sandbox: optimize: $(ls "$work/static/out" | wc -l) files identical"

(cd "$work/normal" && HEPKIT_THREADS=2 "$normal" cls in/workspace.json >"$work/normal.cls") || fail "cls (normal build)"
sandbox cls in/workspace.json >"$work/static.cls" || fail "cls (static build, sandbox)"
cmp "$work/normal.cls" "$work/static.cls" >&2 || fail "cls outputs differ"
grep -q CLs_obs "$work/static.cls" || fail "cls printed no CLs_obs"
echo "ci-sandbox: cls: identical ($(tr -d ' \n' < "$work/static.cls" | cut -c1-60)...)"

for codec in zlib lz4 zstd lzma; do
    file="in/uproot-HZZ-$codec.root"
    (cd "$work/normal" && HEPKIT_THREADS=2 "$normal" stats "$file" events --json >"$work/normal.$codec") || fail "stats $codec (normal build)"
    sandbox stats "$file" events --json >"$work/static.$codec" || fail "stats $codec (static build, sandbox)"
    cmp "$work/normal.$codec" "$work/static.$codec" >&2 || fail "stats outputs differ for $codec"
done
echo "ci-sandbox: stats on zlib, lz4, zstd and lzma files: identical"
