// The MPI calls HEPKit needs, resolved with dlsym. MPI's C types differ between implementations
// (Open MPI's handles are pointers to predefined objects, MPICH's are integers), so each call
// goes through the signature of the implementation that was found.
#include "cmpiloader.h"
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

static char last_error[1024];
static void *library;
static int is_open_mpi;

// Open MPI: handles are addresses of the predefined objects.
static void *ompi_comm_world, *ompi_double, *ompi_sum;
// MPICH ABI: handles are these integer constants (mpi.h of MPICH, Intel MPI, MVAPICH).
enum { MPICH_COMM_WORLD = 0x44000000, MPICH_DOUBLE = 0x4c00080b, MPICH_SUM = 0x58000003 };

static int (*mpi_initialized)(int *);
static int (*mpi_finalized)(int *);
static int (*mpi_init)(int *, char ***);
static void *mpi_comm_rank, *mpi_comm_size, *mpi_allreduce, *mpi_barrier, *mpi_abort;
static int (*mpi_finalize)(void);

static int fail(const char *what) {
    snprintf(last_error, sizeof last_error, "%s", what);
    return -1;
}

const char *hepkit_mpi_error(void) { return last_error; }

int hepkit_mpi_is_static(void) { return getauxval(AT_BASE) == 0; }

int hepkit_mpi_load(const char *const *paths, int count) {
    if (library) return 0;
    // A statically linked process has no dynamic loader of its own: the C library that dlopen
    // would bring in alongside libmpi is never initialised, and MPI's first thread crashes.
    if (hepkit_mpi_is_static())
        return fail("this hepkit is statically linked, and a static program cannot load the MPI library: "
                    "run MPI jobs with the dynamically linked build (swift build -c release)");
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
        mpi_allreduce = dlsym(handle, "MPI_Allreduce");
        mpi_barrier = dlsym(handle, "MPI_Barrier");
        mpi_abort = dlsym(handle, "MPI_Abort");
        if (!mpi_initialized || !mpi_finalized || !mpi_init || !mpi_finalize || !mpi_comm_rank || !mpi_comm_size
            || !mpi_allreduce || !mpi_barrier || !mpi_abort) {
            dlclose(handle);
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s: lacks MPI functions", used ? "; " : "", paths[i]);
            continue;
        }
        ompi_comm_world = dlsym(handle, "ompi_mpi_comm_world");
        ompi_double = dlsym(handle, "ompi_mpi_double");
        ompi_sum = dlsym(handle, "ompi_mpi_op_sum");
        is_open_mpi = ompi_comm_world && ompi_double && ompi_sum;
        library = handle;
        return 0;
    }
    snprintf(last_error, sizeof last_error, "no MPI library could be loaded (%s)", tried);
    return -1;
}

int hepkit_mpi_init(int *rank, int *size) {
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
    return (r1 == 0 && r2 == 0) ? 0 : fail("MPI_Comm_rank or MPI_Comm_size failed");
}

int hepkit_mpi_allreduce_sum(const double *values, double *result, int count) {
    if (!library) return fail("MPI is not loaded");
    int status;
    if (is_open_mpi) {
        status = ((int (*)(const void *, void *, int, void *, void *, void *))mpi_allreduce)(
            values, result, count, ompi_double, ompi_sum, ompi_comm_world);
    } else {
        status = ((int (*)(const void *, void *, int, int, int, int))mpi_allreduce)(
            values, result, count, MPICH_DOUBLE, MPICH_SUM, MPICH_COMM_WORLD);
    }
    return status == 0 ? 0 : fail("MPI_Allreduce failed");
}

int hepkit_mpi_barrier(void) {
    if (!library) return fail("MPI is not loaded");
    int status = is_open_mpi ? ((int (*)(void *))mpi_barrier)(ompi_comm_world) : ((int (*)(int))mpi_barrier)(MPICH_COMM_WORLD);
    return status == 0 ? 0 : fail("MPI_Barrier failed");
}

int hepkit_mpi_finalize(void) {
    if (!library) return 0;
    int initialized = 0, finalized = 0;
    mpi_initialized(&initialized);
    mpi_finalized(&finalized);
    if (initialized && !finalized && mpi_finalize() != 0) return fail("MPI_Finalize failed");
    return 0;
}

void hepkit_mpi_abort(int code) {
    if (!library) return;
    if (is_open_mpi) ((int (*)(void *, int))mpi_abort)(ompi_comm_world, code);
    else ((int (*)(int, int))mpi_abort)(MPICH_COMM_WORLD, code);
}
