/// Softmax cross-entropy over rows of logits `[rows × classes]` against integer targets; the
/// loss is the mean over the rows. The backward pass writes `dlogits = (softmax − onehot) ·
/// scale` with `scale = 1 / rows` times the caller's loss weight.
public enum CrossEntropy {
    /// Returns the mean loss; `probs` receives the softmax (kept for the backward pass).
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(probs: UnsafeMutablePointer<T>, logits: UnsafePointer<T>, targets: UnsafePointer<Int32>,
                                                rows: Int, classes v: Int) -> T {
        var total: T = 0
        for r in 0..<rows {
            let z = logits + r * v, p = probs + r * v
            var maxZ = z[0]
            for j in 1..<v where z[j] > maxZ { maxZ = z[j] }
            var sum: T = 0
            for j in 0..<v { let e = T.exp(z[j] - maxZ); p[j] = e; sum += e }
            let inv = 1 / sum
            for j in 0..<v { p[j] *= inv }
            let t = Int(targets[r])
            precondition(t >= 0 && t < v, "cross-entropy target \(t) outside 0..<\(v)")
            total -= z[t] - maxZ - T.log(sum)
        }
        return rows > 0 ? total / T(rows) : 0
    }

    /// `dlogits = (probs − onehot(target)) · weight / rows` (overwrites).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dlogits: UnsafeMutablePointer<T>, probs: UnsafePointer<T>, targets: UnsafePointer<Int32>,
                                                 rows: Int, classes v: Int, weight: T = 1) {
        guard rows > 0 else { return }
        let scale = weight / T(rows)
        for r in 0..<rows {
            let p = probs + r * v, d = dlogits + r * v
            for j in 0..<v { d[j] = p[j] * scale }
            d[Int(targets[r])] -= scale
        }
    }
}
