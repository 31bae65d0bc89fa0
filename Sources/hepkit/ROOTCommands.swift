import ArgumentParser
import ROOTIO

#if canImport(Glibc)
import Glibc
#endif

/// Writes to stdout/stderr by file descriptor (no Foundation, no shared C stream globals).
struct FileHandleOutput: Sendable {
    static let standardError = FileHandleOutput(descriptor: 2)
    static let standardOutput = FileHandleOutput(descriptor: 1)
    let descriptor: Int32
    func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if n <= 0 { return }
                done += n
            }
        }
    }
}

/// `start:stop` entry ranges, 0-based, `stop` excluded; either side may be empty (the first entry,
/// the end of the tree). Negative or reversed ranges are usage errors.
struct EntryRange: ExpressibleByArgument {
    var start: Int64?
    var stop: Int64?

    init(start: Int64? = nil, stop: Int64? = nil) {
        self.start = start
        self.stop = stop
    }

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if !parts[0].isEmpty { guard let s = Int64(parts[0]), s >= 0 else { return nil }; start = s }
        if !parts[1].isEmpty { guard let s = Int64(parts[1]), s >= 0 else { return nil }; stop = s }
        if let start, let stop, start > stop { return nil }
    }

    static var defaultValueDescription: String { "start:stop" }

    /// The entries to read from a tree of `count` entries: a `stop` past the end is the end; a
    /// `start` past the end is an error (it would print nothing and look like an empty tree).
    func resolve(_ count: Int64) throws -> Range<Int64> {
        let lower = start ?? 0
        let upper = min(stop ?? count, count)
        guard lower <= count else {
            throw ValidationError("--entries \(lower):\(stop.map(String.init) ?? "") starts after the tree's last entry (it has \(count))")
        }
        return lower ..< max(lower, upper)
    }
}

func selectedBranches(_ tree: ROOTTree, _ list: String?) throws -> [ROOTBranch] {
    guard let list else { return tree.allBranches.filter { $0.typeName != nil } }
    return try list.split(separator: ",").map { try tree.branch(String($0)) }
}

struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the objects of a ROOT file; for trees, entries and branch types.",
        discussion: "An object that cannot be decoded is listed as unreadable, its error goes to standard error and the exit status is 1.")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The ROOT file.") var file: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            var output = FileHandleOutput.standardOutput
            let unreadable = try list(to: &output)
            for error in unreadable { FileHandleOutput.standardError.write("hepkit: \(error)\n") }
            if !unreadable.isEmpty { throw ExitCode(1) }
        }
    }

    /// Writes the listing; returns the errors of the objects that could not be decoded.
    func list(to sink: inout some TextSink) throws -> [ROOTError] {
        let root = try ROOTFile(path: file)
        var objects: [ROOTJSON] = []
        var text = ""
        var unreadable: [ROOTError] = []
        for (path, key) in try root.allObjects() {
            let depth = path.split(separator: "/").count - 1
            let indent = String(repeating: "  ", count: depth)
            var fields: [(String, ROOTJSON)] = [("path", .string(path)), ("cycle", .int(Int64(key.cycle))),
                                                ("class", .string(key.className)), ("title", .string(key.title))]
            text += "\(indent)\(key.className.padding(14)) \(key.name);\(key.cycle)  \"\(key.title)\"\n"
            do throws(ROOTError) {
                if ["TTree", "TNtuple", "TNtupleD"].contains(key.className) {
                    let tree = try root.tree("\(path);\(key.cycle)")
                    fields.append(("entries", .int(tree.entryCount)))
                    text += "\(indent)  \(tree.entryCount) entries\n"
                    var branches: [ROOTJSON] = []
                    for branch in tree.allBranches {
                        let type = branch.typeName ?? (branch.isGroup ? "group" : "unsupported")
                        var entry: [(String, ROOTJSON)] = [("name", .string(branch.path)), ("type", .string(type)),
                                                           ("title", .string(branch.title))]
                        text += "\(indent)  \(branch.path.padding(30)) \(type.padding(16)) \(branch.title)\n"
                        // nothing is skipped silently: an unreadable branch says which type and member stop it
                        if branch.typeName == nil, !branch.isGroup, let reason = branch.unreadableReason {
                            entry.append(("unsupported", .string(reason)))
                            text += "\(indent)    (\(reason))\n"
                        }
                        branches.append(.object(entry))
                    }
                    fields.append(("branches", .array(branches)))
                } else if key.isRNTuple {
                    let (lines, members) = try RNTupleListing.describe(root, path: "\(path);\(key.cycle)", indent: indent)
                    text += lines
                    fields += members
                } else if key.className.hasPrefix("TH") || key.className.hasPrefix("TProfile") {
                    let histogram = try root.histogram("\(path);\(key.cycle)")
                    let axes = histogram.axes.prefix(histogram.dimension)
                    fields.append(("entries", .double(histogram.entries)))
                    fields.append(("bins", .array(axes.map { .int(Int64($0.binCount)) })))
                    text += "\(indent)  " + axes.map { "\($0.binCount) bins [\($0.low), \($0.high)]" }.joined(separator: " × ")
                        + ", \(histogram.entries) entries\n"
                }
            } catch {
                // the other objects are still listed; a layout HEPKit does not decode is no fault of the file
                switch error.reason {
                case .unsupported(let why):
                    fields.append(("unsupported", .string(why)))
                    text += "\(indent)  (not decoded: \(why))\n"
                default:
                    unreadable.append(error)
                    fields.append(("unreadable", .string("\(error)")))
                    text += "\(indent)  UNREADABLE\n"
                }
            }
            objects.append(.object(fields))
        }
        sink.write(json ? ROOTJSON.object([("file", .string(file)), ("objects", .array(objects))]).rendered + "\n" : text)
        return unreadable
    }
}

