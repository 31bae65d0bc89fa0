/// Slurm: an `sbatch` array script (`--array=0-(N-1)`, `SLURM_ARRAY_TASK_ID` is the shard) and a
/// merge script submitted with `--dependency=afterok:` on the array, so it runs only once every
/// shard has succeeded. Logs go to `shard.<I>.out/.err` and `merge.out/.err` in the job folder
/// (the jobs run in the folder `submit.sh` submits from).
public struct Slurm: BatchSystem {
    public static let name = "slurm"
    public static let arrayScript = "shards.sbatch"
    public static let mergeScript = "merge.sbatch"

    public init() {}

    public func files(for job: ShardedJob) -> [String: String] {
        let array = """
            #!/bin/bash
            #SBATCH --job-name=\(job.name)
            #SBATCH --array=0-\(job.shards - 1)
            #SBATCH --output=shard.%a.out
            #SBATCH --error=shard.%a.err
            \(job.cpusPerJob.map { "#SBATCH --cpus-per-task=\($0)\n" } ?? "")set -eu
            shard="$SLURM_ARRAY_TASK_ID"

            """ + JobScript.shardBody(job)
        let merge = """
            #!/bin/bash
            #SBATCH --job-name=\(job.name)-merge
            #SBATCH --output=merge.out
            #SBATCH --error=merge.err

            """ + JobScript.mergeBody(job, rerun: "cd \(ShellWord(job.folder).quoted) && sbatch --array=I,J,... \(Self.arrayScript)")
        let submit = """
            #!/bin/bash
            # Submits the array of \(job.shards) shard jobs, then the merge job that runs once all of them succeeded.
            set -eu
            cd -- "$(dirname -- "$0")"
            array=$(sbatch --parsable \(Self.arrayScript))
            array="${array%%;*}"
            merge=$(sbatch --parsable --dependency="afterok:$array" \(Self.mergeScript))
            merge="${merge%%;*}"
            echo "array job $array (\(job.shards) shards), merge job $merge"

            """
        return [Self.arrayScript: array, Self.mergeScript: merge, submitScriptName: submit]
    }
}
