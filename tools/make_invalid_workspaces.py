#!/usr/bin/env python3
"""Corpus of invalid pyhf workspaces for HEPKit's validation tests, checked against pyhf 0.7.6.

usage: python3 tools/make_invalid_workspaces.py   (from the package root)

Each case is a JSON Patch applied to Example 3 of the reference (fixtures/workspace/inputs/
example3.json). For every case this script records what pyhf 0.7.6 does with the result
(`Workspace(spec)`, then for every measurement `ws.model(measurement_name=m)` and `model.logpdf` of
the suggested init and `ws.data(model)`):
the exception class and message, or null when pyhf accepts it (duplicate names: accepted by 0.7.6,
rejected by pyhf main, scikit-hep/pyhf#2396). `expect` is what HEPKit must report: the JSON path of
the problem, the rule (`schema` or the pyhf exception kind) and a fragment of the message.
Writes fixtures/invalid/<case>.json.
"""
import copy, json, os, glob, warnings

import jsonpatch
import pyhf

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "invalid")
BASE = json.load(open(os.path.join(ROOT, "fixtures", "workspace", "inputs", "example3.json")))

SR = "/channels/0"          # channel SR: samples signal, ttbar, wjets
SIG = SR + "/samples/0"     # modifiers: mu, lumi, sig_xsec
TT = SR + "/samples/1"      # modifiers: jes, shape, staterror_SR, mu_ttbar, lumi
WJ = SR + "/samples/2"      # modifiers: wjets_stat (shapesys), staterror_SR
PARS = "/measurements/0/config/parameters"  # lumi, mu_ttbar


def op(o, path, value=None, **kw):
    d = {"op": o, "path": path}
    if o in ("add", "replace", "test"):
        d["value"] = value
    d.update(kw)
    return d


