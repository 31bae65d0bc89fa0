#!/usr/bin/env python3
"""End-to-end check of the bundled example against pyhf.

usage: check_example.py [HEPKIT_BINARY] [OUTPUT_DIR]   (defaults: .build/release/hepkit, a temporary directory)

Runs `hepkit optimize fixtures/example/analysis.yml -o DIR`, checks that DIR holds exactly the
trajectory, the optimum, the plot, the workspace and hepkit's output marker (no staging folder or
checkpoint left beside it) and that a summary was printed, then compares `pyhf cls DIR/workspace.json` with
`hepkit cls DIR/workspace.json` (CLs_obs and the five CLs_exp) with check_pyhf.py's tolerances
(5e-4 absolute or 2e-3 relative). Exits 1 on any disagreement. Needs pyhf (the `pyhf` command).
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit("FAIL %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode, (p.stderr or p.stdout).strip()[:500]))
    return p.stdout


def near(a, b, abs_tol=5e-4, rel_tol=2e-3):
    return abs(a - b) <= max(abs_tol, rel_tol * max(abs(a), abs(b)))


def main(argv):
    binary = argv[1] if len(argv) > 1 else str(ROOT / ".build/release/hepkit")
    out = pathlib.Path(argv[2]) if len(argv) > 2 else pathlib.Path(tempfile.mkdtemp(prefix="hepkit-example-"))
    started = time.monotonic()
    summary = run([binary, "optimize", str(ROOT / "fixtures/example/analysis.yml"), "-o", str(out)])
    print("hepkit optimize: %.2f s" % (time.monotonic() - started))
    failures = []
    # The output set: exactly the run's files and hepkit's marker, nothing left beside the folder.
    expected = {"trajectory.json", "optimum.json", "optimization.svg", "workspace.json", "histograms.root", "report.html",
                ".hepkit-output", "objective.svg", "region_SR_before.svg", "region_SR_after.svg"}
    expected |= {"parameter_%s.svg" % p for p in ("cut_met", "cut_jet", "edge1", "edge2")}
    expected |= {"cut_SR_%s.svg" % p for p in ("cut_met", "cut_jet")}
    found = {p.name for p in out.iterdir()}
    if found != expected:
        failures.append("the output folder holds %s, expected %s" % (sorted(found), sorted(expected)))
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith("." + out.name + ".")]
    if leftovers:
        failures.append("left beside the output folder: %s" % leftovers)
    if not summary.startswith("optimize: 100 steps"):
        failures.append("no summary on standard output: %r" % summary[:200])
    if failures:
        print("\n".join(failures))
        return 1
    optimum = json.loads((out / "optimum.json").read_text())
    print("optimum:", optimum["parameters"], "hard %s %.6g" % (optimum["objective"], optimum["hard_objective"]))
    workspace = str(out / "workspace.json")
    theirs = json.loads(run(["pyhf", "cls", workspace]))
    ours = json.loads(run([binary, "cls", workspace]))
    pairs = [("CLs_obs", theirs["CLs_obs"], ours["CLs_obs"])]
    pairs += [("CLs_exp[%d]" % i, t, o) for i, (t, o) in enumerate(zip(theirs["CLs_exp"], ours["CLs_exp"]))]
    for label, t, o in pairs:
        status = "ok  " if near(t, o) else "FAIL"
        if status == "FAIL":
            failures.append(label)
        print("%s %s: pyhf %.8g hepkit %.8g" % (status, label, t, o))
    if len(theirs["CLs_exp"]) != len(ours["CLs_exp"]):
        failures.append("CLs_exp lengths differ")
    print("%d passed, %d failed" % (len(pairs) - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
