import PretextCore

/// What a reader does with a line holding invalid UTF-8.
public enum InvalidUTF8Policy: String, Sendable {
    /// Replace each maximal invalid subpart by U+FFFD (EF BF BD), as
    /// `String(decoding:as: UTF8.self)` does.
    case replace
    /// Drop the whole line (for a split over-long line: the offending piece).
    case dropLine
}

/// Limits and policies shared by every corpus reader.
///
/// Memory per reader is bounded by these options, not by the input: one line buffer of
/// `maxLineBytes + readChunkBytes` bytes, plus the document being assembled (at most
/// `maxDocumentBytes`, plus one line), plus the decompressor's state for `.gz`/`.zst`.
public struct ReaderOptions: Sendable, Equatable {
    /// Longest line handed on, in bytes (after removing `\n` / `\r\n`; at least 4). For
    /// JSONL this is the longest record line: longer JSON lines are always skipped, since
    /// half a JSON object cannot be parsed.
    public var maxLineBytes: Int
    /// Largest document in bytes of segment text; a longer one is cut and continues as the
    /// next document (counted in `ReaderReport.splitDocuments`). The default, 16 MiB, is
    /// beyond any real document (a long book is a few MB) and bounds a build's memory when
    /// a corpus holds a giant line: the tokenize phase holds a few documents at once.
    public var maxDocumentBytes: Int
    /// Over-long lines in the text formats: split into pieces of at most `maxLineBytes`
    /// (each piece becomes a segment) or skipped.
    public var overlongLines: LineReader.OverlongPolicy
    /// Invalid UTF-8: replace or drop the line.
    public var invalidUTF8: InvalidUTF8Policy
    /// Folders given as inputs are walked recursively (true) or only their own files are read.
    public var recursiveFolders: Bool
    /// Bytes requested from the source per read.
    public var readChunkBytes: Int
    /// A .zst frame may use a window of at most 2^this bytes (10…31; `ZstdByteSource`).
    public var zstdWindowLogMax: Int = ZstdByteSource.defaultWindowLogMax

    public init(maxLineBytes: Int = 1 << 20, maxDocumentBytes: Int = 16 << 20,
                overlongLines: LineReader.OverlongPolicy = .split, invalidUTF8: InvalidUTF8Policy = .replace,
                recursiveFolders: Bool = true, readChunkBytes: Int = 1 << 20) {
        precondition(maxLineBytes >= 4 && maxDocumentBytes >= 1 && readChunkBytes >= 1)
        self.maxLineBytes = maxLineBytes
        self.maxDocumentBytes = maxDocumentBytes
        self.overlongLines = overlongLines
        self.invalidUTF8 = invalidUTF8
        self.recursiveFolders = recursiveFolders
        self.readChunkBytes = readChunkBytes
    }
}
