import PretextCore
import PretextLabeling
import PretextShards
import PretextText
import Synchronization

/// Runs a pipeline: stage 1 tokenizes the corpus into a document store, stage 2 labels and
/// masks it into shards. Deterministic, resumable, parallel.
///
/// Work is cut into units: consecutive documents until `documentsPerUnit` documents or
/// `unitBytes` bytes of text. Units are numbered in corpus order and depend only on the input
/// and the config — never on threads — and every random choice is keyed by (seed, purpose,
/// document or unit, copy). Each unit's output goes to its own files (`store/unit-NNNNN.*`,
/// `part-NNNNN-MMMMM.ptxs`), recorded in the catalog in one transaction when the unit is done.
/// Hence:
/// - any `--threads` gives the same bytes (threads only decide which unit runs where);
/// - `--task i --tasks n` builds the units with `unit % n == i`, and `pretext merge` of the n
///   folders equals one run;
/// - a killed run resumes: finished units are skipped, leftovers of unfinished ones deleted;
///   a finished run is not redone.
/// NSP draws negatives from the whole store, so with NSP every task tokenizes every unit.
public final class BuildRunner: Sendable {
    public let config: PipelineConfig
    public let threads: Int
    public let task: Int
    public let tasks: Int
    private let log: @Sendable (String) -> Void
    private let progress: BuildProgress?

    public enum Outcome: Sendable, Equatable {
        /// Built (or finished a resumed build): units labeled now, shard files in the folder,
        /// units found done, and where the time went.
        case built(units: Int, shards: Int, resumedUnits: Int, timings: Timings)
        /// The catalog already holds a finished run of this configuration.
        case alreadyComplete
    }

    /// Wall-clock seconds per phase (stage 1: reading on the main thread, tokenizing and
    /// writing the store on background tasks — these overlap: reading unit k+1, tokenizing
    /// unit k, writing unit k−1; stage 2: labeling and masking with writing the shards).
    /// Stage 2: `label` is the wall time of stage 2, `write` the busy time of the shard writer
    /// (which runs beside the labeling), `writerWait` the time labeling waited for it.
    public struct Timings: Sendable, Equatable, CustomStringConvertible {
        public var read = 0.0, tokenize = 0.0, store = 0.0, label = 0.0, write = 0.0, writerWait = 0.0
        public var description: String {
            func f(_ v: Double) -> String { String((v * 100).rounded() / 100) }
            return "read \(f(read)) s, tokenize \(f(tokenize)) s, store \(f(store)) s, label+write \(f(label)) s "
                + "(writer busy \(f(write)) s, labeling waited \(f(writerWait)) s for it)"
        }
    }

    public struct BuildError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public init(config: PipelineConfig, threads: Int = 1, task: Int = 0, tasks: Int = 1, progress: BuildProgress? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        precondition(threads >= 1 && tasks >= 1 && task >= 0 && task < tasks)
        self.progress = progress
        self.config = config
        self.threads = threads
        self.task = task
        self.tasks = tasks
        self.log = log
        tokenizerScratches = PerWorker(count: threads) { _ in TokenizerScratch() }
    }

    static let storeStage = "store"
    static let labelStage = "label"
    static let inputStage = "input"

    /// The statistics of a build from its catalog's unit rows: the corpus counters of every
    /// labeled unit's store row, every label row, and the input row. A single run, a task, and
    /// a merge of tasks all use this, so a merge reproduces a single run's figures exactly.
    public static func aggregateStatistics(catalog: Catalog, run: Int64) throws -> BuildStatistics {
        let labels = try catalog.finishedUnits(run: run, stage: labelStage)
        var total = BuildStatistics()
        for (unit, stats) in try catalog.finishedUnits(run: run, stage: storeStage) where labels[unit] != nil { total += BuildStatistics(stats) }
        for (_, stats) in labels { total += BuildStatistics(stats) }
        for (_, stats) in try catalog.finishedUnits(run: run, stage: inputStage) { total += BuildStatistics(stats) }
        return total
    }

