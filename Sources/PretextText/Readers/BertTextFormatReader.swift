import PretextCore

/// Reads the BERT text format: one sentence per line, a blank line between documents.
///
/// Documents have `segmentsAreSentences == true`; each segment is one line with ASCII white
/// space trimmed. Lines that are empty or only white space end a document; consecutive
/// blank lines produce no empty documents (each extra one is counted in
/// `report.emptyDocuments`). A document that would exceed `maxDocumentBytes` is cut there
/// and continues as a new document (`report.splitDocuments`). An over-long line is split
/// into pieces of at most `maxLineBytes` (each one a segment) or skipped, per options.
/// Streaming: memory is the line buffer plus the current document, whatever the input.
public final class BertTextFormatReader: DocumentReader {
    public let path: String
    public let inputOrdinal: UInt32
    private let input: InputLines

    /// Opens `path` (`"-"`: standard input), decompressing `.gz` / `.zst` by extension.
    public convenience init(path: String, inputOrdinal: UInt32, options: ReaderOptions = ReaderOptions()) throws {
        try self.init(source: InputCompression(path: path).openSource(path: path, options: options), inputOrdinal: inputOrdinal, options: options)
    }

    /// Reads from `source`; `atInputStart: false` for a part of an input that does not start
    /// at its first byte (no byte order mark is looked for).
    public init(source: any ByteSource, inputOrdinal: UInt32, options: ReaderOptions = ReaderOptions(), atInputStart: Bool = true) {
        path = source.path
        self.inputOrdinal = inputOrdinal
        input = InputLines(source: source, options: options, overlong: options.overlongLines, atInputStart: atInputStart)
    }

    public var report: ReaderReport { input.report }

    public func forEachDocument(_ body: (Document) throws -> Void) throws {
        try input.forEachBlankLineSeparatedDocument(inputOrdinal: inputOrdinal, segmentsAreSentences: true, body)
    }
}
