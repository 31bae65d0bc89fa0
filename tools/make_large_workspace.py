#!/usr/bin/env python3
"""Generate a large synthetic pyhf workspace for benchmarks (not a test fixture).

Default: 20 channels x 40 bins x 10 samples x 200 systematics (each systematic is a normsys or a
histosys, attached to a sample in a channel with probability 0.3), a staterror per channel, a
normfactor on the signal and one shapesys; about 1000 parameters.
Usage: python3 tools/make_large_workspace.py OUT.json [--channels 20 --bins 40 --samples 10 --systematics 200 --seed 1]
"""
import argparse
import json
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--channels", type=int, default=20)
    ap.add_argument("--bins", type=int, default=40)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--systematics", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    kinds = ["normsys" if rng.random() < 0.55 else "histosys" for _ in range(a.systematics)]
    channels, observations = [], []
    for c in range(a.channels):
        samples = []
        total = np.zeros(a.bins)
        for s in range(a.samples):
            nom = rng.uniform(5, 100, a.bins) * (0.3 if s == 0 else 1.0)
            total += nom
            mods = []
            if s == 0:
                mods.append({"name": "mu", "type": "normfactor", "data": None})
            mods.append({"name": "lumi", "type": "lumi", "data": None})
            mods.append({"name": f"staterror_ch{c}", "type": "staterror", "data": list(np.sqrt(nom) * 0.3)})
            if c == 0 and s == 1:
                mods.append({"name": "bkg_shape", "type": "shapesys", "data": list(nom * 0.05)})
            for k, kind in enumerate(kinds):
                if rng.random() >= 0.3:
                    continue
                if kind == "normsys":
                    u = rng.uniform(0.01, 0.15)
                    mods.append({"name": f"syst{k}", "type": "normsys", "data": {"hi": 1 + u, "lo": 1 - u * rng.uniform(0.7, 1.1)}})
                else:
                    shift = rng.uniform(0.01, 0.1, a.bins)
                    mods.append({"name": f"syst{k}", "type": "histosys",
                                 "data": {"hi_data": list(nom * (1 + shift)), "lo_data": list(nom * (1 - shift * rng.uniform(0.7, 1.1, a.bins)))}})
            samples.append({"name": f"sample{s}", "data": list(nom), "modifiers": mods})
        channels.append({"name": f"ch{c}", "samples": samples})
        observations.append({"name": f"ch{c}", "data": list(np.round(rng.poisson(total)).astype(float))})
    ws = {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.915, 1.085]], "inits": [1.0]}]}}],
        "version": "1.0.0",
    }
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ws, f)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
