#!/usr/bin/env python3
"""Reference numbers for the five test statistics (q0, q, qtilde, tmu, tmu_tilde), pyhf 0.7.6.

usage: python3 tools/make_test_statistic_reference.py > fixtures/inference/test_statistics.json

For three workspaces (fixtures/inference/teststat_*.json: the POI bounded below by 0, by -10, and
an excess for discovery):
- the statistic's value on the observed data and on its Asimov data (pyhf.infer.test_statistics,
  Asimov data from pyhf.infer.calculators.generate_asimov_data, tightly converged minuit fits);
- asymptotic CLs (observed and the expected band) from pyhf.infer.hypotest for q0, q, qtilde;
- for tmu and tmu_tilde, which pyhf's calculators do not support, the asymptotic tail
  probabilities computed from the statistics' definitions in arXiv:1007.1727 (Wald: mu-hat/sigma
  normal with unit variance; t(z) = (a - z)^2, t~(z) = a^2 - 2 a z for z < 0): the set where the
  statistic stays below the observed value is found by root finding and integrated with the normal
  CDF. The expected band uses alternative-hypothesis data with mu-hat = -n sigma;
- toy-based CLs from pyhf's ToyCalculator for q0, q, qtilde (1000 toys, numpy seed 0, scipy fits): HEPKit's
  toys use another random generator, so tests compare them within the toys' statistical error.
"""
import json
import os
import sys

import numpy as np
import pyhf
import scipy.optimize
import scipy.stats

pyhf.set_backend("numpy", pyhf.optimize.minuit_optimizer(tolerance=1e-10, strategy=2))
# pyhf 0.7.6's numpy backend passes `interpolation=` to np.percentile, which NumPy 2 renamed `method=`.
_percentile = np.percentile
np.percentile = lambda a, q, axis=None, interpolation="linear", **kw: _percentile(a, q, axis=axis, method=interpolation, **kw)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "inference")
STATS = {"q0": pyhf.infer.test_statistics.q0, "q": pyhf.infer.test_statistics.qmu,
         "qtilde": pyhf.infer.test_statistics.qmu_tilde, "tmu": pyhf.infer.test_statistics.tmu,
         "tmu_tilde": pyhf.infer.test_statistics.tmu_tilde}
CASES = {"teststat_bounded": ["qtilde", "tmu_tilde"], "teststat_unbounded": ["q", "tmu"], "teststat_excess": ["q0"]}
NTOYS = 1000
BANDS = [2.0, 1.0, 0.0, -1.0, -2.0]
Phi = scipy.stats.norm.cdf


def statistic_of_z(name, a, z):
    """The Wald-approximated statistic as a function of z = mu-hat/sigma, with a = mu/sigma."""
    if name == "tmu_tilde" and z < 0:
        return a * a - 2 * a * z
    return (a - z) ** 2


def tail(name, a, b, T):
    """P(statistic >= T) for z ~ N(b, 1): one minus the probability of the interval around z = a."""
    f = lambda z: statistic_of_z(name, a, z) - T
    if T <= 0:
        return 1.0
    lo = scipy.optimize.brentq(f, a - 50 - T, a, xtol=1e-14)
    hi = scipy.optimize.brentq(f, a, a + 50 + T, xtol=1e-14)
    return 1.0 - (Phi(hi - b) - Phi(lo - b))


def two_sided(name, t, qA):
    a = np.sqrt(qA)
    obs = (tail(name, a, a, t), tail(name, a, 0.0, t))
    exp = [statistic_of_z(name, a, -n) for n in BANDS]
    exp = [(tail(name, a, a, T), tail(name, a, 0.0, T)) for T in exp]
    cls = lambda p: p[0] / p[1]
    return cls(obs), [cls(p) for p in exp]


def main():
    out = {}
    for case, names in CASES.items():
        spec = json.load(open(os.path.join(HERE, case + ".json")))
        ws = pyhf.Workspace(spec)
        model = ws.model()
        data = ws.data(model)
        init, bounds, fixed = model.config.suggested_init(), model.config.suggested_bounds(), model.config.suggested_fixed()
        entry = {}
        for name in names:
            mu = 0.0 if name == "q0" else 1.0
            asimov_mu = 1.0 if name == "q0" else 0.0
            value = float(STATS[name](mu, data, model, init, bounds, fixed))
            asimov = pyhf.infer.calculators.generate_asimov_data(asimov_mu, data, model, init, bounds, fixed)
            value_a = float(STATS[name](mu, asimov, model, init, bounds, fixed))
            row = {"mu": mu, "value": value, "asimov_value": value_a}
            if name in ("q0", "q", "qtilde"):
                obs, exp = pyhf.infer.hypotest(mu, data, model, test_stat=name, return_expected_set=True)
                row["CLs_obs"], row["CLs_exp"] = float(obs), [float(x) for x in exp]
                # Toy fits with pyhf's default optimizer (the tight minuit settings reject some toys).
                pyhf.set_backend("numpy", "scipy")
                np.random.seed(0)
                obs, exp = pyhf.infer.hypotest(mu, data, model, test_stat=name, calctype="toybased",
                                               ntoys=NTOYS, track_progress=False, return_expected_set=True)
                row["toys"] = {"ntoys": NTOYS, "CLs_obs": float(obs), "CLs_exp": [float(x) for x in exp]}
                pyhf.set_backend("numpy", pyhf.optimize.minuit_optimizer(tolerance=1e-10, strategy=2))
            else:
                row["CLs_obs"], row["CLs_exp"] = two_sided(name, value, value_a)
            entry[name] = row
        out[case] = entry
    json.dump({"pyhf": pyhf.__version__, "cases": out}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
