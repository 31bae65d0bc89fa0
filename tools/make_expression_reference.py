#!/usr/bin/env python3
"""Reference values for HEPKit's expression language and hard histograms on a real ROOT file.

Reads fixtures/root/uproot-HZZ-zlib.root with uproot, evaluates each expression of EXPRESSIONS
with awkward/numpy (float64, the same semantics written independently: out-of-range index → 0,
min/max of an empty list → 0), and writes per expression the sum over events, the sum of squares
and the first 20 values; then fills the histograms of the analysis in
fixtures/analysis/hzz_analysis.yml with numpy.histogram (hard cuts).
Writes fixtures/analysis/hzz_reference.json. Run: python3 tools/make_expression_reference.py
"""
import json
import pathlib

import awkward as ak
import numpy as np
import uproot

ROOT = pathlib.Path(__file__).resolve().parent.parent
tree = uproot.open(ROOT / "fixtures/root/uproot-HZZ-zlib.root")["events"]
b = {}
for k in tree.keys():
    if tree[k].typename in ("float", "int32_t", "bool"):
        b[k] = tree[k].array(library="np").astype(np.float64)
    elif tree[k].typename in ("float[]", "int32_t[]", "bool[]"):
        b[k] = ak.values_astype(tree[k].array(), np.float64)


def at(x, i, default=0.0):
    padded = ak.pad_none(x, i + 1, axis=1)
    return ak.to_numpy(ak.fill_none(padded[:, i], default))


def reduce_or(f, x, default=0.0):
    return ak.to_numpy(ak.fill_none(f(x, axis=1), default))


met = np.sqrt(b["MET_px"] ** 2 + b["MET_py"] ** 2)
EXPRESSIONS = {
    "sqrt(MET_px*MET_px + MET_py*MET_py)": met,
    "len(Jet_Px)": ak.to_numpy(ak.num(b["Jet_Px"])),
    "sum(Jet_Px)": reduce_or(ak.sum, b["Jet_Px"]),
    "max(Jet_E)": reduce_or(ak.max, b["Jet_E"]),
    "min(abs(Muon_Pz))": reduce_or(ak.min, abs(b["Muon_Pz"])),
    "Jet_Px[1] + Muon_Px[0]": at(b["Jet_Px"], 1) + at(b["Muon_Px"], 0),
    "at(Muon_E, 2, -1)": at(b["Muon_E"], 2, -1.0),
    "sum(Jet_Px * Jet_Px + Jet_Py * Jet_Py > 1600)": reduce_or(ak.sum, b["Jet_Px"] ** 2 + b["Jet_Py"] ** 2 > 1600),
    "any(Muon_Charge > 0) && all(Muon_Iso < 5)":
        (reduce_or(ak.any, b["Muon_Charge"] > 0) * reduce_or(ak.all, b["Muon_Iso"] < 5, 1.0)).astype(float),
    "NJet >= 2 || !(MET_px < 0)": ((b["NJet"] >= 2) | ~(b["MET_px"] < 0)).astype(float),
    "log(1 + exp(-abs(MET_py) / 10)) * pow(EventWeight, 2)":
        np.log(1 + np.exp(-abs(b["MET_py"]) / 10)) * b["EventWeight"] ** 2,
}

expressions = {}
for source, values in EXPRESSIONS.items():
    v = np.asarray(values, dtype=np.float64)
    expressions[source] = {"sum": float(v.sum()), "sum2": float((v * v).sum()), "first": v[:20].tolist()}

# The analysis of fixtures/analysis/hzz_analysis.yml, hard, at the parameters' initial values.
cut_met, edge1 = 20.0, 45.0
edges = np.array([0.0, 20.0, edge1, 100.0])
selection = (met > cut_met) & (reduce_or(ak.sum, b["Jet_Px"] > 0) >= 1)
muon_pt = np.sqrt(at(b["Muon_Px"], 0) ** 2 + at(b["Muon_Py"], 0) ** 2)
histograms = {}
for sample, weight in [("sig", b["EventWeight"]), ("bkg", 2 * b["EventWeight"])]:
    w = np.where(selection, weight, 0.0)
    counts, _ = np.histogram(muon_pt, bins=edges, weights=w)
    sumw2, _ = np.histogram(muon_pt, bins=edges, weights=w ** 2)
    histograms[sample] = {"counts": counts.tolist(), "sumw2": sumw2.tolist()}
# The control region: fixed edges on MET, no jets.
cr = ak.to_numpy(ak.num(b["Jet_Px"])) == 0
for sample, weight in [("sig", b["EventWeight"]), ("bkg", 2 * b["EventWeight"])]:
    w = np.where(cr, weight, 0.0)
    counts, _ = np.histogram(met, bins=[0, 10, 30, 200], weights=w)
    sumw2, _ = np.histogram(met, bins=[0, 10, 30, 200], weights=w ** 2)
    histograms["CR_" + sample] = {"counts": counts.tolist(), "sumw2": sumw2.tolist()}

out = {"description": "tools/make_expression_reference.py (uproot %s, awkward %s)" % (uproot.__version__, ak.__version__),
       "events": int(tree.num_entries), "expressions": expressions, "histograms": histograms}
path = ROOT / "fixtures/analysis/hzz_reference.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
