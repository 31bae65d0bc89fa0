#!/usr/bin/env python3
"""Generate the bundled analysis example of issue 5: fixtures/example/{signal,background}.root.

usage: make_example.py [OUTDIR] [--seed S]

Two small seeded ntuples (zlib, tree "events") for the README's main job, a resonance
search over a falling background:

  mass         float32  signal: Gaussian resonance, mean 125, width 2.5
                        background: falling exponential (slope 1/35 per GeV) over 100-180
  met          float32  MET-like: signal Gamma(k=3, theta=20) (mean 60), harder than the
                        background Gamma(k=1.5, theta=20) (mean 30)
  jet_pt       float32  jagged, pT-ordered jets of 20 + exponential GeV (signal mean 45
                        above threshold, background 30); multiplicity Poisson(3.0) for signal,
                        Poisson(1.5) for background; uproot writes it as the counter
                        branch njet (int32) + jet_pt[njet]
  weight       float32  event weight ~1: lognormal, sigma 0.15
  weight_up    float32  weight x (1 + delta), shape-dependent delta of 5-10%:
  weight_down  float32  weight x (1 - 0.9 delta); signal: delta grows with met,
                        background: delta grows with mass (a shape systematic in the fit)

Floats are stored with 12 mantissa bits (relative precision 1.2e-4), as CMS NanoAOD
stores them, which keeps both files together under 3 MB. The trees are written in
baskets of 10,000 entries so a reader's chunked iteration sees several clusters.
Also writes OUTDIR/truth.json: per file and branch, entries, items, sum, min, max as
read back by uproot (the oracle for tests).
"""
import argparse
import json
import os
import sys

import awkward as ak
import numpy as np
import uproot

N_SIGNAL = 20_000
N_BACKGROUND = 100_000
BASKET_ENTRIES = 10_000
MANTISSA_BITS = 12
TREE = "events"


def round_mantissa(values, bits=MANTISSA_BITS):
    """Round to `bits` explicit mantissa bits (float32), as CMS NanoAOD stores floats."""
    drop = 23 - bits
    u = np.asarray(values, dtype=np.float32).view(np.uint32)
    u = (u + np.uint32(1 << (drop - 1))) & np.uint32(0xFFFFFFFF ^ ((1 << drop) - 1))
    return u.view(np.float32)


def truncated_exponential(rng, n, lo, hi, slope):
    """Samples of exp(-x/slope) restricted to [lo, hi], by inverting the CDF."""
    u = rng.uniform(0.0, 1.0, n)
    return lo - slope * np.log1p(-u * (1.0 - np.exp(-(hi - lo) / slope)))


def jets(rng, n, mean_count, mean_pt):
    """Jet multiplicities and pT-ordered (descending) jet pTs, flattened."""
    counts = rng.poisson(mean_count, n).astype(np.int32)
    pts = 20.0 + rng.exponential(mean_pt, int(counts.sum()))
    event = np.repeat(np.arange(n), counts)
    order = np.lexsort((-pts, event))  # by event, then by decreasing pT
    return counts, round_mantissa(pts[order])


def sample(rng, signal):
    n = N_SIGNAL if signal else N_BACKGROUND
    if signal:
        mass = rng.normal(125.0, 2.5, n)
        met = rng.gamma(3.0, 20.0, n)
        counts, jet_pt = jets(rng, n, 3.0, 45.0)
    else:
        mass = truncated_exponential(rng, n, 100.0, 180.0, 35.0)
        met = rng.gamma(1.5, 20.0, n)
        counts, jet_pt = jets(rng, n, 1.5, 30.0)
    weight = rng.lognormal(0.0, 0.15, n)
    if signal:  # 5% at low met rising to 10% at high met
        delta = 0.075 + 0.025 * np.tanh((met - 60.0) / 30.0)
    else:  # 5% at mass 100 rising to 10% at mass 180
        delta = 0.05 + 0.05 * (mass - 100.0) / 80.0
    columns = {
        "mass": round_mantissa(mass),
        "met": round_mantissa(met),
        "weight": round_mantissa(weight),
        "weight_up": round_mantissa(weight * (1.0 + delta)),
        "weight_down": round_mantissa(weight * (1.0 - 0.9 * delta)),
    }
    return columns, counts, jet_pt


def write(path, columns, counts, jet_pt):
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    tmp = path + ".tmp"
    with uproot.recreate(tmp, compression=uproot.ZLIB(9)) as f:
        types = {name: np.float32 for name in ("mass", "met")}
        types["jet_pt"] = "var * float32"
        types.update({name: np.float32 for name in ("weight", "weight_up", "weight_down")})
        tree = f.mktree(TREE, types, counter_name=lambda name: "njet")
        for start in range(0, len(counts), BASKET_ENTRIES):
            stop = min(start + BASKET_ENTRIES, len(counts))
            chunk = {name: values[start:stop] for name, values in columns.items()}
            chunk["jet_pt"] = ak.unflatten(jet_pt[offsets[start]:offsets[stop]], counts[start:stop])
            tree.extend(chunk)
    os.replace(tmp, path)


def truth(path):
    """Per-branch summary of `path` as uproot reads it back."""
    out = {}
    with uproot.open(path) as f:
        tree = f[TREE]
        arrays = tree.arrays(library="np")
        for name in tree.keys():
            values = arrays[name]
            flat = np.concatenate(list(values)) if values.dtype == object else values
            out[name] = {
                "type": tree[name].typename,
                "entries": int(len(values)),
                "items": int(flat.size),
                "sum": float(np.sum(flat, dtype=np.float64)),
                "min": float(flat.min()),
                "max": float(flat.max()),
            }
        return {"tree": TREE, "entries": int(tree.num_entries), "branches": out}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir", nargs="?",
                   default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                        "fixtures", "example"))
    p.add_argument("--seed", type=int, default=125)
    args = p.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)

    rng = np.random.default_rng(args.seed)
    summary = {"seed": args.seed, "files": {}}
    for name, signal in (("signal", True), ("background", False)):
        path = os.path.join(args.outdir, name + ".root")
        write(path, *sample(rng, signal))
        summary["files"][name + ".root"] = truth(path)
        print("%s: %.2f MB" % (path, os.path.getsize(path) / 1e6))
    truth_path = os.path.join(args.outdir, "truth.json")
    with open(truth_path + ".tmp", "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    os.replace(truth_path + ".tmp", truth_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
