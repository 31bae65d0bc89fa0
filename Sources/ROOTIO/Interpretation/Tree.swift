/// A `TTree`: named branches of columns with a common number of entries.
public struct ROOTTree: Sendable {
    /// Path of the tree in the file (without cycle).
    public let path: String
    public let name: String
    public let title: String
    /// Number of entries.
    public let entryCount: Int64
    /// The top-level branches (sub-branches are in ``ROOTBranch/branches``).
    public let branches: [ROOTBranch]
    private let filePath: String

    init(file: ROOTFile, path: String, model: TreeModel) {
        self.path = path
        filePath = file.path
        name = model.name
        title = model.title
        entryCount = model.entries
        // counter leaves by name, for jagged branches written without entry offsets
        var counters: [String: BranchModel] = [:]
        func collect(_ branch: BranchModel) {
            for leaf in branch.leaves where counters[leaf.name] == nil { counters[leaf.name] = branch }
            branch.branches.forEach(collect)
        }
        model.branches.forEach(collect)
        var occurrences: [String: Int] = [:]
        var branches: [ROOTBranch] = []
        for branch in model.branches {
            branches.append(ROOTBranch(file: file, treePath: path, parentPath: nil, model: branch, counters: counters,
                                       occurrences: &occurrences))
        }
        self.branches = branches
    }

    /// Every branch, depth first, with sub-branches after their parent.
    public var allBranches: [ROOTBranch] {
        branches.flatMap { [$0] + $0.allDescendants }
    }

    /// The branch at `path`: uproot-style `parent/child` (sub-branch names are the full `fName`s,
    /// e.g. `evt/P3/P3.Px`), or a branch name found anywhere in the tree. Where several branches
    /// share a name (Delphes writes `Particle` twice), the plain name is the first, as in uproot,
    /// and `name;2` the second (``ROOTBranch/address``).
    public func branch(_ path: String) throws(ROOTError) -> ROOTBranch {
        if let separator = path.lastIndex(of: ";"), let n = Int(path[path.index(after: separator)...]), n >= 1 {
            let base = String(path[..<separator])
            var matches = allBranches.filter { $0.path == base }
            if matches.isEmpty { matches = allBranches.filter { $0.name == base } }
            guard n <= matches.count else {
                throw ROOTError(file: filePath, object: self.path, reason: .notFound("branch '\(path)' (\(matches.count) named '\(base)')"))
            }
            return matches[n - 1]
        }
        if let exact = allBranches.first(where: { $0.path == path }) { return exact }
        let byName = allBranches.filter { $0.name == path }
        if byName.count == 1 || (byName.count > 1 && byName.allSatisfy { $0.path == byName[0].path }) { return byName[0] }
        let tail = path.split(separator: "/").last.map(String.init) ?? path
        let byTail = allBranches.filter { $0.name == tail && $0.path.hasSuffix(path) }
        if byTail.count == 1 { return byTail[0] }
        throw ROOTError(file: filePath, object: self.path, reason: .notFound("branch '\(path)'"))
    }

    /// Entry ranges at which every one of `branches` starts a new basket: reading them touches
    /// no basket twice. (Clusters in ROOT's sense when the tree was written with auto-flush.)
    public func clusters(of branches: [ROOTBranch]) throws(ROOTError) -> [Range<Int64>] {
        var common: Set<Int64>?
        for branch in branches {
            let starts = Set(try branch.basketStarts())
            common = common.map { $0.intersection(starts) } ?? starts
        }
        let boundaries = (common ?? [0]).union([0, entryCount]).filter { $0 >= 0 && $0 <= entryCount }.sorted()
        return zip(boundaries, boundaries.dropFirst()).map { $0 ..< $1 }
    }

    /// Cluster-aligned entry ranges of about `entriesPerChunk` entries each (at least one cluster),
    /// for reading a tree with bounded memory:
    ///
    /// ```swift
    /// for range in try tree.chunks(of: [px], entriesPerChunk: 100_000) {
    ///     let values = try px.read(as: Float.self, entries: range)
    /// }
    /// ```
    public func chunks(of branches: [ROOTBranch], entriesPerChunk: Int64) throws(ROOTError) -> [Range<Int64>] {
        var chunks: [Range<Int64>] = []
        var start: Int64 = 0
        for cluster in try clusters(of: branches) where cluster.upperBound - start >= entriesPerChunk || cluster.upperBound == entryCount {
            chunks.append(start ..< cluster.upperBound)
            start = cluster.upperBound
        }
        return chunks
    }
}

