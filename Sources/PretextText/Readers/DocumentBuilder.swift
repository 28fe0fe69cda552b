/// Collects the segments of the current document and cuts it at `maxDocumentBytes`.
///
/// Shared by all readers. `add` and `finish` return completed documents instead of calling
/// out, so callers update their report before handing a document on. Document ordinals
/// count the documents returned (0, 1, 2, …).
struct DocumentBuilder {
    let inputOrdinal: UInt32
    let maxDocumentBytes: Int
    let segmentsAreSentences: Bool
    /// Provenance for the current document (JSONL), kept across a cut.
    var externalID: String?
    private var segments: [[UInt8]] = []
    private var bytes = 0
    private var nextOrdinal: UInt64 = 0

    init(inputOrdinal: UInt32, maxDocumentBytes: Int, segmentsAreSentences: Bool) {
        self.inputOrdinal = inputOrdinal
        self.maxDocumentBytes = maxDocumentBytes
        self.segmentsAreSentences = segmentsAreSentences
    }

    var isEmpty: Bool { segments.isEmpty }

    /// Appends a non-empty segment. When it would take a non-empty document past
    /// `maxDocumentBytes`, the document so far is returned (a cut) and the segment starts
    /// the next one.
    mutating func add(_ segment: UnsafeRawBufferPointer) -> Document? {
        var cut: Document?
        if bytes + segment.count > maxDocumentBytes && !segments.isEmpty {
            cut = finish()
        }
        segments.append(Array(segment))
        bytes += segment.count
        return cut
    }

    /// The current document, if it has any segment; starts a new, empty one.
    mutating func finish() -> Document? {
        guard !segments.isEmpty else { return nil }
        let doc = Document(inputOrdinal: inputOrdinal, documentOrdinal: nextOrdinal, segments: segments,
                           segmentsAreSentences: segmentsAreSentences, externalID: externalID)
        nextOrdinal += 1
        segments = []
        bytes = 0
        return doc
    }
}

extension InputLines {
    /// Counts `doc` in the report, then hands it on.
    func emit(_ doc: Document?, _ body: (Document) throws -> Void) rethrows {
        guard let doc else { return }
        report.documents += 1
        report.segments += UInt64(doc.segments.count)
        try body(doc)
    }

    /// Counts an empty document (blank lines, white space only, an empty JSONL text) ending on
    /// `line`; the first of the input is also a problem, later ones only a count, so a corpus
    /// with double blank lines does not fill the problem list.
    func emptyDocument(line: UInt64) {
        report.emptyDocuments += 1
        if report.emptyDocuments == 1 {
            problem(line: line, "empty document skipped (further ones are only counted, in input_empty_documents)")
        }
    }

    /// Adds `segment` to `builder`, emitting the document so far when the size cap cuts it.
    func add(_ segment: UnsafeRawBufferPointer, to builder: inout DocumentBuilder, line: UInt64,
             _ body: (Document) throws -> Void) rethrows {
        if let cut = builder.add(segment) {
            report.splitDocuments += 1
            problem(line: line, "document longer than \(builder.maxDocumentBytes) bytes cut here")
            try emit(cut, body)
        }
    }

    /// Reads documents as runs of non-blank lines, one segment per line (BERT text format
    /// and paragraph text). Lines of only white space separate documents; each blank line
    /// after the first in a run counts as an empty document. An empty tail piece of a split
    /// over-long line is not a blank line.
    func forEachBlankLineSeparatedDocument(inputOrdinal: UInt32, segmentsAreSentences: Bool,
                                           _ body: (Document) throws -> Void) throws {
        var builder = DocumentBuilder(inputOrdinal: inputOrdinal, maxDocumentBytes: options.maxDocumentBytes,
                                      segmentsAreSentences: segmentsAreSentences)
        var pendingBlank = false
        try forEachLine { line, piece in
            let trimmed = trimASCIIWhitespace(line)
            if trimmed.isEmpty {
                if piece.isContinuation { return }
                if builder.isEmpty {
                    if pendingBlank { emptyDocument(line: piece.lineNumber) }
                } else {
                    try emit(builder.finish(), body)
                }
                pendingBlank = true
                return
            }
            pendingBlank = false
            try add(trimmed, to: &builder, line: piece.lineNumber, body)
        }
        try emit(builder.finish(), body)
    }
}
