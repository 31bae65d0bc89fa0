#!/usr/bin/env python3
"""Benchmark `hepkit stats` against uproot on the files of make_bench_data.py.

usage: bench.py HEPKIT_BINARY BENCH_DIR [REPEATS]

Per codec prints: wall time of `hepkit stats FILE events` (whole process, best of REPEATS) and of
uproot (`tree.arrays(library="np")` plus the same sums, whole process); the ratio; the time the
codec libraries alone need to decompress every basket of the tree (the same C libraries HEPKit
links, called through ctypes, one thread; "2-core" = that / 2); the speed-up of HEPKit from one
core (`taskset -c 0`) to two; peak RSS of both and the decompressed size of the branches.
"""
import ctypes, ctypes.util, os, struct, subprocess, sys, time

import uproot

UPROOT_SNIPPET = """
import sys, numpy as np, uproot
arrays = uproot.open(sys.argv[1])["events"].arrays(library="np")
for name, v in arrays.items():
    if v.dtype == object:
        v = np.concatenate(v)
    (v.size, v.min(), v.max(), v.mean(), v.sum())
"""


def run(cmd):
    """Wall time, CPU time (user + sys) and peak RSS (KB) of one child process (GNU time)."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + cmd, check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()[-1]
    wall, user, system, rss = out.split()
    return float(wall), float(user) + float(system), int(rss)


def best(cmd, repeats):
    """Best wall and CPU time over `repeats` runs, and the largest peak RSS."""
    results = [run(cmd) for _ in range(repeats)]
    return min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results)


class Codecs:
    def __init__(self):
        load = lambda name: ctypes.CDLL(ctypes.util.find_library(name))
        self.deflate, self.lz4, self.zstd, self.lzma = load("deflate"), load("lz4"), load("zstd"), load("lzma")
        self.deflate.libdeflate_alloc_decompressor.restype = ctypes.c_void_p
        self.decompressor = ctypes.c_void_p(self.deflate.libdeflate_alloc_decompressor())
        self.zstd.ZSTD_decompress.restype = ctypes.c_size_t

    def block(self, tag, src, out):
        n_out = len(out)
        if tag == b"ZL":
            got = ctypes.c_size_t()
            assert self.deflate.libdeflate_zlib_decompress(self.decompressor, src, len(src), out, n_out, ctypes.byref(got)) == 0
        elif tag == b"L4":
            assert self.lz4.LZ4_decompress_safe(src[8:], out, len(src) - 8, n_out) == n_out
        elif tag == b"ZS":
            assert self.zstd.ZSTD_decompress(out, n_out, src, len(src)) == n_out
        elif tag == b"XZ":
            limit, inpos, outpos = ctypes.c_uint64(2**63), ctypes.c_size_t(0), ctypes.c_size_t(0)
            assert self.lzma.lzma_stream_buffer_decode(ctypes.byref(limit), 0, None, src, ctypes.byref(inpos), len(src),
                                                      out, ctypes.byref(outpos), n_out) == 0


def codec_seconds(path, codecs):
    """Seconds the codec libraries need for every compressed basket of the tree (one thread)."""
    data = open(path, "rb").read()
    tree = uproot.open(path)["events"]
    jobs = []
    for branch in tree.branches:
        seeks, sizes = branch.member("fBasketSeek"), branch.member("fBasketBytes")
        for i in range(branch.num_baskets):
            seek, nbytes = int(seeks[i]), int(sizes[i])
            keylen = struct.unpack(">h", data[seek + 14:seek + 16])[0]
            objlen = struct.unpack(">i", data[seek + 6:seek + 10])[0]
            payload = data[seek + keylen:seek + nbytes]
            pos = 0
            while len(payload) != objlen and pos < len(payload):
                c = payload[pos + 3] | payload[pos + 4] << 8 | payload[pos + 5] << 16
                u = payload[pos + 6] | payload[pos + 7] << 8 | payload[pos + 8] << 16
                jobs.append((payload[pos:pos + 2], payload[pos + 9:pos + 9 + c], ctypes.create_string_buffer(u)))
                pos += 9 + c
    start = time.process_time()
    for tag, src, out in jobs:
        codecs.block(tag, src, out)
    return time.process_time() - start


def main():
    binary, folder = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    codecs = Codecs()
    print("| codec | HEPKit wall s (CPU s) | uproot wall s (CPU s) | HEPKit/uproot wall (CPU) | codec alone CPU s | HEPKit CPU/codec CPU | 1→2 cores wall | HEPKit peak MB | uproot peak MB | decompressed MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("zlib", "lz4", "zstd", "lzma"):
        path = os.path.join(folder, "bench-%s.root" % name)
        tree = uproot.open(path)["events"]
        data_mb = sum(b.uncompressed_bytes for b in tree.branches) / 1e6
        ours, ours_cpu, ours_kb = best([binary, "stats", path, "events"], repeats)
        one_core, _, _ = best(["taskset", "-c", "0", binary, "stats", path, "events"], repeats)
        theirs, theirs_cpu, theirs_kb = best([sys.executable, "-c", UPROOT_SNIPPET, path], max(1, repeats - 1))
        codec = min(codec_seconds(path, codecs) for _ in range(repeats))
        print("| %s | %.3f (%.3f) | %.3f (%.3f) | %.2f (%.2f) | %.3f | %.2f | %.2f× | %.0f | %.0f | %.0f |" % (
            name, ours, ours_cpu, theirs, theirs_cpu, ours / theirs, ours_cpu / theirs_cpu, codec, ours_cpu / codec,
            one_core / ours, ours_kb / 1024, theirs_kb / 1024, data_mb))


if __name__ == "__main__":
    main()
