import Foundation
import Testing
@testable import Batch

/// A job whose command and paths hold everything that could break a script.
func hostileJob(folder: String, executable: String, arguments: [String]? = nil, shards: Int = 4) throws -> ShardedJob {
    try ShardedJob(
        name: "hepkit-build", executable: executable,
        arguments: arguments ?? ["build", "my config's $(touch pwned).yml", "--set", "x=1\ny=2"],
        shards: shards, workingDirectory: folder, folder: folder + "/jobs $(x) 'q'", mergeOutput: "out `w`.json")
}

/// A temporary folder with a `recorder` program that writes its arguments (NUL-separated) to
/// `args.<first free number>`, standing in for hepkit.
func recorderFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let recorder = folder + "/recorder"
    try """
        #!/bin/bash
        n=0; while [ -e "\(folder)/args.$n" ]; do n=$((n + 1)); done
        printf '%s\\0' "$@" > "\(folder)/args.$n"
        """.write(toFile: recorder, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: recorder)
    return folder
}

func recorded(_ folder: String, _ n: Int = 0) throws -> [String] {
    let text = try String(contentsOfFile: folder + "/args.\(n)", encoding: .utf8)
    return text.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
}

@Suite struct ShardedJobTests {
    @Test func namesAreChecked() {
        for bad in ["", "..", "a/b", "x\ny", "a b", "a$(b)", "a'b", String(repeating: "n", count: 65)] {
            #expect(throws: BatchError.self) {
                try ShardedJob(name: bad, executable: "/bin/hepkit", arguments: ["build"], shards: 2, workingDirectory: "/", folder: "/j", mergeOutput: "m")
            }
        }
    }

    @Test func shardCountsAndPathsAreChecked() {
        for shards in [0, -1, ShardedJob.maximumShards + 1] {
            #expect(throws: BatchError.self) {
                try ShardedJob(name: "j", executable: "/bin/hepkit", arguments: ["build"], shards: shards, workingDirectory: "/", folder: "/j", mergeOutput: "m")
            }
        }
        #expect(throws: BatchError.self) {
            try ShardedJob(name: "j", executable: "/bin/hepkit", arguments: [], shards: 2, workingDirectory: "/", folder: "/j", mergeOutput: "m")
        }
        #expect(throws: BatchError.self) {
            try ShardedJob(name: "j", executable: "hepkit", arguments: ["build"], shards: 2, workingDirectory: "/", folder: "/j", mergeOutput: "m")
        }
    }

    @Test func withoutPlaceholdersTheShardOptionsAreAppended() throws {
        let job = try ShardedJob(name: "j", executable: "/bin/hepkit", arguments: ["build", "a.yml"], shards: 4, workingDirectory: "/w", folder: "/j", mergeOutput: "m.json")
        #expect(job.shardCommand.commandLine == #"/bin/hepkit build a.yml --shard "${shard}"/4 -o /j/part."${shard}".json"#)
        #expect(job.mergeCommand.commandLine == "/bin/hepkit merge /j/part.0.json /j/part.1.json /j/part.2.json /j/part.3.json -o m.json")
    }

    @Test func cpusAreRequestedAndBecomeTheThreadBudget() throws {
        let job = try ShardedJob(
            name: "j", executable: "/bin/hepkit", arguments: ["build"], shards: 2, workingDirectory: "/w", folder: "/j", mergeOutput: "m", cpusPerJob: 1)
        let slurm = Slurm().files(for: job)["shards.sbatch"] ?? ""
        #expect(slurm.contains("#SBATCH --error=shard.%a.err\n#SBATCH --cpus-per-task=1\nset -eu\n"))
        #expect(slurm.contains("export HEPKIT_THREADS=1\ncd -- /w\n"))
        let condor = HTCondor().files(for: job)
        #expect(condor["shards.sub"]?.hasSuffix("request_cpus = 1\nqueue 2\n") == true)
        #expect(condor["shard.sh"]?.contains("export HEPKIT_THREADS=1\n") == true)
        let plain = try job.withFolder("/j2")
        #expect(plain.cpusPerJob == 1)
        for cpus in [0, 1025] {
            #expect(throws: BatchError.self) {
                try ShardedJob(name: "j", executable: "/bin/hepkit", arguments: ["build"], shards: 2, workingDirectory: "/", folder: "/j", mergeOutput: "m", cpusPerJob: cpus)
            }
        }
        let unset = try ShardedJob(name: "j", executable: "/bin/hepkit", arguments: ["build"], shards: 2, workingDirectory: "/w", folder: "/j", mergeOutput: "m")
        #expect(!(Slurm().files(for: unset)["shards.sbatch"] ?? "").contains("cpus-per-task"))
        #expect(!(Slurm().files(for: unset)["shards.sbatch"] ?? "").contains("HEPKIT_THREADS"))
    }

    @Test func placeholdersAreReplacedWhereTheyStand() throws {
        let job = try ShardedJob(
            name: "j", executable: "/bin/hepkit", arguments: ["cls", "ws.json", "--test-poi", "{I}", "--output-file", "{part}", "--note", "{I} of {N}"],
            shards: 3, workingDirectory: "/w", folder: "/j", mergeOutput: "m.json")
        #expect(job.shardCommand.commandLine
            == #"/bin/hepkit cls ws.json --test-poi "${shard}" --output-file /j/part."${shard}".json --note "${shard}"' of 3'"#)
    }
}

