#!/usr/bin/env bash
# RNTuple conformance: `hepkit dump` of every top-level field of every RNTuple in fixtures/rntuple
# (ROOT-written scikit-hep-testdata files and uproot-written files) equals the truth made by
# tools/make_rntuple_truth.py with uproot 5.7.7, item by item.
#
#   bash tools/ci-rntuple.sh HEPKIT
set -euo pipefail
cd "$(dirname "$0")/.."
hepkit="$(realpath "$1")"
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
"$python" tools/make_rntuple_truth.py check "$hepkit" fixtures/rntuple
