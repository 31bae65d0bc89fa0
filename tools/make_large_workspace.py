#!/usr/bin/env python3
"""A large synthetic pyhf workspace for benchmarks: C channels x B bins x S samples, N shared
systematics (alternating normsys / histosys, each on a random subset of samples), a staterror per
channel and a signal normfactor `mu`. Deterministic for a seed.

usage: python3 tools/make_large_workspace.py [--channels 20 --bins 40 --samples 10 --systematics 200 --seed 1] > ws.json
"""
import argparse
import json
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", type=int, default=20)
    ap.add_argument("--bins", type=int, default=40)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--systematics", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    channels, observations = [], []
    for c in range(a.channels):
        name = "SR%d" % c if c < a.channels // 2 else "CR%d" % c
        samples, total = [], [0.0] * a.bins
        for s in range(a.samples):
            scale = rng.uniform(5, 60) if s else (rng.uniform(1, 8) if name.startswith("SR") else 0.2)
            nominal = [round(scale * rng.uniform(0.5, 1.5) * (1 + 0.5 * (b / a.bins)), 4) for b in range(a.bins)]
            mods = []
            if s == 0:
                mods.append({"name": "mu", "type": "normfactor", "data": None})
            for k in rng.sample(range(a.systematics), k=max(1, a.systematics // 10)):
                if k % 2:
                    mods.append({"name": "sys_%d" % k, "type": "normsys",
                                 "data": {"hi": round(1 + rng.uniform(0.01, 0.1), 4), "lo": round(1 - rng.uniform(0.01, 0.1), 4)}})
                else:
                    shift = [rng.uniform(0.005, 0.05) for _ in nominal]
                    mods.append({"name": "sys_%d" % k, "type": "histosys",
                                 "data": {"hi_data": [round(v * (1 + d), 4) for v, d in zip(nominal, shift)],
                                          "lo_data": [round(v * (1 - d * rng.uniform(0.5, 1.5)), 4) for v, d in zip(nominal, shift)]}})
            mods.append({"name": "staterror_%s" % name, "type": "staterror",
                         "data": [round(0.05 * v, 4) for v in nominal]})
            samples.append({"name": "sample_%d" % s, "data": nominal, "modifiers": mods})
            total = [t + v for t, v in zip(total, nominal)]
        channels.append({"name": name, "samples": samples})
        observations.append({"name": name, "data": [float(round(rng.gauss(t, t ** 0.5))) for t in total]})
    ws = {"channels": channels, "observations": observations, "version": "1.0.0",
          "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}]}
    print(json.dumps(ws))


if __name__ == "__main__":
    main()
