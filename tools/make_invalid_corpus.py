#!/usr/bin/env python3
"""Corpus of invalid pyhf workspaces, one file per rule, with pyhf 0.7.6's verdict.

usage: python3 tools/make_invalid_corpus.py   (from the package root)

Each case mutates a small valid workspace (every modifier type, two channels) so that exactly one
rule is broken. Writes fixtures/invalid/NAME.json and fixtures/invalid/cases.json with, per case:
  file, path (the JSON path the error must name), rule ("schema" or the pyhf exception class we
  must report), contains (a word the message must contain), and pyhf: the exception class and first
  message line pyhf 0.7.6 raises for Workspace(spec) / ws.model() / ws.data(model) — "accepted"
  where 0.7.6 silently accepts what pyhf's main branch rejects (duplicate names).
"""
import copy, json, os

import pyhf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "invalid")
os.makedirs(OUT, exist_ok=True)

BASE = {
    "channels": [
        {"name": "SR", "samples": [
            {"name": "signal", "data": [4.0, 2.5], "modifiers": [
                {"name": "mu", "type": "normfactor", "data": None},
                {"name": "lumi", "type": "lumi", "data": None},
                {"name": "sig_xsec", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]},
            {"name": "ttbar", "data": [30.0, 12.0], "modifiers": [
                {"name": "shape", "type": "histosys", "data": {"hi_data": [31.5, 13.5], "lo_data": [28.8, 11.1]}},
                {"name": "staterror_SR", "type": "staterror", "data": [2.0, 1.5]},
                {"name": "sf", "type": "shapefactor", "data": None}]},
            {"name": "wjets", "data": [10.0, 6.0], "modifiers": [
                {"name": "wjets_stat", "type": "shapesys", "data": [3.0, 2.0]}]}]},
        {"name": "CR", "samples": [
            {"name": "ttbar", "data": [200.0, 150.0], "modifiers": [
                {"name": "shape", "type": "histosys", "data": {"hi_data": [205.0, 152.0], "lo_data": [196.0, 149.0]}},
                {"name": "lumi", "type": "lumi", "data": None}]}]},
    ],
    "observations": [{"name": "SR", "data": [38.0, 22.0]}, {"name": "CR", "data": [210.0, 141.0]}],
    "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": [
        {"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.915, 1.085]], "inits": [1.0]},
        {"name": "mu", "bounds": [[0.0, 5.0]]}]}}],
    "version": "1.0.0",
}
SR = ["channels", 0]
SIG, TT, WJ = SR + ["samples", 0], SR + ["samples", 1], SR + ["samples", 2]
CONFIG = ["measurements", 0, "config"]


