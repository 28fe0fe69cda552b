import Foundation
import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct RecordBatchTests {
    @Test func aBatchHoldsItsRecordsAndWritesTheSameBytesAsTheRecords() throws {
        let folder = try TemporaryFolder.shared.folder(named: "batch")
        let header = ShardHeader.testHeader(pairs: true, masks: true)
        var gen = RandomRecords(seed: 5, schema: header.schema, vocabularySize: 30522)
        let records = (0..<600).map { _ in gen.next(maxLength: 200) }
        var first = RecordBatch(), second = RecordBatch()
        for (k, r) in records.enumerated() { if k < 250 { first.append(r) } else { second.append(r) } }
        #expect(first.count == 250 && second.count == 350)
        #expect((0..<first.count).map { first[$0] } == Array(records[..<250]))
        #expect((0..<second.count).map { second[$0] } == Array(records[250...]))

        let one = try ShardSetWriter(folder: folder, prefix: "records", header: header, shardTargetBytes: 30_000, blockTargetLength: 4096)
        for r in records { try one.append(r) }
        let batched = try ShardSetWriter(folder: folder, prefix: "batches", header: header, shardTargetBytes: 30_000, blockTargetLength: 4096)
        try batched.append(contentsOf: first)
        try batched.append(contentsOf: second)
        let (a, b) = (try one.finish(), try batched.finish())
        #expect(a.count == b.count && a.count > 1)
        for (x, y) in zip(a, b) {
            #expect(x.checksum == y.checksum && x.bytes == y.bytes)
            #expect(try Data(contentsOf: URL(fileURLWithPath: x.path)) == Data(contentsOf: URL(fileURLWithPath: y.path)))
        }
    }

    @Test func aBatchRecordThatBreaksTheSchemaIsRefused() throws {
        let folder = try TemporaryFolder.shared.folder(named: "batch-bad")
        let writer = try ShardSetWriter(folder: folder, prefix: "bad", header: .testHeader(masks: true), shardTargetBytes: 1 << 20, blockTargetLength: 4096)
        var batch = RecordBatch()
        batch.append(ShardRecord(tokens: [1, 2, 3], maskedPositions: [2, 1], maskedIDs: [7, 8], inputOrdinal: 0, documentOrdinal: 0))
        #expect(throws: InvalidRecordError.self) { try writer.append(contentsOf: batch) }
    }
}
