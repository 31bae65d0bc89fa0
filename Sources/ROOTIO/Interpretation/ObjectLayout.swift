/// How one value of an object-valued branch is serialised (§5, §6.4, §10.4 of the format notes):
/// built from the C++ type name and the file's own `TStreamerInfo`s, read by ``ObjectColumnBuilder``.
///
/// `headered` follows uproot's containers: a container or `std::string` written on its own carries
/// a byte count + version; one nested in a sequence does not; the keys and values of a member-wise
/// map share one 6-byte header per side.
indirect enum ObjectLayout: Sendable, Equatable {
    case number(ElementType)
    /// `std::string` (`headered`) or `TString`: a 1-byte length (255 + `u32` for long ones), then bytes.
    case string(headered: Bool)
    /// `vector`, `set`, `list`, `deque`, `RVec`, `bitset`: an `i32` count, then the items.
    case sequence(ObjectLayout, headered: Bool)
    /// `map`/`unordered_map`, member-wise: a count, then all keys, then all values (a tuple per item).
    case map(key: ObjectLayout, value: ObjectLayout, headered: Bool)
    /// A fixed-size C array member `T x[a][b]`: `a*b` items, no header.
    case array(ObjectLayout, dimensions: [Int])
    /// `T* x //[n]`: a flag byte (if `flagged`), then `n` numbers, `n` being the member `count` read before.
    case counted(ElementType, count: String, flagged: Bool = true)
    /// `TArrayC/S/I/L/F/D`: an `i32` count, then the values, no header.
    case tArray(ElementType)
    /// A class described by streamers: byte count + version, then its parts. `streamer` names the
    /// version the parts were built from (`nil` for hand-written streamers).
    case object(className: String, streamer: StreamerVersion?, parts: [ObjectPart])
    /// A class the file has no streamer for: readable only where no value of it is stored (empty
    /// containers); a stored value is an error naming the class.
    case unknown(className: String)
    /// `TObject::fBits` on its own (a split member): `u32`, then a 2-byte process id if
    /// `kIsReferenced` is set; read as the `u32`.
    case tObjectBits

    /// Whether this value carries its own byte count + version when read on its own.
    var hasHeader: Bool {
        switch self {
        case .string(let headered), .sequence(_, let headered), .map(_, _, let headered): headered
        case .object, .unknown: true
        case .number, .array, .counted, .tArray, .tObjectBits: false
        }
    }

    /// Whether a whole entry holding one object of this class lacks the class header: its first
    /// word is not a byte count spanning exactly the entry (classes without `ClassDef` are streamed
    /// bare at the top of a branch; uproot reads them as strided members, without a header).
    func isBare(entry: ByteReader) -> Bool {
        guard case .object(let className, _, _) = self, !Self.versionless.contains(className) else { return false }
        var peek = entry
        guard let word = try? peek.u32() else { return false }
        return word & ObjectReader.byteCountMask == 0 || Int(word & ~ObjectReader.byteCountMask) != entry.remaining - 4
    }

    /// Classes whose hand-written streamers write no byte count + version.
    static let versionless: Set<String> = ["TRef", "TDatime"]

    /// Whether the keys or values of a member-wise map of this type share one 6-byte header (as
    /// uproot's `_has_nested_header`: headered containers and strings only; objects there carry
    /// their own byte count + version each, with no shared header).
    var hasSharedHeaderInMap: Bool {
        switch self {
        case .string(let headered), .sequence(_, let headered), .map(_, _, let headered): headered
        case .object, .unknown, .number, .array, .counted, .tArray, .tObjectBits: false
        }
    }

    /// Fewest bytes one value takes (bounds item counts read from a file before anything is allocated).
    var minimumSize: Int {
        switch self {
        case .number(let type): type.diskSize
        case .string, .counted: 1
        case .sequence, .map, .tArray, .tObjectBits: 4
        case let .array(item, dimensions): dimensions.reduce(1, *) * item.minimumSize
        case .object, .unknown: 2
        }
    }
}

/// One part of a class, in streaming order.
enum ObjectPart: Sendable, Equatable {
    /// A data member: a field of the record.
    case member(name: String, layout: ObjectLayout)
    /// The `TObject` base: version, `fUniqueID`, `fBits` (+ 2 bytes if `kIsReferenced`); not shown,
    /// as uproot does not show it.
    case tObject
    /// Another base class: byte count + version, then its parts (fields of the same record).
    case base(className: String, streamer: StreamerVersion?, parts: [ObjectPart])
    /// The `TObject` part of a `TRef`: its `fUniqueID` is the reference, the field `ref` (as uproot shows it).
    case referenceTObject
    /// Bytes of a hand-written streamer that carry nothing shown (uproot skips them too).
    case skipped(bytes: Int)
}

