#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the lines of a `ByteSource` (a file, standard input, a decompressor) with bounded
/// memory.
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
        /// Pieces handed out (a split over-long line counts once per piece; skipped lines not at all).
        public var lines: UInt64 = 0
        /// Bytes read from the source (after decompression).
        public var bytes: UInt64 = 0
        /// Lines that ended in `\r\n` (the `\r` is removed).
        public var crlfLines: UInt64 = 0
        /// Lines longer than the cap (split or skipped, per policy).
        public var overlongLines: UInt64 = 0
        public init() {}
    }

    /// Where a piece handed to `forEachPiece` sits in the input.
    public struct Piece: Sendable, Equatable {
        /// 1-based number of the physical line (count of `\n` before it, plus one); all pieces
        /// of a split line share it.
        public var lineNumber: UInt64
        /// True for the second and later pieces of a split over-long line.
        public var isContinuation: Bool
        /// True for every piece of an over-long line (split or skipped).
        public var isOverlong: Bool
        /// True when an over-long line is dropped under `.skip`: the view is empty and the
        /// callback only announces the line (once), so callers can report it.
        public var isSkipped: Bool

        public init(lineNumber: UInt64, isContinuation: Bool, isOverlong: Bool, isSkipped: Bool) {
            self.lineNumber = lineNumber
            self.isContinuation = isContinuation
            self.isOverlong = isOverlong
            self.isSkipped = isSkipped
        }
    }

    public let path: String
    public let maxLineLength: Int
    public let overlong: OverlongPolicy
    public private(set) var counts = Counts()

    private let source: any ByteSource
    private var buffer: UnsafeMutableRawBufferPointer
    private let chunkLength: Int

    /// Opens `path` for reading (`"-"` reads standard input).
    public convenience init(path: String, maxLineLength: Int = 1 << 20, overlong: OverlongPolicy = .split, chunkLength: Int = 1 << 20) throws {
        try self.init(source: FileByteSource(path: path), maxLineLength: maxLineLength, overlong: overlong, chunkLength: chunkLength)
    }

    /// Reads lines from `source` (which the reader keeps alive until it is released).
    public init(source: any ByteSource, maxLineLength: Int = 1 << 20, overlong: OverlongPolicy = .split, chunkLength: Int = 1 << 20) {
        precondition(maxLineLength >= 4 && chunkLength > 0)
        self.source = source
        self.path = source.path
        self.maxLineLength = maxLineLength
        self.overlong = overlong
        self.chunkLength = chunkLength
        buffer = .allocate(byteCount: maxLineLength + chunkLength, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Calls `body(line, isContinuation)` for every line in order; `isContinuation` is true
    /// for the second and later pieces of a split over-long line.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Bool) throws -> Void) throws {
        try forEachPiece { line, piece in
            if !piece.isSkipped { try body(line, piece.isContinuation) }
        }
    }

    /// Like `forEachLine`, with each piece's physical line number; a line skipped under
    /// `.skip` is announced once with an empty view and `isSkipped == true`.
    public func forEachPiece(_ body: (UnsafeRawBufferPointer, Piece) throws -> Void) throws {
        let base = buffer.baseAddress!
        var start = 0, end = 0
        var eof = false
        var skipping = false      // inside an over-long line under .skip
        var continuing = false    // inside an over-long line under .split
        var lineNumber: UInt64 = 1
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
                    if !skipping {
                        try body(UnsafeRawBufferPointer(start: base + start, count: 0),
                                 Piece(lineNumber: lineNumber, isContinuation: false, isOverlong: true, isSkipped: true))
                    }
                    skipping = true
                    start = newline >= 0 ? newline : end
                } else {
                    var cut = start + maxLineLength
                    // Back up to a UTF-8 boundary (never cut before a continuation byte 10xxxxxx).
                    var back = 0
                    while back < 3 && cut > start && (buffer[cut] & 0xC0) == 0x80 { cut -= 1; back += 1 }
                    counts.lines += 1
                    try body(UnsafeRawBufferPointer(start: base + start, count: cut - start),
                             Piece(lineNumber: lineNumber, isContinuation: continuing, isOverlong: true, isSkipped: false))
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
                    try body(UnsafeRawBufferPointer(start: base + start, count: stop - start),
                             Piece(lineNumber: lineNumber, isContinuation: continuing, isOverlong: continuing, isSkipped: false))
                }
                continuing = false
                start = newline + 1
                lineNumber += 1
                continue
            }
            if eof {
                if unread > 0 && !skipping {
                    var stop = end
                    let crlf = buffer[stop - 1] == 0x0D
                    if crlf { stop -= 1; counts.crlfLines += 1 }
                    counts.lines += 1
                    try body(UnsafeRawBufferPointer(start: base + start, count: stop - start),
                             Piece(lineNumber: lineNumber, isContinuation: continuing, isOverlong: continuing, isSkipped: false))
                }
                return
            }
            // Compact and refill.
            if start > 0 {
                if unread > 0 { memmove(base, base + start, unread) }
                end = unread
                start = 0
            }
            let n = try source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: min(chunkLength, buffer.count - end)))
            if n == 0 { eof = true } else {
                end += n
                counts.bytes += UInt64(n)
            }
        }
    }
}
