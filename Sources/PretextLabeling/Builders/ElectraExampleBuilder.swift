import PretextCore

/// ELECTRA's pretraining input (google-research/electra, `build_pretraining_dataset.py`,
/// `ExampleBuilder`): sentences gathered up to a target length and dealt into one or two
/// segments, with no pair label.
///
/// Per document, sentences are added in order to the current example; after each one, when
/// the example holds at least its target length of tokens it is made. The document's end
/// makes the example from what is left, so no example crosses a document (an empty document
/// makes none). Each example's target is `maxSequenceLength`, or with probability 0.05 a
/// uniform integer in 5…`maxSequenceLength`. Making an example:
/// 1. With probability 0.1 it gets a single segment: the first segment's target is Google's
///    100 000 tokens, which a sentence would have to pass on its own. Otherwise the first
///    segment's target is `(target − 3) / 2` (rounded down).
/// 2. Each sentence, in order, goes to the first segment when that is empty, or when the
///    sentence keeps it under its target, or — when the second segment is still empty and the
///    first is under its target — on a fair coin; otherwise to the second segment. A later
///    sentence can still join the first segment after an earlier one went to the second, so
///    A and B are complementary subsequences of the example's sentences (each in order),
///    not the two sides of one split point.
/// 3. A is cut to `maxSequenceLength − 2` tokens and B to what is left beside it,
///    `max(0, maxSequenceLength − |A| − 3)`, both keeping their beginnings.
///
/// Shapes: `[CLS] A [SEP]`, followed by `B [SEP]` when B is not empty; `segmentBoundary` is
/// the index of B's first token, or the length when there is no B (token type ids 0 for
/// `[CLS] A [SEP]`, 1 for `B [SEP]`); `pairLabel` is nil. Invariants: 3 ≤ length ≤
/// `maxSequenceLength`; A is never empty; an example's tokens come from one run of
/// consecutive sentences of the document, runs follow each other without gaps, and only the
/// cuts of step 3 drop tokens (counted as truncated).
///
/// Randomness, keyed so the output depends on the data only (not on threads, units or task
/// split): every draw of example k of document `documentKey` in dupe copy `copy` comes from
/// one stream, `random(documentKey:copy:example:)` = `KeyedRandom(seed, .electraExamples,
/// documentKey, copy << 32 | k)`, in this order: the target (`unitDouble() < 0.05`, then
/// `5 + below(maxSequenceLength − 4)`), the single-segment draw (`unitDouble() < 0.1`), then
/// one `unitDouble() < 0.5` per sentence that reaches the coin of step 2. Google's script
/// draws these from one generator and carries the next target over from the previous
/// document; here the first example of each document draws its own, from the same
/// distribution.
public struct ElectraExampleBuilder: Sendable {
    public let maxSequenceLength: Int
    public let clsID: UInt32
    public let sepID: UInt32
    public let seed: UInt64

    /// Probability that an example keeps every sentence in its first segment.
    public static let singleSegmentProbability = 0.1
    /// Probability that an example's target is a uniform length instead of the maximum.
    public static let shortTargetProbability = 0.05
    /// The shortest target a short draw can give.
    public static let shortestTarget = 5
    /// The first segment's target of a single-segment example (Google's constant).
    public static let singleSegmentTarget = 100_000

    /// What happened while building, for the run's statistics.
    public struct Counts: Sendable, Equatable {
        public var instances = 0
        /// Examples whose single-segment draw came up (all sentences offered to A).
        public var singleSegmentExamples = 0
        /// Examples whose target came from the short draw (uniform 5…max).
        public var shortTargetExamples = 0
        /// Examples that came out without a segment B (single-segment draws, one-sentence
        /// examples, and B cut to nothing).
        public var examplesWithoutSecondSegment = 0
        /// Examples that lost tokens to the cuts of step 3.
        public var truncatedInstances = 0
        public init() {}
        public static func += (a: inout Counts, b: Counts) {
            a.instances += b.instances; a.singleSegmentExamples += b.singleSegmentExamples
            a.shortTargetExamples += b.shortTargetExamples; a.examplesWithoutSecondSegment += b.examplesWithoutSecondSegment
            a.truncatedInstances += b.truncatedInstances
        }
    }

