/// BERT's tokenizer: added tokens → `BertNormalizer` → `BertPreTokenizer` → `WordPieceModel`,
/// producing the ids HF tokenizers produces for the same `tokenizer.json` or `vocab.txt`.
public final class WordPieceTokenizer: TextTokenizer {
    /// nil = no normalizer in the tokenizer file.
    public let normalizer: BertNormalizer?
    public let model: WordPieceModel
    public let addedTokens: AddedTokens

    public init(normalizer: BertNormalizer?, model: WordPieceModel, addedTokens: AddedTokens) {
        self.normalizer = normalizer
        self.model = model
        self.addedTokens = addedTokens
    }

    public var vocabularySize: Int { max(model.vocabulary.count, Int(addedTokens.tokens.map(\.id).max() ?? 0) + 1) }

    public func token(_ id: UInt32) -> String? {
        if let added = addedTokens.content(of: id) { return added }
        return Int(id) < model.vocabulary.count ? model.vocabulary[Int(id)] : nil
    }

    public func id(of token: String) -> UInt32? {
        addedTokens.id(of: token) ?? model.id(of: token)
    }

    public func encode(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [UInt32], scratch: inout TokenizerScratch) {
        addedTokens.forEachPart(text) { part in
            switch part {
            case .token(let id):
                ids.append(id)
            case .text(let range):
                scratch.bytes.removeAll(keepingCapacity: true)
                let piece = UnsafeBufferPointer(rebasing: text[range])
                if let normalizer {
                    normalizer.normalize(UnsafeRawBufferPointer(piece), into: &scratch.bytes)
                } else {
                    scratch.bytes.append(contentsOf: piece)
                }
                let cache = scratch.pieces
                scratch.bytes.withUnsafeBufferPointer { normalized in
                    BertPreTokenizer.forEachWord(in: normalized) { word in
                        model.encodeWord(normalized.baseAddress!, word, into: &ids, cache: cache)
                    }
                }
            }
        }
    }
}
