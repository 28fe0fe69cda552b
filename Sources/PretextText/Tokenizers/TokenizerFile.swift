import Foundation
import PretextCore
import Synchronization

/// A tokenizer loaded from a file, with what the file says about special tokens,
/// post-processing, truncation and padding.
///
/// Reads HF `tokenizer.json` (WordPiece with `BertNormalizer`/`BertPreTokenizer`, or
/// byte-level BPE), a BERT `vocab.txt` (one token per line; options from `VocabFileOptions`),
/// or a GPT-2/RoBERTa `vocab.json` (with `merges.txt` beside it). Parsing uses Foundation's
/// JSON reader once at load time; nothing here runs per token. A component Pretext does not
/// implement is refused with the JSON path of the component, never silently ignored.
public struct TokenizerFile: Sendable {
    public let path: String
    public let tokenizer: any TextTokenizer
    /// Special-token template of a single sequence (`[CLS] $A [SEP]`), from the post-processor.
    public let singleTemplate: [TemplatePiece]
    /// Template of a pair (`[CLS] $A [SEP] $B [SEP]`).
    public let pairTemplate: [TemplatePiece]
    /// Truncation as declared in the file (nil = none). Applied only when asked.
    public let truncation: Truncation?
    /// Padding as declared in the file (nil = none). Applied only when asked.
    public let padding: Padding?

    public enum TemplatePiece: Sendable, Equatable {
        case special(id: UInt32, typeID: UInt32)
        case sequenceA(typeID: UInt32)
        case sequenceB(typeID: UInt32)
    }

    public struct Truncation: Sendable, Equatable {
        public var maxLength: Int
        /// true = drop from the left.
        public var fromLeft: Bool
    }

    public struct Padding: Sendable, Equatable {
        /// nil = pad to the longest sequence of the batch.
        public var fixedLength: Int?
        public var padID: UInt32
        public var padToMultipleOf: Int?
        public var fromLeft: Bool
    }

    /// Options for a bare `vocab.txt`, which carries no settings of its own.
    public struct VocabFileOptions: Sendable {
        public var normalizer = BertNormalizer.Options()
        public var unknownToken = "[UNK]"
        public var continuingSubwordPrefix = "##"
        /// HF's default is 100; Google's reference tokenizer uses 200.
        public var maxInputCharactersPerWord = 100
        public init() {}
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    public init(path: String, tokenizer: any TextTokenizer, singleTemplate: [TemplatePiece], pairTemplate: [TemplatePiece],
                truncation: Truncation? = nil, padding: Padding? = nil) {
        self.path = path
        self.tokenizer = tokenizer
        self.singleTemplate = singleTemplate
        self.pairTemplate = pairTemplate
        self.truncation = truncation
        self.padding = padding
    }

    /// Loads `path` by its name: `*.json` other than `vocab.json` is a `tokenizer.json`;
    /// `vocab.json` needs `merges.txt` beside it; anything else is a WordPiece `vocab.txt`.
    public static func load(_ path: String, vocabOptions: VocabFileOptions = VocabFileOptions()) throws -> TokenizerFile {
        guard PosixFile.exists(path) else { throw LoadError(path: path, message: "no such file") }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name == "vocab.json" {
            let merges = String(path.dropLast(name.count)) + "merges.txt"
            return try loadGPT2Files(vocab: path, merges: merges)
        }
        if name.hasSuffix(".json") { return try loadTokenizerJSON(path) }
        return try loadVocabText(path, options: vocabOptions)
    }

    static func readText(_ path: String) throws -> String {
        let file = try PosixFile(path: path, mode: .readOnly)
        let bytes = try file.read(count: Int(try file.size()), at: 0)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LoadError(path: path, message: "not valid UTF-8")
        }
        return text
    }

    // MARK: vocab.txt

