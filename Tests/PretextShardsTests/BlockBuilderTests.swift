import Foundation
import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct BlockBuilderTests {
    static func build(_ records: ArraySlice<ShardRecord>, header: ShardHeader, blockTarget: Int, context: String = "test") throws -> EncodedBlocks {
        var builder = BlockBuilder(header: header, blockTargetLength: blockTarget, context: context)
        for r in records { try r.withView { try builder.append($0) } }
        try builder.closeBlock()
        return builder.takeBlocks()
    }

    @Test func blocksBuiltApartWriteTheSameBytesAsTheirRecords() throws {
        let folder = try TemporaryFolder.shared.folder(named: "blocks")
        let header = ShardHeader.testHeader(pairs: true, masks: true)
        var gen = RandomRecords(seed: 5, schema: header.schema, vocabularySize: 30522)
        let records = (0..<600).map { _ in gen.next(maxLength: 200) }

        let one = try ShardSetWriter(folder: folder, prefix: "records", header: header, shardTargetBytes: 30_000, blockTargetLength: 4096)
        for r in records { try one.append(r) }
        let built = try ShardSetWriter(folder: folder, prefix: "blocks", header: header, shardTargetBytes: 30_000, blockTargetLength: 4096)
        let blocks = try Self.build(records[...], header: header, blockTarget: 4096)
        #expect(blocks.recordCount == 600 && blocks.entries.count > 10)
        try built.append(blocks)
        let (a, b) = (try one.finish(), try built.finish())
        #expect(a.count == b.count && a.count > 1)
        for (x, y) in zip(a, b) {
            #expect(x.checksum == y.checksum && x.bytes == y.bytes && x.records == y.records)
            #expect(try Data(contentsOf: URL(fileURLWithPath: x.path)) == Data(contentsOf: URL(fileURLWithPath: y.path)))
        }
    }

    @Test func blocksFromSeveralBuildersReadBackInOrderWithACutBetweenThem() throws {
        let folder = try TemporaryFolder.shared.folder(named: "blocks-split")
        let header = ShardHeader.testHeader(pairs: false, masks: true)
        var gen = RandomRecords(seed: 9, schema: header.schema, vocabularySize: 30522)
        let records = (0..<500).map { _ in gen.next(maxLength: 150) }
        let set = try ShardSetWriter(folder: folder, prefix: "part", header: header, shardTargetBytes: 1 << 30, blockTargetLength: 8192)
        let first = try Self.build(records[..<173], header: header, blockTarget: 8192)
        let second = try Self.build(records[173...], header: header, blockTarget: 8192)
        try set.append(first)
        try set.append(second)
        let summaries = try set.finish()
        #expect(summaries.count == 1 && summaries[0].records == 500)

        let reader = try ShardReader(path: summaries[0].path)
        try reader.verifyBlocks()
        #expect(reader.blockCount == first.entries.count + second.entries.count)
        #expect(reader.blockNumber(ofRecord: 172) == first.entries.count - 1 && reader.blockNumber(ofRecord: 173) == first.entries.count)
        var back: [ShardRecord] = []
        try reader.forEachRecord { back.append($0) }
        #expect(back == records)
    }

    @Test func aRecordThatBreaksTheSchemaIsRefusedWithItsTaskAndIndex() throws {
        var builder = BlockBuilder(header: .testHeader(masks: true), blockTargetLength: 4096, context: "first")
        let good = ShardRecord(tokens: [1, 2, 3], maskedPositions: [1], maskedIDs: [7], inputOrdinal: 0, documentOrdinal: 0)
        try good.withView { try builder.append($0) }
        try builder.closeBlock()
        _ = builder.takeBlocks()
        builder.begin(context: "unit 3 copy 0 documents 10..<20")
        try good.withView { try builder.append($0) }
        let bad = ShardRecord(tokens: [1, 2, 3], maskedPositions: [2, 1], maskedIDs: [7, 8], inputOrdinal: 0, documentOrdinal: 0)
        let error = #expect(throws: InvalidRecordError.self) { try bad.withView { try builder.append($0) } }
        #expect(error?.destination == "unit 3 copy 0 documents 10..<20" && error?.recordIndex == 1)
        #expect(builder.pendingRecords == 1)
        // The next run starts clean: what the failed one left is dropped.
        builder.begin(context: "next")
        #expect(builder.pendingRecords == 0 && builder.finishedBlocks == 0 && builder.recordCount == 0)
        try good.withView { try builder.append($0) }
        try builder.closeBlock()
        #expect(builder.takeBlocks().recordCount == 1)
    }
}
