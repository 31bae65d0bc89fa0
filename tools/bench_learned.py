#!/usr/bin/env python3
"""One short measurement: a HEPKit INFERNO training step against the same step in JAX.

usage: bench_learned.py [HEPKIT_BINARY] [--steps N]   (default .build/release/hepkit, 20 steps)

Problem: benchmark 0 of tools/make_inferno.py (run it first): a 3→16→16→10 softmax network over
(x0, x1, x2), its outputs the soft bin memberships, the objective the POI's expected uncertainty on
the signal-plus-background Asimov data. Without nuisance parameters that is σ_μ = (Σ_b s_b²/(s_b + b_b))^(-1/2)
exactly, which the JAX side computes in closed form (HEPKit runs its general profile-likelihood
machinery: the fit and the implicit-function-theorem gradient). Both use every event per step
(equal batch size) and HEPKit's initial weights and input standardisation (read from the
network.json of a HEPKit run with a negligible learning rate), so the objectives must agree.
Prints HEPKit's time per step (from its summary), JAX's (jit-compiled value_and_grad plus an Adam
update, median of the steps after compilation), their ratio and both objective values.
"""
import argparse
import json
import pathlib
import re
import subprocess
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np
import uproot

jax.config.update("jax_enable_x64", True)
ROOT = pathlib.Path(__file__).resolve().parent.parent
PROBLEM = ROOT / "fixtures/learned/inferno"


def hepkit_run(binary, steps, network_rate, folder):
    text = (PROBLEM / "benchmark0_inferno.yml").read_text()
    text = re.sub(r"steps: \d+", "steps: %d" % steps, text)
    text = re.sub(r"network_learning_rate: [0-9.e-]+", "network_learning_rate: %g" % network_rate, text)
    text = text.replace("validation: {fraction: 0.3}\n", "")  # every event, as the JAX side
    text = text.replace("files: [", "files: [%s/" % PROBLEM)
    config = pathlib.Path(folder) / ("b0_%d.yml" % steps)
    config.write_text(text)
    out = pathlib.Path(folder) / ("out_%d" % steps)
    summary = subprocess.run([binary, "optimize", str(config), "-o", str(out)], capture_output=True, text=True, check=True).stdout
    seconds = float(re.search(r"optimize: \d+ steps in ([0-9.]+) s", summary).group(1))
    trajectory = json.loads((out / "trajectory.json").read_text())
    return seconds / steps, trajectory["steps"][0]["objective"], json.loads((out / "network.json").read_text())


def load(name):
    t = uproot.open(PROBLEM / name)["events"].arrays(["x0", "x1", "x2", "weight"], library="np")
    return np.stack([t["x0"], t["x1"], t["x2"]], 1), t["weight"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?", default=str(ROOT / ".build/release/hepkit"))
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        hepkit_step, _, _ = hepkit_run(args.binary, args.steps, 0.02, folder)
        _, hepkit_value, networks = hepkit_run(args.binary, 1, 1e-300, folder)
    net = networks["networks"][0]["network"]
    sizes = [net["input_count"]] + net["layers"] + [net["output_count"]]
    flat, params, o = np.array(net["weights"]), [], 0
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        w = flat[o:o + fan_in * fan_out].reshape(fan_out, fan_in)
        o += fan_in * fan_out
        params.append((jnp.array(w), jnp.array(flat[o:o + fan_out])))
        o += fan_out
    xs, ws = load("signal.root")
    xb, wb = load("background.root")
    mean, scale = np.array(net["input_mean"]), np.array(net["input_scale"])
    x = jnp.array((np.concatenate([xs, xb]) - mean) / scale)
    w_sig = jnp.array(np.concatenate([ws, np.zeros_like(wb)]))
    w_bkg = jnp.array(np.concatenate([np.zeros_like(ws), wb]))

    def sigma_mu(params):
        a = x
        for i, (w, b) in enumerate(params):
            z = a @ w.T + b
            a = jax.nn.relu(z) if i < len(params) - 1 else jax.nn.softmax(z, axis=1)
        s, b = w_sig @ a, w_bkg @ a
        return jnp.sum(s * s / (s + b)) ** -0.5

    value_and_grad = jax.jit(jax.value_and_grad(sigma_mu))
    jax_value = float(value_and_grad(params)[0])
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    times = []
    for t in range(1, args.steps + 1):
        start = time.perf_counter()
        value, g = value_and_grad(params)
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - 0.02 * (m / (1 - 0.9 ** t)) / (jnp.sqrt(v / (1 - 0.999 ** t)) + 1e-8), params, m, v)
        jax.block_until_ready(params)
        times.append(time.perf_counter() - start)
    jax_step = float(np.median(times[1:]))
    print("events per step: %d (signal %d, background %d); network %s softmax" % (x.shape[0], len(ws), len(wb), sizes))
    print("objective at HEPKit's initial weights: hepkit %.10g, jax %.10g (relative difference %.2g)"
          % (hepkit_value, jax_value, abs(hepkit_value - jax_value) / jax_value))
    print("time per training step: hepkit %.4g s (%s), jax %.4g s; jax/hepkit = %.3g"
          % (hepkit_step, args.binary, jax_step, jax_step / hepkit_step))


if __name__ == "__main__":
    main()
