#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PretextCore
import PretextLabeling
import PretextShards

/// The last step of a build: joins the catalogs of its tasks (`tasks/*.sqlite`) into the
/// folder's `catalog.sqlite`, whose content equals that of a one-process build.
///
/// Cost: O(tasks + units + shards) — catalog rows and one `stat` per shard; no shard byte is
/// read or copied. Every shard's checksum was computed by the task that wrote it, as it wrote
/// it, and is what its catalog row says; the merge checks each file's size against its row
/// (`verifyChecksums` re-reads every byte, O(bytes), for storage that is not trusted). With
/// `into` another folder, the shards and `masking.json` are hard-linked there (copied, and
/// said so, only where the folders are on different file systems), and that folder gets the
/// catalog; the store and `tasks/` stay behind.
///
/// Checks: both phases finished on every task with the same configuration; every unit was
/// tokenized and labeled exactly once; every shard is where its row says, with its size.
public enum BuildMerger {
    public struct MergeError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public struct Result: Sendable, Equatable {
        public let shards: Int
        /// Shard bytes copied (across file systems); 0 when every file was linked or stayed.
        public let copiedBytes: UInt64
        public let linkedFiles: Int
        public let alreadyMerged: Bool
    }

    /// Merges the build in `output` into `into` (default: the same folder); with
    /// `expectedConfigText`, refuses a build of another configuration.
    public static func merge(build output: String, into target: String? = nil, verifyChecksums: Bool = false,
                             expectedConfigText: String? = nil) throws -> Result {
        let into = target ?? output
        guard let tokenizePlan = BuildTaskFiles.readPlan(output: output, phase: .tokenize), let configHash = tokenizePlan["config"] else {
            throw MergeError(message: "\(output) holds no distributed build (no \(BuildTaskFiles.folderName)/tokenize.plan)")
        }
        let tokenized = try BuildTaskFiles.finishedPhase(output: output, phase: .tokenize, configHash: configHash)
        let labeled = try BuildTaskFiles.finishedPhase(output: output, phase: .label, configHash: configHash)

        // The tasks' runs: finished, one configuration.
        var configText: String?, seed: UInt64 = 0, toolVersion = ""
        func openRun(_ file: String) throws -> (Catalog, Catalog.Run) {
            let catalog = try Catalog(folder: output, file: file)
            guard let run = try catalog.runs().last, run.status == .finished else {
                throw MergeError(message: "\(output)/\(file): the task's run is not finished")
            }
            if let configText {
                guard run.configText == configText && run.seed == seed else {
                    throw MergeError(message: "\(output)/\(file) was built with another configuration than the other tasks")
                }
            } else {
                configText = run.configText
                seed = run.seed
                toolVersion = run.toolVersion
            }
            return (catalog, run)
        }
        var records: [Catalog.UnitRecord] = []
        var unitInputs: [Catalog.UnitInput] = []
        var inputs: [Catalog.Input] = []
        var storeUnits = Set<Int>(), labelUnits = Set<Int>()
        for file in tokenized.catalogFiles {
            let (catalog, run) = try openRun(file)
            if inputs.isEmpty { inputs = try catalog.inputs(run: run.id) }
            let mine = try catalog.unitInputs(run: run.id)
            var byUnit: [Int: [Catalog.UnitInput]] = [:]
            for row in mine { byUnit[row.unit, default: []].append(row) }
            for (unit, stats) in try catalog.finishedUnits(run: run.id, stage: BuildRunner.storeStage) {
                guard storeUnits.insert(unit).inserted else { throw MergeError(message: "unit \(unit) was tokenized by two tasks") }
                records.append(Catalog.UnitRecord(stage: BuildRunner.storeStage, unit: unit, statistics: stats, inputs: byUnit[unit] ?? []))
            }
            unitInputs += mine
        }
        if let expectedConfigText, configText != expectedConfigText {
            throw MergeError(message: "\(output) was built with another configuration than this command's")
        }
        guard let unitCount = tokenizePlan["units"].flatMap({ Int($0) }) else {
            throw MergeError(message: "\(output)/\(BuildTaskFiles.folderName)/tokenize.plan has no unit count")
        }
        guard storeUnits == Set(0..<unitCount) else {
            let missing = Set(0..<unitCount).subtracting(storeUnits).sorted().prefix(10)
            throw MergeError(message: "\(output): the tokenize tasks recorded \(storeUnits.count) of the plan's \(unitCount) units (missing \(Array(missing)))")
        }
        var shardCount = 0
        var linked = 0
        var copied: UInt64 = 0
        let sameFolder = into == output
        if !sameFolder { try PosixFile.makeDirectories(into) }
        for file in labeled.catalogFiles {
            let (catalog, run) = try openRun(file)
            var shardsByUnit: [Int: [ShardFileSummary]] = [:]
            for shard in try catalog.shards() {
                let name = shard.file.relative
                guard name.hasPrefix("part-"), let unit = Int(name.dropFirst(5).prefix(while: { $0 != "-" })) else {
                    throw MergeError(message: "\(output)/\(file): shard \(name) is not named part-UNIT-N")
                }
                let source = shard.file.resolved(in: output)
                var st = stat()
                guard stat(source, &st) == 0 else { throw MergeError(message: "\(source): listed by \(file) but missing (\(String(cString: strerror(errno))))") }
                guard UInt64(st.st_size) == shard.bytes else {
                    throw MergeError(message: "\(source): \(st.st_size) bytes, its catalog row says \(shard.bytes) (truncated or replaced?)")
                }
                if verifyChecksums {
                    let (checksum, _) = try FileChecksum.xxh64(ofFile: source)
                    guard checksum == shard.checksum else {
                        throw MergeError(message: "\(source): checksum \(hex(checksum)) does not match its catalog row (\(hex(shard.checksum)))")
                    }
                }
                let destination = shard.file.resolved(in: into)
                if !sameFolder {
                    let how = try linkOrCopy(source, to: destination)
                    if how == .copied { copied += shard.bytes } else { linked += 1 }
                }
                shardsByUnit[unit, default: []].append(ShardFileSummary(path: destination, records: shard.records, tokens: shard.tokens,
                                                                         bytes: shard.bytes, checksum: shard.checksum))
            }
            for (unit, stats) in try catalog.finishedUnits(run: run.id, stage: BuildRunner.labelStage) {
                guard labelUnits.insert(unit).inserted else { throw MergeError(message: "unit \(unit) was labeled by two tasks") }
                let shards = shardsByUnit.removeValue(forKey: unit) ?? []
                shardCount += shards.count
                records.append(Catalog.UnitRecord(stage: BuildRunner.labelStage, unit: unit, shards: shards, statistics: stats))
            }
            if let stray = shardsByUnit.keys.min() { throw MergeError(message: "\(output)/\(file) lists shards of unit \(stray) but not the unit") }
        }
        guard labelUnits == storeUnits else {
            throw MergeError(message: "\(output): units tokenized and labeled differ (not labeled: \(storeUnits.subtracting(labelUnits).sorted().prefix(10)))")
        }
        guard let configText else { throw MergeError(message: "\(output): no task catalogs") }

        // masking.json: written by label task 0; the loader needs it beside the shards.
        let masking = try MaskingFile.read(folder: output)
        if !sameFolder {
            try PosixFile.removeIfPresent(into + "/" + MaskingFile.fileName)
            try masking.write(folder: into)
        }

        // The final catalog: derived from the tasks', so a half-written one is made again.
        let catalogPath = into + "/" + Catalog.fileName
        if PosixFile.exists(catalogPath) {
            let existing = try Catalog(folder: into)
            if let run = try existing.runs().last {
                guard run.configText == configText && run.seed == seed else {
                    throw MergeError(message: "\(into) already holds a catalog of another build")
                }
                if run.status == .finished {
                    return Result(shards: shardCount, copiedBytes: copied, linkedFiles: linked, alreadyMerged: true)
                }
            }
            for suffix in ["", "-wal", "-shm"] { try PosixFile.removeIfPresent(catalogPath + suffix) }
        }
        // Each input's row: its planned path and size, its documents summed over the units and
        // its fingerprint the XXH64 of the XXH64s of its parts in unit order.
        var documents: [Int: UInt64] = [:]
        var parts: [Int: [UInt8]] = [:]
        for row in unitInputs.sorted(by: { ($0.unit, $0.ordinal) < ($1.unit, $1.ordinal) }) {
            documents[row.ordinal, default: 0] += row.documents
            withUnsafeBytes(of: row.checksum.littleEndian) { parts[row.ordinal, default: []].append(contentsOf: $0) }
        }
        let finalInputs = inputs.map { input in
            Catalog.Input(ordinal: input.ordinal, path: input.path, size: input.size, fingerprint: hex(XXHash64.hash(parts[input.ordinal] ?? [])),
                          documents: documents[input.ordinal] ?? 0, status: "read")
        }
        let catalog = try Catalog(folder: into, create: true)
        let run = try catalog.beginRun(configText: configText, seed: seed, toolVersion: toolVersion)
        try catalog.recordInputs(run: run, finalInputs)
        try catalog.recordUnits(run: run, records.sorted { ($0.stage, $0.unit) < ($1.stage, $1.unit) })
        try catalog.setStatistics(run: run, try BuildRunner.aggregateStatistics(catalog: catalog, run: run).withDerivedValues)
        try catalog.endRun(run, status: .finished)
        try PosixFile.syncDirectory(into)
        return Result(shards: shardCount, copiedBytes: copied, linkedFiles: linked, alreadyMerged: false)
    }

    enum Placement { case linked, copied }

    /// Hard-links `source` to `destination` (replacing what is there); copies where the two
    /// are on different file systems (`EXDEV`) or the file system has no hard links.
    static func linkOrCopy(_ source: String, to destination: String) throws -> Placement {
        try PosixFile.removeIfPresent(destination)
        if link(source, destination) == 0 { return .linked }
        let e = errno
        guard e == EXDEV || e == EPERM || e == EOPNOTSUPP || e == EMLINK else { throw SystemCallError(call: "link", path: "\(source) -> \(destination)", errno: e) }
        try PosixFile.copy(source, to: destination)
        return .copied
    }
}
