#!/usr/bin/env bash
# CI step of the ROOT writer and json2xml (issue 12): uproot reads back what `hepkit` writes, and
# every workspace of fixtures/ survives json2xml → pyhf xml2json.
# usage: tools/ci-writer.sh [HEPKIT]   (default: .build/debug/hepkit, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
HEPKIT=${1:-.build/debug/hepkit}
if [ ! -x "$HEPKIT" ]; then swift build -j 1 --product hepkit; fi
PY=python3
if [ -x .venv/bin/python ]; then PY=.venv/bin/python; fi

echo "== ROOT files written by hepkit, read back by uproot"
"$PY" tools/check_written.py "$HEPKIT"

echo "== json2xml round trip: hepkit json2xml, then pyhf xml2json, compared as pyhf models"
SHARED=()
if [ -d ../shared/fixtures/pyhf ]; then SHARED=(../shared/fixtures/pyhf); fi
"$PY" tools/check_json2xml.py "$HEPKIT" "${SHARED[@]}"
