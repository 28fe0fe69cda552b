import PretextCore
import PretextLabeling
import PretextShards
import PretextText
import Synchronization

/// Runs a pipeline in phases: `tokenize` reads the inputs and tokenizes them into a document
/// store, `label` labels and masks the store into shards, `merge` joins the tasks' catalogs
/// into the folder's `catalog.sqlite`. Deterministic, resumable, parallel, distributable.
///
/// Work is cut into units: byte ranges of the inputs laid end to end (`UnitPlan`, from their
/// sizes alone, `output.unit_bytes` each). Units are numbered in corpus order and depend only
/// on the inputs and the config — never on threads or tasks — and every random choice is
/// keyed by (seed, purpose, document or unit, copy). Each unit's output goes to its own files
/// (`store/unit-NNNNN.*`, `part-NNNNN-MMMMM.ptxs`), recorded in the task's catalog in one
/// transaction when the unit is done. Task `i` of `n` takes the units with `unit % n == i`, in
/// both splittable phases, and reads only those units' bytes. Hence:
/// - any `--threads` gives the same bytes (threads only decide which unit runs where);
/// - any `--tasks` gives the same bytes, and every unit is tokenized exactly once in the job:
///   NSP/SOP negatives come from the whole store that the tokenize phase left on shared
///   storage;
/// - a killed task resumes: finished units are skipped, leftovers of unfinished ones deleted;
///   a finished task or build is not redone.
/// One process (`--phase all`, one task) runs the same three phases through the same files,
/// so its output equals a distributed build's.
public final class BuildRunner: Sendable {
    public let config: PipelineConfig
    public let threads: Int
    /// Whether each worker stays on one CPU (`ThreadAffinity`); the bytes do not depend on it.
    public let pinThreads: Bool
    public let task: Int
    public let tasks: Int
    let log: @Sendable (String) -> Void
    let progress: BuildProgress?

    public enum Outcome: Sendable, Equatable {
        /// Ran (or finished a resumed run): units processed now by this task, shard files
        /// written by it (for `merge` and `all`: in the folder), units found done, and where
        /// the time went.
        case built(units: Int, shards: Int, resumedUnits: Int, timings: Timings)
        /// Nothing to do: the folder already holds this finished build (or this task has
        /// already finished its phase).
        case alreadyComplete
    }

