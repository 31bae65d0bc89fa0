#ifndef HEPKIT_XROOTD_H
#define HEPKIT_XROOTD_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/// The C face of the XRootD client (libXrdCl is C++): built as the shared object
/// libHEPKitXRootD.so, which hepkit loads with dlopen only when a root:// URL is opened
/// (Sources/CRemote). Every function that can fail writes a message into `error`.

typedef struct hepkit_xrootd hepkit_xrootd;

/// Opens `url` for reading and stats it; NULL on failure.
hepkit_xrootd *hepkit_xrootd_open(const char *url, int64_t *size, char *error, size_t error_size);
/// Reads `count` ranges into `buffers` with vectored reads (0 on success, every byte or failure).
int hepkit_xrootd_readv(hepkit_xrootd *file, int count, const int64_t *offsets, const int64_t *lengths,
                        void *const *buffers, char *error, size_t error_size);
/// Closes the file and frees the handle.
void hepkit_xrootd_close(hepkit_xrootd *file);

#ifdef __cplusplus
}
#endif
#endif