    static func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }

    /// The configuration text stored in the catalog: the canonical config plus the tokenizer
    /// file's fingerprint (the same path with other contents is another build).
    func catalogConfigText(tokenizerFingerprint: UInt64) -> String {
        config.canonicalText + "tokenizer.fingerprint = \"\(hex(tokenizerFingerprint))\"\n"
    }

    public func run() throws -> Outcome {
        let out = config.outputPath
        guard !out.isEmpty else { throw BuildError(message: "no output folder (output.path or --output)") }
        guard !config.inputPaths.isEmpty else { throw BuildError(message: "no inputs (input.paths or --input)") }
        guard !config.tokenizerPath.isEmpty else { throw BuildError(message: "no tokenizer (tokenizer.path or --tokenizer)") }

        var vocabOptions = TokenizerFile.VocabFileOptions()
        vocabOptions.normalizer.lowercase = config.lowercase
        vocabOptions.maxInputCharactersPerWord = config.maxWordCharacters
        let tokenizerFile = try TokenizerFile.load(config.tokenizerPath, vocabOptions: vocabOptions)
        let vocabulary = try BuildVocabulary(file: tokenizerFile)
        let (fingerprint, _) = try FileChecksum.xxh64(ofFile: config.tokenizerPath)
        let configText = catalogConfigText(tokenizerFingerprint: fingerprint)
        let inputs = try CorpusInputs.open(paths: config.inputPaths, format: config.corpusFormat, options: config.readerOptions)

        // The catalog decides between a new build, a resume and nothing to do.
        let catalog = try Catalog(folder: out, create: true)
        let runs = try catalog.runs()
        let run: Int64
        if let previous = runs.last {
            guard previous.configText == configText && previous.seed == config.seed else {
                throw BuildError(message: "\(out) holds a build of another configuration (catalog config \(previous.configHash)); use another --output")
            }
            if previous.status == .finished {
                return .alreadyComplete
            }
            run = previous.id
            try catalog.reopenRun(run)
            log("resuming run \(run) in \(out)")
        } else {
            run = try catalog.beginRun(configText: configText, seed: config.seed)
        }
        do {
            let outcome = try build(run: run, catalog: catalog, inputs: inputs, vocabulary: vocabulary)
            try catalog.endRun(run, status: .finished)
            return outcome
        } catch {
            try? catalog.endRun(run, status: .failed)
            throw error
        }
    }

    private func build(run: Int64, catalog: Catalog, inputs: CorpusInputs, vocabulary: BuildVocabulary) throws -> Outcome {
        let out = config.outputPath
        let storeFolder = out + "/" + DocumentStoreFiles.folderName
        let needsAllUnits = config.task == .nsp
        func owned(_ unit: Int) -> Bool { unit % tasks == task }

        // Stage 1: read, split, tokenize → document store.
        let storeDone = try catalog.finishedUnits(run: run, stage: Self.storeStage)
        var unitCount = 0
        var batch: [Document] = []
        var batchBytes = 0
        var inputDocuments: [Int: UInt64] = [:]
        var timings = Timings()
        var clock = BuildProgress.now()
        /// Seconds since the last call.
        func lap() -> Double {
            let t = BuildProgress.now()
            defer { clock = t }
            return t - clock
        }
        // A three-stage pipeline over units: the main thread reads unit k+1 while a background
        // task tokenizes unit k (on `threads` threads) and another writes unit k−1 to the store.
        // At most one unit waits in each stage, so memory holds three units of documents. The
        // tasks' phase times come back through `stageTimes`.
        let stageTimes = Mutex<(tokenize: Double, store: Double)>((0, 0))
        var pendingTokenize: (task: BackgroundTask, unit: Int, result: TokenizedUnit)?
        var pendingStore: BackgroundTask?
        let width = ShardSchema.tokenWidth(forVocabularySize: vocabulary.size)
        /// Hands the tokenized pending unit to the store writer (after the previous write).
        func storeTokenized() throws {
            guard let (task, unit, result) = pendingTokenize else { return }
            pendingTokenize = nil
            try task.wait()
            try pendingStore?.wait()
            pendingStore = BackgroundTask {
                let start = BuildProgress.now()
                try DocumentStoreFiles.writeUnit(folder: storeFolder, unit: unit, documents: result.documents, tokenWidth: width)
                try catalog.recordUnit(run: run, stage: Self.storeStage, unit: unit, shards: [], statistics: result.statistics.pairs)
                let end = BuildProgress.now()
                stageTimes.withLock { $0.store += end - start }
            }
        }
        func closeUnit() throws {
            defer { batch = []; batchBytes = 0; unitCount += 1 }
            let unit = unitCount
            guard needsAllUnits || owned(unit) else { return }
            if storeDone[unit] != nil { return }
            timings.read += lap()
            try storeTokenized()
            _ = lap()
            let documents = batch
            let runner = self
            let result = TokenizedUnit()
            pendingTokenize = (BackgroundTask {
                let start = BuildProgress.now()
                (result.documents, result.statistics) = runner.tokenize(documents, vocabulary: vocabulary)
                let end = BuildProgress.now()
                stageTimes.withLock { $0.tokenize += end - start }
            }, unit, result)
        }
        let totalBytes = Double(inputs.inputs.reduce(UInt64(0)) { $0 + ((try? MappedFile(path: $1.path).bytes.count).map(UInt64.init) ?? 0) })
        var bytesSeen = 0.0
        let report = try inputs.forEachDocument { document in
            inputDocuments[Int(document.inputOrdinal), default: 0] += 1
            batch.append(document)
            batchBytes += document.byteCount
            bytesSeen += Double(document.byteCount)
            progress?.update(stage: 1, done: bytesSeen, total: totalBytes, inputBytes: bytesSeen, instances: 0)
            if batch.count >= config.documentsPerUnit || batchBytes >= config.unitBytes { try closeUnit() }
        }
        if !batch.isEmpty { try closeUnit() }
        timings.read += lap()
        try storeTokenized()
        try pendingStore?.wait()
        _ = lap()
        (timings.tokenize, timings.store) = stageTimes.withLock { $0 }
        for input in inputs.inputs {
            let (fingerprint, size) = try FileChecksum.xxh64(ofFile: input.path)
            try catalog.recordInput(run: run, Catalog.Input(ordinal: Int(input.ordinal), path: input.path, size: size, fingerprint: hex(fingerprint),
                                                            documents: inputDocuments[Int(input.ordinal)] ?? 0, status: "read"))
        }
        for problem in report.problems.prefix(20) { log("input: \(problem)") }
        if report.problems.count > 20 || report.problemsOmitted > 0 {
            log("input: … \(report.problems.count - min(20, report.problems.count) + Int(report.problemsOmitted)) more problems (counted in the statistics)")
        }

        // Stage 2: label and mask each owned unit → shards. masking.json first: the loader
        // and the Python reader mask from it (dynamic masking) and it is the same for every task.
        try MaskingFile(vocabulary: vocabulary.masking, seed: config.seed, options: config.maskingOptions).write(folder: out)
        let storeUnits = (0..<unitCount).filter { needsAllUnits || owned($0) }
        let labelDone = try catalog.finishedUnits(run: run, stage: Self.labelStage)
        let todo = (0..<unitCount).filter { owned($0) && labelDone[$0] == nil }
        let labeler = UnitLabeler(config: config, vocabulary: vocabulary, outputFolder: out)
        let storeUnitsCopy = storeUnits
        let todoCopy = todo
        let progressCopy = progress
        let instancesDone = Mutex<Double>(0)
        let unitsDone = Mutex<Double>(0)
        let todoCount = Double(todo.count)
        let seenBytes = bytesSeen
        // Units run one after another; inside a unit the labeler spreads NSP/SOP documents over
        // the threads (one store per thread: readers are not thread-safe).
        let storeIndex = try DocumentStoreIndex(folder: storeFolder, units: storeUnitsCopy, threads: threads)
        let stores = (0..<threads).map { _ in DocumentStore(index: storeIndex) }
        // Batches of records are compressed and written on a background thread while the
        // next batch is labeled; at most one write is pending, so memory holds two batches.
        var pendingWrite: BackgroundTask?
        let writeTime = Mutex<Double>(0)
        var writerWait = 0.0
        func waitForWriter() throws {
            let start = BuildProgress.now()
            try pendingWrite?.wait()
            writerWait += BuildProgress.now() - start
        }
        for unit in todoCopy {
            let position = storeUnitsCopy.firstIndex(of: unit)!
            let writer = SendableBox(try labeler.openWriter(unit: unit))
            let stats = try labeler.label(unit: unit, documents: stores[0].documentRange(unitPosition: position), stores: stores) { records in
                try waitForWriter()
                pendingWrite = BackgroundTask {
                    let start = BuildProgress.now()
                    for r in records { try writer.value.append(r) }
                    let end = BuildProgress.now()
                    writeTime.withLock { $0 += end - start }
                }
            }
            try waitForWriter()
            pendingWrite = BackgroundTask {
                let start = BuildProgress.now()
                defer { let end = BuildProgress.now(); writeTime.withLock { $0 += end - start } }
                let summaries = try writer.value.finish()
                try catalog.recordUnit(run: run, stage: Self.labelStage, unit: unit, shards: summaries, statistics: stats.pairs)
                let instances = instancesDone.withLock { $0 += stats["instances"]; return $0 }
                let units = unitsDone.withLock { $0 += 1; return $0 }
                progressCopy?.update(stage: 2, done: units, total: todoCount, inputBytes: seenBytes, instances: instances)
            }
        }
        try waitForWriter()
        timings.write = writeTime.withLock { $0 }
        timings.writerWait = writerWait

        // Reader counters: every task reads every input, so task 0 records them once.
        let inputRecorded = try !catalog.finishedUnits(run: run, stage: Self.inputStage).isEmpty
        if task == 0 && !inputRecorded {
            var counters = BuildStatistics()
            for (name, value) in [("input_empty_documents", report.emptyDocuments), ("input_invalid_utf8_lines", report.invalidUTF8Lines),
                                  ("input_nul_bytes", report.nulBytes), ("input_crlf_lines", report.crlfLines),
                                  ("input_boms_stripped", report.bomsStripped), ("input_overlong_lines", report.overlongLines),
                                  ("input_split_documents", report.splitDocuments), ("input_malformed_json_lines", report.malformedJSONLines)] {
                counters.add(name, Double(value))
            }
            try catalog.recordUnit(run: run, stage: Self.inputStage, unit: 0, shards: [], statistics: counters.pairs)
        }
        try catalog.setStatistics(run: run, try Self.aggregateStatistics(catalog: catalog, run: run).withDerivedValues)
        timings.label += lap()
        return .built(units: todo.count, shards: try catalog.shards().count, resumedUnits: labelDone.count, timings: timings)
    }

    /// Splits (when needed) and tokenizes a unit's documents on `threads` threads, in order.
    /// Documents go to the threads in groups of about `tokenizeGroupBytes` of text, handed out
    /// dynamically, so one long document does not leave the other threads idle.
    func tokenize(_ documents: [Document], vocabulary: BuildVocabulary) -> ([TokenizedDocument], BuildStatistics) {
        var groups: [Range<Int>] = []
        var start = 0, bytes = 0
        for (i, d) in documents.enumerated() {
            bytes += d.byteCount
            if bytes >= Self.tokenizeGroupBytes || i == documents.count - 1 {
                groups.append(start..<(i + 1))
                start = i + 1
                bytes = 0
            }
        }
        let splitter = SentenceSplitter(language: SentenceSplitter.Language(rawValue: config.splitterLanguage) ?? .auto)
        let tokenizer = vocabulary.tokenizer
        let unknown = vocabulary.unknownID
        let workers = max(1, min(threads, groups.count))
        let scratches = tokenizerScratches
        let results = OrderedParallelMap.map(groups, threads: workers) { worker, group -> ([TokenizedDocument], BuildStatistics) in
            scratches.with(worker) { state in
                var stats = BuildStatistics()
                var out: [TokenizedDocument] = []
                var unknownTokens = 0, sentences = 0, tokens = 0, inputBytes = 0, empty = 0
                for document in documents[group] {
                    var tokenized = TokenizedDocument(inputOrdinal: document.inputOrdinal, documentOrdinal: document.documentOrdinal)
                    // Sentences are encoded straight onto the document's tokens.
                    func add(_ sentence: UnsafeBufferPointer<UInt8>) {
                        let start = tokenized.tokens.count
                        tokenizer.encode(sentence, into: &tokenized.tokens, scratch: &state)
                        if tokenized.tokens.count == start { return }
                        tokenized.sentenceEnds.append(tokenized.tokens.count)
                        if let unknown { for id in tokenized.tokens[start...] where id == unknown { unknownTokens += 1 } }
                    }
                    for segment in document.segments {
                        if document.segmentsAreSentences {
                            segment.withUnsafeBufferPointer { add($0) }
                        } else {
                            segment.withUnsafeBufferPointer { bytes in
                                for range in splitter.split(UnsafeRawBufferPointer(bytes)) { add(UnsafeBufferPointer(rebasing: bytes[range])) }
                            }
                        }
                    }
                    if tokenized.sentenceCount == 0 {
                        empty += 1
                        continue
                    }
                    sentences += tokenized.sentenceCount
                    tokens += tokenized.tokens.count
                    inputBytes += document.byteCount
                    out.append(tokenized)
                }
                if empty > 0 { stats.add("empty_documents_skipped", Double(empty)) }
                stats.add("documents", Double(out.count))
                stats.add("sentences", Double(sentences))
                stats.add("tokens", Double(tokens))
                stats.add("input_bytes", Double(inputBytes))
                if unknown != nil { stats.add("unk_tokens", Double(unknownTokens)) }
                return (out, stats)
            }
        }
        var all: [TokenizedDocument] = []
        all.reserveCapacity(documents.count)
        var stats = BuildStatistics()
        for (docs, s) in results { all += docs; stats += s }
        // A very long sentence grows a scratch's byte buffer; the buffers are kept across
        // units, so give such a one back rather than hold it for the rest of the run.
        for worker in 0..<scratches.count {
            scratches.with(worker) { if $0.bytes.capacity > Self.scratchBytesKept { $0.bytes = [] } }
        }
        return (all, stats)
    }

    /// Normalized-text bytes a tokenizer scratch keeps between units.
    static let scratchBytesKept = 1 << 20

    /// Text per group of documents handed to a tokenizing thread.
    static let tokenizeGroupBytes = 64 << 10

    /// One tokenizer scratch per thread, kept across units (its word cache stays warm; one
    /// unit is tokenized at a time, so the workers of successive units never overlap).
    private let tokenizerScratches: PerWorker<TokenizerScratch>
}

/// A value used by one thread at a time (a writer handed from the labeling thread to the
/// background write that owns it until it is waited for).
final class SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A unit's tokenized documents and counters, filled by the tokenizing task and read by the
/// store writer after that task was waited for (so never touched by two threads at once).
final class TokenizedUnit: @unchecked Sendable {
    var documents: [TokenizedDocument] = []
    var statistics = BuildStatistics()
}
