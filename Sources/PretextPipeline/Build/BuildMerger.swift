import PretextCore
import PretextLabeling
import PretextShards

/// Joins the output folders of a build split with `--task i --tasks n` into one folder whose
/// shards and catalog content equal those of a single run.
///
/// Checks that every folder holds a finished run of the same configuration and seed, that
/// their units do not overlap (store rows, which NSP tasks share, must agree), and that every
/// shard's checksum matches its catalog row; then copies the shards and writes one catalog
/// with the union of units and inputs and the statistics recomputed from the units.
public enum BuildMerger {
    public struct MergeError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Returns the number of shard files in the merged folder.
    public static func merge(into output: String, from folders: [String]) throws -> Int {
        guard !folders.isEmpty else { throw MergeError(message: "nothing to merge") }
        guard !PosixFile.exists(output + "/" + Catalog.fileName) else {
            throw MergeError(message: "\(output) already holds a catalog; merge into a new folder")
        }
        var sources: [(folder: String, catalog: Catalog, run: Catalog.Run)] = []
        for folder in folders {
            let catalog = try Catalog(folder: folder)
            guard let run = try catalog.runs().last else { throw MergeError(message: "\(folder): the catalog holds no run") }
            guard run.status == .finished else { throw MergeError(message: "\(folder): run \(run.id) is \(run.status.rawValue), not finished") }
            if let first = sources.first {
                guard run.configText == first.run.configText && run.seed == first.run.seed else {
                    throw MergeError(message: "\(folder) was built with another configuration than \(first.folder)")
                }
            }
            sources.append((folder, catalog, run))
        }
        let first = sources[0]
        let inputs = try first.catalog.inputs(run: first.run.id)
        for s in sources.dropFirst() where try s.catalog.inputs(run: s.run.id) != inputs {
            throw MergeError(message: "\(s.folder) read other inputs than \(first.folder)")
        }

        // Union of units per stage.
        var units: [String: [Int: (stats: [(String, Double)], from: Int)]] = [:]
        for (k, s) in sources.enumerated() {
            for stage in [BuildRunner.storeStage, BuildRunner.labelStage, BuildRunner.inputStage] {
                for (unit, stats) in try s.catalog.finishedUnits(run: s.run.id, stage: stage) {
                    if let existing = units[stage]?[unit] {
                        let same = existing.stats.map { "\($0.0)=\($0.1)" } == stats.map { "\($0.0)=\($0.1)" }
                        guard stage != BuildRunner.labelStage, same else {
                            throw MergeError(message: "unit \(unit) (\(stage)) is in both \(sources[existing.from].folder) and \(s.folder)")
                        }
                        continue
                    }
                    units[stage, default: [:]][unit] = (stats, k)
                }
            }
        }

        // masking.json: the same in every task folder (same config and tokenizer).
        let masking = try MaskingFile.read(folder: first.folder)
        for s in sources.dropFirst() where try MaskingFile.read(folder: s.folder) != masking {
            throw MergeError(message: "\(s.folder)/\(MaskingFile.fileName) differs from \(first.folder)'s")
        }

        try PosixFile.makeDirectories(output)
        try masking.write(folder: output)
        let catalog = try Catalog(folder: output, create: true)
        let run = try catalog.beginRun(configText: first.run.configText, seed: first.run.seed, toolVersion: first.run.toolVersion)
        for input in inputs { try catalog.recordInput(run: run, input) }
        var shardCount = 0
        for stage in [BuildRunner.inputStage, BuildRunner.storeStage, BuildRunner.labelStage] {
            for unit in (units[stage] ?? [:]).keys.sorted() {
                let (stats, from) = units[stage]![unit]!
                var summaries: [ShardFileSummary] = []
                if stage == BuildRunner.labelStage {
                    let source = sources[from]
                    let prefix = "part-" + BuildRunner.pad(unit) + "-"
                    for shard in try source.catalog.shards() where shard.file.relative.hasPrefix(prefix) {
                        let from = shard.file.resolved(in: source.folder)
                        let to = output + "/" + shard.file.relative
                        try PosixFile.copy(from, to: to)
                        let (checksum, bytes) = try FileChecksum.xxh64(ofFile: to)
                        guard checksum == shard.checksum && bytes == shard.bytes else {
                            throw MergeError(message: "\(from): checksum \(hex(checksum)) does not match the catalog (\(hex(shard.checksum)))")
                        }
                        summaries.append(ShardFileSummary(path: to, records: shard.records, tokens: shard.tokens, bytes: bytes, checksum: checksum))
                    }
                    shardCount += summaries.count
                }
                try catalog.recordUnit(run: run, stage: stage, unit: unit, shards: summaries, statistics: stats)
            }
        }
        try PosixFile.syncDirectory(output)
        try catalog.setStatistics(run: run, try BuildRunner.aggregateStatistics(catalog: catalog, run: run).withDerivedValues)
        try catalog.endRun(run, status: .finished)
        return shardCount
    }
}
