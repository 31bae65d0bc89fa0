#!/usr/bin/env python3
"""uproot reads the ROOT files `hepkit apply` writes, with the scores numpy computes from network.json.

usage: check_apply.py HEPKIT

1. `hepkit apply fixtures/learned/network.json` on the example's signal and background files as a
   friend tree (scores.root) and, for the signal file, as a copy with --copy-branches (copy.root).
2. uproot opens both: the friend tree has one `score` double per input event (both files, in
   order), equal to numpy's evaluation of the network (tanh layers, sigmoid output, the inputs
   standardised as network.json says) to 1e-12; the copy has the input tree's branches unchanged
   plus `score`, equal to the friend tree's first 5000 entries.
Exit status 1 on any difference.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

import awkward as ak
import numpy as np
import uproot

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def numpy_scores(network, files):
    entry = network["networks"][0]
    net = entry["network"]
    assert entry["inputs"] == ["met", "jet_pt[0]", "mass", "len(jet_pt)"], entry["inputs"]
    columns = []
    for path in files:
        t = uproot.open(path)["events"].arrays(["met", "jet_pt", "mass"])
        counts = ak.num(t["jet_pt"])
        leading = ak.fill_none(ak.firsts(t["jet_pt"]), 0.0)  # HEPKit: an index past the end is 0
        columns.append(np.stack([ak.to_numpy(t["met"]), ak.to_numpy(leading), ak.to_numpy(t["mass"]), ak.to_numpy(counts)], 1).astype("f8"))
    a = (np.concatenate(columns) - np.array(net["input_mean"])) / np.array(net["input_scale"])
    sizes = [net["input_count"]] + net["layers"] + [net["output_count"]]
    flat, offset = np.array(net["weights"]), 0
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        w = flat[offset:offset + fan_in * fan_out].reshape(fan_out, fan_in)
        offset += fan_in * fan_out
        z = a @ w.T + flat[offset:offset + fan_out]
        offset += fan_out
        a = np.tanh(z) if i < len(sizes) - 2 else 1 / (1 + np.exp(-z))
    return a[:, 0]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build/debug/hepkit")
    network_path = FIXTURES / "learned/network.json"
    network = json.loads(network_path.read_text())
    assert network["networks"][0]["network"]["activation"] == "tanh" and network["networks"][0]["network"]["output"] == "sigmoid"
    files = [FIXTURES / "example/signal.root", FIXTURES / "example/background.root"]
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        friend, copy = pathlib.Path(folder) / "scores.root", pathlib.Path(folder) / "copy.root"
        subprocess.run([binary, "apply", str(network_path), *map(str, files), "--tree", "events", "-o", str(friend)], check=True)
        subprocess.run([binary, "apply", str(network_path), str(files[0]), "--tree", "events", "--copy-branches", "-o", str(copy)], check=True)
        expected = numpy_scores(network, files)
        scores = uproot.open(friend)["events"]
        if scores.keys() != ["score"] or scores["score"].typename != "double":
            failures.append(f"friend tree branches {scores.keys()} {scores.typenames()}")
        got = scores["score"].array(library="np")
        if len(got) != len(expected) or np.max(np.abs(got - expected)) > 1e-12:
            failures.append(f"friend scores differ from numpy: {len(got)} vs {len(expected)} entries, max |Δ| {np.max(np.abs(got - expected)) if len(got) == len(expected) else 'n/a'}")
        source, copied = uproot.open(files[0])["events"], uproot.open(copy)["events"]
        if copied.keys() != source.keys() + ["score"]:
            failures.append(f"copy branches {copied.keys()}, expected {source.keys() + ['score']}")
        for name in source.keys():
            if not ak.all(ak.ravel(source[name].array()) == ak.ravel(copied[name].array())) or copied[name].typename != source[name].typename:
                failures.append(f"copied branch {name} differs")
        if not np.array_equal(copied["score"].array(library="np"), got[:source.num_entries]):
            failures.append("the copy's scores differ from the friend tree's")
    for failure in failures:
        print("FAIL:", failure)
    print(f"check_apply: {len(failures)} failures (friend tree of {len(expected)} entries, copy of {len(source.keys())} branches + score)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