/// Where `hepkit dump` writes its text, piece by piece.
protocol TextSink {
    mutating func write(_ text: String)
}

extension FileHandleOutput: TextSink {}

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "Print the entries of tree branches.")

    enum Format: String, ExpressibleByArgument { case json, csv }

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The ROOT file.") var file: String
    @Argument(help: "Path of the tree in the file.") var tree: String
    @Option(help: "Comma-separated branch names (default: all readable branches).") var branches: String?
    @Option(help: "Entry range start:stop (0-based, stop excluded; a stop past the end means the end).") var entries: EntryRange?
    @Option(help: "Output format: json or csv.") var format: Format = .json

    /// Entries read and printed at a time (rounded to whole baskets), so memory stays bounded
    /// however large the tree is.
    static let entriesPerChunk: Int64 = 65_536

    func run() throws {
        try reportingErrors {
            var output = FileHandleOutput.standardOutput
            try dump(to: &output)
        }
    }

    func dump(to sink: inout some TextSink) throws {
        let root = try ROOTFile(path: file)
        if root.isRNTuple(self.tree) { return try dumpRNTuple(root, to: &sink) }
        let tree = try root.tree(self.tree)
        let range = try (entries ?? EntryRange()).resolve(tree.entryCount)
        let selected = try selectedBranches(tree, branches)
        let names = branches == nil ? selected.map(\.address) : branches!.split(separator: ",").map(String.init)
        try write(
            names, chunks: { k in try Self.chunks(tree, k.map { selected[$0] }, range) },
            // a branch may hold fewer entries than its tree (added later, never filled)
            read: { k, chunk in try selected[k].column(entries: chunk.clamped(to: 0 ..< selected[k].entryCount)) }, to: &sink)
    }

    /// Writes the values of the fields `names` chunk by chunk: JSON one array per field, CSV one
    /// row per entry. Each piece is written only after its chunk was read, so a file that fails at
    /// once prints nothing.
    ///
    /// - Parameters:
    ///   - chunks: the pieces of the entry range to read the given fields (by index) in.
    ///   - read: field `k`'s entries of a chunk; a field shorter than the others leaves its CSV
    ///     fields empty.
    func write<Entries: DumpedEntries>(
        _ names: [String], chunks: ([Int]) throws -> [Range<Int64>], read: (Int, Range<Int64>) throws -> Entries,
        to sink: inout some TextSink
    ) throws {
        switch format {
        case .json:
            var separator = "{"
            for (k, name) in names.enumerated() {
                var head = separator
                JSONText.quote(name, into: &head)
                head += ":["
                var pending: String? = head
                var first = true
                for chunk in try chunks([k]) {
                    let entries = try read(k, chunk)
                    var out = pending ?? ""
                    pending = nil
                    for entry in 0 ..< entries.entryCount {
                        if !first { out += "," }
                        first = false
                        entries.renderJSON(entry: entry, into: &out)
                    }
                    sink.write(out)
                }
                sink.write((pending ?? "") + "]")
                separator = ","
            }
            sink.write(separator == "{" ? "{}\n" : "}\n")
        case .csv:
            var pending: String? = names.map(JSONText.csvField).joined(separator: ",") + "\n"
            for chunk in try chunks(Array(names.indices)) {
                let fields = try names.indices.map { try read($0, chunk) }
                var out = pending ?? ""
                pending = nil
                for entry in 0 ..< chunk.count {
                    out += fields.map { entry < $0.entryCount ? $0.csvField(entry: entry) : "" }.joined(separator: ",") + "\n"
                }
                sink.write(out)
            }
            if let pending { sink.write(pending) }
        }
    }

    /// Basket-aligned pieces of `range` of about ``entriesPerChunk`` entries.
    static func chunks(_ tree: ROOTTree, _ branches: [ROOTBranch], _ range: Range<Int64>) throws -> [Range<Int64>] {
        try tree.chunks(of: branches, entriesPerChunk: entriesPerChunk)
            .map { $0.clamped(to: range) }
            .filter { !$0.isEmpty }
    }
}

