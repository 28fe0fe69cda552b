import PretextCore

/// Reads the BERT text format: one sentence per line, a blank line between documents.
///
/// Streaming: one line buffer plus the current document. Lines that are empty or only
/// white space end a document; consecutive blank lines produce no empty documents (they
/// are counted in `counts.emptyDocuments`). A document that would exceed
/// `maxDocumentBytes` is cut there and continues as a new document (counted in
/// `counts.splitDocuments`), so memory stays bounded whatever the input.
public final class BertTextFormatReader {
    public struct Counts: Sendable, Equatable {
        public var documents: UInt64 = 0
        public var sentences: UInt64 = 0
        public var emptyDocuments: UInt64 = 0
        public var splitDocuments: UInt64 = 0
        public var lines = LineReader.Counts()
        public init() {}
    }

    public let path: String
    public let inputOrdinal: UInt32
    public let maxDocumentBytes: Int
    public private(set) var counts = Counts()
    private let lines: LineReader

    public init(path: String, inputOrdinal: UInt32, maxLineBytes: Int = 1 << 20, maxDocumentBytes: Int = 64 << 20) throws {
        self.path = path
        self.inputOrdinal = inputOrdinal
        self.maxDocumentBytes = maxDocumentBytes
        lines = try LineReader(path: path, maxLineLength: maxLineBytes, overlong: .split)
    }

    /// Calls `body` with every document in order.
    public func forEachDocument(_ body: (Document) throws -> Void) throws {
        var sentences: [[UInt8]] = []
        var bytes = 0
        var pendingBlank = false
        func emit() throws {
            if sentences.isEmpty {
                return
            }
            let doc = Document(inputOrdinal: inputOrdinal, documentOrdinal: counts.documents, sentences: sentences)
            counts.documents += 1
            counts.sentences += UInt64(sentences.count)
            sentences.removeAll(keepingCapacity: true)
            bytes = 0
            try body(doc)
        }
        try lines.forEachLine { line, _ in
            let trimmed = Self.trimWhitespace(line)
            if trimmed.isEmpty {
                if sentences.isEmpty {
                    if pendingBlank { counts.emptyDocuments += 1 }
                } else {
                    try emit()
                }
                pendingBlank = true
                return
            }
            pendingBlank = false
            if bytes + trimmed.count > maxDocumentBytes && !sentences.isEmpty {
                counts.splitDocuments += 1
                try emit()
            }
            sentences.append(Array(trimmed))
            bytes += trimmed.count
        }
        try emit()
        counts.lines = lines.counts
    }

    /// `line` without leading and trailing ASCII white space.
    static func trimWhitespace(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lo = 0, hi = line.count
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }
        while lo < hi && isSpace(line[lo]) { lo += 1 }
        while hi > lo && isSpace(line[hi - 1]) { hi -= 1 }
        return UnsafeRawBufferPointer(rebasing: line[lo..<hi])
    }
}
