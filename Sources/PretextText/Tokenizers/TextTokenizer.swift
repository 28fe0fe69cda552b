/// Turns one piece of UTF-8 text into token ids, without special tokens.
///
/// Implementations are immutable final classes shared by threads (a class, so that calls
/// through `any TextTokenizer` never copy the tokenizer's tables and retain each of them); per-call working memory (and any
/// cache) is the caller's `TokenizerScratch`, one per thread, reused across calls so the hot
/// loop does not allocate.
public protocol TextTokenizer: AnyObject, Sendable {
    /// Number of ids (largest id + 1), added tokens included.
    var vocabularySize: Int { get }
    /// The string of `id` (for display), or nil outside the vocabulary.
    func token(_ id: UInt32) -> String?
    /// The id of a whole token string (vocabulary or added token).
    func id(of token: String) -> UInt32?
    /// Appends the ids of `text` to `ids`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [UInt32], scratch: inout TokenizerScratch)
}

extension TextTokenizer {
    /// Convenience for tests and tools: the ids of a string.
    public func encode(_ text: String) -> [UInt32] {
        var ids: [UInt32] = [], scratch = TokenizerScratch()
        var copy = text
        copy.withUTF8 { encode($0, into: &ids, scratch: &scratch) }
        return ids
    }
}

/// Per-thread working memory of a tokenizer: a byte buffer for normalized text and word
/// caches (byte-level BPE; WordPiece), bounded in size. Caches only change speed, never ids.
public struct TokenizerScratch {
    public var bytes: [UInt8] = []
    var wordCache = WordCache()
    /// WordPiece's word cache, allocated on first use (1 MiB); shared by copies of the
    /// scratch, so one scratch (and its copies) per thread.
    lazy var pieces = PieceCache()
    public init() {}
}
