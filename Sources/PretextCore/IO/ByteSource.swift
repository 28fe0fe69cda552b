#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only stream of bytes: a plain file, standard input, or a decompressor over one.
///
/// `LineReader` pulls from a `ByteSource`, so every corpus reader works on every kind of
/// input. Contract of `read(into:)`: fills at most `buffer.count` bytes (`buffer.count > 0`)
/// starting at `buffer.baseAddress`, returns how many it wrote, and returns 0 only at end of
/// input (after which it keeps returning 0). Errors are thrown, never signalled by a short
/// count, and name `path`. Memory is whatever the implementation documents — never the input
/// size.
public protocol ByteSource: AnyObject {
    /// The input's name for messages: a file path, or `"-"` for standard input.
    var path: String { get }
    /// Reads up to `buffer.count` bytes; 0 means end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A `ByteSource` over a file descriptor: a regular file, a pipe, or standard input.
///
/// Reads go straight into the caller's buffer (no copy, no buffer of its own) through
/// `PosixFile.check`, so `EINTR` is retried and failures become `SystemCallError` naming the
/// path. `bytesRead` counts the bytes delivered so far (for a compressed input: the
/// compressed offset). The descriptor is closed on deinit when the source owns it.
public final class FileByteSource: ByteSource {
    public let path: String
    public let descriptor: Int32
    /// Bytes delivered by `read(into:)` so far.
    public private(set) var bytesRead: UInt64 = 0
    private let ownsDescriptor: Bool
    private var atEnd = false

    /// Opens `path` read-only; `"-"` means standard input (descriptor 0, not closed).
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
        } else {
            descriptor = try PosixFile.check("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
            ownsDescriptor = true
        }
    }

    /// Wraps an already open descriptor; `path` is only its name in messages. With
    /// `closeOnDeinit` the source takes ownership of the descriptor.
    public init(descriptor: Int32, path: String, closeOnDeinit: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.ownsDescriptor = closeOnDeinit
    }

    deinit { if ownsDescriptor { _ = close(descriptor) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if atEnd || buffer.count == 0 { return 0 }
        let n = try PosixFile.check("read", path) { Glibc.read(descriptor, buffer.baseAddress!, buffer.count) }
        if n == 0 { atEnd = true }
        bytesRead += UInt64(n)
        prefetch(after: n)
        return n
    }

    /// Bytes asked of the kernel ahead of the reading position.
    static let prefetchBytes: UInt64 = 8 << 20
    /// Where the prefetched range ends; 0 until the first read, `UInt64.max` when the
    /// descriptor is not a regular file (a pipe cannot be prefetched).
    private var prefetchedUpTo: UInt64 = 0

    /// Keeps about `prefetchBytes` of the file being read in the kernel's hands ahead of the
    /// reader (`POSIX_FADV_WILLNEED`, asynchronous): a corpus not in the page cache then
    /// arrives while the previous chunks are processed instead of one readahead window at a
    /// time. A hint only; its failure changes nothing.
    private func prefetch(after n: Int) {
        if prefetchedUpTo == 0 {
            var status = stat()
            guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
                prefetchedUpTo = .max
                return
            }
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            prefetchedUpTo = bytesRead
        }
        guard n > 0, prefetchedUpTo != .max, prefetchedUpTo < bytesRead + Self.prefetchBytes / 2 else { return }
        let start = max(prefetchedUpTo, bytesRead)
        _ = posix_fadvise(descriptor, off_t(start), off_t(bytesRead + Self.prefetchBytes - start), POSIX_FADV_WILLNEED)
        prefetchedUpTo = bytesRead + Self.prefetchBytes
    }
}
