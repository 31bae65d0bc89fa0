import Testing
@testable import Inference

@Suite struct SparseCholeskyTests {
    /// An arrow-shaped SPD matrix like a HistFactory Hessian: a sparse diagonal block, a few dense rows.
    static func arrow(size n: Int, dense: Int) -> SymmetricMatrix {
        var a = SymmetricMatrix(size: n)
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        for i in 0..<n { a[i, i] = Double(n) }
        for i in 0..<dense {
            for j in 0..<n where j != i {
                let v = next()
                a[i, j] = v
                a[j, i] = v
            }
        }
        for i in dense..<(n - 1) where i % 3 == 0 {
            let v = next()
            a[i, i + 1] = v
            a[i + 1, i] = v
        }
        return a
    }

    @Test(arguments: [5, 200]) func solvesLikeTheDenseFactor(_ n: Int) throws {
        let a = Self.arrow(size: n, dense: 3)
        let b = (0..<n).map { Double($0 % 7) - 3 }
        let x = try #require(SparseCholesky(a)).solve(b)
        let dense = SymmetricMatrix.choleskySolve(factor: try #require(a.choleskyFactor()), size: n, b)
        for i in 0..<n { #expect(abs(x[i] - dense[i]) <= 1e-12 * max(1, abs(dense[i])), "x[\(i)] \(x[i]) vs \(dense[i])") }
        // A x = b.
        for i in 0..<n {
            let row = (0..<n).reduce(0.0) { $0 + a[i, $1] * x[$1] }
            #expect(abs(row - b[i]) <= 1e-10 * Double(n))
        }
    }

    @Test func rejectsIndefinite() {
        var a = Self.arrow(size: 200, dense: 2)
        a[150, 150] = -1
        #expect(SparseCholesky(a) == nil)
    }
}
