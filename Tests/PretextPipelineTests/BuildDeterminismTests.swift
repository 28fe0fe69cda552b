import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import PretextCore
import PretextShards
import PretextTestSupport
@testable import PretextPipeline

/// The same pipeline and seed give byte-identical shards and catalog content for any thread
/// count, and for a build split over tasks and merged.
@Suite(.serialized) struct BuildDeterminismTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A small corpus: the first documents of the English sample and all of the Korean one.
    static let corpus: String = {
        let en = try! String(contentsOfFile: root + "/corpora/en-sample.txt", encoding: .utf8)
        let docs = en.components(separatedBy: "\n\n").prefix(120).joined(separator: "\n\n")
        let ko = try! String(contentsOfFile: root + "/corpora/ko-sample.txt", encoding: .utf8)
        return try! TemporaryFolder.shared.file(named: "corpus.txt", text: docs + "\n\n" + ko)
    }()

    static func config(task: PipelineConfig.Task, output: String, masking: PipelineConfig.MaskingMode = .static,
                       tokenizer: String = "wordpiece-2k.tokenizer.json") -> PipelineConfig {
        var c = PipelineConfig()
        c.inputPaths = [corpus]
        c.tokenizerPath = root + "/Tests/PretextTextTests/Fixtures/" + tokenizer
        c.task = task
        c.maskingMode = masking
        c.maskingStrategy = "whole-word"
        c.dupeFactor = masking == .static ? 2 : 1
        c.unitBytes = 16 << 10
        c.shardBytes = 1 << 16
        c.outputPath = output
        c.seed = 7
        return c
    }

    /// Shard file names and bytes, and the catalog's content.
    static func snapshot(_ folder: String) throws -> (files: [String: Data], catalog: String) {
        var files: [String: Data] = [:]
        for name in try PosixFile.listDirectory(folder) where name.hasSuffix(".ptxs") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return (files, try Catalog(folder: folder).contentText())
    }

    @Test(arguments: [PipelineConfig.Task.nsp, .sop, .fullSentences, .causal, .electra])
    func threadCountDoesNotChangeTheOutput(_ task: PipelineConfig.Task) throws {
        var snapshots: [(files: [String: Data], catalog: String)] = []
        // Pinned workers (the CLI's default) or not: only where threads run changes.
        for (threads, pinned) in [(1, false), (2, true), (8, false)] {
            let out = try TemporaryFolder.shared.folder(named: "threads-\(threads)")
            let c = Self.config(task: task, output: out, tokenizer: task == .fullSentences || task == .causal ? "bpe-2k.tokenizer.json" : "wordpiece-2k.tokenizer.json")
            _ = try BuildRunner(config: c, threads: threads, pinThreads: pinned).run()
            #expect(try ShardSetVerifier.verify(folder: out).isClean)
            snapshots.append(try Self.snapshot(out))
        }
        #expect(snapshots[0].files.count > 3, "expected several units")
        for s in snapshots.dropFirst() {
            #expect(s.files.keys.sorted() == snapshots[0].files.keys.sorted())
            for (name, data) in s.files { #expect(data == snapshots[0].files[name], "\(name) differs") }
            #expect(s.catalog == snapshots[0].catalog)
        }
    }

    /// Runs the tokenize phase on every task, then the label phase, then the merge: the
    /// distributed build, in one process.
    static func buildInTasks(_ c: PipelineConfig, tasks: Int) throws {
        for phase in [BuildPhase.tokenize, .label] {
            for i in 0..<tasks { _ = try BuildRunner(config: c, threads: 1, task: i, tasks: tasks).run(phase: phase) }
        }
        _ = try BuildRunner(config: c).run(phase: .merge)
    }

    @Test(arguments: [PipelineConfig.Task.nsp, .sop, .docSentences, .electra, .causal])
    func threeTasksMergedEqualOneRun(_ task: PipelineConfig.Task) throws {
        let single = try TemporaryFolder.shared.folder(named: "single")
        _ = try BuildRunner(config: Self.config(task: task, output: single), threads: 2).run()
        let split = try TemporaryFolder.shared.folder(named: "split")
        try Self.buildInTasks(Self.config(task: task, output: split), tasks: 3)
        let a = try Self.snapshot(single), b = try Self.snapshot(split)
        #expect(a.files.count > 3, "expected several units")
        #expect(a.files.keys.sorted() == b.files.keys.sorted())
        for (name, data) in a.files { #expect(data == b.files[name], "\(name) differs") }
        #expect(a.catalog == b.catalog)
        #expect(try ShardSetVerifier.verify(folder: split).isClean)
    }

    /// The first tokenize task compiles the tokenizer into store/tokenizer.image and the others
    /// map it; a damaged image is reported, replaced, and changes no byte of the output.
    @Test func tokenizeTasksShareTheCompiledTokenizer() throws {
        let single = try TemporaryFolder.shared.folder(named: "image-single")
        _ = try BuildRunner(config: Self.config(task: .nsp, output: single)).run()
        let out = try TemporaryFolder.shared.folder(named: "image-split")
        let c = Self.config(task: .nsp, output: out)
        let image = out + "/store/" + BuildTokenizer.imageFileName
        let lines = Mutex<[String]>([])
        let log: @Sendable (String) -> Void = { line in lines.withLock { $0.append(line) } }
        _ = try BuildRunner(config: c, task: 0, tasks: 3, log: log).run(phase: .tokenize)
        let written = try PosixFile(path: image, mode: .readOnly).readAll()
        _ = try BuildRunner(config: c, task: 1, tasks: 3, log: log).run(phase: .tokenize)
        #expect(try PosixFile(path: image, mode: .readOnly).readAll() == written)
        var damaged = written
        damaged[written.count / 2] ^= 1
        try PosixFile.writeAtomically(damaged, to: image)
        _ = try BuildRunner(config: c, task: 2, tasks: 3, log: log).run(phase: .tokenize)
        #expect(lines.withLock { $0 }.contains { $0.contains("checksum mismatch") })
        #expect(try PosixFile(path: image, mode: .readOnly).readAll() == written)
        for i in 0..<3 { _ = try BuildRunner(config: c, task: i, tasks: 3).run(phase: .label) }
        _ = try BuildRunner(config: c).run(phase: .merge)
        let a = try Self.snapshot(single), b = try Self.snapshot(out)
        #expect(a.files == b.files)
        #expect(a.catalog == b.catalog)
    }

    /// Every unit is tokenized once in the whole job: the tasks' store rows partition the units.
    @Test func everyUnitIsTokenizedByExactlyOneTask() throws {
        let out = try TemporaryFolder.shared.folder(named: "once")
        let c = Self.config(task: .nsp, output: out)
        try Self.buildInTasks(c, tasks: 4)
        var seen: [Int] = []
        for i in 0..<4 {
            let catalog = try Catalog(folder: out, file: BuildTaskFiles(output: out, phase: .tokenize, task: i, tasks: 4).catalogFile)
            let units = try catalog.finishedUnits(run: 1, stage: "store").keys.sorted()
            #expect(units.allSatisfy { $0 % 4 == i })
            seen += units
        }
        #expect(seen.sorted() == Array(0..<seen.count) && seen.count > 4)
    }

    @Test func phasesOutOfOrderAndMismatchedTasksAreRefused() throws {
        let out = try TemporaryFolder.shared.folder(named: "order")
        let c = Self.config(task: .nsp, output: out)
        // Label before any tokenize task ran, then before all of them finished.
        #expect(throws: BuildTaskFiles.TaskError.self) { try BuildRunner(config: c, task: 0, tasks: 2).run(phase: .label) }
        _ = try BuildRunner(config: c, task: 0, tasks: 2).run(phase: .tokenize)
        do {
            _ = try BuildRunner(config: c, task: 0, tasks: 2).run(phase: .label)
            Issue.record("label ran before tokenize task 1 finished")
        } catch let error as BuildTaskFiles.TaskError {
            #expect(error.message.contains("1 of 2 tasks not done (1)"))
        }
        #expect(throws: BuildTaskFiles.TaskError.self) { try BuildRunner(config: c).run(phase: .merge) }
        // Another task count, another configuration, the same index twice at once.
        #expect(throws: BuildTaskFiles.TaskError.self) { try BuildRunner(config: c, task: 1, tasks: 3).run(phase: .tokenize) }
        var other = c
        other.seed = 99
        #expect(throws: BuildTaskFiles.TaskError.self) { try BuildRunner(config: other, task: 1, tasks: 2).run(phase: .tokenize) }
        var held: TaskLock? = try BuildTaskFiles(output: out, phase: .tokenize, task: 1, tasks: 2).claim(configHash: BuildTaskFilesTestSupport.configHash(out), units: BuildTaskFilesTestSupport.units(out))
        do {
            _ = try BuildRunner(config: c, task: 1, tasks: 2).run(phase: .tokenize)
            Issue.record("a second task 1 ran")
        } catch let error as BuildTaskFiles.TaskError {
            #expect(error.message.contains("already running"))
        }
        #expect(held != nil)
        held = nil
        // Released: the task runs, and the build completes.
        _ = try BuildRunner(config: c, task: 1, tasks: 2).run(phase: .tokenize)
        for i in 0..<2 { _ = try BuildRunner(config: c, task: i, tasks: 2).run(phase: .label) }
        _ = try BuildRunner(config: c).run(phase: .merge)
        #expect(try ShardSetVerifier.verify(folder: out).isClean)
    }

    /// `merge --into` hard-links every shard (same inode) and the result equals the build.
    @Test func mergeIntoAnotherFolderLinksTheShards() throws {
        let out = try TemporaryFolder.shared.folder(named: "link-src")
        let c = Self.config(task: .causal, output: out, tokenizer: "bpe-2k.tokenizer.json")
        for phase in [BuildPhase.tokenize, .label] {
            for i in 0..<2 { _ = try BuildRunner(config: c, task: i, tasks: 2).run(phase: phase) }
        }
        let into = try TemporaryFolder.shared.folder(named: "link-dst") + "/set"
        let result = try BuildMerger.merge(build: out, into: into)
        #expect(result.copiedBytes == 0 && result.linkedFiles == result.shards && result.shards > 2)
        for name in try PosixFile.listDirectory(into) where name.hasSuffix(".ptxs") {
            var a = stat(), b = stat()
            #expect(stat(out + "/" + name, &a) == 0 && stat(into + "/" + name, &b) == 0)
            #expect(a.st_ino == b.st_ino, "\(name) was copied, not linked")
        }
        #expect(try ShardSetVerifier.verify(folder: into).isClean)
        let single = try TemporaryFolder.shared.folder(named: "link-single")
        var one = c
        one.outputPath = single
        _ = try BuildRunner(config: one).run()
        #expect(try Self.snapshot(single).catalog == Self.snapshot(into).catalog)
    }

    @Test func aFinishedBuildIsNotRedoneAndAnotherConfigIsRefused() throws {
        let out = try TemporaryFolder.shared.folder(named: "rerun")
        let c = Self.config(task: .nsp, output: out)
        guard case .built = try BuildRunner(config: c).run() else { Issue.record("first run did not build"); return }
        let before = try Self.snapshot(out)
        #expect(try BuildRunner(config: c).run() == .alreadyComplete)
        #expect(try Self.snapshot(out).catalog == before.catalog)
        var other = c
        other.seed = 8
        #expect(throws: BuildRunner.BuildError.self) { try BuildRunner(config: other).run() }
    }

    @Test func staticMasksAndLabelsLookRight() throws {
        let out = try TemporaryFolder.shared.folder(named: "shape")
        _ = try BuildRunner(config: Self.config(task: .nsp, output: out)).run()
        let set = try ShardSet(folder: out)
        var records = 0
        for s in 0..<set.shards.count {
            try set.openShard(s).forEachRecord { r in
                records += 1
                #expect(r.tokens.count <= 128)
                #expect(r.segmentBoundary != nil && r.pairLabel != nil)
                #expect(!r.maskedPositions.isEmpty)
                #expect(r.maskedPositions.count <= 20)
            }
        }
        let stats = try Catalog(folder: out).statistics(run: 1)
        let byName = Dictionary(uniqueKeysWithValues: stats.map { ($0.name, $0.value) })
        #expect(Int(byName["instances"] ?? 0) == records)
        #expect(abs((byName["masked_as_mask_share"] ?? 0) - 0.8) < 0.03)
        #expect((byName["mask_rate"] ?? 0) > 0.12 && (byName["mask_rate"] ?? 0) < 0.16)
    }
}

/// The configuration hash a build of a folder's tasks agreed on (from its tokenize plan).
enum BuildTaskFilesTestSupport {
    static func configHash(_ output: String) -> String { BuildTaskFiles.readPlan(output: output, phase: .tokenize)?["config"] ?? "" }
    static func units(_ output: String) -> Int { BuildTaskFiles.readPlan(output: output, phase: .tokenize)?["units"].flatMap { Int($0) } ?? 0 }
}
