/// The distinct words being merged: each a run of token ids in one flat array, with the
/// word's count. Merging rewrites a word in place and shortens it; words never grow.
struct TrainingWords {
    var symbols: [UInt32] = []
    var starts: [Int] = []
    var lengths: [Int32] = []
    var counts: [Int64] = []

    var count: Int { counts.count }

    /// Starts a new word with count `count`; its symbols follow with `append`.
    mutating func begin(count: Int64) {
        starts.append(symbols.count)
        lengths.append(0)
        counts.append(count)
    }

    mutating func append(_ symbol: UInt32) {
        symbols.append(symbol)
        lengths[lengths.count - 1] += 1
    }

    /// Drops the word begun last (one with fewer than two symbols has no pair to merge).
    mutating func dropLast() {
        symbols.removeSubrange(starts[starts.count - 1]...)
        starts.removeLast()
        lengths.removeLast()
        counts.removeLast()
    }
}
