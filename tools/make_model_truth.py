#!/usr/bin/env python3
"""Expected values for the HistFactory model tests, computed with pyhf 0.7.6 (numpy backend).

Writes fixtures/model/model_truth.json with
  - "interpolators": pyhf.interpolators.code{0,1,2,4,4p} evaluated on histogram sets [lo, nominal, hi]
    at several alphas (additive codes give shifts, multiplicative codes factors);
  - "models": for fixture workspaces and interpolation settings (pyhf `modifier_settings`), the logpdf
    and expected data (with auxdata) at the suggested init and at seeded random parameter points
    (alphas spread over [-2.2, 2.2] so every interpolation branch is used; factors in [0.5, 1.5]).
Run from the package root: python3 tools/make_model_truth.py
"""
import json
import os

import numpy as np
import pyhf

pyhf.set_backend("numpy")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HISTOSETS = [
    [[45.0, 50.0, 57.0]],
    [[0.9, 1.0, 1.1]],
    [[0.93, 1.0, 1.08]],
    [[28.8, 30.0, 31.5], [11.1, 12.0, 13.5]],
    [[1.3, 1.0, 0.85]],  # lo above nominal, hi below: crossing templates
    [[0.5, 2.0, 2.1]],
]
ALPHAS = [-2.5, -1.7, -1.0, -0.999, -0.5, -0.1, 0.0, 0.05, 0.3, 0.5, 0.999, 1.0, 1.2, 2.0]

CODES = ["code0", "code1", "code2", "code4", "code4p"]


def interpolator_cases():
    cases = []
    for code in CODES:
        for hs in HISTOSETS:
            # pyhf's layout: [systematic][histogram][lo/nominal/hi][bin]
            sets = [[[[b[0] for b in hs], [b[1] for b in hs], [b[2] for b in hs]]]]
            interp = getattr(pyhf.interpolators, code)(sets, subscribe=False)
            values = np.asarray(interp(pyhf.tensorlib.astensor([ALPHAS])))[0, 0]  # [alpha][bin]
            cases.append({
                "code": code,
                "histoset": hs,  # per bin [lo, nominal, hi]
                "alphas": ALPHAS,
                "values": values.tolist(),  # values[alpha][bin]
            })
    return cases


