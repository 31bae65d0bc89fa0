// The MPI calls HEPKit needs, resolved with dlsym. MPI's C types differ between implementations
// (Open MPI's handles are pointers to predefined objects, MPICH's are integers), so each call
// goes through the signature of the implementation that was found.
//
// A statically linked process cannot load MPI (dlopen would bring in a second, uninitialised C
// library, and MPI's first thread crashes). The static hepkit therefore carries a small
// dynamically linked helper, the MPI bridge (bridge/mpi_bridge.c, appended to the binary by
// tools/build-static.sh), starts it as a child that inherits the rank's MPI environment, and sends
// it each collective call over a pair of pipes.
#define _GNU_SOURCE
#include "csupport.h"
#include "cmpiloader.h"
#include "bridge_protocol.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char last_error[1024];
static void *library;
static int is_open_mpi;

// Open MPI: handles are addresses of the predefined objects.
static void *ompi_comm_world, *ompi_double;
// MPICH ABI: handles are these integer constants (mpi.h of MPICH, Intel MPI, MVAPICH).
enum { MPICH_COMM_WORLD = 0x44000000, MPICH_DOUBLE = 0x4c00080b };
static int world_size;

static int (*mpi_initialized)(int *);
static int (*mpi_finalized)(int *);
static int (*mpi_init)(int *, char ***);
static void *mpi_comm_rank, *mpi_comm_size, *mpi_allgather, *mpi_barrier, *mpi_abort;
static int (*mpi_finalize)(void);

static int fail(const char *what) {
    snprintf(last_error, sizeof last_error, "%s", what);
    return -1;
}

const char *hepkit_mpi_error(void) { return last_error; }

int hepkit_mpi_is_static(void) { return getauxval(AT_BASE) == 0; }

static int direct_load(const char *const *paths, int count) {
    if (library) return 0;
    char tried[768] = "";
    for (int i = 0; i < count; i++) {
        // RTLD_GLOBAL: Open MPI's components are plugins that resolve symbols of libmpi itself.
        void *handle = dlopen(paths[i], RTLD_NOW | RTLD_GLOBAL);
        if (!handle) {
            const char *reason = dlerror();
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s: %s", used ? "; " : "", paths[i], reason ? reason : "not found");
            continue;
        }
        mpi_initialized = (int (*)(int *))dlsym(handle, "MPI_Initialized");
        mpi_finalized = (int (*)(int *))dlsym(handle, "MPI_Finalized");
        mpi_init = (int (*)(int *, char ***))dlsym(handle, "MPI_Init");
        mpi_finalize = (int (*)(void))dlsym(handle, "MPI_Finalize");
        mpi_comm_rank = dlsym(handle, "MPI_Comm_rank");
        mpi_comm_size = dlsym(handle, "MPI_Comm_size");
        mpi_allgather = dlsym(handle, "MPI_Allgather");
        mpi_barrier = dlsym(handle, "MPI_Barrier");
        mpi_abort = dlsym(handle, "MPI_Abort");
        if (!mpi_initialized || !mpi_finalized || !mpi_init || !mpi_finalize || !mpi_comm_rank || !mpi_comm_size
            || !mpi_allgather || !mpi_barrier || !mpi_abort) {
            dlclose(handle);
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s: lacks MPI functions", used ? "; " : "", paths[i]);
            continue;
        }
        ompi_comm_world = dlsym(handle, "ompi_mpi_comm_world");
        ompi_double = dlsym(handle, "ompi_mpi_double");
        is_open_mpi = ompi_comm_world && ompi_double;
        library = handle;
        return 0;
    }
    snprintf(last_error, sizeof last_error, "no MPI library could be loaded (%s)", tried);
    return -1;
}

static int direct_init(int *rank, int *size) {
    if (!library) return fail("MPI is not loaded");
    int initialized = 0;
    if (mpi_initialized(&initialized) != 0) return fail("MPI_Initialized failed");
    if (!initialized && mpi_init(NULL, NULL) != 0) return fail("MPI_Init failed");
    int r1, r2;
    if (is_open_mpi) {
        r1 = ((int (*)(void *, int *))mpi_comm_rank)(ompi_comm_world, rank);
        r2 = ((int (*)(void *, int *))mpi_comm_size)(ompi_comm_world, size);
    } else {
        r1 = ((int (*)(int, int *))mpi_comm_rank)(MPICH_COMM_WORLD, rank);
        r2 = ((int (*)(int, int *))mpi_comm_size)(MPICH_COMM_WORLD, size);
    }
    if (r1 != 0 || r2 != 0) return fail("MPI_Comm_rank or MPI_Comm_size failed");
    world_size = *size;
    return 0;
}

