#include <stddef.h>
#ifndef HEPKIT_CSUPPORT_H
#define HEPKIT_CSUPPORT_H

/// Atomically exchanges the two paths (Linux renameat2 with RENAME_EXCHANGE). Returns 0, or -1
/// with errno set (ENOSYS/EINVAL where the kernel or file system cannot exchange).
int hepkit_rename_exchange(const char *from, const char *to);

/// Writes all `length` bytes to `fd` (retrying short writes and EINTR); 0, or -1 on error or EOF.
int hepkit_write_all(int fd, const void *buffer, size_t length);

/// Reads exactly `length` bytes from `fd` (retrying short reads and EINTR); 0, or -1 on error or EOF.
int hepkit_read_all(int fd, void *buffer, size_t length);

/// glibc's mallopt(M_MMAP_THRESHOLD, bytes); returns 1 on success, 0 where unavailable.
int hepkit_set_mmap_threshold(int bytes);

/// glibc's mallopt(M_TRIM_THRESHOLD, bytes); returns 1 on success, 0 where unavailable.
int hepkit_set_trim_threshold(int bytes);

#endif
