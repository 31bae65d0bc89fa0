#!/usr/bin/env bash
# CI for issue 12's conversion work (tools/ci-convert.sh [HEPKIT]):
# 1. `hepkit xml2json` against `pyhf xml2json` run now, on every top-level XML of fixtures/histfactory-xml
#    (compared as JSON values and as text);
# 2. pyhf 0.7.6's CLI test suite against hepkit (tools/ci-pyhf-cli.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
hepkit="$(realpath "${1:-$repo/.build/debug/hepkit}")"
PY=python3; [ -x "$repo/.venv/bin/python" ] && PY="$repo/.venv/bin/python"
PY="$("$PY" -c 'import sys; print(sys.executable)')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

compared=0
cd "$repo/fixtures/histfactory-xml"
for folder in */; do
    folder=${folder%/}
    [ "$folder" = expected ] && continue
    for xml in $(cd "$folder" && grep -l "<Combination" -r config --include='*.xml' | sort); do
        out="$work/$folder-$(basename "$xml" .xml)"
        if ! (cd "$folder" && "$PY" -c "from pyhf.cli import cli; cli()" xml2json --hide-progress --basedir . "$xml" \
                --output-file "$out.pyhf.json" 2>/dev/null); then
            echo "pyhf cannot convert $folder/$xml: hepkit must"
            (cd "$folder" && "$hepkit" xml2json --hide-progress --basedir . "$xml" --output-file "$out.hepkit.json")
            continue
        fi
        (cd "$folder" && "$hepkit" xml2json --hide-progress --basedir . "$xml" --output-file "$out.hepkit.json")
        cmp "$out.pyhf.json" "$out.hepkit.json" || { echo "xml2json differs from pyhf: $folder/$xml" >&2; exit 1; }
        compared=$((compared + 1))
    done
done
echo "xml2json: $compared files identical to pyhf xml2json"
[ "$compared" -ge 15 ] || { echo "expected at least 15 comparisons" >&2; exit 1; }

"$repo/tools/ci-pyhf-cli.sh" "$hepkit"
