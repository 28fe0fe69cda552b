import Testing
@testable import PretextTrainer

/// Every kernel's backward pass against finite differences (Double), odd shapes included.
@Suite struct KernelGradientTests {
    init() throws { _ = try OpenBLAS.shared() }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (4, 2, 1), (7, 3, 5)], [Linear.Layout.outputMajor, .inputMajor])
    func linear(_ shape: (Int, Int, Int), _ layout: Linear.Layout) {
        let (m, i, o) = shape
        var x = GradientCheck.random(m * i, seed: 1), w = GradientCheck.random(o * i, seed: 2), b = GradientCheck.random(o, seed: 3)
        let dy = GradientCheck.random(m * o, seed: 4)
        func run(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: m * o)
            Linear.forward(out: &y, inp: x, weight: w, bias: b, rows: m, inputs: i, outputs: o, layout: layout)
            return y
        }
        var dx = [Double](repeating: 0, count: m * i), dw = [Double](repeating: 0, count: o * i), db = [Double](repeating: 0, count: o)
        Linear.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: dy, inp: x, weight: w, rows: m, inputs: i, outputs: o, layout: layout)
        #expect(GradientCheck.maxError(&x, analytic: dx) { GradientCheck.dot(dy, run($0, w, b)) } < 1e-6)
        #expect(GradientCheck.maxError(&w, analytic: dw) { GradientCheck.dot(dy, run(x, $0, b)) } < 1e-6)
        #expect(GradientCheck.maxError(&b, analytic: db) { GradientCheck.dot(dy, run(x, w, $0)) } < 1e-6)
    }

    @Test(arguments: [(1, 1), (3, 5), (2, 8)])
    func layerNorm(_ shape: (Int, Int)) {
        let (rows, c) = shape
        var x = GradientCheck.random(rows * c, seed: 5, scale: 2), g = GradientCheck.random(c, seed: 6), b = GradientCheck.random(c, seed: 7)
        let dy = GradientCheck.random(rows * c, seed: 8)
        func run(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: rows * c), mean = [Double](repeating: 0, count: rows), rstd = mean
            LayerNorm.forward(out: &y, mean: &mean, rstd: &rstd, inp: x, weight: g, bias: b, rows: rows, channels: c, eps: 1e-5)
            return y
        }
        var mean = [Double](repeating: 0, count: rows), rstd = mean, y = [Double](repeating: 0, count: rows * c)
        LayerNorm.forward(out: &y, mean: &mean, rstd: &rstd, inp: x, weight: g, bias: b, rows: rows, channels: c, eps: 1e-5)
        var dx = [Double](repeating: 0, count: rows * c), dg = [Double](repeating: 0, count: c), db = dg
        LayerNorm.backward(dinp: &dx, dweight: &dg, dbias: &db, dout: dy, inp: x, weight: g, mean: mean, rstd: rstd, rows: rows, channels: c)
        if c > 1 { #expect(GradientCheck.maxError(&x, analytic: dx) { GradientCheck.dot(dy, run($0, g, b)) } < 1e-5) }
        #expect(GradientCheck.maxError(&g, analytic: dg) { GradientCheck.dot(dy, run(x, $0, b)) } < 1e-6)
        #expect(GradientCheck.maxError(&b, analytic: db) { GradientCheck.dot(dy, run(x, g, $0)) } < 1e-6)
    }

    @Test(arguments: [GELU.Variant.exact, .tanh])
    func gelu(_ variant: GELU.Variant) {
        var x = GradientCheck.random(13, seed: 9, scale: 4)
        let dy = GradientCheck.random(13, seed: 10)
        func run(_ x: [Double]) -> [Double] { var y = x; GELU.forward(out: &y, inp: x, count: x.count, variant: variant); return y }
        var dx = x
        GELU.backward(dinp: &dx, dout: dy, inp: x, count: x.count, variant: variant)
        #expect(GradientCheck.maxError(&x, analytic: dx) { GradientCheck.dot(dy, run($0)) } < 1e-6)
    }

    @Test(arguments: [(1, 1, 4, 2, false), (2, 3, 6, 2, false), (2, 5, 4, 1, true), (1, 4, 6, 3, true)])
    func attention(_ shape: (Int, Int, Int, Int, Bool)) {
        let (b, t, h, heads, causal) = shape
        var qkv = GradientCheck.random(b * t * 3 * h, seed: 11)
        let dy = GradientCheck.random(b * t * h, seed: 12)
        // Padding at the end of the last row; with two or more rows and t > 2, the first row is
        // all padding (its outputs are zero and pass no gradient).
        var mask = [Int32](repeating: 1, count: b * t)
        if t > 2 { mask[b * t - 1] = 0 }
        if b > 1 && t > 2 { for j in 0..<t { mask[j] = 0 } }
        func run(_ q: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: b * t * h), probs = [Double](repeating: 0, count: b * heads * t * t)
            Attention.forward(out: &out, probs: &probs, qkv: q, mask: mask, batch: b, length: t, hidden: h, heads: heads, causal: causal)
            return out
        }
        var out = [Double](repeating: 0, count: b * t * h), probs = [Double](repeating: 0, count: b * heads * t * t)
        Attention.forward(out: &out, probs: &probs, qkv: qkv, mask: mask, batch: b, length: t, hidden: h, heads: heads, causal: causal)
        var dqkv = [Double](repeating: 0, count: qkv.count), scratch = [Double](repeating: 0, count: heads * 2 * t * t)
        Attention.backward(dqkv: &dqkv, scratch: &scratch, dout: dy, qkv: qkv, probs: probs, batch: b, length: t, hidden: h, heads: heads)
        #expect(GradientCheck.maxError(&qkv, analytic: dqkv) { GradientCheck.dot(dy, run($0)) } < 1e-5)
    }

    @Test func attentionWithProbabilityDropout() {
        let (b, t, h, heads) = (2, 4, 4, 2)
        var qkv = GradientCheck.random(b * t * 3 * h, seed: 21)
        let dy = GradientCheck.random(b * t * h, seed: 22)
        let drop = Attention.DropoutKey(p: 0.3, seed: 5, key: 9, site: 100)
        func run(_ q: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: b * t * h), probs = [Double](repeating: 0, count: b * heads * t * t)
            var scratch = [Double](repeating: 0, count: 2 * t * t)
            Attention.forward(out: &out, probs: &probs, qkv: q, mask: nil, batch: b, length: t, hidden: h, heads: heads, causal: false,
                              dropout: drop, scratch: &scratch)
            return out
        }
        var out = [Double](repeating: 0, count: b * t * h), probs = [Double](repeating: 0, count: b * heads * t * t)
        var scratch = [Double](repeating: 0, count: heads * 2 * t * t)
        Attention.forward(out: &out, probs: &probs, qkv: qkv, mask: nil, batch: b, length: t, hidden: h, heads: heads, causal: false,
                          dropout: drop, scratch: &scratch)
        var dqkv = [Double](repeating: 0, count: qkv.count)
        Attention.backward(dqkv: &dqkv, scratch: &scratch, dout: dy, qkv: qkv, probs: probs, batch: b, length: t, hidden: h, heads: heads, dropout: drop)
        #expect(GradientCheck.maxError(&qkv, analytic: dqkv) { GradientCheck.dot(dy, run($0)) } < 1e-5)
        // Dropout changes the output (some probabilities were dropped).
        var plain = [Double](repeating: 0, count: b * t * h)
        Attention.forward(out: &plain, probs: &probs, qkv: qkv, mask: nil, batch: b, length: t, hidden: h, heads: heads, causal: false)
        #expect(plain != run(qkv))
    }

    @Test func crossEntropy() {
        let rows = 3, v = 5
        var logits = GradientCheck.random(rows * v, seed: 13, scale: 3)
        let targets: [Int32] = [0, 4, 2]
        func loss(_ z: [Double]) -> Double {
            var p = z
            return CrossEntropy.forward(probs: &p, logits: z, targets: targets, rows: rows, classes: v)
        }
        var probs = logits
        _ = CrossEntropy.forward(probs: &probs, logits: logits, targets: targets, rows: rows, classes: v)
        var d = logits
        CrossEntropy.backward(dlogits: &d, probs: probs, targets: targets, rows: rows, classes: v)
        #expect(GradientCheck.maxError(&logits, analytic: d, loss: loss) < 1e-6)
    }

    @Test func embedding() {
        var table = GradientCheck.random(4 * 3, seed: 14)
        let ids: [Int32] = [3, 0, 3, 1, 3]
        let dy = GradientCheck.random(5 * 3, seed: 15)
        func run(_ t: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: 15)
            Embedding.forward(out: &out, table: t, ids: ids, rows: 5, channels: 3, vocabulary: 4, accumulate: false)
            return out
        }
        var d = [Double](repeating: 0, count: 12)
        Embedding.backward(dtable: &d, dout: dy, ids: ids, rows: 5, channels: 3)
        #expect(GradientCheck.maxError(&table, analytic: d) { GradientCheck.dot(dy, run($0)) } < 1e-6)
    }

    @Test func dropoutIsKeyedAndScaled() {
        var a = [Double](repeating: 1, count: 10_000), b = a
        Dropout.apply(&a, count: a.count, p: 0.1, seed: 1, key: 5, site: 2)
        Dropout.apply(&b, count: b.count, p: 0.1, seed: 1, key: 5, site: 2)
        #expect(a == b)
        let dropped = a.filter { $0 == 0 }.count
        #expect(dropped > 900 && dropped < 1100)
        #expect(a.allSatisfy { $0 == 0 || abs($0 - 1 / 0.9) < 1e-12 })
        var c = [Double](repeating: 1, count: 10_000)
        Dropout.apply(&c, count: c.count, p: 0.1, seed: 1, key: 6, site: 2)
        #expect(a != c)
    }
}
