/// RoBERTa's FULL-SENTENCES and DOC-SENTENCES inputs (fairseq `complete` / `complete_doc`):
/// whole sentences packed into sequences of at most `maxSequenceLength` tokens, no pair label.
///
/// A sequence is `[CLS] sentences… [SEP]` (`<s> … </s>` with a RoBERTa vocabulary). With
/// `crossDocuments` (FULL-SENTENCES) packing continues into the next document, with a
/// separator token between documents; without it (DOC-SENTENCES) a document's last sequence
/// is emitted short. A sentence longer than the room of an empty sequence is cut to fit and
/// counted as truncated. No randomness: the output is a function of the document stream.
/// Memory: one sequence.
public struct SentencePacker {
    public let maxSequenceLength: Int
    public let crossDocuments: Bool
    public let clsID: UInt32
    public let sepID: UInt32
    /// Between documents when packing across them (RoBERTa: `</s>`).
    public let documentSeparatorID: UInt32

    private var pending: [UInt32] = []
    /// A document ended while `pending` was non-empty: a separator precedes the next sentence.
    private var separatorDue = false
    private var origin: (UInt32, UInt64) = (0, 0)
    public private(set) var truncatedSentences = 0
    public private(set) var instances = 0

    public init(maxSequenceLength: Int, crossDocuments: Bool, clsID: UInt32, sepID: UInt32, documentSeparatorID: UInt32) {
        precondition(maxSequenceLength >= 3)
        self.maxSequenceLength = maxSequenceLength
        self.crossDocuments = crossDocuments
        self.clsID = clsID
        self.sepID = sepID
        self.documentSeparatorID = documentSeparatorID
    }

    private var room: Int { maxSequenceLength - 2 }

    /// Adds a document; calls `emit` for every sequence completed.
    public mutating func add(_ document: TokenizedDocument, emit: (TrainingInstance) throws -> Void) rethrows {
        separatorDue = crossDocuments && !pending.isEmpty
        for k in 0..<document.sentenceCount {
            var sentence = document.sentence(k)
            if sentence.count > room {
                sentence = sentence.prefix(room)
                truncatedSentences += 1
            }
            // The separator goes with the next sentence; if both do not fit, the sequence closes.
            let separator = separatorDue && !pending.isEmpty ? 1 : 0
            if pending.count + separator + sentence.count > room { try flush(emit) }
            if pending.isEmpty {
                origin = (document.inputOrdinal, document.documentOrdinal)
            } else if separatorDue {
                pending.append(documentSeparatorID)
            }
            separatorDue = false
            pending.append(contentsOf: sentence)
        }
        if !crossDocuments { try flush(emit) }
    }

    /// Emits the last, partial sequence.
    public mutating func finish(emit: (TrainingInstance) throws -> Void) rethrows {
        try flush(emit)
    }

    private mutating func flush(_ emit: (TrainingInstance) throws -> Void) rethrows {
        separatorDue = false
        guard !pending.isEmpty else { return }
        var tokens: [UInt32] = [clsID]
        tokens.reserveCapacity(pending.count + 2)
        tokens.append(contentsOf: pending)
        tokens.append(sepID)
        instances += 1
        try emit(TrainingInstance(tokens: tokens, inputOrdinal: origin.0, documentOrdinal: origin.1))
        pending.removeAll(keepingCapacity: true)
    }
}
