#!/usr/bin/env python3
"""Benchmark of whole processes: hepkit vs pyhf 0.7.6 (numpy backend, default SciPy optimizer)
vs NextStat (`pip install nextstat`) for a free fit, a CLs hypotest at mu = 1 (with the expected
band) and the observed + expected upper limits. Prints a Markdown table of wall-clock seconds
(and CPU seconds), with ratios to hepkit.

usage: python3 tools/bench_inference.py HEPKIT_BINARY [--baseline OLD_HEPKIT_BINARY] [--pyhf-max-params 60] [--timeout 600] [--no-large] [--repeat 1]

--baseline adds a column for another hepkit binary (e.g. main's, built in a detached worktree)
and the ratio baseline/hepkit. `ranking` runs for hepkit only (pyhf has none; NextStat's differs).
A cell reads "failed" when the process exited non-zero (an error or a fit that did not converge),
"> N s" when a pyhf or NextStat process did not finish within --timeout N wall seconds (killed).

Workspaces: a few fixtures/pyhf files plus a generated large one (tools/make_large_workspace.py,
20 channels x 40 bins x 10 samples x 200 systematics, ~1000 parameters). pyhf runs only on models
with at most --pyhf-max-params parameters (it needs minutes to hours beyond); its timings for the
medium fixture are in fixtures/pyhf/generated_medium_seed1.truth.json (pyhf_seconds).
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "pyhf")

PYHF_SNIPPET = r"""
import json, sys, pyhf
ws = pyhf.Workspace(json.load(open(sys.argv[2])))
model = ws.model(); data = ws.data(model)
task = sys.argv[1]
if task == "fit":
    pyhf.infer.mle.fit(data, model, return_fitted_val=True)
elif task == "cls":
    pyhf.infer.hypotest(1.0, data, model, return_expected_set=True)
else:
    pyhf.infer.intervals.upper_limits.upper_limit(data, model)
"""


def timed(cmd, timeout=None):
    """Wall and CPU (children user+sys) seconds of one process run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "> %d s" % timeout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        return "failed"
    return wall, cpu


def best(cmd, repeat, timeout=None):
    runs = [timed(cmd, timeout) for _ in range(repeat)]
    ok = [r for r in runs if not isinstance(r, str)]
    return min(ok) if ok else runs[0]


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    hepkit = os.path.abspath(argv[1])
    pyhf_max = int(argv[argv.index("--pyhf-max-params") + 1]) if "--pyhf-max-params" in argv else 60
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 1
    timeout = int(argv[argv.index("--timeout") + 1]) if "--timeout" in argv else 600
    baseline = os.path.abspath(argv[argv.index("--baseline") + 1]) if "--baseline" in argv else None
    nextstat = shutil.which("nextstat")
    workspaces = [os.path.join(FIXTURES, n + ".json") for n in
                  ["validation_1bin_shapesys", "xml_xmlimport_input__example", "generated_small_seed1", "generated_medium_seed1"]]
    tmp = tempfile.mkdtemp()
    if "--no-large" not in argv:
        large = os.path.join(tmp, "generated_large.json")
        subprocess.run([sys.executable, os.path.join(HERE, "make_large_workspace.py"), large], check=True)
        workspaces.append(large)
    snippet = os.path.join(tmp, "pyhf_task.py")
    with open(snippet, "w") as f:
        f.write(PYHF_SNIPPET)

    commands = {
        "fit": (["fit", "--value"], ["fit"], "fit"),
        "cls": (["cls", "--test-poi", "1"], ["hypotest", "--mu", "1", "--expected-set"], "cls"),
        "upperlimit": (["upperlimit"], ["upper-limit", "--expected"], "limit"),
        "ranking": (["ranking"], None, None),
    }
    print("| workspace | params | task | hepkit s (cpu) | baseline s (cpu) | NextStat s (cpu) | pyhf s (cpu) | baseline/hepkit | NextStat/hepkit | pyhf/hepkit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for ws in workspaces:
        spec = json.load(open(ws))
        import pyhf  # noqa: E402 - only to count parameters
        npars = pyhf.Workspace(spec).model().config.npars
        name = os.path.basename(ws).replace(".json", "")
        for task, (hk_args, ns_args, py_task) in commands.items():
            if task == "ranking" and npars > 300:
                continue
            hk = best([hepkit] + hk_args + [ws], repeat)
            old = best([baseline] + hk_args + [ws], repeat) if baseline else None
            ns = best([nextstat] + ns_args + ["--input", ws], repeat, timeout) if nextstat and ns_args else None
            py = best([sys.executable, snippet, py_task, ws], repeat, timeout) if py_task and npars <= pyhf_max else None

            def cell(r):
                return r if isinstance(r, str) else ("%.3f (%.3f)" % r if r else "–")

            def ratio(r):
                return "%.1f×" % (r[1] / hk[1]) if r and not isinstance(r, str) and hk and not isinstance(hk, str) else "–"
            print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, npars, task, cell(hk), cell(old), cell(ns), cell(py), ratio(old), ratio(ns), ratio(py)))
            sys.stdout.flush()
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
