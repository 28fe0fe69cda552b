import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

/// `pretext vocab train`'s library side: word counting, the merge learner (hand-computed
/// merges), the written files, and a round trip through `TokenizerFile`.
@Suite struct VocabTrainingTests {
    /// The classic example: hug×10, pug×5, pun×12, bun×4, hugs×5.
    static let hugWords: [(String, Int)] = [("hug", 10), ("pug", 5), ("pun", 12), ("bun", 4), ("hugs", 5)]

    static func counts(_ words: [(String, Int)], cap: Int = 1000) -> WordCounts {
        var counts = WordCounts(maxDistinctWords: cap)
        for (word, n) in words {
            for _ in 0..<n { counts.add(Array(word.utf8)) }
        }
        return counts
    }

    static func mergeStrings(_ v: TrainedVocabulary) -> [String] {
        let tokens = v.tokens
        return v.merges.map { "\(tokens[Int($0.left)]) \(tokens[Int($0.right)])" }
    }

    static func text(_ words: [(String, Int)]) -> String {
        words.flatMap { Array(repeating: $0.0, count: $0.1) }.joined(separator: " ")
    }

    static func read(_ path: String) throws -> [UInt8] {
        let file = try PosixFile(path: path, mode: .readOnly)
        return try file.read(count: Int(try file.size()), at: 0)
    }

    // MARK: merges computed by hand

    /// Byte-level BPE: ids are 5 specials, then the 256 byte characters in scalar order
    /// ('!' = 5 … 'b' = 70, 'g' = 75, 'h' = 76, 'n' = 82, 'p' = 84, 's' = 87, 'u' = 89), then merges.
    ///   (u,g) 20 → ug=261; (u,n) 16 → un=262; (h,ug) 15 → hug=263; (p,un) 12 → pun=264;
    ///   then (p,ug)=(84,261) and (hug,s)=(263,87) both 5: the smaller ids win, so pug=265
    ///   before hugs=266 (by strings "hug s" would come first); (b,un) 4 → bun=267; no pair left.
    @Test func bpeMergesByHandWithATieBrokenByIDs() {
        let options = VocabTrainingOptions(model: .bpe, vocabularySize: 1000, minFrequency: 2)
        var report = VocabTrainer.Report()
        let v = VocabTrainer.learn(Self.counts(Self.hugWords), options: options, report: &report)
        #expect(Self.mergeStrings(v) == ["u g", "u n", "h ug", "p un", "p ug", "hug s", "b un"])
        #expect(v.merges[4] == .init(left: 84, right: 261))
        #expect(v.merges[5] == .init(left: 263, right: 87))
        #expect(v.count == 5 + 256 + 7)
        #expect(Array(v.tokens[261...]) == ["ug", "un", "hug", "pun", "pug", "hugs", "bun"])
        #expect(v.tokens[70] == "b" && v.tokens[89] == "u")
        #expect(report.stopReason == MergeLearner.StopReason.noPairs.rawValue)
        #expect(report.alphabet == 256)
    }

    @Test func minimumFrequencyStops() {
        let options = VocabTrainingOptions(model: .bpe, vocabularySize: 1000, minFrequency: 5)
        var report = VocabTrainer.Report()
        let v = VocabTrainer.learn(Self.counts(Self.hugWords), options: options, report: &report)
        #expect(Self.mergeStrings(v) == ["u g", "u n", "h ug", "p un", "p ug", "hug s"])  // (b,un) has 4 < 5
        #expect(report.stopReason == MergeLearner.StopReason.minFrequency.rawValue)
    }

    @Test func sizeStops() {
        let options = VocabTrainingOptions(model: .bpe, vocabularySize: 5 + 256 + 3)
        var report = VocabTrainer.Report()
        let v = VocabTrainer.learn(Self.counts(Self.hugWords), options: options, report: &report)
        #expect(Self.mergeStrings(v) == ["u g", "u n", "h ug"])
        #expect(v.count == 264)
        #expect(report.stopReason == MergeLearner.StopReason.vocabularySize.rawValue)
        // A size below specials + alphabet still keeps the whole alphabet (as HF), and merges nothing.
        let tiny = VocabTrainer.learn(Self.counts(Self.hugWords), options: VocabTrainingOptions(model: .bpe, vocabularySize: 10))
        #expect(tiny.count == 261 && tiny.merges.isEmpty)
    }

