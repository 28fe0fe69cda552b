import PretextCore
import PretextLabeling
import PretextText

/// The special ids and masking tables a build derives from its tokenizer.
///
/// WordPiece vocabularies name their specials `[CLS] [SEP] [MASK] [PAD] [UNK]`; byte-level BPE
/// (RoBERTa) `<s> </s> <mask> <pad> <unk>`, GPT-2 `<|endoftext|>`. The end-of-document token of
/// causal blocks is `<|endoftext|>` when present, else the separator.
public final class BuildVocabulary: Sendable {
    /// The tokenizer; nil for a vocabulary read back from the store (`read(storeFolder:)`),
    /// which carries what labeling needs and no tokenizer.
    public let tokenizer: (any TextTokenizer)?
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

    private init(size: Int, clsID: UInt32, sepID: UInt32, maskID: UInt32, padID: UInt32, unknownID: UInt32?, endOfDocumentID: UInt32,
                 masking: MaskingVocabulary) {
        tokenizer = nil
        self.size = size
        self.clsID = clsID
        self.sepID = sepID
        self.maskID = maskID
        self.padID = padID
        self.unknownID = unknownID
        self.endOfDocumentID = endOfDocumentID
        self.masking = masking
    }

    // MARK: the store's copy

    /// `store/vocabulary.bin`: what the label phase needs of the vocabulary, written by the
    /// tokenize phase's task 0, so label tasks need not load the tokenizer (tens of
    /// milliseconds for a 30k vocabulary, in every task). Layout: magic `PTXVOCB1`, `u32`
    /// size, cls, sep, mask, pad, end-of-document and unknown ids (`0xFFFFFFFF`: none), one
    /// byte per id (bit 0 special, bit 1 continuation), then the XXH64 of all before it.
    public static let storeFileName = "vocabulary.bin"
    static let storeMagic: [UInt8] = Array("PTXVOCB1".utf8)

    public func write(storeFolder: String) throws {
        var bytes = Self.storeMagic
        for v in [UInt32(size), clsID, sepID, maskID, padID, endOfDocumentID, unknownID ?? .max] {
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }
        for id in 0..<size { bytes.append((masking.isSpecial[id] ? 1 : 0) | (masking.isContinuation[id] ? 2 : 0)) }
        withUnsafeBytes(of: XXHash64.hash(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        try PosixFile.makeDirectories(storeFolder)
        try PosixFile.writeAtomically(bytes, to: storeFolder + "/" + Self.storeFileName)
    }

    /// Reads the store's copy (checked: magic, size, checksum, ids inside the vocabulary).
    public static func read(storeFolder: String) throws -> BuildVocabulary {
        let path = storeFolder + "/" + storeFileName
        let bytes = try PosixFile(path: path, mode: .readOnly).readAll()
        func fail(_ m: String) -> DocumentStoreError { DocumentStoreError(path: path, problem: m) }
        return try bytes.withUnsafeBytes { raw in
            guard raw.count >= 8 + 28 + 8, Array(raw[0..<8]) == storeMagic else { throw fail("not a vocabulary file (bad magic or truncated)") }
            let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
            guard XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])) == stored else { throw fail("checksum mismatch") }
            var c = ByteCursor(raw, offset: 8)
            let size = Int(try c.read(UInt32.self))
            guard raw.count == 8 + 28 + size + 8 else { throw fail("size \(raw.count) does not match a vocabulary of \(size)") }
            let ids = try (0..<6).map { _ in try c.read(UInt32.self) }
            guard ids[0..<5].allSatisfy({ Int($0) < size }) else { throw fail("a special id lies outside the vocabulary of \(size)") }
            let flags = UnsafeRawBufferPointer(rebasing: raw[36..<(36 + size)])
            var specials = Set<UInt32>()
            for id in 0..<size where flags[id] & 1 != 0 { specials.insert(UInt32(id)) }
            let masking = MaskingVocabulary(size: size, maskID: ids[2], specialIDs: specials) { flags[Int($0)] & 2 != 0 }
            return BuildVocabulary(size: size, clsID: ids[0], sepID: ids[1], maskID: ids[2], padID: ids[3],
                                   unknownID: ids[5] == .max ? nil : ids[5], endOfDocumentID: ids[4], masking: masking)
        }
    }
}
