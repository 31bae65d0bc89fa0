#!/usr/bin/env python3
"""Wider TTree check: every branch of every TTree in a folder of ROOT files, HEPKit against uproot.

usage: check_testdata.py HEPKIT_BINARY FOLDER [--only SUBSTRING] [--max-entries N] [--verbose]
                         [--recheck LOG]   (only the branches a previous run's LOG lists as failing)
                         [--shard I/N]     (every N-th file from the I-th, to run N checks side by side)

For each branch (uproot's recursive full paths) compares, entry by entry,

    uproot:  branch.array(library="ak", entry_stop=N).tolist()
    HEPKit:  HEPKIT_BINARY dump FILE TREE --branches NAME --entries 0:N --format json

Integers must be equal exactly; floats within 1e-6 relative (HEPKit prints a float32 in its
shortest form); records (objects) compare field by field, the fields uproot shows (TObject's
`fUniqueID`/`fBits` are not among them). Branches uproot itself cannot read are counted apart.
The folder is e.g. the ROOT files of scikit-hep-testdata (its git repository's src/skhep_testdata/data).
Prints one line per differing or unreadable branch and a summary; uproot's lists are cached in
FOLDER/.uproot-cache/ so reruns are quick.
"""
import json, math, os, resource, subprocess, sys

import uproot

TREES = ("TTree", "TNtuple", "TNtupleD")


def same(a, b):
    """HEPKit's JSON value `a` equals uproot's to_list value `b`."""
    if isinstance(b, bool) or isinstance(a, bool):
        return (a in (0, 1, True, False)) and (b in (0, 1, True, False)) and bool(a) == bool(b)
    if isinstance(b, int) and isinstance(a, int):
        return a == b
    if isinstance(b, (int, float)) or isinstance(a, (int, float)):
        try:
            x = float(a) if not isinstance(a, str) else float(a.replace("inf", "inf"))
            y = float(b)
        except (TypeError, ValueError):
            return False
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        if math.isinf(x) or math.isinf(y):
            return x == y
        return abs(x - y) <= 1e-6 * max(1.0, abs(x), abs(y))
    if isinstance(b, str):
        return a == b
    if b is None:
        return a is None
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and all(k in a and same(a[k], v) for k, v in b.items())
    return a == b


def first_difference(ours, truth):
    for i, (a, b) in enumerate(zip(ours, truth)):
        if not same(a, b):
            return "entry %d: %s vs uproot %s" % (i, json.dumps(a)[:160], json.dumps(b)[:160])
    return "%d entries vs uproot %d" % (len(ours), len(truth))


def cache_key(cache, path, tree, name):
    return os.path.join(cache, "%s--%s--%s.json" % (os.path.basename(path), tree.replace("/", "_"), name.replace("/", "_")[:150]))


def uproot_values(f, path, cache, tree, name, stop):
    key = cache_key(cache, path, tree, name)
    if os.path.exists(key):
        with open(key) as cached:
            return json.load(cached)
    if f is None:
        return {"error": "uproot ran out of time or memory on this file"}
    try:
        values = {"ok": f[tree][name].array(library="ak", entry_stop=stop).tolist()}
        json.dumps(values, allow_nan=True)
    except Exception as e:  # noqa: BLE001 - uproot cannot read it either
        values = {"error": ("%s: %s" % (type(e).__name__, e))[:200]}
    with open(key, "w") as out:
        json.dump(values, out)
    return values


def cache_file(path, cache, stop):
    """uproot's lists for every branch of `path` into the cache (run in a child process, bounded)."""
    f = uproot.open(path)
    for key, cls in f.classnames().items():
        if cls in TREES:
            for branch, _ in f[key].iteritems(recursive=True, full_paths=True):
                uproot_values(f, path, cache, key, branch, stop)


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def main(argv):
    if argv[0] == "--cache":
        cache_file(argv[1], argv[2], int(argv[3]))
        return 0
    binary, folder = argv[0], argv[1]
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    stop = int(argv[argv.index("--max-entries") + 1]) if "--max-entries" in argv else 200
    verbose = "--verbose" in argv
    recheck = None
    if "--recheck" in argv:
        recheck = set()
        with open(argv[argv.index("--recheck") + 1]) as log:
            for line in log:
                if line.startswith(("FAIL ", "DIFF ")):
                    _, name, tree, rest = line.rstrip("\n").split(" ", 3)
                    recheck.add((name, tree, rest.split(": ", 1)[0]))
    shard, shards = map(int, argv[argv.index("--shard") + 1].split("/")) if "--shard" in argv else (0, 1)
    cache = os.path.join(folder, ".uproot-cache")
    os.makedirs(cache, exist_ok=True)
    files = passed = failed = uproot_fails = 0
    for index, name in enumerate(sorted(n for n in os.listdir(folder) if n.endswith(".root"))):
        if (only and only not in name) or index % shards != shard:
            continue
        path = os.path.join(folder, name)
        try:
            f = uproot.open(path)
            trees = [k for k, c in f.classnames().items() if c in TREES]
        except Exception:  # noqa: BLE001 - not a file uproot opens
            continue
        if not trees or (recheck is not None and not any(entry[0] == name for entry in recheck)):
            continue
        files += 1
        try:
            # uproot in a child process: some files make it allocate without bound
            subprocess.run([sys.executable, __file__, "--cache", path, cache, str(stop)], timeout=300,
                           preexec_fn=limit_memory, capture_output=True)
        except subprocess.TimeoutExpired:
            pass
        for key in trees:
            tree_path = key.split(";")[0]
            try:
                names = [n for n, _ in f[key].iteritems(recursive=True, full_paths=True)]
            except Exception:  # noqa: BLE001
                continue
            wanted = []
            for branch in names:
                if recheck is not None and (name, tree_path, branch) not in recheck:
                    continue
                truth = uproot_values(None, path, cache, key, branch, stop)
                if "error" in truth:
                    uproot_fails += 1
                    continue
                wanted.append((branch, truth))
            # many branches per hepkit run (a failing run is retried branch by branch)
            dumped = {}
            for start in range(0, len(wanted), 200):
                batch = [b for b, _ in wanted[start:start + 200] if "," not in b]
                if batch:
                    p = subprocess.run([binary, "dump", path, tree_path, "--branches", ",".join(batch), "--entries",
                                        "0:%d" % stop, "--format", "json"], capture_output=True, text=True, timeout=600)
                    if p.returncode == 0:
                        dumped.update(json.loads(p.stdout))
            for branch, truth in wanted:
                if branch in dumped:
                    column = dumped[branch]
                else:
                    p = subprocess.run([binary, "dump", path, tree_path, "--branches", branch, "--entries", "0:%d" % stop,
                                        "--format", "json"], capture_output=True, text=True, timeout=300)
                    if p.returncode != 0:
                        failed += 1
                        print("FAIL %s %s %s: %s" % (name, tree_path, branch, (p.stderr or p.stdout).strip()[:240]))
                        continue
                    ours = json.loads(p.stdout)
                    column = ours.get(branch, next(iter(ours.values())) if len(ours) == 1 else None)
                if column is not None and len(column) == len(truth["ok"]) and same(column, truth["ok"]):
                    passed += 1
                    if verbose:
                        print("ok   %s %s %s" % (name, tree_path, branch))
                else:
                    failed += 1
                    print("DIFF %s %s %s: %s" % (name, tree_path, branch, first_difference(column or [], truth["ok"])))
    print("%d files with TTrees; %d branches equal to uproot, %d differ or fail; %d branches uproot cannot read"
          % (files, passed, failed, uproot_fails))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
