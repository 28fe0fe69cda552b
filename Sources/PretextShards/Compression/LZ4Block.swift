import CLZ4

/// A failed liblz4 call, with the sizes involved and the code it returned.
public struct LZ4Error: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let returnCode: Int32
    public let inputLength: Int
    public let outputCapacity: Int
    public var description: String {
        "\(function) returned \(returnCode) (input \(inputLength) bytes, output capacity \(outputCapacity) bytes)"
    }
}

/// The LZ4 block format through liblz4, with every return code checked.
///
/// `compress` uses `LZ4_compress_default` (acceleration 1, the same as `lz4 -1`);
/// `decompress` uses `LZ4_decompress_safe`, which never reads or writes outside the given
/// buffers whatever the input, and the result must have exactly the expected length.
public enum LZ4Block {
    /// Largest compressed size of `length` input bytes (`LZ4_compressBound`); 0 if too large.
    public static func compressBound(_ length: Int) -> Int {
        guard length >= 0, length <= Int(LZ4_MAX_INPUT_SIZE) else { return 0 }
        return Int(LZ4_compressBound(Int32(length)))
    }

    /// Compresses `source` into `destination` (capacity at least `compressBound(source.count)`)
    /// and returns the compressed length.
    public static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        guard source.count <= Int(LZ4_MAX_INPUT_SIZE) else {
            throw LZ4Error(function: "LZ4_compress_default", returnCode: 0, inputLength: source.count, outputCapacity: destination.count)
        }
        if source.isEmpty { return 0 }
        let n = LZ4_compress_default(
            source.baseAddress!.assumingMemoryBound(to: CChar.self),
            destination.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(min(destination.count, Int(Int32.max))))
        guard n > 0 else {
            throw LZ4Error(function: "LZ4_compress_default", returnCode: n, inputLength: source.count, outputCapacity: destination.count)
        }
        return Int(n)
    }

    /// Decompresses `source` into exactly `destination.count` bytes; throws if the data is
    /// malformed or decodes to any other length.
    public static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws {
        if source.isEmpty && destination.isEmpty { return }
        guard !source.isEmpty, source.count <= Int(Int32.max), destination.count <= Int(Int32.max) else {
            throw LZ4Error(function: "LZ4_decompress_safe", returnCode: 0, inputLength: source.count, outputCapacity: destination.count)
        }
        let n = LZ4_decompress_safe(
            source.baseAddress!.assumingMemoryBound(to: CChar.self),
            destination.baseAddress!.assumingMemoryBound(to: CChar.self),
            Int32(source.count), Int32(destination.count))
        guard n == Int32(destination.count) else {
            throw LZ4Error(function: "LZ4_decompress_safe", returnCode: n, inputLength: source.count, outputCapacity: destination.count)
        }
    }
}
