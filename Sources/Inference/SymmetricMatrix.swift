/// A dense symmetric matrix (row-major storage) with the few factorisations the fitter needs.
public struct SymmetricMatrix: Sendable, Equatable {
    /// Dimension.
    public let size: Int
    /// Row-major elements, `size * size` of them.
    public var elements: [Double]

    /// A zero matrix.
    public init(size: Int) {
        self.size = size
        self.elements = [Double](repeating: 0, count: size * size)
    }

    /// A matrix from row-major elements (symmetrised as `(A + Aᵀ)/2`).
    public init(size: Int, elements: [Double]) {
        precondition(elements.count == size * size, "SymmetricMatrix: \(elements.count) elements for size \(size)")
        self.size = size
        self.elements = elements
        for i in 0..<size {
            for j in (i + 1)..<max(i + 1, size) {
                let mean = 0.5 * (elements[i * size + j] + elements[j * size + i])
                self.elements[i * size + j] = mean
                self.elements[j * size + i] = mean
            }
        }
    }

    /// A matrix from row-major elements that are already symmetric (not checked).
    public init(size: Int, symmetricElements: [Double]) {
        precondition(symmetricElements.count == size * size, "SymmetricMatrix: \(symmetricElements.count) elements for size \(size)")
        self.size = size
        self.elements = symmetricElements
    }

    @inlinable public subscript(row: Int, column: Int) -> Double {
        get { elements[row * size + column] }
        set { elements[row * size + column] = newValue }
    }

    /// Lower Cholesky factor `L` (row-major, `A = L Lᵀ`), or `nil` if the matrix is not positive definite.
    public func choleskyFactor() -> [Double]? {
        let n = size
        var l = [Double](repeating: 0, count: n * n)
        let ok = elements.withUnsafeBufferPointer { a in
            l.withUnsafeMutableBufferPointer { l -> Bool in
                for j in 0..<n {
                    var d = a[j * n + j]
                    for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
                    guard d > 0, d.isFinite else { return false }
                    let ljj = d.squareRoot()
                    l[j * n + j] = ljj
                    for i in (j + 1)..<max(j + 1, n) {
                        var s = a[i * n + j]
                        for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                        l[i * n + j] = s / ljj
                    }
                }
                return true
            }
        }
        return ok ? l : nil
    }

    /// Solves `A x = b` given the Cholesky factor of `A`.
    public static func choleskySolve(factor l: [Double], size n: Int, _ b: [Double]) -> [Double] {
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * y[k] }
            y[i] = s / l[i * n + i]
        }
        return y
    }

    /// Solves `A x = b`, or `nil` if `A` is not positive definite.
    public func solve(_ b: [Double]) -> [Double]? {
        SparseCholesky(self)?.solve(b)
    }

    /// The inverse, or `nil` if the matrix is not positive definite.
    public func inverse() -> SymmetricMatrix? {
        guard let cholesky = SparseCholesky(self) else { return nil }
        var inv = SymmetricMatrix(size: size)
        var unit = [Double](repeating: 0, count: size)
        for j in 0..<size {
            unit[j] = 1
            let column = cholesky.solve(unit)
            unit[j] = 0
            for i in 0..<size { inv[i, j] = column[i] }
        }
        return SymmetricMatrix(size: size, elements: inv.elements)
    }

    /// The sub-matrix on `indices` (rows and columns).
    public func submatrix(_ indices: [Int]) -> SymmetricMatrix {
        var sub = SymmetricMatrix(size: indices.count)
        for (a, i) in indices.enumerated() {
            for (b, j) in indices.enumerated() { sub[a, b] = self[i, j] }
        }
        return sub
    }

    /// The largest absolute diagonal element (1 for an empty matrix): the scale of diagonal shifts.
    public var largestDiagonalMagnitude: Double { (0..<size).map { abs(self[$0, $0]) }.max() ?? 1 }

    /// `attempt(self)` or, when that fails (e.g. not positive definite), `attempt` of the matrix
    /// plus a multiple of the identity: shifts `relativeShift · max(largestDiagonalMagnitude, 1e-300)`,
    /// ×10 per try, while below `maximumShift` and for at most `maximumAttempts` tries. Returns the
    /// result and the shift used (0 if none was needed), `nil` if every try failed.
    public func withDiagonalShift<T>(
        relativeShift: Double, maximumShift: Double = .infinity, maximumAttempts: Int = .max,
        _ attempt: (SymmetricMatrix) -> T?
    ) -> (result: T, shift: Double)? {
        if let result = attempt(self) { return (result, 0) }
        var shift = relativeShift * max(largestDiagonalMagnitude, 1e-300)
        var attempts = 0
        while shift < maximumShift && attempts < maximumAttempts {
            var shifted = self
            for i in 0..<size { shifted[i, i] += shift }
            if let result = attempt(shifted) { return (result, shift) }
            shift *= 10
            attempts += 1
        }
        return nil
    }
}
