#!/usr/bin/env python3
"""Expected outputs for HEPKit's workspace layer, made with pyhf 0.7.6 (the oracle).

usage: python3 tools/make_workspace_expectations.py   (from the package root)

Writes under fixtures/workspace/:
  inputs/*.json        derived inputs (workspace variants, a patchset, odd numbers/strings)
  digests.json         `pyhf digest -a sha256 -a md5 -a sha1 --json` of every workspace used
  float_repr.json      Python repr() of doubles (bit patterns as hex), for the JSON writer
  jsonpatch.json       RFC 6902 cases with the `jsonpatch` package's result or failure
  cli.json             pyhf CLI runs: args (paths relative to fixtures/), exit status, stdout
                       (and the --output-file JSON of `pyhf inspect`)
"""
import copy, glob, hashlib, json, os, random, struct, subprocess, sys

import jsonpatch
import pyhf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
OUT = os.path.join(FIX, "workspace")
INPUTS = os.path.join(OUT, "inputs")
os.makedirs(INPUTS, exist_ok=True)


def load(rel):
    with open(os.path.join(FIX, rel)) as f:
        return json.load(f)


def write_input(name, obj, raw=None):
    path = os.path.join(INPUTS, name)
    with open(path, "w") as f:
        f.write(raw if raw is not None else json.dumps(obj, indent=2))
        f.write("\n")
    return "workspace/inputs/" + name


# ---------------------------------------------------------------- derived inputs
base = load("pyhf/validation_1bin_shapesys.json")
xmlws = "pyhf/xml_xmlimport_input__example.json"

# Example 3 of the reference (histfactory.md §5.9).
example3 = {
    "channels": [
        {"name": "SR", "samples": [
            {"name": "signal", "data": [4.0, 2.5], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": "lumi", "type": "lumi", "data": None},
                {"name": "sig_xsec", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]},
            {"name": "ttbar", "data": [30.0, 12.0], "modifiers": [
                {"name": "jes", "type": "normsys", "data": {"hi": 1.08, "lo": 0.93}},
                {"name": "shape", "type": "histosys", "data": {"hi_data": [31.5, 13.5], "lo_data": [28.8, 11.1]}},
                {"name": "staterror_SR", "type": "staterror", "data": [2.0, 1.5]},
                {"name": "mu_ttbar", "type": "normfactor", "data": None},
                {"name": "lumi", "type": "lumi", "data": None}]},
            {"name": "wjets", "data": [10.0, 6.0], "modifiers": [
                {"name": "wjets_stat", "type": "shapesys", "data": [3.0, 2.0]},
                {"name": "staterror_SR", "type": "staterror", "data": [1.0, 1.0]}]}]},
        {"name": "CR", "samples": [
            {"name": "ttbar", "data": [200.0, 150.0], "modifiers": [
                {"name": "jes", "type": "normsys", "data": {"hi": 1.05, "lo": 0.96}},
                {"name": "shape", "type": "histosys", "data": {"hi_data": [205.0, 152.0], "lo_data": [196.0, 149.0]}},
                {"name": "staterror_CR", "type": "staterror", "data": [5.0, 4.0]},
                {"name": "mu_ttbar", "type": "normfactor", "data": None},
                {"name": "lumi", "type": "lumi", "data": None}]}]},
    ],
    "observations": [{"name": "SR", "data": [38.0, 22.0]}, {"name": "CR", "data": [210.0, 141.0]}],
    "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": [
        {"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.915, 1.085]], "inits": [1.0]},
        {"name": "mu_ttbar", "bounds": [[0.0, 5.0]]}]}}],
    "version": "1.0.0",
}
ex3 = write_input("example3.json", example3)

# Numbers and strings whose serialisation is easy to get wrong (written by hand, not by json.dumps,
# so the int/float spelling is exactly as below).
odd_raw = r'''{
  "version": "1.0.0",
  "channels": [
    {"name": "SR_\u00e9\u00e8 \ud83d\ude00", "samples": [
      {"name": "sig \"quoted\" \\ back\tslash\u007f", "data": [5, 1e-10, 1E16, 1.5e-07, 123456789012345678, 0.1, -0.0, 1e22, 12345678901234567890],
       "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
      {"name": "bkg/\u2603~x", "data": [100.0, 2.5e-5, 9007199254740993.0, 3.0e300, 4.9e-324, 1.7976931348623157e308, 0.0001, 0.00001, 1e15],
       "modifiers": [{"name": "unc", "type": "shapesys", "data": [1, 2, 3, 4, 5, 6, 7, 8, 9]},
                     {"name": "n~1/x", "type": "normsys", "data": {"lo": 0.9, "hi": 1}}]}
    ]}
  ],
  "observations": [{"name": "SR_\u00e9\u00e8 \ud83d\ude00", "data": [1, 2, 3, 4, 5, 6, 7, 8, 9]}],
  "measurements": [{"name": "m\u00fc", "config": {"poi": "mu", "parameters": [{"name": "mu", "bounds": [[-5, 5]], "inits": [0], "fixed": false}]}}]
}'''
odd = write_input("odd_numbers_strings.json", None, raw=odd_raw)

