import HEPKitSupport

/// A command split into `shards` jobs plus one job that merges their part files: what
/// `hepkit submit` turns into job files for a ``BatchSystem``.
///
/// The command's arguments may hold placeholders, replaced per job when it runs:
/// `{I}` (the shard index, 0-based), `{N}` (the shard count) and `{part}` (the shard's part file,
/// `part.<I>.json` in the job folder). Without any placeholder, `--shard {I}/{N} -o {part}` is
/// appended (the form of `hepkit build`).
public struct ShardedJob: Sendable {
    /// The most shards one job may have (a stated bound: array sizes of batch systems are limited
    /// by the site, and each shard is one part file in the folder).
    public static let maximumShards = 10_000

    /// The job name shown by the batch system: letters, digits, `.`, `_`, `-`.
    public let name: String
    /// The absolute path of the program every job runs (`hepkit` on the nodes).
    public let executable: String
    /// The program's arguments, with placeholders.
    public let arguments: [String]
    public let shards: Int
    /// Where the command's relative paths are resolved (the folder `hepkit submit` ran in).
    public let workingDirectory: String
    /// The absolute job folder: scripts, logs and part files.
    public let folder: String
    /// The merge program and its leading arguments; the part files and `-o OUTPUT` follow.
    public let merger: [String]
    /// Where the merge writes the final result (relative to ``workingDirectory`` or absolute).
    public let mergeOutput: String
    /// CPUs each shard job asks the batch system for, and the thread budget (`HEPKIT_THREADS`) it
    /// runs with; `nil` leaves both to the site and hepkit's defaults.
    public let cpusPerJob: Int?

    /// The shell variable holding the shard index inside the generated scripts.
    static let shardVariable = "shard"

    public init(
        name: String, executable: String, arguments: [String], shards: Int, workingDirectory: String,
        folder: String, merger: [String]? = nil, mergeOutput: String, cpusPerJob: Int? = nil
    ) throws(BatchError) {
        try Self.checkName(name)
        guard (1...Self.maximumShards).contains(shards) else {
            throw BatchError("--shards must be between 1 and \(Self.maximumShards) (got \(shards))")
        }
        guard !arguments.isEmpty else { throw BatchError("no command to run: give it after '--'") }
        for (what, path) in [("program", executable), ("working directory", workingDirectory), ("job folder", folder)] {
            guard path.hasPrefix("/") else { throw BatchError("the \(what) path '\(path)' is not absolute") }
        }
        guard !mergeOutput.isEmpty else { throw BatchError("the merge output path is empty") }
        if let cpusPerJob, !(1...1024).contains(cpusPerJob) {
            throw BatchError("--cpus must be between 1 and 1024 (got \(cpusPerJob))")
        }
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.shards = shards
        self.workingDirectory = workingDirectory
        self.folder = folder
        self.merger = merger ?? [executable, "merge"]
        self.mergeOutput = mergeOutput
        self.cpusPerJob = cpusPerJob
    }

    /// Job names reach `#SBATCH` lines and submit descriptions, which have their own quoting
    /// rules: only a plain alphabet is let through.
    static func checkName(_ name: String) throws(BatchError) {
        do {
            try SafeName.check(name, what: "job name")
        } catch {
            throw BatchError(error.description)
        }
        let plain = name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
            default: false
            }
        }
        guard plain, name.utf8.count <= 64 else {
            throw BatchError("job name \(SafeName.quoted(name)) may hold only letters, digits, '.', '_' and '-' (at most 64)")
        }
    }

    /// The part file of shard `index`, in the job folder.
    public static func partName(_ index: Int) -> String { "part.\(index).json" }

    /// The command one shard runs, as shell words (the shard index in `$shard`).
    public var shardCommand: [ShellWord] {
        let placeholders = ["{I}", "{N}", "{part}"]
        let usesPlaceholders = arguments.contains { argument in placeholders.contains { argument.contains($0) } }
        let words = usesPlaceholders ? arguments : arguments + ["--shard", "{I}/{N}", "-o", "{part}"]
        return [ShellWord(executable)] + words.map(expand)
    }

    /// The merge command: the merger, every part file in shard order, `-o` and the output.
    public var mergeCommand: [ShellWord] {
        merger.map(ShellWord.init) + (0..<shards).map { ShellWord(partPath($0)) } + [ShellWord("-o"), ShellWord(mergeOutput)]
    }

    /// The absolute path of shard `index`'s part file.
    public func partPath(_ index: Int) -> String { folder + "/" + Self.partName(index) }

    /// `argument` with its placeholders replaced: `{N}` by the count now, `{I}` and `{part}` by
    /// the shard variable when the job runs.
    private func expand(_ argument: String) -> ShellWord {
        var pieces: [ShellWord.Piece] = []
        var text = ""
        var rest = Substring(argument)
        func flush() {
            if !text.isEmpty { pieces.append(.text(text)) }
            text = ""
        }
        while !rest.isEmpty {
            if rest.hasPrefix("{I}") {
                flush()
                pieces.append(.variable(Self.shardVariable))
                rest = rest.dropFirst(3)
            } else if rest.hasPrefix("{N}") {
                text += String(shards)
                rest = rest.dropFirst(3)
            } else if rest.hasPrefix("{part}") {
                text += folder + "/part."
                flush()
                pieces.append(.variable(Self.shardVariable))
                text = ".json"
                rest = rest.dropFirst(6)
            } else {
                text.append(rest.removeFirst())
            }
        }
        flush()
        return ShellWord(pieces: pieces)
    }
}

/// A job that cannot be generated as asked; the message names the cause.
public struct BatchError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
