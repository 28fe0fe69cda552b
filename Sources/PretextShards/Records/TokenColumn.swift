/// The token ids of a decoded block, read in place from the uncompressed block payload.
///
/// No copy and no widening: element j is assembled from the payload bytes on access
/// (2 or 4 bytes, plain little endian or byte planes, as the header says). Holding a
/// `TokenColumn` keeps the payload alive (copy-on-write array). `copy(_:into:)` converts
/// a range in bulk for loaders that fill batch buffers.
public struct TokenColumn: RandomAccessCollection, Sendable {
    @usableFromInline let payload: [UInt8]
    /// Byte offset of the column in `payload`.
    @usableFromInline let start: Int
    public let count: Int
    /// 2 or 4 bytes per id.
    @usableFromInline let width: Int
    @usableFromInline let shuffled: Bool

    init(payload: [UInt8], start: Int, count: Int, width: Int, shuffled: Bool) {
        self.payload = payload
        self.start = start
        self.count = count
        self.width = width
        self.shuffled = shuffled
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    @inlinable
    public subscript(j: Int) -> UInt32 {
        precondition(j >= 0 && j < count, "token index out of range")
        return payload.withUnsafeBytes { raw in
            let p = raw.baseAddress! + start
            if !shuffled {
                return width == 2
                    ? UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * j, as: UInt16.self)))
                    : UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * j, as: UInt32.self))
            }
            var v: UInt32 = 0
            for plane in 0..<width { v |= UInt32(p.load(fromByteOffset: plane * count + j, as: UInt8.self)) << UInt32(8 * plane) }
            return v
        }
    }

    /// Writes ids `range` to `out` (`range.count` elements).
    public func copy(_ range: Range<Int>, into out: UnsafeMutablePointer<UInt32>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "token range out of bounds")
        if !shuffled && range.count > 0 {
            payload.withUnsafeBytes { raw in
                let src = UnsafeRawBufferPointer(rebasing: raw[(start + range.lowerBound * width)..<(start + range.upperBound * width)])
                _ = ByteShuffle.decode32(src, width: width, count: range.count, shuffled: false, into: out)
            }
        } else {
            for (k, j) in range.enumerated() { out[k] = self[j] }
        }
    }
}
