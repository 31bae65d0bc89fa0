#!/usr/bin/env python3
"""RNTuple files written by uproot and their ground truth, and a check of `hepkit dump` against it.

usage: make_rntuple_truth.py write DIR          write the uproot RNTuple files (every column type
                                                uproot writes, every codec, several clusters)
       make_rntuple_truth.py truth FILE.root ...  write FILE.truth.json next to each file
       make_rntuple_truth.py check HEPKIT DIR [--verbose]
                                                compare `HEPKIT dump FILE NTUPLE --branches FIELD`
                                                with the truth of every field; prints failures and
                                                'N passed, M failed'

Truth format: that of fixtures/root/README.md (check_root.py --rntuple reads it: per field `name`
= uproot's dotted path, `kind`, `sha256` over the flattened values as float64, ...), and in
addition per top-level field `values`: uproot's `ak.to_list()` of the field's first 1000 entries (None for an
empty optional or variant, records as objects), which the check and the Swift tests compare
item by item. uproot 5.7.7 is the oracle; seeds are fixed, so the files are reproducible.
"""
import hashlib, json, math, os, struct, subprocess, sys

import awkward as ak
import numpy as np
import uproot

#: Entries whose full values the truth keeps per top-level field (the stats cover all entries).
VALUES_KEPT = 1000

CODECS = {"zstd": uproot.ZSTD(5), "zlib": uproot.ZLIB(4), "lz4": uproot.LZ4(4), "lzma": uproot.LZMA(6), "none": None}


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


def sample(n, seed):
    """A record array with one field per kind of column uproot writes."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 5, n)
    inner = rng.integers(0, 3, int(counts.sum()))
    f64 = rng.normal(size=n)
    f64[:4] = [np.nan, np.inf, -np.inf, -0.0]
    i64 = rng.integers(-(2**62), 2**62, n, dtype=np.int64)
    i64[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
    u64 = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    u64[0] = np.iinfo(np.uint64).max
    words = ["", "a", "µon", "jet,\"quoted\"", "x" * 300]
    maybe = ak.Array([None if k % 3 == 0 else int(k) for k in range(n)])
    union = ak.Array([int(k) if k % 2 else f"s{k}" for k in range(n)])
    return ak.Array({
        "b": rng.integers(0, 2, n).astype(bool),
        "i8": rng.integers(-128, 128, n).astype(np.int8),
        "u8": rng.integers(0, 256, n).astype(np.uint8),
        "i16": rng.integers(-32768, 32768, n).astype(np.int16),
        "u16": rng.integers(0, 65536, n).astype(np.uint16),
        "i32": rng.integers(-(2**31), 2**31, n).astype(np.int32),
        "u32": rng.integers(0, 2**32, n).astype(np.uint32),
        "i64": i64,
        "u64": u64,
        "f32": rng.normal(size=n).astype(np.float32),
        "f64": f64,
        "s": [words[k % len(words)] for k in range(n)],
        "vf": ak.unflatten(rng.normal(size=int(counts.sum())).astype(np.float32), counts),
        "vvi": ak.unflatten(ak.unflatten(rng.integers(-9, 9, int(inner.sum())).astype(np.int32), inner), counts),
        "rec": ak.zip({"x": rng.normal(size=n), "y": rng.integers(0, 99, n).astype(np.int32)}),
        "tup": ak.zip((rng.integers(0, 9, n).astype(np.int32), rng.normal(size=n).astype(np.float32))),
        "arr": ak.to_regular(ak.Array(rng.normal(size=(n, 3)))),
        "opt": maybe,
        "var": union,
        "vrec": ak.zip({"a": ak.unflatten(rng.normal(size=int(counts.sum())).astype(np.float32), counts),
                        "c": ak.unflatten(rng.integers(0, 255, int(counts.sum())).astype(np.uint8), counts)}),
        "vs": ak.unflatten([words[k % len(words)] for k in range(int(counts.sum()))], counts),
    })


def write(folder):
    """Writes the files and their truth. The truth is the data written; where uproot reads back
    something else, the truth records it under `uproot_differs` (an uproot reader bug)."""
    os.makedirs(folder, exist_ok=True)
    written = {}
    for name, codec in CODECS.items():
        path = os.path.join(folder, f"uproot-rntuple-{name}.root")
        data = sample(200, 1)
        with uproot.recreate(path, compression=codec) as f:
            f["ntuple"] = data
        written[path] = {"ntuple;1": data}
    # several clusters (one per extend) and two RNTuples in one file
    path = os.path.join(folder, "uproot-rntuple-clusters.root")
    with uproot.recreate(path, compression=uproot.ZSTD(3)) as f:
        parts = [sample(50 * seed, seed) for seed in (3, 4, 5)]
        ntuple = f.mkrntuple("events", parts[0].layout.form)
        for part in parts:
            ntuple.extend(part)
        second = ak.Array({"x": np.arange(10, dtype=np.int64), "y": np.linspace(0, 1, 10)})
        f["second"] = second
    written[path] = {"events;1": ak.concatenate(parts), "second;1": second}
    for path, ntuples in written.items():
        truth([path], ntuples)
    print("wrote", folder)


def field_truth(ntuple, field):
    out = {"name": field.path, "typename": field.typename, "entries": int(ntuple.num_entries)}
    try:
        array = field.array(library="ak")
    except Exception as e:  # noqa: BLE001 - recorded as unsupported
        out.update(kind="unsupported", reason=str(e)[:200])
        return out, None
    values = array.tolist()
    layout_type = str(ak.type(array).content)
    if layout_type.strip() == "string":
        out.update(kind="string", sha256=string_digest(values))
        return out, values
    if array.fields or "{" in layout_type or "()" in layout_type or "?" in layout_type or "union" in layout_type or "string" in layout_type:
        out.update(kind="unsupported", reason="structure " + layout_type[:100])
        return out, values
    flat = ak.to_numpy(ak.flatten(array, axis=None))
    depth = layout_type.count("var *")
    out["kind"] = {0: "fixed" if "*" in layout_type else "scalar", 1: "jagged", 2: "jagged2"}.get(depth, "unsupported")
    if depth == 1:
        out["count_sum"] = int(flat.size)
    if depth == 2:
        out["inner_count_sum"] = int(flat.size)
    flat64 = np.asarray(flat, dtype=np.float64)
    out.update(dtype=str(flat.dtype), n_values=int(flat.size), sum=math.fsum(flat64[np.isfinite(flat64)].tolist()),
               sha256=digest(flat64), first=flat64[:5].tolist())
    return out, values


def encode(value):
    """JSON-safe: non-finite floats as the strings hepkit prints."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {str(i): encode(v) for i, v in enumerate(value)}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def truth(paths, written=None):
    for path in paths:
        f = uproot.open(path)
        objects = []
        for key, cls in f.classnames().items():
            obj = {"path": key, "class": cls}
            if cls == "ROOT::RNTuple":
                ntuple = f[key]
                obj["entries"] = int(ntuple.num_entries)
                obj["fields"], obj["values"] = [], {}
                for field in ntuple.all_fields:
                    entry, values = field_truth(ntuple, field)
                    obj["fields"].append(entry)
                    if field.top_level and values is not None:
                        obj["values"][field.path] = encode(values[:VALUES_KEPT])
                        if written is not None:
                            data = encode(written[key][field.path][:VALUES_KEPT].tolist())
                            if not same(obj["values"][field.path], data):
                                bad = next(i for i, (a, b) in enumerate(zip(obj["values"][field.path], data)) if not same(a, b))
                                obj.setdefault("uproot_differs", {})[field.path] = {
                                    "entry": bad, "uproot": obj["values"][field.path][bad], "written": data[bad]}
                                obj["values"][field.path] = data
            objects.append(obj)
        with open(path[:-5] + ".truth.json", "w") as out:
            json.dump(encode({"file": os.path.basename(path), "objects": objects}), out, allow_nan=False)


