/// Every adjacent symbol pair seen while learning merges: its count (summed over words,
/// weighted by word counts) and the words it occurs in.
///
/// Pairs get dense indices through an open-addressing table keyed by `left << 32 | right`.
/// A pair's words are a chain of blocks in one shared pool (`[previous block, used,
/// capacity, words…]`, capacities doubling), so a million pairs do not make a million
/// arrays. A word list may hold words that lost the pair since (the learner skips them) but
/// never the same word twice in a row.
struct PairTable {
    private var slotKeys: [UInt64]
    private var slotPairs: [Int32]
    private var shift: UInt64
    private static let empty = UInt64.max

    /// Key of each pair.
    private(set) var keys: [UInt64] = []
    /// Current count of each pair (occurrences × word counts).
    var counts: [Int64] = []
    /// Last block of each pair's word list in `pool`, -1 when empty.
    private var heads: [Int32] = []
    /// Last word added to each pair's list.
    private var lastWord: [Int32] = []
    /// Merge number at which each pair was last marked changed (see `markTouched`).
    private var touchedAt: [Int32] = []
    private var pool: [Int32] = []

    init(expectedPairs: Int = 1 << 16) {
        var bits: UInt64 = 10
        while (1 << bits) < expectedPairs * 2 { bits += 1 }
        slotKeys = [UInt64](repeating: Self.empty, count: 1 << Int(bits))
        slotPairs = [Int32](repeating: -1, count: 1 << Int(bits))
        shift = 64 - bits
    }

    var count: Int { keys.count }

    @inline(__always) static func key(_ left: UInt32, _ right: UInt32) -> UInt64 { UInt64(left) << 32 | UInt64(right) }

    /// The index of pair `key`, added with count 0 when new.
    @inline(__always)
    mutating func index(of key: UInt64) -> Int {
        let mask = slotKeys.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let k = slotKeys[slot]
            if k == key { return Int(slotPairs[slot]) }
            if k == Self.empty { break }
            slot = (slot + 1) & mask
        }
        let index = keys.count
        slotKeys[slot] = key
        slotPairs[slot] = Int32(index)
        keys.append(key)
        counts.append(0)
        heads.append(-1)
        lastWord.append(-1)
        touchedAt.append(-1)
        if keys.count * 2 > slotKeys.count { grow() }
        return index
    }

    private mutating func grow() {
        let size = slotKeys.count * 2
        shift -= 1
        slotKeys = [UInt64](repeating: Self.empty, count: size)
        slotPairs = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for (index, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slotKeys[slot] != Self.empty { slot = (slot + 1) & mask }
            slotKeys[slot] = key
            slotPairs[slot] = Int32(index)
        }
    }

    /// Adds `word` to the word list of `pair` (unless it was the last one added).
    @inline(__always)
    mutating func addWord(_ word: Int32, to pair: Int) {
        if lastWord[pair] == word { return }
        lastWord[pair] = word
        var head = Int(heads[pair])
        if head < 0 || pool[head + 1] == pool[head + 2] {
            let capacity = head < 0 ? 2 : min(Int(pool[head + 2]) * 2, 1 << 16)
            let block = pool.count
            pool.append(Int32(head))
            pool.append(0)
            pool.append(Int32(capacity))
            pool.append(contentsOf: repeatElement(0, count: capacity))
            heads[pair] = Int32(block)
            head = block
        }
        let used = Int(pool[head + 1])
        pool[head + 3 + used] = word
        pool[head + 1] = Int32(used + 1)
    }

    /// Replaces `out` with the words of `pair`'s list (newest block first).
    func words(of pair: Int, into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        var block = Int(heads[pair])
        while block >= 0 {
            let used = Int(pool[block + 1])
            out.append(contentsOf: pool[(block + 3)..<(block + 3 + used)])
            block = Int(pool[block])
        }
    }

    /// Forgets `pair`'s word list (after it was merged; the pool space is not reused).
    mutating func clearWords(of pair: Int) {
        heads[pair] = -1
        lastWord[pair] = -1
    }

    /// Marks `pair` as changed during merge `merge`; true the first time per merge.
    @inline(__always)
    mutating func markTouched(_ pair: Int, merge: Int32) -> Bool {
        if touchedAt[pair] == merge { return false }
        touchedAt[pair] = merge
        return true
    }
}
