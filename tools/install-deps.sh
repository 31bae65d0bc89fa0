#!/usr/bin/env bash
# Installs what HEPKit needs on Debian 12: the system codec libraries the Swift build links
# against (their -dev packages also ship the .a files tools/build-static.sh links), the XRootD
# client library root:// URLs load at run time and the xrootd server CI reads through, bubblewrap
# for the static-binary sandbox test, rsvg-convert and chromium for the plot rendering checks, and
# a virtual environment `.venv` at the repository root with the Python packages of tools/
# (reference scripts, conformance checks, benchmarks).
#
# The Swift build itself needs no Python. Debian's Python refuses `pip install` into the system
# (PEP 668), so every Python tool runs as `.venv/bin/python`. Run as root (or with sudo). Running it
# again does nothing that is already done: apt is skipped when every package is installed and pip
# when tools/requirements.txt is unchanged since the last successful install.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive

packages=(
    pkg-config gcc
    libdeflate-dev zlib1g-dev liblz4-dev libzstd-dev liblzma-dev libxxhash-dev
    python3 python3-venv
    bubblewrap
    libxrootd-client-dev xrootd-client xrootd-server
    librsvg2-bin chromium
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's interpreter (python3-venv is its venv module), not whatever `python3` is first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python="$(command -v python3)"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi
