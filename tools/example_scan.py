#!/usr/bin/env python3
"""Reference scan of the bundled example with hard cuts: expected CLs from pyhf.

usage: example_scan.py [--dir fixtures/example] [--signal-scale 0.001]
                       [--background-scale 0.01] [--edges 100,120,130,180]
                       [--met-cuts 0,10,...] [--njet-min 0,1,2,3] [--json OUT]

An independent oracle for issue 5 (uproot + numpy + pyhf, no HEPKit code): for every
(met cut, minimum jet count) it fills the `mass` histogram of each sample with the hard
selection met > cut && njet >= n, builds this pyhf model

  signal:     normfactor mu, histosys from weight_up/weight_down
  background: normsys 0.9/1.1, histosys from weight_up/weight_down,
              staterror from the MC weights (sqrt of sum w^2)

and prints the expected CLs at mu = 1 on the background-only Asimov data (pyhf's
hypotest, q_mu-tilde). Sample weights are `weight * scale` (--signal-scale,
--background-scale): the ntuples hold weights ~1, the scales stand for
cross-section x luminosity / generated events.
"""
import argparse
import json
import os
import sys
import warnings

import numpy as np
import pyhf
import uproot

WEIGHTS = ("weight", "weight_up", "weight_down")


def load(path):
    with uproot.open(path) as f:
        return f["events"].arrays(["mass", "met", "njet"] + list(WEIGHTS), library="np")


def histograms(events, scale, edges, met_cut, njet_min):
    keep = (events["met"] > met_cut) & (events["njet"] >= njet_min)
    mass = events["mass"][keep]
    out = {w: np.histogram(mass, edges, weights=events[w][keep] * scale)[0] for w in WEIGHTS}
    out["sumw2"] = np.histogram(mass, edges, weights=(events["weight"][keep] * scale) ** 2)[0]
    return out


def workspace_spec(sig, bkg):
    def histosys(name, h):
        return {"name": name, "type": "histosys",
                "data": {"hi_data": h["weight_up"].tolist(), "lo_data": h["weight_down"].tolist()}}

    return {"channels": [{"name": "SR", "samples": [
        {"name": "signal", "data": sig["weight"].tolist(), "modifiers": [
            {"name": "mu", "type": "normfactor", "data": None}, histosys("signal_weight", sig)]},
        {"name": "background", "data": bkg["weight"].tolist(), "modifiers": [
            {"name": "background_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
            histosys("background_weight", bkg),
            {"name": "staterror_SR", "type": "staterror", "data": np.sqrt(bkg["sumw2"]).tolist()}]},
    ]}]}


def expected_cls(spec):
    model = pyhf.Model(spec)
    pars = model.config.suggested_init()
    pars[model.config.poi_index] = 0.0
    asimov = model.expected_data(pars)
    _, expected = pyhf.infer.hypotest(1.0, asimov, model, return_expected=True)
    return float(expected)


def floats(text):
    return [float(x) for x in text.split(",") if x.strip()]


def main(argv=None):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", default=os.path.join(here, "fixtures", "example"))
    p.add_argument("--signal-scale", type=float, default=0.001)
    p.add_argument("--background-scale", type=float, default=0.01)
    p.add_argument("--edges", type=floats, default=[100, 120, 130, 180])
    p.add_argument("--met-cuts", type=floats, default=[0, 10, 20, 30, 40, 50, 60, 80, 100])
    p.add_argument("--njet-min", type=floats, default=[0, 1, 2, 3])
    p.add_argument("--json", help="also write the scan to this JSON file")
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")  # pyhf's fits warn on the flat parts of the scan

    sig = load(os.path.join(args.dir, "signal.root"))
    bkg = load(os.path.join(args.dir, "background.root"))
    edges = np.asarray(args.edges)
    rows = []
    for njet in args.njet_min:
        for cut in args.met_cuts:
            s = histograms(sig, args.signal_scale, edges, cut, njet)
            b = histograms(bkg, args.background_scale, edges, cut, njet)
            rows.append({"met_cut": cut, "njet_min": njet, "signal": float(s["weight"].sum()),
                         "background": float(b["weight"].sum()), "cls_exp": expected_cls(workspace_spec(s, b))})

    print("expected CLs at mu=1 (background-only Asimov), mass edges %s" % args.edges)
    print("njet>= \\ met> " + " ".join("%7g" % c for c in args.met_cuts))
    for njet in args.njet_min:
        print("%13g " % njet + " ".join("%7.4f" % r["cls_exp"] for r in rows if r["njet_min"] == njet))
    best = min(rows, key=lambda r: r["cls_exp"])
    print("best: met > %g, njet >= %g: CLs %.4f (S = %.2f, B = %.1f)"
          % (best["met_cut"], best["njet_min"], best["cls_exp"], best["signal"], best["background"]))
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"signal_scale": args.signal_scale, "background_scale": args.background_scale,
                       "edges": args.edges, "pyhf": pyhf.__version__, "scan": rows}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
