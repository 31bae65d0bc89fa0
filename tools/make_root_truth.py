#!/usr/bin/env python3
"""Write NAME.truth.json next to ROOT files, with uproot as the oracle.

usage: make_root_truth.py FILE.root [...]

The format follows fixtures/root/README.md (the subset check_root.py reads): per TTree branch
name (uproot path), entries, kind, n_values, count_sum, sum, sha256 of the values as little-endian
float64, dtype; per histogram edges, values, values_flow and variances (raw sumw2 with flow).
Used to extend the conformance check to more files from scikit-hep-testdata.
"""
import hashlib, json, math, struct, sys

import awkward as ak
import numpy as np
import uproot


def digest(values):
    values = np.asarray(values, dtype="<f8").copy()
    values[np.isnan(values)] = np.nan  # canonical NaN
    return hashlib.sha256(values.tobytes()).hexdigest()


def string_digest(strings):
    h = hashlib.sha256()
    for s in strings:
        b = s.encode("utf-8")
        h.update(struct.pack("<I", len(b)))
        h.update(b)
    return h.hexdigest()


def numeric_stats(flat, dtype):
    flat = np.asarray(flat, dtype=np.float64)
    finite = flat[np.isfinite(flat)]
    return {"dtype": str(dtype), "n_values": int(flat.size), "sum": math.fsum(finite.tolist()),
            "sha256": digest(flat), "first": flat[:5].tolist()}


def branch_truth(name, branch):
    out = {"name": name, "fName": branch.name, "typename": branch.typename, "entries": int(branch.num_entries)}
    try:
        array = branch.array(library="ak")
    except Exception as e:  # noqa: BLE001 - recorded as unsupported
        out.update(kind="group" if len(branch.branches) else "unsupported", reason=str(e)[:200])
        return out
    layout_type = str(ak.type(array).content)
    if layout_type.count("string") == 1 and layout_type.strip() == "string":
        out.update(kind="string", sha256=string_digest(array.tolist()))
        return out
    if array.fields:
        # only leaf lists are records; objects of split classes are groups of their sub-branches
        leaf_list = isinstance(branch.interpretation, uproot.AsDtype) and branch.interpretation.from_dtype.names
        if not leaf_list:
            out.update(kind="group" if len(branch.branches) else "unsupported", reason="object")
            return out
        fields = []
        for field in array.fields:
            flat = ak.to_numpy(ak.flatten(array[field], axis=None))
            fields.append(dict(name=field, **numeric_stats(flat, flat.dtype)))
        out.update(kind="record", fields=fields)
        return out
    try:
        flat = ak.to_numpy(ak.flatten(array, axis=None))
    except Exception as e:  # noqa: BLE001
        out.update(kind="unsupported", reason=str(e)[:200])
        return out
    if flat.dtype.kind not in "biuf":
        out.update(kind="unsupported", reason="dtype " + str(flat.dtype))
        return out
    depth = layout_type.count("var *")
    out["kind"] = {0: "fixed" if "*" in layout_type else "scalar", 1: "jagged", 2: "jagged2"}.get(depth, "unsupported")
    if depth == 1:
        out["count_sum"] = int(flat.size)
    if depth == 2:
        out["inner_count_sum"] = int(flat.size)
    out.update(numeric_stats(flat, flat.dtype))
    return out


def main(paths):
    for path in paths:
        f = uproot.open(path)
        objects = []
        for key, cls in f.classnames().items():
            obj = {"path": key, "class": cls}
            try:
                if cls in ("TTree", "TNtuple", "TNtupleD"):
                    tree = f[key]
                    obj["entries"] = int(tree.num_entries)
                    obj["branches"] = [branch_truth(n, b) for n, b in tree.iteritems(recursive=True, full_paths=True)]
                elif cls.startswith(("TH1", "TH2", "TH3", "TProfile")):
                    h = f[key]
                    obj["edges"] = [ax.edges().tolist() for ax in h.axes]
                    sumw2 = h.member("fSumw2", none_if_missing=True)
                    arrays = {
                        "values": np.asarray(h.values(), dtype=float).flatten(order="F"),
                        "values_flow": np.asarray(h.values(flow=True), dtype=float).flatten(order="F"),
                        "variances": None if sumw2 is None or len(sumw2) == 0 else np.asarray(sumw2, dtype=float),
                    }
                    for name, values in arrays.items():
                        # like the shared truth files: long lists only as a summary with a digest
                        long = values is not None and values.size > 2048
                        obj[name] = None if values is None or long else values.tolist()
                        obj[name + "_stats"] = None if values is None else numeric_stats(values, values.dtype)
            except Exception as e:  # noqa: BLE001
                obj["error"] = str(e)[:200]
            objects.append(obj)
        with open(path[:-5] + ".truth.json", "w") as out:
            json.dump({"file": path.rsplit("/", 1)[-1], "objects": objects}, out)


if __name__ == "__main__":
    main(sys.argv[1:])