static int direct_sum(const double *values, double *result, int count) {
    if (!library) return fail("MPI is not loaded");
    if (world_size <= 0) return fail("MPI is not initialised");
    // Every rank gathers every rank's values and adds them in rank order itself: the sums are
    // then bitwise the same on all ranks and for every MPI implementation and algorithm (an
    // MPI_Allreduce may add in a different order on different ranks).
    size_t total = (size_t)count * (size_t)world_size;
    double *gathered = malloc(total ? total * sizeof(double) : 1);
    if (!gathered) return fail("out of memory gathering the MPI sums");
    int status;
    if (is_open_mpi) {
        status = ((int (*)(const void *, int, void *, void *, int, void *, void *))mpi_allgather)(
            values, count, ompi_double, gathered, count, ompi_double, ompi_comm_world);
    } else {
        status = ((int (*)(const void *, int, int, void *, int, int, int))mpi_allgather)(
            values, count, MPICH_DOUBLE, gathered, count, MPICH_DOUBLE, MPICH_COMM_WORLD);
    }
    if (status == 0) {
        for (int i = 0; i < count; i++) {
            double sum = 0;
            for (int r = 0; r < world_size; r++) sum += gathered[(size_t)r * (size_t)count + (size_t)i];
            result[i] = sum;
        }
    }
    free(gathered);
    return status == 0 ? 0 : fail("MPI_Allgather failed");
}

static int direct_barrier(void) {
    if (!library) return fail("MPI is not loaded");
    int status = is_open_mpi ? ((int (*)(void *))mpi_barrier)(ompi_comm_world) : ((int (*)(int))mpi_barrier)(MPICH_COMM_WORLD);
    return status == 0 ? 0 : fail("MPI_Barrier failed");
}

static int direct_finalize(void) {
    if (!library) return 0;
    int initialized = 0, finalized = 0;
    mpi_initialized(&initialized);
    mpi_finalized(&finalized);
    if (initialized && !finalized && mpi_finalize() != 0) return fail("MPI_Finalize failed");
    return 0;
}

static void direct_abort(int code) {
    if (!library) return;
    if (is_open_mpi) ((int (*)(void *, int))mpi_abort)(ompi_comm_world, code);
    else ((int (*)(int, int))mpi_abort)(MPICH_COMM_WORLD, code);
}

// MARK: the bridge (used by a static process)

static int bridge_in = -1, bridge_out = -1;  // our ends: commands to the bridge, replies from it
static pid_t bridge_pid;

/// Reads the bridge's status word; on failure its message becomes ours (`what` if it sent none).
static int read_status(const char *what) {
    int32_t status;
    if (hepkit_read_all(bridge_out, &status, sizeof status)) return fail(what);
    if (status == 0) return 0;
    uint32_t message_length;
    if (hepkit_read_all(bridge_out, &message_length, sizeof message_length) || message_length >= sizeof last_error
        || hepkit_read_all(bridge_out, last_error, message_length))
        return fail("the MPI bridge failed without a message");
    last_error[message_length] = 0;
    return -1;
}

/// Sends one command and reads the status; on failure the bridge's message becomes ours.
static int bridge_call(uint32_t op, const void *payload, uint64_t length, void *reply, uint64_t reply_length) {
    struct bridge_header header = {op, length};
    if (hepkit_write_all(bridge_in, &header, sizeof header) || (length && hepkit_write_all(bridge_in, payload, length)))
        return fail("the MPI bridge stopped (write failed)");
    if (read_status("the MPI bridge stopped (no reply)")) return -1;
    if (reply_length && hepkit_read_all(bridge_out, reply, reply_length)) return fail("the MPI bridge stopped (short reply)");
    return 0;
}

/// Finds the bridge appended to our own executable, copies it into an anonymous memory file and
/// starts it with pipes to and from it.
static int bridge_start(const char *const *paths, int count) {
    int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0) return fail("cannot open /proc/self/exe to find the MPI bridge");
    struct bridge_trailer trailer;
    off_t end = lseek(exe, 0, SEEK_END);
    if (end < (off_t)sizeof trailer || pread(exe, &trailer, sizeof trailer, end - (off_t)sizeof trailer) != (ssize_t)sizeof trailer
        || memcmp(trailer.magic, BRIDGE_MAGIC, sizeof trailer.magic) != 0) {
        close(exe);
        return fail("this hepkit is statically linked and carries no MPI bridge, and a static program cannot load the "
                    "MPI library itself: build it with tools/build-static.sh (which appends the bridge), or run MPI "
                    "jobs with the dynamically linked build");
    }
    if (trailer.length == 0 || trailer.length > (uint64_t)(end - (off_t)sizeof trailer)) {
        close(exe);
        return fail("the MPI bridge appended to this hepkit is damaged");
    }
    int image = memfd_create("hepkit-mpi-bridge", MFD_CLOEXEC);
    if (image < 0) {
        close(exe);
        return fail("memfd_create failed for the MPI bridge");
    }
    char buffer[65536];
    off_t offset = end - (off_t)sizeof trailer - (off_t)trailer.length;
    for (uint64_t left = trailer.length; left > 0;) {
        size_t chunk = left < sizeof buffer ? (size_t)left : sizeof buffer;
        if (pread(exe, buffer, chunk, offset) != (ssize_t)chunk || hepkit_write_all(image, buffer, chunk)) {
            close(exe);
            close(image);
            return fail("cannot copy the MPI bridge out of this hepkit");
        }
        offset += (off_t)chunk;
        left -= chunk;
    }
    close(exe);
    int to_bridge[2], from_bridge[2];
    if (pipe2(to_bridge, O_CLOEXEC) || pipe2(from_bridge, O_CLOEXEC)) {
        close(image);
        return fail("cannot create pipes for the MPI bridge");
    }
    char image_path[64];
    snprintf(image_path, sizeof image_path, "/proc/self/fd/%d", image);
    const char *argv[64];
    int argc = 0;
    argv[argc++] = "hepkit-mpi-bridge";
    for (int i = 0; i < count && argc < 63; i++) argv[argc++] = paths[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0) return fail("fork failed for the MPI bridge");
    if (pid == 0) {
        dup2(to_bridge[0], 0);
        dup2(from_bridge[1], 1);
        // The image descriptor is close-on-exec; exec through its /proc path still works
        // because the path is resolved before the descriptor closes.
        execv(image_path, (char *const *)argv);
        _exit(127);
    }
    close(image);
    close(to_bridge[0]);
    close(from_bridge[1]);
    bridge_in = to_bridge[1];
    bridge_out = from_bridge[0];
    bridge_pid = pid;
    signal(SIGPIPE, SIG_IGN);
    return read_status("the MPI bridge did not start");
}

