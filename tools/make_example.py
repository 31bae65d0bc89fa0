#!/usr/bin/env python3
"""The bundled example's ntuples: fixtures/example/signal.root and background.root (seeded).

A resonance (mass ~ N(125, 8)) with hard MET and jets over a falling background (mass ~ 60 +
Exp(45)) of three components: 70% soft in MET and jets, 15% multijet-like (jets as hard as the
signal's, soft MET) and 15% W-like (MET as hard as the signal's, soft jets). Each cut removes a
hard component the other cannot, so both pay only up to a point and the optimum of both cuts is
interior. Branches: mass, met (float32), jet_pt (jagged float32, leading first, with counter
njet_pt), weight, weight_up, weight_down (float32; the up/down weights tilt with MET, a shape
systematic). Run: python3 tools/make_example.py

With --scale K the same distributions are written with K times the events (same total weights)
into --out (default bench-data/example-xK/), split into --files files per sample, with a copy of
analysis.yml naming them: the MPI / batch benchmark's input (K = 100: 5.5 M events).
"""
import argparse
import pathlib

import awkward as ak
import numpy as np
import uproot

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "example"
rng = np.random.default_rng(20261129)


def sample(n, signal, total_weight):
    mass = rng.normal(125.0, 8.0, n) if signal else 60.0 + rng.exponential(45.0, n)
    # Per event: is MET hard, are the jets hard (the signal: both; the background: neither,
    # jets only or MET only).
    component = rng.choice(3, size=n, p=[0.70, 0.15, 0.15])
    hard_met = np.ones(n, dtype=bool) if signal else component == 2
    hard_jets = np.ones(n, dtype=bool) if signal else component == 1
    met = np.where(hard_met, rng.exponential(80.0, n), rng.exponential(25.0, n))
    njet = np.where(hard_jets, rng.poisson(2.5, n), rng.poisson(1.3, n))
    jet_scale = np.repeat(np.where(hard_jets, 60.0, 25.0), njet)
    pts = 25.0 + rng.exponential(1.0, int(njet.sum())) * jet_scale
    jets = ak.unflatten(pts, njet)
    jets = jets[ak.argsort(jets, axis=1, ascending=False)]
    weight = rng.uniform(0.8, 1.2, n)
    weight *= total_weight / weight.sum()
    tilt = 0.15 * np.minimum(met / 150.0, 1.0)
    return {
        "mass": mass.astype(np.float32),
        "met": met.astype(np.float32),
        "jet_pt": ak.values_astype(jets, np.float32),
        "weight": weight.astype(np.float32),
        "weight_up": (weight * (1 + tilt)).astype(np.float32),
        "weight_down": (weight * (1 - tilt)).astype(np.float32),
    }


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--scale", type=int, default=1, help="events per bundled event")
parser.add_argument("--files", type=int, default=1, help="files per sample (with --scale)")
parser.add_argument("--out", type=pathlib.Path, help="output folder (with --scale)")
args = parser.parse_args()

if args.scale != 1:
    out = args.out or OUT.parent.parent / "bench-data" / f"example-x{args.scale}"
    out.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, n, signal, total in [("signal", 5000, True, 45.0), ("background", 50000, False, 4000.0)]:
        names[name] = []
        for part in range(args.files):
            count = n * args.scale * (part + 1) // args.files - n * args.scale * part // args.files
            data = sample(count, signal, total / args.files)
            path = out / f"{name}_{part}.root"
            with uproot.recreate(path) as f:
                tree = f.mktree("events", {k: ("var * float32" if k == "jet_pt" else np.float32) for k in data})
                for start in range(0, count, 500_000):
                    tree.extend({k: v[start:start + 500_000] for k, v in data.items()})
            names[name].append(path.name)
            print("wrote", path)
    config = (OUT / "analysis.yml").read_text()
    for name, files in names.items():
        config = config.replace(f"files: [{name}.root]", "files: [" + ", ".join(files) + "]")
    (out / "analysis.yml").write_text(config)
    print("wrote", out / "analysis.yml")
    raise SystemExit(0)

OUT.mkdir(parents=True, exist_ok=True)
for name, n, signal, total in [("signal", 5000, True, 45.0), ("background", 50000, False, 4000.0)]:
    data = sample(n, signal, total)
    with uproot.recreate(OUT / f"{name}.root") as f:
        # A TTree (uproot's default for a dict is an RNTuple); jet_pt gets the counter njet_pt.
        tree = f.mktree("events", {k: ("var * float32" if k == "jet_pt" else np.float32) for k in data})
        tree.extend(data)
    print("wrote", OUT / f"{name}.root")

# Reference for tests: the hard histograms of analysis.yml at its initial parameters (numpy),
# written to fixtures/analysis/example_reference.json.
import json  # noqa: E402

cuts = {"cut_met": 20.0, "cut_jet": 30.0}
edges = [80.0, 105.0, 145.0, 170.0]
reference = {}
for name in ["signal", "background"]:
    tree = uproot.open(OUT / f"{name}.root")["events"]
    v = {k: tree[k].array(library="np").astype(np.float64) for k in ["mass", "met", "weight", "weight_up", "weight_down"]}
    lead = ak.to_numpy(ak.fill_none(ak.firsts(tree["jet_pt"].array()), 0.0)).astype(np.float64)
    selected = (v["met"] > cuts["cut_met"]) & (lead > cuts["cut_jet"])
    for w in ["weight", "weight_up", "weight_down"]:
        ws = np.where(selected, v[w], 0.0)
        counts, _ = np.histogram(v["mass"], bins=edges, weights=ws)
        sumw2, _ = np.histogram(v["mass"], bins=edges, weights=ws ** 2)
        reference[f"{name}/{w}"] = {"counts": counts.tolist(), "sumw2": sumw2.tolist()}
path = OUT.parent / "analysis" / "example_reference.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps({"description": "tools/make_example.py", "histograms": reference}, indent=1) + "\n")
print("wrote", path)
