/// One document of a corpus: its stable id, its text segments as UTF-8 bytes, and provenance.
///
/// `(inputOrdinal, documentOrdinal)` identifies the document across runs: the input's
/// position in the ordered input list (`CorpusInputs`) and the document's position within
/// that input, counting only documents that are emitted (0, 1, 2, … with no gaps; a document
/// cut at `maxDocumentBytes` continues under the next ordinal). Later stages key their
/// randomness and provenance on it.
///
/// Invariants: `segments` is not empty, no segment is empty, and every segment is valid UTF-8
/// without NUL bytes, `\n`, or leading/trailing ASCII white space. The total size
/// (`byteCount`) is at most the reader's `maxDocumentBytes`, unless a single segment is
/// larger (a segment is at most `maxLineBytes`).
public struct Document: Sendable, Equatable {
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64
    /// Text in order, UTF-8 bytes. One sentence each when `segmentsAreSentences`, otherwise
    /// one paragraph (or line) each, for a sentence splitter to split later.
    public var segments: [[UInt8]]
    /// True for the BERT text format (one sentence per line); false for paragraph text and
    /// JSONL, whose segments are paragraphs.
    public var segmentsAreSentences: Bool
    /// The record's id from a JSONL id field (a string, or a number's JSON text), for
    /// provenance; nil for other formats or when the record has none.
    public var externalID: String?

    public init(inputOrdinal: UInt32, documentOrdinal: UInt64, segments: [[UInt8]],
                segmentsAreSentences: Bool, externalID: String? = nil) {
        self.inputOrdinal = inputOrdinal
        self.documentOrdinal = documentOrdinal
        self.segments = segments
        self.segmentsAreSentences = segmentsAreSentences
        self.externalID = externalID
    }

    /// Total bytes of all segments.
    public var byteCount: Int { segments.reduce(0) { $0 + $1.count } }
}
