/// Appends fixed-width little-endian integers and raw bytes to a growable `[UInt8]`.
///
/// Used to build headers, index and footer. Reuse one writer (call `removeAll`) to avoid
/// reallocating per block.
public struct LittleEndianWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    @inline(__always)
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func append(bytes other: some Collection<UInt8>) { bytes.append(contentsOf: other) }

    public mutating func appendZeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// Reads fixed-width little-endian integers from a byte buffer with bounds checks.
///
/// Every read checks the remaining length first and throws `ByteCursor.OutOfBounds`
/// (with the offset) instead of trapping, so hostile input can never crash a reader.
public struct ByteCursor {
    public let buffer: UnsafeRawBufferPointer
    /// Byte offset of the next read, relative to `buffer`.
    public private(set) var offset: Int

    public struct OutOfBounds: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let wanted: Int
        public let available: Int
        public var description: String {
            "needed \(wanted) bytes at offset \(offset) but only \(available) remain"
        }
    }

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var remaining: Int { buffer.count - offset }

    @inline(__always)
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw OutOfBounds(offset: offset, wanted: size, available: remaining) }
        let v = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: v)
    }

    /// Returns a view of the next `count` bytes and advances past them.
    public mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw OutOfBounds(offset: offset, wanted: count, available: remaining) }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
        offset += count
        return slice
    }

    public mutating func skip(_ count: Int) throws { _ = try take(count) }
}
