/// One member (or base class) of a class, from the file's `TStreamerInfo` records.
struct StreamerElement: Sendable {
    var name: String
    /// The member comment: carries `[n]` counts and Double32/Float16 ranges.
    var title: String
    /// Type code (§6.4 of the format notes).
    var type: Int
    /// C++ type name, e.g. `vector<short>`.
    var typeName: String
    /// Dimensions of a fixed array member (`[2, 3]` for `x[2][3]`), `[]` otherwise.
    var dimensions: [Int] = []
    /// For `T* x //[n]` members: the name of the member holding `n`.
    var countName: String?
}

/// One version of a class as a `TStreamerInfo` describes it.
struct ClassStreamer: Sendable {
    /// `fClassVersion`: the version written in front of the class's data.
    var version: Int
    /// `fCheckSum`: written after version 0 by classes without `ClassDef` (§5.1).
    var checkSum: UInt32
    var elements: [StreamerElement]
}

/// The file's class descriptions: every version of every class, keyed by class name as
/// ``ObjectLayoutParser/normalized(_:)`` spells it (members and branches spell type names
/// differently: spaces, `std::`). A file that grew over several releases of its classes holds
/// several versions of one class; the version its data carry selects the layout.
struct StreamerTable: Sendable {
    private var streamers: [String: [ClassStreamer]] = [:]

    init() {}

    /// Versions in file order; a repeated (class, version) keeps the first.
    init(_ infos: [(className: String, streamer: ClassStreamer)]) {
        for (className, streamer) in infos {
            let name = ObjectLayoutParser.normalized(className)
            if streamers[name]?.contains(where: { $0.version == streamer.version }) == true { continue }
            streamers[name, default: []].append(streamer)
        }
    }

    /// Whether the file describes any version of `className`.
    func contains(_ className: String) -> Bool { streamers[ObjectLayoutParser.normalized(className)] != nil }

    /// The versions of `className` the file describes, in file order.
    func versions(of className: String) -> [Int] {
        streamers[ObjectLayoutParser.normalized(className)]?.map(\.version) ?? []
    }

    /// The streamer of `className` for data of class `version`; with no version known, the first
    /// in the file (the one ROOT wrote when the file was created).
    func streamer(of className: String, version: Int? = nil) -> ClassStreamer? {
        guard let all = streamers[ObjectLayoutParser.normalized(className)] else { return nil }
        guard let version else { return all.first }
        return all.first { $0.version == version }
    }
}

extension ObjectReader {
    /// The StreamerInfo record: a `TList` of `TStreamerInfo`, every version of every class.
    mutating func streamerInfos() throws(DecodeError) -> StreamerTable {
        let header = try versionHeader()
        try tObject()
        _ = try reader.string()
        let n = try reader.count("streamer infos", elementSize: 5)
        var infos: [(className: String, streamer: ClassStreamer)] = []
        for _ in 0 ..< n {
            let item = try objectPointer { (className, stream) throws(DecodeError) in
                guard className == "TStreamerInfo" else { return .other }
                return try stream.streamerInfo()
            }
            if case let .streamerInfo(name, streamer)? = item { infos.append((name, streamer)) }
            _ = try reader.string() // option
        }
        try finish(header.end, "StreamerInfo list")
        return StreamerTable(infos)
    }

    private mutating func streamerInfo() throws(DecodeError) -> StreamedReference {
        let header = try versionHeader()
        let (name, _) = try tNamed()
        let checkSum = try reader.u32()
        let version = Int(try reader.i32())
        let elements = try objectPointer { (className, stream) throws(DecodeError) in
            guard className == "TObjArray" else { return .other }
            let items = try stream.objArray { (className, stream) throws(DecodeError) in
                .streamerElement(try stream.streamerElement(className: className))
            }
            return .streamerElements(items.compactMap { item in
                if case .streamerElement(let element)? = item { return element }
                return nil
            })
        }
        try finish(header.end, "TStreamerInfo")
        guard case .streamerElements(let list)? = elements else {
            return .streamerInfo(name, ClassStreamer(version: version, checkSum: checkSum, elements: []))
        }
        return .streamerInfo(name, ClassStreamer(version: version, checkSum: checkSum, elements: list))
    }

    private mutating func streamerElement(className: String) throws(DecodeError) -> StreamerElement {
        let outer = try versionHeader()
        // TStreamerSTLstring wraps a whole TStreamerSTL part around the TStreamerElement part
        let wrapper = className == "TStreamerSTLstring" ? try versionHeader() : nil
        let header = try versionHeader()
        let (name, title) = try tNamed()
        let type = Int(try reader.i32())
        _ = try reader.i32() // fSize
        _ = try reader.i32() // fArrayLength
        let dimensionCount = Int(try reader.i32())
        var maxIndex: [Int] = []
        let stored = header.version == 1 ? try reader.count("fMaxIndex", elementSize: 4) : 5
        for _ in 0 ..< stored { maxIndex.append(Int(try reader.i32())) }
        let typeName = try reader.string()
        try finish(header.end, "TStreamerElement")
        if let wrapper { try finish(wrapper.end, "TStreamerSTL") }
        var countName: String?
        if className == "TStreamerBasicPointer" || className == "TStreamerLoop" {
            _ = try reader.i32() // fCountVersion
            countName = try reader.string()
        }
        try finish(outer.end, className)
        // bases keep a checksum in fMaxIndex: only arrays (20 + t, or objects with fArrayDim) have dimensions
        let dimensions = type > 0 && (1 ... 5).contains(dimensionCount) && dimensionCount <= maxIndex.count
            ? Array(maxIndex.prefix(dimensionCount)) : []
        // the product bounds every count derived from it (no overflow in items × sizes later)
        let elements = dimensions.reduce(1) { product, n in (1 ..< 1 << 24).contains(n) ? min(product * n, 1 << 24) : 1 << 24 }
        guard elements < 1 << 24 else {
            throw .malformed("streamer element '\(name)' has array dimensions \(dimensions)")
        }
        return StreamerElement(name: name, title: title, type: type, typeName: typeName, dimensions: dimensions, countName: countName)
    }
}

extension ROOTFile {
    /// The file's class descriptions, or an empty table if the record is missing or unreadable
    /// (they only refine how split-object members are read).
    func streamerInfos() -> StreamerTable {
        guard seekInfo > 0, let key = try? readKey(at: seekInfo), let bytes = try? objectBytes(of: key) else { return StreamerTable() }
        let infos = try? bytes.withBytes { raw throws(DecodeError) in
            var stream = ObjectReader(ByteReader(raw, origin: Int(key.keyLength)))
            return try stream.streamerInfos()
        }
        return infos ?? StreamerTable()
    }
}

extension BranchModel {
    /// Attaches the streamer element describing each split member (its C++ type and comment):
    /// `fID` indexes the elements of the version of `fClassName` the branch was written with.
    mutating func attachMembers(_ classes: StreamerTable) {
        self.classes = classes
        if className == "TBranchElement", streamerID >= 0 {
            for owner in [objectClassName, parentClassName].compactMap({ $0 }) {
                let version = owner == objectClassName ? classVersion : nil
                if let elements = classes.streamer(of: owner, version: version)?.elements, streamerID < elements.count {
                    member = elements[streamerID]
                    break
                }
            }
        }
        for i in branches.indices { branches[i].attachMembers(classes) }
    }
}
