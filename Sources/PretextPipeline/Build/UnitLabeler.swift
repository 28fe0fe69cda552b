import PretextCore
import PretextLabeling
import PretextShards

/// Stage 2 for one unit: instances from the unit's documents (NSP/SOP pairs, RoBERTa packing
/// or causal blocks), static masking of `dupeFactor` copies, written as
/// `part-<unit>-NNNNN.ptxs` in the output folder.
///
/// Order inside a unit: copy-major (all documents of copy 0, then copy 1, …), documents in
/// corpus order — as Google's script loops over dupes then documents. Randomness: pairs are
/// keyed by (seed, document, copy); masks by (seed, document or unit, copy << 32 | instance).
/// NSP/SOP documents are independent, so a unit's documents are cut into groups of about
/// `groupTokens` tokens, handed out to `stores.count` threads as they come free (each thread
/// with its own store readers) and joined in order; packing and causal blocks carry state
/// from document to document and run in order.
/// Records leave in batches through a callback, so the runner compresses and writes batch k
/// on another thread while batch k+1 is labeled, and memory holds one batch, not a unit.
struct UnitLabeler: Sendable {
    let config: PipelineConfig
    let vocabulary: BuildVocabulary
    let outputFolder: String

    /// Per-instance counters, kept as integers in the hot loop and turned into named
    /// statistics once per part (string-keyed updates per instance cost more than the masking).
    struct InstanceCounters {
        var instances = 0, instanceTokens = 0, maskableTokens = 0, fullLength = 0, truncated = 0
        var labels = [0, 0]
        var masked = 0, maskedAsMask = 0, maskedAsKept = 0, maskedAsRandom = 0
        /// Instances by length bucket of 16 tokens (index = (length + 15) / 16).
        var lengthBuckets: [Int] = []

        func add(to stats: inout BuildStatistics, pairs: Bool, masks: Bool) {
            stats.add("instances", Double(instances))
            stats.add("instance_tokens", Double(instanceTokens))
            stats.add("maskable_tokens", Double(maskableTokens))
            stats.add("full_length_instances", Double(fullLength))
            stats.add("truncated_instances", Double(truncated))
            if pairs {
                stats.add("label_0", Double(labels[0]))
                stats.add("label_1", Double(labels[1]))
            }
            if masks {
                stats.add("masked_tokens", Double(masked))
                stats.add("masked_as_mask", Double(maskedAsMask))
                stats.add("masked_as_kept", Double(maskedAsKept))
                stats.add("masked_as_random", Double(maskedAsRandom))
            }
            for (bucket, n) in lengthBuckets.enumerated() where n > 0 { stats.addLength(bucket * 16, count: n) }
        }
    }

    /// A thread's reusable masking buffers.
    struct Scratch {
        let masking = MaskingScratch()
        var masked = MaskedPositions()
    }

    /// One record ready to write; its contribution goes to `counters`.
    func record(for instance: TrainingInstance, maskKey: UInt64, copy: Int, serial: Int, masker: Masker, scratch: inout Scratch,
                counters c: inout InstanceCounters) -> ShardRecord {
        var tokens = instance.tokens
        var record = ShardRecord(tokens: [], segmentBoundary: instance.segmentBoundary, pairLabel: instance.pairLabel,
                                 inputOrdinal: instance.inputOrdinal, documentOrdinal: instance.documentOrdinal)
        let masking = vocabulary.masking
        var maskable = 0
        for t in tokens where !masking.special(t) { maskable += 1 }
        if config.maskingMode == .static {
            var random = KeyedRandom(seed: config.seed, purpose: .staticMasking, index: maskKey, subindex: UInt64(copy) << 32 | UInt64(serial))
            masker.mask(&tokens, random: &random, scratch: scratch.masking, into: &scratch.masked)
            let m = scratch.masked
            c.masked += m.positions.count
            for (p, original) in zip(m.positions, m.originalIDs) {
                let now = tokens[Int(p)]
                if now == vocabulary.maskID { c.maskedAsMask += 1 } else if now == original { c.maskedAsKept += 1 } else { c.maskedAsRandom += 1 }
            }
            record.maskedPositions = m.positions
            record.maskedIDs = m.originalIDs
        }
        c.instances += 1
        c.instanceTokens += tokens.count
        c.maskableTokens += maskable
        let bucket = max(1, (tokens.count + 15) / 16)
        if c.lengthBuckets.count <= bucket { c.lengthBuckets += [Int](repeating: 0, count: bucket + 1 - c.lengthBuckets.count) }
        c.lengthBuckets[bucket] += 1
        if tokens.count == config.maxSequenceLength { c.fullLength += 1 }
        if instance.truncated { c.truncated += 1 }
        if let label = instance.pairLabel { c.labels[Int(label)] += 1 }
        record.tokens = tokens
        return record
    }