/// One branch of a tree.
public struct ROOTBranch: Sendable {
    let file: ROOTFile
    let model: BranchModel
    /// The tree's path in the file.
    public let treePath: String
    /// uproot-style path inside the tree (`parent/child`).
    public let path: String
    /// Sub-branches (split objects).
    public let branches: [ROOTBranch]

    /// The branch holding the counter leaf of a variable-size array, if any.
    let counter: BranchModel?

    /// Which of the branches with this ``path`` this is (1 for the first), in tree order.
    public let occurrence: Int

    init(file: ROOTFile, treePath: String, parentPath: String?, model: BranchModel, counters: [String: BranchModel],
         occurrences: inout [String: Int]) {
        self.file = file
        self.model = model
        counter = model.leaves.first?.counterName.flatMap { counters[$0] }
        self.treePath = treePath
        let path = parentPath.map { "\($0)/\(model.name)" } ?? model.name
        self.path = path
        occurrence = occurrences[path, default: 0] + 1
        occurrences[path] = occurrence
        var branches: [ROOTBranch] = []
        for branch in model.branches {
            branches.append(ROOTBranch(file: file, treePath: treePath, parentPath: path, model: branch, counters: counters,
                                       occurrences: &occurrences))
        }
        self.branches = branches
    }

    /// The path that names this branch alone: ``path``, or `path;N` for the N-th branch of a
    /// duplicated name (``ROOTTree/branch(_:)`` accepts both).
    public var address: String { occurrence == 1 ? path : "\(path);\(occurrence)" }

    /// The branch's `fName`.
    public var name: String { model.name }
    /// The branch's `fTitle` (the leaf list for plain branches).
    public var title: String { model.title }
    /// Number of entries.
    public var entryCount: Int64 { model.entries }
    /// The class of the object a `TBranchElement` holds (`vector<float>`, `Event`), if any.
    public var className: String? { model.objectClassName }
    /// A short description of the value type (`float32`, `int32[]`, `float64[][]`, `string`,
    /// `vector<TLorentzVector>`), or `nil` for a group of sub-branches (read as a record of them,
    /// see ``column(entries:)``) and for a branch HEPKit cannot read (``unreadableReason``).
    public var typeName: String? { isGroup ? nil : try? model.interpretation().typeName }

    /// Why the branch cannot be read (the type and the streamer element), or `nil` if it can.
    public var unreadableReason: String? {
        if isGroup {
            for branch in branches { if let reason = branch.unreadableReason { return reason } }
            return nil
        }
        do {
            _ = try model.interpretation()
            return nil
        } catch {
            if case .unsupported(let why) = error.reason { return why }
            return ROOTError(file: file.path, object: objectName, reason: error.reason).description
        }
    }

    /// A split object or STL collection: its values are its sub-branches (uproot reads it as a
    /// record of them). The counter of a split `TClonesArray` reads as its sizes, as in uproot.
    public var isGroup: Bool { !branches.isEmpty && model.elementKind != BranchElementKind.clonesArrayCounter }

    var allDescendants: [ROOTBranch] { branches.flatMap { [$0] + $0.allDescendants } }

    private var objectName: String { "\(treePath)/\(address)" }

    func basketStarts() throws(ROOTError) -> [Int64] {
        if isGroup {
            var common: Set<Int64>?
            for branch in branches {
                let starts = Set(try branch.basketStarts())
                common = common.map { $0.intersection(starts) } ?? starts
            }
            return (common ?? [0]).sorted()
        }
        return try withContext(file: file.path, object: objectName) { try model.basketLocations().map(\.firstEntry) }
    }