SETTINGS = {
    "pyhf_default": None,
    "normsys_code1": {"normsys": {"interpcode": "code1"}},  # pyhf's ROOT validation (histosys falls back to code0)
    "normsys_code1_histosys_code0": {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}},
    "normsys_code4_histosys_code2": {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code2"}},
    "normsys_code1_histosys_code4p": {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code4p"}},
}

WORKSPACES = [
    "pyhf/generated_small_seed1.json",
    "pyhf/xml_shared_nuispar_across_types__example.json",
    "pyhf/validation_2bin_2channel_coupledhistosys.json",
    "pyhf/xml_multichannel_histfactory__example.json",
    "pyhf/xml_xmlimport_input__example.json",
    "model/example3.json",
] + [f"model/validation/{name}.json" for name in (
    "1bin_lumi", "1bin_normsys", "2bin_histosys", "2bin_2channel", "2bin_2channel_couplednorm",
    "2bin_2channel_coupledshapefactor", "shapesys_nuisparfilter")]


def workspace(channels, observations, parameters=()):
    return {
        "channels": channels,
        "observations": [{"name": k, "data": v} for k, v in observations.items()],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": list(parameters)}}],
        "version": "1.0.0",
    }


def sample(name, data, *modifiers):
    return {"name": name, "data": data, "modifiers": list(modifiers)}


MU = {"name": "mu", "type": "normfactor", "data": None}


def validation_workspaces():
    """pyhf's tests/test_validation.py specs (inputs as listed in the HistFactory reference, section 8.4)."""
    lumi = {"name": "lumi", "type": "lumi", "data": None}
    normsys = lambda lo, hi: {"name": "coupled_normsys", "type": "normsys", "data": {"lo": lo, "hi": hi}}
    shapefactor = {"name": "coupled_shapefactor", "type": "shapefactor", "data": None}
    return {
        "1bin_lumi": workspace(
            [{"name": "channel1", "samples": [sample("signal", [20.0], MU), sample("background1", [100.0], lumi), sample("background2", [0.0], lumi)]}],
            {"channel1": [55.0]},
            [{"auxdata": [1.0], "bounds": [[0.0, 10.0]], "inits": [1.0], "name": "lumi", "sigmas": [0.1]}]),
        "1bin_normsys": workspace(
            [{"name": "singlechannel", "samples": [sample("signal", [30.0, 95.0], MU),
                sample("background", [100.0, 150.0], {"name": "bkg_norm", "type": "normsys", "data": {"lo": 0.90, "hi": 1.10}})]}],
            {"singlechannel": [120.0, 180.0]}),
        "2bin_histosys": workspace(
            [{"name": "singlechannel", "samples": [sample("signal", [30.0, 95.0], MU),
                sample("background", [100.0, 150.0], {"name": "bkg_norm", "type": "histosys", "data": {"lo_data": [98.0, 100.0], "hi_data": [102.0, 190.0]}})]}],
            {"singlechannel": [120.0, 180.0]}),
        "2bin_2channel": workspace(
            [{"name": "signal", "samples": [sample("signal", [10.0, 35.0], MU),
                sample("background", [100.0, 150.0], {"name": "uncorr_bkguncrt_signal", "type": "shapesys", "data": [10.0, 10.0]})]},
             {"name": "control", "samples": [
                sample("background", [200.0, 350.0], {"name": "uncorr_bkguncrt_control", "type": "shapesys", "data": [5.0, 10.0]})]}],
            {"signal": [110.0, 155.0], "control": [205.0, 345.0]}),
        "2bin_2channel_couplednorm": workspace(
            [{"name": "signal", "samples": [sample("signal", [10.0, 35.0], MU), sample("bkg1", [100.0, 100.0], normsys(0.9, 1.1)),
                sample("bkg2", [50.0, 100.0], normsys(0.5, 1.5))]},
             {"name": "control", "samples": [sample("background", [100.0, 100.0], normsys(0.9, 1.1))]}],
            {"signal": [105.0, 220.0], "control": [110.0, 105.0]}),
        "2bin_2channel_coupledshapefactor": workspace(
            [{"name": "signal", "samples": [sample("signal", [20.0, 20.0], MU), sample("bkg1", [100.0, 70.0], shapefactor)]},
             {"name": "control", "samples": [sample("background", [100.0, 100.0], shapefactor)]}],
            {"signal": [220.0, 230.0], "control": [200.0, 300.0]}),
        "shapesys_nuisparfilter": workspace(
            [{"name": "channel1", "samples": [sample("signal", [20, 10], MU),
                sample("background1", [100, 10], {"data": [10, 0], "name": "syst", "type": "shapesys"})]}],
            {"channel1": [100, 10]},
            [{"auxdata": [1], "bounds": [[0.5, 1.5]], "inits": [1], "name": "lumi", "sigmas": [0.1]}]),
    }


def write_validation_workspaces():
    d = os.path.join(ROOT, "fixtures", "model", "validation")
    os.makedirs(d, exist_ok=True)
    for name, ws in validation_workspaces().items():
        with open(os.path.join(d, name + ".json"), "w") as f:
            json.dump(ws, f, indent=1)


def random_point(model, rng):
    pars = np.array(model.config.suggested_init(), dtype=float)
    for name in model.config.par_order:
        ps = model.config.param_set(name)
        sl = model.config.par_slice(name)
        n = sl.stop - sl.start
        lo = np.array([b[0] for b in ps.suggested_bounds])
        hi = np.array([b[1] for b in ps.suggested_bounds])
        init = np.array(ps.suggested_init)
        if lo[0] < 0:  # alpha-like
            vals = rng.uniform(-2.2, 2.2, n)
        else:
            vals = init * rng.uniform(0.5, 1.5, n)
        pars[sl] = np.clip(vals, lo, hi)
    return pars


def model_cases():
    rng = np.random.default_rng(20261129)
    out = []
    for path in WORKSPACES:
        spec = json.load(open(os.path.join(ROOT, "fixtures", path)))
        ws = pyhf.Workspace(spec)
        for label, settings in SETTINGS.items():
            kwargs = {} if settings is None else {"modifier_settings": settings}
            model = ws.model(**kwargs)
            data = ws.data(model)
            points = [np.array(model.config.suggested_init(), dtype=float)]
            points += [random_point(model, rng) for _ in range(3)]
            evals = []
            for pars in points:
                evals.append({
                    "pars": pars.tolist(),
                    # pyhf gives NaN where an expected yield is negative and data > 0; JSON has no NaN: null.
                    "logpdf": None if np.isnan(lp := float(model.logpdf(pars, data)[0])) else lp,
                    "expected_data": np.asarray(model.expected_data(pars)).tolist(),
                })
            cfg = model.config
            out.append({
                "workspace": path, "settings": label, "modifier_settings": settings, "data": list(map(float, data)),
                "par_names": cfg.par_names, "suggested_init": list(map(float, cfg.suggested_init())),
                "suggested_bounds": [list(map(float, b)) for b in cfg.suggested_bounds()],
                "suggested_fixed": list(cfg.suggested_fixed()), "auxdata": list(map(float, cfg.auxdata)),
                "poi_index": cfg.poi_index, "points": evals})
    return out


def main():
    write_validation_workspaces()
    truth = {
        "pyhf_version": pyhf.__version__,
        "generator": "tools/make_model_truth.py",
        "interpolators": interpolator_cases(),
        "models": model_cases(),
    }
    dest = os.path.join(ROOT, "fixtures", "model", "model_truth.json")
    tmp = dest + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=1, allow_nan=False)
    os.replace(tmp, dest)
    print("wrote", dest)


if __name__ == "__main__":
    main()
