/// How the bytes of one branch entry map to values.
enum EntryLayout: Sendable, Equatable {
    /// `count` values per entry, no header (scalars, fixed arrays).
    case fixed(count: Int)
    /// A variable number of items per entry after a `header`-byte prefix; each item is `itemCount` values.
    case jagged(header: Int, itemCount: Int)
    /// `std::vector<std::vector<T>>` (`countedOuter`: 10-byte header with the outer count), or a
    /// `vector<T>` member of a split collection (6-byte header, inner vectors up to the entry end).
    case jagged2(countedOuter: Bool)
    /// One string per entry after a `header`-byte prefix; its length is one byte (255 + `i32` for
    /// long ones), or an `i32` for `char*` members of split objects (`wideLength`).
    case string(header: Int, wideLength: Bool = false)
    /// A leaf list: the leaves' values back to back, unpadded.
    case record([RecordField])
    /// One serialised value per entry (objects, strings in containers, maps, `TArray`s), read by
    /// ``ObjectColumnBuilder``; `typeName` is the C++ type for listings. `itemsToEnd`: a member of
    /// a split collection, its items back to back up to the entry's end (a list per entry).
    /// `entryHeader`: the items follow one byte count + version for the whole entry.
    case objects(ObjectLayout, typeName: String, itemsToEnd: Bool = false, entryHeader: Bool = false)
}

struct RecordField: Sendable, Equatable {
    var name: String
    var type: ElementType
    var count: Int
    var shape: [Int]
}

/// The reading recipe for a branch: element type, entry layout and fixed dimensions.
struct Interpretation: Sendable, Equatable {
    var type: ElementType?
    var layout: EntryLayout
    var shape: [Int]

    /// A short type description for listings (`float[]`, `int32[3]`, `vector<vector<double>>`).
    var typeName: String {
        let dims = shape.map { "[\($0)]" }.joined()
        switch layout {
        case .fixed: return (type?.description ?? "?") + dims
        case .jagged: return (type?.description ?? "?") + "[]" + dims
        case .jagged2: return (type?.description ?? "?") + "[][]"
        case .string: return "string"
        case .record(let fields): return "{" + fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + "}"
        case let .objects(_, typeName, itemsToEnd, _): return ObjectLayoutParser.normalized(typeName) + (itemsToEnd ? "[]" : "")
        }
    }
}

extension BranchModel {
    /// The interpretation of this branch's data, or a reason it cannot be read as numbers/strings.
    func interpretation() throws(DecodeError) -> Interpretation {
        if className == "TBranchElement" || className == "TBranchSTL" { return try elementInterpretation() }
        guard !leaves.isEmpty else { throw .unsupported("branch '\(name)' has no leaves (a group of sub-branches)") }
        if leaves.count > 1 {
            var fields: [RecordField] = []
            for leaf in leaves {
                guard leaf.counterName == nil,
                      let type = ElementType(leafClass: leaf.className, isUnsigned: leaf.isUnsigned, title: leaf.title) else {
                    throw .unsupported("leaf list with leaf '\(leaf.name)' of class \(leaf.className)")
                }
                fields.append(RecordField(name: leaf.name, type: type, count: max(1, leaf.length), shape: Self.dimensions(leaf)))
            }
            return Interpretation(type: nil, layout: .record(fields), shape: [])
        }
        let leaf = leaves[0]
        if leaf.className == "TLeafC" { return Interpretation(type: nil, layout: .string(header: 0), shape: []) }
        let type: ElementType?
        if leaf.className == "TLeafElement" {
            type = leaf.elementType.flatMap { ElementType(streamerCode: $0, title: leaf.title) }
        } else {
            type = ElementType(leafClass: leaf.className, isUnsigned: leaf.isUnsigned, title: leaf.title)
        }
        guard let type else { throw .unsupported("leaf '\(leaf.name)' of class \(leaf.className)") }
        if leaf.counterName != nil {
            return Interpretation(type: type, layout: .jagged(header: 0, itemCount: max(1, leaf.length)),
                                  shape: leaf.length > 1 ? Self.dimensions(leaf) : [])
        }
        return Interpretation(type: type, layout: .fixed(count: max(1, leaf.length)), shape: Self.dimensions(leaf))
    }