    public init(maxSequenceLength: Int, clsID: UInt32, sepID: UInt32, seed: UInt64) {
        precondition(maxSequenceLength >= Self.shortestTarget, "ELECTRA examples need a maximum length of at least 5")
        self.maxSequenceLength = maxSequenceLength
        self.clsID = clsID
        self.sepID = sepID
        self.seed = seed
    }

    /// The stream of every draw of example `example` of a document in dupe copy `copy`.
    public func random(documentKey: UInt64, copy: Int, example: Int) -> KeyedRandom {
        precondition(copy >= 0 && copy < 1 << 32 && example >= 0 && example < 1 << 32)
        return KeyedRandom(seed: seed, purpose: .electraExamples, index: documentKey, subindex: UInt64(copy) << 32 | UInt64(example))
    }

    /// The examples of `document` for dupe copy `copy`. `documentKey` names the document for
    /// the random streams: the same document must get the same key in every run (the build
    /// uses its index in the whole corpus).
    public func examples(of document: TokenizedDocument, documentKey: UInt64, copy: Int = 0, counts: inout Counts) -> [TrainingInstance] {
        var out: [TrainingInstance] = []
        var first = 0, end = 0  // sentences first..<end are gathered
        var length = 0
        var random = KeyedRandom(seed: 0, purpose: .electraExamples, index: 0)
        var target = maxSequenceLength, short = false
        while end < document.sentenceCount {
            if end == first {
                random = self.random(documentKey: documentKey, copy: copy, example: out.count)
                (target, short) = drawTarget(&random)
            }
            length += document.sentenceLength(end)
            end += 1
            if length >= target {
                out.append(example(document, sentences: first..<end, target: target, short: short, random: &random, counts: &counts))
                first = end
                length = 0
            }
        }
        if end > first {
            out.append(example(document, sentences: first..<end, target: target, short: short, random: &random, counts: &counts))
        }
        return out
    }

    /// An example's target length and whether it came from the short draw.
    func drawTarget(_ random: inout KeyedRandom) -> (Int, Bool) {
        guard random.unitDouble() < Self.shortTargetProbability else { return (maxSequenceLength, false) }
        return (Self.shortestTarget + random.below(maxSequenceLength - Self.shortestTarget + 1), true)
    }

    /// Steps 1–3 over `sentences`, then the `[CLS] A [SEP] B [SEP]` layout.
    private func example(_ document: TokenizedDocument, sentences: Range<Int>, target: Int, short: Bool, random: inout KeyedRandom,
                         counts: inout Counts) -> TrainingInstance {
        let single = random.unitDouble() < Self.singleSegmentProbability
        let firstTarget = single ? Self.singleSegmentTarget : (target - 3) / 2
        var a: [UInt32] = [], b: [UInt32] = []
        for k in sentences {
            let sentence = document.sentence(k)
            if a.isEmpty || a.count + sentence.count < firstTarget || (b.isEmpty && a.count < firstTarget && random.unitDouble() < 0.5) {
                a.append(contentsOf: sentence)
            } else {
                b.append(contentsOf: sentence)
            }
        }
        let aKept = min(a.count, maxSequenceLength - 2)
        let bKept = min(b.count, max(0, maxSequenceLength - aKept - 3))
        let truncated = aKept < a.count || bKept < b.count
        var tokens: [UInt32] = [clsID]
        tokens.reserveCapacity(aKept + bKept + 3)
        tokens.append(contentsOf: a[..<aKept])
        tokens.append(sepID)
        let boundary = UInt32(tokens.count)
        if bKept > 0 {
            tokens.append(contentsOf: b[..<bKept])
            tokens.append(sepID)
        }
        counts.instances += 1
        if single { counts.singleSegmentExamples += 1 }
        if short { counts.shortTargetExamples += 1 }
        if bKept == 0 { counts.examplesWithoutSecondSegment += 1 }
        if truncated { counts.truncatedInstances += 1 }
        return TrainingInstance(tokens: tokens, segmentBoundary: bKept > 0 ? boundary : UInt32(tokens.count), pairLabel: nil,
                                inputOrdinal: document.inputOrdinal, documentOrdinal: document.documentOrdinal, truncated: truncated)
    }
}
