import PretextLabeling
import PretextText

/// Stage 1 for a group of documents: split into sentences (unless the reader already did)
/// and tokenize, with a thread's scratch. Documents without a token are dropped and counted.
struct GroupTokenizer: Sendable {
    let splitter: SentenceSplitter
    let tokenizer: any TextTokenizer
    let unknownID: UInt32?

    init(config: PipelineConfig, vocabulary: BuildVocabulary) {
        splitter = SentenceSplitter(language: SentenceSplitter.Language(rawValue: config.splitterLanguage) ?? .auto)
        guard let tokenizer = vocabulary.tokenizer else { preconditionFailure("tokenizing needs the tokenizer, not the store's vocabulary") }
        self.tokenizer = tokenizer
        unknownID = vocabulary.unknownID
    }

    /// The group's non-empty documents, tokenized, and the group's counters (documents,
    /// sentences, tokens, input bytes, unknown tokens, empty documents skipped).
    func tokenize(_ group: GroupText, scratch state: inout TokenizerScratch) -> ([TokenizedDocument], BuildStatistics) {
        var stats = BuildStatistics()
        var out: [TokenizedDocument] = []
        out.reserveCapacity(group.documents.count)
        var unknownTokens = 0, sentences = 0, tokens = 0, inputBytes = 0, empty = 0
        group.bytes.withUnsafeBufferPointer { all in
            for (d, document) in group.documents.enumerated() {
                var tokenized = TokenizedDocument(inputOrdinal: document.inputOrdinal, documentOrdinal: document.documentOrdinal)
                // Sentences are encoded straight onto the document's tokens.
                func add(_ sentence: UnsafeBufferPointer<UInt8>) {
                    let start = tokenized.tokens.count
                    tokenizer.encode(sentence, into: &tokenized.tokens, scratch: &state)
                    if tokenized.tokens.count == start { return }
                    tokenized.sentenceEnds.append(tokenized.tokens.count)
                    if let unknownID { for id in tokenized.tokens[start...] where id == unknownID { unknownTokens += 1 } }
                }
                group.forEachSegment(ofDocument: d, in: all) { segment in
                    if document.segmentsAreSentences {
                        add(segment)
                    } else {
                        for range in splitter.split(UnsafeRawBufferPointer(segment)) { add(UnsafeBufferPointer(rebasing: segment[range])) }
                    }
                }
                if tokenized.sentenceCount == 0 {
                    empty += 1
                    continue
                }
                sentences += tokenized.sentenceCount
                tokens += tokenized.tokens.count
                inputBytes += document.byteCount
                out.append(tokenized)
            }
        }
        if empty > 0 { stats.add("empty_documents_skipped", Double(empty)) }
        stats.add("documents", Double(out.count))
        stats.add("sentences", Double(sentences))
        stats.add("tokens", Double(tokens))
        stats.add("input_bytes", Double(inputBytes))
        if unknownID != nil { stats.add("unk_tokens", Double(unknownTokens)) }
        // A very long sentence grows the scratch's byte buffer; scratches live for the whole
        // stage, so give such a one back rather than hold it.
        if state.bytes.capacity > Self.scratchBytesKept { state.bytes = [] }
        return (out, stats)
    }

    /// Normalized-text bytes a tokenizer scratch keeps between groups.
    static let scratchBytesKept = 1 << 20
}
