#!/usr/bin/env python3
"""Runs `hepkit` on every pyhf CLI run recorded in fixtures/workspace/cli.json and compares
exit status (zero / non-zero), stdout and the --output-file content with pyhf's.

usage: python3 tools/compare_workspace_cli.py [HEPKIT_BINARY]   (default .build/debug/hepkit)
"""
import hashlib, json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "hepkit"))
runs = json.load(open(os.path.join(FIX, "workspace", "cli.json")))
failed = 0
for r in runs:
    args = list(r["args"])
    stdin = open(os.path.join(FIX, r["stdin"])).read() if "stdin" in r else None
    out_rel = args[args.index("--output-file") + 1] if "--output-file" in args else None
    p = subprocess.run([binary] + args, cwd=FIX, capture_output=True, text=True, input=stdin)
    problems = []
    if (p.returncode == 0) != (r["status"] == 0):
        problems.append("exit %d vs pyhf %d: %s" % (p.returncode, r["status"], p.stderr.strip()[:200]))
    elif p.returncode == 0:
        if "stdout" in r and p.stdout != r["stdout"]:
            problems.append("stdout differs")
        if "stdout_sha256" in r and hashlib.sha256(p.stdout.encode()).hexdigest() != r["stdout_sha256"]:
            problems.append("stdout sha256 differs")
        if "output_file" in r:
            got = open(os.path.join(FIX, out_rel)).read() if os.path.exists(os.path.join(FIX, out_rel)) else None
            if got != r["output_file"]:
                problems.append("--output-file differs")
    if out_rel and os.path.exists(os.path.join(FIX, out_rel)):
        os.remove(os.path.join(FIX, out_rel))
    if problems:
        failed += 1
        print("FAIL", " ".join(args), "|", "; ".join(problems))
print("%d passed, %d failed" % (len(runs) - failed, failed))
sys.exit(1 if failed else 0)
