import Foundation
import Testing
import PretextCore
import PretextLabeling
import PretextShards
import PretextTestSupport
@testable import PretextPipeline

@Suite struct DocumentStoreTests {
    static func documents(unit: Int, count: Int) -> [TokenizedDocument] {
        (0..<count).map { d in
            TokenizedDocument(inputOrdinal: UInt32(unit), documentOrdinal: UInt64(d),
                              sentences: (0..<(1 + d % 4)).map { s in (0..<(3 + (d + s) % 50)).map { UInt32(unit * 1000 + d * 10 + s + $0 % 7) } })
        }
    }

    @Test func randomAccessAcrossUnitsReturnsWhatWasWritten() throws {
        let folder = try TemporaryFolder.shared.folder(named: "store")
        let units = [Self.documents(unit: 0, count: 40), Self.documents(unit: 1, count: 1), Self.documents(unit: 2, count: 25)]
        for (u, docs) in units.enumerated() {
            try DocumentStoreFiles.writeUnit(folder: folder, unit: u, documents: docs, tokenWidth: 2)
        }
        let store = try DocumentStore(folder: folder, units: [0, 1, 2])
        let all = units.flatMap { $0 }
        #expect(store.documentCount == all.count)
        #expect(store.documentRange(unitPosition: 1) == 40..<41)
        var random = KeyedRandom(seed: 1, purpose: .testData, index: 0)
        for _ in 0..<300 {
            let i = random.below(all.count)
            #expect(try store.document(i) == all[i])
            #expect(try store.sentenceCount(i) == all[i].sentenceCount)
            let start = random.below(all[i].sentenceCount)
            var tokens: [UInt32] = [], expected: [UInt32] = []
            try store.appendSentences(of: i, from: start, to: &tokens, until: 20)
            for k in start..<all[i].sentenceCount {
                expected += all[i].sentence(k)
                if expected.count >= 20 { break }
            }
            #expect(tokens == expected)
        }
        // A subset of units (a task's own units) numbers documents within the subset.
        let partial = try DocumentStore(folder: folder, units: [2])
        #expect(try partial.document(0) == units[2][0])
        // A run of documents of one unit in one read.
        #expect(try store.documents(3..<17) == Array(all[3..<17]))
        #expect(try store.documents(41..<66) == units[2])
    }

