#!/usr/bin/env python3
"""Generate the ROOT speed/memory benchmark data set (issue 2, "Speed and memory").

usage: make_bench_data.py [OUTDIR] [--entries N] [--basket-entries N] [--seed S]
                          [--codecs zlib,lz4,zstd,lzma] [--force]

Writes OUTDIR/bench_<codec>.root (default OUTDIR: bench-data/, which is gitignored),
each holding the same seeded TTree "events" of 1,000,000 entries:

  6 float32 flat branches   pt, eta, phi, mass, px, py     (physics-like distributions;
                            pt, mass: 10 mantissa bits, eta, phi: 12 bits as in CMS
                            NanoAOD; px, py full precision)
  2 float64 flat branches   weight, vertex_z
  1 int32 flat branch       nhits
  1 jagged float32 branch   jet_pt  (Poisson(3) items per entry, 10 mantissa bits;
                            uproot writes it as the counter branch njet_pt (int32)
                            + jet_pt[njet_pt])

Compression follows ROOT's customary settings for each algorithm: zlib level 1
(ROOT 6 default, 101), lz4 level 4 (404), zstd level 5 (505), lzma level 8 (208).
The tree is written in chunks of --basket-entries entries (default 50,000), and
uproot writes one basket per branch per chunk: about 200 kB per float32 basket,
400 kB per float64 basket, 600 kB per jet_pt basket, 20 baskets per branch, in line
with the baskets ROOT itself writes after TTree::OptimizeBaskets.

The data are generated once (numpy PCG64 with --seed) and identical in every file, so
the per-codec timings compare the codecs on the same bytes.
"""
import argparse
import os
import sys
import time

import awkward as ak
import numpy as np
import uproot

#: ROOT's usual compression settings, one per algorithm (see module docstring).
CODECS = {
    "zlib": lambda: uproot.ZLIB(1),
    "lz4": lambda: uproot.LZ4(4),
    "zstd": lambda: uproot.ZSTD(5),
    "lzma": lambda: uproot.LZMA(8),
}

TREE = "events"


def round_mantissa(values, bits):
    """Round float32 `values` to `bits` explicit mantissa bits, as CMS NanoAOD stores floats.

    Real ntuples compress because they hold limited-precision values; full-precision
    random floats would make LZ4 store nearly every basket uncompressed and leave the
    codec out of the benchmark.
    """
    drop = 23 - bits
    u = values.astype(np.float32).view(np.uint32)
    u = (u + np.uint32(1 << (drop - 1))) & np.uint32(0xFFFFFFFF ^ ((1 << drop) - 1))
    return u.view(np.float32)


def generate(entries, seed):
    """Return (flat branches dict, jet counts, flat jet values) for `entries` events."""
    rng = np.random.default_rng(seed)
    pt = round_mantissa(20.0 + rng.exponential(30.0, entries), 10)
    eta = round_mantissa(rng.normal(0.0, 1.5, entries), 12)
    phi = round_mantissa(rng.uniform(-np.pi, np.pi, entries), 12)
    mass = round_mantissa(np.abs(rng.normal(91.19, 2.5, entries)), 10)
    px = (pt * np.cos(phi)).astype(np.float32)
    py = (pt * np.sin(phi)).astype(np.float32)
    weight = rng.lognormal(0.0, 0.1, entries)  # float64
    vertex_z = rng.normal(0.0, 35.0, entries)  # float64, mm
    nhits = rng.poisson(12.0, entries).astype(np.int32)
    counts = rng.poisson(3.0, entries).astype(np.int32)
    jet_pt = round_mantissa(25.0 + rng.exponential(40.0, int(counts.sum())), 10)
    flat = {
        "pt": pt, "eta": eta, "phi": phi, "mass": mass, "px": px, "py": py,
        "weight": weight, "vertex_z": vertex_z, "nhits": nhits,
    }
    return flat, counts, jet_pt


def write(path, compression, flat, counts, jet_pt, basket_entries):
    """Write the tree to `path`, one basket per branch per chunk of `basket_entries`."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    tmp = path + ".tmp"
    with uproot.recreate(tmp, compression=compression) as f:
        types = {name: arr.dtype for name, arr in flat.items()}
        types["jet_pt"] = "var * float32"
        tree = f.mktree(TREE, types, counter_name=lambda name: "n" + name)
        entries = len(counts)
        for start in range(0, entries, basket_entries):
            stop = min(start + basket_entries, entries)
            chunk = {name: arr[start:stop] for name, arr in flat.items()}
            lo, hi = offsets[start], offsets[stop]
            chunk["jet_pt"] = ak.unflatten(jet_pt[lo:hi], counts[start:stop])
            tree.extend(chunk)
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir", nargs="?", default="bench-data")
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--basket-entries", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=20260529)
    p.add_argument("--codecs", default=",".join(CODECS),
                   help="comma-separated subset of " + ",".join(CODECS))
    p.add_argument("--force", action="store_true", help="rewrite files that already exist")
    args = p.parse_args(argv)

    codecs = [c.strip() for c in args.codecs.split(",") if c.strip()]
    unknown = [c for c in codecs if c not in CODECS]
    if unknown:
        p.error("unknown codec(s): %s (known: %s)" % (", ".join(unknown), ", ".join(CODECS)))
    os.makedirs(args.outdir, exist_ok=True)

    flat, counts, jet_pt = generate(args.entries, args.seed)
    for codec in codecs:
        path = os.path.join(args.outdir, "bench_%s.root" % codec)
        if os.path.exists(path) and not args.force:
            print("%s exists, keeping it (--force rewrites)" % path)
            continue
        t0 = time.perf_counter()
        write(path, CODECS[codec](), flat, counts, jet_pt, args.basket_entries)
        print("%s: %.1f MB in %.1f s" % (path, os.path.getsize(path) / 1e6, time.perf_counter() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
