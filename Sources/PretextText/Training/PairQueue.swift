/// The merge learner's priority queue of symbol pairs: highest count first, ties broken by
/// the smaller `(left id, right id)` — HF's `BpeTrainer` order.
///
/// Entries are never updated in place (lazy invalidation): a pair whose count grew is pushed
/// again, and an entry whose count no longer matches the pair's count is detected when it
/// is popped (see `MergeLearner`). A plain binary heap over a flat array.
struct PairQueue {
    struct Entry {
        var count: Int64
        /// `left << 32 | right`: comparing keys compares `(left, right)`.
        var key: UInt64
        var pair: Int32
    }

    private var heap: [Entry] = []

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// True when `a` comes out before `b`.
    @inline(__always)
    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.count > b.count || (a.count == b.count && a.key < b.key)
    }

    mutating func reserve(_ n: Int) { heap.reserveCapacity(n) }

    mutating func push(_ entry: Entry) {
        heap.append(entry)
        heap.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            let e = h[i]
            while i > 0 {
                let parent = (i - 1) >> 1
                guard Self.before(e, h[parent]) else { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = e
        }
    }

    mutating func pop() -> Entry? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var c = l
                if l + 1 < n && Self.before(h[l + 1], h[l]) { c = l + 1 }
                guard Self.before(h[c], last) else { break }
                h[i] = h[c]
                i = c
            }
            h[i] = last
        }
        return top
    }
}
