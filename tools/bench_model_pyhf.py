#!/usr/bin/env python3
"""Time pyhf 0.7.6 (numpy backend) on a workspace: load+build, logpdf at init, expected data.
Usage: python3 tools/bench_model_pyhf.py WS.json [WS.json ...]  (prints one line per workspace)"""
import json
import sys
import time

import pyhf

pyhf.set_backend("numpy")
for path in sys.argv[1:]:
    t0 = time.perf_counter()
    spec = json.load(open(path))
    ws = pyhf.Workspace(spec)
    model = ws.model()
    data = ws.data(model)
    t1 = time.perf_counter()
    pars = model.config.suggested_init()
    n = 0
    t2 = time.perf_counter()
    while time.perf_counter() - t2 < 2.0:
        model.logpdf(pars, data)
        n += 1
    t3 = time.perf_counter()
    print(f"{path}: npars={len(pars)} build={t1 - t0:.4f}s logpdf={(t3 - t2) / n * 1e3:.4f}ms ({n} calls)")
