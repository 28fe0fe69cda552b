import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

/// A 50 MB line without a newline must come through in bounded pieces.
@Suite struct BoundedMemoryTests {
    static let lineBytes = 50_000_000
    /// No white space, so trimming cannot change the bytes; "é" makes cuts land near
    /// character boundaries.
    static let pattern = Array("abcdefghijklmnopqrstuvwxyzé0123456789".utf8)

    /// Writes the line in 1 MiB chunks (the test itself never holds it whole) and returns
    /// its path and XXH64.
    static func makeHugeLine() throws -> (path: String, hash: UInt64) {
        let path = try TemporaryFolder.shared.file(named: "huge-line.txt", contents: [])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hasher = XXHash64()
        var chunk: [UInt8] = []
        var written = 0
        var k = 0
        while written < lineBytes {
            chunk.removeAll(keepingCapacity: true)
            while chunk.count < (1 << 20) && written + chunk.count < lineBytes {
                chunk.append(pattern[k % pattern.count])
                k += 1
            }
            hasher.update(chunk)
            try handle.write(contentsOf: chunk)
            written += chunk.count
        }
        return (path, hasher.digest())
    }

    @Test func aHugeLineIsSplitIntoBoundedPiecesAndDocuments() throws {
        let (path, hash) = try Self.makeHugeLine()
        let cap = 1 << 20, documentCap = 4 << 20
        let reader = try ParagraphTextReader(path: path, inputOrdinal: 0,
                                             options: ReaderOptions(maxLineBytes: cap, maxDocumentBytes: documentCap))
        var hasher = XXHash64()
        var total = 0, documents = 0, largestPiece = 0, largestDocument = 0
        var allValid = true
        try reader.forEachDocument { doc in
            documents += 1
            largestDocument = max(largestDocument, doc.byteCount)
            for segment in doc.segments {
                largestPiece = max(largestPiece, segment.count)
                total += segment.count
                hasher.update(segment)
                if String(validating: segment, as: UTF8.self) == nil { allValid = false }
            }
        }
        #expect(largestPiece <= cap)
        #expect(largestDocument <= documentCap)
        #expect(total == Self.lineBytes)
        #expect(hasher.digest() == hash)
        #expect(allValid)  // cuts fall on character boundaries
        #expect(documents >= Self.lineBytes / documentCap)
        let report = reader.report
        #expect(report.overlongLines == 1)
        #expect(report.bytes == UInt64(Self.lineBytes))
        #expect(report.invalidUTF8Lines == 0)
        #expect(report.documents == UInt64(documents))
        #expect(report.splitDocuments == UInt64(documents - 1))
        #expect(report.problems.first == "\(path):1: line longer than \(cap) bytes split into pieces")

        let skipping = try ParagraphTextReader(path: path, inputOrdinal: 0,
                                               options: ReaderOptions(maxLineBytes: cap, overlongLines: .skip))
        var skippedDocuments = 0
        try skipping.forEachDocument { _ in skippedDocuments += 1 }
        #expect(skippedDocuments == 0)
        #expect(skipping.report.overlongLines == 1)
        #expect(skipping.report.problems == ["\(path):1: line longer than \(cap) bytes skipped"])
        try? FileManager.default.removeItem(atPath: path)
    }
}
