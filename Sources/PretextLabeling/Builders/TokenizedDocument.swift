/// The token ids of one document, sentence by sentence, stored flat.
///
/// Sentence k is `tokens[sentenceEnds[k-1] ..< sentenceEnds[k]]` (with `sentenceEnds[-1] = 0`);
/// no sentence is empty.
public struct TokenizedDocument: Sendable, Equatable {
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64
    public var tokens: [UInt32]
    public var sentenceEnds: [Int]

    public init(inputOrdinal: UInt32, documentOrdinal: UInt64, tokens: [UInt32] = [], sentenceEnds: [Int] = []) {
        self.inputOrdinal = inputOrdinal
        self.documentOrdinal = documentOrdinal
        self.tokens = tokens
        self.sentenceEnds = sentenceEnds
    }

    /// Builds a document from sentences, dropping empty ones.
    public init(inputOrdinal: UInt32, documentOrdinal: UInt64, sentences: [[UInt32]]) {
        self.init(inputOrdinal: inputOrdinal, documentOrdinal: documentOrdinal)
        for s in sentences where !s.isEmpty { append(sentence: s) }
    }

    public mutating func append(sentence: some Collection<UInt32>) {
        guard !sentence.isEmpty else { return }
        tokens.append(contentsOf: sentence)
        sentenceEnds.append(tokens.count)
    }

    public var sentenceCount: Int { sentenceEnds.count }

    /// Tokens of sentence `k`.
    public func sentence(_ k: Int) -> ArraySlice<UInt32> {
        tokens[(k == 0 ? 0 : sentenceEnds[k - 1])..<sentenceEnds[k]]
    }

    public func sentenceLength(_ k: Int) -> Int { sentenceEnds[k] - (k == 0 ? 0 : sentenceEnds[k - 1]) }
}

/// Random access to the tokenized documents of a whole corpus, so NSP negatives can come from
/// any document without holding the corpus in memory (a document store on disk implements it).
public protocol DocumentSource {
    var documentCount: Int { get }
    func document(_ index: Int) throws -> TokenizedDocument
    /// Number of sentences of document `index` (cheap: no tokens read).
    func sentenceCount(_ index: Int) throws -> Int
    /// Appends sentences `start…` of document `index` to `tokens`, stopping after the sentence
    /// that brings `tokens` to `target` or more (the NSP random-next rule).
    func appendSentences(of index: Int, from start: Int, to tokens: inout [UInt32], until target: Int) throws
}

extension DocumentSource {
    public func sentenceCount(_ index: Int) throws -> Int { try document(index).sentenceCount }

    public func appendSentences(of index: Int, from start: Int, to tokens: inout [UInt32], until target: Int) throws {
        let d = try document(index)
        for k in start..<d.sentenceCount {
            tokens.append(contentsOf: d.sentence(k))
            if tokens.count >= target { break }
        }
    }
}

/// A `DocumentSource` over documents held in memory (tests, small corpora).
public struct InMemoryDocuments: DocumentSource {
    public let documents: [TokenizedDocument]
    public init(_ documents: [TokenizedDocument]) { self.documents = documents }
    public var documentCount: Int { documents.count }
    public func document(_ index: Int) throws -> TokenizedDocument { documents[index] }
}

/// One training instance before masking.
///
/// `tokens` includes the special tokens; `segmentBoundary` is the index of the first token of
/// segment B (pair tasks, and ELECTRA, where it is the length when there is no B) and
/// `pairLabel` 0 (B follows A / in order) or 1 (random / swapped), nil without a pair task.
public struct TrainingInstance: Sendable, Equatable {
    public var tokens: [UInt32]
    public var segmentBoundary: UInt32?
    public var pairLabel: UInt8?
    public var inputOrdinal: UInt32
    public var documentOrdinal: UInt64
    /// True when tokens were cut to fit the length.
    public var truncated: Bool

    public init(tokens: [UInt32], segmentBoundary: UInt32? = nil, pairLabel: UInt8? = nil, inputOrdinal: UInt32,
                documentOrdinal: UInt64, truncated: Bool = false) {
        self.tokens = tokens
        self.segmentBoundary = segmentBoundary
        self.pairLabel = pairLabel
        self.inputOrdinal = inputOrdinal
        self.documentOrdinal = documentOrdinal
        self.truncated = truncated
    }
}
