/// Builds the nested array of a field from its decoded columns (root-format.md §13.5).
///
/// A sub-field is read with the lists of the collections above it, so `vec.pt` gives one list of
/// values per entry. Every offset is checked against the content it indexes.
struct FieldAssembler {
    let ntuple: RNTuple
    let clusters: Range<Int>

    private var records: [FieldRecord] { ntuple.descriptor.fields }

    /// The field `id` with the lists, optionals and fixed arrays of its ancestors around it.
    func read(_ id: Int) throws(DecodeError) -> RNTupleArray {
        var chain = [id]
        while records[chain[0]].parentID != chain[0] { chain.insert(records[chain[0]].parentID, at: 0) }
        return try descend(chain[...], multiplicity: 1, count: entries)
    }

    private func descend(_ chain: ArraySlice<Int>, multiplicity: Int?, count: Int) throws(DecodeError) -> RNTupleArray {
        let id = chain.first!
        let rest = chain.dropFirst()
        guard !rest.isEmpty else { return try subtree(id, multiplicity: multiplicity, count: count) }
        let record = records[id]
        switch record.role {
        case .record:
            return try descend(rest, multiplicity: multiplicity, count: count)
        case .leaf where record.arraySize > 0:
            return .fixed(size: record.arraySize, content: try descend(rest, multiplicity: try times(multiplicity, record.arraySize),
                                                                       count: try checkedProduct(count, record.arraySize, "array items")))
        case .leaf:
            return try descend(rest, multiplicity: multiplicity, count: count)
        case .collection:
            let offsets = try self.offsets(of: id, multiplicity: multiplicity)
            return try wrap(id, offsets: offsets, content: try descend(rest, multiplicity: nil, count: offsets.last ?? 0))
        case .variant, .streamer:
            throw .unsupported("sub-fields of a \(record.role) field ('\(record.typeName)'): read the field itself")
        }
    }

    /// Elements per entry of an array's items: `multiplicity × size`, or unknown.
    private func times(_ multiplicity: Int?, _ size: Int) throws(DecodeError) -> Int? {
        guard let multiplicity else { return nil }
        return try checkedProduct(multiplicity, size, "array items")
    }

    private func children(of id: Int) -> [Int] {
        records.indices.filter { records[$0].parentID == id && $0 != id }
    }

    /// Entries in the clusters read.
    private var entries: Int {
        Int(clusters.reduce(Int64(0)) { $0 + ntuple.descriptor.clusters[$1].entryCount })
    }

    /// The whole field `id` at its own level (one item per element of its parent; `count` items
    /// when the caller knows how many, which a record without members needs).
    private func subtree(_ id: Int, multiplicity: Int?, count: Int?) throws(DecodeError) -> RNTupleArray {
        let record = records[id]
        let kids = children(of: id)
        let columns = ntuple.columnsOfField[id].first ?? []
        switch record.role {
        case .streamer:
            throw .unsupported("field '\(record.name)' of type '\(record.typeName)' is stored with ROOT streamers")
        case .leaf where record.arraySize > 0:
            let inner = try times(multiplicity, record.arraySize)
            if let child = kids.first {
                return .fixed(size: record.arraySize, content: try subtree(child, multiplicity: inner, count: try times(count, record.arraySize)))
            }
            return .fixed(size: record.arraySize, content: .values(try column(id, 0, multiplicity: inner).values))
        case .leaf where columns.isEmpty:
            // std::atomic<T>, enums: the value is the single sub-field
            guard kids.count == 1 else { throw .unsupported("field '\(record.name)' of type '\(record.typeName)' has no columns") }
            return try subtree(kids[0], multiplicity: multiplicity, count: count)
        case .leaf where record.typeName.hasPrefix("ROOT::RNTupleCardinality<"):
            let offsets = try self.offsets(of: id, multiplicity: multiplicity)
            let counts = zip(offsets, offsets.dropFirst()).map { $1 - $0 }
            return .values(record.typeName.contains("uint32") ? .uint32(counts.map { UInt32(truncatingIfNeeded: $0) })
                                                              : .uint64(counts.map { UInt64($0) }))
        case .leaf where columns.count == 2 && ntuple.descriptor.columns[columns[1]].type == .char:
            let offsets = try self.offsets(of: id, multiplicity: multiplicity)
            guard case .uint8(let bytes) = try column(id, 1, multiplicity: nil).values, bytes.count == offsets.last else {
                throw .malformed("string field '\(record.name)': characters do not match the offsets")
            }
            let strings = bytes.withUnsafeBufferPointer { chars in
                zip(offsets, offsets.dropFirst()).map { String(decoding: UnsafeBufferPointer(rebasing: chars[$0 ..< $1]), as: UTF8.self) }
            }
            return .values(.string(strings))
        case .leaf:
            return .values(try column(id, 0, multiplicity: multiplicity).values)
        case .collection:
            let offsets = try self.offsets(of: id, multiplicity: multiplicity)
            let content: RNTupleArray
            if kids.count == 1 {
                content = try subtree(kids[0], multiplicity: nil, count: offsets.last)
            } else {
                content = try recordOf(kids, multiplicity: nil, count: offsets.last ?? 0)
            }
            return try wrap(id, offsets: offsets, content: content)
        case .record:
            return try recordOf(kids, multiplicity: multiplicity, count: count)
        case .variant:
            return try variant(id, kids, multiplicity: multiplicity)
        }
    }

