#!/usr/bin/env python3
"""Reference numbers for the Inference tests, computed with pyhf 0.7.6 (numpy backend) and
tightly converged fits (iminuit, tolerance 1e-10, strategy 2) so they can be compared at ~1e-7.

usage: python3 tools/make_inference_reference.py > fixtures/inference/reference.json

Cases are the specs of pyhf's tests/test_validation.py (ROOT-validated, normsys code1) and
reference §5.9 Example 1 (pyhf.simplemodels.uncorrelated_background).
"""
import json
import numpy as np
import scipy.optimize
import scipy.stats
import pyhf

pyhf.set_backend("numpy", pyhf.optimize.minuit_optimizer(tolerance=1e-10, strategy=2))


def spec_1bin_shapesys(sig, bkg, bkgerr):
    return {"channels": [{"name": "singlechannel", "samples": [
        {"name": "signal", "data": sig, "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "background", "data": bkg, "modifiers": [{"name": "uncorr_bkguncrt", "type": "shapesys", "data": bkgerr}]}]}]}


def spec_normsys():
    return {"channels": [{"name": "singlechannel", "samples": [
        {"name": "signal", "data": [30.0, 95.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "background", "data": [100.0, 150.0], "modifiers": [{"name": "bkg_norm", "type": "normsys", "data": {"lo": 0.9, "hi": 1.1}}]}]}]}


CASES = {
    "1bin_shapesys": (spec_1bin_shapesys([10.0], [50.0], [7.0]), [55.0], 1.0, "q"),
    "1bin_shapesys_q0": (spec_1bin_shapesys([25.0], [50.0], [7.0]), [80.0], 0.0, "q0"),
    "1bin_normsys": (spec_normsys(), [120.0, 180.0], 1.0, "q"),
    "example1": (spec_1bin_shapesys([12.0, 11.0], [50.0, 52.0], [3.0, 7.0]), [51.0, 48.0], 1.0, "qtilde"),
}


def hessian_errors(model, data, pars, fixed):
    """Inverse of a central finite-difference Hessian of -logpdf (independent of HEPKit's code)."""
    free = [i for i, f in enumerate(fixed) if not f]
    f = lambda p: -model.logpdf(p, data)[0]
    n = len(free)
    H = np.zeros((n, n))
    x = np.array(pars, dtype=float)
    h = 1e-4
    for a, i in enumerate(free):
        for b, j in enumerate(free):
            ei = np.zeros_like(x); ei[i] = h
            ej = np.zeros_like(x); ej[j] = h
            H[a, b] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    C = np.linalg.inv(H)
    errors = [0.0] * len(pars)
    for a, i in enumerate(free):
        errors[i] = float(np.sqrt(C[a, a]))
    return errors


def refit_holding(model, data, index, value):
    init = list(model.config.suggested_init())
    fixed = list(model.config.suggested_fixed())
    init[index] = value
    fixed[index] = True
    pars, val = pyhf.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed, return_fitted_val=True)
    return pars, float(val)


def ranking(model, data, bestfit, errors):
    """POI shifts when each nuisance parameter is held at best fit +- prefit width / Hessian error."""
    poi = model.config.poi_index
    out = {}
    for name in model.config.par_order:
        sl = model.config.par_slice(name)
        par = model.config.param_set(name)
        for k, i in enumerate(range(sl.start, sl.stop)):
            if i == poi:
                continue
            label = model.config.par_names[i]
            lo, hi = model.config.suggested_bounds()[i]
            clamp = lambda v: min(max(v, lo), hi)
            width = par.width()[k] if par.constrained else None
            row = {}
            if width is not None:
                row["prefit_up"] = float(refit_holding(model, data, i, clamp(bestfit[i] + width))[0][poi] - bestfit[poi])
                row["prefit_down"] = float(refit_holding(model, data, i, clamp(bestfit[i] - width))[0][poi] - bestfit[poi])
            row["postfit_up"] = float(refit_holding(model, data, i, clamp(bestfit[i] + errors[i]))[0][poi] - bestfit[poi])
            row["postfit_down"] = float(refit_holding(model, data, i, clamp(bestfit[i] - errors[i]))[0][poi] - bestfit[poi])
            out[label] = row
    return out


def profile_interval(model, data, bestfit, twice_nll):
    """Values of the POI where the profiled 2NLL rises by 1 (clamped to the POI bounds)."""
    poi = model.config.poi_index
    lo, hi = model.config.suggested_bounds()[poi]
    rise = lambda v: refit_holding(model, data, poi, v)[1] - twice_nll - 1
    center = float(bestfit[poi])
    lower = lo if rise(lo) < 0 else scipy.optimize.brentq(rise, lo, center, xtol=1e-10)
    upper = hi if rise(hi) < 0 else scipy.optimize.brentq(rise, center, hi, xtol=1e-10)
    return [float(lower), float(upper)]


out = {}
for name, (spec, obs, mu, ts) in CASES.items():
    settings = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}
    model = pyhf.Model(spec, modifier_settings=settings, poi_name="mu")
    data = obs + model.config.auxdata
    cls_obs, cls_exp = pyhf.infer.hypotest(mu, data, model, test_stat=ts, return_expected_set=True)
    bestfit, twice_nll = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
    entry = {
        "spec": spec, "observed": obs, "mu": mu, "test_stat": ts,
        "CLs_obs": float(cls_obs), "CLs_exp": [float(v) for v in cls_exp],
        "bestfit": [float(v) for v in bestfit], "twice_nll": float(twice_nll),
        "hessian_errors": hessian_errors(model, data, bestfit, model.config.suggested_fixed()),
    }
    entry["ranking"] = ranking(model, data, bestfit, entry["hessian_errors"])
    entry["profile_interval_poi"] = profile_interval(model, data, bestfit, twice_nll)
    if ts == "q0":
        entry["significance"] = {"Z_obs": float(scipy.stats.norm.isf(float(cls_obs)))}
    if ts != "q0":
        obs_limit, exp_limits = pyhf.infer.intervals.upper_limits.toms748_scan(
            data, model, 0.0, 10.0, rtol=1e-10, test_stat=ts)
        entry["upper_limit"] = {"obs": float(obs_limit), "exp": [float(v) for v in exp_limits]}
    out[name] = entry
# Tightly converged CLs (mu = 1, qtilde) and limits for the small fixtures of fixtures/pyhf (their
# truth files come from SLSQP fits, ~1e-4 off the optimum in some expected values).
import os
fixtures = {}
folder = os.path.join(os.path.dirname(__file__), "..", "fixtures", "pyhf")
for name in sorted(os.listdir(folder)):
    if not name.endswith(".truth.json"):
        continue
    stem = name[: -len(".truth.json")]
    truth = json.load(open(os.path.join(folder, name)))
    if truth["n_parameters"] > 50:
        continue
    ws = pyhf.Workspace(json.load(open(os.path.join(folder, stem + ".json"))))
    model = ws.model()
    data = ws.data(model)
    cls_obs, cls_exp = pyhf.infer.hypotest(1.0, data, model, return_expected_set=True)
    entry = {"CLs_obs": float(cls_obs), "CLs_exp": [float(v) for v in cls_exp]}
    if "histosys" in stem or "input2" in stem:
        obs_limit, exp_limits = pyhf.infer.intervals.upper_limits.toms748_scan(data, model, 0.0, 10.0, rtol=1e-9)
        entry["upper_limit"] = {"obs": float(obs_limit), "exp": [float(v) for v in exp_limits]}
    fixtures[stem] = entry
print(json.dumps({"cases": out, "fixtures": fixtures}, indent=1))
