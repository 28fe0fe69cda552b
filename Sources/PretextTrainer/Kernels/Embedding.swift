/// Token embedding lookup and its gradient (a scatter-add into the table's rows).
public enum Embedding {
    /// `out[r] (+)= table[ids[r]]` for `rows` rows of width `c`.
    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, table: UnsafePointer<T>, ids: UnsafePointer<Int32>,
                                                rows: Int, channels c: Int, vocabulary: Int, accumulate: Bool) {
        for r in 0..<rows {
            let id = Int(ids[r])
            precondition(id >= 0 && id < vocabulary, "token id \(id) outside the embedding table of \(vocabulary)")
            let src = table + id * c, dst = out + r * c
            if accumulate { for j in 0..<c { dst[j] += src[j] } } else { dst.update(from: src, count: c) }
        }
    }

    /// `dtable[ids[r]] += dout[r]`.
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dtable: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, ids: UnsafePointer<Int32>,
                                                 rows: Int, channels c: Int) {
        for r in 0..<rows {
            let dst = dtable + Int(ids[r]) * c, src = dout + r * c
            for j in 0..<c { dst[j] += src[j] }
        }
    }
}
