import PretextCore

/// A pseudo-random permutation of `0 ..< count` computed element by element in O(1) time and
/// memory: `self[i]` is a bijection of `0 ..< count`, keyed by `key`.
///
/// A balanced Feistel network of four rounds over the smallest even number of bits that
/// covers `count`, with SplitMix64's mixer as the round function; values that land outside
/// `0 ..< count` are walked again through the network (cycle walking), which keeps the map a
/// bijection of the smaller domain. The domain is at most 4 × `count`, so a lookup takes
/// fewer than four walks on average. No state is shared: any element of any epoch's order
/// can be computed by any thread, which is what exact resume and partitioning need.
public struct KeyedPermutation: Sendable {
    public let count: UInt64
    private let halfBits: UInt64
    private let halfMask: UInt64
    private let roundKeys: (UInt64, UInt64, UInt64, UInt64)

    public init(count: UInt64, key: UInt64) {
        self.count = count
        var bits: UInt64 = 2
        while bits < 64 && (UInt64(1) << bits) < count { bits += 2 }
        halfBits = bits / 2
        halfMask = (UInt64(1) << halfBits) - 1
        var k = key
        func nextKey() -> UInt64 { k = KeyedRandom.mix(k &+ 0x9E37_79B9_7F4A_7C15); return k }
        roundKeys = (nextKey(), nextKey(), nextKey(), nextKey())
    }

    /// Element `i` of the permutation (`i < count`).
    @inline(__always)
    public subscript(_ i: UInt64) -> UInt64 {
        precondition(i < count, "permutation index \(i) out of range 0..<\(count)")
        var x = i
        repeat { x = encrypt(x) } while x >= count
        return x
    }

    @inline(__always)
    private func encrypt(_ x: UInt64) -> UInt64 {
        var left = x >> halfBits, right = x & halfMask
        @inline(__always) func round(_ key: UInt64) {
            let f = KeyedRandom.mix(right ^ key) & halfMask
            (left, right) = (right, left ^ f)
        }
        round(roundKeys.0)
        round(roundKeys.1)
        round(roundKeys.2)
        round(roundKeys.3)
        return left << halfBits | right
    }
}
