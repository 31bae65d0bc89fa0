#!/usr/bin/env python3
"""Remote reading benchmark: the ROOT benchmark file read over loopback XRootD against the local
file, for HEPKit and for uproot's XRootD reader (fsspec-xrootd / the xrootd Python bindings from
tools/requirements.txt), in one run.

usage: bench_remote.py [--hepkit PATH] [--data DIR] [--entries N] [--runs N] [--json OUT]

Uses DIR/bench_zlib.root (made with make_bench_data.py --codecs zlib if missing; default DIR
bench-data/), copies it into a temporary folder served by a local `xrootd` on 127.0.0.1 (stopped
by PID at the end) and times, as whole processes (best of --runs):

  hepkit local    `hepkit stats FILE events --json`
  hepkit xrootd   the same on root://127.0.0.1:PORT//bench_zlib.root
  uproot local    `uproot_stats.py FILE events` (tree.arrays(library="np") and the same sums)
  uproot xrootd   the same on the root:// URL

and checks that the remote statistics equal the local ones. Loopback has no latency worth the
name: this measures the cost of the remote path (requests, copies), not of a wide-area network.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
from bench_root import best_of, branch_stats, compare_stats  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_xrootd(data_dir, workdir):
    """Serves data_dir on a free loopback port; returns (process, port)."""
    run = os.path.join(workdir, "run")
    os.makedirs(run)
    os.chmod(workdir, 0o755)
    os.chmod(run, 0o777)  # xrootd drops to nobody: world-writable run folder, world-readable data
    port = free_port()
    config = os.path.join(workdir, "xrd.cfg")
    with open(config, "w") as f:
        # own pid folder: the default /tmp/bench/xrootd.pid may hold a reused pid of a killed server
        f.write("all.export /\noss.localroot %s\nxrd.port %d\nall.pidpath %s\n" % (data_dir, port, run))
    os.chmod(config, 0o644)
    proc = subprocess.Popen(["xrootd", "-R", "nobody", "-c", config, "-n", "bench", "-l", os.path.join(run, "log"),
                             "-a", run], cwd=run, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("bench_remote: xrootd did not start (see %s)" % os.path.join(run, "bench", "log"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = os.path.join(ROOT, ".build", "release", "hepkit")
    if not os.access(default, os.X_OK):
        default = os.path.join(ROOT, ".build", "debug", "hepkit")
    p.add_argument("--hepkit", default=default)
    p.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    p.add_argument("--entries", type=int, default=1_000_000, help="entries if the file must be made")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--json", help="also write the measurements here")
    args = p.parse_args()

    source = os.path.join(args.data, "bench_zlib.root")
    if not os.path.exists(source):
        subprocess.run([sys.executable, os.path.join(TOOLS, "make_bench_data.py"), args.data, "--codecs", "zlib",
                        "--entries", str(args.entries)], check=True, stdout=subprocess.DEVNULL)
    workdir = tempfile.mkdtemp(prefix="hepkit-bench-remote-")
    server = None
    try:
        data = os.path.join(workdir, "data")
        os.makedirs(data)
        os.chmod(data, 0o755)
        local = os.path.join(data, "bench_zlib.root")
        shutil.copyfile(source, local)
        os.chmod(local, 0o644)
        server, port = start_xrootd(data, workdir)
        url = "root://127.0.0.1:%d//bench_zlib.root" % port
        uproot_stats = [sys.executable, os.path.join(TOOLS, "uproot_stats.py")]
        cases = [
            ("hepkit local", [args.hepkit, "stats", local, "events", "--json"]),
            ("hepkit xrootd", [args.hepkit, "stats", url, "events", "--json"]),
            ("uproot local", uproot_stats + [local, "events"]),
            ("uproot xrootd", uproot_stats + [url, "events"]),
        ]
        results = {}
        for name, cmd in cases:
            print("[%s]" % name, file=sys.stderr)
            results[name] = best_of(cmd, args.runs)
        stats = {name: branch_stats(r.pop("stdout"), name) for name, r in results.items()}
        problems = compare_stats(stats["hepkit xrootd"], stats["hepkit local"], rel=0) \
            + compare_stats(stats["hepkit xrootd"], stats["uproot local"]) \
            + compare_stats(stats["uproot xrootd"], stats["uproot local"], rel=0)
        size = os.path.getsize(local) / 1e6
        print("bench_zlib.root: %.1f MB, %s; hepkit: %s; best of %d runs\n" % (size, url, args.hepkit, args.runs))
        print("| reader | wall s | cpu s | peak MB | MB/s of file |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, r in results.items():
            print("| %s | %.3f | %.3f | %.0f | %.0f |" % (name, r["seconds"], r["cpu_seconds"], r["peak_rss"] / 1e6,
                                                       size / r["seconds"]))
        h, u = results["hepkit xrootd"]["seconds"], results["uproot xrootd"]["seconds"]
        print("\nhepkit xrootd / hepkit local: %.2f×; uproot xrootd / hepkit xrootd: %.2f× (uproot's time over ours)"
              % (h / results["hepkit local"]["seconds"], u / h))
        for problem in problems:
            print("MISMATCH: %s" % problem)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"file_mb": size, "results": results, "mismatches": problems}, f, indent=1)
        return 1 if problems else 0
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