    /// Reads the entries in `entries` (all by default) into a ``Column``. A group (split object or
    /// collection) is a record with one field per sub-branch, named by its `fName`, as uproot reads it.
    public func column(entries: Range<Int64>? = nil) throws(ROOTError) -> Column {
        if isGroup {
            let range = entries ?? 0 ..< model.entries
            var fields: [(name: String, column: Column)] = []
            for branch in branches { fields.append((branch.name, try branch.column(entries: range))) }
            return Column(values: .record(fields), entryCount: range.count, offsets: nil, innerOffsets: nil, shape: [])
        }
        return try withContext(file: file.path, object: objectName) {
            let interpretation = try model.interpretation()
            let range = entries ?? 0 ..< model.entries
            guard range.lowerBound >= 0, range.upperBound <= model.entries else {
                throw DecodeError(.notFound("entries \(range) (the branch has \(model.entries))"))
            }
            let locations = try model.basketLocations().filter {
                $0.firstEntry < range.upperBound && $0.firstEntry + Int64($0.entryCount) > range.lowerBound
            }
            try file.prefetch(locations)
            if case .fixed(let perEntry) = interpretation.layout, let type = interpretation.type, type.isPlain {
                return try file.readFixed(model, locations, range: range, type: type, perEntry: perEntry, shape: interpretation.shape)
            }
            if case let .jagged(0, itemCount) = interpretation.layout, let type = interpretation.type, type.isPlain,
               let column = try file.readJaggedDirect(locations, range: range, type: type, itemCount: itemCount, shape: interpretation.shape) {
                return column
            }
            var decoded = try file.decodeBaskets(locations, of: model)
            if case let .jagged(0, itemCount) = interpretation.layout, let type = interpretation.type,
               let counter, decoded.contains(where: { $0.starts == nil }) {
                try file.addStartsFromCounter(counter, to: &decoded, locations: locations, itemSize: itemCount * type.diskSize)
            }
            let slices = zip(locations, decoded).map { location, basket in
                let lower = Int(max(range.lowerBound, location.firstEntry) - location.firstEntry)
                let upper = Int(min(range.upperBound, location.firstEntry + Int64(location.entryCount)) - location.firstEntry)
                return BasketSlice(basket: basket, entries: lower ..< upper,
                                   outputEntry: Int(location.firstEntry + Int64(lower) - range.lowerBound))
            }
            return try interpretation.assemble(slices, entryCount: range.count)
        }
    }

    /// Reads a branch of one number per entry (or a fixed array, flattened) as `[T]`,
    /// converting if the stored type is not `T`.
    public func read<T: ROOTNumber>(as type: T.Type, entries: Range<Int64>? = nil) throws(ROOTError) -> [T] {
        let column = try column(entries: entries)
        guard column.offsets == nil else {
            throw ROOTError(file: file.path, object: objectName, reason: .typeMismatch("variable-size entries: use readJagged(as:)"))
        }
        return try convert(column, to: T.self)
    }

    private func convert<T: ROOTNumber>(_ column: Column, to type: T.Type) throws(ROOTError) -> [T] {
        do {
            return try column.converted(to: T.self)
        } catch {
            throw ROOTError(file: file.path, object: objectName,
                            reason: .typeMismatch("value \(error.index) (\(error.value)) does not fit in \(error.target)"))
        }
    }

    /// Reads a branch with a variable number of values per entry as one flat buffer plus offsets
    /// (for items of fixed dimensions, ``JaggedArray/itemShape`` says how values group into items).
    public func readJagged<T: ROOTNumber>(as type: T.Type, entries: Range<Int64>? = nil) throws(ROOTError) -> JaggedArray<T> {
        let column = try column(entries: entries)
        let values = try convert(column, to: T.self)
        guard let offsets = column.innerOffsets ?? column.offsets else {
            let width = column.shape.reduce(1, *)
            return JaggedArray(values: values, offsets: (0 ... column.entryCount).map { $0 * width })
        }
        return JaggedArray(values: values, offsets: offsets, itemShape: column.innerOffsets == nil ? column.shape : [])
    }
}

extension ROOTFile {
    /// The tree at `path` (`dir/name`, optionally `;cycle`).
    public func tree(_ path: String) throws(ROOTError) -> ROOTTree {
        let key = try key(path)
        guard ["TTree", "TNtuple", "TNtupleD"].contains(key.className) else {
            throw ROOTError(file: self.path, object: path, reason: .typeMismatch("\(key.className) is not a TTree"))
        }
        let treePath = path.split(separator: ";").first.map(String.init) ?? path
        var model = try withContext(file: self.path, object: treePath) { () throws(DecodeError) -> TreeModel in
            let bytes = try objectBytes(of: key)
            return try bytes.withBytes { raw throws(DecodeError) in
                var stream = ObjectReader(ByteReader(raw, origin: Int(key.keyLength)))
                return try stream.tree(className: key.className)
            }
        }
        if model.branches.contains(where: { $0.className == "TBranchElement" || $0.className == "TBranchObject" }) {
            let classes = streamerInfos()
            for i in model.branches.indices { model.branches[i].attachMembers(classes) }
        }
        return ROOTTree(file: self, path: treePath, model: model)
    }
}
