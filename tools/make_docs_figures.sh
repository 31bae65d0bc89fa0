#!/usr/bin/env bash
# Regenerates the README's figures (docs/*.png) from the bundled example with a built hepkit:
#   bash tools/make_docs_figures.sh [.build/release/hepkit]
# yields, ranking and limit are `hepkit plot` on the example built at its initial parameters; the
# report figures are optimize's own SVGs, rendered at 820 px wide by rsvg-convert (librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
hepkit="$(realpath "${1:-.build/release/hepkit}")"
config=fixtures/example/analysis.yml
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$hepkit" build "$config" -o "$work/workspace.json"
"$hepkit" plot yields "$work/workspace.json" --config "$config" --output-dir "$work/plots"
"$hepkit" plot ranking "$work/workspace.json" --output-dir "$work/plots"
"$hepkit" plot limit "$work/workspace.json" --scan 0:5:21 --output-dir "$work/plots"
"$hepkit" optimize "$config" -o "$work/optimize" > /dev/null

render() { rsvg-convert -w 820 -b white -o "$2.tmp" "$1" && mv "$2.tmp" "$2"; }
for kind in yields ranking limit; do
    render "$(ls "$work/plots"/*"$kind"*.svg | head -1)" "docs/plot-$kind.png"
done
render "$work/optimize/objective.svg" docs/report-objective.png
render "$work/optimize/region_SR_before.svg" docs/report-region-before.png
render "$work/optimize/region_SR_after.svg" docs/report-region-after.png
render "$work/optimize/cut_SR_cut_met.svg" docs/report-cut.png
echo "make_docs_figures: wrote docs/plot-{yields,ranking,limit}.png and docs/report-{objective,region-before,region-after,cut}.png"
