/// The on-disk type of one value in a branch.
public enum ElementType: Sendable, Equatable, CustomStringConvertible {
    case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64
    /// `Double32_t`, read as `Double`.
    case double32(Truncation)
    /// `Float16_t`, read as `Float`.
    case float16(Truncation)

    /// How a `Double32_t`/`Float16_t` value is packed (§11 of the format notes).
    public enum Truncation: Sendable, Equatable {
        /// A plain 4-byte float.
        case float
        /// A 4-byte unsigned integer `k`, value `k * step + min` (`step = (max - min) / 2^bits`;
        /// computed in the value's own precision, as uproot does).
        case scaled(min: Double, step: Double)
        /// 3 bytes: exponent byte plus `bits`-bit mantissa.
        case mantissa(bits: Int)
    }

    /// Bytes per value on disk.
    public var diskSize: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        case .double32(let t), .float16(let t):
            if case .mantissa = t { 3 } else { 4 }
        }
    }

    /// Bytes per value in memory (the Swift type the values are read as).
    var memorySize: Int {
        switch self {
        case .double32: 8
        case .float16: 4
        default: diskSize
        }
    }

    public var description: String {
        switch self {
        case .bool: "bool"
        case .int8: "int8"
        case .uint8: "uint8"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .uint32: "uint32"
        case .int64: "int64"
        case .uint64: "uint64"
        case .float32: "float32"
        case .float64: "float64"
        case .double32: "Double32"
        case .float16: "Float16"
        }
    }

    /// Type of a `TLeafElement`/streamer element type code (§6.4), arrays folded onto their element.
    init?(streamerCode code: Int, title: String) {
        // fixed arrays (20 + t) and [n] pointers (40 + t) share the element type t
        let base = StreamerType.fixedArrays.contains(code) ? code - StreamerType.fixedArrayOffset
            : StreamerType.counterArrays.contains(code) ? code - StreamerType.counterArrayOffset : code
        switch base {
        case 1: self = .int8
        case 2: self = .int16
        case 3, 6: self = .int32
        case 4, 16: self = .int64
        case 5: self = .float32
        case 8: self = .float64
        case 9: self = .double32(Self.truncation(title: title, isDouble: true))
        case 10, 11: self = .uint8
        case 12: self = .uint16
        case 13, 15: self = .uint32
        case 14, 17: self = .uint64
        case 18: self = .bool
        case 19: self = .float16(Self.truncation(title: title, isDouble: false))
        default: return nil
        }
    }

    /// Type of a C++ type name as found in class names (`vector<float>`).
    init?(typeName raw: String) {
        let name = raw.trimmingCharacters(in: " ")
        switch name {
        case "bool", "Bool_t": self = .bool
        case "char", "Char_t", "int8_t", "signed char": self = .int8
        case "unsigned char", "UChar_t", "uint8_t": self = .uint8
        case "short", "Short_t", "int16_t", "short int": self = .int16
        case "unsigned short", "UShort_t", "uint16_t", "unsigned short int": self = .uint16
        case "int", "Int_t", "int32_t": self = .int32
        case "unsigned int", "UInt_t", "uint32_t", "unsigned": self = .uint32
        case "long", "Long_t", "long long", "Long64_t", "int64_t", "long int", "long long int": self = .int64
        case "unsigned long", "ULong_t", "unsigned long long", "ULong64_t", "uint64_t", "unsigned long int": self = .uint64
        case "float", "Float_t": self = .float32
        case "double", "Double_t": self = .float64
        case "Double32_t": self = .double32(.float)
        case "Float16_t": self = .float16(.mantissa(bits: 12))
        default: return nil
        }
    }

    /// Type of a plain leaf class (`TLeafF`, ...).
    init?(leafClass: String, isUnsigned: Bool, title: String) {
        switch leafClass {
        case "TLeafO": self = .bool
        case "TLeafB": self = isUnsigned ? .uint8 : .int8
        case "TLeafS": self = isUnsigned ? .uint16 : .int16
        case "TLeafI": self = isUnsigned ? .uint32 : .int32
        case "TLeafL", "TLeafG": self = isUnsigned ? .uint64 : .int64
        case "TLeafF": self = .float32
        case "TLeafD": self = .float64
        case "TLeafD32": self = .double32(Self.truncation(title: title, isDouble: true))
        case "TLeafF16": self = .float16(Self.truncation(title: title, isDouble: false))
        default: return nil
        }
    }

    /// Parses `[xmin, xmax(, nbits)]` from a leaf or streamer-element title.
    static func truncation(title: String, isDouble: Bool) -> Truncation {
        var range: [Double]?
        var bits = 32
        var searchStart = title.startIndex
        while let open = title[searchStart...].firstIndex(of: "["),
              let close = title[open...].firstIndex(of: "]") {
            let parts = title[title.index(after: open) ..< close].split(separator: ",").map { String($0) }
            searchStart = title.index(after: close)
            guard parts.count >= 2, let low = parseLimit(parts[0]), let high = parseLimit(parts[1]) else { continue }
            range = [low, high]
            if parts.count >= 3, let n = Int(parts[2].trimmingCharacters(in: " ")) {
                bits = (2...32).contains(n) ? n : 32
            }
            break
        }
        if let range, range[0] < range[1] {
            return .scaled(min: range[0], step: (range[1] - range[0]) / Double(UInt64(1) << bits))
        }
        if range != nil, bits < 15 { return .mantissa(bits: bits) }
        return isDouble ? .float : .mantissa(bits: 12)
    }

    private static func parseLimit(_ raw: String) -> Double? {
        var text = raw.trimmingCharacters(in: " ").lowercased()
        var sign = 1.0
        if text.hasPrefix("-") { sign = -1; text.removeFirst() } else if text.hasPrefix("+") { text.removeFirst() }
        let pi = Double.pi
        switch text {
        case "pi": return sign * pi
        case "2pi", "2*pi", "twopi": return sign * 2 * pi
        case "pi/2": return sign * pi / 2
        case "pi/4": return sign * pi / 4
        default: return Double(text).map { sign * $0 }
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var view = Substring(self)
        while view.first == set { view.removeFirst() }
        while view.last == set { view.removeLast() }
        return String(view)
    }
}
