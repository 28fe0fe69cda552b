import PretextLabeling
import PretextText

/// The special ids and masking tables a build derives from its tokenizer.
///
/// WordPiece vocabularies name their specials `[CLS] [SEP] [MASK] [PAD] [UNK]`; byte-level BPE
/// (RoBERTa) `<s> </s> <mask> <pad> <unk>`, GPT-2 `<|endoftext|>`. The end-of-document token of
/// causal blocks is `<|endoftext|>` when present, else the separator.
public final class BuildVocabulary: Sendable {
    public let tokenizer: any TextTokenizer
    public let clsID: UInt32
    public let sepID: UInt32
    public let maskID: UInt32
    public let padID: UInt32
    public let unknownID: UInt32?
    public let endOfDocumentID: UInt32
    public let masking: MaskingVocabulary
    public let size: Int

    public struct MissingToken: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "the tokenizer has no \(what) token" }
    }

    public init(file: TokenizerFile) throws {
        let t = file.tokenizer
        tokenizer = t
        size = t.vocabularySize
        func find(_ names: [String], _ what: String) throws -> UInt32 {
            for n in names { if let id = t.id(of: n) { return id } }
            throw MissingToken(what: "\(what) (\(names.joined(separator: " or ")))")
        }
        var specials = Set<UInt32>()
        var tokens: [String]
        var isWordPiece = false
        if let wp = t as? WordPieceTokenizer {
            tokens = wp.model.vocabulary
            specials.formUnion(wp.addedTokens.tokens.filter(\.special).map(\.id))
            isWordPiece = true
        } else if let bpe = t as? ByteLevelBPETokenizer {
            tokens = bpe.vocabulary
            specials.formUnion(bpe.addedTokens.tokens.filter(\.special).map(\.id))
        } else {
            throw MissingToken(what: "vocabulary (unsupported tokenizer type)")
        }
        while tokens.count < size { tokens.append("") }
        clsID = try find(["[CLS]", "<s>", "<|endoftext|>"], "classification/start")
        sepID = try find(["[SEP]", "</s>", "<|endoftext|>"], "separator")
        maskID = try find(["[MASK]", "<mask>"], "mask")
        padID = try find(["[PAD]", "<pad>", "<|endoftext|>"], "padding")
        unknownID = t.id(of: "[UNK]") ?? t.id(of: "<unk>")
        endOfDocumentID = t.id(of: "<|endoftext|>") ?? sepID
        specials.formUnion([clsID, sepID, maskID, padID])
        if let u = unknownID { specials.insert(u) }
        masking = isWordPiece
            ? MaskingVocabulary.wordPiece(tokens: tokens, maskID: maskID, specialIDs: specials)
            : MaskingVocabulary.byteLevel(tokens: tokens, maskID: maskID, specialIDs: specials)
    }
}
