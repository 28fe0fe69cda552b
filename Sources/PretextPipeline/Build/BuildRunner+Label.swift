import PretextCore
import PretextLabeling
import PretextShards
import Synchronization

extension BuildRunner {
    /// The label phase of this task: labels and masks its units into
    /// `part-UUUUU-NNNNN.ptxs`, drawing NSP/SOP negatives from the whole store the tokenize
    /// phase wrote, and records each unit with its shards in the task's catalog. Task 0 also
    /// writes `masking.json` (the same for every task).
    ///
    /// Tasks of every unit run on the workers (each with its own store reader and scratch:
    /// readers are not thread-safe) and come back as compressed blocks; the consumer appends
    /// them in task order to the unit's own shard files and records the unit when its last
    /// task is written.
    func labelPhase(_ setup: Setup, timings: inout Timings) throws -> Outcome {
        let out = config.outputPath
        // The store must be whole before any negative is drawn from it.
        let tokenized = try BuildTaskFiles.finishedPhase(output: out, phase: .tokenize, configHash: setup.configHash)
        guard let claimed = try claimTask(.label, setup) else { return .built(units: 0, shards: 0, resumedUnits: 0, timings: timings) }
        defer { withExtendedLifetime(claimed.lock) {} }
        let (files, catalog, run) = (claimed.files, claimed.catalog, claimed.run)
        let plan = setup.plan
        let storeFolder = out + "/" + DocumentStoreFiles.folderName
        let vocabulary = try setup.vocabulary ?? BuildVocabulary.read(storeFolder: storeFolder)
        let stage2Start = BuildProgress.now()
        let tasks = self.tasks, task = self.task
        let owned = (0..<plan.unitCount).filter { $0 % tasks == task }
        if task == 0 {
            try MaskingFile(vocabulary: vocabulary.masking, seed: config.seed, options: config.maskingOptions).write(folder: out)
        }
        // NSP draws negatives from the whole store; SOP and ELECTRA key each document's random
        // streams by its index in the whole store, so that index must not depend on the task split.
        let storeUnits = [.nsp, .sop, .electra].contains(config.task) ? Array(0..<plan.unitCount) : owned
        let labelDone = try catalog.finishedUnits(run: run, stage: Self.labelStage)
        let todo = owned.filter { labelDone[$0] == nil }
        let labeler = UnitLabeler(config: config, vocabulary: vocabulary, outputFolder: out)
        let storeIndex = try DocumentStoreIndex(folder: storeFolder, units: storeUnits, threads: threads, verify: { $0 % tasks == task },
                                                ordinalBases: try Self.ordinalBases(markers: tokenized.markers, unitCount: plan.unitCount))
        let masker = Masker(options: config.maskingOptions, vocabulary: vocabulary.masking)
        let header = labeler.header
        let workers = PerWorker(count: threads) { _ in (DocumentStore(index: storeIndex), UnitLabeler.Scratch(header: header)) }
        let labelBusy = Mutex<(label: Double, write: Double)>((0, 0))
        let writing = ShardAssembly()
        let progressCopy = progress, todoCount = Double(todo.count)
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
            writing.shards += summaries.count
            progressCopy?.update(stage: 2, done: Double(writing.units), total: todoCount, inputBytes: 0, instances: writing.instances)
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
        try catalog.endRun(run, status: .finished)
        try files.markDone(configHash: setup.configHash)
        timings.stage2 = BuildProgress.now() - stage2Start
        return .built(units: todo.count, shards: writing.shards, resumedUnits: labelDone.count, timings: timings)
    }

    /// Per unit, the input its documents continue and how many documents of that input
    /// earlier units hold: from the `documents UNIT INPUT COUNT` lines of the tokenize
    /// phase's markers. Throws when a unit is missing or listed twice.
    static func ordinalBases(markers: [String], unitCount: Int) throws -> [Int: (input: UInt32, base: UInt64)] {
        var rows: [(unit: Int, input: Int, documents: UInt64)] = []
        for marker in markers {
            for line in marker.split(separator: "\n") where line.hasPrefix("documents ") {
                let f = line.split(separator: " ")
                guard f.count == 4, let u = Int(f[1]), let i = Int(f[2]), let n = UInt64(f[3]) else {
                    throw BuildError(message: "a tokenize marker has a malformed line: \(line)")
                }
                rows.append((u, i, n))
            }
        }
        rows.sort { ($0.unit, $0.input) < ($1.unit, $1.input) }
        var seen = Set<Int>()
        var counts: [Int: UInt64] = [:]
        var bases: [Int: (input: UInt32, base: UInt64)] = [:]
        var k = 0
        while k < rows.count {
            let unit = rows[k].unit
            guard seen.insert(unit).inserted else { throw BuildError(message: "unit \(unit) was tokenized by two tasks") }
            bases[unit] = (UInt32(rows[k].input), counts[rows[k].input] ?? 0)
            var j = k
            while j < rows.count && rows[j].unit == unit {
                guard j == k || rows[j].input != rows[j - 1].input else { throw BuildError(message: "unit \(unit) lists input \(rows[j].input) twice") }
                counts[rows[j].input, default: 0] += rows[j].documents
                j += 1
            }
            k = j
        }
        return bases
    }
}

/// The unit the stage 2 consumer is writing, and its running totals (consumer thread only).
final class ShardAssembly: @unchecked Sendable {
    var writer: ShardSetWriter?
    var statistics = BuildStatistics()
    var units = 0
    var shards = 0
    var instances = 0.0
}
