#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PretextCore

/// Distinct words (byte strings) and how often each was seen, in bounded memory.
///
/// An open-addressing hash table over a byte arena, as `WordCache`: a word is hashed with
/// XXH64 and compared with `memcmp` against the bytes kept in `arena`, so counting a word
/// already in the table allocates nothing; a new word appends its bytes to the arena.
/// Entries keep their insertion order, which makes every later pass deterministic.
///
/// **Pruning rule.** When the table would hold more than `maxDistinctWords` words, or its
/// arena more than `maxArenaBytes` bytes, the rarest words are dropped: every word whose
/// count is ≤ t, for the smallest count t after which at most 3/4 of each limit remains.
/// The rule looks only at the counts at that moment, which depend only on the inputs and
/// their order, so pruning is deterministic. A pruned word seen again later starts again
/// from zero (its earlier occurrences are lost); pruned words and their occurrences are
/// counted in `prunedWords` and `prunedOccurrences`.
public struct WordCounts: Sendable {
    public let maxDistinctWords: Int
    public let maxArenaBytes: Int

    /// Bytes of every word, back to back, in insertion order.
    private(set) var arena: [UInt8] = []
    private(set) var starts: [Int] = []
    private(set) var lengths: [Int32] = []
    private(set) var hashes: [UInt64] = []
    public private(set) var counts: [UInt64] = []
    /// Entry index + 1 per slot (0 = empty); the size is a power of two.
    private var slots: [Int32]
    private var mask: Int

    /// Words added, pruned ones included.
    public private(set) var occurrences: UInt64 = 0
    /// Distinct words dropped by pruning (a word pruned twice counts twice).
    public private(set) var prunedWords: UInt64 = 0
    /// Occurrences held by the pruned words when they were dropped.
    public private(set) var prunedOccurrences: UInt64 = 0
    /// Times the table was pruned.
    public private(set) var prunings = 0
    /// Largest count threshold a pruning used (0 = never pruned).
    public private(set) var largestPruneThreshold: UInt64 = 0

    /// - Parameters:
    ///   - maxDistinctWords: most words kept (at least 4, at most `Int32.max - 1`).
    ///   - maxArenaBytes: most bytes of word text kept (default: 64 per allowed word).
    public init(maxDistinctWords: Int = 4_000_000, maxArenaBytes: Int? = nil) {
        precondition(maxDistinctWords >= 4 && maxDistinctWords < Int(Int32.max))
        self.maxDistinctWords = maxDistinctWords
        self.maxArenaBytes = maxArenaBytes ?? maxDistinctWords * 64
        slots = [Int32](repeating: 0, count: 1024)
        mask = 1023
    }

    /// Distinct words held.
    public var count: Int { counts.count }

    /// The bytes of word `index`.
    @inline(__always)
    public func withWord<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try arena.withUnsafeBufferPointer { a in
            try body(UnsafeBufferPointer(rebasing: a[starts[index]..<(starts[index] + Int(lengths[index]))]))
        }
    }

    /// The words with their counts, in insertion order (for tests and tools).
    public var words: [(word: [UInt8], count: UInt64)] {
        (0..<count).map { i in (withWord(i) { Array($0) }, counts[i]) }
    }

    /// Counts one occurrence of the `length` bytes at `word`.
    @inline(__always)
    public mutating func add(_ word: UnsafePointer<UInt8>, _ length: Int) {
        occurrences &+= 1
        let hash = XXHash64.hash(UnsafeRawBufferPointer(start: word, count: length))
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            let i = entry - 1
            if hashes[i] == hash && Int(lengths[i]) == length {
                let start = starts[i]
                let equal = arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, word, length) == 0 }
                if equal {
                    counts[i] &+= 1
                    return
                }
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(counts.count + 1)
        starts.append(arena.count)
        lengths.append(Int32(length))
        hashes.append(hash)
        counts.append(1)
        arena.append(contentsOf: UnsafeBufferPointer(start: word, count: length))
        if counts.count > maxDistinctWords || arena.count > maxArenaBytes {
            prune()
        } else if counts.count * 2 > slots.count {
            rehash(slotCount: slots.count * 2)
        }
    }

    /// Counts one occurrence of `word` (convenience for tests).
    public mutating func add(_ word: [UInt8]) {
        word.withUnsafeBufferPointer { add($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
    }

    private mutating func rehash(slotCount: Int) {
        slots = [Int32](repeating: 0, count: slotCount)
        mask = slotCount - 1
        for i in 0..<hashes.count {
            var slot = Int(truncatingIfNeeded: hashes[i]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i + 1)
        }
    }

    /// Drops every word with count ≤ t, t the smallest count leaving at most 3/4 of both limits.
    private mutating func prune() {
        let wordTarget = maxDistinctWords / 4 * 3
        let byteTarget = maxArenaBytes / 4 * 3
        // Words by ascending count; drop whole groups of equal counts until both fit.
        let order = (0..<counts.count).sorted { counts[$0] < counts[$1] }
        var remainingWords = counts.count
        var remainingBytes = arena.count
        var threshold: UInt64 = 0
        var k = 0
        while k < order.count && (remainingWords > wordTarget || remainingBytes > byteTarget) {
            let c = counts[order[k]]
            while k < order.count && counts[order[k]] == c {
                remainingWords -= 1
                remainingBytes -= Int(lengths[order[k]])
                k += 1
            }
            threshold = c
        }
        var newArena: [UInt8] = []
        newArena.reserveCapacity(remainingBytes)
        var newStarts: [Int] = [], newLengths: [Int32] = [], newHashes: [UInt64] = [], newCounts: [UInt64] = []
        newStarts.reserveCapacity(remainingWords)
        newLengths.reserveCapacity(remainingWords)
        newHashes.reserveCapacity(remainingWords)
        newCounts.reserveCapacity(remainingWords)
        for i in 0..<counts.count {
            if counts[i] <= threshold {
                prunedWords += 1
                prunedOccurrences += counts[i]
                continue
            }
            newStarts.append(newArena.count)
            newArena.append(contentsOf: arena[starts[i]..<(starts[i] + Int(lengths[i]))])
            newLengths.append(lengths[i])
            newHashes.append(hashes[i])
            newCounts.append(counts[i])
        }
        arena = newArena
        starts = newStarts
        lengths = newLengths
        hashes = newHashes
        counts = newCounts
        prunings += 1
        largestPruneThreshold = max(largestPruneThreshold, threshold)
        var slotCount = 1024
        while slotCount < remainingWords * 2 { slotCount *= 2 }
        rehash(slotCount: slotCount)
    }
}
