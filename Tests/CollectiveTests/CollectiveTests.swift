import Testing
@testable import Collective

@Suite struct CollectiveTests {
    @Test func singleProcessIsItsOwnSum() throws {
        let one = SingleProcess()
        #expect(one.rank == 0 && one.size == 1 && one.isLeader)
        #expect(one.sum([1, 2.5, -3]) == [1, 2.5, -3])
    }

    @Test func launcherIsRecognisedByItsEnvironment() {
        #expect(!MPIWorld.isLaunched(environment: ["PATH": "/usr/bin"]))
        #expect(MPIWorld.isLaunched(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(MPIWorld.isLaunched(environment: ["PMIX_RANK": "0"]))
        #expect(MPIWorld.isLaunched(environment: ["PMI_SIZE": "4"]))
    }

    @Test func joiningWithoutALauncherSaysHowToLaunch() {
        do {
            _ = try MPIWorld.join(environment: [:])
            Issue.record("joined an MPI world without a launcher")
        } catch {
            #expect(error.message.contains("mpirun -n N"))
            #expect(error.message.contains("OMPI_COMM_WORLD_SIZE"))
        }
    }
}
