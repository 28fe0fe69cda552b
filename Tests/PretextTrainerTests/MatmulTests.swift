import Testing
import PretextCore
@testable import PretextTrainer

@Suite struct MatmulTests {
    /// Naive reference: C = alpha·op(A)·op(B) + beta·C, row-major, in Double.
    func reference(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: [Float], _ lda: Int,
                   _ b: [Float], _ ldb: Int, _ beta: Float, _ c: [Float], _ ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * lda + i] : a[i * lda + p]
                    let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                out[i * ldc + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 1, 33), (64, 48, 31), (1, 128, 1)])
    func agreesWithNaiveProductForAllTransposes(_ shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        var rng = KeyedRandom(seed: UInt64(m * 1000 + n * 10 + k), purpose: .testData, index: 0)
        func randoms(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.unitDouble() * 2 - 1) } }
        for ta in [false, true] {
            for tb in [false, true] {
                // Leading dimensions larger than the rows, to exercise strides.
                let (aRows, aCols) = ta ? (k, m) : (m, k)
                let (bRows, bCols) = tb ? (n, k) : (k, n)
                let lda = aCols + 3, ldb = bCols + 1, ldc = n + 2
                let a = randoms(aRows * lda), b = randoms(bRows * ldb), c0 = randoms(m * ldc)
                var c = c0
                try a.withUnsafeBufferPointer { pa in
                    try b.withUnsafeBufferPointer { pb in
                        try c.withUnsafeMutableBufferPointer { pc in
                            try Matmul.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5,
                                             a: pa, lda: lda, b: pb, ldb: ldb, beta: 2, c: pc, ldc: ldc)
                        }
                    }
                }
                let expected = reference(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 2, c0, ldc)
                for i in 0..<m {
                    for j in 0..<n {
                        let x = c[i * ldc + j], y = expected[i * ldc + j]
                        #expect(abs(x - y) <= 1e-4 + 1e-4 * abs(y), "ta \(ta) tb \(tb) at (\(i), \(j)): \(x) vs \(y)")
                    }
                    // Padding columns beyond n are untouched.
                    for j in n..<ldc { #expect(c[i * ldc + j] == c0[i * ldc + j]) }
                }
            }
        }
    }

    @Test func refusesBadShapesBeforeCallingBLAS() {
        let a = [Float](repeating: 1, count: 6), b = [Float](repeating: 1, count: 6)
        var c = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    // A would need 3×3 = 9 floats.
                    #expect(throws: MatmulShapeError.self) { try Matmul.sgemm(m: 3, n: 1, k: 3, a: pa, lda: 3, b: pb, ldb: 1, c: pc, ldc: 1) }
                    // lda below the row length.
                    #expect(throws: MatmulShapeError.self) { try Matmul.sgemm(m: 2, n: 2, k: 3, a: pa, lda: 2, b: pb, ldb: 2, c: pc, ldc: 2) }
                    #expect(throws: MatmulShapeError.self) { try Matmul.sgemm(m: -1, n: 2, k: 3, a: pa, lda: 3, b: pb, ldb: 2, c: pc, ldc: 2) }
                    // Empty products are fine and touch nothing.
                    #expect(throws: Never.self) { try Matmul.sgemm(m: 0, n: 2, k: 3, a: pa, lda: 3, b: pb, ldb: 2, c: pc, ldc: 2) }
                }
            }
        }
    }

    @Test func blasThreadCountIsSettable() throws {
        let before = try Matmul.blasThreads()
        try Matmul.setBlasThreads(1)
        #expect(try Matmul.blasThreads() == 1)
        try Matmul.setBlasThreads(before)
        #expect(try OpenBLAS.shared().libraryPath.hasPrefix("libopenblas"))
    }
}
