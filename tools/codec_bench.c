/*
 * codec_bench: how long the codec libraries alone need to decompress a set of ROOT baskets.
 *
 * The lower bound a ROOT reader is measured against (tools/bench_root.py, issue 2): the
 * same compressed basket payloads a reader decompresses, decompressed single-threaded
 * straight into one pre-faulted destination buffer, with nothing else (no file parsing,
 * no byte swapping, no statistics).
 *
 * usage: codec_bench BASKETS_FILE [--repeat N] [--zlib deflate|zlib] [--verify-lz4-checksum]
 *                    [--fresh-output]
 *
 * BASKETS_FILE (written by bench_root.py) is
 *     "HKBASKT1"                                  8-byte magic
 *     u32 count                                   little-endian, number of baskets
 *     count x { u32 payload_bytes, u32 uncompressed_bytes, payload }
 * where payload is the key payload of one basket as stored in the ROOT file: one or more
 * compressed blocks, each with ROOT's 9-byte header (2-byte algorithm "ZL" "XZ" "L4" "ZS",
 * 1 method byte, 3-byte little-endian compressed size, 3-byte little-endian uncompressed
 * size; LZ4 blocks start with an 8-byte big-endian xxhash64 of the block). A payload whose
 * size equals its uncompressed size was stored uncompressed (ROOT's rule) and is copied.
 *
 * ZL blocks are decoded with libdeflate (what HEPKit uses) unless --zlib zlib is given.
 * --fresh-output decodes into a newly allocated buffer in every repeat, so the time includes
 * the kernel's first-touch page faults of the destination, as a reader's must.
 * Prints one JSON object: best wall and CPU time over the repeats and the byte counts.
 * Build: cc -O2 codec_bench.c -ldeflate -llz4 -lzstd -llzma -lz -lxxhash
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libdeflate.h>
#include <lz4.h>
#include <lzma.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

typedef struct {
    const uint8_t *payload;
    uint32_t payload_bytes;
    uint32_t uncompressed_bytes;
    size_t out_offset;
} Basket;

typedef struct {
    int use_zlib;
    int verify_lz4_checksum;
    int fresh_output;
    struct libdeflate_decompressor *deflate;
    ZSTD_DCtx *zstd;
    uint64_t blocks;
    uint64_t blocks_by_algorithm[4]; /* ZL, XZ, L4, ZS */
} Decoder;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "codec_bench: ");
    vfprintf(stderr, fmt, args);
    fprintf(stderr, "\n");
    va_end(args);
    exit(2);
}

