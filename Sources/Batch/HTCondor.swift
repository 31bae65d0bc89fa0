/// HTCondor: a submit description running `shard.sh $(Process)` with `queue N`, one for the merge,
/// and a DAGMan file that runs the merge after every shard has succeeded (`condor_submit_dag`).
///
/// No user-given text reaches the submit descriptions — the command, its paths and the job folder
/// live in the shell scripts, quoted there — so HTCondor's own quoting and `$(...)` macro
/// expansion never see them. Paths are relative to the job folder, where DAGMan submits from; the
/// jobs expect a shared file system (`should_transfer_files = NO`), as on lxplus' AFS/EOS.
public struct HTCondor: BatchSystem {
    public static let name = "htcondor"
    public static let shardScript = "shard.sh"
    public static let mergeScript = "merge.sh"
    public static let shardDescription = "shards.sub"
    public static let mergeDescription = "merge.sub"
    public static let dag = "jobs.dag"

    public init() {}

    public func files(for job: ShardedJob) -> [String: String] {
        let shardScript = """
            #!/bin/bash
            set -eu
            shard="$1"

            """ + JobScript.shardBody(job)
        let mergeScript = "#!/bin/bash\n" + JobScript.mergeBody(
            job, rerun: "a DAGMan rescue DAG reruns only the failed shards: condor_submit_dag \(Self.dag) again")
        let shards = description(script: Self.shardScript, arguments: "$(Process)", log: "shard.$(Process)", batchName: job.name)
            + (job.cpusPerJob.map { "request_cpus = \($0)\n" } ?? "") + "queue \(job.shards)\n"
        let merge = description(script: Self.mergeScript, arguments: "", log: "merge", batchName: job.name) + "queue\n"
        let dag = """
            JOB shards \(Self.shardDescription)
            JOB merge \(Self.mergeDescription)
            PARENT shards CHILD merge

            """
        let submit = """
            #!/bin/bash
            # Submits the DAG: \(job.shards) shard jobs, then the merge job once all of them succeeded.
            set -eu
            cd -- "$(dirname -- "$0")"
            condor_submit_dag \(Self.dag)

            """
        return [
            Self.shardScript: shardScript, Self.mergeScript: mergeScript, Self.shardDescription: shards,
            Self.mergeDescription: merge, Self.dag: dag, submitScriptName: submit,
        ]
    }

    private func description(script: String, arguments: String, log: String, batchName: String) -> String {
        """
        universe = vanilla
        executable = /bin/bash
        arguments = \(script)\(arguments.isEmpty ? "" : " " + arguments)
        transfer_executable = false
        should_transfer_files = NO
        output = \(log).out
        error = \(log).err
        log = \(log == "merge" ? "merge" : "shards").log
        JobBatchName = \(batchName)

        """
    }
}
