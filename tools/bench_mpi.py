#!/usr/bin/env python3
"""Benchmark of `hepkit optimize` spread over MPI ranks (issue 16 §4).

The example's generator with 100x the events (5.5 M; `tools/make_example.py --scale 100 --files 8`,
made once into bench-data/example-x100/) is optimised for --steps steps by:
  - each HEPKIT binary given as one process (the before/after comparison: pass the old and new
    release builds),
  - the last binary under `mpirun -n 2 ... optimize --mpi` (two ranks sharing the 2 cores).
Prints wall and CPU seconds, seconds per step per million events (CPU), peak memory per rank
(max RSS), and the 1 -> 2 rank speed-up (target >= 1.7).

    python3 tools/bench_mpi.py .build/release/hepkit [--before OLD_HEPKIT] [--steps 20]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

root = pathlib.Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("hepkit")
parser.add_argument("--before", help="an older hepkit to time as one process (no --mpi)")
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--scale", type=int, default=100)
args = parser.parse_args()

data = root / "bench-data" / f"example-x{args.scale}"
if not (data / "analysis.yml").exists():
    subprocess.run([sys.executable, str(root / "tools" / "make_example.py"), "--scale", str(args.scale), "--files", "8",
                    "--out", str(data)], check=True)
events = 55_000 * args.scale
config = pathlib.Path(tempfile.mkdtemp()) / "analysis.yml"
text = (data / "analysis.yml").read_text().replace("steps: 100", f"steps: {args.steps}")
text = re.sub(r"files: \[([^\]]*)\]", lambda m: "files: [" + ", ".join(str(data / f.strip()) for f in m.group(1).split(",")) + "]", text)
config.write_text(text)


def run(command, env=None):
    """Wall seconds, CPU seconds (children), and the max RSS in MB of the largest process."""
    out = tempfile.mkdtemp()
    timing = pathlib.Path(out) / "time.txt"
    start = time.time()
    before = os.times()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(timing), "--append"] + command + ["-o", out + "/result"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.time() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    rss = max(int(line) for line in timing.read_text().split() if line.isdigit()) / 1024
    trajectory = json.loads((pathlib.Path(out) / "result" / "trajectory.json").read_text())
    shutil.rmtree(out)
    return wall, cpu, rss, trajectory


rows = []
if args.before:
    rows.append(("before, 1 process", *run([args.before, "optimize", str(config)])))
rows.append(("1 process", *run([args.hepkit, "optimize", str(config)])))
# /usr/bin/time inside mpirun: one measurement per rank.
mpirun = ["mpirun", "--allow-run-as-root", "-n", "2", "/usr/bin/time", "-f", "%M", "-o"]
out = tempfile.mkdtemp()
timing = pathlib.Path(out) / "time.txt"
start, before = time.time(), os.times()
subprocess.run(mpirun + [str(timing), "--append", args.hepkit, "optimize", "--mpi", str(config), "-o", out + "/result"],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall, after = time.time() - start, os.times()
cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
rss = max(int(x) for x in timing.read_text().split() if x.isdigit()) / 1024
mpi_trajectory = json.loads((pathlib.Path(out) / "result" / "trajectory.json").read_text())
rows.append(("2 MPI ranks", wall, cpu, rss, mpi_trajectory))

print(f"{events / 1e6:.1f} M events, {args.steps} steps, load average {os.getloadavg()[0]:.1f}")
print("| run | wall s | CPU s | CPU s per step per M events | peak MB per rank |")
print("|---|---|---|---|---|")
for name, wall, cpu, rss, _ in rows:
    print(f"| {name} | {wall:.1f} | {cpu:.1f} | {cpu / args.steps / (events / 1e6):.3f} | {rss:.0f} |")
single = [r for r in rows if r[0] == "1 process"][0]
print(f"speed-up 1 -> 2 ranks (wall): {single[1] / wall:.2f} (target >= 1.7)")
same = single[4]["steps"] == mpi_trajectory["steps"]
print(f"trajectories of 1 process and 2 ranks identical: {same}")
