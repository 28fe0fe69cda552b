import Foundation
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
        c.documentsPerUnit = 16
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

    @Test(arguments: [PipelineConfig.Task.nsp, .sop, .fullSentences, .causal])
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

    @Test(arguments: [PipelineConfig.Task.nsp, .docSentences])
    func threeTasksMergedEqualOneRun(_ task: PipelineConfig.Task) throws {
        let single = try TemporaryFolder.shared.folder(named: "single")
        _ = try BuildRunner(config: Self.config(task: task, output: single), threads: 2).run()
        var parts: [String] = []
        for i in 0..<3 {
            let out = try TemporaryFolder.shared.folder(named: "task-\(i)")
            _ = try BuildRunner(config: Self.config(task: task, output: out), threads: 1, task: i, tasks: 3).run()
            parts.append(out)
        }
        let merged = try TemporaryFolder.shared.folder(named: "merged") + "/out"
        let shardCount = try BuildMerger.merge(into: merged, from: parts)
        let a = try Self.snapshot(single), b = try Self.snapshot(merged)
        #expect(shardCount == a.files.count)
        #expect(a.files.keys.sorted() == b.files.keys.sorted())
        for (name, data) in a.files { #expect(data == b.files[name], "\(name) differs") }
        #expect(a.catalog == b.catalog)
        #expect(try ShardSetVerifier.verify(folder: merged).isClean)
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
