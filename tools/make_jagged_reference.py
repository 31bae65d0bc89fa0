#!/usr/bin/env python3
"""Reference values for HEPKit's masked jagged collections, counts and ranks on a real ROOT file.

Reads fixtures/root/uproot-HZZ-zlib.root with uproot and evaluates each expression of EXPRESSIONS
with awkward (float64; masks compact the lists as awkward does; an index past the end and
max/min/argmax of an empty list give 0), at cut_pt = 30 and cut_iso = 1. Ties go to the first
element, as ak.argmax and a stable descending sort do. Writes every event's value to
fixtures/analysis/jagged_reference.json. Run: python3 tools/make_jagged_reference.py
"""
import json
import pathlib

import awkward as ak
import numpy as np
import uproot

ROOT = pathlib.Path(__file__).resolve().parent.parent
tree = uproot.open(ROOT / "fixtures/root/uproot-HZZ-zlib.root")["events"]
b = {k: ak.values_astype(tree[k].array(), np.float64)
     for k in ["Jet_Px", "Jet_Py", "Jet_Pz", "Jet_E", "Muon_E", "Muon_Pz", "Muon_Iso", "Muon_Charge"]}
cut_pt, cut_iso = 30.0, 1.0


def filled(x, default=0.0):
    return ak.to_numpy(ak.fill_none(x, default)).astype(np.float64)


def at(x, i, default=0.0):
    return filled(ak.pad_none(x, i + 1, axis=1)[:, i], default)


def pick(x, index):
    return filled(ak.firsts(x[index]))


jets = np.sqrt(b["Jet_Px"] ** 2 + b["Jet_Py"] ** 2) > cut_pt
energy = b["Jet_E"][jets]
muons = (b["Muon_Iso"] < cut_iso) & (b["Muon_Charge"] > 0)
PT = "sqrt(Jet_Px * Jet_Px + Jet_Py * Jet_Py) > cut_pt"
EXPRESSIONS = {
    f"len(Jet_E[{PT}])": ak.to_numpy(ak.num(energy)),
    f"sum(Jet_E[{PT}])": filled(ak.sum(energy, axis=1)),
    f"max(Jet_E[{PT}])": filled(ak.max(energy, axis=1)),
    f"min(Jet_Pz[{PT}])": filled(ak.min(b["Jet_Pz"][jets], axis=1)),
    f"Jet_E[{PT}][1]": at(energy, 1),
    f"Jet_Pz[argmax(Jet_E[{PT}])]": pick(b["Jet_Pz"][jets], ak.argmax(energy, axis=1, keepdims=True)),
    f"Jet_Pz[argmin(Jet_E[{PT}])]": pick(b["Jet_Pz"][jets], ak.argmin(energy, axis=1, keepdims=True)),
    f"leading(Jet_E[{PT}], 1)": at(ak.sort(energy, axis=1, ascending=False, stable=True), 1),
    f"Jet_Pz[argleading(Jet_E[{PT}], 1)]":
        at(b["Jet_Pz"][jets][ak.argsort(energy, axis=1, ascending=False, stable=True)], 1),
    f"len(Jet_E[{PT}]) >= 2": (ak.to_numpy(ak.num(energy)) >= 2).astype(float),
    f"len(Jet_E[{PT}]) == 1": (ak.to_numpy(ak.num(energy)) == 1).astype(float),
    "sum(Muon_E[Muon_Iso < cut_iso && Muon_Charge > 0])": filled(ak.sum(b["Muon_E"][muons], axis=1)),
    "any(Muon_Pz[Muon_Iso < cut_iso] > 0)": filled(ak.any(b["Muon_Pz"][b["Muon_Iso"] < cut_iso] > 0, axis=1)),
    "all(Muon_Pz[Muon_Iso < cut_iso] > 0)": filled(ak.all(b["Muon_Pz"][b["Muon_Iso"] < cut_iso] > 0, axis=1)),
}

out = {"parameters": {"cut_pt": cut_pt, "cut_iso": cut_iso}, "events": int(tree.num_entries),
       "expressions": {source: np.asarray(values, dtype=np.float64).tolist() for source, values in EXPRESSIONS.items()}}
path = ROOT / "fixtures/analysis/jagged_reference.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path}")