    private func recordOf(_ kids: [Int], multiplicity: Int?, count: Int?) throws(DecodeError) -> RNTupleArray {
        var fields: [(name: String, array: RNTupleArray)] = []
        var origins: [String: String] = [:]
        for kid in kids {
            var name = records[kid].name
            if name.hasPrefix("_"), Int(name.dropFirst()) != nil { name.removeFirst() }
            let array = try subtree(kid, multiplicity: multiplicity, count: count)
            // a base class (":_0") contributes its members to the derived class, as in uproot;
            // a member inherited twice (diamond) is named after the base it came through
            if name.hasPrefix(":_"), case .record(let members, _) = array {
                for member in members {
                    if let clash = fields.firstIndex(where: { $0.name == member.name }), let origin = origins[member.name] {
                        fields[clash].name = origin + "::" + member.name
                        fields.append((records[kid].typeName + "::" + member.name, member.array))
                    } else {
                        fields.append(member)
                        origins[member.name] = records[kid].typeName
                    }
                }
            } else {
                fields.append((name, array))
            }
        }
        let length = fields.first?.array.count ?? count ?? 0
        for field in fields where field.array.count != length {
            throw .malformed("member '\(field.name)' has \(field.array.count) items, its record \(length)")
        }
        return .record(fields: fields, count: length)
    }

    private func wrap(_ id: Int, offsets: [Int], content: RNTupleArray) throws(DecodeError) -> RNTupleArray {
        guard content.count == offsets.last else {
            throw .malformed("collection '\(records[id].name)' indexes \(offsets.last ?? 0) items, its content has \(content.count)")
        }
        let type = records[id].typeName
        if type.hasPrefix("std::optional<") || type.hasPrefix("std::unique_ptr<") {
            for i in 0 ..< offsets.count - 1 where offsets[i + 1] - offsets[i] > 1 {
                throw .malformed("optional field '\(records[id].name)' has \(offsets[i + 1] - offsets[i]) values in item \(i)")
            }
            return .optional(offsets: offsets, content: content)
        }
        return .list(offsets: offsets, content: content)
    }

    private func column(_ id: Int, _ position: Int, multiplicity: Int?) throws(DecodeError) -> DecodedColumn {
        try ntuple.decodeColumn(field: id, position: position, clusters: clusters, multiplicity: multiplicity)
    }

    /// Offsets (from 0, one more than items) from the field's index column, whose values are
    /// end offsets relative to the start of each cluster.
    private func offsets(of id: Int, multiplicity: Int?) throws(DecodeError) -> [Int] {
        let index = try column(id, 0, multiplicity: multiplicity)
        guard index.kind == .index, case .int64(let ends) = index.values else {
            throw .malformed("field '\(records[id].name)' has no index column")
        }
        var offsets = [Int]()
        offsets.reserveCapacity(ends.count + 1)
        offsets.append(0)
        var base = 0
        var i = 0
        for count in index.clusterCounts {
            var previous: Int64 = 0
            for _ in 0 ..< count {
                let end = ends[i]
                guard end >= previous, end <= Int64(Int.max - base) else {
                    throw .malformed("field '\(records[id].name)': offset \(end) after \(previous) (item \(i))")
                }
                offsets.append(base + Int(end))
                previous = end
                i += 1
            }
            base += Int(previous)
        }
        return offsets
    }

    private func variant(_ id: Int, _ kids: [Int], multiplicity: Int?) throws(DecodeError) -> RNTupleArray {
        let switches = try column(id, 0, multiplicity: multiplicity)
        guard switches.kind == .switch, case .uint64(let pairs) = switches.values else {
            throw .malformed("variant field '\(records[id].name)' has no switch column")
        }
        guard kids.count < 256 else { throw .unsupported("variant with \(kids.count) alternatives") }
        var tagCounts = Array(repeating: 0, count: kids.count)
        for i in 0 ..< pairs.count / 2 where pairs[2 * i + 1] >= 1 && pairs[2 * i + 1] <= UInt64(kids.count) {
            tagCounts[Int(pairs[2 * i + 1]) - 1] += 1
        }
        var alternatives: [RNTupleArray] = []
        for (k, kid) in kids.enumerated() { alternatives.append(try subtree(kid, multiplicity: nil, count: tagCounts[k])) }
        var tags = [UInt8](), indices = [Int]()
        tags.reserveCapacity(pairs.count / 2)
        indices.reserveCapacity(pairs.count / 2)
        var base = Array(repeating: 0, count: kids.count)
        var i = 0
        for count in switches.clusterCounts {
            var seen = Array(repeating: 0, count: kids.count)
            for _ in 0 ..< count {
                let local = pairs[2 * i], tag = pairs[2 * i + 1]
                i += 1
                guard tag <= UInt64(kids.count) else { throw .malformed("variant tag \(tag) of \(kids.count) alternatives") }
                tags.append(UInt8(tag))
                guard tag > 0 else { indices.append(0); continue }
                let k = Int(tag) - 1
                guard local < UInt64(alternatives[k].count - base[k]) else {
                    throw .malformed("variant index \(local) beyond alternative \(tag) (\(alternatives[k].count - base[k]) items)")
                }
                indices.append(base[k] + Int(local))
                seen[k] += 1
            }
            for k in base.indices { base[k] += seen[k] }
        }
        return .variant(tags: tags, indices: indices, alternatives: alternatives)
    }
}
