import PretextCore

/// A bounded map from a word's bytes to its ids, for tokenizers whose per-word work is
/// expensive (byte-level BPE). Lookups do not allocate: keys are hashed with XXH64 and
/// compared against bytes kept in an arena. When `capacity` words are stored the cache is
/// cleared (simple, and deterministic: results never depend on what is cached).
struct WordCache {
    private var slots: [UInt64: (keyStart: Int32, keyLength: Int32, idStart: Int32, idLength: Int32)] = [:]
    private var keys: [UInt8] = []
    private var ids: [UInt32] = []
    let capacity: Int

    init(capacity: Int = 50_000) { self.capacity = capacity }

    /// Appends the cached ids of `word` to `out` and returns true, or returns false.
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, into out: inout [UInt32]) -> Bool {
        guard let slot = slots[hash], Int(slot.keyLength) == word.count else { return false }
        let equal = keys.withUnsafeBufferPointer { k in
            memcmp(k.baseAddress! + Int(slot.keyStart), word.baseAddress!, word.count) == 0
        }
        guard equal else { return false }
        out.append(contentsOf: ids[Int(slot.idStart)..<Int(slot.idStart + slot.idLength)])
        return true
    }

    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, ids wordIDs: ArraySlice<UInt32>) {
        if slots.count >= capacity || keys.count > Int(Int32.max) / 2 {
            slots.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
        }
        slots[hash] = (Int32(keys.count), Int32(word.count), Int32(ids.count), Int32(wordIDs.count))
        keys.append(contentsOf: word)
        ids.append(contentsOf: wordIDs)
    }
}

#if canImport(Glibc)
import Glibc
#endif