def at(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def setv(path, value):
    def f(d):
        at(d, path[:-1])[path[-1]] = value
    return f


def delete(path):
    def f(d):
        del at(d, path[:-1])[path[-1]]
    return f


def append(path, value):
    def f(d):
        at(d, path).append(value)
    return f


def dotted(path):
    out = ""
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else ("." if out else "") + p
    return out or "(root)"


cases = []


def case(name, mutate, path, rule, contains):
    cases.append((name, mutate, path, rule, contains))


# --- workspace.json / defs.json rules
case("root_not_object", lambda d: None, [], "schema", "object")
case("missing_channels", delete(["channels"]), ["channels"], "schema", "required")
case("missing_observations", delete(["observations"]), ["observations"], "schema", "required")
case("missing_measurements", delete(["measurements"]), ["measurements"], "schema", "required")
case("missing_version", delete(["version"]), ["version"], "schema", "required")
case("unknown_top_level_key", setv(["foo"], 1), ["foo"], "schema", "foo")
case("version_not_1_0_0", setv(["version"], "1.0.1"), ["version"], "schema", "1.0.0")
case("channels_empty", setv(["channels"], []), ["channels"], "schema", "at least 1")
case("observations_empty", setv(["observations"], []), ["observations"], "schema", "at least 1")
case("measurements_empty", setv(["measurements"], []), ["measurements"], "schema", "at least 1")
case("channel_missing_name", delete(SR + ["name"]), SR + ["name"], "schema", "required")
case("channel_name_not_string", setv(SR + ["name"], 5), SR + ["name"], "schema", "string")
case("channel_unknown_key", setv(SR + ["bins"], 2), SR + ["bins"], "schema", "bins")
case("channel_samples_empty", setv(SR + ["samples"], []), SR + ["samples"], "schema", "at least 1")
case("sample_missing_data", delete(TT + ["data"]), TT + ["data"], "schema", "required")
case("sample_missing_modifiers", delete(TT + ["modifiers"]), TT + ["modifiers"], "schema", "required")
case("sample_data_empty", setv(TT + ["data"], []), TT + ["data"], "schema", "at least 1")
case("sample_data_string", setv(TT + ["data", 1], "12"), TT + ["data", 1], "schema", "number")
case("sample_data_boolean", setv(TT + ["data", 0], True), TT + ["data", 0], "schema", "number")
case("sample_data_null", setv(TT + ["data", 0], None), TT + ["data", 0], "schema", "number")
case("sample_modifiers_not_array", setv(TT + ["modifiers"], {}), TT + ["modifiers"], "schema", "array")
case("sample_unknown_key", setv(TT + ["weight"], 1.0), TT + ["weight"], "schema", "weight")
case("modifier_unknown_type", setv(TT + ["modifiers", 0, "type"], "gaussian"), TT + ["modifiers", 0, "type"], "schema", "histosys")
case("modifier_missing_type", delete(TT + ["modifiers", 0, "type"]), TT + ["modifiers", 0, "type"], "schema", "histosys")
case("modifier_missing_name", delete(TT + ["modifiers", 0, "name"]), TT + ["modifiers", 0, "name"], "schema", "required")
case("modifier_missing_data", delete(TT + ["modifiers", 0, "data"]), TT + ["modifiers", 0, "data"], "schema", "required")
case("modifier_unknown_key", setv(TT + ["modifiers", 0, "note"], "x"), TT + ["modifiers", 0, "note"], "schema", "note")
case("normfactor_data_not_null", setv(SIG + ["modifiers", 0, "data"], [1.0]), SIG + ["modifiers", 0, "data"], "schema", "null")
case("lumi_wrong_name", setv(SIG + ["modifiers", 1, "name"], "luminosity"), SIG + ["modifiers", 1, "name"], "schema", "lumi")
case("lumi_data_not_null", setv(SIG + ["modifiers", 1, "data"], 1.0), SIG + ["modifiers", 1, "data"], "schema", "null")
case("normsys_missing_lo", delete(SIG + ["modifiers", 2, "data", "lo"]), SIG + ["modifiers", 2, "data", "lo"], "schema", "required")
case("normsys_hi_string", setv(SIG + ["modifiers", 2, "data", "hi"], "1.1"), SIG + ["modifiers", 2, "data", "hi"], "schema", "number")
case("normsys_unknown_key", setv(SIG + ["modifiers", 2, "data", "nominal"], 1.0), SIG + ["modifiers", 2, "data", "nominal"], "schema", "nominal")
case("normsys_data_array", setv(SIG + ["modifiers", 2, "data"], [0.9, 1.1]), SIG + ["modifiers", 2, "data"], "schema", "object")
case("histosys_missing_hi_data", delete(TT + ["modifiers", 0, "data", "hi_data"]), TT + ["modifiers", 0, "data", "hi_data"], "schema", "required")
case("histosys_lo_data_empty", setv(TT + ["modifiers", 0, "data", "lo_data"], []), TT + ["modifiers", 0, "data", "lo_data"], "schema", "at least 1")
case("histosys_hi_data_not_array", setv(TT + ["modifiers", 0, "data", "hi_data"], 31.5), TT + ["modifiers", 0, "data", "hi_data"], "schema", "array")
case("staterror_data_null", setv(TT + ["modifiers", 1, "data"], None), TT + ["modifiers", 1, "data"], "schema", "array")
case("staterror_data_string_item", setv(TT + ["modifiers", 1, "data", 0], "2"), TT + ["modifiers", 1, "data", 0], "schema", "number")
case("shapefactor_data_not_null", setv(TT + ["modifiers", 2, "data"], [1.0, 1.0]), TT + ["modifiers", 2, "data"], "schema", "null")
case("shapesys_data_empty", setv(WJ + ["modifiers", 0, "data"], []), WJ + ["modifiers", 0, "data"], "schema", "at least 1")
case("observation_missing_data", delete(["observations", 1, "data"]), ["observations", 1, "data"], "schema", "required")
case("observation_data_empty", setv(["observations", 1, "data"], []), ["observations", 1, "data"], "schema", "at least 1")
case("observation_unknown_key", setv(["observations", 1, "channel"], "CR"), ["observations", 1, "channel"], "schema", "channel")
case("measurement_missing_config", delete(["measurements", 0, "config"]), ["measurements", 0, "config"], "schema", "required")
case("measurement_unknown_key", setv(["measurements", 0, "lumi"], 1.0), ["measurements", 0, "lumi"], "schema", "lumi")
case("config_missing_poi", delete(CONFIG + ["poi"]), CONFIG + ["poi"], "schema", "required")
case("config_missing_parameters", delete(CONFIG + ["parameters"]), CONFIG + ["parameters"], "schema", "required")
case("config_poi_null", setv(CONFIG + ["poi"], None), CONFIG + ["poi"], "schema", "string")
case("parameter_missing_name", delete(CONFIG + ["parameters", 1, "name"]), CONFIG + ["parameters", 1, "name"], "schema", "required")
case("parameter_inits_empty", setv(CONFIG + ["parameters", 1, "inits"], []), CONFIG + ["parameters", 1, "inits"], "schema", "at least 1")
case("parameter_bounds_flat", setv(CONFIG + ["parameters", 1, "bounds"], [0.0, 5.0]), CONFIG + ["parameters", 1, "bounds", 0], "schema", "array")
case("parameter_fixed_not_boolean", setv(CONFIG + ["parameters", 1, "fixed"], 1), CONFIG + ["parameters", 1, "fixed"], "schema", "boolean")
case("parameter_sigmas_string", setv(CONFIG + ["parameters", 0, "sigmas"], ["0.017"]), CONFIG + ["parameters", 0, "sigmas", 0], "schema", "number")
case("parameter_unknown_key", setv(CONFIG + ["parameters", 1, "step"], 0.1), CONFIG + ["parameters", 1, "step"], "schema", "step")

# --- model-building rules (pyhf raises them in Workspace.model / Workspace.data)
case("sample_bins_differ_from_channel", setv(TT + ["data"], [30.0, 12.0, 1.0]), TT + ["data"], "invalidModel", "size")
case("histosys_hi_data_length", setv(TT + ["modifiers", 0, "data", "hi_data"], [31.5]), TT + ["modifiers", 0, "data", "hi_data"], "invalidModifier", "shape")
case("staterror_data_length", setv(TT + ["modifiers", 1, "data"], [2.0]), TT + ["modifiers", 1, "data"], "invalidModifier", "shape")
case("shapesys_data_length", setv(WJ + ["modifiers", 0, "data"], [3.0, 2.0, 1.0]), WJ + ["modifiers", 0, "data"], "invalidModifier", "shape")
case("shapesys_on_two_samples", append(TT + ["modifiers"], {"name": "wjets_stat", "type": "shapesys", "data": [1.0, 1.0]}),
     WJ + ["modifiers", 0], "invalidModel", "shapesys")  # pyhf reports the later one in its walk order
case("name_reuse_normfactor_normsys", setv(SIG + ["modifiers", 2, "name"], "mu"), SIG + ["modifiers", 2], "invalidNameReuse", "mu")
case("name_reuse_shapesys_staterror", setv(WJ + ["modifiers", 0, "name"], "staterror_SR"), TT + ["modifiers", 1], "invalidNameReuse", "staterror_SR")  # shapesys sorts first
case("duplicate_parameter_config", append(CONFIG + ["parameters"], {"name": "mu", "inits": [1.0]}), CONFIG + ["parameters", 2], "invalidModel", "mu")
case("config_inits_length", setv(CONFIG + ["parameters", 1, "inits"], [1.0, 1.0]), CONFIG + ["parameters", 1, "inits"], "invalidModel", "inits")
case("config_bounds_length", append(CONFIG + ["parameters"], {"name": "staterror_SR", "bounds": [[0.5, 1.5]]}), CONFIG + ["parameters", 2, "bounds"], "invalidModel", "bounds")
case("config_sigmas_on_normsys", append(CONFIG + ["parameters"], {"name": "sig_xsec", "sigmas": [1.0]}), CONFIG + ["parameters", 2, "sigmas"], "invalidModel", "sigmas")
case("config_auxdata_on_normfactor", setv(CONFIG + ["parameters", 1, "auxdata"], [1.0]), CONFIG + ["parameters", 1, "auxdata"], "invalidModel", "auxdata")
case("config_factors_on_staterror", append(CONFIG + ["parameters"], {"name": "staterror_SR", "factors": [1.0, 1.0]}), CONFIG + ["parameters", 2, "factors"], "invalidModel", "factors")
case("lumi_without_config", delete(CONFIG + ["parameters", 0]), CONFIG + ["parameters"], "invalidModel", "lumi")
case("poi_not_a_parameter", setv(CONFIG + ["poi"], "xsec"), CONFIG + ["poi"], "invalidModel", "xsec")
case("poi_not_scalar", setv(CONFIG + ["poi"], "staterror_SR"), CONFIG + ["poi"], "invalidModel", "scalar")
case("no_parameters", lambda d: [s.__setitem__("modifiers", []) for c in d["channels"] for s in c["samples"]], ["channels"], "invalidModel", "parameters")
case("observation_missing_for_channel", delete(["observations", 1]), ["observations"], "invalidPdfData", "CR")
# staterror_SR on ttbar and wjets in SR, but only on ttbar in CR (pyhf: bare AssertionError).
case("staterror_channels_differ", lambda d: (at(d, WJ + ["modifiers"]).append({"name": "staterror_SR", "type": "staterror", "data": [1.0, 1.0]}),
                                            at(d, ["channels", 1, "samples", 0, "modifiers"]).append({"name": "staterror_SR", "type": "staterror", "data": [5.0, 4.0]})),
     WJ + ["modifiers", 1], "invalidModel", "staterror_SR")
case("shapefactor_bins_differ", lambda d: (d["channels"].append({"name": "VR", "samples": [{"name": "ttbar", "data": [5.0, 4.0, 3.0], "modifiers": [{"name": "sf", "type": "shapefactor", "data": None}]}]}),
                                           d["observations"].append({"name": "VR", "data": [5.0, 4.0, 3.0]})),
     ["channels", 2, "samples", 0, "modifiers", 0], "invalidModel", "shapefactor")
case("bounds_not_a_pair", setv(CONFIG + ["parameters", 1, "bounds"], [[0.0, 5.0, 10.0]]), CONFIG + ["parameters", 1, "bounds", 0], "invalidModel", "pair")
# Duplicates: accepted by pyhf 0.7.6, rejected by pyhf main (scikit-hep/pyhf#2396) and by us.
case("duplicate_channel", lambda d: (d["channels"].append(copy.deepcopy(d["channels"][1]))), ["channels", 2, "name"], "invalidModel", "CR")
case("duplicate_sample", append(SR + ["samples"], copy.deepcopy(BASE["channels"][0]["samples"][0])), SR + ["samples", 3, "name"], "invalidModel", "signal")
case("duplicate_modifier", append(TT + ["modifiers"], {"name": "shape", "type": "histosys", "data": {"hi_data": [31.0, 13.0], "lo_data": [29.0, 11.0]}}),
     TT + ["modifiers", 3], "invalidModel", "shape")

manifest = []
for name, mutate, path, rule, contains in cases:
    spec = copy.deepcopy(BASE)
    if name == "root_not_object":
        spec = [spec]
    else:
        mutate(spec)
    try:
        ws = pyhf.Workspace(spec)
        model = ws.model()
        ws.data(model)
        verdict = {"exception": "accepted", "message": ""}
    except Exception as e:  # noqa: BLE001 - pyhf's verdict is the record
        verdict = {"exception": type(e).__name__, "message": str(e).split("\n")[0][:200]}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    manifest.append({"file": name + ".json", "path": dotted(path), "rule": rule, "contains": contains, "pyhf": verdict})

# Not JSON at all.
for name, text in [("syntax_trailing_comma", '{"channels": [1,],}'), ("syntax_nan", '{"version": NaN}'),
                   ("syntax_truncated", json.dumps(BASE)[:-10]), ("syntax_bad_escape", '{"a": "\\x"}')]:
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        f.write(text)
    try:
        pyhf.Workspace(json.loads(text))
        verdict = {"exception": "accepted", "message": ""}
    except Exception as e:  # noqa: BLE001
        verdict = {"exception": type(e).__name__, "message": str(e).split("\n")[0][:200]}
    manifest.append({"file": name + ".json", "path": "", "rule": "json", "contains": "line", "pyhf": verdict})

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
for m in manifest:
    print("%-36s %-18s %s" % (m["file"], m["pyhf"]["exception"], m["pyhf"]["message"][:90]))