    /// The shard header of this build's output (schema from the task and masking mode;
    /// metadata with the special ids the loader needs).
    var header: ShardHeader {
        let pairs = config.task == .nsp || config.task == .sop
        let width = ShardSchema.tokenWidth(forVocabularySize: vocabulary.size)
        let metadata = """
            {"task":"\(config.task.rawValue)","max_seq_length":\(config.maxSequenceLength),"masking":"\(config.maskingMode.rawValue)",\
            "cls_id":\(vocabulary.clsID),"sep_id":\(vocabulary.sepID),"mask_id":\(vocabulary.maskID),"pad_id":\(vocabulary.padID),\
            "eod_id":\(vocabulary.endOfDocumentID),"vocab_size":\(vocabulary.size)}
            """
        return ShardHeader(schema: ShardSchema(tokenWidth: width, hasPairs: pairs, hasMasks: config.maskingMode == .static),
                           filter: .recommended(forTokenWidth: width), vocabularySize: UInt32(vocabulary.size),
                           blockLengthLimit: UInt32(ShardFormat.defaultBlockLengthLimit), metadata: metadata)
    }

    /// Opens the writer of a unit's `part-<unit>-NNNNN.ptxs` files, after deleting any
    /// leftovers of an interrupted attempt at the unit.
    func openWriter(unit: Int) throws -> ShardSetWriter {
        let prefix = "part-" + BuildRunner.pad(unit)
        for name in try PosixFile.listDirectory(outputFolder) where name.hasPrefix(prefix + "-") {
            try PosixFile.removeIfPresent(outputFolder + "/" + name)
        }
        return try ShardSetWriter(folder: outputFolder, prefix: prefix, header: header, shardTargetBytes: UInt64(config.shardBytes))
    }

