// The MPI bridge: a small dynamically linked program that the static hepkit starts as its child
// under MPI (see cmpiloader.c). Built by tools/build-static.sh together with cmpiloader.c:
//   cc -O2 -I Sources/CMPILoader/include Sources/CMPILoader/bridge/mpi_bridge.c Sources/CMPILoader/cmpiloader.c -ldl
int hepkit_mpi_bridge_main(int argc, char **argv);

int main(int argc, char **argv) { return hepkit_mpi_bridge_main(argc, argv); }
