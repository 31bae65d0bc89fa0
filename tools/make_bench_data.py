#!/usr/bin/env python3
"""Write the benchmark ntuples: 1,000,000 events with 6 float32, 2 float64 and 1 int32 flat branches
and one jagged float32 branch `Jet_pt` (~3 items per event, counter branch `nJet_pt`), once per codec.

usage: make_bench_data.py OUTDIR [EVENTS]

Files: OUTDIR/bench-{zlib,lz4,zstd,lzma}.root, tree `events`, written in chunks of 50,000 entries
(one basket per branch per chunk), as ROOT's auto-flush would cluster them.
"""
import os, sys

import awkward as ak
import numpy as np
import uproot

out = sys.argv[1]
events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
chunk = 50_000
os.makedirs(out, exist_ok=True)
codecs = {"zlib": uproot.ZLIB(4), "lz4": uproot.LZ4(4), "zstd": uproot.ZSTD(5), "lzma": uproot.LZMA(4)}
for name, codec in codecs.items():
    path = os.path.join(out, "bench-%s.root" % name)
    rng = np.random.default_rng(1)
    with uproot.recreate(path, compression=codec) as f:
        for start in range(0, events, chunk):
            n = min(chunk, events - start)
            counts = rng.poisson(3, n)
            data = {"f%d" % i: rng.normal(size=n).astype(np.float32) for i in range(6)}
            data.update({"d0": rng.exponential(size=n), "d1": rng.normal(size=n), "i0": rng.integers(0, 100, n, dtype=np.int32)})
            data["Jet_pt"] = ak.unflatten(rng.exponential(30, counts.sum()).astype(np.float32), counts)
            if start == 0:
                f.mktree("events", {k: ("var * float32" if isinstance(v, ak.Array) else v.dtype) for k, v in data.items()})
            f["events"].extend(data)
    print(path, os.path.getsize(path))