    /// Labels one unit: hands its records, in output order, to `emit` in batches of about
    /// `batchRecords` (NSP/SOP: a wave of document groups), and returns the unit's statistics.
    /// Memory: the unit's documents plus one batch, whatever the dupe factor.
    func label(unit: Int, documents: Range<Int>, stores: [DocumentStore], emit: ([ShardRecord]) throws -> Void) throws -> BuildStatistics {
        var output: [ShardRecord] = []
        func flush(force: Bool) throws {
            if output.count >= Self.batchRecords || (force && !output.isEmpty) {
                try emit(output)
                output.removeAll()
            }
        }
        let masker = Masker(options: config.maskingOptions, vocabulary: vocabulary.masking)
        var stats = BuildStatistics()
        var counters = InstanceCounters()
        var scratch = Scratch()
        // The unit's own documents are read once and kept (a unit is at most unit_bytes of
        // text); only negatives from other documents go back to the store.
        // Read in runs of 64 documents spread over the threads, each with its own store reader.
        let runs = stride(from: documents.lowerBound, to: documents.upperBound, by: 64).map { $0..<min(documents.upperBound, $0 + 64) }
        let readers = PerWorker(count: stores.count) { stores[$0] }
        let own = try OrderedParallelMap.map(runs, threads: stores.count) { worker, run in
            readers.with(worker) { store in Result { try store.documents(run) } }
        }.flatMap { try $0.get() }

        for copy in 0..<config.dupeFactor {
            switch config.task {
            case .nsp, .sop:
                let builder = SentencePairBuilder(task: config.task == .nsp ? .nextSentence : .sentenceOrder,
                                                  maxSequenceLength: config.maxSequenceLength,
                                                  shortSequenceProbability: config.shortSequenceProbability,
                                                  clsID: vocabulary.clsID, sepID: vocabulary.sepID, seed: config.seed)
                // Groups of documents of about `groupTokens` tokens, handed out to the threads
                // dynamically (documents differ in length by orders of magnitude).
                var groups: [Range<Int>] = []
                var first = documents.lowerBound, tokens = 0
                for d in documents {
                    tokens += own[d - documents.lowerBound].tokens.count
                    if tokens >= Self.groupTokens || d == documents.upperBound - 1 {
                        groups.append(first..<(d + 1))
                        first = d + 1
                        tokens = 0
                    }
                }
                let labeler = self
                let workers = PerWorker(count: stores.count) { w in (stores[w], Scratch()) }
                // Waves of a few groups per thread: the threads share a wave dynamically, and
                // the wave's records go to the writer before the next wave starts.
                let waveGroups = 16 * stores.count
                for waveStart in stride(from: 0, to: groups.count, by: waveGroups) {
                    let wave = Array(groups[waveStart..<min(groups.count, waveStart + waveGroups)])
                    let results = OrderedParallelMap.map(wave, threads: stores.count) { worker, group -> Result<([ShardRecord], BuildStatistics), Error> in
                        workers.with(worker) { state in
                            Result {
                                let corpus = UnitDocuments(store: state.0, range: documents, documents: own)
                                var records: [ShardRecord] = []
                                var partStats = BuildStatistics()
                                var counters = InstanceCounters()
                                var counts = SentencePairBuilder.Counts()
                                for d in group {
                                    for (k, instance) in try builder.instances(documentIndex: d, corpus: corpus, copy: copy, counts: &counts).enumerated() {
                                        records.append(labeler.record(for: instance, maskKey: UInt64(d), copy: copy, serial: k, masker: masker,
                                                                      scratch: &state.1, counters: &counters))
                                    }
                                }
                                counters.add(to: &partStats, pairs: true, masks: labeler.config.maskingMode == .static)
                                partStats.add("single_segment_chunks", Double(counts.singleSegmentChunks))
                                partStats.add("split_single_sentences", Double(counts.splitSingleSentences))
                                partStats.add("skipped_chunks", Double(counts.skippedChunks))
                                return (records, partStats)
                            }
                        }
                    }
                    for result in results {
                        let (records, partStats) = try result.get()
                        output += records
                        stats += partStats
                    }
                    try flush(force: true)
                }
            case .fullSentences, .docSentences:
                var packer = SentencePacker(maxSequenceLength: config.maxSequenceLength, crossDocuments: config.task == .fullSentences,
                                            clsID: vocabulary.clsID, sepID: vocabulary.sepID, documentSeparatorID: vocabulary.sepID)
                var serial = 0
                let key = UInt64(unit) << 32
                func emit(_ instance: TrainingInstance) {
                    output.append(record(for: instance, maskKey: key, copy: copy, serial: serial, masker: masker, scratch: &scratch, counters: &counters))
                    serial += 1
                }
                for doc in own {
                    packer.add(doc, emit: emit)
                    try flush(force: false)
                }
                packer.finish(emit: emit)
                stats.add("truncated_sentences", Double(packer.truncatedSentences))
            case .causal:
                var builder = CausalBlockBuilder(blockLength: config.maxSequenceLength, endOfDocument: vocabulary.endOfDocumentID)
                var serial = 0
                let key = UInt64(unit) << 32
                for doc in own {
                    builder.add(document: doc.tokens, inputOrdinal: doc.inputOrdinal, documentOrdinal: doc.documentOrdinal) { block, input, document in
                        let instance = TrainingInstance(tokens: block, inputOrdinal: input, documentOrdinal: document)
                        output.append(record(for: instance, maskKey: key, copy: copy, serial: serial, masker: masker, scratch: &scratch, counters: &counters))
                        serial += 1
                    }
                    try flush(force: false)
                }
                stats.add("dropped_tail_tokens", Double(builder.droppedTailTokens))
            }
        }
        try flush(force: true)
        counters.add(to: &stats, pairs: false, masks: config.maskingMode == .static)
        return stats
    }
}

extension UnitLabeler {
    /// Tokens per group of NSP/SOP documents handed to a labeling thread.
    static let groupTokens = 16_384
    /// Records per batch handed to the writer (packing and causal blocks).
    static let batchRecords = 2048
}

/// A unit's documents in memory in front of the whole store.
struct UnitDocuments: DocumentSource {
    let store: DocumentStore
    let range: Range<Int>
    let documents: [TokenizedDocument]

    var documentCount: Int { store.documentCount }

    func document(_ index: Int) throws -> TokenizedDocument {
        range.contains(index) ? documents[index - range.lowerBound] : try store.document(index)
    }

    func sentenceCount(_ index: Int) throws -> Int {
        range.contains(index) ? documents[index - range.lowerBound].sentenceCount : try store.sentenceCount(index)
    }

    func appendSentences(of index: Int, from start: Int, to tokens: inout [UInt32], until target: Int) throws {
        guard range.contains(index) else { return try store.appendSentences(of: index, from: start, to: &tokens, until: target) }
        let d = documents[index - range.lowerBound]
        for k in start..<d.sentenceCount {
            tokens.append(contentsOf: d.sentence(k))
            if tokens.count >= target { break }
        }
    }
}
