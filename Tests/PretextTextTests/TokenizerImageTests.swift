import Foundation
import PretextCore
import PretextTestSupport
import Testing
@testable import PretextText

/// The compiled tokenizer image: a loaded image tokenizes exactly as its source (HF's golden
/// ids), carries the same templates and specials, and a stale, damaged or forged image is
/// never used.
@Suite struct TokenizerImageTests {
    static let fixtures = TokenizerParityTests.fixtures
    static let wordPieceJSON = "\(fixtures)/wordpiece-2k.tokenizer.json"

    func fingerprint(_ path: String) throws -> UInt64 { try FileChecksum.xxh64(ofFile: path).checksum }

    /// Loads `source` twice through a fresh image path: the first load writes it, the second reads it.
    func viaImage(_ source: String, options: TokenizerFile.VocabFileOptions = .init()) throws -> (TokenizerFile, TokenizerFile, String) {
        let image = try TemporaryFolder.shared.folder(named: "image") + "/tokenizer.image"
        let first = try TokenizerFile.load(source, vocabOptions: options, fingerprint: try fingerprint(source), image: image)
        #expect(first.use == .written)
        #expect(first.note == nil)
        let second = try TokenizerFile.load(source, vocabOptions: options, fingerprint: try fingerprint(source), image: image)
        #expect(second.use == .read)
        return (first.file, second.file, image)
    }

    /// A process killed while writing leaves `<path>.partial-<host>-<pid>`: the next write
    /// removes it (its pid is gone) and leaves a live process's temporary alone.
    @Test func aKilledWritersTemporaryIsRemovedByTheNextWrite() throws {
        let folder = try TemporaryFolder.shared.folder(named: "image-partials")
        let path = folder + "/tokenizer.image"
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var dead: Int32 = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let stale = path + ".partial-\(host)-\(dead)", live = path + ".partial-\(host)-\(getppid())"
        for p in [stale, live] { try PosixFile.writeAtomically([1, 2, 3], to: p) }
        try TokenizerImage.write([9, 9, 9], to: path)
        #expect(!PosixFile.exists(stale) && PosixFile.exists(live) && PosixFile.exists(path))
    }

    @Test func imageOfTokenizerJSONTokenizesAsHF() throws {
        let (_, loaded, _) = try viaImage(Self.wordPieceJSON)
        try TokenizerParityTests().check(loaded, "wordpiece-2k")
    }

    @Test func imageOfVocabTxtTokenizesAsHF() throws {
        let (_, loaded, _) = try viaImage("\(Self.fixtures)/bert-base-uncased-vocab.txt")
        try TokenizerParityTests().check(loaded, "bert-base-uncased")
    }

    @Test func imageKeepsEverythingTheSourceSays() throws {
        let (source, loaded, _) = try viaImage(Self.wordPieceJSON)
        #expect(loaded.path == source.path)
        #expect(loaded.singleTemplate == source.singleTemplate)
        #expect(loaded.pairTemplate == source.pairTemplate)
        #expect(loaded.truncation == source.truncation)
        #expect(loaded.padding == source.padding)
        let (a, b) = (source.tokenizer as! WordPieceTokenizer, loaded.tokenizer as! WordPieceTokenizer)
        #expect(a.addedTokens.tokens == b.addedTokens.tokens)
        #expect(a.model.vocabulary == b.model.vocabulary)
        #expect(a.model.unknownID == b.model.unknownID)
        #expect(a.model.continuingSubwordPrefix == b.model.continuingSubwordPrefix)
        #expect(a.model.maxInputCharactersPerWord == b.model.maxInputCharactersPerWord)
        #expect(a.normalizer?.options == b.normalizer?.options)
        #expect(a.normalizer?.bmp == b.normalizer?.bmp)
        #expect(a.normalizer?.pool == b.normalizer?.pool)
        // Text no golden line has: accents, CJK, a long word, specials in the text.
        for text in ["Crème brûlée 北京大学 [MASK] [SEP]x", String(repeating: "abc", count: 80), "\u{0301}\tÅngström\u{0000}"] {
            #expect(a.encode(text) == b.encode(text))
        }
    }

    @Test func anImageOfAnotherSourceOrOptionsIsNotUsed() throws {
        let (_, _, image) = try viaImage(Self.wordPieceJSON)
        let key = TokenizerImage.key(sourceFingerprint: try fingerprint(Self.wordPieceJSON), options: .init())
        #expect(try TokenizerImage.read(image, key: key ^ 1, sourcePath: Self.wordPieceJSON) == nil)
        var other = TokenizerFile.VocabFileOptions()
        other.maxInputCharactersPerWord = 200
        #expect(TokenizerImage.key(sourceFingerprint: 1, options: other) != TokenizerImage.key(sourceFingerprint: 1, options: .init()))
        // Loading with other options parses the source and replaces the image.
        let again = try TokenizerFile.load(Self.wordPieceJSON, vocabOptions: other, fingerprint: try fingerprint(Self.wordPieceJSON), image: image)
        #expect(again.use == .written)
    }

