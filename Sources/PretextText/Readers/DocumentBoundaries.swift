#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// Where documents may begin in a plain (seekable, uncompressed) input file, found from any
/// byte offset without reading the file from its start: what lets a build cut its inputs into
/// byte ranges that tasks on different machines read independently.
///
/// A *boundary* is a byte offset at which a reader started there sees exactly the documents
/// a reader of the whole file sees from there on (the same text, segments and cuts; only line
/// numbers, document ordinals and the count of blank lines before it differ):
/// - JSON Lines: the start of every line (a record never spans lines);
/// - BERT text and paragraph text: the start of a line that is not blank and follows a blank
///   line. Blank here means at most `maxLineBytes` bytes of ASCII white space and NUL, which
///   every reader also sees as a blank line (NULs are removed, white space trimmed); a line
///   it cannot be sure of counts as not blank, which only skips a boundary, never makes a
///   wrong one.
/// Offset 0 is always a boundary. `next(atOrAfter:)` scans forward from the offset (and back
/// over at most one line, to see whether the line before is blank) through one 64 KiB window
/// of the file, read again only when the scan leaves it; the cost is the distance to the next
/// boundary, not the file's size.
public struct DocumentBoundaries {
    public enum Rule: Sendable, Equatable {
        /// Every line start (JSONL).
        case lineStart
        /// A non-blank line after a blank one (BERT text, paragraphs).
        case blankLineSeparated(maxLineBytes: Int)
    }

    public let path: String
    public let size: UInt64
    public let rule: Rule
    private let file: PosixFile
    private var buffer: [UInt8]
    /// The file's bytes `windowStart ..< windowStart + windowCount` are `buffer[0 ..< windowCount]`.
    private var windowStart: UInt64 = 0
    private var windowCount = 0

    /// - Parameter windowBytes: bytes read at a time (tests use tiny windows to cross them often).
    public init(path: String, size: UInt64, rule: Rule, windowBytes: Int = 64 << 10) throws {
        precondition(windowBytes >= 1)
        self.path = path
        self.size = size
        self.rule = rule
        file = try PosixFile(path: path, mode: .readOnly)
        buffer = [UInt8](repeating: 0, count: windowBytes)
    }

    public init(path: String, size: UInt64, format: CorpusFormat, options: ReaderOptions) throws {
        switch format {
        case .jsonl: try self.init(path: path, size: size, rule: .lineStart)
        case .bert, .paragraphs: try self.init(path: path, size: size, rule: .blankLineSeparated(maxLineBytes: options.maxLineBytes))
        }
    }

    @inline(__always)
    static func isBlankByte(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C || b == 0 }

    /// The first boundary at or after `offset` and before `limit`; `min(limit, size)` when there
    /// is none. The scan stops at `limit`, so asking whether a range holds a boundary costs at
    /// most the range's length plus one line before it, however long the line that covers it
    /// (a 300 MB line cut into 1 MiB units costs each unit 1 MiB, not the rest of the line).
    public mutating func next(atOrAfter offset: UInt64, before limit: UInt64 = .max) throws -> UInt64 {
        let end = min(limit, size)
        if offset == 0 { return min(0, end) }
        if offset >= end { return end }
        // The first line start at or after `offset`: just past the first \n at or after offset-1.
        guard var lineStart = try firstNewline(from: offset - 1, before: end).map({ $0 + 1 }) else { return end }
        guard case .blankLineSeparated(let maxLine) = rule else { return min(lineStart, end) }
        // Is the line that ends at lineStart-1 blank? Walk back over it (at most maxLine+1 bytes).
        var previousBlank = try lineBeforeIsBlank(lineStart, maxLine: maxLine)
        while lineStart < end {
            // Classify the line at lineStart: scan to its \n.
            let (blank, nextStart) = try classifyLine(at: lineStart, maxLine: maxLine, before: end)
            if previousBlank && !blank { return lineStart }
            previousBlank = blank
            guard let next = nextStart else { return end }
            lineStart = next
        }
        return end
    }