    /// Where the time went. Wall-clock seconds: `setup` from the start of `run()` to the
    /// first phase (tokenizer tables, inputs, plan), each phase, and `finish` (the merge).
    /// Inside a phase the steps overlap, so they are busy times: `read` of the reading (main)
    /// thread, `tokenize` and `label` summed over the worker threads (thread-seconds), `store`
    /// and `write` of the thread that writes the store units and the shards in order.
    public struct Timings: Sendable, Equatable, CustomStringConvertible {
        public var setup = 0.0
        public var stage1 = 0.0, read = 0.0, tokenize = 0.0, store = 0.0
        public var stage2 = 0.0, label = 0.0, write = 0.0
        public var finish = 0.0
        public var description: String {
            func f(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
            return "setup \(f(setup)) s, tokenize phase \(f(stage1)) s (read \(f(read)) s, tokenize \(f(tokenize)) thread-s, store \(f(store)) s), "
                + "label phase \(f(stage2)) s (label \(f(label)) thread-s, write \(f(write)) s), merge \(f(finish)) s"
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

    /// The catalog stage of the tokenize phase's units (their statistics and inputs).
    public static let storeStage = "store"
    static let labelStage = "label"

    /// The statistics of a build from its catalog's unit rows: the corpus counters of every
    /// labeled unit's store row (they include what the reader counted in the unit's bytes)
    /// and every label row. A single run and a merge of tasks use this, so they agree exactly.
    public static func aggregateStatistics(catalog: Catalog, run: Int64) throws -> BuildStatistics {
        let labels = try catalog.finishedUnits(run: run, stage: labelStage)
        var total = BuildStatistics()
        for (unit, stats) in try catalog.finishedUnits(run: run, stage: storeStage) where labels[unit] != nil { total += BuildStatistics(stats) }
        for (_, stats) in labels { total += BuildStatistics(stats) }
        return total
    }

    static func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }

    /// What every phase needs: the configuration text the catalogs store (the canonical config,
    /// the tokenizer file's fingerprint and the unit plan's, so the same path with other
    /// contents, or inputs of other sizes, is another build), the inputs and their plan.
    struct Setup {
        let configText: String
        var configHash: String { hex(XXHash64.hash(configText.utf8)) }
        let inputs: CorpusInputs
        let plan: UnitPlan
        /// Loaded for `tokenize` and `all` only (`label` reads the store's copy).
        let vocabulary: BuildVocabulary?
    }

    /// Runs `phase` for this task. `.all` runs tokenize, label and merge; with more than one
    /// task it needs `synchronize` (MPI): called by every task after each phase with whether
    /// the task succeeded, it returns whether every task did (a barrier); task 0 merges.
    public func run(phase: BuildPhase = .all, synchronize: ((Bool) throws -> Bool)? = nil) throws -> Outcome {
        let runStart = BuildProgress.now()
        let out = config.outputPath
        guard !out.isEmpty else { throw BuildError(message: "no output folder (output.path or --output)") }
        guard !config.inputPaths.isEmpty else { throw BuildError(message: "no inputs (input.paths or --input)") }
        guard !config.tokenizerPath.isEmpty else { throw BuildError(message: "no tokenizer (tokenizer.path or --tokenizer)") }
        if phase == .all && tasks > 1 && synchronize == nil {
            throw BuildError(message: "--phase all with --tasks \(tasks) needs the tasks to meet between phases (start it with mpirun); otherwise run --phase tokenize, then label, on every task, then merge")
        }
        let setup: Setup
        let complete: Bool
        do {
            // The label phase reads what it needs of the vocabulary from the store.
            setup = try makeSetup(loadVocabulary: phase == .tokenize || phase == .all)
            complete = try finalCatalogIsComplete(setup)
        } catch {
            // Under MPI every rank must reach the meeting point, or the others wait forever.
            if phase == .all, let synchronize { _ = try? synchronize(false) }
            throw error
        }
        if phase == .all, let synchronize {
            guard try synchronize(true) else { throw BuildError(message: "another task failed to start (see its output); this task stops too") }
        }
        if complete { return .alreadyComplete }
        var timings = Timings()
        timings.setup = BuildProgress.now() - runStart
        switch phase {
        case .tokenize:
            return try tokenizePhase(setup, timings: &timings)
        case .label:
            return try labelPhase(setup, timings: &timings)
        case .merge:
            let start = BuildProgress.now()
            let shards = try BuildMerger.merge(build: out, expectedConfigText: setup.configText).shards
            timings.finish = BuildProgress.now() - start
            return .built(units: setup.plan.unitCount, shards: shards, resumedUnits: 0, timings: timings)
        case .all:
            let meet = synchronize ?? { $0 }
            func attempt(_ what: String, _ body: () throws -> Void) throws {
                var failure: Error?
                do { try body() } catch { failure = error }
                let everyone = try meet(failure == nil)
                if let failure { throw failure }
                guard everyone else { throw BuildError(message: "another task failed in the \(what) phase (see its output); this task stops too") }
            }
            var units = 0, resumed = 0
            try attempt("tokenize") {
                if case .built(_, _, let r, _) = try tokenizePhase(setup, timings: &timings) { resumed = r }
            }
            try attempt("label") {
                if case .built(let u, _, _, _) = try labelPhase(setup, timings: &timings) { units = u }
            }
            var shards = 0
            try attempt("merge") {
                guard task == 0 else { return }
                let start = BuildProgress.now()
                shards = try BuildMerger.merge(build: out, expectedConfigText: setup.configText).shards
                timings.finish = BuildProgress.now() - start
            }
            return .built(units: units, shards: shards, resumedUnits: resumed, timings: timings)
        }
    }

    /// Loads the tokenizer (through the store's image, `BuildTokenizer`; on another thread,
    /// while this one opens the inputs and makes the plan) and makes the configuration text.
    private func makeSetup(loadVocabulary: Bool) throws -> Setup {
        let (fingerprint, _) = try FileChecksum.xxh64(ofFile: config.tokenizerPath)
        let config = self.config, log = self.log
        let loaded = Mutex<BuildVocabulary?>(nil)
        let loading = BackgroundTask {
            guard loadVocabulary else { return }
            let vocabulary = try BuildVocabulary(file: try BuildTokenizer.load(config, fingerprint: fingerprint, log: log).file)
            loaded.withLock { $0 = vocabulary }
        }
        let opened = Result { () throws -> (CorpusInputs, UnitPlan) in
            let inputs = try CorpusInputs.open(paths: config.inputPaths, format: config.corpusFormat, options: config.readerOptions)
            return (inputs, try UnitPlan(inputs: inputs, unitBytes: config.unitBytes))
        }
        try loading.wait()
        let (inputs, plan) = try opened.get()
        if tasks > 1, inputs.inputs.contains(where: { $0.path == "-" }) {
            throw BuildError(message: "standard input cannot be split over --tasks \(tasks): every task would need all of it")
        }
        let configText = config.canonicalText + "tokenizer.fingerprint = \"\(hex(fingerprint))\"\n"
            + "input.plan = \"\(hex(XXHash64.hash(plan.text.utf8)))\"\n"
        return Setup(configText: configText, inputs: inputs, plan: plan, vocabulary: loaded.withLock { $0 })
    }

    /// Whether the folder's catalog holds this finished build; throws if it holds another.
    private func finalCatalogIsComplete(_ setup: Setup) throws -> Bool {
        let out = config.outputPath
        guard PosixFile.exists(out + "/" + Catalog.fileName) else { return false }
        guard let previous = try Catalog(folder: out).runs().last else { return false }
        guard previous.configText == setup.configText && previous.seed == config.seed else {
            throw BuildError(message: "\(out) holds a build of another configuration (catalog config \(previous.configHash)); use another --output")
        }
        return previous.status == .finished
    }

    /// This task's place in `phase`: its files, its lock (held while the returned value
    /// lives), its catalog and run — or nil when the task has already finished the phase.
    func claimTask(_ phase: BuildPhase, _ setup: Setup) throws -> (files: BuildTaskFiles, lock: TaskLock, catalog: Catalog, run: Int64)? {
        let files = BuildTaskFiles(output: config.outputPath, phase: phase, task: task, tasks: tasks)
        let lock = try files.claim(configHash: setup.configHash, units: setup.plan.unitCount)
        if files.isDone(configHash: setup.configHash) { return nil }
        let (catalog, run) = try openTaskRun(files, setup)
        return (files, lock, catalog, run)
    }

    /// Opens a task's catalog and begins its run, or reopens the run of an interrupted
    /// attempt of the same configuration.
    func openTaskRun(_ files: BuildTaskFiles, _ setup: Setup) throws -> (Catalog, Int64) {
        let catalog = try Catalog(folder: config.outputPath, file: files.catalogFile, create: true)
        if let previous = try catalog.runs().last {
            guard previous.configText == setup.configText && previous.seed == config.seed else {
                throw BuildError(message: "\(catalog.path) holds a task of another configuration; use another --output")
            }
            try catalog.reopenRun(previous.id)
            log("resuming task \(task) of the \(files.phase.rawValue) phase in \(config.outputPath)")
            return (catalog, previous.id)
        }
        return (catalog, try catalog.beginRun(configText: setup.configText, seed: config.seed))
    }

    /// Text per group of documents handed to a tokenizing thread.
    static let tokenizeGroupBytes = 64 << 10
    /// The most text in flight between the reader and the store (groups queued or being
    /// tokenized): groups are ~64 KiB, so this only binds when documents are huge (a giant
    /// line read as documents of up to `maxDocumentBytes`), and keeps memory from growing
    /// with the pipeline's window of such documents.
    static let textInFlightBytes = 16 << 20

    /// One tokenizer scratch per worker, kept for the whole stage (its word cache stays warm).
    let tokenizerScratches: PerWorker<TokenizerScratch>
}
