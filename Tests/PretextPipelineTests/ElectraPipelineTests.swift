import Foundation
import Testing
import PretextCore
import PretextShards
import PretextTestSupport
@testable import PretextPipeline

/// `pipelines/electra.toml` as shipped: the same bytes for any thread count and task split,
/// records of one or two segments without pair labels, and the realised ELECTRA shares.
@Suite(.serialized) struct ElectraPipelineTests {
    static let root = BuildDeterminismTests.root

    /// The shipped pipeline with its paths made absolute and the output in `output`.
    static func config(output: String) throws -> PipelineConfig {
        let text = try String(decoding: PosixFile(path: root + "/pipelines/electra.toml", mode: .readOnly).readAll(), as: UTF8.self)
        var c = try PipelineConfig(text: text)
        c.inputPaths = c.inputPaths.map { root + "/" + $0 }
        c.tokenizerPath = root + "/" + c.tokenizerPath
        c.outputPath = output
        return c
    }

    /// All records of a folder, in shard set order.
    static func records(_ folder: String) throws -> [ShardRecord] {
        let set = try ShardSet(folder: folder)
        var out: [ShardRecord] = []
        for s in 0..<set.shards.count { try set.openShard(s).forEachRecord { out.append($0) } }
        return out
    }

    @Test func threadsAndTaskSplitsGiveTheSameBytes() throws {
        var snapshots: [(files: [String: Data], catalog: String)] = []
        for threads in [1, 3] {
            let out = try TemporaryFolder.shared.folder(named: "electra-threads-\(threads)")
            _ = try BuildRunner(config: Self.config(output: out), threads: threads).run()
            #expect(try ShardSetVerifier.verify(folder: out).isClean)
            snapshots.append(try BuildDeterminismTests.snapshot(out))
        }
        let split = try TemporaryFolder.shared.folder(named: "electra-tasks")
        try BuildDeterminismTests.buildInTasks(Self.config(output: split), tasks: 2)
        #expect(try ShardSetVerifier.verify(folder: split).isClean)
        snapshots.append(try BuildDeterminismTests.snapshot(split))
        #expect(snapshots[0].files.count >= 2, "the sample is two units: task 1 of 2 has one")
        for s in snapshots.dropFirst() {
            #expect(s.files.keys.sorted() == snapshots[0].files.keys.sorted())
            for (name, data) in s.files { #expect(data == snapshots[0].files[name], "\(name) differs") }
            #expect(s.catalog == snapshots[0].catalog)
        }

        // Documents are keyed by their place in the corpus, not in their unit: with units of
        // 64 KiB (20 of them) the records are the same, in the same order.
        let small = try TemporaryFolder.shared.folder(named: "electra-small-units")
        var c = try Self.config(output: small)
        c.unitBytes = 64 << 10
        try BuildDeterminismTests.buildInTasks(c, tasks: 3)
        let a = try Self.records(split), b = try Self.records(small)
        #expect(a.count == b.count && a == b)
    }

    @Test func recordsHaveSegmentsAndNoPairLabel() throws {
        let out = try TemporaryFolder.shared.folder(named: "electra-shape")
        let c = try Self.config(output: out)
        _ = try BuildRunner(config: c, threads: 2).run()
        let set = try ShardSet(folder: out)
        let header = try set.openShard(0).header
        #expect(header.schema.hasSegments && !header.schema.hasPairs && !header.schema.hasMasks)
        #expect(header.schema.minorVersion == 1)
        #expect(header.metadata.contains("\"task\":\"electra\""))
        let records = try Self.records(out)
        var single = 0, byDocument: [UInt64: Int] = [:]
        for r in records {
            #expect(r.tokens.count >= 3 && r.tokens.count <= c.maxSequenceLength)
            #expect(r.pairLabel == nil && r.maskedPositions.isEmpty)
            let b = Int(r.segmentBoundary!)
            #expect(r.tokens[b - 1] == r.tokens.last!, "[SEP] ends A, and B when there is one")
            if b == r.tokens.count { single += 1 }
            byDocument[r.documentOrdinal, default: 0] += 1
        }
        let stats = Dictionary(uniqueKeysWithValues: try Catalog(folder: out).statistics(run: 1).map { ($0.name, $0.value) })
        #expect(Int(stats["instances"] ?? 0) == records.count)
        #expect(Int(stats["examples_without_segment_b"] ?? 0) == single)
        #expect(stats["label_0"] == nil && stats["label_1"] == nil)
        // Realised shares on the sample (about 2,400 examples): within about 4 standard errors.
        let n = Double(records.count)
        let singleShare = stats["single_segment_share"] ?? 0, shortShare = stats["short_target_share"] ?? 0
        #expect(abs(singleShare - 0.1) < 4 * (0.09 / n).squareRoot(), "single-segment share \(singleShare)")
        #expect(abs(shortShare - 0.05) < 4 * (0.0475 / n).squareRoot(), "short-target share \(shortShare)")
        #expect(byDocument.count == Int(stats["documents"] ?? 0), "every document gives examples")
    }
}