    /// Offset of the first `\n` at or after `from` and before `limit` (≤ size), or nil.
    private mutating func firstNewline(from: UInt64, before limit: UInt64) throws -> UInt64? {
        var at = from
        while at < limit {
            let (i, available) = try window(at)
            let n = Int(min(UInt64(available), limit - at))
            let found = buffer.withUnsafeBytes { memchr($0.baseAddress! + i, 0x0A, n) }
            if let found {
                return at + UInt64(buffer.withUnsafeBytes { $0.baseAddress! + i }.distance(to: UnsafeRawPointer(found)))
            }
            at += UInt64(n)
        }
        return nil
    }

    /// Whether the line ending with the `\n` at `lineStart - 1` is blank.
    private mutating func lineBeforeIsBlank(_ lineStart: UInt64, maxLine: Int) throws -> Bool {
        var end = lineStart - 1  // the \n
        var length = 0
        while end > 0 {
            // The bytes just before `end`: from the window when it holds them, else a read
            // of the buffer's size that ends at `end`.
            let from: UInt64
            if end > windowStart && end <= windowStart + UInt64(windowCount) {
                from = windowStart
            } else {
                from = end - min(UInt64(buffer.count), end)
                let n = try fill(from, count: Int(end - from))
                guard n == Int(end - from) else { return false }
                (windowStart, windowCount) = (from, n)
            }
            var i = Int(end - windowStart) - 1
            let stop = Int(from - windowStart)
            while i >= stop {
                let b = buffer[i]
                if b == 0x0A { return length <= maxLine }
                if !Self.isBlankByte(b) { return false }
                length += 1
                if length > maxLine { return false }
                i -= 1
            }
            end = from
        }
        return length <= maxLine  // the file's first line
    }

    /// Whether the line at `start` is blank, and where the next line starts (nil at the end,
    /// or when it starts at or after `limit`: a line that is not blank is skipped with
    /// `memchr` from its first non-blank byte on).
    private mutating func classifyLine(at start: UInt64, maxLine: Int, before limit: UInt64) throws -> (blank: Bool, next: UInt64?) {
        var at = start
        var length = 0
        while at < size {
            let (first, n) = try window(at)
            for i in first..<(first + n) {
                let b = buffer[i]
                if b == 0x0A { return (length <= maxLine, at + UInt64(i - first) + 1) }
                if !Self.isBlankByte(b) || length >= maxLine {
                    let here = at + UInt64(i - first)
                    guard let newline = try firstNewline(from: here, before: limit) else { return (false, nil) }
                    return (false, newline + 1)
                }
                length += 1
            }
            at += UInt64(n)
        }
        return (length <= maxLine, nil)
    }

    /// The bytes from `offset` on: their index in the buffer and how many there are (at least
    /// one; `offset < size`). Reads a new window at `offset` only when it lies outside this one.
    private mutating func window(_ offset: UInt64) throws -> (index: Int, count: Int) {
        if offset >= windowStart && offset < windowStart + UInt64(windowCount) {
            let i = Int(offset - windowStart)
            return (i, windowCount - i)
        }
        let n = try fill(offset)
        (windowStart, windowCount) = (offset, n)
        return (0, n)
    }

    /// Reads up to `count` (default: the buffer) bytes at `offset` into the buffer.
    private mutating func fill(_ offset: UInt64, count: Int? = nil) throws -> Int {
        let want = min(count ?? buffer.count, Int(min(UInt64(buffer.count), size - offset)))
        guard want > 0 else { return 0 }
        let file = self.file
        let n = try buffer.withUnsafeMutableBytes { try file.readSome(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]), at: offset) }
        guard n > 0 else { throw CorpusInputError(path: path, reason: "shorter than its size \(size) (it changed while being read?)") }
        return n
    }
}
