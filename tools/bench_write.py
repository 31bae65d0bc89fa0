#!/usr/bin/env python3
"""ROOT writing benchmark (issue 12): HEPKit against uproot on the 1 M-event benchmark tree.

usage: bench_write.py [--hepkit PATH] [--entries N] [--codecs zlib,lz4,zstd] [--runs N] [--keep DIR]

The tree of tools/make_bench_data.py (same seeded columns: 6 float32, 2 float64, 1 int32 flat
branches and the jagged jet_pt with its counter), 50 000 entries per basket, ROOT's customary
setting per codec (zlib 1, lz4 4, zstd 5). In one run, per codec:

  uproot write   uproot.recreate + mktree + extend from numpy arrays already in memory, timed
                 inside Python (only the writing: the most favourable measure for uproot);
  uproot copy    a whole Python process that reads the uncompressed input with uproot and
                 writes it (the same work as `hepkit copy`);
  hepkit copy    `hepkit copy input.root out.root` as a whole process: reading the uncompressed
                 input and writing the tree.

Prints wall and CPU times (best of --runs each), the ratios uproot/HEPKit, and checks with uproot that
HEPKit's file holds the same values. HEPKit's time includes its reading and process start, so
"uproot write / hepkit copy" understates HEPKit's writing speed.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import uproot

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_bench_data  # noqa: E402

SETTINGS = {"zlib": ("zlib:1", lambda: uproot.ZLIB(1)), "lz4": ("lz4:4", lambda: uproot.LZ4(4)),
            "zstd": ("zstd:5", lambda: uproot.ZSTD(5))}

UPROOT_COPY = """
import sys, uproot
src, dst, codec = sys.argv[1], sys.argv[2], sys.argv[3]
compression = {"zlib": uproot.ZLIB(1), "lz4": uproot.LZ4(4), "zstd": uproot.ZSTD(5)}[codec]
tree = uproot.open(src)["events"]
with uproot.recreate(dst, compression=compression) as f:
    for chunk in tree.iterate(step_size=50000, library="ak", how=dict):
        chunk.pop("njet_pt", None)
        if "events" in f:
            f["events"].extend(chunk)
        else:
            f["events"] = chunk
"""


def best(runs, body):
    """(wall, CPU) seconds, each the best of `runs`: CPU = user + system of this process and of
    the children it waited for (the writing process and all its threads)."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        body()
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before)))
    return min(walls), min(cpus)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hepkit", default=".build/release/hepkit")
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--codecs", default="zlib")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--keep", help="write the files here and keep them")
    args = p.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="bench-write-")
    os.makedirs(folder, exist_ok=True)
    flat, counts, jet_pt = make_bench_data.generate(args.entries, 20260529)
    source = os.path.join(folder, "input.root")
    make_bench_data.write(source, None, flat, counts, jet_pt, 50_000)

    print("wall / CPU seconds (CPU = user + system of every thread: on a loaded machine the fairer measure)")
    print("| codec | uproot write | uproot copy | hepkit copy | uproot write / hepkit | uproot copy / hepkit |")
    print("|---|---|---|---|---|---|")
    for codec in [c for c in args.codecs.split(",") if c]:
        hepkit_setting, uproot_setting = SETTINGS[codec]
        by_uproot = os.path.join(folder, f"uproot_{codec}.root")
        by_hepkit = os.path.join(folder, f"hepkit_{codec}.root")
        copied = os.path.join(folder, f"uproot_copy_{codec}.root")
        t_write = best(args.runs, lambda: make_bench_data.write(by_uproot, uproot_setting(), flat, counts, jet_pt, 50_000))
        t_copy = best(args.runs, lambda: subprocess.run([sys.executable, "-c", UPROOT_COPY, source, copied, codec], check=True))
        t_hepkit = best(args.runs, lambda: subprocess.run(
            [args.hepkit, "copy", source, by_hepkit, "--compression", hepkit_setting, "--entries-per-basket", "50000"], check=True))
        cells = " | ".join(f"{wall:.2f} / {cpu:.2f}" for wall, cpu in (t_write, t_copy, t_hepkit))
        ratios = " | ".join(f"{t[0] / t_hepkit[0]:.1f}× / {t[1] / t_hepkit[1]:.1f}×" for t in (t_write, t_copy))
        print(f"| {codec} | {cells} | {ratios} |")
        tree = uproot.open(by_hepkit)["events"]
        for name, values in flat.items():
            assert np.array_equal(tree[name].array(library="np"), values), name
        assert np.array_equal(tree["jet_pt"].array(library="ak").layout.content.data, jet_pt), "jet_pt"
        sizes = (os.path.getsize(by_uproot) / 1e6, os.path.getsize(by_hepkit) / 1e6)
        print(f"|   | file size {sizes[0]:.1f} MB (uproot) | | {sizes[1]:.1f} MB (hepkit) | | |")
    print("hepkit's files hold the same values (checked with uproot)")


if __name__ == "__main__":
    main()