# Two-channel workspace and a second one with disjoint names (for join "none").
ws2 = load("pyhf/validation_2bin_2channel_coupledhistosys.json")
ws2_renamed = copy.deepcopy(ws2)
for c in ws2_renamed["channels"]:
    c["name"] += "_B"
for o in ws2_renamed["observations"]:
    o["name"] += "_B"
ws2_renamed["measurements"][0]["name"] = "meas_B"
combine_b = write_input("combine_disjoint.json", ws2_renamed)

# Same measurement name, extra parameter config and an extra channel (outer join merges them).
ws2_extra = copy.deepcopy(ws2)
ws2_extra["measurements"][0]["config"]["parameters"].append({"name": "mu", "bounds": [[0.0, 5.0]]})
ws2_extra["channels"].append({"name": "extra", "samples": [{"name": "background", "data": [3.0],
                              "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]}]})
ws2_extra["observations"].append({"name": "extra", "data": [4.0]})
combine_extra = write_input("combine_extra.json", ws2_extra)

# Same channel names with different content (left/right outer pick a side; outer fails).
ws2_conflict = copy.deepcopy(ws2)
ws2_conflict["channels"][0]["samples"][0]["data"] = [31.0, 36.0]
ws2_conflict["channels"][0]["samples"].append({"name": "newsample", "data": [1.0, 2.0], "modifiers": []})
ws2_conflict["observations"][0]["data"] = [171.0, 221.0]
ws2_conflict["measurements"].append({"name": "meas2", "config": {"poi": "mu", "parameters": []}})
combine_conflict = write_input("combine_conflict.json", ws2_conflict)

# Same measurement name with a different POI (outer join must fail).
ws2_poi = copy.deepcopy(ws2_renamed)
ws2_poi["measurements"][0]["name"] = "meas"
ws2_poi["measurements"][0]["config"]["poi"] = "other"
combine_poi = write_input("combine_poi_conflict.json", ws2_poi)

# Patchset on the 1-bin workspace: every JSON Patch operation, escaped pointers, numeric labels.
bws = pyhf.Workspace(base)
patchset = {
    "metadata": {
        "references": {"hepdata": "ins1234567"},
        "digests": {"sha256": pyhf.utils.digest(bws, "sha256"), "md5": pyhf.utils.digest(bws, "md5")},
        "labels": ["mass", "coupling"],
        "description": "signal hypotheses for HEPKit tests",
        "extra_key": {"kept": True},
    },
    "patches": [
        {"metadata": {"name": "sig_100_1", "values": [100, 1.0]},
         "patch": [
             {"op": "replace", "path": "/channels/0/samples/0/data", "value": [12.5]},
             {"op": "add", "path": "/channels/0/samples/0/modifiers/-",
              "value": {"name": "sig_xsec", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}},
             {"op": "test", "path": "/version", "value": "1.0.0"}]},
        {"metadata": {"name": "sig_200_1p5", "values": [200, 1.5], "note": "replaces the signal sample"},
         "patch": [
             {"op": "remove", "path": "/channels/0/samples/0"},
             {"op": "add", "path": "/channels/0/samples/0",
              "value": {"name": "signal", "data": [7], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]}},
             {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "mu", "bounds": [[0, 20]]}}]},
        {"metadata": {"name": "sig_300_2", "values": [300, "2"]},
         "patch": [
             {"op": "copy", "from": "/channels/0/samples/1", "path": "/channels/0/samples/-"},
             {"op": "replace", "path": "/channels/0/samples/2/name", "value": "background2"},
             {"op": "move", "from": "/channels/0/samples/2/modifiers/0", "path": "/channels/0/samples/0/modifiers/1"},
             {"op": "replace", "path": "/channels/0/samples/0/modifiers/1/name", "value": "bkg2_unc"},
             {"op": "move", "from": "/channels/0/samples/0/modifiers/1", "path": "/channels/0/samples/2/modifiers/0"},
             {"op": "test", "path": "/channels/0/samples/2/data", "value": [50]}]},
    ],
    "version": "1.0.0",
}
ps = write_input("patchset.json", patchset)
bad_digest = copy.deepcopy(patchset)
bad_digest["metadata"]["digests"] = {"sha256": "0" * 64}
ps_bad = write_input("patchset_bad_digest.json", bad_digest)

# ---------------------------------------------------------------- digests
workspaces = sorted(glob.glob(os.path.join(FIX, "pyhf", "*.json")))
workspaces = ["pyhf/" + os.path.basename(p) for p in workspaces if not p.endswith(".truth.json")]
workspaces += [ex3, odd, combine_b, combine_extra, combine_conflict, combine_poi]


def run(args, stdin=None):
    p = subprocess.run(["pyhf"] + args, cwd=FIX, capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout


digests = {}
for w in workspaces:
    rc, out = run(["digest", w, "-a", "sha256", "-a", "md5", "-a", "sha1", "--json"])
    assert rc == 0, (w, out)
    digests[w] = json.loads(out)
with open(os.path.join(OUT, "digests.json"), "w") as f:
    json.dump(digests, f, indent=2, sort_keys=True)
    f.write("\n")

# ---------------------------------------------------------------- float repr
rng = random.Random(20261129)
values = [0.0, -0.0, 1.0, 5.0, 0.1, 1e-4, 1e-5, 9.999999999999999e-05, 1e15, 1e16, 9999999999999998.0,
          1.5e-07, 123456789012345678.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          277.77777777777777, 55.183673469387756, 0.5, 100.0, 1e22, 1e23, 2.5e-5, 3.0e300]
for _ in range(3000):
    bits = rng.getrandbits(64)
    v = struct.unpack("<d", struct.pack("<Q", bits))[0]
    if v == v and abs(v) != float("inf"):
        values.append(v)
for _ in range(2000):
    values.append(rng.uniform(-1, 1) * 10 ** rng.randint(-20, 25))
    values.append(float(round(rng.uniform(0, 1000), rng.randint(0, 6))))
with open(os.path.join(OUT, "float_repr.json"), "w") as f:
    json.dump([[struct.pack(">d", v).hex(), repr(v)] for v in values], f)
    f.write("\n")

# ---------------------------------------------------------------- JSON Patch cases
doc = {"a": {"b": [1, 2, {"c~d": 3, "e/f": 4}]}, "x": "y", "": 0, "n": None}
cases = [
    [{"op": "add", "path": "/a/b/1", "value": 9}],
    [{"op": "add", "path": "/a/b/-", "value": {"z": 1}}],
    [{"op": "add", "path": "/a/b/3", "value": 0}],
    [{"op": "add", "path": "/a/b/4", "value": 0}],
    [{"op": "add", "path": "/a/new", "value": [1.5]}],
    [{"op": "add", "path": "/a/b/2/c~0d", "value": "replaced"}],
    [{"op": "add", "path": "/a/b/2/e~1f/x", "value": 1}],
    [{"op": "add", "path": "", "value": [1, 2]}],
    [{"op": "add", "path": "/", "value": "empty key"}],
    [{"op": "add", "path": "/missing/x", "value": 1}],
    [{"op": "add", "path": "/a/b/01", "value": 1}],
    [{"op": "remove", "path": "/a/b/0"}],
    [{"op": "remove", "path": "/a/b/2/e~1f"}],
    [{"op": "remove", "path": "/a/b/5"}],
    [{"op": "remove", "path": "/nope"}],
    [{"op": "remove", "path": "/a/b/-"}],
    [{"op": "replace", "path": "/x", "value": {"k": [True, False, None]}}],
    [{"op": "replace", "path": "/a/b/2/c~0d", "value": 30}],
    [{"op": "replace", "path": "/zzz", "value": 1}],
    [{"op": "replace", "path": "/a/b/3", "value": 1}],
    [{"op": "replace", "path": "", "value": {"whole": 1}}],
    [{"op": "move", "from": "/a/b/0", "path": "/a/b/-"}],
    [{"op": "move", "from": "/a/b/0", "path": "/a/b/2"}],
    [{"op": "move", "from": "/x", "path": "/a/x2"}],
    [{"op": "move", "from": "/a", "path": "/a/b/0"}],
    [{"op": "move", "from": "/nope", "path": "/a/z"}],
    [{"op": "move", "from": "/a/b", "path": "/a/b"}],
    [{"op": "copy", "from": "/a/b/2", "path": "/copied"}],
    [{"op": "copy", "from": "/a/b", "path": "/a/b/0"}],
    [{"op": "copy", "from": "/nope", "path": "/copied"}],
    [{"op": "test", "path": "/a/b/0", "value": 1.0}],
    [{"op": "test", "path": "/a/b/0", "value": 2}],
    [{"op": "test", "path": "/a/b/2", "value": {"e/f": 4, "c~d": 3}}],
    [{"op": "test", "path": "/n", "value": None}],
    [{"op": "test", "path": "/x", "value": "Y"}],
    [{"op": "add", "path": "/x/0", "value": 1}],
    [{"op": "add", "path": "a", "value": 1}],
    [{"op": "add", "path": "/a/b/2/~2", "value": 1}],
    [{"op": "add", "path": "/q", "value": 1}, {"op": "test", "path": "/q", "value": 1}, {"op": "remove", "path": "/x"}],
]
results = []
for patch in cases:
    try:
        out = jsonpatch.apply_patch(copy.deepcopy(doc), patch)
        results.append({"patch": patch, "result": out})
    except Exception as e:  # noqa: BLE001 - the failure itself is the expectation
        results.append({"patch": patch, "error": type(e).__name__})
with open(os.path.join(OUT, "jsonpatch.json"), "w") as f:
    json.dump({"document": doc, "cases": results}, f, indent=1)
    f.write("\n")

# ---------------------------------------------------------------- CLI runs
runs = []


def record(args, stdin_file=None):
    stdin = open(os.path.join(FIX, stdin_file)).read() if stdin_file else None
    rc, out = run(args, stdin)
    entry = {"args": args, "status": rc, "stdout": out}
    if len(out) > 100_000:  # keep the fixture small: the exact text is pinned by its sha256
        entry = {"args": args, "status": rc, "stdout_sha256": hashlib.sha256(out.encode()).hexdigest()}
    if stdin_file:
        entry["stdin"] = stdin_file
    if "--output-file" in args:
        path = os.path.join(FIX, args[args.index("--output-file") + 1])
        if os.path.exists(path):
            entry["output_file"] = open(path).read()
            os.remove(path)
    runs.append(entry)


for w in workspaces:
    record(["inspect", w, "--output-file", "workspace/inspect.tmp.json"])
    record(["sort", w])
    record(["digest", w])
record(["digest", ex3, "-a", "md5", "-a", "sha256"])
record(["digest", "--json"], stdin_file=ex3)
record(["prune", xmlws, "-c", "channel1"])  # removing the only channel is an error
record(["prune", xmlws, "-s", "signal"])
record(["prune", xmlws, "-s", "background1", "-m", "syst2", "-m", "SigXsecOverSM"])
record(["prune", xmlws, "-t", "normsys", "-t", "lumi"])
record(["prune", xmlws, "--measurement", "GammaExample", "--measurement", "ConstExample"])
record(["prune", xmlws, "-m", "nonexistent"])
record(["prune", ex3, "-c", "CR", "-m", "lumi", "-t", "staterror"])
record(["prune", "pyhf/generated_small_seed1.json", "-c", "CR0", "-s", "signal"])
record(["rename", xmlws, "-c", "channel1", "SR", "-s", "signal", "sig", "-m", "SigXsecOverSM", "mu",
        "-m", "syst1", "alpha1", "--measurement", "GaussExample", "Gauss"])
record(["rename", ex3, "-m", "lumi", "luminosity", "-m", "staterror_SR", "st_SR", "-c", "SR", "SR_new"])
record(["rename", ex3, "-s", "nope", "x"])
record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", combine_b])
record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", "pyhf/validation_2bin_2channel_coupledhistosys.json"])
for join in ["outer", "left outer", "right outer"]:
    record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", "pyhf/validation_2bin_2channel_coupledhistosys.json", "--join", join])
    record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", combine_extra, "--join", join])
    record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", combine_conflict, "--join", join])
    record(["combine", combine_conflict, "pyhf/validation_2bin_2channel_coupledhistosys.json", "--join", join, "--merge-channels"])
    record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", combine_poi, "--join", join])
record(["combine", "pyhf/validation_2bin_2channel_coupledhistosys.json", combine_b, "--merge-channels"])
record(["combine", ex3, "pyhf/validation_1bin_shapesys.json", "--join", "outer"])
record(["patchset", "inspect", ps])
for name in ["sig_100_1", "sig_200_1p5", "sig_300_2", "missing"]:
    record(["patchset", "extract", ps, "--name", name])
    record(["patchset", "extract", ps, "--name", name, "--with-metadata"])
    record(["patchset", "apply", "pyhf/validation_1bin_shapesys.json", ps, "--name", name])
record(["patchset", "apply", "pyhf/validation_1bin_shapesys.json", ps_bad, "--name", "sig_100_1"])
record(["patchset", "verify", "pyhf/validation_1bin_shapesys.json", ps])
record(["patchset", "verify", "pyhf/validation_1bin_shapesys.json", ps_bad])
record(["patchset", "verify", ex3, ps])

with open(os.path.join(OUT, "cli.json"), "w") as f:
    json.dump(runs, f, indent=1)
    f.write("\n")
print("wrote", len(digests), "digests,", len(values), "floats,", len(results), "patch cases,", len(runs), "CLI runs")