# name: (patch, [(path, rule, message fragment)])
CASES = {
    # ---- schema: workspace
    "missing_channels": ([op("remove", "/channels")], [("channels", "schema", "required property 'channels'")]),
    "empty_channels": ([op("replace", "/channels", [])], [("channels", "schema", "at least 1 item")]),
    "missing_measurements": ([op("remove", "/measurements")], [("measurements", "schema", "required property")]),
    "empty_observations": ([op("replace", "/observations", [])], [("observations", "schema", "at least 1 item")]),
    "wrong_version": ([op("replace", "/version", "1.0.1")], [("version", "schema", "\"1.0.0\"")]),
    "extra_top_level_key": ([op("add", "/comment", "hi")], [("comment", "schema", "unexpected property 'comment'")]),
    "channels_not_array": ([op("replace", "/channels", {"name": "SR"})], [("channels", "schema", "array")]),
    # ---- schema: channel, sample
    "channel_missing_name": ([op("remove", SR + "/name")], [("channels[0].name", "schema", "required property 'name'")]),
    "channel_name_not_string": ([op("replace", SR + "/name", 3)], [("channels[0].name", "schema", "a string")]),
    "channel_empty_samples": ([op("replace", "/channels/1/samples", [])], [("channels[1].samples", "schema", "at least 1 item")]),
    "sample_empty_data": ([op("replace", SIG + "/data", [])], [("channels[0].samples[0].data", "schema", "at least 1 item")]),
    "sample_data_string": ([op("replace", SIG + "/data/1", "2.5")], [("channels[0].samples[0].data[1]", "schema", "a number")]),
    "sample_data_boolean": ([op("replace", SIG + "/data/0", True)], [("channels[0].samples[0].data[0]", "schema", "a number")]),
    "sample_missing_modifiers": ([op("remove", SIG + "/modifiers")], [("channels[0].samples[0].modifiers", "schema", "required property 'modifiers'")]),
    "sample_extra_key": ([op("add", SIG + "/color", "red")], [("channels[0].samples[0].color", "schema", "unexpected property")]),
    # ---- schema: modifiers
    "modifier_unknown_type": ([op("replace", SIG + "/modifiers/0/type", "normfactr")], [("channels[0].samples[0].modifiers[0].type", "schema", "one of histosys")]),
    "modifier_missing_type": ([op("remove", SIG + "/modifiers/0/type")], [("channels[0].samples[0].modifiers[0].type", "schema", "one of")]),
    "modifier_missing_data": ([op("remove", SIG + "/modifiers/0/data")], [("channels[0].samples[0].modifiers[0].data", "schema", "required property 'data'")]),
    "modifier_extra_key": ([op("add", SIG + "/modifiers/0/note", 1)], [("channels[0].samples[0].modifiers[0].note", "schema", "unexpected property")]),
    "normfactor_data_not_null": ([op("replace", SIG + "/modifiers/0/data", [1.0])], [("channels[0].samples[0].modifiers[0].data", "schema", "expected null")]),
    "lumi_wrong_name": ([op("replace", SIG + "/modifiers/1/name", "luminosity")], [("channels[0].samples[0].modifiers[1].name", "schema", "\"lumi\"")]),
    "normsys_missing_lo": ([op("remove", SIG + "/modifiers/2/data/lo")], [("channels[0].samples[0].modifiers[2].data.lo", "schema", "required property 'lo'")]),
    "normsys_extra_key": ([op("add", SIG + "/modifiers/2/data/mid", 1.0)], [("channels[0].samples[0].modifiers[2].data.mid", "schema", "unexpected property")]),
    "normsys_hi_string": ([op("replace", SIG + "/modifiers/2/data/hi", "1.1")], [("channels[0].samples[0].modifiers[2].data.hi", "schema", "a number")]),
    "histosys_empty_lo_data": ([op("replace", TT + "/modifiers/1/data/lo_data", [])], [("channels[0].samples[1].modifiers[1].data.lo_data", "schema", "at least 1 item")]),
    "histosys_data_array": ([op("replace", TT + "/modifiers/1/data", [1.0, 2.0])], [("channels[0].samples[1].modifiers[1].data", "schema", "an object")]),
    "shapesys_data_object": ([op("replace", WJ + "/modifiers/0/data", {"hi": 1})], [("channels[0].samples[2].modifiers[0].data", "schema", "array")]),
    "staterror_data_null": ([op("replace", WJ + "/modifiers/1/data", None)], [("channels[0].samples[2].modifiers[1].data", "schema", "array")]),
    # ---- schema: observations, measurements, parameter configs
    "observation_missing_data": ([op("remove", "/observations/0/data")], [("observations[0].data", "schema", "required property 'data'")]),
    "observation_empty_data": ([op("replace", "/observations/1/data", [])], [("observations[1].data", "schema", "at least 1 item")]),
    "measurement_missing_config": ([op("remove", "/measurements/0/config")], [("measurements[0].config", "schema", "required property 'config'")]),
    "config_missing_poi": ([op("remove", "/measurements/0/config/poi")], [("measurements[0].config.poi", "schema", "required property 'poi'")]),
    "config_missing_parameters": ([op("remove", PARS)], [("measurements[0].config.parameters", "schema", "required property 'parameters'")]),
    "config_extra_key": ([op("add", "/measurements/0/config/lumi", 1.0)], [("measurements[0].config.lumi", "schema", "unexpected property")]),
    "parameter_missing_name": ([op("remove", PARS + "/1/name")], [("measurements[0].config.parameters[1].name", "schema", "required property 'name'")]),
    "parameter_empty_inits": ([op("replace", PARS + "/0/inits", [])], [("measurements[0].config.parameters[0].inits", "schema", "at least 1 item")]),
    "parameter_bounds_flat": ([op("replace", PARS + "/1/bounds", [0.0, 5.0])], [("measurements[0].config.parameters[1].bounds[0]", "schema", "array")]),
    "parameter_fixed_not_bool": ([op("add", PARS + "/1/fixed", 1)], [("measurements[0].config.parameters[1].fixed", "schema", "a boolean")]),
    "parameter_unknown_key": ([op("add", PARS + "/1/init", [1.0])], [("measurements[0].config.parameters[1].init", "schema", "unexpected property")]),
    "parameter_sigmas_string": ([op("replace", PARS + "/0/sigmas", "0.017")], [("measurements[0].config.parameters[0].sigmas", "schema", "array")]),
    # ---- several schema problems are all reported
    "several_schema_errors": (
        [op("replace", SIG + "/data/1", "x"), op("remove", "/observations/0/name"), op("replace", "/version", 1)],
        [("channels[0].samples[0].data[1]", "schema", "a number"), ("observations[0].name", "schema", "required property"),
         ("version", "schema", "\"1.0.0\"")]),
    # ---- model building (pyhf 0.7.6 raises at ws.model())
    "sample_length_mismatch": ([op("replace", TT + "/data", [30.0, 12.0, 1.0])], [("channels[0].samples[1].data", "invalidModel", "expected 2")]),
    "histosys_length_mismatch": ([op("replace", TT + "/modifiers/1/data/hi_data", [31.5])], [("channels[0].samples[1].modifiers[1].data.hi_data", "invalidModifier", "inconsistent")]),
    "shapesys_length_mismatch": ([op("replace", WJ + "/modifiers/0/data", [3.0])], [("channels[0].samples[2].modifiers[0].data", "invalidModifier", "inconsistent")]),
    "staterror_length_mismatch": ([op("replace", WJ + "/modifiers/1/data", [1.0, 1.0, 1.0])], [("channels[0].samples[2].modifiers[1].data", "invalidModifier", "inconsistent")]),
    "shapesys_on_two_samples": ([op("add", TT + "/modifiers/-", {"name": "wjets_stat", "type": "shapesys", "data": [1.0, 1.0]})],
                                [("channels[0].samples[2].modifiers[0]", "invalidModel", "cannot be shared")]),
    "name_reuse_normfactor_normsys": ([op("replace", SIG + "/modifiers/2/name", "mu")], [("channels[0].samples[0].modifiers[2]", "invalidNameReuse", "'mu' is used by modifier types normfactor and normsys")]),
    "name_reuse_shapesys_staterror": ([op("replace", WJ + "/modifiers/0/name", "staterror_SR")], [("channels[0].samples[1].modifiers[2]", "invalidNameReuse", "types shapesys and staterror")]),
    "duplicate_parameter_config": ([op("add", PARS + "/-", {"name": "lumi", "inits": [1.0]})], [("measurements[0].config.parameters[2]", "invalidModel", "multiple parameter configurations")]),
    "staterror_inits_wrong_length": ([op("add", PARS + "/-", {"name": "staterror_SR", "inits": [1.0]})], [("measurements[0].config.parameters[2].inits", "invalidModel", "expected 2")]),
    "sigmas_on_normsys": ([op("add", PARS + "/-", {"name": "jes", "sigmas": [2.0]})], [("measurements[0].config.parameters[2].sigmas", "invalidModel", "does not apply")]),
    "auxdata_on_normfactor": ([op("add", PARS + "/-", {"name": "mu", "auxdata": [1.0]})], [("measurements[0].config.parameters[2].auxdata", "invalidModel", "does not apply")]),
    "bounds_not_pairs": ([op("replace", PARS + "/1/bounds", [[0.0, 2.0, 5.0]])], [("measurements[0].config.parameters[1].bounds[0]", "invalidModel", "pair")]),
    "poi_not_a_parameter": ([op("replace", "/measurements/0/config/poi", "mu_sig")], [("measurements[0].config.poi", "invalidModel", "'mu_sig'")]),
    "poi_not_scalar": ([op("replace", "/measurements/0/config/poi", "staterror_SR")], [("measurements[0].config.poi", "invalidModel", "scalar")]),
    "lumi_without_config": ([op("remove", PARS + "/0")], [("measurements[0].config.parameters", "invalidModel", "lumi")]),
    "staterror_different_channels": ([op("add", "/channels/1/samples/0/modifiers/-", {"name": "staterror_SR", "type": "staterror", "data": [1.0, 1.0]})],
                                     [("channels[0].samples[2].modifiers[1]", "invalidModel", "same channels for every sample")]),
    "shapefactor_different_bins": (
        [op("add", SIG + "/modifiers/-", {"name": "sf", "type": "shapefactor", "data": None}),
         op("add", "/channels/-", {"name": "VR", "samples": [{"name": "signal", "data": [1.0], "modifiers": [{"name": "sf", "type": "shapefactor", "data": None}]}]}),
         op("add", "/observations/-", {"name": "VR", "data": [1.0]})],
        [("channels[2].samples[0].modifiers[0]", "invalidModel", "different bin counts")]),
    "no_parameters": (
        [op("replace", "/channels", [{"name": "SR", "samples": [{"name": "bkg", "data": [1.0, 2.0], "modifiers": []}]}]),
         op("replace", "/observations", [{"name": "SR", "data": [1.0, 2.0]}]), op("replace", "/measurements/0/config", {"poi": "", "parameters": []})],
        [("channels", "invalidModel", "no parameters")]),
    "missing_observation": ([op("remove", "/observations/1")], [("observations", "invalidPdfData", "'CR'")]),
    "observation_wrong_length": ([op("replace", "/observations/0/data", [38.0])], [("observations[0].data", "invalidPdfData", "2 bins")]),
    "second_measurement_invalid": (
        [op("add", "/measurements/-", {"name": "bad", "config": {"poi": "nope", "parameters": [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.915, 1.085]], "inits": [1.0]}]}}),
         op("add", "/measurements/-", {"name": "bad2", "config": {"poi": "mu", "parameters": [{"name": "lumi", "inits": [1.0]}]}})],
        [("measurements[1].config.poi", "invalidModel", "'nope'"), ("measurements[2].config.parameters", "invalidModel", "lumi")]),
    # ---- duplicates: accepted by pyhf 0.7.6, rejected by pyhf main (scikit-hep/pyhf#2396) and by HEPKit
    "duplicate_channel": ([op("copy", "/channels/1", "/channels/-", **{"from": "/channels/1"})], [("channels[2].name", "invalidModel", "duplicate channel")]),
    "duplicate_sample": ([op("copy", SR + "/samples/-", **{"from": SIG})], [("channels[0].samples[3].name", "invalidModel", "duplicate sample")]),
    "duplicate_modifier": ([op("copy", SIG + "/modifiers/-", **{"from": SIG + "/modifiers/2"})], [("channels[0].samples[0].modifiers[3]", "invalidModel", "appears twice")]),
}


