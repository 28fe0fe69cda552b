/// Splits text into the words a tokenizer sees at encode time, for counting before training.
///
/// WordPiece: `BertNormalizer` (lowercase and accent stripping unless cased) then
/// `BertPreTokenizer`'s words. Byte-level BPE: GPT-2 pre-tokenization of the raw bytes, with
/// no prefix space (HF's `ByteLevelBPETokenizer` default). Added tokens are not matched, as
/// in HF's trainer, which sees the text before any special token exists.
public struct TrainingWordSplitter: Sendable {
    public let model: VocabModelKind
    let normalizer: BertNormalizer?

    public init(model: VocabModelKind, normalizer: BertNormalizer.Options = BertNormalizer.Options()) {
        self.model = model
        self.normalizer = model == .wordpiece ? BertNormalizer(options: normalizer) : nil
    }

    /// Calls `word(start, length)` for each word of `text`; `scratch` holds normalized text.
    @inline(__always)
    public func forEachWord(in text: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8], _ word: (UnsafePointer<UInt8>, Int) -> Void) {
        guard let base = text.baseAddress, !text.isEmpty else { return }
        if let normalizer {
            scratch.removeAll(keepingCapacity: true)
            normalizer.normalize(UnsafeRawBufferPointer(text), into: &scratch)
            scratch.withUnsafeBufferPointer { normalized in
                guard let p = normalized.baseAddress else { return }
                BertPreTokenizer.forEachWord(in: normalized) { range in word(p + range.lowerBound, range.count) }
            }
        } else {
            GPT2PreTokenizer.forEachPiece(in: text) { range in word(base + range.lowerBound, range.count) }
        }
    }
}
