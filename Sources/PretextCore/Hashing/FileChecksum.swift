/// Whole-file XXH64: the checksum the catalog stores per shard and the fingerprint of inputs.
public enum FileChecksum {
    /// Bytes read at a time: small enough to stay in the L2 cache between the read and the hash,
    /// and to cost a process that hashes a few files 16 pages instead of 256 (a build task
    /// hashes its tokenizer, its input ranges and its store files once each).
    static let chunkBytes = 64 << 10

    /// A read buffer of `chunkBytes`, not zeroed first (every byte hashed was just read).
    private static func withBuffer<T>(_ body: (UnsafeMutableRawBufferPointer) throws -> T) rethrows -> T {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 64)
        defer { buffer.deallocate() }
        return try body(buffer)
    }

    /// Streams the file through XXH64 in 64 KiB reads; returns the hash and the byte count.
    public static func xxh64(ofFile path: String) throws -> (checksum: UInt64, bytes: UInt64) {
        let file = try PosixFile(path: path, mode: .readOnly)
        defer { try? file.close() }
        return try withBuffer { buffer in
            var h = XXHash64()
            var offset: UInt64 = 0
            while true {
                let n = try file.readSome(into: buffer, at: offset)
                if n == 0 { break }
                h.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                offset += UInt64(n)
            }
            return (h.digest(), offset)
        }
    }

    /// XXH64 of bytes `range` of the file (a range past the end is cut at the end); returns
    /// the hash and the bytes hashed.
    public static func xxh64(ofFile path: String, range: Range<UInt64>) throws -> (checksum: UInt64, bytes: UInt64) {
        let file = try PosixFile(path: path, mode: .readOnly)
        defer { try? file.close() }
        return try withBuffer { buffer in
            var h = XXHash64()
            var offset = range.lowerBound
            while offset < range.upperBound {
                let want = Int(min(UInt64(buffer.count), range.upperBound - offset))
                let n = try file.readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: offset)
                if n == 0 { break }
                h.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                offset += UInt64(n)
            }
            return (h.digest(), offset - range.lowerBound)
        }
    }
}
