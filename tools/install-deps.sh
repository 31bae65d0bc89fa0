#!/usr/bin/env bash
# Installs what HEPKit needs on Debian: the system codec libraries it links against and the
# Python packages that tools/ (reference scripts, benchmarks) uses. Run as root (or via sudo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends \
    pkg-config gcc libdeflate-dev zlib1g-dev liblz4-dev libzstd-dev liblzma-dev libxxhash-dev >/dev/null
python3 -m pip install -q -r "$here/requirements.txt"
