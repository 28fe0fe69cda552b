/// Whole-file XXH64: the checksum the catalog stores per shard and the fingerprint of inputs.
public enum FileChecksum {
    /// Streams the file through XXH64 in 1 MiB reads; returns the hash and the byte count.
    public static func xxh64(ofFile path: String) throws -> (checksum: UInt64, bytes: UInt64) {
        let file = try PosixFile(path: path, mode: .readOnly)
        defer { try? file.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var h = XXHash64()
        var offset: UInt64 = 0
        while true {
            let n = try buffer.withUnsafeMutableBytes { try file.readSome(into: $0, at: offset) }
            if n == 0 { break }
            buffer.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += UInt64(n)
        }
        return (h.digest(), offset)
    }

    /// XXH64 of bytes `range` of the file (a range past the end is cut at the end); returns
    /// the hash and the bytes hashed.
    public static func xxh64(ofFile path: String, range: Range<UInt64>) throws -> (checksum: UInt64, bytes: UInt64) {
        let file = try PosixFile(path: path, mode: .readOnly)
        defer { try? file.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var h = XXHash64()
        var offset = range.lowerBound
        while offset < range.upperBound {
            let want = Int(min(UInt64(buffer.count), range.upperBound - offset))
            let n = try buffer.withUnsafeMutableBytes { try file.readSome(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]), at: offset) }
            if n == 0 { break }
            buffer.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += UInt64(n)
        }
        return (h.digest(), offset - range.lowerBound)
    }
}
