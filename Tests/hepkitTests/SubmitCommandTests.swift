import Foundation
import Testing

/// `hepkit submit`: the job folder it writes, its checks, and `--run` with a stand-in `sbatch`.
@Suite struct SubmitCommandTests {
    func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("submit-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func writesTheSlurmJobFolder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let jobs = folder + "/jobs"
        let result = try runHepkit(["submit", "slurm", "--shards", "3", "--output-dir", jobs, "--", "build", "a b.yml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote \(jobs): submit with 'bash \(jobs)/submit.sh'\n")
        let array = try String(contentsOfFile: jobs + "/shards.sbatch", encoding: .utf8)
        #expect(array.contains("#SBATCH --job-name=hepkit-build\n#SBATCH --array=0-2\n"))
        #expect(array.contains(#" build 'a b.yml' --shard "${shard}"/3 -o \#(jobs)/part."${shard}".json"#))
        let merge = try String(contentsOfFile: jobs + "/merge.sbatch", encoding: .utf8)
        #expect(merge.contains(" merge \(jobs)/part.0.json \(jobs)/part.1.json \(jobs)/part.2.json -o merged.json\n"))
    }

    @Test func writesTheHTCondorJobFolder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try runHepkit(["submit", "htcondor", "--shards", "5", "--output-dir", folder + "/j", "--name", "grid.1", "--", "cls", "ws.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let sub = try String(contentsOfFile: folder + "/j/shards.sub", encoding: .utf8)
        #expect(sub.hasSuffix("JobBatchName = grid.1\nqueue 5\n"))
    }

    @Test(arguments: [
        (["--shards", "0", "--", "build", "c.yml"], "--shards must be between 1 and 10000 (got 0)"),
        (["--shards", "2"], "no command to run"),
        (["--shards", "2", "--name", "../x", "--", "build"], "job name '../x' contains '/'"),
        (["--shards", "2", "--name", "a$(b)", "--", "build"], "may hold only letters, digits"),
        (["--shards", "2", "--", "hepkit", "build"], "'hepkit' is not a hepkit command: give the command after '--' without 'hepkit'"),
    ])
    func refusesBadJobs(_ arguments: [String], _ message: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try runHepkit(["submit", "slurm", "--output-dir", folder + "/j"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/j"))
    }

    /// `--run` submits the array, then the merge with `--dependency=afterok:<array id>`.
    @Test func runSubmitsTheArrayThenTheDependentMerge() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // A stand-in sbatch: logs its arguments, answers job id 41 for the array, 42 for the merge.
        try """
            #!/bin/bash
            echo "$*" >> \(folder)/sbatch.log
            case "$*" in *shards.sbatch) echo "41;ci" ;; *) echo 42 ;; esac
            """.write(toFile: bin + "/sbatch", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/sbatch")
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try runHepkit(
            ["submit", "slurm", "--shards", "4", "--output-dir", folder + "/j", "--run", "--", "build", "c.yml"], environment: ["PATH": path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "array job 41 (4 shards), merge job 42\n")
        #expect(try String(contentsOfFile: folder + "/sbatch.log", encoding: .utf8)
            == "--parsable shards.sbatch\n--parsable --dependency=afterok:41 merge.sbatch\n")
    }
}
