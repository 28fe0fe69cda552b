/// The tokenizer model a vocabulary is trained for.
public enum VocabModelKind: String, Sendable, CaseIterable {
    /// BERT WordPiece: `BertNormalizer` + `BertPreTokenizer`, continuation pieces prefixed `##`.
    case wordpiece
    /// GPT-2/RoBERTa byte-level BPE: GPT-2 pre-tokenization of raw bytes, 256-byte alphabet.
    case bpe

    /// HF's default special tokens for the model (`BertWordPieceTokenizer`, RoBERTa).
    public var defaultSpecialTokens: [String] {
        switch self {
        case .wordpiece: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        case .bpe: ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        }
    }
}

/// Settings of one vocabulary training run (`pretext vocab train`).
public struct VocabTrainingOptions: Sendable, Equatable {
    public var model: VocabModelKind
    /// Target vocabulary size, special tokens included; training stops when it is reached.
    public var vocabularySize: Int
    /// A pair seen fewer times than this is never merged (HF's `min_frequency`).
    public var minFrequency: UInt64
    /// Ids 0, 1, … in this order; for WordPiece `[UNK]` must be among them.
    public var specialTokens: [String]
    /// WordPiece only: keep the this many most frequent characters as the alphabet (HF's
    /// `limit_alphabet`, 1000 in `BertWordPieceTokenizer.train`); nil = every character.
    public var limitAlphabet: Int?
    /// WordPiece only: lowercase and strip accents (false = `--cased`).
    public var lowercase: Bool
    /// Bound of the word-count table (see `WordCounts`).
    public var maxDistinctWords: Int

    public init(model: VocabModelKind, vocabularySize: Int, minFrequency: UInt64 = 2, specialTokens: [String]? = nil,
                limitAlphabet: Int? = nil, lowercase: Bool = true, maxDistinctWords: Int = 4_000_000) {
        self.model = model
        self.vocabularySize = vocabularySize
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens ?? model.defaultSpecialTokens
        self.limitAlphabet = model == .wordpiece ? (limitAlphabet ?? 1000) : limitAlphabet
        self.lowercase = lowercase
        self.maxDistinctWords = maxDistinctWords
    }

    /// The normalizer options a WordPiece vocabulary is trained (and later used) with.
    public var normalizerOptions: BertNormalizer.Options { BertNormalizer.Options(lowercase: lowercase) }

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Throws `Invalid` for settings that cannot produce a usable vocabulary.
    public func validate() throws {
        guard vocabularySize >= 1 && vocabularySize <= Int(Int32.max) else { throw Invalid(message: "the vocabulary size must be at least 1") }
        guard maxDistinctWords >= 4 && maxDistinctWords < Int(Int32.max) else {
            throw Invalid(message: "the distinct-word cap must be in 4...\(Int32.max - 1)")
        }
        if let limitAlphabet, limitAlphabet < 1 { throw Invalid(message: "the alphabet limit must be at least 1") }
        if model == .bpe && limitAlphabet != nil {
            throw Invalid(message: "the alphabet of byte-level BPE is always the 256 bytes; an alphabet limit applies to WordPiece only")
        }
        if Set(specialTokens).count != specialTokens.count { throw Invalid(message: "special tokens must be distinct") }
        if specialTokens.contains(where: { $0.isEmpty }) { throw Invalid(message: "a special token is empty") }
        if model == .wordpiece && !specialTokens.contains("[UNK]") {
            throw Invalid(message: "WordPiece needs [UNK] among the special tokens (it is the model's unknown token)")
        }
    }
}
