#!/usr/bin/env python3
"""INFERNO's synthetic 3D mixture (de Castro & Dorigo, arXiv:1806.04743, section 5) as ROOT ntuples
and HEPKit analysis configs.

usage: make_inferno.py [OUTDIR] [--events N] [--seed S]    (default fixtures/learned/inferno, 20000, 42)

Background: (x0, x1) ~ N((2 + r, 0), diag(5, 9)), x2 ~ Exp(rate λ), nominal r = 0, λ = 3.
Signal:     (x0, x1) ~ N((0, 0), diag(1, 1)),    x2 ~ Exp(rate 2).
The signal mean is that of the paper's code (pablodecm/paper-inferno, code/synthetic_3D_example.py:
`loc=[0., 0.]`), which produced its table; the paper's text says (1, 1). Only with (0, 0) is the
analytical-likelihood width the table's 14.71 (a 2-million-event integral gives 14.70; (1, 1) gives 16.15).
Expected yields s = 50, b = 1000 (each sample's events carry weight yield / N).
The nuisances as HistFactory modifiers: shifted-sample histosys for r and λ and a background
normsys (±10%, the paper's N(b | 1000, 100)) for b; the POI is the signal normfactor (σ_s = 50·σ_μ).
The paper's benchmarks (section 5.2):
  0 no nuisance;  1 r free;  2 r and λ free;  3 r ~ N(0, 0.4), λ ~ N(3, 1);  4 as 3 and b ~ N(1000, 100).
A histosys's constraint is a unit Gaussian on α with its up/down templates at α = ±1, so a nuisance
of width σ has templates at r = ±σ (λ = 3 ± σ): the nominal background's events shifted by σ (x0 + r;
x2·3/λ, which turns Exp(3) into Exp(λ)), so a template's difference is the nuisance's effect, not MC
noise, and entry i of every template is event i (the validation split keeps them together).
HistFactory has no unconstrained histosys: "free" (benchmarks 1, 2) is a constraint three times
wider than benchmark 3's (σ_r = 1.2, σ_λ = 2, a ninth of its prior information).
For each benchmark two configs: *_ce.yml (a sigmoid classifier trained with cross-entropy, its
score binned in 10 bins) and *_inferno.yml (a 10-output softmax trained on the POI's expected
uncertainty). All from one seeded numpy generator.
"""
import argparse
import pathlib

import numpy as np
import uproot

SIGNAL, BACKGROUND = 50.0, 1000.0
# Nuisance widths per benchmark (r and λ in their own units, b relative).
BENCHMARKS = {
    0: {},
    1: {"r": 1.2},
    2: {"r": 1.2, "lam": 2.0},
    3: {"r": 0.4, "lam": 1.0},
    4: {"r": 0.4, "lam": 1.0, "b": 0.1},
}


def background(rng, n, r=0.0, lam=3.0):
    x0 = rng.normal(2.0 + r, np.sqrt(5.0), n)
    x1 = rng.normal(0.0, 3.0, n)
    x2 = rng.exponential(1.0 / lam, n)
    return x0, x1, x2


def signal(rng, n):
    return rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n), rng.exponential(0.5, n)


def write(path, columns, yield_):
    x0, x1, x2 = columns
    n = len(x0)
    data = {"x0": x0.astype("f8"), "x1": x1.astype("f8"), "x2": x2.astype("f8"), "weight": np.full(n, yield_ / n)}
    with uproot.recreate(path) as f:
        # A TTree (mktree), not the RNTuple newer uproot writes for a plain assignment.
        f.mktree("events", {name: "f8" for name in data}).extend(data)


def template_name(nuisance, width, direction):
    return f"background_{nuisance}{width:g}_{direction}.root"


def config(benchmark, method, steps):
    nuisances = BENCHMARKS[benchmark]
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
    for name in ("r", "lam"):
        if name in nuisances:
            up, down = (template_name(name, nuisances[name], d) for d in ("up", "down"))
            lines.append(f"  - {{name: {name}, type: histosys, samples: [background], files_up: [{up}], files_down: [{down}]}}")
    if "b" in nuisances:
        lines.append(f"  - {{name: b, type: normsys, samples: [background], lo: {1 - nuisances['b']:g}, hi: {1 + nuisances['b']:g}}}")
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
    nominal = background(rng, n)
    x0, x1, x2 = nominal
    write(out / "background.root", nominal, BACKGROUND)
    widths = {(name, width) for nuisances in BENCHMARKS.values() for name, width in nuisances.items() if name != "b"}
    for name, width in sorted(widths):
        for direction, sign in (("up", 1), ("down", -1)):
            shifted = (x0 + sign * width, x1, x2) if name == "r" else (x0, x1, x2 * 3.0 / (3.0 + sign * width))
            write(out / template_name(name, width, direction), shifted, BACKGROUND)
    for benchmark in BENCHMARKS:
        for method in ("ce", "inferno"):
            (out / f"benchmark{benchmark}_{method}.yml").write_text(config(benchmark, method, args.steps))
    print("wrote", out)


if __name__ == "__main__":
    main()
