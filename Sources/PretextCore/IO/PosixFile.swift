#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor with checked positional I/O.
///
/// Every call goes through `check`, which retries `EINTR` and turns `-1` into a
/// `SystemCallError` naming the call and the path. `readExactly` and `writeAll` loop over
/// short transfers; a read that reaches end of file early is reported as `ShortRead`.
/// The descriptor is closed by `close()` or, as a fallback, on deinit.
public final class PosixFile: @unchecked Sendable {
    public let path: String
    public private(set) var descriptor: Int32

    /// Thrown when a positional read meets end of file before `count` bytes.
    public struct ShortRead: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let offset: UInt64
        public let wanted: Int
        public let got: Int
        public var description: String {
            "\(path): unexpected end of file reading \(wanted) bytes at offset \(offset) (got \(got))"
        }
    }

    public enum Mode: Sendable {
        case readOnly
        /// Create or truncate, write only.
        case createTruncate
        /// Create or truncate, read and write.
        case createReadWrite
        /// Create if missing, write only, every write at the end.
        case append
    }

    public init(path: String, mode: Mode) throws {
        self.path = path
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY | O_CLOEXEC
        case .createTruncate: flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        case .createReadWrite: flags = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC
        case .append: flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC
        }
        descriptor = try Self.check("open", path) { open(path, flags, 0o644) }
    }

    /// Wraps an inherited descriptor (not closed on deinit unless `owned`).
    private init(path: String, descriptor: Int32, owned: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.owned = owned
    }

    private var owned = true

    /// Standard output (fd 1), never closed.
    public static let standardOutput = PosixFile(path: "<stdout>", descriptor: 1, owned: false)

    deinit { if descriptor >= 0 && owned { _ = Glibc.close(descriptor) } }

    /// Runs a POSIX call, retrying on EINTR, throwing on -1.
    @discardableResult
    public static func check<T: BinaryInteger>(_ call: String, _ path: String, _ body: () -> T) throws -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = errno
            if e == EINTR { continue }
            throw SystemCallError(call: call, path: path, errno: e)
        }
    }

    /// The file's size in bytes (`fstat`).
    public func size() throws -> UInt64 {
        var st = stat()
        try Self.check("fstat", path) { fstat(descriptor, &st) }
        return UInt64(st.st_size)
    }

    /// Reads exactly `buffer.count` bytes at `offset` or throws (`ShortRead` at end of file).
    public func readExactly(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < buffer.count {
            let n = try Self.check("pread", path) {
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            }
            if n == 0 { throw ShortRead(path: path, offset: offset, wanted: buffer.count, got: done) }
            done += n
        }
    }

    /// The whole file (for small files such as configurations).
    public func readAll() throws -> [UInt8] { try read(count: Int(try size()), at: 0) }

    /// Reads `count` bytes at `offset` into a new array.
    public func read(count: Int, at offset: UInt64) throws -> [UInt8] {
        // Read straight into the array's storage: zeroing it first would touch every page twice.
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readExactly(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (0 at end of file).
    public func readSome(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        try Self.check("pread", path) { pread(descriptor, buffer.baseAddress!, buffer.count, off_t(offset)) }
    }

    /// Appends all of `bytes` at the current position.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = try Self.check("write", path) { write(descriptor, bytes.baseAddress! + done, bytes.count - done) }
            done += n
        }
    }

    public func writeAll(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try writeAll($0) } }

    /// Flushes data and metadata to stable storage.
    public func sync() throws { try Self.check("fsync", path) { fsync(descriptor) } }

    public func close() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        // close is not retried on EINTR (the descriptor is gone either way on Linux).
        if Glibc.close(fd) == -1 { throw SystemCallError(call: "close", path: path, errno: errno) }
    }

    /// Atomically renames `from` to `to` (same file system).
    public static func rename(_ from: String, to: String) throws {
        try check("rename", "\(from) -> \(to)") { Glibc.rename(from, to) }
    }

    /// Removes a file; a missing file is not an error.
    public static func removeIfPresent(_ path: String) throws {
        if unlink(path) == -1 && errno != ENOENT { throw SystemCallError(call: "unlink", path: path, errno: errno) }
    }

    /// Writes `bytes` to `path` atomically: into `path.partial`, fsync, rename (the caller
    /// syncs the directory when the rename itself must survive a crash).
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let partial = path + ".partial"
        let file = try PosixFile(path: partial, mode: .createTruncate)
        try file.writeAll(bytes)
        try file.sync()
        try file.close()
        try rename(partial, to: path)
    }

    /// Copies `source` to `destination` through `destination.partial`, fsync and rename.
    public static func copy(_ source: String, to destination: String) throws {
        let input = try PosixFile(path: source, mode: .readOnly)
        defer { try? input.close() }
        let partial = destination + ".partial"
        let output = try PosixFile(path: partial, mode: .createTruncate)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: UInt64 = 0
        while true {
            let n = try buffer.withUnsafeMutableBytes { try input.readSome(into: $0, at: offset) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { try output.writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += UInt64(n)
        }
        try output.sync()
        try output.close()
        try rename(partial, to: destination)
    }

    /// fsyncs a directory so that a rename inside it is durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = try check("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { _ = Glibc.close(fd) }
        try check("fsync", path) { fsync(fd) }
    }

    /// Creates a directory and its parents (like `mkdir -p`).
    public static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) == -1 && errno != EEXIST {
                throw SystemCallError(call: "mkdir", path: prefix, errno: errno)
            }
            prefix += "/"
        }
    }

    /// True when `path` names an existing directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Names in a directory (not `.`/`..`), sorted bytewise for a deterministic order.
    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SystemCallError(call: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
