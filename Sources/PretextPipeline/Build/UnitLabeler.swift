import PretextCore
import PretextLabeling
import PretextShards

/// Stage 2 for one unit: instances from the unit's documents (NSP/SOP pairs, ELECTRA
/// examples, RoBERTa packing or causal blocks), static masking of `dupeFactor` copies, written
/// as `part-<unit>-NNNNN.ptxs` in the output folder.
///
/// Order inside a unit: copy-major (all documents of copy 0, then copy 1, …), documents in
/// corpus order — as Google's script loops over dupes then documents. Randomness: pairs and
/// ELECTRA examples are keyed by (seed, document, copy), the document by its index in the
/// whole store; masks by (seed, document or unit, copy << 32 | instance).
/// The work is cut into `Task`s that threads run independently (each with its own store
/// reader and scratch): groups of about `groupTokens` tokens of NSP/SOP/ELECTRA documents, or
/// a unit's copy for packing and causal blocks, which carry state from document to document.
/// The runner joins their outputs in task order, so the bytes do not depend on threads.
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

    /// A thread's reusable masking buffers and block builder.
    struct Scratch {
        let masking = MaskingScratch()
        var masked = MaskedPositions()
        var blocks: BlockBuilder

        init(header: ShardHeader) {
            blocks = BlockBuilder(header: header, context: "")
        }
    }

    /// Masks `instance` (static masking) and appends it to the open block of `scratch.blocks`;
    /// its contribution goes to `counters`.
    func append(_ instance: TrainingInstance, maskKey: UInt64, copy: Int, serial: Int, masker: Masker, scratch: inout Scratch,
                counters c: inout InstanceCounters) throws {
        var tokens = instance.tokens
        let masking = vocabulary.masking
        var maskable = 0
        for t in tokens where !masking.special(t) { maskable += 1 }
        scratch.masked.positions.removeAll(keepingCapacity: true)
        scratch.masked.originalIDs.removeAll(keepingCapacity: true)
        if config.maskingMode == .static {
            var random = KeyedRandom(seed: config.seed, purpose: .staticMasking, index: maskKey, subindex: UInt64(copy) << 32 | UInt64(serial))
            masker.mask(&tokens, random: &random, scratch: scratch.masking, into: &scratch.masked)
            let m = scratch.masked
            c.masked += m.positions.count
            for (p, original) in zip(m.positions, m.originalIDs) {
                let now = tokens[Int(p)]
                if now == vocabulary.maskID { c.maskedAsMask += 1 } else if now == original { c.maskedAsKept += 1 } else { c.maskedAsRandom += 1 }
            }
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
        let masked = scratch.masked
        try tokens.withUnsafeBufferPointer { t in
            try masked.positions.withUnsafeBufferPointer { p in
                try masked.originalIDs.withUnsafeBufferPointer { o in
                    try scratch.blocks.append(ShardRecordView(tokens: t, segmentBoundary: instance.segmentBoundary, pairLabel: instance.pairLabel,
                                                              maskedPositions: p, maskedIDs: o, inputOrdinal: instance.inputOrdinal,
                                                              documentOrdinal: instance.documentOrdinal))
                }
            }
        }
    }

    /// The shard header of this build's output (schema from the task and masking mode;
    /// metadata with the special ids the loader needs).
    var header: ShardHeader {
        let width = ShardSchema.tokenWidth(forVocabularySize: vocabulary.size)
        let metadata = """
            {"task":"\(config.task.rawValue)","max_seq_length":\(config.maxSequenceLength),"masking":"\(config.maskingMode.rawValue)",\
            "cls_id":\(vocabulary.clsID),"sep_id":\(vocabulary.sepID),"mask_id":\(vocabulary.maskID),"pad_id":\(vocabulary.padID),\
            "eod_id":\(vocabulary.endOfDocumentID),"vocab_size":\(vocabulary.size)}
            """
        let schema = ShardSchema(tokenWidth: width, hasSegments: config.task.hasSegments, hasPairs: config.task.hasPairLabels,
                                 hasMasks: config.maskingMode == .static)
        return ShardHeader(schema: schema,
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

    /// A piece of stage 2 that a thread runs on its own: copy `copy` of documents `documents`
    /// (global store indexes) of unit `unit`. NSP/SOP/ELECTRA documents are independent, so their
    /// tasks are groups of about `groupTokens` tokens; packing and causal blocks carry state
    /// from document to document, so their task is a whole unit's copy. `closesUnit` marks the
    /// unit's last task.
    struct Task: Sendable {
        let unit: Int
        let copy: Int
        let documents: Range<Int>
        let closesUnit: Bool
    }

    /// What a task made: its records in output order, as finished blocks (cut at the task's
    /// end, so where blocks fall does not depend on threads), and its statistics.
    struct TaskOutput: Sendable {
        let task: Task
        let blocks: EncodedBlocks
        let statistics: BuildStatistics
    }

    /// The tasks of unit `unit` (documents `documents` of `index`), in output order:
    /// copy-major, documents in corpus order. Depends on the data only, never on threads.
    func tasks(unit: Int, documents: Range<Int>, index: DocumentStoreIndex) -> [Task] {
        var tasks: [Task] = []
        for copy in 0..<config.dupeFactor {
            switch config.task {
            case .nsp, .sop, .electra:
                var first = documents.lowerBound, tokens = 0
                for d in documents {
                    tokens += Int(index.tokenCounts[d])
                    if tokens >= Self.groupTokens || d == documents.upperBound - 1 {
                        tasks.append(Task(unit: unit, copy: copy, documents: first..<(d + 1), closesUnit: false))
                        first = d + 1
                        tokens = 0
                    }
                }
            case .fullSentences, .docSentences, .causal:
                tasks.append(Task(unit: unit, copy: copy, documents: documents, closesUnit: false))
            }
        }
        // A unit without documents still gets one (empty) task, which closes it.
        let last = tasks.popLast() ?? Task(unit: unit, copy: 0, documents: documents, closesUnit: true)
        tasks.append(Task(unit: unit, copy: last.copy, documents: last.documents, closesUnit: true))
        return tasks
    }

    /// Runs one task with a thread's store reader and scratch. Negatives come from the whole
    /// store; the task's own documents are read once, in one read. The records are validated,
    /// encoded and compressed here, on the worker: the writer only appends the blocks.
    func run(_ task: Task, store: DocumentStore, masker: Masker, scratch: inout Scratch) throws -> TaskOutput {
        let own = try store.documents(task.documents)
        scratch.blocks.begin(context: "unit \(task.unit) copy \(task.copy) documents \(task.documents.lowerBound)..<\(task.documents.upperBound)")
        var stats = BuildStatistics()
        var counters = InstanceCounters()
        let copy = task.copy
        switch config.task {
        case .nsp, .sop:
            let builder = SentencePairBuilder(task: config.task == .nsp ? .nextSentence : .sentenceOrder,
                                              maxSequenceLength: config.maxSequenceLength,
                                              shortSequenceProbability: config.shortSequenceProbability,
                                              clsID: vocabulary.clsID, sepID: vocabulary.sepID, seed: config.seed)
            let corpus = UnitDocuments(store: store, range: task.documents, documents: own)
            var counts = SentencePairBuilder.Counts()
            for d in task.documents {
                for (k, instance) in try builder.instances(documentIndex: d, corpus: corpus, copy: copy, counts: &counts).enumerated() {
                    try append(instance, maskKey: UInt64(d), copy: copy, serial: k, masker: masker, scratch: &scratch, counters: &counters)
                }
            }
            counters.add(to: &stats, pairs: true, masks: config.maskingMode == .static)
            stats.add("single_segment_chunks", Double(counts.singleSegmentChunks))
            stats.add("split_single_sentences", Double(counts.splitSingleSentences))
            stats.add("skipped_chunks", Double(counts.skippedChunks))
        case .electra:
            let builder = ElectraExampleBuilder(maxSequenceLength: config.maxSequenceLength, clsID: vocabulary.clsID,
                                                sepID: vocabulary.sepID, seed: config.seed)
            var counts = ElectraExampleBuilder.Counts()
            for (d, document) in zip(task.documents, own) {
                for (k, instance) in builder.examples(of: document, documentKey: UInt64(d), copy: copy, counts: &counts).enumerated() {
                    try append(instance, maskKey: UInt64(d), copy: copy, serial: k, masker: masker, scratch: &scratch, counters: &counters)
                }
            }
            counters.add(to: &stats, pairs: false, masks: config.maskingMode == .static)
            stats.add("single_segment_examples", Double(counts.singleSegmentExamples))
            stats.add("short_target_examples", Double(counts.shortTargetExamples))
            stats.add("examples_without_segment_b", Double(counts.examplesWithoutSecondSegment))
        case .fullSentences, .docSentences, .causal:
            // Packing and causal blocks hand instances to a callback that cannot throw: the
            // first error is kept, later instances are skipped, and the error is thrown after.
            var serial = 0
            var failure: Error?
            let key = UInt64(task.unit) << 32
            func emit(_ instance: TrainingInstance) {
                guard failure == nil else { return }
                do {
                    try append(instance, maskKey: key, copy: copy, serial: serial, masker: masker, scratch: &scratch, counters: &counters)
                } catch {
                    failure = error
                }
                serial += 1
            }
            if config.task == .causal {
                var builder = CausalBlockBuilder(blockLength: config.maxSequenceLength, endOfDocument: vocabulary.endOfDocumentID)
                for doc in own where failure == nil {
                    builder.add(document: doc.tokens, inputOrdinal: doc.inputOrdinal, documentOrdinal: doc.documentOrdinal) { block, input, document in
                        emit(TrainingInstance(tokens: block, inputOrdinal: input, documentOrdinal: document))
                    }
                }
                stats.add("dropped_tail_tokens", Double(builder.droppedTailTokens))
            } else {
                var packer = SentencePacker(maxSequenceLength: config.maxSequenceLength, crossDocuments: config.task == .fullSentences,
                                            clsID: vocabulary.clsID, sepID: vocabulary.sepID, documentSeparatorID: vocabulary.sepID)
                for doc in own { packer.add(doc, emit: emit) }
                packer.finish(emit: emit)
                stats.add("truncated_sentences", Double(packer.truncatedSentences))
            }
            if let failure { throw failure }
            counters.add(to: &stats, pairs: false, masks: config.maskingMode == .static)
        }
        try scratch.blocks.closeBlock()
        return TaskOutput(task: task, blocks: scratch.blocks.takeBlocks(), statistics: stats)
    }
}

extension UnitLabeler {
    /// Tokens per task of NSP/SOP/ELECTRA documents.
    static let groupTokens = 16_384

    /// Tasks in flight in stage 2 for `threads` workers: enough small NSP/SOP/ELECTRA tasks (about
    /// 30 KB of compressed blocks each) to keep the workers busy while the writer waits on an
    /// fsync; unit-sized packing tasks only a few, since each holds a unit's records.
    func window(threads: Int) -> Int {
        config.task.documentsIndependent ? 16 * threads + 16 : 2 * threads + 1
    }
}

/// A task's documents in memory in front of the whole store.
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
