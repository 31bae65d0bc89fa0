#!/usr/bin/env python3
"""uproot's counterpart of `hepkit stats`: read every branch of a tree and summarise it.

usage: uproot_stats.py FILE TREE [--library np|ak]

Reads all branches with `tree.arrays(library=...)` (default "np", as issue 2's benchmark
specifies; jagged branches then arrive as object arrays of per-entry arrays) and prints
one JSON object {"branches": {NAME: {"entries", "items", "min", "max", "mean", "sum"}}}.
Sums are accumulated in float64. bench_root.py times this script as a whole process.
"""
import argparse
import json
import sys

import awkward as ak
import numpy as np
import uproot


def flat_values(array, library):
    """The values of one branch as a flat numeric numpy array."""
    if library == "ak":
        if array.ndim > 1:
            array = ak.flatten(array, axis=None)
        return ak.to_numpy(array)
    if array.dtype == object:
        return np.concatenate(list(array)) if len(array) else np.zeros(0)
    return array.reshape(-1)


def summarise(array, library):
    values = flat_values(array, library)
    total = float(np.sum(values, dtype=np.float64))
    items = int(values.size)
    return {
        "entries": len(array),
        "items": items,
        "min": float(values.min()) if items else None,
        "max": float(values.max()) if items else None,
        "mean": total / items if items else None,
        "sum": total,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file")
    p.add_argument("tree")
    p.add_argument("--library", choices=("np", "ak"), default="np")
    args = p.parse_args(argv)

    with uproot.open(args.file) as f:
        arrays = f[args.tree].arrays(library=args.library)
    names = arrays.fields if args.library == "ak" else list(arrays)
    stats = {name: summarise(arrays[name], args.library) for name in names}
    json.dump({"branches": stats}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
