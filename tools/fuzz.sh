#!/usr/bin/env bash
# Coverage-guided fuzzing of HEPKit's input readers (libFuzzer + AddressSanitizer).
#
#   tools/fuzz.sh TARGET|all SECONDS
#
# Builds each target of Fuzz/ (HEPKIT_FUZZ=1, release, -sanitize=fuzzer,address, scratch path
# .build-fuzz), seeds a fresh corpus in a temporary folder from the fixtures that fit the target
# (the table below) plus its kept crashers, and runs it for SECONDS. Exits non-zero if any target
# crashes, hangs or exceeds the memory limit, printing the input that did it (keep it under
# fixtures/regressions/<area>/ with a test that replays it).
set -euo pipefail

usage() { echo "usage: tools/fuzz.sh TARGET|all SECONDS   (targets: $(ls Fuzz | tr '\n' ' '))" >&2; exit 2; }
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || usage
[[ $2 =~ ^[0-9]+$ ]] || usage
seconds=$2

# Seed corpus per target: "folders|file pattern|regression folder". Folders that do not exist
# (../shared/fixtures outside the project's checkout) are skipped.
seeds() {
    case $1 in
    FuzzROOTFile) echo "fixtures/root fixtures/root-extra ../shared/fixtures/root|*.root|fixtures/regressions/root" ;;
    FuzzWorkspace | FuzzPatch)
        echo "fixtures/pyhf fixtures/workspace fixtures/invalid fixtures/model ../shared/fixtures/pyhf|*.json|fixtures/regressions/workspace" ;;
    FuzzAnalysisConfig) echo "fixtures/analysis fixtures/example|*.yml|fixtures/regressions/analysis" ;;
    FuzzHistFactoryXML) echo "../shared/fixtures/histfactory-xml fixtures/histfactory-xml|*.xml|fixtures/regressions/xml" ;;
    FuzzRNTuple) echo "fixtures/root ../shared/fixtures/root|*rntuple*.root|fixtures/regressions/rntuple" ;;
    *) echo "fixtures|*|fixtures/regressions/${1#Fuzz}" ;;
    esac
}

if [ "$1" = all ]; then
    targets=$(ls Fuzz)
else
    [ -d "Fuzz/$1" ] || usage
    targets=$1
fi

# The manifest lists the Fuzz/ folders when it is evaluated: a new folder is only seen once
# SwiftPM re-reads Package.swift, which it does when the file's time changes (content untouched).
touch Package.swift

work=$(mktemp -d "${TMPDIR:-/tmp}/hepkit-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
for target in $targets; do
    echo "== $target: building" >&2
    HEPKIT_FUZZ=1 swift build -c release --scratch-path .build-fuzz --manifest-cache none --product "$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
    binary=.build-fuzz/release/$target

    IFS='|' read -r folders pattern regressions <<<"$(seeds "$target")"
    corpus=$work/$target/corpus
    artifacts=$work/$target/artifacts
    mkdir -p "$corpus" "$artifacts"
    for folder in $folders $regressions; do
        [ -d "$folder" ] || continue
        find "$folder" -type f -name "$pattern" -exec cp {} "$corpus/" \;
    done
    echo "== $target: $(ls "$corpus" | wc -l) seeds, $seconds s" >&2

    log=$work/$target/log
    set +e
    # -timeout: one input running 20 s is a hang; -rss_limit_mb: an allocation past 2 GB is a bug;
    # Leak detection off (libFuzzer's per-input check and LeakSanitizer's at exit): lazily built
    # globals (schemas, codec registries) live until exit by design and were reported as crashes.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$binary" "$corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" >"$log" 2>&1
    status=$?
    set -e
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$log" \
        | sed "s/^/$target: /" || true
    if [ $status -ne 0 ]; then
        failed=1
        tail -n 60 "$log" >&2
        for crash in "$artifacts"/*; do
            [ -e "$crash" ] || continue
            kept=.build-fuzz/crashers/$target
            mkdir -p "$kept"
            cp "$crash" "$kept/"
            echo "$target: CRASH, input kept at $kept/$(basename "$crash")" >&2
        done
    fi
done
exit $failed