    /// WordPiece: [PAD] [UNK] [CLS] [SEP] [MASK], alphabet b g h n p s u (5…11), then the
    /// continuation pieces met after a first character, in scalar order: ##g ##n ##s ##u (12…15).
    ///   (##u,##g) 20 → ##ug=16; (##u,##n) 16 → ##un=17; (h,##ug) 15 → hug=18; (p,##un) 12 → pun=19;
    ///   (p,##ug)=(9,16) and (hug,##s)=(18,14) both 5 → pug=20 first, then hugs=21; (b,##un) 4 → bun=22.
    @Test func wordPieceContinuationPieces() {
        let options = VocabTrainingOptions(model: .wordpiece, vocabularySize: 1000)
        let counts = VocabTrainer.countWords(texts: [Self.text(Self.hugWords).uppercased()], options: options)  // lowercased by the normalizer
        var report = VocabTrainer.Report()
        let v = VocabTrainer.learn(counts, options: options, report: &report)
        #expect(v.tokens == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "b", "g", "h", "n", "p", "s", "u",
                             "##g", "##n", "##s", "##u", "##ug", "##un", "hug", "pun", "pug", "hugs", "bun"])
        #expect(Self.mergeStrings(v) == ["##u ##g", "##u ##n", "h ##ug", "p ##un", "p ##ug", "hug ##s", "b ##un"])
        #expect(report.alphabet == 7 && report.continuations == 4)
    }

    /// The alphabet keeps the most frequent characters (ties: the smaller scalar); others are
    /// left out of the words.
    @Test func wordPieceAlphabetLimit() {
        let options = VocabTrainingOptions(model: .wordpiece, vocabularySize: 1000, limitAlphabet: 3)
        let counts = VocabTrainer.countWords(texts: ["ab ab cd"], options: options)
        var report = VocabTrainer.Report()
        let v = VocabTrainer.learn(counts, options: options, report: &report)
        // a=2 b=2 c=1 d=1: d goes; "cd" is the single symbol c.
        #expect(Array(v.tokens[5...]) == ["a", "b", "c", "##b", "ab"])
        #expect(report.droppedCharacters == 1 && report.seenCharacters == 4)
    }

    @Test func specialTokensComeFirst() {
        let bpe = VocabTrainer.learn(Self.counts(Self.hugWords),
                                     options: VocabTrainingOptions(model: .bpe, vocabularySize: 300, specialTokens: ["<|endoftext|>", "<x>"]))
        #expect(Array(bpe.tokens.prefix(3)) == ["<|endoftext|>", "<x>", "!"])
        let wp = VocabTrainer.learn(Self.counts(Self.hugWords),
                                    options: VocabTrainingOptions(model: .wordpiece, vocabularySize: 300, specialTokens: ["[X]", "[UNK]"]))
        #expect(Array(wp.tokens.prefix(3)) == ["[X]", "[UNK]", "b"])
        // A special token equal to a character is that character's token (no duplicate).
        let same = VocabTrainer.learn(Self.counts(Self.hugWords),
                                      options: VocabTrainingOptions(model: .wordpiece, vocabularySize: 300, specialTokens: ["[UNK]", "u"]))
        #expect(same.tokens.filter { $0 == "u" }.count == 1 && same.tokens[1] == "u")
    }

    @Test func invalidOptionsAreRefused() {
        #expect(throws: VocabTrainingOptions.Invalid.self) {
            try VocabTrainingOptions(model: .wordpiece, vocabularySize: 100, specialTokens: ["[PAD]"]).validate()
        }
        #expect(throws: VocabTrainingOptions.Invalid.self) {
            try VocabTrainingOptions(model: .bpe, vocabularySize: 100, limitAlphabet: 10).validate()
        }
        #expect(throws: VocabTrainingOptions.Invalid.self) {
            try VocabTrainingOptions(model: .bpe, vocabularySize: 100, specialTokens: ["<s>", "<s>"]).validate()
        }
    }

    /// Overlapping occurrences merge left to right, and counts stay exact: "aaaa" is (aa)(aa).
    @Test func overlappingPairs() {
        let v = VocabTrainer.learn(Self.counts([("aaaa", 3), ("aaa", 1)]),
                                   options: VocabTrainingOptions(model: .bpe, vocabularySize: 1000, minFrequency: 1))
        // (a,a): 3·3 + 2 = 11 → aa; then aaaa = aa aa (3) and aaa = aa a (1): (aa,aa) 3 → aaaa, (aa,a) 1 → aaa.
        #expect(Self.mergeStrings(v) == ["a a", "aa aa", "aa a"])
    }

    /// A pair learned twice is written once, at its last rank (HF keeps the last rank of a
    /// repeated merge: with merges "a b", "b c", "a b" it encodes "abc" as a + bc).
    @Test func repeatedMergeKeepsItsLastRank() {
        let kept = VocabTrainer.lastOccurrences([(1, 2), (2, 3), (1, 2), (4, 5)])
        #expect(kept == [.init(left: 2, right: 3), .init(left: 1, right: 2), .init(left: 4, right: 5)])
    }

    // MARK: counting and pruning

    @Test func wordsAreSplitAsAtEncodeTime() {
        let wp = VocabTrainer.countWords(texts: ["Héllo, WORLD! héllo"], options: VocabTrainingOptions(model: .wordpiece, vocabularySize: 10))
        #expect(wp.words.map { String(decoding: $0.word, as: UTF8.self) } == ["hello", ",", "world", "!"])
        #expect(wp.words.map(\.count) == [2, 1, 1, 1])
        let cased = VocabTrainer.countWords(texts: ["Héllo héllo"], options: VocabTrainingOptions(model: .wordpiece, vocabularySize: 10, lowercase: false))
        #expect(cased.words.map { String(decoding: $0.word, as: UTF8.self) } == ["Héllo", "héllo"])
        let bpe = VocabTrainer.countWords(texts: ["Hello world, world's end", "Hello"], options: VocabTrainingOptions(model: .bpe, vocabularySize: 10))
        #expect(bpe.words.map { String(decoding: $0.word, as: UTF8.self) } == ["Hello", " world", ",", "'s", " end"])
        #expect(bpe.words.map(\.count) == [2, 2, 1, 1, 1])
        #expect(bpe.occurrences == 7)
    }

    /// Cap 4: the fifth distinct word prunes every word with count ≤ t, t the smallest count
    /// leaving at most 3 words — here t = 1 (b, d, e go; a and c stay). A pruned word seen
    /// again starts from zero.
    @Test func pruningUnderATinyCap() {
        var counts = Self.counts([("a", 3), ("b", 1), ("c", 2), ("d", 1)], cap: 4)
        #expect(counts.count == 4 && counts.prunings == 0)
        counts.add(Array("e".utf8))
        #expect(counts.words.map { String(decoding: $0.word, as: UTF8.self) } == ["a", "c"])
        #expect(counts.words.map(\.count) == [3, 2])
        #expect(counts.prunings == 1 && counts.prunedWords == 3 && counts.prunedOccurrences == 3 && counts.largestPruneThreshold == 1)
        counts.add(Array("b".utf8))
        #expect(counts.words.map(\.count) == [3, 2, 1])
        #expect(counts.occurrences == 9)
        // Equal counts everywhere: the whole group goes (the rule looks only at counts).
        var flat = Self.counts([("w", 1), ("x", 1), ("y", 1), ("z", 1), ("v", 1)], cap: 4)
        #expect(flat.count == 0 && flat.prunedWords == 5)
        flat.add(Array("w".utf8))
        #expect(flat.count == 1)
    }

    @Test func pruningIsReportedByTheTrainer() throws {
        let words = (0..<200).map { "w\($0)" }
        let text = (0..<20).map { round in words.filter { Int($0.dropFirst())! % (round + 1) == 0 }.joined(separator: " ") }.joined(separator: "\n")
        let path = try TemporaryFolder.shared.file(named: "prune.txt", text: text + "\n")
        let inputs = try CorpusInputs.open(paths: [path], format: .paragraphs)
        let (_, report) = try VocabTrainer.train(inputs, options: VocabTrainingOptions(model: .wordpiece, vocabularySize: 100, maxDistinctWords: 50))
        #expect(report.prunings > 0 && report.prunedWords > 0)
        #expect(report.distinctWords <= 50)
        #expect(report.reader.documents == 1 && report.words == UInt64(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).count))
    }

    // MARK: files

    static func corpusText() -> String {
        // A deterministic pseudo-random corpus over a small lexicon, with accents and CJK.
        let lexicon = ["the", "then", "there", "these", "Thé", "cat", "cats", "catalog", "dog", "dogs", "über", "naïve",
                       "don't", "it's", "2024", "hello,", "world!", "中文", "テキスト", "a", "an", "and", "annotation"]
        var state: UInt64 = 42
        var lines: [String] = []
        for _ in 0..<300 {
            var words: [String] = []
            for _ in 0..<12 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                words.append(lexicon[Int(state >> 33) % lexicon.count])
            }
            lines.append(words.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func train(_ model: VocabModelKind, size: Int, corpus: String) throws -> (String, TrainedVocabulary) {
        let inputs = try CorpusInputs.open(paths: [corpus], format: .bert)
        let (v, _) = try VocabTrainer.train(inputs, options: VocabTrainingOptions(model: model, vocabularySize: size))
        let folder = try TemporaryFolder.shared.folder(named: "vocab-\(model.rawValue)")
        try VocabularyFiles.write(v, to: folder)
        return (folder, v)
    }

    @Test(arguments: VocabModelKind.allCases)
    func deterministicFiles(model: VocabModelKind) throws {
        let corpus = try TemporaryFolder.shared.file(named: "corpus.txt", text: Self.corpusText())
        let (a, _) = try Self.train(model, size: 400, corpus: corpus)
        let (b, _) = try Self.train(model, size: 400, corpus: corpus)
        let names = model == .wordpiece ? ["vocab.txt", "tokenizer.json"] : ["vocab.json", "merges.txt", "tokenizer.json"]
        #expect(try PosixFile.listDirectory(a) == names.sorted())
        for name in names {
            #expect(try Self.read(a + "/" + name) == Self.read(b + "/" + name), "\(name) differs between runs")
        }
    }

    @Test func wordPieceFilesParse() throws {
        let corpus = try TemporaryFolder.shared.file(named: "corpus.txt", text: Self.corpusText())
        let (folder, v) = try Self.train(.wordpiece, size: 80, corpus: corpus)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(Self.read(folder + "/tokenizer.json"))) as? [String: Any])
        let model = try #require(root["model"] as? [String: Any])
        #expect(model["type"] as? String == "WordPiece")
        #expect(model["unk_token"] as? String == "[UNK]" && model["continuing_subword_prefix"] as? String == "##")
        #expect(model["max_input_chars_per_word"] as? Int == 100)
        let vocab = try #require(model["vocab"] as? [String: Int])
        #expect(vocab.count == v.count && vocab["[CLS]"] == 2 && vocab["##s"] != nil)
        #expect((root["added_tokens"] as? [[String: Any]])?.map { $0["content"] as? String } == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        let normalizer = try #require(root["normalizer"] as? [String: Any])
        #expect(normalizer["type"] as? String == "BertNormalizer" && normalizer["lowercase"] as? Bool == true)
        #expect((root["pre_tokenizer"] as? [String: Any])?["type"] as? String == "BertPreTokenizer")
        let post = try #require(root["post_processor"] as? [String: Any])
        #expect(post["type"] as? String == "TemplateProcessing")
        #expect((post["pair"] as? [Any])?.count == 5)
        #expect((root["decoder"] as? [String: Any])?["type"] as? String == "WordPiece")
        let lines = String(decoding: try Self.read(folder + "/vocab.txt"), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == v.count + 1 && lines.last == "" && lines[0] == "[PAD]")
        #expect(v.count == 80)
    }

    @Test func bpeFilesParse() throws {
        let corpus = try TemporaryFolder.shared.file(named: "corpus.txt", text: Self.corpusText())
        let (folder, v) = try Self.train(.bpe, size: 320, corpus: corpus)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(Self.read(folder + "/tokenizer.json"))) as? [String: Any])
        let model = try #require(root["model"] as? [String: Any])
        #expect(model["type"] as? String == "BPE")
        #expect((model["vocab"] as? [String: Int])?.count == 320)
        let merges = try #require(model["merges"] as? [[String]])
        #expect(merges.count == v.merges.count && merges.count == 320 - 5 - 256)
        let pre = try #require(root["pre_tokenizer"] as? [String: Any])
        #expect(pre["type"] as? String == "ByteLevel" && pre["add_prefix_space"] as? Bool == false)
        #expect((root["post_processor"] as? [String: Any])?["type"] as? String == "ByteLevel")
        #expect((root["decoder"] as? [String: Any])?["type"] as? String == "ByteLevel")
        #expect(root["normalizer"] is NSNull)
        let vocab = try #require(try JSONSerialization.jsonObject(with: Data(Self.read(folder + "/vocab.json"))) as? [String: Int])
        #expect(vocab.count == 320 && vocab["<s>"] == 0 && vocab["Ġ"] != nil)
        let mergeLines = String(decoding: try Self.read(folder + "/merges.txt"), as: UTF8.self).split(separator: "\n")
        #expect(mergeLines.first == "#version: 0.2")
        #expect(mergeLines.count == merges.count + 1)
        #expect(mergeLines.dropFirst().map(String.init) == merges.map { $0.joined(separator: " ") })
    }

    // MARK: round trip through TokenizerFile

    @Test func wordPieceRoundTrip() throws {
        let corpus = try TemporaryFolder.shared.file(named: "hug.txt", text: Self.text(Self.hugWords) + "\n")
        let (folder, v) = try Self.train(.wordpiece, size: 1000, corpus: corpus)
        #expect(v.count == 23)
        for path in [folder + "/tokenizer.json", folder + "/vocab.txt"] {
            let file = try TokenizerFile.load(path)
            // hugs → hugs; pun → pun; bug → b ##ug; HUG → hug; zap → [UNK] (z is not in the alphabet).
            #expect(file.tokenizer.encode("Hugs pun bug HUG zap") == [21, 19, 5, 16, 18, 1], "\(path)")
            var ids: [UInt32] = [], scratch = TokenizerScratch()
            Array("pug".utf8).withUnsafeBufferPointer {
                file.encodeSingle($0, addSpecialTokens: true, applyTruncationAndPadding: false, into: &ids, scratch: &scratch)
            }
            #expect(ids == [2, 20, 3])
            #expect(file.tokenizer.encode("[MASK] pug") == [4, 20])
        }
    }

    @Test func bpeRoundTrip() throws {
        let options = VocabTrainingOptions(model: .bpe, vocabularySize: 1000)
        let v = VocabTrainer.learn(Self.counts(Self.hugWords), options: options)
        let folder = try TemporaryFolder.shared.folder(named: "bpe-hug")
        try VocabularyFiles.write(v, to: folder)
        for path in [folder + "/tokenizer.json", folder + "/vocab.json"] {
            let file = try TokenizerFile.load(path)
            let space = try #require(file.tokenizer.id(of: "Ġ"))
            // hugs → hugs; pug → pug; " bun" → Ġ bun; bug → b ug.
            #expect(file.tokenizer.encode("hugs") == [266], "\(path)")
            #expect(file.tokenizer.encode("pug bun") == [265, space, 267])
            #expect(file.tokenizer.encode("bug") == [70, 261])
            #expect(file.tokenizer.encode("<mask>hug") == [4, 263])
        }
    }
}
