import Foundation
import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

/// Damaged and hostile files must give a `ShardFormatError` naming the file, the region and
/// the byte offset — never a crash, a hang, or an allocation beyond the declared bounds.
@Suite struct ShardCorruptionTests {
    /// A valid shard with pairs and masks in several blocks, and its regions.
    struct Sample {
        let bytes: [UInt8]
        let headerLength: Int
        let blocks: [BlockIndexEntry]
        let indexOffset: Int
        var footerOffset: Int { bytes.count - ShardFormat.footerLength }
    }

    static let sample: Sample = {
        let path = try! TemporaryFolder.shared.folder(named: "corruption-source") + "/good.ptxs"
        let header = ShardHeader.testHeader(pairs: true, masks: true)
        var gen = RandomRecords(seed: 99, schema: header.schema, vocabularySize: 30522)
        let writer = try! ShardWriter(path: path, header: header, blockTargetLength: 2048)
        for _ in 0..<300 { try! writer.append(gen.next(maxLength: 60)) }
        try! writer.finish()
        let reader = try! ShardReader(path: path)
        return Sample(bytes: Array(try! Data(contentsOf: URL(fileURLWithPath: path))), headerLength: Int(reader.footer.headerLength),
                      blocks: reader.index, indexOffset: Int(reader.footer.indexOffset))
    }()

    /// Writes `bytes`, opens and fully reads the file; returns the error (nil if it read cleanly).
    func readAll(_ bytes: [UInt8], name: String) throws -> ShardFormatError? {
        let path = try TemporaryFolder.shared.file(named: name, contents: bytes)
        do {
            let reader = try ShardReader(path: path)
            try reader.verifyBlocks()
            var n: UInt64 = 0
            try reader.forEachRecord { _ in n += 1 }
            return nil
        } catch let error as ShardFormatError {
            #expect(error.path == path)
            #expect(error.description.contains(path))
            return error
        }
    }

    @Test func theSampleIsValid() throws {
        #expect(Self.sample.blocks.count > 5)
        #expect(try readAll(Self.sample.bytes, name: "good.ptxs") == nil)
    }

    enum Region: String, CaseIterable { case header, block, index, footer }

    @Test(arguments: Region.allCases)
    func everyFlippedByteIsDetected(_ region: Region) throws {
        let s = Self.sample
        var rng = KeyedRandom(seed: 7, purpose: .testData, index: UInt64(Region.allCases.firstIndex(of: region)!))
        for trial in 0..<60 {
            var bytes = s.bytes
            let position: Int
            var blockNumber: Int?
            switch region {
            case .header: position = rng.below(s.headerLength)
            case .block:
                let b = rng.below(s.blocks.count)
                blockNumber = b
                position = Int(s.blocks[b].offset) + rng.below(Int(s.blocks[b].compressedLength))
            case .index: position = s.indexOffset + rng.below(s.footerOffset - s.indexOffset)
            case .footer: position = s.footerOffset + rng.below(ShardFormat.footerLength)
            }
            bytes[position] ^= UInt8(1 + rng.below(255))
            let error = try readAll(bytes, name: "flip-\(region)-\(trial).ptxs")
            #expect(error != nil, "flip at \(position) in \(region) went unnoticed")
            guard let error else { continue }
            switch region {
            case .block:
                #expect(error.region == .block(blockNumber!))
                #expect(error.byteOffset == s.blocks[blockNumber!].offset)
            case .index: #expect(error.region == .index)
            case .footer: #expect([.footer, .index].contains(error.region))
            case .header: #expect([.header, .schema, .footer, .file].contains(error.region))
            }
        }
    }

    @Test func everyTruncationIsDetected() throws {
        let s = Self.sample
        var rng = KeyedRandom(seed: 8, purpose: .testData, index: 0)
        var lengths = [0, 1, 7, 8, 63, 64, s.headerLength, s.indexOffset, s.footerOffset, s.bytes.count - 1]
        for _ in 0..<60 { lengths.append(rng.below(s.bytes.count)) }
        for length in lengths {
            let error = try readAll(Array(s.bytes[0..<length]), name: "truncated-\(length).ptxs")
            #expect(error != nil, "truncation to \(length) bytes went unnoticed")
        }
    }

