#!/usr/bin/env bash
# CI step of learned observables (issue 14): uproot reads the ROOT files `hepkit apply` writes (a
# friend tree and a --copy-branches copy) with the scores numpy computes from network.json.
# usage: tools/ci-learned.sh [HEPKIT]   (default: .build/debug/hepkit, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
HEPKIT=${1:-.build/debug/hepkit}
if [ ! -x "$HEPKIT" ]; then swift build -j 1 --product hepkit; fi
PY=python3
if [ -x .venv/bin/python ]; then PY=.venv/bin/python; fi

echo "== hepkit apply --format root, read back by uproot, against numpy"
"$PY" tools/check_apply.py "$HEPKIT"

echo "== the INFERNO benchmark configs are what tools/make_inferno.py writes"
INFERNO=$(mktemp -d)
trap 'rm -rf "$INFERNO"' EXIT
"$PY" tools/make_inferno.py "$INFERNO" --events 200 > /dev/null
for config in fixtures/learned/inferno/*.yml; do
  diff -u "$config" "$INFERNO/$(basename "$config")"
done
test "$(ls "$INFERNO"/*.yml | wc -l)" = "$(ls fixtures/learned/inferno/*.yml | wc -l)"
echo "INFERNO configs: $(ls fixtures/learned/inferno/*.yml | wc -l) up to date"
