#!/usr/bin/env python3
"""Brute-force scan of the bundled example with hard cuts, with pyhf as the oracle.

For each of cut_met and cut_jet (the other parameters at their initial values in
fixtures/example/analysis.yml), fills the SR histograms with numpy and builds the workspace the
config describes — normfactor mu on the signal, normsys bkg_norm (0.9/1.1) on the background,
histosys `shape` from weight_up/weight_down, staterror from sqrt(sumw2), lumi (σ = 0.02) — with
the background-only expectation as observed data (Asimov), and computes the expected CLs at
mu = 1 (qtilde); then finds the joint optimum of all four parameters on a grid by coordinate
descent and an exhaustive search within two grid steps of where the descent stops (`joint`). Writes fixtures/analysis/example_scan.json. Run: python3 tools/scan_example.py
"""
import itertools
import json
import pathlib

import awkward as ak
import numpy as np
import pyhf
import uproot

ROOT = pathlib.Path(__file__).resolve().parent.parent
INITIAL = {"cut_met": 20.0, "cut_jet": 30.0, "edge1": 105.0, "edge2": 145.0}
GRIDS = {"cut_met": list(range(0, 151, 10)), "cut_jet": list(range(25, 161, 15))}


def load(name):
    tree = uproot.open(ROOT / f"fixtures/example/{name}.root")["events"]
    v = {k: tree[k].array(library="np").astype(np.float64) for k in ["mass", "met", "weight", "weight_up", "weight_down"]}
    v["lead"] = ak.to_numpy(ak.fill_none(ak.firsts(tree["jet_pt"].array()), 0.0)).astype(np.float64)
    return v


SAMPLES = {"signal": load("signal"), "background": load("background")}


def histogram(v, p, weight):
    selected = (v["met"] > p["cut_met"]) & (v["lead"] > p["cut_jet"])
    w = np.where(selected, v[weight], 0.0)
    edges = [80.0, p["edge1"], p["edge2"], 170.0]
    counts, _ = np.histogram(v["mass"], bins=edges, weights=w)
    sumw2, _ = np.histogram(v["mass"], bins=edges, weights=w ** 2)
    return counts, sumw2


def workspace(p):
    samples = []
    for name, v in SAMPLES.items():
        counts, sumw2 = histogram(v, p, "weight")
        up, _ = histogram(v, p, "weight_up")
        down, _ = histogram(v, p, "weight_down")
        modifiers = [
            {"name": "shape", "type": "histosys", "data": {"hi_data": up.tolist(), "lo_data": down.tolist()}},
            {"name": "staterror_SR", "type": "staterror", "data": np.sqrt(sumw2).tolist()},
            {"name": "lumi", "type": "lumi", "data": None},
        ]
        if name == "signal":
            modifiers.append({"name": "mu", "type": "normfactor", "data": None})
        else:
            modifiers.append({"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}})
        samples.append({"name": name, "data": counts.tolist(), "modifiers": modifiers})
    lumi = {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]}
    return pyhf.Workspace({
        "channels": [{"name": "SR", "samples": samples}],
        "observations": [{"name": "SR", "data": samples[1]["data"]}],
        "measurements": [{"name": "example", "config": {"poi": "mu", "parameters": [lumi]}}],
        "version": "1.0.0",
    })


def expected_cls(p):
    ws = workspace(p)
    model = ws.model()
    return float(pyhf.infer.hypotest(1.0, ws.data(model), model, test_stat="qtilde"))


scans = {}
for name, grid in GRIDS.items():
    points = [{"value": value, "cls": expected_cls({**INITIAL, name: float(value)})} for value in grid]
    best = min(points, key=lambda point: point["cls"])
    scans[name] = {"points": points, "best": best}
    print(name, "best", best)

# The joint optimum of all four parameters on a grid, by coordinate descent from the initial
# values: scan each parameter along its grid with the others at the current best, move to the
# best point, repeat until no parameter moves. `lines` are the final scans through the optimum.
JOINT_GRIDS = {
    "cut_met": [float(v) for v in range(0, 151, 10)],
    "cut_jet": [float(v) for v in range(25, 156, 10)],
    "edge1": [float(v) for v in range(86, 123, 2)],
    "edge2": [float(v) for v in range(128, 165, 2)],
}
current = {name: min(grid, key=lambda v: abs(v - INITIAL[name])) for name, grid in JOINT_GRIDS.items()}
cache = {}


def cached_cls(p):
    key = tuple(p[name] for name in JOINT_GRIDS)
    if key not in cache:
        cache[key] = expected_cls(p)
    return cache[key]


for sweep in range(20):
    moved = False
    lines = {}
    for name, grid in JOINT_GRIDS.items():
        points = [{"value": v, "cls": cached_cls({**current, name: v})} for v in grid]
        best = min(points, key=lambda point: point["cls"])
        lines[name] = points
        if best["value"] != current[name]:
            current[name] = best["value"]
            moved = True
    print("sweep", sweep, current, cached_cls(current))
    if not moved:
        break
# Coordinate descent can stop at a grid point that is best only along each axis: search every
# combination within two grid steps of it too.
descent = dict(current)
neighbourhoods = []
for name, grid in JOINT_GRIDS.items():
    i = grid.index(descent[name])
    neighbourhoods.append(grid[max(0, i - 2):i + 3])
for values in itertools.product(*neighbourhoods):
    p = dict(zip(JOINT_GRIDS, values))
    if cached_cls(p) < cached_cls(current):
        current = p
print("refined", current, cached_cls(current))
lines = {name: [{"value": v, "cls": cached_cls({**current, name: v})} for v in grid] for name, grid in JOINT_GRIDS.items()}
joint = {
    "steps": {name: grid[1] - grid[0] for name, grid in JOINT_GRIDS.items()},
    "descent": {"parameters": descent, "cls": cached_cls(descent)},
    "best": {"parameters": current, "cls": cached_cls(current)},
    "lines": lines,
    "evaluations": len(cache),
}
out = {"description": "tools/scan_example.py (pyhf %s)" % pyhf.__version__, "initial": INITIAL, "scans": scans, "joint": joint}
path = ROOT / "fixtures/analysis/example_scan.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
