import PretextCore

/// Reads plain paragraph text: a document is a run of non-blank lines, blank lines separate
/// documents, and each line is one segment of paragraph text.
///
/// Documents have `segmentsAreSentences == false`: a later sentence splitter splits each
/// segment. Segments are lines with ASCII white space trimmed. Blank-line runs, the
/// `maxDocumentBytes` cut and over-long lines behave as in `BertTextFormatReader`.
/// Streaming: memory is the line buffer plus the current document, whatever the input.
public final class ParagraphTextReader: DocumentReader {
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
        try input.forEachBlankLineSeparatedDocument(inputOrdinal: inputOrdinal, segmentsAreSentences: false, body)
    }
}
