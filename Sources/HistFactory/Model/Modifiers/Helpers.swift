// Small helpers shared by the modifier types.

extension Modifier {
    /// Fails unless the modifier's data has no payload (`null`).
    func requireNoData(path: String) throws {
        guard case .none = data else {
            throw ModelError(.invalidModifier, path: path + ".data", "\(kind.rawValue) modifier '\(name)' must have null data")
        }
    }

    /// The per-bin uncertainties of a shapesys/staterror modifier, checked against the sample length.
    func perBinData(sampleData: [Double], path: String) throws -> [Double] {
        guard case .perBin(let values) = data else {
            throw ModelError(.invalidModifier, path: path + ".data", "\(kind.rawValue) modifier '\(name)' needs an array of per-bin uncertainties")
        }
        guard values.count == sampleData.count else {
            throw ModelError(
                .invalidModifier, path: path + ".data",
                "\(kind.rawValue) modifier '\(name)' has data shape inconsistent with the sample: expected \(sampleData.count) values, found \(values.count)")
        }
        return values
    }
}

extension ParameterSetDefaults {
    /// A scalar Gaussian-constrained nuisance parameter (normsys, histosys): init 0, bounds ±5, aux 0, σ 1.
    static let unitGaussian = ParameterSetDefaults(
        count: 1, isScalar: true, inits: [0], bounds: [-5...5], fixed: [false], constraint: .normal, auxdata: [0], widths: [1],
        allowedKeys: [.inits, .bounds, .fixed, .auxdata])

    /// An unconstrained factor (normfactor, shapefactor): init 1, bounds [0, 10].
    static func freeFactor(count: Int, isScalar: Bool) -> ParameterSetDefaults {
        ParameterSetDefaults(
            count: count, isScalar: isScalar, inits: Array(repeating: 1, count: count), bounds: Array(repeating: 0...10, count: count),
            fixed: Array(repeating: false, count: count), constraint: nil, auxdata: nil, widths: [],
            allowedKeys: [.inits, .bounds, .fixed])
    }
}

/// Entries of a row-wide scalar factor type: one per occurrence, all using the set's single parameter.
func scalarEntries(_ sets: [PlacedModifierSet]) -> [ScalarFactorEntry] {
    sets.flatMap { set in
        set.occurrences.map { ScalarFactorEntry(parameter: set.slice.lowerBound, elements: $0.elements, data: $0.data.lowerBound) }
    }
}

extension ModifierDataFormat {
    private static let numbers = Schema.array(.number, minItems: 1)
    private static func values(_ json: JSONValue?) -> [Double] { json?.arrayValue?.compactMap { $0.numberValue?.double } ?? [] }
    private static func number(_ values: [Double]) -> JSONValue { .array(values.map { .number(JSONNumber($0)) }) }

    /// `null` (normfactor, lumi, shapefactor).
    static let null = ModifierDataFormat(
        schema: .null, decode: { _ in .none }, encode: { if case .none = $0 { .null } else { nil } })

    /// `{"hi": number, "lo": number}` (normsys).
    static let hiLo = ModifierDataFormat(
        schema: .object(ObjectSchema([("lo", .number), ("hi", .number)], required: ["lo", "hi"])),
        decode: { json in .normsys(hi: json["hi"]?.numberValue?.double ?? .nan, lo: json["lo"]?.numberValue?.double ?? .nan) },
        encode: { data in
            guard case .normsys(let hi, let lo) = data else { return nil }
            return ["hi": .number(JSONNumber(hi)), "lo": .number(JSONNumber(lo))]
        })

    /// `{"hi_data": [number], "lo_data": [number]}` (histosys).
    static let templates = ModifierDataFormat(
        schema: .object(ObjectSchema([("lo_data", numbers), ("hi_data", numbers)], required: ["lo_data", "hi_data"])),
        decode: { json in .histosys(hiData: values(json["hi_data"]), loData: values(json["lo_data"])) },
        encode: { data in
            guard case .histosys(let hi, let lo) = data else { return nil }
            return ["hi_data": number(hi), "lo_data": number(lo)]
        })

    /// `[number]`, one per bin (shapesys, staterror).
    static let perBin = ModifierDataFormat(
        schema: numbers, decode: { .perBin(values($0)) },
        encode: { if case .perBin(let v) = $0 { number(v) } else { nil } })
}