def same(ours, theirs):
    """Equal values; a float may be printed as the shortest text of its float32 value."""
    if isinstance(theirs, float) and isinstance(ours, (int, float)) and not isinstance(ours, bool):
        return ours == theirs or abs(ours - theirs) <= 1e-12 * max(1.0, abs(theirs)) or np.float32(ours) == np.float32(theirs)
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return ours == theirs
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(same(a, b) for a, b in zip(ours, theirs))
    if isinstance(theirs, dict):
        return isinstance(ours, dict) and set(ours) == set(theirs) and all(same(ours[k], theirs[k]) for k in theirs)
    return ours == theirs


def check(binary, folder, verbose):
    passed = failed = 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".truth.json"):
            continue
        data = json.load(open(os.path.join(folder, name)))
        root = os.path.join(folder, data["file"])
        for obj in data["objects"]:
            for field, values in obj.get("values", {}).items():
                label = "%s:%s:%s" % (data["file"], obj["path"], field)
                p = subprocess.run([binary, "dump", root, obj["path"].split(";")[0], "--branches", field, "--format", "json",
                                    "--entries", "0:%d" % len(values)],
                                   capture_output=True, text=True)
                try:
                    if p.returncode != 0:
                        raise RuntimeError(p.stderr.strip()[:300])
                    ours = json.loads(p.stdout)[field]
                    if not same(ours, values):
                        bad = next(i for i, (a, b) in enumerate(zip(ours, values)) if not same(a, b)) if len(ours) == len(values) else None
                        raise RuntimeError("values differ (%d vs %d entries; first difference at %s: %r vs %r)"
                                           % (len(ours), len(values), bad, ours[bad] if bad is not None else None,
                                              values[bad] if bad is not None else None))
                    passed += 1
                    if verbose:
                        print("ok   " + label)
                except Exception as e:  # noqa: BLE001 - every failure is reported
                    failed += 1
                    print("FAIL %s: %s" % (label, e))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "truth":
        truth(sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], "--verbose" in sys.argv))
    else:
        print(__doc__)
        sys.exit(2)