    private func elementInterpretation() throws(DecodeError) -> Interpretation {
        let inCollection = elementKind == BranchElementKind.clonesArrayMember || elementKind == BranchElementKind.stlCollectionMember
        if inCollection, let member, member.type == StreamerType.bits, member.name == "fBits" {
            // TObject::fBits of the items: 4 or 6 bytes each (kIsReferenced), so not a plain array
            return Interpretation(type: nil, layout: .objects(.tObjectBits, typeName: "UInt_t", itemsToEnd: true), shape: [])
        }
        do {
            return try numericElementInterpretation()
        } catch let numeric {
            guard let objects = try objectInterpretation() else { throw numeric }
            return objects
        }
    }

    /// Branches of objects, containers of strings or objects, maps, `TArray`s: `nil` for members of
    /// split collections (their items are spread over sub-branches) and where no class is known.
    private func objectInterpretation() throws(DecodeError) -> Interpretation? {
        let inCollection = elementKind == BranchElementKind.clonesArrayMember || elementKind == BranchElementKind.stlCollectionMember
        guard branches.isEmpty else { return nil }
        var parser = ObjectLayoutParser(classes: classes)
        if inCollection {
            // items of a split collection, back to back: TObject bits (4 or 6 bytes each) and objects
            guard let member else { return nil }
            let objectTypes = [61, 62, 61 + StreamerType.fixedArrayOffset, 62 + StreamerType.fixedArrayOffset]
            let isArray = member.type > 62
            guard objectTypes.contains(member.type), !isArray || !member.dimensions.isEmpty else { return nil }
            var layout = try parser.layout(of: member.typeName)
            if isArray { layout = .array(layout, dimensions: member.dimensions) }
            return Interpretation(type: nil, layout: .objects(layout, typeName: member.typeName, itemsToEnd: true), shape: [])
        }
        if let member, streamerType >= 0 {
            guard [61, 62, StreamerType.stl, StreamerType.stlString, StreamerType.streamer].contains(member.type) else { return nil }
            return Interpretation(type: nil, layout: .objects(try parser.layout(of: member.typeName), typeName: member.typeName), shape: [])
        }
        guard let objectClassName, streamerType < 0 || StreamerType.stlLike.contains(streamerType) else { return nil }
        // the branch's fClassVersion is the version its objects were written with (0: no ClassDef, by checksum)
        let layout = try parser.layout(of: objectClassName, version: classVersion.flatMap { $0 > 0 ? $0 : nil })
        return Interpretation(type: nil, layout: .objects(layout, typeName: objectClassName), shape: [])
    }

