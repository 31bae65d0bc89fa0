#!/usr/bin/env python3
"""Reference values for DiffColumns' relaxed histograms, computed independently with numpy/scipy.

Writes fixtures/diffcolumns/kde_reference.json: a seeded weighted sample, bin edges, and
  - kde: the Gaussian KDE integrated over each bin (relaxed.hist / neos):
         counts_j = sum_i w_i [Phi((e_{j+1}-x_i)/h) - Phi((e_j-x_i)/h)], and sumw2 with (w_i m_ij)^2,
         plus d counts_j / d e_k from the Gaussian density (scipy.stats.norm.pdf);
  - sigmoid: the same with the logistic CDF (scipy.special.expit) in place of Phi;
  - hard: numpy.histogram counts and sumw2.
Run: python3 tools/make_kde_reference.py
"""
import json
import pathlib

import numpy as np
from scipy.integrate import quad
from scipy.special import expit
from scipy.stats import norm

rng = np.random.default_rng(20261129)
n = 500
x = np.concatenate([rng.exponential(30.0, n - 100) + 20.0, rng.normal(125.0, 10.0, 100)])
w = rng.uniform(0.5, 1.5, n)
edges = np.array([20.0, 60.0, 100.0, 115.0, 135.0, 200.0])
bandwidth = 7.5

def relaxed(cdf, pdf):
    u = (x[:, None] - edges[None, :]) / bandwidth          # events x edges
    step = cdf(u)
    m = step[:, :-1] - step[:, 1:]                         # events x bins
    counts = (w[:, None] * m).sum(axis=0)
    sumw2 = ((w[:, None] * m) ** 2).sum(axis=0)
    slope = pdf(u) / bandwidth
    nb = len(edges) - 1
    jac = np.zeros((nb, len(edges)))
    for j in range(nb):
        jac[j, j] = -(w * slope[:, j]).sum()
        jac[j, j + 1] = (w * slope[:, j + 1]).sum()
    return counts, sumw2, jac

def logistic_pdf(u):
    s = expit(u)
    return s * (1 - s)

kde = relaxed(norm.cdf, norm.pdf)
# Cross-check the CDF form against direct numerical integration of the KDE density.
def kde_density(t):
    return (w * norm.pdf((t - x) / bandwidth) / bandwidth).sum()
for j in range(len(edges) - 1):
    integral, _ = quad(kde_density, edges[j], edges[j + 1], epsabs=1e-12, epsrel=1e-12, limit=200)
    assert abs(integral - kde[0][j]) < 1e-9 * max(1.0, kde[0][j]), (j, integral, kde[0][j])
sig = relaxed(expit, logistic_pdf)
hard_counts, _ = np.histogram(x, bins=edges, weights=w)
hard_sumw2, _ = np.histogram(x, bins=edges, weights=w ** 2)

out = {
    "description": "tools/make_kde_reference.py (numpy %s, scipy)" % np.__version__,
    "x": x.tolist(), "w": w.tolist(), "edges": edges.tolist(), "bandwidth": bandwidth,
    "kde": {"counts": kde[0].tolist(), "sumw2": kde[1].tolist(), "dcounts_dedges": kde[2].tolist()},
    "sigmoid": {"counts": sig[0].tolist(), "sumw2": sig[1].tolist(), "dcounts_dedges": sig[2].tolist()},
    "hard": {"counts": hard_counts.tolist(), "sumw2": hard_sumw2.tolist()},
}
path = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "diffcolumns" / "kde_reference.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
