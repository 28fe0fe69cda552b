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
    let rootChildren: UnsafePointer<Int32>
    let edgeStart: UnsafePointer<Int32>
    let edgeBytes: UnsafePointer<UInt8>
    let edgeTargets: UnsafePointer<Int32>
    let value: UnsafePointer<Int32>
    let nodeCount: Int
    let edgeCount: Int
    /// Number of distinct keys.
    public let count: Int
    /// The memory the buffers live in when they are not the trie's own (a mapped
    /// `TokenizerImage`); nil when the trie allocated them and frees them in `deinit`.
    private let owner: AnyObject?

    /// Keys for a trie, flattened: key k is `pool[starts[k] ..< starts[k + 1]]` with id
    /// `ids[k]`. Filling one costs no allocation per key.
    public struct Keys: Sendable {
        public private(set) var pool: [UInt8] = []
        public private(set) var starts: [Int] = [0]
        public private(set) var ids: [Int32] = []

        public init(capacity: Int = 0, poolCapacity: Int = 0) {
            starts.reserveCapacity(capacity + 1)
            ids.reserveCapacity(capacity)
            pool.reserveCapacity(poolCapacity)
        }

        public var count: Int { ids.count }

        public mutating func append(_ key: some Sequence<UInt8>, id: Int32) {
            pool.append(contentsOf: key)
            starts.append(pool.count)
            ids.append(id)
        }
    }

    /// Builds the trie from `(bytes, id)` pairs. A later duplicate key overrides an earlier one.
    public convenience init(_ entries: [([UInt8], Int32)]) {
        var keys = Keys(capacity: entries.count)
        for (key, id) in entries { keys.append(key, id: id) }
        self.init(keys)
    }

    /// Builds the trie from `keys`. A later duplicate key overrides an earlier one.
    ///
    /// Construction sorts the keys once and lays the nodes out breadth-first straight from
    /// the sorted order (the keys below a node are a contiguous run, grouped by their next
    /// byte), so it costs O(total key bytes · log keys) with no per-node containers, over raw
    /// buffers: a 30k vocabulary builds in about a millisecond.
    public init(_ keys: Keys) {
        let n = keys.count
        let totalBytes = keys.pool.count
        // Every node but the root is entered by one edge, and a key adds at most its length
        // in nodes: both are bounded by the pool size.
        let nodeCapacity = totalBytes + 1
        var nodes = 1, edges = 0, unique = 0
        let starts = UnsafeMutablePointer<Int32>.allocate(capacity: nodeCapacity + 1)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, totalBytes))
        let targets = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, totalBytes))
        let values = UnsafeMutablePointer<Int32>.allocate(capacity: nodeCapacity)
        values.initialize(repeating: -1, count: nodeCapacity)
        keys.pool.withUnsafeBufferPointer { poolBuffer in
            keys.starts.withUnsafeBufferPointer { keyStarts in
                keys.ids.withUnsafeBufferPointer { ids in
                    let pool = poolBuffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
                    @inline(__always) func start(_ k: Int) -> Int { keyStarts[k] }
                    @inline(__always) func length(_ k: Int) -> Int { keyStarts[k + 1] - keyStarts[k] }
                    // Each key's first 8 bytes as a big-endian number, so most comparisons of
                    // the sort are one integer compare (memcmp only on ties).
                    var prefixes = [UInt64](repeating: 0, count: n)
                    for k in 0..<n {
                        var prefix: UInt64 = 0
                        let m = min(8, length(k)), s = start(k)
                        for i in 0..<m { prefix = prefix << 8 | UInt64(pool[s + i]) }
                        prefixes[k] = prefix << (8 * UInt64(8 - m))
                    }
                    // Sorted by key, then by position, so that the last of equal keys wins.
                    var order = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
                        for k in 0..<n { buffer[k] = Int32(k) }
                        count = n
                    }
                    prefixes.withUnsafeBufferPointer { prefix in
                        order.withUnsafeMutableBufferPointer { order in
                            order.sort { x, y in
                                let a = Int(x), b = Int(y)
                                if prefix[a] != prefix[b] { return prefix[a] < prefix[b] }
                                let na = length(a), nb = length(b)
                                let common = min(na, nb)
                                let c = common <= 8 ? 0 : memcmp(pool + start(a) + 8, pool + start(b) + 8, common - 8)
                                if c != 0 { return c < 0 }
                                return na != nb ? na < nb : a < b
                            }
                        }
                    }
                    order.withUnsafeMutableBufferPointer { order in
                        // Equal keys are adjacent: keep the last of each run.
                        for i in 0..<n {
                            let k = Int(order[i])
                            if unique > 0 {
                                let previous = Int(order[unique - 1])
                                if length(previous) == length(k) && memcmp(pool + start(previous), pool + start(k), length(k)) == 0 {
                                    order[unique - 1] = Int32(k)
                                    continue
                                }
                            }
                            order[unique] = Int32(k)
                            unique += 1
                        }
                        // Breadth-first: node `head` covers sorted keys lo[head] ..< hi[head], which
                        // all start with its path of depth[head] bytes; its children are the runs
                        // of those keys grouped by their next byte, numbered in order of creation.
                        let lo = UnsafeMutablePointer<Int32>.allocate(capacity: nodeCapacity)
                        let hi = UnsafeMutablePointer<Int32>.allocate(capacity: nodeCapacity)
                        let depth = UnsafeMutablePointer<Int32>.allocate(capacity: nodeCapacity)
                        defer { lo.deallocate(); hi.deallocate(); depth.deallocate() }
                        lo[0] = 0; hi[0] = Int32(unique); depth[0] = 0
                        var head = 0
                        while head < nodes {
                            let end = Int(hi[head]), d = Int(depth[head])
                            starts[head] = Int32(edges)
                            var k = Int(lo[head])
                            if k < end && length(Int(order[k])) == d {
                                values[head] = ids[Int(order[k])]
                                k += 1
                            }
                            while k < end {
                                let b = pool[start(Int(order[k])) + d]
                                var j = k + 1
                                while j < end && pool[start(Int(order[j])) + d] == b { j += 1 }
                                bytes[edges] = b
                                targets[edges] = Int32(nodes)
                                edges += 1
                                lo[nodes] = Int32(k); hi[nodes] = Int32(j); depth[nodes] = Int32(d + 1)
                                nodes += 1
                                k = j
                            }
                            head += 1
                        }
                        starts[nodes] = Int32(edges)
                    }
                }
            }
        }
        count = unique
        nodeCount = nodes
        edgeCount = edges
        edgeStart = UnsafePointer(starts)
        edgeBytes = UnsafePointer(bytes)
        edgeTargets = UnsafePointer(targets)
        value = UnsafePointer(values)
        let root = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
        root.initialize(repeating: -1, count: 256)
        for e in 0..<Int(starts[1]) { root[Int(bytes[e])] = targets[e] }
        rootChildren = UnsafePointer(root)
        owner = nil
    }

    /// A trie over buffers that `owner` keeps alive (read from a `TokenizerImage`, already
    /// checked by `TokenizerImage.readTrie`: every edge range, target and root entry lies
    /// inside the trie).
    init(count: Int, nodeCount: Int, edgeCount: Int, rootChildren: UnsafePointer<Int32>, edgeStart: UnsafePointer<Int32>,
         edgeBytes: UnsafePointer<UInt8>, edgeTargets: UnsafePointer<Int32>, value: UnsafePointer<Int32>, owner: AnyObject) {
        self.count = count
        self.nodeCount = nodeCount
        self.edgeCount = edgeCount
        self.rootChildren = rootChildren
        self.edgeStart = edgeStart
        self.edgeBytes = edgeBytes
        self.edgeTargets = edgeTargets
        self.value = value
        self.owner = owner
    }

    deinit {
        guard owner == nil else { return }
        UnsafeMutablePointer(mutating: rootChildren).deallocate()
        UnsafeMutablePointer(mutating: edgeStart).deallocate()
        UnsafeMutablePointer(mutating: edgeBytes).deallocate()
        UnsafeMutablePointer(mutating: edgeTargets).deallocate()
        UnsafeMutablePointer(mutating: value).deallocate()
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
