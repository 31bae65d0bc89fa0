#!/usr/bin/env python3
"""Reference of MINUIT's HESSE errors as pyhf 0.7.6 + iminuit report them (minuit optimizer,
errordef 1 on twice_nll), for fixtures/inference/minuit_errors.json: the single-bin shapesys
validation workspace as published (every parameter inside its bounds) and with a deficit
(observation 33 instead of 55: mu ends at its lower bound 0). The best-fit point is recorded too,
so that a test can evaluate HEPKit's conversion at MINUIT's own minimum.

usage: python3 tools/make_minuit_errors_reference.py fixtures/pyhf/validation_1bin_shapesys.json OUT.json
"""
import copy
import json
import sys

import pyhf


def main(argv):
    base = json.load(open(argv[1]))
    pyhf.set_backend("numpy", pyhf.optimize.minuit_optimizer(verbose=0, tolerance=1e-6))
    cases = []
    for label, observed in [("interior", None), ("mu at its lower bound", [33.0])]:
        spec = copy.deepcopy(base)
        if observed is not None:
            spec["observations"][0]["data"] = observed
        ws = pyhf.Workspace(spec)
        model = ws.model()
        fit = pyhf.infer.mle.fit(ws.data(model), model, return_uncertainties=True)
        cases.append({"label": label, "workspace": spec, "bestfit": fit[:, 0].tolist(), "errors": fit[:, 1].tolist(),
                      "parameters": model.config.par_names})
    json.dump({"generator": "tools/make_minuit_errors_reference.py, pyhf %s + iminuit" % pyhf.__version__, "cases": cases},
              open(argv[2], "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
