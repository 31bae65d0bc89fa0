#!/usr/bin/env python3
"""Round trip of `hepkit json2xml` through pyhf: every workspace of fixtures/ (and of any extra
folders given) is written as HistFactory XML + ROOT histograms by hepkit, read back by
`pyhf xml2json`, and compared with the original as pyhf models.

usage: check_json2xml.py HEPKIT [FOLDER ...]

Equal means, for every measurement: the same parameters (staterror modifiers are named
`staterror_<channel>` in XML, so the original's are renamed first), the same suggested inits,
bounds and fixed flags, the same expected data at the inits and at a shifted point, the same
observations and the same log-likelihood (relative tolerance 1e-9: XML stores per-bin
uncertainties relative to the nominal, so they come back through a division and a product).
Settings XML cannot express are reported by hepkit on stderr and listed; a workspace that
needs one of them is reported as "lossy" with its notes, not as a failure.
Exit status 1 if any workspace that hepkit converted without notes differs.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyhf

HERE = os.path.dirname(os.path.abspath(__file__))


def workspaces(folders):
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "**", "*.json"), recursive=True)):
            try:
                with open(path) as f:
                    spec = json.load(f)
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(spec, dict) and {"channels", "observations", "measurements"} <= spec.keys():
                try:
                    ws = pyhf.Workspace(spec)
                    for name in ws.measurement_names:
                        ws.model(measurement_name=name)
                except Exception:
                    continue  # invalid on purpose (fixtures of error handling)
                yield path, spec


def staterror_names(spec):
    """Original staterror name -> the name XML gives it."""
    names = {}
    for channel in spec["channels"]:
        for sample in channel["samples"]:
            for m in sample["modifiers"]:
                if m["type"] == "staterror":
                    names[m["name"]] = f"staterror_{channel['name']}"
    return names


def compare(original, roundtrip):
    """Differences between two workspaces as pyhf models (empty if equal)."""
    problems = []
    rename = {k: v for k, v in staterror_names(original).items() if k != v}
    wa = pyhf.Workspace(original)
    if rename:
        wa = wa.rename(modifiers=rename)
    wb = pyhf.Workspace(roundtrip)
    if sorted(wa.channels) != sorted(wb.channels):
        return [f"channels {wa.channels} vs {wb.channels}"]
    for channel in wa.channels:
        oa = next((o["data"] for o in wa["observations"] if o["name"] == channel), None)
        ob = next((o["data"] for o in wb["observations"] if o["name"] == channel), None)
        if (oa is None) != (ob is None) or (oa is not None and not np.allclose(oa, ob, rtol=1e-12, atol=0)):
            problems.append(f"observations of {channel}: {oa} vs {ob}")
    for measurement in wa.measurement_names:
        if measurement not in wb.measurement_names:
            problems.append(f"measurement {measurement} missing")
            continue
        ma = wa.model(measurement_name=measurement)
        mb = wb.model(measurement_name=measurement)
        if sorted(ma.config.parameters) != sorted(mb.config.parameters):
            problems.append(f"{measurement}: parameters {sorted(ma.config.parameters)} vs {sorted(mb.config.parameters)}")
            continue
        if ma.config.poi_name != mb.config.poi_name:
            problems.append(f"{measurement}: poi {ma.config.poi_name} vs {mb.config.poi_name}")
        # parameters in model a's order, taken from b
        order_b = []
        for name in ma.config.par_order:
            sl = mb.config.par_slice(name)
            order_b.extend(range(sl.start, sl.stop))
        init_a = np.asarray(ma.config.suggested_init())
        init_b = np.asarray(mb.config.suggested_init())[order_b]
        bounds_a = np.asarray(ma.config.suggested_bounds())
        bounds_b = np.asarray(mb.config.suggested_bounds())[order_b]
        fixed_a = np.asarray(ma.config.suggested_fixed())
        fixed_b = np.asarray(mb.config.suggested_fixed())[order_b]
        for what, x, y in (("inits", init_a, init_b), ("bounds", bounds_a, bounds_b)):
            if not np.allclose(x, y, rtol=1e-12, atol=0):
                problems.append(f"{measurement}: suggested {what} differ")
        if not np.array_equal(fixed_a, fixed_b):
            problems.append(f"{measurement}: fixed parameters differ")
        shifted = np.clip(init_a + 0.13, bounds_a[:, 0], bounds_a[:, 1])
        for label, point in (("inits", init_a), ("shifted", shifted)):
            point_b = np.empty_like(point)
            point_b[order_b] = point
            ea, eb = ma.expected_data(point), mb.expected_data(point_b)
            if not np.allclose(ea, eb, rtol=1e-9, atol=1e-12):
                problems.append(f"{measurement}: expected data at {label} differ")
            da, db = wa.data(ma), wb.data(mb)
            la, lb = ma.logpdf(point, da)[0], mb.logpdf(point_b, db)[0]
            if not np.isclose(la, lb, rtol=1e-9, atol=1e-9):
                problems.append(f"{measurement}: logpdf at {label} {la} vs {lb}")
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    hepkit = os.path.abspath(sys.argv[1])
    folders = [os.path.join(HERE, "..", "fixtures")] + sys.argv[2:]
    passed, lossy, failed = 0, 0, []
    for path, spec in workspaces(folders):
        with tempfile.TemporaryDirectory(prefix="json2xml-") as work:
            run = subprocess.run([hepkit, "json2xml", os.path.abspath(path), "--output-dir", "out"], cwd=work,
                                 capture_output=True, text=True)
            if run.returncode != 0:
                failed.append((path, [f"hepkit json2xml failed: {run.stderr.strip()}"]))
                continue
            notes = [line for line in run.stderr.splitlines() if line.strip()]
            back = subprocess.run([sys.executable, "-c", "from pyhf.cli import cli; cli()", "xml2json", "out/FitConfig.xml", "--basedir", work],
                                  cwd=work, capture_output=True, text=True)
            if back.returncode != 0:
                failed.append((path, [f"pyhf xml2json failed: {back.stderr.strip().splitlines()[-1:]}"]))
                continue
            try:
                problems = compare(spec, json.loads(back.stdout))
            except Exception as error:  # pyhf cannot build the round-tripped model
                problems = [f"pyhf: {error}"]
            if not problems:
                passed += 1
            elif notes:
                lossy += 1
                print(f"lossy  {os.path.relpath(path)}: {'; '.join(notes)}")
            else:
                failed.append((path, problems))
    for path, problems in failed:
        print(f"FAILED {os.path.relpath(path)}: {'; '.join(problems)}")
    print(f"json2xml round trip through pyhf {pyhf.__version__}: {passed} equal, {lossy} lossy (noted by hepkit), {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
