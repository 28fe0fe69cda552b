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
struct UnitLabeler: Sendable {
    let config: PipelineConfig
    let vocabulary: BuildVocabulary
    let outputFolder: String

    func label(unit: Int, documents: Range<Int>, store: DocumentStore) throws -> ([ShardFileSummary], BuildStatistics) {
        let prefix = "part-" + BuildRunner.pad(unit)
        // Leftovers of an interrupted attempt at this unit.
        for name in try PosixFile.listDirectory(outputFolder) where name.hasPrefix(prefix + "-") {
            try PosixFile.removeIfPresent(outputFolder + "/" + name)
        }
        let pairs = config.task == .nsp || config.task == .sop
        let masks = config.maskingMode == .static
        let width = ShardSchema.tokenWidth(forVocabularySize: vocabulary.size)
        let metadata = """
            {"task":"\(config.task.rawValue)","max_seq_length":\(config.maxSequenceLength),"masking":"\(config.maskingMode.rawValue)",\
            "cls_id":\(vocabulary.clsID),"sep_id":\(vocabulary.sepID),"mask_id":\(vocabulary.maskID),"pad_id":\(vocabulary.padID),\
            "eod_id":\(vocabulary.endOfDocumentID),"vocab_size":\(vocabulary.size)}
            """
        let header = ShardHeader(schema: ShardSchema(tokenWidth: width, hasPairs: pairs, hasMasks: masks),
                                 filter: .recommended(forTokenWidth: width), vocabularySize: UInt32(vocabulary.size),
                                 blockLengthLimit: UInt32(ShardFormat.defaultBlockLengthLimit), metadata: metadata)
        let writer = try ShardSetWriter(folder: outputFolder, prefix: prefix, header: header, shardTargetBytes: UInt64(config.shardBytes))
        let masker = Masker(options: config.maskingOptions, vocabulary: vocabulary.masking)
        var stats = BuildStatistics()

        func emit(_ instance: TrainingInstance, maskKey: UInt64, copy: Int, serial: Int) throws {
            var tokens = instance.tokens
            var record = ShardRecord(tokens: [], segmentBoundary: instance.segmentBoundary, pairLabel: instance.pairLabel,
                                     inputOrdinal: instance.inputOrdinal, documentOrdinal: instance.documentOrdinal)
            let maskable = tokens.reduce(0) { $0 + (vocabulary.masking.isSpecial[Int($1)] ? 0 : 1) }
            if masks {
                var random = KeyedRandom(seed: config.seed, purpose: .staticMasking, index: maskKey, subindex: UInt64(copy) << 32 | UInt64(serial))
                let original = tokens
                let m = masker.mask(&tokens, random: &random)
                record.maskedPositions = m.positions
                record.maskedIDs = m.originalIDs
                stats.add("masked_tokens", Double(m.positions.count))
                for p in m.positions {
                    let now = tokens[Int(p)]
                    if now == vocabulary.maskID { stats.add("masked_as_mask") } else if now == original[Int(p)] { stats.add("masked_as_kept") } else { stats.add("masked_as_random") }
                }
            }
            record.tokens = tokens
            try writer.append(record)
            stats.add("instances")
            stats.add("instance_tokens", Double(tokens.count))
            stats.add("maskable_tokens", Double(maskable))
            stats.addLength(tokens.count)
            if tokens.count == config.maxSequenceLength { stats.add("full_length_instances") }
            if instance.truncated { stats.add("truncated_instances") }
            if let label = instance.pairLabel { stats.add("label_\(label)") }
        }

        for copy in 0..<config.dupeFactor {
            switch config.task {
            case .nsp, .sop:
                let builder = SentencePairBuilder(task: config.task == .nsp ? .nextSentence : .sentenceOrder,
                                                  maxSequenceLength: config.maxSequenceLength,
                                                  shortSequenceProbability: config.shortSequenceProbability,
                                                  clsID: vocabulary.clsID, sepID: vocabulary.sepID, seed: config.seed)
                var counts = SentencePairBuilder.Counts()
                for d in documents {
                    for (k, instance) in try builder.instances(documentIndex: d, corpus: store, copy: copy, counts: &counts).enumerated() {
                        try emit(instance, maskKey: UInt64(d), copy: copy, serial: k)
                    }
                }
                stats.add("single_segment_chunks", Double(counts.singleSegmentChunks))
                stats.add("split_single_sentences", Double(counts.splitSingleSentences))
                stats.add("skipped_chunks", Double(counts.skippedChunks))
            case .fullSentences, .docSentences:
                var packer = SentencePacker(maxSequenceLength: config.maxSequenceLength, crossDocuments: config.task == .fullSentences,
                                            clsID: vocabulary.clsID, sepID: vocabulary.sepID, documentSeparatorID: vocabulary.sepID)
                var serial = 0
                let key = UInt64(unit) << 32
                for d in documents {
                    try packer.add(try store.document(d)) { try emit($0, maskKey: key, copy: copy, serial: serial); serial += 1 }
                }
                try packer.finish { try emit($0, maskKey: key, copy: copy, serial: serial); serial += 1 }
                stats.add("truncated_sentences", Double(packer.truncatedSentences))
            case .causal:
                var builder = CausalBlockBuilder(blockLength: config.maxSequenceLength, endOfDocument: vocabulary.endOfDocumentID)
                var serial = 0
                let key = UInt64(unit) << 32
                for d in documents {
                    let doc = try store.document(d)
                    try builder.add(document: doc.tokens, inputOrdinal: doc.inputOrdinal, documentOrdinal: doc.documentOrdinal) { block, input, document in
                        try emit(TrainingInstance(tokens: block, inputOrdinal: input, documentOrdinal: document), maskKey: key, copy: copy, serial: serial)
                        serial += 1
                    }
                }
                stats.add("dropped_tail_tokens", Double(builder.droppedTailTokens))
            }
        }
        return (try writer.finish(), stats)
    }
}
