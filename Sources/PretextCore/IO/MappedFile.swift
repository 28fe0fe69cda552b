#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory (`mmap(PROT_READ, MAP_PRIVATE)`).
///
/// Readers take slices of `bytes` instead of copying with `pread`, which saves a copy of
/// every block on the read path. The size is fixed at open (`fstat`); callers bound every
/// offset by `bytes.count`. Caveat of any mapping: if another process truncates the file
/// while it is mapped, touching the lost pages raises SIGBUS — Pretext never modifies a
/// shard after its atomic rename, so only outside interference can cause that.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        let fd = try PosixFile.check("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { _ = close(fd) }
        var st = stat()
        try PosixFile.check("fstat", path) { fstat(fd, &st) }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw SystemCallError(call: "mmap", path: path, errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Bytes `offset..<offset+count`; the caller has checked the range against `bytes.count`.
    @inline(__always)
    public func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && count >= 0 && offset <= bytes.count - count, "slice outside the mapped file")
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }
}
