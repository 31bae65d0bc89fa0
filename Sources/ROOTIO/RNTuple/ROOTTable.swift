/// A TTree or an RNTuple seen as named columns of numbers: what an analysis reads, whichever of
/// the two the file holds.
public enum ROOTTable: Sendable {
    case tree(ROOTTree)
    case rntuple(RNTuple)

    /// Number of entries.
    public var entryCount: Int64 {
        switch self {
        case .tree(let tree): tree.entryCount
        case .rntuple(let ntuple): ntuple.entryCount
        }
    }

    /// Every branch or field name with its ROOTIO type name (`float32`, `int32[]`, ...; nil when
    /// it is not numbers), sub-branches and sub-fields included.
    public var columns: [(name: String, typeName: String?)] {
        switch self {
        case .tree(let tree): tree.allBranches.map { ($0.name, $0.typeName) }
        case .rntuple(let ntuple): ntuple.allFields.map { ($0.path, Self.typeName(of: $0, in: ntuple)) }
        }
    }

    /// The ROOTIO type name of the column `name` (nil when it is not numbers).
    public func typeName(of name: String) throws(ROOTError) -> String? {
        switch self {
        case .tree(let tree): try tree.branch(name).typeName
        case .rntuple(let ntuple): Self.typeName(of: try ntuple.field(name), in: ntuple)
        }
    }

    /// Entry ranges of about `entriesPerChunk` entries at which the columns `names` start new
    /// baskets or clusters.
    public func chunks(of names: [String], entriesPerChunk: Int64) throws(ROOTError) -> [Range<Int64>] {
        switch self {
        case .tree(let tree):
            var branches: [ROOTBranch] = []
            for name in names { branches.append(try tree.branch(name)) }
            return try tree.chunks(of: branches, entriesPerChunk: entriesPerChunk)
        case .rntuple(let ntuple):
            for name in names { _ = try ntuple.field(name) }
            return ntuple.chunks(entriesPerChunk: entriesPerChunk)
        }
    }

    /// One number per entry of column `name`.
    public func read(_ name: String, entries: Range<Int64>) throws(ROOTError) -> [Double] {
        switch self {
        case .tree(let tree): return try tree.branch(name).read(as: Double.self, entries: entries)
        case .rntuple(let ntuple):
            guard case .values(let values) = try ntuple.read(name, entries: entries) else {
                throw ROOTError(file: ntuple.file.path, object: "\(ntuple.path)/\(name)", reason: .typeMismatch("not one number per entry"))
            }
            return (0 ..< values.count).map(values.double(at:))
        }
    }

    /// A list of numbers per entry of column `name`.
    public func readJagged(_ name: String, entries: Range<Int64>) throws(ROOTError) -> JaggedArray<Double> {
        switch self {
        case .tree(let tree): return try tree.branch(name).readJagged(as: Double.self, entries: entries)
        case .rntuple(let ntuple):
            switch try ntuple.read(name, entries: entries) {
            case let .list(offsets, .values(values)):
                return JaggedArray(values: (0 ..< values.count).map(values.double(at:)), offsets: offsets)
            case let .fixed(size, .values(values)):
                return JaggedArray(values: (0 ..< values.count).map(values.double(at:)), offsets: (0 ... values.count / size).map { $0 * size })
            default:
                throw ROOTError(file: ntuple.file.path, object: "\(ntuple.path)/\(name)", reason: .typeMismatch("not a list of numbers per entry"))
            }
        }
    }

    /// `float32` for a float field, `int32[]` for a vector of ints, `float64[3]` for an array of
    /// doubles; nil for anything else.
    static func typeName(of field: RNTupleField, in ntuple: RNTuple) -> String? {
        func scalar(_ field: RNTupleField) -> String? {
            if field.role == .leaf, field.arraySize == 0, field.children.isEmpty, field.columnTypes.count == 1 {
                switch field.columnTypes[0].output {
                case .bool: return "bool"
                case .int8: return "int8"
                case .uint8: return "uint8"
                case .int16: return "int16"
                case .uint16: return "uint16"
                case .int32: return "int32"
                case .uint32: return "uint32"
                case .int64: return "int64"
                case .uint64: return "uint64"
                case .float: return "float32"
                case .double: return "float64"
                case .index, .switch: return nil
                }
            }
            // std::atomic<T> and enums: the value is the single sub-field
            if field.role == .leaf, field.arraySize == 0, field.columnTypes.isEmpty, field.children.count == 1 { return scalar(field.children[0]) }
            return nil
        }
        if let type = scalar(field) { return type }
        if field.role == .collection, field.children.count == 1, let item = scalar(field.children[0]) { return item + "[]" }
        if field.role == .leaf, field.arraySize > 0, field.children.count == 1, let item = scalar(field.children[0]) {
            return item + "[\(field.arraySize)]"
        }
        return nil
    }
}

extension ROOTFile {
    /// The TTree or RNTuple at `path` as a table of columns.
    public func table(_ path: String) throws(ROOTError) -> ROOTTable {
        isRNTuple(path) ? .rntuple(try rntuple(path)) : .tree(try tree(path))
    }
}
