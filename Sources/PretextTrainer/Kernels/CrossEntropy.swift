/// Softmax cross-entropy over rows of logits `[rows × classes]` against integer targets; the
/// loss is the mean over the rows. The backward pass writes `dlogits = (softmax − onehot) ·
/// scale` with `scale = 1 / rows` times the caller's loss weight.
public enum CrossEntropy {
    /// Returns the mean loss; `probs` receives the softmax (kept for the backward pass). With
    /// `threads`, rows run on the workers, each row's loss goes to `rowLosses[r]` (`rows`
    /// values, required then) and the mean sums them in row order, as one thread does.
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(probs: UnsafeMutablePointer<T>, logits: UnsafePointer<T>, targets: UnsafePointer<Int32>,
                                                rows: Int, classes v: Int, threads: KernelThreads? = nil,
                                                rowLosses: UnsafeMutablePointer<T>? = nil) -> T {
        func loss(_ r: Int) -> T {
            let z = logits + r * v, p = probs + r * v
            var maxZ = z[0]
            for j in 1..<v where z[j] > maxZ { maxZ = z[j] }
            var sum: T = 0
            for j in 0..<v { let e = T.exp(z[j] - maxZ); p[j] = e; sum += e }
            let inv = 1 / sum
            for j in 0..<v { p[j] *= inv }
            let t = Int(targets[r])
            precondition(t >= 0 && t < v, "cross-entropy target \(t) outside 0..<\(v)")
            return z[t] - maxZ - T.log(sum)
        }
        var total: T = 0
        if let threads, threads.count > 1, let rowLosses {
            threads.forEach(rows) { _, r in rowLosses[r] = loss(r) }
            for r in 0..<rows { total -= rowLosses[r] }
        } else {
            for r in 0..<rows { total -= loss(r) }
        }
        return rows > 0 ? total / T(rows) : 0
    }

    /// How many rows have their target as the arg-max logit (the first maximum wins); with
    /// `threads`, rows run on the workers and mark `rowScratch[r]` (`rows` values).
    @_specialize(exported: true, where T == Float)
    public static func correctPredictions<T: TrainerFloat>(logits: UnsafePointer<T>, targets: UnsafePointer<Int32>, rows: Int, classes v: Int,
                                                           threads: KernelThreads? = nil, rowScratch: UnsafeMutablePointer<T>? = nil) -> Int {
        func correct(_ r: Int) -> Bool {
            let row = logits + r * v
            var best = 0
            for j in 1..<v where row[j] > row[best] { best = j }
            return best == Int(targets[r])
        }
        guard let threads, threads.count > 1, let rowScratch else { return (0..<rows).reduce(0) { $0 + (correct($1) ? 1 : 0) } }
        threads.forEach(rows) { _, r in rowScratch[r] = correct(r) ? 1 : 0 }
        return (0..<rows).reduce(0) { $0 + (rowScratch[$1] == 1 ? 1 : 0) }
    }

    /// `dlogits = (probs − onehot(target)) · weight / rows` (overwrites).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dlogits: UnsafeMutablePointer<T>, probs: UnsafePointer<T>, targets: UnsafePointer<Int32>,
                                                 rows: Int, classes v: Int, weight: T = 1, threads: KernelThreads? = nil) {
        guard rows > 0 else { return }
        let scale = weight / T(rows)
        (threads ?? .serial).forRanges(rows, minimum: 1) { rows in
            for r in rows {
                let p = probs + r * v, d = dlogits + r * v
                for j in 0..<v { d[j] = p[j] * scale }
                d[Int(targets[r])] -= scale
            }
        }
    }
}
