#if canImport(Glibc)
import Glibc
#endif

/// A byte-wise prefix tree over token strings, built once, read by many threads.
///
/// Nodes live in flat buffers: node k's children are `edgeBytes/edgeTargets[edgeStart[k] ..<
/// edgeStart[k+1]]`, sorted by byte; `value[k]` is the token id ending at k or -1. The root
/// has a dense 256-entry table for its children (first bytes are the widest fan-out).
/// `longestMatch` walks once from a start offset and returns the longest token that is a
/// prefix of the input there — the step WordPiece repeats for every piece.
///
/// A final class over raw buffers allocated once: sharing it between threads and reading it
/// in the hot loop costs no reference counting per access (arrays inside a struct would be
/// retained on every copy, and those atomic counts stop two threads from scaling).
public final class ByteTrie: @unchecked Sendable {
    private let rootChildren: UnsafeMutablePointer<Int32>
    private let edgeStart: UnsafeMutablePointer<Int32>
    private let edgeBytes: UnsafeMutablePointer<UInt8>
    private let edgeTargets: UnsafeMutablePointer<Int32>
    private let value: UnsafeMutablePointer<Int32>
    private let nodeCount: Int
    private let edgeCount: Int
    /// Number of distinct keys.
    public let count: Int

    /// Builds the trie from `(bytes, id)` pairs. A later duplicate key overrides an earlier one.
    ///
    /// Construction sorts the keys once and lays the nodes out breadth-first straight from
    /// the sorted order (the keys below a node are a contiguous run, grouped by their next
    /// byte), so it costs O(total key bytes · log keys) with no per-node containers: a 30k
    /// vocabulary builds in a few milliseconds.
    public init(_ entries: [([UInt8], Int32)]) {
        // Keys flattened into one pool; each with its first 8 bytes as a big-endian number,
        // so most comparisons of the sort are one integer compare (memcmp only on ties).
        var pool: [UInt8] = []
        var bounds: [(start: Int, count: Int)] = []
        bounds.reserveCapacity(entries.count)
        var prefixes: [UInt64] = []
        prefixes.reserveCapacity(entries.count)
        for (key, _) in entries {
            bounds.append((pool.count, key.count))
            pool.append(contentsOf: key)
            var prefix: UInt64 = 0
            for k in 0..<8 { prefix = prefix << 8 | UInt64(k < key.count ? key[k] : 0) }
            prefixes.append(prefix)
        }
        // Sorted by key, then by position, so that the last of equal keys wins.
        var keys: [Int] = pool.withUnsafeBufferPointer { p in
            entries.indices.sorted { a, b in
                if prefixes[a] != prefixes[b] { return prefixes[a] < prefixes[b] }
                let (sa, na) = bounds[a], (sb, nb) = bounds[b]
                let common = min(na, nb)
                let c = common <= 8 ? 0 : memcmp(p.baseAddress! + sa + 8, p.baseAddress! + sb + 8, common - 8)
                if c != 0 { return c < 0 }
                return na != nb ? na < nb : a < b
            }
        }
        // Equal keys are adjacent: keep the last of each run.
        var unique = 0
        for i in keys.indices {
            if unique > 0, bounds[keys[unique - 1]].count == bounds[keys[i]].count,
               pool[bounds[keys[unique - 1]].start..<(bounds[keys[unique - 1]].start + bounds[keys[i]].count)]
                .elementsEqual(pool[bounds[keys[i]].start..<(bounds[keys[i]].start + bounds[keys[i]].count)]) {
                keys[unique - 1] = keys[i]
            } else {
                keys[unique] = keys[i]
                unique += 1
            }
        }
        keys.removeLast(keys.count - unique)
        count = keys.count

        var values: [Int32] = [-1]
        var starts: [Int32] = []
        var bytes: [UInt8] = []
        var targets: [Int32] = []
        // Breadth-first queue of (first key, end key, depth) per node, in node order: every
        // key in keys[first..<end] starts with the node's path of `depth` bytes.
        var queue: [(Int, Int, Int)] = [(0, keys.count, 0)]
        var head = 0
        pool.withUnsafeBufferPointer { pool in
            @inline(__always) func length(_ k: Int) -> Int { bounds[keys[k]].count }
            @inline(__always) func byte(_ k: Int, _ depth: Int) -> UInt8 { pool[bounds[keys[k]].start + depth] }
            while head < queue.count {
                let (lo, hi, depth) = queue[head]
                starts.append(Int32(bytes.count))
                var k = lo
                if k < hi && length(k) == depth {
                    values[head] = entries[keys[k]].1
                    k += 1
                }
                while k < hi {
                    let b = byte(k, depth)
                    var j = k + 1
                    while j < hi && byte(j, depth) == b { j += 1 }
                    bytes.append(b)
                    targets.append(Int32(queue.count))
                    queue.append((k, j, depth + 1))
                    values.append(-1)
                    k = j
                }
                head += 1
            }
        }
        starts.append(Int32(bytes.count))

        nodeCount = queue.count
        edgeCount = bytes.count
        rootChildren = .allocate(capacity: 256)
        rootChildren.initialize(repeating: -1, count: 256)
        edgeStart = .allocate(capacity: nodeCount + 1)
        edgeStart.initialize(from: starts, count: nodeCount + 1)
        edgeBytes = .allocate(capacity: max(1, edgeCount))
        edgeBytes.initialize(from: bytes, count: edgeCount)
        edgeTargets = .allocate(capacity: max(1, edgeCount))
        edgeTargets.initialize(from: targets, count: edgeCount)
        value = .allocate(capacity: nodeCount)
        value.initialize(from: values, count: nodeCount)
        for e in 0..<Int(starts[1]) { rootChildren[Int(bytes[e])] = targets[e] }
    }

    deinit {
        rootChildren.deallocate()
        edgeStart.deallocate()
        edgeBytes.deallocate()
        edgeTargets.deallocate()
        value.deallocate()
    }

    /// The id of exactly `key`, or nil.
    public func id(of key: some Collection<UInt8>) -> Int32? {
        var node: Int32 = 0
        for b in key {
            node = child(node, b)
            if node < 0 { return nil }
        }
        return value[Int(node)] >= 0 ? value[Int(node)] : nil
    }

    @inline(__always)
    private func child(_ node: Int32, _ b: UInt8) -> Int32 {
        if node == 0 { return rootChildren[Int(b)] }
        var lo = Int(edgeStart[Int(node)])
        let end = Int(edgeStart[Int(node) + 1])
        // Lower-bound search while the range is wide: every edge before `lo` is < b.
        var hi = end
        while hi - lo > 8 {
            let mid = (lo + hi) / 2
            if edgeBytes[mid] < b { lo = mid + 1 } else { hi = mid }
        }
        while lo < end {
            let e = edgeBytes[lo]
            if e == b { return edgeTargets[lo] }
            if e > b { return -1 }
            lo += 1
        }
        return -1
    }

    /// The longest token that `bytes[start..<end]` begins with: its id and end offset, or nil.
    @inline(__always)
    public func longestMatch(_ bytes: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (id: Int32, end: Int)? {
        var node: Int32 = 0
        var best: (Int32, Int)? = nil
        var i = start
        while i < end {
            node = child(node, bytes[i])
            if node < 0 { break }
            i += 1
            let v = value[Int(node)]
            if v >= 0 { best = (v, i) }
        }
        return best
    }
}
