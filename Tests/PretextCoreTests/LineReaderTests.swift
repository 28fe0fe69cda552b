import Testing
import PretextTestSupport
@testable import PretextCore

@Suite struct LineReaderTests {
    func lines(of bytes: [UInt8], maxLine: Int = 1 << 20, policy: LineReader.OverlongPolicy = .split, chunk: Int = 1 << 20)
        throws -> (lines: [[UInt8]], continuations: [Bool], counts: LineReader.Counts)
    {
        let path = try TemporaryFolder.shared.file(named: "lines-\(bytes.count)-\(maxLine)-\(chunk).txt", contents: bytes)
        let reader = try LineReader(path: path, maxLineLength: maxLine, overlong: policy, chunkLength: chunk)
        var out: [[UInt8]] = [], cont: [Bool] = []
        try reader.forEachLine { line, c in out.append(Array(line)); cont.append(c) }
        return (out, cont, reader.counts)
    }

    @Test func splitsOnNewlinesAndStripsCR() throws {
        let r = try lines(of: Array("a\r\nbb\n\nccc".utf8))
        #expect(r.lines == [Array("a".utf8), Array("bb".utf8), [], Array("ccc".utf8)])
        #expect(r.counts.crlfLines == 1)
        #expect(r.counts.lines == 4)
    }

    @Test func emptyFileHasNoLines() throws {
        #expect(try lines(of: []).lines.isEmpty)
        #expect(try lines(of: [0x0A]).lines == [[]])
    }

    @Test func tinyChunksGiveTheSameLines() throws {
        var rng = KeyedRandom(seed: 3, purpose: .testData, index: 0)
        var bytes: [UInt8] = []
        for _ in 0..<2000 { bytes.append(rng.below(8) == 0 ? 0x0A : UInt8(0x61 + rng.below(26))) }
        let expected = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let trimmed = bytes.last == 0x0A ? Array(expected.dropLast()) : expected
        for chunk in [1, 2, 7, 64, 4096] {
            #expect(try lines(of: bytes, maxLine: 1 << 10, chunk: chunk).lines == trimmed, "chunk \(chunk)")
        }
    }

    @Test func overlongLinesAreSplitAtUTF8Boundaries() throws {
        // "é" is 2 bytes; 10 of them = 20 bytes; cap 7 must never cut inside a character.
        let line = Array(String(repeating: "é", count: 10).utf8)
        let r = try lines(of: line + [0x0A] + Array("ok".utf8), maxLine: 7, chunk: 3)
        #expect(r.counts.overlongLines == 1)
        #expect(r.lines.dropLast().joined().elementsEqual(line))
        for piece in r.lines.dropLast() {
            #expect(piece.count <= 7)
            #expect(String(validating: piece, as: UTF8.self) != nil)
        }
        #expect(r.continuations.first == false)
        #expect(r.continuations.dropFirst().dropLast().allSatisfy { $0 })
        #expect(r.lines.last == Array("ok".utf8))
    }

    @Test func overlongLinesCanBeSkipped() throws {
        let r = try lines(of: Array("short\n\(String(repeating: "x", count: 100))\nafter\n".utf8), maxLine: 10, policy: .skip, chunk: 4)
        #expect(r.lines == [Array("short".utf8), Array("after".utf8)])
        #expect(r.counts.overlongLines == 1)
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: SystemCallError.self) { try LineReader(path: "/nonexistent/pretext/x.txt") }
        do { _ = try LineReader(path: "/nonexistent/pretext/x.txt") } catch {
            #expect("\(error)".contains("/nonexistent/pretext/x.txt"))
        }
    }
}
