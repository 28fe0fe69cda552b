/// A small direct-mapped cache from a short word's bytes to its token ids, one per thread
/// (inside `TokenizerScratch`), for WordPiece: natural text repeats a few thousand words so
/// often that most words are found here with one hash and one cache line, instead of a trie
/// walk that misses the cache on every byte.
///
/// Shape: `slotCount` slots of 64 bytes (one cache line): the word zero-padded into three
/// `UInt64` (so words of at most `maxWordBytes` = 24 bytes), its length, the number of ids
/// (at most `maxIDs` = 8), and the ids. A word hashes to one slot; a new word overwrites it.
/// Words or results that do not fit are simply not cached. The cache holds only what the
/// model computed for exactly these bytes, so results never depend on what is cached.
/// 1 MiB per thread (16,384 slots: in the measurements, 4,096 to 32,768 slots ran within noise
/// of each other on dev-en; the top 16k words cover most running words of English text).
public final class PieceCache {
    public static let maxWordBytes = 24
    public static let maxIDs = 8
    static let slotCount = 1 << 14

    /// One slot, laid out in 64 bytes: key words, length, id count, ids.
    struct Slot {
        var k0: UInt64 = 0, k1: UInt64 = 0, k2: UInt64 = 0
        /// Word length in bytes + 1 (0 = empty slot), and the number of ids.
        var length: UInt32 = 0, idCount: UInt32 = 0
        var ids: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    private let slots: UnsafeMutablePointer<Slot>

    public init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(), count: Self.slotCount)
    }

    deinit { slots.deallocate() }

    /// A word's key: its bytes zero-padded into three words.
    public struct Key {
        var k0: UInt64 = 0, k1: UInt64 = 0, k2: UInt64 = 0
        var length: UInt32

        /// The key of `p[range]`, or nil when the word is longer than `maxWordBytes`.
        @inline(__always)
        public init?(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) {
            let n = range.count
            guard n <= PieceCache.maxWordBytes else { return nil }
            length = UInt32(n) + 1
            // Whole 8-byte words by unaligned loads, the tail byte by byte (never past the word).
            let raw = UnsafeRawPointer(p + range.lowerBound)
            var tail = 0
            if n >= 8 { k0 = raw.loadUnaligned(as: UInt64.self); tail = 8 }
            if n >= 16 { k1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self); tail = 16 }
            if n == 24 { k2 = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self); tail = 24 }
            var last: UInt64 = 0
            var i = n
            while i > tail { i -= 1; last = last << 8 | UInt64(raw.load(fromByteOffset: i, as: UInt8.self)) }
            switch tail {
            case 0: k0 = last
            case 8: k1 = last
            case 16: k2 = last
            default: break
            }
        }

        @inline(__always)
        var slot: Int {
            var h = (k0 &* 0x9E37_79B9_7F4A_7C15) ^ (k1 &* 0xC2B2_AE3D_27D4_EB4F) ^ (k2 &* 0x1656_67B1_9E37_79F9) ^ UInt64(length)
            h ^= h >> 29
            h = h &* 0xBF58_476D_1CE4_E5B9
            return Int(truncatingIfNeeded: h >> 50) & (PieceCache.slotCount - 1)
        }
    }

    /// Appends the cached ids of `key` to `ids` and returns true, or returns false.
    @inline(__always)
    public func lookup(_ key: Key, into ids: inout [UInt32]) -> Bool {
        let s = slots + key.slot
        guard s.pointee.length == key.length && s.pointee.k0 == key.k0 && s.pointee.k1 == key.k1 && s.pointee.k2 == key.k2 else { return false }
        let count = Int(s.pointee.idCount)
        // Most words are one piece: append it without the generic bulk append.
        if count == 1 {
            ids.append(s.pointee.ids.0)
            return true
        }
        withUnsafeBytes(of: &s.pointee.ids) { raw in
            ids.append(contentsOf: UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt32.self), count: count))
        }
        return true
    }

    /// Remembers that `key` encodes to `ids[from...]` (ignored when there are more than `maxIDs`).
    @inline(__always)
    public func insert(_ key: Key, ids: [UInt32], from start: Int) {
        let count = ids.count - start
        guard count <= Self.maxIDs else { return }
        let s = slots + key.slot
        s.pointee.k0 = key.k0
        s.pointee.k1 = key.k1
        s.pointee.k2 = key.k2
        s.pointee.length = key.length
        s.pointee.idCount = UInt32(count)
        withUnsafeMutableBytes(of: &s.pointee.ids) { raw in
            let out = raw.baseAddress!.assumingMemoryBound(to: UInt32.self)
            for i in 0..<count { out[i] = ids[start + i] }
        }
    }
}