    @Test func appendedGarbageIsDetected() throws {
        let error = try readAll(Self.sample.bytes + [1, 2, 3], name: "longer.ptxs")
        #expect(error != nil)
    }

    /// Rewrites index entry `b` with `change` and re-seals the index/footer checksum, as a
    /// hostile writer could.
    func resealed(_ change: (inout BlockIndexEntry) -> Void, block b: Int) -> [UInt8] {
        let s = Self.sample
        var entries = s.blocks
        change(&entries[b])
        var w = LittleEndianWriter()
        for e in entries { e.append(to: &w) }
        var bytes = Array(s.bytes[0..<s.indexOffset]) + w.bytes
        let footerStart = bytes.count
        bytes += s.bytes[s.footerOffset..<(s.footerOffset + 48)]
        var h = XXHash64()
        h.update(w.bytes)
        h.update(bytes[footerStart...])
        withUnsafeBytes(of: h.digest().littleEndian) { bytes.append(contentsOf: $0) }
        bytes += ShardFormat.footerMagic
        return bytes
    }

    @Test func hostileSizesAreRefusedBeforeAllocating() throws {
        // A 1 GiB uncompressed size on a tiny block: refused by the header's limit and LZ4's
        // expansion bound, not allocated.
        var error = try readAll(resealed({ $0.uncompressedLength = 1 << 30 }, block: 2), name: "hostile-size.ptxs")
        #expect(error?.region == .index)
        #expect(error?.problem.contains("impossible") == true)
        // A compressed length that runs past the index.
        error = try readAll(resealed({ $0.compressedLength = UInt32.max }, block: 0), name: "hostile-clen.ptxs")
        #expect(error?.region == .index)
        // Overlapping blocks.
        error = try readAll(resealed({ $0.offset -= 1 }, block: 3), name: "hostile-offset.ptxs")
        #expect(error?.region == .index)
        // Record counts that disagree with the footer.
        error = try readAll(resealed({ $0.recordCount += 1 }, block: 1), name: "hostile-records.ptxs")
        #expect(error?.region == .footer)
        // Token count that disagrees with the block's contents (checksums still fine).
        error = try readAll(resealed({ $0.tokenCount += 1 }, block: 1), name: "hostile-tokens.ptxs")
        #expect(error != nil)
        // A block with a valid checksum but a different declared size: LZ4 or the decoder says so.
        error = try readAll(resealed({ $0.uncompressedLength -= 1 }, block: 4), name: "hostile-ulen.ptxs")
        #expect(error?.region == .block(4))
    }

    @Test func unknownVersionAndSchemaAreRejected() throws {
        var bytes = Self.sample.bytes
        bytes[8] = 2  // major version 2
        let error = try readAll(bytes, name: "v2.ptxs")
        #expect(error?.problem.contains("version 2") == true)

        // A header whose schema names an unknown field, correctly checksummed.
        var header = ShardHeader.testHeader().encoded()
        let fieldName = Array("input_ordinal".utf8)
        let at = header.indices.first { header[$0..<min($0 + fieldName.count, header.count)].elementsEqual(fieldName) }!
        header[at] = UInt8(ascii: "x")
        let sum = XXHash64.hash(header[0..<(header.count - 8)])
        header.replaceSubrange((header.count - 8)..., with: withUnsafeBytes(of: sum.littleEndian, Array.init))
        var file = header
        var footer = ShardFooter(indexOffset: UInt64(header.count), blockCount: 0, recordCount: 0, tokenCount: 0,
                                 headerLength: UInt64(header.count), maxBlockLength: 0)
        file += footer.encoded(index: [])
        let schemaError = try readAll(file, name: "schema.ptxs")
        #expect(schemaError?.region == .schema)
        #expect(schemaError?.problem.contains("xnput_ordinal") == true)
        footer.blockCount = 0
    }

    @Test func notAShardAtAll() throws {
        let text = Array(String(repeating: "just some text\n", count: 20).utf8)
        let error = try readAll(text, name: "text.ptxs")
        #expect(error?.problem.contains("not a Pretext shard") == true)
    }
}
