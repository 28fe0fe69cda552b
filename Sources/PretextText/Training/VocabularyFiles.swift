import PretextCore

/// Writes a trained vocabulary in the files HF tokenizers and Pretext load.
///
/// WordPiece: `vocab.txt` (one token per line, id = line) and `tokenizer.json` (added special
/// tokens, `BertNormalizer` with the options used in training, `BertPreTokenizer`,
/// `TemplateProcessing` `[CLS] $A [SEP]` / `[CLS] $A [SEP] $B:1 [SEP]:1` when `[CLS]` and
/// `[SEP]` are special tokens, the WordPiece model with `[UNK]`, `##` and 100 characters per
/// word, the WordPiece decoder). Byte-level BPE: `vocab.json`, `merges.txt` (`#version: 0.2`
/// first) and `tokenizer.json` (ByteLevel pre-tokenizer without prefix space, BPE model,
/// ByteLevel decoder and post-processor). Layout and key order follow HF's own files and
/// depend only on the vocabulary, so the same vocabulary always gives the same bytes. Each
/// file is written under a `.partial` name, synced and renamed.
public enum VocabularyFiles {
    /// Writes the files into `folder` (created if missing); returns their paths.
    @discardableResult
    public static func write(_ vocabulary: TrainedVocabulary, to folder: String) throws -> [String] {
        try PosixFile.makeDirectories(folder)
        var files: [(String, [UInt8])] = []
        switch vocabulary.options.model {
        case .wordpiece:
            files.append(("vocab.txt", vocabText(vocabulary)))
            files.append(("tokenizer.json", tokenizerJSON(vocabulary)))
        case .bpe:
            files.append(("vocab.json", vocabJSON(vocabulary)))
            files.append(("merges.txt", mergesText(vocabulary)))
            files.append(("tokenizer.json", tokenizerJSON(vocabulary)))
        }
        var paths: [String] = []
        for (name, bytes) in files {
            let path = folder + "/" + name
            try PosixFile.writeAtomically(bytes, to: path)
            paths.append(path)
        }
        try PosixFile.syncDirectory(folder)
        return paths
    }

    public static func vocabText(_ v: TrainedVocabulary) -> [UInt8] {
        var out: [UInt8] = []
        for t in v.tokens {
            out.append(contentsOf: t.utf8)
            out.append(0x0A)
        }
        return out
    }

    /// `{"token":id,…}` in id order, on one line, as HF's `save_model`.
    public static func vocabJSON(_ v: TrainedVocabulary) -> [UInt8] {
        JSONOutput.object(vocabMembers(v)).text(pretty: false) + [0x0A]
    }

    public static func mergesText(_ v: TrainedVocabulary) -> [UInt8] {
        let tokens = v.tokens
        var out = Array("#version: 0.2\n".utf8)
        for m in v.merges {
            out.append(contentsOf: tokens[Int(m.left)].utf8)
            out.append(0x20)
            out.append(contentsOf: tokens[Int(m.right)].utf8)
            out.append(0x0A)
        }
        return out
    }

    private static func vocabMembers(_ v: TrainedVocabulary) -> [(String, JSONOutput)] {
        v.tokens.enumerated().map { ($1, .int($0)) }
    }

    public static func tokenizerJSON(_ v: TrainedVocabulary) -> [UInt8] {
        let specials = v.options.specialTokens
        let added: [JSONOutput] = specials.enumerated().map { id, content in
            .object([("id", .int(id)), ("content", .string(content)), ("single_word", .bool(false)), ("lstrip", .bool(false)),
                     ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(true))])
        }
        var root: [(String, JSONOutput)] = [("version", .string("1.0")), ("truncation", .null), ("padding", .null),
                                            ("added_tokens", .array(added))]
        switch v.options.model {
        case .wordpiece:
            let n = v.options.normalizerOptions
            root.append(("normalizer", .object([
                ("type", .string("BertNormalizer")), ("clean_text", .bool(n.cleanText)),
                ("handle_chinese_chars", .bool(n.handleChineseCharacters)),
                ("strip_accents", n.stripAccents.map { .bool($0) } ?? .null), ("lowercase", .bool(n.lowercase)),
            ])))
            root.append(("pre_tokenizer", .object([("type", .string("BertPreTokenizer"))])))
            root.append(("post_processor", bertTemplate(specials)))
            root.append(("decoder", .object([("type", .string("WordPiece")), ("prefix", .string("##")), ("cleanup", .bool(true))])))
            root.append(("model", .object([
                ("type", .string("WordPiece")), ("unk_token", .string("[UNK]")), ("continuing_subword_prefix", .string("##")),
                ("max_input_chars_per_word", .int(100)), ("vocab", .object(vocabMembers(v))),
            ])))
        case .bpe:
            func byteLevel(prefixSpace: Bool, trimOffsets: Bool) -> JSONOutput {
                .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(prefixSpace)),
                         ("trim_offsets", .bool(trimOffsets)), ("use_regex", .bool(true))])
            }
            let tokens = v.tokens
            root.append(("normalizer", .null))
            root.append(("pre_tokenizer", byteLevel(prefixSpace: false, trimOffsets: true)))
            root.append(("post_processor", byteLevel(prefixSpace: true, trimOffsets: false)))
            root.append(("decoder", byteLevel(prefixSpace: true, trimOffsets: true)))
            root.append(("model", .object([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null), ("continuing_subword_prefix", .null),
                ("end_of_word_suffix", .null), ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)),
                ("ignore_merges", .bool(false)), ("vocab", .object(vocabMembers(v))),
                ("merges", .array(v.merges.map { .array([.string(tokens[Int($0.left)]), .string(tokens[Int($0.right)])]) })),
            ])))
        }
        return JSONOutput.object(root).text()
    }

    /// `[CLS] $A [SEP]` and `[CLS] $A [SEP] $B:1 [SEP]:1`, or null without `[CLS]`/`[SEP]`.
    private static func bertTemplate(_ specials: [String]) -> JSONOutput {
        guard let cls = specials.firstIndex(of: "[CLS]"), let sep = specials.firstIndex(of: "[SEP]") else { return .null }
        func special(_ name: String, _ typeID: Int) -> JSONOutput {
            .object([("SpecialToken", .object([("id", .string(name)), ("type_id", .int(typeID))]))])
        }
        func sequence(_ name: String, _ typeID: Int) -> JSONOutput {
            .object([("Sequence", .object([("id", .string(name)), ("type_id", .int(typeID))]))])
        }
        func entry(_ name: String, _ id: Int) -> (String, JSONOutput) {
            (name, .object([("id", .string(name)), ("ids", .array([.int(id)])), ("tokens", .array([.string(name)]))]))
        }
        return .object([
            ("type", .string("TemplateProcessing")),
            ("single", .array([special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)])),
            ("pair", .array([special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)])),
            ("special_tokens", .object([entry("[CLS]", cls), entry("[SEP]", sep)])),
        ])
    }
}
