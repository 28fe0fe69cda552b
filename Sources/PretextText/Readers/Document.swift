/// One document of a corpus: its stable id and its sentences as UTF-8 bytes.
///
/// `(inputOrdinal, documentOrdinal)` identifies the document across runs: the input's
/// position in the sorted input list and the document's position within that input
/// (counting only documents that are emitted). Later stages key their randomness and
/// provenance on it.
public struct Document: Sendable, Equatable {
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64
    /// Sentences in order; none is empty.
    public var sentences: [[UInt8]]

    public init(inputOrdinal: UInt32, documentOrdinal: UInt64, sentences: [[UInt8]]) {
        self.inputOrdinal = inputOrdinal
        self.documentOrdinal = documentOrdinal
        self.sentences = sentences
    }

    /// Total bytes of all sentences.
    public var byteCount: Int { sentences.reduce(0) { $0 + $1.count } }
}
