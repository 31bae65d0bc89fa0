// Two libc calls that Swift's Glibc module does not import (they need _GNU_SOURCE or malloc.h).
#define _GNU_SOURCE
#include "csupport.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int hepkit_rename_exchange(const char *from, const char *to) {
#if defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 2 /* RENAME_EXCHANGE */);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int hepkit_set_mmap_threshold(int bytes) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, bytes);
#else
    (void)bytes;
    return 0;
#endif
}

int hepkit_set_trim_threshold(int bytes) {
#if defined(__GLIBC__)
    return mallopt(M_TRIM_THRESHOLD, bytes);
#else
    (void)bytes;
    return 0;
#endif
}

#if defined(__linux__)
#include <stddef.h>
#include <stdint.h>
// libFuzzer's driver and a fuzz target's entry point, weak so that ordinary builds link without
// them. Package.swift (HEPKIT_FUZZ=1) makes every Fuzz/ executable's entry point this function:
// SwiftPM renames an executable's main, and a fuzz target has none of its own.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t)) __attribute__((weak));
extern int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) __attribute__((weak));

int hepkit_fuzz_main(int argc, char **argv) {
    if (!LLVMFuzzerRunDriver || !LLVMFuzzerTestOneInput) return 1;
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
#endif

int hepkit_write_all(int fd, const void *buffer, size_t length) {
    const char *p = buffer;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

int hepkit_read_all(int fd, void *buffer, size_t length) {
    char *p = buffer;
    while (length > 0) {
        ssize_t n = read(fd, p, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        length -= (size_t)n;
    }
    return 0;
}
