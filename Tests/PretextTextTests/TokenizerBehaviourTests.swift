import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

/// The rules of each stage in Pretext's own words (parity with HF is TokenizerParityTests).
@Suite struct TokenizerBehaviourTests {
    func normalize(_ s: String, _ options: BertNormalizer.Options = .init()) -> String {
        var out: [UInt8] = []
        var copy = s
        copy.withUTF8 { BertNormalizer(options: options).normalize(UnsafeRawBufferPointer($0), into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func bertNormalizerSteps() {
        #expect(normalize("Héllo\tWORLD") == "hello world")
        #expect(normalize("a\u{0}b\u{7}c\u{200B}d") == "abcd")            // controls and format characters removed
        #expect(normalize("中文") == " 中  文 ")                             // CJK spaced
        #expect(normalize("한") == "\u{1112}\u{1161}\u{11AB}")               // Hangul decomposed with accents stripped
        #expect(normalize("Héllo", .init(lowercase: false)) == "Héllo")     // cased keeps accents
        #expect(normalize("Héllo", .init(stripAccents: true, lowercase: false)) == "Hello")
        #expect(normalize("\u{E000}x") == "x")                               // private use dropped (HF), not [UNK] (Google)
    }

    func words(_ s: String) -> [String] {
        var out: [String] = []
        let bytes = Array(s.utf8)
        bytes.withUnsafeBufferPointer { p in
            BertPreTokenizer.forEachWord(in: p) { out.append(String(decoding: p[$0], as: UTF8.self)) }
        }
        return out
    }

    @Test func bertPreTokenizerIsolatesPunctuation() {
        #expect(words("don't stop, ok?") == ["don", "'", "t", "stop", ",", "ok", "?"])
        #expect(words("  a\u{3000}b¿c ") == ["a", "b", "¿", "c"])
    }

    func pieces(_ s: String) -> [String] {
        var out: [String] = []
        let bytes = Array(s.utf8)
        bytes.withUnsafeBufferPointer { p in
            GPT2PreTokenizer.forEachPiece(in: p) { out.append(String(decoding: p[$0], as: UTF8.self)) }
        }
        return out
    }

    @Test func gpt2PatternPieces() {
        #expect(pieces("Hello world") == ["Hello", " world"])
        #expect(pieces("it's 2024!!") == ["it", "'s", " 2024", "!!"])
        #expect(pieces("a  b") == ["a", " ", " b"])          // a space run leaves its last space to the next word
        #expect(pieces("a\n\nb") == ["a", "\n", "\n", "b"])   // \s+(?!\S) backtracks to one, then \s+ takes the other
        #expect(pieces("end   ") == ["end", "   "])             // trailing white space stays together
        #expect(pieces("'llama") == ["'ll", "ama"])
    }

    @Test func wordPieceGreedyLongestMatchAndUnknowns() throws {
        let model = try WordPieceModel(vocabulary: ["[UNK]", "un", "##aff", "##able", "aff", "a", "##a"], maxInputCharactersPerWord: 5)
        func encode(_ w: String) -> [UInt32] {
            var ids: [UInt32] = []
            let b = Array(w.utf8)
            b.withUnsafeBufferPointer { model.encodeWord($0.baseAddress!, 0..<b.count, into: &ids) }
            return ids
        }
        #expect(encode("aff") == [4])
        #expect(encode("aaa") == [5, 6, 6])
        #expect(encode("unaff") == [1, 2])
        #expect(encode("unaffable") == [0])   // 9 characters > 5
        #expect(encode("unx") == [0])          // an unmatched remainder makes the whole word [UNK]
    }

    @Test func addedTokensSplitRawText() {
        let added = AddedTokens([.init(content: "[MASK]", id: 7), .init(content: "[MASKED]", id: 8), .init(content: "<s>", id: 9, leftStrip: true)])
        var parts: [AddedTokens.Part] = []
        let text = Array("a[MASK]b[MASKED] c  <s>d".utf8)
        text.withUnsafeBufferPointer { p in added.forEachPart(p) { parts.append($0) } }
        #expect(parts == [.text(0..<1), .token(7), .text(7..<8), .token(8), .text(16..<18), .token(9), .text(23..<24)])
    }

    /// Tokens that all start with one byte (BERT's `[…]`) are found by skipping to that byte:
    /// the parts equal a plain leftmost-longest scan on random text full of near misses.
    @Test func addedTokensSharingAFirstByte() {
        let contents = ["[CLS]", "[SEP]", "[MASK]", "[MASKED]", "[PAD]"]
        let added = AddedTokens(contents.enumerated().map { .init(content: $1, id: UInt32(100 + $0)) })
        func reference(_ text: [UInt8]) -> [AddedTokens.Part] {
            var parts: [AddedTokens.Part] = [], textStart = 0, i = 0
            while i < text.count {
                let match = contents.enumerated().filter { text[i...].starts(with: Array($1.utf8)) }.max { $0.element.utf8.count < $1.element.utf8.count }
                guard let (k, token) = match else { i += 1; continue }
                if i > textStart { parts.append(.text(textStart..<i)) }
                parts.append(.token(UInt32(100 + k)))
                i += token.utf8.count
                textStart = i
            }
            if textStart < text.count { parts.append(.text(textStart..<text.count)) }
            return parts
        }
        var random = KeyedRandom(seed: 7, purpose: .testData, index: 0)
        let pieces = contents + ["[", "]", "[MAS", "[SE", "a", " ", "é", "[[", "CLS]"]
        for length in 0..<200 {
            var text: [UInt8] = []
            for _ in 0..<(length % 12) { text += Array(pieces[random.below(pieces.count)].utf8) }
            var parts: [AddedTokens.Part] = []
            text.withUnsafeBufferPointer { p in added.forEachPart(p) { parts.append($0) } }
            #expect(parts == reference(text), "\(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test func truncationAndPaddingFromTheFile() throws {
        let model = try WordPieceModel(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "b"])
        let tokenizer = WordPieceTokenizer(normalizer: BertNormalizer(), model: model, addedTokens: AddedTokens([]))
        let file = TokenizerFile(
            path: "test", tokenizer: tokenizer,
            singleTemplate: [.special(id: 2, typeID: 0), .sequenceA(typeID: 0), .special(id: 3, typeID: 0)],
            pairTemplate: [], truncation: .init(maxLength: 5, fromLeft: false),
            padding: .init(fixedLength: 8, padID: 0, padToMultipleOf: nil, fromLeft: false))
        func run(_ s: String, special: Bool, apply: Bool) -> [UInt32] {
            var ids: [UInt32] = [], scratch = TokenizerScratch()
            let b = Array(s.utf8)
            b.withUnsafeBufferPointer { file.encodeSingle($0, addSpecialTokens: special, applyTruncationAndPadding: apply, into: &ids, scratch: &scratch) }
            return ids
        }
        #expect(run("a b a b a b", special: false, apply: false) == [4, 5, 4, 5, 4, 5])
        #expect(run("a b a b a b", special: true, apply: false) == [2, 4, 5, 4, 5, 4, 5, 3])
        #expect(run("a b a b a b", special: true, apply: true) == [2, 4, 5, 4, 3, 0, 0, 0])   // 5 - 2 specials = 3 kept, padded to 8
        #expect(run("a b a b a b", special: false, apply: true) == [4, 5, 4, 5, 4, 0, 0, 0])
    }

    /// tokenizer.json's vocabulary and merges are read by the byte-level scanner: escaped
    /// keys decode, merges come as "a b" strings or [a, b] pairs, other fields as before.
    @Test func tokenizerJSONWithEscapesAndBothMergeForms() throws {
        let wordPiece = #"""
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
             "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": false, "lowercase": true},
             "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": null, "decoder": null,
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "caf\u00e9": 2, "\"q\"": 3, "##s": 4}}}
            """#
        let path = try TemporaryFolder.shared.file(named: "escapes-tokenizer.json", text: wordPiece)
        let file = try TokenizerFile.load(path)
        #expect(file.tokenizer.id(of: "café") == 2 && file.tokenizer.id(of: "\"q\"") == 3 && file.tokenizer.vocabularySize == 5)
        for merges in [#"["a b", "ab c"]"#, #"[["a", "b"], ["ab", "c"]]"#] {
            let bpe = """
                {"added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
                 "post_processor": null, "model": {"type": "BPE", "dropout": null, "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4}, "merges": \(merges)}}
                """
            let bpePath = try TemporaryFolder.shared.file(named: "merges-tokenizer.json", text: bpe)
            let loaded = try TokenizerFile.load(bpePath)
            var ids: [UInt32] = [], scratch = TokenizerScratch()
            Array("abc".utf8).withUnsafeBufferPointer { loaded.encodeSingle($0, addSpecialTokens: false, applyTruncationAndPadding: false, into: &ids, scratch: &scratch) }
            #expect(ids == [4], "merges \(merges)")
        }
        let broken = try TemporaryFolder.shared.file(named: "broken-tokenizer.json", text: #"{"model": {"type": "WordPiece", "vocab": {"a": 0,}}}"#)
        #expect(throws: TokenizerFile.LoadError.self) { try TokenizerFile.load(broken) }
    }

    /// Found by benchmarks/fuzz.sh (vocab-json-merges): a vocab.json id of 207 billion made the
    /// loader allocate an array of that many tokens. Ids outside 0..<16M are now a clear error.
    @Test func aVocabJSONIdBeyondSixteenMillionIsRefused() throws {
        let folder = try TemporaryFolder.shared.folder(named: "huge-id")
        try Data("a b\n".utf8).write(to: URL(fileURLWithPath: folder + "/merges.txt"))
        for vocab in [#"{"a": 0, "b": 1, "ab": 207934701616}"#, #"{"a": 0, "b": -1, "ab": 2}"#] {
            try Data(vocab.utf8).write(to: URL(fileURLWithPath: folder + "/vocab.json"))
            #expect(throws: TokenizerFile.LoadError.self) { try TokenizerFile.load(folder + "/vocab.json") }
        }
        try Data(#"{"a": 0, "b": 1, "ab": 2}"#.utf8).write(to: URL(fileURLWithPath: folder + "/vocab.json"))
        #expect(try TokenizerFile.load(folder + "/vocab.json").tokenizer.encode("ab") == [2])
    }

    /// Found by the tokenizer-json fuzz target with a 64 MB allocation cap: a few tokens with an
    /// id of 12 million made the loader allocate 12M slots (198 MB). Ids must be dense: below
    /// twice the token count or the count plus 65,536. Gaps within that still load.
    @Test func vocabularyIdsFarBeyondTheTokenCountAreRefused() throws {
        let folder = try TemporaryFolder.shared.folder(named: "sparse-id")
        try Data("a b\n".utf8).write(to: URL(fileURLWithPath: folder + "/merges.txt"))
        try Data(#"{"a": 0, "b": 1, "ab": 12000000}"#.utf8).write(to: URL(fileURLWithPath: folder + "/vocab.json"))
        let error = #expect(throws: TokenizerFile.LoadError.self) { try TokenizerFile.load(folder + "/vocab.json") }
        #expect(error?.message.contains("ids must be dense") == true, "\(String(describing: error))")
        let json = try TemporaryFolder.shared.file(named: "sparse.tokenizer.json", text: #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 12000000}}}"#)
        let jsonError = #expect(throws: TokenizerFile.LoadError.self) { try TokenizerFile.load(json) }
        #expect(jsonError?.message.contains("ids must be below") == true, "\(String(describing: jsonError))")
        try Data(#"{"a": 0, "b": 1, "ab": 60000}"#.utf8).write(to: URL(fileURLWithPath: folder + "/vocab.json"))
        #expect(try TokenizerFile.load(folder + "/vocab.json").tokenizer.encode("ab") == [60000])
    }
}
