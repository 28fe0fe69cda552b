#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `ByteSource` over bytes `start ..< end` of a regular file: one unit's part of an input.
///
/// Reads with `pread`, so several sources may share nothing but the path; `read(into:)`
/// returns 0 at `end` (or at the file's end, if the file is shorter). Asks the kernel to read
/// ahead (`POSIX_FADV_WILLNEED`) over the whole range once, so a part not in the page cache
/// arrives while the reader works. `path` names the part in messages: the file's path, and
/// `" from byte N"` when the part does not start at the beginning (line numbers a reader
/// reports count from `start`).
public final class FileRangeByteSource: ByteSource {
    public let path: String
    public let filePath: String
    public let start: UInt64
    public let end: UInt64
    private let file: PosixFile
    private var offset: UInt64

    public init(path filePath: String, start: UInt64, end: UInt64) throws {
        precondition(start <= end, "range \(start)..<\(end)")
        self.filePath = filePath
        self.start = start
        self.end = end
        path = start == 0 ? filePath : "\(filePath) from byte \(start)"
        file = try PosixFile(path: filePath, mode: .readOnly)
        offset = start
        if end > start { _ = posix_fadvise(file.descriptor, off_t(start), off_t(end - start), POSIX_FADV_WILLNEED) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < end, buffer.count > 0 else { return 0 }
        let want = Int(min(UInt64(buffer.count), end - offset))
        let n = try file.readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: offset)
        offset += UInt64(n)
        if n == 0 { offset = end }
        return n
    }
}
