#!/usr/bin/env bash
# Rendering check of every figure kind (issue 15): `hepkit plot` draws each kind for the bundled
# example's workspace and for pyhf fixtures, as SVG (parsed as XML) and as PNG (rendered by
# rsvg-convert, from Debian's librsvg2-bin); `hepkit optimize` writes report.html, which headless
# Chromium (Debian's chromium) opens, renders to a screenshot and whose DOM must hold every figure.
# Any failing command, malformed SVG, invalid PNG or missing figure fails the script.
#
#   bash tools/ci-plots.sh HEPKIT [DOCS]   # e.g. .build/release/hepkit; with DOCS, also refresh docs/*.png
set -euo pipefail
hepkit="$(realpath "$1")"
docs="${2:-}"
cd "$(dirname "$0")/.."
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
for tool in rsvg-convert chromium; do
    command -v "$tool" >/dev/null || { echo "ci-plots: $tool is missing (apt-get install librsvg2-bin chromium)" >&2; exit 1; }
done

D="$(mktemp -d)"
trap 'rm -rf "$D"' EXIT

check_png() {  # every file is a PNG of plausible size
    for f in "$@"; do
        [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || { echo "ci-plots: $f is not a PNG" >&2; exit 1; }
        [ "$(stat -c %s "$f")" -gt 2000 ] || { echo "ci-plots: $f is suspiciously small" >&2; exit 1; }
    done
}
check_svg() {  # every file parses as XML with an <svg> root
    "$python" - "$@" <<'PY'
import sys, xml.etree.ElementTree as ET
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), f"{path}: root is {root.tag}"
PY
}

echo "== the example's workspace"
"$hepkit" build fixtures/example/analysis.yml -o "$D/example.json"

plot_all() {  # WORKSPACE OUT [extra yields options...]
    local ws="$1" out="$2"; shift 2
    for format in svg png; do
        "$hepkit" plot yields "$ws" --output-dir "$out/$format" --format "$format" "$@" >/dev/null
        "$hepkit" plot yields "$ws" --fit postfit --output-dir "$out/$format" --format "$format" "$@" >/dev/null
        "$hepkit" plot yields "$ws" --fit postfit --log --output-dir "$out/$format/log" --format "$format" "$@" >/dev/null
        "$hepkit" plot pulls "$ws" --output-dir "$out/$format" --format "$format" >/dev/null
        "$hepkit" plot correlation "$ws" --output-dir "$out/$format" --format "$format" >/dev/null
        "$hepkit" plot ranking "$ws" --top 10 --output-dir "$out/$format" --format "$format" >/dev/null 2>&1
        "$hepkit" plot templates "$ws" --output-dir "$out/$format" --format "$format" >/dev/null
        "$hepkit" plot limit "$ws" --scan 0:5:21 --output-dir "$out/$format" --format "$format" >/dev/null 2>&1
        "$hepkit" plot scan "$ws" --output-dir "$out/$format" --format "$format" >/dev/null
    done
    check_svg $(find "$out/svg" -name '*.svg')
    check_png $(find "$out/png" -name '*.png')
    # Every SVG renders too (rsvg-convert's own parser, not only ours).
    for f in $(find "$out/svg" -name '*.svg'); do rsvg-convert "$f" -o "$D/check.png"; check_png "$D/check.png"; done
    echo "   $(find "$out/svg" -name '*.svg' | wc -l) figures from $ws"
}

echo "== every plot kind: the example and the fixtures"
plot_all "$D/example.json" "$D/example" --config fixtures/example/analysis.yml --x-label "m [GeV]"
for ws in validation_2bin_2channel_coupledhistosys xml_multichannel_histfactory__example xml_multibin_histfactory__example; do
    plot_all "fixtures/pyhf/$ws.json" "$D/$ws"
done

echo "== the exclusion of a merged patchset grid"
"$hepkit" merge fixtures/batch/grid-part.0.json -o "$D/grid.json"
"$hepkit" plot grid "$D/grid.json" --output-dir "$D/grid" >/dev/null
"$hepkit" plot grid "$D/grid.json" --output-dir "$D/grid" --format png >/dev/null
check_svg "$D/grid/grid.svg"
check_png "$D/grid/grid.png"

echo "== optimize's report.html in headless Chromium"
"$hepkit" optimize fixtures/example/analysis.yml -o "$D/optimize" 2>/dev/null >/dev/null
check_svg "$D"/optimize/*.svg
for f in "$D"/optimize/*.svg; do rsvg-convert "$f" -o "$D/check.png"; check_png "$D/check.png"; done
chrome=(chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --hide-scrollbars)
timeout 120 "${chrome[@]}" --window-size=1800,3200 --screenshot="$D/report.png" "file://$D/optimize/report.html" >"$D/chromium.log" 2>&1 \
    || { cat "$D/chromium.log" >&2; echo "ci-plots: chromium failed on report.html" >&2; exit 1; }
check_png "$D/report.png"
timeout 120 "${chrome[@]}" --dump-dom "file://$D/optimize/report.html" >"$D/report.dom" 2>>"$D/chromium.log"
figures=$(grep -o '<svg ' "$D/report.dom" | wc -l)
expected=$(ls "$D"/optimize/*.svg | grep -vc optimization.svg)
[ "$figures" -eq "$expected" ] || { echo "ci-plots: report.html shows $figures figures, expected $expected" >&2; exit 1; }
! grep -Eq '<(script|link|img)[ >]' "$D/optimize/report.html" || { echo "ci-plots: report.html is not self-contained" >&2; exit 1; }
echo "   report.html: $figures inline figures, screenshot rendered"

if [ -n "$docs" ]; then
    echo "== docs/*.png"
    rsvg-convert "$D/example/svg/yields_SR_prefit.svg" -o docs/plot-yields.png
    rsvg-convert "$D/example/svg/ranking.svg" -o docs/plot-ranking.png
    rsvg-convert "$D/example/svg/limit.svg" -o docs/plot-limit.png
    rsvg-convert "$D/optimize/region_SR_before.svg" -o docs/report-region-before.png
    rsvg-convert "$D/optimize/region_SR_after.svg" -o docs/report-region-after.png
    rsvg-convert "$D/optimize/objective.svg" -o docs/report-objective.png
    rsvg-convert "$D/optimize/cut_SR_cut_met.svg" -o docs/report-cut.png
fi
echo "ci-plots: all figures rendered"
