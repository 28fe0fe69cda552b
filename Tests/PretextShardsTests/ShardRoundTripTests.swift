import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct ShardRoundTripTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let width: Int, pairs: Bool, masks: Bool, filter: ShardFilter, blockTarget: Int
        /// Segment boundaries without pair labels (format 1.1).
        var segmentsOnly = false
        var testDescription: String {
            "u\(width * 8) \(segmentsOnly ? "segments" : "pairs:\(pairs)") masks:\(masks) \(filter) block \(blockTarget)"
        }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        for width in [2, 4] { for pairs in [false, true] { for masks in [false, true] { for filter in ShardFilter.allCases {
            all.append(Case(width: width, pairs: pairs, masks: masks, filter: filter, blockTarget: [97, 4096, 65536][all.count % 3]))
        } } } }
        for width in [2, 4] { for masks in [false, true] {
            all.append(Case(width: width, pairs: false, masks: masks, filter: width == 2 ? .byteShuffle : .none, blockTarget: masks ? 97 : 4096,
                            segmentsOnly: true))
        } }
        return all
    }()

    @Test(arguments: cases)
    func randomRecordsReadBackEqual(_ c: Case) throws {
        let vocabulary: UInt32 = c.width == 2 ? 30522 : 250_000
        let header = ShardHeader.testHeader(width: c.width, pairs: c.pairs, segments: c.pairs || c.segmentsOnly, masks: c.masks, filter: c.filter,
                                            vocabulary: vocabulary)
        let path = try TemporaryFolder.shared.folder(named: "roundtrip") + "/a.ptxs"
        let seed = UInt64(c.width * 100 + (c.pairs ? 10 : 0) + (c.segmentsOnly ? 20 : 0) + (c.masks ? 1 : 0))
        var gen = RandomRecords(seed: seed, schema: header.schema, vocabularySize: vocabulary)
        let records = (0..<700).map { _ in gen.next(maxLength: 300) }
        let writer = try ShardWriter(path: path, header: header, blockTargetLength: c.blockTarget)
        for r in records { try writer.append(r) }
        let summary = try writer.finish()
        #expect(summary.records == 700)
        #expect(summary.tokens == records.reduce(0) { $0 + UInt64($1.tokens.count) })
        #expect(try FileChecksum.xxh64(ofFile: path) == (summary.checksum, summary.bytes))

        let reader = try ShardReader(path: path)
        #expect(reader.header == header)
        // The file declares 1.1 only when it needs it (segment boundaries without pair labels).
        let version = try PosixFile(path: path, mode: .readOnly).readAll()[8..<12]
        #expect(Array(version) == [1, 0, c.segmentsOnly ? 1 : 0, 0])
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

    @Test func segmentSchemasTakeABoundaryAndNoPairLabel() throws {
        let folder = try TemporaryFolder.shared.folder(named: "segments")
        let writer = try ShardWriter(path: folder + "/s.ptxs", header: .testHeader(segments: true, vocabulary: 100))
        for r in [
            ShardRecord(tokens: [1, 2], inputOrdinal: 0, documentOrdinal: 0),  // no boundary
            ShardRecord(tokens: [1, 2], segmentBoundary: 1, pairLabel: 0, inputOrdinal: 0, documentOrdinal: 0),  // a pair label
            ShardRecord(tokens: [1, 2], segmentBoundary: 0, inputOrdinal: 0, documentOrdinal: 0),
            ShardRecord(tokens: [1, 2], segmentBoundary: 3, inputOrdinal: 0, documentOrdinal: 0),
        ] { #expect(throws: InvalidRecordError.self) { try writer.append(r) } }
        let good = [ShardRecord(tokens: [1, 5, 2], segmentBoundary: 3, inputOrdinal: 0, documentOrdinal: 7),
                    ShardRecord(tokens: [1, 5, 2, 6, 2], segmentBoundary: 3, inputOrdinal: 0, documentOrdinal: 7)]
        for r in good { try writer.append(r) }
        try writer.finish()
        let reader = try ShardReader(path: folder + "/s.ptxs")
        #expect(reader.header.schema.fields.map(\.name) == ["tokens", "segment_boundary", "input_ordinal", "document_ordinal"])
        var back: [ShardRecord] = []
        try reader.forEachRecord { back.append($0) }
        #expect(back == good)

        // Schemas: a boundary alone is v1.1; a pair label needs a boundary.
        let f = ShardSchema.self
        guard case .success(let s) = f.from(fields: [f.tokens, f.segmentBoundary, f.inputOrdinal, f.documentOrdinal]) else {
            Issue.record("a segment-only schema was refused"); return
        }
        #expect(s.hasSegments && !s.hasPairs && s.minorVersion == 1)
        guard case .failure(let problem) = f.from(fields: [f.tokens, f.pairLabel, f.inputOrdinal, f.documentOrdinal]) else {
            Issue.record("a pair label without a boundary was accepted"); return
        }
        #expect(problem.message.contains("pair_label needs segment_boundary"))
        #expect(ShardSchema(tokenWidth: 2, hasPairs: true, hasMasks: false).minorVersion == 0)
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
