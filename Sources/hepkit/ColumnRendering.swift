import ROOTIO

// How `hepkit dump` spells branch values: JSON numbers in their shortest exact form (a `Float`
// as the shortest text that reads back as the same `Float`), non-finite numbers as the strings
// "nan", "inf", "-inf", leaf lists and objects as JSON objects, tuples (map items) as arrays,
// fixed dimensions and containers as nested arrays. Values are
// appended straight to the output text, without building a JSON tree per entry.

/// JSON spelling shared by every ROOT command's output.
enum JSONText {
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    static func number(_ d: Double, into out: inout String) {
        out += d.isFinite ? d.description : nonFinite(d)
    }

    static func number(_ f: Float, into out: inout String) {
        out += f.isFinite ? f.description : nonFinite(Double(f))
    }

    static func nonFinite(_ d: Double) -> String { d.isNaN ? "\"nan\"" : (d > 0 ? "\"inf\"" : "\"-inf\"") }

    /// A CSV field: quoted if it contains a separator, quote or newline.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

extension Column.Values {
    /// Appends value `i` as JSON.
    func renderJSON(at i: Int, into out: inout String) {
        switch self {
        case .bool(let v): out += v[i] ? "true" : "false"
        case .int8(let v): out += String(v[i])
        case .uint8(let v): out += String(v[i])
        case .int16(let v): out += String(v[i])
        case .uint16(let v): out += String(v[i])
        case .int32(let v): out += String(v[i])
        case .uint32(let v): out += String(v[i])
        case .int64(let v): out += String(v[i])
        case .uint64(let v): out += String(v[i])
        case .float(let v): JSONText.number(v[i], into: &out)
        case .double(let v): JSONText.number(v[i], into: &out)
        case .string(let v): JSONText.quote(v[i], into: &out)
        case .record(let fields) where fields.isTuple:
            // a map item or pair: [key, value], as uproot's to_list shows tuples
            out += "["
            for (k, field) in fields.enumerated() {
                if k > 0 { out += "," }
                field.column.renderJSON(entry: i, into: &out)
            }
            out += "]"
        case .record(let fields):
            out += "{"
            for (k, field) in fields.enumerated() {
                if k > 0 { out += "," }
                JSONText.quote(field.name, into: &out)
                out += ":"
                field.column.renderJSON(entry: i, into: &out)
            }
            out += "}"
        }
    }
}

extension Column {
    /// Appends entry `entry` as JSON: a value, an (optionally nested, by ``shape``) array, or an
    /// object for leaf lists.
    func renderJSON(entry: Int, into out: inout String) {
        if let innerOffsets, let offsets {
            out += "["
            for inner in offsets[entry] ..< offsets[entry + 1] {
                if inner > offsets[entry] { out += "," }
                renderArray(innerOffsets[inner] ..< innerOffsets[inner + 1], into: &out)
            }
            out += "]"
        } else if let offsets {
            let items = offsets[entry] ..< offsets[entry + 1]
            guard !shape.isEmpty else { return renderArray(items, into: &out) }
            let perItem = max(1, shape.reduce(1, *))
            out += "["
            for start in stride(from: items.lowerBound, to: items.upperBound, by: perItem) {
                if start > items.lowerBound { out += "," }
                renderNested(from: start, shape[...], into: &out)
            }
            out += "]"
        } else if case .record = values {
            values.renderJSON(at: entry, into: &out)
        } else if shape.isEmpty {
            values.renderJSON(at: entry, into: &out)
        } else {
            renderNested(from: entry * shape.reduce(1, *), shape[...], into: &out)
        }
    }

    /// Entry `entry` as one CSV field (strings as text, everything else as its JSON).
    func csvField(entry: Int) -> String {
        if case .string(let strings) = values, offsets == nil, shape.isEmpty { return JSONText.csvField(strings[entry]) }
        var text = ""
        renderJSON(entry: entry, into: &text)
        return JSONText.csvField(text)
    }

    private func renderArray(_ items: Range<Int>, into out: inout String) {
        out += "["
        for i in items {
            if i > items.lowerBound { out += "," }
            values.renderJSON(at: i, into: &out)
        }
        out += "]"
    }

    private func renderNested(from start: Int, _ dims: ArraySlice<Int>, into out: inout String) {
        guard let first = dims.first else { return values.renderJSON(at: start, into: &out) }
        let inner = dims.dropFirst().reduce(1, *)
        out += "["
        for k in 0 ..< first {
            if k > 0 { out += "," }
            renderNested(from: start + k * inner, dims.dropFirst(), into: &out)
        }
        out += "]"
    }
}

/// A field's values for a range of entries, as `dump` prints them (a TTree branch's `Column`, an
/// RNTuple field's `RNTupleArray`).
protocol DumpedEntries {
    var entryCount: Int { get }
    /// Appends entry `entry` as JSON.
    func renderJSON(entry: Int, into out: inout String)
    /// Entry `entry` as one CSV field.
    func csvField(entry: Int) -> String
}

extension Column: DumpedEntries {}
