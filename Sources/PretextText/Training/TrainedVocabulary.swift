/// The result of training: tokens by id and merges in order.
public struct TrainedVocabulary: Sendable {
    public let options: VocabTrainingOptions
    /// Token text by id as written to the vocabulary files, UTF-8: for WordPiece with `##`,
    /// for byte-level BPE in GPT-2's byte-to-unicode alphabet (special tokens as given).
    public let tokenBytes: [[UInt8]]
    /// Merges in the order learned (rank 0 first), as (left id, right id).
    public let merges: [Merge]
    /// Ids 0..<specialTokenCount are the special tokens.
    public var specialTokenCount: Int { options.specialTokens.count }

    public struct Merge: Sendable, Equatable {
        public var left: UInt32
        public var right: UInt32
    }

    public init(options: VocabTrainingOptions, tokenBytes: [[UInt8]], merges: [Merge]) {
        self.options = options
        self.tokenBytes = tokenBytes
        self.merges = merges
    }

    public var count: Int { tokenBytes.count }

    /// The token of `id` as it appears in the vocabulary files.
    public func token(_ id: Int) -> String {
        String(decoding: tokenBytes[id], as: UTF8.self)
    }

    /// All tokens as written, by id.
    public var tokens: [String] { (0..<count).map(token) }
}
