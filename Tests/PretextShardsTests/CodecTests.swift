import Foundation
import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct CodecTests {
    @Test(arguments: [1, 2, 4, 8])
    func byteShuffleRoundTrips(width: Int) {
        var rng = KeyedRandom(seed: UInt64(width), purpose: .testData, index: 0)
        for n in [0, 1, 7, 1000] {
            let mask: UInt64 = width == 8 ? .max : (1 << UInt64(8 * width)) - 1
            let values = (0..<n).map { _ in rng.next() & mask }
            for shuffle in [false, true] {
                var bytes = [UInt8](repeating: 0, count: n * width)
                values.withUnsafeBufferPointer { v in bytes.withUnsafeMutableBytes { ByteShuffle.encode(v, width: width, shuffle: shuffle, into: $0) } }
                var back = [UInt64](repeating: 0, count: n)
                bytes.withUnsafeBytes { src in back.withUnsafeMutableBufferPointer { ByteShuffle.decode(src, width: width, count: n, shuffled: shuffle, into: $0.baseAddress!) } }
                #expect(back == values)
                if !shuffle {
                    // Plain layout is little endian.
                    if n > 0 { #expect(bytes[0] == UInt8(truncatingIfNeeded: values[0])) }
                }
            }
        }
    }

    @Test func lz4RoundTripsAndRejectsGarbage() throws {
        var rng = KeyedRandom(seed: 2, purpose: .testData, index: 0)
        let words = (0..<50).map { _ in (0..<(2 + rng.below(8))).map { _ in UInt8(0x61 + rng.below(26)) } }
        let source = Array((0..<20_000).map { _ in words[rng.below(50)] + [0x20] }.joined())
        var compressed = [UInt8](repeating: 0, count: LZ4Block.compressBound(source.count))
        let n = try source.withUnsafeBytes { s in try compressed.withUnsafeMutableBytes { try LZ4Block.compress(s, into: $0) } }
        #expect(n > 0 && n < source.count)
        var back = [UInt8](repeating: 0, count: source.count)
        try compressed.withUnsafeBytes { c in
            try back.withUnsafeMutableBytes { try LZ4Block.decompress(UnsafeRawBufferPointer(rebasing: c[0..<n]), into: $0) }
        }
        #expect(back == source)
        // Wrong expected size: an error, not a crash.
        var small = [UInt8](repeating: 0, count: source.count - 1)
        #expect(throws: LZ4Error.self) {
            try compressed.withUnsafeBytes { c in
                try small.withUnsafeMutableBytes { try LZ4Block.decompress(UnsafeRawBufferPointer(rebasing: c[0..<n]), into: $0) }
            }
        }
        // Random garbage: an error, not a crash.
        for i in 0..<200 {
            let garbage = (0..<(1 + i * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var out = [UInt8](repeating: 0, count: 4096)
            do {
                try garbage.withUnsafeBytes { g in try out.withUnsafeMutableBytes { try LZ4Block.decompress(g, into: $0) } }
            } catch is LZ4Error {}
        }
        // A destination too small for compression is reported.
        var tiny = [UInt8](repeating: 0, count: 8)
        let noise = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        #expect(throws: LZ4Error.self) {
            try noise.withUnsafeBytes { s in try tiny.withUnsafeMutableBytes { try LZ4Block.compress(s, into: $0) } }
        }
    }
}

@Suite struct TokenColumnTests {
    @Test(arguments: [(2, ShardFilter.none), (2, .byteShuffle), (4, .none), (4, .byteShuffle)])
    func viewsAndBulkCopiesAgreeWithWhatWasWritten(_ c: (Int, ShardFilter)) throws {
        let (width, filter) = c
        let vocabulary: UInt32 = width == 2 ? 65536 : 1 << 24
        let header = ShardHeader.testHeader(width: width, filter: filter, vocabulary: vocabulary)
        let path = try TemporaryFolder.shared.folder(named: "column") + "/a.ptxs"
        var gen = RandomRecords(seed: UInt64(width), schema: header.schema, vocabularySize: vocabulary)
        let records = (0..<50).map { _ in gen.next(maxLength: 40) }
        let writer = try ShardWriter(path: path, header: header, blockTargetLength: 1 << 20)
        for r in records { try writer.append(r) }
        try writer.finish()
        let block = try ShardReader(path: path).block(0)
        #expect(Array(block.tokens) == records.flatMap(\.tokens))
        for i in 0..<records.count {
            let range = block.tokenOffsets[i]..<block.tokenOffsets[i + 1]
            var out = [UInt32](repeating: 0, count: range.count + 1)
            out.withUnsafeMutableBufferPointer { block.tokens.copy(range, into: $0.baseAddress!) }
            #expect(Array(out.dropLast()) == records[i].tokens)
        }
    }

    @Test func maximumFindsTheLargestValue() {
        var rng = KeyedRandom(seed: 4, purpose: .testData, index: 0)
        for width in [2, 4] {
            for shuffled in [false, true] {
                for n in [0, 1, 15, 16, 17, 100] {
                    let values = (0..<n).map { _ in rng.next() & (width == 2 ? 0xFFFF : 0xFFFF_FFFF) }
                    var bytes = [UInt8](repeating: 0, count: n * width)
                    values.withUnsafeBufferPointer { v in bytes.withUnsafeMutableBytes { ByteShuffle.encode(v, width: width, shuffle: shuffled, into: $0) } }
                    let m = bytes.withUnsafeBytes { ByteShuffle.maximum($0, width: width, count: n, shuffled: shuffled) }
                    #expect(UInt64(m) == (values.max() ?? 0), "width \(width) shuffled \(shuffled) n \(n)")
                }
            }
        }
    }

    @Test func idsOutsideTheVocabularyAreRejected() throws {
        // Written with vocabulary 0 (unchecked), then the header re-declares 100: a reader must
        // refuse id 150 with a block error instead of handing it to an embedding lookup.
        let folder = try TemporaryFolder.shared.folder(named: "vocab")
        let open = ShardHeader.testHeader(vocabulary: 0)
        let writer = try ShardWriter(path: folder + "/a.ptxs", header: open)
        try writer.append(ShardRecord(tokens: [1, 150, 3], inputOrdinal: 0, documentOrdinal: 0))
        try writer.finish()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/a.ptxs")))
        var strict = open
        strict.vocabularySize = 100
        let newHeader = strict.encoded()
        #expect(newHeader.count == open.encoded().count)
        bytes.replaceSubrange(0..<newHeader.count, with: newHeader)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/b.ptxs"))
        let reader = try ShardReader(path: folder + "/b.ptxs")
        do {
            _ = try reader.block(0)
            Issue.record("id 150 passed a vocabulary of 100")
        } catch let error as ShardFormatError {
            #expect(error.region == .block(0))
            #expect(error.problem.contains("150"))
        }
    }
}