/// The class version a layout was built from. The data's version (after version 0: the class
/// checksum) must be this one: bytes of another version are never read with this layout.
struct StreamerVersion: Sendable, Equatable {
    var version: Int
    var checkSum: UInt32
    /// Every version of the class the file describes (for the error).
    var available: [Int]

    /// Throws ``ROOTError/Reason/classVersion(className:version:available:)`` unless a class
    /// header of `version` (and `checkSum`, after version 0) is this streamer's.
    func check(_ className: String, version: Int, checkSum: UInt32?) throws(DecodeError) {
        if version == 0 ? checkSum == self.checkSum : version == self.version { return }
        if version != 0, available.contains(version) {
            // the file has that version, but a nested class's layout is chosen before its data are seen
            throw .unsupported("class \(className) version \(version) (nested in several versions; its layout was built from version \(self.version))")
        }
        throw DecodeError(.classVersion(className: className, version: version, available: available))
    }
}

/// Builds ``ObjectLayout``s from C++ type names and the file's class descriptions.
struct ObjectLayoutParser {
    let classes: StreamerTable
    /// Classes being expanded (a class that contains itself cannot be read as columns).
    private var open: [String] = []

    init(classes: StreamerTable) { self.classes = classes }

    /// The layout of a value of C++ type `typeName`; `version`, if known (a branch's
    /// `fClassVersion`), selects the streamer of that version of the class.
    mutating func layout(of typeName: String, headered: Bool = true, version: Int? = nil) throws(DecodeError) -> ObjectLayout {
        // type names come from the file: bound the template nesting before recursing into it
        guard typeName.utf8.count(where: { $0 == UInt8(ascii: "<") }) <= 16 else {
            throw .unsupported("\(typeName.prefix(80))… (templates nested too deep)")
        }
        let name = Self.normalized(typeName)
        if let type = ElementType(typeName: name) { return .number(type) }
        switch name {
        case "string": return .string(headered: headered)
        case "TString": return .string(headered: false)
        case "TArrayC": return .tArray(.int8)
        case "TArrayS": return .tArray(.int16)
        case "TArrayI": return .tArray(.int32)
        case "TArrayL", "TArrayL64": return .tArray(.int64)
        case "TArrayF": return .tArray(.float32)
        case "TArrayD": return .tArray(.float64)
        default: break
        }
        if let (template, arguments) = Self.template(name) {
            switch (template, arguments.count) {
            case ("vector", _), ("set", _), ("list", _), ("deque", _), ("multiset", _), ("unordered_set", _),
                 ("ROOT::VecOps::RVec", _), ("ROOT::RVec", _), ("RVec", _):
                return .sequence(try layout(of: arguments[0], headered: false), headered: headered)
            case ("map", 2...), ("unordered_map", 2...), ("multimap", 2...):
                return .map(key: try layout(of: arguments[0]), value: try layout(of: arguments[1]), headered: headered)
            case ("bitset", 1):
                return .sequence(.number(.bool), headered: headered)
            default:
                break // a class template (ROOT::Math::DisplacementVector3D<...>): its streamer describes it
            }
        }
        return try object(name, version: version)
    }

    /// The layout of a class from its streamer elements; `TRef`, `TRefArray` and `TDatime` have
    /// hand-written streamers, read as uproot's models read them (`scikit-hep/uproot5:
    /// src/uproot/models/TRef.py`, `TDatime.py`).
    private mutating func object(_ className: String, version: Int?) throws(DecodeError) -> ObjectLayout {
        switch className {
        case "TRef":
            return .object(className: className, streamer: nil, parts: [.referenceTObject, .skipped(bytes: 2)]) // then the process id
        case "TDatime":
            return .object(className: className, streamer: nil, parts: [.member(name: "fDatime", layout: .number(.uint32))])
        case "TRefArray":
            return .object(className: className, streamer: nil, parts: [
                .tObject, .member(name: "fName", layout: .string(headered: false)),
                .member(name: "fSize", layout: .number(.int32)), .skipped(bytes: 6),
                .member(name: "refs", layout: .counted(.uint32, count: "fSize", flagged: false)),
            ])
        default:
            guard classes.contains(className) else { return .unknown(className: className) }
            let (streamer, parts) = try parts(of: className, version: version)
            return .object(className: className, streamer: streamer, parts: parts)
        }
    }

