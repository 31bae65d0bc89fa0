#!/usr/bin/env python3
"""ROOT reading speed and memory benchmark: HEPKit against uproot and the bare codecs.

usage: bench_root.py [--hepkit PATH] [--data DIR] [--skip-hepkit] [--runs N]
                     [--codecs zlib,lz4,zstd,lzma] [--threads 1,2] [--uproot-library np|ak]
                     [--json OUT]

For each codec's file DIR/bench_<codec>.root (made by make_bench_data.py), in one run:

  hepkit    `hepkit stats FILE events --json` as a whole process, once per thread count
            in --threads (environment HEPKIT_THREADS=N, and the process restricted to N
            CPUs unless --no-pin): wall time and peak RSS;
  uproot    `uproot_stats.py FILE events` as a whole process (tree.arrays(library="np")
            plus the same per-branch entries/items/min/max/mean/sum): wall time, peak RSS;
  codec     the time the codec libraries alone need to decompress the same baskets,
            single-threaded (codec_bench.c, compiled on the fly with cc): the raw key
            payloads of every basket of every branch, extracted here with uproot;
  bytes     the decompressed bytes of the branches read (sum of the baskets' fObjlen).

Wall time and peak RSS of a child come from os.wait4 (ru_maxrss). Every measurement is
the best of --runs runs (peak RSS: the largest seen). The files are read from the page
cache (the first run warms it). Prints the measurements and the ratios against issue 2's
targets as Markdown tables, and checks that HEPKit's sums agree with uproot's.
"""
import argparse
import json
import mmap
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
CODECS = ("zlib", "lz4", "zstd", "lzma")
TREE = "events"
MB = 1e6

#: Issue 2's targets.
TARGET_VS_UPROOT = 1 / 3
TARGET_VS_CODEC = 1.25
TARGET_SPEEDUP = 1.7
RSS_FACTOR, RSS_EXTRA = 1.5, 50 * MB

BASKETS_MAGIC = b"HKBASKT1"


class BenchError(Exception):
    pass


# --- basket extraction -------------------------------------------------------------

def extract_baskets(root_path, tree_name, out_path):
    """Write every basket payload of every branch of the tree to `out_path`.

    Format (read by codec_bench.c): magic, u32 count, then per basket u32 payload bytes,
    u32 uncompressed bytes (the key's fObjlen) and the payload: the key's bytes after its
    header (fKeylen), i.e. the ROOT compressed blocks with their 9-byte headers.
    Returns (baskets, compressed bytes, uncompressed bytes).
    """
    import uproot

    with uproot.open(root_path) as f:
        tree = f[tree_name]
        locations = []
        for branch in tree.itervalues(recursive=True):
            if branch.embedded_baskets:
                raise BenchError("%s: branch %s has baskets embedded in the TBranch; "
                                 "not supported by this benchmark" % (root_path, branch.name))
            n = branch.member("fWriteBasket")
            seeks = branch.member("fBasketSeek")[:n]
            sizes = branch.member("fBasketBytes")[:n]
            locations.extend((int(s), int(b), branch.name) for s, b in zip(seeks, sizes))

    compressed = uncompressed = 0
    with open(root_path, "rb") as src, open(out_path, "wb") as out:
        data = mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            out.write(BASKETS_MAGIC + struct.pack("<I", len(locations)))
            for seek, nbytes, name in locations:
                key_nbytes, _version, objlen = struct.unpack_from(">ihi", data, seek)
                (keylen,) = struct.unpack_from(">h", data, seek + 14)
                if key_nbytes != nbytes or not 0 < keylen < nbytes:
                    raise BenchError("%s: inconsistent basket key at %d (branch %s)"
                                     % (root_path, seek, name))
                payload = data[seek + keylen: seek + nbytes]
                out.write(struct.pack("<II", len(payload), objlen))
                out.write(payload)
                compressed += len(payload)
                uncompressed += objlen
        finally:
            data.close()
    return len(locations), compressed, uncompressed