struct HistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hist", abstract: "Print a histogram's edges, contents and variances.")

    enum Format: String, ExpressibleByArgument { case json, text }

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The ROOT file.") var file: String
    @Argument(help: "Path of the histogram in the file.") var path: String
    @Option(help: "Output format: json or text.") var format: Format = .json

    func run() throws {
        try reportingErrors {
            let histogram = try ROOTFile(path: file).histogram(path)
            let axes = Array(histogram.axes.prefix(histogram.dimension))
            switch format {
            case .json:
                let object = ROOTJSON.object([
                    ("class", .string(histogram.className)),
                    ("title", .string(histogram.title)),
                    ("entries", .double(histogram.entries)),
                    ("edges", .array(axes.map { .array($0.edges.map(ROOTJSON.double)) })),
                    ("values", .array(histogram.values.map(ROOTJSON.double))),
                    ("values_flow", .array(histogram.valuesWithFlow.map(ROOTJSON.double))),
                    ("variances_flow", histogram.sumw2WithFlow.map { .array($0.map(ROOTJSON.double)) } ?? .null),
                ])
                FileHandleOutput.standardOutput.write(object.rendered + "\n")
            case .text:
                var out = "\(histogram.className) \(histogram.name) \"\(histogram.title)\"  entries \(histogram.entries)\n"
                if histogram.dimension == 1 {
                    let edges = axes[0].edges
                    let values = histogram.values
                    let errors = histogram.sumw2WithFlow.map { Array($0.dropFirst().prefix(values.count)) } ?? values
                    for (i, value) in values.enumerated() {
                        out += "[\(edges[i]), \(edges[i + 1]))\t\(value)\t± \(errors[i].squareRoot())\n"
                    }
                } else {
                    out += "\(histogram.dimension)-D: " + axes.map { "\($0.binCount) bins [\($0.low), \($0.high)]" }.joined(separator: " × ") + "\n"
                    out += histogram.values.map { "\($0)" }.joined(separator: " ") + "\n"
                }
                FileHandleOutput.standardOutput.write(out)
            }
        }
    }
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Read branches in full; print entries, items, min, max, mean and sum per branch.")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The ROOT file.") var file: String
    @Argument(help: "Path of the tree in the file.") var tree: String
    @Option(help: "Comma-separated branch names (default: all readable branches).") var branches: String?
    @Flag(help: "Print ROOTJSON.") var json = false

    func run() throws {
        keepFreedColumnMemory()
        try reportingErrors {
            let root = try ROOTFile(path: file)
            if root.isRNTuple(self.tree) { return try statsRNTuple(root) }
            let tree = try root.tree(self.tree)
            var rows: [(String, ROOTJSON)] = []
            var text = "branch".padding(30) + " entries      items          min            max            mean           sum\n"
            for branch in try selectedBranches(tree, branches) {
                let summary = try branch.column().summary()
                rows.append((branch.path, .object([
                    ("entries", .int(Int64(summary.entries))), ("items", .int(Int64(summary.items))),
                    ("min", .double(summary.min)), ("max", .double(summary.max)),
                    ("mean", .double(summary.mean)), ("sum", .double(summary.sum)),
                ])))
                text += branch.path.padding(30) + " " + [String(summary.entries), String(summary.items), "\(summary.min)",
                                                          "\(summary.max)", "\(summary.mean)", "\(summary.sum)"].map { $0.padding(14) }.joined(separator: " ") + "\n"
            }
            FileHandleOutput.standardOutput.write(json ? ROOTJSON.object(rows).rendered + "\n" : text)
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
