import PretextCore
import PretextLabeling
import PretextText

/// Everything a build needs, read from a pipeline file (`pipelines/*.toml`) and overridden by
/// command-line flags and `--set section.key=value`.
///
/// The file format is the TOML subset of `TOMLDocument`. Every key is optional except
/// `input.paths` (or `--input`) and `tokenizer.path` (or `--tokenizer`); unknown keys are
/// refused so a typo cannot silently fall back to a default. `canonicalText` is the resolved
/// configuration (output folder aside), one `key = value` per line in a fixed order: it is
/// what the catalog stores and hashes, so two runs are "the same build" exactly when it is
/// equal.
public struct PipelineConfig: Sendable, Equatable {
    public enum Task: String, Sendable, CaseIterable {
        case nsp, sop
        case fullSentences = "full-sentences"
        case docSentences = "doc-sentences"
        case causal
        /// ELECTRA's examples: one or two segments, no pair label (`ElectraExampleBuilder`).
        case electra

        /// Records store where segment B starts (token type ids).
        public var hasSegments: Bool { self == .nsp || self == .sop || self == .electra }
        /// Records store a pair label.
        public var hasPairLabels: Bool { self == .nsp || self == .sop }
        /// Each document's instances depend on that document alone (and, for NSP, the store's
        /// negatives), not on the documents before it: the label phase cuts a unit into groups
        /// of documents that threads run independently.
        public var documentsIndependent: Bool { self == .nsp || self == .sop || self == .electra }
    }

    public enum MaskingMode: String, Sendable, CaseIterable {
        /// Masks written into the shards, `dupeFactor` independently masked copies.
        case `static`
        /// No masks in the shards; the loader masks each epoch differently.
        case dynamic
    }

    public var inputPaths: [String] = []
    public var inputFormat = "bert"
    public var textField = "text"
    public var idField = ""
    public var invalidUTF8 = "replace"
    public var maxLineBytes = 1 << 20
    public var maxDocumentBytes = 16 << 20
    public var zstdWindowLogMax = 23
    public var splitterLanguage = "auto"
    public var tokenizerPath = ""
    /// For a `vocab.txt`: lowercase and strip accents (uncased BERT).
    public var lowercase = true
    /// For a `vocab.txt`: words longer than this many characters become `[UNK]`.
    public var maxWordCharacters = 100
    public var task = Task.nsp
    public var maxSequenceLength = 128
    public var shortSequenceProbability = 0.1
    public var maskingMode = MaskingMode.static
    public var maskingRate = 0.15
    public var maxPredictions = 20
    public var maskShare = 0.8
    public var randomShare = 0.1
    public var maskingStrategy = "token"
    /// What n counts in the prediction budget round(n · rate): the whole sequence (Google,
    /// fairseq) or only the maskable tokens.
    public var maskingBudget = MaskingOptions.BudgetBasis.sequence
    public var ngramMax = 3
    public var spanProbability = 0.2
    public var spanMaxLength = 10
    public var dupeFactor = 1
    public var outputPath = ""
    public var shardBytes = 64 << 20
    /// Bytes of input per unit of work (the inputs laid end to end, cut every `unitBytes`;
    /// a document belongs to the unit its first byte falls in, a compressed input or a stream
    /// fills a unit alone — `UnitPlan`): the grain of parallelism, resume and `--tasks`
    /// partitions. Part of the output's identity (packing restarts at unit boundaries), not of
    /// the thread or task count.
    public var unitBytes = 1 << 20
    public var seed: UInt64 = 12345

    public struct ConfigError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public init() {}

    /// Reads a pipeline file and applies `overrides` (`section.key` → value) on top.
    public init(text: String, overrides: [(String, TOMLDocument.Value)] = []) throws {
        var doc: TOMLDocument
        do { doc = try TOMLDocument(parsing: text) } catch { throw ConfigError(message: "\(error)") }
        for (key, value) in overrides { doc.set(key, value) }
        try self.init(document: doc)
    }

    public init(document doc: TOMLDocument) throws {
        for key in doc.keys where Self.keyPaths[key] == nil {
            throw ConfigError(message: "unknown key \(key) (known: \(Self.keyPaths.keys.sorted().joined(separator: ", ")))")
        }
        for key in doc.keys { try Self.keyPaths[key]!.apply(&self, doc.values[key]!, key) }
        try validate()
    }