    @Test func aDamagedImageIsReportedAndReplaced() throws {
        let (_, _, image) = try viaImage(Self.wordPieceJSON)
        let good = try PosixFile(path: image, mode: .readOnly).readAll()
        let fp = try fingerprint(Self.wordPieceJSON)
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        let truncated = Array(good[0..<(good.count / 3)])
        for (bytes, problem) in [(flipped, "checksum mismatch"), (truncated, "does not match its header"), (Array(good[0..<10]), "no PTXTOKI1 header")] {
            try PosixFile.writeAtomically(bytes, to: image)
            #expect(throws: TokenizerImage.Unreadable.self) { try TokenizerImage.read(image, key: TokenizerImage.key(sourceFingerprint: fp, options: .init()), sourcePath: "") }
            let loaded = try TokenizerFile.load(Self.wordPieceJSON, fingerprint: fp, image: image)
            #expect(loaded.use == .written)
            #expect(loaded.note?.contains(problem) == true, "\(loaded.note ?? "no note")")
            #expect(try PosixFile(path: image, mode: .readOnly).readAll() == good)
            try TokenizerParityTests().check(try TokenizerFile.load(Self.wordPieceJSON, fingerprint: fp, image: image).file, "wordpiece-2k")
        }
    }

    /// An image whose checksum holds but whose trie does not (a bug or a forgery) is refused
    /// before any lookup could leave the trie.
    @Test func aTrieThatLeavesItselfIsRefused() throws {
        let trie = ByteTrie([(Array("ab".utf8), 0), (Array("ac".utf8), 1), (Array("b".utf8), 2)])
        var w = LittleEndianWriter()
        TokenizerImage.writeTrie(trie, &w)
        func read(_ bytes: [UInt8], ids: Int = 3) throws -> ByteTrie {
            let mapped = try MappedFile(path: try TemporaryFolder.shared.file(named: "trie", contents: bytes))
            var c = ByteCursor(mapped.bytes)
            return try TokenizerImage.readTrie(&c, mapped, ids: ids) { TokenizerImage.Unreadable(path: "trie", problem: $0) }
        }
        let back = try read(w.bytes)
        #expect(back.longestMatch(Array("acx".utf8), from: 0, to: 3)?.id == 1)
        #expect(back.id(of: Array("b".utf8)) == 2)
        #expect(throws: TokenizerImage.Unreadable.self) { try read(w.bytes, ids: 2) }  // a value outside the vocabulary
        let nodes = trie.nodeCount, edgesAt = 12 + 256 * 4 + (nodes + 1) * 4 + nodes * 4
        var forged = w.bytes
        forged[edgesAt] = 0x7F  // the first edge now points far outside the trie
        #expect(throws: TokenizerImage.Unreadable.self) { try read(forged) }
        var unordered = w.bytes
        unordered[12 + 256 * 4 + 4] = 0x7F  // node 1's edges start after the last edge
        #expect(throws: TokenizerImage.Unreadable.self) { try read(unordered) }
        #expect(throws: (any Error).self) { try read(Array(w.bytes[0..<(w.bytes.count - 8)])) }  // truncated
    }

    @Test func imageOfByteLevelBPETokenizesAsHF() throws {
        let source = "\(Self.fixtures)/bpe-2k.tokenizer.json"
        let (parsed, loaded, image) = try viaImage(source)
        try TokenizerParityTests().check(loaded, "bpe-2k")
        let (a, b) = (parsed.tokenizer as! ByteLevelBPETokenizer, loaded.tokenizer as! ByteLevelBPETokenizer)
        #expect(a.vocabulary == b.vocabulary)
        #expect(a.merges == b.merges)
        #expect(a.byteIDs == b.byteIDs)
        #expect(a.addPrefixSpace == b.addPrefixSpace && a.ignoreMerges == b.ignoreMerges)
        #expect(a.addedTokens.tokens == b.addedTokens.tokens)
        #expect(parsed.singleTemplate == loaded.singleTemplate && parsed.pairTemplate == loaded.pairTemplate)
        // The same tokenizer always gives the same image bytes (merges are written sorted).
        let key = TokenizerImage.key(sourceFingerprint: try fingerprint(source), options: .init())
        let again = try TokenizerFile.load(source)
        #expect(TokenizerImage.encode(again, key: key) == (try PosixFile(path: image, mode: .readOnly).readAll()))
    }

    /// Values a file declares that do not fit the image's u32 fields (here a negative
    /// max_input_chars_per_word) leave the tokenizer without an image instead of trapping.
    @Test func declaredSizesOutsideU32KeepNoImage() throws {
        let json = #"""
            {"added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": null,
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subwordPrefix": "##", "max_input_chars_per_word": -1,
                       "vocab": {"[UNK]": 0, "a": 1}}}
            """#
        let source = try TemporaryFolder.shared.file(named: "negative-tokenizer.json", text: json)
        let image = try TemporaryFolder.shared.folder(named: "negative") + "/tokenizer.image"
        let loaded = try TokenizerFile.load(source, fingerprint: try fingerprint(source), image: image)
        #expect(loaded.use == .notWritten(nil))
        #expect(!PosixFile.exists(image))
        #expect(loaded.file.tokenizer.encode("a") == [0])  // every word is longer than -1 characters
    }

    @Test func anImageThatCannotBeWrittenIsReportedNotFatal() throws {
        let image = try TemporaryFolder.shared.folder(named: "gone") + "/no-such-folder/tokenizer.image"
        let loaded = try TokenizerFile.load(Self.wordPieceJSON, fingerprint: try fingerprint(Self.wordPieceJSON), image: image)
        guard case .notWritten(let reason?) = loaded.use else { Issue.record("expected a reason, got \(loaded.use)"); return }
        #expect(reason.contains("could not be written"))
        #expect(loaded.note == reason)
        try TokenizerParityTests().check(loaded.file, "wordpiece-2k")
    }
}
