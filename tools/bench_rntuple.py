#!/usr/bin/env python3
"""RNTuple reading speed: HEPKit against uproot on the ROOT benchmark's columns, in one run.

usage: bench_rntuple.py [--hepkit PATH] [--data DIR] [--entries N] [--runs N] [--codec zstd|zlib|lz4|lzma|none]

Writes DIR/bench_rntuple_<codec>.root once (default DIR bench-data/, 1,000,000 entries): the
RNTuple "events" with the columns of make_bench_data.py (the same seeded data: six float32,
two float64, one int32 field and the std::vector<float> jet_pt), one cluster per 50,000 entries,
written by uproot. Then times, as whole processes, best of --runs:

  hepkit   `hepkit stats FILE events --json` (every field read in full and summarised)
  uproot   every field read with `ntuple.arrays()` and summarised the same way

and prints both times, the ratio uproot / HEPKit (target >= 3) and whether the sums agree.
"""
import argparse
import json
import os
import subprocess
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)

UPROOT_READER = r"""
import json, sys
import awkward as ak, numpy as np, uproot
ntuple = uproot.open(sys.argv[1])["events"]
arrays = ntuple.arrays()
out = {}
for name in arrays.fields:
    values = ak.to_numpy(ak.flatten(arrays[name], axis=None))
    out[name] = {"entries": len(arrays), "items": int(values.size), "sum": float(np.sum(values, dtype=np.float64))}
print(json.dumps(out))
"""


def write(path, entries, codec):
    import awkward as ak
    import numpy as np
    import uproot
    from make_bench_data import generate

    flat, counts, jet_pt = generate(entries, 20260422)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    compression = {"zstd": uproot.ZSTD(5), "zlib": uproot.ZLIB(1), "lz4": uproot.LZ4(4), "lzma": uproot.LZMA(8), "none": None}[codec]
    step = 50_000

    def chunk(start, stop):
        columns = {name: values[start:stop] for name, values in flat.items()}
        columns["jet_pt"] = ak.unflatten(jet_pt[offsets[start]:offsets[stop]], counts[start:stop])
        return ak.Array(columns)

    with uproot.recreate(path, compression=compression) as f:
        ntuple = f.mkrntuple("events", chunk(0, 1).layout.form)
        for start in range(0, entries, step):
            ntuple.extend(chunk(start, min(entries, start + step)))


def timed(command, env=None):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit("%s failed: %s" % (command[0], result.stderr.strip()[:500]))
    return elapsed, json.loads(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hepkit", default=os.path.join(os.path.dirname(TOOLS), ".build/release/hepkit"))
    parser.add_argument("--data", default=os.path.join(os.path.dirname(TOOLS), "bench-data"))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--codec", default="zstd")
    args = parser.parse_args()
    os.makedirs(args.data, exist_ok=True)
    path = os.path.join(args.data, "bench_rntuple_%s.root" % args.codec)
    if not os.path.exists(path):
        write(path, args.entries, args.codec)
    hepkit = min((timed([args.hepkit, "stats", path, "events", "--json"]) for _ in range(args.runs)), key=lambda r: r[0])
    theirs = min((timed([sys.executable, "-c", UPROOT_READER, path]) for _ in range(args.runs)), key=lambda r: r[0])
    agree = all(abs(hepkit[1][name]["sum"] - stats["sum"]) <= 1e-9 * max(1.0, abs(stats["sum"]))
                and hepkit[1][name]["items"] == stats["items"] for name, stats in theirs[1].items())
    print("| reader | seconds |\n|---|---|\n| HEPKit `stats` | %.3f |\n| uproot `arrays()` | %.3f |" % (hepkit[0], theirs[0]))
    print("uproot / HEPKit = %.2f (target >= 3); sums agree: %s" % (theirs[0] / hepkit[0], agree))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
