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
    public init(_ entries: [([UInt8], Int32)]) {
        // Build with per-node dictionaries, then flatten.
        var children: [[UInt8: Int32]] = [[:]]
        var values: [Int32] = [-1]
        var distinct = 0
        for (key, id) in entries {
            var node = 0
            for b in key {
                if let next = children[node][b] {
                    node = Int(next)
                } else {
                    children.append([:])
                    values.append(-1)
                    let next = Int32(children.count - 1)
                    children[node][b] = next
                    node = Int(next)
                }
            }
            if values[node] < 0 { distinct += 1 }
            values[node] = id
        }
        count = distinct
        nodeCount = children.count
        edgeCount = children.reduce(0) { $0 + $1.count }
        rootChildren = .allocate(capacity: 256)
        rootChildren.initialize(repeating: -1, count: 256)
        edgeStart = .allocate(capacity: nodeCount + 1)
        edgeBytes = .allocate(capacity: max(1, edgeCount))
        edgeTargets = .allocate(capacity: max(1, edgeCount))
        value = .allocate(capacity: nodeCount)
        value.initialize(from: values, count: nodeCount)
        var e = 0
        for (k, edges) in children.enumerated() {
            edgeStart[k] = Int32(e)
            for (b, target) in edges.sorted(by: { $0.key < $1.key }) {
                edgeBytes[e] = b
                edgeTargets[e] = target
                if k == 0 { rootChildren[Int(b)] = target }
                e += 1
            }
        }
        edgeStart[nodeCount] = Int32(e)
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
