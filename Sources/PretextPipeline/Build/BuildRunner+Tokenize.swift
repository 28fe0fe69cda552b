import PretextCore
import PretextShards
import PretextText
import Synchronization

extension BuildRunner {
    /// The tokenize phase of this task: reads its units' bytes, splits and tokenizes them
    /// into `store/unit-NNNNN.{tokens,docs}`, and records each unit (its corpus and reader
    /// counters, what it read of each input) in the task's catalog.
    ///
    /// The main thread reads unit after unit and cuts them into groups of about
    /// `tokenizeGroupBytes` of text; `threads` workers tokenize groups as they come and encode
    /// them in the store's layout; the pipeline's consumer appends them in order to their
    /// unit's files and finishes each unit after its last group. Memory: the groups in flight
    /// and one unit's index entries.
    func tokenizePhase(_ setup: Setup, timings: inout Timings) throws -> Outcome {
        let out = config.outputPath
        guard let claimed = try claimTask(.tokenize, setup) else { return .built(units: 0, shards: 0, resumedUnits: 0, timings: timings) }
        defer { withExtendedLifetime(claimed.lock) {} }
        let (files, catalog, run) = (claimed.files, claimed.catalog, claimed.run)
        let vocabulary = setup.vocabulary!
        let plan = setup.plan
        let storeFolder = out + "/" + DocumentStoreFiles.folderName
        // What the label phase needs of the vocabulary, so its tasks need not load the tokenizer.
        if task == 0 { try vocabulary.write(storeFolder: storeFolder) }
        // Every task lists every input as planned (path and size); the merge completes the rows
        // (documents, fingerprint) from the units'.
        try catalog.recordInputs(run: run, plan.inputs.enumerated().map { k, input in
            Catalog.Input(ordinal: Int(input.ordinal), path: input.path, size: plan.sizes[k], fingerprint: "", documents: 0, status: "planned")
        })
        let stage1Start = BuildProgress.now()
        let storeDone = try catalog.finishedUnits(run: run, stage: Self.storeStage)
        let todo = (0..<plan.unitCount).filter { $0 % tasks == task && storeDone[$0] == nil }
        let width = ShardSchema.tokenWidth(forVocabularySize: vocabulary.size)
        let groupTokenizer = GroupTokenizer(config: config, vocabulary: vocabulary)
        let scratches = tokenizerScratches
        let busy = Mutex<(tokenize: Double, store: Double)>((0, 0))
        let assembly = StoreAssembly()
        let stage1 = OrderedPipeline<TokenizeGroup, TokenizedGroup>(threads: threads, window: 8 * threads + 8,
                                                                    maxWeight: Self.textInFlightBytes, pinWorkers: pinThreads, transform: { worker, group in
            let start = BuildProgress.now()
            let (documents, statistics) = scratches.with(worker) { groupTokenizer.tokenize(group.documents, scratch: &$0) }
            let encoded = try EncodedDocuments(documents, tokenWidth: width, folder: storeFolder)
            let end = BuildProgress.now()
            busy.withLock { $0.tokenize += end - start }
            return TokenizedGroup(unit: group.unit, documents: encoded, statistics: statistics, read: group.read)
        }, consume: { group in
            let start = BuildProgress.now()
            defer { let end = BuildProgress.now(); busy.withLock { $0.store += end - start } }
            let writer = try assembly.writer ?? DocumentStoreUnitWriter(folder: storeFolder, unit: group.unit, tokenWidth: width)
            assembly.writer = writer
            try writer.append(group.documents)
            assembly.statistics += group.statistics
            guard let read = group.read else { return }
            try writer.finish()
            // What the unit read of each input: its documents and the XXH64 of its bytes (the
            // page cache still holds them), from which the inputs' fingerprints are made.
            let inputs = try read.parts.map { part in
                let (checksum, bytes) = try FileChecksum.xxh64(ofFile: part.input.path, range: part.bytes)
                return Catalog.UnitInput(unit: group.unit, ordinal: Int(part.input.ordinal), documents: part.documents, bytes: bytes, checksum: checksum)
            }
            assembly.statistics += read.counters
            try catalog.recordUnit(run: run, stage: Self.storeStage, unit: group.unit, shards: [], statistics: assembly.statistics.pairs, inputs: inputs)
            assembly.writer = nil
            assembly.statistics = BuildStatistics()
        })
        var group = GroupText()
        var waited = 0.0
        var problems = 0, problemsOmitted: UInt64 = 0
        let totalBytes = Double(todo.reduce(UInt64(0)) { total, unit in plan.parts(ofUnit: unit).reduce(total) { $0 + UInt64($1.bytes.count) } })
        var bytesSeen = 0.0
        func submit(unit: Int, read: UnitRead?) throws {
            let start = BuildProgress.now()
            try stage1.submit(TokenizeGroup(unit: unit, documents: group, read: read), weight: group.byteCount)
            waited += BuildProgress.now() - start
            group = GroupText()
        }
        do {
            for unit in todo {
                var read = UnitRead()
                var report = ReaderReport()
                for part in plan.parts(ofUnit: unit) {
                    var documents: UInt64 = 0
                    if let reader = try Self.reader(for: part, inputs: setup.inputs) {
                        try reader.forEachDocument { document in
                            group.append(document)
                            documents += 1
                            bytesSeen += Double(document.byteCount)
                            progress?.update(stage: 1, done: bytesSeen, total: totalBytes, inputBytes: bytesSeen, instances: 0)
                            if group.byteCount >= Self.tokenizeGroupBytes { try submit(unit: unit, read: nil) }
                        }
                        report += reader.report
                    }
                    read.parts.append(UnitRead.Part(input: part.input, bytes: part.bytes, documents: documents))
                }
                // What listing the inputs found (skipped folder entries, empty files) belongs to
                // no unit's bytes; it is logged and counted with unit 0, so every task count and
                // the merge give the same statistics.
                let notices = unit == 0 ? setup.inputs.notices : []
                for notice in notices where problems < 20 {
                    log("input: \(notice.description)")
                    problems += 1
                }
                problemsOmitted += UInt64(max(0, notices.count - 20))
                for problem in report.problems where problems < 20 {
                    log("input: \(problem)")
                    problems += 1
                }
                problemsOmitted += UInt64(max(0, report.problems.count - 20)) + report.problemsOmitted
                read.counters = Self.readerCounters(report)
                for notice in notices { read.counters.add(notice.kind.rawValue, 1) }
                try submit(unit: unit, read: read)
            }
        } catch {
            // The pipeline's own error (a failed store write) explains a refused submit best.
            try stage1.finish()
            throw error
        }
        timings.read = BuildProgress.now() - stage1Start - waited
        try stage1.finish()
        if problemsOmitted > 0 || problems >= 20 { log("input: further problems are counted in the statistics (pretext stats)") }
        (timings.tokenize, timings.store) = busy.withLock { $0 }
        try catalog.endRun(run, status: .finished)
        // The marker lists every unit's documents per input (all of this task's units, also
        // those of earlier attempts), from which the label phase numbers documents per input.
        var details = ""
        for row in try catalog.unitInputs(run: run) { details += "documents \(row.unit) \(row.ordinal) \(row.documents)\n" }
        try files.markDone(configHash: setup.configHash, details: details)
        timings.stage1 = BuildProgress.now() - stage1Start
        return .built(units: todo.count, shards: 0, resumedUnits: storeDone.count, timings: timings)
    }