    /// A unit streamed group by group (as a build writes it) has the same bytes as the unit
    /// written in one go; a writer dropped before `finish()` leaves no file behind.
    @Test func aUnitWrittenGroupByGroupEqualsOneWrite() throws {
        let folder = try TemporaryFolder.shared.folder(named: "store-stream")
        let docs = Self.documents(unit: 4, count: 30)
        try DocumentStoreFiles.writeUnit(folder: folder, unit: 0, documents: docs, tokenWidth: 4)
        let writer = try DocumentStoreUnitWriter(folder: folder, unit: 1, tokenWidth: 4)
        for group in [docs[0..<7], docs[7..<8], docs[8..<8], docs[8..<30]] {
            try writer.append(try EncodedDocuments(Array(group), tokenWidth: 4, folder: folder))
        }
        #expect(try writer.finish() == writer.bytesWritten)
        for name in [DocumentStoreFiles.tokensName, DocumentStoreFiles.indexName] {
            let one = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name(0)))
            let streamed = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name(1)))
            #expect(one == streamed && !one.isEmpty)
        }
        let store = try DocumentStore(folder: folder, units: [1])
        #expect(try store.documents(0..<30) == docs)

        do {
            let dropped = try DocumentStoreUnitWriter(folder: folder, unit: 2, tokenWidth: 4)
            try dropped.append(try EncodedDocuments(docs, tokenWidth: 4, folder: folder))
        }
        #expect(try PosixFile.listDirectory(folder).sorted() == [0, 1].flatMap { [DocumentStoreFiles.indexName(unit: $0), DocumentStoreFiles.tokensName(unit: $0)] }.sorted())
    }

    /// A document over `wholeRecordBytes` is read in two parts for a negative (sentence ends,
    /// then only the tokens taken); both paths give the same tokens.
    @Test func largeDocumentsAreReadInPartsWithTheSameResult() throws {
        let folder = try TemporaryFolder.shared.folder(named: "store-large")
        let sentences = (0..<40).map { s in (0..<(300 + s * 7)).map { UInt32((s * 131 + $0) % 30000) } }
        let large = TokenizedDocument(inputOrdinal: 0, documentOrdinal: 5, sentences: sentences)
        #expect(4 * large.sentenceCount + 2 * large.tokens.count > DocumentStore.wholeRecordBytes)
        let small = Self.documents(unit: 0, count: 3)
        try DocumentStoreFiles.writeUnit(folder: folder, unit: 0, documents: small + [large] + small, tokenWidth: 2)
        let store = try DocumentStore(folder: folder, units: [0])
        #expect(try store.document(3) == large)
        for (start, target) in [(0, 1), (0, 5000), (1, 1), (17, 400), (39, 10), (39, 100_000)] {
            var tokens: [UInt32] = [1, 2], expected: [UInt32] = [1, 2]
            try store.appendSentences(of: 3, from: start, to: &tokens, until: target)
            for k in start..<large.sentenceCount {
                expected += large.sentence(k)
                if expected.count >= target { break }
            }
            #expect(tokens == expected, "from \(start) until \(target)")
        }
    }

    @Test func idsOfFourBytesRoundTrip() throws {
        let folder = try TemporaryFolder.shared.folder(named: "store-wide")
        let docs = [TokenizedDocument(inputOrdinal: 7, documentOrdinal: 1 << 40, sentences: [[70_000, 1, 250_000], [4_000_000_000]])]
        try DocumentStoreFiles.writeUnit(folder: folder, unit: 3, documents: docs, tokenWidth: 4)
        let store = try DocumentStore(folder: folder, units: [3])
        #expect(try store.document(0) == docs[0])
        var tokens: [UInt32] = [9]
        try store.appendSentences(of: 0, from: 1, to: &tokens, until: 1)
        #expect(tokens == [9, 4_000_000_000])
    }

    @Test func aDamagedIndexIsRefused() throws {
        let folder = try TemporaryFolder.shared.folder(named: "store-damage")
        try DocumentStoreFiles.writeUnit(folder: folder, unit: 0, documents: Self.documents(unit: 0, count: 5), tokenWidth: 2)
        let path = folder + "/" + DocumentStoreFiles.indexName(unit: 0)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[13] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: DocumentStoreError.self) { try DocumentStore(folder: folder, units: [0]) }
    }

    /// A flipped bit or a missing tail in a unit's tokens is caught when the store is opened,
    /// before any of its documents is used.
    @Test func damagedOrTruncatedTokensAreRefused() throws {
        let folder = try TemporaryFolder.shared.folder(named: "store-tokens-damage")
        try DocumentStoreFiles.writeUnit(folder: folder, unit: 0, documents: Self.documents(unit: 0, count: 9), tokenWidth: 2)
        let path = folder + "/" + DocumentStoreFiles.tokensName(unit: 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var flipped = [UInt8](good)
        flipped[flipped.count / 2] ^= 0x10
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        #expect(throws: DocumentStoreError(path: path, problem: "checksum mismatch")) { try DocumentStore(folder: folder, units: [0]) }
        try good.prefix(good.count - 3).write(to: URL(fileURLWithPath: path))
        #expect(throws: DocumentStoreError.self) { try DocumentStore(folder: folder, units: [0]) }
        try good.write(to: URL(fileURLWithPath: path))
        #expect(try DocumentStore(folder: folder, units: [0]).document(8) == Self.documents(unit: 0, count: 9)[8])
    }
}