    private func numericElementInterpretation() throws(DecodeError) -> Interpretation {
        let leaf = leaves.first
        let code = streamerType >= 0 ? streamerType : (leaf?.elementType ?? -1)
        // members of split collections / TClonesArrays: one count per entry, values back to back
        let inCollection = elementKind == BranchElementKind.clonesArrayMember || elementKind == BranchElementKind.stlCollectionMember
        // counter branches of split TClonesArrays and STL collections hold the sizes
        if elementKind == BranchElementKind.clonesArrayCounter || elementKind == BranchElementKind.stlCollectionCounter {
            return Interpretation(type: .int32, layout: .fixed(count: 1), shape: [])
        }
        // Double32/Float16 ranges live in the member comment, not in the leaf title
        let title = member?.title ?? leaf?.title ?? title
        if let member, StreamerType.stlLike.contains(code) {
            if inCollection, ObjectLayoutParser.normalized(member.typeName) == "string" {
                // strings of the items: one header for the entry, then the strings (uproot's AsArray(True, AsString(False)))
                return Interpretation(type: nil, layout: .objects(.string(headered: false), typeName: member.typeName,
                                                                  itemsToEnd: true, entryHeader: true), shape: [])
            }
            if inCollection, let inner = Self.sequenceElement(member.typeName), let type = ElementType(typeName: inner) {
                return Interpretation(type: type, layout: .jagged2(countedOuter: false), shape: [])
            }
            if inCollection {
                // other containers of the items (vector<string>, maps): one entry header, then each
                // item's container without its own header
                var parser = ObjectLayoutParser(classes: classes)
                return Interpretation(type: nil, layout: .objects(try parser.layout(of: member.typeName, headered: false), typeName: member.typeName,
                                                                  itemsToEnd: true, entryHeader: true), shape: [])
            }
            if let layout = try Self.stlInterpretation(member.typeName, header: 6, inCollection: inCollection) { return layout }
        }
        if let objectClassName, code < 0 || StreamerType.stlLike.contains(code) || (leaf?.elementType ?? 0) < 0 {
            let stlHeader = StreamerType.stlLike.contains(code) && streamerID >= 0 ? 6 : 0
            if let layout = try Self.stlInterpretation(objectClassName, header: stlHeader, inCollection: inCollection) {
                return layout
            }
        }
        if code == StreamerType.tString { return Interpretation(type: nil, layout: .string(header: 0), shape: []) }
        if code == StreamerType.charStar { return Interpretation(type: nil, layout: .string(header: 0, wideLength: true), shape: []) }
        guard let type = ElementType(streamerCode: code, title: title) else {
            if let member {
                throw .unsupported("branch '\(name)': member \(member.name) of \(parentClassName ?? objectClassName ?? "its class") has type \(member.typeName) (streamer type \(code))")
            }
            throw .unsupported("branch '\(name)' holds \(objectClassName ?? "objects") (streamer type \(code))")
        }
        if StreamerType.counterArrays.contains(code) {
            return Interpretation(type: type, layout: .jagged(header: 1, itemCount: 1), shape: [])
        }
        let dims = leaf.map { Self.dimensions($0) } ?? []
        let count = max(1, leaf?.length ?? 1)
        if inCollection { return Interpretation(type: type, layout: .jagged(header: 0, itemCount: count), shape: count > 1 ? dims : []) }
        return Interpretation(type: type, layout: .fixed(count: count), shape: count > 1 ? dims : [])
    }

    /// `vector<T>`, `vector<vector<T>>`, `string`.
    private static func stlInterpretation(_ className: String, header: Int, inCollection: Bool) throws(DecodeError) -> Interpretation? {
        let name = className.replacingOccurrences(of: "std::", with: "")
        if name == "string" || name == "TString" {
            return Interpretation(type: nil, layout: .string(header: name == "string" ? header : 0), shape: [])
        }
        guard !inCollection, let inner = sequenceElement(name) else { return nil }
        if let type = ElementType(typeName: inner) {
            return Interpretation(type: type, layout: .jagged(header: 10, itemCount: 1), shape: [])
        }
        if let innermost = sequenceElement(inner), let type = ElementType(typeName: innermost) {
            return Interpretation(type: type, layout: .jagged2(countedOuter: true), shape: [])
        }
        throw .unsupported("\(className)")
    }

    /// The element type name of a sequence container (`vector`, `set`, `list`, `deque`, `RVec`
    /// share the on-disk layout: count then values), without allocator arguments.
    static func sequenceElement(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: " ")
        let containers = ["vector", "set", "list", "deque", "unordered_set", "multiset", "ROOT::VecOps::RVec", "ROOT::RVec", "RVec"]
        for container in containers where trimmed.hasPrefix(container + "<") && trimmed.hasSuffix(">") {
            // the first template argument (an allocator may follow at the top level)
            var depth = 0
            var argument = ""
            for character in trimmed.dropFirst(container.count + 1).dropLast() {
                if character == "<" { depth += 1 } else if character == ">" { depth -= 1 }
                if character == ",", depth == 0 { break }
                argument.append(character)
            }
            return argument.trimmingCharacters(in: " ")
        }
        return nil
    }

    /// Fixed dimensions from a leaf title (`x[2][3]` → [2, 3]); `[n]` counters and Double32 ranges are skipped.
    static func dimensions(_ leaf: LeafModel) -> [Int] {
        var dims: [Int] = []
        var rest = Substring(leaf.title)
        while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
            if let n = Int(rest[rest.index(after: open) ..< close]), n > 0 { dims.append(n) }
            rest = rest[rest.index(after: close)...]
        }
        let product = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        if leaf.length > 1, product != leaf.length { return [leaf.length] }
        return leaf.length > 1 ? dims : []
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