    /// The lines of `text` without their `\n` or `\r\n`; no empty last line for a final
    /// newline. Splits UTF-8 bytes (String's Character-based split costs ~30 ms on a 30k vocab).
    static func readLines(_ text: String) -> [String] {
        var lines: [String] = []
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
                if i == bytes.count && start == i { break }
                var end = i
                if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                start = i + 1
            }
        }
        return lines
    }

    static func loadVocabText(_ path: String, options: VocabFileOptions) throws -> TokenizerFile {
        let tokens = readLines(try readText(path))
        // The normalizer's tables and the vocabulary's trie take about the same time to build
        // and do not depend on each other: the normalizer is built on another thread meanwhile.
        let normalizerOptions = options.normalizer
        let built = Mutex<BertNormalizer?>(nil)
        let normalizerTask = BackgroundTask { built.withLock { $0 = BertNormalizer(options: normalizerOptions) } }
        let model: WordPieceModel
        do {
            model = try WordPieceModel(vocabulary: tokens, unknownToken: options.unknownToken,
                                       continuingSubwordPrefix: options.continuingSubwordPrefix,
                                       maxInputCharactersPerWord: options.maxInputCharactersPerWord)
        } catch {
            try? normalizerTask.wait()
            throw LoadError(path: path, message: "\(error)")
        }
        try normalizerTask.wait()
        let normalizer = built.withLock { $0! }
        // As HF's BertWordPieceTokenizer: the five BERT specials are added tokens when present.
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { name in
            model.id(of: name).map { AddedTokens.Token(content: name, id: $0) }
        }
        let tokenizer = WordPieceTokenizer(normalizer: normalizer, model: model, addedTokens: AddedTokens(specials))
        var single: [TemplatePiece] = [.sequenceA(typeID: 0)], pair: [TemplatePiece] = [.sequenceA(typeID: 0), .sequenceB(typeID: 1)]
        if let cls = model.id(of: "[CLS]"), let sep = model.id(of: "[SEP]") {
            single = [.special(id: cls, typeID: 0), .sequenceA(typeID: 0), .special(id: sep, typeID: 0)]
            pair = single + [.sequenceB(typeID: 1), .special(id: sep, typeID: 1)]
        }
        return TokenizerFile(path: path, tokenizer: tokenizer, singleTemplate: single, pairTemplate: pair)
    }

    // MARK: vocab.json + merges.txt

    static func loadGPT2Files(vocab: String, merges: String) throws -> TokenizerFile {
        guard let map = try? JSONSerialization.jsonObject(with: Data(try readText(vocab).utf8)) as? [String: Int] else {
            throw LoadError(path: vocab, message: "not a JSON map of token to id")
        }
        guard PosixFile.exists(merges) else { throw LoadError(path: merges, message: "merges.txt must sit beside vocab.json") }
        // Ids index an array: one outside what Pretext's shards can hold (16M), or far beyond the
        // number of tokens, would have it allocate by the id, not by the file (found by
        // benchmarks/fuzz.sh).
        let idLimit = Self.idLimit(tokens: map.count)
        if let (token, id) = map.first(where: { $0.value < 0 || $0.value >= idLimit }) {
            throw LoadError(path: vocab, message: "token \(token.debugDescription) has id \(id), outside 0..<\(idLimit) (\(map.count) tokens: ids must be dense, and below 2^24)")
        }
        var byID = [String](repeating: "", count: (map.values.max() ?? -1) + 1)
        for (token, id) in map { byID[id] = token }
        var pairs: [(String, String)] = []
        for (n, line) in try readText(merges).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.hasSuffix("\r") ? line.dropLast() : line
            if text.isEmpty || (n == 0 && text.hasPrefix("#version")) { continue }
            let parts = text.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw LoadError(path: merges, message: "line \(n + 1) is not \"a b\"") }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        // As HF's ByteLevelBPETokenizer: <|endoftext|> (GPT-2) or <s> </s> <pad> <unk> <mask> (RoBERTa) are added tokens.
        let specials = ["<|endoftext|>", "<s>", "</s>", "<pad>", "<unk>", "<mask>"].compactMap { name in
            map[name].map { AddedTokens.Token(content: name, id: UInt32($0)) }
        }
        do {
            let tokenizer = try ByteLevelBPETokenizer(vocabulary: byID, merges: pairs, addedTokens: AddedTokens(specials), addPrefixSpace: false)
            return TokenizerFile(path: vocab, tokenizer: tokenizer, singleTemplate: [.sequenceA(typeID: 0)],
                                 pairTemplate: [.sequenceA(typeID: 0), .sequenceB(typeID: 1)])
        } catch {
            throw LoadError(path: merges, message: "\(error)")
        }
    }

    // MARK: tokenizer.json

    static func loadTokenizerJSON(_ path: String) throws -> TokenizerFile {
        func fail(_ message: String) -> LoadError { LoadError(path: path, message: message) }
        let data = try PosixFile(path: path, mode: .readOnly)
        let bytes = try data.read(count: Int(try data.size()), at: 0)
        let (root, model) = try bytes.withUnsafeBytes { try parseTokenizerJSON($0, fail) }
        guard let model, let type = model["type"] as? String else {
            throw fail("model.type is missing")
        }
        let added = try parseAddedTokens(root["added_tokens"], fail)
        let tokenizer: any TextTokenizer
        switch type {
        case "WordPiece":
            tokenizer = try parseWordPiece(root, model, added, fail)
        case "BPE":
            tokenizer = try ByteLevelBPETokenizer.fromTokenizerJSON(root, model, added, fail)
        default:
            throw fail("model.type \(type) is not supported (WordPiece and byte-level BPE are)")
        }
        let (single, pair) = try parsePostProcessor(root["post_processor"], tokenizer, fail)
        return TokenizerFile(path: path, tokenizer: tokenizer, singleTemplate: single, pairTemplate: pair,
                             truncation: try parseTruncation(root["truncation"], fail),
                             padding: try parsePadding(root["padding"], fail))
    }

    /// The largest id + 1 a vocabulary of `tokens` entries may use: ids index arrays, so they must
    /// be dense — at most twice the count, or the count plus 65,536 — and below 2^24 (what shards
    /// hold). A tiny file claiming id 12,000,000 would otherwise allocate 12M slots (found by the
    /// tokenizer-json fuzz target with a 64 MB allocation cap).
    static func idLimit(tokens: Int) -> Int { min(1 << 24, max(2 * tokens, tokens + 65_536)) }

    /// `model.vocab` of a tokenizer.json: tokens by id (a token listed twice keeps its last id;
    /// ids no token has are `filled == false`).
    struct TokenVocabulary {
        var byID: [String] = []
        var filled: [Bool] = []
        mutating func set(_ token: String, id: Int) {
            if id >= byID.count {
                byID += repeatElement("", count: id + 1 - byID.count)
                filled += repeatElement(false, count: id + 1 - filled.count)
            }
            byID[id] = token
            filled[id] = true
        }
    }

    /// The root object and its `model` object of a tokenizer.json, as Foundation values —
    /// except the two large members, `model.vocab` (as a `TokenVocabulary`) and `model.merges`
    /// (as `[Any]` of strings or `[String]` pairs), which are read with the byte-level
    /// `JSONFieldScanner`: going through JSONSerialization, a 30k-entry vocabulary costs ~50 ms
    /// of Foundation objects and casts, paid by every task of a distributed build.
    static func parseTokenizerJSON(_ p: UnsafeRawBufferPointer, _ fail: (String) -> LoadError) throws -> (root: [String: Any], model: [String: Any]?) {
        func scanned<T>(_ body: () throws(JSONFieldScanner.Failure) -> T) throws -> T {
            do { return try body() } catch { throw fail("not valid JSON at byte \(error.offset): \(error.message)") }
        }
        func slice(_ span: JSONFieldScanner.Span) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: p[span.start..<span.end]) }
        /// A small value through JSONSerialization; spans are already valid JSON.
        func foundation(_ span: JSONFieldScanner.Span) throws -> Any {
            if span.kind == .string { return JSONFieldScanner.text(p, span) }
            guard let v = try? JSONSerialization.jsonObject(with: Data(slice(span)), options: [.fragmentsAllowed]) else {
                throw fail("a value at byte \(span.start) cannot be read")
            }
            return v
        }
        var root: [String: Any] = [:]
        var model: [String: Any]?
        for (key, value) in try scanned({ () throws(JSONFieldScanner.Failure) in try JSONFieldScanner.members(p) }) {
            let name = JSONFieldScanner.text(p, key)
            guard name == "model" else { root[name] = try foundation(value); continue }
            guard value.kind == .object else { throw fail("model is not an object") }
            let object = slice(value)
            var fields: [String: Any] = [:]
            for (k, v) in try scanned({ () throws(JSONFieldScanner.Failure) in try JSONFieldScanner.members(object) }) {
                let field = JSONFieldScanner.text(object, k)
                switch (field, v.kind) {
                case ("vocab", .object):
                    let map = UnsafeRawBufferPointer(rebasing: object[v.start..<v.end])
                    let entries = try scanned({ () throws(JSONFieldScanner.Failure) in try JSONFieldScanner.members(map) })
                    var vocab = TokenVocabulary()
                    let idLimit = TokenizerFile.idLimit(tokens: entries.count)
                    for (token, id) in entries {
                        guard let n = JSONFieldScanner.integer(map, id) else { throw fail("model.vocab is not a map of token to id") }
                        guard n >= 0 else { throw fail("model.vocab has negative id for \(JSONFieldScanner.text(map, token))") }
                        guard n < idLimit else {
                            throw fail("model.vocab has id \(n) among \(entries.count) tokens: ids must be below \(idLimit) (dense, and below Pretext's 2^24)")
                        }
                        vocab.set(JSONFieldScanner.text(map, token), id: n)
                    }
                    fields[field] = vocab
                case ("merges", .array):
                    let list = UnsafeRawBufferPointer(rebasing: object[v.start..<v.end])
                    var merges: [Any] = []
                    for item in try scanned({ () throws(JSONFieldScanner.Failure) in try JSONFieldScanner.elements(list) }) {
                        switch item.kind {
                        case .string: merges.append(JSONFieldScanner.text(list, item))
                        case .array:
                            let pair = UnsafeRawBufferPointer(rebasing: list[item.start..<item.end])
                            let parts = try scanned({ () throws(JSONFieldScanner.Failure) in try JSONFieldScanner.elements(pair) })
                            guard parts.allSatisfy({ $0.kind == .string }) else { throw fail("model.merges entry at byte \(item.start) is not a pair") }
                            merges.append(parts.map { JSONFieldScanner.text(pair, $0) })
                        default: throw fail("model.merges entry at byte \(item.start) is not a pair")
                        }
                    }
                    fields[field] = merges
                default:
                    fields[field] = try foundation(JSONFieldScanner.Span(start: value.start + v.start, end: value.start + v.end, kind: v.kind, hasEscapes: v.hasEscapes))
                }
            }
            model = fields
        }
        return (root, model)
    }

    static func parseAddedTokens(_ value: Any?, _ fail: (String) -> LoadError) throws -> AddedTokens {
        guard let list = value as? [[String: Any]] else { return AddedTokens([]) }
        var tokens: [AddedTokens.Token] = []
        for entry in list {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int, id >= 0 else {
                throw fail("added_tokens entry without content/id: \(entry)")
            }
            if (entry["normalized"] as? Bool) == true {
                throw fail("added token \(content) has normalized=true, which Pretext does not implement")
            }
            tokens.append(AddedTokens.Token(
                content: content, id: UInt32(id), special: entry["special"] as? Bool ?? false,
                singleWord: entry["single_word"] as? Bool ?? false, leftStrip: entry["lstrip"] as? Bool ?? false,
                rightStrip: entry["rstrip"] as? Bool ?? false))
        }
        return AddedTokens(tokens)
    }

    static func parseWordPiece(_ root: [String: Any], _ model: [String: Any], _ added: AddedTokens, _ fail: (String) -> LoadError) throws -> WordPieceTokenizer {
        guard let vocab = model["vocab"] as? TokenVocabulary else { throw fail("model.vocab is not a map of token to id") }
        let byID = vocab.byID
        if let hole = vocab.filled.firstIndex(of: false) { throw fail("model.vocab has no token with id \(hole)") }
        let wordPiece: WordPieceModel
        do {
            wordPiece = try WordPieceModel(
                vocabulary: byID, unknownToken: model["unk_token"] as? String ?? "[UNK]",
                continuingSubwordPrefix: model["continuing_subword_prefix"] as? String ?? "##",
                maxInputCharactersPerWord: model["max_input_chars_per_word"] as? Int ?? 100)
        } catch {
            throw fail("\(error)")
        }
        var normalizer: BertNormalizer?
        switch root["normalizer"] {
        case nil, is NSNull:
            normalizer = nil
        case let n as [String: Any] where n["type"] as? String == "BertNormalizer":
            normalizer = BertNormalizer(options: BertNormalizer.Options(
                cleanText: n["clean_text"] as? Bool ?? true, handleChineseCharacters: n["handle_chinese_chars"] as? Bool ?? true,
                stripAccents: n["strip_accents"] as? Bool, lowercase: n["lowercase"] as? Bool ?? true))
        case let n as [String: Any]:
            throw fail("normalizer.type \(n["type"] ?? "?") is not supported with WordPiece (BertNormalizer is)")
        default:
            throw fail("normalizer is not an object")
        }
        if let pre = root["pre_tokenizer"] as? [String: Any], pre["type"] as? String != "BertPreTokenizer" {
            throw fail("pre_tokenizer.type \(pre["type"] ?? "?") is not supported with WordPiece (BertPreTokenizer is)")
        }
        return WordPieceTokenizer(normalizer: normalizer, model: wordPiece, addedTokens: added)
    }

    static func parsePostProcessor(_ value: Any?, _ tokenizer: any TextTokenizer, _ fail: (String) -> LoadError) throws -> ([TemplatePiece], [TemplatePiece]) {
        let plain: ([TemplatePiece], [TemplatePiece]) = ([.sequenceA(typeID: 0)], [.sequenceA(typeID: 0), .sequenceB(typeID: 1)])
        guard let p = value as? [String: Any], let type = p["type"] as? String else { return plain }
        func specialID(_ entry: Any?, _ what: String) throws -> UInt32 {
            // BertProcessing/RobertaProcessing store ["[SEP]", 102].
            if let pair = entry as? [Any], pair.count == 2, let id = pair[1] as? Int { return UInt32(id) }
            throw fail("post_processor.\(what) is not [token, id]")
        }
        switch type {
        case "TemplateProcessing":
            let specials = p["special_tokens"] as? [String: [String: Any]] ?? [:]
            func template(_ key: String) throws -> [TemplatePiece] {
                guard let items = p[key] as? [[String: Any]] else { throw fail("post_processor.\(key) is missing") }
                return try items.flatMap { item -> [TemplatePiece] in
                    if let s = item["SpecialToken"] as? [String: Any], let name = s["id"] as? String {
                        let typeID = UInt32(s["type_id"] as? Int ?? 0)
                        let ids = (specials[name]?["ids"] as? [Int]).map { $0.map(UInt32.init) } ?? tokenizer.id(of: name).map { [$0] }
                        guard let ids else { throw fail("post_processor special token \(name) has no id") }
                        return ids.map { .special(id: $0, typeID: typeID) }
                    }
                    if let s = item["Sequence"] as? [String: Any], let which = s["id"] as? String {
                        let typeID = UInt32(s["type_id"] as? Int ?? 0)
                        return [which == "B" ? .sequenceB(typeID: typeID) : .sequenceA(typeID: typeID)]
                    }
                    throw fail("post_processor.\(key) has an item Pretext does not understand: \(item)")
                }
            }
            return (try template("single"), try template("pair"))
        case "BertProcessing":
            let cls = try specialID(p["cls"], "cls"), sep = try specialID(p["sep"], "sep")
            return ([.special(id: cls, typeID: 0), .sequenceA(typeID: 0), .special(id: sep, typeID: 0)],
                    [.special(id: cls, typeID: 0), .sequenceA(typeID: 0), .special(id: sep, typeID: 0), .sequenceB(typeID: 1), .special(id: sep, typeID: 1)])
        case "RobertaProcessing":
            let cls = try specialID(p["cls"], "cls"), sep = try specialID(p["sep"], "sep")
            return ([.special(id: cls, typeID: 0), .sequenceA(typeID: 0), .special(id: sep, typeID: 0)],
                    [.special(id: cls, typeID: 0), .sequenceA(typeID: 0), .special(id: sep, typeID: 0), .special(id: sep, typeID: 0),
                     .sequenceB(typeID: 0), .special(id: sep, typeID: 0)])
        case "ByteLevel":
            return plain
        default:
            throw fail("post_processor.type \(type) is not supported")
        }
    }

    static func parseTruncation(_ value: Any?, _ fail: (String) -> LoadError) throws -> Truncation? {
        guard let t = value as? [String: Any] else { return nil }
        guard let maxLength = t["max_length"] as? Int, maxLength > 0 else { throw fail("truncation.max_length is missing") }
        return Truncation(maxLength: maxLength, fromLeft: (t["direction"] as? String) == "Left")
    }

    static func parsePadding(_ value: Any?, _ fail: (String) -> LoadError) throws -> Padding? {
        guard let p = value as? [String: Any] else { return nil }
        var fixed: Int?
        if let strategy = p["strategy"] as? [String: Any], let n = strategy["Fixed"] as? Int { fixed = n }
        return Padding(fixedLength: fixed, padID: UInt32(p["pad_id"] as? Int ?? 0),
                       padToMultipleOf: p["pad_to_multiple_of"] as? Int, fromLeft: (p["direction"] as? String) == "Left")
    }

    // MARK: Encoding with templates

    /// Ids of one sequence: the tokenizer's ids, then (when asked) truncation to the file's
    /// max length minus the template's special tokens, the single template, and padding.
    public func encodeSingle(_ text: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool, applyTruncationAndPadding: Bool,
                             into ids: inout [UInt32], scratch: inout TokenizerScratch) {
        let start = ids.count
        tokenizer.encode(text, into: &ids, scratch: &scratch)
        let specialCount = addSpecialTokens ? singleTemplate.filter { if case .special = $0 { return true } else { return false } }.count : 0
        if applyTruncationAndPadding, let truncation {
            let keep = max(0, truncation.maxLength - specialCount)
            let produced = ids.count - start
            if produced > keep {
                if truncation.fromLeft { ids.removeSubrange(start..<(start + produced - keep)) } else { ids.removeSubrange((start + keep)...) }
            }
        }
        if addSpecialTokens {
            let body = Array(ids[start...])
            ids.removeSubrange(start...)
            for piece in singleTemplate {
                switch piece {
                case .special(let id, _): ids.append(id)
                case .sequenceA, .sequenceB: ids.append(contentsOf: body)
                }
            }
        }
        if applyTruncationAndPadding, let padding {
            var target = padding.fixedLength ?? (ids.count - start)
            if let multiple = padding.padToMultipleOf, multiple > 0, target % multiple != 0 { target += multiple - target % multiple }
            let missing = target - (ids.count - start)
            if missing > 0 {
                if padding.fromLeft {
                    ids.insert(contentsOf: repeatElement(padding.padID, count: missing), at: start)
                } else {
                    ids.append(contentsOf: repeatElement(padding.padID, count: missing))
                }
            }
        }
    }
}
