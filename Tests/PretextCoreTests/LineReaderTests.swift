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

/// A source that hands out at most `step` bytes per read.
final class SteppedSource: ByteSource {
    let path = "stepped"
    let bytes: [UInt8]
    let step: Int
    var position = 0
    init(_ bytes: [UInt8], step: Int) { self.bytes = bytes; self.step = step }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(step, buffer.count, bytes.count - position)
        for k in 0..<n { buffer[k] = bytes[position + k] }
        position += n
        return n
    }
}

@Suite struct LineReaderPieceTests {
    func pieces(_ text: String, maxLine: Int, policy: LineReader.OverlongPolicy, step: Int = 3)
        -> [(String, LineReader.Piece)]
    {
        let reader = LineReader(source: SteppedSource(Array(text.utf8), step: step), maxLineLength: maxLine, overlong: policy, chunkLength: 4)
        var out: [(String, LineReader.Piece)] = []
        try! reader.forEachPiece { line, piece in out.append((String(decoding: line, as: UTF8.self), piece)) }
        return out
    }

    @Test func piecesCarryPhysicalLineNumbers() {
        let split = pieces("a\n0123456789\r\n\nb", maxLine: 4, policy: .split)
        #expect(split.map(\.0) == ["a", "0123", "4567", "89", "", "b"])
        #expect(split.map(\.1.lineNumber) == [1, 2, 2, 2, 3, 4])
        #expect(split.map(\.1.isContinuation) == [false, false, true, true, false, false])
        #expect(split.map(\.1.isOverlong) == [false, true, true, true, false, false])
        #expect(split.allSatisfy { !$0.1.isSkipped })

        let skip = pieces("a\n0123456789\nb\n01234", maxLine: 4, policy: .skip)
        #expect(skip.map(\.0) == ["a", "", "b", ""])
        #expect(skip.map(\.1.lineNumber) == [1, 2, 3, 4])
        #expect(skip.map(\.1.isSkipped) == [false, true, false, true])
    }

    @Test func anyByteSourceGivesTheSameLinesAsAFile() throws {
        var rng = KeyedRandom(seed: 4, purpose: .testData, index: 0)
        var bytes: [UInt8] = []
        for _ in 0..<3000 { bytes.append(rng.below(6) == 0 ? 0x0A : UInt8(0x61 + rng.below(26))) }
        let path = try TemporaryFolder.shared.file(named: "source.txt", contents: bytes)
        var fromFile: [[UInt8]] = [], fromSource: [[UInt8]] = []
        try LineReader(path: path, maxLineLength: 16, chunkLength: 5).forEachLine { line, _ in fromFile.append(Array(line)) }
        for step in [1, 2, 5, 100] {
            fromSource.removeAll()
            try LineReader(source: SteppedSource(bytes, step: step), maxLineLength: 16, chunkLength: 5)
                .forEachLine { line, _ in fromSource.append(Array(line)) }
            #expect(fromSource == fromFile, "step \(step)")
        }
    }
}
