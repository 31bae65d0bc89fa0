#!/usr/bin/env bash
# Regenerates fixtures/histfactory-xml/expected/FOLDER/STEM.json: what pyhf 0.7.6's `xml2json` makes
# of every top-level XML (a file with a <Combination>) under fixtures/histfactory-xml/FOLDER/config.
# XML that pyhf cannot convert (ShapeSys2D: 2D histograms) gets no expected file.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/histfactory-xml"
PY=python3; [ -x ../../.venv/bin/python ] && PY=../../.venv/bin/python
"$PY" -c 'import pyhf; assert pyhf.__version__ == "0.7.6", pyhf.__version__'
for folder in */; do
    folder=${folder%/}
    [ "$folder" = expected ] && continue
    for xml in $(cd "$folder" && grep -l "<Combination" -r config --include='*.xml' | sort); do
        mkdir -p "expected/$folder"
        out="$PWD/expected/$folder/$(basename "$xml" .xml).json"
        if (cd "$folder" && "$PY" -c "from pyhf.cli import cli; cli()" xml2json --hide-progress --basedir . "$xml" --output-file "$out.tmp" 2>/dev/null); then
            mv "$out.tmp" "$out"
        else
            rm -f "$out.tmp"
            echo "pyhf cannot convert $folder/$xml (no expected file)"
        fi
    done
done