def build_codec_bench(workdir, cc):
    exe = os.path.join(workdir, "codec_bench")
    cmd = [cc, "-O2", "-o", exe, os.path.join(TOOLS, "codec_bench.c"),
           "-ldeflate", "-llz4", "-lzstd", "-llzma", "-lz", "-lxxhash"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError("compiling codec_bench.c failed (needs libdeflate-dev liblz4-dev "
                         "libzstd-dev liblzma-dev zlib1g-dev libxxhash-dev):\n" + p.stderr)
    return exe


def codec_time(exe, baskets_path, runs, *options):
    # LZ4 checksums are verified, as the reader must do.
    p = subprocess.run([exe, baskets_path, "--repeat", str(runs), "--verify-lz4-checksum"] + list(options),
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError("codec_bench failed: " + p.stderr.strip())
    return json.loads(p.stdout)


# --- whole-process measurements ----------------------------------------------------

def measure(cmd, env=None, cpus=None):
    """Run `cmd` (on the CPUs in `cpus` if given); return (wall s, peak RSS bytes, cpu s, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, preexec_fn=pin)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise BenchError("%s exited with %d: %s" % (" ".join(cmd), proc.returncode, stderr.strip()[:500]))
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime, stdout


def best_of(cmd, runs, env=None, cpus=None):
    results = [measure(cmd, env, cpus) for _ in range(runs)]
    return {
        "seconds": min(r[0] for r in results),
        "peak_rss": max(r[1] for r in results),
        "cpu_seconds": min(r[2] for r in results),
        "stdout": results[-1][3],
    }


def branch_stats(stdout, who):
    """The per-branch statistics in a `stats --json` output, as {name: {...}}."""
    try:
        doc = json.loads(stdout)
    except ValueError as e:
        raise BenchError("%s printed no valid JSON: %s" % (who, e))
    branches = doc.get("branches", doc) if isinstance(doc, dict) else doc
    if isinstance(branches, list):
        branches = {b.get("name", b.get("branch")): b for b in branches if isinstance(b, dict)}
    if not isinstance(branches, dict):
        raise BenchError("%s: unexpected JSON shape" % who)
    return branches


def compare_stats(ours, reference, rel=1e-7):
    """Differences between HEPKit's and uproot's branch statistics, as readable strings."""
    problems = []
    for name, ref in reference.items():
        got = ours.get(name)
        if got is None:
            problems.append("%s: missing" % name)
            continue
        for field in ("entries", "items", "sum", "min", "max"):
            a, b = got.get(field), ref.get(field)
            if a is None or b is None:
                continue
            try:
                a = float(a)
            except (TypeError, ValueError):
                problems.append("%s.%s: %r" % (name, field, a))
                continue
            if not abs(a - b) <= rel * max(1.0, abs(b)):  # also catches NaN
                problems.append("%s.%s: hepkit %r, uproot %r" % (name, field, a, b))
    return problems


# --- report ------------------------------------------------------------------------

def fmt(x, spec="%.3f"):
    return "n/a" if x is None else spec % x


def fmt_time(m):
    """Wall seconds with CPU seconds in parentheses, or n/a."""
    return "n/a" if m is None else "%.3f (%.3f)" % (m["seconds"], m["cpu_seconds"])


def verdict(value, target, at_most, cpu=None):
    """The wall-time ratio against its target, with the same ratio of CPU times if given."""
    if value is None:
        return "n/a"
    ok = value <= target if at_most else value >= target
    return "%.3f %s%s" % (value, "ok" if ok else "MISSED", "" if cpu is None else " (%.3f)" % cpu)


def ratio(a, b, key):
    return a[key] / b[key] if a is not None and b is not None else None


def report(results, threads, library):
    cols = ["codec", "file MB", "decompressed MB", "codec-only s (cpu)",
            "uproot (%s) s (cpu)" % library, "uproot peak MB"]
    for t in threads:
        cols += ["hepkit %dT s (cpu)" % t, "hepkit %dT peak MB" % t]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in results:
        row = [r["codec"], fmt(r["file_bytes"] / MB, "%.1f"), fmt(r["decompressed_bytes"] / MB, "%.1f"),
               fmt_time(r["codec_only"]), fmt_time(r["uproot"]),
               fmt(r["uproot"]["peak_rss"] / MB, "%.0f")]
        for t in threads:
            h = r["hepkit"].get(str(t))
            row += [fmt_time(h), fmt(h and h["peak_rss"] / MB, "%.0f")]
        lines.append("| " + " | ".join(row) + " |")

    lo, hi = str(min(threads)), str(max(threads))
    lines += ["", "| codec | HEPKit/uproot (<= 0.33) (cpu) | HEPKit %sT/codec-only (<= 1.25) (cpu) | "
              "HEPKit %sT - codec-only s | speed-up %sT->%sT (>= 1.7) | "
              "peak RSS/(1.5 x decompressed + 50 MB) (<= 1) |" % (lo, lo, lo, hi),
              "|---|---|---|---|---|---|"]
    for r in results:
        h = r["hepkit"]
        fastest = min(h.values(), key=lambda v: v["seconds"], default=None)
        one, many = h.get(lo), h.get(hi)
        budget = RSS_FACTOR * r["decompressed_bytes"] + RSS_EXTRA
        peak = max((v["peak_rss"] for v in h.values()), default=None)
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            r["codec"],
            verdict(ratio(fastest, r["uproot"], "seconds"), TARGET_VS_UPROOT, True,
                    ratio(fastest, r["uproot"], "cpu_seconds")),
            verdict(ratio(one, r["codec_only"], "seconds"), TARGET_VS_CODEC, True,
                    ratio(one, r["codec_only"], "cpu_seconds")),
            fmt(one and one["seconds"] - r["codec_only"]["seconds"]),
            verdict(ratio(one, many, "seconds") if lo != hi else None, TARGET_SPEEDUP, False),
            verdict(peak and peak / budget, 1.0, True)))
    lines.append("\ncodec-only into a fresh (not yet faulted) output buffer: " + ", ".join(
        "%s %.3f s" % (r["codec"], r["codec_only"]["seconds_fresh_output"]) for r in results))
    for r in results:
        if "seconds_libz" in r["codec_only"]:
            lines.append("%s codec-only with libz instead of libdeflate: %.3f s"
                         % (r["codec"], r["codec_only"]["seconds_libz"]))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hepkit", default=os.path.join(ROOT, ".build", "release", "hepkit"))
    p.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    p.add_argument("--skip-hepkit", action="store_true", help="measure only uproot and the codecs")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement; the best counts")
    p.add_argument("--codecs", default=",".join(CODECS))
    p.add_argument("--threads", default="1,2", help="HEPKIT_THREADS values to measure")
    p.add_argument("--no-pin", dest="pin", action="store_false",
                   help="do not restrict hepkit with N threads to N CPUs")
    p.add_argument("--uproot-library", choices=("np", "ak"), default="np")
    p.add_argument("--cc", default=os.environ.get("CC", "cc"))
    p.add_argument("--json", help="also write the measurements to this JSON file")
    args = p.parse_args(argv)

    codecs = [c.strip() for c in args.codecs.split(",") if c.strip()]
    threads = sorted({int(t) for t in args.threads.split(",")})
    if any(c not in CODECS for c in codecs):
        p.error("codecs are among " + ",".join(CODECS))
    if args.runs < 1 or not threads or min(threads) < 1:
        p.error("--runs and --threads must be positive")
    if not args.skip_hepkit and not os.access(args.hepkit, os.X_OK):
        p.error("no hepkit binary at %s (swift build -c release, or --skip-hepkit)" % args.hepkit)
    files = {c: os.path.join(args.data, "bench_%s.root" % c) for c in codecs}
    missing = [f for f in files.values() if not os.path.exists(f)]
    if missing:
        p.error("missing %s: run tools/make_bench_data.py %s" % (", ".join(missing), args.data))

    results = []
    mismatches = 0
    load_before = os.getloadavg()[0]
    workdir = tempfile.mkdtemp(prefix="hepkit-bench-")
    try:
        exe = build_codec_bench(workdir, args.cc)
        for codec in codecs:
            path = files[codec]
            print("[%s] extracting baskets" % codec, file=sys.stderr)
            baskets_path = os.path.join(workdir, "baskets_%s.bin" % codec)
            n, comp, decomp = extract_baskets(path, TREE, baskets_path)
            print("[%s] codec only" % codec, file=sys.stderr)
            codec_only = codec_time(exe, baskets_path, args.runs)
            # For reference: the cost of first-touch page faults, and what plain zlib would cost.
            codec_only["seconds_fresh_output"] = codec_time(exe, baskets_path, args.runs, "--fresh-output")["seconds"]
            if codec == "zlib":
                codec_only["seconds_libz"] = codec_time(exe, baskets_path, args.runs, "--zlib", "zlib")["seconds"]
            os.remove(baskets_path)
            print("[%s] uproot" % codec, file=sys.stderr)
            uproot_cmd = [sys.executable, os.path.join(TOOLS, "uproot_stats.py"), path, TREE,
                          "--library", args.uproot_library]
            up = best_of(uproot_cmd, args.runs)
            reference = branch_stats(up.pop("stdout"), "uproot_stats.py")
            hepkit = {}
            if not args.skip_hepkit:
                for t in threads:
                    print("[%s] hepkit, %d thread(s)" % (codec, t), file=sys.stderr)
                    env = dict(os.environ, HEPKIT_THREADS=str(t))
                    cpus = sorted(os.sched_getaffinity(0))[:t] if args.pin else None
                    h = best_of([args.hepkit, "stats", path, TREE, "--json"], args.runs, env, cpus)
                    problems = compare_stats(branch_stats(h.pop("stdout"), "hepkit stats"), reference)
                    for problem in problems:
                        print("[%s] WARNING: hepkit stats disagrees with uproot: %s" % (codec, problem),
                              file=sys.stderr)
                    mismatches += len(problems)
                    hepkit[str(t)] = h
            results.append({
                "codec": codec, "file_bytes": os.path.getsize(path), "baskets": n,
                "compressed_bytes": comp, "decompressed_bytes": decomp,
                "codec_only": codec_only, "uproot": up, "hepkit": hepkit,
            })
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    load = (load_before, os.getloadavg()[0])
    print(report(results, threads, args.uproot_library))
    print("\nbest of %d runs; %d CPUs; 1-minute load average %.2f before, %.2f after "
          "(other processes on the machine slow every column)" % (args.runs, os.cpu_count(), *load))
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"runs": args.runs, "threads": threads, "uproot_library": args.uproot_library,
                       "cpus": os.cpu_count(), "load_average": load, "results": results}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    if mismatches:
        print("%d statistic(s) of hepkit stats disagree with uproot (see above)" % mismatches, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench_root.py: %s" % e, file=sys.stderr)
        sys.exit(2)
