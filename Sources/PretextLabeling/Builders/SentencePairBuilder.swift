import PretextCore

/// BERT next-sentence (NSP) and ALBERT sentence-order (SOP) pairs from one document, with the
/// semantics of Google's `create_instances_from_document`.
///
/// Per document: a target length of `maxSequenceLength − 3` tokens, or with probability
/// `shortSequenceProbability` a uniform length in 2…that; sentences are gathered into a chunk
/// until it reaches the target or the document ends; the chunk is split at a uniform sentence
/// boundary into A and B.
/// - NSP: with probability ½ (always, when the chunk holds one sentence) B is replaced by
///   sentences from a random other document of the whole corpus (`DocumentSource`), starting
///   at a random sentence, up to the room left; the chunk's unused sentences are put back.
///   Label 1 = random next.
/// - SOP: A and B are the two contiguous parts of the chunk, swapped with probability ½
///   (label 1 = swapped). A chunk of one sentence does NOT fall back to a random-document B,
///   as Google's ALBERT script does (that would make SOP partly NSP): the sentence is split at
///   a uniform token boundary instead, and a one-token chunk is skipped and counted.
/// Then `truncate_seq_pair`: while too long, drop a token from the longer side, from the front
/// or the back with equal probability. Output: `[CLS] A [SEP] B [SEP]`, segment boundary at B.
///
/// Randomness: one `KeyedRandom(seed, purpose, documentIndex, copy)` stream per document and
/// dupe copy, so any document's instances can be rebuilt alone, in any order, on any thread.
public struct SentencePairBuilder: Sendable {
    public enum Task: Sendable { case nextSentence, sentenceOrder }

    public let task: Task
    public let maxSequenceLength: Int
    public let shortSequenceProbability: Double
    public let clsID: UInt32
    public let sepID: UInt32
    public let seed: UInt64

    /// What happened while building, for the run's statistics.
    public struct Counts: Sendable, Equatable {
        public var instances = 0
        public var randomNext = 0
        public var swapped = 0
        /// NSP chunks of one sentence, forced to a random next (as Google's script does).
        public var singleSegmentChunks = 0
        /// SOP chunks of one sentence split inside the sentence.
        public var splitSingleSentences = 0
        /// SOP chunks of one token, skipped.
        public var skippedChunks = 0
        public var truncatedInstances = 0
        public init() {}
        public static func += (a: inout Counts, b: Counts) {
            a.instances += b.instances; a.randomNext += b.randomNext; a.swapped += b.swapped
            a.singleSegmentChunks += b.singleSegmentChunks; a.splitSingleSentences += b.splitSingleSentences
            a.skippedChunks += b.skippedChunks; a.truncatedInstances += b.truncatedInstances
        }
    }

    public init(task: Task, maxSequenceLength: Int, shortSequenceProbability: Double = 0.1, clsID: UInt32, sepID: UInt32, seed: UInt64) {
        precondition(maxSequenceLength >= 5, "pairs need room for [CLS] A [SEP] B [SEP]")
        self.task = task
        self.maxSequenceLength = maxSequenceLength
        self.shortSequenceProbability = shortSequenceProbability
        self.clsID = clsID
        self.sepID = sepID
        self.seed = seed
    }

    /// Instances of document `documentIndex` (its index in `corpus`) for dupe copy `copy`.
    public func instances(documentIndex: Int, corpus: DocumentSource, copy: Int = 0, counts: inout Counts) throws -> [TrainingInstance] {
        let document = try corpus.document(documentIndex)
        var random = KeyedRandom(seed: seed, purpose: task == .nextSentence ? .nextSentencePairs : .sentenceOrderPairs,
                                 index: UInt64(documentIndex), subindex: UInt64(copy))
        let maxTokens = maxSequenceLength - 3
        var target = maxTokens
        if random.unitDouble() < shortSequenceProbability { target = 2 + random.below(maxTokens - 1) }

        var out: [TrainingInstance] = []
        var chunk: [Int] = []  // sentence indices
        var chunkLength = 0
        var i = 0
        while i < document.sentenceCount {
            chunk.append(i)
            chunkLength += document.sentenceLength(i)
            if i == document.sentenceCount - 1 || chunkLength >= target {
                var a: [UInt32] = [], b: [UInt32] = []
                var label: UInt8 = 0
                var usable = true
                let aEnd = chunk.count >= 2 ? 1 + random.below(chunk.count - 1) : 1
                for k in chunk[0..<aEnd] { a.append(contentsOf: document.sentence(k)) }
                switch task {
                case .nextSentence:
                    if chunk.count == 1 || random.unitDouble() < 0.5 {
                        if chunk.count == 1 { counts.singleSegmentChunks += 1 }
                        label = 1
                        let room = target - a.count
                        var other = documentIndex
                        if corpus.documentCount > 1 {
                            for _ in 0..<10 {
                                other = random.below(corpus.documentCount)
                                if other != documentIndex { break }
                            }
                        }
                        let sentences = try corpus.sentenceCount(other)
                        if sentences > 0 {
                            try corpus.appendSentences(of: other, from: random.below(sentences), to: &b, until: room)
                        }
                        // Put the unused sentences of the chunk back.
                        i -= chunk.count - aEnd
                    } else {
                        for k in chunk[aEnd...] { b.append(contentsOf: document.sentence(k)) }
                    }
                case .sentenceOrder:
                    if chunk.count == 1 {
                        if a.count < 2 {
                            usable = false
                            counts.skippedChunks += 1
                        } else {
                            counts.splitSingleSentences += 1
                            let cut = 1 + random.below(a.count - 1)
                            b = Array(a[cut...])
                            a.removeSubrange(cut...)
                        }
                    } else {
                        for k in chunk[aEnd...] { b.append(contentsOf: document.sentence(k)) }
                    }
                    if usable && random.unitDouble() < 0.5 {
                        swap(&a, &b)
                        label = 1
                    }
                }
                if usable && !a.isEmpty && !b.isEmpty {
                    let truncated = Self.truncatePair(&a, &b, maxTokens: maxTokens, random: &random)
                    var tokens: [UInt32] = [clsID]
                    tokens.reserveCapacity(a.count + b.count + 3)
                    tokens.append(contentsOf: a)
                    tokens.append(sepID)
                    let boundary = UInt32(tokens.count)
                    tokens.append(contentsOf: b)
                    tokens.append(sepID)
                    out.append(TrainingInstance(tokens: tokens, segmentBoundary: boundary, pairLabel: label,
                                                inputOrdinal: document.inputOrdinal, documentOrdinal: document.documentOrdinal,
                                                truncated: truncated))
                    counts.instances += 1
                    if truncated { counts.truncatedInstances += 1 }
                    if label == 1 { if task == .nextSentence { counts.randomNext += 1 } else { counts.swapped += 1 } }
                }
                chunk.removeAll(keepingCapacity: true)
                chunkLength = 0
            }
            i += 1
        }
        return out
    }

    /// Google's `truncate_seq_pair`: trims the longer side, front or back at random, until
    /// both fit in `maxTokens`. Returns whether anything was removed.
    static func truncatePair(_ a: inout [UInt32], _ b: inout [UInt32], maxTokens: Int, random: inout KeyedRandom) -> Bool {
        var truncated = false
        while a.count + b.count > maxTokens {
            truncated = true
            if a.count > b.count {
                if random.unitDouble() < 0.5 { a.removeFirst() } else { a.removeLast() }
            } else {
                if random.unitDouble() < 0.5 { b.removeFirst() } else { b.removeLast() }
            }
        }
        return truncated
    }
}
