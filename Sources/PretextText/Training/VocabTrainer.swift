#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// Trains a WordPiece or byte-level BPE vocabulary from a corpus, as HF tokenizers'
/// `BertWordPieceTokenizer.train` / `ByteLevelBPETokenizer.train` do.
///
/// 1. Count words (`countWords`): every segment of every document is split into the words
///    the target tokenizer sees at encode time (`TrainingWordSplitter`) and counted in a
///    bounded `WordCounts` table.
/// 2. Learn (`learn`): special tokens get ids 0…, then the alphabet (`TrainingAlphabet`),
///    then one token per merge (`MergeLearner`) until the size or the minimum frequency stops it.
///
/// Single-threaded and deterministic: the same inputs in the same order with the same
/// options give the same vocabulary, byte for byte.
public enum VocabTrainer {
    /// What a run did, for the command's report.
    public struct Report: Sendable {
        public var reader = ReaderReport()
        /// Words counted (occurrences), pruned ones included.
        public var words: UInt64 = 0
        /// Distinct words held at the end (after pruning).
        public var distinctWords = 0
        public var prunedWords: UInt64 = 0
        public var prunedOccurrences: UInt64 = 0
        public var prunings = 0
        public var largestPruneThreshold: UInt64 = 0
        /// Words with two symbols or more (the ones merges can change).
        public var mergeableWords = 0
        public var seenCharacters = 0
        public var alphabet = 0
        public var continuations = 0
        public var droppedCharacters = 0
        public var merges = 0
        public var stopReason = ""
        public var countSeconds = 0.0
        public var learnSeconds = 0.0
        public init() {}
    }

    /// Reads every document of `inputs` and counts its words.
    public static func countWords(_ inputs: CorpusInputs, options: VocabTrainingOptions) throws -> (WordCounts, ReaderReport) {
        let splitter = TrainingWordSplitter(model: options.model, normalizer: options.normalizerOptions)
        var counts = WordCounts(maxDistinctWords: options.maxDistinctWords)
        var scratch: [UInt8] = []
        let report = try inputs.forEachDocument { document in
            for segment in document.segments {
                segment.withUnsafeBufferPointer { text in
                    splitter.forEachWord(in: text, scratch: &scratch) { p, n in counts.add(p, n) }
                }
            }
        }
        return (counts, report)
    }

    /// Counts the words of in-memory texts (tests, tools).
    public static func countWords(texts: [String], options: VocabTrainingOptions) -> WordCounts {
        let splitter = TrainingWordSplitter(model: options.model, normalizer: options.normalizerOptions)
        var counts = WordCounts(maxDistinctWords: options.maxDistinctWords)
        var scratch: [UInt8] = []
        for text in texts {
            Array(text.utf8).withUnsafeBufferPointer { t in
                splitter.forEachWord(in: t, scratch: &scratch) { p, n in counts.add(p, n) }
            }
        }
        return counts
    }

    /// Learns the vocabulary from counted words; fills the learning part of `report`.
    public static func learn(_ counts: WordCounts, options: VocabTrainingOptions, report: inout Report) -> TrainedVocabulary {
        var tokens = TokenTable()
        for special in options.specialTokens { tokens.add(Array(special.utf8)) }
        let (words, alphabet) = TrainingAlphabet.build(counts, model: options.model, limit: options.limitAlphabet, tokens: &tokens)
        var learner = MergeLearner(words: words, tokens: tokens, stripsContinuationPrefix: options.model == .wordpiece)
        let stop = learner.run(vocabularySize: options.vocabularySize, minFrequency: options.minFrequency)
        report.mergeableWords = words.count
        report.seenCharacters = alphabet.seenCharacters
        report.alphabet = alphabet.alphabet
        report.continuations = alphabet.continuations
        report.droppedCharacters = alphabet.droppedCharacters
        report.stopReason = stop.rawValue
        let merges = lastOccurrences(learner.merges)
        report.merges = merges.count
        return TrainedVocabulary(options: options, tokenBytes: learner.tokens.tokens, merges: merges)
    }

    /// The merges with a pair learned twice kept only at its last rank — what HF's trainer
    /// keeps (its merges become a map from pair to rank) and what HF's loader does with a
    /// repeated line. A pair can only come back when a merge recreates an existing token;
    /// the benchmark corpora have none.
    static func lastOccurrences(_ merges: [(UInt32, UInt32)]) -> [TrainedVocabulary.Merge] {
        var seen = Set<UInt64>()
        var kept: [TrainedVocabulary.Merge] = []
        kept.reserveCapacity(merges.count)
        for (left, right) in merges.reversed() where seen.insert(PairTable.key(left, right)).inserted {
            kept.append(TrainedVocabulary.Merge(left: left, right: right))
        }
        return kept.reversed()
    }

    /// Learns from counted words (tests, tools).
    public static func learn(_ counts: WordCounts, options: VocabTrainingOptions) -> TrainedVocabulary {
        var report = Report()
        return learn(counts, options: options, report: &report)
    }

    /// Counts the words of `inputs` and learns the vocabulary.
    public static func train(_ inputs: CorpusInputs, options: VocabTrainingOptions) throws -> (TrainedVocabulary, Report) {
        try options.validate()
        var report = Report()
        let t0 = monotonicSeconds()
        let (counts, reader) = try countWords(inputs, options: options)
        let t1 = monotonicSeconds()
        report.reader = reader
        report.words = counts.occurrences
        report.distinctWords = counts.count
        report.prunedWords = counts.prunedWords
        report.prunedOccurrences = counts.prunedOccurrences
        report.prunings = counts.prunings
        report.largestPruneThreshold = counts.largestPruneThreshold
        let vocabulary = learn(counts, options: options, report: &report)
        report.countSeconds = t1 - t0
        report.learnSeconds = monotonicSeconds() - t1
        return (vocabulary, report)
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