// MARK: the public functions: direct, or through the bridge

static int use_bridge;

int hepkit_mpi_load(const char *const *paths, int count) {
    if (library || bridge_in >= 0) return 0;
    if (!hepkit_mpi_is_static()) return direct_load(paths, count);
    use_bridge = 1;
    return bridge_start(paths, count);
}

int hepkit_mpi_init(int *rank, int *size) {
    if (!use_bridge) return direct_init(rank, size);
    int32_t reply[2];
    if (bridge_call(BRIDGE_INIT, NULL, 0, reply, sizeof reply)) return -1;
    *rank = reply[0];
    *size = reply[1];
    return 0;
}

int hepkit_mpi_sum(const double *values, double *result, int count) {
    if (!use_bridge) return direct_sum(values, result, count);
    uint64_t bytes = (uint64_t)count * sizeof(double);
    return bridge_call(BRIDGE_SUM, values, bytes, result, bytes);
}

int hepkit_mpi_barrier(void) {
    if (!use_bridge) return direct_barrier();
    return bridge_call(BRIDGE_BARRIER, NULL, 0, NULL, 0);
}

int hepkit_mpi_finalize(void) {
    if (!use_bridge) return direct_finalize();
    if (bridge_in < 0) return 0;
    int status = bridge_call(BRIDGE_FINALIZE, NULL, 0, NULL, 0);
    close(bridge_in);
    close(bridge_out);
    bridge_in = bridge_out = -1;
    waitpid(bridge_pid, NULL, 0);
    return status;
}

void hepkit_mpi_abort(int code) {
    if (!use_bridge) {
        direct_abort(code);
        return;
    }
    int32_t value = code;
    if (bridge_in >= 0) bridge_call(BRIDGE_ABORT, &value, sizeof value, NULL, 0);
}

// MARK: the bridge's side

/// Writes the status word of a command (and the message of a failure) to hepkit; returns `status`.
static int write_status(int status) {
    int32_t code = status == 0 ? 0 : 1;
    hepkit_write_all(1, &code, sizeof code);
    if (status != 0) {
        uint32_t length = (uint32_t)strlen(last_error);
        hepkit_write_all(1, &length, sizeof length);
        hepkit_write_all(1, last_error, length);
    }
    return status;
}

int hepkit_mpi_bridge_main(int argc, char **argv) {
    if (write_status(direct_load((const char *const *)argv + 1, argc - 1))) return 1;
    double *values = NULL, *result = NULL;
    for (;;) {
        struct bridge_header header;
        if (hepkit_read_all(0, &header, sizeof header)) break;  // hepkit is gone
        if (header.length > ((uint64_t)1 << 34)) break;
        int status = 0;
        uint64_t reply_length = 0;
        void *reply = NULL;
        int32_t pair[2];
        switch (header.op) {
        case BRIDGE_INIT: {
            int rank = 0, size = 0;
            status = direct_init(&rank, &size);
            pair[0] = rank;
            pair[1] = size;
            reply = pair;
            reply_length = sizeof pair;
            break;
        }
        case BRIDGE_SUM: {
            values = realloc(values, header.length ? header.length : 1);
            result = realloc(result, header.length ? header.length : 1);
            if (!values || !result || hepkit_read_all(0, values, header.length)) return 1;
            status = direct_sum(values, result, (int)(header.length / sizeof(double)));
            reply = result;
            reply_length = header.length;
            break;
        }
        case BRIDGE_BARRIER: status = direct_barrier(); break;
        case BRIDGE_FINALIZE: status = direct_finalize(); break;
        case BRIDGE_ABORT: {
            int32_t code = 1;
            if (hepkit_read_all(0, &code, sizeof code)) code = 1;
            direct_abort(code);
            return code;
        }
        default: return 1;
        }
        if (write_status(status) == 0 && reply_length) hepkit_write_all(1, reply, reply_length);
        if (header.op == BRIDGE_FINALIZE) break;
    }
    free(values);
    free(result);
    return 0;
}
