import _Differentiation

/// The numeric inputs of a model, flattened: nominal yields and modifier data.
///
/// This is what the model's likelihood and expected data are differentiable with respect to, besides
/// the parameters. `Model.inputLayout` says which entry belongs to which channel, sample and
/// modifier. It is its own tangent vector; an empty array stands for a zero tangent.
public struct ModelInputs: Sendable, Equatable, Differentiable, AdditiveArithmetic {
    /// Nominal yield of every (channel, sample, bin) present in the workspace, channels sorted by name,
    /// then samples sorted by name, then bins (see `InputLayout.nominal`).
    public var nominal: [Double]
    /// Data of every modifier occurrence (see `InputLayout.modifierData`): normsys `[hi, lo]`,
    /// histosys `[hi_data…, lo_data…]`, shapesys and staterror the per-bin uncertainties; other types none.
    public var modifierData: [Double]

    public typealias TangentVector = ModelInputs

    /// Inputs with the given flat arrays (lengths must match the model's `inputLayout`).
    public init(nominal: [Double], modifierData: [Double]) {
        self.nominal = nominal
        self.modifierData = modifierData
    }

    public static var zero: ModelInputs { ModelInputs(nominal: [], modifierData: []) }

    public static func + (lhs: ModelInputs, rhs: ModelInputs) -> ModelInputs {
        ModelInputs(nominal: add(lhs.nominal, rhs.nominal, 1), modifierData: add(lhs.modifierData, rhs.modifierData, 1))
    }

    public static func - (lhs: ModelInputs, rhs: ModelInputs) -> ModelInputs {
        ModelInputs(nominal: add(lhs.nominal, rhs.nominal, -1), modifierData: add(lhs.modifierData, rhs.modifierData, -1))
    }

    public mutating func move(by offset: ModelInputs) { self = self + offset }

    /// Whether both arrays of `self` and `other` use the same storage, which makes them equal: an O(1)
    /// test that the inputs passed to a model are (unmodified copies of) its own.
    func sharesStorage(with other: ModelInputs) -> Bool {
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pa.baseAddress == $0.baseAddress } }
        }
        return same(nominal, other.nominal) && same(modifierData, other.modifierData)
    }

    /// `a + sign·b`, where an empty array is a zero of any length.
    private static func add(_ a: [Double], _ b: [Double], _ sign: Double) -> [Double] {
        if b.isEmpty { return a }
        if a.isEmpty { return sign == 1 ? b : b.map { -$0 } }
        precondition(a.count == b.count, "ModelInputs tangents of different lengths")
        var r = a
        for i in r.indices { r[i] += sign * b[i] }
        return r
    }
}

/// Where each value of `ModelInputs` comes from in the workspace.
public struct InputLayout: Sendable, Equatable {
    /// One entry per (channel, sample) present: its bins in `ModelInputs.nominal`.
    public struct NominalEntry: Sendable, Equatable {
        public var channel: String
        public var sample: String
        public var range: Range<Int>
    }

    /// One entry per modifier occurrence: its values in `ModelInputs.modifierData` (possibly empty).
    public struct ModifierEntry: Sendable, Equatable {
        public var channel: String
        public var sample: String
        public var modifier: String
        public var type: String
        public var range: Range<Int>
    }

    /// The (channel, sample) blocks of `ModelInputs.nominal`, in order.
    public var nominal: [NominalEntry]
    /// The modifier occurrences' slices of `ModelInputs.modifierData`, in order.
    public var modifierData: [ModifierEntry]
}