@Suite struct SlurmTests {
    @Test func arrayScriptFollowsTheSbatchRules() throws {
        let job = try hostileJob(folder: "/w", executable: "/opt/hepkit")
        let files = Slurm().files(for: job)
        #expect(Set(files.keys) == ["shards.sbatch", "merge.sbatch", "submit.sh"])
        let lines = try #require(files["shards.sbatch"]).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "#!/bin/bash")
        // sbatch reads #SBATCH lines only before the first command: all of them come first.
        let directives = lines.dropFirst().prefix { $0.hasPrefix("#SBATCH ") }
        #expect(directives == ["#SBATCH --job-name=hepkit-build", "#SBATCH --array=0-3", "#SBATCH --output=shard.%a.out", "#SBATCH --error=shard.%a.err"])
        #expect(!lines.dropFirst(1 + directives.count).contains { $0.hasPrefix("#SBATCH") })
        #expect(try #require(files["merge.sbatch"]).contains("#SBATCH --job-name=hepkit-build-merge\n"))
        #expect(try #require(files["submit.sh"]).contains(#"sbatch --parsable --dependency="afterok:$array" merge.sbatch"#))
    }

    /// The array script, run as Slurm would for task 2, runs exactly the given arguments.
    @Test func shardScriptRunsTheExactCommand() throws {
        let folder = try recorderFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try hostileJob(folder: folder, executable: folder + "/recorder")
        let script = try #require(Slurm().files(for: job)["shards.sbatch"])
        let result = try bash(script, environment: ["SLURM_ARRAY_TASK_ID": "2"])
        #expect(result.status == 0)
        #expect(try recorded(folder) == [
            "build", "my config's $(touch pwned).yml", "--set", "x=1\ny=2", "--shard", "2/4", "-o", folder + "/jobs $(x) 'q'/part.2.json",
        ])
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned"))
    }

    @Test func mergeScriptNamesMissingShardsAndThenMerges() throws {
        let folder = try recorderFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ShardedJob(
            name: "j", executable: folder + "/recorder", arguments: ["build", "c.yml"], shards: 3, workingDirectory: folder,
            folder: folder + "/jobs dir", merger: [folder + "/recorder"], mergeOutput: "all.json")
        try FileManager.default.createDirectory(atPath: job.folder, withIntermediateDirectories: true)
        let script = try #require(Slurm().files(for: job)["merge.sbatch"])
        try "{}".write(toFile: job.partPath(1), atomically: true, encoding: .utf8)
        let failed = try bash(script)
        #expect(failed.status == 1)
        #expect(failed.error.contains("no part file from shard(s) 0 2 of 3; rerun them (cd '\(folder)/jobs dir' && sbatch --array=I,J,... shards.sbatch)"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/args.0"))
        for i in [0, 2] { try "{}".write(toFile: job.partPath(i), atomically: true, encoding: .utf8) }
        #expect(try bash(script).status == 0)
        #expect(try recorded(folder) == [job.partPath(0), job.partPath(1), job.partPath(2), "-o", "all.json"])
    }

    /// The job folder appears in the merge script's message too: a hostile one runs nothing.
    @Test func mergeScriptMessageIsQuoted() throws {
        let folder = try recorderFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try hostileJob(folder: folder, executable: folder + "/recorder")
        try FileManager.default.createDirectory(atPath: job.folder, withIntermediateDirectories: true)
        let result = try bash("cd \(ShellWord(folder).quoted) && " + (Slurm().files(for: job)["merge.sbatch"] ?? ""))
        #expect(result.status == 1)
        let rerun = "cd \(ShellWord(job.folder).quoted) && sbatch --array=I,J,... shards.sbatch"
        #expect(result.error == "hepkit submit: no part file from shard(s) 0 1 2 3 of 4; rerun them (\(rerun)) and then the merge\n")
        #expect(rerun.contains(#"'\''q'\''"#))
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["jobs $(x) 'q'", "recorder"])
    }

    @Test func mergeScriptMessageNamesTheShards() throws {
        let folder = try recorderFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ShardedJob(name: "j", executable: "/bin/true", arguments: ["build"], shards: 4, workingDirectory: folder, folder: folder, mergeOutput: "m")
        try "{}".write(toFile: job.partPath(2), atomically: true, encoding: .utf8)
        let script = try #require(Slurm().files(for: job)["merge.sbatch"])
        let result = try bash(script)
        #expect(result.status == 1)
        #expect(result.error.contains("no part file from shard(s) 0 1 3 of 4"))
    }

    @Test func jobFolderIsWrittenWhole() throws {
        let folder = try recorderFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try hostileJob(folder: folder, executable: "/opt/hepkit")
        try writeJobFolder(job, for: Slurm())
        let names = try FileManager.default.contentsOfDirectory(atPath: job.folder).sorted()
        #expect(names == [".hepkit-output", "merge.sbatch", "shards.sbatch", "submit.sh"])
        // A folder that is not a job folder of HEPKit's is refused.
        #expect(throws: (any Error).self) {
            try writeJobFolder(try hostileJob(folder: "/", executable: "/opt/hepkit", shards: 2).withFolder(folder), for: Slurm())
        }
    }
}