__attribute__((noreturn)) static void usage(void) {
    fprintf(stderr, "usage: codec_bench BASKETS_FILE [--repeat N] [--zlib deflate|zlib] "
                    "[--verify-lz4-checksum] [--fresh-output]\n");
    exit(2);
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t le24(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint64_t be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

static double clock_seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Decodes one ROOT compressed block of `csize` bytes into exactly `usize` bytes at `out`. */
static void decode_block(Decoder *d, const uint8_t *hdr, const uint8_t *in, uint32_t csize,
                         uint8_t *out, uint32_t usize, unsigned long long basket) {
    d->blocks++;
    if (hdr[0] == 'Z' && hdr[1] == 'L') {
        d->blocks_by_algorithm[0]++;
        if (d->use_zlib) {
            uLongf len = usize;
            if (uncompress(out, &len, in, csize) != Z_OK || len != usize)
                die("zlib uncompress failed in basket %llu", basket);
        } else {
            size_t len = 0;
            if (libdeflate_zlib_decompress(d->deflate, in, csize, out, usize, &len) != LIBDEFLATE_SUCCESS ||
                len != usize)
                die("libdeflate_zlib_decompress failed in basket %llu", basket);
        }
    } else if (hdr[0] == 'X' && hdr[1] == 'Z') {
        d->blocks_by_algorithm[1]++;
        uint64_t memlimit = UINT64_MAX;
        size_t in_pos = 0, out_pos = 0;
        if (lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, csize, out, &out_pos, usize) != LZMA_OK ||
            out_pos != usize)
            die("lzma_stream_buffer_decode failed in basket %llu", basket);
    } else if (hdr[0] == 'L' && hdr[1] == '4') {
        d->blocks_by_algorithm[2]++;
        if (csize < 8) die("LZ4 block too short in basket %llu", basket);
        if (d->verify_lz4_checksum && XXH64(in + 8, csize - 8, 0) != be64(in))
            die("LZ4 checksum mismatch in basket %llu", basket);
        if (LZ4_decompress_safe((const char *)in + 8, (char *)out, (int)(csize - 8), (int)usize) != (int)usize)
            die("LZ4_decompress_safe failed in basket %llu", basket);
    } else if (hdr[0] == 'Z' && hdr[1] == 'S') {
        d->blocks_by_algorithm[3]++;
        size_t len = ZSTD_decompressDCtx(d->zstd, out, usize, in, csize);
        if (ZSTD_isError(len) || len != usize) die("ZSTD_decompressDCtx failed in basket %llu", basket);
    } else {
        die("unknown compression algorithm '%.2s' in basket %llu", (const char *)hdr, basket);
    }
}

static void decode_basket(Decoder *d, const Basket *b, uint8_t *out, unsigned long long index) {
    if (b->payload_bytes == b->uncompressed_bytes) {
        memcpy(out, b->payload, b->payload_bytes);
        return;
    }
    uint32_t pos = 0, produced = 0;
    while (pos < b->payload_bytes) {
        if (b->payload_bytes - pos < 9) die("input: truncated block header in basket %llu", index);
        const uint8_t *hdr = b->payload + pos;
        uint32_t csize = le24(hdr + 3), usize = le24(hdr + 6);
        if (csize > b->payload_bytes - pos - 9 || usize > b->uncompressed_bytes - produced)
            die("input: block sizes out of range in basket %llu", index);
        decode_block(d, hdr, hdr + 9, csize, out + produced, usize, index);
        pos += 9 + csize;
        produced += usize;
    }
    if (produced != b->uncompressed_bytes) die("input: basket %llu decompressed to the wrong size", index);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int repeat = 3;
    Decoder d = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--zlib") && i + 1 < argc) {
            const char *impl = argv[++i];
            if (!strcmp(impl, "zlib")) d.use_zlib = 1;
            else if (strcmp(impl, "deflate")) die("unknown --zlib %s (deflate or zlib)", impl);
        } else if (!strcmp(argv[i], "--verify-lz4-checksum")) {
            d.verify_lz4_checksum = 1;
        } else if (!strcmp(argv[i], "--fresh-output")) {
            d.fresh_output = 1;
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            usage();
        }
    }
    if (!path || repeat < 1) usage();

    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long file_size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (file_size < 12) die("%s is too short (%ld bytes)", path, file_size);
    uint8_t *data = malloc((size_t)file_size);
    if (!data || fread(data, 1, (size_t)file_size, f) != (size_t)file_size) die("cannot read %s", path);
    fclose(f);
    if (memcmp(data, "HKBASKT1", 8)) die("%s: bad magic", path);

    uint32_t count = le32(data + 8);
    Basket *baskets = calloc(count ? count : 1, sizeof(Basket));
    size_t pos = 12, total_out = 0, total_in = 0;
    for (uint32_t i = 0; i < count; i++) {
        if ((size_t)file_size - pos < 8) die("%s: truncated at basket %" PRIu32, path, i);
        baskets[i].payload_bytes = le32(data + pos);
        baskets[i].uncompressed_bytes = le32(data + pos + 4);
        pos += 8;
        if ((size_t)file_size - pos < baskets[i].payload_bytes) die("%s: truncated payload of basket %" PRIu32, path, i);
        baskets[i].payload = data + pos;
        baskets[i].out_offset = total_out;
        pos += baskets[i].payload_bytes;
        total_in += baskets[i].payload_bytes;
        total_out += baskets[i].uncompressed_bytes;
    }

    uint8_t *out = NULL;
    d.deflate = libdeflate_alloc_decompressor();
    d.zstd = ZSTD_createDCtx();

    /* CPU time too: on a shared machine it is less disturbed by other processes than wall time. */
    double best = 1e300, best_cpu = 1e300;
    for (int r = 0; r < repeat; r++) {
        d.blocks = 0;
        memset(d.blocks_by_algorithm, 0, sizeof d.blocks_by_algorithm);
        if (!out || d.fresh_output) {
            free(out);
            out = malloc(total_out ? total_out : 1);
            if (!out) die("cannot allocate the output buffer (%zu bytes)", total_out);
            /* Unless asked otherwise, fault the pages in first: time the codecs, not the kernel. */
            if (!d.fresh_output) memset(out, 0, total_out);
        }
        double t0 = clock_seconds(CLOCK_MONOTONIC), c0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
        for (uint32_t i = 0; i < count; i++) decode_basket(&d, &baskets[i], out + baskets[i].out_offset, i);
        double t = clock_seconds(CLOCK_MONOTONIC) - t0, c = clock_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (t < best) best = t;
        if (c < best_cpu) best_cpu = c;
    }

    printf("{\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"repeat\": %d, \"baskets\": %" PRIu32 ", \"blocks\": %" PRIu64
           ", \"compressed_bytes\": %zu, \"uncompressed_bytes\": %zu, \"zlib_impl\": \"%s\""
           ", \"lz4_checksum_verified\": %s, \"fresh_output\": %s, \"blocks_by_algorithm\": {\"ZL\": %" PRIu64 ", \"XZ\": %" PRIu64
           ", \"L4\": %" PRIu64 ", \"ZS\": %" PRIu64 "}}\n",
           best, best_cpu, repeat, count, d.blocks, total_in, total_out, d.use_zlib ? "zlib" : "libdeflate",
           d.verify_lz4_checksum ? "true" : "false", d.fresh_output ? "true" : "false", d.blocks_by_algorithm[0], d.blocks_by_algorithm[1],
           d.blocks_by_algorithm[2], d.blocks_by_algorithm[3]);
    libdeflate_free_decompressor(d.deflate);
    ZSTD_freeDCtx(d.zstd);
    free(out);
    free(baskets);
    free(data);
    return 0;
}
