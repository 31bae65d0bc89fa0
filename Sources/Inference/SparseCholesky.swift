/// The Cholesky factorisation `P A Pᵀ = L Lᵀ` of a symmetric positive-definite matrix whose rows
/// are mostly sparse, in an order that keeps them sparse.
///
/// HistFactory Hessians are "arrow" shaped: hundreds of per-bin γ parameters couple only to the
/// few systematics of their bin, while a few parameters (lumi, the POI) couple to everything.
/// Eliminating rows with the fewest non-zeros first (dense ones last) leaves the γ rows without
/// fill, so the factorisation costs about (systematics)²·(γ's) rather than n³/3, and solves touch
/// only the non-zeros of `L`.
public struct SparseCholesky: Sendable {
    /// Dimension.
    public let size: Int
    /// `order[k]` is the original index of the k-th eliminated row.
    private let order: [Int]
    /// Row-major `L` in elimination order.
    private let factor: [Double]
    /// Per row of `L`, its non-zero columns left of the diagonal (ascending).
    private let rowNonzeros: [[Int]]
    /// Per column of `L`, its non-zero rows below the diagonal (ascending).
    private let columnNonzeros: [[Int]]

    /// Below this size the plain dense factorisation is used (ordering does not pay off there).
    static let denseLimit = 128

    /// Factorises `a`; `nil` if it is not positive definite.
    public init?(_ a: SymmetricMatrix) {
        let n = a.size
        if n <= Self.denseLimit {
            guard let l = a.choleskyFactor() else { return nil }
            size = n
            order = Array(0..<n)
            factor = l
            rowNonzeros = []
            columnNonzeros = []
            return
        }
        let counts = (0..<n).map { i in (0..<n).reduce(0) { $0 + (a[i, $1] != 0 ? 1 : 0) } }
        let order = (0..<n).sorted { (counts[$0], $0) < (counts[$1], $1) }
        var l = [Double](repeating: 0, count: n * n)
        var rows = [[Int]](repeating: [], count: n)
        var columns = [[Int]](repeating: [], count: n)
        var x = [Double](repeating: 0, count: n)
        let ok = a.elements.withUnsafeBufferPointer { a in
            l.withUnsafeMutableBufferPointer { l -> Bool in
                for i in 0..<n {
                    let pi = order[i]
                    for j in 0..<i { x[j] = a[pi * n + order[j]] }
                    // Row i of L solves L[0..<i, 0..<i]·lᵢ = aᵢ: forward substitution by columns,
                    // skipping zeros.
                    var diagonal = a[pi * n + pi]
                    for j in 0..<i {
                        let v = x[j]
                        if v == 0 { continue }
                        let lij = v / l[j * n + j]
                        x[j] = lij
                        diagonal -= lij * lij
                        for m in columns[j] where m < i { x[m] -= lij * l[m * n + j] }
                    }
                    guard diagonal > 0, diagonal.isFinite else { return false }
                    for j in 0..<i where x[j] != 0 {
                        l[i * n + j] = x[j]
                        rows[i].append(j)
                        columns[j].append(i)
                        x[j] = 0
                    }
                    l[i * n + i] = diagonal.squareRoot()
                }
                return true
            }
        }
        guard ok else { return nil }
        size = n
        self.order = order
        factor = l
        rowNonzeros = rows
        columnNonzeros = columns
    }

    /// Solves `A x = b`.
    public func solve(_ b: [Double]) -> [Double] {
        let n = size
        if n <= Self.denseLimit { return SymmetricMatrix.choleskySolve(factor: factor, size: n, b) }
        var y = order.map { b[$0] }
        factor.withUnsafeBufferPointer { l in
            for i in 0..<n {
                var s = y[i]
                for k in rowNonzeros[i] { s -= l[i * n + k] * y[k] }
                y[i] = s / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = y[i]
                for k in columnNonzeros[i] { s -= l[k * n + i] * y[k] }
                y[i] = s / l[i * n + i]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for (k, i) in order.enumerated() { x[i] = y[k] }
        return x
    }
}
