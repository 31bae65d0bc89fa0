#!/usr/bin/env python3
"""INFERNO's synthetic 3D mixture (de Castro & Dorigo, arXiv:1806.04743, section 5) as ROOT ntuples
and HEPKit analysis configs.

usage: make_inferno.py [OUTDIR] [--events N] [--seed S]    (default fixtures/learned/inferno, 20000, 42)

Background: (x0, x1) ~ N((2 + r, 0), diag(5, 9)), x2 ~ Exp(rate λ), nominal r = 0, λ = 3.
Signal:     (x0, x1) ~ N((1, 1), diag(1, 1)),    x2 ~ Exp(rate 2).
Expected yields s = 50, b = 1000 (each sample's events carry weight yield / N).
The nuisances as HistFactory modifiers: shifted-sample histosys for r (r = ±0.2) and λ (λ = 3 ± 0.5)
(background_r_up.root, …), and a background normsys (±10%) for b; the POI is the signal normfactor
(σ_s = 50·σ_μ). Benchmarks: 0 no nuisance, 2 r and λ, 4 r, λ and b (see inferno.md for how they map
to the paper's). For each benchmark two configs: *_ce.yml (a sigmoid classifier trained with
cross-entropy, its score binned in 10 bins) and *_inferno.yml (a 10-output softmax trained on the
POI's expected uncertainty). All from one seeded numpy generator.
"""
import argparse
import pathlib

import numpy as np
import uproot

SIGNAL, BACKGROUND = 50.0, 1000.0


def background(rng, n, r=0.0, lam=3.0):
    x0 = rng.normal(2.0 + r, np.sqrt(5.0), n)
    x1 = rng.normal(0.0, 3.0, n)
    x2 = rng.exponential(1.0 / lam, n)
    return x0, x1, x2


def signal(rng, n):
    return rng.normal(1.0, 1.0, n), rng.normal(1.0, 1.0, n), rng.exponential(0.5, n)


def write(path, columns, yield_):
    x0, x1, x2 = columns
    n = len(x0)
    data = {"x0": x0.astype("f8"), "x1": x1.astype("f8"), "x2": x2.astype("f8"), "weight": np.full(n, yield_ / n)}
    with uproot.recreate(path) as f:
        # A TTree (mktree), not the RNTuple newer uproot writes for a plain assignment.
        f.mktree("events", {name: "f8" for name in data}).extend(data)


def config(benchmark, method, steps):
    nuisances = {0: [], 2: ["r", "lam"], 4: ["r", "lam", "b"]}[benchmark]
    lines = [f"# INFERNO synthetic problem, benchmark {benchmark}, {method} (tools/make_inferno.py)",
             "samples:",
             "  - {name: signal, files: [signal.root], tree: events, weight: weight, signal: true}",
             "  - {name: background, files: [background.root], tree: events, weight: weight}"]
    if method == "ce":
        lines += ["networks:", "  - {name: score, layers: [16, 16], activation: relu, output: sigmoid, init_seed: 1}",
                  "regions:", "  - name: SR", "    observable: {network: score, inputs: [x0, x1, x2]}",
                  "    edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]", "    bandwidth: 0.02"]
    else:
        lines += ["networks:", "  - {name: score, layers: [16, 16], activation: relu, output: softmax, outputs: 10, init_seed: 1}",
                  "regions:", "  - name: SR", "    observable: {network: score, inputs: [x0, x1, x2]}"]
    lines.append("systematics:")
    if "r" in nuisances:
        lines.append("  - {name: r, type: histosys, samples: [background], files_up: [background_r_up.root], files_down: [background_r_down.root]}")
    if "lam" in nuisances:
        lines.append("  - {name: lam, type: histosys, samples: [background], files_up: [background_lam_up.root], files_down: [background_lam_down.root]}")
    if "b" in nuisances:
        lines.append("  - {name: b, type: normsys, samples: [background], lo: 0.9, hi: 1.1}")
    if not nuisances:
        lines[-1] = "systematics: []"
    lines += ["validation: {fraction: 0.3}", "poi: mu",
              "objective: " + ("cross_entropy" if method == "ce" else "poi_uncertainty"),
              f"optimizer: {{steps: {steps}, learning_rate: 0.1, network_learning_rate: 0.02, learning_rate_decay: 0.3, "
              "relaxation_start: 1, relaxation_end: 1}"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir", nargs="?", default=str(pathlib.Path(__file__).resolve().parent.parent / "fixtures/learned/inferno"))
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--steps", type=int, default=80)
    args = parser.parse_args()
    out = pathlib.Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    n = args.events
    write(out / "signal.root", signal(rng, n), SIGNAL)
    # Shifted samples: the nominal background's events moved (x0 by r; x2 scaled by 3/λ, which turns
    # Exp(3) into Exp(λ)), so a template's difference is the nuisance's effect, not MC noise.
    x0, x1, x2 = background(rng, n)
    write(out / "background.root", (x0, x1, x2), BACKGROUND)
    write(out / "background_r_up.root", (x0 + 0.2, x1, x2), BACKGROUND)
    write(out / "background_r_down.root", (x0 - 0.2, x1, x2), BACKGROUND)
    write(out / "background_lam_up.root", (x0, x1, x2 * 3.0 / 3.5), BACKGROUND)
    write(out / "background_lam_down.root", (x0, x1, x2 * 3.0 / 2.5), BACKGROUND)
    for benchmark in (0, 2, 4):
        for method in ("ce", "inferno"):
            (out / f"benchmark{benchmark}_{method}.yml").write_text(config(benchmark, method, args.steps))
    print("wrote", out)


if __name__ == "__main__":
    main()
