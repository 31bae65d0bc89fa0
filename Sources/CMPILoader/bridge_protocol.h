// The pipe protocol between a static hepkit and its MPI bridge: a header per command, the
// payload, then a status word (0, or 1 followed by a length-prefixed message) and the reply.
#ifndef HEPKIT_BRIDGE_PROTOCOL_H
#define HEPKIT_BRIDGE_PROTOCOL_H
#include <stdint.h>

enum { BRIDGE_INIT = 1, BRIDGE_SUM = 2, BRIDGE_BARRIER = 3, BRIDGE_FINALIZE = 4, BRIDGE_ABORT = 5 };

struct bridge_header {
    uint32_t op;
    uint64_t length;
};

/// Written after the bridge's bytes at the end of the static hepkit.
#define BRIDGE_MAGIC "HEPKIT-MPI-BRDG1"
struct bridge_trailer {
    uint64_t length;
    char magic[16];
};
#endif
