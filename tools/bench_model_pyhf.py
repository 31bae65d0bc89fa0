#!/usr/bin/env python3
"""Time pyhf 0.7.6 (numpy backend) on workspaces: load+build, and logpdf at the suggested init
(best of ~10 ms batches over 2 s, like tools/bench_model.swift, so both sides filter out load from
other processes the same way).
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
    model.logpdf(pars, data)
    s = time.perf_counter()
    model.logpdf(pars, data)
    once = max(time.perf_counter() - s, 1e-7)
    batch = max(1, int(0.01 / once))
    best, total = float("inf"), 0.0
    while total < 2.0:
        s = time.perf_counter()
        for _ in range(batch):
            model.logpdf(pars, data)
        t = time.perf_counter() - s
        total += t
        best = min(best, t / batch)
    print(f"{path}: npars={len(pars)} build+load={t1 - t0:.4f}s logpdf={best * 1e3:.4f}ms")
