import CMPILoader
import Foundation

/// The processes of an MPI job (`mpirun -n N hepkit ...`, or `srun --mpi=pmix` in a Slurm
/// allocation). Sums gather every rank's values (`MPI_Allgather`) and add them in rank order on each
/// rank, so every rank holds bitwise the same totals whatever the MPI implementation.
///
/// The MPI library is loaded when a process joins, not linked: a HEPKit binary runs unchanged
/// where no MPI is installed, and only a run that asks for MPI needs it. `HEPKIT_MPI_LIBRARY`
/// names the library if it is not one of the usual `libmpi.so.40` (Open MPI) or `libmpi.so.12`
/// (MPICH and its derivatives).
public final class MPIWorld: Collective {
    public let rank: Int
    public let size: Int

    nonisolated(unsafe) private static var joined: MPIWorld?
    private static let lock = NSLock()

    /// Environment variables that MPI launchers set in every rank.
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MV2_COMM_WORLD_SIZE"]

    /// Whether this process was started by an MPI launcher.
    public static func isLaunched(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
    }

    /// Loads MPI and joins the job (once per process; later calls return the same world).
    ///
    /// - Throws: ``CollectiveError`` if the process was not started by an MPI launcher, or no
    ///   MPI library loads, or `MPI_Init` fails — with what was tried.
    public static func join(environment: [String: String] = ProcessInfo.processInfo.environment) throws(CollectiveError) -> MPIWorld {
        lock.lock()
        defer { lock.unlock() }
        if let joined { return joined }
        guard isLaunched(environment: environment) else {
            throw CollectiveError(
                "MPI was requested but this process was not started by an MPI launcher (mpirun -n N, or srun --mpi=pmix); none of \(launcherVariables.joined(separator: ", ")) is set")
        }
        let candidates = (environment["HEPKIT_MPI_LIBRARY"].map { [$0] } ?? []) + ["libmpi.so.40", "libmpi.so.12", "libmpi.so"]
        let status = withCStrings(candidates) { pointers in hepkit_mpi_load(pointers, Int32(candidates.count)) }
        guard status == 0 else { throw CollectiveError(String(cString: hepkit_mpi_error())) }
        var rank: Int32 = 0, size: Int32 = 0
        guard hepkit_mpi_init(&rank, &size) == 0 else { throw CollectiveError(String(cString: hepkit_mpi_error())) }
        let world = MPIWorld(rank: Int(rank), size: Int(size))
        joined = world
        return world
    }

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    public func sum(_ values: [Double]) throws(CollectiveError) -> [Double] {
        var result = [Double](repeating: 0, count: values.count)
        let chunk = 1 << 20  // bounds the gather buffer: chunk × ranks values
        var start = 0
        while start < values.count {
            let count = min(chunk, values.count - start)
            let status = values.withUnsafeBufferPointer { input in
                result.withUnsafeMutableBufferPointer { output in
                    hepkit_mpi_sum(input.baseAddress! + start, output.baseAddress! + start, Int32(count))
                }
            }
            guard status == 0 else { throw CollectiveError(String(cString: hepkit_mpi_error())) }
            start += count
        }
        return result
    }

    public func barrier() throws(CollectiveError) {
        guard hepkit_mpi_barrier() == 0 else { throw CollectiveError(String(cString: hepkit_mpi_error())) }
    }

    /// Ends this process's part in the job (`MPI_Finalize`); call once, after the last collective call.
    public func finalize() {
        _ = hepkit_mpi_finalize()
    }

    /// Stops every rank of the job: after an error on one rank the others would wait forever in
    /// their next collective call.
    public func abort(code: Int32) -> Never {
        hepkit_mpi_abort(code)
        exit(code)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { UnsafePointer(strdup($0)) }
    defer { pointers.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
