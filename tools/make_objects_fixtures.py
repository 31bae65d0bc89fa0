#!/usr/bin/env python3
"""Fixtures for the TTree object/exact-integer tests (fixtures/root-objects), truth by uproot 5.7.7.

usage: make_objects_fixtures.py OUT_DIR [SOURCE_FILE ...]   (OUT_DIR: fixtures/root-objects)

Writes OUT_DIR/exact-integers.root (uproot-written: Int64/UInt64 scalars and jagged arrays
spanning the whole 64-bit ranges, values above 2^53 that a Double cannot hold) and, for it and
every SOURCE_FILE (real ROOT files, e.g. from scikit-hep-testdata, copied into OUT_DIR unless
they are in fixtures/ already),
NAME.values.json: {"TREE": {"BRANCH": uproot's branch.array(library="ak").tolist()}} for every
branch uproot reads (the first 10 entries), the per-entry values the tests compare with exactly.
"""
import json, math, os, shutil, sys

import awkward as ak
import numpy as np
import uproot

ENTRIES = 10
# large files: fewer entries keep the values files small
ENTRIES_FOR = {"uproot-issue513.root": 1, "uproot-issue-214.root": 2}


def write_integers(path):
    big = [0, 1, -1, 2**53 + 1, -(2**53) - 1, 2**62 + 12345, -(2**63), 2**63 - 1]
    ubig = [0, 1, 2**53 + 1, 2**63, 2**63 + 7, 2**64 - 1, 12345678901234567891, 2**32]
    with uproot.recreate(path) as f:
        # mktree: a TTree (assigning a dict makes an RNTuple in uproot 5.7)
        data = {
            "event": np.array(big, dtype=np.int64),
            "uevent": np.array(ubig, dtype=np.uint64),
            "jagged": ak.Array([big[:3], [], big[3:], [2**62 + 1], [], [1, 2], [-(2**63)], [2**63 - 1]]),
            "ujagged": ak.unflatten(np.array(ubig[:2] + ubig[2:5] + [2**64 - 1, 3, 2**63], dtype=np.uint64),
                                   [2, 3, 0, 1, 0, 0, 1, 1]),
            "small": np.array([-128, 127, 0, 1, -1, 5, 6, 7], dtype=np.int8),
        }
        f.mktree("integers", {name: array.type if isinstance(array, ak.Array) else array.dtype for name, array in data.items()})
        f["integers"].extend(data)


def plain(value):
    """NaN and infinities as the strings "nan", "inf", "-inf" (strict JSON, as `hepkit dump` spells them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def values(path):
    out = {}
    f = uproot.open(path)
    for key, cls in f.classnames().items():
        if cls not in ("TTree", "TNtuple", "TNtupleD"):
            continue
        tree = f[key]
        branches = {}
        for name, branch in tree.iteritems(recursive=True, full_paths=True):
            # a duplicated name (Delphes writes Particle twice): the N-th is "name;N", as HEPKit addresses it
            if name in branches:
                name = next("%s;%d" % (name, n) for n in range(2, 1000) if "%s;%d" % (name, n) not in branches)
            try:
                branches[name] = plain(branch.array(library="ak", entry_stop=ENTRIES_FOR.get(os.path.basename(path), ENTRIES)).tolist())
            except Exception as e:  # noqa: BLE001 - recorded: uproot cannot read it either
                branches[name] = {"uproot_error": str(e)[:200]}
        out[key.split(";")[0]] = branches
    return out


def main(out_dir, sources):
    os.makedirs(out_dir, exist_ok=True)
    targets = [os.path.join(out_dir, "exact-integers.root")]
    if not os.path.exists(targets[0]):  # uproot writes a new UUID each time: keep the committed file
        write_integers(targets[0])
    fixtures = os.path.dirname(os.path.abspath(out_dir))
    for source in sources:
        if os.path.abspath(source).startswith(fixtures + os.sep):
            targets.append(source)
            continue
        target = os.path.join(out_dir, os.path.basename(source))
        shutil.copyfile(source, target)
        targets.append(target)
    for path in targets:
        name = os.path.basename(path)[:-5]
        with open(os.path.join(out_dir, name + ".values.json"), "w") as f:
            # "file": the ROOT file's path inside fixtures/
            json.dump({"file": os.path.relpath(os.path.abspath(path), fixtures), "uproot": uproot.__version__,
                       "trees": values(path)}, f, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