# Broken workspaces pyhf 0.7.6 lets through: duplicates (fixed on pyhf main), booleans as numbers
# (its schema type checker counts Python bools as numbers.Number; JSON Schema does not) and bounds
# that are not [lo, hi] pairs (the schema's minItems/maxItems sit on the numbers; fits fail later),
# and a shapefactor shared by channels of different bin counts (silently misapplied, reference §2.7).
ACCEPTED_BY_PYHF_0_7_6 = {
    "duplicate_channel", "duplicate_sample", "duplicate_modifier", "sample_data_boolean", "bounds_not_pairs",
    "shapefactor_different_bins",
}


def pyhf_verdict(spec):
    try:
        ws = pyhf.Workspace(spec)
        for m in ws.measurement_names:
            model = ws.model(measurement_name=m)
            model.logpdf(model.config.suggested_init(), ws.data(model))
        return None
    except Exception as e:  # noqa: BLE001 - the exception is the record
        return {"error": type(e).__name__, "message": str(e)[:300]}


for old in glob.glob(os.path.join(OUT, "*.json")):
    os.remove(old)
assert pyhf_verdict(BASE) is None
for name, (patch, expect) in CASES.items():
    for o in patch:  # "copy" ops above carry both keys; keep only what RFC 6902 needs
        if o["op"] == "copy":
            o.pop("value", None)
    spec = jsonpatch.apply_patch(copy.deepcopy(BASE), patch)
    verdict = pyhf_verdict(spec)
    assert (verdict is None) == (name in ACCEPTED_BY_PYHF_0_7_6), (name, verdict)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"workspace": spec, "pyhf_0_7_6": verdict,
                   "expect": [{"path": p, "rule": r, "contains": c} for p, r, c in expect]}, f, indent=1)
        f.write("\n")
print("wrote", len(CASES), "cases")
