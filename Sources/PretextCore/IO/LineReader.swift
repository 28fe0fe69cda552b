#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the lines of a file (or standard input) with bounded memory.
///
/// Lines are handed out as views into an internal buffer, without the `\n` and without a
/// trailing `\r`; a view is valid only during the callback. Memory is one buffer of
/// `chunkLength + maxLineLength` bytes, whatever the input. A line longer than
/// `maxLineLength` is never held whole: with `.split` it is handed out in pieces of at
/// most `maxLineLength` bytes, cut at a UTF-8 character boundary; with `.skip` it is
/// dropped. Either way `counts.overlongLines` says how often it happened.
public final class LineReader {
    public enum OverlongPolicy: String, Sendable {
        /// Emit an over-long line as consecutive pieces of at most `maxLineLength` bytes.
        case split
        /// Drop an over-long line entirely.
        case skip
    }

    /// What the reader saw, for the run's report.
    public struct Counts: Sendable, Equatable {
        public var lines: UInt64 = 0
        public var bytes: UInt64 = 0
        /// Lines that ended in `\r\n` (the `\r` is removed).
        public var crlfLines: UInt64 = 0
        /// Lines longer than the cap (split or skipped, per policy).
        public var overlongLines: UInt64 = 0
        public init() {}
    }

    public let path: String
    public let maxLineLength: Int
    public let overlong: OverlongPolicy
    public private(set) var counts = Counts()

    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutableRawBufferPointer
    private let chunkLength: Int

    /// Opens `path` for reading (`"-"` reads standard input).
    public init(path: String, maxLineLength: Int = 1 << 20, overlong: OverlongPolicy = .split, chunkLength: Int = 1 << 20) throws {
        precondition(maxLineLength >= 4 && chunkLength > 0)
        self.path = path
        self.maxLineLength = maxLineLength
        self.overlong = overlong
        self.chunkLength = chunkLength
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
        } else {
            descriptor = try PosixFile.check("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
            ownsDescriptor = true
        }
        buffer = .allocate(byteCount: maxLineLength + chunkLength, alignment: 16)
    }

    deinit {
        if ownsDescriptor { _ = close(descriptor) }
        buffer.deallocate()
    }

    /// Calls `body(line, isContinuation)` for every line in order; `isContinuation` is true
    /// for the second and later pieces of a split over-long line.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Bool) throws -> Void) throws {
        let base = buffer.baseAddress!
        var start = 0, end = 0
        var eof = false
        var skipping = false      // inside an over-long line under .skip
        var continuing = false    // inside an over-long line under .split
        while true {
            // Look for a newline in the unread bytes.
            let unread = end - start
            var newline = -1
            if unread > 0, let nl = memchr(base + start, 0x0A, unread) {
                newline = base.distance(to: UnsafeMutableRawPointer(nl))
            }
            let lineLength = newline >= 0 ? newline - start : unread
            if lineLength > maxLineLength {
                // Longer than the cap: an over-long line. (`>` so that the byte after the cut
                // is present and the UTF-8 boundary check below stays in bounds.)
                if !skipping && !continuing { counts.overlongLines += 1 }
                if overlong == .skip {
                    skipping = true
                    start = newline >= 0 ? newline : end
                } else {
                    var cut = start + maxLineLength
                    // Back up to a UTF-8 boundary (never cut before a continuation byte 10xxxxxx).
                    var back = 0
                    while back < 3 && cut > start && (buffer[cut] & 0xC0) == 0x80 { cut -= 1; back += 1 }
                    counts.lines += 1
                    try body(UnsafeRawBufferPointer(start: base + start, count: cut - start), continuing)
                    continuing = true
                    start = cut
                }
                continue
            }
            if newline >= 0 {
                var stop = newline
                let crlf = stop > start && buffer[stop - 1] == 0x0D
                if crlf { stop -= 1 }
                if skipping {
                    skipping = false
                } else {
                    counts.lines += 1
                    if crlf { counts.crlfLines += 1 }
                    try body(UnsafeRawBufferPointer(start: base + start, count: stop - start), continuing)
                }
                continuing = false
                start = newline + 1
                continue
            }
            if eof {
                if unread > 0 && !skipping {
                    var stop = end
                    let crlf = buffer[stop - 1] == 0x0D
                    if crlf { stop -= 1; counts.crlfLines += 1 }
                    counts.lines += 1
                    try body(UnsafeRawBufferPointer(start: base + start, count: stop - start), continuing)
                }
                return
            }
            // Compact and refill.
            if start > 0 {
                if unread > 0 { memmove(base, base + start, unread) }
                end = unread
                start = 0
            }
            let n = try PosixFile.check("read", path) { read(descriptor, base + end, min(chunkLength, buffer.count - end)) }
            if n == 0 { eof = true } else {
                end += n
                counts.bytes += UInt64(n)
            }
        }
    }
}