extension ShardedJob {
    func withFolder(_ folder: String) throws -> ShardedJob {
        try ShardedJob(name: name, executable: executable, arguments: arguments, shards: shards, workingDirectory: workingDirectory,
                       folder: folder, merger: merger, mergeOutput: mergeOutput, cpusPerJob: cpusPerJob)
    }
}

/// HTCondor's submit-description rules (HTCondor manual, condor_submit): one `key = value` per
/// line, `#` comments, `$(name)` macros expanded in every value, `queue [N]` submits what was
/// described above it.
@Suite struct HTCondorTests {
    func statements(_ text: String) -> [(key: String, value: String)] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            if let eq = line.firstIndex(of: "=") {
                return (line[..<eq].trimmingCharacters(in: .whitespaces), line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces))
            }
            return (line.trimmingCharacters(in: .whitespaces), "")
        }
    }

    @Test func shardDescriptionQueuesOneJobPerShard() throws {
        let files = HTCondor().files(for: try hostileJob(folder: "/w", executable: "/opt/hepkit"))
        #expect(Set(files.keys) == ["shard.sh", "merge.sh", "shards.sub", "merge.sub", "jobs.dag", "submit.sh"])
        let sub = statements(try #require(files["shards.sub"]))
        #expect(sub.last?.key == "queue 4")
        #expect(sub.filter { $0.key.hasPrefix("queue") }.count == 1)
        let values = Dictionary(uniqueKeysWithValues: sub.dropLast().map { ($0.key, $0.value) })
        #expect(values["executable"] == "/bin/bash")
        #expect(values["arguments"] == "shard.sh $(Process)")
        #expect(values["output"] == "shard.$(Process).out")
        #expect(values["error"] == "shard.$(Process).err")
        #expect(values["JobBatchName"] == "hepkit-build")
        let merge = statements(try #require(files["merge.sub"]))
        #expect(merge.last?.key == "queue")
        #expect(merge.contains { $0 == ("arguments", "merge.sh") })
    }

    /// Nothing the user typed reaches a submit description or the DAG: the only macro is
    /// $(Process), and the hostile command and paths live in the quoted shell scripts.
    @Test func userTextStaysOutOfTheDescriptions() throws {
        let files = HTCondor().files(for: try hostileJob(folder: "/w", executable: "/opt/hepkit"))
        for name in ["shards.sub", "merge.sub", "jobs.dag"] {
            let text = try #require(files[name])
            #expect(!text.contains("pwned") && !text.contains("jobs $(x)") && !text.contains("/opt/hepkit"), "\(name)")
            #expect(text.replacingOccurrences(of: "$(Process)", with: "").contains("$(") == false, "\(name)")
        }
        #expect(try #require(files["jobs.dag"]) == "JOB shards shards.sub\nJOB merge merge.sub\nPARENT shards CHILD merge\n")
    }

    @Test func shardScriptTakesTheProcessNumber() throws {
        let folder = try recorderFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try hostileJob(folder: folder, executable: folder + "/recorder")
        let script = try #require(HTCondor().files(for: job)["shard.sh"])
        let path = folder + "/shard.sh"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try bash("bash \(ShellWord(path).quoted) 3").status == 0)
        #expect(try recorded(folder).suffix(4) == ["--shard", "3/4", "-o", folder + "/jobs $(x) 'q'/part.3.json"])
    }
}
