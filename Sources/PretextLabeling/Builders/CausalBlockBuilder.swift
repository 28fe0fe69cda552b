/// GPT-style training blocks: the token stream of all documents, each followed by an
/// end-of-document token, cut into consecutive blocks of exactly `blockLength` tokens.
///
/// No padding: blocks run across document boundaries, and only the final partial block
/// of the stream is dropped (`droppedTailTokens` says how many tokens that was). Memory is
/// one block. Each emitted block carries the provenance of the document its first token
/// came from.
public struct CausalBlockBuilder {
    public let blockLength: Int
    public let endOfDocument: UInt32
    private var pending: [UInt32] = []
    private var origin: (input: UInt32, document: UInt64) = (0, 0)
    public private(set) var blocks: UInt64 = 0

    public init(blockLength: Int, endOfDocument: UInt32) {
        precondition(blockLength > 0)
        self.blockLength = blockLength
        self.endOfDocument = endOfDocument
        pending.reserveCapacity(blockLength)
    }

    /// Tokens held back because they do not yet fill a block.
    public var droppedTailTokens: Int { pending.count }

    /// Adds one document's tokens (the end-of-document token is appended here) and calls
    /// `emit(tokens, inputOrdinal, documentOrdinal)` for every block completed.
    public mutating func add(
        document tokens: [UInt32], inputOrdinal: UInt32, documentOrdinal: UInt64,
        emit: ([UInt32], UInt32, UInt64) throws -> Void
    ) rethrows {
        var i = 0
        let n = tokens.count + 1
        while i < n {
            if pending.isEmpty { origin = (inputOrdinal, documentOrdinal) }
            let take = min(blockLength - pending.count, n - i)
            for j in i..<(i + take) { pending.append(j < tokens.count ? tokens[j] : endOfDocument) }
            i += take
            if pending.count == blockLength {
                blocks += 1
                try emit(pending, origin.input, origin.document)
                pending.removeAll(keepingCapacity: true)
            }
        }
    }
}