    /// The parts of `className` from the streamer of `version` (the first in the file if `nil`).
    private mutating func parts(of className: String, version: Int? = nil) throws(DecodeError) -> (StreamerVersion, [ObjectPart]) {
        guard let streamer = classes.streamer(of: className, version: version) else {
            let available = classes.versions(of: className)
            if let version, !available.isEmpty {
                throw DecodeError(.classVersion(className: className, version: version, available: available))
            }
            throw .unsupported("class \(className) (no streamer in the file)")
        }
        let elements = streamer.elements
        guard !open.contains(className), open.count < 16 else {
            throw .unsupported("class \(className) nests itself (\(open.joined(separator: " > ")))")
        }
        open.append(className)
        defer { open.removeLast() }
        var parts: [ObjectPart] = []
        for element in elements {
            do {
                parts.append(try part(element))
            } catch {
                throw DecodeError(error.reason.prefixed("\(className)::\(element.name) (\(element.typeName), streamer type \(element.type))"))
            }
        }
        let identity = StreamerVersion(version: streamer.version, checkSum: streamer.checkSum, available: classes.versions(of: className))
        return (identity, parts)
    }

    private mutating func part(_ element: StreamerElement) throws(DecodeError) -> ObjectPart {
        let code = element.type
        switch code {
        case 0 where element.name == "TObject", 66:
            return .tObject
        case 0:
            let (streamer, parts) = try parts(of: element.name)
            return .base(className: element.name, streamer: streamer, parts: parts)
        case 67:
            return .base(className: "TNamed", streamer: nil, parts: [.tObject, .member(name: "fName", layout: .string(headered: false)),
                                                      .member(name: "fTitle", layout: .string(headered: false))])
        case 1 ... 6, 8 ... 19:
            guard let type = ElementType(streamerCode: code, title: element.title) else { break }
            return .member(name: element.name, layout: .number(type))
        case StreamerType.fixedArrays:
            guard let type = ElementType(streamerCode: code, title: element.title), !element.dimensions.isEmpty else { break }
            return .member(name: element.name, layout: .array(.number(type), dimensions: element.dimensions))
        case StreamerType.counterArrays:
            guard let type = ElementType(streamerCode: code, title: element.title), let count = element.countName else { break }
            return .member(name: element.name, layout: .counted(type, count: count))
        case 61, 62:
            let layout = try layout(of: element.typeName)
            if !element.dimensions.isEmpty { return .member(name: element.name, layout: .array(layout, dimensions: element.dimensions)) }
            return .member(name: element.name, layout: layout)
        case StreamerType.tString:
            return .member(name: element.name, layout: .string(headered: false))
        case StreamerType.stl, StreamerType.stlString, StreamerType.streamer:
            return .member(name: element.name, layout: try layout(of: element.typeName))
        default:
            break
        }
        throw .unsupported("streamer type \(code) (\(element.typeName))")
    }

    /// `std::` and spaces around template brackets removed: `std::vector<std::string >` → `vector<string>`.
    static func normalized(_ typeName: String) -> String {
        var name = typeName.replacingOccurrences(of: "std::", with: "").trimmingCharacters(in: " ")
        if name.hasPrefix("const ") { name.removeFirst(6) }
        for (from, to) in [("< ", "<"), (" >", ">"), (", ", ","), (" ,", ",")] {
            while name.contains(from) { name = name.replacingOccurrences(of: from, with: to) }
        }
        return name
    }

    /// `map<int,vector<short>>` → ("map", ["int", "vector<short>"]); allocator/comparator arguments kept.
    static func template(_ name: String) -> (String, [String])? {
        guard let open = name.firstIndex(of: "<"), name.hasSuffix(">") else { return nil }
        var arguments: [String] = []
        var depth = 0
        var current = ""
        for character in name[name.index(after: open)...].dropLast() {
            if character == "<" { depth += 1 } else if character == ">" { depth -= 1 }
            if character == ",", depth == 0 {
                arguments.append(current.trimmingCharacters(in: " "))
                current = ""
            } else {
                current.append(character)
            }
        }
        arguments.append(current.trimmingCharacters(in: " "))
        return (String(name[..<open]), arguments)
    }
}
