#ifndef HEPKIT_CMPILOADER_H
#define HEPKIT_CMPILOADER_H

/// MPI, loaded at run time with dlopen so that a binary without MPI (the static hepkit on a node
/// without MPI) still runs. Open MPI (pointer handles) and MPICH-derived libraries (integer
/// handles) are both recognised. Every function returns 0 on success; on failure a message is in
/// hepkit_mpi_error().

/// 1 if this process is statically linked (no dynamic loader, so dlopen of MPI cannot work).
int hepkit_mpi_is_static(void);
/// Loads the first library of `paths` that opens and has the MPI symbols needed.
int hepkit_mpi_load(const char *const *paths, int count);
/// MPI_Init (if not yet initialised), then the rank and size in MPI_COMM_WORLD.
int hepkit_mpi_init(int *rank, int *size);
/// result[i] = sum over ranks of values[i] in rank order, bitwise the same on every rank
/// (MPI_Allgather of the values, then the additions done locally).
int hepkit_mpi_sum(const double *values, double *result, int count);
/// MPI_Barrier on MPI_COMM_WORLD.
int hepkit_mpi_barrier(void);
/// MPI_Finalize (if initialised and not yet finalised).
int hepkit_mpi_finalize(void);
/// MPI_Abort on MPI_COMM_WORLD: stops every rank after an error on one.
void hepkit_mpi_abort(int code);
/// The bridge program's main (bridge/mpi_bridge.c): loads MPI from argv[1...] and serves the
/// commands of the static hepkit that started it on standard input and output.
int hepkit_mpi_bridge_main(int argc, char **argv);
/// The last failure's description.
const char *hepkit_mpi_error(void);

#endif
