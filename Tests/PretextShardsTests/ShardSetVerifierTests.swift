import Foundation
import GRDB
import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct ShardSetVerifierTests {
    /// A catalogued set of three shards.
    func makeSet() throws -> (folder: String, summaries: [ShardFileSummary]) {
        let folder = try TemporaryFolder.shared.folder(named: "verify")
        let catalog = try Catalog(folder: folder, create: true)
        let run = try catalog.beginRun(configText: "x", seed: 1)
        let header = ShardHeader.testHeader()
        var gen = RandomRecords(seed: 3, schema: header.schema, vocabularySize: 30522)
        let writer = try ShardSetWriter(folder: folder, header: header, shardTargetBytes: 8000, blockTargetLength: 1024)
        for _ in 0..<300 { try writer.append(gen.next(maxLength: 64)) }
        let summaries = try writer.finish()
        for s in summaries { try catalog.recordShard(run: run, s) }
        try catalog.endRun(run, status: .finished)
        #expect(summaries.count >= 3)
        return (folder, summaries)
    }

    @Test func cleanSetVerifies() throws {
        let (folder, summaries) = try makeSet()
        let report = try ShardSetVerifier.verify(folder: folder)
        #expect(report.isClean, "\(report.problems)")
        #expect(report.shardsChecked == summaries.count)
        #expect(report.recordsChecked == 300)
        #expect(report.blocksChecked > summaries.count)
        let set = try ShardSet(folder: folder)
        #expect(set.recordCount == 300)
    }

    @Test func flippedBlockByteIsReportedWithFileAndBlock() throws {
        let (folder, summaries) = try makeSet()
        let victim = summaries[1].path
        let reader = try ShardReader(path: victim)
        let block = reader.index[1]
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: victim)))
        bytes[Int(block.offset) + 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: victim))
        let report = try ShardSetVerifier.verify(folder: folder)
        #expect(!report.isClean)
        #expect(report.problems.contains { $0.contains(victim) && $0.contains("file checksum") })
        #expect(report.problems.contains { $0.contains(victim) && $0.contains("block 1 at byte \(block.offset)") && $0.contains("checksum mismatch") })
    }

    @Test func catalogChecksumMismatchIsReported() throws {
        let (folder, _) = try makeSet()
        let db = try DatabaseQueue(path: folder + "/" + Catalog.fileName)
        try db.write { try $0.execute(sql: "UPDATE shards SET checksum = ? WHERE file = 'part-00000.ptxs'", arguments: [hex(1)]) }
        let report = try ShardSetVerifier.verify(folder: folder)
        #expect(report.problems.count == 1)
        #expect(report.problems[0].contains("part-00000.ptxs: file checksum") && report.problems[0].contains("catalog says 0x0000000000000001"))
    }

    @Test func missingUnlistedAndPartialFilesAreReported() throws {
        let (folder, summaries) = try makeSet()
        try FileManager.default.removeItem(atPath: summaries[0].path)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/stray.ptxs"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/part-00009.ptxs.partial"))
        let report = try ShardSetVerifier.verify(folder: folder)
        #expect(report.problems.contains { $0.contains("part-00000.ptxs: listed in the catalog but missing") })
        #expect(report.problems.contains { $0.contains("stray.ptxs: shard file not listed") })
        #expect(report.problems.contains { $0.contains("part-00009.ptxs.partial: partial file") })
    }

    @Test func truncatedShardIsReported() throws {
        let (folder, summaries) = try makeSet()
        let victim = summaries[2].path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: victim)))
        try Data(bytes[0..<(bytes.count / 2)]).write(to: URL(fileURLWithPath: victim))
        let report = try ShardSetVerifier.verify(folder: folder)
        #expect(report.problems.contains { $0.contains(victim) && $0.contains("bytes on disk") })
        #expect(report.problems.contains { $0.contains(victim) && $0.contains("footer") })
    }
}
