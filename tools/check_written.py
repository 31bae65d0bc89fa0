#!/usr/bin/env python3
"""uproot reads back, exactly, the ROOT files `hepkit` writes.

usage: check_written.py HEPKIT [--keep DIR]

1. A reference file is written with uproot (every numeric leaf type, flat, fixed-array and jagged
   branches over several baskets; TH1D/F/I and TH2D/F with sumw2, flow bins, axis titles and
   variable edges, in folders) plus the HZZ/sample fixtures of fixtures/root.
2. `hepkit copy` rewrites each of them with every compression (none, zlib, lz4, zstd).
3. uproot opens each copy: same object paths, same tree entries, branch values, counts, types;
   histograms with the same values/variances including flow bins, edges, titles and axis titles.
   Also checks the file header (fEND = size, fSeekInfo and the StreamerInfo list ROOT needs).
Exit status 1 on any difference.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import awkward as ak
import numpy as np
import uproot

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "root")
COMPRESSIONS = ["none", "zlib:6", "lz4", "zstd"]


def make_reference(path):
    rng = np.random.default_rng(7)
    n = 5000
    counts = rng.poisson(3, n)
    with uproot.recreate(path) as f:
        f.mktree("events", {
            "f": np.float32, "d": np.float64, "i8": np.int8, "u8": np.uint8, "i16": np.int16, "u16": np.uint16,
            "i32": np.int32, "u32": np.uint32, "i64": np.int64, "u64": np.uint64, "o": np.bool_,
            "p4": ("f8", (4,)), "jet_pt": "var * float32", "jet_id": "var * int32",
        }, title="reference tree")
        for start in range(0, n, 1200):
            stop = min(n, start + 1200)
            m = stop - start
            c = counts[start:stop]
            f["events"].extend({
                "f": rng.normal(size=m).astype(np.float32), "d": rng.normal(size=m) * 1e6,
                "i8": rng.integers(-128, 127, m, dtype=np.int8), "u8": rng.integers(0, 255, m, dtype=np.uint8),
                "i16": rng.integers(-30000, 30000, m, dtype=np.int16), "u16": rng.integers(0, 65535, m, dtype=np.uint16),
                "i32": rng.integers(-2**31, 2**31 - 1, m, dtype=np.int32), "u32": rng.integers(0, 2**32 - 1, m, dtype=np.uint32),
                "i64": rng.integers(-2**62, 2**62, m, dtype=np.int64), "u64": rng.integers(0, 2**63, m, dtype=np.uint64),
                "o": rng.integers(0, 2, m).astype(bool), "p4": rng.normal(size=(m, 4)),
                "jet_pt": ak.unflatten(rng.exponential(30, int(c.sum())).astype(np.float32), c),
                "jet_id": ak.unflatten(rng.integers(0, 100, int(c.sum()), dtype=np.int32), c),
            })
        h = uproot.writing.identify.to_TH1x(
            "mjj", "m_{jj}", np.array([1.5, 2.0, 3.25, 4.0, 5.0, 0.5]), 17.0, 15.0, 30.0, 200.0, 9000.0,
            np.array([0.5, 1.0, 2.0, 3.0, 4.0, 0.25]),
            uproot.writing.identify.to_TAxis("xaxis", "m [GeV]", 4, 0.0, 100.0, np.array([0.0, 10.0, 25.0, 50.0, 100.0])))
        f["SR/signal/mjj"] = h
        f["SR/background/flat"] = (np.array([3.0, 4.0, 5.0], np.float32), np.array([0.0, 1.0, 2.0, 3.0]))
        f["counts"] = (np.array([3, 4], np.int32), np.array([0.0, 1.0, 2.0]))
        f["h2"] = (np.arange(6.0).reshape(2, 3), np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 5.0, 9.0]))
        f["h2f"] = (np.arange(4, dtype=np.float32).reshape(2, 2), np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]))


def same_array(a, b):
    if isinstance(a, ak.Array) or isinstance(b, ak.Array):
        return ak.to_list(a) == ak.to_list(b)
    return np.array_equal(np.asarray(a), np.asarray(b))


def compare(original, copy, problems):
    """Compares every tree branch and histogram of `original` with `copy`; returns how many."""
    compared = 0
    with uproot.open(original) as a, uproot.open(copy) as b:
        # the reference objects HEPKit copies: trees and TH1/TH2 D/F/I
        wanted = {k.split(";")[0]: c for k, c in a.classnames().items() if c in
                  ("TTree", "TH1D", "TH1F", "TH1I", "TH2D", "TH2F", "TDirectory", "TDirectoryFile")}
        got = {k.split(";")[0]: c for k, c in b.classnames().items()}
        for path, cls in wanted.items():
            if path not in got:
                problems.append(f"{copy}: {path} missing")
                continue
            if cls == "TTree":
                ta, tb = a[path], b[path]
                if ta.num_entries != tb.num_entries:
                    problems.append(f"{copy}: {path} has {tb.num_entries} entries, not {ta.num_entries}")
                for name in tb.keys():
                    if name not in ta.keys():
                        continue  # a counter HEPKit named (vector branches)
                    xa, xb = ta[name].array(library="ak"), tb[name].array(library="ak")
                    if not same_array(xa, xb) or str(ak.type(xa).content) != str(ak.type(xb).content):
                        problems.append(f"{copy}: {path}/{name} differs ({ak.type(xa)} vs {ak.type(xb)})")
                    compared += 1
            elif cls.startswith("TH"):
                ha, hb = a[path], b[path]
                if got[path] != cls:
                    problems.append(f"{copy}: {path} is {got[path]}, not {cls}")
                checks = {
                    "values": (ha.values(flow=True), hb.values(flow=True)),
                    "variances": (ha.variances(flow=True), hb.variances(flow=True)),
                    "edges": (ha.axis(0).edges(), hb.axis(0).edges()),
                }
                compared += 1
                if cls.startswith("TH2"):
                    checks["y edges"] = (ha.axis(1).edges(), hb.axis(1).edges())
                for what, (x, y) in checks.items():
                    if not np.array_equal(x, y):
                        problems.append(f"{copy}: {path} {what} differ: {x} vs {y}")
                if (ha.title, ha.axis(0).member("fTitle"), ha.member("fEntries")) != (hb.title, hb.axis(0).member("fTitle"), hb.member("fEntries")):
                    problems.append(f"{copy}: {path} title/axis title/entries differ")
        size = os.path.getsize(copy)
        if b.file.fEND != size:
            problems.append(f"{copy}: fEND {b.file.fEND} != size {size}")
        streamers = {name for name in b.file.streamers}
        needed = {c for c in got.values() if c != "TDirectory"} | ({"TBranch", "TLeafI"} if "TTree" in got.values() else set())
        if not needed <= streamers:
            problems.append(f"{copy}: StreamerInfo lacks {sorted(needed - streamers)}")
    return compared


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hepkit")
    parser.add_argument("--keep", help="keep the written files in this folder")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="check-written-")
    os.makedirs(folder, exist_ok=True)
    reference = os.path.join(folder, "reference.root")
    make_reference(reference)
    inputs = [reference] + [os.path.join(FIXTURES, name) for name in
                            ("uproot-HZZ-zlib.root", "uproot-sample-6.20.04-zlib.root", "uproot-histograms.root")]
    problems = []
    checked = 0
    objects = 0
    for source in inputs:
        for compression in COMPRESSIONS:
            copy = os.path.join(folder, f"{os.path.basename(source)[:-5]}-{compression.replace(':', '')}.root")
            run = subprocess.run([args.hepkit, "copy", source, copy, "--compression", compression, "--entries-per-basket", "1000"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                problems.append(f"hepkit copy {source} ({compression}) failed: {run.stderr.strip()}")
                continue
            objects += compare(source, copy, problems)
            checked += 1
    for p in problems:
        print(p)
    print(f"{checked} files written by hepkit ({objects} branches and histograms) checked with uproot {uproot.__version__}: "
          f"{len(problems)} problems")
    sys.exit(1 if problems or checked == 0 else 0)


if __name__ == "__main__":
    main()
