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
    /// Whether each worker stays on one CPU (`ThreadAffinity`); the bytes do not depend on it.
    public let pinThreads: Bool
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

    /// Where the time went. Wall-clock seconds: `setup` from the start of `run()` to stage 1
    /// (tokenizer tables, inputs, catalog), each stage, and `finish` after stage 2 (statistics,
    /// the run's end in the catalog). Inside a stage the phases overlap, so they are busy
    /// times: `read` of the reading (main) thread, `tokenize` and `label` summed over the
    /// worker threads (thread-seconds), `store` and `write` of the thread that writes the store
    /// units and the shards in order.
    public struct Timings: Sendable, Equatable, CustomStringConvertible {
        public var setup = 0.0
        public var stage1 = 0.0, read = 0.0, tokenize = 0.0, store = 0.0
        public var stage2 = 0.0, label = 0.0, write = 0.0
        public var finish = 0.0
        public var description: String {
            func f(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
            return "setup \(f(setup)) s, stage 1 \(f(stage1)) s (read \(f(read)) s, tokenize \(f(tokenize)) thread-s, store \(f(store)) s), "
                + "stage 2 \(f(stage2)) s (label \(f(label)) thread-s, write \(f(write)) s), finish \(f(finish)) s"
        }
    }

    public struct BuildError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public init(config: PipelineConfig, threads: Int = 1, pinThreads: Bool = false, task: Int = 0, tasks: Int = 1, progress: BuildProgress? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        precondition(threads >= 1 && tasks >= 1 && task >= 0 && task < tasks)
        self.progress = progress
        self.config = config
        self.threads = threads
        self.pinThreads = pinThreads
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
        let runStart = BuildProgress.now()
        let out = config.outputPath
        guard !out.isEmpty else { throw BuildError(message: "no output folder (output.path or --output)") }
        guard !config.inputPaths.isEmpty else { throw BuildError(message: "no inputs (input.paths or --input)") }
        guard !config.tokenizerPath.isEmpty else { throw BuildError(message: "no tokenizer (tokenizer.path or --tokenizer)") }

        var vocabOptions = TokenizerFile.VocabFileOptions()
        vocabOptions.normalizer.lowercase = config.lowercase
        vocabOptions.maxInputCharactersPerWord = config.maxWordCharacters
        let (fingerprint, _) = try FileChecksum.xxh64(ofFile: config.tokenizerPath)
        let configText = catalogConfigText(tokenizerFingerprint: fingerprint)
        // The tokenizer's tables take longest to set up: they are built on another thread while
        // this one opens the inputs and the catalog. A tokenizer that fails to load is reported
        // first, and no run is begun for it (the catalog, if new, is left without runs).
        let tokenizerPath = config.tokenizerPath, options = vocabOptions
        let loaded = Mutex<BuildVocabulary?>(nil)
        let loading = BackgroundTask {
            let vocabulary = try BuildVocabulary(file: try TokenizerFile.load(tokenizerPath, vocabOptions: options))
            loaded.withLock { $0 = vocabulary }
        }
        let opened = Result { () throws -> (CorpusInputs, Catalog, previous: Catalog.Run?) in
            let inputs = try CorpusInputs.open(paths: config.inputPaths, format: config.corpusFormat, options: config.readerOptions)
            let catalog = try Catalog(folder: out, create: true)
            return (inputs, catalog, try catalog.runs().last)
        }
        try loading.wait()
        let vocabulary = loaded.withLock { $0! }
        let (inputs, catalog, previousRun) = try opened.get()

        // The catalog decides between a new build, a resume and nothing to do.
        let run: Int64
        if let previous = previousRun {
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
            var outcome = try build(run: run, catalog: catalog, inputs: inputs, vocabulary: vocabulary, started: runStart)
            try catalog.endRun(run, status: .finished)
            if case .built(let units, let shards, let resumed, var timings) = outcome {
                timings.finish = BuildProgress.now() - runStart - timings.setup - timings.stage1 - timings.stage2
                outcome = .built(units: units, shards: shards, resumedUnits: resumed, timings: timings)
            }
            return outcome
        } catch {
            try? catalog.endRun(run, status: .failed)
            throw error
        }
    }

    /// `started`: when `run()` began (`BuildProgress.now()`), for `Timings.setup`.
    private func build(run: Int64, catalog: Catalog, inputs: CorpusInputs, vocabulary: BuildVocabulary, started: Double) throws -> Outcome {
        let out = config.outputPath
        let storeFolder = out + "/" + DocumentStoreFiles.folderName
        let needsAllUnits = config.task == .nsp
        func owned(_ unit: Int) -> Bool { unit % tasks == task }
        var timings = Timings()

        // Stage 1: read, split, tokenize → document store. The main thread reads and cuts
        // units into groups of about `tokenizeGroupBytes` of text; `threads` workers tokenize
        // groups as they come and encode them in the store's layout; the pipeline's consumer
        // appends them in order to their unit's files and finishes each unit after its last
        // group. Memory: the groups in flight and one unit's index entries.
        let stage1Start = BuildProgress.now()
        timings.setup = stage1Start - started
        let storeDone = try catalog.finishedUnits(run: run, stage: Self.storeStage)
        let width = ShardSchema.tokenWidth(forVocabularySize: vocabulary.size)
        let groupTokenizer = GroupTokenizer(config: config, vocabulary: vocabulary)
        let scratches = tokenizerScratches
        let busy = Mutex<(tokenize: Double, store: Double)>((0, 0))
        let assembly = StoreAssembly()
        let stage1 = OrderedPipeline<TokenizeGroup, TokenizedGroup>(threads: threads, window: 8 * threads + 8, pinWorkers: pinThreads, transform: { worker, group in
            let start = BuildProgress.now()
            let (documents, statistics) = scratches.with(worker) { groupTokenizer.tokenize(group.documents, scratch: &$0) }
            let encoded = try EncodedDocuments(documents, tokenWidth: width, folder: storeFolder)
            let end = BuildProgress.now()
            busy.withLock { $0.tokenize += end - start }
            return TokenizedGroup(unit: group.unit, documents: encoded, statistics: statistics, closesUnit: group.closesUnit)
        }, consume: { group in
            let start = BuildProgress.now()
            defer { let end = BuildProgress.now(); busy.withLock { $0.store += end - start } }
            let writer = try assembly.writer ?? DocumentStoreUnitWriter(folder: storeFolder, unit: group.unit, tokenWidth: width)
            assembly.writer = writer
            try writer.append(group.documents)
            assembly.statistics += group.statistics
            guard group.closesUnit else { return }
            try writer.finish()
            try catalog.recordUnit(run: run, stage: Self.storeStage, unit: group.unit, shards: [], statistics: assembly.statistics.pairs)
            assembly.writer = nil
            assembly.statistics = BuildStatistics()
        })
        var unitCount = 0
        var unitDocuments = 0, unitBytes = 0
        var group = GroupText()
        var inputDocuments: [Int: UInt64] = [:]
        var waited = 0.0
        /// Whether unit `unit` is tokenized by this run (its own, or every unit for NSP; not
        /// one a resumed run already stored).
        func tokenizes(_ unit: Int) -> Bool { (needsAllUnits || owned(unit)) && storeDone[unit] == nil }
        /// Hands the documents gathered so far to the tokenizers (`closesUnit`: the unit's last).
        func submitGroup(closesUnit: Bool) throws {
            let unit = unitCount
            if tokenizes(unit) {
                let start = BuildProgress.now()
                try stage1.submit(TokenizeGroup(unit: unit, documents: group, closesUnit: closesUnit))
                waited += BuildProgress.now() - start
            }
            group = GroupText()
        }
        let totalBytes = Double(inputs.inputs.reduce(UInt64(0)) { $0 + ((try? MappedFile(path: $1.path).bytes.count).map(UInt64.init) ?? 0) })
        var bytesSeen = 0.0
        let report: ReaderReport
        do {
            report = try inputs.forEachDocument { document in
                inputDocuments[Int(document.inputOrdinal), default: 0] += 1
                if tokenizes(unitCount) { group.append(document) }
                unitDocuments += 1
                unitBytes += document.byteCount
                bytesSeen += Double(document.byteCount)
                progress?.update(stage: 1, done: bytesSeen, total: totalBytes, inputBytes: bytesSeen, instances: 0)
                if unitDocuments >= config.documentsPerUnit || unitBytes >= config.unitBytes {
                    try submitGroup(closesUnit: true)
                    unitCount += 1
                    unitDocuments = 0
                    unitBytes = 0
                } else if group.byteCount >= Self.tokenizeGroupBytes {
                    try submitGroup(closesUnit: false)
                }
            }
            if unitDocuments > 0 {
                try submitGroup(closesUnit: true)
                unitCount += 1
            }
        } catch {
            // The pipeline's own error (a failed store write) explains a refused submit best.
            try stage1.finish()
            throw error
        }
        timings.read = BuildProgress.now() - stage1Start - waited
        // The inputs' fingerprints are hashed while the workers finish the last groups.
        let paths = inputs.inputs.map(\.path)
        let fingerprints = Mutex<[(checksum: UInt64, bytes: UInt64)]>([])
        let hashing = BackgroundTask {
            let hashes = try paths.map { try FileChecksum.xxh64(ofFile: $0) }
            fingerprints.withLock { $0 = hashes }
        }
        do {
            try stage1.finish()
        } catch {
            try? hashing.wait()
            throw error
        }
        try hashing.wait()
        (timings.tokenize, timings.store) = busy.withLock { $0 }
        for (input, (fingerprint, size)) in zip(inputs.inputs, fingerprints.withLock { $0 }) {
            try catalog.recordInput(run: run, Catalog.Input(ordinal: Int(input.ordinal), path: input.path, size: size, fingerprint: hex(fingerprint),
                                                            documents: inputDocuments[Int(input.ordinal)] ?? 0, status: "read"))
        }
        for problem in report.problems.prefix(20) { log("input: \(problem)") }
        if report.problems.count > 20 || report.problemsOmitted > 0 {
            log("input: … \(report.problems.count - min(20, report.problems.count) + Int(report.problemsOmitted)) more problems (counted in the statistics)")
        }
        timings.stage1 = BuildProgress.now() - stage1Start

        // Stage 2: label and mask each owned unit → shards. masking.json first: the loader
        // and the Python reader mask from it (dynamic masking) and it is the same for every task.
        let stage2Start = BuildProgress.now()
        try MaskingFile(vocabulary: vocabulary.masking, seed: config.seed, options: config.maskingOptions).write(folder: out)
        let storeUnits = (0..<unitCount).filter { needsAllUnits || owned($0) }
        let labelDone = try catalog.finishedUnits(run: run, stage: Self.labelStage)
        let todo = (0..<unitCount).filter { owned($0) && labelDone[$0] == nil }
        let labeler = UnitLabeler(config: config, vocabulary: vocabulary, outputFolder: out)
        let storeIndex = try DocumentStoreIndex(folder: storeFolder, units: storeUnits, threads: threads)
        let masker = Masker(options: config.maskingOptions, vocabulary: vocabulary.masking)
        // Tasks of every unit run on the workers (each with its own store reader and scratch:
        // readers are not thread-safe) and come back as compressed blocks; the consumer appends
        // them in task order to the unit's own shard files and records the unit when its last
        // task is written.
        let header = labeler.header
        let workers = PerWorker(count: threads) { _ in (DocumentStore(index: storeIndex), UnitLabeler.Scratch(header: header)) }
        let labelBusy = Mutex<(label: Double, write: Double)>((0, 0))
        let writing = ShardAssembly()
        let progressCopy = progress, seenBytes = bytesSeen, todoCount = Double(todo.count)
        let stage2 = OrderedPipeline<UnitLabeler.Task, UnitLabeler.TaskOutput>(threads: threads, window: labeler.window(threads: threads),
                                                                             pinWorkers: pinThreads, transform: { worker, task in
            let start = BuildProgress.now()
            let output = try workers.with(worker) { try labeler.run(task, store: $0.0, masker: masker, scratch: &$0.1) }
            let end = BuildProgress.now()
            labelBusy.withLock { $0.label += end - start }
            return output
        }, consume: { output in
            let start = BuildProgress.now()
            defer { let end = BuildProgress.now(); labelBusy.withLock { $0.write += end - start } }
            let task = output.task
            let writer = try writing.writer ?? labeler.openWriter(unit: task.unit)
            writing.writer = writer
            try writer.append(output.blocks)
            writing.statistics += output.statistics
            writing.instances += output.statistics["instances"]
            guard task.closesUnit else { return }
            let summaries = try writer.finish()
            // Every counter appears in every unit's row, even where a unit has none.
            UnitLabeler.InstanceCounters().add(to: &writing.statistics, pairs: false, masks: labeler.config.maskingMode == .static)
            try catalog.recordUnit(run: run, stage: Self.labelStage, unit: task.unit, shards: summaries, statistics: writing.statistics.pairs)
            writing.writer = nil
            writing.statistics = BuildStatistics()
            writing.units += 1
            progressCopy?.update(stage: 2, done: Double(writing.units), total: todoCount, inputBytes: seenBytes, instances: writing.instances)
        })
        do {
            for unit in todo {
                let position = storeUnits.firstIndex(of: unit)!
                for task in labeler.tasks(unit: unit, documents: storeIndex.documentRange(unitPosition: position), index: storeIndex) {
                    try stage2.submit(task)
                }
            }
        } catch {
            try stage2.finish()
            throw error
        }
        try stage2.finish()
        (timings.label, timings.write) = labelBusy.withLock { $0 }

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
        timings.stage2 = BuildProgress.now() - stage2Start
        return .built(units: todo.count, shards: try catalog.shards().count, resumedUnits: labelDone.count, timings: timings)
    }

    /// Text per group of documents handed to a tokenizing thread.
    static let tokenizeGroupBytes = 64 << 10

    /// One tokenizer scratch per worker, kept for the whole stage (its word cache stays warm).
    private let tokenizerScratches: PerWorker<TokenizerScratch>
}

/// A group of documents of one unit on its way to a tokenizing thread.
struct TokenizeGroup: Sendable {
    let unit: Int
    let documents: GroupText
    /// The unit's last group: the store writes the unit after it.
    let closesUnit: Bool
}

/// A tokenized group on its way to the store, already in the store's layout.
struct TokenizedGroup: Sendable {
    let unit: Int
    let documents: EncodedDocuments
    let statistics: BuildStatistics
    let closesUnit: Bool
}

/// The unit the stage 1 consumer is writing (touched by the consumer thread only).
final class StoreAssembly: @unchecked Sendable {
    var writer: DocumentStoreUnitWriter?
    var statistics = BuildStatistics()
}

/// The unit the stage 2 consumer is writing, and its running totals (consumer thread only).
final class ShardAssembly: @unchecked Sendable {
    var writer: ShardSetWriter?
    var statistics = BuildStatistics()
    var units = 0
    var instances = 0.0
}

