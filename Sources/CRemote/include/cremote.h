#ifndef HEPKIT_CREMOTE_H
#define HEPKIT_CREMOTE_H
#include <stddef.h>
#include <stdint.h>

/// Remote files read by byte ranges: `http://` and `https://` through libcurl, `root://` through
/// the XRootD client (libXrdCl, C++) behind the small C shim of Sources/CXRootDShim. Both are
/// loaded with dlopen on the first remote open, so hepkit starts (and reads local files) where
/// neither is installed. A statically linked hepkit, which cannot dlopen, does the same through a
/// helper process appended to its file (see cremote.c). Every function that can fail writes a
/// message into `error`.

typedef struct hepkit_remote hepkit_remote;

/// Opens `url` and learns its size; NULL on failure.
hepkit_remote *hepkit_remote_open(const char *url, char *error, size_t error_size);
/// The size of the remote file in bytes.
int64_t hepkit_remote_size(const hepkit_remote *file);
/// Reads `count` ranges (`offsets[i]`, `lengths[i]`) into `buffers[i]`, all of them in full, or
/// fails (0 on success). Safe to call from several threads at once on the same file.
int hepkit_remote_readv(hepkit_remote *file, int count, const int64_t *offsets, const int64_t *lengths,
                        void *const *buffers, char *error, size_t error_size);
/// Closes the file and frees the handle.
void hepkit_remote_close(hepkit_remote *file);
/// The remote-file bridge's main (bridge/remote_bridge.c): serves the opens and reads of the static
/// hepkit that started it on standard input and output.
int hepkit_remote_bridge_main(void);

#endif