    /// The reader of one part of a unit: a plain file's part from the first document boundary
    /// at or after its start to the first at or after its end (nil when no document starts in
    /// it); a compressed input or a stream whole.
    static func reader(for part: UnitPlan.Part, inputs: CorpusInputs) throws -> (any DocumentReader)? {
        if part.readWhole { return try inputs.makeReader(for: part.input) }
        let size = part.inputSize
        var boundaries = try DocumentBoundaries(path: part.input.path, size: size, format: inputs.format, options: inputs.options)
        // No boundary inside the part means no document starts in it (the scan stops at the
        // part's end, so a part inside one giant line costs its own length only).
        let start = try boundaries.next(atOrAfter: part.bytes.lowerBound, before: part.bytes.upperBound)
        guard start < min(part.bytes.upperBound, size) else { return nil }
        let end = part.bytes.upperBound >= size ? size : try boundaries.next(atOrAfter: part.bytes.upperBound)
        guard start < end else { return nil }
        let source = try FileRangeByteSource(path: part.input.path, start: start, end: end)
        return inputs.makeReader(for: part.input, source: source, atInputStart: start == 0)
    }

    /// The reader's counters as unit statistics (summed over units into the build's).
    static func readerCounters(_ report: ReaderReport) -> BuildStatistics {
        var counters = BuildStatistics()
        for (name, value) in [("input_empty_documents", report.emptyDocuments), ("input_invalid_utf8_lines", report.invalidUTF8Lines),
                              ("input_nul_bytes", report.nulBytes), ("input_crlf_lines", report.crlfLines),
                              ("input_boms_stripped", report.bomsStripped), ("input_overlong_lines", report.overlongLines),
                              ("input_split_documents", report.splitDocuments), ("input_malformed_json_lines", report.malformedJSONLines),
                              ("input_undecodable_streams", report.undecodableInputs),
                              (InputNotice.Kind.skippedEntry.rawValue, 0), (InputNotice.Kind.emptyFile.rawValue, 0)] {
            counters.add(name, Double(value))
        }
        return counters
    }
}

/// What the reading thread saw of a unit, handed on with its last group.
struct UnitRead: Sendable {
    struct Part: Sendable {
        let input: CorpusInput
        let bytes: Range<UInt64>
        let documents: UInt64
    }
    var parts: [Part] = []
    var counters = BuildStatistics()
}

/// A group of documents of one unit on its way to a tokenizing thread.
struct TokenizeGroup: Sendable {
    let unit: Int
    let documents: GroupText
    /// Set on the unit's last group: the store writes the unit after it.
    let read: UnitRead?
}

/// A tokenized group on its way to the store, already in the store's layout.
struct TokenizedGroup: Sendable {
    let unit: Int
    let documents: EncodedDocuments
    let statistics: BuildStatistics
    let read: UnitRead?
}

/// The unit the stage 1 consumer is writing (touched by the consumer thread only).
final class StoreAssembly: @unchecked Sendable {
    var writer: DocumentStoreUnitWriter?
    var statistics = BuildStatistics()
}
