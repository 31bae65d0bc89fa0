#!/usr/bin/env bash
# pyhf 0.7.6's own CLI test suite (tests/test_scripts.py, vendored in fixtures/pyhf-cli) run against
# `hepkit`: a `pyhf` shim first on PATH runs hepkit, and pytest-console-scripts launches every
# command as a subprocess, so each test exercises hepkit with pyhf's arguments and pyhf's checks.
#   tools/ci-pyhf-cli.sh [HEPKIT] [PYTEST ARGS...]   (default HEPKIT: .build/debug/hepkit)
# Deselected: test_patchset_download (needs the network: its requests_mock only patches requests inside
# the pytest process, so a subprocess would reach the real hosts), and test_missing_contrib_extra /
# test_missing_contrib_download (they import pyhf's Python modules in-process and never run the
# command line, so they would pass or fail for pyhf's reasons, not hepkit's). All others must pass.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
hepkit="$(realpath "${1:-$repo/.build/debug/hepkit}")"
shift || true
PY=python3; [ -x "$repo/.venv/bin/python" ] && PY="$repo/.venv/bin/python"
# The interpreter itself, not a pyenv shim: a shim puts its own bin folder (with the real `pyhf`)
# first on PATH, and the tests would then run pyhf instead of hepkit.
PY="$("$PY" -c 'import sys; print(sys.executable)')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/run/validation"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$hepkit" > "$work/bin/pyhf"
chmod +x "$work/bin/pyhf"
# The tests name their inputs relative to pyhf's repository root.
cp -r "$repo/fixtures/pyhf-cli/tests" "$work/run/tests"
cp -r "$repo/fixtures/histfactory-xml/xmlimport_input" "$work/run/validation/xmlimport_input"
cd "$work/run"
# Every test must reach hepkit: refuse to run if `pyhf` on PATH is anything but the shim.
[ "$(PATH="$work/bin:$PATH" "$PY" -c 'import shutil; print(shutil.which("pyhf"))')" = "$work/bin/pyhf" ] \
    || { echo "ci-pyhf-cli: 'pyhf' does not resolve to the hepkit shim" >&2; exit 1; }
PATH="$work/bin:$PATH" "$PY" -m pytest tests/test_scripts.py --script-launch-mode=subprocess \
    -p no:cacheprovider -q -rfE \
    --deselect "tests/test_scripts.py::test_patchset_download" \
    --deselect "tests/test_scripts.py::test_missing_contrib_extra" \
    --deselect "tests/test_scripts.py::test_missing_contrib_download" "$@"