    public func validate() throws {
        func fail(_ m: String) -> ConfigError { ConfigError(message: m) }
        guard ["bert", "paragraphs", "jsonl"].contains(inputFormat) else { throw fail("input.format must be bert, paragraphs or jsonl") }
        guard ["replace", "drop-line"].contains(invalidUTF8) else { throw fail("input.invalid_utf8 must be replace or drop-line") }
        guard SentenceSplitter.Language(rawValue: splitterLanguage) != nil else {
            throw fail("splitter.language must be one of \(SentenceSplitter.Language.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ["token", "whole-word", "ngram", "span"].contains(maskingStrategy) else {
            throw fail("masking.strategy must be token, whole-word, ngram or span")
        }
        guard maxSequenceLength >= 8 && maxSequenceLength <= 1 << 16 else { throw fail("task.max_seq_length must be in 8...65536") }
        guard (0...1).contains(shortSequenceProbability) else { throw fail("task.short_seq_prob must be in 0...1") }
        guard maskingRate > 0 && maskingRate < 1 else { throw fail("masking.rate must be in (0, 1)") }
        guard maskShare >= 0 && randomShare >= 0 && maskShare + randomShare <= 1 else {
            throw fail("masking.mask_share + masking.random_share must be at most 1")
        }
        guard maxPredictions >= 1 else { throw fail("masking.max_predictions must be at least 1") }
        guard dupeFactor >= 1 && dupeFactor <= 1000 else { throw fail("masking.dupe_factor must be in 1...1000") }
        guard dupeFactor == 1 || maskingMode == .static else { throw fail("masking.dupe_factor > 1 needs masking.mode = \"static\"") }
        guard shardBytes >= 1 << 16 else { throw fail("output.shard_bytes must be at least 65536") }
        guard unitBytes >= 1024 else { throw fail("output.unit_bytes must be at least 1024") }
        guard maxLineBytes >= 1024 && maxDocumentBytes >= maxLineBytes else { throw fail("input.max_line_bytes must be ≥ 1024 and ≤ input.max_document_bytes") }
        guard (10...31).contains(zstdWindowLogMax) else { throw fail("input.zstd_window_log_max must be in 10...31 (a zstd window of 2^N bytes)") }
    }

    /// Masking options for the masker (static here, dynamic in the loader).
    public var maskingOptions: MaskingOptions {
        let strategy: MaskingOptions.Strategy
        switch maskingStrategy {
        case "whole-word": strategy = .wholeWord
        case "ngram": strategy = .ngram(maxN: ngramMax)
        case "span": strategy = .span(p: spanProbability, maxLength: spanMaxLength)
        default: strategy = .token
        }
        return MaskingOptions(rate: maskingRate, maxPredictions: maxPredictions, maskShare: maskShare, randomShare: randomShare, strategy: strategy, budgetBasis: maskingBudget)
    }

    public var corpusFormat: CorpusFormat {
        switch inputFormat {
        case "paragraphs": return .paragraphs
        case "jsonl": return .jsonl(textField: textField, idField: idField.isEmpty ? nil : idField)
        default: return .bert
        }
    }

    public var readerOptions: ReaderOptions {
        var o = ReaderOptions()
        o.maxLineBytes = maxLineBytes
        o.maxDocumentBytes = maxDocumentBytes
        o.zstdWindowLogMax = zstdWindowLogMax
        o.invalidUTF8 = invalidUTF8 == "drop-line" ? .dropLine : .replace
        return o
    }

    /// The resolved configuration as `key = value` lines, keys in a fixed order. The output
    /// folder is left out: where a build is written is not part of what it is (task folders
    /// of a split build, and a single run elsewhere, hold the same build).
    public var canonicalText: String {
        Self.keyPaths.keys.sorted().filter { $0 != "output.path" }
            .map { "\($0) = \(Self.keyPaths[$0]!.read(self))" }.joined(separator: "\n") + "\n"
    }

    // MARK: Key table

    struct KeyPath {
        let apply: (inout PipelineConfig, TOMLDocument.Value, String) throws -> Void
        let read: (PipelineConfig) -> TOMLDocument.Value
    }

    static func string(_ path: WritableKeyPath<PipelineConfig, String>) -> KeyPath {
        KeyPath(apply: { c, v, k in
            guard case .string(let s) = v else { throw ConfigError(message: "\(k) must be a string") }
            c[keyPath: path] = s
        }, read: { .string($0[keyPath: path]) })
    }

    static func int(_ path: WritableKeyPath<PipelineConfig, Int>) -> KeyPath {
        KeyPath(apply: { c, v, k in
            guard case .integer(let i) = v, let n = Int(exactly: i) else { throw ConfigError(message: "\(k) must be an integer") }
            c[keyPath: path] = n
        }, read: { .integer(Int64($0[keyPath: path])) })
    }

    static func double(_ path: WritableKeyPath<PipelineConfig, Double>) -> KeyPath {
        KeyPath(apply: { c, v, k in
            switch v {
            case .float(let d): c[keyPath: path] = d
            case .integer(let i): c[keyPath: path] = Double(i)
            default: throw ConfigError(message: "\(k) must be a number")
            }
        }, read: { .float($0[keyPath: path]) })
    }

    static func bool(_ path: WritableKeyPath<PipelineConfig, Bool>) -> KeyPath {
        KeyPath(apply: { c, v, k in
            guard case .boolean(let b) = v else { throw ConfigError(message: "\(k) must be true or false") }
            c[keyPath: path] = b
        }, read: { .boolean($0[keyPath: path]) })
    }

    static func choice<E: RawRepresentable & CaseIterable>(_ path: WritableKeyPath<PipelineConfig, E>) -> KeyPath where E.RawValue == String {
        KeyPath(apply: { c, v, k in
            guard case .string(let s) = v, let e = E(rawValue: s) else {
                throw ConfigError(message: "\(k) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c[keyPath: path] = e
        }, read: { .string($0[keyPath: path].rawValue) })
    }

    // Immutable after initialization; the closures capture only key paths.
    nonisolated(unsafe) static let keyPaths: [String: KeyPath] = [
        "input.paths": KeyPath(apply: { c, v, k in
            switch v {
            case .array(let items):
                c.inputPaths = try items.map { item in
                    guard case .string(let s) = item else { throw ConfigError(message: "\(k) must be an array of strings") }
                    return s
                }
            case .string(let s): c.inputPaths = [s]
            default: throw ConfigError(message: "\(k) must be an array of strings")
            }
        }, read: { .array($0.inputPaths.map { .string($0) }) }),
        "input.format": string(\.inputFormat),
        "input.text_field": string(\.textField),
        "input.id_field": string(\.idField),
        "input.invalid_utf8": string(\.invalidUTF8),
        "input.max_line_bytes": int(\.maxLineBytes),
        "input.max_document_bytes": int(\.maxDocumentBytes),
        "input.zstd_window_log_max": int(\.zstdWindowLogMax),
        "splitter.language": string(\.splitterLanguage),
        "tokenizer.path": string(\.tokenizerPath),
        "tokenizer.lowercase": bool(\.lowercase),
        "tokenizer.max_word_chars": int(\.maxWordCharacters),
        "task.kind": choice(\.task),
        "task.max_seq_length": int(\.maxSequenceLength),
        "task.short_seq_prob": double(\.shortSequenceProbability),
        "masking.mode": choice(\.maskingMode),
        "masking.rate": double(\.maskingRate),
        "masking.max_predictions": int(\.maxPredictions),
        "masking.mask_share": double(\.maskShare),
        "masking.random_share": double(\.randomShare),
        "masking.strategy": string(\.maskingStrategy),
        "masking.budget": choice(\.maskingBudget),
        "masking.ngram_max": int(\.ngramMax),
        "masking.span_p": double(\.spanProbability),
        "masking.span_max": int(\.spanMaxLength),
        "masking.dupe_factor": int(\.dupeFactor),
        "output.path": string(\.outputPath),
        "output.shard_bytes": int(\.shardBytes),
        "output.unit_bytes": int(\.unitBytes),
        "output.seed": KeyPath(apply: { c, v, k in
            guard case .integer(let i) = v, i >= 0 else { throw ConfigError(message: "\(k) must be a non-negative integer") }
            c.seed = UInt64(i)
        }, read: { .integer(Int64(bitPattern: $0.seed)) }),
    ]
}
