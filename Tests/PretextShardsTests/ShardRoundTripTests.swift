import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct ShardRoundTripTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let width: Int, pairs: Bool, masks: Bool, filter: ShardFilter, blockTarget: Int
        var testDescription: String { "u\(width * 8) pairs:\(pairs) masks:\(masks) \(filter) block \(blockTarget)" }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        for width in [2, 4] { for pairs in [false, true] { for masks in [false, true] { for filter in ShardFilter.allCases {
            all.append(Case(width: width, pairs: pairs, masks: masks, filter: filter, blockTarget: [97, 4096, 65536][all.count % 3]))
        } } } }
        return all
    }()

    @Test(arguments: cases)
    func randomRecordsReadBackEqual(_ c: Case) throws {
        let vocabulary: UInt32 = c.width == 2 ? 30522 : 250_000
        let header = ShardHeader.testHeader(width: c.width, pairs: c.pairs, masks: c.masks, filter: c.filter, vocabulary: vocabulary)
        let path = try TemporaryFolder.shared.folder(named: "roundtrip") + "/a.ptxs"
        var gen = RandomRecords(seed: UInt64(c.width * 100 + (c.pairs ? 10 : 0) + (c.masks ? 1 : 0)), schema: header.schema, vocabularySize: vocabulary)
        let records = (0..<700).map { _ in gen.next(maxLength: 300) }
        let writer = try ShardWriter(path: path, header: header, blockTargetLength: c.blockTarget)
        for r in records { try writer.append(r) }
        let summary = try writer.finish()
        #expect(summary.records == 700)
        #expect(summary.tokens == records.reduce(0) { $0 + UInt64($1.tokens.count) })
        #expect(try FileChecksum.xxh64(ofFile: path) == (summary.checksum, summary.bytes))

        let reader = try ShardReader(path: path)
        #expect(reader.header == header)
        #expect(reader.recordCount == 700)
        var sequential: [ShardRecord] = []
        try reader.forEachRecord { sequential.append($0) }
        #expect(sequential == records)

        var rng = KeyedRandom(seed: 5, purpose: .testData, index: 1)
        let fresh = try ShardReader(path: path)
        for _ in 0..<300 {
            let i = rng.below(700)
            #expect(try fresh.record(UInt64(i)) == records[i], "record \(i)")
        }
        if c.blockTarget < 1000 { #expect(reader.blockCount > 100) }
    }

    @Test func everyBlockLookupIsRight() throws {
        // Varying record sizes give blocks with different record counts; the O(1) table must
        // still find the right block for every record.
        let header = ShardHeader.testHeader()
        let path = try TemporaryFolder.shared.folder(named: "lookup") + "/a.ptxs"
        var gen = RandomRecords(seed: 77, schema: header.schema, vocabularySize: 30522)
        let writer = try ShardWriter(path: path, header: header, blockTargetLength: 512)
        var records: [ShardRecord] = []
        for i in 0..<2000 {
            let r = gen.next(maxLength: i % 50 == 0 ? 400 : 20)
            records.append(r)
            try writer.append(r)
        }
        try writer.finish()
        let reader = try ShardReader(path: path)
        for i in stride(from: 1999, through: 0, by: -1) {
            let b = reader.blockNumber(ofRecord: UInt64(i))
            #expect(reader.blockFirstRecord[b] <= UInt64(i) && UInt64(i) < reader.blockFirstRecord[b + 1])
            #expect(try reader.record(UInt64(i)) == records[i])
        }
    }

    @Test func emptyShardIsValid() throws {
        let path = try TemporaryFolder.shared.folder(named: "empty") + "/empty.ptxs"
        let summary = try ShardWriter(path: path, header: .testHeader()).finish()
        #expect(summary.records == 0)
        let reader = try ShardReader(path: path)
        #expect(reader.recordCount == 0 && reader.blockCount == 0 && reader.tokenCount == 0)
        var seen = 0
        try reader.forEachRecord { _ in seen += 1 }
        #expect(seen == 0)
        try reader.verifyBlocks()
    }

    @Test func emptyRecordsAndSingleHugeRecord() throws {
        let header = ShardHeader.testHeader(width: 4, vocabulary: 0, blockLimit: 8 << 20)
        let path = try TemporaryFolder.shared.folder(named: "edges") + "/a.ptxs"
        let writer = try ShardWriter(path: path, header: header, blockTargetLength: 1024)
        let big = ShardRecord(tokens: (0..<1_000_000).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761 >> 3) }, inputOrdinal: 1, documentOrdinal: 2)
        let empty = ShardRecord(tokens: [], inputOrdinal: UInt32.max, documentOrdinal: UInt64.max)
        for r in [empty, big, empty] { try writer.append(r) }
        try writer.finish()
        let reader = try ShardReader(path: path)
        #expect(try reader.record(0) == empty)
        #expect(try reader.record(1) == big)
        #expect(try reader.record(2) == empty)
    }

    @Test func writerRefusesRecordsThatBreakTheSchema() throws {
        let folder = try TemporaryFolder.shared.folder(named: "refuse")
        let pairs = try ShardWriter(path: folder + "/p.ptxs", header: .testHeader(pairs: true, masks: true, vocabulary: 100))
        let bad: [ShardRecord] = [
            ShardRecord(tokens: [1, 2], inputOrdinal: 0, documentOrdinal: 0),  // no pair fields
            ShardRecord(tokens: [1, 2], segmentBoundary: 3, pairLabel: 0, inputOrdinal: 0, documentOrdinal: 0),
            ShardRecord(tokens: [1, 2], segmentBoundary: 1, pairLabel: 2, inputOrdinal: 0, documentOrdinal: 0),
            ShardRecord(tokens: [1, 200], segmentBoundary: 1, pairLabel: 0, inputOrdinal: 0, documentOrdinal: 0),
            ShardRecord(tokens: [1, 2, 3], segmentBoundary: 1, pairLabel: 0, maskedPositions: [2, 1], maskedIDs: [5, 6], inputOrdinal: 0, documentOrdinal: 0),
            ShardRecord(tokens: [1, 2, 3], segmentBoundary: 1, pairLabel: 0, maskedPositions: [3], maskedIDs: [5], inputOrdinal: 0, documentOrdinal: 0),
            ShardRecord(tokens: [1, 2, 3], segmentBoundary: 1, pairLabel: 0, maskedPositions: [1], maskedIDs: [], inputOrdinal: 0, documentOrdinal: 0),
        ]
        for r in bad { #expect(throws: InvalidRecordError.self) { try pairs.append(r) } }
        try pairs.abandon()
        #expect(!PosixFile.exists(folder + "/p.ptxs.partial"))

        let plain = try ShardWriter(path: folder + "/q.ptxs", header: .testHeader(width: 2, vocabulary: 0, blockLimit: 4096))
        #expect(throws: InvalidRecordError.self) { try plain.append(ShardRecord(tokens: [70000], inputOrdinal: 0, documentOrdinal: 0)) }
        #expect(throws: InvalidRecordError.self) { try plain.append(ShardRecord(tokens: [1], segmentBoundary: 1, pairLabel: 0, inputOrdinal: 0, documentOrdinal: 0)) }
        #expect(throws: InvalidRecordError.self) { try plain.append(ShardRecord(tokens: [UInt32](repeating: 1, count: 3000), inputOrdinal: 0, documentOrdinal: 0)) }
        try plain.finish()
    }

    @Test func partialFileUntilFinish() throws {
        let folder = try TemporaryFolder.shared.folder(named: "atomic")
        let writer = try ShardWriter(path: folder + "/a.ptxs", header: .testHeader(), blockTargetLength: 64)
        for i in 0..<100 { try writer.append(ShardRecord(tokens: [UInt32(i), 1, 2, 3], inputOrdinal: 0, documentOrdinal: UInt64(i))) }
        #expect(PosixFile.exists(folder + "/a.ptxs.partial"))
        #expect(!PosixFile.exists(folder + "/a.ptxs"))
        try writer.finish()
        #expect(!PosixFile.exists(folder + "/a.ptxs.partial"))
        #expect(try ShardReader(path: folder + "/a.ptxs").recordCount == 100)
    }

    @Test func shardSetRollsOver() throws {
        let folder = try TemporaryFolder.shared.folder(named: "rollover")
        let header = ShardHeader.testHeader()
        let writer = try ShardSetWriter(folder: folder, header: header, shardTargetBytes: 20_000, blockTargetLength: 4096)
        var gen = RandomRecords(seed: 11, schema: header.schema, vocabularySize: 30522)
        var records: [ShardRecord] = []
        for _ in 0..<1000 { let r = gen.next(maxLength: 128); records.append(r); try writer.append(r) }
        let summaries = try writer.finish()
        #expect(summaries.count > 5)
        #expect(summaries.map { $0.path.split(separator: "/").last! } == (0..<summaries.count).map { Substring(writer.fileName($0)) })
        for s in summaries.dropLast() { #expect(s.bytes >= 20_000 && s.bytes < 20_000 + 4096 * 2 + 1024) }
        var back: [ShardRecord] = []
        for s in summaries { try ShardReader(path: s.path).forEachRecord { back.append($0) } }
        #expect(back == records)
        #expect(summaries.reduce(0) { $0 + $1.records } == 1000)
    }

    @Test func emptyShardSetStillWritesOneShard() throws {
        let folder = try TemporaryFolder.shared.folder(named: "emptyset")
        let summaries = try ShardSetWriter(folder: folder, header: .testHeader()).finish()
        #expect(summaries.count == 1 && summaries[0].records == 0)
    }

    @Test func byteShuffleHelpsUniformRandomIDsOnly() throws {
        // Uniformly random ids below 30522 have no repeated phrases for LZ4 to find, so the
        // shuffled high-byte plane (values 0...119) is the only redundancy: shuffle wins here.
        // On real text the opposite holds (docs/FORMAT.md), hence `recommended` is `.none` for u16.
        var sizes: [ShardFilter: UInt64] = [:]
        for filter in ShardFilter.allCases {
            let header = ShardHeader.testHeader(filter: filter)
            let path = try TemporaryFolder.shared.folder(named: "filter") + "/a.ptxs"
            var gen = RandomRecords(seed: 1, schema: header.schema, vocabularySize: 30522)
            let writer = try ShardWriter(path: path, header: header)
            for _ in 0..<2000 { try writer.append(gen.next(maxLength: 128)) }
            sizes[filter] = try writer.finish().bytes
        }
        #expect(sizes[.byteShuffle]! < sizes[.none]!)
        #expect(ShardFilter.recommended(forTokenWidth: 2) == .none)
        #expect(ShardFilter.recommended(forTokenWidth: 4) == .byteShuffle)
    }
}
