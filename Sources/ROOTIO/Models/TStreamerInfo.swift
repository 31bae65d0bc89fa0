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

extension ObjectReader {
    /// The StreamerInfo record: a `TList` of `TStreamerInfo`, keyed by class name.
    mutating func streamerInfos() throws(DecodeError) -> [String: [StreamerElement]] {
        let header = try versionHeader()
        try tObject()
        _ = try reader.string()
        let n = try reader.count("streamer infos", elementSize: 5)
        var infos: [String: [StreamerElement]] = [:]
        for _ in 0 ..< n {
            let item = try objectPointer { (className, stream) throws(DecodeError) in
                guard className == "TStreamerInfo" else { return .other }
                return try stream.streamerInfo()
            }
            if case let .streamerInfo(name, elements)? = item, infos[name] == nil { infos[name] = elements }
            _ = try reader.string() // option
        }
        try finish(header.end, "StreamerInfo list")
        return infos
    }

    private mutating func streamerInfo() throws(DecodeError) -> StreamedReference {
        let header = try versionHeader()
        let (name, _) = try tNamed()
        _ = try reader.u32() // fCheckSum
        _ = try reader.i32() // fClassVersion
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
        guard case .streamerElements(let list)? = elements else { return .streamerInfo(name, []) }
        return .streamerInfo(name, list)
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
    func streamerInfos() -> [String: [StreamerElement]] {
        guard seekInfo > 0, let key = try? readKey(at: seekInfo), let bytes = try? objectBytes(of: key) else { return [:] }
        let infos = try? bytes.withBytes { raw throws(DecodeError) in
            var stream = ObjectReader(ByteReader(raw, origin: Int(key.keyLength)))
            return try stream.streamerInfos()
        }
        return infos ?? [:]
    }
}

extension BranchModel {
    /// Attaches the streamer element describing each split member (its C++ type and comment).
    mutating func attachMembers(_ infos: [String: [StreamerElement]], classes: [String: [StreamerElement]]) {
        self.classes = classes
        if className == "TBranchElement", streamerID >= 0 {
            for owner in [objectClassName, parentClassName].compactMap({ $0 }) {
                if let elements = infos[owner], streamerID < elements.count {
                    member = elements[streamerID]
                    break
                }
            }
        }
        for i in branches.indices { branches[i].attachMembers(infos, classes: classes) }
    }
}
