/// A batch system `hepkit submit` writes job files for: one file per kind of system.
public protocol BatchSystem: Sendable {
    /// The name on the command line (`slurm`, `htcondor`).
    static var name: String { get }

    /// The job files (name → text) for `job`, all in its folder; `submit.sh` submits them.
    func files(for job: ShardedJob) -> [String: String]
}

/// The script that submits a job folder, the same for every system: `bash submit.sh`.
public let submitScriptName = "submit.sh"

/// Script text shared by the systems: a shard's and the merge's body.
enum JobScript {
    /// Runs shard `$shard` (set by the caller, after `set -eu`) in the working directory.
    static func shardBody(_ job: ShardedJob) -> String {
        let threads = job.cpusPerJob.map { "export HEPKIT_THREADS=\($0)\n" } ?? ""
        return threads + """
        cd -- \(ShellWord(job.workingDirectory).quoted)
        exec \(job.shardCommand.commandLine)

        """
    }

    /// Checks that every shard left its part file (naming the missing shards and how to rerun
    /// them) and then merges them.
    static func mergeBody(_ job: ShardedJob, rerun: String) -> String {
        let variable = ShardedJob.shardVariable
        let partTemplate = ShellWord(pieces: [.text(job.folder + "/part."), .variable(variable), .text(".json")])
        // The message holds paths: one quoted word, never text inside double quotes.
        let message = ShellWord(pieces: [
            .text("hepkit submit: no part file from shard(s)"), .variable("missing"),
            .text(" of \(job.shards); rerun them (\(rerun)) and then the merge"),
        ])
        return """
            set -eu
            missing=
            \(variable)=0
            while [ "$\(variable)" -lt \(job.shards) ]; do
                [ -s \(partTemplate.quoted) ] || missing="$missing $\(variable)"
                \(variable)=$((\(variable) + 1))
            done
            if [ -n "$missing" ]; then
                echo \(message.quoted) >&2
                exit 1
            fi
            cd -- \(ShellWord(job.workingDirectory).quoted)
            exec \(job.mergeCommand.commandLine)

            """
    }
}
